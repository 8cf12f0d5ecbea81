"""The presumed-ghosted rule (DESIGN.md §3) applied to a review in the app: the pure rule is
scoring.rules; this module supplies the review's values, the app's secret and the configured
publication window."""

from __future__ import annotations

import hashlib
from datetime import date

from flask import current_app

from reviews import publication
from reviews.models import Outcome, Review
from scoring import rules


def ghosted_after_days(review: Review) -> int:
    """The public threshold, DESIGN.md §3: max(30, promised + 14) days without contact."""
    return rules.ghosted_after_days(review.promised_days)


def ghosted_mark_window() -> tuple[int, int]:
    """(fewest, most) days the presumed-ghosted mark waits past the threshold: the publication
    delay's window, so the mark can't date a review more finely than its publication can."""
    return publication.window_days()


def _secret() -> bytes:
    return str(current_app.config["SECRET_KEY"]).encode()


def ghosted_mark_offset_days(review: Review) -> int:
    """The review's secret wait past the threshold (scoring.rules.mark_offset_days)."""
    return rules.mark_offset_days(review.id, _secret(), ghosted_mark_window())


def presumed_ghosted_on(review: Review) -> date:
    """The first day a waiting review counts as presumed ghosted (scoring.rules)."""
    return rules.presumed_ghosted_on(
        review.last_contact_on, review.promised_days, review.id, _secret(), ghosted_mark_window()
    )


def is_presumed_ghosted(review: Review, today: date) -> bool:
    """DESIGN.md §3: waiting, and no contact for max(30, promised + 14) days, plus the review's
    secret few days (scoring.rules.is_presumed_ghosted)."""
    if review.outcome is not Outcome.waiting:
        return False  # before the keyed hash: most reviews are not waiting
    return rules.is_presumed_ghosted(
        review.outcome,
        review.last_contact_on,
        review.promised_days,
        review.id,
        today,
        _secret(),
        ghosted_mark_window(),
    )


def rule_digest() -> str:
    """What the rule reads besides a review and the day (the app's secret, the mark window), as
    a keyed digest: it tells that either changed (scoring.stats.sketch_stamp) and nothing of the
    secret."""
    key = hashlib.blake2b(_secret()).digest()
    window = repr(ghosted_mark_window()).encode()
    return hashlib.blake2b(window, key=key, digest_size=8).hexdigest()
