"""The roles an account can have (DESIGN.md §8). A plain enum: the role guards (security.py)
read it without loading the models."""

from __future__ import annotations

import enum


class Role(enum.Enum):
    candidate = "candidate"
    moderator = "moderator"
    admin = "admin"
