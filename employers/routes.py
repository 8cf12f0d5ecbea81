"""Employer search, the employer page, and choosing (or adding) the employer a review is about."""

from __future__ import annotations

from flask import (
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

import caching
from employers import access, bp, browse, matching, services
from employers.forms import NewEmployerForm
from employers.models import Industry, SizeBand
from employers.page import employer_page as employer_page_content
from extensions import db, limiter
from reviews.display import public_view
from reviews.fields import values_of
from scoring.stats import current_inputs
from textnorm import clean_query
from timeutils import today

SUGGEST_MIN_LENGTH = 2  # characters; fewer would match half the employers
SUGGEST_LIMIT = 8  # autocomplete entries
CHOOSE_LIMIT = 10  # choices on the results page
SUGGEST_MAX_AGE = 60  # seconds a browser or proxy may reuse an autocomplete answer


@bp.get("/employers")
@caching.cached
def search():
    # Names, counts and scores of many employers: the site's data version covers them all.
    caching.validate("search", caching.site_version(), today())
    filters, notes = browse.search_filters(request.args)
    results = browse.search(filters)
    # Nothing contains the words as typed: offer the typo-tolerant matches instead.
    nothing = filters.query and results.pagination.total == 0
    return render_template(
        "employers/search.html",
        filters=filters,
        notes=notes,
        results=results.pagination,
        rows=results.rows,
        suggestions=browse.suggestion_rows(filters) if nothing else [],
        industries=list(Industry),
        sizes=list(SizeBand),
        countries=services.country_choices(),
        sorts=browse.SORTS,
    )


@bp.get("/employers/<slug>/reviews")
@caching.cached
def reviews(slug: str):
    """Every published review of the employer, newest first, with filters (DESIGN.md §9)."""
    employer = access.employer_or_redirect(slug, "employers.reviews")
    _validate_employer(employer)
    filters, notes = browse.review_filters(request.args, employer)
    page = browse.employer_reviews(employer, filters)
    cards = [public_view(values_of(review), employer, review=review) for review in page.items]
    return render_template(
        "employers/reviews.html",
        employer=employer,
        filters=filters,
        notes=notes,
        choices=browse.review_filter_choices(employer),
        results=page,
        cards=cards,
    )


@bp.get("/rankings")
@caching.cached
def rankings():
    """The most and least responsive employers, site-wide or in one industry (DESIGN.md §6)."""
    caching.validate("rankings", caching.site_version(), today())
    notes: list[str] = []
    industry = browse.industry_filter(request.args, notes)
    return render_template(
        "employers/rankings.html",
        rankings=browse.rankings(industry),
        rules=browse.RANKING_RULES,
        site_mean=round(100 * current_inputs().mu),
        industries=list(Industry),
        notes=notes,
    )


@bp.get("/employers/suggest")
def suggest():
    """Autocomplete for the employer choice: JSON, the same for everyone, so cacheable."""
    query = clean_query(request.args.get("q", ""))
    matches = matching.suggest(query, limit=SUGGEST_LIMIT) if _long_enough(query) else []
    response = jsonify(query=query, results=[_suggestion(match) for match in matches])
    # Public, so proxies can share answers, but only for requests without a session cookie (the
    # autocomplete sends none): a signed-in browser's response may refresh its session cookie,
    # and a shared cache must never store a Set-Cookie.
    if request.cookies.get(current_app.config["SESSION_COOKIE_NAME"]):
        response.cache_control.private = True
    else:
        response.cache_control.public = True
    response.cache_control.max_age = SUGGEST_MAX_AGE
    return response


def _long_enough(query: str) -> bool:
    return len(query) >= SUGGEST_MIN_LENGTH


def _suggestion(match: matching.Match) -> dict:
    employer = match.employer
    return {
        "name": employer.name,
        "slug": employer.slug,
        "matched_name": match.matched_name,
        "industry": employer.industry.label if employer.industry else None,
        "country": services.country_name(employer.country),
        "reviews": employer.stats.review_count if employer.stats else 0,
        "url": url_for("employers.employer_page", slug=employer.slug),
        "review_url": url_for("reviews.new", employer=employer.slug),
    }


@bp.get("/reviews/new/employer")
@login_required
def choose():
    """Step one of writing a review: which employer? Works without JavaScript; with it, the
    search box suggests employers as the user types (static/js/employer-suggest.js)."""
    query = clean_query(request.args.get("q", ""))
    matches = matching.suggest(query, limit=CHOOSE_LIMIT) if _long_enough(query) else []
    return render_template(
        "employers/choose.html",
        query=query,
        matches=matches,
        too_short=bool(query) and not _long_enough(query),
        country_name=services.country_name,
    )


# Where adding (or finding) an employer leads: the review form, or with ?then=application the
# private tracker's form (applications.routes.new). Endpoint names only: no import of the views.
NEXT_STEPS = {"review": "reviews.new", "application": "applications.new"}


def _then() -> str:
    """The ?then= value carried through the form: a known one, or "review"."""
    then = request.args.get("then", "")
    return then if then in NEXT_STEPS else "review"


def _create_limit() -> str:
    return current_app.config["RATELIMIT_EMPLOYER_CREATE"]


@bp.route("/employers/new", methods=["GET", "POST"])
@limiter.limit(_create_limit, methods=["POST"])
@login_required
def new():
    """Add an employer, after checking it isn't one we already know under another spelling.

    Anonymity (DESIGN.md §5): the employer row does not record who added it, and nothing else
    does. An obscure employer added minutes before a review of it would point at the review's
    author, so that link must not exist anywhere, not even for moderators.
    """
    if not current_user.is_verified:
        return render_template("employers/new.html", unverified=True), 403
    if request.method == "POST":
        form = NewEmployerForm()
    else:
        form = NewEmployerForm(name=clean_query(request.args.get("name", "")))

    existing = None
    similar: list[matching.Match] = []
    valid = form.validate_on_submit()
    if form.is_submitted() and form.name.data and not form.name.errors:
        # Checked even when another field needs fixing: better to learn now that the employer
        # is already here than after correcting its website.
        existing, similar = _known_already(form)
    if valid and existing is None and not similar:
        try:
            employer = services.create_employer(
                form.name.data,
                industry=form.industry_value,
                country=form.country.data or None,
                domain=form.website.data or None,
            )
            db.session.commit()
            # Unlisted until its first review is published: this session may see it (§5.8).
            access.remember_added(employer.id)
        except IntegrityError:
            # Someone added the same name or domain a moment ago: show theirs instead.
            db.session.rollback()
            existing, similar = _known_already(form, race=True)
        else:
            flash(f"{employer.name} is added. Now tell us about your application.", "success")
            return redirect(url_for(NEXT_STEPS[_then()], employer=employer.slug))

    hidden_owner = form.domain_owner
    if existing is None and hidden_owner is not None and not access.may_see(hidden_owner):
        existing = hidden_owner  # an unlisted employer's website (validate_website)
    if existing is not None and not access.may_see(existing):
        # An unlisted employer (§5.8) someone else added: saying "already here" would tell
        # anyone, its own recruiters included, that a candidate is about to review it. This
        # user gets what adding it would give them: the review form, and the page from now on.
        if valid:
            access.remember_added(existing.id)
            flash(f"{existing.name} is added. Now tell us about your application.", "success")
            return redirect(url_for(NEXT_STEPS[_then()], employer=existing.slug))
        existing = None
    status = 422 if form.errors or existing or similar else 200
    return render_template(
        "employers/new.html",
        form=form,
        existing=existing,
        similar=similar,
        country_name=services.country_name,
        then=_then(),
        next_endpoint=NEXT_STEPS[_then()],
    ), status


def _known_already(form: NewEmployerForm, race: bool = False):
    """(the same employer, or None; near-duplicates still to confirm) for the name typed."""
    if race and form.website.data and services.find_by_name(form.name.data) is None:
        owner = services.employer_for_domain(form.website.data)
        if owner is not None and not access.may_see(owner):
            return owner, []  # answered as adding it would be, in new()
        if owner is not None:
            form.domain_owner = owner
            form.website.errors.append(
                f"{form.website.data} is already the website of {owner.name}."
            )
            return None, []
    return matching.duplicates(form.name.data, similar=not form.different.data)


def _validate_employer(employer) -> None:
    """Answer a revalidation with 304 before anything is rendered (DESIGN.md §11: a revalidated
    request answered 304 must keep 90% of a trivial endpoint's throughput).

    The statistics row's updated_at moves with any change to any of the employer's reviews
    (scoring.stats.refresh_employer) and with the daily recompute; the date covers what ages
    by the day (silent days on cards, the last 12 months).
    """
    stats = employer.stats
    caching.validate(
        employer.name,
        employer.industry,
        employer.size_band,
        employer.country,
        stats.updated_at if stats else None,
        today(),
        last_modified=stats.updated_at if stats else None,
    )


@bp.get("/employers/<slug>")
@caching.cached
def employer_page(slug: str):
    employer = access.employer_or_redirect(slug, "employers.employer_page")
    _validate_employer(employer)
    page = employer_page_content(employer)
    return render_template(
        "employers/employer.html", **vars(page), country_name=services.country_name
    )
