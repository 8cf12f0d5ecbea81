"""The dashboard as an inbox (issue 17): filters with counts, contact reports in the state the
employer may see, the response rate and median time to respond, held responses, and the CSV
export of the employer's own reviews (public fields only)."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from extensions import db
from representatives.models import ContactReport, ContactStatus
from responses.models import ResponseStatus
from reviews.display import public_view
from reviews.fields import values_of
from reviews.models import Outcome, Review, Stage
from scoring.stats import refresh_employer
from tests.conftest import page_text, post_form
from tests.factories import (
    ContactReportFactory,
    EmployerFactory,
    RepresentativeFactory,
    ResponseFactory,
    ReviewFactory,
    UserFactory,
)
from tests.helpers import exact_dates_in
from timeutils import month_start, utcnow

PASSWORD = "correct horse battery"
AUTHOR_IDS = 765_430


def _words(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", page_text(response)).split())


def _rep(auth, employer, email="rep@quibblewick.example"):
    user = UserFactory(email=email, password=PASSWORD, verified=True)
    RepresentativeFactory(user_id=user.id, employer_id=employer.id)
    assert auth.sign_in(email, PASSWORD).status_code == 302
    return user


def _author(number: int):
    return UserFactory(
        id=AUTHOR_IDS - number, email=f"xylo.marchbanks{number}@example.org", verified=True
    )


_made = [0]


def _review(employer, **values) -> Review:
    _made[0] += 1
    values.setdefault("stage", Stage.interview)
    values.setdefault("outcome", Outcome.ghosted)
    return ReviewFactory(author=_author(_made[0]), employer_id=employer.id, **values)


def _finish(employer):
    refresh_employer(employer.id)
    db.session.commit()


def _ids(html: str) -> set[str]:
    return set(re.findall(r"/employer/reviews/([A-Za-z0-9_-]+)/response", html))


# --- filters and counts ------------------------------------------------------------------------


def test_filters_list_each_state_with_its_count(client, auth):
    employer = EmployerFactory(name="Brindlecombe Foods")
    ghosted = [_review(employer) for _ in range(2)]
    waiting = _review(employer, outcome=Outcome.waiting)
    presumed = _review(employer, outcome=Outcome.waiting, presumed_ghosted_at=utcnow())
    answered = _review(employer, outcome=Outcome.rejected, decision_days=3)
    ResponseFactory(review_id=answered.id, body="Thank you.")
    _finish(employer)
    _rep(auth, employer)

    base = f"/employer?employer={employer.slug}"
    text = _words(client.get(base))
    assert "Awaiting a response (4)" in text
    assert "Responded (1)" in text
    assert "Never heard back (3)" in text
    assert "Still waiting (1)" in text
    assert "Reviews awaiting a response (4)" in text

    def listed(state):
        html = client.get(f"{base}&state={state}").get_data(as_text=True)
        return set(re.findall(r'id="review-([^"]+)"', html)) or {
            review.public_id
            for review in (*ghosted, waiting, presumed, answered)
            if review.public_id in html
        }

    assert listed("awaiting") == {r.public_id for r in (*ghosted, waiting, presumed)}
    assert listed("responded") == {answered.public_id}
    assert listed("ghosted") == {r.public_id for r in (*ghosted, presumed)}
    assert listed("waiting") == {waiting.public_id}
    # An unknown filter is the default one, never an error.
    assert client.get(f"{base}&state=%3Cscript%3E").status_code == 200
    assert "Reviews awaiting a response (4)" in _words(client.get(f"{base}&state=x" * 50))


def test_a_filter_is_paginated_and_its_pages_keep_the_filter(client, auth):
    employer = EmployerFactory()
    reviews = [_review(employer) for _ in range(23)]
    _review(employer, outcome=Outcome.waiting)
    _finish(employer)
    _rep(auth, employer)

    base = f"/employer?employer={employer.slug}&state=ghosted"
    first = client.get(base).get_data(as_text=True)
    assert "Page 1 of 2" in first
    assert "state=ghosted&amp;page=2" in first or "page=2&amp;state=ghosted" in first
    second = client.get(base + "&page=2").get_data(as_text=True)
    newest = sorted(reviews, key=lambda r: (r.published_at, r.id), reverse=True)
    assert all(review.public_id in second for review in newest[20:])


# --- contact reports ---------------------------------------------------------------------------


def _contact_page(client, employer):
    return client.get(f"/employer?employer={employer.slug}&state=waiting")


def test_a_pending_report_is_shown_as_asked(client, auth):
    employer = EmployerFactory()
    review = _review(employer, outcome=Outcome.waiting)
    ContactReportFactory(review_id=review.id)
    _finish(employer)
    _rep(auth, employer)

    response = _contact_page(client, employer)
    assert "they have been asked to confirm" in _words(response)
    assert f"/employer/reviews/{review.public_id}/contacted" not in response.get_data(as_text=True)


def test_a_denial_looks_pending_until_its_delayed_moment(client, auth):
    """Anonymity (DESIGN.md §5.8): the author's "no" must not be timed by the employer."""
    employer = EmployerFactory()
    review = _review(employer, outcome=Outcome.waiting)
    ContactReportFactory(review_id=review.id, denied=True, shown_at=utcnow() + timedelta(days=4))
    _finish(employer)
    _rep(auth, employer)

    text = _words(_contact_page(client, employer))
    assert "have not been contacted" not in text
    assert "they have been asked to confirm" in text


def test_a_shown_denial_says_so_and_offers_to_report_again_after_the_wait(client, auth):
    employer = EmployerFactory()
    recent = _review(employer, outcome=Outcome.waiting)
    old = _review(employer, outcome=Outcome.waiting)
    ContactReportFactory(review_id=recent.id, denied=True, shown_at=utcnow() - timedelta(days=2))
    ContactReportFactory(review_id=old.id, denied=True, shown_at=utcnow() - timedelta(days=40))
    _finish(employer)
    _rep(auth, employer)

    response = _contact_page(client, employer)
    html, text = response.get_data(as_text=True), _words(response)
    assert text.count("The candidate says they have not been contacted") == 2
    assert "nothing more is needed" not in text
    # Recently denied: not yet (the author isn't pestered); the older one: report again.
    assert f"/employer/reviews/{recent.public_id}/contacted" not in html
    assert f"/employer/reviews/{old.public_id}/contacted" in html
    assert "report it again" in text
    assert "days after their answer" in text

    # Reporting again is the existing flow: a new pending report.
    sent = post_form(client, f"/employer/reviews/{old.public_id}/contacted")
    assert sent.status_code == 302
    statuses = db.session.scalars(
        select(ContactReport.status)
        .where(ContactReport.review_id == old.id)
        .order_by(ContactReport.id)
    ).all()
    assert statuses == [ContactStatus.denied, ContactStatus.pending]
    after = _words(_contact_page(client, employer))
    assert after.count("The candidate says they have not been contacted") == 1


def test_a_shown_confirmation_is_shown(client, auth):
    employer = EmployerFactory()
    review = _review(employer, outcome=Outcome.ghosted)
    ContactReportFactory(
        review_id=review.id, confirmed=True, shown_at=utcnow() - timedelta(hours=1)
    )
    hidden = _review(employer, outcome=Outcome.ghosted)
    ContactReportFactory(review_id=hidden.id, confirmed=True, shown_at=None)
    _finish(employer)
    _rep(auth, employer)

    text = _words(client.get(f"/employer?employer={employer.slug}&state=ghosted"))
    assert text.count("The candidate confirmed that you contacted them") == 1
    assert text.count("they have been asked to confirm") == 1


# --- response rate, median, held responses -----------------------------------------------------


def _answered(employer, days: float, status=ResponseStatus.published):
    review = _review(employer, outcome=Outcome.rejected, decision_days=3)
    published = utcnow() - timedelta(days=60)
    review.published_at = published
    ResponseFactory(review_id=review.id, created_at=published + timedelta(days=days), status=status)
    return review


def test_the_response_rate_and_no_median_under_five_responses(client, auth):
    employer = EmployerFactory()
    for days in (1, 2, 3, 9):
        _answered(employer, days)
    _review(employer)
    _review(employer)
    _finish(employer)
    _rep(auth, employer)

    text = _words(client.get("/employer"))
    assert "Response rate: 67% (4 of 6 published reviews answered)" in text
    assert "Median time to respond: shown from 5 published responses on" in text


def test_the_median_time_to_respond_from_five_responses_in_whole_days(client, auth):
    employer = EmployerFactory()
    for days in (1, 2, 3.6, 9, 20):
        _answered(employer, days)
    _finish(employer)
    _rep(auth, employer)

    text = _words(client.get("/employer"))
    assert "Response rate: 100% (5 of 5" in text
    assert "Median time to respond: 4 days from a review's publication, over 5 responses" in text


def test_held_responses_are_shown_with_the_moderators(client, auth):
    employer = EmployerFactory()
    held = _answered(employer, 1, status=ResponseStatus.held)
    _review(employer)
    _finish(employer)
    _rep(auth, employer)

    text = _words(client.get("/employer"))
    assert "One of your responses is with the moderators" in text
    responded = client.get(f"/employer?employer={employer.slug}&state=responded")
    assert "Your response is with the moderators." in _words(responded)
    assert held.public_id in responded.get_data(as_text=True)
    # A held response is not public: the card doesn't show it.
    assert "Thank you for telling us" not in _words(responded)


# --- the export --------------------------------------------------------------------------------


def _csv(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_the_export_has_the_public_card_fields_only(client, auth):
    employer = EmployerFactory(name="Brindlecombe Foods")
    contact = date.today() - timedelta(days=47)
    reviews = [
        _review(
            employer,
            stage=Stage.final,
            outcome=Outcome.rejected,
            decision_days=4,
            process_month=month_start(contact),
            last_contact_on=contact,
            interview_rounds=3,
            narrative='=HYPERLINK("http://evil.example")' if n == 0 else "It was fine.",
        )
        for n in range(6)
    ]
    ResponseFactory(review_id=reviews[1].id, body="@SUM(1+1) thank you")
    _finish(employer)
    _rep(auth, employer)

    response = client.get("/employer/reviews.csv")

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Cache-Control"] == "no-store"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = _csv(response)
    assert len(rows) == 6
    by_link = {row["review"].rsplit("/", 1)[1]: row for row in rows}
    db.session.expire_all()
    for review in reviews:
        row = by_link[review.public_id]
        card = public_view(values_of(review), employer, review=review)
        assert row["stage"] == card.stage == "Final round"
        assert row["outcome"] == card.outcome
        assert row["started"] == card.started and row["last contact"] == card.last_contact
        assert row["details"] == "; ".join(f"{label}: {value}" for label, value in card.details)
    # Formulas are neutralised, in the review's text and in the response.
    assert by_link[reviews[0].public_id]["what happened"].startswith("'=HYPERLINK")
    assert by_link[reviews[1].public_id]["response"] == "'@SUM(1+1) thank you"
    body = response.get_data(as_text=True)
    assert "xylo" not in body and "marchbanks" not in body
    for review in reviews:
        assert str(review.author_id) not in body
        assert not exact_dates_in(
            body, review.last_contact_on, review.created_at.date(), review.published_at.date()
        )


def test_the_export_is_coarsened_under_five_reviews(client, auth):
    employer = EmployerFactory()
    reviews = [
        _review(
            employer,
            stage=Stage.final,
            outcome=Outcome.rejected,
            decision_days=4,
            interview_rounds=3,
        )
        for _ in range(3)
    ]
    _finish(employer)
    _rep(auth, employer)

    rows = _csv(client.get(f"/employer/reviews.csv?employer={employer.slug}"))

    assert {row["stage"] for row in rows} == {"Interviewed"}
    assert all("round" not in row["details"].lower() for row in rows)
    public = page_text(client.get(f"/employers/{employer.slug}"))
    for review in reviews:
        assert review.public_id in {row["review"].rsplit("/", 1)[1] for row in rows}
    assert "Interviewed" in public


@pytest.mark.parametrize("who", ["other_rep", "candidate"])
def test_another_employers_representative_gets_nothing(client, auth, who):
    mine = EmployerFactory(name="Brindlecombe Foods")
    theirs = EmployerFactory(name="Ottermere Glass")
    _review(mine)
    _finish(mine)
    if who == "other_rep":
        _rep(auth, theirs)
    else:
        UserFactory(email="cand@example.org", password=PASSWORD, verified=True)
        assert auth.sign_in("cand@example.org", PASSWORD).status_code == 302

    assert client.get(f"/employer/reviews.csv?employer={mine.slug}").status_code == 403
    assert client.get(f"/employer?employer={mine.slug}&state=ghosted").status_code == 403
    if who == "candidate":
        assert client.get("/employer/reviews.csv").status_code == 403


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/employer/reviews.csv")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_the_inbox_costs_the_same_queries_with_contact_reports(client, auth, query_counter):
    employer = EmployerFactory()
    _review(employer, outcome=Outcome.waiting)
    _finish(employer)
    _rep(auth, employer)
    url = f"/employer?employer={employer.slug}&state=waiting"
    with query_counter() as one:
        assert client.get(url).status_code == 200
    for n in range(8):
        review = _review(employer, outcome=Outcome.waiting)
        ContactReportFactory(
            review_id=review.id,
            denied=n % 2 == 0,
            shown_at=utcnow() - timedelta(days=40) if n % 2 == 0 else None,
        )
    _finish(employer)
    with query_counter() as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(one), "\n".join(many)
