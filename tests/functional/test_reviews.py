"""Writing, previewing, publishing and updating a review through the real form (CSRF on)."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from extensions import db
from reviews.fields import FIELDS
from reviews.models import (
    Feedback,
    HoldReason,
    NextSteps,
    Outcome,
    Review,
    ReviewRevision,
    ReviewStatus,
    Stage,
)
from scoring.vocabulary import steps_mask
from tests.conftest import csrf_token, page_text, post_form, publish_pending_change
from tests.factories import EmployerDomainFactory, EmployerFactory, ReviewFactory, UserFactory
from timeutils import utcnow

TODAY = date.today()
START = (TODAY - timedelta(days=75)).replace(day=1)
CONTACT = START + timedelta(days=20)

BASE = {
    "process_month": START.strftime("%Y-%m"),
    "stage": "interview",
    "outcome": "waiting",
    "last_contact_on": CONTACT.isoformat(),
}


@pytest.fixture
def employer(app):
    return EmployerFactory(name="Snorkeldown Analytics", slug="snorkeldown-analytics")


def _url(employer) -> str:
    return f"/reviews/new?employer={employer.slug}"


def _post(client, employer, data, action="preview", url=None):
    url = url or _url(employer)
    return post_form(client, url, {**data, "action": action})


def _publish(client, employer, data, url=None):
    return _post(client, employer, data, "publish", url)


def _reviews() -> list[Review]:
    db.session.expire_all()
    return list(db.session.scalars(select(Review)))


# --- access ------------------------------------------------------------------------------------


def test_form_needs_sign_in(client, employer):
    response = client.get(_url(employer))
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_form_needs_a_verified_email(client, auth, employer):
    UserFactory(email="unverified@example.org")
    auth.sign_in("unverified@example.org")
    response = client.get(_url(employer))
    assert response.status_code == 403
    assert "Confirm your email address" in page_text(response)


def test_without_employer_the_form_asks_which_employer(client, signed_in):
    response = client.get("/reviews/new")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/reviews/new/employer")


def test_unknown_employer_is_404(client, signed_in):
    assert client.get("/reviews/new?employer=nobody-here").status_code == 404


def test_a_slug_longer_than_any_is_unknown_not_cut_to_a_known_one(client, signed_in):
    """An address is never shortened into another employer's: the longest slug plus one letter
    is no employer at all, on the review form as on the employer pages."""
    employer = EmployerFactory(slug="s" * 220)
    assert client.get(f"/reviews/new?employer={employer.slug}").status_code == 200
    assert client.get(f"/reviews/new?employer={employer.slug}x").status_code == 404
    assert client.get(f"/employers/{employer.slug}x").status_code == 404
    assert client.get(f"/api/v1/employers/{employer.slug}x").status_code == 404


def test_people_on_the_employers_domain_cannot_review_it(client, auth, app):
    employer = EmployerFactory(slug="acme")
    EmployerDomainFactory(employer_id=employer.id, domain="acme.com")
    UserFactory(email="me@jobs.acme.com", verified=True)
    auth.sign_in("me@jobs.acme.com")
    response = client.get("/reviews/new?employer=acme")
    assert response.status_code == 403
    assert "can't review it" in page_text(response)
    assert _publish(client, employer, BASE, url="/reviews/new?employer=acme").status_code == 403
    assert _reviews() == []


def test_form_shows_every_section(client, signed_in, employer):
    body = page_text(client.get(_url(employer)))
    for text in [
        "How far did you get?",
        "What did the employer finally do?",
        "Never heard back (ghosted)",
        "A take-home task, work sample, writing exercise or presentation.",
        "They asked for your references or contacted them.",
        "Timeline and follow-ups",
        "Within how many days did they say you would hear?",
        "How many times did you follow up?",
        "Hours you put in",
        "Job title",
        "Advice to the employer",
    ]:
        assert text in body


# --- preview and publish -----------------------------------------------------------------------


def test_preview_saves_nothing_and_carries_everything(client, signed_in, employer):
    data = {**BASE, "narrative": "I waited.\nThen waited more.", "followups_sent": "2"}
    response = _post(client, employer, data)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Check before publishing" in page_text(response)
    assert _reviews() == []
    carried = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', body))
    assert html.unescape(carried["narrative"]) == "I waited.\nThen waited more."
    assert carried["followups_sent"] == "2"
    assert carried["last_contact_on"] == CONTACT.isoformat()


def test_publish_creates_a_scheduled_review_with_a_revision(client, signed_in, employer, app):
    before = utcnow()
    response = _publish(client, employer, {**BASE, "narrative": "Nothing since the interview."})
    assert response.status_code == 302 and response.headers["Location"] == "/me"
    (review,) = _reviews()
    assert review.author_id == signed_in.id
    assert review.status is ReviewStatus.scheduled
    low = app.config["REVIEW_PUBLISH_DELAY_MIN_HOURS"]
    high = app.config["REVIEW_PUBLISH_DELAY_MAX_HOURS"]
    assert before + timedelta(hours=low) <= review.publish_at <= utcnow() + timedelta(hours=high)
    assert review.process_month == START
    assert len(review.revisions) == 1 and review.revisions[0].data["outcome"] == "waiting"
    mine = page_text(client.get("/me"))
    assert "Snorkeldown Analytics" in mine and "Scheduled" in mine


def test_publication_moments_are_random(client, app):
    from reviews.publication import publish_time

    author = UserFactory(verified=True)
    author.created_at = utcnow() - timedelta(days=30)
    now = utcnow()
    with app.test_request_context():
        moments = {publish_time(author, now) for _ in range(20)}
    assert len(moments) == 20


def test_new_accounts_reviews_wait_until_the_account_is_a_day_old(app_factory):
    from reviews.publication import publish_time

    app = app_factory(REVIEW_PUBLISH_DELAY_MIN_HOURS=0, REVIEW_PUBLISH_DELAY_MAX_HOURS=0)
    author = UserFactory(verified=True)
    now = utcnow()
    with app.test_request_context():
        assert publish_time(author, now) >= author.created_at + timedelta(hours=24)
        author.created_at = now - timedelta(days=3)
        assert publish_time(author, now) <= now + timedelta(seconds=1)


def test_decision_outcome_needs_decision_days(client, signed_in, employer):
    response = _post(client, employer, {**BASE, "outcome": "rejected"})
    assert response.status_code == 422
    assert "how many days after your last contact" in page_text(response)


def test_decision_days_ignored_when_not_a_decision(client, signed_in, employer):
    _publish(client, employer, {**BASE, "outcome": "ghosted", "decision_days": "12"})
    (review,) = _reviews()
    assert review.outcome is Outcome.ghosted and review.decision_days is None


def test_promised_days_ignored_without_a_timeline(client, signed_in, employer):
    _publish(client, employer, {**BASE, "next_steps": "yes_vague", "promised_days": "7"})
    (review,) = _reviews()
    assert review.next_steps is NextSteps.yes_vague and review.promised_days is None


@pytest.mark.parametrize(
    ("changes", "field_message"),
    [
        ({"outcome": "offer", "decision_days": "3"}, "choose 'Offer' here"),
        ({"followups_sent": "1", "followups_answered": "2"}, "can't be more than the number"),
        ({"followups_answered": "1"}, "can't be more than the number"),
        (
            {"outcome": "rejected", "decision_days": "4", "feedback": "specific"},
            "Turned down, with a reason",
        ),
        (
            {"outcome": "rejected_with_feedback", "decision_days": "4", "feedback": "generic"},
            "choose 'Specific'",
        ),
        ({"outcome": "ghosted", "feedback": "generic"}, "there can't be feedback yet"),
        ({"process_month": (TODAY + timedelta(days=40)).strftime("%Y-%m")}, "future month"),
        ({"last_contact_on": (TODAY + timedelta(days=2)).isoformat()}, "can't be in the future"),
        (
            {"last_contact_on": (START - timedelta(days=3)).isoformat()},
            "before the month the process started",
        ),
        ({"outcome": "rejected", "decision_days": "3650"}, "decision in the future"),
        ({"stage": ""}, "Choose the furthest step"),
        ({"outcome": ""}, "Choose what happened"),
        ({"process_month": ""}, "Enter the month"),
        ({"last_contact_on": "yesterday"}, "Not a valid date value"),
        ({"stage": "ceo-dinner"}, "Not a valid choice"),
        ({"decision_days": "-3", "outcome": "rejected"}, "from 0 to 3650"),
        ({"promised_days": "0", "next_steps": "yes_with_date"}, "from 1 to 365"),
        ({"interview_rounds": "abc"}, "Enter a whole number"),
        ({"respect_rating": "9"}, "Not a valid choice"),
        ({"country": "XX"}, "Not a valid choice"),
        ({"narrative": "x" * 4001}, "under 4,000 characters"),
        ({"advice": "x" * 1001}, "under 1,000 characters"),
        ({"role_title": "x" * 121}, "under 120 characters"),
        ({"narrative": "nul\x00here"}, "control characters"),
        ({"narrative": "evil \u202e reversed"}, "control characters"),
    ],
)
def test_rules_are_explained_and_nothing_is_lost(
    client, signed_in, employer, changes, field_message
):
    narrative = changes.get("narrative", "A long story I don't want to type again. " * 40)
    data = {**BASE, "narrative": narrative, **changes}
    response = _post(client, employer, data)
    assert response.status_code == 422
    body = page_text(response)
    assert field_message in body
    if "\x00" not in narrative and len(narrative) <= 4001:
        assert narrative.strip() in body
    assert _reviews() == []


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert('x')</script>",
        "'; DROP TABLE reviews; --",
        "Emoji 🙂👍🏽 and RTL text: שלום עולם مرحبا",
        "Quotes \" ' and ampersands & < >",
    ],
)
def test_hostile_text_is_stored_verbatim_and_escaped(client, signed_in, employer, text):
    response = _publish(client, employer, {**BASE, "narrative": text, "role_title": text[:100]})
    assert response.status_code == 302
    (review,) = _reviews()
    assert review.narrative == text
    page = client.get(f"/reviews/{review.public_id}").get_data(as_text=True)
    assert "<script>alert" not in page
    assert str(escape(text)) in page  # shown, escaped


def test_ten_megabyte_narrative_is_refused(client, signed_in, employer):
    response = client.post(
        _url(employer),
        data={
            **BASE,
            "csrf_token": csrf_token(client, _url(employer)),
            "narrative": "x" * (10 * 1024 * 1024),
        },
    )
    assert response.status_code == 413
    assert _reviews() == []


# --- scrubbing and holds -----------------------------------------------------------------------


def test_contact_details_are_removed_and_shown_to_the_author(client, signed_in, employer):
    text = "I emailed hr@snorkel.example and called +44 20 7946 0958, see snorkel.example/jobs."
    response = _post(client, employer, {**BASE, "narrative": text})
    body = page_text(response)
    assert "We removed some details" in body
    assert "hr@snorkel.example" in body  # listed for the author, in the removal list
    assert body.count("[removed]") >= 3
    _publish(client, employer, {**BASE, "narrative": text})
    (review,) = _reviews()
    assert "hr@snorkel.example" not in review.narrative
    assert "7946" not in review.narrative


def test_suspected_names_hold_the_review(client, signed_in, employer):
    text = "The hiring manager, Tom Baker, promised an answer within a week."
    preview = page_text(_post(client, employer, {**BASE, "narrative": text}))
    assert "A moderator will read this first" in preview
    _publish(client, employer, {**BASE, "narrative": text})
    (review,) = _reviews()
    assert review.status is ReviewStatus.held
    assert review.hold_reason is HoldReason.suspected_name
    assert "Pending moderation" in page_text(client.get("/me"))


def test_the_authors_own_name_is_removed(client, auth, employer):
    UserFactory(email="priyanka.vasquez@example.org", verified=True)
    auth.sign_in("priyanka.vasquez@example.org")
    _publish(client, employer, {**BASE, "narrative": "Signed, priyanka. Vasquez waited weeks."})
    (review,) = _reviews()
    assert "riyanka" not in review.narrative and "Vasquez" not in review.narrative


# --- the three stories of DESIGN.md §4 ---------------------------------------------------------


# Each story: the form's values over BASE, and what the saved review must hold.
STORIES = {
    "references_and_writing_exercise_then_nothing": (
        {
            "stage": "references",
            "steps": ["screen", "interview", "assignment"],
            "outcome": "ghosted",
            "interview_rounds": "2",
            "hours_invested": "9",
            "followups_sent": "2",
            "followups_answered": "0",
            "next_steps": "yes_vague",
            "narrative": "A phone screen, a two-hour interview, a writing exercise, then they "
            "contacted my references. I followed up twice and heard nothing.",
        },
        {
            "stage": Stage.references,
            # Every step, not only the furthest (issue 18).
            "steps": steps_mask(
                [Stage.screen, Stage.interview, Stage.assignment, Stage.references]
            ),
            "outcome": Outcome.ghosted,
            "followups_sent": 2,
            "followups_answered": 0,
            "hours_invested": 9,
            "interview_rounds": 2,
        },
    ),
    "accepted_then_silence": (
        {
            "stage": "offer",
            "outcome": "ghosted",
            "next_steps": "yes_vague",
            "narrative": "They told me I was accepted and would get a call about my start date. "
            "The call never came.",
        },
        {"stage": Stage.offer, "outcome": Outcome.ghosted},
    ),
    "missed_promise_cost_another_offer": (
        {
            "stage": "final",
            "outcome": "rejected",
            "decision_days": "23",
            "next_steps": "yes_with_date",
            "promised_days": "7",
            "feedback": "generic",
            "turned_down_work": "yes",
            "application_channel": "recruiter",
            "narrative": "The recruiter promised an answer within a week. It took more than "
            "three, and I had turned down another offer while waiting.",
        },
        {
            "promised_days": 7,
            "decision_days": 23,
            "timeline_kept": False,
            "feedback": Feedback.generic,
            "turned_down_work": True,
        },
    ),
}


@pytest.mark.parametrize("story", STORIES)
def test_story(client, signed_in, employer, story):
    values, expected = STORIES[story]
    assert _publish(client, employer, {**BASE, **values}).status_code == 302
    (review,) = _reviews()
    assert {name: getattr(review, name) for name in expected} == expected


# --- one review per employer a year, updates, revisions ----------------------------------------


def test_second_review_of_the_same_employer_goes_to_the_update(client, signed_in, employer):
    _publish(client, employer, BASE)
    (review,) = _reviews()
    response = client.get(_url(employer))
    assert response.status_code == 302
    assert response.headers["Location"] == f"/reviews/{review.public_id}/edit"
    second = post_form(
        client,
        _url(employer),
        {**BASE, "outcome": "ghosted", "action": "publish"},
        page=f"/reviews/{review.public_id}/edit",
    )
    assert second.status_code == 302
    assert second.headers["Location"] == f"/reviews/{review.public_id}/edit"
    assert len(_reviews()) == 1 and _reviews()[0].outcome is Outcome.waiting


def test_a_review_older_than_a_year_allows_a_new_one(client, signed_in, employer):
    old = ReviewFactory(
        author=signed_in,
        employer_id=employer.id,
        process_month=date(2024, 1, 1),
        last_contact_on=date(2024, 1, 20),
    )
    old.created_at = utcnow() - timedelta(days=400)
    db.session.commit()
    assert client.get(_url(employer)).status_code == 200


def test_update_waiting_to_rejected_with_feedback(client, signed_in, employer):
    _publish(client, employer, BASE)
    (review,) = _reviews()
    edit_url = f"/reviews/{review.public_id}/edit"
    form = page_text(client.get(edit_url))
    # The edit form starts from what the review says: its stage and outcome are the ones checked.
    checked = re.findall(
        r'<input[^>]*\bchecked\b[^>]*name="(stage|outcome)"[^>]*value="(\w+)"', form
    )
    assert sorted(checked) == [("outcome", "waiting"), ("stage", "interview")]
    data = {
        **BASE,
        "outcome": "rejected_with_feedback",
        "decision_days": "5",
        "feedback": "specific",
    }
    assert _publish(client, employer, data, url=edit_url).status_code == 302
    (review,) = _reviews()
    assert review.outcome is Outcome.rejected_with_feedback and review.decision_days == 5
    assert review.author_updated_at is not None
    numbers = db.session.scalars(
        select(ReviewRevision.number)
        .where(ReviewRevision.review_id == review.id)
        .order_by(ReviewRevision.number)
    ).all()
    assert numbers == [1, 2]
    assert db.session.scalar(select(func.count(Review.id))) == 1


def test_update_of_a_published_review_shows_updated_month(client, signed_in, employer):
    review = ReviewFactory(author=signed_in, employer_id=employer.id, outcome=Outcome.waiting)
    review.published_at = utcnow()
    db.session.commit()
    _publish(
        client, employer, {**BASE, "outcome": "ghosted"}, url=f"/reviews/{review.public_id}/edit"
    )
    # The change waits for its moment (DESIGN.md §5.8); then the publication month shows.
    assert "updated " not in page_text(client.get(f"/reviews/{review.public_id}"))
    publish_pending_change(_reviews()[0])
    page = page_text(client.get(f"/reviews/{review.public_id}"))
    assert "updated " + utcnow().strftime("%B %Y") in page
    assert _reviews()[0].status is ReviewStatus.published


def test_others_cannot_edit(client, signed_in, employer):
    review = ReviewFactory(author=UserFactory(), employer_id=employer.id)
    assert client.get(f"/reviews/{review.public_id}/edit").status_code == 403
    response = _publish(client, employer, BASE, url=f"/reviews/{review.public_id}/edit")
    assert response.status_code in (400, 403)
    assert client.get("/reviews/nonexistent/edit").status_code == 404


# --- public page -------------------------------------------------------------------------------


def test_public_page_shows_only_published_reviews(client, employer):
    scheduled = ReviewFactory(
        employer_id=employer.id, status=ReviewStatus.scheduled, publish_at=utcnow()
    )
    published = ReviewFactory(employer_id=employer.id)
    published.published_at = utcnow()
    db.session.commit()
    assert client.get(f"/reviews/{scheduled.public_id}").status_code == 404
    assert client.get(f"/reviews/{published.public_id}").status_code == 200


def test_author_sees_own_scheduled_review(client, signed_in, employer):
    _publish(client, employer, BASE)
    (review,) = _reviews()
    response = client.get(f"/reviews/{review.public_id}")
    assert response.status_code == 200
    assert "Only you can see this review" in page_text(response)


def test_public_ids_are_random(app):
    employer = EmployerFactory()
    ids = [ReviewFactory(employer_id=employer.id).public_id for _ in range(30)]
    assert len(set(ids)) == 30
    assert all(len(public_id) == 12 and not public_id.isdigit() for public_id in ids)


def test_small_employer_shows_coarse_stage_and_no_role(client, employer):
    review = ReviewFactory(
        employer_id=employer.id,
        stage=Stage.references,
        role_title="Chief Widget Officer",
        show_role_title=True,
        country="GB",
    )
    review.published_at = utcnow()
    db.session.commit()
    page = page_text(client.get(f"/reviews/{review.public_id}"))
    assert "Interviewed" in page and "References" not in page
    assert "Chief Widget Officer" not in page and "United Kingdom" not in page
    employer.stats.review_count = 5
    db.session.commit()
    page = page_text(client.get(f"/reviews/{review.public_id}"))
    assert "References" in page and "Chief Widget Officer" in page


def test_public_page_shows_months_not_dates(client, employer):
    review = ReviewFactory(
        employer_id=employer.id, process_month=date(2026, 3, 1), last_contact_on=date(2026, 4, 17)
    )
    review.published_at = utcnow()
    db.session.commit()
    page = page_text(client.get(f"/reviews/{review.public_id}"))
    assert "March 2026" in page and "April 2026" in page
    for exact in ("2026-04-17", "17 April", "April 17", "17/04", "04/17"):
        assert exact not in page


# --- limits ------------------------------------------------------------------------------------


def test_publishing_is_rate_limited_per_account(app_factory, auth):
    app = app_factory(RATELIMIT_REVIEW="2 per hour")
    client = app.test_client()
    from tests.conftest import Auth

    UserFactory(email="busy@example.org", verified=True)
    Auth(client, None).sign_in("busy@example.org")
    statuses = []
    for _ in range(3):
        employer = EmployerFactory()
        statuses.append(_publish(client, employer, BASE).status_code)
    assert statuses == [302, 302, 429]
    # Previews don't count.
    assert _post(client, EmployerFactory(), BASE).status_code == 200


def test_csrf_failure_keeps_the_text(client, signed_in, employer):
    long_story = "Every word of this long story must survive. " * 80
    response = client.post(
        _url(employer),
        data={**BASE, "narrative": long_story, "action": "preview", "csrf_token": "expired"},
    )
    assert response.status_code == 400
    body = page_text(response)
    assert "security token had expired" in body
    assert long_story.strip() in body
    assert _reviews() == []


def test_csrf_failure_after_sign_out_keeps_the_text(app, client, signed_in, employer):
    token = csrf_token(client, _url(employer))
    client.delete_cookie("session")
    response = client.post(
        _url(employer),
        data={**BASE, "narrative": "Keep me safe.", "action": "preview", "csrf_token": token},
    )
    assert response.status_code == 400
    body = page_text(response)
    assert "signed out while writing" in body and "Keep me safe." in body


def test_presumed_ghosted_is_shown_on_me(client, signed_in, employer):
    review = ReviewFactory(
        author=signed_in,
        employer_id=employer.id,
        outcome=Outcome.waiting,
        last_contact_on=TODAY - timedelta(days=45),
        process_month=(TODAY - timedelta(days=60)).replace(day=1),
    )
    review.presumed_ghosted_at = utcnow()
    db.session.commit()
    assert "No reply for 45 days" in page_text(client.get("/me"))


def test_date_rules_against_a_fixed_today():
    from reviews.services import date_errors

    today = date(2026, 6, 15)
    assert date_errors({"process_month": date(2026, 6, 1), "last_contact_on": today}, today) == {}
    future = date_errors({"process_month": date(2026, 7, 1), "last_contact_on": today}, today)
    assert "process_month" in future
    late = date_errors(
        {
            "process_month": date(2026, 5, 1),
            "last_contact_on": date(2026, 6, 10),
            "decision_days": 6,
        },
        today,
    )
    assert "decision_days" in late
    on_time = date_errors(
        {
            "process_month": date(2026, 5, 1),
            "last_contact_on": date(2026, 6, 10),
            "decision_days": 5,
        },
        today,
    )
    assert on_time == {}


def test_new_dates_restart_reminders_and_ghosting(client, signed_in, employer):
    review = ReviewFactory(
        author=signed_in,
        employer_id=employer.id,
        outcome=Outcome.waiting,
        process_month=START,
        last_contact_on=START + timedelta(days=1),
    )
    review.presumed_ghosted_at = review.ghosted_reminder_sent_at = utcnow()
    db.session.commit()
    recent = (TODAY - timedelta(days=2)).isoformat()
    _publish(
        client,
        employer,
        {**BASE, "last_contact_on": recent},
        url=f"/reviews/{review.public_id}/edit",
    )
    (review,) = _reviews()
    publish_pending_change(review)  # a published review's change waits for its moment (§5.8)
    assert review.presumed_ghosted_at is None and review.ghosted_reminder_sent_at is None


def test_an_old_last_contact_is_presumed_ghosted_at_once(client, signed_in, employer):
    old_start = (TODAY - timedelta(days=120)).replace(day=1)
    data = {
        **BASE,
        "process_month": old_start.strftime("%Y-%m"),
        "last_contact_on": (old_start + timedelta(days=3)).isoformat(),
    }
    review = ReviewFactory(
        author=signed_in,
        employer_id=employer.id,
        outcome=Outcome.waiting,
        process_month=START,
        last_contact_on=CONTACT,
    )
    _publish(client, employer, data, url=f"/reviews/{review.public_id}/edit")
    (review,) = _reviews()
    publish_pending_change(review)
    assert review.presumed_ghosted_at is not None


HOSTILE = [
    "<script>alert(1)</script>",
    "' OR 1=1; --",
    "\x00",
    "\u202e",
    "🙂" * 50,
    "9" * 400,
    "-1",
    "1e9",
    "",
]
# Every field of the form (DESIGN.md §4), in the order the services know them.
EVERY_FIELD = list(FIELDS)


@pytest.mark.parametrize("field_name", EVERY_FIELD)
def test_hostile_values_in_every_field_never_break_the_form(
    client, signed_in, employer, field_name
):
    token = csrf_token(client, _url(employer))
    for value in HOSTILE:
        data = {**BASE, "outcome": "rejected", "decision_days": "3", field_name: value}
        response = client.post(
            _url(employer), data={**data, "action": "preview", "csrf_token": token}
        )
        assert response.status_code in (200, 422), (field_name, value, response.status_code)
        body = page_text(response)
        assert "<script>alert(1)</script>" not in response.get_data(as_text=True)
        if response.status_code == 422:
            assert "There is a problem" in body
    assert _reviews() == []


def test_publishing_is_rate_limited_per_client_address(app_factory):
    from tests.conftest import Auth

    app = app_factory(RATELIMIT_REVIEW="2 per hour")
    statuses = []
    for number in range(3):
        client = app.test_client()  # a new account each time, from the same address
        UserFactory(email=f"neighbour{number}@example.org", verified=True)
        Auth(client, None).sign_in(f"neighbour{number}@example.org")
        statuses.append(_publish(client, EmployerFactory(), BASE).status_code)
    assert statuses == [302, 302, 429]


def test_my_reviews_page_has_a_fixed_number_of_queries(client, signed_in, query_counter):
    def queries() -> int:
        with query_counter() as statements:
            assert client.get("/me").status_code == 200
        return len(statements)

    ReviewFactory(author=signed_in)
    one = queries()
    for _ in range(5):
        ReviewFactory(author=signed_in)
    assert queries() == one


def test_names_typed_in_an_email_elsewhere_are_removed_everywhere(client, signed_in, employer):
    data = {
        **BASE,
        "narrative": "I wrote to ottoline.fairweather@snorkel.example twice.",
        "advice": "Ottoline should answer candidates. Fairweather promised a call.",
    }
    _publish(client, employer, data)
    (review,) = _reviews()
    assert "ottoline" not in (review.narrative + review.advice).lower()
    assert "fairweather" not in (review.narrative + review.advice).lower()
    assert "should answer candidates" in review.advice
