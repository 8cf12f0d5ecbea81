"""The rules of the employer side (DESIGN.md §7). Callers commit.

Access helpers first: every representative action goes through `representation_for`, so that a
representative of employer A can do nothing for employer B (DESIGN.md §7).
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import and_, case, distinct, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from accounts.models import User
from employers.models import Employer, EmployerStats
from employers.profile import Profile, percent
from employers.profile import build as build_profile
from employers.services import headline
from extensions import db
from representatives.models import (
    ContactReport,
    ContactStatus,
    Notify,
    Representative,
    ResponseCommitment,
)
from reviews import services as review_services
from reviews.models import DECISIONS, Feedback, Outcome, Review, ReviewStatus, Stage
from reviews.services import Prepared, values_of
from scoring import engine
from scoring import figures as side
from scoring.engine import ReviewFacts, Verdict
from scoring.stats import FACT_COLUMNS, Inputs, current_inputs, facts_from_review
from timeutils import month_label, month_start

if TYPE_CHECKING:
    from reviews.display import PublicCard


def live_representations(user_id: int) -> list[Representative]:
    """The employers a user represents now, with each employer loaded (one query)."""
    return list(
        db.session.scalars(
            select(Representative)
            .options(joinedload(Representative.employer))
            .where(Representative.user_id == user_id, Representative.ended_at.is_(None))
            .order_by(Representative.created_at)
        )
    )


def representation_for(user_id: int, employer_id: int) -> Representative | None:
    """The user's live representation of this employer, or None."""
    return db.session.scalar(
        select(Representative).where(
            Representative.user_id == user_id,
            Representative.employer_id == employer_id,
            Representative.ended_at.is_(None),
        )
    )


def represents(user_id: int, employer_id: int) -> bool:
    return representation_for(user_id, employer_id) is not None


# --- the dashboard -------------------------------------------------------------------------------

# How many quarters the trend shows, the newest being the current one.
TREND_QUARTERS = 8
AWAITING_PAGE_SIZE = 20
# Outcomes on which a representative may say "we have now contacted this candidate"
# (DESIGN.md §7): open cases (presumed ghosted or not) and cases the author already called ghosted.
CONTACTABLE = frozenset({Outcome.waiting, Outcome.ghosted})
# After the author says no contact came, the employer can't ask again for this long, so an author
# isn't pestered; to the representative a recent "no" looks the same as "asked, no answer yet".
REASK_AFTER_DAYS = 30
# The stages a response commitment ("every interviewed candidate") is measured on.
INTERVIEWED = frozenset(stage for stage in Stage if stage.rank >= Stage.interview.rank)


@dataclass(frozen=True)
class Quarter:
    """One quarter of the trend: reviews whose last contact fell in it (DESIGN.md §5.3: shown only
    from MIN_CELL_AUTHORS distinct reviewers)."""

    label: str
    shown: bool
    reviews: int
    score: int | None = None
    hear_back: int | None = None
    hear_back_yes: int = 0
    hear_back_count: int = 0


@dataclass(frozen=True)
class Awaiting:
    """A review awaiting a response exactly as the public sees it, and what the employer may do."""

    public_id: str
    card: PublicCard
    contactable: bool  # "we have now contacted this candidate" applies
    asked: bool  # ... and was already said (pending, or answered "no" recently)


@dataclass
class Dashboard:
    employer: Employer
    representative: Representative
    verdict: Verdict
    profile: Profile
    trend: list[Quarter]
    awaiting: Pagination
    items: list[Awaiting]
    commitment: CommitmentMeasure | None


def _quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _quarter_label(start: date) -> str:
    end = date(start.year, start.month + 2, 1)
    return f"{start.strftime('%B')} to {end.strftime('%B %Y')}"


def _quarter_starts(today: date, count: int = TREND_QUARTERS) -> list[date]:
    """The first days of the last `count` quarters, oldest first, ending with today's."""
    starts = [_quarter_start(today)]
    while len(starts) < count:
        first = starts[0]
        year, month = (first.year, first.month - 3) if first.month > 3 else (first.year - 1, 10)
        starts.insert(0, date(year, month, 1))
    return starts


# What the score reads of a review (the burst-cap mark included).
_TREND_COLUMNS = FACT_COLUMNS


def quarterly_trend(employer: Employer, inputs: Inputs, today: date) -> list[Quarter]:
    """Score and hear-back share by the quarter of the last contact, from published reviews (one
    query).

    Within a quarter every review counts fully: the two-year decay of the public score is there to
    make the current score favour recent reports, which a quarter-by-quarter view does by itself.
    Each cell is shrunk toward the same μ with the same M as the public figures, so a quarter with
    few reports leans toward the site's (or industry's) mean rather than swinging.
    """
    starts = _quarter_starts(today)
    rows = db.session.execute(
        select(*_TREND_COLUMNS).where(
            Review.employer_id == employer.id,
            Review.status == ReviewStatus.published,
            Review.last_contact_on >= starts[0],
        )
    ).all()
    by_quarter: dict[date, list[ReviewFacts]] = {start: [] for start in starts}
    for row in rows:
        by_quarter.setdefault(_quarter_start(row.last_contact_on), []).append(
            facts_from_review(row, today)
        )
    mu = inputs.mu_for(employer.industry.value if employer.industry else None)
    prior = side.Prior.of(inputs.baselines.get("priors", {}).get("hear_back"))
    return [_quarter(start, by_quarter[start], inputs, mu, prior, today) for start in starts]


def _quarter(
    start: date,
    facts: list[ReviewFacts],
    inputs: Inputs,
    mu: float,
    prior: side.Prior,
    today: date,
) -> Quarter:
    label = _quarter_label(start)
    if len({item.author_key for item in facts}) < side.MIN_CELL_AUTHORS:
        return Quarter(label, False, len(facts))
    valued = [
        (value, 1.0)
        for item in facts
        if (value := engine.review_value(item, today, km_curve=inputs.curve)) is not None
    ]
    score = None
    if valued:
        score = engine.shrunk_score(valued, mu, inputs.m)[0]
    answers = side.answers([(item, 1.0) for item in facts], side.heard_back, today)
    hear_back = side.share(answers, prior)
    return Quarter(
        label,
        True,
        len(facts),
        score=None if score is None else math.floor(score + 0.5),
        # The plain share beside its counts (DESIGN.md §6: figures never contradict counts).
        hear_back=percent(hear_back["raw"]) if hear_back["count"] >= side.MIN_COUNT_SHOWN else None,
        hear_back_yes=hear_back["yes"],
        hear_back_count=hear_back["count"],
    )


def awaiting_response(employer: Employer, page: int, now: datetime) -> tuple[Pagination, list]:
    """Published reviews without a response, newest first, as public cards (three queries)."""
    # Imported here: reviews.display pulls in the responses package, whose views import this
    # module (a cycle at load time).
    from reviews.display import public_view

    statement = (
        select(Review)
        .where(
            Review.employer_id == employer.id,
            Review.status == ReviewStatus.published,
            ~Review.response.has(),
        )
        # None for each, but loaded: the public card reads it (reviews.display.public_response).
        .options(joinedload(Review.response))
        .order_by(Review.published_at.desc(), Review.id.desc())
    )
    pagination = db.paginate(
        statement, page=page, per_page=AWAITING_PAGE_SIZE, error_out=False, count=True
    )
    reviews = list(pagination.items)
    asked = set(
        db.session.scalars(
            select(ContactReport.review_id).where(
                ContactReport.review_id.in_([review.id for review in reviews]),
                _blocks_new_report(now),
            )
        )
    )
    items = [
        Awaiting(
            public_id=review.public_id,
            card=public_view(values_of(review), employer, review=review),
            contactable=review.outcome in CONTACTABLE,
            asked=review.id in asked,
        )
        for review in reviews
    ]
    return pagination, items


def dashboard(representative: Representative, page: int, now: datetime) -> Dashboard:
    """Everything the dashboard shows for one employer, in a fixed number of queries."""
    employer = representative.employer
    verdict = headline(employer.stats)
    inputs = current_inputs()
    pagination, items = awaiting_response(employer, page, now)
    return Dashboard(
        employer=employer,
        representative=representative,
        verdict=verdict,
        profile=build_profile(employer, verdict, inputs),
        trend=quarterly_trend(employer, inputs, now.date()),
        awaiting=pagination,
        items=items,
        commitment=commitment_measure(employer.id),
    )


# --- new-review notifications (the setting; representatives/notifications.py sends) -------------


def set_notify(representative: Representative, notify: Notify, now: datetime) -> None:
    """Change how a representative hears about new reviews.

    Turning emails back on starts from now: reviews published while they were off are on the
    dashboard, and a flood of old news would help nobody.
    """
    if representative.notify is Notify.off and notify is not Notify.off:
        representative.notified_until = now
    representative.notify = notify


# --- closing the loop: "we have now contacted this candidate" ------------------------------------


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


class ContactAnswer(enum.Enum):
    """What the author's answer did."""

    confirmed = "confirmed"
    denied = "denied"
    already = "already"  # answered a moment ago (another tab): nothing changed
    changed = "changed"  # the review changed meanwhile: the report is withdrawn
    none = "none"  # no open report for this review


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


def _blocks_new_report(now: datetime):
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
        select(ContactReport.id).where(
            ContactReport.review_id == review.id, _blocks_new_report(now)
        )
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


def _claim_pending(
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


def _pending_exists(review: Review) -> bool:
    return (
        db.session.scalar(
            select(ContactReport.id).where(
                ContactReport.review_id == review.id,
                ContactReport.status == ContactStatus.pending,
            )
        )
        is not None
    )


def answer_contact(
    review: Review, author: User, outcome: Outcome | None, now: datetime
) -> ContactAnswer:
    """The author's answer to a pending contact report: `outcome` the decision they received, or
    None for "they didn't contact me". The caller checks that `author` wrote the review, and
    commits.

    Confirming updates the review through reviews.services.update, so a revision is kept and the
    statistics row is refreshed in the same transaction: the outcome, the days from the last
    contact to today as the decision days, feedback that fits the outcome, and the month the
    employer followed up. The last contact date stays what the author gave.
    """
    if not _pending_exists(review):
        return ContactAnswer.none
    if not is_contactable(review):
        _claim_pending(review, ContactStatus.withdrawn, now, shown_at=now)
        return ContactAnswer.changed
    if outcome is None:
        # Shown at a random moment in the publication window, not at the author's click.
        shown_at = review_services.publish_time(author, now)
        denied = _claim_pending(review, ContactStatus.denied, now, shown_at=shown_at)
        return ContactAnswer.denied if denied else ContactAnswer.already
    if outcome not in contact_outcomes(review.stage):
        raise ValueError(f"{outcome} is not a possible answer at stage {review.stage}")
    if not _claim_pending(review, ContactStatus.confirmed, now):
        return ContactAnswer.already
    days = min(max((now.date() - review.last_contact_on).days, 0), MAX_DECISION_DAYS)
    values = {"outcome": outcome, "decision_days": days, "feedback": _feedback_for(review, outcome)}
    # A pending change of the review (DESIGN.md §5.8): public, and shown to the employer, at a
    # random moment later.
    review_services.update(review, author, Prepared(values), followed_up=True)
    return ContactAnswer.confirmed


# CHECK decision_days_range in reviews/models.py.
MAX_DECISION_DAYS = 3650


def _feedback_for(review: Review, outcome: Outcome) -> Feedback | None:
    """Feedback consistent with the new outcome (CHECK feedback_fits_outcome): a no with a reason
    is specific feedback; a template no keeps "none" (the only value a waiting or ghosted review
    can have); an offer keeps what was there."""
    if outcome is Outcome.rejected_with_feedback:
        return Feedback.specific
    return review.feedback


def withdraw_stale_reports(review: Review, now: datetime) -> bool:
    """Withdraw pending reports on a review that is no longer an open case (it was decided,
    hidden or withdrawn meanwhile). For callers that change a review: the author's update."""
    if is_contactable(review):
        return 0
    return _claim_pending(review, ContactStatus.withdrawn, now, shown_at=now)


# --- response commitment ------------------------------------------------------------------------

COMMITMENT_MIN_DAYS = 1
COMMITMENT_MAX_DAYS = 90  # CHECK days_range in representatives/models.py


@dataclass(frozen=True)
class CommitmentMeasure:
    """A live commitment beside what reviews since its month measured (DESIGN.md §7).

    `measured` is False below MIN_CELL_AUTHORS distinct reviewers (DESIGN.md §5.3): the counts
    are then not shown, only "too few reports since <month>".
    """

    days: int
    since: str  # "March 2026"
    measured: bool
    within: int = 0  # a decision within `days` of the last contact
    later: int = 0  # a decision, later than that
    silent: int = 0  # ghosted, or presumed ghosted
    kept_percent: int | None = None

    @property
    def total(self) -> int:
        return self.within + self.later + self.silent


def live_commitment(employer_id: int) -> ResponseCommitment | None:
    return db.session.scalar(
        select(ResponseCommitment).where(
            ResponseCommitment.employer_id == employer_id,
            ResponseCommitment.withdrawn_at.is_(None),
        )
    )


def _touch_employer_page(employer_id: int, now: datetime) -> None:
    """The employer page's HTTP validators derive from the statistics row's updated_at
    (employers.routes._validate_employer): move it, so the page shows the change."""
    db.session.execute(
        update(EmployerStats)
        .where(EmployerStats.employer_id == employer_id)
        .values(updated_at=now)
        .execution_options(synchronize_session=False)
    )


def publish_commitment(
    representative: Representative, days: int, now: datetime
) -> ResponseCommitment:
    """Publish "we answer every interviewed candidate within `days` days", withdrawing the
    employer's previous commitment (one live commitment per employer: the database says so)."""
    if not COMMITMENT_MIN_DAYS <= days <= COMMITMENT_MAX_DAYS:
        raise ValueError(f"days must be {COMMITMENT_MIN_DAYS}-{COMMITMENT_MAX_DAYS}, got {days}")
    withdraw_commitment(representative.employer_id, now)
    commitment = ResponseCommitment(
        employer_id=representative.employer_id,
        days=days,
        published_at=now,
        representative_id=representative.id,
    )
    db.session.add(commitment)
    db.session.flush()
    return commitment


def withdraw_commitment(employer_id: int, now: datetime) -> bool:
    """Withdraw the employer's live commitment, if any."""
    result = db.session.execute(
        update(ResponseCommitment)
        .where(
            ResponseCommitment.employer_id == employer_id,
            ResponseCommitment.withdrawn_at.is_(None),
        )
        .values(withdrawn_at=now)
        .execution_options(synchronize_session=False)
    )
    _touch_employer_page(employer_id, now)
    return result.rowcount > 0


def commitment_measure(employer_id: int) -> CommitmentMeasure | None:
    """The employer's live commitment and its measure (two queries, whatever the reviews).

    Measured on published reviews at the interview stage or later whose process began in the
    commitment's month or later: a decision within N days of the last contact keeps it; a later
    decision, or silence (ghosted, or presumed ghosted by the daily tick), breaks it. Open cases
    not yet presumed ghosted and withdrawals aren't measured.
    """
    commitment = live_commitment(employer_id)
    if commitment is None:
        return None
    decided = Review.outcome.in_(DECISIONS)
    silent = or_(
        Review.outcome == Outcome.ghosted,
        and_(Review.outcome == Outcome.waiting, Review.presumed_ghosted_at.is_not(None)),
    )
    within = and_(decided, Review.decision_days <= commitment.days)
    later = and_(decided, Review.decision_days > commitment.days)

    def count(condition):
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    row = db.session.execute(
        select(
            count(within),
            count(later),
            count(silent),
            # A de-linked review (its account deleted) counts as a reviewer of its own.
            func.count(distinct(Review.author_id)) + count(Review.author_id.is_(None)),
        ).where(
            Review.employer_id == employer_id,
            Review.status == ReviewStatus.published,
            Review.stage.in_(INTERVIEWED),
            Review.process_month >= month_start(commitment.published_at.date()),
            or_(decided, silent),
        )
    ).one()
    within_count, later_count, silent_count, reviewers = (int(value or 0) for value in row)
    since = month_label(commitment.published_at)
    if reviewers < side.MIN_CELL_AUTHORS:
        return CommitmentMeasure(commitment.days, since, measured=False)
    total = within_count + later_count + silent_count
    return CommitmentMeasure(
        commitment.days,
        since,
        measured=True,
        within=within_count,
        later=later_count,
        silent=silent_count,
        kept_percent=math.floor(100 * within_count / total + 0.5) if total else None,
    )
