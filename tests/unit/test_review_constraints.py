"""The rules of DESIGN.md §4 that fit on one row are enforced by the database itself.

Each case starts from a valid review and breaks one rule; the insert must fail with an
IntegrityError on SQLite and on PostgreSQL alike (CI runs both).
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.exc import DataError, IntegrityError

from employers.models import EmployerStats
from extensions import db
from reviews.models import Feedback, NextSteps, Outcome, Stage
from tests.factories import EmployerFactory, ReviewFactory, UserFactory

# Both are the database refusing a row (PostgreSQL reports an over-long VARCHAR as DataError).
REFUSED = (IntegrityError, DataError)

VALID = {
    "process_month": date(2026, 3, 1),
    "last_contact_on": date(2026, 4, 2),
    "stage": Stage.interview,
    "outcome": Outcome.rejected,
    "decision_days": 5,
}

BROKEN = {
    "decision outcome without decision days": {"decision_days": None},
    "ghosted with decision days": {"outcome": Outcome.ghosted, "decision_days": 4},
    "waiting with decision days": {"outcome": Outcome.waiting, "decision_days": 0},
    "negative decision days": {"decision_days": -1},
    "offer before offer stage": {"outcome": Outcome.offer, "stage": Stage.final},
    "rescinded before offer stage": {"outcome": Outcome.rescinded, "stage": Stage.screen},
    "contact before the process began": {"last_contact_on": date(2026, 2, 27)},
    "process month not a first day": {"process_month": date(2026, 3, 15)},
    "answered more follow-ups than sent": {"followups_sent": 1, "followups_answered": 2},
    "answered follow-ups without sent": {"followups_answered": 1},
    "promised days without a timeline": {"promised_days": 7, "next_steps": NextSteps.yes_vague},
    "promised days zero": {"promised_days": 0, "next_steps": NextSteps.yes_with_date},
    "specific feedback on a template rejection": {"feedback": Feedback.specific},
    "feedback on a ghosting": {
        "outcome": Outcome.ghosted,
        "decision_days": None,
        "feedback": Feedback.generic,
    },
    "no feedback on rejected_with_feedback": {
        "outcome": Outcome.rejected_with_feedback,
        "feedback": Feedback.none,
    },
    "respect rating of 6": {"respect_rating": 6},
    "respect rating of 0": {"respect_rating": 0},
    "narrative over 4,000 characters": {"narrative": "x" * 4001},
    "advice over 1,000 characters": {"advice": "x" * 1001},
    "role title over 120 characters": {"role_title": "x" * 121},
    "country not two letters": {"country": "GBR"},
    "interview rounds 31": {"interview_rounds": 31},
    "negative hours": {"hours_invested": -2},
}


def test_the_valid_review_is_accepted(app):
    review = ReviewFactory(**VALID, followups_sent=2, followups_answered=2, respect_rating=5)
    assert review.id is not None and review.timeline_kept is None


@pytest.mark.parametrize("case", BROKEN)
def test_database_refuses(app, case):
    employer = EmployerFactory()
    with pytest.raises(REFUSED):
        ReviewFactory(employer_id=employer.id, **{**VALID, **BROKEN[case]})
    db.session.rollback()


def test_enum_columns_refuse_unknown_values(app):
    from sqlalchemy import text

    review = ReviewFactory(**VALID)
    with pytest.raises(IntegrityError):
        db.session.execute(
            text("UPDATE reviews SET outcome = 'vanished' WHERE id = :id"), {"id": review.id}
        )
        db.session.flush()
    db.session.rollback()


def test_one_review_per_author_employer_and_month(app):
    author = UserFactory()
    employer = EmployerFactory()
    ReviewFactory(author=author, employer_id=employer.id, **VALID)
    with pytest.raises(IntegrityError):
        ReviewFactory(author=author, employer_id=employer.id, **VALID)
    db.session.rollback()
    # Another month, another employer or another author is fine.
    ReviewFactory(
        author=author, employer_id=employer.id, **{**VALID, "process_month": date(2026, 2, 1)}
    )
    ReviewFactory(author=author, **VALID)
    ReviewFactory(author=UserFactory(), employer_id=employer.id, **VALID)


def test_delinked_reviews_do_not_collide(app):
    employer = EmployerFactory()
    ReviewFactory(employer_id=employer.id, **VALID)
    ReviewFactory(employer_id=employer.id, **VALID)  # author NULL twice: both kept


def test_timeline_kept_is_derived(app):
    kept = ReviewFactory(**VALID, next_steps=NextSteps.yes_with_date, promised_days=7)
    missed = ReviewFactory(
        **{**VALID, "decision_days": 20}, next_steps=NextSteps.yes_with_date, promised_days=7
    )
    assert kept.timeline_kept is True and missed.timeline_kept is False


@pytest.mark.parametrize(
    "counts",
    [
        {"review_count": -1},
        {"review_count": 2, "author_count": 3},
        {"review_count": 2, "ghosted_count": 2, "decided_count": 1},
        {"review_count": 1, "score": 101.0},
    ],
)
def test_statistics_row_refuses_impossible_counts(app, counts):
    employer = EmployerFactory(stats=None)
    db.session.add(EmployerStats(employer_id=employer.id, **counts))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_statistics_figures_none_is_sql_null(app):
    from sqlalchemy import text

    employer = EmployerFactory(stats=None)
    db.session.add(EmployerStats(employer_id=employer.id, figures=None))
    db.session.commit()
    raw = db.session.execute(
        text("SELECT figures IS NULL FROM employer_stats WHERE employer_id = :id"),
        {"id": employer.id},
    ).scalar()
    assert raw in (True, 1)
