"""Privacy rights (DESIGN.md §5 rule 7): /me/export gives a signed-in user all of their
own data as a JSON download and nothing of anyone else's; deleting an account, with its reviews or
keeping them de-linked, still works with everything that now points at users (flags, claims,
representatives, responses, contact reports, legal notices, the audit log)."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from accounts.models import User
from extensions import db
from moderation import audit
from moderation.models import AuditAction, AuditLog, Flag, FlagReason, LegalNotice
from representatives.models import (
    Claim,
    ContactReport,
    ContactStatus,
    Representative,
    ResponseCommitment,
)
from responses.models import Response, ResponseStatus
from reviews.fields import snapshot
from reviews.models import Review, ReviewRevision, RevisionSource
from tests.conftest import post_form
from tests.factories import (
    ClaimFactory,
    ContactReportFactory,
    EmployerFactory,
    FlagFactory,
    LegalNoticeFactory,
    RepresentativeFactory,
    ResponseCommitmentFactory,
    ResponseFactory,
    ReviewFactory,
    ReviewRevisionFactory,
    UserFactory,
)
from timeutils import month_start, utcnow

PASSWORD = "correct horse battery"
ME = "ottoline.bramblewood@candidates.example"
# Everyone else's identifiers: none may appear in the export.
FLAGGER = "flagger.zebedee@readers.example"
REPRESENTATIVE = "rep.quillon@employer-side.example"
NOTIFIER = "ambrose.notifierson@lawyers.example"
NOTIFIER_NAME = "Ambrose Notifierson"
OTHER_AUTHOR = "marigold.otherauthor@candidates.example"
MODERATOR = "hortensia.decider@moderators.example"
STRANGERS = (FLAGGER, REPRESENTATIVE, NOTIFIER, OTHER_AUTHOR, MODERATOR)


@pytest.fixture
def world(app):
    """The user ME with one of everything, surrounded by other people's data about it."""
    me = UserFactory(email=ME, password=PASSWORD, verified=True)
    flagger = UserFactory(email=FLAGGER, verified=True)
    representative_user = UserFactory(email=REPRESENTATIVE, verified=True)
    other_author = UserFactory(email=OTHER_AUTHOR, verified=True)
    moderator = UserFactory(email=MODERATOR, verified=True)
    mine_at = EmployerFactory(name="Thistledown Foods", slug="thistledown-foods")
    represented = EmployerFactory(name="Cobblestone Freight", slug="cobblestone-freight")

    # My review of Thistledown, with a revision, a flag and a response from someone else, a
    # contact report from their representative, and a legal notice that I answered.
    review = ReviewFactory(
        author=me, employer_id=mine_at.id, narrative="Four interviews, then nothing at all."
    )
    ReviewRevisionFactory(
        review_id=review.id, number=1, source=RevisionSource.author, data=snapshot(review)
    )
    their_rep = RepresentativeFactory(user_id=representative_user.id, employer_id=mine_at.id)
    ResponseFactory(
        review_id=review.id,
        employer_id=mine_at.id,
        representative_id=their_rep.id,
        body="We are sorry; we have changed how we follow up.",
        status=ResponseStatus.published,
    )
    ContactReportFactory(
        review_id=review.id,
        representative_id=their_rep.id,
        status=ContactStatus.denied,
        answered_at=utcnow(),
    )
    FlagFactory(
        review_id=review.id,
        reporter_id=flagger.id,
        reason=FlagReason.abusive,
        explanation="Reported by someone else.",
    )
    LegalNoticeFactory(
        review_id=review.id,
        notifier_name=NOTIFIER_NAME,
        notifier_email=NOTIFIER,
        legal_basis="privacy",
        explanation=f"{NOTIFIER_NAME} says the review names her ({NOTIFIER}).",
        author_informed_at=utcnow(),
        author_answer="It names nobody; it says 'the recruiter'.",
    )

    # Another author's review at the same employer, which I flagged.
    theirs = ReviewFactory(author=other_author, employer_id=mine_at.id, narrative="Not mine.")
    FlagFactory(
        review_id=theirs.id,
        reporter_id=me.id,
        reason=FlagReason.spam,
        explanation="Looks like an advert.",
    )

    # I represent Cobblestone: a claim (decided by a moderator), a representation, a response
    # to someone else's review, a commitment and a contact report.
    ClaimFactory(
        approved=True,
        user_id=me.id,
        employer_id=represented.id,
        email_domain="cobblestone.example",
        emailed_at=None,
        decided_by_id=moderator.id,
    )
    my_rep = RepresentativeFactory(user_id=me.id, employer_id=represented.id)
    answered = ReviewFactory(author=other_author, employer_id=represented.id)
    ResponseFactory(
        review_id=answered.id,
        employer_id=represented.id,
        representative_id=my_rep.id,
        body="Thank you for telling us.",
        status=ResponseStatus.published,
    )
    ResponseCommitmentFactory(employer_id=represented.id, days=10, representative_id=my_rep.id)
    ContactReportFactory(
        review_id=answered.id, representative_id=my_rep.id, status=ContactStatus.pending
    )
    # A moderator's action on my review: its actor must not show.
    audit.record(moderator.id, AuditAction.publish, "review", review.id, "checked")
    db.session.commit()
    return {
        "me": me,
        "review": review,
        "theirs": theirs,
        "answered": answered,
        "ids": {flagger.id, representative_user.id, other_author.id, moderator.id},
    }


def download(client):
    response = client.get("/me/export")
    assert response.status_code == 200
    return response


def keys_of(value):
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from keys_of(item)
    elif isinstance(value, list):
        for item in value:
            yield from keys_of(item)


# --- the export ---------------------------------------------------------------------------------


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/me/export")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_the_account_page_links_to_the_export(client, auth, world):
    assert auth.sign_in(ME, PASSWORD).status_code == 302
    assert 'href="/me/export"' in client.get("/account").get_data(as_text=True)


def test_the_export_is_a_json_attachment(client, auth, world):
    assert auth.sign_in(ME, PASSWORD).status_code == 302
    response = download(client)
    assert response.mimetype == "application/json"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and ".json" in disposition
    assert response.headers["Cache-Control"] == "no-store"
    assert json.loads(response.get_data(as_text=True))["format"] == "heardback-export-v1"


def test_the_export_holds_all_of_my_data(client, auth, world):
    assert auth.sign_in(ME, PASSWORD).status_code == 302
    data = json.loads(download(client).get_data(as_text=True))

    account = data["account"]
    assert account["email"] == ME and account["role"] == "candidate"
    assert account["created_at"] and account["email_verified_at"]
    assert len(account["sign_in_sessions"]) == 1
    assert "password_hash" not in account

    [review] = data["reviews"]
    assert review["public_id"] == world["review"].public_id
    assert review["narrative"] == "Four interviews, then nothing at all."
    assert review["employer"] == {"name": "Thistledown Foods", "slug": "thistledown-foods"}
    for name in ("process_month", "stage", "outcome", "last_contact_on", "status", "created_at"):
        assert name in review, name
    assert [revision["number"] for revision in review["revisions"]] == [1]
    assert review["revisions"][0]["data"]["narrative"] == "Four interviews, then nothing at all."
    assert review["employer_response"] == {
        "text": "We are sorry; we have changed how we follow up."
    }
    assert [report["status"] for report in review["contact_reports"]] == ["denied"]
    [notice] = review["legal_notices"]
    assert notice["legal_basis"] == "Privacy or personal data"
    assert notice["author_answer"] == "It names nobody; it says 'the recruiter'."
    assert notice["status"] == "open"

    [flag] = data["flags_sent"]
    assert flag["review"] == world["theirs"].public_id
    assert flag["reason"] == "spam" and flag["explanation"] == "Looks like an advert."

    [claim] = data["claims"]
    assert claim["employer"]["slug"] == "cobblestone-freight"
    assert claim["status"] == "approved" and claim["email_domain"] == "cobblestone.example"
    assert "nonce" not in claim and "decided_by_id" not in claim

    representative = data["representative"]
    [representation] = representative["representations"]
    assert representation["employer"]["name"] == "Cobblestone Freight"
    assert [response["body"] for response in representative["responses"]] == [
        "Thank you for telling us."
    ]
    assert representative["responses"][0]["review"] == world["answered"].public_id
    assert [commitment["days"] for commitment in representative["response_commitments"]] == [10]
    assert [report["status"] for report in representative["contact_reports"]] == ["pending"]
    assert data["moderator_actions"] == []


def test_the_export_holds_nothing_of_anyone_else(client, auth, world):
    assert auth.sign_in(ME, PASSWORD).status_code == 302
    text = download(client).get_data(as_text=True)
    lowered = text.lower()
    for email in STRANGERS:
        assert email not in lowered, email
    for word in (
        "ambrose",
        "notifierson",
        "hortensia",
        "quillon",
        "zebedee",
        "marigold",
        "lawyers",
    ):
        assert word not in lowered, word
    assert "Reported by someone else." not in text  # a flag on my review is the flagger's
    assert "Not mine." not in text  # the other author's review text
    # No internal ids at all: nobody else's account, representative or moderator id.
    data = json.loads(text)
    internal = [key for key in keys_of(data) if key == "id" or key.endswith("_id")]
    assert set(internal) <= {"public_id"}  # reviews go by their public id


def test_an_export_with_no_data_beyond_the_account(client, auth, user, password):
    assert auth.sign_in(user.email, password).status_code == 302
    data = json.loads(download(client).get_data(as_text=True))
    assert data["account"]["email"] == user.email
    assert data["reviews"] == [] and data["flags_sent"] == [] and data["claims"] == []


def test_the_export_runs_a_fixed_number_of_queries(client, auth, world, query_counter):
    assert auth.sign_in(ME, PASSWORD).status_code == 302
    with query_counter() as few:
        download(client)
    employer = EmployerFactory()
    me = db.session.scalar(select(User).where(User.email == ME))
    for months_back in range(3, 15):
        ReviewFactory(
            author=me,
            employer_id=employer.id,
            process_month=month_start(date.today() - timedelta(days=31 * months_back)),
        )
    with query_counter() as many:
        download(client)
    assert len(few) == len(many)


# --- deleting an account with everything the new tables hold ------------------------------------


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


# "delete" covers a review with an employer response: it goes with the review (it used to fail
# when the ORM tried to set responses.review_id to NULL).


@pytest.mark.parametrize("choice", ["delete", "keep"])
def test_deleting_an_account_with_flags_claims_representation_and_notices(
    client, auth, world, choice
):
    me_id = world["me"].id
    review_id = world["review"].id
    assert auth.sign_in(ME, PASSWORD).status_code == 302
    response = post_form(
        client,
        "/account/delete",
        {"reviews": choice, "current_password": PASSWORD, "confirm": "y"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.session.expire_all()

    assert db.session.get(User, me_id) is None
    # What I did as a representative: gone with me, or kept with no link to me.
    assert count(Claim, Claim.user_id == me_id) == 0
    assert count(Representative, Representative.user_id == me_id) == 0
    assert count(Response, Response.body == "Thank you for telling us.") == 1
    assert count(Response, Response.representative_id.is_(None)) == 1
    assert count(ResponseCommitment, ResponseCommitment.representative_id.is_(None)) == 1
    assert count(ContactReport, ContactReport.review_id == world["answered"].id) == 1
    # The flag I sent stays, anonymous.
    assert count(Flag, Flag.review_id == world["theirs"].id, Flag.reporter_id.is_(None)) == 1
    assert count(AuditLog) == 1

    if choice == "delete":
        assert db.session.get(Review, review_id) is None
        for model in (Flag, LegalNotice, ContactReport, ReviewRevision):
            assert count(model, model.review_id == review_id) == 0, model
        assert count(Response, Response.review_id == review_id) == 0
    else:
        kept = db.session.get(Review, review_id)
        assert kept is not None and kept.author_id is None
        assert count(LegalNotice, LegalNotice.review_id == review_id) == 1
        assert count(Response, Response.review_id == review_id) == 1
    # Other people's data is untouched.
    assert db.session.get(Review, world["theirs"].id) is not None
    assert count(User) == 4


def test_deleting_an_account_and_its_reviews_with_flags_notices_and_contact_reports(
    client, auth, world
):
    """As above with "delete", on a review without a response ."""
    review_id = world["review"].id
    db.session.execute(Response.__table__.delete().where(Response.review_id == review_id))
    db.session.commit()
    assert auth.sign_in(ME, PASSWORD).status_code == 302
    response = post_form(
        client,
        "/account/delete",
        {"reviews": "delete", "current_password": PASSWORD, "confirm": "y"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Review, review_id) is None
    for model in (Flag, LegalNotice, ContactReport, ReviewRevision):
        assert count(model, model.review_id == review_id) == 0, model
    assert count(Flag, Flag.review_id == world["theirs"].id, Flag.reporter_id.is_(None)) == 1
    assert count(Response, Response.body == "Thank you for telling us.") == 1
    assert count(Claim) == 0 and count(Representative) == 1  # theirs only
