"""Several worker processes writing to one SQLite file never fail with "database is locked".

Each worker does what a request that writes does: read, then write, then commit. In WAL mode a
transaction that began as a read and then tries to write fails at once if another process wrote
in between; the app begins write requests with BEGIN IMMEDIATE, so they wait their turn instead.
"""

from __future__ import annotations

import multiprocessing
import time

from sqlalchemy import func, select

from employers.models import Employer
from extensions import db
from tests.conftest import make_app

WORKERS = 4
WRITES_PER_WORKER = 30


def _worker(database_url: str, worker: int, method: str) -> list[str]:
    from employers.services import create_employer

    app = make_app(SQLALCHEMY_DATABASE_URI=database_url)
    errors = []
    for number in range(WRITES_PER_WORKER):
        with app.test_request_context("/", method=method):
            try:
                db.session.scalar(select(func.count(Employer.id)))
                time.sleep(0.002)  # let the others interleave between the read and the write
                create_employer(f"Worker {worker} Employer {number}")
                db.session.commit()
            except Exception as error:  # collected and reported below
                db.session.rollback()
                errors.append(f"{type(error).__name__}: {error}"[:200])
            finally:
                db.session.remove()
    return errors


def run_workers(database_url: str, method: str) -> list[str]:
    app = make_app(SQLALCHEMY_DATABASE_URI=database_url)
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    context = multiprocessing.get_context("spawn")
    with context.Pool(WORKERS) as pool:
        results = pool.starmap(
            _worker, [(database_url, worker, method) for worker in range(WORKERS)]
        )
    return [error for errors in results for error in errors]


def test_concurrent_write_requests_do_not_fail_with_locked_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'concurrent.sqlite3'}"
    errors = run_workers(url, "POST")
    assert errors == []
    app = make_app(SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        assert db.session.scalar(select(func.count(Employer.id))) == WORKERS * WRITES_PER_WORKER
        db.engine.dispose()
