"""Bad input on every form: a clear message in the page, never a 500, nothing typed lost.

Each form gets empty, oversized, wrongly typed, unicode, control-character, HTML/JS and SQL
values. Passwords are never echoed back into a page (browsers and password managers expect
that); every other field keeps what the user typed.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from accounts.models import User
from extensions import db
from tests.conftest import page_text, post_form

PASSWORD = "correct horse battery"

HOSTILE_EMAILS = {
    "empty": ("", "Enter your email address."),
    "spaces": ("   ", "Enter your email address."),
    "no at": ("not-an-email", "Enter a valid email address"),
    "too long": ("a" * 250 + "@example.org", "at most 254 characters"),
    "huge": ("b" * 20000 + "@example.org", "at most 254 characters"),
    "nul": ("user\x00@example.org", "control characters"),
    "bidi override": ("user\u202e@example.org", "control characters"),
    "newline header injection": (
        "user@example.org\r\nBcc: victim@example.org",
        "control characters",
    ),
    "html": ('<script>alert("x")</script>@example.org', "Enter a valid email address"),
    "sql": ("' OR 1=1; DROP TABLE users; --@example.org", "Enter a valid email address"),
    "emoji": ("🙂🙂@🙂.example", "Enter a valid email address"),
}


def _assert_clear_error(response, message: str) -> str:
    assert response.status_code == 422, response.status_code
    body = page_text(response)
    assert message in body
    assert "Traceback" not in body
    return body


def _assert_kept(response, typed: str) -> None:
    """What the user typed is back in the field (HTML-escaped; NUL can't be echoed)."""
    if typed.strip() and "\x00" not in typed and len(typed) < 1000:
        assert f'value="{typed.strip()}"' in page_text(response)


@pytest.mark.parametrize("case", HOSTILE_EMAILS)
def test_sign_up_bad_emails(client, outbox, case):
    email, message = HOSTILE_EMAILS[case]
    response = post_form(
        client,
        "/sign-up",
        {"email": email, "password": PASSWORD, "password_confirm": PASSWORD, "accept": "y"},
    )
    _assert_clear_error(response, message)
    _assert_kept(response, email)
    assert outbox == []
    assert db.session.scalar(select(func.count(User.id))) == 0


@pytest.mark.parametrize("case", HOSTILE_EMAILS)
def test_sign_in_bad_emails(client, case):
    email, message = HOSTILE_EMAILS[case]
    response = post_form(client, "/sign-in", {"email": email, "password": PASSWORD})
    _assert_clear_error(response, message)
    _assert_kept(response, email)


@pytest.mark.parametrize("case", HOSTILE_EMAILS)
def test_reset_request_bad_emails(client, outbox, case):
    email, message = HOSTILE_EMAILS[case]
    response = post_form(client, "/reset-password", {"email": email})
    _assert_clear_error(response, message)
    assert outbox == []


@pytest.mark.parametrize("case", HOSTILE_EMAILS)
def test_change_email_bad_emails(client, signed_in, outbox, case):
    email, message = HOSTILE_EMAILS[case]
    response = post_form(
        client, "/account/email", {"email": email, "current_password": PASSWORD}, page="/account"
    )
    _assert_clear_error(response, message)
    assert outbox == []


BAD_NEW_PASSWORDS = {
    "empty": ("", "", "Choose a password."),
    "short": ("short", "short", "Use between 10 and 200 characters."),
    "too long": ("p" * 201, "p" * 201, "Use between 10 and 200 characters."),
    "huge": ("p" * 50000, "p" * 50000, "Use between 10 and 200 characters."),
    "mismatch": ("a long password one", "a long password two", "don't match"),
    "nul": ("long password\x00here", "long password\x00here", "control characters"),
}


@pytest.mark.parametrize("case", BAD_NEW_PASSWORDS)
def test_sign_up_bad_passwords_keep_the_email(client, case):
    password, confirm, message = BAD_NEW_PASSWORDS[case]
    response = post_form(
        client,
        "/sign-up",
        {
            "email": "Kept@Example.org",
            "password": password,
            "password_confirm": confirm,
            "accept": "y",
        },
    )
    body = _assert_clear_error(response, message)
    assert 'value="kept@example.org"' in body or 'value="Kept@Example.org"' in body
    assert password not in response.get_data(as_text=True) or not password


def test_sign_up_password_equal_to_email(client):
    response = post_form(
        client,
        "/sign-up",
        {
            "email": "longname@example.org",
            "password": "longname@example.org",
            "password_confirm": "longname@example.org",
            "accept": "y",
        },
    )
    _assert_clear_error(response, "Don't use your email address")


def test_sign_up_without_accepting_guidelines(client):
    response = post_form(
        client,
        "/sign-up",
        {"email": "a@example.org", "password": PASSWORD, "password_confirm": PASSWORD},
    )
    _assert_clear_error(response, "confirm you have read the guidelines")


def test_sign_up_unicode_email_and_password_work(client, outbox):
    response = post_form(
        client,
        "/sign-up",
        {
            "email": "josé@exämple.org",
            "password": "пароль-密码-🙂-long",
            "password_confirm": "пароль-密码-🙂-long",
            "accept": "y",
        },
    )
    assert response.status_code == 200
    assert len(outbox) == 1


@pytest.mark.parametrize("case", BAD_NEW_PASSWORDS)
def test_change_password_bad_values(client, signed_in, case):
    password, confirm, message = BAD_NEW_PASSWORDS[case]
    response = post_form(
        client,
        "/account/password",
        {"current_password": PASSWORD, "password": password, "password_confirm": confirm},
        page="/account",
    )
    _assert_clear_error(response, message)


@pytest.mark.parametrize("case", BAD_NEW_PASSWORDS)
def test_reset_password_bad_values(client, user, outbox, case):
    from tests.conftest import links_in, path_of

    post_form(client, "/reset-password", {"email": user.email})
    link = path_of(links_in(outbox[-1])[0])
    password, confirm, message = BAD_NEW_PASSWORDS[case]
    response = post_form(client, link, {"password": password, "password_confirm": confirm})
    _assert_clear_error(response, message)


@pytest.mark.parametrize(
    "typed",
    ["", "x" * 201, "x" * 100000, "\x00\x00", "' OR '1'='1", "<script>alert(1)</script>"],
)
def test_sign_in_bad_passwords(client, user, typed):
    response = post_form(client, "/sign-in", {"email": user.email, "password": typed})
    assert response.status_code in (422, 413)
    assert "Traceback" not in page_text(response)


def test_delete_account_bad_choice(client, signed_in):
    response = post_form(
        client,
        "/account/delete",
        {"reviews": "everything-else", "current_password": PASSWORD, "confirm": "y"},
    )
    _assert_clear_error(response, "Not a valid choice")
    assert db.session.get(User, signed_in.id) is not None


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"email": ["a@example.org", "b@example.org"], "password": PASSWORD},
        {"email": "a@example.org", "password": [PASSWORD, "x"]},
        {"email": 12345, "password": 12345},
    ],
)
def test_sign_in_wrong_shapes(client, data):
    response = post_form(client, "/sign-in", data)
    assert response.status_code == 422
    assert "Traceback" not in page_text(response)


def test_json_body_instead_of_form(client):
    response = client.post("/sign-in", json={"email": "a@example.org", "password": PASSWORD})
    assert response.status_code == 400  # no CSRF token in a JSON body: refused, friendly
    assert "security token" in page_text(response)


@pytest.mark.parametrize(
    "query",
    [
        "",
        "a" * 5000,
        "\x00",
        "nul\x00in the middle",
        "'; DROP TABLE employers; --",
        "<script>alert(1)</script>",
        "%",
        "_",
        "\\",
        "😀 emoji",
        "\u202eevil",
    ],
)
def test_search_query_hostile_values(client, query):
    response = client.get("/employers", query_string={"q": query})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in body


@pytest.mark.parametrize("page", ["0", "-5", "abc", "99999999999999999999", "1.5"])
def test_search_bad_page_numbers(client, page):
    assert client.get("/employers", query_string={"page": page}).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/employers/%00",
        "/employers/" + "x" * 3000,
        "/employers/<script>",
        "/verify-email/%00",
        "/reset-password/" + "y" * 5000,
        "/account/email/..%2F..%2Fetc",
    ],
)
def test_hostile_paths(client, path):
    response = client.get(path)
    assert response.status_code in (302, 400, 404)


@pytest.mark.parametrize(
    "email", ["someone@mailinator.com", "x@sub.mailinator.com", "a@10minutemail.com"]
)
def test_disposable_addresses_are_refused(client, signed_in, outbox, email):
    signup = post_form(
        client.application.test_client(),
        "/sign-up",
        {"email": email, "password": PASSWORD, "password_confirm": PASSWORD, "accept": "y"},
    )
    _assert_clear_error(signup, "disposable email services")
    change = post_form(
        client, "/account/email", {"email": email, "current_password": PASSWORD}, page="/account"
    )
    _assert_clear_error(change, "disposable email services")
    assert outbox == []
