"""A control character in a path or a query value is a clean 404 or 400 page, never a 500:
PostgreSQL refuses NUL in text, so a lookup that passes one on fails there, and the CSRF
form recovery used to look up `?employer=` before anything had checked it. Signed out and signed
in, GET and POST (a POST without a token goes through the CSRF recovery), on SQLite and on
PostgreSQL (TEST_DATABASE_URL)."""

from __future__ import annotations

import pytest

from accounts.models import Role
from employers.services import get_by_slug
from tests.conftest import page_text
from tests.factories import EmployerFactory, RepresentativeFactory, ReviewFactory, UserFactory
from tests.functional.test_moderation_queue import client_as

SLUG = "gribblewick-ceramics"
BAD = ["\x00", "\x01", "\x1f", "\x7f"]

# Paths with a control character in them: nothing of ours has one, so 404.
PATHS = [
    "/employers/gribble{c}wick",
    f"/employers/{SLUG}{{c}}/reviews",
    f"/employers/{SLUG}/claim{{c}}",
    "/reviews/ab{c}cd",
    "/reviews/ab{c}cd/edit",
    "/reviews/new{c}",
    "/employer/reviews/ab{c}cd/response",
    "/moderation/reviews/ab{c}cd",
    "/api/v1/employers/a{c}b",
    "/sign-in{c}",
    "/{c}",
]

# Query values that reach a lookup: a clean 4xx page (or the page, the value ignored), never 500.
QUERIES = [
    "/reviews/new?employer=gribble{c}wick",
    f"/reviews/new?employer={SLUG}{{c}}",
    "/employer?employer=gribble{c}wick",
    f"/employer?employer={SLUG}&page=1{{c}}",
    "/moderation/representatives?employer=a{c}b",
    "/employers?q=a{c}b",
    "/employers/new?name=a{c}b",
    f"/employers/{SLUG}/reviews?stage=a{{c}}b",
    f"/employers/{SLUG}?x{{c}}=1",
    "/rankings?industry=software{c}",
    "/sign-in?next=/me{c}",
    "/api/v1/employers?q=a{c}b",
]


@pytest.fixture
def people(app):
    employer = EmployerFactory(name="Gribblewick Ceramics", slug=SLUG)
    ReviewFactory(employer_id=employer.id)
    rep = UserFactory(email="rep@gribblewick.example", verified=True)
    RepresentativeFactory(user_id=rep.id, employer_id=employer.id)
    return {
        "anonymous": None,
        "candidate": UserFactory(email="candidate@example.org", verified=True),
        "representative": rep,
        "admin": UserFactory(email="admin@example.org", role=Role.admin, verified=True),
    }


def _assert_clean(response, allowed: set[int]) -> None:
    assert response.status_code in allowed, response.status_code
    text = page_text(response)
    assert "Traceback" not in text and "psycopg" not in text


@pytest.mark.parametrize("who", ["anonymous", "candidate", "representative", "admin"])
@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("path", PATHS)
def test_a_control_character_in_a_path_is_a_404(app, people, who, method, path):
    client = client_as(app, people[who])
    for character in BAD:
        response = client.open(path.format(c=character), method=method)
        _assert_clean(response, {404})


@pytest.mark.parametrize("who", ["anonymous", "candidate", "representative", "admin"])
@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("url", QUERIES)
def test_a_control_character_in_a_query_value_is_never_a_500(app, people, who, method, url):
    client = client_as(app, people[who])
    for character in BAD:
        response = client.open(url.format(c=character), method=method)
        # 200: the value ignored politely (a search); 302: sign in first; 400/404: refused;
        # 403: not for this account; 405: GET-only page.
        _assert_clean(response, {200, 302, 400, 403, 404, 405})


@pytest.mark.parametrize("character", BAD)
def test_the_employer_slug_lookup_refuses_control_characters(app, people, character):
    assert get_by_slug(SLUG + character) == (None, None)
    assert get_by_slug(character) == (None, None)
    assert get_by_slug(SLUG)[0] is not None


def test_a_post_to_the_review_form_with_a_nul_employer_is_a_clean_page(app, people):
    """The reproduction from the issue: no token, `?employer=` with NUL, signed out and in."""
    for who in ("anonymous", "candidate"):
        client = client_as(app, people[who])
        response = client.post("/reviews/new?employer=%00", data={"narrative": "x"})
        _assert_clean(response, {400, 404})
