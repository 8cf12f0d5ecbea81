"""The page store (caching.py): anonymous pages kept under their ETag and answered without
rendering, never stale after a change, never mixed with a signed-in visitor's pages."""

from __future__ import annotations

import pytest

from extensions import db
from scoring.stats import refresh_employer
from tests.factories import EmployerFactory, ReviewFactory


@pytest.fixture
def employer(app):
    return EmployerFactory(name="Wobblestone Freight", slug="wobblestone-freight")


PAGES = [
    ("/", 1),
    ("/employers", 1),
    ("/employers?q=wobblestone", 1),
    ("/rankings", 1),
    ("/employers/wobblestone-freight", 1),
    ("/employers/wobblestone-freight/reviews", 1),
    # The API's list and search are served like the pages (issue 19).
    ("/api/v1/employers", 1),
    ("/api/v1/employers?q=wobblestone&industry=logistics", 1),
]


@pytest.mark.parametrize(("url", "stored_queries"), PAGES)
def test_a_second_anonymous_request_is_answered_from_the_store(
    client, employer, url, stored_queries, query_counter
):
    with query_counter() as rendering:
        first = client.get(url)
    with query_counter() as stored:
        second = client.get(url)
    assert first.status_code == second.status_code == 200
    assert second.get_data() == first.get_data()
    assert second.headers["ETag"] == first.headers["ETag"]
    assert "public" in second.headers["Cache-Control"]
    assert len(stored) == stored_queries < len(rendering)


def test_a_change_is_shown_at_once(client, employer):
    before = client.get("/employers/wobblestone-freight").get_data(as_text=True)
    for _ in range(3):
        ReviewFactory(employer_id=employer.id, narrative="They phoned me back.")
    refresh_employer(employer.id)
    db.session.commit()
    after = client.get("/employers/wobblestone-freight")
    assert after.get_data(as_text=True) != before
    assert "They phoned me back." in after.get_data(as_text=True)
    # Site-wide pages too: the newest statistics row moved.
    assert "They phoned me back." in client.get("/").get_data(as_text=True)


def test_a_new_employer_appears_in_a_stored_search(client, employer):
    assert "Wobblestone Harbour" not in client.get("/employers?q=wobblestone").get_data(
        as_text=True
    )
    EmployerFactory(name="Wobblestone Harbour", slug="wobblestone-harbour")
    db.session.commit()
    assert "Wobblestone Harbour" in client.get("/employers?q=wobblestone").get_data(as_text=True)


def test_a_new_employer_appears_in_a_stored_api_search(client, employer):
    def names():
        body = client.get("/api/v1/employers?q=wobblestone").get_json()
        return [found["name"] for found in body["results"]]

    assert names() == ["Wobblestone Freight"]
    EmployerFactory(name="Wobblestone Harbour", slug="wobblestone-harbour")
    db.session.commit()
    assert sorted(names()) == ["Wobblestone Freight", "Wobblestone Harbour"]


def test_an_api_search_is_revalidated_before_it_runs(client, employer, query_counter):
    etag = client.get("/api/v1/employers?q=wobblestone").headers["ETag"]
    with query_counter() as queries:
        response = client.get("/api/v1/employers?q=wobblestone", headers={"If-None-Match": etag})
    assert response.status_code == 304 and len(queries) == 1  # site_version only


def test_signed_in_pages_are_neither_stored_nor_served_from_the_store(
    client, auth, user, password, employer, query_counter
):
    anonymous = client.get("/employers/wobblestone-freight").get_data(as_text=True)
    auth.sign_in(user.email, password)
    with query_counter() as signed_in_queries:
        signed_in = client.get("/employers/wobblestone-freight")
    assert "private" in signed_in.headers["Cache-Control"]
    assert len(signed_in_queries) > 1  # rendered, not taken from the store
    assert "Sign out" in signed_in.get_data(as_text=True)
    auth.sign_out()
    client.delete_cookie("session")
    again = client.get("/employers/wobblestone-freight").get_data(as_text=True)
    assert "Sign out" not in again
    assert again == anonymous


def test_the_store_can_be_turned_off(app_factory, query_counter):
    client = app_factory(PAGE_STORE_ENABLED=False).test_client()
    EmployerFactory(name="Wobblestone Freight", slug="wobblestone-freight")
    client.get("/employers/wobblestone-freight")
    with query_counter() as statements:
        client.get("/employers/wobblestone-freight")
    assert len(statements) > 1


@pytest.mark.parametrize("url", [url for url, _ in PAGES])
def test_a_forged_host_header_reaches_no_later_visitor(app, client, employer, url):
    """Absolute URLs in pages (the schema.org url) come from SITE_URL, not the Host header, so
    one request with `Host: evil.example` can't poison what the store serves."""
    forged = client.get(url, headers={"Host": "evil.example"})
    assert forged.status_code == 200
    assert "evil.example" not in forged.get_data(as_text=True)
    later = app.test_client().get(url)
    assert later.status_code == 200
    assert "evil.example" not in later.get_data(as_text=True)


def test_the_employer_page_links_itself_at_the_configured_site(app, client, employer):
    page = client.get("/employers/wobblestone-freight", headers={"Host": "evil.example"})
    site = app.config["SITE_URL"].rstrip("/")
    assert f'itemprop="url" href="{site}/employers/wobblestone-freight"' in page.get_data(
        as_text=True
    )
