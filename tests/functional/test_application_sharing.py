"""Share a tracked application as a review (issue 16, DESIGN.md §12): the steps fill in the
review form, publishing goes through the normal path, the review is marked prospective when
the tracker followed it before its outcome, the mark is never public, and a later outcome is
offered as an update that waits like any change.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from applications.models import ApplicationStatus, StepKind
from extensions import db
from reviews import lifecycle
from reviews.models import Review, ReviewStatus
from tests.conftest import page_text, post_form
from tests.factories import (
    ApplicationFactory,
    ApplicationStepFactory,
    EmployerFactory,
    ReviewFactory,
    UserFactory,
)
from timeutils import utcnow

TODAY = date.today()
APPLIED = TODAY - timedelta(days=30)
PASSWORD = "correct horse battery"


@pytest.fixture
def employer(app):
    return EmployerFactory(name="Brindlewick Systems", slug="brindlewick-systems")


@pytest.fixture
def tracked(signed_in, employer):
    """Applied 30 days ago and entered in the tracker the next day; a screen, then an
    interview 10 days ago with an answer promised within 7 days, then silence."""
    application = ApplicationFactory(
        user_id=signed_in.id,
        employer_id=employer.id,
        role_title="Backend engineer",
        applied_on=APPLIED,
        channel="referral",
        created_at=datetime.combine(APPLIED + timedelta(days=1), datetime.min.time()),
        notes="Salary 70k, ask Priya about the team",
        status=ApplicationStatus.in_process,
    )
    ApplicationStepFactory(
        application_id=application.id,
        kind=StepKind.screen,
        happened_on=APPLIED + timedelta(days=5),
        promised_days=None,
    )
    ApplicationStepFactory(
        application_id=application.id,
        kind=StepKind.interview,
        happened_on=TODAY - timedelta(days=10),
        promised_days=7,
    )
    db.session.refresh(application)
    return application


def _share_url(application, employer) -> str:
    return f"/reviews/new?employer={employer.slug}&application={application.id}"


class _FormReader(HTMLParser):
    """The values a browser would post from the page's review form (stdlib only)."""

    def __init__(self):
        super().__init__()
        self.values: dict = {}
        self.inside = False
        self.textarea: str | None = None
        self.select: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form" and "review-form" in (attributes.get("class") or ""):
            self.inside = True
        if not self.inside:
            return
        name = attributes.get("name")
        if tag == "input" and name:
            kind = attributes.get("type", "text")
            if kind in ("radio", "checkbox"):
                if "checked" in attributes:
                    self.values[name] = attributes.get("value", "y")
            elif kind not in ("submit", "button", "file"):
                self.values[name] = attributes.get("value") or ""
        elif tag == "textarea" and name:
            self.textarea = name
            self.values[name] = ""
        elif tag == "select" and name:
            self.select = name
            self.values[name] = ""
        elif tag == "option" and self.select and "selected" in attributes:
            self.values[self.select] = attributes.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea":
            self.textarea = None
        elif tag == "select":
            self.select = None

    def handle_data(self, data):
        if self.textarea:
            self.values[self.textarea] += data


def _form_values(html: str) -> dict:
    reader = _FormReader()
    reader.feed(html)
    return reader.values


def _publish(client, url: str, html: str, **changes):
    data = {**_form_values(html), "action": "publish", **changes}
    return client.post(url, data=data)


def _own_review(user) -> Review | None:
    return db.session.scalar(select(Review).where(Review.author_id == user.id))


def test_the_application_page_offers_to_share(client, tracked, employer):
    text = page_text(client.get(f"/me/applications/{tracked.id}"))
    assert "Share as a review" in text
    assert "notes are not copied" in text


def test_the_steps_fill_in_the_review_form(client, tracked, employer):
    response = client.get(_share_url(tracked, employer))
    assert response.status_code == 200
    values = _form_values(response.get_data(as_text=True))
    assert values["process_month"] == APPLIED.strftime("%Y-%m")
    assert values["stage"] == "interview"
    assert values["outcome"] == "waiting"
    assert values["last_contact_on"] == (TODAY - timedelta(days=10)).isoformat()
    assert values["next_steps"] == "yes_with_date" and values["promised_days"] == "7"
    assert values["interview_rounds"] == "1"
    assert values["application_channel"] == "referral"
    assert values["role_title"] == "Backend engineer"
    assert "show_role_title" not in values  # the title stays private unless chosen
    text = page_text(response)
    assert "come from your tracked application" in text
    # Private notes never reach the review form.
    assert "Priya" not in response.get_data(as_text=True)


def test_publishing_links_the_review_and_marks_it_prospective(client, tracked, employer, signed_in):
    url = _share_url(tracked, employer)
    response = _publish(client, url, client.get(url).get_data(as_text=True))
    assert response.status_code == 302, page_text(response)
    review = _own_review(signed_in)
    assert review is not None and review.status is ReviewStatus.scheduled
    assert review.prospective is True
    db.session.refresh(tracked)
    assert tracked.review_id == review.id
    # Exact dates stay private: the public record keeps months (the review's own rule).
    assert review.process_month == APPLIED.replace(day=1)
    text = page_text(client.get(f"/me/applications/{tracked.id}"))
    assert "You shared this application as a review" in text
    assert "Share as a review" not in text


def test_an_application_entered_long_after_applying_is_not_prospective(
    client, tracked, employer, signed_in
):
    tracked.created_at = datetime.combine(TODAY, datetime.min.time())  # 30 days after applying
    db.session.commit()
    url = _share_url(tracked, employer)
    assert _publish(client, url, client.get(url).get_data(as_text=True)).status_code == 302
    review = _own_review(signed_in)
    assert review.prospective is False
    db.session.refresh(tracked)
    assert tracked.review_id == review.id


def test_an_outcome_typed_in_with_the_application_is_not_prospective(client, signed_in, employer):
    entered = datetime.combine(TODAY - timedelta(days=3), datetime.min.time())
    application = ApplicationFactory(
        user_id=signed_in.id,
        employer_id=employer.id,
        applied_on=TODAY - timedelta(days=5),
        created_at=entered,
        outcome_known_at=entered + timedelta(minutes=2),
        status=ApplicationStatus.decided,
    )
    ApplicationStepFactory(
        application_id=application.id,
        kind=StepKind.rejection,
        happened_on=TODAY - timedelta(days=4),
        promised_days=None,
    )
    url = _share_url(application, employer)
    html = client.get(url).get_data(as_text=True)
    values = _form_values(html)
    assert values["outcome"] == "rejected" and values["decision_days"] == "1"
    assert _publish(client, url, html).status_code == 302
    assert _own_review(signed_in).prospective is False


def test_someone_elses_application_fills_in_nothing_and_links_nothing(client, signed_in, employer):
    other = ApplicationFactory(
        employer_id=employer.id, role_title="Secret role", applied_on=APPLIED
    )
    url = _share_url(other, employer)
    html = client.get(url).get_data(as_text=True)
    assert "Secret role" not in html
    assert "come from your tracked application" not in page_text(client.get(url))
    response = _publish(
        client,
        url,
        html,
        process_month=APPLIED.strftime("%Y-%m"),
        stage="applied",
        outcome="waiting",
        last_contact_on=APPLIED.isoformat(),
    )
    assert response.status_code == 302, page_text(response)
    db.session.refresh(other)
    assert other.review_id is None
    assert _own_review(signed_in).prospective is False


@pytest.mark.parametrize("value", ["abc", "-1", "99999999999999999999", "1 OR 1=1", ""])
def test_hostile_application_values_are_ignored(client, signed_in, employer, value):
    url = f"/reviews/new?employer={employer.slug}&application={value}"
    response = client.get(url)
    assert response.status_code == 200
    assert "come from your tracked application" not in page_text(response)


def test_an_application_of_another_employer_is_not_used(client, tracked, signed_in):
    elsewhere = EmployerFactory(name="Other Works", slug="other-works")
    url = f"/reviews/new?employer={elsewhere.slug}&application={tracked.id}"
    assert "come from your tracked application" not in page_text(client.get(url))


def test_an_application_still_to_send_cannot_be_shared(client, signed_in, employer):
    application = ApplicationFactory(
        user_id=signed_in.id,
        employer_id=employer.id,
        applied_on=None,
        status=ApplicationStatus.to_apply,
        next_action_on=None,
    )
    text = page_text(client.get(f"/me/applications/{application.id}"))
    assert "Apply first" in text and "Share as a review" not in text
    assert "come from your tracked application" not in page_text(
        client.get(_share_url(application, employer))
    )


def test_a_shared_application_is_not_linked_twice(client, tracked, employer, signed_in):
    earlier = ReviewFactory(employer=employer)
    tracked.review_id = earlier.id
    db.session.commit()
    assert "come from your tracked application" not in page_text(
        client.get(_share_url(tracked, employer))
    )


def test_a_later_outcome_is_offered_as_an_update_that_waits(client, tracked, employer, signed_in):
    url = _share_url(tracked, employer)
    assert _publish(client, url, client.get(url).get_data(as_text=True)).status_code == 302
    review = _own_review(signed_in)
    lifecycle.publish_due(utcnow() + timedelta(days=11))  # the delay has passed
    review.created_at = review.created_at - timedelta(days=1)
    db.session.commit()
    assert review.status is ReviewStatus.published
    page = f"/me/applications/{tracked.id}"
    assert "Update your review with the outcome" not in page_text(client.get(page))

    # The rejection arrives and is recorded in the tracker.
    response = post_form(
        client,
        f"{page}/steps/new",
        {"kind": "rejection", "happened_on": TODAY.isoformat(), "note": ""},
    )
    assert response.status_code == 302
    text = page_text(client.get(page))
    assert "Update your review with the outcome" in text

    edit = f"/reviews/{review.public_id}/edit?application={tracked.id}"
    html = client.get(edit).get_data(as_text=True)
    values = _form_values(html)
    assert values["outcome"] == "rejected"
    assert values["decision_days"] == "10"
    assert "random delay" in page_text(client.get(edit))
    response = _publish(client, edit, html)
    assert response.status_code == 302, page_text(response)
    db.session.expire_all()
    review = _own_review(signed_in)
    # Public now: the change waits (DESIGN.md §5.8).
    assert review.outcome.value == "waiting"
    assert review.pending_values is not None and review.pending_values["outcome"] == "rejected"
    assert "Update your review with the outcome" not in page_text(client.get(page))


def test_another_members_edit_link_offers_nothing(client, auth, tracked, employer, signed_in):
    review = ReviewFactory(employer=employer, author_id=signed_in.id)
    tracked.review_id = review.id
    db.session.commit()
    auth.sign_out()
    UserFactory(email="other@example.org", password=PASSWORD, verified=True)
    auth.sign_in("other@example.org", PASSWORD)
    response = client.get(f"/reviews/{review.public_id}/edit?application={tracked.id}")
    assert response.status_code == 403


def test_the_prospective_mark_is_never_public(client, app):
    """A prospective review and a plain one: every public output has the same shape, and none
    says which is which."""
    shapes = []
    for index, mark in enumerate((False, True)):
        employer = EmployerFactory(name=f"Mark Works {index}", slug=f"mark-works-{index}")
        review = ReviewFactory(employer=employer, status=ReviewStatus.published, prospective=mark)
        bodies = [
            client.get(f"/reviews/{review.public_id}").get_data(as_text=True),
            client.get(f"/{employer.slug}").get_data(as_text=True),
            client.get(f"/api/v1/employers/{employer.slug}/reviews").get_data(as_text=True),
            client.get(f"/api/v1/employers/{employer.slug}").get_data(as_text=True),
        ]
        for body in bodies:
            assert "prospective" not in body.lower()
        api = json.loads(bodies[2])
        shapes.append(sorted(api["reviews"][0]) if api.get("reviews") else sorted(api))
    assert shapes[0] == shapes[1]


def test_the_share_page_needs_csrf(client, tracked, employer, signed_in):
    url = _share_url(tracked, employer)
    data = _form_values(client.get(url).get_data(as_text=True))
    data.pop("csrf_token")
    response = client.post(url, data={**data, "action": "publish"})
    assert response.status_code == 400
    assert _own_review(signed_in) is None
    db.session.refresh(tracked)
    assert tracked.review_id is None
