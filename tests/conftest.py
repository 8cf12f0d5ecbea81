"""Fixtures: a fresh app and database per test, clients with CSRF on, mail and sign-in helpers.

The suite runs on in-memory SQLite by default. With TEST_DATABASE_URL set (CI does it for
PostgreSQL) the schema is created once and every table is emptied after each test; with
TEST_REDIS_URL set, rate limits live in Redis under a key prefix of their own per test.
"""

from __future__ import annotations

import html
import os
import re
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from flask import g, has_app_context
from flask.testing import FlaskClient
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url
from werkzeug.routing.rules import Rule

from app import create_app
from config import TestConfig
from extensions import db, limiter
from tests import factories

CSRF_INPUT = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|'
    r'type="hidden" name="csrf_token" value="([^"]+)"|'
    r'name="csrf_token" value="([^"]+)"'
)
LINK = re.compile(r"https?://\S+")
# Random values a reader never sees; left in, a check such as "45 is not on the page" fails
# whenever a token happens to contain "45".
RANDOM_VALUE = re.compile(r'(name="(?:csrf_token|submission_key)"[^>]*?value=")[^"]*(")')


class HeardBackTestClient(FlaskClient):
    """A test client whose requests behave as they do in production, inside a test.

    Tests keep an app context pushed (for factories and queries), and Flask reuses it for the
    client's requests, so `g` would leak from one request to the next and a view's uncommitted
    changes would stay visible. Each request here gets an empty `g`, and whatever a view left
    uncommitted is rolled back afterwards, as the end of a real request would.
    """

    def open(self, *args, **kwargs):
        if not has_app_context():
            return _sent(super().open(*args, **kwargs))
        saved = g.__dict__.copy()
        g.__dict__.clear()
        try:
            response = super().open(*args, **kwargs)
        finally:
            g.__dict__.clear()
            g.__dict__.update(saved)
            db.session.rollback()
        return _sent(response)


def _sent(response):
    """Close the response as a server does once it is sent: that runs its call_on_close
    callbacks, which deliver the mail the request queued (MAIL_SEND_AFTER_RESPONSE)."""
    response.get_data()
    response.close()
    return response


# Every test builds its own app, and werkzeug compiles two URL builders for each of the ~116
# routes as the app registers them (with ast and compile: 45 ms of each test's set-up, most of
# CI's time per test). Here each builder is compiled the first time it is used instead, the same
# builder from the same code: a test that builds three URLs compiles three.
_compile_builder = Rule._compile_builder


def _lazy_builder(self, append_unknown=True):
    compiled = []

    def build(rule, **values):
        if not compiled:
            compiled.append(_compile_builder(rule, append_unknown))
        return compiled[0](rule, **values)

    return build


Rule._compile_builder = _lazy_builder


def _is_sqlite_memory(app) -> bool:
    return app.config["SQLALCHEMY_DATABASE_URI"] in ("sqlite://", "sqlite:///:memory:")


def make_app(**overrides):
    settings = {"RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex[:12]}"}
    settings.update(overrides)

    class Settings(TestConfig):
        pass

    for key, value in settings.items():
        setattr(Settings, key, value)
    # Flask-Limiter keeps the key prefix of the first app it was bound to; each test's app must
    # count under its own (with Redis storage, counts would otherwise carry across tests).
    limiter._key_prefix = None
    limiter._storage_dead = False  # a test may have left Redis "down" (test_rate_limit_storage)
    return create_app(Settings)


_SCHEMA_BUILT: set[str] = set()


def _prepare_schema(app) -> None:
    """A fresh schema per in-memory app; on a server database, rebuilt once per test run (so a
    schema left by an older checkout never survives) and emptied after each test."""
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if _is_sqlite_memory(app):
        db.create_all()
    elif uri not in _SCHEMA_BUILT:
        db.drop_all()
        db.session.execute(text("DROP TABLE IF EXISTS alembic_version"))
        db.session.commit()
        db.create_all()
        _SCHEMA_BUILT.add(uri)


def _empty_all_tables() -> None:
    """DELETE every table's rows, children first, and restart the sequences: on PostgreSQL a
    TRUNCATE ... RESTART IDENTITY CASCADE of the 24 tables took 60-90 ms after every test (new
    files for each table and index), these deletes and setvals 7 ms."""
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(text(f"DELETE FROM {table.name}"))
    if db.engine.dialect.name == "postgresql":
        sequences = db.session.scalars(text("SELECT relname FROM pg_class WHERE relkind = 'S'"))
        restart = ", ".join(f"setval('{name}', 1, false)" for name in sequences)
        if restart:
            db.session.execute(text(f"SELECT {restart}"))
    db.session.commit()


@pytest.fixture
def app_factory():
    """Build an app with settings of the test's own (e.g. tight rate limits)."""
    made = []

    def build(**overrides):
        app = make_app(**overrides)
        app.test_client_class = HeardBackTestClient
        context = app.app_context()
        context.push()
        _prepare_schema(app)
        made.append((app, context))
        return app

    yield build
    for app, context in reversed(made):
        close_app(app, context)


def close_app(app, context) -> None:
    """Empty the test's database and close its connections, then pop the app's context."""
    db.session.remove()
    if _is_sqlite_memory(app):
        db.drop_all()
    else:
        _empty_all_tables()
    # Close the app's pooled connections now rather than whenever the collector frees the app:
    # on PostgreSQL, the idle pools of earlier tests once reached max_connections.
    for engine in db.engines.values():
        engine.dispose()
    context.pop()


@pytest.fixture
def app(app_factory):
    return app_factory()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def outbox(app):
    return app.extensions.setdefault("mail_outbox", [])


@pytest.fixture(autouse=True)
def _factories_session(request):
    """factory_boy's session is the app's scoped session (bound when the app fixture runs)."""
    factories.bind(db.session)
    yield


@contextmanager
def _counting_queries():
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        if not statement.startswith(("PRAGMA", "BEGIN", "SAVEPOINT", "RELEASE")):
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


@pytest.fixture
def query_counter():
    """`with query_counter() as statements:` lists the SQL statements the block sent through the
    current app's engine (transaction bookkeeping left out), so an N+1 fails a test."""
    return _counting_queries


def csrf_token(client, url: str) -> str:
    """The CSRF token from the form on a page (one token serves the whole session)."""
    response = client.get(url)
    match = CSRF_INPUT.search(response.get_data(as_text=True))
    assert match, f"no csrf_token on {url} (status {response.status_code})"
    return next(group for group in match.groups() if group)


def post_form(client, url: str, data: dict | None = None, *, page: str | None = None, **kwargs):
    """POST a form the way a browser would: with the CSRF token from the page that shows it."""
    payload = dict(data or {})
    payload.setdefault("csrf_token", csrf_token(client, page or url))
    return client.post(url, data=payload, **kwargs)


def page_text(response) -> str:
    """The response body with HTML entities decoded and random token values blanked, for
    asserting on what a reader sees."""
    return html.unescape(RANDOM_VALUE.sub(r"\1\2", response.get_data(as_text=True)))


def links_in(message) -> list[str]:
    return LINK.findall(message.get_content())


def path_of(link: str) -> str:
    return "/" + link.split("://", 1)[1].split("/", 1)[1]


def publish_pending_change(review, now=None) -> None:
    """Make a review's pending change public at once, as `tick` does at its moment (§5.8)."""
    from reviews import pending
    from timeutils import utcnow

    data = review.pending_values
    assert data is not None, "the review has no pending change"
    pending.discard(review)
    pending.apply([(review, data)], now or utcnow())
    db.session.commit()


class Auth:
    """Sign-up and sign-in through the real forms."""

    def __init__(self, client, outbox):
        self.client = client
        self.outbox = outbox

    def sign_up(self, email="candidate@example.org", password="correct horse battery", **extra):
        data = {
            "email": email,
            "password": password,
            "password_confirm": password,
            "accept": "y",
            **extra,
        }
        return post_form(self.client, "/sign-up", data)

    def sign_in(self, email="candidate@example.org", password="correct horse battery", **kw):
        return post_form(self.client, "/sign-in", {"email": email, "password": password}, **kw)

    def sign_out(self):
        token = csrf_token(self.client, "/account")
        return self.client.post("/sign-out", data={"csrf_token": token})


@pytest.fixture
def auth(client, outbox):
    return Auth(client, outbox)


@pytest.fixture
def password():
    return "correct horse battery"


@pytest.fixture
def user(app, password):
    return factories.UserFactory(email="candidate@example.org", password=password, verified=True)


@pytest.fixture
def signed_in(client, auth, user, password):
    response = auth.sign_in(user.email, password)
    assert response.status_code == 302, response.get_data(as_text=True)
    return user


# A run (one pytest process) takes under 15 minutes; started closer than this to midnight UTC, it
# would see two dates, and a test that took "today" at import would meet an app whose today is
# the next day.
DAY_GUARD = timedelta(minutes=20)


def run_clock_start(now: datetime) -> datetime | None:
    """Where the run's clock starts, or None to leave it alone: a run that would cross midnight
    UTC starts DAY_GUARD earlier, so every test and the app see the same date throughout."""
    midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    if midnight - now < DAY_GUARD:
        return now - DAY_GUARD
    return None


# The variables that may name the test PostgreSQL database (CI sets both to the same one).
POSTGRES_VARIABLES = ("TEST_DATABASE_URL", "TEST_POSTGRES_URL")


def worker_database_url(url: str, worker: str) -> str:
    """The database of one pytest-xdist worker on the server `url` names: `<name>_<worker>`,
    created if the server doesn't have it yet (two workers emptying one database would wipe
    each other's rows mid-test)."""
    parsed = make_url(url)
    name = f"{parsed.database}_{worker}"
    admin = create_engine(parsed.set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            exists = connection.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            ).scalar()
            if not exists:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return parsed.set(database=name).render_as_string(hide_password=False)


def _one_database_per_worker() -> None:
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return
    made: dict[str, str] = {}
    for variable in POSTGRES_VARIABLES:
        url = os.environ.get(variable, "")
        if url.startswith("postgresql"):
            if url not in made:
                made[url] = worker_database_url(url, worker)
            os.environ[variable] = made[url]


def pytest_configure(config):
    """Under pytest-xdist, each worker runs on a PostgreSQL database of its own.

    HEARDBACK_TEST_CLOCK_START (ISO, UTC) starts the run's clock at that instant, to reproduce
    a date-boundary failure; either way the clock then ticks at the normal rate."""
    _one_database_per_worker()
    pinned = os.environ.get("HEARDBACK_TEST_CLOCK_START")
    now = datetime.fromisoformat(pinned).replace(tzinfo=UTC) if pinned else datetime.now(UTC)
    start = run_clock_start(now) or (now if pinned else None)
    if start is not None:
        config.heardback_clock = time_machine.travel(start, tick=True)
        config.heardback_clock.start()


def pytest_unconfigure(config):
    clock = getattr(config, "heardback_clock", None)
    if clock is not None:
        clock.stop()


def pytest_report_header(config):
    clock = getattr(config, "heardback_clock", None)
    return [
        f"database: {os.environ.get('TEST_DATABASE_URL') or 'sqlite:// (in memory)'}",
        f"rate-limit storage: {os.environ.get('TEST_REDIS_URL') or 'memory://'}",
        f"clock: {'moved, now ' + datetime.now(UTC).isoformat() if clock else 'real'}",
    ]
