"""Verified contact as trust evidence, in the pure scoring core (scoring.engine, scoring.figures).

A review whose author proved the contact with the employer's signed email (DESIGN.md §12) weighs
like an established account's review and is not capped with the new accounts' reviews, nor does
it raise their cap (scoring.params.VERIFIED_FULL_WEIGHT). Its author counting as an established
reviewer (VERIFIED_ESTABLISHED) was measured and is off (docs/scoring.md, decision 12); the
switch still works. A fresh account without a proof keeps every defence of DESIGN.md §6.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from scoring import engine, params
from scoring import figures as side
from scoring.engine import ReviewFacts
from scoring.vocabulary import Outcome, Stage

TODAY = date(2026, 6, 1)


def facts(author, *, new_account=True, verified=False, outcome=Outcome.offer) -> ReviewFacts:
    return ReviewFacts(
        stage=Stage.offer if outcome is Outcome.offer else Stage.interview,
        outcome=outcome,
        decision_days=3 if outcome is Outcome.offer else None,
        promised_days=None,
        followups_sent=None,
        followups_answered=None,
        feedback=None,
        last_contact_on=TODAY - timedelta(days=20),
        presumed_ghosted=False,
        held=False,
        author_key=author,
        new_account=new_account,
        contact_verified=verified,
    )


def many(prefix, count, **kwargs) -> list[ReviewFacts]:
    return [facts(f"{prefix}-{number}", **kwargs) for number in range(count)]


@pytest.fixture
def signal_off(monkeypatch):
    monkeypatch.setattr(params, "VERIFIED_FULL_WEIGHT", False)
    monkeypatch.setattr(params, "VERIFIED_ESTABLISHED", False)


def weight_by_kind(pairs) -> dict[str, float]:
    found = {"established": 0.0, "verified": 0.0, "fresh": 0.0}
    for item, weight in pairs:
        kind = "verified" if item.contact_verified else "fresh" if item.new_account else None
        found[kind or "established"] += weight
    return found


def test_a_verified_review_from_a_new_account_weighs_as_an_established_one():
    proved, fresh, regular = facts(1, verified=True), facts(2), facts(3, new_account=False)
    assert engine.weight(proved, TODAY) == engine.weight(regular, TODAY) == 1.0
    assert engine.weight(fresh, TODAY) == params.NEW_ACCOUNT_WEIGHT
    assert engine.weighs_in_full(proved) and not engine.weighs_in_full(fresh)
    # Without the mark, the rules of a new account apply.
    assert (
        engine.weight(replace(proved, contact_verified=False), TODAY) == params.NEW_ACCOUNT_WEIGHT
    )


def test_a_verified_author_counts_as_established_only_with_that_switch(monkeypatch):
    reports = [
        facts(1, verified=True),
        facts(2),
        facts(3, verified=True),
        facts(4, new_account=False),
    ]
    assert params.VERIFIED_ESTABLISHED is False  # measured, not in force (decision 12)
    assert engine.established_authors(reports, TODAY) == 1
    monkeypatch.setattr(params, "VERIFIED_ESTABLISHED", True)
    assert engine.established(reports[0]) and not engine.established(reports[1])
    assert engine.established_authors(reports, TODAY) == 3


def test_with_the_signal_off_a_proof_is_shown_but_not_used(signal_off):
    proved = facts(1, verified=True)
    assert engine.weight(proved, TODAY) == params.NEW_ACCOUNT_WEIGHT
    assert not engine.established(proved)
    campaign = [*many("puppet", 30), proved]
    assert sum(w for _, w in side.weighted(campaign, TODAY)) == pytest.approx(
        params.NEW_ACCOUNT_CAP
    )


def test_a_held_or_too_old_verified_review_counts_for_nothing():
    held = replace(facts(1, verified=True), held=True)
    old = replace(
        facts(2, verified=True), last_contact_on=TODAY - timedelta(days=params.MAX_AGE_DAYS + 1)
    )
    assert engine.weight(held, TODAY) == engine.weight(old, TODAY) == 0
    assert side.weighted([held, old], TODAY) == []


def test_verified_reviews_are_not_capped_and_do_not_raise_the_cap():
    # Thirty fresh accounts praising, two candidates with proof of a ghosting, no established
    # reviewer: the proved reports weigh 1 each, the fresh ones together NEW_ACCOUNT_CAP.
    proved = many("proved", 2, verified=True, outcome=Outcome.ghosted)
    found = weight_by_kind(side.weighted(many("puppet", 30) + proved, TODAY))
    assert found["verified"] == pytest.approx(2.0)
    assert found["fresh"] == pytest.approx(params.NEW_ACCOUNT_CAP)
    # Beside two established reviewers the cap is theirs plus NEW_ACCOUNT_CAP, as before.
    regulars = many("regular", 2, new_account=False, outcome=Outcome.ghosted)
    found = weight_by_kind(side.weighted(many("puppet", 30) + proved + regulars, TODAY))
    assert found["fresh"] == pytest.approx(params.NEW_ACCOUNT_CAP + 2.0)
    assert found["established"] == found["verified"] == pytest.approx(2.0)
    # Under the cap, nothing is scaled.
    few = side.weighted(many("puppet", 2), TODAY)
    assert [w for _, w in few] == [params.NEW_ACCOUNT_WEIGHT] * 2


def _estimate(reports) -> float:
    pairs = side.weighted(reports, TODAY)
    valued = [(1.0 if item.outcome is Outcome.offer else 0.0, w) for item, w in pairs]
    return engine.estimate(valued, mu=0.3, M=params.M_FLOOR).value


def test_fresh_accounts_without_proof_do_not_outrank_proved_reports(signal_off, monkeypatch):
    """The same three established reviewers, and praise from six candidates who proved the
    contact or from fifteen fresh accounts: the proved praise ranks higher; without the signal,
    the campaign would."""
    regulars = many("regular", 2, new_account=False) + many(
        "ghosted", 1, new_account=False, outcome=Outcome.ghosted
    )
    proved = regulars + many("proved", 6, verified=True)
    campaign = regulars + many("puppet", 15)
    assert _estimate(campaign) > _estimate(proved)  # the signal off (fixture)
    monkeypatch.setattr(params, "VERIFIED_FULL_WEIGHT", True)
    assert _estimate(proved) > _estimate(campaign)
