"""Page benchmark: gunicorn + wrk on loopback over the 1M-review demo data, SQLite and PostgreSQL.

    .venv/bin/python bench/pages.py [--sqlite /work/bigdata/big.db]
        [--postgres postgresql://postgres@127.0.0.1:5432/heardback_big] [--no-postgres]
        [--seconds 8] [--workers 2] [--connections 8]

Each database must hold the demo data set (`flask heardback demo-data --employers 50000 --reviews
1000000 --seed 1`, then `flask heardback recompute`); a missing SQLite file or PostgreSQL database
is created and filled first (about 5 minutes each), and an existing one is migrated to the head.

For each database, gunicorn serves the app with --workers sync workers and wrk loads each page for
--seconds, twice: with one connection (the latency: p50/p95/p99 are then the server's time plus
loopback, without queueing) and with --connections connections (the throughput). Each page's
throughput is given as a ratio to /healthz (one `SELECT 1` through the whole app: sessions,
security headers, rate limits) measured in the same run. Revalidation (If-None-Match answered 304)
is measured on the employer page. Each run is done twice: with the page store and the hot copy on
(caching.py, as in production) and with them off (PAGE_STORE_ENABLED=false). SQL queries per page
are counted in-process with a SQLAlchemy event, and the whole server's memory (master and
workers) is read from /proc after each run, as PSS (shared pages counted once) and RSS.
--worker-class, --threads and --preload choose the serving model (bench/serving.py compares
them). The table goes into docs/benchmarks.md (section "pages").
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.load import free_port, gunicorn, pss_mb, rss_mb, worker_pids  # noqa: E402
from bench.report import header, table, write_section  # noqa: E402

SQLITE = "/work/bigdata/big.db"
POSTGRES = "postgresql://postgres@127.0.0.1:5432/heardback_big"
WRK_SCRIPT = """
done = function(summary, latency, requests)
  io.write(string.format(
    "JSON {\\"requests\\": %d, \\"duration_us\\": %d, \\"p50\\": %d, \\"p95\\": %d, \\"p99\\": %d,"
    .. " \\"bad_status\\": %d, \\"socket_errors\\": %d}\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""


def flask(args: list[str], database_url: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "FLASK_APP": "app:create_app",
        "DATABASE_URL": database_url,
        "SECRET_KEY": "bench-" + "x" * 40,
    }
    return subprocess.run(
        [sys.executable, "-m", "flask", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )


def ensure_data(database_url: str) -> None:
    """Migrate; fill with the 1M-review demo data if the database holds no employers yet."""
    if database_url.startswith("postgresql"):
        from sqlalchemy import create_engine, text

        admin = database_url.rsplit("/", 1)[0] + "/postgres"
        name = database_url.rsplit("/", 1)[1]
        engine = create_engine(
            admin.replace("postgresql://", "postgresql+psycopg://", 1),
            isolation_level="AUTOCOMMIT",
        )
        with engine.connect() as connection:
            exists = connection.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            ).scalar()
            if not exists:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
    else:
        Path(database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    flask(["db", "upgrade"], database_url)
    filled = flask(
        [
            "heardback",
            "demo-data",
            "--if-empty",
            "--employers",
            "50000",
            "--reviews",
            "1000000",
            "--seed",
            "1",
        ],
        database_url,
    )
    if "Added" in filled.stdout:
        print("  generated the demo data; recomputing...", flush=True)
        flask(["heardback", "recompute"], database_url)


def pages(database_url: str) -> dict[str, str]:
    """The URLs measured: the busiest employer (the most reviews: the worst case for its pages)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as connection:
        slug = connection.execute(
            text(
                "SELECT e.slug FROM employers e JOIN employer_stats s ON s.employer_id = e.id"
                " ORDER BY s.review_count DESC, e.id LIMIT 1"
            )
        ).scalar_one()
        word = (
            connection.execute(
                text("SELECT normalized_name FROM employers ORDER BY id LIMIT 1 OFFSET 777")
            )
            .scalar_one()
            .split()[0]
        )
    engine.dispose()
    return {
        "trivial (/healthz)": "/healthz",
        "home": "/",
        "employer page": f"/employers/{slug}",
        "search": f"/employers?q={word}",
        "search, sorted by score": f"/employers?q={word}&sort=score",
        "reviews list": f"/employers/{slug}/reviews",
        "API employer": f"/api/v1/employers/{slug}",
        "API list by industry": "/api/v1/employers?industry=software",
        "rankings": "/rankings",
    }


def count_queries(
    database_url: str, urls: dict[str, str], store: bool = False
) -> dict[str, tuple[int, int]]:
    """SQL statements and response bytes of one warm anonymous request to each page: rendered
    (the page store off), or answered from the page store (the hot copy off: within its second
    it answers with no query at all)."""
    from sqlalchemy import event

    from app import create_app
    from extensions import db

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "RATELIMIT_ENABLED": False,
            "PAGE_STORE_ENABLED": store,
            "HOT_PAGE_SECONDS": 0,
        }
    )
    counts: dict[str, tuple[int, int]] = {}
    with app.app_context():
        statements: list[str] = []

        def count(*_args):
            statements.append("x")

        event.listen(db.engine, "before_cursor_execute", count)
        client = app.test_client()
        for label, url in urls.items():
            client.get(url)  # warm
            statements.clear()
            response = client.get(url)
            counts[label] = (len(statements), len(response.get_data()))
        event.remove(db.engine, "before_cursor_execute", count)
        db.engine.dispose()
    return counts


def server_env(
    database_url: str, port: int, folder: Path, redis_url: str | None, store: bool = True
) -> dict:
    """The server's environment: production-like, the page store (and hot copy) on or off."""
    env = {
        **os.environ,
        "HEARDBACK_CONFIG": "development",
        "DATABASE_URL": database_url,
        "SECRET_KEY": "bench-" + "x" * 40,
        "LOG_LEVEL": "WARNING",
        "RATELIMIT_API": "1000000 per minute",
        "RATELIMIT_KEY_PREFIX": f"bench-pages-{port}-{time.time_ns()}",
        "MAIL_OUTBOX_DIR": str(folder / "outbox"),
    }
    env.pop("REDIS_URL", None)
    if redis_url:  # as in production: rate limits and the page store in Redis
        env["REDIS_URL"] = redis_url
    if not store:
        env["PAGE_STORE_ENABLED"] = "false"
    return env


@contextmanager
def server(database_url: str, options, port: int, folder: Path, redis_url: str | None, store=True):
    env = server_env(database_url, port, folder, redis_url, store)
    # The same server start as the load test's: waits for /healthz, fails with gunicorn's log.
    with gunicorn(env, options.workers, port, folder / "gunicorn.log", serving(options)) as process:
        yield process


def serving(options) -> list[str]:
    """gunicorn's options for the worker model chosen on the command line."""
    extra = ["--worker-class", options.worker_class]
    if options.worker_class == "gthread":
        extra += ["--threads", str(options.threads)]
    if options.preload:
        extra.append("--preload")
    return extra


def describe_serving(options) -> str:
    if options.worker_class == "gthread":
        text = f"{options.workers} gthread workers x {options.threads} threads"
    else:
        text = f"{options.workers} sync workers"
    return text + (", --preload" if options.preload else "")


def wrk(url: str, seconds: float, connections: int, script: Path, headers=()) -> dict:
    command = [
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{int(seconds)}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
    ]
    for name, value in headers:
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    found = re.search(r"^JSON (.+)$", output, re.MULTILINE)
    if not found:
        raise RuntimeError(f"wrk printed no result:\n{output}")
    result = json.loads(found.group(1))
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    return result


LONG_TAIL = 2000  # different employers' pages, each requested once, the page store cold


def long_tail_urls(database_url: str, count: int = LONG_TAIL) -> list[str]:
    """`count` employers with published reviews spread over the whole id range (not the busiest
    few a cache would hold), each one's page once."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as connection:
        slugs = (
            connection.execute(
                text(
                    "SELECT e.slug FROM employers e JOIN employer_stats s ON s.employer_id = e.id"
                    " WHERE s.review_count > 0 ORDER BY e.id"
                )
            )
            .scalars()
            .all()
        )
    engine.dispose()
    step = max(len(slugs) // count, 1)
    return [f"/employers/{slug}" for slug in slugs[::step][:count]]


def long_tail(base: str, paths: list[str]) -> dict:
    """Each page once, one after the other on one kept-alive connection: p50/p95/p99 in ms of
    server time plus loopback (nothing queues)."""
    import http.client
    import statistics

    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    times, bad = [], 0
    for path in paths:
        started = time.perf_counter()
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        times.append((time.perf_counter() - started) * 1000)
        bad += response.status != 200
    connection.close()
    cuts = statistics.quantiles(times, n=100, method="inclusive")
    return {"pages": len(times), "p50": cuts[49], "p95": cuts[94], "p99": cuts[98], "bad": bad}


def etag_of(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310
        return response.headers["ETag"]


def measure(label: str, database_url: str, options, script: Path) -> str:
    print(f"{label}: preparing {database_url}", flush=True)
    ensure_data(database_url)
    urls = pages(database_url)
    queries = count_queries(database_url, urls)
    stored_queries = count_queries(database_url, urls, store=True)
    redis_url = None if options.no_redis else options.redis
    parts = []
    for mode, store in (("cached", True), ("page store off", False)):
        results, memory = run(database_url, dict(urls), options, script, redis_url, store)
        rows = []
        trivial = results["trivial (/healthz)"]
        tail = results.pop("long tail", None)
        for name, (latency, load) in results.items():
            count, size = queries.get(name, (None, None))
            stored = stored_queries.get(name, (None, None))[0]
            if count is not None and stored is not None:
                count = f"{count} / {stored}"
            if name.endswith("(304)"):
                count, size = "", 0
            problems = latency["bad_status"] + load["bad_status"] + load["socket_errors"]
            rows.append(
                [
                    name,
                    f"{latency['p50'] / 1000:.1f}",
                    f"{latency['p95'] / 1000:.1f}",
                    f"{latency['p99'] / 1000:.1f}",
                    f"{latency['rps']:.0f}",
                    f"{latency['rps'] / trivial[0]['rps']:.0%}",
                    f"{load['rps']:.0f}",
                    f"{load['rps'] / trivial[1]['rps']:.0%}",
                    count if count is not None else "",
                    f"{size / 1024:.1f}" if size else "",
                    problems,
                ]
            )
        pss, rss = memory
        parts.append(
            f"#### {label}, {mode}\n\n"
            + table(
                [
                    "page",
                    "p50 ms",
                    "p95 ms",
                    "p99 ms",
                    "req/s at 1 conn.",
                    "vs trivial",
                    f"req/s at {options.connections} conn.",
                    "vs trivial",
                    "SQL queries rendered / stored",
                    "KB",
                    "errors",
                ],
                rows,
            )
            + f"\nThe whole server's memory after the run (master and {options.workers} workers):"
            f" PSS {pss:.0f} MB, RSS {rss:.0f} MB.\n"
            + (
                f"\nThe long tail: {tail['pages']:,} different employers' pages in a row, each"
                " once, the page store cold (one connection; server time plus loopback):"
                f" p50 {tail['p50']:.1f} ms, p95 {tail['p95']:.1f} ms, p99 {tail['p99']:.1f} ms"
                f" ({tail['bad']} not 200).\n"
                if tail
                else ""
            )
        )
    return "\n".join(parts)


def run(database_url: str, urls: dict, options, script: Path, redis_url, store: bool):
    """Every page at 1 and at --connections connections, and the employer page's 304."""
    port = free_port()
    with (
        tempfile.TemporaryDirectory() as folder,
        server(database_url, options, port, Path(folder), redis_url, store) as process,
    ):
        base = f"http://127.0.0.1:{port}"
        for url in urls.values():  # warm every worker's caches
            for _ in range(4 * options.workers):
                urllib.request.urlopen(base + url, timeout=30).read()  # noqa: S310
        results = {}
        for name, url in urls.items():
            latency = wrk(base + url, options.seconds, 1, script)
            load = wrk(base + url, options.seconds, options.connections, script)
            results[name] = (latency, load)
            print(f"  {name}: p95 {latency['p95'] / 1000:.1f} ms, {load['rps']:.0f}/s", flush=True)
        employer = urls["employer page"]
        headers = [("If-None-Match", etag_of(base + employer))]
        latency = wrk(base + employer, options.seconds, 1, script, headers)
        load = wrk(base + employer, options.seconds, options.connections, script, headers)
        results["employer page, revalidated (304)"] = (latency, load)
        if store:  # the long tail: pages nobody asked for yet, so the store has none of them
            tail = long_tail(base, long_tail_urls(database_url))
            results["long tail"] = tail
            print(f"  long tail: p95 {tail['p95']:.1f} ms over {tail['pages']} pages", flush=True)
        pids = [process.pid, *worker_pids(process.pid)]
        memory = (sum(pss_mb(pid) for pid in pids), sum(rss_mb(pid) for pid in pids))
    return results, memory


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sqlite", default=SQLITE)
    parser.add_argument("--postgres", default=POSTGRES)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--worker-class", choices=("sync", "gthread"), default="sync")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--preload", action="store_true")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--no-redis", action="store_true", help="limits and page store in memory")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "report.lua"
        script.write_text(WRK_SCRIPT)
        parts = [measure("SQLite", f"sqlite:///{options.sqlite}", options, script)]
        if not options.no_postgres:
            parts.append(measure("PostgreSQL", options.postgres, options, script))
    body = (
        "## Pages\n\n"
        f"{header()}\n"
        f"gunicorn with {describe_serving(options)}"
        + (
            ", rate limits and page store in memory"
            if options.no_redis
            else ", rate limits and page store in Redis as in production"
        )
        + f"; wrk on loopback on the same 2-core"
        f" machine, {options.seconds:g} s per measurement. Latency (p50/p95/p99) with one"
        f" connection: server time plus loopback, no queueing. Throughput with 1 and"
        f" {options.connections} connections, each as a share of /healthz's in the same run;"
        " once with the page store and hot copy on (as in production), once with them off.\n"
        " The employer measured is the busiest (the most reviews). SQL queries and response size"
        " from one warm anonymous request in-process.\n\n"
        + "\n".join(parts)
        + "\nTargets (DESIGN.md §11): server time p95 ≤ 25 ms for the employer, search and home"
        " pages; anonymous page throughput ≥ 50% of the trivial endpoint's, ≥ 90% for a 304;"
        " a worker's memory ≤ 150 MB.\n"
    )
    print(body)
    path = write_section("benchmarks.md", "pages", body, title="Benchmarks")
    print(f"Written to {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
