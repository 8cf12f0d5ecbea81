"""Moderators' views of claims: claims awaiting a moderator (employers with no known domain)
and, for admins, the live representatives of an employer (rules in representatives.claims).
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from employers.services import get_by_slug
from extensions import db
from forms import ConfirmForm
from moderation import audit, bp
from moderation.forms import RefuseClaimForm
from moderation.models import AuditAction
from representatives import claims
from representatives.claims import ClaimError
from representatives.models import Claim, EndReason, Representative
from security import admin_required, moderator_required
from textnorm import has_control_characters


def _me():
    return current_user._get_current_object()


# --- claims awaiting a moderator ---------------------------------------------------------------


def _claims_page(status: int = 200, failed: tuple[int, RefuseClaimForm] | None = None):
    queue = claims.moderator_queue()
    refuse_forms = {item.claim_id: RefuseClaimForm(formdata=None) for item in queue}
    if failed and failed[0] in refuse_forms:
        refuse_forms[failed[0]] = failed[1]
    return render_template(
        "moderation/claims.html", queue=queue, approve_form=ConfirmForm(), refuse_forms=refuse_forms
    ), status


def _claim_or_404(claim_id: int) -> Claim:
    claim = db.session.get(Claim, claim_id)
    if claim is None:
        abort(404)
    return claim


@bp.get("/moderation/claims")
@moderator_required
def claims_queue():
    return _claims_page()


@bp.post("/moderation/claims/<int:claim_id>/approve")
@moderator_required
def approve_claim(claim_id: int):
    claim = _claim_or_404(claim_id)
    if ConfirmForm().validate_on_submit():
        employer, domain = claim.employer, claim.email_domain
        try:
            claims.approve_with_domain(claim, _me())
            audit.record(
                current_user.id,
                AuditAction.approve_claim,
                "claim",
                claim.id,
                details={"employer_id": employer.id, "domain": domain},
            )
            db.session.commit()
        except ClaimError as error:
            db.session.rollback()
            flash(str(error), "error")
        except IntegrityError:  # the domain was registered a moment ago by someone else
            db.session.rollback()
            flash(f"{domain} was just registered elsewhere. Reload and try again.", "error")
        else:
            flash(
                f"{domain} is now a domain of {employer.name}. The claimant has been sent a link "
                "to confirm their address.",
                "success",
            )
    return redirect(url_for("moderation.claims_queue"))


@bp.post("/moderation/claims/<int:claim_id>/refuse")
@moderator_required
def refuse_claim(claim_id: int):
    claim = _claim_or_404(claim_id)
    form = RefuseClaimForm()
    if not form.validate_on_submit():
        return _claims_page(422, failed=(claim_id, form))
    try:
        claims.refuse(claim, _me(), form.note.data)
        audit.record(
            current_user.id,
            AuditAction.refuse_claim,
            "claim",
            claim.id,
            claim.moderator_note,
            {"employer_id": claim.employer_id, "domain": claim.email_domain},
        )
        db.session.commit()
    except ClaimError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        flash("The claim is refused and the claimant has been told by email.", "success")
    return redirect(url_for("moderation.claims_queue"))


# --- representatives (admins) ------------------------------------------------------------------


@bp.get("/moderation/representatives")
@admin_required
def representatives():
    slug = request.args.get("employer", "").strip()[:220]
    employer = None
    if slug and not has_control_characters(slug):  # PostgreSQL refuses NUL in a query
        employer, moved_to = get_by_slug(slug)
        if moved_to:
            return redirect(url_for("moderation.representatives", employer=moved_to))
    page = render_template(
        "moderation/representatives.html",
        slug=slug,
        employer=employer,
        representatives=claims.live_representatives(employer.id) if employer else [],
        represented=[] if employer else claims.represented_employers(),
        form=ConfirmForm(),
    )
    return page, 404 if slug and employer is None else 200


@bp.post("/moderation/representatives/<int:representative_id>/revoke")
@admin_required
def revoke_representative(representative_id: int):
    representative = db.session.get(Representative, representative_id)
    if representative is None:
        abort(404)
    employer = representative.employer
    if ConfirmForm().validate_on_submit():
        try:
            claims.end_representation(representative, EndReason.revoked)
            audit.record(
                current_user.id,
                AuditAction.revoke_representative,
                "representative",
                representative.id,
                details={"employer_id": employer.id},
            )
            db.session.commit()
        except ClaimError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            flash(f"That representative of {employer.name} is revoked and was told.", "success")
    return redirect(url_for("moderation.representatives", employer=employer.slug))
