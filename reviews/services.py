"""Review rules: who may write what, scrubbing, submitting, updates.

Plain functions over models; the caller (a view or a CLI command) commits once. The review's
fields and revisions are reviews.fields, its publication moment reviews.publication, changes of a
public review reviews.pending, the automatic holds reviews.holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import Enum

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from accounts.models import User
from employers.models import Employer
from extensions import db
from representatives.access import represents
from representatives.contact_reports import withdraw_stale_reports
from reviews import holds, pending
from reviews.fields import (
    FREE_TEXT_FIELDS,
    after_change,
    apply_values,
    record_revision,
    snapshot,
)
from reviews.models import HoldReason, Review, ReviewStatus, RevisionSource
from reviews.publication import publish_time
from reviews.scrubber import names_from_email, scrub
from scoring.params import NEW_ACCOUNT_DAYS
from timeutils import month_start, utcnow

# DESIGN.md §8: one live review per account per employer per 12 months.
LIVE_REVIEW_DAYS = 365
# Reminder "did they get back to you?" this many days after the promised timeline ran out.
TIMELINE_REMINDER_MARGIN_DAYS = 3


class Refusal(Enum):
    """Why the author can't write this review (shown on the page, never a 500)."""

    unverified = "Confirm your email address before writing a review."
    suspended = "Your account is suspended."
    own_employer = (
        "Your email address is on this employer's domain. People who work for or represent an "
        "employer can't review it."
    )
    representative = (
        "You represent this employer on HeardBack. Representatives can't review their own "
        "employer; you can answer its reviews instead."
    )


@dataclass
class Prepared:
    """The review's values after scrubbing, with what was removed and why it may be held."""

    values: dict
    removals: dict[str, tuple] = field(default_factory=dict)  # field -> scrubber Removals
    suspected_names: tuple[str, ...] = ()

    @property
    def removed_anything(self) -> bool:
        return any(self.removals.values())


# --- who may write -----------------------------------------------------------------------------


def refusal_for(author: User, employer: Employer) -> Refusal | None:
    if author.is_suspended:
        return Refusal.suspended
    if not author.is_verified:
        return Refusal.unverified
    domain = author.email.rsplit("@", 1)[-1]
    own = {item.domain for item in employer.domains}
    if any(domain == known or domain.endswith("." + known) for known in own):
        return Refusal.own_employer
    if represents(author.id, employer.id):
        return Refusal.representative
    return None


def live_review(author: User, employer: Employer, now: datetime | None = None) -> Review | None:
    """The author's review of this employer written in the last 12 months, if any."""
    now = now or utcnow()
    return db.session.scalar(
        select(Review)
        .where(
            Review.author_id == author.id,
            Review.employer_id == employer.id,
            Review.created_at > now - timedelta(days=LIVE_REVIEW_DAYS),
        )
        .order_by(Review.created_at.desc())
        .limit(1)
    )


# --- rules that need a clock or other rows -----------------------------------------------------


def date_errors(values: dict, today: date) -> dict[str, str]:
    """DESIGN.md §4: dates not in the future and not before the process start."""
    errors: dict[str, str] = {}
    start: date | None = values.get("process_month")
    contact: date | None = values.get("last_contact_on")
    if start and start > month_start(today):
        errors["process_month"] = "The process can't start in a future month."
    if contact and contact > today:
        errors["last_contact_on"] = "The last contact can't be in the future."
    elif contact and start and contact < start:
        errors["last_contact_on"] = (
            "The last contact can't be before the month the process started."
        )
    days = values.get("decision_days")
    # Compared as a count of days: contact + days can pass the last date Python knows.
    if contact and days is not None and contact <= today and days > (today - contact).days:
        errors["decision_days"] = (
            "That would put the decision in the future: count the days from the last contact "
            "to the decision."
        )
    return errors


# --- scrubbing ---------------------------------------------------------------------------------


def prepare(values: dict, author: User, *, not_names: tuple[str, ...] = ()) -> Prepared:
    """Scrub the free text (DESIGN.md §5.4).

    Contact details go, and so do names: the author's own (from their account email) and any
    name the author typed in an email address anywhere in the form ("jane.doe@..." in the story
    removes "Jane" from the advice too). `not_names` (the employer's names) never hold a review.
    """
    texts = {name: values.get(name) or None for name in FREE_TEXT_FIELDS}
    own = names_from_email(author.email)
    known: set[str] = set()
    for text in texts.values():
        for removal in scrub(text).removals if text else ():
            if removal.kind == "email":
                known.update(names_from_email(removal.original))
    cleaned = dict(values)
    removals: dict[str, tuple] = {}
    suspected: list[str] = []
    for name, text in texts.items():
        if not text:
            cleaned[name] = None
            continue
        result = scrub(text, known_names=sorted(known), own_names=own, not_names=not_names)
        cleaned[name] = result.text
        removals[name] = result.removals
        suspected.extend(result.suspected_names)
    return Prepared(cleaned, removals, tuple(dict.fromkeys(suspected)))


# --- publication -------------------------------------------------------------------------------


def _hold_or_schedule(review: Review, prepared: Prepared, author: User, now: datetime) -> None:
    """Held for a moderator if a check trips (suspected names first, then reviews.holds: link
    spam, near-duplicate text, direction burst), else scheduled (DESIGN.md §5.4, §8)."""
    # The author edited a review a moderator hid and resubmits it: every check runs again as for
    # a new review, and a moderator decides before it is public again, so an edit can't undo a
    # moderator's decision; edits while it waits keep it waiting.
    resubmitted = review.status is ReviewStatus.hidden or (
        review.status is ReviewStatus.held and review.hold_reason is HoldReason.resubmitted
    )
    if review.status is ReviewStatus.hidden:
        review.status = None
        review.hidden_reason = None
        review.publish_at = None
    reason = HoldReason.suspected_name if prepared.suspected_names else None
    if reason is None:
        reason = holds.automatic_hold(review, prepared.removals)
    if reason is None and resubmitted:
        reason = HoldReason.resubmitted
    if reason is not None:
        review.status = ReviewStatus.held
        review.hold_reason = reason
        return
    review.hold_reason = None
    if review.status in (None, ReviewStatus.held):
        review.status = ReviewStatus.scheduled
        review.publish_at = review.publish_at or publish_time(author, now)


def is_new_account(author: User, employer: Employer, now: datetime) -> bool:
    """Is this a new account's review (scoring.params.NEW_ACCOUNT_DAYS)? Younger than that and
    without a published review of another employer: what a fresh puppet account looks like,
    and what many honest first reviews look like too, so it only lowers the review's weight."""
    if author.created_at <= now - timedelta(days=NEW_ACCOUNT_DAYS):
        return False
    elsewhere = db.session.scalar(
        select(Review.id)
        .where(
            Review.author_id == author.id,
            Review.employer_id != employer.id,
            Review.status == ReviewStatus.published,
        )
        .limit(1)
    )
    return elsewhere is None


def replayed(author: User, key: str | None) -> Review | None:
    """The review this author's submission with `key` already created, if any: the answer to a
    retried or doubled POST. Another author's key (only by tampering) is no answer."""
    if not key:
        return None
    review = db.session.scalar(select(Review).where(Review.submission_key == key))
    return review if review is not None and review.author_id == author.id else None


def submit(author: User, employer: Employer, prepared: Prepared, key: str | None = None) -> Review:
    """Create the review (scheduled, or held for a moderator) and its first revision.

    `key` is the form's idempotency key, unique in the database: two racing POSTs with one key
    can't both commit (the route answers the loser with the winner's review)."""
    now = utcnow()
    if key is not None and db.session.scalar(select(Review.id).where(Review.submission_key == key)):
        key = None  # another author's key (tampering): submit without one
    review = Review(
        author_id=author.id,
        employer_id=employer.id,
        created_at=now,
        submission_key=key,
        revisions=[],  # new: record_revision needn't query for earlier ones
    )
    review.status = None  # decided below
    review.new_account = is_new_account(author, employer, now)
    apply_values(review, prepared.values)
    _hold_or_schedule(review, prepared, author, now)
    db.session.add(review)
    db.session.flush()
    record_revision(review, RevisionSource.author)
    return review


@dataclass(frozen=True)
class Submission:
    """What submitting a new review did: created `review`, or answered with an earlier one.

    `replayed`: the same form was submitted before (a retried or doubled POST) and `review` is
    what that submission created. `existing`: the author's live review of this employer (one per
    12 months, DESIGN.md §8), nothing created. `refusal`: the author may not review it.
    """

    review: Review | None = None
    replayed: bool = False
    existing: Review | None = None
    refusal: Refusal | None = None

    @property
    def created(self) -> bool:
        return self.review is not None and not self.replayed


def stopped(author: User, employer: Employer, key: str | None = None) -> Submission | None:
    """What stops a new review of `employer` by `author`, if anything: a refusal, an earlier
    submission of the same form (`key`), or a review of the last 12 months."""
    refusal = refusal_for(author, employer)
    if refusal is not None:
        return Submission(refusal=refusal)
    earlier = replayed(author, key)
    if earlier is not None:
        return Submission(review=earlier, replayed=True)
    existing = live_review(author, employer)
    if existing is not None:
        return Submission(existing=existing)
    return None


def submit_review(
    author: User, employer: Employer, prepared: Prepared, key: str | None = None
) -> Submission:
    """A new review, unless something stops it (`stopped`). Every writer of new reviews comes
    through here, so no caller can skip the refusal, the 12-month rule or the replay answer.

    Two racing POSTs can both pass the checks; the database then refuses the second at the
    commit (the unique submission key and uq_reviews_one_per_month): the caller rolls back and
    asks `stopped` again for the winner's answer."""
    stop = stopped(author, employer, key)
    if stop is not None:
        return stop
    return Submission(review=submit(author, employer, prepared, key))


def update(review: Review, author: User, prepared: Prepared, followed_up: bool = False) -> Review:
    """Change a review in place (an update replaces, never adds) and keep a revision.

    A published review's change waits (DESIGN.md §5.8): it is kept as pending and applied by
    `tick` at a random moment (reviews.pending). `followed_up`: the change confirms an
    employer's contact report (employer_followed_up_at is set when it becomes public).
    """
    now = utcnow()
    if review.status is ReviewStatus.published:
        pending.stage(review, author, prepared, now, followed_up)
        db.session.flush()
        data = {**snapshot(review), **pending.to_json(pending.author_values(review))}
        data["hold_reason"] = review.pending_hold_reason and review.pending_hold_reason.value
        record_revision(review, RevisionSource.author, data)
        return review
    # Not public: any change waiting from when it was (before a moderator hid it) is replaced.
    pending.discard(review)
    timing_before = (review.last_contact_on, review.promised_days)
    apply_values(review, prepared.values)
    review.author_updated_at = now
    if followed_up:
        review.employer_followed_up_at = now
    after_change(review, timing_before, now)
    _hold_or_schedule(review, prepared, author, now)
    db.session.flush()
    record_revision(review, RevisionSource.author)
    # The author decided the case themselves: an employer's pending "we contacted them" report
    # has nothing left to confirm.
    withdraw_stale_reports(review, now)
    return review


def reviews_of(author: User) -> list[Review]:
    return list(
        db.session.scalars(
            select(Review)
            .where(Review.author_id == author.id)
            .options(joinedload(Review.employer))
            .order_by(Review.created_at.desc())
        )
    )


def recent_published(employer_id: int, limit: int = 5) -> list[Review]:
    """The employer's most recently published reviews with their responses, for its page (one
    query)."""
    return list(
        db.session.scalars(
            select(Review)
            .where(Review.employer_id == employer_id, Review.status == ReviewStatus.published)
            .options(joinedload(Review.response))
            .order_by(Review.published_at.desc(), Review.id.desc())
            .limit(limit)
        )
    )


def recent_published_site_wide(limit: int = 5) -> list[Review]:
    """The most recently published reviews on the whole site, for the home page (one query).

    Each comes with its employer and the employer's statistics row, which the public card reads
    to coarsen stages at small employers (reviews.display), and with its response.
    """
    return list(
        db.session.scalars(
            select(Review)
            .where(Review.status == ReviewStatus.published)
            .options(
                joinedload(Review.employer).joinedload(Employer.stats),
                joinedload(Review.response),
            )
            .order_by(Review.published_at.desc(), Review.id.desc())
            .limit(limit)
        )
    )
