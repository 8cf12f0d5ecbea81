"""Who represents which employer. Every representative action goes through `representation_for`,
so that a representative of employer A can do nothing for employer B."""

from __future__ import annotations

from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from extensions import db
from representatives.models import Representative, RepresentativeRole


def live_representations(user_id: int) -> list[Representative]:
    """The employers a user represents now, with each employer loaded (one query)."""
    return list(
        db.session.scalars(
            select(Representative)
            .options(joinedload(Representative.employer))
            .where(Representative.user_id == user_id, Representative.ended_at.is_(None))
            .order_by(Representative.created_at)
        )
    )


def representation_for(user_id: int, employer_id: int) -> Representative | None:
    """The user's live representation of this employer, or None."""
    return db.session.scalar(
        select(Representative).where(
            Representative.user_id == user_id,
            Representative.employer_id == employer_id,
            Representative.ended_at.is_(None),
        )
    )


def represents(user_id: int, employer_id: int) -> bool:
    return representation_for(user_id, employer_id) is not None


def representation_by_slug(user_id: int, slug: str) -> Representative | None:
    """The user's live representation of the employer with this slug (any role), or None."""
    for representation in live_representations(user_id):
        if representation.employer.slug == slug:
            return representation
    return None


def owner_only(representation: Representative | None) -> Representative:
    """The representation if it is an owner's; otherwise abort: 404 to anyone who doesn't
    represent the employer (nothing about its team is theirs to know), 403 to a colleague."""
    if representation is None:
        abort(404)
    if not representation.is_owner:
        abort(403)
    return representation


LAST_OWNER = (
    "{name} needs at least one owner to manage its team. Make a colleague an owner first; "
    "then the last owner can be removed or leave."
)


def owners_locked(employer_id: int) -> list[Representative]:
    """The employer's live owners, locked until the transaction ends (PostgreSQL; on SQLite a
    write request holds the database's one write lock), so two owners removing each other at
    once can't leave the employer with none."""
    return list(
        db.session.scalars(
            select(Representative)
            .where(
                Representative.employer_id == employer_id,
                Representative.ended_at.is_(None),
                Representative.role == RepresentativeRole.owner,
            )
            .with_for_update()
        )
    )


def last_owner_refusal(representative: Representative) -> str | None:
    """Why this representative can't leave now, or None: the last owner of a team with others on
    it must make another owner first (an owner alone may leave: no team is left to manage)."""
    if not representative.is_live or not representative.is_owner:
        return None
    if len(owners_locked(representative.employer_id)) > 1:
        return None
    others = db.session.scalar(
        select(Representative.id)
        .where(
            Representative.employer_id == representative.employer_id,
            Representative.ended_at.is_(None),
            Representative.id != representative.id,
        )
        .limit(1)
    )
    if others is None:
        return None
    return LAST_OWNER.format(name=representative.employer.name)
