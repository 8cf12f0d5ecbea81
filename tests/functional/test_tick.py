"""`flask heardback tick`: publishing, presumed ghosted, reminders; idempotent on a frozen clock."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select, update

from extensions import db
from operations.tick import TickReport, tick
from reviews import lifecycle
from reviews.lifecycle import ReminderKind
from reviews.models import (
    HoldReason,
    NextSteps,
    Outcome,
    Review,
    ReviewRevision,
    ReviewStatus,
    Stage,
)
from scoring.ghosting import (
    ghosted_after_days,
    ghosted_mark_offset_days,
    is_presumed_ghosted,
    presumed_ghosted_on,
)
from tests.factories import EmployerFactory, LoginSessionFactory, ReviewFactory, UserFactory
from tests.helpers import exact_dates_in
from timeutils import month_start, utcnow

# Naive UTC, as stored. A day well inside a month, so "the month" and "the date" differ.
NOW = datetime(2026, 3, 17, 9, 30)
TODAY = NOW.date()
NOTHING = TickReport()


@pytest.fixture
def clock():
    with time_machine.travel(NOW.replace(tzinfo=UTC), tick=False) as traveller:
        yield traveller


@pytest.fixture
def author(app, clock):
    return UserFactory(email="waiting.candidate@example.org", verified=True)


def waiting(author, days_since_contact: int, promised: int | None = None, **values) -> Review:
    """A `waiting` review whose last contact was that many days before TODAY."""
    contact = TODAY - timedelta(days=days_since_contact)
    if promised is not None:
        values.update(next_steps=NextSteps.yes_with_date, promised_days=promised)
    values.setdefault("employer_id", EmployerFactory().id)
    return ReviewFactory(
        author=author,
        outcome=Outcome.waiting,
        stage=Stage.interview,
        process_month=month_start(contact),
        last_contact_on=contact,
        **values,
    )


def scheduled(author, publish_at: datetime, **values) -> Review:
    return ReviewFactory(
        author=author,
        outcome=Outcome.rejected,
        stage=Stage.screen,
        decision_days=5,
        status=ReviewStatus.scheduled,
        publish_at=publish_at,
        **values,
    )


def fresh(review: Review) -> Review:
    db.session.expire_all()
    return db.session.get(Review, review.id)


# --- publishing --------------------------------------------------------------------------------


def test_publishes_scheduled_reviews_whose_time_has_come(author):
    due = scheduled(author, NOW - timedelta(hours=1))
    on_the_dot = scheduled(author, NOW)
    not_yet = scheduled(author, NOW + timedelta(minutes=1))
    held = ReviewFactory(
        author=author,
        status=ReviewStatus.held,
        hold_reason=HoldReason.suspected_name,
        publish_at=NOW - timedelta(days=2),
    )

    report = tick()

    assert report.published == 2
    for review in (due, on_the_dot):
        review = fresh(review)
        assert review.status is ReviewStatus.published
        assert review.published_at == NOW
    assert fresh(not_yet).status is ReviewStatus.scheduled
    assert fresh(not_yet).published_at is None
    assert fresh(held).status is ReviewStatus.held


def test_on_published_is_called_once_per_published_review(author, monkeypatch):
    calls = []
    monkeypatch.setattr(
        lifecycle, "on_published", lambda review, **_: calls.append(review.public_id)
    )
    due = scheduled(author, NOW - timedelta(days=1))
    scheduled(author, NOW + timedelta(days=1))

    tick()
    tick()

    assert calls == [due.public_id]


# --- idempotence -------------------------------------------------------------------------------


def test_running_twice_at_the_same_moment_does_nothing_the_second_time(author, outbox):
    scheduled(author, NOW - timedelta(hours=3))
    waiting(author, 45)  # presumed ghosted since day 31
    waiting(author, 12, promised=7)  # promised a week; reminder due from day 10

    first = tick()
    second = tick()

    assert first == TickReport(
        published=1, presumed_ghosted=1, ghosted_reminders=1, timeline_reminders=1
    )
    assert second == NOTHING
    assert len(outbox) == 2


def test_a_late_run_catches_up_once(author, outbox, clock):
    """Cron missed ten days: everything overdue is done once, not once per missed day."""
    late = scheduled(author, NOW - timedelta(days=5))
    overdue_timeline = waiting(author, 20, promised=7)  # reminder was due 10 days ago
    long_ghosted = waiting(author, 200, promised=7)  # past both points: only the ghosted one

    first = tick()
    clock.shift(timedelta(hours=1))
    second = tick()

    assert first == TickReport(
        published=1, presumed_ghosted=1, ghosted_reminders=1, timeline_reminders=1
    )
    assert second == NOTHING
    assert fresh(late).published_at == NOW
    assert fresh(overdue_timeline).timeline_reminder_sent_at == NOW
    long_ghosted = fresh(long_ghosted)
    assert long_ghosted.presumed_ghosted_at == NOW
    assert long_ghosted.ghosted_reminder_sent_at == NOW
    assert long_ghosted.timeline_reminder_sent_at is None
    assert len(outbox) == 2


def test_a_case_that_gets_both_reminders_gets_each_once(author, outbox, clock):
    review = waiting(author, 9, promised=7)
    reports = []
    for _ in range(45):  # to day 53, past day 31 + the longest secret wait (10 days)
        reports.append(tick())
        clock.shift(timedelta(days=1))

    assert sum(report.timeline_reminders for report in reports) == 1
    assert sum(report.ghosted_reminders for report in reports) == 1
    assert reports[1].timeline_reminders == 1  # day 10 = promised 7 + 3
    # day 31 > max(30, 7 + 14), plus the review's secret 3-10 days
    ghosted_day = (presumed_ghosted_on(review) - review.last_contact_on).days
    assert 31 + 3 <= ghosted_day <= 31 + 10
    assert reports[ghosted_day - 9].ghosted_reminders == 1
    assert fresh(review).outcome is Outcome.waiting
    assert len(outbox) == 2


def test_a_reminder_claimed_by_another_run_meanwhile_is_not_sent(author, outbox, monkeypatch):
    """Another host's tick claims the reminder between this run's SELECT and its UPDATE."""
    review = waiting(author, 12, promised=7)
    batches = lifecycle._review_batches

    def racing(query):
        for reviews in batches(query):
            db.session.execute(
                update(Review)
                .where(Review.id == review.id)
                .values(timeline_reminder_sent_at=NOW - timedelta(seconds=1))
            )
            yield reviews

    monkeypatch.setattr(lifecycle, "_review_batches", racing)

    assert tick() == NOTHING
    assert outbox == []


def test_a_reminder_that_fails_to_send_is_retried_next_run(author, outbox, monkeypatch):
    review = waiting(author, 12, promised=7)

    def refuse(message):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr(lifecycle.mail, "send", refuse)
    failed = tick()
    monkeypatch.undo()
    retried = tick()

    assert failed == TickReport(failed_reminders=1)
    assert retried == TickReport(timeline_reminders=1)
    assert fresh(review).timeline_reminder_sent_at == NOW
    assert len(outbox) == 1


# --- presumed ghosted --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("promised", "threshold"),
    [(None, 30), (7, 30), (16, 30), (17, 31), (30, 44)],
)
def test_presumed_ghosted_once_last_contact_is_older_than_the_threshold(
    author, clock, outbox, promised, threshold
):
    """DESIGN.md §3: no contact for more than max(30, promised + 14) days, and then the review's
    secret 3-10 days (§5 rule 8: the day of the mark must not give away the last contact)."""
    review = waiting(author, threshold, promised=promised)
    assert ghosted_after_days(review) == threshold

    reports = []
    for _ in range(12):  # days threshold .. threshold + 11
        reports.append(tick())
        clock.shift(timedelta(days=1))

    [flip] = [day for day, report in enumerate(reports) if report.presumed_ghosted]
    assert 3 + 1 <= flip <= 10 + 1  # threshold + 1 + a wait within the publication-delay window
    assert reports[flip].presumed_ghosted == reports[flip].ghosted_reminders == 1
    review = fresh(review)
    assert review.presumed_ghosted_at == NOW + timedelta(days=flip)
    assert presumed_ghosted_on(review) == TODAY + timedelta(days=flip)
    assert review.outcome is Outcome.waiting  # the author hasn't said so; the figures presume it
    [ghosted_reminder] = [
        message for message in outbox if f"more than {threshold} days" in message.get_content()
    ]
    assert ghosted_reminder["Subject"] == f"Did {review.employer.name} get back to you?"


def test_the_day_of_the_mark_does_not_give_away_the_last_contact(author, clock):
    """DESIGN.md §5 rule 8: reviews with the same last contact are marked on different days, each
    within the window, so the day a card gets its "no reply" mark can't be counted back to the
    date. The tick, the statistics rule and presumed_ghosted_on agree on each review's day."""
    reviews = [waiting(author, 30) for _ in range(24)]
    first_day = {}
    for day in range(12):  # days 30 .. 41 since the last contact
        today = TODAY + timedelta(days=day)
        tick()
        for review in reviews:
            marked = fresh(review).presumed_ghosted_at is not None
            assert marked == is_presumed_ghosted(review, today)
            if marked:
                first_day.setdefault(review.id, day)
        clock.shift(timedelta(days=1))

    assert len(first_day) == len(reviews)  # all marked by day 41
    assert set(first_day.values()) <= set(range(3 + 1, 10 + 2))  # days 34 .. 41
    assert len(set(first_day.values())) >= 4  # not one day for all: 24 draws from 8 days
    for review in reviews:
        assert presumed_ghosted_on(review) == TODAY + timedelta(days=first_day[review.id])


def test_the_secret_wait_needs_the_secret_key(app, monkeypatch):
    """An employer who knows a review's id can't compute its day without SECRET_KEY."""
    days = {}
    for secret in ("one-secret", "another-secret"):
        monkeypatch.setitem(app.config, "SECRET_KEY", secret)
        days[secret] = [ghosted_mark_offset_days(Review(id=n)) for n in range(1, 41)]
    assert days["one-secret"] != days["another-secret"]
    assert set(days["one-secret"]) == set(range(3, 11))  # the whole window is used


def test_only_waiting_reviews_are_presumed_ghosted(author):
    decided = ReviewFactory(
        author=author,
        outcome=Outcome.rejected,
        decision_days=3,
        last_contact_on=TODAY - timedelta(days=200),
        process_month=month_start(TODAY - timedelta(days=200)),
    )
    ghosted = ReviewFactory(author=author, outcome=Outcome.ghosted)

    assert tick() == NOTHING
    assert fresh(decided).presumed_ghosted_at is None
    assert fresh(ghosted).presumed_ghosted_at is None


# --- timeline reminder -------------------------------------------------------------------------


def test_timeline_reminder_at_promised_plus_three_days(author, clock, outbox):
    review = waiting(author, 9, promised=7)

    assert tick() == NOTHING
    clock.shift(timedelta(days=1))  # 10 days = 7 + 3
    assert tick() == TickReport(timeline_reminders=1)
    clock.shift(timedelta(days=1))
    assert tick() == NOTHING

    assert fresh(review).timeline_reminder_sent_at == NOW + timedelta(days=1)
    [message] = outbox
    assert message["To"] == author.email
    assert message["Subject"] == f"Did {fresh(review).employer.name} get back to you?"
    assert "promised" in message.get_content()


def test_no_timeline_reminder_without_a_promise(author, outbox):
    waiting(author, 20)
    assert tick() == NOTHING


# --- who is reminded ---------------------------------------------------------------------------


def test_no_reminder_for_a_review_without_an_author(author, outbox):
    delinked = waiting(None, 45)
    waiting(None, 12, promised=7)

    report = tick()

    assert report == TickReport(presumed_ghosted=1)  # it still counts as ghosted
    assert fresh(delinked).ghosted_reminder_sent_at is None
    assert outbox == []


def test_no_reminder_for_a_suspended_author(app, clock, outbox):
    suspended = UserFactory(verified=True, suspended=True)
    review = waiting(suspended, 45)
    waiting(suspended, 12, promised=7)

    assert tick() == TickReport(presumed_ghosted=1)
    assert outbox == []
    assert fresh(review).ghosted_reminder_sent_at is None


def test_an_author_no_longer_suspended_is_reminded_once(app, clock, outbox):
    suspended = UserFactory(verified=True, suspended=True)
    waiting(suspended, 45)
    tick()
    suspended.suspended_at = None
    db.session.commit()

    assert tick() == TickReport(ghosted_reminders=1)
    assert tick() == NOTHING
    assert len(outbox) == 1


@pytest.mark.parametrize(
    "outcome",
    [Outcome.rejected, Outcome.offer, Outcome.ghosted, Outcome.withdrew],
)
def test_no_reminder_for_a_decided_review(author, outbox, outcome):
    contact = TODAY - timedelta(days=12)
    ReviewFactory(
        author=author,
        outcome=outcome,
        stage=Stage.offer,
        decision_days=2 if outcome.is_decision else None,
        next_steps=NextSteps.yes_with_date,
        promised_days=7,
        process_month=month_start(contact),
        last_contact_on=contact,
    )
    assert tick() == NOTHING
    assert outbox == []


# --- the email ---------------------------------------------------------------------------------


def test_reminder_email_names_the_review_by_employer_and_month_only(author, outbox):
    employer = EmployerFactory(name="Fernhollow Logistics")
    review = waiting(author, 45, employer_id=employer.id)
    tick()

    [message] = outbox
    body = message.get_content()
    assert message["To"] == author.email
    assert message["Subject"] == "Did Fernhollow Logistics get back to you?"
    assert "Fernhollow Logistics" in body
    assert review.process_month.strftime("%B %Y") in body
    assert "I heard back" in body and "Still nothing" in body
    assert len(re.findall(r"http://localhost/reviews/reminder/\S+", body)) == 2
    # No exact date, in any usual spelling: not the last contact, not the day it was sent.
    assert exact_dates_in(body, review.last_contact_on, TODAY) == []
    assert author.email not in body
    # The address appears once in the whole message: in the To header.
    assert message.as_string().count(author.email) == 1
    assert lifecycle.read_reminder(_token(body)).review.id == review.id


def _token(body: str) -> str:
    return re.search(r"/reviews/reminder/(\S+)", body).group(1)


# --- the command -------------------------------------------------------------------------------


def test_command_prints_the_counts_and_is_safe_to_run_again(author, runner, outbox):
    due = scheduled(author, NOW - timedelta(days=1))
    waiting(author, 12, promised=7)
    db.session.commit()

    first = runner.invoke(args=["heardback", "tick"])
    second = runner.invoke(args=["heardback", "tick"])

    assert first.exit_code == 0, first.output
    assert "Published reviews: 1" in first.output
    assert "Marked presumed ghosted: 0" in first.output
    assert "Timeline reminders sent: 1" in first.output
    assert second.exit_code == 0, second.output
    assert "Published reviews: 0" in second.output
    assert "Timeline reminders sent: 0" in second.output
    assert len(outbox) == 1
    assert fresh(due).status is ReviewStatus.published


def test_command_fails_loudly_when_reminders_could_not_be_sent(author, runner, monkeypatch):
    waiting(author, 12, promised=7)
    db.session.commit()
    monkeypatch.setattr(lifecycle.mail, "send", lambda message: 1 / 0)

    result = runner.invoke(args=["heardback", "tick"])

    assert result.exit_code == 1
    assert "retried" in result.output


def test_no_revision_is_recorded_by_tick(author):
    waiting(author, 45)
    tick()
    assert db.session.scalar(select(func.count()).select_from(ReviewRevision)) == 0


# --- two hosts at once (PostgreSQL) -------------------------------------------------------------


def test_two_ticks_at_once_send_each_reminder_once(app, author, outbox):
    """Tick A has claimed the reminder but not committed when tick B runs; B waits on the row
    lock, re-checks its guard once A commits, and sends nothing."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("needs row locks between connections (PostgreSQL)")
    waiting(author, 12, promised=7)
    db.session.commit()
    claimed = threading.Event()
    results: dict[str, object] = {}

    def tick_a():
        with app.app_context():
            results["a"] = lifecycle.reserve_reminders(ReminderKind.timeline, NOW)
            claimed.set()
            threading.Event().wait(0.5)  # B is now blocked on the row lock
            db.session.commit()
            results["a_sent"] = lifecycle.send_reminders(results["a"], NOW)

    def tick_b():
        claimed.wait(5)
        with app.app_context():
            results["b"] = tick(NOW)

    threads = [threading.Thread(target=tick_a), threading.Thread(target=tick_b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(15)

    assert len(results["a"]) == 1
    assert results["a_sent"] == (1, 0)
    assert results["b"] == NOTHING
    assert len(outbox) == 1


def test_no_reminders_to_addresses_that_cannot_receive_mail(app, outbox):
    from datetime import date, timedelta

    from operations.tick import tick
    from reviews.models import Outcome
    from tests.factories import ReviewFactory, UserFactory

    demo = UserFactory(email="demo-user-1@example.invalid", verified=True)
    contact = date.today() - timedelta(days=60)
    ReviewFactory(
        author=demo,
        outcome=Outcome.waiting,
        process_month=contact.replace(day=1),
        last_contact_on=contact,
    )
    report = tick()
    assert report.presumed_ghosted == 1
    assert outbox == []


def test_the_daily_run_deletes_expired_sign_in_sessions(app):
    """The privacy page promises that expired sessions are deleted: tick does it once a day."""
    from accounts.models import LoginSession

    user = UserFactory(verified=True)
    now = utcnow()
    LoginSessionFactory(user_id=user.id, token_hash="a" * 64, expires_at=now - timedelta(hours=1))
    LoginSessionFactory(user_id=user.id, token_hash="b" * 64, expires_at=now + timedelta(days=3))
    report = tick(now)
    assert report.sessions_purged == 1
    assert db.session.scalars(select(LoginSession.token_hash)).all() == ["b" * 64]
