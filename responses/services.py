"""Responses: an employer's one public reply to one review (DESIGN.md §7). Callers commit.

Who may respond is decided here, from the review (found by its public id) and the signed-in
user's live representation of *that review's* employer (representatives.access); nothing the
browser sends can name another review or employer. A response is scrubbed like a review
(DESIGN.md §5.4): contact details become "[removed]", and text that seems to name a person holds
it for a moderator.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from accounts.models import User
from accounts.services import absolute_url
from employers.freshness import touch_pages
from employers.models import Employer
from employers.services import names_of
from extensions import db
from notifications.authors import email_author
from representatives import access as representation
from representatives.models import Representative
from responses.models import (
    BODY_LIMIT,
    Response,
    ResponseAction,
    ResponseRevision,
    ResponseStatus,
    RevisionActor,
)
from reviews.models import Review, ReviewStatus
from reviews.scrubber import Removal, names_from_email, scrub
from timeutils import utcnow


@dataclass(frozen=True)
class Prepared:
    """The response's text after scrubbing, with what was removed and what may hold it."""

    body: str
    removals: tuple[Removal, ...] = ()
    suspected_names: tuple[str, ...] = ()

    @property
    def removed_anything(self) -> bool:
        return bool(self.removals)

    @property
    def too_long(self) -> bool:
        # "[removed]" can be longer than what it replaces ("a@b.io").
        return len(self.body) > BODY_LIMIT


@dataclass(frozen=True)
class Saved:
    response: Response
    # It became public for the first time now: the review's author is told (notify_author).
    first_published: bool


# --- who may respond ---------------------------------------------------------------------------


def respondable_review(public_id: str) -> Review | None:
    """The published review at this public id, with its response (one query)."""
    return db.session.scalar(
        select(Review)
        .options(joinedload(Review.response), joinedload(Review.employer))
        .where(Review.public_id == public_id[:16], Review.status == ReviewStatus.published)
    )


def representative_for(user: User, review: Review) -> Representative | None:
    """The user's live representation of the review's employer; None for anyone else, and for
    the review's own author (who couldn't represent that employer anyway, DESIGN.md §7)."""
    if review.author_id is not None and review.author_id == user.id:
        return None
    return representation.representation_for(user.id, review.employer_id)


def is_locked(review: Review) -> bool:
    """A response a moderator hid stays hidden: it can't be edited back into view."""
    response = review.response
    return response is not None and response.status is ResponseStatus.hidden


# --- scrubbing ---------------------------------------------------------------------------------


def prepare(body: str, writer: User, employer: Employer | None = None) -> Prepared:
    """Scrub the text (DESIGN.md §5.4) as a review's, names included: contact details become
    "[removed]", and so do the names in the writer's own address and in any address typed in
    the text ("jane.doe@..." removes "Jane" elsewhere too); a greeting or a "First Last" holds
    it for a moderator. The employer's own names ("the Acme team") are nobody's name."""
    own = names_from_email(writer.email)
    known: set[str] = set()
    for removal in scrub(body).removals:
        if removal.kind == "email":
            known.update(names_from_email(removal.original))
    not_names = names_of(employer) if employer is not None else ()
    result = scrub(body, known_names=sorted(known), own_names=own, not_names=not_names)
    return Prepared(result.text, result.removals, result.suspected_names)


# --- saving ------------------------------------------------------------------------------------


def was_published(response: Response) -> bool:
    """Whether the public has seen it: edited_at is set only on edits of a published response."""
    return response.status is ResponseStatus.published or response.edited_at is not None


def save(review: Review, representative: Representative, prepared: Prepared) -> Saved:
    """Create or edit the review's one response: published, or held when it seems to name
    someone. An edit of a published response is marked "edited <month>"."""
    if is_locked(review):
        raise ValueError("a response hidden by a moderator can't be edited")
    if prepared.too_long:
        raise ValueError("the scrubbed response is longer than BODY_LIMIT")
    now = utcnow()
    status = ResponseStatus.held if prepared.suspected_names else ResponseStatus.published
    response = review.response
    seen_before = response is not None and was_published(response)
    if response is None:
        response = Response(
            review=review, employer_id=review.employer_id, body=prepared.body, created_at=now
        )
        db.session.add(response)
    elif response.body == prepared.body and response.status is status:
        return Saved(response, first_published=False)  # nothing changed: no "edited" mark
    elif response.status is ResponseStatus.published:
        response.edited_at = now
    created = response.id is None
    response.body = prepared.body
    response.status = status
    response.representative_id = representative.id
    db.session.flush()
    if status is ResponseStatus.held:
        action = ResponseAction.held
    else:
        action = ResponseAction.created if created else ResponseAction.edited
    record_revision(response, action, RevisionActor.representative, now)
    if status is ResponseStatus.published or seen_before:
        _refresh_pages(review.employer_id)
    return Saved(response, first_published=status is ResponseStatus.published and not seen_before)


def record_revision(
    response: Response, action: ResponseAction, actor: RevisionActor, now=None
) -> ResponseRevision:
    """Keep the response's text and status as they are now (DESIGN.md §5.10): moderators see
    every version, so "the first version used my full name" can be checked. Called after each
    change, by this module and by moderation.actions."""
    revision = ResponseRevision(
        response_id=response.id,
        body=response.body,
        status=response.status,
        action=action,
        actor=actor,
        created_at=now or utcnow(),
    )
    db.session.add(revision)
    return revision


def _refresh_pages(employer_id: int) -> None:
    """A new or changed response must not be answered with a 304 of the page without it; the
    figures don't change (employers.freshness)."""
    touch_pages(employer_id)


# --- telling the author ------------------------------------------------------------------------


def notify_author(review: Review) -> bool:
    """Email the review's author that the employer responded (after the commit).

    The author's address is used as the recipient and nowhere else; the message names only the
    employer, the review's start month and the public link. Nothing about who responded.
    Returns whether a message went out; a mail failure is logged without the recipient and
    doesn't undo the response.
    """
    return email_author(
        review,
        f"{review.employer.name} responded to your review",
        "response_posted",
        failure="Could not send a response notification",
        review_url=absolute_url("reviews.show", public_id=review.public_id),
    )
