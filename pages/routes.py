"""The home page, the site's information pages and the health check."""

from __future__ import annotations

from flask import jsonify, render_template
from sqlalchemy import text

from employers.services import site_counts
from extensions import db
from pages import bp


@bp.get("/")
def home():
    return render_template("pages/home.html", counts=site_counts())


@bp.get("/methodology")
def methodology():
    return render_template("pages/methodology.html")


@bp.get("/guidelines")
def guidelines():
    return render_template("pages/guidelines.html")


@bp.get("/privacy")
def privacy():
    return render_template("pages/privacy.html")


@bp.get("/healthz")
def healthz():
    """For load balancers: 200 when the database answers, 503 (JSON) when it doesn't."""
    db.session.execute(text("SELECT 1"))
    return jsonify(status="ok", database="ok")
