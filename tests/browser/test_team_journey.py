"""An employer's team in a browser (issue 17): an owner opens the team page from the dashboard,
invites a colleague by work email (a free-mail address is refused in the page first), the
colleague follows the emailed link, signs in with the account confirmed at that address and
accepts; the owner then sees them on the team. At 1280 px and 360 px, with axe on every page."""

from __future__ import annotations

import uuid

from playwright.sync_api import expect

from extensions import db
from tests import factories
from tests.browser.conftest import assert_accessible, save_screenshot
from tests.browser.test_accounts_journey import PASSWORD, new_email, sign_in


def _setting():
    """An employer with a web domain and its owner; the colleague's account, confirmed at their
    work address. Committed before the browser starts (SQLite's write lock)."""
    from employers.models import EmployerDomain
    from employers.services import create_employer
    from representatives.models import Representative

    tag = uuid.uuid4().hex[:6]
    employer = create_employer(f"Larkspur Team {tag.upper()}")
    employer.listed_at = employer.created_at
    domain = f"larkspur-{tag}.com"
    db.session.add(EmployerDomain(employer_id=employer.id, domain=domain))
    owner_email = new_email("owner")
    owner = factories.UserFactory(email=owner_email, password=PASSWORD, verified=True)
    db.session.add(Representative(user_id=owner.id, employer_id=employer.id))
    colleague_email = f"sam.colleague@{domain}"
    factories.UserFactory(email=colleague_email, password=PASSWORD, verified=True)
    setting = {
        "employer": employer.name,
        "slug": employer.slug,
        "owner": owner_email,
        "colleague": colleague_email,
    }
    db.session.commit()
    return setting


def test_an_owner_invites_a_colleague_who_accepts(page, live_server, app_context):
    s = _setting()

    sign_in(page, s["owner"], PASSWORD)
    page.goto(f"/employer?employer={s['slug']}")
    page.get_by_role("link", name="Your team: invite and remove colleagues").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Your team for {s['employer']}")
    assert_accessible(page)

    # A free-mail address is refused in the page, with what was typed kept.
    field = page.get_by_label("Your colleague's work email address")
    field.fill("sam@gmail.com")
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.locator(".field-error")).to_contain_text("free email provider")
    expect(field).to_have_value("sam@gmail.com")
    assert_accessible(page)

    field.fill(s["colleague"])
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_role("main")).to_contain_text(f"Invitation sent to {s['colleague']}")
    expect(
        page.get_by_role("button", name=f"Cancel the invitation to {s['colleague']}")
    ).to_be_visible()
    assert_accessible(page)
    save_screenshot(page, "team-invited")

    # The colleague, in the same browser after the owner has gone: the link asks them to sign
    # in, then brings them back to the invitation.
    page.context.clear_cookies()
    page.goto(live_server.link_in_newest_email(s["colleague"]))
    page.get_by_label("Email address").fill(s["colleague"])
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Represent {s['employer']}?")
    assert_accessible(page)
    save_screenshot(page, "team-invitation")
    page.get_by_role("button", name=f"Yes, I represent {s['employer']}").click()
    expect(page.get_by_role("main")).to_contain_text("as a colleague")
    expect(page.get_by_role("heading", level=1)).to_have_text(s["employer"])
    # A colleague has no team page.
    expect(page.get_by_role("link", name="Your team: invite and remove colleagues")).to_have_count(
        0
    )
    assert_accessible(page)

    # The owner sees them on the team, with the actions an owner has.
    page.context.clear_cookies()
    sign_in(page, s["owner"], PASSWORD)
    page.goto(f"/employer/team?employer={s['slug']}")
    expect(page.get_by_role("main")).to_contain_text(s["colleague"])
    expect(page.get_by_role("button", name=f"Make {s['colleague']} an owner")).to_be_visible()
    expect(page.get_by_text("No invitation is waiting.")).to_be_visible()
    assert_accessible(page)
    save_screenshot(page, "team-page")
