"""Flags: anyone's request that moderators look at a review or a response (DESIGN.md §3, §8).

A flag never hides anything by itself; only a moderator's action does (issue 6).
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from enums import enum_column, enum_values
from extensions import db
from timeutils import utcnow

EXPLANATION_LIMIT = 2000


class FlagReason(enum.Enum):
    personal_information = "personal_information"
    false_or_misleading = "false_or_misleading"
    abusive = "abusive"
    spam = "spam"
    conflict_of_interest = "conflict_of_interest"
    other = "other"


class FlagStatus(enum.Enum):
    open = "open"
    dismissed = "dismissed"
    actioned = "actioned"


class Flag(db.Model):
    __tablename__ = "flags"
    __table_args__ = (
        CheckConstraint(f"reason IN ({enum_values(FlagReason)})", name="reason"),
        CheckConstraint(f"status IN ({enum_values(FlagStatus)})", name="status"),
        CheckConstraint(
            "(review_id IS NULL) != (response_id IS NULL)", name="one_target"
        ),
        CheckConstraint(
            f"length(explanation) >= 1 AND length(explanation) <= {EXPLANATION_LIMIT}",
            name="explanation_length",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int | None] = mapped_column(
        ForeignKey("reviews.id", ondelete="CASCADE"), index=True
    )
    response_id: Mapped[int | None] = mapped_column(
        ForeignKey("responses.id", ondelete="CASCADE"), index=True
    )
    # Who flagged: for moderators only (abuse of flags); NULL once the account is deleted.
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Set when a representative flagged on behalf of their employer.
    representative_id: Mapped[int | None] = mapped_column(
        ForeignKey("representatives.id", ondelete="SET NULL")
    )
    reason: Mapped[FlagReason] = enum_column(FlagReason)
    explanation: Mapped[str] = mapped_column(String(EXPLANATION_LIMIT))
    status: Mapped[FlagStatus] = enum_column(FlagStatus, default=FlagStatus.open)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime)
