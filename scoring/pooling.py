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
from dataclasses import dataclass
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
    """Every employer's counted reviews as the site's estimates need them, three floats each
    (engine.value_before_curve, h once `resolve` has F; w; bias.kind_of), not their facts: one
    array for all of them, and where each employer's end (a few large arrays, not an object
    an employer: the parts' tallies are sent between processes and merged)."""

    __slots__ = ("ends", "industries", "numbers")

    def __init__(self) -> None:
        self.numbers = array("d")
        self.ends = array("q")  # employer i's numbers are numbers[ends[i - 1]:ends[i]]
        self.industries: list[str | None] = []

    def add(self, industry: str | None, pairs, today: date) -> int:
        """Take in one employer's weighted reviews; returns its index."""
        numbers = self.numbers
        for item, weight in pairs:
            found = engine.value_before_curve(item, today)
            if found is not None:
                numbers.extend((found, weight, bias.kind_of(item)))
        self.ends.append(len(numbers))
        self.industries.append(industry)
        return len(self.ends) - 1

    def merge(self, other: Values) -> int:
        """Take in a later part's employers; returns the index its first one now has."""
        offset, shift = len(self.ends), len(self.numbers)
        self.numbers += other.numbers
        self.ends.extend(end + shift for end in other.ends)
        self.industries += other.industries
        return offset

    def __len__(self) -> int:
        return len(self.ends)

    def resolve(self, curve: engine.KMCurve) -> None:
        numbers = self.numbers
        for index in range(0, len(numbers), 3):
            numbers[index] = engine.value_on_curve(numbers[index], curve)

    def triples(self, employer: int) -> Iterator[tuple[int, float, float]]:
        """(kind, h, w) of each counted review of the employer, in the order read."""
        numbers = self.numbers
        start = self.ends[employer - 1] if employer else 0
        for index in range(start, self.ends[employer], 3):
            yield int(numbers[index + 2]), numbers[index], numbers[index + 1]


class Pool:
    """An industry's (or, with no industry, the site's) figures, pooled over its reviews, shown
    beside an employer's. With MIN_EMPLOYERS_FOR_INDUSTRY_MU employers or more, an industry's
    `mu` is what its scores shrink to."""

    def __init__(self, industry: str | None, today: date) -> None:
        self.industry = industry
        self.today = today
        self.members = array("q")  # indexes in the tally's Values
        self.rated = self.reviews = 0
        self.authors = Distinct()
        self.days = side.PooledDays(today)
        self.answered = {name: [0, 0] for name in side.QUESTIONS}  # yes, count

    def add(self, pairs, member: int, found: dict[str, list]) -> None:
        """One employer's weighted reviews, its index in the Values, and its answers to
        side.QUESTIONS (side.answers: computed once for every pool and the priors)."""
        self.members.append(member)
        self.rated += 1 if pairs else 0
        self.reviews += len(pairs)
        for item, _ in pairs:
            self.authors.add(item.author_key)
        self.days.add(pairs)
        for name, answers in found.items():
            counts = self.answered[name]
            counts[0] += sum(1 for x, _, _ in answers if x)
            counts[1] += len(answers)

    def merge(self, other: Pool, offset: int) -> None:
        """Take in a later part's pool (its employers come after this one's, from `offset` in
        the merged Values)."""
        self.members.extend(member + offset for member in other.members)
        self.rated += other.rated
        self.reviews += other.reviews
        self.authors.merge(other.authors)
        self.days.merge(other.days)
        for name, (yes, count) in other.answered.items():
            self.answered[name][0] += yes
            self.answered[name][1] += count

    def _corrected(self, values: Values, factor: float) -> Iterator[tuple[float, float]]:
        def kinds():
            return (triple for member in self.members for triple in values.triples(member))

        return bias.corrected_kinds(kinds(), kinds(), factor)

    def figures(self, values: Values, factor: float) -> dict:
        """The pooled figures, with the reporting-bias factor in force for the pool."""
        total = sum(w for _, w in self._corrected(values, factor))
        pooled = sum(u * w for u, w in self._corrected(values, factor))
        pooled_mu = pooled / total if total else None
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
        self.values = Values()
        self.site = Pool(None, today)
        self.industries: dict[str, Pool] = {}
        self.review_count = 0

    def add(self, employer: EmployerReviews) -> None:
        pairs = side.weighted(employer.facts, self.today)
        self.review_count += len(employer.facts)
        self.curve.extend(side.observations(pairs, self.today))
        member = self.values.add(employer.industry, pairs, self.today)
        found = {
            name: side.answers(pairs, question, self.today)
            for name, question in side.QUESTIONS.items()
        }
        self.priors.add(pairs, found)
        self.site.add(pairs, member, found)
        if employer.industry is not None:
            if employer.industry not in self.industries:
                self.industries[employer.industry] = Pool(employer.industry, self.today)
            self.industries[employer.industry].add(pairs, member, found)

    def merge(self, other: SiteTally) -> None:
        """Take in the tally of a later part of the employers."""
        self.review_count += other.review_count
        self.curve.merge(other.curve)
        self.priors.merge(other.priors)
        offset = self.values.merge(other.values)
        self.site.merge(other.site, offset)
        for industry, pool in other.industries.items():
            if industry not in self.industries:
                self.industries[industry] = Pool(industry, self.today)
            self.industries[industry].merge(pool, offset)

    def estimates(self) -> SiteEstimates:
        curve = self.curve.curve()
        values = self.values
        values.resolve(curve)
        # B first (its h values need only F), then μ and M from the corrected weights.
        site_counts, industry_counts = bias.Counts(), defaultdict(bias.Counts)
        for employer, industry in enumerate(values.industries):
            counts = bias.tally_kinds((kind, h) for kind, h, _ in values.triples(employer))
            site_counts += counts
            if industry is not None:
                industry_counts[industry] += counts
        reporting_bias = bias.factors(site_counts, industry_counts)

        def factor_of(industry: str | None) -> float:
            return bias.factor_for(reporting_bias, industry).value

        moments = engine.MomentsTally()
        total_weight = weighted_sum = 0.0
        for employer, industry in enumerate(values.industries):
            triples = values.triples
            valued = list(
                bias.corrected_kinds(triples(employer), triples(employer), factor_of(industry))
            )
            moments.add(engine.employer_moments([u for u, _ in valued], [w for _, w in valued]))
            total_weight += sum(w for _, w in valued)
            weighted_sum += sum(u * w for u, w in valued)
        mu = weighted_sum / total_weight if total_weight else DEFAULT_MU
        within = moments.within() or DEFAULT_WITHIN_VARIANCE
        baselines = {
            "priors": self.priors.priors(),
            "site": self.site.figures(values, factor_of(None)),
            "industries": {
                industry: pool.figures(values, factor_of(industry))
                for industry, pool in self.industries.items()
            },
            "reporting_bias": reporting_bias,
        }
        return SiteEstimates(mu, moments.M(), within, curve, baselines)
