"""`flask heardback ...`: the project's command-line tasks."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

heardback_cli = AppGroup("heardback", help="HeardBack tasks: demo data, maintenance.")


def register_commands() -> None:
    from demo.commands import demo_data

    heardback_cli.add_command(demo_data)


@heardback_cli.command("recompute")
def recompute_command() -> None:
    """Rebuild the site-wide score inputs and every employer's statistics row from scratch."""
    from sqlalchemy import func, select

    from employers.models import Employer
    from extensions import db
    from scoring.stats import recompute

    total = db.session.scalar(select(func.count(Employer.id))) or 0
    with click.progressbar(length=total, label="employers", file=sys.stderr) as bar:
        scored = recompute(progress=bar.update)
    db.session.commit()
    click.echo(f"Rebuilt the statistics of {total} employers ({scored} with published reviews).")


@heardback_cli.command("purge-sessions")
def purge_sessions() -> None:
    """Delete expired sign-in sessions."""
    from accounts.services import purge_expired_sessions
    from extensions import db

    removed = purge_expired_sessions()
    db.session.commit()
    click.echo(f"Removed {removed} expired sessions.")


@heardback_cli.command("tick")
def tick() -> None:
    """Publish due reviews, mark presumed-ghosted cases, send reminders. Safe to re-run.

    Meant for cron (DESIGN.md §10): a late run catches up, a second run does nothing more.
    """
    from reviews.lifecycle import tick as run_tick

    # tick() commits as it goes: each reminder's claim is committed before its email is sent.
    report = run_tick()
    for line in report.lines():
        click.echo(line)
    if report.failed_reminders:
        raise click.ClickException("Some reminders could not be sent; the next run retries them.")


register_commands()
