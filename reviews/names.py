"""People's first and last names from many countries, for the scrubber's name detection
(DESIGN.md §5.4).

The lists are Faker's person providers (faker.providers.person.<locale>): maintained, pinned in
requirements.txt, many locales, and read from the installed package with no network. Only names
written in Latin letters are kept (the romanised lists for Chinese and Japanese), since reviews
are read after fold() has turned lookalike letters into Latin ones.

Names that are also ordinary English words ("Will", "May", "Grant", "Long", "Young") are left
out: alone they would hold every sentence that starts with one. "Will Smith" is still caught,
through "Smith".
"""

from __future__ import annotations

import importlib.util
import unicodedata
from functools import cache

# Europe, the Americas, Asia, Africa (Faker locale codes).
LOCALES = (
    "en_US en_GB en_IE ga_IE fr_FR fr_CA de_DE de_AT nl_NL it_IT es_ES es_MX es_AR es_CO pt_BR"
    " pt_PT pl_PL cs_CZ ro_RO hu_HU hr_HR sv_SE fi_FI da_DK no_NO tr_TR en_IN en_PK vi_VN id_ID"
    " zh_CN zh_TW ja_JP en_NG yo_NG ig_NG ha_NG tw_GH en_KE sw zu_ZA"
).split()

# Names that are everyday English words, left out of the lists (see the module's docstring).
NAMES_THAT_ARE_WORDS = frozenset(
    """
    among ball best bill black car carry case church clear company day deep doctor each early else
    fall field floor forget glass good green gun guy hope house job key law line list little long
    lot major man may more my north page parent peace per power price read real rich rock room
    seven short small stock story strong summer too us wall west white young will grant art mark
    hunter chase page joy faith grace hardy sharp bright frank august april june miles ray rose
    amber dawn daisy iris ivy jade ruby pearl penny holly hazel sky don earl eve gene guy jack max
    pat rob sue bond banks wood woods hill hills king lane park stone street cook baker mason
    carter dean judge bishop love golden wing rice english french german welsh scott hall bell
    moon star sun son van von del della der den la le de da di do dos das du des al el bin ben
    ali sang ha ho le ma na no so to ye yu an in is it on or at as be by go he me we up via
    chance story mercy hope honor honour may will gay fox wolf swift noble
    """.split()
)
MIN_LETTERS = 2


def _key(name: str) -> str:
    """Case- and accent-insensitive form: "Núñez" and "nunez" are one name."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _is_latin(name: str) -> bool:
    return all(not ch.isalpha() or "LATIN" in unicodedata.name(ch, "") for ch in name)


def _provider(locale: str):
    """Faker's person provider for this locale, its module run but not kept in sys.modules: the
    lists are read once, and the module's own copies (about 6 MB for all the locales) are freed
    rather than held by every server process for as long as it lives."""
    spec = importlib.util.find_spec(f"faker.providers.person.{locale}")
    if spec is None or spec.loader is None:
        return None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.Provider


@cache
def _lists() -> tuple[frozenset[str], frozenset[str]]:
    first: set[str] = set()
    last: set[str] = set()
    for locale in LOCALES:
        provider = _provider(locale)
        if provider is None:  # a locale renamed in a later Faker: the others still count
            continue
        for attribute in dir(provider):
            if "name" not in attribute or attribute.startswith("_"):
                continue
            target = first if "first" in attribute else last if "last" in attribute else None
            values = getattr(provider, attribute)
            if target is None or not isinstance(values, (tuple, list, dict)):
                continue
            for value in values:
                if isinstance(value, str) and _is_latin(value):
                    # "Marc-André", "Mary Ann": each part is a name.
                    for part in value.replace("-", " ").split():
                        key = _key(part)
                        if len(key) >= MIN_LETTERS and key not in NAMES_THAT_ARE_WORDS:
                            target.add(key)
    return frozenset(first), frozenset(last)


def warm_up() -> None:
    """Load the lists now (about 0.2 s) rather than in the first request."""
    _lists()


def is_first_name(word: str) -> bool:
    return _key(word) in _lists()[0]


def is_last_name(word: str) -> bool:
    return _key(word) in _lists()[1]


def is_known_name(word: str) -> bool:
    """A first or last name in some country: "José", "Núñez-Ortiz", "O'Connor", "D'Souza"."""
    first, last = _lists()
    for part in word.replace("\u2019", "'").split("-"):
        key = _key(part)
        candidates = [key, key.replace("'", "")]
        if "'" in key:  # D'Souza: Souza; O'Connor: Connor
            candidates.append(key.rsplit("'", 1)[1])
        if any(len(c) >= MIN_LETTERS and (c in first or c in last) for c in candidates):
            return True
    return False
