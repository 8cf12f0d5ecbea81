"""Choosing the employer of a review in a real browser: the autocomplete (keyboard and mouse, axe
with the list open), the same choice without JavaScript, and adding an employer with mistakes
first. Each runs at 1280 px and at 360 px."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from employers.models import Industry
from employers.services import create_employer, find_by_name
from extensions import db
from scripts.screenshots import WIDTHS
from tests import factories
from tests.browser.conftest import assert_accessible, save_screenshot
from tests.browser.test_accounts_journey import PASSWORD, new_email, sign_in

EMPLOYER = "Fernhollow Biscuits Ltd"
MISSPELLED = "fernholow biscits"


@pytest.fixture
def member(app_context) -> str:
    """A confirmed account, made directly (signing up is tested in test_accounts_journey)."""
    email = new_email("chooser")
    factories.UserFactory(email=email, password=PASSWORD, verified=True)
    db.session.commit()
    return email


@pytest.fixture
def biscuits(app_context) -> str:
    """The employer to find, shared by the runs at each width (the live database lasts the
    session); returns its slug. Committed at once: the live server must not wait for us."""
    employer = find_by_name(EMPLOYER) or create_employer(
        EMPLOYER, industry=Industry.retail, country="GB", domain="fernhollow-biscuits.example"
    )
    slug = employer.slug
    employer.listed_at = employer.listed_at or employer.created_at  # has reviews (§5.8)
    db.session.commit()
    return slug


@pytest.fixture
def generous_limits(live_server):
    """The add-employer limit is per client, and every test here is the same client."""
    config = live_server.app.config
    saved = config.get("RATELIMIT_EMPLOYER_CREATE")
    config["RATELIMIT_EMPLOYER_CREATE"] = "1000 per hour"
    yield
    if saved is None:
        config.pop("RATELIMIT_EMPLOYER_CREATE", None)
    else:
        config["RATELIMIT_EMPLOYER_CREATE"] = saved


def test_autocomplete_with_the_keyboard(page, live_server, member, biscuits):
    sign_in(page, member, PASSWORD)
    page.goto("/reviews/new")  # without an employer, the review form sends us to choose one
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Which employer is your review about?"
    )
    assert_accessible(page)
    save_screenshot(page, "choose-employer")

    box = page.get_by_role("combobox", name="Employer name")
    expect(box).to_have_attribute("aria-expanded", "false")
    box.press_sequentially(MISSPELLED, delay=25)
    listbox = page.get_by_role("listbox", name="Suggested employers")
    expect(listbox).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(box).to_have_attribute("aria-controls", listbox.get_attribute("id"))
    options = listbox.get_by_role("option")
    expect(options.first).to_contain_text(EMPLOYER)
    expect(options.first).to_contain_text("Retail & consumer goods · United Kingdom")
    expect(options.last).to_have_text(f"Add “{MISSPELLED}” as a new employer")
    expect(page.get_by_role("status").filter(has_text="found")).to_have_count(1)

    box.press("ArrowDown")
    expect(options.first).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", options.first.get_attribute("id"))
    assert_accessible(page)
    save_screenshot(page, "choose-employer-suggestions")

    # Up from the first wraps to the last; Escape closes; Down opens again on the first.
    box.press("ArrowUp")
    expect(options.last).to_have_attribute("aria-selected", "true")
    expect(options.first).to_have_attribute("aria-selected", "false")
    box.press("Escape")
    expect(listbox).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(box).not_to_have_attribute("aria-activedescendant", re.compile(".+"))
    box.press("ArrowDown")
    expect(listbox).to_be_visible()
    expect(options.first).to_have_attribute("aria-selected", "true")

    box.press("Enter")
    expect(page).to_have_url(live_server.url(f"/reviews/new?employer={biscuits}"))


def test_autocomplete_with_the_mouse_and_the_results_page(page, live_server, member, biscuits):
    sign_in(page, member, PASSWORD)
    page.goto("/reviews/new/employer")
    box = page.get_by_role("combobox", name="Employer name")
    box.press_sequentially("zzq", delay=25)
    # Nothing matches: the only choice is to add it.
    listbox = page.get_by_role("listbox", name="Suggested employers")
    expect(listbox.get_by_role("option")).to_have_count(1)
    expect(listbox.get_by_role("option")).to_have_text("Add “zzq” as a new employer")

    # Too short: the list closes.
    box.fill("f")
    box.dispatch_event("input")
    expect(listbox).to_be_hidden()

    # Enter with nothing highlighted submits the form: the results page, which needs no script.
    box.fill(MISSPELLED)
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/reviews/new/employer\?q=fernholow\+biscits$"))
    expect(page.get_by_role("heading", level=2)).to_have_text("Is it one of these?")
    expect(page.get_by_role("link", name=re.compile(EMPLOYER))).to_be_visible()
    assert_accessible(page)
    save_screenshot(page, "choose-employer-results")

    # Typing again on the results page opens the list; a click picks the employer.
    box = page.get_by_role("combobox", name="Employer name")
    box.fill("")
    box.press_sequentially("fernhollow", delay=25)
    option = listbox.get_by_role("option", name=re.compile(EMPLOYER))
    expect(option).to_be_visible()
    option.click()
    expect(page).to_have_url(live_server.url(f"/reviews/new?employer={biscuits}"))


@pytest.fixture
def no_script_page(browser, live_server, width):
    """A browser with JavaScript off, at the test's width."""
    context = browser.new_context(
        viewport={"width": width, "height": WIDTHS[width]},
        base_url=live_server.base_url,
        locale="en-GB",
        java_script_enabled=False,
    )
    context.set_default_timeout(10_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def test_without_javascript(no_script_page, live_server, member, biscuits):
    page = no_script_page
    sign_in(page, member, PASSWORD)
    page.goto("/reviews/new/employer")
    box = page.get_by_role("searchbox", name="Employer name")
    expect(box).not_to_have_attribute("role", "combobox")  # the script never ran
    box.fill(MISSPELLED)
    page.get_by_role("button", name="Find the employer").click()
    expect(page.get_by_role("heading", level=2)).to_have_text("Is it one of these?")
    choice = page.get_by_role("link", name=re.compile(EMPLOYER))
    expect(choice).to_contain_text("Retail & consumer goods · United Kingdom · ")
    expect(
        page.get_by_role("link", name=f"Add “{MISSPELLED}” as a new employer")
    ).to_have_attribute("href", "/employers/new?name=fernholow+biscits")
    save_screenshot(page, "choose-employer-results-no-js")
    choice.click()
    expect(page).to_have_url(live_server.url(f"/reviews/new?employer={biscuits}"))


def test_adding_an_employer_after_mistakes(page, live_server, member, biscuits, generous_limits):
    sign_in(page, member, PASSWORD)
    page.goto(f"/reviews/new/employer?q={MISSPELLED}")
    page.get_by_role("link", name=f"Add “{MISSPELLED}” as a new employer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add an employer")
    name = page.get_by_label("Employer name")
    expect(name).to_have_value(MISSPELLED)

    # A free-mail domain, and a name so close to one we know that we ask first.
    name.fill("Fernhollow Biscuit")
    page.get_by_label("Website (optional)").fill("https://www.gmail.com/")
    page.get_by_label("Industry (optional)").select_option(label="Retail & consumer goods")
    page.get_by_label("Country (optional)").select_option(label="United Kingdom")
    page.get_by_role("button", name="Add this employer").click()
    expect(page.get_by_role("alert").first).to_contain_text("Did you mean this employer?")
    website = page.get_by_label("Website (optional)")
    expect(website).to_have_attribute("aria-invalid", "true")
    expect(page.locator(".field:has(#website) .field-error")).to_have_text(
        "gmail.com is a free email provider, not an employer's website. Leave this empty if you "
        "don't know the employer's own domain."
    )
    expect(page.get_by_label("Industry (optional)")).to_have_value("retail")
    expect(page.get_by_label("Country (optional)")).to_have_value("GB")
    expect(page.get_by_role("link", name=re.compile(EMPLOYER))).to_have_attribute(
        "href", f"/reviews/new?employer={biscuits}"
    )
    assert_accessible(page)
    save_screenshot(page, "new-employer-errors")

    # The same name once normalised, and its domain: always the existing employer.
    name.fill("FERNHOLLOW BISCUITS, Inc.")
    website.fill("http://www.Fernhollow-Biscuits.example/jobs")
    page.get_by_role("button", name="Add as a new employer").click()
    expect(page.get_by_role("alert").first).to_contain_text(
        "Fernhollow Biscuits Ltd is already on HeardBack"
    )
    expect(page.get_by_label("No, this is a different employer")).to_have_count(0)
    expect(page.locator(".field:has(#website) .field-error")).to_have_text(
        "fernhollow-biscuits.example is already the website of Fernhollow Biscuits Ltd."
    )
    expect(
        page.get_by_role("link", name="Write your review about Fernhollow Biscuits Ltd")
    ).to_have_count(2)
    assert_accessible(page)
    save_screenshot(page, "new-employer-duplicate")

    # A really different employer whose name is one letter away from a known one: "did you
    # mean" first, then "No, this is a different employer".
    known = f"Fernhollow Crumpets {uuid.uuid4().hex[:6].upper()}"
    known_employer = create_employer(known)
    known_employer.listed_at = known_employer.created_at  # suggested: listed (§5.8)
    db.session.commit()
    name.fill(known.replace("Crumpets", "Crumpet"))
    website.fill("")
    page.get_by_role("button", name="Add this employer").click()
    expect(page.get_by_role("alert").first).to_contain_text("Did you mean")
    page.get_by_label("No, this is a different employer").check()
    page.get_by_role("button", name="Add as a new employer").click()
    expect(page).to_have_url(re.compile(r"/reviews/new\?employer=fernhollow-crumpet-[0-9a-z]{6}$"))
