"""Scrubbing through the real forms (DESIGN.md §5 rules 4 and 10): a response that names the
candidate is held, invisible characters and lookalike letters no longer smuggle an address or a
name past the scrubber in a review (new or edited) or a response, spelled-out addresses go whole,
the preview says "Your name" only for the writer's own, and a Cyrillic lookalike of an existing
employer is that employer."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from employers import services as employer_services
from employers.models import Employer, Industry
from extensions import db
from responses.models import ResponseStatus
from reviews.models import Outcome, Review, ReviewRevision, ReviewStatus
from tests.conftest import page_text, post_form
from tests.factories import EmployerAliasFactory, EmployerFactory, ReviewFactory, UserFactory
from tests.functional.test_responses import (
    PASSWORD,
    REP_EMAIL,
    api_review,
    make_representative,
    public_pages,
    responses,
    send,
    visible,
)
from tests.functional.test_reviews import BASE
from timeutils import utcnow

ZW = "\u200b"  # zero-width space (category Cf)
BOM = "\ufeff"  # zero-width no-break space (category Cf)
CYR_A, CYR_O, CYR_E = "\u0430", "\u043e", "\u0435"


@pytest.fixture
def employer(app):
    return EmployerFactory(name="Snorkeldown Analytics", slug="snorkeldown-analytics")


@pytest.fixture
def review(employer):
    author = UserFactory(email="ysolde.quarrington@example.org", password=PASSWORD, verified=True)
    return ReviewFactory(
        author=author, employer_id=employer.id, narrative="Two interviews, then nothing at all."
    )


@pytest.fixture
def rep(client, auth, employer):
    user = make_representative(employer, REP_EMAIL)
    assert auth.sign_in(REP_EMAIL, PASSWORD).status_code == 302
    return user


# --- responses that name the candidate are held ------------------------------------------------


@pytest.mark.parametrize(
    ("body", "name"),
    [
        ("Hi Casey Jones, we are sorry that nobody called you back.", "Casey Jones"),
        ("Dear Casey, we are sorry for the silence.", "Casey"),
        ("We are sorry, Priya Raman. We should have written sooner.", "Priya Raman"),
        ("Thanks, Casey. We have changed how we follow up.", "Casey"),
        ("Marc-Andr\u00e9 Gagnon, we apologise for the wait.", "Marc-Andr\u00e9 Gagnon"),
        ("Hello Jos\u00e9 N\u00fa\u00f1ez-Ortiz, thank you for the review.", "N\u00fa\u00f1ez"),
        ("Sorry J. Smith, the role closed.", "J. Smith"),
        ("Siobhan O'Connor, we are sorry.", "O'Connor"),
        (f"Hi Ca{ZW}sey J{BOM}ones, we are sorry.", "Casey Jones"),
        (f"Hi C{CYR_A}sey J{CYR_O}n{CYR_E}s, we are sorry.", f"C{CYR_A}sey"),
    ],
)
def test_a_response_that_names_someone_is_held_and_not_shown(
    app, client, outbox, rep, review, employer, body, name
):
    preview = send(client, review, body, action="preview")
    assert preview.status_code == 200
    assert "A moderator will read this first" in visible(preview)
    answer = send(client, review, body)
    assert answer.status_code == 302
    [saved] = responses()
    assert saved.status is ResponseStatus.held
    assert ZW not in saved.body and BOM not in saved.body
    public = app.test_client()
    for url in public_pages(review, employer):
        assert name not in visible(public.get(url)), url
    assert api_review(app, employer, review)["response"] is None
    assert outbox == []


@pytest.mark.parametrize(
    "body",
    [
        "Thanks from the Snorkeldown Analytics team. We have changed our process.",
        "Kind regards, Snorkeldown Analytics",
        "Thank you for the feedback. Dear candidates: we read every review.",
        "Thanks for applying. We will reply within a week from now on.",
    ],
)
def test_a_response_that_names_nobody_is_published(client, rep, review, body):
    assert send(client, review, body).status_code == 302
    [saved] = responses()
    assert saved.status is ResponseStatus.published


def test_the_employers_aliases_are_nobodys_name_in_its_responses(client, rep, review, employer):
    EmployerAliasFactory(
        employer_id=employer.id, name="Snorkel Labs Kenya", normalized_name="snorkel labs kenya"
    )
    assert send(client, review, "Kind regards, Snorkel Labs Kenya").status_code == 302
    [saved] = responses()
    assert saved.status is ResponseStatus.published


# --- invisible characters no longer smuggle contact details ------------------------------------


SMUGGLED = (
    f"Write to ja{ZW}ne.doe@snor{BOM}keldown.example, see https://snorkel{ZW}down.example/jobs "
    f"and follow @snork{ZW}eldown_talent."
)
REVEALED = ("jane.doe@snorkeldown.example", "snorkeldown.example/jobs", "@snorkeldown_talent")


def test_a_response_with_invisible_characters_in_contact_details_is_scrubbed(
    app, client, rep, review, employer
):
    preview = visible(send(client, review, SMUGGLED, action="preview"))
    for kind in ("An email address", "A link", "A social media handle"):
        assert kind in preview
    assert send(client, review, SMUGGLED).status_code == 302
    [saved] = responses()
    assert saved.body.count("[removed]") == 3
    assert ZW not in saved.body and BOM not in saved.body
    public = app.test_client()
    for url in public_pages(review, employer):
        text = page_text(public.get(url))
        assert ZW not in text
        for part in REVEALED:
            assert part not in text, url
    body = api_review(app, employer, review)["response"]["body"]
    assert not any(part in body for part in REVEALED)


def test_a_spelled_out_address_in_a_response_goes_whole(client, rep, review):
    send(client, review, "Write to sarah dot oconnor at gmail dot com and we will help.")
    [saved] = responses()
    assert saved.body == "Write to [removed] and we will help."


def _every_stored_text(review: Review) -> str:
    """The review row and all its revisions, as stored."""
    db.session.expire_all()
    revisions = db.session.scalars(
        select(ReviewRevision.data).where(ReviewRevision.review_id == review.id)
    ).all()
    row = db.session.get(Review, review.id)
    return " ".join([row.narrative or "", row.advice or "", *map(json.dumps, revisions)])


def test_a_new_review_with_invisible_characters_is_scrubbed(client, signed_in, employer):
    narrative = f"The recruiter said to write to ja{ZW}ne.doe@snor{BOM}keldown.example later."
    preview = page_text(
        post_form(
            client,
            f"/reviews/new?employer={employer.slug}",
            {**BASE, "narrative": narrative, "action": "preview"},
        )
    )
    assert "An email address" in preview
    post_form(
        client,
        f"/reviews/new?employer={employer.slug}",
        {**BASE, "narrative": narrative, "action": "publish"},
    )
    (review,) = db.session.scalars(select(Review)).all()
    stored = _every_stored_text(review)
    assert "jane.doe" not in stored and "snorkeldown.example" not in stored
    assert ZW not in stored and BOM not in stored and "\\u200b" not in stored
    assert "[removed]" in review.narrative


def test_a_new_review_naming_someone_through_invisible_characters_is_held(
    client, signed_in, employer
):
    narrative = f"Marc-Andr\u00e9 Ga{ZW}gnon ran the interview and never wrote back."
    url = f"/reviews/new?employer={employer.slug}"
    post_form(client, url, {**BASE, "narrative": narrative, "action": "publish"})
    (review,) = db.session.scalars(select(Review)).all()
    assert review.status is ReviewStatus.held
    assert ZW not in review.narrative


def test_an_edit_with_invisible_characters_is_scrubbed(client, signed_in, employer):
    review = ReviewFactory(author=signed_in, employer_id=employer.id, outcome=Outcome.waiting)
    review.published_at = utcnow()
    db.session.commit()
    edit = {
        **BASE,
        "outcome": "ghosted",
        "advice": (
            f"Ask for sarah{ZW}.oconnor@gm{BOM}ail.com, or sarah dot oconnor at gmail dot com"
        ),
    }
    answer = post_form(client, f"/reviews/{review.public_id}/edit", {**edit, "action": "publish"})
    assert answer.status_code == 302
    stored = _every_stored_text(review)
    assert "oconnor" not in stored.lower() and "gmail" not in stored
    assert ZW not in stored and BOM not in stored


# --- the preview says "Your name" only for the writer's own ------------------------------------


def test_review_preview_calls_a_recruiters_name_a_name_and_the_authors_own_your_name(
    client, auth, employer
):
    UserFactory(email="priyanka.vasquez@example.org", password=PASSWORD, verified=True)
    auth.sign_in("priyanka.vasquez@example.org", PASSWORD)
    narrative = (
        "I wrote to ottoline.fairweather@snorkel.example; Ottoline never answered. "
        "Signed, Priyanka."
    )
    answer = post_form(
        client,
        f"/reviews/new?employer={employer.slug}",
        {**BASE, "narrative": narrative, "action": "preview"},
    )
    text = visible(answer)
    assert "A name: Ottoline" in text
    assert "Your name: Priyanka" in text
    assert "Your name: Ottoline" not in text
    assert "your own name" not in text


def test_response_preview_calls_a_candidates_name_a_name(client, rep, review):
    body = "We wrote to ottoline.fairweather@mail.example; sorry Ottoline. Bartholomew, talent."
    text = visible(send(client, review, body, action="preview"))
    assert "A name: Ottoline" in text
    assert "Your name: Bartholomew" in text
    assert "Your name: Ottoline" not in text


# --- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (ZW * 50, "Write your response"),
        (f"{ZW}{BOM}\u00ad \n {ZW}", "Write your response"),
        ("Hi Casey " * 1_000, "Keep the response to 2,000 characters"),
        ("\ufdfa" * 200, "Keep the response to 2,000 characters"),  # NFKC: 18 letters each
        ("Hi \u202eCasey", "invisible control characters"),
    ],
)
def test_hostile_response_text_gets_a_clear_message(client, rep, review, body, message):
    answer = send(client, review, body)
    assert answer.status_code == 422
    assert message in page_text(answer)
    assert responses() == []


def test_invisible_characters_do_not_count_towards_the_limit(client, rep, review):
    body = "We are sorry. " * 140 + ZW * 100  # 1,960 visible characters
    assert send(client, review, body).status_code == 302
    [saved] = responses()
    assert ZW not in saved.body


@pytest.mark.parametrize(
    "narrative",
    [
        ZW * 5_000 + "a",
        "Hi Ca\u200bsey " * 2_000,
        "\ufdfa" * 1_000,
        "a dot " * 3_000 + "at x dot com",
    ],
)
def test_hostile_review_text_never_gives_a_500(client, signed_in, employer, narrative):
    answer = post_form(
        client,
        f"/reviews/new?employer={employer.slug}",
        {**BASE, "narrative": narrative, "action": "preview"},
    )
    assert answer.status_code in (200, 422)


# --- a lookalike of an existing employer is that employer --------------------------------------


@pytest.mark.parametrize(
    "lookalike",
    [
        "\u0410\u0441\u043c\u0435 Corporation",  # Асме, wholly Cyrillic
        f"A{ZW}cme Corporation",
        f"Acm{CYR_E} C{CYR_O}rporation",
    ],
)
def test_a_lookalike_of_an_existing_employer_is_not_a_new_employer(
    client, signed_in, app, lookalike
):
    acme = employer_services.create_employer(
        "Acme Corporation", industry=Industry.software, country="GB", domain="acme.com"
    )
    acme.listed_at = acme.created_at  # public: reviewed already (§5.8)
    db.session.commit()
    answer = post_form(client, "/employers/new", {"name": lookalike, "different": "y"})
    assert answer.status_code == 422
    assert "Acme Corporation is already on HeardBack" in page_text(answer)
    assert db.session.scalar(select(func.count(Employer.id))) == 1
    assert employer_services.find_by_name(lookalike).name == "Acme Corporation"


def test_a_lookalike_of_an_unlisted_employer_leads_to_it_without_saying_so(client, signed_in, app):
    """Unlisted (added by someone, not yet reviewed), the lookalike is answered as adding would
    be, and leads to the same employer: no second one is created."""
    employer_services.create_employer("Acme Corporation", industry=Industry.software)
    db.session.commit()
    answer = post_form(client, "/employers/new", {"name": f"Acm{CYR_E} C{CYR_O}rporation"})
    assert answer.status_code == 302
    assert answer.headers["Location"] == "/reviews/new?employer=acme-corporation"
    assert db.session.scalar(select(func.count(Employer.id))) == 1
