"""The words a review is made of (DESIGN.md §3): stage, outcome, feedback.

A plain module, no Flask and no database, so the scoring rules (scoring.engine, scoring.rules)
and the benchmark can use them without importing the site; reviews.models stores them.
"""

from __future__ import annotations

import enum


class Stage(enum.Enum):
    """The furthest step reached, in order (DESIGN.md §3)."""

    applied = "applied"
    screen = "screen"
    interview = "interview"
    assignment = "assignment"
    final = "final"
    references = "references"
    offer = "offer"

    @property
    def rank(self) -> int:
        return _STAGE_RANKS[self]


_STAGE_RANKS = {stage: rank for rank, stage in enumerate(Stage)}


class Outcome(enum.Enum):
    offer = "offer"
    rejected_with_feedback = "rejected_with_feedback"
    rejected = "rejected"
    ghosted = "ghosted"
    rescinded = "rescinded"
    withdrew = "withdrew"
    waiting = "waiting"

    @property
    def is_decision(self) -> bool:
        return self in DECISIONS


# Outcomes where the employer communicated a decision (they carry "days to decision").
DECISIONS = frozenset(
    {Outcome.offer, Outcome.rejected_with_feedback, Outcome.rejected, Outcome.rescinded}
)


class Feedback(enum.Enum):
    none = "none"
    generic = "generic"
    specific = "specific"
