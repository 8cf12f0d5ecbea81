"""Several representatives per employer (issue 17): owners invite colleagues by work email on the
employer's domains, colleagues accept with an account confirmed at the invited address, owners
manage the team (/employer/team) and the employer always keeps an owner."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from extensions import db
from representatives import team
from representatives.claims import end_representation
from representatives.models import (
    EndReason,
    Invitation,
    Representative,
    RepresentativeRole,
)
from reviews.models import Outcome, Stage
from tests.conftest import links_in, page_text, path_of, post_form
from tests.factories import (
    EmployerDomainFactory,
    EmployerFactory,
    RepresentativeFactory,
    ReviewFactory,
    UserFactory,
)
from timeutils import utcnow

PASSWORD = "correct horse battery"
DOMAIN = "larkspur-analytics.com"
COLLEAGUE = "jo.colleague@larkspur-analytics.com"


@pytest.fixture
def employer(app):
    employer = EmployerFactory(name="Larkspur Analytics", slug="larkspur-analytics")
    EmployerDomainFactory(employer_id=employer.id, domain=DOMAIN)
    return employer


def sign_in_as(auth, email: str, employer=None, role=RepresentativeRole.owner, **user):
    """A verified account with this address (a representative of `employer` if given), signed in."""
    account = UserFactory(email=email, password=PASSWORD, verified=True, **user)
    representative = None
    if employer is not None:
        representative = RepresentativeFactory(
            user_id=account.id, employer_id=employer.id, role=role
        )
    if auth.client.get("/account").status_code == 200:
        auth.sign_out()
    assert auth.sign_in(email, PASSWORD).status_code == 302
    return account, representative


def sign_in_again(auth, email: str) -> None:
    auth.sign_out()
    assert auth.sign_in(email, PASSWORD).status_code == 302


def team_url(employer) -> str:
    return f"/employer/team?employer={employer.slug}"


def invite(client, employer, email):
    return post_form(
        client,
        "/employer/team/invite",
        {"employer": employer.slug, "email": email},
        page=team_url(employer),
    )


def act(client, employer, action: str, **values):
    return post_form(
        client,
        f"/employer/team/{action}",
        {"employer": employer.slug, **{key: str(value) for key, value in values.items()}},
        page="/account",
    )


def invitation_link(outbox, address=COLLEAGUE) -> str:
    message = next(item for item in reversed(outbox) if item["To"] == address)
    [link] = [link for link in links_in(message) if "/employer/invitations/" in link]
    return path_of(link)


def invitations(employer) -> list[Invitation]:
    db.session.expire_all()
    return list(db.session.scalars(select(Invitation).where(Invitation.employer_id == employer.id)))


def live(employer) -> list[Representative]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(Representative).where(
                Representative.employer_id == employer.id, Representative.ended_at.is_(None)
            )
        )
    )


def invited_and_signed_in_as_colleague(client, auth, outbox, employer, **user):
    sign_in_as(auth, "owner@larkspur-analytics.com", employer)
    assert invite(client, employer, COLLEAGUE).status_code == 302
    link = invitation_link(outbox)
    account, _ = sign_in_as(auth, COLLEAGUE, **user)
    return account, link


# --- inviting and accepting --------------------------------------------------------------------


def test_invite_email_accept_makes_a_colleague(client, auth, outbox, employer):
    owner, _ = sign_in_as(auth, "owner@larkspur-analytics.com", employer)
    dashboard = page_text(client.get(f"/employer?employer={employer.slug}"))
    assert "Your team: invite and remove colleagues" in dashboard

    response = invite(client, employer, "Jo.Colleague@LARKSPUR-ANALYTICS.com")
    assert response.status_code == 302
    [invitation] = invitations(employer)
    assert invitation.email == COLLEAGUE and invitation.invited_by_id == owner.id
    assert invitation.expires_at - invitation.created_at == timedelta(days=7)
    message = outbox[-1]
    assert message["To"] == COLLEAGUE
    assert "Larkspur Analytics" in message["Subject"]
    link = invitation_link(outbox)
    token = link.rsplit("/", 1)[1]
    # Only the token's SHA-256 is kept.
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in invitation.token_hash
    shown = page_text(client.get(team_url(employer)))
    assert COLLEAGUE in shown and "Cancel the invitation" in shown

    # The colleague signs up with ANY account... here, one confirmed at the invited address.
    colleague, _ = sign_in_as(auth, COLLEAGUE)
    page = client.get(link)
    assert page.status_code == 200
    assert "Yes, I represent Larkspur Analytics" in page_text(page)
    assert live(employer) == [r for r in live(employer) if r.user_id == owner.id]  # GET: nothing

    accepted = post_form(client, link)
    assert accepted.status_code == 302
    assert accepted.headers["Location"].endswith(f"/employer?employer={employer.slug}")
    [member] = [r for r in live(employer) if r.user_id == colleague.id]
    assert member.role is RepresentativeRole.colleague
    assert member.invitation_id == invitation.id
    assert invitations(employer)[0].accepted_at is not None
    # The link worked once.
    again = client.get(link)
    assert again.status_code == 400 and team.LINK_PROBLEM in page_text(again)


def test_a_signed_out_visitor_is_sent_to_sign_in_and_back(client, auth, outbox, employer):
    sign_in_as(auth, "owner@larkspur-analytics.com", employer)
    invite(client, employer, COLLEAGUE)
    link = invitation_link(outbox)
    auth.sign_out()
    response = client.get(link)
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


@pytest.mark.parametrize(
    ("user", "said"),
    [
        ({"email": "someone.else@larkspur-analytics.com"}, "sent to " + COLLEAGUE),
        ({"email": "jo.private@example.org"}, "sent to " + COLLEAGUE),
        ({"email": COLLEAGUE, "verified": False}, "not yet confirmed"),
    ],
)
def test_an_account_without_the_invited_confirmed_address_is_refused(
    client, auth, outbox, employer, user, said
):
    sign_in_as(auth, "owner@larkspur-analytics.com", employer)
    invite(client, employer, COLLEAGUE)
    link = invitation_link(outbox)
    email = user.pop("email")
    account = UserFactory(email=email, password=PASSWORD, **{"verified": True, **user})
    sign_in_again(auth, email)

    for response in (client.get(link), post_form(client, link, page="/account")):
        assert response.status_code == 403
        text = page_text(response)
        assert "only an account whose confirmed email address is that one" in text
        assert said in text
    assert [r.user_id for r in live(employer)] != [account.id]
    assert all(r.user_id != account.id for r in live(employer))
    assert invitations(employer)[0].accepted_at is None


def test_expired_used_and_cancelled_links_get_the_same_message(client, auth, outbox, employer):
    owner, _ = sign_in_as(auth, "owner@larkspur-analytics.com", employer)
    addresses = [f"person{n}@larkspur-analytics.com" for n in range(3)]
    for address in addresses:
        assert invite(client, employer, address).status_code == 302
    expired, used, cancelled = (invitation_link(outbox, address) for address in addresses)
    by_email = {item.email: item for item in invitations(employer)}
    assert act(client, employer, "cancel", invitation=by_email[addresses[2]].id).status_code == 302

    sign_in_as(auth, addresses[1])
    assert post_form(client, used).status_code == 302
    client.get(
        "/account"
    )  # shows (and so clears) the welcome message    # The first one's seven days pass.
    db.session.get(Invitation, by_email[addresses[0]].id).expires_at = utcnow()
    db.session.commit()
    sign_in_as(auth, addresses[0])
    client.get("/account")  # shows (and so clears) "You're signed in"

    pages = []
    for link in (
        expired,
        used,
        cancelled,
        "/employer/invitations/made-up-token",
        "/employer/invitations/" + "x" * 300,
    ):
        response = client.get(link)
        assert response.status_code == 400
        text = page_text(response)
        assert team.LINK_PROBLEM in text
        pages.append(text.split("<main", 1)[-1])
        assert post_form(client, link, page="/account").status_code == 400
    assert len(set(pages)) == 1
    assert {r.user_id for r in live(employer)} == {owner.id, live(employer)[1].user_id}
    assert len(live(employer)) == 2


def test_the_invitation_expires_after_seven_days(client, auth, outbox, employer):
    sign_in_as(auth, "owner@larkspur-analytics.com", employer)
    invite(client, employer, COLLEAGUE)
    link = invitation_link(outbox)
    sign_in_as(auth, COLLEAGUE)
    with time_machine.travel(utcnow() + timedelta(days=7, minutes=1), tick=False):
        response = client.get(link)
    assert response.status_code == 400 and team.LINK_PROBLEM in page_text(response)


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("jo@gmail.com", "free email provider"),
        ("jo@mailinator.com", "disposable email service"),
        ("jo@larkspur-analytics.com.evil.io", "isn't one of Larkspur Analytics's email domains"),
        ("jo@larkspur.com", "isn't one of Larkspur Analytics's email domains"),
        ("jo@l\u0430rkspur-analytics.com", "internationalised domain"),
        ("not an address", "Enter a valid work email address"),
        ("", "Enter your colleague's work email address."),
        ("jo@" + "a" * 300 + ".com", "at most 254 characters"),
        ("jo\x00@larkspur-analytics.com", "invisible control characters"),
        ("<script>alert(1)</script>@larkspur-analytics.com", "Enter a valid work email address"),
    ],
)
def test_addresses_off_the_employers_domains_are_refused(
    client, auth, outbox, employer, address, message
):
    sign_in_as(auth, "owner@larkspur-analytics.com", employer)
    outbox.clear()
    response = invite(client, employer, address)
    assert response.status_code == 422
    text = page_text(response)
    assert message in text
    assert "<script>alert(1)</script>" not in response.get_data(as_text=True)
    if address and "\x00" not in address and len(address) < 254:
        assert f'value="{address}"' in text  # what was typed is kept
    assert invitations(employer) == [] and outbox == []


def test_one_open_invitation_per_address_and_none_to_a_representative(
    client, auth, outbox, employer
):
    sign_in_as(auth, "owner@larkspur-analytics.com", employer)
    assert invite(client, employer, COLLEAGUE).status_code == 302
    again = invite(client, employer, COLLEAGUE)
    assert again.status_code == 422 and "already waiting for an answer" in page_text(again)
    mine = invite(client, employer, "owner@larkspur-analytics.com")
    assert mine.status_code == 422 and "already represents Larkspur Analytics" in page_text(mine)
    assert len(invitations(employer)) == 1
    # Once expired, the address can be invited again (the old invitation is closed).
    invitations(employer)[0].expires_at = utcnow()
    db.session.commit()
    assert invite(client, employer, COLLEAGUE).status_code == 302
    old, new = sorted(invitations(employer), key=lambda item: item.id)
    assert old.cancelled_at is not None and new.cancelled_at is None


def test_a_reviewer_of_the_employer_is_refused_and_the_owner_cannot_tell(
    client, auth, outbox, employer
):
    """Anonymity (DESIGN.md §5): a refused acceptance changes nothing the owner sees."""
    sign_in_as(auth, "owner@larkspur-analytics.com", employer)
    invite(client, employer, COLLEAGUE)
    link = invitation_link(outbox)
    before = page_text(client.get(team_url(employer)))
    colleague, _ = sign_in_as(auth, COLLEAGUE)
    ReviewFactory(
        author=colleague, employer_id=employer.id, stage=Stage.interview, outcome=Outcome.ghosted
    )
    outbox.clear()

    for response in (client.get(link), post_form(client, link, page="/account")):
        assert response.status_code == 403
        assert "You have written a review of Larkspur Analytics" in page_text(response)
    assert all(r.user_id != colleague.id for r in live(employer))
    assert invitations(employer)[0].accepted_at is None
    assert invitations(employer)[0].cancelled_at is None
    assert outbox == []  # nobody is told

    sign_in_as(auth, "owner2@larkspur-analytics.com", employer)
    after = page_text(client.get(team_url(employer)))
    # The same invitation, in the same words, "waiting for an answer" (only the viewer differs).
    assert (
        before.split("Invitations waiting")[1].split("Invite a colleague")[0]
        == (after.split("Invitations waiting")[1].split("Invite a colleague")[0])
    )


def test_a_suspended_account_cannot_accept(app, employer):
    owner = RepresentativeFactory(employer_id=employer.id)
    with app.test_request_context():
        invitation, _ = team.invite(owner, COLLEAGUE, utcnow())
    db.session.commit()
    suspended = UserFactory(email=COLLEAGUE, verified=True, suspended=True)
    refusal = team.acceptance_refusal(invitation, suspended)
    assert refusal is not None and "suspended" in refusal
    with pytest.raises(team.TeamError):
        team.accept(invitation, suspended, utcnow())


# --- colleagues, owners and the team page ------------------------------------------------------


def test_a_colleague_responds_but_cannot_manage_the_team(client, auth, outbox, employer):
    _, link = invited_and_signed_in_as_colleague(client, auth, outbox, employer)
    assert post_form(client, link).status_code == 302
    review = ReviewFactory(employer_id=employer.id, stage=Stage.final, outcome=Outcome.ghosted)

    dashboard = client.get(f"/employer?employer={employer.slug}")
    assert dashboard.status_code == 200
    assert "Your team" not in page_text(dashboard)
    assert client.get(f"/employer/reviews/{review.public_id}/response").status_code == 200
    assert client.get(team_url(employer)).status_code == 403
    assert client.get("/employer/team").status_code == 403
    assert invite(client, employer, "other@larkspur-analytics.com").status_code == 403
    [owner] = [r for r in live(employer) if r.is_owner]
    for action, values in (
        ("remove", {"representative": owner.id}),
        ("owner", {"representative": owner.id}),
        ("cancel", {"invitation": invitations(employer)[0].id}),
    ):
        assert act(client, employer, action, **values).status_code == 403
    assert len(invitations(employer)) == 1 and owner in live(employer)


def test_an_owner_removes_a_colleague(client, auth, outbox, employer):
    sign_in_as(auth, "owner@larkspur-analytics.com", employer)
    colleague = RepresentativeFactory(
        user_id=UserFactory(email=COLLEAGUE, verified=True).id,
        employer_id=employer.id,
        role=RepresentativeRole.colleague,
    )
    page = page_text(client.get(team_url(employer)))
    assert COLLEAGUE in page and "Colleague since" in page and "Owner since" in page

    response = act(client, employer, "remove", representative=colleague.id)
    assert response.status_code == 302
    db.session.expire_all()
    removed = db.session.get(Representative, colleague.id)
    assert removed.ended_at is not None and removed.end_reason is EndReason.revoked
    assert outbox[-1]["To"] == COLLEAGUE
    assert "removed your account from its team" in outbox[-1].get_content()
    client.get(team_url(employer))  # shows (and so clears) the message
    assert COLLEAGUE not in page_text(client.get(team_url(employer)))
    # Removing again: already gone.
    again = act(client, employer, "remove", representative=colleague.id)
    assert again.status_code == 409 and "isn't on your team any more" in page_text(again)


def test_the_last_owner_cannot_leave_until_another_owner_exists(client, auth, employer):
    _, owner = sign_in_as(auth, "owner@larkspur-analytics.com", employer)
    colleague = RepresentativeFactory(employer_id=employer.id, role=RepresentativeRole.colleague)

    for response in (
        client.get(f"/employer/leave/{owner.id}"),
        post_form(client, f"/employer/leave/{owner.id}", page="/account"),
    ):
        assert response.status_code == 302
        assert response.headers["Location"].endswith(team_url(employer))
    assert "needs at least one owner" in page_text(client.get(team_url(employer)))
    removed_self = act(client, employer, "remove", representative=owner.id)
    assert removed_self.status_code == 409
    assert "needs at least one owner" in page_text(removed_self)
    assert owner.id in {r.id for r in live(employer)}

    assert act(client, employer, "owner", representative=colleague.id).status_code == 302
    db.session.expire_all()
    assert db.session.get(Representative, colleague.id).role is RepresentativeRole.owner
    left = post_form(client, f"/employer/leave/{owner.id}", page="/account")
    assert left.status_code == 302 and "/employers/" in left.headers["Location"]
    assert [r.id for r in live(employer)] == [colleague.id]


def test_an_owner_alone_may_leave(client, auth, employer):
    _, owner = sign_in_as(auth, "owner@larkspur-analytics.com", employer)
    response = post_form(client, f"/employer/leave/{owner.id}", page="/account")
    assert response.status_code == 302 and live(employer) == []


def test_an_owner_may_remove_another_owner_but_not_the_last(client, auth, employer):
    _, owner = sign_in_as(auth, "owner@larkspur-analytics.com", employer)
    other = RepresentativeFactory(employer_id=employer.id)
    assert act(client, employer, "remove", representative=other.id).status_code == 302
    assert [r.id for r in live(employer)] == [owner.id]


def test_another_employers_representative_gets_404_on_everything(client, auth, outbox, employer):
    sign_in_as(auth, "owner@larkspur-analytics.com", employer)
    invite(client, employer, COLLEAGUE)
    colleague = RepresentativeFactory(employer_id=employer.id, role=RepresentativeRole.colleague)
    [invitation] = invitations(employer)
    other = EmployerFactory()
    EmployerDomainFactory(employer_id=other.id, domain="fenwright.example.com")
    sign_in_as(auth, "rep@fenwright.example.com", other)

    assert client.get(team_url(employer)).status_code == 404
    assert invite(client, employer, "x@larkspur-analytics.com").status_code == 404
    for action, values in (
        ("remove", {"representative": colleague.id}),
        ("owner", {"representative": colleague.id}),
        ("cancel", {"invitation": invitation.id}),
    ):
        assert act(client, employer, action, **values).status_code == 404
        # Their own employer in the form, another employer's ids: refused, nothing changes.
        assert act(client, other, action, **values).status_code == 409
    assert colleague.id in {r.id for r in live(employer)}
    assert invitations(employer)[0].cancelled_at is None
    assert invitations(employer)[0].email not in page_text(client.get(team_url(other)))


def test_a_candidate_is_refused(client, auth, employer):
    sign_in_as(auth, "candidate@example.org")
    assert client.get(team_url(employer)).status_code == 404
    # Without an employer named: the employer side's refusal to those who represent none.
    assert client.get("/employer/team").status_code == 403


@pytest.mark.parametrize(
    ("values", "status"),
    [
        ({"representative": ""}, 422),
        ({"representative": "abc"}, 422),
        ({"representative": "-1"}, 422),
        ({"representative": str(2**40)}, 422),
        ({"representative": "999999"}, 409),
    ],
)
def test_bad_member_ids_are_answered_with_a_message(client, auth, employer, values, status):
    sign_in_as(auth, "owner@larkspur-analytics.com", employer)
    response = act(client, employer, "remove", **values)
    assert response.status_code == status
    text = page_text(response)
    assert "Choose someone from the team list." in text or "isn't on your team" in text


def test_posting_without_a_csrf_token_is_refused(client, auth, employer):
    sign_in_as(auth, "owner@larkspur-analytics.com", employer)
    response = client.post(
        "/employer/team/invite", data={"employer": employer.slug, "email": COLLEAGUE}
    )
    assert response.status_code == 400 and invitations(employer) == []


def test_an_admin_revoking_the_last_owner_hands_the_team_to_the_longest_serving_colleague(app):
    """A team is never left without an owner: after the last owner's revocation, the colleague
    who joined first can manage the team."""
    employer = EmployerFactory(name="Ownerless Works", slug="ownerless-works")
    owner = RepresentativeFactory(employer_id=employer.id, role=RepresentativeRole.owner)
    first = RepresentativeFactory(
        employer_id=employer.id,
        role=RepresentativeRole.colleague,
        created_at=utcnow() - timedelta(days=30),
    )
    later = RepresentativeFactory(employer_id=employer.id, role=RepresentativeRole.colleague)
    db.session.commit()
    end_representation(owner, EndReason.revoked)
    db.session.commit()
    roles = {member.id: member.role for member in live(employer)}
    assert roles == {first.id: RepresentativeRole.owner, later.id: RepresentativeRole.colleague}
