"""Verified contact (DESIGN.md §12) where the public reads it: "N of M reports have verified
contact" on the employer page, the "Only verified contact" filter of the reviews list, and the
open data (each review's `contact_verified`, the employer's `verified_reviews` in its JSON and
the CSV export), checked against the OpenAPI document. Only published reviews count, and a mark
that waits for its moment (§5.8) changes nothing, cached copies included, until it is published."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest

from api import openapi as api_openapi
from employers.models import Employer
from extensions import db
from proofs.services import show_mark
from reviews.models import HoldReason, Outcome, ReviewStatus
from scoring.stats import refresh_employer
from tests.conftest import page_text, publish_pending_change
from tests.factories import ContactProofFactory, EmployerFactory, ReviewFactory, UserFactory
from tests.functional.test_api import checked, load_spec
from tests.functional.test_employer_page import visible
from tests.helpers import queries_for_get
from timeutils import utcnow

MEANING = "the author showed an email signed by the employer's mail server or its hiring system"
FILTER_NOTE = "We didn't recognise the verified contact filter in the address"
CARD = '<article class="review-card'


@pytest.fixture
def spec(app):
    return load_spec()


def reviews(employer: Employer, count: int, story: str, *, verified=False, **values) -> list:
    """`count` reviews of the employer (published unless `status` says otherwise), each with a
    proof on file when `verified`, as proofs.services.attach leaves them."""
    made = []
    for _ in range(count):
        review = ReviewFactory(
            employer_id=employer.id, narrative=story, contact_verified=verified, **values
        )
        if verified:
            ContactProofFactory(review_id=review.id)
        made.append(review)
    return made


def refreshed(employer: Employer) -> Employer:
    refresh_employer(employer.id)
    db.session.commit()
    return employer


def not_public(employer: Employer, story: str) -> None:
    """Verified reviews the public doesn't see (waiting, held, hidden): none of them may count."""
    unpublished = {"published_at": None, "verified": True}
    later = utcnow() + timedelta(days=3)
    reviews(employer, 1, story, status=ReviewStatus.scheduled, publish_at=later, **unpublished)
    reviews(
        employer,
        1,
        story,
        status=ReviewStatus.held,
        hold_reason=HoldReason.suspected_name,
        **unpublished,
    )
    reviews(employer, 1, story, verified=True, status=ReviewStatus.hidden)


def employer_page(client, employer: Employer):
    return client.get(f"/employers/{employer.slug}")


# --- the employer page -----------------------------------------------------------------------


def test_the_employer_page_counts_verified_published_reports(client):
    employer = EmployerFactory()
    reviews(employer, 3, "No proof here.")
    reviews(employer, 2, "Proved it.", verified=True)
    not_public(employer, "Not public yet.")
    refreshed(employer)
    response = employer_page(client, employer)
    assert response.status_code == 200
    text = visible(response)
    assert "2 of 5 reports have verified contact." in text
    assert f"Verified contact means {MEANING}." in text
    assert f'href="/employers/{employer.slug}/reviews?verified=1"' in response.text
    assert "Not public yet." not in text


@pytest.mark.parametrize(
    ("plain", "verified", "sentence"),
    [
        (0, 1, "1 of 1 report has verified contact."),
        (2, 1, "1 of 3 reports has verified contact."),
        (2, 0, "0 of 2 reports have verified contact."),
    ],
)
def test_the_count_reads_as_a_sentence(client, plain, verified, sentence):
    employer = EmployerFactory()
    reviews(employer, plain, "Plain.")
    reviews(employer, verified, "Proved.", verified=True)
    response = employer_page(client, refreshed(employer))
    assert sentence in visible(response)
    # No link to an empty list.
    assert ("reviews?verified=1" in response.text) is bool(verified)


def test_an_employer_without_published_reports_shows_no_count(client):
    employer = EmployerFactory()
    not_public(employer, "Not public yet.")
    text = visible(employer_page(client, refreshed(employer)))
    assert "No candidate has reported on" in text
    assert "verified contact" not in text.lower()
    assert "of 0 reports" not in text


# --- the filter of the reviews list ----------------------------------------------------------


def test_the_filter_lists_only_verified_reports(client):
    employer = EmployerFactory()
    reviews(employer, 3, "No proof here.")
    reviews(employer, 2, "Proved it.", verified=True)
    not_public(employer, "Not public yet.")
    refreshed(employer)
    url = f"/employers/{employer.slug}/reviews"

    everything = page_text(client.get(url))
    assert "5 reports" in everything and everything.count(CARD) == 5
    assert 'name="verified" value="1" aria-describedby' in everything  # unchecked
    assert MEANING in everything

    response = client.get(f"{url}?verified=1")
    assert response.status_code == 200
    body = page_text(response)
    assert "2 reports match" in body and body.count(CARD) == 2
    assert "Proved it." in body
    assert "No proof here." not in body and "Not public yet." not in body
    assert 'name="verified" value="1" checked' in body
    assert f'href="{url}">Show all reports' in body


def test_the_filter_combines_with_the_others_and_survives_paging(client):
    employer = EmployerFactory()
    reviews(employer, 22, "Proved and ghosted.", verified=True)
    reviews(
        employer,
        3,
        "Proved and rejected.",
        verified=True,
        outcome=Outcome.rejected,
        decision_days=4,
    )
    reviews(employer, 4, "Ghosted, no proof.")
    refreshed(employer)
    body = page_text(client.get(f"/employers/{employer.slug}/reviews?verified=1&outcome=ghosted"))
    assert "22 reports match, page 1 of 2" in body
    assert "Proved and rejected." not in body and "Ghosted, no proof." not in body
    link = re.search(r'href="([^"]+)" rel="next"', body).group(1).replace("&amp;", "&")
    assert "verified=1" in link and "outcome=ghosted" in link and "page=2" in link
    second = page_text(client.get(link))
    assert second.count(CARD) == 2 and "Ghosted, no proof." not in second


@pytest.mark.parametrize(
    ("query", "noted"),
    [
        ("verified=<script>x</script>", True),
        ("verified=999999999999", True),
        ("verified=true", True),
        ("verified=0", True),
        ("verified=%EF%BC%91", True),  # a full-width one
        ("verified=%00", True),
        ("verified=" + "1" * 500, True),
        ("verified[]=1", False),
        ("verified=", False),
    ],
)
def test_hostile_values_of_the_filter_turn_it_off(client, query, noted):
    employer = EmployerFactory()
    reviews(employer, 3, "No proof here.")
    reviews(employer, 1, "Proved it.", verified=True)
    refreshed(employer)
    response = client.get(f"/employers/{employer.slug}/reviews?{query}")
    assert response.status_code == 200
    body = page_text(response)
    assert body.count(CARD) == 4 and "No proof here." in body
    assert 'name="verified" value="1" checked' not in body
    assert (FILTER_NOTE in body) is noted
    assert "<script>x" not in body and "999999999999" not in body and "1" * 50 not in body


# --- the open data ---------------------------------------------------------------------------


def _csv(client, spec) -> dict[str, dict]:
    response = checked(client, spec, "/api/v1/employers.csv")
    assert response.status_code == 200
    return {row["slug"]: row for row in csv.DictReader(io.StringIO(response.text))}


def test_the_document_describes_the_new_fields():
    schemas = api_openapi.document()["components"]["schemas"]
    review = schemas["Review"]
    assert "contact_verified" in review["required"]
    assert review["properties"]["contact_verified"]["type"] == "boolean"
    counts = schemas["Employer"]["properties"]["counts"]
    assert "verified_reviews" in counts["required"]
    assert counts["properties"]["verified_reviews"]["minimum"] == 0


def test_the_api_and_the_csv_carry_verified_contact(client, spec):
    employer = EmployerFactory()
    plain = reviews(employer, 2, "No proof here.")
    proved = reviews(employer, 1, "Proved it.", verified=True)
    not_public(employer, "Not public yet.")
    other = EmployerFactory()
    reviews(other, 2, "Elsewhere, no proof.")
    refreshed(employer)
    refreshed(other)

    response = checked(client, spec, f"/api/v1/employers/{employer.slug}/reviews")
    assert response.status_code == 200
    marks = {item["public_id"]: item["contact_verified"] for item in response.json["reviews"]}
    assert marks == {
        **{review.public_id: False for review in plain},
        **{review.public_id: True for review in proved},
    }

    for found, expected in ((employer, 1), (other, 0)):
        response = checked(client, spec, f"/api/v1/employers/{found.slug}")
        assert response.status_code == 200
        assert response.json["counts"]["verified_reviews"] == expected
        assert response.json["counts"]["review_count"] == (3 if found is employer else 2)

    rows = _csv(client, spec)
    assert rows[employer.slug]["verified_reviews"] == "1"
    assert rows[employer.slug]["review_count"] == "3"
    assert rows[other.slug]["verified_reviews"] == "0"


# --- a mark that waits for its moment (§5.8) -------------------------------------------------


def test_the_figures_change_when_a_waiting_mark_is_published_not_before(client, spec):
    author = UserFactory(verified=True)
    employer = EmployerFactory()
    reviews(employer, 1, "No proof here.")
    review = ReviewFactory(employer_id=employer.id, author=author, narrative="Proof on its way.")
    refreshed(employer)
    page = f"/employers/{employer.slug}"
    urls = [
        page,
        f"{page}/reviews?verified=1",
        f"/api/v1/employers/{employer.slug}",
        "/api/v1/employers.csv",
    ]
    etags = {url: client.get(url).headers["ETag"] for url in urls}
    assert "0 of 2 reports have verified contact." in visible(client.get(page))

    # The author proves the contact: on a published review the mark waits for a random moment.
    ContactProofFactory(review_id=review.id)
    show_mark(review, author, utcnow())
    db.session.commit()
    assert not review.contact_verified and review.pending_publish_at is not None
    for url in urls:
        # Nothing public moved: the copies cached before the proof are still right.
        assert client.get(url, headers={"If-None-Match": etags[url]}).status_code == 304
    assert "0 of 2 reports have verified contact." in visible(client.get(page))
    assert "No reports match" in page_text(client.get(urls[1]))

    publish_pending_change(review)
    for url in urls:
        response = client.get(url, headers={"If-None-Match": etags[url]})
        assert response.status_code == 200, url
        assert response.headers["ETag"] != etags[url]
    # And without a validator (the page store keys its copies by the ETag).
    assert "1 of 2 reports has verified contact." in visible(client.get(page))
    listed = page_text(client.get(urls[1]))
    assert "1 report match" in listed and "Proof on its way." in listed
    detail = checked(client, spec, urls[2])
    assert detail.json["counts"]["verified_reviews"] == 1
    assert _csv(client, spec)[employer.slug]["verified_reviews"] == "1"
    items = checked(client, spec, f"/api/v1/employers/{employer.slug}/reviews").json["reviews"]
    assert {item["public_id"] for item in items if item["contact_verified"]} == {review.public_id}


# --- query counts ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/employers/{slug}",
        "/employers/{slug}/reviews?verified=1",
        "/api/v1/employers/{slug}",
        "/api/v1/employers/{slug}/reviews",
        "/api/v1/employers.csv",
    ],
)
def test_more_verified_reviews_take_no_more_queries(client, query_counter, url):
    employer = EmployerFactory()
    reviews(employer, 1, "Proved it.", verified=True)
    refreshed(employer)
    target = url.format(slug=employer.slug)
    few = queries_for_get(query_counter, client, target)
    reviews(employer, 24, "Proved it.", verified=True)
    reviews(employer, 5, "No proof here.")
    for _ in range(5):
        other = EmployerFactory()
        reviews(other, 2, "Proved elsewhere.", verified=True)
        refreshed(other)
    refreshed(employer)
    many = queries_for_get(query_counter, client, target)
    assert many == few, f"{url}: {few} queries with one verified review, {many} with more"
