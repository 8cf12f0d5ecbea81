"""Backups and restores of the configured database (`flask heardback backup` and `restore`).

SQLite: sqlite3's online backup API, from one read transaction held across every step, so the
copy is one consistent snapshot while the app keeps writing (WAL). Without that transaction a
write by another connection between two steps restarts the copy, and under a steady trickle of
writes it never finishes. The copy is switched to a rollback journal and checked
(`PRAGMA quick_check`), so it is one self-contained file.

PostgreSQL: `pg_dump --format=custom` and `pg_restore --clean --if-exists --single-transaction`
(a failed restore changes nothing). The password travels in PGPASSWORD, not on the command line
where the process list would show it.

Backups hold the users table (emails, password hashes): they are created owner-only (0600) in an
owner-only folder. A restore refuses to replace a database that holds data unless forced, and
says afterwards whether the restored schema is behind the code's migrations.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from contextlib import closing, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import inspect, literal_column, select, table
from sqlalchemy.engine import URL

from extensions import MIGRATIONS_DIRECTORY, db

# (done, total) after each step: pages for SQLite, tables for PostgreSQL.
Progress = Callable[[int, int], None]

# 1024 pages (4 MiB at SQLite's default page size) per step: a progress report every few
# milliseconds, and few enough steps that a large file doesn't pay much per step.
SQLITE_PAGES_PER_STEP = 1024
SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"
# pg_dump/pg_restore --verbose print one of these per table whose rows they copy.
PG_DUMP_TABLE_LINE = "dumping contents of table"
PG_RESTORE_TABLE_LINE = "processing data for table"
# The migration history's own table: on its own it doesn't make a database worth keeping.
ALEMBIC_TABLE = "alembic_version"


class BackupError(Exception):
    """A backup or restore that can't go ahead; the message says why and what to do."""


@dataclass(frozen=True)
class Backup:
    path: Path
    size: int  # bytes
    method: str  # how it was made, in words for the operator


@dataclass(frozen=True)
class RevisionStatus:
    """Where a database's schema stands against the code's migrations."""

    database: tuple[str, ...]  # alembic revisions recorded in the database (none: unversioned)
    heads: tuple[str, ...]  # the code's newest revisions
    pending: int | None  # migrations to apply; None when the database's revision is unknown

    @property
    def current(self) -> bool:
        return bool(self.database) and set(self.database) == set(self.heads)

    def lines(self) -> list[str]:
        recorded = ", ".join(self.database) or "none"
        lines = [
            f"Database schema revision: {recorded}",
            f"This code's migrations end at: {', '.join(self.heads)}",
        ]
        if self.current:
            lines.append("The schema is up to date.")
        elif not self.database:
            lines.append("No migration revision is recorded: this is not a HeardBack database.")
        elif self.pending is None:
            lines.append(
                "The database is at a revision this code doesn't know: the backup comes from a "
                "newer release. Run that release (or newer) against it."
            )
        else:
            lines.append(
                f"The schema is {self.pending} migration(s) behind: run `flask db upgrade` "
                "before starting the app."
            )
        return lines


# --- entry points ------------------------------------------------------------------------------


def backup(output: Path | None = None, progress: Progress | None = None) -> Backup:
    """Back up the configured database to `output` (default: instance/backups/, timestamped)."""
    dialect = db.engine.dialect.name
    if dialect == "sqlite":
        target = output or default_path("sqlite3")
        _backup_sqlite(_sqlite_path(), target, progress)
        method = "SQLite online backup, quick_check ok"
    elif dialect == "postgresql":
        target = output or default_path("dump")
        _backup_postgres(target, progress)
        method = "pg_dump custom format"
    else:
        raise BackupError(f"Backups of {dialect} databases are not supported.")
    return Backup(target, target.stat().st_size, method)


def restore(source: Path, *, force: bool = False, progress: Progress | None = None) -> None:
    """Replace the configured database's content with a backup made by `backup`."""
    if not source.is_file():
        raise BackupError(f"No backup file at {source}.")
    dialect = db.engine.dialect.name
    if dialect == "sqlite":
        _restore_sqlite(source, force, progress)
    elif dialect == "postgresql":
        _restore_postgres(source, force, progress)
    else:
        raise BackupError(f"Restores into {dialect} databases are not supported.")


def revision_status() -> RevisionStatus:
    """The configured database's migration revision against the code's heads."""
    # Alembic is imported here, by the commands that read the history, not by every server
    # process that imports this module through cli.py (app.create_app, `serving`).
    from alembic.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from alembic.script.revision import RevisionError

    script = ScriptDirectory(str(MIGRATIONS_DIRECTORY))
    heads = tuple(script.get_heads())
    with db.engine.connect() as connection:
        recorded = tuple(MigrationContext.configure(connection).get_current_heads())
    pending: int | None = 0
    try:
        for revision in recorded:
            pending += sum(1 for _ in script.iterate_revisions(heads, revision))
    except RevisionError:  # a revision this code has never heard of
        pending = None
    return RevisionStatus(recorded, heads, pending)


def default_path(suffix: str, now: datetime | None = None) -> Path:
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    return Path(current_app.instance_path) / "backups" / f"heardback-{stamp}.{suffix}"


# --- SQLite ------------------------------------------------------------------------------------


def _sqlite_path() -> Path:
    database = db.engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupError("The configured SQLite database is not a plain file; nothing to copy.")
    return Path(database)


def _backup_sqlite(source: Path, target: Path, progress: Progress | None) -> None:
    if not source.is_file():
        raise BackupError(f"No SQLite database at {source}.")
    _create_private(target)
    try:
        with (
            closing(sqlite3.connect(source, timeout=_busy_seconds(), isolation_level=None)) as live,
            closing(sqlite3.connect(target, isolation_level=None)) as copy,
        ):
            # One snapshot for every step (see the module docstring).
            live.execute("BEGIN")
            live.execute("SELECT count(*) FROM sqlite_master").fetchone()
            live.backup(copy, pages=SQLITE_PAGES_PER_STEP, progress=_pages(progress))
            live.execute("COMMIT")
            copy.execute("PRAGMA journal_mode = DELETE")
        verdict = _quick_check(target)
        if verdict != "ok":
            raise BackupError(f"The copy failed its integrity check: {verdict}")
    except (sqlite3.Error, BackupError) as error:
        _remove(target)
        if isinstance(error, BackupError):
            raise
        raise BackupError(f"Could not back up {source}: {error}") from error


def _restore_sqlite(source: Path, force: bool, progress: Progress | None) -> None:
    _check_sqlite_backup(source)
    target = _sqlite_path()
    if not target.exists():
        _create_private(target)
    elif target.stat().st_size:
        _refuse_if_holding_data(_sqlite_tables_with_rows(target), target, force)
    # Our own pooled connections must not hold the file while it is replaced.
    db.session.remove()
    db.engine.dispose()
    try:
        with (
            closing(sqlite3.connect(_read_only(source), uri=True)) as backup_file,
            closing(sqlite3.connect(target, timeout=_busy_seconds(), isolation_level=None)) as live,
        ):
            backup_file.backup(live, pages=SQLITE_PAGES_PER_STEP, progress=_pages(progress))
    except sqlite3.Error as error:
        raise BackupError(f"Could not restore into {target}: {error}") from error


def _check_sqlite_backup(source: Path) -> None:
    head = _head(source)
    if head.startswith(PG_DUMP_MAGIC):
        raise BackupError(f"{source} is a PostgreSQL dump, but the configured database is SQLite.")
    if not head.startswith(SQLITE_MAGIC):
        raise BackupError(f"{source} is not a SQLite database (nor a HeardBack backup).")
    try:
        verdict = _quick_check(source)
        with closing(sqlite3.connect(_read_only(source), uri=True)) as backup_file:
            tables = _sqlite_tables(backup_file)
    except sqlite3.Error as error:
        raise BackupError(f"{source} can't be read as a SQLite database: {error}") from error
    if verdict != "ok":
        raise BackupError(f"{source} is damaged (quick_check: {verdict}); nothing was restored.")
    if ALEMBIC_TABLE not in tables:
        raise BackupError(f"{source} is a SQLite database but not a HeardBack backup.")


def _busy_seconds() -> float:
    """How long to wait for another connection's lock, as the app does (SQLITE_BUSY_TIMEOUT_MS)."""
    return int(current_app.config["SQLITE_BUSY_TIMEOUT_MS"]) / 1000


def _quick_check(path: Path) -> str:
    """PRAGMA quick_check's verdict ("ok"). On a read-only connection: about ten times faster
    than on a read-write one here (1 s against 11 s for a 166 MB file)."""
    with closing(sqlite3.connect(_read_only(path), uri=True)) as connection:
        return connection.execute("PRAGMA quick_check").fetchone()[0]


def _sqlite_tables(connection: sqlite3.Connection) -> list[str]:
    return [
        name
        for (name,) in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]


def _sqlite_tables_with_rows(path: Path) -> list[str]:
    try:
        with closing(sqlite3.connect(_read_only(path), uri=True)) as connection:
            return [
                name
                for name in _sqlite_tables(connection)
                if name != ALEMBIC_TABLE and _has_rows(connection, name)
            ]
    except sqlite3.Error as error:
        raise BackupError(
            f"{path} exists but can't be read as a SQLite database ({error}). Move it away "
            "first if it is to be replaced."
        ) from error


def _has_rows(connection: sqlite3.Connection, name: str) -> bool:
    quoted = '"' + name.replace('"', '""') + '"'
    query = f"SELECT 1 FROM {quoted} LIMIT 1"  # noqa: S608 (a table name from sqlite_master)
    return connection.execute(query).fetchone() is not None


def _pages(progress: Progress | None):
    if progress is None:
        return None
    return lambda _status, remaining, total: progress(total - remaining, total)


def _read_only(path: Path) -> str:
    return path.resolve().as_uri() + "?mode=ro"


# --- PostgreSQL --------------------------------------------------------------------------------


def _backup_postgres(target: Path, progress: Progress | None) -> None:
    pg_dump = _tool("pg_dump")
    tables = len(inspect(db.engine).get_table_names())
    address, environment = _libpq(db.engine.url)
    _create_private(target)
    command = [pg_dump, "--format=custom", "--verbose", "--file", str(target), address]
    try:
        _run(command, environment, PG_DUMP_TABLE_LINE, tables, progress)
    except BackupError:
        _remove(target)
        raise


def _restore_postgres(source: Path, force: bool, progress: Progress | None) -> None:
    pg_restore = _tool("pg_restore")
    tables = _check_pg_archive(pg_restore, source)
    _refuse_if_holding_data(_postgres_tables_with_rows(), _describe(db.engine.url), force)
    db.session.remove()
    db.engine.dispose()
    address, environment = _libpq(db.engine.url)
    command = [
        pg_restore,
        "--clean",
        "--if-exists",
        "--no-owner",  # the tables belong to whoever restores them: the app's own role
        "--single-transaction",
        "--exit-on-error",
        "--verbose",
        "--dbname",
        address,
        str(source),
    ]
    _run(command, environment, PG_RESTORE_TABLE_LINE, tables, progress)


def _check_pg_archive(pg_restore: str, source: Path) -> int:
    """Read the archive's table of contents; the number of tables with data in it."""
    if _head(source).startswith(SQLITE_MAGIC):
        raise BackupError(
            f"{source} is a SQLite database, but the configured database is PostgreSQL."
        )
    listing = subprocess.run(  # noqa: S603 (our own arguments, no shell)
        [pg_restore, "--list", str(source)], capture_output=True, text=True, check=False
    )
    if listing.returncode != 0:
        raise BackupError(
            f"{source} is not a pg_dump archive pg_restore can read: "
            + (_errors(listing.stderr.splitlines()) or f"exit {listing.returncode}")
        )
    return sum(" TABLE DATA " in line for line in listing.stdout.splitlines())


def _postgres_tables_with_rows() -> list[str]:
    with db.engine.connect() as connection:
        return [
            name
            for name in inspect(connection).get_table_names()
            if name != ALEMBIC_TABLE
            and connection.execute(
                select(literal_column("1")).select_from(table(name)).limit(1)
            ).first()
        ]


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """A URL libpq understands (no '+psycopg'), and an environment carrying the password."""
    environment = dict(os.environ)
    if url.password:
        environment["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), environment


def _describe(url: URL) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=True)


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(
            f"{name} was not found on PATH. Install the PostgreSQL client tools, of the "
            "server's major version or newer (Debian: apt-get install postgresql-client)."
        )
    return found


def _run(
    command: list[str],
    environment: dict[str, str],
    table_line: str,
    tables: int,
    progress: Progress | None,
) -> None:
    """Run pg_dump/pg_restore --verbose, reporting each table it copies; errors raise."""
    done, kept = 0, []
    with subprocess.Popen(  # noqa: S603 (our own arguments, no shell)
        command,
        env=environment,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        assert process.stderr is not None
        for line in process.stderr:
            if table_line in line:
                done += 1
                if progress:
                    progress(done, max(tables, done))
            else:
                kept.append(line.rstrip())
    if process.returncode != 0:
        name = Path(command[0]).name
        raise BackupError(
            f"{name} failed (exit {process.returncode}): {_errors(kept) or 'no message'}"
        )


def _errors(lines: list[str]) -> str:
    """pg_dump/pg_restore's error lines (or its last line), without the chatter."""
    errors = [line for line in lines if "error" in line.lower() or "fatal" in line.lower()]
    return " | ".join(errors or lines[-1:])


# --- both --------------------------------------------------------------------------------------


def _refuse_if_holding_data(tables: list[str], where: object, force: bool) -> None:
    if tables and not force:
        shown = ", ".join(tables[:5]) + (", ..." if len(tables) > 5 else "")
        raise BackupError(
            f"The database at {where} already holds data ({len(tables)} tables with rows: "
            f"{shown}). A restore replaces all of it: add --force to go ahead, after a backup "
            "of it if it may be needed."
        )


def _create_private(path: Path) -> None:
    """An empty file only the owner can read, in a folder only the owner can enter if new."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise BackupError(f"{path} already exists; choose another --output.") from None
    except OSError as error:
        raise BackupError(f"Can't create {path}: {error.strerror}") from None
    os.close(descriptor)


def _head(path: Path) -> bytes:
    with path.open("rb") as handle:
        return handle.read(16)


def _remove(path: Path) -> None:
    for leftover in (path, Path(f"{path}-journal"), Path(f"{path}-wal"), Path(f"{path}-shm")):
        with suppress(FileNotFoundError):
            leftover.unlink()
