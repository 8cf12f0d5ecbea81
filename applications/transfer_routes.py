"""The tracker's CSV export and import, and its calendar feed: all the owner's alone, except the
feed, which answers whoever holds its secret address (applications.calendar).

The import's steps keep no state on the server: the upload travels from step to step as a
signed token in the form (applications.transfer.pack), so nothing of the file is stored until
the user confirms.
"""

from __future__ import annotations

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.exceptions import RequestEntityTooLarge

from api.services import link
from applications import bp, calendar, transfer
from applications.forms import ImportMappingForm, ImportUploadForm
from applications.labels import STATUSES
from employers.access import may_see
from errors import render_error
from extensions import db, limiter
from forms import ConfirmForm
from reviews.labels import CHANNELS
from timeutils import today

IMPORT_ENDPOINTS = frozenset(
    {"applications.import_upload", "applications.import_preview", "applications.import_confirm"}
)
EXPIRED = (
    "This import can't be continued: it was started more than two hours ago, or in another "
    "session. Upload the file again. Nothing was imported."
)
# Calendar apps fetch a feed a few times an hour at most; a secret address fetched more often
# than this was probably leaked. Counted per address, not per client: Google's and Apple's
# servers fetch everyone's feeds from a handful of addresses.
FEED_LIMIT = "60 per hour"


# --- export ----------------------------------------------------------------------------------


@bp.get("/me/applications.csv")
@login_required
def export_csv():
    filename = f"heardback-applications-{today().isoformat()}.csv"
    return Response(
        transfer.export_csv(current_user.id),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


# --- import ----------------------------------------------------------------------------------


@bp.errorhandler(RequestEntityTooLarge)
def too_large(error: RequestEntityTooLarge):
    """A file far over the limit is told so on the upload page, not by the bare error page
    (app.py raises the body limit of the import's steps, LARGE_BODIES). The tracker's other
    pages answer as everywhere else."""
    if request.endpoint in IMPORT_ENDPOINTS:
        return _upload_page(transfer.too_large_message(), 413)
    return render_error(413)


def _upload_page(error: str | None = None, status: int = 200):
    return render_template(
        "applications/import.html",
        form=ImportUploadForm(formdata=None),
        error=error,
        limit_mb=transfer.MAX_FILE_BYTES // (1024 * 1024),
        max_rows=transfer.MAX_ROWS,
    ), status


def _mapping_page(upload: transfer.Upload, form: ImportMappingForm, status: int = 200):
    return render_template(
        "applications/import_mapping.html",
        upload=upload,
        form=form,
        samples={index: transfer.samples(upload, index) for index in range(len(upload.header))},
        required=transfer.REQUIRED,
    ), status


@bp.route("/me/applications/import", methods=["GET", "POST"])
@login_required
def import_upload():
    if request.method == "GET":
        return _upload_page()
    if not ImportUploadForm().validate_on_submit():
        return _upload_page("The form's security token was refused: upload the file again.", 400)
    upload_file = request.files.get("file")
    if upload_file is None or not upload_file.filename:
        return _upload_page("Choose the CSV file of your tracker.", 422)
    raw = upload_file.stream.read(transfer.MAX_FILE_BYTES + 1)
    try:
        upload = transfer.read_upload(raw, upload_file.filename)
        token = transfer.pack(upload, current_user.id)
    except transfer.ImportRefused as refused:
        return _upload_page(str(refused), 422)
    finally:
        raw = b""
    guessed = transfer.guess_mapping(upload.header)
    form = ImportMappingForm.for_header(
        upload.header,
        formdata=None,
        upload=token,
        **{name: "" if index is None else str(index) for name, index in guessed.items()},
    )
    return _mapping_page(upload, form)


def _checked(upload: transfer.Upload, form: ImportMappingForm) -> transfer.Preview:
    return transfer.preview(
        upload,
        form.mapping(),
        current_user.id,
        date_order=form.date_order.data,
        may_see=may_see,
    )


def _preview_page(upload, form, result: transfer.Preview, status: int = 200, error=None):
    return render_template(
        "applications/import_preview.html",
        upload=upload,
        form=form,
        preview=result,
        error=error,
        status_labels=STATUSES,
        channel_labels=CHANNELS,
        date_orders=transfer.DATE_ORDERS,
    ), status


def _continued() -> tuple[transfer.Upload | None, ImportMappingForm | None]:
    upload = transfer.unpack(request.form.get("upload", ""), current_user.id)
    if upload is None:
        return None, None
    return upload, ImportMappingForm.for_header(upload.header)


@bp.post("/me/applications/import/preview")
@login_required
def import_preview():
    upload, form = _continued()
    if upload is None:
        return _upload_page(EXPIRED, 400)
    if not form.validate_on_submit():
        return _mapping_page(upload, form, 422)
    if request.form.get("action") == "edit":
        return _mapping_page(upload, form)
    return _preview_page(upload, form, _checked(upload, form))


@bp.post("/me/applications/import/confirm")
@login_required
def import_confirm():
    upload, form = _continued()
    if upload is None:
        return _upload_page(EXPIRED, 400)
    if not form.validate_on_submit():
        return _mapping_page(upload, form, 422)
    # Read again, as previewed: a row another tab imported meanwhile is not imported twice.
    result = _checked(upload, form)
    if not result.ready:
        error = "None of the rows can be imported, so nothing was imported."
        return _preview_page(upload, form, result, 422, error)
    created = transfer.import_candidates(current_user.id, result.ready)
    db.session.commit()
    count = len(created)
    message = f"{count:,} {'application' if count == 1 else 'applications'} imported."
    if result.problems:
        skipped = len(result.problems)
        message += f" {skipped:,} {'row was' if skipped == 1 else 'rows were'} not imported."
    flash(message, "success")
    return redirect(url_for("applications.index"))


# --- the calendar feed -----------------------------------------------------------------------


def _feed_url(token: str) -> str:
    return link("applications.calendar_feed", token=token)


def _calendar_page(token: str | None = None):
    url = _feed_url(token) if token else None
    return render_template(
        "applications/calendar.html",
        feed=calendar.feed_of(current_user.id),
        feed_url=url,
        webcal_url="webcal://" + url.split("://", 1)[1] if url else None,
        follow_ups=len(calendar.follow_ups(current_user.id)),
        confirm=ConfirmForm(),
    )


@bp.get("/me/applications/calendar")
@login_required
def calendar_page():
    return _calendar_page()


@bp.post("/me/applications/calendar/address")
@login_required
def calendar_address():
    """Turn the feed on, or make a new address: shown in this response only, never again."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    token = calendar.new_address(current_user.id)
    db.session.commit()
    return _calendar_page(token)


@bp.post("/me/applications/calendar/off")
@login_required
def calendar_off():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if calendar.turn_off(current_user.id):
        db.session.commit()
        flash("The calendar feed is off: its address no longer works.", "success")
    return redirect(url_for("applications.calendar_page"))


def _feed_limit() -> str:
    return current_app.config.get("RATELIMIT_APPLICATION_FEED", FEED_LIMIT)


def _feed_key() -> str:
    token = str((request.view_args or {}).get("token", ""))[: calendar.TOKEN_MAX_LENGTH]
    return "feed:" + calendar.token_hash(token)[:32]


@bp.get("/me/applications/calendar/<token>.ics")
@limiter.limit(_feed_limit, key_func=_feed_key)
def calendar_feed(token: str):
    """No sign-in: calendar apps fetch it. Unknown, revoked or malformed: the same 404."""
    user_id = calendar.owner_of(token)
    if user_id is None:
        abort(404)
    body = calendar.calendar_bytes(
        user_id, lambda application: link("applications.show", application_id=application.id)
    )
    response = Response(body, content_type="text/calendar; charset=utf-8")
    # security.py makes every /me page "no-store" as well; "private" says the same to any cache
    # that ignores it. The secret address must not leave in a Referer header either.
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Content-Disposition"] = 'inline; filename="heardback-follow-ups.ics"'
    return response
