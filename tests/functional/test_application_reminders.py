"""My applications' reminder emails from `tick` (issue 16; applications.reminders) and their off
switches, on a controlled clock.

A passed promised date gets one follow-up email (with a follow-up the candidate can copy); a
silence longer than the employer's typical time to a decision gets one "are they still in
touch?"; both only for open applications of verified, active accounts whose switches are on.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select, update

from accounts.services import delete_account
from applications import reminders, services, transfer
from applications.models import Application, ApplicationStatus, StepKind
from extensions import db
from notifications.models import OutgoingMail
from operations.tick import TickReport, tick
from tests.conftest import csrf_token, page_text, post_form
from tests.factories import (
    ApplicationFactory,
    EmployerFactory,
    SiteParametersFactory,
    UserFactory,
)

NOW = datetime(2026, 3, 17, 9, 30)  # naive UTC, as stored
TODAY = NOW.date()
NOTHING = TickReport()
EMPLOYER = "Quillfeather Analytics"
ROLE = "Data analyst"


@pytest.fixture
def clock():
    with time_machine.travel(NOW.replace(tzinfo=UTC), tick=False) as traveller:
        yield traveller


@pytest.fixture
def site(app, clock):
    """The site's parameters, computed "in the future", so the tick's daily rebuild of the
    statistics rows leaves the figures a test gives an employer alone."""
    return SiteParametersFactory(computed_on=TODAY + timedelta(days=1000), baselines=None)


@pytest.fixture
def owner(site):
    return UserFactory(email="tracker.owner@example.org", verified=True)


@pytest.fixture
def employer(site):
    return EmployerFactory(name=EMPLOYER, slug="quillfeather-analytics")


def track(
    owner,
    employer,
    applied_days_ago: int | None = 20,
    *,
    status: ApplicationStatus = ApplicationStatus.applied,
    steps=(),
    role: str = ROLE,
    **columns,
) -> Application:
    """An application made as the tracker makes one (its next action derived), with steps given
    as (kind, days ago, {promised_days or promised_by})."""
    applied = TODAY - timedelta(days=applied_days_ago) if applied_days_ago is not None else None
    application = services.create_application(
        owner.id, employer, {"role_title": role, "applied_on": applied, "status": status}
    )
    for kind, days_ago, promise in steps:
        services.add_step(
            application,
            {"kind": kind, "happened_on": TODAY - timedelta(days=days_ago), **promise},
        )
    for name, value in columns.items():
        setattr(application, name, value)
    db.session.commit()
    return application


def promised(days_ago: int, within: int) -> tuple:
    """An interview `days_ago` days ago, with an answer promised within `within` days."""
    return (StepKind.interview, days_ago, {"promised_days": within})


def fresh(application: Application) -> Application:
    db.session.expire_all()
    return db.session.get(Application, application.id)


def give_figures(employer, typical_days: int, basis: str = "employer") -> None:
    """The employer's published "what to expect" (scoring.figures.expectation)."""
    employer.stats.figures = {
        "expect": {
            "basis": basis,
            "typical_days": typical_days,
            "follow_up_after": typical_days,
            "move_on_after": 2 * typical_days,
        }
    }
    db.session.commit()


def body(message) -> str:
    return message.get_content()


def test_an_imported_spreadsheet_of_old_applications_brings_no_burst(owner, employer, outbox):
    """Fifty old open applications imported at once: no "still in touch?" email for the
    silence they came in with; a recent one keeps its question for later."""
    old = [
        transfer.Candidate(
            row=number,
            employer=employer,
            name_in_file=EMPLOYER,
            values={
                "role_title": f"Role {number}",
                "applied_on": TODAY - timedelta(days=60 + number),
                "status": ApplicationStatus.applied,
            },
        )
        for number in range(50)
    ]
    recent = transfer.Candidate(
        row=99,
        employer=employer,
        name_in_file=EMPLOYER,
        values={
            "role_title": "Recent role",
            "applied_on": TODAY - timedelta(days=3),
            "status": ApplicationStatus.applied,
        },
    )
    transfer.import_candidates(owner.id, [*old, recent])
    db.session.commit()

    assert tick() == NOTHING
    assert outbox == []
    # Later, the recent one's silence grows past the typical time: its question comes.
    with time_machine.travel((NOW + timedelta(days=40)).replace(tzinfo=UTC), tick=False):
        report = tick(NOW + timedelta(days=40))
    assert report.application_still_in_touch == 1
    assert ["Recent role" in body(message) for message in outbox] == [True]


# --- promised date passed ----------------------------------------------------------------------


def test_a_passed_promise_gets_one_follow_up_email(owner, employer, outbox):
    application = track(owner, employer, 20, steps=[promised(10, 7)])  # promised 3 days ago

    first = tick()
    second = tick()

    assert first == TickReport(application_follow_ups=1)
    assert second == NOTHING
    assert len(outbox) == 1
    message = outbox[0]
    assert message["To"] == owner.email
    assert message["Subject"] == f"Time to follow up with {EMPLOYER}?"
    text = body(message)
    assert f"Subject: Following up on my application for {ROLE}" in text
    assert "Thank you again for the interview on 7 March 2026." in text
    assert "You mentioned you'd get back to me by 14 March 2026" in text
    assert f"http://localhost/me/applications/{application.id}\n" in text
    assert "http://localhost/me/applications#reminders" in text
    assert "Turn off" in text
    assert fresh(application).follow_up_reminded_for == date(2026, 3, 14)


def test_the_email_goes_through_the_mail_queue(owner, employer, outbox):
    track(owner, employer, 20, steps=[promised(10, 7)])

    queued = reminders.queue_reminders(NOW)

    assert (queued.follow_ups, queued.still_in_touch, queued.failed) == (1, 0, 0)
    assert outbox == []  # nothing is sent while reminders are reserved
    row = db.session.scalar(select(OutgoingMail))
    assert row.recipient == owner.email
    assert "Following up on my application" in row.body


def test_not_before_the_promised_date(owner, employer, outbox, clock):
    application = track(owner, employer, 20, steps=[promised(7, 7)])  # promised for today

    assert tick() == NOTHING
    clock.shift(timedelta(days=1))
    assert tick() == TickReport(application_follow_ups=1)
    assert tick() == NOTHING
    assert len(outbox) == 1
    assert fresh(application).follow_up_reminded_for == TODAY


def test_a_new_promise_gets_its_own_reminder(owner, employer, outbox, clock):
    application = track(owner, employer, 20, steps=[promised(10, 7)])
    assert tick() == TickReport(application_follow_ups=1)

    services.add_step(
        fresh(application),
        {"kind": StepKind.interview, "happened_on": TODAY, "promised_by": TODAY + timedelta(2)},
    )
    db.session.commit()
    assert tick() == NOTHING
    clock.shift(timedelta(days=3))
    assert tick() == TickReport(application_follow_ups=1)
    assert tick() == NOTHING

    assert len(outbox) == 2
    assert "get back to me by 19 March 2026" in body(outbox[1])
    assert fresh(application).follow_up_reminded_for == TODAY + timedelta(days=2)


def test_a_late_run_catches_up_once_and_an_old_promise_gets_only_the_silence_question(
    owner, employer, outbox
):
    recent = track(owner, employer, 60, steps=[promised(20, 5)])  # promised 15 days ago
    old = track(owner, employer, 90, steps=[promised(60, 14)])  # promised 46 days ago

    assert tick() == TickReport(application_follow_ups=1, application_still_in_touch=1)
    assert tick() == NOTHING
    assert fresh(recent).follow_up_reminded_for == TODAY - timedelta(days=15)
    assert fresh(old).follow_up_reminded_for is None
    assert fresh(old).silence_reminded_for == TODAY - timedelta(days=60)


# --- still in touch? ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("figures", "site_days", "threshold", "words"),
    [
        ((40, "employer"), None, 40, f"heard back from {EMPLOYER} mostly did within 40 days"),
        ((35, "industry"), None, 35, "employers in Quillfeather Analytics's industry"),
        (None, 20, 20, "employers on HeardBack mostly did within 20 days"),
        (None, None, 2 * services.FOLLOW_UP_DAYS, "longer than we'd usually expect"),
        ((3, "employer"), None, reminders.SILENCE_MIN_DAYS, "mostly did within 3 days"),
        ((200, "site"), None, reminders.SILENCE_MAX_DAYS, "mostly did within 200 days"),
    ],
)
def test_silence_after_the_employers_typical_time(
    owner, employer, site, outbox, clock, figures, site_days, threshold, words
):
    if figures:
        give_figures(employer, *figures)
    if site_days:
        site.baselines = {"site": {"authors": 12, "days": {"answered_p80": site_days}}}
        db.session.commit()
    application = track(owner, employer, threshold)  # silent for exactly the typical time

    assert tick() == NOTHING
    clock.shift(timedelta(days=1))
    assert tick() == TickReport(application_still_in_touch=1)
    assert tick() == NOTHING

    assert len(outbox) == 1
    message = outbox[0]
    assert message["Subject"] == f"Are you still in touch with {EMPLOYER}?"
    text = body(message)
    assert words in text
    assert f"that's {threshold + 1} days" in text
    assert f"/me/applications/{application.id}/steps/new" in text
    assert f"/me/applications/{application.id}#change-status" in text
    assert "http://localhost/me/applications#reminders" in text
    assert fresh(application).silence_reminded_for == application.applied_on


def test_a_site_figure_from_too_few_candidates_is_not_used(owner, employer, site, outbox):
    site.baselines = {"site": {"authors": 2, "days": {"answered_p80": 10}}}
    db.session.commit()
    track(owner, employer, 20)  # past 10 days, not past the default 28

    assert tick() == NOTHING


def test_once_per_silence_and_again_after_something_happens(owner, employer, outbox, clock):
    application = track(owner, employer, 20)
    reports = []
    for _ in range(60):
        reports.append(tick())
        clock.shift(timedelta(days=1))
    assert sum(report.application_still_in_touch for report in reports) == 1
    assert reports[9].application_still_in_touch == 1  # day 29 after applying

    services.add_step(
        fresh(application), {"kind": StepKind.screen, "happened_on": TODAY + timedelta(60)}
    )
    db.session.commit()
    later = []
    for _ in range(40):
        later.append(tick())
        clock.shift(timedelta(days=1))
    assert sum(report.application_still_in_touch for report in later) == 1
    assert later[29].application_still_in_touch == 1
    assert len(outbox) == 2


def test_no_silence_question_while_a_promise_is_pending(owner, employer, outbox):
    long_promise = (StepKind.interview, 50, {"promised_by": TODAY + timedelta(days=5)})
    track(owner, employer, 80, steps=[long_promise])

    assert tick() == NOTHING
    assert outbox == []


def test_a_follow_up_is_not_followed_by_the_silence_question(owner, employer, outbox, clock):
    """Promised 30 days after a step 60 days ago: both are due; only the follow-up goes, and
    it closes that silence."""
    application = track(owner, employer, 90, steps=[promised(60, 30)])

    assert tick() == TickReport(application_follow_ups=1)
    for _ in range(30):
        clock.shift(timedelta(days=1))
        assert tick() == NOTHING
    assert len(outbox) == 1
    assert fresh(application).silence_reminded_for == TODAY - timedelta(days=60)


# --- who gets none -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "status", [ApplicationStatus.to_apply, ApplicationStatus.decided, ApplicationStatus.withdrawn]
)
def test_none_for_an_application_not_open(owner, employer, outbox, status):
    applied = None if status is ApplicationStatus.to_apply else 100
    steps = [] if applied is None else [promised(10, 7)]
    track(owner, employer, applied, status=status, steps=steps)
    # Even with a stale next action stored (an older row, an import).
    db.session.execute(update(Application).values(next_action_on=TODAY - timedelta(days=3)))
    db.session.commit()

    assert tick() == NOTHING
    assert outbox == []


@pytest.mark.parametrize("status", [ApplicationStatus.in_process, ApplicationStatus.waiting])
def test_open_applications_in_any_open_status_get_them(owner, employer, outbox, status):
    track(owner, employer, 20, status=status, steps=[promised(10, 7)])

    assert tick() == TickReport(application_follow_ups=1)


def test_none_when_this_applications_reminders_are_off(owner, employer, outbox):
    track(owner, employer, 20, steps=[promised(10, 7)], reminders=False)
    track(owner, employer, 60, reminders=False)

    assert tick() == NOTHING
    assert outbox == []


def test_none_when_the_accounts_reminders_are_off(owner, employer, outbox):
    track(owner, employer, 20, steps=[promised(10, 7)])
    track(owner, employer, 60)
    owner.application_reminders = False
    db.session.commit()

    assert tick() == NOTHING
    assert outbox == []


@pytest.mark.parametrize(
    "account",
    [
        {"verified": True, "suspended": True},
        {"verified": False},
        {"verified": True, "email": "demo-user-1@example.invalid"},
    ],
    ids=["suspended", "unverified", "demo address"],
)
def test_none_for_accounts_that_get_no_mail(site, employer, outbox, account):
    user = UserFactory(**account)
    track(user, employer, 20, steps=[promised(10, 7)])
    track(user, employer, 60)

    assert tick() == NOTHING
    assert outbox == []


def test_none_after_the_account_is_deleted(owner, employer, outbox):
    track(owner, employer, 20, steps=[promised(10, 7)])
    delete_account(owner, keep_reviews=False)
    db.session.commit()

    assert tick() == NOTHING
    assert db.session.scalar(select(func.count()).select_from(Application)) == 0


# --- safe when runs overlap or fail ------------------------------------------------------------


def test_a_reminder_reserved_by_another_run_meanwhile_is_not_queued(
    owner, employer, outbox, monkeypatch
):
    application = track(owner, employer, 20, steps=[promised(10, 7)])
    batches = reminders._batches

    def racing(query):
        for rows in batches(query):
            db.session.execute(
                update(Application)
                .where(Application.id == application.id)
                .values(follow_up_reminded_for=TODAY - timedelta(days=3))
                .execution_options(synchronize_session=False)
            )
            yield rows

    monkeypatch.setattr(reminders, "_batches", racing)

    assert tick() == NOTHING
    assert outbox == []


def test_a_change_since_the_choice_stops_the_reminder(owner, employer, outbox, monkeypatch):
    """The candidate records a new step between the run's choice and its reservation."""
    application = track(owner, employer, 20, steps=[promised(10, 7)])
    choose = reminders.due_reminders

    def then_a_new_step(*args):
        chosen = choose(*args)
        db.session.execute(
            update(Application)
            .where(Application.id == application.id)
            .values(next_action_on=TODAY + timedelta(days=7))
        )
        return chosen

    monkeypatch.setattr(reminders, "due_reminders", then_a_new_step)

    assert tick() == NOTHING
    assert fresh(application).follow_up_reminded_for is None


def test_a_reminder_that_could_not_be_queued_is_tried_again(owner, employer, outbox, monkeypatch):
    application = track(owner, employer, 20, steps=[promised(10, 7)])

    def broken(reminder):
        raise RuntimeError("template missing")

    monkeypatch.setattr(reminders, "queue_email", broken)
    failed = tick()
    assert fresh(application).follow_up_reminded_for is None
    monkeypatch.undo()
    retried = tick()

    assert failed == TickReport(failed_reminders=1)
    assert retried == TickReport(application_follow_ups=1)
    assert len(outbox) == 1


# --- privacy -----------------------------------------------------------------------------------


def test_each_email_is_its_owners_own(owner, employer, outbox):
    other = UserFactory(email="someone.else@example.org", verified=True)
    mine = track(owner, employer, 20, steps=[promised(10, 7)], notes="Zorblax private note")
    theirs = track(
        other,
        employer,
        20,
        steps=[promised(9, 7)],
        role="Vexillology strategist",
        notes="Quonk salary band",
    )

    assert tick() == TickReport(application_follow_ups=2)

    by_recipient = {message["To"]: body(message) for message in outbox}
    assert set(by_recipient) == {owner.email, other.email}
    own, their = by_recipient[owner.email], by_recipient[other.email]
    for needle in ("Vexillology", "Quonk", other.email, f"/me/applications/{theirs.id}"):
        assert needle not in own
    for needle in (ROLE, "Zorblax", owner.email, f"/me/applications/{mine.id}\n"):
        assert needle not in their
    # Private notes stay on the tracker's pages, even in the owner's own email.
    assert "Zorblax" not in own


# --- the report --------------------------------------------------------------------------------


def test_the_report_says_what_was_queued(owner, employer, outbox, runner):
    track(owner, employer, 20, steps=[promised(10, 7)])
    track(owner, employer, 60)

    first = runner.invoke(args=["heardback", "tick"])
    second = runner.invoke(args=["heardback", "tick"])

    assert first.exit_code == 0, first.output
    assert "Application follow-up reminders queued: 1" in first.output
    assert 'Application "still in touch?" reminders queued: 1' in first.output
    assert "Application follow-up reminders queued: 0" in second.output
    assert 'Application "still in touch?" reminders queued: 0' in second.output
    assert len(outbox) == 2
    assert "Application follow-up reminders queued: 0" in NOTHING.lines()


# --- the off switches --------------------------------------------------------------------------


@pytest.fixture
def mine(signed_in):
    employer = EmployerFactory(name=EMPLOYER, slug="quillfeather-analytics")
    return ApplicationFactory(user_id=signed_in.id, employer_id=employer.id)


def switch_url(application) -> str:
    return f"/me/applications/{application.id}/reminders"


def test_turning_one_applications_reminders_off_and_on(client, mine):
    page = f"/me/applications/{mine.id}"
    assert "Reminders: <strong>on</strong>" in page_text(client.get(page))

    response = post_form(client, switch_url(mine), {"reminders": "off"}, page=page)

    assert response.status_code == 302
    assert response.headers["Location"] == page
    assert fresh(mine).reminders is False
    shown = page_text(client.get(page))
    assert "Reminders: <strong>off</strong>" in shown and "Turn on" in shown

    # Sent twice, it stays where it was put.
    post_form(client, switch_url(mine), {"reminders": "off"}, page=page)
    assert fresh(mine).reminders is False
    post_form(client, switch_url(mine), {"reminders": "on"}, page=page)
    assert fresh(mine).reminders is True


def test_turning_every_applications_reminders_off_and_on(client, signed_in, mine):
    url = "/me/applications/reminders"
    index = "/me/applications"
    assert "Reminder emails" in page_text(client.get(index))

    response = post_form(client, url, {"reminders": "off"}, page=index)

    assert response.status_code == 302
    assert response.headers["Location"] == index
    db.session.expire_all()
    assert signed_in.application_reminders is False
    assert fresh(mine).reminders is True  # the application's own switch is left as it was
    assert "off for all your applications" in page_text(client.get(index))
    assert "off for all your applications" in page_text(client.get(f"{index}/{mine.id}"))

    post_form(client, url, {"reminders": "on"}, page=index)
    db.session.expire_all()
    assert signed_in.application_reminders is True


def test_another_members_application_is_a_404(client, signed_in, mine):
    other = ApplicationFactory()
    token = csrf_token(client, "/me/applications")

    for application_id in (other.id, 999_999):
        response = client.post(
            f"/me/applications/{application_id}/reminders",
            data={"reminders": "off", "csrf_token": token},
        )
        assert response.status_code == 404
    assert fresh(other).reminders is True


def test_sign_in_is_required(client, app):
    application = ApplicationFactory()
    for url in (switch_url(application), "/me/applications/reminders"):
        response = client.post(url, data={"reminders": "off"})
        assert response.status_code in (302, 400)
        if response.status_code == 302:
            assert "/sign-in" in response.headers["Location"]
    assert fresh(application).reminders is True


def test_sign_in_is_required_even_with_a_valid_token(client, app):
    application = ApplicationFactory()
    token = csrf_token(client, "/sign-in")
    for url in (switch_url(application), "/me/applications/reminders"):
        response = client.post(url, data={"reminders": "off", "csrf_token": token})
        assert response.status_code == 302
        assert "/sign-in" in response.headers["Location"]


def test_the_switches_need_a_csrf_token(client, signed_in, mine):
    for url in (switch_url(mine), "/me/applications/reminders"):
        missing = client.post(url, data={"reminders": "off"})
        forged = client.post(url, data={"reminders": "off", "csrf_token": "forged"})
        assert missing.status_code == 400
        assert forged.status_code == 400
    assert fresh(mine).reminders is True
    db.session.expire_all()
    assert signed_in.application_reminders is True


HOSTILE = [
    {},
    {"reminders": ""},
    {"reminders": "maybe"},
    {"reminders": "ON"},
    {"reminders": "off\x00"},
    {"reminders": "\u202eoff"},
    {"reminders": "x" * 5000},
    {"reminders": ["on", "off"]},
]


@pytest.mark.parametrize("data", HOSTILE)
def test_hostile_values_are_refused_without_a_change(client, signed_in, mine, data):
    token = csrf_token(client, f"/me/applications/{mine.id}")
    for url in (switch_url(mine), "/me/applications/reminders"):
        response = client.post(url, data={**data, "csrf_token": token})
        assert response.status_code < 500
        if data.get("reminders") != ["on", "off"]:  # the first of two values counts
            assert response.status_code == 400
    assert fresh(mine).reminders is True
    db.session.expire_all()
    assert signed_in.application_reminders is True


def test_a_json_body_is_refused(client, signed_in, mine):
    token = csrf_token(client, f"/me/applications/{mine.id}")
    response = client.post(
        switch_url(mine), json={"reminders": "off"}, headers={"X-CSRFToken": token}
    )
    assert response.status_code == 400
    assert fresh(mine).reminders is True
