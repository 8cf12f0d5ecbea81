"""The statistics row kept by running sums (scoring.sketch, issue 19): a change folded into an
employer's sketch must give, bit for bit, the sketch and the row a rebuild from every review
gives, whatever the change, and the fold must be what actually ran (not a silent rebuild)."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from sqlalchemy import select, text

from accounts.models import User
from employers.models import Employer, EmployerStats
from extensions import db
from operations.tick import tick
from reviews import lifecycle, pending
from reviews.models import GuidelineReason, NextSteps, Outcome, Review, ReviewStatus
from reviews.services import Prepared, update
from scoring import stats
from scoring.models import EmployerSketch
from scoring.sketch import Sketch
from scoring.vocabulary import DECISIONS, Feedback, Stage
from tests.factories import EmployerFactory, ReviewFactory, SiteParametersFactory, UserFactory
from timeutils import month_start, utcnow

ROW_COLUMNS = (
    "review_count",
    "author_count",
    "ghosted_count",
    "waiting_count",
    "decided_count",
    "weight_sum",
    "score",
    "score_sd",
    "scored_reviews",
    "scored_authors",
    "spread_days",
    "established_authors",
    "figures",
)


@pytest.fixture
def folds(monkeypatch):
    """What each refresh did: "folded", or "rebuilt" after a fold found a change it wasn't told
    of (a refresh without `before` rebuilds and isn't counted)."""
    done: list[str] = []
    real = stats._folded

    def counted(*args, **kwargs):
        found = real(*args, **kwargs)
        done.append("folded" if found is not None else "rebuilt")
        return found

    monkeypatch.setattr(stats, "_folded", counted)
    return done


def _from_scratch(employer_id: int) -> tuple[Sketch, dict]:
    today = date.today()
    inputs = stats.current_inputs()
    rows = db.session.execute(
        select(*stats.FACT_COLUMNS).where(
            Review.employer_id == employer_id, Review.status == ReviewStatus.published
        )
    ).all()
    facts = [stats.facts_from_row(row, today) for row in rows]
    industry = stats._key(db.session.get(Employer, employer_id).industry)
    return stats.sketch_of(facts, inputs, today), stats.employer_figures(
        facts, inputs, today, industry
    )


def _assert_as_rebuilt(employer_id: int) -> None:
    db.session.flush()
    kept = db.session.get(EmployerSketch, employer_id, populate_existing=True)
    row = db.session.get(EmployerStats, employer_id, populate_existing=True)
    sketch, figures = _from_scratch(employer_id)
    assert Sketch.from_json(kept.data) == sketch
    for column in ROW_COLUMNS:
        assert getattr(row, column) == figures[column], column


def _pool(count: int) -> list:
    users = [UserFactory() for _ in range(count)]
    for index, user in enumerate(users):
        user.created_at = utcnow() - timedelta(days=10 if index % 3 == 0 else 400)
    return users


def _review(rng: random.Random, employer_id: int, author, month: date) -> Review:
    review = ReviewFactory(
        author=author,
        employer_id=employer_id,
        process_month=month,
        last_contact_on=month + timedelta(days=rng.randint(0, 25)),
        new_account=rng.random() < 0.3,
    )
    _change(rng, review, [author])
    return review


def _reviews(
    rng: random.Random, employer_id: int, count: int, accounts: int, *, published: bool = False
) -> tuple[list, list[Review]]:
    """`count` random reviews of the employer by `accounts` accounts (published ones only, or
    some hidden too), flushed: (the accounts, the reviews)."""
    authors = _pool(accounts)
    months = _months(count)
    reviews = [_review(rng, employer_id, authors[i % accounts], months[i]) for i in range(count)]
    if published:
        for review in reviews:
            review.status, review.hidden_reason = ReviewStatus.published, None
            review.published_at = review.published_at or utcnow()
    db.session.flush()
    return authors, reviews


def _months(count: int) -> list[date]:
    """Distinct process months over three years (one review per author and month)."""
    start = month_start(date.today())
    months = [start]
    while len(months) < count:
        months.append(month_start(months[-1] - timedelta(days=1)))
    return months


def _outcome(rng: random.Random, review: Review) -> None:
    outcome = rng.choice(list(Outcome))
    review.chased_for_decision = None
    review.feedback = None
    review.decision_days = None
    review.stage = Stage.offer if outcome in (Outcome.offer, Outcome.rescinded) else Stage.interview
    review.steps = None
    if outcome in DECISIONS:
        review.decision_days = rng.choice([0, 3, 9, 15, 40, 75, 200])
        review.chased_for_decision = rng.choice([None, True, False])
    if outcome is Outcome.rejected:
        review.feedback = rng.choice([None, Feedback.none, Feedback.generic])
    if rng.random() < 0.5:  # every step reached: the stage's and some before it
        bits = rng.randrange(1 << review.stage.rank)
        review.steps = (1 << review.stage.rank) | bits
    review.outcome = outcome


def _change(rng: random.Random, review: Review, authors: list) -> None:
    """One random change of a review: any column a figure reads."""
    kind = rng.randrange(11)
    if kind == 0:
        _outcome(rng, review)
    elif kind == 1:
        review.last_contact_on = review.process_month + timedelta(days=rng.randint(0, 60))
    elif kind == 2:
        timeline = rng.random() < 0.5
        review.next_steps = NextSteps.yes_with_date if timeline else NextSteps.no
        review.promised_days = rng.choice([7, 14, 30]) if timeline else None
    elif kind == 3:
        sent = rng.choice([None, 0, 2, 3])
        review.followups_sent = sent
        review.followups_answered = None if sent is None else rng.randint(0, sent)
    elif kind == 4:
        review.turned_down_work = rng.choice([None, True, False])
    elif kind == 5:
        review.new_account = not review.new_account
        review.contact_verified = rng.random() < 0.5
    elif kind == 6:
        review.burst_capped_at = None if review.burst_capped_at else utcnow()
    elif kind == 7:
        review.employer_followed_up_at = None if review.employer_followed_up_at else utcnow()
        review.prospective = rng.random() < 0.3
    elif kind == 8:  # hidden by a moderator, or shown again
        if review.status is ReviewStatus.published:
            review.status, review.hidden_reason = ReviewStatus.hidden, GuidelineReason.other
        else:
            review.status, review.hidden_reason = ReviewStatus.published, None
            review.published_at = review.published_at or utcnow()
    elif kind == 9:  # another of the pool's accounts, or de-linked (its account deleted)
        review.author_id = rng.choice([None, *(author.id for author in authors)])
    else:
        _outcome(rng, review)
        review.turned_down_work = rng.choice([None, True])


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_changes_folded_one_by_one_equal_a_rebuild(app, folds, seed):
    rng = random.Random(seed)
    SiteParametersFactory()
    employer = EmployerFactory()
    authors, reviews = _reviews(rng, employer.id, 36, 7)
    stats.refresh_employer(employer.id)
    _assert_as_rebuilt(employer.id)
    for _ in range(40):
        changed = rng.sample(reviews, rng.randint(1, 3))
        before = {review.id: stats.as_before(review) for review in changed}
        for review in changed:
            _change(rng, review, authors)
        stats.refresh_employer(employer.id, before=before)
        _assert_as_rebuilt(employer.id)
    assert folds == ["folded"] * 40


def test_a_review_moved_to_another_employer_leaves_one_sketch_for_the_other(app, folds):
    rng = random.Random(7)
    first, second = EmployerFactory(), EmployerFactory()
    _, reviews = _reviews(rng, first.id, 12, 4)
    for employer in (first, second):
        stats.refresh_employer(employer.id)
    moved = reviews[0]
    moved.status, moved.hidden_reason, moved.published_at = ReviewStatus.published, None, utcnow()
    db.session.flush()
    stats.refresh_employer(first.id)
    before = {moved.id: stats.as_before(moved)}
    moved.employer_id = second.id
    for employer in (first, second):
        stats.refresh_employer(employer.id, before=before)
        _assert_as_rebuilt(employer.id)
    assert db.session.get(EmployerStats, second.id).review_count == 1
    assert folds == ["folded", "folded"]


def test_a_change_it_was_not_told_of_makes_it_rebuild(app, folds):
    rng = random.Random(11)
    employer = EmployerFactory()
    _, reviews = _reviews(rng, employer.id, 10, 5, published=True)
    stats.refresh_employer(employer.id)
    # Hidden behind its back (raw SQL: no `before`), then another review changes as it is told.
    db.session.execute(
        text("UPDATE reviews SET status = 'hidden', hidden_reason = 'other' WHERE id = :id"),
        {"id": reviews[0].id},
    )
    db.session.expire_all()
    told = db.session.get(Review, reviews[1].id)
    before = {told.id: stats.as_before(told)}
    told.turned_down_work = not told.turned_down_work
    stats.refresh_employer(employer.id, before=before)
    _assert_as_rebuilt(employer.id)
    assert folds == ["rebuilt"]
    assert db.session.get(EmployerStats, employer.id).review_count == 9


def test_another_day_or_other_parameters_rebuild_the_sketch(app, folds, monkeypatch):
    rng = random.Random(5)
    employer = EmployerFactory()
    _, reviews = _reviews(rng, employer.id, 8, 5)
    stats.refresh_employer(employer.id, today=date.today() - timedelta(days=1))
    stale = db.session.get(EmployerSketch, employer.id).stamp
    before = {reviews[0].id: stats.as_before(reviews[0])}
    reviews[0].turned_down_work = True
    stats.refresh_employer(employer.id, before=before)
    assert folds == []  # yesterday's sums: not folded into
    assert db.session.get(EmployerSketch, employer.id).stamp != stale
    _assert_as_rebuilt(employer.id)
    row = SiteParametersFactory(km_times=[3, 30], km_cumulative=[0.1, 0.9])
    db.session.flush()
    stats._forget_inputs()
    before = {reviews[1].id: stats.as_before(reviews[1])}
    reviews[1].turned_down_work = True
    stats.refresh_employer(employer.id, before=before)
    assert folds == []  # another curve F: open cases are worth something else
    _assert_as_rebuilt(employer.id)
    assert row.km_times == [3, 30]
    # Another secret: each waiting review is presumed ghosted on another day (scoring.ghosting).
    stamp = db.session.get(EmployerSketch, employer.id).stamp
    monkeypatch.setitem(app.config, "SECRET_KEY", "another-secret-" + "k" * 40)
    before = {reviews[2].id: stats.as_before(reviews[2])}
    reviews[2].turned_down_work = True
    stats.refresh_employer(employer.id, before=before)
    assert folds == []
    kept = db.session.get(EmployerSketch, employer.id).stamp
    assert kept != stamp and "another-secret" not in kept
    _assert_as_rebuilt(employer.id)


def test_publication_and_published_edits_fold_through_the_tick(app, folds):
    """The paths that pass `before`: a scheduled review published by the tick, and an author's
    change made public by it; each folds, and the row is the rebuild's."""
    employer = EmployerFactory()
    rng = random.Random(3)
    _reviews(rng, employer.id, 6, 6, published=True)
    stats.refresh_employer(employer.id)
    db.session.commit()
    ReviewFactory(
        author=UserFactory(),
        employer_id=employer.id,
        status=ReviewStatus.scheduled,
        publish_at=utcnow() - timedelta(minutes=5),
        outcome=Outcome.waiting,
    )
    ReviewFactory(
        author=UserFactory(),
        employer_id=employer.id,
        status=ReviewStatus.scheduled,
        publish_at=utcnow() - timedelta(minutes=5),
        outcome=Outcome.ghosted,
    )
    db.session.commit()
    assert lifecycle.publish_due(utcnow()) == 2
    db.session.commit()
    _assert_as_rebuilt(employer.id)
    assert folds == ["folded"]
    edited = db.session.scalars(
        select(Review).where(Review.employer_id == employer.id, Review.author_id.is_not(None))
    ).first()
    author = db.session.get(User, edited.author_id)
    update(edited, author, Prepared({"outcome": Outcome.rejected, "decision_days": 12}))
    db.session.commit()
    assert pending.publish_due(utcnow() + timedelta(days=30)) == 1
    db.session.commit()
    assert db.session.get(Review, edited.id).outcome is Outcome.rejected
    _assert_as_rebuilt(employer.id)
    assert folds == ["folded", "folded"]
    assert tick(utcnow() + timedelta(days=30)).changes_published == 0


def test_a_rebuild_keeps_the_sketches_of_large_employers_for_the_day(app, folds, monkeypatch):
    monkeypatch.setattr(stats, "SKETCH_KEPT_FROM", 5)
    rng = random.Random(13)
    large, small = EmployerFactory(), EmployerFactory()
    authors, reviews = _reviews(rng, large.id, 12, 6, published=True)
    _review(rng, small.id, authors[0], _months(1)[0]).status = ReviewStatus.published
    db.session.flush()
    stats.refresh_employer(small.id)  # yesterday's kind of sketch: the rebuild drops it
    stats.recompute()
    db.session.flush()
    kept = {row.employer_id: row for row in db.session.scalars(select(EmployerSketch))}
    assert set(kept) == {large.id}
    assert kept[large.id].stamp == stats.sketch_stamp(date.today(), stats.current_inputs())
    _assert_as_rebuilt(large.id)
    before = {reviews[0].id: stats.as_before(reviews[0])}
    reviews[0].turned_down_work = not reviews[0].turned_down_work
    stats.refresh_employer(large.id, before=before)
    assert folds == ["folded"]
    _assert_as_rebuilt(large.id)
