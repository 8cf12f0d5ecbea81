"""The side figures (scoring/figures.py) against hand-computed examples."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from reviews.models import Feedback, Outcome, Stage
from scoring import figures as side
from scoring import params
from scoring.engine import ReviewFacts

TODAY = date(2026, 6, 1)


def facts(
    outcome=Outcome.rejected,
    stage=Stage.interview,
    days_ago=0,
    decision_days=None,
    promised_days=None,
    followups_sent=None,
    followups_answered=None,
    presumed_ghosted=False,
    author=None,
    held=False,
):
    if decision_days is None and outcome in (
        Outcome.offer,
        Outcome.rejected,
        Outcome.rejected_with_feedback,
        Outcome.rescinded,
    ):
        decision_days = 5
    facts.counter += 1
    return ReviewFacts(
        stage=Stage.offer if outcome in (Outcome.offer, Outcome.rescinded) else stage,
        outcome=outcome,
        decision_days=decision_days,
        promised_days=promised_days,
        followups_sent=followups_sent,
        followups_answered=followups_answered,
        feedback=Feedback.specific if outcome is Outcome.rejected_with_feedback else None,
        last_contact_on=TODAY - timedelta(days=days_ago),
        presumed_ghosted=presumed_ghosted,
        held=held,
        author_key=author if author is not None else facts.counter,
    )


facts.counter = 0


# --- the questions ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"outcome": Outcome.rejected}, True),
        ({"outcome": Outcome.offer}, True),
        ({"outcome": Outcome.ghosted}, False),
        ({"outcome": Outcome.waiting, "presumed_ghosted": True}, False),
        ({"outcome": Outcome.waiting}, None),
        ({"outcome": Outcome.withdrew}, None),
    ],
)
def test_heard_back(kwargs, expected):
    assert side.heard_back(facts(**kwargs), TODAY) is expected


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"outcome": Outcome.rejected, "promised_days": 10, "decision_days": 10}, True),
        ({"outcome": Outcome.rejected, "promised_days": 10, "decision_days": 11}, False),
        ({"outcome": Outcome.rejected, "decision_days": 3}, None),  # nothing promised
        ({"outcome": Outcome.ghosted, "promised_days": 10}, False),
        ({"outcome": Outcome.waiting, "promised_days": 10, "days_ago": 11}, False),
        ({"outcome": Outcome.waiting, "promised_days": 10, "days_ago": 10}, None),
        ({"outcome": Outcome.withdrew, "promised_days": 10}, None),
    ],
)
def test_timeline_kept(kwargs, expected):
    assert side.timeline_kept(facts(**kwargs), TODAY) is expected


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"outcome": Outcome.rejected_with_feedback, "stage": Stage.interview}, True),
        ({"outcome": Outcome.rejected, "stage": Stage.final}, False),
        ({"outcome": Outcome.rejected, "stage": Stage.screen}, None),  # before interviews
        ({"outcome": Outcome.ghosted, "stage": Stage.final}, None),  # not a rejection
        ({"outcome": Outcome.offer}, None),
    ],
)
def test_feedback(kwargs, expected):
    assert side.got_feedback(facts(**kwargs), TODAY) is expected


@pytest.mark.parametrize(
    ("sent", "answered", "expected"),
    [(2, 1, True), (2, 0, False), (0, 0, None), (None, None, None), (3, None, None)],
)
def test_followup_answered(sent, answered, expected):
    review = facts(followups_sent=sent, followups_answered=answered)
    assert side.followup_answered(review, TODAY) is expected


# --- shrunk shares ---------------------------------------------------------------------------


def test_share_shrinks_by_hand():
    # Four reviews today (w = 1): 3 heard back, 1 ghosted; μ = 0.5, M = 10.
    reviews = [facts(Outcome.rejected)] * 3 + [facts(Outcome.ghosted)]
    found = side.answers(side.weighted(reviews, TODAY), side.heard_back, TODAY)
    result = side.share(found, side.Prior(0.5, 10))
    # (3 + 10·0.5) / (4 + 10) = 8/14; the plain 3 of 4 with its 80% Wilson interval.
    assert result == {
        "rate": round(8 / 14, 4),
        "raw": 0.75,
        "yes": 3,
        "count": 4,
        "low": 0.4325,
        "high": 0.9219,
    }


def test_share_uses_the_reviews_weights(monkeypatch):
    # With a two-year half-life: one yes two years ago (w = 0.5), two noes today (w = 1); μ = 0,
    # M = 10: 0.5 / 12.5. (The site runs without recency weighting; the weights still apply.)
    monkeypatch.setattr(params, "HALF_LIFE_DAYS", 730)
    reviews = [facts(Outcome.rejected, days_ago=730), facts(Outcome.ghosted)]
    reviews.append(facts(Outcome.ghosted))
    found = side.answers(side.weighted(reviews, TODAY), side.heard_back, TODAY)
    assert side.share(found, side.Prior(0.0, 10))["rate"] == round(0.5 / 12.5, 4)


def test_share_below_three_answers_shows_counts_only():
    found = side.answers(side.weighted([facts(), facts()], TODAY), side.heard_back, TODAY)
    assert side.share(found, side.Prior(0.5)) == {
        "rate": None,
        "raw": 1.0,
        "yes": 2,
        "count": 2,
        "low": 0.5491,
        "high": 1.0,
    }


def test_share_with_no_answer_has_no_interval():
    found = side.share([], side.Prior(0.5))
    assert (found["raw"], found["low"], found["high"]) == (None, None, None)


@pytest.mark.parametrize(
    "yes, count", [(1, 24), (0, 10), (10, 10), (3, 4), (14, 22), (500, 1000), (1, 1)]
)
def test_wilson_interval_matches_scipy(yes, count):
    from scipy.stats import binomtest

    expected = binomtest(yes, count).proportion_ci(confidence_level=0.8, method="wilson")
    low, high = side.wilson_interval(yes, count)
    assert low == pytest.approx(expected.low, abs=1e-4)
    assert high == pytest.approx(expected.high, abs=1e-4)
    assert low <= yes / count <= high  # never contradicts the counts


def test_wilson_interval_of_one_in_twenty_four():
    # The "Kept the timeline 34% — 1 of 24 reports": shown as 4%, likely 1-13%.
    assert side.wilson_interval(1, 24) == (0.0125, 0.1295)


@pytest.mark.parametrize("yes, count", [(0, 0), (3, 2), (-1, 4)])
def test_wilson_interval_refuses_impossible_counts(yes, count):
    with pytest.raises(ValueError):
        side.wilson_interval(yes, count)


@pytest.mark.parametrize(
    "percent, words",
    [
        (2, "Fewer than 1 in 20 candidates hear back"),
        (5, "About 1 in 20 candidates hear back"),
        (10, "About 1 in 10 candidates hear back"),
        (12, "About 1 in 8 candidates hear back"),
        (24, "About 1 in 4 candidates hear back"),
        (25, "About 25% of candidates hear back"),
        (62, "About 62% of candidates hear back"),
    ],
)
def test_chance_words(percent, words):
    assert side.chance_words(percent) == words


def test_prior_never_goes_below_the_m_floor():
    floor = params.M_FLOOR
    assert side.Prior.of({"mu": 0.4, "m": floor / 2}).m == floor
    assert side.Prior.of({"mu": 0.4, "m": floor * 3}).m == floor * 3
    assert side.Prior.of(None, 0.3) == side.Prior(0.3, floor)


def test_reviews_past_four_years_and_held_ones_do_not_count():
    reviews = [facts(days_ago=4 * 365 + 1), facts(held=True), facts()]
    assert len(side.weighted(reviews, TODAY)) == 1


# --- by stage: small cells merged (DESIGN.md §5.3) -------------------------------------------


def test_stage_cells_need_five_reviewers_and_small_ones_merge_into_other():
    reviews = (
        [facts(Outcome.ghosted, stage=Stage.applied) for _ in range(6)]
        + [facts(Outcome.rejected, stage=Stage.screen) for _ in range(3)]
        + [facts(Outcome.rejected, stage=Stage.final) for _ in range(2)]
    )
    cells = side.by_stage(side.weighted(reviews, TODAY), TODAY, {})
    assert [(c["stage"], c["yes"], c["count"]) for c in cells] == [
        ("applied", 0, 6),
        ("other", 5, 5),  # screen (3) + final (2) together reach five reviewers
    ]


def test_stage_cell_counts_distinct_reviewers_not_reviews():
    # Five reviews at one stage by only two accounts: not shown, and "other" is too small too.
    reviews = [facts(Outcome.ghosted, stage=Stage.applied, author=i % 2) for i in range(5)]
    assert side.by_stage(side.weighted(reviews, TODAY), TODAY, {}) == []


def test_stage_cell_shrinks_toward_its_own_stage_prior():
    reviews = [facts(Outcome.ghosted, stage=Stage.applied) for _ in range(5)]
    priors = {"hear_back_applied": {"mu": 0.2, "m": 10}, "hear_back": {"mu": 0.9, "m": 10}}
    (cell,) = side.by_stage(side.weighted(reviews, TODAY), TODAY, priors)
    assert cell["rate"] == round((0 + 10 * 0.2) / 15, 4)


# --- days to decision --------------------------------------------------------------------------


def test_days_below_ten_decisions_give_a_range_not_quantiles():
    reviews = [facts(decision_days=d) for d in (3, 9, 20)] + [facts(Outcome.ghosted)]
    days = side.days_to_decision(side.weighted(reviews, TODAY), TODAY)
    # The range in the chart's bucket bounds (0-7 ... 15-30), never one candidate's own wait.
    assert (days["median"], days["p80"], days["min"], days["max"]) == (None, None, 0, 30)
    assert days["decisions"] == 3
    assert days["never"] == 1
    assert [b["count"] for b in days["buckets"]] == [1, 1, 1, 0, 0]


def test_the_range_is_widened_to_bucket_bounds():
    # DESIGN.md §5.8-5.9: one review's 12 days would be its own day count.
    one = side.days_to_decision(side.weighted([facts(decision_days=12)], TODAY), TODAY)
    assert (one["min"], one["max"]) == (8, 14)
    late = [facts(decision_days=d) for d in (45, 400)]
    days = side.days_to_decision(side.weighted(late, TODAY), TODAY)
    assert (days["min"], days["max"]) == (31, None)  # None: over the last bound


def test_pooled_days_need_five_candidates_decisions():
    four = [facts(decision_days=d) for d in (3, 9, 20, 4)] + [facts(Outcome.ghosted)] * 3
    pooled = side.pooled_days(side.weighted(four, TODAY), TODAY)
    assert (pooled["median"], pooled["p80"], pooled["answered_p80"]) == (None, None, None)
    five = [*four, facts(decision_days=5)]
    assert side.pooled_days(side.weighted(five, TODAY), TODAY)["answered_p80"] == 9


@pytest.mark.parametrize(
    ("days", "label"),
    [
        (0, "Within a week"),
        (7, "Within a week"),
        (8, "8 to 14 days"),
        (30, "15 to 30 days"),
        (31, "31 to 60 days"),
        (61, "Over 60 days"),
        (3650, "Over 60 days"),
    ],
)
def test_day_bucket_is_the_charts_bucket(days, label):
    assert side.day_bucket(days) == label


def test_days_quantiles_from_ten_decisions_by_kaplan_meier():
    # Ten decisions on days 1..10: F(5) = 0.5, F(8) = 0.8.
    reviews = [facts(decision_days=d) for d in range(1, 11)]
    days = side.days_to_decision(side.weighted(reviews, TODAY), TODAY)
    assert (days["median"], days["p80"]) == (5, 8)
    assert days["answered_p80"] == 8  # nearest rank: the 8th of 10


def test_answered_p80_leaves_out_silent_cases():
    # KM never reaches 80% here (see below), but among the answered 80% came within 8 days.
    assert side.answered_p80(list(range(1, 11))) == 8
    assert side.answered_p80([30]) == 30
    assert side.answered_p80([]) is None


def test_answered_p80_leaves_out_answers_the_candidate_had_to_chase():
    """ "Those who heard back mostly did within N days": a chased answer is silence (§6)."""
    from dataclasses import replace

    prompt = [facts(decision_days=day, author=f"p{day}") for day in range(1, 11)]
    chased = [replace(facts(decision_days=60, author=f"c{i}"), chased=True) for i in range(10)]
    pairs = side.weighted(prompt + chased, TODAY)
    days = side.days_to_decision(pairs, TODAY)
    assert days["decisions"] == 20  # the chart still shows how long every decision took
    assert days["answered_p80"] == 8  # 80% of the unprompted answers came within 8 days
    assert side.pooled_days(pairs, TODAY)["answered_p80"] == 8


def test_days_quantiles_count_open_cases_as_censored():
    # Ten decisions on days 1..10 and ten cases silent for 40 days (censored, still at risk):
    # S drops by 1/20 per day from day 1, F(10) = 0.5, so the median is day 10 and the 80th
    # percentile is never reached.
    reviews = [facts(decision_days=d) for d in range(1, 11)] + [
        facts(Outcome.ghosted, days_ago=40) for _ in range(10)
    ]
    days = side.days_to_decision(side.weighted(reviews, TODAY), TODAY)
    assert (days["median"], days["p80"]) == (10, None)


def test_buckets_cover_every_decision_once():
    reviews = [facts(decision_days=d) for d in (0, 7, 8, 14, 15, 30, 31, 60, 61, 400)]
    days = side.days_to_decision(side.weighted(reviews, TODAY), TODAY)
    assert [b["count"] for b in days["buckets"]] == [2, 2, 2, 2, 2]


# --- periods and advice ------------------------------------------------------------------------


def test_recent_period_needs_five_reviewers():
    old = [facts(days_ago=500) for _ in range(5)]
    recent = [facts(days_ago=10) for _ in range(4)]
    result = side.period_figures(side.weighted(old + recent, TODAY), TODAY, lambda s: 50.0, {})
    assert result["recent"] == {"shown": False, "reviews": 4}
    assert result["all"]["shown"] is True
    assert result["all"]["reviews"] == 9
    assert result["all"]["hear_back"]["count"] == 9


@pytest.mark.parametrize(
    ("p80", "follow_up", "move_on"),
    [(3, 7, 30), (9, 9, 30), (20, 20, 40), (60, 30, 60)],
)
def test_expectation_bounds(p80, follow_up, move_on):
    result = side.expectation({"answered_p80": p80, "decisions": 12}, None, "site")
    assert result == {
        "basis": "employer",
        "typical_days": p80,
        "follow_up_after": follow_up,
        "move_on_after": move_on,
    }


def test_expectation_falls_back_below_ten_decisions():
    own = {"answered_p80": 4, "decisions": 9}
    assert side.expectation(own, {"answered_p80": 12}, "industry")["basis"] == "industry"
    assert side.expectation(own, {"answered_p80": None}, "site") is None
    assert side.expectation(own, None, "site") is None


def test_priors_pool_weighted_shares_and_floor_m():
    employers = [
        side.weighted([facts(Outcome.rejected), facts(Outcome.ghosted)], TODAY),
        side.weighted([facts(Outcome.rejected), facts(Outcome.rejected)], TODAY),
        side.weighted([facts(Outcome.rejected), facts(Outcome.ghosted)], TODAY),
        side.weighted([facts(Outcome.rejected), facts(Outcome.rejected)], TODAY),
    ]
    priors = side.priors_from(employers, TODAY)
    assert priors["hear_back"]["mu"] == 0.75
    assert priors["hear_back"]["m"] >= 10
    assert "timeline_kept" not in priors  # nobody was promised a timeline


def test_priors_from_fewer_than_five_reviewers_are_not_kept():
    # DESIGN.md §5.3: the priors are public (/api/v1/baselines); four reviewers' pooled share
    # is not shown, and one reviewer's share would be their own answer.
    employers = [
        side.weighted([facts(Outcome.rejected), facts(Outcome.ghosted)], TODAY),
        side.weighted([facts(Outcome.rejected), facts(Outcome.rejected)], TODAY),
    ]
    assert "hear_back" not in side.priors_from(employers, TODAY)
    many = [side.weighted([facts(Outcome.rejected, author="a")] * 6, TODAY)]
    assert side.priors_from(many, TODAY) == {}


# --- Issue 18: the whole process's length, every step, turned down other work -----------------


def _length(days: int, author=None, **extra) -> ReviewFacts:
    """A decision `days` after the (mid-month) start of a process begun in January 2026."""
    month = date(2026, 1, 1)
    contact = month + timedelta(days=side.MID_MONTH_DAYS + days)
    item = facts(author=author, decision_days=0)
    return replace(item, **{"process_month": month, "last_contact_on": contact, **extra})


def test_process_days_counts_from_mid_month_to_the_decision():
    assert side.process_days(_length(40)) == 40
    # A process said to start after its last contact's mid-month can't be negative.
    assert side.process_days(_length(-10)) == 0
    # No length without a decision whose days may be shown (§5.8), or without a month.
    assert side.process_days(replace(_length(40), outcome=Outcome.ghosted)) is None
    assert side.process_days(_length(40, contact_confirmed=True)) is None
    assert side.process_days(_length(40, process_month=None)) is None


def test_process_length_merges_a_small_bucket_with_its_smaller_neighbour():
    items = [_length(10) for _ in range(5)]  # under 1 month
    items += [_length(45) for _ in range(2)]  # 1 to 2 months: too few, merged
    items += [_length(75) for _ in range(6)]  # 2 to 3 months
    items += [_length(200) for _ in range(7)]  # over 6 months
    found = side.process_length(items)
    assert found["decisions"] == 20
    # 1-2 months has neighbours of 5 and 6: it joins the smaller (under a month).
    assert found["buckets"] == [
        {"label": "Under 2 months", "count": 7},
        {"label": "2 to 3 months", "count": 6},
        {"label": "Over 6 months", "count": 7},
    ]


def test_process_length_counts_candidates_not_reviews():
    one_person = [_length(10, author="same") for _ in range(6)]
    assert side.process_length(one_person) == {"decisions": 6, "buckets": []}


def test_process_length_labels():
    assert side.length_label(0, 1) == "Under 1 month"
    assert side.length_label(1, 3) == "1 to 3 months"
    assert side.length_label(6, None) == "Over 6 months"
    assert side.length_label(0, None) == "Any length"


def test_steps_reached_shows_a_step_from_five_candidates():
    def listed(*stages):
        return replace(facts(), steps=sum(1 << stage.rank for stage in stages))

    items = [listed(Stage.screen, Stage.interview) for _ in range(4)]
    assert side.steps_reached(items) == {"reports": 0, "steps": []}
    items += [listed(Stage.interview), replace(facts(), steps=None)]
    assert side.steps_reached(items) == {
        "reports": 5,
        "steps": [{"stage": "interview", "count": 5}],  # the screen: four candidates, withheld
    }


def test_turned_down_work_is_a_count_of_five_candidates_or_nothing():
    said = [replace(facts(), turned_down_work=True) for _ in range(4)]
    said += [replace(facts(), turned_down_work=False) for _ in range(10)]
    assert side.turned_down_work(said) == {"candidates": None}
    said.append(replace(facts(), turned_down_work=True))
    assert side.turned_down_work(said) == {"candidates": 5}
    same = [replace(facts(author="one"), turned_down_work=True) for _ in range(6)]
    assert side.turned_down_work(same) == {"candidates": None}
