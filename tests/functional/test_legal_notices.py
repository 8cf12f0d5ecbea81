"""Notice-and-action (DESIGN.md §8): anyone sends a legal notice about a published
review; the notifier gets a receipt; the author is told (legal basis and explanation, never the
notifier's name or address) and answers on a page only they can open; nobody learns who the
other is. Through the real forms, CSRF on."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from accounts.models import Role
from extensions import db
from moderation.models import LegalNotice, NoticeStatus
from reviews.models import HoldReason, ReviewStatus
from tests.conftest import csrf_token, links_in, page_text, path_of, post_form
from tests.factories import EmployerFactory, ReviewFactory, UserFactory
from timeutils import utcnow

PASSWORD = "correct horse battery"
AUTHOR_EMAIL = "peregrine.underhill@candidates.example"
NOTIFIER_NAME = "Wilhelmina Fotheringay"
NOTIFIER_EMAIL = "w.fotheringay@lawfirm.example"
EXPLANATION = (
    "I act for Wilhelmina Fotheringay. The second paragraph falsely says our client's recruiter "
    "promised an answer within a week. Write to w.fotheringay@lawfirm.example or call "
    "+44 20 7946 0958 for the correspondence."
)


@pytest.fixture
def employer(app):
    return EmployerFactory(name="Marrowbone Logistics", slug="marrowbone-logistics")


@pytest.fixture
def author(app):
    return UserFactory(email=AUTHOR_EMAIL, password=PASSWORD, verified=True)


@pytest.fixture
def review(employer, author):
    return ReviewFactory(
        author=author, employer_id=employer.id, narrative="Two rounds, a promise, then silence."
    )


def notice_url(review) -> str:
    return f"/reviews/{review.public_id}/legal-notice"


def valid(**changes) -> dict:
    data = {
        "name": NOTIFIER_NAME,
        "email": NOTIFIER_EMAIL,
        "legal_basis": "defamation",
        "explanation": EXPLANATION,
        "declaration": "y",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def send(client, review, **changes):
    return post_form(client, notice_url(review), valid(**changes))


def notices() -> list[LegalNotice]:
    db.session.expire_all()
    return list(db.session.scalars(select(LegalNotice).order_by(LegalNotice.id)))


def sign_in(auth, email, role=Role.candidate):
    user = UserFactory(email=email, password=PASSWORD, verified=True, role=role)
    assert auth.sign_in(email, PASSWORD).status_code == 302
    return user


def mail_to(outbox, address):
    return [message for message in outbox if message["To"] == address]


# --- the form -----------------------------------------------------------------------------------


def test_the_review_page_links_to_the_form(client, review):
    body = page_text(client.get(f"/reviews/{review.public_id}"))
    assert "Report a legal problem with this review" in body
    assert notice_url(review) in body


def test_the_author_sees_no_link_on_their_own_review(client, auth, review):
    assert auth.sign_in(AUTHOR_EMAIL, PASSWORD).status_code == 302
    assert notice_url(review) not in page_text(client.get(f"/reviews/{review.public_id}"))


def test_anyone_can_open_the_form_without_an_account(client, review):
    response = client.get(notice_url(review))
    assert response.status_code == 200
    text = page_text(response)
    for label in ("Defamation", "Privacy or personal data", "Copyright", "Another legal reason"):
        assert label in text
    assert "Two rounds, a promise, then silence." in text  # the review it is about
    assert "not told your name or email address" in text
    assert "peregrine" not in text.lower()


@pytest.mark.parametrize(
    "state",
    [
        {"status": ReviewStatus.held, "hold_reason": HoldReason.suspected_name},
        {"status": ReviewStatus.hidden},
        {"status": ReviewStatus.scheduled, "publish_at": utcnow()},
    ],
    ids=["held", "hidden", "scheduled"],
)
def test_only_published_reviews_take_notices(client, employer, state):
    other = ReviewFactory(employer_id=employer.id, **state)
    assert client.get(notice_url(other)).status_code == 404
    assert client.get(f"{notice_url(other)}/sent").status_code == 404
    assert client.get("/reviews/nosuchreview/legal-notice").status_code == 404


def test_a_notice_is_recorded_and_both_sides_are_told(client, outbox, review, author):
    response = send(client, review)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{notice_url(review)}/sent")
    sent_page = page_text(client.get(response.headers["Location"]))
    assert "Your legal notice was received" in sent_page
    assert "peregrine" not in sent_page.lower()
    assert f"Your reference is {notices()[0].id}" in sent_page

    [notice] = notices()
    assert notice.review_id == review.id
    assert notice.status is NoticeStatus.open
    assert (notice.notifier_name, notice.notifier_email) == (NOTIFIER_NAME, NOTIFIER_EMAIL)
    assert notice.legal_basis == "defamation"
    assert notice.explanation == EXPLANATION
    assert notice.author_informed_at is not None
    assert notice.author_answer is None

    # Signed out, the address is unverified: no receipt by email (see the tests below).
    assert mail_to(outbox, NOTIFIER_EMAIL) == []

    [told] = mail_to(outbox, AUTHOR_EMAIL)
    told_text = told.get_content()
    assert "Marrowbone Logistics" in told["Subject"]
    assert "Defamation" in told_text
    assert "falsely says our client's recruiter promised an answer within a week" in told_text
    assert f"/me/notices/{notice.id}" in told_text
    assert len(outbox) == 1


# --- the receipt: fixed text, and only to the sender's own verified address ----------------------
# Otherwise the form would mail anyone a text of the sender's choosing.


def test_a_signed_in_notifier_gets_a_fixed_text_receipt_at_their_verified_address(
    app, client, auth, outbox, review
):
    sign_in(auth, NOTIFIER_EMAIL)
    assert send(client, review, email=NOTIFIER_EMAIL.upper()).status_code == 302
    [notice] = notices()
    [receipt] = mail_to(outbox, NOTIFIER_EMAIL)
    text = receipt.get_content()
    assert f"reference {notice.id}" in receipt["Subject"] and "Defamation" in text
    # Nothing the sender typed comes back: not the explanation, its links or phone numbers,
    # not the name they gave.
    for typed in ("falsely says", "7946", "lawfirm.example", NOTIFIER_NAME, "Wilhelmina"):
        assert typed not in text.replace(NOTIFIER_EMAIL, ""), typed
    assert AUTHOR_EMAIL not in text and "peregrine" not in text.lower()
    site = app.config["SITE_URL"].rstrip("/")
    assert links_in(receipt) and all(link.startswith(site + "/") for link in links_in(receipt))


def test_a_relayed_text_never_reaches_an_address_nobody_verified(client, auth, outbox, review):
    """The relay from the issue: links and text sent to a stranger's address. Signed out, or
    signed in but giving someone else's address, or with an unverified account: no receipt."""
    victim = "someone.else@example.net"
    spam = "Claim your prize at https://phish.example/win now, call +44 20 7946 0000."
    assert send(client, review, email=victim, explanation=spam).status_code == 302
    sign_in(auth, NOTIFIER_EMAIL)
    assert send(client, review, email=victim, explanation=spam).status_code == 302
    auth.sign_out()
    UserFactory(email="unverified@example.org", password=PASSWORD, verified=False)
    auth.sign_in("unverified@example.org", PASSWORD)
    send(client, review, email="unverified@example.org", explanation=spam)
    assert mail_to(outbox, victim) == [] and mail_to(outbox, "unverified@example.org") == []
    for message in outbox:  # what went out (to the review's author) carries no link of theirs
        assert "phish.example" not in message.as_string()


def test_the_authors_email_never_names_the_notifier(client, outbox, review):
    assert send(client, review).status_code == 302
    [told] = mail_to(outbox, AUTHOR_EMAIL)
    content = told.as_string().lower()
    for identifier in ("wilhelmina", "fotheringay", "lawfirm.example", "7946", NOTIFIER_EMAIL):
        assert identifier.lower() not in content, identifier
    assert "[removed]" in told.get_content()


def test_a_review_without_an_author_account_gets_the_notice_and_no_email_to_anyone_else(
    client, outbox, employer
):
    orphan = ReviewFactory(employer_id=employer.id)  # kept de-linked from a deleted account
    assert send(client, orphan).status_code == 302
    [notice] = notices()
    assert notice.author_informed_at is None
    assert outbox == []


def test_markup_is_stored_as_typed_and_shown_as_text(client, outbox, review, author):
    script = "<script>alert('x')</script> Section 2 is untrue."
    assert send(client, review, name="<b>Bold</b> Notifier", explanation=script).status_code == 302
    [notice] = notices()
    assert notice.explanation == script
    assert notice.notifier_name == "<b>Bold</b> Notifier"
    assert (
        post_form(client, "/sign-in", {"email": AUTHOR_EMAIL, "password": PASSWORD}).status_code
        == 302
    )
    body = client.get(f"/me/notices/{notice.id}").get_data(as_text=True)
    assert "<script>alert" not in body
    assert "&lt;script&gt;alert(" in body


# --- bad input ----------------------------------------------------------------------------------

BAD_INPUT = [
    ({"name": ""}, "Enter your name"),
    ({"name": "x" * 201}, "Keep your name to 200 characters"),
    ({"name": "Null\x00Byte"}, "invisible control characters"),
    ({"name": "Flip\u202eped"}, "invisible control characters"),
    ({"email": ""}, "Enter your email address"),
    ({"email": "not-an-address"}, "Enter a valid email address"),
    ({"email": "<script>@x"}, "Enter a valid email address"),
    ({"email": "a" * 250 + "@example.org"}, "at most 254 characters"),
    ({"legal_basis": None}, "Choose the legal reason"),
    ({"legal_basis": "because"}, "Choose one of the legal reasons listed"),
    ({"explanation": ""}, "Explain which part of the review is unlawful"),
    ({"explanation": "   \n  "}, "Explain which part of the review is unlawful"),
    ({"explanation": "y" * 2001}, "Keep it to 2,000 characters (it has 2001 now)"),
    ({"explanation": "Bell\x07 character"}, "invisible control characters"),
    ({"declaration": None}, "Tick the declaration"),
]


@pytest.mark.parametrize(("changes", "message"), BAD_INPUT)
def test_bad_input_is_refused_with_a_clear_message(client, outbox, review, changes, message):
    response = send(client, review, **changes)
    assert response.status_code == 422
    assert message in page_text(response)
    assert notices() == [] and outbox == []


def test_values_are_kept_when_the_form_comes_back(client, review):
    script = "<script>alert(1)</script> The review is false."
    response = send(client, review, explanation=script, declaration=None, legal_basis="privacy")
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert f'value="{NOTIFIER_NAME}"' in body
    assert f'value="{NOTIFIER_EMAIL}"' in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt; The review is false." in body
    assert "<script>alert(1)" not in body
    assert re.search(
        r'<input[^>]*checked[^>]*value="privacy"|<input[^>]*value="privacy"[^>]*checked', body
    )


def test_exactly_two_thousand_characters_are_accepted(client, review):
    assert send(client, review, explanation="z" * 2000).status_code == 302
    assert len(notices()[0].explanation) == 2000


def test_a_post_without_the_csrf_token_is_refused(client, review):
    response = client.post(notice_url(review), data=valid())
    assert response.status_code == 400
    assert notices() == []


def test_accepted_notices_are_rate_limited_per_client(app_factory):
    app = app_factory(RATELIMIT_NOTICE="2 per day")
    client = app.test_client()
    review = ReviewFactory()
    assert send(client, review, name="").status_code == 422  # corrections don't count
    assert send(client, review).status_code == 302
    assert send(client, review).status_code == 302
    assert send(client, review).status_code == 429
    assert len(notices()) == 2
    assert client.get(notice_url(review)).status_code == 200  # reading stays free


# --- the author's answer ------------------------------------------------------------------------


@pytest.fixture
def notice(client, review):
    assert send(client, review).status_code == 302
    return notices()[0]


def test_the_author_follows_the_email_link_and_answers(client, auth, outbox, notice):
    [told] = mail_to(outbox, AUTHOR_EMAIL)
    [answer_link] = [link for link in links_in(told) if "/me/notices/" in link]
    path = path_of(answer_link)

    first = client.get(path)
    assert first.status_code == 302 and "/sign-in" in first.headers["Location"]
    assert auth.sign_in(AUTHOR_EMAIL, PASSWORD).status_code == 302

    page = client.get(path)
    assert page.status_code == 200
    text = page_text(page)
    assert "Defamation" in text
    assert "falsely says our client's recruiter" in text
    for identifier in ("wilhelmina", "fotheringay", "lawfirm.example", "7946"):
        assert identifier not in text.lower()

    answer = "I was told the answer would come in a week, in writing; I kept the message."
    response = post_form(client, path, {"answer": answer})
    assert response.status_code == 302
    assert notices()[0].author_answer == answer
    assert "You have answered" in page_text(client.get(path))

    # Still open: the answer can be changed.
    assert post_form(client, path, {"answer": "Changed."}).status_code == 302
    assert notices()[0].author_answer == "Changed."

    listing = page_text(client.get("/me/notices"))
    assert "Defamation: your review of Marrowbone Logistics" in listing
    assert "you have answered" in listing


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ("", "Write your answer"),
        ("q" * 2001, "Keep it to 2,000 characters"),
        ("Null\x00", "invisible control characters"),
    ],
)
def test_bad_answers_are_refused_with_a_clear_message(client, auth, notice, answer, message):
    assert auth.sign_in(AUTHOR_EMAIL, PASSWORD).status_code == 302
    response = post_form(client, f"/me/notices/{notice.id}", {"answer": answer})
    assert response.status_code == 422
    assert message in page_text(response)
    assert notices()[0].author_answer is None


def test_an_answer_with_markup_is_kept_and_escaped(client, auth, notice):
    assert auth.sign_in(AUTHOR_EMAIL, PASSWORD).status_code == 302
    url = f"/me/notices/{notice.id}"
    response = post_form(client, url, {"answer": "<script>x</script>" + "w" * 2001})
    assert response.status_code == 422
    assert "&lt;script&gt;x&lt;/script&gt;" in response.get_data(as_text=True)
    assert "<script>x</script>" not in response.get_data(as_text=True)


@pytest.mark.parametrize("role", [Role.candidate, Role.moderator, Role.admin])
def test_nobody_but_the_author_can_open_the_answer_page(client, auth, notice, role):
    sign_in(auth, f"someone.{role.value}@example.org", role)
    assert client.get(f"/me/notices/{notice.id}").status_code == 404
    response = client.post(
        f"/me/notices/{notice.id}",
        data={"answer": "Not mine", "csrf_token": csrf_token(client, "/account")},
    )
    assert response.status_code == 404
    assert notices()[0].author_answer is None
    assert "Marrowbone" not in page_text(client.get("/me/notices"))


def test_a_missing_notice_is_404(client, auth, notice):
    assert auth.sign_in(AUTHOR_EMAIL, PASSWORD).status_code == 302
    assert client.get(f"/me/notices/{notice.id + 100}").status_code == 404


def test_a_decided_notice_takes_no_more_answers(client, auth, notice):
    notice.status = NoticeStatus.rejected
    notice.resolved_at = utcnow()
    notice.author_answer = "My first answer."
    db.session.commit()
    assert auth.sign_in(AUTHOR_EMAIL, PASSWORD).status_code == 302
    url = f"/me/notices/{notice.id}"
    page = page_text(client.get(url))
    assert "Decided" in page and "left your review as it is" in page
    assert "My first answer." in page
    response = post_form(client, url, {"answer": "Too late."}, page="/account")
    assert response.status_code == 409
    assert notices()[0].author_answer == "My first answer."
