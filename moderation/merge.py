"""Merging duplicate employers (DESIGN.md §7, §8): a moderator folds `source` into `target`.

Everything that belonged to the source moves to the target, the source's name and slug become an
alias of the target (so /employers/<old slug>, its reviews list and the API answer 301 through
employers.services.get_by_slug, and the old name still finds the employer), the source is
deleted, and the target's statistics row is recomputed in the same transaction. One audit-log row
records it. The caller commits.

What moves, and the rules where the two employers overlap:
- reviews (with their revisions, flags, legal notices and contact reports, which hang off the
  review) and the employer responses to them. If one author has a review of each employer for
  the same process month, the database's one-review-per-author-employer-month constraint can't
  hold both: the merge is refused and names those reviews, for a moderator to resolve first;
- claims. A user with an open claim on both keeps the target's; the source's is cancelled (its
  email cleared, as for any claim that is no longer open);
- representatives move too: they proved a work address on a domain that now belongs to the target,
  so they represent it. A user who already represents the target keeps that representation, and
  the source one is ended (reason `left`, no email: nothing changes for them);
- response commitments: if both have a live one, the target's stands and the source's is
  withdrawn (its history moves with it);
- aliases and web domains move (a domain belongs to one employer only, so none can clash);
- the target keeps its own name, industry, size and country, and takes the source's where it has
  none.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, func, select, update
from sqlalchemy.orm import aliased

from applications.models import Application
from employers.models import Employer, EmployerAlias, EmployerDomain
from extensions import db
from moderation import audit
from moderation.models import AuditAction
from representatives.models import (
    Claim,
    ClaimStatus,
    EndReason,
    Representative,
    ResponseCommitment,
)
from responses.models import Response
from reviews.models import Review
from scoring.stats import refresh_employer
from timeutils import utcnow

OPEN_CLAIMS = (ClaimStatus.emailed, ClaimStatus.awaiting_moderator)


class MergeError(ValueError):
    """The merge can't be done as asked; the message says why, for the moderator."""


@dataclass(frozen=True)
class MergePreview:
    """What a merge would move, shown before the moderator confirms."""

    reviews: int
    responses: int
    representatives: int
    aliases: int
    domains: int
    conflicts: tuple[str, ...]  # public ids of source reviews that clash with the target's


def _count(statement) -> int:
    return db.session.scalar(select(func.count()).select_from(statement.subquery())) or 0


def conflicting_reviews(source: Employer, target: Employer) -> list[str]:
    """Source reviews whose author reviewed the target for the same process month."""
    other = aliased(Review)
    return list(
        db.session.scalars(
            select(Review.public_id)
            .join(
                other,
                and_(
                    other.employer_id == target.id,
                    other.author_id == Review.author_id,
                    other.process_month == Review.process_month,
                ),
            )
            .where(Review.employer_id == source.id, Review.author_id.is_not(None))
            .order_by(Review.public_id)
        )
    )


def preview(source: Employer, target: Employer) -> MergePreview:
    return MergePreview(
        reviews=_count(select(Review.id).where(Review.employer_id == source.id)),
        responses=_count(select(Response.id).where(Response.employer_id == source.id)),
        representatives=_count(
            select(Representative.id).where(
                Representative.employer_id == source.id, Representative.ended_at.is_(None)
            )
        ),
        aliases=_count(select(EmployerAlias.id).where(EmployerAlias.employer_id == source.id)),
        domains=_count(select(EmployerDomain.id).where(EmployerDomain.employer_id == source.id)),
        conflicts=tuple(conflicting_reviews(source, target)),
    )


def _move(model, column, source_id: int, target_id: int) -> int:
    result = db.session.execute(
        update(model).where(column == source_id).values({column.key: target_id})
    )
    return result.rowcount or 0


def _settle_claims(source_id: int, target_id: int) -> None:
    """Cancel the source's open claims of users who have one open on the target too."""
    also_on_target = select(Claim.user_id).where(
        Claim.employer_id == target_id, Claim.status.in_(OPEN_CLAIMS)
    )
    db.session.execute(
        update(Claim)
        .where(
            Claim.employer_id == source_id,
            Claim.status.in_(OPEN_CLAIMS),
            Claim.user_id.in_(also_on_target),
        )
        .values(status=ClaimStatus.cancelled, nonce=None, email=None)
    )


def _settle_representatives(source_id: int, target_id: int, now) -> None:
    """End the source's live representation of users who already represent the target."""
    represents_target = select(Representative.user_id).where(
        Representative.employer_id == target_id, Representative.ended_at.is_(None)
    )
    db.session.execute(
        update(Representative)
        .where(
            Representative.employer_id == source_id,
            Representative.ended_at.is_(None),
            Representative.user_id.in_(represents_target),
        )
        .values(ended_at=now, end_reason=EndReason.left)
    )


def _settle_commitments(source_id: int, target_id: int, now) -> None:
    """Withdraw the source's live commitment if the target has one."""
    target_has_one = db.session.scalar(
        select(ResponseCommitment.id).where(
            ResponseCommitment.employer_id == target_id, ResponseCommitment.withdrawn_at.is_(None)
        )
    )
    if target_has_one is not None:
        db.session.execute(
            update(ResponseCommitment)
            .where(
                ResponseCommitment.employer_id == source_id,
                ResponseCommitment.withdrawn_at.is_(None),
            )
            .values(withdrawn_at=now)
        )


def _keep_old_name(source: Employer, target_id: int) -> None:
    """The source's name and slug become an alias of the target (old links answer 301)."""
    existing = db.session.scalar(
        select(EmployerAlias).where(EmployerAlias.normalized_name == source.normalized_name)
    )
    if existing is None:
        db.session.add(
            EmployerAlias(
                employer_id=target_id,
                name=source.name,
                normalized_name=source.normalized_name,
                slug=source.slug,
            )
        )
    elif existing.employer_id == target_id and existing.slug is None:
        existing.slug = source.slug  # the same name was already an alias: it takes the old slug
    else:
        raise MergeError(
            f"The name {source.name} is already an alias of another employer or address; remove "
            "that alias first."
        )


def merge_employers(source: Employer, target: Employer, actor_id: int | None) -> dict:
    """Fold `source` into `target` (see the module docstring). Returns what moved."""
    if source.id == target.id:
        raise MergeError("Choose two different employers: an employer can't be merged into itself.")
    conflicts = conflicting_reviews(source, target)
    if conflicts:
        raise MergeError(
            f"{len(conflicts)} review(s) of {source.name} ({', '.join(conflicts)}) have an author "
            f"who also reviewed {target.name} for a process that started the same month. One "
            "author can have only one review per employer and month: resolve those first."
        )
    now = utcnow()
    source_id, target_id = source.id, target.id
    record = {"id": source_id, "name": source.name, "slug": source.slug}

    # Fill in what the target lacks.
    for name in ("industry", "size_band", "country", "listed_at"):  # public if either was (§5.8)
        if getattr(target, name) is None and getattr(source, name) is not None:
            setattr(target, name, getattr(source, name))
    db.session.flush()

    _settle_claims(source_id, target_id)
    _settle_representatives(source_id, target_id, now)
    _settle_commitments(source_id, target_id, now)
    moved = {
        "reviews": _move(Review, Review.employer_id, source_id, target_id),
        "responses": _move(Response, Response.employer_id, source_id, target_id),
        "claims": _move(Claim, Claim.employer_id, source_id, target_id),
        "representatives": _move(Representative, Representative.employer_id, source_id, target_id),
        "commitments": _move(
            ResponseCommitment, ResponseCommitment.employer_id, source_id, target_id
        ),
        "aliases": _move(EmployerAlias, EmployerAlias.employer_id, source_id, target_id),
        "domains": _move(EmployerDomain, EmployerDomain.employer_id, source_id, target_id),
    }
    # Candidates' private trackers follow the employer too, uncounted: the audit log names no
    # private data (DESIGN.md §12).
    _move(Application, Application.employer_id, source_id, target_id)
    # Loaded objects may still point at the source (a review's employer, its alias list): reload.
    db.session.expire_all()
    source = db.session.get(Employer, source_id)
    _keep_old_name(source, target_id)
    db.session.flush()
    db.session.delete(source)  # its statistics row goes with it
    db.session.flush()
    refresh_employer(target_id)
    audit.record(
        actor_id,
        AuditAction.merge_employers,
        "employer",
        target_id,
        details={"source": record, "moved": moved},
    )
    return moved
