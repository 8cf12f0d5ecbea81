"""Views of claims: asking to represent an employer, and following the emailed link."""

from __future__ import annotations

from representatives import bp  # noqa: F401
