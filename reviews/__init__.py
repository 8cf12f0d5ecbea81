"""Reviews: one candidate's account of one hiring process (DESIGN.md §3-4)."""

from flask import Blueprint

bp = Blueprint("reviews", __name__)
