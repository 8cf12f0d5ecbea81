"""Error pages in the site's layout (and JSON under /api/)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Flask, g, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException

from extensions import db, login_manager

log = logging.getLogger(__name__)

MESSAGES: dict[int, tuple[str, str]] = {
    400: (
        "That request didn't make sense to us",
        "Something in the request was missing or malformed. Go back, check the form and try again.",
    ),
    403: (
        "You can't do that here",
        "Your account doesn't have permission for this page or action. If you think it should, "
        "sign in with the right account.",
    ),
    404: (
        "We couldn't find that page",
        "The link may be old or mistyped. Try searching for the employer instead.",
    ),
    405: (
        "That action isn't available here",
        "This address doesn't accept that kind of request. Use the buttons and forms on the site.",
    ),
    413: (
        "That was too much to send at once",
        "What you sent is larger than we accept. Shorten long text fields and try again.",
    ),
    429: (
        "Slow down a little",
        "There have been too many attempts from your connection in a short time. "
        "Wait a minute, then try again.",
    ),
    500: (
        "Something went wrong on our side",
        "We couldn't finish that request. Nothing you did caused this; please try again in a "
        "moment.",
    ),
    503: (
        "HeardBack is briefly unavailable",
        "We can't reach our database right now. Please try again in a minute.",
    ),
}

CSRF_MESSAGE = (
    "This form could not be accepted because its security token was missing or no longer valid "
    "(for example, the page was open while you signed in or out elsewhere). Go back, reload the "
    "page and submit again."
)


# Endpoint -> a function that re-renders its form after a CSRF failure without losing what was
# typed (returns None if it can't). Domains register theirs (reviews/routes.py).
CSRF_RECOVERY: dict[str, Callable[[], object]] = {}


def render_error(code: int, message: str | None = None):
    title, default_message = MESSAGES.get(code, MESSAGES[500])
    message = message or default_message
    if request.path.startswith("/api/") or request.path == "/healthz":
        return jsonify(error={"code": code, "title": title, "message": message}), code
    try:
        return render_template("errors/error.html", code=code, title=title, message=message), code
    except DBAPIError:
        # The layout asks who is signed in, which needs the database: if that is what failed
        # (seen while PostgreSQL restarted under load), the page is shown signed out, as a 503.
        db.session.rollback()
        _signed_out()
        title, message = MESSAGES[503]
        return render_template("errors/error.html", code=503, title=title, message=message), 503


def _signed_out() -> None:
    """For the rest of this request, current_user is anonymous without asking the database."""
    g._login_user = login_manager.anonymous_user()


def init_app(app: Flask) -> None:
    @app.teardown_appcontext
    def close_session_quietly(_error: BaseException | None) -> None:
        """End the request's database session without failing a response already made: when
        the server drops the connection after the view ran (a PostgreSQL restart), the closing
        ROLLBACK fails, and Flask-SQLAlchemy's own teardown (which runs after this one) would
        turn the finished response into a 500."""
        try:
            db.session.remove()
        except DBAPIError as lost:
            log.warning("Database connection lost at the end of a request: %s", type(lost.orig))
            try:
                db.session.remove()  # the connection is invalidated now; closing succeeds
            except DBAPIError:
                log.warning("Could not close the database session", exc_info=True)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        recover = CSRF_RECOVERY.get(request.endpoint or "")
        response = recover() if recover else None
        return response if response is not None else render_error(400, CSRF_MESSAGE)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        body, code = render_error(error.code if error.code in MESSAGES else 500)
        # Keep what the exception says about itself (Allow on a 405, for instance).
        headers = {
            name: value for name, value in error.get_headers() if name.lower() != "content-type"
        }
        if code in (429, 503):
            headers.setdefault("Retry-After", "60")
        return body, code, headers

    @app.errorhandler(OperationalError)
    @app.errorhandler(DBAPIError)
    def database_unavailable(error: DBAPIError):
        db.session.rollback()
        if isinstance(error, OperationalError) or error.connection_invalidated:
            log.warning("Database unavailable: %s", type(error.orig).__name__)
            _signed_out()  # loading the signed-in user would fail the same way
            body, code = render_error(503)
            return body, code, {"Retry-After": "30"}
        log.exception("Database error")
        return render_error(500)

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        if isinstance(error, HTTPException):
            return http_error(error)
        log.exception("Unhandled error on %s %s", request.method, request.path)
        db.session.rollback()
        return render_error(500)
