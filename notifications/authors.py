"""Emails to a review's author about their review: a response, a legal notice, a moderator's hide.

Each names the employer and the month the process started, so the author knows which review it
is, and goes to the author's address only. Nobody is emailed when the review was kept de-linked
from a deleted account, or when its author is suspended (they couldn't sign in to act on it).
Sent after the commit: a mail failure is logged without the recipient and undoes nothing.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from accounts.models import User
from extensions import db
from notifications import mail
from timeutils import month_label

if TYPE_CHECKING:
    from reviews.models import Review

log = logging.getLogger(__name__)


def email_author(review: Review, subject: str, template: str, *, failure: str, **context) -> bool:
    """Send `template` to the review's author with `employer_name`, `month` and `context`.
    Returns whether a message went out; `failure` is what the log says when sending fails."""
    author = db.session.get(User, review.author_id) if review.author_id else None
    if author is None or author.is_suspended:
        return False
    try:
        mail.send_template(
            author.email,
            subject,
            template,
            employer_name=review.employer.name,
            month=month_label(review.process_month),
            **context,
        )
    except Exception:
        log.exception(failure)
        return False
    return True
