"""Notice-and-action (DESIGN.md §8): legal notices about a review, and the author's answer.

Anyone may send a notice about a published review: a name, an email address, the legal basis and
an explanation. The notifier is not anonymous (moderators may need to write back); the review's
author is, and stays so:

- the notifier gets a receipt (by email only at their own verified address, with fixed text),
  and never learns who wrote the review;
- the author is told by email that a notice was received, with its legal basis and explanation,
  and may answer on /me/notices/<id>. The author is *not* told who sent it: the explanation they
  see has the notifier's name and address (and any email, phone number, link or handle) replaced
  by "[removed]". Knowing the notifier changes nothing about how to answer a legal claim, and
  withholding it keeps a dispute about a review from becoming one between two people;
- only moderators read the answer, and decide (moderation queue, another module).

Functions take values and leave the commit to the caller; emails go after the commit.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from accounts.models import User
from accounts.services import absolute_url
from extensions import db
from moderation.models import LegalNotice, NoticeStatus
from notifications import mail
from notifications.authors import email_author
from reviews.models import Review
from reviews.scrubber import names_from_email, scrub
from timeutils import month_label, utcnow

log = logging.getLogger(__name__)

# Stored in LegalNotice.legal_basis by key; label and help in the order the form lists them.
LEGAL_BASES = {
    "defamation": (
        "Defamation",
        "It states something untrue about a person or an organisation that harms their reputation.",
    ),
    "privacy": (
        "Privacy or personal data",
        "It reveals personal information about someone, or lets them be identified.",
    ),
    "copyright": ("Copyright", "It reproduces text or other material whose rights you hold."),
    "other": ("Another legal reason", "Say which law, and why, in the explanation."),
}


def legal_basis_label(key: str) -> str:
    return LEGAL_BASES.get(key, LEGAL_BASES["other"])[0]


# --- sending a notice --------------------------------------------------------------------------


def submit(
    review: Review, *, name: str, email: str, legal_basis: str, explanation: str
) -> LegalNotice:
    """Record an open notice about the review (flushed, so it has an id)."""
    notice = LegalNotice(
        review_id=review.id,
        notifier_name=name,
        notifier_email=email,
        legal_basis=legal_basis,
        explanation=explanation,
        status=NoticeStatus.open,
        created_at=utcnow(),
    )
    db.session.add(notice)
    db.session.flush()
    return notice


def for_author(notice: LegalNotice) -> str:
    """The explanation as the author sees it: nothing that identifies the notifier."""
    known = [notice.notifier_name, *names_from_email(notice.notifier_email)]
    return scrub(notice.explanation, known_names=known).text


def receipt_address(notice: LegalNotice, sender: User | None) -> str | None:
    """Where the receipt may go: the notifier's address only when it is the signed-in sender's
    own verified address. Anyone may type any address in the form, and the site must not mail a
    stranger on someone else's say-so, or the form would send HeardBack's email to any address.
    The sent page shows the reference."""
    if sender is None or not sender.is_verified or sender.is_suspended:
        return None
    if sender.email.casefold() != notice.notifier_email.strip().casefold():
        return None
    return sender.email


def send_receipt(notice: LegalNotice, review: Review, sender: User | None = None) -> bool:
    """Email the notifier a receipt (after the commit), if their address is verified (see
    receipt_address). The text is fixed: the reference, the legal reason's label and our own
    link; nothing the notifier typed is echoed. False if nothing was sent."""
    address = receipt_address(notice, sender)
    if address is None:
        return False
    try:
        mail.send_template(
            address,
            f"Your legal notice to HeardBack (reference {notice.id})",
            "legal_notice_receipt",
            notice=notice,
            legal_basis=legal_basis_label(notice.legal_basis),
            review_url=absolute_url("reviews.show", public_id=review.public_id),
        )
    except Exception:
        log.exception("Could not send a legal notice receipt")
        return False
    return True


def inform_author(notice: LegalNotice, review: Review) -> bool:
    """Email the review's author about the notice and mark it informed (the caller commits).

    Nobody to tell when the review was kept de-linked from a deleted account, or its author is
    suspended (they couldn't sign in to answer); author_informed_at then stays empty, which the
    moderators see. A mail failure is logged without the recipient.
    """
    sent = email_author(
        review,
        f"A legal notice about your review of {review.employer.name}",
        "legal_notice_author",
        failure="Could not tell an author about a legal notice",
        legal_basis=legal_basis_label(notice.legal_basis),
        explanation=for_author(notice),
        answer_url=absolute_url("moderation.notice_answer", notice_id=notice.id),
        review_url=absolute_url("reviews.show", public_id=review.public_id),
    )
    if sent:
        notice.author_informed_at = utcnow()
    return sent


# --- the decision --------------------------------------------------------------------------------


def queue_decision_emails(
    notice: LegalNotice, review: Review, rule: str | None = None
) -> tuple[bool, bool]:
    """Queue the decision on a notice to its sender and to the review's author, in the caller's
    transaction (sent after the commit by the mail queue). Returns (sender, author) queued.

    The sender gets a fixed text at the address the notice gave (a moderator decided it, so this
    is no open relay: one email per decided notice, echoing nothing the sender typed); it says
    what was decided and why in the site's words, never who wrote the review. The author is
    emailed only while their account exists, is verified and not suspended (they couldn't sign
    in to read it otherwise), with a link to /me/notices, and without the sender's identity.

    `rule` is the guideline the review is hidden under when the notice was upheld (its label,
    moderation.actions.GUIDELINES); the moderator's own note is never sent: it is for the audit
    log and could say anything.
    """
    if notice.status is NoticeStatus.open:
        return False, False
    upheld = notice.status is NoticeStatus.actioned
    texts = {"upheld": upheld, "rule": rule if upheld else None}
    basis = legal_basis_label(notice.legal_basis)
    mail.send_template(
        notice.notifier_email.strip(),
        f"Decision on your legal notice to HeardBack (reference {notice.id})",
        "notice_decision_sender",
        notice_id=notice.id,
        legal_basis=basis,
        review_url=absolute_url("reviews.show", public_id=review.public_id),
        **texts,
    )
    writer = db.session.get(User, review.author_id) if review.author_id else None
    if writer is None or not writer.is_verified or writer.is_suspended:
        return True, False
    mail.send_template(
        writer.email,
        f"Decision on a legal notice about your review of {review.employer.name}",
        "notice_decision_author",
        employer_name=review.employer.name,
        month=month_label(review.process_month),
        legal_basis=basis,
        notices_url=absolute_url("moderation.notices_mine"),
        **texts,
    )
    return True, True


# --- the author's side -------------------------------------------------------------------------


@dataclass(frozen=True)
class AuthorNotice:
    """A notice about one of the author's reviews, as the author may see it."""

    notice: LegalNotice
    review: Review
    explanation: str  # for_author(notice)

    @property
    def id(self) -> int:
        return self.notice.id

    @property
    def legal_basis(self) -> str:
        return legal_basis_label(self.notice.legal_basis)

    @property
    def received(self) -> str:
        return month_label(self.notice.created_at)

    @property
    def is_open(self) -> bool:
        return self.notice.status is NoticeStatus.open


def _authors_notices(user_id: int):
    return (
        select(LegalNotice, Review)
        .join(Review, Review.id == LegalNotice.review_id)
        .options(joinedload(Review.employer))
        .where(Review.author_id == user_id)
    )


def notice_for_author(notice_id: int, user_id: int) -> AuthorNotice | None:
    """The notice if it is about one of this user's reviews, else None (the page answers 404)."""
    row = db.session.execute(_authors_notices(user_id).where(LegalNotice.id == notice_id)).first()
    return AuthorNotice(row[0], row[1], for_author(row[0])) if row else None


def notices_for_author(user_id: int) -> list[AuthorNotice]:
    """Every notice about the user's reviews, newest first (one query)."""
    rows = db.session.execute(
        _authors_notices(user_id).order_by(LegalNotice.created_at.desc(), LegalNotice.id.desc())
    ).all()
    return [AuthorNotice(notice, review, for_author(notice)) for notice, review in rows]


def open_notice_count(user_id: int) -> int:
    """Open notices about the user's reviews (for a link on /me)."""
    return db.session.scalar(
        select(func.count())
        .select_from(LegalNotice)
        .join(Review, Review.id == LegalNotice.review_id)
        .where(Review.author_id == user_id, LegalNotice.status == NoticeStatus.open)
    )


class AnswerClosed(Exception):
    """The notice has been decided: its answer can no longer change."""


def answer(notice: LegalNotice, text: str) -> None:
    """Store (or replace) the author's answer while the notice is open."""
    if notice.status is not NoticeStatus.open:
        raise AnswerClosed
    notice.author_answer = text
