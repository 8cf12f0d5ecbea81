"""Reporting-bias benchmark: does the correction of scoring.bias bring the site's hear-back rate
back to the truth, and what does it do to the ranking of employers? (DESIGN.md §6, §12;
docs/scoring.md, decision 13.)

    .venv/bin/python bench/reporting_bias.py [--employers 250] [--seed 1] [--quick] [--json PATH]
        [--write]

Two parts:

1. The estimator alone (pure, seconds): numpy draws the counts of a site with a known share of
   silence, n prospective reports without selection and 2,000 retrospective ones whose silent
   outcomes are reported b times as often; scoring.bias measures B and the site's rate is
   corrected with it. Mean absolute error of the site's rate in points, with and without the
   correction, by the number of prospective reports: what the fallback threshold rests on.
2. Worlds through the real database (bench/score_adversarial.py's pipeline: submission, holds,
   publication, the burst cap, `recompute` every 14 simulated days): reporting bias 1×, 1.5×,
   2×, 3× crossed with 0%, 10%, 20%, 30% of honest reports prospective (drawn without selection
   by outcome, marked as applications.sharing.link marks them), and a world whose four
   industries have biases 1×, 1.5×, 2×, 3×. Employers spread over four industries. Each site is
   scored as the site does (per-industry factor where an industry has enough prospective
   reports), and re-scored with the site-wide factor only and with no correction. Measured: the
   site-wide hear-back estimate μ minus the true rate (points; the true rate is the mean true p
   over the honest reports' applications), Spearman's ρ of every reviewed employer's estimate
   against its true p, and the mean error of those estimates. No campaigns: score_adversarial.py
   measures those.

The world is score_adversarial.py's (long-tailed review counts, open cases, accounts, proofs
of contact for 30% of honest reports) with the truth of its "ghosts" world, 40% Beta(1,9) +
60% Beta(5,3), and no drift. Runtime on 2 cores: 18 sites of about 40 s each at the default
size (250 employers) on an otherwise idle machine, 22 minutes measured beside other test runs;
--quick (100 employers, three sites) 1-2.5 minutes.
"""

# The tables use ρ, × and − as a reader expects them.
# ruff: noqa: RUF001, RUF002, RUF003

from __future__ import annotations

import argparse
import json
import math
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from bench import score_adversarial as adv  # noqa: E402
from scoring import bias, params  # noqa: E402

RESULTS = ROOT / "scoring" / "reporting_bias_results.json"  # read by scoring.methodology
TRUTH = ((0.4, 1.0, 9.0), (0.6, 5.0, 3.0))
BIASES = (1.0, 1.5, 2.0, 3.0)
SHARES = (0.0, 0.1, 0.2, 0.3)
INDUSTRIES = ("software", "finance", "healthcare", "retail")
# The mixed world: each industry its own bias.
MIXED = dict(zip(INDUSTRIES, BIASES, strict=True))
MIXED_SHARES = (0.2, 0.3)

# The shrunk variant: log B shrunk toward 0 as a normal prior with this SD would
# (params.BIAS_PRIOR_SD).
PRIOR_SD = 0.5

DEFAULT_EMPLOYERS = 250

# Each site is scored as scoring.params sets it ("set"), and re-scored with these changes.
VARIANTS = (
    ("none", {"BIAS_CORRECTION": False}),
    ("site", {"BIAS_PER_INDUSTRY": False}),
    ("industry", {"BIAS_PER_INDUSTRY": True}),
    ("shrunk", {"BIAS_PRIOR_SD": PRIOR_SD}),
    ("keep", {"BIAS_KEEP_WEIGHT": True}),
)

# Part 1: the estimator alone.
MC_RETROSPECTIVE = 2000
MC_PROSPECTIVE = (10, 20, 30, 50, 100, 200, 400)
MC_SILENT = 0.5  # the true share of silence
MC_RUNS = 4000


# --- Part 1 ----------------------------------------------------------------------------------


def estimator_errors(runs: int, seed: int) -> list[dict]:
    """Per (b, prospective reports): mean |error| of the site's rate in points, without and
    with the correction, and how often B's interval holds the true b."""
    rng = np.random.default_rng(seed)
    rows = []
    truth = 1 - MC_SILENT
    for b in BIASES:
        odds = b * MC_SILENT / (1 - MC_SILENT)
        retro_silent_p = odds / (1 + odds)
        for n in MC_PROSPECTIVE:
            rs = rng.binomial(MC_RETROSPECTIVE, retro_silent_p, runs)
            ps = rng.binomial(n, MC_SILENT, runs)
            plain = corrected = shrunk = covered = 0.0
            for r_silent, p_silent in zip(rs.tolist(), ps.tolist(), strict=True):
                counts = bias.Counts(
                    n,
                    p_silent,
                    n - p_silent,
                    MC_RETROSPECTIVE,
                    r_silent,
                    MC_RETROSPECTIVE - r_silent,
                )
                factor = bias.estimate_factor(counts, 0, "site")
                with adv._params({"BIAS_PRIOR_SD": PRIOR_SD}):
                    prior = bias.estimate_factor(counts, 0, "site").value
                heard = (MC_RETROSPECTIVE - r_silent) + (n - p_silent)
                plain += abs(heard / (MC_RETROSPECTIVE + n) - truth)
                corrected += abs(heard / (heard + r_silent / factor.value + p_silent) - truth)
                shrunk += abs(heard / (heard + r_silent / prior + p_silent) - truth)
                covered += factor.low <= b <= factor.high
            rows.append(
                {
                    "b": b,
                    "prospective": n,
                    "plain": 100 * plain / runs,
                    "corrected": 100 * corrected / runs,
                    "shrunk": 100 * shrunk / runs,
                    "coverage": covered / runs,
                }
            )
    return rows


def estimator_table(rows: list[dict]) -> str:
    lines = [
        "| prospective reports | "
        + " | ".join(f"b = {b:g}: none / corrected / shrunk" for b in BIASES)
        + " | interval holds b (b = 2) |",
        "|---" * (len(BIASES) + 2) + "|",
    ]
    for n in MC_PROSPECTIVE:
        cells = []
        for b in BIASES:
            row = next(r for r in rows if r["b"] == b and r["prospective"] == n)
            cells.append(f"{row['plain']:.1f} / {row['corrected']:.1f} / {row['shrunk']:.1f}")
        cover = next(r for r in rows if r["b"] == 2.0 and r["prospective"] == n)["coverage"]
        lines.append(f"| {n} | " + " | ".join(cells) + f" | {cover:.0%} |")
    return "\n".join(lines)


# --- Part 2 ----------------------------------------------------------------------------------


def plan_site(
    employers: int, seed: int, bias_of: dict[str, float], share: float
) -> tuple[adv.Plan, float]:
    """A site of honest reports (no campaign); the true site-wide rate of its reports'
    applications. Employers and their truth are the same in every cell of a seed."""
    world = adv.World("reporting-bias", TRUTH, 1.0, 0.0, "")
    rng = random.Random(f"reporting-bias-{seed}")
    review_rng = random.Random(f"reporting-bias-{seed}-{sorted(bias_of.items())}-{share}")
    proof_rng = random.Random(f"reporting-bias-{seed}-proofs")
    sim = adv._simulate_employers(world, employers, rng, [])
    for employer in sim:
        employer.industry = INDUSTRIES[employer.index % len(INDUSTRIES)]
    reviews: list[adv.PlannedReview] = []
    truths = []
    for employer in sim:
        for _ in range(employer.honest_reviews):
            at = adv.START + timedelta(days=review_rng.uniform(1, adv.DAYS))
            prospective = review_rng.random() < share
            # A prospective report was not chosen by its outcome: no selection (bias 1).
            factor = 1.0 if prospective else bias_of[employer.industry]
            values = adv._honest_values(review_rng, employer, factor, at)
            verified = proof_rng.random() < adv.PROOF_SHARE
            reviews.append(
                adv.PlannedReview(
                    len(reviews),
                    employer.index,
                    at,
                    values,
                    False,
                    verified=verified,
                    prospective=prospective,
                )
            )
            truths.append(employer.p0)
    plan = adv.Plan(sim, reviews)
    adv._assign_honest_accounts(plan, review_rng)
    plan.reviews.sort(key=lambda review: (review.at, review.key))
    return plan, sum(truths) / len(truths)


def measure(read: dict, truth: float) -> dict:
    figures = read["figures"]
    reviewed = sorted(read["published"])
    pairs = [
        (read["truth"][i], figures[i].estimate) for i in reviewed if figures[i].estimate is not None
    ]
    heard, silent = sum(read["heard"].values()), sum(read["silent"].values())
    stored = read.get("reporting_bias") or {}
    site = bias.Factor.from_dict(stored.get("site"))
    return {
        "truth": 100 * truth,
        "mu": 100 * read["mu"],
        "bias_mu": 100 * (read["mu"] - truth),
        "bias_plain": 100 * (heard / (heard + silent) - truth) if heard + silent else math.nan,
        "rho": adv.spearman([t for t, _ in pairs], [e for _, e in pairs]),
        "mean_error": statistics.fmean(e - 100 * t for t, e in pairs),
        "factor": site.value if site else 1.0,
        "factor_low": site.low if site else None,
        "factor_high": site.high if site else None,
        "prospective": site.prospective if site else 0,
        "retrospective": site.retrospective if site else 0,
        "industries": {
            key: round(cell["value"], 2) for key, cell in (stored.get("industries") or {}).items()
        },
    }


def run_cell(employers: int, seed: int, bias_of: dict[str, float], share: float) -> dict:
    plan, truth = plan_site(employers, seed, bias_of, share)
    adv.SWEEP[:] = list(VARIANTS)
    read = adv.run_site(plan)
    result = {"set": measure(read, truth)}
    for name, _ in VARIANTS:
        result[name] = measure(read["variants"][name], truth)
    return result


def cells(quick: bool) -> list[tuple[str, dict[str, float], float]]:
    uniform = [(f"{b:g}×", dict.fromkeys(INDUSTRIES, b), share) for b in BIASES for share in SHARES]
    mixed = [("by industry 1–3×", MIXED, share) for share in MIXED_SHARES]
    if quick:
        return [uniform[0], uniform[15], mixed[1]]
    return uniform + mixed


# The columns of the table: how each site was scored.
COLUMNS = (
    ("none", "none"),
    ("site", "site B only"),
    ("industry", "per industry"),
    ("shrunk", "shrunk"),
    ("keep", "same Σw"),
    ("set", "as set"),
)


def world_table(results: list[dict]) -> str:
    names = " / ".join(label for _, label in COLUMNS)
    lines = [
        f"| reporting bias | prospective | true rate | site-wide bias, points: plain / {names} | "
        f"ρ all: {names} | mean employer error, points: {names} | B in force (95% interval; "
        "prospective / retrospective reports) | industries with their own B |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in results:
        cell = row["set"]
        if cell["factor_low"] is None:
            factor = f"1 (no correction; {cell['prospective']} prospective)"
        else:
            factor = (
                f"{cell['factor']:.2f} ({cell['factor_low']:.2f}–{cell['factor_high']:.2f}; "
                f"{cell['prospective']} / {cell['retrospective']})"
            )
        own = row["industry"]["industries"]
        own_text = ", ".join(f"{key} {value:.2f}" for key, value in own.items())
        bias_cells = " / ".join(f"{row[key]['bias_mu']:+.1f}" for key, _ in COLUMNS)
        rho_cells = " / ".join(f"{row[key]['rho']:.3f}" for key, _ in COLUMNS)
        error_cells = " / ".join(f"{row[key]['mean_error']:+.1f}" for key, _ in COLUMNS)
        lines.append(
            f"| {row['label']} | {row['share']:.0%} | {cell['truth']:.1f}% | "
            f"{cell['bias_plain']:+.1f} / {bias_cells} | {rho_cells} | {error_cells} | "
            f"{factor} | {own_text or '–'} |"
        )
    return "\n".join(lines)


def parse(argv: list[str]):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employers", type=int, default=DEFAULT_EMPLOYERS)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="100 employers, three cells")
    parser.add_argument("--json", type=Path, help="write the raw figures here")
    parser.add_argument(
        "--write",
        action="store_true",
        help=f"write the figures to {RESULTS.relative_to(ROOT)}, which the methodology page shows",
    )
    options = parser.parse_args(argv)
    if options.quick and options.employers == DEFAULT_EMPLOYERS:
        options.employers = 100
    if options.quick and options.write:
        parser.error("--quick figures are not the record: no --write")
    return options


def main(argv: list[str] | None = None) -> dict:
    argv = sys.argv[1:] if argv is None else argv
    options = parse(argv)
    command = " ".join([".venv/bin/python bench/reporting_bias.py", *argv])
    started = time.perf_counter()
    runs = 400 if options.quick else MC_RUNS
    estimator = estimator_errors(runs, options.seed)
    print(
        f"The estimator alone: mean |error| of the site's rate, points ({runs} draws per cell; "
        f"{MC_RETROSPECTIVE} retrospective reports, true silence {MC_SILENT:.0%})"
    )
    print(estimator_table(estimator))
    print()
    results = []
    for label, bias_of, share in cells(options.quick):
        began = time.perf_counter()
        row = run_cell(options.employers, options.seed, bias_of, share)
        row.update(label=label, share=share)
        results.append(row)
        print(f"{label} {share:.0%}: {time.perf_counter() - began:.1f} s", file=sys.stderr)
    print(
        f"Through the site: {options.employers} employers, seed {options.seed}; "
        f"thresholds {params.BIAS_MIN_PROSPECTIVE} site-wide, "
        f"{params.BIAS_MIN_PROSPECTIVE_INDUSTRY} per industry"
    )
    print(world_table(results))
    seconds = time.perf_counter() - started
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(f"\n{command}: {seconds:.0f} s, {stamp}, commit {adv.commit_label()}")
    data = {
        "command": command,
        "run": stamp,
        "commit": adv.commit_label(),
        "seconds": round(seconds),
        "employers": options.employers,
        "seed": options.seed,
        "estimator": estimator,
        "worlds": results,
    }
    text = json.dumps(data, indent=2, default=str) + "\n"
    if options.json:
        options.json.write_text(text)
    if options.write:
        RESULTS.write_text(text)
        print(f"Written to {RESULTS}")
    return data


if __name__ == "__main__":
    main()
