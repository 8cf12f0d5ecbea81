"""The site's parameters from every published review, read one employer at a time (issue 19).

μ, M, the within variance, F, the reporting-bias factors and the side figures' baselines each
need every review, and a rebuild reads a million: holding their facts took 700-900 MB. Here each
employer's reviews are reduced as they are read, to tallies of counts and three floats a review,
and the tallies of several parts of the employers (read by several processes: scoring.stats)
merge, in the employers' order, into exactly what one read of all of them gives.

Nothing here reads the database; scoring.stats feeds it and turns its result into Inputs.
"""

from __future__ import annotations

from array import array
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

from scoring import bias, engine, params
from scoring import figures as side

# Before there is anything to pool: a neutral prior (DESIGN.md §6 needs μ and a variance).
DEFAULT_MU = 0.5
DEFAULT_WITHIN_VARIANCE = 0.09  # an SD of 0.3 on the 0-1 scale of u


@dataclass(slots=True)
class EmployerReviews:
    employer_id: int
    industry: str | None
    facts: list[engine.ReviewFacts]
    latest_published_at: datetime | None
    pairs: list[tuple[engine.ReviewFacts, float]] = field(default_factory=list)


class Distinct:
    """Distinct author keys, counted without keeping them: a bit per account id (ids are dense
    integers), and a count of de-linked reviews' keys ("review-<id>", one per review, so never
    seen twice in one pool). A set of 400,000 ids took 30 MB a pool, a pool each industry."""

    __slots__ = ("bits", "others")

    def __init__(self) -> None:
        self.bits = bytearray()
        self.others: set[str] = set()

    def add(self, key: int | str) -> None:
        if isinstance(key, int) and key >= 0:
            byte = key >> 3
            if byte >= len(self.bits):
                self.bits.extend(bytes(byte - len(self.bits) + 1 + (len(self.bits) >> 2)))
            self.bits[byte] |= 1 << (key & 7)
        else:
            self.others.add(str(key))

    def merge(self, other: Distinct) -> None:
        if len(other.bits) > len(self.bits):
            self.bits.extend(bytes(len(other.bits) - len(self.bits)))
        merged = int.from_bytes(self.bits, "little") | int.from_bytes(other.bits, "little")
        self.bits = bytearray(merged.to_bytes(len(self.bits), "little"))
        self.others |= other.others

    def __len__(self) -> int:
        return int.from_bytes(self.bits, "little").bit_count() + len(self.others)


class Values:
    """One employer's counted reviews as the site's estimates need them, three floats each:
    engine.value_before_curve (h once `resolve` has F), w and bias.kind_of; not their facts."""

    __slots__ = ("industry", "numbers")

    def __init__(self, industry: str | None, pairs, today: date) -> None:
        self.industry = industry
        self.numbers = array("d")
        for item, weight in pairs:
            found = engine.value_before_curve(item, today)
            if found is not None:
                self.numbers.extend((found, weight, bias.kind_of(item)))

    def resolve(self, curve: engine.KMCurve) -> None:
        numbers = self.numbers
        for index in range(0, len(numbers), 3):
            numbers[index] = engine.value_on_curve(numbers[index], curve)

    def triples(self) -> Iterator[tuple[int, float, float]]:
        """(kind, h, w) of each counted review, in the order read."""
        numbers = self.numbers
        for index in range(0, len(numbers), 3):
            yield int(numbers[index + 2]), numbers[index], numbers[index + 1]


class Pool:
    """An industry's (or, with no industry, the site's) figures, pooled over its reviews, shown
    beside an employer's. With MIN_EMPLOYERS_FOR_INDUSTRY_MU employers or more, an industry's
    `mu` is what its scores shrink to."""

    def __init__(self, industry: str | None, today: date) -> None:
        self.industry = industry
        self.today = today
        self.members: list[Values] = []
        self.rated = self.reviews = 0
        self.authors = Distinct()
        self.days = side.PooledDays(today)
        self.answered = {name: [0, 0] for name in side.QUESTIONS}  # yes, count

    def add(self, employer: EmployerReviews, values: Values) -> None:
        pairs = employer.pairs
        self.members.append(values)
        self.rated += 1 if pairs else 0
        self.reviews += len(pairs)
        for item, _ in pairs:
            self.authors.add(item.author_key)
        self.days.add(pairs)
        for name, question in side.QUESTIONS.items():
            counts = self.answered[name]
            for x, _, _ in side.answers(pairs, question, self.today):
                counts[0] += 1 if x else 0
                counts[1] += 1

    def merge(self, other: Pool) -> None:
        """Take in a later part's pool (its employers come after this one's)."""
        self.members += other.members
        self.rated += other.rated
        self.reviews += other.reviews
        self.authors.merge(other.authors)
        self.days.merge(other.days)
        for name, (yes, count) in other.answered.items():
            self.answered[name][0] += yes
            self.answered[name][1] += count

    def _corrected(self, factor: float) -> Iterator[tuple[float, float]]:
        def kinds():
            return (triple for values in self.members for triple in values.triples())

        return bias.corrected_kinds(kinds(), kinds(), factor)

    def figures(self, factor: float) -> dict:
        """The pooled figures, with the reporting-bias factor in force for the pool."""
        total = sum(w for _, w in self._corrected(factor))
        pooled_mu = sum(u * w for u, w in self._corrected(factor)) / total if total else None
        result = {
            "employers": self.rated,
            "reviews": self.reviews,
            "authors": len(self.authors),
            "score": round(100 * pooled_mu, 2) if pooled_mu is not None else None,
            "days": self.days.days(),
            **{name: side.raw_share(*counts) for name, counts in self.answered.items()},
            "mu": None,
        }
        if (
            self.industry is not None
            and self.rated >= params.MIN_EMPLOYERS_FOR_INDUSTRY_MU
            and pooled_mu is not None
        ):
            result["mu"] = pooled_mu
        return result


@dataclass(frozen=True)
class SiteEstimates:
    mu: float
    m: float
    within_variance: float
    curve: engine.KMCurve
    baselines: dict  # every pooled cell, before scoring.stats.public_baselines


class SiteTally:
    """μ, M, the within variance, F, the reporting-bias factors and the side figures' baselines,
    fed one employer's reviews at a time: what is kept of each review is three floats."""

    def __init__(self, today: date) -> None:
        self.today = today
        self.curve = engine.KMTally()
        self.priors = side.PriorsTally(today)
        self.site = Pool(None, today)
        self.industries: dict[str, Pool] = {}
        self.values: list[Values] = []
        self.review_count = 0

    def add(self, employer: EmployerReviews) -> None:
        self.review_count += len(employer.facts)
        for item, _ in employer.pairs:
            if obs := engine.km_observation(item, self.today):
                self.curve.add(*obs)
        values = Values(employer.industry, employer.pairs, self.today)
        self.values.append(values)
        self.priors.add(employer.pairs)
        self.site.add(employer, values)
        if employer.industry is not None:
            if employer.industry not in self.industries:
                self.industries[employer.industry] = Pool(employer.industry, self.today)
            self.industries[employer.industry].add(employer, values)

    def merge(self, other: SiteTally) -> None:
        """Take in the tally of a later part of the employers."""
        self.review_count += other.review_count
        self.curve.merge(other.curve)
        self.values += other.values
        self.priors.merge(other.priors)
        self.site.merge(other.site)
        for industry, pool in other.industries.items():
            if industry in self.industries:
                self.industries[industry].merge(pool)
            else:
                self.industries[industry] = pool

    def estimates(self) -> SiteEstimates:
        curve = self.curve.curve()
        # B first (its h values need only F), then μ and M from the corrected weights.
        site_counts, industry_counts = bias.Counts(), defaultdict(bias.Counts)
        for values in self.values:
            values.resolve(curve)
            counts = bias.tally_kinds((kind, h) for kind, h, _ in values.triples())
            site_counts += counts
            if values.industry is not None:
                industry_counts[values.industry] += counts
        reporting_bias = bias.factors(site_counts, industry_counts)

        moments = engine.MomentsTally()
        total_weight = weighted_sum = 0.0
        for values in self.values:
            factor = bias.factor_for(reporting_bias, values.industry).value
            valued = list(bias.corrected_kinds(values.triples(), values.triples(), factor))
            moments.add(engine.employer_moments([u for u, _ in valued], [w for _, w in valued]))
            total_weight += sum(w for _, w in valued)
            weighted_sum += sum(u * w for u, w in valued)
        mu = weighted_sum / total_weight if total_weight else DEFAULT_MU
        within = moments.within() or DEFAULT_WITHIN_VARIANCE

        def factor_of(industry: str | None) -> float:
            return bias.factor_for(reporting_bias, industry).value

        baselines = {
            "priors": self.priors.priors(),
            "site": self.site.figures(factor_of(None)),
            "industries": {
                industry: pool.figures(factor_of(industry))
                for industry, pool in self.industries.items()
            },
            "reporting_bias": reporting_bias,
        }
        return SiteEstimates(mu, moments.M(), within, curve, baselines)
