"""A reviewer of an employer can't become its representative (they would answer, and see the
dashboard of, the employer they reviewed), as a representative can't review it (test_claims.py): the
claim page explains and refuses (403), the service refuses to start a claim, a link followed after
writing a review is refused (409), and a moderator can't approve such a claim (the queue marks it).
Through the real forms, CSRF on."""

from __future__ import annotations

from datetime import timedelta

import pytest

from accounts.models import Role
from representatives import claims
from representatives.models import ClaimStatus
from reviews.models import HoldReason, ReviewStatus
from tests.conftest import page_text, post_form
from tests.factories import ReviewFactory, UserFactory
from tests.functional.test_claims import (
    _claim,
    _claim_link,
    _claims,
    _client_as,
    _confirm,
    _employer,
    _representatives,
)
from timeutils import utcnow

CONFLICT = "You have written a review of Acme, so you can't represent it"


@pytest.fixture
def acme(app):
    return _employer()


@pytest.fixture
def widgets(app):
    return _employer("Widgets Ltd", "widgets-ltd", domains=())


@pytest.fixture
def moderator(app):
    return UserFactory(email="mod@example.org", role=Role.moderator, verified=True)


# A review in any state counts: held, waiting for its publication moment, public or hidden.
STATES = {
    "held": {"status": ReviewStatus.held, "hold_reason": HoldReason.suspected_name},
    "scheduled": {"status": ReviewStatus.scheduled, "publish_at": utcnow() + timedelta(days=3)},
    "published": {"status": ReviewStatus.published},
    "hidden": {"status": ReviewStatus.hidden},
}


@pytest.mark.parametrize("state", STATES)
def test_a_reviewer_is_refused_on_the_claim_page_with_an_explanation(
    client, signed_in, acme, outbox, state
):
    ReviewFactory(author=signed_in, employer_id=acme.id, **STATES[state])
    page = client.get("/employers/acme/claim")
    assert page.status_code == 403
    assert CONFLICT in page_text(page)
    assert 'name="email"' not in page_text(page)  # no form to fill in
    posted = _claim(client, "jane.doe@acme.com")
    assert posted.status_code == 403 and CONFLICT in page_text(posted)
    assert _claims() == [] and outbox == []


def test_a_review_of_another_employer_is_no_conflict(client, signed_in, acme, outbox):
    other = _employer("Other", "other", domains=("other.com",))
    ReviewFactory(author=signed_in, employer_id=other.id)
    assert client.get("/employers/acme/claim").status_code == 200
    assert _claim(client, "jane.doe@acme.com").status_code == 200
    assert [claim.status for claim in _claims()] == [ClaimStatus.emailed]


def test_start_claim_refuses_a_reviewer(app, signed_in, acme, outbox):
    ReviewFactory(author=signed_in, employer_id=acme.id)
    with pytest.raises(claims.ReviewerConflict):
        claims.start_claim(signed_in, acme, "jane.doe@acme.com")
    assert outbox == []


def test_a_link_followed_after_reviewing_the_employer_is_refused(client, signed_in, acme, outbox):
    assert _claim(client, "jane.doe@acme.com").status_code == 200
    link = _claim_link(outbox)
    ReviewFactory(author=signed_in, employer_id=acme.id)  # written while the link waited
    refused = _confirm(client, link)
    assert refused.status_code == 409
    assert CONFLICT in page_text(refused)
    assert _representatives() == []
    (claim,) = _claims()
    assert claim.status is ClaimStatus.emailed  # nothing changed


def test_a_moderator_cant_approve_a_claim_by_a_reviewer(
    app, client, signed_in, widgets, moderator, outbox
):
    assert _claim(client, "jane@widgets.io", slug="widgets-ltd").status_code == 200
    ReviewFactory(author=signed_in, employer_id=widgets.id)  # written while the claim waited
    moderation = _client_as(app, moderator)
    queue = page_text(moderation.get("/moderation/claims"))
    assert "The claimant has reviewed Widgets Ltd" in queue
    (claim,) = _claims()
    approved = post_form(
        moderation, f"/moderation/claims/{claim.id}/approve", page="/moderation/claims"
    )
    assert approved.status_code == 302
    followed = page_text(moderation.get(approved.headers["Location"]))
    assert "has written a review of Widgets Ltd since asking" in followed
    assert widgets.domains == [] and outbox == []
    assert _claims()[0].status is ClaimStatus.awaiting_moderator


def test_a_representative_still_cant_review_the_employer(client, signed_in, acme, outbox):
    """The other way round (already enforced by reviews.services): checked here so the pair of
    rules stays together."""
    assert _claim(client, "jane.doe@acme.com").status_code == 200
    assert _confirm(client, _claim_link(outbox)).status_code == 302
    response = client.get("/reviews/new?employer=acme")
    assert response.status_code == 403
    assert "You represent this employer" in page_text(response)
