"""The history of an employer's response commitments on its public page (issue 17): each ended
commitment with its months and its own record, so replacing a commitment can't hide how it was
kept; and a weaker replacement within REPLACE_AFTER_DAYS is refused."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from extensions import db
from representatives.commitments import REPLACE_AFTER_DAYS, commitment_history
from reviews.models import Outcome, Stage
from scoring.stats import refresh_employer
from tests.conftest import page_text, post_form
from tests.factories import (
    EmployerFactory,
    ResponseCommitmentFactory,
    ReviewFactory,
    UserFactory,
)
from tests.functional.test_dashboard import PASSWORD, signed_in_representative
from tests.helpers import exact_dates_in

NOW = datetime(2026, 9, 17, 9, 30)
TAG = re.compile(r"<[^>]+>")


@pytest.fixture
def clock():
    with time_machine.travel(NOW.replace(tzinfo=UTC), tick=False) as traveller:
        yield traveller


def words(response) -> str:
    text = " ".join(TAG.sub(" ", page_text(response)).split())
    return text.replace(" ,", ",").replace(" .", ".")


def commit(employer, days, published, withdrawn=None):
    return ResponseCommitmentFactory(
        employer_id=employer.id, days=days, published_at=published, withdrawn_at=withdrawn
    )


def review(employer, number, month: date, **values):
    values.setdefault("stage", Stage.interview)
    values.setdefault("feedback", None)
    return ReviewFactory(
        employer_id=employer.id,
        author=UserFactory(email=f"history.author{number}@example.org", verified=True),
        process_month=month,
        last_contact_on=month + timedelta(days=9),
        **values,
    )


def fresh_session(auth):
    """Signed in again after the clock jumped past the session's lifetime."""
    if auth.client.get("/account").status_code == 200:
        auth.sign_out()
    assert auth.sign_in("rep@quibblewick.example", PASSWORD).status_code == 302


def publish(client, employer, days):
    return post_form(
        client, "/employer/commitment", {"employer": employer.slug, "days": days}, page="/employer"
    )


def test_the_page_lists_each_ended_commitment_with_its_own_record(client, clock):
    employer = EmployerFactory(name="Larkspur Analytics")
    # 14 days from March, replaced in June by 10 days, withdrawn in August; 21 days since then.
    commit(employer, 14, datetime(2026, 3, 3), datetime(2026, 6, 9))
    commit(employer, 10, datetime(2026, 6, 9), datetime(2026, 8, 2))
    commit(employer, 21, datetime(2026, 8, 20))
    # Under the first: two kept, one late, two silent (five candidates) in March to May.
    for number, (month, values) in enumerate(
        [
            (date(2026, 3, 1), {"outcome": Outcome.rejected, "decision_days": 5}),
            (date(2026, 4, 1), {"outcome": Outcome.rejected, "decision_days": 14}),
            (date(2026, 4, 1), {"outcome": Outcome.rejected, "decision_days": 30}),
            (date(2026, 5, 1), {"outcome": Outcome.ghosted, "stage": Stage.final}),
            (date(2026, 5, 1), {"outcome": Outcome.ghosted}),
        ]
    ):
        review(employer, number, month, **values)
    # Under the second (June, July): two reports, too few to show.
    review(employer, 10, date(2026, 6, 1), outcome=Outcome.rejected, decision_days=3)
    review(employer, 11, date(2026, 7, 1), outcome=Outcome.ghosted)
    db.session.commit()
    refresh_employer(employer.id)
    db.session.commit()

    history = commitment_history(employer.id)
    assert history.live.days == 21 and history.live.since == "August 2026"
    first = history.past[1]
    assert (first.days, first.since, first.until, first.replaced_by) == (
        14,
        "March 2026",
        "June 2026",
        10,
    )
    assert (first.within, first.later, first.silent, first.kept_percent) == (2, 1, 2, 40)
    second = history.past[0]
    assert (second.until, second.replaced_by, second.measured) == ("August 2026", None, False)

    text = words(client.get(f"/employers/{employer.slug}"))
    assert "Earlier response commitments" in text
    assert (
        "“Within 14 days”, March 2026 to June 2026 (replaced by a promise of 10 days). "
        "Kept for 40% of 5 reports: 2 heard a decision in time, 1 later, 2 never heard back."
    ) in text
    assert "“Within 10 days”, June 2026 to August 2026 (withdrawn). Too few reports" in text
    assert "within 21 days" in text  # the live one, as before
    # Months only: no day of a commitment or of a review is shown.
    days = [date(2026, 3, 3), date(2026, 6, 9), date(2026, 8, 2), date(2026, 8, 20)]
    assert exact_dates_in(text, *days) == []
    assert "history.author" not in text


def test_a_commitment_ended_in_its_first_month_has_nothing_to_measure(client, clock):
    employer = EmployerFactory()
    commit(employer, 30, datetime(2026, 9, 1), datetime(2026, 9, 5))
    commit(employer, 7, datetime(2026, 9, 5))
    text = words(client.get(f"/employers/{employer.slug}"))
    assert "“Within 30 days”, September 2026 (replaced by a promise of 7 days)." in text
    assert "less than a calendar month" in text


def test_no_history_no_section(client, clock):
    employer = EmployerFactory()
    commit(employer, 7, datetime(2026, 9, 1))
    assert "Earlier response commitments" not in words(client.get(f"/employers/{employer.slug}"))


def test_replacing_with_a_weaker_promise_within_30_days_is_refused(client, auth, clock):
    employer = EmployerFactory()
    signed_in_representative(auth, employer)
    assert publish(client, employer, 14).status_code == 302

    clock.shift(timedelta(days=REPLACE_AFTER_DAYS - 1))
    fresh_session(auth)
    for days in (14, 30):
        refused = publish(client, employer, days)
        assert refused.status_code == 422
        text = words(refused)
        assert "must be stricter: fewer than 14 days" in text
        assert f'value="{days}"' in page_text(refused)  # what was typed is kept
    assert commitment_history(employer.id).live.days == 14

    assert publish(client, employer, 10).status_code == 302  # stricter: at once
    history = commitment_history(employer.id)
    assert history.live.days == 10 and history.past[0].days == 14

    # Withdrawing and publishing again is no way round it.
    post_form(
        client, "/employer/commitment/withdraw", {"employer": employer.slug}, page="/employer"
    )
    assert publish(client, employer, 10).status_code == 422
    clock.shift(timedelta(days=REPLACE_AFTER_DAYS))
    fresh_session(auth)
    assert publish(client, employer, 45).status_code == 302
    assert [item.days for item in commitment_history(employer.id).past] == [10, 14]


def test_the_page_costs_the_same_queries_with_one_commitment_or_many(client, clock, query_counter):
    counts = []
    for ended in (0, 12):
        employer = EmployerFactory()
        start = datetime(2025, 1, 1)
        for index in range(ended):
            commit(
                employer,
                20 - index,
                start + timedelta(days=31 * index),
                start + timedelta(days=31 * (index + 1)),
            )
        commit(employer, 7, datetime(2026, 9, 1))
        client.get(f"/employers/{employer.slug}")  # warm the page's caches alike
        with query_counter() as statements:
            assert client.get(f"/employers/{employer.slug}?n={ended}").status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1]
