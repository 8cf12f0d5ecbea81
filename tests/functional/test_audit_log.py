"""The audit log, readable (DESIGN.md §8; issue 17): /moderation/audit for moderators and
admins, its CSV for admins, and who acted and when on a review's history. Actions go through the
real forms (CSRF on) so the rows are the ones the site writes; the log never names a member by
email or account id, and a representative's report can't lead to a review's author."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from accounts.models import Role
from extensions import db
from moderation import audit, audit_log
from moderation.models import AuditAction, AuditLog
from moderation.queue import pseudonym
from tests.conftest import page_text, post_form
from tests.factories import ClaimFactory, ReviewFactory, UserFactory
from tests.functional.test_moderation_queue import (
    AUTHOR_EMAIL,
    FLAGGER_EMAIL,
    REP_EMAIL,
    client_as,
    make_flag,
    make_people,
    make_review,
    visible,
)
from timeutils import utcnow

AUDIT = "/moderation/audit"
CSV_URL = "/moderation/audit.csv"


@pytest.fixture
def people(app):
    return make_people()


@pytest.fixture
def review(people):
    return make_review(people)


@pytest.fixture
def moderator(app, people):
    return client_as(app, people["moderator"])


@pytest.fixture
def admin(app, people):
    return client_as(app, people["admin"])


def review_url(review, action: str = "") -> str:
    return f"/moderation/reviews/{review.public_id}{'/' + action if action else ''}"


def act(client, review, action: str, data: dict):
    response = post_form(client, review_url(review, action), data, page=review_url(review))
    assert response.status_code == 302, page_text(response)
    return response


def rows() -> list[AuditLog]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditLog).order_by(AuditLog.id)))


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def many_rows(actor, count: int, start=None):
    """`count` rows, one minute apart, the newest last."""
    start = start or utcnow() - timedelta(days=1)
    for number in range(count):
        row = audit.record(actor.id, AuditAction.publish, "review", 999_000 + number, f"#{number}")
        row.created_at = start + timedelta(minutes=number)
    db.session.commit()


# --- who may read it ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "page", "csv_status"),
    [
        ("anonymous", 302, 302),
        ("candidate", 403, 403),
        ("representative", 403, 403),
        ("moderator", 200, 403),
        ("admin", 200, 200),
    ],
)
def test_access(app, people, role, page, csv_status):
    client = client_as(app, people.get(role))
    assert client.get(AUDIT).status_code == page
    assert client.get(CSV_URL).status_code == csv_status


def test_every_action_has_a_label_and_every_kind_of_target_a_name():
    assert set(audit_log.ACTION_LABELS) == set(AuditAction)
    assert all(label and "_" not in label for label in audit_log.ACTION_LABELS.values())
    assert {"review", "response", "flag", "claim", "employer", "user"} <= set(
        audit_log.TARGET_TYPES
    )


# --- what the actions write, as the log shows them --------------------------------------------


def test_actions_are_shown_with_who_what_on_what_why_and_when(app, people, review, moderator):
    flag = make_flag(review, reporter=people["candidate"])
    claim = ClaimFactory(awaiting=True, employer_id=people["employer"].id, email="x@snork.example")
    act(moderator, review, f"flags/{flag.id}/dismiss", {"reason": "Nothing wrong here."})
    act(moderator, review, "hide", {"guideline": "abusive", "reason": "Insults the panel."})
    shown = pseudonym(people["author"].id)
    act(moderator, review, "suspend-author", {"reason": "Serial abuse.", "pseudonym": shown})
    refused = post_form(
        moderator,
        f"/moderation/claims/{claim.id}/refuse",
        {"note": "Not their domain."},
        page="/moderation/claims",
    )
    assert refused.status_code == 302
    actions = [row.action for row in rows()]
    assert actions == [
        AuditAction.dismiss_flag,
        AuditAction.hide,
        AuditAction.suspend_user,
        AuditAction.refuse_claim,
    ]

    response = moderator.get(AUDIT)
    assert response.status_code == 200
    text = visible(response)
    me = audit_log.staff_label(people["moderator"])
    assert me.startswith("Moderator ") and text.count(me) >= 4
    for label in ("Report dismissed", "Hidden", "Account suspended", "Claim refused"):
        assert label in text
    for reason in (
        "Nothing wrong here.",
        "Insults the panel.",
        "Serial abuse.",
        "Not their domain.",
    ):
        assert reason in text
    assert "4 actions" in text
    # Time to the minute, UTC.
    assert rows()[0].created_at.strftime("%Y-%m-%d %H:%M") in text
    # Targets: the review's moderation page, the account only as its pseudonym.
    body = response.get_data(as_text=True)
    assert f'href="{review_url(review)}"' in body
    assert f"A review of {people['employer'].name}" in text
    assert f"Account: {shown}" in text
    assert "Guideline: Abusive" in text
    assert "Report reason: personal information" in text
    assert "A claim on snork.example to represent Snorkeldown Analytics" in text
    # Raw codes aren't the labels.
    assert "dismiss_flag" not in text and "suspend_user" not in text


def test_claim_approvals_are_in_the_log(app, people, moderator):
    claim = ClaimFactory(awaiting=True, employer_id=people["employer"].id, email="hr@snork.example")
    approved = post_form(
        moderator, f"/moderation/claims/{claim.id}/approve", {}, page="/moderation/claims"
    )
    assert approved.status_code == 302
    (row,) = rows()
    assert (row.action, row.target_type, row.target_id) == (
        AuditAction.approve_claim,
        "claim",
        claim.id,
    )
    text = visible(moderator.get(AUDIT, query_string={"action": "approve_claim"}))
    assert "Claim approved" in text and "Domain snork.example" in text
    assert "hr@snork.example" not in text


def test_staff_codes_are_not_the_members_pseudonyms(app, people):
    moderator = people["moderator"]
    label = audit_log.staff_label(moderator)
    assert label.rsplit(" ", 1)[-1] not in pseudonym(moderator.id)
    assert audit_log.actor_label(None, None) == "Command line"
    assert audit_log.actor_label(moderator.id, Role.candidate).startswith("Former staff ")


def test_review_history_shows_who_acted_and_when(app, people, review, moderator):
    act(moderator, review, "hide", {"guideline": "spam", "reason": "An advert."})
    row = rows()[-1]
    text = visible(moderator.get(review_url(review)))
    history = text.split("Moderation history", 1)[1]
    assert audit_log.staff_label(people["moderator"]) in history
    assert f"{row.created_at.strftime('%Y-%m-%d %H:%M')} UTC" in history
    assert "Hidden" in history and "An advert." in history


# --- filters -----------------------------------------------------------------------------------


def test_filters_by_action_actor_target_and_date(app, people, review, moderator, admin):
    act(moderator, review, "hide", {"guideline": "spam", "reason": "Moderator hid it."})
    act(admin, review, "restore", {"reason": "Admin restored it."})
    old = audit.record(None, AuditAction.grant_role, "user", people["moderator"].id, "Old grant.")
    old.created_at = utcnow() - timedelta(days=30)
    db.session.commit()

    def shown(**query) -> str:
        response = moderator.get(AUDIT, query_string=query)
        assert response.status_code == 200
        return visible(response)

    text = shown(action="hide")
    assert "Moderator hid it." in text and "Admin restored it." not in text
    text = shown(actor=audit_log.staff_label(people["admin"]))
    assert "Admin restored it." in text and "Moderator hid it." not in text
    # Typed loosely: lower case, just the code.
    code = audit_log.staff_label(people["admin"]).rsplit(" ", 1)[-1]
    assert "Admin restored it." in shown(actor=code.lower())
    text = shown(actor="command line")
    assert "Old grant." in text and "Moderator hid it." not in text
    text = shown(target_type="review", target=str(review.id))
    assert "Moderator hid it." in text and "Old grant." not in text
    assert "No action in the log matches" in shown(target_type="review", target="424242")
    assert "No action in the log matches" in shown(actor="Moderator 000000")
    since = (utcnow() - timedelta(days=1)).date().isoformat()
    text = shown(date_from=since)
    assert "Moderator hid it." in text and "Old grant." not in text
    until = (utcnow() - timedelta(days=2)).date().isoformat()
    text = shown(date_to=until)
    assert "Old grant." in text and "Moderator hid it." not in text
    # A role change names the account by its staff label; other accounts by their pseudonym.
    label = audit_log.staff_label(people["moderator"])
    assert "Old grant." in shown(target_type="user", target=label)


def test_accounts_are_found_by_pseudonym_never_by_number(app, people, review, moderator):
    author = people["author"]
    act(
        moderator, review, "suspend-author", {"reason": "Abuse.", "pseudonym": pseudonym(author.id)}
    )
    found = visible(
        moderator.get(AUDIT, query_string={"target_type": "user", "target": pseudonym(author.id)})
    )
    assert "Abuse." in found
    response = moderator.get(AUDIT, query_string={"target_type": "user", "target": str(author.id)})
    assert response.status_code == 200
    text = visible(response)
    assert "found by their pseudonym" in text
    # The refused value is ignored, not applied: the row is still listed.
    assert "Abuse." in text


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"date_from": "2026-02-30"}, "isn't a date we can read"),
        ({"date_from": "yesterday"}, "isn't a date we can read"),
        ({"date_to": "99999-01-01"}, "YYYY-MM-DD"),
        ({"date_from": "2026-03-02", "date_to": "2026-03-01"}, "end date is before the start"),
        ({"action": "delete_everything"}, "Choose one of the actions listed."),
        ({"target_type": "password"}, "Choose one of the kinds listed."),
        ({"target": "42"}, "Choose what kind of thing was acted on"),
        ({"target_type": "review", "target": "-1"}, "Give a whole number"),
        ({"target_type": "review", "target": "99999999999999999999"}, "Give a whole number"),
        ({"actor": "x" * 500}, "60 characters or fewer"),
        ({"actor": "Moderator\x00"}, "control characters"),
        ({"page": "abc"}, "here is the first page"),
        ({"page": "-3"}, "here is the first page"),
    ],
)
def test_bad_filters_are_answered_in_the_page(app, people, review, moderator, query, message):
    act(moderator, review, "hide", {"guideline": "spam", "reason": "Still listed."})
    response = moderator.get(AUDIT, query_string=query)
    assert response.status_code == 200
    text = visible(response)
    assert message in text
    assert "Still listed." in text  # what couldn't be used is left out, the rest applies


def test_hostile_values_come_back_escaped_and_kept(app, people, moderator):
    payload = '<script>alert("x")</script>'
    response = moderator.get(AUDIT, query_string={"actor": payload[:60]})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert payload not in body
    assert "&lt;script&gt;" in body  # kept in its field, escaped
    sql = "' OR 1=1 --"
    response = moderator.get(AUDIT, query_string={"actor": sql, "target_type": "review"})
    assert response.status_code == 200
    assert "No action in the log matches" in visible(response)


# --- pagination --------------------------------------------------------------------------------


def test_paginated_newest_first_with_a_count(app, people, moderator):
    many_rows(people["moderator"], 120)
    first = moderator.get(AUDIT)
    text = visible(first)
    assert "120 actions, page 1 of 3" in text
    assert "#119" in text and "#70" in text and "#69" not in text
    assert text.index("#119") < text.index("#118")
    body = first.get_data(as_text=True)
    assert 'rel="next"' in body and 'rel="prev"' not in body
    last = visible(moderator.get(AUDIT, query_string={"page": 3}))
    assert "#19" in last and "#0" in last and "#20" not in last
    beyond = visible(moderator.get(AUDIT, query_string={"page": 9}))
    assert "There is no page 9" in beyond
    # Filters carry over to the other pages.
    filtered = moderator.get(AUDIT, query_string={"action": "publish", "page": 2})
    assert "action=publish" in filtered.get_data(as_text=True)


def test_a_page_costs_the_same_queries_whatever_it_shows(app, people, review, query_counter):
    mixed = [
        (AuditAction.hide, "review", review.id, {"guideline": "spam"}),
        (AuditAction.suspend_user, "user", people["author"].id, {"review_id": review.id}),
        (AuditAction.grant_role, "user", people["moderator"].id, {"from": "candidate"}),
        (AuditAction.approve_claim, "claim", ClaimFactory().id, {"employer_id": 1}),
        (AuditAction.merge_employers, "employer", people["employer"].id, {"moved": {}}),
        (AuditAction.dismiss_flag, "flag", make_flag(review).id, {"review_id": review.id}),
    ]

    def add(times: int) -> None:
        for _ in range(times):
            for action, kind, target_id, details in mixed:
                audit.record(people["admin"].id, action, kind, target_id, "x", details)
        db.session.commit()

    def count() -> int:
        filters = audit_log.build_filters()
        with app.test_request_context(), query_counter() as statements:
            page = audit_log.page_of(filters)
            audit_log.entries(page.items, admin=True)
            audit_log.known_actors()
        return len(statements)

    add(1)
    few = count()
    add(8)
    assert count() == few


# --- the admins' CSV ---------------------------------------------------------------------------


def test_csv_for_admins_with_the_same_filters_and_neutral_cells(app, people, review, admin):
    act(admin, review, "hide", {"guideline": "spam", "reason": '=HYPERLINK("http://x","y")'})
    act(admin, review, "restore", {"reason": "Back."})
    response = admin.get(CSV_URL)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Cache-Control"] == "no-store"
    assert "attachment" in response.headers["Content-Disposition"]
    table = csv_rows(response)
    assert table[0] == audit_log.CSV_COLUMNS
    assert [line[2] for line in table[1:]] == ["Restored", "Hidden"]
    hidden = table[2]
    assert hidden[7] == '\'=HYPERLINK("http://x","y")'
    assert hidden[1] == audit_log.staff_label(people["admin"])
    assert hidden[6].startswith("http") and review.public_id in hidden[6]
    only = csv_rows(admin.get(CSV_URL, query_string={"action": "restore"}))
    assert len(only) == 2 and only[1][2] == "Restored"
    # Filters it can't use: the page says so rather than a CSV of something else.
    refused = admin.get(CSV_URL, query_string={"date_from": "not a date"})
    assert refused.status_code == 422
    assert "isn't a date we can read" in visible(refused)


# --- anonymity ---------------------------------------------------------------------------------


def test_the_log_never_names_a_member_or_leads_from_a_representative_to_an_author(
    app, people, moderator, admin
):
    # A large id, so that finding it in the page means it was shown.
    author = UserFactory(id=987_654, email="hidden.author-8812@example.org", verified=True)
    review = ReviewFactory(author=author, employer_id=people["employer"].id)
    reported = make_flag(
        review, reporter=people["representative"], representative=people["representation"]
    )
    act(moderator, review, f"flags/{reported.id}/dismiss", {"reason": "Not a violation."})
    act(
        admin,
        review,
        "suspend-author",
        {"reason": "Fake reviews.", "pseudonym": pseudonym(author.id)},
    )
    secrets = [
        author.email,
        AUTHOR_EMAIL,
        REP_EMAIL,
        FLAGGER_EMAIL,
        people["moderator"].email,
        people["admin"].email,
        "987654",
        # The representative who reported: not by pseudonym either.
        pseudonym(people["representative"].id),
    ]
    page = moderator.get(AUDIT).get_data(as_text=True)
    exported = admin.get(CSV_URL).get_data(as_text=True)
    history = moderator.get(review_url(review)).get_data(as_text=True)
    history = history.split("Moderation history", 1)[1]
    for text in (page, exported, history):
        for secret in secrets:
            assert secret not in text
    # The dismissed report names the review, not who wrote it or who sent the report.
    dismissed = visible(moderator.get(AUDIT, query_string={"action": "dismiss_flag"}))
    assert "A report on a review of Snorkeldown Analytics" in dismissed
    assert pseudonym(author.id) not in dismissed
    # The representative can't read the log at all.
    rep = client_as(app, people["representative"])
    assert rep.get(AUDIT).status_code == 403
    assert rep.get(CSV_URL).status_code == 403


def test_the_queue_links_to_the_log(app, moderator):
    body = moderator.get("/moderation").get_data(as_text=True)
    assert f'href="{AUDIT}"' in body
