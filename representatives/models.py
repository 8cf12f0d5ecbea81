"""Claims, representatives, response commitments and "we have now contacted this candidate"
reports (DESIGN.md §7).

Invariants live here as constraints: one live representation per user and employer, one live
commitment per employer, one open contact report per review.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from accounts.models import User
from employers.models import Employer
from enum_columns import enum_column, enum_values
from extensions import db
from timeutils import utcnow


def _one_live(name: str, *columns: str, where: str) -> Index:
    """A unique index over `columns` among the rows matching `where` only: how the "one live ..."
    rules below hold on both SQLite and PostgreSQL (ended or decided rows may repeat)."""
    return Index(
        name, *columns, unique=True, sqlite_where=text(where), postgresql_where=text(where)
    )


class ClaimStatus(enum.Enum):
    emailed = "emailed"  # a verification link went to a work email on a known domain
    awaiting_moderator = "awaiting_moderator"  # the employer has no known domain (yet)
    approved = "approved"  # the link was followed: the user represents the employer
    refused = "refused"  # a moderator refused it
    cancelled = "cancelled"  # replaced by a newer claim, or withdrawn


class Claim(db.Model):
    """A user's request to represent an employer (DESIGN.md §3, §7).

    The work email is kept only while a link may still be sent to it (it is the claimant's own
    address, never a candidate's); afterwards only its domain remains, for the moderators' record.
    """

    __tablename__ = "claims"
    __table_args__ = (
        CheckConstraint(f"status IN ({enum_values(ClaimStatus)})", name="status"),
        CheckConstraint("email_domain = lower(email_domain)", name="domain_lowercase"),
        CheckConstraint(
            "status NOT IN ('emailed', 'awaiting_moderator') OR email IS NOT NULL",
            name="open_claim_has_email",
        ),
        # One open claim per user and employer.
        _one_live(
            "uq_claims_open",
            "user_id",
            "employer_id",
            where="status IN ('emailed', 'awaiting_moderator')",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    employer_id: Mapped[int] = mapped_column(
        ForeignKey("employers.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str | None] = mapped_column(String(254))
    email_domain: Mapped[str] = mapped_column(String(253))
    status: Mapped[ClaimStatus] = enum_column(ClaimStatus)
    # Random; part of the signed link and cleared when it is used, so a link works once.
    nonce: Mapped[str | None] = mapped_column(String(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    emailed_at: Mapped[datetime | None] = mapped_column(DateTime)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    moderator_note: Mapped[str | None] = mapped_column(String(500))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    employer: Mapped[Employer] = relationship()


class Notify(enum.Enum):
    """How a representative hears about new reviews (a weekly digest by default)."""

    weekly = "weekly"
    immediate = "immediate"
    off = "off"


class EndReason(enum.Enum):
    left = "left"
    revoked = "revoked"


class RepresentativeRole(enum.Enum):
    """An owner invites and removes colleagues; a colleague does everything else (respond,
    report contact, settings of their own)."""

    owner = "owner"
    colleague = "colleague"


class Representative(db.Model):
    """A verified representative of an employer: a user who followed a claim link (an owner),
    or an owner's invitation to a work address on the employer's domains (a colleague)."""

    __tablename__ = "representatives"
    __table_args__ = (
        CheckConstraint(f"notify IN ({enum_values(Notify)})", name="notify"),
        CheckConstraint(f"role IN ({enum_values(RepresentativeRole)})", name="role"),
        CheckConstraint(f"end_reason IN ({enum_values(EndReason)})", name="end_reason"),
        CheckConstraint("(ended_at IS NULL) = (end_reason IS NULL)", name="ended_with_reason"),
        _one_live("uq_representatives_live", "user_id", "employer_id", where="ended_at IS NULL"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    employer_id: Mapped[int] = mapped_column(
        ForeignKey("employers.id", ondelete="CASCADE"), index=True
    )
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("claims.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)
    end_reason: Mapped[EndReason | None] = enum_column(EndReason)
    notify: Mapped[Notify] = enum_column(Notify, default=Notify.weekly)
    # The newest review publication the representative has been told about (digests).
    notified_until: Mapped[datetime | None] = mapped_column(DateTime)
    role: Mapped[RepresentativeRole] = enum_column(
        RepresentativeRole, default=RepresentativeRole.owner, server_default="owner"
    )
    # The invitation a colleague accepted (None for an owner who claimed).
    invitation_id: Mapped[int | None] = mapped_column(
        ForeignKey("representative_invitations.id", ondelete="SET NULL")
    )

    user: Mapped[User] = relationship()
    employer: Mapped[Employer] = relationship()

    @property
    def is_live(self) -> bool:
        return self.ended_at is None

    @property
    def is_owner(self) -> bool:
        return self.role is RepresentativeRole.owner


class Invitation(db.Model):
    """An owner's invitation of a colleague, by work email on one of the employer's domains.

    Only a SHA-256 of the emailed token is kept; an invitation is used once, expires, and can be
    cancelled by any owner. One open invitation per employer and address.
    """

    __tablename__ = "representative_invitations"
    __table_args__ = (
        CheckConstraint("email = lower(email)", name="email_lowercase"),
        CheckConstraint("email_domain = lower(email_domain)", name="domain_lowercase"),
        CheckConstraint("length(token_hash) = 64", name="token_hash_length"),
        CheckConstraint(
            "accepted_at IS NULL OR cancelled_at IS NULL", name="accepted_or_cancelled"
        ),
        _one_live(
            "uq_representative_invitations_open",
            "employer_id",
            "email",
            where="accepted_at IS NULL AND cancelled_at IS NULL",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(
        ForeignKey("employers.id", ondelete="CASCADE"), index=True
    )
    # The owner (a user) who sent it: kept for the owners' list, never shown publicly.
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    email: Mapped[str] = mapped_column(String(254))
    email_domain: Mapped[str] = mapped_column(String(253))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime)

    employer: Mapped[Employer] = relationship()


class ResponseCommitment(db.Model):
    """ "We answer every interviewed candidate within N days" (DESIGN.md §7)."""

    __tablename__ = "response_commitments"
    __table_args__ = (
        CheckConstraint("days >= 1 AND days <= 90", name="days_range"),
        _one_live("uq_response_commitments_live", "employer_id", where="withdrawn_at IS NULL"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(
        ForeignKey("employers.id", ondelete="CASCADE"), index=True
    )
    days: Mapped[int] = mapped_column(SmallInteger)
    # Public as a month (DESIGN.md §5.2); reviews whose process began that month or later are
    # measured against it.
    published_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Who published it: kept for moderators, never shown.
    representative_id: Mapped[int | None] = mapped_column(
        ForeignKey("representatives.id", ondelete="SET NULL")
    )

    employer: Mapped[Employer] = relationship()


class ContactStatus(enum.Enum):
    pending = "pending"  # the author has been asked
    confirmed = "confirmed"  # the author says yes: the review was updated
    denied = "denied"  # the author says no contact came
    withdrawn = "withdrawn"  # the review changed or went away before an answer


class ContactReport(db.Model):
    """A representative's "we have now contacted this candidate" on a waiting or presumed-ghosted
    review; the author confirms or denies it (DESIGN.md §7, closing the loop)."""

    __tablename__ = "contact_reports"
    __table_args__ = (
        CheckConstraint(f"status IN ({enum_values(ContactStatus)})", name="status"),
        CheckConstraint(
            "(status = 'pending') = (answered_at IS NULL)", name="answered_unless_pending"
        ),
        _one_live("uq_contact_reports_pending", "review_id", where="status = 'pending'"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"), index=True)
    representative_id: Mapped[int | None] = mapped_column(
        ForeignKey("representatives.id", ondelete="SET NULL")
    )
    status: Mapped[ContactStatus] = enum_column(ContactStatus, default=ContactStatus.pending)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime)
    # When the answer's effect becomes visible to the employer (DESIGN.md §5.8): a confirmation
    # with the review's pending change, a denial at a random moment in the publication window.
    # Until then the report looks pending to its representative.
    shown_at: Mapped[datetime | None] = mapped_column(DateTime)
    reminder_count: Mapped[int] = mapped_column(Integer, default=0)
