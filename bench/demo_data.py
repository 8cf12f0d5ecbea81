"""Time `flask heardback demo-data`, then `recompute`, on an empty SQLite file and PostgreSQL.

    .venv/bin/python bench/demo_data.py [--employers 50000] [--reviews 1000000] [--seed 1]
        [--postgres postgresql://postgres@127.0.0.1:5432/test] [--no-postgres]

Each database is created empty, migrated with `flask db upgrade`, then filled once by the
command; the wall time of that command is what is reported. The table is printed and written to
docs/benchmarks.md (section "data") with the machine, the commit and the command line.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.report import header, table, write_section  # noqa: E402

GNU_TIME = shutil.which("time", path="/usr/bin")


def run_flask(
    args: list[str], database_url: str, timed: bool = False
) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "FLASK_APP": "app:create_app",
        "DATABASE_URL": database_url,
        "SECRET_KEY": "bench-" + "x" * 40,
    }
    return subprocess.run(
        [
            *([GNU_TIME, "-f", "PEAK_KB=%M"] if timed and GNU_TIME else []),
            sys.executable,
            "-m",
            "flask",
            *args,
        ],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )


def measure(label: str, database_url: str, options: argparse.Namespace) -> dict:
    run_flask(["db", "upgrade"], database_url)
    command = [
        "heardback",
        "demo-data",
        "--employers",
        str(options.employers),
        "--reviews",
        str(options.reviews),
        "--seed",
        str(options.seed),
    ]
    started = time.perf_counter()
    result = run_flask(command, database_url)
    seconds = time.perf_counter() - started
    summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    print(f"{label}: {seconds:.1f} s\n  {summary}", flush=True)
    # Then the statistics of every employer from scratch, with its peak memory (GNU time).
    started = time.perf_counter()
    result = run_flask(["heardback", "recompute"], database_url, timed=True)
    recompute = time.perf_counter() - started
    found = re.search(r"^PEAK_KB=(\d+)$", result.stderr, re.MULTILINE)
    memory = f"{int(found.group(1)) / 1024:.0f} MB" if found else "not measured"
    print(f"{label}: recompute {recompute:.1f} s, peak RSS {memory}", flush=True)
    return {
        "database": label,
        "seconds": seconds,
        "summary": summary,
        "recompute": recompute,
        "memory": memory,
    }


def postgres_database(admin_url: str):
    from sqlalchemy import create_engine, text

    url = admin_url.replace("postgresql://", "postgresql+psycopg://", 1)
    name = f"heardback_bench_{uuid.uuid4().hex[:8]}"
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    target = url.rsplit("/", 1)[0] + "/" + name

    def drop():
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()

    return target, drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employers", type=int, default=50_000)
    parser.add_argument("--reviews", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--no-postgres", action="store_true")
    options = parser.parse_args()

    rows = []
    with tempfile.TemporaryDirectory() as folder:
        rows.append(measure("SQLite", f"sqlite:///{folder}/bench.sqlite3", options))
    if not options.no_postgres:
        url, drop = postgres_database(options.postgres)
        try:
            rows.append(measure("PostgreSQL", url, options))
        finally:
            drop()

    line = " ".join(["python bench/demo_data.py", *sys.argv[1:]])
    rows_ = [
        [
            row["database"],
            f"{row['seconds']:.1f}",
            f"{row['recompute']:.1f}",
            row["memory"],
            row["summary"],
        ]
        for row in rows
    ]
    body = (
        "## Data: demo-data generation and recompute\n\n"
        f"{header(line)}\n"
        f"`flask heardback demo-data --employers {options.employers} --reviews {options.reviews}"
        f" --seed {options.seed}` into an empty, migrated database, then `flask heardback"
        " recompute` (every employer's statistics row from scratch); wall time of each command and"
        " the peak resident memory of the recompute process.\n\n"
        + table(
            [
                "database",
                "demo-data, s",
                "recompute, s",
                "recompute peak RSS",
                "summary printed by demo-data",
            ],
            rows_,
        )
        + "\nTargets (DESIGN.md §11): 1,000,000 reviews generated in at most 5 minutes; `recompute`"
        " of every employer in at most 60 s.\n"
    )
    path = write_section("benchmarks.md", "data", body, title="Benchmarks")
    print(body)
    print(f"Written to {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
