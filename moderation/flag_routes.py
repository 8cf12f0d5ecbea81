"""Views of flags: report a published review, or the employer's response under it, to the
moderators (DESIGN.md §8).

The target comes from the URL (the review's public id; a response is reached through its review,
so its id is never exposed). Flagging never hides or changes anything and shows the flagger
nothing about the author. POSTs are rate-limited per account (config RATELIMIT_FLAG).
"""

from __future__ import annotations

from flask import abort, current_app, redirect, render_template, url_for
from flask_login import current_user, login_required

from extensions import db, limiter
from moderation import bp, flags
from moderation.flag_forms import REASONS, FlagForm
from moderation.flags import Refusal
from representatives import access as representation
from reviews.display import public_view
from reviews.fields import values_of
from reviews.models import Review
from security import client_key, pseudonymous

SENT = {"review": "moderation.flag_review_sent", "response": "moderation.flag_response_sent"}


def _flag_limit() -> str:
    return current_app.config["RATELIMIT_FLAG"]


def _flag_key() -> str:
    if current_user.is_authenticated:
        return "flag-account:" + pseudonymous(str(current_user.get_id()))
    return client_key()


# One budget for both kinds of flag.
_rate_limited = limiter.shared_limit(
    _flag_limit, scope="flag", key_func=_flag_key, methods=["POST"]
)


def _review_or_404(public_id: str) -> Review:
    review = flags.flaggable_review(public_id)
    if review is None:
        abort(404)
    return review


def _handle(review: Review, *, what: str):
    """Show the form, or validate → flag → redirect. `what` is "review" or "response"."""
    if what == "response":
        response = flags.flaggable_response(review)
        if response is None:
            abort(404)
        target = {"response": response}
    else:
        target = {"review": review}
    employer = review.employer
    refusal = flags.refusal_for(current_user, **target)
    if refusal is Refusal.already_flagged:
        return _done_page(review, what, already=True)
    if refusal is not None:
        return render_template(
            "moderation/flag_refused.html", review=review, employer=employer, refusal=refusal
        ), 403
    form = FlagForm()
    if form.validate_on_submit():
        result = flags.flag(current_user, form.reason_value, form.explanation.data, **target)
        if isinstance(result, Refusal):  # e.g. the same report sent twice at once
            return _done_page(review, what, already=True)
        db.session.commit()
        return redirect(url_for(SENT[what], public_id=review.public_id))
    return render_template(
        "moderation/flag.html",
        form=form,
        review=review,
        employer=employer,
        what=what,
        card=public_view(values_of(review), employer, review=review),
        reason_help={reason.value: help for reason, (_, help) in REASONS.items()},
        representing=representation.represents(current_user.id, employer.id),
    ), 422 if form.errors else 200


def _done_page(review: Review, what: str, *, already: bool = False):
    return render_template(
        "moderation/flag_done.html",
        review=review,
        employer=review.employer,
        what=what,
        already=already,
    )


@bp.route("/reviews/<public_id>/flag", methods=["GET", "POST"])
@_rate_limited
@login_required
def flag_review(public_id: str):
    return _handle(_review_or_404(public_id), what="review")


@bp.route("/reviews/<public_id>/response/flag", methods=["GET", "POST"])
@_rate_limited
@login_required
def flag_response(public_id: str):
    return _handle(_review_or_404(public_id), what="response")


@bp.get("/reviews/<public_id>/flag/sent")
@login_required
def flag_review_sent(public_id: str):
    return _done_page(_review_or_404(public_id), "review")


@bp.get("/reviews/<public_id>/response/flag/sent")
@login_required
def flag_response_sent(public_id: str):
    return _done_page(_review_or_404(public_id), "response")
