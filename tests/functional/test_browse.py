"""Browsing: employer search filters and sorts, an employer's reviews, the rankings, the home page.

Each page runs a fixed number of SQL queries whatever the amount of data, ignores hostile query
strings politely (never a 500), and shows only what DESIGN.md §5 and §6 allow: scores once shown,
coarse stages at small employers, months rather than dates, no author.
"""

from __future__ import annotations

import itertools
import re
from datetime import date, datetime, timedelta

import pytest

from employers import browse
from employers.models import Industry, SizeBand
from extensions import db
from reviews.models import HoldReason, Outcome, ReviewStatus, Stage
from scoring import params
from tests.conftest import page_text
from tests.factories import (
    EmployerAliasFactory,
    EmployerFactory,
    ReviewFactory,
    SiteParametersFactory,
    UserFactory,
)
from tests.helpers import queries_for_get
from timeutils import month_start

NOT_SHOWN = "no estimate yet"


def employer(name: str, **fields):
    """An employer with its statistics row set to `fields` that belong to EmployerStats."""
    stats_fields = {
        key: fields.pop(key)
        for key in list(fields)
        if key
        in (
            "review_count",
            "author_count",
            "weight_sum",
            "score",
            "score_sd",
            "scored_reviews",
            "scored_authors",
            "spread_days",
            "established_authors",
            "latest_published_at",
        )
    }
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    made = EmployerFactory(name=name, slug=slug, **fields)
    for key, value in stats_fields.items():
        setattr(made.stats, key, value)
    db.session.commit()
    return made


def scored(name: str, score: float, *, n: float = 12.0, sd: float = 4.0, spread: int = 200, **kw):
    """An employer whose score is shown (3+ counted reviews from 3+ accounts), all of them
    established accounts unless `established_authors` says otherwise."""
    count = kw.pop("review_count", max(int(n), 3))
    kw.setdefault("established_authors", count)
    return employer(
        name,
        score=score,
        score_sd=sd,
        weight_sum=n,
        scored_reviews=count,
        scored_authors=count,
        author_count=count,
        review_count=count,
        spread_days=spread,
        **kw,
    )


def order_of(body: str, *names: str) -> list[str]:
    """The names, in the order the page shows them (each must be there)."""
    positions = {name: body.index(name) for name in names}
    return sorted(names, key=positions.__getitem__)


# --- /employers: filters, sorts, pagination ------------------------------------------------------


def test_filters_narrow_by_industry_country_and_size(client):
    employer("Alpha Software", industry=Industry.software, country="GB", size_band=SizeBand.small)
    employer("Beta Bank", industry=Industry.finance, country="GB", size_band=SizeBand.small)
    employer("Gamma Software", industry=Industry.software, country="DE", size_band=SizeBand.small)
    employer("Delta Software", industry=Industry.software, country="GB", size_band=SizeBand.large)

    body = page_text(client.get("/employers?industry=software"))
    assert "Alpha Software" in body and "Gamma Software" in body and "Beta Bank" not in body

    body = page_text(client.get("/employers?industry=software&country=gb"))
    assert "Alpha Software" in body and "Delta Software" in body
    assert "Gamma Software" not in body and "Beta Bank" not in body

    body = page_text(client.get("/employers?industry=software&country=GB&size=small"))
    assert "Alpha Software" in body
    assert not any(name in body for name in ("Beta Bank", "Gamma Software", "Delta Software"))
    # The form shows the filters in force, and a way out of them.
    assert '<option value="software" selected>' in body
    assert '<option value="GB" selected>' in body
    assert '<option value="small" selected>' in body
    assert "Clear search and filters" in body


def test_filters_combine_with_the_name_search(client):
    employer("Alpha Software", industry=Industry.software)
    employer("Alpha Bank", industry=Industry.finance)
    body = page_text(client.get("/employers?q=alpha&industry=finance"))
    assert "Alpha Bank" in body and "Alpha Software" not in body


def test_every_filter_has_a_label(client):
    body = page_text(client.get("/employers"))
    for control in ("employer-search", "filter-industry", "filter-country", "filter-size"):
        assert f'<label for="{control}">' in body and f'id="{control}"' in body
    assert '<label for="filter-sort">' in body


def test_sort_by_score_puts_shown_scores_first_highest_first(client):
    scored("Middling Co", 55)
    scored("Top Co", 91)
    scored("Bottom Co", 12)
    # A high score that isn't shown (2 accounts) must not rank, nor show, nor leak by its order.
    employer(
        "Hidden High Co",
        score=99,
        score_sd=3,
        weight_sum=9,
        scored_reviews=3,
        scored_authors=2,
        review_count=40,
    )
    employer(
        "Hidden Low Co",
        score=4,
        score_sd=3,
        weight_sum=9,
        scored_reviews=2,
        scored_authors=2,
        review_count=50,
    )
    employer("Empty Co", review_count=0)
    body = page_text(client.get("/employers?sort=score"))
    # Unshown scores come last, by number of reports, whatever their stored score.
    names = ("Top Co", "Middling Co", "Bottom Co", "Hidden Low Co", "Hidden High Co", "Empty Co")
    assert order_of(body, *names) == list(names)
    assert "99" not in body
    hidden_row = body[body.index("Hidden Low Co") : body.index("Empty Co")]
    assert NOT_SHOWN in hidden_row
    top_row = body[body.index("Top Co") : body.index("Middling Co")]
    assert "91" in top_row and "Responsive" in top_row and NOT_SHOWN not in top_row


def test_sort_by_reviews_is_the_default(client):
    employer("Few Reports", review_count=2)
    employer("Many Reports", review_count=30)
    employer("Some Reports", review_count=9)
    for url in ("/employers", "/employers?sort=reviews"):
        body = page_text(client.get(url))
        assert order_of(body, "Few Reports", "Many Reports", "Some Reports") == [
            "Many Reports",
            "Some Reports",
            "Few Reports",
        ]
    assert "30 reports" in body and "2 reports" in body


def test_sort_by_recent_puts_employers_without_reports_last(client):
    now = datetime(2026, 1, 20, 12, 0)
    employer("Never Reviewed", review_count=50)
    employer("Old News", review_count=5, latest_published_at=now - timedelta(days=300))
    employer("Fresh News", review_count=1, latest_published_at=now)
    body = page_text(client.get("/employers?sort=recent"))
    assert order_of(body, "Never Reviewed", "Old News", "Fresh News") == [
        "Fresh News",
        "Old News",
        "Never Reviewed",
    ]


def test_pagination_keeps_every_filter(client):
    for number in range(25):
        scored(f"Paged Software {number:02d}", 40 + number, industry=Industry.software)
    employer("Paged Bank", industry=Industry.finance)
    first = page_text(client.get("/employers?q=paged&industry=software&country=GB&sort=score"))
    assert "page 1 of 2" in first and "Paged Bank" not in first
    # Highest score first: 24 (score 64) down to 05 (score 45) on the first page.
    assert "Paged Software 24" in first and "Paged Software 04" not in first
    link = re.search(r'href="([^"]+)" rel="next"', first).group(1)
    for expected in ("q=paged", "industry=software", "country=GB", "sort=score", "page=2"):
        assert expected in link
    second = page_text(client.get(link.replace("&amp;", "&")))
    assert "page 2 of 2" in second and "Paged Bank" not in second
    assert "Paged Software 04" in second and "Paged Software 00" in second
    assert "Paged Software 24" not in second
    previous = re.search(r'href="([^"]+)" rel="prev"', second).group(1)
    assert "industry=software" in previous and "sort=score" in previous


HOSTILE_SEARCHES = {
    "script industry": ("industry=<script>alert(1)</script>", "didn't recognise the industry"),
    "negative page": ("page=-5", "page number"),
    "text page": ("page=abc", "page number"),
    "huge page": ("page=99999999999999999999999", "page number"),
    "unicode digit page": ("page=\u0663", "page number"),
    "sql sort": ("sort=drop table employers", "didn't recognise the sort order"),
    "unknown country": ("country=ZZZ", "didn't recognise the country"),
    "unknown size": ("size=gigantic", "didn't recognise the employer size"),
    "long industry": ("industry=" + "software" * 500, "didn't recognise the industry"),
    "long query": ("q=" + "acme " * 4000, None),
    "nul in query": ("q=ac%00me", None),
    "repeated filters": ("industry=software&industry=<b>&sort=score&sort=x", None),
}


@pytest.mark.parametrize("case", HOSTILE_SEARCHES)
def test_hostile_search_values_are_ignored_politely(client, case):
    query, note = HOSTILE_SEARCHES[case]
    employer("Acme Widgets", industry=Industry.software)
    response = client.get(f"/employers?{query}")
    assert response.status_code == 200
    body = page_text(response)
    if note:
        assert note in body
        assert "Acme Widgets" in body  # the other filters (none) still apply
    assert "<script>alert" not in body
    assert "<b>" not in body


def test_a_page_past_the_end_says_so(client):
    employer("Acme Widgets")
    body = page_text(client.get("/employers?page=7"))
    assert "There is no page 7" in body and "Go to the first page" in body


def test_no_match_with_filters_offers_the_search_without_them(client):
    employer("Acme Widgets", industry=Industry.software)
    body = page_text(client.get("/employers?q=acme+widgets&industry=finance"))
    assert "No employer matches “acme widgets” with these filters" in body
    assert "search without the filters" in body
    assert "Acme Widgets</a>" not in body


def test_typo_suggestions_respect_the_filters(client):
    employer("Quibblewick Widgets", industry=Industry.software)
    employer("Quibblewick Widgetry", industry=Industry.finance)
    body = page_text(client.get("/employers?q=quiblewik+widgts&industry=finance"))
    assert "Did you mean one of these?" in body
    assert "Quibblewick Widgetry" in body and "Quibblewick Widgets<" not in body


def test_empty_site_reads_well(client):
    body = page_text(client.get("/employers"))
    assert "No employers yet" in body
    body = page_text(client.get("/employers?industry=energy"))
    assert "No employer fits these filters yet" in body


# --- /employers/<slug>/reviews --------------------------------------------------------------------


def reviews_of(made, count: int, story: str | None = None, **fields):
    """`count` published reviews, each published an hour after the one before, with narratives
    `story` formatted with their number; the stats row counts them."""
    start = datetime(2025, 1, 1, 9, 0) + timedelta(days=made.stats.review_count or 0)
    for number in range(count):
        ReviewFactory(
            employer_id=made.id,
            published_at=start + timedelta(hours=number),
            narrative=story.format(n=number) if story else None,
            **fields,
        )
    made.stats.review_count = (made.stats.review_count or 0) + count
    db.session.commit()


def test_reviews_page_lists_published_reviews_newest_first_twenty_a_page(client):
    made = employer("Acme Widgets")
    reviews_of(made, 23, "Report number {n:02d}.")
    ReviewFactory(
        employer_id=made.id,
        status=ReviewStatus.held,
        hold_reason=HoldReason.suspected_name,
        narrative="Held back report.",
    )
    ReviewFactory(
        employer_id=made.id,
        status=ReviewStatus.scheduled,
        publish_at=datetime(2030, 1, 1),
        narrative="Scheduled report.",
    )
    db.session.commit()
    first = page_text(client.get(f"/employers/{made.slug}/reviews"))
    assert "23 reports, page 1 of 2" in first
    assert first.count('<article class="review-card') == 20
    assert order_of(first, "Report number 22.", "Report number 10.", "Report number 03.") == [
        "Report number 22.",
        "Report number 10.",
        "Report number 03.",
    ]
    assert "Report number 02." not in first
    second = page_text(client.get(f"/employers/{made.slug}/reviews?page=2"))
    assert second.count('<article class="review-card') == 3
    assert "Report number 02." in second and "Report number 00." in second
    assert "Held back" not in first + second and "Scheduled report" not in first + second


def test_reviews_filters_by_outcome_stage_and_period(client):
    made = employer("Acme Widgets")
    today = date.today()
    recent_contact = today - timedelta(days=20)
    old_contact = month_start(today - timedelta(days=900)) + timedelta(days=3)
    reviews_of(
        made,
        3,
        outcome=Outcome.ghosted,
        stage=Stage.final,
        story="Ghosted at the final.",
        process_month=month_start(recent_contact),
        last_contact_on=recent_contact,
    )
    reviews_of(
        made,
        3,
        outcome=Outcome.rejected,
        decision_days=4,
        stage=Stage.screen,
        story="Rejected after screening.",
        process_month=month_start(old_contact),
        last_contact_on=old_contact,
    )
    url = f"/employers/{made.slug}/reviews"

    body = page_text(client.get(f"{url}?outcome=ghosted"))
    assert "3 reports match" in body and "Rejected after screening" not in body
    body = page_text(client.get(f"{url}?stage=screen"))
    assert "Rejected after screening" in body and "Ghosted at the final" not in body
    body = page_text(client.get(f"{url}?period=12m"))
    assert "Ghosted at the final" in body and "Rejected after screening" not in body
    body = page_text(client.get(f"{url}?period=older"))
    assert "Rejected after screening" in body and "Ghosted at the final" not in body
    body = page_text(client.get(f"{url}?period=older&outcome=ghosted"))
    assert "No reports match" in body and "No report fits these filters" in body


def test_reviews_pagination_keeps_filters(client):
    made = employer("Acme Widgets")
    reviews_of(made, 22, outcome=Outcome.ghosted, stage=Stage.final)
    reviews_of(made, 5, outcome=Outcome.waiting, stage=Stage.final)
    body = page_text(client.get(f"/employers/{made.slug}/reviews?outcome=ghosted&stage=final"))
    assert "22 reports match, page 1 of 2" in body
    link = re.search(r'href="([^"]+)" rel="next"', body).group(1).replace("&amp;", "&")
    assert "outcome=ghosted" in link and "stage=final" in link and "page=2" in link
    second = page_text(client.get(link))
    assert second.count('<article class="review-card') == 2
    assert "outcome-waiting" not in second


def test_period_filter_works_in_whole_months():
    assert browse.months_back(date(2026, 3, 31), 12) == date(2025, 3, 1)
    assert browse.months_back(date(2026, 1, 5), 1) == date(2025, 12, 1)
    assert browse.period_cutoff(date(2026, 3, 15)) == date(2025, 3, 1)


def test_small_employer_offers_only_coarse_stages(client):
    made = employer("Tiny Startup")
    reviews_of(made, 2, "Late stage story.", stage=Stage.final)
    reviews_of(made, 2, "Early stage story.", stage=Stage.applied)
    url = f"/employers/{made.slug}/reviews"
    body = page_text(client.get(url))
    start = body.index('id="filter-stage"')
    stage_select = body[start : body.index("</select>", start)]
    assert 'value="early"' in stage_select and 'value="interviewed"' in stage_select
    assert 'value="final"' not in stage_select and 'value="screen"' not in stage_select
    assert "Final round" not in body  # cards are coarse too

    # An exact stage would narrow the list to what the cards hide: it is ignored, with a note.
    body = page_text(client.get(f"{url}?stage=final"))
    assert "stages are grouped" in body
    assert "Late stage story" in body and "Early stage story" in body
    assert "4 reports" in body

    body = page_text(client.get(f"{url}?stage=interviewed"))
    assert "Late stage story" in body and "Early stage story" not in body
    body = page_text(client.get(f"{url}?stage=early"))
    assert "Early stage story" in body and "Late stage story" not in body


def test_larger_employer_offers_exact_stages(client):
    made = employer("Big Corp")
    reviews_of(made, 5, "Late stage story.", stage=Stage.final)
    reviews_of(made, 1, "References story.", stage=Stage.references)
    body = page_text(client.get(f"/employers/{made.slug}/reviews?stage=final"))
    assert '<option value="final" selected>' in body and 'value="early"' not in body
    assert "Late stage story" in body and "References story" not in body
    assert "stages are grouped" not in body


@pytest.mark.parametrize(
    "query",
    [
        "stage=<script>x</script>",
        "outcome=drop table",
        "period=forever",
        "page=-1",
        "page=abc",
        "stage=" + "final" * 300,
        "outcome=ghosted&outcome=<i>",
    ],
)
def test_hostile_review_filters_are_ignored_politely(client, query):
    made = employer("Acme Widgets")
    reviews_of(made, 6, "Some story.")
    response = client.get(f"/employers/{made.slug}/reviews?{query}")
    assert response.status_code == 200
    body = page_text(response)
    assert "Some story." in body
    assert "<script>x" not in body and "<i>" not in body


def test_reviews_page_unknown_slug_and_old_slug(client):
    made = employer("Acme Widgets")
    EmployerAliasFactory(
        employer_id=made.id, name="Old Acme", normalized_name="old acme", slug="old-acme"
    )
    assert client.get("/employers/nobody-here/reviews").status_code == 404
    response = client.get("/employers/old-acme/reviews?outcome=ghosted")
    assert response.status_code == 301
    assert response.headers["Location"] == "/employers/acme-widgets/reviews?outcome=ghosted"


def test_reviews_page_shows_months_and_no_author(client):
    author = UserFactory(email="hermione.zanzibar@example.org")
    made = employer("Acme Widgets")
    contact = date.today() - timedelta(days=45)
    review = ReviewFactory(
        employer_id=made.id,
        author=author,
        last_contact_on=contact,
        process_month=month_start(contact),
        narrative="They never called back.",
    )
    made.stats.review_count = 1
    db.session.commit()
    for url in (f"/employers/{made.slug}/reviews", "/"):
        body = page_text(client.get(url))
        assert "They never called back." in body
        assert "hermione" not in body and "zanzibar" not in body
        assert contact.isoformat() not in body
        assert review.published_at.strftime("%Y-%m-%d") not in body
        assert contact.strftime("%B %Y") in body  # the month is what's shown


def test_employer_page_links_to_all_reports_beyond_five(client):
    made = employer("Acme Widgets")
    reviews_of(made, 5)
    body = page_text(client.get(f"/employers/{made.slug}"))
    assert f"/employers/{made.slug}/reviews" not in body
    reviews_of(made, 1)
    body = page_text(client.get(f"/employers/{made.slug}"))
    assert f'<a href="/employers/{made.slug}/reviews">All 6 reports</a>' in body


# --- /rankings -----------------------------------------------------------------------------------


def test_most_responsive_boundaries_and_order(client):
    scored("Just Enough Weight", 80, n=5.0, spread=30)
    scored("Short Of Weight", 95, n=4.9, spread=400)
    scored("Too Bunched", 95, n=20, spread=29)
    scored("Best Of All", 90, n=8, spread=100)
    scored("Tied Fewer", 70, n=6, spread=100)
    scored("Tied More", 70, n=9, spread=100)
    employer(  # a score that isn't shown (2 accounts) is never ranked
        "Unshown Score",
        score=99,
        score_sd=2,
        weight_sum=30,
        spread_days=300,
        scored_reviews=30,
        scored_authors=2,
        review_count=30,
    )
    few = params.MIN_ESTABLISHED_AUTHORS_LISTS - 1
    scored("Fresh Accounts Only", 99, n=30, spread=300, established_authors=few)
    most = [row.employer.name for row in browse.most_responsive()]
    assert most == ["Best Of All", "Just Enough Weight", "Tied More", "Tied Fewer"]
    body = page_text(client.get("/rankings"))
    section = body[body.index('id="most-heading"') : body.index('id="least-heading"')]
    assert order_of(section, *most) == most
    for absent in ("Short Of Weight", "Too Bunched", "Unshown Score"):
        assert absent not in section


def test_least_responsive_boundaries_and_order(client):
    scored("Ten Reviews", 30, sd=5, n=10.0)
    scored("Nearly Ten", 5, sd=1, n=9.9)
    scored("Sure Bad", 20, sd=2, n=40)  # 22
    scored("Unsure Bad", 10, sd=15, n=12)  # 25: the benefit of the doubt puts it after
    scored("Tie Fewer", 28, sd=2, n=11)  # 30, ties with "Tie More"
    scored("Tie More", 27, sd=3, n=15)  # 30
    employer(
        "Unshown Low",
        score=1,
        score_sd=1,
        weight_sum=30,
        spread_days=300,
        scored_reviews=2,
        scored_authors=2,
        review_count=30,
    )
    # A smear campaign by fresh accounts can't put a good employer on the list either.
    few = params.MIN_ESTABLISHED_AUTHORS_LISTS - 1
    scored("Smeared By Fresh Accounts", 1, n=40, established_authors=few)
    least = [row.employer.name for row in browse.least_responsive()]
    assert least == ["Sure Bad", "Unsure Bad", "Tie More", "Tie Fewer", "Ten Reviews"]
    body = page_text(client.get("/rankings"))
    section = body[body.index('id="least-heading"') :]
    assert order_of(section, *least) == least
    assert "Nearly Ten" not in section and "Unshown Low" not in section


def test_lists_leave_out_employers_within_reach_of_the_site_mean(client, monkeypatch):
    # μ = 0.6: the site's mean score is 60; the margin is 1.5 SD.
    monkeypatch.setattr(params, "LIST_MARGIN_SD", 1.5)
    SiteParametersFactory(mu=0.6)
    scored("Clearly Good", 75, sd=5)  # 75 - 7.5 = 67.5 > 60
    scored("Good But Unsure", 66, sd=7)  # 55.5: could be average
    scored("Good Within Reach", 66, sd=5)  # 58.5 (one SD alone would give 61)
    scored("Clearly Bad", 40, sd=5)  # 47.5 < 60
    scored("Bad But Unsure", 52, sd=9)  # 65.5: could be average
    scored("Bad Within Reach", 54, sd=5)  # 61.5 (one SD alone would give 59)
    scored("Responsive", 94, sd=2)  # never "least responsive", however short the list
    most = [row.employer.name for row in browse.most_responsive()]
    least = [row.employer.name for row in browse.least_responsive()]
    assert most == ["Responsive", "Clearly Good"]
    assert least == ["Clearly Bad"]
    # With a margin of one SD, the two within reach come in: the margin is what keeps them out.
    monkeypatch.setattr(params, "LIST_MARGIN_SD", 1.0)
    most = [row.employer.name for row in browse.most_responsive()]
    least = [row.employer.name for row in browse.least_responsive()]
    assert most == ["Responsive", "Clearly Good", "Good Within Reach"]
    assert least == ["Clearly Bad", "Bad Within Reach"]


def test_rankings_per_industry(client):
    scored("Soft Good", 90, industry=Industry.software)
    scored("Bank Good", 85, industry=Industry.finance)
    body = page_text(client.get("/rankings?industry=finance"))
    assert "Bank Good" in body and "Soft Good" not in body
    assert "Most responsive in Finance & insurance" in body
    assert '<option value="finance" selected>' in body
    body = page_text(client.get("/rankings"))
    assert "Bank Good" in body and "Soft Good" in body


def test_rankings_explain_themselves_accessibly(client):
    scored("Soft Good", 90)
    body = page_text(client.get("/rankings"))
    assert "How these lists are made" in body and 'href="/methodology"' in body
    assert "at least 5 full reports" in body and "at least 30 days" in body
    assert "at least 10 full reports" in body
    assert "<caption" in body and '<th scope="col">' in body and '<th scope="row">' in body
    assert '<label for="rankings-industry">' in body
    headings = re.findall(r"<h(\d)", body[body.index("<main") :])
    assert headings[0] == "1" and all(int(b) - int(a) <= 1 for a, b in itertools.pairwise(headings))


@pytest.mark.parametrize(
    "query", ["industry=<script>", "industry=" + "x" * 5000, "industry=software%00"]
)
def test_rankings_ignore_unknown_industries(client, query):
    scored("Soft Good", 90)
    response = client.get(f"/rankings?{query}")
    assert response.status_code == 200
    body = page_text(response)
    assert "didn't recognise the industry" in body and "Soft Good" in body
    assert "<script>" not in body


def test_rankings_empty_state(client):
    body = page_text(client.get("/rankings"))
    assert body.count("has enough reports for this list yet") == 2
    assert "<table" not in body


# --- home page ----------------------------------------------------------------------------------


def test_home_on_a_brand_new_site(client):
    body = page_text(client.get("/"))
    assert "No reports yet. Yours could be the first." in body
    assert "No employer has enough reports to be ranked yet" in body
    assert "No reports are published yet" in body
    assert 'href="/rankings"' in body


def test_home_lists_top_five_each_and_recent_reports(client):
    for number in range(7):
        scored(f"Good Employer {number}", 80 + number, n=12)
    for number in range(7):
        scored(f"Poor Employer {number}", 10 + number, n=12)
    body = page_text(client.get("/"))
    most = body[body.index('id="most-heading"') : body.index('id="least-heading"')]
    assert order_of(most, *(f"Good Employer {n}" for n in (6, 5, 4, 3, 2))) == [
        f"Good Employer {n}" for n in (6, 5, 4, 3, 2)
    ]
    assert "Good Employer 1" not in most
    least = body[body.index('id="least-heading"') : body.index('id="recent-heading"')]
    assert order_of(least, *(f"Poor Employer {n}" for n in range(5))) == [
        f"Poor Employer {n}" for n in range(5)
    ]
    assert "Poor Employer 5" not in least


def test_home_recent_reports_are_the_five_newest_site_wide(client):
    first = employer("First Employer")
    second = employer("Second Employer")
    start = datetime(2025, 6, 1, 9, 0)
    for number in range(6):
        ReviewFactory(
            employer_id=(first if number % 2 else second).id,
            published_at=start + timedelta(days=number),
            narrative=f"Site-wide story {number}.",
        )
    ReviewFactory(
        employer_id=first.id,
        status=ReviewStatus.scheduled,
        publish_at=datetime(2030, 1, 1),
        narrative="Not yet public.",
    )
    body = page_text(client.get("/"))
    recent = body[body.index('id="recent-heading"') :]
    stories = [f"Site-wide story {number}." for number in (5, 4, 3, 2, 1)]
    assert order_of(recent, *stories) == stories
    assert "Site-wide story 0." not in recent and "Not yet public" not in recent
    assert f'href="/employers/{first.slug}">First Employer</a>' in recent
    assert f'href="/employers/{second.slug}">Second Employer</a>' in recent


def test_site_navigation_links_to_rankings(client):
    body = page_text(client.get("/employers"))
    assert 'href="/rankings"' in body
    assert 'href="/rankings" aria-current="page"' in page_text(client.get("/rankings"))


# --- a fixed number of queries -----------------------------------------------------------------


def _grow(count: int) -> None:
    for _ in range(count):
        made = EmployerFactory()
        for key, value in dict(
            score=60.0,
            score_sd=4.0,
            weight_sum=12.0,
            scored_reviews=12,
            scored_authors=12,
            review_count=12,
            spread_days=100,
            latest_published_at=datetime(2025, 5, 1),
        ).items():
            setattr(made.stats, key, value)
        ReviewFactory(employer_id=made.id)
    db.session.commit()


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/rankings",
        "/rankings?industry=software",
        "/employers?sort=score&industry=software&country=GB",
        "/employers?sort=recent",
        "/employers?q=quibblewick&page=2",
    ],
)
def test_browse_pages_run_a_fixed_number_of_queries(client, query_counter, url):
    _grow(1)
    few = queries_for_get(query_counter, client, url)
    _grow(30)
    many = queries_for_get(query_counter, client, url)
    assert many == few, f"{url}: {few} queries with 1 employer, {many} with 31"


def test_reviews_page_runs_a_fixed_number_of_queries(client, query_counter):
    made = employer("Acme Widgets")
    reviews_of(made, 1)
    url = f"/employers/{made.slug}/reviews?period=12m&outcome=ghosted"
    few = queries_for_get(query_counter, client, url)
    reviews_of(
        made,
        40,
        last_contact_on=date.today() - timedelta(days=10),
        process_month=month_start(date.today() - timedelta(days=10)),
    )
    many = queries_for_get(query_counter, client, url)
    assert many == few, f"{few} queries with 1 review, {many} with 41"


def test_lists_show_the_chance_of_hearing_back_as_a_percentage(client):
    """The figure candidates see is a chance of hearing back, never a score "/ 100": a chance is
    what answers their question (DESIGN.md §6)."""
    scored("Answering Works", 83.4, n=12)
    scored("Silent Works", 12.2, n=12)
    pages = {
        "search": page_text(client.get("/employers?sort=score")),
        "rankings": page_text(client.get("/rankings")),
        "home": page_text(client.get("/")),
    }
    for name, body in pages.items():
        assert "/ 100" not in body, name
        assert "<strong>83%</strong>" in body and "<strong>12%</strong>" in body, name
    assert '83%</strong><span class="meta"> hear back' in pages["search"]
    assert '83%</strong><span class="meta"> hear back' in pages["home"]
    assert "Chance of hearing back" in pages["rankings"]
    assert "estimated chance that a candidate hears back" in pages["rankings"]
    assert "Most likely to hear back" in pages["search"]  # the sort option


def test_the_rankings_page_states_the_lists_margin(client):
    text = " ".join(page_text(client.get("/rankings")).split())
    margin = f"{params.LIST_MARGIN_SD:g}"
    assert f"(the chance minus {margin} times the “±” figure) is still above" in text
    assert f"even its chance plus {margin} times the “±” figure is below the site-wide" in text


def test_a_name_search_on_sqlite_scans_for_the_name_not_the_listed_index(app):
    """With the planner's statistics (ANALYZE, which demo-data runs), SQLite answered a name
    search by reading every listed employer through ix_employers_listed_at, each row looked up
    out of order: 170 ms at 50,000 employers against 27 ms for a scan (issue 19)."""
    from sqlalchemy import event, text

    from employers.services import create_employer

    for number in range(300):
        made = create_employer(f"Plan Test {number:03d} Holdings")
        made.listed_at = made.created_at
    db.session.execute(text("ANALYZE"))
    # The statistics of the 1M data set's 50,000 employers, as ANALYZE wrote them there (an
    # application may set sqlite_stat1; ANALYZE sqlite_schema makes the planner read it again).
    db.session.execute(text("DELETE FROM sqlite_stat1 WHERE tbl = 'employers'"))
    db.session.execute(
        text(
            "INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES"
            " ('employers', 'ix_employers_listed_at', '50000 1'),"
            " ('employers', 'sqlite_autoindex_employers_1', '50000 1'),"
            " ('employers', 'sqlite_autoindex_employers_2', '50000 1')"
        )
    )
    db.session.execute(text("ANALYZE sqlite_schema"))
    db.session.commit()
    captured = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        captured.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", keep)
    try:
        filters, _ = browse.search_filters({"q": "test 042"})
        found = browse.search(filters)
    finally:
        event.remove(db.engine, "before_cursor_execute", keep)
    assert [row.employer.name for row in found.rows] == ["Plan Test 042 Holdings"]
    plans = [
        " ".join(
            str(row[-1])
            for row in db.session.connection().exec_driver_sql(
                f"EXPLAIN QUERY PLAN {statement}", parameters
            )
        )
        for statement, parameters in captured
        if statement.lstrip().startswith("SELECT")
    ]
    assert len(plans) == 2  # the page and its count
    for plan in plans:
        assert "ix_employers_listed_at" not in plan, plan
