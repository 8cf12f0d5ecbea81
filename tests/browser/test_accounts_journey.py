"""A new visitor's first visit: home, sign-up, confirming the email, signing out and in again,
mistakes on the way, and a forgotten password. Each runs at 1280 px and at 360 px."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from extensions import db
from tests import factories
from tests.browser.conftest import assert_accessible, save_screenshot

PASSWORD = "correct horse battery staple"
CONFIRMED = re.compile(r"^Confirmed [A-Z][a-z]+ \d{4}\.$")  # "Confirmed March 2026."


def new_email(label: str) -> str:
    """A fresh address per test run: the live server's database lasts the whole session."""
    return f"{label}-{uuid.uuid4().hex[:8]}@example.org"


def fill_sign_up(page, email: str, password: str, repeat: str | None = None) -> None:
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_label("Repeat the password").fill(password if repeat is None else repeat)
    page.get_by_label("I have read the guidelines").check()


def error_next_to(page, field_id: str):
    """The error message shown with one field (in the field's own block, above its input)."""
    return page.locator(f".field:has(#{field_id}) .field-error")


def sign_in(page, email: str, password: str) -> None:
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("main").get_by_role("button", name="Sign in").click()


@pytest.fixture
def account(app_context) -> str:
    """A confirmed account made directly (signing up through the pages is tested once, below)."""
    email = new_email("member")
    factories.UserFactory(email=email, password=PASSWORD, verified=True)
    db.session.commit()
    return email


def test_home_says_what_heardback_is(page, live_server):
    page.goto("/")
    expect(page).to_have_title("Will they get back to you? · HeardBack")
    expect(page.get_by_role("heading", level=1)).to_contain_text("will they get back to you?")
    expect(page.get_by_role("main")).to_contain_text("anonymous reports from job candidates")
    search = page.get_by_role("main").get_by_role("searchbox", name="Look up an employer")
    expect(search).to_be_visible()
    # The home page has its own search, so the header doesn't repeat it (other pages keep it).
    expect(page.get_by_role("banner").get_by_role("searchbox")).to_have_count(0)
    assert_accessible(page)
    save_screenshot(page, "home")

    search.fill("Acme")
    search.press("Enter")
    expect(page).to_have_url(live_server.url("/employers?q=Acme"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Acme")


def test_sign_up_confirm_sign_out_and_in(page, live_server):
    email = new_email("journey")
    page.goto("/")
    page.get_by_role("link", name="Create account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Create an account")
    assert_accessible(page)
    save_screenshot(page, "sign-up")

    fill_sign_up(page, email, PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your inbox")
    expect(page.get_by_role("main")).to_contain_text(email)
    assert_accessible(page)
    save_screenshot(page, "check-inbox")

    # The link from the email, opened in the browser that signed up: confirmed and signed in.
    page.goto(live_server.link_in_newest_email(email))
    expect(page.get_by_role("status")).to_contain_text("your email address is confirmed")
    expect(page.get_by_role("status")).to_contain_text("You're signed in.")
    expect(page.get_by_role("banner").get_by_role("button", name="Sign out")).to_be_visible()

    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Account", exact=True
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
    expect(page.get_by_role("main")).to_contain_text(email)
    expect(page.get_by_text(CONFIRMED)).to_be_visible()
    assert_accessible(page)
    save_screenshot(page, "account")
    # Both settings forms ask for the current password; each label must lead to its own field.
    change_password = page.get_by_role("region", name="Change your password")
    change_password.get_by_role("button", name="Change password").click()
    change_password = page.get_by_role("region", name="Change your password")
    expect(change_password.get_by_role("alert")).to_contain_text("There is a problem")
    current = change_password.get_by_label("Current password")
    expect(current).to_have_attribute("aria-invalid", "true")
    expect(current).to_have_accessible_description("Enter your current password.")
    change_email = page.get_by_role("region", name="Change your email address")
    expect(change_email.get_by_label("Current password")).not_to_have_attribute(
        "aria-invalid", "true"
    )
    assert_accessible(page)
    save_screenshot(page, "account-errors")

    page.get_by_role("banner").get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("status")).to_contain_text("You're signed out.")
    expect(page.get_by_role("banner").get_by_role("link", name="Sign in")).to_be_visible()
    page.goto("/account")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    assert_accessible(page)
    save_screenshot(page, "sign-in")

    sign_in(page, email, PASSWORD)
    expect(page.get_by_role("status")).to_contain_text("You're signed in.")
    expect(page.get_by_role("banner").get_by_role("button", name="Sign out")).to_be_visible()


def test_sign_up_mistakes_are_explained_next_to_the_fields(page):
    page.goto("/sign-up")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    expect(error_next_to(page, "email")).to_have_text("Enter your email address.")
    expect(error_next_to(page, "password")).to_have_text("Choose a password.")
    expect(error_next_to(page, "password_confirm")).to_have_text("Type the password again.")
    expect(error_next_to(page, "accept")).to_have_text(
        "Please confirm you have read the guidelines."
    )
    # Screen readers hear the message with the field.
    expect(page.get_by_label("Email address")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Email address")).to_have_accessible_description(
        "We send a confirmation link here. It is never shown on the site. Enter your email address."
    )
    assert_accessible(page)
    save_screenshot(page, "sign-up-errors")

    email = new_email("mismatch")
    fill_sign_up(page, email, PASSWORD, repeat=PASSWORD + " typo")
    page.get_by_role("button", name="Create account").click()
    expect(error_next_to(page, "password_confirm")).to_have_text(
        "The two passwords don't match. Type them again."
    )
    expect(page.get_by_label("Email address")).to_have_value(email)
    expect(error_next_to(page, "email")).to_have_count(0)
    assert_accessible(page)


def test_wrong_password_is_refused_with_a_message(page, account):
    email = account
    sign_in(page, email, "not the password at all")
    expect(page.get_by_role("alert")).to_contain_text(
        "That email and password don't match an account."
    )
    expect(page.get_by_label("Email address")).to_have_value(email)
    expect(page.get_by_label("Password", exact=True)).to_have_value("")
    assert_accessible(page)
    save_screenshot(page, "sign-in-error")


def test_forgotten_password(page, live_server, account):
    email = account

    page.goto("/sign-in")
    page.get_by_role("link", name="Forgotten your password?").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reset your password")
    assert_accessible(page)
    save_screenshot(page, "reset-request")
    page.get_by_label("Email address").fill(email)
    page.get_by_role("button", name="Send the link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your inbox")
    assert_accessible(page)

    page.goto(live_server.link_in_newest_email(email))
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose a new password")
    assert_accessible(page)
    save_screenshot(page, "reset-password")

    # A mismatch first, then the real thing.
    page.get_by_label("New password", exact=True).fill("a brand new passphrase")
    page.get_by_label("Repeat the new password").fill("a different passphrase")
    page.get_by_role("button", name="Save the new password").click()
    expect(error_next_to(page, "password_confirm")).to_contain_text("don't match")
    assert_accessible(page)

    page.get_by_label("New password", exact=True).fill("a brand new passphrase")
    page.get_by_label("Repeat the new password").fill("a brand new passphrase")
    page.get_by_role("button", name="Save the new password").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
    expect(page.get_by_role("status")).to_contain_text("Your password is changed")

    page.get_by_role("banner").get_by_role("button", name="Sign out").click()
    sign_in(page, email, PASSWORD)
    expect(page.get_by_role("alert")).to_contain_text("don't match an account")
    sign_in(page, email, "a brand new passphrase")
    expect(page.get_by_role("status")).to_contain_text("You're signed in.")


def test_unconfirmed_account_is_reminded_and_can_ask_again(page, live_server, app_context):
    email = new_email("unconfirmed")
    factories.UserFactory(email=email, password=PASSWORD)
    db.session.commit()
    sign_in(page, email, PASSWORD)
    banner = page.get_by_text("Confirm your email address to write reviews")
    expect(banner).to_be_visible()
    assert_accessible(page)
    save_screenshot(page, "home-unconfirmed")

    banner.get_by_role("link", name="Send it again").click()
    expect(page.get_by_role("main")).to_contain_text("Not confirmed yet")
    assert_accessible(page)
    save_screenshot(page, "account-unconfirmed")
    page.get_by_role("button", name="Send the confirmation link again").click()
    expect(page.get_by_role("status")).to_contain_text(
        f"We've sent a new confirmation link to {email}"
    )

    page.goto(live_server.link_in_newest_email(email))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
    expect(page.get_by_text(CONFIRMED)).to_be_visible()
    expect(banner).to_have_count(0)

    page.get_by_role("link", name="Delete my account…").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Delete your account")
    assert_accessible(page)
    save_screenshot(page, "delete-account")
