"""The scoring engine (DESIGN.md §6) against examples computed by hand; the arithmetic is in the
comments so a reader can check it. The headline is the estimated chance of hearing back."""

from __future__ import annotations

import math
import random
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest

from scoring import params
from scoring.engine import (
    Band,
    KMCurve,
    ReviewFacts,
    band_of,
    beta_cdf,
    beta_quantile,
    clearly_above_mean,
    clearly_below_mean,
    display,
    distinct_authors,
    eligible_least_responsive,
    eligible_most_responsive,
    established_authors,
    estimate,
    hear_back_chance,
    heard_back,
    kaplan_meier,
    km_observation,
    least_responsive_key,
    method_of_moments_M,
    most_responsive_key,
    pooled_curve,
    pooled_within_variance,
    review_value,
    shrunk_score,
    spread_days,
    weight,
)
from scoring.vocabulary import DECISIONS, Feedback, Outcome, Stage

TODAY = date(2026, 6, 1)
ROOT = Path(__file__).resolve().parents[2]
EMPTY_CURVE = KMCurve()


def facts(**changes) -> ReviewFacts:
    base = ReviewFacts(
        stage=Stage.interview,
        outcome=Outcome.rejected,
        decision_days=5,
        promised_days=None,
        followups_sent=None,
        followups_answered=None,
        feedback=None,
        last_contact_on=TODAY,
        presumed_ghosted=False,
        held=False,
        author_key=1,
    )
    return replace(base, **changes)


def value(review: ReviewFacts, curve: KMCurve = EMPTY_CURVE):
    return review_value(review, TODAY, km_curve=curve)


def ago(days: int) -> date:
    return TODAY - timedelta(days=days)


# --- h: did the candidate hear back? -------------------------------------------------------------


@pytest.mark.parametrize("outcome", sorted(DECISIONS, key=lambda o: o.value))
def test_a_decision_told_unprompted_is_hearing_back_whatever_its_kind_or_speed(outcome):
    # The composite score's timeliness and quality are side figures now, not the headline.
    for days in (0, 6, 400):
        review = facts(outcome=outcome, decision_days=days, stage=Stage.offer)
        assert heard_back(review) is True
        assert value(review) == 1.0


@pytest.mark.parametrize("outcome", sorted(DECISIONS, key=lambda o: o.value))
def test_a_decision_the_candidate_had_to_chase_is_silence(outcome):
    # DESIGN.md §6: an offer withdrawn, or "it was a mistake", only when chased counts as silence.
    review = facts(outcome=outcome, stage=Stage.offer, chased=True)
    assert heard_back(review) is False
    assert value(review) == 0.0


@pytest.mark.parametrize("stage", list(Stage))
def test_ghosted_is_silence_at_every_stage(stage):
    ghosted = facts(stage=stage, outcome=Outcome.ghosted, decision_days=None)
    presumed = facts(
        stage=stage, outcome=Outcome.waiting, decision_days=None, presumed_ghosted=True
    )
    assert heard_back(ghosted) is heard_back(presumed) is False
    assert value(ghosted) == value(presumed) == 0.0


def test_withdrew_is_not_counted():
    review = facts(outcome=Outcome.withdrew, decision_days=None)
    assert heard_back(review) is None
    assert value(review) is None


def test_an_open_case_is_neither_yes_nor_no():
    review = facts(outcome=Outcome.waiting, decision_days=None, last_contact_on=ago(5))
    assert heard_back(review) is None


# --- Waiting cases: q ---------------------------------------------------------------------------

# Days to decision: events on days 5, 20, 40; one case censored on day 10.
#   day 5:  4 at risk, 1 decision → S = 3/4,        F = 1/4
#   day 10: censored → 2 left at risk
#   day 20: 2 at risk, 1 decision → S = 3/4·1/2 = 3/8, F = 5/8
#   day 40: 1 at risk, 1 decision → S = 0,            F = 1
SMALL_CURVE = kaplan_meier([(5, True), (20, True), (40, True), (10, False)])


def test_small_curve_by_hand():
    assert SMALL_CURVE.F(4) == 0
    assert SMALL_CURVE.F(5) == pytest.approx(1 / 4)
    assert SMALL_CURVE.F(19) == pytest.approx(1 / 4)
    assert SMALL_CURVE.F(30) == pytest.approx(5 / 8)
    assert SMALL_CURVE.F(40) == pytest.approx(1)


@pytest.mark.parametrize(
    ("silent_days", "expected"),
    [
        # c = 10: q = (F(30) - F(10)) / (1 - F(10)) = (5/8 - 1/4)/(3/4) = (3/8)/(3/4) = 1/2
        (10, 0.5),
        # c = 0: q = (5/8 - 0)/1 = 5/8
        (0, 0.625),
        # c = 25: F(25) = F(30) = 5/8 → q = 0
        (25, 0.0),
        # c ≥ 30 (a promise can keep a case from being presumed ghosted): q = 0
        (30, 0.0),
        (45, 0.0),
    ],
)
def test_waiting_counts_as_its_chance_of_still_hearing_back(silent_days, expected):
    review = facts(
        outcome=Outcome.waiting,
        decision_days=None,
        promised_days=60,
        last_contact_on=ago(silent_days),
    )
    assert value(review, SMALL_CURVE) == pytest.approx(expected)


def test_hear_back_chance_guards_a_finished_curve():
    # Every case decided by day 3: F(5) = 1, so 1 - F(c) = 0 and q is 0, not a division by zero.
    finished = kaplan_meier([(3, True)])
    assert hear_back_chance(finished, 5) == 0.0
    assert hear_back_chance(finished, 2) == 1.0  # (1 - 0)/(1 - 0)
    assert hear_back_chance(EMPTY_CURVE, 0) == 0.0  # no decisions anywhere: F ≡ 0


# --- Kaplan-Meier -------------------------------------------------------------------------------


def test_kaplan_meier_ties_and_censoring():
    # Day 2: two decisions and one censoring; the censored case was still at risk on day 2.
    #   day 2:  6 at risk, 2 decisions → S = 4/6 = 2/3,        F = 1/3
    #           (counting the censoring first would give 5 at risk, S = 3/5)
    #   day 5:  3 at risk, 1 decision  → S = 2/3·2/3 = 4/9,    F = 5/9
    #   day 7:  censored → 1 at risk
    #   day 10: 1 at risk, 1 decision  → S = 0,                F = 1
    curve = kaplan_meier([(10, True), (2, True), (7, False), (2, False), (5, True), (2, True)])
    assert curve.times == (2, 5, 10)
    assert curve.cumulative == pytest.approx((1 / 3, 5 / 9, 1.0))
    assert (curve.observations, curve.events) == (6, 4)
    assert curve.F(1) == 0
    assert curve.F(2) == pytest.approx(1 / 3)
    assert curve.F(9) == pytest.approx(5 / 9)
    assert curve.median() == 5  # first day with F ≥ 1/2
    assert curve.quantile(0.8) == 10
    assert curve.quantile(1 / 3) == 2  # reached exactly, despite floating error


def test_kaplan_meier_quantiles_not_reached():
    # day 3: 3 at risk, 1 decision → F = 1/3; the other two are censored later: F stays 1/3.
    curve = kaplan_meier([(3, True), (8, False), (9, False)])
    assert curve.F(100) == pytest.approx(1 / 3)
    assert curve.median() is None
    assert curve.quantile(0.3) == 3
    assert EMPTY_CURVE.median() is None
    assert kaplan_meier([]).F(30) == 0


def test_kaplan_meier_without_censoring_is_the_empirical_cdf():
    # 1, 2, 2, 4 → F(1) = 1/4, F(2) = 3/4, F(4) = 1
    curve = kaplan_meier([(1, True), (2, True), (2, True), (4, True)])
    assert curve.cumulative == pytest.approx((0.25, 0.75, 1.0))
    assert curve.median() == 2
    assert curve.quantile(0.8) == 4


def test_kaplan_meier_refuses_bad_input():
    with pytest.raises(ValueError):
        kaplan_meier([(-1, True)])
    with pytest.raises(ValueError):
        EMPTY_CURVE.quantile(0)


def test_km_observations_of_reviews():
    assert km_observation(facts(decision_days=12), TODAY) == (12, True)
    waiting = facts(outcome=Outcome.waiting, decision_days=None, last_contact_on=ago(9))
    assert km_observation(waiting, TODAY) == (9, False)
    # Ghosted: censored at the whole silence up to today, not at GHOSTED_AFTER_DAYS.
    ghosted = facts(outcome=Outcome.ghosted, decision_days=None, last_contact_on=ago(200))
    assert km_observation(ghosted, TODAY) == (200, False)
    assert km_observation(facts(outcome=Outcome.withdrew, decision_days=None), TODAY) is None


def test_pooled_curve_uses_counted_reviews_only():
    reviews = [
        facts(decision_days=7),  # event on day 7
        facts(decision_days=31, last_contact_on=ago(100)),  # event on day 31
        facts(outcome=Outcome.waiting, decision_days=None, last_contact_on=ago(10)),  # censored 10
        facts(decision_days=1, held=True),  # held: left out
        facts(decision_days=1, last_contact_on=ago(5 * 365)),  # too old: left out
        facts(outcome=Outcome.withdrew, decision_days=None),  # not counted
    ]
    curve = pooled_curve(reviews, TODAY)
    # day 7: 3 at risk, 1 → F = 1/3; day 10 censored; day 31: 1 at risk, 1 → F = 1
    assert curve.times == (7, 31)
    assert curve.cumulative == pytest.approx((1 / 3, 1.0))
    assert pooled_curve([], TODAY) == KMCurve()


# --- Weights ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("age_days", "expected"),
    [
        (0, 1.0),
        (730, 0.5),  # one half-life
        (1095, 2**-1.5),
        (4 * 365, 0.25),  # exactly four years: still scored, 2^(-1460/730) = 1/4
        (4 * 365 + 1, 0.0),  # older than four years
        (-3, 1.0),  # a date after "today" (clock skew) counts as age 0
    ],
)
def test_weight_halves_every_two_years(monkeypatch, age_days, expected):
    monkeypatch.setattr(params, "HALF_LIFE_DAYS", 730)
    assert weight(facts(last_contact_on=ago(age_days)), TODAY) == pytest.approx(expected)


def test_without_a_half_life_age_does_not_matter_until_the_limit(monkeypatch):
    monkeypatch.setattr(params, "HALF_LIFE_DAYS", None)
    assert weight(facts(last_contact_on=ago(0)), TODAY) == 1.0
    assert weight(facts(last_contact_on=ago(4 * 365)), TODAY) == 1.0
    assert weight(facts(last_contact_on=ago(4 * 365 + 1)), TODAY) == 0.0


def test_a_new_accounts_review_weighs_less_and_is_not_established(monkeypatch):
    monkeypatch.setattr(params, "HALF_LIFE_DAYS", None)
    new = facts(new_account=True, author_key="new")
    old = facts(author_key="old")
    assert weight(new, TODAY) == pytest.approx(params.NEW_ACCOUNT_WEIGHT)
    assert weight(new, TODAY) < weight(old, TODAY) == 1.0
    assert established_authors([new, old, facts(author_key="old")], TODAY) == 1
    assert established_authors([facts(author_key="x", held=True)], TODAY) == 0


def test_held_review_weighs_nothing():
    assert weight(facts(held=True), TODAY) == 0.0


def test_distinct_authors_and_spread_count_only_scored_reviews():
    reviews = [
        facts(author_key=1, last_contact_on=ago(40)),
        facts(author_key=1, last_contact_on=ago(5)),
        facts(author_key="deleted-7", last_contact_on=ago(20)),
        facts(author_key=2, held=True, last_contact_on=ago(300)),
    ]
    assert distinct_authors(reviews, TODAY) == 2
    assert spread_days(reviews, TODAY) == 35  # 40 - 5; the held one doesn't stretch it
    assert spread_days([], TODAY) == 0


# --- Shrinkage ----------------------------------------------------------------------------------


def test_estimate_worked_example():
    # h = 1 (w 1), 0.5 (w 0.5), 0 (w 0.5); μ = 0.5, M = 3
    #   n = 2, Σw·h = 1 + 0.25 = 1.25, observed = 0.625
    #   a = 1.25 + 1.5 = 2.75, b = 0.75 + 1.5 = 2.25, a + b = 5
    #   estimate = 100·2.75/5 = 55; SD = 100·√(2.75·2.25/(25·6)) = 100·√0.04125 = 20.31…
    found = estimate([(1.0, 1.0), (0.5, 0.5), (0.0, 0.5)], mu=0.5, M=3)
    assert found.value == pytest.approx(55)
    assert found.sd == pytest.approx(100 * math.sqrt(0.04125))
    assert found.n == pytest.approx(2)
    assert found.observed == pytest.approx(0.625)
    assert found.low < found.value < found.high
    # The interval is the central 80% of Beta(2.75, 2.25).
    assert beta_cdf(found.low / 100, 2.75, 2.25) == pytest.approx(0.1, abs=1e-9)
    assert beta_cdf(found.high / 100, 2.75, 2.25) == pytest.approx(0.9, abs=1e-9)
    assert found.leans  # n = 2 ≤ M = 3: the prior weighs more than the reports
    assert shrunk_score([(1.0, 1.0), (0.5, 0.5), (0.0, 0.5)], mu=0.5, M=3) == (
        found.value,
        found.sd,
    )


def test_estimate_without_reviews_is_the_site_figure():
    found = estimate([(0.0, 0.0)], mu=0.62, M=3)  # a review with no weight is no review
    assert found.value == pytest.approx(62)
    assert found.n == 0 and found.observed is None and found.leans


def test_estimate_with_many_reviews_is_the_observed_rate():
    found = estimate([(1.0, 1.0)] * 900 + [(0.0, 1.0)] * 100, mu=0.5, M=3)
    assert found.value == pytest.approx(100 * 901.5 / 1003)
    assert found.high - found.low < 3
    assert not found.leans


def test_estimate_refuses_values_out_of_range():
    with pytest.raises(ValueError):
        estimate([(1.2, 1.0)], mu=0.5, M=3)
    with pytest.raises(ValueError):
        estimate([(0.5, 1.0)], mu=0.5, M=0)
    with pytest.raises(ValueError):
        estimate([], mu=1.5, M=3)


@pytest.mark.parametrize(
    ("p", "a", "b"),
    [
        (0.1, 2.75, 2.25),
        (0.9, 0.5, 30),
        (0.5, 1, 1),
        (0.05, 40, 3),
        (0.99, 1e-3, 5),
        (0.3, 200, 800),
    ],
)
def test_beta_quantile_agrees_with_scipy(p, a, b):
    stats = pytest.importorskip("scipy.stats")  # a dev requirement: always there in the suite
    assert beta_quantile(p, a, b) == pytest.approx(stats.beta.ppf(p, a, b), abs=1e-7)
    assert beta_cdf(0.3, a, b) == pytest.approx(stats.beta.cdf(0.3, a, b), abs=1e-9)


# --- M ------------------------------------------------------------------------------------------


def unit(*values: float) -> tuple[list[float], list[float]]:
    return list(values), [1.0] * len(values)


def test_m_floor_when_employers_differ_a_lot():
    # A: 0.9, 1.0 → ȳ 0.95, Σ(u - ȳ)² = 0.005, 1 degree; B: 0.0, 0.1 → ȳ 0.05, same.
    #   σ²_within = 0.01/2 = 0.005
    #   variance of means = ((0.45)² + (0.45)²)/1 = 0.405; noise = 0.005·(2/4) = 0.0025
    #   τ² = 0.4025, M̂ = 0.005/0.4025 = 0.012 → M = the floor
    assert method_of_moments_M([unit(0.9, 1.0), unit(0.0, 0.1)]) == params.M_FLOOR


def test_m_above_the_floor():
    # Three employers, 50 reviews each, half at ȳ_j - 0.3 and half at ȳ_j + 0.3; ȳ = 0.4, 0.5, 0.6.
    #   each: Σ(u - ȳ)² = 50·0.09 = 4.5, 49 degrees → σ²_within = 13.5/147 = 4.5/49
    #   variance of means = (0.01 + 0 + 0.01)/2 = 0.01; noise = (4.5/49)/50 = 4.5/2450
    #   τ² = 0.01 - 4.5/2450 = 20/2450; M̂ = (4.5/49)·(2450/20) = 4.5·50/20 = 11.25
    employers = [unit(*([mean - 0.3] * 25 + [mean + 0.3] * 25)) for mean in (0.4, 0.5, 0.6)]
    assert pooled_within_variance(employers) == pytest.approx(4.5 / 49)
    assert method_of_moments_M(employers) == pytest.approx(11.25)


def test_m_is_large_when_employers_do_not_differ():
    # Means all 0.5: τ² ≤ 0 is floored at 1e-6; σ²_within = (3·0.5)/3 = 0.5 → M = 0.5/1e-6
    employers = [unit(0.0, 1.0), unit(1.0, 0.0), unit(0.0, 1.0)]
    assert method_of_moments_M(employers) == pytest.approx(0.5 / params.BETWEEN_VARIANCE_FLOOR)


def test_m_is_the_floor_without_enough_data():
    floor = params.M_FLOOR
    assert method_of_moments_M([]) == floor
    assert method_of_moments_M([unit(0.0, 1.0)]) == floor  # one employer: no between variance
    assert method_of_moments_M([unit(0.2), unit(0.9)]) == floor  # one review each: no within
    assert method_of_moments_M([([0.3, 0.4], [0.0, 0.0]), unit(0.1)]) == floor  # no weight


def test_pooled_within_variance_uses_reliability_weights():
    # u = 0, 1 with w = 1, 0.5: V1 = 1.5, V2 = 1.25, ȳ = 0.5/1.5 = 1/3
    #   Σw(u - ȳ)² = 1·1/9 + 0.5·4/9 = 1/3; degrees = 1.5 - 1.25/1.5 = 2/3 → σ² = 0.5,
    #   the same as unit weights give: (0.25 + 0.25)/1 = 0.5
    assert pooled_within_variance([([0.0, 1.0], [1.0, 0.5])]) == pytest.approx(0.5)
    assert pooled_within_variance([unit(0.0, 1.0)]) == pytest.approx(0.5)
    assert pooled_within_variance([unit(0.7)]) is None


# --- What is shown ------------------------------------------------------------------------------


R, G = params.RESPONSIVE_FROM, params.GHOSTS_BELOW
SILENT, MIXED = params.OFTEN_SILENT_RANGE, params.MIXED_RANGE


@pytest.mark.parametrize(
    ("estimate", "low", "high", "band"),
    [
        (R + 10, R, R + 20, Band.responsive),  # the whole interval at or above R
        (G - 5, G - 10, G - 0.001, Band.ghosts),  # the whole interval below G
        (G, G - 10, G, None),  # touching G, and wider than "Often silent" allows below
        ((SILENT[0] + SILENT[1]) / 2, SILENT[0], SILENT[1] - 0.001, Band.often_silent),
        ((MIXED[0] + MIXED[1]) / 2, max(MIXED[0], SILENT[1]), MIXED[1] - 0.001, Band.mixed),
        (50, 5, 95, None),  # a wide interval: no label
        (100, None, None, Band.responsive),  # without an interval: the estimate alone
        (0, None, None, Band.ghosts),
    ],
)
def test_bands_need_the_whole_interval(estimate, low, high, band):
    assert band_of(estimate, low, high) is band


def test_a_few_reports_get_no_end_label():
    # Three reports, all silent, and three all heard: the intervals are too wide for Ghosts or
    # Responsive, whatever the estimate says.
    silent = estimate([(0.0, 1.0)] * 3, mu=0.5, M=params.M_FLOOR)
    heard = estimate([(1.0, 1.0)] * 3, mu=0.5, M=params.M_FLOOR)
    assert band_of(silent.value, silent.low, silent.high) is not Band.ghosts
    assert band_of(heard.value, heard.low, heard.high) is not Band.responsive
    # Hundreds of them: narrow intervals, the end labels.
    silent = estimate([(0.0, 1.0)] * 300 + [(1.0, 1.0)] * 10, mu=0.5, M=params.M_FLOOR)
    heard = estimate([(1.0, 1.0)] * 300 + [(0.0, 1.0)] * 30, mu=0.5, M=params.M_FLOOR)
    assert band_of(silent.value, silent.low, silent.high) is Band.ghosts
    assert band_of(heard.value, heard.low, heard.high) is Band.responsive


def test_display_bands_the_figures_as_shown():
    # R - 0.5 shows as R, so an interval from there is "at or above R" as printed.
    verdict = display(R + 10, 6.4, n=3, distinct_authors=3, low=R - 0.5, high=R + 20, established=3)
    assert verdict.shown
    assert (verdict.score, verdict.sd, verdict.band) == (R + 10, 6, Band.responsive)
    assert verdict.label == "Responsive"
    below = display(R + 10, 6.4, 3, 3, low=R - 0.51, high=R + 20, established=3)
    assert below.band is not Band.responsive
    wide = display(50, 20, 3, 3, low=5, high=95, established=3)
    assert wide.shown and wide.band is None and wide.label == params.NO_LABEL


@pytest.mark.parametrize(
    ("n", "authors", "established"),
    [
        (2.99, 5, 5),
        (10, 2, 2),
        (0, 0, 0),
        # Fresh accounts alone, or with one established reviewer: a campaign's shape.
        (10, 10, 0),
        (10, 10, params.MIN_ESTABLISHED_AUTHORS_SHOWN - 1),
    ],
)
def test_display_needs_three_reviews_from_three_accounts_some_established(n, authors, established):
    verdict = display(80, 5, n=n, distinct_authors=authors, established=established)
    assert not verdict.shown
    assert (verdict.score, verdict.sd, verdict.band) == (None, None, None)
    assert verdict.label == "not enough reviews yet"


def test_display_shows_three_accounts_when_enough_are_established():
    enough = params.MIN_ESTABLISHED_AUTHORS_SHOWN
    assert enough >= 2  # one established reviewer and a handful of fresh accounts show nothing
    verdict = display(80, 5, n=3, distinct_authors=3, established=enough)
    assert verdict.shown and verdict.score == 80


def test_list_eligibility():
    enough = params.MIN_ESTABLISHED_AUTHORS_LISTS
    assert eligible_most_responsive(5, 30, enough)
    assert not eligible_most_responsive(4.99, 400, enough)
    assert not eligible_most_responsive(50, 29, enough)
    assert not eligible_most_responsive(50, 400, enough - 1)  # fresh accounts can't make a list
    assert eligible_least_responsive(10, enough)
    assert not eligible_least_responsive(9.99, enough)
    assert not eligible_least_responsive(50, enough - 1)


def test_list_order():
    # (name, S, SD, n)
    employers = [("a", 80, 5, 6), ("b", 90, 9, 5), ("c", 80, 2, 12), ("d", 30, 20, 10)]
    most = sorted(employers, key=lambda e: most_responsive_key(e[1], e[3]))
    assert [e[0] for e in most] == ["b", "c", "a", "d"]  # 80 tie: c has more reviews
    least = sorted(employers, key=lambda e: least_responsive_key(e[1], e[2], e[3]))
    # S + SD: d 50, c 82, a 85, b 99
    assert [e[0] for e in least] == ["d", "c", "a", "b"]


# --- Properties ---------------------------------------------------------------------------------


def random_facts(rng: random.Random) -> ReviewFacts:
    outcome = rng.choice(list(Outcome))
    stage = (
        Stage.offer if outcome in (Outcome.offer, Outcome.rescinded) else rng.choice(list(Stage))
    )
    promised = rng.choice([None, rng.randint(1, 365)])
    sent = rng.choice([None, rng.randint(0, 100)])
    answered = None if sent is None else rng.choice([None, rng.randint(0, sent)])
    age = rng.randint(-2, 2000)
    return ReviewFacts(
        stage=stage,
        outcome=outcome,
        decision_days=rng.randint(0, 3650) if outcome in DECISIONS else None,
        promised_days=promised,
        followups_sent=sent,
        followups_answered=answered,
        feedback=rng.choice([None, *Feedback]),
        last_contact_on=ago(age),
        presumed_ghosted=outcome is Outcome.waiting and age > max(30, (promised or 0) + 14),
        held=rng.random() < 0.1,
        author_key=rng.randint(1, 40),
        chased=outcome in DECISIONS and rng.random() < 0.2,
        new_account=rng.random() < 0.5,
    )


@pytest.mark.parametrize("seed", range(20))
def test_values_and_scores_stay_in_range(seed):
    rng = random.Random(seed)
    reviews = [random_facts(rng) for _ in range(rng.randint(0, 300))]
    curve = pooled_curve(reviews, TODAY)
    assert all(0 <= f <= 1 for f in curve.cumulative)
    assert list(curve.cumulative) == sorted(curve.cumulative)

    employers: dict[int, list[tuple[float, float]]] = {}
    for review in reviews:
        u = review_value(review, TODAY, km_curve=curve)
        assert (u is None) == (review.outcome is Outcome.withdrew)
        if u is not None:
            assert 0 <= u <= 1
            employers.setdefault(rng.randint(1, 30), []).append((u, weight(review, TODAY)))

    per_employer = [([u for u, _ in pairs], [w for _, w in pairs]) for pairs in employers.values()]
    M = method_of_moments_M(per_employer)
    assert M >= params.M_FLOOR
    mu = rng.random()
    for pairs in [*employers.values(), []]:
        found = estimate(pairs, mu, M)
        assert 0 <= found.low <= found.value <= found.high <= 100
        assert found.sd >= 0


@pytest.mark.parametrize(
    ("score", "sd", "above", "below"),
    [(70, 5, True, False), (66, 6, False, False), (54, 6, False, False), (40, 9, False, True)],
)
def test_lists_need_a_score_clear_of_the_site_mean(score, sd, above, below):
    # μ = 0.6: the mean score is 60; 66 - 6 = 60 is not above it, 54 + 6 = 60 not below.
    assert clearly_above_mean(score, sd, 0.6) is above
    assert clearly_below_mean(score, sd, 0.6) is below


def test_the_lists_margin_is_a_number_of_sds(monkeypatch):
    # μ = 0.6; 70 - 1.5·5 = 62.5 clears 60, 70 - 2.5·5 = 57.5 does not; mirror for 50 ± k·4.
    monkeypatch.setattr(params, "LIST_MARGIN_SD", 1.5)
    assert clearly_above_mean(70, 5, 0.6) and clearly_below_mean(50, 4, 0.6)
    monkeypatch.setattr(params, "LIST_MARGIN_SD", 2.5)
    assert not clearly_above_mean(70, 5, 0.6) and not clearly_below_mean(50, 4, 0.6)


def reports(heard: int, silent: int, *, new: bool, first_author: int) -> list[ReviewFacts]:
    """`heard` decisions told unprompted and `silent` ghostings, each from its own account."""
    outcomes = [Outcome.rejected] * heard + [Outcome.ghosted] * silent
    return [
        facts(outcome=outcome, new_account=new, author_key=first_author + number)
        for number, outcome in enumerate(outcomes)
    ]


def test_new_accounts_together_weigh_at_most_the_cap_over_the_established(monkeypatch):
    from scoring import figures

    monkeypatch.setattr(params, "NEW_ACCOUNT_CAP", 1.0)
    established = reports(0, 2, new=False, first_author=100)
    puppets = reports(16, 0, new=True, first_author=1)
    pairs = figures.weighted(established + puppets, TODAY)
    # 16 new accounts x 0.25 = 4 is over 1 + 2 established: scaled to 3 in all, 0.1875 each.
    new = [w for item, w in pairs if item.new_account]
    assert sum(new) == pytest.approx(3.0) and new == [pytest.approx(0.1875)] * 16
    assert [w for item, w in pairs if not item.new_account] == [1.0, 1.0]
    # With one established reviewer, 1 + 1; with none, the cap alone.
    pairs = figures.weighted(reports(0, 1, new=False, first_author=100) + puppets, TODAY)
    assert sum(w for item, w in pairs if item.new_account) == pytest.approx(2.0)
    assert sum(w for _, w in figures.weighted(puppets, TODAY)) == pytest.approx(1.0)
    # Under the cap nothing changes (12 x 0.25 = 3 is not over 3); without a cap nothing is scaled.
    twelve = reports(12, 0, new=True, first_author=1)
    assert {w for _, w in figures.weighted(established + twelve, TODAY)} == {1.0, 0.25}
    monkeypatch.setattr(params, "NEW_ACCOUNT_CAP", None)
    assert sum(w for _, w in figures.weighted(puppets, TODAY)) == pytest.approx(4.0)
