"""The API's query-string parameters, checked strictly: a value we can't use is a 400 that says
which parameter and what it accepts (the HTML pages drop such values with a note instead).

Messages never repeat the value sent, so nothing hostile is echoed back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from employers.models import Industry
from employers.services import MAX_PAGE, country_name
from textnorm import MAX_QUERY_LENGTH, has_control_characters

DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
INDUSTRY_VALUES = {industry.value: industry for industry in Industry}


class InvalidParameter(ValueError):
    """A query-string value the API can't use; the message is the 400's explanation."""


@dataclass(frozen=True)
class SearchArgs:
    query: str = ""
    industry: Industry | None = None
    country: str | None = None
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE


def search_args(args: Mapping[str, str]) -> SearchArgs:
    return SearchArgs(
        query=query(args),
        industry=industry(args),
        country=country(args),
        page=page(args),
        per_page=number(args, "per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE),
    )


def query(args: Mapping[str, str]) -> str:
    value = args.get("q", "")
    if len(value) > MAX_QUERY_LENGTH:
        raise InvalidParameter(f"q is too long: at most {MAX_QUERY_LENGTH} characters.")
    if has_control_characters(value):
        raise InvalidParameter("q contains control characters; send plain text.")
    return " ".join(value.split())


def industry(args: Mapping[str, str]) -> Industry | None:
    value = args.get("industry", "")
    if not value:
        return None
    if value not in INDUSTRY_VALUES:
        raise InvalidParameter("industry must be one of: " + ", ".join(INDUSTRY_VALUES) + ".")
    return INDUSTRY_VALUES[value]


def country(args: Mapping[str, str]) -> str | None:
    value = args.get("country", "")
    if not value:
        return None
    code = value.upper()
    if not (len(code) == 2 and code.isascii() and code.isalpha() and country_name(code)):
        raise InvalidParameter("country must be an ISO 3166-1 alpha-2 code, such as GB or DE.")
    return code


def page(args: Mapping[str, str]) -> int:
    return number(args, "page", 1, 1, MAX_PAGE)


def number(args: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    value = args.get(name, "")
    if value == "":
        return default
    if not (value.isascii() and value.isdigit() and len(value) <= len(str(high))):
        raise InvalidParameter(f"{name} must be a whole number from {low} to {high}.")
    parsed = int(value)
    if not low <= parsed <= high:
        raise InvalidParameter(f"{name} must be a whole number from {low} to {high}.")
    return parsed
