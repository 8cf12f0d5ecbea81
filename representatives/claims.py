"""Claims: asking to represent an employer, proving it, and ending a representation (DESIGN.md §7).

A claim is proved by a work email on one of the employer's domains: a signed, single-use link
valid CLAIM_LINK_HOURS goes to that address. An employer with no known domain sends the claim to
moderators, who may register the claimant's domain; the claimant must still follow the link.

Lookalike domains are the attack to stop: `acme.com.evil.io`, `acme-com.io`, other TLDs, and
homographs (`acme.com` spelt with a Cyrillic U+0430 for the "a"). The rule is simple so it has
no holes: after IDNA normalisation the address's domain must be exactly a registered domain or a
subdomain of one, and no label outside the registered part may be punycode.

Plain functions; the caller commits.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

import idna
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from accounts.models import User
from accounts.services import Purpose, absolute_url, make_token
from employers.models import Employer, EmployerDomain
from employers.services import DISPOSABLE_DOMAINS, FREE_MAIL_DOMAINS
from extensions import db
from notifications import mail
from representatives.access import representation_for
from representatives.models import (
    Claim,
    ClaimStatus,
    EndReason,
    Representative,
    RepresentativeRole,
)
from reviews.models import Review
from timeutils import month_label, utcnow

EMAIL_MAX = 254
NOTE_MAX = 500  # Claim.moderator_note
TOKEN_MAX = 500  # longer than any link we send; a longer one is not ours
PUNYCODE_PREFIX = "xn--"
OPEN = (ClaimStatus.emailed, ClaimStatus.awaiting_moderator)

INVALID_ADDRESS = "Enter a valid work email address, like jane.doe@acme.com."


class ClaimError(ValueError):
    """A claim or an action on one that can't go ahead; the message says why, for the page."""


class AlreadyRepresenting(ClaimError):
    pass


class ReviewerConflict(ClaimError):
    """The claimant wrote a review of this employer (DESIGN.md §7): an employer's
    representatives are never among its reviewers, as reviewers are never its representatives
    (reviews.services refuses the other way round)."""

    def __init__(self, employer: Employer) -> None:
        super().__init__(
            f"You have written a review of {employer.name}, so you can't represent it on "
            "HeardBack: an employer's representatives can't be among its reviewers, or its "
            "answers and figures would no longer be independent. If you delete your review "
            f"of {employer.name} (from your reviews page), you can ask again."
        )


def has_reviewed(user_id: int, employer_id: int) -> bool:
    """Whether the user wrote a review of the employer, in any state (held, scheduled, published
    or hidden). Reviews kept de-linked from a deleted account have no author and don't count."""
    return (
        db.session.scalar(
            select(Review.id)
            .where(Review.author_id == user_id, Review.employer_id == employer_id)
            .limit(1)
        )
        is not None
    )


def check_no_conflict(user_id: int, employer: Employer) -> None:
    if has_reviewed(user_id, employer.id):
        raise ReviewerConflict(employer)


@dataclass(frozen=True)
class Address:
    email: str  # normalised: lower case, ASCII domain
    domain: str  # ASCII (IDNA) form, lower case
    typed_domain: str  # as the user wrote it, for messages


# --- the address -------------------------------------------------------------------------------


def parse_address(raw: str) -> Address:
    """The address in normal form, or ClaimError. Upper case and a trailing dot are fine."""
    text = (raw or "").strip()
    if not text:
        raise ClaimError("Enter your work email address.")
    if len(text) > EMAIL_MAX:
        raise ClaimError(f"An email address can be at most {EMAIL_MAX} characters.")
    local, at, typed_domain = text.rpartition("@")
    if not at or not local or not typed_domain:
        raise ClaimError(INVALID_ADDRESS)
    # "acme.com." is the fully-qualified form of "acme.com".
    domain = typed_domain[:-1] if typed_domain.endswith(".") else typed_domain
    try:
        ascii_domain = idna.encode(domain, uts46=True).decode("ascii").lower()
        result = validate_email(
            f"{local}@{ascii_domain}", check_deliverability=False, allow_smtputf8=False
        )
    except (idna.IDNAError, UnicodeError, EmailNotValidError):
        raise ClaimError(INVALID_ADDRESS) from None
    return Address(
        email=f"{result.local_part}@{ascii_domain}".lower(),
        domain=ascii_domain,
        typed_domain=typed_domain,
    )


def provider_refusal(domain: str) -> str | None:
    """Why addresses on this (ASCII) domain prove nothing about an employer, or None."""
    labels = domain.split(".")
    for start in range(len(labels) - 1):
        candidate = ".".join(labels[start:])
        if candidate in FREE_MAIL_DOMAINS:
            return (
                f"{candidate} is a free email provider: anyone can have an address there, so it "
                "can't show that you work for an employer. Use your work address."
            )
        if candidate in DISPOSABLE_DOMAINS:
            return (
                f"{candidate} is a disposable email service, so it can't show that you work for "
                "an employer. Use your work address."
            )
    return None


def registered_match(domain: str, registered: list[str]) -> str | None:
    """The registered domain this one is, or is a subdomain of; None for anything else.

    Exact label-wise comparison of ASCII forms: `hr.acme.com` matches `acme.com`, while
    `acme.com.evil.io`, `evil-acme.com`, `acme.co` and `acme.com.au` don't.
    """
    for known in registered:
        if domain == known or domain.endswith("." + known):
            return known
    return None


def _has_punycode(labels: list[str]) -> bool:
    return any(label.startswith(PUNYCODE_PREFIX) for label in labels)


def _homograph_message(address: Address, employer: Employer) -> str:
    return (
        f"{address.typed_domain} is an internationalised domain (its real form is "
        f"{address.domain}). Such domains can imitate an employer's letter for letter, with "
        f"look-alike letters from other alphabets, so they can't be used to claim "
        f"{employer.name}. {_where_to_write(employer)}"
    )


def _where_to_write(employer: Employer) -> str:
    domains = sorted(item.domain for item in employer.domains)
    if not domains:
        return "Use your work address on the employer's own domain."
    listed = " or ".join(domains)
    return f"Use your work address on {listed} (a subdomain such as hr.{domains[0]} works too)."


def domain_owner(domain: str) -> Employer | None:
    """The employer that registered this domain or one of its parent domains."""
    labels = domain.split(".")
    parents = [".".join(labels[start:]) for start in range(len(labels) - 1)]
    return db.session.scalar(
        select(Employer)
        .join(EmployerDomain, EmployerDomain.employer_id == Employer.id)
        .where(EmployerDomain.domain.in_(parents))
        .order_by(func.length(EmployerDomain.domain).desc())
        .limit(1)
    )


def check_address(raw: str, employer: Employer) -> tuple[Address, bool]:
    """(the address, whether it is on one of the employer's known domains), or ClaimError.

    False means the employer has no known domain: the claim goes to moderators.
    """
    address = parse_address(raw)
    refusal = provider_refusal(address.domain)
    if refusal:
        raise ClaimError(refusal)
    labels = address.domain.split(".")
    registered = [item.domain for item in employer.domains]
    if registered:
        known = registered_match(address.domain, registered)
        if known is None:
            if _has_punycode(labels):
                raise ClaimError(_homograph_message(address, employer))
            raise ClaimError(
                f"{address.typed_domain} isn't one of {employer.name}'s email domains. "
                f"{_where_to_write(employer)} Domains that only contain or resemble the "
                "employer's, like acme.com.example.net, acme-com.io or acme.co for acme.com, "
                "belong to someone else."
            )
        # A punycode label is acceptable only as part of the employer's own registered domain.
        if _has_punycode(labels[: len(labels) - len(known.split("."))]):
            raise ClaimError(_homograph_message(address, employer))
        return address, True
    if _has_punycode(labels):
        raise ClaimError(_homograph_message(address, employer))
    owner = domain_owner(address.domain)
    if owner is not None:
        raise ClaimError(
            f"{address.typed_domain} is registered on HeardBack as a domain of {owner.name}, "
            f"not {employer.name}. If you work for {owner.name}, claim its page instead."
        )
    return address, False


# --- making a claim ----------------------------------------------------------------------------


def start_claim(user: User, employer: Employer, raw_email: str) -> Claim:
    """Record a claim and email its link, or queue it for moderators. Raises ClaimError.

    A newer claim replaces the user's open one for the same employer (its link stops working).
    """
    if representation_for(user.id, employer.id) is not None:
        raise AlreadyRepresenting(f"You already represent {employer.name} on HeardBack.")
    check_no_conflict(user.id, employer)
    address, known = check_address(raw_email, employer)
    cancel_open_claims(user.id, employer.id)
    # The replaced claim leaves the one-open-claim index before the new one enters it.
    db.session.flush()
    claim = Claim(
        user_id=user.id,
        employer_id=employer.id,
        email=address.email,
        email_domain=address.domain,
        status=ClaimStatus.emailed if known else ClaimStatus.awaiting_moderator,
    )
    db.session.add(claim)
    db.session.flush()
    if known:
        send_link(claim, employer)
    return claim


def cancel_open_claims(user_id: int, employer_id: int) -> None:
    for claim in db.session.scalars(
        select(Claim).where(
            Claim.user_id == user_id,
            Claim.employer_id == employer_id,
            Claim.status.in_(OPEN),
        )
    ):
        claim.status = ClaimStatus.cancelled
        claim.nonce = None
        claim.email = None


def link_hours() -> int:
    return int(current_app.config["CLAIM_LINK_HOURS"])


def send_link(claim: Claim, employer: Employer, *, moderated: bool = False) -> None:
    """Email the claim's single-use link to its work address (a new nonce each time)."""
    claim.status = ClaimStatus.emailed
    claim.nonce = secrets.token_hex(16)
    claim.emailed_at = utcnow()
    db.session.flush()
    token = make_token(Purpose.claim, {"claim": claim.id, "nonce": claim.nonce})
    mail.send_template(
        claim.email,
        f"Confirm that you represent {employer.name} on HeardBack",
        "claim_verify",
        employer_name=employer.name,
        verify_url=absolute_url("representatives.verify_claim", token=token),
        hours=link_hours(),
        moderated=moderated,
    )


# --- claims on their way (the claimant's view) -----------------------------------------------


@dataclass(frozen=True)
class PendingClaim:
    """An open claim as its claimant sees it: the employer, who acts next, and the month."""

    employer: Employer
    awaiting_moderator: bool  # else a link was emailed to the work address
    month: str


def pending_claims(user_id: int) -> list[PendingClaim]:
    """The user's open claims, on any employer, oldest first (one query)."""
    claims = db.session.scalars(
        select(Claim)
        .options(joinedload(Claim.employer))
        .where(Claim.user_id == user_id, Claim.status.in_(OPEN))
        .order_by(Claim.created_at, Claim.id)
    )
    return [
        PendingClaim(
            employer=claim.employer,
            awaiting_moderator=claim.status is ClaimStatus.awaiting_moderator,
            month=month_label(claim.created_at),
        )
        for claim in claims
    ]


def pending_claim_for(user_id: int, employer_id: int) -> PendingClaim | None:
    return next(
        (claim for claim in pending_claims(user_id) if claim.employer.id == employer_id), None
    )


# --- following the link ------------------------------------------------------------------------


class LinkProblem(Enum):
    """Why a claim link can't be used (the page explains each one)."""

    expired = "expired"
    invalid = "invalid"
    used = "used"
    cancelled = "cancelled"
    refused = "refused"
    other_user = "other_user"


def read_link(token: str) -> Claim | LinkProblem:
    """The open claim a link is for, or what is wrong with the link. Changes nothing."""
    if len(token) > TOKEN_MAX:
        return LinkProblem.invalid
    serializer = URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=Purpose.claim.value)
    try:
        payload = serializer.loads(token, max_age=link_hours() * 3600)
    except SignatureExpired:
        return LinkProblem.expired
    except BadSignature:
        return LinkProblem.invalid
    claim_id = payload.get("claim") if isinstance(payload, dict) else None
    nonce = payload.get("nonce") if isinstance(payload, dict) else None
    if not isinstance(claim_id, int) or not isinstance(nonce, str):
        return LinkProblem.invalid
    claim = db.session.get(Claim, claim_id)
    if claim is None:
        return LinkProblem.invalid
    if claim.status is ClaimStatus.cancelled:
        return LinkProblem.cancelled
    if claim.status is ClaimStatus.refused:
        return LinkProblem.refused
    if claim.status is not ClaimStatus.emailed or claim.nonce is None:
        return LinkProblem.used
    if not hmac.compare_digest(claim.nonce, nonce):
        return LinkProblem.used
    return claim


def accept(claim: Claim) -> Representative:
    """Follow the link: the claimant becomes a representative; the link stops working.
    ReviewerConflict (nothing changed) if they reviewed the employer since asking."""
    check_no_conflict(claim.user_id, claim.employer)
    now = utcnow()
    existing = representation_for(claim.user_id, claim.employer_id)
    claim.status = ClaimStatus.approved if existing is None else ClaimStatus.cancelled
    claim.nonce = None
    claim.email = None
    claim.decided_at = claim.decided_at or now
    if existing is not None:  # represented meanwhile through another claim
        return existing
    representative = Representative(
        user_id=claim.user_id, employer_id=claim.employer_id, claim_id=claim.id, created_at=now
    )
    db.session.add(representative)
    db.session.flush()
    return representative


# --- moderators --------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueItem:
    """What a moderator needs to judge a claim: not the claimant's address or account."""

    claim_id: int
    employer: Employer
    email_domain: str
    account_age_days: int
    asked_at: datetime
    # The claimant wrote a review of this employer since asking: the claim can only be refused.
    reviewer_conflict: bool = False


def moderator_queue() -> list[QueueItem]:
    now = utcnow()
    reviewed = (
        select(Review.id)
        .where(Review.author_id == Claim.user_id, Review.employer_id == Claim.employer_id)
        .exists()
    )
    rows = db.session.execute(
        select(Claim, reviewed)
        .options(joinedload(Claim.employer), joinedload(Claim.user))
        .where(Claim.status == ClaimStatus.awaiting_moderator)
        .order_by(Claim.created_at, Claim.id)
    )
    return [
        QueueItem(
            claim_id=claim.id,
            employer=claim.employer,
            email_domain=claim.email_domain,
            account_age_days=max(0, (now - claim.user.created_at).days),
            asked_at=claim.created_at,
            reviewer_conflict=bool(conflict),
        )
        for claim, conflict in rows
    ]


def _awaiting(claim: Claim) -> None:
    if claim.status is not ClaimStatus.awaiting_moderator:
        raise ClaimError("This claim was already handled; the list below is up to date.")


def approve_with_domain(claim: Claim, moderator: User) -> None:
    """Register the claim's domain for its employer and send the claimant the link.

    The claimant still has to prove the mailbox is theirs by following it.
    """
    _awaiting(claim)
    if claim.user_id == moderator.id:
        raise ClaimError("This is your own claim: another moderator must decide it.")
    employer = claim.employer
    if has_reviewed(claim.user_id, employer.id):
        raise ClaimError(
            f"The claimant has written a review of {employer.name} since asking, so they can't "
            "represent it. Refuse this claim; the note may say why."
        )
    refusal = provider_refusal(claim.email_domain)
    if refusal:
        raise ClaimError(refusal)
    owner = domain_owner(claim.email_domain)
    if owner is not None and owner.id != employer.id:
        raise ClaimError(
            f"{claim.email_domain} is already a domain of {owner.name}; it can't be added to "
            f"{employer.name}. Refuse this claim, with a note."
        )
    if owner is None:
        db.session.add(EmployerDomain(employer_id=employer.id, domain=claim.email_domain))
    claim.decided_by_id = moderator.id
    claim.decided_at = utcnow()
    send_link(claim, employer, moderated=True)


def refuse(claim: Claim, moderator: User, note: str | None) -> None:
    """Refuse a claim; the claimant is told at their account's address, with the note."""
    _awaiting(claim)
    claim.status = ClaimStatus.refused
    claim.decided_by_id = moderator.id
    claim.decided_at = utcnow()
    claim.moderator_note = (note or "").strip()[:NOTE_MAX] or None
    claim.email = None
    claim.nonce = None
    mail.send_template(
        claim.user.email,
        f"Your request to represent {claim.employer.name} was refused",
        "claim_refused",
        employer_name=claim.employer.name,
        note=claim.moderator_note,
        claim_url=absolute_url("representatives.claim", slug=claim.employer.slug),
    )


# --- ending a representation -------------------------------------------------------------------


def live_representatives(employer_id: int) -> list[Representative]:
    return list(
        db.session.scalars(
            select(Representative)
            .options(joinedload(Representative.user))
            .where(Representative.employer_id == employer_id, Representative.ended_at.is_(None))
            .order_by(Representative.created_at, Representative.id)
        )
    )


def represented_employers() -> list[tuple[Employer, int]]:
    """Employers with live representatives, and how many, by name."""
    count = func.count(Representative.id)
    rows = db.session.execute(
        select(Employer, count)
        .join(Representative, Representative.employer_id == Employer.id)
        .where(Representative.ended_at.is_(None))
        .group_by(Employer.id)
        .order_by(Employer.name)
    )
    return [(employer, number) for employer, number in rows]


def _keep_an_owner(ended: Representative) -> Representative | None:
    """When the last owner goes (an admin's revocation), the longest-serving colleague becomes
    an owner, so a team is never left without someone who can manage it. Returns them."""
    if not ended.is_owner:
        return None
    db.session.flush()
    live = db.session.scalars(
        select(Representative)
        .where(Representative.employer_id == ended.employer_id, Representative.ended_at.is_(None))
        .order_by(Representative.created_at, Representative.id)
    ).all()
    if not live or any(member.is_owner for member in live):
        return None
    live[0].role = RepresentativeRole.owner
    return live[0]


def end_representation(representative: Representative, reason: EndReason) -> None:
    if not representative.is_live:
        raise ClaimError("This representation has already ended.")
    representative.ended_at = utcnow()
    representative.end_reason = reason
    _keep_an_owner(representative)
    if reason is EndReason.revoked:
        employer = representative.employer
        mail.send_template(
            representative.user.email,
            f"You no longer represent {employer.name} on HeardBack",
            "claim_revoked",
            employer_name=employer.name,
        )
