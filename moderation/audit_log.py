"""Reading the audit log (DESIGN.md §8; issue 17): its filters, its words, and its rows as
moderators see them, on /moderation/audit, in the admins' CSV and in a review's history.

Who acted is never an email or an account id (DESIGN.md §5.6). Staff appear as their role and
a code of their own ("Moderator 7C21A0"): an HMAC of the account id with the app's secret key and
a salt unlike the authors' pseudonyms (moderation.queue.pseudonym), so a moderator's actions
can't be matched to the reviews they wrote as a candidate. An actor who is no longer staff keeps
the code ("Former staff 7C21A0"); a row without an actor was written at the command line (or its
actor's account was deleted since). An account that was acted on appears as the same "Member …"
pseudonym the moderators' review page shows, except in a role change, which is about staff.

Every page of rows is resolved in a fixed number of queries, whatever the number of rows.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask import url_for
from sqlalchemy import Select, func, select

from accounts.models import Role, User
from api.services import csv_cell
from employers.models import Employer
from extensions import db
from moderation.actions import GUIDELINES
from moderation.models import AuditAction, AuditLog, Flag, FlagReason, LegalNotice
from moderation.queue import pseudonym
from moderation.suspensions import reason_label as suspension_reason_label
from representatives.models import Claim, ClaimStatus, Representative
from responses.models import Response
from reviews.models import GuidelineReason, HoldReason, Review
from security import stable_code

PER_PAGE = 50
MAX_PAGE = 10_000  # deeper pages are refused rather than overflowing an OFFSET
CSV_BATCH = 500  # rows resolved per round of look-ups in the CSV export
COMMAND_LINE = "Command line"
ACTOR_SALT = b"audit-actor:"

ACTION_LABELS: dict[AuditAction, str] = {
    AuditAction.publish: "Published",
    AuditAction.hide: "Hidden",
    AuditAction.redact: "Text removed",
    AuditAction.restore: "Restored",
    AuditAction.clear_burst: "Burst mark cleared",
    AuditAction.merge_employers: "Employers merged",
    AuditAction.suspend_user: "Account suspended",
    AuditAction.dismiss_flag: "Report dismissed",
    AuditAction.approve_claim: "Claim approved",
    AuditAction.refuse_claim: "Claim refused",
    AuditAction.revoke_representative: "Representative revoked",
    AuditAction.add_domain: "Domain added to an employer",
    AuditAction.refuse_domain: "Domain not attached",
    AuditAction.legal_notice: "Legal notice decided",
    AuditAction.lift_suspension: "Suspension lifted",
    AuditAction.grant_role: "Role changed",
}

_ACTIONS = {action.value: action for action in AuditAction}

TARGET_TYPES: dict[str, str] = {
    "review": "Review",
    "response": "Response",
    "flag": "Report",
    "claim": "Claim",
    "employer": "Employer",
    "user": "Account",
    "representative": "Representative",
    "legal_notice": "Legal notice",
}

ROLE_TITLES = {Role.moderator: "Moderator", Role.admin: "Admin"}
FORMER_STAFF = "Former staff"

HOLD_REASONS = {
    HoldReason.suspected_name.value: "seems to name a person",
    HoldReason.link_spam.value: "links or spam",
    HoldReason.near_duplicate.value: "nearly the same text as another review",
    HoldReason.direction_burst.value: "part of a burst far from the employer's estimate",
    HoldReason.resubmitted.value: "resubmitted after a moderator hid it",
}
FLAG_REASONS = {
    FlagReason.personal_information.value: "personal information",
    FlagReason.false_or_misleading.value: "false or misleading",
    FlagReason.abusive.value: "abusive",
    FlagReason.spam.value: "spam",
    FlagReason.conflict_of_interest.value: "conflict of interest",
    FlagReason.other.value: "other",
}
STATUSES = {
    "held": "held",
    "scheduled": "scheduled (public at its random moment)",
    "published": "published",
    "hidden": "hidden",
}
REDACTED_FIELDS = {
    "narrative": "What happened",
    "advice": "Advice to the employer",
    "body": "the response",
}
# Detail keys never shown, whatever an action writes: who someone is, or removed text.
HIDDEN_DETAIL_WORDS = ("email", "user", "author", "ip", "removed", "address")


def action_label(action: AuditAction) -> str:
    return ACTION_LABELS.get(action, action.value.replace("_", " ").capitalize())


def target_type_label(target_type: str) -> str:
    return TARGET_TYPES.get(target_type, target_type.replace("_", " ").capitalize())


def guideline_label(value) -> str:
    try:
        return GUIDELINES[GuidelineReason(value)][0]
    except (ValueError, KeyError):
        return str(value)


# --- who acted ---------------------------------------------------------------------------------


def actor_code(user_id: int) -> str:
    return stable_code(ACTOR_SALT, user_id)


def actor_label(user_id: int | None, role: Role | None) -> str:
    if user_id is None or role is None:
        return COMMAND_LINE
    return f"{ROLE_TITLES.get(role, FORMER_STAFF)} {actor_code(user_id)}"


def staff_label(user: User) -> str:
    """How the log names this account when it acts (shown to a moderator as "you are …")."""
    return actor_label(user.id, user.role)


def _code_of(text: str) -> str:
    """The code in a label as typed: "Moderator 7c21a0", "member 3F9A2C", "7C21A0"."""
    return text.strip().rsplit(" ", 1)[-1].upper()


def known_actors() -> list[str]:
    """The label of everyone who has acted, for the filter's suggestions (staff are few)."""
    rows = db.session.execute(
        select(User.id, User.role).where(
            User.id.in_(select(AuditLog.actor_id).where(AuditLog.actor_id.is_not(None)).distinct())
        )
    )
    return [*sorted({actor_label(user_id, role) for user_id, role in rows}), COMMAND_LINE]


def actors_named(text: str) -> tuple[bool, frozenset[int]]:
    """(command line?, the ids of the actors) a typed label names. Matched in Python over the
    distinct actors of the log: an HMAC can't be reversed, and they are few."""
    if text.strip().casefold() == COMMAND_LINE.casefold():
        return True, frozenset()
    code = _code_of(text)
    ids = db.session.scalars(
        select(AuditLog.actor_id).where(AuditLog.actor_id.is_not(None)).distinct()
    )
    return False, frozenset(i for i in ids if actor_code(i) == code)


def users_named(text: str) -> frozenset[int]:
    """The accounts acted on whose pseudonym ("Member 3F9A2C") or staff label is `text`."""
    code = _code_of(text)
    ids = db.session.scalars(
        select(AuditLog.target_id).where(AuditLog.target_type == "user").distinct()
    )
    return frozenset(
        i for i in ids if pseudonym(i).rsplit(" ", 1)[-1] == code or actor_code(i) == code
    )


# --- filters -----------------------------------------------------------------------------------


@dataclass
class Filters:
    """What the log is narrowed to. `actor_ids` / `target_ids` None: anyone / anything; an
    empty set: a name that matches nobody, so no rows."""

    command_line: bool = False
    actor_ids: frozenset[int] | None = None
    action: AuditAction | None = None
    target_type: str | None = None
    target_ids: frozenset[int] | None = None
    date_from: date | None = None
    date_to: date | None = None
    page: int = 1
    args: dict[str, str] = field(default_factory=dict)  # the valid filters, for links


def build_filters(
    *,
    actor: str = "",
    action: str = "",
    target_type: str = "",
    target: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    page: int = 1,
) -> Filters:
    """Filters from values already checked (moderation.audit_forms); empty means any."""
    filters = Filters(date_from=date_from, date_to=date_to, page=page)
    args = filters.args
    if actor:
        filters.command_line, ids = actors_named(actor)
        filters.actor_ids = None if filters.command_line else ids
        args["actor"] = actor
    if action in _ACTIONS:
        filters.action = _ACTIONS[action]
        args["action"] = action
    if target_type in TARGET_TYPES:
        filters.target_type = target_type
        args["target_type"] = target_type
        if target:
            if target_type == "user":
                filters.target_ids = users_named(target)
            elif target.isascii() and target.isdigit():
                filters.target_ids = frozenset({int(target)})
            args["target"] = target
    if date_from:
        args["date_from"] = date_from.isoformat()
    if date_to:
        args["date_to"] = date_to.isoformat()
    return filters


def page_number(raw: str | None) -> int | None:
    """The page a query string asks for; None when it names none we could have."""
    raw = (raw or "").strip()
    if not raw:
        return 1
    if raw.isascii() and raw.isdigit() and len(raw) <= 6 and 1 <= int(raw) <= MAX_PAGE:
        return int(raw)
    return None


def _start(day: date) -> datetime:
    return datetime.combine(day, time.min)


def statement(filters: Filters) -> Select:
    query = select(AuditLog)
    if filters.command_line:
        query = query.where(AuditLog.actor_id.is_(None))
    elif filters.actor_ids is not None:
        query = query.where(AuditLog.actor_id.in_(sorted(filters.actor_ids)))
    if filters.action is not None:
        query = query.where(AuditLog.action == filters.action)
    if filters.target_type is not None:
        query = query.where(AuditLog.target_type == filters.target_type)
    if filters.target_ids is not None:
        query = query.where(AuditLog.target_id.in_(sorted(filters.target_ids)))
    if filters.date_from is not None:
        query = query.where(AuditLog.created_at >= _start(filters.date_from))
    if filters.date_to is not None and filters.date_to < date.max:
        query = query.where(AuditLog.created_at < _start(filters.date_to + timedelta(days=1)))
    return query.order_by(AuditLog.created_at.desc(), AuditLog.id.desc())


def page_of(filters: Filters):
    """One page of matching rows, newest first (flask_sqlalchemy Pagination, with its total)."""
    return db.paginate(
        statement(filters), page=filters.page, per_page=PER_PAGE, error_out=False, count=True
    )


# --- rows as shown -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One audit row as a moderator reads it."""

    id: int
    created_at: datetime
    actor: str
    action: AuditAction
    action_label: str
    target_type: str
    target_kind: str
    target: str
    target_url: str | None
    reason: str | None
    details: list[tuple[str, str | None]]  # (text, link or None)

    @property
    def time(self) -> str:
        return self.created_at.strftime("%Y-%m-%d %H:%M")

    @property
    def details_text(self) -> str:
        return "; ".join(text for text, _ in self.details)


def _int(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 12:
        return int(value)
    return None


def _ids(rows: Iterable[AuditLog], target_type: str, detail: str | None = None) -> set[int]:
    found = set()
    for row in rows:
        if row.target_type == target_type:
            found.add(row.target_id)
        if detail and isinstance(row.details, dict) and _int(row.details.get(detail)):
            found.add(_int(row.details.get(detail)))
    return found


@dataclass
class _Lookups:
    """What a batch of rows names, each kind read in one query."""

    roles: dict[int, Role]
    reviews: dict[int, tuple[str, str]]  # id -> (public_id, employer name)
    responses: dict[int, int]  # id -> review id
    flags: dict[int, int]  # id -> review id
    notices: dict[int, int]  # id -> review id
    claims: dict[int, tuple[str, ClaimStatus, str, str]]  # id -> domain, status, name, slug
    employers: dict[int, tuple[str, str]]  # id -> name, slug
    representatives: dict[int, tuple[str, str]]  # id -> employer name, slug


def _lookups(rows: list[AuditLog]) -> _Lookups:
    def of(query, ids) -> list:
        return list(db.session.execute(query)) if ids else []

    users = {row.actor_id for row in rows if row.actor_id} | _ids(rows, "user")
    response_ids, flag_ids = _ids(rows, "response"), _ids(rows, "flag")
    notice_ids = _ids(rows, "legal_notice")
    responses = dict(
        of(
            select(Response.id, Response.review_id).where(Response.id.in_(response_ids)),
            response_ids,
        )
    )
    flags = dict(
        of(
            select(Flag.id, func.coalesce(Flag.review_id, Response.review_id))
            .outerjoin(Response, Response.id == Flag.response_id)
            .where(Flag.id.in_(flag_ids)),
            flag_ids,
        )
    )
    notices = dict(
        of(
            select(LegalNotice.id, LegalNotice.review_id).where(LegalNotice.id.in_(notice_ids)),
            notice_ids,
        )
    )
    review_ids = (
        _ids(rows, "review", "review_id")
        | set(responses.values())
        | {i for i in flags.values() if i}
        | set(notices.values())
    )
    claim_ids, employer_ids = _ids(rows, "claim"), _ids(rows, "employer", "employer_id")
    representative_ids = _ids(rows, "representative")
    return _Lookups(
        roles=dict(of(select(User.id, User.role).where(User.id.in_(users)), users)),
        reviews={
            review_id: (public_id, name)
            for review_id, public_id, name in of(
                select(Review.id, Review.public_id, Employer.name)
                .join(Employer, Employer.id == Review.employer_id)
                .where(Review.id.in_(review_ids)),
                review_ids,
            )
        },
        responses=responses,
        flags=flags,
        notices=notices,
        claims={
            claim_id: (domain, status, name, slug)
            for claim_id, domain, status, name, slug in of(
                select(Claim.id, Claim.email_domain, Claim.status, Employer.name, Employer.slug)
                .join(Employer, Employer.id == Claim.employer_id)
                .where(Claim.id.in_(claim_ids)),
                claim_ids,
            )
        },
        employers={
            employer_id: (name, slug)
            for employer_id, name, slug in of(
                select(Employer.id, Employer.name, Employer.slug).where(
                    Employer.id.in_(employer_ids)
                ),
                employer_ids,
            )
        },
        representatives={
            representative_id: (name, slug)
            for representative_id, name, slug in of(
                select(Representative.id, Employer.name, Employer.slug)
                .join(Employer, Employer.id == Representative.employer_id)
                .where(Representative.id.in_(representative_ids)),
                representative_ids,
            )
        },
    )


class _Resolver:
    def __init__(self, rows: list[AuditLog], *, admin: bool, external: bool = False):
        self.found = _lookups(rows)
        self.admin = admin
        self.external = external

    def url(self, endpoint: str, **values) -> str:
        return url_for(endpoint, _external=self.external, **values)

    def review(self, review_id: int | None, what: str = "A review", anchor: str | None = None):
        known = self.found.reviews.get(review_id) if review_id else None
        if known is None:
            return f"{what} (since deleted)", None
        public_id, name = known
        link = self.url("moderation.review_page", public_id=public_id, _anchor=anchor)
        return f"{what} of {name}", link

    def employer(self, employer_id: int | None):
        known = self.found.employers.get(employer_id) if employer_id else None
        if known is None:
            return "An employer (since merged or deleted)", None
        name, slug = known
        return name, self.url("employers.employer_page", slug=slug)

    def user(self, user_id: int, staff: bool):
        if staff:
            return actor_label(user_id, self.found.roles.get(user_id) or Role.candidate), None
        return pseudonym(user_id), None

    def target(self, row: AuditLog) -> tuple[str, str | None]:
        kind, target_id = row.target_type, row.target_id
        if kind == "review":
            return self.review(target_id)
        if kind == "response":
            return self.review(
                self.found.responses.get(target_id),
                "The response to a review",
                "response-heading",
            )
        if kind == "flag":
            return self.review(self.found.flags.get(target_id), "A report on a review")
        if kind == "legal_notice":
            return self.review(
                self.found.notices.get(target_id),
                "A legal notice on a review",
                f"notice-{target_id}",
            )
        if kind == "employer":
            return self.employer(target_id)
        if kind == "user":
            return self.user(target_id, staff=row.action is AuditAction.grant_role)
        if kind == "claim":
            known = self.found.claims.get(target_id)
            if known is None:
                return "A claim (since deleted)", None
            domain, status, name, slug = known
            if status is ClaimStatus.awaiting_moderator:
                link = self.url("moderation.claims_queue", _anchor=f"claim-{target_id}")
            else:
                link = self.url("employers.employer_page", slug=slug)
            return f"A claim on {domain} to represent {name}", link
        if kind == "representative":
            known = self.found.representatives.get(target_id)
            if known is None:
                return "A representative (since deleted)", None
            name, slug = known
            if self.admin:
                return f"A representative of {name}", self.url(
                    "moderation.representatives", employer=slug
                )
            return f"A representative of {name}", self.url("employers.employer_page", slug=slug)
        return target_type_label(kind), None

    def details(self, row: AuditLog) -> list[tuple[str, str | None]]:
        data = row.details if isinstance(row.details, dict) else {}
        lines: list[tuple[str, str | None]] = []
        for key, value in data.items():
            line = self.detail(row, key, value)
            if line is not None:
                lines.append(line)
        return lines

    def detail(self, row: AuditLog, key: str, value) -> tuple[str, str | None] | None:
        if value is None or value == "" or value is False:
            return None
        if key == "review_id":
            if row.target_type in ("flag", "legal_notice"):
                return None  # the target already names the review
            return self.review(_int(value), "About a review")
        if key == "employer_id" and row.target_type != "employer":
            return self.employer(_int(value))
        if key == "hold_reason":
            return f"Was held: {HOLD_REASONS.get(value, value)}", None
        if key == "status":
            return f"Now {STATUSES.get(value, value)}", None
        if key == "previous_status":
            return f"Was {STATUSES.get(value, value)}", None
        if key == "guideline":
            verb = "Had been hidden for" if row.action is AuditAction.restore else "Guideline"
            return f"{verb}: {guideline_label(value)}", None
        if key == "notice_id":
            return "Upholding a legal notice", None
        if key == "field":
            return f"In {REDACTED_FIELDS.get(value, value)}", None
        if key == "occurrences":
            return f"{value} {'occurrence' if value == 1 else 'occurrences'} removed", None
        if key == "revision":
            return f"Kept as revision {value}", None
        if key == "pending":
            return "In the author's change waiting to be published", None
        if key == "marked_at":
            return f"Marked by the burst cap on {str(value)[:10]}", None
        if key == "flag_reason":
            return f"Report reason: {FLAG_REASONS.get(value, value)}", None
        if key == "decision":
            return ("Decision: upheld" if value == "actioned" else "Decision: rejected"), None
        if key == "already_hidden":
            return "The review was already hidden", None
        if key == "category":
            return f"Reason given to the account: {suspension_reason_label(value)}", None
        if key == "suspended_at":
            return f"Suspended since {str(value)[:10]}", None
        if key == "from" and row.action is AuditAction.grant_role:
            return f"From {value}", None
        if key == "to" and row.action is AuditAction.grant_role:
            return f"To {value}", None
        if key == "domain":
            return f"Domain {value}", None
        if key == "proofs":
            return f"Proofs verified: {value}", None
        if key == "source" and isinstance(value, dict):
            return f"Merged in: {value.get('name')} ({value.get('slug')})", None
        if key == "moved" and isinstance(value, dict):
            moved = [f"{count} {name}" for name, count in value.items() if _int(count)]
            return ("Moved: " + ", ".join(moved) if moved else "Nothing moved"), None
        if key == "bulk":
            return "One of a bulk action", None
        if any(word in key.lower() for word in HIDDEN_DETAIL_WORDS):
            return None
        if isinstance(value, bool | int | float | str):
            return f"{key.replace('_', ' ').capitalize()}: {str(value)[:100]}", None
        return None

    def entry(self, row: AuditLog) -> Entry:
        target, link = self.target(row)
        return Entry(
            id=row.id,
            created_at=row.created_at,
            actor=actor_label(row.actor_id, self.found.roles.get(row.actor_id or 0)),
            action=row.action,
            action_label=action_label(row.action),
            target_type=row.target_type,
            target_kind=target_type_label(row.target_type),
            target=target,
            target_url=link,
            reason=row.reason,
            details=self.details(row),
        )


def entries(
    rows: Iterable[AuditLog], *, admin: bool = False, external: bool = False
) -> list[Entry]:
    rows = list(rows)
    if not rows:
        return []
    resolver = _Resolver(rows, admin=admin, external=external)
    return [resolver.entry(row) for row in rows]


# --- the admins' CSV ---------------------------------------------------------------------------

CSV_COLUMNS = [
    "time_utc",
    "actor",
    "action",
    "action_code",
    "target_type",
    "target",
    "target_link",
    "reason",
    "details",
]


def csv_lines(filters: Filters) -> Iterator[str]:
    """Every row the filters match, newest first, as CSV lines (UTF-8, CRLF), resolved in
    batches; text a spreadsheet would run as a formula is neutralised (api.services.csv_cell)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def line(values) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([csv_cell(value) for value in values])
        return buffer.getvalue()

    yield line(CSV_COLUMNS)
    query = statement(filters)
    offset = 0
    while True:
        rows = list(db.session.scalars(query.limit(CSV_BATCH).offset(offset)))
        if not rows:
            return
        for item in entries(rows, admin=True, external=True):
            yield line(
                [
                    item.time,
                    item.actor,
                    item.action_label,
                    item.action.value,
                    item.target_kind,
                    item.target,
                    item.target_url,
                    item.reason,
                    item.details_text,
                ]
            )
        offset += CSV_BATCH
