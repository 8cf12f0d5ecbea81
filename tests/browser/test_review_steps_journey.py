"""Editing a published review's steps (issue 18), as its author does it: the edit form opens
with the steps already ticked and the wait answer chosen, a step added survives the preview and
"Back to editing", and the update is saved. At 1280 and 360 px, with axe on the edit form."""

from __future__ import annotations

from datetime import date, timedelta

from playwright.sync_api import expect

from employers.models import Employer
from extensions import db
from reviews.models import Outcome, Review, ReviewStatus, Stage
from scoring.vocabulary import steps_mask, steps_of
from tests import factories
from tests.browser.conftest import assert_accessible, save_screenshot
from tests.browser.test_accounts_journey import PASSWORD, new_email, sign_in
from tests.browser.test_review_journey import _employer


def test_an_author_edits_the_steps_of_a_published_review(page, live_server, app_context):
    _, slug = _employer("Quillborough Freight")
    email = new_email("steps-edit")
    author = factories.UserFactory(email=email, password=PASSWORD, verified=True)
    employer_id = db.session.scalar(db.select(Employer.id).where(Employer.slug == slug))
    contact = date.today() - timedelta(days=30)
    review = factories.ReviewFactory(
        author=author,
        employer_id=employer_id,
        stage=Stage.final,
        outcome=Outcome.rejected,
        decision_days=6,
        last_contact_on=contact,
        process_month=(contact - timedelta(days=40)).replace(day=1),
        steps=steps_mask([Stage.screen, Stage.interview, Stage.final]),
        turned_down_work=True,
        status=ReviewStatus.published,
    )
    public_id = review.public_id
    db.session.commit()

    sign_in(page, email, PASSWORD)
    page.goto(f"/reviews/{public_id}/edit")
    # What the review says is what the form shows, its sections open: nothing to tick again.
    expect(page.locator("details:has(#steps)")).to_have_attribute("open", "")
    expect(page.locator("#steps input[value=screen]")).to_be_checked()
    expect(page.locator("#steps input[value=interview]")).to_be_checked()
    expect(page.locator("#steps input[value=assignment]")).not_to_be_checked()
    expect(page.locator("#turned_down_work input[value=yes]")).to_be_checked()
    assert_accessible(page)
    save_screenshot(page, "review-edit-steps")

    page.locator("#steps input[value=assignment]").check()
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("heading", name="Check before updating")).to_be_visible()
    page.get_by_role("button", name="Back to editing").click()
    expect(page.locator("details:has(#steps)")).to_have_attribute("open", "")
    expect(page.locator("#steps input[value=assignment]")).to_be_checked()
    expect(page.locator("#steps input[value=screen]")).to_be_checked()

    page.get_by_role("button", name="Preview").click()
    page.get_by_role("button", name="Save the update").click()
    expect(page.get_by_role("main")).not_to_contain_text("Tick steps from the list")
    save_screenshot(page, "review-edit-steps-saved")
    db.session.expire_all()
    saved = db.session.scalar(db.select(Review).where(Review.public_id == public_id))
    # A published review's change waits for its moment (DESIGN.md §5.8), with every step kept.
    pending = saved.pending_values or {}
    steps = pending.get("steps", saved.steps)
    assert set(steps_of(steps)) == {Stage.screen, Stage.interview, Stage.assignment, Stage.final}
