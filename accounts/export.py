"""Data export (DESIGN.md §5.7): everything HeardBack keeps about one user, as JSON.

What goes in is the user's own data: their account and sign-in sessions, their reviews with every
field and revision, what happened to those reviews (contact reports, legal notices and the user's
answers, the employer's published response as text), the applications they track (DESIGN.md
§12) with their steps, the flags they sent, and what they did as a
representative (claims, representations, responses, commitments, contact reports) or as a
moderator (the kinds of action, not their targets).

What stays out is anyone else's: no other user's email or id, nobody who flagged the user's
reviews, no notifier's name or address (a notice's explanation is the copy the author was sent,
with them removed), no representative behind a response or a contact report, no moderator behind
a decision. Internal row ids are left out too; reviews are named by their public id. The user's
own dates are exact: this file goes only to them.

A fixed number of queries (one per section), whatever the number of reviews.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from enum import Enum

from sqlalchemy import select
from sqlalchemy.orm import aliased

from accounts.models import LoginSession, User
from applications.models import Application, ApplicationStep
from employers.models import Employer
from extensions import db
from moderation.models import AuditLog, Flag, LegalNotice
from moderation.notices import for_author, legal_basis_label
from proofs.models import ContactProof
from representatives.contact_reports import visible_status
from representatives.models import (
    Claim,
    ContactReport,
    Representative,
    ResponseCommitment,
)
from responses.models import Response, ResponseStatus
from reviews.models import Review, ReviewRevision
from timeutils import utcnow

FORMAT_VERSION = 1

# Review columns left out: internal ids (the author link is the user themselves; the employer is
# given by name and slug) and the form's idempotency key (a technical token, not their data).
_REVIEW_HIDDEN_COLUMNS = frozenset({"id", "author_id", "employer_id", "submission_key"})


def _value(value):
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _columns(row, names) -> dict:
    return {name: _value(getattr(row, name)) for name in names}


def _employer(employer: Employer | None) -> dict | None:
    return {"name": employer.name, "slug": employer.slug} if employer else None


def _group(rows, key) -> dict:
    grouped: dict = {}
    for row in rows:
        grouped.setdefault(key(row), []).append(row)
    return grouped


# --- sections ----------------------------------------------------------------------------------


def _account(user: User) -> dict:
    sessions = db.session.scalars(
        select(LoginSession).where(LoginSession.user_id == user.id).order_by(LoginSession.id)
    )
    return {
        **_columns(
            user,
            (
                "email",
                "role",
                "created_at",
                "email_verified_at",
                "suspended_at",
                "password_changed_at",
                "proof_reuse_attempts",
                "application_reminders",
            ),
        ),
        "password": "kept only as an argon2id hash, which is not included",
        "sign_in_sessions": [
            _columns(session, ("created_at", "expires_at")) for session in sessions
        ],
    }


def _reviews(user: User) -> list[dict]:
    own = select(Review.id).where(Review.author_id == user.id).scalar_subquery()
    reviews = db.session.execute(
        select(Review, Employer)
        .join(Employer, Employer.id == Review.employer_id)
        .where(Review.author_id == user.id)
        .order_by(Review.created_at, Review.id)
    ).all()
    revisions = _group(
        db.session.scalars(
            select(ReviewRevision)
            .where(ReviewRevision.review_id.in_(own))
            .order_by(ReviewRevision.review_id, ReviewRevision.number)
        ),
        lambda revision: revision.review_id,
    )
    # The employer's response as the public sees it: its text, nothing about who wrote it.
    responses = {
        review_id: body
        for review_id, body in db.session.execute(
            select(Response.review_id, Response.body).where(
                Response.review_id.in_(own), Response.status == ResponseStatus.published
            )
        )
    }
    contacts = _group(
        db.session.scalars(
            select(ContactReport)
            .where(ContactReport.review_id.in_(own))
            .order_by(ContactReport.created_at, ContactReport.id)
        ),
        lambda report: report.review_id,
    )
    notices = _group(
        db.session.scalars(
            select(LegalNotice)
            .where(LegalNotice.review_id.in_(own))
            .order_by(LegalNotice.created_at, LegalNotice.id)
        ),
        lambda notice: notice.review_id,
    )
    # What is kept of a proof of contact: never the message, which was not kept.
    proofs = {
        proof.review_id: proof
        for proof in db.session.scalars(select(ContactProof).where(ContactProof.review_id.in_(own)))
    }
    columns = [
        column.name
        for column in Review.__table__.columns
        if column.name not in _REVIEW_HIDDEN_COLUMNS
    ]
    exported = []
    for review, employer in reviews:
        exported.append(
            {
                **_columns(review, columns),
                "employer": _employer(employer),
                "revisions": [
                    _columns(revision, ("number", "source", "created_at", "data"))
                    for revision in revisions.get(review.id, [])
                ],
                "employer_response": (
                    {"text": responses[review.id]} if review.id in responses else None
                ),
                "contact_reports": [
                    _columns(report, ("status", "created_at", "answered_at", "reminder_count"))
                    for report in contacts.get(review.id, [])
                ],
                "legal_notices": [_notice(notice) for notice in notices.get(review.id, [])],
                "proof_of_contact": (
                    _columns(
                        proofs[review.id],
                        ("status", "kind", "signing_domain", "sending_system", "message_month"),
                    )
                    if review.id in proofs
                    else None
                ),
            }
        )
    return exported


def _notice(notice: LegalNotice) -> dict:
    return {
        "received": notice.created_at.strftime("%Y-%m"),
        "legal_basis": legal_basis_label(notice.legal_basis),
        # The copy the author was sent: nothing that identifies whoever sent the notice.
        "explanation": for_author(notice),
        **_columns(notice, ("status", "author_informed_at", "author_answer")),
        "decided": notice.resolved_at.strftime("%Y-%m") if notice.resolved_at else None,
    }


def _flags(user: User) -> list[dict]:
    flagged_review = aliased(Review)
    response_review = aliased(Review)
    own_representation = aliased(Representative)
    rows = db.session.execute(
        select(
            Flag,
            flagged_review.public_id,
            response_review.public_id,
            Employer,
        )
        .outerjoin(flagged_review, flagged_review.id == Flag.review_id)
        .outerjoin(Response, Response.id == Flag.response_id)
        .outerjoin(response_review, response_review.id == Response.review_id)
        .outerjoin(own_representation, own_representation.id == Flag.representative_id)
        .outerjoin(Employer, Employer.id == own_representation.employer_id)
        .where(Flag.reporter_id == user.id)
        .order_by(Flag.created_at, Flag.id)
    ).all()
    return [
        {
            "about": "review" if flag.review_id is not None else "employer response to a review",
            "review": review_public_id or response_review_public_id,
            **_columns(flag, ("reason", "explanation", "status", "created_at", "resolved_at")),
            "as_representative_of": _employer(employer),
        }
        for flag, review_public_id, response_review_public_id, employer in rows
    ]


def _claims(user: User) -> list[dict]:
    rows = db.session.execute(
        select(Claim, Employer)
        .join(Employer, Employer.id == Claim.employer_id)
        .where(Claim.user_id == user.id)
        .order_by(Claim.created_at, Claim.id)
    ).all()
    # Not the nonce (part of a signed link) nor the moderator who decided.
    names = (
        "email",
        "email_domain",
        "status",
        "created_at",
        "emailed_at",
        "decided_at",
        "moderator_note",
    )
    return [{"employer": _employer(employer), **_columns(claim, names)} for claim, employer in rows]


def _representation(user: User) -> dict:
    representations = db.session.execute(
        select(Representative, Employer)
        .join(Employer, Employer.id == Representative.employer_id)
        .where(Representative.user_id == user.id)
        .order_by(Representative.created_at, Representative.id)
    ).all()
    mine = select(Representative.id).where(Representative.user_id == user.id).scalar_subquery()
    responses = db.session.execute(
        select(Response, Review.public_id, Employer)
        .join(Review, Review.id == Response.review_id)
        .join(Employer, Employer.id == Response.employer_id)
        .where(Response.representative_id.in_(mine))
        .order_by(Response.created_at, Response.id)
    ).all()
    commitments = db.session.execute(
        select(ResponseCommitment, Employer)
        .join(Employer, Employer.id == ResponseCommitment.employer_id)
        .where(ResponseCommitment.representative_id.in_(mine))
        .order_by(ResponseCommitment.published_at, ResponseCommitment.id)
    ).all()
    contacts = db.session.execute(
        select(
            ContactReport.status, ContactReport.created_at, Review.public_id, ContactReport.shown_at
        )
        .join(Review, Review.id == ContactReport.review_id)
        .where(ContactReport.representative_id.in_(mine))
        .order_by(ContactReport.created_at, ContactReport.id)
    ).all()
    return {
        "representations": [
            {
                "employer": _employer(employer),
                **_columns(
                    representative,
                    ("created_at", "ended_at", "end_reason", "notify", "notified_until"),
                ),
            }
            for representative, employer in representations
        ],
        "responses": [
            {
                "review": public_id,
                "employer": _employer(employer),
                **_columns(
                    response, ("body", "status", "hidden_reason", "created_at", "edited_at")
                ),
            }
            for response, public_id, employer in responses
        ],
        "response_commitments": [
            {
                "employer": _employer(employer),
                **_columns(commitment, ("days", "published_at", "withdrawn_at")),
            }
            for commitment, employer in commitments
        ],
        # Only the report and where it stands: when the author answered is theirs.
        "contact_reports": [
            {
                "review": public_id,
                # As the dashboard shows it: an answer not yet shown is still pending (§5.8).
                "status": _value(visible_status(status, shown_at, utcnow())),
                "created_at": _value(created_at),
            }
            for status, created_at, public_id, shown_at in contacts
        ],
    }


def _moderation(user: User) -> list[dict]:
    # The kind of action and when: its target (a review, a user, a claim) and reason are about
    # someone else.
    rows = db.session.execute(
        select(AuditLog.action, AuditLog.target_type, AuditLog.created_at)
        .where(AuditLog.actor_id == user.id)
        .order_by(AuditLog.created_at, AuditLog.id)
    ).all()
    return [
        {"action": _value(action), "target_type": target_type, "created_at": _value(created_at)}
        for action, target_type, created_at in rows
    ]


_APPLICATION_COLUMNS = (
    "role_title",
    "status",
    "applied_on",
    "channel",
    "posting_url",
    "notes",
    "next_action_on",
    "reminders",
    "follow_up_reminded_for",
    "silence_reminded_for",
    "imported",
    "outcome_known_at",
    "created_at",
    "updated_at",
)
_STEP_COLUMNS = ("kind", "happened_on", "promised_days", "promised_by", "note")


def _applications(user: User) -> list[dict]:
    """The private tracker (applications.models), each application with its steps."""
    rows = db.session.execute(
        select(Application, Employer, Review.public_id)
        .join(Employer, Employer.id == Application.employer_id)
        .outerjoin(Review, Review.id == Application.review_id)
        .where(Application.user_id == user.id)
        .order_by(Application.created_at, Application.id)
    ).all()
    own = select(Application.id).where(Application.user_id == user.id).scalar_subquery()
    steps = _group(
        db.session.scalars(
            select(ApplicationStep)
            .where(ApplicationStep.application_id.in_(own))
            .order_by(ApplicationStep.happened_on, ApplicationStep.id)
        ),
        lambda step: step.application_id,
    )
    return [
        {
            "employer": _employer(employer),
            **_columns(application, _APPLICATION_COLUMNS),
            "shared_as_review": review_public_id,
            "steps": [_columns(step, _STEP_COLUMNS) for step in steps.get(application.id, [])],
        }
        for application, employer, review_public_id in rows
    ]


# --- the whole export --------------------------------------------------------------------------


def export_data(user: User) -> dict:
    return {
        "format": f"heardback-export-v{FORMAT_VERSION}",
        "exported_at": _value(utcnow()),
        "account": _account(user),
        "reviews": _reviews(user),
        "applications": _applications(user),
        "flags_sent": _flags(user),
        "claims": _claims(user),
        "representative": _representation(user),
        "moderator_actions": _moderation(user),
    }


def export_json(user: User) -> tuple[str, str]:
    """(the JSON text, a file name for it)."""
    body = json.dumps(export_data(user), ensure_ascii=False, indent=2, sort_keys=False)
    return body, f"heardback-data-{utcnow().strftime('%Y-%m-%d')}.json"
