"""Proof of contact in the browser (DESIGN.md §12): write a review, attach the employer's saved
message on the preview, see "Verified contact" on the published card; a message that doesn't
verify says why on the proof page. At 1280 px and 360 px, with axe on every page reached."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from accounts.models import User
from employers.models import Employer, EmployerDomain
from extensions import db
from reviews.lifecycle import publish_due
from reviews.models import Review
from tests import factories
from tests.browser.conftest import assert_accessible, save_screenshot
from tests.browser.test_accounts_journey import PASSWORD, new_email, sign_in
from tests.browser.test_review_journey import CONTACT, _employer, _essentials
from tests.dkim_mail import FakeDns, message, rsa_key, sign


@pytest.fixture(scope="module")
def key():
    return rsa_key()


def _setup(live_server, key) -> tuple[str, str, str, str]:
    """An employer with a mail domain whose key the live server's DNS stand-in serves, and a
    verified candidate: (employer name, slug, domain, email)."""
    name, slug = _employer("Lanternfish Logistics")
    employer_id = db.session.scalar(select(Employer.id).where(Employer.slug == slug))
    domain = f"lanternfish-{uuid.uuid4().hex[:6]}.example"
    db.session.add(EmployerDomain(employer_id=employer_id, domain=domain))
    email = new_email("proof")
    factories.UserFactory(email=email, password=PASSWORD, verified=True)
    db.session.commit()
    dns = live_server.app.extensions.setdefault("dkim_dns", FakeDns())
    dns.publish("s1", domain, key)
    return name, slug, domain, email


def _saved_message(domain: str, key, name: str) -> bytes:
    mail = message(
        sender=f"{name} Talent <talent@{domain}>",
        subject="Thank you for interviewing with us",
        sent=CONTACT,
    )
    return sign(mail, domain, key)


def test_attach_proof_when_publishing_and_see_the_mark(page, live_server, app_context, key):
    name, slug, domain, email = _setup(live_server, key)
    page.goto("/sign-in")
    sign_in(page, email, PASSWORD)
    page.goto(f"/reviews/new?employer={slug}")
    _essentials(page, "interview", "waiting")
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check before publishing")
    expect(page.get_by_role("group", name="Prove the contact (optional)")).to_be_visible()
    page.get_by_label("Saved message (.eml)").set_input_files(
        files=[
            {
                "name": "message.eml",
                "mimeType": "message/rfc822",
                "buffer": _saved_message(domain, key, name),
            }
        ]
    )
    assert_accessible(page)
    save_screenshot(page, "proof-preview")
    page.get_by_role("button", name="Publish my review").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your reviews")
    expect(page.get_by_role("main")).to_contain_text("Your proof of contact is verified")
    item = page.locator(".my-reviews li", has_text=name)
    expect(item).to_contain_text("Verified contact")
    expect(item).to_contain_text(f"Proved with a message signed by {domain}")
    assert_accessible(page)
    save_screenshot(page, "proof-me")

    # Published at its random moment (tick), the card carries the mark for everyone.
    db.session.expire_all()
    review = db.session.scalar(
        select(Review)
        .join(Employer, Employer.id == Review.employer_id)
        .where(Employer.slug == slug)
    )
    publish_due(review.publish_at + timedelta(minutes=1))
    db.session.commit()
    public_id = review.public_id
    db.session.commit()  # end the read: the live server writes to this SQLite file
    page.context.clear_cookies()
    page.goto(f"/reviews/{public_id}")
    expect(page.locator(".review-card .badge-verified")).to_have_text("Verified contact")
    assert_accessible(page)
    save_screenshot(page, "proof-card")
    page.goto(f"/employers/{slug}")
    expect(page.locator(".review-card .badge-verified").first).to_be_visible()


def test_a_message_that_does_not_verify_says_why(page, live_server, app_context, key):
    name, _, domain, email = _setup(live_server, key)
    employer = db.session.scalar(
        select(EmployerDomain.employer_id).where(EmployerDomain.domain == domain)
    )
    user_id = db.session.scalar(select(User.id).where(User.email == email))
    review = factories.ReviewFactory(author_id=user_id, employer_id=employer)
    db.session.flush()
    public_id = review.public_id  # read before the commit: a read after it would hold SQLite
    db.session.commit()
    page.goto("/sign-in")
    sign_in(page, email, PASSWORD)
    page.goto("/me")
    page.get_by_role("link", name=f"Prove the contact with {name}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Prove your contact with {name}")
    assert_accessible(page)
    save_screenshot(page, "proof-page")
    tampered = _saved_message(domain, key, name).replace(b"in touch", b"in tough")
    page.get_by_label("Saved message (.eml)").set_input_files(
        files=[{"name": "message.eml", "mimeType": "message/rfc822", "buffer": tampered}]
    )
    page.get_by_role("button", name="Check the signature").click()
    alert = page.locator("#proof-error")
    expect(alert).to_contain_text("The signature doesn't match this message")
    expect(alert).to_contain_text("Your review is saved and unchanged.")
    assert_accessible(page)
    save_screenshot(page, "proof-error")
    assert page.url.endswith(f"/reviews/{public_id}/proof")
