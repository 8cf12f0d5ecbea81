"""The parameters of the responsiveness score, in one place (DESIGN.md §6).

The methodology page shows these; a change here is a change to the published method, so measure it
with the benchmark (bench/) first.
"""

from __future__ import annotations

from reviews.models import Outcome, Stage

# DESIGN.md §6, per-review value u: a ghosted case is worth something only when the candidate had
# invested little (silence after real investment is the worst outcome).
GHOSTED_VALUE = {Stage.applied: 0.30, Stage.screen: 0.15}  # every later stage: 0
GHOSTED_VALUE_LATER = 0.0

# DESIGN.md §6: a communicated decision is worth BASE + T_WEIGHT·T + Q_WEIGHT·Q, minus
# UNANSWERED_FOLLOWUPS_PENALTY when follow-ups were sent and none was answered, clamped to [0, 1].
DECISION_BASE = 0.6
T_WEIGHT = 0.25
Q_WEIGHT = 0.15
UNANSWERED_FOLLOWUPS_PENALTY = 0.1

# DESIGN.md §6, T (timeliness) with a promised timeline: kept / missed.
T_PROMISE_KEPT = 1.0
T_PROMISE_MISSED = 0.3
# DESIGN.md §6, T without a promise: (decided within this many days, T); later: T_LATE.
T_BY_DAYS = ((7, 1.0), (14, 0.7), (30, 0.4))
T_LATE = 0.1

# DESIGN.md §6, Q (quality of the decision).
Q_BY_OUTCOME = {
    Outcome.offer: 1.0,
    Outcome.rejected_with_feedback: 1.0,
    Outcome.rejected: 0.5,
    Outcome.rescinded: 0.0,
}

# DESIGN.md §6, waiting cases: q is the chance of still hearing back by this day, given the silence.
HEAR_BACK_HORIZON_DAYS = 30

# DESIGN.md §6, weights: a two-year half-life from the last contact date; older than four years is
# not scored.
HALF_LIFE_DAYS = 730
MAX_AGE_DAYS = 4 * 365

# DESIGN.md §6, shrinkage: M = max(M̂, M_FLOOR). The floor halves what five fake reviews can do to
# a small employer.
M_FLOOR = 10.0
# When the employers' means vary no more than sampling noise explains, the between-employer variance
# estimate is ≤ 0; it is floored here, which makes M̂ very large (shrink almost fully to μ).
BETWEEN_VARIANCE_FLOOR = 1e-6

# DESIGN.md §6: scores shrink toward their industry's μ from this many employers with reviews.
MIN_EMPLOYERS_FOR_INDUSTRY_MU = 200

# DESIGN.md §6, "shown when" (and §5.3 small-count protection).
MIN_N_SHOWN = 3.0
MIN_DISTINCT_AUTHORS_SHOWN = 3
MIN_N_MOST_RESPONSIVE = 5.0
MIN_SPREAD_DAYS_MOST_RESPONSIVE = 30
MIN_N_LEAST_RESPONSIVE = 10.0

# DESIGN.md §6, verdict bands: a score at a boundary belongs to the band above it.
RESPONSIVE_FROM = 75
MIXED_FROM = 50
OFTEN_SILENT_FROM = 25

NOT_ENOUGH_REVIEWS = "not enough reviews yet"
