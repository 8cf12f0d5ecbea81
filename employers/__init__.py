from flask import Blueprint

bp = Blueprint("employers", __name__)

from employers import routes  # noqa: E402, F401  (registers the views on bp)
