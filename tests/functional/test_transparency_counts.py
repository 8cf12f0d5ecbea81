"""/transparency counts what it says (issue 17): each hidden review or response once, in the
month and under the guideline of its latest hide; a hide a moderator reversed as a mistake not at
all (recorded in the restore's audit row); older restores, which didn't say, taken as not
mistaken."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from extensions import db
from moderation import audit
from moderation.models import AuditAction, AuditLog
from moderation.transparency import monthly_report
from responses.models import ResponseStatus
from reviews.models import GuidelineReason, ReviewStatus
from tests.functional.test_moderation_actions import act, fresh
from tests.functional.test_moderation_queue import (
    client_as,
    make_people,
    make_response,
    make_review,
    visible,
)
from timeutils import month_label, utcnow

NOW = utcnow()


@pytest.fixture
def people(app):
    return make_people()


@pytest.fixture
def review(people):
    return make_review(people)


def log(action, when, target_id, target_type="review", **details):
    row = audit.record(None, action, target_type, target_id, "a note", details or None)
    row.created_at = when
    db.session.commit()
    return row


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def figures():
    report = monthly_report(NOW.date())
    return report.totals, report.hidden_totals


def test_a_review_hidden_twice_counts_once_under_the_latest_guideline(app):
    log(AuditAction.hide, ago(40), 7, guideline="spam")
    log(AuditAction.restore, ago(39), 7, guideline="spam")  # an old row: no "mistake"
    log(AuditAction.hide, ago(2), 7, guideline="abusive")
    totals, reasons = figures()
    assert totals["reviews_hidden"] == 1 and totals["restored"] == 1
    assert reasons == {"abusive": 1}
    report = monthly_report(NOW.date())
    this_month = next(m for m in report.months if m.month == ago(2).date().replace(day=1))
    assert this_month.hidden_by_reason["abusive"] == 1


def test_a_hide_reversed_as_a_mistake_is_not_counted(app):
    log(AuditAction.hide, ago(5), 8, guideline="spam")
    log(AuditAction.restore, ago(4), 8, guideline="spam", mistake=True)
    log(AuditAction.hide, ago(5), 9, target_type="response", guideline="abusive")
    log(AuditAction.restore, ago(4), 9, target_type="response", mistake=True)
    totals, reasons = figures()
    assert totals["reviews_hidden"] == 0 and totals["responses_hidden"] == 0
    assert not +reasons
    assert totals["restored"] == 2  # the restores themselves still count


def test_an_earlier_proper_hide_stands_when_a_later_one_was_a_mistake(app):
    log(AuditAction.hide, ago(60), 10, guideline="spam")
    # The author fixed it and it was published again (resubmitted, then publish: no restore).
    log(AuditAction.publish, ago(50), 10, hold_reason="resubmitted")
    log(AuditAction.hide, ago(10), 10, guideline="abusive")
    log(AuditAction.restore, ago(9), 10, mistake=True)
    totals, reasons = figures()
    assert totals["reviews_hidden"] == 1 and reasons == {"spam": 1}


def test_a_restore_that_was_no_mistake_keeps_the_hide(app):
    log(AuditAction.hide, ago(5), 11, guideline="personal_information")
    log(AuditAction.redact, ago(4), 11, field="narrative")
    log(AuditAction.restore, ago(4), 11, mistake=False)
    # An older restore that doesn't say: taken as not mistaken.
    log(AuditAction.hide, ago(5), 12, guideline="spam")
    log(AuditAction.restore, ago(4), 12)
    totals, reasons = figures()
    assert totals["reviews_hidden"] == 2
    assert reasons == {"personal_information": 1, "spam": 1}


def test_hides_outside_the_window_and_their_restores(app):
    log(AuditAction.hide, ago(400), 13, guideline="spam")
    log(AuditAction.restore, ago(2), 13, mistake=True)  # reverses a hide the page doesn't count
    log(AuditAction.hide, ago(1), 14, guideline="spam")
    totals, reasons = figures()
    assert totals["reviews_hidden"] == 1 and reasons == {"spam": 1}


# --- through the moderators' forms and the page -----------------------------------------------


def test_the_restore_form_records_a_mistake_and_the_page_agrees(
    app, client, people, review, outbox
):
    moderator = client_as(app, people["moderator"])
    hide = {"guideline": "spam", "reason": "Looks like an advert."}
    assert act(moderator, review, "hide", hide).status_code == 302
    restore = {"reason": "It is a real review.", "mistake": "y"}
    assert act(moderator, review, "restore", restore).status_code == 302
    assert fresh(review).status is ReviewStatus.published
    row = db.session.scalars(select(AuditLog).where(AuditLog.action == AuditAction.restore)).one()
    assert row.details["mistake"] is True

    response = make_response(review)
    assert act(moderator, review, "response/hide", hide).status_code == 302
    assert act(moderator, review, "response/restore", {"reason": "Fixed."}).status_code == 302
    assert fresh(response).status is ResponseStatus.published
    rows = db.session.scalars(
        select(AuditLog).where(AuditLog.action == AuditAction.restore).order_by(AuditLog.id)
    ).all()
    assert [r.details["mistake"] for r in rows] == [True, False]

    # Hidden again, for another guideline: one review hidden (abusive), one response (spam).
    again = {"guideline": "abusive", "reason": "Insults."}
    assert act(moderator, review, "hide", again).status_code == 302
    totals, reasons = figures()
    assert (totals["reviews_hidden"], totals["responses_hidden"]) == (1, 1)
    assert reasons == {"abusive": 1, "spam": 1}

    text = visible(client.get("/transparency"))
    assert "Each hidden review or response counts once" in text
    assert "reversed as a mistake isn't counted" in text
    # This month's row: reviews hidden 1, responses hidden 1, restored 2, published 0,
    # redacted 0, suspended 0, merged 0.
    assert f"{month_label(NOW.date())} 1 1 2 0 0 0 0" in text


def test_the_restore_form_shows_the_choice(app, people, review):
    review.status = ReviewStatus.hidden
    review.hidden_reason = GuidelineReason.spam
    db.session.commit()
    page = client_as(app, people["moderator"]).get(f"/moderation/reviews/{review.public_id}")
    body = page.get_data(as_text=True)
    assert 'name="mistake"' in body and "The hide was a mistake" in body
    junk = act(
        client_as(app, people["moderator"]),
        review,
        "restore",
        {"reason": "x", "mistake": "<script>"},
    )
    assert junk.status_code == 302  # any value of a checkbox means ticked
