"""The audit log: one row per moderator action (DESIGN.md §8), append-only from the app.

`record` adds a row in the caller's transaction, so the action and its record commit together.
A flush that would change or delete an existing row raises instead (the listener below), so no
code path in the app can rewrite history; the database user could, which is what backups and
the database's own access control are for.
"""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import Session

from extensions import db
from moderation.models import AuditAction, AuditLog


class AuditLogIsAppendOnly(RuntimeError):
    pass


def record(
    actor_id: int | None,
    action: AuditAction,
    target_type: str,
    target_id: int,
    reason: str | None = None,
    details: dict | None = None,
) -> AuditLog:
    row = AuditLog(
        actor_id=actor_id,
        action=action,
        target_type=target_type,
        target_id=target_id,
        reason=reason,
        details=details,
    )
    db.session.add(row)
    return row


@event.listens_for(Session, "before_flush")
def _refuse_rewrites(session: Session, flush_context, instances) -> None:
    for instance in (*session.dirty, *session.deleted):
        if isinstance(instance, AuditLog) and (
            instance in session.deleted or session.is_modified(instance)
        ):
            raise AuditLogIsAppendOnly("audit log rows can't be changed or deleted")
