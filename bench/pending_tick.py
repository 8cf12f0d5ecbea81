"""Tick benchmark for pending changes (DESIGN.md §5.8): how long `tick` takes to publish
1,000 due pending changes of published reviews, and how long an empty tick takes.

    .venv/bin/python bench/pending_tick.py [--database-url URL] [--changes 1000]
        [--employers 200] [--reviews 20000]

Default database: a SQLite file in a temporary folder (schema by db.create_all). With
--database-url (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test_h4) the tables there are
dropped and recreated: use a scratch database. The world: `--employers` listed employers and
`--reviews` published waiting reviews spread over them; `--changes` of those get a pending change
(waiting → rejected) already due. A first tick does the day's statistics refresh; then the timed
tick publishes the changes (one statistics refresh per employer per batch), then an empty tick.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--changes", type=int, default=1000)
    parser.add_argument("--employers", type=int, default=200)
    parser.add_argument("--reviews", type=int, default=20_000)
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
    os.environ.setdefault("SECRET_KEY", "bench-pending-" + "k" * 40)

    from app import create_app
    from config import TestConfig

    class Settings(TestConfig):
        SQLALCHEMY_DATABASE_URI = url

    app = create_app(Settings)
    with app.app_context():
        run(args)


def run(args) -> None:
    from sqlalchemy import insert, select

    from employers.models import Employer, EmployerStats
    from extensions import db
    from operations.tick import tick
    from reviews import pending
    from reviews.models import Outcome, Review, ReviewStatus, Stage
    from timeutils import month_start, utcnow

    db.drop_all()
    db.create_all()
    now = utcnow()
    db.session.execute(
        insert(Employer),
        [
            {
                "name": f"Bench Employer {n}",
                "normalized_name": f"bench employer {n}",
                "slug": f"bench-employer-{n}",
                "created_at": now,
                "listed_at": now,
            }
            for n in range(args.employers)
        ],
    )
    ids = list(db.session.scalars(select(Employer.id).order_by(Employer.id)))
    db.session.execute(insert(EmployerStats), [{"employer_id": i} for i in ids])
    contact = date.today() - timedelta(days=20)
    db.session.execute(
        insert(Review),
        [
            {
                "public_id": f"bench{n:07d}",
                "employer_id": ids[n % len(ids)],
                "process_month": month_start(contact - timedelta(days=31 * (n // len(ids) % 30))),
                "stage": Stage.interview,
                "outcome": Outcome.waiting,
                "last_contact_on": contact,
                "status": ReviewStatus.published,
                "published_at": now - timedelta(days=30),
                "created_at": now - timedelta(days=30),
                "show_role_title": False,
            }
            for n in range(args.reviews)
        ],
    )
    db.session.commit()
    tick(now)  # the day's statistics refresh, out of the timed runs
    changed = list(db.session.scalars(select(Review).order_by(Review.id).limit(args.changes)))
    for review in changed:
        values = pending.author_values(review)
        values.update(outcome=Outcome.rejected, decision_days=2)
        review.pending_values = pending.to_json(values)
        review.pending_since = now - timedelta(days=5)
        review.pending_publish_at = now - timedelta(minutes=1)
    db.session.commit()

    started = time.perf_counter()
    report = tick(now)
    busy = time.perf_counter() - started
    assert report.changes_published == len(changed), report
    started = time.perf_counter()
    report = tick(now)
    empty = time.perf_counter() - started
    assert report.changes_published == 0
    dialect = db.engine.dialect.name
    print(
        f"{dialect}: tick publishing {len(changed)} pending changes over "
        f"{min(len(changed), args.employers)} employers ({args.reviews} reviews): "
        f"{busy * 1000:.0f} ms; empty tick: {empty * 1000:.1f} ms"
    )


if __name__ == "__main__":
    main()
