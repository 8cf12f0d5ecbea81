"""Before and after, on the same machine: an earlier commit's server against today's, alternating.

    .venv/bin/python bench/before_after.py [--before 67c891b] [--rounds 3] [--seconds 8]
        [--database-url sqlite:////work/bigdata/big.db]

The earlier commit (by default 67c891b, the code before issue 19) is checked out in a temporary
git worktree and served as its own guide said (5 sync workers, `create_app()`); today's code is
served as gunicorn.conf.py sets it up. Both read the same demo database (bench/pages.py: 50,000
employers, 1M reviews; the earlier code ignores the tables it doesn't know) and the same Redis.
Each round serves one then the other and measures, with wrk at --connections connections, /healthz,
the home page and the busiest employer's page (each warmed first), then the PSS of the whole server.
Throughput on a small shared machine moves between runs; the ratios are taken pair by pair, within
a round. The table goes into docs/benchmarks.md (section "before-after").
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.load import free_port, gunicorn  # noqa: E402
from bench.pages import SQLITE, WRK_SCRIPT, ensure_data, server_env  # noqa: E402
from bench.report import header, table, write_section  # noqa: E402
from bench.serving import hot_urls, server_memory, throughput  # noqa: E402

PAGES = ("/healthz", "home", "employer page")


def serve_and_measure(root: Path, setup: dict, urls: dict, options, script: Path) -> dict:
    """req/s of each page from a server started in `root`, and the server's PSS."""
    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        env = server_env(options.database_url, port, Path(folder), options.redis)
        log = Path(folder) / "gunicorn.log"
        with gunicorn(env, port=port, log=log, root=root, **setup) as server:
            found = throughput(f"http://127.0.0.1:{port}", urls, setup["workers"], options, script)
            pss, _rss = server_memory(server.pid)
    return {**{name: result["rps"] for name, result in found.items()}, "pss": pss}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default="67c891b", help="the earlier commit")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--database-url", default=f"sqlite:///{SQLITE}")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    options = parser.parse_args()
    ensure_data(options.database_url)
    urls = hot_urls(options.database_url)
    # The earlier code as its guide said (no gunicorn.conf.py of its own: none is found in its
    # worktree); today's as gunicorn.conf.py sets it up.
    setups = {
        f"before ({options.before}): 5 sync workers": {
            "workers": 5,
            "application": "app:create_app()",
        },
        "now: gunicorn.conf.py": {
            "workers": 2,
            "extra": ("--config", str(ROOT / "gunicorn.conf.py")),
        },
    }
    rows, ratios = [], {name: [] for name in PAGES[1:]}
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "report.lua"
        script.write_text(WRK_SCRIPT)
        worktree = Path(folder) / "before"
        git = ["git", "-C", str(ROOT)]
        subprocess.run(
            [*git, "worktree", "add", "--detach", str(worktree), options.before], check=True
        )
        try:
            for round_ in range(1, options.rounds + 1):
                found = {}
                for label, setup in setups.items():
                    root = worktree if label.startswith("before") else ROOT
                    found[label] = serve_and_measure(root, setup, urls, options, script)
                    result = found[label]
                    rows.append(
                        [
                            round_,
                            label,
                            *(f"{result[name]:.0f}" for name in PAGES),
                            f"{result['pss']:.0f}",
                        ]
                    )
                    print("  " + " | ".join(str(cell) for cell in rows[-1]), flush=True)
                before, now = found.values()
                for name in ratios:
                    ratios[name].append(now[name] / before[name])
        finally:
            subprocess.run([*git, "worktree", "remove", "--force", str(worktree)], check=True)
    database = "PostgreSQL" if options.database_url.startswith("postgresql") else "SQLite"
    summary = "; ".join(
        f"{name}: {min(values):.1f} to {max(values):.1f} times"
        f" (median {statistics.median(values):.1f})"
        for name, values in ratios.items()
    )
    body = (
        "## Before and after\n\n"
        f"{header()}\n"
        f"{database}, 50,000 employers and 1M reviews, page store in Redis; wrk on loopback,"
        f" {options.seconds:g} s per page at {options.connections} connections, each page warmed"
        " first; PSS of the whole server (master and workers) after the three measurements."
        f" The earlier commit served as its guide said, today's as gunicorn.conf.py sets it up,"
        f" alternating, {options.rounds} rounds.\n\n"
        + table(
            ["round", "server", "/healthz req/s", "home req/s", "employer page req/s", "PSS MB"],
            rows,
        )
        + f"\nToday's throughput over the earlier commit's, round by round: {summary}.\n"
    )
    write_section("benchmarks.md", "before-after", body)
    print(body)


if __name__ == "__main__":
    main()
