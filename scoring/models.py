"""The site-wide inputs of the score (DESIGN.md §6), kept in one row.

μ, M, the pooled within-employer variance, and the Kaplan-Meier curve F change only
with time and with the whole body of reviews, so the daily `tick` (and `recompute`) refresh them;
a change to one review updates only its employer's statistics row, using these as they stand.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from extensions import db
from timeutils import utcnow


class SiteParameters(db.Model):
    __tablename__ = "site_parameters"
    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        CheckConstraint("mu >= 0 AND mu <= 1", name="mu_range"),
        CheckConstraint("m > 0", name="m_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, default=1)
    mu: Mapped[float] = mapped_column(Float)
    m: Mapped[float] = mapped_column(Float)
    within_variance: Mapped[float] = mapped_column(Float)
    # The Kaplan-Meier curve as its event days and F at each (scoring.engine.KMCurve).
    km_times: Mapped[list] = mapped_column(JSON)
    km_cumulative: Mapped[list] = mapped_column(JSON)
    km_observations: Mapped[int] = mapped_column(Integer)
    km_events: Mapped[int] = mapped_column(Integer)
    review_count: Mapped[int] = mapped_column(Integer)
    # Site-wide and per-industry baselines of the side figures (scoring.figures.baselines): the
    # μ and M each side figure shrinks toward, and the industry figures shown beside an employer's.
    baselines: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))
    computed_on: Mapped[date] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class EmployerSketch(db.Model):
    """The running sums an employer's statistics row is read from (scoring.sketch), kept for one
    day and one set of site parameters (`stamp`): a change to a review folds into them instead of
    reading every review again (scoring.stats.refresh_employer). Counts and sums only: no review,
    author or date of a change is in it."""

    __tablename__ = "employer_sketches"

    employer_id: Mapped[int] = mapped_column(
        ForeignKey("employers.id", ondelete="CASCADE"), primary_key=True
    )
    stamp: Mapped[str] = mapped_column(String(120))
    data: Mapped[str] = mapped_column(Text)
