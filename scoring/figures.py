"""The side figures of an employer page (DESIGN.md §6, "Side figures"), as plain functions.

Like scoring.engine, nothing here reads the database or the clock. Each figure is a share of
reviews for which a yes/no question has an answer ("did they hear back?"), weighted by the same
time decay as the score and shrunk the same way toward a site-wide (or industry) share:

    rate = (Σw·x + M·μ) / (Σw + M)

with μ the pooled share and M = max(M̂, 10) from the same method-of-moments estimate as the score
(scoring.engine.method_of_moments_M). Every figure carries its raw counts ("12 of 20"), and a
rate is shown only from MIN_COUNT_SHOWN answers on.

Small-count protection (DESIGN.md §5.3): a breakdown cell (a stage group, a period) with fewer
than MIN_CELL_AUTHORS distinct reviewers is merged into "other stages", or not shown.
"""

from __future__ import annotations

import math
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from statistics import NormalDist

from scoring import engine, params
from scoring.vocabulary import DECISIONS, Outcome, Stage

# DESIGN.md §5.3: a breakdown cell needs this many distinct reviewers.
MIN_CELL_AUTHORS = 5
# A side figure shows a rate from this many answers on (below: the raw counts only), like the score.
MIN_COUNT_SHOWN = 3
# DESIGN.md §6: days to decision as a KM median and 80th percentile from 10 decisions on.
MIN_DECISIONS_FOR_QUANTILES = 10
RECENT_DAYS = 365  # "the last 12 months"

# Stage groups for "hear-back rate by stage": the steps a candidate recognises.
STAGE_GROUPS: tuple[tuple[str, str, frozenset[Stage]], ...] = (
    ("applied", "After applying", frozenset({Stage.applied})),
    ("screen", "After a screening call", frozenset({Stage.screen})),
    ("interview", "After interviews", frozenset({Stage.interview, Stage.assignment})),
    ("final", "After a final round", frozenset({Stage.final, Stage.references, Stage.offer})),
)
OTHER_STAGES = ("other", "Other stages (merged: too few reports to show apart)")

# Days-to-decision chart buckets: (label, last day included); None = no upper bound.
DAY_BUCKETS: tuple[tuple[str, int | None], ...] = (
    ("Within a week", 7),
    ("8 to 14 days", 14),
    ("15 to 30 days", 30),
    ("31 to 60 days", 60),
    ("Over 60 days", None),
)

# "What to expect": follow up once after the typical wait, move on after twice that, in bounds.
FOLLOW_UP_MIN_DAYS = 7
FOLLOW_UP_MAX_DAYS = 30
MOVE_ON_MIN_DAYS = 30
MOVE_ON_MAX_DAYS = 90


# --- The yes/no questions ---------------------------------------------------------------------

_BEFORE_INTERVIEWS = frozenset(stage for stage in Stage if stage.rank < Stage.interview.rank)


def _silent_days(facts: engine.ReviewFacts, today: date) -> int:
    return max((today - facts.last_contact_on).days, 0)


def _ghosted(facts: engine.ReviewFacts) -> bool:
    return facts.outcome is Outcome.ghosted or (
        facts.outcome is Outcome.waiting and facts.presumed_ghosted
    )


def heard_back(facts: engine.ReviewFacts, today: date) -> bool | None:
    """A decision came unprompted (yes), or the candidate was ghosted or had to chase the
    answer (no); open cases, withdrawals: None (scoring.engine.heard_back)."""
    return engine.heard_back(facts)


def timeline_kept(facts: engine.ReviewFacts, today: date) -> bool | None:
    """With a stated timeline: decided within it (yes); decided late, ghosted, or still waiting
    past it (no). No timeline, a withdrawal, or waiting within it: None."""
    promised = facts.promised_days
    if promised is None or facts.outcome is Outcome.withdrew:
        return None
    if facts.outcome in DECISIONS:
        return facts.decision_days is not None and facts.decision_days <= promised
    if _ghosted(facts):
        return False
    return False if _silent_days(facts, today) > promised else None


def got_feedback(facts: engine.ReviewFacts, today: date) -> bool | None:
    """Among rejections at interview stage or later: was there specific feedback?"""
    outcome = facts.outcome
    if outcome is not Outcome.rejected_with_feedback and outcome is not Outcome.rejected:
        return None
    if facts.stage in _BEFORE_INTERVIEWS:
        return None
    return outcome is Outcome.rejected_with_feedback


def followup_answered(facts: engine.ReviewFacts, today: date) -> bool | None:
    """Among candidates who sent follow-ups (and said how many were answered): any answer?"""
    if not facts.followups_sent or facts.followups_answered is None:
        return None
    return facts.followups_answered > 0


Question = Callable[[engine.ReviewFacts, date], "bool | None"]

# The figures that are a share of yes answers, in the order the page shows them.
QUESTIONS: dict[str, Question] = {
    "hear_back": heard_back,
    "timeline_kept": timeline_kept,
    "feedback": got_feedback,
    "followup_answered": followup_answered,
}


# --- Shrunk shares ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Prior:
    """What a share shrinks toward: μ (0-1) and M."""

    mu: float
    m: float = params.M_FLOOR

    @classmethod
    def of(cls, raw: dict | None, default_mu: float = 0.5) -> Prior:
        if not raw:
            return cls(default_mu)
        return cls(float(raw.get("mu", default_mu)), max(float(raw.get("m", 0)), params.M_FLOOR))


Weighted = Sequence[tuple[engine.ReviewFacts, float]]


def weighted(facts_list: Iterable[engine.ReviewFacts], today: date) -> list:
    """(facts, w) for the reviews that count (w > 0): every figure starts from this. New
    accounts' reviews together count at most params.NEW_ACCOUNT_CAP more than the established
    reviewers' (scaled down together when over); a new account's review with verified contact
    is outside the cap (scoring.engine.weighs_in_full)."""
    pairs = []
    for facts in facts_list:
        weight = engine.weight(facts, today)
        if weight > 0:
            pairs.append((facts, weight, engine.weighs_in_full(facts)))
    if params.NEW_ACCOUNT_CAP is None:
        return [(facts, weight) for facts, weight, _ in pairs]
    new = sum(weight for _, weight, full in pairs if not full)
    # The base is the established accounts' weight: verified reviews from new accounts are not
    # capped, and don't raise what fresh accounts may weigh beside them (params).
    cap = params.NEW_ACCOUNT_CAP + sum(
        weight for facts, weight, full in pairs if full and not facts.new_account
    )
    scale = cap / new if new > cap else 1.0
    return [(facts, weight if full else weight * scale) for facts, weight, full in pairs]


def answers(
    pairs: Weighted, question: Question, today: date
) -> list[tuple[float, float, int | str]]:
    """(x, w, author) for every weighted review that answers the question (x 1 or 0)."""
    found = []
    for facts, weight in pairs:
        answer = question(facts, today)
        if answer is not None:
            found.append((1.0 if answer else 0.0, weight, facts.author_key))
    return found


ShareSums = tuple[int, int, float, float]  # count, yes, Σw, Σx·w (share_of)


def share(found: Sequence[tuple[float, float, int | str]], prior: Prior) -> dict:
    """`share_of` the answers (x, w, author) of `answers`."""
    return share_of(*share_sums(found), prior)


def share_sums(found: Sequence[tuple[float, float, int | str]]) -> ShareSums:
    return (
        len(found),
        sum(1 for x, _, _ in found if x),
        sum(w for _, w, _ in found),
        sum(x * w for x, w, _ in found),
    )


def share_of(count: int, yes: int, n: float, weighted_yes: float, prior: Prior) -> dict:
    """{"rate": shrunk share or None, "raw": plain share or None, "yes": k, "count": n,
    "low", "high": the Wilson interval of the plain share (None with no answer)}, from the
    answers' count, yes answers, Σw and Σx·w.

    Pages show the plain share with its counts and interval ("1 of 24 reports (4%; likely
    1-13%)"), which can never contradict the counts; the shrunk rate stays for the API and
    for sorting."""
    rate = None
    if count >= MIN_COUNT_SHOWN:
        rate = round((weighted_yes + prior.m * prior.mu) / (n + prior.m), 4)
    raw = raw_share(yes, count)
    low, high = wilson_interval(yes, count) if count else (None, None)
    return {"rate": rate, "raw": raw, "yes": yes, "count": count, "low": low, "high": high}


def raw_share(yes: int, count: int) -> float | None:
    """The plain share a page shows (None with no answer)."""
    return round(yes / count, 4) if count else None


def wilson_interval(yes: int, count: int, mass: float = params.INTERVAL_MASS) -> tuple:
    """The Wilson score interval of yes/count holding `mass` (the headline's 80%), rounded to
    4 places. Unlike p ± z·SE it stays inside [0, 1] and is never empty at 0 or count yes."""
    if count <= 0 or not 0 <= yes <= count:
        raise ValueError(f"need 0 <= yes <= count and count > 0, got {yes} of {count}")
    z = NormalDist().inv_cdf(0.5 + mass / 2)
    p = yes / count
    z2n = z * z / count
    centre = (p + z2n / 2) / (1 + z2n)
    half = z * math.sqrt(p * (1 - p) / count + z2n / (4 * count)) / (1 + z2n)
    return round(max(centre - half, 0.0), 4), round(min(centre + half, 1.0), 4)


def by_stage(pairs: Weighted, today: date, priors: dict) -> list[dict]:
    """Hear-back rate per stage group (`stage_cells`)."""
    found = {
        key: answers([p for p in pairs if p[0].stage in stages], heard_back, today)
        for key, _, stages in STAGE_GROUPS
    }
    sums = {key: share_sums(cell) for key, cell in found.items()}

    def authors_of(keys: Iterable[str]) -> int:
        return len({author for key in keys for _, _, author in found[key]})

    return stage_cells(sums, authors_of, priors)


def stage_cells(
    sums: dict[str, ShareSums], authors_of: Callable[[Iterable[str]], int], priors: dict
) -> list[dict]:
    """Hear-back rate per stage group, from each group's ShareSums and the distinct reviewers
    of any set of groups; groups with fewer than five reviewers are merged into "other stages",
    which is itself left out if still too small (DESIGN.md §5.3)."""
    cells = []
    merged: list[str] = []
    for key, label, _ in STAGE_GROUPS:
        if not sums[key][0]:
            continue
        if authors_of((key,)) < MIN_CELL_AUTHORS:
            merged.append(key)
            continue
        prior = Prior.of(priors.get(f"hear_back_{key}") or priors.get("hear_back"))
        cells.append({"stage": key, "label": label, **share_of(*sums[key], prior)})
    if merged and authors_of(merged) >= MIN_CELL_AUTHORS:
        key, label = OTHER_STAGES
        prior = Prior.of(priors.get("hear_back"))
        total = tuple(sum(sums[name][i] for name in merged) for i in range(4))
        cells.append({"stage": key, "label": label, **share_of(*total, prior)})
    return cells


# --- The headline -----------------------------------------------------------------------------


def headline(found: engine.Estimate, pairs: Weighted, today: date) -> dict:
    """`headline_of` these weighted reviews."""
    heard = silent = open_cases = 0
    for facts, _ in pairs:
        answer = engine.heard_back(facts)
        if answer is True:
            heard += 1
        elif answer is False:
            silent += 1
        elif facts.outcome is Outcome.waiting:
            open_cases += 1
    return headline_of(found, heard, silent, open_cases)


def headline_of(found: engine.Estimate, heard: int, silent: int, open_cases: int) -> dict:
    """What the top of an employer page says: the estimated chance of hearing back (percent)
    with its interval, the plain counts it rests on, and whether it leans toward the site-wide
    figure (few reports). Counts are of the reviews that count (weight > 0)."""
    return {
        "estimate": round(found.value, 2),
        "low": round(found.low, 2),
        "high": round(found.high, 2),
        "heard": heard,
        "silent": silent,
        "open": open_cases,
        "leans": found.leans,
        "site": round(100 * found.mu, 2),
    }


ESTIMATE_KEYS = ("estimate", "low", "high")


def public(figures: dict | None, shown: bool) -> dict:
    """The stored figures as pages and the API give them. Where the headline estimate is not shown
    (engine.shown_when), neither is any estimate: the headline's value and interval and each
    period's estimate are left out, the counts stay (a period cell needs only five accounts,
    fresh or not, and would otherwise show what the display rule hides)."""
    out = dict(figures or {})
    if shown:
        return out
    if out.get("headline"):
        out["headline"] = {k: v for k, v in out["headline"].items() if k not in ESTIMATE_KEYS}
    if out.get("periods"):
        out["periods"] = {key: {**cell, "score": None} for key, cell in out["periods"].items()}
    return out


def chance_words(percent: int) -> str:
    """The chance of hearing back as a candidate says it: "About 1 in 10 candidates hear back"
    below 25%, where "1 in N" reads more truly than a small percentage; "About 62% of
    candidates hear back" above. `percent` is the shown (rounded) estimate."""
    if percent < 5:
        return "Fewer than 1 in 20 candidates hear back"
    if percent < 25:
        return f"About 1 in {math.floor(100 / percent + 0.5)} candidates hear back"
    return f"About {percent}% of candidates hear back"


# --- Days to decision -------------------------------------------------------------------------


def curve_of(pairs: Weighted, today: date) -> engine.KMCurve:
    """The Kaplan-Meier curve of days to decision over these reviews (unweighted, like F)."""
    return engine.kaplan_meier(observations(pairs, today))


def observations(pairs: Weighted, today: date) -> Iterator[tuple[int, bool]]:
    """The KM observations (engine.km_observation) of these weighted reviews."""
    return (obs for facts, _ in pairs if (obs := engine.km_observation(facts, today)))


def days_to_decision(pairs: Weighted, today: date) -> dict:
    """`days_of` these weighted reviews."""
    scored = [facts for facts, _ in pairs]
    return days_of(
        Counter(f.decision_days for f in scored if _shown_days(f)),
        curve_of(pairs, today),
        Counter(_heard_days(scored)),
        sum(1 for f in scored if _ghosted(f)),
    )


def days_of(
    decided: Mapping[int, int], curve: engine.KMCurve, heard: Mapping[int, int], never: int
) -> dict:
    """KM median and 80th percentile from 10 decisions on; below that the range of decision days,
    widened to the chart's buckets. `decided` and `heard` count the decisions (_shown_days) and
    those heard unprompted (_heard_days) by day count.
    A quantile the curve never reaches is None ("more than <longest wait> days")."""
    days = [day for day, count in decided.items() if count > 0]
    count = sum(decided.values())
    # The range in the chart's bucket bounds: the shortest and longest waits are each one
    # candidate's own day count, a quasi-identifier (DESIGN.md §5.8-5.9). "max" None: over the
    # last bound.
    result: dict = {
        "decisions": count,
        "median": None,
        "p80": None,
        "min": bucket_bounds(min(days))[0] if days else None,
        "max": bucket_bounds(max(days))[1] if days else None,
        "buckets": _buckets(decided),
        "never": never,
    }
    if count >= MIN_DECISIONS_FOR_QUANTILES:
        result["median"] = curve.quantile(0.5)
        result["p80"] = curve.quantile(0.8)
        result["answered_p80"] = answered_p80_of(heard)
    return result


def _heard_days(facts_list) -> list[int]:
    """Decision days of the candidates who heard back: "those who heard back mostly did within
    N days" leaves out answers the candidate had to chase (silence, DESIGN.md §6)."""
    return [f.decision_days for f in facts_list if _shown_days(f) and not f.chased]


def _shown_days(facts) -> bool:
    """A decision whose day count may be shown, even bucketed: not one recorded by confirming a
    contact report, whose days are that day minus the last contact (§5.8); the card shows none,
    so neither may the chart, the range or a percentile at a small employer."""
    return (
        facts.outcome in DECISIONS
        and facts.decision_days is not None
        and not (facts.contact_confirmed)
    )


def answered_p80(decided: Iterable[int]) -> int | None:
    """The day by which 80% of these decisions had come (nearest rank).

    Unlike the KM quantiles this leaves out the silent cases: it answers "if they answer, how
    soon?", which is what the "what to expect" advice needs.
    """
    return answered_p80_of(Counter(decided))


def answered_p80_of(decided: Mapping[int, int]) -> int | None:
    """`answered_p80` of decisions counted by day count."""
    total = sum(decided.values())
    if not total:
        return None
    rank = max(math.ceil(0.8 * total) - 1, 0)
    seen = 0
    for day in sorted(decided):
        seen += decided[day]
        if seen > rank:
            return day
    raise AssertionError("the rank is below the total")


def day_bucket(days: int) -> str:
    """The chart's bucket of a day count: how cards show decision days (DESIGN.md §5.8)."""
    for label, high in DAY_BUCKETS:
        if high is None or days <= high:
            return label
    raise AssertionError("the last bucket has no upper bound")


def bucket_bounds(days: int) -> tuple[int, int | None]:
    """The first and last day of the chart's bucket holding `days` (None: no upper bound)."""
    low = 0
    for _, high in DAY_BUCKETS:
        if high is None or days <= high:
            return low, high
        low = high + 1
    raise AssertionError("the last bucket has no upper bound")


def _buckets(decided: Mapping[int, int]) -> list[dict]:
    counts: Counter[str] = Counter()
    for days, count in decided.items():
        counts[day_bucket(days)] += count
    return [{"label": label, "count": counts[label]} for label, _ in DAY_BUCKETS]


def pooled_days(pairs: Weighted, today: date) -> dict:
    """An industry's or the site's days to decision: KM median and 80th percentile, and the
    80th percentile among the answered; from five distinct candidates' decisions on."""
    tally = PooledDays(today)
    tally.add(pairs)
    return tally.days()


class PooledDays:
    """`pooled_days`, fed one employer's weighted reviews at a time."""

    __slots__ = ("curve", "deciders", "heard", "today")

    def __init__(self, today: date) -> None:
        self.today = today
        self.curve = engine.KMTally()
        self.deciders = _Enough()
        self.heard = array("i")  # _heard_days

    def add(self, pairs: Weighted) -> None:
        self.curve.extend(observations(pairs, self.today))
        deciders = [f for f, _ in pairs if _shown_days(f)]
        self.deciders.update(f.author_key for f in deciders)
        self.heard.extend(_heard_days(deciders))

    def merge(self, other: PooledDays) -> None:
        self.curve.merge(other.curve)
        self.deciders.merge(other.deciders)
        self.heard += other.heard

    def days(self) -> dict:
        curve = self.curve.curve()
        if not self.deciders.enough():
            # A pooled wait from fewer than five candidates' decisions is theirs (§5.3, §5.9).
            return {"median": None, "p80": None, "answered_p80": None, "decisions": curve.events}
        return {
            "median": curve.median(),
            "p80": curve.quantile(0.8),
            "answered_p80": answered_p80(self.heard),
            "decisions": curve.events,
        }


# --- The whole process, every step, what waiting cost (issue 18) -----------------------------

# Total process length (applied → decision) chart: (lowest month, highest month) of each bucket;
# None: no upper bound. Months of 30.44 days.
LENGTH_BUCKETS: tuple[tuple[int, int | None], ...] = ((0, 1), (1, 2), (2, 3), (3, 6), (6, None))
DAYS_PER_MONTH = 30.44
# Only the month the process began is kept: it is taken to have begun mid-month.
MID_MONTH_DAYS = 14


def process_days(facts: engine.ReviewFacts) -> int | None:
    """Days from the process's start (mid-month of its month) to the decision, for a decision
    whose day count may be shown (_shown_days); None otherwise."""
    if facts.process_month is None or not _shown_days(facts):
        return None
    decided_on = facts.last_contact_on.toordinal() + facts.decision_days
    return max(decided_on - facts.process_month.toordinal() - MID_MONTH_DAYS, 0)


def length_label(low: int, high: int | None) -> str:
    """'Under 1 month', '1 to 3 months', 'Over 6 months' (bounds in months)."""
    if high is None:
        return "Any length" if low == 0 else f"Over {low} {_months(low)}"
    if low == 0:
        return f"Under {high} {_months(high)}"
    return f"{low} to {high} months"


def _months(count: int) -> str:
    return "month" if count == 1 else "months"


def _length_bucket(days: int) -> int:
    months = days / DAYS_PER_MONTH
    for index, (_, high) in enumerate(LENGTH_BUCKETS):
        if high is None or months < high:
            return index
    raise AssertionError("the last bucket has no upper bound")


def process_length(facts_list: Iterable[engine.ReviewFacts]) -> dict:
    """`length_cells` of these reviews."""
    counts = [0] * len(LENGTH_BUCKETS)
    authors: list[set] = [set() for _ in LENGTH_BUCKETS]
    for facts in facts_list:
        days = process_days(facts)
        if days is not None:
            bucket = _length_bucket(days)
            counts[bucket] += 1
            authors[bucket].add(facts.author_key)

    def authors_of(first: int, last: int) -> int:
        return len(set().union(*authors[first : last + 1]))

    return length_cells(counts, authors_of)


def length_cells(counts: Sequence[int], authors_of: Callable[[int, int], int]) -> dict:
    """How long the whole process took, applied to decision, as a distribution over
    LENGTH_BUCKETS, from the decisions in each bucket and the distinct candidates of any run of
    buckets (first..last). A bucket with fewer than MIN_CELL_AUTHORS distinct candidates is
    merged with its smaller neighbour until every bucket has enough (DESIGN.md §5.3); with
    fewer in all, no bucket is shown, only the count of decisions."""
    decisions = sum(counts)
    # (first bucket, last bucket, decisions) of the buckets with any
    cells = [(index, index, count) for index, count in enumerate(counts) if count]
    if authors_of(0, len(counts) - 1) < MIN_CELL_AUTHORS:
        return {"decisions": decisions, "buckets": []}
    while len(cells) > 1:
        small = [
            i for i, cell in enumerate(cells) if authors_of(cell[0], cell[1]) < MIN_CELL_AUTHORS
        ]
        if not small:
            break
        i = small[0]
        if i == 0:
            j = 1
        elif i == len(cells) - 1:
            j = i - 1
        else:  # the smaller neighbour, so the merged range stays as narrow as it can
            j = i - 1 if cells[i - 1][2] <= cells[i + 1][2] else i + 1
        first, second = sorted((i, j))
        a, b = cells[first], cells[second]
        cells[first : second + 1] = [(a[0], b[1], a[2] + b[2])]
    return {
        "decisions": decisions,
        "buckets": [
            {
                "label": length_label(LENGTH_BUCKETS[first][0], LENGTH_BUCKETS[last][1]),
                "count": count,
            }
            for first, last, count in cells
        ],
    }


# The steps a report may list (every stage after applying), in order.
LISTED_STEPS = tuple(stage for stage in Stage if stage is not Stage.applied)


def steps_reached(facts_list: Iterable[engine.ReviewFacts]) -> dict:
    """`steps_of` these reviews."""
    listed = [facts for facts in facts_list if facts.steps]
    having = {
        stage: [facts for facts in listed if facts.steps & (1 << stage.rank)]
        for stage in LISTED_STEPS
    }
    return steps_of(
        len(listed),
        len({facts.author_key for facts in listed}),
        {
            stage: (len(found), len({facts.author_key for facts in found}))
            for stage, found in having.items()
        },
    )


def steps_of(reports: int, authors: int, having: Mapping[Stage, tuple[int, int]]) -> dict:
    """Of the reports that listed every step they went through (`reports`, by `authors`
    distinct candidates), how many had each step (screening call ... offer): `having` gives each
    step's reports and distinct candidates. A step is shown from MIN_CELL_AUTHORS distinct
    candidates on, and nothing is shown until that many listed their steps (DESIGN.md §5.3)."""
    if authors < MIN_CELL_AUTHORS:
        return {"reports": 0, "steps": []}
    steps = [
        {"stage": stage.value, "count": having[stage][0]}
        for stage in LISTED_STEPS
        if having[stage][1] >= MIN_CELL_AUTHORS
    ]
    return {"reports": reports, "steps": steps}


def turned_down_work(facts_list: Iterable[engine.ReviewFacts]) -> dict:
    """`turned_down_of` these reviews."""
    return turned_down_of(len({f.author_key for f in facts_list if f.turned_down_work is True}))


def turned_down_of(authors: int) -> dict:
    """How many candidates turned down other work while they waited: a count shown from
    MIN_CELL_AUTHORS distinct candidates on (below, None: fewer than five is a breakdown cell
    that could point at someone, DESIGN.md §5.3)."""
    return {"candidates": authors if authors >= MIN_CELL_AUTHORS else None}


# --- Periods, advice --------------------------------------------------------------------------


def period_figures(
    pairs: Weighted,
    today: date,
    score_of: Callable[[Weighted], float | None],
    priors: dict,
) -> dict:
    """`period_of` the last 12 months and of the whole history."""
    recent = [p for p in pairs if _silent_days(p[0], today) <= RECENT_DAYS]
    out = {}
    for key, subset in (("recent", recent), ("all", list(pairs))):
        found = answers(subset, heard_back, today)
        reviewers = len({facts.author_key for facts, _ in subset})
        out[key] = period_of(
            len(subset),
            reviewers,
            lambda subset=subset: score_of(subset),
            lambda found=found: share(found, Prior.of(priors.get("hear_back"))),
        )
    return out


def period_of(
    reviews: int,
    reviewers: int,
    score: Callable[[], float | None],
    hear_back: Callable[[], dict],
) -> dict:
    """One period's cell: score and hear-back rate, shown only with five or more distinct
    reviewers (DESIGN.md §5.3, "period"); `score` and `hear_back` are asked only then."""
    if reviewers < MIN_CELL_AUTHORS:
        return {"shown": False, "reviews": reviews}
    found = score()
    return {
        "shown": True,
        "reviews": reviews,
        "score": round(found, 2) if found is not None else None,
        "hear_back": hear_back(),
    }


def expectation(own: dict, fallback: dict | None, basis_fallback: str) -> dict | None:
    """The "what to expect" advice: most decisions came within `typical_days` (the 80th
    percentile among candidates who got one); follow up once after that (7-30 days), move on
    after twice that (30-90 days). From the employer's own 10 decisions on, else the industry's
    or the site's."""
    basis, p80 = "employer", own.get("answered_p80")
    if p80 is None or own.get("decisions", 0) < MIN_DECISIONS_FOR_QUANTILES:
        if not fallback or fallback.get("answered_p80") is None:
            return None
        basis, p80 = basis_fallback, fallback["answered_p80"]
    follow_up = min(max(p80, FOLLOW_UP_MIN_DAYS), FOLLOW_UP_MAX_DAYS)
    move_on = min(max(2 * follow_up, MOVE_ON_MIN_DAYS), MOVE_ON_MAX_DAYS)
    return {
        "basis": basis,
        "typical_days": p80,
        "follow_up_after": follow_up,
        "move_on_after": move_on,
    }


# --- Site-wide baselines ----------------------------------------------------------------------


def priors_from(grouped: Iterable[Weighted], today: date) -> dict:
    """μ and M for every shrunk share, from every employer's reviews: μ the pooled weighted
    share, M = max(M̂, 10) by the score's method of moments. A share answered by fewer than
    MIN_CELL_AUTHORS distinct reviewers is left out (its figures fall back to the default μ):
    the priors are public (/api/v1/baselines), and one reviewer's share is their answer."""
    tally = PriorsTally(today)
    for pairs in grouped:
        tally.add(pairs)
    return tally.priors()


class _Enough:
    """Distinct authors, counted up to MIN_CELL_AUTHORS: all a k-rule needs to know."""

    __slots__ = ("authors",)

    def __init__(self) -> None:
        self.authors: set[int | str] = set()

    def update(self, authors: Iterable[int | str]) -> None:
        if len(self.authors) < MIN_CELL_AUTHORS:
            for author in authors:
                self.authors.add(author)
                if len(self.authors) >= MIN_CELL_AUTHORS:
                    return

    def merge(self, other: _Enough) -> None:
        self.update(other.authors)

    def enough(self) -> bool:
        return len(self.authors) >= MIN_CELL_AUTHORS


class _PriorCell:
    __slots__ = ("authors", "moments", "w_sums", "xw_sums")

    def __init__(self) -> None:
        self.moments = engine.MomentsTally()
        self.authors = _Enough()
        # Each employer's Σw and Σx·w, summed at the end in the employers' order: the same sum
        # whichever parts the employers were read in.
        self.w_sums = array("d")
        self.xw_sums = array("d")

    def merge(self, other: _PriorCell) -> None:
        self.moments.merge(other.moments)
        self.authors.merge(other.authors)
        self.w_sums += other.w_sums
        self.xw_sums += other.xw_sums


class PriorsTally:
    """`priors_from`, fed one employer's weighted reviews at a time."""

    def __init__(self, today: date) -> None:
        self.today = today
        self.questions: dict[str, tuple[Question, frozenset[Stage] | None]] = {
            name: (question, None) for name, question in QUESTIONS.items()
        }
        for key, _, stages in STAGE_GROUPS:
            self.questions[f"hear_back_{key}"] = (heard_back, stages)
        self.cells = {name: _PriorCell() for name in self.questions}

    def add(self, pairs: Weighted, answered: dict[str, list] | None = None) -> None:
        """One employer's weighted reviews; `answered`: their answers to QUESTIONS, if the
        caller has them already (answers(pairs, question))."""
        for name, (question, stages) in self.questions.items():
            if stages is None and answered is not None:
                found = answered[name]
            else:
                subset = pairs if stages is None else [p for p in pairs if p[0].stage in stages]
                found = answers(subset, question, self.today)
            if not found:
                continue
            cell = self.cells[name]
            cell.authors.update(author for _, _, author in found)
            xs = [x for x, _, _ in found]
            ws = [w for _, w, _ in found]
            # Reduced at once: the estimate needs each employer's moments, not its answers.
            cell.moments.add(engine.employer_moments(xs, ws))
            cell.w_sums.append(sum(ws))
            cell.xw_sums.append(sum(x * w for x, w in zip(xs, ws, strict=True)))

    def merge(self, other: PriorsTally) -> None:
        """Take in the tally of a later part of the employers."""
        for name, cell in self.cells.items():
            cell.merge(other.cells[name])

    def priors(self) -> dict:
        priors = {}
        for name, cell in self.cells.items():
            total_w = sum(cell.w_sums)
            if total_w <= 0 or not cell.authors.enough():
                continue  # a prior pooled from fewer than five reviewers is not kept (§5.3)
            priors[name] = {
                "mu": round(sum(cell.xw_sums) / total_w, 6),
                "m": round(cell.moments.M(), 4),
            }
        return priors
