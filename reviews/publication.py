"""When a review, or a change of one, becomes public (DESIGN.md §5.2): a random moment some days
after it was written, and never before the account is a day old."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from flask import current_app, has_app_context

from accounts.models import User
from config import Config


def publish_time(author: User, now: datetime, rng: random.Random | None = None) -> datetime:
    """A random moment 3-10 days on, never before the account is a day old (both configurable).

    The delay means a review's appearance can't be matched to a rejection sent that day
    (DESIGN.md §5.2). The account-age floor (REVIEW_MIN_ACCOUNT_AGE_HOURS, 24 by default) holds
    however short the delay: an account opened just to post a review can't have it public the
    same day.
    """
    config = current_app.config
    low = float(config["REVIEW_PUBLISH_DELAY_MIN_HOURS"])
    high = float(config["REVIEW_PUBLISH_DELAY_MAX_HOURS"])
    rng = rng or random.SystemRandom()
    delay = timedelta(hours=rng.uniform(low, max(low, high)))
    earliest = author.created_at + timedelta(hours=float(config["REVIEW_MIN_ACCOUNT_AGE_HOURS"]))
    return max(now + delay, earliest)


def window_days() -> tuple[int, int]:
    """(fewest, most) whole days of the publication delay (REVIEW_PUBLISH_DELAY_*_HOURS), 3 and
    10 by default. Outside the app (the methodology's rules read without one): the defaults."""
    if has_app_context():
        config = current_app.config
    else:
        config = {name: getattr(Config, name) for name in dir(Config) if name.isupper()}
    low = int(config["REVIEW_PUBLISH_DELAY_MIN_HOURS"]) // 24
    high = int(config["REVIEW_PUBLISH_DELAY_MAX_HOURS"]) // 24
    return low, max(low, high)
