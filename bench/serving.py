"""Serving model benchmark: which gunicorn set-up holds the least memory at the same throughput.

    .venv/bin/python bench/serving.py [--database-url sqlite:////work/bigdata/big.db]
        [--seconds 8] [--connections 8] [--no-redis] [--only 0 8 9] [--long-tail 2000]

Serves the demo data (see bench/pages.py: 50,000 employers, 1M reviews) with each candidate
set-up in turn — today's documented 5 sync workers, the same with --preload, and threaded
(gthread) workers with fewer processes — and for each measures, with wrk on loopback, the
throughput at --connections connections of /healthz, the home page and the busiest employer's page
(each warm: the page store and the hot copy as in production), then bench/pages.py's long tail
(--long-tail different employer pages, one at a time: the uncached path, and what a server in
use holds), then the memory of the whole server (the master and its workers) as PSS — shared
pages counted once, split between the processes that share them — and as RSS (which counts a
shared page once per process). The table goes into docs/benchmarks.md (section "serving");
docs/deployment.md's default comes from it.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.load import free_port, gunicorn, pss_mb, rss_mb, worker_pids  # noqa: E402
from bench.pages import (  # noqa: E402
    SQLITE,
    WRK_SCRIPT,
    ensure_data,
    long_tail,
    long_tail_urls,
    pages,
    server_env,
    wrk,
)
from bench.report import header, table, write_section  # noqa: E402

# (label, workers, extra gunicorn options). gunicorn reads ./gunicorn.conf.py by default: every
# set-up names its config, an empty one (NO_CONFIG, made in main) but for the last.
NO_CONFIG = ("--config", "{empty}")
CONFIG = ("--config", str(ROOT / "gunicorn.conf.py"))
GTHREAD = ("--worker-class", "gthread")
SETUPS: tuple[tuple[str, int, tuple[str, ...]], ...] = (
    # What docs/deployment.md used to recommend (issue 19 measured it at 526 MB RSS).
    ("5 sync workers", 5, NO_CONFIG),
    ("5 sync workers, --preload", 5, (*NO_CONFIG, "--preload")),
    ("1 sync worker, --preload", 1, (*NO_CONFIG, "--preload")),
    ("2 sync workers", 2, NO_CONFIG),
    ("2 sync workers, --preload", 2, (*NO_CONFIG, "--preload")),
    (
        "2 gthread workers x 4 threads, --preload",
        2,
        (*NO_CONFIG, *GTHREAD, "--threads", "4", "--preload"),
    ),
    ("1 gthread worker x 8 threads", 1, (*NO_CONFIG, *GTHREAD, "--threads", "8")),
    ("gunicorn.conf.py: 2 sync workers, preloaded, gc.freeze(), warmed up", 2, CONFIG),
    # The same file with one process: its `--workers` (or WEB_CONCURRENCY) wins over the file's.
    ("gunicorn.conf.py, 1 sync worker", 1, CONFIG),
    ("gunicorn.conf.py, 1 gthread worker x 4 threads", 1, (*CONFIG, *GTHREAD, "--threads", "4")),
)


def server_memory(master: int) -> tuple[float, float]:
    """PSS and RSS of the whole server, in MB: the master and every worker."""
    pids = [master, *worker_pids(master)]
    return sum(pss_mb(pid) for pid in pids), sum(rss_mb(pid) for pid in pids)


def hot_urls(database_url: str) -> dict[str, str]:
    """The pages every set-up is measured on: the trivial endpoint, home, the busiest employer."""
    urls = pages(database_url)
    return {
        "/healthz": urls["trivial (/healthz)"],
        "home": urls["home"],
        "employer page": urls["employer page"],
    }


def throughput(base: str, urls: dict[str, str], workers: int, options, script: Path) -> dict:
    """wrk's figures for each page, after a few requests per worker have warmed it."""
    for url in urls.values():
        for _ in range(4 * workers):
            urllib.request.urlopen(base + url, timeout=30).read()  # noqa: S310
    return {
        name: wrk(base + url, options.seconds, options.connections, script)
        for name, url in urls.items()
    }


def measure(database_url: str, options, script: Path) -> list[list]:
    wanted = hot_urls(database_url)
    tail_paths = long_tail_urls(database_url, options.long_tail)
    rows = []
    for index, (label, workers, extra) in enumerate(SETUPS):
        if options.only and index not in options.only:
            continue
        port = free_port()
        with tempfile.TemporaryDirectory() as folder:
            env = server_env(
                database_url, port, Path(folder), None if options.no_redis else options.redis
            )
            empty = Path(folder) / "empty.conf.py"
            empty.write_text("")
            extra = tuple(part.replace("{empty}", str(empty)) for part in extra)
            with gunicorn(env, workers, port, Path(folder) / "gunicorn.log", extra) as process:
                base = f"http://127.0.0.1:{port}"
                found = throughput(base, wanted, workers, options, script)
                # Then the long tail (bench/pages.py): pages nobody asked for yet, as a crawler
                # or a day's visitors would ask, so the memory is that of a server in use.
                tail = long_tail(base, tail_paths)
                pss, rss = server_memory(process.pid)
        trivial = found["/healthz"]["rps"]
        row = [label]
        for name in wanted:
            result = found[name]
            ratio = "" if name == "/healthz" else f" ({result['rps'] / trivial:.0%})"
            row.append(f"{result['rps']:.0f}{ratio}")
        row += [
            f"{found['employer page']['p95'] / 1000:.1f}",
            f"{tail['p95']:.1f}",
            f"{pss:.0f}",
            f"{rss:.0f}",
        ]
        print("  " + " | ".join(str(cell) for cell in row), flush=True)
        rows.append(row)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=f"sqlite:///{SQLITE}")
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--no-redis", action="store_true", help="limits and page store in memory")
    parser.add_argument("--only", type=int, nargs="*", help="the set-ups to run, by position")
    parser.add_argument(
        "--long-tail", type=int, default=2000, help="different employer pages before the memory"
    )
    options = parser.parse_args()
    ensure_data(options.database_url)
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "report.lua"
        script.write_text(WRK_SCRIPT)
        rows = measure(options.database_url, options, script)
    database = "PostgreSQL" if options.database_url.startswith("postgresql") else "SQLite"
    body = (
        "## Serving\n\n"
        f"{header()}\n"
        f"{database}, 50,000 employers and 1M reviews; rate limits and page store "
        + ("in memory" if options.no_redis else "in Redis as in production")
        + f"; wrk on loopback on the same 2-core machine, {options.seconds:g} s per measurement"
        f" at {options.connections} connections (req/s, and as a share of /healthz's in the same"
        " set-up), the employer page's p95 under that load; then the long tail of bench/pages.py"
        f" ({options.long_tail:,} different employers' pages in a row, one at a time, nobody's"
        " asked for before: its p95 server time) and the memory of the whole server (master and"
        " workers) after it all: PSS counts a page shared by several processes once, RSS once"
        " per process.\n\n"
        + table(
            [
                "set-up",
                "/healthz req/s",
                "home req/s",
                "employer page req/s",
                "employer p95 ms",
                "long tail p95 ms",
                "PSS MB",
                "RSS MB",
            ],
            rows,
        )
    )
    print(body)
    path = write_section("benchmarks.md", "serving", body, title="Benchmarks")
    print(f"Written to {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
