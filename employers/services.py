"""Employer rules: name normalisation, slugs, web domains, look-ups and simple search.

Fuzzy (typo-tolerant) matching lives in employers.matching; this is the exact-after-normalising
layer it builds on.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import urlsplit

import idna
from disposable_email_domains import blocklist as DISPOSABLE_DOMAINS
from slugify import slugify
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

import countries
from employers.models import (
    Employer,
    EmployerAlias,
    EmployerDomain,
    EmployerStats,
    Industry,
    SizeBand,
    listed,
)
from extensions import db
from scoring import params
from scoring.engine import Verdict, display
from textnorm import clean, fold, has_control_characters

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

    Invisible characters count as nothing, and a name written wholly in letters that look Latin
    as those Latin letters (textnorm), so "Acme" typed with Cyrillic letters, or with a
    zero-width space, is the same employer; a name with a Cyrillic or Greek letter that has no
    Latin lookalike ("Яндекс") is kept as it is. A real word made only of lookalike letters
    (Cyrillic "Vera") is folded too, to "bepa": it then collides only with a Latin name spelled
    so.
    """
    decomposed = unicodedata.normalize("NFKD", _lookalikes_folded(clean(name)))
    ascii_folded = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    # Dots and apostrophes join ("S.A." is "sa", "O'Reilly" is "oreilly"); other marks separate.
    joined = _JOINING.sub("", ascii_folded.casefold())
    words = _PUNCTUATION.sub(" ", joined.replace("&", " ")).split()
    while len(words) > 1 and words[-1] in LEGAL_SUFFIXES:
        words.pop()
    return " ".join(words)


def _lookalikes_folded(name: str) -> str:
    folded = fold(name)
    return folded if folded.isascii() or not _has_folded_script(folded) else name


def _has_folded_script(text: str) -> bool:
    return any(
        ch.isalpha() and unicodedata.name(ch, "").startswith(("CYRILLIC", "GREEK")) for ch in text
    )


# Paths under /employers/ that are pages, not employers: no employer may get these slugs.
RESERVED_SLUGS = frozenset({"new", "suggest"})


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
    taken |= RESERVED_SLUGS
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


def names_of(employer: Employer) -> tuple[str, ...]:
    """The employer's name and aliases: words the scrubber must not take for a person's name."""
    return (employer.name, *(alias.name for alias in employer.aliases))


def create_employer(
    name: str,
    *,
    industry: Industry | None = None,
    size_band: SizeBand | None = None,
    country: str | None = None,
    domain: str | None = None,
) -> Employer:
    """Add an employer (its empty statistics row, and its web domain if given). The caller commits.

    `domain` must already be in normal form (normalize_domain). No user is recorded as the
    employer's creator: see employers.routes.new.
    """
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
    if domain:
        employer.domains.append(EmployerDomain(domain=domain))
    db.session.add(employer)
    db.session.flush()
    return employer


# --- web domains --------------------------------------------------------------------------------

# Addresses anyone can get: a domain like these says nothing about who works where, so it is never
# an employer's domain (DESIGN.md §7: free-mail domains are refused). Disposable-address domains
# (the disposable-email-domains list) are refused as well.
FREE_MAIL_DOMAINS = frozenset(
    (
        "gmail.com googlemail.com outlook.com hotmail.com hotmail.co.uk hotmail.fr hotmail.de"
        " live.com live.co.uk msn.com yahoo.com yahoo.co.uk yahoo.fr yahoo.de yahoo.co.jp ymail.com"
        " rocketmail.com icloud.com me.com mac.com proton.me protonmail.com protonmail.ch pm.me"
        " aol.com gmx.com gmx.de gmx.net gmx.at web.de t-online.de mail.com email.com zoho.com"
        " zohomail.com fastmail.com fastmail.fm tutanota.com tuta.io hey.com yandex.com yandex.ru"
        " mail.ru inbox.ru bk.ru list.ru qq.com 163.com 126.com sina.com naver.com daum.net"
        " orange.fr free.fr laposte.net libero.it virgilio.it seznam.cz wp.pl o2.pl interia.pl"
        " btinternet.com sky.com virginmedia.com comcast.net verizon.net att.net sbcglobal.net"
        " rediffmail.com"
    ).split()
)
DOMAIN_MAX = 253
_DOMAIN_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


class DomainError(ValueError):
    """A web address that can't be an employer's domain; the message says why, for the page."""


def normalize_domain(value: str) -> str:
    """The host name in a web address, lower-case, ASCII (IDNA), without "www.".

    "https://www.Acme.com/jobs" -> "acme.com"; "bücher.de" -> "xn--bcher-kva.de".
    Raises DomainError for anything that isn't a public host name (IP addresses, single labels).
    """
    text = value.strip()
    if "://" not in text:
        text = "http://" + text.removeprefix("//")
    try:
        host = urlsplit(text).hostname or ""
    except ValueError:
        host = ""
    host = host.rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    invalid = DomainError("Enter the employer's web address, like acme.com.")
    if not host or len(host) > DOMAIN_MAX * 4:
        raise invalid
    try:
        ascii_host = idna.encode(host, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError):
        raise invalid from None
    labels = ascii_host.split(".")
    if (
        len(ascii_host) > DOMAIN_MAX
        or len(labels) < 2
        or not all(_DOMAIN_LABEL.match(label) for label in labels)
        or labels[-1].isdigit()
    ):
        raise invalid
    return ascii_host


def domain_and_parents(domain: str) -> list[str]:
    """'a.b.example.com' → ['a.b.example.com', 'b.example.com', 'example.com'] (never a bare
    suffix)."""
    labels = domain.split(".")
    return [".".join(labels[start:]) for start in range(len(labels) - 1)]


def domain_refusal(domain: str) -> str | None:
    """Why a (normalised) domain can't be an employer's, or None if it can."""
    for candidate in domain_and_parents(domain):
        if candidate in FREE_MAIL_DOMAINS:
            return (
                f"{candidate} is a free email provider, not an employer's website. Leave this "
                "empty if you don't know the employer's own domain."
            )
        if candidate in DISPOSABLE_DOMAINS:
            return (
                f"{candidate} is a disposable email service, not an employer's website. Leave "
                "this empty if you don't know the employer's own domain."
            )
    return None


def employer_for_domain(domain: str) -> Employer | None:
    """The employer a (normalised) domain is registered to, if any."""
    return db.session.scalar(
        select(Employer)
        .join(EmployerDomain, EmployerDomain.employer_id == Employer.id)
        .where(EmployerDomain.domain == domain)
    )


# --- countries ---------------------------------------------------------------------------------


def country_choices() -> tuple[tuple[str, str], ...]:
    """(alpha-2 code, name) for every ISO 3166 country: the one list (countries.py)."""
    return countries.choices()


def country_name(code: str | None) -> str | None:
    """The name of the country with this alpha-2 code, or None."""
    return countries.name(code)


def get_by_slug(slug: str) -> tuple[Employer | None, str | None]:
    """(employer, None) for a live slug; (None, new slug) for an old one; else (None, None)."""
    if has_control_characters(slug):  # no slug has one, and PostgreSQL refuses NUL in a query
        return None, None
    # The statistics row comes in the same query: every page about an employer shows it.
    employer = db.session.scalar(
        select(Employer).options(joinedload(Employer.stats)).where(Employer.slug == slug)
    )
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


@dataclass(frozen=True)
class SiteCounts:
    employers: int
    reviews: int


def site_counts() -> SiteCounts:
    """Site-wide totals for the home page, from the statistics rows (one query)."""
    # Two scalar subqueries rather than a join: each is a scan of one narrow index.
    employers, reviews = db.session.execute(
        select(
            select(func.count()).select_from(Employer).where(listed()).scalar_subquery(),
            select(func.coalesce(func.sum(EmployerStats.review_count), 0)).scalar_subquery(),
        )
    ).one()
    return SiteCounts(employers=employers, reviews=int(reviews))


def headline(stats: EmployerStats | None):
    """The score as the employer page shows it (scoring.engine.display), from the stored row."""
    if stats is None or stats.score is None:
        return Verdict(False, None, None, None, params.NOT_ENOUGH_REVIEWS)
    found = (stats.figures or {}).get("headline") or {}
    return display(
        stats.score,
        stats.score_sd or 0.0,
        stats.scored_reviews,
        stats.scored_authors,
        found.get("low"),
        found.get("high"),
        established=stats.established_authors,
    )
