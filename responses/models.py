"""An employer's one public response to one review (DESIGN.md §3, §7)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from enum_columns import enum_column, enum_values
from extensions import db
from reviews.models import GuidelineReason
from timeutils import utcnow

BODY_LIMIT = 2000  # characters (DESIGN.md §7)


class ResponseStatus(enum.Enum):
    published = "published"
    held = "held"  # the scrubber suspected a name: waits for a moderator, like a review
    hidden = "hidden"  # hidden by a moderator


class Response(db.Model):
    __tablename__ = "responses"
    __table_args__ = (
        CheckConstraint(f"status IN ({enum_values(ResponseStatus)})", name="status"),
        CheckConstraint(f"length(body) >= 1 AND length(body) <= {BODY_LIMIT}", name="body_length"),
        CheckConstraint(f"hidden_reason IN ({enum_values(GuidelineReason)})", name="hidden_reason"),
        CheckConstraint(
            "(status = 'hidden') = (hidden_reason IS NOT NULL)", name="hidden_iff_hidden_reason"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # One response per review: the database says so.
    review_id: Mapped[int] = mapped_column(
        ForeignKey("reviews.id", ondelete="CASCADE"), unique=True
    )
    employer_id: Mapped[int] = mapped_column(
        ForeignKey("employers.id", ondelete="CASCADE"), index=True
    )
    # The representative who wrote it last; kept for moderators, never shown publicly.
    representative_id: Mapped[int | None] = mapped_column(
        ForeignKey("representatives.id", ondelete="SET NULL")
    )
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[ResponseStatus] = enum_column(ResponseStatus, default=ResponseStatus.published)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Shown as "edited <month>".
    edited_at: Mapped[datetime | None] = mapped_column(DateTime)
    hidden_reason: Mapped[GuidelineReason | None] = enum_column(GuidelineReason)

    review = relationship("Review", back_populates="response")


class ResponseAction(enum.Enum):
    created = "created"
    edited = "edited"
    held = "held"
    published = "published"
    hidden = "hidden"
    restored = "restored"
    redacted = "redacted"


class RevisionActor(enum.Enum):
    representative = "representative"
    moderator = "moderator"
    system = "system"  # the backfill of responses written before revisions were kept


class ResponseRevision(db.Model):
    """The response's text and status after each change, for moderators only (DESIGN.md §5.10):
    "the first version used my full name" can be checked. Who acted is kept as a kind, not a
    person (the audit log names the moderator; the response names its last representative)."""

    __tablename__ = "response_revisions"
    __table_args__ = (
        CheckConstraint(f"status IN ({enum_values(ResponseStatus)})", name="status"),
        CheckConstraint(f"action IN ({enum_values(ResponseAction)})", name="action"),
        CheckConstraint(f"actor IN ({enum_values(RevisionActor)})", name="actor"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(
        ForeignKey("responses.id", ondelete="CASCADE"), index=True
    )
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[ResponseStatus] = enum_column(ResponseStatus)
    action: Mapped[ResponseAction] = enum_column(ResponseAction)
    actor: Mapped[RevisionActor] = enum_column(RevisionActor)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
