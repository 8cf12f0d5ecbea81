"""Browsing the public site: employer search with filters and sorts, an employer's reviews, and
the most and least responsive lists (DESIGN.md §6 "Shown when", §9).

Plain functions. Each list is one SQL query (two with pagination's count), the statistics row
joined in, so a page's query count doesn't grow with the number of employers or reviews.
Filter values come from the query string and are checked here: an unknown value is dropped and a
note says so, for the page to show (never a 500, never the hostile value echoed back).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import contains_eager, joinedload

from employers import matching, services
from employers.models import Employer, EmployerStats, Industry, SizeBand, listed
from extensions import db
from reviews.disclosure import is_coarse
from reviews.display import EARLY_STAGES
from reviews.labels import OUTCOMES, STAGES
from reviews.models import Feedback, Outcome, Review, ReviewStatus, Stage
from scoring import params
from scoring.engine import Verdict
from scoring.models import SiteParameters
from scoring.stats import DEFAULT_MU
from textnorm import clean_query
from timeutils import month_label, today

PAGE_SIZE = services.SEARCH_PAGE_SIZE
MAX_PAGE = services.MAX_PAGE
REVIEWS_PAGE_SIZE = 20
RANKING_SIZE = 20
HOME_LIST_SIZE = 5  # the home page's rankings and recent reports
# Longer query-string values are refused unread (a filter value is a short code).
MAX_VALUE_LENGTH = 40

SORTS = {
    "reviews": "Most reports",
    "score": "Most likely to hear back",
    "recent": "Most recent reports",
}
DEFAULT_SORT = "reviews"
SORT_VALUES = {key: key for key in SORTS}

# At an employer with fewer than SMALL_EMPLOYER_REVIEWS published reviews (reviews.disclosure),
# cards show only these coarse stages (reviews.display), so the stage filter offers only them
# there (DESIGN.md §5.3).
COARSE_STAGES = {
    "early": ("Early stage (application or screening)", EARLY_STAGES),
    "interviewed": ("Interviewed", frozenset(Stage) - EARLY_STAGES),
}
PERIODS = {"12m": "Last 12 months", "older": "Older than 12 months"}
PERIOD_VALUES = {key: key for key in PERIODS}
PERIOD_MONTHS = 12
OUTCOME_VALUES = {outcome.value: outcome for outcome in Outcome}
# "Only verified contact" (proofs/, DESIGN.md §12): the checkbox sends verified=1; any other
# value is off, with the usual note.
VERIFIED_VALUES = {"1": True}


# --- query-string values -----------------------------------------------------------------------


# Stands for a value too long to be any choice: it matches none, so it gets the usual note.
_TOO_LONG = "\x00"


def _raw(args: Mapping[str, str], name: str) -> str:
    value = args.get(name) or ""
    return value.strip() if len(value) <= MAX_VALUE_LENGTH else _TOO_LONG


def _choice(raw: str, allowed: Mapping, notes: list[str], what: str):
    """The allowed value `raw` names, or None (with a note when it names none)."""
    if not raw:
        return None
    if raw in allowed:
        return allowed[raw]
    notes.append(f"We didn't recognise the {what} in the address, so we ignored it.")
    return None


def _page(args, notes: list[str]) -> int:
    raw = _raw(args, "page")
    if not raw:
        return 1
    if raw.isascii() and raw.isdigit() and 1 <= int(raw) <= MAX_PAGE:
        return int(raw)
    notes.append("That page number isn't one we have, so here is the first page.")
    return 1


INDUSTRY_VALUES = {industry.value: industry for industry in Industry}
SIZE_VALUES = {size.name: size for size in SizeBand}


def industry_filter(args: Mapping[str, str], notes: list[str]) -> Industry | None:
    return _choice(_raw(args, "industry"), INDUSTRY_VALUES, notes, "industry")


# --- employer search ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchFilters:
    query: str = ""
    industry: Industry | None = None
    country: str | None = None
    size: SizeBand | None = None
    sort: str = DEFAULT_SORT
    page: int = 1

    @property
    def args(self) -> dict[str, str]:
        """The filters as query-string values (all but the page), for links that keep them."""
        values = {
            "q": self.query,
            "industry": self.industry.value if self.industry else "",
            "country": self.country or "",
            "size": self.size.name if self.size else "",
            "sort": self.sort if self.sort != DEFAULT_SORT else "",
        }
        return {name: value for name, value in values.items() if value}

    @property
    def narrowed(self) -> bool:
        return bool(self.industry or self.country or self.size)


def search_filters(args: Mapping[str, str]) -> tuple[SearchFilters, list[str]]:
    """The search filters a query string asks for, and notes on the values that were left out."""
    notes: list[str] = []
    countries = {code: code for code, _ in services.country_choices()}
    filters = SearchFilters(
        query=clean_query(args.get("q", "")),
        industry=industry_filter(args, notes),
        # Codes are upper-case; "gb" is as good as "GB".
        country=_choice(_raw(args, "country").upper(), countries, notes, "country"),
        size=_choice(_raw(args, "size"), SIZE_VALUES, notes, "employer size"),
        sort=_choice(_raw(args, "sort"), SORT_VALUES, notes, "sort order") or DEFAULT_SORT,
        page=_page(args, notes),
    )
    return filters, notes


@dataclass(frozen=True)
class EmployerRow:
    """An employer as a list shows it: the score only when it may be shown (DESIGN.md §6)."""

    employer: Employer
    verdict: Verdict
    reviews: int
    country: str | None


def row(employer: Employer) -> EmployerRow:
    stats = employer.stats
    return EmployerRow(
        employer=employer,
        verdict=services.headline(stats),
        reviews=stats.review_count if stats else 0,
        country=services.country_name(employer.country),
    )


@dataclass
class SearchResults:
    pagination: object  # flask_sqlalchemy Pagination of Employer
    rows: list[EmployerRow]


def _search_order(sort: str, narrow: bool = False) -> list:
    """Every employer has a statistics row (created with it, and by recompute), so the plain
    columns order, each sort in the order of an index (employers.models._sort_indexes, and
    ix_employer_stats_review_count for the default): a page of all employers is read, not sorted.

    `narrow`: a name was typed, which few employers match. Then the order must not be an
    index's, or SQLite walks the whole sort index testing each name (32 ms at 50,000
    employers) instead of finding the few matches and sorting them (5 ms): `+ 0` makes each
    term an expression no index serves (SQLite's documented way to disqualify an index)."""

    def term(column):
        return column + 0 if narrow else column

    reviews = term(EmployerStats.review_count).desc()
    if sort == "score":
        # shown_score is NULL where the score isn't shown: an unshown score can't leak through.
        return [term(EmployerStats.shown_score).desc().nulls_last(), reviews]
    if sort == "recent":
        # A date can't take "+ 0" on PostgreSQL; coalesce(x, x) is the same value, unindexed.
        latest = EmployerStats.latest_published_at
        return [(func.coalesce(latest, latest) if narrow else latest).desc().nulls_last(), reviews]
    return [reviews]


# From this many characters a name query matches few enough employers to find them first.
NARROW_QUERY_LENGTH = 3


def search(filters: SearchFilters, per_page: int = PAGE_SIZE) -> SearchResults:
    """Employers whose normalised name contains the query's, filtered and sorted (two queries);
    the search page and the API both use it."""
    normalized = services.normalize_name(filters.query)
    narrow = len(normalized) >= NARROW_QUERY_LENGTH
    # An employer added by a user is public from its first review. With a name typed, "listed"
    # must not be read from ix_employers_listed_at: with the planner's statistics (ANALYZE,
    # which demo-data runs) SQLite took that index, which every listed employer is in, and
    # looked each row up out of order (170 ms at 50,000) instead of scanning the table for the
    # name (27 ms). coalesce(x, x) is the same value, in no index.
    listed_at = Employer.listed_at
    conditions = [func.coalesce(listed_at, listed_at).is_not(None) if narrow else listed()]
    if normalized:
        pattern = "%" + normalized.replace("\\", "").replace("%", "").replace("_", " ") + "%"
        conditions.append(Employer.normalized_name.like(pattern))
    if filters.industry:
        conditions.append(Employer.industry == filters.industry)
    if filters.country:
        conditions.append(Employer.country == filters.country)
    if filters.size:
        conditions.append(Employer.size_band == filters.size)
    # The stats row comes in the same query (each row shows its count and score: no N+1).
    statement = (
        select(Employer)
        .join(EmployerStats)
        .options(contains_eager(Employer.stats))
        .where(*conditions)
        .order_by(
            *_search_order(filters.sort, narrow=narrow),
            EmployerStats.employer_id,
        )
    )
    pagination = db.paginate(
        statement, page=filters.page, per_page=per_page, error_out=False, count=False
    )
    # Counted on the employers table alone: the filters are all on it, and counting the
    # joined, ordered statement costs several times more at 50,000 employers.
    pagination.total = db.session.scalar(
        select(func.count()).select_from(Employer).where(*conditions)
    )
    return SearchResults(pagination=pagination, rows=[row(item) for item in pagination.items])


@dataclass(frozen=True)
class SuggestionRow:
    """A "did you mean" employer, shown as a search row is (score only when it may be shown,
    DESIGN.md §5.3 and §6), with the name or alias that matched the query."""

    row: EmployerRow
    matched_name: str


def suggestion_rows(filters: SearchFilters) -> list[SuggestionRow]:
    """The search page's "did you mean" list: matching.suggest loads each employer with its
    statistics row, so the rows take no further query."""
    return [
        SuggestionRow(row(match.employer), match.matched_name) for match in suggestions(filters)
    ]


def suggestions(filters: SearchFilters) -> list[matching.Match]:
    """Typo-tolerant matches for a query nothing contains, within the filters chosen."""
    return [
        match
        for match in matching.suggest(filters.query)
        if (filters.industry is None or match.employer.industry == filters.industry)
        and (filters.country is None or match.employer.country == filters.country)
        and (filters.size is None or match.employer.size_band == filters.size)
    ]


# --- one employer's reviews --------------------------------------------------------------------


def months_back(day: date, months: int) -> date:
    """The first day of the month `months` before day's month."""
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class ReviewFilters:
    stage: str | None = None  # a Stage value, or a COARSE_STAGES key
    outcome: Outcome | None = None
    period: str | None = None  # a PERIODS key
    verified: bool = False  # only reviews whose author proved the contact
    page: int = 1

    @property
    def args(self) -> dict[str, str]:
        values = {
            "stage": self.stage,
            "outcome": self.outcome.value if self.outcome else None,
            "period": self.period,
            "verified": "1" if self.verified else None,
        }
        return {name: value for name, value in values.items() if value}


@dataclass(frozen=True)
class ReviewFilterChoices:
    """What the filter form offers at this employer."""

    stages: list[tuple[str, str]]
    outcomes: list[tuple[str, str]]
    periods: list[tuple[str, str]]
    coarse: bool
    cutoff: str  # the month "last 12 months" starts with


def is_small(employer: Employer) -> bool:
    """Fewer than 5 published reviews: coarse stages only (DESIGN.md §5.3, reviews.disclosure)."""
    return is_coarse(employer.stats.review_count if employer.stats else 0)


def _outcome_condition(outcome: Outcome, small: bool):
    """Reviews whose card shows this outcome: at a small employer a withdrawn offer shows as a
    rejection (reviews.disclosure.shown_outcome), so the filter must not tell them apart."""
    if small and outcome in (Outcome.rejected, Outcome.rejected_with_feedback):
        specific = Review.feedback == Feedback.specific
        if outcome is Outcome.rejected:
            specific = or_(Review.feedback.is_(None), Review.feedback != Feedback.specific)
        return or_(Review.outcome == outcome, and_(Review.outcome == Outcome.rescinded, specific))
    return Review.outcome == outcome


def period_cutoff(on: date | None = None) -> date:
    """Whole months, so the filter can't split a month and betray a day (DESIGN.md §5.2)."""
    return months_back(on or today(), PERIOD_MONTHS)


def review_filter_choices(employer: Employer) -> ReviewFilterChoices:
    coarse = is_small(employer)
    if coarse:
        stages = [(key, label) for key, (label, _) in COARSE_STAGES.items()]
    else:
        stages = [(stage.value, label) for stage, (label, _) in STAGES.items()]
    return ReviewFilterChoices(
        stages=stages,
        outcomes=[
            (outcome.value, label)
            for outcome, (label, _) in OUTCOMES.items()
            if not (coarse and outcome is Outcome.rescinded)
        ],
        periods=list(PERIODS.items()),
        coarse=coarse,
        cutoff=month_label(period_cutoff()),
    )


def review_filters(args: Mapping[str, str], employer: Employer) -> tuple[ReviewFilters, list[str]]:
    notes: list[str] = []
    stage = _raw(args, "stage")
    fine = {item.value for item in Stage}
    if stage in fine and is_small(employer):
        # A fine stage would narrow a small employer's list to what its cards don't show.
        notes.append(
            "With fewer than 5 reports about this employer, stages are grouped into “early "
            "stage” and “interviewed” to protect the candidates, so we left the stage filter out."
        )
        stage = ""
    elif stage and stage not in fine and stage not in COARSE_STAGES:
        notes.append("We didn't recognise the stage in the address, so we ignored it.")
        stage = ""
    outcome = _choice(_raw(args, "outcome"), OUTCOME_VALUES, notes, "outcome")
    if outcome is Outcome.rescinded and is_small(employer):
        # Its cards show a withdrawn offer as a rejection: filtering on it would reveal it.
        notes.append(
            "With fewer than 5 reports about this employer, a withdrawn offer is shown as a "
            "rejection to protect the candidates, so we left the outcome filter out."
        )
        outcome = None
    filters = ReviewFilters(
        stage=stage or None,
        outcome=outcome,
        period=_choice(_raw(args, "period"), PERIOD_VALUES, notes, "period"),
        # The cards show the mark at any count, so the filter tells nothing they don't.
        verified=bool(
            _choice(_raw(args, "verified"), VERIFIED_VALUES, notes, "verified contact filter")
        ),
        page=_page(args, notes),
    )
    return filters, notes


def employer_reviews(employer: Employer, filters: ReviewFilters):
    """The employer's published reviews with their responses, newest published first, filtered
    (two queries)."""
    statement = (
        select(Review)
        .where(Review.employer_id == employer.id, Review.status == ReviewStatus.published)
        .options(joinedload(Review.response))
    )
    if filters.stage in COARSE_STAGES:
        statement = statement.where(Review.stage.in_(COARSE_STAGES[filters.stage][1]))
    elif filters.stage:
        statement = statement.where(Review.stage == Stage(filters.stage))
    if filters.outcome:
        statement = statement.where(_outcome_condition(filters.outcome, is_small(employer)))
    if filters.period == "12m":
        statement = statement.where(Review.last_contact_on >= period_cutoff())
    elif filters.period == "older":
        statement = statement.where(Review.last_contact_on < period_cutoff())
    if filters.verified:
        statement = statement.where(Review.contact_verified.is_(True))
    statement = statement.order_by(Review.published_at.desc(), Review.id.desc())
    return db.paginate(statement, page=filters.page, per_page=REVIEWS_PAGE_SIZE, error_out=False)


# --- most and least responsive (DESIGN.md §6) ----------------------------------------------------


def _ranked(industry: Industry | None, *conditions):
    statement = (
        select(Employer)
        .join(EmployerStats)
        .options(contains_eager(Employer.stats))
        .where(EmployerStats.shown_score.is_not(None), listed(), *conditions)
    )
    if industry is not None:
        statement = statement.where(Employer.industry == industry)
    return statement


def _site_mean():
    """100·μ, the site's mean, as a scalar subquery (no extra round trip)."""
    stored = select(SiteParameters.mu).where(SiteParameters.id == 1).scalar_subquery()
    return 100 * func.coalesce(stored, DEFAULT_MU)


def _established():
    """Both lists need reviews from several established accounts, or accounts that proved the
    contact (scoring.params.MIN_ESTABLISHED_AUTHORS_LISTS, scoring.engine.established): what a
    handful of fresh accounts cannot supply."""
    return EmployerStats.established_authors >= params.MIN_ESTABLISHED_AUTHORS_LISTS


def _margin():
    """k·SD, how far an estimate must clear the site's mean to be listed (params.LIST_MARGIN_SD;
    scoring.engine.clearly_above_mean and clearly_below_mean, here in SQL)."""
    return params.LIST_MARGIN_SD * func.coalesce(EmployerStats.score_sd, 0.0)


def most_responsive(
    industry: Industry | None = None, limit: int = RANKING_SIZE
) -> list[EmployerRow]:
    """n ≥ 5 over at least 30 days, by S; ties, more reviews first (scoring.engine rules).

    Beyond DESIGN.md §6: only employers above the site's mean even at the low end of their range,
    S - k·SD (scoring.engine.clearly_above_mean, here in SQL).
    """
    # most_key is the score where the employer is eligible (employers.models), in an index.
    lower = EmployerStats.score - _margin()
    statement = _ranked(
        industry, EmployerStats.most_key.is_not(None), lower > _site_mean(), _established()
    ).order_by(
        EmployerStats.most_key.desc().nulls_last(),
        EmployerStats.weight_sum.desc(),
        EmployerStats.employer_id,
    )
    return [row(employer) for employer in db.session.scalars(statement.limit(limit))]


def least_responsive(
    industry: Industry | None = None, limit: int = RANKING_SIZE
) -> list[EmployerRow]:
    """n ≥ 10, by S + SD (the benefit of the doubt); ties, more reviews first.

    Beyond DESIGN.md §6: only employers below the site's mean even at the high end of their range,
    S + k·SD (scoring.engine.clearly_below_mean, here in SQL).
    """
    # least_key is S + SD where the employer is eligible (employers.models), in an index.
    upper = EmployerStats.score + _margin()
    statement = _ranked(
        industry, EmployerStats.least_key < _site_mean(), upper < _site_mean(), _established()
    ).order_by(EmployerStats.least_key, EmployerStats.weight_sum.desc(), EmployerStats.employer_id)
    return [row(employer) for employer in db.session.scalars(statement.limit(limit))]


@dataclass
class Rankings:
    industry: Industry | None
    most: list[EmployerRow] = field(default_factory=list)
    least: list[EmployerRow] = field(default_factory=list)


def rankings(industry: Industry | None = None, limit: int = RANKING_SIZE) -> Rankings:
    """Both lists (two queries)."""
    return Rankings(
        industry=industry,
        most=most_responsive(industry, limit),
        least=least_responsive(industry, limit),
    )


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


# The lists' rules in words, for the pages that explain them (numbers from scoring.params).
RANKING_RULES = {
    "shown_reviews": _number(params.MIN_N_SHOWN),
    "shown_authors": params.MIN_DISTINCT_AUTHORS_SHOWN,
    "most_n": _number(params.MIN_N_MOST_RESPONSIVE),
    "most_days": params.MIN_SPREAD_DAYS_MOST_RESPONSIVE,
    "least_n": _number(params.MIN_N_LEAST_RESPONSIVE),
    "margin": _number(params.LIST_MARGIN_SD),
}
