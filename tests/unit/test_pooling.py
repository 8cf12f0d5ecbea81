"""The tallies a rebuild reduces each employer to (scoring.pooling, issue 19): fed in parts and
merged, they must give what the plain functions give over the whole list."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from scoring import engine, pooling
from scoring import figures as side
from scoring.vocabulary import DECISIONS, Outcome, Stage

TODAY = date(2026, 6, 1)


def _facts(rng: random.Random, author: int | str) -> engine.ReviewFacts:
    outcome = rng.choice(list(Outcome))
    decided = outcome in DECISIONS
    return engine.ReviewFacts(
        stage=rng.choice(list(Stage)),
        outcome=outcome,
        decision_days=rng.randint(1, 90) if decided else None,
        promised_days=rng.choice([None, 7, 14]),
        followups_sent=rng.choice([None, 0, 2]),
        followups_answered=rng.choice([None, 0, 1]),
        feedback=None,
        last_contact_on=TODAY - timedelta(days=rng.randint(0, 600)),
        presumed_ghosted=outcome is Outcome.waiting and rng.random() < 0.5,
        held=rng.random() < 0.05,
        author_key=author,
        new_account=rng.random() < 0.3,
        prospective=rng.random() < 0.2,
    )


def _employers(seed: int, count: int) -> list[list[engine.ReviewFacts]]:
    rng = random.Random(seed)
    return [
        [
            _facts(rng, rng.choice([rng.randint(0, 300), f"review-{rng.randint(0, 10**6)}"]))
            for _ in range(rng.randint(1, 12))
        ]
        for _ in range(count)
    ]


def test_distinct_counts_ids_and_delinked_reviews_and_merges():
    left, right = pooling.Distinct(), pooling.Distinct()
    for key in (0, 7, 8, 4096, 7, "review-1"):
        left.add(key)
    for key in (8, 9, 100_000, "review-2", "review-1"):
        right.add(key)
    assert len(left) == 5 and len(right) == 5
    left.merge(right)
    assert len(left) == len({0, 7, 8, 4096, 9, 100_000, "review-1", "review-2"})


def test_km_tallies_merge_into_the_whole_curve():
    rng = random.Random(1)
    observations = [(rng.randint(0, 60), rng.random() < 0.6) for _ in range(500)]
    first, second = engine.KMTally(), engine.KMTally()
    for days, event in observations[:200]:
        first.add(days, event)
    for days, event in observations[200:]:
        second.add(days, event)
    first.merge(second)
    assert first.curve() == engine.kaplan_meier(observations)
    with pytest.raises(ValueError):
        first.add(-1, True)


@pytest.mark.parametrize("cut", [1, 7, 19])
def test_a_site_tally_in_parts_is_the_tally_of_everything(cut):
    employers = _employers(3, 25)
    industries = ["tech", None, "retail"]
    whole = pooling.SiteTally(TODAY)
    first, second = pooling.SiteTally(TODAY), pooling.SiteTally(TODAY)
    for index, facts in enumerate(employers):
        reviews = pooling.EmployerReviews(index, industries[index % 3], facts, None)
        whole.add(reviews)
        (first if index < cut else second).add(reviews)
    first.merge(second)
    assert first.estimates() == whole.estimates()

    # And the pooled figures are those of the plain functions over every review at once.
    found = whole.estimates()
    everything = [pair for facts in employers for pair in side.weighted(facts, TODAY)]
    assert found.baselines["site"]["days"] == side.pooled_days(everything, TODAY)
    assert found.baselines["site"]["authors"] == len({f.author_key for f, _ in everything})
    assert found.baselines["priors"] == side.priors_from(
        [side.weighted(facts, TODAY) for facts in employers], TODAY
    )
    moments = []
    for facts in employers:
        valued = [
            (value, weight)
            for item, weight in side.weighted(facts, TODAY)
            if (value := engine.review_value(item, TODAY, km_curve=found.curve)) is not None
        ]
        if valued:
            moments.append(engine.employer_moments([u for u, _ in valued], [w for _, w in valued]))
    # Too few reports for a reporting-bias correction: M from the plain values.
    assert not found.baselines["reporting_bias"]["site"]["applied"]
    assert found.m == engine.M_of(moments)
    assert found.within_variance == (
        engine.within_variance_of(moments) or pooling.DEFAULT_WITHIN_VARIANCE
    )


def test_moments_tallies_merge():
    rng = random.Random(4)
    moments = [
        engine.employer_moments([rng.random() for _ in range(5)], [1.0] * 5) for _ in range(30)
    ]
    first, second = engine.MomentsTally(), engine.MomentsTally()
    for index, found in enumerate(moments):
        (first if index < 11 else second).add(found)
    first.merge(second)
    assert first.M() == engine.M_of(moments)
    assert first.within() == engine.within_variance_of(moments)
