"""Claims, representatives, their dashboard, commitments and contact reports (DESIGN.md §7)."""

from flask import Blueprint

bp = Blueprint("representatives", __name__)

from representatives import claim_routes  # noqa: E402, F401, I001  (claims and verification)
from representatives import routes  # noqa: E402, F401  (dashboard, commitment, contact reports)
