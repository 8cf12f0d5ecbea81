"""An employer's statistics as running sums (issue 19, DESIGN.md §6).

Every figure of an employer's statistics row (scoring.stats.figures_of) is read from a `Sketch`:
counts, sums and day-count histograms that are each the total of one `Contribution` per
published review. A review's contribution depends on the review, the day and the site's
parameters (its weight ages by the day; an open case's value reads the site's curve F), so a
sketch holds for one day and one set of parameters; scoring.stats keeps it beside the row and
rebuilds it from every review when either has changed (the daily recompute moves both).

Within the day, a change to a few reviews is folded in (`Sketch.fold`): their old contributions
taken away, their new ones added. That costs the same at an employer of 10 reviews as at one of
10,000, where reading every review took half a second.

- Sums are integers in units of 2^-64, not floats: integer sums are the same in whatever order
  reviews were added and taken away, so a sketch folded change by change is equal, bit for bit,
  to one built from scratch (tests/functional/test_running_sums.py), and a sum emptied by
  taking everything away is 0 again.
- The k-rules (DESIGN.md §5.3) need distinct reviewers, which do not add up: a reviewer with two
  reviews is one. A contribution names the counts of distinct reviewers its author is one of
  ("authors:scored", "authors:stages:5", ...); the sketch keeps each count, and a fold counts
  again only the changed reviews' authors, from those authors' other reviews (`others`).
- The new accounts' cap and the reporting-bias correction scale sums, not reviews: weights are
  summed apart for capped and full-weight reviews, and for settled retrospective reports, so
  each scale is applied to the totals.

Nothing here reads the database or the clock.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from scoring import bias, engine
from scoring import figures as side
from scoring.vocabulary import DECISIONS, Outcome

# Stored sketches of another format are rebuilt, not read.
FORMAT = 3

_UNIT = 2**64  # sums are kept in units of 2^-64 (`fixed`)

# The stage groups of "hear-back rate by stage", and the bit of each in a set of groups (any
# set of them may be merged into "other stages", so each set counts its reviewers).
_GROUPS = {
    stage: (index, key)
    for index, (key, _, stages) in enumerate(side.STAGE_GROUPS)
    for stage in stages
}
_GROUP_SETS = range(1, 1 << len(side.STAGE_GROUPS))
_LENGTHS = len(side.LENGTH_BUCKETS)
# What a scored review is to the reporting-bias correction (scoring.bias.corrected): a settled
# retrospective report, silent or not, or any other.
KINDS = ("silent", "heard", "other")
# Weights are summed apart for the full-weight reviews and those under the new accounts' cap.
FULL, CAPPED = "F", "N"


def fixed(x: float) -> int:
    """x in units of 2^-64 (exact for a weight of 2^-11 and up; below, to 2^-64)."""
    return round(x * _UNIT)


def unfixed(x: int) -> float:
    """The float nearest a sum kept by `fixed` (int / int is correctly rounded)."""
    return x / _UNIT


def stage_group_key(keys: Iterable[str]) -> str:
    """The cell of the reviewers of these stage groups together."""
    mask = 0
    for index, (key, _, _) in enumerate(side.STAGE_GROUPS):
        if key in keys:
            mask |= 1 << index
    return f"authors:stages:{mask}"


def length_range_key(first: int, last: int) -> str:
    """The cell of the candidates of process-length buckets first..last together."""
    return f"authors:length:{first}-{last}"


@dataclass(frozen=True, slots=True)
class Contribution:
    """What one review adds to its employer's sketch."""

    author: int | str
    ones: tuple[str, ...]  # counts it adds 1 to
    sums: tuple[tuple[str, int], ...]  # (key, amount in units of 2^-64)
    days: tuple[tuple[str, int], ...]  # (histogram, day count or date ordinal)
    cells: tuple[str, ...]  # the counts of distinct reviewers its author is one of


# Keys made once (a rebuild makes a million contributions): an answer to a yes/no question
# (side.share_of's count, yes, Σw and Σx·w), by question and weight group.
def _answer_keys(name: str) -> dict[str, tuple[str, str, str, str]]:
    return {
        group: (f"{name}:count", f"{name}:yes", f"{name}:w:{group}", f"{name}:xw:{group}")
        for group in (FULL, CAPPED)
    }


_QUESTIONS = tuple((question, _answer_keys(name)) for name, question in side.QUESTIONS.items())
_RECENT_HEAR_BACK = _answer_keys("recent:hear_back")
_STAGE_KEYS = {
    stage: (
        _answer_keys(f"stage:{key}"),
        tuple(f"authors:stages:{mask}" for mask in _GROUP_SETS if mask & (1 << index)),
    )
    for stage, (index, key) in _GROUPS.items()
}
_LENGTH_KEYS = tuple(
    (
        f"length:{bucket}",
        tuple(
            length_range_key(first, last)
            for first in range(bucket + 1)
            for last in range(bucket, _LENGTHS)
        ),
    )
    for bucket in range(_LENGTHS)
)
_STEP_KEYS = tuple(
    (1 << stage.rank, f"step:{stage.value}", f"authors:step:{stage.value}")
    for stage in side.LISTED_STEPS
)
_VALUED_KEYS = {
    (period, group, kind): (
        f"valued:{period}",
        f"w:{period}:{group}:{kind}",
        f"wh:{period}:{group}:{kind}",
    )
    for period in ("all", "recent")
    for group in (FULL, CAPPED)
    for kind in KINDS
}


def contribution(facts: engine.ReviewFacts, today: date, curve: engine.KMCurve) -> Contribution:
    """A published review's contribution, on `today`, with the site's curve F."""
    ones = ["reviews"]
    sums: list[tuple[str, int]] = []
    days: list[tuple[str, int]] = []
    cells = ["authors:all"]
    if side._ghosted(facts):
        ones.append("ghosted")
    elif facts.outcome is Outcome.waiting:
        ones.append("waiting")
    if facts.outcome in DECISIONS:
        ones.append("decided")
    _process(facts, ones, cells)
    weight = engine.weight(facts, today)
    if weight > 0:
        _weighted(facts, weight, today, curve, (ones, sums, days, cells))
    return Contribution(facts.author_key, tuple(ones), tuple(sums), tuple(days), tuple(cells))


def _process(facts: engine.ReviewFacts, ones: list, cells: list) -> None:
    """The whole process: its length, its steps, work turned down (side.process_length,
    side.steps_reached, side.turned_down_work: every published review, weighted or not)."""
    length = side.process_days(facts)
    if length is not None:
        key, ranges = _LENGTH_KEYS[side._length_bucket(length)]
        ones.append(key)
        cells.extend(ranges)
    steps = facts.steps
    if steps:
        ones.append("steps")
        cells.append("authors:steps")
        for bit, key, cell in _STEP_KEYS:
            if steps & bit:
                ones.append(key)
                cells.append(cell)
    if facts.turned_down_work is True:
        cells.append("authors:turned_down")


def _weighted(
    facts: engine.ReviewFacts, weight: float, today: date, curve: engine.KMCurve, into: tuple
) -> None:
    """What a review that counts (weight > 0) adds (side.weighted and what reads its pairs)."""
    ones, sums, days, cells = into
    full = engine.weighs_in_full(facts)
    group = FULL if full else CAPPED
    w = fixed(weight)
    ones.append("pairs")
    cells.append("authors:pairs")
    if not full:
        sums.append(("cap:new", w))
    elif not facts.new_account:
        sums.append(("cap:base", w))
    recent = side._silent_days(facts, today) <= side.RECENT_DAYS
    if recent:
        ones.append("recent")
        cells.append("authors:recent")
    answer = engine.heard_back(facts)
    if answer is True:
        ones.append("heard")
    elif answer is False:
        ones.append("silent")
    elif facts.outcome is Outcome.waiting:
        ones.append("open")
    if side._ghosted(facts):
        ones.append("never")
    for question, keys in _QUESTIONS:
        found = question(facts, today)
        if found is not None:
            _answer(ones, sums, keys[group], found, w)
    if answer is not None:
        if recent:
            _answer(ones, sums, _RECENT_HEAR_BACK[group], answer, w)
        stage_keys = _STAGE_KEYS.get(facts.stage)
        if stage_keys is not None:
            _answer(ones, sums, stage_keys[0][group], answer, w)
            cells.extend(stage_keys[1])
    observed = engine.km_observation(facts, today)
    if observed is not None:
        # KMTally's counts: leaving the risk set on that day, and of them, decided.
        days.append(("km_leaving", observed[0]))
        if observed[1]:
            days.append(("km_events", observed[0]))
    if side._shown_days(facts):
        days.append(("decided", facts.decision_days))
        if not facts.chased:
            days.append(("heard", facts.decision_days))
    value = engine.review_value(facts, today, km_curve=curve)
    if value is None:
        return  # a withdrawal: shown, not scored
    kind = "other"
    if bias.kind_of(facts) == bias.RETROSPECTIVE:
        kind = "silent" if value <= 0 else "heard"
    wh = fixed(weight * value)
    for period in ("all", "recent") if recent else ("all",):
        valued, w_key, wh_key = _VALUED_KEYS[period, group, kind]
        ones.append(valued)
        sums.append((w_key, w))
        if wh:  # a sketch holds no zero (Sketch._drop_empty)
            sums.append((wh_key, wh))
    cells.append("authors:scored")
    if engine.established(facts):
        cells.append("authors:established")
    days.append(("contact", facts.last_contact_on.toordinal()))


def _answer(ones: list, sums: list, keys: tuple, yes: bool, w: int) -> None:
    count, yes_key, w_key, xw_key = keys
    ones.append(count)
    sums.append((w_key, w))
    if yes:
        ones.append(yes_key)
        sums.append((xw_key, w))


class Sketch:
    """The totals of an employer's contributions (see the module's notes)."""

    __slots__ = ("counts", "days")

    def __init__(
        self,
        counts: Mapping[str, int] | None = None,
        days: Mapping[str, Mapping[int, int]] | None = None,
    ) -> None:
        self.counts: Counter[str] = Counter(counts or {})
        self.days: dict[str, Counter[int]] = {
            name: Counter(found) for name, found in (days or {}).items()
        }

    @classmethod
    def of(cls, contributions: Iterable[Contribution]) -> Sketch:
        ones: list[str] = []
        days: list[tuple[str, int]] = []
        sums: dict[str, int] = {}
        cells_of: dict[int | str, set[str]] = {}
        for found in contributions:
            ones += found.ones
            days += found.days
            for key, amount in found.sums:
                sums[key] = sums.get(key, 0) + amount
            cells = cells_of.get(found.author)
            if cells is None:
                cells_of[found.author] = set(found.cells)
            else:
                cells.update(found.cells)
        for cells in cells_of.values():
            ones += cells
        counts = Counter(ones)  # counted in C
        counts.update(sums)
        sketch = cls(counts)
        for (name, day), count in Counter(days).items():
            sketch.days.setdefault(name, Counter())[day] = count
        return sketch

    def fold(
        self,
        removed: Iterable[Contribution],
        added: Iterable[Contribution],
        others: Mapping[int | str, Iterable[Contribution]],
    ) -> None:
        """Take away the old contributions of changed reviews and add their new ones. `others`:
        the contributions of the changed reviews' authors' other published reviews (unchanged),
        by author, from which each cell's distinct reviewers are counted again."""
        removed, added = list(removed), list(added)
        for found in removed:
            self._add(found, -1)
        for found in added:
            self._add(found, 1)
        for author in {found.author for found in (*removed, *added)}:
            kept = set().union(*(found.cells for found in others.get(author, ())))
            before = kept.union(*(found.cells for found in removed if found.author == author))
            after = kept.union(*(found.cells for found in added if found.author == author))
            for cell in after - before:
                self.counts[cell] += 1
            for cell in before - after:
                self.counts[cell] -= 1
        self._drop_empty(removed)

    def _add(self, found: Contribution, sign: int) -> None:
        counts = self.counts
        for key in found.ones:
            counts[key] += sign
        for key, amount in found.sums:
            counts[key] += sign * amount
        for name, day in found.days:
            self.days.setdefault(name, Counter())[day] += sign

    def _drop_empty(self, removed: list[Contribution]) -> None:
        """Drop what the removed contributions emptied: a sketch holds no zero (so two sketches
        of the same reviews are equal, and stored alike)."""
        counts, days = self.counts, self.days
        for found in removed:
            for key in (*found.ones, *found.cells, *(key for key, _ in found.sums)):
                if key in counts and not counts[key]:
                    del counts[key]
            for name, day in found.days:
                histogram = days.get(name)
                if histogram is not None and day in histogram and not histogram[day]:
                    del histogram[day]
                    if not histogram:
                        del days[name]

    def histogram(self, name: str) -> Counter[int]:
        return self.days.get(name) or Counter()

    def curve(self) -> engine.KMCurve:
        """The employer's own KM curve of days to decision (side.curve_of)."""
        tally = engine.KMTally()
        tally.leaving_at = dict(self.histogram("km_leaving"))
        tally.events_at = dict(self.histogram("km_events"))
        tally.count = sum(tally.leaving_at.values())
        return tally.curve()

    def spread_days(self) -> int:
        """Days between the earliest and latest last contact of the scored reviews."""
        dates = [day for day, count in self.histogram("contact").items() if count > 0]
        return max(dates) - min(dates) if dates else 0

    def to_json(self) -> str:
        """Stored as JSON: the counts by key, each histogram as its first day and the counts of
        every day from there to its last (dense: a 10,000-review employer's 4 years of contact
        dates take 3 KB, not 17)."""
        days = {}
        for name, found in sorted(self.days.items()):
            first = min(found)
            dense = [0] * (max(found) - first + 1)
            for day, count in found.items():
                dense[day - first] = count
            days[name] = [first, *dense]
        return json.dumps(
            {"format": FORMAT, "counts": dict(sorted(self.counts.items())), "days": days},
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str) -> Sketch | None:
        """The stored sketch, or None when it is of another format."""
        data = json.loads(text)
        if data.get("format") != FORMAT:
            return None
        days = {
            name: {first + offset: count for offset, count in enumerate(counts) if count}
            for name, (first, *counts) in data["days"].items()
        }
        return cls(data["counts"], days)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sketch):
            return NotImplemented
        return self.to_json() == other.to_json()

    __hash__ = None  # type: ignore[assignment]
