"""Employers' public responses to reviews (DESIGN.md §7)."""

from flask import Blueprint

bp = Blueprint("responses", __name__)

from responses import routes  # noqa: E402, F401  (registers the views on bp)
