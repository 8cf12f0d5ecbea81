"""Open data views: read-only, GET, the same for everyone, so cacheable (caching.py)."""

from __future__ import annotations

from flask import (
    Response,
    current_app,
    jsonify,
    request,
    stream_with_context,
)

import caching
from api import badge, badges, bp, openapi, params, services
from employers import services as employer_services
from employers.access import employer_or_redirect
from employers.models import Employer
from errors import render_error
from extensions import limiter
from timeutils import today

CSV_FILENAME = "heardback-employers.csv"
# The badge is an image: nothing in it may run or load anything, even when opened directly.
BADGE_CSP = "default-src 'none'"


def _api_limit() -> str:
    return current_app.config["RATELIMIT_API"]  # per client (config.py)


limiter.limit(_api_limit)(bp)
limiter.limit(_api_limit)(badges)


@bp.errorhandler(params.InvalidParameter)
def invalid_parameter(error: params.InvalidParameter):
    return render_error(400, str(error))


@bp.after_request
def open_to_any_origin(response: Response) -> Response:
    # Open data, the same for every visitor and never personal: any site's script may read it.
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _employer(slug: str, endpoint: str) -> Employer:
    """The employer at this address; an old address (a merged employer) redirects for good, and
    an unlisted one is unknown to the open data (DESIGN.md §5.8)."""
    return employer_or_redirect(slug, endpoint, listed_only=True)


@bp.get("/employers")
@caching.cached
def employers():
    args = params.search_args(request.args)
    # Served like the search page (issue 19): the ETag is declared before any search runs, so a
    # revalidation is a 304 and a repeat is answered from the page store (or the hot copy). The
    # results depend on the listed employers and their statistics rows (site_version moves with
    # any of them) and on the day, like the page's; the query string is part of every ETag.
    caching.validate("api-employers", caching.site_version(), today())
    return jsonify(services.search(args))


@bp.get("/employers/<slug>")
@caching.cached
def employer(slug: str):
    found = _employer(slug, "api.employer")
    parts, updated = services.employer_version(found)
    caching.validate("employer", *parts, last_modified=updated)
    return jsonify(services.employer_detail(found))


@bp.get("/employers/<slug>/reviews")
@caching.cached
def employer_reviews(slug: str):
    page = params.page(request.args)
    per_page = params.number(
        request.args, "per_page", params.DEFAULT_PER_PAGE, 1, params.MAX_PER_PAGE
    )
    found = _employer(slug, "api.employer_reviews")
    # Declared before the reviews are read, like the employer's pages (issue 19): every change
    # a card shows moves the statistics row's updated_at (a review's publication or edit through
    # refresh_employer; a redaction, a response through employers.freshness.touch_pages), and
    # the day covers the months of silence. The page and per_page are in the query string.
    parts, updated = services.employer_version(found)
    caching.validate("api-reviews", *parts, today(), last_modified=updated)
    return jsonify(services.reviews_page(found, page, per_page))


@bp.get("/baselines")
@caching.cached
def baselines():
    # The parameters row (rewritten by the daily recompute) and the listed employers (an
    # employer is listed with its first published review, which moves site_version).
    caching.validate("baselines", services.parameters_version(), caching.site_version())
    return jsonify(services.baselines())


@bp.get("/openapi.json")
@caching.cached
def openapi_document():
    caching.validate("openapi", openapi.digest())
    return jsonify(openapi.document())


@bp.get("/employers.csv")
@caching.cached
def employers_csv():
    parts, updated = services.export_version()
    caching.validate("export", *parts, last_modified=updated)
    response = Response(stream_with_context(services.csv_lines()), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{CSV_FILENAME}"'
    return response


@badges.get("/employers/<slug>/badge.svg")
@caching.cached
def badge_svg(slug: str):
    found = _employer(slug, "badges.badge_svg")
    parts, updated = services.employer_version(found)
    caching.validate("badge", *parts, last_modified=updated)
    image = badge.svg(found.name, employer_services.headline(found.stats))
    response = Response(image, mimetype="image/svg+xml")
    response.headers["Content-Security-Policy"] = BADGE_CSP
    return response
