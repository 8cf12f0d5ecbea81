"""Proof-of-contact views: the author attaches a saved message; moderators decide on the
signing domains of employers with no known domain."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.exceptions import RequestEntityTooLarge

from employers.models import Employer
from extensions import db, limiter
from moderation import audit
from moderation.models import AuditAction
from proofs import bp, services
from proofs.forms import DomainDecisionForm, ProofForm
from proofs.messages import LIMIT_MB, MESSAGES
from proofs.models import ProofStatus
from proofs.verify import MAX_MESSAGE_BYTES, Problem, ProofError
from reviews.access import own_review
from reviews.models import Review
from security import client_key, moderator_required, pseudonymous
from timeutils import utcnow

# The whole request may carry a 5 MB message plus the form around it: app.py raises the body
# limit to this for the proof page only (413 beyond).
BODY_LIMIT = MAX_MESSAGE_BYTES + 64 * 1024
TOO_LARGE = (
    f"That was more than {LIMIT_MB} MB. Save the employer's message without its attachments, or "
    "paste its source."
)


def _proof_limit() -> str:
    return current_app.config["RATELIMIT_PROOF"]


def _account_key() -> str:
    return "proof:" + pseudonymous(str(current_user.get_id()))


def _reading() -> bool:
    return request.method != "POST"


def _message_bytes(form: ProofForm) -> bytes:
    upload = request.files.get("message")
    if upload is not None and upload.filename:
        return upload.stream.read(MAX_MESSAGE_BYTES + 1)
    return (form.source.data or "").encode("utf-8", "surrogateescape")


def _page(
    review: Review,
    form: ProofForm,
    error: str | None = None,
    status: int = 200,
    problem: Problem | None = None,
):
    return (
        render_template(
            "proofs/attach.html",
            review=review,
            form=form,
            error=error,
            ask_consent=problem is Problem.unusual_key or bool(form.unusual_keys.data),
            proof=services.proof_of(review),
            limit_mb=LIMIT_MB,
        ),
        status,
    )


@bp.route("/reviews/<public_id>/proof", methods=["GET", "POST"])
@login_required
@limiter.limit(_proof_limit, key_func=_account_key, exempt_when=_reading)
@limiter.limit(_proof_limit, key_func=client_key, exempt_when=_reading)
def attach(public_id: str):
    review = own_review(public_id)
    try:
        form = ProofForm()
        if not form.validate_on_submit():
            return _page(review, form, status=400 if request.method == "POST" else 200)
        raw = _message_bytes(form)
    except RequestEntityTooLarge:
        return _page(review, ProofForm(formdata=None), TOO_LARGE, 413)
    try:
        proof = services.attach(
            review, current_user, raw, utcnow(), unusual_keys=form.unusual_keys.data
        )
    except ProofError as error:
        if error.problem is Problem.reused:
            db.session.commit()  # the attempt counts for moderators
        else:
            db.session.rollback()
        form.source.data = ""  # the message is not kept, nor sent back
        return _page(review, form, MESSAGES[error.problem], 422, problem=error.problem)
    finally:
        raw = b""
    db.session.commit()
    if proof.status is ProofStatus.awaiting_domain:
        flash(
            f"The signature is valid. {review.employer.name} has no known mail domain yet, so a "
            f"moderator will check that {proof.signing_domain} is theirs; the review will show "
            "“Verified contact” once they do. The message itself was not kept.",
            "success",
        )
    else:
        flash(
            "Verified: the employer's signature is valid. Your review will show “Verified "
            "contact” (within a few days if it is already public). The message itself was not "
            "kept.",
            "success",
        )
    return redirect(url_for("reviews.mine"))


# --- moderators --------------------------------------------------------------------------------


@bp.get("/moderation/proof-domains")
@moderator_required
def domains():
    return render_template(
        "proofs/domains.html", proposals=services.domain_proposals(), form=DomainDecisionForm()
    )


def _decision(slug: str):
    """(employer, domain) for a moderator's decision, or a response that says what is wrong."""
    employer = db.session.scalar(db.select(Employer).where(Employer.slug == slug))
    if employer is None:
        abort(404)
    form = DomainDecisionForm()
    if not form.validate_on_submit():
        flash("Choose a domain from the list, then decide.", "error")
        return None, redirect(url_for("proofs.domains"))
    return (employer, form.domain.data), None


@bp.post("/moderation/proof-domains/<slug>/accept")
@moderator_required
def accept_domain(slug: str):
    decision, response = _decision(slug)
    if response:
        return response
    employer, domain = decision
    try:
        count = services.accept_domain(employer, domain, utcnow())
    except ValueError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("proofs.domains"))
    audit.record(
        current_user.id,
        AuditAction.add_domain,
        "employer",
        employer.id,
        details={"domain": domain, "proofs": count},
    )
    db.session.commit()
    flash(f"{domain} is now {employer.name}'s domain; proofs verified: {count}.", "success")
    return redirect(url_for("proofs.domains"))


@bp.post("/moderation/proof-domains/<slug>/refuse")
@moderator_required
def refuse_domain(slug: str):
    decision, response = _decision(slug)
    if response:
        return response
    employer, domain = decision
    count = services.refuse_domain(employer, domain)
    if not count:
        flash(f"No proof of contact with {employer.name} waits on {domain}.", "error")
        return redirect(url_for("proofs.domains"))
    audit.record(
        current_user.id,
        AuditAction.refuse_domain,
        "employer",
        employer.id,
        details={"domain": domain, "proofs": count},
    )
    db.session.commit()
    flash(f"{domain} was not attached to {employer.name}.", "success")
    return redirect(url_for("proofs.domains"))
