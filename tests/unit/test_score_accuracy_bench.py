"""Smoke test of the score accuracy benchmark (bench/score_accuracy.py) at a tiny size: the
structure and ranges of its output, never which method wins."""

from __future__ import annotations

import importlib.util
import json
import math
import sys
from datetime import datetime
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location(
        "score_accuracy", ROOT / "bench" / "score_accuracy.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_small_run_has_every_method_and_sane_metrics(bench):
    result = bench.run(200, seed=3)
    world = result.pop("_world")
    assert world["employers"] == 200
    assert world["reviews"] >= 200
    assert 0.5 < world["at_most_3"] < 0.95
    assert world["M"] >= 10
    assert 0 <= world["mu"] <= 1
    assert set(result) == set(bench.ROWS)
    for name, metrics in result.items():
        assert -1 <= metrics["spearman"] <= 1, name
        assert metrics["spearman"] > 0, name  # every method tracks the truth somewhat
        assert 0 < metrics["best_size"] <= bench.LIST_SIZE
        for key in ("best", "worst", "shaming"):
            if metrics["worst_size"] or key == "best":
                assert 0 <= metrics[key] <= 1, (name, key)
        for k in bench.FAKE_COUNTS:
            moved = metrics[f"fake{k}"]
            assert not math.isnan(moved)
            assert 0 <= moved <= 100, (name, k)  # fake perfect reviews never lower a score
        assert metrics["fake1"] <= metrics["fake5"] <= metrics["fake20"], name


def test_same_seed_same_numbers(bench):
    assert bench.run(200, seed=5) == bench.run(200, seed=5)


def test_truth_and_spearman(bench):
    assert bench.spearman([1, 2, 3, 4], [10, 20, 30, 40]) == pytest.approx(1)
    assert bench.spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1)
    assert bench.average_ranks([5, 1, 5, 3]) == [3.5, 1, 3.5, 2]
    # An employer that always decides at once with offers/feedback is worth more than a ghost.
    assert bench.true_value(1.0, 1.0, 1.0) > bench.true_value(0.0, 1.0, 1.0)
    assert 0 <= bench.true_value(0.5, 20.0, 0.3) <= 1


def test_main_prints_without_writing(bench, capsys):
    def contents():
        return [path.read_text() if path.exists() else None for path in (bench.DOC, bench.RESULTS)]

    before = contents()
    runs = bench.main(["--employers", "200", "--runs", "1", "--no-write"])
    assert len(runs) == 1
    assert "HeardBack" in capsys.readouterr().out
    assert contents() == before


def test_main_writes_the_doc_and_the_json_results(bench, tmp_path, capsys):
    doc, results = tmp_path / "scoring.md", tmp_path / "benchmark_results.json"
    argv = ["--employers", "150", "--runs", "2", "--seed", "7"]
    argv += ["--doc", str(doc), "--results", str(results)]
    bench.main(argv)
    head, dirty = bench.source_state()
    commit = f"{head} (with uncommitted changes)" if dirty else head

    data = json.loads(results.read_text())
    assert {
        "command",
        "commit",
        "commit_hash",
        "uncommitted_changes",
        "date",
        "runtime_seconds",
        "machine",
        "employers",
        "runs",
        "seed",
        "seeds",
        "parameters",
        "world",
        "methods",
    } <= set(data)
    assert data["command"] == bench.command_line(argv)
    assert (data["commit"], data["commit_hash"], data["uncommitted_changes"]) == (
        commit,
        head,
        dirty,
    )
    assert datetime.strptime(data["date"], "%Y-%m-%dT%H:%M:%SZ")
    assert data["runtime_seconds"] >= 0
    assert (data["employers"], data["runs"], data["seed"]) == (150, 2, 7)
    assert data["parameters"]["list_size"] == bench.LIST_SIZE
    assert data["parameters"]["fake_counts"] == list(bench.FAKE_COUNTS)
    assert data["world"]["employers"] == 150
    assert list(data["methods"]) == [bench.METHOD_IDS[name] for name in bench.ROWS]
    for entry in data["methods"].values():
        for key in ("spearman", "best50_precision", "worst50_precision", "false_shaming"):
            summary = entry[key]
            assert set(summary) == {"mean", "min", "max"}
            if summary["mean"] is not None:
                assert summary["min"] <= summary["mean"] <= summary["max"]
        assert set(entry["fake_shift"]) == {str(k) for k in bench.FAKE_COUNTS}
        assert entry["fake_shift"]["5"]["mean"] >= 0
    # The doc carries the same stamp, and the JSON file it points to.
    text = doc.read_text()
    assert f"Commit: `{commit}`" in text and bench.command_line(argv) in text
    assert "benchmark_results.json" in text
    assert "Written to" in capsys.readouterr().out


def test_commit_label_says_when_the_tree_differs(bench):
    assert bench.commit_label("abc1234", True) == "abc1234 (with uncommitted changes)"
    assert bench.commit_label("abc1234", False) == "abc1234"
