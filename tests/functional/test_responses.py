"""Employers' responses to reviews (DESIGN.md §7), through the real forms (CSRF
on): writing and editing, the 2,000-character limit, scrubbing, where responses are shown (every
page with the review, and the API, checked against the OpenAPI document), the author's email,
and who may respond (a representative of that review's employer, and nobody else)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from extensions import db
from representatives.models import EndReason, Representative
from responses.models import BODY_LIMIT, Response, ResponseStatus
from reviews.models import GuidelineReason, HoldReason, Outcome, Review, ReviewStatus
from tests.conftest import csrf_token, page_text, post_form
from tests.factories import (
    EmployerFactory,
    RepresentativeFactory,
    ResponseFactory,
    ReviewFactory,
    UserFactory,
)
from tests.functional.test_api import checked, load_spec
from tests.helpers import queries_for_get
from timeutils import month_label, utcnow

PASSWORD = "correct horse battery"
AUTHOR_EMAIL = "ysolde.quarrington@example.org"
REP_EMAIL = "bartholomew.fenwick@snorkeldown.example"
OTHER_REP_EMAIL = "talent@quillbright.example"
CLEAN = "Thank you for telling us. We have changed how we follow up after interviews."


# --- helpers -----------------------------------------------------------------------------------


def make_representative(employer, email: str) -> object:
    user = UserFactory(email=email, password=PASSWORD, verified=True)
    RepresentativeFactory(user_id=user.id, employer_id=employer.id)
    return user


@pytest.fixture
def employer(app):
    return EmployerFactory(name="Snorkeldown Analytics", slug="snorkeldown-analytics")


@pytest.fixture
def other_employer(app):
    return EmployerFactory(name="Quillbright Logistics", slug="quillbright-logistics")


@pytest.fixture
def author(app):
    return UserFactory(email=AUTHOR_EMAIL, password=PASSWORD, verified=True)


@pytest.fixture
def review(employer, author):
    return ReviewFactory(
        author=author,
        employer_id=employer.id,
        narrative="Two interviews, then nothing at all.",
    )


@pytest.fixture
def other_review(other_employer):
    other_author = UserFactory(email="zebediah.morrow@example.org", verified=True)
    return ReviewFactory(author=other_author, employer_id=other_employer.id)


@pytest.fixture
def rep(client, auth, employer):
    user = make_representative(employer, REP_EMAIL)
    assert auth.sign_in(REP_EMAIL, PASSWORD).status_code == 302
    return user


def url_for_response(review) -> str:
    return f"/employer/reviews/{review.public_id}/response"


def send(client, review, body: str, action: str = "publish", **extra):
    url = url_for_response(review)
    return post_form(client, url, {"body": body, "action": action, **extra})


def responses() -> list[Response]:
    db.session.expire_all()
    return list(db.session.scalars(select(Response)))


def visible(response) -> str:
    """What a reader sees: tags dropped, whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", page_text(response)).split())


def public_pages(review, employer) -> list[str]:
    return [
        f"/reviews/{review.public_id}",
        f"/employers/{employer.slug}",
        f"/employers/{employer.slug}/reviews",
        "/",
    ]


def api_review(app, employer, review) -> dict:
    client = app.test_client()
    spec = load_spec()
    answer = checked(client, spec, f"/api/v1/employers/{employer.slug}/reviews")
    assert answer.status_code == 200
    items = {item["public_id"]: item for item in answer.get_json()["reviews"]}
    return items[review.public_id]


# --- writing, previewing, publishing -----------------------------------------------------------


def test_preview_shows_the_public_view_and_saves_nothing(client, rep, review):
    answer = send(client, review, CLEAN, action="preview")
    assert answer.status_code == 200
    text = visible(answer)
    assert "Check before publishing" in text
    assert f"Response from Snorkeldown Analytics, {month_label(utcnow())}" in text
    assert CLEAN in text
    assert responses() == []


def test_representative_responds_and_it_shows_on_every_page_and_in_the_api(
    app, client, rep, review, employer
):
    answer = send(client, review, CLEAN)
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith(f"/reviews/{review.public_id}")
    [saved] = responses()
    assert saved.status is ResponseStatus.published
    assert saved.review_id == review.id and saved.employer_id == employer.id
    assert saved.edited_at is None

    heading = f"Response from Snorkeldown Analytics, {month_label(saved.created_at)}"
    public = app.test_client()
    for url in public_pages(review, employer):
        page = public.get(url)
        assert page.status_code == 200, url
        text = visible(page)
        assert heading in text, url
        assert CLEAN in text, url
        assert "edited" not in text, url
        # Never who wrote it.
        assert "fenwick" not in text.lower() and "bartholomew" not in text.lower(), url
        assert REP_EMAIL not in text, url

    item = api_review(app, employer, review)
    assert item["response"] == {
        "body": CLEAN,
        "month": month_label(saved.created_at),
        "edited": None,
    }


def test_reviews_without_a_response_have_null_in_the_api(app, employer, review):
    assert api_review(app, employer, review)["response"] is None


def test_edit_is_marked_edited_with_the_month(app, client, rep, review, employer):
    send(client, review, CLEAN)
    [saved] = responses()
    saved.created_at = datetime(2025, 11, 3, 9, 30)
    db.session.commit()

    form = client.get(url_for_response(review))
    assert form.status_code == 200
    assert CLEAN in page_text(form)  # the form starts from the current text
    assert "Edit your response" in visible(form)

    answer = send(client, review, CLEAN + " We now answer within ten days.")
    assert answer.status_code == 302
    [saved] = responses()
    assert saved.edited_at is not None
    assert saved.body.endswith("We now answer within ten days.")
    assert saved.created_at == datetime(2025, 11, 3, 9, 30)

    public = app.test_client()
    for url in public_pages(review, employer):
        text = visible(public.get(url))
        assert "Response from Snorkeldown Analytics, November 2025" in text, url
        assert f"edited {month_label(saved.edited_at)}" in text, url
        assert "2025-11-03" not in text and "03 November" not in text, url
    assert api_review(app, employer, review)["response"]["edited"] == month_label(saved.edited_at)


def test_saving_the_same_text_again_is_not_an_edit(client, rep, review):
    send(client, review, CLEAN)
    send(client, review, CLEAN)
    [saved] = responses()
    assert saved.edited_at is None


def test_one_response_per_review(client, rep, review):
    send(client, review, CLEAN)
    send(client, review, "A second answer.")
    assert len(responses()) == 1
    assert responses()[0].body == "A second answer."


def test_back_to_editing_keeps_the_text(client, rep, review):
    answer = send(client, review, CLEAN, action="edit")
    assert answer.status_code == 200
    assert CLEAN in page_text(answer)
    assert responses() == []


# --- the length limit --------------------------------------------------------------------------


def test_exactly_two_thousand_characters_are_accepted(client, rep, review):
    body = "a" * BODY_LIMIT
    assert send(client, review, body, action="preview").status_code == 200
    assert send(client, review, body).status_code == 302
    assert len(responses()[0].body) == BODY_LIMIT


@pytest.mark.parametrize("action", ["preview", "publish"])
def test_two_thousand_and_one_characters_are_refused_and_the_text_kept(client, rep, review, action):
    body = "b" * (BODY_LIMIT + 1)
    answer = send(client, review, body, action=action)
    assert answer.status_code == 422
    assert "Keep the response to 2,000 characters (it has 2001 now)." in page_text(answer)
    assert body in page_text(answer)
    assert responses() == []


def test_line_breaks_count_as_one_character(client, rep, review):
    body = ("x" * 99 + "\r\n") * 20  # 2,000 characters as the text box counts them
    assert send(client, review, body).status_code == 302
    assert len(responses()[0].body) <= BODY_LIMIT


def test_a_text_that_grows_when_scrubbed_past_the_limit_is_refused(client, rep, review):
    # Each "a@b.io" (6 characters) becomes "[removed]" (9).
    body = "x " * 900 + "a@b.io " * 28
    assert len(body.strip()) <= BODY_LIMIT
    answer = send(client, review, body.strip())
    assert answer.status_code == 422
    assert "shorten it to 2,000" in page_text(answer)
    assert responses() == []


@pytest.mark.parametrize(
    "body, message",
    [
        ("", "Write your response"),
        ("   \n  ", "Write your response"),
        ("Hello\x00there", "invisible control characters"),
        ("Bell\x07", "invisible control characters"),
        ("x" * 10_000, "Keep the response to 2,000 characters"),
    ],
)
def test_bad_input_gets_a_clear_message_never_a_500(client, rep, review, body, message):
    answer = send(client, review, body)
    assert answer.status_code == 422
    assert message in page_text(answer)
    assert responses() == []


def test_markup_is_shown_as_text(app, client, rep, review):
    send(client, review, "<script>alert('x')</script> We are sorry.")
    page = app.test_client().get(f"/reviews/{review.public_id}")
    body = page.get_data(as_text=True)
    assert "<script>alert" not in body
    assert "&lt;script&gt;" in body


# --- scrubbing ---------------------------------------------------------------------------------


CONTACTS = (
    "Please write to jobs@snorkeldown-hiring.example or call +44 20 7946 0958. "
    "Our openings: https://snorkeldown.example/careers and @snorkeldown_talent."
)
CONTACT_PARTS = (
    "jobs@snorkeldown-hiring.example",
    "+44 20 7946 0958",
    "https://snorkeldown.example/careers",
    "@snorkeldown_talent",
)


def test_contact_details_are_removed_and_the_representative_is_shown_what(
    app, client, rep, review, employer
):
    preview = send(client, review, CONTACTS, action="preview")
    assert preview.status_code == 200
    text = visible(preview)
    assert "We removed some details" in text
    for kind in ("An email address", "A phone number", "A link", "A social media handle"):
        assert kind in text
    send(client, review, CONTACTS)
    [saved] = responses()
    assert saved.status is ResponseStatus.published
    assert saved.body.count("[removed]") == 4
    public = app.test_client()
    for url in public_pages(review, employer):
        page = page_text(public.get(url))
        assert "[removed]" in page, url
        for part in CONTACT_PARTS:
            assert part not in page, url
    body = api_review(app, employer, review)["response"]["body"]
    assert not any(part in body for part in CONTACT_PARTS)


def test_the_representatives_own_name_is_removed(client, rep, review):
    send(client, review, "Kind regards, Bartholomew, Snorkeldown talent team")
    [saved] = responses()
    assert "Bartholomew" not in saved.body
    assert "[removed]" in saved.body


def test_a_suspected_name_holds_the_response_for_a_moderator(
    app, client, outbox, rep, review, employer
):
    body = "Our recruiter Jane Doe should have called you back. We apologise."
    preview = send(client, review, body, action="preview")
    assert "A moderator will read this first" in visible(preview)
    assert "Jane Doe" in visible(preview)

    answer = send(client, review, body)
    assert answer.status_code == 302
    [saved] = responses()
    assert saved.status is ResponseStatus.held
    follow = client.get(answer.headers["Location"])
    assert "Waiting for a moderator" in visible(follow)

    public = app.test_client()
    for url in public_pages(review, employer):
        text = visible(public.get(url))
        assert "Jane Doe" not in text, url
        assert "Response from" not in text, url
    assert api_review(app, employer, review)["response"] is None
    assert outbox == []  # not published, so the author isn't told yet


@pytest.mark.parametrize("status", [ResponseStatus.held, ResponseStatus.hidden])
def test_held_and_hidden_responses_are_not_shown(app, employer, review, status):
    ResponseFactory(
        review_id=review.id,
        employer_id=employer.id,
        body="Not for the public.",
        status=status,
        hidden_reason=GuidelineReason.abusive if status is ResponseStatus.hidden else None,
    )
    public = app.test_client()
    for url in public_pages(review, employer):
        page = public.get(url)
        assert page.status_code == 200
        assert "Not for the public." not in page_text(page), url
    assert api_review(app, employer, review)["response"] is None


def test_a_hidden_response_cant_be_edited_back_into_view(client, rep, review, employer):
    ResponseFactory(
        review_id=review.id,
        employer_id=employer.id,
        body="Hidden text.",
        status=ResponseStatus.hidden,
        hidden_reason=GuidelineReason.abusive,
    )
    assert client.get(url_for_response(review)).status_code == 409
    token = csrf_token(client, f"/reviews/{review.public_id}")
    answer = client.post(
        url_for_response(review), data={"csrf_token": token, "body": CLEAN, "action": "publish"}
    )
    assert answer.status_code == 409
    [saved] = responses()
    assert saved.status is ResponseStatus.hidden and saved.body == "Hidden text."


# --- the author is told ------------------------------------------------------------------------


def test_the_author_is_emailed_once_when_the_response_is_first_published(
    client, outbox, rep, review, author
):
    send(client, review, CLEAN)
    assert len(outbox) == 1
    message = outbox[0]
    assert message["To"] == AUTHOR_EMAIL
    assert "Snorkeldown Analytics" in message["Subject"]
    content = message.get_content()
    assert f"/reviews/{review.public_id}" in content
    everything = message.as_string().lower()
    # Nobody else's data: not the representative, not their address or name.
    for other in (REP_EMAIL, "fenwick", "bartholomew", "snorkeldown.example"):
        assert other not in everything
    assert everything.count(AUTHOR_EMAIL) == 1  # the recipient, and only there

    send(client, review, CLEAN + " Edited.")
    assert len(outbox) == 1  # edits don't email again


def test_a_held_response_notifies_when_it_is_first_published(client, outbox, rep, review):
    send(client, review, "Our recruiter Jane Doe will call you.")
    assert outbox == []
    send(client, review, "Our recruiter will call you.")
    assert [message["To"] for message in outbox] == [AUTHOR_EMAIL]
    send(client, review, "Our recruiter will call you this week.")
    assert len(outbox) == 1


def test_a_review_whose_author_left_gets_a_response_without_an_email(client, outbox, rep, employer):
    orphan = ReviewFactory(employer_id=employer.id)  # de-linked: no author
    assert send(client, orphan, CLEAN).status_code == 302
    assert outbox == []
    assert len(responses()) == 1


# --- who may respond ---------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client, review):
    token = csrf_token(client, "/sign-in")  # a valid token of an anonymous session
    for answer in (
        client.get(url_for_response(review)),
        client.post(url_for_response(review), data={"csrf_token": token, "body": CLEAN}),
    ):
        assert answer.status_code == 302
        assert "/sign-in" in answer.headers["Location"]
    assert responses() == []


def test_a_candidate_cant_respond(client, auth, review):
    UserFactory(email="curious.candidate@example.org", password=PASSWORD, verified=True)
    auth.sign_in("curious.candidate@example.org", PASSWORD)
    assert client.get(url_for_response(review)).status_code == 403
    token = csrf_token(client, f"/reviews/{review.public_id}")
    answer = client.post(
        url_for_response(review), data={"csrf_token": token, "body": CLEAN, "action": "publish"}
    )
    assert answer.status_code == 403
    assert responses() == []


def test_the_author_cant_respond_even_as_a_representative(client, auth, review, author, employer):
    RepresentativeFactory(user_id=author.id, employer_id=employer.id)
    auth.sign_in(AUTHOR_EMAIL, PASSWORD)
    assert client.get(url_for_response(review)).status_code == 403
    token = csrf_token(client, f"/reviews/{review.public_id}")
    answer = client.post(
        url_for_response(review), data={"csrf_token": token, "body": CLEAN, "action": "publish"}
    )
    assert answer.status_code == 403
    assert responses() == []


def test_a_former_representative_cant_respond(client, rep, review):
    representation = db.session.scalar(select(Representative))
    representation.ended_at = utcnow()
    representation.end_reason = EndReason.left
    db.session.commit()
    assert client.get(url_for_response(review)).status_code == 403


def test_representative_of_a_cant_answer_bs_review(client, rep, review, other_review):
    """A vs B with the ids swapped in the URL: GET and POST are 403 and nothing is written."""
    assert client.get(url_for_response(other_review)).status_code == 403
    token = csrf_token(client, f"/reviews/{review.public_id}")
    answer = client.post(
        url_for_response(other_review),
        data={
            "csrf_token": token,
            "body": CLEAN,
            "action": "publish",
            # Smuggled ids of the representative's own employer and review change nothing.
            "review_id": str(review.id),
            "employer_id": str(review.employer_id),
            "public_id": review.public_id,
        },
    )
    assert answer.status_code == 403
    assert responses() == []


def test_ids_in_the_form_body_are_ignored(client, rep, review, other_review, employer):
    """A vs B with B's ids in the body of a POST to A's own review: only A's review is
    answered, under A's name."""
    answer = send(
        client,
        review,
        CLEAN,
        review_id=str(other_review.id),
        employer_id=str(other_review.employer_id),
        public_id=other_review.public_id,
        representative_id="999",
    )
    assert answer.status_code == 302
    [saved] = responses()
    assert saved.review_id == review.id
    assert saved.employer_id == employer.id
    assert db.session.scalar(select(Representative)).id == saved.representative_id


@pytest.mark.parametrize("status", [ReviewStatus.held, ReviewStatus.scheduled, ReviewStatus.hidden])
def test_only_published_reviews_can_be_answered(client, rep, employer, status):
    extra = {
        ReviewStatus.held: {"hold_reason": HoldReason.suspected_name},
        ReviewStatus.scheduled: {"publish_at": utcnow() + timedelta(days=3)},
    }.get(status, {})
    unpublished = ReviewFactory(employer_id=employer.id, status=status, **extra)
    assert client.get(url_for_response(unpublished)).status_code == 404
    assert client.get("/employer/reviews/doesnotexist/response").status_code == 404


def test_csrf_token_is_required(client, rep, review):
    answer = client.post(url_for_response(review), data={"body": CLEAN, "action": "publish"})
    assert answer.status_code == 400
    assert responses() == []
    # The text typed is not lost.
    assert CLEAN in page_text(answer)


def test_representatives_cant_edit_hide_or_delete_reviews(client, rep, review, app):
    before = db.session.get(Review, review.id).narrative
    assert client.get(f"/reviews/{review.public_id}/edit").status_code == 403
    token = csrf_token(client, f"/reviews/{review.public_id}")
    answer = client.post(
        f"/reviews/{review.public_id}/edit",
        data={"csrf_token": token, "action": "publish", "narrative": "Rewritten."},
    )
    assert answer.status_code == 403
    # No route of the responses blueprint does anything but write the response.
    rules = [
        rule.rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("responses.")
    ]
    assert rules == ["/employer/reviews/<public_id>/response"]
    db.session.expire_all()
    assert db.session.get(Review, review.id).narrative == before


def test_the_review_page_offers_the_representative_a_way_to_respond(app, client, rep, review):
    page = visible(client.get(f"/reviews/{review.public_id}"))
    assert "Respond as Snorkeldown Analytics" in page
    assert "Respond as" not in visible(app.test_client().get(f"/reviews/{review.public_id}"))


# --- caching and query counts ------------------------------------------------------------------


def test_the_employer_pages_stop_revalidating_when_a_response_appears(
    app, client, rep, review, employer
):
    public = app.test_client()
    urls = [f"/employers/{employer.slug}", f"/employers/{employer.slug}/reviews"]
    etags = {url: public.get(url).headers["ETag"] for url in urls}
    send(client, review, CLEAN)
    for url in urls:
        again = public.get(url, headers={"If-None-Match": etags[url]})
        assert again.status_code == 200, url
        assert CLEAN in page_text(again)


def _respond_directly(review, body: str = CLEAN) -> None:
    ResponseFactory(
        review_id=review.id, employer_id=review.employer_id, body=body, edited_at=utcnow()
    )


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/employers/{slug}",
        "/employers/{slug}/reviews",
        "/api/v1/employers/{slug}/reviews",
    ],
)
def test_query_counts_stay_fixed_with_responses(app, query_counter, url, employer, review):
    # The rendering's queries: the rows below are written directly, without the services'
    # statistics refresh that would change the pages' ETags, so the page store is emptied.
    import caching

    _respond_directly(review)
    public = app.test_client()
    target = url.format(slug=employer.slug)
    one = queries_for_get(query_counter, public, target)
    caching.pages.clear()
    for number in range(8):
        other = ReviewFactory(
            employer_id=employer.id,
            author=UserFactory(email=f"writer{number}@example.org", verified=True),
            outcome=Outcome.rejected if number % 2 else Outcome.ghosted,
            decision_days=5 if number % 2 else None,
        )
        _respond_directly(other, f"Answer number {number}.")
    db.session.expire_all()
    many = queries_for_get(query_counter, public, target)
    assert many == one, f"{url}: {one} queries with 1 response, {many} with 9"
    assert "Answer number" in page_text(public.get(target))


def test_the_review_page_loads_its_response_without_an_extra_query(
    app, query_counter, employer, review
):
    public = app.test_client()
    url = f"/reviews/{review.public_id}"
    without = queries_for_get(query_counter, public, url)
    _respond_directly(review)
    db.session.expire_all()
    assert queries_for_get(query_counter, public, url) == without
    assert CLEAN in page_text(public.get(url))


def test_responses_table_gets_one_row_per_review(employer, review):
    """The database backstop for "one response per review"."""
    from sqlalchemy.exc import IntegrityError

    _respond_directly(review)
    db.session.add(Response(review_id=review.id, employer_id=employer.id, body="Again."))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Response)) == 1


def test_month_labels_only(app, client, rep, review, employer):
    send(client, review, CLEAN)
    text = page_text(app.test_client().get(f"/employers/{employer.slug}"))
    today = date.today()
    assert today.isoformat() not in text
    assert (today - timedelta(days=0)).strftime("%d %B %Y") not in text


def test_two_representatives_answering_at_once_dont_get_a_500(client, rep, review, monkeypatch):
    """Both read "no response yet"; the second insert meets the unique constraint."""
    from sqlalchemy.orm.attributes import set_committed_value

    from responses import services

    _respond_directly(review, "First answer.")
    real = services.respondable_review

    def stale(public_id):
        found = real(public_id)
        set_committed_value(found, "response", None)  # as read before the other one committed
        return found

    monkeypatch.setattr(services, "respondable_review", stale)
    answer = send(client, review, CLEAN)
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith(url_for_response(review))
    assert [saved.body for saved in responses()] == ["First answer."]
