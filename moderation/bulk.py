"""Bulk actions of the moderation queue (DESIGN.md §8): dismiss several reports, or publish
several held reviews, with one reason.

Each item goes through the same action as on its own page (moderation.actions), so each gets its
own checks (a moderator's own review, an employer they represent, an item already handled) and
its own audit-log row. An item that can't be done is skipped and reported with the reason; the
rest are done. The actions refuse before they change anything, so a skipped item leaves nothing
half-done in the transaction. The caller commits once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from accounts.models import User
from extensions import db
from moderation import actions
from moderation.actions import ActionError
from moderation.models import Flag
from moderation.queue import moderated_review
from responses.models import Response
from reviews.models import Review

# The most items one bulk action takes: a page of the queue is far fewer.
BULK_MAX = 100


@dataclass
class BulkResult:
    done: list[str] = field(default_factory=list)
    # (what, why it was skipped), in the moderator's words.
    skipped: list[tuple[str, str]] = field(default_factory=list)


def _flag_review(flag: Flag) -> Review | None:
    if flag.review_id is not None:
        return db.session.get(Review, flag.review_id)
    response = db.session.get(Response, flag.response_id)
    return db.session.get(Review, response.review_id) if response is not None else None


def dismiss_flags(flag_ids: Iterable[int], actor: User, reason: str, now: datetime) -> BulkResult:
    """Dismiss each open report: one `dismiss_flag` audit row per report."""
    result = BulkResult()
    for flag_id in list(dict.fromkeys(flag_ids))[:BULK_MAX]:
        flag = db.session.get(Flag, flag_id)
        review = _flag_review(flag) if flag is not None else None
        if flag is None or review is None:
            result.skipped.append((f"Report {flag_id}", "It no longer exists."))
            continue
        what = f"The report on {'the response to ' if flag.response_id else ''}a review of " + (
            review.employer.name
        )
        try:
            actions.dismiss_flag(review, flag, actor, reason, now)
        except ActionError as error:
            result.skipped.append((what, str(error)))
        else:
            result.done.append(what)
    return result


def publish_reviews(
    public_ids: Iterable[str], actor: User, reason: str, now: datetime
) -> BulkResult:
    """Publish each held review (or its held change): one `publish` audit row per review, each
    at its own random moment as on its page (moderation.actions.publish_review)."""
    result = BulkResult()
    for public_id in list(dict.fromkeys(public_ids))[:BULK_MAX]:
        review = moderated_review(public_id)
        if review is None:
            result.skipped.append((f"Review {public_id}", "It no longer exists."))
            continue
        what = f"A review of {review.employer.name}"
        try:
            actions.publish_review(review, actor, reason, now)
        except ActionError as error:
            result.skipped.append((what, str(error)))
        else:
            result.done.append(what)
    return result
