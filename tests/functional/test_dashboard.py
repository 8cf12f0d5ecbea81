"""The representative's dashboard (/employer) and its new-review emails (DESIGN.md §7).

What a representative sees of reviews is what the public sees: the tests seed distinctive author
emails and exact dates and look for them on the dashboard and in every email.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from accounts.models import User
from extensions import db
from operations.tick import tick
from representatives.models import EndReason, Notify, Representative
from reviews.models import Outcome, Review, ReviewStatus, Stage
from scoring.stats import refresh_employer
from tests.conftest import csrf_token, page_text, post_form
from tests.factories import (
    EmployerFactory,
    RepresentativeFactory,
    ResponseFactory,
    ReviewFactory,
    UserFactory,
)
from tests.helpers import exact_dates_in
from timeutils import month_start, utcnow

PASSWORD = "correct horse battery"
# Naive UTC, as stored; a day well inside a month, so a date and its month differ.
NOW = datetime(2026, 3, 17, 9, 30)
# Distinctive account ids for authors, so a leaked one would be found in a page (counting down:
# SQLite gives the next account without an id max + 1, which must not collide).
AUTHOR_IDS = 876_540


def signed_in_representative(auth, *employers, email="rep@quibblewick.example"):
    user = UserFactory(email=email, password=PASSWORD, verified=True)
    for employer in employers:
        RepresentativeFactory(user_id=user.id, employer_id=employer.id)
    response = auth.sign_in(email, PASSWORD)
    assert response.status_code == 302, response.get_data(as_text=True)
    return user


def author(number: int):
    """A candidate with a distinctive address that must never reach an employer."""
    return UserFactory(
        id=AUTHOR_IDS - number, email=f"zanzibar.quillfeather{number}@example.org", verified=True
    )


def published(employer, author_user, **values) -> Review:
    values.setdefault("stage", Stage.interview)
    values.setdefault("outcome", Outcome.ghosted)
    return ReviewFactory(author=author_user, employer_id=employer.id, **values)


def assert_nothing_identifies(text: str, reviews: list[Review]) -> None:
    for review in reviews:
        user = db.session.get(User, review.author_id) if review.author_id else None
        if user is not None:
            assert user.email not in text
            assert user.email.split("@")[0] not in text
        assert str(review.author_id) not in text
        days = (review.last_contact_on, review.created_at.date(), review.published_at.date())
        assert not exact_dates_in(text, *days)
    assert "zanzibar" not in text.lower()
    assert "quillfeather" not in text.lower()


# --- access ------------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/employer")
    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]


def test_a_user_who_represents_no_employer_is_told_how_to_claim_one(client, signed_in):
    response = client.get("/employer")
    text = page_text(response)
    assert response.status_code == 200
    assert "You don't represent an employer yet" in text
    assert 'href="/employers"' in response.get_data(as_text=True)


def test_a_representative_of_one_employer_sees_its_dashboard(client, auth):
    employer = EmployerFactory(name="Brindlecombe Foods")
    signed_in_representative(auth, employer)
    text = page_text(client.get("/employer"))
    assert "Brindlecombe Foods" in text
    assert "Reviews awaiting a response" in text


def test_a_representative_of_several_employers_picks_one(client, auth):
    first = EmployerFactory(name="Brindlecombe Foods")
    second = EmployerFactory(name="Ottermere Glass")
    signed_in_representative(auth, first, second)

    choice = page_text(client.get("/employer"))
    assert "Which one do you want to see?" in choice
    assert f"/employer?employer={first.slug}" in choice
    assert f"/employer?employer={second.slug}" in choice

    text = page_text(client.get(f"/employer?employer={second.slug}"))
    assert "Ottermere Glass" in text and "Reviews awaiting a response" in text


@pytest.mark.parametrize("slug", ["theirs", "no-such-employer"])
def test_an_employer_the_user_does_not_represent_is_refused(client, auth, slug):
    mine = EmployerFactory()
    theirs = EmployerFactory(name="Ottermere Glass")
    signed_in_representative(auth, mine)
    target = theirs.slug if slug == "theirs" else slug
    assert client.get(f"/employer?employer={target}").status_code == 403


def test_a_representative_who_left_no_longer_sees_the_dashboard(client, auth):
    employer = EmployerFactory()
    user = signed_in_representative(auth, employer)
    representative = db.session.scalar(
        select(Representative).where(Representative.user_id == user.id)
    )
    representative.ended_at = utcnow()
    representative.end_reason = EndReason.left
    db.session.commit()
    assert client.get(f"/employer?employer={employer.slug}").status_code == 403


# --- what it shows -----------------------------------------------------------------------------


def test_figures_and_the_reviews_awaiting_a_response(client, auth):
    employer = EmployerFactory(name="Brindlecombe Foods")
    today = date.today()
    contact = today - timedelta(days=20)
    reviews = [
        published(
            employer,
            author(n),
            outcome=Outcome.rejected,
            decision_days=3,
            process_month=month_start(contact),
            last_contact_on=contact,
        )
        for n in range(4)
    ]
    answered = reviews[0]
    ResponseFactory(review_id=answered.id, employer_id=employer.id, body="Thanks.")
    waiting = published(
        employer,
        author(9),
        outcome=Outcome.waiting,
        process_month=month_start(contact),
        last_contact_on=contact,
    )
    refresh_employer(employer.id)
    db.session.commit()
    signed_in_representative(auth, employer)

    response = client.get("/employer")
    text = page_text(response)
    html = response.get_data(as_text=True)

    # The figures, worded as on the public page.
    # Five reports, one still waiting: the headline (or "no estimate yet") gives the counts it
    # rests on, four heard back, none met silence, one waiting ("candidates hear back" alone is
    # in either wording whatever the counts).
    counts = re.search(
        r"(\d+)(?: of \d+ candidates)? heard back[;,] (\d+) met silence or had to chase an"
        r" answer[;,] (\d+) still waiting",
        text,
    )
    assert counts and counts.groups() == ("4", "0", "1"), counts
    assert "Heard back" in text
    assert "/ 100" not in text
    # Awaiting a response: four of five (one was answered), newest first, each with its links.
    assert "Reviews awaiting a response (4)" in text
    assert f"/employer/reviews/{answered.public_id}/response" not in html
    for review in reviews[1:]:
        assert f"/employer/reviews/{review.public_id}/response" in html
    # "We have now contacted this candidate" only where it applies: the waiting review.
    assert f"/employer/reviews/{waiting.public_id}/contacted" in html
    for review in reviews[1:]:
        assert f"/employer/reviews/{review.public_id}/contacted" not in html
    assert html.index(waiting.public_id) < html.index(reviews[1].public_id)


def test_the_trend_shows_a_quarter_only_from_five_reviewers(client, auth):
    employer = EmployerFactory()
    today = date.today()
    this_quarter = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    last_quarter_day = this_quarter - timedelta(days=40)
    for n in range(5):
        published(
            employer,
            author(n),
            outcome=Outcome.rejected,
            decision_days=2,
            process_month=month_start(last_quarter_day),
            last_contact_on=last_quarter_day,
        )
    for n in range(5, 8):  # three reviewers: not enough
        published(
            employer,
            author(n),
            process_month=this_quarter,
            last_contact_on=this_quarter,
        )
    refresh_employer(employer.id)
    db.session.commit()
    signed_in_representative(auth, employer)

    text = page_text(client.get("/employer"))
    trend = text[text.index("Trend by quarter") : text.index("Reviews awaiting a response")]
    # The earlier quarter: five reports, all of which heard back.
    # The plain share beside its counts, and the estimated chance as a percentage.
    assert "5 of 5 (100%)" in trend
    assert "Estimated chance" in trend
    assert trend.count("Fewer than 5 reports") == 7  # the seven other quarters


def test_the_dashboard_shows_nothing_about_authors_beyond_the_public_card(client, auth):
    employer = EmployerFactory(name="Brindlecombe Foods")
    contact = date.today() - timedelta(days=47)
    reviews = [
        published(
            employer,
            author(n),
            outcome=Outcome.waiting if n % 2 else Outcome.rejected,
            decision_days=None if n % 2 else 6,
            process_month=month_start(contact),
            last_contact_on=contact,
            presumed_ghosted_at=utcnow() if n % 2 else None,
            narrative="It went fine until the silence.",
        )
        for n in range(6)
    ]
    refresh_employer(employer.id)
    db.session.commit()
    signed_in_representative(auth, employer)

    text = page_text(client.get("/employer"))

    assert "It went fine until the silence." in text  # the public text is there
    assert_nothing_identifies(text, reviews)


def test_the_dashboard_costs_the_same_queries_for_one_review_or_many(client, auth, query_counter):
    employer = EmployerFactory()
    published(employer, author(0))
    refresh_employer(employer.id)
    db.session.commit()
    signed_in_representative(auth, employer)
    url = f"/employer?employer={employer.slug}"
    with query_counter() as one:
        assert client.get(url).status_code == 200

    for n in range(1, 16):
        published(
            employer,
            author(n),
            outcome=Outcome.waiting if n % 3 else Outcome.rejected,
            decision_days=None if n % 3 else 4,
        )
        if n % 4 == 0:
            review = db.session.scalars(select(Review).order_by(Review.id.desc())).first()
            ResponseFactory(review_id=review.id, employer_id=employer.id, body="Hello.")
    refresh_employer(employer.id)
    db.session.commit()
    with query_counter() as many:
        assert client.get(url).status_code == 200

    assert len(many) == len(one), "\n".join(many)


def test_the_reviews_awaiting_a_response_are_paginated(client, auth):
    employer = EmployerFactory()
    reviews = [published(employer, author(n)) for n in range(23)]
    refresh_employer(employer.id)
    db.session.commit()
    signed_in_representative(auth, employer)

    first = client.get(f"/employer?employer={employer.slug}").get_data(as_text=True)
    second = client.get(f"/employer?employer={employer.slug}&page=2").get_data(as_text=True)

    newest_first = sorted(reviews, key=lambda r: (r.published_at, r.id), reverse=True)
    assert all(review.public_id in first for review in newest_first[:20])
    assert all(review.public_id in second for review in newest_first[20:])
    assert newest_first[0].public_id not in second
    assert "Page 1 of 2" in first


# --- the notification setting ------------------------------------------------------------------


def _setting(user, employer) -> Representative:
    db.session.expire_all()
    return db.session.scalar(
        select(Representative).where(
            Representative.user_id == user.id, Representative.employer_id == employer.id
        )
    )


def test_the_notification_setting_defaults_to_weekly_and_can_be_changed(client, auth):
    employer = EmployerFactory()
    user = signed_in_representative(auth, employer)
    assert _setting(user, employer).notify is Notify.weekly
    assert 'value="weekly" aria-describedby="notify-weekly-help" checked' in client.get(
        "/employer"
    ).get_data(as_text=True)

    response = post_form(
        client,
        "/employer/notifications",
        {"employer": employer.slug, "notify": "immediate"},
        page="/employer",
    )

    assert response.status_code == 302
    assert _setting(user, employer).notify is Notify.immediate
    assert "Your email setting is saved." in page_text(client.get(response.headers["Location"]))


CHOOSE_ONE = "Choose one of: a weekly digest, an email for each review, or no emails."


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "Choose how often we email you about new reviews."),
        ("hourly", CHOOSE_ONE),
        ("IMMEDIATE", CHOOSE_ONE),
        ("off; DROP TABLE users", CHOOSE_ONE),
    ],
)
def test_a_bad_notification_setting_is_refused_with_a_message(client, auth, value, message):
    employer = EmployerFactory()
    user = signed_in_representative(auth, employer)

    response = post_form(
        client,
        "/employer/notifications",
        {"employer": employer.slug, "notify": value},
        page="/employer",
    )

    assert response.status_code == 422
    assert message in page_text(response)
    assert _setting(user, employer).notify is Notify.weekly


def test_the_notification_setting_needs_a_csrf_token(client, auth):
    employer = EmployerFactory()
    user = signed_in_representative(auth, employer)
    response = client.post(
        "/employer/notifications", data={"employer": employer.slug, "notify": "off"}
    )
    assert response.status_code == 400
    assert _setting(user, employer).notify is Notify.weekly


def test_the_notification_setting_of_another_employer_is_refused(client, auth):
    mine = EmployerFactory()
    theirs = EmployerFactory()
    other = UserFactory(verified=True)
    RepresentativeFactory(user_id=other.id, employer_id=theirs.id)
    signed_in_representative(auth, mine)

    response = post_form(
        client,
        "/employer/notifications",
        {"employer": theirs.slug, "notify": "off"},
        page="/employer",
    )

    assert response.status_code == 403
    assert _setting(other, theirs).notify is Notify.weekly


def test_anonymous_posts_to_the_dashboard_are_sent_to_sign_in(client):
    employer = EmployerFactory()
    token = csrf_token(client, "/sign-in")
    response = client.post(
        "/employer/notifications",
        data={"csrf_token": token, "employer": employer.slug, "notify": "off"},
    )
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


# --- the emails (sent by tick) -----------------------------------------------------------------


@pytest.fixture
def clock():
    with time_machine.travel(NOW.replace(tzinfo=UTC), tick=False) as traveller:
        yield traveller


def scheduled(employer, author_user, publish_at: datetime, **values) -> Review:
    contact = NOW.date() - timedelta(days=40)
    values.setdefault("process_month", month_start(contact))
    values.setdefault("last_contact_on", contact)
    return ReviewFactory(
        author=author_user,
        employer_id=employer.id,
        stage=Stage.final,
        outcome=Outcome.ghosted,
        status=ReviewStatus.scheduled,
        publish_at=publish_at,
        narrative="Four rounds, then nothing at all.",
        **values,
    )


def _rep(employer, notify: Notify, **values) -> Representative:
    user = UserFactory(email="hiring@brindlecombe.example", verified=True)
    return RepresentativeFactory(user_id=user.id, employer_id=employer.id, notify=notify, **values)


def _bodies(outbox) -> list[str]:
    return [message.get_content() for message in outbox]


def test_immediate_sends_one_email_per_new_review_once(app, clock, outbox):
    employer = EmployerFactory(name="Brindlecombe Foods")
    representative = _rep(employer, Notify.immediate, created_at=NOW - timedelta(days=30))
    reviews = [scheduled(employer, author(n), NOW - timedelta(hours=n + 1)) for n in range(2)]
    db.session.commit()

    first = tick()
    second = tick()

    assert first.new_review_emails == 2
    assert second.new_review_emails == 0
    assert len(outbox) == 2
    for message in outbox:
        assert message["To"] == "hiring@brindlecombe.example"
        assert message["Subject"] == "A new review of Brindlecombe Foods on HeardBack"
    bodies = _bodies(outbox)
    for review in reviews:
        assert sum(f"/reviews/{review.public_id}" in body for body in bodies) == 1
    assert all(f"/employer?employer={employer.slug}" in body for body in bodies)
    db.session.expire_all()
    assert db.session.get(Representative, representative.id).notified_until == NOW


def test_immediate_emails_reviews_published_by_a_later_tick(app, clock, outbox):
    employer = EmployerFactory()
    _rep(employer, Notify.immediate, created_at=NOW - timedelta(days=30))
    scheduled(employer, author(0), NOW - timedelta(hours=1))
    later = scheduled(employer, author(1), NOW + timedelta(days=1))
    db.session.commit()
    tick()
    assert len(outbox) == 1

    clock.shift(timedelta(days=1, hours=1))
    tick()
    tick()

    assert len(outbox) == 2
    assert f"/reviews/{later.public_id}" in outbox[1].get_content()


def test_weekly_sends_one_digest_a_week_after_the_first_new_review(app, clock, outbox):
    employer = EmployerFactory(name="Brindlecombe Foods")
    representative = _rep(employer, Notify.weekly, created_at=NOW - timedelta(days=30))
    first = scheduled(employer, author(0), NOW - timedelta(hours=1))
    second = scheduled(employer, author(1), NOW + timedelta(days=3))
    db.session.commit()

    tick()  # publishes the first
    clock.shift(timedelta(days=3, hours=1))
    tick()  # publishes the second; the first is three days old: no digest yet
    assert outbox == []

    clock.shift(timedelta(days=4))  # a week after the first was published
    report = tick()
    again = tick()

    assert report.new_review_emails == 1 and again.new_review_emails == 0
    [digest] = outbox
    assert digest["Subject"] == "2 new reviews of Brindlecombe Foods on HeardBack"
    body = digest.get_content()
    assert f"/reviews/{first.public_id}" in body and f"/reviews/{second.public_id}" in body
    db.session.expire_all()
    newest = db.session.get(Review, second.id).published_at
    assert db.session.get(Representative, representative.id).notified_until == newest

    # The next digest comes only for reviews published after this one, a week after them.
    clock.shift(timedelta(days=7))
    assert tick().new_review_emails == 0


def test_no_emails_when_the_setting_is_off_or_the_representative_left(app, clock, outbox):
    employer = EmployerFactory()
    _rep(employer, Notify.off, created_at=NOW - timedelta(days=30))
    RepresentativeFactory(
        user_id=UserFactory(verified=True).id,
        employer_id=employer.id,
        notify=Notify.immediate,
        created_at=NOW - timedelta(days=30),
        ended_at=NOW - timedelta(days=1),
        end_reason=EndReason.left,
    )
    scheduled(employer, author(0), NOW - timedelta(hours=1))
    db.session.commit()

    report = tick()

    # The review was published, so the silence is the settings' doing.
    assert (report.published, report.new_review_emails) == (1, 0)
    assert outbox == []


def test_reviews_published_before_the_representative_arrived_are_not_announced(app, clock, outbox):
    employer = EmployerFactory()
    scheduled(employer, author(0), NOW - timedelta(hours=2))
    db.session.commit()
    tick()
    _rep(employer, Notify.immediate, created_at=NOW + timedelta(minutes=1))
    clock.shift(timedelta(minutes=5))

    tick()

    assert outbox == []


def test_a_failed_email_is_sent_by_the_next_tick(app, clock, outbox, monkeypatch):
    from notifications import mail

    employer = EmployerFactory()
    _rep(employer, Notify.immediate, created_at=NOW - timedelta(days=30))
    scheduled(employer, author(0), NOW - timedelta(hours=1))
    db.session.commit()
    real_send = mail.send
    monkeypatch.setattr(mail, "send", lambda message: 1 / 0)

    failed = tick()
    monkeypatch.setattr(mail, "send", real_send)
    retried = tick()

    assert failed.failed_new_review_emails == 1 and failed.new_review_emails == 0
    assert retried.new_review_emails == 1
    assert len(outbox) == 1


def test_new_review_emails_say_nothing_that_could_identify_an_author(app, clock, outbox):
    employer = EmployerFactory(name="Brindlecombe Foods")
    _rep(employer, Notify.immediate, created_at=NOW - timedelta(days=30))
    other = EmployerFactory()
    weekly = RepresentativeFactory(
        user_id=UserFactory(email="people@ottermere.example", verified=True).id,
        employer_id=other.id,
        created_at=NOW - timedelta(days=30),
    )
    assert weekly.notify is Notify.weekly
    reviews = [scheduled(employer, author(0), NOW - timedelta(hours=1))]
    reviews += [scheduled(other, author(n), NOW - timedelta(hours=1)) for n in range(1, 4)]
    db.session.commit()
    tick()
    clock.shift(timedelta(days=8))
    tick()

    assert len(outbox) == 2  # one immediate, one digest
    db.session.expire_all()
    reviews = [db.session.get(Review, review.id) for review in reviews]
    for message in outbox:
        body = message.get_content()
        # Dates are checked in what the message says (its Date header is the day it was sent).
        assert_nothing_identifies(f"{message['Subject']}\n{body}", reviews)
        assert "zanzibar" not in message.as_string()
        # The stage is coarsened as on the public card (fewer than five reviews at each).
        assert "Interviewed" in body and "Final round" not in body
        assert "Never heard back" in body
        assert month_start(reviews[0].last_contact_on).strftime("%B %Y") in body
        # The free text stays on the site.
        assert "Four rounds" not in body


def test_turning_emails_back_on_starts_from_now(client, auth, clock, outbox):
    employer = EmployerFactory()
    user = signed_in_representative(auth, employer)
    representative = _setting(user, employer)
    representative.notify = Notify.off
    representative.created_at = NOW - timedelta(days=30)
    db.session.commit()
    scheduled(employer, author(0), NOW - timedelta(hours=1))
    db.session.commit()
    tick()  # published while emails were off

    clock.shift(timedelta(minutes=10))
    post_form(
        client,
        "/employer/notifications",
        {"employer": employer.slug, "notify": "immediate"},
        page="/employer",
    )
    tick()

    assert outbox == []
    assert _setting(user, employer).notified_until == NOW + timedelta(minutes=10)
