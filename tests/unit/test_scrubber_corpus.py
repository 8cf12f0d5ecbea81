"""The hostile-name corpus (bench/scrub_corpus.py): recall of names in reviews and responses >= 95%,
false holds on ordinary sentences <= 5%, so the scrubber is measured, not just spot-checked."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def corpus():
    spec = importlib.util.spec_from_file_location(
        "scrub_corpus", ROOT / "bench" / "scrub_corpus.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_the_corpus_is_as_hostile_as_the_issue_asks(corpus):
    assert len(corpus.NAMES) >= 60
    assert len({country for *_, country in corpus.NAMES}) >= 10
    assert len(corpus.INNOCENT) >= 40
    cases = corpus.cases()
    assert {case.channel for case in cases} == {"review", "response"}
    texts = [case.text for case in cases]
    assert any(corpus.ZW in text for text in texts)
    assert any(corpus.BOM in text for text in texts)
    assert any("\u0430" in text for text in texts)  # Cyrillic a
    assert any("Marc-Andr\u00e9" in text for text in texts)  # accents and hyphens
    assert any("O'Connor" in text for text in texts)  # apostrophes
    assert any(" at gmail dot com" in text for text in texts)
    variants = {case.variant for case in cases}
    assert {"greeting", "salutation", "initials", "first initial", "first last"} <= variants


def test_recall_and_false_holds_meet_the_thresholds(corpus):
    figures = corpus.measure()
    misses = [case.text for case in figures.misses]
    assert figures.recall >= corpus.MIN_RECALL, misses
    assert figures.false_hold_rate <= corpus.MAX_FALSE_HOLDS, figures.held_innocent


def test_the_command_line_reports_the_figures(corpus, capsys):
    assert corpus.main([]) == 0
    out = capsys.readouterr().out
    assert "recall:" in out and "false holds:" in out
