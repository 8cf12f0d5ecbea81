"""A review's own fields: which they are, writing values onto a review, and the revisions that
keep what each version said (DESIGN.md §4, §8)."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum

from extensions import db
from reviews.models import DECISIONS, Outcome, Review, ReviewRevision, RevisionSource
from scoring.ghosting import is_presumed_ghosted
from timeutils import utcnow

FREE_TEXT_FIELDS = ("narrative", "advice", "role_title")

# The review's own fields, in form order; what a revision records and an update may change.
FIELDS = (
    "process_month",
    "stage",
    "steps",
    "outcome",
    "last_contact_on",
    "decision_days",
    "chased_for_decision",
    "next_steps",
    "promised_days",
    "followups_sent",
    "followups_answered",
    "feedback",
    "turned_down_work",
    "interview_rounds",
    "hours_invested",
    "application_channel",
    "role_category",
    "seniority",
    "role_title",
    "show_role_title",
    "country",
    "work_mode",
    "respect_rating",
    "narrative",
    "advice",
)


def apply_values(review: Review, values: dict) -> None:
    for name in FIELDS:
        if name in values:
            setattr(review, name, values[name])
    if review.outcome in DECISIONS:
        return
    review.decision_days = None
    review.chased_for_decision = None


def after_change(review: Review, timing_before: tuple, now: datetime) -> None:
    if (review.last_contact_on, review.promised_days) != timing_before:
        # New dates: the reminders and the presumed-ghosted mark start again from them.
        review.timeline_reminder_sent_at = None
        review.ghosted_reminder_sent_at = None
        review.presumed_ghosted_at = None
    if review.outcome is not Outcome.waiting:
        review.presumed_ghosted_at = None
    elif review.presumed_ghosted_at is None and is_presumed_ghosted(review, now.date()):
        review.presumed_ghosted_at = now


def snapshot(review: Review) -> dict:
    """The review's fields as JSON-ready values (enums by value, dates as ISO strings)."""
    data = {}
    for name in (*FIELDS, "status", "hold_reason"):
        value = getattr(review, name)
        if isinstance(value, Enum):
            value = value.value
        elif isinstance(value, date | datetime):
            value = value.isoformat()
        data[name] = value
    return data


def record_revision(
    review: Review, source: RevisionSource, data: dict | None = None
) -> ReviewRevision:
    number = len(review.revisions) + 1
    revision = ReviewRevision(
        review=review,
        number=number,
        source=source,
        data=data if data is not None else snapshot(review),
        created_at=utcnow(),
    )
    db.session.add(revision)
    return revision


def values_of(review: Review) -> dict:
    """The review's public values (the public card; see author_values for the edit form)."""
    return {name: getattr(review, name) for name in FIELDS}
