"""Fuzzing benchmark: every form and every query parameter, with 500 hypothesis examples each
(DESIGN.md §11 "every form fuzzed (hypothesis, ≥ 500 examples each): no 5xx").

    .venv/bin/python bench/fuzz.py [--examples 500] [--seed N] [-k EXPRESSION] [--no-write]

Runs tests/functional/test_fuzz.py (the targets and every check are there and in
tests/fuzzing.py) with HEARDBACK_FUZZ_EXAMPLES examples per target and a random seed (printed,
so a run can be repeated with --seed), on the suite's database (in-memory SQLite unless
TEST_DATABASE_URL is set). Each target appends its counts to a file; the table (examples run,
statuses seen, the highest, 5xx, examples that stored something, time) is printed and written to
docs/reliability.md (section "fuzz"). A target whose checks failed is marked, with the first
line of what failed; pytest's full output, with hypothesis's minimal failing example, is printed
at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.report import header, table, write_section  # noqa: E402

TEST_FILE = "tests/functional/test_fuzz.py"


def run(examples: int, seed: int, expression: str | None, stats: Path) -> tuple[int, str]:
    env = {
        **os.environ,
        "HEARDBACK_FUZZ_EXAMPLES": str(examples),
        "HEARDBACK_FUZZ_SEED": str(seed),
        "HEARDBACK_FUZZ_STATS": str(stats),
    }
    command = [
        sys.executable,
        "-m",
        "pytest",
        TEST_FILE,
        "-q",
        "-p",
        "no:randomly",
        "-p",
        "no:cacheprovider",
        "-rxX",
        f"--hypothesis-seed={seed}",
        *(["-k", expression] if expression else []),
    ]
    print("$", " ".join(command), flush=True)
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    return done.returncode, done.stdout + done.stderr


def failures(output: str) -> dict[str, str]:
    """target name -> the first line of what failed, from pytest's output."""
    found: dict[str, str] = {}
    current = None
    for line in output.splitlines():
        heading = re.match(r"_+ test_fuzz\[(.+)\] _+$", line)
        if heading:
            current = heading.group(1)
        elif current and line.startswith("E ") and current not in found:
            found[current] = line[1:].strip()[:160]
    return found


def known_bugs(output: str) -> dict[str, str]:
    """test -> reason, for the strict-xfail tests that reproduce bugs the fuzzer found ("XPASS":
    fixed since, the marker should go)."""
    found: dict[str, str] = {}
    for line in output.splitlines():
        match = re.match(r"(XFAIL|XPASS) \S+::([A-Za-z0-9_]+)\S*(?: - (.*))?$", line)
        if match:
            kind, test, reason = match.groups()
            found.setdefault(f"{test}" + (" (XPASS)" if kind == "XPASS" else ""), reason or "")
    return found


def statuses(counts: dict[str, int]) -> str:
    return ", ".join(f"{code}: {count}" for code, count in counts.items())


def render(rows: list[dict], output: str, options, seconds: float, code: int) -> str:
    failed = failures(output)
    cells = []
    for row in rows:
        problem = failed.get(row["target"], "failed" if row["failed"] else "")
        result = f"**{problem.replace('|', '/')}**" if problem else "pass"
        cells.append(
            [
                f"`{row['target']}`",
                row["examples"],
                statuses(row["statuses"]),
                row["max_status"],
                row["server_errors"],
                row["stored"],
                f"{row['seconds']:.1f}",
                result,
            ]
        )
    total = sum(row["examples"] for row in rows)
    errors = sum(row["server_errors"] for row in rows)
    highest = max((row["max_status"] for row in rows), default=0)
    stored = sum(row["stored"] for row in rows)
    cells.append(["**all targets**", total, "", highest, errors, stored, "", ""])
    database = os.environ.get("TEST_DATABASE_URL") or "in-memory SQLite"
    verdict = (
        "No target answered 5xx or failed a check."
        if code == 0 and not errors and not failed
        else f"**{len(failed) or 'Some'} target(s) failed** (pytest exit code {code})."
    )
    bugs = known_bugs(output)
    bug_lines = "".join(f"- `{test}`: {reason}\n" for test, reason in bugs.items())
    return (
        f"## Fuzzing every form and query parameter\n\n{header()}"
        f"- Examples per target: {options.examples} asked; seed {options.seed}; database: "
        f"{database}\n"
        f"- Wall time: {seconds:.0f} s for {len(rows)} targets and {total} requests "
        "(the time column counts the requests and checks, not hypothesis's own work)\n\n"
        "Each example is one request with hostile values mixed into plausible ones: arbitrary "
        "unicode with control characters, NUL and bidi overrides, text up to four times a "
        "field's limit, numbers out of range, wrong types, missing and duplicated fields, invalid "
        "UTF-8, multipart bodies, and an XSS and SQL-injection corpus in every text field. It "
        "passes when the answer is below 500 and a whole page (a refusal says what is wrong), no "
        "XSS payload comes back unescaped, nothing stored holds control characters or overflows "
        "its column, and a success stored what was typed after the documented normalisation and "
        "changed nothing else (a refusal changes nothing at all). *Stored* counts the examples "
        "that changed the database; every example starts from the same rows "
        "(tests/fuzzing.py). Hypothesis stops early on a target whose values it has exhausted.\n\n"
        f"{verdict}\n\n"
        + table(
            ["Target", "Examples", "Statuses", "Max", "5xx", "Stored", "Time (s)", "Result"], cells
        )
        + (
            "\nOpen bugs the fuzzer found, each reproduced by a strict-xfail test in "
            "tests/functional/test_fuzz.py and steered around by the fuzz until fixed:\n\n"
            + bug_lines
            if bugs
            else ""
        )
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=500, help="examples per target")
    parser.add_argument("--seed", type=int, default=None, help="hypothesis seed (random)")
    parser.add_argument("-k", dest="expression", default=None, help="pytest -k, to pick targets")
    parser.add_argument("--no-write", action="store_true", help="print only")
    options = parser.parse_args()
    options.seed = options.seed if options.seed is not None else random.randrange(2**32)
    print(f"fuzzing with {options.examples} examples per target, seed {options.seed}", flush=True)
    with tempfile.TemporaryDirectory(prefix="heardback-fuzz-") as folder:
        stats = Path(folder) / "stats.jsonl"
        started = time.perf_counter()
        code, output = run(options.examples, options.seed, options.expression, stats)
        seconds = time.perf_counter() - started
        rows = (
            [json.loads(line) for line in stats.read_text().splitlines()] if stats.exists() else []
        )
    body = render(rows, output, options, seconds, code)
    print(body)
    if not options.no_write and rows and options.expression is None:
        path = write_section("reliability.md", "fuzz", body, title="Reliability")
        print(f"written to {path.relative_to(ROOT)}")
    if code != 0:
        print(output[-20000:])
    return code


if __name__ == "__main__":
    sys.exit(main())
