"""Client keys for rate limits (never the raw address) and the local-redirect check."""

from __future__ import annotations

import pytest

from security import client_key, is_safe_next, pseudonymous


def test_client_key_is_an_hmac_not_the_address(app):
    with app.test_request_context(environ_base={"REMOTE_ADDR": "203.0.113.9"}):
        key = client_key()
    assert "203.0.113.9" not in key
    assert key.startswith("ip:") and len(key) == 3 + 32


def test_client_key_changes_every_day(app):
    with app.test_request_context():
        assert pseudonymous("203.0.113.9", "2026-11-21") != pseudonymous(
            "203.0.113.9", "2026-11-22"
        )
        assert pseudonymous("203.0.113.9", "2026-11-22") == pseudonymous(
            "203.0.113.9", "2026-11-22"
        )


def test_client_key_depends_on_the_secret(app_factory):
    first = app_factory(SECRET_KEY="a" * 40)
    with first.test_request_context():
        one = pseudonymous("203.0.113.9", "2026-11-22")
    second = app_factory(SECRET_KEY="b" * 40)
    with second.test_request_context():
        two = pseudonymous("203.0.113.9", "2026-11-22")
    assert one != two


def test_forwarded_for_is_ignored_without_trusted_proxies(app):
    with app.test_request_context(
        environ_base={"REMOTE_ADDR": "10.0.0.1"}, headers={"X-Forwarded-For": "198.51.100.7"}
    ):
        from security import client_address

        assert client_address() == "10.0.0.1"


def test_forwarded_for_uses_the_address_the_trusted_proxy_saw(app_factory):
    app = app_factory(TRUSTED_PROXIES=1)
    from security import client_address

    # The client prepended a fake hop; the proxy appended the real one.
    with app.test_request_context(
        environ_base={"REMOTE_ADDR": "10.0.0.1"},
        headers={"X-Forwarded-For": "6.6.6.6, 198.51.100.7"},
    ):
        assert client_address() == "198.51.100.7"


@pytest.mark.parametrize(
    ("target", "safe"),
    [
        ("/account", True),
        ("/employers?q=a&page=2", True),
        ("/", True),
        (None, False),
        ("", False),
        ("account", False),
        ("//evil.example", False),
        ("/\\evil.example", False),
        ("https://evil.example/", False),
        ("http:/evil.example", False),
        ("/\tevil", False),
        ("/%0d%0aSet-Cookie:x", True),  # percent-encoded: stays a local path
        ("\x00/", False),
    ],
)
def test_is_safe_next(target, safe):
    assert is_safe_next(target) is safe
