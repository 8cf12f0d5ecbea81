"""What rate limiting does when its Redis is unreachable, and what it says in responses.

DESIGN.md §10 keeps shared limits in Redis. If Redis stops, HeardBack fails open to limits kept in
each process's memory: every page keeps working and each process still limits on its own
(config.RATELIMIT_SWALLOW_ERRORS, RATELIMIT_IN_MEMORY_FALLBACK_ENABLED). The figures from stopping
the real Redis under load are in docs/reliability.md (bench/load.py --fault redis).
"""

from __future__ import annotations

import socket
import time

import pytest

from tests.conftest import post_form
from tests.factories import EmployerFactory


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # closed again when the block ends: nothing listens


@pytest.fixture
def app_without_redis(app_factory):
    return app_factory(
        REDIS_URL=f"redis://127.0.0.1:{_closed_port()}/0",
        RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{_closed_port()}/0",
        RATELIMIT_ENABLED=True,
        RATELIMIT_SIGN_IN="3 per minute",
    )


def test_pages_keep_working_when_redis_is_down(app_without_redis):
    client = app_without_redis.test_client()
    EmployerFactory(name="Orrery Works", slug="orrery-works")
    started = time.perf_counter()
    for url in ("/", "/employers", "/employers/orrery-works", "/api/v1/employers", "/sign-in"):
        assert client.get(url).status_code == 200, url
    # Connection refused is answered at once; nothing waits on the dead server.
    assert time.perf_counter() - started < 10


def test_limits_still_hold_per_process_when_redis_is_down(app_without_redis):
    client = app_without_redis.test_client()
    statuses = [
        post_form(
            client, "/sign-in", {"email": "nobody@example.org", "password": "wrong password x"}
        ).status_code
        for _ in range(5)
    ]
    assert 429 not in statuses[:3]
    assert statuses[3:] == [429, 429]


def test_a_refusal_says_when_to_try_again(app_factory):
    app = app_factory(RATELIMIT_ENABLED=True, RATELIMIT_SIGN_IN="1 per minute")
    client = app.test_client()
    form = {"email": "nobody@example.org", "password": "wrong password x"}
    post_form(client, "/sign-in", form)
    refused = post_form(client, "/sign-in", form)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert "Slow down" in refused.get_data(as_text=True)


def test_cacheable_public_responses_carry_no_rate_limit_counters(app_factory):
    app = app_factory(RATELIMIT_ENABLED=True)
    client = app.test_client()
    EmployerFactory(name="Orrery Works", slug="orrery-works")
    for url in ("/api/v1/employers", "/employers/orrery-works/badge.svg", "/employers"):
        response = client.get(url)
        assert response.status_code == 200
        assert "public" in response.headers["Cache-Control"], url
        counters = [name for name, _ in response.headers.items() if "ratelimit" in name.lower()]
        assert counters == [], url
