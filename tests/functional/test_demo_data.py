"""`flask heardback demo-data`: fictional, deterministic, constraint-abiding demo data."""

from __future__ import annotations

import hashlib
import random
from collections import Counter
from datetime import date, timedelta

import pytest
from slugify import slugify
from sqlalchemy import delete, func, select

from accounts.models import User
from accounts.services import check_password
from applications.models import Application, ApplicationStatus, ApplicationStep
from applications.services import OPEN, next_action_on
from demo.generator import DECISIONS, DEMO_PASSWORD_HASH, DemoGenerator, plan_review_counts
from demo.names import ENDINGS, LEGAL_FORMS, STEMS
from employers.models import Employer, EmployerStats
from employers.services import create_employer, normalize_name
from extensions import db
from reviews.models import Review

TODAY = date(2026, 3, 15)
EARLY, LATE = ("applied", "screen"), ("final", "references", "offer")
MADE_UP_WORDS = {(stem + ending).lower() for stem in STEMS for ending in ENDINGS}


def demo_data(runner, *options):
    return runner.invoke(args=["heardback", "demo-data", "--today", TODAY.isoformat(), *options])


def generated(employers: int, reviews: int, seed: int = 1, today: date = TODAY):
    """(generator, employer rows, review rows), straight from the generator, ids made up."""
    generator = DemoGenerator(employers=employers, reviews=reviews, seed=seed, today=today)
    employer_rows = generator.employer_rows()
    review_rows = list(
        generator.review_rows(range(1, employers + 1), range(1, generator.pool_size + 1))
    )
    return generator, employer_rows, review_rows


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def database_digest() -> str:
    """Every demo row, with employers and authors named rather than numbered by id."""
    reviews = db.session.execute(
        select(Review, Employer.name, User.email)
        .join(Employer, Employer.id == Review.employer_id)
        .join(User, User.id == Review.author_id)
        .order_by(Review.id)
    )
    skip = {"id", "employer_id", "author_id"}
    digest = hashlib.sha256()
    for review, employer_name, email in reviews:
        columns = {c.key: getattr(review, c.key) for c in Review.__table__.c if c.key not in skip}
        digest.update(repr((sorted(columns.items()), employer_name, email)).encode())
    for row in db.session.execute(
        select(Employer.name, Employer.slug, Employer.industry, Employer.size_band,
               Employer.country, Employer.created_at, EmployerStats.review_count)
        .join(EmployerStats)
        .order_by(Employer.id)
    ):  # fmt: skip
        digest.update(repr(tuple(row)).encode())
    for row in db.session.execute(
        select(Application.role_title, Application.status, Application.applied_on,
               Application.next_action_on, Application.created_at, Employer.name, User.email)
        .join(Employer, Employer.id == Application.employer_id)
        .join(User, User.id == Application.user_id)
        .order_by(Application.id)
    ):  # fmt: skip
        digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def wipe_demo_data() -> None:
    for model in (ApplicationStep, Application, Review, EmployerStats, Employer, User):
        db.session.execute(delete(model))
    db.session.commit()


# --- through the command line ----------------------------------------------------------------


def test_demo_accounts_track_applications(runner):
    """My applications has data to show: a few demo accounts track applications with steps,
    each with the tracker's own next action, nothing dated in the future."""
    assert demo_data(runner, "--employers", "30", "--reviews", "400", "--seed", "5").exit_code == 0
    applications = db.session.scalars(select(Application)).all()
    assert len(applications) >= 12 * 2
    owners = {application.user_id for application in applications}
    assert 2 <= len(owners) <= 12
    assert set(db.session.scalars(select(User.id).where(User.id.in_(owners)))) == owners
    statuses = Counter(application.status for application in applications)
    assert statuses[ApplicationStatus.decided] and sum(statuses[s] for s in OPEN)
    assert count(ApplicationStep) > 0
    today = date.today()
    for application in applications:
        assert application.next_action_on == next_action_on(application)
        assert all(step.happened_on < today for step in application.steps)
        assert application.created_at.date() < today
        decided = application.status is ApplicationStatus.decided
        assert (application.outcome_known_at is not None) == decided
        assert (application.next_action_on is None) == (application.status not in OPEN)


def test_creates_what_was_asked_for(runner):
    result = demo_data(runner, "--employers", "40", "--reviews", "600", "--seed", "3")

    assert result.exit_code == 0, result.output
    assert "Added 40 fictional employers" in result.output
    assert "flask heardback recompute" in result.output  # the scores are not there yet
    assert "600 reviews" in result.output and "ghosted" in result.output
    assert count(Employer) == 40
    assert count(EmployerStats) == 40
    assert count(Review) == 600
    assert count(User) == DemoGenerator(employers=40, reviews=600, seed=3, today=TODAY).pool_size
    assert all(user.email.endswith("@example.invalid") for user in db.session.scalars(select(User)))


def test_statistics_rows_count_the_reviews(runner):
    assert demo_data(runner, "--employers", "60", "--reviews", "900").exit_code == 0

    fresh = {
        employer_id: (total, authors, ghosted, waiting, decided)
        for employer_id, total, authors, ghosted, waiting, decided in db.session.execute(
            select(
                Review.employer_id,
                func.count(),
                func.count(func.distinct(Review.author_id)),
                func.sum((Review.outcome == "ghosted").cast(db.Integer)),
                func.sum((Review.outcome == "waiting").cast(db.Integer)),
                func.sum(Review.outcome.in_(sorted(DECISIONS)).cast(db.Integer)),
            ).group_by(Review.employer_id)
        )
    }
    for stats in db.session.scalars(select(EmployerStats)):
        expected = fresh.get(stats.employer_id, (0, 0, 0, 0, 0))
        stored = (
            stats.review_count,
            stats.author_count,
            stats.ghosted_count,
            stats.waiting_count,
            stats.decided_count,
        )
        assert stored == expected
        assert (stats.score, stats.score_sd, stats.weight_sum) == (None, None, 0)
    no_figures = select(func.count()).where(EmployerStats.__table__.c.figures.is_(None))
    assert db.session.scalar(no_figures) == 60  # SQL NULL, not the JSON text 'null'


def test_every_review_keeps_the_rules(runner):
    """The CHECK constraints already refused any bad row; these are the rules they can't see."""
    assert demo_data(runner, "--employers", "50", "--reviews", "1500", "--seed", "5").exit_code == 0
    reviews = db.session.scalars(select(Review)).all()
    keys = Counter((r.author_id, r.employer_id, r.process_month) for r in reviews)
    assert max(keys.values()) == 1
    for review in reviews:
        outcome, stage = review.outcome.value, review.stage.value
        assert review.status.value == "published"
        assert review.published_at == review.created_at
        assert review.created_at.date() < TODAY
        assert review.process_month.day == 1
        assert review.process_month >= TODAY.replace(day=1) - timedelta(days=4 * 366)
        assert review.process_month <= review.last_contact_on < TODAY
        assert (review.decision_days is not None) == (outcome in DECISIONS)
        if review.decision_days is not None:
            assert review.last_contact_on + timedelta(days=review.decision_days) < TODAY
        if outcome in ("offer", "rescinded"):
            assert stage == "offer"
        if review.promised_days is not None:
            assert review.next_steps.value == "yes_with_date"
            assert 1 <= review.promised_days <= 365
        if review.followups_answered is not None:
            assert review.followups_answered <= review.followups_sent
        for text in (review.narrative, review.advice):
            assert text is None or not any(mark in text for mark in ("@", "http", "www."))


def test_demo_accounts_cannot_sign_in(runner):
    assert demo_data(runner, "--employers", "5", "--reviews", "20").exit_code == 0
    user = db.session.scalars(select(User)).first()
    assert user.password_hash == DEMO_PASSWORD_HASH
    assert user.email_verified_at is not None
    assert not check_password(user, DEMO_PASSWORD_HASH)
    assert not check_password(user, "")


def test_same_seed_same_rows_in_the_database(runner):
    options = ("--employers", "30", "--reviews", "400", "--seed", "11")
    assert demo_data(runner, *options).exit_code == 0
    first = database_digest()
    wipe_demo_data()
    assert demo_data(runner, *options).exit_code == 0
    assert database_digest() == first
    wipe_demo_data()
    assert demo_data(runner, "--employers", "30", "--reviews", "400", "--seed", "12").exit_code == 0
    assert database_digest() != first


def test_if_empty_leaves_a_filled_database_alone(runner):
    assert demo_data(runner, "--employers", "10", "--reviews", "50").exit_code == 0

    result = demo_data(runner, "--employers", "10", "--reviews", "50", "--if-empty")

    assert result.exit_code == 0
    assert "already has 10 employers; no demo data added" in result.output
    assert (count(Employer), count(Review)) == (10, 50)


def test_if_empty_fills_an_empty_database(runner):
    result = demo_data(runner, "--employers", "10", "--reviews", "50", "--if-empty")
    assert result.exit_code == 0, result.output
    assert (count(Employer), count(Review)) == (10, 50)


def test_without_if_empty_adds_alongside_existing_employers(runner):
    create_employer("Fizzlewick Analytics")  # as if a real user had added a demo-like name
    db.session.commit()
    for _ in range(2):  # the same seed twice: no name, slug, account or public id may clash
        result = demo_data(runner, "--employers", "25", "--reviews", "300", "--seed", "1")
        assert result.exit_code == 0, result.output

    assert "adding demo data" in result.output
    assert count(Employer) == 51
    assert count(EmployerStats) == 51
    assert count(Review) == 600
    names = db.session.scalars(select(Employer.normalized_name)).all()
    assert len(set(names)) == len(names)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--employers", "0"], "--employers"),
        (["--employers", "many"], "--employers"),
        (["--reviews", "-1"], "--reviews"),
        (["--seed", "x"], "--seed"),
        (["--today", "15/03/2026"], "YYYY-MM-DD"),
        (["--today", "2999-01-01"], "future"),
    ],
)
def test_invalid_options_are_refused_politely(runner, options, message):
    result = runner.invoke(args=["heardback", "demo-data", *options])
    assert result.exit_code == 2
    assert "Error" in result.output and message in result.output
    assert "Traceback" not in result.output
    assert count(Employer) == 0


# --- the generator itself --------------------------------------------------------------------


def test_generator_is_deterministic():
    def digest(seed):
        _, employers, reviews = generated(80, 1200, seed=seed)
        return hashlib.sha256(repr((employers, reviews)).encode()).hexdigest()

    assert digest(4) == digest(4)
    assert digest(4) != digest(5)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_outcome_mix_follows_the_design(seed):
    """DESIGN.md §1: about half end in silence, early stages more often than late ones."""
    _, _, reviews = generated(300, 4000, seed=seed)
    outcomes = Counter(review["outcome"] for review in reviews)

    assert 0.40 <= outcomes["ghosted"] / len(reviews) <= 0.60
    assert outcomes["waiting"] and outcomes["withdrew"] and outcomes["rescinded"]

    def ghosted_share(stages):
        at = [review for review in reviews if review["stage"] in stages]
        return sum(review["outcome"] == "ghosted" for review in at) / len(at)

    assert ghosted_share(EARLY) > ghosted_share(LATE) + 0.15
    days = sorted(r["decision_days"] for r in reviews if r["decision_days"] is not None)
    assert 2 <= days[len(days) // 2] <= 21
    filled = sum(review["role_category"] is not None for review in reviews) / len(reviews)
    assert 0.6 < filled < 0.95


def test_recent_months_are_more_common():
    _, _, reviews = generated(100, 3000)
    months = sorted({review["process_month"] for review in reviews})
    assert len(months) > 36
    assert months[0] >= date(2022, 3, 1)
    last_year = sum(r["process_month"] >= date(2025, 3, 1) for r in reviews)
    earliest_year = sum(r["process_month"] < date(2023, 3, 1) for r in reviews)
    assert last_year > 1.5 * earliest_year


def test_most_employers_have_few_reviews_and_a_few_have_many():
    counts = plan_review_counts(random.Random(1), 500, 8000)
    reviewed = [n for n in counts if n]

    assert sum(counts) == 8000
    assert sum(n <= 3 for n in reviewed) / len(reviewed) >= 0.6
    assert max(counts) >= 50
    assert 0 in counts


@pytest.mark.parametrize(
    ("employers", "reviews"), [(1, 0), (1, 1), (1, 500), (3, 2), (1000, 10), (20, 5000)]
)
def test_review_counts_add_up_whatever_the_ratio(employers, reviews):
    counts = plan_review_counts(random.Random(7), employers, reviews)
    assert len(counts) == employers
    assert sum(counts) == reviews
    assert min(counts) >= 0


def test_authors_are_distinct_within_each_employer():
    generator, _, reviews = generated(20, 2000)
    assert generator.pool_size >= max(generator.review_counts)
    pairs = {(review["employer_id"], review["author_id"]) for review in reviews}
    assert len(pairs) == len(reviews)


def test_names_are_fictional_and_unique():
    generator = DemoGenerator(employers=5000, reviews=0, seed=1, today=TODAY)
    rows = generator.employer_rows()

    assert len({row["normalized_name"] for row in rows}) == 5000
    assert len({row["slug"] for row in rows}) == 5000
    for row in rows:
        assert row["normalized_name"] == normalize_name(row["name"])
        assert row["slug"] == slugify(row["name"], max_length=200, word_boundary=True)
        assert MADE_UP_WORDS & set(row["normalized_name"].split()), row["name"]
        assert len(row["country"]) == 2 and row["industry"] and row["size_band"]


@pytest.mark.parametrize("form", sorted({form for forms in LEGAL_FORMS.values() for form in forms}))
def test_legal_forms_vanish_when_normalised(form):
    assert normalize_name(f"Quibblewick Widgets {form}") == "quibblewick widgets"


def test_taken_names_are_avoided():
    first = DemoGenerator(employers=300, reviews=0, seed=1, today=TODAY).employer_rows()
    taken = {row["normalized_name"] for row in first}
    again = DemoGenerator(
        employers=300, reviews=0, seed=1, today=TODAY, taken_names=taken
    ).employer_rows()
    assert not taken & {row["normalized_name"] for row in again}
