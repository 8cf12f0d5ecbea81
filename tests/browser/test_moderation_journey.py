"""Moderation in a browser (DESIGN.md §8): a moderator signs in, opens the queue, opens a reported
review, hides it with a guideline and a reason, and sees it gone from the employer's page; the
author is emailed which rule. At 1280 px and 360 px, with axe on every page reached."""

from __future__ import annotations

import uuid

from playwright.sync_api import expect

from accounts.models import Role
from extensions import db
from moderation.models import Flag, FlagReason
from reviews.models import Outcome, ReviewStatus, Stage
from tests import factories
from tests.browser.conftest import assert_accessible, save_screenshot
from tests.browser.test_accounts_journey import PASSWORD, new_email, sign_in


def _setting(live_server):
    """An employer with a published review that a member reported, and a moderator; committed
    before the browser starts (SQLite's write lock)."""
    from employers.services import create_employer
    from scoring.stats import refresh_employer

    tag = uuid.uuid4().hex[:6]
    employer = create_employer(f"Quibblewick Tannery {tag.upper()}")
    employer.listed_at = employer.created_at  # it has a published review (DESIGN.md §5.8)
    author_email, flagger_email, moderator_email = (
        new_email("author"),
        new_email("reader"),
        new_email("moderator"),
    )
    author = factories.UserFactory(email=author_email, password=PASSWORD, verified=True)
    flagger = factories.UserFactory(email=flagger_email, password=PASSWORD, verified=True)
    factories.UserFactory(
        email=moderator_email, password=PASSWORD, verified=True, role=Role.moderator
    )
    narrative = f"Two interviews, then the recruiter Jane Doe {tag} stopped answering my emails."
    review = factories.ReviewFactory(
        author=author,
        employer_id=employer.id,
        stage=Stage.interview,
        outcome=Outcome.ghosted,
        status=ReviewStatus.published,
        narrative=narrative,
    )
    db.session.add(
        Flag(
            review_id=review.id,
            reporter_id=flagger.id,
            reason=FlagReason.personal_information,
            explanation="It names the recruiter in full.",
        )
    )
    refresh_employer(employer.id)
    # Read before committing: after it, touching an expired object would begin a transaction,
    # which outside a request takes SQLite's write lock and stalls the live server.
    setting = {
        "employer": employer.name,
        "slug": employer.slug,
        "author": author_email,
        "flagger": flagger_email,
        "moderator": moderator_email,
        "narrative": narrative,
        "public_id": review.public_id,
    }
    db.session.commit()
    return setting


def test_a_moderator_hides_a_reported_review(page, live_server, app_context):
    s = _setting(live_server)
    secrets = (s["author"], s["flagger"])

    sign_in(page, s["moderator"], PASSWORD)
    page.goto("/moderation")
    expect(page.get_by_role("heading", level=1)).to_have_text("Moderation queue")
    reports = page.get_by_role("region", name="Open reports, oldest first")
    link = reports.get_by_role("link", name=f"A review of {s['employer']}")
    expect(link).to_be_visible()
    assert not any(secret in page.content() for secret in secrets)
    assert_accessible(page)
    save_screenshot(page, "moderation-queue")

    # The reported review: in full, the author as a pseudonym, the report's reason.
    link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"A review of {s['employer']}")
    main = page.get_by_role("main")
    expect(main).to_contain_text(s["narrative"])
    expect(main).to_contain_text("It names the recruiter in full.")
    expect(main).to_contain_text("From a member")
    expect(main.get_by_text("Member ", exact=False).first).to_be_visible()
    assert not any(secret in page.content() for secret in secrets)
    assert_accessible(page)
    save_screenshot(page, "moderation-review")

    # A reason is required: the form says so, and nothing is hidden yet.
    hide = page.locator("#form-hide")
    hide.get_by_label("Guideline broken").select_option(label="Personal information")
    hide.get_by_role("button", name="Hide the review").click()
    expect(page.locator("#form-hide .field-error")).to_contain_text("Give a reason")
    assert_accessible(page)

    hide = page.locator("#form-hide")
    hide.get_by_label("Guideline broken").select_option(label="Personal information")
    hide.get_by_label("Reason for the audit log").fill("Names the recruiter in full.")
    hide.get_by_role("button", name="Hide the review").click()
    # Opened from the queue's reports, so the moderator goes on to the next report (or back to
    # the queue when there is none); the review's own page shows the result.
    expect(page.get_by_role("status").first).to_contain_text("The review is hidden")
    page.goto(f"/moderation/reviews/{s['public_id']}")
    expect(page.get_by_text("Hidden: Personal information")).to_be_visible()
    expect(page.get_by_text("No open reports.")).to_be_visible()
    assert_accessible(page)
    save_screenshot(page, "moderation-review-hidden")

    # Gone from the employer's page and its own page.
    page.goto(f"/employers/{s['slug']}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(s["employer"])
    expect(page.get_by_role("main")).not_to_contain_text(s["narrative"])
    assert_accessible(page)
    save_screenshot(page, "moderation-employer-after-hide")
    response = page.goto(f"/reviews/{s['public_id']}")
    assert response is not None and response.status == 404

    # The author is told which rule, with the link to edit and resubmit.
    (message,) = live_server.emails_to(s["author"])
    body = message.get_content()
    assert "Personal information" in body and f"/reviews/{s['public_id']}/edit" in body
    assert s["flagger"] not in body
