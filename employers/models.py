"""Employers, their other names and web domains, and their statistics row."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    DDL,
    JSON,
    CheckConstraint,
    Computed,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    event,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from enum_columns import enum_column, enum_values
from extensions import db, expression_index
from scoring import params
from timeutils import utcnow


class Industry(enum.Enum):
    software = "software"
    finance = "finance"
    healthcare = "healthcare"
    education = "education"
    retail = "retail"
    manufacturing = "manufacturing"
    media = "media"
    consulting = "consulting"
    government = "government"
    nonprofit = "nonprofit"
    hospitality = "hospitality"
    logistics = "logistics"
    energy = "energy"
    telecom = "telecom"
    other = "other"

    @property
    def label(self) -> str:
        return INDUSTRY_LABELS[self]


INDUSTRY_LABELS = {
    Industry.software: "Software & internet",
    Industry.finance: "Finance & insurance",
    Industry.healthcare: "Healthcare",
    Industry.education: "Education",
    Industry.retail: "Retail & consumer goods",
    Industry.manufacturing: "Manufacturing",
    Industry.media: "Media & entertainment",
    Industry.consulting: "Consulting & professional services",
    Industry.government: "Government & public sector",
    Industry.nonprofit: "Non-profit",
    Industry.hospitality: "Hospitality & travel",
    Industry.logistics: "Transport & logistics",
    Industry.energy: "Energy & utilities",
    Industry.telecom: "Telecommunications",
    Industry.other: "Other",
}


class SizeBand(enum.Enum):
    micro = "1-10"
    small = "11-50"
    medium = "51-200"
    large = "201-1000"
    xlarge = "1001-5000"
    enterprise = "5001+"

    @property
    def label(self) -> str:
        return f"{self.value} employees"


def _trigram_index(table: str) -> Index:
    """PostgreSQL only: a trigram index on normalized_name, which serves the name search's and
    the suggestions' LIKE '%...%' conditions (employers.browse, employers.matching) from the index
    instead of a scan of every name. SQLite has no such index and scans (a few ms per 50,000)."""
    return Index(
        f"ix_{table}_normalized_name_trgm",
        "normalized_name",
        postgresql_using="gin",
        postgresql_ops={"normalized_name": "gin_trgm_ops"},
    ).ddl_if(dialect="postgresql")


# pg_trgm must exist before those indexes; migrations create it too (a trusted extension: the
# database's owner may create it, no superuser needed).
event.listen(
    db.metadata,
    "before_create",
    DDL("CREATE EXTENSION IF NOT EXISTS pg_trgm").execute_if(dialect="postgresql"),
)


class Employer(db.Model):
    __tablename__ = "employers"
    __table_args__ = (
        CheckConstraint(f"industry IN ({enum_values(Industry)})", name="industry"),
        CheckConstraint(f"size_band IN ({enum_values(SizeBand)})", name="size_band"),
        CheckConstraint("country IS NULL OR length(country) = 2", name="country_code"),
        CheckConstraint("length(normalized_name) > 0", name="normalized_name_not_empty"),
        _trigram_index("employers"),
        # The search's filters (employers.browse.search, the API's list): the listed employers
        # of an industry or a country found and counted from an index, not a scan of them all
        # (the count of one industry at 50,000 employers: 8.5 ms -> 0.5 ms on SQLite).
        *(
            Index(
                f"ix_employers_listed_{column}",
                column,
                sqlite_where=text("listed_at IS NOT NULL"),
                postgresql_where=text("listed_at IS NOT NULL"),
            )
            for column in ("industry", "country")
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # Case, punctuation and legal suffixes removed (employers.services.normalize_name); unique so
    # "ACME, Inc." and "Acme" can't both exist.
    normalized_name: Mapped[str] = mapped_column(String(200), unique=True)
    slug: Mapped[str] = mapped_column(String(220), unique=True)
    industry: Mapped[Industry | None] = enum_column(Industry)
    size_band: Mapped[SizeBand | None] = enum_column(SizeBand)
    country: Mapped[str | None] = mapped_column(String(2))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # DESIGN.md §5.8: an employer a user adds is public only from the publication of its first
    # review (its creator would otherwise be its likeliest first reviewer); NULL until then.
    # Public queries filter on listed().
    listed_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)

    aliases: Mapped[list[EmployerAlias]] = relationship(
        back_populates="employer", cascade="all, delete-orphan", passive_deletes=True
    )
    domains: Mapped[list[EmployerDomain]] = relationship(
        back_populates="employer", cascade="all, delete-orphan", passive_deletes=True
    )
    stats: Mapped[EmployerStats | None] = relationship(
        back_populates="employer", cascade="all, delete-orphan", passive_deletes=True
    )

    def __repr__(self) -> str:
        return f"<Employer {self.slug}>"


def listed():
    """SQL: the employer is public (search, browse, API, CSV, rankings, sitemap, its page)."""
    return Employer.listed_at.is_not(None)


class EmployerAlias(db.Model):
    """Another name an employer is known by; after a merge, also the old slug (301 redirect)."""

    __tablename__ = "employer_aliases"
    __table_args__ = (_trigram_index("employer_aliases"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(
        ForeignKey("employers.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    normalized_name: Mapped[str] = mapped_column(String(200), unique=True)
    slug: Mapped[str | None] = mapped_column(String(220), unique=True)

    employer: Mapped[Employer] = relationship(back_populates="aliases")


class EmployerDomain(db.Model):
    """A web domain the employer's staff have email addresses on (used to verify claims)."""

    __tablename__ = "employer_domains"
    __table_args__ = (CheckConstraint("domain = lower(domain)", name="domain_lowercase"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(
        ForeignKey("employers.id", ondelete="CASCADE"), index=True
    )
    domain: Mapped[str] = mapped_column(String(253), unique=True)

    employer: Mapped[Employer] = relationship(back_populates="domains")


# The generated columns below apply scoring.params' display and list rules (DESIGN.md §5.3, §6) in
# the database. Their SQL reads the thresholds from there (the review count as a whole number, so
# the SQL reads as it always has); a migration must follow any change, and
# tests/functional/test_migrations.py fails until one does.
_SHOWN = (
    f"score IS NOT NULL AND scored_reviews >= {int(params.MIN_N_SHOWN)}"
    f" AND scored_authors >= {params.MIN_DISTINCT_AUTHORS_SHOWN}"
)


def _sort_indexes(column: str, descending: bool = True) -> tuple[Index, Index]:
    """(column, review_count DESC, employer_id) for a browsing sort, or (column, weight_sum DESC,
    employer_id) for a list, in SQLite's and PostgreSQL's forms. SQLite sorts NULL lowest, so
    DESC puts them last; PostgreSQL needs NULLS LAST, which SQLite's CREATE INDEX refuses."""
    name = f"ix_employer_stats_{column}_sort"
    tie = "weight_sum DESC" if column.endswith("_key") else "review_count DESC"
    order = " DESC" if descending else ""
    nulls = " NULLS LAST" if descending else ""
    return (
        expression_index(name, text(f"{column}{order}"), text(tie), "employer_id").ddl_if(
            dialect="sqlite"
        ),
        expression_index(name, text(f"{column}{order}{nulls}"), text(tie), "employer_id").ddl_if(
            dialect="postgresql"
        ),
    )


class EmployerStats(db.Model):
    """The per-employer statistics row (DESIGN.md §6, "Storage").

    Updated in the same transaction as any change to one of the employer's reviews and rebuilt
    from scratch by `flask heardback recompute`. Counts are of published reviews.
    """

    __tablename__ = "employer_stats"
    __table_args__ = (
        CheckConstraint(
            "review_count >= 0 AND author_count >= 0 AND ghosted_count >= 0"
            " AND waiting_count >= 0 AND decided_count >= 0 AND weight_sum >= 0",
            name="counts_non_negative",
        ),
        CheckConstraint("author_count <= review_count", name="authors_within_reviews"),
        CheckConstraint(
            "ghosted_count + waiting_count + decided_count <= review_count",
            name="outcomes_within_reviews",
        ),
        CheckConstraint("score IS NULL OR (score >= 0 AND score <= 100)", name="score_range"),
        CheckConstraint(
            "scored_reviews >= 0 AND scored_authors >= 0 AND spread_days >= 0",
            name="scored_counts_non_negative",
        ),
        CheckConstraint("scored_authors <= scored_reviews", name="scored_authors_within_reviews"),
        # The rankings (DESIGN.md §6 lists) and the default browsing sort.
        Index("ix_employer_stats_score", "score"),
        Index("ix_employer_stats_review_count", "review_count", "employer_id"),
        # The "score" and "recent" sorts of employers.browse.search, each read in index order to
        # its first page: highest shown score (or newest review) first, employers with none last.
        # SQLite sorts NULL lowest, so plain DESC puts them last; PostgreSQL needs NULLS LAST,
        # which SQLite's CREATE INDEX doesn't accept: one index per dialect.
        *_sort_indexes("shown_score"),
        *_sort_indexes("latest_published_at"),
        # The lists (employers.browse.most_responsive, least_responsive), read in index order.
        *_sort_indexes("most_key"),
        *_sort_indexes("least_key", descending=False),
        # caching.site_version: max(updated_at), the validator of the pages about many employers.
        Index("ix_employer_stats_updated_at", "updated_at"),
    )

    employer_id: Mapped[int] = mapped_column(
        ForeignKey("employers.id", ondelete="CASCADE"), primary_key=True
    )
    review_count: Mapped[int] = mapped_column(Integer, default=0)
    author_count: Mapped[int] = mapped_column(Integer, default=0)
    ghosted_count: Mapped[int] = mapped_column(Integer, default=0)
    waiting_count: Mapped[int] = mapped_column(Integer, default=0)
    decided_count: Mapped[int] = mapped_column(Integer, default=0)
    weight_sum: Mapped[float] = mapped_column(Float, default=0.0)
    score: Mapped[float | None] = mapped_column(Float)
    score_sd: Mapped[float | None] = mapped_column(Float)
    # What the display thresholds and the lists' eligibility rules read (DESIGN.md §6, "Shown
    # when"): reviews and distinct accounts that count (weight > 0), and the days between the
    # earliest and latest last contact among them. Columns, so lists can filter in SQL.
    scored_reviews: Mapped[int] = mapped_column(Integer, default=0)
    scored_authors: Mapped[int] = mapped_column(Integer, default=0)
    spread_days: Mapped[int] = mapped_column(Integer, default=0)
    # Distinct accounts among them that were not new when they wrote, or proved the contact
    # (scoring.engine.established_authors): the lists need breadth of independent, trusted
    # reviewers (DESIGN.md §6, §12).
    established_authors: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # For "most recent" sorting only; never shown (public dates are months, §5.2).
    latest_published_at: Mapped[datetime | None] = mapped_column(DateTime)
    # The score where the site shows it (scoring.engine.shown_when: 3 counted reviews from 3
    # accounts, 2 of them established or with verified contact), else NULL: what the "score"
    # sort orders by, so an unshown score can't leak through the order. Kept by the database.
    shown_score: Mapped[float | None] = mapped_column(
        Float,
        Computed(
            f"CASE WHEN {_SHOWN}"
            f" AND established_authors >= {params.MIN_ESTABLISHED_AUTHORS_SHOWN} THEN score END"
        ),
    )
    # The lists' sort keys where an employer is eligible (DESIGN.md §6), else NULL: the score for
    # "most responsive" (n ≥ 5 over ≥ 30 days), S + SD for "least responsive" (n ≥ 10).
    most_key: Mapped[float | None] = mapped_column(
        Float,
        Computed(
            f"CASE WHEN {_SHOWN} AND weight_sum >= {params.MIN_N_MOST_RESPONSIVE}"
            f" AND spread_days >= {params.MIN_SPREAD_DAYS_MOST_RESPONSIVE} THEN score END"
        ),
    )
    least_key: Mapped[float | None] = mapped_column(
        Float,
        Computed(
            f"CASE WHEN {_SHOWN} AND weight_sum >= {params.MIN_N_LEAST_RESPONSIVE}"
            " THEN score + coalesce(score_sd, 0) END"
        ),
    )
    # Side figures (hear-back by stage, days to decision, ...), shaped by the scoring engine.
    figures: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    employer: Mapped[Employer] = relationship(back_populates="stats")
