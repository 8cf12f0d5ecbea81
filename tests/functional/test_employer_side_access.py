"""Guards (DESIGN.md §7): a representative of employer A can do nothing for employer B, whether B's
ids are in the URL or in the form body, and sees nothing of authors beyond the public view.

One table of every employer-side route; each row is tried by A's representative against B's
objects, and afterwards B's state is checked unchanged.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from extensions import db
from representatives.models import (
    ContactReport,
    Notify,
    Representative,
    ResponseCommitment,
)
from responses.models import Response
from reviews.models import Outcome, Stage
from tests.conftest import post_form
from tests.factories import (
    EmployerFactory,
    RepresentativeFactory,
    ResponseFactory,
    ReviewFactory,
    UserFactory,
)

PASSWORD = "correct horse battery"


@pytest.fixture
def world(app):
    a, b = EmployerFactory(slug="employer-a"), EmployerFactory(slug="employer-b")
    rep_a_user = UserFactory(email="rep.a@example.org", verified=True)
    rep_b_user = UserFactory(email="rep.b@example.org", verified=True)
    author = UserFactory(email="author.distinctive@example.org", verified=True)
    contact = date.today() - timedelta(days=40)
    reviews = {}
    for name, employer in (("a", a), ("b", b)):
        reviews[name] = ReviewFactory(
            author=author,
            employer_id=employer.id,
            stage=Stage.final,
            outcome=Outcome.waiting,
            process_month=(contact - timedelta(days=20)).replace(day=1),
            last_contact_on=contact,
        )
    RepresentativeFactory(user_id=rep_a_user.id, employer_id=a.id)
    rep_b = RepresentativeFactory(user_id=rep_b_user.id, employer_id=b.id, notify=Notify.immediate)
    ResponseFactory(review_id=reviews["b"].id, employer_id=b.id, body="B's own answer.")
    return {
        "a": a.slug,
        "b": b.slug,
        "b_id": b.id,
        "review_a": reviews["a"].public_id,
        "review_b": reviews["b"].public_id,
        "review_b_id": reviews["b"].id,
        "review_a_id": reviews["a"].id,
        "rep_b": rep_b.id,
        "rep_a_email": rep_a_user.email,
    }


def _b_state(world) -> tuple:
    rep_b = db.session.get(Representative, world["rep_b"])
    return (
        db.session.scalar(select(Response.body).where(Response.review_id == world["review_b_id"])),
        db.session.scalar(
            select(func.count(ContactReport.id)).where(
                ContactReport.review_id == world["review_b_id"]
            )
        ),
        db.session.scalar(
            select(func.count(ResponseCommitment.id)).where(
                ResponseCommitment.employer_id == world["b_id"]
            )
        ),
        rep_b.ended_at,
        rep_b.notify,
    )


# (method, url, form body) with B's objects; every one must be refused to A's representative.
ROUTES = [
    ("GET", "/employer?employer={b}", None),
    ("GET", "/employer/reviews/{review_b}/response", None),
    ("POST", "/employer/reviews/{review_b}/response", {"body": "Hijack", "action": "publish"}),
    ("GET", "/employer/reviews/{review_b}/contacted", None),
    ("POST", "/employer/reviews/{review_b}/contacted", {}),
    ("POST", "/employer/notifications", {"employer": "{b}", "notify": "off"}),
    ("POST", "/employer/commitment", {"employer": "{b}", "days": "7"}),
    ("POST", "/employer/commitment/withdraw", {"employer": "{b}"}),
    ("GET", "/employer/leave/{rep_b}", None),
    ("POST", "/employer/leave/{rep_b}", {"confirm": "y"}),
    ("POST", "/reviews/{review_b}/contact/confirm", {"outcome": "rejected"}),
    ("POST", "/reviews/{review_b}/contact/deny", {}),
    ("GET", "/moderation/claims", None),
    ("GET", "/moderation/representatives?employer={b}", None),
    ("POST", "/moderation/representatives/{rep_b}/revoke", {}),
]


@pytest.mark.parametrize(("method", "url", "data"), ROUTES)
def test_a_representative_of_a_can_do_nothing_for_b(client, auth, world, method, url, data):
    auth.sign_in(world["rep_a_email"], PASSWORD)
    before = _b_state(world)
    target = url.format(**world)
    if method == "GET":
        response = client.get(target)
    else:
        body = {key: value.format(**world) for key, value in (data or {}).items()}
        # A valid token from a page A's representative may see: refusals must come from the
        # access rules, not from CSRF.
        response = post_form(client, target, body, page="/account")
    assert response.status_code in (403, 404), (target, response.status_code)
    db.session.expire_all()
    assert _b_state(world) == before


def test_ids_of_b_in_the_form_body_are_ignored(client, auth, world):
    """A's representative answers A's review with B's ids in the body: only A's review changes."""
    auth.sign_in(world["rep_a_email"], PASSWORD)
    before = _b_state(world)
    url = f"/employer/reviews/{world['review_a']}/response"
    response = post_form(
        client,
        url,
        {
            "body": "Thank you, we will write to you this week.",
            "action": "publish",
            "review_id": world["review_b_id"],
            "employer_id": world["b_id"],
            "employer": world["b"],
            "public_id": world["review_b"],
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert _b_state(world) == before
    mine = db.session.scalar(select(Response).where(Response.review_id == world["review_a_id"]))
    assert mine is not None and mine.body.startswith("Thank you")


def test_the_dashboard_shows_authors_nothing_beyond_the_public_view(client, auth, world):
    auth.sign_in(world["rep_a_email"], PASSWORD)
    body = client.get(f"/employer?employer={world['a']}").get_data(as_text=True)
    assert "author.distinctive" not in body
    contact = date.today() - timedelta(days=40)
    assert contact.isoformat() not in body
    assert contact.strftime("%d %B %Y") not in body
