"""`flask heardback backup` and `restore` (operations/backup.py) on real database files.

SQLite: a migrated file database with an account, an employer and a review is backed up while
another connection holds uncommitted writes and committed ones still only in the WAL, restored
into a fresh file, and compared. A restore refuses to replace data without --force, and refuses
a missing, foreign or damaged file without touching anything. PostgreSQL (TEST_POSTGRES_URL, or
a PostgreSQL TEST_DATABASE_URL as in CI): the same round trip through pg_dump and pg_restore, in
two databases of the test's own.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import re
import shutil
import sqlite3
import stat
import uuid
from contextlib import closing
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from flask_migrate import upgrade
from sqlalchemy import create_engine, select, text

from accounts.models import User
from employers.models import Employer
from extensions import db
from operations import backup as operations
from reviews.models import Review
from tests.conftest import make_app
from tests.factories import EmployerFactory, ReviewFactory, UserFactory

AUTHOR = "backup-author@example.org"
EMPLOYER = "Backupford Instruments"
NARRATIVE = "Two interviews, then nothing at all for nine weeks."


def _migrated_app(database_url: str, revision: str = "head"):
    app = make_app(SQLALCHEMY_DATABASE_URI=database_url)
    with app.app_context():
        upgrade(revision=revision)
        db.session.remove()
    return app


def _fill(app, employer_name: str = EMPLOYER, slug: str = "backupford-instruments") -> None:
    """An account, an employer and a review by that account, through the factories."""
    with app.app_context():
        author = UserFactory(email=AUTHOR, verified=True)
        employer = EmployerFactory(name=employer_name, slug=slug)
        ReviewFactory(author=author, employer_id=employer.id, narrative=NARRATIVE)
        db.session.remove()


def _invoke(app, *args: str):
    return app.test_cli_runner().invoke(args=["heardback", *args])


def _employer_names(app) -> set[str]:
    with app.app_context():
        names = set(db.session.scalars(select(Employer.name)))
        db.session.remove()
        return names


def _assert_holds_the_filled_rows(app) -> None:
    with app.app_context():
        author = db.session.scalar(select(User).where(User.email == AUTHOR))
        assert author is not None and author.email_verified_at is not None
        employer = db.session.scalar(select(Employer).where(Employer.name == EMPLOYER))
        assert employer is not None and employer.stats is not None
        review = db.session.scalar(select(Review).where(Review.employer_id == employer.id))
        assert review.author_id == author.id and review.narrative == NARRATIVE
        db.session.remove()


def _dispose(app) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def live(tmp_path):
    """A migrated SQLite file with an account, an employer and a review."""
    app = _migrated_app(f"sqlite:///{tmp_path / 'live.sqlite3'}")
    _fill(app)
    yield app
    _dispose(app)


@pytest.fixture
def fresh(tmp_path):
    """An app whose configured SQLite file doesn't exist yet."""
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'restored.sqlite3'}")
    yield app
    _dispose(app)


# --- SQLite round trip -------------------------------------------------------------------------


def test_backup_while_another_connection_writes_then_restore_into_a_fresh_file(
    tmp_path, live, fresh
):
    live_file = tmp_path / "live.sqlite3"
    output = tmp_path / "copies" / "backup.sqlite3"
    with closing(sqlite3.connect(live_file)) as checkpoint:
        checkpoint.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    with live.app_context():
        # A committed employer that stays in the WAL (no checkpoint on this pooled connection)...
        db.session.connection().exec_driver_sql("PRAGMA wal_autocheckpoint = 0")
        EmployerFactory(name="Walkept Logistics", slug="walkept-logistics")
        assert Path(f"{live_file}-wal").stat().st_size > 0
        shutil.copy(live_file, tmp_path / "main-file-only.sqlite3")
        # ...and an uncommitted one: this session now holds the write lock (BEGIN IMMEDIATE).
        db.session.add(EmployerFactory.build(name="Uncommitted Foods", slug="uncommitted-foods"))
        db.session.flush()
        result = _invoke(live, "backup", "--output", str(output))
        db.session.rollback()
    assert result.exit_code == 0, result.output
    assert f"Backup written to {output}" in result.output
    assert _mode(output) == 0o600

    # The committed employer was only in the WAL, so the copy can't have come from the file alone.
    with closing(sqlite3.connect(tmp_path / "main-file-only.sqlite3")) as main_only:
        names = {name for (name,) in main_only.execute("SELECT name FROM employers")}
    assert names == {EMPLOYER}

    result = _invoke(fresh, "restore", str(output))
    assert result.exit_code == 0, result.output
    assert "The schema is up to date." in result.output
    _assert_holds_the_filled_rows(fresh)
    assert _employer_names(fresh) == {EMPLOYER, "Walkept Logistics"}
    with closing(sqlite3.connect(tmp_path / "restored.sqlite3")) as restored:
        assert restored.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert _mode(tmp_path / "restored.sqlite3") == 0o600


def test_the_copy_is_one_snapshot_even_when_writes_land_between_its_steps(
    tmp_path, live, monkeypatch
):
    """Writes committed by another connection during the copy neither restart it (it would never
    finish under a steady trickle of writes) nor leak into it."""
    monkeypatch.setattr(operations, "SQLITE_PAGES_PER_STEP", 4)
    output = tmp_path / "snapshot.sqlite3"
    steps = []
    with closing(sqlite3.connect(tmp_path / "live.sqlite3", isolation_level=None)) as writer:

        def progress(done: int, total: int) -> None:
            steps.append((done, total))
            assert len(steps) < 1000, "the copy keeps restarting"
            writer.execute("UPDATE reviews SET narrative = ?", (f"edited during step {done}",))

        with live.app_context():
            operations.backup(output, progress)
        live_narratives = {row[0] for row in writer.execute("SELECT narrative FROM reviews")}
    assert len(steps) > 3 and steps[-1][0] == steps[-1][1]
    assert all(done < later for (done, _), (later, _) in itertools.pairwise(steps))
    assert live_narratives == {f"edited during step {steps[-1][0]}"}
    with closing(sqlite3.connect(output)) as copy:
        assert {row[0] for row in copy.execute("SELECT narrative FROM reviews")} == {NARRATIVE}
        assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)


def test_default_output_is_timestamped_and_private_under_instance_backups(tmp_path, live):
    live.instance_path = str(tmp_path / "instance")
    result = _invoke(live, "backup")
    assert result.exit_code == 0, result.output
    folder = tmp_path / "instance" / "backups"
    (made,) = folder.iterdir()
    assert re.fullmatch(r"heardback-\d{8}T\d{6}Z\.sqlite3", made.name)
    assert _mode(made) == 0o600 and _mode(folder) == 0o700


def test_an_existing_output_file_is_not_overwritten(tmp_path, live):
    output = tmp_path / "taken.sqlite3"
    output.write_bytes(b"keep me")
    result = _invoke(live, "backup", "--output", str(output))
    assert result.exit_code == 1
    assert "already exists" in result.output
    assert output.read_bytes() == b"keep me"


# --- refusals ----------------------------------------------------------------------------------


def test_restore_refuses_to_replace_data_without_force(tmp_path, live):
    other = _migrated_app(f"sqlite:///{tmp_path / 'other.sqlite3'}")
    try:
        _fill(other, employer_name="Otherwise Plastics", slug="otherwise-plastics")
        output = tmp_path / "other-backup.sqlite3"
        assert _invoke(other, "backup", "--output", str(output)).exit_code == 0
    finally:
        _dispose(other)

    refused = _invoke(live, "restore", str(output))
    assert refused.exit_code == 1
    assert "already holds data" in refused.output and "--force" in refused.output
    assert _employer_names(live) == {EMPLOYER}

    forced = _invoke(live, "restore", str(output), "--force")
    assert forced.exit_code == 0, forced.output
    assert _employer_names(live) == {"Otherwise Plastics"}


def test_restore_into_a_migrated_but_empty_database_needs_no_force(tmp_path, live):
    output = tmp_path / "backup.sqlite3"
    assert _invoke(live, "backup", "--output", str(output)).exit_code == 0
    empty = _migrated_app(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    try:
        result = _invoke(empty, "restore", str(output))
        assert result.exit_code == 0, result.output
        _assert_holds_the_filled_rows(empty)
    finally:
        _dispose(empty)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "No backup file at"),
        (b"this is not a database\n" * 40, "is not a SQLite database"),
        (b"PGDMP\x01\x0f\x00" + b"\x00" * 200, "is a PostgreSQL dump"),
        (b"SQLite format 3\x00" + b"\xff" * 4000, "can't be read as a SQLite database"),
    ],
    ids=["missing", "garbage", "postgresql-dump", "damaged-sqlite"],
)
def test_restore_refuses_a_bad_file_and_touches_nothing(tmp_path, live, fresh, content, message):
    source = tmp_path / "suspect.bin"
    if content is not None:
        source.write_bytes(content)
    live_file = tmp_path / "live.sqlite3"
    before = _digest(live_file)

    for app in (fresh, live):
        result = _invoke(app, "restore", str(source), "--force")
        assert result.exit_code == 1
        assert message in result.output, result.output
    assert not (tmp_path / "restored.sqlite3").exists()
    assert _digest(live_file) == before
    _assert_holds_the_filled_rows(live)


def test_restore_refuses_a_sqlite_database_that_is_not_a_heardback_backup(tmp_path, fresh):
    source = tmp_path / "someone-elses.sqlite3"
    with closing(sqlite3.connect(source)) as foreign:
        foreign.execute("CREATE TABLE notes (body TEXT)")
    result = _invoke(fresh, "restore", str(source))
    assert result.exit_code == 1
    assert "not a HeardBack backup" in result.output
    assert not (tmp_path / "restored.sqlite3").exists()


def test_restore_of_an_older_backup_says_to_run_the_migrations(tmp_path, fresh):
    script = ScriptDirectory(str(Path(__file__).resolve().parents[2] / "migrations"))
    (head,) = script.get_heads()
    previous = script.get_revision(head).down_revision
    older = _migrated_app(f"sqlite:///{tmp_path / 'older.sqlite3'}", revision=previous)
    try:
        output = tmp_path / "older-backup.sqlite3"
        assert _invoke(older, "backup", "--output", str(output)).exit_code == 0
    finally:
        _dispose(older)
    result = _invoke(fresh, "restore", str(output))
    assert result.exit_code == 0, result.output
    assert f"Database schema revision: {previous}" in result.output
    assert "1 migration(s) behind: run `flask db upgrade`" in result.output


# --- PostgreSQL --------------------------------------------------------------------------------


def _postgres_url() -> str | None:
    for name in ("TEST_POSTGRES_URL", "TEST_DATABASE_URL"):
        url = os.environ.get(name, "")
        if url.startswith("postgresql"):
            return url.replace("postgresql://", "postgresql+psycopg://", 1)
    return None


@pytest.fixture
def postgres_databases():
    """Two empty databases of this test's own on the test server, dropped afterwards."""
    url = _postgres_url()
    if url is None:
        if os.environ.get("HEARDBACK_REQUIRE_POSTGRES"):
            pytest.fail("HEARDBACK_REQUIRE_POSTGRES is set but no PostgreSQL URL was given")
        pytest.skip("set TEST_POSTGRES_URL (or TEST_DATABASE_URL) to a PostgreSQL database")
    names = [f"heardback_backup_{uuid.uuid4().hex[:10]}_{side}" for side in ("a", "b")]
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        for name in names:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield [url.rsplit("/", 1)[0] + "/" + name for name in names]
    finally:
        with admin.connect() as connection:
            for name in names:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.mark.postgres
def test_postgresql_round_trip_through_pg_dump_and_pg_restore(
    tmp_path, postgres_databases, monkeypatch
):
    source_url, target_url = postgres_databases
    source = _migrated_app(source_url)
    target = make_app(SQLALCHEMY_DATABASE_URI=target_url)
    output = tmp_path / "heardback.dump"
    try:
        _fill(source)
        result = _invoke(source, "backup", "--output", str(output))
        assert result.exit_code == 0, result.output
        assert output.read_bytes().startswith(b"PGDMP") and _mode(output) == 0o600

        result = _invoke(target, "restore", str(output))
        assert result.exit_code == 0, result.output
        assert "The schema is up to date." in result.output
        _assert_holds_the_filled_rows(target)

        again = _invoke(target, "restore", str(output))
        assert again.exit_code == 1 and "already holds data" in again.output
        garbage = tmp_path / "garbage.dump"
        garbage.write_bytes(b"not a dump\n" * 50)
        refused = _invoke(target, "restore", str(garbage), "--force")
        assert refused.exit_code == 1 and "not a pg_dump archive" in refused.output
        forced = _invoke(target, "restore", str(output), "--force")
        assert forced.exit_code == 0, forced.output
        _assert_holds_the_filled_rows(target)

        monkeypatch.setenv("PATH", str(tmp_path))
        missing = _invoke(source, "backup", "--output", str(tmp_path / "never.dump"))
        assert missing.exit_code == 1 and "pg_dump was not found on PATH" in missing.output
        assert not (tmp_path / "never.dump").exists()
    finally:
        _dispose(source)
        _dispose(target)
