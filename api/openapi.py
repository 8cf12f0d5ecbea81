"""The OpenAPI 3.1 document of the open data (served at /api/v1/openapi.json).

Built from the same constants the code uses (enums, page limits, bands), so the document can't
drift from them; tests/functional/test_api.py checks every response against it. Objects are
closed (`additionalProperties: false`), so a field added to a response without being described
here, such as an internal id, fails the tests. The side figures and the baselines are the
exceptions: free-form objects whose shape the scoring engine owns.
"""

from __future__ import annotations

import functools
import hashlib
import json

from api.params import DEFAULT_PER_PAGE, MAX_PER_PAGE
from employers.models import Industry, SizeBand
from employers.services import MAX_PAGE
from responses.models import BODY_LIMIT as RESPONSE_LIMIT
from reviews.models import Outcome
from scoring.engine import Band
from textnorm import MAX_QUERY_LENGTH

OPENAPI_VERSION = "3.1.0"
API_VERSION = "1.0.0"
REF = "#/components/schemas/"


def _nullable(schema: dict) -> dict:
    kind = schema["type"]
    nullable = dict(schema, type=[kind, "null"])
    if "enum" in schema:
        nullable["enum"] = [*schema["enum"], None]
    return nullable


def _object(properties: dict, *, required: list[str] | None = None) -> dict:
    return {
        "type": "object",
        "properties": properties,
        "required": required if required is not None else list(properties),
        "additionalProperties": False,
    }


def _ref(name: str) -> dict:
    return {"$ref": REF + name}


STRING = {"type": "string"}
URL = {"type": "string", "format": "uri"}
COUNT = {"type": "integer", "minimum": 0}
MONTH = {"type": "string", "description": "A month, such as “March 2026” (never a date)."}
VERIFIED = (
    "the author showed an email from the employer, signed (DKIM) by its mail server or its "
    "applicant-tracking system (DESIGN.md §12). On a published review the mark appears at a "
    "random moment, like any public change."
)


def _identity() -> dict:
    return {
        "name": STRING,
        "slug": STRING,
        "industry": _nullable({"type": "string", "enum": [item.value for item in Industry]}),
        "industry_label": _nullable(STRING),
        "size_band": _nullable({"type": "string", "enum": [item.value for item in SizeBand]}),
        "country": _nullable(
            {"type": "string", "pattern": "^[A-Z]{2}$", "description": "ISO 3166-1 alpha-2"}
        ),
        "country_name": _nullable(STRING),
        "url": {**URL, "description": "The employer's page on HeardBack."},
        "api_url": URL,
    }


def _schemas() -> dict:
    bands = [band.name for band in Band]
    return {
        "Error": _object(
            {"error": _object({"code": {"type": "integer"}, "title": STRING, "message": STRING})}
        ),
        "Score": {
            **_object(
                {
                    "shown": {"type": "boolean"},
                    "score": _nullable({"type": "integer", "minimum": 0, "maximum": 100}),
                    "sd": _nullable({"type": "integer", "minimum": 0}),
                    "band": _nullable({"type": "string", "enum": bands}),
                    "label": STRING,
                }
            ),
            "description": (
                "The employer's estimated chance of hearing back, in percent (0-100): `score` "
                "is the shrunk estimate (Σw·h + M·μ)/(Σw + M)·100 and `sd` the SD of its Beta "
                "posterior, both rounded as the employer page shows them, with its verdict "
                "band. The field names are those of the retired composite score and are kept "
                "so clients don't break; only the meaning changed, to the chance of hearing "
                "back. The 80% interval and the plain counts are in the employer's "
                "`figures.headline`. Not shown (score, sd and band null, and no estimate in "
                "`figures.headline` or `figures.periods`) "
                "until 3 reviews from 3 accounts, some of them established, count "
                "(DESIGN.md §5.3, §6)."
            ),
        },
        "Pagination": _object(
            {
                "page": {"type": "integer", "minimum": 1},
                "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
                "total": COUNT,
                "pages": COUNT,
                "next": _nullable(URL),
                "previous": _nullable(URL),
            }
        ),
        "EmployerSummary": _object({**_identity(), "review_count": COUNT, "score": _ref("Score")}),
        "Employer": _object(
            {
                **_identity(),
                "reviews_url": URL,
                "badge_url": URL,
                "counts": _object(
                    {
                        "review_count": COUNT,
                        "ghosted_count": COUNT,
                        "decided_count": COUNT,
                        "waiting_count": COUNT,
                        "verified_reviews": {
                            **COUNT,
                            "description": "Published reviews with verified contact: " + VERIFIED,
                        },
                    }
                ),
                "score": _ref("Score"),
                "weight_sum": {
                    "type": ["number", "null"],
                    "minimum": 0,
                    "description": "Σw, the weighted number of reviews behind the estimate "
                    "(recency and account trust), to one decimal; null while it isn't shown.",
                },
                "figures": {
                    "type": "object",
                    "description": "`headline`: the estimated chance of hearing back (percent) "
                    "with its 80% interval (`low`, `high`), the plain counts it rests on "
                    "(`heard`, `silent`, `open`), `leans` (few reports: the estimate leans "
                    "toward the site-wide figure `site`). Each share (`hear_back`, "
                    "`timeline_kept`, `feedback`, `followup_answered`) has `yes` of `count`, "
                    "the plain share `raw` with its 80% Wilson interval (`low`, `high`, 0-1) "
                    "and a shrunk `rate`. Side figures (hear-back rate by stage, timelines kept, "
                    "feedback, follow-ups, days to decision, periods, what to expect), as "
                    "the employer page shows them; free-form, shaped by the scoring engine. "
                    "They carry no date: the day an employer's figures changed could be the day "
                    "one of its reviews was edited.",
                    "additionalProperties": True,
                },
            }
        ),
        "SearchResults": _object(
            {
                "query": STRING,
                "filters": _object(
                    {
                        "industry": _nullable(
                            {"type": "string", "enum": [item.value for item in Industry]}
                        ),
                        "country": _nullable(STRING),
                    }
                ),
                "matching": {
                    "type": "string",
                    "enum": ["contains", "similar"],
                    "description": "`contains`: the results are the employers whose name "
                    "contains the query. `similar`: no name contains it, so the results are "
                    "the typo-tolerant matches the search page offers (“did you mean”), best "
                    "first, on one page.",
                },
                "results": {"type": "array", "items": _ref("EmployerSummary")},
                "suggestions": {
                    "type": "array",
                    "items": _ref("EmployerSummary"),
                    "description": "Typo-tolerant matches, when no name contains the query: "
                    "the same employers as `results` then (kept for older clients).",
                },
                "pagination": _ref("Pagination"),
            }
        ),
        "Review": _object(
            {
                "public_id": STRING,
                "url": URL,
                "started": MONTH,
                "last_contact": MONTH,
                "updated": _nullable(MONTH),
                "stage": {
                    "type": "string",
                    "description": "The furthest stage reached; at employers with fewer than 5 "
                    "published reviews only “early stage” or “interviewed” (coarse true).",
                },
                "coarse": {"type": "boolean"},
                "outcome": {
                    "type": "string",
                    "enum": [item.value for item in Outcome],
                    "description": "At employers with fewer than 5 published reviews a "
                    "withdrawn offer is given as a rejection (coarse true).",
                },
                "outcome_label": STRING,
                "silent_months": {
                    "type": ["integer", "null"],
                    "minimum": 0,
                    "description": "For a presumed-ghosted case: no reply for at least this "
                    "many whole calendar months since the month of the last contact (never a "
                    "count of days, which would give away the last contact's date).",
                },
                "role": _nullable(STRING),
                "details": {
                    "type": "array",
                    "items": _object({"label": STRING, "value": STRING}),
                },
                "narrative": _nullable(STRING),
                "advice": _nullable(STRING),
                "contact_verified": {
                    "type": "boolean",
                    "description": "Verified contact: " + VERIFIED,
                },
                "response": {
                    "anyOf": [_ref("Response"), {"type": "null"}],
                    "description": "The employer's public response, if it has published one.",
                },
            }
        ),
        "Response": {
            **_object(
                {
                    "body": {"type": "string", "minLength": 1, "maxLength": RESPONSE_LIMIT},
                    "month": {**MONTH, "description": "The month the response was written."},
                    "edited": {
                        **_nullable(MONTH),
                        "description": "The month of its last edit, if it was edited after it "
                        "was published.",
                    },
                }
            ),
            "description": (
                "An employer's one public reply to a review (DESIGN.md §7), scrubbed of contact "
                "details like a review. Never says which representative wrote it."
            ),
        },
        "ReviewsPage": _object(
            {
                "employer": _object({"name": STRING, "slug": STRING, "url": URL, "api_url": URL}),
                "reviews": {"type": "array", "items": _ref("Review")},
                "pagination": _ref("Pagination"),
            }
        ),
        "Baselines": _object(
            {
                "mu": {
                    "type": "number",
                    "minimum": 0,
                    "maximum": 100,
                    "description": "μ, the site-wide chance of hearing back that estimates "
                    "shrink toward (percent).",
                },
                "m": {
                    "type": "number",
                    "exclusiveMinimum": 0,
                    "description": "M = max(M̂, floor), the weight of μ in every estimate.",
                },
                "half_life_days": {
                    "type": ["integer", "null"],
                    "minimum": 1,
                    "description": "The recency half-life of a review's weight; null when "
                    "reviews are not weighted by age.",
                },
                "review_count": COUNT,
                "employer_count": COUNT,
                "computed_on": _nullable({"type": "string", "format": "date"}),
                "baselines": {
                    "type": ["object", "null"],
                    "additionalProperties": True,
                    "description": "Site-wide and per-industry baselines of the side figures; "
                    "free-form, shaped by the scoring engine. Null before the first computation. "
                    "A cell (an industry, the site, a prior) pooled from fewer than 5 distinct "
                    "reviewers is left out.",
                },
                "rules": _object(
                    {
                        "min_scored_reviews": COUNT,
                        "min_distinct_authors": COUNT,
                        "bands": {
                            "type": "array",
                            "items": _object(
                                {
                                    "band": {"type": "string", "enum": bands},
                                    "label": STRING,
                                    "rule": STRING,
                                }
                            ),
                        },
                        "band_thresholds": _object(
                            {
                                "responsive_interval_low_from": COUNT,
                                "ghosts_interval_high_below": COUNT,
                                "often_silent_interval_within": {
                                    "type": "array",
                                    "items": COUNT,
                                    "minItems": 2,
                                    "maxItems": 2,
                                },
                                "mixed_interval_within": {
                                    "type": "array",
                                    "items": COUNT,
                                    "minItems": 2,
                                    "maxItems": 2,
                                },
                            }
                        ),
                        "no_label": STRING,
                    }
                ),
            }
        ),
    }


def _parameter(name: str, where: str, schema: dict, description: str, **extra) -> dict:
    return {"name": name, "in": where, "schema": schema, "description": description, **extra}


SLUG = _parameter(
    "slug",
    "path",
    STRING,
    "The employer's address on HeardBack; an old one redirects (301).",
    required=True,
)
PAGE = _parameter(
    "page", "query", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1}, "Page."
)
PER_PAGE = _parameter(
    "per_page",
    "query",
    {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": DEFAULT_PER_PAGE},
    "Items per page.",
)

_CACHE_HEADERS = {
    "Cache-Control": {
        "required": True,
        "description": "public (shared caches may keep it) without a session cookie; "
        "private, no-cache with one.",
        "schema": STRING,
    },
    "ETag": {
        "required": True,
        "description": "Weak validator: send it as If-None-Match.",
        "schema": STRING,
    },
}


def _json(description: str, schema: str) -> dict:
    return {
        "description": description,
        "headers": _CACHE_HEADERS,
        "content": {"application/json": {"schema": _ref(schema)}},
    }


def _error(description: str, media_type: str = "application/json") -> dict:
    schema = _ref("Error") if media_type == "application/json" else STRING
    return {"description": description, "content": {media_type: {"schema": schema}}}


NOT_MODIFIED = {
    "description": "Not modified since the copy whose ETag was sent as If-None-Match.",
    "headers": _CACHE_HEADERS,
}
MOVED = {
    "description": "The employer was merged into another: the new address is in Location.",
    "headers": {"Location": {"required": True, "schema": URL}},
}
BAD_REQUEST = _error("A parameter has a value the API can't use; the message says which.")
TOO_MANY = _error("Too many requests from this client; Retry-After says when to try again.")


def _operation(summary: str, operation_id: str, responses: dict, parameters=()) -> dict:
    return {
        "get": {
            "summary": summary,
            "operationId": operation_id,
            "parameters": list(parameters),
            "responses": {"304": NOT_MODIFIED, "429": TOO_MANY, **responses},
        }
    }


def _paths() -> dict:
    not_found = _error("No employer has this address.")
    return {
        "/api/v1/employers": _operation(
            "Search employers by name, industry and country (busiest first).",
            "searchEmployers",
            {"200": _json("Matching employers.", "SearchResults"), "400": BAD_REQUEST},
            [
                _parameter(
                    "q",
                    "query",
                    {"type": "string", "maxLength": MAX_QUERY_LENGTH},
                    "Part of the employer's name; case, accents, punctuation and legal "
                    "suffixes don't matter. When no name contains it, typos are forgiven "
                    "(`matching` says which search answered).",
                ),
                _parameter(
                    "industry",
                    "query",
                    {"type": "string", "enum": [item.value for item in Industry]},
                    "Only employers in this industry.",
                ),
                _parameter(
                    "country",
                    "query",
                    {"type": "string", "pattern": "^[A-Za-z]{2}$"},
                    "Only employers in this country (ISO 3166-1 alpha-2).",
                ),
                PAGE,
                PER_PAGE,
            ],
        ),
        "/api/v1/employers/{slug}": _operation(
            "One employer's figures: counts, score and side figures.",
            "getEmployer",
            {"200": _json("The employer.", "Employer"), "301": MOVED, "404": not_found},
            [SLUG],
        ),
        "/api/v1/employers/{slug}/reviews": _operation(
            "An employer's published reviews, most recently published first, as the public "
            "sees them (months, never dates; no author).",
            "listEmployerReviews",
            {
                "200": _json("A page of reviews.", "ReviewsPage"),
                "301": MOVED,
                "400": BAD_REQUEST,
                "404": not_found,
            },
            [SLUG, PAGE, PER_PAGE],
        ),
        "/api/v1/baselines": _operation(
            "The site-wide parameters of the estimate and the baselines of the side figures.",
            "getBaselines",
            {"200": _json("The parameters in force.", "Baselines")},
        ),
        "/api/v1/employers.csv": _operation(
            "Every employer's figures as CSV, one row per employer: `score` is the estimated "
            "chance of hearing back in percent and `sd` its SD (empty while it isn't shown); "
            "`verified_reviews` counts the published reviews with verified contact and "
            "`verified_percent` is their share of `review_count`. `industry_label`, "
            "`size_label` and `country_name` name the codes. `hear_back_percent`, "
            "`timeline_kept_percent`, `feedback_percent` and `followup_answered_percent` are "
            "the plain shares of the reports the employer page shows, each with the number of "
            "reports that answer it (`…_count`), and empty below 3 of them, as on the page; "
            "`median_days_to_decision` is the median days from the last contact to a decision, "
            "empty below 10 decisions (`decisions_count`) or while half are still without one; "
            "`turned_down_work_candidates` counts the candidates who turned down other work "
            "while waiting, empty below five of them. "
            "Cells that would start with = + - or @ begin with an apostrophe.",
            "exportEmployers",
            {
                "200": {
                    "description": "CSV (RFC 4180) with a header row, streamed.",
                    # No ETag on a copy made for a signed-in visitor: a stream can't be hashed.
                    "headers": {
                        **_CACHE_HEADERS,
                        "ETag": {**_CACHE_HEADERS["ETag"], "required": False},
                    },
                    "content": {"text/csv": {"schema": STRING}},
                }
            },
        ),
        "/api/v1/openapi.json": _operation(
            "This document.",
            "getOpenAPI",
            {
                "200": {
                    "description": "The OpenAPI document.",
                    "headers": _CACHE_HEADERS,
                    "content": {"application/json": {"schema": {"type": "object"}}},
                }
            },
        ),
        "/employers/{slug}/badge.svg": _operation(
            "A badge for careers pages: “HeardBack | 72 Responsive”, or “not enough reviews”.",
            "getBadge",
            {
                "200": {
                    "description": "An SVG image with a text alternative (<title>).",
                    "headers": _CACHE_HEADERS,
                    "content": {"image/svg+xml": {"schema": STRING}},
                },
                "301": MOVED,
                "404": _error("No employer has this address (an HTML page).", "text/html"),
                "429": _error("Too many requests from this client (an HTML page).", "text/html"),
            },
            [SLUG],
        ),
    }


@functools.cache
def document() -> dict:
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "HeardBack open data",
            "version": API_VERSION,
            "summary": "Will they get back to me? Employers' responsiveness to candidates.",
            "description": (
                "Read-only. Everything here is what HeardBack's public pages show: no author, "
                "account or exact date of any review. Responses carry a weak ETag; send it back "
                "as If-None-Match to get 304 Not Modified. Rate-limited per client (429)."
            ),
        },
        "servers": [{"url": "/"}],
        "paths": _paths(),
        "components": {"schemas": _schemas()},
    }


@functools.cache
def digest() -> str:
    """A hash of the document, for its ETag: it changes exactly when the document does."""
    text = json.dumps(document(), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()
