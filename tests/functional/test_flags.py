"""Flags (DESIGN.md §8): any verified user, a representative included, reports a
published review or response to the moderators with a reason and an explanation. A flag never
hides or changes anything, never shows the flagger who wrote the review, and one user has one
open flag per target. Through the real forms, CSRF on."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from extensions import db
from moderation.models import Flag, FlagReason, FlagStatus
from responses.models import Response, ResponseStatus
from reviews.fields import snapshot
from reviews.models import GuidelineReason, HoldReason, Review, ReviewStatus
from tests.conftest import csrf_token, page_text, post_form
from tests.factories import (
    EmployerFactory,
    RepresentativeFactory,
    ResponseFactory,
    ReviewFactory,
    UserFactory,
)

PASSWORD = "correct horse battery"
AUTHOR_EMAIL = "ysolde.quarrington@example.org"
FLAGGER_EMAIL = "careful.reader@example.org"
REASON_LABELS = (
    "Personal information about someone",
    "False or misleading",
    "Abusive",
    "Spam",
    "Conflict of interest",
    "Something else",
)
EXPLANATION = "The second paragraph describes an interview that, by our records, never happened."


@pytest.fixture
def employer(app):
    return EmployerFactory(name="Snorkeldown Analytics", slug="snorkeldown-analytics")


@pytest.fixture
def author(app):
    return UserFactory(email=AUTHOR_EMAIL, password=PASSWORD, verified=True)


@pytest.fixture
def review(employer, author):
    return ReviewFactory(
        author=author, employer_id=employer.id, narrative="Three rounds, then silence."
    )


@pytest.fixture
def flagger(client, auth):
    user = UserFactory(email=FLAGGER_EMAIL, password=PASSWORD, verified=True)
    assert auth.sign_in(FLAGGER_EMAIL, PASSWORD).status_code == 302
    return user


def flag_url(review, what: str = "review") -> str:
    base = f"/reviews/{review.public_id}"
    return f"{base}/flag" if what == "review" else f"{base}/response/flag"


def send_flag(client, review, what="review", reason="false_or_misleading", explanation=EXPLANATION):
    data = {"explanation": explanation}
    if reason is not None:
        data["reason"] = reason
    return post_form(client, flag_url(review, what), data, page=f"/reviews/{review.public_id}")


def flags() -> list[Flag]:
    db.session.expire_all()
    return list(db.session.scalars(select(Flag)))


def add_response(review, status=ResponseStatus.published) -> Response:
    return ResponseFactory(
        review_id=review.id,
        employer_id=review.employer_id,
        body="We did reply.",
        status=status,
        hidden_reason=GuidelineReason.other if status is ResponseStatus.hidden else None,
    )


def assert_no_author(text: str) -> None:
    lowered = text.lower()
    assert AUTHOR_EMAIL not in lowered
    assert "ysolde" not in lowered and "quarrington" not in lowered


# --- flagging a review -------------------------------------------------------------------------


def test_the_form_lists_the_reasons_in_plain_words(client, flagger, review):
    page = client.get(flag_url(review))
    assert page.status_code == 200
    text = page_text(page)
    for label in REASON_LABELS:
        assert label in text
    assert "Three rounds, then silence." in text  # what is being reported
    assert_no_author(text)


def test_a_verified_user_flags_a_review_and_nothing_else_changes(client, flagger, review):
    before = snapshot(db.session.get(Review, review.id))
    answer = send_flag(client, review)
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith(f"/reviews/{review.public_id}/flag/sent")

    [flag] = flags()
    assert flag.review_id == review.id and flag.response_id is None
    assert flag.reason is FlagReason.false_or_misleading
    assert flag.explanation == EXPLANATION
    assert flag.status is FlagStatus.open
    assert flag.reporter_id == flagger.id
    assert flag.representative_id is None

    # The review stays published and unchanged.
    after = db.session.get(Review, review.id)
    assert after.status is ReviewStatus.published
    assert snapshot(after) == before
    public = client.application.test_client()
    assert "Three rounds, then silence." in page_text(public.get(f"/reviews/{review.public_id}"))

    done = client.get(answer.headers["Location"])
    assert done.status_code == 200
    text = page_text(done)
    assert "Moderators will look at it" in text
    assert "doesn't hide anything by itself" in text
    assert_no_author(text)


def test_a_representative_flag_records_the_representation(client, auth, employer, review):
    rep = UserFactory(email="talent@snorkeldown.example", password=PASSWORD, verified=True)
    representation = RepresentativeFactory(user_id=rep.id, employer_id=employer.id)
    auth.sign_in("talent@snorkeldown.example", PASSWORD)

    form = client.get(flag_url(review))
    assert "the moderators will see that this report comes from the employer" in page_text(form)
    assert_no_author(page_text(form))
    answer = send_flag(client, review, reason="conflict_of_interest")
    assert answer.status_code == 302
    [flag] = flags()
    assert flag.representative_id == representation.id
    assert flag.reporter_id == rep.id
    assert_no_author(page_text(client.get(answer.headers["Location"])))
    assert db.session.get(Review, review.id).status is ReviewStatus.published


def test_a_representative_of_another_employer_flags_as_anyone(client, auth, review):
    other = EmployerFactory(name="Quillbright Logistics")
    rep = UserFactory(email="talent@quillbright.example", password=PASSWORD, verified=True)
    RepresentativeFactory(user_id=rep.id, employer_id=other.id)
    auth.sign_in("talent@quillbright.example", PASSWORD)
    assert "comes from the employer" not in page_text(client.get(flag_url(review)))
    assert send_flag(client, review).status_code == 302
    assert flags()[0].representative_id is None


def test_one_open_flag_per_user_and_review(client, flagger, review):
    send_flag(client, review)
    again = send_flag(client, review, reason="spam", explanation="Another go.")
    assert again.status_code == 200
    assert "You already reported this review" in page_text(again)
    assert len(flags()) == 1
    assert "You already reported this review" in page_text(client.get(flag_url(review)))

    # Once a moderator has dealt with it, the user may report it again.
    flag = flags()[0]
    flag.status = FlagStatus.dismissed
    db.session.commit()
    assert send_flag(client, review).status_code == 302
    assert len(flags()) == 2


def test_different_users_may_each_flag(client, auth, flagger, review):
    send_flag(client, review)
    auth.sign_out()
    UserFactory(email="second.reader@example.org", password=PASSWORD, verified=True)
    auth.sign_in("second.reader@example.org", PASSWORD)
    assert send_flag(client, review).status_code == 302
    assert len(flags()) == 2


def test_the_author_cant_flag_their_own_review(client, auth, author, review):
    auth.sign_in(AUTHOR_EMAIL, PASSWORD)
    assert client.get(flag_url(review)).status_code == 403
    answer = send_flag(client, review)
    assert answer.status_code == 403
    assert "You wrote this review" in page_text(answer)
    assert flags() == []


# --- who may flag ------------------------------------------------------------------------------


@pytest.mark.parametrize("what", ["review", "response"])
def test_anonymous_visitors_are_sent_to_sign_in(client, review, what):
    add_response(review)
    token = csrf_token(client, "/sign-in")
    for answer in (
        client.get(flag_url(review, what)),
        client.post(
            flag_url(review, what),
            data={"csrf_token": token, "reason": "spam", "explanation": "Spam."},
        ),
    ):
        assert answer.status_code == 302
        assert "/sign-in" in answer.headers["Location"]
    assert flags() == []


def test_an_unverified_user_is_asked_to_confirm_their_email(client, auth, review):
    UserFactory(email="new.reader@example.org", password=PASSWORD)
    auth.sign_in("new.reader@example.org", PASSWORD)
    page = client.get(flag_url(review))
    assert page.status_code == 403
    assert "Confirm your email address" in page_text(page)
    token = csrf_token(client, "/account")
    answer = client.post(
        flag_url(review), data={"csrf_token": token, "reason": "spam", "explanation": "Spam."}
    )
    assert answer.status_code == 403
    assert flags() == []


@pytest.mark.parametrize("status", [ReviewStatus.held, ReviewStatus.scheduled, ReviewStatus.hidden])
def test_only_published_reviews_can_be_flagged(client, flagger, employer, status):
    from datetime import timedelta

    from timeutils import utcnow

    extra = {
        ReviewStatus.held: {"hold_reason": HoldReason.suspected_name},
        ReviewStatus.scheduled: {"publish_at": utcnow() + timedelta(days=3)},
    }.get(status, {})
    unpublished = ReviewFactory(employer_id=employer.id, status=status, **extra)
    assert client.get(flag_url(unpublished)).status_code == 404
    assert client.get("/reviews/nosuchreview/flag").status_code == 404


def test_csrf_token_is_required(client, flagger, review):
    answer = client.post(flag_url(review), data={"reason": "spam", "explanation": "Spam."})
    assert answer.status_code == 400
    assert flags() == []


def test_flag_posts_are_rate_limited(app_factory):
    from tests.conftest import Auth

    app = app_factory(RATELIMIT_FLAG="2 per day")
    client = app.test_client()
    UserFactory(email=FLAGGER_EMAIL, password=PASSWORD, verified=True)
    Auth(client, None).sign_in(FLAGGER_EMAIL, PASSWORD)
    employer = EmployerFactory()
    statuses = []
    for _ in range(3):
        target = ReviewFactory(employer_id=employer.id)
        statuses.append(send_flag(client, target).status_code)
    assert statuses == [302, 302, 429]
    assert len(flags()) == 2


# --- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "reason, explanation, message",
    [
        (None, EXPLANATION, "Choose the reason that fits best."),
        ("", EXPLANATION, "Choose the reason that fits best."),
        ("<script>alert(1)</script>", EXPLANATION, "Choose one of the reasons listed."),
        ("delete_review", EXPLANATION, "Choose one of the reasons listed."),
        ("spam", "", "Explain what is wrong"),
        ("spam", "   \n ", "Explain what is wrong"),
        ("spam", "x" * 2001, "Keep the explanation to 2,000 characters (it has 2001 now)."),
        ("spam", "x" * 10_000, "Keep the explanation to 2,000 characters (it has 10000 now)."),
        ("spam", "Look\x00here", "invisible control characters"),
        ("spam", "Bell\x07 \u202eevil", "invisible control characters"),
    ],
)
def test_bad_input_gets_a_clear_message_never_a_500(
    client, flagger, review, reason, explanation, message
):
    answer = send_flag(client, review, reason=reason, explanation=explanation)
    assert answer.status_code == 422
    text = page_text(answer)
    assert message in text
    assert "<script>alert(1)</script>" not in answer.get_data(as_text=True)
    assert flags() == []


def test_markup_in_the_explanation_is_kept_as_text(client, flagger, review):
    hostile = "<script>alert('x')</script> This names the recruiter."
    answer = send_flag(client, review, explanation=hostile)
    assert answer.status_code == 302
    assert flags()[0].explanation == hostile
    # Re-shown after another error, it is escaped.
    shown = send_flag(
        client, ReviewFactory(employer_id=review.employer_id), reason=None, explanation=hostile
    )
    assert shown.status_code == 422
    assert "<script>alert('x')</script>" not in shown.get_data(as_text=True)


def test_exactly_two_thousand_characters_are_accepted(client, flagger, review):
    assert send_flag(client, review, explanation="y" * 2000).status_code == 302
    assert len(flags()[0].explanation) == 2000


# --- flagging a response -----------------------------------------------------------------------


def test_a_response_is_flagged_without_exposing_its_id(client, flagger, review):
    response = add_response(review)
    page = client.get(f"/reviews/{review.public_id}")
    assert f"/reviews/{review.public_id}/response/flag" in page_text(page)
    form = client.get(flag_url(review, "response"))
    assert form.status_code == 200
    assert "We did reply." in page_text(form)
    assert_no_author(page_text(form))

    answer = send_flag(client, review, "response", reason="abusive")
    assert answer.status_code == 302
    [flag] = flags()
    assert flag.response_id == response.id and flag.review_id is None
    db.session.expire_all()
    assert db.session.get(Response, response.id).status is ResponseStatus.published
    assert db.session.get(Response, response.id).body == "We did reply."
    done = page_text(client.get(answer.headers["Location"]))
    assert "Moderators will look at it" in done
    assert_no_author(done)

    again = send_flag(client, review, "response")
    assert "You already reported this response" in page_text(again)
    assert len(flags()) == 1


def test_the_author_may_flag_the_response_to_their_review(client, auth, author, review):
    add_response(review)
    auth.sign_in(AUTHOR_EMAIL, PASSWORD)
    assert send_flag(client, review, "response", reason="personal_information").status_code == 302
    assert flags()[0].reporter_id == author.id


@pytest.mark.parametrize("status", [None, ResponseStatus.held, ResponseStatus.hidden])
def test_only_a_published_response_can_be_flagged(client, flagger, review, status):
    if status is not None:
        add_response(review, status)
    assert client.get(flag_url(review, "response")).status_code == 404
    assert send_flag(client, review, "response").status_code == 404
    assert flags() == []


def test_cards_link_to_the_flag_forms(client, review, employer):
    add_response(review)
    page = page_text(client.get(f"/employers/{employer.slug}"))
    assert f"/reviews/{review.public_id}/flag" in page
    assert f"/reviews/{review.public_id}/response/flag" in page
