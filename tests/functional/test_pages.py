"""Public pages: content, and a fixed number of SQL queries whatever the amount of data."""

from __future__ import annotations

import pytest

from tests.conftest import page_text
from tests.factories import EmployerAliasFactory, EmployerFactory
from tests.helpers import queries_for_get


@pytest.mark.parametrize(
    "url", ["/", "/employers", "/employers?q=quibblewick", "/employers/{slug}"]
)
def test_query_count_does_not_grow_with_data(app_factory, query_counter, url):
    # The rendering's queries: with the page store on, the second request would be a stored copy
    # (tests/functional/test_page_store.py).
    client = app_factory(PAGE_STORE_ENABLED=False).test_client()
    first = EmployerFactory()
    few = queries_for_get(query_counter, client, url.format(slug=first.slug))
    for _ in range(25):
        EmployerFactory()
    many = queries_for_get(query_counter, client, url.format(slug=first.slug))
    assert many == few, f"{url}: {few} queries with 1 employer, {many} with 26"


def test_home_says_what_heardback_is(client):
    body = page_text(client.get("/"))
    assert "will they get back to you" in body.lower()
    assert 'role="search"' in body
    assert "create a free account" in body
    assert 'href="/reviews/new/employer">Write a review</a>' in body


def test_search_finds_by_normalised_name(client):
    EmployerFactory(name="Snorkeldown Analytics Ltd", slug="snorkeldown-analytics")
    EmployerFactory(name="Fizzlebrook Logistics", slug="fizzlebrook-logistics")
    body = page_text(client.get("/employers?q=SNORKELDOWN,+analytics"))
    assert "Snorkeldown Analytics Ltd" in body
    assert "Fizzlebrook" not in body


def test_search_paginates(client):
    for number in range(25):
        EmployerFactory(name=f"Paginated Widgets {number:02d}", slug=f"paginated-{number}")
    first = page_text(client.get("/employers?q=paginated"))
    second = page_text(client.get("/employers?q=paginated&page=2"))
    assert "page 1 of 2" in first and "Next" in first
    assert "page 2 of 2" in second and "Previous" in second


def test_employer_page_and_unknown_slug(client):
    employer = EmployerFactory(name="Quibblewick Widgets", slug="quibblewick-widgets")
    body = page_text(client.get(f"/employers/{employer.slug}"))
    assert "Quibblewick Widgets" in body
    assert "No estimate yet" in body
    assert client.get("/employers/no-such-employer").status_code == 404


def test_old_slug_redirects_permanently(client):
    employer = EmployerFactory(name="Quibblewick Widgets", slug="quibblewick-widgets")
    EmployerAliasFactory(
        employer_id=employer.id,
        name="Old Quibble",
        normalized_name="old quibble",
        slug="old-quibble",
    )
    response = client.get("/employers/old-quibble")
    assert response.status_code == 301
    assert response.headers["Location"] == "/employers/quibblewick-widgets"


@pytest.mark.parametrize("url", ["/methodology", "/guidelines", "/privacy"])
def test_information_pages(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert "<h1>" in response.get_data(as_text=True)


def test_a_misspelled_search_offers_the_close_matches(client):
    EmployerFactory(name="Quibblewick Widgets", slug="quibblewick-widgets")
    EmployerFactory(name="Fizzlebrook Logistics", slug="fizzlebrook-logistics")
    body = page_text(client.get("/employers?q=quiblewik+widgts"))
    assert "Did you mean one of these?" in body
    assert "Quibblewick Widgets" in body and "Fizzlebrook" not in body
    nothing = page_text(client.get("/employers?q=zzzzqqq"))
    assert "No employer matches" in nothing and "Did you mean" not in nothing
