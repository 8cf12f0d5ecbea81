"""Views of moderation/ (thin: validate, call a service, redirect or render)."""

from __future__ import annotations

from moderation import bp  # noqa: F401
