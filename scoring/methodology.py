"""What the methodology page shows (DESIGN.md §6): the method's rules with their numbers, the
parameters in force, a worked example computed by the engine, and the score benchmark's results.

Nothing here is typed twice: the rules come from scoring/params.py, the worked example from
scoring.engine with the site's current inputs, the benchmark's figures from
scoring/benchmark_results.json (written by bench/score_accuracy.py).
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
from reviews.forms import OUTCOMES, STAGES
from reviews.models import DECISIONS, Outcome, Stage
from reviews.services import ghosted_mark_window
from scoring import engine, params
from scoring.models import SiteParameters
from scoring.params import GHOSTED_AFTER_DAYS, GHOSTED_AFTER_PROMISE_MARGIN_DAYS
from scoring.stats import Inputs, public_baselines
from timeutils import month_label
from timeutils import today as today_utc

log = logging.getLogger(__name__)

RESULTS_PATH = Path(__file__).with_name("benchmark_results.json")
REPRODUCE = ".venv/bin/python bench/score_accuracy.py"


# --- The rules, from scoring/params.py ------------------------------------------------------------


@dataclass(frozen=True)
class Band:
    name: str
    low: int
    high: int | None  # None: up to 100


@dataclass(frozen=True)
class Rules:
    ghosted_by_stage: tuple[tuple[str, float], ...]  # (stage label, u)
    ghosted_later: float
    decision_base: float
    t_weight: float
    q_weight: float
    followup_penalty: float
    t_promise_kept: float
    t_promise_missed: float
    t_by_days: tuple[tuple[int, float], ...]
    t_late: float
    q_by_outcome: tuple[tuple[str, float], ...]  # (outcome label, Q)
    horizon_days: int
    ghosted_after_days: int
    ghosted_after_promise_margin_days: int
    # The mark comes on a secret day this many days after the threshold (DESIGN.md §5 rule 8).
    ghosted_mark_min_days: int
    ghosted_mark_max_days: int
    half_life_days: int
    half_life_years: float
    weight_after_years: tuple[tuple[int, float], ...]  # (years, w) for a few ages
    max_age_years: float
    m_floor: float
    industry_mu_employers: int
    min_reviews_shown: int
    min_authors_shown: int
    most_min_n: float
    most_spread_days: int
    least_min_n: float
    bands: tuple[Band, ...]


def rules() -> Rules:
    later = [stage for stage in Stage if stage not in params.GHOSTED_VALUE]
    bounds = (params.RESPONSIVE_FROM, params.MIXED_FROM, params.OFTEN_SILENT_FROM, 0)
    names = [band.value for band in engine.Band]
    return Rules(
        ghosted_by_stage=(
            *((STAGES[stage][0], value) for stage, value in params.GHOSTED_VALUE.items()),
            (f"{STAGES[later[0]][0]} or later", params.GHOSTED_VALUE_LATER),
        ),
        ghosted_later=params.GHOSTED_VALUE_LATER,
        decision_base=params.DECISION_BASE,
        t_weight=params.T_WEIGHT,
        q_weight=params.Q_WEIGHT,
        followup_penalty=params.UNANSWERED_FOLLOWUPS_PENALTY,
        t_promise_kept=params.T_PROMISE_KEPT,
        t_promise_missed=params.T_PROMISE_MISSED,
        t_by_days=params.T_BY_DAYS,
        t_late=params.T_LATE,
        q_by_outcome=tuple((OUTCOMES[o][0], q) for o, q in params.Q_BY_OUTCOME.items()),
        horizon_days=params.HEAR_BACK_HORIZON_DAYS,
        ghosted_after_days=GHOSTED_AFTER_DAYS,
        ghosted_after_promise_margin_days=GHOSTED_AFTER_PROMISE_MARGIN_DAYS,
        ghosted_mark_min_days=ghosted_mark_window()[0],
        ghosted_mark_max_days=ghosted_mark_window()[1],
        half_life_days=params.HALF_LIFE_DAYS,
        half_life_years=params.HALF_LIFE_DAYS / 365,
        weight_after_years=tuple(
            (years, 2.0 ** (-365 * years / params.HALF_LIFE_DAYS)) for years in (1, 2, 3)
        ),
        max_age_years=params.MAX_AGE_DAYS / 365,
        m_floor=params.M_FLOOR,
        industry_mu_employers=params.MIN_EMPLOYERS_FOR_INDUSTRY_MU,
        min_reviews_shown=math.ceil(params.MIN_N_SHOWN),
        min_authors_shown=params.MIN_DISTINCT_AUTHORS_SHOWN,
        most_min_n=params.MIN_N_MOST_RESPONSIVE,
        most_spread_days=params.MIN_SPREAD_DAYS_MOST_RESPONSIVE,
        least_min_n=params.MIN_N_LEAST_RESPONSIVE,
        bands=tuple(
            Band(name, low, None if i == 0 else bounds[i - 1] - 1)
            for i, (name, low) in enumerate(zip(names, bounds, strict=True))
        ),
    )


# --- The parameters in force, from the site_parameters row ----------------------------------------


@dataclass(frozen=True)
class ParametersInForce:
    is_default: bool  # no row yet: the starting values of scoring.stats
    mu: float  # on the 0-1 scale of u
    m: float
    within_variance: float
    mean_decided_value: float
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

    @property
    def within_sd_points(self) -> float:
        """The spread of one review's u around its employer's mean, on the 0-100 scale."""
        return 100 * math.sqrt(self.within_variance)


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
        within_variance=inputs.within_variance,
        mean_decided_value=inputs.mean_decided_value,
        review_count=row.review_count if row else None,
        computed_on=row.computed_on if row else None,
        decisions=inputs.curve.events,
        observations=inputs.curve.observations,
        decided_by_horizon=inputs.curve.F(params.HEAR_BACK_HORIZON_DAYS),
        median_days=inputs.curve.median(),
        industries=tuple(sorted(industries)),
    )


# --- The worked example, computed by the engine ---------------------------------------------------


@dataclass(frozen=True)
class HearBack:
    """How a waiting review's partial credit was found (DESIGN.md §6)."""

    silent_days: int
    f_silent: float  # F(c)
    f_horizon: float  # F(30)
    q: float
    mean_decided_value: float
    ghosted_value: float


@dataclass(frozen=True)
class ExampleReview:
    summary: str
    stage: str
    outcome: str
    age_days: int
    u: float
    w: float
    kind: str  # "decision", "ghosted" or "waiting": which rule gave u
    timeliness: float | None = None  # T
    timeliness_reason: str | None = None
    quality: float | None = None  # Q
    penalty: float = 0.0
    hear_back: HearBack | None = None

    @property
    def wu(self) -> float:
        return self.w * self.u


@dataclass(frozen=True)
class WorkedExample:
    reviews: tuple[ExampleReview, ...]
    mu: float
    m: float
    within_variance: float
    n: float  # Σw
    weighted_sum: float  # Σw·u
    mean: float  # ȳ
    score: float  # S, from engine.shrunk_score
    sd: float
    verdict: engine.Verdict
    authors: int


# A small hypothetical employer: (summary, days since the last contact, the review's facts).
EXAMPLE = (
    (
        "Turned down with a reason 4 days after a screening call",
        45,
        dict(stage=Stage.screen, outcome=Outcome.rejected_with_feedback, decision_days=4),
    ),
    (
        "Offered the job after being promised an answer within 14 days, and getting it on day 10",
        300,
        dict(stage=Stage.offer, outcome=Outcome.offer, decision_days=10, promised_days=14),
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
            # reviews.services.is_presumed_ghosted, for a review without a promised timeline: a
            # real review's mark comes on a secret day of the window past the threshold; this
            # hypothetical one has no such day, so it counts once past the whole window.
            presumed_ghosted=fields["outcome"] is Outcome.waiting
            and age > GHOSTED_AFTER_DAYS + ghosted_mark_window()[1],
            held=False,
            author_key=f"example-{number}",  # four different candidates
        )
        out.append((summary, facts))
    return out


def _timeliness_reason(facts: engine.ReviewFacts) -> str:
    days = facts.decision_days
    if facts.promised_days is not None:
        kept = days <= facts.promised_days
        return "the promised timeline was kept" if kept else "the promised timeline was missed"
    for within, _ in params.T_BY_DAYS:
        if days <= within:
            return f"no timeline was promised and the decision came within {within} days"
    return f"no timeline was promised and the decision took over {params.T_BY_DAYS[-1][0]} days"


def _explain(summary: str, facts: engine.ReviewFacts, inputs: Inputs, today: date):
    u = engine.review_value(
        facts, today, km_curve=inputs.curve, mean_decided_value=inputs.mean_decided_value
    )
    common = dict(
        summary=summary,
        stage=STAGES[facts.stage][0],
        outcome=OUTCOMES[facts.outcome][0],
        age_days=(today - facts.last_contact_on).days,
        u=u,
        w=engine.weight(facts, today),
    )
    if facts.outcome in DECISIONS:
        unanswered = bool(facts.followups_sent) and facts.followups_answered == 0
        return ExampleReview(
            **common,
            kind="decision",
            timeliness=engine.timeliness(facts.decision_days, facts.promised_days),
            timeliness_reason=_timeliness_reason(facts),
            quality=params.Q_BY_OUTCOME[facts.outcome],
            penalty=params.UNANSWERED_FOLLOWUPS_PENALTY if unanswered else 0.0,
        )
    if facts.outcome is Outcome.waiting and not facts.presumed_ghosted:
        silent = common["age_days"]
        hear_back = HearBack(
            silent_days=silent,
            f_silent=inputs.curve.F(silent),
            f_horizon=inputs.curve.F(params.HEAR_BACK_HORIZON_DAYS),
            q=engine.hear_back_chance(inputs.curve, silent),
            mean_decided_value=inputs.mean_decided_value,
            ghosted_value=engine.ghosted_value(facts.stage),
        )
        return ExampleReview(**common, kind="waiting", hear_back=hear_back)
    return ExampleReview(**common, kind="ghosted")


def worked_example(inputs: Inputs, today: date) -> WorkedExample:
    """The example employer scored with the given site-wide inputs, step by step."""
    explained = tuple(_explain(s, f, inputs, today) for s, f in example_facts(today))
    facts = [f for _, f in example_facts(today)]
    pairs = [(r.u, r.w) for r in explained]
    score, sd = engine.shrunk_score(pairs, inputs.mu, inputs.m, inputs.within_variance)
    n = sum(w for _, w in pairs)
    weighted_sum = sum(u * w for u, w in pairs)
    counted = sum(1 for r in explained if r.w > 0)
    authors = engine.distinct_authors(facts, today)
    return WorkedExample(
        reviews=explained,
        mu=inputs.mu,
        m=inputs.m,
        within_variance=inputs.within_variance,
        n=n,
        weighted_sum=weighted_sum,
        mean=weighted_sum / n,
        score=score,
        sd=sd,
        # As the employer page decides it (employers.services.headline).
        verdict=engine.display(score, sd, counted, authors),
        authors=authors,
    )


# --- The benchmark, from scoring/benchmark_results.json -------------------------------------------


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
            replace(row, label="HeardBack score") if row.key == "heardback" else row
            for row in self.rows
            if row.key != "heardback_no_list_rules"
        )

    @property
    def highlights(self) -> list[str]:
        return highlights(self)


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


def _compared(ours: float, theirs: float, higher_is_better: bool, close: float) -> str:
    if abs(ours - theirs) < close:
        return "about as well as"
    return "better than" if (ours > theirs) == higher_is_better else "worse than"


def highlights(benchmark: Benchmark) -> list[str]:
    """The headline comparisons in plain words, worded from the figures (so a change to the
    method that loses to the plain average says so)."""
    ours, plain, imdb = (
        benchmark.row(key) for key in ("heardback", "plain_average", "imdb_average")
    )
    if ours is None or plain is None:
        return []
    out = []
    if ours.spearman.mean is not None and plain.spearman.mean is not None:
        out.append(
            "Ranking: HeardBack's score puts employers in an order that matches the truth "
            f"{_compared(ours.spearman.mean, plain.spearman.mean, True, 0.005)} a plain average "
            f"does (Spearman ρ {ours.spearman.mean:.2f} against {plain.spearman.mean:.2f}, "  # noqa: RUF001
            "where 1 would be a perfect match)."
        )
    if ours.shaming.mean is not None and plain.shaming.mean is not None:
        out.append(
            f"Unfair lists: of the {benchmark.list_size} employers on the “least responsive” "
            f"list, {ours.shaming.mean:.0%} were in truth better than the median employer, "
            f"against {plain.shaming.mean:.0%} when a plain average ranks everyone."
        )
    fakes = dict(ours.fakes), dict(plain.fakes)
    if 5 in fakes[0] and 5 in fakes[1] and None not in (fakes[0][5].mean, fakes[1][5].mean):
        out.append(
            "Fake reviews: five fake perfect reviews raised an employer with three real reports "
            f"by {fakes[0][5].mean:.0f} points out of 100, against {fakes[1][5].mean:.0f} "
            "for a plain average."
        )
    if imdb is not None and None not in (imdb.spearman.mean, ours.spearman.mean):
        out.append(
            "For honesty: a simpler “IMDb-style” average, which also pulls small employers "
            "towards the site average, does "
            f"{_compared(imdb.spearman.mean, ours.spearman.mean, True, 0.005)} HeardBack's "
            f"score in this simulation (ρ {imdb.spearman.mean:.2f}). The simulated employers "  # noqa: RUF001
            "never change over time, so HeardBack's extra weight on recent reports cannot help "
            "there."
        )
    return out


@lru_cache(maxsize=4)
def load_benchmark(path: Path) -> Benchmark | None:
    """The benchmark's results, read once per process; None when the file is missing or unusable
    (the page then says so)."""
    try:
        return benchmark_from(json.loads(path.read_text()))
    except FileNotFoundError:
        log.warning("no benchmark results at %s: run %s", path, REPRODUCE)
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        log.warning("unusable benchmark results at %s: %r", path, error)
    return None


# --- The page -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MethodologyPage:
    rules: Rules
    parameters: ParametersInForce
    example: WorkedExample
    benchmark: Benchmark | None
    reproduce: str


def methodology_page(today: date | None = None) -> MethodologyPage:
    """Everything the page shows: one query (the site_parameters row)."""
    row = db.session.get(SiteParameters, 1)
    return MethodologyPage(
        rules=rules(),
        parameters=parameters_in_force(row),
        example=worked_example(Inputs.from_row(row), today or today_utc()),
        benchmark=load_benchmark(RESULTS_PATH),
        reproduce=REPRODUCE,
    )
