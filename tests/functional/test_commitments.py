"""Response commitments (DESIGN.md §7): "we answer every interviewed candidate within N days",
published and withdrawn from the dashboard, measured against the reviews since its month."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from flask import render_template
from sqlalchemy import select

from employers.models import EmployerStats
from extensions import db
from representatives.commitments import CommitmentMeasure, commitment_measure
from representatives.models import ResponseCommitment
from reviews.models import Feedback, Outcome, ReviewStatus, Stage
from tests.conftest import page_text, post_form
from tests.factories import (
    EmployerFactory,
    RepresentativeFactory,
    ResponseCommitmentFactory,
    ReviewFactory,
    UserFactory,
)
from tests.functional.test_dashboard import PASSWORD, signed_in_representative

NOW = datetime(2026, 3, 17, 9, 30)
TAG = re.compile(r"<[^>]+>")
MARCH = date(2026, 3, 1)


@pytest.fixture
def clock():
    with time_machine.travel(NOW.replace(tzinfo=UTC), tick=False) as traveller:
        yield traveller


def words(html: str) -> str:
    """What a reader sees: tags dropped, white space collapsed."""
    return " ".join(TAG.sub(" ", html).split()).replace(" .", ".")


def commitments(employer) -> list[ResponseCommitment]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(ResponseCommitment)
            .where(ResponseCommitment.employer_id == employer.id)
            .order_by(ResponseCommitment.id)
        )
    )


def publish(client, employer, days):
    return post_form(
        client, "/employer/commitment", {"employer": employer.slug, "days": days}, page="/employer"
    )


# --- publishing, replacing, withdrawing ---------------------------------------------------------


def test_publish_replace_and_withdraw(client, auth, clock):
    employer = EmployerFactory(name="Larkspur Analytics")
    signed_in_representative(auth, employer)

    first = publish(client, employer, 14)
    assert first.status_code == 302
    [live] = commitments(employer)
    assert (live.days, live.withdrawn_at) == (14, None)
    dashboard = page_text(client.get("/employer"))
    assert "We answer every interviewed candidate within 14 days." in dashboard
    assert "since March 2026" in dashboard

    clock.shift(timedelta(days=20))  # April
    assert publish(client, employer, 10).status_code == 302
    old, new = commitments(employer)
    assert old.withdrawn_at is not None and new.withdrawn_at is None and new.days == 10
    assert "since April 2026" in page_text(client.get("/employer"))

    withdrawn = post_form(
        client, "/employer/commitment/withdraw", {"employer": employer.slug}, page="/employer"
    )
    assert withdrawn.status_code == 302
    assert all(item.withdrawn_at is not None for item in commitments(employer))
    assert commitment_measure(employer.id) is None
    assert "Publish the commitment" in page_text(client.get("/employer"))


@pytest.mark.parametrize("days", ["0", "91", "-3", "abc", "", "14.5"])
def test_days_out_of_range_are_refused_with_a_clear_message(client, auth, days):
    employer = EmployerFactory()
    signed_in_representative(auth, employer)

    response = publish(client, employer, days)

    assert response.status_code == 422
    text = page_text(response)
    assert any(
        message in text
        for message in (
            "Choose a number of days from 1 to 90.",
            "Enter a number of days.",
            "Not a valid integer value.",
        )
    )
    assert commitments(employer) == []


def test_a_representative_cannot_publish_or_withdraw_for_another_employer(client, auth):
    mine = EmployerFactory()
    theirs = EmployerFactory()
    RepresentativeFactory(user_id=UserFactory(verified=True).id, employer_id=theirs.id)
    ResponseCommitmentFactory(employer_id=theirs.id, days=30)
    signed_in_representative(auth, mine)

    published = publish(client, theirs, 5)
    withdrawn = post_form(
        client, "/employer/commitment/withdraw", {"employer": theirs.slug}, page="/employer"
    )

    assert published.status_code == 403 and withdrawn.status_code == 403
    [untouched] = commitments(theirs)
    assert untouched.days == 30 and untouched.withdrawn_at is None
    assert commitments(mine) == []


def test_publishing_needs_a_csrf_token(client, auth):
    employer = EmployerFactory()
    signed_in_representative(auth, employer)
    response = client.post("/employer/commitment", data={"employer": employer.slug, "days": "7"})
    assert response.status_code == 400
    assert commitments(employer) == []


def test_anonymous_visitors_cannot_publish(client):
    employer = EmployerFactory()
    response = client.post("/employer/commitment", data={"employer": employer.slug, "days": "7"})
    assert response.status_code in (302, 400)
    assert commitments(employer) == []


def test_publishing_moves_the_employer_pages_validator(client, auth, clock):
    employer = EmployerFactory()
    signed_in_representative(auth, employer)
    before = db.session.get(EmployerStats, employer.id).updated_at
    clock.shift(timedelta(minutes=5))

    publish(client, employer, 7)

    db.session.expire_all()
    assert db.session.get(EmployerStats, employer.id).updated_at > before


# --- the measure -------------------------------------------------------------------------------


def _review(employer, number, **values):
    """A published review by its own author, of a process that began in March 2026."""
    values.setdefault("stage", Stage.interview)
    values.setdefault("process_month", MARCH)
    values.setdefault("last_contact_on", MARCH + timedelta(days=1))
    values.setdefault("feedback", None)
    if "author_id" not in values:
        values["author"] = UserFactory(email=f"measured{number}@example.org", verified=True)
    return ReviewFactory(employer_id=employer.id, **values)


def _commit(employer, days=14, published_at=NOW):
    ResponseCommitmentFactory(employer_id=employer.id, days=days, published_at=published_at)


def test_the_measure_counts_reviews_since_the_commitments_month(app, clock):
    employer = EmployerFactory()
    _commit(employer, days=14)
    # Measured: two kept, one late, two silent (five reviewers).
    _review(employer, 1, outcome=Outcome.rejected, decision_days=3)
    _review(employer, 2, outcome=Outcome.offer, stage=Stage.offer, decision_days=14)
    _review(
        employer,
        3,
        outcome=Outcome.rejected_with_feedback,
        decision_days=15,
        feedback=Feedback.specific,
    )
    _review(employer, 4, outcome=Outcome.ghosted, stage=Stage.final)
    _review(employer, 5, outcome=Outcome.waiting, presumed_ghosted_at=NOW)
    # Not measured: an open case within the usual time, a withdrawal, a screening call, a process
    # that began before the commitment's month, an unpublished review, another employer's review.
    _review(employer, 6, outcome=Outcome.waiting)
    _review(employer, 7, outcome=Outcome.withdrew)
    _review(employer, 8, outcome=Outcome.rejected, decision_days=2, stage=Stage.screen)
    _review(
        employer,
        9,
        outcome=Outcome.ghosted,
        process_month=date(2026, 2, 1),
        last_contact_on=date(2026, 2, 20),
    )
    _review(
        employer,
        10,
        outcome=Outcome.ghosted,
        status=ReviewStatus.scheduled,
        publish_at=NOW + timedelta(days=3),
    )
    _review(EmployerFactory(), 11, outcome=Outcome.ghosted)
    db.session.commit()

    measure = commitment_measure(employer.id)

    assert measure == CommitmentMeasure(
        days=14, since="March 2026", measured=True, within=2, later=1, silent=2, kept_percent=40
    )
    assert measure.total == 5


def test_fewer_than_five_reviewers_is_too_few_to_measure(app, clock):
    employer = EmployerFactory()
    _commit(employer, days=7, published_at=datetime(2026, 2, 10, 8, 0))
    reviews = [_review(employer, number, outcome=Outcome.ghosted) for number in range(4)]
    # A fifth review by one of the same reviewers (an earlier process) is no fifth reviewer.
    _review(
        employer,
        99,
        outcome=Outcome.ghosted,
        author_id=reviews[0].author_id,
        process_month=date(2026, 2, 1),
        last_contact_on=date(2026, 2, 12),
    )
    db.session.commit()

    measure = commitment_measure(employer.id)

    assert measure == CommitmentMeasure(days=7, since="February 2026", measured=False)
    html = render_template(
        "representatives/_commitment.html", commitment=measure, employer=employer
    )
    text = words(html)
    assert "Too few reports since February 2026 to measure it yet" in text
    assert "within 7 days" in text
    assert "never heard back" not in text


def test_the_partial_shows_the_commitment_beside_its_measure(app, clock):
    employer = EmployerFactory(name="Larkspur Analytics")
    _commit(employer, days=14)
    for number in range(3):
        _review(employer, number, outcome=Outcome.rejected, decision_days=5)
    for number in range(3, 5):
        _review(employer, number, outcome=Outcome.ghosted)
    db.session.commit()

    with app.test_request_context():
        html = render_template(
            "representatives/_commitment.html",
            commitment=commitment_measure(employer.id),
            employer=employer,
        )
    text = words(html)

    assert "“We answer every interviewed candidate within 14 days.”" in text
    assert "Larkspur Analytics, since March 2026" in text
    assert "3 candidates heard a decision within 14 days" in text
    assert "0 candidates heard a decision later than that" in text
    assert "2 candidates never heard back" in text
    assert "Kept for 60% of 5 reports." in text
    assert "<section" in html  # a whole section for the employer page


def test_no_commitment_renders_nothing(app):
    employer = EmployerFactory()
    assert commitment_measure(employer.id) is None
    html = render_template("representatives/_commitment.html", commitment=None, employer=employer)
    assert html.strip() == ""


def test_the_measure_costs_the_same_queries_whatever_the_reviews(app, clock, query_counter):
    employer = EmployerFactory()
    _commit(employer)
    _review(employer, 0, outcome=Outcome.ghosted)
    employer_id = employer.id
    db.session.commit()
    with query_counter() as one:
        commitment_measure(employer_id)
    for number in range(1, 30):
        _review(employer, number, outcome=Outcome.rejected, decision_days=number % 20)
    db.session.commit()
    with query_counter() as many:
        measure = commitment_measure(employer_id)

    assert len(one) == len(many) == 2
    assert measure.total == 30


def test_the_dashboard_shows_the_measure(client, auth, clock):
    employer = EmployerFactory()
    _commit(employer, days=21)
    for number in range(5):
        _review(employer, number, outcome=Outcome.rejected, decision_days=30)
    db.session.commit()
    signed_in_representative(auth, employer)

    text = words(page_text(client.get("/employer")))

    assert "within 21 days" in text
    assert "5 candidates heard a decision later than that" in text
    assert "Kept for 0% of 5 reports." in text
    assert PASSWORD not in text
