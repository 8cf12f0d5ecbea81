"""The moderation queue, one review as a moderator sees it, and the actions on it (DESIGN.md §8).

Thin views: check the role, validate the action's form, call moderation.actions, commit once,
then send any email and redirect. Only moderators and admins reach any of these (signed out: to
sign-in; anyone else: 403), and the services check the actor again.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from extensions import db
from moderation import actions, bp, notices, queue
from moderation.action_forms import (
    HideForm,
    NoteForm,
    ReasonForm,
    RedactForm,
    RedactResponseForm,
    SuspendForm,
)
from moderation.actions import GUIDELINES, ActionError
from moderation.flag_forms import REASONS as FLAG_REASONS
from responses import services as responses
from reviews.models import GuidelineReason, HoldReason, Review, ReviewStatus
from security import moderator_required
from timeutils import utcnow

HOLD_REASONS = {
    HoldReason.suspected_name: "Seems to name a person",
    HoldReason.link_spam: "Links or spam",
    HoldReason.near_duplicate: "Nearly the same text as another review",
    HoldReason.direction_burst: "Part of a burst far from the employer's estimate",
    HoldReason.resubmitted: "Resubmitted after a moderator hid it",
}

# The forms of one-off actions on the page, by name.
REVIEW_FORMS: dict[str, type] = {
    "publish": NoteForm,
    "hide": HideForm,
    "restore": ReasonForm,
    "clear_burst": NoteForm,
    "redact": RedactForm,
    "response_publish": NoteForm,
    "response_hide": HideForm,
    "response_restore": ReasonForm,
    "response_redact": RedactResponseForm,
    "suspend": SuspendForm,
}


def _me():
    return current_user._get_current_object()


def _review_or_404(public_id: str) -> Review:
    review = queue.moderated_review(public_id)
    if review is None:
        abort(404)
    return review


@bp.context_processor
def moderation_labels():
    return {
        "guideline_labels": {reason: label for reason, (label, _) in GUIDELINES.items()},
        "hold_reason_labels": HOLD_REASONS,
        "flag_reason_labels": {reason: label for reason, (label, _) in FLAG_REASONS.items()},
        "legal_basis_label": notices.legal_basis_label,
    }


@bp.get("/moderation")
@moderator_required
def queue_page():
    return render_template("moderation/queue.html", queue=queue.queue())


def _review_page(
    review: Review,
    *,
    status: int = 200,
    failed: tuple[str, object] | None = None,
    problem: str | None = None,
):
    page = queue.review_page(review)
    forms = {name: form_class(formdata=None) for name, form_class in REVIEW_FORMS.items()}
    for item in page.open_flags:
        forms[f"dismiss-{item.flag.id}"] = NoteForm(formdata=None)
    for notice in page.open_notices:
        forms[f"notice_action-{notice.id}"] = ReasonForm(formdata=None)
        forms[f"notice_reject-{notice.id}"] = ReasonForm(formdata=None)
    if page.author is not None:
        forms["suspend"].pseudonym.data = page.author.pseudonym
    if failed is not None:
        forms[failed[0]] = failed[1]
    return render_template(
        "moderation/review.html", page=page, forms=forms, problem=problem
    ), status


@bp.get("/moderation/reviews/<public_id>")
@moderator_required
def review_page(public_id: str):
    return _review_page(_review_or_404(public_id))


def _act(review: Review, name: str, form, perform: Callable[[], str], after=None):
    """Validate `form`, run `perform` (which returns the message to flash), commit, then
    `after()` (emails), and back to the review's page. A refusal re-shows the page with the
    reason beside the form that was sent."""
    if not form.validate_on_submit():
        return _review_page(review, status=422, failed=(name, form))
    try:
        message = perform()
    except ActionError as error:
        db.session.rollback()
        if error.status in (403, 404):
            abort(error.status)
        field = getattr(form, error.field, None) if error.field else None
        if field is None:
            return _review_page(review, status=error.status, problem=str(error))
        field.errors = [*field.errors, str(error)]
        return _review_page(review, status=error.status, failed=(name, form))
    db.session.commit()
    if after is not None:
        after()
        db.session.commit()  # the emails it queued
    flash(message, "success")
    return redirect(url_for("moderation.review_page", public_id=review.public_id))


def _or_404(item):
    """A flag or notice the URL names, if it is the review's; else 404."""
    if item is None:
        abort(404)
    return item


def _act_with_reason(public_id: str, name: str, form, action: Callable, message: str, find=None):
    """`_act` for an action whose form carries only the moderator's reason or note, taken as
    `action(review, [item,] moderator, reason, now)`, that always ends with `message`. `find`
    is (look-up, id) of the flag or notice acted on: 404 unless it is the review's."""
    review = _review_or_404(public_id)
    on = [review]
    if find is not None:
        look_up, item_id = find
        on.append(_or_404(look_up(review, item_id)))

    def perform():
        action(*on, _me(), form.reason.data, utcnow())
        return message

    return _act(review, name, form, perform)


# --- the review --------------------------------------------------------------------------------


@bp.post("/moderation/reviews/<public_id>/publish")
@moderator_required
def publish_review(public_id: str):
    review = _review_or_404(public_id)
    form = NoteForm()

    def perform():
        actions.publish_review(review, _me(), form.reason.data, utcnow())
        if review.status is ReviewStatus.scheduled:
            return "The review is approved. It becomes public at its scheduled moment."
        return "The review is published."

    return _act(review, "publish", form, perform)


@bp.post("/moderation/reviews/<public_id>/hide")
@moderator_required
def hide_review(public_id: str):
    review = _review_or_404(public_id)
    form = HideForm()

    def perform():
        guideline = GuidelineReason(form.guideline.data)
        actions.hide_review(review, _me(), guideline, form.reason.data, utcnow())
        return "The review is hidden and its author has been told which guideline it breaks."

    return _act(review, "hide", form, perform, after=lambda: actions.tell_author_hidden(review))


@bp.post("/moderation/reviews/<public_id>/restore")
@moderator_required
def restore_review(public_id: str):
    message = "The review is restored."
    return _act_with_reason(public_id, "restore", ReasonForm(), actions.restore_review, message)


@bp.post("/moderation/reviews/<public_id>/redact")
@moderator_required
def redact_review(public_id: str):
    review = _review_or_404(public_id)
    form = RedactForm()

    def perform():
        count = actions.redact_review(
            review, _me(), form.field.data, form.text.data, form.reason.data, utcnow()
        )
        return _redacted_message(count)

    return _act(review, "redact", form, perform)


def _redacted_message(count: int) -> str:
    times = "once" if count == 1 else f"{count} times"
    return f"Removed {times}. The original is kept for moderators."


@bp.post("/moderation/reviews/<public_id>/clear-burst")
@moderator_required
def clear_burst(public_id: str):
    message = "The burst mark is cleared: the review now counts in the employer's figures."
    return _act_with_reason(public_id, "clear_burst", NoteForm(), actions.clear_burst, message)


# --- its response ------------------------------------------------------------------------------


@bp.post("/moderation/reviews/<public_id>/response/publish")
@moderator_required
def publish_response(public_id: str):
    review = _review_or_404(public_id)
    form = NoteForm()
    first = []

    def perform():
        first.append(actions.publish_response(review, _me(), form.reason.data, utcnow()))
        return "The response is published."

    def tell_author():
        if first and first[0]:
            responses.notify_author(review)

    return _act(review, "response_publish", form, perform, after=tell_author)


@bp.post("/moderation/reviews/<public_id>/response/hide")
@moderator_required
def hide_response(public_id: str):
    review = _review_or_404(public_id)
    form = HideForm()

    def perform():
        guideline = GuidelineReason(form.guideline.data)
        actions.hide_response(review, _me(), guideline, form.reason.data, utcnow())
        return "The response is hidden."

    return _act(review, "response_hide", form, perform)


@bp.post("/moderation/reviews/<public_id>/response/restore")
@moderator_required
def restore_response(public_id: str):
    message = "The response is restored."
    return _act_with_reason(
        public_id, "response_restore", ReasonForm(), actions.restore_response, message
    )


@bp.post("/moderation/reviews/<public_id>/response/redact")
@moderator_required
def redact_response(public_id: str):
    review = _review_or_404(public_id)
    form = RedactResponseForm()

    def perform():
        count = actions.redact_response(review, _me(), form.text.data, form.reason.data, utcnow())
        return _redacted_message(count)

    return _act(review, "response_redact", form, perform)


# --- flags, legal notices, the author ----------------------------------------------------------


@bp.post("/moderation/reviews/<public_id>/flags/<int:flag_id>/dismiss")
@moderator_required
def dismiss_flag(public_id: str, flag_id: int):
    message = "The report is dismissed; nothing else changed."
    find = (actions.flag_of, flag_id)
    name = f"dismiss-{flag_id}"
    return _act_with_reason(public_id, name, NoteForm(), actions.dismiss_flag, message, find)


@bp.post("/moderation/reviews/<public_id>/notices/<int:notice_id>/action")
@moderator_required
def action_notice(public_id: str, notice_id: int):
    review = _review_or_404(public_id)
    notice = _or_404(actions.notice_of(review, notice_id))
    form = ReasonForm()
    hidden = []

    def perform():
        hidden.append(actions.action_notice(review, notice, _me(), form.reason.data, utcnow()))
        if hidden[0]:
            return "The notice is upheld and the review is hidden (legal notice)."
        return "The notice is upheld; the review was already hidden."

    def tell_author():
        if hidden and hidden[0]:
            actions.tell_author_hidden(review)

    return _act(review, f"notice_action-{notice_id}", form, perform, after=tell_author)


@bp.post("/moderation/reviews/<public_id>/notices/<int:notice_id>/reject")
@moderator_required
def reject_notice(public_id: str, notice_id: int):
    message = "The notice is rejected; the review is unchanged."
    find = (actions.notice_of, notice_id)
    name = f"notice_reject-{notice_id}"
    return _act_with_reason(public_id, name, ReasonForm(), actions.reject_notice, message, find)


@bp.post("/moderation/reviews/<public_id>/suspend-author")
@moderator_required
def suspend_author(public_id: str):
    review = _review_or_404(public_id)
    form = SuspendForm()

    def perform():
        actions.suspend_author(review, _me(), form.reason.data, utcnow(), form.pseudonym.data)
        return f"{form.pseudonym.data} is suspended and signed out everywhere."

    return _act(review, "suspend", form, perform)
