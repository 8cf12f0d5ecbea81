"""The moderation queue and what a moderator sees of one review (DESIGN.md §5.6, §8).

Everything here reads; the actions are in moderation/actions.py (one by one) and moderation/bulk.py
(several with one reason). Each section of the queue is shown a page at a time, oldest first, with
its count; a filter (`QueueFilter`: section, employer, reason, age) narrows every section it
applies to. Each page is one query per section and the counts two more, so /moderation costs the
same number of queries however long the queue is. A review's page likewise loads in a fixed
number of queries.

Authors appear only as a pseudonym (an HMAC of their account id with the app's secret key), their
account's age and their number of reviews: never an email address (DESIGN.md §5.6). People who
flagged appear as "a member" or "a representative of <employer>".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import Enum

from sqlalchemy import Select, exists, false, func, or_, select, union_all
from sqlalchemy.orm import aliased, joinedload

from accounts.models import Role, User
from employers.models import Employer, EmployerDomain
from employers.services import country_name
from extensions import db
from moderation.models import (
    AuditAction,
    AuditLog,
    Flag,
    FlagReason,
    FlagStatus,
    LegalNotice,
    NoticeStatus,
)
from representatives.models import Claim, ClaimStatus, Representative
from responses.models import Response, ResponseRevision, ResponseStatus
from reviews.fields import FIELDS
from reviews.labels import BY_FIELD, steps_text
from reviews.models import HoldReason, Review, ReviewRevision, ReviewStatus
from scoring.vocabulary import steps_of
from security import stable_code
from textnorm import has_control_characters
from timeutils import utcnow

# How many items one page of a section lists; the section says how many there are and pages on.
SECTION_LIMIT = 25
# Employers created this recently without a known web domain are listed for a moderator.
NEW_EMPLOYER_DAYS = 30
PSEUDONYM_SALT = b"moderation-pseudonym:"
# The first characters of a text shown on its queue row (scrubbed text, as stored).
EXCERPT_CHARS = 200
# Bounds of the queue's filters: a longer or larger value is refused with a message.
EMPLOYER_FILTER_MAX = 100
OLDER_THAN_MAX = 3650
PAGE_MAX = 100_000

# Why a review waits for a moderator, in words (DESIGN.md §8); never the stored code.
HOLD_REASONS = {
    HoldReason.suspected_name: "Seems to name a person",
    HoldReason.link_spam: "Links or spam",
    HoldReason.near_duplicate: "Nearly the same text as another review",
    HoldReason.direction_burst: "Part of a burst far from the employer's estimate",
    HoldReason.resubmitted: "Resubmitted after a moderator hid it",
}

# The queue's sections, in the order the page shows them.
SECTIONS = {
    "flags": "Reports",
    "held_reviews": "Held reviews",
    "held_responses": "Held responses",
    "burst_capped": "Pending moderation",
    "resubmitted": "Resubmitted",
    "notices": "Legal notices",
    "new_employers": "New employers",
}
# Sections whose items open a review's page, so "next item" can follow them.
REVIEW_SECTIONS = (
    "flags",
    "held_reviews",
    "held_responses",
    "burst_capped",
    "resubmitted",
    "notices",
)
# The reason filter's values: a hold reason or a report's reason, prefixed by which it is.
REASON_VALUES = (
    *(f"hold:{reason.value}" for reason in HoldReason),
    *(f"flag:{reason.value}" for reason in FlagReason),
)
_PUBLIC_ID = re.compile(r"[A-Za-z0-9]{1,16}")


def pseudonym(user_id: int) -> str:
    """ "Member 3F9A2C": stable for one account, meaningless outside the moderators' pages, and
    not reversible without the app's secret key (DESIGN.md §5.6)."""
    return f"Member {stable_code(PSEUDONYM_SALT, user_id)}"


def flagger_label(representative_employer: str | None) -> str:
    if representative_employer:
        return f"a representative of {representative_employer}"
    return "a member"


def age_days(moment: datetime | None, now: datetime) -> int:
    return max(0, (now - moment).days) if moment else 0


def valid_public_id(value: str | None) -> bool:
    return bool(value) and _PUBLIC_ID.fullmatch(value) is not None


# --- the queue's filters -----------------------------------------------------------------------


@dataclass(frozen=True)
class QueueFilter:
    """What the moderator narrowed the queue to. Every value has passed `parse_filter`."""

    section: str | None = None
    employer: str = ""
    reason: str = ""  # one of REASON_VALUES, or "" for any
    older_than: int | None = None  # days
    page: int = 1

    @property
    def hold_reason(self) -> HoldReason | None:
        kind, _, value = self.reason.partition(":")
        return HoldReason(value) if kind == "hold" else None

    @property
    def flag_reason(self) -> FlagReason | None:
        kind, _, value = self.reason.partition(":")
        return FlagReason(value) if kind == "flag" else None

    @property
    def narrowed(self) -> bool:
        return bool(self.employer or self.reason or self.older_than is not None)

    def args(self, **changes) -> dict[str, str | int]:
        """Query-string arguments that give this filter back (defaults left out); `changes`
        replace or add some (`page=False` leaves the page out)."""
        values: dict = {
            "section": self.section or "",
            "employer": self.employer,
            "reason": self.reason,
            "older_than": self.older_than,
            "page": self.page if self.page > 1 else "",
        }
        values.update(changes)
        return {
            name: value
            for name, value in values.items()
            if value is not None and value is not False and value != ""
        }


def _number(raw: str, low: int, high: int) -> int | None:
    raw = raw.strip()
    if not raw.isascii() or not raw.isdigit() or len(raw) > 9:
        return None
    value = int(raw)
    return value if low <= value <= high else None


def parse_filter(args: Mapping[str, str]) -> tuple[QueueFilter, list[str]]:
    """The filter a query string asks for, and what was refused in it, in words. A refused
    value is left out (the queue shows everything it would have narrowed), never a 500."""
    problems: list[str] = []
    section = str(args.get("section") or "").strip()
    if section and section not in SECTIONS:
        problems.append("There is no such section: every section is shown.")
        section = ""
    employer = str(args.get("employer") or "").strip()
    if has_control_characters(employer) or len(employer) > EMPLOYER_FILTER_MAX:
        problems.append(
            f"An employer's name to look for has at most {EMPLOYER_FILTER_MAX} characters of "
            "ordinary text: the employer filter is off."
        )
        employer = ""
    reason = str(args.get("reason") or "").strip()
    if reason and reason not in REASON_VALUES:
        problems.append("Choose a reason from the list: the reason filter is off.")
        reason = ""
    older_than = None
    raw_age = str(args.get("older_than") or "")
    if raw_age.strip():
        older_than = _number(raw_age, 0, OLDER_THAN_MAX)
        if older_than is None:
            problems.append(
                f"“Waiting at least” takes a whole number of days from 0 to {OLDER_THAN_MAX}: "
                "the age filter is off."
            )
    page = 1
    raw_page = str(args.get("page") or "")
    if raw_page.strip():
        page = _number(raw_page, 1, PAGE_MAX) or 1
    return QueueFilter(section or None, employer, reason, older_than, page), problems


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
    excerpt: str = ""


@dataclass(frozen=True)
class ReviewItem:
    public_id: str
    employer_name: str
    hold_reason: HoldReason | None
    waiting_days: int
    excerpt: str = ""
    # Resubmitted reviews: the check that also tripped, if any (hold_reason is then `resubmitted`).
    also_held_for: HoldReason | None = None


@dataclass(frozen=True)
class NoticeItem:
    notice_id: int
    public_id: str
    employer_name: str
    legal_basis: str
    waiting_days: int
    excerpt: str = ""


@dataclass(frozen=True)
class EmployerItem:
    name: str
    slug: str
    age_days: int


@dataclass
class Section:
    items: list
    total: int
    page: int = 1
    per_page: int = SECTION_LIMIT

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def first_number(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.items else 0

    @property
    def last_number(self) -> int:
        return (self.page - 1) * self.per_page + len(self.items)

    @property
    def more(self) -> int:
        """Items after this page."""
        return max(0, self.total - self.last_number)


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
    filter: QueueFilter = field(default_factory=QueueFilter)

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

    def shows(self, name: str) -> bool:
        return self.filter.section in (None, name)


def _count(entity, *where):
    return select(func.count()).select_from(entity).where(*where).scalar_subquery()


def _excerpt(column):
    return func.substr(column, 1, EXCERPT_CHARS)


def _open_flags():
    return (Flag.status == FlagStatus.open,)


def _hidden_before():
    """Reviews a moderator hid at some point (the audit log keeps every hide): one that is held
    now was resubmitted by its author, whatever check tripped on the way."""
    return Review.id.in_(
        select(AuditLog.target_id).where(
            AuditLog.target_type == "review", AuditLog.action == AuditAction.hide
        )
    )


def _held_reviews():
    """The held reviews as two sets of conditions, each served by its own index: held reviews
    (`status`) and, waiting here too, held pending changes of published reviews (DESIGN.md §5.8;
    the partial index ix_reviews_pending_held). The queries take them as a UNION ALL of the two:
    an OR of them made SQLite read every review, published ones included."""
    return (
        (
            Review.status == ReviewStatus.held,
            Review.hold_reason != HoldReason.resubmitted,
            ~_hidden_before(),
        ),
        (Review.pending_hold_reason.is_not(None), Review.status == ReviewStatus.published),
    )


def _hold_reason():
    return func.coalesce(
        Review.hold_reason, Review.pending_hold_reason, type_=Review.hold_reason.type
    )


def _held_responses():
    return (Response.status == ResponseStatus.held,)


def _burst_capped():
    # `burst_capped_at IS NOT NULL` is what the partial index ix_reviews_burst_capped covers.
    return (Review.burst_capped_at.is_not(None), Review.status == ReviewStatus.published)


def _resubmitted():
    """Held again after a moderator hid them: the author edited and resubmitted; a moderator
    publishes them again or hides them again. The checks run again on a resubmission, so one
    may be held for another reason too (a burst, a name): it is still a resubmission."""
    return (
        Review.status == ReviewStatus.held,
        or_(Review.hold_reason == HoldReason.resubmitted, _hidden_before()),
    )


def _open_notices():
    return (LegalNotice.status == NoticeStatus.open,)


def _new_without_domain(now: datetime):
    has_domain = exists().where(EmployerDomain.employer_id == Employer.id)
    return (Employer.created_at >= now - timedelta(days=NEW_EMPLOYER_DAYS), ~has_domain)


def _held_since():
    # A review held after an edit has waited since the edit.
    return func.coalesce(Review.pending_since, Review.author_updated_at, Review.created_at)


def _employer_matches(flt: QueueFilter) -> list:
    if not flt.employer:
        return []
    term = flt.employer.lower()
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return [or_(Employer.slug == term, func.lower(Employer.name).like(f"%{escaped}%", escape="\\"))]


def _older(since, flt: QueueFilter, now: datetime) -> list:
    if flt.older_than is None:
        return []
    return [since <= now - timedelta(days=flt.older_than)]


_FlaggedResponse = aliased(Response, name="flagged_response")
_TargetReview = aliased(Review, name="target_review")
_FlaggerEmployer = aliased(Employer, name="flagger_employer")


@dataclass(frozen=True)
class _Spec:
    """One section as queries: its rows (`base`, with the joins that reach the employer), and
    the conditions a filter adds. `bare` is the base without those joins, which a count needs
    only when the filter names an employer."""

    base: Callable[[], Select]
    where: Callable[[QueueFilter, datetime], list]
    bare: Callable[[], Select] | None = None


def _flags_base() -> Select:
    return (
        select(Flag.id)
        .select_from(Flag)
        .outerjoin(_FlaggedResponse, _FlaggedResponse.id == Flag.response_id)
        .join(
            _TargetReview,
            _TargetReview.id == func.coalesce(Flag.review_id, _FlaggedResponse.review_id),
        )
        .join(Employer, Employer.id == _TargetReview.employer_id)
    )


def _flags_where(flt: QueueFilter, now: datetime) -> list:
    where = [*_open_flags(), *_employer_matches(flt), *_older(Flag.created_at, flt, now)]
    if flt.reason:
        where.append(Flag.reason == flt.flag_reason if flt.flag_reason else false())
    return where


def _reviews_base() -> Select:
    return select(Review.id).select_from(Review).join(Employer, Employer.id == Review.employer_id)


def _held_where(flt: QueueFilter, now: datetime) -> list[list]:
    """The held reviews' conditions with the filter's, one list per branch of _held_reviews."""
    where = [*_employer_matches(flt), *_older(_held_since(), flt, now)]
    if flt.reason:
        reason = flt.hold_reason
        where.append(_hold_reason() == reason if reason else false())
    return [[*branch, *where] for branch in _held_reviews()]


def _resubmitted_where(flt: QueueFilter, now: datetime) -> list:
    where = [*_resubmitted(), *_employer_matches(flt), *_older(_held_since(), flt, now)]
    if flt.reason:
        reason = flt.hold_reason
        if reason is None:
            where.append(false())
        elif reason is not HoldReason.resubmitted:
            where.append(Review.hold_reason == reason)
    return where


def _burst_where(flt: QueueFilter, now: datetime) -> list:
    return [
        *_burst_capped(),
        *_employer_matches(flt),
        *_older(Review.burst_capped_at, flt, now),
        *([false()] if flt.reason else []),
    ]


def _response_since():
    return func.coalesce(Response.edited_at, Response.created_at)


def _responses_base() -> Select:
    return (
        select(Response.id)
        .select_from(Response)
        .join(Review, Review.id == Response.review_id)
        .join(Employer, Employer.id == Response.employer_id)
    )


def _responses_where(flt: QueueFilter, now: datetime) -> list:
    # A response is held only when it seems to name a person (responses.services).
    other_reason = flt.reason and flt.hold_reason is not HoldReason.suspected_name
    return [
        *_held_responses(),
        *_employer_matches(flt),
        *_older(_response_since(), flt, now),
        *([false()] if other_reason else []),
    ]


def _notices_base() -> Select:
    return (
        select(LegalNotice.id)
        .select_from(LegalNotice)
        .join(Review, Review.id == LegalNotice.review_id)
        .join(Employer, Employer.id == Review.employer_id)
    )


def _notices_where(flt: QueueFilter, now: datetime) -> list:
    return [
        *_open_notices(),
        *_employer_matches(flt),
        *_older(LegalNotice.created_at, flt, now),
        *([false()] if flt.reason else []),
    ]


def _employers_base() -> Select:
    return select(Employer.id).select_from(Employer)


def _employers_where(flt: QueueFilter, now: datetime) -> list:
    return [
        *_new_without_domain(now),
        *_employer_matches(flt),
        *_older(Employer.created_at, flt, now),
        *([false()] if flt.reason else []),
    ]


def _bare(entity):
    return lambda: select(func.count()).select_from(entity)


# Every section but the held reviews, which _counts counts by reason.
SPECS: dict[str, _Spec] = {
    "flags": _Spec(_flags_base, _flags_where, _bare(Flag)),
    "held_responses": _Spec(_responses_base, _responses_where, _bare(Response)),
    "burst_capped": _Spec(_reviews_base, _burst_where, _bare(Review)),
    "resubmitted": _Spec(_reviews_base, _resubmitted_where, _bare(Review)),
    "notices": _Spec(_notices_base, _notices_where, _bare(LegalNotice)),
    "new_employers": _Spec(_employers_base, _employers_where, _bare(Employer)),
}


def _section_count(name: str, flt: QueueFilter, now: datetime):
    spec = SPECS[name]
    if not flt.employer and spec.bare is not None:
        # Every row of a section has its employer: the joins would only slow the count.
        return spec.bare().where(*spec.where(flt, now)).scalar_subquery()
    rows = spec.base().where(*spec.where(flt, now)).subquery()
    return select(func.count()).select_from(rows).scalar_subquery()


def _counts(flt: QueueFilter, now: datetime) -> dict[str, int]:
    """Every count the queue shows, in two queries: the sections' and the claims' in one, the
    held reviews by reason in one more (one pass over them rather than one per reason)."""
    columns = {
        **{name: _section_count(name, flt, now) for name in SECTIONS if name != "held_reviews"},
        "claims": _count(Claim, Claim.status == ClaimStatus.awaiting_moderator),
    }
    row = db.session.execute(select(*(column.label(name) for name, column in columns.items())))
    counts = dict(zip(columns, row.one(), strict=True))
    held = _reviews_base() if flt.employer else select().select_from(Review)
    reasons = union_all(
        *(
            held.with_only_columns(_hold_reason().label("reason")).where(*where)
            for where in _held_where(flt, now)
        )
    ).subquery()
    by_reason = dict(
        db.session.execute(select(reasons.c.reason, func.count()).group_by(reasons.c.reason)).all()
    )
    for value in HoldReason:
        if value is not HoldReason.resubmitted:
            counts[f"held:{value.value}"] = by_reason.get(value, 0)
    counts["held_reviews"] = sum(by_reason.values())
    return counts


def _flag_items(flt: QueueFilter, now: datetime, limit: int, offset: int) -> list[FlagItem]:
    excerpt = func.coalesce(
        _excerpt(_FlaggedResponse.body),
        _excerpt(_TargetReview.narrative),
        _excerpt(_TargetReview.advice),
    )
    # The page's ids first, on the flags alone unless the filter names an employer; the joins
    # and excerpts for those only (PostgreSQL otherwise joined and cut every open report's text
    # before sorting them).
    page = (
        (_flags_base() if flt.employer else select(Flag.id))
        .where(*_flags_where(flt, now))
        .order_by(Flag.created_at, Flag.id)
        .limit(limit)
        .offset(offset)
        .correlate(None)
        .scalar_subquery()
    )
    rows = db.session.execute(
        _flags_base()
        .with_only_columns(Flag, _TargetReview.public_id, Employer.name, _FlaggerEmployer.name)
        .add_columns(excerpt)
        .outerjoin(Representative, Representative.id == Flag.representative_id)
        .outerjoin(_FlaggerEmployer, _FlaggerEmployer.id == Representative.employer_id)
        .where(Flag.id.in_(page))
        .order_by(Flag.created_at, Flag.id)
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
            excerpt=text or "",
        )
        for flag, public_id, employer_name, rep_employer, text in rows
    ]


def _review_items(
    branches: list[list],
    order,
    now: datetime,
    limit: int,
    offset: int,
    since,
    *,
    joined: bool = True,
) -> list[ReviewItem]:
    # The page's ids first, sorted on narrow rows (joined to the employer only when the filter
    # needs its name); the texts are read for those only. Several branches of conditions (see
    # _held_reviews) are read as a UNION ALL, each by its own index.
    base = _reviews_base() if joined else select(Review.id)
    if len(branches) == 1:
        page = base.where(*branches[0]).order_by(order, Review.id)
    else:
        rows = union_all(
            *(
                base.with_only_columns(Review.id.label("id"), order.label("since"))
                .where(*where)
                .correlate(None)
                for where in branches
            )
        ).subquery()
        page = select(rows.c.id).order_by(rows.c.since, rows.c.id)
    page = page.limit(limit).offset(offset).correlate(None).scalar_subquery()
    excerpt = func.coalesce(_excerpt(Review.narrative), _excerpt(Review.advice))
    rows = db.session.execute(
        select(Review.public_id, Employer.name, _hold_reason(), since, excerpt)
        .join(Employer, Employer.id == Review.employer_id)
        .where(Review.id.in_(page))
        .order_by(order, Review.id)
    )
    return [
        ReviewItem(public_id, name, hold_reason, age_days(moment, now), text or "")
        for public_id, name, hold_reason, moment, text in rows
    ]


def _resubmitted_items(flt, now: datetime, limit: int, offset: int) -> list[ReviewItem]:
    items = _review_items(
        [_resubmitted_where(flt, now)],
        _held_since(),
        now,
        limit,
        offset,
        _held_since(),
        joined=bool(flt.employer),
    )
    return [
        replace(
            item,
            hold_reason=HoldReason.resubmitted,
            also_held_for=None if item.hold_reason is HoldReason.resubmitted else item.hold_reason,
        )
        for item in items
    ]


def _held_response_items(flt, now: datetime, limit: int, offset: int) -> list[ReviewItem]:
    since = _response_since()
    rows = db.session.execute(
        _responses_base()
        .with_only_columns(Review.public_id, Employer.name, since, _excerpt(Response.body))
        .where(*_responses_where(flt, now))
        .order_by(since, Response.id)
        .limit(limit)
        .offset(offset)
    )
    return [
        ReviewItem(public_id, name, None, age_days(moment, now), text or "")
        for public_id, name, moment, text in rows
    ]


def _notice_items(flt, now: datetime, limit: int, offset: int) -> list[NoticeItem]:
    rows = db.session.execute(
        _notices_base()
        .with_only_columns(
            LegalNotice, Review.public_id, Employer.name, _excerpt(LegalNotice.explanation)
        )
        .where(*_notices_where(flt, now))
        .order_by(LegalNotice.created_at, LegalNotice.id)
        .limit(limit)
        .offset(offset)
    )
    return [
        NoticeItem(
            notice.id,
            public_id,
            name,
            notice.legal_basis,
            age_days(notice.created_at, now),
            text or "",
        )
        for notice, public_id, name, text in rows
    ]


def _new_employer_items(flt, now: datetime, limit: int, offset: int) -> list[EmployerItem]:
    rows = db.session.execute(
        select(Employer.name, Employer.slug, Employer.created_at)
        .where(*_employers_where(flt, now))
        .order_by(Employer.created_at, Employer.id)
        .limit(limit)
        .offset(offset)
    )
    return [EmployerItem(name, slug, age_days(created, now)) for name, slug, created in rows]


def _items(name: str, flt: QueueFilter, now: datetime, limit: int, offset: int) -> list:
    if name == "flags":
        return _flag_items(flt, now, limit, offset)
    if name == "held_reviews":
        since = _held_since()
        where = _held_where(flt, now)
        return _review_items(where, since, now, limit, offset, since, joined=bool(flt.employer))
    if name == "held_responses":
        return _held_response_items(flt, now, limit, offset)
    if name == "burst_capped":
        capped = Review.burst_capped_at
        where = [_burst_where(flt, now)]
        return _review_items(where, capped, now, limit, offset, capped, joined=bool(flt.employer))
    if name == "resubmitted":
        return _resubmitted_items(flt, now, limit, offset)
    if name == "notices":
        return _notice_items(flt, now, limit, offset)
    return _new_employer_items(flt, now, limit, offset)


def queue(
    now: datetime | None = None, limit: int | None = None, flt: QueueFilter | None = None
) -> Queue:
    """Everything waiting for a moderator that the filter lets through, oldest first: each
    section's first page of `limit` items (SECTION_LIMIT by default), or, when the filter names
    a section, that section's page `flt.page` (the last one if it asks for more)."""
    now = now or utcnow()
    limit = limit or SECTION_LIMIT
    flt = flt or QueueFilter()
    counts = _counts(flt, now)
    sections = {}
    for name in SECTIONS:
        total = counts[name]
        if flt.section not in (None, name):
            sections[name] = Section([], total, 1, limit)
            continue
        page = 1
        if flt.section == name:
            page = min(flt.page, max(1, -(-total // limit)))
        items = _items(name, flt, now, limit, (page - 1) * limit) if total else []
        sections[name] = Section(items, total, page, limit)
    return Queue(
        flags=sections["flags"],
        held_reviews=sections["held_reviews"],
        held_by_reason={
            reason: counts[f"held:{reason.value}"]
            for reason in HoldReason
            if reason is not HoldReason.resubmitted
        },
        held_responses=sections["held_responses"],
        burst_capped=sections["burst_capped"],
        resubmitted=sections["resubmitted"],
        notices=sections["notices"],
        claims_waiting=counts["claims"],
        new_employers=sections["new_employers"],
        filter=flt,
    )


@dataclass(frozen=True)
class NextItem:
    public_id: str
    anchor: str = ""  # a legal notice's place on the review's page


def next_item(flt: QueueFilter, after: str | None = None, now: datetime | None = None):
    """The oldest item of the filter's section other than the review `after` (the one just
    handled, which may still be waiting: a second report on it, a redaction), or None."""
    now = now or utcnow()
    if flt.section not in REVIEW_SECTIONS:
        return None
    first = replace(flt, page=1)
    # The first page is read: only a review with a page's worth of open reports of its own
    # could hide the next item, and then the moderator is sent back to the queue instead.
    for item in _items(flt.section, first, now, SECTION_LIMIT, 0):
        if item.public_id != after:
            anchor = f"notice-{item.notice_id}" if isinstance(item, NoticeItem) else ""
            return NextItem(item.public_id, anchor)
    return None


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
    "steps": "Every step reached",
    "outcome": "Outcome",
    "last_contact_on": "Last contact",
    "decision_days": "Days from last contact to decision",
    "chased_for_decision": "Told before they chased the employer",
    "next_steps": "Next steps explained",
    "promised_days": "Promised an answer within (days)",
    "followups_sent": "Follow-ups sent",
    "followups_answered": "Follow-ups answered",
    "feedback": "Feedback",
    "turned_down_work": "Turned down other work while waiting",
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


def _hold_reason_of(value) -> HoldReason | None:
    try:
        return HoldReason(value)
    except ValueError:
        return None


def describe(name: str, value) -> str:
    """A field's value in words, from a model value or a revision's JSON value."""
    if value is None or value == "":
        return "—"
    if name == "country":
        return country_name(str(value)) or str(value)
    if name == "steps" and isinstance(value, int):
        return steps_text(steps_of(value))
    if name == "hold_reason":
        reason = value if isinstance(value, HoldReason) else _hold_reason_of(value)
        if reason is not None:
            return HOLD_REASONS[reason]
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
