"""The per-employer statistics rows (DESIGN.md §6, "Storage"): updated with their reviews, in the
same transaction, and rebuilt from scratch by `recompute` to the same numbers."""

from __future__ import annotations

import math
import random
from datetime import date, timedelta

from sqlalchemy import select

from employers.models import EmployerStats
from extensions import db
from operations.tick import tick
from reviews.lifecycle import publish_due
from reviews.models import Outcome, ReviewStatus
from scoring import params
from scoring.models import SiteParameters
from scoring.stats import recompute, refresh_site_parameters
from tests.conftest import publish_pending_change
from tests.factories import EmployerFactory, UserFactory
from tests.helpers import MIXED_OUTCOMES
from tests.helpers import review_with_outcome as _review
from timeutils import utcnow

TODAY = date.today()


def _row(employer) -> dict:
    db.session.expire_all()
    stats = db.session.get(EmployerStats, employer.id)
    return {
        column.name: getattr(stats, column.name)
        for column in EmployerStats.__table__.columns
        if column.name != "updated_at"
    }


def _same(left: dict, right: dict) -> None:
    assert left.keys() == right.keys()
    for key in left:
        a, b = left[key], right[key]
        if isinstance(a, float) and isinstance(b, float):
            assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9), key
        else:
            assert a == b, key


def test_publishing_updates_the_row_in_the_same_transaction(app):
    employer = EmployerFactory()
    for outcome in (Outcome.ghosted, Outcome.rejected, Outcome.offer, Outcome.ghosted):
        _review(employer, outcome, status=ReviewStatus.scheduled, new_account=True)
    assert _row(employer)["review_count"] == 0
    assert publish_due(utcnow()) == 4
    db.session.commit()
    row = _row(employer)
    assert (row["review_count"], row["author_count"]) == (4, 4)
    assert (row["ghosted_count"], row["decided_count"], row["waiting_count"]) == (2, 2, 0)
    # A new employer's score counts at most 3 new accounts' reviews per 14 days (the burst cap's
    # floor, DESIGN.md §8 and reviews.holds.CAP_FLOOR): the fourth is published but not scored
    # until a moderator clears it.
    assert row["scored_reviews"] == 3
    # Three new accounts' reviews, 40 days old: at most their trust weight each.
    assert 2.8 * params.NEW_ACCOUNT_WEIGHT < row["weight_sum"] <= 3 * params.NEW_ACCOUNT_WEIGHT
    assert row["score"] is not None and 0 <= row["score"] <= 100


def test_an_update_changes_the_row(app, client, auth):
    from reviews.fields import values_of
    from reviews.services import Prepared, update

    employer = EmployerFactory()
    author = UserFactory(verified=True)
    review = _review(employer, Outcome.waiting, days_ago=5)
    review.author_id = author.id
    db.session.commit()
    refresh_site_parameters()
    from scoring.stats import refresh_employer

    refresh_employer(employer.id)
    db.session.commit()
    assert _row(employer)["waiting_count"] == 1
    values = {**values_of(review), "outcome": Outcome.rejected, "decision_days": 2}
    update(review, author, Prepared(values))
    db.session.commit()
    # The row changes when the change is published, not at the edit (DESIGN.md §5.8).
    assert _row(employer)["waiting_count"] == 1
    publish_pending_change(review)
    row = _row(employer)
    assert (row["waiting_count"], row["decided_count"]) == (0, 1)


def test_deleting_an_account_updates_its_employers(app):
    from accounts.services import delete_account

    employer = EmployerFactory()
    review = _review(employer, Outcome.ghosted)
    _review(employer, Outcome.rejected)
    from scoring.stats import refresh_employer

    refresh_employer(employer.id)
    db.session.commit()
    assert _row(employer)["review_count"] == 2
    from accounts.models import User

    delete_account(db.session.get(User, review.author_id), keep_reviews=False)
    db.session.commit()
    assert _row(employer)["review_count"] == 1


def test_recompute_reproduces_the_incrementally_kept_rows(app):
    rng = random.Random(7)
    employers = [EmployerFactory() for _ in range(6)]
    outcomes = MIXED_OUTCOMES

    # Issue 18's figures too: every step reached, turned down other work, process length.
    def later(rng):
        return {
            "steps_bits": rng.choice([None, rng.getrandbits(6)]),
            "turned_down_work": rng.choice([True, True, False, None]),
        }

    for employer in employers:
        for _ in range(rng.randint(1, 9)):
            _review(employer, rng.choice(outcomes), days_ago=rng.randint(1, 900), **later(rng))
    refresh_site_parameters()  # the site-wide inputs, held fixed from here on
    db.session.commit()
    # New reviews arrive and are published one transaction at a time (the incremental path).
    for employer in employers:
        for _ in range(rng.randint(1, 4)):
            _review(
                employer,
                rng.choice(outcomes),
                days_ago=rng.randint(1, 400),
                status=ReviewStatus.scheduled,
                followups_sent=2,
                followups_answered=0,
                **later(rng),
            )
    publish_due(utcnow())
    db.session.commit()
    incremental = {employer.id: _row(employer) for employer in employers}
    recompute(refresh_parameters=False)
    db.session.commit()
    for employer in employers:
        _same(_row(employer), incremental[employer.id])
    # The new figures were exercised, not left empty everywhere.
    figures = [incremental[employer.id]["figures"] for employer in employers]
    assert any(f["turned_down_work"]["candidates"] for f in figures)
    assert any(f["steps"]["steps"] for f in figures)
    assert any(f["process_length"]["buckets"] for f in figures)


def test_the_day_a_waiting_review_counts_as_ghosted_is_secret_and_recompute_agrees(app):
    """DESIGN.md §5 rule 8: the ghosted and waiting counts change on each review's secret day,
    3-10 days past the threshold, not on day 31 for all; a rebuild gives the incremental row."""
    from scoring.ghosting import presumed_ghosted_on
    from scoring.stats import refresh_employer

    employer = EmployerFactory()
    reviews = [_review(employer, Outcome.waiting, days_ago=30) for _ in range(12)]
    refresh_site_parameters()
    db.session.commit()
    counts = []
    for day in range(13):  # 30 .. 42 days since the last contact
        today = TODAY + timedelta(days=day)
        refresh_employer(employer.id, today)
        db.session.commit()
        incremental = _row(employer)
        recompute(today, refresh_parameters=False)
        db.session.commit()
        _same(_row(employer), incremental)
        counts.append((incremental["ghosted_count"], incremental["waiting_count"]))
        expected = sum(1 for review in reviews if presumed_ghosted_on(review) <= today)
        assert incremental["ghosted_count"] == expected

    assert counts[:4] == [(0, 12)] * 4  # nothing on days 30-33, day 31 included
    assert counts[-2:] == [(12, 0)] * 2  # everything by day 41
    assert len({ghosted for ghosted, _ in counts}) >= 4  # the reviews flip on several days


def test_site_parameters_and_daily_refresh(app, runner):
    employer = EmployerFactory()
    for outcome in (Outcome.ghosted, Outcome.rejected, Outcome.offer, Outcome.waiting):
        _review(employer, outcome)
    first = tick()
    assert first.statistics_rebuilt == 1
    assert tick().statistics_rebuilt == 0  # once a day
    parameters = db.session.get(SiteParameters, 1)
    assert parameters.computed_on == TODAY and parameters.review_count == 4
    assert 0 <= parameters.mu <= 1 and parameters.m >= params.M_FLOOR
    result = runner.invoke(args=["heardback", "recompute"])
    assert result.exit_code == 0, result.output
    assert "Rebuilt the statistics of 1 employers" in result.output


def test_no_published_reviews_means_no_score(app):
    employer = EmployerFactory()
    _review(
        employer,
        Outcome.ghosted,
        status=ReviewStatus.scheduled,
    )
    recompute()
    db.session.commit()
    row = _row(employer)
    assert row["review_count"] == 0 and row["score"] is None and row["weight_sum"] == 0
    assert db.session.scalar(select(SiteParameters.review_count)) == 0


def test_employer_page_shows_the_score_once_enough_candidates_reported(app, client):
    from tests.conftest import page_text

    employer = EmployerFactory(name="Dwindlecombe Media", slug="dwindlecombe-media")
    for outcome in (Outcome.offer, Outcome.rejected, Outcome.rejected):
        _review(employer, outcome, days_ago=10)
    recompute()
    db.session.commit()
    row = _row(employer)
    body = page_text(client.get("/employers/dwindlecombe-media"))
    assert f"{round(row['score'])}%" in body and "candidates hear back" in body
    assert any(band in body for band in ("Responsive", "Mixed", "Often silent", "Ghosts"))
    assert "No estimate yet" not in body


def test_employer_page_withholds_the_score_below_three_candidates(app, client):
    from tests.conftest import page_text

    employer = EmployerFactory(name="Kazooshire Analytics", slug="kazooshire-analytics")
    for outcome in (Outcome.offer, Outcome.ghosted):
        _review(employer, outcome, days_ago=10)
    recompute()
    db.session.commit()
    assert _row(employer)["score"] is not None  # computed, but not shown
    body = page_text(client.get("/employers/kazooshire-analytics"))
    assert "No estimate yet" in body and "/ 100" not in body
    assert "2 reports so far" in body


def test_employer_page_lists_recent_published_reports_in_fixed_queries(app, client, query_counter):
    from tests.conftest import page_text

    employer = EmployerFactory(name="Fizzlebrook Logistics", slug="fizzlebrook-logistics")
    _review(employer, Outcome.ghosted, narrative="Visible story about silence.")
    _review(employer, Outcome.ghosted, status=ReviewStatus.scheduled, narrative="Not yet public.")

    def fetch():
        import caching

        caching.pages.clear()  # the rendering's queries, not a stored copy's
        with query_counter() as statements:
            body = page_text(client.get("/employers/fizzlebrook-logistics"))
        return body, len(statements)

    body, few = fetch()
    assert "Recent reports" in body and "Visible story about silence." in body
    assert "Not yet public." not in body
    for _ in range(4):
        _review(employer, Outcome.rejected)
    _, many = fetch()
    assert many == few


def test_the_site_parameters_are_read_once_and_follow_any_change(app, query_counter):
    """scoring.stats.current_inputs keeps the parsed row while its updated_at stands (issue 19):
    one narrow query a request; a write here or by another process is seen at once."""
    from sqlalchemy import update

    from scoring.models import SiteParameters
    from scoring.stats import current_inputs

    _review(EmployerFactory(), Outcome.rejected)
    refresh_site_parameters()
    db.session.commit()
    first = current_inputs()
    with query_counter() as queries:
        assert current_inputs() is first
    assert len(queries) == 1
    # Another process (the daily recompute) writes the row: Core, no ORM event here.
    db.session.execute(
        update(SiteParameters)
        .where(SiteParameters.id == 1)
        .values(mu=0.123, updated_at=utcnow() + timedelta(seconds=1))
    )
    db.session.commit()
    assert current_inputs().mu == 0.123
    # A write through the ORM in this process, even at the same instant, is seen too.
    row = db.session.get(SiteParameters, 1)
    current_inputs()
    row.mu, row.updated_at = 0.456, row.updated_at  # the same updated_at, as under a frozen clock
    db.session.commit()
    assert current_inputs().mu == 0.456
