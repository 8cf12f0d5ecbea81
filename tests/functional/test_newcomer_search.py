"""A newcomer's search and pages: "did you mean" rows as full as search rows, the API's search
as typo-tolerant as the site's, the CSV's figures as the employer page shows them, "(missed)" on
a ghosted card whose timeline was promised, and one country list in collation order."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import pytest

from employers.models import Industry
from reviews.models import NextSteps, Outcome, Stage
from tests.conftest import page_text
from tests.factories import EmployerFactory, ReviewFactory, UserFactory
from tests.functional.test_api import author, checked, load_spec, review_at, seed
from tests.functional.test_disclosure import others, rebuild
from timeutils import month_start, utcnow


def _flat(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _li(text: str, name: str) -> str:
    """The list item of the search page that links to `name`, tags stripped."""
    found = re.search(r"<li>((?:(?!</li>).)*?" + re.escape(name) + r".*?)</li>", text, re.S)
    assert found, f"no row for {name}"
    return _flat(found.group(1))


# --- 1. "Did you mean" rows ---------------------------------------------------------------------


def test_did_you_mean_rows_show_score_reports_industry_and_country(client, query_counter):
    shown = EmployerFactory(
        name="Kazoonook Advisory",
        slug="kazoonook-advisory",
        industry=Industry.finance,
        country="DE",
    )
    seed(shown, 3)
    small = EmployerFactory(
        name="Kazoonook Analytics",
        slug="kazoonook-analytics",
        industry=Industry.software,
        country="FR",
    )
    seed(small, 2)
    score = checked(client, _spec(), f"/api/v1/employers/{shown.slug}").get_json()["score"]
    assert score["shown"] is True

    response = client.get("/employers?q=kazoonok")
    text = page_text(response)
    assert "Did you mean one of these?" in text
    advisory = _li(text, "Kazoonook Advisory")
    assert "Finance" in advisory and "Germany" in advisory and "3 reports" in advisory
    assert f"{score['score']}% hear back" in advisory
    analytics = _li(text, "Kazoonook Analytics")
    assert "France" in analytics and "2 reports" in analytics
    # Below the display rule no score, as on the employer's own page (DESIGN.md §5.3, §6).
    assert "no estimate yet" in analytics and "% hear back" not in analytics

    # The rows come with the matches' own query: no query per suggested employer.
    with query_counter() as few:
        client.get("/employers?q=kazoonok&sort=score")
    more = EmployerFactory(name="Kazoonook Archive", industry=Industry.software)
    seed(more, 1)
    with query_counter() as many:
        client.get("/employers?q=kazoonok&sort=recent")
    assert len(many) == len(few)


def _spec():
    return load_spec()


# --- 2. The API's search ------------------------------------------------------------------------


def test_the_api_search_forgives_typos_like_the_site(client):
    employer = EmployerFactory(name="Kazoonook Advisory", slug="kazoonook-advisory")
    seed(employer, 1)
    spec = _spec()
    site = page_text(client.get("/employers?q=kazoonok"))
    assert "Kazoonook Advisory" in site

    body = checked(client, spec, "/api/v1/employers?q=kazoonok").get_json()
    assert body["matching"] == "similar"
    assert [item["slug"] for item in body["results"]] == ["kazoonook-advisory"]
    assert body["suggestions"] == body["results"]
    assert body["pagination"]["total"] == 1 and body["pagination"]["pages"] == 1
    assert body["pagination"]["next"] is None

    # A second page of one page: empty, still valid, nothing past the end.
    second = checked(client, spec, "/api/v1/employers?q=kazoonok&page=2").get_json()
    assert second["results"] == [] and second["pagination"]["total"] == 1

    # A name that contains the query: the plain search, as before.
    plain = checked(client, spec, "/api/v1/employers?q=kazoonook").get_json()
    assert plain["matching"] == "contains" and plain["suggestions"] == []
    assert [item["slug"] for item in plain["results"]] == ["kazoonook-advisory"]

    nothing = checked(client, spec, "/api/v1/employers?q=zzqxv").get_json()
    assert nothing["results"] == [] and nothing["pagination"]["total"] == 0

    document = client.get("/api/v1/openapi.json").get_json()
    properties = document["components"]["schemas"]["SearchResults"]["properties"]
    assert properties["matching"]["enum"] == ["contains", "similar"]


# --- 3. The CSV's figures -----------------------------------------------------------------------


def _csv(client) -> dict[str, dict]:
    response = checked(client, _spec(), "/api/v1/employers.csv")
    return {
        row["slug"]: row for row in csv.DictReader(io.StringIO(response.get_data(as_text=True)))
    }


RATE_KEYS = ("hear_back", "timeline_kept", "feedback", "followup_answered")


def test_the_csv_has_the_employer_pages_figures_and_withholds_what_it_withholds(client):
    busy = EmployerFactory(
        name="+Quillfeather Mills",
        slug="quillfeather-mills",
        industry=Industry.finance,
        country="BO",
    )
    # Twelve decisions (the median shows from ten), one ghosting, one promise kept.
    for number in range(12):
        review_at(busy, author(9000 + number), decision_days=5 + number)
    review_at(busy, author(9100), outcome=Outcome.ghosted, decision_days=None)
    review_at(
        busy, author(9101), decision_days=3, next_steps=NextSteps.yes_with_date, promised_days=7
    )
    rebuild()
    small = EmployerFactory(name="Pennyroyal Ink", slug="pennyroyal-ink")
    seed(small, 2)
    rows = _csv(client)
    spec = _spec()

    row = rows["quillfeather-mills"]
    assert row["name"] == "'+Quillfeather Mills"  # never a spreadsheet formula
    assert row["industry_label"] == Industry.finance.label
    assert row["country_name"] == "Bolivia"
    assert row["verified_percent"] == "0"
    api = checked(client, spec, f"/api/v1/employers/{busy.slug}").get_json()["figures"]
    page = _flat(page_text(client.get(f"/employers/{busy.slug}")))
    for key in RATE_KEYS:
        found = api.get(key) or {}
        assert row[f"{key}_count"] == str(found.get("count", 0))
        if found.get("count", 0) >= 3:
            percent = round(100 * found["raw"] + 1e-9)
            assert row[f"{key}_percent"] == str(percent)
            assert f"{found['yes']} of {found['count']} reports" in page
        else:
            assert row[f"{key}_percent"] == ""
    assert row["hear_back_count"] == "14"
    assert row["timeline_kept_count"] == "1" and row["timeline_kept_percent"] == ""
    days = api["days_to_decision"]
    assert row["decisions_count"] == str(days["decisions"]) == "13"
    assert days["median"] is not None and row["median_days_to_decision"] == str(days["median"])
    assert f"Half of the candidates had a decision within {days['median']} days" in page

    # Two reports: counts, but no share (fewer than 3 answers) and no median (fewer than 10
    # decisions), as the page withholds them.
    row = rows["pennyroyal-ink"]
    assert row["hear_back_count"] == "2" and row["hear_back_percent"] == ""
    assert row["median_days_to_decision"] == "" and row["decisions_count"] == "1"
    assert row["score"] == ""


# --- 4. "(missed)" on a ghosted card --------------------------------------------------------


@pytest.mark.parametrize("published", [1, 6], ids=["small employer", "five reviews or more"])
@pytest.mark.parametrize("presumed", [False, True], ids=["ghosted", "presumed ghosted"])
def test_a_ghosted_review_with_a_promise_says_missed(client, published, presumed):
    employer = EmployerFactory(name="Glimmerwick Foods")
    contact = date.today() - timedelta(days=40)
    review = ReviewFactory(
        author=UserFactory(),
        employer_id=employer.id,
        stage=Stage.interview,
        outcome=Outcome.waiting if presumed else Outcome.ghosted,
        decision_days=None,
        next_steps=NextSteps.yes_with_date,
        promised_days=7,
        process_month=month_start(contact),
        last_contact_on=contact,
        presumed_ghosted_at=utcnow() if presumed else None,
    )
    others(employer, published - 1)
    rebuild()
    body = checked(client, _spec(), f"/api/v1/employers/{employer.slug}/reviews").get_json()
    [item] = [entry for entry in body["reviews"] if entry["public_id"] == review.public_id]
    details = {entry["label"]: entry["value"] for entry in item["details"]}
    if published >= 5:
        label, value = "Promised an answer within", "7 days (missed)"
    else:  # the promise is bucketed at a small employer (DESIGN.md §5.9)
        label, value = "Promised an answer", "within a week (missed)"
    assert details[label] == value
    card = _flat(page_text(client.get(f"/reviews/{review.public_id}")))
    assert f"{label} {value}" in card


# --- 5. One country list ------------------------------------------------------------------------


def _countries(html: str) -> list[tuple[str, str]]:
    select = re.search(r'<select[^>]*name="country"[^>]*>(.*?)</select>', html, re.S)
    assert select, "no country list"
    return [
        (code, " ".join(name.split()))
        for code, name in re.findall(
            r'<option[^>]*value="([A-Z]{2})"[^>]*>([^<]*)</option>', select.group(1)
        )
    ]


def test_both_forms_offer_one_country_list_in_collation_order(client, signed_in):
    employer = EmployerFactory(name="Ottershaw Lamps")
    review_form = _countries(page_text(client.get(f"/reviews/new?employer={employer.slug}")))
    employer_form = _countries(page_text(client.get("/employers/new")))
    assert review_form == employer_form
    names = [name for _, name in review_form]
    assert "Bolivia" in names and not any("Plurinational" in name for name in names)
    assert names[:2] == ["Afghanistan", "Åland Islands"]
    assert names.index("Costa Rica") < names.index("Côte d'Ivoire") < names.index("Croatia")
    assert names[-1] == "Zimbabwe"
    # The search filter offers the same list.
    assert _countries(page_text(client.get("/employers"))) == review_form
