"""The audit log, readable (DESIGN.md §8; issue 17): /moderation/audit for moderators and
admins, and its CSV for admins. Read-only: filters come in the query string (moderation.
audit_forms); a value that can't be used is answered in the page and left out."""

from __future__ import annotations

from flask import Response, render_template, request, stream_with_context
from flask_login import current_user

from accounts.models import Role
from moderation import audit_log, bp
from moderation.audit_forms import AuditFilterForm
from security import admin_required, moderator_required
from timeutils import today


def _filters() -> tuple[AuditFilterForm, audit_log.Filters, list[str]]:
    form = AuditFilterForm(formdata=request.args)
    notes: list[str] = []
    if any(request.args.get(name) for name in form._fields):
        form.validate()
    page = audit_log.page_number(request.args.get("page"))
    if page is None:
        notes.append("That page number isn't one we have, so here is the first page.")
    filters = audit_log.build_filters(
        actor=form.value("actor"),
        action=form.value("action"),
        target_type=form.value("target_type"),
        target=form.value("target") if not form.errors.get("target_type") else "",
        date_from=form.day("date_from"),
        date_to=form.day("date_to"),
        page=page or 1,
    )
    return form, filters, notes


def _page(form, filters, notes, status: int = 200):
    admin = current_user.role is Role.admin
    results = audit_log.page_of(filters)
    return render_template(
        "moderation/audit.html",
        form=form,
        filters=filters,
        notes=notes,
        results=results,
        entries=audit_log.entries(results.items, admin=admin),
        actors=audit_log.known_actors(),
        me=audit_log.staff_label(current_user),
        admin=admin,
    ), status


@bp.get("/moderation/audit")
@moderator_required
def audit_page():
    return _page(*_filters())


@bp.get("/moderation/audit.csv")
@admin_required
def audit_csv():
    form, filters, notes = _filters()
    if form.errors:  # a CSV of filters other than the ones asked for would mislead
        return _page(form, filters, notes, status=422)
    filename = f"heardback-audit-log-{today().isoformat()}.csv"
    return Response(
        stream_with_context(audit_log.csv_lines(filters)),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )
