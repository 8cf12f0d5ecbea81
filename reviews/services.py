"""Review rules: who may write what, scrubbing, publication timing, revisions, updates.

Plain functions over models; the caller (a view or a CLI command) commits once.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import Enum

from flask import current_app, has_app_context
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from accounts.models import User
from config import Config
from employers.models import Employer
from extensions import db
from reviews.models import (
    DECISIONS,
    HoldReason,
    Outcome,
    Review,
    ReviewRevision,
    ReviewStatus,
    RevisionSource,
)
from scoring import rules
from scoring.params import NEW_ACCOUNT_DAYS
from timeutils import month_start, utcnow

# DESIGN.md §8: one live review per account per employer per 12 months.
LIVE_REVIEW_DAYS = 365
# A new account's reviews are published only once the account is a day old, however short the
# configured delay: an account opened just to post a review can't have it public the same day.
NEW_ACCOUNT_HOURS = 24
# Reminder "did they get back to you?" this many days after the promised timeline ran out.
TIMELINE_REMINDER_MARGIN_DAYS = 3

FREE_TEXT_FIELDS = ("narrative", "advice", "role_title")

# The review's own fields, in form order; what a revision records and an update may change.
FIELDS = (
    "process_month",
    "stage",
    "outcome",
    "last_contact_on",
    "decision_days",
    "chased_for_decision",
    "next_steps",
    "promised_days",
    "followups_sent",
    "followups_answered",
    "feedback",
    "interview_rounds",
    "hours_invested",
    "application_channel",
    "role_category",
    "seniority",
    "role_title",
    "show_role_title",
    "country",
    "work_mode",
    "respect_rating",
    "narrative",
    "advice",
)


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
    from representatives.services import represents  # representatives imports this module

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
    from reviews.scrubber import names_from_email, scrub

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


def publish_time(author: User, now: datetime, rng: random.Random | None = None) -> datetime:
    """A random moment 3-10 days on (configurable), and never before the account is a day old.

    The delay means a review's appearance can't be matched to a rejection sent that day
    (DESIGN.md §5.2).
    """
    config = current_app.config
    low = float(config["REVIEW_PUBLISH_DELAY_MIN_HOURS"])
    high = float(config["REVIEW_PUBLISH_DELAY_MAX_HOURS"])
    rng = rng or random.SystemRandom()
    delay = timedelta(hours=rng.uniform(low, max(low, high)))
    earliest = author.created_at + timedelta(hours=NEW_ACCOUNT_HOURS)
    return max(now + delay, earliest)


def _apply(review: Review, values: dict) -> None:
    for name in FIELDS:
        if name in values:
            setattr(review, name, values[name])
    if review.outcome in DECISIONS:
        return
    review.decision_days = None
    review.chased_for_decision = None


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
        from reviews import holds  # holds reads the scores; scoring.stats imports this module

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
    _apply(review, prepared.values)
    _hold_or_schedule(review, prepared, author, now)
    db.session.add(review)
    db.session.flush()
    record_revision(review, RevisionSource.author)
    return review


def update(review: Review, author: User, prepared: Prepared, followed_up: bool = False) -> Review:
    """Change a review in place (an update replaces, never adds) and keep a revision.

    A published review's change waits (DESIGN.md §5.8): it is kept as pending and applied by
    `tick` at a random moment (reviews.pending). `followed_up`: the change confirms an
    employer's contact report (employer_followed_up_at is set when it becomes public).
    """
    from reviews import pending

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
    _apply(review, prepared.values)
    review.author_updated_at = now
    if followed_up:
        review.employer_followed_up_at = now
    _after_change(review, timing_before, now)
    _hold_or_schedule(review, prepared, author, now)
    db.session.flush()
    record_revision(review, RevisionSource.author)
    # The author decided the case themselves: an employer's pending "we contacted them" report
    # has nothing left to confirm (representatives imports this module, hence here).
    from representatives.services import withdraw_stale_reports

    withdraw_stale_reports(review, now)
    return review


def _after_change(review: Review, timing_before: tuple, now: datetime) -> None:
    if (review.last_contact_on, review.promised_days) != timing_before:
        # New dates: the reminders and the presumed-ghosted mark start again from them.
        review.timeline_reminder_sent_at = None
        review.ghosted_reminder_sent_at = None
        review.presumed_ghosted_at = None
    if review.outcome is not Outcome.waiting:
        review.presumed_ghosted_at = None
    elif review.presumed_ghosted_at is None and is_presumed_ghosted(review, now.date()):
        review.presumed_ghosted_at = now


def _apply_publication(review: Review, data: dict, now: datetime) -> None:
    """A pending change becomes public (reviews.pending.publish_due): the public "updated" month
    and "followed up" month are the publication's, never the edit's. The caller (pending.apply)
    updates the contact reports and the employer's statistics row."""
    from reviews import pending

    timing_before = (review.last_contact_on, review.promised_days)
    _apply(review, pending.from_json(data))
    review.author_updated_at = now
    if data.get(pending.FOLLOWED_UP):
        review.employer_followed_up_at = now
    _after_change(review, timing_before, now)


def _refresh_statistics(employer_id: int) -> None:
    """The employer's statistics row changes in the same transaction as its review (§6)."""
    from scoring.stats import refresh_employer

    refresh_employer(employer_id)


def snapshot(review: Review) -> dict:
    """The review's fields as JSON-ready values (enums by value, dates as ISO strings)."""
    data = {}
    for name in (*FIELDS, "status", "hold_reason"):
        value = getattr(review, name)
        if isinstance(value, Enum):
            value = value.value
        elif isinstance(value, date | datetime):
            value = value.isoformat()
        data[name] = value
    return data


def record_revision(
    review: Review, source: RevisionSource, data: dict | None = None
) -> ReviewRevision:
    number = len(review.revisions) + 1
    revision = ReviewRevision(
        review=review,
        number=number,
        source=source,
        data=data if data is not None else snapshot(review),
        created_at=utcnow(),
    )
    db.session.add(revision)
    return revision


def values_of(review: Review) -> dict:
    """The review's public values (the public card; see author_values for the edit form)."""
    return {name: getattr(review, name) for name in FIELDS}


def author_values(review: Review) -> dict:
    """What the author last wrote, a change still waiting to be public included: the edit form
    and the author's own page show these."""
    from reviews import pending

    return pending.author_values(review)


# --- time-driven rules -------------------------------------------------------------------------


def ghosted_after_days(review: Review) -> int:
    """The public threshold, DESIGN.md §3: max(30, promised + 14) days without contact."""
    return rules.ghosted_after_days(review.promised_days)


def ghosted_mark_window() -> tuple[int, int]:
    """(fewest, most) days the presumed-ghosted mark waits past the threshold: the publication
    delay's window (REVIEW_PUBLISH_DELAY_*_HOURS) in whole days, 3-10 by default."""
    if has_app_context():
        config = current_app.config
    else:  # the methodology's rules, read outside the app (the defaults)
        config = {name: getattr(Config, name) for name in dir(Config) if name.isupper()}
    low = int(config["REVIEW_PUBLISH_DELAY_MIN_HOURS"]) // 24
    high = int(config["REVIEW_PUBLISH_DELAY_MAX_HOURS"]) // 24
    return low, max(low, high)


def _secret() -> bytes:
    return str(current_app.config["SECRET_KEY"]).encode()


def ghosted_mark_offset_days(review: Review) -> int:
    """The review's secret wait past the threshold (scoring.rules.mark_offset_days)."""
    return rules.mark_offset_days(review.id, _secret(), ghosted_mark_window())


def presumed_ghosted_on(review: Review) -> date:
    """The first day a waiting review counts as presumed ghosted (scoring.rules)."""
    return rules.presumed_ghosted_on(
        review.last_contact_on, review.promised_days, review.id, _secret(), ghosted_mark_window()
    )


def is_presumed_ghosted(review: Review, today: date) -> bool:
    """DESIGN.md §3: waiting, and no contact for max(30, promised + 14) days, plus the review's
    secret few days (scoring.rules.is_presumed_ghosted)."""
    if review.outcome is not Outcome.waiting:
        return False  # before the keyed hash: most reviews are not waiting
    return rules.is_presumed_ghosted(
        review.outcome,
        review.last_contact_on,
        review.promised_days,
        review.id,
        today,
        _secret(),
        ghosted_mark_window(),
    )


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
