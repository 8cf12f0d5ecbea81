"""The moderation queue at volume (DESIGN.md §8): sections in pages with their counts, an excerpt
and the employer on each item, filters that refuse hostile values in words, "next item" after an
action (never to another site), bulk dismiss and bulk publish with one reason and one audit row
per item, resubmitted reviews where they belong, labels instead of codes, and authors still only
pseudonyms (DESIGN.md §5.6). CSRF on."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from extensions import db
from moderation import bulk
from moderation import queue as moderation_queue
from moderation.models import AuditAction, AuditLog, Flag, FlagReason, FlagStatus
from reviews.models import HoldReason, Review, ReviewStatus, RevisionSource
from tests.conftest import page_text, post_form
from tests.factories import (
    AuditLogFactory,
    EmployerFactory,
    RepresentativeFactory,
    ReviewFactory,
    ReviewRevisionFactory,
)
from tests.functional.test_moderation_queue import (
    AUTHOR_EMAIL,
    FLAGGER_EMAIL,
    client_as,
    days_ago,
    make_flag,
    make_people,
    visible,
)
from timeutils import month_start, utcnow

DASH = "\N{EN DASH}"
LONG_TEXT = "The recruiter said they would call back by Friday. " * 10  # ~520 characters


@pytest.fixture
def people(app):
    return make_people()


def month(n: int):
    return month_start((utcnow() - timedelta(days=40 + 31 * n)).date())


def held(employer, n: int, reason=HoldReason.link_spam, **values) -> Review:
    values.setdefault("created_at", days_ago(n % 20))
    return ReviewFactory(
        employer_id=employer.id,
        status=ReviewStatus.held,
        hold_reason=reason,
        published_at=None,
        process_month=month(n),
        narrative=values.pop("narrative", f"Held review number {n}. {LONG_TEXT}"),
        **values,
    )


def audit_rows(action=None) -> list[AuditLog]:
    db.session.expire_all()
    query = select(AuditLog).order_by(AuditLog.id)
    if action is not None:
        query = query.where(AuditLog.action == action)
    return list(db.session.scalars(query))


# --- pages, excerpts, filters -------------------------------------------------------------------


def test_a_section_pages_through_every_item_with_its_count(app, people):
    employer = people["employer"]
    reviews = [held(employer, n) for n in range(30)]
    client = client_as(app, people["moderator"])

    text = visible(client.get("/moderation"))
    assert "Held reviews 30" in text and f"1{DASH}25 of 30 (page 1 of 2)" in text
    assert "Next page of held reviews" in text
    first = visible(client.get("/moderation?section=held_reviews&page=2"))
    assert f"26{DASH}30 of 30 (page 2 of 2)" in first and "Previous page of held reviews" in first
    # Only the chosen section, and every review on one of the two pages.
    assert "Reports on reviews and responses" not in first
    pages = page_text(client.get("/moderation?section=held_reviews")) + page_text(
        client.get("/moderation?section=held_reviews&page=2")
    )
    assert all(f"/moderation/reviews/{review.public_id}?" in pages for review in reviews)
    # A page past the end is the last one; a page that isn't a number is the first.
    assert f"26{DASH}30 of 30" in visible(client.get("/moderation?section=held_reviews&page=99"))
    assert f"1{DASH}25 of 30" in visible(client.get("/moderation?section=held_reviews&page=²"))


def test_each_item_shows_an_excerpt_and_its_employer(app, people):
    review = held(people["employer"], 1)
    flagged = ReviewFactory(
        employer_id=EmployerFactory(name="Fizzlebrook Logistics").id,
        narrative="Nobody wrote back after the second interview.",
    )
    make_flag(review=flagged, reporter=people["candidate"])
    text = visible(client_as(app, people["moderator"]).get("/moderation"))
    shown = review.narrative[: moderation_queue.EXCERPT_CHARS]
    assert f"{shown}…" in text and review.narrative not in text
    assert "A review of Snorkeldown Analytics" in text
    assert "A review of Fizzlebrook Logistics" in text
    assert "Nobody wrote back after the second interview." in text


def test_filters_by_employer_reason_and_age(app, people):
    employer = people["employer"]
    other = EmployerFactory(name="Fizzlebrook Logistics", slug="fizzlebrook-logistics")
    old_spam = held(employer, 1, HoldReason.link_spam, created_at=days_ago(12))
    new_spam = held(employer, 2, HoldReason.link_spam, created_at=days_ago(1))
    name = held(employer, 3, HoldReason.suspected_name, created_at=days_ago(12))
    elsewhere = held(other, 4, HoldReason.link_spam, created_at=days_ago(12))
    spam_flag = make_flag(
        review=ReviewFactory(employer_id=employer.id),
        reporter=people["candidate"],
        reason=FlagReason.spam,
    )
    client = client_as(app, people["moderator"])

    def listed(query: str) -> set[str]:
        body = page_text(client.get("/moderation?" + query))
        return {
            review.public_id
            for review in (old_spam, new_spam, name, elsewhere)
            if f"/moderation/reviews/{review.public_id}?" in body
        }

    assert listed("employer=fizzle") == {elsewhere.public_id}
    assert listed("employer=snorkeldown-analytics") == {
        old_spam.public_id,
        new_spam.public_id,
        name.public_id,
    }
    assert listed("reason=hold:link_spam") == {
        old_spam.public_id,
        new_spam.public_id,
        elsewhere.public_id,
    }
    assert listed("reason=hold:link_spam&older_than=7&employer=Snorkel") == {old_spam.public_id}
    text = visible(client.get("/moderation?reason=flag:spam"))
    assert "Reports on reviews and responses 1" in text and "Held reviews 0" in text
    assert f'value="{spam_flag.id}"' in page_text(client.get("/moderation?reason=flag:spam"))
    # A wildcard is a character like any other.
    assert listed("employer=%25") == set()


HOSTILE = [
    ("section", "nope", "There is no such section"),
    ("section", "flags\x00", "There is no such section"),
    ("employer", "x" * 5000, "at most 100 characters"),
    ("employer", "Snorkel\x07", "at most 100 characters"),
    ("reason", "hold:nope", "Choose a reason from the list"),
    ("reason", "' OR 1=1 --", "Choose a reason from the list"),
    ("older_than", "-1", "whole number of days"),
    ("older_than", "99999999999999999999", "whole number of days"),
    ("older_than", "٣", "whole number of days"),
]


@pytest.mark.parametrize(("name", "value", "message"), HOSTILE)
def test_hostile_filter_values_are_refused_in_words(app, people, name, value, message):
    held(people["employer"], 1)
    response = client_as(app, people["moderator"]).get("/moderation", query_string={name: value})
    assert response.status_code == 200
    assert message in visible(response)
    assert "Held reviews 1" in visible(response)  # the refused filter is off, the rest shown


def test_an_employer_filter_is_escaped_and_kept_as_typed(app, people):
    typed = "<script>alert(1)</script>"
    response = client_as(app, people["moderator"]).get(
        "/moderation", query_string={"employer": typed}
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and typed not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "Nothing waiting matches these filters." in visible(response)


def test_the_filtered_queue_costs_a_fixed_number_of_queries(app, query_counter, people):
    from tests.helpers import queries_for_get

    client = client_as(app, people["moderator"])
    path = "/moderation?employer=snorkel&older_than=0"
    held(people["employer"], 1)
    make_flag(review=ReviewFactory(employer_id=people["employer"].id), reporter=people["candidate"])
    few = queries_for_get(query_counter, client, path)
    for n in range(2, 40):
        held(people["employer"], n)
        make_flag(
            review=ReviewFactory(employer_id=people["employer"].id, process_month=month(n)),
            reporter=people["candidate"],
        )
    many = queries_for_get(query_counter, client, path)
    assert many == few


# --- resubmitted reviews and labels --------------------------------------------------------------


def test_a_review_resubmitted_after_a_hide_is_listed_as_resubmitted(app, people):
    """The checks ran again on the resubmission and found it part of a burst: it is still a
    resubmission, not a held review (the bug: "Held reviews" with "part of a burst", while
    "Resubmitted (0)")."""
    review = held(people["employer"], 1, HoldReason.direction_burst)
    AuditLogFactory(target_id=review.id, actor_id=people["moderator"].id)  # the earlier hide
    plain = held(people["employer"], 2, HoldReason.resubmitted)
    text = visible(client_as(app, people["moderator"]).get("/moderation"))
    assert "Held reviews 0" in text and "Resubmitted (2)" in text
    rows = text[text.index("Resubmitted reviews, oldest first") :]
    assert (
        "Resubmitted after a moderator hid it; the checks also found: part of a burst far from "
        "the employer's estimate" in rows
    )
    assert f"/moderation/reviews/{plain.public_id}" in page_text(
        client_as(app, people["moderator"]).get("/moderation?section=resubmitted")
    )


def test_the_review_page_shows_labels_not_codes(app, people):
    review = held(people["employer"], 1, HoldReason.direction_burst, country="GB")
    ReviewRevisionFactory(
        review_id=review.id,
        number=1,
        source=RevisionSource.author,
        data={"country": "GB", "status": "held", "hold_reason": "direction_burst"},
    )
    text = visible(
        client_as(app, people["moderator"]).get(f"/moderation/reviews/{review.public_id}")
    )
    assert "United Kingdom" in text
    assert "Part of a burst far from the employer's estimate" in text
    assert "direction burst" not in text and "direction_burst" not in text
    assert " GB " not in f" {text} "


def test_the_publication_window_comes_from_the_configuration(app, people):
    review = held(people["employer"], 1)
    app.config["REVIEW_PUBLISH_DELAY_MIN_HOURS"] = 48
    app.config["REVIEW_PUBLISH_DELAY_MAX_HOURS"] = 120
    client = client_as(app, people["moderator"])
    text = visible(client.get(f"/moderation/reviews/{review.public_id}"))
    assert "random moment 2 to 5 days after it was written" in text
    assert "3 to 10 days" not in text
    assert "2 to 5 days" in visible(client.get("/moderation"))


# --- next item ----------------------------------------------------------------------------------


def test_after_an_action_the_moderator_lands_on_the_next_item(app, people):
    employer = people["employer"]
    first, second = held(employer, 1, created_at=days_ago(9)), held(employer, 2)
    client = client_as(app, people["moderator"])
    queue_page = page_text(client.get("/moderation?section=held_reviews&reason=hold:link_spam"))
    link = f"/moderation/reviews/{first.public_id}?section=held_reviews&reason=hold:link_spam"
    assert f'href="{link}"' in queue_page
    page = f"/moderation/reviews/{first.public_id}?section=held_reviews&reason=hold:link_spam"
    body = page_text(client.get(page))
    assert 'name="next" value="/moderation/next?' in body and "Next item in this list" in body
    next_value = body.split('name="next" value="', 1)[1].split('"', 1)[0]
    response = post_form(
        client, f"/moderation/reviews/{first.public_id}/publish", {"next": next_value}, page=page
    )
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/moderation/next?")
    landed = client.get(response.headers["Location"])
    assert landed.status_code == 302
    location = urlsplit(landed.headers["Location"])
    assert location.path == f"/moderation/reviews/{second.public_id}"
    assert parse_qs(location.query) == {"section": ["held_reviews"], "reason": ["hold:link_spam"]}
    # The message of the action reaches the next item's page.
    assert "The review is" in visible(client.get(landed.headers["Location"]))

    # The last one: back to the queue, which says the list is empty.
    page = f"/moderation/reviews/{second.public_id}?section=held_reviews"
    body = page_text(client.get(page))
    next_value = body.split('name="next" value="', 1)[1].split('"', 1)[0]
    hide = {"guideline": "spam", "reason": "Spam.", "next": next_value}
    response = post_form(client, f"/moderation/reviews/{second.public_id}/hide", hide, page=page)
    done = client.get(response.headers["Location"], follow_redirects=True)
    assert urlsplit(done.request.url).path == "/moderation"
    assert "Nothing else is waiting in Held reviews." in visible(done)


@pytest.mark.parametrize(
    "hostile",
    [
        "https://evil.example/moderation/next?section=flags",
        "//evil.example/moderation/next",
        "/\\evil.example/moderation/next",
        "javascript:alert(1)",
        "/sign-out",
        "/moderation/next?section=flags&after=<script>",
        "/moderation/next\x00",
    ],
)
def test_next_never_leads_off_the_queue(app, people, hostile):
    review = held(people["employer"], 1)
    client = client_as(app, people["moderator"])
    page = f"/moderation/reviews/{review.public_id}"
    response = post_form(client, page + "/publish", {"next": hostile}, page=page)
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location == page or location.startswith("/moderation/next?")
    assert "evil" not in location and "script" not in location


def test_next_skips_the_item_just_handled_when_it_still_waits(app, people):
    employer = people["employer"]
    review = ReviewFactory(employer_id=employer.id, process_month=month(1))
    other = ReviewFactory(employer_id=employer.id, process_month=month(2))
    make_flag(review=review, reporter=people["candidate"], created_at=days_ago(3))
    make_flag(review=review, reporter=people["representative"], created_at=days_ago(2))
    make_flag(review=other, reporter=people["candidate"], created_at=days_ago(1))
    client = client_as(app, people["moderator"])
    response = client.get(f"/moderation/next?section=flags&after={review.public_id}")
    assert urlsplit(response.headers["Location"]).path == f"/moderation/reviews/{other.public_id}"


# --- bulk actions -------------------------------------------------------------------------------


def test_bulk_dismiss_dismisses_each_report_with_one_reason_and_skips_the_rest(app, people):
    moderator = people["moderator"]
    employer = people["employer"]
    flags = [
        make_flag(
            review=ReviewFactory(employer_id=employer.id, process_month=month(n)),
            reporter=people["candidate"],
        )
        for n in range(3)
    ]
    own = ReviewFactory(author=moderator, employer_id=employer.id, process_month=month(5))
    own_flag = make_flag(review=own, reporter=people["candidate"])
    client = client_as(app, moderator)
    ids = [str(flag.id) for flag in (*flags, own_flag)]
    response = post_form(
        client,
        "/moderation/bulk/dismiss-reports",
        {"items": ids, "reason": "Opinions, not guideline matters.", "next": "/moderation"},
        page="/moderation",
    )
    assert response.status_code == 302 and response.headers["Location"] == "/moderation"
    text = visible(client.get("/moderation"))
    assert "3 reports dismissed, each in the audit log." in text
    assert (
        "Skipped: The report on a review of Snorkeldown Analytics. This is your own review" in text
    )
    rows = audit_rows(AuditAction.dismiss_flag)
    assert sorted(row.target_id for row in rows) == sorted(flag.id for flag in flags)
    assert {row.reason for row in rows} == {"Opinions, not guideline matters."}
    assert {row.actor_id for row in rows} == {moderator.id}
    db.session.expire_all()
    assert db.session.get(Flag, own_flag.id).status is FlagStatus.open
    assert all(db.session.get(Flag, flag.id).status is FlagStatus.dismissed for flag in flags)


def test_bulk_publish_schedules_each_held_review_and_skips_what_cant_be(app, people):
    moderator = people["moderator"]
    employer = people["employer"]
    reviews = [held(employer, n, created_at=utcnow()) for n in range(3)]
    represented = EmployerFactory(name="Ownco")
    RepresentativeFactory(user_id=moderator.id, employer_id=represented.id)
    conflict = held(represented, 9)
    client = client_as(app, moderator)
    response = post_form(
        client,
        "/moderation/bulk/publish",
        {
            "items": [review.public_id for review in (*reviews, conflict)],
            "reason": "Links were to the employer's own careers page.",
            "origin": "held_reviews",
            "next": "/moderation?section=held_reviews",
        },
        page="/moderation",
    )
    assert response.headers["Location"] == "/moderation?section=held_reviews"
    text = visible(client.get(response.headers["Location"]))
    assert "3 reviews published or scheduled" in text
    assert "Skipped: A review of Ownco. You represent this employer" in text
    rows = audit_rows(AuditAction.publish)
    assert sorted(row.target_id for row in rows) == sorted(review.id for review in reviews)
    db.session.expire_all()
    for review in reviews:
        # Written just now: public only at its random moment (DESIGN.md §5.2), not at once.
        review = db.session.get(Review, review.id)
        assert review.status is ReviewStatus.scheduled and review.publish_at > utcnow()
    assert db.session.get(Review, conflict.id).status is ReviewStatus.held
    # Nothing public yet: the employer's page doesn't show them.
    public = client_as(app, None).get(f"/employers/{employer.slug}")
    assert "Held review number" not in page_text(public)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"reason": "Fine."}, "Tick at least one report"),
        ({"items": ["1"], "reason": ""}, "Give a reason"),
        ({"items": ["1; DROP TABLE flags"], "reason": "Fine."}, "isn't one this page offers"),
        ({"items": [str(n) for n in range(101)], "reason": "Fine."}, "Tick at most 100"),
        ({"items": ["99999999999"], "reason": "Fine."}, "isn't one this page offers"),
        ({"items": ["1"], "reason": "x" * 5000}, "Keep the reason to 500 characters"),
    ],
)
def test_a_refused_bulk_action_says_why_and_keeps_what_was_typed(app, people, data, message):
    flag = make_flag(
        review=ReviewFactory(employer_id=people["employer"].id), reporter=people["candidate"]
    )
    client = client_as(app, people["moderator"])
    data = {**data, "origin": "flags", "next": "/moderation?section=flags"}
    if data.get("items") == ["1"]:
        data["items"] = [str(flag.id)]
    response = post_form(client, "/moderation/bulk/dismiss-reports", data, page="/moderation")
    assert response.status_code == 422
    assert message in visible(response)
    if data.get("items") == [str(flag.id)]:
        ticked = f'value="{flag.id}" id="tick-flags-{flag.id}" form="bulk-flags" checked'
        assert ticked in page_text(response)
    if data.get("reason") == "Fine.":
        assert "Fine.</textarea>" in page_text(response)
    assert audit_rows() == []


def test_select_all_without_javascript_ticks_the_page(app, people):
    for n in range(3):
        make_flag(
            review=ReviewFactory(employer_id=people["employer"].id, process_month=month(n)),
            reporter=people["candidate"],
        )
    body = page_text(
        client_as(app, people["moderator"]).get("/moderation?section=flags&select=flags")
    )
    assert body.count('form="bulk-flags" checked') == 3
    assert "Select all on this page" in body


def test_bulk_services_write_one_audit_row_per_item(app, people):
    moderator = people["moderator"]
    flags = [
        make_flag(
            review=ReviewFactory(employer_id=people["employer"].id, process_month=month(n)),
            reporter=people["candidate"],
        )
        for n in range(2)
    ]
    result = bulk.dismiss_flags(
        [flags[0].id, flags[0].id, flags[1].id, 10**8], moderator, "Duplicate reports.", utcnow()
    )
    db.session.flush()
    assert len(result.done) == 2 and result.skipped == [
        ("Report 100000000", "It no longer exists.")
    ]
    assert len(audit_rows(AuditAction.dismiss_flag)) == 2


# --- anonymity ----------------------------------------------------------------------------------


def test_the_queue_and_bulk_results_name_no_author_or_flagger(app, people):
    author = people["author"]
    review = held(people["employer"], 1, author=author)
    flag = make_flag(
        review=ReviewFactory(
            author=author, employer_id=people["employer"].id, process_month=month(3)
        ),
        reporter=people["candidate"],
    )
    client = client_as(app, people["moderator"])
    pages = [client.get("/moderation"), client.get("/moderation?section=flags&select=flags")]
    post_form(
        client,
        "/moderation/bulk/dismiss-reports",
        {"items": [str(flag.id)], "reason": "No."},
        page="/moderation",
    )
    pages.append(client.get("/moderation"))
    pages.append(client.get(f"/moderation/reviews/{review.public_id}?section=held_reviews"))
    for response in pages:
        body = page_text(response)
        for secret in (AUTHOR_EMAIL, FLAGGER_EMAIL, f"author_id={author.id}"):
            assert secret not in body
    assert moderation_queue.pseudonym(author.id) in page_text(pages[-1])
