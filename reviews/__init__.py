"""Reviews: one candidate's account of one hiring process (DESIGN.md §3-4)."""

from flask import Blueprint

bp = Blueprint("reviews", __name__)

from reviews import reminder_routes  # noqa: E402, F401, I001  (the reminder links' views)
from reviews import routes  # noqa: E402, F401  (registers the views on bp)
