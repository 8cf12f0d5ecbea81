"""Views of moderation/ (merge_routes)."""

from __future__ import annotations

from moderation import bp  # noqa: F401
