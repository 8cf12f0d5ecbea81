"""employer_stats.shown_score, the database's generated column the "score" sort reads, follows
the display rule of scoring.engine (3 counted reviews from 3 accounts) exactly."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from employers.models import SHOWN_MIN_AUTHORS, SHOWN_MIN_REVIEWS, EmployerStats
from extensions import db
from scoring import params
from tests.factories import EmployerFactory


def test_the_columns_thresholds_are_the_display_rules():
    assert SHOWN_MIN_REVIEWS == params.MIN_N_SHOWN
    assert SHOWN_MIN_AUTHORS == params.MIN_DISTINCT_AUTHORS_SHOWN


@pytest.mark.parametrize(
    ("score", "reviews", "authors", "shown"),
    [
        (71.5, 3, 3, 71.5),
        (71.5, 40, 12, 71.5),
        (71.5, 2, 2, None),
        (71.5, 5, 2, None),
        (None, 9, 9, None),
        (0.0, 3, 3, 0.0),
    ],
)
def test_shown_score_is_the_score_only_where_it_is_shown(app, score, reviews, authors, shown):
    employer = EmployerFactory()
    stats = db.session.get(EmployerStats, employer.id) or EmployerStats(employer_id=employer.id)
    stats.score, stats.scored_reviews, stats.scored_authors = score, reviews, authors
    stats.review_count = stats.author_count = reviews
    db.session.add(stats)
    db.session.commit()
    stored = db.session.scalar(
        select(EmployerStats.shown_score).where(EmployerStats.employer_id == employer.id)
    )
    assert stored == shown
