"""`flask heardback demo-data`: fill the database with fictional employers and reviews."""

from __future__ import annotations

import sys
import time
from datetime import date, datetime

import click
from flask.cli import with_appcontext

from demo.generator import Summary
from demo.loader import bulk_load_settings, existing_employer_count, load_demo_data
from extensions import db
from timeutils import today as current_date

# Generous ceilings that keep a typo (an extra zero or three) from filling the disk.
MAX_EMPLOYERS = 1_000_000
MAX_REVIEWS = 20_000_000


def _parse_today(_ctx, _param, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        day = datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise click.BadParameter("use the form YYYY-MM-DD, e.g. 2026-03-01") from None
    if day > current_date():
        raise click.BadParameter("can't be in the future: reviews never are")
    return day


@click.command("demo-data")
@click.option(
    "--employers",
    type=click.IntRange(1, MAX_EMPLOYERS),
    default=300,
    show_default=True,
    help="Fictional employers to add.",
)
@click.option(
    "--reviews",
    type=click.IntRange(0, MAX_REVIEWS),
    default=4000,
    show_default=True,
    help="Reviews to add, spread over those employers (most get 1-3, a few hundreds).",
)
@click.option("--seed", type=int, default=1, show_default=True, help="Same seed, same data.")
@click.option(
    "--today",
    callback=_parse_today,
    metavar="YYYY-MM-DD",
    help="Date the data is generated as of (default: today, UTC). For reproducible data.",
)
@click.option(
    "--if-empty",
    is_flag=True,
    help="Do nothing if the database already has employers (for `make run DEMO=1`).",
)
@with_appcontext
def demo_data(employers: int, reviews: int, seed: int, today: date | None, if_empty: bool) -> None:
    """Fill the database with clearly fictional employers, demo accounts and reviews.

    Without --if-empty on a database that has employers, the demo data is added alongside them
    under names, slugs and account numbers of its own.
    """
    existing = existing_employer_count()
    if existing and if_empty:
        click.echo(f"The database already has {existing:,} employers; no demo data added.")
        return
    if existing:
        click.echo(
            f"The database already has {existing:,} employers; adding demo data alongside them."
        )
    started = time.perf_counter()
    with bulk_load_settings():
        summary = load_demo_data(
            employers=employers,
            reviews=reviews,
            seed=seed,
            today=today or current_date(),
            progress=_progress_bar,
        )
        db.session.commit()
    # Fresh planner statistics after a bulk load: without them PostgreSQL takes the new tables
    # for empty and picks plans for a few rows (seen: sequential scans where an index serves).
    with db.engine.connect() as connection:
        connection.exec_driver_sql("ANALYZE")
        connection.commit()
    click.echo(_describe(summary, time.perf_counter() - started))
    # The rows hold the counts; the estimates (score, ghosting rate, timings) come from recompute.
    click.echo("Next: `flask heardback recompute` computes the employers' scores.")


def _progress_bar(phase: str, total: int):
    return click.progressbar(
        length=max(total, 1), label=f"{phase:<10}", show_pos=True, file=sys.stderr
    )


def _describe(summary: Summary, seconds: float) -> str:
    share = summary.share
    employers, reviews = summary.employers, summary.reviews
    return (
        f"Added {employers:,} fictional employers, {summary.users:,} demo accounts and"
        f" {reviews:,} reviews in {seconds:.1f} s."
        f" Outcomes: {share(summary.ghosted, reviews):.1%} ghosted,"
        f" {share(summary.waiting, reviews):.1%} still waiting,"
        f" {share(summary.decided, reviews):.1%} decided,"
        f" {share(summary.withdrew, reviews):.1%} withdrew."
        f" {share(summary.with_few_reviews, employers):.1%} of employers have three reviews or"
        f" fewer ({share(summary.without_reviews, employers):.1%} none);"
        f" the busiest has {summary.max_reviews:,} reviews."
    )
