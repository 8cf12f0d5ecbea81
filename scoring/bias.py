"""The reporting-bias correction (DESIGN.md §6 "Reporting bias is corrected", §12), as plain
functions: no Flask, no database (tests/unit/test_architecture.py keeps it so).

Every review site samples the angry: a candidate who was ghosted writes more often than one who
got an answer, so the share of silence among reports overstates the share among applications. A
report tracked in My applications before its outcome was known (`ReviewFacts.prospective`) was
not written because of how it ended. If silent outcomes are reported retrospectively B times as
often as answered ones, the odds of silence among retrospective reports are B times the true
odds, and among prospective ones they are the true odds; so

    B = [s_r / a_r] / [s_p / a_p]

the odds ratio of silence, retrospective against prospective, with s silent and a answered
reports (0.5 added to each of the four counts, the Haldane-Anscombe estimator, so an empty
count gives a finite B). A retrospective silent report then weighs w/B in the estimate, which
gives the retrospective reports the prospective reports' odds. Its uncertainty is the usual one
of a log odds ratio: SE(log B) = √(Σ 1/count), an interval exp(log B ± z·SE).

What counts, consistently with scoring.engine:
- silent: h = 0 (ghosted, or an answer the candidate had to chase); answered: h = 1 (a decision
  told unprompted). Withdrawals count nowhere.
- Reports whose outcome is `waiting` (open, or presumed ghosted since) count nowhere either, in
  both groups: a report written while still waiting, tracked or not, was written before its
  outcome was known, so it was not chosen by it. It is not reweighted, and it would only blur B:
  a prospective waiting report that turned into presumed silence would count as silence on one
  side while the same report untracked counted on neither. So B compares the reports that tell a
  settled outcome, prospective against retrospective, and only settled retrospective silent
  reports are reweighted.

Counts are of reports, not weights (each counted review, w > 0, is one report); the factor is
the same for every employer of an industry, so no campaign can aim it at one employer, and
BIAS_RANGE bounds what any can do to all.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass
from statistics import NormalDist

from scoring import params
from scoring.engine import ReviewFacts
from scoring.vocabulary import Outcome

# Added to each of the four counts (Haldane-Anscombe).
CONTINUITY = 0.5


@dataclass(frozen=True)
class Counts:
    """The reports B rests on: those that tell a settled outcome, prospective and retrospective,
    and of each how many were silent and how many answered."""

    prospective: int = 0
    prospective_silent: int = 0
    prospective_heard: int = 0
    retrospective: int = 0
    retrospective_silent: int = 0
    retrospective_heard: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(*(a + b for a, b in zip(_fields(self), _fields(other), strict=True)))


def _fields(counts: Counts) -> tuple:
    return tuple(asdict(counts).values())


def settled(facts: ReviewFacts) -> bool:
    """The report tells a settled outcome (not `waiting`, not `withdrew`): h is 0 or 1."""
    return facts.outcome not in (Outcome.waiting, Outcome.withdrew)


def settled_retrospective(facts: ReviewFacts) -> bool:
    """A report that tells a settled outcome and was not tracked before it: the kind whose
    author may have written because of how it ended, which the correction reweights."""
    return not facts.prospective and settled(facts)


# What a counted review is to the correction (`kind_of`), kept in place of its facts when a
# million are read: not settled, settled and tracked before the outcome, settled retrospective.
UNSETTLED, PROSPECTIVE, RETROSPECTIVE = 0, 1, 2


def kind_of(facts: ReviewFacts) -> int:
    if not settled(facts):
        return UNSETTLED
    return PROSPECTIVE if facts.prospective else RETROSPECTIVE


def tally(valued: Iterable[tuple[ReviewFacts, float]]) -> Counts:
    """Counts from (facts, h) of the counted reviews (h from scoring.engine.review_value)."""
    return tally_kinds((kind_of(facts), h) for facts, h in valued)


def tally_kinds(valued: Iterable[tuple[int, float]]) -> Counts:
    """`tally` from (kind_of(facts), h)."""
    found = [0] * 6  # prospective: all, silent, heard; retrospective: the same
    for kind, h in valued:
        if kind == UNSETTLED:
            continue
        side = 0 if kind == PROSPECTIVE else 3
        found[side] += 1
        found[side + (1 if h <= 0 else 2)] += 1
    return Counts(*found)


@dataclass(frozen=True)
class Factor:
    """The factor in force for a cell (the site or an industry).

    `value` is what the weights use: 1 when not `applied`. `estimate`, `low`, `high` are B as
    measured (before clamping and any shrinking) and its interval; None below the threshold."""

    value: float
    applied: bool
    basis: str  # "site", "industry" or "none" (not enough prospective reports)
    prospective: int
    retrospective: int
    minimum: int  # the prospective reports the cell needs
    estimate: float | None = None
    low: float | None = None
    high: float | None = None
    se_log: float | None = None

    def as_dict(self) -> dict:
        return {
            key: round(value, 4) if isinstance(value, float) else value
            for key, value in asdict(self).items()
        }

    @classmethod
    def from_dict(cls, raw: Mapping | None) -> Factor | None:
        if not raw:
            return None
        known = {key: raw[key] for key in cls.__dataclass_fields__ if key in raw}
        try:
            return cls(**known)
        except TypeError:
            return None


NO_CORRECTION = Factor(1.0, False, "none", 0, 0, params.BIAS_MIN_PROSPECTIVE)


def odds_ratio(counts: Counts) -> tuple[float, float]:
    """(B, SE of log B), with CONTINUITY added to each count."""
    cells = (
        counts.retrospective_silent + CONTINUITY,
        counts.retrospective_heard + CONTINUITY,
        counts.prospective_silent + CONTINUITY,
        counts.prospective_heard + CONTINUITY,
    )
    rs, rh, ps, ph = cells
    log_b = math.log(rs / rh) - math.log(ps / ph)
    return math.exp(log_b), math.sqrt(sum(1 / cell for cell in cells))


def estimate_factor(counts: Counts, minimum: int, basis: str) -> Factor:
    """B for one cell: measured from `minimum` prospective reports on (and with at least one
    retrospective report to correct), else no correction."""
    if not params.BIAS_CORRECTION or counts.prospective < minimum or not counts.retrospective:
        return Factor(1.0, False, "none", counts.prospective, counts.retrospective, minimum)
    b, se = odds_ratio(counts)
    z = NormalDist().inv_cdf(0.5 + params.BIAS_INTERVAL_MASS / 2)
    log_b = math.log(b)
    if params.BIAS_PRIOR_SD is not None:
        prior = params.BIAS_PRIOR_SD**2
        log_b *= prior / (prior + se * se)
    low, high = params.BIAS_RANGE
    value = min(max(math.exp(log_b), low), high)
    return Factor(
        value=value,
        applied=True,
        basis=basis,
        prospective=counts.prospective,
        retrospective=counts.retrospective,
        minimum=minimum,
        estimate=b,
        low=math.exp(math.log(b) - z * se),
        high=math.exp(math.log(b) + z * se),
        se_log=se,
    )


def factors(site: Counts, industries: Mapping[str, Counts]) -> dict:
    """What the daily refresh stores: the site's factor, and each industry's where it has enough
    prospective reports of its own (params.BIAS_PER_INDUSTRY); other industries use the site's."""
    found = {
        "site": estimate_factor(site, params.BIAS_MIN_PROSPECTIVE, "site").as_dict(),
        "industries": {},
    }
    if params.BIAS_PER_INDUSTRY:
        for key, counts in sorted(industries.items()):
            factor = estimate_factor(counts, params.BIAS_MIN_PROSPECTIVE_INDUSTRY, "industry")
            if factor.applied:
                found["industries"][key] = factor.as_dict()
    return found


def factor_for(stored: Mapping | None, industry: str | None) -> Factor:
    """The factor an employer of this industry uses: its industry's, else the site's, else none."""
    stored = stored or {}
    own = Factor.from_dict((stored.get("industries") or {}).get(industry or ""))
    if own is not None and own.applied:
        return own
    site = Factor.from_dict(stored.get("site"))
    if site is not None and site.applied:
        return site
    return site or NO_CORRECTION


def corrected(
    valued: Iterable[tuple[ReviewFacts, float, float]], factor: float
) -> list[tuple[float, float]]:
    """(h, w) with each settled retrospective silent report's weight divided by B. With B = 1
    the weights are returned as they were (not recomputed: the figures stay bit for bit)."""
    if factor == 1.0:
        return [(h, w) for _, h, w in valued]
    kinds = [(kind_of(facts), h, w) for facts, h, w in valued]
    return list(corrected_kinds(kinds, kinds, factor))


def corrected_kinds(
    measured: Iterable[tuple[int, float, float]],
    valued: Iterable[tuple[int, float, float]],
    factor: float,
) -> Iterator[tuple[float, float]]:
    """`corrected` from (kind_of(facts), h, w), yielded as they come. `measured` gives the
    scale of params.BIAS_KEEP_WEIGHT (the reports whose odds are kept); `valued` is then what is
    corrected: the same reports, read a second time (a pool of a million is never a list)."""
    if factor == 1.0:
        yield from ((h, w) for _, h, w in valued)
        return
    scale = 1.0
    if params.BIAS_KEEP_WEIGHT:
        # The same odds, at the weight the reports had (params.BIAS_KEEP_WEIGHT).
        silent = heard = 0.0
        for kind, h, w in measured:
            if kind == RETROSPECTIVE:
                if h <= 0:
                    silent += w
                else:
                    heard += w
        if silent > 0:
            scale = (silent + heard) / (silent / factor + heard)
    for kind, h, w in valued:
        if kind == RETROSPECTIVE:
            yield (h, w * scale / factor if h <= 0 else w * scale)
        else:
            yield (h, w)
