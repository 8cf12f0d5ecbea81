"""app.warm_up: what gunicorn.conf.py runs in the master before forking the workers, so they
share what a first request builds (issue 19, the server's memory)."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

from app import WARM_UP_PATHS, create_app, warm_up
from extensions import MIGRATIONS_DIRECTORY, db
from operations.backup import revision_status
from tests.factories import EmployerFactory, ReviewFactory

ROOT = Path(__file__).resolve().parents[2]


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


# What a server process must not hold (create_app(serving=True), as gunicorn.conf.py builds it):
# each would cost memory in every server for nothing a request reads. The migration commands'
# Alembic (with Mako and Pygments); the source data the scrubber's name lists and lookalike
# table are built from (Faker's person providers, confusable_homoglyphs' whole table); and the
# collation table the country list is sorted with.
SERVER_CHECK = """
import gc, json, sys
import app, countries, pyuca
from extensions import db
from reviews import names
server = app.create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1]}, serving=True)
with server.app_context():
    db.create_all()
served = app.warm_up(server)
print(json.dumps({
    "served": served,
    "modules": sorted(m for m in sys.modules if m.split(".")[0] in ("alembic", "flask_migrate",
        "mako", "pygments") or m.startswith("confusable_homoglyphs.confusables")
        or m in {f"faker.providers.person.{locale}" for locale in names.LOCALES}),
    "collators": sum(isinstance(o, pyuca.Collator) for o in gc.get_objects()),
    "countries": len(countries.choices()),
    "names": [names.is_known_name("Núñez"), names.is_first_name("José")],
    "commands": sorted(server.cli.commands),
}))
"""


def test_a_server_process_holds_no_data_a_request_does_not_read(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", SERVER_CHECK, f"sqlite:///{tmp_path / 'server.sqlite3'}"],
        cwd=ROOT,
        env={**os.environ, "LOG_LEVEL": "WARNING"},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    found = json.loads(result.stdout.splitlines()[-1])
    assert found["served"] == len(WARM_UP_PATHS)  # no employer yet: the common pages only
    assert found["modules"] == []
    assert found["collators"] == 0
    # What they were built from is gone; what they hold is there.
    assert found["countries"] > 240
    assert found["names"] == [True, True]
    assert "db" not in found["commands"]
    assert "heardback" in found["commands"]


def test_the_migration_commands_are_there_outside_a_server(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'cli.sqlite3'}"})
    assert "db" in app.cli.commands
    assert app.extensions["migrate"].directory == str(MIGRATIONS_DIRECTORY)


def test_backup_reads_the_migration_history_in_a_serving_app(tmp_path):
    """revision_status imports Alembic itself and needs no Flask-Migrate."""
    url = f"sqlite:///{tmp_path / 'status.sqlite3'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url}, serving=True)
    with app.app_context():
        status = revision_status()
    assert status.database == ()
    assert len(status.heads) == 1 and not status.current  # a database `flask db` never touched
