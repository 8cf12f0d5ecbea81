"""Closing the loop (DESIGN.md §7): a representative says "we have now contacted this candidate",
the author confirms or denies it, and a report on a case that is no longer open is withdrawn.
This module owns the reports' states; the author's answer, which updates the review, is
reviews.contact_answers. Callers commit.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError

from accounts.models import User
from employers.models import Employer
from extensions import db
from representatives.models import ContactReport, ContactStatus, Representative
from reviews.models import Outcome, Review, ReviewStatus, Stage

# Outcomes on which a representative may say "we have now contacted this candidate" (DESIGN.md
# §7): open cases (presumed ghosted or not) and cases the author already called ghosted.
CONTACTABLE = frozenset({Outcome.waiting, Outcome.ghosted})
# After the author says no contact came, the employer can't ask again for this long, so an author
# isn't pestered; to the representative a recent "no" looks the same as "asked, no answer yet".
REASK_AFTER_DAYS = 30


class ContactRefusal(enum.Enum):
    """Why a contact report can't be made (shown to the representative)."""

    not_open = (
        "This review isn't an open or unanswered case, so there is nothing to confirm: only "
        "reviews that are still waiting or say the candidate never heard back can be followed up."
    )
    already_asked = (
        "You have already told us you contacted this candidate. They have been asked to confirm; "
        "nothing more is needed from you."
    )
    unreachable = (
        "The author of this review can no longer be reached through HeardBack, so the contact "
        "can't be confirmed."
    )


@dataclass(frozen=True)
class ContactRequest:
    """What the email to the author needs, copied before the commit."""

    to: str
    employer_name: str
    process_month: date


@dataclass(frozen=True)
class OpenContact:
    """A pending report as its author sees it on /me: the employer and the process, nothing about
    the representative."""

    public_id: str
    employer_name: str
    process_month: date
    outcomes: list[Outcome]


def blocks_new_report(now: datetime):
    # An answer the employer can't see yet (DESIGN.md §5.8: shown_at NULL or to come) looks
    # pending; a denial blocks a new report for REASK_AFTER_DAYS from when it is shown.
    return or_(
        ContactReport.status == ContactStatus.pending,
        ContactReport.shown_at.is_(None),
        ContactReport.shown_at > now,
        and_(
            ContactReport.status == ContactStatus.denied,
            ContactReport.shown_at > now - timedelta(days=REASK_AFTER_DAYS),
        ),
    )


def visible_status(status: ContactStatus, shown_at: datetime | None, now: datetime):
    """A report's status as its representative may see it: pending until the answer is shown."""
    if shown_at is None or shown_at > now:
        return ContactStatus.pending
    return status


def changes_published(reviews: list[Review], now: datetime) -> None:
    """Reviews' pending changes became public (reviews.pending.apply; two UPDATEs a batch): the
    confirmations they carried are shown from now, and reports on cases they decided (no longer
    contactable) are withdrawn, as the author's update of an unpublished review does at once."""
    if not reviews:
        return
    db.session.execute(
        update(ContactReport)
        .where(
            ContactReport.review_id.in_([review.id for review in reviews]),
            ContactReport.status == ContactStatus.confirmed,
            ContactReport.shown_at.is_(None),
        )
        .values(shown_at=now)
        .execution_options(synchronize_session=False)
    )
    closed = [review.id for review in reviews if not is_contactable(review)]
    if closed:
        db.session.execute(
            update(ContactReport)
            .where(
                ContactReport.review_id.in_(closed),
                ContactReport.status == ContactStatus.pending,
            )
            .values(status=ContactStatus.withdrawn, answered_at=now, shown_at=now)
            .execution_options(synchronize_session=False)
        )


def is_contactable(review: Review) -> bool:
    return review.status is ReviewStatus.published and review.outcome in CONTACTABLE


def published_review(public_id: str) -> Review | None:
    return db.session.scalar(
        select(Review).where(
            Review.public_id == public_id[:16], Review.status == ReviewStatus.published
        )
    )


def contact_refusal(review: Review, now: datetime) -> ContactRefusal | None:
    if not is_contactable(review):
        return ContactRefusal.not_open
    blocked = db.session.scalar(
        select(ContactReport.id).where(ContactReport.review_id == review.id, blocks_new_report(now))
    )
    if blocked is not None:
        return ContactRefusal.already_asked
    if review.author_id is None:
        return ContactRefusal.unreachable
    return None


def report_contact(
    representative: Representative, review: Review, now: datetime
) -> ContactRequest | ContactRefusal:
    """Record "we have now contacted this candidate" (pending until the author answers).

    The caller checks that the representative represents the review's employer, commits, and then
    emails the author (representatives.notifications.send_contact_request): nothing about the
    review changes until the author confirms.
    """
    refusal = contact_refusal(review, now)
    if refusal is not None:
        return refusal
    author = db.session.get(User, review.author_id)
    report = ContactReport(
        review_id=review.id,
        representative_id=representative.id,
        status=ContactStatus.pending,
        created_at=now,
    )
    try:
        # A report made a moment ago in another request: the partial unique index says so.
        with db.session.begin_nested():
            db.session.add(report)
    except IntegrityError:
        return ContactRefusal.already_asked
    return ContactRequest(author.email, review.employer.name, review.process_month)


def contact_outcomes(stage: Stage) -> list[Outcome]:
    """What the author may say the employer decided: an offer only at the offer stage (CHECK
    offer_outcome_at_offer_stage), else a no with or without a reason."""
    outcomes = [Outcome.rejected_with_feedback, Outcome.rejected]
    return [Outcome.offer, *outcomes] if stage is Stage.offer else outcomes


def open_contacts(author_id: int) -> list[OpenContact]:
    """The author's reviews on which an employer says it made contact, awaiting their answer."""
    rows = db.session.execute(
        select(Review, Employer.name)
        .join(ContactReport, ContactReport.review_id == Review.id)
        .join(Employer, Employer.id == Review.employer_id)
        .where(
            Review.author_id == author_id,
            ContactReport.status == ContactStatus.pending,
            Review.status == ReviewStatus.published,
            Review.outcome.in_(CONTACTABLE),
        )
        .order_by(ContactReport.created_at.desc(), ContactReport.id.desc())
    )
    return [
        OpenContact(review.public_id, name, review.process_month, contact_outcomes(review.stage))
        for review, name in rows
    ]


def settle_pending(
    review: Review, status: ContactStatus, now: datetime, shown_at: datetime | None = None
) -> bool:
    """Answer the review's pending report, if it still is pending (two tabs: one wins).

    `shown_at`: when the employer may see the answer (a confirmation: NULL until the review's
    change is published)."""
    result = db.session.execute(
        update(ContactReport)
        .where(ContactReport.review_id == review.id, ContactReport.status == ContactStatus.pending)
        .values(status=status, answered_at=now, shown_at=shown_at)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def pending_exists(review: Review) -> bool:
    return (
        db.session.scalar(
            select(ContactReport.id).where(
                ContactReport.review_id == review.id,
                ContactReport.status == ContactStatus.pending,
            )
        )
        is not None
    )


def withdraw_stale_reports(review: Review, now: datetime) -> bool:
    """Withdraw the pending report on a review that is no longer an open case (it was decided,
    hidden or withdrawn meanwhile): the one place a report is withdrawn for that, whether the
    author updated the review (reviews.services.update) or answers a report made before the
    change (reviews.contact_answers). Published changes withdraw theirs in bulk
    (changes_published). Returns whether a report was withdrawn."""
    if is_contactable(review):
        return False
    return settle_pending(review, ContactStatus.withdrawn, now, shown_at=now)
