"""Sign-in, sign-up and password reset answer in the same time whether or not an account exists.

DESIGN.md §5 rule 11: time must not tell whether an address has an account. The reset email was once
sent inside the request, so a reset for a registered address took 55.6 ms against 8.8 ms for an
unknown one. Here a local SMTP server (aiosmtpd) takes 40 ms per message, so any email sent inside a
request shows; 60 tries per kind, existing and unknown addresses interleaved in random order,
compared with a Mann-Whitney U test.

The app runs as in production: MAIL_SEND_AFTER_RESPONSE off, the queue left to a worker (the test
client would run an after-response delivery inside the timed call, where a real server runs it
after the response has gone). Rate limits are off: they are not what is measured.

A real difference (an email sent in the request) gives p < 1e-10 on every run; equal timings give
p <= 0.05 one run in twenty by chance, so a failed comparison is measured once more before the
test fails, which makes a chance failure 1 in 400 per action.
"""

from __future__ import annotations

import asyncio
import gc
import random
import socket
import statistics
import time
from collections.abc import Callable, Iterator

import pytest
from aiosmtpd.controller import Controller
from scipy.stats import mannwhitneyu
from sqlalchemy import func, select

from extensions import db
from notifications.models import OutgoingMail
from tests import factories
from tests.conftest import csrf_token

pytestmark = pytest.mark.slow

TRIES = 60
SMTP_DELAY = 0.040
PASSWORD = "correct horse battery"
EXISTING = "registered@example.org"


class SlowServer:
    """Accepts every message after SMTP_DELAY seconds, as a distant mail server would."""

    def __init__(self) -> None:
        self.received = 0

    async def handle_DATA(self, server, session, envelope) -> str:
        await asyncio.sleep(SMTP_DELAY)
        self.received += 1
        return "250 OK"


@pytest.fixture
def smtp_server() -> Iterator[SlowServer]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = SlowServer()
    server.port = port
    controller = Controller(server, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield server
    finally:
        controller.stop()


@pytest.fixture
def timed_app(app_factory, smtp_server):
    app = app_factory(
        MAIL_BACKEND="smtp",
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=smtp_server.port,
        MAIL_SEND_AFTER_RESPONSE=False,
        RATELIMIT_ENABLED=False,
    )
    factories.UserFactory(email=EXISTING, password=PASSWORD, verified=True)
    db.session.commit()
    return app


def _measure(post: Callable[[str, int], int], unknown: Callable[[int], str]):
    """Times of `post` for the registered address and for unknown ones, interleaved."""
    for n in range(5):  # warm up: templates compiled, caches filled
        post(EXISTING, -1 - n)
        post(unknown(-1 - n), -1 - n)
    times: dict[bool, list[float]] = {True: [], False: []}
    gc.collect()
    for n in range(TRIES):
        order = [True, False]
        random.shuffle(order)
        for exists in order:
            started = time.perf_counter()
            post(EXISTING if exists else unknown(n), n)
            times[exists].append(time.perf_counter() - started)
    return times[True], times[False]


def _compare(action: str, post, unknown) -> int:
    """Fails if the times differ; returns how many tries each kind of address had."""
    for attempt in (1, 2):
        existing, missing = _measure(post, unknown)
        p_value = mannwhitneyu(existing, missing, alternative="two-sided").pvalue
        print(
            f"\n{action} (run {attempt}): median {statistics.median(existing) * 1000:.2f} ms "
            f"existing, {statistics.median(missing) * 1000:.2f} ms unknown; p = {p_value:.3g}"
        )
        if p_value > 0.05:
            return attempt * (5 + TRIES)
    pytest.fail(f"{action}: the response time tells whether an account exists (p = {p_value:.3g})")


def _poster(app, url: str, fields: Callable[[str, int], dict], expected: int):
    client = app.test_client()
    token = csrf_token(client, url)

    def post(email: str, n: int) -> int:
        response = client.post(url, data={"csrf_token": token, **fields(email, n)})
        assert response.status_code == expected, response.get_data(as_text=True)[:500]
        return response.status_code

    return post


def _assert_one_queued_email_per_try(tries: int, server: SlowServer) -> None:
    """Both kinds of address queued exactly one email per try, and none was sent in a request."""
    to_existing = select(func.count(OutgoingMail.id)).where(OutgoingMail.recipient == EXISTING)
    assert db.session.scalar(to_existing) == tries
    assert db.session.scalar(select(func.count(OutgoingMail.id))) == 2 * tries
    assert server.received == 0


def test_sign_in_takes_as_long_for_an_unknown_address(timed_app):
    post = _poster(
        timed_app, "/sign-in", lambda email, n: {"email": email, "password": "a wrong guess"}, 422
    )
    _compare("sign-in", post, lambda n: f"nobody{n}@example.org")


def test_sign_up_takes_as_long_for_a_taken_address(timed_app, smtp_server):
    def fields(email: str, n: int) -> dict:
        return {"email": email, "password": PASSWORD, "password_confirm": PASSWORD, "accept": "y"}

    post = _poster(timed_app, "/sign-up", fields, 200)
    tries = _compare("sign-up", post, lambda n: f"new-{n}-{random.getrandbits(32)}@example.org")
    _assert_one_queued_email_per_try(tries, smtp_server)


def test_reset_takes_as_long_for_an_unknown_address(timed_app, smtp_server):
    post = _poster(timed_app, "/reset-password", lambda email, n: {"email": email}, 200)
    tries = _compare("reset", post, lambda n: f"nobody{n}@example.org")
    _assert_one_queued_email_per_try(tries, smtp_server)
