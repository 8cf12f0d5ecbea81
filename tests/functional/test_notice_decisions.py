"""A legal notice's decision reaches people (issue 17): the sender and the review's author are
emailed what was decided, through the mail queue, with fixed words; the sender never learns who
wrote the review, the author never learns who sent the notice, and the moderator's note goes to
neither. Through the real forms, CSRF on."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from extensions import db
from moderation import actions
from moderation.models import NoticeStatus
from notifications.models import OutgoingMail
from reviews.models import GuidelineReason, ReviewStatus
from tests.conftest import page_text
from tests.functional.test_moderation_actions import act, fresh
from tests.functional.test_moderation_queue import (
    AUTHOR_EMAIL,
    NOTIFIER_EMAIL,
    client_as,
    make_notice,
    make_people,
    make_review,
)
from timeutils import utcnow

NOTE = "Checked the minutes of the call; the claim holds up."


@pytest.fixture
def people(app):
    return make_people()


@pytest.fixture
def review(people):
    return make_review(people)


@pytest.fixture
def moderator_client(app, people):
    return client_as(app, people["moderator"])


def _to(outbox, address: str) -> list:
    return [message for message in outbox if message["To"] == address]


def _decision(outbox, address: str):
    (message,) = [m for m in _to(outbox, address) if "Decision on" in m["Subject"]]
    return message.get_content()


def test_an_upheld_notice_is_told_to_its_sender_and_the_author(
    app, people, review, moderator_client, outbox
):
    notice = make_notice(review, notifier_name="Prudence Counsel")
    response = act(moderator_client, review, f"notices/{notice.id}/action", {"reason": NOTE})
    assert response.status_code == 302
    assert fresh(notice).status is NoticeStatus.actioned

    sender = _decision(outbox, NOTIFIER_EMAIL)
    assert f"Reference: {notice.id}" in sender
    assert "Decision: upheld" in sender and "Legal notice" in sender
    assert "Defamation" in sender
    # Nothing about the author, nor the moderator's words, nor what the sender typed.
    for secret in (AUTHOR_EMAIL, "ysolde", NOTE, "things about our client"):
        assert secret.lower() not in sender.lower()

    author = _decision(outbox, AUTHOR_EMAIL)
    assert "Decision: upheld" in author and '"Legal notice"' in author
    assert "http://localhost/me/notices" in author
    assert people["employer"].name in author
    for secret in (NOTIFIER_EMAIL, "Prudence", "Counsel", NOTE):
        assert secret.lower() not in author.lower()


def test_a_rejected_notice_is_told_too(app, people, review, moderator_client, outbox):
    notice = make_notice(review)
    response = act(moderator_client, review, f"notices/{notice.id}/reject", {"reason": NOTE})
    assert response.status_code == 302
    sender = _decision(outbox, NOTIFIER_EMAIL)
    assert "Decision: not upheld" in sender and "stays as it is" in sender
    assert f"/reviews/{review.public_id}" in sender
    author = _decision(outbox, AUTHOR_EMAIL)
    assert "Decision: not upheld" in author and "stays as it is" in author
    for text in (sender, author):
        assert NOTE not in text


def test_the_emails_are_queued_with_the_decision(app, people, review, outbox):
    """Queued in the decision's transaction (sent after the commit), not sent in the request."""
    notice = make_notice(review)
    with app.test_request_context():
        actions.reject_notice(review, notice, people["moderator"], NOTE, utcnow())
        queued = set(db.session.scalars(select(OutgoingMail.recipient)))
        db.session.rollback()
    assert queued == {NOTIFIER_EMAIL, AUTHOR_EMAIL}
    assert not outbox
    # Rolled back: no decision, no email.
    assert db.session.scalars(select(OutgoingMail)).first() is None


@pytest.mark.parametrize("state", ["unverified", "suspended", "deleted"])
def test_the_author_is_told_only_if_they_can_sign_in(
    app, people, review, moderator_client, outbox, state
):
    author = people["author"]
    if state == "unverified":
        author.email_verified_at = None
    elif state == "suspended":
        author.suspended_at = utcnow()
    else:
        review.author_id = None
    db.session.commit()
    notice = make_notice(review)
    response = act(moderator_client, review, f"notices/{notice.id}/reject", {"reason": NOTE})
    assert response.status_code == 302
    assert not _to(outbox, AUTHOR_EMAIL)
    assert _decision(outbox, NOTIFIER_EMAIL)


def test_a_notice_upheld_on_an_already_hidden_review_names_its_rule(
    app, people, review, moderator_client, outbox
):
    review.status = ReviewStatus.hidden
    review.hidden_reason = GuidelineReason.abusive
    db.session.commit()
    notice = make_notice(review)
    response = act(moderator_client, review, f"notices/{notice.id}/action", {"reason": NOTE})
    assert response.status_code == 302
    assert "The rule it was hidden under: Abusive." in _decision(outbox, NOTIFIER_EMAIL)


def test_a_refused_decision_sends_nothing(app, people, review, moderator_client, outbox):
    notice = make_notice(review)
    path = f"notices/{notice.id}/reject"
    assert act(moderator_client, review, path, {"reason": ""}).status_code == 422
    assert act(moderator_client, review, path, {"reason": "x" * 600}).status_code == 422
    assert not outbox
    assert act(moderator_client, review, path, {"reason": NOTE}).status_code == 302
    outbox.clear()
    assert act(moderator_client, review, path, {"reason": NOTE}).status_code == 409
    assert not outbox


@pytest.mark.parametrize(
    ("verb", "shown"),
    [
        ("action", "the notice was upheld and your review is no longer public"),
        ("reject", "no action was taken, your review stays as it is"),
    ],
)
def test_the_authors_list_says_how_each_notice_was_decided(
    app, people, review, moderator_client, verb, shown
):
    notice = make_notice(review)
    assert (
        act(moderator_client, review, f"notices/{notice.id}/{verb}", {"reason": NOTE}).status_code
        == 302
    )
    author = client_as(app, people["author"])
    text = page_text(author.get("/me/notices"))
    assert f"decided: {shown}" in text
