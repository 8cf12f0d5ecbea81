"""Views of an employer's team (issue 17): the owners' team page, inviting, cancelling, removing,
making an owner, and the invitee's acceptance page. Thin: validate, call representatives.team,
commit, then redirect or render.

The team page and its actions are the owners': to anyone who doesn't represent the employer named
in the request they are a 404, to a colleague a 403 (representatives.access.owner_only). The
team page without an employer, to someone who represents none, is the employer side's 403 (as
the anonymity sweep expects of every /employer/ page).
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from extensions import db
from forms import ConfirmForm
from representatives import access, bp, team
from representatives.models import Representative
from representatives.team import TeamError
from representatives.team_forms import InvitationForm, InviteForm, MemberForm
from timeutils import utcnow


def _owner(slug: str) -> Representative:
    return access.owner_only(access.representation_by_slug(current_user.id, slug[:220]))


def _posted_owner() -> Representative:
    return _owner(request.form.get("employer", ""))


def _team_page(owner: Representative, status: int = 200, invite_form: InviteForm | None = None):
    employer = owner.employer
    return render_template(
        "representatives/team.html",
        employer=employer,
        team=team.team(owner, utcnow()),
        you=owner,
        invite_form=invite_form or InviteForm(employer=employer.slug),
        invitation_days=team.INVITATION_DAYS,
    ), status


def _back(owner: Representative):
    return redirect(url_for(".team_page", employer=owner.employer.slug))


@bp.get("/employer/team")
@login_required
def team_page():
    slug = request.args.get("employer", "")
    if not slug:
        representations = access.live_representations(current_user.id)
        if not representations:  # no employer at all: the employer side's refusal (403)
            abort(403)
        if len(representations) > 1:
            return redirect(url_for(".dashboard"))
        slug = representations[0].employer.slug
    return _team_page(_owner(slug))


@bp.post("/employer/team/invite")
@login_required
def invite():
    owner = _posted_owner()
    form = InviteForm()
    if form.validate_on_submit():
        try:
            _, email = team.invite(owner, form.email.data, utcnow())
        except TeamError as error:
            db.session.rollback()
            form.email.errors.append(str(error))
        except IntegrityError:  # the same address, invited twice at once
            db.session.rollback()
            form.email.errors.append(
                "Your invitation crossed with another one to the same address. Check the list "
                "of invitations on this page."
            )
        else:
            db.session.commit()
            flash(
                f"Invitation sent to {email}. The link works for {team.INVITATION_DAYS} days; "
                "they accept it signed in with an account confirmed at that address.",
                "success",
            )
            return _back(owner)
    return _team_page(owner, 422, invite_form=form)


def _act(form, action, done: str):
    """Run a one-button team action: validate, call, commit, say what happened."""
    owner = _posted_owner()
    if not form.validate_on_submit():
        errors = [message for messages in form.errors.values() for message in messages]
        flash(" ".join(errors) or "Something was missing. Please try again.", "error")
        return _team_page(owner, 422)
    try:
        result = action(owner, form)
    except TeamError as error:
        db.session.rollback()
        flash(str(error), "error")
        return _team_page(owner, 409)
    db.session.commit()
    flash(done.format(result=result), "success")
    if not owner.is_live:  # the owner removed themselves
        return redirect(url_for("employers.employer_page", slug=owner.employer.slug))
    return _back(owner)


@bp.post("/employer/team/cancel")
@login_required
def cancel_invitation():
    return _act(
        InvitationForm(),
        lambda owner, form: team.cancel(owner, form.invitation.data, utcnow()).email,
        "The invitation to {result} is cancelled: its link no longer works.",
    )


@bp.post("/employer/team/remove")
@login_required
def remove_member():
    return _act(
        MemberForm(),
        lambda owner, form: team.remove(owner, form.representative.data, utcnow()).user.email,
        "{result} no longer represents your employer on HeardBack.",
    )


@bp.post("/employer/team/owner")
@login_required
def make_owner():
    return _act(
        MemberForm(),
        lambda owner, form: team.make_owner(owner, form.representative.data).user.email,
        "{result} is now an owner: they can invite and remove colleagues.",
    )


@bp.route("/employer/invitations/<token>", methods=["GET", "POST"])
@login_required
def invitation(token: str):
    """GET only shows a button (mail scanners follow links); the POST makes the colleague."""
    now = utcnow()
    found = team.find_invitation(token, now)
    if found is None:
        return render_template("representatives/invitation.html", problem=team.LINK_PROBLEM), 400
    employer = found.employer
    refusal = team.acceptance_refusal(found, current_user)
    page = {"employer": employer, "email": found.email, "days": team.INVITATION_DAYS}
    if refusal is not None:
        return render_template("representatives/invitation.html", refusal=refusal, **page), 403
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            team.accept(found, current_user, now)
            db.session.commit()
        except (TeamError, IntegrityError):  # the same link, pressed twice at once
            db.session.rollback()
            return render_template(
                "representatives/invitation.html", problem=team.LINK_PROBLEM
            ), 400
        flash(
            f"You now represent {employer.name} on HeardBack, as a colleague. This is your "
            "dashboard: answer reviews here (you will never learn who wrote them).",
            "success",
        )
        return redirect(url_for(".dashboard", employer=employer.slug))
    return render_template("representatives/invitation.html", form=form, **page)
