"""The public pages a visitor can reach without an account: each accessible at both widths, none
wider than a phone's screen, and error pages in the site's layout.

One test per width walks every page and reports every problem it finds at once (a fresh browser
context per page would cost more time than the checks themselves).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from extensions import db
from reviews.models import Outcome, Stage
from scoring.stats import recompute
from tests import factories
from tests.browser.conftest import axe_violations, save_screenshot

# name: (path, expected status, text of the h1)
PAGES = {
    "home": ("/", 200, "will they get back to you?"),
    "methodology": ("/methodology", 200, "How HeardBack's figures work"),
    "guidelines": ("/guidelines", 200, "Guidelines for reviews and responses"),
    "privacy": ("/privacy", 200, "Privacy and anonymity"),
    "employers": ("/employers", 200, "Employers"),
    "employers-search": ("/employers?q=Quibblewick", 200, "Employers matching “Quibblewick”"),
    "employers-none": ("/employers?q=Nobody+By+This+Name", 200, "Employers matching"),
    "employer-0-reviews": ("/employers/quibblewick-browser-1", 200, "Quibblewick Browser 1"),
    "employer-2-reviews": ("/employers/quibblewick-browser-2", 200, "Quibblewick Browser 2"),
    "employer-15-reviews": ("/employers/quibblewick-browser-3", 200, "Quibblewick Browser 3"),
    "employer-reviews-list": (
        "/employers/quibblewick-browser-3/reviews?outcome=ghosted",
        200,
        "Quibblewick Browser 3",
    ),
    "rankings": ("/rankings", 200, "Most and least responsive employers"),
    "rankings-industry": ("/rankings?industry=software", 200, "Most and least responsive"),
    "sign-up": ("/sign-up", 200, "Create an account"),
    "sign-in": ("/sign-in", 200, "Sign in"),
    "reset-request": ("/reset-password", 200, "Reset your password"),
    "bad-link": ("/verify-email/not-a-token", 400, "That link didn't work"),
    "not-found": ("/no-such-page", 404, "We couldn't find that page"),
}


@pytest.fixture(scope="module")
def employers(live_server):
    """Employers with 0, 2 and 15 reviews (statistics computed) for the search results, the
    employer pages, a reviews list and the rankings."""
    with live_server.app.app_context():
        factories.bind(db.session)
        created = [
            factories.EmployerFactory(
                name=f"Quibblewick Browser {number}", slug=f"quibblewick-browser-{number}"
            )
            for number in range(1, 4)
        ]
        outcomes = [Outcome.rejected, Outcome.ghosted, Outcome.rejected_with_feedback]
        for employer, count in ((created[1], 2), (created[2], 15)):
            for i in range(count):
                outcome = outcomes[i % 3]
                contact = date.today() - timedelta(days=15 + 9 * i)
                factories.ReviewFactory(
                    author=factories.UserFactory(),
                    employer_id=employer.id,
                    outcome=outcome,
                    stage=[Stage.screen, Stage.interview, Stage.final][i % 3],
                    decision_days=None if outcome is Outcome.ghosted else 2 + i,
                    process_month=(contact - timedelta(days=20)).replace(day=1),
                    last_contact_on=contact,
                    narrative="The recruiter was friendly, then nothing for weeks.",
                )
        recompute()
        # Listed employers with long names, so the rankings' tables are tried at 360 px.
        for name, score, industry in (
            ("Quibblewick Extraordinarily Responsive Consulting Partners", 92.0, "consulting"),
            ("Quibblewick Often Silent Hospitality Holdings", 12.0, "hospitality"),
        ):
            employer = factories.EmployerFactory(name=name, industry=industry)
            stats = employer.stats
            stats.score, stats.score_sd, stats.weight_sum, stats.spread_days = score, 3.0, 40, 200
            stats.scored_reviews = stats.scored_authors = stats.review_count = 40
            stats.author_count = stats.established_authors = 40
        db.session.commit()
        db.session.remove()


def page_problems(page, path: str, status: int, heading: str) -> list[str]:
    response = page.goto(path)
    problems = []
    if response.status != status:
        problems.append(f"{path}: status {response.status}, expected {status}")
    h1 = page.get_by_role("heading", level=1)
    if h1.count() != 1 or heading not in h1.inner_text():
        problems.append(f"{path}: expected one h1 containing {heading!r}")
    if report := axe_violations(page):
        problems.append(report)
    # A phone never scrolls sideways.
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    if overflow > 0:
        width = page.viewport_size["width"]
        problems.append(f"{path}: {overflow} px wider than the {width} px screen")
    return problems


def test_public_pages(page, employers):
    problems = []
    for name, (path, status, heading) in PAGES.items():
        problems += page_problems(page, path, status, heading)
        save_screenshot(page, name)
    assert not problems, "\n\n".join(problems)


def test_error_page_offers_a_way_on(page):
    page.goto("/no-such-page")
    expect(page.get_by_role("banner").get_by_role("searchbox")).to_be_visible()
    page.get_by_role("main").get_by_role("link", name="Search employers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Employers")
