"""A response commitment, "we answer every interviewed candidate within N days" (DESIGN.md §7),
and its measure from the reviews written since. Callers commit."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, distinct, func, or_, select, update

from employers.freshness import touch_pages
from extensions import db
from representatives.models import Representative, ResponseCommitment
from reviews.models import DECISIONS, Outcome, Review, ReviewStatus, Stage
from scoring import figures as side
from timeutils import month_label, month_start

# The stages a response commitment ("every interviewed candidate") is measured on.
INTERVIEWED = frozenset(stage for stage in Stage if stage.rank >= Stage.interview.rank)


COMMITMENT_MIN_DAYS = 1
COMMITMENT_MAX_DAYS = 90  # CHECK days_range in representatives/models.py


@dataclass(frozen=True)
class CommitmentMeasure:
    """A live commitment beside what the reviews since its month measured (DESIGN.md §7).

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
    touch_pages(employer_id, now)
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
