"""Contact reports as the employer may see them (issue 17; DESIGN.md §5.8): pending, confirmed or
denied, each answer visible only from its random delayed moment (ContactReport.shown_at); a new
report after a shown denial (and REASK_AFTER_DAYS), at most MAX_REPORTS_PER_REVIEW per review."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from extensions import db
from representatives import contact_reports
from representatives.contact_reports import (
    MAX_REPORTS_PER_REVIEW,
    NO_REPORT,
    REASK_AFTER_DAYS,
    ContactRefusal,
    ContactState,
    employer_view,
)
from representatives.models import ContactReport, ContactStatus
from reviews.models import Outcome
from tests.conftest import page_text, post_form, publish_pending_change
from tests.factories import (
    ContactReportFactory,
    EmployerFactory,
    RepresentativeFactory,
    UserFactory,
)
from tests.functional.test_contact_reports import (
    AUTHOR_EMAIL,
    PASSWORD,
    REP_EMAIL,
    ask,
    open_case,
    say_contacted,
)
from timeutils import utcnow


@pytest.fixture
def employer(app):
    return EmployerFactory(name="Fennimore Ceramics")


@pytest.fixture
def candidate(app):
    return UserFactory(email=AUTHOR_EMAIL, password=PASSWORD, verified=True)


@pytest.fixture
def representative(employer):
    user = UserFactory(email=REP_EMAIL, password=PASSWORD, verified=True)
    return RepresentativeFactory(user_id=user.id, employer_id=employer.id)


def _reports(review) -> list[ContactReport]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(ContactReport).where(ContactReport.review_id == review.id).order_by("id")
        )
    )


def _deny(client, auth, review):
    auth.sign_in(AUTHOR_EMAIL, PASSWORD)
    response = post_form(client, f"/reviews/{review.public_id}/contact/deny", page="/me")
    auth.sign_out()
    assert response.status_code == 302
    return _reports(review)[-1]


def _denied(review, representative, shown_days_ago: float) -> ContactReport:
    shown = utcnow() - timedelta(days=shown_days_ago)
    report = ContactReportFactory(
        review_id=review.id,
        representative_id=representative.id,
        denied=True,
        created_at=shown - timedelta(days=5),
        answered_at=shown - timedelta(days=4),
        shown_at=shown,
    )
    db.session.commit()
    return report


# --- the delay ---------------------------------------------------------------------------------


def test_a_denial_is_invisible_to_the_employer_before_its_moment(
    app, client, auth, employer, candidate, representative
):
    review = open_case(employer, candidate)
    assert ask(client, auth, review).status_code == 302
    asked = employer_view([review.id])[review.id]
    report = _deny(client, auth, review)

    # Shown at a random moment in the publication window, not at the author's click.
    low, high = (app.config[f"REVIEW_PUBLISH_DELAY_{end}_HOURS"] for end in ("MIN", "MAX"))
    delay = report.shown_at - report.answered_at
    assert timedelta(hours=low) <= delay <= timedelta(hours=high) + timedelta(seconds=5)

    before = employer_view([review.id], report.shown_at - timedelta(seconds=1))[review.id]
    assert before == asked  # exactly as if the author hadn't answered
    assert before.state is ContactState.pending and before.refusal is ContactRefusal.already_asked
    # The representative's own pages say the same.
    auth.sign_in(REP_EMAIL, PASSWORD)
    refused = say_contacted(client, review)
    assert refused.status_code == 409
    assert "They have been asked to confirm" in page_text(refused)
    assert "haven't heard from you" not in page_text(refused)

    after = employer_view([review.id], report.shown_at + timedelta(seconds=1))[review.id]
    assert after.state is ContactState.denied
    assert after.may_report is False and after.refusal is ContactRefusal.denied_recently
    assert after.report_again_from == report.shown_at + timedelta(days=REASK_AFTER_DAYS)


def test_a_confirmation_shows_only_when_the_review_changes_in_public(
    app, client, auth, employer, candidate, representative
):
    review = open_case(employer, candidate)
    ask(client, auth, review)
    auth.sign_in(AUTHOR_EMAIL, PASSWORD)
    response = post_form(
        client,
        f"/reviews/{review.public_id}/contact/confirm",
        {"outcome": Outcome.rejected.value},
        page="/me",
    )
    auth.sign_out()
    assert response.status_code == 302
    (report,) = _reports(review)
    assert report.status is ContactStatus.confirmed and report.shown_at is None
    far = utcnow() + timedelta(days=365)
    assert employer_view([review.id], far)[review.id].state is ContactState.pending
    publish_pending_change(db.session.get(type(review), review.id))
    view = employer_view([review.id], utcnow() + timedelta(seconds=1))[review.id]
    assert view.state is ContactState.confirmed and view.may_report is False


# --- reporting again ---------------------------------------------------------------------------


def test_after_a_shown_denial_and_the_wait_a_new_contact_can_be_reported(
    client, auth, outbox, employer, candidate, representative
):
    review = open_case(employer, candidate)
    _denied(review, representative, shown_days_ago=2)
    auth.sign_in(REP_EMAIL, PASSWORD)
    refused = say_contacted(client, review)
    assert refused.status_code == 409
    text = page_text(refused)
    assert "haven't heard from you" in text and "nothing more is needed" not in text

    _reports(review)[0].shown_at = utcnow() - timedelta(days=REASK_AFTER_DAYS + 1)
    db.session.commit()
    view = employer_view([review.id])[review.id]
    assert view.state is ContactState.denied and view.may_report and view.refusal is None
    outbox.clear()
    assert say_contacted(client, review).status_code == 302
    assert [r.status for r in _reports(review)] == [ContactStatus.denied, ContactStatus.pending]
    assert [m["To"] for m in outbox] == [AUTHOR_EMAIL]
    assert employer_view([review.id])[review.id].state is ContactState.pending


def test_at_most_three_reports_per_review(
    client, auth, outbox, employer, candidate, representative
):
    assert MAX_REPORTS_PER_REVIEW == 3
    review = open_case(employer, candidate)
    for _ in range(MAX_REPORTS_PER_REVIEW):
        _denied(review, representative, shown_days_ago=REASK_AFTER_DAYS + 5)
    view = employer_view([review.id])[review.id]
    assert view.state is ContactState.denied and view.reports == 3
    assert not view.may_report and view.limit_reached
    auth.sign_in(REP_EMAIL, PASSWORD)
    outbox.clear()
    refused = say_contacted(client, review)
    assert refused.status_code == 409
    assert "3 times" in page_text(refused)
    assert len(_reports(review)) == 3 and outbox == []


def test_the_service_refuses_past_the_limit_and_racing_reports(
    app, employer, candidate, representative
):
    review = open_case(employer, candidate)
    for _ in range(MAX_REPORTS_PER_REVIEW - 1):
        _denied(review, representative, shown_days_ago=REASK_AFTER_DAYS + 5)
    now = utcnow()
    with app.test_request_context():
        first = contact_reports.report_contact(representative, review, now)
        assert not isinstance(first, ContactRefusal)
        # A second request that counted before the first committed: the pending index refuses it.
        second = contact_reports.report_contact(representative, review, now)
        assert second is ContactRefusal.already_asked
    db.session.commit()
    assert len(_reports(review)) == MAX_REPORTS_PER_REVIEW


def test_the_view_of_reviews_without_reports_and_withdrawn_ones(
    app, employer, candidate, representative
):
    quiet = open_case(employer, candidate)
    closed = open_case(employer, candidate, process_month=quiet.process_month.replace(year=2020))
    ContactReportFactory(
        review_id=closed.id,
        representative_id=representative.id,
        status=ContactStatus.withdrawn,
        answered_at=utcnow(),
        shown_at=utcnow(),
    )
    db.session.commit()
    views = employer_view([quiet.id, closed.id, quiet.id])
    assert views[quiet.id] == NO_REPORT
    assert views[closed.id].state is None and views[closed.id].reports == 1
    assert employer_view([]) == {}


def test_one_query_for_many_reviews(app, employer, candidate, representative, query_counter):
    review = open_case(employer, candidate)
    _denied(review, representative, shown_days_ago=1)
    ids = [review.id, *range(1000, 1050)]
    with query_counter() as statements:
        views = employer_view(ids)
    assert len(statements) == 1 and len(views) == len(ids)
    assert views[review.id].state is ContactState.denied and views[1000] == NO_REPORT
