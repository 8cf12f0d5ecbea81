"""Views of representatives/ (thin: validate, call a service, redirect or render)."""

from __future__ import annotations

from representatives import bp  # noqa: F401
