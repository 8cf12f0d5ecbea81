"""Who represents which employer. Every representative action goes through `representation_for`,
so that a representative of employer A can do nothing for employer B."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from extensions import db
from representatives.models import Representative


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
