"""The audit log in a browser (issue 17): an admin goes from the queue to the audit log, filters
it, mistypes a date and is told so beside the field; axe finds nothing and nothing is wider than
the screen, at 1280 px and 360 px."""

from __future__ import annotations

from playwright.sync_api import expect

from accounts.models import Role
from extensions import db
from moderation import audit
from moderation.models import AuditAction
from tests import factories
from tests.browser.conftest import assert_accessible
from tests.browser.test_accounts_journey import PASSWORD, new_email, sign_in


def _no_overflow(page) -> None:
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{overflow} px wider than the screen"


def test_an_admin_reads_and_filters_the_audit_log(page, live_server, app_context):
    email = new_email("admin")
    reason = f"Names the recruiter, {email.split('@')[0]}."  # the live database lasts a session
    admin = factories.UserFactory(email=email, password=PASSWORD, verified=True, role=Role.admin)
    employer = factories.EmployerFactory()
    review = factories.ReviewFactory(employer_id=employer.id)
    db.session.flush()
    audit.record(
        admin.id,
        AuditAction.hide,
        "review",
        review.id,
        reason,
        {
            "guideline": "personal_information",
            "previous_status": "published",
        },
    )
    audit.record(
        None, AuditAction.grant_role, "user", admin.id, None, {"from": "moderator", "to": "admin"}
    )
    db.session.commit()

    sign_in(page, email, PASSWORD)
    page.goto("/moderation")
    page.get_by_role("link", name="Audit log").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit log")
    expect(page.get_by_role("cell", name=reason)).to_be_visible()
    assert_accessible(page)
    _no_overflow(page)

    page.get_by_label("Action", exact=True).select_option(label="Hidden")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("cell", name=reason)).to_be_visible()
    assert "action=hide" in page.url
    assert_accessible(page)

    page.goto("/moderation/audit?date_from=31-12-2026")
    expect(page.locator("#date_from-error")).to_contain_text("isn't a date we can read")
    assert_accessible(page)
    _no_overflow(page)
