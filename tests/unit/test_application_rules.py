"""The tracker's next-action rule (applications.services.next_action_on), without a request."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from applications.models import Application, ApplicationStatus, ApplicationStep, StepKind
from applications.services import (
    FOLLOW_UP_DAYS,
    next_action_on,
    next_action_reason,
    sort_key,
    status_after_step,
)

APPLIED = date(2026, 3, 2)


def _application(status=ApplicationStatus.applied, applied_on=APPLIED, steps=()) -> Application:
    return Application(status=status, applied_on=applied_on, steps=list(steps))


def _step(day: int, **promise) -> ApplicationStep:
    return ApplicationStep(kind=StepKind.interview, happened_on=APPLIED + timedelta(day), **promise)


def test_without_steps_follow_up_after_applying():
    assert next_action_on(_application()) == APPLIED + timedelta(FOLLOW_UP_DAYS)


@pytest.mark.parametrize(
    "status", [ApplicationStatus.to_apply, ApplicationStatus.decided, ApplicationStatus.withdrawn]
)
def test_nothing_is_due_unless_the_application_is_open(status):
    assert next_action_on(_application(status=status, steps=[_step(3, promised_days=2)])) is None


def test_the_latest_step_decides():
    promised = _step(3, promised_days=7)
    assert next_action_on(_application(steps=[promised])) == APPLIED + timedelta(10)
    by_date = _step(5, promised_by=APPLIED + timedelta(30))
    assert next_action_on(_application(steps=[promised, by_date])) == APPLIED + timedelta(30)
    # A later step without a promise: follow up after the usual silence.
    silent = _step(8)
    expected = APPLIED + timedelta(8 + FOLLOW_UP_DAYS)
    assert next_action_on(_application(steps=[promised, silent])) == expected


def test_an_unknown_sort_is_the_default():
    assert sort_key("id; DROP TABLE").__code__ is sort_key("next_action").__code__


@pytest.mark.parametrize(
    ("status", "kind", "expected"),
    [
        (ApplicationStatus.applied, StepKind.interview, ApplicationStatus.in_process),
        (ApplicationStatus.waiting, StepKind.screen, ApplicationStatus.in_process),
        (ApplicationStatus.in_process, StepKind.references, ApplicationStatus.in_process),
        (ApplicationStatus.in_process, StepKind.rejection, ApplicationStatus.decided),
        (ApplicationStatus.applied, StepKind.rejection, ApplicationStatus.decided),
        # An offer may still be negotiated or declined: the candidate decides.
        (ApplicationStatus.in_process, StepKind.offer, ApplicationStatus.in_process),
        (ApplicationStatus.in_process, StepKind.other, ApplicationStatus.in_process),
        # A closed application is not reopened by a late step.
        (ApplicationStatus.withdrawn, StepKind.interview, ApplicationStatus.withdrawn),
        (ApplicationStatus.decided, StepKind.rejection, ApplicationStatus.decided),
        (ApplicationStatus.to_apply, StepKind.interview, ApplicationStatus.to_apply),
    ],
)
def test_a_step_moves_the_status_where_it_obviously_should(status, kind, expected):
    assert status_after_step(status, kind) is expected


def test_the_next_action_says_why():
    promised = _application(steps=[_step(3, promised_days=7)])
    promised.next_action_on = next_action_on(promised)
    assert "promised" in next_action_reason(promised)
    silent = _application()
    silent.next_action_on = next_action_on(silent)
    assert f"{FOLLOW_UP_DAYS} days without news" in next_action_reason(silent)
    closed = _application(ApplicationStatus.decided)
    assert next_action_reason(closed) is None
