"""Cached employer pages stay fresh: their HTTP validators derive from the statistics row's
updated_at (employers.routes, caching.validate), so every change shown on an employer's pages
either recomputes its figures (scoring.stats.refresh_employer, which moves updated_at) or, when
the figures don't change (a response, a commitment), calls `touch_pages`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update

from employers.models import EmployerStats
from extensions import db
from timeutils import utcnow


def touch_pages(employer_id: int, now: datetime | None = None) -> None:
    """Move the employer's statistics row's updated_at, so its pages aren't answered with a 304 or
    a stored copy from before the change."""
    db.session.execute(
        update(EmployerStats)
        .where(EmployerStats.employer_id == employer_id)
        .values(updated_at=now or utcnow())
        .execution_options(synchronize_session=False)
    )
