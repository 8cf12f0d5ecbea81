"""A claim on its way is visible to its claimant; representatives find their dashboard; the claim
limit says what it is and is counted per account (issue 17)."""

from __future__ import annotations

import re

from tests.conftest import Auth, page_text, post_form
from tests.factories import (
    ClaimFactory,
    EmployerDomainFactory,
    EmployerFactory,
    RepresentativeFactory,
    UserFactory,
)
from timeutils import month_label, utcnow

PASSWORD = "correct horse battery"


def _employer(name="Acme", slug="acme", domains=("acme.com",)):
    employer = EmployerFactory(name=name, slug=slug)
    for domain in domains:
        EmployerDomainFactory(employer_id=employer.id, domain=domain)
    return employer


def _client_as(app, user):
    client = app.test_client()
    response = Auth(client, None).sign_in(user.email, PASSWORD)
    assert response.status_code == 302
    return client


def _words(response) -> str:
    """The page's text without its tags, spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", page_text(response)).split()).replace(" .", ".")


def _sign_in(auth, email="claimant@example.org"):
    user = UserFactory(email=email, password=PASSWORD, verified=True)
    assert auth.sign_in(email, PASSWORD).status_code == 302
    return user


# --- a pending claim ---------------------------------------------------------------------------


def test_a_claim_waiting_for_a_moderator_is_shown_instead_of_a_blank_form(client, auth):
    employer = _employer(name="Nodomain Works", slug="nodomain-works", domains=())
    user = _sign_in(auth)
    ClaimFactory(user_id=user.id, employer_id=employer.id, awaiting=True)

    response = client.get(f"/employers/{employer.slug}/claim")
    text = page_text(response)

    assert response.status_code == 200
    assert f"Your claim is waiting for a moderator (sent {month_label(utcnow())})" in text
    assert 'name="email"' not in response.get_data(as_text=True)


def test_a_claim_whose_link_was_emailed_says_so_and_can_be_sent_again(client, auth):
    employer = _employer()
    user = _sign_in(auth)
    ClaimFactory(user_id=user.id, employer_id=employer.id)

    response = client.get("/employers/acme/claim")

    assert "follow the link we emailed" in page_text(response)
    assert 'name="email"' in response.get_data(as_text=True)


def test_the_dashboard_shows_a_pending_claim_instead_of_you_represent_nobody(client, auth):
    employer = _employer(name="Nodomain Works", slug="nodomain-works", domains=())
    user = _sign_in(auth)
    ClaimFactory(user_id=user.id, employer_id=employer.id, awaiting=True)

    text = _words(client.get("/employer"))

    assert "You don't represent an employer yet" not in text
    assert "Your claim to represent Nodomain Works is waiting for a moderator" in text
    assert f"(sent {month_label(utcnow())})" in text


def test_a_representative_sees_their_pending_claim_for_another_employer(client, auth):
    mine, other = _employer(), _employer(name="Brindle", slug="brindle", domains=())
    user = _sign_in(auth)
    RepresentativeFactory(user_id=user.id, employer_id=mine.id)
    ClaimFactory(user_id=user.id, employer_id=other.id, awaiting=True)

    text = _words(client.get("/employer"))

    assert "Your claim to represent Brindle is waiting for a moderator" in text


def test_a_decided_claim_is_not_shown_as_pending(client, auth):
    employer = _employer(name="Nodomain Works", slug="nodomain-works", domains=())
    user = _sign_in(auth)
    ClaimFactory(user_id=user.id, employer_id=employer.id, approved=True)

    assert "You don't represent an employer yet" in page_text(client.get("/employer"))


# --- navigation and the employer page ----------------------------------------------------------


def test_representatives_get_a_navigation_link_to_their_dashboard(client, auth):
    employer = _employer()
    user = _sign_in(auth)
    html = client.get("/").get_data(as_text=True)
    assert "Your employer</a>" not in html

    RepresentativeFactory(user_id=user.id, employer_id=employer.id)
    html = client.get("/").get_data(as_text=True)
    assert 'href="/employer">Your employer</a>' in html


def test_a_former_representative_gets_no_navigation_link(client, auth):
    user = _sign_in(auth)
    RepresentativeFactory(user_id=user.id, employer_id=_employer().id, left=True)

    assert "Your employer</a>" not in client.get("/").get_data(as_text=True)


def test_anonymous_visitors_get_no_navigation_link(client):
    _employer()
    assert "Your employer</a>" not in client.get("/").get_data(as_text=True)


def test_a_representatives_own_employer_page_offers_the_dashboard_not_a_claim(client, auth):
    mine = _employer()
    _employer(name="Brindle", slug="brindle", domains=())
    user = _sign_in(auth)
    RepresentativeFactory(user_id=user.id, employer_id=mine.id)

    own = client.get("/employers/acme")
    text = page_text(own)
    assert "Claim this page" not in text
    assert "You represent this employer" in text
    assert 'href="/employer?employer=acme"' in own.get_data(as_text=True)
    # Another employer's page still offers its claim.
    assert "Claim this page" in page_text(client.get("/employers/brindle"))


def test_anonymous_visitors_see_claim_this_page(client):
    _employer()
    text = page_text(client.get("/employers/acme"))
    assert "Claim this page" in text and "You represent this employer" not in text


# --- the rate limit ----------------------------------------------------------------------------


def test_the_limit_message_comes_from_the_limit_in_force(app_factory):
    app = app_factory(RATELIMIT_CLAIM="2 per hour")
    _employer()
    client = _client_as(app, UserFactory(email="limited@example.org", verified=True))

    statuses = [
        post_form(client, "/employers/acme/claim", {"email": f"jane{n}@acme.com"}) for n in range(3)
    ]

    assert [response.status_code for response in statuses] == [200, 200, 429]
    text = page_text(statuses[-1])
    assert "2 times per hour" in text
    assert "from one account" in text
    assert "wait a minute" not in text.lower()
    assert 0 < int(statuses[-1].headers["Retry-After"]) <= 3601


def test_the_limit_message_follows_another_setting(app_factory):
    app = app_factory(RATELIMIT_CLAIM="1 per day")
    _employer()
    client = _client_as(app, UserFactory(email="limited@example.org", verified=True))

    post_form(client, "/employers/acme/claim", {"email": "jane@acme.com"})
    refused = post_form(client, "/employers/acme/claim", {"email": "jane2@acme.com"})

    assert refused.status_code == 429
    assert "once per day" in page_text(refused)
    assert "hours" in page_text(refused)


def test_colleagues_behind_one_address_do_not_share_the_limit(app_factory):
    app = app_factory(RATELIMIT_CLAIM="2 per hour")
    _employer()
    first = _client_as(app, UserFactory(email="first@example.org", verified=True))
    second = _client_as(app, UserFactory(email="second@example.org", verified=True))

    # Both clients come from the same address (the test client's 127.0.0.1).
    for n in range(2):
        assert (
            post_form(first, "/employers/acme/claim", {"email": f"a{n}@acme.com"}).status_code
            == 200
        )
    assert post_form(first, "/employers/acme/claim", {"email": "a9@acme.com"}).status_code == 429

    for n in range(2):
        assert (
            post_form(second, "/employers/acme/claim", {"email": f"b{n}@acme.com"}).status_code
            == 200
        )
    assert post_form(second, "/employers/acme/claim", {"email": "b9@acme.com"}).status_code == 429
