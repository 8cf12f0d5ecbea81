"""The moderation queue, one review as a moderator sees it, and the actions on it (DESIGN.md §8).

Thin views: check the role, validate the action's form, call moderation.actions, commit once,
then send any email and redirect. Only moderators and admins reach any of these (signed out: to
sign-in; anyone else: 403), and the services check the actor again.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qsl, urlsplit

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from extensions import db
from moderation import actions, bp, bulk, notices, queue
from moderation.action_forms import (
    HideForm,
    NoteForm,
    ReasonForm,
    RedactForm,
    RedactResponseForm,
    RestoreForm,
    SuspendForm,
)
from moderation.actions import GUIDELINES, ActionError
from moderation.audit_log import entries as audit_entries
from moderation.bulk_forms import BulkDismissForm, BulkPublishForm
from moderation.flag_forms import REASONS as FLAG_REASONS
from responses import services as responses
from reviews.models import GuidelineReason, Review, ReviewStatus
from security import moderator_required
from textnorm import has_control_characters
from timeutils import utcnow

HOLD_REASONS = queue.HOLD_REASONS
# The queue's reason filter, in groups: (group label, [(value, label)]).
REASON_CHOICES = [
    ("Held because", [(f"hold:{reason.value}", label) for reason, label in HOLD_REASONS.items()]),
    (
        "Reported as",
        [(f"flag:{reason.value}", label) for reason, (label, _) in FLAG_REASONS.items()],
    ),
]
# A `next` address longer than this is not one the queue wrote.
NEXT_MAX = 1000

# The forms of one-off actions on the page, by name.
REVIEW_FORMS: dict[str, type] = {
    "publish": NoteForm,
    "hide": HideForm,
    "restore": RestoreForm,
    "clear_burst": NoteForm,
    "redact": RedactForm,
    "response_publish": NoteForm,
    "response_hide": HideForm,
    "response_restore": RestoreForm,
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
        "section_labels": queue.SECTIONS,
        "reason_choices": REASON_CHOICES,
    }


def _queue_page(status: int = 200, failed: tuple[str, object] | None = None, args=None):
    """The queue as the query string (or, after a refused bulk action, its `next`) filters it;
    `failed`: (section, form) of a refused bulk action, shown beside that section's list."""
    flt, problems = queue.parse_filter(request.args if args is None else args)
    bulk_forms = {
        "flags": BulkDismissForm(formdata=None),
        "held_reviews": BulkPublishForm(formdata=None),
        "resubmitted": BulkPublishForm(formdata=None),
    }
    ticked: set[str] = set()
    if failed is not None and failed[0] in bulk_forms:
        bulk_forms[failed[0]] = failed[1]
        ticked = set(failed[1].items.data or ())
    select_all = str(request.args.get("select") or "")
    return render_template(
        "moderation/queue.html",
        queue=queue.queue(flt=flt),
        flt=flt,
        problems=problems,
        bulk_forms=bulk_forms,
        ticked=ticked,
        select_all=select_all if select_all in bulk_forms else "",
        here=url_for("moderation.queue_page", **flt.args()),
    ), status


@bp.get("/moderation")
@moderator_required
def queue_page():
    return _queue_page()


def _local(value, endpoint: str, *, after: bool = False) -> str | None:
    """`value` if it is an address of `endpoint` on this site that the queue could have written
    (a filter of the queue, and for "next" the review just handled), rebuilt from its parsed
    values; None for anything else, so a form can't send a moderator to another site."""
    if not isinstance(value, str) or not value or len(value) > NEXT_MAX:
        return None
    if has_control_characters(value) or "\\" in value:
        return None
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or parts.path != url_for(endpoint):
        return None
    args = dict(parse_qsl(parts.query))
    flt, _ = queue.parse_filter(args)
    extra = {}
    if after and queue.valid_public_id(args.get("after")):
        extra["after"] = args["after"]
    return url_for(endpoint, **flt.args(), **extra)


def _next_url(review: Review) -> str | None:
    """Where "next item" leads from this review: sent back by a form that was refused, or built
    from the queue filter the review's page was opened with."""
    if request.method == "POST":
        return _local(request.form.get("next"), "moderation.next_item", after=True)
    flt, problems = queue.parse_filter(request.args)
    if problems or flt.section not in queue.REVIEW_SECTIONS:
        return None
    return url_for("moderation.next_item", **flt.args(page=False), after=review.public_id)


@bp.get("/moderation/next")
@moderator_required
def next_item():
    """The oldest item of a section (and filter) after the one just handled; the queue with a
    message once the section is empty."""
    flt, _ = queue.parse_filter(request.args)
    after = request.args.get("after")
    found = queue.next_item(flt, after if queue.valid_public_id(after) else None)
    if found is None:
        where = queue.SECTIONS.get(flt.section or "", "the queue")
        narrowed = " with these filters" if flt.narrowed else ""
        flash(f"Nothing else is waiting in {where}{narrowed}.", "success")
        return redirect(url_for("moderation.queue_page", **flt.args(page=False)))
    address = url_for("moderation.review_page", public_id=found.public_id, **flt.args(page=False))
    return redirect(address + (f"#{found.anchor}" if found.anchor else ""))


def _review_page(
    review: Review,
    *,
    status: int = 200,
    failed: tuple[str, object] | None = None,
    problem: str | None = None,
):
    page = queue.review_page(review)
    forms = {name: form_class(formdata=None) for name, form_class in REVIEW_FORMS.items()}
    next_url = _next_url(review)
    for item in page.open_flags:
        forms[f"dismiss-{item.flag.id}"] = NoteForm(formdata=None)
    for notice in page.open_notices:
        forms[f"notice_action-{notice.id}"] = ReasonForm(formdata=None)
        forms[f"notice_reject-{notice.id}"] = ReasonForm(formdata=None)
    if page.author is not None:
        forms["suspend"].pseudonym.data = page.author.pseudonym
    if failed is not None:
        forms[failed[0]] = failed[1]
    for form in forms.values():
        form.next_url = next_url  # sent back by each action (_action.html), to go on from there
    return render_template(
        "moderation/review.html",
        next_url=next_url,
        page=page,
        forms=forms,
        problem=problem,
        history=audit_entries(page.history),
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
    onwards = _local(request.form.get("next"), "moderation.next_item", after=True)
    return redirect(onwards or url_for("moderation.review_page", public_id=review.public_id))


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
    form = RestoreForm()

    def restore(review, actor, reason, now):
        actions.restore_review(review, actor, reason, now, mistake=form.mistake.data)

    return _act_with_reason(public_id, "restore", form, restore, message)


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
    form = RestoreForm()

    def restore(review, actor, reason, now):
        actions.restore_response(review, actor, reason, now, mistake=form.mistake.data)

    return _act_with_reason(public_id, "response_restore", form, restore, message)


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
        actions.suspend_author(
            review,
            _me(),
            form.reason.data,
            utcnow(),
            form.pseudonym.data,
            form.category.data or actions.suspensions.DEFAULT_REASON,
        )
        return f"{form.pseudonym.data} is suspended and signed out everywhere."

    return _act(review, "suspend", form, perform)


# --- bulk actions from the queue ---------------------------------------------------------------


def _bulk(form, origin_sections: tuple[str, ...], perform: Callable, verb: str, noun: str):
    """Validate a bulk form, run `perform(form)` (a moderation.bulk service), commit, and back
    to the queue as it was filtered, saying what was done and what was skipped and why."""
    back = _local(request.form.get("next"), "moderation.queue_page")
    args = dict(parse_qsl(urlsplit(back).query)) if back else {}
    if not form.validate_on_submit():
        origin = form.origin.data if form.origin.data in origin_sections else origin_sections[0]
        return _queue_page(422, failed=(origin, form), args=args)
    result = perform(form)
    db.session.commit()
    if result.done:
        count = len(result.done)
        flash(
            f"{count} {noun if count == 1 else noun + 's'} {verb}, each in the audit log.",
            "success",
        )
    for what, why in result.skipped:
        flash(f"Skipped: {what}. {why}", "error")
    return redirect(back or url_for("moderation.queue_page"))


@bp.post("/moderation/bulk/dismiss-reports")
@moderator_required
def bulk_dismiss_flags():
    return _bulk(
        BulkDismissForm(),
        ("flags",),
        lambda form: bulk.dismiss_flags(form.flag_ids, _me(), form.reason.data, utcnow()),
        "dismissed",
        "report",
    )


@bp.post("/moderation/bulk/publish")
@moderator_required
def bulk_publish():
    return _bulk(
        BulkPublishForm(),
        ("held_reviews", "resubmitted"),
        lambda form: bulk.publish_reviews(form.items.data, _me(), form.reason.data, utcnow()),
        "published or scheduled",
        "review",
    )
