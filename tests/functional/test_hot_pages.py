"""The hot copy (caching.py, issue 19): a page an anonymous visitor was just served is answered
from the process's memory for HOT_PAGE_SECONDS, with no query at all, and never later than that
after a change; signed-in visitors never get it. Page-store hits don't write the page back."""

from __future__ import annotations

import pytest

import caching
from extensions import db
from scoring.stats import refresh_employer
from tests.factories import EmployerFactory, ReviewFactory

INTERVAL = 1.0
URL = "/employers/brackenfold-ceramics"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    moved = Clock()
    monkeypatch.setattr(caching, "clock", moved)
    caching.hot_pages.clear()
    yield moved
    caching.hot_pages.clear()


@pytest.fixture
def hot_app(app_factory, clock):
    return app_factory(HOT_PAGE_SECONDS=INTERVAL)


@pytest.fixture
def employer(hot_app):
    employer = EmployerFactory(name="Brackenfold Ceramics", slug="brackenfold-ceramics")
    db.session.commit()
    return employer


def _publish_review(employer, text: str) -> None:
    for _ in range(3):
        ReviewFactory(employer_id=employer.id, narrative=text)
    refresh_employer(employer.id)
    db.session.commit()


@pytest.mark.parametrize("url", ["/", "/employers", "/rankings", URL, f"{URL}/reviews"])
def test_a_hot_page_costs_no_query(hot_app, employer, query_counter, url):
    client = hot_app.test_client()
    first = client.get(url)
    with query_counter() as queries:
        second = client.get(url)
    assert first.status_code == second.status_code == 200
    assert second.get_data() == first.get_data()
    assert second.headers["ETag"] == first.headers["ETag"]
    assert "public" in second.headers["Cache-Control"]
    assert queries == []


def test_a_published_review_shows_within_the_interval(hot_app, employer, clock):
    client = hot_app.test_client()
    assert "They rang me back" not in client.get(URL).get_data(as_text=True)
    _publish_review(employer, "They rang me back within two days.")
    # Inside the interval the copy may still be served (that is what makes it fast)...
    clock.now += INTERVAL / 2
    assert "They rang me back" not in client.get(URL).get_data(as_text=True)
    # ... and once the interval has passed since the check, the change is there.
    clock.now += INTERVAL / 2
    assert "They rang me back" in client.get(URL).get_data(as_text=True)
    assert "They rang me back" in client.get("/").get_data(as_text=True)


def test_an_unchanged_page_is_renewed_without_rendering(hot_app, employer, clock, monkeypatch):
    client = hot_app.test_client()
    first = client.get(URL)
    clock.now += 5 * INTERVAL
    rendered = []
    monkeypatch.setattr("employers.routes.render_template", lambda *a, **k: rendered.append(a))
    second = client.get(URL)
    assert second.get_data() == first.get_data() and rendered == []


def test_a_hot_page_answers_a_revalidation_with_304(hot_app, employer, query_counter):
    client = hot_app.test_client()
    etag = client.get(URL).headers["ETag"]
    with query_counter() as queries:
        response = client.get(URL, headers={"If-None-Match": etag})
    assert response.status_code == 304 and response.headers["ETag"] == etag
    assert response.get_data() == b"" and queries == []


def test_signed_in_visitors_never_get_the_hot_copy(hot_app, employer, query_counter):
    from tests.factories import UserFactory

    UserFactory(email="reader@example.org", password="a long passphrase here", verified=True)
    db.session.commit()
    anonymous = hot_app.test_client()
    anonymous.get(URL)
    signed_in = hot_app.test_client()
    from tests.conftest import post_form

    post_form(
        signed_in,
        "/sign-in",
        {"email": "reader@example.org", "password": "a long passphrase here"},
    )
    with query_counter() as queries:
        response = signed_in.get(URL)
    assert response.status_code == 200 and queries
    assert "private" in response.headers["Cache-Control"]
    assert "Sign out" in response.get_data(as_text=True)


def test_the_copy_keeps_only_the_most_recent_pages(app_factory, clock):
    app = app_factory(HOT_PAGE_SECONDS=INTERVAL, HOT_PAGE_ENTRIES=2)
    client = app.test_client()
    for url in ("/", "/employers", "/rankings"):
        client.get(url)
    assert len(caching.hot_pages) == 2


def test_the_copy_holds_no_more_than_its_bytes(app_factory, clock):
    """Every worker keeps its own copies: HOT_PAGE_BYTES bounds them (the newest page always
    stays, even alone over the bound)."""
    probe = app_factory(HOT_PAGE_SECONDS=INTERVAL).test_client()
    sizes = {url: len(probe.get(url).get_data()) for url in ("/", "/employers", "/rankings")}
    caching.hot_pages.clear()
    limit = sizes["/employers"] + sizes["/rankings"]
    client = app_factory(HOT_PAGE_SECONDS=INTERVAL, HOT_PAGE_BYTES=limit).test_client()
    for url in ("/", "/employers", "/rankings"):
        client.get(url)
    assert len(caching.hot_pages) == 2  # "/" went first
    assert caching.hot_pages.size() == limit
    tiny = app_factory(HOT_PAGE_SECONDS=INTERVAL, HOT_PAGE_BYTES=1).test_client()
    caching.hot_pages.clear()
    tiny.get("/rankings")
    tiny.get("/")
    assert len(caching.hot_pages) == 1 and caching.hot_pages.size() == sizes["/"]


def test_off_with_the_page_store(app_factory, clock, query_counter):
    app = app_factory(HOT_PAGE_SECONDS=INTERVAL, PAGE_STORE_ENABLED=False)
    client = app.test_client()
    client.get("/")
    with query_counter() as queries:
        client.get("/")
    assert queries and len(caching.hot_pages) == 0


def test_a_page_store_hit_is_not_written_back(app_factory, monkeypatch):
    app = app_factory()  # the tests' default: no hot copy, the page store on
    client = app.test_client()
    writes = []
    original = caching.pages.set
    monkeypatch.setattr(caching.pages, "set", lambda *a, **k: writes.append(a) or original(*a, **k))
    first = client.get("/rankings")
    assert len(writes) == 1
    second = client.get("/rankings")
    assert second.get_data() == first.get_data()
    assert len(writes) == 1
