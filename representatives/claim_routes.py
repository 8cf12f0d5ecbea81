"""Views of claims: asking to represent an employer, following the emailed link, and leaving.

Thin: validate, call representatives.claims, commit, then redirect or render.
"""

from __future__ import annotations

import math
import time

from flask import abort, current_app, flash, make_response, redirect, render_template, url_for
from flask_limiter import RequestLimit
from flask_login import current_user, login_required
from limits import RateLimitItem
from sqlalchemy.exc import IntegrityError

import errors
from employers.access import employer_or_redirect
from extensions import db, limiter
from forms import ConfirmForm
from representatives import access, bp, claims
from representatives.claims import ClaimError, LinkProblem
from representatives.forms import ClaimForm
from representatives.models import ClaimStatus, EndReason, Representative
from security import pseudonymous


def _claim_limit() -> str:
    return current_app.config["RATELIMIT_CLAIM"]


def _account_key() -> str:
    return "claim-account:" + pseudonymous(str(current_user.get_id()))


def _signed_out() -> bool:
    return not current_user.is_authenticated


def _signed_in() -> bool:
    return current_user.is_authenticated


def limit_words(item: RateLimitItem) -> str:
    """ "5 times per hour", "once every 2 days": the limit in force, as configured."""
    times = "once" if item.amount == 1 else f"{item.amount} times"
    unit = item.GRANULARITY.name
    if item.multiples == 1:
        return f"{times} per {unit}"
    return f"{times} every {item.multiples} {unit}s"


def _wait_words(seconds: float) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    if minutes < 90:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    hours = math.ceil(minutes / 60)
    return f"{hours} hours" if hours < 48 else f"{math.ceil(hours / 24)} days"


def _claim_limited(limit: RequestLimit):
    """The page for a claim over its limit: the limit in force and when to try again."""
    wait = max(limit.reset_at - time.time(), 1)
    who = "from one account" if current_user.is_authenticated else "from one connection"
    message = (
        f"You can ask to represent an employer {limit_words(limit.limit)} {who}, and you have "
        f"reached that. You can ask again in about {_wait_words(wait)}."
    )
    response = make_response(errors.render_error(429, message))
    response.headers["Retry-After"] = str(math.ceil(wait))
    return response


@bp.errorhandler(429)
def too_many_requests(error):
    """A limit of this blueprint's that says what it is (on_breach) answers with its own page;
    any other gets the site's."""
    if getattr(error, "response", None) is not None:
        return error.response
    body, code = errors.render_error(429)
    return body, code, {"Retry-After": "60"}


# Per signed-in account, so that colleagues behind one office address don't share the limit
# (the claim itself needs an account, whose creation is limited per connection); per connection
# only for requests signed out, which are sent to sign in anyway.
@bp.route("/employers/<slug>/claim", methods=["GET", "POST"])
@limiter.limit(_claim_limit, methods=["POST"], exempt_when=_signed_in, on_breach=_claim_limited)
@limiter.limit(
    _claim_limit,
    methods=["POST"],
    key_func=_account_key,
    exempt_when=_signed_out,
    on_breach=_claim_limited,
)
@login_required
def claim(slug: str):
    """Ask to represent an employer by giving a work email on one of its domains (DESIGN §7)."""
    employer = employer_or_redirect(slug, "representatives.claim")
    page = "representatives/claim.html"
    if not current_user.is_verified:
        return render_template(page, employer=employer, unverified=True), 403
    representation = access.representation_for(current_user.id, employer.id)
    if representation is not None:
        return render_template(page, employer=employer, representation=representation)
    if claims.has_reviewed(current_user.id, employer.id):
        conflict = str(claims.ReviewerConflict(employer))
        return render_template(page, employer=employer, conflict=conflict), 403
    form = ClaimForm()
    pending = claims.pending_claim_for(current_user.id, employer.id)
    if form.validate_on_submit():
        try:
            made = claims.start_claim(current_user, employer, form.email.data)
        except ClaimError as error:
            db.session.rollback()
            form.email.errors.append(str(error))
        except IntegrityError:  # another request of the same user's got in first
            db.session.rollback()
            form.form_errors.append("Your request crossed with another one. Please send it again.")
        else:
            db.session.commit()
            return render_template(
                "representatives/claim_sent.html",
                employer=employer,
                emailed=made.status is ClaimStatus.emailed,
                email=made.email,
                hours=claims.link_hours(),
            )
    domains = sorted(item.domain for item in employer.domains)
    status = 422 if form.errors else 200
    return render_template(
        page, employer=employer, form=form, domains=domains, pending=pending
    ), status


def _link_problem(problem: LinkProblem, status: int):
    return render_template(
        "representatives/verify_problem.html", problem=problem.value, hours=claims.link_hours()
    ), status


@bp.route("/claims/verify/<token>", methods=["GET", "POST"])
@login_required
def verify_claim(token: str):
    """GET only shows a button (mail scanners follow links); the POST makes the representative."""
    found = claims.read_link(token)
    if isinstance(found, LinkProblem):
        return _link_problem(found, 400)
    if found.user_id != current_user.id:
        return _link_problem(LinkProblem.other_user, 403)
    employer = found.employer
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            claims.accept(found)
            db.session.commit()
        except IntegrityError:  # the same link, pressed twice at once
            db.session.rollback()
            return _link_problem(LinkProblem.used, 400)
        except claims.ReviewerConflict as conflict:  # they reviewed the employer since asking
            db.session.rollback()
            page = "representatives/claim.html"
            return render_template(page, employer=employer, conflict=str(conflict)), 409
        flash(
            f"You now represent {employer.name} on HeardBack. This is your dashboard: answer "
            "reviews here (you will never learn who wrote them).",
            "success",
        )
        return redirect(url_for("representatives.dashboard", employer=employer.slug))
    return render_template(
        "representatives/verify.html", employer=employer, email=found.email, form=form
    )


@bp.route("/employer/leave/<int:representative_id>", methods=["GET", "POST"])
@login_required
def leave(representative_id: int):
    """Stop representing an employer: only one's own representation."""
    representative = db.session.get(Representative, representative_id)
    if representative is None:
        abort(404)
    if representative.user_id != current_user.id:
        abort(403)
    employer = representative.employer
    form = ConfirmForm()
    page = "representatives/leave.html"
    if not representative.is_live:
        return render_template(page, employer=employer, ended=True, form=form), 409
    if refusal := access.last_owner_refusal(representative):  # the team keeps an owner
        flash(refusal, "error")
        return redirect(url_for("representatives.team_page", employer=employer.slug))
    if form.validate_on_submit():
        claims.end_representation(representative, EndReason.left)
        db.session.commit()
        flash(f"You no longer represent {employer.name} on HeardBack.", "info")
        return redirect(url_for("employers.employer_page", slug=employer.slug))
    return render_template(page, employer=employer, representative=representative, form=form)
