"""Merging duplicate employers (DESIGN.md §7, §8): a moderator folds one employer
into another; reviews, responses, aliases, domains, claims, representatives and commitments move,
the old slug answers 301 everywhere (page, reviews list, API) and becomes an alias, the figures
are recomputed and one audit row records it. Through the real form, CSRF on."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from accounts.models import Role
from employers import matching
from employers.models import Employer, EmployerAlias, EmployerDomain, EmployerStats
from extensions import db
from moderation.models import AuditAction, AuditLog, Flag, FlagReason
from representatives.models import (
    Claim,
    ClaimStatus,
    EndReason,
    Representative,
    ResponseCommitment,
)
from responses.models import Response, ResponseStatus
from reviews.models import GuidelineReason, Review, ReviewStatus
from scoring.stats import refresh_employer
from tests.conftest import page_text, post_form
from tests.factories import (
    ClaimFactory,
    EmployerAliasFactory,
    EmployerDomainFactory,
    EmployerFactory,
    FlagFactory,
    RepresentativeFactory,
    ResponseCommitmentFactory,
    ResponseFactory,
    ReviewFactory,
    UserFactory,
)
from timeutils import month_start, utcnow

PASSWORD = "correct horse battery"
MODERATOR = "moderator.merge@example.org"


def sign_in_as(auth, role: Role, email: str | None = None):
    email = email or f"{role.value}.someone@example.org"
    user = UserFactory(email=email, password=PASSWORD, verified=True, role=role)
    assert auth.sign_in(email, PASSWORD).status_code == 302
    return user


@pytest.fixture
def moderator(auth):
    return sign_in_as(auth, Role.moderator, MODERATOR)


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture
def pair(app):
    """A duplicate ("Acme Gadgets") with one of everything, and the employer to keep."""
    source = EmployerFactory(name="Acme Gadgets", slug="acme-gadgets", industry=None)
    target = EmployerFactory(name="Acme Widgets", slug="acme-widgets", country=None)
    EmployerAliasFactory(
        employer_id=source.id, name="Gadgetry of Acme", normalized_name="gadgetry of acme"
    )
    EmployerDomainFactory(employer_id=source.id, domain="acme-gadgets.example")
    EmployerDomainFactory(employer_id=target.id, domain="acme-widgets.example")
    reviews = [ReviewFactory(author=UserFactory(), employer_id=source.id) for _ in range(2)]
    ReviewFactory(
        author=UserFactory(),
        employer_id=source.id,
        status=ReviewStatus.hidden,
        hidden_reason=GuidelineReason.spam,
    )
    ReviewFactory(author=UserFactory(), employer_id=target.id)
    ResponseFactory(
        review_id=reviews[0].id,
        employer_id=source.id,
        body="We are looking into it.",
        status=ResponseStatus.published,
    )
    FlagFactory(
        review_id=reviews[1].id, reporter_id=None, reason=FlagReason.spam, explanation="An advert."
    )
    # Representatives: one of the source only, one of both.
    only_source, both = UserFactory(verified=True), UserFactory(verified=True)
    RepresentativeFactory(user_id=only_source.id, employer_id=source.id)
    RepresentativeFactory(user_id=both.id, employer_id=source.id)
    RepresentativeFactory(user_id=both.id, employer_id=target.id)
    # A claimant with an open claim on each.
    claimant = UserFactory(verified=True)
    for employer, nonce in ((source, "n-source"), (target, "n-target")):
        ClaimFactory(
            user_id=claimant.id,
            employer_id=employer.id,
            email=f"claimant@{employer.slug}.example",
            email_domain=f"{employer.slug}.example",
            status=ClaimStatus.emailed,
            nonce=nonce,
            emailed_at=None,
        )
    ResponseCommitmentFactory(employer_id=source.id, days=7)
    ResponseCommitmentFactory(employer_id=target.id, days=14)
    for employer in (source, target):
        refresh_employer(employer.id)
    db.session.commit()
    return {
        "source_id": source.id,
        "target_id": target.id,
        "reviews": [review.id for review in reviews],
        "only_source": only_source.id,
        "both": both.id,
        "claimant": claimant.id,
    }


def merge(client, source="acme-gadgets", target="acme-widgets", confirm="y"):
    data = {"source": source, "target": target}
    if confirm:
        data["confirm"] = confirm
    return post_form(client, "/moderation/merge", data)


# --- who may merge ------------------------------------------------------------------------------


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/moderation/merge")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


@pytest.mark.parametrize("role", [Role.moderator, Role.admin])
def test_moderators_and_admins_see_the_form(client, auth, role):
    sign_in_as(auth, role)
    response = client.get("/moderation/merge")
    assert response.status_code == 200
    assert "Merge duplicate employers" in page_text(response)


def test_candidates_and_representatives_are_refused(client, auth, pair):
    user = sign_in_as(auth, Role.candidate)
    assert client.get("/moderation/merge").status_code == 403
    RepresentativeFactory(user_id=user.id, employer_id=pair["target_id"])
    response = client.post(
        "/moderation/merge",
        data={"source": "acme-gadgets", "target": "acme-widgets", "confirm": "y"},
    )
    assert response.status_code in (400, 403)
    assert db.session.get(Employer, pair["source_id"]) is not None


def test_a_post_without_the_csrf_token_is_refused(client, moderator, pair):
    response = client.post(
        "/moderation/merge",
        data={"source": "acme-gadgets", "target": "acme-widgets", "confirm": "y"},
    )
    assert response.status_code == 400
    assert db.session.get(Employer, pair["source_id"]) is not None


# --- the merge ----------------------------------------------------------------------------------


def test_the_merge_moves_everything_and_the_old_slug_redirects(client, moderator, pair):
    source_id, target_id = pair["source_id"], pair["target_id"]
    response = merge(client)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/employers/acme-widgets")
    db.session.expire_all()

    # The source is gone, its name and slug an alias of the target.
    assert db.session.get(Employer, source_id) is None
    assert db.session.get(EmployerStats, source_id) is None
    aliases = {
        alias.name: alias.slug
        for alias in db.session.scalars(
            select(EmployerAlias).where(EmployerAlias.employer_id == target_id)
        )
    }
    assert aliases == {"Acme Gadgets": "acme-gadgets", "Gadgetry of Acme": None}
    assert set(
        db.session.scalars(
            select(EmployerDomain.domain).where(EmployerDomain.employer_id == target_id)
        )
    ) == {"acme-gadgets.example", "acme-widgets.example"}
    target = db.session.get(Employer, target_id)
    assert target.name == "Acme Widgets"
    assert target.industry is not None  # taken from nowhere: the target's own
    assert target.country == "GB"  # the target had none: the source's

    # Reviews (all statuses), their response and flag moved; the figures count them.
    assert count(Review, Review.employer_id == target_id) == 4
    assert count(Review, Review.employer_id == source_id) == 0
    assert db.session.scalar(select(Response.employer_id)) == target_id
    assert count(Flag, Flag.review_id == pair["reviews"][1]) == 1
    assert db.session.get(EmployerStats, target_id).review_count == 3  # published ones

    # Representatives: moved, and no one represents the target twice.
    live = select(Representative).where(
        Representative.employer_id == target_id, Representative.ended_at.is_(None)
    )
    assert sorted(rep.user_id for rep in db.session.scalars(live)) == sorted(
        [pair["only_source"], pair["both"]]
    )
    [ended] = db.session.scalars(select(Representative).where(Representative.ended_at.is_not(None)))
    assert ended.user_id == pair["both"] and ended.end_reason is EndReason.left
    assert ended.employer_id == target_id

    # Claims: the source's open one cancelled (email cleared), the target's still open.
    claims = {
        claim.nonce: claim
        for claim in db.session.scalars(select(Claim).where(Claim.user_id == pair["claimant"]))
    }
    assert claims["n-target"].status is ClaimStatus.emailed
    [cancelled] = [claim for claim in claims.values() if claim.status is ClaimStatus.cancelled]
    assert cancelled.email is None and cancelled.nonce is None
    assert cancelled.employer_id == target_id

    # Commitments: the target's stands, the source's is withdrawn.
    commitments = list(
        db.session.scalars(
            select(ResponseCommitment).where(ResponseCommitment.employer_id == target_id)
        )
    )
    assert sorted((c.days, c.withdrawn_at is None) for c in commitments) == [
        (7, False),
        (14, True),
    ]

    # One audit row.
    [row] = db.session.scalars(select(AuditLog))
    assert row.action is AuditAction.merge_employers
    assert row.actor_id == moderator.id
    assert (row.target_type, row.target_id) == ("employer", target_id)
    assert row.details["source"] == {
        "id": source_id,
        "name": "Acme Gadgets",
        "slug": "acme-gadgets",
    }
    assert row.details["moved"]["reviews"] == 3


def test_old_addresses_answer_301_everywhere(client, moderator, pair):
    assert merge(client).status_code == 302
    for old, new in (
        ("/employers/acme-gadgets", "/employers/acme-widgets"),
        ("/employers/acme-gadgets/reviews", "/employers/acme-widgets/reviews"),
        ("/api/v1/employers/acme-gadgets", "/api/v1/employers/acme-widgets"),
        ("/api/v1/employers/acme-gadgets/reviews", "/api/v1/employers/acme-widgets/reviews"),
    ):
        response = client.get(old)
        assert response.status_code == 301, old
        assert response.headers["Location"].endswith(new), old
    assert client.get("/employers/acme-widgets").status_code == 200
    # The merged reviews are listed on the target.
    api = client.get("/api/v1/employers/acme-widgets/reviews").get_json()
    assert api is not None


def test_the_old_names_still_find_the_employer(client, moderator, pair):
    assert merge(client).status_code == 302
    for query in ("Acme Gadgets", "Gadgetry of Acme"):
        [match] = [m for m in matching.suggest(query) if m.employer.slug == "acme-widgets"]
        assert match.via_alias
    suggestions = client.get("/employers/suggest?q=Acme+Gadgets").get_data(as_text=True)
    assert "acme-widgets" in suggestions


def test_a_second_merge_redirects_the_first_slug_straight_to_the_end(client, moderator, pair):
    EmployerFactory(name="Acme Holdings", slug="acme-holdings")
    assert merge(client).status_code == 302
    assert merge(client, source="acme-widgets", target="acme-holdings").status_code == 302
    for old in ("/employers/acme-gadgets", "/employers/acme-widgets"):
        response = client.get(old)
        assert response.status_code == 301
        assert response.headers["Location"].endswith("/employers/acme-holdings")


def test_a_pasted_address_works_as_a_slug(client, moderator, pair):
    response = merge(
        client,
        source="http://localhost/employers/acme-gadgets/reviews?page=2",
        target="/employers/acme-widgets",
    )
    assert response.status_code == 302
    assert db.session.get(Employer, pair["source_id"]) is None


def test_the_same_author_in_the_same_month_at_both_is_refused(client, moderator, pair):
    author = UserFactory()
    month = month_start(date.today() - timedelta(days=90))
    clash = ReviewFactory(author=author, employer_id=pair["source_id"], process_month=month)
    ReviewFactory(author=author, employer_id=pair["target_id"], process_month=month)
    response = merge(client)
    assert response.status_code == 422
    text = page_text(response)
    assert "also reviewed Acme Widgets for a process that started the same month" in text
    assert clash.public_id in text
    db.session.expire_all()
    assert db.session.get(Employer, pair["source_id"]) is not None
    assert count(AuditLog) == 0
    assert count(Review, Review.employer_id == pair["source_id"]) == 4


def test_without_confirmation_the_form_shows_what_would_move(client, moderator, pair):
    response = merge(client, confirm=None)
    assert response.status_code == 422
    text = page_text(response)
    assert "Tick the box to confirm the merge" in text
    assert "3 reviews (any status) and 1 employer response" in text
    assert "2 current representatives" in text
    assert "1 alias and 1 web domain" in text
    body = response.get_data(as_text=True)
    assert 'value="acme-gadgets"' in body and 'value="acme-widgets"' in body
    assert db.session.get(Employer, pair["source_id"]) is not None


# --- bad input ----------------------------------------------------------------------------------

BAD_INPUT = [
    ({"source": ""}, "Enter the employer's address"),
    ({"target": "   "}, "Enter the employer's address"),
    ({"source": "x" * 221}, "at most 220 characters"),
    ({"source": "acme\x00gadgets"}, "invisible control characters"),
    ({"target": "acme\u202ewidgets"}, "invisible control characters"),
    ({"source": "no-such-employer"}, "No employer has the address no-such-employer."),
    ({"target": "acme-gadgets"}, "Choose two different employers"),
]


@pytest.mark.parametrize(("changes", "message"), BAD_INPUT)
def test_bad_input_is_refused_with_a_clear_message(client, moderator, pair, changes, message):
    data = {"source": "acme-gadgets", "target": "acme-widgets", "confirm": "y", **changes}
    response = merge(client, **data)
    assert response.status_code == 422
    assert message in page_text(response)
    assert db.session.get(Employer, pair["source_id"]) is not None
    assert count(AuditLog) == 0


def test_markup_in_a_slug_is_shown_as_text(client, moderator, pair):
    response = merge(client, source="<script>alert(1)</script>")
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "<script>alert(1)" not in body
    assert "&lt;script&gt;alert(1)&lt;" in body


def test_an_old_slug_points_to_where_it_went(client, moderator, pair):
    EmployerFactory(name="Acme Holdings", slug="acme-holdings")
    assert merge(client).status_code == 302
    response = merge(client, source="acme-gadgets", target="acme-holdings")
    assert response.status_code == 422
    assert "acme-gadgets was already merged into acme-widgets" in page_text(response)


def test_the_merge_service_refuses_an_employer_into_itself(app, pair):
    from moderation.merge import MergeError, merge_employers

    employer = db.session.get(Employer, pair["target_id"])
    with pytest.raises(MergeError):
        merge_employers(employer, employer, None)


def test_the_target_keeps_its_commitment_when_only_the_source_had_none(client, moderator, app):
    source = EmployerFactory(slug="lone-source")
    target = EmployerFactory(slug="lone-target")
    ResponseCommitmentFactory(employer_id=source.id, days=5, published_at=utcnow())
    target_id = target.id
    assert merge(client, source="lone-source", target="lone-target").status_code == 302
    [commitment] = db.session.scalars(select(ResponseCommitment))
    assert commitment.employer_id == target_id and commitment.withdrawn_at is None


def test_a_name_already_used_as_another_employers_alias_stops_the_merge(client, moderator, pair):
    third = EmployerFactory(slug="third-employer")
    EmployerAliasFactory(employer_id=third.id, name="ACME Gadgets", normalized_name="acme gadgets")
    response = merge(client)
    assert response.status_code == 422
    assert "already an alias of another employer" in page_text(response)
    db.session.expire_all()
    assert db.session.get(Employer, pair["source_id"]) is not None
    assert count(Review, Review.employer_id == pair["source_id"]) == 3
    assert count(AuditLog) == 0
