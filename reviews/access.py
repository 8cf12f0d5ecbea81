"""Which review a signed-in author may act on, for views (404 for none, 403 for another's)."""

from __future__ import annotations

from flask import abort
from flask_login import current_user

from extensions import db
from reviews.models import Review

PUBLIC_ID_LENGTH = 16  # reviews.models.Review.public_id; a longer value is not looked up whole


def own_review(public_id: str) -> Review:
    """The signed-in user's own review, or abort: 404 if there is none, 403 if it is another
    author's (reviews are public, so the id's existence is no secret)."""
    review = db.session.scalar(
        db.select(Review).where(Review.public_id == public_id[:PUBLIC_ID_LENGTH])
    )
    if review is None:
        abort(404)
    if review.author_id != current_user.id:
        abort(403)
    return review
