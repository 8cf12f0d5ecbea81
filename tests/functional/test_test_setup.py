"""The suite runs where it says it runs: a suite that fell back to SQLite proves nothing."""

from __future__ import annotations

import os

import pytest
from sqlalchemy.engine import make_url

from extensions import db


def test_apps_use_the_configured_test_database(app):
    configured = os.environ.get("TEST_DATABASE_URL")
    engine_url = db.engine.url
    if configured:
        expected = make_url(configured.replace("postgresql://", "postgresql+psycopg://", 1))
        assert engine_url.get_backend_name() == expected.get_backend_name()
        assert engine_url.database == expected.database
    else:
        assert engine_url.get_backend_name() == "sqlite"


def test_each_parallel_worker_has_a_postgresql_database_of_its_own(app):
    """Two pytest-xdist workers emptying one database would wipe each other's rows mid-test."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if db.engine.dialect.name != "postgresql" or not worker:
        pytest.skip("runs on PostgreSQL under pytest-xdist (CI's step 3)")
    assert db.engine.url.database.endswith(f"_{worker}")
    for variable in ("TEST_DATABASE_URL", "TEST_POSTGRES_URL"):
        if os.environ.get(variable, "").startswith("postgresql"):
            assert make_url(os.environ[variable]).database == db.engine.url.database


def test_apps_use_the_configured_rate_limit_storage(app):
    configured = os.environ.get("TEST_REDIS_URL")
    storage = app.config["RATELIMIT_STORAGE_URI"]
    assert storage == (configured or "memory://")


def test_a_run_that_would_cross_midnight_starts_earlier():
    from datetime import UTC, datetime, timedelta

    from tests.conftest import DAY_GUARD, run_clock_start

    # Started anywhere in the guard's window, a run of up to 15 minutes sees one date.
    midnight = datetime(2026, 12, 6, tzinfo=UTC)
    for seconds_left in (1, 60, 15 * 60, DAY_GUARD.total_seconds() - 1):
        late = midnight - timedelta(seconds=seconds_left)
        start = run_clock_start(late)
        assert start is not None and (start + timedelta(minutes=15)).date() == late.date()
    assert run_clock_start(datetime(2026, 12, 5, 12, 0, tzinfo=UTC)) is None
    assert run_clock_start(datetime(2026, 12, 6, 0, 0, 1, tzinfo=UTC)) is None


def test_each_app_closes_its_database_connections(tmp_path):
    """A test's pooled connections are closed at teardown, not left for the collector (on
    PostgreSQL, the idle pools of earlier tests once reached max_connections)."""
    from sqlalchemy import text

    from tests.conftest import _prepare_schema, close_app, make_app

    # A server database as configured, or a SQLite file (pooled as a server's would be).
    uri = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'pool.sqlite3'}"
    app = make_app(SQLALCHEMY_DATABASE_URI=uri)
    context = app.app_context()
    context.push()
    _prepare_schema(app)
    db.session.execute(text("SELECT 1"))
    engine = db.engine
    db.session.remove()
    assert engine.pool.checkedin() == 1
    close_app(app, context)
    assert engine.pool.checkedin() == 0
