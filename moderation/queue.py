"""The moderation queue and what a moderator sees of one review (DESIGN.md §5.6, §8).

Everything here reads; the actions are in moderation/actions.py. Each section of the queue is one
capped query, oldest first, and all the counts come from one more, so /moderation costs the same
number of queries however long the queue is. A review's page likewise loads in a fixed number of
queries.

Authors appear only as a pseudonym (an HMAC of their account id with the app's secret key), their
account's age and their number of reviews: never an email address (DESIGN.md §5.6). People who
flagged appear as "a member" or "a representative of <employer>".
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum

from flask import current_app
from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import aliased, joinedload

from accounts.models import Role, User
from employers.models import Employer, EmployerDomain
from extensions import db
from moderation.models import AuditLog, Flag, FlagStatus, LegalNotice, NoticeStatus
from representatives.models import Claim, ClaimStatus, Representative
from responses.models import Response, ResponseRevision, ResponseStatus
from reviews.fields import FIELDS
from reviews.labels import BY_FIELD
from reviews.models import HoldReason, Review, ReviewRevision, ReviewStatus
from timeutils import utcnow

# How many items a section of the queue lists; the rest are counted ("and N more").
SECTION_LIMIT = 50
# Employers created this recently without a known web domain are listed for a moderator.
NEW_EMPLOYER_DAYS = 30
PSEUDONYM_SALT = b"moderation-pseudonym:"


def pseudonym(user_id: int) -> str:
    """ "Member 3F9A2C": stable for one account, meaningless outside the moderators' pages, and
    not reversible without the app's secret key (DESIGN.md §5.6)."""
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, PSEUDONYM_SALT + str(user_id).encode(), hashlib.sha256).hexdigest()
    return f"Member {digest[:6].upper()}"


def flagger_label(representative_employer: str | None) -> str:
    if representative_employer:
        return f"a representative of {representative_employer}"
    return "a member"


def age_days(moment: datetime | None, now: datetime) -> int:
    return max(0, (now - moment).days) if moment else 0


# --- the queue ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class FlagItem:
    flag_id: int
    reason: Enum
    explanation: str
    target: str  # "review" or "response"
    public_id: str
    employer_name: str
    flagger: str
    waiting_days: int


@dataclass(frozen=True)
class ReviewItem:
    public_id: str
    employer_name: str
    hold_reason: HoldReason | None
    waiting_days: int


@dataclass(frozen=True)
class NoticeItem:
    notice_id: int
    public_id: str
    employer_name: str
    legal_basis: str
    waiting_days: int


@dataclass(frozen=True)
class EmployerItem:
    name: str
    slug: str
    age_days: int


@dataclass
class Section:
    items: list
    total: int

    @property
    def more(self) -> int:
        return max(0, self.total - len(self.items))


@dataclass
class Queue:
    flags: Section
    held_reviews: Section
    held_by_reason: dict[HoldReason, int]
    held_responses: Section
    burst_capped: Section
    resubmitted: Section
    notices: Section
    claims_waiting: int
    new_employers: Section

    @property
    def total(self) -> int:
        return (
            self.flags.total
            + self.held_reviews.total
            + self.held_responses.total
            + self.burst_capped.total
            + self.resubmitted.total
            + self.notices.total
            + self.claims_waiting
            + self.new_employers.total
        )


def _count(entity, *where):
    return select(func.count()).select_from(entity).where(*where).scalar_subquery()


def _open_flags():
    return (Flag.status == FlagStatus.open,)


def _held_reviews():
    # A held pending change of a published review (DESIGN.md §5.8) waits here too.
    return (
        or_(
            and_(Review.status == ReviewStatus.held, Review.hold_reason != HoldReason.resubmitted),
            and_(Review.status == ReviewStatus.published, Review.pending_hold_reason.is_not(None)),
        ),
    )


def _hold_reason():
    return func.coalesce(
        Review.hold_reason, Review.pending_hold_reason, type_=Review.hold_reason.type
    )


def _held_responses():
    return (Response.status == ResponseStatus.held,)


def _burst_capped():
    return (Review.status == ReviewStatus.published, Review.burst_capped_at.is_not(None))


def _resubmitted():
    """Held again after a moderator hid them: the author edited and resubmitted; a moderator
    publishes them again or hides them again."""
    return (Review.status == ReviewStatus.held, Review.hold_reason == HoldReason.resubmitted)


def _open_notices():
    return (LegalNotice.status == NoticeStatus.open,)


def _new_without_domain(now: datetime):
    has_domain = exists().where(EmployerDomain.employer_id == Employer.id)
    return (Employer.created_at >= now - timedelta(days=NEW_EMPLOYER_DAYS), ~has_domain)


def _held_since():
    # A review held after an edit has waited since the edit.
    return func.coalesce(Review.pending_since, Review.author_updated_at, Review.created_at)


def _counts(now: datetime) -> dict[str, int]:
    """Every count the queue shows, in one query."""
    columns = {
        "flags": _count(Flag, *_open_flags()),
        "held_reviews": _count(Review, *_held_reviews()),
        "held_responses": _count(Response, *_held_responses()),
        "burst_capped": _count(Review, *_burst_capped()),
        "resubmitted": _count(Review, *_resubmitted()),
        "notices": _count(LegalNotice, *_open_notices()),
        "claims": _count(Claim, Claim.status == ClaimStatus.awaiting_moderator),
        "new_employers": _count(Employer, *_new_without_domain(now)),
        **{
            f"held:{reason.value}": _count(Review, *_held_reviews(), _hold_reason() == reason)
            for reason in HoldReason
        },
    }
    row = db.session.execute(
        select(*(column.label(name.replace(":", "_")) for name, column in columns.items()))
    ).one()
    return {name: value for name, value in zip(columns, row, strict=True)}


def _flag_items(now: datetime, limit: int) -> list[FlagItem]:
    target_review = aliased(Review)
    flagged_response = aliased(Response)
    flagger_employer = aliased(Employer)
    rows = db.session.execute(
        select(Flag, target_review.public_id, Employer.name, flagger_employer.name)
        .outerjoin(flagged_response, flagged_response.id == Flag.response_id)
        .join(
            target_review,
            target_review.id == func.coalesce(Flag.review_id, flagged_response.review_id),
        )
        .join(Employer, Employer.id == target_review.employer_id)
        .outerjoin(Representative, Representative.id == Flag.representative_id)
        .outerjoin(flagger_employer, flagger_employer.id == Representative.employer_id)
        .where(*_open_flags())
        .order_by(Flag.created_at, Flag.id)
        .limit(limit)
    )
    return [
        FlagItem(
            flag_id=flag.id,
            reason=flag.reason,
            explanation=flag.explanation,
            target="review" if flag.review_id is not None else "response",
            public_id=public_id,
            employer_name=employer_name,
            flagger=flagger_label(rep_employer),
            waiting_days=age_days(flag.created_at, now),
        )
        for flag, public_id, employer_name, rep_employer in rows
    ]


def _review_items(where, order, now: datetime, limit: int, since) -> list[ReviewItem]:
    rows = db.session.execute(
        select(Review.public_id, Employer.name, _hold_reason(), since)
        .join(Employer, Employer.id == Review.employer_id)
        .where(*where)
        .order_by(order, Review.id)
        .limit(limit)
    )
    return [
        ReviewItem(public_id, name, hold_reason, age_days(moment, now))
        for public_id, name, hold_reason, moment in rows
    ]


def _held_response_items(now: datetime, limit: int) -> list[ReviewItem]:
    since = func.coalesce(Response.edited_at, Response.created_at)
    rows = db.session.execute(
        select(Review.public_id, Employer.name, since)
        .select_from(Response)
        .join(Review, Review.id == Response.review_id)
        .join(Employer, Employer.id == Response.employer_id)
        .where(*_held_responses())
        .order_by(since, Response.id)
        .limit(limit)
    )
    return [
        ReviewItem(public_id, name, None, age_days(moment, now)) for public_id, name, moment in rows
    ]


def _notice_items(now: datetime, limit: int) -> list[NoticeItem]:
    rows = db.session.execute(
        select(LegalNotice, Review.public_id, Employer.name)
        .join(Review, Review.id == LegalNotice.review_id)
        .join(Employer, Employer.id == Review.employer_id)
        .where(*_open_notices())
        .order_by(LegalNotice.created_at, LegalNotice.id)
        .limit(limit)
    )
    return [
        NoticeItem(notice.id, public_id, name, notice.legal_basis, age_days(notice.created_at, now))
        for notice, public_id, name in rows
    ]


def _new_employer_items(now: datetime, limit: int) -> list[EmployerItem]:
    rows = db.session.execute(
        select(Employer.name, Employer.slug, Employer.created_at)
        .where(*_new_without_domain(now))
        .order_by(Employer.created_at, Employer.id)
        .limit(limit)
    )
    return [EmployerItem(name, slug, age_days(created, now)) for name, slug, created in rows]


def queue(now: datetime | None = None, limit: int | None = None) -> Queue:
    """Everything waiting for a moderator, oldest first, each section capped at `limit`
    (SECTION_LIMIT by default)."""
    now = now or utcnow()
    limit = limit or SECTION_LIMIT
    counts = _counts(now)
    held_since = _held_since()
    return Queue(
        flags=Section(_flag_items(now, limit), counts["flags"]),
        held_reviews=Section(
            _review_items(_held_reviews(), held_since, now, limit, held_since),
            counts["held_reviews"],
        ),
        held_by_reason={reason: counts[f"held:{reason.value}"] for reason in HoldReason},
        held_responses=Section(_held_response_items(now, limit), counts["held_responses"]),
        burst_capped=Section(
            _review_items(
                _burst_capped(), Review.burst_capped_at, now, limit, Review.burst_capped_at
            ),
            counts["burst_capped"],
        ),
        resubmitted=Section(
            _review_items(_resubmitted(), Review.publish_at, now, limit, _held_since()),
            counts["resubmitted"],
        ),
        notices=Section(_notice_items(now, limit), counts["notices"]),
        claims_waiting=counts["claims"],
        new_employers=Section(_new_employer_items(now, limit), counts["new_employers"]),
    )


# --- one review, for a moderator --------------------------------------------------------------


@dataclass(frozen=True)
class AuthorView:
    """The author as moderators see them: never an email or an account id (DESIGN.md §5.6)."""

    pseudonym: str
    account_age_days: int
    review_count: int
    hidden_count: int
    role: Role
    suspended: bool
    # Times the account offered a message that already proved another review (proofs/).
    proof_reuse_attempts: int = 0


@dataclass(frozen=True)
class FlagView:
    flag: Flag
    target: str  # "review" or "response"
    flagger: str


@dataclass(frozen=True)
class RevisionView:
    number: int
    source: str
    created_at: datetime
    # (label, value, changed since the previous revision)
    rows: list[tuple[str, str, bool]]


@dataclass
class ReviewPage:
    review: Review
    employer: Employer
    response: Response | None
    facts: list[tuple[str, str]]
    author: AuthorView | None  # None: the account was deleted and the review kept de-linked
    revisions: list[RevisionView]
    flags: list[FlagView]
    notices: list[LegalNotice]
    history: list[AuditLog] = field(default_factory=list)
    # Every version of the response, newest first (DESIGN.md §5.10).
    response_revisions: list[ResponseRevision] = field(default_factory=list)

    @property
    def open_flags(self) -> list[FlagView]:
        return [item for item in self.flags if item.flag.status is FlagStatus.open]

    @property
    def closed_flags(self) -> list[FlagView]:
        return [item for item in self.flags if item.flag.status is not FlagStatus.open]

    @property
    def open_notices(self) -> list[LegalNotice]:
        return [notice for notice in self.notices if notice.status is NoticeStatus.open]


LABELS = {
    "process_month": "Process started",
    "stage": "Stage reached",
    "outcome": "Outcome",
    "last_contact_on": "Last contact",
    "decision_days": "Days from last contact to decision",
    "chased_for_decision": "Told before they chased the employer",
    "next_steps": "Next steps explained",
    "promised_days": "Promised an answer within (days)",
    "followups_sent": "Follow-ups sent",
    "followups_answered": "Follow-ups answered",
    "feedback": "Feedback",
    "interview_rounds": "Interview rounds",
    "hours_invested": "Hours invested",
    "application_channel": "Applied",
    "role_category": "Role category",
    "seniority": "Seniority",
    "role_title": "Role title",
    "show_role_title": "Role title shown publicly",
    "country": "Country",
    "work_mode": "Work mode",
    "respect_rating": "Treated with respect",
    "narrative": "What happened",
    "advice": "Advice to the employer",
    "status": "Status",
    "hold_reason": "Held because",
}


def describe(name: str, value) -> str:
    """A field's value in words, from a model value or a revision's JSON value."""
    if value is None or value == "":
        return "—"
    labels = BY_FIELD.get(name)
    if labels:
        for member, label in labels.items():
            if value == member or value == getattr(member, "value", member):
                return label[0] if isinstance(label, tuple) else label
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Enum):
        return value.value.replace("_", " ")
    if name == "process_month":
        return (value if isinstance(value, str) else value.isoformat())[:7]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value).replace("_", " ") if name in ("status", "hold_reason") else str(value)


def review_facts(review: Review) -> list[tuple[str, str]]:
    """Every field of the review in words, nothing coarsened (moderators see it all)."""
    return [(LABELS[name], describe(name, getattr(review, name))) for name in FIELDS]


def _revision_views(revisions: list[ReviewRevision]) -> list[RevisionView]:
    """Newest first; each marks the fields that differ from the revision before it."""
    views = []
    previous: dict = {}
    for revision in sorted(revisions, key=lambda item: item.number):
        data = revision.data or {}
        rows = [
            (
                LABELS.get(name, name),
                describe(name, data.get(name)),
                bool(previous) and data.get(name) != previous.get(name),
            )
            for name in (*FIELDS, "status", "hold_reason")
            if name in data
        ]
        views.append(
            RevisionView(revision.number, revision.source.value, revision.created_at, rows)
        )
        previous = data
    return views[::-1]


def _author_view(author_id: int | None, now: datetime) -> AuthorView | None:
    if author_id is None:
        return None
    reviews = _count(Review, Review.author_id == User.id)
    hidden = _count(Review, Review.author_id == User.id, Review.status == ReviewStatus.hidden)
    row = db.session.execute(
        select(
            User.created_at,
            User.role,
            User.suspended_at,
            reviews,
            hidden,
            User.proof_reuse_attempts,
        ).where(User.id == author_id)
    ).one_or_none()
    if row is None:
        return None
    created, role, suspended_at, review_count, hidden_count, reuse = row
    return AuthorView(
        pseudonym=pseudonym(author_id),
        account_age_days=age_days(created, now),
        review_count=review_count,
        hidden_count=hidden_count,
        role=role,
        suspended=suspended_at is not None,
        proof_reuse_attempts=reuse,
    )


def moderated_review(public_id: str) -> Review | None:
    """The review at this public id whatever its status, with its employer and response."""
    return db.session.scalar(
        select(Review)
        .options(joinedload(Review.employer), joinedload(Review.response))
        .where(Review.public_id == public_id[:16])
    )


def _flag_views(review: Review) -> list[FlagView]:
    flagger_employer = aliased(Employer)
    targets = [Flag.review_id == review.id]
    if review.response is not None:
        targets.append(Flag.response_id == review.response.id)
    rows = db.session.execute(
        select(Flag, flagger_employer.name)
        .outerjoin(Representative, Representative.id == Flag.representative_id)
        .outerjoin(flagger_employer, flagger_employer.id == Representative.employer_id)
        .where(targets[0] if len(targets) == 1 else targets[0] | targets[1])
        .order_by(Flag.created_at, Flag.id)
    )
    return [
        FlagView(flag, "review" if flag.review_id is not None else "response", flagger_label(name))
        for flag, name in rows
    ]


def review_page(review: Review, now: datetime | None = None) -> ReviewPage:
    """What a moderator needs about one review, in a fixed number of queries."""
    now = now or utcnow()
    revisions = list(
        db.session.scalars(
            select(ReviewRevision)
            .where(ReviewRevision.review_id == review.id)
            .order_by(ReviewRevision.number)
        )
    )
    notices = list(
        db.session.scalars(
            select(LegalNotice)
            .where(LegalNotice.review_id == review.id)
            .order_by(LegalNotice.created_at, LegalNotice.id)
        )
    )
    targets = [(AuditLog.target_type == "review") & (AuditLog.target_id == review.id)]
    if review.response is not None:
        targets.append(
            (AuditLog.target_type == "response") & (AuditLog.target_id == review.response.id)
        )
    history = list(
        db.session.scalars(
            select(AuditLog)
            .where(targets[0] if len(targets) == 1 else targets[0] | targets[1])
            .order_by(AuditLog.created_at.desc(), AuditLog.id.desc())
        )
    )
    response_revisions = []
    if review.response is not None:
        response_revisions = list(
            db.session.scalars(
                select(ResponseRevision)
                .where(ResponseRevision.response_id == review.response.id)
                .order_by(ResponseRevision.created_at.desc(), ResponseRevision.id.desc())
            )
        )
    return ReviewPage(
        review=review,
        employer=review.employer,
        response=review.response,
        facts=review_facts(review),
        author=_author_view(review.author_id, now),
        revisions=_revision_views(revisions),
        flags=_flag_views(review),
        notices=notices,
        history=history,
        response_revisions=response_revisions,
    )
