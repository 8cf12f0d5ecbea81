"""Extension objects, created here and bound to an app in `create_app`."""

from __future__ import annotations

from pathlib import Path

from flask import current_app
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import Index, MetaData
from sqlalchemy.orm import DeclarativeBase

from security import client_key

# Named constraints, so migrations can refer to them on every database (SQLite batch mode needs
# names to alter a table).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# Expression indexes (DESC, NULLS LAST, computed keys) by name: Alembic can't compare them, so
# autogenerate leaves them alone (include_object) and tests/functional/test_migrations.py checks
# that each exists. Model modules declare theirs with `expression_index`.
EXPRESSION_INDEXES: set[str] = set()


def expression_index(name: str, *expressions, **kwargs) -> Index:
    EXPRESSION_INDEXES.add(name)
    return Index(name, *expressions, **kwargs)


def include_object(item, name, type_, reflected, compare_to) -> bool:
    """What autogenerate compares: not an index the models declare for another dialect only
    (`Index(...).ddl_if(dialect=...)`, e.g. PostgreSQL's trigram indexes on SQLite), nor an
    expression index, which Alembic can't compare (tests/functional/test_migrations.py checks
    that those exist by name)."""
    if type_ == "index" and name in EXPRESSION_INDEXES:
        return False
    condition = getattr(item, "_ddl_if", None) if not reflected else None
    if condition is None or condition.dialect is None:
        return True
    dialect = current_app.extensions["sqlalchemy"].engine.dialect.name
    return condition.dialect == dialect


# The migration history (Alembic's script directory), which `flask db` writes and reads.
MIGRATIONS_DIRECTORY = Path(__file__).parent / "migrations"

db = SQLAlchemy(model_class=Base)
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=client_key)
