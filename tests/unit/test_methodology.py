"""The methodology page's service (scoring/methodology.py): the rules as scoring/params.py has
them, the parameters in force, the worked example against a hand computation, and the benchmark
file. The arithmetic is in the comments so a reader can check it."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from reviews.models import Stage
from scoring import engine, methodology, params
from scoring.models import SiteParameters
from scoring.stats import DEFAULT_MU, DEFAULT_WITHIN_VARIANCE, Inputs
from tests.factories import SiteParametersFactory

TODAY = date(2026, 6, 1)
# A fixed site: μ = 0.5, M = 10, σ² = 0.09; F(10) = 0.4, F(30) = 0.6; ū_decided = 0.8.
CURVE = engine.KMCurve(times=(5, 10, 20), cumulative=(0.2, 0.4, 0.6), observations=50, events=30)
INPUTS = Inputs(mu=0.5, m=10.0, within_variance=0.09, curve=CURVE, mean_decided_value=0.8)
ROOT = Path(__file__).resolve().parents[2]


def site_row(**changes) -> SiteParameters:
    return SiteParametersFactory.build(**changes)


# --- rules -----------------------------------------------------------------------------------


def test_rules_come_from_params():
    rules = methodology.rules()
    assert rules.ghosted_by_stage == (
        ("Applied", params.GHOSTED_VALUE[Stage.applied]),
        ("Screening call", params.GHOSTED_VALUE[Stage.screen]),
        ("Interview or later", params.GHOSTED_VALUE_LATER),
    )
    assert (rules.decision_base, rules.t_weight, rules.q_weight, rules.followup_penalty) == (
        params.DECISION_BASE,
        params.T_WEIGHT,
        params.Q_WEIGHT,
        params.UNANSWERED_FOLLOWUPS_PENALTY,
    )
    assert rules.t_by_days == params.T_BY_DAYS and rules.t_late == params.T_LATE
    assert dict(rules.q_by_outcome)["Turned down, no reason"] == 0.5
    assert rules.half_life_days == params.HALF_LIFE_DAYS
    assert rules.half_life_years == pytest.approx(2)  # 730 / 365
    assert rules.max_age_years == pytest.approx(4)
    # 2^(-365/730) = 1/√2 = 0.7071; 2^(-730/730) = 0.5
    assert dict(rules.weight_after_years)[1] == pytest.approx(0.70711, abs=1e-5)
    assert dict(rules.weight_after_years)[2] == pytest.approx(0.5)
    assert (rules.min_reviews_shown, rules.min_authors_shown) == (3, 3)
    assert (rules.most_min_n, rules.most_spread_days, rules.least_min_n) == (5, 30, 10)
    # The presumed-ghosted mark's secret wait: the publication delay's 72-240 hours, in days.
    assert (rules.ghosted_after_days, rules.ghosted_mark_min_days) == (30, 3)
    assert rules.ghosted_mark_max_days == 10


def test_bands_cover_the_scale_without_gaps():
    bands = methodology.rules().bands
    assert [(b.name, b.low, b.high) for b in bands] == [
        ("Responsive", params.RESPONSIVE_FROM, None),
        ("Mixed", params.MIXED_FROM, params.RESPONSIVE_FROM - 1),
        ("Often silent", params.OFTEN_SILENT_FROM, params.MIXED_FROM - 1),
        ("Ghosts", 0, params.OFTEN_SILENT_FROM - 1),
    ]
    for band in bands:  # each band's range gives that band
        for score in (band.low, band.high if band.high is not None else 100):
            assert engine.band_of(score).value == band.name


# --- parameters in force ---------------------------------------------------------------------


def test_parameters_on_a_new_site_are_the_defaults():
    now = methodology.parameters_in_force(None)
    assert now.is_default
    assert (now.mu, now.m, now.within_variance) == (
        DEFAULT_MU,
        params.M_FLOOR,
        DEFAULT_WITHIN_VARIANCE,
    )
    assert now.mu_points == pytest.approx(50)
    assert now.m_is_floor
    assert now.within_sd_points == pytest.approx(30)  # 100·√0.09
    assert (now.review_count, now.computed_on, now.decisions) == (None, None, 0)
    assert now.decided_by_horizon == 0 and now.median_days is None
    assert now.industries == ()


def test_parameters_from_the_row():
    now = methodology.parameters_in_force(site_row())
    assert not now.is_default
    assert now.mu_points == pytest.approx(62.34)
    assert now.m == pytest.approx(17.456) and not now.m_is_floor
    assert now.within_sd_points == pytest.approx(28.089, abs=1e-3)  # 100·√0.0789
    assert (now.review_count, now.computed_on) == (1234, date(2026, 3, 14))
    assert (now.decisions, now.observations) == (30, 50)
    assert now.decided_by_horizon == pytest.approx(0.6)  # F(30) = F(20)
    assert now.median_days == 20  # F reaches 0.5 on day 20


def test_industries_with_their_own_mu_are_named():
    baselines = {
        "industries": {
            "software": {"mu": 0.55, "authors": 900},
            "retail": {"mu": None, "authors": 900},  # too few employers: none in force
            "finance": {"mu": 0.7, "authors": 4},  # fewer than five reviewers: never shown
        }
    }
    now = methodology.parameters_in_force(site_row(baselines=baselines))
    assert now.industries == (("Software & internet", 0.55),)


# --- the worked example ----------------------------------------------------------------------


def test_worked_example_by_hand():
    example = methodology.worked_example(INPUTS, TODAY)
    by_kind = [r.kind for r in example.reviews]
    assert by_kind == ["decision", "decision", "ghosted", "waiting"]
    rejection, offer, ghosting, waiting = example.reviews

    # 1. turned down with a reason on day 4, no promise: T = 1, Q = 1, u = 0.6 + 0.25 + 0.15 = 1
    assert (rejection.timeliness, rejection.quality, rejection.u) == (1.0, 1.0, 1.0)
    assert rejection.w == pytest.approx(0.958172, abs=1e-6)  # 2^(-45/730)
    # 2. an offer on day 10 of a promised 14: T = 1 (kept), Q = 1, u = 1
    assert (offer.timeliness, offer.u) == (1.0, 1.0)
    assert offer.timeliness_reason == "the promised timeline was kept"
    assert offer.w == pytest.approx(0.752123, abs=1e-6)  # 2^(-300/730)
    # 3. ghosted after the final round: u = 0
    assert ghosting.u == 0.0
    assert ghosting.w == pytest.approx(0.827039, abs=1e-6)  # 2^(-200/730)
    # 4. waiting 10 days at interview: q = (F(30) - F(10)) / (1 - F(10)) = (0.6 - 0.4) / 0.6 = 1/3
    #    u = 1/3 · 0.8 + 2/3 · 0 = 0.266667
    assert waiting.hear_back.q == pytest.approx(1 / 3)
    assert (waiting.hear_back.f_silent, waiting.hear_back.f_horizon) == (0.4, 0.6)
    assert waiting.u == pytest.approx(0.266667, abs=1e-6)
    assert waiting.w == pytest.approx(0.990550, abs=1e-6)  # 2^(-10/730)

    # n = 0.958172 + 0.752123 + 0.827039 + 0.990550 = 3.527884
    # Σw·u = 0.958172 + 0.752123 + 0.266667 · 0.990550 = 1.974442; ȳ = 1.974442 / 3.527884
    assert example.n == pytest.approx(3.527884, abs=1e-6)
    assert example.weighted_sum == pytest.approx(1.974442, abs=1e-6)
    assert example.mean == pytest.approx(0.559667, abs=1e-6)
    # S = 100 · (1.974442 + 10 · 0.5) / (3.527884 + 10) = 51.556
    # SD = 100 · √(0.09 / 13.527884) = 8.157
    assert example.score == pytest.approx(51.556, abs=1e-3)
    assert example.sd == pytest.approx(8.157, abs=1e-3)
    # 4 reports by 4 accounts: shown, as 52 ± 8, "Mixed"
    assert example.verdict.shown
    assert (example.verdict.score, example.verdict.sd) == (52, 8)
    assert example.verdict.band is engine.Band.mixed
    assert example.authors == 4


def test_worked_example_on_a_new_site_gives_waiting_no_credit():
    # F ≡ 0 with no decision on the site, so q = 0 and a waiting report is worth u_ghosted = 0.
    example = methodology.worked_example(Inputs.from_row(None), TODAY)
    waiting = example.reviews[-1]
    assert waiting.hear_back.q == 0 and waiting.u == 0
    # S = 100 · (0.958172 + 0.752123 + 10 · 0.5) / (3.527884 + 10) = 49.603
    assert example.score == pytest.approx(49.603, abs=1e-3)
    assert example.verdict.score == 50  # the band follows the rounded score
    assert example.verdict.band is engine.Band.mixed


def test_worked_example_is_the_engines_score():
    for inputs in (INPUTS, Inputs.from_row(site_row())):
        example = methodology.worked_example(inputs, TODAY)
        pairs = [
            (
                engine.review_value(
                    facts,
                    TODAY,
                    km_curve=inputs.curve,
                    mean_decided_value=inputs.mean_decided_value,
                ),
                engine.weight(facts, TODAY),
            )
            for _, facts in methodology.example_facts(TODAY)
        ]
        expected = engine.shrunk_score(pairs, inputs.mu, inputs.m, inputs.within_variance)
        assert (example.score, example.sd) == expected


def test_worked_example_does_not_depend_on_the_date():
    a = methodology.worked_example(INPUTS, date(2026, 1, 1))
    b = methodology.worked_example(INPUTS, date(2031, 7, 15))
    assert (a.score, a.sd, a.n) == (b.score, b.sd, b.n)


# --- the benchmark file ----------------------------------------------------------------------


@pytest.fixture
def fresh_cache():
    methodology.load_benchmark.cache_clear()
    yield
    methodology.load_benchmark.cache_clear()


def _summary(mean):
    return {"mean": mean, "min": mean, "max": mean}


def results(**figures) -> dict:
    """A benchmark_results.json with the given (method: (rho, shaming, +5 fakes)) figures."""
    methods = {}
    for key, (rho, shaming, fake5) in figures.items():
        methods[key] = {
            "label": key.replace("_", " "),
            "spearman": _summary(rho),
            "best50_precision": _summary(0.5),
            "worst50_precision": _summary(0.4),
            "false_shaming": _summary(shaming),
            "fake_shift": {"1": _summary(1.0), "5": _summary(fake5), "20": _summary(20.0)},
        }
    return {
        "command": ".venv/bin/python bench/score_accuracy.py",
        "commit": "abc1234",
        "date": "2026-11-30T10:00:00Z",
        "runtime_seconds": 4.2,
        "employers": 2000,
        "runs": 20,
        "seeds": "1 to 20, one per run",
        "parameters": {"list_size": 50, "fake_counts": [1, 5, 20]},
        "world": {"reviews": 11653, "at_most_3": 0.77},
        "methods": methods,
    }


def test_the_shipped_results_file_loads(fresh_cache):
    bench = methodology.load_benchmark(ROOT / "scoring" / "benchmark_results.json")
    assert bench is not None, "run .venv/bin/python bench/score_accuracy.py"
    assert {"plain_average", "heardback"} <= {row.key for row in bench.rows}
    assert bench.fake_counts == (1, 5, 20)
    assert [row.key for row in bench.fake_rows] == [
        "plain_average",
        "imdb_average",
        "wilson_lower_bound",
        "heardback",
    ]
    assert bench.fake_rows[-1].label == "HeardBack score"
    assert len(bench.highlights) == 4


def test_missing_or_broken_results_give_none(tmp_path, fresh_cache):
    assert methodology.load_benchmark(tmp_path / "absent.json") is None
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    assert methodology.load_benchmark(broken) is None
    incomplete = tmp_path / "incomplete.json"
    incomplete.write_text(json.dumps({"methods": {}}))
    assert methodology.load_benchmark(incomplete) is None


def test_results_are_read_once(tmp_path, fresh_cache):
    path = tmp_path / "results.json"
    path.write_text(json.dumps(results(heardback=(0.6, 0.05, 14.0), plain_average=(0.5, 0.3, 31))))
    first = methodology.load_benchmark(path)
    path.unlink()
    assert methodology.load_benchmark(path) is first


def test_highlights_are_worded_from_the_figures():
    ahead = methodology.benchmark_from(
        results(
            heardback=(0.588, 0.06, 14.3),
            plain_average=(0.538, 0.29, 30.8),
            imdb_average=(0.597, 0.01, 13.7),
        )
    )
    lines = ahead.highlights
    assert "better than a plain average" in lines[0] and "0.59 against 0.54" in lines[0]
    assert "6% were in truth better than the median" in lines[1] and "against 29%" in lines[1]
    assert "by 14 points" in lines[2] and "against 31" in lines[2]
    assert "IMDb" in lines[3] and "better than HeardBack's score" in lines[3]

    behind = methodology.benchmark_from(
        results(heardback=(0.50, 0.3, 30), plain_average=(0.55, 0.2, 20), imdb_average=(0.5, 0, 1))
    )
    assert "worse than a plain average" in behind.highlights[0]
    assert "about as well as HeardBack's score" in behind.highlights[3]
