"""Keeping the per-employer statistics rows (DESIGN.md §6, "Storage").

- `refresh_employer` recomputes one employer's row from its published reviews: called in the same
  transaction as any change to one of them (publication, an update, a deletion), at a cost
  proportional to that employer's reviews.
- `refresh_site_parameters` recomputes μ, M, the pooled variance, F and ū_decided from every
  published review: the daily `tick` does it, since ageing changes them.
- `recompute` rebuilds the site parameters and every row from scratch; both paths go through
  `employer_figures`, so recompute reproduces what the incremental updates stored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from itertools import groupby

from sqlalchemy import select

from employers.models import Employer, EmployerStats
from extensions import db
from reviews.models import DECISIONS, Outcome, Review, ReviewStatus
from reviews.services import is_presumed_ghosted
from scoring import engine, params
from scoring.models import SiteParameters
from timeutils import today as today_utc

# Before there is anything to pool: a neutral prior (DESIGN.md §6 needs μ and a variance).
DEFAULT_MU = 0.5
DEFAULT_WITHIN_VARIANCE = 0.09  # an SD of 0.3 on the 0-1 scale of u


@dataclass(frozen=True)
class Inputs:
    """The site-wide inputs as the engine takes them."""

    mu: float
    m: float
    within_variance: float
    curve: engine.KMCurve
    mean_decided_value: float

    @classmethod
    def from_row(cls, row: SiteParameters | None) -> Inputs:
        if row is None:
            return cls(DEFAULT_MU, params.M_FLOOR, DEFAULT_WITHIN_VARIANCE, engine.KMCurve(), 0.0)
        curve = engine.KMCurve(
            tuple(row.km_times),
            tuple(row.km_cumulative),
            row.km_observations,
            row.km_events,
        )
        return cls(row.mu, row.m, row.within_variance, curve, row.mean_decided_value)


def current_inputs() -> Inputs:
    return Inputs.from_row(db.session.get(SiteParameters, 1))


def facts_from_review(review: Review, today: date) -> engine.ReviewFacts:
    return engine.ReviewFacts(
        stage=review.stage,
        outcome=review.outcome,
        decision_days=review.decision_days,
        promised_days=review.promised_days,
        followups_sent=review.followups_sent,
        followups_answered=review.followups_answered,
        feedback=review.feedback,
        last_contact_on=review.last_contact_on,
        presumed_ghosted=is_presumed_ghosted(review, today),
        held=False,  # the burst cap (DESIGN.md §8) arrives with moderation
        # A de-linked review (its account deleted) counts as an author of its own.
        author_key=review.author_id if review.author_id is not None else f"review-{review.id}",
    )


def _published(statement):
    return statement.where(Review.status == ReviewStatus.published)


def employer_figures(facts: list[engine.ReviewFacts], inputs: Inputs, today: date) -> dict:
    """Everything the statistics row holds, from one employer's published reviews."""
    pairs = []
    for item in facts:
        value = engine.review_value(
            item, today, km_curve=inputs.curve, mean_decided_value=inputs.mean_decided_value
        )
        weight = engine.weight(item, today)
        if value is not None and weight > 0:
            pairs.append((value, weight))
    n = sum(weight for _, weight in pairs)
    score = sd = None
    if n > 0:
        score, sd = engine.shrunk_score(pairs, inputs.mu, inputs.m, inputs.within_variance)
    ghosted = sum(
        1
        for item in facts
        if item.outcome is Outcome.ghosted
        or (item.outcome is Outcome.waiting and item.presumed_ghosted)
    )
    return {
        "review_count": len(facts),
        "author_count": len({item.author_key for item in facts}),
        "ghosted_count": ghosted,
        "waiting_count": sum(
            1 for item in facts if item.outcome is Outcome.waiting and not item.presumed_ghosted
        ),
        "decided_count": sum(1 for item in facts if item.outcome in DECISIONS),
        "weight_sum": n,
        "score": score,
        "score_sd": sd,
        "figures": {
            # Reviews that count (value and weight > 0). DESIGN.md §5.3 shows a score from 3
            # reviews by 3 accounts, so the display threshold uses this count, not Σw (three
            # recent reviews weigh 2.97, not 3).
            "scored_reviews": len(pairs),
            "scored_authors": engine.distinct_authors(facts, today),
            "spread_days": engine.spread_days(facts, today),
            "computed_on": today.isoformat(),
        },
    }


def _store(employer_id: int, figures: dict) -> None:
    stats = db.session.get(EmployerStats, employer_id)
    if stats is None:
        stats = EmployerStats(employer_id=employer_id)
        db.session.add(stats)
    for name, value in figures.items():
        setattr(stats, name, value)


def refresh_employer(employer_id: int, today: date | None = None) -> None:
    """Recompute one employer's statistics row (the caller commits, with the review change)."""
    today = today or today_utc()
    db.session.flush()
    reviews = db.session.scalars(
        _published(select(Review).where(Review.employer_id == employer_id))
    )
    facts = [facts_from_review(review, today) for review in reviews]
    _store(employer_id, employer_figures(facts, current_inputs(), today))


def refresh_employers(employer_ids: Iterable[int], today: date | None = None) -> None:
    for employer_id in sorted(set(employer_ids)):
        refresh_employer(employer_id, today)


# --- site-wide --------------------------------------------------------------------------------


def _facts_by_employer(today: date) -> Iterator[tuple[int, list[engine.ReviewFacts]]]:
    """Every published review's facts, grouped by employer, streamed in one query."""
    reviews = db.session.scalars(
        _published(select(Review))
        .order_by(Review.employer_id, Review.id)
        .execution_options(yield_per=5000)
    )
    for employer_id, group in groupby(reviews, key=lambda review: review.employer_id):
        yield employer_id, [facts_from_review(review, today) for review in group]


def refresh_site_parameters(today: date | None = None) -> Inputs:
    """μ, M, the within variance, F and ū_decided from every published review (DESIGN.md §6)."""
    today = today or today_utc()
    grouped = list(_facts_by_employer(today))
    everything = [item for _, facts in grouped for item in facts]
    curve, mean_decided = engine.pooled_inputs(everything, today)
    per_employer = []
    total_weight = weighted_sum = 0.0
    for _, facts in grouped:
        values, weights = [], []
        for item in facts:
            value = engine.review_value(
                item, today, km_curve=curve, mean_decided_value=mean_decided
            )
            weight = engine.weight(item, today)
            if value is not None and weight > 0:
                values.append(value)
                weights.append(weight)
                total_weight += weight
                weighted_sum += weight * value
        per_employer.append((values, weights))
    row = db.session.get(SiteParameters, 1) or SiteParameters(id=1)
    row.mu = weighted_sum / total_weight if total_weight else DEFAULT_MU
    row.m = engine.method_of_moments_M(per_employer)
    row.within_variance = engine.pooled_within_variance(per_employer) or DEFAULT_WITHIN_VARIANCE
    row.mean_decided_value = mean_decided
    row.km_times = list(curve.times)
    row.km_cumulative = list(curve.cumulative)
    row.km_observations = curve.observations
    row.km_events = curve.events
    row.review_count = len(everything)
    row.computed_on = today
    db.session.add(row)
    db.session.flush()
    return Inputs.from_row(row)


def recompute(
    today: date | None = None,
    *,
    refresh_parameters: bool = True,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Rebuild every employer's row from scratch; returns how many rows were written."""
    today = today or today_utc()
    inputs = refresh_site_parameters(today) if refresh_parameters else current_inputs()
    seen = set()
    for employer_id, facts in _facts_by_employer(today):
        _store(employer_id, employer_figures(facts, inputs, today))
        seen.add(employer_id)
        if progress:
            progress(1)
    # Employers with no published review get an empty row (their reviews may have been removed).
    for employer_id in db.session.scalars(select(Employer.id)):
        if employer_id not in seen:
            _store(employer_id, employer_figures([], inputs, today))
            if progress:
                progress(1)
    db.session.flush()
    return len(seen)


def needs_daily_refresh(today: date | None = None) -> bool:
    row = db.session.get(SiteParameters, 1)
    return row is None or row.computed_on < (today or today_utc())
