"""Suspensions in a browser (issue 17): an admin goes from the queue to the suspended accounts,
opens one, sends the lift without a reason and is told so beside the field, then lifts it; axe
finds nothing and nothing is wider than the screen, at 1280 px and 360 px."""

from __future__ import annotations

from playwright.sync_api import expect

from accounts.models import Role
from extensions import db
from moderation import audit
from moderation.models import AuditAction
from moderation.queue import pseudonym
from tests import factories
from tests.browser.conftest import assert_accessible
from tests.browser.test_accounts_journey import PASSWORD, new_email, sign_in


def _no_overflow(page) -> None:
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    wide = page.evaluate(
        "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right >"
        " document.documentElement.clientWidth).slice(0, 5).map(e => e.tagName + '.' +"
        " e.className + ':' + (e.textContent || '').slice(0, 40))"
    )
    assert overflow <= 0, f"{overflow} px wider than the screen: {wide}"


def test_an_admin_lifts_a_suspension(page, live_server, app_context):
    admin = factories.UserFactory(
        email=new_email("admin"), password=PASSWORD, verified=True, role=Role.admin
    )
    member = factories.UserFactory(email=new_email("member"), verified=True, suspended=True)
    db.session.flush()
    audit.record(
        admin.id,
        AuditAction.suspend_user,
        "user",
        member.id,
        "Several accounts writing the same reviews of one employer.",
        {"category": "fake_reviews"},
    )
    name = pseudonym(member.id)
    email = admin.email
    db.session.commit()  # and no read after it: the live server writes to the same database

    sign_in(page, email, PASSWORD)
    page.goto("/moderation")
    page.get_by_role("link", name="Suspended accounts").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Suspended accounts")
    expect(page.get_by_role("rowheader", name=name)).to_be_visible()
    assert_accessible(page)
    _no_overflow(page)

    page.get_by_role("link", name=f"Lift the suspension of {name}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Lift the suspension of {name}")
    page.get_by_role("button", name="Lift the suspension").click()
    expect(page.locator("#reason-error")).to_contain_text("Give a reason")
    assert_accessible(page)
    _no_overflow(page)

    page.get_by_label("Reason for the audit log").fill("Appeal by email: a shared household.")
    page.get_by_role("button", name="Lift the suspension").click()
    expect(page.get_by_text(f"The suspension of {name} is lifted")).to_be_visible()
    assert_accessible(page)
