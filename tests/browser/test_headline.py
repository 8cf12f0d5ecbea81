"""The headline answers the candidate's question ("will they get back to me?"). On a "Ghosts"
employer, the first screen (no scrolling) says how many candidates hear back, at 1280 px and at
360 px, and "What to expect" leads with that chance rather than with how fast the few answers
came."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from employers.models import EmployerStats
from employers.services import headline
from extensions import db
from reviews.models import Outcome, Stage
from scoring import engine
from scoring import figures as side
from scoring.stats import recompute
from tests import factories
from tests.browser.conftest import SCREENSHOTS, assert_accessible, save_screenshot

SLUG = "hollowmere-recruiting"


@pytest.fixture(scope="module")
def ghosts(live_server) -> str:
    """Eighty published reviews from eighty accounts: one in forty got a decision, the others
    never heard back. ("Ghosts" needs the whole 80% interval under scoring.params.GHOSTS_BELOW,
    so it takes many reports; the browser tests share one database, whose other employers
    raise the site-wide figure the estimate leans toward.) Returns the sentence the page should
    lead with, from the statistics row the page reads."""
    with live_server.app.app_context():
        factories.bind(db.session)
        employer = factories.EmployerFactory(name="Hollowmere Recruiting", slug=SLUG)
        for i in range(80):
            contact = date.today() - timedelta(days=40 + 4 * i)
            decided = i % 40 == 0
            factories.ReviewFactory(
                author=factories.UserFactory(),
                employer_id=employer.id,
                outcome=Outcome.rejected if decided else Outcome.ghosted,
                stage=Stage.interview,
                decision_days=5 if decided else None,
                process_month=(contact - timedelta(days=20)).replace(day=1),
                last_contact_on=contact,
                narrative="Two interviews, then nothing at all.",
            )
        recompute()
        db.session.commit()
        stats = db.session.get(EmployerStats, employer.id)
        verdict = headline(stats)  # as the page decides it
        db.session.remove()
    assert verdict.band is engine.Band.ghosts, verdict
    return side.chance_words(verdict.score)


def test_a_ghosts_employers_first_screen_says_how_many_candidates_hear_back(page, ghosts):
    page.goto(f"/employers/{SLUG}")
    headline = page.locator(".chance-words")
    expect(headline).to_have_text(ghosts)
    assert "candidates hear back" in ghosts and ghosts.startswith(("About 1 in", "Fewer than"))

    # On the first screen: the whole sentence lies within the viewport without scrolling.
    assert page.evaluate("window.scrollY") == 0
    box = headline.bounding_box()
    viewport = page.viewport_size
    assert box is not None
    assert box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"], (box, viewport)
    assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"], (box, viewport)
    # The label and the counts it rests on come with it.
    panel = page.locator("section.headline")
    expect(panel).to_contain_text("Ghosts")
    expect(panel).to_contain_text("2 of 80 candidates heard back; 78 met silence")

    # "What to expect" opens with the chance, not with the timing of the few answers.
    expect_panel = page.locator("section.expect")
    expect(expect_panel.locator("p").first).to_contain_text(ghosts)
    assert "Most candidates who got an answer" not in page.locator("main").inner_text()

    assert_accessible(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    width = viewport["width"]
    page.screenshot(path=str(SCREENSHOTS / f"ghosts-first-screen-{width}.png"))
    save_screenshot(page, "ghosts-employer")
