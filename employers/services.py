"""Employer rules: name normalisation, slugs, look-ups and simple search.

Fuzzy (typo-tolerant) matching arrives with the review form; this is the exact-after-normalising
layer it builds on.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from slugify import slugify
from sqlalchemy import func, or_, select
from sqlalchemy.orm import contains_eager

from employers.models import Employer, EmployerAlias, EmployerStats, Industry, SizeBand
from extensions import db

# Legal-form words dropped from the end of a name (DESIGN.md §7), so "ACME, Inc." == "Acme".
LEGAL_SUFFIXES = frozenset(
    (
        "inc incorporated llc llp lp ltd limited gmbh mbh ag kg sa sas sarl srl spa bv nv plc"
        " corp corporation co company oy ab as aps pty pte kk se sl ug"
    ).split()
)

_JOINING = re.compile("[.'\u2019]")
_PUNCTUATION = re.compile(r"[^\w\s]+")
_SPACE = re.compile(r"\s+")


def normalize_name(name: str) -> str:
    """Case-, accent- and punctuation-insensitive form of an employer name, legal suffixes removed.

    >>> normalize_name("ACME, Inc.")
    'acme'
    >>> normalize_name("Zürich Widgets GmbH & Co. KG")
    'zurich widgets'
    """
    decomposed = unicodedata.normalize("NFKD", name)
    ascii_folded = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    # Dots and apostrophes join ("S.A." is "sa", "O'Reilly" is "oreilly"); other marks separate.
    joined = _JOINING.sub("", ascii_folded.casefold())
    words = _PUNCTUATION.sub(" ", joined.replace("&", " ")).split()
    while len(words) > 1 and words[-1] in LEGAL_SUFFIXES:
        words.pop()
    return " ".join(words)


def unique_slug(name: str) -> str:
    base = slugify(name, max_length=200, word_boundary=True) or "employer"
    taken = set(
        db.session.scalars(
            select(Employer.slug).where(or_(Employer.slug == base, Employer.slug.like(f"{base}-%")))
        )
    )
    taken |= set(
        db.session.scalars(
            select(EmployerAlias.slug).where(
                or_(EmployerAlias.slug == base, EmployerAlias.slug.like(f"{base}-%"))
            )
        )
    )
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


def find_by_name(name: str) -> Employer | None:
    """The employer whose name or alias normalises to the same form, if any."""
    normalized = normalize_name(name)
    employer = db.session.scalar(select(Employer).where(Employer.normalized_name == normalized))
    if employer is None:
        employer = db.session.scalar(
            select(Employer)
            .join(EmployerAlias, EmployerAlias.employer_id == Employer.id)
            .where(EmployerAlias.normalized_name == normalized)
        )
    return employer


def create_employer(
    name: str,
    *,
    industry: Industry | None = None,
    size_band: SizeBand | None = None,
    country: str | None = None,
) -> Employer:
    """Add an employer (and its empty statistics row). The caller commits."""
    name = _SPACE.sub(" ", name).strip()
    employer = Employer(
        name=name,
        normalized_name=normalize_name(name),
        slug=unique_slug(name),
        industry=industry,
        size_band=size_band,
        country=country.upper() if country else None,
    )
    employer.stats = EmployerStats()
    db.session.add(employer)
    db.session.flush()
    return employer


def get_by_slug(slug: str) -> tuple[Employer | None, str | None]:
    """(employer, None) for a live slug; (None, new slug) for an old one; else (None, None)."""
    employer = db.session.scalar(select(Employer).where(Employer.slug == slug))
    if employer is not None:
        return employer, None
    moved_to = db.session.scalar(
        select(Employer.slug)
        .join(EmployerAlias, EmployerAlias.employer_id == Employer.id)
        .where(EmployerAlias.slug == slug)
    )
    return None, moved_to


SEARCH_PAGE_SIZE = 20
MAX_PAGE = 10_000  # deeper pages are refused as empty rather than overflowing an OFFSET


def search(query: str, page: int = 1):
    """Employers whose normalised name contains the query's normalised form, busiest first."""
    normalized = normalize_name(query)
    # The stats row comes in the same query (the page shows each employer's count: no N+1).
    statement = select(Employer).outerjoin(EmployerStats).options(contains_eager(Employer.stats))
    if normalized:
        pattern = "%" + normalized.replace("\\", "").replace("%", "").replace("_", " ") + "%"
        statement = statement.where(Employer.normalized_name.like(pattern))
    statement = statement.order_by(
        func.coalesce(EmployerStats.review_count, 0).desc(), Employer.name
    )
    return db.paginate(statement, page=page, per_page=SEARCH_PAGE_SIZE, error_out=False)


@dataclass(frozen=True)
class SiteCounts:
    employers: int
    reviews: int


def site_counts() -> SiteCounts:
    """Site-wide totals for the home page, from the statistics rows (one query)."""
    employers, reviews = db.session.execute(
        select(func.count(Employer.id), func.coalesce(func.sum(EmployerStats.review_count), 0))
        .select_from(Employer)
        .outerjoin(EmployerStats)
    ).one()
    return SiteCounts(employers=employers, reviews=int(reviews))
