"""The tracker's reminder emails, queued by `flask heardback tick` (issue 16, DESIGN.md §12).

Two emails, to the candidate alone (never to an employer), about their own application only:

- **Follow up**: the date the employer promised at the latest step has passed (the day after
  it). The email carries a short, polite follow-up the candidate can copy. Once per promised
  date (`follow_up_reminded_for`), so a new promise later gets its own reminder; a promise that
  passed more than FOLLOW_UP_WINDOW_DAYS ago gets none (a nudge about a promise broken months
  ago is noise; the silence question below covers it).
- **Are they still in touch?**: nothing has happened for longer than the employer's typical time
  to a decision (`silence_days`), counted from the latest thing that happened (the latest step,
  or the day of applying) or from a promised date that has passed, whichever is later, and no
  promise is pending. Once per silence: `silence_reminded_for` holds the date of the latest
  activity the question was asked about. An application that gets the follow-up email in a run
  doesn't also get this one: that email closes the silence it falls in.

Who gets them: an open application (services.OPEN) whose switch is on (`Application.reminders`),
of a verified, unsuspended account whose global switch is on (`User.application_reminders`).
Demo addresses on `.invalid` are skipped, as reviews.lifecycle does. A deleted account has no
applications left (ON DELETE CASCADE).

Idempotent and safe when two ticks overlap: each reminder is reserved by a conditional UPDATE
that re-checks everything it was chosen for (the switches, the account, the status, the stored
next action, the `..._reminded_for` column) and RETURNs the row only if it changed it; only then
is the email queued (notifications.mail), in the same transaction, and committed with the
reservation. A racing tick's UPDATE finds the column already set and changes nothing; a crash
before the commit loses both, so the next run does it again, and nothing is sent before the
reservation is committed (the queue is delivered after, by `mail.deliver_due`). Like
reviews.lifecycle, this commits (once per reminder), so it isn't left to the caller.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Iterator
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app, has_request_context
from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from accounts.models import User
from accounts.services import absolute_url
from applications.models import Application, ApplicationStep, StepKind
from applications.services import FOLLOW_UP_DAYS, OPEN, promised_on
from employers.models import Employer, EmployerStats
from extensions import db
from notifications import mail
from scoring.figures import FOLLOW_UP_MIN_DAYS, MOVE_ON_MAX_DAYS
from scoring.models import SiteParameters
from scoring.stats import public_baselines

log = logging.getLogger(__name__)

BATCH_SIZE = 500
# A promise that passed longer ago than this gets no follow-up email (only the silence question).
FOLLOW_UP_WINDOW_DAYS = 30
# The typical silence: the employer's "those who heard back mostly did within N days" (the 80th
# percentile of days to a decision among candidates who got one, scoring.figures.expectation:
# the employer's own from 10 decisions on, else its industry's, else the site's), else the
# site's, else FALLBACK_SILENCE_DAYS; bounded like the employer page's "follow up after" advice
# at the low end (a question after three days of silence is nagging) and its "move on" advice at
# the high end (after three months, asking is fair whatever the employer's habits).
FALLBACK_SILENCE_DAYS = 2 * FOLLOW_UP_DAYS
SILENCE_MIN_DAYS = FOLLOW_UP_MIN_DAYS
SILENCE_MAX_DAYS = MOVE_ON_MAX_DAYS


class ReminderKind(enum.Enum):
    follow_up = "follow_up"  # the promised date has passed
    still_in_touch = "still_in_touch"  # longer than the employer's typical silence


# The column that records what a kind of reminder was sent for.
REMINDED_COLUMN = {
    ReminderKind.follow_up: Application.follow_up_reminded_for,
    ReminderKind.still_in_touch: Application.silence_reminded_for,
}


@dataclass(frozen=True)
class Silence:
    days: int  # the threshold: the typical days within SILENCE_MIN_DAYS..SILENCE_MAX_DAYS
    typical_days: int  # as published (or the default)
    basis: str  # "employer", "industry", "site" (published figures) or "default"


@dataclass(frozen=True)
class Reminder:
    """What one reminder needs, copied out of the session before anything commits."""

    kind: ReminderKind
    today: date  # the run's day
    application_id: int
    to: str
    employer_name: str
    role_title: str
    applied_on: date | None
    # What it is sent for: the promised date (follow up) or the latest activity (silence).
    reminded_for: date
    latest_activity: date
    next_action_on: date | None  # as stored when chosen; the reservation re-checks it
    step_kind: StepKind | None  # the latest step's, if any
    step_on: date | None
    silence: Silence
    # A follow-up that falls in a silence already due closes it too (silence_reminded_for).
    closes_silence: bool = False


@dataclass
class Queued:
    follow_ups: int = 0
    still_in_touch: int = 0
    failed: int = 0  # not queued (an error); nothing was reserved, so the next run tries again


# --- the rules ---------------------------------------------------------------------------------


def latest_step(application: Application) -> ApplicationStep | None:
    if not application.steps:
        return None
    return max(application.steps, key=lambda step: (step.happened_on, step.id or 0))


def latest_activity(application: Application) -> date | None:
    step = latest_step(application)
    return step.happened_on if step is not None else application.applied_on


def typical_silence(figures: dict | None, site_days: int | None) -> Silence:
    """How long this employer is typically silent before a decision, from published figures."""
    expect = (figures or {}).get("expect") or {}
    days, basis = expect.get("typical_days"), expect.get("basis")
    if days is None and site_days is not None:
        days, basis = site_days, "site"
    if days is None:
        days, basis = FALLBACK_SILENCE_DAYS, "default"
    days = int(days)
    bounded = min(max(days, SILENCE_MIN_DAYS), SILENCE_MAX_DAYS)
    return Silence(bounded, days, basis or "default")


def site_typical_days() -> int | None:
    """The site-wide 80th percentile of days to a decision among those who heard back, where it
    is published (five distinct candidates' decisions or more, scoring.stats.public_baselines)."""
    row = db.session.get(SiteParameters, 1)
    site = public_baselines(row.baselines if row else None).get("site") or {}
    return (site.get("days") or {}).get("answered_p80")


def due_kind(application: Application, today: date, silence: Silence) -> tuple | None:
    """(kind, reminded_for, closes_silence) of the reminder due today, or None."""
    activity = latest_activity(application)
    if application.status not in OPEN or activity is None:
        return None
    step = latest_step(application)
    promised = promised_on(step) if step is not None else None
    if promised is not None and promised >= today:
        return None  # a promise is pending: nothing to ask yet
    start = max(activity, promised) if promised is not None else activity
    silent = today > start + timedelta(days=silence.days)
    silence_due = silent and application.silence_reminded_for != activity
    if (
        promised is not None
        and promised >= today - timedelta(days=FOLLOW_UP_WINDOW_DAYS)
        and application.follow_up_reminded_for != promised
    ):
        return ReminderKind.follow_up, promised, silence_due
    if silence_due:
        return ReminderKind.still_in_touch, activity, False
    return None


# --- choosing, reserving, queueing -------------------------------------------------------------


def _may_be_reminded() -> tuple:
    """The application's and its owner's conditions, repeated by every reservation."""
    owners = select(User.id).where(
        User.email_verified_at.is_not(None),
        User.suspended_at.is_(None),
        User.application_reminders.is_(True),
        User.email.not_like("%.invalid"),
    )
    return (
        Application.status.in_(OPEN),
        Application.reminders.is_(True),
        Application.user_id.in_(owners),
    )


def _candidates(today: date):
    # Narrowed on the stored next action (services.next_action_on keeps it): a passed promise is
    # the next action, so it is before today; without a promise the next action is FOLLOW_UP_DAYS
    # after the latest activity, and a silence is due SILENCE_MIN_DAYS after it at the earliest.
    horizon = today + timedelta(days=max(FOLLOW_UP_DAYS - SILENCE_MIN_DAYS, 0))
    return (
        select(Application, User.email, Employer.name)
        .join(User, User.id == Application.user_id)
        .join(Employer, Employer.id == Application.employer_id)
        .where(*_may_be_reminded(), Application.next_action_on < horizon)
        .options(selectinload(Application.steps))
        .order_by(Application.id)
    )


def _batches(query) -> Iterator[list]:
    last = 0
    while True:
        rows = db.session.execute(query.where(Application.id > last).limit(BATCH_SIZE)).all()
        if not rows:
            return
        yield rows
        last = rows[-1][0].id


def due_reminders(rows: list, today: date, site_days: int | None) -> list[Reminder]:
    employer_ids = {application.employer_id for application, _, _ in rows}
    figures = dict(
        db.session.execute(
            select(EmployerStats.employer_id, EmployerStats.figures).where(
                EmployerStats.employer_id.in_(employer_ids)
            )
        ).all()
    )
    reminders = []
    for application, email, employer_name in rows:
        silence = typical_silence(figures.get(application.employer_id), site_days)
        found = due_kind(application, today, silence)
        if found is None:
            continue
        kind, reminded_for, closes_silence = found
        step = latest_step(application)
        reminders.append(
            Reminder(
                kind=kind,
                today=today,
                application_id=application.id,
                to=email,
                employer_name=employer_name,
                role_title=application.role_title,
                applied_on=application.applied_on,
                reminded_for=reminded_for,
                latest_activity=latest_activity(application),
                next_action_on=application.next_action_on,
                step_kind=step.kind if step is not None else None,
                step_on=step.happened_on if step is not None else None,
                silence=silence,
                closes_silence=closes_silence,
            )
        )
    return reminders


def reserve(reminder: Reminder) -> bool:
    """Mark the reminder as sent, if nothing changed since it was chosen; the caller commits."""
    column = REMINDED_COLUMN[reminder.kind]
    # updated_at stays: it is when the candidate last changed the application.
    values = {column.key: reminder.reminded_for, "updated_at": Application.updated_at}
    if reminder.closes_silence:
        values["silence_reminded_for"] = reminder.latest_activity
    changed = db.session.scalar(
        update(Application)
        .where(
            Application.id == reminder.application_id,
            *_may_be_reminded(),
            Application.next_action_on.is_not_distinct_from(reminder.next_action_on),
            column.is_distinct_from(reminder.reminded_for),
        )
        .values(values)
        .returning(Application.id)
        .execution_options(synchronize_session=False)
    )
    return changed is not None


def queue_reminders(now: datetime) -> Queued:
    """Reserve and queue every tracker reminder due at `now` (naive UTC); commits per reminder."""
    today = now.date()
    site_days = site_typical_days()
    queued = Queued()
    for rows in _batches(_candidates(today)):
        reminders = due_reminders(rows, today, site_days)
        db.session.commit()  # ends the read; each reminder below is a transaction of its own
        for reminder in reminders:
            try:
                if not reserve(reminder):
                    db.session.rollback()
                    continue
                queue_email(reminder)
                db.session.commit()
            except Exception:
                # Nothing is kept (the reservation goes with the queued row), so the next run
                # tries again. The recipient is not logged (DESIGN.md §5.1).
                db.session.rollback()
                log.exception("Could not queue a %s reminder; will retry", reminder.kind.value)
                queued.failed += 1
                continue
            if reminder.kind is ReminderKind.follow_up:
                queued.follow_ups += 1
            else:
                queued.still_in_touch += 1
    return queued


# --- the emails --------------------------------------------------------------------------------


def long_date(day: date) -> str:
    """'17 March 2026': the candidate's own dates, in their own email (never on a public page)."""
    return f"{day.day} {day:%B %Y}"


SUBJECTS = {
    ReminderKind.follow_up: "Time to follow up with {employer}?",
    ReminderKind.still_in_touch: "Are you still in touch with {employer}?",
}
# "Thank you again for …" in the follow-up the candidate may copy, by the latest step.
THANKS = {
    StepKind.screen: "speaking with me on {day}",
    StepKind.interview: "the interview on {day}",
    StepKind.assignment: "the chance to work on the assignment ({day})",
}
THANKS_OTHERWISE = "your message of {day}"
THANKS_NO_STEP = "considering my application, which I sent on {day}"


def thanks(reminder: Reminder) -> str:
    if reminder.step_kind is None or reminder.step_on is None:
        if reminder.applied_on is None:
            return "considering my application"
        return THANKS_NO_STEP.format(day=long_date(reminder.applied_on))
    words = THANKS.get(reminder.step_kind, THANKS_OTHERWISE)
    return words.format(day=long_date(reminder.step_on))


def queue_email(reminder: Reminder) -> None:
    """Render the reminder and queue it (notifications.mail); the caller commits."""
    # url_for needs a request context outside a request (the CLI); SITE_URL gives the host.
    with nullcontext() if has_request_context() else current_app.test_request_context():
        application_url = absolute_url("applications.show", application_id=reminder.application_id)
        mail.send_template(
            reminder.to,
            SUBJECTS[reminder.kind].format(employer=reminder.employer_name),
            f"application_{reminder.kind.value}",
            employer_name=reminder.employer_name,
            role=reminder.role_title,
            promised=long_date(reminder.reminded_for),
            since=long_date(reminder.latest_activity),
            silent_days=(reminder.today - reminder.latest_activity).days,
            silence=reminder.silence,
            thanks=thanks(reminder),
            application_url=application_url,
            status_url=application_url + "#change-status",
            step_url=absolute_url("applications.new_step", application_id=reminder.application_id),
            settings_url=absolute_url("applications.index") + "#reminders",
        )


# --- the switches ------------------------------------------------------------------------------


def set_reminders(application: Application, on: bool) -> None:
    """This application's switch; the caller commits."""
    application.reminders = on


def set_account_reminders(user: User, on: bool) -> None:
    """The switch of every application of this account; the caller commits."""
    user.application_reminders = on
