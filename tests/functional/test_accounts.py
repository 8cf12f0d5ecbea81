"""Every account flow through the real forms and links, with CSRF on."""

from __future__ import annotations

import re

import pytest
import time_machine
from sqlalchemy import func, select

from accounts.models import LoginSession, User
from extensions import db
from reviews.models import Review
from tests.conftest import csrf_token, links_in, page_text, path_of, post_form
from tests.factories import ReviewFactory, UserFactory
from timeutils import utcnow

EMAIL = "candidate@example.org"
PASSWORD = "correct horse battery"


def _link(outbox, subject_part: str) -> str:
    for message in reversed(outbox):
        if subject_part.lower() in message["Subject"].lower():
            return path_of(links_in(message)[0])
    raise AssertionError(f"no email with {subject_part!r} in {[m['Subject'] for m in outbox]}")


def _user(email=EMAIL) -> User | None:
    return db.session.scalar(select(User).where(User.email == email))


def _signed_in_as(client) -> str | None:
    page = client.get("/account")
    if page.status_code != 200:
        return None
    match = re.search(r"You sign in with <strong>([^<]+)</strong>", page_text(page))
    return match.group(1) if match else None


# --- sign-up and verification ------------------------------------------------------------------


def test_sign_up_creates_unverified_account_and_sends_link(auth, outbox):
    response = auth.sign_up(" Candidate@Example.ORG ", PASSWORD)
    assert response.status_code == 200
    assert "Check your inbox" in page_text(response)
    user = _user()
    assert user is not None and not user.is_verified
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash
    assert len(outbox) == 1 and outbox[0]["To"] == EMAIL


def test_verification_link_confirms_email(client, auth, outbox):
    auth.sign_up(EMAIL, PASSWORD)
    response = client.get(_link(outbox, "confirm your email"))
    assert response.status_code == 302
    assert _user().is_verified
    follow = client.get(response.headers["Location"])
    assert "confirmed" in page_text(follow)


def test_verification_link_reused_is_harmless(client, auth, outbox):
    auth.sign_up(EMAIL, PASSWORD)
    link = _link(outbox, "confirm your email")
    client.get(link)
    verified_at = _user().email_verified_at
    again = client.get(link, follow_redirects=True)
    assert "already confirmed" in page_text(again)
    assert _user().email_verified_at == verified_at


def test_verification_link_tampered_is_refused(client, auth, outbox):
    auth.sign_up(EMAIL, PASSWORD)
    link = _link(outbox, "confirm your email")
    tampered = link[:-3] + ("aaa" if not link.endswith("aaa") else "bbb")
    response = client.get(tampered)
    assert response.status_code == 400
    assert "isn't valid" in page_text(response)
    assert not _user().is_verified


def test_verification_link_expired_is_refused(client, auth, outbox, app):
    auth.sign_up(EMAIL, PASSWORD)
    link = _link(outbox, "confirm your email")
    later = app.config["EMAIL_VERIFY_MAX_AGE"] + 60
    with time_machine.travel(utcnow().timestamp() + later, tick=False):
        response = client.get(link)
    assert response.status_code == 400
    assert "expired" in page_text(response)
    assert not _user().is_verified


def test_verification_link_for_an_old_address_is_refused(client, auth, outbox):
    auth.sign_up(EMAIL, PASSWORD)
    link = _link(outbox, "confirm your email")
    _user().email = "other@example.org"
    db.session.commit()
    assert client.get(link).status_code == 400


def test_resend_verification(client, auth, outbox):
    auth.sign_up(EMAIL, PASSWORD)
    auth.sign_in(EMAIL, PASSWORD)
    token = csrf_token(client, "/account")
    response = client.post(
        "/verify-email/resend", data={"csrf_token": token}, follow_redirects=True
    )
    assert "sent a new confirmation link" in page_text(response)
    assert len(outbox) == 2
    client.get(_link(outbox, "confirm your email"))
    assert _user().is_verified


def test_unverified_user_sees_a_banner_asking_to_confirm(client, auth):
    auth.sign_up(EMAIL, PASSWORD)
    auth.sign_in(EMAIL, PASSWORD)
    assert "Confirm your email address" in page_text(client.get("/"))


# --- enumeration safety ------------------------------------------------------------------------


def _visible_text(response) -> str:
    html = page_text(response)
    html = re.sub(r'name="csrf_token"[^>]*>', "", html)
    return re.sub(r"[\w.+-]+@[\w.-]+", "EMAIL", html)


def test_sign_up_answers_the_same_for_a_registered_email(client, auth, outbox, user):
    known = auth.sign_up(user.email, "another long password")
    unknown = auth.sign_up("nobody@example.org", "another long password")
    assert known.status_code == unknown.status_code == 200
    assert _visible_text(known) == _visible_text(unknown)
    # The owner of the registered address is told instead, and nothing about them changed.
    assert outbox[0]["To"] == user.email
    assert "already has one" in outbox[0].get_content()
    assert db.session.scalar(select(func.count(User.id)).where(User.email == user.email)) == 1


def test_sign_in_answers_the_same_for_unknown_email_and_wrong_password(client, auth, user):
    wrong_password = auth.sign_in(user.email, "not the password at all")
    unknown_email = auth.sign_in("nobody@example.org", "not the password at all")
    assert wrong_password.status_code == unknown_email.status_code == 422
    assert _visible_text(wrong_password) == _visible_text(unknown_email)
    assert "don't match an account" in page_text(wrong_password)


def test_reset_request_answers_the_same_for_unknown_email(client, outbox, user):
    known = post_form(client, "/reset-password", {"email": user.email})
    unknown = post_form(client, "/reset-password", {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 200
    assert _visible_text(known) == _visible_text(unknown)
    # One email each (the same work both ways, so time tells nothing): a link for the account's
    # owner, and a "no account uses this address" note, with no reset link, for the unknown address.
    assert [message["To"] for message in outbox] == [user.email, "nobody@example.org"]
    assert "/reset-password/" in outbox[0].get_content()
    assert "no account uses it" in outbox[1].get_content()
    assert "/reset-password/" not in outbox[1].get_content()


def test_sign_up_of_a_taken_address_creates_nothing_and_tells_its_owner(client, auth, user):
    response = auth.sign_up(user.email, "another long password")
    assert response.status_code == 200
    assert db.session.scalar(select(func.count(User.id))) == 1
    assert [message["To"] for message in auth.outbox] == [user.email]
    assert "already has one" in auth.outbox[0].get_content()


# --- sign-in and sessions ----------------------------------------------------------------------


def test_sign_in_and_out(client, auth, user):
    response = auth.sign_in(user.email, PASSWORD)
    assert response.status_code == 302
    assert _signed_in_as(client) == user.email
    response = auth.sign_out()
    assert response.status_code == 302
    assert _signed_in_as(client) is None
    assert db.session.scalar(select(func.count(LoginSession.id))) == 0


def test_sign_in_is_case_insensitive_on_email(client, auth, user):
    assert auth.sign_in(user.email.upper(), PASSWORD).status_code == 302


def test_sign_in_unverified_account_works_but_is_marked(client, auth):
    UserFactory(email=EMAIL, password=PASSWORD)
    assert auth.sign_in(EMAIL, PASSWORD).status_code == 302
    assert "Not confirmed yet" in page_text(client.get("/account"))


def test_suspended_user_cannot_sign_in(client, auth):
    UserFactory(email=EMAIL, password=PASSWORD, verified=True, suspended=True)
    response = auth.sign_in(EMAIL, PASSWORD)
    assert response.status_code == 422
    assert "suspended" in page_text(response)


def _captured_cookie(client) -> str:
    return client.get_cookie("session").value


def _with_cookie(app, cookie: str):
    other = app.test_client()
    other.set_cookie("session", cookie)
    return other


def test_captured_cookie_refused_after_sign_out(app, client, auth, user):
    auth.sign_in(user.email, PASSWORD)
    captured = _captured_cookie(client)
    assert _signed_in_as(_with_cookie(app, captured)) == user.email
    auth.sign_out()
    assert _signed_in_as(_with_cookie(app, captured)) is None
    assert _with_cookie(app, captured).get("/account").status_code == 302


def test_captured_cookie_refused_after_password_change(app, client, auth, user):
    auth.sign_in(user.email, PASSWORD)
    captured = _captured_cookie(client)
    other_browser = app.test_client()
    Auth2 = type(auth)
    Auth2(other_browser, None).sign_in(user.email, PASSWORD)
    response = post_form(
        client,
        "/account/password",
        {
            "current_password": PASSWORD,
            "password": "a brand new password",
            "password_confirm": "a brand new password",
        },
        page="/account",
    )
    assert response.status_code == 302
    assert _signed_in_as(client) == user.email  # this browser stays signed in, on a new session
    assert _signed_in_as(_with_cookie(app, captured)) is None
    assert _signed_in_as(other_browser) is None


def test_captured_cookie_refused_after_suspension(app, client, auth, user):
    from accounts.services import suspend

    auth.sign_in(user.email, PASSWORD)
    captured = _captured_cookie(client)
    suspend(user)
    db.session.commit()
    assert _signed_in_as(_with_cookie(app, captured)) is None


def test_expired_session_is_refused(client, auth, user, app):
    auth.sign_in(user.email, PASSWORD)
    lifetime = app.config["PERMANENT_SESSION_LIFETIME"].total_seconds()
    with time_machine.travel(utcnow().timestamp() + lifetime + 60, tick=False):
        assert _signed_in_as(client) is None


def test_session_record_holds_no_client_details(client, auth, user):
    auth.sign_in(user.email, PASSWORD, environ_base={"REMOTE_ADDR": "203.0.113.77"})
    record = db.session.scalar(select(LoginSession))
    values = {
        column.name: getattr(record, column.name) for column in LoginSession.__table__.columns
    }
    assert "203.0.113.77" not in repr(values)
    assert set(values) == {"id", "user_id", "token_hash", "created_at", "expires_at"}


@pytest.mark.parametrize(
    ("next_path", "expected"),
    [
        ("/account", "/account"),
        ("/employers?q=acme", "/employers?q=acme"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("", "/"),
    ],
)
def test_next_only_to_local_paths(client, auth, user, next_path, expected):
    response = post_form(
        client,
        "/sign-in?next=" + next_path,
        {"email": user.email, "password": PASSWORD},
        page="/sign-in",
    )
    assert response.status_code == 302
    assert response.headers["Location"] == expected


def test_protected_page_redirects_to_sign_in_and_back(client, auth, user):
    response = client.get("/account")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?next=")
    back = post_form(
        client, response.headers["Location"], {"email": user.email, "password": PASSWORD}
    )
    assert back.headers["Location"] == "/account"


def test_signed_in_user_visiting_sign_in_goes_to_account(client, signed_in):
    assert client.get("/sign-in").headers["Location"] == "/account"
    assert client.get("/sign-up").headers["Location"] == "/account"


def test_password_rehashed_when_parameters_change(app, client, auth, user):
    old_hash = user.password_hash
    app.config["ARGON2_TIME_COST"] = 2
    auth.sign_in(user.email, PASSWORD)
    assert _user(user.email).password_hash != old_hash
    assert "t=2" in _user(user.email).password_hash


# --- password reset ----------------------------------------------------------------------------


def _request_reset(client, email):
    return post_form(client, "/reset-password", {"email": email})


def _new_password(client, link, password="a fresh new password"):
    return post_form(client, link, {"password": password, "password_confirm": password})


def test_reset_password_flow(app, client, auth, outbox, user):
    other_browser = app.test_client()
    type(auth)(other_browser, None).sign_in(user.email, PASSWORD)
    _request_reset(client, user.email)
    link = _link(outbox, "reset")
    assert client.get(link).status_code == 200
    response = _new_password(client, link)
    assert response.status_code == 302
    assert _signed_in_as(client) == user.email
    assert _signed_in_as(other_browser) is None  # every other session ended
    auth.sign_out()
    assert auth.sign_in(user.email, PASSWORD).status_code == 422
    assert auth.sign_in(user.email, "a fresh new password").status_code == 302


def test_reset_link_is_single_use(client, outbox, user):
    _request_reset(client, user.email)
    link = _link(outbox, "reset")
    _new_password(client, link)
    fresh = user.__class__  # noqa: F841 (keeps the intent readable)
    client_after = client.application.test_client()
    response = client_after.get(link)
    assert response.status_code == 400
    assert "already been used" in page_text(response)
    response = client_after.post(link, data={"password": "x" * 12, "password_confirm": "x" * 12})
    assert response.status_code == 400


def test_reset_link_expired(app, client, outbox, user):
    _request_reset(client, user.email)
    link = _link(outbox, "reset")
    with time_machine.travel(utcnow().timestamp() + app.config["PASSWORD_RESET_MAX_AGE"] + 60):
        response = client.get(link)
    assert response.status_code == 400
    assert "expired" in page_text(response)


def test_reset_link_tampered(client, outbox, user):
    _request_reset(client, user.email)
    link = _link(outbox, "reset")
    head, _, signature = link.rpartition(".")
    response = client.get(head + "." + signature[::-1])
    assert response.status_code == 400
    assert "isn't valid" in page_text(response)


def test_verification_token_cannot_reset_a_password(client, auth, outbox):
    auth.sign_up(EMAIL, PASSWORD)
    verify_link = _link(outbox, "confirm your email")
    token = verify_link.rsplit("/", 1)[1]
    assert client.get(f"/reset-password/{token}").status_code == 400


def test_reset_verifies_an_unverified_address(client, outbox):
    UserFactory(email=EMAIL, password=PASSWORD)
    _request_reset(client, EMAIL)
    _new_password(client, _link(outbox, "reset"))
    assert _user().is_verified


# --- account settings --------------------------------------------------------------------------


def test_change_password_requires_current_password(client, signed_in):
    response = post_form(
        client,
        "/account/password",
        {
            "current_password": "wrong one",
            "password": "another password",
            "password_confirm": "another password",
        },
        page="/account",
    )
    assert response.status_code == 422
    assert "isn't your current password" in page_text(response)


def test_change_email_flow(client, auth, outbox, signed_in):
    response = post_form(
        client,
        "/account/email",
        {"email": "New.Address@Example.org", "current_password": PASSWORD},
        page="/account",
    )
    assert response.status_code == 302
    assert _user(EMAIL) is not None  # nothing changes until the link is followed
    message = outbox[-1]
    assert message["To"] == "new.address@example.org"
    link = path_of(links_in(message)[0])
    assert client.get(link).status_code == 302
    assert _user("new.address@example.org") is not None
    assert _user(EMAIL) is None
    notice = outbox[-1]
    assert notice["To"] == EMAIL and "was just changed" in notice.get_content()
    # Reusing the link does nothing more.
    assert client.get(link).status_code == 400


def test_change_email_to_a_taken_address_changes_nothing(client, outbox, signed_in):
    UserFactory(email="taken@example.org")
    response = post_form(
        client,
        "/account/email",
        {"email": "taken@example.org", "current_password": PASSWORD},
        page="/account",
    )
    assert response.status_code == 302  # same answer as for a free address
    assert outbox[-1]["To"] == "taken@example.org"
    assert "already has an account" in outbox[-1].get_content()
    assert _user(EMAIL) is not None


def test_change_email_needs_password(client, signed_in, outbox):
    response = post_form(
        client,
        "/account/email",
        {"email": "new@example.org", "current_password": "nope"},
        page="/account",
    )
    assert response.status_code == 422
    assert outbox == []
    assert 'value="new@example.org"' in page_text(response)


def test_delete_account_deleting_reviews(client, signed_in):
    ReviewFactory(author=signed_in)
    response = post_form(
        client,
        "/account/delete",
        {"reviews": "delete", "current_password": PASSWORD, "confirm": "y"},
    )
    assert response.status_code == 302
    assert _user() is None
    assert db.session.scalar(select(func.count(Review.id))) == 0
    assert _signed_in_as(client) is None


def test_delete_account_keeping_reviews_delinks_them(client, signed_in):
    review = ReviewFactory(author=signed_in)
    review_id = review.id
    post_form(
        client,
        "/account/delete",
        {"reviews": "keep", "current_password": PASSWORD, "confirm": "y"},
    )
    assert _user() is None
    db.session.expire_all()
    kept = db.session.get(Review, review_id)
    assert kept is not None and kept.author_id is None


def test_delete_account_needs_password_and_confirmation(client, signed_in):
    response = post_form(
        client, "/account/delete", {"reviews": "delete", "current_password": "wrong"}
    )
    assert response.status_code == 422
    body = page_text(response)
    assert "Tick the box" in body
    assert _user() is not None
    response = post_form(
        client,
        "/account/delete",
        {"reviews": "delete", "current_password": "wrong", "confirm": "y"},
    )
    assert "isn't your password" in page_text(response)
    assert _user() is not None
