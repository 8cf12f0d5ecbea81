"""Who may see an unlisted employer (DESIGN.md §5.8: a new employer waits like any public change).

An employer a user adds is public only from its first published review. Until then its page
answers 404 exactly like an unknown slug, except to the session that added it (to write its
review) and to moderators. The session keeps the ids it added; nothing in the database links the
employer to the user who added it (see employers.routes.new).
"""

from __future__ import annotations

from flask import session
from flask_login import current_user

CREATED_KEY = "added_employers"
# The session remembers this many added employers, the newest.
CREATED_KEEP = 20


def remember_added(employer_id: int) -> None:
    added = [item for item in session.get(CREATED_KEY, []) if item != employer_id]
    session[CREATED_KEY] = [*added, employer_id][-CREATED_KEEP:]


def may_see(employer) -> bool:
    if employer.listed_at is not None:
        return True
    from accounts.models import Role  # accounts' package imports blueprints that import this

    if current_user.is_authenticated and current_user.role in (Role.moderator, Role.admin):
        return True
    return employer.id in session.get(CREATED_KEY, [])
