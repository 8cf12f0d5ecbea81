"""The anonymity sweep (DESIGN.md §5): one test that does everything a review can go through and
then searches everything the outside world sees for the author.

A distinctive author (email, name in the text, IP address) writes a review through the real form
and everything that can happen around a review happens: it is published, the employer's
representative is emailed about it, responds, says they contacted the candidate, a member flags
it, someone sends a legal notice, a moderator looks at it. Then every GET route in the URL map is
rendered for an anonymous visitor, a candidate and the employer's representative; their data
exports are downloaded; and every email the app sent is read. None may contain the author's
email, name, account id or IP address, nor an exact date of the review.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from accounts.models import User
from extensions import db
from moderation.models import Flag, LegalNotice
from moderation.queue import pseudonym
from operations.tick import tick
from representatives.models import Notify, Representative
from reviews.lifecycle import publish_due
from reviews.models import Review
from tests.conftest import Auth, post_form
from tests.factories import (
    ApplicationFactory,
    ApplicationStepFactory,
    ContactProofFactory,
    EmployerFactory,
    RepresentativeFactory,
    UserFactory,
)
from tests.functional.test_anonymity import AUTHOR_ID, CONTACT, EMAIL, IP, START, _identifiers
from timeutils import utcnow

PASSWORD = "correct horse battery"
REP = "rep.sweep@fizzlebrook.example"
CANDIDATE = "candidate.sweep@example.org"
PROOF_SIGNER = "sweep-signer.example"
# The author's private tracker (DESIGN.md §12): no one else may ever see it.
TRACKER_NOTE = "Glimmerwick tracker note 7731"


def _signed_in(app, email: str):
    client = app.test_client()
    response = Auth(client, None).sign_in(email, PASSWORD)
    assert response.status_code == 302, email
    return client


@pytest.fixture
def seeded(app, outbox):
    UserFactory(id=AUTHOR_ID, email=EMAIL, verified=True)
    author = db.session.get(User, AUTHOR_ID)
    author.created_at = utcnow() - timedelta(days=10)
    employer = EmployerFactory(name="Fizzlebrook Logistics", slug="fizzlebrook-logistics")
    rep_user = UserFactory(email=REP, verified=True)
    UserFactory(email=CANDIDATE, verified=True)
    RepresentativeFactory(user_id=rep_user.id, employer_id=employer.id)

    # The author writes the review through the form, from a distinctive address.
    client = app.test_client()
    Auth(client, None).sign_in(EMAIL, PASSWORD, environ_base={"REMOTE_ADDR": IP})
    response = post_form(
        client,
        f"/reviews/new?employer={employer.slug}",
        {
            "process_month": START.strftime("%Y-%m"),
            "stage": "final",
            "outcome": "waiting",
            "last_contact_on": CONTACT.isoformat(),
            "narrative": "Zebulon here: three rounds, then silence. Marchbanks is my surname.",
            "action": "publish",
        },
        environ_base={"REMOTE_ADDR": IP},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    review = db.session.scalar(select(Review))
    # Published by tick once its time has come; the representative hears at once.
    rep = db.session.scalar(select(Representative))
    rep.notify = Notify.immediate
    db.session.commit()
    later = review.publish_at + timedelta(minutes=1)
    assert publish_due(later) == 1
    # A proof of contact (proofs/): others may see the mark, never what the proof is made of.
    ContactProofFactory(review_id=review.id, signing_domain=PROOF_SIGNER)
    review.contact_verified = True
    db.session.commit()
    tick(later)

    # The representative responds and says they contacted the candidate.
    rep_client = _signed_in(app, REP)
    url = f"/employer/reviews/{review.public_id}/response"
    answer = {"body": "Sorry for the wait. We will write this week.", "action": "publish"}
    assert post_form(rep_client, url, answer).status_code == 302
    contacted = f"/employer/reviews/{review.public_id}/contacted"
    assert post_form(rep_client, contacted, {}).status_code == 302

    # A member flags it; someone sends a legal notice.
    candidate = _signed_in(app, CANDIDATE)
    post_form(
        candidate,
        f"/reviews/{review.public_id}/flag",
        {"reason": "false_or_misleading", "explanation": "I doubt this happened."},
    )
    post_form(
        app.test_client(),
        f"/reviews/{review.public_id}/legal-notice",
        {
            "name": "Ottoline Lawyer",
            "email": "ottoline@lawfirm.example",
            "legal_basis": "defamation",
            "explanation": "This review is untrue.",
            "declaration": "y",
        },
    )
    db.session.expire_all()
    assert db.session.scalar(select(Flag.id)) is not None
    assert db.session.scalar(select(LegalNotice.id)) is not None
    application = ApplicationFactory(
        user_id=AUTHOR_ID,
        employer_id=employer.id,
        role_title="Glimmerwick role 7731",
        notes=TRACKER_NOTE,
    )
    step = ApplicationStepFactory(application_id=application.id, note=TRACKER_NOTE)
    # A suspended account (not the author), so the admins' lift page has someone to show.
    suspended = UserFactory(email="suspended.member@example.org", verified=True)
    suspended.suspended_at = utcnow()
    db.session.commit()
    return {
        "suspended_pseudonym": pseudonym(suspended.id),
        "application_id": application.id,
        "step_id": step.id,
        "review": review,
        "employer": employer,
        "rep_id": rep.id,
        "flag_id": db.session.scalar(select(Flag.id)),
        "notice_id": db.session.scalar(select(LegalNotice.id)),
    }


def _values(seeded) -> dict:
    return {
        "slug": seeded["employer"].slug,
        "public_id": seeded["review"].public_id,
        "representative_id": seeded["rep_id"],
        "token": "not-a-real-token",
        "claim_id": 1,
        "flag_id": seeded["flag_id"],
        "notice_id": seeded["notice_id"],
        "filename": "css/site.css",
        "application_id": seeded["application_id"],
        "step_id": seeded["step_id"],
        "pseudonym": seeded["suspended_pseudonym"],
    }


def _bodies(app, client, values: dict):
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in ("static", "accounts.export"):
            continue  # exports are checked on their own, below
        path = rule.build({name: values[name] for name in rule.arguments})[1]
        response = client.get(path)
        body = response.get_data(as_text=True)
        if response.is_json:
            body = json.dumps(response.get_json())
        yield path, response.status_code, body


def _expected(who: str, path: str, status: int) -> bool:
    """Whether a page may answer `status` to this visitor; 200 everywhere else, so a page built
    from the seeded rows that answered 404 (and so showed nothing) would fail the sweep."""
    if status == 302:  # to sign in, or away from pages for signed-out visitors
        return who == "anonymous" or path in ("/sign-in", "/sign-up", "/reviews/new")
    if status == 400:  # a link token that was never issued
        return "not-a-real-token" in path
    if status == 403:
        if path.startswith("/moderation"):  # no visitor here is a moderator
            return True
        if path.startswith("/employer/"):  # the representative's own pages must open
            return who != "representative"
        return path.endswith(("/edit", "/proof"))  # another's review
    if status == 404:  # a legal notice addressed to someone else, or another's tracked
        # application, does not exist for this visitor
        return path.startswith(("/me/notices/", "/me/applications/"))
    return status == 200


def _check(where: str, text: str, needles: list[str]) -> None:
    lowered = text.lower()
    for needle in needles:
        assert needle.lower() not in lowered, f"{needle!r} found in {where}"


def test_nothing_anyone_else_sees_identifies_the_author(app, seeded, outbox):
    review = db.session.get(Review, seeded["review"].id)
    needles = [*_identifiers(review), PROOF_SIGNER]
    values = _values(seeded)
    visitors = {
        "anonymous": app.test_client(),
        "candidate": _signed_in(app, CANDIDATE),
        "representative": _signed_in(app, REP),
    }
    checked = 0
    for who, client in visitors.items():
        for path, status, body in _bodies(app, client, values):
            assert _expected(who, path, status), f"{path} as {who}: {status}"
            # The site-wide parameters carry the day they were computed (today, as the review's
            # creation); they say nothing about any review, so only the identifiers are checked.
            found = needles[:6] if path == "/api/v1/baselines" else needles
            _check(f"{path} as {who}", body, [*found, TRACKER_NOTE, "Glimmerwick role"])
            checked += 1
        if who != "anonymous":
            export = client.get("/me/export")
            assert export.status_code == 200
            # An export holds its owner's own exact dates (their account was made in the same
            # second as the review here), so only the author's identifiers are looked for.
            _check(
                f"the {who}'s export", export.get_data(as_text=True), [*needles[:6], TRACKER_NOTE]
            )
    assert checked > 100

    # Every email the app sent: to the representative and the author. The author's
    # address may be the recipient, and nothing more; no email carries a date of the review.
    assert {"To"} <= set(outbox[0].keys())
    recipients = {message["To"] for message in outbox}
    assert {REP, EMAIL} <= recipients, recipients
    # The notifier sent it signed out: no receipt to an unverified address (the form must not send
    # mail to any address someone types).
    assert "ottoline@lawfirm.example" not in recipients
    for message in outbox:
        body = message.get_content()
        where = f"the email {message['Subject']!r} to {message['To']}"
        _check(where, body, needles)
        for header in ("Subject", "From", "Reply-To"):
            _check(f"{where} ({header})", str(message.get(header, "")), needles)
        if message["To"] != EMAIL:
            assert EMAIL not in message.as_string(), where
