"""The one-click answers to a reminder email: "I heard back" / "Still nothing".

GET only shows what the answer will do (mail scanners open links); the change is a POST through a
CSRF-protected form. No sign-in is needed, and these pages never show the author's account: the
signed link proves only that the review's author was sent it.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from werkzeug.routing import BuildError

from extensions import db
from forms import ConfirmForm
from reviews import bp, lifecycle
from reviews.lifecycle import Confirmed, LinkProblem

DONE_MESSAGES = {
    Confirmed.still_waiting: "Thanks — we'll ask again later.",
    Confirmed.ghosted: "Thanks — your review now says you were ghosted.",
    Confirmed.already: "Thanks — your review was already updated.",
}


def _problem(problem: LinkProblem):
    return render_template("reviews/reminder_problem.html", message=problem.value), 400


def _edit_url(public_id: str) -> str:
    try:
        return url_for("reviews.edit", public_id=public_id)
    except BuildError:  # the edit form isn't registered (an app built without it)
        return url_for("reviews.mine")


@bp.route("/reviews/reminder/<token>", methods=["GET", "POST"])
def reminder(token: str):
    link = lifecycle.read_reminder(token)
    if isinstance(link, LinkProblem):
        return _problem(link)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return render_template(
            "reviews/reminder_confirm.html",
            form=form,
            review=link.review,
            employer=link.review.employer,
            answer=link.answer.value,
            kind=link.kind.value,
        )
    confirmed = lifecycle.confirm_reminder(link)
    db.session.commit()
    if confirmed is Confirmed.heard:
        flash("Great — update your review with what happened.", "success")
        return redirect(_edit_url(link.review.public_id))
    return render_template(
        "reviews/reminder_done.html",
        message=DONE_MESSAGES[confirmed],
        employer=link.review.employer,
    )
