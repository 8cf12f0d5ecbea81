"""employer_stats.shown_score, the database's generated column the "score" sort reads, follows
the display rule of scoring.engine (3 counted reviews from 3 accounts, 2 established) exactly."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from employers.models import EmployerStats
from extensions import db
from scoring.engine import shown_when
from tests.factories import EmployerFactory


@pytest.mark.parametrize(
    ("weight", "spread", "most", "least"),
    [
        (12.0, 40, 70.0, 78.0),
        (12.0, 10, None, 78.0),
        (6.0, 40, 70.0, None),
        (4.9, 400, None, None),
    ],
)
def test_list_keys_are_set_only_where_an_employer_is_eligible(app, weight, spread, most, least):
    employer = EmployerFactory()
    stats = db.session.get(EmployerStats, employer.id) or EmployerStats(employer_id=employer.id)
    stats.score, stats.score_sd, stats.scored_reviews, stats.scored_authors = 70.0, 8.0, 12, 12
    stats.review_count = stats.author_count = 12
    stats.weight_sum, stats.spread_days = weight, spread
    db.session.add(stats)
    db.session.commit()
    row = db.session.execute(
        select(EmployerStats.most_key, EmployerStats.least_key).where(
            EmployerStats.employer_id == employer.id
        )
    ).one()
    assert tuple(row) == (most, least)


@pytest.mark.parametrize(
    ("score", "reviews", "authors", "established", "shown"),
    [
        (71.5, 3, 3, 2, 71.5),
        (71.5, 40, 12, 12, 71.5),
        (71.5, 2, 2, 2, None),
        (71.5, 5, 2, 2, None),
        (None, 9, 9, 9, None),
        (0.0, 3, 3, 3, 0.0),
        # Fresh accounts, with one established reviewer or none: no figure (a campaign's shape).
        (71.5, 12, 12, 1, None),
        (71.5, 12, 12, 0, None),
    ],
)
def test_shown_score_is_the_score_only_where_it_is_shown(
    app, score, reviews, authors, established, shown
):
    employer = EmployerFactory()
    stats = db.session.get(EmployerStats, employer.id) or EmployerStats(employer_id=employer.id)
    stats.score, stats.scored_reviews, stats.scored_authors = score, reviews, authors
    stats.established_authors = established
    stats.review_count = stats.author_count = reviews
    db.session.add(stats)
    db.session.commit()
    stored = db.session.scalar(
        select(EmployerStats.shown_score).where(EmployerStats.employer_id == employer.id)
    )
    assert stored == shown
    # The same rule as the page's (scoring.engine.shown_when), not only the same constants.
    assert (stored is not None) == (score is not None and shown_when(reviews, authors, established))
