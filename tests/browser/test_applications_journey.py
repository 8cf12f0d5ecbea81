"""My applications, as a candidate uses it (issue 16): add three applications (the first through
the chooser's autocomplete), record steps with a promise, get the follow-up reminder in the
outbox when the promised date passes, share one application as a review, import a tracker
spreadsheet. At 1280 px and 360 px, axe on every page reached."""

from __future__ import annotations

from datetime import date, timedelta

from playwright.sync_api import expect
from sqlalchemy import func, select

from applications.models import Application
from extensions import db
from operations.tick import tick
from tests import factories
from tests.browser.conftest import assert_accessible, save_screenshot
from tests.browser.test_accounts_journey import PASSWORD, new_email, sign_in
from tests.browser.test_review_journey import _employer

TODAY = date.today()
APPLIED = TODAY - timedelta(days=20)


def _member(label: str) -> str:
    email = new_email(label)
    factories.UserFactory(email=email, password=PASSWORD, verified=True)
    db.session.commit()
    return email


def _add_application(page, employer: str, role: str, applied: date | None, status: str = "Applied"):
    expect(page.get_by_role("heading", level=1)).to_contain_text(employer)
    page.get_by_label("Role").fill(role)
    page.get_by_label("Status").select_option(label=status)
    page.get_by_label("Date applied").fill(applied.isoformat() if applied else "")
    page.get_by_role("button", name="Add this application").click()
    expect(page.locator(".flash")).to_contain_text(f"Your application to {employer} is added")


def _add_step(page, kind: str, day: date, promised_days: int | None = None) -> None:
    page.get_by_role("link", name="Add a step").click()
    page.get_by_label("What happened").select_option(label=kind)
    page.get_by_label("Date", exact=True).fill(day.isoformat())
    if promised_days is not None:
        page.get_by_label("They promised an answer within (days)").fill(str(promised_days))
    assert_accessible(page)
    page.get_by_role("button", name="Add this step").click()
    expect(page.locator(".flash")).to_contain_text("The step is added")


def test_tracking_three_applications_and_sharing_one(page, live_server, app_context):
    first, _ = _employer("Marrowgate Logistics")
    second, second_slug = _employer("Pellucid Foods")
    third, third_slug = _employer("Tansy Robotics")
    email = _member("tracker")
    sign_in(page, email, PASSWORD)

    # The tracker starts empty and says what it is for.
    page.goto("/me/applications")
    expect(page.get_by_role("heading", level=1)).to_contain_text("applications")
    assert_accessible(page)

    # 1. Through the chooser's autocomplete, with a misspelled name.
    page.get_by_role("link", name="Add an application").first.click()
    box = page.get_by_role("combobox")
    box.press_sequentially("marowgate logistcs", delay=20)
    option = page.get_by_role("option", name=first)
    expect(option).to_be_visible()
    assert_accessible(page)
    option.click()
    _add_application(page, first, "Warehouse analyst", APPLIED)
    _add_step(page, "Interview", APPLIED + timedelta(days=5), promised_days=7)
    first_page = page.url

    # 2 and 3. Straight to the form, as the chooser's links lead.
    page.goto(f"/me/applications/new?employer={second_slug}")
    _add_application(page, second, "Food scientist", APPLIED + timedelta(days=3))
    _add_step(page, "Screening call", APPLIED + timedelta(days=8))
    page.goto(f"/me/applications/new?employer={third_slug}")
    _add_application(page, third, "Robotics technician", None, status="To apply")

    page.goto("/me/applications")
    rows = page.locator("table.tracker-table tbody tr")
    expect(rows).to_have_count(3)
    # Sorted by next action: the promise that passed first, the one still to send last.
    expect(rows.first).to_contain_text(first)
    expect(rows.last).to_contain_text(third)
    assert_accessible(page)
    save_screenshot(page, "applications-list")

    # The promised date passes: tick sends the follow-up reminder.
    tick()
    db.session.commit()
    reminders = [message for message in live_server.emails_to(email) if first in message["Subject"]]
    assert reminders, [message["Subject"] for message in live_server.emails_to(email)]
    body = reminders[-1].get_content()
    assert "Warehouse analyst" in body and "Following up" in body

    # Share the first as a review: the form comes filled in, the candidate checks and publishes.
    page.goto(first_page)
    assert_accessible(page)
    save_screenshot(page, "application-page")
    page.get_by_role("link", name="Share as a review").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(first)
    expect(page.locator(".notice")).to_contain_text("come from your tracked application")
    expect(page.locator("input[name=stage][value=interview]")).to_be_checked()
    expect(page.locator("input[name=outcome][value=waiting]")).to_be_checked()
    expect(page.get_by_label("When did you last hear from them?")).to_have_value(
        (APPLIED + timedelta(days=5)).isoformat()
    )
    assert_accessible(page)
    save_screenshot(page, "application-shared-form")
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check before publishing")
    page.get_by_role("button", name="Publish my review").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your reviews")
    expect(page.locator(".my-reviews li", has_text=first)).to_contain_text("Scheduled")

    page.goto(first_page)
    expect(page.locator(".share-as-review")).to_contain_text("You shared this application")


def test_importing_a_tracker_spreadsheet(page, live_server, app_context, tmp_path):
    known, _ = _employer("Quorrel Dynamics")
    email = _member("importer")
    sign_in(page, email, PASSWORD)
    sheet = tmp_path / "my-tracker.csv"
    sheet.write_text(
        "Company,Position,Date Applied,Status,Notes\n"
        f'{known},Data engineer,{APPLIED.isoformat()},Interviewing,=HYPERLINK("http://x")\n'
        "Nobody Heard Of This Co,Analyst,2026-13-45,Applied,\n",
        encoding="utf-8",
    )

    page.goto("/me/applications")
    page.get_by_role("link", name="Import from a spreadsheet (CSV)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import your applications")
    assert_accessible(page)
    page.get_by_label("Your tracker as a CSV file").set_input_files(str(sheet))
    page.get_by_role("button", name="Upload and match the columns").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Match the columns")
    assert_accessible(page)
    save_screenshot(page, "applications-import-mapping")
    page.get_by_role("button", name="Check the rows").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Check before importing")
    main = page.get_by_role("main")
    expect(main).to_contain_text(known)
    expect(main).to_contain_text("Nobody Heard Of This Co")  # listed as unreadable, with why
    assert_accessible(page)
    save_screenshot(page, "applications-import-preview")
    # Nothing is stored before the candidate confirms.
    before = db.session.scalar(select(func.count()).select_from(Application))
    db.session.commit()
    page.get_by_role("button", name="Import 1 application").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your applications")
    rows = page.locator("table.tracker-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(known)
    expect(rows.first).to_contain_text("Data engineer")
    after = db.session.scalar(select(func.count()).select_from(Application))
    db.session.commit()
    assert after == before + 1
    assert_accessible(page)
