"""Hostile-name corpus for the scrubber (DESIGN.md §5.4, §5.10): how many names get through, and
how many ordinary sentences are held for nothing.

    .venv/bin/python bench/scrub_corpus.py [--misses]

Each of NAMES (people from 10+ countries, with accents, hyphens, apostrophes, particles) is put
into response and review sentences the way a careless or hostile writer would: greetings and
salutations, "First Last", initials, an email address built from the name (typed, with zero-width
characters, spelled out), and the name itself with zero-width characters or Cyrillic lookalike
letters inside. A case is *detected* when the scrubber removes the name's text or holds the text
for a moderator (reviews.scrubber.scrub: removals or suspected_names). INNOCENT is 40 sentences
typical of reviews and responses; a *false hold* is one the scrubber would hold.

tests/unit/test_scrubber_corpus.py runs this and asserts recall >= 95% and false holds <= 5%;
README.md ("Scrubbing") quotes the figures.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from reviews.scrubber import PLACEHOLDER, scrub  # noqa: E402

MIN_RECALL = 0.95
MAX_FALSE_HOLDS = 0.05
EMPLOYER = "Snorkeldown Analytics"  # the responding employer: its own name is nobody's

ZW = "\u200b"  # zero-width space
BOM = "\ufeff"  # zero-width no-break space
# Latin letter -> Cyrillic lookalike
_CYRILLIC = str.maketrans(
    {"a": "\u0430", "e": "\u0435", "o": "\u043e", "c": "\u0441", "p": "\u0440",
     "A": "\u0410", "E": "\u0415", "O": "\u041e", "C": "\u0421", "P": "\u0420",
     "K": "\u041a", "M": "\u041c", "H": "\u041d", "T": "\u0422", "B": "\u0412"}
)  # fmt: skip

# (first, last, country): 66 people from 38 countries.
NAMES = [
    ("Casey", "Jones", "US"),
    ("Emily", "Clarke", "GB"),
    ("Siobhan", "O'Connor", "IE"),
    ("Aoife", "Byrne", "IE"),
    ("Marc-André", "Gagnon", "CA"),
    ("Chloé", "Lefebvre", "FR"),
    ("Léa", "Moreau", "FR"),
    ("Jürgen", "Müller", "DE"),
    ("Anja", "Schröder", "DE"),
    ("Lukas", "Weber", "AT"),
    ("José", "Núñez-Ortiz", "ES"),
    ("María", "Fernández", "ES"),
    ("Javier", "Gutiérrez", "MX"),
    ("Lucía", "Ramírez", "MX"),
    ("Santiago", "Herrera", "CO"),
    ("Valentina", "Sosa", "AR"),
    ("João", "Silva", "BR"),
    ("Beatriz", "Souza", "BR"),
    ("Tiago", "Gonçalves", "PT"),
    ("Giulia", "Rossi", "IT"),
    ("Matteo", "Bianchi", "IT"),
    ("Sanne", "de Vries", "NL"),
    ("Daan", "Bakker", "NL"),
    ("Agnieszka", "Kowalska", "PL"),
    ("Piotr", "Wiśniewski", "PL"),
    ("Tomáš", "Novák", "CZ"),
    ("Andrei", "Popescu", "RO"),
    ("Zsófia", "Nagy", "HU"),
    ("Ivana", "Horvat", "HR"),
    ("Linnea", "Johansson", "SE"),
    ("Mikko", "Virtanen", "FI"),
    ("Søren", "Jensen", "DK"),
    ("Ingrid", "Hansen", "NO"),
    ("Mehmet", "Y\u0131lmaz", "TR"),  # dotless i
    ("Elif", "Demir", "TR"),
    ("Priya", "Raman", "IN"),
    ("Anil", "D'Souza", "IN"),
    ("Rohan", "Mehta", "IN"),
    ("Lakshmi", "Iyer", "IN"),
    ("Arjun", "Nair", "IN"),
    ("Ayesha", "Khan", "PK"),
    ("Bilal", "Ahmed", "PK"),
    ("Minh", "Nguyen", "VN"),
    ("Thi Mai", "Tran", "VN"),
    ("Wei", "Wang", "CN"),
    ("Jing", "Zhang", "CN"),
    ("Yuki", "Tanaka", "JP"),
    ("Kenji", "Takahashi", "JP"),
    ("Dewi", "Lestari", "ID"),
    ("Budi", "Santoso", "ID"),
    ("Adekunle", "Adeyemi", "NG"),
    ("Chiamaka", "Okafor", "NG"),
    ("Ngozi", "Eze", "NG"),
    ("Oluwaseun", "Bakare", "NG"),
    ("Wanjiru", "Kamau", "KE"),
    ("Otieno", "Ochieng", "KE"),
    ("Nomvula", "Dlamini", "ZA"),
    ("Thabo", "Nkosi", "ZA"),
    ("Kwame", "Mensah", "GH"),
    ("Fatima", "Zahra", "MA"),
    ("Omar", "Haddad", "LB"),
    ("Seo-yeon", "Kim", "KR"),
    ("Liam", "Murphy", "IE"),
    ("Sean", "McCarthy", "GB"),
    ("Maximilian", "von Berg", "DE"),
    ("Camille", "Dubois-Laurent", "FR"),
]


def _ascii(name: str) -> str:
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", name)
    kept = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return "".join(ch for ch in kept.lower() if ch.isalnum() or ch == ".")


def _zero_width(word: str) -> str:
    middle = max(1, len(word) // 2)
    return word[:middle] + ZW + word[middle:]


def _lookalike(word: str) -> str:
    return word.translate(_CYRILLIC)


@dataclass(frozen=True)
class Case:
    channel: str  # "review" | "response"
    variant: str  # which trick
    text: str
    secret: str  # what must not survive unflagged


def cases() -> list[Case]:
    found: list[Case] = []
    for first, last, _country in NAMES:
        full = f"{first} {last}"
        initial = f"{first[0]}. {last}"
        mail = f"{_ascii(first)}.{_ascii(last)}"
        surname_initial = next(ch for ch in last if ch.isupper())  # "de Vries": V
        response = [
            ("greeting", f"Hi {full}, we are sorry that nobody got back to you.", full),
            ("salutation", f"Dear {first},\nthank you for taking the time to write this.", first),
            ("apology", f"We are sorry, {full}. Our process failed you here.", full),
            ("thanks", f"Thanks, {first}. We have passed this on to the team.", first),
            ("initials", f"Thank you {initial}, we have passed this on.", initial),
            (
                "zero-width name",
                f"Hello {_zero_width(first)} {_zero_width(last)}, we apologise.",
                full,
            ),
            ("lookalike name", f"Hello {_lookalike(full)}, sorry for the wait.", full),
            ("zero-width email", f"Please write to {_zero_width(mail)}@gm{BOM}ail.com.", mail),
        ]
        review = [
            ("role", f"The recruiter, {full}, never replied after the final round.", full),
            ("first last", f"I interviewed with {full} and then heard nothing.", full),
            ("first initial", f"{first} {surname_initial}. promised feedback in a week.", first),
            ("zero-width name", f"My contact was {_zero_width(first)} {last}, who left.", full),
            ("lookalike name", f"{_lookalike(full)} said they would call me back.", full),
            ("spelled email", f"Email {mail.replace('.', ' dot ')} at gmail dot com for it.", mail),
        ]
        found += [Case("response", v, t, s) for v, t, s in response]
        found += [Case("review", v, t, s) for v, t, s in review]
    return found


INNOCENT = [
    # reviews
    "Thanks for applying was the last thing I heard from them.",
    "Two interviews, then nothing at all for six weeks.",
    "The hiring manager was friendly and the questions were fair.",
    "Will they ever reply? I doubt it.",
    "May was a slow month, and in June they finally called.",
    "Grant funding ended, so the role was closed after the final round.",
    "The Head of Engineering ran the technical round on Zoom.",
    "I applied through LinkedIn and the Workday portal was painful.",
    "Their London office replied within a week; the Berlin team never did.",
    "The Senior Software Engineer role was reposted after my interview.",
    "I met the CTO and a Product Manager in the final round.",
    "The take-home task took me about eight hours.",
    "Dear candidates: do not expect feedback from this company.",
    "Best advice I can give is to follow up twice.",
    "They said they would decide by Friday and never did.",
    "Overall a decent process, but far too slow.",
    "The recruiter was kind and explained the salary band up front.",
    "I was referred by a former colleague and still got ghosted.",
    "The Customer Success team seemed stretched thin.",
    "New York and San Francisco candidates were interviewed first.",
    # responses
    "Thank you for taking the time to write this review.",
    "Thanks from the Snorkeldown Analytics team. We have changed our process.",
    "We are sorry that you did not hear from us after the final round.",
    "Kind regards, the Talent Acquisition team",
    "Dear candidate, we read every review and we are listening.",
    "Hi there, thanks for the honest feedback.",
    "Hello everyone, we now reply to every applicant within ten days.",
    "Sorry, we lost track of your application during the holidays.",
    "Thanks again for your patience while we hired for this role.",
    "Regards, Snorkeldown Analytics",
    "We apologise: our Head of Talent has reviewed what went wrong.",
    "Our recruiting team now sends an update every Monday.",
    "We use Greenhouse, and a bug stopped some rejection emails.",
    "Thank you, we appreciate the detail about the take-home task.",
    "Best wishes with your search, and thank you for applying.",
    "The Engineering Manager will contact every finalist from now on.",
    "We moved interviews to Google Meet after the Zoom problems.",
    "Welcome feedback like this helps us improve.",
    "Apologies for the delay; the role was put on hold in March.",
    "Cheers, the Snorkeldown Analytics people team",
]


@dataclass
class Figures:
    cases: int = 0
    detected: int = 0
    innocent: int = 0
    false_holds: int = 0
    misses: list[Case] = field(default_factory=list)
    held_innocent: list[str] = field(default_factory=list)
    by_variant: Counter = field(default_factory=Counter)
    missed_by_variant: Counter = field(default_factory=Counter)

    @property
    def recall(self) -> float:
        return self.detected / self.cases

    @property
    def false_hold_rate(self) -> float:
        return self.false_holds / self.innocent


def _detected(case: Case) -> bool:
    not_names = [EMPLOYER] if case.channel == "response" else []
    result = scrub(case.text, not_names=not_names)
    if result.suspected_names:
        return True
    # Removed: no recognisable part of the secret is left in the published text.
    left = result.text.casefold()
    parts = [p for p in case.secret.replace(".", " ").split() if len(p) > 2]
    return (
        bool(result.removals)
        and PLACEHOLDER in result.text
        and not any(re.search(rf"(?<!\w){re.escape(p.casefold())}(?!\w)", left) for p in parts)
    )


def measure() -> Figures:
    figures = Figures()
    for case in cases():
        figures.cases += 1
        figures.by_variant[(case.channel, case.variant)] += 1
        if _detected(case):
            figures.detected += 1
        else:
            figures.misses.append(case)
            figures.missed_by_variant[(case.channel, case.variant)] += 1
    for sentence in INNOCENT:
        figures.innocent += 1
        if scrub(sentence, not_names=[EMPLOYER]).suspected_names:
            figures.false_holds += 1
            figures.held_innocent.append(sentence)
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", action="store_true", help="list every missed case")
    options = parser.parse_args(argv)
    figures = measure()
    countries = len({country for *_, country in NAMES})
    print(f"{len(NAMES)} names from {countries} countries, {figures.cases} hostile cases")
    print(f"recall: {figures.detected}/{figures.cases} = {figures.recall:.1%}")
    print(f"false holds: {figures.false_holds}/{figures.innocent} = {figures.false_hold_rate:.1%}")
    for key, total in sorted(figures.by_variant.items()):
        missed = figures.missed_by_variant[key]
        print(f"  {key[0]:8} {key[1]:18} {total - missed:3}/{total}")
    if options.misses:
        for case in figures.misses:
            print(f"MISS {case.channel}/{case.variant}: {case.text!r}")
    for sentence in figures.held_innocent:
        print(f"HELD {sentence!r}")
    ok = figures.recall >= MIN_RECALL and figures.false_hold_rate <= MAX_FALSE_HOLDS
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
