"""The one list of countries every form and filter offers (ISO 3166-1, from pycountry).

Names are the common ones where ISO's official name is long ("Bolivia", not "Bolivia,
Plurinational State of"), and the list is in the order a reader expects: the Unicode Collation
Algorithm's (pyuca, DUCET), so "Åland Islands" comes with the A's and "Côte d'Ivoire" after
"Costa Rica", where sorting by code point put them last and after "Czechia".
"""

from __future__ import annotations

from functools import cache, lru_cache

import pycountry
from pyuca import Collator


def label(country) -> str:
    return getattr(country, "common_name", None) or country.name


@cache
def choices() -> tuple[tuple[str, str], ...]:
    """(alpha-2 code, name) for every ISO 3166-1 country, in collation order of the name.

    The collation table (about 0.3 s to load, 10 MB in memory) is used for this one sort and
    freed: the list is kept, not the table, which a server process would otherwise hold forever."""
    collator = Collator()
    countries = [(country.alpha_2, label(country)) for country in pycountry.countries]
    return tuple(sorted(countries, key=lambda item: collator.sort_key(item[1])))


@lru_cache(maxsize=512)
def name(code: str | None) -> str | None:
    """The name of the country with this alpha-2 code (either case), or None."""
    if not code:
        return None
    country = pycountry.countries.get(alpha_2=code.upper())
    return label(country) if country else None
