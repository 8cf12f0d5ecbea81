"""`flask heardback ...`: the project's command-line tasks."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from accounts.models import Role
from accounts.services import find_user, normalize_email, purge_expired_sessions
from demo.commands import demo_data
from employers.models import Employer
from extensions import db
from notifications.mail import deliver_due
from operations.backup import BackupError, backup, restore, revision_status
from operations.tick import tick as run_tick
from scoring.stats import recompute

heardback_cli = AppGroup("heardback", help="HeardBack tasks: demo data, maintenance.")


def register_commands() -> None:
    heardback_cli.add_command(demo_data)


@heardback_cli.command("recompute")
def recompute_command() -> None:
    """Rebuild the site-wide score inputs and every employer's statistics row from scratch."""
    total = db.session.scalar(select(func.count(Employer.id))) or 0
    with click.progressbar(length=total, label="employers", file=sys.stderr) as bar:
        scored = recompute(progress=bar.update)
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


def _set_role(email: str, role_name: str) -> None:
    try:
        address = normalize_email(email.strip())
    except ValueError:
        address = email.strip().lower()
    user = find_user(address)
    if user is None:
        raise click.ClickException(f"No account uses {address}. The person must sign up first.")
    role = Role[role_name]
    if user.role is role:
        click.echo(f"{address} is already {role.value}.")
        return
    previous = user.role
    user.role = role
    db.session.commit()
    click.echo(f"{address} is now {role.value} (was {previous.value}).")


@heardback_cli.command("make-moderator")
@click.argument("email")
def make_moderator(email: str) -> None:
    """Let an account moderate: review claims, flags and held reviews."""
    _set_role(email, "moderator")


@heardback_cli.command("make-admin")
@click.argument("email")
def make_admin(email: str) -> None:
    """Make an account an admin: a moderator who can also revoke representatives."""
    _set_role(email, "admin")


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
