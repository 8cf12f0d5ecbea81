"""Proof of contact: which signature proves what, the rules on dates and reuse, and what is kept.

A proof counts when a signature that verified (proofs.verify) was made by
- one of the employer's known domains (or a subdomain), aligned with the From address; or
- an applicant-tracking system's sending domain (proofs/sending_systems.csv), aligned with the
  From address, and the employer is named in the From display name, a Reply-To or the Subject.
The message must be dated within the review's process (the month it began to the month of the
last contact, a month either side), and its Message-ID must be covered by the signature (the
reuse hash is made of it). Free-mail domains never count. When the employer has no known domain
yet, a signature of the sender's own domain waits for moderators, who may attach the domain.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select

from accounts.models import User
from employers.models import Employer, EmployerDomain
from employers.services import domain_and_parents, domain_refusal, names_of, normalize_name
from extensions import db
from proofs import dns
from proofs.models import ContactProof, ProofKind, ProofStatus
from proofs.verify import Evidence, Problem, ProofError, Signature, read
from representatives.claims import domain_owner
from reviews import pending
from reviews.models import Review, ReviewStatus
from scoring.stats import refresh_employer
from timeutils import month_start

SENDING_SYSTEMS_FILE = Path(__file__).with_name("sending_systems.csv")
PUNYCODE_PREFIX = "xn--"


@cache
def sending_systems() -> dict[str, str]:
    """Applicant-tracking systems' sending domains -> the system's name."""
    with SENDING_SYSTEMS_FILE.open(newline="") as handle:
        rows = csv.DictReader(line for line in handle if not line.startswith("#"))
        return {row["domain"].strip().lower(): row["system"].strip() for row in rows}


def _aligned(signing: str, sender: str) -> bool:
    """Relaxed alignment: one domain is the other or a subdomain of it (the shorter has two
    labels at least, so a bare suffix never aligns)."""
    shorter, longer = sorted((signing, sender), key=len)
    return shorter.count(".") >= 1 and (longer == shorter or longer.endswith("." + shorter))


def _system_of(domain: str) -> str | None:
    systems = sending_systems()
    return next((systems[item] for item in domain_and_parents(domain) if item in systems), None)


def _named_in(employer: Employer, evidence: Evidence) -> bool:
    """The employer's name or an alias, as whole words, in the From display name, a Reply-To
    (display name or domain) or the Subject."""
    known = {item.domain for item in employer.domains}
    if any(set(domain_and_parents(party.domain)) & known for party in evidence.reply_to):
        return True
    texts = [evidence.sender.name, evidence.subject, *(party.name for party in evidence.reply_to)]
    haystack = " " + " ".join(normalize_name(text) for text in texts if text) + " "
    return any(
        (name := normalize_name(item)) and f" {name} " in haystack for item in names_of(employer)
    )


@dataclass(frozen=True)
class Match:
    signature: Signature
    kind: ProofKind
    status: ProofStatus
    system: str | None = None


def _match(evidence: Evidence, employer: Employer) -> Match:
    """The signature that proves contact with this employer, or ProofError (the most useful
    reason when none does)."""
    known = {item.domain for item in employer.domains}
    sender = evidence.sender.domain
    problems = []
    for signature in evidence.signatures:
        domain = signature.domain
        if not _aligned(domain, sender):
            problems.append(Problem.wrong_domain)
        elif domain_refusal(domain) or domain_refusal(sender):
            problems.append(Problem.free_mail)
        elif set(domain_and_parents(domain)) & known:
            return Match(signature, ProofKind.own_domain, ProofStatus.verified)
        elif system := _system_of(domain):
            if _named_in(employer, evidence):
                return Match(signature, ProofKind.through_system, ProofStatus.verified, system)
            problems.append(Problem.employer_not_named)
        elif not known and _may_propose(domain, employer):
            return Match(signature, ProofKind.own_domain, ProofStatus.awaiting_domain)
        else:
            problems.append(Problem.wrong_domain)
    for problem in (Problem.employer_not_named, Problem.free_mail, Problem.wrong_domain):
        if problem in problems:
            raise ProofError(problem)
    raise ProofError(Problem.wrong_domain)


def _may_propose(domain: str, employer: Employer) -> bool:
    """A signing domain moderators may be asked about: not internationalised (look-alikes), and
    not already another employer's (or under one of its domains)."""
    if any(label.startswith(PUNYCODE_PREFIX) for label in domain.split(".")):
        return False
    owner = domain_owner(domain)
    return owner is None or owner.id == employer.id


def _add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def _in_process(sent_on: date | None, review: Review) -> date:
    """The message's month, if it falls within the review's process (± 1 month)."""
    if sent_on is None:
        raise ProofError(Problem.no_date)
    values = pending.author_values(review)
    month = month_start(sent_on)
    first = _add_months(month_start(values["process_month"]), -1)
    last = _add_months(month_start(values["last_contact_on"]), 1)
    if not first <= month <= last:
        raise ProofError(Problem.date_out_of_range)
    return month


def fingerprint(message_id: str, body_hash: bytes) -> str:
    secret = current_app.config["SECRET_KEY"].encode()
    key = hmac.new(secret, b"contact-proof", hashlib.sha256).digest()
    return hmac.new(key, message_id.encode() + b"\0" + body_hash, hashlib.sha256).hexdigest()


def attach(
    review: Review, author: User, raw: bytes, now: datetime, *, unusual_keys: bool = False
) -> ContactProof:
    """Check `raw` (a saved message) as proof for the author's review and keep what may be kept;
    ProofError says why it proves nothing. The caller commits, on success and on `reused`
    (the attempt is counted for moderators). `unusual_keys`: the author accepted that a key
    with a rare name be looked up (proofs.verify.COMMON_SELECTORS)."""
    evidence = read(raw, dns.lookup(), unusual_keys=unusual_keys)
    match = _match(evidence, review.employer)
    if not evidence.message_id or "message-id" not in match.signature.signed_headers:
        raise ProofError(Problem.message_id_unsigned)
    month = _in_process(evidence.sent_on, review)
    key = fingerprint(evidence.message_id, match.signature.body_hash)
    used = db.session.scalar(select(ContactProof).where(ContactProof.fingerprint == key))
    if used is not None and used.review_id != review.id:
        author.proof_reuse_attempts = User.proof_reuse_attempts + 1
        raise ProofError(Problem.reused)
    proof = used or db.session.scalar(
        select(ContactProof).where(ContactProof.review_id == review.id)
    )
    if proof is None:
        proof = ContactProof(review_id=review.id)
        db.session.add(proof)
    proof.status = match.status
    proof.kind = match.kind
    proof.signing_domain = match.signature.domain
    proof.sending_system = match.system
    proof.message_month = month
    proof.fingerprint = key
    if match.status is ProofStatus.verified:
        show_mark(review, author, now)
    return proof


def show_mark(review: Review, author: User | None, now: datetime) -> None:
    """ "Verified contact" on the review: at once while it isn't public yet (it appears with the
    review), else as a pending change at a random moment (DESIGN.md §5.8)."""
    if review.contact_verified or pending.verification_pending(review):
        return
    if review.status is ReviewStatus.published:
        pending.stage_verification(review, author, now)
    else:
        review.contact_verified = True


def proof_of(review: Review) -> ContactProof | None:
    return db.session.scalar(select(ContactProof).where(ContactProof.review_id == review.id))


def proofs_of(reviews: list[Review]) -> dict[int, ContactProof]:
    ids = [review.id for review in reviews]
    if not ids:
        return {}
    rows = db.session.scalars(select(ContactProof).where(ContactProof.review_id.in_(ids)))
    return {proof.review_id: proof for proof in rows}


# --- moderators: signing domains of employers without a known domain --------------------------


@dataclass(frozen=True)
class DomainProposal:
    employer: Employer
    domain: str
    proofs: int
    refusal: str | None  # why it can't be attached (free mail, another employer's), if so


def domain_proposals() -> list[DomainProposal]:
    rows = db.session.execute(
        select(Review.employer_id, ContactProof.signing_domain, func.count())
        .join(Review, Review.id == ContactProof.review_id)
        .where(ContactProof.status == ProofStatus.awaiting_domain)
        .group_by(Review.employer_id, ContactProof.signing_domain)
        .order_by(Review.employer_id, ContactProof.signing_domain)
    ).all()
    employers = {
        employer.id: employer
        for employer in db.session.scalars(
            select(Employer).where(Employer.id.in_({row[0] for row in rows}))
        )
    }
    return [
        DomainProposal(
            employers[employer_id], domain, count, _attach_refusal(domain, employers[employer_id])
        )
        for employer_id, domain, count in rows
    ]


def _attach_refusal(domain: str, employer: Employer) -> str | None:
    refusal = domain_refusal(domain)
    if refusal:
        return refusal
    if not _may_propose(domain, employer):
        return f"{domain} is internationalised or already another employer's domain."
    return None


def _awaiting(employer_id: int, domain: str):
    return (
        select(ContactProof)
        .join(Review, Review.id == ContactProof.review_id)
        .where(
            Review.employer_id == employer_id,
            ContactProof.signing_domain == domain,
            ContactProof.status == ProofStatus.awaiting_domain,
        )
    )


def accept_domain(employer: Employer, domain: str, now: datetime) -> int:
    """Attach `domain` to the employer and verify the proofs it signed; how many. The caller
    commits (and writes the audit entry)."""
    proofs = db.session.scalars(_awaiting(employer.id, domain)).all()
    if not proofs:
        raise ValueError(f"No proof of contact with {employer.name} waits on {domain}.")
    refusal = _attach_refusal(domain, employer)
    if refusal:
        raise ValueError(refusal)
    if domain not in {item.domain for item in employer.domains}:
        db.session.add(EmployerDomain(employer_id=employer.id, domain=domain))
    for proof in proofs:
        proof.status = ProofStatus.verified
        review = proof.review
        author = db.session.get(User, review.author_id) if review.author_id else None
        show_mark(review, author, now)
    db.session.flush()
    refresh_employer(employer.id)
    return len(proofs)


def refuse_domain(employer: Employer, domain: str) -> int:
    proofs = db.session.scalars(_awaiting(employer.id, domain)).all()
    for proof in proofs:
        proof.status = ProofStatus.domain_refused
    return len(proofs)


def _published_verified():
    return (Review.status == ReviewStatus.published, Review.contact_verified.is_(True))


def verified_counts(employer_id: int) -> tuple[int, int]:
    """(published reviews with verified contact, published reviews) at an employer, in one query.

    Public pages may show it at any count: each of those reviews already carries its mark. It
    moves only with a published review (the mark waits for its moment, §5.8), in the transaction
    that refreshes the statistics row, so pages validated by that row's updated_at stay fresh."""
    verified, total = db.session.execute(
        select(func.count().filter(Review.contact_verified.is_(True)), func.count()).where(
            Review.employer_id == employer_id, Review.status == ReviewStatus.published
        )
    ).one()
    return verified or 0, total or 0


def verified_count_column(employer_id_column):
    """The employer's published reviews with verified contact, as a correlated subquery, for
    a query over many employers (the CSV export: one query, streamed row by row)."""
    return (
        select(func.count())
        .where(Review.employer_id == employer_id_column, *_published_verified())
        .scalar_subquery()
    )
