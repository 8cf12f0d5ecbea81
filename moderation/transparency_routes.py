"""/transparency: the site-wide moderation figures by month, and the rules behind them
(DESIGN.md §8). Public, cached like the other public pages; months only, never dates."""

from __future__ import annotations

from flask import render_template

import caching
from moderation import bp
from moderation.transparency import (
    ACTION_COLUMNS,
    REASON_COLUMNS,
    REPORT_COLUMNS,
    monthly_report,
)
from timeutils import today


@bp.get("/transparency")
@caching.cached
def transparency():
    return render_template(
        "moderation/transparency.html",
        report=monthly_report(today()),
        action_columns=ACTION_COLUMNS,
        report_columns=REPORT_COLUMNS,
        reason_columns=REASON_COLUMNS,
    )
