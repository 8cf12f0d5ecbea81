"""What a representative's dashboard shows (DESIGN.md §7): the employer's figures, a quarterly
trend, its reviews as an inbox (filters with counts, contact reports as the employer may see
them), the response rate and median time to respond, the commitment's measure, the claims on
their way, the export of the public cards; and the new-review email setting. Callers commit."""

from __future__ import annotations

import enum
import math
import statistics
from dataclasses import dataclass
from datetime import date, datetime

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import joinedload

from employers.models import Employer
from employers.profile import Profile, percent
from employers.profile import build as build_profile
from employers.services import headline
from extensions import db
from representatives import claims as claim_states
from representatives import contact_reports
from representatives.commitments import CommitmentMeasure, commitment_measure
from representatives.models import Notify, Representative
from responses.models import Response, ResponseStatus
from reviews.display import PublicCard, public_view
from reviews.fields import values_of
from reviews.models import Outcome, Review, ReviewStatus
from scoring import bias, engine
from scoring import figures as side
from scoring.engine import ReviewFacts, Verdict
from scoring.stats import FACT_COLUMNS, Inputs, current_inputs, facts_from_review

# How many quarters the trend shows, the newest being the current one.
TREND_QUARTERS = 8
AWAITING_PAGE_SIZE = 20
# The median time to respond is shown from this many responses on, so that it never stands for
# one review's publication (DESIGN.md §5.3: the same small-count threshold as breakdown cells).
MIN_RESPONSES_FOR_MEDIAN = 5


class InboxState(enum.Enum):
    """The dashboard's filters (?state=...): what an employer may do about a review."""

    awaiting = "awaiting"  # published, no response of the employer's yet
    responded = "responded"  # the employer responded (published, or held by the moderators)
    ghosted = "ghosted"  # the author says they never heard back, or no reply for long: presumed
    waiting = "waiting"  # an open case, not (yet) presumed ghosted


STATE_LABELS = {
    InboxState.awaiting: "Awaiting a response",
    InboxState.responded: "Responded",
    InboxState.ghosted: "Never heard back",
    InboxState.waiting: "Still waiting",
}
STATE_HEADINGS = {
    InboxState.awaiting: "Reviews awaiting a response",
    InboxState.responded: "Reviews you responded to",
    InboxState.ghosted: "Reviews saying the candidate never heard back",
    InboxState.waiting: "Reviews of candidates still waiting",
}


def parse_state(raw: str | None) -> InboxState:
    """The filter asked for; anything unknown is the default (awaiting a response)."""
    for state in InboxState:
        if raw == state.value:
            return state
    return InboxState.awaiting


def _state_condition(state: InboxState):
    # A held or hidden response counts as a response: a review has one (responses.review_id is
    # unique), so it can't be answered again; its item says where that response stands.
    has_response = Review.response.has()
    if state is InboxState.awaiting:
        return ~has_response
    if state is InboxState.responded:
        return has_response
    if state is InboxState.ghosted:
        return or_(Review.outcome == Outcome.ghosted, Review.presumed_ghosted_at.is_not(None))
    return and_(Review.outcome == Outcome.waiting, Review.presumed_ghosted_at.is_(None))


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
    """A review on the dashboard exactly as the public sees it, and what the employer may do."""

    public_id: str
    card: PublicCard
    contactable: bool  # "we have now contacted this candidate" applies
    asked: bool  # ... and was already said (pending, or answered "no" recently)
    # The contact reports as the employer may see them (contact_reports.employer_view).
    contact: contact_reports.ContactView = contact_reports.NO_REPORT
    response: ResponseStatus | None = None  # the employer's own response, whatever its status


@dataclass(frozen=True)
class ResponseFigures:
    """How the employer answers: responses over the reviews that could be answered, and the
    median days from a review's publication to the response (from MIN_RESPONSES_FOR_MEDIAN)."""

    responses: int
    answerable: int
    rate: int | None  # percent
    median_days: int | None
    timed: int  # responses the median rests on
    held: int  # responses waiting for a moderator


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
    state: InboxState = InboxState.awaiting
    counts: dict[InboxState, int] | None = None
    responses: ResponseFigures | None = None
    claims: list[claim_states.PendingClaim] | None = None


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
    factor = inputs.bias_for(employer.industry.value if employer.industry else None)
    return [
        _quarter(start, by_quarter[start], inputs, mu, prior, today, factor) for start in starts
    ]


def _quarter(
    start: date,
    facts: list[ReviewFacts],
    inputs: Inputs,
    mu: float,
    prior: side.Prior,
    today: date,
    factor: float = 1.0,
) -> Quarter:
    label = _quarter_label(start)
    if len({item.author_key for item in facts}) < side.MIN_CELL_AUTHORS:
        return Quarter(label, False, len(facts))
    # Corrected for reporting bias like the public figures (scoring.bias; B = 1 changes nothing).
    valued = bias.corrected(
        [
            (item, value, 1.0)
            for item in facts
            if (value := engine.review_value(item, today, km_curve=inputs.curve)) is not None
        ],
        factor,
    )
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


def state_counts(employer: Employer) -> dict[InboxState, int]:
    """How many published reviews each filter lists (one query)."""
    row = db.session.execute(
        select(
            *[
                func.coalesce(func.sum(case((_state_condition(state), 1), else_=0)), 0)
                for state in InboxState
            ]
        ).where(Review.employer_id == employer.id, Review.status == ReviewStatus.published)
    ).one()
    return {state: int(count) for state, count in zip(InboxState, row, strict=True)}


def inbox(
    employer: Employer, state: InboxState, page: int, now: datetime
) -> tuple[Pagination, list[Awaiting]]:
    """Published reviews in one filter, newest first, as public cards (four queries)."""
    statement = (
        select(Review)
        .where(
            Review.employer_id == employer.id,
            Review.status == ReviewStatus.published,
            _state_condition(state),
        )
        # Loaded with the review: the public card reads it (reviews.display.public_response).
        .options(joinedload(Review.response))
        .order_by(Review.published_at.desc(), Review.id.desc())
    )
    pagination = db.paginate(
        statement, page=page, per_page=AWAITING_PAGE_SIZE, error_out=False, count=True
    )
    reviews = list(pagination.items)
    # Read only through shown_at: an author's answer shows at its delayed moment (DESIGN.md §5.8).
    contacts = contact_reports.employer_view([review.id for review in reviews], now)
    items = [
        Awaiting(
            public_id=review.public_id,
            card=public_view(values_of(review), employer, review=review),
            contactable=review.outcome in contact_reports.CONTACTABLE,
            asked=not contacts[review.id].may_report,
            contact=contacts[review.id],
            response=review.response.status if review.response is not None else None,
        )
        for review in reviews
    ]
    return pagination, items


def awaiting_response(employer: Employer, page: int, now: datetime) -> tuple[Pagination, list]:
    """Published reviews without a response, newest first, as public cards."""
    return inbox(employer, InboxState.awaiting, page, now)


def response_figures(employer: Employer) -> ResponseFigures:
    """The response rate and the median days to respond (two queries).

    Exact publication times are used here only: the median is shown from
    MIN_RESPONSES_FOR_MEDIAN responses on, in whole days, so it stands for no single review.
    """
    answerable, responses, held = db.session.execute(
        select(
            func.count(Review.id),
            # A held response isn't an answer anyone sees yet: it counts once published.
            func.coalesce(
                func.sum(case((Response.status == ResponseStatus.published, 1), else_=0)), 0
            ),
            func.coalesce(func.sum(case((Response.status == ResponseStatus.held, 1), else_=0)), 0),
        )
        .select_from(Review)
        .outerjoin(
            Response,
            and_(Response.review_id == Review.id, Response.status != ResponseStatus.hidden),
        )
        .where(Review.employer_id == employer.id, Review.status == ReviewStatus.published)
    ).one()
    delays = [
        max((answered - published).total_seconds(), 0) / 86400
        for published, answered in db.session.execute(
            select(Review.published_at, Response.created_at)
            .join(Response, Response.review_id == Review.id)
            .where(
                Review.employer_id == employer.id,
                Review.status == ReviewStatus.published,
                Response.status == ResponseStatus.published,
            )
        )
        if published is not None and answered is not None
    ]
    median = None
    if len(delays) >= MIN_RESPONSES_FOR_MEDIAN:
        median = math.floor(statistics.median(delays) + 0.5)
    return ResponseFigures(
        responses=int(responses),
        answerable=answerable,
        rate=percent(responses / answerable) if answerable else None,
        median_days=median,
        timed=len(delays),
        held=int(held),
    )


def dashboard(
    representative: Representative,
    page: int,
    now: datetime,
    state: InboxState = InboxState.awaiting,
) -> Dashboard:
    """Everything the dashboard shows for one employer, in a fixed number of queries."""
    employer = representative.employer
    verdict = headline(employer.stats)
    inputs = current_inputs()
    pagination, items = inbox(employer, state, page, now)
    return Dashboard(
        employer=employer,
        representative=representative,
        verdict=verdict,
        profile=build_profile(employer, verdict, inputs),
        trend=quarterly_trend(employer, inputs, now.date()),
        awaiting=pagination,
        items=items,
        commitment=commitment_measure(employer.id),
        state=state,
        counts=state_counts(employer),
        responses=response_figures(employer),
        claims=claim_states.pending_claims(representative.user_id),
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


# --- the export of the employer's own reviews ---------------------------------------------------

EXPORT_COLUMNS = (
    "review",
    "outcome",
    "no reply for",
    "stage",
    "started",
    "last contact",
    "updated",
    "role",
    "employer followed up",
    "pending moderation",
    "verified contact",
    "details",
    "what happened",
    "advice to the employer",
    "response",
    "response month",
    "response edited",
)


def _silence(card: PublicCard) -> str | None:
    if card.silent_months is None:
        return None
    if card.silent_months:
        unit = "month" if card.silent_months == 1 else "months"
        return f"{card.silent_months}+ {unit}"
    return f"since {card.last_contact}"


def export_row(card: PublicCard, link: str) -> list:
    """One review exactly as its public card shows it (reviews.display.public_view, so the
    small-count coarsening of reviews.disclosure applies): months, never dates."""
    response = card.response
    return [
        link,
        card.outcome,
        _silence(card),
        card.stage,
        card.started,
        card.last_contact,
        card.updated,
        card.role,
        card.followed_up_month,
        "yes" if card.pending_moderation else None,
        "yes" if card.verified_contact else None,
        "; ".join(f"{label}: {value}" for label, value in card.details) or None,
        card.narrative,
        card.advice,
        response.body if response else None,
        response.month if response else None,
        response.edited if response else None,
    ]


def export_cards(employer: Employer) -> list[PublicCard]:
    """The employer's published reviews as public cards, newest first (one query)."""
    reviews = db.session.scalars(
        select(Review)
        .where(Review.employer_id == employer.id, Review.status == ReviewStatus.published)
        .options(joinedload(Review.response))
        .order_by(Review.published_at.desc(), Review.id.desc())
    ).unique()
    return [public_view(values_of(review), employer, review=review) for review in reviews]
