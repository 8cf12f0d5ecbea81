"""`flask heardback ...`: the project's command-line tasks."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from accounts.models import Role, User
from accounts.services import find_user, normalize_email, purge_expired_sessions
from demo.commands import demo_data
from employers.models import Employer
from extensions import db
from moderation import audit
from moderation.models import AuditAction
from moderation.suspensions import REASONS as SUSPENSION_REASONS
from moderation.suspensions import SuspensionError, lift_suspension, suspend_user
from notifications.mail import deliver_due
from operations.backup import BackupError, backup, restore, revision_status
from operations.tick import tick as run_tick
from scoring.stats import recompute, recompute_steps

heardback_cli = AppGroup("heardback", help="HeardBack tasks: demo data, maintenance.")


def register_commands() -> None:
    heardback_cli.add_command(demo_data)


@heardback_cli.command("recompute")
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=os.cpu_count() or 1,
    show_default="the number of CPUs",
    help="Processes that read and compute at once (each reads what is committed).",
)
def recompute_command(workers: int) -> None:
    """Rebuild the site-wide score inputs and every employer's statistics row from scratch."""
    total = db.session.scalar(select(func.count(Employer.id))) or 0
    # Two reads of every employer's reviews: the site's parameters, then each employer's row.
    with click.progressbar(length=recompute_steps(), label="employers", file=sys.stderr) as bar:
        scored = recompute(progress=bar.update, workers=workers)
    db.session.commit()
    click.echo(f"Rebuilt the statistics of {total} employers ({scored} with published reviews).")


@heardback_cli.command("purge-sessions")
def purge_sessions() -> None:
    """Delete expired sign-in sessions."""
    removed = purge_expired_sessions()
    db.session.commit()
    click.echo(f"Removed {removed} expired sessions.")


@heardback_cli.command("tick")
def tick() -> None:
    """Publish due reviews, mark presumed-ghosted cases, send reminders. Safe to re-run.

    Meant for cron (DESIGN.md §10): a late run catches up, a second run does nothing more.
    """
    # tick() commits as it goes: each reminder's claim is committed before its email is sent.
    report = run_tick()
    for line in report.lines():
        click.echo(line)
    if report.failed_reminders or report.failed_new_review_emails:
        raise click.ClickException("Some emails could not be sent; the next run retries them.")


@heardback_cli.command("send-mail")
@click.option("--loop", is_flag=True, help="Keep running: deliver, sleep, deliver again.")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between rounds.")
def send_mail(loop: bool, interval: float) -> None:
    """Send the queued emails that are due (a worker with --loop; or let tick do it)."""
    while True:
        sent, failed = deliver_due()
        db.session.remove()
        if sent or failed or not loop:
            click.echo(f"Emails sent: {sent}; not sent (retried later): {failed}")
        if not loop:
            return
        time.sleep(interval)


def _account(email: str) -> tuple[str, User]:
    """The account an address names (in its normal form), or a clear refusal."""
    try:
        address = normalize_email(email.strip())
    except ValueError:
        address = email.strip().lower()
    user = find_user(address)
    if user is None:
        raise click.ClickException(f"No account uses {address}. The person must sign up first.")
    return address, user


def _set_role(email: str, role_name: str, reason: str | None = None) -> None:
    """Set an account's role; the change is a `grant_role` audit row whose actor is the command
    line (actor None), committed with it."""
    address, user = _account(email)
    role = Role[role_name]
    if user.role is role:
        click.echo(f"{address} is already {role.value}.")
        return
    previous = user.role
    user.role = role
    audit.record(
        None,
        AuditAction.grant_role,
        "user",
        user.id,
        (reason or "").strip() or None,
        {"from": previous.value, "to": role.value},
    )
    db.session.commit()
    click.echo(f"{address} is now {role.value} (was {previous.value}).")


REASON_OPTION = click.option(
    "--reason", default="", help="Why, for the audit log (seen by moderators and admins)."
)


@heardback_cli.command("make-moderator")
@click.argument("email")
@REASON_OPTION
def make_moderator(email: str, reason: str) -> None:
    """Let an account moderate: review claims, flags and held reviews."""
    _set_role(email, "moderator", reason)


@heardback_cli.command("make-admin")
@click.argument("email")
@REASON_OPTION
def make_admin(email: str, reason: str) -> None:
    """Make an account an admin: a moderator who can also revoke representatives."""
    _set_role(email, "admin", reason)


@heardback_cli.command("set-role")
@click.argument("email")
@click.argument("role", type=click.Choice([role.value for role in Role]))
@REASON_OPTION
def set_role(email: str, role: str, reason: str) -> None:
    """Set an account's role (candidate, moderator or admin), e.g. to end a moderator's access."""
    _set_role(email, role, reason)


@heardback_cli.command("suspend")
@click.argument("email")
@click.option("--reason", required=True, help="Why, for the audit log (not sent to the account).")
@click.option(
    "--category",
    type=click.Choice(list(SUSPENSION_REASONS)),
    default="guidelines",
    show_default=True,
    help="The reason the account is told (a fixed text).",
)
def suspend_command(email: str, reason: str, category: str) -> None:
    """Suspend an account: signed out everywhere, can't sign in; it is emailed a notice."""
    address, user = _account(email)
    if not reason.strip():
        raise click.ClickException("Give a reason with --reason: it goes in the audit log.")
    try:
        suspend_user(user, None, reason, category=category)
    except SuspensionError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"{address} is suspended and signed out everywhere.")


@heardback_cli.command("unsuspend")
@click.argument("email")
@click.option("--reason", required=True, help="Why, for the audit log.")
def unsuspend_command(email: str, reason: str) -> None:
    """Lift an account's suspension: it may sign in again and is emailed so."""
    address, user = _account(email)
    try:
        lift_suspension(user, None, reason)
    except SuspensionError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"{address} may sign in again.")


@contextmanager
def _progress_bar(label: str) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on stderr, drawn from the first report on (when the total is known)."""
    bars: list = []

    def report(done: int, total: int) -> None:
        if not bars:
            bars.append(click.progressbar(length=max(total, 1), label=label, file=sys.stderr))
        bars[0].update(done - bars[0].pos)

    try:
        yield report
    finally:
        if bars:
            bars[0].render_finish()


@heardback_cli.command("backup")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write (default: instance/backups/heardback-<UTC time>.sqlite3 or .dump).",
)
def backup_command(output: Path | None) -> None:
    """Back up the database while the site runs: SQLite's online backup API, or pg_dump -Fc.

    The file is created owner-only (it holds every account's email and password hash).
    """
    with _progress_bar("Copying") as progress:
        try:
            made = backup(output, progress)
        except BackupError as error:
            raise click.ClickException(str(error)) from None
    click.echo(f"Backup written to {made.path} ({made.size:,} bytes; {made.method}).")


@heardback_cli.command("restore")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that already holds data.")
def restore_command(path: Path, force: bool) -> None:
    """Restore a file made by `backup` into the configured database (stop the app first)."""
    with _progress_bar("Restoring") as progress:
        try:
            restore(path, force=force, progress=progress)
        except BackupError as error:
            raise click.ClickException(str(error)) from None
    click.echo(f"Restored {path}.")
    for line in revision_status().lines():
        click.echo(line)


register_commands()
