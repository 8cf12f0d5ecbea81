"""DESIGN.md §5.8: a published review's change is pending until its moment (reviews.pending):
held by the same checks as a new review, scheduled (not published) when a moderator clears it,
applied by `tick`, refused at the edit when it would break a constraint at publication."""

from __future__ import annotations

from datetime import timedelta

import pytest

from accounts.models import Role
from extensions import db
from moderation.actions import publish_review
from operations.tick import tick
from reviews import pending
from reviews.models import GuidelineReason, HoldReason, Outcome, Review, ReviewStatus
from reviews.pending import author_values
from reviews.services import Prepared, update
from tests.conftest import page_text, post_form
from tests.factories import EmployerFactory, ReviewFactory, UserFactory
from timeutils import month_start, utcnow

NAME_TEXT = "The hiring manager, Tom Baker, promised an answer within a week."


@pytest.fixture
def author(app):
    user = UserFactory(verified=True, email="author@example.org", password="correct horse battery")
    user.created_at = utcnow() - timedelta(days=100)
    db.session.commit()
    return user


@pytest.fixture
def review(author):
    return ReviewFactory(author=author, employer_id=EmployerFactory().id, outcome=Outcome.waiting)


def fresh(review) -> Review:
    db.session.expire_all()
    return db.session.get(Review, review.id)


def test_a_change_that_names_someone_is_held_and_never_published_by_tick(review, author):
    update(review, author, Prepared({"narrative": NAME_TEXT}, suspected_names=("Tom Baker",)))
    db.session.commit()
    held = fresh(review)
    assert held.pending_hold_reason is HoldReason.suspected_name
    assert held.pending_publish_at is None
    assert tick(utcnow() + timedelta(days=30)).changes_published == 0
    assert fresh(review).narrative is None


def test_a_moderator_clearing_a_held_change_schedules_it(review, author):
    update(review, author, Prepared({"narrative": "A role, no name."}, suspected_names=("X Y",)))
    db.session.commit()
    moderator = UserFactory(role=Role.moderator, verified=True)
    now = utcnow()
    publish_review(fresh(review), moderator, None, now)
    db.session.commit()
    scheduled = fresh(review)
    assert scheduled.pending_hold_reason is None
    assert scheduled.pending_publish_at >= now + timedelta(hours=72) - timedelta(seconds=5)
    assert scheduled.narrative is None  # not public at the moderator's click
    assert tick(scheduled.pending_publish_at).changes_published == 1
    assert fresh(review).narrative == "A role, no name."
    assert fresh(review).pending_values is None


def test_the_moderation_queue_lists_a_held_change(app, review, author, client, auth):
    update(review, author, Prepared({"narrative": NAME_TEXT}, suspected_names=("Tom Baker",)))
    db.session.commit()
    UserFactory(
        email="mod@example.org", password="pw-long-enough-1", role=Role.moderator, verified=True
    )
    auth.sign_in("mod@example.org", "pw-long-enough-1")
    assert review.public_id in page_text(client.get("/moderation"))


def test_the_change_is_a_revision_and_the_tick_is_idempotent(review, author):
    update(review, author, Prepared({"outcome": Outcome.rejected, "decision_days": 4}))
    db.session.commit()
    changed = fresh(review)
    assert changed.revisions[-1].data["outcome"] == "rejected"
    assert author_values(changed)["outcome"] is Outcome.rejected
    moment = changed.pending_publish_at
    assert tick(moment - timedelta(seconds=1)).changes_published == 0
    assert tick(moment).changes_published == 1
    assert tick(moment).changes_published == 0
    assert fresh(review).outcome is Outcome.rejected


def test_a_hidden_review_keeps_its_change_unpublished(review, author):
    update(review, author, Prepared({"outcome": Outcome.rejected, "decision_days": 4}))
    hidden = fresh(review)
    hidden.status = ReviewStatus.hidden
    hidden.hidden_reason = GuidelineReason.other
    db.session.commit()
    assert tick(utcnow() + timedelta(days=30)).changes_published == 0
    assert fresh(review).outcome is Outcome.waiting


def test_moving_to_a_month_another_review_took_is_refused_at_the_edit(app, client, auth, author):
    employer = EmployerFactory()
    review = ReviewFactory(author=author, employer_id=employer.id, outcome=Outcome.waiting)
    other_month = month_start(review.process_month - timedelta(days=40))
    ReviewFactory(
        author=author,
        employer_id=employer.id,
        process_month=other_month,
        last_contact_on=other_month + timedelta(days=3),
    )
    with pytest.raises(pending.MonthTaken):
        update(
            review,
            author,
            Prepared(
                {"process_month": other_month, "last_contact_on": other_month + timedelta(days=3)}
            ),
        )
    db.session.rollback()
    auth.sign_in("author@example.org", "correct horse battery")
    response = post_form(
        client,
        f"/reviews/{review.public_id}/edit",
        {
            "process_month": other_month.strftime("%Y-%m"),
            "stage": "interview",
            "outcome": "ghosted",
            "last_contact_on": (other_month + timedelta(days=3)).isoformat(),
            "action": "publish",
        },
    )
    assert response.status_code == 422
    assert "already reviewed a process" in page_text(response)
    assert fresh(review).pending_values is None


def test_a_change_that_keeps_the_published_text_is_not_held_again(author):
    """The text was checked (and perhaps cleared by a moderator) when it was published."""
    review = ReviewFactory(
        author=author,
        employer_id=EmployerFactory().id,
        outcome=Outcome.waiting,
        narrative=NAME_TEXT,
    )
    values = {"narrative": NAME_TEXT, "outcome": Outcome.rejected, "decision_days": 3}
    update(review, author, Prepared(values, suspected_names=("Tom Baker",)))
    db.session.commit()
    assert fresh(review).pending_hold_reason is None
    assert fresh(review).pending_publish_at is not None


def test_a_redaction_reaches_the_pending_change_so_publishing_cannot_bring_the_text_back(
    review, author
):
    """A moderator redacts a name the author's waiting edit added: the tick publishes the
    redacted text, never the original (and a span only in the pending text is found there)."""
    from moderation.actions import redact_review

    moderator = UserFactory(role=Role.moderator, verified=True)
    review.narrative = "They said Friday."
    db.session.commit()
    update(review, author, Prepared({"narrative": "They said Friday. Ask for Zed Quorn."}))
    db.session.commit()
    assert redact_review(fresh(review), moderator, "narrative", "Zed Quorn", "A name.", utcnow())
    db.session.commit()
    assert "Zed Quorn" not in str(fresh(review).pending_values)
    assert tick(utcnow() + timedelta(days=30)).changes_published == 1
    published = fresh(review).narrative
    assert published.startswith("They said Friday. Ask for") and "Zed Quorn" not in published
