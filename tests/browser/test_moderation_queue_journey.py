"""The moderation queue at volume in a browser (DESIGN.md §8): a moderator handles 30 seeded items
of one employer: five held reviews one after another with "next item", the other ten with one
bulk publish, ten reports with one bulk dismiss, and five resubmitted reviews with the keyboard
(p, then "next"), until the queue says the list is empty. Then the claims page, whose approval
button must be reachable at 360 px. At 1280 px and 360 px, axe on every page reached."""

from __future__ import annotations

import uuid
from datetime import timedelta

from playwright.sync_api import expect

from accounts.models import Role
from extensions import db
from moderation.models import Flag, FlagReason
from reviews.models import HoldReason, ReviewStatus
from tests import factories
from tests.browser.conftest import assert_accessible, save_screenshot
from tests.browser.test_accounts_journey import PASSWORD, new_email, sign_in
from timeutils import month_start, utcnow


def _setting(live_server) -> dict:
    """One employer with 15 held reviews, 5 resubmitted ones and 10 reports on published
    reviews; a claim awaiting a moderator; a moderator. Committed before the browser starts."""
    from employers.services import create_employer

    tag = uuid.uuid4().hex[:6]
    employer = create_employer(f"Quillfeather Mills {tag.upper()}")
    employer.listed_at = employer.created_at
    claimed = create_employer(f"Brackenbury Looms {tag.upper()}")
    moderator_email, flagger_email = new_email("moderator"), new_email("reader")
    factories.UserFactory(
        email=moderator_email, password=PASSWORD, verified=True, role=Role.moderator
    )
    flagger = factories.UserFactory(email=flagger_email, password=PASSWORD, verified=True)
    now = utcnow()

    def month(n: int):
        return month_start((now - timedelta(days=40 + 31 * n)).date())

    def held(n: int, reason: HoldReason):
        return factories.ReviewFactory(
            employer_id=employer.id,
            status=ReviewStatus.held,
            hold_reason=reason,
            published_at=None,
            process_month=month(n),
            created_at=now - timedelta(days=30 - n),
            narrative=f"Held review {n} {tag}: two interviews, then nothing at all for weeks.",
        )

    for n in range(15):
        held(n, HoldReason.link_spam)
    for n in range(15, 20):
        held(n, HoldReason.resubmitted)
    for n in range(20, 30):
        review = factories.ReviewFactory(
            employer_id=employer.id, process_month=month(n), narrative=f"Published {n} {tag}."
        )
        db.session.add(
            Flag(
                review_id=review.id,
                reporter_id=flagger.id,
                reason=FlagReason.false_or_misleading,
                explanation=f"Report {n}: I don't think this happened.",
            )
        )
    factories.ClaimFactory(
        awaiting=True,
        employer_id=claimed.id,
        email=f"someone@brackenbury-{tag}.example",
        email_domain=f"brackenbury-{tag}.example",
    )
    setting = {
        "employer": employer.name,
        "slug": employer.slug,
        "claimed": claimed.name,
        "moderator": moderator_email,
        "flagger": flagger_email,
        "tag": tag,
    }
    db.session.commit()
    return setting


def _queue(page, slug: str, section: str) -> None:
    page.goto(f"/moderation?section={section}&employer={slug}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Moderation queue")


def test_a_moderator_handles_thirty_items(page, live_server, app_context):
    s = _setting(live_server)
    page.on("dialog", lambda dialog: dialog.accept())  # the shortcuts ask before acting
    sign_in(page, s["moderator"], PASSWORD)

    # Held reviews, filtered to the employer: 15, a page of them, each with its excerpt.
    _queue(page, s["slug"], "held_reviews")
    main = page.get_by_role("main")
    expect(main).to_contain_text("Held reviews 15")
    expect(main).to_contain_text(f"Held review 0 {s['tag']}: two interviews")
    assert s["flagger"] not in page.content()
    assert_accessible(page)
    save_screenshot(page, "moderation-queue-held")

    # Five of them one after another: publish, and the next one opens by itself.
    region = page.get_by_role("region", name="Reviews held by the automatic checks, oldest first")
    region.get_by_role("link", name=f"A review of {s['employer']}").first.click()
    expect(page.get_by_role("link", name="Next item in this list")).to_be_visible()
    expect(page.get_by_text("Keyboard shortcuts")).to_be_visible()
    assert_accessible(page)
    save_screenshot(page, "moderation-review-from-queue")
    seen = set()
    for _ in range(5):
        expect(page.get_by_role("heading", level=1)).to_have_text(f"A review of {s['employer']}")
        seen.add(page.url.split("?")[0])
        page.locator("#form-publish").get_by_role("button", name="Publish the review").click()
        expect(page.get_by_role("status")).to_contain_text("The review is")
    assert len(seen) == 5
    # h goes to the hide form's guideline; n opens the next item without acting on this one.
    page.locator("h1").click()
    page.keyboard.press("h")
    expect(page.locator("#hide-guideline")).to_be_focused()
    page.keyboard.press("n")  # typed in a field: ignored
    assert page.url.split("?")[0] not in seen
    current = page.url
    page.locator("h1").click()
    page.keyboard.press("n")
    expect(page).not_to_have_url(current)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"A review of {s['employer']}")

    # The other ten at once: select all on the page, one reason.
    _queue(page, s["slug"], "held_reviews")
    expect(page.get_by_role("main")).to_contain_text("Held reviews 10")
    form = page.locator("#bulk-held_reviews")
    form.get_by_label("Select all on this page").check()
    form.get_by_label("Reason for the audit log").fill("Links were to the employer's own site.")
    form.get_by_role("button", name="Publish the selected reviews").click()
    expect(page.get_by_role("status")).to_contain_text("10 reviews published or scheduled")
    expect(page.get_by_role("main")).to_contain_text("No held reviews match the filters.")
    assert_accessible(page)

    # Ten reports: a reason is required first, then all dismissed with one reason.
    _queue(page, s["slug"], "flags")
    expect(page.get_by_role("main")).to_contain_text("Reports on reviews and responses 10")
    form = page.locator("#bulk-flags")
    form.get_by_label("Select all on this page").check()
    form.get_by_role("button", name="Dismiss the selected reports").click()
    expect(page.locator("#bulk-flags .field-error")).to_contain_text("Give a reason")
    assert_accessible(page)
    form = page.locator("#bulk-flags")
    expect(
        page.get_by_role("checkbox", name=f"Select the report on a review of {s['employer']}").first
    ).to_be_checked()
    form.get_by_label("Reason for the audit log").fill("Disagreement, not a guideline matter.")
    form.get_by_role("button", name="Dismiss the selected reports").click()
    expect(page.get_by_role("status")).to_contain_text("10 reports dismissed")
    save_screenshot(page, "moderation-queue-bulk-dismissed")

    # Five resubmitted reviews with the keyboard: p publishes (after a confirm), and the next
    # one opens; after the last, the queue says the list is empty.
    _queue(page, s["slug"], "resubmitted")
    expect(page.get_by_role("main")).to_contain_text("Resubmitted after a moderator hid them 5")
    region = page.get_by_role("region", name="Resubmitted reviews, oldest first")
    expect(region).to_contain_text("Resubmitted after a moderator hid it")
    region.get_by_role("link", name=f"A review of {s['employer']}").first.click()
    for n in range(5):
        expect(page.get_by_role("heading", level=1)).to_have_text(f"A review of {s['employer']}")
        page.locator("h1").click()  # focus out of any field: keys typed in fields are ignored
        page.keyboard.press("?")
        expect(page.locator("#keyboard-shortcuts")).to_have_attribute("open", "")
        page.keyboard.press("?")
        page.locator("h1").click()
        page.keyboard.press("p")
        if n < 4:
            expect(page.get_by_role("status")).to_contain_text("The review is")
    expect(page.get_by_role("heading", level=1)).to_have_text("Moderation queue")
    expect(page.get_by_role("status").last).to_contain_text(
        "Nothing else is waiting in Resubmitted with these filters."
    )
    expect(page.get_by_role("main")).to_contain_text("No resubmitted reviews match the filters.")
    assert_accessible(page)
    save_screenshot(page, "moderation-queue-empty")

    # The claims page: the approval button is on screen at this width, and the page passes axe.
    page.goto("/moderation/claims")
    button = page.get_by_role("button", name="and approve").filter(has_text=s["claimed"])
    expect(button).to_be_visible()
    button.scroll_into_view_if_needed()
    box = button.bounding_box()
    width = page.viewport_size["width"]
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, (box, width)
    assert_accessible(page)
    save_screenshot(page, "moderation-claims")
