"""The figures candidates see (DESIGN.md §6) as plain functions of plain values.

Nothing here reads the database, the clock or Flask: callers pass `today` and the facts of each
review, so the daily tick, the per-employer update, `recompute` and the benchmark all get the same
numbers from the same inputs. The parameters live in scoring/params.py; importing this module
alone imports nothing of the site.

The headline is the estimated chance of hearing back: each review has a value h (1 heard back
unprompted, 0 silence, an open case its chance of still hearing back), each review a weight w
(recency and account trust), and an employer's estimate shrinks its weighted mean toward the
site's (or its industry's) rate μ: (Σw·h + M·μ) / (Σw + M). The interval is the central
INTERVAL_MASS of the Beta(Σw·h + M·μ, Σw·(1 - h) + M·(1 - μ)) posterior.

Choices where DESIGN.md leaves room (also in the docstrings below):
- Kaplan-Meier time origin is the last contact, like `decision_days`. A decision is an event at
  `decision_days`; a waiting or ghosted review is censored at the days of silence up to `today` (the
  most we know: no decision in that long), not at GHOSTED_AFTER_DAYS. `withdrew` is left out.
- F uses the reviews that are counted (weight > 0), unweighted.
- M̂ is a moment estimator with reliability weights; see `method_of_moments_M`.
- The verdict band is taken from the estimate as displayed (rounded), so "70" is never "Mixed".
"""

from __future__ import annotations

import enum
import math
from array import array
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from statistics import NormalDist

from scoring import params
from scoring.vocabulary import DECISIONS, Feedback, Outcome, Stage

_STANDARD_NORMAL = NormalDist()
# Floating error allowed when comparing a KM probability with a quantile's p.
_QUANTILE_TOLERANCE = 1e-9


@dataclass(frozen=True, slots=True)
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
    presumed_ghosted: bool  # scoring.ghosting.is_presumed_ghosted(review, today)
    held: bool  # held by the burst cap (§8): r = 0
    author_key: int | str  # for distinct-author counts; never shown
    # The decision came from confirming an employer's contact report: its decision_days are
    # the confirmation day minus the last contact, so no public day figure may show them (§5.8).
    contact_confirmed: bool = False
    # The candidate heard only after chasing the employer (a withdrawn offer, "it was a
    # mistake"): silence at that stage (DESIGN.md §6).
    chased: bool = False
    # Submitted from a new account (scoring.params.NEW_ACCOUNT_DAYS): less weight, and not an
    # established reviewer for the lists, unless the contact is verified.
    new_account: bool = False
    # The author proved the contact with the employer's signed email (DESIGN.md §12): trust
    # evidence a campaign of fresh accounts cannot supply (see `weighs_in_full`, `established`).
    contact_verified: bool = False
    # Tracked in My applications before the outcome was known (DESIGN.md §12): not chosen after
    # the fact, so free of the reporting bias that scoring.bias estimates and corrects.
    prospective: bool = False
    # What the side figures describe and the score doesn't read (DESIGN.md §4, issue 18): the
    # month the process began (its first day), every step reached (scoring.vocabulary.steps_mask;
    # None: not said), and "turned down other work while waiting" (None: not said).
    process_month: date | None = None
    steps: int | None = None
    turned_down_work: bool | None = None


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


class KMTally:
    """Counts of (days, event) observations, for a Kaplan-Meier curve without holding them:
    the site's F is read from a million reviews, one employer at a time."""

    __slots__ = ("count", "events_at", "leaving_at")

    def __init__(self) -> None:
        self.events_at: dict[int, int] = {}
        self.leaving_at: dict[int, int] = {}  # events and censorings
        self.count = 0

    def add(self, days: int, event: bool) -> None:
        if days < 0:
            raise ValueError(f"negative time {days}")
        self.count += 1
        self.leaving_at[days] = self.leaving_at.get(days, 0) + 1
        if event:
            self.events_at[days] = self.events_at.get(days, 0) + 1

    def extend(self, observations: Iterable[tuple[int, bool]]) -> None:
        for days, event in observations:
            self.add(days, event)

    def merge(self, other: KMTally) -> None:
        self.count += other.count
        for days, count in other.leaving_at.items():
            self.leaving_at[days] = self.leaving_at.get(days, 0) + count
        for days, count in other.events_at.items():
            self.events_at[days] = self.events_at.get(days, 0) + count

    def curve(self) -> KMCurve:
        at_risk = self.count
        survival = 1.0
        times: list[int] = []
        cumulative: list[float] = []
        for t in sorted(self.leaving_at):
            deaths = self.events_at.get(t, 0)
            if deaths:
                survival *= 1 - deaths / at_risk
                times.append(t)
                cumulative.append(1 - survival)
            at_risk -= self.leaving_at[t]
        return KMCurve(tuple(times), tuple(cumulative), self.count, sum(self.events_at.values()))


def kaplan_meier(observations: Iterable[tuple[int, bool]]) -> KMCurve:
    """The Kaplan-Meier estimate from (days, event) pairs; event False means censored at `days`.

    Ties follow the usual convention: a case censored on day t was still at risk on day t, so the
    events of day t are counted before the censorings of day t.
    """
    tally = KMTally()
    tally.extend(observations)
    return tally.curve()


def km_observation(facts: ReviewFacts, today: date) -> tuple[int, bool] | None:
    """A review's contribution to F: decided → event at decision_days; waiting or ghosted →
    censored at the days of silence since last contact; withdrew → none."""
    if facts.outcome in DECISIONS:
        return _decision_days(facts), True
    if facts.outcome in (Outcome.waiting, Outcome.ghosted):
        return _days_since_contact(facts, today), False
    return None


# --- Per-review value h ------------------------------------------------------------------------


def hear_back_chance(km_curve: KMCurve, silent_days: int) -> float:
    """q = (F(30) - F(c)) / (1 - F(c)): the chance of a decision by day 30 given none by day c."""
    horizon = params.HEAR_BACK_HORIZON_DAYS
    if silent_days >= horizon:
        return 0.0
    f_c = km_curve.F(silent_days)
    if 1 - f_c <= 0:
        return 0.0
    return _clamp((km_curve.F(horizon) - f_c) / (1 - f_c))


def heard_back(facts: ReviewFacts) -> bool | None:
    """Did the candidate hear back? Yes for a decision told unprompted; no for silence (ghosted,
    presumed ghosted, or a decision they had to chase); None for an open case or a withdrawal."""
    outcome = facts.outcome
    if outcome in DECISIONS:
        return not facts.chased
    if outcome is Outcome.ghosted or (outcome is Outcome.waiting and facts.presumed_ghosted):
        return False
    return None


def review_value(facts: ReviewFacts, today: date, *, km_curve: KMCurve) -> float | None:
    """h ∈ [0, 1], or None for a review that is not counted (withdrew).

    An open case counts as its chance q of still hearing back by day 30: dropping open cases
    biases a rate upward and counting them as silence biases it downward (DESIGN.md §6)."""
    found = value_before_curve(facts, today)
    return None if found is None else value_on_curve(found, km_curve)


def value_before_curve(facts: ReviewFacts, today: date) -> float | None:
    """review_value before F is known: h for a review whose h doesn't depend on F, and
    -(1 + days of silence) for an open case, whose h `value_on_curve` gives once F is known
    (the site's F needs every review, and a rebuild keeps only this number of each)."""
    if facts.outcome is Outcome.withdrew:
        return None
    answer = heard_back(facts)
    if answer is not None:
        return 1.0 if answer else 0.0
    if facts.outcome is Outcome.waiting:
        return -1.0 - _days_since_contact(facts, today)
    raise ValueError(f"unknown outcome {facts.outcome!r}")


def value_on_curve(found: float, km_curve: KMCurve) -> float:
    """h from value_before_curve's number."""
    if found >= 0:
        return found
    return hear_back_chance(km_curve, int(-1 - found))


def pooled_curve(facts_list: Iterable[ReviewFacts], today: date) -> KMCurve:
    """F pooled over the counted reviews (weight > 0), each review counted once."""
    observations = [
        obs
        for facts in facts_list
        if weight(facts, today) > 0 and (obs := km_observation(facts, today)) is not None
    ]
    return kaplan_meier(observations)


# --- Weights -----------------------------------------------------------------------------------


def weighs_in_full(facts: ReviewFacts) -> bool:
    """Trust 1 and outside the new accounts' cap: an established account's review, or one with
    verified contact (params.VERIFIED_FULL_WEIGHT)."""
    return not facts.new_account or (facts.contact_verified and params.VERIFIED_FULL_WEIGHT)


def established(facts: ReviewFacts) -> bool:
    """Its author counts as an established reviewer (shown when, the lists): the account was not
    new when it wrote, or the contact is verified (params.VERIFIED_ESTABLISHED)."""
    return not facts.new_account or (facts.contact_verified and params.VERIFIED_ESTABLISHED)


def weight(facts: ReviewFacts, today: date) -> float:
    """w = trust · recency: trust NEW_ACCOUNT_WEIGHT for a new account's review without verified
    contact (`weighs_in_full`), else 1; recency 2^(-age/HALF_LIFE_DAYS) with age in days since
    last contact (1 when the half-life is None); 0 past MAX_AGE_DAYS or while held by the burst
    cap (§8)."""
    if facts.held:
        return 0.0
    age = _days_since_contact(facts, today)
    if age > params.MAX_AGE_DAYS:
        return 0.0
    trust = 1.0 if weighs_in_full(facts) else params.NEW_ACCOUNT_WEIGHT
    if params.HALF_LIFE_DAYS is None:
        return trust
    return trust * 2.0 ** (-age / params.HALF_LIFE_DAYS)


def established_authors(facts_list: Iterable[ReviewFacts], today: date) -> int:
    """Distinct accounts among the counted reviews that were not new when they wrote them, or
    whose contact is verified (`established`)."""
    return len(
        {
            facts.author_key
            for facts in facts_list
            if established(facts) and weight(facts, today) > 0
        }
    )


def distinct_authors(facts_list: Iterable[ReviewFacts], today: date) -> int:
    """Distinct accounts among the reviews that count (weight > 0)."""
    return len({facts.author_key for facts in facts_list if weight(facts, today) > 0})


def spread_days(facts_list: Iterable[ReviewFacts], today: date) -> int:
    """Days between the earliest and latest last contact among the reviews that count."""
    dates = [facts.last_contact_on for facts in facts_list if weight(facts, today) > 0]
    return (max(dates) - min(dates)).days if dates else 0


# --- Per employer ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Estimate:
    """An employer's estimated chance of hearing back, on the 0-100 scale.

    `value` = 100·(Σw·h + M·μ)/(Σw + M); `low`, `high` the central INTERVAL_MASS of the Beta
    posterior; `sd` its standard deviation; `n` = Σw; `observed` the weighted mean of h (0-1)
    or None with no weight; `leans` when the prior carries a material share of the estimate, so it
    sits nearer the site-wide figure than the reports alone would put it."""

    value: float
    sd: float
    low: float
    high: float
    n: float
    observed: float | None
    mu: float
    prior_weight: float

    @property
    def leans(self) -> bool:
        """The site-wide figure carries at least params.LEANS_FROM of the estimate."""
        return self.prior_weight / (self.n + self.prior_weight) >= params.LEANS_FROM


def estimate(values_weights: Iterable[tuple[float, float]], mu: float, M: float) -> Estimate:
    """The shrunk estimate of the chance of hearing back, with its Beta posterior interval."""
    pairs = [(h, w) for h, w in values_weights if w > 0]
    if any(not 0 <= h <= 1 for h, _ in pairs) or not 0 <= mu <= 1:
        raise ValueError("values and mu must lie in [0, 1]")
    return estimate_of(sum(w for _, w in pairs), sum(w * h for h, w in pairs), mu, M)


def estimate_of(n: float, heard: float, mu: float, M: float, *, interval: bool = True) -> Estimate:
    """`estimate` from n = Σw and heard = Σw·h; without `interval`, low and high are NaN (a
    period's score needs only its value, and the Beta quantiles are most of the cost)."""
    if M <= 0:
        raise ValueError(f"M must be positive, got {M}")
    a = heard + M * mu
    b = (n - heard) + M * (1 - mu)
    # Guard the degenerate priors μ = 0 or 1 (a site where every report agrees).
    a, b = max(a, 1e-9), max(b, 1e-9)
    total = a + b
    sd = math.sqrt(a * b / (total * total * (total + 1)))
    tail = (1 - params.INTERVAL_MASS) / 2
    return Estimate(
        value=_clamp(a / total) * 100,
        sd=100 * sd,
        low=100 * beta_quantile(tail, a, b) if interval else math.nan,
        high=100 * beta_quantile(1 - tail, a, b) if interval else math.nan,
        n=n,
        observed=heard / n if n > 0 else None,
        mu=mu,
        prior_weight=M,
    )


def shrunk_score(
    values_weights: Iterable[tuple[float, float]], mu: float, M: float
) -> tuple[float, float]:
    """(estimate, SD) on the 0-100 scale (see `estimate`)."""
    found = estimate(values_weights, mu, M)
    return found.value, found.sd


# --- The Beta distribution ---------------------------------------------------------------------
# The standard library has no Beta quantile and scipy is too heavy for a web worker; the
# regularised incomplete beta by its continued fraction (Numerical Recipes §6.4) is exact to
# 1e-10 here, and tests/unit/test_scoring_engine.py checks it against scipy.


def _beta_continued_fraction(x: float, a: float, b: float) -> float:
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1, a - 1
    c, d = 1.0, 1 - qab * x / qap
    d = 1 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 300):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1 + aa * d
        d = 1 / (d if abs(d) > tiny else tiny)
        c = 1 + aa / c if abs(1 + aa / c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1 + aa * d
        d = 1 / (d if abs(d) > tiny else tiny)
        c = 1 + aa / c if abs(1 + aa / c) > tiny else tiny
        step = d * c
        h *= step
        if abs(step - 1) < 1e-12:
            break
    return h


def beta_cdf(x: float, a: float, b: float) -> float:
    """The regularised incomplete beta function I_x(a, b)."""
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    log_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    front = math.exp(log_front)
    if x < (a + 1) / (a + b + 2):
        return front * _beta_continued_fraction(x, a, b) / a
    return 1 - front * _beta_continued_fraction(1 - x, b, a) / b


def beta_quantile(p: float, a: float, b: float) -> float:
    """The x with I_x(a, b) = p: Newton's method with the Beta density as the derivative, from
    the normal approximation, kept inside a bracket that every evaluation narrows (a step that
    would leave it bisects instead), so it always converges; it stops when a step moves x by
    less than 1e-10 (within about 1e-9 of the root, far below any shown precision). About 4
    evaluations of I_x instead of bisection's 60 (issue 19: the intervals were three quarters
    of `recompute`'s per-employer time)."""
    if p <= 0:
        return 0.0
    if p >= 1:
        return 1.0
    low, high = 0.0, 1.0
    log_norm = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
    # Start from the normal approximation (the mean when it falls outside): Newton then needs
    # about 3-4 evaluations instead of 7 from the mean.
    mean = a / (a + b)
    spread = math.sqrt(a * b / ((a + b) ** 2 * (a + b + 1)))
    x = mean + _STANDARD_NORMAL.inv_cdf(p) * spread
    if not 0 < x < 1:
        x = mean
    for _ in range(200):
        error = beta_cdf(x, a, b) - p
        if error < 0:
            low = x
        else:
            high = x
        density = math.exp(log_norm + (a - 1) * math.log(x) + (b - 1) * math.log1p(-x))
        candidate = x - error / density if density > 0 else (low + high) / 2
        if not low < candidate < high:
            candidate = (low + high) / 2
        if abs(candidate - x) < 1e-10 or high - low < 1e-15:
            return candidate
        x = candidate
    return x


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


def employer_moments(values: Sequence[float], weights: Sequence[float]) -> _EmployerMoments | None:
    """One employer's summary for the estimates below (None without weight): what
    `within_variance_of` and `M_of` take, so a caller can reduce each employer as it goes."""
    return _moments(values, weights)


class MomentsTally:
    """Employers' moments reduced as they come (None, an employer without weight, is left
    out): what the within variance and M need, a few floats an employer."""

    __slots__ = ("degrees", "factors", "means", "sum_squares")

    def __init__(self) -> None:
        self.means = array("d")
        self.sum_squares = array("d")
        self.degrees = array("d")
        self.factors = array("d")  # mean_variance_factor

    def add(self, moments: _EmployerMoments | None) -> None:
        if moments:
            self.means.append(moments.mean)
            self.sum_squares.append(moments.sum_squares)
            self.degrees.append(moments.degrees)
            self.factors.append(moments.mean_variance_factor)

    def merge(self, other: MomentsTally) -> None:
        """Take in a later part's employers."""
        self.means += other.means
        self.sum_squares += other.sum_squares
        self.degrees += other.degrees
        self.factors += other.factors

    def within(self) -> float | None:
        """pooled_within_variance from the employers' moments."""
        degrees = sum(self.degrees)
        if degrees <= 1e-12:
            return None
        return sum(self.sum_squares) / degrees

    def M(self) -> float:
        """method_of_moments_M from the employers' moments."""
        within = self.within()
        count = len(self.means)
        if within is None or count < 2:
            return params.M_FLOOR
        grand = sum(self.means) / count
        spread = sum((mean - grand) ** 2 for mean in self.means) / (count - 1)
        noise = within * sum(self.factors) / count
        between = max(spread - noise, params.BETWEEN_VARIANCE_FLOOR)
        return max(within / between, params.M_FLOOR)


def _tally(moments: Iterable[_EmployerMoments | None]) -> MomentsTally:
    tally = MomentsTally()
    for found in moments:
        tally.add(found)
    return tally


def within_variance_of(moments: Iterable[_EmployerMoments | None]) -> float | None:
    """pooled_within_variance from the employers' moments."""
    return _tally(moments).within()


def M_of(moments: Iterable[_EmployerMoments | None]) -> float:
    """method_of_moments_M from the employers' moments."""
    return _tally(moments).M()


def pooled_within_variance(
    per_employer: Iterable[tuple[Sequence[float], Sequence[float]]],
) -> float | None:
    """σ²_within = Σ_j Σ_i w(u - ȳ_j)² / Σ_j (V1_j - V2_j/V1_j), the unbiased estimate with
    reliability weights (Σ(u - ȳ)²/(k - 1) when the weights are 1). None if no employer has two
    reviews with weight."""
    return within_variance_of(_moments(values, weights) for values, weights in per_employer)


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
    return M_of(_moments(values, weights) for values, weights in per_employer)


# --- What is shown -----------------------------------------------------------------------------


class Band(enum.Enum):
    responsive = "Responsive"
    mixed = "Mixed"
    often_silent = "Often silent"
    ghosts = "Ghosts"


def band_of(estimate: float, low: float | None = None, high: float | None = None) -> Band | None:
    """The verdict band, given only when the whole interval supports it (params), else None.

    Without an interval (a statistics row from before intervals), the estimate alone: a point
    is inside every range that holds it."""
    low = estimate if low is None else low
    high = estimate if high is None else high
    if low >= params.RESPONSIVE_FROM:
        return Band.responsive
    if high < params.GHOSTS_BELOW:
        return Band.ghosts
    for band, (bottom, top) in (
        (Band.often_silent, params.OFTEN_SILENT_RANGE),
        (Band.mixed, params.MIXED_RANGE),
    ):
        if low >= bottom and high < top:
            return band
    return None


@dataclass(frozen=True)
class Verdict:
    """What an employer page shows: the rounded estimate ± SD and its band (None: too few reports
    for a label), or "not enough reviews"."""

    shown: bool
    score: int | None
    sd: int | None
    band: Band | None
    label: str


def shown_when(n: float, distinct_authors: int, established: int) -> bool:
    """DESIGN.md §5.3 and §6, "shown when" (the generated column employer_stats.shown_score is
    the same rule in SQL)."""
    return (
        n >= params.MIN_N_SHOWN
        and distinct_authors >= params.MIN_DISTINCT_AUTHORS_SHOWN
        and established >= params.MIN_ESTABLISHED_AUTHORS_SHOWN
    )


def display(
    score: float,
    sd: float,
    n: float,
    distinct_authors: int,
    low: float | None = None,
    high: float | None = None,
    *,
    established: int,
) -> Verdict:
    """n is the count of counted reviews, established the distinct accounts among their authors
    that were not new when they wrote; the band is taken from the numbers as displayed (rounded),
    so the label never disagrees with what the page prints."""
    if not shown_when(n, distinct_authors, established):
        return Verdict(False, None, None, None, params.NOT_ENOUGH_REVIEWS)
    shown_score = _round_half_up(score)
    band = band_of(
        shown_score,
        None if low is None else _round_half_up(low),
        None if high is None else _round_half_up(high),
    )
    label = band.value if band is not None else params.NO_LABEL
    return Verdict(True, shown_score, _round_half_up(sd), band, label)


def eligible_most_responsive(n: float, spread_days: int, established: int) -> bool:
    return (
        n >= params.MIN_N_MOST_RESPONSIVE
        and spread_days >= params.MIN_SPREAD_DAYS_MOST_RESPONSIVE
        and established >= params.MIN_ESTABLISHED_AUTHORS_LISTS
    )


def eligible_least_responsive(n: float, established: int) -> bool:
    return (
        n >= params.MIN_N_LEAST_RESPONSIVE and established >= params.MIN_ESTABLISHED_AUTHORS_LISTS
    )


def clearly_above_mean(score: float, sd: float, mu: float) -> bool:
    """Beyond DESIGN.md §6's list rules: the "most responsive" list takes only employers above
    the site's mean even at the low end of their range (S - k·SD > 100·μ, k =
    params.LIST_MARGIN_SD), so that on a young site or in a small industry it never names
    average employers."""
    return score - params.LIST_MARGIN_SD * sd > 100 * mu


def clearly_below_mean(score: float, sd: float, mu: float) -> bool:
    """The mirror rule for "least responsive" (S + k·SD < 100·μ): a short list never calls a
    responsive employer one of the least responsive."""
    return score + params.LIST_MARGIN_SD * sd < 100 * mu


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
