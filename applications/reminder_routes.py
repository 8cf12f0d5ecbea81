"""The off switches of the tracker's reminder emails (applications.reminders): one per
application, one for all of an account's applications. Owner-only; another member's id is a 404.

Each POST says which way to turn ("on" or "off") rather than toggling, so a form sent twice
(a double click, a replay) leaves the switch where the candidate put it.
"""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_login import current_user, login_required

from applications import bp, reminders, services
from applications.forms import RemindersForm
from extensions import db


@bp.post("/me/applications/<int:application_id>/reminders")
@login_required
def application_reminders(application_id: int):
    application = services.owned(application_id, current_user.id)
    if application is None:
        abort(404)
    form = RemindersForm()
    if not form.validate_on_submit():
        abort(400)  # the page's button always sends "on" or "off"
    reminders.set_reminders(application, form.on)
    db.session.commit()
    if form.on:
        flash("Reminders are on for this application.", "success")
    else:
        flash("Reminders are off for this application. We won't email you about it.", "success")
    return redirect(url_for("applications.show", application_id=application.id))


@bp.post("/me/applications/reminders")
@login_required
def account_reminders():
    form = RemindersForm()
    if not form.validate_on_submit():
        abort(400)
    reminders.set_account_reminders(current_user, form.on)
    db.session.commit()
    if form.on:
        flash("Reminders are on for the applications you haven't turned them off for.", "success")
    else:
        flash(
            "Reminders are off for all your applications. We won't email you about them.", "success"
        )
    return redirect(url_for("applications.index"))
