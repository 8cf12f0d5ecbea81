"""Views of responses/: a representative writes or edits the employer's one public response to a
review (DESIGN.md §7).

Like the review form (reviews/routes.py), writing is two steps without a server-side draft: the
form posts to itself with `action=preview`, the preview shows exactly what the public will see
and what the scrubber removed, and `publish` validates and scrubs the text again (the preview's
output is never trusted). The review comes from the URL, the employer from the review, and the
right to answer from the user's live representation of that employer: nothing in the form body
can point elsewhere.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

import errors
from extensions import db
from responses import bp, services
from responses.forms import ResponseForm
from responses.models import BODY_LIMIT, ResponseStatus
from reviews import display
from reviews.fields import values_of
from reviews.models import Review
from timeutils import month_label, utcnow

ACTIONS = ("preview", "publish", "edit")


def _target(public_id: str):
    """(review, representative), or 404 (no published review here) / 403 (not theirs)."""
    review = services.respondable_review(public_id)
    if review is None:
        abort(404)
    representative = services.representative_for(current_user, review)
    if representative is None:
        abort(403)
    return review, representative


def _card(review: Review):
    return display.public_view(values_of(review), review.employer, review=review)


def _form_page(form, review: Review, *, status: int = 200, notice: str | None = None):
    return render_template(
        "responses/form.html",
        form=form,
        review=review,
        employer=review.employer,
        response=review.response,
        card=_card(review),
        notice=notice,
        body_limit=BODY_LIMIT,
    ), status


def _preview_page(form, review: Review, prepared: services.Prepared):
    card = _card(review)
    existing = review.response
    now = utcnow()
    card.response = display.PublicResponse(
        body=prepared.body,
        month=month_label(existing.created_at if existing else now),
        edited=month_label(now) if existing and services.was_published(existing) else None,
    )
    return render_template(
        "responses/preview.html",
        form=form,
        review=review,
        employer=review.employer,
        prepared=prepared,
        card=card,
        editing=existing is not None,
    )


@bp.route("/employer/reviews/<public_id>/response", methods=["GET", "POST"])
@login_required
def respond(public_id: str):
    review, representative = _target(public_id)
    if services.is_locked(review):
        return render_template(
            "responses/locked.html", review=review, employer=review.employer
        ), 409
    if request.method == "GET":
        existing = review.response
        return _form_page(ResponseForm(data={"body": existing.body} if existing else None), review)

    form = ResponseForm()
    action = request.form.get("action", "preview")
    if action not in ACTIONS:
        action = "preview"
    if not form.validate_on_submit():
        return _form_page(form, review, status=422)
    if action == "edit":
        return _form_page(form, review)
    prepared = services.prepare(form.body.data, current_user, review.employer)
    if prepared.too_long:
        form.body.errors = [
            f"With contact details replaced by “[removed]” the response would be "
            f"{len(prepared.body):,} characters; shorten it to {BODY_LIMIT:,}."
        ]
        return _form_page(form, review, status=422)
    if action == "preview":
        return _preview_page(form, review, prepared)

    try:
        saved = services.save(review, representative, prepared)
        db.session.commit()
    except IntegrityError:
        # Another representative answered the same review a moment ago (one response per
        # review is a unique constraint): show theirs, to edit if need be.
        db.session.rollback()
        flash(
            f"Someone else answered this review for {review.employer.name} a moment ago. Their "
            "response is below; edit it if it needs to change.",
            "info",
        )
        return redirect(url_for("responses.respond", public_id=public_id))
    if saved.first_published:
        services.notify_author(review)
        db.session.commit()  # the queued email
    if saved.response.status is ResponseStatus.held:
        flash(
            "Your response is saved. It seems to name a person, so a moderator will read it "
            "before it is published.",
            "info",
        )
        return redirect(url_for("responses.respond", public_id=review.public_id))
    flash("Your response is published under the review.", "success")
    return redirect(url_for("reviews.show", public_id=review.public_id))


def _recover_form_after_csrf_failure():
    """A CSRF failure (e.g. signed out in another tab) re-shows the form with the text typed."""
    public_id = (request.view_args or {}).get("public_id", "")
    if not current_user.is_authenticated:
        return None
    review = services.respondable_review(public_id)
    if review is None or services.representative_for(current_user, review) is None:
        return None
    if services.is_locked(review):
        return None
    form = ResponseForm(formdata=None, data={"body": request.form.get("body", "")})
    notice = (
        "Your page's security token had expired, so nothing was saved yet. Your text is still "
        "below: check it and press Preview again."
    )
    return _form_page(form, review, status=400, notice=notice)


errors.CSRF_RECOVERY["responses.respond"] = _recover_form_after_csrf_failure
