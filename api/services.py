"""The open data as plain values: the API's answers, the CSV export's rows, and their versions.

Only what the public pages show (DESIGN.md §5): reviews through reviews.display.public_view
(months, not dates; coarse stages and details at small employers: reviews.disclosure), scores
through employers.services.headline (none below 3 reviews from 3 accounts), and never an author,
an account, an internal id or a review's exact date. Each answer takes a fixed number of queries,
whatever the numbers of employers and reviews.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterator
from datetime import datetime

from flask import current_app, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, joinedload

from api.params import DEFAULT_PER_PAGE, SearchArgs
from employers import browse
from employers.models import Employer, EmployerStats, listed
from employers.profile import RATES, Profile
from employers.profile import build as build_profile
from employers.services import country_name, headline
from extensions import db
from proofs.services import verified_count_column, verified_counts
from reviews.display import public_view
from reviews.fields import values_of
from reviews.models import Review, ReviewStatus
from scoring import figures as side
from scoring import params
from scoring.engine import Band, Verdict
from scoring.methodology import rules
from scoring.models import SiteParameters
from scoring.stats import DEFAULT_MU, Inputs, current_inputs, public_baselines

CSV_BATCH = 1000  # rows fetched per round trip of the server-side cursor
CSV_FLUSH_BYTES = 64 * 1024  # the export is sent in chunks of about this size
# The side figures the employer page shows as shares (employers.profile.RATES).
RATE_KEYS = tuple(key for key, _, _ in RATES)
CSV_COLUMNS = (
    "name",
    "slug",
    "url",
    "industry",
    "size_band",
    "country",
    "review_count",
    "ghosted_count",
    "decided_count",
    "waiting_count",
    "score",
    "sd",
    "band",
    "verified_reviews",  # published reviews with verified contact (proofs/, DESIGN.md §12)
    # Added after the columns above, so readers that take columns by position keep working.
    # Each is what the employer page shows (employers.profile.build), empty where the page
    # shows none: a share from MIN_COUNT_SHOWN answers on, the median from 10 decisions on.
    "industry_label",
    "size_label",
    "country_name",
    "verified_percent",  # verified_reviews of review_count, percent
    *(f"{key}_{part}" for key in RATE_KEYS for part in ("percent", "count")),
    "median_days_to_decision",
    "decisions_count",
    "turned_down_work_candidates",  # empty below five candidates, as on the page
)
# A spreadsheet runs a cell that starts with one of these as a formula; employer names are typed
# by the public, so such cells are prefixed with an apostrophe (OWASP "CSV injection").
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def link(endpoint: str, **values) -> str:
    """An absolute URL on the public site (SITE_URL), the same whichever host answered."""
    return current_app.config["SITE_URL"].rstrip("/") + url_for(endpoint, **values)


# --- employers ---------------------------------------------------------------------------------


def score(verdict: Verdict) -> dict:
    """The score as the employer page shows it: nothing but the label until it may be shown."""
    return {
        "shown": verdict.shown,
        "score": verdict.score,
        "sd": verdict.sd,
        "band": verdict.band.name if verdict.band else None,
        "label": verdict.label,
    }


def _identity(employer: Employer) -> dict:
    return {
        "name": employer.name,
        "slug": employer.slug,
        "industry": employer.industry.value if employer.industry else None,
        "industry_label": employer.industry.label if employer.industry else None,
        "size_band": employer.size_band.value if employer.size_band else None,
        "country": employer.country,
        "country_name": country_name(employer.country),
        "url": link("employers.employer_page", slug=employer.slug),
        "api_url": link("api.employer", slug=employer.slug),
    }


def employer_summary(employer: Employer) -> dict:
    stats = employer.stats
    return {
        **_identity(employer),
        "review_count": stats.review_count if stats else 0,
        "score": score(headline(stats)),
    }


def counts(stats: EmployerStats | None) -> dict:
    names = ("review_count", "ghosted_count", "decided_count", "waiting_count")
    return {name: (getattr(stats, name) or 0) if stats else 0 for name in names}


def employer_detail(employer: Employer) -> dict:
    """One employer's figures. Σw is given only beside a shown score, to one decimal: with one
    review it is 2^(-age/730) and would give away the exact date of its last contact."""
    stats = employer.stats
    verdict = headline(stats)
    return {
        **_identity(employer),
        "reviews_url": link("api.employer_reviews", slug=employer.slug),
        "badge_url": link("badges.badge_svg", slug=employer.slug),
        "counts": {**counts(stats), "verified_reviews": verified_counts(employer.id)[0]},
        "score": score(verdict),
        "weight_sum": round(stats.weight_sum, 1) if verdict.shown and stats else None,
        "figures": side.public(stats.figures, verdict.shown) if stats else {},
    }


def employer_version(employer: Employer) -> tuple[tuple, datetime | None]:
    """(ETag parts, last modified) for what employer_detail and the badge show: the employer's
    own fields and its statistics row, which changes in the same transaction as its reviews
    (their "Verified contact" marks included: reviews.pending.apply)."""
    stats = employer.stats
    updated = stats.updated_at if stats else None
    parts = (
        employer.id,
        employer.name,
        employer.slug,
        employer.industry,
        employer.size_band,
        employer.country,
        updated,
        current_app.config["SITE_URL"],
    )
    return parts, updated


def search(args: SearchArgs) -> dict:
    """The search page's search (employers.browse): employers whose normalised name contains the
    query's, busiest first; when none does, the same typo-tolerant matches the page offers
    ("did you mean", employers.matching), best first, as the results ("matching": "similar").
    `suggestions` repeats those matches for clients written before they were the results."""
    filters = browse.SearchFilters(
        query=args.query, industry=args.industry, country=args.country, page=args.page
    )
    pagination = browse.search(filters, per_page=args.per_page).pagination
    results, total, matching = list(pagination.items), pagination.total or 0, "contains"
    suggestions = []
    if args.query and total == 0:
        suggestions = [match.employer for match in browse.suggestions(filters)]
        # At most matching.suggest's few: one page, sliced like any other.
        start = (args.page - 1) * args.per_page
        results = suggestions[start : start + args.per_page]
        total, matching = len(suggestions), "similar"
    industry = args.industry.value if args.industry else None
    kept = {"q": args.query, "industry": industry, "country": args.country}
    return {
        "query": args.query,
        "filters": {"industry": industry, "country": args.country},
        "matching": matching,
        "results": [employer_summary(employer) for employer in results],
        "suggestions": [employer_summary(employer) for employer in suggestions],
        "pagination": _pagination(
            "api.employers",
            args.page,
            args.per_page,
            total,
            {name: value for name, value in kept.items() if value},
        ),
    }


def _pagination(endpoint: str, page: int, per_page: int, total: int, values: dict) -> dict:
    pages = -(-total // per_page)
    if per_page != DEFAULT_PER_PAGE:
        values = {**values, "per_page": per_page}

    def page_link(number: int) -> str:
        return link(endpoint, **values, page=number)

    return {
        "page": page,
        "per_page": per_page,
        "total": total,
        "pages": pages,
        "next": page_link(page + 1) if page < pages else None,
        "previous": page_link(min(page - 1, pages)) if page > 1 and pages else None,
    }


# --- reviews -----------------------------------------------------------------------------------


def review_item(review: Review, employer: Employer) -> dict:
    """A published review as its public card shows it (reviews.display.public_view)."""
    card = public_view(values_of(review), employer, review=review)
    return {
        "public_id": review.public_id,
        "url": link("reviews.show", public_id=review.public_id),
        "started": card.started,
        "last_contact": card.last_contact,
        "updated": card.updated,
        "stage": card.stage,
        "coarse": card.coarse,
        "outcome": card.outcome_key,
        "outcome_label": card.outcome,
        # Whole calendar months since the last contact's month (reviews.disclosure.silent_months)
        "silent_months": card.silent_months,
        "role": card.role,
        "details": [{"label": label, "value": value} for label, value in card.details],
        "narrative": card.narrative,
        "advice": card.advice,
        # The author proved the contact with the employer's signed email (proofs/).
        "contact_verified": card.verified_contact,
        # The employer's published response: its text and months, never who wrote it.
        "response": (
            {
                "body": card.response.body,
                "month": card.response.month,
                "edited": card.response.edited,
            }
            if card.response
            else None
        ),
    }


def reviews_page(employer: Employer, page: int, per_page: int = DEFAULT_PER_PAGE) -> dict:
    """The employer's published reviews with their responses, most recently published first (one
    query: the total is the statistics row's count of published reviews)."""
    total = employer.stats.review_count if employer.stats else 0
    reviews = db.session.scalars(
        select(Review)
        .where(Review.employer_id == employer.id, Review.status == ReviewStatus.published)
        .options(joinedload(Review.response))
        .order_by(Review.published_at.desc(), Review.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return {
        "employer": {
            "name": employer.name,
            "slug": employer.slug,
            "url": link("employers.employer_page", slug=employer.slug),
            "api_url": link("api.employer", slug=employer.slug),
        },
        "reviews": [review_item(review, employer) for review in reviews],
        "pagination": _pagination(
            "api.employer_reviews", page, per_page, total, {"slug": employer.slug}
        ),
    }


# --- site-wide ---------------------------------------------------------------------------------


def band_rules() -> list[dict]:
    """Each verdict band and the rule that gives it (scoring.engine.band_of), in percent; an
    estimate whose interval fits none of them has no label."""
    labels = {band.value: band for band in Band}
    return [
        {"band": labels[band.name].name, "label": band.name, "rule": band.rule}
        for band in rules().bands
    ]


def display_rules() -> dict:
    """When a figure is shown and which band it falls in (DESIGN.md §6), from scoring.params."""
    return {
        "min_scored_reviews": int(params.MIN_N_SHOWN),
        "min_distinct_authors": params.MIN_DISTINCT_AUTHORS_SHOWN,
        "bands": band_rules(),
        "band_thresholds": {
            "responsive_interval_low_from": params.RESPONSIVE_FROM,
            "ghosts_interval_high_below": params.GHOSTS_BELOW,
            "often_silent_interval_within": list(params.OFTEN_SILENT_RANGE),
            "mixed_interval_within": list(params.MIXED_RANGE),
        },
        "no_label": params.NO_LABEL,
    }


def parameters_version() -> datetime | None:
    """When the site-wide parameters row last changed (None before the first recompute)."""
    return db.session.scalar(select(SiteParameters.updated_at).where(SiteParameters.id == 1))


def baselines() -> dict:
    """The site-wide parameters in force (two queries). Before the first `tick` or `recompute`
    there is no parameters row: the engine's defaults are what a score would use."""
    row = db.session.get(SiteParameters, 1)
    employers = db.session.scalar(select(func.count(Employer.id)).where(listed())) or 0
    return {
        "mu": round(100 * (row.mu if row else DEFAULT_MU), 1),
        "m": round(row.m if row else params.M_FLOOR, 2),
        "half_life_days": params.HALF_LIFE_DAYS,
        "review_count": row.review_count if row else 0,
        "employer_count": employers,
        # The day the site's figures were computed: the daily recompute writes it for every
        # employer at once, so it dates the computation, not any review.
        "computed_on": row.computed_on.isoformat() if row else None,
        # Cells from fewer than five reviewers are dropped where they are computed (§5.3).
        "baselines": public_baselines(row.baselines) if row else None,
        "rules": display_rules(),
    }


# --- the CSV export ----------------------------------------------------------------------------


def export_version() -> tuple[tuple, datetime | None]:
    """(ETag parts, last modified) for the export (one query): every statistics row is
    rewritten by the daily recompute and whenever one of its reviews changes."""
    employers, updated = db.session.execute(
        select(func.count(Employer.id), func.max(EmployerStats.updated_at))
        .select_from(Employer)
        .outerjoin(EmployerStats)
        .where(listed())
    ).one()
    return (employers, updated, current_app.config["SITE_URL"]), updated


def csv_cell(value) -> str | int:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def csv_row(employer: Employer, stats: EmployerStats | None, verified: int, inputs: Inputs) -> list:
    verdict = headline(stats)
    figures = counts(stats)
    # The employer page's own figures, with its rules for what is withheld (§5.3, §6).
    profile: Profile = build_profile(employer, verdict, inputs)
    rates = {rate.key: rate for rate in profile.rates}
    days = profile.days
    reviews = figures["review_count"]
    values = [
        employer.name,
        employer.slug,
        link("employers.employer_page", slug=employer.slug),
        employer.industry.value if employer.industry else None,
        employer.size_band.value if employer.size_band else None,
        employer.country,
        reviews,
        figures["ghosted_count"],
        figures["decided_count"],
        figures["waiting_count"],
        verdict.score,
        verdict.sd,
        verdict.band.name if verdict.band else None,
        verified,
        employer.industry.label if employer.industry else None,
        employer.size_band.label if employer.size_band else None,
        country_name(employer.country),
        _percent(verified, reviews),
    ]
    for key in RATE_KEYS:
        rate = rates.get(key)
        values += [rate.percent if rate else None, rate.count if rate else 0]
    values += [days.median if days else None, days.decisions if days else 0]
    values.append(profile.turned_down_work)
    return [csv_cell(value) for value in values]


def _percent(part: int, whole: int) -> int | None:
    """Half up, like the page's figures (employers.profile)."""
    return math.floor(100 * part / whole + 0.5) if whole else None


def csv_lines() -> Iterator[str]:
    """The export, one row per employer, in chunks (one query, read through a server-side
    cursor in batches, so memory stays flat however many employers there are)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    inputs = current_inputs()  # the industry figures the page sets beside the employer's
    rows = db.session.execute(
        select(Employer, EmployerStats, verified_count_column(Employer.id))
        .outerjoin(EmployerStats, EmployerStats.employer_id == Employer.id)
        # The page's figures are built from employer.stats: loaded here, not once per row.
        .options(contains_eager(Employer.stats))
        .where(listed())
        .order_by(Employer.id)
        .execution_options(yield_per=CSV_BATCH)
    )
    for employer, stats, verified in rows:
        writer.writerow(csv_row(employer, stats, verified, inputs))
        if buffer.tell() >= CSV_FLUSH_BYTES:
            yield _drain(buffer)
    yield _drain(buffer)


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text
