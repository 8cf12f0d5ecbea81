"""Moderation queue benchmark (DESIGN.md §8, issue 17): the server time of /moderation with
10,000 open items, a filtered queue and one section's last page.

    .venv/bin/python bench/moderation_queue.py [--database-url URL] [--held 6000] [--flags 4000]
        [--published 20000] [--employers 500] [--requests 30] [--no-analyze]

Default database: a SQLite file in a temporary folder (schema by db.create_all). With
--database-url the tables there are dropped and recreated: use a scratch database. The world:
`--employers` employers (none new), `--published` published reviews, `--held` held reviews over
every hold reason (a tenth of them resubmitted after a moderator's hide, with its audit row) and
`--flags` open reports on published reviews, then ANALYZE (unless `--no-analyze`: a SQLite
database in production has no statistics). Each page is requested `--requests` times by a
signed-in moderator through the Flask test client, after two warm-up requests; the figure is the
median (and the slowest) of the server time measured around the request, and the median CPU
time the process used for it (SQLite runs in the process: on a machine shared with other work,
the CPU time is what the request costs, the wall time includes waiting for a core).

(Named moderation_queue.py, not queue.py: a script's folder comes first on sys.path, so a
bench/queue.py shadowed the standard library's queue for every other script here, and psycopg's
import of it failed.)
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Run as a script, this file's folder comes first on the path, where its name would hide the
# standard library's `queue` (which psycopg imports): the folder is left out.
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != ROOT / "bench"]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PASSWORD = "bench-moderator-password"  # noqa: S105 (a throwaway benchmark account)
NARRATIVE = (
    "Two interviews and a take-home task, then nothing for three weeks although the recruiter "
    "had promised an answer by the Friday after the final round. I wrote twice. "
) * 3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url")
    parser.add_argument("--held", type=int, default=6000)
    parser.add_argument("--flags", type=int, default=4000)
    parser.add_argument("--published", type=int, default=20_000)
    parser.add_argument("--employers", type=int, default=500)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument(
        "--no-analyze",
        action="store_true",
        help="leave the database without the planner's statistics (ANALYZE), as a SQLite "
        "database in production is",
    )
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite3"
    os.environ.setdefault("SECRET_KEY", "bench-queue-" + "k" * 40)

    from app import create_app
    from config import TestConfig

    class Settings(TestConfig):
        SQLALCHEMY_DATABASE_URI = url
        RATELIMIT_ENABLED = False

    app = create_app(Settings)
    with app.app_context():
        fill(args)
    # Each request in its own app context, as in production (its own session, closed after).
    measure(app, args)


def fill(args) -> None:
    from sqlalchemy import insert, select, text

    from accounts.models import Role, User
    from accounts.services import hash_password
    from employers.models import Employer
    from extensions import db
    from moderation.models import AuditAction, AuditLog, Flag, FlagReason, FlagStatus
    from reviews.models import HoldReason, Outcome, Review, ReviewStatus, Stage
    from timeutils import month_start, utcnow

    db.drop_all()
    db.create_all()
    now = utcnow()
    old = now - timedelta(days=400)
    db.session.execute(
        insert(Employer),
        [
            {
                "name": f"Bench Employer {n}",
                "normalized_name": f"bench employer {n}",
                "slug": f"bench-employer-{n}",
                "created_at": old,
                "listed_at": old,
            }
            for n in range(args.employers)
        ],
    )
    employers = list(db.session.scalars(select(Employer.id).order_by(Employer.id)))
    db.session.add(
        User(
            email="moderator@bench.example",
            password_hash=hash_password(PASSWORD),
            role=Role.moderator,
            email_verified_at=now,
            created_at=old,
        )
    )
    contact = date.today() - timedelta(days=20)
    reasons = [reason for reason in HoldReason if reason is not HoldReason.resubmitted]
    total = args.published + args.held

    def review(n: int) -> dict:
        is_held = n >= args.published
        values = {
            "public_id": f"b{n:09d}",
            "employer_id": employers[n % len(employers)],
            "process_month": month_start(contact - timedelta(days=31 * (n // len(employers) % 30))),
            "stage": Stage.interview,
            "outcome": Outcome.waiting,
            "last_contact_on": contact,
            "created_at": now - timedelta(days=n % 40, minutes=n),
            "show_role_title": False,
            "narrative": NARRATIVE,
        }
        if is_held:
            values.update(status=ReviewStatus.held, hold_reason=reasons[n % len(reasons)])
        else:
            values.update(status=ReviewStatus.published, published_at=now - timedelta(days=30))
        return values

    for start in range(0, total, 5000):
        rows = [review(n) for n in range(start, min(total, start + 5000))]
        db.session.execute(insert(Review), rows)
    held = list(
        db.session.scalars(
            select(Review.id).where(Review.status == ReviewStatus.held).order_by(Review.id)
        )
    )
    # A tenth of the held reviews were hidden before and resubmitted (the hide in the audit log).
    db.session.execute(
        insert(AuditLog),
        [
            {
                "action": AuditAction.hide,
                "target_type": "review",
                "target_id": review_id,
                "reason": "Bench hide",
                "created_at": old,
            }
            for review_id in held[::10]
        ],
    )
    published = list(
        db.session.scalars(
            select(Review.id)
            .where(Review.status == ReviewStatus.published)
            .order_by(Review.id)
            .limit(args.flags)
        )
    )
    flag_reasons = list(FlagReason)
    db.session.execute(
        insert(Flag),
        [
            {
                "review_id": review_id,
                "reason": flag_reasons[n % len(flag_reasons)],
                "explanation": "It names the recruiter and is unfair about the process.",
                "status": FlagStatus.open,
                "created_at": now - timedelta(days=n % 30, minutes=n),
            }
            for n, review_id in enumerate(published)
        ],
    )
    db.session.commit()
    if not args.no_analyze:
        # In a transaction of its own, committed (the app's SQLite connections BEGIN explicitly).
        db.session.execute(text("ANALYZE"))
        db.session.commit()


def measure(app, args) -> None:
    from extensions import db
    from moderation import queue

    client = app.test_client()
    form = client.get("/sign-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
    response = client.post(
        "/sign-in",
        data={"email": "moderator@bench.example", "password": PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302, response.status_code
    with app.app_context():
        counts = queue.queue()
        dialect = db.engine.dialect.name
    open_items = counts.flags.total + counts.held_reviews.total + counts.resubmitted.total
    last_page = -(-counts.held_reviews.total // queue.SECTION_LIMIT)
    pages = {
        "/moderation": "the whole queue",
        "/moderation?employer=bench-employer-7&reason=hold:link_spam&older_than=3": "filtered",
        f"/moderation?section=held_reviews&page={last_page}": "held reviews, last page",
        "/moderation/next?section=flags": "next item (redirect)",
    }
    print(
        f"{dialect}: {open_items:,} open items ({counts.flags.total:,} reports, "
        f"{counts.held_reviews.total:,} held, {counts.resubmitted.total:,} resubmitted)"
    )
    for path, what in pages.items():
        timings, cpu = [], []
        for n in range(args.requests + 2):
            started, started_cpu = time.perf_counter(), time.process_time()
            response = client.get(path)
            elapsed = time.perf_counter() - started
            used = time.process_time() - started_cpu
            assert response.status_code in (200, 302), (path, response.status_code)
            if n >= 2:
                timings.append(elapsed * 1000)
                cpu.append(used * 1000)
        print(
            f"  {what:<26} median {statistics.median(timings):6.1f} ms, "
            f"slowest {max(timings):6.1f} ms, CPU median {statistics.median(cpu):5.1f} ms "
            f"({len(timings)} requests) {path}"
        )


if __name__ == "__main__":
    main()
