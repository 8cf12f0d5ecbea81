"""The audit log is append-only from the app: it is the record of every moderator action
(DESIGN.md §8), so no code path may rewrite or delete it."""

from __future__ import annotations

import pytest

from extensions import db
from moderation.audit import AuditLogIsAppendOnly, record
from moderation.models import AuditAction, AuditLog


def test_rows_are_added_with_the_action(app):
    row = record(None, AuditAction.hide, "review", 7, reason="abusive", details={"a": 1})
    db.session.commit()
    stored = db.session.get(AuditLog, row.id)
    assert (stored.action, stored.target_type, stored.target_id) == (AuditAction.hide, "review", 7)
    assert stored.created_at is not None


def test_a_row_cannot_be_changed(app):
    row = record(None, AuditAction.hide, "review", 7, reason="abusive")
    db.session.commit()
    row.reason = "something kinder"
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.commit()
    db.session.rollback()
    assert db.session.get(AuditLog, row.id).reason == "abusive"


def test_a_row_cannot_be_deleted(app):
    row = record(None, AuditAction.publish, "review", 3)
    db.session.commit()
    db.session.delete(row)
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.commit()
    db.session.rollback()
    assert db.session.get(AuditLog, row.id) is not None
