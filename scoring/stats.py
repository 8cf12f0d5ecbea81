"""Keeping the per-employer statistics rows (DESIGN.md §6, "Storage").

- `refresh_employer` recomputes one employer's row from its published reviews: called in the same
  transaction as any change to one of them (publication, an update, a deletion), at a cost
  proportional to that employer's reviews.
- `refresh_site_parameters` recomputes μ, M, the pooled variance and F from every
  published review: the daily `tick` does it, since ageing changes them.
- `recompute` rebuilds the site parameters and every row from scratch; both paths go through
  `employer_figures`, so recompute reproduces what the incremental updates stored. It reads the
  reviews in parts of PART_EMPLOYERS employers, twice (scoring.pooling's tallies, then the rows),
  in as many processes as it is given workers, with the same figures whatever their number.
"""

from __future__ import annotations

import functools
import gc
import hashlib
import multiprocessing
import multiprocessing.pool
import operator
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import groupby

from flask import current_app, g
from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy import event as sa_event

from employers.models import Employer, EmployerStats
from extensions import db
from reviews.models import Outcome, Review, ReviewStatus
from scoring import bias, engine, params
from scoring import figures as side
from scoring.ghosting import is_presumed_ghosted, rule_digest
from scoring.models import EmployerSketch, SiteParameters
from scoring.pooling import (
    DEFAULT_MU,
    DEFAULT_WITHIN_VARIANCE,
    EmployerReviews,
    SiteTally,
)
from scoring.sketch import (
    CAPPED,
    FULL,
    KINDS,
    Contribution,
    Sketch,
    contribution,
    length_range_key,
    stage_group_key,
    unfixed,
)
from scoring.sketch import FORMAT as SKETCH_FORMAT
from timeutils import today as today_utc
from timeutils import utcnow


@dataclass(frozen=True)
class Inputs:
    """The site-wide inputs as the engine takes them, and the side figures' baselines."""

    mu: float
    m: float
    within_variance: float
    curve: engine.KMCurve
    baselines: dict = field(default_factory=dict)

    @classmethod
    def from_row(cls, row: SiteParameters | None) -> Inputs:
        if row is None:
            return cls(DEFAULT_MU, params.M_FLOOR, DEFAULT_WITHIN_VARIANCE, engine.KMCurve())
        curve = engine.KMCurve(
            tuple(row.km_times),
            tuple(row.km_cumulative),
            row.km_observations,
            row.km_events,
        )
        return cls(row.mu, row.m, row.within_variance, curve, row.baselines or {})

    @functools.cached_property
    def digest(self) -> str:
        """Of the curve F: what a review's contribution reads of the inputs (scoring.sketch)."""
        curve = (self.curve.times, self.curve.cumulative)
        return hashlib.blake2b(repr(curve).encode(), digest_size=8).hexdigest()

    def mu_for(self, industry: str | None) -> float:
        """μ of the employer's industry once it has enough employers (DESIGN.md §6), else the
        site's."""
        found = self.baselines.get("industries", {}).get(industry or "")
        if found and found.get("mu") is not None:
            return found["mu"]
        return self.mu

    def bias_for(self, industry: str | None) -> float:
        """The reporting-bias factor B an employer of this industry's figures use (scoring.bias):
        its industry's where measured, else the site's, else 1 (no correction)."""
        return bias.factor_for(self.baselines.get("reporting_bias"), industry).value

    def industry(self, industry: str | None) -> dict | None:
        return public_baselines(self.baselines).get("industries", {}).get(industry or "")


def public_baselines(baselines: dict | None) -> dict:
    """The baselines without a pooled cell (an industry, the site) from fewer than
    MIN_CELL_AUTHORS distinct reviewers (DESIGN.md §5.3): applied when they are computed, and
    again by every reader, so a row stored before the rule cannot show one."""
    baselines = dict(baselines or {})
    if "industries" in baselines:
        baselines["industries"] = {
            key: cell for key, cell in baselines["industries"].items() if _enough_reviewers(cell)
        }
    if "site" in baselines and not _enough_reviewers(baselines["site"]):
        baselines["site"] = None
    return baselines


def _enough_reviewers(cell: dict | None) -> bool:
    return bool(cell) and cell.get("authors", 0) >= side.MIN_CELL_AUTHORS


# The site parameters as Inputs, kept per app and answered while the row's updated_at is the one
# they were read at (issue 19: an uncached employer page used to load and parse the whole row,
# its curve and baselines, on every request; now one narrow query). Any write through the ORM in
# this process forgets them at once (so a clock frozen by a test can't keep them), and a write
# by another process (the daily recompute) moves updated_at.
_INPUTS: dict[int, tuple[object, Inputs]] = {}


def _forget_inputs(*_args) -> None:
    _INPUTS.clear()


for _event in ("after_insert", "after_update", "after_delete"):
    sa_event.listen(SiteParameters, _event, _forget_inputs)


def current_inputs() -> Inputs:
    updated = db.session.scalar(select(SiteParameters.updated_at).where(SiteParameters.id == 1))
    if updated is None:
        return Inputs.from_row(None)
    key = id(current_app._get_current_object())
    kept = _INPUTS.get(key)
    if kept is not None and kept[0] == updated:
        return kept[1]
    inputs = Inputs.from_row(db.session.get(SiteParameters, 1))
    _INPUTS[key] = (updated, inputs)
    return inputs


# The review columns the score reads, selected as plain rows by the full rebuild (no ORM objects).
FACT_COLUMNS = (
    Review.id,
    Review.author_id,
    Review.employer_id,
    Review.stage,
    Review.outcome,
    Review.decision_days,
    Review.promised_days,
    Review.followups_sent,
    Review.followups_answered,
    Review.feedback,
    Review.last_contact_on,
    Review.published_at,
    Review.burst_capped_at,
    Review.employer_followed_up_at,
    Review.new_account,
    Review.contact_verified,
    Review.chased_for_decision,
    Review.prospective,
    Review.process_month,
    Review.steps,
    Review.turned_down_work,
)


def facts_from_row(row, today: date) -> engine.ReviewFacts:
    """facts_from_review for a row of FACT_COLUMNS (and any columns after them), unpacked by
    position: the full rebuild makes a million of these, and reading a Row's fields by name cost
    about 15 µs a review (issue 19)."""
    (
        review_id,
        author_id,
        _employer_id,
        stage,
        outcome,
        decision_days,
        promised_days,
        followups_sent,
        followups_answered,
        feedback,
        last_contact_on,
        _published_at,
        burst_capped_at,
        employer_followed_up_at,
        new_account,
        contact_verified,
        chased_for_decision,
        prospective,
        process_month,
        steps,
        turned_down_work,
        *_,
    ) = row
    presumed = False
    if outcome is Outcome.waiting:
        presumed = is_presumed_ghosted(
            _Waiting(outcome, last_contact_on, promised_days, review_id), today
        )
    return engine.ReviewFacts(
        stage=stage,
        outcome=outcome,
        decision_days=decision_days,
        promised_days=promised_days,
        followups_sent=followups_sent,
        followups_answered=followups_answered,
        feedback=feedback,
        last_contact_on=last_contact_on,
        presumed_ghosted=presumed,
        held=burst_capped_at is not None,
        author_key=author_id if author_id is not None else f"review-{review_id}",
        contact_confirmed=employer_followed_up_at is not None,
        chased=chased_for_decision is True,
        new_account=bool(new_account),
        contact_verified=bool(contact_verified),
        prospective=prospective is True,
        process_month=process_month,
        steps=steps,
        turned_down_work=turned_down_work,
    )


@dataclass(frozen=True)
class _Waiting:
    """What scoring.ghosting.is_presumed_ghosted reads of a review."""

    outcome: Outcome
    last_contact_on: date
    promised_days: int | None
    id: int


def facts_from_review(review, today: date) -> engine.ReviewFacts:
    """The engine's view of a review: a Review or a row of FACT_COLUMNS."""
    return engine.ReviewFacts(
        stage=review.stage,
        outcome=review.outcome,
        decision_days=review.decision_days,
        promised_days=review.promised_days,
        followups_sent=review.followups_sent,
        followups_answered=review.followups_answered,
        feedback=review.feedback,
        last_contact_on=review.last_contact_on,
        presumed_ghosted=is_presumed_ghosted(review, today),
        # DESIGN.md §8: over the burst cap, visible but not scored until a moderator clears it.
        held=review.burst_capped_at is not None,
        # A de-linked review (its account deleted) counts as an author of its own.
        author_key=review.author_id if review.author_id is not None else f"review-{review.id}",
        contact_confirmed=review.employer_followed_up_at is not None,
        new_account=bool(review.new_account),
        contact_verified=bool(review.contact_verified),
        chased=review.chased_for_decision is True,
        prospective=review.prospective is True,
        process_month=review.process_month,
        steps=review.steps,
        turned_down_work=review.turned_down_work,
    )


def _published(statement):
    return statement.where(Review.status == ReviewStatus.published)


def employer_figures(
    facts: list[engine.ReviewFacts], inputs: Inputs, today: date, industry: str | None = None
) -> dict:
    """Everything the statistics row holds, from one employer's published reviews."""
    return figures_of(sketch_of(facts, inputs, today), inputs, today, industry)


def sketch_of(facts: Iterable[engine.ReviewFacts], inputs: Inputs, today: date) -> Sketch:
    return Sketch.of(contribution(item, today, inputs.curve) for item in facts)


def figures_of(sketch: Sketch, inputs: Inputs, today: date, industry: str | None = None) -> dict:
    """Everything the statistics row holds, from the sketch of an employer's published reviews
    (scoring.sketch; the lists' figures are side's, the same whichever way they are fed)."""
    counts = sketch.counts
    mu, factor = inputs.mu_for(industry), inputs.bias_for(industry)
    cap = _cap_scale(counts)
    found = _estimate(counts, "all", cap, factor, mu, inputs.m)
    score = sd = None
    if found.n > 0:
        score, sd = found.value, found.sd
    priors = inputs.baselines.get("priors", {})

    def shares(name: str) -> side.ShareSums:
        return (
            counts[f"{name}:count"],
            counts[f"{name}:yes"],
            _scaled(counts, f"{name}:w", cap),
            _scaled(counts, f"{name}:xw", cap),
        )

    def hear_back(name: str):
        return lambda: side.share_of(*shares(name), side.Prior.of(priors.get("hear_back")))

    def score_of(period: str):
        if not counts[f"valued:{period}"]:
            return lambda: None
        if period == "all":
            return lambda: found.value
        return lambda: _estimate(counts, period, cap, factor, mu, inputs.m, interval=False).value

    days = side.days_of(
        sketch.histogram("decided"), sketch.curve(), sketch.histogram("heard"), counts["never"]
    )
    fallback, basis = inputs.industry(industry), "industry"
    if not fallback or (fallback.get("days") or {}).get("answered_p80") is None:
        fallback, basis = public_baselines(inputs.baselines).get("site"), "site"
    return {
        "review_count": counts["reviews"],
        "author_count": counts["authors:all"],
        "ghosted_count": counts["ghosted"],
        "waiting_count": counts["waiting"],
        "decided_count": counts["decided"],
        "weight_sum": found.n,
        "score": score,
        "score_sd": sd,
        # Reviews that count (value and weight > 0). DESIGN.md §5.3 shows a score from 3
        # reviews by 3 accounts, so the display threshold uses this count, not Σw (three
        # recent reviews weigh 2.97, not 3).
        "scored_reviews": counts["valued:all"],
        "scored_authors": counts["authors:scored"],
        "spread_days": sketch.spread_days(),
        "established_authors": counts["authors:established"],
        # No date in the figures: an employer's row is also recomputed when one of its reviews
        # changes, so its date would tell the day of an author's edit (DESIGN.md §5.1-5.2).
        "figures": {
            "headline": (
                side.headline_of(found, counts["heard"], counts["silent"], counts["open"])
                if found.n > 0
                else None
            ),
            **{
                name: side.share_of(*shares(name), side.Prior.of(priors.get(name)))
                for name in side.QUESTIONS
            },
            "hear_back_by_stage": side.stage_cells(
                {key: shares(f"stage:{key}") for key, _, _ in side.STAGE_GROUPS},
                lambda keys: counts[stage_group_key(keys)],
                priors,
            ),
            "days_to_decision": days,
            "process_length": side.length_cells(
                [counts[f"length:{bucket}"] for bucket in range(len(side.LENGTH_BUCKETS))],
                lambda first, last: counts[length_range_key(first, last)],
            ),
            "steps": side.steps_of(
                counts["steps"],
                counts["authors:steps"],
                {
                    stage: (counts[f"step:{stage.value}"], counts[f"authors:step:{stage.value}"])
                    for stage in side.LISTED_STEPS
                },
            ),
            "turned_down_work": side.turned_down_of(counts["authors:turned_down"]),
            "periods": {
                "recent": side.period_of(
                    counts["recent"],
                    counts["authors:recent"],
                    score_of("recent"),
                    hear_back("recent:hear_back"),
                ),
                "all": side.period_of(
                    counts["pairs"],
                    counts["authors:pairs"],
                    score_of("all"),
                    hear_back("hear_back"),
                ),
            },
            "expect": side.expectation(days, (fallback or {}).get("days"), basis),
        },
    }


def _cap_scale(counts: Mapping[str, int]) -> float:
    """What the capped (new accounts') weights are multiplied by (side.weighted)."""
    if params.NEW_ACCOUNT_CAP is None:
        return 1.0
    new = unfixed(counts["cap:new"])
    cap = params.NEW_ACCOUNT_CAP + unfixed(counts["cap:base"])
    return cap / new if new > cap else 1.0


def _scaled(counts: Mapping[str, int], prefix: str, cap: float) -> float:
    """A weight sum of full-weight and capped reviews, the capped ones scaled."""
    return unfixed(counts[f"{prefix}:{FULL}"]) + cap * unfixed(counts[f"{prefix}:{CAPPED}"])


def _estimate(
    counts: Mapping[str, int],
    period: str,
    cap: float,
    factor: float,
    mu: float,
    m: float,
    *,
    interval: bool = True,
) -> engine.Estimate:
    """The score of a period's scored reviews, with the reporting-bias correction (B =
    `factor`) applied to the sums as scoring.bias.corrected applies it to each report."""
    w = {kind: _kind_sum(counts, f"w:{period}", kind, cap) for kind in KINDS}
    wh = {kind: _kind_sum(counts, f"wh:{period}", kind, cap) for kind in KINDS}
    scale = {kind: 1.0 for kind in KINDS}
    if factor != 1.0:
        keep = 1.0
        if params.BIAS_KEEP_WEIGHT and w["silent"] > 0:
            keep = (w["silent"] + w["heard"]) / (w["silent"] / factor + w["heard"])
        scale = {"silent": keep / factor, "heard": keep, "other": 1.0}
    n = sum(w[kind] * scale[kind] for kind in KINDS)
    heard = sum(wh[kind] * scale[kind] for kind in KINDS)
    return engine.estimate_of(n, heard, mu, m, interval=interval)


def _kind_sum(counts: Mapping[str, int], prefix: str, kind: str, cap: float) -> float:
    return unfixed(counts[f"{prefix}:{FULL}:{kind}"]) + cap * unfixed(
        counts[f"{prefix}:{CAPPED}:{kind}"]
    )


def _store(employer_id: int, figures: dict) -> None:
    stats = db.session.get(EmployerStats, employer_id)
    if stats is None:
        stats = EmployerStats(employer_id=employer_id)
        db.session.add(stats)
    for name, value in figures.items():
        setattr(stats, name, value)


def as_before(review: Review) -> tuple | None:
    """A review about to change, as `refresh_employer(before=...)` takes it: its FACT_COLUMNS as
    they stand, or None when it is not published (it is in no figure)."""
    if review.status is not ReviewStatus.published:
        return None
    return tuple(getattr(review, column.key) for column in FACT_COLUMNS)


def refresh_employer(
    employer_id: int,
    today: date | None = None,
    *,
    before: Mapping[int, tuple | None] | None = None,
) -> None:
    """Recompute one employer's statistics row (the caller commits, with the review change).

    `before`: the reviews changed since the row was last refreshed, by id, each as it stood
    then (`as_before`). With it, their change is folded into the employer's sketch (its running
    sums, scoring.sketch), whatever the employer's number of reviews; without it, or when the
    sketch is of another day or other site parameters, or does not count the reviews there are,
    the sketch is built again from every published review."""
    today = today or today_utc()
    db.session.flush()
    inputs = current_inputs()
    industry = _lock_employer(employer_id)
    stamp = sketch_stamp(today, inputs)
    kept = db.session.get(EmployerSketch, employer_id, populate_existing=True)
    found = None
    if before is not None and kept is not None and kept.stamp == stamp:
        sketch = Sketch.from_json(kept.data)
        if sketch is not None:
            found = _folded(sketch, employer_id, before, today, inputs)
    if found is None:
        rows = db.session.execute(
            _published(select(*FACT_COLUMNS).where(Review.employer_id == employer_id))
        ).all()
        sketch = sketch_of((facts_from_row(row, today) for row in rows), inputs, today)
        latest = max((row.published_at for row in rows), default=None)
    else:
        sketch, latest = found
    figures = figures_of(sketch, inputs, today, _key(industry))
    figures["latest_published_at"] = latest
    # Always moved, even when no figure changed (a review's text did): HTTP validators of the
    # employer's pages derive from it (employers.routes._validate_employer).
    figures["updated_at"] = utcnow()
    _store(employer_id, figures)
    if kept is None:
        kept = EmployerSketch(employer_id=employer_id)
        db.session.add(kept)
    kept.stamp, kept.data = stamp, sketch.to_json()


def _lock_employer(employer_id: int):
    """The employer's industry, its row locked until the transaction ends (PostgreSQL: FOR NO
    KEY UPDATE, which reviews being added at the same employer don't wait for), so two
    refreshes of one employer's sketch take turns: each folds into what the other wrote."""
    return db.session.scalar(
        select(Employer.industry).where(Employer.id == employer_id).with_for_update(key_share=True)
    )


def sketch_stamp(today: date, inputs: Inputs) -> str:
    """What a sketch holds for: the sketch format, the day (weights age, open cases go silent),
    the site's curve F (an open case's value), the scoring constants, and what the
    presumed-ghosted rule reads (the app's secret and the mark window, as a keyed digest)."""
    return f"{SKETCH_FORMAT}:{today.isoformat()}:{inputs.digest}:{_params_digest()}:{rule_digest()}"


def _params_digest() -> str:
    constants = sorted((key, repr(found)) for key, found in vars(params).items() if key.isupper())
    return hashlib.blake2b(repr(constants).encode(), digest_size=8).hexdigest()


def _folded(
    sketch: Sketch,
    employer_id: int,
    before: Mapping[int, tuple | None],
    today: date,
    inputs: Inputs,
) -> tuple[Sketch, datetime | None] | None:
    """The sketch with the changed reviews folded in (their old contributions out, their new
    ones in, their authors' distinct counts taken again from those authors' other reviews) and
    the employer's latest publication; None when the sketch does not count the employer's
    published reviews (a change it was not told of, made by other means): then it is built
    again."""

    def contribution_of(row) -> Contribution:
        return contribution(facts_from_row(row, today), today, inputs.curve)

    changed = list(before)
    now = db.session.execute(
        _published(select(*FACT_COLUMNS)).where(
            Review.id.in_(changed), Review.employer_id == employer_id
        )
    ).all()
    then = [row for row in before.values() if row is not None and row[2] == employer_id]
    authors = {row[1] for row in (*then, *now) if row[1] is not None}
    others: dict[int | str, list[Contribution]] = {}
    if authors:
        for row in db.session.execute(
            _published(select(*FACT_COLUMNS)).where(
                Review.employer_id == employer_id,
                Review.author_id.in_(authors),
                Review.id.not_in(changed),
            )
        ):
            others.setdefault(row[1], []).append(contribution_of(row))
    sketch.fold(map(contribution_of, then), map(contribution_of, now), others)
    published, latest = db.session.execute(
        _published(select(func.count(), func.max(Review.published_at))).where(
            Review.employer_id == employer_id
        )
    ).one()
    return (sketch, latest) if sketch.counts["reviews"] == published else None


def refresh_employers(employer_ids: Iterable[int], today: date | None = None) -> None:
    for employer_id in sorted(set(employer_ids)):
        refresh_employer(employer_id, today)


def _key(industry) -> str | None:
    return industry.value if industry is not None else None


# --- site-wide --------------------------------------------------------------------------------

_EMPLOYER_ID = operator.itemgetter(2)  # FACT_COLUMNS[2]
# Employers read per part: each part is one query (a range of employer ids), and what one part
# gives back (its tally, or its rows) is what a process holds or sends at once.
PART_EMPLOYERS = 1000


@dataclass(frozen=True)
class _Part:
    """Employers first..last (ids), of which `employers` have published reviews."""

    first: int
    last: int
    employers: int


def _employers(today: date, part: _Part | None = None) -> Iterator[EmployerReviews]:
    """Every published review's facts (of the part's employers), one employer at a time, read as
    plain rows (through the session's connection, Core: the ORM's result handling cost a third
    of the read). Only one employer's reviews are held at a time: a rebuild reads a million."""
    statement = _published(select(*FACT_COLUMNS, Employer.industry).join(Employer))
    if part is not None:
        statement = statement.where(Review.employer_id.between(part.first, part.last))
    rows = (
        db.session.connection()
        .execute(
            statement.order_by(Review.employer_id, Review.id).execution_options(yield_per=2_000)
        )
        .tuples()
    )
    for employer_id, group in groupby(rows, key=_EMPLOYER_ID):
        group = list(group)
        facts = [facts_from_row(row, today) for row in group]
        yield EmployerReviews(
            employer_id,
            _key(group[0].industry),
            facts,
            max((row.published_at for row in group), default=None),
        )


def _parts() -> list[_Part]:
    """The employers with published reviews, in order, in parts of PART_EMPLOYERS."""
    ids = list(
        db.session.scalars(
            _published(select(Review.employer_id).distinct()).order_by(Review.employer_id)
        )
    )
    return [
        _Part(chunk[0], chunk[-1], len(chunk))
        for chunk in (ids[at : at + PART_EMPLOYERS] for at in range(0, len(ids), PART_EMPLOYERS))
    ]


def _site_tally(part: _Part, today: date, progress=None) -> SiteTally:
    tally = SiteTally(today)
    for employer in _employers(today, part=part):
        tally.add(employer)
        if progress:
            progress(1)
    return tally


# A rebuild keeps the sketches of employers with this many published reviews and more, so that
# the day's first change there folds instead of reading them all (smaller ones are read, and
# their sketch built, by their first refresh of the day).
SKETCH_KEPT_FROM = 100


def _rows_of(part: _Part, today: date, inputs: Inputs, progress=None) -> list[dict]:
    """The rows of the part's employers; a row of an employer with SKETCH_KEPT_FROM reviews and
    more carries its sketch (as stored) under "sketch"."""
    rows = []
    stamp = sketch_stamp(today, inputs)
    for employer in _employers(today, part=part):
        sketch = sketch_of(employer.facts, inputs, today)
        figures = figures_of(sketch, inputs, today, employer.industry)
        figures["latest_published_at"] = employer.latest_published_at
        if len(employer.facts) >= SKETCH_KEPT_FROM:
            figures["sketch"] = {"stamp": stamp, "data": sketch.to_json()}
        rows.append({"employer_id": employer.employer_id, **figures})
        if progress:
            progress(1)
    return rows


@dataclass(frozen=True)
class _Helpers:
    pool: multiprocessing.pool.Pool
    processes: int


@contextmanager
def _forked(workers: int) -> Iterator[_Helpers | None]:
    """workers - 1 processes forked from this one (None when there is nothing to share out),
    forked at once, while this process is small: whatever it allocates later would otherwise
    be theirs too, page by page, as it reuses the memory."""
    if workers <= 1 or not _can_fork():
        yield None
        return
    app = current_app._get_current_object()
    # Frozen until the processes are gone: a collection in either process would otherwise walk
    # (and so write to, page by page) every object they share, and each would copy them all.
    gc.freeze()
    try:
        with multiprocessing.get_context("fork").Pool(
            workers - 1, initializer=_start_worker, initargs=(app,)
        ) as pool:
            yield _Helpers(pool, workers - 1)
    finally:
        gc.unfreeze()


def _in_parts(
    work: Callable,
    parts: list[_Part],
    helpers: _Helpers | None,
    progress: Callable[[int], None] | None,
) -> Iterator:
    """work(part) of each part, in order: here, or also in the helpers' processes (each with a
    connection of its own: they read what is committed), each kept a part or two ahead while
    this one works on parts too, and merges and writes what they send."""
    if helpers is None or len(parts) <= 1:
        for part in parts:
            yield work(part, progress=progress)
        return
    pool, ahead = helpers.pool, 2 * helpers.processes
    running: deque = deque()  # (index, AsyncResult), oldest first
    done: dict[int, object] = {}
    claimed = emitted = 0
    while emitted < len(parts):
        while claimed < len(parts) and len(running) < ahead:
            running.append((claimed, pool.apply_async(work, (parts[claimed],))))
            claimed += 1
        if running and (running[0][1].ready() or claimed == len(parts)):
            index, result = running.popleft()
            done[index] = result.get()
        elif claimed < len(parts):
            done[claimed] = work(parts[claimed])
            claimed += 1
        while emitted in done:
            if progress:
                progress(parts[emitted].employers)
            yield done.pop(emitted)
            emitted += 1


def _can_fork() -> bool:
    """Another process can read this database (not SQLite in memory)."""
    url = db.engine.url
    return url.get_backend_name() != "sqlite" or url.database not in (None, "", ":memory:")


_WORKER_CONTEXT: list = []


def _start_worker(app) -> None:
    """In a forked process: leave the parent's connections alone, and open a context (and so a
    session) of its own."""
    for bound in db.engines.values():
        bound.dispose(close=False)
    context = app.app_context()
    context.push()
    g.db_read_only = True  # plain BEGIN on SQLite: the parent holds the write lock
    _WORKER_CONTEXT.append(context)


def _save_parameters(inputs: Inputs, review_count: int, today: date) -> None:
    row = db.session.get(SiteParameters, 1) or SiteParameters(id=1)
    row.mu = inputs.mu
    row.m = inputs.m
    row.within_variance = inputs.within_variance
    row.km_times = list(inputs.curve.times)
    row.km_cumulative = list(inputs.curve.cumulative)
    row.km_observations = inputs.curve.observations
    row.km_events = inputs.curve.events
    row.review_count = review_count
    row.baselines = inputs.baselines
    row.computed_on = today
    db.session.add(row)
    db.session.flush()


def refresh_site_parameters(
    today: date | None = None,
    progress: Callable[[int], None] | None = None,
    *,
    workers: int = 1,
) -> Inputs:
    """μ, M, the within variance and F from every published review (DESIGN.md §6), read one
    employer at a time, in parts (in `workers` processes when more than one)."""
    today = today or today_utc()
    with _forked(workers) as helpers:
        return _refresh_site_parameters(today, progress, helpers, _parts())


def _refresh_site_parameters(
    today: date, progress, helpers: _Helpers | None, parts: list[_Part]
) -> Inputs:
    tally = SiteTally(today)
    work = functools.partial(_site_tally, today=today)
    for part in _in_parts(work, parts, helpers, progress):
        tally.merge(part)
    found = tally.estimates()
    inputs = Inputs(
        found.mu, found.m, found.within_variance, found.curve, public_baselines(found.baselines)
    )
    _save_parameters(inputs, tally.review_count, today)
    return inputs


def recompute(
    today: date | None = None,
    *,
    refresh_parameters: bool = True,
    progress: Callable[[int], None] | None = None,
    workers: int = 1,
) -> int:
    """Rebuild every employer's row from scratch; returns how many rows were written.

    The published reviews are read twice, one employer at a time, as plain rows: first for the
    site's parameters (unless `refresh_parameters` is False), then for each employer's row,
    written in batches. With `workers` > 1 both reads are shared out, a part of the employers
    at a time, between this process and workers - 1 forked ones (which read only what is
    committed), and the results are the same. `progress` is called with the employers done
    (each read counts them), then with those without a published review: `recompute_steps` in
    all.
    """
    today = today or today_utc()
    parts = _parts()  # one read of which employers have published reviews, for both passes
    with _forked(workers) as helpers:
        if refresh_parameters:
            inputs = _refresh_site_parameters(today, progress, helpers, parts)
        else:
            inputs = current_inputs()
        existing = set(db.session.scalars(select(EmployerStats.employer_id)))
        # Every sketch is of another day or other parameters now; the largest come back below.
        db.session.execute(delete(EmployerSketch))
        seen: set[int] = set()
        rows: list[dict] = []
        work = functools.partial(_rows_of, today=today, inputs=inputs)
        for found in _in_parts(work, parts, helpers, progress):
            seen.update(row["employer_id"] for row in found)
            rows += found
            if len(rows) >= _BATCH:
                _write_rows(rows, existing)
                rows = []
    # Employers with no published review get an empty row (their reviews may have been removed).
    empty = {**employer_figures([], inputs, today), "latest_published_at": None}
    unseen = 0
    for employer_id in db.session.scalars(select(Employer.id)):
        if employer_id not in seen:
            rows.append({"employer_id": employer_id, **empty})
            unseen += 1
    _write_rows(rows, existing)
    if progress:
        progress(unseen * (2 if refresh_parameters else 1))
    db.session.flush()
    if db.session.get_bind().dialect.name == "postgresql":
        # Every row was just rewritten: until autovacuum's turn the planner judged the lists'
        # queries by the table as it was (the "least responsive" list scanned 18,725 rows by
        # another index instead of reading 20 by its own: 58 ms instead of 0.2).
        db.session.execute(text("ANALYZE employer_stats"))
    db.session.expire_all()
    return len(seen)


def recompute_steps(refresh_parameters: bool = True) -> int:
    """What `recompute` reports to `progress` in all."""
    employers = db.session.scalar(select(func.count(Employer.id))) or 0
    return (2 if refresh_parameters else 1) * employers


def _write_rows(rows: list[dict], existing: set[int]) -> None:
    """Bulk UPDATE of existing statistics rows by primary key, bulk INSERT of missing ones, and
    of the sketches the rows carry (after `recompute` emptied the table)."""
    sketches = [
        {"employer_id": row["employer_id"], **row.pop("sketch")} for row in rows if "sketch" in row
    ]
    if sketches:
        db.session.execute(insert(EmployerSketch), sketches)
    now = utcnow()
    updates = [{**row, "updated_at": now} for row in rows if row["employer_id"] in existing]
    inserts = [{**row, "updated_at": now} for row in rows if row["employer_id"] not in existing]
    for start in range(0, len(updates), _BATCH):
        db.session.execute(update(EmployerStats), updates[start : start + _BATCH])
    for start in range(0, len(inserts), _BATCH):
        db.session.execute(insert(EmployerStats), inserts[start : start + _BATCH])


_BATCH = PART_EMPLOYERS  # rows written at once: one part's


def needs_daily_refresh(today: date | None = None) -> bool:
    row = db.session.get(SiteParameters, 1)
    return row is None or row.computed_on < (today or today_utc())
