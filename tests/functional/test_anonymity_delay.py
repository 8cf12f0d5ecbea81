"""DESIGN.md §5 rule 8: every public change waits, so that no change can be matched to what an
employer knows happened that day.

A distinctive author (a) edits a published "still waiting" review to "turned down, decision 2 days
after last contact", (b) confirms an employer's "we contacted this candidate", (c) adds a new
employer. For the delay window after each action, every public page, API response, the CSV
export, the badge, their ETags, the representative's dashboard and emails to representatives are
compared byte for byte with what they were just before the action: nothing may differ. After the
window (time travel, then `tick`) the change is public, and nothing public carries an exact date.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine

from employers.models import Employer
from extensions import db
from operations.tick import tick
from representatives.models import ContactReport, ContactStatus, Notify
from reviews.models import Feedback, Outcome, Review, ReviewStatus, Stage
from scoring.stats import refresh_employer
from tests.conftest import Auth, post_form
from tests.factories import EmployerFactory, RepresentativeFactory, ReviewFactory, UserFactory
from tests.helpers import exact_dates_in
from timeutils import month_start

PASSWORD = "correct horse battery"
AUTHOR_EMAIL = "ottoline.vandersloot-quigg@example.org"
REP_EMAIL = "people@brackenfold.example"
# Noon today, frozen: "before" and "during" are the same day, so nothing that ages by the day
# (silent days, the daily recompute) moves between the two snapshots.
NOW = datetime.combine(date.today(), time(12))
CONTACT = NOW.date() - timedelta(days=20)
# Inside the window: later than the action, earlier than the minimum delay (72 hours).
DURING = NOW + timedelta(hours=6)
AFTER = NOW + timedelta(days=11)
CSRF = re.compile(rb'name="csrf_token"[^>]*value="[^"]*"|value="[^"]*"[^>]*name="csrf_token"')
COMPUTED_ON = re.compile(r'"computed_on": ?"[0-9-]+"')
HEADERS = ("ETag", "Last-Modified", "Content-Type", "Location")


@pytest.fixture
def clock(app):
    with time_machine.travel(NOW.replace(tzinfo=UTC), tick=False) as traveller:
        yield traveller


def move(clock, moment: datetime) -> None:
    clock.move_to(moment.replace(tzinfo=UTC))


@pytest.fixture
def world(app, clock):
    """An employer with a few published reviews, a representative who wants every email, and the
    distinctive author's published, waiting review."""
    employer = EmployerFactory(name="Brackenfold Textiles", slug="brackenfold-textiles")
    for number in range(4):
        ReviewFactory(
            author=UserFactory(verified=True),
            employer_id=employer.id,
            outcome=Outcome.ghosted,
            process_month=month_start(CONTACT - timedelta(days=40 + number)),
            last_contact_on=CONTACT - timedelta(days=30),
            published_at=NOW - timedelta(days=60),
        )
    author = UserFactory(email=AUTHOR_EMAIL, password=PASSWORD, verified=True)
    author.created_at = NOW - timedelta(days=200)
    review = ReviewFactory(
        author=author,
        employer_id=employer.id,
        stage=Stage.final,
        outcome=Outcome.waiting,
        feedback=Feedback.none,
        process_month=month_start(CONTACT),
        last_contact_on=CONTACT,
        published_at=NOW - timedelta(days=15),
    )
    rep_user = UserFactory(email=REP_EMAIL, password=PASSWORD, verified=True)
    RepresentativeFactory(
        user_id=rep_user.id,
        employer_id=employer.id,
        notify=Notify.immediate,
        notified_until=NOW - timedelta(days=1),
    )
    refresh_employer(employer.id)
    db.session.commit()
    tick(NOW)  # the day's refresh is done before the first snapshot
    return employer, review


def signed_in(app, email: str):
    client = app.test_client()
    response = Auth(client, None).sign_in(email, PASSWORD)
    assert response.status_code == 302
    client.get("/account")  # shows (and so clears) the "signed in" flash
    return client


def public_urls(employer: Employer, review: Review, extra=()) -> list[str]:
    slug = employer.slug
    return [
        "/",
        "/employers",
        f"/employers?q={employer.name}",
        "/employers?sort=reviews",
        f"/employers/{slug}",
        f"/employers/{slug}/reviews",
        "/rankings",
        f"/reviews/{review.public_id}",
        f"/employers/suggest?q={employer.name[:6]}",
        "/api/v1/employers",
        f"/api/v1/employers?q={employer.name}",
        f"/api/v1/employers/{slug}",
        f"/api/v1/employers/{slug}/reviews",
        "/api/v1/baselines",
        "/api/v1/employers.csv",
        f"/employers/{slug}/badge.svg",
        "/transparency",
        *extra,
    ]


def snapshot(app, urls, rep_client, outbox) -> dict:
    """Every public answer (status, body, validators) to an anonymous visitor, the representative's
    dashboard (CSRF tokens aside: signed per request), and the emails representatives received."""
    anonymous = app.test_client()
    seen = {}
    for url in urls:
        response = anonymous.get(url)
        seen[url] = (
            response.status_code,
            response.get_data(),
            tuple(response.headers.get(name) for name in HEADERS),
        )
        etag = response.headers.get("ETag")
        if etag:  # a revalidation must not start answering 200 either
            again = anonymous.get(url, headers={"If-None-Match": etag})
            seen[url + " (revalidated)"] = again.status_code
    dashboard = rep_client.get("/employer")
    assert dashboard.status_code == 200
    seen["dashboard"] = CSRF.sub(b"", dashboard.get_data())
    seen["representative emails"] = [
        (message["To"], message["Subject"], message.get_content())
        for message in outbox
        if REP_EMAIL in message["To"]
    ]
    return seen


def assert_same(before: dict, after: dict) -> None:
    differing = [key for key in before if before[key] != after.get(key)]
    detail = ""
    if differing:
        import difflib

        first = differing[0]
        old, new = (repr(side[first]).split("\\n") for side in (before, after))
        detail = "\n".join(list(difflib.unified_diff(old, new, lineterm=""))[:40])
    assert not differing, f"changed during the delay window: {differing}\n{detail}"


def assert_no_exact_dates(app, urls, *days: date) -> None:
    anonymous = app.test_client()
    for url in urls:
        # The baselines' computed_on dates the daily computation of every employer at once
        # (always today), not any review.
        body = COMPUTED_ON.sub("", anonymous.get(url).get_data(as_text=True))
        found = exact_dates_in(body, *days)
        assert not found, f"{url} shows {found}"


def assert_no_day_count(app, urls, days: int) -> None:
    """No public page or API response carries the review's exact day count (DESIGN.md §5.8:
    day counts on cards are the chart's buckets; none at all for a confirmed contact)."""
    anonymous = app.test_client()
    forbidden = re.compile(rf'(?<![\d.]){days} days?\b|"decision_days": ?{days}\b')
    for url in urls:
        body = anonymous.get(url).get_data(as_text=True)
        assert not forbidden.search(body), f"{url} shows the day count {days}"


def edit(client, review: Review, **changes):
    data = {
        "process_month": review.process_month.strftime("%Y-%m"),
        "stage": review.stage.value,
        "outcome": review.outcome.value,
        "last_contact_on": review.last_contact_on.isoformat(),
        "feedback": "none",
        **changes,
        "action": "publish",
    }
    return post_form(client, f"/reviews/{review.public_id}/edit", data)


# --- (a) an edit ------------------------------------------------------------------------------


def test_an_edit_changes_nothing_public_until_its_moment(app, outbox, clock, world):
    employer, review = world
    rep = signed_in(app, REP_EMAIL)
    author = signed_in(app, AUTHOR_EMAIL)
    urls = public_urls(employer, review)
    before = snapshot(app, urls, rep, outbox)

    response = edit(author, review, outcome="rejected", decision_days="2")
    assert response.status_code == 302, response.get_data(as_text=True)
    # The author sees the change at once, marked scheduled.
    mine = author.get("/me").get_data(as_text=True)
    assert "Change scheduled" in mine and "Turned down" in mine

    move(clock, DURING)
    assert tick(DURING).changes_published == 0
    assert_same(before, snapshot(app, urls, rep, outbox))
    db.session.expire_all()
    assert db.session.get(Review, review.id).outcome is Outcome.waiting

    move(clock, AFTER)
    assert tick(AFTER).changes_published == 1
    db.session.expire_all()
    published = db.session.get(Review, review.id)
    assert published.outcome is Outcome.rejected and published.decision_days == 2
    assert published.author_updated_at == AFTER  # "updated <month>" is the publication's
    page = app.test_client().get(f"/reviews/{review.public_id}").get_data(as_text=True)
    assert "updated " + AFTER.strftime("%B %Y") in page
    assert_no_exact_dates(app, urls, CONTACT, NOW.date(), AFTER.date(), DURING.date())
    assert_no_day_count(app, urls, 2)


def test_a_second_edit_replaces_the_change_and_draws_a_new_moment(app, outbox, clock, world):
    _employer, review = world
    author = signed_in(app, AUTHOR_EMAIL)
    edit(author, review, outcome="rejected", decision_days="2")
    db.session.expire_all()
    first = db.session.get(Review, review.id).pending_publish_at

    move(clock, DURING)
    edit(author, review, outcome="rejected", decision_days="3")
    db.session.expire_all()
    changed = db.session.get(Review, review.id)
    assert changed.pending_values["decision_days"] == 3
    # At least the minimum delay after the second edit, whatever the first moment was.
    assert changed.pending_publish_at >= DURING + timedelta(hours=72)
    assert changed.pending_publish_at != first
    assert changed.outcome is Outcome.waiting


# --- (b) a confirmed contact report -----------------------------------------------------------


def test_a_confirmed_contact_changes_nothing_the_employer_sees_until_its_moment(
    app, outbox, clock, world
):
    employer, review = world
    rep = signed_in(app, REP_EMAIL)
    asked = post_form(rep, f"/employer/reviews/{review.public_id}/contacted")
    assert asked.status_code == 302
    rep.get("/account")  # clears the flash
    author = signed_in(app, AUTHOR_EMAIL)
    urls = public_urls(employer, review)
    before = snapshot(app, urls, rep, outbox)

    confirm = post_form(
        author, f"/reviews/{review.public_id}/contact/confirm", {"outcome": "rejected"}, page="/me"
    )
    assert confirm.status_code == 302

    move(clock, DURING)
    tick(DURING)
    assert_same(before, snapshot(app, urls, rep, outbox))

    move(clock, AFTER)
    assert tick(AFTER).changes_published == 1
    db.session.expire_all()
    published = db.session.get(Review, review.id)
    assert published.outcome is Outcome.rejected
    assert published.employer_followed_up_at == AFTER
    assert_no_exact_dates(app, urls, CONTACT, NOW.date(), AFTER.date())
    # The decision days stored from the confirmation (today - last contact) are shown nowhere.
    assert published.decision_days is not None
    assert_no_day_count(app, urls, published.decision_days)


def test_a_denied_contact_is_shown_to_the_employer_only_later(app, outbox, clock, world):
    employer, review = world
    rep = signed_in(app, REP_EMAIL)
    post_form(rep, f"/employer/reviews/{review.public_id}/contacted")
    rep.get("/account")  # clears the flash
    author = signed_in(app, AUTHOR_EMAIL)
    urls = public_urls(employer, review)
    before = snapshot(app, urls, rep, outbox)

    denied = post_form(author, f"/reviews/{review.public_id}/contact/deny", page="/me")
    assert denied.status_code == 302
    report = db.session.scalar(db.select(ContactReport).where(ContactReport.review_id == review.id))
    assert report.status is ContactStatus.denied and report.shown_at > NOW

    move(clock, DURING)
    tick(DURING)
    assert_same(before, snapshot(app, urls, rep, outbox))
    export = rep.get("/me/export").get_data(as_text=True)
    assert '"denied"' not in export
    # From its moment on, the representative sees the denial.
    move(clock, AFTER)
    assert '"denied"' in rep.get("/me/export").get_data(as_text=True)


# --- (c) a new employer -----------------------------------------------------------------------


def test_a_new_employer_is_public_only_with_its_first_review(app, outbox, clock, world):
    employer, review = world
    rep = signed_in(app, REP_EMAIL)
    author = signed_in(app, AUTHOR_EMAIL)
    name = "Glimmerquay Instruments"
    slug = "glimmerquay-instruments"
    extra = (
        f"/employers?q={name}",
        f"/api/v1/employers?q={name}",
        f"/employers/{slug}",
        f"/api/v1/employers/{slug}",
        f"/employers/{slug}/badge.svg",
        "/employers/suggest?q=glimmerq",
    )
    urls = public_urls(employer, review, extra)
    before = snapshot(app, urls, rep, outbox)

    added = post_form(author, "/employers/new", {"name": name, "industry": "software"})
    assert added.status_code == 302
    assert author.get(f"/employers/{slug}").status_code == 200  # its creator sees it
    written = post_form(
        author,
        f"/reviews/new?employer={slug}",
        {
            "process_month": month_start(CONTACT).strftime("%Y-%m"),
            "stage": "interview",
            "outcome": "rejected",
            "last_contact_on": CONTACT.isoformat(),
            "decision_days": "2",
            "feedback": "none",
            "action": "publish",
        },
    )
    assert written.status_code == 302, written.get_data(as_text=True)

    move(clock, DURING)
    tick(DURING)
    assert_same(before, snapshot(app, urls, rep, outbox))

    move(clock, AFTER)
    assert tick(AFTER).published == 1
    anonymous = app.test_client()
    assert anonymous.get(f"/employers/{slug}").status_code == 200
    assert name in anonymous.get(f"/api/v1/employers?q={name}").get_data(as_text=True)
    assert name in anonymous.get("/api/v1/employers.csv").get_data(as_text=True)
    new = db.session.scalar(db.select(Employer).where(Employer.slug == slug))
    assert new.listed_at == AFTER
    assert (
        db.session.scalar(db.select(Review.status).where(Review.employer_id == new.id))
        is ReviewStatus.published
    )
    assert_no_exact_dates(app, urls, CONTACT, NOW.date(), AFTER.date())
