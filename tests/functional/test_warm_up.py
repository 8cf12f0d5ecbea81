"""app.warm_up: what gunicorn.conf.py runs in the master before forking the workers, so they
share what a first request builds (issue 19, the server's memory)."""

from __future__ import annotations

import logging

from app import WARM_UP_PATHS, create_app, warm_up
from extensions import db
from tests.factories import EmployerFactory, ReviewFactory


def test_it_serves_the_common_pages_and_closes_its_connections(app, caplog, monkeypatch):
    employer = EmployerFactory()
    ReviewFactory(employer_id=employer.id)
    db.session.commit()
    db.session.remove()
    closed = []
    monkeypatch.setattr(type(db.engine), "dispose", lambda engine, **_: closed.append(engine))
    assert warm_up(app) == len(WARM_UP_PATHS) + 2  # and the employer's page and API entry
    assert closed == [db.engine]  # a forked worker must not share the master's connections
    assert "warm-up skipped" not in caplog.text


def test_without_a_database_it_starts_cold(tmp_path, caplog):
    """No table yet (a server started before `flask db upgrade`): nothing served, no crash."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'empty.sqlite3'}"})
    with caplog.at_level(logging.WARNING):
        assert warm_up(app) == 0
    assert "warm-up skipped" in caplog.text
