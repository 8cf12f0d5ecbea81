from flask import Blueprint

bp = Blueprint("employers", __name__)
