"""The review form's error summary (issue 18, GOV.UK pattern): after a failed submit it comes first,
takes the focus, and each of its links moves the focus to the field it is about. At 1280 and
360 px, with axe on the error state."""

from __future__ import annotations

from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import assert_accessible, save_screenshot
from tests.browser.test_accounts_journey import PASSWORD, new_email, sign_in
from tests.browser.test_review_journey import _employer


def _focused_id(page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")


def test_an_empty_review_form_focuses_the_summary_whose_links_lead_to_the_fields(
    page, live_server, app_context
):
    from extensions import db

    _, slug = _employer("Quillharbour Logistics")
    email = new_email("summary")
    factories.UserFactory(email=email, password=PASSWORD, verified=True)
    db.session.commit()
    sign_in(page, email, PASSWORD)
    page.goto(f"/reviews/new?employer={slug}")
    page.get_by_role("button", name="Preview").click()

    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    expect(summary).to_have_attribute("role", "alert")
    expect(summary.get_by_role("heading")).to_have_text("There is a problem")
    # The summary comes before the form and every field error has a link in it.
    assert page.evaluate(
        "document.querySelector('[data-error-summary]').compareDocumentPosition("
        "document.querySelector('form.review-form')) & Node.DOCUMENT_POSITION_FOLLOWING"
    )
    links = summary.get_by_role("link")
    messages = page.locator("form.review-form .field-error")
    expect(links).to_have_count(messages.count())
    assert links.count() >= 4
    # In the order of the fields on the page: the two radio groups come first.
    expect(links.nth(0)).to_have_text(page.locator("#stage-error").inner_text())
    expect(links.nth(0)).to_have_attribute("href", "#stage-0")
    expect(links.nth(1)).to_have_attribute("href", "#outcome-0")
    assert_accessible(page)
    save_screenshot(page, "review-form-error-summary")

    # A radio group's link focuses its first choice, with the group's legend in view.
    links.nth(0).click()
    expect(page.locator("#stage-0")).to_be_focused()
    expect(page.locator("#stage legend")).to_be_in_viewport()

    # A text field's link focuses that field; its own message stays next to it.
    month = summary.get_by_role("link", name="Enter the month you applied")
    month.click()
    field = page.get_by_label("When did the process start?")
    expect(field).to_be_focused()
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_accessible_description(
        "The month you applied or were first contacted, like 2026-10 or October 2026. Only the "
        "month is kept. Enter the month you applied or were first contacted."
    )
    summary.get_by_role("link", name="Enter the date of your last contact").click()
    expect(page.get_by_label("When did you last hear from them?")).to_be_focused()
    assert _focused_id(page) == "last_contact_on"


def test_without_javascript_the_summary_still_comes_first_and_links_to_the_fields(
    browser, live_server, app_context
):
    from extensions import db

    _, slug = _employer("Marrowgate Freight")
    email = new_email("nojs")
    factories.UserFactory(email=email, password=PASSWORD, verified=True)
    db.session.commit()
    context = browser.new_context(base_url=live_server.base_url, java_script_enabled=False)
    try:
        page = context.new_page()
        sign_in(page, email, PASSWORD)
        page.goto(f"/reviews/new?employer={slug}")
        page.get_by_role("button", name="Preview").click()
        summary = page.locator("[data-error-summary]")
        expect(summary.get_by_role("heading")).to_have_text("There is a problem")
        hrefs = summary.get_by_role("link").evaluate_all("links => links.map(a => a.hash)")
        assert "#stage-0" in hrefs and "#process_month" in hrefs
        for href in hrefs:
            expect(page.locator(href)).to_have_count(1)
    finally:
        context.close()


def test_every_form_with_a_summary_focuses_it_not_only_the_review_form(
    page, live_server, app_context
):
    """static/js/error-summary.js is loaded by base.html: the add-employer form's summary takes
    the focus too, and its link leads to the field."""
    from extensions import db

    email = new_email("employer-summary")
    factories.UserFactory(email=email, password=PASSWORD, verified=True)
    db.session.commit()
    sign_in(page, email, PASSWORD)
    page.goto("/employers/new")
    page.get_by_role("button", name="Add this employer").click()
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    link = summary.get_by_role("link").first
    link.click()
    target = link.get_attribute("href")[1:]
    assert _focused_id(page) == target


def test_a_step_after_the_furthest_one_links_to_the_boxes_in_their_closed_section(
    page, live_server, app_context
):
    """Issue 18: every step reached is a group of checkboxes in "The process" (a <details>);
    its error opens the section and its summary link focuses the first box."""
    from extensions import db

    _, slug = _employer("Tamberlane Studios")
    email = new_email("steps")
    factories.UserFactory(email=email, password=PASSWORD, verified=True)
    db.session.commit()
    sign_in(page, email, PASSWORD)
    page.goto(f"/reviews/new?employer={slug}")
    page.locator("#stage input[value=interview]").check()
    page.locator("#outcome input[value=waiting]").check()
    page.get_by_label("When did the process start?").fill("2026-09")
    page.get_by_label("When did you last hear from them?").fill("2026-10-02")
    page.locator("summary", has_text="The process").click()
    page.locator("#steps input[value=references]").check()
    page.get_by_role("button", name="Preview").click()

    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    link = summary.get_by_role("link", name="You ticked References")
    expect(link).to_have_attribute("href", "#steps-0")
    link.click()
    expect(page.locator("#steps-0")).to_be_focused()
    expect(page.locator("#steps legend")).to_be_in_viewport()
    expect(page.locator("#steps input[value=references]")).to_be_checked()
    assert_accessible(page)
    save_screenshot(page, "review-form-steps-error")
