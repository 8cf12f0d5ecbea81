"""Admins' views of suspended accounts (issue 17; rules in moderation/suspensions.py).

- /moderation/suspensions: suspended accounts by pseudonym, with the date and the reason.
- /moderation/suspensions/<pseudonym>/lift: lift one suspension, with a reason for the audit log.

Admins only (signed out: to sign-in; anyone else: 403); the service checks the actor again, and
refuses an admin lifting their own suspension. An unknown or not suspended pseudonym is a 404.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from extensions import db
from moderation import bp, suspensions
from moderation.action_forms import ReasonForm
from security import admin_required


@bp.get("/moderation/suspensions")
@admin_required
def suspensions_page():
    page = request.args.get("page", "1")
    page = int(page) if page.isdigit() and 0 < len(page) < 7 else 1
    items, total = suspensions.suspended_accounts(page)
    last = max(1, -(-total // suspensions.PAGE_SIZE))
    return render_template(
        "moderation/suspensions.html",
        items=items,
        total=total,
        page=min(page, last),
        last=last,
        reason_labels=suspensions.REASONS,
    )


@bp.route("/moderation/suspensions/<pseudonym>/lift", methods=["GET", "POST"])
@admin_required
def lift_suspension(pseudonym: str):
    user = suspensions.suspended_by_pseudonym(pseudonym[:40])
    if user is None:
        abort(404)
    shown = suspensions.pseudonym(user.id)
    form = ReasonForm()
    problem = None
    if form.validate_on_submit():
        try:
            suspensions.lift_suspension(user, current_user._get_current_object(), form.reason.data)
        except suspensions.SuspensionError as error:
            db.session.rollback()
            if error.status == 403:
                abort(403)
            problem = str(error)
        else:
            db.session.commit()
            flash(f"The suspension of {shown} is lifted: they can sign in again.", "success")
            return redirect(url_for("moderation.suspensions_page"))
    status = 409 if problem else 422 if form.errors else 200
    return render_template(
        "moderation/lift_suspension.html",
        form=form,
        pseudonym=shown,
        own=user.id == current_user.id,
        problem=problem,
        suspended_at=user.suspended_at,
    ), status
