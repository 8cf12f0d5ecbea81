"""Employer search and the (for now, basic) employer page."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for

from employers import bp, services
from forms import clean_query


@bp.get("/employers")
def search():
    query = clean_query(request.args.get("q", ""))
    page = request.args.get("page", 1, type=int)
    results = services.search(query, page=min(max(page, 1), services.MAX_PAGE))
    return render_template("employers/search.html", query=query, results=results)


@bp.get("/employers/<slug>")
def employer_page(slug: str):
    employer, moved_to = services.get_by_slug(slug)
    if moved_to:
        return redirect(url_for("employers.employer_page", slug=moved_to), code=301)
    if employer is None:
        abort(404)
    return render_template("employers/employer.html", employer=employer, stats=employer.stats)
