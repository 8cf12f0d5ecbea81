"""Open data (DESIGN.md §9): the JSON API, the CSV export, the badge, and their HTTP caching.

Every response a test gets here is checked against the OpenAPI document the API serves
(openapi-core), so the document and the responses can't drift apart. The anonymity (§5.1) and
small-count (§5.3) rules, bad input, fixed query counts and caching are tested on every endpoint.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from xml.etree import ElementTree

import pytest
from openapi_core import Config, OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
from openapi_spec_validator import validate as validate_spec
from sqlalchemy import update

import caching
from accounts.models import Role
from api import openapi as api_openapi
from api import services as api_services
from employers.models import EmployerStats, Industry
from extensions import db
from moderation.actions import redact_review
from reviews.models import Outcome, Review, Stage
from scoring import params
from scoring.stats import recompute
from tests.factories import EmployerAliasFactory, EmployerFactory, ReviewFactory, UserFactory
from tests.helpers import queries_for_get
from timeutils import month_start, utcnow

TODAY = date.today()
# Distinctive review dates, none of them today (the figures' computed_on is today's date).
CONTACT = TODAY - timedelta(days=47)
PROCESS_MONTH = month_start(CONTACT - timedelta(days=25))
PUBLISHED = utcnow() - timedelta(days=5, hours=3, minutes=17)
CREATED = PUBLISHED - timedelta(days=6, hours=2)
EMAIL_LOCAL = "ysolde.quarrington-vexley"
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")

JSON_URLS = [
    "/api/v1/employers",
    "/api/v1/employers?q={name}",
    "/api/v1/employers/{slug}",
    "/api/v1/employers/{slug}/reviews",
    "/api/v1/baselines",
    "/api/v1/openapi.json",
]
OTHER_URLS = ["/api/v1/employers.csv", "/employers/{slug}/badge.svg"]
ALL_URLS = JSON_URLS + OTHER_URLS


# --- helpers -----------------------------------------------------------------------------------


def _text(value: bytes, **parameters: str) -> str:
    return value.decode(parameters.get("charset", "utf-8"))


def _svg(value: bytes, **parameters: str) -> str:
    ElementTree.fromstring(value)  # noqa: S314 (our own SVG: well-formed, or the check fails)
    return _text(value, **parameters)


def load_spec() -> OpenAPI:
    config = Config(extra_media_type_deserializers={"text/csv": _text, "image/svg+xml": _svg})
    return OpenAPI.from_dict(api_openapi.document(), config=config)


@pytest.fixture
def spec(app) -> OpenAPI:
    return load_spec()


def checked(client, spec: OpenAPI, url: str, **kwargs):
    """GET a URL and check the response (whatever its status) against the OpenAPI document."""
    kwargs.setdefault("buffered", True)
    response = client.get(url, **kwargs)
    spec.validate_response(
        WerkzeugOpenAPIRequest(response.request), WerkzeugOpenAPIResponse(response)
    )
    return response


def author(number: int):
    return UserFactory(email=f"{EMAIL_LOCAL}{number}@example.org", verified=True)


def review_at(employer, author_, **extra) -> Review:
    values = {
        "author": author_,
        "employer_id": employer.id,
        "process_month": PROCESS_MONTH,
        "last_contact_on": CONTACT,
        "published_at": PUBLISHED,
        "created_at": CREATED,
        "stage": Stage.interview,
        "outcome": Outcome.rejected,
        "decision_days": 12,
        "narrative": "Two interviews, then a polite template rejection.",
    }
    values.update(extra)
    return ReviewFactory(**values)


def seed(employer, count: int, *, authors: int | None = None) -> list[Review]:
    """`count` published reviews of the employer from `authors` accounts (default: one each),
    with a mix of outcomes, then the statistics rebuilt."""
    authors_ = [author(employer.id * 1000 + n) for n in range(authors or count)]
    made = []
    for number in range(count):
        month = month_start(PROCESS_MONTH - timedelta(days=32 * (number // len(authors_))))
        kind = number % 3
        extra = {}
        if kind == 1:
            extra = {"outcome": Outcome.ghosted, "decision_days": None}
        elif kind == 2:
            # Waiting and silent for 47 days: presumed ghosted, "no reply for N+ months".
            extra = {
                "outcome": Outcome.waiting,
                "decision_days": None,
                "presumed_ghosted_at": utcnow() - timedelta(days=10),
            }
        made.append(
            review_at(employer, authors_[number % len(authors_)], process_month=month, **extra)
        )
    recompute()
    db.session.commit()
    return made


def urls_for(employer) -> list[str]:
    return [url.format(name=employer.name, slug=employer.slug) for url in ALL_URLS]


# --- the document ------------------------------------------------------------------------------


def test_the_document_is_valid_openapi(client):
    document = client.get("/api/v1/openapi.json").get_json()
    validate_spec(document)
    assert document["openapi"].startswith("3.1")


def test_the_document_says_the_score_is_the_chance_of_hearing_back():
    """The field names stay ("score", "sd"), so existing clients keep working, but mean the
    estimated chance of hearing back in percent; the document says so, and where the interval
    and counts are."""
    document = api_openapi.document()
    schemas = document["components"]["schemas"]
    score = schemas["Score"]["description"]
    assert "estimated chance of hearing back, in percent" in score
    assert "figures.headline" in score
    figures = schemas["Employer"]["properties"]["figures"]["description"]
    assert "80% interval" in figures and "Wilson" in figures
    csv_text = document["paths"]["/api/v1/employers.csv"]["get"]["summary"]
    assert "chance of hearing back in percent" in csv_text


def test_every_api_route_is_in_the_document(app):
    documented = set(api_openapi.document()["paths"])
    routes = {
        re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith(("api.", "badges."))
    }
    assert routes == documented


def test_every_endpoint_answers_as_documented(client, spec):
    employer = EmployerFactory(name="Marrowby Instruments", industry=Industry.manufacturing)
    seed(employer, 6)
    for url in urls_for(employer):
        response = checked(client, spec, url)
        assert response.status_code == 200, url
    search = checked(client, spec, "/api/v1/employers?q=marrowby&industry=manufacturing&country=gb")
    assert [item["slug"] for item in search.get_json()["results"]] == [employer.slug]


def test_employer_figures(client, spec):
    employer = EmployerFactory(name="Marrowby Instruments")
    seed(employer, 6)
    body = checked(client, spec, f"/api/v1/employers/{employer.slug}").get_json()
    stats = db.session.get(EmployerStats, employer.id)
    assert body["counts"] == {
        "review_count": 6,
        "ghosted_count": stats.ghosted_count,
        "decided_count": stats.decided_count,
        "waiting_count": stats.waiting_count,
        "verified_reviews": 0,
    }
    assert body["score"]["shown"] is True
    assert body["score"]["score"] == round(stats.score)
    assert body["weight_sum"] == round(stats.weight_sum, 1)
    assert body["figures"]["hear_back"]["count"] == stats.figures["hear_back"]["count"]
    assert "computed_on" not in body["figures"]  # no date of any change (DESIGN.md §5)
    assert body["url"].endswith(f"/employers/{employer.slug}")


def test_reviews_are_paginated_newest_first(client, spec):
    employer = EmployerFactory()
    reviews = seed(employer, 23)
    first = checked(client, spec, f"/api/v1/employers/{employer.slug}/reviews").get_json()
    assert first["pagination"]["total"] == 23
    assert first["pagination"]["pages"] == 2
    assert len(first["reviews"]) == 20
    second = checked(client, spec, first["pagination"]["next"].split("localhost", 1)[1]).get_json()
    assert len(second["reviews"]) == 3
    assert second["pagination"]["next"] is None
    listed = [item["public_id"] for item in first["reviews"] + second["reviews"]]
    assert sorted(listed) == sorted(review.public_id for review in reviews)
    bigger = checked(client, spec, f"/api/v1/employers/{employer.slug}/reviews?per_page=50")
    assert len(bigger.get_json()["reviews"]) == 23


def test_search_offers_typo_tolerant_matches_when_nothing_contains_the_query(client, spec):
    EmployerFactory(name="Snorkeldown Analytics", slug="snorkeldown-analytics")
    body = checked(client, spec, "/api/v1/employers?q=snorkeldwn+analytics").get_json()
    # The site's search: the typo-tolerant matches are the results (and, for older clients,
    # still the suggestions).
    assert body["matching"] == "similar"
    assert [item["slug"] for item in body["results"]] == ["snorkeldown-analytics"]
    assert [item["slug"] for item in body["suggestions"]] == ["snorkeldown-analytics"]


def test_search_pages_are_capped_at_100(client, spec):
    for _ in range(3):
        EmployerFactory()
    body = checked(client, spec, "/api/v1/employers?per_page=2&page=2").get_json()
    assert body["pagination"] == {
        "page": 2,
        "per_page": 2,
        "total": 3,
        "pages": 2,
        "next": None,
        "previous": "http://localhost/api/v1/employers?per_page=2&page=1",
    }
    assert checked(client, spec, "/api/v1/employers?per_page=100").status_code == 200
    assert checked(client, spec, "/api/v1/employers?per_page=101").status_code == 400


def test_baselines_before_and_after_the_first_computation(client, spec):
    before = checked(client, spec, "/api/v1/baselines").get_json()
    assert before["computed_on"] is None
    assert before["baselines"] is None
    assert before["mu"] == 50.0
    assert before["m"] == params.M_FLOOR
    assert before["half_life_days"] == params.HALF_LIFE_DAYS
    seed(EmployerFactory(), 4)
    after = checked(client, spec, "/api/v1/baselines").get_json()
    assert after["computed_on"] == TODAY.isoformat()
    assert after["review_count"] == 4
    assert after["employer_count"] == 1
    assert isinstance(after["baselines"], dict)


def test_an_old_address_redirects_for_good(client, spec):
    employer = EmployerFactory(slug="glimmerfen-ltd")
    EmployerAliasFactory(
        employer_id=employer.id,
        name="Glimmerfen Old",
        normalized_name="glimmerfen old",
        slug="glimmerfen-old",
    )
    for old, new in [
        ("/api/v1/employers/glimmerfen-old", "/api/v1/employers/glimmerfen-ltd"),
        (
            "/api/v1/employers/glimmerfen-old/reviews?page=2",
            "/api/v1/employers/glimmerfen-ltd/reviews?page=2",
        ),
        ("/employers/glimmerfen-old/badge.svg", "/employers/glimmerfen-ltd/badge.svg"),
    ]:
        response = checked(client, spec, old)
        assert response.status_code == 301
        assert response.headers["Location"] == new


# --- small counts (DESIGN.md §5.3) --------------------------------------------------------------


def _csv_rows(client, spec) -> dict[str, dict]:
    response = checked(client, spec, "/api/v1/employers.csv")
    return {
        row["slug"]: row for row in csv.DictReader(io.StringIO(response.get_data(as_text=True)))
    }


def test_no_score_below_three_reviews_from_three_accounts(client, spec):
    two = EmployerFactory(name="Twofold Pottery")
    seed(two, 2)
    shared = EmployerFactory(name="Sharedhand Bakery")
    seed(shared, 3, authors=2)
    three = EmployerFactory(name="Threefold Kites")
    seed(three, 3)

    rows = _csv_rows(client, spec)
    for hidden in (two, shared):
        body = checked(client, spec, f"/api/v1/employers/{hidden.slug}").get_json()
        assert body["score"] == {
            "shown": False,
            "score": None,
            "sd": None,
            "band": None,
            "label": "not enough reviews yet",
        }
        assert body["weight_sum"] is None
        assert body["counts"]["review_count"] == (2 if hidden is two else 3)
        assert rows[hidden.slug]["score"] == rows[hidden.slug]["sd"] == ""
        assert rows[hidden.slug]["band"] == ""
        image = checked(client, spec, f"/employers/{hidden.slug}/badge.svg")
        assert "not enough reviews" in image.get_data(as_text=True)
        listed = checked(client, spec, f"/api/v1/employers?q={hidden.name}").get_json()
        assert listed["results"][0]["score"]["score"] is None

    shown = checked(client, spec, f"/api/v1/employers/{three.slug}").get_json()["score"]
    assert shown["shown"] is True and isinstance(shown["score"], int)
    assert rows[three.slug]["score"] == str(shown["score"])
    assert rows[three.slug]["band"] == shown["band"]
    image = checked(client, spec, f"/employers/{three.slug}/badge.svg").get_data(as_text=True)
    assert f">{shown['score']}% hear back · {shown['label']}<" in image
    assert f"an estimated {shown['score']}% of candidates hear back from" in image


def test_small_employers_reviews_show_coarse_stages(client, spec):
    employer = EmployerFactory()
    seed(employer, 3)
    body = checked(client, spec, f"/api/v1/employers/{employer.slug}/reviews").get_json()
    for item in body["reviews"]:
        assert item["coarse"] is True
        assert item["stage"] in ("Early stage (application or screening)", "Interviewed")
        assert item["role"] is None


# --- anonymity (DESIGN.md §5.1) ----------------------------------------------------------------


def _private_strings(reviews: list[Review]) -> list[str]:
    found = [EMAIL_LOCAL, "@example.org", "author_id"]
    for review in reviews:
        found += [
            review.last_contact_on.isoformat(),
            review.process_month.isoformat(),
            review.published_at.date().isoformat(),
            review.published_at.isoformat(timespec="seconds"),
            review.created_at.date().isoformat(),
        ]
    return found


def test_nothing_identifies_an_author_or_dates_a_review(client, spec):
    employer = EmployerFactory(name="Quillhaven Press")
    reviews = seed(employer, 6)
    private = _private_strings(reviews)
    for url in [*urls_for(employer), f"/api/v1/employers/{employer.slug}/reviews?page=2"]:
        text = checked(client, spec, url).get_data(as_text=True)
        for value in private:
            assert value not in text, f"{url} shows {value!r}"
        if "/baselines" not in url:
            # Only the baselines' computed_on is a date: the day the site-wide parameters
            # were computed, the same for everyone.
            assert not ISO_DATE.search(text), f"{url} shows a date"

    body = checked(client, spec, f"/api/v1/employers/{employer.slug}/reviews").get_json()
    item = body["reviews"][0]
    assert item["last_contact"] == CONTACT.strftime("%B %Y")  # a month, as the cards show it
    assert not {"id", "author_id", "employer_id", "email"} & item.keys()
    # Silence in whole calendar months from the last contact's month (never days, §5.8).
    silent = [entry["silent_months"] for entry in body["reviews"] if "silent_months" in entry]
    contact = month_start(CONTACT)
    months = (TODAY.year - contact.year) * 12 + TODAY.month - contact.month - 1
    assert silent and all(value in (None, max(months, 0)) for value in silent)
    assert any(value is not None for value in silent)
    assert all("silent_days" not in entry for entry in body["reviews"])


# --- bad input ---------------------------------------------------------------------------------

BAD_INPUT = [
    "/api/v1/employers?page=abc",
    "/api/v1/employers?page=0",
    "/api/v1/employers?page=-1",
    "/api/v1/employers?page=1.5",
    "/api/v1/employers?page=99999999999999999999",
    "/api/v1/employers?page=%EF%BC%91",  # a full-width digit
    "/api/v1/employers?per_page=100000",
    "/api/v1/employers?per_page=0",
    "/api/v1/employers?per_page=abc",
    "/api/v1/employers?q=" + "x" * 10_000,
    "/api/v1/employers?q=acme%00",
    "/api/v1/employers?q=ac%01me",
    "/api/v1/employers?q=%E2%80%AEemca",  # a bidi override
    "/api/v1/employers?industry=%3Cscript%3Ealert(1)%3C/script%3E",
    "/api/v1/employers?industry=SOFTWARE",
    "/api/v1/employers?country=XX",
    "/api/v1/employers?country=GBR",
    "/api/v1/employers?country=%3Cscript%3E",
    "/api/v1/employers/{slug}/reviews?page=abc",
    "/api/v1/employers/{slug}/reviews?per_page=101",
]


@pytest.mark.parametrize("url", BAD_INPUT)
def test_bad_input_is_a_400_that_says_why(client, spec, url):
    employer = EmployerFactory()
    response = checked(client, spec, url.format(slug=employer.slug))
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == 400
    parameter = re.search(r"[?&](\w+)=", url).group(1)
    assert error["message"].startswith(parameter)
    assert "script" not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/employers/no-such-employer",
        "/api/v1/employers/no-such-employer/reviews",
        "/api/v1/employers/" + "x" * 5000,
        "/api/v1/employers/%3Cscript%3E",
        "/api/v1/employers/a%00b",
        "/api/v1/nothing-here",
    ],
)
def test_unknown_addresses_are_json_404s(client, url):
    response = client.get(url)
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == 404


def test_unknown_badge_is_a_404(client, spec):
    assert checked(client, spec, "/employers/no-such-employer/badge.svg").status_code == 404


def test_only_get_is_allowed(client):
    response = client.post("/api/v1/employers")
    assert response.status_code == 405
    assert response.get_json()["error"]["code"] == 405
    assert "GET" in response.headers["Allow"]


def test_too_many_requests_is_a_json_429(app_factory):
    app = app_factory(RATELIMIT_API="2 per minute")
    client = app.test_client()
    spec = load_spec()
    for _ in range(2):
        assert checked(client, spec, "/api/v1/baselines").status_code == 200
    response = checked(client, spec, "/api/v1/baselines")
    assert response.status_code == 429
    assert response.get_json()["error"]["code"] == 429
    assert response.headers["Retry-After"]


# --- fixed query counts ------------------------------------------------------------------------


@pytest.mark.parametrize("url", [*ALL_URLS, "/api/v1/employers?q=zzzzqqq"])
def test_query_count_does_not_grow_with_data(client, query_counter, url):
    first = EmployerFactory(name="Pellucid Gears")
    seed(first, 1)
    target = url.format(name=first.name, slug=first.slug)
    few = queries_for_get(query_counter, client, target)
    for review in range(24):
        review_at(first, author(100 + review))
    for _ in range(25):
        seed(EmployerFactory(), 1)
    many = queries_for_get(query_counter, client, target)
    assert many == few, f"{url}: {few} queries with 1 employer and review, {many} with more"


# --- CSV and badge -----------------------------------------------------------------------------


def test_csv_export(client, spec):
    employer = EmployerFactory(name="=HYPERLINK(1) Ltd", slug="hyperlink-ltd")
    seed(employer, 3)
    EmployerFactory(slug="no-reviews-yet")
    response = checked(client, spec, "/api/v1/employers.csv")
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="heardback-employers.csv"'
    )
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [row["slug"] for row in rows] == ["hyperlink-ltd", "no-reviews-yet"]
    assert rows[0]["name"] == "'=HYPERLINK(1) Ltd"  # never a spreadsheet formula
    assert rows[0]["review_count"] == "3"
    assert rows[0]["url"] == "http://localhost/employers/hyperlink-ltd"
    assert rows[1]["review_count"] == "0" and rows[1]["score"] == ""
    assert "Content-Length" not in response.headers  # streamed, not built in memory


def test_csv_export_is_sent_in_chunks(app, monkeypatch):
    for _ in range(3):
        EmployerFactory()
    monkeypatch.setattr(api_services, "CSV_FLUSH_BYTES", 1)
    with app.test_request_context("/api/v1/employers.csv"):
        chunks = list(api_services.csv_lines())
    assert len(chunks) >= 4  # the header, then a chunk per row
    assert len(list(csv.reader(io.StringIO("".join(chunks))))) == 4


def test_badge_is_a_self_contained_accessible_svg(client, spec):
    employer = EmployerFactory(name='Smith & "Sons" <script>alert(1)</script>', slug="smith-sons")
    response = checked(client, spec, "/employers/smith-sons/badge.svg")
    assert response.mimetype == "image/svg+xml"
    image = response.get_data(as_text=True)
    assert image.startswith("<svg") and "<title>" in image
    assert "HeardBack" in image and "not enough reviews" in image
    assert "&lt;script&gt;" in image and "&amp;" in image
    lowered = image.lower()
    for forbidden in ("<script", "href", "url(", "<image", "<foreignobject", "<style", " on"):
        assert forbidden not in lowered
    assert response.headers["Content-Security-Policy"] == "default-src 'none'"
    assert employer.slug in response.request.path


# --- HTTP caching ------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ALL_URLS)
def test_anonymous_responses_are_shareable_and_revalidate(client, spec, url):
    employer = EmployerFactory(name="Wendlebury Ropes")
    seed(employer, 3)
    target = url.format(name=employer.name, slug=employer.slug)
    first = checked(client, spec, target)
    assert first.headers["Cache-Control"] == caching.PUBLIC_CACHE_CONTROL
    assert "Cookie" in first.headers["Vary"]
    etag = first.headers["ETag"]
    assert etag.startswith('W/"')
    again = checked(client, spec, target, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.get_data() == b""
    assert again.headers["ETag"] == etag
    assert again.headers["Cache-Control"] == caching.PUBLIC_CACHE_CONTROL
    other = checked(client, spec, target, headers={"If-None-Match": 'W/"something-else"'})
    assert other.status_code == 200


def test_signed_in_responses_are_private(app, client, signed_in, spec):
    employer = EmployerFactory(name="Wendlebury Ropes")
    seed(employer, 3)
    for url in urls_for(employer):
        personal = checked(client, spec, url)
        assert personal.status_code == 200
        assert personal.headers["Cache-Control"] == "private, no-cache", url
    # The early 304 from a declared version is for anonymous requests only: a page made for
    # someone signed in may differ, so theirs is compared by its body.
    url = f"/api/v1/employers/{employer.slug}"
    anonymous_etag = app.test_client().get(url).headers["ETag"]
    assert client.get(url, headers={"If-None-Match": anonymous_etag}).status_code == 200
    own_etag = client.get(url).headers["ETag"]
    assert client.get(url, headers={"If-None-Match": own_etag}).status_code == 304


def test_etag_changes_with_the_statistics_row(client):
    employer = EmployerFactory()
    seed(employer, 3)
    urls = [f"/api/v1/employers/{employer.slug}", f"/employers/{employer.slug}/badge.svg"]
    before = {url: client.get(url).headers["ETag"] for url in urls}
    review_at(employer, author(999))
    recompute()
    db.session.commit()
    for url in urls:
        after = client.get(url, headers={"If-None-Match": before[url]})
        assert after.status_code == 200
        assert after.headers["ETag"] != before[url]


def test_reviews_etag_follows_the_text_even_when_the_figures_stay(client):
    """The reviews list declares its ETag before reading a review (issue 19); a moderator's
    redaction changes no figure but moves the employer's version, so the list is sent again."""
    employer = EmployerFactory()
    reviews = seed(employer, 3)
    moderator = UserFactory(role=Role.moderator, verified=True)
    url = f"/api/v1/employers/{employer.slug}/reviews"
    before = client.get(url).headers["ETag"]
    assert client.get(url, headers={"If-None-Match": before}).status_code == 304
    assert redact_review(
        db.session.get(Review, reviews[0].id), moderator, "narrative", "polite", "Tone.", utcnow()
    )
    db.session.commit()
    after = client.get(url, headers={"If-None-Match": before})
    assert after.status_code == 200
    assert after.headers["ETag"] != before
    narratives = {item["public_id"]: item["narrative"] for item in after.get_json()["reviews"]}
    assert "polite" not in narratives[reviews[0].public_id]
    assert "polite" in narratives[reviews[1].public_id]
    # Another page of the list is another ETag (the query string is part of it).
    assert client.get(f"{url}?per_page=1").headers["ETag"] != after.headers["ETag"]


def test_a_revalidation_of_the_reviews_list_reads_no_review(app, query_counter):
    employer = EmployerFactory()
    seed(employer, 3)
    public = app.test_client()
    url = f"/api/v1/employers/{employer.slug}/reviews"
    etag = public.get(url).headers["ETag"]
    with query_counter() as statements:
        again = public.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert not [sql for sql in statements if "FROM reviews" in sql]


def test_baselines_revalidate_until_the_parameters_change(client):
    employer = EmployerFactory()
    seed(employer, 3)
    first = client.get("/api/v1/baselines")
    etag = first.headers["ETag"]
    assert client.get("/api/v1/baselines", headers={"If-None-Match": etag}).status_code == 304
    review_at(employer, author(998), outcome=Outcome.ghosted, decision_days=None)
    recompute(date.today() + timedelta(days=1))  # tomorrow's parameters: another review
    db.session.commit()
    again = client.get("/api/v1/baselines", headers={"If-None-Match": etag})
    assert again.status_code == 200
    assert again.get_json()["review_count"] == first.get_json()["review_count"] + 1


def test_last_modified_says_only_the_month(client):
    employer = EmployerFactory()
    seed(employer, 3)
    changed = datetime(2025, 1, 15, 13, 45, 12)
    db.session.execute(
        update(EmployerStats)
        .where(EmployerStats.employer_id == employer.id)
        .values(updated_at=changed)
    )
    db.session.commit()
    url = f"/api/v1/employers/{employer.slug}"
    response = client.get(url)
    assert response.headers["Last-Modified"] == "Wed, 01 Jan 2025 00:00:00 GMT"

    def since(moment: datetime) -> int:
        header = format_datetime(moment.replace(tzinfo=UTC), usegmt=True)
        return client.get(url, headers={"If-Modified-Since": header}).status_code

    # Dates inside the month can't be used to find when in it the row changed...
    assert since(datetime(2025, 1, 1)) == 200
    assert since(datetime(2025, 1, 15, 13, 45, 13)) == 200
    assert since(datetime(2025, 1, 31, 23, 59, 59)) == 200
    # ...but once the month is over, a copy from after it is current.
    assert since(datetime(2025, 2, 1)) == 304
    assert since(datetime(2025, 6, 1)) == 304
