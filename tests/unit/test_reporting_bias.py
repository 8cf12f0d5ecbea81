"""The reporting-bias factor B (scoring.bias), from known counts.

B is the odds ratio of silence in retrospective reports against prospective ones (tracked before
the outcome was known, DESIGN.md §12); a retrospective silent report then weighs w/B. Below the
threshold of prospective reports there is no correction (B = 1), and B is clamped to
params.BIAS_RANGE (docs/scoring.md, decision 13).
"""

from __future__ import annotations

import math
from datetime import date, timedelta

import pytest

from scoring import bias, params
from scoring.engine import ReviewFacts
from scoring.vocabulary import Outcome, Stage

TODAY = date(2026, 6, 1)


def counts(pro_silent, pro_heard, retro_silent, retro_heard) -> bias.Counts:
    return bias.Counts(
        pro_silent + pro_heard, pro_silent, pro_heard, retro_silent + retro_heard, retro_silent,
        retro_heard,
    )  # fmt: skip


def facts(outcome=Outcome.ghosted, *, prospective=False, presumed=False) -> ReviewFacts:
    decided = outcome in (Outcome.offer, Outcome.rejected)
    return ReviewFacts(
        stage=Stage.interview,
        outcome=outcome,
        decision_days=5 if decided else None,
        promised_days=None,
        followups_sent=None,
        followups_answered=None,
        feedback=None,
        last_contact_on=TODAY - timedelta(days=60),
        presumed_ghosted=presumed,
        held=False,
        author_key="a",
        prospective=prospective,
    )


def test_double_the_odds_of_silence_gives_two():
    # Prospective: silence 1:1. Retrospective: 2:1.
    found = bias.estimate_factor(counts(500, 500, 1000, 500), 50, "site")
    assert found.applied and found.basis == "site"
    assert found.value == pytest.approx(2.0, rel=0.01)
    assert found.low < 2.0 < found.high
    assert found.prospective == 1000 and found.retrospective == 1500


def test_no_bias_gives_one():
    found = bias.estimate_factor(counts(300, 700, 600, 1400), 50, "site")
    assert found.value == pytest.approx(1.0, abs=0.01)


def test_the_estimator_is_the_log_odds_ratio_with_half_added():
    b, se = bias.odds_ratio(counts(20, 40, 300, 200))
    assert b == pytest.approx((300.5 / 200.5) / (20.5 / 40.5))
    assert se == pytest.approx(math.sqrt(1 / 300.5 + 1 / 200.5 + 1 / 20.5 + 1 / 40.5))


def test_an_empty_count_still_gives_a_finite_factor():
    b, se = bias.odds_ratio(counts(0, 60, 100, 100))
    assert math.isfinite(b) and math.isfinite(se)


def test_below_the_threshold_no_correction():
    few = counts(10, 39, 900, 100)  # 49 prospective reports: strong bias, but too few
    found = bias.estimate_factor(few, params.BIAS_MIN_PROSPECTIVE, "site")
    assert not found.applied and found.value == 1.0 and found.basis == "none"
    assert found.estimate is None and found.prospective == 49
    enough = counts(10, 40, 900, 100)
    assert bias.estimate_factor(enough, params.BIAS_MIN_PROSPECTIVE, "site").applied


def test_switched_off_no_correction(monkeypatch):
    monkeypatch.setattr(params, "BIAS_CORRECTION", False)
    found = bias.estimate_factor(counts(500, 500, 1000, 500), 50, "site")
    assert not found.applied and found.value == 1.0


def test_the_interval_narrows_with_more_reports():
    small = bias.estimate_factor(counts(30, 30, 200, 100), 50, "site")
    large = bias.estimate_factor(counts(300, 300, 2000, 1000), 50, "site")
    assert small.value == pytest.approx(large.value, rel=0.05)
    assert large.high - large.low < (small.high - small.low) / 2
    assert large.se_log < small.se_log


@pytest.mark.parametrize(
    ("numbers", "expected"),
    [((100, 900, 900, 100), params.BIAS_RANGE[1]), ((900, 100, 100, 900), params.BIAS_RANGE[0])],
)
def test_the_factor_is_clamped(numbers, expected):
    found = bias.estimate_factor(counts(*numbers), 50, "site")
    assert found.value == expected
    # The measured value is kept, unclamped, for the methodology page.
    assert found.estimate > 4 or found.estimate < 0.5


def test_silence_reported_less_often_is_not_corrected():
    """B < 1 contradicts what the correction is for; in the benchmark it was noise every time
    (docs/scoring.md, decision 13), so it is held at 1."""
    found = bias.estimate_factor(counts(400, 600, 300, 700), 50, "site")
    assert found.applied and found.estimate < 1 and found.value == 1.0


def test_keeping_the_weight_keeps_the_odds(monkeypatch):
    monkeypatch.setattr(params, "BIAS_KEEP_WEIGHT", True)
    valued = [
        (facts(Outcome.ghosted), 0.0, 1.0),
        (facts(Outcome.ghosted), 0.0, 1.0),
        (facts(Outcome.rejected), 1.0, 1.0),
        (facts(Outcome.waiting), 0.6, 1.0),
    ]
    found = bias.corrected(valued, 2.0)
    # Silent 2 → 1 at half weight: odds 1:1, scaled back to the 3 settled reports' weight.
    assert found[0][1] == pytest.approx(0.75) and found[2][1] == pytest.approx(1.5)
    assert sum(w for _, w in found[:3]) == pytest.approx(3.0)
    assert found[3] == (0.6, 1.0)


def test_shrinking_pulls_the_factor_toward_one(monkeypatch):
    plain = bias.estimate_factor(counts(30, 30, 200, 100), 50, "site")
    monkeypatch.setattr(params, "BIAS_PRIOR_SD", 0.3)
    shrunk = bias.estimate_factor(counts(30, 30, 200, 100), 50, "site")
    assert 1.0 < shrunk.value < plain.value


def test_an_industry_with_enough_prospective_reports_uses_its_own(monkeypatch):
    monkeypatch.setattr(params, "BIAS_PER_INDUSTRY", True)  # measured, not in force
    site = counts(500, 500, 1000, 500)  # B = 2
    industries = {
        "software": counts(20, 20, 300, 100),  # 40 prospective, B ≈ 3
        "finance": counts(5, 5, 100, 50),  # 10 prospective: the site's
    }
    stored = bias.factors(site, industries)
    assert set(stored["industries"]) == {"software"}
    software = bias.factor_for(stored, "software")
    assert software.basis == "industry" and software.value == pytest.approx(3.0, rel=0.1)
    finance = bias.factor_for(stored, "finance")
    assert finance.basis == "site" and finance.value == pytest.approx(2.0, rel=0.01)
    assert bias.factor_for(stored, None).basis == "site"


def test_per_industry_switched_off_uses_the_site_everywhere(monkeypatch):
    monkeypatch.setattr(params, "BIAS_PER_INDUSTRY", False)
    stored = bias.factors(counts(500, 500, 1000, 500), {"software": counts(20, 20, 300, 100)})
    assert stored["industries"] == {}
    assert bias.factor_for(stored, "software").basis == "site"


def test_nothing_stored_means_no_correction(monkeypatch):
    monkeypatch.setattr(params, "BIAS_PER_INDUSTRY", True)
    assert bias.factor_for(None, "software").value == 1.0
    few = bias.factors(counts(1, 1, 100, 100), {"software": counts(1, 1, 10, 10)})
    assert bias.factor_for(few, "software").value == 1.0
    assert bias.factor_for(few, "software").prospective == 2  # the site's counts, to say so


def test_the_stored_factor_reads_back():
    found = bias.estimate_factor(counts(500, 500, 1000, 500), 50, "site")
    again = bias.Factor.from_dict(found.as_dict())
    assert again.value == pytest.approx(found.value, abs=1e-4) and again.applied


def test_what_is_counted():
    valued = [
        (facts(Outcome.ghosted, prospective=True), 0.0),
        (facts(Outcome.offer, prospective=True), 1.0),
        (facts(Outcome.waiting, prospective=True), 0.4),  # open: counts nowhere
        (facts(Outcome.waiting, prospective=True, presumed=True), 0.0),  # written while waiting
        (facts(Outcome.ghosted), 0.0),
        (facts(Outcome.ghosted), 0.0),
        (facts(Outcome.rejected), 1.0),
        (facts(Outcome.waiting, presumed=True), 0.0),
        (facts(Outcome.withdrew), 0.0),
    ]
    assert bias.tally(valued) == bias.Counts(2, 1, 1, 3, 2, 1)


def test_only_settled_retrospective_silence_is_reweighted():
    valued = [
        (facts(Outcome.ghosted), 0.0, 1.0),
        (facts(Outcome.rejected), 1.0, 1.0),
        (facts(Outcome.ghosted, prospective=True), 0.0, 1.0),
        (facts(Outcome.waiting, presumed=True), 0.0, 0.25),
        (facts(Outcome.waiting), 0.6, 1.0),
    ]
    assert bias.corrected(valued, 2.0) == [
        (0.0, 0.5),
        (1.0, 1.0),
        (0.0, 1.0),
        (0.0, 0.25),
        (0.6, 1.0),
    ]
    assert bias.corrected(valued, 1.0) == [(h, w) for _, h, w in valued]


def test_the_benchmark_world_reports_prospectively_without_selection():
    """bench/reporting_bias.py: prospective reports come at the share set and tell silence as
    often as it happens; retrospective ones b times the odds."""
    from bench import reporting_bias

    plan, truth = reporting_bias.plan_site(
        400, 1, dict.fromkeys(reporting_bias.INDUSTRIES, 3.0), 0.3
    )
    settled = [r for r in plan.reviews if r.values["outcome"] not in ("waiting",)]
    prospective = [r for r in settled if r.prospective]
    assert 0.25 < len([r for r in plan.reviews if r.prospective]) / len(plan.reviews) < 0.35

    def odds(reviews):
        silent = sum(1 for r in reviews if r.values["outcome"] == "ghosted")
        return silent / (len(reviews) - silent)

    ratio = odds([r for r in settled if not r.prospective]) / odds(prospective)
    assert 2.0 < ratio < 4.5
    assert 0.3 < truth < 0.55
    assert {employer.industry for employer in plan.employers} == set(reporting_bias.INDUSTRIES)
