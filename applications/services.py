"""The tracker's rules: who owns what, what comes next, and the changes. Callers commit.

Next action (stored in Application.next_action_on so the list sorts on it): for an application
still open, the date the employer promised at its latest step; with no promise, FOLLOW_UP_DAYS
after the latest thing that happened (the latest step, or the day of applying). Nothing is due
for an application still to send, decided or withdrawn.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from applications.models import Application, ApplicationStatus, ApplicationStep, StepKind
from employers.models import Employer
from extensions import db
from timeutils import utcnow

# Two weeks of silence after applying or after a step without a promised date: time to follow
# up (the usual advice to candidates; reminders, a later increment of issue 16, will use it).
FOLLOW_UP_DAYS = 14
OPEN = frozenset(
    {ApplicationStatus.applied, ApplicationStatus.in_process, ApplicationStatus.waiting}
)
STATUS_ORDER = {status: position for position, status in enumerate(ApplicationStatus)}

# ?sort= on the list: anything else is the default.
SORTS = ("next_action", "employer", "status")
DEFAULT_SORT = "next_action"


def sort_key(name: str):
    """How the list is ordered by `name` (SORTS); an unknown name sorts by next action."""
    undated = date.max
    if name == "employer":
        return lambda item: (item.employer.name.casefold(), item.role_title.casefold(), item.id)
    if name == "status":
        return lambda item: (STATUS_ORDER[item.status], item.next_action_on or undated, item.id)
    return lambda item: (item.next_action_on or undated, item.employer.name.casefold(), item.id)


def applications_of(user_id: int, sort: str = DEFAULT_SORT) -> list[Application]:
    rows = db.session.scalars(
        select(Application)
        .where(Application.user_id == user_id)
        .options(joinedload(Application.employer))
    ).all()
    return sorted(rows, key=sort_key(sort if sort in SORTS else DEFAULT_SORT))


def owned(application_id: int, user_id: int) -> Application | None:
    """The application if `user_id` owns it; None for someone else's and for a missing one
    alike, so an id tells another user nothing."""
    return db.session.scalar(
        select(Application).where(Application.id == application_id, Application.user_id == user_id)
    )


def owned_step(application: Application, step_id: int) -> ApplicationStep | None:
    return db.session.scalar(
        select(ApplicationStep).where(
            ApplicationStep.id == step_id, ApplicationStep.application_id == application.id
        )
    )


def promised_on(step: ApplicationStep) -> date | None:
    if step.promised_by is not None:
        return step.promised_by
    if step.promised_days is not None:
        return step.happened_on + timedelta(days=step.promised_days)
    return None


def next_action_on(application: Application) -> date | None:
    if application.status not in OPEN:
        return None
    if application.steps:
        latest = max(application.steps, key=lambda step: (step.happened_on, step.id or 0))
        promised = promised_on(latest)
        return promised if promised is not None else latest.happened_on + timedelta(FOLLOW_UP_DAYS)
    if application.applied_on is None:
        return None
    return application.applied_on + timedelta(days=FOLLOW_UP_DAYS)


OUTCOME_STEPS = frozenset({StepKind.offer, StepKind.rejection})


def outcome_known(application: Application) -> bool:
    """The tracker knows how it ended: decided, or an offer or a rejection recorded."""
    return application.status is ApplicationStatus.decided or any(
        step.kind in OUTCOME_STEPS for step in application.steps
    )


def _refresh(application: Application) -> None:
    db.session.flush()
    db.session.refresh(application, ["steps"])
    application.next_action_on = next_action_on(application)
    # The first moment the outcome was known stays: a later change of status doesn't move it.
    if application.outcome_known_at is None and outcome_known(application):
        application.outcome_known_at = utcnow()


APPLICATION_FIELDS = ("role_title", "applied_on", "channel", "posting_url", "notes", "status")
STEP_FIELDS = ("kind", "happened_on", "promised_days", "promised_by", "note")


def create_application(user_id: int, employer: Employer, values: dict) -> Application:
    application = Application(user_id=user_id, employer_id=employer.id, employer=employer)
    _apply(application, values, APPLICATION_FIELDS)
    db.session.add(application)
    _refresh(application)
    return application


def update_application(application: Application, values: dict) -> None:
    _apply(application, values, APPLICATION_FIELDS)
    _refresh(application)


def status_refused(application: Application, value: str) -> str | None:
    """Why `application` can't take the status `value` (a valid choice), or None."""
    if value != ApplicationStatus.to_apply.value and application.applied_on is None:
        return "Enter the date you applied first (Edit the application), then change its status."
    return None


def step_date_refused(application: Application, happened_on: date) -> str | None:
    """Why a step can't be dated `happened_on` in `application`, or None."""
    if application.applied_on is not None and happened_on < application.applied_on:
        return (
            f"This is before the date you applied ({application.applied_on.isoformat()}). "
            "Check the date, or correct the date you applied (Edit the application)."
        )
    return None


def applied_date_refused(application: Application, applied_on: date | None) -> str | None:
    """Why `application` can't take `applied_on` as its date of applying, or None."""
    if applied_on is None or not application.steps:
        return None
    first = min(step.happened_on for step in application.steps)
    if applied_on > first:
        return (
            f"Your first step is dated {first.isoformat()}: the date you applied can't be "
            "after it. Check the date, or correct that step."
        )
    return None


def set_status(application: Application, status: ApplicationStatus) -> None:
    application.status = status
    _refresh(application)


def delete_application(application: Application) -> None:
    db.session.delete(application)


# A new step moves the status along where it obviously should: a screen or an interview means
# the process is under way; a rejection ends it. An offer leaves the status to the candidate
# (it may still be negotiated or declined).
PROGRESS_STEPS = frozenset(
    {StepKind.screen, StepKind.interview, StepKind.assignment, StepKind.references}
)


def status_after_step(status: ApplicationStatus, kind: StepKind) -> ApplicationStatus:
    if kind in PROGRESS_STEPS and status in (ApplicationStatus.applied, ApplicationStatus.waiting):
        return ApplicationStatus.in_process
    if kind is StepKind.rejection and status in OPEN:
        return ApplicationStatus.decided
    return status


def add_step(application: Application, values: dict) -> ApplicationStep:
    step = ApplicationStep(application_id=application.id)
    _apply(step, values, STEP_FIELDS)
    db.session.add(step)
    application.status = status_after_step(application.status, step.kind)
    _refresh(application)
    return step


def next_action_reason(application: Application) -> str | None:
    """Why the next action falls on its date, in words for the owner."""
    if application.next_action_on is None:
        return None
    if application.steps:
        latest = max(application.steps, key=lambda step: (step.happened_on, step.id or 0))
        if promised_on(latest) is not None:
            return "they promised an answer by then: follow up if you haven't heard"
    return f"{FOLLOW_UP_DAYS} days without news: a good moment to follow up"


def update_step(step: ApplicationStep, values: dict) -> None:
    _apply(step, values, STEP_FIELDS)
    _refresh(step.application)


def delete_step(step: ApplicationStep) -> None:
    application = step.application
    db.session.delete(step)
    _refresh(application)


def _apply(row, values: dict, names: tuple[str, ...]) -> None:
    for name in names:
        if name in values:
            setattr(row, name, values[name])
