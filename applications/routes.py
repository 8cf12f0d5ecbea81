"""The tracker's views: all signed-in, all the owner's alone (another user's id is a 404)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from applications import bp, services, sharing
from applications.forms import ApplicationForm, StatusForm, StepForm
from applications.labels import SORT_LABELS, STATUSES, STEP_KINDS
from applications.models import Application, ApplicationStatus
from employers import matching
from employers.access import employer_or_redirect
from employers.services import country_name
from extensions import db
from forms import ConfirmForm
from reviews.labels import CHANNELS
from textnorm import clean_query
from timeutils import today

CHOOSE_LIMIT = 10  # employers offered on the chooser page
CHOOSE_MIN_LENGTH = 2  # characters, as on the review's chooser


@bp.context_processor
def tracker_labels():
    return {
        "status_labels": STATUSES,
        "step_labels": STEP_KINDS,
        "channel_labels": CHANNELS,
        "promised_on": services.promised_on,
        "next_action_reason": services.next_action_reason,
        "today": today(),
    }


def _own(application_id: int) -> Application:
    application = services.owned(application_id, current_user.id)
    if application is None:
        abort(404)
    return application


def _page(application: Application):
    return url_for("applications.show", application_id=application.id)


@bp.get("/me/applications")
@login_required
def index():
    sort = request.args.get("sort", "")
    sort = sort if sort in services.SORTS else services.DEFAULT_SORT
    return render_template(
        "applications/index.html",
        applications=services.applications_of(current_user.id, sort),
        sort=sort,
        sorts=SORT_LABELS,
    )


@bp.route("/me/applications/new", methods=["GET", "POST"])
@login_required
def new():
    slug = request.args.get("employer", "")
    if not slug:
        return _choose()
    employer = employer_or_redirect(slug, "applications.new", slug_arg="employer")
    # Most people add an application the day they send it.
    form = ApplicationForm() if request.method == "POST" else ApplicationForm(applied_on=today())
    if form.validate_on_submit():
        application = services.create_application(current_user.id, employer, form.values)
        db.session.commit()
        flash(f"Your application to {employer.name} is added.", "success")
        return redirect(_page(application))
    status = 422 if form.errors else 200
    return render_template("applications/form.html", form=form, employer=employer), status


def _choose():
    """Which employer? The review's chooser, leading here instead (works without JavaScript)."""
    query = clean_query(request.args.get("q", ""))
    long_enough = len(query) >= CHOOSE_MIN_LENGTH
    matches = matching.suggest(query, limit=CHOOSE_LIMIT) if long_enough else []
    return render_template(
        "applications/choose.html",
        query=query,
        matches=matches,
        too_short=bool(query) and not long_enough,
        country_name=country_name,
    )


@bp.get("/me/applications/<int:application_id>")
@login_required
def show(application_id: int):
    application = _own(application_id)
    return _show_page(application, StatusForm(status=application.status.value))


def _show_page(application: Application, status_form: StatusForm, status: int = 200):
    return render_template(
        "applications/show.html",
        application=application,
        status_form=status_form,
        confirm=ConfirmForm(),
        share_problem=sharing.can_share(application),
        update_offered=sharing.update_offered(application),
    ), status


@bp.route("/me/applications/<int:application_id>/edit", methods=["GET", "POST"])
@login_required
def edit(application_id: int):
    application = _own(application_id)
    if request.method == "GET":
        form = ApplicationForm(data=ApplicationForm.data_from(application))
    else:
        form = ApplicationForm()
    if form.validate_on_submit() and not _refused(
        form.applied_on, services.applied_date_refused(application, form.applied_on.data)
    ):
        services.update_application(application, form.values)
        db.session.commit()
        flash("Your application is updated.", "success")
        return redirect(_page(application))
    status = 422 if form.errors else 200
    return render_template(
        "applications/form.html", form=form, employer=application.employer, application=application
    ), status


@bp.post("/me/applications/<int:application_id>/status")
@login_required
def change_status(application_id: int):
    application = _own(application_id)
    form = StatusForm()
    if form.validate_on_submit() and not services.status_refused(application, form.status.data):
        status = ApplicationStatus(form.status.data)
    else:
        if not form.errors:
            form.status.errors = [services.status_refused(application, form.status.data)]
        return _show_page(application, form, 422)
    services.set_status(application, status)
    db.session.commit()
    flash(f"Status: {STATUSES[status]}.", "success")
    return redirect(_page(application))


@bp.post("/me/applications/<int:application_id>/delete")
@login_required
def delete(application_id: int):
    application = _own(application_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    name = application.employer.name
    services.delete_application(application)
    db.session.commit()
    flash(f"Your application to {name} is deleted.", "success")
    return redirect(url_for("applications.index"))


@bp.route("/me/applications/<int:application_id>/steps/new", methods=["GET", "POST"])
@login_required
def new_step(application_id: int):
    application = _own(application_id)
    form = StepForm()
    if form.validate_on_submit() and not _step_date_refused(form, application):
        before = application.status
        services.add_step(application, form.values)
        db.session.commit()
        moved = f" Status: {STATUSES[application.status]}." if application.status != before else ""
        flash(f"The step is added.{moved}", "success")
        return redirect(_page(application))
    status = 422 if form.errors else 200
    return render_template(
        "applications/step_form.html", form=form, application=application
    ), status


def _refused(field, problem: str | None) -> bool:
    """A rule of the tracker's (services) refused the field's value: say so next to it."""
    if problem:
        field.errors = [*field.errors, problem]
    return bool(problem)


def _step_date_refused(form: StepForm, application: Application) -> bool:
    return _refused(
        form.happened_on, services.step_date_refused(application, form.happened_on.data)
    )


def _own_step(application: Application, step_id: int):
    step = services.owned_step(application, step_id)
    if step is None:
        abort(404)
    return step


@bp.route("/me/applications/<int:application_id>/steps/<int:step_id>/edit", methods=["GET", "POST"])
@login_required
def edit_step(application_id: int, step_id: int):
    application = _own(application_id)
    step = _own_step(application, step_id)
    form = StepForm(data=StepForm.data_from(step)) if request.method == "GET" else StepForm()
    if form.validate_on_submit() and not _step_date_refused(form, application):
        services.update_step(step, form.values)
        db.session.commit()
        flash("The step is updated.", "success")
        return redirect(_page(application))
    status = 422 if form.errors else 200
    return render_template(
        "applications/step_form.html", form=form, application=application, step=step
    ), status


@bp.post("/me/applications/<int:application_id>/steps/<int:step_id>/delete")
@login_required
def delete_step(application_id: int, step_id: int):
    application = _own(application_id)
    step = _own_step(application, step_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.delete_step(step)
    db.session.commit()
    flash("The step is deleted.", "success")
    return redirect(_page(application))
