"""CSRF, security headers, request size, rate limits, error pages and the health check."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy.exc import OperationalError

from tests import factories
from tests.conftest import csrf_token, page_text, post_form

PASSWORD = "correct horse battery"

# Every route that changes state, with a body that would otherwise be acceptable.
STATE_CHANGING = [
    (
        "/sign-up",
        {
            "email": "x@example.org",
            "password": PASSWORD,
            "password_confirm": PASSWORD,
            "accept": "y",
        },
    ),
    ("/sign-in", {"email": "candidate@example.org", "password": PASSWORD}),
    ("/reset-password", {"email": "candidate@example.org"}),
    ("/sign-out", {}),
    ("/verify-email/resend", {}),
    (
        "/account/password",
        {"current_password": PASSWORD, "password": "x" * 12, "password_confirm": "x" * 12},
    ),
    ("/account/email", {"email": "new@example.org", "current_password": PASSWORD}),
    ("/account/delete", {"reviews": "delete", "current_password": PASSWORD, "confirm": "y"}),
    ("/employers/new", {"name": "Brand New Employer"}),
    ("/reviews/new", {"stage": "applied", "outcome": "ghosted", "action": "publish"}),
    ("/me/applications/new", {"role_title": "Engineer", "status": "applied"}),
    ("/me/applications/import", {}),
    ("/me/applications/import/preview", {"upload": "x", "employer": "0", "role_title": "1"}),
    ("/me/applications/import/confirm", {"upload": "x", "employer": "0", "role_title": "1"}),
    ("/me/applications/calendar/address", {}),
    ("/me/applications/calendar/off", {}),
    ("/me/applications/reminders", {"reminders": "off"}),
    ("/employer/notifications", {"employer": "x", "notify": "off"}),
    ("/employer/commitment", {"employer": "x", "days": "7"}),
    ("/employer/commitment/withdraw", {"employer": "x"}),
    ("/employer/team/invite", {"employer": "x", "email": "jo@example.org"}),
    ("/employer/team/cancel", {"employer": "x", "invitation": "1"}),
    ("/employer/team/remove", {"employer": "x", "representative": "1"}),
    ("/employer/team/owner", {"employer": "x", "representative": "1"}),
    ("/moderation/merge", {"source": "a", "target": "b", "confirm": "y"}),
    ("/moderation/bulk/dismiss-reports", {"items": "1", "reason": "Not a guideline matter."}),
    ("/moderation/bulk/publish", {"items": "abc", "reason": "Checked by hand."}),
]


@pytest.mark.parametrize(("url", "data"), STATE_CHANGING)
def test_post_without_csrf_token_is_refused(client, signed_in, outbox, url, data):
    response = client.post(url, data=data)
    assert response.status_code == 400
    assert "security token" in page_text(response)
    assert outbox == []


@pytest.mark.parametrize(("url", "data"), STATE_CHANGING)
def test_post_with_a_forged_csrf_token_is_refused(client, signed_in, url, data):
    response = client.post(url, data={**data, "csrf_token": "forged.token.value"})
    assert response.status_code == 400


def test_every_post_route_is_covered_by_the_csrf_tests(app):
    """A new state-changing route must be added to STATE_CHANGING above."""
    post_rules = {
        rule.rule
        for rule in app.url_map.iter_rules()
        if "POST" in rule.methods and "<" not in rule.rule
    }
    assert post_rules == {url for url, _ in STATE_CHANGING}


def test_csrf_token_from_another_session_is_refused(app, client, signed_in):
    stranger = app.test_client()
    foreign_token = csrf_token(stranger, "/sign-in")
    response = client.post(
        "/account/delete",
        data={
            "csrf_token": foreign_token,
            "reviews": "delete",
            "current_password": PASSWORD,
            "confirm": "y",
        },
    )
    assert response.status_code == 400


def test_security_headers_on_pages(client):
    response = client.get("/")
    headers = response.headers
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in headers  # only where served over HTTPS


def test_security_headers_on_errors(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_pages_have_no_inline_script(client):
    for url in ["/", "/sign-in", "/sign-up", "/reset-password", "/privacy", "/no-such-page"]:
        body = client.get(url).get_data(as_text=True)
        assert "<script>" not in body and " onclick=" not in body and "javascript:" not in body


def test_hsts_and_secure_cookies_in_production_settings(app_factory):
    app = app_factory(HSTS_ENABLED=True, SESSION_COOKIE_SECURE=True, SESSION_COOKIE_HTTPONLY=True)
    client = app.test_client()
    response = client.get("/sign-in", base_url="https://localhost")
    assert "max-age=" in response.headers["Strict-Transport-Security"]
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_request_body_over_the_limit_is_refused_with_413(app, client):
    limit = app.config["MAX_CONTENT_LENGTH"]
    response = client.post(
        "/sign-in", data={"email": "a@example.org", "password": "x" * (limit + 10)}
    )
    assert response.status_code == 413
    body = page_text(response)
    assert "too much to send" in body and "HeardBack" in body


def test_ten_megabyte_body_is_refused(client):
    response = client.post(
        "/sign-up", data=b"x" * (10 * 1024 * 1024), content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 413


# --- rate limits -------------------------------------------------------------------------------


def test_sign_in_rate_limit_per_client(app_factory):
    app = app_factory(RATELIMIT_SIGN_IN="3 per minute")
    client = app.test_client()
    statuses = [
        post_form(
            client, "/sign-in", {"email": f"user{n}@example.org", "password": "wrong password"}
        ).status_code
        for n in range(4)
    ]
    assert statuses == [422, 422, 422, 429]
    response = post_form(client, "/sign-in", {"email": "x@example.org", "password": "wrong"})
    assert response.status_code == 429
    assert "Slow down" in page_text(response)
    assert response.headers["Retry-After"]


def _sign_in_from(client, address: str, email: str, password: str):
    return post_form(
        client,
        "/sign-in",
        {"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def test_sign_in_rate_limit_per_email_and_client(app_factory):
    app = app_factory(RATELIMIT_SIGN_IN_PER_EMAIL="2 per minute")
    client = app.test_client()
    statuses = [
        _sign_in_from(client, "198.51.100.1", "Target@Example.org", "wrong password").status_code
        for _ in range(3)
    ]
    assert statuses == [422, 422, 429]
    # Another client may still try the same address: its own count.
    other = _sign_in_from(app.test_client(), "198.51.100.2", "target@example.org", "wrong")
    assert other.status_code == 422


def test_failed_sign_ins_from_elsewhere_do_not_lock_the_owner_out(app_factory, password):
    """Failed sign-ins from other clients must not lock the real owner out: a per-address limit
    counted over every client let anyone lock an account for a minute with five failures."""
    app = app_factory(
        RATELIMIT_SIGN_IN_PER_EMAIL="5 per minute; 20 per hour",
        RATELIMIT_SIGN_IN_PER_EMAIL_ALL_CLIENTS="50 per hour",
    )
    owner = factories.UserFactory(email="owner@example.org", password=password, verified=True)
    statuses = [
        _sign_in_from(app.test_client(), f"203.0.113.{n}", owner.email, "guess").status_code
        for n in range(10)
    ]
    assert statuses == [422] * 10
    response = _sign_in_from(app.test_client(), "198.51.100.7", owner.email, password)
    assert response.status_code == 302


def test_known_device_passes_the_ceiling_across_all_clients(app_factory, password):
    app = app_factory(
        RATELIMIT_SIGN_IN_PER_EMAIL="5 per minute",
        RATELIMIT_SIGN_IN_PER_EMAIL_ALL_CLIENTS="3 per hour",
    )
    owner = factories.UserFactory(email="owner@example.org", password=password, verified=True)
    device = app.test_client()
    # A successful sign-in leaves a signed device cookie, for the sign-in form only.
    assert _sign_in_from(device, "198.51.100.7", owner.email, password).status_code == 302
    cookie = device.get_cookie("hb_device", path="/sign-in")
    assert cookie is not None and cookie.http_only and owner.email not in cookie.value
    post_form(device, "/sign-out", {}, page="/account")
    # Guesses from many addresses reach the ceiling for the address...
    statuses = [
        _sign_in_from(app.test_client(), f"203.0.113.{n}", owner.email, "guess").status_code
        for n in range(4)
    ]
    assert statuses == [422, 422, 422, 429]
    # ...which stops a new browser, even with the right password,
    stranger = _sign_in_from(app.test_client(), "198.51.100.8", owner.email, password)
    assert stranger.status_code == 429
    # but not the owner's browser that signed in before,
    assert _sign_in_from(device, "198.51.100.9", owner.email, password).status_code == 302
    # and a device cookie for another account, or a forged one, is no pass.
    factories.UserFactory(email="other@example.org", password=password, verified=True)
    elsewhere = app.test_client()
    signed_in = _sign_in_from(elsewhere, "198.51.100.11", "other@example.org", password)
    assert signed_in.status_code == 302
    post_form(elsewhere, "/sign-out", {}, page="/account")
    assert _sign_in_from(elsewhere, "198.51.100.11", owner.email, password).status_code == 429
    forged = app.test_client()
    forged.set_cookie("hb_device", cookie.value + "x", path="/sign-in")
    assert _sign_in_from(forged, "198.51.100.10", owner.email, password).status_code == 429


def test_sign_up_and_reset_are_rate_limited(app_factory):
    app = app_factory(RATELIMIT_SIGN_UP="1 per minute", RATELIMIT_RESET="1 per minute")
    client = app.test_client()
    data = {
        "email": "a@example.org",
        "password": PASSWORD,
        "password_confirm": PASSWORD,
        "accept": "y",
    }
    assert post_form(client, "/sign-up", data).status_code == 200
    assert post_form(client, "/sign-up", {**data, "email": "b@example.org"}).status_code == 429
    assert post_form(client, "/reset-password", {"email": "a@example.org"}).status_code == 200
    assert post_form(client, "/reset-password", {"email": "a@example.org"}).status_code == 429


def test_rate_limit_applies_to_posts_only(app_factory):
    app = app_factory(RATELIMIT_SIGN_IN="1 per minute")
    client = app.test_client()
    post_form(client, "/sign-in", {"email": "a@example.org", "password": "wrong password"})
    assert client.get("/sign-in").status_code == 200


def test_spoofed_forwarded_for_does_not_reset_the_limit(app_factory):
    app = app_factory(RATELIMIT_SIGN_IN="2 per minute", TRUSTED_PROXIES=0)
    client = app.test_client()
    statuses = [
        post_form(
            client,
            "/sign-in",
            {"email": "a@example.org", "password": "wrong password"},
            headers={"X-Forwarded-For": f"192.0.2.{n}"},
        ).status_code
        for n in range(3)
    ]
    assert statuses[-1] == 429


# --- error pages and health --------------------------------------------------------------------


def test_404_in_layout(client):
    response = client.get("/definitely-not-here")
    assert response.status_code == 404
    body = page_text(response)
    assert "couldn't find that page" in body
    assert 'class="site-header"' in body and "Search employers" in body


def test_405_in_layout(client):
    response = client.post("/privacy", data={"csrf_token": csrf_token(client, "/sign-in")})
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]
    assert "isn't available here" in page_text(response)


def test_500_is_friendly_and_logged_without_traceback_to_the_user(app, client, caplog):
    @app.get("/boom-test-only")
    def boom():
        raise RuntimeError("secret internal detail")

    with caplog.at_level(logging.ERROR):
        response = client.get("/boom-test-only")
    assert response.status_code == 500
    body = page_text(response)
    assert "Something went wrong on our side" in body
    assert "secret internal detail" not in body and "Traceback" not in body
    assert "secret internal detail" in caplog.text


def test_database_down_gives_503(app, client, monkeypatch):
    def down(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    from extensions import db

    monkeypatch.setattr(db.session, "execute", down)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == 503
    assert response.headers["Retry-After"]
    page = client.get("/")
    assert page.status_code == 503
    assert "briefly unavailable" in page_text(page)


def test_database_down_for_a_signed_in_visitor_gives_the_503_page(
    app, client, signed_in, monkeypatch
):
    """While the database is down, loading the signed-in user fails too: the error page must
    not need it (a restart of PostgreSQL under load gave 500s here, docs/reliability.md)."""
    from accounts import services as account_services
    from extensions import db

    def down(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("the database system is shutting down"))

    monkeypatch.setattr(db.session, "execute", down)
    monkeypatch.setattr(db.session, "scalar", down)
    monkeypatch.setattr(db.session, "scalars", down)
    monkeypatch.setattr(account_services, "load_user", down)
    for url in ("/", "/employers", "/me", "/no-such-page"):
        page = client.get(url)
        assert page.status_code == 503, url
        assert "briefly unavailable" in page_text(page)
        assert page.headers["Retry-After"]


def test_a_connection_lost_after_the_view_does_not_fail_the_response(app, client, monkeypatch):
    """PostgreSQL restarting between the view and the end of the request: the closing ROLLBACK
    fails, and the page already made is still answered."""
    from sqlalchemy.orm import Session

    real_close, calls = Session.close, []

    def close_once_broken(self):
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("ROLLBACK", {}, Exception("terminating connection"))
        return real_close(self)

    assert client.get("/healthz").status_code == 200
    monkeypatch.setattr(Session, "close", close_once_broken)
    # The tests keep one app context for the whole test, so its teardown is run here, as the
    # end of a request's context runs it in a server.
    app.do_teardown_appcontext(None)
    assert len(calls) >= 2


def test_healthz_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


@pytest.mark.parametrize("code", [400, 403, 404, 405, 413, 429, 500, 503])
def test_every_error_page_renders_in_the_layout(app, client, code):
    from flask import abort

    @app.get(f"/abort-{code}-test-only")
    def aborter():
        abort(code)

    response = client.get(f"/abort-{code}-test-only")
    assert response.status_code == code
    body = page_text(response)
    assert f"Error {code}" in body
    assert 'class="site-footer"' in body


# --- no-store on private pages: no shared or browser cache keeps a signed-in page ---------------

PRIVATE_URLS = ["/me", "/me/notices", "/account", "/account/delete", "/employer", "/moderation"]


@pytest.mark.parametrize("url", PRIVATE_URLS)
def test_private_pages_are_not_stored_by_any_cache(client, signed_in, url):
    response = client.get(url)
    assert response.status_code in (200, 403), url
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("url", ["/me", "/account", "/employer", "/moderation/claims"])
def test_private_pages_are_not_stored_before_sign_in_either(client, url):
    response = client.get(url)
    assert response.status_code in (302, 403)
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("url", ["/", "/employers", "/methodology", "/sign-in"])
def test_public_pages_keep_their_own_caching(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")
