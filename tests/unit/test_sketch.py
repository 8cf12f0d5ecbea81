"""An employer's figures read from running sums (scoring.sketch, issue 19) against the plain
functions of scoring.figures and scoring.engine over the list of its reviews: the same figures,
for any mix of reviews, accounts, weights and corrections; and sums folded change by change
equal to sums built at once."""

from __future__ import annotations

import math
import random
from datetime import date, timedelta

import pytest

from scoring import bias, engine, params, stats
from scoring import figures as side
from scoring.sketch import FORMAT, Sketch, contribution
from scoring.vocabulary import DECISIONS, Outcome, Stage

TODAY = date(2026, 6, 1)
CURVE = engine.kaplan_meier(
    [(days, days % 3 != 0) for days in range(0, 90, 2)] + [(40, False), (70, False)]
)


def _facts(rng: random.Random, author: int | str) -> engine.ReviewFacts:
    outcome = rng.choice(list(Outcome))
    contact = TODAY - timedelta(days=rng.randint(0, 1600))
    return engine.ReviewFacts(
        stage=rng.choice(list(Stage)),
        outcome=outcome,
        decision_days=rng.randint(0, 120) if outcome in DECISIONS else None,
        promised_days=rng.choice([None, 7, 14]),
        followups_sent=rng.choice([None, 0, 2]),
        followups_answered=rng.choice([None, 0, 1]),
        feedback=None,
        last_contact_on=contact,
        presumed_ghosted=outcome is Outcome.waiting and rng.random() < 0.5,
        held=rng.random() < 0.05,
        author_key=author,
        contact_confirmed=rng.random() < 0.1,
        chased=rng.random() < 0.2,
        new_account=rng.random() < 0.4,
        contact_verified=rng.random() < 0.3,
        prospective=rng.random() < 0.2,
        process_month=(contact - timedelta(days=rng.randint(0, 200))).replace(day=1)
        if rng.random() < 0.7
        else None,
        steps=rng.choice([None, 2, 6, 14, 30, 126]),
        turned_down_work=rng.choice([None, True, False]),
    )


def _employer(rng: random.Random) -> list[engine.ReviewFacts]:
    count = rng.choice([0, 1, 3, 8, 20, 60])
    authors = rng.randint(1, max(count, 1))
    return [
        _facts(rng, rng.choice([rng.randint(0, authors), f"review-{rng.randint(0, 10**6)}"]))
        for _ in range(count)
    ]


def _inputs(factor: float) -> stats.Inputs:
    baselines = {
        "priors": {"hear_back": {"mu": 0.4, "m": 12}, "timeline_kept": {"mu": 0.3, "m": 20}},
        "reporting_bias": {
            "site": {
                "value": factor,
                "applied": factor != 1.0,
                "basis": "site",
                "prospective": 60,
                "retrospective": 60,
                "minimum": 50,
            }
        },
        "site": {"authors": 10, "days": {"answered_p80": 21}},
    }
    return stats.Inputs(0.45, 14.0, 0.05, CURVE, baselines)


def _plain_figures(facts: list, inputs: stats.Inputs) -> dict:
    """The row as the plain functions give it, one list of reviews at a time (what
    scoring.stats computed before the running sums)."""
    pairs = side.weighted(facts, TODAY)
    mu, factor = inputs.mu, inputs.bias_for(None)

    def valued(subset):
        found = []
        for item, weight in subset:
            value = engine.review_value(item, TODAY, km_curve=inputs.curve)
            if value is not None:
                found.append((item, value, weight))
        return bias.corrected(found, factor)

    def score_of(subset):
        scored = valued(subset)
        return engine.shrunk_score(scored, mu, inputs.m)[0] if scored else None

    counted = valued(pairs)
    found = engine.estimate(counted, mu, inputs.m)
    n = sum(weight for _, weight in counted)
    scored = [item for item, _ in pairs if item.outcome is not Outcome.withdrew]
    priors = inputs.baselines["priors"]
    days = side.days_to_decision(pairs, TODAY)
    return {
        "review_count": len(facts),
        "author_count": len({item.author_key for item in facts}),
        "ghosted_count": sum(1 for item in facts if side._ghosted(item)),
        "waiting_count": sum(
            1 for item in facts if item.outcome is Outcome.waiting and not item.presumed_ghosted
        ),
        "decided_count": sum(1 for item in facts if item.outcome in DECISIONS),
        "weight_sum": n,
        "score": found.value if n > 0 else None,
        "score_sd": found.sd if n > 0 else None,
        "scored_reviews": len(counted),
        "scored_authors": engine.distinct_authors(scored, TODAY),
        "spread_days": engine.spread_days(scored, TODAY),
        "established_authors": engine.established_authors(scored, TODAY),
        "figures": {
            "headline": side.headline(found, pairs, TODAY) if n > 0 else None,
            **{
                name: side.share(
                    side.answers(pairs, question, TODAY), side.Prior.of(priors.get(name))
                )
                for name, question in side.QUESTIONS.items()
            },
            "hear_back_by_stage": side.by_stage(pairs, TODAY, priors),
            "days_to_decision": days,
            "process_length": side.process_length(facts),
            "steps": side.steps_reached(facts),
            "turned_down_work": side.turned_down_work(facts),
            "periods": side.period_figures(pairs, TODAY, score_of, priors),
            "expect": side.expectation(days, {"answered_p80": 21}, "site"),
        },
    }


def _assert_same(found, expected, path="") -> None:
    if isinstance(expected, dict):
        assert isinstance(found, dict) and found.keys() == expected.keys(), path
        for key in expected:
            _assert_same(found[key], expected[key], f"{path}.{key}")
    elif isinstance(expected, list):
        assert isinstance(found, list) and len(found) == len(expected), path
        for index, (one, other) in enumerate(zip(found, expected, strict=True)):
            _assert_same(one, other, f"{path}[{index}]")
    elif isinstance(expected, float) or isinstance(found, float):
        # Sums in another order (and 2^-64 units): equal to rounding.
        assert math.isclose(found, expected, rel_tol=1e-9, abs_tol=1e-9), (path, found, expected)
    else:
        assert found == expected, (path, found, expected)


@pytest.mark.parametrize(
    ("factor", "keep", "half_life", "cap"),
    [
        (1.0, False, None, 1.0),
        (1.7, False, None, 1.0),
        (0.6, True, 365, 2.0),
        (2.5, True, 90, None),
    ],
)
def test_the_sketch_gives_the_figures_of_the_plain_functions(
    monkeypatch, factor, keep, half_life, cap
):
    monkeypatch.setattr(params, "BIAS_KEEP_WEIGHT", keep)
    monkeypatch.setattr(params, "HALF_LIFE_DAYS", half_life)
    monkeypatch.setattr(params, "NEW_ACCOUNT_CAP", cap)
    inputs = _inputs(factor)
    assert inputs.bias_for(None) == factor
    rng = random.Random(f"{factor}-{keep}")
    for _ in range(150):
        facts = _employer(rng)
        _assert_same(stats.employer_figures(facts, inputs, TODAY), _plain_figures(facts, inputs))


def test_folded_sums_equal_sums_built_at_once():
    """Reviews added and taken away in any order, authors' reviews changing cells: the sketch
    after each fold is the one built from the reviews there are then, bit for bit."""
    rng = random.Random(3)
    reviews: dict[int, engine.ReviewFacts] = {}
    sketch = Sketch()
    for step in range(400):
        removed = rng.sample(sorted(reviews), min(len(reviews), rng.randint(0, 2)))
        old = [reviews.pop(number) for number in removed]
        new = {step * 10 + i: _facts(rng, rng.randint(0, 12)) for i in range(rng.randint(0, 2))}
        if rng.random() < 0.3 and removed:  # a change: the same review, other facts
            new[removed[0]] = _facts(rng, rng.choice([old[0].author_key, rng.randint(0, 12)]))
        reviews.update(new)
        changed = {item.author_key for item in (*old, *new.values())}
        others: dict = {}
        for number, item in reviews.items():
            if item.author_key in changed and number not in new:
                others.setdefault(item.author_key, []).append(_of(item))
        sketch.fold(map(_of, old), map(_of, new.values()), others)
        assert sketch == Sketch.of(map(_of, reviews.values())), step
    assert sketch.counts["reviews"] == len(reviews) > 0


def _of(facts: engine.ReviewFacts):
    return contribution(facts, TODAY, CURVE)


def test_a_sketch_stored_and_read_back_is_the_same_and_an_old_format_is_not_read():
    rng = random.Random(5)
    sketch = Sketch.of(_of(_facts(rng, rng.randint(0, 5))) for _ in range(50))
    text = sketch.to_json()
    assert Sketch.from_json(text) == sketch
    assert Sketch.from_json(text.replace(f'"format":{FORMAT}', '"format":0')) is None
    # Sums of a sketch are exact integers however large (JSON keeps them whole).
    assert all(isinstance(value, int) for value in Sketch.from_json(text).counts.values())
