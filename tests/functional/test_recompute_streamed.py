"""`recompute` reads the reviews one employer at a time (issue 19: at 1M reviews it held every
review's facts, 700-900 MB): the site's parameters from tallies fed employer by employer must be
those of the whole list at once, and no more than one employer's reviews are held."""

from __future__ import annotations

import gc
import math
import os
import random
from datetime import date

import pytest
from sqlalchemy import func, select, text

from employers.models import Employer, EmployerStats
from extensions import db
from reviews.models import Outcome, Review, ReviewStatus
from scoring import engine, pooling, stats
from scoring import figures as side
from scoring.models import SiteParameters
from tests.factories import EmployerFactory
from tests.helpers import MIXED_OUTCOMES
from tests.helpers import review_with_outcome as _review

TODAY = date.today()


def _fill(rng: random.Random, employers: int, most: int) -> list:
    made = [EmployerFactory() for _ in range(employers)]
    for employer in made:
        for _ in range(rng.randint(1, most)):
            _review(
                employer,
                rng.choice(MIXED_OUTCOMES),
                days_ago=rng.randint(1, 500),
                new_account=rng.random() < 0.3,
            )
    # And one employer without a published review: its row is written empty.
    _review(EmployerFactory(), Outcome.ghosted, status=ReviewStatus.scheduled)
    db.session.commit()
    return made


def _live_facts() -> int:
    return sum(1 for thing in gc.get_objects() if isinstance(thing, engine.ReviewFacts))


def test_recompute_holds_one_employers_reviews_at_a_time(app, monkeypatch):
    rng = random.Random(11)
    _fill(rng, employers=15, most=6)
    total = db.session.scalar(
        select(func.count(Review.id)).where(Review.status == ReviewStatus.published)
    )
    assert total > 30
    live = []
    tally_add, sketch_of = pooling.SiteTally.add, stats.sketch_of

    def counted_add(self, employer):
        live.append(_live_facts())
        return tally_add(self, employer)

    def counted_sketch(facts, *args, **kwargs):
        live.append(_live_facts())
        return sketch_of(facts, *args, **kwargs)

    monkeypatch.setattr(pooling.SiteTally, "add", counted_add)
    monkeypatch.setattr(stats, "sketch_of", counted_sketch)
    stats.recompute()
    db.session.commit()
    # Both reads visited every employer with published reviews (15 each)...
    assert len(live) >= 30
    # ...and never held more than one employer's reviews (at most 6) at once.
    assert max(live) <= 6


def test_the_site_parameters_are_those_of_every_review_at_once(app):
    """The streamed tallies against the plain functions over the whole list."""
    rng = random.Random(5)
    _fill(rng, employers=12, most=8)
    steps = []
    stats.recompute(TODAY, progress=steps.append)
    db.session.commit()
    assert (
        sum(steps)
        == stats.recompute_steps()
        == 2 * db.session.scalar(select(func.count(Employer.id)))
    )

    per_employer = []
    for employer_id in db.session.scalars(select(Employer.id).order_by(Employer.id)):
        rows = db.session.execute(
            select(*stats.FACT_COLUMNS)
            .where(Review.employer_id == employer_id, Review.status == ReviewStatus.published)
            .order_by(Review.id)
        ).all()
        facts = [stats.facts_from_row(row, TODAY) for row in rows]
        if facts:
            per_employer.append(side.weighted(facts, TODAY))
    everything = [pair for pairs in per_employer for pair in pairs]
    curve = side.curve_of(everything, TODAY)
    saved = db.session.get(SiteParameters, 1)
    assert (tuple(saved.km_times), saved.km_observations) == (curve.times, curve.observations)
    assert saved.review_count == db.session.scalar(
        select(func.count(Review.id)).where(Review.status == ReviewStatus.published)
    )

    # No reporting-bias correction applies at this size: μ is the plain weighted mean of h.
    assert not (saved.baselines["reporting_bias"].get("site") or {}).get("applied")
    valued = [
        (value, weight)
        for item, weight in everything
        if (value := engine.review_value(item, TODAY, km_curve=curve)) is not None
    ]
    mu = sum(u * w for u, w in valued) / sum(w for _, w in valued)
    assert math.isclose(saved.mu, mu, rel_tol=1e-12)
    moments = [
        engine.employer_moments([u for u, _ in found], [w for _, w in found])
        for pairs in per_employer
        if (
            found := [
                (value, weight)
                for item, weight in pairs
                if (value := engine.review_value(item, TODAY, km_curve=curve)) is not None
            ]
        )
    ]
    assert math.isclose(saved.m, engine.M_of(moments), rel_tol=1e-12)

    site = saved.baselines["site"]
    assert site["reviews"] == len(everything)
    assert site["authors"] == len({item.author_key for item, _ in everything})
    assert site["days"] == side.pooled_days(everything, TODAY)
    assert site["score"] == round(100 * mu, 2)
    assert saved.baselines["priors"] == side.priors_from(per_employer, TODAY)
    for name, question in side.QUESTIONS.items():
        found = side.answers(everything, question, TODAY)
        assert site[name] == side.share(found, side.Prior(0.0, 1.0))["raw"]


def test_recompute_twice_writes_the_same_rows(app):
    """The second rebuild updates the rows the first inserted (batched UPDATE by key)."""
    _fill(random.Random(3), employers=8, most=5)
    stats.recompute(TODAY)
    db.session.commit()
    first = _rows()
    stats.recompute(TODAY)
    db.session.commit()
    assert _rows() == first


def _rows() -> dict:
    db.session.expire_all()
    return {
        row.employer_id: (row.review_count, row.score, row.figures)
        for row in db.session.scalars(select(EmployerStats))
    }


def test_forked_workers_give_the_same_parameters_and_rows(app_factory, tmp_path, monkeypatch):
    """Shared out to forked processes, in parts of 4 employers, the rebuild writes what one
    process reading everything writes, bit for bit (the tallies merge in the employers' order).
    The forked processes read on their own connections while this one holds the write lock."""
    url = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'rebuild.sqlite3'}"
    app_factory(SQLALCHEMY_DATABASE_URI=url)
    _fill(random.Random(9), employers=20, most=7)
    stats.recompute(TODAY, workers=1)
    db.session.commit()
    serial = (_rows(), _parameters())
    monkeypatch.setattr(stats, "PART_EMPLOYERS", 4)
    monkeypatch.setattr(stats, "_rows_of", _rows_noting_the_process)
    _PROCESSES.append(tmp_path / "processes")
    steps = []
    stats.recompute(TODAY, workers=3, progress=steps.append)
    db.session.commit()
    assert (_rows(), _parameters()) == serial
    assert sum(steps) == stats.recompute_steps()
    assert len(steps) > 10  # reported part by part
    # The parts were computed in three processes.
    assert len(set((tmp_path / "processes").read_text().split())) == 3


_ROWS_OF = stats._rows_of
_PROCESSES: list = []  # where each process notes its id (set before the fork)


def _rows_noting_the_process(*args, **kwargs):
    with _PROCESSES[-1].open("a") as noted:
        noted.write(f"{os.getpid()}\n")
    return _ROWS_OF(*args, **kwargs)


def _parameters() -> tuple:
    db.session.expire_all()
    saved = db.session.get(SiteParameters, 1)
    return (saved.mu, saved.m, saved.within_variance, saved.km_cumulative, saved.baselines)


def test_the_command_takes_a_number_of_workers(app, runner):
    _fill(random.Random(2), employers=3, most=3)
    result = runner.invoke(args=["heardback", "recompute", "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert "Rebuilt the statistics of 4 employers (3 with published reviews)." in result.output
    for wrong in ("0", "-2", "many", "100000"):
        refused = runner.invoke(args=["heardback", "recompute", "--workers", wrong])
        assert refused.exit_code == 2
        assert "Invalid value for '--workers'" in refused.output


def test_postgresql_knows_the_rewritten_table_after_a_rebuild(app):
    """recompute rewrites every statistics row, then ANALYZEs the table: the lists' queries are
    planned on the table as it is, whether or not autovacuum has come by (it is off on the
    benchmark machine, where the least responsive list took another index: 58 ms, not 0.2)."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's planner statistics: the suite's PostgreSQL pass runs this")
    _fill(random.Random(8), employers=6, most=3)
    db.session.execute(text("ANALYZE employer_stats"))
    db.session.commit()
    _fill(random.Random(9), employers=5, most=3)
    stats.recompute(TODAY)
    db.session.commit()
    estimated = db.session.scalar(
        text("SELECT reltuples FROM pg_class WHERE relname = 'employer_stats'")
    )
    assert estimated == db.session.scalar(select(func.count()).select_from(EmployerStats))
