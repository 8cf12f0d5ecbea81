"""The home page, the site's information pages and the health check."""

from __future__ import annotations

from flask import jsonify, render_template
from sqlalchemy import text

import caching
from employers import browse
from employers.services import site_counts
from extensions import db
from pages import bp
from reviews.display import public_view
from reviews.fields import values_of
from reviews.services import recent_published_site_wide
from scoring.methodology import methodology_page
from timeutils import today


@bp.get("/")
@caching.cached
def home():
    caching.validate("home", caching.site_version(), today())
    recent = [
        (review.employer, public_view(values_of(review), review.employer, review=review))
        for review in recent_published_site_wide(browse.HOME_LIST_SIZE)
    ]
    return render_template(
        "pages/home.html",
        counts=site_counts(),
        rankings=browse.rankings(limit=browse.HOME_LIST_SIZE),
        recent=recent,
    )


@bp.get("/methodology")
@caching.cached
def methodology():
    return render_template("pages/methodology.html", page=methodology_page())


@bp.get("/guidelines")
@caching.cached
def guidelines():
    return render_template("pages/guidelines.html")


@bp.get("/privacy")
@caching.cached
def privacy():
    return render_template("pages/privacy.html")


@bp.get("/healthz")
def healthz():
    """For load balancers: 200 when the database answers, 503 (JSON) when it doesn't."""
    db.session.execute(text("SELECT 1"))
    return jsonify(status="ok", database="ok")
