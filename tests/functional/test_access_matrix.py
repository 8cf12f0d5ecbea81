"""Every route in the URL map, for every kind of visitor: allowed or refused, so that a new route
without a guard, or a guard that lets the wrong visitor in, fails here.

A route is *allowed* for a visitor when the guard lets them through: any answer but 403, 404 or
a redirect to sign-in (a form may still answer 400 or 422 to the empty POST sent here). It is
*refused* otherwise. Every answer must be below 500. The table below names, for each endpoint
and method, who is allowed; a route that isn't in the table fails the test, so a new route can't
ship without a decision about who may use it.

The visitors: anonymous; a candidate; the author of the review used in the URLs; a
representative of that review's employer (A), an owner, and a colleague of theirs (issue 17:
everything but managing the team); a representative of another employer (B); a moderator; an
admin.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from accounts.models import Role
from moderation.queue import pseudonym
from representatives.models import RepresentativeRole
from reviews.models import Outcome, Stage
from tests.conftest import CSRF_INPUT
from tests.factories import (
    ApplicationFactory,
    ApplicationStepFactory,
    ClaimFactory,
    EmployerFactory,
    RepresentativeFactory,
    ResponseFactory,
    ReviewFactory,
    UserFactory,
)
from tests.helpers import report_review

PASSWORD = "correct horse battery"
ROLES = ("anonymous", "candidate", "author", "rep_a", "colleague_a", "rep_b", "moderator", "admin")
EVERYONE = frozenset(ROLES)
SIGNED_IN = EVERYONE - {"anonymous"}
AUTHOR = frozenset({"author"})
# A's representatives: its owner and the owner's colleague; only an owner manages the team.
REP_A = frozenset({"rep_a", "colleague_a"})
OWNER_A = frozenset({"rep_a"})
MODERATORS = frozenset({"moderator", "admin"})
ADMIN = frozenset({"admin"})
# Flags: any signed-in member but the review's own author.
FLAGGERS = SIGNED_IN - {"author"}
# The claim page of employer A: anyone signed in (a representative is told they already are).
# Representatives of A can't review A (DESIGN.md §7), so "write a review of A" refuses them.
NOT_REP_A = SIGNED_IN - REP_A
# A's reviewer can't become its representative (they would answer, and see the dashboard of, the
# employer they reviewed): the claim page refuses them.
CLAIMANTS_OF_A = SIGNED_IN - {"author"}

# (endpoint, method) -> who is allowed.
ACCESS: dict[tuple[str, str], frozenset[str]] = {
    # Public pages and data.
    ("pages.home", "GET"): EVERYONE,
    ("pages.methodology", "GET"): EVERYONE,
    ("pages.guidelines", "GET"): EVERYONE,
    ("pages.privacy", "GET"): EVERYONE,
    ("pages.healthz", "GET"): EVERYONE,
    ("employers.search", "GET"): EVERYONE,
    ("employers.suggest", "GET"): EVERYONE,
    ("employers.employer_page", "GET"): EVERYONE,
    ("employers.reviews", "GET"): EVERYONE,
    ("employers.rankings", "GET"): EVERYONE,
    ("badges.badge_svg", "GET"): EVERYONE,
    ("api.baselines", "GET"): EVERYONE,
    ("api.employers", "GET"): EVERYONE,
    ("api.employers_csv", "GET"): EVERYONE,
    ("api.employer", "GET"): EVERYONE,
    ("api.employer_reviews", "GET"): EVERYONE,
    ("api.openapi_document", "GET"): EVERYONE,
    ("reviews.show", "GET"): EVERYONE,
    ("static", "GET"): EVERYONE,
    # Accounts: the forms for visitors answer everyone (signed-in visitors may be sent on).
    ("accounts.sign_in", "GET"): EVERYONE,
    ("accounts.sign_in", "POST"): EVERYONE,
    ("accounts.sign_up", "GET"): EVERYONE,
    ("accounts.sign_up", "POST"): EVERYONE,
    ("accounts.reset_request", "GET"): EVERYONE,
    ("accounts.reset_request", "POST"): EVERYONE,
    ("accounts.reset_password", "GET"): EVERYONE,
    ("accounts.reset_password", "POST"): EVERYONE,
    ("accounts.verify_email", "GET"): EVERYONE,
    ("accounts.confirm_email_change", "GET"): EVERYONE,
    ("reviews.reminder", "GET"): EVERYONE,
    ("reviews.reminder", "POST"): EVERYONE,
    ("accounts.sign_out", "POST"): EVERYONE,  # signing out when signed out changes nothing
    ("accounts.resend_verification", "POST"): SIGNED_IN,
    ("accounts.account", "GET"): SIGNED_IN,
    ("accounts.change_email", "POST"): SIGNED_IN,
    ("accounts.change_password", "POST"): SIGNED_IN,
    ("accounts.delete_account", "GET"): SIGNED_IN,
    ("accounts.delete_account", "POST"): SIGNED_IN,
    # Writing reviews.
    ("reviews.new", "GET"): SIGNED_IN,
    ("reviews.new", "POST"): SIGNED_IN,
    ("employers.choose", "GET"): SIGNED_IN,
    ("employers.new", "GET"): SIGNED_IN,
    ("employers.new", "POST"): SIGNED_IN,
    ("reviews.mine", "GET"): SIGNED_IN,
    ("reviews.edit", "GET"): AUTHOR,
    ("reviews.edit", "POST"): AUTHOR,
    ("proofs.attach", "GET"): AUTHOR,
    ("proofs.attach", "POST"): AUTHOR,
    ("reviews.confirm_contact", "POST"): AUTHOR,
    ("reviews.deny_contact", "POST"): AUTHOR,
    # Flags.
    ("moderation.flag_review", "GET"): FLAGGERS,
    ("moderation.flag_review", "POST"): FLAGGERS,
    ("moderation.flag_review_sent", "GET"): SIGNED_IN,
    ("moderation.flag_response", "GET"): SIGNED_IN,
    ("moderation.flag_response", "POST"): SIGNED_IN,
    ("moderation.flag_response_sent", "GET"): SIGNED_IN,
    # The employer side.
    ("representatives.claim", "GET"): CLAIMANTS_OF_A,
    ("representatives.claim", "POST"): CLAIMANTS_OF_A,
    ("representatives.verify_claim", "GET"): SIGNED_IN,
    ("representatives.verify_claim", "POST"): SIGNED_IN,
    ("representatives.dashboard", "GET"): SIGNED_IN,
    # Without ?employer= it is the signed-in representative's own employer (B's for rep_b).
    ("representatives.export", "GET"): frozenset({"rep_a", "colleague_a", "rep_b"}),
    ("representatives.notifications", "POST"): REP_A,
    ("representatives.commitment", "POST"): REP_A,
    ("representatives.withdraw_commitment", "POST"): REP_A,
    # Leaving names one's own representation (rep_a's id here): not a colleague's, nobody else's.
    ("representatives.leave", "GET"): OWNER_A,
    ("representatives.leave", "POST"): OWNER_A,
    # The team page (representatives.team_routes): an owner's own team. A GET without ?employer=
    # shows one's own team (B's owner sees B's); another employer's slug is a 404 and a colleague
    # gets a 403 (more in tests/functional/test_representative_team.py).
    ("representatives.team_page", "GET"): frozenset({"rep_a", "rep_b"}),
    ("representatives.invite", "POST"): OWNER_A,
    ("representatives.cancel_invitation", "POST"): OWNER_A,
    ("representatives.remove_member", "POST"): OWNER_A,
    ("representatives.make_owner", "POST"): OWNER_A,
    # An invitation link: anyone signed in may open one (the placeholder token is refused, 400).
    ("representatives.invitation", "GET"): SIGNED_IN,
    ("representatives.invitation", "POST"): SIGNED_IN,
    ("representatives.contacted", "GET"): REP_A,
    ("representatives.contacted", "POST"): REP_A,
    ("responses.respond", "GET"): REP_A,
    ("responses.respond", "POST"): REP_A,
    # Moderators and admins.
    ("moderation.claims_queue", "GET"): MODERATORS,
    ("proofs.domains", "GET"): MODERATORS,
    ("proofs.accept_domain", "POST"): MODERATORS,
    ("proofs.refuse_domain", "POST"): MODERATORS,
    ("moderation.approve_claim", "POST"): MODERATORS,
    ("moderation.refuse_claim", "POST"): MODERATORS,
    ("moderation.representatives", "GET"): ADMIN,
    ("moderation.revoke_representative", "POST"): ADMIN,
    ("moderation.queue_page", "GET"): MODERATORS,
    ("moderation.review_page", "GET"): MODERATORS,
    # The queue's "next item" and bulk actions (moderation.queue_routes).
    ("moderation.next_item", "GET"): MODERATORS,
    ("moderation.bulk_dismiss_flags", "POST"): MODERATORS,
    ("moderation.bulk_publish", "POST"): MODERATORS,
    # The audit log (issue 17): read by moderators; its CSV export by admins only.
    ("moderation.audit_page", "GET"): MODERATORS,
    ("moderation.audit_csv", "GET"): ADMIN,
    ("moderation.merge", "GET"): MODERATORS,
    ("moderation.merge", "POST"): MODERATORS,
    **{
        (f"moderation.{action}", "POST"): MODERATORS
        for action in (
            "publish_review",
            "hide_review",
            "restore_review",
            "redact_review",
            "clear_burst",
            "publish_response",
            "hide_response",
            "restore_response",
            "redact_response",
            "dismiss_flag",
            "action_notice",
            "reject_notice",
            "suspend_author",
        )
    },
    # Suspended accounts and lifting a suspension (moderation.suspension_routes): admins only.
    ("moderation.suspensions_page", "GET"): ADMIN,
    ("moderation.lift_suspension", "GET"): ADMIN,
    ("moderation.lift_suspension", "POST"): ADMIN,
    # Privacy rights and transparency.
    ("accounts.export", "GET"): SIGNED_IN,
    ("moderation.transparency", "GET"): EVERYONE,
    # Legal notices: anyone may send one (they name themselves); only the author answers it.
    ("moderation.legal_notice", "GET"): EVERYONE,
    ("moderation.legal_notice", "POST"): EVERYONE,
    ("moderation.legal_notice_sent", "GET"): EVERYONE,
    ("moderation.notices_mine", "GET"): SIGNED_IN,
    ("moderation.notice_answer", "GET"): AUTHOR,
    ("moderation.notice_answer", "POST"): AUTHOR,
    # My applications (DESIGN.md §12): private; another member's id is a 404, like a missing one.
    ("applications.index", "GET"): SIGNED_IN,
    ("applications.new", "GET"): SIGNED_IN,
    ("applications.new", "POST"): SIGNED_IN,
    # Import, export and the calendar feed (applications.transfer_routes): one's own tracker. The
    # feed answers its secret address only, so the placeholder token is a 404 for everyone.
    ("applications.export_csv", "GET"): SIGNED_IN,
    ("applications.import_upload", "GET"): SIGNED_IN,
    ("applications.import_upload", "POST"): SIGNED_IN,
    ("applications.import_preview", "POST"): SIGNED_IN,
    ("applications.import_confirm", "POST"): SIGNED_IN,
    ("applications.calendar_page", "GET"): SIGNED_IN,
    ("applications.calendar_address", "POST"): SIGNED_IN,
    ("applications.calendar_off", "POST"): SIGNED_IN,
    ("applications.calendar_feed", "GET"): frozenset(),
    # The reminders' switches (applications.reminder_routes): all of one's own, and one's own one.
    ("applications.account_reminders", "POST"): SIGNED_IN,
    ("applications.application_reminders", "POST"): AUTHOR,
    **{
        (f"applications.{name}", method): AUTHOR
        for name, methods in (
            ("show", ("GET",)),
            ("edit", ("GET", "POST")),
            ("change_status", ("POST",)),
            ("delete", ("POST",)),
            ("new_step", ("GET", "POST")),
            ("edit_step", ("GET", "POST")),
            ("delete_step", ("POST",)),
        )
        for method in methods
    },
}


@pytest.fixture
def world(app):
    """Employer A with a published, waiting review (with a response, so the response routes have
    a target), its representative, another employer's representative, a moderator, an admin."""

    a, b = EmployerFactory(slug="employer-a"), EmployerFactory(slug="employer-b")
    users = {
        "candidate": UserFactory(email="candidate@example.org", verified=True),
        "author": UserFactory(email="author@example.org", verified=True),
        "rep_a": UserFactory(email="rep.a@example.org", verified=True),
        "colleague_a": UserFactory(email="colleague.a@example.org", verified=True),
        "rep_b": UserFactory(email="rep.b@example.org", verified=True),
        "moderator": UserFactory(email="moderator@example.org", verified=True, role=Role.moderator),
        "admin": UserFactory(email="admin@example.org", verified=True, role=Role.admin),
    }
    contact = date.today() - timedelta(days=40)
    review = ReviewFactory(
        author=users["author"],
        employer_id=a.id,
        stage=Stage.final,
        outcome=Outcome.waiting,
        process_month=(contact - timedelta(days=20)).replace(day=1),
        last_contact_on=contact,
    )
    rep_a = RepresentativeFactory(user_id=users["rep_a"].id, employer_id=a.id)
    RepresentativeFactory(
        user_id=users["colleague_a"].id, employer_id=a.id, role=RepresentativeRole.colleague
    )
    RepresentativeFactory(user_id=users["rep_b"].id, employer_id=b.id)
    ResponseFactory(review_id=review.id, employer_id=a.id, body="We are on it.")
    claim = ClaimFactory(
        awaiting=True,
        user_id=users["candidate"].id,
        employer_id=b.id,
        email="someone@b.example",
        email_domain="b.example",
    )
    flag, notice = report_review(review, users["candidate"])
    application = ApplicationFactory(user_id=users["author"].id, employer_id=a.id)
    step = ApplicationStepFactory(application_id=application.id)
    # Deleted by the author's POST; the other routes use the first one.
    spare = ApplicationFactory(user_id=users["author"].id, employer_id=b.id)
    # A suspended account, for the page that lifts a suspension (named by pseudonym).
    suspended = UserFactory(email="suspended@example.org", verified=True, suspended=True)
    return {
        "emails": {role: user.email for role, user in users.items()},
        "values": {
            "slug": a.slug,
            "public_id": review.public_id,
            "representative_id": rep_a.id,
            "token": "not-a-real-token",
            "claim_id": claim.id,
            "flag_id": flag.id,
            "notice_id": notice.id,
            "filename": "css/site.css",
            "application_id": application.id,
            "step_id": step.id,
            "spare_application_id": spare.id,
            "pseudonym": pseudonym(suspended.id),
        },
        "employer": a.slug,
    }


# POST forms that name the employer in the body.
NEEDS_EMPLOYER = {
    "representatives.notifications",
    "representatives.commitment",
    "representatives.withdraw_commitment",
    "representatives.invite",
    "representatives.cancel_invitation",
    "representatives.remove_member",
    "representatives.make_owner",
}
LAST = {
    ("applications.delete_step", "POST"),
    ("representatives.leave", "POST"),
    ("moderation.revoke_representative", "POST"),
    ("accounts.sign_out", "POST"),
}


def _url(rule, values: dict, employer: str) -> str:
    arguments = {name: values[name] for name in rule.arguments}
    if rule.endpoint == "applications.delete":
        arguments["application_id"] = values["spare_application_id"]
    path = rule.build(arguments, append_unknown=False)[1]
    if rule.endpoint == "moderation.representatives":
        path += f"?employer={employer}"
    return path


def _client(app, role: str, emails: dict):
    client = app.test_client()
    if role != "anonymous":
        response = _post(client, "/sign-in", {"email": emails[role], "password": PASSWORD})
        assert response.status_code == 302, role
    return client


def _post(client, path: str, data: dict):
    """A POST with a valid CSRF token, so that refusals come from the access rules."""
    page = client.get("/sign-in")
    if page.status_code != 200:  # signed in: sent on
        page = client.get("/account")
    found = CSRF_INPUT.search(page.get_data(as_text=True))
    token = next(group for group in found.groups() if group) if found else ""
    return client.post(path, data={**data, "csrf_token": token})


def _allowed(response) -> bool:
    if response.status_code in (403, 404):
        return False
    redirect = response.status_code in (301, 302, 303)
    return not (redirect and "/sign-in" in response.headers["Location"])


def _cases(app):
    for rule in app.url_map.iter_rules():
        for method in ("GET", "POST"):
            if method in rule.methods:
                yield rule, method


def test_every_route_has_an_entry(app):
    missing = sorted(
        f"{method} {rule.rule} ({rule.endpoint})"
        for rule, method in _cases(app)
        if (rule.endpoint, method) not in ACCESS
    )
    assert not missing, "routes without an access rule:\n" + "\n".join(missing)
    stale = sorted(
        f"{method} {endpoint}"
        for endpoint, method in ACCESS
        if not any(r.endpoint == endpoint and method in r.methods for r in app.url_map.iter_rules())
    )
    assert not stale, "entries for routes that don't exist:\n" + "\n".join(stale)


@pytest.mark.parametrize("role", ROLES)
def test_access_matrix(app, world, role):
    client = _client(app, role, world["emails"])
    wrong = []
    # Requests that end what the others need (a representation, a session) go last.
    for rule, method in sorted(
        _cases(app), key=lambda case: ((case[0].endpoint, case[1]) in LAST, case[0].rule, case[1])
    ):
        expected = ACCESS.get((rule.endpoint, method))
        if expected is None:
            continue  # test_every_route_has_an_entry reports it
        path = _url(rule, world["values"], world["employer"])
        data = {"employer": world["employer"]} if rule.endpoint in NEEDS_EMPLOYER else {}
        response = client.get(path) if method == "GET" else _post(client, path, data)
        if response.status_code >= 500:
            wrong.append(f"{method} {path}: {response.status_code}")
        elif _allowed(response) != (role in expected):
            verdict = "allowed" if _allowed(response) else "refused"
            wrong.append(f"{method} {path}: {verdict} ({response.status_code})")
        if rule.endpoint in ("accounts.sign_out", "accounts.sign_in") and role != "anonymous":
            client = _client(app, role, world["emails"])  # signed out (or in) by that request
    assert not wrong, f"as {role}:\n" + "\n".join(wrong)
