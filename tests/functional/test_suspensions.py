"""Suspensions that can be appealed and lifted (issue 17): the suspended member is emailed the
reason's category and the address to appeal to (MODERATION_CONTACT), which the sign-in page shows
too; admins list suspended accounts by pseudonym and lift a suspension with a reason (one audit
row, an email that they can sign in again); only admins lift, and nobody lifts their own."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from accounts.models import Role
from extensions import db
from moderation import suspensions
from moderation.models import AuditAction, AuditLog
from moderation.queue import pseudonym
from moderation.suspensions import SuspensionError, lift_suspension, suspend_user
from tests.conftest import page_text, post_form
from tests.factories import UserFactory
from tests.functional.test_moderation_actions import act, fresh
from tests.functional.test_moderation_queue import (
    AUTHOR_EMAIL,
    PASSWORD,
    client_as,
    make_people,
    make_review,
    visible,
)
from tests.helpers import exact_dates
from timeutils import utcnow

CONTACT = "moderation@heardback.test"
NOTE = "Three sock-puppet accounts from one person."


@pytest.fixture
def people(app):
    return make_people()


@pytest.fixture
def review(people):
    return make_review(people)


def _rows(action: AuditAction) -> list[AuditLog]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditLog).where(AuditLog.action == action)))


def _suspend(app, people, review, category="fake_reviews"):
    client = client_as(app, people["moderator"])
    data = {"pseudonym": pseudonym(people["author"].id), "reason": NOTE, "category": category}
    return act(client, review, "suspend-author", data)


def _lift_url(user) -> str:
    return f"/moderation/suspensions/{pseudonym(user.id)}/lift"


# --- the suspension and its notice -------------------------------------------------------------


def test_a_suspended_member_is_told_why_and_where_to_appeal(app, people, review, outbox):
    assert _suspend(app, people, review).status_code == 302
    author = fresh(people["author"])
    assert author.is_suspended
    (row,) = _rows(AuditAction.suspend_user)
    assert row.details == {"category": "fake_reviews", "review_id": review.id}
    assert row.reason == NOTE
    (message,) = [m for m in outbox if m["To"] == AUTHOR_EMAIL]
    text = message.get_content()
    assert "Fake or manipulated reviews" in text
    assert CONTACT in text
    assert NOTE not in text  # the moderator's note stays in the audit log


def test_the_category_defaults_and_is_checked(app, people, review, outbox):
    client = client_as(app, people["moderator"])
    name = pseudonym(people["author"].id)
    bad = act(
        client, review, "suspend-author", {"pseudonym": name, "reason": NOTE, "category": "x"}
    )
    assert bad.status_code == 422
    assert "Choose one of the reasons listed." in page_text(bad)
    assert not fresh(people["author"]).is_suspended
    # An older page without the field: the default category.
    assert (
        act(client, review, "suspend-author", {"pseudonym": name, "reason": NOTE}).status_code
        == 302
    )
    assert _rows(AuditAction.suspend_user)[0].details["category"] == "guidelines"


def test_the_sign_in_page_gives_the_address(app, people, client):
    UserFactory(email="gone@example.org", verified=True, suspended=True)
    response = post_form(client, "/sign-in", {"email": "gone@example.org", "password": PASSWORD})
    text = page_text(response)
    assert "This account is suspended" in text and CONTACT in text


def test_the_address_is_configurable(app_factory):
    app = app_factory(MODERATION_CONTACT="appeals@example.net")
    with app.app_context():
        UserFactory(email="gone@example.org", verified=True, suspended=True)
        db.session.commit()
        response = post_form(
            app.test_client(), "/sign-in", {"email": "gone@example.org", "password": PASSWORD}
        )
        assert "appeals@example.net" in page_text(response)


# --- the list ----------------------------------------------------------------------------------


def test_admins_list_suspended_accounts_by_pseudonym(app, people, review):
    assert _suspend(app, people, review).status_code == 302
    author = people["author"]
    text = visible(client_as(app, people["admin"]).get("/moderation/suspensions"))
    assert pseudonym(author.id) in text
    assert "Fake or manipulated reviews" in text and NOTE in text
    assert AUTHOR_EMAIL not in text and "ysolde" not in text.lower()
    assert "1 suspended account" in text


@pytest.mark.parametrize(
    ("role", "status"), [("anonymous", 302), ("candidate", 403), ("moderator", 403)]
)
def test_only_admins_see_the_list_or_lift(app, people, review, role, status):
    people["author"].suspended_at = utcnow()
    db.session.commit()
    client = client_as(app, None if role == "anonymous" else people[role])
    assert client.get("/moderation/suspensions").status_code == status
    assert client.get(_lift_url(people["author"])).status_code == status


def test_the_review_page_offers_admins_the_lift(app, people, review):
    assert _suspend(app, people, review).status_code == 302
    page = f"/moderation/reviews/{review.public_id}"
    admin_page = client_as(app, people["admin"]).get(page).get_data(as_text=True)
    assert _lift_url(people["author"]).replace(" ", "%20") in admin_page
    moderator_page = client_as(app, people["moderator"]).get(page).get_data(as_text=True)
    assert "Lift the suspension" not in moderator_page


def test_an_empty_list_says_so_and_a_junk_page_is_the_first(app, people):
    client = client_as(app, people["admin"])
    assert "No account is suspended." in visible(client.get("/moderation/suspensions"))
    for junk in ("-1", "0", "x", "9" * 40, "<script>"):
        assert client.get(f"/moderation/suspensions?page={junk}").status_code == 200


# --- lifting -----------------------------------------------------------------------------------


def test_an_admin_lifts_a_suspension(app, people, review, outbox):
    assert _suspend(app, people, review).status_code == 302
    author = people["author"]
    outbox.clear()
    admin = client_as(app, people["admin"])
    form = admin.get(_lift_url(author))
    assert form.status_code == 200 and pseudonym(author.id) in visible(form)
    response = post_form(admin, _lift_url(author), {"reason": "Appeal by email: a shared flat."})
    assert response.status_code == 302
    assert "lifted" in visible(admin.get(response.headers["Location"]))
    assert not fresh(author).is_suspended
    (row,) = _rows(AuditAction.lift_suspension)
    assert (row.actor_id, row.target_type, row.target_id) == (people["admin"].id, "user", author.id)
    assert row.reason == "Appeal by email: a shared flat."
    (message,) = outbox
    assert message["To"] == AUTHOR_EMAIL and "sign in again" in message.get_content()
    assert "http://localhost/sign-in" in message.get_content()
    client_as(app, author)  # signs in again
    # Lifted: the page is gone (404), a second lift can't happen.
    assert admin.get(_lift_url(author)).status_code == 404


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ("", "Give a reason"),
        ("   ", "Give a reason"),
        ("x" * 501, "Keep the reason to 500 characters"),
        ("bad\x00byte", "invisible control characters"),
    ],
)
def test_a_lift_needs_a_proper_reason(app, people, reason, message):
    author = UserFactory(verified=True, suspended=True)
    admin = client_as(app, people["admin"])
    response = post_form(admin, _lift_url(author), {"reason": reason})
    assert response.status_code == 422
    assert message in page_text(response)
    assert fresh(author).is_suspended
    assert not _rows(AuditAction.lift_suspension)


def test_hostile_reasons_are_kept_as_typed_and_escaped(app, people):
    author = UserFactory(verified=True, suspended=True)
    admin = client_as(app, people["admin"])
    typed = "<script>alert(1)</script>" + "y" * 600
    response = post_form(admin, _lift_url(author), {"reason": typed})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<script>alert(1)</script>" not in body and "&lt;script&gt;alert(1)" in body
    hostile = "'; DROP TABLE users; -- <b>x</b>"
    assert post_form(admin, _lift_url(author), {"reason": hostile}).status_code == 302
    assert _rows(AuditAction.lift_suspension)[0].reason == hostile


def test_unknown_or_junk_pseudonyms_are_404(app, people):
    admin = client_as(app, people["admin"])
    for name in ("Member 000000", "x" * 500, "%00", "Member%20"):
        assert admin.get(f"/moderation/suspensions/{name}/lift").status_code == 404


def test_the_service_rules(app, people):
    admin, moderator = people["admin"], people["moderator"]
    member = UserFactory(verified=True, suspended=True)
    with app.test_request_context():
        with pytest.raises(SuspensionError) as refused:
            lift_suspension(member, moderator, "Appeal.")
        assert refused.value.status == 403
        with pytest.raises(SuspensionError, match="reason"):
            lift_suspension(member, admin, "  ")
        admin.suspended_at = utcnow()
        with pytest.raises(SuspensionError, match="your own"):
            lift_suspension(admin, admin, "Let me back in.")
        admin.suspended_at = None
        # The command line (actor None) may lift, and the row says nobody in the app did.
        lift_suspension(member, None, "Lifted from the console.")
        db.session.commit()
        with pytest.raises(SuspensionError, match="isn't suspended"):
            lift_suspension(member, admin, "Again.")
        db.session.rollback()
    (row,) = _rows(AuditAction.lift_suspension)
    assert row.actor_id is None and row.reason == "Lifted from the console."


def test_suspending_rules_in_the_service(app, people):
    moderator, admin = people["moderator"], people["admin"]
    other_moderator = UserFactory(role=Role.moderator, verified=True)
    with app.test_request_context():
        with pytest.raises(SuspensionError, match="Only an admin"):
            suspend_user(other_moderator, moderator, "x")
        with pytest.raises(SuspensionError, match="your own"):
            suspend_user(moderator, moderator, "x")
        with pytest.raises(SuspensionError, match="reasons listed"):
            suspend_user(people["candidate"], moderator, "x", category="nope")
        suspend_user(other_moderator, admin, "x", category="abuse")
        db.session.commit()
        with pytest.raises(SuspensionError, match="already"):
            suspend_user(other_moderator, admin, "x")
    assert fresh(other_moderator).is_suspended


def test_a_suspended_account_reveals_no_exact_review_date_to_admins(app, people, review):
    """The list shows the suspension's own date (a staff action), not the review's."""
    assert _suspend(app, people, review).status_code == 302
    text = visible(client_as(app, people["admin"]).get("/moderation/suspensions"))
    assert review.public_id not in text
    created = review.created_at.date()
    if created != utcnow().date():
        assert not any(spelling in text for spelling in exact_dates(created))
    assert suspensions.contact_address() in text


def test_the_queue_links_admins_to_the_list(app, people):
    assert "/moderation/suspensions" in client_as(app, people["admin"]).get("/moderation").get_data(
        as_text=True
    )
    assert "/moderation/suspensions" not in client_as(app, people["moderator"]).get(
        "/moderation"
    ).get_data(as_text=True)
