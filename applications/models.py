"""A candidate's tracked applications and the steps of each (DESIGN.md §12, issue 16).

Private data: no public page, API, export of others or representative view reads these tables.
The owner link is the whole point here (unlike a review, nothing about it is ever published), and
an account's deletion removes its applications with it (ON DELETE CASCADE).
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    false,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from employers.models import Employer
from enum_columns import enum_column, enum_values
from extensions import db
from reviews.models import ApplicationChannel, Review
from timeutils import utcnow

TEXT_LIMITS = {"role_title": 120, "posting_url": 500, "notes": 4000, "step_note": 1000}
PROMISE_MAX_DAYS = 365  # "we'll get back to you within N days": longer is not a promise


class ApplicationStatus(enum.Enum):
    to_apply = "to_apply"
    applied = "applied"
    in_process = "in_process"
    waiting = "waiting"
    decided = "decided"
    withdrawn = "withdrawn"


class StepKind(enum.Enum):
    screen = "screen"
    interview = "interview"
    assignment = "assignment"
    references = "references"
    offer = "offer"
    rejection = "rejection"
    other = "other"


class Application(db.Model):
    __tablename__ = "applications"
    __table_args__ = (
        CheckConstraint(f"status IN ({enum_values(ApplicationStatus)})", name="status"),
        CheckConstraint(f"channel IN ({enum_values(ApplicationChannel)})", name="channel"),
        # Only an application still to send has no date.
        CheckConstraint("status = 'to_apply' OR applied_on IS NOT NULL", name="applied_has_date"),
        CheckConstraint("length(role_title) > 0", name="role_title_not_empty"),
        CheckConstraint(
            f"length(role_title) <= {TEXT_LIMITS['role_title']}", name="role_title_length"
        ),
        CheckConstraint(f"length(notes) <= {TEXT_LIMITS['notes']}", name="notes_length"),
        CheckConstraint(
            "posting_url LIKE 'http://%' OR posting_url LIKE 'https://%'", name="posting_url_http"
        ),
        CheckConstraint(
            f"length(posting_url) <= {TEXT_LIMITS['posting_url']}", name="posting_url_length"
        ),
        Index("ix_applications_owner_next_action", "user_id", "next_action_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # RESTRICT: a moderator's merge moves applications with the employer's other rows.
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"), index=True)
    role_title: Mapped[str] = mapped_column(String(TEXT_LIMITS["role_title"]))
    applied_on: Mapped[date | None] = mapped_column(Date)
    channel: Mapped[ApplicationChannel | None] = enum_column(ApplicationChannel, nullable=True)
    posting_url: Mapped[str | None] = mapped_column(String(TEXT_LIMITS["posting_url"]))
    notes: Mapped[str | None] = mapped_column(Text)
    status: Mapped[ApplicationStatus] = enum_column(ApplicationStatus)
    # Stored so the list sorts in SQL; applications.services.next_action_on derives it after
    # every change of the application or its steps.
    next_action_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    # Came from a CSV import (applications.transfer): its history predates the tracker.
    imported: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # When the tracker first learnt the outcome (the status became decided, or an offer or a
    # rejection was recorded); a review shared from an application tracked before it is
    # prospective (applications.sharing).
    outcome_known_at: Mapped[datetime | None] = mapped_column(DateTime)

    # Reminders (applications.reminders): this application's off switch, and what was already
    # reminded, so each promised date and each silence is reminded once.
    reminders: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    follow_up_reminded_for: Mapped[date | None] = mapped_column(Date)
    silence_reminded_for: Mapped[date | None] = mapped_column(Date)

    # The review shared from this application (applications.sharing); the author link already
    # lives in reviews.user_id, and this never leaves the owner's pages.
    review_id: Mapped[int | None] = mapped_column(
        ForeignKey("reviews.id", ondelete="SET NULL"), unique=True
    )

    employer: Mapped[Employer] = relationship()
    review: Mapped[Review | None] = relationship()
    steps: Mapped[list[ApplicationStep]] = relationship(
        back_populates="application",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="(ApplicationStep.happened_on, ApplicationStep.id)",
    )


class ApplicationStep(db.Model):
    __tablename__ = "application_steps"
    __table_args__ = (
        CheckConstraint(f"kind IN ({enum_values(StepKind)})", name="kind"),
        # What they promised is a number of days or a date, not both.
        CheckConstraint("promised_days IS NULL OR promised_by IS NULL", name="one_kind_of_promise"),
        CheckConstraint(
            f"promised_days IS NULL OR promised_days BETWEEN 0 AND {PROMISE_MAX_DAYS}",
            name="promised_days_range",
        ),
        CheckConstraint("promised_by IS NULL OR promised_by >= happened_on", name="promise_after"),
        CheckConstraint(f"length(note) <= {TEXT_LIMITS['step_note']}", name="note_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[StepKind] = enum_column(StepKind)
    happened_on: Mapped[date] = mapped_column(Date)
    promised_days: Mapped[int | None] = mapped_column(SmallInteger)
    promised_by: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(String(TEXT_LIMITS["step_note"]))

    application: Mapped[Application] = relationship(back_populates="steps")


class ApplicationFeed(db.Model):
    """The secret address of a user's iCal feed of follow-up dates (applications.calendar).

    Only a SHA-256 of the token is kept: the address is shown once, when it is made; making a
    new one or turning the feed off revokes the old address.
    """

    __tablename__ = "application_feeds"
    __table_args__ = (CheckConstraint("length(token_hash) = 64", name="token_hash_length"),)

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
