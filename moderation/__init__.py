"""Flags, the moderation queue and its actions, legal notices, transparency (DESIGN.md §8)."""

from flask import Blueprint

bp = Blueprint("moderation", __name__)
