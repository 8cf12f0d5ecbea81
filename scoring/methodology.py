"""What the methodology page shows (DESIGN.md §6): the question the headline answers, the rules
with their numbers, the parameters in force, a worked example computed by the engine, the verdict
bands with the range of true hear-back rates each stood for in the adversarial benchmark, and
the benchmarks' results.

Nothing here is typed twice: the rules come from scoring/params.py, the worked example from
scoring.engine with the site's current inputs, the benchmark's figures from
scoring/adversarial_results.json (bench/score_adversarial.py --write) and, for the retired
composite score, scoring/benchmark_results.json.

Account trust is described, not quantified: the page says new accounts weigh less and the lists
need several established reviewers, but not NEW_ACCOUNT_WEIGHT, NEW_ACCOUNT_DAYS or
MIN_ESTABLISHED_AUTHORS_LISTS. Published thresholds tell a fake-account farm exactly how old its
accounts must be and how many it needs; nothing else on the page depends on them. How verified
contact is used (params.VERIFIED_FULL_WEIGHT, VERIFIED_ESTABLISHED) is stated in full: a proof is
what a farm cannot make, so saying what it earns costs nothing.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

from employers.models import Industry
from extensions import db
from reviews.labels import OUTCOMES, STAGES
from reviews.models import Outcome, Stage
from scoring import bias, engine, params
from scoring.figures import chance_words
from scoring.ghosting import ghosted_mark_window
from scoring.models import SiteParameters
from scoring.params import GHOSTED_AFTER_DAYS, GHOSTED_AFTER_PROMISE_MARGIN_DAYS
from scoring.stats import Inputs, public_baselines
from timeutils import month_label
from timeutils import today as today_utc

log = logging.getLogger(__name__)

RESULTS_PATH = Path(__file__).with_name("benchmark_results.json")  # the retired composite's
ADVERSARIAL_PATH = Path(__file__).with_name("adversarial_results.json")
BIAS_RESULTS_PATH = Path(__file__).with_name("reporting_bias_results.json")
REPRODUCE = ".venv/bin/python bench/score_adversarial.py --write"


# --- The rules, from scoring/params.py ------------------------------------------------------------


@dataclass(frozen=True)
class Calibration:
    """The true hear-back rates (0-1) of the benchmark's employers shown with one band."""

    count: int
    mean: float
    p10: float
    p90: float


@dataclass(frozen=True)
class Band:
    name: str
    rule: str  # when an employer gets this label (scoring.engine.band_of), in words
    calibration: Calibration | None = None


@dataclass(frozen=True)
class Rules:
    horizon_days: int
    ghosted_after_days: int
    ghosted_after_promise_margin_days: int
    # The mark comes on a secret day this many days after the threshold (DESIGN.md §5 rule 8).
    ghosted_mark_min_days: int
    ghosted_mark_max_days: int
    half_life_days: int | None  # None: no recency weighting
    half_life_years: float | None
    weight_after_years: tuple[tuple[int, float], ...]  # (years, recency factor) for a few ages
    max_age_years: float
    m_floor: float
    interval_percent: int  # the central share of the posterior shown as the interval
    industry_mu_employers: int
    min_reviews_shown: int
    min_authors_shown: int
    most_min_n: float
    most_spread_days: int
    least_min_n: float
    list_margin_sd: float  # the lists' margin from the site figure, in SDs
    bands: tuple[Band, ...]
    # Verified contact (DESIGN.md §12): weighs like an established account's report; its author
    # counts among the established reviewers a figure and the lists need.
    verified_full_weight: bool = False
    verified_counts_for_lists: bool = False


def _inside(interval: int, bounds: tuple[int, int]) -> str:
    low, high = bounds
    return f"the whole {interval}% interval from {low}% up to (not including) {high}%"


def rules(calibration: dict[str, Calibration] | None = None) -> Rules:
    interval = round(100 * params.INTERVAL_MASS)
    rules_in_words = {
        engine.Band.responsive: (
            f"the whole {interval}% interval at or above {params.RESPONSIVE_FROM}%"
        ),
        engine.Band.mixed: _inside(interval, params.MIXED_RANGE),
        engine.Band.often_silent: _inside(interval, params.OFTEN_SILENT_RANGE),
        engine.Band.ghosts: f"the whole {interval}% interval under {params.GHOSTS_BELOW}%",
    }
    half_life = params.HALF_LIFE_DAYS
    calibration = calibration or {}
    return Rules(
        horizon_days=params.HEAR_BACK_HORIZON_DAYS,
        ghosted_after_days=GHOSTED_AFTER_DAYS,
        ghosted_after_promise_margin_days=GHOSTED_AFTER_PROMISE_MARGIN_DAYS,
        ghosted_mark_min_days=ghosted_mark_window()[0],
        ghosted_mark_max_days=ghosted_mark_window()[1],
        half_life_days=half_life,
        half_life_years=half_life / 365 if half_life else None,
        weight_after_years=tuple((years, 2.0 ** (-365 * years / half_life)) for years in (1, 2, 3))
        if half_life
        else (),
        max_age_years=params.MAX_AGE_DAYS / 365,
        m_floor=params.M_FLOOR,
        interval_percent=round(100 * params.INTERVAL_MASS),
        industry_mu_employers=params.MIN_EMPLOYERS_FOR_INDUSTRY_MU,
        min_reviews_shown=math.ceil(params.MIN_N_SHOWN),
        min_authors_shown=params.MIN_DISTINCT_AUTHORS_SHOWN,
        most_min_n=params.MIN_N_MOST_RESPONSIVE,
        most_spread_days=params.MIN_SPREAD_DAYS_MOST_RESPONSIVE,
        least_min_n=params.MIN_N_LEAST_RESPONSIVE,
        list_margin_sd=params.LIST_MARGIN_SD,
        verified_full_weight=params.VERIFIED_FULL_WEIGHT,
        verified_counts_for_lists=params.VERIFIED_ESTABLISHED,
        bands=tuple(
            Band(band.value, rules_in_words[band], calibration.get(band.value))
            for band in engine.Band
        ),
    )


# --- The parameters in force, from the site_parameters row ----------------------------------------


@dataclass(frozen=True)
class ParametersInForce:
    is_default: bool  # no row yet: the starting values of scoring.stats
    mu: float  # the site-wide chance of hearing back, 0-1
    m: float
    review_count: int | None
    computed_on: date | None
    decisions: int  # decided reviews behind the Kaplan-Meier curve F
    observations: int
    decided_by_horizon: float  # F(30)
    median_days: int | None
    industries: tuple[tuple[str, float], ...]  # (industry label, its own μ), where one is in force

    @property
    def mu_points(self) -> float:
        return 100 * self.mu

    @property
    def m_is_floor(self) -> bool:
        return self.m <= params.M_FLOOR


def parameters_in_force(row: SiteParameters | None) -> ParametersInForce:
    inputs = Inputs.from_row(row)
    industries = []
    for key, figures in public_baselines(inputs.baselines).get("industries", {}).items():
        if figures.get("mu") is not None:
            try:
                label = Industry(key).label
            except ValueError:
                label = key
            industries.append((label, figures["mu"]))
    return ParametersInForce(
        is_default=row is None,
        mu=inputs.mu,
        m=inputs.m,
        review_count=row.review_count if row else None,
        computed_on=row.computed_on if row else None,
        decisions=inputs.curve.events,
        observations=inputs.curve.observations,
        decided_by_horizon=inputs.curve.F(params.HEAR_BACK_HORIZON_DAYS),
        median_days=inputs.curve.median(),
        industries=tuple(sorted(industries)),
    )


# --- The reporting-bias correction in force (scoring.bias), from the site_parameters row ---------


@dataclass(frozen=True)
class BiasInForce:
    """The factor B each employer's estimate uses, and what it rests on. Only aggregate counts:
    whether a given review is prospective is never shown (DESIGN.md §12)."""

    enabled: bool  # params.BIAS_CORRECTION
    site: bias.Factor
    industries: tuple[tuple[str, bias.Factor], ...]  # (industry label, its own factor)
    min_site: int
    min_industry: int
    per_industry: bool
    low: float  # params.BIAS_RANGE
    high: float
    interval_percent: int

    @property
    def applied(self) -> bool:
        return self.site.applied or bool(self.industries)

    @property
    def missing(self) -> int:
        """Prospective reports still needed before the site-wide factor is measured."""
        return max(self.min_site - self.site.prospective, 0)


def bias_in_force(row: SiteParameters | None) -> BiasInForce:
    stored = (Inputs.from_row(row).baselines or {}).get("reporting_bias") or {}
    site = bias.Factor.from_dict(stored.get("site")) or bias.NO_CORRECTION
    industries = []
    for key, raw in (stored.get("industries") or {}).items():
        factor = bias.Factor.from_dict(raw)
        if factor is not None and factor.applied:
            industries.append((_industry_label(key), factor))
    low, high = params.BIAS_RANGE
    return BiasInForce(
        enabled=params.BIAS_CORRECTION,
        site=site,
        industries=tuple(sorted(industries, key=lambda item: item[0])),
        min_site=params.BIAS_MIN_PROSPECTIVE,
        min_industry=params.BIAS_MIN_PROSPECTIVE_INDUSTRY,
        per_industry=params.BIAS_PER_INDUSTRY,
        low=low,
        high=high,
        interval_percent=round(100 * params.BIAS_INTERVAL_MASS),
    )


def _industry_label(key: str) -> str:
    try:
        return Industry(key).label
    except ValueError:
        return key


# --- The worked example, computed by the engine ---------------------------------------------------


@dataclass(frozen=True)
class HearBack:
    """How an open case's value was found: its chance of still hearing back by day 30."""

    silent_days: int
    f_silent: float  # F(c)
    f_horizon: float  # F(30)
    q: float


@dataclass(frozen=True)
class ExampleReview:
    summary: str
    stage: str
    outcome: str
    age_days: int
    h: float
    w: float
    kind: str  # "heard", "chased", "silent" or "waiting": which rule gave h
    recency: float  # the recency factor of w (the example has no new account)
    hear_back: HearBack | None = None
    bias_divisor: float = 1.0  # B, for a silent report written after the fact (scoring.bias)

    @property
    def wh(self) -> float:
        return self.w * self.h


@dataclass(frozen=True)
class WorkedExample:
    reviews: tuple[ExampleReview, ...]
    mu: float
    m: float
    n: float  # Σw
    weighted_sum: float  # Σw·h
    observed: float  # Σw·h / Σw
    found: engine.Estimate  # from engine.estimate
    a: float  # the Beta posterior's parameters: Σw·h + M·μ, Σw·(1 - h) + M·(1 - μ)
    b: float
    verdict: engine.Verdict
    words: str | None  # "About 1 in 3 candidates hear back", when shown
    authors: int


# A small hypothetical employer: (summary, days since the last contact, the review's facts).
EXAMPLE = (
    (
        "Turned down with a reason 4 days after a screening call",
        45,
        dict(stage=Stage.screen, outcome=Outcome.rejected_with_feedback, decision_days=4),
    ),
    (
        "Offered the job on day 10, as promised",
        300,
        dict(stage=Stage.offer, outcome=Outcome.offer, decision_days=10, promised_days=14),
    ),
    (
        "Turned down after the final round, but only after chasing the employer for weeks",
        120,
        dict(stage=Stage.final, outcome=Outcome.rejected, decision_days=40, chased=True),
    ),
    (
        "Never heard back after the final round",
        200,
        dict(stage=Stage.final, outcome=Outcome.ghosted),
    ),
    (
        "Still waiting, 10 days after an interview",
        10,
        dict(stage=Stage.interview, outcome=Outcome.waiting),
    ),
)


def example_facts(today: date) -> list[tuple[str, engine.ReviewFacts]]:
    out = []
    for number, (summary, age, fields) in enumerate(EXAMPLE, start=1):
        facts = engine.ReviewFacts(
            stage=fields["stage"],
            outcome=fields["outcome"],
            decision_days=fields.get("decision_days"),
            promised_days=fields.get("promised_days"),
            followups_sent=None,
            followups_answered=None,
            feedback=None,
            last_contact_on=today - timedelta(days=age),
            # scoring.ghosting.is_presumed_ghosted, for a review without a promised timeline: a
            # real review's mark comes on a secret day of the window past the threshold; this
            # hypothetical one has no such day, so it counts once past the whole window.
            presumed_ghosted=fields["outcome"] is Outcome.waiting
            and age > GHOSTED_AFTER_DAYS + ghosted_mark_window()[1],
            held=False,
            author_key=f"example-{number}",  # five different, established candidates
            chased=fields.get("chased", False),
        )
        out.append((summary, facts))
    return out


def _recency(age_days: int) -> float:
    if params.HALF_LIFE_DAYS is None:
        return 1.0
    return 2.0 ** (-age_days / params.HALF_LIFE_DAYS)


def _explain(summary: str, facts: engine.ReviewFacts, inputs: Inputs, today: date):
    h = engine.review_value(facts, today, km_curve=inputs.curve)
    age = (today - facts.last_contact_on).days
    weight = engine.weight(facts, today)
    # As scoring.stats weighs it: the site's factor (the example employer has no industry).
    ((_, weight),) = bias.corrected([(facts, h, weight)], inputs.bias_for(None))
    common = dict(
        summary=summary,
        stage=STAGES[facts.stage][0],
        outcome=OUTCOMES[facts.outcome][0],
        age_days=age,
        h=h,
        w=weight,
        recency=_recency(age),
    )
    if h <= 0 and bias.settled_retrospective(facts):
        common["bias_divisor"] = inputs.bias_for(None)
    answer = engine.heard_back(facts)
    if answer is True:
        return ExampleReview(**common, kind="heard")
    if answer is False:
        return ExampleReview(**common, kind="chased" if facts.chased else "silent")
    hear_back = HearBack(
        silent_days=age,
        f_silent=inputs.curve.F(age),
        f_horizon=inputs.curve.F(params.HEAR_BACK_HORIZON_DAYS),
        q=engine.hear_back_chance(inputs.curve, age),
    )
    return ExampleReview(**common, kind="waiting", hear_back=hear_back)


def worked_example(inputs: Inputs, today: date) -> WorkedExample:
    """The example employer estimated with the given site-wide inputs, step by step."""
    explained = tuple(_explain(s, f, inputs, today) for s, f in example_facts(today))
    facts = [f for _, f in example_facts(today)]
    pairs = [(r.h, r.w) for r in explained]
    found = engine.estimate(pairs, inputs.mu, inputs.m)
    n = sum(w for _, w in pairs)
    weighted_sum = sum(h * w for h, w in pairs)
    counted = sum(1 for r in explained if r.w > 0)
    authors = engine.distinct_authors(facts, today)
    # As the employer page decides it (employers.services.headline).
    verdict = engine.display(
        found.value,
        found.sd,
        counted,
        authors,
        established=engine.established_authors(facts, today),
    )
    return WorkedExample(
        reviews=explained,
        mu=inputs.mu,
        m=inputs.m,
        n=n,
        weighted_sum=weighted_sum,
        observed=weighted_sum / n,
        found=found,
        a=weighted_sum + inputs.m * inputs.mu,
        b=(n - weighted_sum) + inputs.m * (1 - inputs.mu),
        verdict=verdict,
        words=chance_words(verdict.score) if verdict.shown else None,
        authors=authors,
    )


# --- The retired composite score's benchmark (scoring/benchmark_results.json) ----------------


@dataclass(frozen=True)
class Figure:
    mean: float | None
    low: float | None
    high: float | None


@dataclass(frozen=True)
class BenchmarkRow:
    key: str
    label: str
    spearman: Figure
    best: Figure
    worst: Figure
    shaming: Figure
    fakes: tuple[tuple[int, Figure], ...]


@dataclass(frozen=True)
class Benchmark:
    rows: tuple[BenchmarkRow, ...]
    command: str
    commit: str
    date: str
    month: str  # what the page shows: public dates are months (DESIGN.md §5.2)
    runtime_seconds: float
    employers: int
    runs: int
    seeds: str
    list_size: int
    fake_counts: tuple[int, ...]
    reviews: float | None
    small_share: float | None  # share of employers with at most 3 reviews

    def row(self, key: str) -> BenchmarkRow | None:
        return next((row for row in self.rows if row.key == key), None)

    @property
    def fake_rows(self) -> tuple[BenchmarkRow, ...]:
        """List rules don't change a score, so the fakes table has one HeardBack row."""
        return tuple(
            replace(row, label="HeardBack composite score") if row.key == "heardback" else row
            for row in self.rows
            if row.key != "heardback_no_list_rules"
        )


def _figure(summary: dict) -> Figure:
    return Figure(summary.get("mean"), summary.get("min"), summary.get("max"))


def benchmark_from(data: dict) -> Benchmark:
    """The page's view of the JSON file; KeyError or TypeError if it lacks what the page shows."""
    fake_counts = tuple(int(k) for k in data["parameters"]["fake_counts"])
    rows = tuple(
        BenchmarkRow(
            key=key,
            label=entry["label"],
            spearman=_figure(entry["spearman"]),
            best=_figure(entry["best50_precision"]),
            worst=_figure(entry["worst50_precision"]),
            shaming=_figure(entry["false_shaming"]),
            fakes=tuple((k, _figure(entry["fake_shift"][str(k)])) for k in fake_counts),
        )
        for key, entry in data["methods"].items()
    )
    world = data.get("world", {})
    return Benchmark(
        rows=rows,
        command=data["command"],
        commit=data["commit"],
        date=data["date"][:10],
        month=month_label(date.fromisoformat(data["date"][:10])),
        runtime_seconds=float(data["runtime_seconds"]),
        employers=int(data["employers"]),
        runs=int(data["runs"]),
        seeds=str(data["seeds"]),
        list_size=int(data["parameters"]["list_size"]),
        fake_counts=fake_counts,
        reviews=world.get("reviews"),
        small_share=world.get("at_most_3"),
    )


# --- The adversarial benchmark (scoring/adversarial_results.json) ---------------------------------

# bench/score_adversarial.py's targets (docs/scoring.md), by their keys in the file.
TARGETS = {
    "top20": "Employers pushed by 10 or fewer fake accounts reach the top 20 of the most "
    "responsive list at most once on average",
    "shift": "A campaign moves an attacked employer's shown figure by at most 10 points",
    "rho_shown": "Where a figure is shown, it ranks employers at least as well as a plain "
    "hear-back rate",
    "rho_all": "Over all employers, it ranks them better than a plain hear-back rate by 0.03",
    "shaming": "At most 2% of the least responsive list is in truth better than the median",
    "held": "At most 1% of honest reviews are held",
    "bands": "Each band's 10th percentile of true hear-back rates is above the median of the "
    "band below",
}


@dataclass(frozen=True)
class Verification:
    """One world's figures with the verification signal / on the same simulated sites re-scored
    without it (bench/score_adversarial.py, summary["unverified"])."""

    shown: tuple[float | None, float | None]  # employers shown a figure
    rho_shown: tuple[float | None, float | None]  # HeardBack's Spearman where shown
    rho_all: tuple[float | None, float | None]  # ... over all employers (internal estimate)
    attacked_in_top20: tuple[float | None, float | None]  # glowing, k ≤ 10
    glowing_shift: tuple[float | None, float | None]
    smear_shift: tuple[float | None, float | None]


@dataclass(frozen=True)
class World:
    name: str
    note: str
    rho_shown: tuple[float | None, float | None, float | None]  # HeardBack, plain, shrunk
    rho_all: tuple[float | None, float | None, float | None]
    false_shaming: float | None
    attacked_in_top20: float | None  # glowing campaigns of k ≤ 10 accounts, per run
    glowing_shift: float | None  # mean shift of the shown figure, points
    smear_shift: float | None
    honest_held: float | None
    verification: Verification | None = None


@dataclass(frozen=True)
class Adversarial:
    worlds: tuple[World, ...]
    targets: tuple[tuple[str, bool | None], ...]  # (what it means, met)
    calibration: dict  # band name -> Calibration, pooled over the worlds
    command: str
    commit: str
    month: str  # what the page shows: public dates are months (DESIGN.md §5.2)
    runtime_seconds: float
    employers: int
    seeds: str
    proof_share: float | None = None  # honest reviews with a proof of contact in the world

    @property
    def verification_measured(self) -> bool:
        return self.proof_share is not None and any(w.verification for w in self.worlds)


def _mean(summary: dict, key: str) -> float | None:
    found = summary.get(key)
    return found.get("mean") if isinstance(found, dict) else None


def _verification(summary: dict) -> Verification | None:
    without = summary.get("unverified")
    if not isinstance(without, dict):
        return None

    def pair(key):
        return _mean(summary, key), _mean(without, key)

    def shift(key):
        return tuple((found.get(key) or {}).get("mean") for found in (summary, without))

    return Verification(
        shown=pair("employers_shown"),
        rho_shown=pair("spearman_shown_heardback"),
        rho_all=pair("spearman_all_heardback"),
        attacked_in_top20=pair("attacked_in_top20_k_le_10"),
        glowing_shift=shift("glowing_shift_shown"),
        smear_shift=shift("smear_shift_shown"),
    )


def _pooled_calibration(summaries: dict) -> dict[str, Calibration]:
    """Per band, over every world: the employers shown with it, and their true rates' mean and
    10th and 90th percentiles averaged with the worlds' counts as weights."""
    totals: dict[str, list[tuple[int, dict]]] = {}
    for summary in summaries.values():
        for band, row in (summary.get("calibration") or {}).items():
            if row.get("count") and None not in (row.get("mean"), row.get("p10"), row.get("p90")):
                totals.setdefault(band, []).append((int(row["count"]), row))
    pooled = {}
    for band, rows in totals.items():
        count = sum(n for n, _ in rows)
        pooled[band] = Calibration(
            count=count,
            **{key: sum(n * row[key] for n, row in rows) / count for key in ("mean", "p10", "p90")},
        )
    return pooled


def adversarial_from(data: dict) -> Adversarial:
    """The page's view of the JSON file; KeyError or TypeError if it lacks what the page shows."""
    summaries = data["summaries"]
    worlds = tuple(
        World(
            name=name,
            note=data.get("worlds", {}).get(name, ""),
            rho_shown=tuple(
                _mean(summary, f"spearman_shown_{m}") for m in ("heardback", "plain", "shrunk")
            ),
            rho_all=tuple(
                _mean(summary, f"spearman_all_{m}") for m in ("heardback", "plain", "shrunk")
            ),
            false_shaming=_mean(summary, "false_shaming"),
            attacked_in_top20=_mean(summary, "attacked_in_top20_k_le_10"),
            glowing_shift=(summary.get("glowing_shift_shown") or {}).get("mean"),
            smear_shift=(summary.get("smear_shift_shown") or {}).get("mean"),
            honest_held=_mean(summary, "honest_held"),
            verification=_verification(summary),
        )
        for name, summary in summaries.items()
    )
    met = data.get("targets", {})
    seeds = data["seeds"]
    return Adversarial(
        worlds=worlds,
        targets=tuple((label, met.get(key)) for key, label in TARGETS.items() if key in met),
        calibration=_pooled_calibration(summaries),
        command=data["command"],
        commit=data["commit"],
        month=month_label(date.fromisoformat(data["date"][:10])),
        runtime_seconds=float(data["runtime_seconds"]),
        employers=int(data["employers"]),
        seeds=f"{seeds[0]} to {seeds[-1]}" if isinstance(seeds, list) and seeds else str(seeds),
        proof_share=data.get("proof_share"),
    )


@lru_cache(maxsize=8)
def _load(path: Path, parse) -> object | None:
    """A results file, read once per process; None when it is missing or unusable (the page
    then says so)."""
    try:
        return parse(json.loads(path.read_text()))
    except FileNotFoundError:
        log.info("no benchmark results at %s", path)
    except (OSError, ValueError, KeyError, TypeError, AttributeError, IndexError) as error:
        log.warning("unusable benchmark results at %s: %r", path, error)
    return None


def load_adversarial(path: Path) -> Adversarial | None:
    return _load(path, adversarial_from)


def load_benchmark(path: Path) -> Benchmark | None:
    return _load(path, benchmark_from)


# --- The reporting-bias benchmark (scoring/reporting_bias_results.json) ---------------------------


@dataclass(frozen=True)
class BiasWorld:
    """One simulated site: the site-wide estimate's error (points) and Spearman's rho of the
    employers' estimates, without the correction and as set."""

    label: str  # the reporting bias, e.g. "2 times"
    share: float  # of honest reports prospective
    error_none: float
    error_set: float
    rho_none: float
    rho_set: float
    factor: float  # the site-wide B in force (1: no correction)


@dataclass(frozen=True)
class BiasBenchmark:
    worlds: tuple[BiasWorld, ...]
    command: str
    month: str  # public dates are months (DESIGN.md §5.2)
    employers: int


def bias_benchmark_from(data: dict) -> BiasBenchmark:
    worlds = tuple(
        BiasWorld(
            label=row["label"],
            share=float(row["share"]),
            error_none=float(row["none"]["bias_mu"]),
            error_set=float(row["set"]["bias_mu"]),
            rho_none=float(row["none"]["rho"]),
            rho_set=float(row["set"]["rho"]),
            factor=float(row["set"]["factor"]),
        )
        for row in data["worlds"]
    )
    run = date.fromisoformat(data["run"][:10])
    return BiasBenchmark(worlds, data["command"], month_label(run), int(data["employers"]))


def load_bias_benchmark(path: Path) -> BiasBenchmark | None:
    return _load(path, bias_benchmark_from)


def clear_cache() -> None:
    """Forget the results files read so far (tests that write their own)."""
    _load.cache_clear()


# --- The page -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MethodologyPage:
    rules: Rules
    parameters: ParametersInForce
    example: WorkedExample
    adversarial: Adversarial | None
    benchmark: Benchmark | None  # the retired composite score's
    reproduce: str
    reporting_bias: BiasInForce | None = None
    bias_benchmark: BiasBenchmark | None = None


def methodology_page(today: date | None = None) -> MethodologyPage:
    """Everything the page shows: one query (the site_parameters row)."""
    row = db.session.get(SiteParameters, 1)
    adversarial = load_adversarial(ADVERSARIAL_PATH)
    return MethodologyPage(
        rules=rules(adversarial.calibration if adversarial else None),
        parameters=parameters_in_force(row),
        example=worked_example(Inputs.from_row(row), today or today_utc()),
        adversarial=adversarial,
        benchmark=load_benchmark(RESULTS_PATH),
        reproduce=REPRODUCE,
        reporting_bias=bias_in_force(row),
        bias_benchmark=load_bias_benchmark(BIAS_RESULTS_PATH),
    )
