"""Claims (DESIGN.md §7): asking to represent an employer, the emailed link, moderators'
approval for employers with no known domain, leaving and revoking, and representatives not
reviewing their own employer (§8: they would be scoring themselves)."""

from __future__ import annotations

import idna
import pytest
import time_machine
from sqlalchemy import select

from accounts.models import Role
from extensions import db
from representatives.models import Claim, ClaimStatus, EndReason, Representative
from tests.conftest import Auth, csrf_token, links_in, page_text, path_of, post_form
from tests.factories import (
    EmployerDomainFactory,
    EmployerFactory,
    RepresentativeFactory,
    ReviewFactory,
    UserFactory,
)
from tests.helpers import smtp_server
from timeutils import utcnow

PASSWORD = "correct horse battery"
CYRILLIC_ACME = "\u0430cme.com"  # looks like acme.com; the "a" is CYRILLIC SMALL LETTER A
CYRILLIC_ACME_ASCII = idna.encode(CYRILLIC_ACME, uts46=True).decode()


# --- helpers -----------------------------------------------------------------------------------


def _employer(name="Acme", slug="acme", domains=("acme.com",)):
    employer = EmployerFactory(name=name, slug=slug)
    for domain in domains:
        EmployerDomainFactory(employer_id=employer.id, domain=domain)
    return employer


@pytest.fixture
def acme(app):
    return _employer()


def _claim(client, email, slug="acme"):
    return post_form(client, f"/employers/{slug}/claim", {"email": email})


def _claims():
    return list(db.session.scalars(select(Claim).order_by(Claim.id)))


def _representatives(**where):
    query = select(Representative).filter_by(**where).order_by(Representative.id)
    return list(db.session.scalars(query))


def _claim_link(outbox) -> str:
    message = outbox[-1]
    links = [link for link in links_in(message) if "/claims/verify/" in link]
    assert len(links) == 1, message.get_content()
    return path_of(links[0])


def _client_as(app, user):
    client = app.test_client()
    response = Auth(client, None).sign_in(user.email, PASSWORD)
    assert response.status_code == 302
    return client


def _confirm(client, link):
    return post_form(client, link)


def _make_representative(user, employer):
    return RepresentativeFactory(user_id=user.id, employer_id=employer.id)


# --- the happy path ----------------------------------------------------------------------------


def test_claim_link_confirm_makes_a_representative(client, signed_in, acme, outbox):
    page = client.get("/employers/acme/claim")
    assert page.status_code == 200
    text = page_text(page)
    assert "never learn who wrote a review" in text
    assert "acme.com" in text

    response = _claim(client, "jane.doe@acme.com")
    assert response.status_code == 200
    assert "Check your work inbox" in page_text(response)
    (claim,) = _claims()
    assert claim.status is ClaimStatus.emailed
    assert claim.email == "jane.doe@acme.com" and claim.email_domain == "acme.com"
    assert claim.nonce and len(claim.nonce) == 32

    assert len(outbox) == 1
    message = outbox[0]
    assert message["To"] == "jane.doe@acme.com"
    assert message["Cc"] is None and message["Bcc"] is None
    assert "Acme" in message["Subject"]
    body = message.get_content()
    assert signed_in.email not in body  # the account's own address isn't needed here
    assert "24 hours" in body

    link = _claim_link(outbox)
    shown = client.get(link)
    assert shown.status_code == 200
    assert "Yes, I represent Acme" in page_text(shown)
    # Mail scanners follow links: a GET changes nothing.
    assert _representatives() == []
    db.session.refresh(claim)
    assert claim.status is ClaimStatus.emailed and claim.nonce

    confirmed = _confirm(client, link)
    assert confirmed.status_code == 302
    assert confirmed.headers["Location"].endswith("/employer?employer=acme")
    (representative,) = _representatives()
    assert (representative.user_id, representative.employer_id) == (signed_in.id, acme.id)
    assert representative.claim_id == claim.id and representative.is_live
    db.session.refresh(claim)
    assert claim.status is ClaimStatus.approved
    assert claim.nonce is None and claim.email is None and claim.decided_at is not None
    assert "You now represent Acme" in page_text(client.get(confirmed.headers["Location"]))


def test_a_representative_is_told_so_on_the_claim_page(client, signed_in, acme, outbox):
    representative = _make_representative(signed_in, acme)
    text = page_text(client.get("/employers/acme/claim"))
    assert "You already represent Acme" in text
    assert f"/employer/leave/{representative.id}" in text
    response = _claim(client, "jane@acme.com", slug="acme")
    assert "You already represent Acme" in page_text(response)
    assert _claims() == [] and outbox == []


def test_claiming_needs_a_verified_account(client, auth, acme):
    UserFactory(email="new@example.org")
    auth.sign_in("new@example.org", PASSWORD)
    response = client.get("/employers/acme/claim")
    assert response.status_code == 403
    assert "confirm your account's email address" in page_text(response)


def test_claiming_signed_out_goes_to_sign_in(client, acme):
    response = client.get("/employers/acme/claim")
    assert response.status_code == 302
    assert "/sign-in?next=" in response.headers["Location"]


def test_claim_page_for_an_unknown_employer_is_404(client, signed_in):
    assert client.get("/employers/nobody-at-all/claim").status_code == 404


# --- which addresses -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("email", "expected"),
    [
        ("jane@gmail.com", "gmail.com is a free email provider"),
        ("jane@outlook.com", "outlook.com is a free email provider"),
        ("jane@mailinator.com", "mailinator.com is a disposable email service"),
        ("jane@acme.com.evil.io", "acme.com.evil.io isn't one of Acme's email domains"),
        ("jane@evil-acme.com", "evil-acme.com isn't one of Acme's email domains"),
        ("jane@acme-com.io", "acme-com.io isn't one of Acme's email domains"),
        ("jane@acme.co", "acme.co isn't one of Acme's email domains"),
        ("jane@acme.com.au", "acme.com.au isn't one of Acme's email domains"),
        ("jane@notacme.com", "notacme.com isn't one of Acme's email domains"),
        (f"jane@{CYRILLIC_ACME}", f"its real form is {CYRILLIC_ACME_ASCII}"),
        (f"jane@{CYRILLIC_ACME_ASCII}", "internationalised domain"),
        (f"jane@hr.{CYRILLIC_ACME}", "internationalised domain"),
    ],
)
def test_addresses_that_prove_nothing_are_refused(client, signed_in, acme, outbox, email, expected):
    response = _claim(client, email)
    assert response.status_code == 422
    text = page_text(response)
    assert expected in text
    assert f'value="{email}"' in text  # what was typed is still there to correct
    assert _claims() == [] and outbox == []


@pytest.mark.parametrize(
    ("email", "stored"),
    [
        ("JANE@ACME.COM", "jane@acme.com"),
        ("Jane.Doe@Acme.Com", "jane.doe@acme.com"),
        ("jane@acme.com.", "jane@acme.com"),
        ("  jane@acme.com  ", "jane@acme.com"),
        ("jane@hr.acme.com", "jane@hr.acme.com"),
        ("jane@EU.HR.Acme.com.", "jane@eu.hr.acme.com"),
    ],
)
def test_legitimate_spellings_and_subdomains_are_accepted(
    client, signed_in, acme, outbox, email, stored
):
    response = _claim(client, email)
    assert response.status_code == 200, page_text(response)
    (claim,) = _claims()
    assert claim.email == stored
    assert claim.email_domain == stored.split("@")[1]
    assert outbox[0]["To"] == stored


def test_an_employer_on_an_idn_domain_can_be_claimed_on_it_but_not_through_a_punycode_subdomain(
    client, signed_in, outbox
):
    _employer("Bücher", "bucher", domains=("xn--bcher-kva.de",))
    assert _claim(client, "jane@bücher.de", slug="bucher").status_code == 200
    assert _claim(client, "jane@xn--bcher-kva.de", slug="bucher").status_code == 200
    assert [claim.email_domain for claim in _claims()] == ["xn--bcher-kva.de"] * 2
    sneaky = "jane@" + idna.encode("ünter.bücher.de", uts46=True).decode()
    response = _claim(client, sneaky, slug="bucher")
    assert response.status_code == 422
    assert "internationalised domain" in page_text(response)


def test_a_domain_of_another_employer_is_refused_for_one_without_a_domain(
    client, signed_in, acme, outbox
):
    EmployerFactory(name="Widgets", slug="widgets")
    response = _claim(client, "jane@hr.acme.com", slug="widgets")
    assert response.status_code == 422
    assert "registered on HeardBack as a domain of Acme" in page_text(response)
    assert _claims() == []


# --- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("email", "expected"),
    [
        ("", "Enter your work email address."),
        ("   ", "Enter your work email address."),
        ("j" * 10_000 + "@acme.com", "at most 254 characters"),
        ("jane\x00@acme.com", "invisible control characters"),
        ("jane\u202e@acme.com", "invisible control characters"),
        ("jane@acme.com\x07", "invisible control characters"),
        ("<script>alert(1)</script>@acme.com", "Enter a valid work email address"),
        ("<script>alert(1)</script>", "Enter a valid work email address"),
        ("jane", "Enter a valid work email address"),
        ("jane@", "Enter a valid work email address"),
        ("@acme.com", "Enter a valid work email address"),
        ("jane@acme..com", "Enter a valid work email address"),
        ("jane@[127.0.0.1]", "Enter a valid work email address"),
        ('"jane doe"@acme.com', "Enter a valid work email address"),
    ],
)
def test_bad_input_on_the_claim_form(client, signed_in, acme, outbox, email, expected):
    response = _claim(client, email)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "<script>alert" not in body
    assert expected in page_text(response)
    typed = email.strip()
    if typed and "\x00" not in typed:
        assert f'value="{typed}"' in page_text(response)
    assert _claims() == [] and outbox == []


def test_a_claim_post_without_a_csrf_token_is_refused(app, client, signed_in, acme, outbox):
    assert app.config["WTF_CSRF_ENABLED"]
    response = client.post("/employers/acme/claim", data={"email": "jane@acme.com"})
    assert response.status_code == 400
    assert "security token" in page_text(response)
    assert _claims() == [] and outbox == []


def test_claim_posts_are_rate_limited(app_factory):
    app = app_factory(RATELIMIT_CLAIM="2 per hour")
    _employer()
    user = UserFactory(email="limited@example.org", verified=True)
    client = _client_as(app, user)
    statuses = [_claim(client, f"jane{n}@acme.com").status_code for n in range(3)]
    assert statuses == [200, 200, 429]


# --- the link ----------------------------------------------------------------------------------


def test_a_link_works_for_24_hours_only(app, client, signed_in, acme, outbox):
    _claim(client, "jane@acme.com")
    link = _claim_link(outbox)
    hours = app.config["CLAIM_LINK_HOURS"]
    assert hours == 24
    with time_machine.travel(utcnow().timestamp() + (hours - 1) * 3600, tick=False):
        assert client.get(link).status_code == 200
    with time_machine.travel(utcnow().timestamp() + hours * 3600 + 60, tick=False):
        shown = client.get(link)
        confirmed = _confirm(client, link)
    for response in (shown, confirmed):
        assert response.status_code == 400
        assert "expired" in page_text(response)
        assert "ask again" in page_text(response)
    assert _representatives() == []


def test_a_tampered_link_is_refused(client, signed_in, acme, outbox):
    _claim(client, "jane@acme.com")
    link = _claim_link(outbox)
    tampered = link[:-3] + ("aaa" if not link.endswith("aaa") else "bbb")
    token = csrf_token(client, "/account")
    for response in (client.get(tampered), client.post(tampered, data={"csrf_token": token})):
        assert response.status_code == 400
        assert "isn't valid" in page_text(response)
    assert client.get("/claims/verify/" + "x" * 5000).status_code == 400
    assert _representatives() == []


def test_a_link_signed_for_another_purpose_is_refused(client, signed_in, acme):
    from accounts.services import Purpose, make_token

    _claim(client, "jane@acme.com")
    (claim,) = _claims()
    forged = make_token(Purpose.verify_email, {"claim": claim.id, "nonce": claim.nonce})
    assert client.get(f"/claims/verify/{forged}").status_code == 400


@pytest.mark.parametrize(
    "token", ["<script>alert(1)</script>", "x" * 10_000, "a.b.c", "%00", "..%2F..%2Fetc"]
)
def test_bad_input_in_a_link(client, signed_in, token):
    response = client.get(f"/claims/verify/{token}")
    assert response.status_code in (400, 404)
    assert "<script>alert" not in response.get_data(as_text=True)


def test_a_link_works_once(client, signed_in, acme, outbox):
    _claim(client, "jane@acme.com")
    link = _claim_link(outbox)
    assert _confirm(client, link).status_code == 302
    token = csrf_token(client, "/account")
    for response in (client.get(link), client.post(link, data={"csrf_token": token})):
        assert response.status_code == 400
        assert "already been used" in page_text(response)
    assert len(_representatives()) == 1


def test_a_newer_claim_cancels_the_older_one_and_its_link(client, signed_in, acme, outbox):
    _claim(client, "jane@acme.com")
    first = _claim_link(outbox)
    _claim(client, "jane.doe@hr.acme.com")
    second = _claim_link(outbox)
    old, new = _claims()
    assert old.status is ClaimStatus.cancelled and old.nonce is None and old.email is None
    assert new.status is ClaimStatus.emailed
    response = client.get(first)
    assert response.status_code == 400
    assert "a newer request replaced" in page_text(response)
    assert _confirm(client, second).status_code == 302
    assert len(_representatives()) == 1


def test_a_link_followed_by_another_user_is_refused(app, client, signed_in, acme, outbox):
    _claim(client, "jane@acme.com")
    link = _claim_link(outbox)
    other = UserFactory(email="someone.else@example.org", verified=True)
    other_client = _client_as(app, other)
    shown = other_client.get(link)
    assert shown.status_code == 403
    assert "for another account" in page_text(shown)
    assert "jane@acme.com" not in page_text(shown)
    token = csrf_token(other_client, "/account")
    assert other_client.post(link, data={"csrf_token": token}).status_code == 403
    assert _representatives() == []
    # The claimant's own link still works.
    assert _confirm(client, link).status_code == 302


def test_a_link_followed_signed_out_asks_to_sign_in_first(app, client, signed_in, acme, outbox):
    _claim(client, "jane@acme.com")
    link = _claim_link(outbox)
    response = app.test_client().get(link)
    assert response.status_code == 302
    assert "/sign-in?next=" in response.headers["Location"]
    assert "claims" in response.headers["Location"]


# --- moderators --------------------------------------------------------------------------------


@pytest.fixture
def widgets(app):
    return _employer("Widgets Ltd", "widgets-ltd", domains=())


@pytest.fixture
def moderator(app):
    return UserFactory(email="mod@example.org", role=Role.moderator, verified=True)


@pytest.fixture
def admin(app):
    return UserFactory(email="admin@example.org", role=Role.admin, verified=True)


def test_no_known_domain_moderator_adds_it_then_the_link_makes_a_representative(
    app, client, signed_in, widgets, moderator, outbox
):
    response = _claim(client, "jane@widgets.io", slug="widgets-ltd")
    assert response.status_code == 200
    assert "A moderator will check your request" in page_text(response)
    (claim,) = _claims()
    assert claim.status is ClaimStatus.awaiting_moderator and claim.nonce is None
    assert outbox == []

    moderation = _client_as(app, moderator)
    queue = moderation.get("/moderation/claims")
    assert queue.status_code == 200
    text = page_text(queue)
    assert "Widgets Ltd" in text and "widgets.io" in text and "0 days" in text
    # The domain and the account's age, not who is asking.
    assert "jane@widgets.io" not in text and signed_in.email not in text

    approved = post_form(
        moderation, f"/moderation/claims/{claim.id}/approve", page="/moderation/claims"
    )
    assert approved.status_code == 302
    assert [item.domain for item in widgets.domains] == ["widgets.io"]
    db.session.refresh(claim)
    assert claim.status is ClaimStatus.emailed and claim.nonce
    assert claim.decided_by_id == moderator.id
    assert outbox[-1]["To"] == "jane@widgets.io"
    assert "moderator has checked" in outbox[-1].get_content()
    assert "No claims are waiting" in page_text(moderation.get("/moderation/claims"))

    # Approval isn't membership: the claimant must still prove the mailbox is theirs.
    assert _representatives() == []
    link = _claim_link(outbox)
    assert _confirm(client, link).status_code == 302
    (representative,) = _representatives()
    assert representative.employer_id == widgets.id and representative.user_id == signed_in.id


def test_moderator_refuses_and_the_claimant_is_told(
    app, client, signed_in, widgets, moderator, outbox
):
    _claim(client, "jane@widgets.io", slug="widgets-ltd")
    (claim,) = _claims()
    moderation = _client_as(app, moderator)
    note = "Widgets Ltd's own site uses widgets.example; we couldn't link widgets.io to it."
    response = post_form(
        moderation,
        f"/moderation/claims/{claim.id}/refuse",
        {"note": note},
        page="/moderation/claims",
    )
    assert response.status_code == 302
    db.session.refresh(claim)
    assert claim.status is ClaimStatus.refused and claim.email is None
    assert claim.moderator_note == note
    message = outbox[-1]
    assert message["To"] == signed_in.email
    assert note in message.get_content()
    assert "refused" in message["Subject"]
    assert widgets.domains == []
    # A handled claim can't be approved afterwards.
    post_form(moderation, f"/moderation/claims/{claim.id}/approve", page="/moderation/claims")
    db.session.refresh(claim)
    assert claim.status is ClaimStatus.refused and widgets.domains == []


@pytest.mark.parametrize(
    ("note", "expected"),
    [
        ("x" * 10_000, "500 characters or fewer"),
        ("bad\x00note", "invisible control characters"),
        ("<script>alert(1)</script>" * 30, "500 characters or fewer"),
    ],
)
def test_bad_input_on_the_refusal_note(
    app, client, signed_in, widgets, moderator, outbox, note, expected
):
    _claim(client, "jane@widgets.io", slug="widgets-ltd")
    (claim,) = _claims()
    moderation = _client_as(app, moderator)
    response = post_form(
        moderation,
        f"/moderation/claims/{claim.id}/refuse",
        {"note": note},
        page="/moderation/claims",
    )
    assert response.status_code == 422
    assert "<script>alert" not in response.get_data(as_text=True)
    text = page_text(response)
    assert expected in text
    if "\x00" not in note:
        assert note in text
    db.session.refresh(claim)
    assert claim.status is ClaimStatus.awaiting_moderator


def test_approving_a_domain_another_employer_has_is_refused(
    app, client, signed_in, widgets, moderator, outbox
):
    _claim(client, "jane@widgets.io", slug="widgets-ltd")
    (claim,) = _claims()
    _employer("Other Widgets", "other-widgets", domains=("widgets.io",))
    moderation = _client_as(app, moderator)
    post_form(moderation, f"/moderation/claims/{claim.id}/approve", page="/moderation/claims")
    text = page_text(moderation.get("/moderation/claims"))
    assert "already a domain of Other Widgets" in text
    db.session.refresh(claim)
    assert claim.status is ClaimStatus.awaiting_moderator and outbox == []


def test_a_moderator_cannot_approve_their_own_claim(app, widgets, moderator, outbox):
    client = _client_as(app, moderator)
    _claim(client, "mod@widgets.io", slug="widgets-ltd")
    (claim,) = _claims()
    post_form(client, f"/moderation/claims/{claim.id}/approve", page="/moderation/claims")
    assert "another moderator must decide" in page_text(client.get("/moderation/claims"))
    db.session.refresh(claim)
    assert claim.status is ClaimStatus.awaiting_moderator and widgets.domains == []


MODERATION_PAGES = ["/moderation/claims", "/moderation/representatives"]


@pytest.mark.parametrize("path", MODERATION_PAGES)
def test_moderation_pages_send_the_signed_out_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert "/sign-in?next=" in response.headers["Location"]


@pytest.mark.parametrize("path", MODERATION_PAGES)
def test_moderation_pages_refuse_candidates(client, signed_in, path):
    assert client.get(path).status_code == 403


@pytest.mark.parametrize(
    ("role", "path", "status"),
    [
        (Role.moderator, "/moderation/claims", 200),
        (Role.moderator, "/moderation/representatives", 403),
        (Role.admin, "/moderation/claims", 200),
        (Role.admin, "/moderation/representatives", 200),
    ],
)
def test_moderation_pages_by_role(app, role, path, status):
    user = UserFactory(email=f"{role.value}@example.org", role=role, verified=True)
    assert _client_as(app, user).get(path).status_code == status


def test_candidates_cannot_act_on_claims(app, client, signed_in, widgets, outbox):
    _claim(client, "jane@widgets.io", slug="widgets-ltd")
    (claim,) = _claims()
    token = csrf_token(client, "/account")
    for action in ("approve", "refuse"):
        response = client.post(
            f"/moderation/claims/{claim.id}/{action}", data={"csrf_token": token}
        )
        assert response.status_code == 403
    db.session.refresh(claim)
    assert claim.status is ClaimStatus.awaiting_moderator and widgets.domains == []


# --- leaving and revoking ----------------------------------------------------------------------


def test_a_representative_can_leave(client, signed_in, acme):
    representative = _make_representative(signed_in, acme)
    path = f"/employer/leave/{representative.id}"
    page = client.get(path)
    assert page.status_code == 200
    assert "Stop representing Acme" in page_text(page)
    assert representative.is_live  # GET changes nothing
    response = post_form(client, path)
    assert response.status_code == 302
    db.session.refresh(representative)
    assert representative.end_reason is EndReason.left and representative.ended_at is not None
    again = client.get(path)
    assert again.status_code == 409
    assert "already ended" in page_text(again)
    # Leaving makes room for a new claim.
    assert _claim(client, "jane@acme.com").status_code == 200


def test_only_ones_own_representation_can_be_left(app, client, signed_in, acme):
    other = UserFactory(email="rep@example.org", verified=True)
    representative = _make_representative(other, acme)
    path = f"/employer/leave/{representative.id}"
    assert client.get(path).status_code == 403
    token = csrf_token(client, "/account")
    assert client.post(path, data={"csrf_token": token}).status_code == 403
    assert client.get("/employer/leave/999999").status_code == 404
    db.session.refresh(representative)
    assert representative.is_live
    assert app.test_client().get(path).status_code == 302  # signed out: to sign-in


def test_an_admin_revokes_a_representative(app, acme, admin, outbox):
    rep_user = UserFactory(email="rep@acme-staff.example", verified=True)
    representative = _make_representative(rep_user, acme)
    client = _client_as(app, admin)
    index = client.get("/moderation/representatives")
    assert "Acme" in page_text(index)
    page = client.get("/moderation/representatives?employer=acme")
    assert page.status_code == 200
    assert "rep@acme-staff.example" in page_text(page)
    path = f"/moderation/representatives/{representative.id}/revoke"
    response = post_form(client, path, page="/moderation/representatives?employer=acme")
    assert response.status_code == 302
    db.session.refresh(representative)
    assert representative.end_reason is EndReason.revoked and representative.ended_at is not None
    assert outbox[-1]["To"] == "rep@acme-staff.example"
    assert "no longer represent Acme" in outbox[-1]["Subject"]
    assert "has no representatives" in page_text(
        client.get("/moderation/representatives?employer=acme")
    )
    assert client.get("/moderation/representatives?employer=nobody").status_code == 404


@pytest.mark.parametrize(
    "slug", ["<script>alert(1)</script>", "x" * 10_000, "acme\x00", "acme\u202e", " "]
)
def test_bad_input_in_the_representatives_search(app, acme, admin, slug):
    response = _client_as(app, admin).get(
        "/moderation/representatives", query_string={"employer": slug}
    )
    assert response.status_code in (200, 404)
    assert "<script>alert" not in response.get_data(as_text=True)


def test_moderators_cannot_revoke(app, acme, moderator):
    representative = _make_representative(UserFactory(verified=True), acme)
    client = _client_as(app, moderator)
    token = csrf_token(client, "/account")
    path = f"/moderation/representatives/{representative.id}/revoke"
    assert client.post(path, data={"csrf_token": token}).status_code == 403
    db.session.refresh(representative)
    assert representative.is_live


# --- representatives can't review their own employer -------------------------------------------


def test_a_representative_cannot_review_their_employer(client, signed_in, acme):
    _make_representative(signed_in, acme)
    response = client.get("/reviews/new?employer=acme")
    assert response.status_code == 403
    assert "You represent this employer" in page_text(response)
    other = _employer("Other", "other", domains=("other.com",))
    assert client.get(f"/reviews/new?employer={other.slug}").status_code == 200


def test_a_former_representative_can_review_again(client, signed_in, acme):
    representative = _make_representative(signed_in, acme)
    representative.ended_at, representative.end_reason = utcnow(), EndReason.left
    db.session.commit()
    assert client.get("/reviews/new?employer=acme").status_code == 200


def test_a_representative_cannot_update_a_review_of_their_employer(client, signed_in, acme):
    review = ReviewFactory(author=signed_in, employer_id=acme.id)
    _make_representative(signed_in, acme)
    assert client.get(f"/reviews/{review.public_id}/edit").status_code == 403


# --- email through a real SMTP server ----------------------------------------------------------


def test_the_claim_email_through_a_real_smtp_server(app_factory):
    with smtp_server() as (port, received):
        app = app_factory(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
        acme = _employer()
        author = UserFactory(email="review.author@example.org", verified=True)
        ReviewFactory(author=author, employer_id=acme.id)
        claimant = UserFactory(email="claimant@example.org", verified=True)
        client = _client_as(app, claimant)
        response = _claim(client, "jane@acme.com")
        assert response.status_code == 200
    assert len(received) == 1
    message = received[0]
    assert message["To"] == "jane@acme.com"
    assert message["Cc"] is None and message["Bcc"] is None
    raw = message.as_string()
    assert "/claims/verify/" in raw
    # Only the claimant's work address: nothing about the account or any other user.
    assert "review.author" not in raw and "claimant@" not in raw


# --- command line ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "role"), [("make-moderator", Role.moderator), ("make-admin", Role.admin)]
)
def test_role_commands(runner, app, command, role):
    user = UserFactory(email="someone@example.org", verified=True)
    result = runner.invoke(args=["heardback", command, "Someone@Example.org"])
    assert result.exit_code == 0, result.output
    assert f"now {role.value}" in result.output
    db.session.refresh(user)
    assert user.role is role
    missing = runner.invoke(args=["heardback", command, "nobody@example.org"])
    assert missing.exit_code != 0
    assert "No account uses nobody@example.org" in missing.output
