"""What a representative's dashboard shows (DESIGN.md §7): the employer's figures, a quarterly
trend, the reviews awaiting a response, the commitment's measure; and the new-review email
setting. Callers commit."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from employers.models import Employer
from employers.profile import Profile, percent
from employers.profile import build as build_profile
from employers.services import headline
from extensions import db
from representatives import contact_reports
from representatives.commitments import CommitmentMeasure, commitment_measure
from representatives.models import ContactReport, Notify, Representative
from reviews.display import PublicCard, public_view
from reviews.fields import values_of
from reviews.models import Review, ReviewStatus
from scoring import engine
from scoring import figures as side
from scoring.engine import ReviewFacts, Verdict
from scoring.stats import FACT_COLUMNS, Inputs, current_inputs, facts_from_review

# How many quarters the trend shows, the newest being the current one.
TREND_QUARTERS = 8
AWAITING_PAGE_SIZE = 20


@dataclass(frozen=True)
class Quarter:
    """One quarter of the trend: reviews whose last contact fell in it (DESIGN.md §5.3: shown only
    from MIN_CELL_AUTHORS distinct reviewers)."""

    label: str
    shown: bool
    reviews: int
    score: int | None = None
    hear_back: int | None = None
    hear_back_yes: int = 0
    hear_back_count: int = 0


@dataclass(frozen=True)
class Awaiting:
    """A review awaiting a response exactly as the public sees it, and what the employer may do."""

    public_id: str
    card: PublicCard
    contactable: bool  # "we have now contacted this candidate" applies
    asked: bool  # ... and was already said (pending, or answered "no" recently)


@dataclass
class Dashboard:
    employer: Employer
    representative: Representative
    verdict: Verdict
    profile: Profile
    trend: list[Quarter]
    awaiting: Pagination
    items: list[Awaiting]
    commitment: CommitmentMeasure | None


def _quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _quarter_label(start: date) -> str:
    end = date(start.year, start.month + 2, 1)
    return f"{start.strftime('%B')} to {end.strftime('%B %Y')}"


def _quarter_starts(today: date, count: int = TREND_QUARTERS) -> list[date]:
    """The first days of the last `count` quarters, oldest first, ending with today's."""
    starts = [_quarter_start(today)]
    while len(starts) < count:
        first = starts[0]
        year, month = (first.year, first.month - 3) if first.month > 3 else (first.year - 1, 10)
        starts.insert(0, date(year, month, 1))
    return starts


# What the score reads of a review (the burst-cap mark included).
_TREND_COLUMNS = FACT_COLUMNS


def quarterly_trend(employer: Employer, inputs: Inputs, today: date) -> list[Quarter]:
    """Score and hear-back share by the quarter of the last contact, from published reviews (one
    query).

    Within a quarter every review counts fully: the two-year decay of the public score is there to
    make the current score favour recent reports, which a quarter-by-quarter view does by itself.
    Each cell is shrunk toward the same μ with the same M as the public figures, so a quarter with
    few reports leans toward the site's (or industry's) mean rather than swinging.
    """
    starts = _quarter_starts(today)
    rows = db.session.execute(
        select(*_TREND_COLUMNS).where(
            Review.employer_id == employer.id,
            Review.status == ReviewStatus.published,
            Review.last_contact_on >= starts[0],
        )
    ).all()
    by_quarter: dict[date, list[ReviewFacts]] = {start: [] for start in starts}
    for row in rows:
        by_quarter.setdefault(_quarter_start(row.last_contact_on), []).append(
            facts_from_review(row, today)
        )
    mu = inputs.mu_for(employer.industry.value if employer.industry else None)
    prior = side.Prior.of(inputs.baselines.get("priors", {}).get("hear_back"))
    return [_quarter(start, by_quarter[start], inputs, mu, prior, today) for start in starts]


def _quarter(
    start: date,
    facts: list[ReviewFacts],
    inputs: Inputs,
    mu: float,
    prior: side.Prior,
    today: date,
) -> Quarter:
    label = _quarter_label(start)
    if len({item.author_key for item in facts}) < side.MIN_CELL_AUTHORS:
        return Quarter(label, False, len(facts))
    valued = [
        (value, 1.0)
        for item in facts
        if (value := engine.review_value(item, today, km_curve=inputs.curve)) is not None
    ]
    score = None
    if valued:
        score = engine.shrunk_score(valued, mu, inputs.m)[0]
    answers = side.answers([(item, 1.0) for item in facts], side.heard_back, today)
    hear_back = side.share(answers, prior)
    return Quarter(
        label,
        True,
        len(facts),
        score=None if score is None else math.floor(score + 0.5),
        # The plain share beside its counts (DESIGN.md §6: figures never contradict counts).
        hear_back=percent(hear_back["raw"]) if hear_back["count"] >= side.MIN_COUNT_SHOWN else None,
        hear_back_yes=hear_back["yes"],
        hear_back_count=hear_back["count"],
    )


def awaiting_response(employer: Employer, page: int, now: datetime) -> tuple[Pagination, list]:
    """Published reviews without a response, newest first, as public cards (three queries)."""
    statement = (
        select(Review)
        .where(
            Review.employer_id == employer.id,
            Review.status == ReviewStatus.published,
            ~Review.response.has(),
        )
        # None for each, but loaded: the public card reads it (reviews.display.public_response).
        .options(joinedload(Review.response))
        .order_by(Review.published_at.desc(), Review.id.desc())
    )
    pagination = db.paginate(
        statement, page=page, per_page=AWAITING_PAGE_SIZE, error_out=False, count=True
    )
    reviews = list(pagination.items)
    asked = set(
        db.session.scalars(
            select(ContactReport.review_id).where(
                ContactReport.review_id.in_([review.id for review in reviews]),
                contact_reports.blocks_new_report(now),
            )
        )
    )
    items = [
        Awaiting(
            public_id=review.public_id,
            card=public_view(values_of(review), employer, review=review),
            contactable=review.outcome in contact_reports.CONTACTABLE,
            asked=review.id in asked,
        )
        for review in reviews
    ]
    return pagination, items


def dashboard(representative: Representative, page: int, now: datetime) -> Dashboard:
    """Everything the dashboard shows for one employer, in a fixed number of queries."""
    employer = representative.employer
    verdict = headline(employer.stats)
    inputs = current_inputs()
    pagination, items = awaiting_response(employer, page, now)
    return Dashboard(
        employer=employer,
        representative=representative,
        verdict=verdict,
        profile=build_profile(employer, verdict, inputs),
        trend=quarterly_trend(employer, inputs, now.date()),
        awaiting=pagination,
        items=items,
        commitment=commitment_measure(employer.id),
    )


# --- new-review notifications (the setting; representatives/notifications.py sends) -------------


def set_notify(representative: Representative, notify: Notify, now: datetime) -> None:
    """Change how a representative hears about new reviews.

    Turning emails back on starts from now: reviews published while they were off are on the
    dashboard, and a flood of old news would help nobody.
    """
    if representative.notify is Notify.off and notify is not Notify.off:
        representative.notified_until = now
    representative.notify = notify
