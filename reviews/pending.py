"""Every public change waits (DESIGN.md §5.8).

An author's edit of a published review (their own, or a confirmed "we contacted this candidate")
is not applied to the public row: its new values are kept in `reviews.pending_values` and become
public at a random moment in the same window as a new review (reviews.publication.publish_time),
or wait for a moderator when a check trips (the same checks as a new review). `flask heardback
tick` publishes what is due (publish_due): the values are applied, "updated <month>" and "the
employer followed up <month>" take the publication month, and the employer's statistics row
changes then, not at the edit. Until that moment nothing public or shown to the employer
differs from before the edit; the author sees the new values, marked "scheduled", on /me.

A second edit before publication replaces the pending values and draws a new moment from the
time of that edit. Keeping the first edit's moment would publish the second edit's content
(e.g. a rejection received today) possibly within minutes of the edit, when the first edit's
moment happens to be near, which is exactly the link the delay exists to break; a new draw keeps
every published content at least the minimum delay away from when it was written. Nothing public
changes at a reschedule, so the redraw itself tells an observer nothing.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, select, update
from sqlalchemy import Enum as SAEnum

from accounts.models import User
from extensions import db
from representatives.contact_reports import changes_published
from reviews import holds
from reviews.fields import FIELDS, FREE_TEXT_FIELDS, after_change, apply_values
from reviews.models import DECISIONS, HoldReason, Review, ReviewStatus
from reviews.publication import publish_time
from scoring.stats import as_before, refresh_employer

# A key of pending_values beside the review's fields: the change confirms an employer's contact
# report, so publishing it sets employer_followed_up_at (to the publication moment).
FOLLOWED_UP = "_employer_followed_up"
# Another: the author proved the contact (proofs/), so publishing it sets contact_verified.
CONTACT_VERIFIED = "_contact_verified"


def to_json(values: dict) -> dict:
    data = {}
    for name in FIELDS:
        value = values.get(name)
        if hasattr(value, "value") and not isinstance(value, bool | int | str):
            value = value.value
        elif isinstance(value, date | datetime):
            value = value.isoformat()
        data[name] = value
    return data


def from_json(data: dict) -> dict:
    values = {}
    columns = Review.__table__.columns
    for name in FIELDS:
        if name not in data:
            continue
        value = data[name]
        column_type = columns[name].type
        if value is not None and isinstance(column_type, SAEnum):
            value = column_type.enum_class(value)
        elif value is not None and isinstance(column_type, Date):
            value = date.fromisoformat(value)
        values[name] = value
    return values


def has_pending(review: Review) -> bool:
    return review.pending_values is not None


def author_values(review: Review) -> dict:
    """What the author last wrote: the public values, or the pending ones if there are any (the
    edit form and the author's own page show these)."""
    values = {name: getattr(review, name) for name in FIELDS}
    if review.pending_values is not None:
        values.update(from_json(review.pending_values))
    return values


def _hold_reason(review: Review, values: dict, prepared) -> HoldReason | None:
    """The checks a new review goes through, on the changed values (a probe row, never added to
    the session: the public row must not change).

    The checks read the free text only: a change that leaves the text as published (an outcome,
    a confirmed contact) isn't held for what was already checked, and perhaps cleared, before.
    """
    if all(values.get(name) == getattr(review, name) for name in FREE_TEXT_FIELDS):
        return None
    if prepared.suspected_names:
        return HoldReason.suspected_name
    probe = Review(
        id=review.id,
        employer_id=review.employer_id,
        author_id=review.author_id,
        created_at=review.created_at,
        status=ReviewStatus.published,
        **values,
    )
    with db.session.no_autoflush:
        return holds.automatic_hold(probe, prepared.removals)


class MonthTaken(Exception):
    """The change moves the process to a month another of the author's reviews of this employer
    began in (uq_reviews_one_per_month): refused at the edit, not found at publication."""


def stage(review: Review, author: User, prepared, now: datetime, followed_up: bool = False) -> None:
    """Keep the author's change of a published review as pending, scheduled or held."""
    values = author_values(review)
    values.update({name: value for name, value in prepared.values.items() if name in values})
    if values["outcome"] not in DECISIONS:
        values["decision_days"] = None
        values["chased_for_decision"] = None
    if values["process_month"] != review.process_month and db.session.scalar(
        select(Review.id).where(
            Review.id != review.id,
            Review.author_id == review.author_id,
            Review.employer_id == review.employer_id,
            Review.process_month == values["process_month"],
        )
    ):
        raise MonthTaken
    reason = _hold_reason(review, values, prepared)
    data = to_json(values)
    earlier = review.pending_values or {}
    if followed_up or earlier.get(FOLLOWED_UP):
        data[FOLLOWED_UP] = True
    if earlier.get(CONTACT_VERIFIED):
        data[CONTACT_VERIFIED] = True
    moment = None if reason else publish_time(author, now)  # may load: before any change
    review.pending_values = data
    review.pending_since = now
    review.pending_hold_reason = reason
    review.pending_publish_at = moment


def verification_pending(review: Review) -> bool:
    return bool((review.pending_values or {}).get(CONTACT_VERIFIED))


def stage_verification(review: Review, author: User | None, now: datetime) -> None:
    """ "Verified contact" on a published review waits for a random moment like an edit: with
    the author's pending change if there is one (drawn anew from now), else on its own."""
    data = dict(review.pending_values or to_json(author_values(review)))
    data[CONTACT_VERIFIED] = True
    held = review.pending_values is not None and review.pending_hold_reason is not None
    moment = publish_time(author, now) if author else now  # may load: before any change
    review.pending_values = data
    review.pending_since = review.pending_since or now
    if not held:
        review.pending_publish_at = moment


def schedule(review: Review, now: datetime) -> None:
    """A moderator cleared a held pending change: it waits for its random moment like any other
    (counted from the author's edit, or now if that moment has passed)."""
    author = db.session.get(User, review.author_id) if review.author_id else None
    moment = publish_time(author, review.pending_since) if author else now
    review.pending_hold_reason = None  # one UPDATE with the moment: the CHECK holds
    review.pending_publish_at = max(moment, now)


def discard(review: Review) -> None:
    review.pending_values = None
    review.pending_since = None
    review.pending_hold_reason = None
    review.pending_publish_at = None


# --- publication, from `flask heardback tick` ------------------------------------------------

BATCH_SIZE = 500


def _due(now: datetime):
    return (
        Review.status == ReviewStatus.published,
        Review.pending_publish_at.is_not(None),
        Review.pending_publish_at <= now,
    )


def publish_due(now: datetime) -> int:
    """Apply every pending change whose moment has come; the caller commits.

    Each batch reads the pending values, then claims the rows with a conditional UPDATE that
    clears them (re-checking that they are still due): a second tick, or an edit in between
    (which moves the moment at least the minimum delay on), leaves the row out of this batch.
    Statistics rows are refreshed once per employer per batch.
    """
    count = 0
    last = 0
    while True:
        rows = db.session.execute(
            select(Review.id, Review.pending_values)
            .where(*_due(now), Review.id > last)
            .order_by(Review.id)
            .limit(BATCH_SIZE)
        ).all()
        if not rows:
            return count
        last = rows[-1][0]
        values = {review_id: data for review_id, data in rows}
        claimed = set(
            db.session.scalars(
                update(Review)
                .where(Review.id.in_(values), *_due(now))
                .values(
                    pending_values=None,
                    pending_publish_at=None,
                    pending_since=None,
                    pending_hold_reason=None,
                )
                .returning(Review.id)
                .execution_options(synchronize_session=False)
            )
        )
        reviews = db.session.scalars(
            select(Review)
            .where(Review.id.in_(claimed))
            .order_by(Review.id)
            .execution_options(populate_existing=True)
        ).all()
        apply([(review, values[review.id]) for review in reviews], now)
        count += len(reviews)


def apply(changes: list[tuple[Review, dict]], now: datetime) -> None:
    """Make pending changes public (their pending columns already cleared): the values, then
    per batch the contact reports (confirmations shown, reports on cases now decided withdrawn)
    and one statistics refresh per employer."""
    before: dict[int, dict[int, tuple | None]] = {}  # by employer: as_before(review) by id
    for review, _ in changes:
        before.setdefault(review.employer_id, {})[review.id] = as_before(review)
    for review, data in changes:
        apply_publication(review, data, now)
    db.session.flush()
    changes_published([review for review, _ in changes], now)
    for employer_id in sorted(before):
        refresh_employer(employer_id, before=before[employer_id])


def apply_publication(review: Review, data: dict, now: datetime) -> None:
    """A pending change becomes public (publish_due): the public "updated" month
    and "followed up" month are the publication's, never the edit's. The caller (apply)
    updates the contact reports and the employer's statistics row."""
    timing_before = (review.last_contact_on, review.promised_days)
    values = from_json(data)
    # A proof alone changes no word of the review: it isn't shown as "updated".
    edited = any(getattr(review, name) != value for name, value in values.items())
    apply_values(review, values)
    if edited or not data.get(CONTACT_VERIFIED):
        review.author_updated_at = now
    if data.get(FOLLOWED_UP):
        review.employer_followed_up_at = now
    if data.get(CONTACT_VERIFIED):
        review.contact_verified = True
    after_change(review, timing_before, now)
