"""The search page's "did you mean" list at both widths: each row with its score (or "no
estimate yet"), report count, industry and country, accessible, no wider than the screen."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from extensions import db
from reviews.models import Outcome, Stage
from scoring.stats import recompute
from tests import factories
from tests.browser.conftest import assert_accessible, save_screenshot


@pytest.fixture(scope="module")
def kazoonook(live_server):
    with live_server.app.app_context():
        factories.bind(db.session)
        names = ("Kazoonook Advisory", "Kazoonook Analytics and Long-Named Logistics Partners")
        for number, name in enumerate(names):
            employer = factories.EmployerFactory(name=name, country="DE" if number else "BO")
            for i in range(4 if number == 0 else 1):
                contact = date.today() - timedelta(days=20 + 9 * i)
                factories.ReviewFactory(
                    author=factories.UserFactory(),
                    employer_id=employer.id,
                    outcome=Outcome.rejected if i % 2 else Outcome.ghosted,
                    stage=Stage.interview,
                    decision_days=3 if i % 2 else None,
                    process_month=(contact - timedelta(days=20)).replace(day=1),
                    last_contact_on=contact,
                )
        recompute()
        db.session.commit()
        db.session.remove()


def test_did_you_mean_rows(page, width, kazoonook):
    page.goto("/employers?q=kazoonok")
    expect(page.get_by_text("Did you mean one of these?")).to_be_visible()
    rows = page.locator(".employer-list li")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="Kazoonook Advisory")).to_contain_text("Bolivia")
    expect(rows.filter(has_text="Kazoonook Advisory")).to_contain_text("4 reports")
    expect(rows.filter(has_text="Long-Named")).to_contain_text("no estimate yet")
    expect(rows.filter(has_text="Long-Named")).to_contain_text("Germany · 1 report")
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{overflow} px wider than the {width} px screen"
    assert_accessible(page)
    save_screenshot(page, "did-you-mean")
