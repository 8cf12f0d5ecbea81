"""With Redis configured, rate limits are shared by every app process (DESIGN.md §10).

Two real app servers on two ports, one SQLite file, one Redis: sign-in attempts through either
count against one limit. The same pair without Redis keeps two separate counts, which shows the
test would notice if the shared storage stopped being used.
"""

from __future__ import annotations

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
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def redis_url():
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        if os.environ.get("HEARDBACK_REQUIRE_REDIS"):
            pytest.fail("HEARDBACK_REQUIRE_REDIS is set but TEST_REDIS_URL is not")
        pytest.skip("set TEST_REDIS_URL to a Redis server to test shared rate limits")
    return url


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def two_servers(tmp_path: Path, redis_url: str | None):
    env = {
        **os.environ,
        "FLASK_APP": "app:create_app",
        "HEARDBACK_CONFIG": "development",
        "SECRET_KEY": "shared-limit-test-" + "k" * 32,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'shared.sqlite3'}",
        "RATELIMIT_SIGN_IN": "2 per minute",
        "RATELIMIT_KEY_PREFIX": f"shared-{uuid.uuid4().hex[:8]}",
        "MAIL_OUTBOX_DIR": str(tmp_path / "outbox"),
    }
    env.pop("REDIS_URL", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
    flask = [sys.executable, "-m", "flask"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    ports = [_free_port(), _free_port()]
    servers = [
        subprocess.Popen(
            [*flask, "run", "--no-reload", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for port in ports
    ]
    try:
        bases = [f"http://127.0.0.1:{port}" for port in ports]
        for base in bases:
            _wait_until_up(base)
        yield bases
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=10)


def _wait_until_up(base: str) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2):  # noqa: S310 (loopback)
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"{base} did not start")


def _failed_sign_in(base: str) -> int:
    """One wrong-password sign-in through the real form; the HTTP status."""
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    with opener.open(base + "/sign-in", timeout=5) as page:
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.read().decode()).group(1)
    body = urllib.parse.urlencode(
        {"csrf_token": token, "email": "a@example.org", "password": "wrong password"}
    ).encode()
    try:
        with opener.open(base + "/sign-in", data=body, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_two_app_servers_share_one_limit_through_redis(tmp_path, redis_url):
    with two_servers(tmp_path, redis_url) as (first, second):
        statuses = [_failed_sign_in(base) for base in (first, second, first, second)]
    assert statuses == [422, 422, 429, 429]


def test_without_redis_each_server_counts_alone(tmp_path, redis_url):
    with two_servers(tmp_path, None) as (first, second):
        statuses = [_failed_sign_in(base) for base in (first, second, first, second)]
    assert statuses == [422, 422, 422, 422]
