"""A newcomer's first hour (issue 18, set-up and accounts): the address `make run` serves and its
request log, a verification link that copies whole out of the outbox and signs in, commands that
link to the server's port, "Write a review" for visitors, and the configurable account-age floor."""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from accounts import services
from accounts.models import User
from config import Config, DevelopmentConfig, environment_overrides, site_url_default
from extensions import db, limiter
from reviews.publication import publish_time
from tests.conftest import csrf_token, page_text, path_of, post_form
from tests.factories import UserFactory
from timeutils import utcnow

EMAIL = "newcomer@example.org"
PASSWORD = "correct horse battery"
ROOT = Path(__file__).resolve().parents[2]


def _user(email=EMAIL) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def _account_email(client) -> str | None:
    page = client.get("/account")
    if page.status_code != 200:
        return None
    match = re.search(r"You sign in with <strong>([^<]+)</strong>", page_text(page))
    return match.group(1) if match else None


def _verification_path(outbox) -> str:
    for message in reversed(outbox):
        if "confirm your email" in message["Subject"].lower():
            body = message.get_content()
            return path_of(re.search(r"https?://\S+/verify-email/\S+", body).group(0))
    raise AssertionError("no verification email")


# --- make run: the address, and one log line per request without personal data ----------------


def _make(*args: str) -> str:
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    result = subprocess.run(
        ["make", "-n", "-s", "-C", str(ROOT), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env={"PATH": "/usr/bin:/bin:/usr/local/bin"},
    )
    return result.stdout


def test_make_run_prints_the_address_and_serves_it_with_matching_links():
    commands = _make("run", "PORT=5102")
    assert "HeardBack is running at http://127.0.0.1:5102/ — press Ctrl+C to stop" in commands
    assert "SITE_URL='http://127.0.0.1:5102' .venv/bin/flask run --host 127.0.0.1 --port 5102" in (
        commands
    )


def test_make_tick_links_to_the_same_port_as_make_run():
    assert "SITE_URL='http://127.0.0.1:5102' .venv/bin/flask heardback tick" in _make(
        "tick", "PORT=5102"
    )
    assert "SITE_URL='https://heardback.example' .venv/bin/flask heardback tick" in _make(
        "tick", "PORT=5102", "SITE_URL=https://heardback.example"
    )


def test_each_request_is_logged_without_token_email_query_values_or_address(
    client, auth, outbox, caplog
):
    with caplog.at_level(logging.INFO, logger="heardback.requests"):
        auth.sign_up(EMAIL, PASSWORD)
        link = _verification_path(outbox)
        client.get(link)
        client.get("/employers?q=newcomer%40example.org&page=2")
        client.get("/newcomer@example.org/whatever")
        client.get("/employers/newcomer@example.org")
    lines = [r.getMessage() for r in caplog.records if r.name == "heardback.requests"]
    assert re.fullmatch(r"POST /sign-up 200 \d+ ms", lines[1]), lines
    assert re.fullmatch(r"GET /verify-email/<token> 302 \d+ ms", lines[2]), lines
    assert re.fullmatch(r"GET /employers\?q=…&page=… 200 \d+ ms", lines[-3]), lines
    assert re.fullmatch(r"GET /…/… 404 \d+ ms", lines[-2]), lines
    assert re.fullmatch(r"GET /employers/<slug> 404 \d+ ms", lines[-1]), lines
    token = link.rsplit("/", 1)[1]
    logged = "\n".join(lines)
    for private in (token, "newcomer", "example.org", "127.0.0.1"):
        assert private not in logged


def test_public_slugs_are_logged(client, caplog):
    from tests.factories import EmployerFactory

    EmployerFactory(slug="plain-slug-co")
    db.session.commit()
    with caplog.at_level(logging.INFO, logger="heardback.requests"):
        client.get("/employers/plain-slug-co")
    assert any(
        re.fullmatch(r"GET /employers/plain-slug-co 200 \d+ ms", r.getMessage())
        for r in caplog.records
    )


def test_request_log_can_be_switched_off(app_factory, caplog):
    app = app_factory(LOG_REQUESTS=False)
    with caplog.at_level(logging.INFO, logger="heardback.requests"):
        app.test_client().get("/")
    assert not [r for r in caplog.records if r.name == "heardback.requests"]


# --- the outbox's link copies whole, and signs the new account in ------------------------------


def test_outbox_verification_link_is_one_line_and_signs_in(app_factory, tmp_path):
    app = app_factory(MAIL_BACKEND="outbox", MAIL_OUTBOX_DIR=str(tmp_path))
    client = app.test_client()
    data = {"email": EMAIL, "password": PASSWORD, "password_confirm": PASSWORD, "accept": "y"}
    assert post_form(client, "/sign-up", data).status_code == 200
    (eml,) = tmp_path.glob("*.eml")
    raw = eml.read_bytes()
    assert b"quoted-printable" not in raw and b"=\n" not in raw
    # Copied straight out of the raw file, as a newcomer does.
    link = re.search(rb"http://localhost(/verify-email/[A-Za-z0-9_.\-]+)\r?\n", raw).group(1)
    response = client.get(link.decode())
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "You're signed in." in page_text(client.get("/"))
    assert _user().is_verified
    assert _account_email(client) == EMAIL


def test_long_lines_beyond_smtp_limit_fall_back_to_quoted_printable(app):
    from notifications import mail

    with app.test_request_context():
        short = mail.build_message("a@example.org", "s", "http://x.test/" + "a" * 900 + "\n")
        long = mail.build_message("a@example.org", "s", "x" * 1200 + "\n")
    assert short["Content-Transfer-Encoding"] == "7bit"
    assert long["Content-Transfer-Encoding"] == "quoted-printable"


def test_the_link_signs_in_once_only(client, auth, outbox):
    auth.sign_up(EMAIL, PASSWORD)
    link = _verification_path(outbox)
    client.get(link)
    assert _account_email(client) == EMAIL
    auth.sign_out()
    again = client.get(link, follow_redirects=True)
    assert "already confirmed" in page_text(again)
    assert _account_email(client) is None


def test_the_link_opened_in_another_browser_confirms_without_signing_in(app, auth, outbox):
    auth.sign_up(EMAIL, PASSWORD)
    other = app.test_client()
    response = other.get(_verification_path(outbox))
    assert response.headers["Location"] == "/sign-in"
    assert "confirmed. Sign in to continue." in page_text(other.get("/sign-in"))
    assert _user().is_verified
    assert _account_email(other) is None


def test_a_suspended_account_is_confirmed_but_not_signed_in(client, auth, outbox):
    auth.sign_up(EMAIL, PASSWORD)
    _user().suspended_at = utcnow()
    db.session.commit()
    response = client.get(_verification_path(outbox))
    assert response.headers["Location"] == "/sign-in"
    assert _account_email(client) is None


def test_signed_in_as_someone_else_the_link_does_not_switch_accounts(client, auth, outbox):
    auth.sign_up(EMAIL, PASSWORD)
    link = _verification_path(outbox)
    UserFactory(email="already@example.org", password=PASSWORD, verified=True)
    db.session.commit()
    assert auth.sign_in("already@example.org", PASSWORD).status_code == 302
    page = client.get(link, follow_redirects=True)
    text = page_text(page)
    assert "belongs to another account than the one you're signed in to" in text
    assert "already@example.org" in text
    assert _user().is_verified
    assert _account_email(client) == "already@example.org"


def test_sign_up_remembers_the_same_way_whether_or_not_the_address_has_an_account(client, auth):
    UserFactory(email="taken@example.org", password=PASSWORD, verified=True)
    db.session.commit()
    kept = []
    for email in ("taken@example.org", EMAIL):
        auth.sign_up(email, PASSWORD)
        with client.session_transaction() as session:
            kept.append(session.get(services.SIGNED_UP_KEY))
    assert all(isinstance(value, str) and len(value) == 32 for value in kept)
    assert "example.org" not in "".join(kept)


# --- commands link to the server's port ----------------------------------------------------------


def test_site_url_follows_port_when_unset():
    assert site_url_default({"PORT": "5102"}) == "http://127.0.0.1:5102"
    assert site_url_default({"PORT": "5102", "HOST": "0.0.0.0"}) == "http://127.0.0.1:5102"  # noqa: S104
    assert site_url_default({"FLASK_RUN_PORT": "8000"}) == "http://127.0.0.1:8000"
    assert site_url_default({"PORT": "nonsense"}) is None
    assert site_url_default({}) is None
    overrides = environment_overrides(DevelopmentConfig, {"PORT": "5102"})
    assert overrides["SITE_URL"] == "http://127.0.0.1:5102"
    explicit = {"PORT": "5102", "SITE_URL": "https://heardback.example"}
    assert environment_overrides(DevelopmentConfig, explicit)["SITE_URL"] == explicit["SITE_URL"]


def test_absolute_url_uses_port_from_environment(monkeypatch):
    for name in ("SITE_URL", "HOST", "FLASK_RUN_HOST", "DATABASE_URL", "REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PORT", "5102")
    from app import create_app

    class Local(DevelopmentConfig):
        SECRET_KEY = "x" * 40
        SQLALCHEMY_DATABASE_URI = "sqlite://"
        RATELIMIT_STORAGE_URI = "memory://"

    limiter._key_prefix = None
    app = create_app(Local)
    with app.test_request_context():
        assert services.absolute_url("accounts.sign_in") == "http://127.0.0.1:5102/sign-in"


# --- "Write a review" for visitors --------------------------------------------------------------


def test_signed_out_home_offers_write_a_review_through_sign_in(client, auth):
    UserFactory(email=EMAIL, password=PASSWORD, verified=True)
    db.session.commit()
    home = page_text(client.get("/"))
    assert '<a href="/reviews/new/employer">Write a review</a>' in home
    chooser = client.get("/reviews/new/employer")
    assert chooser.status_code == 302 and "/sign-in" in chooser.headers["Location"]
    sign_in_page = chooser.headers["Location"]
    token = csrf_token(client, sign_in_page)
    response = client.post(
        sign_in_page, data={"email": EMAIL, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/reviews/new/employer"
    assert "Which employer" in page_text(client.get("/reviews/new/employer"))


# --- the account-age floor is a setting ----------------------------------------------------------


def test_account_age_floor_is_configurable(app_factory):
    assert Config.REVIEW_MIN_ACCOUNT_AGE_HOURS == 24
    assert (
        environment_overrides(DevelopmentConfig, {"REVIEW_MIN_ACCOUNT_AGE_HOURS": "6"})[
            "REVIEW_MIN_ACCOUNT_AGE_HOURS"
        ]
        == 6
    )
    app_factory(
        REVIEW_MIN_ACCOUNT_AGE_HOURS=48,
        REVIEW_PUBLISH_DELAY_MIN_HOURS=1,
        REVIEW_PUBLISH_DELAY_MAX_HOURS=1,
    )
    author = UserFactory(verified=True)
    db.session.commit()
    now = author.created_at
    assert publish_time(author, now) == author.created_at + timedelta(hours=48)
    old = UserFactory(verified=True, created_at=now - timedelta(days=5))
    db.session.commit()
    assert publish_time(old, now) == now + timedelta(hours=1)
