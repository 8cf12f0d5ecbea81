"""The employer page (DESIGN.md §9): score, side figures, what to expect, schema.org markup, and the
small-count and anonymity rules of DESIGN.md §5 at 0, 2, 15 and many reviews."""

# The page's ranges and formulas use en dashes and minus signs as a reader sees them.
# ruff: noqa: RUF001

from __future__ import annotations

import math
import re
from datetime import date, timedelta

from employers.models import EmployerStats, Industry
from employers.services import headline as verdict_of
from extensions import db
from reviews.models import Outcome, Stage
from scoring import figures as side
from scoring import params
from scoring.engine import Band
from scoring.stats import current_inputs, recompute, refresh_employer
from tests.conftest import page_text
from tests.factories import (
    EmployerFactory,
    RepresentativeFactory,
    ResponseCommitmentFactory,
    ResponseFactory,
    ReviewFactory,
    UserFactory,
)

TODAY = date.today()


def _review(employer, outcome=Outcome.rejected, stage=Stage.interview, days_ago=20, **extra):
    contact = TODAY - timedelta(days=days_ago)
    if outcome in (Outcome.offer, Outcome.rescinded):
        stage = Stage.offer
    decided = outcome in (
        Outcome.offer,
        Outcome.rejected,
        Outcome.rejected_with_feedback,
        Outcome.rescinded,
    )
    extra.setdefault("decision_days", 6 if decided else None)
    author = extra.pop("author", None) or UserFactory()
    return ReviewFactory(
        author=author,
        employer_id=employer.id,
        outcome=outcome,
        stage=stage,
        process_month=(contact - timedelta(days=5)).replace(day=1),
        last_contact_on=contact,
        **extra,
    )


def visible(response) -> str:
    """What a reader sees: tags dropped, whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", page_text(response)).split())


def _rebuild():
    recompute()
    db.session.commit()


def _page(client, employer):
    response = client.get(f"/employers/{employer.slug}")
    assert response.status_code == 200
    return response


def test_employer_with_no_reviews(client):
    employer = EmployerFactory(name="Emptyvale Works")
    _rebuild()
    response = _page(client, employer)
    text = visible(response)
    assert "No estimate yet" in text
    assert "0 reports so far" in text
    assert "No candidate has reported on Emptyvale Works yet" in text
    assert "The figures" not in text
    assert 'itemprop="aggregateRating"' not in response.text
    assert 'itemtype="https://schema.org/Organization"' in response.text


def test_employer_with_two_reviews_shows_counts_but_no_score_or_breakdowns(client):
    employer = EmployerFactory()
    _review(employer, Outcome.ghosted, stage=Stage.final)
    _review(employer, Outcome.rejected, stage=Stage.final, decision_days=1)
    _rebuild()
    response = _page(client, employer)
    text = visible(response)
    assert "No estimate yet" in text
    assert "2 reports so far (1 heard back, 1 met silence or had to chase an answer)" in text
    assert "hear back" not in text.split("No estimate yet")[0]  # no estimate above it
    assert 'itemprop="aggregateRating"' not in response.text
    # No stage breakdown below five candidates (§5.3), no chart of two cases, no periods.
    assert "Not shown yet: a stage is shown once five different candidates" in text
    assert "Never heard back 1 report" not in text
    assert "Recently and overall" not in text
    assert "Too few reports for a percentage" in text
    # One candidate's exact day count is theirs alone (§5.9): neither the range nor the card.
    assert "One candidate reported a decision, within 7 days after their last contact." in text
    assert "after 1 day" not in text
    assert "Decision within a week of last contact" in text
    # Stages on the cards are coarsened at fewer than five reviews (§5.3).
    assert "Final round" not in text
    assert "Interviewed" in text


def test_employer_with_fifteen_reviews(client):
    employer = EmployerFactory(name="Fifteen Forge")
    for i in range(15):
        outcome = [Outcome.rejected, Outcome.ghosted, Outcome.rejected_with_feedback][i % 3]
        days = None if outcome is Outcome.ghosted else 3 + i
        _review(employer, outcome, stage=Stage.interview, decision_days=days)
    _rebuild()
    stats = db.session.get(EmployerStats, employer.id)
    response = _page(client, employer)
    text = visible(response)

    # The headline: the chance of hearing back in words, its interval, the band, the counts.
    shown = round(stats.score)
    found = stats.figures["headline"]
    assert (found["heard"], found["silent"], found["open"]) == (10, 5, 0)
    interval = f"80% interval {round(found['low'])}–{round(found['high'])}%"
    assert f"About {shown}% of candidates hear back {interval} Mixed" in text
    assert "10 of 15 candidates heard back; 5 met silence or had to chase an answer." in text
    assert "How long it takes: half of the candidates had a decision within" in text
    # No score out of 100, and no AggregateRating: a modelled chance is not a star rating.
    assert "/ 100" not in text and "aggregateRating" not in response.text
    # Heard back: the plain 10 of 15 with its Wilson interval, never the shrunk rate.
    hear_back = stats.figures["hear_back"]
    assert hear_back["yes"] == 10 and hear_back["count"] == 15
    assert "Heard back 10 of 15 reports 67% likely 50–80%" in text
    # The interview stage has 15 reviewers: shown, as the plain share with its interval.
    assert "After interviews" in text
    assert "10 of 15 reports heard back (67%; likely 50–80%)" in text
    # Ten decisions: quantiles and what to expect from the employer's own decisions.
    assert "Half of the candidates had a decision within" in text
    assert f"What to expect About {shown}% of candidates hear back. Those who heard back" in text
    assert "from this employer's own decisions" in text
    assert "Last 12 months" in text


def test_stage_cell_with_five_reviews_by_fewer_than_five_accounts_is_not_shown(client):
    employer = EmployerFactory()
    two = [UserFactory(), UserFactory()]
    for i in range(5):
        _review(
            employer,
            Outcome.ghosted,
            stage=Stage.applied,
            author=two[i % 2],
            days_ago=20 + 40 * i,
        )
    _rebuild()
    text = visible(_page(client, employer))
    assert "After applying" not in text
    assert "Not shown yet: a stage is shown once five different candidates" in text


def test_industry_figures_appear_beside_the_employers(client):
    employers = [EmployerFactory(industry=Industry.retail) for _ in range(3)]
    for employer in employers:
        for outcome in (Outcome.rejected, Outcome.ghosted):
            _review(employer, outcome)
    _rebuild()
    text = visible(_page(client, employers[0]))
    assert "Retail & consumer goods: 50%" in text  # 3 of 6 heard back across the industry


def test_industry_figures_from_fewer_than_five_candidates_are_not_shown(client):
    employer = EmployerFactory(industry=Industry.energy)
    _review(employer, Outcome.rejected)
    _review(employer, Outcome.ghosted)
    _rebuild()
    assert "Energy & utilities:" not in visible(_page(client, employer))


def test_scores_shrink_toward_the_industry_mean_once_it_has_enough_employers(app, monkeypatch):
    monkeypatch.setattr(params, "MIN_EMPLOYERS_FOR_INDUSTRY_MU", 2)
    good = [EmployerFactory(industry=Industry.software) for _ in range(2)]
    bad = [EmployerFactory(industry=Industry.media) for _ in range(2)]
    lonely = EmployerFactory(industry=Industry.energy)  # one employer: the site's μ
    for employer in good:
        for _ in range(3):
            _review(employer, Outcome.rejected_with_feedback, decision_days=2)
    for employer in [*bad, lonely]:
        for _ in range(3):
            _review(employer, Outcome.ghosted, stage=Stage.final)
    _rebuild()
    from scoring.stats import current_inputs

    inputs = current_inputs()
    assert inputs.mu_for("software") > inputs.mu > inputs.mu_for("media")
    assert inputs.mu_for("energy") == inputs.mu
    # Same reviews, different industries: the media employer shrinks toward a lower mean
    # than the lone energy one.
    media = db.session.get(EmployerStats, bad[0].id)
    energy = db.session.get(EmployerStats, lonely.id)
    assert media.score < energy.score


def test_page_never_shows_authors_or_exact_dates(client):
    employer = EmployerFactory()
    author = UserFactory(email="zebediah.quillfeather@distinct.example")
    for i in range(6):
        _review(employer, Outcome.rejected, author=author if i == 0 else None, days_ago=33 + i)
    _rebuild()
    body = _page(client, employer).text
    assert "zebediah" not in body.lower()
    assert "quillfeather" not in body.lower()
    assert not re.search(r"\b20\d\d-\d\d-\d\d\b", body)
    contact = TODAY - timedelta(days=33)
    assert contact.strftime("%d %B %Y") not in body


def test_employer_page_query_count_does_not_grow(client, query_counter):
    small, big = EmployerFactory(), EmployerFactory()
    _review(small, Outcome.rejected)
    for i in range(60):
        _review(big, [Outcome.rejected, Outcome.ghosted, Outcome.offer][i % 3], days_ago=10 + i)
    _rebuild()
    current_inputs()  # a running server has read the site parameters already
    counts = []
    for slug in (small.slug, big.slug):
        with query_counter() as statements:
            assert client.get(f"/employers/{slug}").status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1]
    # The employer with its stats row, its recent reviews with their responses, the site's
    # parameters' version (scoring.stats.current_inputs), the response commitment (and its
    # measure when there is one), the counts of reviews removed by moderators, the count of
    # reviews with verified contact.
    assert counts[0] <= 6


def test_query_count_does_not_grow_with_a_commitment_and_responses(client, query_counter):
    employers = []
    for count in (1, 30):
        employer = EmployerFactory()
        for i in range(count):
            review = _review(employer, Outcome.rejected, stage=Stage.final, days_ago=10 + i)
            ResponseFactory(review_id=review.id, employer_id=employer.id, body="Thanks.")
        rep = RepresentativeFactory(user_id=UserFactory().id, employer_id=employer.id)
        ResponseCommitmentFactory(employer_id=employer.id, days=7, representative_id=rep.id)
        employers.append(employer.slug)
    db.session.commit()
    _rebuild()
    current_inputs()
    counts = []
    for slug in employers:
        with query_counter() as statements:
            response = client.get(f"/employers/{slug}")
        assert response.status_code == 200
        assert "within 7 days" in visible(response)
        assert "Thanks." in response.get_data(as_text=True)
        counts.append(len(statements))
    assert counts[0] == counts[1] <= 7  # the six above, and the commitment's measure


def test_silence_is_shown_in_whole_months_not_days(client):
    from datetime import datetime

    employer = EmployerFactory()
    _review(employer, Outcome.waiting, days_ago=47, presumed_ghosted_at=datetime(2026, 1, 1))
    _rebuild()
    text = visible(_page(client, employer))
    # Whole calendar months since the last contact's month, never a count of days (§5.8).
    assert re.search(r"no reply for \d+\+ months?|no reply since", text)
    assert "days" not in text.split("no reply", 1)[1].split("·", 1)[0]
    # Today minus 47 would be the exact last contact. (The factory's employer name and slug
    # carry a sequence number that may itself contain "47": left out.)
    text = text.replace(employer.name, "").replace(employer.slug, "")
    assert re.search(r"\b47\b", text) is None


def test_employer_page_revalidates_with_304_until_a_review_changes(client):
    employer = EmployerFactory()
    review = _review(employer, Outcome.rejected)
    _rebuild()
    first = _page(client, employer)
    etag = first.headers["ETag"]
    assert "public" in first.headers["Cache-Control"]
    assert "Cookie" in first.headers["Vary"]
    again = client.get(f"/employers/{employer.slug}", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""

    # An author edits the text only: no figure changes, but the page must not stay cached.
    review.narrative = "They wrote back after all."
    refresh_employer(employer.id)
    db.session.commit()
    changed = client.get(f"/employers/{employer.slug}", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert "They wrote back after all." in changed.get_data(as_text=True)
    assert changed.headers["ETag"] != etag


def test_revalidation_304_runs_no_more_queries_than_the_lookup(client, query_counter):
    employer = EmployerFactory()
    for _ in range(4):
        _review(employer, Outcome.rejected)
    _rebuild()
    slug = employer.slug
    etag = _page(client, employer).headers["ETag"]
    with query_counter() as statements:
        response = client.get(f"/employers/{slug}", headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert len(statements) == 1  # the employer with its statistics row


def test_signed_in_visitors_get_private_pages(client, signed_in):
    employer = EmployerFactory()
    response = _page(client, employer)
    assert "private" in response.headers["Cache-Control"]
    assert "public" not in response.headers["Cache-Control"]


def test_reviews_list_revalidates_too(client):
    employer = EmployerFactory()
    for _ in range(6):
        _review(employer, Outcome.ghosted)
    _rebuild()
    url = f"/employers/{employer.slug}/reviews?outcome=ghosted"
    etag = client.get(url).headers["ETag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    other = client.get(f"/employers/{employer.slug}/reviews?outcome=rejected")
    assert other.headers["ETag"] != etag  # the URL is part of the validator


def test_the_no_reply_mark_and_counts_do_not_give_away_the_last_contact(client):
    """DESIGN.md §5 rule 8: waiting reviews with the same last contact get their "no reply" mark,
    and move from the waiting to the ghosted count (page and API), on different days, each 3-10
    days past day 30 (the review's secret day), so the change can't be counted back to a date."""
    from datetime import UTC, datetime, time

    import time_machine

    from operations.tick import tick
    from scoring.ghosting import presumed_ghosted_on

    employer = EmployerFactory()
    reviews = [_review(employer, Outcome.waiting, days_ago=30) for _ in range(5)]
    db.session.commit()
    flips = sorted((presumed_ghosted_on(review) - TODAY).days for review in reviews)
    seen = []
    for day in range(13):  # 30 .. 42 days since the last contact
        moment = datetime.combine(TODAY + timedelta(days=day), time(9, 30), tzinfo=UTC)
        with time_machine.travel(moment, tick=False):
            tick()
            db.session.commit()
            marks = len(re.findall(r"no reply (?:for|since) ", visible(_page(client, employer))))
            counts = client.get(f"/api/v1/employers/{employer.slug}").get_json()["counts"]
        assert counts["ghosted_count"] == marks == sum(1 for flip in flips if flip <= day)
        assert counts["waiting_count"] == 5 - marks
        seen.append(marks)

    assert seen[:4] == [0, 0, 0, 0]  # not on day 31: day 30 + 1 + at least 3
    assert seen[-2:] == [5, 5]  # all by day 41
    assert all(4 <= flip <= 11 for flip in flips)
    # With this test key the five reviews' days are not all one (the day is per review).
    assert len(set(flips)) > 1


def _ghosts(name="Ghostly Works"):
    """Eighty reviews from eighty accounts: two got a decision, the others never heard back
    ("Ghosts" needs the whole 80% interval under scoring.params.GHOSTS_BELOW)."""
    employer = EmployerFactory(name=name)
    for i in range(80):
        if i in (0, 1):
            _review(employer, Outcome.rejected, decision_days=4, days_ago=20 + i)
        else:
            _review(employer, Outcome.ghosted, stage=Stage.final, days_ago=20 + i)
    # Enough decisions elsewhere for "what to expect" to have a site-wide timing, at a site
    # where a third of candidates hear back.
    other = EmployerFactory()
    for i in range(10):
        _review(other, Outcome.rejected, decision_days=3 + i)
        _review(other, Outcome.ghosted, stage=Stage.screen)
    _rebuild()
    return employer


def test_a_ghosts_employer_leads_with_how_many_candidates_hear_back(client):
    employer = _ghosts()
    stats = db.session.get(EmployerStats, employer.id)
    shown = round(stats.score)
    assert verdict_of(stats).band is Band.ghosts
    text = visible(_page(client, employer))
    words = side.chance_words(shown)
    assert words.startswith(("About 1 in", "Fewer than 1 in"))
    headline = text[text.index("Do they get back to candidates?") :]
    assert headline.split("Do they get back to candidates? ")[1].startswith(words)
    assert f"Estimated chance {shown}%" in headline and "Ghosts" in headline
    assert "2 of 80 candidates heard back; 78 met silence or had to chase an answer." in text
    # "What to expect" opens with the chance, not with how fast the few answers came.
    expect = text[text.index("What to expect") :]
    assert expect.startswith(f"What to expect {words}. Most candidates never get an answer")
    assert "Most candidates who got an answer" not in text
    assert expect.index("Those who heard back mostly did within") > expect.index(words)
    assert expect.index("follow up once") > expect.index("Those who heard back")


def test_an_estimate_from_few_reports_says_it_leans_toward_the_site_figure(client):
    employer = EmployerFactory()
    for _ in range(3):
        _review(employer, Outcome.rejected_with_feedback, decision_days=2)
    for outcome in (Outcome.ghosted, Outcome.rejected):  # a site-wide figure to lean toward
        for _ in range(4):
            _review(EmployerFactory(), outcome)
    _rebuild()
    found = db.session.get(EmployerStats, employer.id).figures["headline"]
    assert found["leans"]
    text = visible(_page(client, employer))
    site = math.floor(found["site"] + 0.5)
    leaning = "With this many reports, the estimate still leans toward the site-wide figure"
    assert f"{leaning} of {site}%." in text
    assert "3 of 3 candidates heard back" in text


def test_side_figures_never_contradict_their_counts(client):
    """'1 of 24 reports' is never shown beside a shrunk 34%: the plain 4% and its range."""
    employer = EmployerFactory()
    for i in range(24):
        _review(employer, Outcome.rejected, decision_days=20 if i else 3, promised_days=5)
    _rebuild()
    timeline = db.session.get(EmployerStats, employer.id).figures["timeline_kept"]
    assert (timeline["yes"], timeline["count"]) == (1, 24)
    text = visible(_page(client, employer))
    assert "Kept the timeline they gave 1 of 24 reports 4% likely 1–13%" in text


def test_an_estimate_leaning_toward_its_industry_says_so(client, monkeypatch):
    monkeypatch.setattr(params, "MIN_EMPLOYERS_FOR_INDUSTRY_MU", 2)
    retail = [EmployerFactory(industry=Industry.retail) for _ in range(3)]
    for employer in retail:
        for outcome in (Outcome.rejected, Outcome.ghosted, Outcome.rejected):
            _review(employer, outcome)
    _rebuild()
    found = db.session.get(EmployerStats, retail[0].id).figures["headline"]
    assert found["leans"]
    text = visible(_page(client, retail[0]))
    site = math.floor(found["site"] + 0.5)
    assert (
        f"the estimate still leans toward the Retail & consumer goods industry's figure of {site}%"
        in text
    )


def test_a_row_from_before_the_new_headline_shows_no_retired_score_as_a_chance(client):
    employer = EmployerFactory()
    for _ in range(4):
        _review(employer)
    _rebuild()
    stats = db.session.get(EmployerStats, employer.id)
    stats.figures = {k: v for k, v in stats.figures.items() if k != "headline"}
    db.session.commit()
    text = visible(_page(client, employer))
    assert "The estimate for this employer is being recalculated: 4 reports so far." in text
    assert "candidates hear back" not in text.split("What to expect")[0]


def test_an_answer_the_candidate_had_to_chase_counts_as_silence_in_the_headline(client):
    employer = EmployerFactory()
    for chased in (True, True, False, False):
        _review(employer, Outcome.rejected, decision_days=30, chased_for_decision=chased)
    _rebuild()
    found = db.session.get(EmployerStats, employer.id).figures["headline"]
    assert (found["heard"], found["silent"]) == (2, 2)
    text = visible(_page(client, employer))
    assert "2 of 4 candidates heard back; 2 met silence or had to chase an answer." in text


def test_what_to_expect_without_an_estimate_reads_as_two_sentences(client):
    """New accounts only: no estimate, but their decisions give the timing."""
    employer = EmployerFactory(name="Gribblemoor Tiles")
    for outcome in (Outcome.rejected, Outcome.offer) * 3:
        _review(employer, outcome, stage=Stage.final, decision_days=4, new_account=True)
    _rebuild()
    text = visible(_page(client, employer))
    assert "No estimate yet" in text
    assert (
        "What to expect There are too few reports yet to say how many candidates hear back from "
        "Gribblemoor Tiles. Those who heard back mostly did within"
    ) in text
