"""My applications (DESIGN.md §12): a candidate's private tracker, from the day they apply.

Nothing here is public: every view is its owner's alone, and another user's id answers 404.
"""

from flask import Blueprint

bp = Blueprint("applications", __name__)
