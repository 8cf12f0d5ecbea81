"""Views of legal notices (DESIGN.md §8, notice-and-action; rules in moderation/notices.py).

- /reviews/<public_id>/legal-notice: the public form, for anyone (no account needed), about a
  published review. Accepted notices are rate-limited per client (config RATELIMIT_NOTICE; the
  key is an HMAC of the address); a form sent back for corrections doesn't count.
- /me/notices and /me/notices/<id>: the review's author reads the notices about their reviews and
  answers. Anyone else gets 404, as if the notice didn't exist.

A moderator's decision (moderation.actions.action_notice / reject_notice, from the review's
moderation page) queues the decision to the sender and the author in its own transaction
(moderation.notices.queue_decision_emails).
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from extensions import db, limiter
from moderation import bp, flags, notices
from moderation.notice_forms import LegalNoticeForm, NoticeAnswerForm
from moderation.notices import LEGAL_BASES, AnswerClosed
from reviews.display import public_view
from reviews.fields import values_of
from reviews.models import Review
from security import client_key

RECEIPT_NOT_EMAILED = (
    " Keep it: we email receipts only to the verified address of a signed-in account, so as not"
    " to write to an address on someone else's say-so. A moderator may write to the address you"
    " gave if they need more, and we email the decision there."
)


def _notice_limit() -> str:
    return current_app.config["RATELIMIT_NOTICE"]


def _accepted(response) -> bool:
    return response.status_code == 302


def _review_or_404(public_id: str) -> Review:
    review = flags.flaggable_review(public_id)  # a published review, as for flags
    if review is None:
        abort(404)
    return review


@bp.route("/reviews/<public_id>/legal-notice", methods=["GET", "POST"])
@limiter.limit(_notice_limit, key_func=client_key, methods=["POST"], deduct_when=_accepted)
def legal_notice(public_id: str):
    review = _review_or_404(public_id)
    employer = review.employer
    form = LegalNoticeForm()
    if form.validate_on_submit():
        notice = notices.submit(
            review,
            name=form.name.data,
            email=form.email_value,
            legal_basis=form.legal_basis.data,
            explanation=form.explanation.data,
        )
        db.session.commit()
        sender = current_user if current_user.is_authenticated else None
        emailed = notices.send_receipt(notice, review, sender)
        flash(
            f"Your reference is {notice.id}."
            + (" We have emailed you a receipt." if emailed else RECEIPT_NOT_EMAILED),
            "success",
        )
        notices.inform_author(notice, review)
        db.session.commit()  # the queued emails and author_informed_at
        return redirect(url_for("moderation.legal_notice_sent", public_id=review.public_id))
    return render_template(
        "moderation/notice_form.html",
        form=form,
        review=review,
        employer=employer,
        card=public_view(values_of(review), employer, review=review),
        basis_help={key: help for key, (_, help) in LEGAL_BASES.items()},
    ), 422 if form.errors else 200


@bp.get("/reviews/<public_id>/legal-notice/sent")
def legal_notice_sent(public_id: str):
    review = _review_or_404(public_id)
    return render_template("moderation/notice_sent.html", review=review, employer=review.employer)


@bp.get("/me/notices")
@login_required
def notices_mine():
    return render_template(
        "moderation/notice_list.html", items=notices.notices_for_author(current_user.id)
    )


@bp.route("/me/notices/<int:notice_id>", methods=["GET", "POST"])
@login_required
def notice_answer(notice_id: int):
    item = notices.notice_for_author(notice_id, current_user.id)
    if item is None:
        abort(404)
    form = NoticeAnswerForm(data={"answer": item.notice.author_answer})
    if not item.is_open:
        # Decided: the page shows the answer as it was sent, and accepts no change.
        status = 409 if request.method == "POST" else 200
        return render_template("moderation/notice_answer.html", item=item, form=form), status
    if form.validate_on_submit():
        try:
            notices.answer(item.notice, form.answer.data)
        except AnswerClosed:  # decided a moment ago
            db.session.rollback()
        else:
            db.session.commit()
            flash("Thank you. Your answer is with the moderators.", "success")
            return redirect(url_for("moderation.notice_answer", notice_id=notice_id))
    return render_template("moderation/notice_answer.html", item=item, form=form), (
        422 if form.errors else 200
    )
