"""The author's answer to an employer's "we have now contacted this candidate" report (DESIGN.md
§7): confirming it updates the review through reviews.services.update, denying it is shown to the
employer at a random moment later. The reports themselves are representatives.contact_reports.
"""

from __future__ import annotations

import enum
from datetime import datetime

from accounts.models import User
from representatives import contact_reports
from representatives.models import ContactStatus
from reviews import publication, services
from reviews.models import Feedback, Outcome, Review
from reviews.services import Prepared


class ContactAnswer(enum.Enum):
    """What the author's answer did."""

    confirmed = "confirmed"
    denied = "denied"
    already = "already"  # answered a moment ago (another tab): nothing changed
    changed = "changed"  # the review changed meanwhile: the report is withdrawn
    none = "none"  # no open report for this review


def answer_contact(
    review: Review, author: User, outcome: Outcome | None, now: datetime
) -> ContactAnswer:
    """The author's answer to a pending contact report: `outcome` the decision they received, or
    None for "they didn't contact me". The caller checks that `author` wrote the review, and
    commits.

    Confirming updates the review through reviews.services.update, so a revision is kept and the
    statistics row is refreshed in the same transaction: the outcome, the days from the last
    contact to today as the decision days, feedback that fits the outcome, and the month the
    employer followed up. The last contact date stays what the author gave.
    """
    if not contact_reports.pending_exists(review):
        return ContactAnswer.none
    if contact_reports.withdraw_stale_reports(review, now):
        return ContactAnswer.changed
    if outcome is None:
        # Shown at a random moment in the publication window, not at the author's click.
        shown_at = publication.publish_time(author, now)
        denied = contact_reports.settle_pending(
            review, ContactStatus.denied, now, shown_at=shown_at
        )
        return ContactAnswer.denied if denied else ContactAnswer.already
    if outcome not in contact_reports.contact_outcomes(review.stage):
        raise ValueError(f"{outcome} is not a possible answer at stage {review.stage}")
    if not contact_reports.settle_pending(review, ContactStatus.confirmed, now):
        return ContactAnswer.already
    days = min(max((now.date() - review.last_contact_on).days, 0), MAX_DECISION_DAYS)
    values = {"outcome": outcome, "decision_days": days, "feedback": _feedback_for(review, outcome)}
    # A pending change of the review (DESIGN.md §5.8): public, and shown to the employer, at a
    # random moment later.
    services.update(review, author, Prepared(values), followed_up=True)
    return ContactAnswer.confirmed


# CHECK decision_days_range in reviews/models.py.
MAX_DECISION_DAYS = 3650


def _feedback_for(review: Review, outcome: Outcome) -> Feedback | None:
    """Feedback consistent with the new outcome (CHECK feedback_fits_outcome): a no with a reason
    is specific feedback; a template no keeps "none" (the only value a waiting or ghosted review
    can have); an offer keeps what was there."""
    if outcome is Outcome.rejected_with_feedback:
        return Feedback.specific
    return review.feedback
