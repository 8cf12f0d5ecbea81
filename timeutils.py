"""Time helpers. Stored times are naive UTC; public pages show months only (DESIGN.md §5.2)."""

from __future__ import annotations

from datetime import UTC, date, datetime


def utcnow() -> datetime:
    """Now, as naive UTC (what every DateTime column stores)."""
    return datetime.now(UTC).replace(tzinfo=None)


def today() -> date:
    return utcnow().date()


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_label(day: date | datetime | None) -> str:
    """'March 2026': the only precision at which a date is shown to the public."""
    return day.strftime("%B %Y") if day else ""
