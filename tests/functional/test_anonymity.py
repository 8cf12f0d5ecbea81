"""DESIGN.md §5.1: nothing public reveals a review's author, their email or account, an exact date
or an IP address. A distinctive author writes a review through the real form; every public page
and JSON response is then searched for anything that could identify them.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

from sqlalchemy import select, text

from accounts.models import User
from extensions import db
from reviews.models import Review, ReviewStatus
from tests.conftest import Auth, post_form
from tests.factories import EmployerFactory, UserFactory
from timeutils import utcnow

EMAIL = "zebulon.quixotic-marchbanks@example.org"
AUTHOR_ID = 987_654
IP = "203.0.113.199"
CONTACT = date.today() - timedelta(days=40)
START = (CONTACT - timedelta(days=20)).replace(day=1)


def _identifiers(review: Review) -> list[str]:
    contact = review.last_contact_on
    created = review.created_at
    return [
        EMAIL,
        EMAIL.split("@")[0],
        "zebulon",
        "marchbanks",
        str(AUTHOR_ID),
        IP,
        contact.isoformat(),
        contact.strftime("%d/%m/%Y"),
        contact.strftime("%m/%d/%Y"),
        f"{contact.strftime('%B')} {contact.day},",
        f"{contact.day} {contact.strftime('%B')}",
        created.isoformat(timespec="seconds"),
        created.strftime("%Y-%m-%d"),
    ]


def _public_urls(employer, review) -> list[str]:
    return [
        "/",
        "/employers",
        f"/employers?q={employer.name}",
        f"/employers/{employer.slug}",
        f"/employers/{employer.slug}/reviews",
        f"/employers/{employer.slug}/reviews?period=12m",
        "/rankings",
        f"/api/v1/employers?q={employer.name}",
        f"/api/v1/employers/{employer.slug}",
        f"/api/v1/employers/{employer.slug}/reviews",
        "/api/v1/employers.csv",
        f"/employers/{employer.slug}/badge.svg",
        f"/reviews/{review.public_id}",
        f"/employers/suggest?q={employer.name[:6]}",
        "/methodology",
        "/guidelines",
        "/privacy",
    ]


def test_nothing_public_identifies_the_author(app, client):
    UserFactory(id=AUTHOR_ID, email=EMAIL, verified=True)
    author = db.session.get(User, AUTHOR_ID)
    author.created_at = utcnow() - timedelta(days=10)
    employer = EmployerFactory(name="Fizzlebrook Logistics", slug="fizzlebrook-logistics")
    db.session.commit()

    auth = Auth(client, None)
    auth.sign_in(EMAIL, environ_base={"REMOTE_ADDR": IP})
    narrative = (
        "Zebulon here. I emailed zebulon.quixotic-marchbanks@example.org from my phone "
        "+44 20 7946 0958 and waited. Marchbanks is my surname."
    )
    response = post_form(
        client,
        f"/reviews/new?employer={employer.slug}",
        {
            "process_month": START.strftime("%Y-%m"),
            "stage": "interview",
            "outcome": "ghosted",
            "last_contact_on": CONTACT.isoformat(),
            "narrative": narrative,
            "action": "publish",
        },
        environ_base={"REMOTE_ADDR": IP},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    review = db.session.scalar(select(Review))
    review.status = ReviewStatus.published
    review.published_at = utcnow()
    db.session.flush()
    from scoring.stats import recompute

    recompute()  # the statistics row and its figures, as the pages and the API show them
    db.session.commit()
    assert employer.stats.review_count == 1 and employer.stats.figures

    anonymous = app.test_client()
    needles = _identifiers(review)
    for url in _public_urls(employer, review):
        response = anonymous.get(url)
        assert response.status_code in (200, 404), url
        body = response.get_data(as_text=True)
        if response.is_json:
            body = json.dumps(response.get_json())
        lowered = body.lower()
        for needle in needles:
            assert needle.lower() not in lowered, f"{needle!r} found on {url}"

    # The review page does show the review itself (scrubbed), at month precision.
    page = anonymous.get(f"/reviews/{review.public_id}").get_data(as_text=True)
    assert "[removed]" in page
    assert CONTACT.strftime("%B %Y") in page


def test_no_ip_address_is_stored_anywhere(app, client):
    UserFactory(email=EMAIL, verified=True)
    employer = EmployerFactory()
    auth = Auth(client, None)
    auth.sign_in(EMAIL, environ_base={"REMOTE_ADDR": IP})
    post_form(
        client,
        f"/reviews/new?employer={employer.slug}",
        {
            "process_month": START.strftime("%Y-%m"),
            "stage": "applied",
            "outcome": "ghosted",
            "last_contact_on": CONTACT.isoformat(),
            "action": "publish",
        },
        environ_base={"REMOTE_ADDR": IP},
    )
    assert db.session.scalar(select(Review)) is not None
    for table in db.metadata.sorted_tables:
        rows = db.session.execute(text(f"SELECT * FROM {table.name}")).all()
        assert IP not in repr(rows), f"IP address stored in {table.name}"
