"""Time-driven work on reviews, run by `flask heardback tick` (DESIGN.md §3, §5.2, §10).

`tick()` publishes scheduled reviews whose moment has come, marks waiting cases presumed ghosted,
and asks their authors "Did <employer> get back to you?" once when the promised timeline has run
out (plus a margin) and once at the presumed-ghosted point. The answers come back through signed
one-click links (reviews/reminder_routes.py).

Idempotent and safe to run late or twice, on one host or several at once:

- Every change is a conditional UPDATE that re-checks its own precondition (`status = 'scheduled'`,
  `... IS NULL`) and RETURNs the rows it changed; only those rows count, get their hook called or
  get an email. Two ticks racing on PostgreSQL block on the same row locks, and the loser re-checks
  the WHERE clause after the winner commits (READ COMMITTED), finds the column set and changes
  nothing. On SQLite a command-line transaction starts with BEGIN IMMEDIATE (app.py), so ticks
  take turns. No SELECT ... FOR UPDATE SKIP LOCKED is needed for that.
- Nothing depends on how long ago the last run was: each step selects everything that is due at
  `now`, however overdue, and the columns record what was done, so a late run catches up once.
- A reminder is reserved (its `..._sent_at` column set), committed, and only then sent. A crash
  between the commit and the send loses that email rather than sending it twice on the next run;
  a send that raises releases the reservation so the next run tries again.

Unlike most services, `tick()` commits (once per step): the commit has to come between reserving a
reminder and sending it, so it can't be left to the caller.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Iterator
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app, has_request_context
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select, update

from accounts.models import User
from accounts.services import absolute_url
from employers.models import Employer
from extensions import db
from notifications import mail
from reviews.fields import record_revision
from reviews.holds import apply_burst_cap
from reviews.models import Outcome, Review, ReviewStatus, RevisionSource
from reviews.pending import author_values
from reviews.services import TIMELINE_REMINDER_MARGIN_DAYS, Prepared
from reviews.services import update as update_review
from scoring.ghosting import ghosted_after_days, ghosted_mark_window, is_presumed_ghosted
from scoring.params import GHOSTED_AFTER_DAYS
from scoring.stats import refresh_employer
from timeutils import month_label, utcnow

log = logging.getLogger(__name__)

# Rows handled per query, so a run that catches up on months of backlog stays in bounded memory
# and under every database's limit on bound parameters.
BATCH_SIZE = 500

REMINDER_SALT = "review-reminder"
REMINDER_LINK_MAX_AGE = 30 * 24 * 3600  # default for the REMINDER_LINK_MAX_AGE setting


class ReminderKind(enum.Enum):
    timeline = "timeline"  # the promised timeline + TIMELINE_REMINDER_MARGIN_DAYS has passed
    ghosted = "ghosted"  # the review has just become presumed ghosted


class Answer(enum.Enum):
    heard = "heard"
    nothing = "nothing"


# The column that records that a kind of reminder went out.
SENT_COLUMN = {
    ReminderKind.timeline: Review.timeline_reminder_sent_at,
    ReminderKind.ghosted: Review.ghosted_reminder_sent_at,
}


@dataclass(frozen=True)
class Reminder:
    """What a reminder email needs, copied out of the session before its reservation commits."""

    review_id: int
    public_id: str
    kind: ReminderKind
    to: str
    employer_name: str
    process_month: date
    ghosted_after_days: int


# --- 1. publishing -----------------------------------------------------------------------------


def on_published(review: Review, *, refresh: bool = True) -> None:
    """Called once per review, in the transaction that publishes it.

    The employer's statistics row is updated in the same transaction (DESIGN.md §6), here or,
    with `refresh` False, by the caller (`refresh_published`). Over the burst cap (DESIGN.md §8)
    the review is published but not scored until a moderator clears it.
    """
    apply_burst_cap(review, review.published_at or utcnow())
    # A new employer becomes public with its first published review (DESIGN.md §5.8).
    db.session.execute(
        update(Employer)
        .where(Employer.id == review.employer_id, Employer.listed_at.is_(None))
        .values(listed_at=review.published_at or utcnow())
        .execution_options(synchronize_session=False)
    )
    if refresh:
        refresh_published([review])


def refresh_published(reviews: list[Review]) -> None:
    """The statistics rows of reviews just published (none of them was before): each folded in,
    once per employer."""
    published: dict[int, dict[int, None]] = {}
    for review in reviews:
        published.setdefault(review.employer_id, {})[review.id] = None
    for employer_id in sorted(published):
        refresh_employer(employer_id, before=published[employer_id])


def publish_due(now: datetime) -> int:
    """Scheduled reviews whose publish_at has passed become published (held ones never do)."""
    due = (
        select(Review.id)
        .where(Review.status == ReviewStatus.scheduled, Review.publish_at <= now)
        .order_by(Review.id)
    )
    count = 0
    for ids in _batches(due):
        published = _reserve(
            ids,
            (Review.status == ReviewStatus.scheduled, Review.publish_at <= now),
            status=ReviewStatus.published,
            published_at=now,
        )
        reviews = _load(published)
        for review in reviews:
            on_published(review, refresh=False)
        refresh_published(reviews)
        count += len(published)
    return count


# --- 2. presumed ghosted -----------------------------------------------------------------------


def mark_presumed_ghosted(now: datetime) -> int:
    """Waiting reviews past max(30, promised + 14) days since last contact, plus their secret few
    days (scoring.ghosting.presumed_ghosted_on), get presumed_ghosted_at.

    The outcome stays `waiting`: the author hasn't said so; the figures count it as ghosted.
    """
    today = now.date()
    # Presumed ghosted needs more than GHOSTED_AFTER_DAYS days plus the window's fewest days
    # whatever the promise and the review's offset, so SQL narrows to those (a lower bound); the
    # exact day is checked in Python by the shared rule.
    fewest_days = GHOSTED_AFTER_DAYS + ghosted_mark_window()[0]
    candidates = (
        select(Review)
        .where(
            Review.outcome == Outcome.waiting,
            Review.presumed_ghosted_at.is_(None),
            Review.last_contact_on < today - timedelta(days=fewest_days),
        )
        .order_by(Review.id)
    )
    count = 0
    for reviews in _review_batches(candidates):
        ids = [review.id for review in reviews if is_presumed_ghosted(review, today)]
        marked = _reserve(
            ids,
            (Review.outcome == Outcome.waiting, Review.presumed_ghosted_at.is_(None)),
            presumed_ghosted_at=now,
        )
        count += len(marked)
    return count


# --- 3. reminders ------------------------------------------------------------------------------


def _reminder_due(kind: ReminderKind, today: date):
    """SQL conditions for "this kind of reminder is (probably) due", plus a Python check."""
    if kind is ReminderKind.ghosted:
        return (Review.presumed_ghosted_at.is_not(None),), lambda review: True
    # promised_days >= 1 (CHECK), so a due reminder has last contact at least 1 + margin days ago.
    earliest = today - timedelta(days=1 + TIMELINE_REMINDER_MARGIN_DAYS)
    conditions = (
        Review.promised_days.is_not(None),
        Review.presumed_ghosted_at.is_(None),
        Review.last_contact_on <= earliest,
    )

    def due(review: Review) -> bool:
        margin = review.promised_days + TIMELINE_REMINDER_MARGIN_DAYS
        return today >= review.last_contact_on + timedelta(days=margin) and not (
            is_presumed_ghosted(review, today)
        )

    return conditions, due


def _may_be_reminded():
    """Reminders go to a waiting review's author, if it has one and they aren't suspended.

    Addresses on `.invalid` (RFC 2606: can never receive mail, used by the demo accounts) are
    skipped, so a tick over demo data doesn't write thousands of undeliverable emails.
    """
    active_authors = select(User.id).where(
        User.suspended_at.is_(None), User.email.not_like("%.invalid")
    )
    return (
        Review.outcome == Outcome.waiting,
        Review.author_id.is_not(None),
        Review.author_id.in_(active_authors),
    )


def reserve_reminders(kind: ReminderKind, now: datetime) -> list[Reminder]:
    """Set the reminder's sent-at column on every review that is due one; return what to send.

    The caller commits before sending (see the module docstring).
    """
    today = now.date()
    sent_column = SENT_COLUMN[kind]
    conditions, due = _reminder_due(kind, today)
    guard = (*_may_be_reminded(), *conditions, sent_column.is_(None))
    candidates = select(Review).where(*guard).order_by(Review.id)
    reminders: list[Reminder] = []
    for reviews in _review_batches(candidates):
        ids = [review.id for review in reviews if due(review)]
        reserved = _reserve(ids, guard, **{sent_column.key: now})
        reminders.extend(_reminders(reserved, kind))
    return reminders


def _reminders(ids: list[int], kind: ReminderKind) -> list[Reminder]:
    if not ids:
        return []
    rows = db.session.execute(
        select(Review, Employer.name, User.email)
        .join(Employer, Employer.id == Review.employer_id)
        .join(User, User.id == Review.author_id)
        .where(Review.id.in_(ids))
        .order_by(Review.id)
    )
    return [
        Reminder(
            review_id=review.id,
            public_id=review.public_id,
            kind=kind,
            to=email,
            employer_name=employer_name,
            process_month=review.process_month,
            ghosted_after_days=ghosted_after_days(review),
        )
        for review, employer_name, email in rows
    ]


def send_reminders(reminders: list[Reminder], now: datetime) -> tuple[int, int]:
    """Send reserved reminders; returns (sent, failed). A failed one is released for a retry."""
    sent = failed = 0
    for reminder in reminders:
        try:
            send_reminder(reminder)
        except Exception:
            # Most send errors (connection refused, recipient refused) mean nothing was sent, so
            # the reservation is released for the next run; the rare timeout after the server
            # accepted the message could then send it twice, which beats losing every reminder
            # during a mail outage. The recipient is not logged (DESIGN.md §5.1).
            log.exception("Could not send a %s reminder; will retry", reminder.kind.value)
            _release(reminder, now)
            failed += 1
        else:
            sent += 1
    return sent, failed


def _release(reminder: Reminder, now: datetime) -> None:
    column = SENT_COLUMN[reminder.kind]
    db.session.execute(
        update(Review)
        .where(Review.id == reminder.review_id, column == now)
        .values({column.key: None})
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def send_reminder(reminder: Reminder) -> None:
    def link(answer: Answer) -> str:
        token = reminder_token(reminder.public_id, answer, reminder.kind)
        return absolute_url("reviews.reminder", token=token)

    # url_for needs a request context outside a request (the CLI); SITE_URL gives the host.
    with nullcontext() if has_request_context() else current_app.test_request_context():
        mail.send_template_now(
            reminder.to,
            f"Did {reminder.employer_name} get back to you?",
            "review_reminder",
            employer_name=reminder.employer_name,
            month=month_label(reminder.process_month),
            kind=reminder.kind.value,
            ghosted_after_days=reminder.ghosted_after_days,
            heard_url=link(Answer.heard),
            nothing_url=link(Answer.nothing),
            link_days=reminder_link_max_age() // (24 * 3600),
        )


# --- shared pieces of the steps ----------------------------------------------------------------


def _batches(ids_query) -> Iterator[list[int]]:
    """Ids from a query ordered by id, BATCH_SIZE at a time (keyset pagination).

    Pages by id rather than "until nothing is left", so rows a step looks at and leaves alone
    can't make it loop.
    """
    last = 0
    while True:
        ids = list(db.session.scalars(ids_query.where(Review.id > last).limit(BATCH_SIZE)))
        if not ids:
            return
        yield ids
        last = ids[-1]


def _review_batches(reviews_query) -> Iterator[list[Review]]:
    last = 0
    while True:
        reviews = list(db.session.scalars(reviews_query.where(Review.id > last).limit(BATCH_SIZE)))
        if not reviews:
            return
        yield reviews
        last = reviews[-1].id


def _reserve(ids: list[int], guard, **values) -> list[int]:
    """UPDATE reviews SET values WHERE id IN ids AND guard, returning the ids it changed.

    The guard repeats the selection's conditions, so a row another run changed in between (or
    is changing now) is left alone and not reported.
    """
    if not ids:
        return []
    changed = db.session.scalars(
        update(Review)
        .where(Review.id.in_(ids), *guard)
        .values(**values)
        .returning(Review.id)
        .execution_options(synchronize_session=False)
    )
    return sorted(changed)


def _load(ids: list[int]) -> list[Review]:
    if not ids:
        return []
    # populate_existing: the bulk UPDATE bypassed any copies already in the session.
    return list(
        db.session.scalars(
            select(Review)
            .where(Review.id.in_(ids))
            .order_by(Review.id)
            .execution_options(populate_existing=True)
        )
    )


# --- the reminder's one-click links ------------------------------------------------------------


class LinkProblem(enum.Enum):
    """Why a reminder link can't be used (shown on a friendly 400 page)."""

    expired = (
        "That link has expired. You can still update your review: sign in and open Your reviews."
    )
    invalid = (
        "That link isn't valid. Check you copied all of it from the email, or sign in and update "
        "your review from Your reviews."
    )
    gone = (
        "That review no longer exists or is no longer linked to an account, so there is nothing "
        "to update."
    )
    answered = (
        "That review has already been updated, so this link has nothing left to do. You can "
        "change the review at any time from Your reviews."
    )
    changed = (
        "That review has changed since we emailed you, so this link no longer applies. You can "
        "update the review at any time from Your reviews."
    )
    suspended = "This account can't update reviews at the moment."


class Confirmed(enum.Enum):
    """What confirming a reminder answer did."""

    heard = "heard"  # nothing changed; the author is sent to the edit form
    still_waiting = "still_waiting"  # timeline reminder: nothing changed, we ask again later
    ghosted = "ghosted"  # the outcome became ghosted
    already = "already"  # someone confirmed this a moment ago; nothing changed


@dataclass(frozen=True)
class ReminderLink:
    review: Review
    answer: Answer
    kind: ReminderKind


def reminder_link_max_age() -> int:
    return int(current_app.config.get("REMINDER_LINK_MAX_AGE", REMINDER_LINK_MAX_AGE))


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=REMINDER_SALT)


def reminder_token(public_id: str, answer: Answer, kind: ReminderKind) -> str:
    """A signed link payload: which review, which answer, which reminder. No account id."""
    return _serializer().dumps({"review": public_id, "answer": answer.value, "kind": kind.value})


def read_reminder(token: str, today: date | None = None) -> ReminderLink | LinkProblem:
    """The review and answer a reminder link stands for, if it can still be used.

    The signature proves only that the review's author was sent this link, so nothing here or on
    the pages it leads to may show the author's account.
    """
    try:
        payload = _serializer().loads(token, max_age=reminder_link_max_age())
    except SignatureExpired:
        return LinkProblem.expired
    except BadSignature:
        return LinkProblem.invalid
    try:
        public_id = str(payload["review"])[:16]
        answer = Answer(payload["answer"])
        kind = ReminderKind(payload["kind"])
    except (KeyError, TypeError, ValueError):
        return LinkProblem.invalid
    review = db.session.scalar(select(Review).where(Review.public_id == public_id))
    if review is None or review.author_id is None:
        return LinkProblem.gone
    author = db.session.get(User, review.author_id)
    if author is None or author.is_suspended:
        return LinkProblem.suspended
    # The author's latest values: a change waiting for publication (§5.8) already answered it.
    if author_values(review)["outcome"] is not Outcome.waiting:
        return LinkProblem.answered
    today = today or utcnow().date()
    if (
        kind is ReminderKind.ghosted
        and answer is Answer.nothing
        and not is_presumed_ghosted(review, today)
    ):
        # The author moved the last contact since the email: "still nothing" is out of date.
        return LinkProblem.changed
    return ReminderLink(review, answer, kind)


def confirm_reminder(link: ReminderLink, now: datetime | None = None) -> Confirmed:
    """Apply a confirmed answer. The caller commits."""
    if link.answer is Answer.heard:
        return Confirmed.heard
    if link.kind is ReminderKind.timeline:
        return Confirmed.still_waiting
    return confirm_ghosted(link.review, now or utcnow())


def confirm_ghosted(review: Review, now: datetime) -> Confirmed:
    """The author says a presumed-ghosted case was ghosted: the outcome becomes `ghosted`.

    A conditional UPDATE, so two clicks racing record one change and one revision. Feedback can
    only be NULL or 'none' on a waiting review, which a ghosted one allows too (CHECK
    feedback_fits_outcome); decision_days is already NULL.
    """
    if review.status is ReviewStatus.published:
        # A change of a public review waits like any other (DESIGN.md §5.8).
        if author_values(review)["outcome"] is not Outcome.waiting:
            return Confirmed.already
        author = db.session.get(User, review.author_id)
        update_review(review, author, Prepared({"outcome": Outcome.ghosted}))
        return Confirmed.ghosted
    result = db.session.execute(
        update(Review)
        .where(Review.id == review.id, Review.outcome == Outcome.waiting)
        .values(
            outcome=Outcome.ghosted,
            decision_days=None,
            author_updated_at=now,
            # As reviews.services.update does once a case is decided.
            presumed_ghosted_at=None,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return Confirmed.already
    db.session.refresh(review)
    record_revision(review, RevisionSource.author)
    if review.status is ReviewStatus.published:
        refresh_employer(review.employer_id)
    return Confirmed.ghosted
