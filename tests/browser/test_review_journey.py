"""A candidate's whole journey: sign up, confirm, find the employer by a misspelled name, write a
review while still waiting, preview it, see it on /me, then update it to a rejection with
feedback. And the three stories of DESIGN.md §4, recorded field for field. Each runs at 1280 px
and at 360 px, with axe on every page reached."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from extensions import db
from tests import factories
from tests.browser.conftest import assert_accessible, save_screenshot
from tests.browser.test_accounts_journey import PASSWORD, fill_sign_up, new_email, sign_in

START = (date.today() - timedelta(days=70)).replace(day=1)
CONTACT = START + timedelta(days=12)


def _employer(name: str) -> tuple[str, str]:
    """A uniquely named employer in the live server's database: (name, slug).

    Commits before returning: outside a request every transaction here takes SQLite's write
    lock, and the live server must not wait for the test's session.
    """
    from employers.services import create_employer

    employer = create_employer(f"{name} {uuid.uuid4().hex[:6].upper()}")
    employer.listed_at = employer.created_at  # found by the search, as if reviewed (§5.8)
    result = (employer.name, employer.slug)
    db.session.commit()
    return result


def _essentials(page, stage: str, outcome: str, decision_days: int | None = None) -> None:
    page.locator(f"input[name=stage][value={stage}]").check()
    page.locator(f"input[name=outcome][value={outcome}]").check()
    page.get_by_label("When did the process start?").fill(START.strftime("%Y-%m"))
    page.get_by_label("When did you last hear from them?").fill(CONTACT.isoformat())
    if decision_days is not None:
        page.get_by_label("How many days after that contact").fill(str(decision_days))


def _open(page, section: str) -> None:
    summary = page.locator("summary", has_text=section)
    if summary.locator("xpath=..").get_attribute("open") is None:
        summary.click()


def _preview_and_publish(page, screenshot: str | None = None):
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check before publishing")
    assert_accessible(page)
    if screenshot:
        save_screenshot(page, screenshot)
    page.get_by_role("button", name="Publish my review").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your reviews")


def test_whole_journey(page, live_server, app_context):
    misspelled_target, _ = _employer("Quibblewick Widgets")
    email = new_email("journey")

    page.goto("/sign-up")
    fill_sign_up(page, email, PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your inbox")
    # The link, opened in the browser that signed up, signs the new account in.
    page.goto(live_server.link_in_newest_email(email))
    expect(page.get_by_role("status")).to_contain_text("You're signed in.")

    # Find the employer by a misspelled name, with the autocomplete.
    page.goto("/reviews/new")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Which employer")
    box = page.get_by_role("combobox")
    box.press_sequentially("quiblewik widgts", delay=20)
    option = page.get_by_role("option", name=misspelled_target)
    expect(option).to_be_visible()
    assert_accessible(page)
    option.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(misspelled_target)

    # Still waiting; decision days hidden until a decision is chosen.
    _essentials(page, "interview", "waiting")
    expect(page.get_by_label("How many days after that contact")).to_be_hidden()
    _open(page, "In your words")
    page.get_by_label("What happened?").fill(
        "Two interviews, then silence. I wrote to hr@quibble.example and waited."
    )
    assert_accessible(page)
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check before publishing")
    expect(page.get_by_role("main")).to_contain_text("We removed some details")
    expect(page.locator(".review-card")).to_contain_text("[removed]")
    expect(page.locator(".review-card")).not_to_contain_text("hr@quibble.example")
    assert_accessible(page)
    save_screenshot(page, "review-preview")
    page.get_by_role("button", name="Publish my review").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your reviews")
    item = page.locator(".my-reviews li", has_text=misspelled_target)
    expect(item).to_contain_text("Scheduled")
    expect(item).to_contain_text("Still waiting")
    assert_accessible(page)
    save_screenshot(page, "me-scheduled")

    # Update: waiting -> rejected with feedback.
    item.get_by_role("link", name="Update").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Update your review")
    page.locator("input[name=outcome][value=rejected_with_feedback]").check()
    expect(page.get_by_label("How many days after that contact")).to_be_visible()
    page.get_by_label("How many days after that contact").fill("6")
    _open(page, "Timeline and follow-ups")
    page.locator("input[name=feedback][value=specific]").check()
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check before updating")
    expect(page.locator(".review-card")).to_contain_text("Turned down, with a reason")
    page.get_by_role("button", name="Save the update").click()
    item = page.locator(".my-reviews li", has_text=misspelled_target)
    expect(item).to_contain_text("Turned down, with a reason")
    expect(item).to_contain_text("updated")
    save_screenshot(page, "me-updated")

    # Once the review is public, a change waits for its own random moment (DESIGN.md §5.8):
    # /me says so, and the public page keeps the published version meanwhile.
    from reviews.lifecycle import publish_due
    from timeutils import utcnow

    # (Other journeys on the same live server may leave scheduled reviews of their own.)
    assert publish_due(utcnow() + timedelta(days=11)) >= 1
    db.session.commit()
    page.reload()
    item = page.locator(".my-reviews li", has_text=misspelled_target)
    item.get_by_role("link", name="Update").click()
    _open(page, "In your words")
    page.get_by_label("What happened?").fill("Two interviews, then a rejection with feedback.")
    page.get_by_role("button", name="Preview").click()
    page.get_by_role("button", name="Save the update").click()
    item = page.locator(".my-reviews li", has_text=misspelled_target)
    expect(item).to_contain_text("Change scheduled")
    assert_accessible(page)
    save_screenshot(page, "me-change-scheduled")


def test_mistakes_are_explained_and_nothing_is_lost(page, live_server, app_context):
    _, slug = _employer("Snorkeldown Analytics")
    email = new_email("mistakes")
    factories.UserFactory(email=email, password=PASSWORD, verified=True)
    db.session.commit()
    sign_in(page, email, PASSWORD)
    page.goto(f"/reviews/new?employer={slug}")
    page.locator("input[name=outcome][value=rejected]").check()
    _open(page, "In your words")
    story = "A long account that must not be lost. " * 30
    page.get_by_label("What happened?").fill(story)
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("alert").first).to_contain_text("There is a problem")
    expect(page.locator("#stage-error")).to_contain_text("Choose the furthest step")
    expect(page.get_by_label("What happened?")).to_have_value(story.strip())
    expect(page.get_by_label("How many days after that contact")).to_be_visible()
    assert_accessible(page)
    save_screenshot(page, "review-form-errors")


STORIES = {
    "references-then-nothing": dict(
        stage="references",
        outcome="ghosted",
        optional={
            "Timeline and follow-ups": [("followups_sent", "2"), ("followups_answered", "0")],
            "The process": [("interview_rounds", "2"), ("hours_invested", "9")],
        },
        narrative="A phone screen, a two-hour interview and a writing exercise; then they "
        "contacted my references. I followed up twice. Nothing.",
        # A new employer: the card is coarse (DESIGN.md §5.9), follow-ups without counts.
        expect_card=["Never heard back", "followed up, no answer"],
    ),
    "accepted-then-silence": dict(
        stage="offer",
        outcome="ghosted",
        optional={"Timeline and follow-ups": [("next_steps", "yes_vague")]},
        narrative="They told me I was accepted and would get a call about my start date. "
        "The call never came.",
        expect_card=["Never heard back", "Interviewed"],
    ),
    "missed-promise": dict(
        stage="final",
        outcome="rejected",
        decision_days=23,
        optional={
            "Timeline and follow-ups": [
                ("next_steps", "yes_with_date"),
                ("promised_days", "7"),
                ("feedback", "generic"),
            ],
            "The process": [("application_channel", "recruiter")],
        },
        narrative="The recruiter promised an answer within a week. It took more than three, "
        "and I turned down another offer while waiting.",
        expect_card=[
            "Turned down, no reason",
            "within a week (missed)",
            "15 to 30 days after last contact",
        ],
    ),
}


@pytest.mark.parametrize("story", STORIES)
def test_the_three_stories(page, live_server, app_context, story):
    spec = STORIES[story]
    name, slug = _employer("Fizzlebrook Logistics")
    email = new_email("story")
    factories.UserFactory(email=email, password=PASSWORD, verified=True)
    db.session.commit()
    sign_in(page, email, PASSWORD)
    page.goto(f"/reviews/new?employer={slug}")
    _essentials(page, spec["stage"], spec["outcome"], spec.get("decision_days"))
    for section, fields in spec["optional"].items():
        _open(page, section)
        for field_name, value in fields:
            target = page.locator(f"[name={field_name}]")
            if target.first.get_attribute("type") == "radio":
                page.locator(f"input[name={field_name}][value={value}]").check()
            elif target.first.evaluate("element => element.tagName") == "SELECT":
                target.select_option(value)
            else:
                target.fill(value)
    _open(page, "In your words")
    page.get_by_label("What happened?").fill(spec["narrative"])
    save_screenshot(page, f"story-{story}-form")
    page.get_by_role("button", name="Preview").click()
    card = page.locator(".review-card")
    for text in spec["expect_card"]:
        expect(card).to_contain_text(text)
    save_screenshot(page, f"story-{story}-preview")
    page.get_by_role("button", name="Publish my review").click()
    expect(page.locator(".my-reviews li", has_text=name)).to_be_visible()
