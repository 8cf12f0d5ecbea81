"""The representative's views: the dashboard, the new-review email setting, the response
commitment and "we have now contacted this candidate" (thin: validate, call a service, redirect
or render).

Every view goes through the signed-in user's own representations: an employer slug (in the query
string or a form's hidden field) that they don't represent is refused with 403, and so is a review
of an employer they don't represent, so a representative of one employer can do nothing for
another.
"""

from __future__ import annotations

import csv
import io

from flask import Response, abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from api.services import csv_cell
from api.services import link as site_link
from extensions import db
from forms import ConfirmForm
from representatives import access, bp, claims, commitments, contact_reports
from representatives import dashboard as dashboards
from representatives.contact_reports import ContactRefusal
from representatives.dashboard_forms import (
    NOTIFY_CHOICES,
    CommitmentForm,
    EmployerForm,
    NotifyForm,
)
from representatives.models import Representative
from representatives.notifications import send_contact_request
from reviews.display import public_view
from reviews.fields import values_of
from timeutils import utcnow


def _representation(slug: str) -> Representative:
    """The user's live representation of the employer with this slug; 403 for any other slug."""
    for representation in access.live_representations(current_user.id):
        if representation.employer.slug == slug:
            return representation
    abort(403)


def _page() -> int:
    page = request.args.get("page", "1")
    # isascii: "²" is a digit to str.isdigit() but not to int() (found by fuzzing).
    return min(int(page), 10_000) if page.isascii() and page.isdigit() and int(page) > 0 else 1


def _represented_employer_ids() -> frozenset[int]:
    """The employers the signed-in user represents now: one query, once per request, and only
    when a template asks (the navigation link, the employer page's claim link)."""
    if not current_user.is_authenticated:
        return frozenset()
    if "represented_employer_ids" not in g:
        g.represented_employer_ids = frozenset(
            db.session.scalars(
                select(Representative.employer_id).where(
                    Representative.user_id == current_user.id, Representative.ended_at.is_(None)
                )
            )
        )
    return g.represented_employer_ids


@bp.app_context_processor
def representative_navigation() -> dict:
    return {"represented_employer_ids": _represented_employer_ids}


def _dashboard_page(representation: Representative, status: int = 200, **forms):
    employer = representation.employer
    notify_form = forms.get("notify_form") or NotifyForm(
        employer=employer.slug, notify=representation.notify.value
    )
    state = dashboards.parse_state(request.args.get("state"))
    data = dashboards.dashboard(representation, _page(), utcnow(), state)
    commitment_form = forms.get("commitment_form") or CommitmentForm(
        employer=employer.slug, days=data.commitment.days if data.commitment else None
    )
    return render_template(
        "representatives/dashboard.html",
        data=data,
        employer=employer,
        notify_form=notify_form,
        notify_choices=NOTIFY_CHOICES,
        commitment_form=commitment_form,
        withdraw_form=EmployerForm(employer=employer.slug),
        states=dashboards.InboxState,
        state_labels=dashboards.STATE_LABELS,
        state_headings=dashboards.STATE_HEADINGS,
        min_responses=dashboards.MIN_RESPONSES_FOR_MEDIAN,
    ), status


@bp.get("/employer")
@login_required
def dashboard():
    slug = request.args.get("employer", "")
    if slug:
        return _dashboard_page(_representation(slug[:220]))
    representations = access.live_representations(current_user.id)
    if len(representations) == 1:
        return _dashboard_page(representations[0])
    # None: how to claim an employer (and the claims on their way). Several: pick one.
    return render_template(
        "representatives/dashboard.html",
        choices=representations,
        claims=claims.pending_claims(current_user.id),
    )


@bp.get("/employer/reviews.csv")
@login_required
def export():
    """The employer's published reviews as a spreadsheet: the public cards' fields only."""
    slug = request.args.get("employer", "")
    if slug:
        representation = _representation(slug[:220])
    else:
        representations = access.live_representations(current_user.id)
        if len(representations) != 1:
            abort(403 if not representations else 400)
        representation = representations[0]
    employer = representation.employer
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(dashboards.EXPORT_COLUMNS)
    for card in dashboards.export_cards(employer):
        link = site_link("reviews.show", public_id=card.public_id)
        writer.writerow([csv_cell(value) for value in dashboards.export_row(card, link)])
    response = Response(buffer.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="heardback-{employer.slug}-reviews.csv"'
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/employer/notifications")
@login_required
def notifications():
    representation = _representation(request.form.get("employer", "")[:220])
    form = NotifyForm()
    if not form.validate_on_submit():
        return _dashboard_page(representation, 422, notify_form=form)
    dashboards.set_notify(representation, form.value, utcnow())
    db.session.commit()
    flash("Your email setting is saved.", "success")
    return redirect(url_for(".dashboard", employer=representation.employer.slug))


@bp.post("/employer/commitment")
@login_required
def commitment():
    representation = _representation(request.form.get("employer", "")[:220])
    form = CommitmentForm()
    if not form.validate_on_submit():
        return _dashboard_page(representation, 422, commitment_form=form)
    try:
        commitments.publish_commitment(representation, form.days.data, utcnow())
        db.session.commit()
    except IntegrityError:  # a colleague published one at the same moment (one live per employer)
        db.session.rollback()
        flash("Someone else changed your commitment just now. Check it and try again.", "error")
        return redirect(url_for(".dashboard", employer=representation.employer.slug))
    except commitments.CommitmentRefused as refusal:  # replaced too soon by a weaker promise
        db.session.rollback()
        form.days.errors.append(str(refusal))
        return _dashboard_page(representation, 422, commitment_form=form)
    flash(
        f"Your commitment is published: every interviewed candidate hears back within "
        f"{form.days.data} days. Your public page shows it beside what reviews measure.",
        "success",
    )
    return redirect(url_for(".dashboard", employer=representation.employer.slug))


@bp.post("/employer/commitment/withdraw")
@login_required
def withdraw_commitment():
    representation = _representation(request.form.get("employer", "")[:220])
    form = EmployerForm()
    if not form.validate_on_submit():
        abort(400)
    if commitments.withdraw_commitment(representation.employer_id, utcnow()):
        flash("Your commitment is withdrawn; your public page no longer shows it.", "success")
    else:
        flash("There was no commitment to withdraw.", "info")
    db.session.commit()
    return redirect(url_for(".dashboard", employer=representation.employer.slug))


@bp.route("/employer/reviews/<public_id>/contacted", methods=["GET", "POST"])
@login_required
def contacted(public_id: str):
    """Saying "we have now contacted this candidate": GET explains and asks; POST records it."""
    review = contact_reports.published_review(public_id)
    if review is None:
        abort(404)
    representation = access.representation_for(current_user.id, review.employer_id)
    if representation is None:
        abort(403)
    employer = review.employer
    now = utcnow()
    form = ConfirmForm()
    refusal = contact_reports.contact_refusal(review, now)
    if refusal is None and form.validate_on_submit():
        result = contact_reports.report_contact(representation, review, now)
        if isinstance(result, ContactRefusal):
            refusal = result
        else:
            db.session.commit()
            send_contact_request(result)
            db.session.commit()  # the queued email
            flash(
                "Thank you. The candidate has been asked to confirm; their review changes only "
                "if they do.",
                "success",
            )
            return redirect(url_for(".dashboard", employer=employer.slug))
    return render_template(
        "representatives/contacted.html",
        form=form,
        employer=employer,
        card=public_view(values_of(review), employer, review=review),
        refusal=refusal,
    ), (409 if refusal is not None and request.method == "POST" else 200)
