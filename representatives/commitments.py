"""A response commitment, "we answer every interviewed candidate within N days" (DESIGN.md §7),
its measure from the reviews written since, and the history of an employer's commitments.
Callers commit.

Replacing a commitment can't restart its measure out of sight (issue 17). The rule, simple and
public:
- every commitment keeps its own record: the reviews of processes that began from its month up to
  the month it ended are measured against its promise, and the employer page lists each ended
  commitment with that record beside the live one;
- a new commitment within REPLACE_AFTER_DAYS of the previous one's publication (live or
  withdrawn) must be stricter (fewer days): otherwise a bad record could be split into windows
  too short to reach the small-count threshold, and so never be shown.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

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
# A commitment may be replaced by one as long or longer (or re-published after a withdrawal)
# only this long after the previous one was published; a stricter one, at any time.
REPLACE_AFTER_DAYS = 30
# The ended commitments the employer page lists, newest first (at the replacement rule's pace,
# more than eight years of them).
HISTORY_MAX = 100


class CommitmentRefused(ValueError):
    """A commitment that can't be published now; the message says why and when it can."""


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
    # For an ended commitment (the history): the month it ended, the promise that replaced it
    # (None: withdrawn), and whether it was in force for no whole month (nothing to measure).
    until: str | None = None
    replaced_by: int | None = None
    too_short: bool = False

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
    refusal = replacement_refusal(representative.employer_id, days, now)
    if refusal is not None:
        raise CommitmentRefused(refusal)
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


def replacement_refusal(employer_id: int, days: int, now: datetime) -> str | None:
    """Why a commitment of `days` can't be published now (see the module's rule), or None."""
    previous = db.session.scalar(
        select(ResponseCommitment)
        .where(ResponseCommitment.employer_id == employer_id)
        .order_by(ResponseCommitment.published_at.desc(), ResponseCommitment.id.desc())
        .limit(1)
    )
    if previous is None or days < previous.days:
        return None
    allowed_from = previous.published_at + timedelta(days=REPLACE_AFTER_DAYS)
    if now >= allowed_from:
        return None
    return (
        f"Your last commitment ({previous.days} days) was published less than "
        f"{REPLACE_AFTER_DAYS} days ago. Until {allowed_from:%-d %B %Y} a new one must be "
        f"stricter: fewer than {previous.days} days. (Each commitment keeps its own public "
        "record, so replacing one doesn't erase how it was kept.)"
    )


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


@dataclass(frozen=True)
class CommitmentHistory:
    live: CommitmentMeasure | None
    past: list[CommitmentMeasure]  # ended commitments, newest first


def commitment_measure(employer_id: int) -> CommitmentMeasure | None:
    """The employer's live commitment and its measure (two queries, whatever the reviews)."""
    return commitment_history(employer_id, past=False).live


def commitment_history(employer_id: int, *, past: bool = True) -> CommitmentHistory:
    """The live commitment and the ended ones, each with its measure (two queries whatever the
    reviews and commitments; one when there is none).

    Each is measured on published reviews at the interview stage or later whose process began
    from its month up to (not including) the month it ended: a decision within N days of the
    last contact keeps it; a later decision, or silence (ghosted, or presumed ghosted by the daily
    tick), breaks it. Open cases not yet presumed ghosted and withdrawals aren't measured. The
    counts are shown from MIN_CELL_AUTHORS distinct reviewers (DESIGN.md §5.3).
    """
    query = select(ResponseCommitment).where(ResponseCommitment.employer_id == employer_id)
    if not past:
        query = query.where(ResponseCommitment.withdrawn_at.is_(None))
    rows = list(
        db.session.scalars(
            query.order_by(
                ResponseCommitment.published_at.desc(), ResponseCommitment.id.desc()
            ).limit(HISTORY_MAX + 1)
        )
    )
    if not rows:
        return CommitmentHistory(None, [])
    counts = _measure_all(employer_id, rows)
    measures = []
    for index, (commitment, row) in enumerate(zip(rows, counts, strict=True)):
        newer = rows[index - 1] if index else None
        replaced = (
            newer is not None
            and commitment.withdrawn_at is not None
            and newer.published_at == commitment.withdrawn_at
        )
        measures.append(_measure(commitment, row, newer.days if replaced else None))
    live = measures[0] if rows[0].withdrawn_at is None else None
    ended = [item for item in measures if item.until is not None][:HISTORY_MAX]
    return CommitmentHistory(live, ended)


def _window(commitment: ResponseCommitment):
    start = month_start(commitment.published_at.date())
    end = month_start(commitment.withdrawn_at.date()) if commitment.withdrawn_at else None
    return start, end


def _measure_all(employer_id: int, commitments: list[ResponseCommitment]) -> list[tuple]:
    """(within, later, silent, reviewers) for each commitment, in one query."""
    decided = Review.outcome.in_(DECISIONS)
    silent = or_(
        Review.outcome == Outcome.ghosted,
        and_(Review.outcome == Outcome.waiting, Review.presumed_ghosted_at.is_not(None)),
    )

    def count(condition):
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    columns = []
    starts = []
    for commitment in commitments:
        start, end = _window(commitment)
        starts.append(start)
        window = Review.process_month >= start
        if end is not None:
            window = and_(window, Review.process_month < end)
        columns += [
            count(and_(window, decided, Review.decision_days <= commitment.days)),
            count(and_(window, decided, Review.decision_days > commitment.days)),
            count(and_(window, silent)),
            # A de-linked review (its account deleted) counts as a reviewer of its own.
            func.count(distinct(case((window, Review.author_id), else_=None)))
            + count(and_(window, Review.author_id.is_(None))),
        ]
    row = db.session.execute(
        select(*columns).where(
            Review.employer_id == employer_id,
            Review.status == ReviewStatus.published,
            Review.stage.in_(INTERVIEWED),
            Review.process_month >= min(starts),
            or_(decided, silent),
        )
    ).one()
    values = [int(value or 0) for value in row]
    return [tuple(values[i : i + 4]) for i in range(0, len(values), 4)]


def _measure(commitment: ResponseCommitment, row: tuple, replaced_by: int | None):
    within_count, later_count, silent_count, reviewers = row
    start, end = _window(commitment)
    ended = {
        "until": month_label(commitment.withdrawn_at) if commitment.withdrawn_at else None,
        "replaced_by": replaced_by,
        "too_short": end is not None and end <= start,
    }
    since = month_label(commitment.published_at)
    if reviewers < side.MIN_CELL_AUTHORS:
        return CommitmentMeasure(commitment.days, since, measured=False, **ended)
    total = within_count + later_count + silent_count
    return CommitmentMeasure(
        commitment.days,
        since,
        measured=True,
        within=within_count,
        later=later_count,
        silent=silent_count,
        kept_percent=math.floor(100 * within_count / total + 0.5) if total else None,
        **ended,
    )
