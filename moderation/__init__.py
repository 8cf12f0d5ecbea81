"""Flags and the moderators' work (DESIGN.md §8)."""

from flask import Blueprint

bp = Blueprint("moderation", __name__)

from moderation import routes  # noqa: E402, F401  (registers the views on bp)
