"""Proof of contact (DESIGN.md §12): real DKIM signatures, RSA and Ed25519, public keys served by
a DNS stand-in; every way a message can fail says so in the page and loses no review."""

from __future__ import annotations

import io
import logging
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
import werkzeug.formparser
from sqlalchemy import select

from accounts.models import User
from accounts.roles import Role
from employers.models import EmployerDomain
from extensions import db
from proofs.messages import MESSAGES
from proofs.models import ContactProof, ProofKind, ProofStatus
from proofs.verify import MAX_MESSAGE_BYTES, Problem
from reviews.models import Review, ReviewStatus
from tests import factories
from tests.conftest import Auth, csrf_token, page_text, publish_pending_change
from tests.dkim_mail import FakeDns, ed25519_key, message, rsa_key, sign
from timeutils import month_start

DOMAIN = "acme.example"
MARK = 'class="badge badge-verified"'


@pytest.fixture(scope="module")
def keys():
    return {"rsa": rsa_key(), "ed25519": ed25519_key(), "other": rsa_key()}


@pytest.fixture
def dns(app, keys):
    fake = FakeDns()
    fake.publish("s1", DOMAIN, keys["rsa"])
    fake.publish("k2", DOMAIN, keys["ed25519"])
    fake.publish("cand-4711", DOMAIN, keys["rsa"])  # a key name of one candidate's own
    fake.publish("s1", "other.example", keys["other"])
    fake.publish("s1", "us.greenhouse-mail.io", keys["other"])
    fake.publish("s1", "gmail.com", keys["other"])
    fake.publish("s1", "acme-careers.example", keys["other"])
    app.extensions["dkim_dns"] = fake
    return fake


@pytest.fixture
def employer(app):
    acme = factories.EmployerFactory(name="Acme Widgets")
    factories.EmployerDomainFactory(employer_id=acme.id, domain=DOMAIN)
    db.session.commit()
    return acme


def _review(author, employer, **values):
    values.setdefault("process_month", month_start(date.today() - timedelta(days=40)))
    values.setdefault("last_contact_on", date.today() - timedelta(days=5))
    review = factories.ReviewFactory(author=author, employer_id=employer.id, **values)
    db.session.commit()
    return review


@pytest.fixture
def review(signed_in, employer):
    return _review(signed_in, employer)


def upload(client, review, raw: bytes, filename="message.eml"):
    url = f"/reviews/{review.public_id}/proof"
    return client.post(
        url,
        data={"csrf_token": csrf_token(client, url), "message": (io.BytesIO(raw), filename)},
        content_type="multipart/form-data",
    )


def paste(client, review, text: str):
    url = f"/reviews/{review.public_id}/proof"
    return client.post(url, data={"csrf_token": csrf_token(client, url), "source": text})


def signed(keys, *, domain=DOMAIN, key="rsa", selector="s1", **fields) -> bytes:
    return sign(message(**fields), domain, keys[key], selector=selector)


def _proof(review) -> ContactProof | None:
    db.session.expire_all()
    return db.session.scalar(select(ContactProof).where(ContactProof.review_id == review.id))


def _moderator(app, outbox):
    """A signed-in moderator's client."""
    client = app.test_client()
    factories.UserFactory(
        email="mod@example.org", password="pw-moderator-123", verified=True, role=Role.moderator
    )
    db.session.commit()
    Auth(client, outbox).sign_in("mod@example.org", "pw-moderator-123")
    return client


def refused(response, problem: Problem):
    assert response.status_code == 422, response.status_code
    text = page_text(response)
    assert MESSAGES[problem] in text
    assert "Your review is saved and unchanged." in text
    return text


# --- what verifies ----------------------------------------------------------------------------


@pytest.mark.parametrize(("key", "selector"), [("rsa", "s1"), ("ed25519", "k2")])
def test_a_message_signed_by_the_employers_domain_verifies(
    client, dns, keys, review, key, selector
):
    response = upload(client, review, signed(keys, key=key, selector=selector))
    assert response.status_code == 302 and response.headers["Location"].endswith("/me")
    proof = _proof(review)
    assert proof.status is ProofStatus.verified and proof.kind is ProofKind.own_domain
    assert proof.signing_domain == DOMAIN and proof.sending_system is None
    assert proof.message_month == month_start(date.today())
    assert len(proof.fingerprint) == 64
    mine = page_text(client.get("/me"))
    assert "Verified: the employer's signature is valid." in mine
    assert f"Proved with a message signed by {DOMAIN}" in mine


def test_the_mark_on_a_published_review_waits_for_its_moment(app, client, dns, keys, review):
    """DESIGN.md §5.8: the mark appearing the minute after an upload would date the upload."""
    upload(client, review, signed(keys))
    db.session.expire_all()
    assert not review.contact_verified
    assert review.pending_publish_at is not None
    public = app.test_client()
    assert MARK not in page_text(public.get(f"/reviews/{review.public_id}"))
    updated_before = review.author_updated_at
    publish_pending_change(review)
    db.session.expire_all()
    assert review.contact_verified
    # A proof changes no word: the card doesn't say "updated".
    assert review.author_updated_at == updated_before
    assert MARK in page_text(public.get(f"/reviews/{review.public_id}"))


def test_a_scheduled_review_carries_the_mark_when_it_is_published(
    client, dns, keys, signed_in, employer
):
    scheduled = _review(
        signed_in,
        employer,
        status=ReviewStatus.scheduled,
        publish_at=datetime.now(UTC).replace(tzinfo=None) + timedelta(days=3),
    )
    upload(client, scheduled, signed(keys))
    db.session.expire_all()
    assert scheduled.contact_verified and scheduled.pending_values is None


def test_an_edit_waiting_for_its_moment_keeps_the_proof(client, dns, keys, review, signed_in):
    upload(client, review, signed(keys))
    db.session.expire_all()
    data = dict(review.pending_values)
    assert data["_contact_verified"] is True


def test_a_hiring_system_that_names_the_employer_verifies(client, dns, keys, review):
    raw = signed(
        keys,
        domain="us.greenhouse-mail.io",
        key="other",
        sender="Acme Widgets Recruiting <no-reply@us.greenhouse-mail.io>",
    )
    assert upload(client, review, raw).status_code == 302
    proof = _proof(review)
    assert proof.kind is ProofKind.through_system and proof.sending_system == "Greenhouse"
    assert "sent through Greenhouse" in page_text(client.get("/me"))


def test_a_hiring_system_naming_the_employer_in_the_subject_verifies(client, dns, keys, review):
    raw = signed(
        keys,
        domain="us.greenhouse-mail.io",
        key="other",
        sender="Recruiting <no-reply@us.greenhouse-mail.io>",
        subject="Your application to Acme Widgets",
    )
    assert upload(client, review, raw).status_code == 302
    assert _proof(review).status is ProofStatus.verified


def test_pasted_source_verifies_too(client, dns, keys, review):
    raw = signed(keys)
    response = paste(client, review, raw.decode())
    assert response.status_code == 302
    assert _proof(review).status is ProofStatus.verified


def test_a_message_of_a_thousand_parts_verifies(client, dns, keys, review):
    mail = message()
    mail.make_mixed()
    for number in range(1000):
        part = EmailMessage()
        part.set_content(f"part {number}")
        mail.attach(part)
    raw = sign(mail, DOMAIN, keys["rsa"])
    assert upload(client, review, raw).status_code == 302
    assert _proof(review).status is ProofStatus.verified


def test_the_same_message_again_for_the_same_review_changes_nothing(client, dns, keys, review):
    raw = signed(keys)
    upload(client, review, raw)
    first = _proof(review).id
    assert upload(client, review, raw).status_code == 302
    assert _proof(review).id == first
    assert db.session.scalar(select(db.func.count()).select_from(ContactProof)) == 1


# --- what doesn't, each with its own message ---------------------------------------------------


def test_a_tampered_body_is_refused(client, dns, keys, review):
    raw = signed(keys).replace(b"We will be in touch", b"We are so sorry, we")
    refused(upload(client, review, raw), Problem.tampered)
    assert _proof(review) is None


def test_a_tampered_header_is_refused(client, dns, keys, review):
    raw = signed(keys).replace(b"Subject: Your application", b"Subject: Your offer!!!!!!")
    refused(upload(client, review, raw), Problem.tampered)


def test_another_domains_signature_is_refused(client, dns, keys, review):
    raw = signed(keys, domain="other.example", key="other", sender="HR <hr@other.example>")
    refused(upload(client, review, raw), Problem.wrong_domain)


def test_a_signature_not_aligned_with_the_sender_is_refused(client, dns, keys, review):
    # Signed by other.example, pretending to come from the employer's domain.
    raw = signed(keys, domain="other.example", key="other")
    refused(upload(client, review, raw), Problem.wrong_domain)


def test_a_hiring_system_without_the_employer_named_is_refused(client, dns, keys, review):
    raw = signed(
        keys,
        domain="us.greenhouse-mail.io",
        key="other",
        sender="Recruiting <no-reply@us.greenhouse-mail.io>",
        subject="Your application to Globex",
    )
    refused(upload(client, review, raw), Problem.employer_not_named)


def test_free_mail_never_counts(client, dns, keys, signed_in):
    nameless = factories.EmployerFactory(name="Nameless Ltd")  # no known domain
    db.session.commit()
    review = _review(signed_in, nameless)
    raw = signed(keys, domain="gmail.com", key="other", sender="Nameless HR <hr@gmail.com>")
    refused(upload(client, review, raw), Problem.free_mail)


def test_a_message_outside_the_process_is_refused(client, dns, keys, review):
    raw = signed(keys, sent=date.today() - timedelta(days=200))
    refused(upload(client, review, raw), Problem.date_out_of_range)


def test_a_message_a_month_before_the_process_counts(client, dns, keys, review):
    raw = signed(keys, sent=review.process_month - timedelta(days=20))
    assert upload(client, review, raw).status_code == 302


def test_an_unsigned_message_is_refused(client, dns, review):
    raw = message().as_bytes()
    refused(upload(client, review, raw), Problem.unsigned)


def test_a_signature_without_the_message_id_is_refused(client, dns, keys, review):
    raw = sign(message(), DOMAIN, keys["rsa"], headers=[b"from", b"subject", b"date"])
    refused(upload(client, review, raw), Problem.message_id_unsigned)


def test_a_key_no_longer_published_says_older_messages_may_not_verify(client, dns, keys, review):
    raw = signed(keys, selector="selector2")  # a common name, no longer published
    text = refused(upload(client, review, raw), Problem.key_gone)
    assert "an older message may no longer verify" in text


def test_a_rare_key_name_is_not_looked_up_without_consent(client, dns, keys, review):
    """An employer could give each candidate's mail a key name of its own and watch its DNS for
    look-ups: a rare name is looked up only when the author accepts that."""
    raw = signed(keys, selector="cand-4711")
    text = refused(upload(client, review, raw), Problem.unusual_key)
    assert "Check it anyway" in text
    assert dns.queries == []
    url = f"/reviews/{review.public_id}/proof"
    response = client.post(
        url,
        data={
            "csrf_token": csrf_token(client, url),
            "message": (io.BytesIO(raw), "message.eml"),
            "unusual_keys": "y",
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert dns.queries == ["cand-4711._domainkey.acme.example."]
    assert _proof(review).status is ProofStatus.verified


def test_common_key_names_need_no_consent(client, dns, keys, review):
    assert upload(client, review, signed(keys, selector="s1")).status_code == 302
    assert dns.queries == ["s1._domainkey.acme.example."]


def test_a_dns_failure_keeps_the_review_and_says_try_later(client, dns, keys, review):
    dns.down = True
    text = refused(upload(client, review, signed(keys)), Problem.dns)
    assert "Your review is saved. Try again later." in text
    db.session.expire_all()
    assert db.session.get(Review, review.id).status is ReviewStatus.published


@pytest.mark.parametrize(
    "garbage",
    [b"\x00\xff\xfe" * 3000, b"hello", b"From: nobody\r\n\r\nno address", "x" * 10],
    ids=["binary", "word", "bad-from", "text"],
)
def test_garbage_is_not_an_email(client, dns, review, garbage):
    raw = garbage if isinstance(garbage, bytes) else garbage.encode()
    refused(upload(client, review, raw), Problem.not_email)


def test_nothing_sent_asks_for_a_message(client, dns, review):
    refused(paste(client, review, "   "), Problem.empty)


def test_a_message_over_5_mb_is_refused_in_the_page(client, dns, keys, review):
    raw = b"X" * (MAX_MESSAGE_BYTES + 1)
    refused(upload(client, review, raw), Problem.too_large)


def test_a_request_far_over_the_limit_is_a_413_with_a_message(client, dns, review):
    url = f"/reviews/{review.public_id}/proof"
    token = csrf_token(client, url)
    raw = b"X" * (MAX_MESSAGE_BYTES + 200 * 1024)
    response = client.post(
        url,
        data={"csrf_token": token, "message": (io.BytesIO(raw), "big.eml")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    assert "That was too much to send at once" in page_text(response)


def test_other_pages_keep_the_smaller_limit(client, signed_in, employer):
    token = csrf_token(client, "/account")
    response = client.post(
        "/account/email", data={"csrf_token": token, "email": "x" * (2 * 1024 * 1024)}
    )
    assert response.status_code == 413


def test_a_message_proves_one_review_only(app, client, dns, keys, review, employer, outbox):
    raw = signed(keys)
    upload(client, review, raw)
    other_client = app.test_client()
    other = factories.UserFactory(
        email="other@example.org", password="pw-other-123456", verified=True
    )
    db.session.commit()
    Auth(other_client, outbox).sign_in(other.email, "pw-other-123456")
    theirs = _review(other, employer)
    text = refused(upload(other_client, theirs, raw), Problem.reused)
    assert "one message can prove only one" in text
    assert _proof(theirs) is None
    assert db.session.get(User, other.id).proof_reuse_attempts == 1
    # The first review keeps its proof.
    assert _proof(review).status is ProofStatus.verified
    # Moderators see the attempt beside the account's pseudonym, never who it is.
    moderator_client = _moderator(app, outbox)
    seen = page_text(moderator_client.get(f"/moderation/reviews/{theirs.public_id}"))
    assert "Offered 1 message already proving another review" in seen
    assert "other@example.org" not in seen


def test_one_message_cant_prove_two_reviews_of_the_same_author(
    client, dns, keys, review, signed_in, employer
):
    raw = signed(keys)
    upload(client, review, raw)
    second = _review(
        signed_in, employer, process_month=month_start(date.today() - timedelta(days=10))
    )
    refused(upload(client, second, raw), Problem.reused)


# --- who may --------------------------------------------------------------------------------------


def test_only_the_author_opens_the_proof_page(app, client, review, outbox):
    other_client = app.test_client()
    assert other_client.get(f"/reviews/{review.public_id}/proof").status_code == 302
    other = factories.UserFactory(
        email="nosy@example.org", password="pw-nosy-1234567", verified=True
    )
    db.session.commit()
    Auth(other_client, outbox).sign_in(other.email, "pw-nosy-1234567")
    assert other_client.get(f"/reviews/{review.public_id}/proof").status_code == 403
    assert other_client.get("/reviews/nope/proof").status_code == 404


def test_the_proof_page_explains_how_to_save_a_message(client, review):
    text = page_text(client.get(f"/reviews/{review.public_id}/proof"))
    assert "Download message" in text and "Outlook" in text
    assert "We keep nothing of the message." in text


# --- an employer without a known domain: moderators decide ------------------------------------


@pytest.fixture
def nameless(app):
    employer = factories.EmployerFactory(name="Acme Careers")
    db.session.commit()
    return employer


def test_an_unknown_domain_waits_for_a_moderator(
    app, client, dns, keys, signed_in, nameless, outbox
):
    review = _review(signed_in, nameless)
    raw = signed(
        keys, domain="acme-careers.example", key="other", sender="HR <hr@acme-careers.example>"
    )
    assert upload(client, review, raw).status_code == 302
    proof = _proof(review)
    assert proof.status is ProofStatus.awaiting_domain
    assert "a moderator is checking" in page_text(client.get("/me"))
    assert not db.session.get(Review, review.id).contact_verified

    moderator_client = _moderator(app, outbox)
    queue = page_text(moderator_client.get("/moderation/proof-domains"))
    assert "acme-careers.example" in queue and "Acme Careers" in queue
    assert signed_in.email not in queue
    token = csrf_token(moderator_client, "/moderation/proof-domains")
    response = moderator_client.post(
        f"/moderation/proof-domains/{nameless.slug}/accept",
        data={"csrf_token": token, "domain": "acme-careers.example"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert _proof(review).status is ProofStatus.verified
    assert (
        db.session.scalar(
            select(EmployerDomain.employer_id).where(
                EmployerDomain.domain == "acme-careers.example"
            )
        )
        == nameless.id
    )
    reviewed = db.session.get(Review, review.id)
    assert reviewed.pending_values["_contact_verified"] is True


def test_a_refused_domain_leaves_the_review_unverified(
    app, client, dns, keys, signed_in, nameless, outbox
):
    review = _review(signed_in, nameless)
    raw = signed(
        keys, domain="acme-careers.example", key="other", sender="HR <hr@acme-careers.example>"
    )
    upload(client, review, raw)
    moderator_client = _moderator(app, outbox)
    token = csrf_token(moderator_client, "/moderation/proof-domains")
    moderator_client.post(
        f"/moderation/proof-domains/{nameless.slug}/refuse",
        data={"csrf_token": token, "domain": "acme-careers.example"},
    )
    assert _proof(review).status is ProofStatus.domain_refused
    assert "No domains are waiting." in page_text(moderator_client.get("/moderation/proof-domains"))
    assert "Proof not accepted" in page_text(client.get("/me"))


def test_candidates_cant_see_the_domain_queue(client, signed_in):
    assert client.get("/moderation/proof-domains").status_code == 403


def test_a_domain_of_another_employer_is_never_proposed(client, dns, keys, signed_in, nameless):
    other = factories.EmployerFactory(name="Other Co")
    factories.EmployerDomainFactory(employer_id=other.id, domain="other.example")
    db.session.commit()
    review = _review(signed_in, nameless)
    raw = signed(keys, domain="other.example", key="other", sender="HR <hr@other.example>")
    refused(upload(client, review, raw), Problem.wrong_domain)


# --- nothing of the message is kept -----------------------------------------------------------

TOKENS = [
    "Zanzibar Quillfeather",
    "zq-unique-3141",
    "77 Wobblestone Lane",
    "msgid-9f8e7d6c",
    "Interview for the Lighthouse Keeper role",
    "+44 7700 900461",
]


def _private_message(keys) -> bytes:
    return signed(
        keys,
        sender="Zanzibar Quillfeather <zq-unique-3141@acme.example>",
        to="Candidate <candidate-777@mail.example>",
        subject="Interview for the Lighthouse Keeper role",
        message_id="<msgid-9f8e7d6c@acme.example>",
        body="Dear candidate, come to 77 Wobblestone Lane; call +44 7700 900461.\n" + "x" * 600_000,
    )


def _database_text() -> str:
    rows = []
    for table in db.metadata.sorted_tables:
        rows.extend(repr(row) for row in db.session.execute(select(table)))
    return "\n".join(rows)


def _instance_text(app) -> str:
    chunks = []
    for path in sorted(Path(app.instance_path).rglob("*")):
        if path.is_file():
            chunks.append(path.read_bytes().decode("utf-8", "replace"))
    return "\n".join(chunks)


def test_nothing_of_the_message_is_kept_anywhere(
    app, client, dns, keys, review, outbox, caplog, monkeypatch
):
    """The message is read in memory and discarded: not in the database, the instance folder,
    the logs, any email, or a temporary file (a 600 KB upload would spill to one by default)."""

    def no_disk(*args, **kwargs):
        raise AssertionError("the upload went to a temporary file")

    monkeypatch.setattr(werkzeug.formparser, "SpooledTemporaryFile", no_disk)
    caplog.set_level(logging.DEBUG)
    raw = _private_message(keys)
    # A refused attempt first (tampered), then the accepted one, by upload and by paste.
    refused(upload(client, review, raw.replace(b"come to", b"go to")), Problem.tampered)
    assert upload(client, review, raw).status_code == 302
    assert paste(client, review, raw.decode()).status_code == 302
    pages = page_text(client.get("/me")) + page_text(client.get(f"/reviews/{review.public_id}"))
    db.session.expire_all()
    publish_pending_change(review)
    places = {
        "database": _database_text(),
        "instance folder": _instance_text(app),
        "logs": caplog.text,
        "outbox": "\n".join(message.as_string() for message in outbox),
        "pages": pages,
    }
    for where, text in places.items():
        for token in TOKENS:
            assert token.lower() not in text.lower(), f"{token!r} kept in the {where}"
    assert _proof(review).signing_domain == DOMAIN


def test_a_refused_message_is_not_sent_back_in_the_page(client, dns, keys, review):
    raw = _private_message(keys).replace(b"come to", b"go to")
    response = paste(client, review, raw.decode())
    text = refused(response, Problem.tampered)
    assert "Wobblestone" not in text and "Quillfeather" not in text


# --- from the review form's preview ---------------------------------------------------------


def _publish_with(client, employer, raw: bytes | None, **fields):
    url = f"/reviews/new?employer={employer.slug}"
    data = {
        "csrf_token": csrf_token(client, url),
        "process_month": month_start(date.today() - timedelta(days=40)).strftime("%Y-%m"),
        "stage": "interview",
        "outcome": "waiting",
        "last_contact_on": (date.today() - timedelta(days=5)).isoformat(),
        "narrative": "Two rounds, then nothing.",
        "action": "publish",
        **fields,
    }
    if raw is not None:
        data["message"] = (io.BytesIO(raw), "message.eml")
    return client.post(url, data=data, content_type="multipart/form-data")


def test_a_message_attached_at_publishing_verifies_the_new_review(
    client, dns, keys, signed_in, employer
):
    response = _publish_with(client, employer, signed(keys))
    assert response.status_code == 302
    review = db.session.scalar(select(Review).where(Review.author_id == signed_in.id))
    assert review.status is ReviewStatus.scheduled and review.contact_verified
    assert _proof(review).status is ProofStatus.verified
    text = page_text(client.get("/me"))
    assert "Your proof of contact is verified" in text and "Your review is saved" in text


def test_a_failed_proof_at_publishing_still_saves_the_review(
    client, dns, keys, signed_in, employer
):
    raw = signed(keys).replace(b"We will be in touch", b"We loved you")
    response = _publish_with(client, employer, raw)
    assert response.status_code == 302
    review = db.session.scalar(select(Review).where(Review.author_id == signed_in.id))
    assert review is not None and review.narrative == "Two rounds, then nothing."
    assert not review.contact_verified and _proof(review) is None
    text = page_text(client.get("/me"))
    assert MESSAGES[Problem.tampered] in text and "Your review is saved" in text


def test_the_preview_offers_the_proof(client, signed_in, employer):
    url = f"/reviews/new?employer={employer.slug}"
    data = {
        "csrf_token": csrf_token(client, url),
        "process_month": month_start(date.today() - timedelta(days=40)).strftime("%Y-%m"),
        "stage": "interview",
        "outcome": "waiting",
        "last_contact_on": (date.today() - timedelta(days=5)).isoformat(),
        "action": "preview",
    }
    text = page_text(client.post(url, data=data))
    assert "Prove the contact (optional)" in text and 'enctype="multipart/form-data"' in text


def test_the_export_holds_what_is_kept_of_the_proof(client, dns, keys, review):
    upload(client, review, signed(keys))
    data = client.get("/me/export").get_json(force=True)
    exported = next(item for item in data["reviews"] if item["public_id"] == review.public_id)
    assert exported["proof_of_contact"] == {
        "status": "verified",
        "kind": "own_domain",
        "signing_domain": DOMAIN,
        "sending_system": None,
        "message_month": month_start(date.today()).isoformat(),
    }
    assert data["account"]["proof_reuse_attempts"] == 0


def test_proof_checks_are_rate_limited_but_the_page_is_not(app_factory, outbox):
    app = app_factory(RATELIMIT_PROOF="2 per day")
    client = app.test_client()
    user = factories.UserFactory(
        email="limit@example.org", password="pw-limit-1234567", verified=True
    )
    employer = factories.EmployerFactory()
    db.session.commit()
    Auth(client, outbox).sign_in(user.email, "pw-limit-1234567")
    review = _review(user, employer)
    statuses = [upload(client, review, b"not a message").status_code for _ in range(3)]
    assert statuses == [422, 422, 429]
    assert client.get(f"/reviews/{review.public_id}/proof").status_code == 200
