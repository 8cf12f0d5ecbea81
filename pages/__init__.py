from flask import Blueprint

bp = Blueprint("pages", __name__)

from pages import routes  # noqa: E402, F401  (registers the views on bp)
