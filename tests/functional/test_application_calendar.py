"""The iCal feed of follow-up dates (issue 16): a secret, revocable address that calendar apps
fetch without signing in, parsed back here with icalendar as a calendar app would."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from applications import calendar
from applications.models import ApplicationFeed, ApplicationStatus
from extensions import db
from tests.conftest import csrf_token, page_text
from tests.factories import (
    ApplicationFactory,
    ApplicationStepFactory,
    EmployerFactory,
    UserFactory,
)

PAGE = "/me/applications/calendar"
FEED_URL = re.compile(r'value="(http://localhost/me/applications/calendar/[A-Za-z0-9_-]+\.ics)"')
TODAY = date.today()
NOTE = "Zorblax-7 salary band mentioned by the hiring manager"


def turn_on(client) -> str:
    """Turn the feed on (or make a new address); the address's path, from the page."""
    response = client.post(PAGE + "/address", data={"csrf_token": csrf_token(client, PAGE)})
    assert response.status_code == 200
    found = FEED_URL.search(response.get_data(as_text=True))
    assert found, page_text(response)
    return found.group(1).removeprefix("http://localhost")


def events(response) -> list:
    return Calendar.from_ical(response.get_data()).walk("VEVENT")


@pytest.fixture
def tracked(signed_in):
    quill = EmployerFactory(name="Quillfeather Analytics", slug="quillfeather-analytics")
    bramble = EmployerFactory(name="Bramblecote Logistics", slug="bramblecote-logistics")
    promised = ApplicationFactory(
        user_id=signed_in.id,
        employer_id=quill.id,
        role_title="Data analyst",
        notes=NOTE,
        posting_url="https://jobs.example.com/secret-posting",
    )
    ApplicationStepFactory(
        application_id=promised.id, happened_on=TODAY - timedelta(days=3), promised_days=7
    )
    db.session.refresh(promised)
    promised.next_action_on = TODAY + timedelta(days=4)
    silent = ApplicationFactory(
        user_id=signed_in.id,
        employer_id=bramble.id,
        role_title="Planner",
        applied_on=TODAY - timedelta(days=10),
        next_action_on=TODAY + timedelta(days=4),
    )
    ApplicationFactory(  # decided: nothing to follow up
        user_id=signed_in.id,
        employer_id=bramble.id,
        role_title="Buyer",
        status=ApplicationStatus.decided,
        next_action_on=None,
    )
    db.session.commit()
    return promised, silent


def test_the_feed_lists_follow_ups_and_parses_back(app, client, tracked):
    promised, _silent = tracked
    path = turn_on(client)
    anonymous = app.test_client()  # a calendar app: no session
    response = anonymous.get(path)
    assert response.status_code == 200
    assert response.content_type == "text/calendar; charset=utf-8"
    assert "no-store" in response.headers["Cache-Control"]
    assert response.headers["Referrer-Policy"] == "no-referrer"

    feed = Calendar.from_ical(response.get_data())
    assert str(feed["X-WR-CALNAME"]) == calendar.CALENDAR_NAME
    found = {str(event["SUMMARY"]): event for event in feed.walk("VEVENT")}
    assert set(found) == {
        "Follow up: Data analyst at Quillfeather Analytics",
        "Follow up: Planner at Bramblecote Logistics",
    }
    first = found["Follow up: Data analyst at Quillfeather Analytics"]
    assert first.decoded("DTSTART") == TODAY + timedelta(days=4)  # an all-day date
    assert first.decoded("DTEND") == TODAY + timedelta(days=5)
    assert f"They promised an answer by {(TODAY + timedelta(days=4)).isoformat()}" in str(
        first["DESCRIPTION"]
    )
    assert str(first["URL"]) == f"http://localhost/me/applications/{promised.id}"
    second = found["Follow up: Planner at Bramblecote Logistics"]
    assert "time to follow up" in str(second["DESCRIPTION"])
    body = response.get_data(as_text=True)
    assert NOTE not in body and "secret-posting" not in body and "Buyer" not in body

    # Stable: the same events, the same UIDs, on the next fetch.
    again = {str(event["UID"]) for event in events(anonymous.get(path))}
    assert again == {str(event["UID"]) for event in found.values()}
    assert all(re.fullmatch(r"[0-9a-f]{32}@heardback", uid) for uid in again)  # no row ids


def test_the_address_is_shown_once_and_only_its_hash_is_kept(client, tracked, signed_in):
    path = turn_on(client)
    token = path.rsplit("/", 1)[1].removesuffix(".ics")
    stored = db.session.get(ApplicationFeed, signed_in.id)
    assert stored.token_hash == calendar.token_hash(token) and token not in stored.token_hash
    page = page_text(client.get(PAGE))
    assert token not in page
    assert "The feed is <strong>on</strong>" in page
    assert "Make a new address" in page and "Turn the feed off" in page


def test_the_page_warns_that_the_address_is_secret(client, tracked):
    response = client.post(PAGE + "/address", data={"csrf_token": csrf_token(client, PAGE)})
    text = page_text(response)
    assert "Keep it secret: anyone with it sees your follow-up dates" in text
    assert "we show it only this once" in text
    assert "webcal://localhost/me/applications/calendar/" in text


def test_a_new_address_revokes_the_old_one(app, client, tracked):
    old = turn_on(client)
    new = turn_on(client)
    assert old != new
    anonymous = app.test_client()
    assert anonymous.get(old).status_code == 404
    assert anonymous.get(new).status_code == 200
    assert db.session.scalar(select(func.count()).select_from(ApplicationFeed)) == 1


def test_turning_the_feed_off_revokes_it(app, client, tracked):
    path = turn_on(client)
    response = client.post(PAGE + "/off", data={"csrf_token": csrf_token(client, PAGE)})
    assert response.status_code == 302
    assert "its address no longer works" in page_text(client.get(PAGE))
    assert app.test_client().get(path).status_code == 404
    assert "The feed is <strong>off</strong>" in page_text(client.get(PAGE))


def test_unknown_revoked_and_malformed_tokens_answer_the_same_404(app, client, tracked):
    path = turn_on(client)
    client.post(PAGE + "/off", data={"csrf_token": csrf_token(client, PAGE)})
    anonymous = app.test_client()
    answers = [
        anonymous.get(url)
        for url in (
            path,  # revoked
            "/me/applications/calendar/" + "A" * 43 + ".ics",  # unknown
            "/me/applications/calendar/" + "A" * 500 + ".ics",  # too long
            "/me/applications/calendar/%C3%A9t%C3%A9.ics",  # not ASCII
        )
    ]
    assert {response.status_code for response in answers} == {404}
    bodies = {page_text(response) for response in answers}
    assert len(bodies) == 1


def test_a_feed_shows_only_its_owners_applications(app, client, tracked):
    other = UserFactory(email="other@example.org", verified=True)
    ApplicationFactory(user_id=other.id, role_title="Someone else's secret role")
    path = turn_on(client)
    body = app.test_client().get(path).get_data(as_text=True)
    assert "Someone else's secret role" not in body


def test_an_empty_feed_is_a_valid_calendar(app, client, signed_in):
    path = turn_on(client)
    response = app.test_client().get(path)
    assert response.status_code == 200
    assert events(response) == []


def test_the_feed_is_rate_limited_per_address(app_factory):
    app = app_factory(RATELIMIT_APPLICATION_FEED="2 per minute")
    user = UserFactory(email="candidate@example.org", verified=True)
    token = calendar.new_address(user.id)
    db.session.commit()
    client = app.test_client()
    path = f"/me/applications/calendar/{token}.ics"
    assert [client.get(path).status_code for _ in range(3)] == [200, 200, 429]


def test_the_calendar_page_and_its_buttons_need_sign_in(client):
    assert "/sign-in" in client.get(PAGE).headers["Location"]
    for url in (PAGE + "/address", PAGE + "/off"):
        response = client.post(url, data={})
        assert response.status_code in (302, 400)


def test_the_buttons_need_a_csrf_token(client, signed_in):
    for url in (PAGE + "/address", PAGE + "/off"):
        response = client.post(url, data={})
        assert response.status_code == 400 and "security token" in page_text(response)
    assert db.session.scalar(select(func.count()).select_from(ApplicationFeed)) == 0
