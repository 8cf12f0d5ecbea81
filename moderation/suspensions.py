"""Suspending an account and lifting a suspension (DESIGN.md §8; issue 17).

A suspension signs the account out everywhere and refuses its sign-ins (accounts.services.suspend);
it is one `suspend_user` audit row. The account is emailed a notice at once: the category of the
reason (a fixed text, not the moderator's own words, which are for the audit log) and the address
to write to if they think it is a mistake (config MODERATION_CONTACT).

Only an admin lifts a suspension, never their own, and always with a reason: one
`lift_suspension` audit row, and an email telling the account it can sign in again. The command
line may lift one too (actor None: the operator at the console, as the audit row says).

Functions change the session and queue their emails (notifications.mail, sent after the commit);
the caller commits once, so the change, its audit row and its email go together or not at all.
Admins see suspended accounts only by pseudonym (moderation.queue.pseudonym, DESIGN.md §5.6).
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime

from flask import current_app, has_request_context
from sqlalchemy import func, select

from accounts import services as accounts
from accounts.models import Role, User
from accounts.services import absolute_url
from extensions import db
from moderation import audit
from moderation.models import AuditAction, AuditLog
from moderation.queue import pseudonym
from notifications import mail

MODERATORS = (Role.moderator, Role.admin)

# Why an account was suspended, as its owner is told (a category, never the moderator's note).
REASONS: dict[str, tuple[str, str]] = {
    "guidelines": (
        "Repeated breaches of the guidelines",
        "Several of this account's reviews or responses broke the site's guidelines.",
    ),
    "fake_reviews": (
        "Fake or manipulated reviews",
        "This account appears to have written reviews that don't describe a real hiring "
        "process, or to be one of several accounts used by one person.",
    ),
    "abuse": (
        "Abusive behaviour",
        "This account was used to insult, threaten or harass people.",
    ),
    "spam": ("Spam", "This account was used for advertising or other text that isn't a review."),
    "conflict_of_interest": (
        "Conflict of interest",
        "This account reviewed an employer it works for, represents or competes with.",
    ),
    "other": ("Another reason", "It broke the site's terms in another way."),
}
DEFAULT_REASON = "guidelines"


class SuspensionError(ValueError):
    """Why a suspension can't be started or lifted, in words for the page (never a 500)."""

    def __init__(self, message: str, *, status: int = 409):
        super().__init__(message)
        self.status = status


def contact_address() -> str:
    """Where a suspended member writes to appeal (config MODERATION_CONTACT)."""
    return current_app.config["MODERATION_CONTACT"]


def reason_label(category: str | None) -> str:
    return REASONS.get(category or "", REASONS["other"])[0]


def _url_context():
    # Emails queued from the command line need a request context to build their links.
    return nullcontext() if has_request_context() else current_app.test_request_context()


def _note(reason: str | None) -> str | None:
    return (reason or "").strip() or None


# --- suspending --------------------------------------------------------------------------------


def suspend_user(
    user: User,
    actor: User | None,
    reason: str | None,
    *,
    category: str = DEFAULT_REASON,
    details: dict | None = None,
) -> None:
    """Suspend `user` (signed out everywhere), write the `suspend_user` audit row and queue the
    notice to the account. `actor` None is the command line. Moderators may suspend candidates;
    only admins may suspend a moderator or an admin; nobody suspends themselves. The caller
    commits."""
    if category not in REASONS:
        raise SuspensionError("Choose one of the reasons listed.", status=422)
    if actor is not None:
        if actor.role not in MODERATORS:
            raise SuspensionError("Only moderators can do this.", status=403)
        if user.id == actor.id:
            raise SuspensionError("You can't suspend your own account.")
        if user.role is not Role.candidate and actor.role is not Role.admin:
            raise SuspensionError("Only an admin can suspend a moderator's or an admin's account.")
    if user.is_suspended:
        raise SuspensionError("This account is already suspended.")
    accounts.suspend(user)
    audit.record(
        actor.id if actor is not None else None,
        AuditAction.suspend_user,
        "user",
        user.id,
        _note(reason),
        {"category": category, **(details or {})},
    )
    label, explanation = REASONS[category]
    with _url_context():
        mail.send_template(
            user.email,
            "Your HeardBack account is suspended",
            "suspended",
            reason=label,
            explanation=explanation,
            contact=contact_address(),
            guidelines_url=absolute_url("pages.guidelines"),
        )


# --- lifting -----------------------------------------------------------------------------------


def lift_suspension(user: User, actor: User | None, reason: str) -> None:
    """End `user`'s suspension: they may sign in again. Writes the `lift_suspension` audit row
    and queues an email telling them so; the caller commits.

    `actor` None is the command line. Otherwise only an admin may lift a suspension, and never
    their own. A reason is required (it goes in the audit log)."""
    if actor is not None:
        if actor.role is not Role.admin:
            raise SuspensionError("Only an admin can lift a suspension.", status=403)
        if actor.id == user.id:
            raise SuspensionError("You can't lift your own suspension: another admin must.")
    note = _note(reason)
    if note is None:
        raise SuspensionError("Give a reason: it goes in the audit log.", status=422)
    if not user.is_suspended:
        raise SuspensionError("This account isn't suspended.")
    suspended_at = user.suspended_at
    user.suspended_at = None
    audit.record(
        actor.id if actor is not None else None,
        AuditAction.lift_suspension,
        "user",
        user.id,
        note,
        {"suspended_at": suspended_at.isoformat(timespec="seconds")},
    )
    with _url_context():
        mail.send_template(
            user.email,
            "Your HeardBack account is no longer suspended",
            "suspension_lifted",
            sign_in_url=absolute_url("accounts.sign_in"),
        )


# --- what admins see ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SuspendedAccount:
    """A suspended account as admins see it: a pseudonym, never an email (DESIGN.md §5.6)."""

    pseudonym: str
    suspended_at: datetime
    category: str | None
    reason: str | None  # the moderator's note in the audit log

    @property
    def reason_label(self) -> str:
        return reason_label(self.category) if self.category else "Not recorded"


PAGE_SIZE = 50


def _latest_suspensions(user_ids: list[int]) -> dict[int, AuditLog]:
    if not user_ids:
        return {}
    latest = (
        select(func.max(AuditLog.id))
        .where(
            AuditLog.action == AuditAction.suspend_user,
            AuditLog.target_type == "user",
            AuditLog.target_id.in_(user_ids),
        )
        .group_by(AuditLog.target_id)
    )
    rows = db.session.scalars(select(AuditLog).where(AuditLog.id.in_(latest)))
    return {row.target_id: row for row in rows}


def suspended_accounts(page: int = 1) -> tuple[list[SuspendedAccount], int]:
    """Suspended accounts, most recent first, PAGE_SIZE per page; and the total."""
    total = db.session.scalar(
        select(func.count()).select_from(User).where(User.suspended_at.is_not(None))
    )
    users = list(
        db.session.scalars(
            select(User)
            .where(User.suspended_at.is_not(None))
            .order_by(User.suspended_at.desc(), User.id.desc())
            .limit(PAGE_SIZE)
            .offset((max(page, 1) - 1) * PAGE_SIZE)
        )
    )
    rows = _latest_suspensions([user.id for user in users])
    items = []
    for user in users:
        row = rows.get(user.id)
        items.append(
            SuspendedAccount(
                pseudonym=pseudonym(user.id),
                suspended_at=user.suspended_at,
                category=(row.details or {}).get("category") if row else None,
                reason=row.reason if row else None,
            )
        )
    return items, total


def suspended_by_pseudonym(shown: str) -> User | None:
    """The suspended account with this pseudonym (the lift page's URL names only a pseudonym).
    Suspended accounts are few; the pseudonym is an HMAC, so it is matched in Python."""
    shown = (shown or "").strip()
    for user in db.session.scalars(select(User).where(User.suspended_at.is_not(None))):
        if pseudonym(user.id) == shown:
            return user
    return None
