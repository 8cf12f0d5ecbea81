"""Abuse: sock puppets, copied texts and link spam against the automatic holds and the burst cap
(DESIGN.md §8). Reviews go through the real service path: reviews.services.prepare and
submit, then reviews.lifecycle.publish_due once the clock has passed their publish_at."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from employers.models import EmployerStats
from extensions import db
from reviews import fields, holds, services
from reviews.lifecycle import on_published, publish_due
from reviews.models import HoldReason, Outcome, Review, ReviewStatus, Stage
from scoring.stats import (
    FACT_COLUMNS,
    current_inputs,
    employer_figures,
    facts_from_review,
    recompute,
    refresh_employer,
)
from tests.conftest import page_text
from tests.factories import EmployerFactory, ReviewFactory, UserFactory
from timeutils import month_start

START = datetime(2026, 3, 2, 10, 0)  # naive UTC, as stored

PRAISE = [
    "Wonderful company, the best hiring process I have ever been through, everyone was kind "
    "and they answered within a day. I cannot recommend them enough to anyone looking.",
    "Amazing experience from start to finish. The team were friendly, quick to reply and "
    "honest about the timeline, and the offer came in two days. Truly a great employer.",
    "Fantastic employer that respects candidates. Clear steps, fast answers and an offer "
    "within the week. Everyone should apply here, it is a dream place to work for sure.",
    "Best interview process ever. Organised, transparent, respectful of my time and they "
    "called me with an offer two days later. Five stars, would go through it again.",
    "Brilliant people and a really smooth process, nothing like the horror stories you hear. "
    "They kept every promise and made an offer quickly. Highly recommended to all.",
    "I was impressed at every stage: quick scheduling, thoughtful questions, and a generous "
    "offer the day after the final round. A model for how hiring should be done.",
    "Simply the most candidate friendly company around. They told me the plan on day one "
    "and stuck to it, then made an offer. Do not believe anyone who says otherwise.",
    "Super professional and warm. Every email answered the same day and the decision came "
    "when they said it would. I am delighted and would tell every friend to apply.",
]

# Ordinary stories, some sharing the usual phrases ("applied online", "phone screen").
HONEST = [
    "Applied online in January. A recruiter called two weeks later for a phone screen, then "
    "a technical interview with two engineers. They promised an answer within a week and it "
    "took three, but it was a clear no with a couple of useful points about system design.",
    "I had a phone screen and a take-home assignment that took most of a weekend. After I "
    "submitted it I followed up twice over a month and never heard anything back at all.",
    "Referral from a former colleague. Three rounds on video, all well organised, and the "
    "hiring manager phoned me herself with the offer. The paperwork took longer than the "
    "interviews, but they kept me posted about it.",
    "Applied online and got an automated rejection after ten days. No feedback, but at least "
    "I was not left waiting, which is more than most companies manage these days.",
    "The agency put me forward and I did two interviews on site. The agency kept saying the "
    "client was deciding. Six weeks later the role was filled internally and nobody told me "
    "directly; I found out from the job board.",
]


@pytest.fixture
def clock(app):
    with time_machine.travel(START.replace(tzinfo=UTC), tick=False) as traveller:
        yield traveller


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def values(outcome=Outcome.offer, narrative=None, **extra) -> dict:
    """A review's model values, as reviews.forms.ReviewForm.values() gives them."""
    contact = now().date() - timedelta(days=3)
    stage = Stage.offer if outcome in (Outcome.offer, Outcome.rescinded) else Stage.interview
    decided = outcome in (Outcome.offer, Outcome.rejected, Outcome.rescinded)
    return {
        "process_month": month_start(contact - timedelta(days=20)),
        "stage": stage,
        "outcome": outcome,
        "last_contact_on": contact,
        "decision_days": 2 if decided else None,
        "narrative": narrative,
        **extra,
    }


def submit(author, employer, **kwargs) -> Review:
    prepared = services.prepare(values(**kwargs), author)
    review = services.submit(author, employer, prepared)
    db.session.commit()
    return review


def fresh(review: Review) -> Review:
    db.session.expire_all()
    return db.session.get(Review, review.id)


def stats_of(employer) -> EmployerStats:
    db.session.expire_all()
    return db.session.get(EmployerStats, employer.id)


def moderator_publishes(review: Review) -> None:
    """What a moderator's "publish" does to a held review (moderation builds the action)."""
    review.status = ReviewStatus.published
    review.hold_reason = None
    review.published_at = now()
    on_published(review)
    db.session.commit()


def past_review(employer, days_ago: int, outcome=Outcome.ghosted, **extra) -> Review:
    """A review published `days_ago` days ago, its last contact a week before that."""
    contact = (now() - timedelta(days=days_ago + 7)).date()
    return ReviewFactory(
        author=UserFactory(verified=True),
        employer_id=employer.id,
        stage=Stage.interview,
        outcome=outcome,
        decision_days=5 if outcome is Outcome.rejected else None,
        process_month=month_start(contact),
        last_contact_on=contact,
        created_at=now() - timedelta(days=days_ago + 5),
        published_at=now() - timedelta(days=days_ago),
        **extra,
    )


def score_without_capped(employer) -> float | None:
    """The employer's score computed from its published reviews that are not burst-capped."""
    today = now().date()
    rows = db.session.execute(
        select(*FACT_COLUMNS).where(
            Review.employer_id == employer.id,
            Review.status == ReviewStatus.published,
            Review.burst_capped_at.is_(None),
        )
    ).all()
    facts = [facts_from_review(row, today) for row in rows]
    return employer_figures(facts, current_inputs(), today, employer.industry.value)["score"]


# --- sock puppets ------------------------------------------------------------------------------


def test_sock_puppets_praising_a_small_employer_are_held_and_capped(clock, client, auth):
    employer = EmployerFactory(name="Tiny Teapot Works", slug="tiny-teapot-works")
    past_review(employer, days_ago=100)
    past_review(employer, days_ago=250)
    refresh_employer(employer.id)
    db.session.commit()
    cap = holds.burst_cap(2)  # its two reviews of the last year: expected 0.08, the floor
    assert cap == holds.CAP_FLOOR == 3
    before = stats_of(employer).score

    # Eight new verified accounts praise it within a week, one a day.
    puppets = [UserFactory(verified=True) for _ in PRAISE]
    clock.shift(timedelta(days=2))  # the accounts are a couple of days old
    reviews = []
    for puppet, text in zip(puppets, PRAISE, strict=True):
        reviews.append(submit(puppet, employer, narrative=text))
        clock.shift(timedelta(hours=20))
    reviews = [fresh(review) for review in reviews]

    # The first two pass; from the third on, the window's mean is far above the estimate.
    assert [r.status for r in reviews[:2]] == [ReviewStatus.scheduled] * 2
    assert {(r.status, r.hold_reason) for r in reviews[2:]} == {
        (ReviewStatus.held, HoldReason.direction_burst)
    }
    auth.sign_in(puppets[-1].email)
    assert "Pending moderation" in page_text(client.get("/me"))
    auth.sign_out()

    # The two scheduled ones are published by the tick; they fit under the cap.
    clock.shift(timedelta(days=11))
    assert publish_due(now()) == 2
    db.session.commit()
    assert all(fresh(r).burst_capped_at is None for r in reviews[:2])

    # A moderator publishes the held ones (say they look genuine): over the cap, they stay
    # visible but are not scored.
    clock.shift(timedelta(days=1))
    for review in reviews[2:]:
        moderator_publishes(fresh(review))
    reviews = [fresh(review) for review in reviews]
    assert all(r.status is ReviewStatus.published for r in reviews)
    capped = [r for r in reviews if r.burst_capped_at is not None]
    scored_puppets = [r for r in reviews if r.burst_capped_at is None]
    assert len(scored_puppets) == cap
    assert len(capped) == len(PRAISE) - cap

    stats = stats_of(employer)
    assert stats.review_count == 2 + len(PRAISE)  # all shown
    assert stats.scored_reviews == 2 + cap  # only these count
    assert stats.score == pytest.approx(score_without_capped(employer))
    assert stats.score > before  # the two that got through did move it

    # recompute (the rebuild from scratch) gives the same number.
    stored = stats.score
    recompute(refresh_parameters=False)
    db.session.commit()
    assert stats_of(employer).score == pytest.approx(stored)

    # Visible, marked "pending moderation", on the employer's pages.
    page = page_text(client.get(f"/employers/{employer.slug}"))
    assert "pending moderation" in page
    listing = page_text(client.get(f"/employers/{employer.slug}/reviews"))
    assert listing.count("pending moderation") == len(capped)
    shown = page_text(client.get(f"/reviews/{capped[0].public_id}"))
    assert "pending moderation" in shown
    assert "pending moderation" not in page_text(
        client.get(f"/reviews/{scored_puppets[0].public_id}")
    )

    # A moderator clears one: it is scored, and the score changes with it.
    holds.clear_burst_cap(capped[0])
    db.session.commit()
    after = stats_of(employer)
    assert fresh(capped[0]).burst_capped_at is None
    assert after.scored_reviews == 2 + cap + 1
    assert after.score > stored
    assert after.score == pytest.approx(score_without_capped(employer))
    listing = page_text(client.get(f"/employers/{employer.slug}/reviews"))
    assert listing.count("pending moderation") == len(capped) - 1


def test_the_cap_rolls_over_fourteen_days_and_follows_the_employers_usual_pace(clock):
    employer = EmployerFactory()
    # 73 reviews over the last year, none in the last fortnight: expected 2.8, cap 6.
    for day in range(20, 20 + 73 * 4, 4):
        past_review(employer, days_ago=day)
    assert holds.burst_cap(73) == 6
    batch = [
        ReviewFactory(
            author=UserFactory(),
            employer_id=employer.id,
            status=ReviewStatus.scheduled,
            publish_at=now() - timedelta(hours=1),
            new_account=True,  # the cap is on new accounts' reviews (established ones are trusted)
        )
        for _ in range(10)
    ]
    assert publish_due(now()) == 10
    db.session.commit()
    # Six new ones fill the cap of 6; with them the last year holds 79 reviews, expected 3.03,
    # so the cap becomes 7 (the text of §8: the year's reviews include the new ones that count).
    assert holds.burst_cap(73 + 6) == 7
    capped = [r for r in map(fresh, batch) if r.burst_capped_at is not None]
    assert len(capped) == 10 - 7
    assert stats_of(employer).scored_reviews == 73 + 7

    # Still inside the fortnight: the next one is capped too.
    clock.shift(timedelta(days=13))
    late = ReviewFactory(
        employer_id=employer.id, status=ReviewStatus.scheduled, publish_at=now(), new_account=True
    )
    publish_due(now())
    db.session.commit()
    assert fresh(late).burst_capped_at is not None

    # Once the batch is more than 14 days old, new reviews count again.
    clock.shift(timedelta(days=2))
    later = ReviewFactory(
        employer_id=employer.id, status=ReviewStatus.scheduled, publish_at=now(), new_account=True
    )
    publish_due(now())
    db.session.commit()
    assert fresh(later).burst_capped_at is None


def test_capped_reviews_do_not_raise_the_expectation(clock):
    employer = EmployerFactory()
    # Two counted reviews and forty capped ones in the last year: 42 would give cap 4, the two
    # that count give cap 3.
    for day in (200, 300):
        past_review(employer, days_ago=day)
    for day in range(8, 328, 8):
        past_review(employer, days_ago=day, burst_capped_at=now() - timedelta(days=day))
    assert (holds.burst_cap(2), holds.burst_cap(42)) == (3, 4)
    batch = [
        ReviewFactory(
            employer_id=employer.id,
            status=ReviewStatus.scheduled,
            publish_at=now(),
            new_account=True,
        )
        for _ in range(4)
    ]
    publish_due(now())
    db.session.commit()
    assert sum(fresh(r).burst_capped_at is None for r in batch) == 3


def test_a_brand_new_employer_scores_three_new_reviews_a_fortnight(clock):
    employer = EmployerFactory()
    batch = [
        ReviewFactory(
            author=UserFactory(),
            employer_id=employer.id,
            outcome=outcome,
            decision_days=5 if outcome is Outcome.rejected else None,
            status=ReviewStatus.scheduled,
            publish_at=now(),
            new_account=True,
        )
        for outcome in (Outcome.ghosted, Outcome.rejected, Outcome.ghosted, Outcome.rejected)
    ]
    publish_due(now())
    db.session.commit()
    assert sum(fresh(r).burst_capped_at is None for r in batch) == 3
    assert stats_of(employer).review_count == 4
    assert stats_of(employer).scored_reviews == 3


# --- copied texts and link spam ----------------------------------------------------------------


def test_a_copied_text_from_a_second_account_is_held(clock):
    first, second = EmployerFactory(), EmployerFactory()
    original = HONEST[0]
    copy = original.replace("January", "February").replace("three", "four")
    a = submit(UserFactory(verified=True), first, outcome=Outcome.rejected, narrative=original)
    b = submit(UserFactory(verified=True), second, outcome=Outcome.rejected, narrative=copy)
    assert fresh(a).status is ReviewStatus.scheduled
    assert (fresh(b).status, fresh(b).hold_reason) == (
        ReviewStatus.held,
        HoldReason.near_duplicate,
    )


def test_the_original_stays_unheld_when_its_author_updates_it(clock):
    employer = EmployerFactory()
    author = UserFactory(verified=True)
    original = submit(author, employer, outcome=Outcome.waiting, narrative=HONEST[1])
    submit(
        UserFactory(verified=True), EmployerFactory(), outcome=Outcome.ghosted, narrative=HONEST[1]
    )
    update = services.prepare({**fields.values_of(original), "outcome": Outcome.ghosted}, author)
    services.update(original, author, update)
    db.session.commit()
    assert fresh(original).status is ReviewStatus.scheduled


def test_the_same_author_pasting_one_story_into_two_employers_is_held(clock):
    author = UserFactory(verified=True)
    submit(author, EmployerFactory(), outcome=Outcome.ghosted, narrative=HONEST[1])
    second = submit(author, EmployerFactory(), outcome=Outcome.ghosted, narrative=HONEST[1])
    assert fresh(second).hold_reason is HoldReason.near_duplicate


def test_short_identical_texts_are_not_held(clock):
    text = "Applied online, never heard back."
    reviews = [
        submit(
            UserFactory(verified=True), EmployerFactory(), outcome=Outcome.ghosted, narrative=text
        )
        for _ in range(3)
    ]
    assert all(fresh(r).status is ReviewStatus.scheduled for r in reviews)


@pytest.mark.parametrize(
    ("narrative", "stored"),
    [
        (
            "Great company!!! Apply at https://jobs-fast.example/apply and see "
            "https://jobs-fast.example/bonus for more.",
            "Great company!!! Apply at [removed] and see [removed] for more.",
        ),
        # Nothing to remove: the spam phrase alone holds the review, kept as written.
        *(
            (text, text)
            for text in (
                "Best employer ever, use promo code WIN50 when you sign up.",
                "They ghosted me. Meanwhile, try the online casino that pays out daily.",
            )
        ),
    ],
)
def test_link_spam_is_held(clock, narrative, stored):
    review = submit(UserFactory(verified=True), EmployerFactory(), narrative=narrative)
    assert (fresh(review).status, fresh(review).hold_reason) == (
        ReviewStatus.held,
        HoldReason.link_spam,
    )
    # Every link is removed from the stored text, each where it stood.
    assert fresh(review).narrative == stored


def test_a_suspected_name_is_the_reason_shown_first(clock):
    text = (
        "Recruiter Jane Doe sent me to https://a.example/x and https://b.example/y, then nothing."
    )
    review = submit(UserFactory(verified=True), EmployerFactory(), narrative=text)
    assert fresh(review).hold_reason is HoldReason.suspected_name


def test_an_update_that_adds_links_is_held_and_one_that_removes_them_is_released(clock):
    author = UserFactory(verified=True)
    review = submit(author, EmployerFactory(), outcome=Outcome.ghosted, narrative=HONEST[1])
    assert fresh(review).status is ReviewStatus.scheduled
    spam = "Forget them, go to https://x.example/jobs or https://y.example/jobs instead."
    values_now = fields.values_of(fresh(review))
    services.update(review, author, services.prepare({**values_now, "narrative": spam}, author))
    db.session.commit()
    assert fresh(review).hold_reason is HoldReason.link_spam
    clean = {**fields.values_of(fresh(review)), "narrative": HONEST[1]}
    services.update(review, author, services.prepare(clean, author))
    db.session.commit()
    assert fresh(review).status is ReviewStatus.scheduled


# --- no false positives ------------------------------------------------------------------------


def test_ordinary_reviews_are_not_held(clock):
    outcomes = [
        Outcome.rejected,
        Outcome.ghosted,
        Outcome.offer,
        Outcome.rejected,
        Outcome.ghosted,
    ]
    reviews = [
        submit(UserFactory(verified=True), EmployerFactory(), outcome=outcome, narrative=text)
        for outcome, text in zip(outcomes, HONEST, strict=True)
    ]
    assert [fresh(r).status for r in reviews] == [ReviewStatus.scheduled] * len(HONEST)


def test_three_mixed_reviews_of_one_employer_in_a_week_are_not_a_burst(clock):
    employer = EmployerFactory()
    reviews = []
    for outcome, text in zip(
        (Outcome.offer, Outcome.ghosted, Outcome.rejected), HONEST[2:], strict=True
    ):
        reviews.append(
            submit(UserFactory(verified=True), employer, outcome=outcome, narrative=text)
        )
        clock.shift(timedelta(days=2))
    assert [fresh(r).status for r in reviews] == [ReviewStatus.scheduled] * 3


def test_three_ghostings_at_a_responsive_employer_are_a_burst(clock):
    """The detector works both ways: a run of bad reviews far below the estimate is held too."""
    employer = EmployerFactory()
    for day in range(30, 330, 30):
        past_review(employer, days_ago=day, outcome=Outcome.rejected)
    refresh_employer(employer.id)
    db.session.commit()
    reviews = [
        submit(UserFactory(verified=True), employer, outcome=Outcome.ghosted) for _ in range(3)
    ]
    statuses = [(fresh(r).status, fresh(r).hold_reason) for r in reviews]
    assert statuses[:2] == [(ReviewStatus.scheduled, None)] * 2
    assert statuses[2] == (ReviewStatus.held, HoldReason.direction_burst)


def test_a_direction_burst_hold_is_not_released_by_an_edit(clock):
    employer = EmployerFactory()
    for day in range(30, 330, 30):
        past_review(employer, days_ago=day, outcome=Outcome.rejected)
    refresh_employer(employer.id)
    db.session.commit()
    authors = [UserFactory(verified=True) for _ in range(3)]
    reviews = [submit(author, employer, outcome=Outcome.ghosted) for author in authors]
    held, author = reviews[2], authors[2]
    assert fresh(held).hold_reason is HoldReason.direction_burst
    clock.shift(timedelta(days=30))
    edit = {**fields.values_of(fresh(held)), "narrative": HONEST[1]}
    services.update(fresh(held), author, services.prepare(edit, author))
    db.session.commit()
    assert fresh(held).hold_reason is HoldReason.direction_burst


def test_a_resubmitted_hidden_review_goes_through_the_checks(clock):
    author = UserFactory(verified=True)
    review = ReviewFactory(author=author, status=ReviewStatus.hidden)
    spam = "Forget them, go to https://x.example/jobs or https://y.example/jobs instead."
    edit = {**fields.values_of(review), "narrative": spam}
    services.update(review, author, services.prepare(edit, author))
    db.session.commit()
    assert (fresh(review).status, fresh(review).hold_reason) == (
        ReviewStatus.held,
        HoldReason.link_spam,
    )
