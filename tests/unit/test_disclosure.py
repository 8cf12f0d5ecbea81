"""What a card may show of a review (reviews/disclosure.py, DESIGN.md §5 rules 3, 8, 9)."""

from __future__ import annotations

from datetime import date

import pytest

from reviews.disclosure import SMALL_EMPLOYER_REVIEWS, disclose, silent_months
from reviews.models import ApplicationChannel, Feedback, NextSteps, Outcome, Stage

TODAY = date(2026, 6, 17)
SMALL, LARGE = SMALL_EMPLOYER_REVIEWS - 1, SMALL_EMPLOYER_REVIEWS


def values(**changes) -> dict:
    """A rejection 12 days after the last contact, with every detail a candidate can give."""
    base = {
        "stage": Stage.final,
        "outcome": Outcome.rejected,
        "feedback": Feedback.generic,
        "decision_days": 12,
        "next_steps": NextSteps.yes_with_date,
        "promised_days": 10,
        "followups_sent": 3,
        "followups_answered": 0,
        "interview_rounds": 4,
        "hours_invested": 17,
        "application_channel": ApplicationChannel.referral,
        "work_mode": None,
        "respect_rating": 2,
        "last_contact_on": date(2026, 3, 20),
    }
    base.update(changes)
    return base


def shown(count: int, **kwargs) -> dict[str, str]:
    facts = kwargs.pop("facts", None) or values()
    return dict(disclose(facts, count, today=TODAY, **kwargs).details)


@pytest.mark.parametrize("count", [1, SMALL, LARGE, 40])
def test_decision_days_are_the_charts_bucket_at_every_size(count):
    details = shown(count)
    assert details["Decision"] == "8 to 14 days after last contact"
    assert "12" not in " ".join(details.values())


@pytest.mark.parametrize(
    ("days", "text"),
    [
        (0, "within a week of last contact"),
        (7, "within a week of last contact"),
        (30, "15 to 30 days after last contact"),
        (61, "over 60 days after last contact"),
    ],
)
def test_decision_text_names_the_bucket(days, text):
    assert shown(LARGE, facts=values(decision_days=days))["Decision"] == text


@pytest.mark.parametrize("count", [1, LARGE])
def test_a_confirmed_contact_report_shows_no_computed_day_count(count):
    # Its decision days are today minus the last contact: they would date the last contact.
    details = shown(count, contact_confirmed=True)
    assert "Decision" not in details
    promise = details.get("Promised an answer within") or details["Promised an answer"]
    assert "kept" not in promise and "missed" not in promise  # that would bound the date too


def test_a_ghosted_review_with_a_promise_says_it_was_missed():
    facts = values(outcome=Outcome.ghosted, decision_days=None, feedback=Feedback.none)
    assert shown(SMALL, facts=facts)["Promised an answer"] == "within 8 to 14 days (missed)"
    assert shown(LARGE, facts=facts)["Promised an answer within"] == "10 days (missed)"
    waiting = values(outcome=Outcome.waiting, decision_days=None, feedback=Feedback.none)
    assert shown(LARGE, facts=waiting, presumed_ghosted=True)["Promised an answer within"] == (
        "10 days (missed)"
    )
    # Still waiting and not yet presumed ghosted: whether the promise passed is a date question.
    assert shown(LARGE, facts=waiting)["Promised an answer within"] == "10 days"


def test_below_five_reviews_the_quasi_identifiers_are_withheld_or_coarsened():
    details = shown(SMALL)
    assert "Interview rounds" not in details
    assert "Hours invested" not in details
    assert "Applied" not in details  # "someone referred me"
    assert details["Follow-ups"] == "followed up, no answer"
    assert details["Promised an answer"] == "within 8 to 14 days (missed)"
    text = " ".join(details.values())
    for exact in ("3", "4", "17", "10"):
        assert exact not in text.split(), exact
    # What does not single anyone out stays.
    assert details["Feedback"] == "Generic"
    assert details["Treated with respect"] == "2 out of 5"


@pytest.mark.parametrize(
    ("sent", "answered", "text"),
    [(0, None, "none sent"), (2, None, "followed up"), (5, 1, "followed up, got an answer")],
)
def test_follow_ups_are_worded_without_counts_below_five(sent, answered, text):
    facts = values(followups_sent=sent, followups_answered=answered)
    assert shown(SMALL, facts=facts)["Follow-ups"] == text


def test_from_five_reviews_the_details_stay_but_days_are_bucketed():
    details = shown(LARGE)
    assert details["Interview rounds"] == "4"
    assert details["Hours invested"] == "17"
    assert details["Applied"] == "Someone referred me"
    assert details["Follow-ups"] == "3 sent, 0 answered"
    assert details["Promised an answer within"] == "10 days (missed)"
    assert details["Decision"] == "8 to 14 days after last contact"


@pytest.mark.parametrize(
    ("feedback", "expected"),
    [
        (None, Outcome.rejected),
        (Feedback.generic, Outcome.rejected),
        (Feedback.specific, Outcome.rejected_with_feedback),
    ],
)
def test_a_withdrawn_offer_shows_as_a_rejection_below_five(feedback, expected):
    facts = values(stage=Stage.offer, outcome=Outcome.rescinded, feedback=feedback)
    assert disclose(facts, SMALL).outcome is expected
    assert disclose(facts, LARGE).outcome is Outcome.rescinded


@pytest.mark.parametrize(
    ("last_contact", "today", "months"),
    [
        (date(2026, 3, 20), date(2026, 6, 17), 2),  # April and May
        (date(2026, 3, 1), date(2026, 6, 30), 2),  # the same however the days fall
        (date(2026, 5, 31), date(2026, 6, 1), 0),
        (date(2025, 11, 3), date(2026, 2, 2), 2),  # across a year
    ],
)
def test_silence_is_whole_calendar_months(last_contact, today, months):
    assert silent_months(last_contact, today) == months


def test_silence_is_given_only_for_a_presumed_ghosted_review():
    waiting = values(outcome=Outcome.waiting, decision_days=None, feedback=Feedback.none)
    assert disclose(waiting, SMALL, today=TODAY).silent_months is None
    ghosted = disclose(waiting, SMALL, presumed_ghosted=True, today=TODAY)
    assert ghosted.silent_months == 2
    # The count moves on the first of a month, never on a day tied to the last contact.
    for day in range(1, 31):
        later = disclose(waiting, SMALL, presumed_ghosted=True, today=date(2026, 6, day))
        assert later.silent_months == 2
