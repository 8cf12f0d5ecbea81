"""Transparency (DESIGN.md §8): each employer page can say how many of its
reviews were removed and why (moderation.transparency.removed_counts and its partial), and
/transparency shows the site-wide moderation figures by month: months only, never a date, in a
fixed number of queries."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest
from flask import render_template

from extensions import db
from moderation import audit
from moderation.models import (
    AuditAction,
    FlagReason,
    FlagStatus,
    NoticeStatus,
)
from moderation.transparency import _month_starts, monthly_report, removed_counts
from reviews.models import GuidelineReason, ReviewStatus
from tests.conftest import page_text
from tests.factories import (
    EmployerFactory,
    FlagFactory,
    LegalNoticeFactory,
    ReviewFactory,
    UserFactory,
)
from timeutils import month_label, utcnow

NOW = utcnow()
MONTHS = _month_starts(NOW.date())  # this month first
MODERATOR_EMAIL = "hortensia.gatekeeper@moderators.example"

pytestmark = pytest.mark.usefixtures("app")


def visible(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", page_text(response)).split())


def at(month_index: int, day: int = 12, hour: int = 15) -> datetime:
    """A moment in the month `month_index` months ago (0 = this month)."""
    start = MONTHS[month_index]
    return datetime(start.year, start.month, min(day, 28), hour, 17, 43)


def hidden_review(employer, reason: GuidelineReason):
    return ReviewFactory(employer_id=employer.id, status=ReviewStatus.hidden, hidden_reason=reason)


def log(action: AuditAction, when: datetime, target_type="review", target_id=1, **details):
    row = audit.record(None, action, target_type, target_id, "a note", details or None)
    row.created_at = when
    db.session.commit()
    return row


# --- removed reviews on an employer's page ------------------------------------------------------


def test_removed_counts_by_reason_for_one_employer():
    employer, other = EmployerFactory(), EmployerFactory()
    hidden_review(employer, GuidelineReason.personal_information)
    hidden_review(employer, GuidelineReason.spam)
    hidden_review(employer, GuidelineReason.personal_information)
    ReviewFactory(employer_id=employer.id)  # published: not removed
    hidden_review(other, GuidelineReason.abusive)  # another employer's

    removed = removed_counts(employer.id)

    assert removed.total == 3
    assert removed.by_reason == (("personal information", 2), ("spam", 1))
    assert removed.summary == "3 reviews removed by moderators: 2 personal information, 1 spam"


def test_one_removed_review_reads_in_the_singular():
    employer = EmployerFactory()
    hidden_review(employer, GuidelineReason.legal_notice)
    assert removed_counts(employer.id).summary == (
        "1 review removed by moderators: 1 upheld legal notice"
    )


def test_no_removed_review():
    employer = EmployerFactory()
    ReviewFactory(employer_id=employer.id)
    removed = removed_counts(employer.id)
    assert removed.total == 0 and removed.by_reason == ()
    assert removed.summary == "No review has been removed"


def test_removed_counts_is_one_query_whatever_the_number_of_reviews(query_counter):
    employer = EmployerFactory()
    for index in range(12):
        hidden_review(employer, list(GuidelineReason)[index % len(GuidelineReason)])
    employer_id = employer.id
    with query_counter() as statements:
        assert removed_counts(employer_id).total == 12
    assert len(statements) == 1


def test_the_partial_reads_as_a_sentence_with_a_link(app):
    employer = EmployerFactory()
    hidden_review(employer, GuidelineReason.personal_information)
    hidden_review(employer, GuidelineReason.spam)
    with app.test_request_context():
        html = render_template(
            "moderation/_removed_counts.html", removed=removed_counts(employer.id)
        )
        empty = render_template(
            "moderation/_removed_counts.html", removed=removed_counts(EmployerFactory().id)
        )
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    assert "2 reviews removed by moderators: 1 personal information, 1 spam." in text
    assert 'href="/transparency"' in html
    assert "No review has been removed." in " ".join(re.sub(r"<[^>]+>", " ", empty).split())


# --- /transparency ------------------------------------------------------------------------------


def seed_month_figures():
    """A known mix of actions, reports and notices over three months, plus noise outside."""
    review = ReviewFactory()
    reporter = UserFactory(email=MODERATOR_EMAIL)
    # This month: two reviews hidden (spam, abusive), one response hidden (abusive), a restore,
    # a publication after a hold, a redaction, a suspension.
    log(AuditAction.hide, at(0), target_id=11, guideline="spam")
    log(AuditAction.hide, at(0, 3), target_id=12, guideline="abusive")
    log(AuditAction.hide, at(0, 4), target_type="response", guideline="abusive")
    log(AuditAction.restore, at(0))
    log(AuditAction.publish, at(0))
    log(AuditAction.redact, at(0))
    log(AuditAction.suspend_user, at(0), target_type="user", target_id=reporter.id)
    # Two months ago: a hide for a legal notice, one with an unknown guideline ("other").
    log(AuditAction.hide, at(2), target_id=13, guideline="legal_notice")
    log(AuditAction.hide, at(2), target_id=14, guideline="something-new")
    # Not figures: a claim approval, a flag dismissal (counted from the flags themselves).
    log(AuditAction.approve_claim, at(0), target_type="claim")
    # Thirteen months ago: outside the window.
    log(
        AuditAction.hide,
        datetime(MONTHS[-1].year, MONTHS[-1].month, 1) - timedelta(days=20),
        guideline="spam",
    )

    def flag(created, status=FlagStatus.open, resolved=None):
        FlagFactory(
            review_id=review.id,
            reporter_id=None,
            reason=FlagReason.spam,
            explanation="Advertising.",
            status=status,
            created_at=created,
            resolved_at=resolved,
        )

    flag(at(1))
    flag(at(1), FlagStatus.dismissed, at(0))
    flag(at(1), FlagStatus.actioned, at(1, 20))
    flag(at(0), FlagStatus.actioned, at(0, 20))

    def notice(created, status=NoticeStatus.open, resolved=None):
        LegalNoticeFactory(
            review_id=review.id,
            notifier_name="Someone",
            notifier_email="someone@example.org",
            legal_basis="defamation",
            explanation="Untrue.",
            status=status,
            created_at=created,
            resolved_at=resolved,
        )

    notice(at(2))
    notice(at(2), NoticeStatus.actioned, at(1))
    notice(at(1), NoticeStatus.rejected, at(1, 25))
    db.session.commit()


def test_figures_by_month_come_from_the_log_and_the_reports():
    seed_month_figures()
    report = monthly_report(NOW.date())

    assert len(report.months) == 12
    assert [figures.month for figures in report.months] == MONTHS
    this, last, before = report.months[0], report.months[1], report.months[2]

    assert this.counts["reviews_hidden"] == 2
    assert this.counts["responses_hidden"] == 1
    assert this.hidden_by_reason["spam"] == 1 and this.hidden_by_reason["abusive"] == 2
    for key in ("restored", "published_after_hold", "redacted", "suspended"):
        assert this.counts[key] == 1, key
    assert this.counts["flags_received"] == 1
    assert this.counts["flags_dismissed"] == 1 and this.counts["flags_actioned"] == 1

    assert last.counts["flags_received"] == 3 and last.counts["flags_actioned"] == 1
    assert last.counts["notices_received"] == 1
    assert last.counts["notices_actioned"] == 1 and last.counts["notices_rejected"] == 1

    assert before.counts["reviews_hidden"] == 2
    assert before.hidden_by_reason == {"legal_notice": 1, "other": 1}
    assert before.counts["notices_received"] == 2

    # Twelve months only; nothing else counted.
    assert report.totals["reviews_hidden"] == 4
    assert report.hidden_totals["spam"] == 1
    assert sum(report.totals.values()) == sum(
        sum(figures.counts.values()) for figures in report.months
    )


def test_the_page_shows_the_rules_and_the_tables(client):
    seed_month_figures()
    response = client.get("/transparency")
    assert response.status_code == 200
    text = visible(response)

    assert "Employers can't buy or request the removal of a review" in text
    assert "only when it breaks a guideline" in text
    assert "Report a legal problem" in text
    for caption in (
        "Moderator actions by month",
        "Reviews and responses hidden, by guideline and month",
        "Reports and legal notices by month",
    ):
        assert caption in text
    for label in (month_label(start) for start in MONTHS):
        assert label in text
    # This month's row of the first table: hidden 2, responses 1, restored 1, published 1,
    # redacted 1, suspended 1, merged 0.
    assert f"{month_label(MONTHS[0])} 2 1 1 1 1 1 0" in text
    # Accessible tables: captions, column and row headers, a focusable scrolling region.
    body = response.get_data(as_text=True)
    assert body.count("<caption") == 3
    assert 'scope="col"' in body and 'scope="row"' in body
    assert 'role="region"' in body and 'tabindex="0"' in body


def test_the_page_shows_months_never_dates_or_who(client):
    seed_month_figures()
    body = page_text(client.get("/transparency"))
    assert not re.search(r"\b20\d\d-\d\d-\d\d\b", body)
    assert not re.search(r"\b\d{1,2}:\d\d\b", body)
    for index in range(3):
        assert at(index).strftime("%d %B %Y") not in body
        assert at(index).strftime("%B %d") not in body
    assert "a note" not in body  # the moderators' own notes
    assert "hortensia" not in body.lower()


def test_an_empty_site_shows_zeros(client):
    response = client.get("/transparency")
    assert response.status_code == 200
    text = visible(response)
    assert f"{month_label(MONTHS[0])} 0 0 0 0 0 0 0" in text


def test_the_page_runs_a_fixed_number_of_queries(client, query_counter):
    with query_counter() as empty:
        assert client.get("/transparency").status_code == 200
    seed_month_figures()
    for index in range(30):
        log(AuditAction.hide, at(index % 12), guideline=list(GuidelineReason)[index % 8].value)
    with query_counter() as busy:
        assert client.get("/transparency").status_code == 200
    assert len(empty) == len(busy) <= 6  # 6: hidden items counted once (issue 17)


@pytest.mark.parametrize(
    ("today", "oldest"),
    [(date(2026, 1, 15), date(2025, 2, 1)), (date(2025, 12, 31), date(2025, 1, 1))],
)
def test_the_window_is_twelve_months_across_a_year_boundary(today, oldest):
    starts = _month_starts(today)
    assert starts[0] == today.replace(day=1)
    assert starts[-1] == oldest
    assert len(set(starts)) == 12
