"""Two gunicorn servers, one PostgreSQL database, one Redis: any process can answer any request.

The deployment guide (docs/deployment.md) runs several gunicorn processes on several hosts behind
a load balancer, with every bit of shared state in PostgreSQL and Redis (DESIGN.md §10). Here two
real servers on two ports run the production configuration against a database of the test's
own, migrated with `flask db upgrade`, and one Redis under a key prefix of its own. Only the
cookies' Secure flag and the mail backend are changed, so that plain http on loopback works and
the verification email lands in a folder.

Everything goes through HTTP forms with CSRF on, switching servers the way a load balancer
would: sign up on A, confirm the email on B, add the employer on B, sign in and submit the
review on A; B shows it on the author's /me at once and on the employer's public pages once
`flask heardback tick` has published it. Then sign-in attempts alternating between A and B run
into one shared limit, which neither server reaches on its own count.
"""

from __future__ import annotations

import email
import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from contextlib import contextmanager, suppress
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from config import RENAMED, ProductionConfig

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "two servers, one database"
NARRATIVE = "they promised an answer within a week and we never heard from them again."
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


@pytest.fixture
def services():
    """(PostgreSQL server URL, Redis URL), or a skip (a failure where CI requires them)."""
    postgres = next(
        (
            os.environ[name]
            for name in ("TEST_POSTGRES_URL", "TEST_DATABASE_URL")
            if os.environ.get(name, "").startswith("postgresql")
        ),
        None,
    )
    redis = os.environ.get("TEST_REDIS_URL")
    for value, variable, requirement in [
        (postgres, "TEST_POSTGRES_URL", "HEARDBACK_REQUIRE_POSTGRES"),
        (redis, "TEST_REDIS_URL", "HEARDBACK_REQUIRE_REDIS"),
    ]:
        if not value and os.environ.get(requirement):
            pytest.fail(f"{requirement} is set but {variable} is not")
    if not (postgres and redis):
        pytest.skip("set TEST_POSTGRES_URL and TEST_REDIS_URL to run two servers on them")
    return postgres.replace("postgresql://", "postgresql+psycopg://", 1), redis


@contextmanager
def own_database(server_url: str):
    """A new, empty database on the test server, dropped afterwards (never the suite's own)."""
    name = f"heardback_multi_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = server_url.rsplit("/", 1)[0] + "/" + name
    engine = create_engine(url)
    try:
        yield url, engine
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _flask(environment: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "flask", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, f"flask {' '.join(args)}: {done.stdout}{done.stderr}"
    return done.stdout


@contextmanager
def gunicorn_servers(environment: dict[str, str], logs: Path, count: int = 2):
    """`count` gunicorn servers with one worker each; always stopped on the way out."""
    ports = [_free_port() for _ in range(count)]
    servers = []
    try:
        for port in ports:
            log = (logs / f"gunicorn-{port}.log").open("w")
            servers.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "gunicorn",
                        "--workers",
                        "1",
                        "--bind",
                        f"127.0.0.1:{port}",
                        # Its control socket has one default path per user: one would take
                        # over the other's (and another test's, or a developer's server).
                        "--no-control-socket",
                        "app:create_app(serving=True)",
                    ],
                    cwd=ROOT,
                    env=environment,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
            log.close()
        bases = [f"http://127.0.0.1:{port}" for port in ports]
        for base, server in zip(bases, servers, strict=True):
            _wait_until_up(base, server, logs / f"gunicorn-{base.rsplit(':', 1)[1]}.log")
        yield bases
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def _wait_until_up(base: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"{base} exited at start:\n{log.read_text()[-3000:]}")
        with suppress(OSError), urllib.request.urlopen(base + "/healthz", timeout=2):  # noqa: S310
            return
        time.sleep(0.1)
    raise AssertionError(f"{base} did not start:\n{log.read_text()[-3000:]}")


class Visitor:
    """One browser: a cookie jar shared by every server, as behind one load balancer's name."""

    def __init__(self) -> None:
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, url: str) -> tuple[int, str, str]:
        return self._open(urllib.request.Request(url))  # noqa: S310 (http on loopback)

    def submit(self, page: str, action: str, fields: dict[str, str]) -> tuple[int, str, str]:
        """Fill in the form shown at `page` (its CSRF token included) and post it to `action`."""
        status, body, _ = self.get(page)
        assert status == 200, f"{page}: {status}"
        token = next(group for group in CSRF.search(body).groups() if group)
        data = urllib.parse.urlencode({"csrf_token": token, **fields}).encode()
        return self._open(urllib.request.Request(action, data=data))  # noqa: S310

    def _open(self, request: urllib.request.Request) -> tuple[int, str, str]:
        """(status, body, final URL), following redirects."""
        try:
            with self.opener.open(request, timeout=10) as response:
                return response.status, response.read().decode(), response.url
        except urllib.error.HTTPError as error:
            with error:
                return error.code, error.read().decode(), error.url


def _verification_link(outbox: Path) -> str:
    (message_file,) = outbox.glob("*.eml")
    message = email.message_from_bytes(message_file.read_bytes())
    body = message.get_payload(decode=True).decode()
    return re.search(r"https?://\S+/verify-email/\S+", body).group(0)


def _environment(database_url: str, redis_url: str, tmp_path: Path, site: str) -> dict[str, str]:
    # Nothing of the developer's own settings (a RATELIMIT_STORAGE_URI, say) reaches the servers.
    settings = {name for name in dir(ProductionConfig) if name.isupper()} | set(RENAMED)
    inherited = {name: value for name, value in os.environ.items() if name not in settings}
    environment = {
        **inherited,
        "FLASK_APP": "app:create_app",
        "HEARDBACK_CONFIG": "production",
        "SECRET_KEY": "multi-process-test-" + uuid.uuid4().hex,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "RATELIMIT_KEY_PREFIX": f"multi-{uuid.uuid4().hex[:10]}",
        # Plain http on loopback: production's Secure cookies would never be sent back.
        "SESSION_COOKIE_SECURE": "false",
        "REMEMBER_COOKIE_SECURE": "false",
        "MAIL_BACKEND": "outbox",
        "MAIL_OUTBOX_DIR": str(tmp_path / "outbox"),
        "SITE_URL": site,
        # One fresh counter for the shared-limit part; the per-client limit out of its way.
        "RATELIMIT_SIGN_IN_PER_EMAIL": "3 per minute",
        "RATELIMIT_SIGN_IN": "100 per minute",
    }
    for name in ("FLASK_ENV", "FLASK_DEBUG"):
        environment.pop(name, None)
    return environment


def _review_fields() -> dict[str, str]:
    started = (date.today() - timedelta(days=75)).replace(day=1)
    return {
        "process_month": started.strftime("%Y-%m"),
        "stage": "interview",
        "outcome": "waiting",
        "last_contact_on": (started + timedelta(days=20)).isoformat(),
        "narrative": NARRATIVE,
        "action": "publish",
    }


def _delete_keys(redis_url: str, prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        keys = list(client.scan_iter(match=f"*{prefix}*", count=1000))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


def test_two_servers_share_the_database_and_the_rate_limits(tmp_path, services):
    server_url, redis_url = services
    with own_database(server_url) as (database_url, engine):
        environment = _environment(database_url, redis_url, tmp_path, site="http://127.0.0.1")
        _flask(environment, "db", "upgrade")
        try:
            with gunicorn_servers(environment, tmp_path) as (a, b):
                _review_through_a_is_seen_through_b(a, b, environment, engine, tmp_path)
                _sign_in_attempts_through_both_share_one_limit(a, b)
        finally:
            _delete_keys(redis_url, environment["RATELIMIT_KEY_PREFIX"])


def _review_through_a_is_seen_through_b(a, b, environment, engine, tmp_path) -> None:
    author = Visitor()
    address = f"multi-{uuid.uuid4().hex[:8]}@example.org"
    account = {"email": address, "password": PASSWORD}
    status, body, _ = author.submit(
        f"{a}/sign-up",
        f"{a}/sign-up",
        {**account, "password_confirm": PASSWORD, "accept": "y"},
    )
    assert status == 200 and "Check your inbox" in body, body[:2000]
    # Production queues mail; a worker sends it (`send-mail`), as in docs/deployment.md.
    _flask(environment, "heardback", "send-mail")
    link = _verification_link(tmp_path / "outbox")
    # Opened in another browser than the one that signed up: confirmed, not signed in (the
    # browser that signed up would be signed in, and the sign-in below is what is checked).
    status, body, _ = Visitor().get(b + "/" + link.split("://", 1)[1].split("/", 1)[1])
    assert status == 200 and "your email address is confirmed" in body, body[:2000]

    # Signed in through A with the form B served: one session, one CSRF secret for both.
    status, body, landed = author.submit(f"{b}/sign-in", f"{a}/sign-in", account)
    assert status == 200 and landed == f"{a}/", body[:2000]

    employer_name = f"Twoserver Fixtures {uuid.uuid4().hex[:6]}"
    status, body, landed = author.submit(
        f"{b}/employers/new", f"{b}/employers/new", {"name": employer_name}
    )
    assert status == 200 and "/reviews/new?employer=" in landed, body[:2000]
    slug = landed.split("employer=", 1)[1]

    form = f"{a}/reviews/new?employer={slug}"
    status, body, landed = author.submit(form, form, _review_fields())
    assert status == 200 and landed == f"{a}/me", body[:2000]

    status, mine, _ = author.get(f"{b}/me")
    assert status == 200 and employer_name in mine and "Scheduled" in mine
    public_id = re.search(r'href="/reviews/([A-Za-z0-9_-]{12})"', mine).group(1)
    visitor = Visitor()
    assert visitor.get(f"{b}/reviews/{public_id}")[0] == 404
    assert NARRATIVE not in visitor.get(f"{b}/employers/{slug}/reviews")[1]

    # Its moment comes (the delay is random, days away), and tick publishes it.
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE reviews SET publish_at = (now() AT TIME ZONE 'UTC') - interval '1 minute'")
        )
    assert "Published reviews: 1" in _flask(environment, "heardback", "tick")
    status, page, _ = visitor.get(f"{b}/employers/{slug}/reviews")
    assert status == 200 and NARRATIVE in page
    assert visitor.get(f"{b}/reviews/{public_id}")[0] == 200


def _sign_in_attempts_through_both_share_one_limit(a, b) -> None:
    """3 attempts a minute per email address: alternating servers, each sees at most 2 of the
    first 3, so a 429 on the 4th and 5th shows both count in Redis, not in process memory."""
    guess = {"email": f"nobody-{uuid.uuid4().hex[:8]}@example.org", "password": "wrong guess"}
    statuses = [
        Visitor().submit(f"{server}/sign-in", f"{server}/sign-in", guess)[0]
        for server in (a, b, a, b, a)
    ]
    assert statuses == [422, 422, 422, 429, 429]
