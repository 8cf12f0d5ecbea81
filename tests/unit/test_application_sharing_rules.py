"""applications.sharing's rules on plain objects: the tracker's steps as review answers, and when
a shared review counts as prospective."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from applications.models import Application, ApplicationStatus, ApplicationStep, StepKind
from applications.sharing import (
    PROSPECTIVE_ENTRY_DAYS,
    application_id,
    can_share,
    is_prospective,
    outcome_values,
    review_values,
)
from reviews.models import ApplicationChannel, NextSteps
from scoring.vocabulary import Outcome, Stage, steps_of

APPLIED = date(2026, 9, 14)


def _application(status=ApplicationStatus.in_process, steps=(), **fields) -> Application:
    fields = {
        "role_title": "Designer",
        "applied_on": APPLIED,
        "created_at": datetime(2026, 9, 15, 8, 0),
        **fields,
    }
    application = Application(status=status, **fields)
    application.steps = [
        ApplicationStep(kind=kind, happened_on=APPLIED + timedelta(days=day), **promise)
        for kind, day, promise in steps
    ]
    return application


def test_no_step_is_a_waiting_application():
    values = review_values(_application(ApplicationStatus.applied))
    assert values["process_month"] == date(2026, 9, 1)
    assert values["stage"] is Stage.applied and values["outcome"] is Outcome.waiting
    assert values["last_contact_on"] == APPLIED
    assert "decision_days" not in values and "interview_rounds" not in values


def test_the_furthest_step_is_the_stage_and_interviews_are_counted():
    application = _application(
        steps=[
            (StepKind.screen, 3, {}),
            (StepKind.interview, 10, {}),
            (StepKind.assignment, 14, {}),
            (StepKind.interview, 20, {"promised_days": 5}),
        ]
    )
    values = outcome_values(application)
    assert values["stage"] is Stage.assignment  # further than interview, whatever the order
    assert values["interview_rounds"] == 2
    assert values["last_contact_on"] == APPLIED + timedelta(days=20)
    assert values["next_steps"] is NextSteps.yes_with_date and values["promised_days"] == 5
    # Every step tracked is a step reached (issue 18), the furthest included.
    assert steps_of(values["steps"]) == [Stage.screen, Stage.interview, Stage.assignment]


def test_one_kind_of_step_says_nothing_more_than_the_stage():
    values = outcome_values(_application(steps=[(StepKind.interview, 3, {})]))
    assert values["stage"] is Stage.interview and "steps" not in values


def test_a_promised_date_becomes_a_number_of_days():
    application = _application(
        steps=[(StepKind.interview, 10, {"promised_by": APPLIED + timedelta(days=24)})]
    )
    assert outcome_values(application)["promised_days"] == 14


def test_a_rejection_is_a_decision_counted_from_the_contact_before_it():
    application = _application(
        ApplicationStatus.decided,
        steps=[(StepKind.interview, 10, {}), (StepKind.rejection, 31, {})],
    )
    values = outcome_values(application)
    assert values["outcome"] is Outcome.rejected
    assert values["last_contact_on"] == APPLIED + timedelta(days=10)
    assert values["decision_days"] == 21
    assert values["stage"] is Stage.interview


def test_an_offer_reaches_the_offer_stage():
    application = _application(
        ApplicationStatus.decided,
        steps=[(StepKind.interview, 5, {}), (StepKind.offer, 8, {})],
    )
    values = outcome_values(application)
    assert values["outcome"] is Outcome.offer and values["stage"] is Stage.offer
    assert values["decision_days"] == 3


def test_decided_without_saying_how_leaves_the_outcome_to_the_candidate():
    values = outcome_values(_application(ApplicationStatus.decided))
    assert "outcome" not in values


def test_withdrawn_is_withdrew():
    assert outcome_values(_application(ApplicationStatus.withdrawn))["outcome"] is Outcome.withdrew


def test_the_channel_and_title_are_offered_but_the_title_stays_private():
    values = review_values(_application(channel=ApplicationChannel.referral))
    assert values["application_channel"] is ApplicationChannel.referral
    assert values["role_title"] == "Designer" and values["show_role_title"] is False


def test_notes_are_never_part_of_the_review():
    values = review_values(_application(notes="Recruiter Jane said 80k"))
    assert "Jane" not in repr(values)


def test_what_cannot_be_shared():
    assert can_share(_application(ApplicationStatus.to_apply, applied_on=None))
    assert can_share(_application(review_id=5))
    assert can_share(_application()) is None


@pytest.mark.parametrize(
    ("entered_days_after", "outcome_after", "expected"),
    [
        (1, None, True),  # still open when shared
        (PROSPECTIVE_ENTRY_DAYS, None, True),
        (PROSPECTIVE_ENTRY_DAYS + 1, None, False),  # silence may already have told
        (-3, timedelta(days=20), True),  # entered before applying (to apply)
        (1, timedelta(days=2), True),
        (1, timedelta(hours=2), False),  # outcome typed in with the application
        (0, timedelta(0), False),
    ],
)
def test_when_a_review_is_prospective(entered_days_after, outcome_after, expected):
    entered = datetime.combine(APPLIED + timedelta(days=entered_days_after), datetime.min.time())
    application = _application()
    application.created_at = entered
    application.outcome_known_at = entered + outcome_after if outcome_after is not None else None
    assert is_prospective(application) is expected


def test_an_application_without_a_date_is_never_prospective():
    assert is_prospective(_application(ApplicationStatus.to_apply, applied_on=None)) is False


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12", 12),
        (None, None),
        ("", None),
        ("0", None),
        ("-4", None),
        ("1e3", None),
        ("١٢", None),  # Arabic-Indic digits: isdigit() but not ASCII
        ("2147483648", None),
        ("99999999999999999999", None),
        ("2147483647", 2147483647),
    ],
)
def test_application_ids_from_the_address(value, expected):
    assert application_id(value) == expected
