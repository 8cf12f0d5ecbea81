"""The responsiveness score (DESIGN.md §6) as plain functions of plain values.

Nothing here reads the database, the clock or Flask: callers pass `today` and the facts of each
review, so the daily tick, the per-employer update and `recompute` all get the same numbers from the
same inputs. The parameters live in scoring/params.py.

Choices where DESIGN.md leaves room (also in the docstrings below):
- Kaplan-Meier time origin is the last contact, like `decision_days`. A decision is an event at
  `decision_days`; a waiting or ghosted review is censored at the days of silence up to `today` (the
  most we know: no decision in that long), not at GHOSTED_AFTER_DAYS. `withdrew` is left out.
- The pooled inputs (F and ū_decided) use the reviews that are scored (weight > 0), unweighted.
- SD uses the employer's own weighted within variance unless the caller passes one (it must when
  n = 0); see `shrunk_score`.
- M̂ is a moment estimator with reliability weights; see `method_of_moments_M`.
- The verdict band is taken from the score as displayed (rounded), so "75" is never "Mixed".
"""

from __future__ import annotations

import enum
import math
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from reviews.models import DECISIONS, Feedback, Outcome, Stage
from scoring import params

# Floating error allowed when comparing a KM probability with a quantile's p.
_QUANTILE_TOLERANCE = 1e-9


@dataclass(frozen=True)
class ReviewFacts:
    """What the score needs to know about one review (DESIGN.md §4 fields, plus derived flags)."""

    stage: Stage
    outcome: Outcome
    decision_days: int | None
    promised_days: int | None
    followups_sent: int | None
    followups_answered: int | None
    feedback: Feedback | None
    last_contact_on: date
    presumed_ghosted: bool  # reviews.services.is_presumed_ghosted(review, today)
    held: bool  # held by the burst cap (§8): r = 0
    author_key: int | str  # for distinct-author counts; never shown
    # The decision came from confirming an employer's contact report: its decision_days are
    # the confirmation day minus the last contact, so no public day figure may show them (§5.8).
    contact_confirmed: bool = False
    # The decision came only after the candidate chased the employer (issue 13).
    chased: bool = False


# --- Kaplan-Meier ------------------------------------------------------------------------------


@dataclass(frozen=True)
class KMCurve:
    """F(t) = P(decision by day t), a right-continuous step function (1 - the KM survival curve).

    `times` are the distinct event days in increasing order, `cumulative[i]` is F at `times[i]`;
    F is 0 before the first event.
    """

    times: tuple[int, ...] = ()
    cumulative: tuple[float, ...] = ()
    observations: int = 0
    events: int = 0

    def F(self, t: float) -> float:
        i = bisect_right(self.times, t)
        return self.cumulative[i - 1] if i else 0.0

    def quantile(self, p: float) -> int | None:
        """The first day by which a share p of cases have a decision; None if never reached."""
        if not 0 < p <= 1:
            raise ValueError(f"p must be in (0, 1], got {p}")
        for t, f in zip(self.times, self.cumulative, strict=True):
            if f >= p - _QUANTILE_TOLERANCE:
                return t
        return None

    def median(self) -> int | None:
        return self.quantile(0.5)


def kaplan_meier(observations: Iterable[tuple[int, bool]]) -> KMCurve:
    """The Kaplan-Meier estimate from (days, event) pairs; event False means censored at `days`.

    Ties follow the usual convention: a case censored on day t was still at risk on day t, so the
    events of day t are counted before the censorings of day t.
    """
    events_at: dict[int, int] = {}
    leaving_at: dict[int, int] = {}  # events and censorings
    count = 0
    for days, event in observations:
        if days < 0:
            raise ValueError(f"negative time {days}")
        count += 1
        leaving_at[days] = leaving_at.get(days, 0) + 1
        if event:
            events_at[days] = events_at.get(days, 0) + 1

    at_risk = count
    survival = 1.0
    times: list[int] = []
    cumulative: list[float] = []
    for t in sorted(leaving_at):
        deaths = events_at.get(t, 0)
        if deaths:
            survival *= 1 - deaths / at_risk
            times.append(t)
            cumulative.append(1 - survival)
        at_risk -= leaving_at[t]
    return KMCurve(tuple(times), tuple(cumulative), count, sum(events_at.values()))


def km_observation(facts: ReviewFacts, today: date) -> tuple[int, bool] | None:
    """A review's contribution to F: decided → event at decision_days; waiting or ghosted →
    censored at the days of silence since last contact; withdrew → none."""
    if facts.outcome in DECISIONS:
        return _decision_days(facts), True
    if facts.outcome in (Outcome.waiting, Outcome.ghosted):
        return _days_since_contact(facts, today), False
    return None


# --- Per-review value u ------------------------------------------------------------------------


def ghosted_value(stage: Stage) -> float:
    return params.GHOSTED_VALUE.get(stage, params.GHOSTED_VALUE_LATER)


def timeliness(decision_days: int, promised_days: int | None) -> float:
    if promised_days is not None:
        return params.T_PROMISE_KEPT if decision_days <= promised_days else params.T_PROMISE_MISSED
    for within, t in params.T_BY_DAYS:
        if decision_days <= within:
            return t
    return params.T_LATE


def decision_value(facts: ReviewFacts) -> float:
    t = timeliness(_decision_days(facts), facts.promised_days)
    q = params.Q_BY_OUTCOME[facts.outcome]
    u = params.DECISION_BASE + params.T_WEIGHT * t + params.Q_WEIGHT * q
    # "Follow-ups sent and none answered"; an unknown answered count gets the benefit of the doubt.
    if facts.followups_sent and facts.followups_answered == 0:
        u -= params.UNANSWERED_FOLLOWUPS_PENALTY
    return _clamp(u)


def hear_back_chance(km_curve: KMCurve, silent_days: int) -> float:
    """q = (F(30) - F(c)) / (1 - F(c)): the chance of a decision by day 30 given none by day c."""
    horizon = params.HEAR_BACK_HORIZON_DAYS
    if silent_days >= horizon:
        return 0.0
    f_c = km_curve.F(silent_days)
    if 1 - f_c <= 0:
        return 0.0
    return _clamp((km_curve.F(horizon) - f_c) / (1 - f_c))


def review_value(
    facts: ReviewFacts, today: date, *, km_curve: KMCurve, mean_decided_value: float
) -> float | None:
    """u ∈ [0, 1] (DESIGN.md §6), or None for a review that is not scored (withdrew)."""
    outcome = facts.outcome
    if outcome is Outcome.withdrew:
        return None
    if outcome in DECISIONS:
        return decision_value(facts)
    if outcome is Outcome.ghosted or (outcome is Outcome.waiting and facts.presumed_ghosted):
        return ghosted_value(facts.stage)
    if outcome is Outcome.waiting:
        q = hear_back_chance(km_curve, _days_since_contact(facts, today))
        return _clamp(q * mean_decided_value + (1 - q) * ghosted_value(facts.stage))
    raise ValueError(f"unknown outcome {outcome!r}")


def pooled_inputs(facts_list: Iterable[ReviewFacts], today: date) -> tuple[KMCurve, float]:
    """F and ū_decided pooled over the scored reviews (weight > 0), each review counted once.

    With no decided review ū_decided is 0.0; it is then never used, since F ≡ 0 makes q = 0.
    """
    scored = [facts for facts in facts_list if weight(facts, today) > 0]
    observations = [obs for facts in scored if (obs := km_observation(facts, today)) is not None]
    decided = [decision_value(facts) for facts in scored if facts.outcome in DECISIONS]
    mean_decided = sum(decided) / len(decided) if decided else 0.0
    return kaplan_meier(observations), mean_decided


# --- Weights -----------------------------------------------------------------------------------


def weight(facts: ReviewFacts, today: date) -> float:
    """w = r · 2^(-age/730), age in days since last contact; 0 past four years or while held."""
    if facts.held:
        return 0.0
    age = _days_since_contact(facts, today)
    if age > params.MAX_AGE_DAYS:
        return 0.0
    return 2.0 ** (-age / params.HALF_LIFE_DAYS)


def distinct_authors(facts_list: Iterable[ReviewFacts], today: date) -> int:
    """Distinct accounts among the reviews that count (weight > 0)."""
    return len({facts.author_key for facts in facts_list if weight(facts, today) > 0})


def spread_days(facts_list: Iterable[ReviewFacts], today: date) -> int:
    """Days between the earliest and latest last contact among the reviews that count."""
    dates = [facts.last_contact_on for facts in facts_list if weight(facts, today) > 0]
    return (max(dates) - min(dates)).days if dates else 0


# --- Per employer ------------------------------------------------------------------------------


def shrunk_score(
    values_weights: Iterable[tuple[float, float]],
    mu: float,
    M: float,
    within_variance: float | None = None,
) -> tuple[float, float]:
    """(S, SD) on the 0-100 scale: S = 100·(n·ȳ + M·μ)/(n + M), SD = 100·√(σ²/(n + M)).

    σ² (`within_variance`) defaults to the employer's own weighted variance of u around ȳ,
    Σw·(u - ȳ)² / n. That is 0 for one review or identical ones, so callers that want an honest
    ± for small employers should pass the pooled within variance (`pooled_within_variance`),
    and must pass one when n = 0 (then S = 100·μ).
    """
    pairs = [(u, w) for u, w in values_weights if w > 0]
    if any(not 0 <= u <= 1 for u, _ in pairs) or not 0 <= mu <= 1:
        raise ValueError("values and mu must lie in [0, 1]")
    if M <= 0:
        raise ValueError(f"M must be positive, got {M}")
    n = sum(w for _, w in pairs)
    if n > 0:
        mean = sum(w * u for u, w in pairs) / n
        if within_variance is None:
            within_variance = sum(w * (u - mean) ** 2 for u, w in pairs) / n
    else:
        mean = 0.0
        if within_variance is None:
            raise ValueError("an employer with no weight needs the pooled within variance")
    score = 100 * (n * mean + M * mu) / (n + M)
    sd = 100 * math.sqrt(within_variance / (n + M))
    return min(max(score, 0.0), 100.0), sd


@dataclass(frozen=True)
class _EmployerMoments:
    mean: float
    sum_squares: float  # Σw·(u - ȳ)²
    degrees: float  # V1 - V2/V1: n - 1 when every weight is 1
    mean_variance_factor: float  # V2/V1², so Var(ȳ) = σ²·V2/V1²


def _moments(values: Sequence[float], weights: Sequence[float]) -> _EmployerMoments | None:
    pairs = [(u, w) for u, w in zip(values, weights, strict=True) if w > 0]
    v1 = sum(w for _, w in pairs)
    if v1 <= 0:
        return None
    v2 = sum(w * w for _, w in pairs)
    mean = sum(w * u for u, w in pairs) / v1
    sum_squares = sum(w * (u - mean) ** 2 for u, w in pairs)
    return _EmployerMoments(mean, sum_squares, v1 - v2 / v1, v2 / v1**2)


def pooled_within_variance(
    per_employer: Iterable[tuple[Sequence[float], Sequence[float]]],
) -> float | None:
    """σ²_within = Σ_j Σ_i w(u - ȳ_j)² / Σ_j (V1_j - V2_j/V1_j), the unbiased estimate with
    reliability weights (Σ(u - ȳ)²/(k - 1) when the weights are 1). None if no employer has two
    reviews with weight."""
    moments = [m for values, weights in per_employer if (m := _moments(values, weights))]
    degrees = sum(m.degrees for m in moments)
    if degrees <= 1e-12:
        return None
    return sum(m.sum_squares for m in moments) / degrees


def method_of_moments_M(
    per_employer: Iterable[tuple[Sequence[float], Sequence[float]]],
) -> float:
    """M = max(M̂, 10), M̂ = σ²_within / τ²_between, from (values, weights) per employer.

    τ²_between = (sample variance of the employer means ȳ_j, divisor J - 1) - (mean over employers
    of σ²_within·V2_j/V1_j², the sampling variance of ȳ_j), floored at BETWEEN_VARIANCE_FLOOR: when
    the means vary no more than noise explains, M̂ is very large and scores shrink almost fully to μ.
    With fewer than two employers, or no employer with two weighted reviews, there is nothing to
    estimate and M is the floor.
    """
    per_employer = list(per_employer)
    moments = [m for values, weights in per_employer if (m := _moments(values, weights))]
    within = pooled_within_variance(per_employer)
    if within is None or len(moments) < 2:
        return params.M_FLOOR
    grand = sum(m.mean for m in moments) / len(moments)
    spread = sum((m.mean - grand) ** 2 for m in moments) / (len(moments) - 1)
    noise = within * sum(m.mean_variance_factor for m in moments) / len(moments)
    between = max(spread - noise, params.BETWEEN_VARIANCE_FLOOR)
    return max(within / between, params.M_FLOOR)


# --- What is shown -----------------------------------------------------------------------------


class Band(enum.Enum):
    responsive = "Responsive"
    mixed = "Mixed"
    often_silent = "Often silent"
    ghosts = "Ghosts"


def band_of(score: float) -> Band:
    if score >= params.RESPONSIVE_FROM:
        return Band.responsive
    if score >= params.MIXED_FROM:
        return Band.mixed
    if score >= params.OFTEN_SILENT_FROM:
        return Band.often_silent
    return Band.ghosts


@dataclass(frozen=True)
class Verdict:
    """What an employer page shows: a rounded score ± SD and its band, or "not enough reviews"."""

    shown: bool
    score: int | None
    sd: int | None
    band: Band | None
    label: str


def display(score: float, sd: float, n: float, distinct_authors: int) -> Verdict:
    """n is the effective count Σw; since every w ≤ 1, n ≥ 3 also means at least 3 reviews."""
    if n < params.MIN_N_SHOWN or distinct_authors < params.MIN_DISTINCT_AUTHORS_SHOWN:
        return Verdict(False, None, None, None, params.NOT_ENOUGH_REVIEWS)
    shown_score = _round_half_up(score)
    band = band_of(shown_score)
    return Verdict(True, shown_score, _round_half_up(sd), band, band.value)


def eligible_most_responsive(n: float, spread_days: int) -> bool:
    return (
        n >= params.MIN_N_MOST_RESPONSIVE and spread_days >= params.MIN_SPREAD_DAYS_MOST_RESPONSIVE
    )


def eligible_least_responsive(n: float) -> bool:
    return n >= params.MIN_N_LEAST_RESPONSIVE


def clearly_above_mean(score: float, sd: float, mu: float) -> bool:
    """Beyond DESIGN.md §6's list rules: the "most responsive" list takes only employers above
    the site's mean even at the low end of their range (S - SD > 100·μ), so that on a young site
    or in a small industry it never names average employers."""
    return score - sd > 100 * mu


def clearly_below_mean(score: float, sd: float, mu: float) -> bool:
    """The mirror rule for "least responsive" (S + SD < 100·μ): a short list never calls a
    responsive employer one of the least responsive."""
    return score + sd < 100 * mu


def most_responsive_key(score: float, n: float) -> tuple[float, float]:
    """Sort key: highest S first; ties, more reviews first."""
    return (-score, -n)


def least_responsive_key(score: float, sd: float, n: float) -> tuple[float, float]:
    """Sort key: lowest S + SD first (benefit of the doubt); ties, more reviews first."""
    return (score + sd, -n)


# --- Helpers -----------------------------------------------------------------------------------


def _clamp(x: float) -> float:
    return min(max(x, 0.0), 1.0)


def _round_half_up(x: float) -> int:
    return math.floor(x + 0.5)


def _days_since_contact(facts: ReviewFacts, today: date) -> int:
    return max((today - facts.last_contact_on).days, 0)


def _decision_days(facts: ReviewFacts) -> int:
    if facts.decision_days is None:  # the schema requires it for a decision (§4)
        raise ValueError(f"a {facts.outcome.value} review needs decision_days")
    return facts.decision_days
