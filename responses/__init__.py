"""Employers' public responses to reviews (DESIGN.md §7)."""

from flask import Blueprint

bp = Blueprint("responses", __name__)
