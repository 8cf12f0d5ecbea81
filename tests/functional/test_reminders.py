"""The reminder email's one-click links: confirm on GET, apply on POST, refuse bad links kindly."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import func, select

from accounts.services import Purpose, make_token
from extensions import db
from operations.tick import tick
from reviews.lifecycle import Answer, ReminderKind, reminder_token
from reviews.models import (
    Feedback,
    NextSteps,
    Outcome,
    Review,
    ReviewRevision,
    RevisionSource,
    Stage,
)
from tests.conftest import csrf_token, page_text, path_of, post_form, publish_pending_change
from tests.factories import EmployerFactory, ReviewFactory, UserFactory
from timeutils import month_start

NOW = datetime(2026, 3, 17, 9, 30)
TODAY = NOW.date()
MONTH_LIMIT = 30 * 24 * 3600


@pytest.fixture
def clock():
    with time_machine.travel(NOW.replace(tzinfo=UTC), tick=False) as traveller:
        yield traveller


@pytest.fixture
def author(app, clock):
    return UserFactory(email="still.waiting@example.org", verified=True)


@pytest.fixture
def employer(app):
    return EmployerFactory(name="Brackenmoor Textiles")


def _waiting(author, employer, days_since_contact: int, promised: int | None = None) -> Review:
    contact = TODAY - timedelta(days=days_since_contact)
    extra = {"next_steps": NextSteps.yes_with_date, "promised_days": promised} if promised else {}
    return ReviewFactory(
        author=author,
        employer_id=employer.id,
        outcome=Outcome.waiting,
        stage=Stage.final,
        process_month=month_start(contact),
        last_contact_on=contact,
        **extra,
    )


@pytest.fixture
def ghosted_case(author, employer):
    """A presumed-ghosted review whose author has just been sent the reminder."""
    return _waiting(author, employer, 45)


@pytest.fixture
def timeline_case(author, employer):
    return _waiting(author, employer, 12, promised=7)


def _links(outbox) -> dict[str, str]:
    """{'heard': path, 'nothing': path} from the last reminder email."""
    tick()
    body = outbox[-1].get_content()
    heard = re.search(r"I heard back:\s+(\S+)", body).group(1)
    nothing = re.search(r"Still nothing:\s+(\S+)", body).group(1)
    return {"heard": path_of(heard), "nothing": path_of(nothing)}


def _fresh(review: Review) -> Review:
    db.session.expire_all()
    return db.session.get(Review, review.id)


def _revisions(review: Review) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(ReviewRevision)
        .where(ReviewRevision.review_id == review.id)
    )


def _unchanged(review: Review) -> None:
    review = _fresh(review)
    assert review.outcome is Outcome.waiting
    assert review.author_updated_at is None
    assert _revisions(review) == 0


# --- GET only asks -----------------------------------------------------------------------------


@pytest.mark.parametrize("answer", ["heard", "nothing"])
def test_opening_a_link_changes_nothing(client, outbox, ghosted_case, answer):
    """Mail scanners open links: GET shows what the answer will do and waits for a button."""
    response = client.get(_links(outbox)[answer])

    assert response.status_code == 200
    body = page_text(response)
    assert "Did Brackenmoor Textiles get back to you?" in body
    assert ghosted_case.process_month.strftime("%B %Y") in body
    assert 'method="post"' in response.get_data(as_text=True)
    _unchanged(ghosted_case)


def test_pages_never_show_the_authors_account(client, outbox, author, ghosted_case):
    links = _links(outbox)
    for path in links.values():
        body = client.get(path).get_data(as_text=True)
        assert author.email not in body
        assert "still.waiting" not in body
        assert ghosted_case.last_contact_on.isoformat() not in body
    response = post_form(client, links["nothing"])
    assert author.email not in response.get_data(as_text=True)


def test_heard_back_page_invites_an_update(client, outbox, ghosted_case):
    body = page_text(client.get(_links(outbox)["heard"]))
    assert "Great — update your review with what happened" in body


# --- POST applies ------------------------------------------------------------------------------


def test_still_nothing_on_a_ghosted_reminder_marks_the_review_ghosted(
    client, outbox, ghosted_case, clock
):
    link = _links(outbox)["nothing"]
    clock.shift(timedelta(hours=2))

    response = post_form(client, link)

    assert response.status_code == 200
    assert "your review now says you were ghosted" in page_text(response)
    review = _fresh(ghosted_case)
    # Public at its random moment, like any change of a published review (DESIGN.md §5.8).
    assert review.outcome is Outcome.waiting and review.pending_publish_at is not None
    publish_pending_change(review, NOW + timedelta(hours=2))
    review = _fresh(ghosted_case)
    assert review.outcome is Outcome.ghosted
    assert review.decision_days is None
    assert review.feedback in (None, Feedback.none)
    assert review.author_updated_at == NOW + timedelta(hours=2)
    [revision] = review.revisions
    assert revision.source is RevisionSource.author
    assert revision.data["outcome"] == "ghosted"


def test_a_second_post_of_the_same_link_is_harmless(client, outbox, ghosted_case):
    link = _links(outbox)["nothing"]
    token = csrf_token(client, link)
    assert client.post(link, data={"csrf_token": token}).status_code == 200

    again = client.post(link, data={"csrf_token": token})

    assert again.status_code == 400
    assert "already been updated" in page_text(again)
    publish_pending_change(_fresh(ghosted_case))
    assert _fresh(ghosted_case).outcome is Outcome.ghosted
    assert _revisions(ghosted_case) == 1


def test_heard_back_sends_the_author_to_the_edit_form(client, outbox, ghosted_case):
    response = post_form(client, _links(outbox)["heard"])

    assert response.status_code == 302
    assert response.headers["Location"] == f"/reviews/{ghosted_case.public_id}/edit"
    _unchanged(ghosted_case)
    # Not signed in: the edit form asks for sign-in first, showing the message on the way.
    follow = client.get(response.headers["Location"], follow_redirects=True)
    assert "update your review with what happened" in page_text(follow)


def test_still_nothing_on_a_timeline_reminder_only_says_thanks(client, outbox, timeline_case):
    links = _links(outbox)
    assert "promised" in outbox[-1].get_content()

    response = post_form(client, links["nothing"])

    assert response.status_code == 200
    assert "Thanks — we'll ask again later" in page_text(response)
    _unchanged(timeline_case)


def test_confirming_needs_the_csrf_token(client, outbox, ghosted_case):
    response = client.post(_links(outbox)["nothing"], data={})

    assert response.status_code == 400
    assert "security token" in page_text(response)
    _unchanged(ghosted_case)


def test_links_work_for_a_signed_in_stranger_without_showing_them_anything_more(
    client, auth, outbox, ghosted_case
):
    """The link, not the session, carries the authority; the pages are the same either way."""
    UserFactory(email="someone.else@example.org", password="correct horse battery", verified=True)
    auth.sign_in("someone.else@example.org")
    response = client.get(_links(outbox)["heard"])
    assert response.status_code == 200
    assert "still.waiting" not in response.get_data(as_text=True)


# --- links that can't be used ------------------------------------------------------------------


def _problem(response, words: str) -> None:
    assert response.status_code == 400
    body = page_text(response)
    assert "That link didn't work" in body
    assert words in body
    assert "HeardBack" in body  # in the site's layout


def test_an_expired_link_is_refused(client, outbox, ghosted_case, clock):
    link = _links(outbox)["nothing"]
    token = csrf_token(client, link)
    clock.shift(timedelta(seconds=MONTH_LIMIT + 60))

    _problem(client.get(link), "expired")
    # (the session, and its CSRF token, may have expired too: refused either way)
    assert client.post(link, data={"csrf_token": token}).status_code == 400
    _unchanged(ghosted_case)


def test_the_link_lifetime_is_configurable(app_factory, clock):
    app = app_factory(REMINDER_LINK_MAX_AGE=3600)
    client = app.test_client()
    review = _waiting(UserFactory(verified=True), EmployerFactory(), 45)
    tick()
    body = app.extensions["mail_outbox"][-1].get_content()
    link = path_of(re.search(r"Still nothing:\s+(\S+)", body).group(1))

    clock.shift(timedelta(minutes=59))
    assert client.get(link).status_code == 200
    clock.shift(timedelta(minutes=2))
    _problem(client.get(link), "expired")
    _unchanged(review)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),  # signature
        lambda token: "e" + token[1:] if token[0] != "e" else "f" + token[1:],  # payload
        lambda token: token.split(".")[0],  # signature removed
        lambda token: "not-a-token",
    ],
    ids=["signature", "payload", "unsigned", "garbage"],
)
def test_a_tampered_link_is_refused(client, outbox, ghosted_case, tamper):
    link = _links(outbox)["nothing"]
    prefix, token = link.rsplit("/", 1)
    bad = f"{prefix}/{tamper(token)}"

    _problem(client.get(bad), "isn't valid")
    _unchanged(ghosted_case)


def test_a_link_signed_for_another_purpose_is_refused(client, ghosted_case):
    payload = {"review": ghosted_case.public_id, "answer": "nothing", "kind": "ghosted"}
    verify_email_token = make_token(Purpose.verify_email, payload)

    _problem(client.get(f"/reviews/reminder/{verify_email_token}"), "isn't valid")
    _unchanged(ghosted_case)


def test_a_link_signed_with_another_key_is_refused(client, ghosted_case):
    forged = URLSafeTimedSerializer("not-the-secret-key", salt="review-reminder").dumps(
        {"review": ghosted_case.public_id, "answer": "nothing", "kind": "ghosted"}
    )
    _problem(client.get(f"/reviews/reminder/{forged}"), "isn't valid")
    _unchanged(ghosted_case)


def test_a_signed_link_with_a_bad_answer_is_refused(client, ghosted_case):
    from reviews.lifecycle import _serializer

    token = _serializer().dumps({"review": ghosted_case.public_id, "answer": "x", "kind": "y"})
    _problem(client.get(f"/reviews/reminder/{token}"), "isn't valid")


def test_a_deleted_review_is_refused_kindly(client, outbox, ghosted_case):
    link = _links(outbox)["nothing"]
    db.session.delete(_fresh(ghosted_case))
    db.session.commit()

    _problem(client.get(link), "no longer exists")


def test_a_review_delinked_from_its_account_is_refused(client, outbox, ghosted_case):
    link = _links(outbox)["nothing"]
    _fresh(ghosted_case).author_id = None
    db.session.commit()

    _problem(client.get(link), "no longer linked")
    assert _fresh(ghosted_case).outcome is Outcome.waiting


def test_a_suspended_author_can_not_answer(client, outbox, author, ghosted_case):
    link = _links(outbox)["nothing"]
    db.session.get(type(author), author.id).suspended_at = NOW
    db.session.commit()

    _problem(client.get(link), "can't update reviews")
    _unchanged(ghosted_case)


def test_a_review_updated_since_the_email_is_refused(client, outbox, ghosted_case):
    link = _links(outbox)["heard"]
    review = _fresh(ghosted_case)
    review.outcome = Outcome.rejected
    review.decision_days = 50
    db.session.commit()

    _problem(client.get(link), "already been updated")


def test_still_nothing_after_the_author_recorded_a_recent_contact_is_refused(
    client, outbox, ghosted_case
):
    link = _links(outbox)["nothing"]
    _fresh(ghosted_case).last_contact_on = TODAY - timedelta(days=2)
    db.session.commit()

    _problem(client.get(link), "changed since we emailed you")
    assert _fresh(ghosted_case).outcome is Outcome.waiting


def test_tokens_carry_no_account_id(ghosted_case, author):
    token = reminder_token(ghosted_case.public_id, Answer.nothing, ReminderKind.ghosted)
    payload = URLSafeTimedSerializer("x").loads_unsafe(token)[1]
    assert payload == {"review": ghosted_case.public_id, "answer": "nothing", "kind": "ghosted"}
    assert str(author.id) not in payload.values()


def test_two_confirmations_racing_record_one_change(ghosted_case):
    from reviews.lifecycle import Confirmed, confirm_ghosted

    review = _fresh(ghosted_case)
    assert confirm_ghosted(review, NOW) is Confirmed.ghosted
    assert confirm_ghosted(review, NOW) is Confirmed.already
    db.session.commit()
    assert _revisions(ghosted_case) == 1
