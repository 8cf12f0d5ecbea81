"""Flags and the moderators' work (DESIGN.md §8)."""

from flask import Blueprint

bp = Blueprint("moderation", __name__)

from moderation import flag_routes  # noqa: E402, F401, I001  (flags: moderation/flag_routes.py)
from moderation import routes  # noqa: E402, F401  (registers the views on bp)
from moderation import audit  # noqa: E402, F401  (the append-only guard on the audit log)
