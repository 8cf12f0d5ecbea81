"""Score accuracy: HeardBack's score against simpler methods in a simulation with known truth.

    .venv/bin/python bench/score_accuracy.py [--employers 2000] [--seed 1] [--runs 20]
        [--no-write] [--doc docs/scoring.md] [--results scoring/benchmark_results.json]

Each run simulates employers with a known true responsiveness, long-tailed review counts, open
cases and reporting bias (ghosted candidates review more often), scores them with four methods and
compares each with the truth. The table (mean over the runs, min-max in brackets) is printed and
written to docs/scoring.md with the machine, the commit and the command line; the hand-written
section of that file between the INTERPRETATION markers is kept as it is. The same figures go to
scoring/benchmark_results.json, which the methodology page reads (scoring/methodology.py).

The commit is marked "(with uncommitted changes)" when the working tree differs from it in bench/,
scoring/engine.py or scoring/params.py, the files that decide the figures.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from reviews.models import DECISIONS, Outcome, Stage  # noqa: E402
from scoring import engine, params  # noqa: E402

DOC = ROOT / "docs" / "scoring.md"
RESULTS = ROOT / "scoring" / "benchmark_results.json"
# The files whose changes change the figures: a run from a working tree that differs from HEAD in
# one of them is not a run of HEAD.
SOURCES = ("bench", "scoring/engine.py", "scoring/params.py")
TODAY = date(2026, 1, 1)  # fixed, so a run depends on the seed only

# --- The simulated world -------------------------------------------------------------------------

# True responsiveness p (chance a candidate hears a decision): a mixture of three kinds of employer.
MIXTURE = ((0.30, 2.0, 5.0), (0.50, 5.0, 3.0), (0.20, 9.0, 2.0))  # (share, Beta a, Beta b)
# Stage reached (ghosted value depends on it), the same for every employer.
STAGES = (
    (Stage.applied, 0.45),
    (Stage.screen, 0.20),
    (Stage.interview, 0.18),
    (Stage.assignment, 0.05),
    (Stage.final, 0.09),
    (Stage.references, 0.03),
)
# Review counts: N = floor(U^(-1/alpha)), so P(N <= 3) = 1 - 4^-alpha = 0.77.
COUNT_ALPHA = math.log(1 / 0.23) / math.log(4)
MAX_REVIEWS = 400
# Days to decision: lognormal around the employer's median, which is lognormal around 10 days.
MEDIAN_DAYS_CENTRE = 10.0
MEDIAN_DAYS_SIGMA = 0.8
DAYS_SIGMA = 0.6
# Among decisions: offers, rescinded, and a per-employer share of rejections with feedback.
OFFER_SHARE = 0.12
RESCINDED_SHARE = 0.01
FEEDBACK_BETA = (2.0, 4.0)
# A review is "open" (written recently, outcome not known yet) with this chance; its days since
# last contact are uniform up to OPEN_MAX_DAYS. Others are settled, last contact up to 2 years ago.
OPEN_SHARE = 0.12
OPEN_MAX_DAYS = 45
HISTORY_DAYS = 730
# Reporting bias: a ghosted candidate is this many times more likely to write a review.
GHOSTED_REPORTING_BIAS = 1.5

IMDB_M = 10.0
WILSON_Z = 1.959964
LIST_SIZE = 50
FAKE_COUNTS = (1, 5, 20)


@dataclass
class Employer:
    index: int
    p: float
    median_days: float
    feedback_share: float
    truth: float
    facts: list[engine.ReviewFacts] = field(default_factory=list)


def _phi(x: float) -> float:
    return 0.5 * (1 + math.erf(x / math.sqrt(2)))


def true_value(p: float, median_days: float, feedback_share: float) -> float:
    """E[u] of one experience with the employer, unbiased and with its final outcome known.

    u is linear in T and Q, so this is exact: decided days d = max(1, round(X)), X lognormal.
    """

    def at_most(days: int) -> float:  # P(d <= days)
        return _phi((math.log(days + 0.5) - math.log(median_days)) / DAYS_SIGMA)

    previous, expected_t = 0.0, 0.0
    for within, t in params.T_BY_DAYS:
        upto = at_most(within)
        expected_t += t * (upto - previous)
        previous = upto
    expected_t += params.T_LATE * (1 - previous)
    rejections = 1 - OFFER_SHARE - RESCINDED_SHARE
    q_of = params.Q_BY_OUTCOME
    expected_q = (
        OFFER_SHARE * q_of[Outcome.offer]
        + RESCINDED_SHARE * q_of[Outcome.rescinded]
        + rejections * feedback_share * q_of[Outcome.rejected_with_feedback]
        + rejections * (1 - feedback_share) * q_of[Outcome.rejected]
    )
    decided = params.DECISION_BASE + params.T_WEIGHT * expected_t + params.Q_WEIGHT * expected_q
    ghosted = sum(share * engine.ghosted_value(stage) for stage, share in STAGES)
    return p * decided + (1 - p) * ghosted


def _pick(rng: random.Random, table):
    x, total = rng.random(), 0.0
    for item, share in table:
        total += share
        if x < total:
            return item
    return table[-1][0]


def simulate(employers: int, seed: int) -> list[Employer]:
    rng = random.Random(seed)
    world = []
    author = 0
    for index in range(employers):
        a, b = _pick(rng, [((a, b), share) for share, a, b in MIXTURE])
        p = rng.betavariate(a, b)
        median_days = MEDIAN_DAYS_CENTRE * math.exp(rng.gauss(0, MEDIAN_DAYS_SIGMA))
        feedback_share = rng.betavariate(*FEEDBACK_BETA)
        employer = Employer(
            index, p, median_days, feedback_share, true_value(p, median_days, feedback_share)
        )
        count = min(int((1 - rng.random()) ** (-1 / COUNT_ALPHA)), MAX_REVIEWS)
        while len(employer.facts) < count:
            decided = rng.random() < p
            # Reporting bias by thinning: every ghosted experience is written up, a decided one
            # only with chance 1/1.5.
            if decided and rng.random() >= 1 / GHOSTED_REPORTING_BIAS:
                continue
            author += 1
            employer.facts.append(_review(rng, employer, decided, author))
        world.append(employer)
    return world


def _review(rng: random.Random, employer: Employer, decided: bool, author: int):
    stage = _pick(rng, STAGES)
    days = max(1, round(employer.median_days * math.exp(rng.gauss(0, DAYS_SIGMA))))
    x = rng.random()
    if x < OFFER_SHARE:
        outcome = Outcome.offer
    elif x < OFFER_SHARE + RESCINDED_SHARE:
        outcome = Outcome.rescinded
    elif rng.random() < employer.feedback_share:
        outcome = Outcome.rejected_with_feedback
    else:
        outcome = Outcome.rejected
    if rng.random() < OPEN_SHARE:
        silent = rng.randint(0, OPEN_MAX_DAYS)
        if not (decided and days <= silent):
            # Still waiting as of today; a decided experience will turn out a decision later.
            outcome, days = Outcome.waiting, None
    else:
        silent = rng.randint(0, HISTORY_DAYS)
        if not decided:
            outcome, days = Outcome.ghosted, None
    return engine.ReviewFacts(
        stage=stage,
        outcome=outcome,
        decision_days=days,
        promised_days=None,
        followups_sent=None,
        followups_answered=None,
        feedback=None,
        last_contact_on=TODAY - timedelta(days=silent),
        presumed_ghosted=outcome is Outcome.waiting and silent > 30,
        held=False,
        author_key=author,
    )


def fake_review(author: str) -> engine.ReviewFacts:
    return engine.ReviewFacts(
        stage=Stage.offer,
        outcome=Outcome.offer,
        decision_days=1,
        promised_days=None,
        followups_sent=None,
        followups_answered=None,
        feedback=None,
        last_contact_on=TODAY,
        presumed_ghosted=False,
        held=False,
        author_key=author,
    )


# --- The methods ----------------------------------------------------------------------------------


@dataclass
class Context:
    """Site-wide inputs, computed once from the real reviews and held fixed during the attack."""

    km: engine.KMCurve
    mean_decided: float
    global_mean: float  # unweighted mean u (IMDb's C)
    mu: float  # weighted mean u (HeardBack's μ)
    M: float
    within: float


def values(facts_list, ctx: Context) -> list[tuple[float, float, engine.ReviewFacts]]:
    out = []
    for facts in facts_list:
        w = engine.weight(facts, TODAY)
        u = engine.review_value(facts, TODAY, km_curve=ctx.km, mean_decided_value=ctx.mean_decided)
        if u is not None:
            out.append((u, w, facts))
    return out


def plain_average(scored) -> float:
    return 100 * sum(u for u, _, _ in scored) / len(scored)


def imdb(scored, ctx: Context) -> float:
    v = len(scored)
    mean = sum(u for u, _, _ in scored) / v
    return 100 * (v / (v + IMDB_M) * mean + IMDB_M / (v + IMDB_M) * ctx.global_mean)


def wilson(scored, ctx: Context) -> float:
    """95% lower bound on the share not ghosted. An open case counts as its chance q of still
    hearing back by day 30 (the same q the score uses), so the counts can be fractional."""
    successes, trials = 0.0, 0
    for _, _, facts in scored:
        trials += 1
        if facts.outcome in DECISIONS:
            successes += 1
        elif facts.outcome is Outcome.waiting and not facts.presumed_ghosted:
            silent = (TODAY - facts.last_contact_on).days
            successes += engine.hear_back_chance(ctx.km, silent)
    share, z2 = successes / trials, WILSON_Z**2
    centre = share + z2 / (2 * trials)
    margin = WILSON_Z * math.sqrt(share * (1 - share) / trials + z2 / (4 * trials**2))
    return 100 * max(centre - margin, 0.0) / (1 + z2 / trials)


@dataclass
class HeardBack:
    score: float
    sd: float
    n: float
    shown: bool
    most_ok: bool
    least_ok: bool


def heardback(scored, ctx: Context) -> HeardBack:
    pairs = [(u, w) for u, w, _ in scored]
    score, sd = engine.shrunk_score(pairs, ctx.mu, ctx.M, ctx.within)
    n = sum(w for _, w in pairs)
    facts_list = [facts for _, _, facts in scored]
    shown = engine.display(score, sd, n, engine.distinct_authors(facts_list, TODAY)).shown
    spread = engine.spread_days(facts_list, TODAY)
    return HeardBack(
        score,
        sd,
        n,
        shown,
        shown
        and engine.eligible_most_responsive(n, spread)
        and engine.clearly_above_mean(score, sd, ctx.mu),
        shown
        and engine.eligible_least_responsive(n)
        and engine.clearly_below_mean(score, sd, ctx.mu),
    )


def context(world: list[Employer]) -> Context:
    every = [facts for employer in world for facts in employer.facts]
    km, mean_decided = engine.pooled_inputs(every, TODAY)
    ctx = Context(km, mean_decided, 0.0, 0.0, params.M_FLOOR, 0.0)
    per_employer, total_u, count, total_wu, total_w = [], 0.0, 0, 0.0, 0.0
    for employer in world:
        scored = values(employer.facts, ctx)
        per_employer.append(([u for u, _, _ in scored], [w for _, w, _ in scored]))
        for u, w, _ in scored:
            total_u, count, total_wu, total_w = (
                total_u + u,
                count + 1,
                total_wu + w * u,
                total_w + w,
            )
    ctx.global_mean = total_u / count
    ctx.mu = total_wu / total_w
    ctx.M = engine.method_of_moments_M(per_employer)
    ctx.within = engine.pooled_within_variance(per_employer) or 0.0
    return ctx


# --- Metrics --------------------------------------------------------------------------------------


def average_ranks(xs: list[float]) -> list[float]:
    order = sorted(range(len(xs)), key=lambda i: xs[i])
    ranks = [0.0] * len(xs)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and xs[order[j + 1]] == xs[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


def spearman(xs: list[float], ys: list[float]) -> float:
    rx, ry = average_ranks(xs), average_ranks(ys)
    mx, my = sum(rx) / len(rx), sum(ry) / len(ry)
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry, strict=True))
    vx = sum((a - mx) ** 2 for a in rx)
    vy = sum((b - my) ** 2 for b in ry)
    return cov / math.sqrt(vx * vy) if vx > 0 and vy > 0 else 0.0


METHODS = ("plain average", "IMDb Bayesian average (m = 10)", "Wilson lower bound (95%)")
HB = "HeardBack score (site's list rules)"
HB_ALL = "HeardBack score, no list rules"
ROWS = (*METHODS, HB, HB_ALL)


def run(employers: int, seed: int) -> dict[str, dict[str, float]]:
    """One simulation: {method: {metric: value}}."""
    world = simulate(employers, seed)
    world = [employer for employer in world if employer.facts]
    ctx = context(world)
    truth = [employer.truth for employer in world]
    cut = max(1, len(world) // 10)
    by_truth = sorted(range(len(world)), key=lambda i: truth[i])
    true_bottom, true_top = set(by_truth[:cut]), set(by_truth[-cut:])
    median = sorted(truth)[len(truth) // 2]

    scores: dict[str, list[float]] = {name: [] for name in ROWS}
    hb_rows: list[HeardBack] = []
    counts = []
    for employer in world:
        scored = values(employer.facts, ctx)
        counts.append(len(scored))
        scores[METHODS[0]].append(plain_average(scored))
        scores[METHODS[1]].append(imdb(scored, ctx))
        scores[METHODS[2]].append(wilson(scored, ctx))
        hb = heardback(scored, ctx)
        hb_rows.append(hb)
        scores[HB].append(hb.score)
        scores[HB_ALL].append(hb.score)

    results: dict[str, dict[str, float]] = {}
    everyone = range(len(world))
    for name in ROWS:
        s = scores[name]
        if name == HB:
            best_pool = [i for i in everyone if hb_rows[i].most_ok]
            worst_pool = [i for i in everyone if hb_rows[i].least_ok]
            best = sorted(best_pool, key=lambda i: engine.most_responsive_key(s[i], hb_rows[i].n))
            worst = sorted(
                worst_pool,
                key=lambda i: engine.least_responsive_key(s[i], hb_rows[i].sd, hb_rows[i].n),
            )
        else:
            # A naive site lists everyone with a review; ties go to more reviews, then at random
            # (the employers are in random order).
            best = sorted(everyone, key=lambda i: (-s[i], -counts[i]))
            worst = sorted(everyone, key=lambda i: (s[i], -counts[i]))
        best, worst = best[:LIST_SIZE], worst[:LIST_SIZE]
        results[name] = {
            "spearman": spearman(s, truth),
            "best": _share(best, true_top),
            "worst": _share(worst, true_bottom),
            "shaming": _share(worst, {i for i in everyone if truth[i] > median}),
            "best_size": len(best),
            "worst_size": len(worst),
        }

    # The attack: every employer with exactly 3 real reviews, one at a time, site-wide inputs fixed.
    targets = [i for i in everyone if len(world[i].facts) == 3]
    for k in FAKE_COUNTS:
        moved = {name: 0.0 for name in ROWS}
        for i in targets:
            fakes = [fake_review(f"fake-{i}-{j}") for j in range(k)]
            scored = values(world[i].facts + fakes, ctx)
            after = {
                METHODS[0]: plain_average(scored),
                METHODS[1]: imdb(scored, ctx),
                METHODS[2]: wilson(scored, ctx),
                HB: heardback(scored, ctx).score,
            }
            after[HB_ALL] = after[HB]
            for name in ROWS:
                moved[name] += after[name] - scores[name][i]
        for name in ROWS:
            results[name][f"fake{k}"] = moved[name] / len(targets) if targets else float("nan")

    results["_world"] = {
        "employers": len(world),
        "reviews": sum(counts),
        "at_most_3": sum(c <= 3 for c in counts) / len(counts),
        "targets": len(targets),
        "M": ctx.M,
        "mu": ctx.mu,
        "within": ctx.within,
        "most_pool": sum(hb.most_ok for hb in hb_rows),
        "least_pool": sum(hb.least_ok for hb in hb_rows),
    }
    return results


def _share(chosen: list[int], wanted: set[int]) -> float:
    return sum(i in wanted for i in chosen) / len(chosen) if chosen else float("nan")


# --- Report ---------------------------------------------------------------------------------------

COLUMNS = (
    ("spearman", "Spearman ρ", "{:.3f}"),  # noqa: RUF001
    ("best", "best-50 precision", "{:.0%}"),
    ("worst", "worst-50 precision", "{:.0%}"),
    ("shaming", "above-median in worst-50", "{:.0%}"),
    ("fake1", "+1 fake", "{:+.1f}"),
    ("fake5", "+5 fake", "{:+.1f}"),
    ("fake20", "+20 fake", "{:+.1f}"),
)


def _cell(values_: list[float], fmt: str) -> str:
    mean = sum(values_) / len(values_)
    if len(values_) == 1:
        return fmt.format(mean)
    return f"{fmt.format(mean)} [{fmt.format(min(values_))}, {fmt.format(max(values_))}]"


def table(runs: list[dict[str, dict[str, float]]]) -> str:
    lines = [
        "| method | " + " | ".join(title for _, title, _ in COLUMNS) + " |",
        "|---" * (len(COLUMNS) + 1) + "|",
    ]
    for name in ROWS:
        cells = [_cell([r[name][key] for r in runs], fmt) for key, _, fmt in COLUMNS]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def world_summary(runs: list[dict[str, dict[str, float]]]) -> str:
    def mean(key: str) -> float:
        return sum(r["_world"][key] for r in runs) / len(runs)

    return (
        f"Per run (means over the runs): {mean('employers'):.0f} employers, "
        f"{mean('reviews'):.0f} reviews, {mean('at_most_3'):.0%} of employers with ≤ 3 reviews; "
        f"μ = {mean('mu'):.3f}, M = {mean('M'):.1f}, pooled within variance "
        f"{mean('within'):.3f}; {mean('most_pool'):.0f} employers eligible for the most responsive "
        f"list and {mean('least_pool'):.0f} for the least responsive list; the attack is on "
        f"{mean('targets'):.0f} employers with exactly 3 reviews."
    )


MARK_START = "<!-- INTERPRETATION:START (hand-written; kept by bench/score_accuracy.py) -->"
MARK_END = "<!-- INTERPRETATION:END -->"
PLACEHOLDER = "(Interpretation to be written after a run.)"


def kept_interpretation(doc: Path = DOC) -> str:
    if doc.exists():
        text = doc.read_text()
        if MARK_START in text and MARK_END in text:
            return text.split(MARK_START, 1)[1].split(MARK_END, 1)[0].strip()
    return PLACEHOLDER


def _git(*args: str) -> str | None:
    try:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
    except OSError:
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def source_state() -> tuple[str, bool]:
    """(short commit of HEAD, whether bench/ or the engine's files differ from it)."""
    head = _git("rev-parse", "--short", "HEAD") or "unknown"
    changes = _git("status", "--porcelain", "--", *SOURCES)
    return head, bool(changes)


def commit_label(head: str, dirty: bool) -> str:
    return f"{head} (with uncommitted changes)" if dirty else head


def machine() -> str:
    return f"{platform.platform()}, Python {platform.python_version()}, {os.cpu_count()} CPUs"


DESIGN_TEXT = f"""\
## The simulation

Each run draws, with `random.Random(seed + run)`:

- **Employers** (`--employers`, default 2,000). True responsiveness p, the chance a candidate hears
  a decision, from a mixture: 30% Beta(2, 5) ("often silent"), 50% Beta(5, 3), 20% Beta(9, 2).
  True timeliness: a median days-to-decision, lognormal around {MEDIAN_DAYS_CENTRE:g} days
  (σ = {MEDIAN_DAYS_SIGMA}); each decision takes lognormal days around it (σ = {DAYS_SIGMA}),
  at least 1. Among decisions {OFFER_SHARE:.0%} are offers, {RESCINDED_SHARE:.0%} rescinded, and a
  per-employer Beta(2, 4) share of the rejections come with feedback.
- **Review counts**, long-tailed: N = ⌊U^(−1/α)⌋ with α = {COUNT_ALPHA:.2f}, so that
  P(N ≤ 3) = 77%; capped at {MAX_REVIEWS}.
- **Each review**: stage reached (applied 45%, screen 20%, interview 18%, assignment 5%, final
  9%, references 3%); decision with chance p, else ghosted. **Reporting bias**: ghosted candidates
  are {GHOSTED_REPORTING_BIAS}× as likely to write a review (a decided experience is kept with
  chance 1/{GHOSTED_REPORTING_BIAS}, by thinning, until the employer has its N reviews).
  **Open cases**: {OPEN_SHARE:.0%} of reviews were written recently, 0–{OPEN_MAX_DAYS} days after
  the last contact; unless the decision has already come, they are `waiting` (presumed ghosted
  past 30 days), and those with a decision still to come are exactly the open cases that later
  turn out decisions. The others are settled, last contact uniform over the two years before
  `today` = {TODAY.isoformat()}. No promised timelines and no follow-ups are simulated.
- **Truth** per employer: the expected u of one experience under its true parameters, computed
  exactly (u is linear in T and Q): p·E[u | decision] + (1 − p)·E[u_ghosted(stage)]. It has no
  reporting bias and no open cases.

Every method scores the same u values (`scoring.engine.review_value`, with the Kaplan–Meier curve
and ū_decided pooled over all reviews by `pooled_inputs`):

- **plain average**: mean u of the employer's reviews.
- **IMDb Bayesian average**: (v/(v + m))·R + (m/(v + m))·C with v the number of reviews, R their
  mean u, m = {IMDB_M:g} and C the mean u over all reviews.
- **Wilson lower bound** (95%) on the share of reviews not ghosted: a decision is a success,
  ghosted or presumed ghosted a failure, and an open case counts as its chance q of still hearing
  back by day 30 (the same q the score uses), so counts can be fractional.
- **HeardBack**: `shrunk_score` with the weights w (two-year half-life), μ the weighted mean u,
  M = `method_of_moments_M`, the SD from `pooled_within_variance`. Its lists follow the site: the
  best list takes shown employers with n ≥ 5 and a spread ≥ 30 days, sorted by S; the worst list
  shown employers with n ≥ 10, sorted by S + SD. The row "no list rules" ranks everyone by S, to
  separate what the formula does from what the thresholds do.

The baselines' lists take every employer with a review (as a naive site would), ties broken by
more reviews first, then at random.

## The metrics

- **Spearman ρ** between the method's score and the truth over all employers with ≥ 1 review
  (average ranks for ties), shown employers or not.
- **best-50 precision**: share of the method's top {LIST_SIZE} that are in the true top 10% of
  employers; **worst-50 precision**: share of its bottom {LIST_SIZE} in the true bottom 10%.
- **above-median in worst-50** ("false shaming"): share of the method's worst-{LIST_SIZE} list whose
  truth is above the median.
- **+k fake**: for every employer with exactly 3 real reviews, one at a time, add k fake perfect
  reviews (offer, decided on day 1, last contact today, k distinct authors, so u = 1 and w = 1)
  and report the mean change of its score in points (0–100), with the site-wide inputs (F,
  ū_decided, C, μ, M) held at their values without the fakes. Wilson moves on its own scale (a
  lower bound on a share), so its numbers are comparable in size, not in meaning.
"""  # noqa: RUF001


@dataclass(frozen=True)
class Stamp:
    """What identifies a run: how it was started, from which source, when, how long it took."""

    command: str
    head: str
    dirty: bool
    started: datetime
    seconds: float

    @property
    def commit(self) -> str:
        return commit_label(self.head, self.dirty)


def command_line(argv: list[str]) -> str:
    return " ".join([".venv/bin/python bench/score_accuracy.py", *argv])


def write_doc(options, runs, stamp: Stamp, doc: Path = DOC) -> None:
    seeds = (
        f"{options.seed}"
        if options.runs == 1
        else (f"{options.seed} to {options.seed + options.runs - 1} (one per run)")
    )
    doc.parent.mkdir(exist_ok=True)
    interpretation = kept_interpretation(doc)
    adversarial = kept_adversarial(doc)
    doc.write_text(
        "# Score accuracy benchmark\n\n"
        "How well HeardBack's responsiveness score (DESIGN.md §6) recovers a known truth, beside "
        "three simpler methods. This file is written by `bench/score_accuracy.py` (the headline "
        "figures also go to `scoring/benchmark_results.json`, which the methodology page shows); "
        "only the interpretation section is hand-written (the script keeps it).\n\n"
        "## Result\n\n"
        f"- Command: `{stamp.command}`\n- Seeds: {seeds}\n- Commit: `{stamp.commit}`\n"
        f"- Machine: {machine()}\n- Run: {stamp.started:%Y-%m-%d %H:%M} UTC, "
        f"{stamp.seconds:.1f} s\n\n"
        f"Mean over {options.runs} run(s) of {options.employers} employers; "
        "[min, max] over the runs.\n\n"
        + table(runs)
        + "\n\n"
        + world_summary(runs)
        + "\n\n## Interpretation\n\n"
        + MARK_START
        + "\n\n"
        + interpretation
        + "\n\n"
        + MARK_END
        + "\n\n"
        + DESIGN_TEXT
        + adversarial
    )


def kept_adversarial(doc: Path = DOC) -> str:
    """The section bench/score_adversarial.py writes into the same file, kept as it is."""
    start, end = "<!-- ADVERSARIAL:START", "<!-- ADVERSARIAL:END -->"
    text = doc.read_text() if doc.exists() else ""
    if start not in text or end not in text:
        return ""
    return "\n" + start + text.split(start, 1)[1].split(end, 1)[0] + end + "\n"


# --- Results as data (read by the methodology page) --------------------------------------------

# Stable keys for the methods in the JSON file; the labels are the table's.
METHOD_IDS = {
    METHODS[0]: "plain_average",
    METHODS[1]: "imdb_average",
    METHODS[2]: "wilson_lower_bound",
    HB: "heardback",
    HB_ALL: "heardback_no_list_rules",
}
# JSON name: the run's metric key.
JSON_METRICS = {
    "spearman": "spearman",
    "best50_precision": "best",
    "worst50_precision": "worst",
    "false_shaming": "shaming",
    "best_list_size": "best_size",
    "worst_list_size": "worst_size",
}


def _summary(values_: list[float]) -> dict[str, float | None]:
    """Mean, min and max over the runs, rounded for reading; None where a run had no value."""
    if any(math.isnan(v) for v in values_):
        return {"mean": None, "min": None, "max": None}
    mean = sum(values_) / len(values_)
    return {
        key: round(v, 4)
        for key, v in (("mean", mean), ("min", min(values_)), ("max", max(values_)))
    }


def results_data(options, runs, stamp: Stamp) -> dict:
    methods = {}
    for name in ROWS:
        entry: dict = {"label": name}
        for key, metric in JSON_METRICS.items():
            entry[key] = _summary([r[name][metric] for r in runs])
        entry["fake_shift"] = {
            str(k): _summary([r[name][f"fake{k}"] for r in runs]) for k in FAKE_COUNTS
        }
        methods[METHOD_IDS[name]] = entry
    world = {key: _summary([r["_world"][key] for r in runs])["mean"] for key in runs[0]["_world"]}
    return {
        "generated_by": "bench/score_accuracy.py",
        "command": stamp.command,
        "commit": stamp.commit,
        "commit_hash": stamp.head,
        "uncommitted_changes": stamp.dirty,
        "date": stamp.started.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "runtime_seconds": round(stamp.seconds, 1),
        "machine": machine(),
        "employers": options.employers,
        "runs": options.runs,
        "seed": options.seed,
        "seeds": f"{options.seed} to {options.seed + options.runs - 1}, one per run",
        "parameters": {
            "employers": options.employers,
            "runs": options.runs,
            "seed": options.seed,
            "today": TODAY.isoformat(),
            "list_size": LIST_SIZE,
            "fake_counts": list(FAKE_COUNTS),
            "imdb_m": IMDB_M,
            "wilson_z": WILSON_Z,
            "mixture": [{"share": s, "beta_a": a, "beta_b": b} for s, a, b in MIXTURE],
            "count_alpha": round(COUNT_ALPHA, 4),
            "max_reviews": MAX_REVIEWS,
            "median_days_centre": MEDIAN_DAYS_CENTRE,
            "open_share": OPEN_SHARE,
            "ghosted_reporting_bias": GHOSTED_REPORTING_BIAS,
        },
        "world": world,
        "methods": methods,
    }


def write_results(options, runs, stamp: Stamp, path: Path = RESULTS) -> None:
    path.parent.mkdir(exist_ok=True)
    path.write_text(
        json.dumps(results_data(options, runs, stamp), indent=2, allow_nan=False) + "\n"
    )


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def main(argv: list[str] | None = None) -> list[dict[str, dict[str, float]]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employers", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=20, help="independent runs, seeds seed..")
    parser.add_argument(
        "--no-write", action="store_true", help="print only, leave the doc and the JSON alone"
    )
    parser.add_argument("--doc", type=Path, default=DOC, help="the Markdown report to write")
    parser.add_argument(
        "--results", type=Path, default=RESULTS, help="the JSON results file to write"
    )
    argv = sys.argv[1:] if argv is None else argv
    options = parser.parse_args(argv)

    # The source state is taken before the run: it is what the run measured.
    head, dirty = source_state()
    started_at = datetime.now(UTC)
    started = time.perf_counter()
    runs = [run(options.employers, options.seed + r) for r in range(options.runs)]
    seconds = time.perf_counter() - started
    stamp = Stamp(command_line(argv), head, dirty, started_at, seconds)
    print(table(runs))
    print()
    print(world_summary(runs))
    print(f"{seconds:.1f} s, commit {stamp.commit}")
    if not options.no_write:
        write_doc(options, runs, stamp, options.doc)
        write_results(options, runs, stamp, options.results)
        print(f"Written to {_shown(options.doc)} and {_shown(options.results)}")
    return runs


if __name__ == "__main__":
    main()
