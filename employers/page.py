"""Everything the employer page shows, assembled in one place (as representatives.dashboard does
for the dashboard): the headline and its profile, the recent reviews as public cards, the live
commitment's measure, the moderation counts and how many reports have verified contact.

The page is cached by the statistics row's updated_at (employers.routes._validate_employer). The
verified count needs nothing more: it moves only when a review is published, hidden or deleted,
or when a published review's mark appears (reviews.pending.apply), and each of these refreshes
that row in the same transaction (scoring.stats.refresh_employer)."""

from __future__ import annotations

from dataclasses import dataclass

from employers.models import Employer, EmployerStats
from employers.profile import Profile
from employers.profile import build as build_profile
from employers.services import headline
from moderation.transparency import RemovedCounts, removed_counts
from proofs.services import verified_counts
from representatives.commitments import CommitmentMeasure, commitment_history
from reviews.display import PublicCard, public_view
from reviews.fields import values_of
from reviews.services import recent_published
from scoring.engine import Verdict
from scoring.stats import current_inputs


@dataclass(frozen=True)
class VerifiedContact:
    """ "2 of 7 reports have verified contact" (proofs/, DESIGN.md §12): published reviews."""

    count: int
    total: int


@dataclass(frozen=True)
class EmployerPage:
    employer: Employer
    stats: EmployerStats | None
    verdict: Verdict
    profile: Profile
    commitment: CommitmentMeasure | None
    removed: RemovedCounts
    cards: list[PublicCard]
    verified: VerifiedContact
    past_commitments: list[CommitmentMeasure]  # ended ones, each with its own record


def employer_page(employer: Employer) -> EmployerPage:
    verdict = headline(employer.stats)
    commitments = commitment_history(employer.id)
    return EmployerPage(
        employer=employer,
        stats=employer.stats,
        verdict=verdict,
        profile=build_profile(employer, verdict, current_inputs()),
        commitment=commitments.live,
        past_commitments=commitments.past,
        removed=removed_counts(employer.id),
        verified=VerifiedContact(*verified_counts(employer.id)),
        cards=[
            public_view(values_of(review), employer, review=review)
            for review in recent_published(employer.id)
        ],
    )
