"""Review views: write, preview, publish, update, the author's page and the public page.

Writing is two steps without any server-side draft: the form posts to itself with
`action=preview`, the preview page carries everything typed in hidden fields, and `publish`
validates and scrubs it all again (the preview's output is never trusted).
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from werkzeug.datastructures import MultiDict

import errors
from applications import sharing
from employers.access import employer_or_redirect, may_see
from employers.services import get_by_slug, names_of
from extensions import db, limiter
from forms import ConfirmForm
from moderation.notices import open_notice_count
from proofs import services as proofs
from proofs.messages import MESSAGES
from proofs.services import proofs_of
from proofs.verify import MAX_MESSAGE_BYTES, Problem, ProofError
from representatives import access, contact_reports
from reviews import bp, contact_answers, fields, pending, services
from reviews.access import own_review
from reviews.contact_answers import ContactAnswer
from reviews.contact_forms import ANSWERS, ContactAnswerForm
from reviews.display import public_view
from reviews.forms import ReviewForm
from reviews.labels import CHASED, FEEDBACK, NEXT_STEPS, OUTCOMES, STAGES
from reviews.models import Review, ReviewStatus
from reviews.pending import MonthTaken
from security import client_key, pseudonymous
from timeutils import today, utcnow

ACTIONS = ("preview", "publish", "edit")


@bp.context_processor
def review_labels():
    """Labels and help texts for the review templates (one place: reviews/labels.py)."""
    return {
        "stage_help": {stage.value: help for stage, (_, help) in STAGES.items()},
        "outcome_help": {outcome.value: help for outcome, (_, help) in OUTCOMES.items()},
        "next_steps_help": {step.value: help for step, (_, help) in NEXT_STEPS.items()},
        "feedback_help": {item.value: help for item, (_, help) in FEEDBACK.items()},
        "chased_help": {choice: help for choice, (_, _, help) in CHASED.items() if help},
        "stage_labels": STAGES,
        "outcome_labels": OUTCOMES,
    }


def _account_key() -> str:
    return "account:" + pseudonymous(str(current_user.get_id()))


def _not_publishing() -> bool:
    return request.form.get("action") != "publish"


def _review_limit():
    return current_app.config["RATELIMIT_REVIEW"]


def _rate_limited(view):
    """Publishing is limited per account and per client address (DESIGN.md §8)."""
    view = limiter.limit(_review_limit, key_func=client_key, exempt_when=_not_publishing)(view)
    return limiter.limit(_review_limit, key_func=_account_key, exempt_when=_not_publishing)(view)


def _employer_or_redirect():
    slug = request.args.get("employer", "")
    if not slug:
        return None, redirect(url_for("employers.choose"))
    return employer_or_redirect(slug, "reviews.new", slug_arg="employer"), None


def _form_page(form, employer, *, review=None, status=200, notice=None, hint=None):
    return render_template(
        "reviews/form.html", form=form, employer=employer, review=review, notice=notice, hint=hint
    ), status


def _preview_page(form, employer, prepared, *, review=None):
    return render_template(
        "reviews/preview.html",
        form=form,
        employer=employer,
        review=review,
        prepared=prepared,
        card=public_view(prepared.values, employer, preview=True),
        carried=_carried_fields(),
    )


def _carried_fields() -> list[tuple[str, str]]:
    """What the user typed, to carry through the preview page unchanged."""
    return [
        (name, value)
        for name, value in request.form.items(multi=True)
        if name not in ("csrf_token", "action")
    ]


def _handle(form, employer, *, review=None):
    """Validate → (edit | preview | publish). Returns a response."""
    action = request.form.get("action", "preview")
    if action not in ACTIONS:
        action = "preview"
    valid = form.validate_on_submit()
    if valid:
        form.add_errors(services.date_errors(form.values(), today()))
        valid = not form.errors
    if action == "edit" or not valid:
        return _form_page(form, employer, review=review, status=200 if valid else 422)
    prepared = services.prepare(form.values(), current_user, not_names=names_of(employer))
    if action == "preview":
        return _preview_page(form, employer, prepared, review=review)
    if review is None:
        try:
            submission = services.submit_review(current_user, employer, prepared, key=form.key())
            if not submission.created:
                return _stopped(employer, submission)
            application = _shared_application(employer)
            if application is not None:
                sharing.link(application, submission.review)
            status = submission.review.status  # read before the commit expires it
            db.session.commit()
        except IntegrityError:
            # A concurrent POST of the same form (or another review of this employer this
            # month) committed first: answer with what it did, never a second review.
            db.session.rollback()
            stop = services.stopped(current_user, employer, form.key())
            if stop is not None:
                return _stopped(employer, stop)
            # An older review of a process that began in the same month (uq_reviews_one_per_month).
            form.add_errors({"process_month": TAKEN_MONTH})
            return _form_page(form, employer, status=422)
        _attach_proof(submission.review)
        return _saved(status, "Thank you. Your review is saved")
    try:
        services.update(review, current_user, prepared)
        status = review.status
        if review.pending_values is not None:
            # A change of a public review waits like a new one (DESIGN.md §5.8).
            held = review.pending_hold_reason is not None
            status = ReviewStatus.held if held else ReviewStatus.scheduled
        db.session.commit()
    except (IntegrityError, MonthTaken):
        # Another of the author's reviews of this employer began in that month
        # (uq_reviews_one_per_month): say so, keep what was typed.
        db.session.rollback()
        form.add_errors({"process_month": TAKEN_MONTH})
        return _form_page(form, employer, review=review, status=422)
    _attach_proof(review)
    return _saved(status, "Your review is updated")


def _attach_proof(review: Review) -> None:
    """The saved message chosen on the preview page, if any, checked once the review is saved:
    a failed proof never blocks or loses the review (DESIGN.md §12); it says why, and the
    proof page is one click away."""
    upload = request.files.get("message")
    if upload is None or not upload.filename:
        return
    raw = upload.stream.read(MAX_MESSAGE_BYTES + 1)
    try:
        proofs.attach(review, current_user, raw, utcnow())
    except ProofError as error:
        if error.problem is Problem.reused:
            db.session.commit()  # the attempt counts for moderators
        else:
            db.session.rollback()
        flash(
            f"{MESSAGES[error.problem]} (Your review is saved; you can try another message "
            "from “Prove the contact” below.)",
            "error",
        )
        return
    finally:
        raw = b""
    db.session.commit()
    flash("Your proof of contact is verified; the message itself was not kept.", "success")


TAKEN_MONTH = (
    "You already reviewed a process at this employer that began in that month. Update that "
    'review from "Your reviews" instead.'
)


def _stopped(employer, stop: services.Submission):
    """The answer when a new review was not created: refused, a repeated submission, or the
    author's review of the last 12 months."""
    if stop.refusal is not None:
        return _refused(employer, stop.refusal)
    if stop.replayed:
        return _saved(stop.review.status, "Thank you. Your review is saved")
    return _already_reviewed(employer, stop.existing)


def _refused(employer, refusal: services.Refusal):
    return render_template("reviews/refused.html", employer=employer, refusal=refusal), 403


def _already_reviewed(employer, existing: Review):
    flash(
        f"You already reviewed {employer.name} in the last 12 months. Update that review "
        "instead: one account has one review per employer a year.",
        "info",
    )
    return redirect(url_for("reviews.edit", public_id=existing.public_id))


def _saved(status: ReviewStatus, message: str):
    if status is ReviewStatus.held:
        flash(f"{message}. A moderator will check it before it is published.", "success")
    elif status is ReviewStatus.scheduled:
        flash(f"{message}. It will appear publicly within a few days.", "success")
    else:
        flash(f"{message}.", "success")
    return redirect(url_for("reviews.mine"))


@bp.route("/reviews/new", methods=["GET", "POST"])
@login_required
@_rate_limited
def new():
    employer, response = _employer_or_redirect()
    if response:
        return response
    form = ReviewForm()
    if _not_publishing():
        # The form and its preview aren't offered to whom a review would be refused. Publishing
        # is checked once, by services.submit_review, which also answers a retried "Publish"
        # whose first try went through.
        stop = services.stopped(current_user, employer)
        if stop is not None:
            return _stopped(employer, stop)
    if request.method == "GET":
        application = _shared_application(employer)
        if application is not None:
            form = ReviewForm(data=ReviewForm.data_from(sharing.review_values(application)))
            return _form_page(form, employer, hint=sharing.NOTICE)
        return _form_page(form, employer)
    return _handle(form, employer)


def _shared_application(employer):
    """?application=<id>: the author's own tracked application at this employer, shared as this
    review (applications.sharing); anything else is ignored."""
    return sharing.shareable(
        current_user.id, sharing.application_id(request.args.get("application")), employer.id
    )


@bp.route("/reviews/<public_id>/edit", methods=["GET", "POST"])
@login_required
@_rate_limited
def edit(public_id: str):
    review = own_review(public_id)
    employer = review.employer
    # The same rules as a new review: e.g. an author who has since become a representative of
    # the employer can't change what they wrote about it (DESIGN.md §7).
    refusal = services.refusal_for(current_user, employer)
    if refusal:
        return _refused(employer, refusal)
    if request.method == "GET":
        values = pending.author_values(review)
        application = sharing.linked_to(
            current_user.id, sharing.application_id(request.args.get("application")), review
        )
        if application is not None:
            # The outcome the tracker learnt since the review was shared (it waits like any
            # change of a public review).
            values.update(sharing.outcome_values(application))
            form = ReviewForm(data=ReviewForm.data_from(values))
            return _form_page(form, employer, review=review, hint=sharing.UPDATE_NOTICE)
        form = ReviewForm(data=ReviewForm.data_from(values))
        return _form_page(form, employer, review=review)
    return _handle(ReviewForm(), employer, review=review)


@bp.get("/me")
@login_required
def mine():
    reviews = services.reviews_of(current_user)
    contacts = contact_reports.open_contacts(current_user.id)
    # The author sees their own changes at once, marked scheduled (DESIGN.md §5.8).
    changes = {
        review.id: pending.author_values(review)
        for review in reviews
        if review.pending_values is not None
    }
    return render_template(
        "reviews/mine.html",
        reviews=reviews,
        changes=changes,
        today=today(),
        contacts=contacts,
        contact_labels={outcome: OUTCOMES[outcome][0] for outcome in ANSWERS},
        open_notices=open_notice_count(current_user.id),
        proofs=proofs_of(reviews),
    )


# --- the author's answer to "we have now contacted this candidate" (DESIGN.md §7) ---------------

CONTACT_MESSAGES = {
    ContactAnswer.denied: ("Thank you. Your review stays as it is.", "success"),
    ContactAnswer.already: ("You have already answered this.", "info"),
    ContactAnswer.changed: (
        "Your review has changed since the employer said they contacted you, so there is nothing "
        "left to confirm.",
        "info",
    ),
    ContactAnswer.none: ("There is nothing to answer about this review.", "info"),
}


def _contact_answered(review: Review, answer: ContactAnswer, outcome=None):
    if answer is ContactAnswer.confirmed:
        flash(
            f"Thank you. Your review now says “{OUTCOMES[outcome][0]}”, and that "
            f"{review.employer.name} followed up after it was posted.",
            "success",
        )
    else:
        flash(*CONTACT_MESSAGES[answer])
    return redirect(url_for("reviews.mine"))


@bp.post("/reviews/<public_id>/contact/confirm")
@login_required
def confirm_contact(public_id: str):
    review = own_review(public_id)
    form = ContactAnswerForm(allowed=contact_reports.contact_outcomes(review.stage))
    if not form.validate_on_submit():
        flash(" ".join(form.outcome.errors) or "Choose what they told you.", "error")
        return redirect(url_for("reviews.mine"))
    answer = contact_answers.answer_contact(review, current_user, form.value, utcnow())
    db.session.commit()
    return _contact_answered(review, answer, form.value)


@bp.post("/reviews/<public_id>/contact/deny")
@login_required
def deny_contact(public_id: str):
    review = own_review(public_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    answer = contact_answers.answer_contact(review, current_user, None, utcnow())
    db.session.commit()
    return _contact_answered(review, answer)


@bp.get("/reviews/<public_id>")
def show(public_id: str):
    review = db.session.scalar(
        db.select(Review)
        .options(joinedload(Review.response))
        .where(Review.public_id == public_id[:16])
    )
    own = (
        review is not None and current_user.is_authenticated and review.author_id == current_user.id
    )
    if review is None or (review.status is not ReviewStatus.published and not own):
        abort(404)
    employer = review.employer
    card = public_view(fields.values_of(review), employer, review=review)
    # A representative of this employer gets a link to answer it (responses/routes.py).
    can_respond = (
        card.public_id is not None
        and current_user.is_authenticated
        and not own
        and access.represents(current_user.id, employer.id)
    )
    return render_template(
        "reviews/show.html",
        review=review,
        employer=employer,
        card=card,
        own=own,
        can_respond=can_respond,
    )


def _recover_form_after_csrf_failure():
    """A CSRF failure on the review form (e.g. signed out in another tab during a long write-up)
    re-shows the form with everything typed, instead of losing it."""
    slug = request.args.get("employer", "")
    employer, _ = get_by_slug(slug[:220]) if slug else (None, None)
    if employer is not None and not may_see(employer):
        return None  # an unlisted employer is an unknown slug here too (§5.8)
    if employer is None and request.view_args and "public_id" in request.view_args:
        review = db.session.scalar(
            db.select(Review).where(Review.public_id == request.view_args["public_id"][:16])
        )
        employer = review.employer if review else None
    if employer is None:
        return None
    form = ReviewForm(formdata=MultiDict(request.form))
    notice = (
        "Your page's security token had expired, so nothing was saved yet. Everything you wrote "
        "is still below: check it and press Preview again."
    )
    if not current_user.is_authenticated:
        notice = (
            "You were signed out while writing, so nothing was saved yet. Everything you wrote is "
            "still below: sign in in another tab, then come back and press Preview again."
        )
    return _form_page(form, employer, status=400, notice=notice)


errors.CSRF_RECOVERY["reviews.new"] = _recover_form_after_csrf_failure
errors.CSRF_RECOVERY["reviews.edit"] = _recover_form_after_csrf_failure
