"""A retried or doubled "Publish" never creates a second review (an idempotency key): a slow
network or a double click must not post the same review twice.

The review form carries a random submission key from the moment it is shown; the review stores it
under a unique index. A POST whose key already made a review answers as the first one did.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from extensions import db
from reviews import services
from reviews.models import Review
from tests.conftest import csrf_token, page_text
from tests.factories import EmployerFactory, UserFactory

START = (date.today() - timedelta(days=75)).replace(day=1)
FORM = {
    "process_month": START.strftime("%Y-%m"),
    "stage": "interview",
    "outcome": "waiting",
    "last_contact_on": (START + timedelta(days=20)).isoformat(),
    "narrative": "Two rounds, then nothing at all for weeks.",
    "action": "publish",
}
KEY_INPUT = re.compile(r'name="submission_key"[^>]*value="([^"]+)"')
# One CSRF token serves a whole session: read from the form before the review exists.
TOKENS: dict[int, str] = {}


@pytest.fixture
def employer(app):
    return EmployerFactory(name="Quillbright Logistics", slug="quillbright-logistics")


def _url(employer) -> str:
    return f"/reviews/new?employer={employer.slug}"


def _key_from_form(client, employer) -> str:
    response = client.get(_url(employer))
    TOKENS[id(client)] = csrf_token(client, _url(employer))
    match = KEY_INPUT.search(response.get_data(as_text=True))
    assert match, "the review form carries no submission key"
    return next(group for group in match.groups() if group)


def _count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(Review.id)))


def _publish(client, employer, key, **extra):
    if id(client) not in TOKENS:
        TOKENS[id(client)] = csrf_token(client, _url(employer))
    data = {**FORM, "submission_key": key, "csrf_token": TOKENS[id(client)]}
    return client.post(_url(employer), data={**data, **extra})


def test_the_form_carries_a_fresh_key_each_time(client, signed_in, employer):
    first, second = _key_from_form(client, employer), _key_from_form(client, employer)
    assert first != second
    assert len(first) >= 16


def test_the_preview_carries_the_key_to_publish(client, signed_in, employer):
    key = _key_from_form(client, employer)
    response = _publish(client, employer, key, action="preview")
    assert response.status_code == 200
    assert f'name="submission_key" value="{key}"' in response.get_data(as_text=True)


def test_a_retried_publish_answers_as_the_first_and_adds_nothing(client, signed_in, employer):
    key = _key_from_form(client, employer)
    first = _publish(client, employer, key)
    assert first.status_code == 302 and first.location.endswith("/me")
    review = db.session.scalar(select(Review))
    assert review.submission_key == key

    again = _publish(client, employer, key)
    assert again.status_code == 302 and again.location.endswith("/me")
    assert _count() == 1
    assert "Your review is saved" in page_text(client.get("/me"))


def test_a_retry_of_a_publish_whose_text_changed_still_adds_nothing(client, signed_in, employer):
    key = _key_from_form(client, employer)
    _publish(client, employer, key)
    _publish(client, employer, key, narrative="Typed again after a network error.")
    assert _count() == 1


def test_without_a_key_a_second_publish_goes_to_the_update(client, signed_in, employer):
    TOKENS.pop(id(client), None)
    assert _publish(client, employer, "").status_code == 302
    second = _publish(client, employer, "")
    assert second.status_code == 302 and "/edit" in second.location
    assert _count() == 1
    assert db.session.scalar(select(Review.submission_key)) is None


@pytest.mark.parametrize(
    "tampered", ["short", "x" * 65, "bad key with spaces!!", "<script>alert(1)</script>aaaaaaaa"]
)
def test_a_malformed_key_counts_as_none(client, signed_in, employer, tampered):
    TOKENS.pop(id(client), None)
    response = _publish(client, employer, tampered)
    assert response.status_code == 302
    assert _count() == 1
    assert db.session.scalar(select(Review.submission_key)) is None


def test_another_authors_key_neither_answers_nor_blocks(client, auth, employer, password):
    other = UserFactory(email="other@example.org", password=password, verified=True)
    me = UserFactory(email="me@example.org", password=password, verified=True)
    auth.sign_in(other.email, password)
    key = _key_from_form(client, employer)
    _publish(client, employer, key)
    auth.sign_out()

    auth.sign_in(me.email, password)
    TOKENS.pop(id(client), None)
    response = _publish(client, employer, key)
    assert response.status_code == 302 and response.location.endswith("/me")
    db.session.expire_all()
    reviews = db.session.scalars(select(Review).order_by(Review.id)).all()
    assert [review.author_id for review in reviews] == [other.id, me.id]
    # My review was stored without the key, which stays the other author's.
    assert [review.submission_key for review in reviews] == [key, None]


def test_a_race_lost_at_the_database_is_answered_with_the_winner(
    client, signed_in, employer, monkeypatch
):
    """Two POSTs with one key that both pass the checks: the loser's INSERT fails on the
    database's constraints and the route answers with the review the winner created."""
    key = _key_from_form(client, employer)
    _publish(client, employer, key)
    # Make the second request blind to the first until its INSERT, as a concurrent one would be.
    real_replayed, calls = services.replayed, []

    def blind_then_real(author, submitted):
        calls.append(submitted)
        return None if len(calls) == 1 else real_replayed(author, submitted)

    monkeypatch.setattr(services, "replayed", blind_then_real)
    monkeypatch.setattr(services, "live_review", lambda *args, **kwargs: None)
    response = _publish(client, employer, key)
    assert response.status_code == 302 and response.location.endswith("/me")
    assert len(calls) == 2
    assert _count() == 1


def test_the_key_is_unique_in_the_database(app, employer):
    author = UserFactory()
    other = UserFactory()
    from tests.factories import ReviewFactory

    ReviewFactory(author=author, employer=employer, submission_key="k" * 32)
    db.session.commit()
    with pytest.raises(Exception, match=r"(?i)unique"):
        ReviewFactory(author=other, employer=EmployerFactory(), submission_key="k" * 32)
        db.session.flush()
    db.session.rollback()


def test_the_key_is_never_shown_publicly(client, signed_in, employer, app):
    key = _key_from_form(client, employer)
    _publish(client, employer, key)
    review = db.session.scalar(select(Review))
    for url in (
        f"/employers/{employer.slug}",
        f"/employers/{employer.slug}/reviews",
        f"/reviews/{review.public_id}",
        f"/api/v1/employers/{employer.slug}/reviews",
        "/me/export",
    ):
        assert key not in client.get(url).get_data(as_text=True), url
