"""Who may see an unlisted employer (DESIGN.md §5.8: a new employer waits like any public change).

An employer a user adds is public only from its first published review. Until then its page
answers 404 exactly like an unknown slug, except to the session that added it (to write its
review) and to moderators. The session keeps the ids it added; nothing in the database links the
employer to the user who added it (see employers.routes.new).
"""

from __future__ import annotations

from flask import abort, redirect, request, session, url_for
from flask_login import current_user

from accounts.roles import Role
from employers.models import Employer
from employers.services import get_by_slug

CREATED_KEY = "added_employers"
# The session remembers this many added employers, the newest.
CREATED_KEEP = 20
# No slug is longer (employers.models.Employer.slug); a longer one is not looked up.
SLUG_MAX = 220


def remember_added(employer_id: int) -> None:
    added = [item for item in session.get(CREATED_KEY, []) if item != employer_id]
    session[CREATED_KEY] = [*added, employer_id][-CREATED_KEEP:]


def may_see(employer) -> bool:
    if employer.listed_at is not None:
        return True
    if current_user.is_authenticated and current_user.role in (Role.moderator, Role.admin):
        return True
    return employer.id in session.get(CREATED_KEY, [])


def employer_or_redirect(
    slug: str, endpoint: str, *, slug_arg: str = "slug", listed_only: bool = False
) -> Employer:
    """The employer at `slug`, for a view about it. An old slug (a merged employer) answers a
    301 to `endpoint` at the new one, the query string kept; an unknown slug, or an unlisted
    employer this visitor may not see (`listed_only`: that no visitor sees, as in the open
    data), answers 404 exactly alike."""
    if len(slug) > SLUG_MAX:  # longer than any slug: unknown, never cut to a known one
        abort(404)
    employer, moved_to = get_by_slug(slug)
    if moved_to:
        values = {**request.args.to_dict(flat=False), slug_arg: moved_to}
        abort(redirect(url_for(endpoint, **values), code=301))
    if employer is None:
        abort(404)
    if not (employer.listed_at is not None if listed_only else may_see(employer)):
        abort(404)
    return employer
