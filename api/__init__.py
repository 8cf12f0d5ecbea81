"""Open data (DESIGN.md §9): the read-only JSON API under /api/v1, its OpenAPI document, the CSV
export of per-employer figures, and the employer badge for careers pages."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# The badge sits beside the employer page (/employers/<slug>/badge.svg), outside the API prefix.
badges = Blueprint("badges", __name__)
