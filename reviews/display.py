"""What the public may see of a review (DESIGN.md §5), as plain values for templates.

Months, never dates. At an employer with fewer than five published reviews the stage is coarsened
and role details are left out, since late-stage candidate pools there are tiny (§5.3); which of a
review's facts may be shown at all is reviews.disclosure's rule (§5.8-5.9).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import countries
from employers.models import Employer
from responses.models import ResponseStatus
from reviews.disclosure import disclose
from reviews.labels import OUTCOMES, ROLE_CATEGORIES, SENIORITY, STAGES
from reviews.models import Review, ReviewStatus, Stage
from timeutils import month_label, today

EARLY_STAGES = frozenset({Stage.applied, Stage.screen})


@dataclass(frozen=True)
class PublicResponse:
    """The employer's published response, as the public sees it: its text and months, never who
    wrote it (DESIGN.md §5.2, §7)."""

    body: str
    month: str  # the month it was first written
    edited: str | None = None  # "edited <month>", when changed after it was published


@dataclass
class PublicCard:
    employer_name: str
    started: str
    last_contact: str
    stage: str
    outcome: str
    outcome_key: str
    details: list[tuple[str, str]] = field(default_factory=list)
    role: str | None = None
    narrative: str | None = None
    advice: str | None = None
    updated: str | None = None
    # Presumed ghosted: no reply for at least this many whole months (reviews.disclosure).
    silent_months: int | None = None
    coarse: bool = False
    # Set for a published review only: its page and the links to report it or its response.
    public_id: str | None = None
    response: PublicResponse | None = None
    # The author confirmed the employer got in touch after the review was posted (DESIGN.md §7).
    followed_up_month: str | None = None
    # Over the burst cap (DESIGN.md §8): visible, not scored until a moderator clears it.
    pending_moderation: bool = False
    # The author proved the contact with the employer's signed email (proofs/, DESIGN.md §12).
    verified_contact: bool = False


def _published_count(employer: Employer) -> int:
    return employer.stats.review_count if employer.stats else 0


def country_name(code: str | None) -> str | None:
    if not code:
        return None
    return countries.name(code) or code


def public_view(
    values: dict, employer: Employer, *, review: Review | None = None, preview: bool = False
) -> PublicCard:
    """The review as the public sees it. `values` are model values (services.values_of / form);
    what may be shown of them is decided by reviews.disclosure.disclose."""
    shown = disclose(
        values,
        _published_count(employer),
        contact_confirmed=review is not None and review.employer_followed_up_at is not None,
        presumed_ghosted=review is not None and review.presumed_ghosted_at is not None,
        today=today(),
    )
    coarse = shown.coarse
    stage: Stage = values["stage"]
    if coarse:
        stage_text = (
            "Early stage (application or screening)" if stage in EARLY_STAGES else ("Interviewed")
        )
    else:
        stage_text = STAGES[stage][0]
    card = PublicCard(
        employer_name=employer.name,
        started=month_label(values["process_month"]),
        last_contact=month_label(values["last_contact_on"]),
        stage=stage_text,
        outcome=OUTCOMES[shown.outcome][0],
        outcome_key=shown.outcome.value,
        coarse=coarse,
        narrative=values.get("narrative"),
        advice=values.get("advice"),
        details=shown.details,
        silent_months=shown.silent_months,
    )
    if review is not None and review.author_updated_at:
        card.updated = month_label(review.author_updated_at)
    if review is not None and review.employer_followed_up_at:
        card.followed_up_month = month_label(review.employer_followed_up_at)
    if review is not None and review.burst_capped_at is not None:
        card.pending_moderation = True
    if review is not None and review.contact_verified:
        card.verified_contact = True
    if not coarse:
        card.role = _role(values)
    if review is not None and review.status is ReviewStatus.published:
        card.public_id = review.public_id
        card.response = public_response(review)
    return card


def public_response(review: Review) -> PublicResponse | None:
    """The review's response if it is published (held and hidden ones are not shown).

    Callers that list reviews load `Review.response` with them (a join), so this adds no query.
    """
    response = review.response
    if response is None or response.status is not ResponseStatus.published:
        return None
    return PublicResponse(
        body=response.body,
        month=month_label(response.created_at),
        edited=month_label(response.edited_at) if response.edited_at else None,
    )


def _role(values: dict) -> str | None:
    parts = []
    if values.get("seniority") is not None:
        parts.append(SENIORITY[values["seniority"]])
    if values.get("role_category") is not None:
        parts.append(ROLE_CATEGORIES[values["role_category"]].lower())
    if values.get("show_role_title") and values.get("role_title"):
        parts.append(f"“{values['role_title']}”")
    country = country_name(values.get("country"))
    if country:
        parts.append(f"in {country}")
    if not parts:
        return None
    text = " ".join(parts)
    return text[0].upper() + text[1:]
