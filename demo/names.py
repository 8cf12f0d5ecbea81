"""Employer names nobody could mistake for a real company: "Quibblewick Logistics Ltd".

Every name carries at least one made-up word (a whimsical stem and an English place-name ending,
such as Fizzle + brook), so a demo employer never shares a name with a real one and no review can
be read as being about a real company.
"""

from __future__ import annotations

import random
from collections.abc import Iterable

from slugify import slugify

from employers.models import Industry
from employers.services import normalize_name

STEMS = (
    "Quibble Snorkel Fizzle Wobble Bumble Gobble Muddle Piffle Dingle Jangle Waffle Noodle Puddle"
    " Zibble Flump Glimmer Crumple Squabble Doodle Fiddle Frazzle Grumble Higgle Jiggle Mumble"
    " Nibble Pickle Rumble Scuttle Snuggle Tumble Twiddle Wiggle Zoodle Blither Clatter Dabble"
    " Fumble Gargle Hobble Muffle Plonk Razzle Shuffle Snicker Splodge Wibble Zonk Bloop Floof"
    " Grizzle Kazoo Mooch Nubble Plink Squelch Tootle Whiffle Yodel Zizzle Bobble Dwindle Fidget"
    " Gizmo Hubbub Jumble Kipper Lollop Mizzle Niggle Popple Quiver Rattle Sizzle Tiddle Waddle"
).split()

ENDINGS = (
    "wick down brook bottom thorpe worth combe ford ham ton stead bury shire more dale field gate"
    " hollow marsh mere moor ridge stone vale wood by holm ley nook pool"
).split()

ADJECTIVES = (
    "Galactic Sustainable Quantum Artisanal Cosmic Jolly Perpetual Whimsical Marvellous Bouncy"
    " Velvet Misty Copper Golden Northern Humble Clever Tiny Mighty Sleepy Curious Sparkly"
    " Peculiar Nimble Rustic Lucky Breezy Cheerful Dapper Fuzzy"
).split()

# What the employer does, and so its industry. No noun is a legal-form word (those are dropped by
# normalize_name, which would make "Fizzlewick Company" and "Fizzlewick" the same employer).
NOUNS: dict[str, Industry] = {
    **dict.fromkeys(
        ["Software", "Analytics", "Labs", "Systems", "Data", "Cloudworks", "Apps", "Digital"],
        Industry.software,
    ),
    **dict.fromkeys(
        ["Capital", "Bank", "Insurance", "Ventures", "Mutual", "Payments"], Industry.finance
    ),
    **dict.fromkeys(["Health", "Clinic", "Pharma", "Care Homes", "Dental"], Industry.healthcare),
    **dict.fromkeys(["Academy", "Learning", "Tutors", "College"], Industry.education),
    **dict.fromkeys(["Outfitters", "Emporium", "Goods", "Market", "Stores"], Industry.retail),
    **dict.fromkeys(
        ["Widgets", "Robotics", "Foundry", "Works", "Engineering", "Textiles", "Sprockets"],
        Industry.manufacturing,
    ),
    **dict.fromkeys(["Media", "Studios", "Games", "Press", "Pictures"], Industry.media),
    **dict.fromkeys(["Partners", "Advisory", "Consulting", "Associates"], Industry.consulting),
    **dict.fromkeys(
        ["District Council", "Transit Authority", "Records Office"], Industry.government
    ),
    **dict.fromkeys(["Foundation", "Trust", "Society"], Industry.nonprofit),
    **dict.fromkeys(["Bakery", "Hotels", "Travel", "Kitchens", "Inns"], Industry.hospitality),
    **dict.fromkeys(["Logistics", "Freight", "Couriers", "Shipping"], Industry.logistics),
    **dict.fromkeys(["Energy", "Solar", "Power", "Utilities"], Industry.energy),
    **dict.fromkeys(["Telecom", "Networks", "Wireless"], Industry.telecom),
    **dict.fromkeys(["Holdings", "Group", "Collective"], Industry.other),
}
NOUN_LIST = tuple(NOUNS)

# Legal forms by country (each one dropped by normalize_name); public bodies and charities get none.
LEGAL_FORMS = {
    "US": ("Inc", "Inc.", "LLC", "Corp."),
    "GB": ("Ltd", "Limited", "plc"),
    "IE": ("Ltd", "Limited"),
    "CA": ("Inc.", "Ltd", "Corp."),
    "AU": ("Pty Ltd",),
    "DE": ("GmbH", "AG", "GmbH & Co. KG"),
    "FR": ("SAS", "SARL", "SA"),
    "NL": ("BV", "NV"),
    "SE": ("AB",),
    "ES": ("SL", "SA"),
    "PL": ("SA",),
    "IN": ("Ltd", "Limited"),
}
NO_LEGAL_FORM = frozenset({Industry.government, Industry.nonprofit})
LEGAL_FORM_SHARE = 0.45

# How a name is built, with weights: "Fizzlewick Analytics", "Fizzlewick Galactic Analytics",
# "Fizzlewick & Snorkelbrook".
PATTERNS = (("word_noun", 60), ("word_adjective_noun", 30), ("word_and_word", 10))


class NameSpaceExhausted(RuntimeError):
    pass


class EmployerNamer:
    """Draws fictional employer names, unique after normalize_name and as slugs.

    `taken_names` and `taken_slugs` are those already in the database (normalised names and
    slugs of employers and aliases), so demo data can be added to a database that has some.
    """

    def __init__(
        self,
        rng: random.Random,
        taken_names: Iterable[str] = (),
        taken_slugs: Iterable[str] = (),
    ):
        self.rng = rng
        self.names = set(taken_names)
        self.slugs = set(taken_slugs)
        self.words = [stem + ending for stem in STEMS for ending in ENDINGS]
        self.patterns = [pattern for pattern, _ in PATTERNS]
        self.pattern_weights = [weight for _, weight in PATTERNS]
        self.industries = list(Industry)

    def draw(self, country: str) -> tuple[str, str, str, Industry]:
        """(name, normalized name, slug, industry) of a fictional employer not used before."""
        # The name space holds millions of names; a few thousand misses in a row means it is
        # (nearly) used up, which only an absurd --employers could do.
        for _ in range(10_000):
            name, industry = self._base_name()
            if industry not in NO_LEGAL_FORM and self.rng.random() < LEGAL_FORM_SHARE:
                name = f"{name} {self.rng.choice(LEGAL_FORMS[country])}"
            # The same functions create_employer uses, so the demo rows look like real ones.
            normalized = normalize_name(name)
            slug = slugify(name, max_length=200, word_boundary=True)
            if normalized in self.names or slug in self.slugs:
                continue
            self.names.add(normalized)
            self.slugs.add(slug)
            return name, normalized, slug, industry
        raise NameSpaceExhausted("no unused fictional employer name left")

    def _base_name(self) -> tuple[str, Industry]:
        rng = self.rng
        pattern = rng.choices(self.patterns, self.pattern_weights)[0]
        word = rng.choice(self.words)
        if pattern == "word_and_word":
            other = rng.choice(self.words)
            while other == word:
                other = rng.choice(self.words)
            return f"{word} & {other}", rng.choice(self.industries)
        noun = rng.choice(NOUN_LIST)
        if pattern == "word_adjective_noun":
            return f"{word} {rng.choice(ADJECTIVES)} {noun}", NOUNS[noun]
        return f"{word} {noun}", NOUNS[noun]
