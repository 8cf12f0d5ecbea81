"""Deterministic demo rows: fictional employers, demo accounts, reviews and statistics rows.

Pure Python, no database: the same (seed, counts, today) gives the same rows, byte for byte.
The loader (demo.loader) writes them and supplies the database ids. The mix follows DESIGN.md §1:
about half of all processes end in silence, more often at early stages than late ones; some are
still open, some candidates withdraw; decisions come after plausible delays; most employers have
three reviews or fewer (DESIGN.md §6, "Why this formula") and a few have hundreds.
"""

from __future__ import annotations

import base64
import calendar
import math
import random
import zlib
from bisect import bisect
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import accumulate

from demo.names import EmployerNamer
from demo.texts import ADVICE, NARRATIVES
from employers.models import SizeBand

DEMO_EMAIL = "demo-user-{number}@example.invalid"
DEMO_EMAIL_LIKE = "demo-user-%@example.invalid"
# Demo accounts that keep a tracker (My applications), with a few applications each.
TRACKING_ACCOUNTS = 12
TRACKED_STEPS = ("screen", "interview", "interview", "assignment", "references")
TRACKED_ROLES = (
    "Data analyst",
    "Backend engineer",
    "Product designer",
    "Account manager",
    "Nurse practitioner",
    "Warehouse supervisor",
)
# Not an argon2 hash, so accounts.services.check_password is False for every password.
DEMO_PASSWORD_HASH = "!demo-account-no-password"  # noqa: S105


class Table:
    """Values with weights, drawn with one random() and a bisect (much cheaper than choices)."""

    __slots__ = ("cumulative", "total", "values")

    def __init__(self, weights: dict | Iterable[tuple]):
        items = list(weights.items()) if isinstance(weights, dict) else list(weights)
        self.values = [value for value, _ in items]
        self.cumulative = list(accumulate(weight for _, weight in items))
        self.total = self.cumulative[-1]
        # random() * total can round up to total; bisect then still lands on the last value.
        self.cumulative[-1] = math.inf

    def draw(self, rng: random.Random):
        return self.values[bisect(self.cumulative, rng.random() * self.total)]


# --- employers ----------------------------------------------------------------------------------

COUNTRIES = Table(
    {"US": 30, "GB": 16, "DE": 10, "CA": 8, "IN": 7, "FR": 6, "AU": 6, "NL": 5, "IE": 4}
    | {"ES": 3, "SE": 3, "PL": 2}
)
SIZES = [band.value for band in SizeBand]
# Busier employers are bigger: size-band weights (micro ... enterprise) by number of reviews.
SIZE_BY_REVIEWS = (
    (3, Table(zip(SIZES, (25, 35, 25, 10, 4, 1), strict=True))),
    (20, Table(zip(SIZES, (5, 20, 35, 25, 10, 5), strict=True))),
    (100, Table(zip(SIZES, (1, 5, 20, 35, 25, 14), strict=True))),
    (math.inf, Table(zip(SIZES, (0.1, 1, 5, 20, 34, 40), strict=True))),
)
# Employers differ in how often they go silent: a shift on the log-odds of ghosting.
EMPLOYER_GHOSTING_SD = 0.9

# --- how many reviews each employer gets --------------------------------------------------------

# Employers with no review, one to three, or a "busy" tail of four and more. DESIGN.md §6 was
# tested on a site where 77% of employers had three reviews or fewer.
SHARE_WITHOUT_REVIEWS = 0.05
SHARE_BUSY = 0.23
FEW_REVIEWS = Table({1: 45, 2: 32, 3: 23})
BUSY_MINIMUM = 4
# The busy tail shares the remaining reviews by Lomax (Pareto II) weights, truncated so the
# busiest employer gets a few hundred to a few thousand reviews rather than half the site.
BUSY_TAIL_SHAPE = 1.5
BUSY_TAIL_CAP = 15.0
# One demo account per this many reviews (each writes a few, at different employers).
REVIEWS_PER_AUTHOR = 2.5


def plan_review_counts(rng: random.Random, employers: int, reviews: int) -> list[int]:
    """How many reviews each employer gets: a long tail that adds up to exactly `reviews`."""
    base = []
    for _ in range(employers):
        draw = rng.random()
        if draw < SHARE_WITHOUT_REVIEWS:
            base.append(0)
        elif draw < 1 - SHARE_BUSY:
            base.append(FEW_REVIEWS.draw(rng))
        else:
            base.append(BUSY_MINIMUM)
    if reviews <= sum(base):
        # Too few reviews for the planned shape: deal them out in proportion to it.
        counts = [0] * employers
        weights = [weight or 0.2 for weight in base]
        for index in rng.choices(range(employers), weights=weights, k=reviews):
            counts[index] += 1
        return counts
    busy = [index for index, count in enumerate(base) if count >= BUSY_MINIMUM]
    if not busy:
        busy = [max(range(employers), key=base.__getitem__)]
        base[busy[0]] = BUSY_MINIMUM
    return _share_out(rng, base, busy, reviews - sum(base))


def _share_out(rng: random.Random, counts: list[int], busy: list[int], extra: int) -> list[int]:
    """Add `extra` reviews to the busy employers in proportion to heavy-tailed weights."""
    lowest = (1 + BUSY_TAIL_CAP) ** -BUSY_TAIL_SHAPE  # truncation: weights stay <= the cap
    weights = [(lowest + (1 - lowest) * rng.random()) ** (-1 / BUSY_TAIL_SHAPE) - 1 for _ in busy]
    scale = extra / sum(weights)
    shares = [weight * scale for weight in weights]
    whole = [int(share) for share in shares]
    for index, count in zip(busy, whole, strict=True):
        counts[index] += count
    remainder = extra - sum(whole)
    if remainder:  # the rounding losses, to employers in proportion to what they lost
        fractions = [share - count for share, count in zip(shares, whole, strict=True)]
        for position in rng.choices(range(len(busy)), weights=fractions, k=remainder):
            counts[busy[position]] += 1
    return counts


# --- reviews (DESIGN.md §1 and §4) --------------------------------------------------------------

HISTORY_MONTHS = 48  # processes started over the last four years
MONTHLY_GROWTH = 0.96  # each month back has 4% fewer reviews than the next: recent is common

STAGES = ("applied", "screen", "interview", "assignment", "final", "references", "offer")
STAGE_REACHED = Table(zip(STAGES, (30, 20, 22, 8, 10, 4, 6), strict=True))
EARLY_STAGES = frozenset({"applied", "screen"})
LATE_STAGES = frozenset({"final", "references", "offer"})
# Chance of silence once the case is closed and the candidate didn't withdraw, by stage reached,
# for a typical employer. Early silence is the common kind; after an offer it's rarer (Indeed
# 2021: 10% ghosted after a verbal offer). Overall about half of all processes end ghosted.
GHOSTED = dict(zip(STAGES, (0.75, 0.66, 0.55, 0.50, 0.40, 0.34, 0.14), strict=True))
GHOSTED_LOG_ODDS = {stage: math.log(p / (1 - p)) for stage, p in GHOSTED.items()}
WITHDREW = dict(zip(STAGES, (0.03, 0.06, 0.07, 0.08, 0.06, 0.04, 0.08), strict=True))
# Among rejections, the share with a personal reason grows with the candidate's investment.
WITH_FEEDBACK = dict(zip(STAGES, (0.02, 0.06, 0.15, 0.25, 0.30, 0.30, 0.0), strict=True))
RESCINDED_SHARE = 0.08
# Open cases: most processes that began in the last month or two, few older ones (those are the
# authors who never came back; the site will count them as presumed ghosted).
STILL_WAITING = ((31, 0.55), (62, 0.30), (124, 0.12), (math.inf, 0.04))
# Days from application to the last contact, by stage reached.
PROCESS_DAYS = dict(
    zip(STAGES, ((0, 10), (5, 25), (10, 40), (14, 50), (21, 70), (28, 80), (28, 90)), strict=True)
)
# Days from the last contact to a decision: log-normal with this median, by stage.
DECISION_MEDIAN_DAYS = dict(zip(STAGES, (10, 7, 6, 7, 5, 4, 3), strict=True))
DECISION_SPREAD = 0.8
MAX_DECISION_DAYS = 180
GHOSTED_SILENCE_DAYS = 21  # a candidate calls it ghosting after at least three weeks of silence
TIMELINE_KEPT = 0.6
PROMISED_DAYS = Table({2: 3, 3: 6, 5: 12, 7: 25, 10: 12, 14: 22, 21: 10, 30: 10})

# Optional fields: the share of reviews that fill each one, and the value mixes.
FILLED = {
    "role_category": 0.80,
    "seniority": 0.75,
    "country": 0.70,
    "work_mode": 0.65,
    "application_channel": 0.75,
    "interview_rounds": 0.65,
    "hours_invested": 0.55,
    "next_steps": 0.65,
    "promised_days": 0.85,  # of those told a date
    "followups_sent": 0.55,
    "followups_answered": 0.90,  # of those who gave the number sent
    "feedback": 0.60,
    "respect_rating": 0.70,
    "narrative": 0.10,
    "advice": 0.06,
    "same_country": 0.85,  # the review's country is the employer's
}
ROLE_CATEGORIES = Table(
    {"engineering": 18, "data": 6, "product": 5, "design": 4, "marketing": 7, "sales": 9}
    | {"customer_support": 8, "operations": 8, "finance": 6, "people": 3, "legal": 2}
    | {"healthcare": 6, "education": 5, "research": 3, "administration": 6, "trades": 4}
    | {"other": 3}
)
SENIORITIES = Table(
    {"intern": 4, "entry": 22, "mid": 34, "senior": 22, "lead": 7, "manager": 7, "director": 3}
    | {"executive": 1}
)
WORK_MODES = Table({"onsite": 40, "hybrid": 38, "remote": 22})
CHANNELS = Table(
    {"online": 55, "referral": 14, "recruiter": 14, "agency": 9, "career_fair": 3, "other": 5}
)
INTERVIEW_ROUNDS = dict(
    zip(STAGES, ((0, 0), (0, 1), (1, 2), (1, 3), (2, 4), (3, 5), (2, 6)), strict=True)
)
HOURS_INVESTED = dict(
    zip(STAGES, ((0, 2), (1, 2), (2, 6), (4, 20), (6, 25), (8, 30), (8, 40)), strict=True)
)
NEXT_STEPS = Table({"yes_with_date": 35, "yes_vague": 40, "no": 25})
NEXT_STEPS_AFTER_APPLYING = Table({"yes_with_date": 5, "yes_vague": 20, "no": 75})
FOLLOWUPS_SENT = {
    "ghosted": Table({0: 10, 1: 35, 2: 30, 3: 17, 4: 8}),
    "waiting": Table({0: 40, 1: 35, 2: 20, 3: 5}),
    "withdrew": Table({0: 70, 1: 25, 2: 5}),
    "decision": Table({0: 55, 1: 30, 2: 12, 3: 3}),
}
# Feedback received, only in the combinations reviews.models allows (feedback_fits_outcome).
FEEDBACK = {
    "offer": Table({"none": 50, "generic": 30, "specific": 20}),
    "rejected_with_feedback": Table({"specific": 1}),
    "rejected": Table({"none": 70, "generic": 30}),
    "ghosted": Table({"none": 1}),
    "waiting": Table({"none": 1}),
    "rescinded": Table({"none": 70, "generic": 30}),
    "withdrew": Table({"none": 80, "generic": 20}),
}
RESPECT = {
    outcome: Table(zip((1, 2, 3, 4, 5), weights, strict=True))
    for outcome, weights in {
        "offer": (1, 2, 8, 35, 54),
        "rejected_with_feedback": (2, 5, 20, 40, 33),
        "rejected": (8, 20, 40, 25, 7),
        "ghosted": (45, 35, 15, 4, 1),
        "rescinded": (55, 25, 12, 6, 2),
        "withdrew": (5, 12, 38, 30, 15),
        "waiting": (10, 20, 40, 22, 8),
    }.items()
}
DECISIONS = frozenset({"offer", "rejected_with_feedback", "rejected", "rescinded"})


@dataclass
class EmployerStatsCounts:
    review_count: int = 0
    ghosted_count: int = 0
    waiting_count: int = 0
    decided_count: int = 0


@dataclass(frozen=True)
class Summary:
    employers: int
    users: int
    reviews: int
    ghosted: int
    waiting: int
    decided: int
    withdrew: int
    without_reviews: int
    with_few_reviews: int  # three or fewer, zero included
    max_reviews: int

    def share(self, count: int, of: int) -> float:
        return count / of if of else 0.0


class DemoGenerator:
    """Rows for `employers` fictional employers and `reviews` reviews, as of the day `today`.

    Phases run in order: employer_rows(), user_rows(), review_rows(...), stats_rows(...). Each
    phase draws from a random stream of its own (reviews also use the employers' traits).
    """

    def __init__(
        self,
        *,
        employers: int,
        reviews: int,
        seed: int | str,
        today: date,
        taken_names: Iterable[str] = (),
        taken_slugs: Iterable[str] = (),
        first_user_number: int = 1,
    ):
        if employers < 1 or reviews < 0:
            raise ValueError("need at least one employer and no negative number of reviews")
        self.seed = seed
        # Everything happened before today began, so no stored date or time is in the future.
        self.last_day = today - timedelta(days=1)
        self.as_of = datetime.combine(today, time())
        self.review_counts = plan_review_counts(self._rng("plan"), employers, reviews)
        self.pool_size = (
            max(max(self.review_counts), math.ceil(reviews / REVIEWS_PER_AUTHOR)) if reviews else 0
        )
        self.first_user_number = first_user_number
        self._taken = (taken_names, taken_slugs)
        self._months = self._month_table()
        self._month_days = {
            month: calendar.monthrange(month.year, month.month)[1] for month in self._months.values
        }
        self._ghosting_shift: list[float] = []
        self._countries: list[str] = []
        self._stats = [EmployerStatsCounts() for _ in self.review_counts]

    def _rng(self, phase: str) -> random.Random:
        # str seeds are hashed with SHA-512: stable across runs and Python processes.
        return random.Random(f"heardback-demo:{self.seed}:{phase}")

    def _month_table(self) -> Table:
        month = self.last_day.replace(day=1)
        weights = []
        for age in range(HISTORY_MONTHS):
            weight = MONTHLY_GROWTH**age
            if age == 0:  # only part of the current month has happened
                weight *= self.last_day.day / calendar.monthrange(month.year, month.month)[1]
            weights.append((month, weight))
            month = (month - timedelta(days=1)).replace(day=1)
        return Table(weights)

    @property
    def first_month(self) -> date:
        return self._months.values[-1]

    # --- employers and users ---------------------------------------------------------------------

    def employer_rows(self) -> list[dict]:
        rng = self._rng("employers")
        namer = EmployerNamer(rng, *self._taken)
        rows = []
        self._countries, self._ghosting_shift = [], []
        for count in self.review_counts:
            country = COUNTRIES.draw(rng)
            name, normalized, slug, industry = namer.draw(country)
            sizes = next(table for limit, table in SIZE_BY_REVIEWS if count <= limit)
            rows.append(
                {
                    "name": name,
                    "normalized_name": normalized,
                    "slug": slug,
                    "industry": industry.value,
                    "size_band": sizes.draw(rng),
                    "country": country,
                    "created_at": self._moment_before(rng, self.first_month, 365),
                }
            )
            # Seeded employers are public from the start (as existing ones were, §5.8).
            rows[-1]["listed_at"] = rows[-1]["created_at"]
            self._countries.append(country)
            self._ghosting_shift.append(rng.gauss(0, EMPLOYER_GHOSTING_SD))
        return rows

    def user_rows(self) -> Iterator[dict]:
        rng = self._rng("users")
        for number in range(self.first_user_number, self.first_user_number + self.pool_size):
            created_at = self._moment_before(rng, self.first_month, 180)
            yield {
                "email": DEMO_EMAIL.format(number=number),
                "password_hash": DEMO_PASSWORD_HASH,
                "role": "candidate",
                "created_at": created_at,
                "email_verified_at": created_at + timedelta(seconds=_between(rng, 30, 3600)),
                "suspended_at": None,
                "password_changed_at": created_at,
            }

    @staticmethod
    def _moment_before(rng: random.Random, day: date, max_days: int) -> datetime:
        start = datetime.combine(day, time()) - timedelta(days=max_days)
        return start + timedelta(seconds=_below(rng, max_days * 86400))

    # --- reviews ----------------------------------------------------------------------------------

    def review_rows(self, employer_ids: Sequence[int], author_ids: Sequence[int]) -> Iterator[dict]:
        """Reviews in employer order. Distinct authors within an employer by construction, so
        uq_reviews_one_per_month holds whatever months are drawn: needs len(author_ids) >=
        the largest review count, which pool_size guarantees."""
        if len(employer_ids) != len(self.review_counts) or len(author_ids) != self.pool_size:
            raise ValueError("need one id per employer row and one per user row")
        if not self._ghosting_shift:
            raise ValueError("employer_rows() must run before review_rows()")
        rng = self._rng("reviews")
        self._stats = [EmployerStatsCounts() for _ in self.review_counts]
        pool = self.pool_size
        for index, (employer_id, count) in enumerate(
            zip(employer_ids, self.review_counts, strict=True)
        ):
            if not count:
                continue
            offset = _below(rng, pool)
            stats = self._stats[index]
            for position in range(count):
                review = self._review(rng, index)
                review["employer_id"] = employer_id
                review["author_id"] = author_ids[(offset + position) % pool]
                self._count(stats, review["outcome"])
                yield review

    @staticmethod
    def _count(stats: EmployerStatsCounts, outcome: str) -> None:
        stats.review_count += 1
        if outcome == "ghosted":
            stats.ghosted_count += 1
        elif outcome == "waiting":
            stats.waiting_count += 1
        elif outcome in DECISIONS:
            stats.decided_count += 1

    def _review(self, rng: random.Random, employer: int) -> dict:
        process_month = self._months.draw(rng)
        stage = STAGE_REACHED.draw(rng)
        age = (self.last_day - process_month).days
        outcome = self._outcome(rng, stage, age, self._ghosting_shift[employer])
        next_steps, promised_days = self._next_steps(rng, stage)
        last_contact, decision_days, outcome = self._dates(
            rng, process_month, stage, outcome, promised_days
        )
        created_at = self._written_at(rng, outcome, last_contact, decision_days)
        review = {
            "public_id": _public_id(rng),
            "process_month": process_month,
            "stage": stage,
            "outcome": outcome,
            "last_contact_on": last_contact,
            "decision_days": decision_days,
            "next_steps": next_steps,
            "promised_days": promised_days,
            "status": "published",
            "publish_at": created_at,
            "published_at": created_at,
            "created_at": created_at,
            "author_updated_at": None,
            "role_title": None,
            "show_role_title": False,
        }
        # About one review in four carries "Verified contact" (no proof row: demo data). Read
        # from the public id, not drawn, so the rest of the demo stays as it was for a seed.
        review["contact_verified"] = zlib.crc32(review["public_id"].encode()) % 4 == 0
        review.update(self._details(rng, employer, stage, outcome))
        # Every step reached and "turned down other work" (issue 18), drawn from their own
        # generator seeded by the public id, so the rest of the demo stays as it was for a seed.
        review.update(_later_fields(random.Random(f"steps-{review['public_id']}"), stage, outcome))
        return review

    @staticmethod
    def _outcome(rng: random.Random, stage: str, age: int, shift: float) -> str:
        waiting = next(share for limit, share in STILL_WAITING if age < limit)
        if rng.random() < waiting:
            return "waiting"
        if rng.random() < WITHDREW[stage]:
            return "withdrew"
        if rng.random() < 1 / (1 + math.exp(-(GHOSTED_LOG_ODDS[stage] + shift))):
            return "ghosted"
        if stage == "offer":
            return "rescinded" if rng.random() < RESCINDED_SHARE else "offer"
        return "rejected_with_feedback" if rng.random() < WITH_FEEDBACK[stage] else "rejected"

    @staticmethod
    def _next_steps(rng: random.Random, stage: str) -> tuple[str | None, int | None]:
        if rng.random() >= FILLED["next_steps"]:
            return None, None
        next_steps = (NEXT_STEPS_AFTER_APPLYING if stage == "applied" else NEXT_STEPS).draw(rng)
        if next_steps == "yes_with_date" and rng.random() < FILLED["promised_days"]:
            return next_steps, PROMISED_DAYS.draw(rng)
        return next_steps, None

    def _dates(
        self,
        rng: random.Random,
        process_month: date,
        stage: str,
        outcome: str,
        promised_days: int | None,
    ) -> tuple[date, int | None, str]:
        """(last contact, days to decision, outcome): nothing after yesterday, nothing before
        the process month; a ghosting needs three weeks of silence, else the case is open."""
        last_day = self.last_day
        started = process_month + timedelta(days=_below(rng, self._month_days[process_month]))
        shortest, longest = PROCESS_DAYS[stage]
        last_contact = min(started + timedelta(days=_between(rng, shortest, longest)), last_day)
        if outcome == "ghosted":
            quiet_since = last_day - timedelta(days=GHOSTED_SILENCE_DAYS)
            if process_month > quiet_since:
                return last_contact, None, "waiting"
            return min(last_contact, quiet_since), None, outcome
        if outcome not in DECISIONS:
            return last_contact, None, outcome
        days = self._decision_days(rng, stage, promised_days)
        if last_contact + timedelta(days=days) > last_day:
            last_contact = max(process_month, last_day - timedelta(days=days))
            days = min(days, (last_day - last_contact).days)
        return last_contact, days, outcome

    @staticmethod
    def _decision_days(rng: random.Random, stage: str, promised_days: int | None) -> int:
        if promised_days is not None:
            if rng.random() < TIMELINE_KEPT:
                return _between(rng, promised_days // 3, promised_days)
            return promised_days + 1 + int(rng.expovariate(2 / promised_days))
        days = rng.lognormvariate(math.log(DECISION_MEDIAN_DAYS[stage]), DECISION_SPREAD)
        return min(int(days), MAX_DECISION_DAYS)

    def _written_at(
        self, rng: random.Random, outcome: str, last_contact: date, decision_days: int | None
    ) -> datetime:
        """When the author wrote the review (and, for demo data, when it was published)."""
        if decision_days is not None:
            written = last_contact + timedelta(days=decision_days + _below(rng, 21))
        elif outcome == "ghosted":
            written = last_contact + timedelta(days=GHOSTED_SILENCE_DAYS + _below(rng, 60))
        else:
            written = last_contact + timedelta(days=_below(rng, 14))
        written = min(written, self.last_day)
        return datetime.combine(written, time()) + timedelta(seconds=_below(rng, 86400))

    def _details(self, rng: random.Random, employer: int, stage: str, outcome: str) -> dict:
        """The optional fields of DESIGN.md §4, each filled by a share of authors."""
        filled = FILLED
        country = None
        if rng.random() < filled["country"]:
            same = rng.random() < filled["same_country"]
            country = self._countries[employer] if same else COUNTRIES.draw(rng)
        sent = answered = None
        if rng.random() < filled["followups_sent"]:
            kind = "decision" if outcome in DECISIONS else outcome
            sent = FOLLOWUPS_SENT[kind].draw(rng)
            if rng.random() < filled["followups_answered"]:
                answered = _answered(rng, outcome, sent)
        rounds, hours = INTERVIEW_ROUNDS[stage], HOURS_INVESTED[stage]
        return {
            "role_category": _maybe(rng, filled["role_category"], ROLE_CATEGORIES),
            "seniority": _maybe(rng, filled["seniority"], SENIORITIES),
            "country": country,
            "work_mode": _maybe(rng, filled["work_mode"], WORK_MODES),
            "application_channel": _maybe(rng, filled["application_channel"], CHANNELS),
            "interview_rounds": (
                _between(rng, *rounds) if rng.random() < filled["interview_rounds"] else None
            ),
            "hours_invested": (
                _between(rng, *hours) if rng.random() < filled["hours_invested"] else None
            ),
            "followups_sent": sent,
            "followups_answered": answered,
            "feedback": _maybe(rng, filled["feedback"], FEEDBACK[outcome]),
            "respect_rating": _maybe(rng, filled["respect_rating"], RESPECT[outcome]),
            "narrative": (
                rng.choice(NARRATIVES[outcome]) if rng.random() < filled["narrative"] else None
            ),
            "advice": rng.choice(ADVICE) if rng.random() < filled["advice"] else None,
        }

    # --- statistics -------------------------------------------------------------------------------

    def stats_rows(self, employer_ids: Sequence[int]) -> list[dict]:
        """One statistics row per employer, counting the reviews review_rows() produced. Scores
        and side figures are left to the scoring engine (NULL until it runs; `figures` is left
        out because a JSON column would store None as the JSON text 'null', not SQL NULL)."""
        return [
            {
                "employer_id": employer_id,
                "review_count": stats.review_count,
                # Every review of an employer has its own author (see review_rows).
                "author_count": stats.review_count,
                "ghosted_count": stats.ghosted_count,
                "waiting_count": stats.waiting_count,
                "decided_count": stats.decided_count,
                "weight_sum": 0.0,
                "score": None,
                "score_sd": None,
                # COPY on PostgreSQL fills a missing column with NULL, not the model's default.
                "scored_reviews": 0,
                "scored_authors": 0,
                "spread_days": 0,
                "updated_at": self.as_of,
            }
            for employer_id, stats in zip(employer_ids, self._stats, strict=True)
        ]

    # --- tracked applications (My applications) ----------------------------------------------

    def application_plan(
        self, employer_ids: Sequence[int], author_ids: Sequence[int]
    ) -> list[tuple[dict, list[dict]]]:
        """A few demo accounts track applications: (application row, its step rows) pairs, the
        steps without their application id (known once the application is written)."""
        rng = self._rng("applications")
        plan = []
        for user_id in author_ids[:TRACKING_ACCOUNTS]:
            for _ in range(_between(rng, 2, 6)):
                plan.append(self._application(rng, user_id, rng.choice(employer_ids)))
        return plan

    def _application(self, rng: random.Random, user_id: int, employer_id: int):
        age = _between(rng, 0, 120)
        applied_on = self.last_day - timedelta(days=age)
        entered = datetime.combine(applied_on, time()) + timedelta(seconds=_below(rng, 3 * 86400))
        entered = min(entered, self.as_of - timedelta(seconds=1))
        steps, day = [], applied_on
        for kind in TRACKED_STEPS[: _below(rng, len(TRACKED_STEPS) + 1)]:
            day += timedelta(days=_between(rng, 3, 15))
            if day > self.last_day:
                break
            steps.append(
                {
                    "kind": kind,
                    "happened_on": day,
                    "promised_days": rng.choice((None, 5, 7, 10, 14)),
                    "promised_by": None,
                    "note": None,
                }
            )
        outcome = rng.random() < 0.35 and steps
        if outcome:
            day = min(self.last_day, day + timedelta(days=_between(rng, 1, 20)))
            steps.append(
                {
                    "kind": rng.choice(("rejection", "rejection", "offer")),
                    "happened_on": day,
                    "promised_days": None,
                    "promised_by": None,
                    "note": None,
                }
            )
        status = (
            "decided"
            if outcome
            else ("in_process" if steps else rng.choice(("applied", "waiting", "to_apply")))
        )
        row = {
            "user_id": user_id,
            "employer_id": employer_id,
            "role_title": rng.choice(TRACKED_ROLES),
            "applied_on": None if status == "to_apply" else applied_on,
            "channel": rng.choice(("online", "online", "referral", "recruiter", None)),
            "posting_url": None,
            "notes": None,
            "status": status,
            "next_action_on": None,  # derived by applications.services once the steps exist
            "created_at": entered,
            "updated_at": entered,
            "outcome_known_at": (
                datetime.combine(day, time()) + timedelta(hours=12) if outcome else None
            ),
        }
        return row, steps

    def summary(self) -> Summary:
        stats = self._stats
        return Summary(
            employers=len(stats),
            users=self.pool_size,
            reviews=sum(s.review_count for s in stats),
            ghosted=sum(s.ghosted_count for s in stats),
            waiting=sum(s.waiting_count for s in stats),
            decided=sum(s.decided_count for s in stats),
            withdrew=sum(
                s.review_count - s.ghosted_count - s.waiting_count - s.decided_count for s in stats
            ),
            without_reviews=sum(1 for count in self.review_counts if count == 0),
            with_few_reviews=sum(1 for count in self.review_counts if count <= 3),
            max_reviews=max(self.review_counts),
        )


def _below(rng: random.Random, n: int) -> int:
    """A whole number in [0, n): randrange at a fraction of the cost (fine for n << 2**53)."""
    return int(rng.random() * n)


def _between(rng: random.Random, low: int, high: int) -> int:
    """A whole number in [low, high], like randint."""
    return low + int(rng.random() * (high - low + 1))


def _maybe(rng: random.Random, share: float, table: Table):
    return table.draw(rng) if rng.random() < share else None


def _answered(rng: random.Random, outcome: str, sent: int) -> int:
    if sent == 0:
        return 0
    if outcome == "ghosted":  # now and then a "we'll get back to you", then silence
        return 0 if rng.random() < 0.85 else 1
    if outcome in DECISIONS and rng.random() < 0.6:
        return sent
    return _between(rng, 0, sent)


def _public_id(rng: random.Random) -> str:
    """Like reviews.models.new_public_id (72 random bits, 12 characters), but from the seed."""
    token = base64.urlsafe_b64encode(rng.getrandbits(72).to_bytes(9, "big")).decode()
    return token.replace("-", "x").replace("_", "y")


# Issue 18's fields: the share of reviews that list every step, the chance each earlier step is
# among them, and the share who say whether they turned down other work (and who did).
STEPS_FILLED = 0.45
EARLIER_STEP = dict(zip(STAGES, (0.0, 0.8, 0.9, 0.45, 0.6, 0.5, 0.0), strict=True))
TURNED_DOWN_FILLED = 0.5
TURNED_DOWN = {"late": 0.3, "early": 0.06}


def _later_fields(rng: random.Random, stage: str, outcome: str) -> dict:
    rank = STAGES.index(stage)
    steps = None
    if rank >= 2 and rng.random() < STEPS_FILLED:
        steps = 1 << rank
        for earlier in range(1, rank):
            if rng.random() < EARLIER_STEP[STAGES[earlier]]:
                steps |= 1 << earlier
    turned_down = None
    if rank >= 2 and outcome != "withdrew" and rng.random() < TURNED_DOWN_FILLED:
        late = stage in LATE_STAGES or outcome in ("ghosted", "rescinded")
        turned_down = rng.random() < TURNED_DOWN["late" if late else "early"]
    return {"steps": steps, "turned_down_work": turned_down}
