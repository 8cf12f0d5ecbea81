"""What the employer page shows, from the stored statistics row and the site's baselines.

No query here: the view passes the employer (with its stats row) and the site-wide inputs, so the
page costs the same few queries at 0 or 10,000 reviews. Small-count rules (DESIGN.md §5.3) were
applied when the figures were computed (scoring/figures.py); this only words them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from employers.models import Employer, EmployerStats
from reviews.labels import STAGES
from scoring import figures as side
from scoring import params
from scoring.engine import Verdict
from scoring.stats import Inputs
from scoring.vocabulary import Stage

# Headings and one-line explanations of the shares, in the order shown.
RATES: tuple[tuple[str, str, str], ...] = (
    (
        "hear_back",
        "Heard back",
        "Candidates who got a decision (an offer or a rejection) instead of silence.",
    ),
    (
        "timeline_kept",
        "Kept the timeline they gave",
        "Among candidates who were told when to expect an answer.",
    ),
    (
        "feedback",
        "Gave feedback after interviews",
        "Among candidates rejected after at least one interview.",
    ),
    (
        "followup_answered",
        "Answered follow-ups",
        "Among candidates who sent a follow-up message.",
    ),
)

BASIS_WORDS = {
    "employer": "from this employer's own decisions",
    "industry": "too few decisions here yet, so this uses the employer's industry",
    "site": "too few decisions here yet, so this uses all employers on HeardBack",
}


@dataclass(frozen=True)
class Chance:
    """The headline: the estimated chance of hearing back (scoring.figures.headline), rounded as
    shown, in words, with its interval and the plain counts it rests on."""

    percent: int
    low: int
    high: int
    words: str  # "About 1 in 10 candidates hear back" (scoring.figures.chance_words)
    heard: int
    silent: int  # ghosted, presumed ghosted, or an answer the candidate had to chase
    open: int  # still waiting, counted as their chance of still hearing back
    leans: bool  # few reports: the estimate leans toward the site-wide figure
    site: int  # the site-wide (or industry) figure it leans toward, percent
    toward: str = "the site-wide figure"  # or "the Retail industry's figure" where its μ is used

    @property
    def words_give_percent(self) -> bool:
        """ "About 62% ..." already says the figure; "About 1 in 10 ..." does not."""
        return f"{self.percent}%" in self.words

    @property
    def ended(self) -> int:
        """Candidates whose process ended: they heard back or met silence."""
        return self.heard + self.silent


def chance(
    verdict: Verdict, found: dict | None, toward: str = "the site-wide figure"
) -> Chance | None:
    """The headline as the page shows it; None while the estimate isn't shown (§5.3)."""
    if not verdict.shown or not found:
        return None
    shown = verdict.score  # the rounded estimate, as the band was taken from it
    return Chance(
        percent=shown,
        low=min(_round(found["low"]), shown),
        high=max(_round(found["high"]), shown),
        words=side.chance_words(shown),
        heard=found["heard"],
        silent=found["silent"],
        open=found["open"],
        leans=bool(found["leans"]),
        site=_round(found["site"]),
        toward=toward,
    )


@dataclass(frozen=True)
class Rate:
    """A side figure as shown: the plain share of the reports with its counts and interval
    (never a percentage the counts contradict), shown from MIN_COUNT_SHOWN answers."""

    key: str
    title: str
    explanation: str
    percent: int | None  # the plain share yes/count, shown from 3 answers
    yes: int
    count: int
    industry_percent: int | None = None
    low: int | None = None  # its Wilson interval (scoring.figures.wilson_interval)
    high: int | None = None


@dataclass(frozen=True)
class Bar:
    label: str
    percent: int  # bar length, 0-100
    text: str  # what the bar says, in words


@dataclass(frozen=True)
class Period:
    label: str
    shown: bool
    reviews: int
    score: int | None = None  # the estimated chance of hearing back in the period, percent
    hear_back: int | None = None  # the plain share of its reports that heard back
    hear_back_count: int = 0
    hear_back_yes: int = 0


# The chart of waits for a decision is drawn from this many reports (decisions and silences).
DAYS_CHART_MIN_REPORTS = 5


@dataclass(frozen=True)
class Days:
    decisions: int
    median: int | None
    p80: int | None
    # The range of decision days in the chart's bucket bounds (scoring.figures.days_to_decision).
    span: str | None
    never: int
    bars: list[Bar]
    industry_median: int | None = None

    @property
    def chart(self) -> bool:
        return self.decisions + self.never >= DAYS_CHART_MIN_REPORTS


@dataclass
class Profile:
    verdict: Verdict
    stats: EmployerStats | None
    chance: Chance | None = None
    counts: dict = field(default_factory=dict)  # heard, silent, open: the plain counts
    rates: list[Rate] = field(default_factory=list)
    stages: list[Bar] = field(default_factory=list)
    days: Days | None = None
    periods: list[Period] = field(default_factory=list)
    expect: dict | None = None
    expect_basis: str | None = None
    # Issue 18: every step reached, the whole process's length, what waiting cost.
    steps: list[Bar] = field(default_factory=list)
    steps_reports: int = 0
    lengths: list[Bar] = field(default_factory=list)
    length_decisions: int = 0
    turned_down_work: int | None = None
    industry_label: str | None = None
    industry_score: int | None = None

    @property
    def review_count(self) -> int:
        return self.stats.review_count if self.stats else 0

    # The display rule in words (scoring.engine.shown_when), for the page that shows no figure;
    # how many established accounts it takes is not published (scoring/methodology.py).
    needs_authors = params.MIN_DISTINCT_AUTHORS_SHOWN


def percent(value: float | None) -> int | None:
    return _round(None if value is None else 100 * value)


def build(employer: Employer, verdict: Verdict, inputs: Inputs) -> Profile:
    stats = employer.stats
    profile = Profile(verdict=verdict, stats=stats)
    figures = side.public(stats.figures if stats else None, verdict.shown)
    # An industry figure pooled from fewer than five reviewers is not there (§5.3, applied by
    # scoring.stats.public_baselines where the baselines are computed and read).
    industry = inputs.industry(employer.industry.value if employer.industry else None)
    if industry and employer.industry:
        profile.industry_label = employer.industry.label
        profile.industry_score = _round(industry.get("score"))
    found = figures.get("headline")
    # Scores shrink toward the industry's μ once it has enough employers (scoring.stats.mu_for).
    toward = "the site-wide figure"
    if industry and employer.industry and industry.get("mu") is not None:
        toward = f"the {employer.industry.label} industry's figure"
    profile.chance = chance(verdict, found, toward)
    profile.counts = {key: (found or {}).get(key, 0) for key in ("heard", "silent", "open")}
    for key, title, explanation in RATES:
        found = figures.get(key) or {}
        shown = found.get("count", 0) >= side.MIN_COUNT_SHOWN
        profile.rates.append(
            Rate(
                key,
                title,
                explanation,
                percent(found.get("raw")) if shown else None,
                found.get("yes", 0),
                found.get("count", 0),
                percent(industry.get(key)) if industry else None,
                percent(found.get("low")) if shown else None,
                percent(found.get("high")) if shown else None,
            )
        )
    profile.stages = [_stage_bar(cell) for cell in figures.get("hear_back_by_stage", [])]
    profile.days = _days(figures.get("days_to_decision"), industry)
    profile.periods = _periods(figures.get("periods") or {})
    steps = figures.get("steps") or {}
    profile.steps_reports = steps.get("reports", 0)
    profile.steps = [
        Bar(
            STAGES[Stage(cell["stage"])][0],
            _share(cell["count"], profile.steps_reports),
            f"{cell['count']} of {_reports(profile.steps_reports)}",
        )
        for cell in steps.get("steps", [])
    ]
    lengths = figures.get("process_length") or {}
    profile.length_decisions = lengths.get("decisions", 0)
    if len(lengths.get("buckets", [])) > 1:
        profile.lengths = [
            Bar(
                bucket["label"],
                _share(bucket["count"], profile.length_decisions),
                _reports(bucket["count"]),
            )
            for bucket in lengths["buckets"]
        ]
    profile.turned_down_work = (figures.get("turned_down_work") or {}).get("candidates")
    profile.expect = figures.get("expect")
    if profile.expect:
        profile.expect_basis = BASIS_WORDS.get(profile.expect["basis"])
    return profile


def _stage_bar(cell: dict) -> Bar:
    """'3 of 8 reports heard back (38%; likely 20-58%)': the plain share and its interval."""
    counts = f"{cell['yes']} of {cell['count']} reports heard back"
    if cell.get("raw") is None or cell["count"] < side.MIN_COUNT_SHOWN:
        return Bar(cell["label"], 0, counts)
    text = f"{counts} ({percent(cell['raw'])}%"
    if cell.get("low") is not None:
        text += f"; likely {percent(cell['low'])}–{percent(cell['high'])}%"  # noqa: RUF001
    return Bar(cell["label"], percent(cell["raw"]), text + ")")


def _round(value: float | None) -> int | None:
    """Half up, like the score (scoring.engine.display): 62.5% shows as 63%."""
    return None if value is None else math.floor(value + 0.5)


def _days(found: dict | None, industry: dict | None) -> Days | None:
    if not found or not (found.get("decisions") or found.get("never")):
        return None
    total = found["decisions"] + found["never"]
    bars = [
        Bar(bucket["label"], _share(bucket["count"], total), _reports(bucket["count"]))
        for bucket in found["buckets"]
    ]
    bars.append(Bar("Never heard back", _share(found["never"], total), _reports(found["never"])))
    return Days(
        decisions=found["decisions"],
        median=found.get("median"),
        p80=found.get("p80"),
        span=_span(found.get("min"), found.get("max")),
        never=found["never"],
        bars=bars,
        industry_median=(industry or {}).get("days", {}).get("median"),
    )


def _span(low: int | None, high: int | None) -> str | None:
    """'8 to 14 days', 'within 7 days', 'more than 60 days': bucket bounds, never a wait."""
    if low is None:
        return None
    if high is None:
        last = side.DAY_BUCKETS[-2][1]
        return f"more than {last} days" if low > last else f"{low} to more than {last} days"
    return f"within {high} days" if low == 0 else f"{low} to {high} days"


def _share(count: int, total: int) -> int:
    return _round(100 * count / total) if total else 0


def _reports(count: int) -> str:
    return f"{count} {'report' if count == 1 else 'reports'}"


def _periods(found: dict) -> list[Period]:
    periods = []
    for key, label in (("recent", "Last 12 months"), ("all", "All time")):
        cell = found.get(key)
        if not cell:
            continue
        hear_back = cell.get("hear_back") or {}
        periods.append(
            Period(
                label,
                cell["shown"],
                cell["reviews"],
                _round(cell.get("score")),
                percent(hear_back.get("raw")),
                hear_back.get("count", 0),
                hear_back.get("yes", 0),
            )
        )
    return periods
