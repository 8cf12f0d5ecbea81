"""Views of responses/ (thin: validate, call a service, redirect or render)."""

from __future__ import annotations

from responses import bp  # noqa: F401
