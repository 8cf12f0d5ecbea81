"""Write demo data in bulk: a million reviews in minutes, not hours.

Core `insert(table)` with lists of dicts, in batches, on any database; COPY on PostgreSQL, where
row-by-row INSERTs are several times slower. The caller commits once, so an interrupted run
leaves nothing behind (and `--if-empty` never mistakes half a run for a full one).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from itertools import chain, islice

from sqlalchemy import func, insert, select, text

from accounts.models import User
from applications.models import Application, ApplicationStep
from applications.services import next_action_on
from demo.generator import DEMO_EMAIL_LIKE, DemoGenerator, Summary
from employers.models import Employer, EmployerAlias, EmployerStats
from extensions import db
from reviews.models import Review

BATCH_SIZE = 5_000
# SQLite page cache during a load, in KiB. The default 2 MiB can't hold the index pages that
# random keys (public ids, author ids) touch, so a big transaction re-reads them from the WAL
# and a million reviews take minutes longer.
SQLITE_LOAD_CACHE_KIB = 256 * 1024


class _NoProgress:
    def update(self, steps: int) -> None:
        pass


@contextlib.contextmanager
def _no_progress(phase: str, total: int) -> Iterator[_NoProgress]:
    yield _NoProgress()


# progress(phase, total) -> a context manager whose value has update(steps), such as
# click.progressbar.
Progress = Callable[[str, int], contextlib.AbstractContextManager]


@dataclass(frozen=True)
class ExistingData:
    employers: int
    normalized_names: frozenset[str]
    slugs: frozenset[str]
    next_user_number: int


@contextlib.contextmanager
def bulk_load_settings() -> Iterator[None]:
    """Database settings for one big load, put back afterwards. Commit inside the block."""
    if db.engine.dialect.name != "sqlite":
        yield
        return
    previous = db.session.scalar(text("PRAGMA cache_size"))
    db.session.execute(text(f"PRAGMA cache_size = -{SQLITE_LOAD_CACHE_KIB}"))
    try:
        yield
    finally:
        db.session.rollback()  # anything the block didn't commit is abandoned
        db.session.execute(text(f"PRAGMA cache_size = {int(previous)}"))
        db.session.rollback()


def existing_employer_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Employer)) or 0


def existing_data() -> ExistingData:
    """What new demo rows must not collide with: names, slugs and demo account numbers."""
    employers = existing_employer_count()
    names: set[str] = set()
    slugs: set[str] = set()
    if employers:
        names.update(db.session.scalars(select(Employer.normalized_name)))
        names.update(db.session.scalars(select(EmployerAlias.normalized_name)))
        slugs.update(db.session.scalars(select(Employer.slug)))
        slugs.update(
            db.session.scalars(select(EmployerAlias.slug).where(EmployerAlias.slug.is_not(None)))
        )
    numbers = [0]
    for email in db.session.scalars(select(User.email).where(User.email.like(DEMO_EMAIL_LIKE))):
        number = email.removeprefix("demo-user-").partition("@")[0]
        if number.isdigit():
            numbers.append(int(number))
    return ExistingData(employers, frozenset(names), frozenset(slugs), max(numbers) + 1)


def load_demo_data(
    *,
    employers: int,
    reviews: int,
    seed: int,
    today: date,
    progress: Progress = _no_progress,
    batch_size: int = BATCH_SIZE,
) -> Summary:
    """Add fictional employers, demo accounts, reviews and statistics rows. The caller commits.

    On a database that has employers already, the new ones get names, slugs and account numbers
    of their own, and their reviews draw from a different random stream (so public ids differ
    from an earlier run with the same seed); the same seed on an empty database gives the same
    rows every time.
    """
    existing = existing_data()
    generator = DemoGenerator(
        employers=employers,
        reviews=reviews,
        seed=seed if not existing.employers else f"{seed}+{existing.employers}",
        today=today,
        taken_names=existing.normalized_names,
        taken_slugs=existing.slugs,
        first_user_number=existing.next_user_number,
    )
    writer = CopyWriter() if db.engine.dialect.name == "postgresql" else CoreWriter(batch_size)
    with progress("employers", employers) as bar:
        employer_ids = writer.write(Employer, generator.employer_rows(), bar, ids=employers)
    with progress("users", generator.pool_size) as bar:
        author_ids = writer.write(User, generator.user_rows(), bar, ids=generator.pool_size)
    with progress("reviews", reviews) as bar:
        writer.write(Review, generator.review_rows(employer_ids, author_ids), bar)
    with progress("statistics", employers) as bar:
        writer.write(EmployerStats, generator.stats_rows(employer_ids), bar)
    plan = generator.application_plan(employer_ids, author_ids)
    with progress("tracked applications", len(plan)) as bar:
        application_ids = writer.write(Application, (row for row, _ in plan), bar, ids=len(plan))
        steps = [
            {**step, "application_id": application_id}
            for application_id, (_, rows) in zip(application_ids, plan, strict=True)
            for step in rows
        ]
        if steps:
            writer.write(ApplicationStep, steps, _NoProgress())
        _derive_next_actions(application_ids)
    return generator.summary()


def _derive_next_actions(application_ids: list[int]) -> None:
    """Each new application's next action, by the tracker's own rule."""
    for application in db.session.scalars(
        select(Application).where(Application.id.in_(application_ids))
    ):
        application.next_action_on = next_action_on(application)
    db.session.flush()


class CoreWriter:
    """Any database: Core INSERTs of a batch of rows at a time; new ids come back through
    RETURNING, in the order the rows were sent."""

    def __init__(self, batch_size: int = BATCH_SIZE):
        self.batch_size = batch_size

    def write(self, model, rows: Iterable[dict], bar, *, ids: int = 0) -> list[int]:
        """Insert the rows; with ids=<number of rows>, return their new ids in order."""
        table = model.__table__
        statement = insert(table)
        if ids:
            statement = statement.returning(table.c.id, sort_by_parameter_order=True)
        new_ids: list[int] = []
        iterator = iter(rows)
        while batch := list(islice(iterator, self.batch_size)):
            result = db.session.execute(statement, batch)
            if ids:
                new_ids.extend(result.scalars())
            bar.update(len(batch))
        return new_ids


class CopyWriter:
    """PostgreSQL: COPY ... FROM STDIN on the session's connection (same transaction).

    Measured on a million reviews: INSERTs, even pipelined by psycopg, cost PostgreSQL a
    statement per row (about 250 s); COPY takes a small fraction of that. New ids are taken from
    the table's sequence beforehand, as a SERIAL default would, and written explicitly.
    """

    PROGRESS_EVERY = 5_000

    def write(self, model, rows: Iterable[dict], bar, *, ids: int = 0) -> list[int]:
        table = model.__table__
        new_ids = self._reserve_ids(table.name, ids) if ids else []
        iterator = iter(rows)
        first = next(iterator, None)
        if first is None:
            return new_ids
        columns = list(first)
        quote = db.engine.dialect.identifier_preparer.quote
        names = ", ".join(quote(column) for column in (["id", *columns] if ids else columns))
        cursor = db.session.connection().connection.driver_connection.cursor()
        with cursor, cursor.copy(f"COPY {quote(table.name)} ({names}) FROM STDIN") as copy:
            for number, row in enumerate(chain([first], iterator)):
                values = [row[column] for column in columns]
                copy.write_row([new_ids[number], *values] if ids else values)
                if number % self.PROGRESS_EVERY == self.PROGRESS_EVERY - 1:
                    bar.update(self.PROGRESS_EVERY)
        bar.update((number + 1) % self.PROGRESS_EVERY)
        return new_ids

    @staticmethod
    def _reserve_ids(table_name: str, count: int) -> list[int]:
        return sorted(
            db.session.scalars(
                text(
                    "SELECT nextval(pg_get_serial_sequence(:table, 'id'))"
                    " FROM generate_series(1, :count)"
                ),
                {"table": table_name, "count": count},
            )
        )
