"""caching.py on a bare Flask app: who may share a response, validators, and the early 304."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from flask import Flask, abort, session

import caching

CHANGED = datetime(2025, 3, 10, 8, 30)  # naive UTC, as stored


def make_app(**config) -> tuple[Flask, list]:
    app = Flask(__name__)
    app.config.update({"SECRET_KEY": "unit-test-key", "TESTING": True, **config})
    work: list = []

    @app.get("/declared/<int:version>")
    @caching.cached
    def declared(version: int):
        caching.validate("declared", version, last_modified=CHANGED)
        work.append(version)  # what a revalidation must skip (queries, rendering)
        return "expensive"

    @app.get("/hashed")
    @caching.cached
    def hashed():
        work.append("hashed")
        return "the same body"

    @app.get("/starts-a-session")
    @caching.cached
    def starts_a_session():
        session["seen"] = True
        return "hello"

    @app.get("/missing")
    @caching.cached
    def missing():
        abort(404)

    @app.get("/undecorated")
    def undecorated():
        caching.validate("anything")
        return "never"

    return app, work


def test_a_declared_version_answers_304_before_the_work():
    app, work = make_app()
    client = app.test_client()
    first = client.get("/declared/1")
    assert first.status_code == 200
    assert first.headers["Cache-Control"] == caching.PUBLIC_CACHE_CONTROL
    assert first.headers["Vary"] == "Cookie"
    etag = first.headers["ETag"]
    assert etag.startswith('W/"')
    again = client.get("/declared/1", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.headers["ETag"] == etag
    assert again.headers["Cache-Control"] == caching.PUBLIC_CACHE_CONTROL
    assert work == [1]  # the view stopped at validate()
    assert client.get("/declared/2", headers={"If-None-Match": etag}).status_code == 200
    assert client.get("/declared/1", headers={"If-None-Match": "*"}).status_code == 304


def test_a_body_hash_revalidates_after_the_work():
    app, work = make_app()
    client = app.test_client()
    etag = client.get("/hashed").headers["ETag"]
    assert etag.startswith('W/"')
    assert client.get("/hashed", headers={"If-None-Match": etag}).status_code == 304
    assert work == ["hashed", "hashed"]


@pytest.mark.parametrize("cookie", ["session", "remember_token"])
def test_requests_with_a_session_are_private_and_never_answered_early(cookie):
    app, work = make_app()
    anonymous_etag = app.test_client().get("/declared/1").headers["ETag"]
    client = app.test_client()
    client.set_cookie(cookie, "something")
    response = client.get("/declared/1", headers={"If-None-Match": anonymous_etag})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == caching.PRIVATE_CACHE_CONTROL
    assert response.headers["ETag"] != anonymous_etag  # its own, from its body
    assert work == [1, 1]


def test_a_response_that_sets_a_cookie_is_never_shared():
    app, _ = make_app()
    response = app.test_client().get("/starts-a-session")
    assert "Set-Cookie" in response.headers
    assert response.headers["Cache-Control"] == caching.PRIVATE_CACHE_CONTROL


def test_errors_get_no_caching_headers():
    app, _ = make_app()
    response = app.test_client().get("/missing")
    assert response.status_code == 404
    assert "Cache-Control" not in response.headers
    assert "ETag" not in response.headers


def test_validate_needs_the_decorator():
    app, _ = make_app()
    with pytest.raises(RuntimeError, match="@cached"):
        app.test_client().get("/undecorated")


def test_etags_are_keyed_and_follow_the_release():
    key_a, _ = make_app(SECRET_KEY="a" * 32)
    key_b, _ = make_app(SECRET_KEY="b" * 32)
    release_2, _ = make_app(SECRET_KEY="a" * 32, RELEASE="2")
    etags = {app.test_client().get("/declared/1").headers["ETag"] for app in (key_a, key_b)}
    etags.add(release_2.test_client().get("/declared/1").headers["ETag"])
    assert len(etags) == 3


def _since(client, moment: datetime) -> int:
    header = format_datetime(moment.replace(tzinfo=UTC), usegmt=True)
    return client.get("/declared/1", headers={"If-Modified-Since": header}).status_code


def test_last_modified_is_the_month_and_if_modified_since_cant_find_the_day():
    app, _ = make_app()
    client = app.test_client()
    assert client.get("/declared/1").headers["Last-Modified"] == "Sat, 01 Mar 2025 00:00:00 GMT"
    assert _since(client, datetime(2025, 3, 1)) == 200
    assert _since(client, CHANGED + timedelta(seconds=1)) == 200
    assert _since(client, datetime(2025, 4, 1)) == 304
    # A date in the future is invalid and ignored (RFC 9110 §13.1.3).
    future = datetime.now(UTC).replace(tzinfo=None) + timedelta(days=2)
    assert _since(client, future) == 200


def test_if_none_match_wins_over_if_modified_since():
    app, _ = make_app()
    client = app.test_client()
    header = format_datetime(datetime(2025, 5, 1, tzinfo=UTC), usegmt=True)
    response = client.get(
        "/declared/1", headers={"If-Modified-Since": header, "If-None-Match": 'W/"stale"'}
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("moment", "start", "following"),
    [
        (datetime(2025, 3, 10, 8, 30), datetime(2025, 3, 1), datetime(2025, 4, 1)),
        (datetime(2025, 12, 31, 23, 59, 59), datetime(2025, 12, 1), datetime(2026, 1, 1)),
        (datetime(2024, 2, 29), datetime(2024, 2, 1), datetime(2024, 3, 1)),
    ],
)
def test_month_boundaries(moment, start, following):
    assert caching.month_start(moment) == start.replace(tzinfo=UTC)
    assert caching.next_month_start(moment) == following.replace(tzinfo=UTC)
