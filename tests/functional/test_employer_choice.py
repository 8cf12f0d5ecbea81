"""Choosing the employer of a review: the suggestions endpoint, the choice page (no JavaScript
needed) and adding a new employer, with its rules on duplicates, domains and hostile input."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from employers import services
from employers.models import Employer, EmployerAlias, EmployerDomain, Industry
from extensions import db
from tests.conftest import page_text, post_form
from tests.factories import EmployerAliasFactory, EmployerFactory, UserFactory
from tests.helpers import queries_for_get
from timeutils import utcnow

PASSWORD = "correct horse battery"


def employer_count() -> int:
    return db.session.scalar(select(func.count(Employer.id)))


def listed_employer(*args, **kwargs) -> Employer:
    """An employer with a published review (listed): suggestions offer only those (§5.8)."""
    employer = services.create_employer(*args, **kwargs)
    employer.listed_at = utcnow()
    return employer


@pytest.fixture
def acme(app):
    employer = listed_employer(
        "Acme Corporation", industry=Industry.software, country="GB", domain="acme.com"
    )
    employer.stats.review_count = 3
    db.session.commit()
    return employer


@pytest.fixture
def unverified(client, auth):
    UserFactory(email="unconfirmed@example.org", password=PASSWORD)
    response = auth.sign_in("unconfirmed@example.org", PASSWORD)
    assert response.status_code == 302


# --- the suggestions endpoint ------------------------------------------------------------------


def test_suggest_answers_json_with_what_the_autocomplete_shows(client, acme):
    response = client.get("/employers/suggest?q=acme+corporatoin")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.json == {
        "query": "acme corporatoin",
        "results": [
            {
                "name": "Acme Corporation",
                "slug": "acme-corporation",
                "matched_name": "Acme Corporation",
                "industry": "Software & internet",
                "country": "United Kingdom",
                "reviews": 3,
                "url": "/employers/acme-corporation",
                "review_url": "/reviews/new?employer=acme-corporation",
            }
        ],
    }


def test_suggest_without_industry_or_country_gives_nulls(client):
    listed_employer("Snorkeldown Analytics")
    db.session.commit()
    result = client.get("/employers/suggest?q=snorkeldwn").json["results"][0]
    assert result["industry"] is None and result["country"] is None and result["reviews"] == 0


def test_suggest_is_cacheable_by_anyone_for_a_minute(client, acme):
    response = client.get("/employers/suggest?q=acme")
    assert response.headers["Cache-Control"] == "public, max-age=60"
    assert "Set-Cookie" not in response.headers


def test_suggest_is_private_for_a_request_with_a_session(client, signed_in, acme):
    """A signed-in browser's answer may refresh its session cookie: never for a shared cache."""
    response = client.get("/employers/suggest?q=acme")
    assert response.status_code == 200
    assert "public" not in response.headers["Cache-Control"]
    assert "private" in response.headers["Cache-Control"]


@pytest.mark.parametrize("query", ["", "a", " a ", "\x00a", "%"])
def test_suggest_needs_two_characters(client, acme, query):
    response = client.get("/employers/suggest", query_string={"q": query})
    assert response.status_code == 200
    assert response.json["results"] == []


HOSTILE_QUERIES = {
    "nul": "acme\x00corp",
    "only nul": "\x00\x00\x00",
    "5,000 characters": "acme" * 1250,
    "emoji": "🙂🙂 acme 🙂",
    "sql": "acme'; DROP TABLE employers; --",
    "sql union": "' UNION SELECT email, password_hash FROM users --",
    "html": "<script>alert('acme')</script>",
    "rtl override": "\u202eacme",
    "like wildcards": "%_%_%",
    "backslashes": "\\\\acme\\",
    "expanding unicode": "ﷺ" * 200,
    "newlines": "acme\r\ncorp",
}


@pytest.mark.parametrize("case", HOSTILE_QUERIES)
def test_suggest_survives_hostile_queries(client, acme, case):
    response = client.get("/employers/suggest", query_string={"q": HOSTILE_QUERIES[case]})
    assert response.status_code == 200
    data = response.json
    assert isinstance(data["results"], list)
    assert "\x00" not in data["query"] and len(data["query"]) <= 200
    assert employer_count() == 1  # and the table is still there


def test_suggest_escapes_nothing_into_html(client):
    """JSON carries names as text; the script inserts them with textContent, never innerHTML."""
    listed_employer("<img src=x onerror=alert(1)> Widgets")
    db.session.commit()
    response = client.get("/employers/suggest?q=widgets")
    assert response.json["results"][0]["name"] == "<img src=x onerror=alert(1)> Widgets"
    # Served as JSON that browsers won't sniff as HTML.
    assert response.mimetype == "application/json"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_suggest_needs_no_account(client, acme):
    assert client.get("/employers/suggest?q=acme").status_code == 200


def test_suggest_finds_aliases(client, acme):
    EmployerAliasFactory(employer_id=acme.id, name="Acme Rockets", normalized_name="acme rockets")
    results = client.get("/employers/suggest?q=acme+rokets").json["results"]
    assert results[0]["slug"] == "acme-corporation"
    assert results[0]["matched_name"] == "Acme Rockets"


# --- query counts ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/employers/suggest?q=quibblewick",
        "/employers/suggest?q=quiblewick+widgts",
        "/employers/suggest?q=nothing+like+it",
        "/reviews/new/employer?q=quibblewick",
        "/reviews/new/employer?q=quiblewick+widgts",
        "/reviews/new/employer",
    ],
)
def test_query_count_does_not_grow_with_employers(client, query_counter, signed_in, url):
    EmployerFactory()  # "Quibblewick Widgets 0"
    few = queries_for_get(query_counter, client, url)
    for _ in range(29):
        EmployerFactory()
    many = queries_for_get(query_counter, client, url)
    assert many == few, f"{url}: {few} queries with 1 employer, {many} with 30"
    assert many <= 5  # the signed-in user and session, then at most three for the suggestions


# --- the choice page ---------------------------------------------------------------------------


def test_choose_needs_an_account(client):
    response = client.get("/reviews/new/employer?q=acme")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?next=")


def test_choose_without_a_query_explains_and_asks(client, signed_in):
    response = client.get("/reviews/new/employer")
    assert response.status_code == 200
    body = page_text(response)
    assert "Which employer is your review about?" in body
    assert "How this works" in body
    assert 'name="q"' in body and 'method="get"' in body
    assert "Add “" not in body


def test_choose_lists_the_suggestions_as_links_to_the_review_form(client, signed_in, acme):
    EmployerFactory(name="Fizzlebrook Logistics", slug="fizzlebrook-logistics")
    response = client.get("/reviews/new/employer?q=ACME+corp")
    body = page_text(response)
    assert response.status_code == 200
    assert 'href="/reviews/new?employer=acme-corporation"' in body
    assert "Acme Corporation" in body
    assert "Software & internet · United Kingdom · 3 reviews" in body
    assert "Fizzlebrook" not in body
    assert 'value="ACME corp"' in body
    assert "None of these?" in body
    assert 'href="/employers/new?name=ACME+corp"' in body
    assert "Add “ACME corp” as a new employer" in body


def test_choose_shows_the_alias_that_matched(client, signed_in, acme):
    EmployerAliasFactory(employer_id=acme.id, name="Acme Rockets", normalized_name="acme rockets")
    body = page_text(client.get("/reviews/new/employer?q=acme+rockets"))
    assert "Also known as Acme Rockets" in body


def test_choose_with_no_match_offers_to_add_the_employer(client, signed_in, acme):
    body = page_text(client.get("/reviews/new/employer?q=Zebrafish+Trading"))
    assert "No employer called “Zebrafish Trading” yet" in body
    assert 'href="/employers/new?name=Zebrafish+Trading"' in body
    assert "/reviews/new?employer=" not in body


def test_choose_asks_for_two_letters(client, signed_in, acme):
    body = page_text(client.get("/reviews/new/employer?q=a"))
    assert "at least two letters" in body
    assert "/reviews/new?employer=" not in body


@pytest.mark.parametrize("case", HOSTILE_QUERIES)
def test_choose_survives_hostile_queries(client, signed_in, acme, case):
    response = client.get("/reviews/new/employer", query_string={"q": HOSTILE_QUERIES[case]})
    assert response.status_code == 200
    raw = response.get_data(as_text=True)
    assert "<script>alert" not in raw
    assert "\x00" not in raw


def test_choose_loads_the_autocomplete_script_without_inline_script(client, signed_in):
    body = client.get("/reviews/new/employer").get_data(as_text=True)
    assert '<script src="/static/js/employer-suggest.js" defer></script>' in body
    assert "<script>" not in body and " onclick=" not in body and " onkeydown=" not in body
    assert 'data-employer-suggest="/employers/suggest"' in body
    assert 'data-employer-new="/employers/new"' in body


def test_the_script_is_served(client):
    response = client.get("/static/js/employer-suggest.js")
    assert response.status_code == 200
    assert "aria-activedescendant" in response.get_data(as_text=True)


def test_review_form_without_employer_sends_here(client, signed_in):
    response = client.get("/reviews/new")
    assert response.status_code == 302
    assert response.headers["Location"] == "/reviews/new/employer"


# --- adding an employer: access ----------------------------------------------------------------


def test_new_employer_needs_an_account(client):
    response = client.get("/employers/new")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?next=")


def test_new_employer_needs_a_confirmed_email(client, unverified):
    response = client.get("/employers/new?name=Acme")
    assert response.status_code == 403
    body = page_text(response)
    assert "confirm your email address" in body
    assert 'href="/account"' in body


def test_unconfirmed_post_creates_nothing(client, unverified):
    token_page = "/reviews/new/employer"  # any page of ours with a form has the session's token
    response = post_form(client, "/employers/new", {"name": "Acme"}, page=token_page)
    assert response.status_code == 403
    assert employer_count() == 0


def test_new_employer_form_prefills_the_name(client, signed_in):
    response = client.get("/employers/new?name=Zebrafish+Trading")
    assert response.status_code == 200
    body = page_text(response)
    assert 'value="Zebrafish Trading"' in body
    for label in ["Employer name", "Website (optional)", "Industry (optional)", "Country"]:
        assert label in body
    assert '<option value="DE">Germany</option>' in body
    assert '<option value="software">Software & internet</option>' in body
    assert "No, this is a different employer" not in body


def test_prefilled_name_is_cleaned(client, signed_in):
    response = client.get("/employers/new", query_string={"name": "Acme\x00\u202e" + "x" * 500})
    assert response.status_code == 200
    assert "\x00" not in response.get_data(as_text=True)


# --- adding an employer: success ---------------------------------------------------------------


def test_adding_an_employer_goes_on_to_the_review_form(client, signed_in):
    response = post_form(
        client,
        "/employers/new",
        {
            "name": "  Zebrafish   Trading Ltd ",
            "website": "https://www.Zebrafish-Trading.co.uk/careers/jobs?id=1",
            "industry": "retail",
            "country": "DE",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/reviews/new?employer=zebrafish-trading-ltd"
    employer = db.session.scalar(select(Employer))
    assert employer.name == "Zebrafish Trading Ltd"
    assert employer.normalized_name == "zebrafish trading"
    assert employer.industry is Industry.retail
    assert employer.country == "DE"
    assert [d.domain for d in employer.domains] == ["zebrafish-trading.co.uk"]
    assert employer.stats is not None and employer.stats.review_count == 0
    follow = client.get("/employers/zebrafish-trading-ltd")
    assert follow.status_code == 200


def test_only_the_name_is_required(client, signed_in):
    response = post_form(client, "/employers/new", {"name": "Zebrafish Trading"})
    assert response.status_code == 302
    employer = db.session.scalar(select(Employer))
    assert employer.industry is None and employer.country is None and employer.domains == []


def test_the_employer_does_not_record_who_added_it(client, signed_in):
    """Anonymity (DESIGN.md §5): no column links an employer or its domains to a user."""
    post_form(client, "/employers/new", {"name": "Zebrafish Trading", "website": "zebra.fish"})
    for table in (Employer.__table__, EmployerDomain.__table__, EmployerAlias.__table__):
        assert {fk.column.table.name for fk in table.foreign_keys} <= {"employers"}
    row = db.session.execute(select(Employer.__table__)).mappings().one()
    assert signed_in.email not in str(dict(row))


def test_unicode_names_and_domains(client, signed_in):
    response = post_form(
        client,
        "/employers/new",
        {"name": "Bücherstube Zürich 🙂", "website": "https://www.Bücherstube.de/"},
    )
    assert response.status_code == 302
    employer = db.session.scalar(select(Employer))
    assert employer.name == "Bücherstube Zürich 🙂"
    assert employer.domains[0].domain == "xn--bcherstube-9db.de"


@pytest.mark.parametrize(
    "name",
    [
        "<script>alert(1)</script> Widgets",
        "Robert'); DROP TABLE employers; --",
        "O'Reilly & Sons",
        "株式会社テスト",
    ],
)
def test_odd_but_acceptable_names_are_stored_verbatim_and_escaped(client, signed_in, name):
    response = post_form(client, "/employers/new", {"name": name})
    assert response.status_code == 302
    employer = db.session.scalar(select(Employer))
    assert employer.name == name
    page = client.get(f"/employers/{employer.slug}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page


def test_a_name_slugged_like_one_of_our_pages_gets_another_slug(client, signed_in):
    for name in ["New", "Suggest"]:
        post_form(client, "/employers/new", {"name": name})
    slugs = set(db.session.scalars(select(Employer.slug)))
    assert slugs.isdisjoint({"new", "suggest"})
    assert client.get("/employers/new").status_code == 200


# --- adding an employer: bad input -------------------------------------------------------------


def _refused(response, message: str) -> str:
    assert response.status_code == 422, response.status_code
    body = page_text(response)
    assert message in body, body[body.find("<main") :][:3000]
    assert "Traceback" not in body
    assert employer_count() == 0
    return body


BAD_NAMES = {
    "empty": ("", "Enter the employer's name."),
    "spaces": ("    ", "Enter the employer's name."),
    "one letter": ("A", "Use between 2 and 200 characters."),
    "too long": ("A" * 201, "Use between 2 and 200 characters."),
    "huge": ("B" * 50_000, "Use between 2 and 200 characters."),
    "nul": ("Acme\x00Corp", "control characters"),
    "rtl override": ("\u202eemcA Corp", "control characters"),
    "newline": ("Acme\nCorp", "control characters"),
    "emoji only": ("🙂🙂🙂", "needs at least one letter"),
    "punctuation only": ("!!! ...", "needs at least one letter"),
    "digits only": ("12345", "needs at least one letter"),
    "expands when normalised": ("ﷺ" * 150, "Use at most 200 characters."),
}


@pytest.mark.parametrize("case", BAD_NAMES)
def test_bad_names(client, signed_in, case):
    name, message = BAD_NAMES[case]
    response = post_form(
        client, "/employers/new", {"name": name, "website": "zebra.fish", "country": "FR"}
    )
    body = _refused(response, message)
    # Everything else typed is still there.
    assert 'value="zebra.fish"' in body
    assert '<option selected value="FR">France</option>' in body
    if name.strip() and "\x00" not in name and len(name) < 1000:
        assert f'value="{name.strip()}"' in body


BAD_WEBSITES = {
    "words": ("not a web address", "Enter the employer's web address, like acme.com."),
    "single label": ("localhost", "like acme.com"),
    "ip address": ("http://127.0.0.1/admin", "like acme.com"),
    "empty label": ("acme..com", "like acme.com"),
    "leading hyphen": ("-acme.com", "like acme.com"),
    "scheme only": ("https://", "like acme.com"),
    "javascript": ("javascript:alert(1)", "like acme.com"),
    "html": ("<script>alert(1)</script>.com", "like acme.com"),
    "sql": ("acme.com'; DROP TABLE employer_domains; --", "like acme.com"),
    "emoji": ("🙂.com", "like acme.com"),
    "broken ipv6": ("http://[::1", "like acme.com"),
    "label too long": ("a" * 64 + ".com", "like acme.com"),
    "too long": ("https://acme.com/" + "x" * 600, "That web address is too long."),
    "nul": ("acme\x00.com", "control characters"),
    "rtl override": ("moc.emca\u202e", "control characters"),
    "gmail": ("gmail.com", "gmail.com is a free email provider"),
    "outlook url": ("https://outlook.com/mail", "outlook.com is a free email provider"),
    "yahoo subdomain": ("careers.yahoo.com", "yahoo.com is a free email provider"),
    "hotmail": ("HOTMAIL.COM", "hotmail.com is a free email provider"),
    "icloud": ("www.icloud.com", "icloud.com is a free email provider"),
    "proton": ("proton.me", "proton.me is a free email provider"),
    "disposable": ("mailinator.com", "mailinator.com is a disposable email service"),
}


@pytest.mark.parametrize("case", BAD_WEBSITES)
def test_bad_websites(client, signed_in, case):
    website, message = BAD_WEBSITES[case]
    response = post_form(
        client, "/employers/new", {"name": "Zebrafish Trading", "website": website}
    )
    body = _refused(response, message)
    assert 'value="Zebrafish Trading"' in body
    assert 'id="website-error"' in body and 'aria-invalid="true"' in body


@pytest.mark.parametrize(
    ("website", "domain"),
    [
        ("acme.com", "acme.com"),
        ("ACME.COM.", "acme.com"),
        ("https://www.acme.com/jobs", "acme.com"),
        ("http://jobs.acme.com:8080/x?y#z", "jobs.acme.com"),
        ("//acme.co.uk", "acme.co.uk"),
        ("  www.acme-widgets.de  ", "acme-widgets.de"),
        ("bücher.de", "xn--bcher-kva.de"),
        ("xn--bcher-kva.de", "xn--bcher-kva.de"),
    ],
)
def test_websites_are_reduced_to_their_domain(app, website, domain):
    assert services.normalize_domain(website) == domain


def test_a_domain_of_another_employer_is_refused_with_a_way_to_it(client, signed_in, acme):
    response = post_form(
        client, "/employers/new", {"name": "Zebrafish Trading", "website": "https://acme.com/x"}
    )
    assert response.status_code == 422
    body = page_text(response)
    assert "acme.com is already the website of Acme Corporation." in body
    assert 'href="/reviews/new?employer=acme-corporation">Write your review about Acme' in body
    assert employer_count() == 1


BAD_CHOICES = {
    "unknown": "spaceflight",
    "nul": "software\x00",
    "huge": "x" * 10_000,
    "html": "<b>software</b>",
    "sql": "software' OR '1'='1",
    "label instead of value": "Software & internet",
}


@pytest.mark.parametrize("case", BAD_CHOICES)
def test_bad_industries(client, signed_in, case):
    response = post_form(
        client, "/employers/new", {"name": "Zebrafish Trading", "industry": BAD_CHOICES[case]}
    )
    body = _refused(response, "")
    assert "Choose an industry from the list." in body or "control characters" in body
    assert 'value="Zebrafish Trading"' in body


@pytest.mark.parametrize("case", [*BAD_CHOICES, "lower case", "alpha-3", "unassigned"])
def test_bad_countries(client, signed_in, case):
    value = {"lower case": "de", "alpha-3": "DEU", "unassigned": "XX"}.get(case) or BAD_CHOICES[
        case
    ]
    response = post_form(client, "/employers/new", {"name": "Zebrafish Trading", "country": value})
    body = _refused(response, "")
    assert "Choose a country from the list." in body or "control characters" in body


def test_missing_fields_are_not_a_server_error(client, signed_in):
    response = post_form(client, "/employers/new", {})
    _refused(response, "Enter the employer's name.")


def test_post_without_csrf_token_is_refused(client, signed_in):
    response = client.post("/employers/new", data={"name": "Zebrafish Trading"})
    assert response.status_code == 400
    assert "security token" in page_text(response)
    assert employer_count() == 0


def test_post_with_a_forged_csrf_token_is_refused(client, signed_in):
    response = client.post(
        "/employers/new", data={"name": "Zebrafish Trading", "csrf_token": "forged.token"}
    )
    assert response.status_code == 400
    assert employer_count() == 0


def test_ten_megabyte_body_is_refused(client, signed_in):
    response = client.post(
        "/employers/new",
        data=b"name=" + b"x" * (10 * 1024 * 1024),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 413
    assert employer_count() == 0


def test_adding_employers_is_rate_limited(app_factory, password):
    app = app_factory(RATELIMIT_EMPLOYER_CREATE="2 per hour")
    client = app.test_client()
    UserFactory(email="busy@example.org", password=password, verified=True)
    post_form(client, "/sign-in", {"email": "busy@example.org", "password": password})
    statuses = [
        post_form(client, "/employers/new", {"name": f"Zebrafish {word}"}).status_code
        for word in ["Trading", "Bakery", "Foundry"]
    ]
    assert statuses == [302, 302, 429]
    assert client.get("/employers/new").status_code == 200  # only POSTs count


def test_the_default_rate_limit_is_ten_an_hour(app_factory, password):
    from config import Config
    from tests.conftest import Auth

    assert Config.RATELIMIT_EMPLOYER_CREATE == "10 per hour"
    app = app_factory(RATELIMIT_EMPLOYER_CREATE=Config.RATELIMIT_EMPLOYER_CREATE)
    client = app.test_client()
    UserFactory(email="limited@example.org", password=password, verified=True)
    Auth(client, None).sign_in("limited@example.org", password)
    statuses = [post_form(client, "/employers/new", {"name": ""}).status_code for _ in range(11)]
    assert statuses == [422] * 10 + [429]


# --- adding an employer: duplicates ------------------------------------------------------------


@pytest.mark.parametrize("name", ["ACME, Inc.", "acme", "Acme Corp.", "  ACME   CORPORATION "])
def test_the_same_name_after_normalising_goes_to_the_existing_employer(
    client, signed_in, acme, name
):
    response = post_form(client, "/employers/new", {"name": name, "different": "y"})
    assert response.status_code == 422
    body = page_text(response)
    assert "Acme Corporation is already on HeardBack" in body
    assert 'href="/reviews/new?employer=acme-corporation"' in body
    # Not even "it's a different one" creates an exact duplicate.
    assert "No, this is a different employer" not in body
    assert employer_count() == 1


def test_an_alias_counts_as_the_same_name(client, signed_in, acme):
    EmployerAliasFactory(employer_id=acme.id, name="Acme Rockets", normalized_name="acme rockets")
    response = post_form(client, "/employers/new", {"name": "ACME Rockets Ltd"})
    assert response.status_code == 422
    assert "Acme Corporation is already on HeardBack" in page_text(response)
    assert employer_count() == 1


def test_the_duplicate_is_shown_even_while_another_field_needs_fixing(client, signed_in, acme):
    response = post_form(client, "/employers/new", {"name": "ACME Inc", "website": "gmail.com"})
    body = page_text(response)
    assert "Acme Corporation is already on HeardBack" in body
    assert "free email provider" in body


def test_a_near_duplicate_asks_did_you_mean_then_allows_a_different_one(client, signed_in):
    listed_employer("Quibblewick Widgets", country="GB")
    db.session.commit()
    data = {"name": "Quiblewick Widgets", "website": "quiblewick.example", "industry": "media"}
    response = post_form(client, "/employers/new", data)
    assert response.status_code == 422
    body = page_text(response)
    assert "Did you mean this employer?" in body
    assert 'href="/reviews/new?employer=quibblewick-widgets"' in body
    assert "United Kingdom" in body
    assert "No, this is a different employer" in body
    assert 'value="quiblewick.example"' in body
    assert '<option selected value="media">' in body
    assert employer_count() == 1

    response = post_form(client, "/employers/new", {**data, "different": "y"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/reviews/new?employer=quiblewick-widgets"
    assert employer_count() == 2


def test_a_merely_similar_name_is_added_without_asking(client, signed_in, acme):
    response = post_form(client, "/employers/new", {"name": "Acme Widgets"})
    assert response.status_code == 302
    assert employer_count() == 2


def test_a_name_added_by_someone_else_meanwhile_shows_theirs(client, signed_in, monkeypatch):
    """Both checked "no such employer" at once; the unique constraint stops the second, who is
    sent to the one added a moment ago: unlisted (§5.8), it is answered as if they had added it
    (tests/functional/test_unlisted_employers.py)."""
    real_find = services.find_by_name
    calls = []

    def find_after_a_moment(name):
        calls.append(name)
        if len(calls) == 1:
            services.create_employer("Zebrafish Trading Ltd")
            db.session.commit()
            return None
        return real_find(name)

    monkeypatch.setattr(services, "find_by_name", find_after_a_moment)
    monkeypatch.setattr("employers.matching.suggest", lambda *args, **kwargs: [])
    response = post_form(client, "/employers/new", {"name": "Zebrafish Trading"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/reviews/new?employer=zebrafish-trading-ltd"
    assert "Zebrafish Trading Ltd is added" in page_text(client.get(response.headers["Location"]))
    assert employer_count() == 1


def test_the_choice_page_and_the_json_agree(client, signed_in, acme):
    body = page_text(client.get("/reviews/new/employer?q=acme"))
    data = json.loads(client.get("/employers/suggest?q=acme").get_data(as_text=True))
    for result in data["results"]:
        assert f'href="{result["review_url"]}"' in body
