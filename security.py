"""Request-level protections: client keys for rate limits, security headers, safe redirects.

The client address is never stored or logged: rate limits key on an HMAC of it with a key that
changes every day (DESIGN.md §5.5), so yesterday's keys can't be linked to today's.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime
from functools import wraps
from urllib.parse import urlsplit

from flask import Flask, Response, abort, current_app, request
from flask_login import current_user

from accounts.roles import Role

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)


def stable_code(salt: bytes, user_id: int) -> str:
    """Six hex characters naming an account for moderators' pages: stable, not reversible without
    the app's secret key, and different per `salt`, so two pages' codes can't be matched."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, salt + str(user_id).encode(), hashlib.sha256).hexdigest()[:6].upper()


def daily_key(day: str | None = None) -> bytes:
    """The HMAC key for one UTC day, derived from the app's secret key."""
    day = day or datetime.now(UTC).strftime("%Y-%m-%d")
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, b"ip-hmac:" + day.encode(), hashlib.sha256).digest()


def pseudonymous(value: str, day: str | None = None) -> str:
    """A daily-rotating HMAC of a value such as an IP address or an email (hex, 32 chars)."""
    return hmac.new(daily_key(day), value.encode(), hashlib.sha256).hexdigest()[:32]


def client_address() -> str:
    """The client's address, trusting X-Forwarded-For only from TRUSTED_PROXIES proxies."""
    trusted = current_app.config.get("TRUSTED_PROXIES", 0)
    if trusted:
        forwarded = [part.strip() for part in request.headers.getlist("X-Forwarded-For")]
        hops = [hop.strip() for value in forwarded for hop in value.split(",") if hop.strip()]
        if len(hops) >= trusted:
            return hops[-trusted]
    return request.remote_addr or "unknown"


def client_key() -> str:
    """Rate-limit key for the current client: an HMAC of its address, never the address."""
    return "ip:" + pseudonymous(client_address())


def is_safe_next(target: str | None) -> bool:
    """True for a local path such as `/me?tab=1`; false for anything that could leave the site."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    if "\\" in target or any(ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


# Pages of one person (their account, their reviews, their employer dashboard, the moderators'
# tools): no browser or shared cache keeps a copy, so the next person at a shared computer or
# behind the same proxy can't see them (DESIGN.md §5.1). Matched by whole path segment.
PRIVATE_PREFIXES = ("/me", "/account", "/employer", "/moderation")


def is_private_path(path: str) -> bool:
    return any(path == prefix or path.startswith(prefix + "/") for prefix in PRIVATE_PREFIXES)


def set_security_headers(response: Response) -> Response:
    headers = response.headers
    if is_private_path(request.path):
        headers["Cache-Control"] = "no-store"
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if current_app.config.get("HSTS_ENABLED"):
        headers.setdefault("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
    return response


def refuse_control_characters_in_path():
    """No URL of ours contains a control character; answer 404 before any view or query sees
    one (PostgreSQL refuses NUL in text, which would otherwise surface as a 500)."""
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in request.path):
        abort(404)


def role_required(*roles: Role):
    """A view for these roles only. Signed out: to sign-in (and back). Signed in without one of
    the roles: 403."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorator


moderator_required = role_required(Role.moderator, Role.admin)
admin_required = role_required(Role.admin)


def init_app(app: Flask) -> None:
    # First of all before_request functions, ahead of CSRFProtect's (registered earlier by
    # csrf.init_app): a failed token must not reach a form's CSRF recovery with such a path.
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_control_characters_in_path)
    app.after_request(set_security_headers)
