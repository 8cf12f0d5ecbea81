"""What every template may use besides its view's values: filters (`month`, `in_words`) and
globals (`site_url`, `limits`, `publish_window_days`). Thresholds come from the modules that
apply them, so a page never states a number the rule doesn't use."""

from __future__ import annotations

from flask import Flask

from accounts.services import absolute_url
from reviews.disclosure import SMALL_EMPLOYER_REVIEWS
from reviews.publication import window_days
from scoring import figures
from timeutils import month_label

# The thresholds pages explain, by what they mean.
LIMITS = {
    # Below this many published reviews an employer's cards show coarse stages (§5.3).
    "small_employer_reviews": SMALL_EMPLOYER_REVIEWS,
    # A figure about a group of candidates is shown from this many distinct reviewers (§5.3).
    "min_cell_authors": figures.MIN_CELL_AUTHORS,
    # Days to a decision get a median and an 80th percentile from this many decisions (§6).
    "decisions_for_quantiles": figures.MIN_DECISIONS_FOR_QUANTILES,
}

_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def in_words(number: int) -> str:
    """A small count as a word, as prose writes it ("five candidates"); larger ones as digits."""
    return _WORDS[number] if 0 <= number < len(_WORDS) else str(number)


def init_app(app: Flask) -> None:
    app.jinja_env.filters["month"] = month_label
    app.jinja_env.filters["in_words"] = in_words
    # Absolute URLs in pages come from SITE_URL, never from the request's Host header: pages are
    # cached for every visitor, so one forged Host must not reach the next visitor's page.
    app.jinja_env.globals["site_url"] = absolute_url
    app.jinja_env.globals["limits"] = LIMITS
    # The publication delay in whole days, (fewest, most): "3 to 10 days" by default.
    app.jinja_env.globals["publish_window_days"] = window_days
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True


def compile_all(app: Flask) -> int:
    """Compile every template now (returns how many). gunicorn.conf.py calls it in the master
    before forking, so the workers share the compiled templates instead of each compiling its
    own copy on first use (issue 19: the server's memory)."""
    count = 0
    for name in app.jinja_env.list_templates():
        app.jinja_env.get_template(name)
        count += 1
    return count
