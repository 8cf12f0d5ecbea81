"""The moderation tables (DESIGN.md §3, §8): flags, the audit log and legal notices.

A flag is anyone's request that moderators look at a review or a response. It never hides
anything by itself; only a moderator's action does, so an employer can't get a review removed by
flagging it (DESIGN.md §8: a review goes only for a guideline violation). The audit log keeps one
row per moderator action (append-only: moderation.audit); a legal notice is the notice-and-action
procedure's record (moderation.notices).
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, DateTime, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from enum_columns import enum_column, enum_values
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
        CheckConstraint("(review_id IS NULL) != (response_id IS NULL)", name="one_target"),
        CheckConstraint(
            f"length(explanation) >= 1 AND length(explanation) <= {EXPLANATION_LIMIT}",
            name="explanation_length",
        ),
        # One open flag per reporter and target (the service says so politely first).
        Index(
            "uq_flags_open_review",
            "reporter_id",
            "review_id",
            unique=True,
            sqlite_where=text("status = 'open' AND review_id IS NOT NULL"),
            postgresql_where=text("status = 'open' AND review_id IS NOT NULL"),
        ),
        Index(
            "uq_flags_open_response",
            "reporter_id",
            "response_id",
            unique=True,
            sqlite_where=text("status = 'open' AND response_id IS NOT NULL"),
            postgresql_where=text("status = 'open' AND response_id IS NOT NULL"),
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


class AuditAction(enum.Enum):
    publish = "publish"
    hide = "hide"
    redact = "redact"
    restore = "restore"
    clear_burst = "clear_burst"
    merge_employers = "merge_employers"
    suspend_user = "suspend_user"
    dismiss_flag = "dismiss_flag"
    approve_claim = "approve_claim"
    refuse_claim = "refuse_claim"
    revoke_representative = "revoke_representative"
    add_domain = "add_domain"
    refuse_domain = "refuse_domain"  # a proof's signing domain, not attached (proofs/)
    legal_notice = "legal_notice"
    lift_suspension = "lift_suspension"  # an admin ends a suspension (issue 17)
    grant_role = "grant_role"  # a role set with the CLI (`flask heardback set-role`)


class AuditLog(db.Model):
    """Every moderator action, who did it, to what, and why (DESIGN.md §8).

    Append-only from the app: moderation.audit refuses to flush an update or a delete of a row.
    """

    __tablename__ = "audit_log"
    __table_args__ = (
        CheckConstraint(f"action IN ({enum_values(AuditAction)})", name="action"),
        # A target's history, and "was this review hidden before?" (moderation.queue).
        Index("ix_audit_log_target", "target_type", "target_id", "action"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[AuditAction] = enum_column(AuditAction)
    target_type: Mapped[str] = mapped_column(String(40))
    target_id: Mapped[int] = mapped_column()
    reason: Mapped[str | None] = mapped_column(String(EXPLANATION_LIMIT))
    details: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)


class NoticeStatus(enum.Enum):
    open = "open"
    actioned = "actioned"  # the review was hidden or redacted
    rejected = "rejected"  # no action taken


class LegalNotice(db.Model):
    """A notice-and-action report about a review (DESIGN.md §8). The notifier gives a name and an
    address (they are not anonymous, a review's author is); the author is told, and may answer
    without anyone learning who they are."""

    __tablename__ = "legal_notices"
    __table_args__ = (
        CheckConstraint(f"status IN ({enum_values(NoticeStatus)})", name="status"),
        CheckConstraint(
            f"length(explanation) >= 1 AND length(explanation) <= {EXPLANATION_LIMIT}",
            name="explanation_length",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    notifier_name: Mapped[str] = mapped_column(String(200))
    notifier_email: Mapped[str] = mapped_column(String(254))
    legal_basis: Mapped[str] = mapped_column(String(200))
    explanation: Mapped[str] = mapped_column(String(EXPLANATION_LIMIT))
    status: Mapped[NoticeStatus] = enum_column(NoticeStatus, default=NoticeStatus.open)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    author_informed_at: Mapped[datetime | None] = mapped_column(DateTime)
    author_answer: Mapped[str | None] = mapped_column(String(EXPLANATION_LIMIT))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime)
