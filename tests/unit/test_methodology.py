"""The methodology page's service (scoring/methodology.py): the rules as scoring/params.py has
them (account-trust thresholds left out on purpose), the parameters in force, the worked example
against a hand computation and against the engine, and the benchmark files. The arithmetic is in
the comments so a reader can check it."""

from __future__ import annotations

import json
from dataclasses import fields
from datetime import date
from pathlib import Path

import pytest

from scoring import engine, methodology, params
from scoring.models import SiteParameters
from scoring.stats import DEFAULT_MU, Inputs
from tests.factories import SiteParametersFactory

TODAY = date(2026, 6, 1)
# A fixed site: μ = 0.5, M = 4; F(10) = 0.4, F(30) = 0.6.
CURVE = engine.KMCurve(times=(5, 10, 20), cumulative=(0.2, 0.4, 0.6), observations=50, events=30)
INPUTS = Inputs(mu=0.5, m=4.0, within_variance=0.09, curve=CURVE)
ROOT = Path(__file__).resolve().parents[2]


def site_row(**changes) -> SiteParameters:
    return SiteParametersFactory.build(**changes)


@pytest.fixture(autouse=True)
def two_year_half_life(monkeypatch):
    """The hand computations below use a 730-day half-life, whatever params ships."""
    monkeypatch.setattr(params, "HALF_LIFE_DAYS", 730)


# --- rules -----------------------------------------------------------------------------------


def test_rules_come_from_params():
    rules = methodology.rules()
    assert rules.horizon_days == params.HEAR_BACK_HORIZON_DAYS
    assert rules.half_life_days == 730 and rules.half_life_years == pytest.approx(2)
    assert rules.max_age_years == pytest.approx(params.MAX_AGE_DAYS / 365)
    # 2^(-365/730) = 1/√2 = 0.7071; 2^(-730/730) = 0.5
    assert dict(rules.weight_after_years)[1] == pytest.approx(0.70711, abs=1e-5)
    assert dict(rules.weight_after_years)[2] == pytest.approx(0.5)
    assert rules.m_floor == params.M_FLOOR
    assert rules.interval_percent == round(100 * params.INTERVAL_MASS)
    assert (rules.min_reviews_shown, rules.min_authors_shown) == (3, 3)
    assert (rules.most_min_n, rules.most_spread_days, rules.least_min_n) == (
        params.MIN_N_MOST_RESPONSIVE,
        params.MIN_SPREAD_DAYS_MOST_RESPONSIVE,
        params.MIN_N_LEAST_RESPONSIVE,
    )
    assert rules.list_margin_sd == params.LIST_MARGIN_SD
    # The presumed-ghosted mark's secret wait: the publication delay's 72-240 hours, in days.
    assert (rules.ghosted_after_days, rules.ghosted_mark_min_days) == (30, 3)
    assert rules.ghosted_mark_max_days == 10


def test_rules_without_recency_weighting(monkeypatch):
    monkeypatch.setattr(params, "HALF_LIFE_DAYS", None)
    rules = methodology.rules()
    assert rules.half_life_days is None and rules.half_life_years is None
    assert rules.weight_after_years == ()


def test_account_trust_thresholds_are_not_published():
    """Exact thresholds tell a fake-account farm how to pass them (scoring/methodology.py)."""
    rules = methodology.rules()
    published = {getattr(rules, f.name) for f in fields(rules) if f.name != "bands"}
    names = {f.name for f in fields(rules)}
    assert not any("account" in name or "established" in name for name in names)
    assert params.NEW_ACCOUNT_WEIGHT not in published


def test_bands_state_the_rules_band_of_applies():
    bands = {band.name: band for band in methodology.rules().bands}
    assert list(bands) == ["Responsive", "Mixed", "Often silent", "Ghosts"]
    responsive, ghosts = params.RESPONSIVE_FROM, params.GHOSTS_BELOW
    assert f"at or above {responsive}%" in bands["Responsive"].rule
    assert f"under {ghosts}%" in bands["Ghosts"].rule
    low, high = params.MIXED_RANGE
    assert f"from {low}% up to (not including) {high}%" in bands["Mixed"].rule
    low, high = params.OFTEN_SILENT_RANGE
    assert f"from {low}% up to (not including) {high}%" in bands["Often silent"].rule
    # What each sentence says is what the engine does.
    assert engine.band_of(responsive + 5, responsive, 99).value == "Responsive"
    assert engine.band_of(ghosts - 5, 1, ghosts - 1).value == "Ghosts"
    assert engine.band_of(high - 1, low, high - 1).value == "Often silent"
    assert engine.band_of(50, 1, 99) is None  # a wide interval has no label
    assert all(band.calibration is None for band in bands.values())  # no benchmark given


def test_bands_carry_their_calibration():
    calibration = {"Ghosts": methodology.Calibration(40, 0.12, 0.04, 0.22)}
    bands = {band.name: band for band in methodology.rules(calibration).bands}
    assert bands["Ghosts"].calibration == calibration["Ghosts"]
    assert bands["Responsive"].calibration is None


# --- parameters in force ---------------------------------------------------------------------


def test_parameters_on_a_new_site_are_the_defaults():
    now = methodology.parameters_in_force(None)
    assert now.is_default
    assert (now.mu, now.m) == (DEFAULT_MU, params.M_FLOOR)
    assert now.mu_points == pytest.approx(50)
    assert now.m_is_floor
    assert (now.review_count, now.computed_on, now.decisions) == (None, None, 0)
    assert now.decided_by_horizon == 0 and now.median_days is None
    assert now.industries == ()


def test_parameters_from_the_row():
    now = methodology.parameters_in_force(site_row())
    assert not now.is_default
    assert now.mu_points == pytest.approx(62.34)
    assert now.m == pytest.approx(17.456) and not now.m_is_floor
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
    assert [r.kind for r in example.reviews] == ["heard", "heard", "chased", "silent", "waiting"]
    rejection, offer, chased, ghosting, waiting = example.reviews
    assert (rejection.h, offer.h, chased.h, ghosting.h) == (1.0, 1.0, 0.0, 0.0)
    assert rejection.w == pytest.approx(0.958172, abs=1e-6)  # 2^(-45/730)
    assert offer.w == pytest.approx(0.752123, abs=1e-6)  # 2^(-300/730)
    assert chased.w == pytest.approx(0.892310, abs=1e-6)  # 2^(-120/730)
    assert ghosting.w == pytest.approx(0.827039, abs=1e-6)  # 2^(-200/730)
    # Waiting 10 days: q = (F(30) - F(10)) / (1 - F(10)) = (0.6 - 0.4) / 0.6 = 1/3
    assert waiting.hear_back.q == pytest.approx(1 / 3) and waiting.h == pytest.approx(1 / 3)
    assert (waiting.hear_back.f_silent, waiting.hear_back.f_horizon) == (0.4, 0.6)
    assert waiting.w == pytest.approx(0.990550, abs=1e-6)  # 2^(-10/730)

    # n = 0.958172 + 0.752123 + 0.892310 + 0.827039 + 0.990550 = 4.420194
    # Σw·h = 0.958172 + 0.752123 + 0.990550 / 3 = 2.040478
    assert example.n == pytest.approx(4.420194, abs=1e-5)
    assert example.weighted_sum == pytest.approx(2.040478, abs=1e-5)
    # estimate = 100 · (2.040478 + 4 · 0.5) / (4.420194 + 4) = 47.986
    assert example.found.value == pytest.approx(47.986, abs=1e-3)
    # a = 2.040478 + 2 = 4.040478; b = (4.420194 - 2.040478) + 2 = 4.379716
    assert (example.a, example.b) == pytest.approx((4.040478, 4.379716), abs=1e-5)
    assert example.found.low < example.found.value < example.found.high
    assert example.found.leans  # M / (n + M) = 4 / 8.42 = 0.48: the site figure carries half
    # 5 reports by 5 accounts: shown, as 48%, "Mixed" (45-69)
    assert example.verdict.shown and example.verdict.score == 48
    assert example.verdict.band is engine.band_of(48)
    assert example.words == "About 48% of candidates hear back"
    assert example.authors == 5


def test_worked_example_on_a_new_site_gives_waiting_no_chance():
    # F ≡ 0 with no decision on the site, so q = 0 and a waiting report counts as silence.
    example = methodology.worked_example(Inputs.from_row(None), TODAY)
    waiting = example.reviews[-1]
    assert waiting.hear_back.q == 0 and waiting.h == 0
    # estimate = 100 · (Σw·h + M·μ) / (Σw + M), μ = 0.5 and M the floor on a new site; the
    # waiting report adds its weight to Σw and nothing to Σw·h.
    heard = sum(r.w * r.h for r in example.reviews)
    weight = sum(r.w for r in example.reviews)
    m = params.M_FLOOR
    assert example.found.value == pytest.approx(100 * (heard + 0.5 * m) / (weight + m))
    assert example.found.value < 100 * (heard + 0.5 * m) / (weight - waiting.w + m)


def test_worked_example_is_the_engines_estimate():
    for inputs in (INPUTS, Inputs.from_row(site_row())):
        example = methodology.worked_example(inputs, TODAY)
        pairs = [
            (
                engine.review_value(facts, TODAY, km_curve=inputs.curve),
                engine.weight(facts, TODAY),
            )
            for _, facts in methodology.example_facts(TODAY)
        ]
        assert example.found == engine.estimate(pairs, inputs.mu, inputs.m)


def test_worked_example_does_not_depend_on_the_date():
    a = methodology.worked_example(INPUTS, date(2026, 1, 1))
    b = methodology.worked_example(INPUTS, date(2031, 7, 15))
    assert (a.found, a.n) == (b.found, b.n)


# --- the benchmark files ---------------------------------------------------------------------


@pytest.fixture
def fresh_cache():
    methodology.clear_cache()
    yield
    methodology.clear_cache()


def _stat(mean):
    return {"mean": mean, "min": mean, "max": mean}


def adversarial_results() -> dict:
    """An adversarial_results.json as bench/score_adversarial.py --write shapes it."""

    def summary(rho, calibration):
        return {
            "spearman_shown_heardback": _stat(rho),
            "spearman_shown_plain": _stat(rho - 0.05),
            "spearman_shown_shrunk": _stat(rho - 0.01),
            "spearman_all_heardback": _stat(rho),
            "spearman_all_plain": _stat(rho - 0.1),
            "spearman_all_shrunk": _stat(rho),
            "false_shaming": _stat(0.01),
            "honest_held": _stat(0.002),
            "attacked_in_top20_k_le_10": _stat(0.4),
            "glowing_shift_shown": {"mean": 4.2, "max_abs": 9.0, "n": 12},
            "smear_shift_shown": {"mean": -3.1, "max_abs": 7.0, "n": 6},
            "calibration": calibration,
        }

    def row(count, mean, p10, p90):
        return {"count": count, "mean": mean, "p10": p10, "median": mean, "p90": p90}

    return {
        "generated_by": "bench/score_adversarial.py",
        "command": ".venv/bin/python bench/score_adversarial.py --write",
        "commit": "abc1234",
        "date": "2026-12-05T12:00:00Z",
        "runtime_seconds": 812.5,
        "employers": 500,
        "seeds": [1, 2, 3, 4, 5],
        "worlds": {"unimodal": "one hump", "bimodal": "two humps"},
        "targets": {"top20": True, "shift": True, "rho_shown": True, "bands": False},
        "summaries": {
            "unimodal": summary(0.8, {"Ghosts": row(30, 0.10, 0.02, 0.20)}),
            "bimodal": summary(
                0.9,
                {"Ghosts": row(10, 0.14, 0.06, 0.24), "Responsive": row(0, None, None, None)},
            ),
        },
    }


def test_adversarial_results_are_read_and_calibration_pooled(tmp_path, fresh_cache):
    path = tmp_path / "adversarial_results.json"
    path.write_text(json.dumps(adversarial_results()))
    adv = methodology.load_adversarial(path)
    assert [w.name for w in adv.worlds] == ["unimodal", "bimodal"]
    unimodal = adv.worlds[0]
    assert unimodal.rho_shown == pytest.approx((0.8, 0.75, 0.79))
    assert (unimodal.glowing_shift, unimodal.smear_shift) == (4.2, -3.1)
    assert adv.seeds == "1 to 5" and adv.month == "December 2026"
    assert [met for _, met in adv.targets] == [True, True, True, False]
    # Ghosts pooled by count: mean (30·0.10 + 10·0.14) / 40 = 0.11, p10 0.03, p90 0.21
    ghosts = adv.calibration["Ghosts"]
    assert ghosts.count == 40
    assert (ghosts.mean, ghosts.p10, ghosts.p90) == pytest.approx((0.11, 0.03, 0.21))
    assert "Responsive" not in adv.calibration  # no employer in it: no range


def test_missing_or_broken_results_give_none(tmp_path, fresh_cache):
    assert methodology.load_adversarial(tmp_path / "absent.json") is None
    assert methodology.load_benchmark(tmp_path / "absent.json") is None
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    assert methodology.load_adversarial(broken) is None
    incomplete = tmp_path / "incomplete.json"
    incomplete.write_text(json.dumps({"methods": {}}))
    assert methodology.load_benchmark(incomplete) is None
    assert methodology.load_adversarial(incomplete) is None


def test_results_are_read_once(tmp_path, fresh_cache):
    path = tmp_path / "results.json"
    path.write_text(json.dumps(adversarial_results()))
    first = methodology.load_adversarial(path)
    path.unlink()
    assert methodology.load_adversarial(path) is first


def test_the_retired_scores_results_file_loads(fresh_cache):
    bench = methodology.load_benchmark(ROOT / "scoring" / "benchmark_results.json")
    assert bench is not None
    assert {"plain_average", "heardback"} <= {row.key for row in bench.rows}
    assert bench.fake_counts == (1, 5, 20)
    assert bench.fake_rows[-1].label == "HeardBack composite score"
