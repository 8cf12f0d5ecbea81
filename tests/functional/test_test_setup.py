"""The suite runs where it says it runs: a suite that fell back to SQLite proves nothing."""

from __future__ import annotations

import os

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


def test_apps_use_the_configured_rate_limit_storage(app):
    configured = os.environ.get("TEST_REDIS_URL")
    storage = app.config["RATELIMIT_STORAGE_URI"]
    assert storage == (configured or "memory://")
