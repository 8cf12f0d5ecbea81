"""A review's proof of contact: what is kept of the employer's signed email, and nothing more.

No part of the message is stored: the signing domain, how it was sent (the employer's own domain
or an applicant-tracking system), the month it was sent and a keyed hash against reuse. No
timestamp of the upload either: when a proof arrived could be matched against when the employer
wrote to whom.
"""

from __future__ import annotations

import enum
from datetime import date

from sqlalchemy import CheckConstraint, Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from enum_columns import enum_column, enum_values
from extensions import db
from reviews.models import Review


class ProofKind(enum.Enum):
    own_domain = "own_domain"  # signed by one of the employer's own domains
    through_system = "through_system"  # signed by an applicant-tracking system, naming them


class ProofStatus(enum.Enum):
    verified = "verified"
    # The employer has no known domain yet: moderators decide whether the signing domain is
    # theirs (proofs.services.accept_domain / refuse_domain).
    awaiting_domain = "awaiting_domain"
    domain_refused = "domain_refused"


class ContactProof(db.Model):
    __tablename__ = "contact_proofs"
    __table_args__ = (
        CheckConstraint(f"kind IN ({enum_values(ProofKind)})", name="kind"),
        CheckConstraint(f"status IN ({enum_values(ProofStatus)})", name="status"),
        CheckConstraint("signing_domain = lower(signing_domain)", name="domain_lowercase"),
        CheckConstraint(
            "(kind = 'through_system') = (sending_system IS NOT NULL)", name="system_named"
        ),
        CheckConstraint(
            "status != 'awaiting_domain' OR kind = 'own_domain'", name="awaiting_own_domain"
        ),
        CheckConstraint("length(fingerprint) = 64", name="fingerprint_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # One proof per review; a new one replaces it.
    review_id: Mapped[int] = mapped_column(
        ForeignKey("reviews.id", ondelete="CASCADE"), unique=True
    )
    status: Mapped[ProofStatus] = enum_column(ProofStatus)
    kind: Mapped[ProofKind] = enum_column(ProofKind)
    signing_domain: Mapped[str] = mapped_column(String(253), index=True)
    sending_system: Mapped[str | None] = mapped_column(String(60))
    message_month: Mapped[date] = mapped_column(Date)  # the first day of the month it was sent
    # HMAC (PROOF_HASH_KEY) of the signed Message-ID and body hash: the same message can't prove
    # a second review, and without the key the column says nothing about any message.
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)

    review: Mapped[Review] = relationship()
