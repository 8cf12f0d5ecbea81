"""When a waiting review counts as presumed ghosted (DESIGN.md §3), as pure functions.

No Flask, no database: the services, the statistics, the methodology page and the benchmark all
call these with the review's fields, the site's secret and the publication window, so they agree
on the day. reviews.services reads those from the app's configuration.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import date, timedelta

from scoring.params import GHOSTED_AFTER_DAYS, GHOSTED_AFTER_PROMISE_MARGIN_DAYS
from scoring.vocabulary import Outcome


def ghosted_after_days(promised_days: int | None) -> int:
    """The public threshold, DESIGN.md §3: max(30, promised + 14) days without contact."""
    return max(GHOSTED_AFTER_DAYS, (promised_days or 0) + GHOSTED_AFTER_PROMISE_MARGIN_DAYS)


def mark_offset_days(review_id: int, secret: bytes, window: tuple[int, int]) -> int:
    """The review's secret wait past the threshold, a day in `window` (fewest, most days).

    DESIGN.md §5 rule 8: on exactly threshold + 1 days the public card and the employer's figures
    would change, giving away the last-contact date. A keyed hash of the review's id (not a random
    draw) so the tick, the statistics, a recompute and the reminders all agree, while nobody
    without the secret can compute it. Changing the secret or the window moves the day.
    """
    low, high = window
    key = hmac.new(secret, b"heardback-presumed-ghosted", hashlib.sha256).digest()
    digest = hmac.new(key, str(review_id).encode(), hashlib.sha256).digest()
    return low + int.from_bytes(digest[:8], "big") % (high - low + 1)


def presumed_ghosted_on(
    last_contact_on: date,
    promised_days: int | None,
    review_id: int,
    secret: bytes,
    window: tuple[int, int],
) -> date:
    """The first day a waiting review counts as presumed ghosted."""
    days = ghosted_after_days(promised_days) + 1 + mark_offset_days(review_id, secret, window)
    return last_contact_on + timedelta(days=days)


def is_presumed_ghosted(
    outcome: Outcome,
    last_contact_on: date,
    promised_days: int | None,
    review_id: int,
    today: date,
    secret: bytes,
    window: tuple[int, int],
) -> bool:
    """Waiting, and no contact for max(30, promised + 14) days plus the review's secret days."""
    if outcome is not Outcome.waiting:
        return False
    return today >= presumed_ghosted_on(last_contact_on, promised_days, review_id, secret, window)
