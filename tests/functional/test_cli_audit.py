"""The command line's moderation commands write the audit log (issue 17): role changes
(`make-moderator`, `make-admin`, `set-role`), `suspend` and `unsuspend`, each one row whose actor
is the command line (actor None), shown as such on /moderation/audit."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from accounts.models import Role
from extensions import db
from moderation import audit_log
from moderation.models import AuditAction, AuditLog
from moderation.queue import pseudonym
from tests.factories import UserFactory
from tests.functional.test_moderation_queue import client_as, visible

EMAIL = "someone-5531@example.org"


@pytest.fixture
def member(app):
    # A large id, so that finding it in a page means it was shown.
    return UserFactory(id=765_432, email=EMAIL, verified=True)


def rows() -> list[AuditLog]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditLog).order_by(AuditLog.id)))


def run(runner, *args):
    return runner.invoke(args=["heardback", *args])


@pytest.mark.parametrize(
    ("command", "role"),
    [
        (("make-moderator",), Role.moderator),
        (("make-admin",), Role.admin),
        (("set-role",), None),
    ],
)
def test_role_commands_write_a_grant_role_row(runner, member, command, role):
    args = [*command, EMAIL.upper()]
    if role is None:  # set-role names the role
        role = Role.moderator
        args.append("moderator")
    result = run(runner, *args, "--reason", "Joins the team.")
    assert result.exit_code == 0, result.output
    (row,) = rows()
    assert row.action is AuditAction.grant_role
    assert (row.actor_id, row.target_type, row.target_id) == (None, "user", member.id)
    assert row.details == {"from": "candidate", "to": role.value}
    assert row.reason == "Joins the team."
    # The same role again changes nothing and writes nothing.
    again = run(runner, *args)
    assert again.exit_code == 0 and "already" in again.output
    assert len(rows()) == 1


def test_a_role_can_be_taken_back_and_the_log_says_so(app, runner, member):
    assert run(runner, "make-moderator", EMAIL).exit_code == 0
    result = run(runner, "set-role", EMAIL, "candidate")
    assert result.exit_code == 0, result.output
    db.session.refresh(member)
    assert member.role is Role.candidate
    assert [row.details["to"] for row in rows()] == ["moderator", "candidate"]
    assert run(runner, "set-role", EMAIL, "superuser").exit_code == 2


def test_suspend_and_unsuspend_by_email(app, runner, member, outbox):
    result = run(runner, "suspend", EMAIL, "--reason", "Fake reviews from five accounts.")
    assert result.exit_code == 0, result.output
    db.session.refresh(member)
    assert member.is_suspended
    (row,) = rows()
    assert (row.action, row.actor_id, row.target_id) == (AuditAction.suspend_user, None, member.id)
    assert row.reason == "Fake reviews from five accounts."
    twice = run(runner, "suspend", EMAIL, "--reason", "Again.")
    assert twice.exit_code != 0 and "already suspended" in twice.output
    assert len(rows()) == 1

    lifted = run(runner, "unsuspend", EMAIL, "--reason", "Appeal upheld.")
    assert lifted.exit_code == 0, lifted.output
    db.session.refresh(member)
    assert not member.is_suspended
    assert [row.action for row in rows()] == [AuditAction.suspend_user, AuditAction.lift_suspension]
    again = run(runner, "unsuspend", EMAIL, "--reason", "Again.")
    assert again.exit_code != 0 and "isn't suspended" in again.output


@pytest.mark.parametrize(
    "args",
    [
        ("suspend", EMAIL),  # no reason
        ("suspend", EMAIL, "--reason", "x", "--category", "because"),
        ("unsuspend", EMAIL),
    ],
)
def test_suspension_commands_need_a_reason_and_a_known_category(runner, member, args):
    result = run(runner, *args)
    assert result.exit_code == 2
    assert rows() == []


def test_unknown_addresses_are_refused(runner, app):
    for args in (
        ("suspend", "nobody@example.org", "--reason", "x"),
        ("unsuspend", "nobody@example.org", "--reason", "x"),
        ("make-moderator", "nobody@example.org"),
    ):
        result = run(runner, *args)
        assert result.exit_code == 1
        assert "No account uses nobody@example.org" in result.output
    assert rows() == []


def test_the_log_shows_command_line_rows_without_an_email(app, runner, member):
    run(runner, "make-moderator", EMAIL, "--reason", "New moderator.")
    run(runner, "set-role", EMAIL, "candidate")
    other = UserFactory(email="troll-8812@example.org", verified=True)
    run(runner, "suspend", other.email, "--reason", "Trolling.")
    admin = UserFactory(email="boss@example.org", role=Role.admin, verified=True)
    page = client_as(app, admin).get("/moderation/audit", query_string={"actor": "command line"})
    text = visible(page)
    assert "3 actions" in text
    assert "Command line" in text and "Role changed" in text and "Account suspended" in text
    assert "From candidate" in text and "To moderator" in text
    # The role change names the (former) moderator by staff label, the suspension by pseudonym.
    assert audit_log.actor_label(member.id, Role.candidate) in text
    assert pseudonym(other.id) in text
    for secret in (EMAIL, other.email, str(member.id)):
        assert secret not in page.get_data(as_text=True)
