"""The employer side in a browser (DESIGN.md §7): someone claims their employer's page with a work
email, follows the emailed link, answers a review from the dashboard, says they have contacted a
waiting candidate; the author sees the response, is told by email, and confirms the contact on
/me. At 1280 px and 360 px, with axe on every page reached."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from playwright.sync_api import expect

from extensions import db
from reviews.models import Outcome, Review, ReviewStatus, Stage
from tests import factories
from tests.browser.conftest import assert_accessible, save_screenshot
from tests.browser.test_accounts_journey import PASSWORD, new_email, sign_in
from tests.conftest import publish_pending_change


def _setting(live_server):
    """An employer with a web domain, two published reviews by one author, and a would-be
    representative; committed before the browser starts (SQLite's write lock)."""
    from employers.models import EmployerDomain
    from employers.services import create_employer
    from scoring.stats import refresh_employer

    tag = uuid.uuid4().hex[:6]
    employer = create_employer(f"Quibblewick Foundry {tag.upper()}")
    employer.listed_at = employer.created_at  # it has published reviews (DESIGN.md §5.8)
    db.session.add(EmployerDomain(employer_id=employer.id, domain=f"foundry-{tag}.com"))
    author_email, rep_email = new_email("author"), new_email("recruiter")
    author = factories.UserFactory(email=author_email, password=PASSWORD, verified=True)
    factories.UserFactory(email=rep_email, password=PASSWORD, verified=True)
    contact = date.today() - timedelta(days=12)
    reviews = [
        factories.ReviewFactory(
            author=author,
            employer_id=employer.id,
            stage=Stage.final,
            outcome=outcome,
            decision_days=None,
            process_month=(contact - timedelta(days=30 + 40 * n)).replace(day=1),
            last_contact_on=contact - timedelta(days=40 * n),
            status=ReviewStatus.published,
            narrative=text,
        )
        for n, (outcome, text) in enumerate(
            [
                (Outcome.waiting, "Final round two weeks ago, told to expect news in a week."),
                (Outcome.ghosted, "Three interviews and a presentation, then nothing at all."),
            ]
        )
    ]
    refresh_employer(employer.id)
    # Read before committing: after it, touching an expired object would begin a transaction,
    # which outside a request takes SQLite's write lock and stalls the live server.
    setting = {
        "employer": employer.name,
        "slug": employer.slug,
        "work_email": f"jane.doe@foundry-{tag}.com",
        "author": author_email,
        "rep": rep_email,
        "waiting": reviews[0].public_id,
    }
    db.session.commit()
    return setting


def test_claim_respond_and_close_the_loop(page, live_server, app_context):
    s = _setting(live_server)

    # The recruiter finds the page and claims it with a work email.
    sign_in(page, s["rep"], PASSWORD)
    page.goto(f"/employers/{s['slug']}")
    page.get_by_role("link", name="Claim this page").click()
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(f"Represent {s['employer']} on HeardBack")
    assert_accessible(page)
    save_screenshot(page, "employer-claim")
    # A free-mail address is refused in the page, with the address kept.
    page.get_by_label("Your work email address").fill("jane.doe@gmail.com")
    page.get_by_role("button", name="Send me the link").click()
    expect(page.locator(".field-error")).to_contain_text("gmail.com")
    expect(page.get_by_label("Your work email address")).to_have_value("jane.doe@gmail.com")
    assert_accessible(page)
    page.get_by_label("Your work email address").fill(s["work_email"])
    page.get_by_role("button", name="Send me the link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your work inbox")
    assert_accessible(page)

    # The link in the work inbox: a confirmation page, then a representative.
    page.goto(live_server.link_in_newest_email(s["work_email"]))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Represent {s['employer']}?")
    assert_accessible(page)
    page.get_by_role("button", name=f"Yes, I represent {s['employer']}").click()

    # The dashboard: figures, and the reviews awaiting a response.
    page.goto("/employer")
    expect(page.get_by_role("heading", level=1)).to_have_text(s["employer"])
    expect(page.get_by_text("Reviews awaiting a response (2)")).to_be_visible()
    assert_accessible(page)
    save_screenshot(page, "employer-dashboard")
    assert s["author"] not in page.content()

    # A response that greets the candidate by name is held for a moderator (DESIGN.md §5.10),
    # and the preview says why; back to editing keeps the text.
    page.goto(f"/employer/reviews/{s['waiting']}/response")
    greeting = "Dear Casey Jones, we are sorry for the wait."
    page.get_by_label("Your response").fill(greeting)
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("main")).to_contain_text("A moderator will read this first")
    expect(page.get_by_role("main")).to_contain_text("Casey Jones")
    expect(page.get_by_role("button", name="Save for a moderator")).to_be_visible()
    assert_accessible(page)
    save_screenshot(page, "employer-response-names-someone")
    page.get_by_role("button", name="Back to editing").click()
    expect(page.get_by_label("Your response")).to_have_value(greeting)

    # Respond to the waiting review, through the preview.
    page.get_by_label("Your response").fill(
        "Thank you for your patience. Write to hiring@example.com if you have not heard by Friday."
    )
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check before publishing")
    expect(page.get_by_role("main")).to_contain_text("[removed]")  # the address is scrubbed
    assert_accessible(page)
    save_screenshot(page, "employer-response-preview")
    page.get_by_role("button", name="Publish the response").click()
    expect(page.get_by_text("Thank you for your patience.")).to_be_visible()
    assert_accessible(page)

    # "We have now contacted this candidate".
    page.goto(f"/employer/reviews/{s['waiting']}/contacted")
    assert_accessible(page)
    page.get_by_role("button", name="Yes, we have contacted this candidate").click()
    expect(page.get_by_text("asked to confirm").first).to_be_visible()

    # The author: an email about the response, the response under the review, the question
    # on /me, answered.
    page.goto("/")
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, s["author"], PASSWORD)
    subjects = [message["Subject"] for message in live_server.emails_to(s["author"])]
    assert any("respon" in subject.lower() for subject in subjects), subjects
    page.goto(f"/reviews/{s['waiting']}")
    expect(page.get_by_text("Thank you for your patience.")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text(f"Response from {s['employer']}")
    assert s["rep"] not in page.content() and s["work_email"] not in page.content()
    assert_accessible(page)
    save_screenshot(page, "employer-response-seen-by-author")

    page.goto("/me")
    expect(page.get_by_text("Employers that say they contacted you")).to_be_visible()
    assert_accessible(page)
    save_screenshot(page, "employer-contact-question")
    page.get_by_label("Turned down, with a reason").first.check()
    page.get_by_role("button", name="Confirm and update my review").first.click()
    # The change is public at a random moment later (DESIGN.md §5.8): the author sees it
    # scheduled; then it is published as `tick` would.
    expect(page.get_by_text("Change scheduled").first).to_be_visible()
    db.session.expire_all()
    publish_pending_change(
        db.session.scalar(db.select(Review).where(Review.public_id == s["waiting"]))
    )
    page.goto(f"/reviews/{s['waiting']}")
    expect(page.get_by_role("main")).to_contain_text(
        "The employer followed up after this review was posted"
    )
    assert_accessible(page)
