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
from timeutils import utcnow

# Outcomes on which a representative may say "we have now contacted this candidate" (DESIGN.md
# §7): open cases (presumed ghosted or not) and cases the author already called ghosted.
CONTACTABLE = frozenset({Outcome.waiting, Outcome.ghosted})
# After the author says no contact came, the employer can't ask again for this long from the
# moment the "no" is shown to it (shown_at), so an author isn't pestered.
REASK_AFTER_DAYS = 30
# At most this many reports per review, whatever their answers (issue 17: "report again after a
# new contact"). Three asks of one candidate leave room for two genuine new contacts after a "no"
# while a stream of "we contacted you" can't become a way to harass an author into confirming.
# A service rule, not a CHECK: a count over rows needs a trigger or a counter column (a
# migration). It holds under races all the same: a new report needs the previous one settled,
# and the partial unique index uq_contact_reports_pending lets only one pending report exist per
# review, so two racing requests that both counted N-1 can't both insert.
MAX_REPORTS_PER_REVIEW = 3


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
    denied_recently = (
        "The candidate said they haven't heard from you. If you contact them again, you can say "
        f"so here {REASK_AFTER_DAYS} days after their answer was shown to you."
    )
    limit_reached = (
        f"You have told us {MAX_REPORTS_PER_REVIEW} times that you contacted this candidate, "
        "which is as often as HeardBack asks one candidate. You can still answer the review "
        "publicly."
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
    refusal = employer_view([review.id], now)[review.id].refusal
    if refusal is not None:
        return refusal
    if review.author_id is None:
        return ContactRefusal.unreachable
    return None


# --- what the employer sees ----------------------------------------------------------------------


class ContactState(enum.Enum):
    """The newest contact report on a review as its employer may see it (DESIGN.md §5.8): an
    answer shows only from its delayed moment (ContactReport.shown_at); until then it is pending."""

    pending = "pending"
    confirmed = "confirmed"
    denied = "denied"


@dataclass(frozen=True)
class ContactView:
    """One review's contact reports as its employer may see them.

    `state` is the newest report's, None when there is none or it was withdrawn (the case closed
    before an answer). `may_report` says whether the report rules allow "we have now contacted
    this candidate" now; whether the review is an open case is checked apart (is_contactable,
    contact_refusal). `report_again_from` is when a shown denial stops blocking a new report.
    """

    state: ContactState | None
    may_report: bool
    reports: int = 0
    report_again_from: datetime | None = None
    refusal: ContactRefusal | None = None

    @property
    def limit_reached(self) -> bool:
        return self.refusal is ContactRefusal.limit_reached


NO_REPORT = ContactView(state=None, may_report=True)


def _view(count: int, status: ContactStatus, shown_at: datetime | None, now: datetime):
    seen = visible_status(status, shown_at, now)
    if seen is ContactStatus.pending:
        return ContactView(ContactState.pending, False, count, None, ContactRefusal.already_asked)
    if seen is ContactStatus.confirmed:
        # The case is decided (its outcome changed at this same moment): nothing more to report.
        return ContactView(ContactState.confirmed, False, count, None, ContactRefusal.already_asked)
    state = ContactState.denied if seen is ContactStatus.denied else None
    again = shown_at + timedelta(days=REASK_AFTER_DAYS) if state is not None else None
    if count >= MAX_REPORTS_PER_REVIEW:
        return ContactView(state, False, count, None, ContactRefusal.limit_reached)
    if again is not None and again > now:
        return ContactView(state, False, count, again, ContactRefusal.denied_recently)
    return ContactView(state, True, count, again)


def employer_view(review_ids, now: datetime | None = None) -> dict[int, ContactView]:
    """Each review's contact reports as its employer may see them, for every id asked (one
    query). Read only through shown_at, so an author's answer can't be timed by the employer:
    a denial looks pending until its random moment, as a confirmation does until the review's
    change is published. The caller has checked that the reviews are its employer's."""
    now = now or utcnow()
    ids = list(dict.fromkeys(review_ids))
    views = dict.fromkeys(ids, NO_REPORT)
    if not ids:
        return views
    rows = db.session.execute(
        select(ContactReport.review_id, ContactReport.status, ContactReport.shown_at)
        .where(ContactReport.review_id.in_(ids))
        .order_by(ContactReport.review_id, ContactReport.id)
    ).all()
    counts: dict[int, int] = {}
    newest: dict[int, tuple] = {}
    for review_id, status, shown_at in rows:
        counts[review_id] = counts.get(review_id, 0) + 1
        newest[review_id] = (status, shown_at)
    for review_id, (status, shown_at) in newest.items():
        views[review_id] = _view(counts[review_id], status, shown_at, now)
    return views


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
