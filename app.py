"""The HeardBack application factory."""

from __future__ import annotations

import logging
import os
import re
import secrets
import time
from io import BytesIO
from pathlib import Path
from typing import Any

from flask import Flask, Request, g, has_app_context, has_request_context, request
from sqlalchemy import event, select
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.routing import IntegerConverter

import accounts
import accounts.models
import accounts.routes
import api
import api.routes
import applications
import applications.models
import applications.reminder_routes
import applications.routes
import applications.transfer
import applications.transfer_routes
import caching
import employers
import employers.models
import employers.routes
import errors
import moderation
import moderation.audit
import moderation.audit_routes
import moderation.claim_routes
import moderation.flag_routes
import moderation.merge_routes
import moderation.models
import moderation.notice_routes
import moderation.queue_routes
import moderation.suspension_routes
import moderation.transparency_routes
import notifications.models  # noqa: F401  (its tables belong to the schema)
import pages
import pages.routes
import proofs
import proofs.models
import proofs.routes
import representatives
import representatives.claim_routes
import representatives.models
import representatives.routes
import representatives.team_routes
import responses
import responses.models
import responses.routes
import reviews
import reviews.models
import reviews.reminder_routes
import reviews.routes
import scoring.models  # noqa: F401  (its tables belong to the schema)
import security
import templating
import textnorm
from cli import heardback_cli
from config import Config, ProductionConfig, config_from_environment, environment_overrides
from employers.models import Employer
from extensions import MIGRATIONS_DIRECTORY, csrf, db, include_object, limiter, login_manager
from notifications import mail
from reviews import names

# The blueprints in the order they are registered. Each package's __init__ holds its blueprint and
# nothing else; the imports of its route modules above register the views on it. Every model module
# is imported above, so the metadata (and Alembic's autogenerate) sees the whole schema.
BLUEPRINTS = (
    pages.bp,
    accounts.bp,
    employers.bp,
    reviews.bp,
    api.bp,
    api.badges,
    representatives.bp,
    responses.bp,
    moderation.bp,
    proofs.bp,
    applications.bp,
)

# Endpoints that take a larger body than MAX_CONTENT_LENGTH: the proof page's saved message.
# The review form's preview can carry one too (the proof is checked once the review is saved).
LARGE_BODIES = {
    "proofs.attach": proofs.routes.BODY_LIMIT,
    "reviews.new": proofs.routes.BODY_LIMIT,
    "reviews.edit": proofs.routes.BODY_LIMIT,
    # The tracker's CSV import: the file, then the steps that carry it as a signed token.
    "applications.import_upload": applications.transfer.MAX_FILE_BYTES + 64 * 1024,
    "applications.import_preview": applications.transfer.BODY_LIMIT,
    "applications.import_confirm": applications.transfer.BODY_LIMIT,
}


class InMemoryRequest(Request):
    """Uploaded files stay in memory, never in a temporary file: a saved message sent as proof
    of contact must not touch the disk (DESIGN.md §12). Bodies are bounded (MAX_CONTENT_LENGTH,
    LARGE_BODIES), so memory is too."""

    def _get_file_stream(
        self, total_content_length, content_type, filename=None, content_length=None
    ):
        return BytesIO()


def _large_body_limits() -> None:
    limit = LARGE_BODIES.get(request.endpoint or "")
    if limit:
        request.max_content_length = limit
        request.max_form_memory_size = limit


READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def create_app(
    config: type[Config] | dict[str, Any] | None = None, *, serving: bool = False
) -> Flask:
    """Build the app. `config` is a Config class, or a dict of overrides on the environment's.

    `serving`: the app only answers requests (gunicorn.conf.py), so it leaves out the migration
    commands (`flask db`), whose Alembic (with Mako and Pygments) would hold about 10 MB in every
    server for nothing."""
    app = Flask(__name__, instance_relative_config=True)
    app.request_class = InMemoryRequest
    config_class = config if isinstance(config, type) else config_from_environment()
    app.config.from_object(config_class)
    app.config.update(environment_overrides(config_class))
    if isinstance(config, dict):
        app.config.update(config)

    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    _check_production(app, config_class)
    _fill_defaults(app)
    _configure_logging(app)
    if app.config.get("LOG_REQUESTS"):
        app.before_request_funcs.setdefault(None, []).insert(0, _start_timer)
        app.after_request(_log_request)

    db.init_app(app)
    if not serving:
        _add_migration_commands(app)
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    security.init_app(app)
    mail.init_app(app)
    caching.init_app(app)
    with app.app_context():
        _configure_engine(app)

    # <int:...> URL segments fit the integer columns they look up; a larger number is a 404, not
    # an "integer out of range" from the database (found by tests/functional/test_fuzz.py).
    app.url_map.converters["int"] = BoundedIntegerConverter
    _register_blueprints(app)
    # Before CSRFProtect's check, which reads the form (security.init_app put its own first).
    app.before_request_funcs.setdefault(None, []).insert(1, _large_body_limits)
    templating.init_app(app)

    errors.init_app(app)
    app.cli.add_command(heardback_cli)
    if not app.testing:
        # The scrubber's name lists and lookalike table (reviews.names, textnorm) take ~0.2 s to
        # read: at start-up, not in the first request that previews a review. Tests load them
        # when first needed.
        names.warm_up()
        textnorm.fold("\u0430")
    return app


# Anonymous pages every worker serves: rendered once in the server's master before it forks
# (`warm_up`), so what a first request builds (compiled templates and SQL, lazily made caches) is
# shared by the workers instead of built again in each.
WARM_UP_PATHS = (
    "/healthz",
    "/",
    "/rankings",
    "/employers",
    "/employers?q=a",
    "/methodology",
    "/api/v1/employers",
    "/api/v1/baselines",
)


def _add_migration_commands(app: Flask) -> None:
    """Flask-Migrate: `flask db upgrade` and the rest, and what migrations/env.py reads."""
    from flask_migrate import Migrate

    Migrate(
        app,
        db,
        directory=str(MIGRATIONS_DIRECTORY),
        compare_type=True,
        render_as_batch=True,
        include_object=include_object,
    )


def warm_up(app: Flask) -> int:
    """Compile every template and serve WARM_UP_PATHS and one employer's page and API entry to
    no one (gunicorn.conf.py, before the first fork); then close the database connections, which
    a forked worker must not share. Returns how many of those requests succeeded; a failure (no
    database yet) leaves the server to start cold."""
    templating.compile_all(app)
    served = 0
    try:
        with app.app_context():
            slug = db.session.scalar(
                select(Employer.slug).where(Employer.listed_at.is_not(None)).limit(1)
            )
            db.session.remove()
        paths = [*WARM_UP_PATHS]
        if slug:
            paths += [f"/employers/{slug}", f"/api/v1/employers/{slug}"]
        client = app.test_client()
        for path in paths:
            served += client.get(path).status_code < 400
    except SQLAlchemyError:
        app.logger.warning("warm-up skipped: the database is not ready", exc_info=True)
    finally:
        with app.app_context():
            db.engine.dispose()
    return served


class BoundedIntegerConverter(IntegerConverter):
    """Werkzeug's int converter, bounded by the largest id a 32-bit INTEGER column holds."""

    def __init__(self, map, *args, **kwargs) -> None:
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def _check_production(app: Flask, config_class: type[Config]) -> None:
    """Production refuses to start on the conveniences meant for a developer's machine."""
    if not issubclass(config_class, ProductionConfig):
        return
    missing = [
        name
        for name, value in [
            ("SECRET_KEY", app.config.get("SECRET_KEY")),
            ("DATABASE_URL", app.config.get("SQLALCHEMY_DATABASE_URI")),
            ("REDIS_URL", app.config.get("REDIS_URL")),
        ]
        if not value
    ]
    if missing:
        raise RuntimeError(
            "Production configuration needs " + ", ".join(missing) + " in the environment "
            "(see README.md, Configuration). Refusing to start with development defaults."
        )
    if len(app.config["SECRET_KEY"]) < 32:
        raise RuntimeError("SECRET_KEY must be at least 32 characters in production.")


def _fill_defaults(app: Flask) -> None:
    """The embedded default: SQLite and a generated secret key, both kept in instance/."""
    instance = Path(app.instance_path)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret_key(instance / "secret_key")
    uri = app.config.get("SQLALCHEMY_DATABASE_URI")
    if not uri:
        uri = f"sqlite:///{instance / 'heardback.sqlite3'}"
    app.config["SQLALCHEMY_DATABASE_URI"] = _with_driver(uri)
    if not app.config.get("RATELIMIT_STORAGE_URI"):
        app.config["RATELIMIT_STORAGE_URI"] = app.config.get("REDIS_URL") or "memory://"


def _with_driver(uri: str) -> str:
    """postgres:// and postgresql:// URLs use psycopg 3, the driver this project installs."""
    for prefix in ("postgres://", "postgresql://"):
        if uri.startswith(prefix):
            return "postgresql+psycopg://" + uri[len(prefix) :]
    return uri


def _instance_secret_key(path: Path) -> str:
    if path.exists():
        key = path.read_text().strip()
        if key:
            return key
    key = secrets.token_hex(32)
    # Created with owner-only permissions; O_EXCL so two workers starting at once agree.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def _configure_logging(app: Flask) -> None:
    level = getattr(logging, str(app.config.get("LOG_LEVEL", "INFO")).upper(), logging.INFO)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # Werkzeug's access log prints client addresses; HeardBack keeps none (DESIGN.md §5.1).
    logging.getLogger("werkzeug").setLevel(logging.WARNING)


request_log = logging.getLogger("heardback.requests")
# URL variables logged as they are: public and naming no person. Any other (tokens, review ids,
# moderation pseudonyms) is logged as its name, e.g. /verify-email/<token> (DESIGN.md §5.1).
LOGGED_URL_VARIABLES = frozenset({"slug", "filename"})
URL_VARIABLE = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")
# A logged value, segment or query parameter name: plain words only (never an address typed into
# the URL, e.g. /employers/someone@example.org, nor a long number such as a phone number).
LOGGABLE = re.compile(r"(?=.*[^\d])[A-Za-z0-9._/-]{1,100}|\d{1,6}")


def _start_timer() -> None:
    g.request_started = time.perf_counter()


def _log_request(response):
    """One line per request: method, masked path, status, milliseconds. No client address, no
    account, no query values, no token (the access log werkzeug would write has the address)."""
    started = g.get("request_started")
    elapsed = (time.perf_counter() - started) * 1000 if started else 0.0
    request_log.info(
        "%s %s %d %.0f ms", request.method, _loggable_path(), response.status_code, elapsed
    )
    return response


def _loggable_path() -> str:
    rule = request.url_rule
    if rule is None:  # no route: only the first segment, in case the rest carries a token
        first, _, rest = request.path.lstrip("/").partition("/")
        path = "/" + (first if _loggable(first) else "…") + ("/…" if rest else "")
    else:
        values = request.view_args or {}

        def shown(match: re.Match) -> str:
            name = match.group(1)
            value = values.get(name)
            if isinstance(value, int) or (name in LOGGED_URL_VARIABLES and _loggable(value)):
                return str(value)
            return f"<{name}>"

        path = URL_VARIABLE.sub(shown, rule.rule)
    if request.args:
        names = [name if _loggable(name) else "…" for name in list(request.args)[:10]]
        path += "?" + "&".join(f"{name}=…" for name in names)
    return path


def _loggable(value: object) -> bool:
    return isinstance(value, str) and LOGGABLE.fullmatch(value) is not None


def _configure_engine(app: Flask) -> None:
    engine = db.engine
    if engine.dialect.name != "sqlite":
        return
    busy_timeout = int(app.config["SQLITE_BUSY_TIMEOUT_MS"])

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin (below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {busy_timeout}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        # A write transaction takes the write lock at BEGIN, where busy_timeout makes it wait its
        # turn; a deferred one that reads and then writes fails at once with "database is locked"
        # if another worker wrote in between. Reads stay deferred so they never queue.
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _writing() else "BEGIN")


def _writing() -> bool:
    if not has_request_context():
        # CLI commands and scripts, except a process that only reads (g.db_read_only: the
        # processes scoring.stats.recompute forks, which read while their parent writes).
        return not (has_app_context() and g.get("db_read_only", False))
    return request.method not in READ_METHODS or g.get("db_write", False)


def _register_blueprints(app: Flask) -> None:
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
