"""Migrations build the models' schema on an empty SQLite and an empty PostgreSQL database.

`flask db upgrade` runs against a brand-new database; Alembic's autogenerate comparison then
must find nothing to change (no drift between models and migrations), and a downgrade to the
empty database and a second upgrade must work too.
"""

from __future__ import annotations

import os
import re
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import CheckConstraint, create_engine, inspect, select, text

from extensions import EXPRESSION_INDEXES, db, include_object
from reviews.models import steps_triggers_sql
from scoring.vocabulary import steps_check_sql
from tests.conftest import make_app

TABLES = {
    "users",
    "login_sessions",
    "employers",
    "employer_aliases",
    "employer_domains",
    "employer_stats",
    "employer_sketches",
    "reviews",
    "review_revisions",
    "site_parameters",
    "claims",
    "representatives",
    "response_commitments",
    "contact_reports",
    "responses",
    "flags",
    "audit_log",
    "legal_notices",
    "response_revisions",
    "outgoing_mail",
    "contact_proofs",
    "applications",
    "application_steps",
    "application_feeds",
    "representative_invitations",
    "alembic_version",
}


def _postgres_url() -> str | None:
    for name in ("TEST_POSTGRES_URL", "TEST_DATABASE_URL"):
        url = os.environ.get(name, "")
        if url.startswith("postgresql"):
            return url
    return None


def _check_upgrade(database_url: str) -> None:
    app = make_app(SQLALCHEMY_DATABASE_URI=database_url)
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            assert set(inspect(connection).get_table_names()) == TABLES
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "include_object": include_object}
            )
            differences = compare_metadata(context, db.metadata)
        assert differences == [], f"models and migrations differ: {differences}"
        # The expression indexes autogenerate can't compare exist after the migrations.
        with db.engine.connect() as connection:
            # From the catalogue: SQLAlchemy won't reflect SQLite's expression indexes.
            catalogue = (
                "SELECT name FROM sqlite_master WHERE type = 'index'"
                if connection.dialect.name == "sqlite"
                else "SELECT indexname FROM pg_indexes"
            )
            indexes = set(connection.execute(text(catalogue)).scalars())
        assert indexes >= EXPRESSION_INDEXES
        # Autogenerate doesn't compare CHECK constraints; compare their names here.
        with db.engine.connect() as connection:
            _assert_same_checks(connection)
            _assert_same_generated_columns(connection)
            _assert_same_steps_rule(connection)
        downgrade(revision="base")
        with db.engine.connect() as connection:
            assert set(inspect(connection).get_table_names()) == {"alembic_version"}
        upgrade()
        db.session.remove()
        db.engine.dispose()


def _model_checks(dialect: str) -> dict[str, set[str]]:
    checks: dict[str, set[str]] = {}
    for table in db.metadata.sorted_tables:
        names = set()
        for constraint in table.constraints:
            if not isinstance(constraint, CheckConstraint):
                continue
            condition = constraint._ddl_if
            if condition is not None and condition.dialect not in (None, dialect):
                continue
            names.add(str(constraint.name))
        checks[table.name] = names
    return checks


def _assert_same_checks(connection) -> None:
    inspector = inspect(connection)
    for table, expected in _model_checks(connection.dialect.name).items():
        migrated = {check["name"] for check in inspector.get_check_constraints(table)}
        assert migrated == expected, f"{table}: CHECKs differ: {migrated ^ expected}"


_NUMBER = re.compile(r"(?<![A-Za-z_])\d+(?:\.\d+)?")


def _numbers(expression: str) -> list[float]:
    return sorted(float(number) for number in _NUMBER.findall(expression))


def _sqlite_generated(connection, table: str) -> dict[str, str]:
    """{column: expression} of a SQLite table's generated columns, read from its CREATE TABLE
    (SQLAlchemy's reflection runs each expression on into the next column's)."""
    sql = connection.execute(
        text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :name"),
        {"name": table},
    ).scalar_one()
    found = {}
    for match in re.finditer(r"(\w+) \w+ GENERATED ALWAYS AS \(", sql):
        depth, end = 1, match.end()
        while depth:
            depth += {"(": 1, ")": -1}.get(sql[end], 0)
            end += 1
        found[match.group(1)] = sql[match.end() : end - 1]
    return found


def _assert_same_generated_columns(connection) -> None:
    """Autogenerate can't compare a generated column's expression, and PostgreSQL rewrites it
    (parentheses, casts): compare the thresholds in it. The model's expressions read
    scoring.params, so a changed threshold without a migration fails here."""
    inspector = inspect(connection)
    for table in db.metadata.sorted_tables:
        computed = {column.name: column.computed for column in table.columns if column.computed}
        if not computed:
            continue
        if connection.dialect.name == "sqlite":
            migrated = _sqlite_generated(connection, table.name)
        else:
            migrated = {
                column["name"]: column["computed"]["sqltext"]
                for column in inspector.get_columns(table.name)
                if column.get("computed")
            }
        assert set(migrated) == set(computed), f"{table.name}: generated columns differ"
        for name, model in computed.items():
            expected = _numbers(str(model.sqltext))
            assert _numbers(str(migrated[name])) == expected, f"{table.name}.{name} differs"


def _assert_same_steps_rule(connection) -> None:
    """The rule that a review's furthest step is its stage is written three times: the model's
    CHECK (PostgreSQL), the model's triggers (SQLite) and migration 3f3f81da9a8b's own copies
    (a migration stays as it was when written). The migrated database must hold the model's."""
    if connection.dialect.name == "sqlite":
        migrated = {
            name: sql
            for name, sql in connection.execute(
                text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
            )
        }
        expected = {
            re.search(r"TRIGGER IF NOT EXISTS (\w+)", sql).group(1): sql.replace(
                "IF NOT EXISTS ", ""
            )
            for sql in steps_triggers_sql()
        }
        assert migrated == expected
    else:
        migrated = connection.execute(
            text(
                "SELECT pg_get_constraintdef(oid) FROM pg_constraint"
                " WHERE conname = 'ck_reviews_steps_within_stage'"
            )
        ).scalar_one()
        # PostgreSQL rewrites the expression (casts, parentheses): compare its bounds and stages.
        assert _numbers(migrated) == _numbers(steps_check_sql())
        assert re.findall(r"'(\w+)'", migrated) == re.findall(r"'(\w+)'", steps_check_sql())


# SQLAlchemy can't reflect SQLite's expression indexes and says so; they are checked by name.
EXPRESSION_INDEX_WARNING = (
    "ignore:Skipped unsupported reflection of expression-based index:sqlalchemy.exc.SAWarning"
)


@pytest.mark.filterwarnings(EXPRESSION_INDEX_WARNING)
def test_migrations_on_empty_sqlite(tmp_path):
    _check_upgrade(f"sqlite:///{tmp_path / 'empty.sqlite3'}")


@pytest.mark.postgres
def test_migrations_on_empty_postgresql():
    url = _postgres_url()
    if url is None:
        if os.environ.get("HEARDBACK_REQUIRE_POSTGRES"):
            pytest.fail("HEARDBACK_REQUIRE_POSTGRES is set but no PostgreSQL URL was given")
        pytest.skip("set TEST_POSTGRES_URL (or TEST_DATABASE_URL) to a PostgreSQL database")
    url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    name = f"heardback_migrations_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        _check_upgrade(url.rsplit("/", 1)[0] + "/" + name)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_response_revisions_backfill_one_version_per_existing_response(tmp_path):
    """Responses written before versions were kept get one version each, so a moderator has the
    text each one showed when revisions began (DESIGN.md §5.10)."""
    from responses.models import Response, ResponseRevision
    from tests.factories import ReviewFactory

    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'backfill.sqlite3'}")
    with app.app_context():
        # The rows are written with today's models, then the schema goes back to before the
        # versions table (and later migrations) and up again, so the backfill meets them.
        upgrade()
        review = ReviewFactory()
        db.session.add(
            Response(review_id=review.id, employer_id=review.employer_id, body="Thank you.")
        )
        db.session.commit()
        db.session.remove()
        downgrade(revision="c7d2e5f1a8b3")
        assert "response_revisions" not in inspect(db.engine).get_table_names()
        upgrade()
        rows = db.session.execute(
            select(ResponseRevision.body, ResponseRevision.status, ResponseRevision.actor)
        ).all()
        assert [(body, status.value, actor.value) for body, status, actor in rows] == [
            ("Thank you.", "published", "system")
        ]
        db.session.remove()
        db.engine.dispose()
