"""Merging duplicate employers, for moderators and admins (DESIGN.md §7, §8; rules in
moderation/merge.py).

GET shows the form. A POST names the two employers; until the confirmation is ticked it shows
what would move, and with it the merge is done, recorded in the audit log, and the moderator is
sent to the employer that remains.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from employers.models import Employer
from employers.services import get_by_slug
from extensions import db
from moderation import bp
from moderation.merge import MergeError, merge_employers, preview
from moderation.merge_forms import MergeForm
from security import moderator_required


def _employer_for(field) -> Employer | None:
    """The employer at the slug, or None with an error on the field that says why."""
    if field.errors or not field.data:
        return None
    employer, moved_to = get_by_slug(field.data)
    if moved_to:
        field.errors.append(
            f"{field.data} was already merged into {moved_to}. Use {moved_to} instead."
        )
    elif employer is None:
        field.errors.append(f"No employer has the address {field.data}.")
    return employer


@bp.route("/moderation/merge", methods=["GET", "POST"])
@moderator_required
def merge():
    form = MergeForm()
    source = target = plan = None
    if form.is_submitted():
        form.validate()
        source, target = _employer_for(form.source), _employer_for(form.target)
        if source and target and source.id == target.id:
            form.target.errors.append("Choose two different employers.")
            source = target = None
        if source and target:
            plan = preview(source, target)
            if not form.errors:
                try:
                    moved = merge_employers(source, target, current_user.id)
                except MergeError as error:
                    db.session.rollback()
                    form.form_errors.append(str(error))
                else:
                    name, slug = target.name, target.slug
                    db.session.commit()
                    flash(
                        f"Merged into {name}: {moved['reviews']} review(s) moved, and the old "
                        "address now redirects here.",
                        "success",
                    )
                    return redirect(url_for("employers.employer_page", slug=slug))
    status = 422 if form.errors or form.form_errors else 200
    return render_template(
        "moderation/merge.html", form=form, source=source, target=target, plan=plan
    ), status
