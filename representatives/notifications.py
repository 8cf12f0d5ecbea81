"""Emails of the employer side: new reviews to representatives, contact reports to authors.

New-review emails go out from `flask heardback tick` (reviews.lifecycle):
`immediate` → one email per review published since the representative's `notified_until`;
`weekly` → one digest once the oldest of those reviews has been public for a week, so digests are
at least a week apart and no review waits longer than that; `off` → nothing.

They hold only what the public page shows (DESIGN.md §5.1): the employer's name, the outcome and
the stage in words (coarsened at small employers, as on the public card), months, and links to the
public review and to the dashboard. Never the author, their account, or an exact date.

Like the reminders, a notification is reserved (`notified_until` moved to the newest review it
covers, by a conditional UPDATE that re-checks the old value), committed, and only then sent, so a
second tick at the same moment, or on another host, sends nothing; a send that fails gives back
what wasn't sent for the next run.
"""

from __future__ import annotations

import logging
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from flask import current_app, has_request_context
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from accounts.models import User
from accounts.services import absolute_url
from employers.models import Employer
from extensions import db
from notifications import mail
from representatives.contact_reports import ContactRequest
from representatives.models import Notify, Representative
from reviews.display import public_view
from reviews.fields import values_of
from reviews.models import Review, ReviewStatus
from timeutils import month_label

if TYPE_CHECKING:
    from reviews.display import PublicCard

log = logging.getLogger(__name__)

DIGEST_EVERY = timedelta(days=7)
# More new reviews than this at once (a backlog, or emails just turned on) go in one digest rather
# than a burst of single emails.
IMMEDIATE_MAX = 10
# A digest lists this many reviews and points to the dashboard for the rest.
DIGEST_LIST_MAX = 50


@dataclass(frozen=True)
class NewReview:
    url: str
    card: PublicCard


@dataclass(frozen=True)
class Notification:
    """One representative's due email(s), copied out of the session before the reservation
    commits."""

    representative_id: int
    to: str
    employer_name: str
    dashboard_url: str
    reviews: list[NewReview]
    published: list[datetime]  # of each review, to give back what wasn't sent
    since: datetime | None  # notified_until before the reservation
    single: bool  # one email per review (immediate) rather than a digest


def send_due(now: datetime) -> tuple[int, int]:
    """Send every new-review email due at `now`; returns (emails sent, emails not sent).

    Commits: each reservation before its emails are sent (see the module docstring).
    """
    sent = failed = 0
    with nullcontext() if has_request_context() else current_app.test_request_context():
        for representative_id in _representatives():
            notification = _reserve(representative_id, now)
            db.session.commit()
            if notification is None:
                continue
            done, not_done = _send(notification)
            sent += done
            failed += not_done
    return sent, failed


def _representatives() -> list[int]:
    """Live representatives who want emails, with an account that can receive them."""
    return list(
        db.session.scalars(
            select(Representative.id)
            .join(User, User.id == Representative.user_id)
            .where(
                Representative.ended_at.is_(None),
                Representative.notify != Notify.off,
                User.suspended_at.is_(None),
                # Demo accounts (RFC 2606 .invalid) can never receive mail.
                User.email.not_like("%.invalid"),
            )
            .order_by(Representative.id)
        )
    )


def _reserve(representative_id: int, now: datetime) -> Notification | None:
    representative = db.session.scalar(
        select(Representative)
        .options(
            joinedload(Representative.user),
            joinedload(Representative.employer).joinedload(Employer.stats),
        )
        .where(Representative.id == representative_id)
        .execution_options(populate_existing=True)
    )
    since = representative.notified_until or representative.created_at
    reviews = list(
        db.session.scalars(
            select(Review)
            .options(joinedload(Review.response))
            .where(
                Review.employer_id == representative.employer_id,
                Review.status == ReviewStatus.published,
                Review.published_at > since,
                Review.published_at <= now,
            )
            .order_by(Review.published_at, Review.id)
        )
    )
    if not reviews:
        return None
    weekly = representative.notify is Notify.weekly
    if weekly and reviews[0].published_at > now - DIGEST_EVERY:
        return None
    newest = reviews[-1].published_at
    reserved = db.session.execute(
        update(Representative)
        .where(
            Representative.id == representative.id,
            Representative.notify == representative.notify,
            _unchanged(representative.notified_until),
        )
        .values(notified_until=newest)
        .execution_options(synchronize_session=False)
    )
    if reserved.rowcount != 1:
        return None  # another run took it, or the setting changed meanwhile
    employer = representative.employer
    return Notification(
        representative_id=representative.id,
        to=representative.user.email,
        employer_name=employer.name,
        dashboard_url=absolute_url("representatives.dashboard", employer=employer.slug),
        reviews=[
            NewReview(
                absolute_url("reviews.show", public_id=review.public_id),
                public_view(values_of(review), employer, review=review),
            )
            for review in reviews
        ],
        published=[review.published_at for review in reviews],
        since=representative.notified_until,
        single=not weekly and len(reviews) <= IMMEDIATE_MAX,
    )


def _unchanged(value: datetime | None):
    column = Representative.notified_until
    return column.is_(None) if value is None else column == value


def _send(notification: Notification) -> tuple[int, int]:
    if not notification.single:
        try:
            _send_digest(notification)
        except Exception:
            log.exception("Could not send a new-review digest; will retry")
            _give_back(notification, 0)
            return 0, 1
        return 1, 0
    for index, review in enumerate(notification.reviews):
        try:
            _send_one(notification, review)
        except Exception:
            # The recipient is not logged (DESIGN.md §5.1).
            log.exception("Could not send a new-review email; will retry")
            _give_back(notification, index)
            return index, len(notification.reviews) - index
    return len(notification.reviews), 0


def _give_back(notification: Notification, sent: int) -> None:
    """Move notified_until back to the last review that was sent, unless it moved on since."""
    back_to = notification.published[sent - 1] if sent else notification.since
    db.session.execute(
        update(Representative)
        .where(
            Representative.id == notification.representative_id,
            Representative.notified_until == notification.published[-1],
        )
        .values(notified_until=back_to)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def _send_one(notification: Notification, review: NewReview) -> None:
    mail.send_template_now(
        notification.to,
        f"A new review of {notification.employer_name} on HeardBack",
        "new_reviews",
        employer_name=notification.employer_name,
        review=review,
        dashboard_url=notification.dashboard_url,
    )


def _send_digest(notification: Notification) -> None:
    count = len(notification.reviews)
    mail.send_template_now(
        notification.to,
        f"{count} new {'review' if count == 1 else 'reviews'} of {notification.employer_name} "
        "on HeardBack",
        "new_reviews_digest",
        employer_name=notification.employer_name,
        reviews=notification.reviews[:DIGEST_LIST_MAX],
        more=max(count - DIGEST_LIST_MAX, 0),
        count=count,
        dashboard_url=notification.dashboard_url,
    )


# --- closing the loop: the author is asked --------------------------------------------------------


def send_contact_request(request: ContactRequest) -> None:
    """Ask the author to confirm that the employer contacted them (to the author only)."""
    mail.send_template(
        request.to,
        f"{request.employer_name} says they contacted you: is that right?",
        "contact_confirm",
        employer_name=request.employer_name,
        month=month_label(request.process_month),
        mine_url=absolute_url("reviews.mine"),
    )
