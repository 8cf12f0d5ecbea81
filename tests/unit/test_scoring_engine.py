"""The scoring engine (DESIGN.md §6) against examples computed by hand; the arithmetic is in the
comments so a reader can check it."""

from __future__ import annotations

import math
import random
from dataclasses import replace
from datetime import date, timedelta

import pytest

from reviews.models import DECISIONS, Feedback, Outcome, Stage
from scoring import params
from scoring.engine import (
    Band,
    KMCurve,
    ReviewFacts,
    band_of,
    clearly_above_mean,
    clearly_below_mean,
    display,
    distinct_authors,
    eligible_least_responsive,
    eligible_most_responsive,
    hear_back_chance,
    kaplan_meier,
    km_observation,
    least_responsive_key,
    method_of_moments_M,
    most_responsive_key,
    pooled_inputs,
    pooled_within_variance,
    review_value,
    shrunk_score,
    spread_days,
    weight,
)

TODAY = date(2026, 6, 1)
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


def value(review: ReviewFacts, curve: KMCurve = EMPTY_CURVE, mean_decided: float = 0.8):
    return review_value(review, TODAY, km_curve=curve, mean_decided_value=mean_decided)


def ago(days: int) -> date:
    return TODAY - timedelta(days=days)


# --- u: ghosted ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stage", "expected"),
    [
        (Stage.applied, 0.30),
        (Stage.screen, 0.15),
        (Stage.interview, 0.0),
        (Stage.assignment, 0.0),
        (Stage.final, 0.0),
        (Stage.references, 0.0),
        (Stage.offer, 0.0),  # "told I was accepted, then silence"
    ],
)
def test_ghosted_value_by_stage(stage, expected):
    ghosted = facts(stage=stage, outcome=Outcome.ghosted, decision_days=None)
    presumed = facts(
        stage=stage, outcome=Outcome.waiting, decision_days=None, presumed_ghosted=True
    )
    assert value(ghosted) == expected
    # A presumed-ghosted case counts as ghosted whatever the curve says.
    assert value(presumed, kaplan_meier([(40, True)]), mean_decided=1.0) == expected


# --- u: decisions -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("outcome", "decision_days", "expected"),
    [
        # 0.6 + 0.25·T + 0.15·Q; no promised timeline, so T comes from the days.
        (Outcome.offer, 0, 1.0),  # 0.6 + 0.25·1 + 0.15·1 = 1.0
        (Outcome.offer, 7, 1.0),  # day 7 is "within 7"
        (Outcome.rejected_with_feedback, 8, 0.925),  # 0.6 + 0.25·0.7 + 0.15·1 = 0.925
        (Outcome.rejected_with_feedback, 14, 0.925),  # day 14 is "within 14"
        (Outcome.rejected, 15, 0.775),  # 0.6 + 0.25·0.4 + 0.15·0.5 = 0.6 + 0.1 + 0.075
        (Outcome.rejected, 30, 0.775),  # day 30 is "within 30"
        (Outcome.rejected, 31, 0.7),  # 0.6 + 0.25·0.1 + 0.075 = 0.6 + 0.025 + 0.075
        (Outcome.rejected, 7, 0.925),  # 0.6 + 0.25 + 0.075
        (Outcome.rescinded, 7, 0.85),  # 0.6 + 0.25 + 0.15·0
        (Outcome.rescinded, 365, 0.625),  # 0.6 + 0.025 + 0
    ],
)
def test_decision_value_without_promise(outcome, decision_days, expected):
    stage = Stage.offer if outcome in (Outcome.offer, Outcome.rescinded) else Stage.final
    review = facts(stage=stage, outcome=outcome, decision_days=decision_days)
    assert value(review) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("promised_days", "decision_days", "expected"),
    [
        # rejected, Q = 0.5: 0.6 + 0.25·T + 0.075
        (10, 3, 0.925),  # kept: T = 1 → 0.925
        (10, 10, 0.925),  # on the promised day is kept
        (10, 11, 0.75),  # missed: T = 0.3 → 0.6 + 0.075 + 0.075 = 0.75
        (3, 5, 0.75),  # missed, although "within 7" would have given T = 1
        (60, 45, 0.925),  # kept, although "later than 30" would have given T = 0.1
    ],
)
def test_decision_value_with_promise(promised_days, decision_days, expected):
    review = facts(promised_days=promised_days, decision_days=decision_days)
    assert value(review) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("sent", "answered", "expected"),
    [
        (2, 0, 0.825),  # none answered: 0.925 - 0.1
        (1, 0, 0.825),
        (2, 1, 0.925),  # one answered: no penalty
        (0, 0, 0.925),  # none sent: no penalty
        (None, None, 0.925),
        (3, None, 0.925),  # answered count unknown: benefit of the doubt
    ],
)
def test_unanswered_followups_cost_a_tenth(sent, answered, expected):
    # rejected within 7 days: 0.6 + 0.25 + 0.075 = 0.925 before the penalty.
    review = facts(decision_days=7, followups_sent=sent, followups_answered=answered)
    assert value(review) == pytest.approx(expected)


def test_lowest_possible_decision_value():
    # rescinded, promise missed, follow-ups ignored: 0.6 + 0.25·0.3 + 0 - 0.1 = 0.575;
    # without a promise and late: 0.6 + 0.025 + 0 - 0.1 = 0.525, the minimum.
    missed = facts(
        stage=Stage.offer,
        outcome=Outcome.rescinded,
        decision_days=20,
        promised_days=5,
        followups_sent=4,
        followups_answered=0,
    )
    assert value(missed) == pytest.approx(0.575)
    assert value(replace(missed, promised_days=None, decision_days=90)) == pytest.approx(0.525)


def test_decision_value_is_clamped(monkeypatch):
    # With the published parameters u stays in [0.525, 1]; the clamp guards a future change.
    monkeypatch.setattr(params, "DECISION_BASE", 0.95)
    assert value(facts(stage=Stage.offer, outcome=Outcome.offer, decision_days=1)) == 1.0
    monkeypatch.setattr(params, "DECISION_BASE", -0.5)
    assert value(facts(decision_days=90, followups_sent=1, followups_answered=0)) == 0.0


def test_withdrew_is_not_scored():
    assert value(facts(outcome=Outcome.withdrew, decision_days=None)) is None


def test_decision_without_decision_days_is_refused():
    with pytest.raises(ValueError, match="decision_days"):
        value(facts(decision_days=None))


# --- u: waiting, partial credit -----------------------------------------------------------------

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
    ("stage", "silent_days", "expected"),
    [
        # c = 10: q = (F(30) - F(10)) / (1 - F(10)) = (5/8 - 1/4)/(3/4) = (3/8)/(3/4) = 1/2
        (Stage.applied, 10, 0.55),  # 1/2·0.8 + 1/2·0.30 = 0.4 + 0.15
        (Stage.interview, 10, 0.4),  # 1/2·0.8 + 1/2·0
        # c = 0: q = (5/8 - 0)/1 = 5/8 → 5/8·0.8 + 3/8·0.15 = 0.5 + 0.05625
        (Stage.screen, 0, 0.55625),
        # c = 25: F(25) = F(30) = 5/8 → q = 0 → the ghosted value
        (Stage.applied, 25, 0.30),
        # c ≥ 30 (a promise can keep a case from being presumed ghosted): q = 0
        (Stage.applied, 30, 0.30),
        (Stage.screen, 45, 0.15),
    ],
)
def test_waiting_partial_credit(stage, silent_days, expected):
    review = facts(
        stage=stage,
        outcome=Outcome.waiting,
        decision_days=None,
        promised_days=60,
        last_contact_on=ago(silent_days),
    )
    assert value(review, SMALL_CURVE, mean_decided=0.8) == pytest.approx(expected)


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


def test_pooled_inputs_use_scored_reviews_only():
    reviews = [
        facts(decision_days=7),  # u = 0.925, event on day 7
        facts(decision_days=31, last_contact_on=ago(100)),  # u = 0.7, event on day 31
        facts(outcome=Outcome.waiting, decision_days=None, last_contact_on=ago(10)),  # censored 10
        facts(decision_days=1, held=True),  # held: left out
        facts(decision_days=1, last_contact_on=ago(5 * 365)),  # too old: left out
        facts(outcome=Outcome.withdrew, decision_days=None),  # not scored
    ]
    curve, mean_decided = pooled_inputs(reviews, TODAY)
    # day 7: 3 at risk, 1 → F = 1/3; day 10 censored; day 31: 1 at risk, 1 → F = 1
    assert curve.times == (7, 31)
    assert curve.cumulative == pytest.approx((1 / 3, 1.0))
    assert mean_decided == pytest.approx((0.925 + 0.7) / 2)
    assert pooled_inputs([], TODAY) == (KMCurve(), 0.0)


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
def test_weight_halves_every_two_years(age_days, expected):
    assert weight(facts(last_contact_on=ago(age_days)), TODAY) == pytest.approx(expected)


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


def test_shrunk_score_worked_example():
    # u = 1.0 (w 1), 0.55 (w 0.5), 0.0 (w 0.5); μ = 0.5, M = 10
    #   n = 2, Σw·u = 1.0 + 0.275 + 0 = 1.275, ȳ = 0.6375
    #   S = 100·(1.275 + 10·0.5)/(2 + 10) = 100·6.275/12 = 52.2916…
    #   σ² = (1·0.3625² + 0.5·0.0875² + 0.5·0.6375²)/2
    #      = (0.13140625 + 0.003828125 + 0.203203125)/2 = 0.3384375/2 = 0.16921875
    #   SD = 100·√(0.16921875/12) = 100·√0.0141015625 = 100·0.11875 = 11.875
    score, sd = shrunk_score([(1.0, 1.0), (0.55, 0.5), (0.0, 0.5)], mu=0.5, M=10)
    assert score == pytest.approx(627.5 / 12)
    assert sd == pytest.approx(11.875)
    # With the pooled within variance 0.09 instead: SD = 100·√(0.09/12) = 8.660…
    _, pooled_sd = shrunk_score(
        [(1.0, 1.0), (0.55, 0.5), (0.0, 0.5)], mu=0.5, M=10, within_variance=0.09
    )
    assert pooled_sd == pytest.approx(100 * math.sqrt(0.0075))


def test_shrunk_score_without_reviews_is_the_mean():
    # n = 0: S = 100·μ, SD = 100·√(0.09/10) = 9.4868…
    score, sd = shrunk_score([], mu=0.62, M=10, within_variance=0.09)
    assert score == pytest.approx(62)
    assert sd == pytest.approx(100 * math.sqrt(0.009))
    # Reviews with no weight are no reviews.
    assert shrunk_score([(0.0, 0.0)], mu=0.62, M=10, within_variance=0.09) == (score, sd)
    with pytest.raises(ValueError, match="within variance"):
        shrunk_score([], mu=0.62, M=10)


def test_shrunk_score_with_many_reviews_is_the_plain_mean():
    # n = 10,000, ȳ = 0.9: S = 100·(9,000 + 5)/10,010 = 89.96…
    score, sd = shrunk_score([(0.9, 1.0)] * 10_000, mu=0.5, M=10)
    assert score == pytest.approx(90, abs=0.05)
    assert sd == pytest.approx(0, abs=1e-9)  # identical values: no spread of their own


def test_shrunk_score_refuses_values_out_of_range():
    with pytest.raises(ValueError):
        shrunk_score([(1.2, 1.0)], mu=0.5, M=10)
    with pytest.raises(ValueError):
        shrunk_score([(0.5, 1.0)], mu=0.5, M=0)


# --- M ------------------------------------------------------------------------------------------


def unit(*values: float) -> tuple[list[float], list[float]]:
    return list(values), [1.0] * len(values)


def test_m_floor_when_employers_differ_a_lot():
    # A: 0.9, 1.0 → ȳ 0.95, Σ(u - ȳ)² = 0.005, 1 degree; B: 0.0, 0.1 → ȳ 0.05, same.
    #   σ²_within = 0.01/2 = 0.005
    #   variance of means = ((0.45)² + (0.45)²)/1 = 0.405; noise = 0.005·(2/4) = 0.0025
    #   τ² = 0.4025, M̂ = 0.005/0.4025 = 0.012 → M = 10
    assert method_of_moments_M([unit(0.9, 1.0), unit(0.0, 0.1)]) == 10


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
    assert method_of_moments_M([]) == 10
    assert method_of_moments_M([unit(0.0, 1.0)]) == 10  # one employer: no between variance
    assert method_of_moments_M([unit(0.2), unit(0.9)]) == 10  # one review each: no within
    assert method_of_moments_M([([0.3, 0.4], [0.0, 0.0]), unit(0.1)]) == 10  # no weight


def test_pooled_within_variance_uses_reliability_weights():
    # u = 0, 1 with w = 1, 0.5: V1 = 1.5, V2 = 1.25, ȳ = 0.5/1.5 = 1/3
    #   Σw(u - ȳ)² = 1·1/9 + 0.5·4/9 = 1/3; degrees = 1.5 - 1.25/1.5 = 2/3 → σ² = 0.5,
    #   the same as unit weights give: (0.25 + 0.25)/1 = 0.5
    assert pooled_within_variance([([0.0, 1.0], [1.0, 0.5])]) == pytest.approx(0.5)
    assert pooled_within_variance([unit(0.0, 1.0)]) == pytest.approx(0.5)
    assert pooled_within_variance([unit(0.7)]) is None


# --- What is shown ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "band"),
    [
        (100, Band.responsive),
        (75, Band.responsive),
        (74.999, Band.mixed),
        (50, Band.mixed),
        (49.999, Band.often_silent),
        (25, Band.often_silent),
        (24.999, Band.ghosts),
        (0, Band.ghosts),
    ],
)
def test_bands_at_the_boundaries(score, band):
    assert band_of(score) is band


@pytest.mark.parametrize(
    ("score", "shown", "band"),
    [
        (75.0, 75, Band.responsive),
        (74.5, 75, Band.responsive),  # shown as 75, so it must say Responsive
        (74.49, 74, Band.mixed),
        (50.0, 50, Band.mixed),
        (49.5, 50, Band.mixed),
        (25.0, 25, Band.often_silent),
        (24.4, 24, Band.ghosts),
    ],
)
def test_display_bands_the_score_as_shown(score, shown, band):
    verdict = display(score, 6.4, n=3, distinct_authors=3)
    assert verdict.shown
    assert (verdict.score, verdict.sd, verdict.band, verdict.label) == (shown, 6, band, band.value)


@pytest.mark.parametrize(("n", "authors"), [(2.99, 5), (10, 2), (0, 0)])
def test_display_needs_three_reviews_from_three_accounts(n, authors):
    verdict = display(80, 5, n=n, distinct_authors=authors)
    assert not verdict.shown
    assert (verdict.score, verdict.sd, verdict.band) == (None, None, None)
    assert verdict.label == "not enough reviews yet"


def test_list_eligibility():
    assert eligible_most_responsive(5, 30)
    assert not eligible_most_responsive(4.99, 400)
    assert not eligible_most_responsive(50, 29)
    assert eligible_least_responsive(10)
    assert not eligible_least_responsive(9.99)


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
    )


@pytest.mark.parametrize("seed", range(20))
def test_values_and_scores_stay_in_range(seed):
    rng = random.Random(seed)
    reviews = [random_facts(rng) for _ in range(rng.randint(0, 300))]
    curve, mean_decided = pooled_inputs(reviews, TODAY)
    assert all(0 <= f <= 1 for f in curve.cumulative)
    assert list(curve.cumulative) == sorted(curve.cumulative)

    employers: dict[int, list[tuple[float, float]]] = {}
    for review in reviews:
        u = review_value(review, TODAY, km_curve=curve, mean_decided_value=mean_decided)
        assert (u is None) == (review.outcome is Outcome.withdrew)
        if u is not None:
            assert 0 <= u <= 1
            employers.setdefault(rng.randint(1, 30), []).append((u, weight(review, TODAY)))

    per_employer = [([u for u, _ in pairs], [w for _, w in pairs]) for pairs in employers.values()]
    M = method_of_moments_M(per_employer)
    assert M >= 10
    within = pooled_within_variance(per_employer) or 0.0
    mu = rng.random()
    for pairs in [*employers.values(), []]:
        score, sd = shrunk_score(pairs, mu, M, within_variance=within)
        assert 0 <= score <= 100
        assert sd >= 0


@pytest.mark.parametrize(
    ("score", "sd", "above", "below"),
    [(70, 5, True, False), (66, 6, False, False), (54, 6, False, False), (40, 9, False, True)],
)
def test_lists_need_a_score_clear_of_the_site_mean(score, sd, above, below):
    # μ = 0.6: the mean score is 60; 66 - 6 = 60 is not above it, 54 + 6 = 60 not below.
    assert clearly_above_mean(score, sd, 0.6) is above
    assert clearly_below_mean(score, sd, 0.6) is below
