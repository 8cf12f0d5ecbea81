"""The hot pages' SQL with each database's plan and time, on the 1M-review demo data.

    .venv/bin/python bench/explain.py [--sqlite /work/bigdata/big.db]
        [--postgres postgresql://postgres@127.0.0.1:5432/heardback_big] [--no-postgres]

Every statement an anonymous request to each hot page runs (the page store off, so the rendering's
queries) is captured with its parameters and explained: `EXPLAIN QUERY PLAN` on SQLite,
`EXPLAIN (ANALYZE)` on PostgreSQL, with the statement's own time measured by running it. Written to
docs/benchmarks.md (section "queries"); databases as bench/pages.py prepares them.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.pages import POSTGRES, SQLITE, ensure_data, pages  # noqa: E402
from bench.report import header, write_section  # noqa: E402

HOT = ["home", "employer page", "search", "search, sorted by score", "reviews list", "rankings"]


def capture(database_url: str, urls: dict[str, str]) -> dict[str, list[tuple[str, object]]]:
    from sqlalchemy import event

    from app import create_app
    from extensions import db

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "RATELIMIT_ENABLED": False,
            "PAGE_STORE_ENABLED": False,
        }
    )
    captured: dict[str, list[tuple[str, object]]] = {}
    with app.app_context():
        statements: list[tuple[str, object]] = []

        def record(_conn, _cursor, statement, parameters, _context, _executemany):
            if statement.lstrip().upper().startswith("SELECT"):
                statements.append((statement, parameters))

        client = app.test_client()
        for label in HOT:
            client.get(urls[label])
            event.listen(db.engine, "before_cursor_execute", record)
            statements.clear()
            client.get(urls[label])
            event.remove(db.engine, "before_cursor_execute", record)
            captured[label] = list(statements)
        db.session.remove()
        db.engine.dispose()
    return captured


def explain(database_url: str, captured) -> str:
    from sqlalchemy import create_engine

    postgresql = database_url.startswith("postgresql")
    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    lines = []
    with engine.connect() as connection:
        raw = connection.connection.driver_connection
        for label, statements in captured.items():
            lines.append(f"\n**{label}** ({len(statements)} queries)\n")
            for statement, parameters in statements:
                cursor = raw.cursor()
                started = time.perf_counter()
                cursor.execute(statement, parameters)
                cursor.fetchall()
                took = (time.perf_counter() - started) * 1000
                prefix = (
                    "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) "
                    if postgresql
                    else ("EXPLAIN QUERY PLAN ")
                )
                cursor.execute(prefix + statement, parameters)
                plan = cursor.fetchall()
                cursor.close()
                text = (
                    [row[0] for row in plan]
                    if postgresql
                    else [f"{'  ' * _depth(row, plan)}{row[-1]}" for row in plan]
                )
                summary = " ".join(statement.split())
                if len(summary) > 160:
                    summary = summary[:157] + "..."
                lines.append(f"- {took:.1f} ms: `{summary}`\n")
                lines.append("  ```\n" + "\n".join(f"  {line}" for line in text) + "\n  ```\n")
    engine.dispose()
    return "".join(lines)


def _depth(row, plan) -> int:
    """Indentation of a SQLite plan row: how many ancestors it has (id, parent, _, detail)."""
    parents = {item[0]: item[1] for item in plan}
    depth, parent = 0, row[1]
    while parent:
        depth += 1
        parent = parents.get(parent, 0)
    return depth


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sqlite", default=SQLITE)
    parser.add_argument("--postgres", default=POSTGRES)
    parser.add_argument("--no-postgres", action="store_true")
    options = parser.parse_args()
    targets = [("SQLite", f"sqlite:///{options.sqlite}")]
    if not options.no_postgres:
        targets.append(("PostgreSQL", options.postgres))
    parts = []
    for label, url in targets:
        ensure_data(url)
        urls = pages(url)
        parts.append(f"\n#### {label}\n" + explain(url, capture(url, urls)))
    body = (
        "## Queries and plans\n\n"
        f"{header()}\n"
        "Each hot page's statements (anonymous request, page store off, second request so caches"
        " are warm), the time of running each one alone, and the database's plan."
        " SQLite: `EXPLAIN QUERY PLAN`; PostgreSQL: `EXPLAIN (ANALYZE)`.\n" + "".join(parts)
    )
    path = write_section("benchmarks.md", "queries", body, title="Benchmarks")
    print(body)
    print(f"Written to {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
