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

    # Members are singletons compared by identity: hash them by identity too, in C. Enum's own
    # __hash__ (hash of the name, in Python) was 6% of a rebuild: "outcome in DECISIONS" runs
    # a few million times.
    __hash__ = object.__hash__

    @property
    def rank(self) -> int:
        return _STAGE_RANKS[self]


_STAGE_RANKS = {stage: rank for rank, stage in enumerate(Stage)}


# --- Every step reached (DESIGN.md §4: "a phone screen, a two-hour interview, references contacted
# and a writing exercise"): a set of stages kept as one integer, bit `rank` for each stage, so the
# database can check it and a revision or a pending change holds it as plain JSON.


def steps_mask(stages) -> int:
    """The integer of a set of stages (bit `stage.rank` set for each)."""
    mask = 0
    for stage in stages:
        mask |= 1 << stage.rank
    return mask


def steps_of(mask: int | None) -> list[Stage]:
    """The stages of a mask, in order (empty for None)."""
    if not mask:
        return []
    return [stage for stage in Stage if mask & (1 << stage.rank)]


def steps_check_sql(column: str = "steps", stage_column: str = "stage") -> str:
    """SQL true when `column` is NULL or a mask whose furthest step is the row's stage: its value
    lies in [2^rank, 2^(rank+1)) for the stage's rank (the same on SQLite and PostgreSQL)."""
    low = " ".join(f"WHEN '{s.value}' THEN {1 << s.rank}" for s in Stage)
    high = " ".join(f"WHEN '{s.value}' THEN {(1 << (s.rank + 1)) - 1}" for s in Stage)
    return (
        f"{column} IS NULL OR ({column} >= CASE {stage_column} {low} END"
        f" AND {column} <= CASE {stage_column} {high} END)"
    )


class Outcome(enum.Enum):
    offer = "offer"
    rejected_with_feedback = "rejected_with_feedback"
    rejected = "rejected"
    ghosted = "ghosted"
    rescinded = "rescinded"
    withdrew = "withdrew"
    waiting = "waiting"

    __hash__ = object.__hash__  # as Stage's

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
