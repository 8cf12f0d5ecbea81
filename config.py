"""Configuration, read from the environment.

`create_app()` picks a class by `HEARDBACK_CONFIG` (or `FLASK_ENV`): `development` (the default),
`testing` or `production`. Every setting can be overridden by an environment variable of the same
name; the README lists them.
"""

from __future__ import annotations

import os
from datetime import timedelta


class Config:
    NAME = "base"
    # Set from the environment or, outside production, generated once and kept in instance/.
    SECRET_KEY: str | None = None
    # None means "SQLite in instance/" (filled in by create_app, which knows the instance path).
    SQLALCHEMY_DATABASE_URI: str | None = None
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    SQLITE_BUSY_TIMEOUT_MS = 15_000

    REDIS_URL: str | None = None

    # Request size: a review with every field filled is well under 64 KB; 1 MB leaves room and
    # stops a 10 MB body before it is parsed.
    MAX_CONTENT_LENGTH = 1024 * 1024

    # Sessions: server-side records (accounts.models.LoginSession) make sign-out final.
    PERMANENT_SESSION_LIFETIME = timedelta(days=30)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PREFERRED_URL_SCHEME = "http"
    # Absolute links in emails: taken from SERVER_NAME-less config so links work behind a proxy.
    # Unset, it follows PORT (and HOST) where those are in the environment, as `make run` and
    # `make tick` use them, so a command's links point at the server's port (site_url_default).
    SITE_URL = "http://127.0.0.1:5000"

    # CSRF tokens live as long as the session, so a long write-up never loses its token.
    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None

    # Email: "outbox" writes .eml files to instance/outbox and logs them; "smtp" sends.
    MAIL_BACKEND = "outbox"
    MAIL_SERVER = "localhost"
    MAIL_PORT = 25
    MAIL_USERNAME = None
    MAIL_PASSWORD = None
    MAIL_USE_TLS = False
    MAIL_USE_SSL = False
    MAIL_DEFAULT_SENDER = "HeardBack <no-reply@heardback.test>"
    # Where a suspended member writes to appeal (shown on sign-in and in the suspension email).
    MODERATION_CONTACT = "moderation@heardback.test"
    MAIL_OUTBOX_DIR: str | None = None
    # Requests queue their mail (notifications.mail). On: the queue is delivered right after a
    # response that queued mail has been sent (development and tests: no worker to run). Off, as
    # in production: `flask heardback send-mail --loop` or `tick` sends it.
    MAIL_SEND_AFTER_RESPONSE = False

    # argon2id cost: OWASP's first recommended profile (19 MiB, 2 passes, 1 lane). RFC 9106's
    # 64 MiB profile took a worker to 152 MB while it hashed a sign-in, over DESIGN.md §11's
    # 150 MB per worker (docs/benchmarks.md); OWASP rates the two as equally strong.
    ARGON2_TIME_COST = 2
    ARGON2_MEMORY_COST = 19456  # KiB
    ARGON2_PARALLELISM = 1

    # Token lifetimes (seconds).
    EMAIL_VERIFY_MAX_AGE = 3 * 24 * 3600
    PASSWORD_RESET_MAX_AGE = 3600
    EMAIL_CHANGE_MAX_AGE = 24 * 3600
    # A claim's emailed link (DESIGN.md §7: valid 24 hours, single-use).
    CLAIM_LINK_HOURS = 24

    # Rate limits (Flask-Limiter syntax). Keys are an HMAC of the client address, never the
    # address itself (DESIGN.md §5.5).
    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI: str | None = None
    RATELIMIT_KEY_PREFIX = "heardback"
    # No X-RateLimit-* headers: public API and badge responses are cacheable, and a shared cache
    # would hand one client's counters to everyone. A 429 still says when to retry (Retry-After).
    RATELIMIT_HEADERS_ENABLED = False
    # If Redis stops, limits fail open to each process's own memory (still limited, per process)
    # instead of failing every request; Flask-Limiter goes back to Redis when it answers again.
    # Short timeouts, so an unreachable Redis costs a request half a second at most, not a hang.
    RATELIMIT_SWALLOW_ERRORS = True
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_STORAGE_OPTIONS = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
    RATELIMIT_SIGN_IN = "10 per minute; 60 per hour"
    # Failed sign-ins per email address *and* client, so guesses from elsewhere don't lock the
    # owner out; and a ceiling per address across all clients, which a browser that signed in to
    # the account before (the hb_device cookie) skips.
    RATELIMIT_SIGN_IN_PER_EMAIL = "5 per minute; 20 per hour"
    RATELIMIT_SIGN_IN_PER_EMAIL_ALL_CLIENTS = "50 per hour"
    RATELIMIT_SIGN_UP = "5 per minute; 20 per day"
    RATELIMIT_RESET = "5 per minute; 20 per day"
    RATELIMIT_REVIEW = "10 per hour; 30 per day"  # per account and per client, separately
    RATELIMIT_EMPLOYER_CREATE = "10 per hour"
    # Flags of reviews and responses, per account (DESIGN.md §8): enough for honest use, not for
    # flooding the moderators' queue.
    RATELIMIT_FLAG = "20 per day"
    # Claims email a link to an address on the employer's domain: per client and per account.
    RATELIMIT_CLAIM = "5 per hour"
    # Per client on /api/v1 and the badges: shared caches absorb most traffic; this stops one
    # client crawling the origin flat out.
    RATELIMIT_API = "120 per minute"
    # Legal notices about a review, per client (an HMAC of the address): each one emails the
    # notifier and the review's author, so a handful a day; only accepted notices count.
    RATELIMIT_NOTICE = "5 per day"

    # Reviews become public at a random moment this many hours after submission (DESIGN.md §5.2).
    REVIEW_PUBLISH_DELAY_MIN_HOURS = 72
    REVIEW_PUBLISH_DELAY_MAX_HOURS = 240
    # ... and never before the author's account is this many hours old (reviews.publication).
    REVIEW_MIN_ACCOUNT_AGE_HOURS = 24

    # Proof of contact (proofs/): seconds per DNS query for a DKIM key; uploads per account.
    DKIM_DNS_TIMEOUT = 3
    RATELIMIT_PROOF = "20 per day"

    # The page store (caching.py): rendered anonymous pages kept under their ETag, in Redis where
    # REDIS_URL is set. An entry outlives no change (the ETag changes with the data); this only
    # bounds how long an unused one takes space.
    PAGE_STORE_ENABLED = True
    # Part of every ETag and page-store key (caching.release); unset, the version plus a digest
    # of the code and templates, which changes with any deploy that changes a page.
    RELEASE: str | None = None
    PAGE_STORE_SECONDS = 24 * 3600
    # The hot copy (caching.py): each process answers a page it served from memory for this many
    # seconds after its ETag was last found current (0: off), keeping this many pages, and no
    # more than this many bytes of them: every worker keeps its own copies (issue 19: 256 employer
    # pages of ~22 KB were 5.6 MB a worker; the hot pages are a few).
    HOT_PAGE_SECONDS = 1.0
    HOT_PAGE_ENTRIES = 256
    HOT_PAGE_BYTES = 1_000_000

    # How many proxies in front of the app may set X-Forwarded-For (0: trust none).
    TRUSTED_PROXIES = 0

    # Security headers; HSTS only where the site is served over HTTPS.
    HSTS_ENABLED = False

    LOG_LEVEL = "INFO"
    # One line per request (app._log_request): method, path with private parts masked, status, ms.
    LOG_REQUESTS = True


class DevelopmentConfig(Config):
    NAME = "development"
    MAIL_SEND_AFTER_RESPONSE = True


class TestConfig(Config):
    NAME = "testing"
    TESTING = True
    SECRET_KEY = "test-secret-key-not-for-production"  # noqa: S105
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    MAIL_BACKEND = "memory"
    MAIL_SEND_AFTER_RESPONSE = True
    RATELIMIT_STORAGE_URI = None
    # Still argon2id, at a cost that keeps the suite fast.
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 1024
    ARGON2_PARALLELISM = 1
    # Generous limits so ordinary tests never trip them; rate-limit tests set their own.
    RATELIMIT_SIGN_IN = "1000 per minute"
    RATELIMIT_SIGN_IN_PER_EMAIL = "1000 per minute"
    RATELIMIT_SIGN_IN_PER_EMAIL_ALL_CLIENTS = "1000 per minute"
    RATELIMIT_SIGN_UP = "1000 per minute"
    RATELIMIT_RESET = "1000 per minute"
    RATELIMIT_REVIEW = "1000 per minute"
    RATELIMIT_EMPLOYER_CREATE = "1000 per minute"
    RATELIMIT_CLAIM = "1000 per minute"
    SITE_URL = "http://localhost"
    # Tests change data and read the page at once; tests/functional/test_hot_pages.py turns the
    # hot copy on and moves its clock.
    HOT_PAGE_SECONDS = 0.0


class ProductionConfig(Config):
    NAME = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"
    HSTS_ENABLED = True
    MAIL_BACKEND = "smtp"


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "testing": TestConfig,
    "production": ProductionConfig,
}


# Environment variables whose name differs from the setting they fill.
RENAMED = {"DATABASE_URL": "SQLALCHEMY_DATABASE_URI"}
# The test suite reads only these, so a developer's own DATABASE_URL never reaches a test.
TEST_ENVIRONMENT = {
    "TEST_DATABASE_URL": "SQLALCHEMY_DATABASE_URI",
    "TEST_REDIS_URL": "REDIS_URL",
}


def config_from_environment() -> type[Config]:
    name = os.environ.get("HEARDBACK_CONFIG") or os.environ.get("FLASK_ENV") or "development"
    try:
        return CONFIGS[name.strip().lower()]
    except KeyError:
        raise RuntimeError(
            f"Unknown configuration {name!r}: use one of {', '.join(CONFIGS)}"
        ) from None


def _coerce(raw: str, default: object) -> object:
    if isinstance(default, bool):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, timedelta):
        return timedelta(days=int(raw))
    return raw


def environment_overrides(cls: type[Config], environ: dict[str, str] | None = None) -> dict:
    """Settings from environment variables named like the setting (or as in RENAMED).

    Values take the type of the class default (`MAIL_PORT=587` becomes an int), and an empty
    variable counts as unset.
    """
    environ = os.environ if environ is None else environ
    if issubclass(cls, TestConfig):
        # Tests read only TEST_* variables, and never over a setting a test sets on its own
        # subclass (tests/conftest.py make_app), e.g. the migration test's scratch database.
        names = {
            variable: setting
            for variable, setting in TEST_ENVIRONMENT.items()
            if cls is TestConfig or setting not in vars(cls)
        }
    else:
        names = {
            name: name
            for name in dir(cls)
            if name.isupper() and name != "NAME" and not isinstance(getattr(cls, name), dict)
        } | RENAMED
    overrides = {}
    if "SITE_URL" in names and not environ.get("SITE_URL"):
        site_url = site_url_default(environ)
        if site_url:
            overrides["SITE_URL"] = site_url
    for variable, setting in names.items():
        raw = environ.get(variable)
        if raw in (None, ""):
            continue
        overrides[setting] = _coerce(raw, getattr(cls, setting, None))
    return overrides


def site_url_default(environ) -> str | None:
    """http://HOST:PORT from the environment's PORT (or FLASK_RUN_PORT), the address `make run`
    serves, where SITE_URL itself is unset; None without a usable port. A wildcard or missing
    host means the local machine (127.0.0.1)."""
    port = (environ.get("PORT") or environ.get("FLASK_RUN_PORT") or "").strip()
    if not port.isdigit() or not 0 < int(port) < 65536:
        return None
    host = (environ.get("HOST") or environ.get("FLASK_RUN_HOST") or "").strip()
    if host in ("", "0.0.0.0", "::", "[::]") or any(c in host for c in "/@?# "):  # noqa: S104
        host = "127.0.0.1"
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"  # an IPv6 address
    return f"http://{host}:{int(port)}"
