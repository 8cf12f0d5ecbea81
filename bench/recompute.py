"""Time `flask heardback recompute` at 1M reviews, with the memory of every process it runs.

    .venv/bin/python bench/recompute.py [--sqlite /work/bigdata/big.db]
        [--postgres postgresql://postgres@127.0.0.1:5432/heardback_big] [--no-postgres]
        [--workers 1 2]

Each database must hold the demo data set (bench/pages.py makes it when missing). For each
database and each --workers value, the command runs once, in the order given, alternating
databases; every 0.1 s the script reads /proc/<pid>/smaps_rollup of the command and of every
process it forked, and reports the peak of their summed PSS (pages shared between them counted
once, split between the sharers) beside the peak RSS of the largest one. Wall time is the
command's, start to exit. The table goes to docs/benchmarks.md, section "recompute".
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.pages import POSTGRES, SQLITE, ensure_data  # noqa: E402
from bench.report import header, table, write_section  # noqa: E402


def _tree(pid: int) -> list[int]:
    """The process and its descendants (from /proc/<pid>/task/*/children)."""
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as handle:
                    queue += [int(child) for child in handle.read().split()]
        except OSError:
            continue
    return found


def _memory_kb(pid: int) -> tuple[int, int]:
    """(PSS, RSS) of one process in kB; (0, 0) once it has gone."""
    pss = rss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    pss = int(line.split()[1])
                elif line.startswith("Rss:"):
                    rss = int(line.split()[1])
    except OSError:
        pass
    return pss, rss


def measure(database_url: str, workers: int) -> dict:
    env = {
        **os.environ,
        "FLASK_APP": "app:create_app",
        "DATABASE_URL": database_url,
        "SECRET_KEY": "bench-" + "x" * 40,
    }
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "heardback", "recompute", "--workers", str(workers)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    peak_pss = peak_rss = 0
    while process.poll() is None:
        sizes = [_memory_kb(pid) for pid in _tree(process.pid)]
        peak_pss = max(peak_pss, sum(pss for pss, _ in sizes))
        peak_rss = max(peak_rss, max((rss for _, rss in sizes), default=0))
        time.sleep(0.1)
    seconds = time.perf_counter() - started
    output = process.stdout.read()
    if process.returncode != 0:
        raise SystemExit(f"recompute failed on {database_url}: {output}")
    return {
        "seconds": seconds,
        "pss_mb": peak_pss / 1024,
        "rss_mb": peak_rss / 1024,
        "output": output.strip(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sqlite", default=SQLITE)
    parser.add_argument("--postgres", default=POSTGRES)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    options = parser.parse_args()
    databases = [("SQLite", f"sqlite:///{options.sqlite}")]
    if not options.no_postgres:
        databases.append(("PostgreSQL", options.postgres))
    for _, url in databases:
        ensure_data(url)
    rows = []
    for workers in options.workers:
        for label, url in databases:
            found = measure(url, workers)
            print(f"{label} --workers {workers}: {found}", flush=True)
            rows.append(
                [
                    label,
                    str(workers),
                    f"{found['seconds']:.1f}",
                    f"{found['pss_mb']:.0f}",
                    f"{found['rss_mb']:.0f}",
                ]
            )
    text = "\n".join(
        [
            "## Recompute: time and memory at 1M reviews",
            "",
            header(" ".join(["python bench/recompute.py", *sys.argv[1:]])),
            "`flask heardback recompute --workers N` at 1,000,000 reviews over 50,000 employers"
            " (the demo data set), once per line, in this order. Memory: the peak of the summed"
            " PSS of the command and the processes it forks (shared pages counted once), and"
            " the peak RSS of the largest of them.",
            "",
            table(
                ["database", "workers", "wall, s", "peak PSS of all, MB", "peak RSS, MB"],
                rows,
            ),
            "",
            "Target (issue 19): ≤ 60 s and ≤ 250 MB on both databases.",
        ]
    )
    write_section("benchmarks.md", "recompute", text)


if __name__ == "__main__":
    main()
