"""`flask heardback ...`: the project's command-line tasks."""

from __future__ import annotations

import click
from flask.cli import AppGroup

heardback_cli = AppGroup("heardback", help="HeardBack tasks: demo data, maintenance.")


def register_commands() -> None:
    from demo.commands import demo_data

    heardback_cli.add_command(demo_data)


@heardback_cli.command("purge-sessions")
def purge_sessions() -> None:
    """Delete expired sign-in sessions."""
    from accounts.services import purge_expired_sessions
    from extensions import db

    removed = purge_expired_sessions()
    db.session.commit()
    click.echo(f"Removed {removed} expired sessions.")


register_commands()
