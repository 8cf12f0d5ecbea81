"""The adversarial benchmark (bench/score_adversarial.py) at CI size, and its metric functions on
hand-built cases. Structure only: whatever the scoring formula, puppets' reviews go through the
real publication path, the lists are read and every metric is reported. No target is asserted
(the formula does not meet all of them yet, docs/scoring.md "Where the issue's targets stand":
asserting them would fail CI on a known gap rather than a regression)."""

from __future__ import annotations

import importlib.util
import itertools
import math
import sys
import types
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location(
        "score_adversarial", ROOT / "bench" / "score_adversarial.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def quick(bench):
    """One tiny world (40 employers, one seed, one glowing campaign of 5), run twice."""
    return bench.run_world(bench.WORLDS["unimodal"], 40, 1, bench.campaigns_for(quick=True))


METRICS = {
    "employers_reviewed",
    "employers_shown",
    "spearman_shown",
    "spearman_all",
    "most_size",
    "least_size",
    "false_shaming",
    "counts",
    "clean_counts",
    "honest_held",
    "puppet_held",
    "honest_held_all",
    "honest_held_unpublished",
    "puppet_held_unpublished",
    "honest_verified",
    "puppet_verified",
    "calibration",
    "calibration_members",
    "calibration_points",
    "attacks",
    "unverified",
    "variants",
}


def test_quick_world_goes_through_the_real_publication_path(bench, quick):
    assert set(quick) == METRICS
    counts = quick["counts"]
    # Every puppet review was submitted, and each is either published by publish_due or held
    # for a moderator (a hold is the real path too); the clean run has none.
    assert counts["puppet_submitted"] == counts["puppet_submitted_last_year"] == 5
    assert counts["puppet_published"] + counts["puppet_held_unpublished"] == 5
    assert quick["clean_counts"]["puppet_submitted"] == 0
    # Honest reviews: the same in both runs, nearly all published two years on.
    assert counts["honest_submitted"] == quick["clean_counts"]["honest_submitted"] > 40
    assert counts["honest_published"] > 0.8 * counts["honest_submitted"]
    assert 0 < counts["honest_submitted_last_year"] < counts["honest_submitted"]
    for share in ("honest_held", "puppet_held", "honest_held_all", "honest_held_unpublished"):
        assert 0 <= quick[share] <= 1, share
    # The lists were read (possibly short or empty at this size), within the top 20.
    assert 0 <= quick["most_size"] <= bench.LIST_SIZE
    assert 0 <= quick["least_size"] <= bench.LIST_SIZE
    assert 0 <= quick["false_shaming"] <= 1
    [attack] = quick["attacks"]
    assert attack["in_search_top20"] in (True, False)
    assert 0 < quick["employers_shown"] <= quick["employers_reviewed"] <= 40


def test_quick_world_reports_every_metric(bench, quick):
    for scope in ("spearman_shown", "spearman_all"):
        assert set(quick[scope]) == {"n", "heardback", "plain", "shrunk"}
        assert quick[scope]["n"] >= 3
        for method in ("heardback", "plain", "shrunk"):
            assert -1 <= quick[scope][method] <= 1
    assert list(quick["calibration"]) == bench.band_order()
    # Shown employers whose interval fits no band have no label, and no calibration row.
    labelled = sum(row["count"] for row in quick["calibration"].values())
    assert 0 < labelled <= quick["employers_shown"]
    [attack] = quick["attacks"]
    assert (attack["kind"], attack["k"]) == ("glowing", 5)
    assert 0.05 <= attack["truth"] <= 0.15
    # Glowing reviews never lower a hear-back rate; the estimate exists with and without.
    assert attack["shift_estimate"] is not None
    assert attack["shift_plain"] is None or attack["shift_plain"] >= 0
    assert attack["shift_shrunk"] > 0
    summary = bench.summarise([quick])
    for _, key, _, _ in bench.ROWS:
        assert key in summary
    assert set(bench.targets({"unimodal": summary})) == {key for _, key in bench.TARGETS}
    assert "| Metric | unimodal |" in bench.table({"unimodal": summary})


def test_campaigns_are_spaced_fresh_accounts_and_honest_reviews_unchanged(bench):
    world = bench.WORLDS["ghosts"]
    campaigns = bench.campaigns_for(quick=False)
    clean = bench.plan_world(world, 60, 2, campaigns, attacked=False)
    attacked = bench.plan_world(world, 60, 2, campaigns, attacked=True)
    honest = [r for r in attacked.reviews if not r.puppet]
    assert [(r.key, r.at, r.values, r.author) for r in honest] == [
        (r.key, r.at, r.values, r.author) for r in clean.reviews
    ]
    puppets = [r for r in attacked.reviews if r.puppet]
    assert len(puppets) == sum(k for _, k in campaigns)
    authors = [r.author for r in puppets]
    assert len(set(authors)) == len(authors)  # one review per account
    assert not set(authors) & {r.author for r in honest}
    for target in (e for e in attacked.employers if e.target):
        mine = sorted((r for r in puppets if r.employer == target.index), key=lambda r: r.at)
        assert len(mine) == target.k
        for review in mine:
            created = attacked.accounts[review.author]
            assert timedelta(0) <= review.at - created <= timedelta(days=2)
            assert review.at >= bench.START + timedelta(days=365)
        gaps = [(b.at - a.at).days for a, b in itertools.pairwise(mine)]
        assert all(gap >= 1 for gap in gaps)  # days to months apart, never a same-day burst
    single_use = Counter(r.author for r in honest)
    assert 0.45 < sum(1 for n in single_use.values() if n == 1) / len(honest) < 0.75


def test_honest_candidates_prove_their_contact_at_the_share_set_and_puppets_never(bench):
    world = bench.WORLDS["bimodal"]
    campaigns = bench.campaigns_for(quick=False)

    def plan(share):
        return bench.plan_world(world, 80, 3, campaigns, attacked=True, proof_share=share)

    plans = {share: plan(share) for share in (0.0, 0.1, bench.PROOF_SHARE, 0.5)}
    proved = {}
    for share, found in plans.items():
        assert not any(r.verified for r in found.reviews if r.puppet)
        honest = [r for r in found.reviews if not r.puppet]
        proved[share] = {r.key for r in honest if r.verified}
        assert abs(len(proved[share]) / len(honest) - share) < 0.06, share
    assert not proved[0.0]
    # The proof share changes nothing else, and a larger share proves a superset.
    assert proved[0.1] <= proved[bench.PROOF_SHARE] <= proved[0.5]
    assert [(r.key, r.at, r.values, r.author) for r in plans[0.0].reviews] == [
        (r.key, r.at, r.values, r.author) for r in plans[0.5].reviews
    ]


def test_the_quick_world_reports_what_verification_changes(bench, quick):
    """Published honest reviews carry the mark at about the share set, puppets' never; the same
    site re-scored without the signal is measured like the site as set, and the campaign stays
    off the list either way."""
    assert 0.15 < quick["honest_verified"] < 0.45
    assert quick["puppet_verified"] == 0
    without = quick["unverified"]
    assert set(without) == METRICS - {"unverified", "variants"}
    assert without["counts"] == quick["counts"]  # the same site, only re-scored
    for run in (quick, without):
        [attack] = run["attacks"]
        assert not attack["in_most_top20"]
    # The signal adds trust, never suspicion: no figure is hidden because of it.
    assert quick["employers_shown"] >= without["employers_shown"]
    summary = bench.summarise([quick])
    summary["unverified"] = bench.summarise([without])
    text = bench.verification_table({"unimodal": summary})
    assert text.startswith("| Verified contact: with / without the signal | unimodal |")
    assert "| Attacked in top 20 (glowing, k ≤ 10) | 0.00 / 0.00 |" in text
    assert "| Bands pass the calibration check | " in text


def test_spearman_ranks_and_percentiles(bench):
    assert bench.spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1)
    assert bench.spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1)
    assert bench.spearman([1, 2, 3, 4, 5], [2, 1, 4, 3, 5]) == pytest.approx(0.8)
    assert math.isnan(bench.spearman([1, 2], [1, 2]))
    assert bench.average_ranks([5, 1, 5, 3]) == [3.5, 1, 3.5, 2]
    values = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]
    assert bench.percentile(values, 10) == pytest.approx(0.19)  # numpy's linear rule
    assert bench.percentile(values, 50) == pytest.approx(0.55)
    assert bench.percentile(values, 90) == pytest.approx(0.91)
    assert bench.percentile([0.3], 10) == 0.3


def test_false_shaming_shift_and_calibration(bench):
    truth = [0.1, 0.2, 0.6, 0.9]
    assert bench.false_shaming([0, 1, 2, 3], truth, median=0.4) == 0.5
    assert bench.false_shaming([], truth, median=0.4) == 0
    assert bench.shift(60.0, 45.5) == 14.5
    assert bench.shift(None, 45.5) is None and bench.shift(60.0, None) is None
    order = ["low", "mid", "high"]
    members = [("low", 0.1), ("low", 0.2), ("low", 0.3), ("high", 0.8), ("high", 0.25)]
    table = bench.calibration(members, order)
    assert table["low"]["count"] == 3 and table["low"]["median"] == pytest.approx(0.2)
    assert table["low"]["mean"] == pytest.approx(0.2) and table["low"]["separated"] is None
    assert table["mid"]["count"] == 0 and table["mid"]["separated"] is None
    # high's 10th percentile (0.305) against low's median (0.2): the empty band is skipped.
    assert table["high"]["p10"] == pytest.approx(0.305)
    assert table["high"]["separated"] is True
    table = bench.calibration([("low", 0.5), ("high", 0.1), ("high", 0.9)], order)
    assert table["high"]["separated"] is False


def test_baselines_on_a_hand_built_case(bench):
    """Three employers: the plain rate leaves open cases out, the shrunk rate leans to μ."""
    assert bench.plain_rate(3, 1) == 0.75
    assert bench.plain_rate(0, 0) is None
    assert bench.shrunk_rate(3, 1, mu=0.5) == pytest.approx((3 + 5) / 14)
    heard, silent = {0: 3, 1: 0, 2: 1}, {0: 1, 1: 4, 2: 1}
    assert bench.site_rate(heard, silent) == pytest.approx(0.4)

    def figure(value):
        return bench.Figure(value, value if value is not None else 50.0, "Mixed")

    run = {
        "truth": [0.8, 0.1, 0.5, 0.4],
        "targets": {1: ("glowing", 3)},
        "figures": {0: figure(70.0), 1: figure(None), 2: figure(55.0), 3: figure(None)},
        "heard": heard,
        "silent": silent,
        "published": {0: 4, 1: 4, 2: 3},  # employer 2 has one open case; 3 has no review
        "most": [0],
        "least": [1],
        "search_top": [0, 2, 1],
        "counts": {
            f"{who}_{what}{period}": 0
            for who in ("honest", "puppet")
            for what in ("submitted", "held", "published", "held_unpublished")
            for period in ("", "_last_year")
        },
    }
    attacked = {**run, "heard": {**heard, 1: 3}, "figures": {**run["figures"], 1: figure(60.0)}}
    result = bench.measure(run, attacked)
    assert result["employers_reviewed"] == 3 and result["employers_shown"] == 3
    assert result["spearman_all"]["n"] == 3
    # Ranks by truth: 1 < 2 < 0; plain 3/4, 1/2, 3/7 for employers 0, 2, 1: perfect.
    assert result["spearman_all"]["plain"] == pytest.approx(1)
    assert result["false_shaming"] == 0  # employer 1's truth 0.1 is below the median 0.5
    [attack] = result["attacks"]
    assert attack["shown_after"] and not attack["shown_before"]
    assert attack["in_search_top20"] and not attack["in_most_top20"] and attack["in_least"]
    assert attack["shift_shown"] is None
    assert attack["shift_estimate"] == pytest.approx(10.0)
    assert attack["shift_plain"] == pytest.approx(100 * 3 / 7)
    mu = bench.site_rate(attacked["heard"], silent)
    expected = 100 * (bench.shrunk_rate(3, 4, mu) - bench.shrunk_rate(0, 4, mu))
    assert attack["shift_shrunk"] == pytest.approx(expected)


def _row(shown, score, low=None, high=None, reviews=12, established=12):
    figures = {"headline": {"low": low, "high": high}} if low is not None else None
    return types.SimpleNamespace(
        shown_score=shown,
        score=score,
        score_sd=3.0,
        scored_reviews=reviews,
        scored_authors=reviews,
        established_authors=established,
        figures=figures,
    )


def test_heardback_figure_reads_the_row_as_the_page_does(app, bench):
    figure = bench.heardback_figure(_row(81.0, 81.0, 75.0, 86.0))
    assert (figure.shown, figure.estimate, figure.band) == (81.0, 81.0, "Responsive")
    assert (figure.low, figure.high) == (75.0, 86.0)
    # A wide interval: shown, but no label (the page says "too few reports for a label").
    assert bench.heardback_figure(_row(50.0, 50.0, 20.0, 80.0)).band is None
    hidden = bench.heardback_figure(_row(None, 40.0, reviews=2))
    assert hidden == bench.Figure(None, 40.0, None, None, None)
    # Fresh accounts only: hidden as the page hides it (scoring.engine.shown_when).
    fresh = bench.heardback_figure(_row(None, 40.0, 30.0, 50.0, established=0))
    assert fresh.shown is None and fresh.band is None
    order = bench.band_order()
    assert order == ["Ghosts", "Often silent", "Mixed", "Responsive"]
    assert bench.heardback_figure(_row(3.0, 3.0, 1.0, 6.0)).band == order[0]


def test_write_doc_keeps_the_rest_of_the_file(bench, tmp_path):
    doc = tmp_path / "scoring.md"
    doc.write_text("# Score accuracy benchmark\n\nOld figures.\n")
    bench.write_doc("First run.", doc)
    bench.write_doc("Second run.", doc)
    text = doc.read_text()
    assert text.startswith("# Score accuracy benchmark\n\nOld figures.\n")
    assert text.count(bench.MARK_START) == 1 and text.count(bench.MARK_END) == 1
    assert "Second run." in text and "First run." not in text


def test_the_quick_campaign_buys_nothing_the_defences_promise(quick):
    """The defences against fake-account campaigns at CI size (one seed, so with margins): the
    glowing campaign of five fresh accounts is not on the most-responsive list, moves the
    estimate of its ghosting target much less than it moves the plain mean, and the year's
    honest reviews are nearly all counted.
    """
    [attack] = quick["attacks"]
    assert attack["kind"] == "glowing" and attack["k"] == 5
    assert not attack["in_most_top20"]
    assert attack["shift_estimate"] is not None and attack["shift_plain"] is not None
    assert attack["shift_estimate"] < 15
    assert attack["shift_estimate"] < attack["shift_plain"] / 3
    assert quick["honest_held"] <= 0.05


def test_a_sweep_reads_ranges_and_rejects_unknown_names(bench):
    variants = bench.parse_sweep(
        "bands:GHOSTS_BELOW=10,OFTEN_SILENT_RANGE=(5, 45),MIXED_RANGE=(25,95);"
        "half:HALF_LIFE_DAYS=None"
    )
    assert variants == [
        ("bands", {"GHOSTS_BELOW": 10, "OFTEN_SILENT_RANGE": (5, 45), "MIXED_RANGE": (25, 95)}),
        ("half", {"HALF_LIFE_DAYS": None}),
    ]
    with pytest.raises(SystemExit, match="no NOT_A_PARAM"):
        bench.parse_sweep("x:NOT_A_PARAM=1")
