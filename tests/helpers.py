"""Helpers shared by several test modules (fixtures live in conftest.py, rows in factories.py)."""

from __future__ import annotations

import re
import socket
from contextlib import contextmanager
from datetime import date, timedelta

from reviews.models import Outcome, ReviewStatus, Stage
from tests.factories import ReviewFactory, UserFactory
from timeutils import utcnow


def exact_dates(*days: date) -> list[str]:
    """The ways a page or an email could spell each day in full (DESIGN.md §5.1: nothing public
    carries a review's exact date, only its month)."""
    spellings = []
    for day in days:
        spellings += [
            day.isoformat(),
            f"{day.day} {day:%B}",
            f"{day:%B} {day.day}",
            f"{day.day} {day:%b}",
            f"{day:%b} {day.day}",
            f"{day:%d/%m/%Y}",
            f"{day:%m/%d/%Y}",
        ]
    return spellings


def exact_dates_in(text: str, *days: date) -> list[str]:
    """The spellings of the days that stand in the text as whole dates. A day number that runs
    into another digit is part of something else: "March 20" in "March 2026" is a month."""
    return [
        spelling
        for spelling in exact_dates(*days)
        if re.search(rf"(?<!\d){re.escape(spelling)}(?!\d)", text)
    ]


def queries_for_get(query_counter, client, url: str) -> int:
    """How many SQL statements answering a GET of the url takes (it must answer 200)."""
    with query_counter() as statements:
        response = client.get(url, buffered=True)
        response.get_data()
    assert response.status_code == 200, url
    return len(statements)


def report_review(review, reporter):
    """An open spam flag on the review from `reporter`, and a legal notice about it that the
    author has been told of: the two reports a moderator can act on."""
    from moderation.models import FlagReason
    from tests.factories import FlagFactory, LegalNoticeFactory
    from timeutils import utcnow

    flag = FlagFactory(
        review_id=review.id,
        reporter_id=reporter.id,
        reason=FlagReason.spam,
        explanation="Looks like an advert.",
    )
    notice = LegalNoticeFactory(
        review_id=review.id,
        notifier_name="A. Notifier",
        notifier_email="notifier@example.org",
        legal_basis="defamation",
        explanation="This is untrue.",
        author_informed_at=utcnow(),
    )
    return flag, notice


@contextmanager
def smtp_server():
    """A real SMTP server (aiosmtpd) on a free loopback port, keeping every message it is sent:
    yields (port, received)."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    received = []

    class Collect(Message):
        def handle_message(self, message):
            received.append(message)

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Collect(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, received
    finally:
        controller.stop()


# A mix of outcomes for statistics tests: decisions, silence, an open case and a withdrawal.
MIXED_OUTCOMES = (
    Outcome.ghosted,
    Outcome.rejected,
    Outcome.rejected,
    Outcome.offer,
    Outcome.waiting,
    Outcome.withdrew,
)


def review_with_outcome(
    employer, outcome, stage=Stage.interview, days_ago=40, status=ReviewStatus.published, **extra
):
    """A review of the employer by an account of its own, its last contact `days_ago` days ago,
    with a decision 5 days after it when the outcome is one (an offer is at the offer stage);
    `steps_bits` picks earlier steps to add to the stage's."""
    contact = date.today() - timedelta(days=days_ago)
    decision = extra.pop(
        "decision_days", 5 if outcome in (Outcome.rejected, Outcome.offer) else None
    )
    if outcome is Outcome.offer:
        stage = Stage.offer
    bits = extra.pop("steps_bits", None)
    if bits is not None:  # every step reached: the furthest (the stage) and some earlier ones
        extra["steps"] = (1 << stage.rank) | (bits & ((1 << stage.rank) - 1))
    return ReviewFactory(
        author=UserFactory(),
        employer_id=employer.id,
        outcome=outcome,
        stage=stage,
        decision_days=decision,
        process_month=(contact - timedelta(days=10)).replace(day=1),
        last_contact_on=contact,
        status=status,
        publish_at=utcnow() - timedelta(hours=1) if status is ReviewStatus.scheduled else None,
        **extra,
    )
