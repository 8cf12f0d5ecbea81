"""My applications (issue 16, DESIGN.md §12): the private tracker's routes, rules and privacy.

Every route is the owner's alone: anonymous visitors are sent to sign in, another member gets a
404 exactly like a missing id. Forms answer bad input with a message and keep what was typed.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from applications.models import Application, ApplicationStatus, ApplicationStep, StepKind
from applications.services import FOLLOW_UP_DAYS
from extensions import db
from moderation.merge import merge_employers
from tests.conftest import csrf_token, page_text, post_form
from tests.factories import (
    ApplicationFactory,
    ApplicationStepFactory,
    EmployerFactory,
    UserFactory,
)

PASSWORD = "correct horse battery"
NOTE = "Zorblax-7 salary band mentioned by the hiring manager"
TODAY = date.today()


@pytest.fixture
def mine(signed_in):
    """An application of the signed-in member, with one step."""
    employer = EmployerFactory(name="Quillfeather Analytics", slug="quillfeather-analytics")
    application = ApplicationFactory(
        user_id=signed_in.id, employer_id=employer.id, notes=NOTE, role_title="Data analyst"
    )
    step = ApplicationStepFactory(application_id=application.id, note=NOTE)
    return application, step


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def urls(application_id: int, step_id: int) -> list[tuple[str, str]]:
    base = f"/me/applications/{application_id}"
    return [
        ("GET", "/me/applications"),
        ("GET", "/me/applications/new"),
        ("POST", "/me/applications/new?employer=quillfeather-analytics"),
        ("GET", base),
        ("GET", base + "/edit"),
        ("POST", base + "/edit"),
        ("POST", base + "/status"),
        ("POST", base + "/delete"),
        ("GET", base + "/steps/new"),
        ("POST", base + "/steps/new"),
        ("GET", f"{base}/steps/{step_id}/edit"),
        ("POST", f"{base}/steps/{step_id}/edit"),
        ("POST", f"{base}/steps/{step_id}/delete"),
    ]


# --- who may see what --------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(app, client):
    application = ApplicationFactory()
    step = ApplicationStepFactory(application_id=application.id)
    for method, url in urls(application.id, step.id):
        response = client.open(url, method=method, data={})
        assert response.status_code in (302, 400), (method, url)
        if response.status_code == 302:
            assert "/sign-in" in response.headers["Location"], (method, url)
    assert count(Application) == 1


def test_another_member_gets_404_everywhere(client, auth, mine):
    application, step = mine
    auth.sign_out()
    UserFactory(email="other@example.org", password=PASSWORD, verified=True)
    assert auth.sign_in("other@example.org", PASSWORD).status_code == 302
    token = csrf_token(client, "/me/applications")
    for method, url in urls(application.id, step.id)[3:]:
        response = client.open(url, method=method, data={"csrf_token": token, "status": "decided"})
        assert response.status_code == 404, (method, url, response.status_code)
    assert NOTE not in page_text(client.get("/me/applications"))
    db.session.expire_all()
    assert count(Application) == 1 and count(ApplicationStep) == 1
    assert db.session.get(Application, application.id).status is ApplicationStatus.applied


def test_a_missing_application_or_step_is_404(client, mine):
    application, _ = mine
    assert client.get("/me/applications/999999").status_code == 404
    assert client.get(f"/me/applications/{application.id}/steps/999999/edit").status_code == 404
    other = ApplicationStepFactory()  # a step of someone else's application
    assert client.get(f"/me/applications/{application.id}/steps/{other.id}/edit").status_code == 404


def test_a_post_without_csrf_token_is_refused(client, mine):
    application, _ = mine
    response = client.post(f"/me/applications/{application.id}/delete")
    assert response.status_code == 400
    assert count(Application) == 1


# --- the list ----------------------------------------------------------------------------------


def test_the_list_shows_only_my_applications(client, mine):
    ApplicationFactory(role_title="Someone else's secret role")
    text = page_text(client.get("/me/applications"))
    assert "Quillfeather Analytics" in text and "Data analyst" in text
    assert "Someone else's secret role" not in text


def test_an_empty_list_says_so(client, signed_in):
    text = page_text(client.get("/me/applications"))
    assert "You aren't tracking any application yet" in text


def _order(client, query: str) -> list[str]:
    text = page_text(client.get("/me/applications" + query))
    names = ("Aardvark Ltd", "Mongoose Ltd", "Zebra Ltd")
    return sorted(names, key=text.index)


@pytest.fixture
def three(signed_in):
    made = {}
    for name, status, days_ago in (
        ("Zebra Ltd", ApplicationStatus.to_apply, None),
        ("Mongoose Ltd", ApplicationStatus.applied, 20),
        ("Aardvark Ltd", ApplicationStatus.waiting, 2),
    ):
        employer = EmployerFactory(name=name)
        applied = TODAY - timedelta(days=days_ago) if days_ago else None
        made[name] = ApplicationFactory(
            user_id=signed_in.id, employer_id=employer.id, status=status, applied_on=applied
        )
    return made


def test_the_list_sorts_by_next_action_employer_and_status(client, three):
    # Next action: Mongoose (applied 20 days ago) is due first; Zebra, still to apply, has none.
    assert _order(client, "") == ["Mongoose Ltd", "Aardvark Ltd", "Zebra Ltd"]
    assert _order(client, "?sort=next_action") == ["Mongoose Ltd", "Aardvark Ltd", "Zebra Ltd"]
    assert _order(client, "?sort=employer") == ["Aardvark Ltd", "Mongoose Ltd", "Zebra Ltd"]
    assert _order(client, "?sort=status") == ["Zebra Ltd", "Mongoose Ltd", "Aardvark Ltd"]


@pytest.mark.parametrize(
    "query", ["?sort=id;DROP TABLE applications", "?sort=", "?sort=%00", "?sort=a&sort=b", "?x=1"]
)
def test_hostile_sort_values_are_ignored(client, three, query):
    response = client.get("/me/applications" + query)
    assert response.status_code == 200
    assert _order(client, query) == ["Mongoose Ltd", "Aardvark Ltd", "Zebra Ltd"]


# --- adding an application ---------------------------------------------------------------------


def test_the_chooser_finds_the_employer_and_leads_to_the_form(client, signed_in):
    EmployerFactory(name="Quillfeather Analytics", slug="quillfeather-analytics")
    assert "Which employer did you apply to?" in page_text(client.get("/me/applications/new"))
    text = client.get("/me/applications/new?q=quillfeather").get_data(as_text=True)
    assert 'href="/me/applications/new?employer=quillfeather-analytics"' in text
    assert "Type at least two letters" in page_text(client.get("/me/applications/new?q=q"))
    form = page_text(client.get("/me/applications/new?employer=quillfeather-analytics"))
    assert "Your application to Quillfeather Analytics" in form


def test_an_unknown_or_unlisted_employer_is_404(client, signed_in):
    EmployerFactory(slug="hidden-co", unlisted=True)
    assert client.get("/me/applications/new?employer=no-such-employer").status_code == 404
    assert client.get("/me/applications/new?employer=hidden-co").status_code == 404
    assert client.get("/me/applications/new?employer=" + "x" * 500).status_code == 404


def _valid(**changes) -> dict:
    return {
        "role_title": "Backend engineer",
        "status": "applied",
        "applied_on": (TODAY - timedelta(days=3)).isoformat(),
        "channel": "referral",
        "posting_url": "https://jobs.example.com/42?ref=x",
        "notes": "Line one\nLine two",
        **changes,
    }


def test_adding_an_application(client, signed_in):
    employer = EmployerFactory(slug="quillfeather-analytics")
    url = "/me/applications/new?employer=quillfeather-analytics"
    response = post_form(client, url, _valid())
    assert response.status_code == 302
    application = db.session.scalar(select(Application))
    assert response.headers["Location"].endswith(f"/me/applications/{application.id}")
    assert application.user_id == signed_in.id and application.employer_id == employer.id
    assert application.role_title == "Backend engineer"
    assert application.notes == "Line one\nLine two"
    assert application.next_action_on == TODAY - timedelta(days=3) + timedelta(FOLLOW_UP_DAYS)
    shown = page_text(client.get(response.headers["Location"]))
    assert "Backend engineer" in shown and "Line one" in shown


def test_to_apply_needs_no_date_and_has_no_next_action(client, signed_in):
    EmployerFactory(slug="quillfeather-analytics")
    url = "/me/applications/new?employer=quillfeather-analytics"
    data = _valid(status="to_apply", applied_on="", channel="", posting_url="", notes="")
    assert post_form(client, url, data).status_code == 302
    application = db.session.scalar(select(Application))
    assert application.applied_on is None and application.next_action_on is None
    assert application.channel is None and application.posting_url is None


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"role_title": ""}, "Enter the role you applied for."),
        ({"role_title": "Dev\x00ops"}, "invisible control characters"),
        ({"role_title": "Dev\u202eops"}, "invisible control characters"),
        ({"role_title": "x" * 121}, "Keep the role under 120 characters."),
        ({"notes": "n" * 4001}, "Keep your notes under 4000 characters."),
        ({"notes": "bad \x07 bell"}, "invisible control characters"),
        ({"posting_url": "javascript:alert(1)"}, "starting with https://"),
        ({"posting_url": "https://"}, "starting with https://"),
        ({"posting_url": "https://exa mple.com"}, "starting with https://"),
        ({"posting_url": "https://x.com/" + "a" * 500}, "Keep the link under 500 characters."),
        ({"applied_on": ""}, "Enter the date you applied"),
        ({"applied_on": "not a date"}, "Not a valid date value."),
        ({"applied_on": "9999-12-31"}, "This date is in the future."),
        ({"applied_on": "0001-01-01"}, "Enter a date after 2000."),
        ({"status": "hired"}, "Not a valid choice."),
        ({"channel": "carrier pigeon"}, "Not a valid choice."),
    ],
)
def test_bad_input_is_answered_in_the_page_and_kept(client, signed_in, changes, message):
    EmployerFactory(slug="quillfeather-analytics")
    url = "/me/applications/new?employer=quillfeather-analytics"
    data = _valid(**{"role_title": "<script>alert(1)</script>", **changes})
    response = post_form(client, url, data)
    assert response.status_code == 422
    text = page_text(response)
    assert message in text
    assert "<script>alert(1)</script>" not in response.get_data(as_text=True)
    typed = changes.get("notes", "Line one\nLine two")
    if "\x07" not in typed:
        assert typed in text
    assert count(Application) == 0


def test_script_in_a_role_is_kept_as_text(client, signed_in):
    EmployerFactory(slug="quillfeather-analytics")
    url = "/me/applications/new?employer=quillfeather-analytics"
    post_form(client, url, _valid(role_title="<script>alert(1)</script>"))
    application = db.session.scalar(select(Application))
    body = client.get(f"/me/applications/{application.id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


# --- editing, status, deleting -----------------------------------------------------------------


def test_editing_an_application(client, mine):
    application, _ = mine
    url = f"/me/applications/{application.id}/edit"
    assert "Data analyst" in page_text(client.get(url))
    response = post_form(client, url, _valid(role_title="Senior data analyst", notes=""))
    assert response.status_code == 302
    db.session.expire_all()
    edited = db.session.get(Application, application.id)
    assert edited.role_title == "Senior data analyst" and edited.notes is None
    # The step still decides the next action: its promise.
    assert edited.next_action_on == TODAY - timedelta(days=3) + timedelta(days=7)


def test_a_bad_edit_changes_nothing(client, mine):
    application, _ = mine
    url = f"/me/applications/{application.id}/edit"
    response = post_form(client, url, _valid(role_title="\x00"))
    assert response.status_code == 422
    db.session.expire_all()
    assert db.session.get(Application, application.id).role_title == "Data analyst"


def test_changing_the_status(client, mine):
    application, _ = mine
    url = f"/me/applications/{application.id}/status"
    page = f"/me/applications/{application.id}"
    assert post_form(client, url, {"status": "decided"}, page=page).status_code == 302
    db.session.expire_all()
    changed = db.session.get(Application, application.id)
    assert changed.status is ApplicationStatus.decided and changed.next_action_on is None
    response = post_form(client, url, {"status": "hired"}, page=page)
    assert response.status_code == 422 and "Not a valid choice." in page_text(response)


def test_a_status_that_needs_a_date_is_refused_without_one(client, signed_in):
    application = ApplicationFactory(
        user_id=signed_in.id, status=ApplicationStatus.to_apply, applied_on=None
    )
    url = f"/me/applications/{application.id}/status"
    response = post_form(
        client, url, {"status": "waiting"}, page=f"/me/applications/{application.id}"
    )
    assert response.status_code == 422
    assert "Enter the date you applied first" in page_text(response)
    db.session.expire_all()
    assert db.session.get(Application, application.id).status is ApplicationStatus.to_apply


def test_deleting_an_application_deletes_its_steps(client, mine):
    application, _ = mine
    page = f"/me/applications/{application.id}"
    response = post_form(client, page + "/delete", page=page)
    assert response.status_code == 302 and response.headers["Location"].endswith("/me/applications")
    assert count(Application) == 0 and count(ApplicationStep) == 0


# --- steps -------------------------------------------------------------------------------------


def test_adding_a_step_with_a_promise_sets_the_next_action(client, mine):
    application, _ = mine
    url = f"/me/applications/{application.id}/steps/new"
    day = TODAY - timedelta(days=1)
    data = {"kind": "offer", "happened_on": day.isoformat(), "promised_by": "", "note": "Call"}
    data["promised_days"] = "5"
    assert post_form(client, url, data).status_code == 302
    db.session.expire_all()
    changed = db.session.get(Application, application.id)
    assert [step.kind for step in changed.steps] == [StepKind.interview, StepKind.offer]
    assert changed.next_action_on == day + timedelta(days=5)
    text = page_text(client.get(f"/me/applications/{application.id}"))
    assert "Offer" in text and (day + timedelta(days=5)).isoformat() in text


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"happened_on": ""}, "Enter the date it happened."),
        ({"happened_on": "2999-01-01"}, "This date is in the future."),
        ({"kind": "party"}, "Not a valid choice."),
        ({"promised_days": "366"}, "Enter a number of days from 0 to 365."),
        ({"promised_days": "-1"}, "Enter a number of days from 0 to 365."),
        ({"promised_days": "9" * 20}, "Enter a number of days from 0 to 365."),
        ({"promised_days": "seven"}, "Not a valid integer value."),
        ({"promised_days": "7", "promised_by": TODAY.isoformat()}, "not both"),
        ({"promised_by": "2001-01-01"}, "can't be before the step"),
        ({"promised_by": "9999-12-31"}, "within 365 days of the step"),
        ({"note": "x" * 1001}, "Keep the note under 1000 characters."),
        ({"note": "a\x1bb"}, "invisible control characters"),
    ],
)
def test_bad_steps_are_answered_in_the_page(client, mine, changes, message):
    application, _ = mine
    url = f"/me/applications/{application.id}/steps/new"
    data = {
        "kind": "interview",
        "happened_on": TODAY.isoformat(),
        "promised_days": "",
        "promised_by": "",
        "note": "Kept note",
        **changes,
    }
    response = post_form(client, url, data)
    assert response.status_code == 422
    text = page_text(response)
    assert message in text
    if "note" not in changes:
        assert "Kept note" in text
    assert count(ApplicationStep) == 1


def test_editing_and_deleting_a_step(client, mine):
    application, step = mine
    url = f"/me/applications/{application.id}/steps/{step.id}/edit"
    assert NOTE in page_text(client.get(url))
    day = TODAY - timedelta(days=2)
    data = {"kind": "assignment", "happened_on": day.isoformat(), "promised_days": ""}
    data |= {"promised_by": (day + timedelta(days=10)).isoformat(), "note": ""}
    assert post_form(client, url, data).status_code == 302
    db.session.expire_all()
    edited = db.session.get(ApplicationStep, step.id)
    assert edited.kind is StepKind.assignment and edited.promised_days is None
    assert db.session.get(Application, application.id).next_action_on == day + timedelta(10)

    page = f"/me/applications/{application.id}"
    delete = f"{page}/steps/{step.id}/delete"
    assert post_form(client, delete, page=page).status_code == 302
    assert count(ApplicationStep) == 0
    db.session.expire_all()
    # Back to the follow-up after applying.
    left = db.session.get(Application, application.id)
    assert left.next_action_on == left.applied_on + timedelta(days=FOLLOW_UP_DAYS)


# --- privacy: export, deletion, nothing public -------------------------------------------------


def test_the_export_holds_my_applications_and_steps(client, mine):
    data = json.loads(client.get("/me/export").get_data(as_text=True))
    [application] = data["applications"]
    assert application["employer"]["name"] == "Quillfeather Analytics"
    assert application["notes"] == NOTE and application["status"] == "applied"
    assert application["steps"][0]["note"] == NOTE
    assert application["steps"][0]["promised_days"] == 7
    assert "user_id" not in application and "id" not in application


def test_deleting_the_account_deletes_the_tracker(client, mine):
    response = post_form(
        client,
        "/account/delete",
        {"reviews": "delete", "current_password": PASSWORD, "confirm": "y"},
    )
    assert response.status_code == 302, page_text(response)[:2000]
    assert count(Application) == 0 and count(ApplicationStep) == 0


def test_tracker_data_is_on_no_public_page(client, auth, mine):
    application, _ = mine
    employer = application.employer
    auth.sign_out()
    for url in (
        f"/employers/{employer.slug}",
        f"/employers/{employer.slug}/reviews",
        f"/api/v1/employers/{employer.slug}",
        f"/api/v1/employers/{employer.slug}/reviews",
        "/api/v1/employers.csv",
        "/employers?q=quillfeather",
    ):
        response = client.get(url)
        assert response.status_code < 500, url
        assert NOTE not in response.get_data(as_text=True), url
        assert "Data analyst" not in response.get_data(as_text=True), url


def test_the_nav_links_to_the_tracker(client, signed_in):
    assert 'href="/me/applications"' in client.get("/me").get_data(as_text=True)


def test_a_merge_moves_tracked_applications_without_counting_them(app, signed_in):
    source = EmployerFactory(name="Quillfeather Old")
    target = EmployerFactory(name="Quillfeather Analytics")
    application = ApplicationFactory(user_id=signed_in.id, employer_id=source.id)
    moved = merge_employers(source, target, actor_id=None)
    db.session.commit()
    assert db.session.get(Application, application.id).employer_id == target.id
    assert "applications" not in moved


def test_the_list_runs_a_fixed_number_of_queries(client, signed_in, query_counter):
    ApplicationFactory(user_id=signed_in.id)
    with query_counter() as few:
        client.get("/me/applications")
    for _ in range(5):
        ApplicationFactory(user_id=signed_in.id)
    with query_counter() as many:
        assert client.get("/me/applications?sort=employer").status_code == 200
    assert len(few) == len(many)


def test_an_employer_added_from_the_tracker_leads_back_to_it(client, signed_in):
    text = page_text(client.get("/me/applications/new?q=Brandnew Widgets"))
    assert "Add “Brandnew Widgets” as a new employer" in text
    page = "/employers/new?name=Brandnew+Widgets&then=application"
    form = client.get(page).get_data(as_text=True)
    assert 'action="/employers/new?then=application"' in form
    response = post_form(
        client, "/employers/new?then=application", {"name": "Brandnew Widgets"}, page=page
    )
    assert response.status_code == 302, page_text(response)[:1500]
    assert "/me/applications/new?employer=" in response.headers["Location"]
    assert client.get(response.headers["Location"]).status_code == 200  # unlisted, but theirs
    # A hostile or unknown ?then= leads to the review form, as before.
    response = post_form(
        client, "/employers/new?then=//evil.example", {"name": "Other Widgets Co"}, page=page
    )
    assert response.headers["Location"].startswith("/reviews/new?employer=")


def test_a_step_moves_the_status_and_an_overdue_action_is_marked(client, signed_in):
    employer = EmployerFactory(name="Overdue Works", slug="overdue-works")
    application = ApplicationFactory(
        user_id=signed_in.id, employer_id=employer.id, applied_on=TODAY - timedelta(days=30)
    )
    response = post_form(
        client,
        f"/me/applications/{application.id}/steps/new",
        {"kind": "interview", "happened_on": (TODAY - timedelta(days=20)).isoformat(),
         "promised_days": "7"},
    )  # fmt: skip
    assert response.status_code == 302
    page = page_text(client.get(f"/me/applications/{application.id}"))
    assert "The step is added. Status: In process." in page
    due = (TODAY - timedelta(days=13)).isoformat()
    assert f'{due} <strong class="overdue">overdue</strong>: they promised' in page
    assert "overdue" in page_text(client.get("/me/applications"))


def test_a_step_before_applying_is_refused_with_a_message(client, signed_in):
    employer = EmployerFactory(name="Order Works", slug="order-works")
    applied = TODAY - timedelta(days=5)
    application = ApplicationFactory(
        user_id=signed_in.id, employer_id=employer.id, applied_on=applied
    )
    typed = (applied - timedelta(days=10)).isoformat()
    response = post_form(
        client,
        f"/me/applications/{application.id}/steps/new",
        {"kind": "interview", "happened_on": typed, "note": "kept note"},
    )
    assert response.status_code == 422
    text = page_text(response)
    assert f"This is before the date you applied ({applied.isoformat()})" in text
    assert typed in text and "kept note" in text  # nothing typed is lost
    assert count(ApplicationStep, ApplicationStep.application_id == application.id) == 0


def test_the_date_applied_cannot_move_after_the_first_step(client, mine):
    application, step = mine
    late = (step.happened_on + timedelta(days=1)).isoformat()
    response = post_form(
        client,
        f"/me/applications/{application.id}/edit",
        {"role_title": "Data analyst", "status": "applied", "applied_on": late, "channel": ""},
    )
    assert response.status_code == 422
    assert f"Your first step is dated {step.happened_on.isoformat()}" in page_text(response)
    db.session.refresh(application)
    assert application.applied_on != date.fromisoformat(late)
