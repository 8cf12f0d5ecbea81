"""Share a tracked application as a review in one step, and keep the review in step with it
(DESIGN.md §12, issue 16).

The tracker's steps become the review form's answers (in the review's own vocabulary); the
candidate checks them and publishes through the normal path, so every anonymity rule applies
as to any review (months only in public, the random delay, scrubbing, the small-count rules).

A review shared from an application the tracker followed before its outcome was known is
*prospective*: the candidate didn't decide to write because of how it ended, so those reports
are free of the "the angry write more" bias and let the site estimate it (scoring.bias). The
mark is internal: it is never shown, exported to others or sent anywhere, since "this author
used the tracker" would only narrow down who wrote a review.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from applications.models import Application, ApplicationStatus, ApplicationStep, StepKind
from applications.services import OUTCOME_STEPS, owned, promised_on
from reviews.models import NextSteps, Review
from reviews.pending import author_values
from scoring.vocabulary import Outcome, Stage, steps_mask

# A tracked application counts as prospective only if it was entered within this many days of
# applying (later, silence may already have told how it ends) and its outcome became known at
# least a day after it was entered (not typed in all at once after the fact, as an import of
# finished applications would be).
PROSPECTIVE_ENTRY_DAYS = 14
PROSPECTIVE_OUTCOME_AFTER = timedelta(days=1)

STEP_STAGES = {
    StepKind.screen: Stage.screen,
    StepKind.interview: Stage.interview,
    StepKind.assignment: Stage.assignment,
    StepKind.references: Stage.references,
    StepKind.offer: Stage.offer,
}

# Shown above the pre-filled form.
NOTICE = (
    "These answers come from your tracked application: check each one before you publish. "
    "As for any review, the public sees months, never the dates you tracked, and your notes "
    "are not copied."
)
UPDATE_NOTICE = (
    "The outcome you recorded in your tracker is filled in below: check it and save. Like any "
    "change, it becomes public after a random delay."
)


MAX_ID = 2**31 - 1  # an id column's range on every database


def application_id(value: str | None) -> int | None:
    """?application=: a plain positive id in the columns' range, else None (never an error)."""
    if not value or not value.isascii() or not value.isdigit() or len(value) > 10:
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None


def can_share(application: Application) -> str | None:
    """Why `application` can't be shared as a review yet, or None."""
    if application.review_id is not None:
        return "You already shared this application as a review."
    if application.status is ApplicationStatus.to_apply or application.applied_on is None:
        return "Apply first: a review is about a process that started."
    return None


def shareable(user_id: int, application_id: int | None, employer_id: int) -> Application | None:
    """The user's own application at that employer, not yet shared; None otherwise (someone
    else's id, another employer's or an already shared one tell nothing and do nothing)."""
    if application_id is None:
        return None
    application = owned(application_id, user_id)
    if application is None or application.employer_id != employer_id:
        return None
    return application if can_share(application) is None else None


def _decision_step(application: Application) -> ApplicationStep | None:
    decisions = [step for step in application.steps if step.kind in OUTCOME_STEPS]
    return decisions[-1] if decisions else None


def _contacts(application: Application) -> list[ApplicationStep]:
    return [step for step in application.steps if step.kind not in OUTCOME_STEPS]


def _stage(application: Application) -> Stage:
    stages = [STEP_STAGES[step.kind] for step in application.steps if step.kind in STEP_STAGES]
    return max(stages, key=lambda stage: stage.rank, default=Stage.applied)


def _outcome(application: Application) -> Outcome | None:
    if application.status is ApplicationStatus.withdrawn:
        return Outcome.withdrew
    decision = _decision_step(application)
    if decision is not None:
        return Outcome.offer if decision.kind is StepKind.offer else Outcome.rejected
    if application.status is ApplicationStatus.decided:
        return None  # decided, but the tracker doesn't say how: the candidate chooses
    return Outcome.waiting


def _promise(step: ApplicationStep | None) -> dict:
    if step is None:
        return {}
    promised = promised_on(step)
    if promised is None:
        return {}
    days = (promised - step.happened_on).days
    if days < 1:
        return {}
    return {"next_steps": NextSteps.yes_with_date, "promised_days": days}


def outcome_values(application: Application) -> dict:
    """What the tracker says of how the process went and ended, as review values."""
    contacts = _contacts(application)
    last = contacts[-1] if contacts else None
    last_contact: date = last.happened_on if last else application.applied_on
    values: dict = {"stage": _stage(application), "last_contact_on": last_contact}
    outcome = _outcome(application)
    if outcome is not None:
        values["outcome"] = outcome
    decision = _decision_step(application)
    if decision is not None and outcome in (Outcome.offer, Outcome.rejected):
        values["decision_days"] = max((decision.happened_on - last_contact).days, 0)
    if outcome is Outcome.offer:
        values["stage"] = Stage.offer
    # Every step tracked (issue 18), when there is more than the furthest one to tell.
    steps = {STEP_STAGES[step.kind] for step in application.steps if step.kind in STEP_STAGES}
    steps.add(values["stage"])
    if len(steps - {Stage.applied}) > 1:
        values["steps"] = steps_mask(steps - {Stage.applied})
    rounds = sum(1 for step in application.steps if step.kind is StepKind.interview)
    if rounds:
        values["interview_rounds"] = rounds
    values.update(_promise(last))
    return values


def review_values(application: Application) -> dict:
    """The review form's answers for a first share of `application`."""
    started = application.applied_on or min(step.happened_on for step in application.steps)
    values = {
        "process_month": started.replace(day=1),
        **outcome_values(application),
        "role_title": application.role_title,
        "show_role_title": False,
    }
    if application.channel is not None:
        values["application_channel"] = application.channel
    return values


def is_prospective(application: Application) -> bool:
    """Tracked before its outcome was known (the module's docstring says why it matters)."""
    if application.applied_on is None:
        return False
    entered: datetime = application.created_at
    if (entered.date() - application.applied_on).days > PROSPECTIVE_ENTRY_DAYS:
        return False
    known = application.outcome_known_at
    return known is None or known - entered >= PROSPECTIVE_OUTCOME_AFTER


def link(application: Application, review: Review) -> None:
    """Record that `review` was shared from `application` (the caller commits)."""
    application.review_id = review.id
    review.prospective = is_prospective(application)


def update_offered(application: Application) -> bool:
    """The tracker learnt the outcome after the review was shared: offer to update it."""
    review = application.review
    if review is None or application.outcome_known_at is None:
        return False
    # What the author last wrote, a pending change included.
    return application.outcome_known_at > review.created_at and author_values(review)[
        "outcome"
    ] in (Outcome.waiting, Outcome.ghosted)


def linked_to(user_id: int, application_id: int | None, review: Review) -> Application | None:
    """The user's application that shared `review`, for the edit form's update offer."""
    if application_id is None:
        return None
    application = owned(application_id, user_id)
    if application is None or application.review_id != review.id:
        return None
    return application
