"""Placeholder, replaced by the demo-data generator."""

import click


@click.command("demo-data")
def demo_data() -> None:
    """Fill the database with fictional employers and reviews."""
    raise click.ClickException("not written yet")
