"""Flags: anyone's request that moderators look at a review or a response (DESIGN.md §8).

A flag only adds a row to the moderators' queue: it never hides or changes what it is about, and
the one who flags learns nothing about the author. Callers commit.
"""

from __future__ import annotations

from enum import Enum

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from accounts.models import User
from extensions import db
from moderation.models import Flag, FlagReason, FlagStatus
from representatives import access as representation
from responses.models import Response, ResponseStatus
from reviews.models import Review, ReviewStatus


class Refusal(Enum):
    """Why this user can't flag this (shown on the page, never a 500)."""

    unverified = "Confirm your email address before reporting a review or a response."
    own_review = (
        "You wrote this review. To change it, update it from Your reviews; a response under it "
        "can be reported from the review's page."
    )
    already_flagged = (
        "You already reported this, and a moderator will look at it. You can't report the same "
        "thing twice while your report is open."
    )


# --- what can be flagged -----------------------------------------------------------------------


def flaggable_review(public_id: str) -> Review | None:
    """The published review at this public id (with its employer and response), or None."""
    return db.session.scalar(
        select(Review)
        .options(joinedload(Review.employer), joinedload(Review.response))
        .where(Review.public_id == public_id[:16], Review.status == ReviewStatus.published)
    )


def flaggable_response(review: Review) -> Response | None:
    """The review's response if the public can see it (a held or hidden one can't be flagged)."""
    response = review.response
    if response is None or response.status is not ResponseStatus.published:
        return None
    return response


# --- flagging ----------------------------------------------------------------------------------


def _target_clause(review: Review | None, response: Response | None):
    if (review is None) == (response is None):
        raise ValueError("flag exactly one of a review or a response")
    if review is not None:
        return Flag.review_id == review.id
    return Flag.response_id == response.id


def open_flag(reporter: User, *, review=None, response=None) -> Flag | None:
    """The reporter's open flag on this review or response, if any."""
    return db.session.scalar(
        select(Flag).where(
            Flag.reporter_id == reporter.id,
            Flag.status == FlagStatus.open,
            _target_clause(review, response),
        )
    )


def refusal_for(reporter: User, *, review=None, response=None) -> Refusal | None:
    if not reporter.is_verified:
        return Refusal.unverified
    if review is not None and review.author_id == reporter.id:
        return Refusal.own_review
    if open_flag(reporter, review=review, response=response) is not None:
        return Refusal.already_flagged
    return None


def flag(
    reporter: User,
    reason: FlagReason,
    explanation: str,
    *,
    review: Review | None = None,
    response: Response | None = None,
) -> Flag | Refusal:
    """Add a flag to the moderators' queue, or say why not. Nothing else changes: the review or
    response stays exactly as it was (only a moderator's action hides anything)."""
    refusal = refusal_for(reporter, review=review, response=response)
    if refusal is not None:
        return refusal
    employer_id = review.employer_id if review is not None else response.employer_id
    # A representative flags on behalf of their employer; moderators see it (DESIGN.md §7).
    representative = representation.representation_for(reporter.id, employer_id)
    item = Flag(
        review_id=review.id if review is not None else None,
        response_id=response.id if response is not None else None,
        reporter_id=reporter.id,
        representative_id=representative.id if representative else None,
        reason=reason,
        explanation=explanation,
        status=FlagStatus.open,
    )
    db.session.add(item)
    db.session.flush()
    return item
