"""Claims, representatives, their dashboard, commitments and contact reports (DESIGN.md §7)."""

from flask import Blueprint

bp = Blueprint("representatives", __name__)
