"""Moderator actions on reviews, responses, flags, legal notices and users (DESIGN.md §8).

Each action checks that the actor may take it, changes what it acts on, and writes exactly one
audit-log row (moderation.audit) in the same transaction; the caller commits once. When what the
public sees of a published review changes (its status, its text, whether it is scored), the
employer's statistics row is refreshed in that transaction too (DESIGN.md §6), which also moves
the validators of the employer's cached pages.

Only moderators and admins act, and never on their own review or on an employer they represent:
an employer can't get a review hidden without a moderator who has no stake in it (DESIGN.md §8).
Emails go out after the commit (`tell_author_hidden`).
"""

from __future__ import annotations

import random
from datetime import datetime
from types import SimpleNamespace

from sqlalchemy import select, update

from accounts.models import Role, User
from accounts.services import absolute_url
from employers.freshness import touch_pages
from extensions import db
from moderation import audit, notices, suspensions
from moderation.models import AuditAction, Flag, FlagStatus, LegalNotice, NoticeStatus
from moderation.queue import pseudonym
from notifications.authors import email_author
from representatives.access import represents
from responses.models import BODY_LIMIT, Response, ResponseAction, ResponseStatus, RevisionActor
from responses.services import record_revision as record_response_revision
from reviews import holds, lifecycle, pending
from reviews.fields import record_revision
from reviews.models import (
    TEXT_LIMITS,
    GuidelineReason,
    Review,
    ReviewStatus,
    RevisionSource,
)
from reviews.publication import publish_time
from scoring.stats import refresh_employer

MODERATORS = (Role.moderator, Role.admin)
REDACTION_MARK = "[removed by a moderator]"
# What a moderator may redact in a review (role titles are short and rarely public: hide instead).
REDACTABLE = {"narrative": "What happened", "advice": "Advice to the employer"}

# The guideline a hidden review or response broke, as its author is told (DESIGN.md §8).
GUIDELINES: dict[GuidelineReason, tuple[str, str]] = {
    GuidelineReason.personal_information: (
        "Personal information",
        "Reviews describe roles, not people: no names, contact details or anything else that "
        "identifies someone.",
    ),
    GuidelineReason.not_first_hand: (
        "Not a first-hand account",
        "A review describes the writer's own experience of one hiring process.",
    ),
    GuidelineReason.false_or_misleading: (
        "False or misleading",
        "A review describes what happened accurately, without misleading anyone.",
    ),
    GuidelineReason.abusive: (
        "Abusive",
        "No insults, threats, harassment or discrimination.",
    ),
    GuidelineReason.spam: (
        "Spam",
        "No advertising, links, or text that isn't about a hiring process.",
    ),
    GuidelineReason.conflict_of_interest: (
        "Conflict of interest",
        "People who work for, represent or compete with an employer can't review it.",
    ),
    GuidelineReason.legal_notice: (
        "Legal notice",
        "We received a legal notice about this review and found that part of it may be "
        "unlawful, for example defamatory or in breach of a confidentiality agreement.",
    ),
    GuidelineReason.other: (
        "Another guideline",
        "It breaks another of our guidelines (see the guidelines page).",
    ),
}


class ActionError(ValueError):
    """Why an action can't be taken, in words for the moderator (never a 500).

    `field` names the form field the message belongs to; `status` is the HTTP status to answer.
    """

    def __init__(self, message: str, *, field: str | None = None, status: int = 409):
        super().__init__(message)
        self.field = field
        self.status = status


# --- who may act -------------------------------------------------------------------------------


def _check_actor(actor: User, review: Review) -> None:
    if actor.role not in MODERATORS:
        raise ActionError("Only moderators can do this.", status=403)
    if review.author_id is not None and review.author_id == actor.id:
        raise ActionError("This is your own review: another moderator must decide it.")
    if represents(actor.id, review.employer_id):
        raise ActionError(
            "You represent this employer on HeardBack: another moderator must decide this."
        )


def _note(reason: str | None) -> str | None:
    return (reason or "").strip() or None


def _review_changed(review: Review, was_public: bool) -> None:
    """Refresh the employer's figures when the published set, or a published text, changed."""
    if was_public or review.status is ReviewStatus.published:
        refresh_employer(review.employer_id)


def _close_flags(now: datetime, *, review: Review | None = None, response=None) -> int:
    """The open flags on what a moderator just hid were upheld: mark them actioned."""
    target = Flag.review_id == review.id if review is not None else Flag.response_id == response.id
    result = db.session.execute(
        update(Flag)
        .where(target, Flag.status == FlagStatus.open)
        .values(status=FlagStatus.actioned, resolved_at=now)
        .execution_options(synchronize_session="fetch")
    )
    return result.rowcount or 0


# --- publishing a held review ------------------------------------------------------------------


def _publication_moment(review: Review, now: datetime) -> datetime:
    """When a held review may become public: the random moment 3-10 days after it was written
    that it would have had without the hold (DESIGN.md §5.2), or now if that has passed.

    Counting from when it was written, not from the moderator's decision, keeps the delay's
    purpose (its appearance can't be matched to the day of a rejection) without holding a review
    that already waited past it; and the decision's own time tells nothing about the author.
    """
    author = db.session.get(User, review.author_id) if review.author_id else None
    # A de-linked review (account deleted) has no account age to wait for.
    writer = author or SimpleNamespace(created_at=review.created_at)
    written = review.author_updated_at or review.created_at
    return max(publish_time(writer, written, random.SystemRandom()), now)


def _publish(review: Review, now: datetime) -> None:
    """Held (or hidden) to public: at once if it was public before or its moment has come,
    else scheduled for that moment (`flask heardback tick` publishes it then).

    A first publication goes through reviews.lifecycle.on_published, as the tick's would: the
    burst cap is applied and the employer's figures refreshed. Otherwise the figures are
    refreshed if the review is public again.
    """
    # Decided before anything changes: a query would flush a half-changed row (CHECKs).
    again = review.published_at is not None
    moment = now if again else _publication_moment(review, now)
    review.hold_reason = None
    review.hidden_reason = None
    if moment > now:
        review.status = ReviewStatus.scheduled
        review.publish_at = moment
        return
    review.status = ReviewStatus.published
    review.published_at = review.published_at or now
    db.session.flush()
    if again:
        refresh_employer(review.employer_id)
    else:
        lifecycle.on_published(review)


def publish_review(review: Review, actor: User, reason: str | None, now: datetime) -> None:
    _check_actor(actor, review)
    if review.status is ReviewStatus.published and review.pending_hold_reason is not None:
        # The author's held change of a public review: scheduled, not public at once (§5.8).
        held_for = review.pending_hold_reason
        pending.schedule(review, now)
    elif review.status is not ReviewStatus.held:
        raise ActionError("Only a held review can be published; this one isn't held.")
    else:
        held_for = review.hold_reason
        _publish(review, now)
    audit.record(
        actor.id,
        AuditAction.publish,
        "review",
        review.id,
        _note(reason),
        {
            "hold_reason": held_for.value if held_for else None,
            "status": review.status.value,
        },
    )


# --- hiding and restoring a review -------------------------------------------------------------


def _hide(review: Review, guideline: GuidelineReason, now: datetime) -> bool:
    """Hide the review and uphold its open flags; returns whether it was public."""
    if review.status is ReviewStatus.hidden:
        raise ActionError("This review is already hidden.")
    was_public = review.status is ReviewStatus.published
    review.status = ReviewStatus.hidden
    review.hidden_reason = guideline
    review.hold_reason = None
    _close_flags(now, review=review)
    db.session.flush()
    _review_changed(review, was_public)
    return was_public


def hide_review(
    review: Review, actor: User, guideline: GuidelineReason, reason: str, now: datetime
) -> None:
    """Hide a published, scheduled or held review for a guideline; its open flags are upheld.
    Its author is told which rule and may edit and resubmit (`tell_author_hidden`)."""
    _check_actor(actor, review)
    previous = review.status
    _hide(review, guideline, now)
    audit.record(
        actor.id,
        AuditAction.hide,
        "review",
        review.id,
        _note(reason),
        {"guideline": guideline.value, "previous_status": previous.value},
    )


def restore_review(
    review: Review, actor: User, reason: str, now: datetime, *, mistake: bool = False
) -> None:
    """Hidden to public again (or scheduled, if it was never public), its reason cleared.
    `mistake`: the moderator says the hide was wrong; its audit row says so, and the hide is
    then left out of the transparency figures (moderation.transparency)."""
    _check_actor(actor, review)
    if review.status is not ReviewStatus.hidden:
        raise ActionError("Only a hidden review can be restored; this one isn't hidden.")
    guideline = review.hidden_reason
    _publish(review, now)
    audit.record(
        actor.id,
        AuditAction.restore,
        "review",
        review.id,
        _note(reason),
        {
            "guideline": guideline.value if guideline else None,
            "status": review.status.value,
            "mistake": bool(mistake),
        },
    )


def tell_author_hidden(review: Review) -> bool:
    """Email the author which rule their hidden review broke, with the link to edit it and
    resubmit (after the commit). Nothing about who flagged it or why anyone looked.

    Returns whether a message went out; a mail failure is logged without the recipient.
    """
    if review.hidden_reason is None:
        return False
    rule, explanation = GUIDELINES[review.hidden_reason]
    return email_author(
        review,
        f"Your review of {review.employer.name} was hidden by a moderator",
        "review_hidden",
        failure="Could not send a review-hidden notification",
        rule=rule,
        explanation=explanation,
        edit_url=absolute_url("reviews.edit", public_id=review.public_id),
        guidelines_url=absolute_url("pages.guidelines"),
    )


# --- redaction ---------------------------------------------------------------------------------


def clean_span(span: str | None) -> str:
    """The text to remove as a text box sends it: CRLF line breaks counted as LF, ends trimmed."""
    return (span or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def _redacted(text: str | None, span: str, limit: int, where: str) -> tuple[str, int]:
    span = clean_span(span)
    if not span:
        raise ActionError("Give the exact text to remove.", field="text", status=422)
    count = (text or "").count(span)
    if count == 0:
        raise ActionError(
            f"That exact text isn't in {where}. Copy it from the review shown on this page "
            "(capitals, spaces and punctuation must match).",
            field="text",
            status=422,
        )
    result = text.replace(span, REDACTION_MARK)
    if len(result) > limit:
        raise ActionError(
            f"Removing that would make {where} longer than its limit of {limit:,} characters "
            f"(the mark “{REDACTION_MARK}” is longer than the text). Select a longer span.",
            field="text",
            status=422,
        )
    return result, count


def redact_review(
    review: Review, actor: User, field: str, span: str, reason: str, now: datetime
) -> int:
    """Replace every occurrence of `span` in the review's narrative or advice with the
    moderator mark. The original stays in the revision history: if no revision holds the
    current text yet, a system revision records it first. Returns the number replaced."""
    _check_actor(actor, review)
    if field not in REDACTABLE:
        raise ActionError("Choose the narrative or the advice.", field="field", status=422)
    where = f"“{REDACTABLE[field]}”"
    # A pending change (an author's edit waiting for its moment) is redacted too, or publishing it
    # would bring the removed text back; the span may be in either version, or both.
    wanted = clean_span(span)
    pending = dict(review.pending_values or {})
    pending_count = 0
    if wanted and wanted in (pending.get(field) or ""):
        pending[field], pending_count = _redacted(pending[field], span, TEXT_LIMITS[field], where)
        review.pending_values = pending
    details = {"field": field}
    if pending_count and wanted not in (getattr(review, field) or ""):
        count = pending_count
        details.update(occurrences=count, pending=True)
    else:
        text, count = _redacted(getattr(review, field), span, TEXT_LIMITS[field], where)
        # The newest revision must hold the text as it is now, so the original stays on record.
        revisions = review.revisions
        if not revisions or revisions[-1].data.get(field) != getattr(review, field):
            record_revision(review, RevisionSource.system)
        setattr(review, field, text)
        revision = record_revision(review, RevisionSource.moderator)
        db.session.flush()
        _review_changed(review, was_public=False)
        details.update(occurrences=count, revision=revision.number)
    audit.record(actor.id, AuditAction.redact, "review", review.id, _note(reason), details)
    return count


# --- the burst cap -----------------------------------------------------------------------------


def clear_burst(review: Review, actor: User, reason: str | None, now: datetime) -> None:
    """A moderator found nothing wrong with a review over the burst cap (DESIGN.md §8): it
    starts counting in the employer's score."""
    _check_actor(actor, review)
    if review.burst_capped_at is None:
        raise ActionError("This review isn't marked by the burst cap.")
    marked_at = review.burst_capped_at
    holds.clear_burst_cap(review)
    audit.record(
        actor.id,
        AuditAction.clear_burst,
        "review",
        review.id,
        _note(reason),
        {"marked_at": marked_at.isoformat(timespec="seconds")},
    )


# --- responses ---------------------------------------------------------------------------------


def _response_of(review: Review) -> Response:
    if review.response is None:
        raise ActionError("This review has no response.", status=404)
    return review.response


def _response_changed(review: Review) -> None:
    # A response is shown wherever its review is: the employer's pages must not answer 304; the
    # figures don't change (employers.freshness).
    if review.status is ReviewStatus.published:
        touch_pages(review.employer_id)


def publish_response(review: Review, actor: User, reason: str | None, now: datetime) -> bool:
    """A held response becomes public. Returns True when the public sees it for the first time
    (the caller then tells the review's author, as responses.routes does)."""
    _check_actor(actor, review)
    response = _response_of(review)
    if response.status is not ResponseStatus.held:
        raise ActionError("Only a held response can be published; this one isn't held.")
    first = response.edited_at is None
    response.status = ResponseStatus.published
    db.session.flush()
    record_response_revision(response, ResponseAction.published, RevisionActor.moderator, now)
    _response_changed(review)
    audit.record(actor.id, AuditAction.publish, "response", response.id, _note(reason))
    return first


def hide_response(
    review: Review, actor: User, guideline: GuidelineReason, reason: str, now: datetime
) -> None:
    _check_actor(actor, review)
    response = _response_of(review)
    if response.status is ResponseStatus.hidden:
        raise ActionError("This response is already hidden.")
    previous = response.status
    response.status = ResponseStatus.hidden
    response.hidden_reason = guideline
    _close_flags(now, response=response)
    db.session.flush()
    record_response_revision(response, ResponseAction.hidden, RevisionActor.moderator, now)
    _response_changed(review)
    audit.record(
        actor.id,
        AuditAction.hide,
        "response",
        response.id,
        _note(reason),
        {"guideline": guideline.value, "previous_status": previous.value},
    )


def restore_response(
    review: Review, actor: User, reason: str, now: datetime, *, mistake: bool = False
) -> None:
    _check_actor(actor, review)
    response = _response_of(review)
    if response.status is not ResponseStatus.hidden:
        raise ActionError("Only a hidden response can be restored; this one isn't hidden.")
    guideline = response.hidden_reason
    response.status = ResponseStatus.published
    response.hidden_reason = None
    db.session.flush()
    record_response_revision(response, ResponseAction.restored, RevisionActor.moderator, now)
    _response_changed(review)
    audit.record(
        actor.id,
        AuditAction.restore,
        "response",
        response.id,
        _note(reason),
        {"guideline": guideline.value if guideline else None, "mistake": bool(mistake)},
    )


def redact_response(review: Review, actor: User, span: str, reason: str, now: datetime) -> int:
    """Replace `span` in the response with the moderator mark. The removed text is
    kept in the audit row's details and in the earlier response revisions, for moderators only."""
    _check_actor(actor, review)
    response = _response_of(review)
    body, count = _redacted(response.body, span, BODY_LIMIT, "the response")
    response.body = body
    db.session.flush()
    record_response_revision(response, ResponseAction.redacted, RevisionActor.moderator, now)
    _response_changed(review)
    audit.record(
        actor.id,
        AuditAction.redact,
        "response",
        response.id,
        _note(reason),
        {"field": "body", "occurrences": count, "removed": clean_span(span)},
    )
    return count


# --- flags -------------------------------------------------------------------------------------


def dismiss_flag(
    review: Review, flag: Flag, actor: User, reason: str | None, now: datetime
) -> None:
    """The flag asked for nothing the guidelines support: closed, nothing changes."""
    _check_actor(actor, review)
    if flag.status is not FlagStatus.open:
        raise ActionError("This report was already handled.")
    flag.status = FlagStatus.dismissed
    flag.resolved_at = now
    audit.record(
        actor.id,
        AuditAction.dismiss_flag,
        "flag",
        flag.id,
        _note(reason),
        {"review_id": review.id, "flag_reason": flag.reason.value},
    )


# --- legal notices -----------------------------------------------------------------------------


def _open_notice(notice: LegalNotice) -> None:
    if notice.status is not NoticeStatus.open:
        raise ActionError("This notice was already decided.")


def _tell_notice_decision(notice: LegalNotice, review: Review) -> None:
    """Queue the decision to the notice's sender and the review's author (issue 17), in this
    transaction: they go out after the commit, and not at all if it fails."""
    rule = GUIDELINES[review.hidden_reason][0] if review.hidden_reason is not None else None
    notices.queue_decision_emails(notice, review, rule)


def action_notice(
    review: Review, notice: LegalNotice, actor: User, reason: str, now: datetime
) -> bool:
    """Uphold a legal notice: the review is hidden for `legal_notice` (one `hide` audit row that
    names the notice), or, if it was already hidden, the notice is just closed (one
    `legal_notice` row). Returns whether the review was hidden now (the author is then told)."""
    _check_actor(actor, review)
    _open_notice(notice)
    notice.status = NoticeStatus.actioned
    notice.resolved_at = now
    if review.status is ReviewStatus.hidden:
        audit.record(
            actor.id,
            AuditAction.legal_notice,
            "legal_notice",
            notice.id,
            _note(reason),
            {"decision": "actioned", "review_id": review.id, "already_hidden": True},
        )
        _tell_notice_decision(notice, review)
        return False
    previous = review.status
    _hide(review, GuidelineReason.legal_notice, now)
    audit.record(
        actor.id,
        AuditAction.hide,
        "review",
        review.id,
        _note(reason),
        {
            "guideline": GuidelineReason.legal_notice.value,
            "previous_status": previous.value,
            "notice_id": notice.id,
        },
    )
    _tell_notice_decision(notice, review)
    return True


def reject_notice(
    review: Review, notice: LegalNotice, actor: User, reason: str, now: datetime
) -> None:
    """No action on the review: the notice is closed as rejected, with the moderator's reason."""
    _check_actor(actor, review)
    _open_notice(notice)
    notice.status = NoticeStatus.rejected
    notice.resolved_at = now
    audit.record(
        actor.id,
        AuditAction.legal_notice,
        "legal_notice",
        notice.id,
        _note(reason),
        {"decision": "rejected", "review_id": review.id},
    )
    _tell_notice_decision(notice, review)


# --- suspending the author ---------------------------------------------------------------------


def suspend_author(
    review: Review,
    actor: User,
    reason: str,
    now: datetime,
    shown_pseudonym: str,
    category: str = suspensions.DEFAULT_REASON,
) -> User:
    """Suspend the review's author (every session ends at once; they are emailed the reason's
    category and where to appeal: moderation.suspensions). Moderators may suspend candidates;
    only admins may suspend a moderator or an admin; nobody suspends themselves."""
    if actor.role not in MODERATORS:
        raise ActionError("Only moderators can do this.", status=403)
    author = db.session.get(User, review.author_id) if review.author_id else None
    if author is None:
        raise ActionError("This review's account was deleted: there is nobody to suspend.")
    if pseudonym(author.id) != shown_pseudonym:
        raise ActionError("This review's account changed since the page was shown. Reload it.")
    try:
        suspensions.suspend_user(
            author, actor, reason, category=category, details={"review_id": review.id}
        )
    except suspensions.SuspensionError as error:
        raise ActionError(str(error), status=error.status) from None
    return author


def flag_of(review: Review, flag_id: int) -> Flag | None:
    """The flag with this id if it is about this review or its response."""
    flag = db.session.get(Flag, flag_id)
    if flag is None:
        return None
    response_id = review.response.id if review.response is not None else None
    if flag.review_id == review.id or (response_id is not None and flag.response_id == response_id):
        return flag
    return None


def notice_of(review: Review, notice_id: int) -> LegalNotice | None:
    return db.session.scalar(
        select(LegalNotice).where(LegalNotice.id == notice_id, LegalNotice.review_id == review.id)
    )
