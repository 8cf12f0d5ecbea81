"""HTTP caching of public GET responses: Cache-Control, ETag, Last-Modified and 304s.

DESIGN.md §11 wants anonymous pages cheap to serve and revalidations answered 304. Anonymous
responses are the same for everyone, so a CDN may share them; a request that carries a session or
remember-me cookie gets `Cache-Control: private, no-cache` instead (the browser keeps its copy but
asks every time; no shared cache stores it). Every response says `Vary: Cookie`.

Usage: one decorator per view, and, where the view can say cheaply what its response depends on,
one call before the expensive work:

    import caching

    @bp.get("/employers/<slug>")
    @caching.cached
    def employer_page(slug):
        employer, moved_to = services.get_by_slug(slug)
        ...
        caching.validate(employer.name, employer.stats.updated_at,
                         last_modified=employer.stats.updated_at)
        ...  # the queries and the rendering a revalidation skips
        return render_template(...)

- `@cached` alone sets Cache-Control and, on a 200 that is not streamed, a weak ETag hashed from
  the body, answering 304 when If-None-Match matches. That saves bandwidth but not work: the view
  ran. Always correct, because the body is what it hashes.
- `validate(*parts, last_modified=None)` in a `@cached` view: the ETag is a keyed hash of `parts`
  (with the release and the URL), and a matching If-None-Match stops the view right there with a
  304, before anything is rendered. `parts` must cover everything the response shows: the
  statistics row's `updated_at` covers its figures, but not a review's text (a moderator's
  redaction doesn't touch the row), so a page that shows review text hashes its body instead, or
  adds a version that changes with the text. Anything shown that depends on the day (e.g. "no
  reply for 40+ days") needs `timeutils.today()` among the parts. Signed-in requests skip the
  early 304 (their pages differ per person) and get the body hash.

Anonymity (DESIGN.md §5.2, public dates are months): `Last-Modified` is the first moment of the
month of `last_modified`, never the time itself, and If-Modified-Since is answered 304 only from
the start of the following month on, so probing it with dates can't recover the time of a change
(which could be the moment an author updated a review). ETags are keyed hashes (HMAC with the
secret key), so they can't be matched against guessed timestamps either.

The page store (DESIGN.md §11 throughput): an anonymous 200 of a view that called
`validate()` is kept under its ETag (in Redis where REDIS_URL is set, shared by every process;
else in the process's memory), and the next anonymous request with the same ETag is answered from
it without running the rest of the view. The ETag already names everything the page depends on,
so a stored page is exactly what rendering would give; when the data changes, the ETag changes
and the old entry is never asked for again (it expires). A failing store is a miss, never an
error. `site_version()` is the validator part for pages built from many employers (home, search,
rankings): the newest statistics row's updated_at, one indexed lookup. A page-store hit is not
written back (issue 19: it used to rewrite 12-17 KB to Redis on every hit).

The hot copy (issue 19, "hot anonymous pages at static speed"): each process also keeps its most
recently served anonymous pages (HOT_PAGE_ENTRIES of them, HOT_PAGE_BYTES at most) by URL, with
the ETag they were served under and when that ETag was last found current. For HOT_PAGE_SECONDS
after that check the page is answered from memory (a 304 where If-None-Match matches) without
running the view, not even its validator query; after that the view's validate() runs again,
and an unchanged ETag renews the copy without rendering or reading the store. So a page is never
more than HOT_PAGE_SECONDS older than the data (a review published now shows within that
interval), and a hot page costs no query at all. Signed-in requests never use it (they skip
validate() altogether).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import logging
import threading
import time
import tomllib
import warnings
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, g, request, session
from flask_caching import Cache
from flask_login.config import COOKIE_NAME as DEFAULT_REMEMBER_COOKIE_NAME
from sqlalchemy import select

from employers.models import Employer, EmployerStats, listed
from extensions import db

log = logging.getLogger(__name__)
pages = Cache()

# Anonymous responses: a browser reuses one for a minute, a CDN for five (s-maxage), and either
# may serve a stale copy for another minute while it revalidates in the background. Public
# figures move with reviews that appear 3-10 days after they are written (DESIGN.md §5.2), so a
# few minutes of staleness cost nothing; a short browser max-age keeps a visitor's own update or
# a moderator's redaction from lingering.
PUBLIC_MAX_AGE = 60
SHARED_MAX_AGE = 300
STALE_WHILE_REVALIDATE = 60
PUBLIC_CACHE_CONTROL = (
    f"public, max-age={PUBLIC_MAX_AGE}, s-maxage={SHARED_MAX_AGE}, "
    f"stale-while-revalidate={STALE_WHILE_REVALIDATE}"
)
# Requests with a session: the browser may keep the page but must revalidate it every time, and
# shared caches must not store it (it may name the account, carry a CSRF token or a Set-Cookie).
PRIVATE_CACHE_CONTROL = "private, no-cache"

_ACTIVE = "_caching_active"
_VALIDATOR = "_caching_validator"
_FROM_STORE = "_caching_from_store"  # the response came from the page store: don't write it back
_PYPROJECT = Path(__file__).with_name("pyproject.toml")


class _NotModified(Exception):
    """Raised by validate() to end a @cached view early with a 304."""

    def __init__(self, response: Response):
        super().__init__("not modified")
        self.response = response


@dataclass(frozen=True)
class _Hot:
    """A page served recently, as the hot copy keeps it."""

    etag: str
    last_modified: datetime | None
    mimetype: str
    body: bytes
    checked: float  # clock() when its ETag was last found current


class HotPages:
    """The process's hot copies, by URL, least recently used first out (thread-safe)."""

    def __init__(self) -> None:
        self._entries: OrderedDict[str, _Hot] = OrderedDict()
        self._bytes = 0  # the bodies' total
        self._lock = threading.Lock()

    def get(self, key: str) -> _Hot | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, key: str, entry: _Hot, limit: int, limit_bytes: int) -> None:
        """Keep the entry, then drop the least recently used while there are more than `limit`
        entries or their bodies hold more than `limit_bytes` (the newest always stays)."""
        with self._lock:
            replaced = self._entries.pop(key, None)
            if replaced is not None:
                self._bytes -= len(replaced.body)
            self._entries[key] = entry
            self._bytes += len(entry.body)
            while len(self._entries) > 1 and (
                len(self._entries) > limit or self._bytes > limit_bytes
            ):
                _, dropped = self._entries.popitem(last=False)
                self._bytes -= len(dropped.body)

    def size(self) -> int:
        """The bodies' total, in bytes."""
        with self._lock:
            return self._bytes

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)


hot_pages = HotPages()
clock = time.monotonic  # a module attribute, so a test can move time


def _hot_seconds() -> float:
    config = current_app.config  # a bare Flask app (tests/unit/test_caching.py) has neither
    if not config.get("PAGE_STORE_ENABLED", False):
        return 0.0
    return float(config.get("HOT_PAGE_SECONDS") or 0)


def _hot_entry() -> _Hot | None:
    """This URL's hot copy, however old, if hot copies are on and the request is anonymous."""
    if _hot_seconds() <= 0 or personalised():
        return None
    return hot_pages.get(_hot_key())


def _hot_answer() -> Response | None:
    """The hot copy of this URL if it was checked less than HOT_PAGE_SECONDS ago."""
    entry = _hot_entry()
    if entry is None or clock() - entry.checked >= _hot_seconds():
        return None
    return _answer(entry.etag, entry.last_modified, entry.mimetype, entry.body)


def _answer(etag: str, last_modified: datetime | None, mimetype: str, body: bytes) -> Response:
    """A kept page as a 304 (the client's copy is current) or a 200 with its body."""
    if _still_current(etag, last_modified):
        response = Response(status=304)
    else:
        response = Response(body, mimetype=mimetype)
    _set_validators(response, etag, last_modified)
    return response


def _keep_hot(etag: str, last_modified: datetime | None, mimetype: str, body: bytes) -> None:
    if _hot_seconds() > 0:
        entry = _Hot(etag, last_modified, mimetype, body, clock())
        config = current_app.config
        hot_pages.put(_hot_key(), entry, config["HOT_PAGE_ENTRIES"], config["HOT_PAGE_BYTES"])


def _hot_key() -> str:
    # The app too: a process may hold several (the tests make one per test).
    return f"{id(current_app._get_current_object())}:{request.full_path}"


def cached(view: Callable[..., Any]) -> Callable[..., Any]:
    """Decorate a GET view: caching headers on its responses, 304 on a matching revalidation."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return view(*args, **kwargs)
        g.pop(_VALIDATOR, None)
        g.pop(_FROM_STORE, None)
        hot = _hot_answer()
        if hot is not None:
            setattr(g, _FROM_STORE, True)
            return _finish(hot, None)
        setattr(g, _ACTIVE, True)
        try:
            response = current_app.make_response(view(*args, **kwargs))
        except _NotModified as stop:
            response = stop.response
        finally:
            g.pop(_ACTIVE, None)
        return _finish(response, g.pop(_VALIDATOR, None))

    return wrapper


def validate(*parts: object, last_modified: datetime | None = None) -> None:
    """Declare what the response depends on; a current revalidation ends the view with a 304.

    `parts`: values whose change must change the response (row timestamps, names, the page
    number...); `last_modified`: when the newest of them changed, as naive UTC (a stored time).
    For signed-in requests this does nothing (see the module docstring).
    """
    if not g.get(_ACTIVE):
        raise RuntimeError("caching.validate() works only inside a view decorated with @cached")
    if personalised():
        return
    etag = _keyed_hash(release(), request.full_path, *parts)
    setattr(g, _VALIDATOR, (etag, last_modified))
    hot = _hot_entry()
    if hot is not None and hot.etag == etag:
        # Still current: renew the copy's check, answer without rendering or reading the store.
        _keep_hot(etag, last_modified, hot.mimetype, hot.body)
        setattr(g, _FROM_STORE, True)
        raise _NotModified(_answer(etag, last_modified, hot.mimetype, hot.body))
    if _still_current(etag, last_modified):
        response = Response(status=304)
        _set_validators(response, etag, last_modified)
        raise _NotModified(response)
    stored = _stored_page(etag) if request.method == "GET" else None
    if stored is not None:
        mimetype, body = stored
        _keep_hot(etag, last_modified, mimetype, body)
        setattr(g, _FROM_STORE, True)
        raise _NotModified(_answer(etag, last_modified, mimetype, body))


def init_app(app: Flask) -> None:
    """The page store: Redis where REDIS_URL is set (shared by every process), else memory."""
    redis_url = app.config.get("REDIS_URL")
    settings = {
        "CACHE_DEFAULT_TIMEOUT": app.config["PAGE_STORE_SECONDS"],
        "CACHE_KEY_PREFIX": app.config["RATELIMIT_KEY_PREFIX"] + "-page:",
    }
    if not app.config["PAGE_STORE_ENABLED"]:
        settings["CACHE_TYPE"] = "NullCache"
    elif redis_url:
        settings |= {
            "CACHE_TYPE": "RedisCache",
            "CACHE_REDIS_URL": redis_url,
            "CACHE_OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    else:
        settings |= {"CACHE_TYPE": "SimpleCache", "CACHE_THRESHOLD": 500}
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Flask-Caching: CACHE_TYPE is set to NullCache")
        pages.init_app(app, config=settings)


def site_version() -> object:
    """What pages about many employers depend on: the newest statistics row's updated_at (any
    review published, edited, hidden or answered, any employer added or merged moves it)."""
    # Listed employers only: adding an employer must not move the public pages (§5.8). Newest
    # first with a LIMIT, so the updated_at index is read backwards and stops at the first row.
    return db.session.scalar(
        select(EmployerStats.updated_at)
        .join(Employer, Employer.id == EmployerStats.employer_id)
        .where(listed())
        .order_by(EmployerStats.updated_at.desc())
        .limit(1)
    )


def _stored_page(etag: str) -> tuple[str, bytes] | None:
    try:
        return pages.get(etag)
    except Exception:  # the store is down: render instead
        log.warning("Page store unavailable; rendering", exc_info=True)
        return None


def _store_page(etag: str, response: Response) -> None:
    try:
        pages.set(etag, (response.mimetype, response.get_data()))
    except Exception:
        log.warning("Page store unavailable; page not kept", exc_info=True)


def personalised() -> bool:
    """Whether the request carries a session or remember-me cookie (its pages may differ)."""
    config = current_app.config
    names = (
        config["SESSION_COOKIE_NAME"],
        config.get("REMEMBER_COOKIE_NAME", DEFAULT_REMEMBER_COOKIE_NAME),
    )
    return any(request.cookies.get(name) for name in names)


@functools.cache
def _project_version() -> str:
    """pyproject.toml's version and a digest of the code and templates: a deploy that changes
    how any page renders changes every ETag, so no browser, CDN or page store keeps old HTML."""
    try:
        version = tomllib.loads(_PYPROJECT.read_text())["project"]["version"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        version = "unknown"
    digest = hashlib.sha256()
    root = _PYPROJECT.parent
    for path in sorted(
        [
            *root.glob("*.py"),
            *root.glob("*/*.py"),
            *root.glob("templates/**/*"),
            *root.glob("static/**/*"),
        ]
    ):
        if path.is_file() and not path.parts[len(root.parts)].startswith((".", "tests", "bench")):
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    return f"{version}+{digest.hexdigest()[:12]}"


def release() -> str:
    """Part of every ETag: config RELEASE where set (e.g. the commit), else the version and a
    digest of the code (_project_version)."""
    return str(current_app.config.get("RELEASE") or _project_version())


def _keyed_hash(*parts: object) -> str:
    secret = str(current_app.config["SECRET_KEY"]).encode()
    key = hmac.new(secret, b"heardback-etag", hashlib.sha256).digest()
    text = "\x1f".join("" if part is None else str(part) for part in parts)
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()[:32]


def month_start(moment: datetime) -> datetime:
    """The first instant (UTC) of the month of a naive-UTC or aware time."""
    moment = _as_utc(moment)
    return moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def next_month_start(moment: datetime) -> datetime:
    first = month_start(moment)
    if first.month == 12:
        return first.replace(year=first.year + 1, month=1)
    return first.replace(month=first.month + 1)


def _as_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _still_current(etag: str, last_modified: datetime | None) -> bool:
    # RFC 9110 §13.1.3: with If-None-Match present, If-Modified-Since is ignored.
    if request.if_none_match:
        return request.if_none_match.contains_weak(etag)
    since = request.if_modified_since
    if since is None or last_modified is None:
        return False
    # A date in the future is invalid (RFC 9110 §13.1.3) and ignored.
    return next_month_start(last_modified) <= since <= datetime.now(UTC)


def _set_validators(response: Response, etag: str, last_modified: datetime | None) -> None:
    response.set_etag(etag, weak=True)
    if last_modified is not None:
        response.last_modified = month_start(last_modified)


def _finish(response: Response, validator: tuple[str, datetime | None] | None) -> Response:
    if response.status_code >= 400:
        return response
    response.vary.add("Cookie")
    # A response that sets a cookie (say, a session begun by the view) must not be shared.
    private = personalised() or session.modified or "Set-Cookie" in response.headers
    response.headers["Cache-Control"] = PRIVATE_CACHE_CONTROL if private else PUBLIC_CACHE_CONTROL
    if response.status_code != 200:
        return response
    if g.pop(_FROM_STORE, False):
        return response  # a kept page: its validators are set, and it is stored already
    if validator is not None:
        _set_validators(response, *validator)
        if not private and request.method == "GET" and not response.is_streamed:
            _store_page(validator[0], response)
            _keep_hot(*validator, response.mimetype, response.get_data())
    elif not response.is_streamed:
        response.add_etag(weak=True)
        response.make_conditional(request)
    return response
