"""What may be shown of a review, in one place (DESIGN.md §5 rules 3, 8 and 9).

Every public rendering of a review — the employer pages, the API, the representative dashboard
and the emails to representatives — goes through `disclose` (via reviews.display.public_view), so
they cannot disagree.

- Nothing public is derived from an exact date (§5.8): decision days are shown in the buckets of
  the "days to a decision" chart (scoring.figures.DAY_BUCKETS); a decision recorded by confirming
  an employer's contact report shows no day count at all (its days are today minus the last
  contact, so they would give away the last contact's exact date); silence is counted in whole
  calendar months from the last contact's month, which is public anyway.
- Quasi-identifiers are small-count data (§5.9): below SMALL_EMPLOYER_REVIEWS published reviews
  at the employer, interview rounds, hours invested, the application channel, every step reached,
  "turned down other work while waiting" and "heard only after chasing them" are withheld,
  follow-ups are worded without counts, a promised timeline is
  bucketed, and a withdrawn offer is shown as the rejection it resembles, so its offer stage stays
  hidden like the coarse stage.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from reviews.labels import (
    CHANNELS,
    FEEDBACK,
    NEXT_STEPS,
    TURNED_DOWN_TEXT,
    WORK_MODES,
    steps_text,
)
from reviews.models import DECISIONS, Feedback, Outcome
from scoring.figures import day_bucket
from scoring.vocabulary import steps_of

# DESIGN.md §5.3 and §5.9: below this many published reviews at an employer, coarse stages, no
# role details and no card detail that could single a candidate out.
SMALL_EMPLOYER_REVIEWS = 5

# A decision the candidate had to chase (Review.chased_for_decision; it counts as silence,
# DESIGN.md §6): its card detail.
CHASED_LABEL = "Chasing"
CHASED_TEXT = "Heard only after chasing them"


@dataclass(frozen=True)
class Disclosed:
    """What the public may see of a review's facts (the card's text comes from these)."""

    coarse: bool
    outcome: Outcome  # the outcome shown: a withdrawn offer is folded at a small employer
    details: list[tuple[str, str]] = field(default_factory=list)
    silent_months: int | None = None  # presumed ghosted: no reply for at least this many months


def is_coarse(published_count: int) -> bool:
    return published_count < SMALL_EMPLOYER_REVIEWS


def shown_outcome(outcome: Outcome, feedback: Feedback | None, coarse: bool) -> Outcome:
    """A withdrawn offer at a small employer shows as a rejection (with a reason if it came with
    specific feedback): "offer withdrawn" would reveal the offer stage the coarse stage hides."""
    if coarse and outcome is Outcome.rescinded:
        if feedback is Feedback.specific:
            return Outcome.rejected_with_feedback
        return Outcome.rejected
    return outcome


def silent_months(last_contact_on: date, today: date) -> int:
    """Whole calendar months between the last contact's month and this one: a lower bound on the
    silence that changes on the first of a month for everyone, never on a day tied to the review."""
    between = (today.year - last_contact_on.year) * 12 + today.month - last_contact_on.month - 1
    return max(between, 0)


def disclose(
    values: dict,
    published_count: int,
    *,
    contact_confirmed: bool = False,
    presumed_ghosted: bool = False,
    today: date | None = None,
) -> Disclosed:
    """What may be shown of a review with these values (model values, reviews.fields.values_of)
    at an employer with `published_count` published reviews.

    `contact_confirmed`: the decision was recorded by confirming an employer's contact report.
    `presumed_ghosted`: a waiting review past its silence limit (reviews.services); with `today`,
    its silence is given in months.
    """
    coarse = is_coarse(published_count)
    outcome: Outcome = values["outcome"]
    ghosted = outcome is Outcome.ghosted or (outcome is Outcome.waiting and presumed_ghosted)
    months = None
    if outcome is Outcome.waiting and presumed_ghosted and today is not None:
        months = silent_months(values["last_contact_on"], today)
    return Disclosed(
        coarse=coarse,
        outcome=shown_outcome(outcome, values.get("feedback"), coarse),
        details=_details(values, outcome, coarse, contact_confirmed, ghosted),
        silent_months=months,
    )


def _details(
    values: dict, outcome: Outcome, coarse: bool, contact_confirmed: bool, ghosted: bool
) -> list[tuple[str, str]]:
    details: list[tuple[str, str]] = []
    days = values.get("decision_days")
    decided = outcome in DECISIONS and days is not None
    if decided and not contact_confirmed:
        details.append(("Decision", decision_text(days)))
    # Like rounds and hours, a detail that could single a candidate out at a small employer.
    if not coarse and outcome in DECISIONS and values.get("chased_for_decision") is True:
        details.append((CHASED_LABEL, CHASED_TEXT))
    promised = values.get("promised_days")
    if promised:
        kept = None
        if decided and not contact_confirmed:
            kept = days <= promised
        elif ghosted:
            kept = False
        verdict = {True: " (kept)", False: " (missed)", None: ""}[kept]
        if coarse:
            details.append(("Promised an answer", f"{_within(day_bucket(promised))}{verdict}"))
        else:
            details.append(("Promised an answer within", f"{_days(promised)}{verdict}"))
    elif values.get("next_steps") is not None:
        details.append(("Next steps explained", NEXT_STEPS[values["next_steps"]][0]))
    followups = _followups(values.get("followups_sent"), values.get("followups_answered"), coarse)
    if followups:
        details.append(("Follow-ups", followups))
    if values.get("feedback") is not None:
        details.append(("Feedback", FEEDBACK[values["feedback"]][0]))
    if not coarse:
        if values.get("interview_rounds") is not None:
            details.append(("Interview rounds", str(values["interview_rounds"])))
        if values.get("hours_invested") is not None:
            details.append(("Hours invested", str(values["hours_invested"])))
        if values.get("application_channel") is not None:
            details.append(("Applied", CHANNELS[values["application_channel"]]))
        if values.get("steps"):
            details.append(("Steps", steps_text(steps_of(values["steps"]))))
        if values.get("turned_down_work") is True:
            details.append(("While waiting", TURNED_DOWN_TEXT))
    if values.get("work_mode") is not None:
        details.append(("Work mode", WORK_MODES[values["work_mode"]]))
    if values.get("respect_rating") is not None:
        details.append(("Treated with respect", f"{values['respect_rating']} out of 5"))
    return details


def decision_text(days: int) -> str:
    """'within a week of last contact', '8 to 14 days after last contact': the chart's bucket."""
    label = day_bucket(days)
    if label.startswith("Within"):
        return f"{label[0].lower()}{label[1:]} of last contact"
    return f"{label[0].lower()}{label[1:]} after last contact"


def _within(label: str) -> str:
    lowered = f"{label[0].lower()}{label[1:]}"
    return lowered if lowered.startswith(("within", "over")) else f"within {lowered}"


def _followups(sent: int | None, answered: int | None, coarse: bool) -> str | None:
    if sent is None:
        return None
    if not coarse:
        return f"{sent} sent" + (f", {answered} answered" if answered is not None else "")
    if sent == 0:
        return "none sent"
    if answered is None:
        return "followed up"
    return "followed up, " + ("got an answer" if answered else "no answer")


def _days(count: int) -> str:
    return f"{count} day" if count == 1 else f"{count} days"
