"""The moderation queue and a review as a moderator sees it (DESIGN.md §8): who gets in, what
each section lists (oldest first, capped), a fixed number of queries, and the author shown only as
a pseudonym with account age and review count, never an email (DESIGN.md §5.6). CSRF on."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from flask import current_app

from accounts.models import Role
from extensions import db
from moderation import queue as moderation_queue
from moderation.models import FlagReason
from responses.models import ResponseStatus
from reviews.models import HoldReason, ReviewStatus, RevisionSource
from tests.conftest import Auth, page_text
from tests.factories import (
    ClaimFactory,
    EmployerDomainFactory,
    EmployerFactory,
    FlagFactory,
    LegalNoticeFactory,
    RepresentativeFactory,
    ResponseFactory,
    ReviewFactory,
    ReviewRevisionFactory,
    UserFactory,
)
from tests.helpers import queries_for_get
from timeutils import month_start, utcnow

PASSWORD = "correct horse battery"
# Distinctive, so a leak anywhere on a moderation page is found.
AUTHOR_EMAIL = "ysolde.quarrington-7731@example.org"
FLAGGER_EMAIL = "careful.reader-4410@example.org"
REP_EMAIL = "rep.snorkeldown-2290@example.org"
NOTIFIER_EMAIL = "counsel-5512@lawfirm.example"
NARRATIVE = "Three interviews and a presentation, then the recruiter Jane Doe stopped answering."
ROLES = ("anonymous", "candidate", "representative", "moderator", "admin")


# --- helpers shared with test_moderation_actions -----------------------------------------------


def client_as(app, user):
    client = app.test_client()
    if user is not None:
        response = Auth(client, None).sign_in(user.email, PASSWORD)
        assert response.status_code == 302, page_text(response)
    return client


def visible(response) -> str:
    """What a reader sees: the page without its tags, entities decoded, spaces collapsed."""
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", response.get_data(as_text=True), flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def days_ago(days: float):
    return utcnow() - timedelta(days=days)


def make_flag(review=None, response=None, reporter=None, representative=None, **values):
    return FlagFactory(
        review_id=review.id if review is not None else None,
        response_id=response.id if response is not None else None,
        reporter_id=reporter.id if reporter is not None else None,
        representative_id=representative.id if representative is not None else None,
        reason=values.pop("reason", FlagReason.personal_information),
        explanation=values.pop("explanation", "It names the recruiter."),
        **values,
    )


def make_notice(review, **values):
    return LegalNoticeFactory(
        review_id=review.id,
        notifier_name=values.pop("notifier_name", "Prudence Counsel"),
        notifier_email=values.pop("notifier_email", NOTIFIER_EMAIL),
        legal_basis=values.pop("legal_basis", "defamation"),
        explanation=values.pop("explanation", "The review says things about our client."),
        **values,
    )


def make_response(review, body="Thank you for telling us.", **values):
    return ResponseFactory(review_id=review.id, employer_id=review.employer_id, body=body, **values)


def make_people() -> dict:
    """One user per role of the access table, and a representative of the review's employer."""
    employer = EmployerFactory(name="Snorkeldown Analytics", slug="snorkeldown-analytics")
    author = UserFactory(email=AUTHOR_EMAIL, verified=True, created_at=days_ago(40))
    rep_user = UserFactory(email=REP_EMAIL, verified=True)
    representative = RepresentativeFactory(user_id=rep_user.id, employer_id=employer.id)
    return {
        "employer": employer,
        "author": author,
        "candidate": UserFactory(email=FLAGGER_EMAIL, verified=True),
        "representative": rep_user,
        "representation": representative,
        "moderator": UserFactory(email="mod@example.org", role=Role.moderator, verified=True),
        "admin": UserFactory(email="admin@example.org", role=Role.admin, verified=True),
    }


def make_review(people):
    return ReviewFactory(
        author=people["author"],
        employer_id=people["employer"].id,
        narrative=NARRATIVE,
        advice="Answer the people you interview.",
    )


@pytest.fixture
def people(app):
    return make_people()


@pytest.fixture
def review(people):
    return make_review(people)


def user_for(people, role: str):
    return None if role == "anonymous" else people[role]


# --- who gets in -------------------------------------------------------------------------------

EXPECTED = {
    "anonymous": 302,
    "candidate": 403,
    "representative": 403,
    "moderator": 200,
    "admin": 200,
}


@pytest.mark.parametrize("role", ROLES)
def test_queue_and_review_page_by_role(app, people, review, role):
    client = client_as(app, user_for(people, role))
    for path in ("/moderation", f"/moderation/reviews/{review.public_id}"):
        response = client.get(path)
        assert response.status_code == EXPECTED[role], (role, path)
        if role == "anonymous":
            assert "/sign-in?next=" in response.headers["Location"]


def test_unknown_review_is_404(app, people):
    client = client_as(app, people["moderator"])
    assert client.get("/moderation/reviews/nonexistent").status_code == 404
    assert client.get("/moderation/reviews/" + "x" * 5000).status_code == 404


# --- what the queue lists ----------------------------------------------------------------------


def test_queue_lists_every_section_oldest_first(app, people, review):
    employer, author = people["employer"], people["author"]
    other = EmployerFactory(name="Fizzlebrook Logistics", slug="fizzlebrook-logistics")
    # Reports: an old one from a member on the review, a newer one from a representative on
    # the response under another review.
    answered = ReviewFactory(author=author, employer_id=other.id, narrative="Silence.")
    response = make_response(answered)
    make_flag(review=review, reporter=people["candidate"], created_at=days_ago(5))
    make_flag(
        response=response,
        reporter=people["representative"],
        representative=people["representation"],
        reason=FlagReason.abusive,
        explanation="The response is rude to the candidate.",
        created_at=days_ago(1),
    )
    # Held reviews, by reason; a held response; a burst-capped review; a legal notice.
    for reason, age in ((HoldReason.link_spam, 2), (HoldReason.suspected_name, 9)):
        ReviewFactory(
            employer_id=employer.id,
            status=ReviewStatus.held,
            hold_reason=reason,
            created_at=days_ago(age),
            process_month=month_start(review.process_month - timedelta(days=31 * age)),
        )
    held_response_review = ReviewFactory(employer_id=employer.id)
    make_response(held_response_review, status=ResponseStatus.held)
    capped = ReviewFactory(employer_id=employer.id, burst_capped_at=days_ago(3))
    make_notice(review, legal_basis="defamation")
    # A claim for a moderator; new employers with and without a domain, and an old one.
    claimant = UserFactory(verified=True)
    ClaimFactory(
        awaiting=True,
        user_id=claimant.id,
        employer_id=employer.id,
        email="x@snorkel.example",
        email_domain="snorkel.example",
    )
    EmployerFactory(name="Brand New Widgets", slug="brand-new-widgets")
    with_domain = EmployerFactory(name="Domained Widgets", slug="domained-widgets")
    EmployerDomainFactory(employer_id=with_domain.id, domain="domained.example")
    EmployerFactory(name="Ancient Widgets", slug="ancient-widgets", created_at=days_ago(90))
    db.session.commit()

    page = client_as(app, people["moderator"]).get("/moderation")
    assert page.status_code == 200
    text = visible(page)
    assert not any(secret in page_text(page) for secret in (AUTHOR_EMAIL, REP_EMAIL))
    assert "Reports on reviews and responses 2" in text
    assert text.index("A review of Snorkeldown Analytics") < text.index(
        "The response to a review of Fizzlebrook Logistics"
    )
    assert "A member" in text and "A representative of Snorkeldown Analytics" in text
    assert "The response is rude to the candidate." in text
    assert "Held reviews 2" in text
    assert "Seems to name a person: 1" in text and "Links or spam: 1" in text
    held_rows = text[text.index("Reviews held by the automatic checks") :]
    assert held_rows.index("Seems to name a person") < held_rows.index("Links or spam")
    assert "Held responses 1" in text
    assert "Pending moderation: over the burst cap 1" in text
    assert f"/moderation/reviews/{capped.public_id}" in page_text(page)
    assert "Legal notices 1" in text and "Defamation" in text
    assert "Claims awaiting a moderator 1" in text and "/moderation/claims" in page_text(page)
    new_employers = text[text.index("New employers without a known domain") :]
    assert "Brand New Widgets" in new_employers
    assert "Domained Widgets" not in new_employers and "Ancient Widgets" not in new_employers
    for secret in (AUTHOR_EMAIL, FLAGGER_EMAIL, REP_EMAIL, NOTIFIER_EMAIL, "x@snorkel.example"):
        assert secret not in text


def test_an_empty_queue_says_so(app, people):
    EmployerDomainFactory(employer_id=people["employer"].id, domain="snorkel.example")
    text = visible(client_as(app, people["moderator"]).get("/moderation"))
    assert "Nothing is waiting for a moderator." in text
    assert "No open reports." in text


def test_sections_are_capped_with_a_count_of_the_rest(app, people, monkeypatch):
    monkeypatch.setattr(moderation_queue, "SECTION_LIMIT", 2)
    employer = people["employer"]
    for n in range(3):
        ReviewFactory(
            employer_id=employer.id,
            status=ReviewStatus.held,
            hold_reason=HoldReason.near_duplicate,
            process_month=(utcnow() - timedelta(days=40 + 31 * n)).date().replace(day=1),
        )
    text = visible(client_as(app, people["moderator"]).get("/moderation"))
    assert "Held reviews 3" in text
    # The reason filter's option, the summary and 2 rows: one page of 2, then the next page.
    assert text.count("Nearly the same text as another review") == 1 + 1 + 2
    assert "1\N{EN DASH}2 of 3 (page 1 of 2)" in text and "Next page of held reviews" in text


def _seed_queue_items(people, count: int, offset: int) -> None:
    employer = people["employer"]
    for n in range(count):
        month = (utcnow() - timedelta(days=40 + 31 * (n + offset))).date().replace(day=1)
        flagged = ReviewFactory(employer_id=employer.id, process_month=month)
        make_flag(review=flagged, reporter=people["candidate"])
        response = make_response(flagged, status=ResponseStatus.held)
        make_flag(response=response, reporter=people["candidate"])
        ReviewFactory(
            employer_id=employer.id,
            status=ReviewStatus.held,
            hold_reason=HoldReason.link_spam,
            process_month=month,
            author=UserFactory(verified=True),
        )
        ReviewFactory(
            employer_id=employer.id,
            burst_capped_at=utcnow(),
            process_month=month,
            author=UserFactory(verified=True),
        )
        make_notice(flagged)
        EmployerFactory()


def test_queue_costs_a_fixed_number_of_queries(app, query_counter, people):
    client = client_as(app, people["moderator"])
    _seed_queue_items(people, 1, 0)
    few = queries_for_get(query_counter, client, "/moderation")
    _seed_queue_items(people, 12, 1)
    many = queries_for_get(query_counter, client, "/moderation")
    assert many == few, f"{few} queries with one item per section, {many} with 13"


# --- one review --------------------------------------------------------------------------------


def test_review_page_shows_everything_but_who_wrote_it(app, people, review):
    author = people["author"]
    ReviewFactory(author=author, employer_id=EmployerFactory().id)  # a second review
    ReviewRevisionFactory(
        review_id=review.id,
        number=1,
        source=RevisionSource.author,
        data={"narrative": "The first version.", "stage": "screen"},
        created_at=days_ago(10),
    )
    ReviewRevisionFactory(
        review_id=review.id,
        number=2,
        source=RevisionSource.author,
        data={"narrative": NARRATIVE, "stage": "interview"},
        created_at=days_ago(2),
    )
    response = make_response(review, body="We are sorry to hear this.")
    make_flag(review=review, reporter=people["candidate"], explanation="It names Jane Doe.")
    make_flag(
        response=response,
        reporter=people["representative"],
        representative=people["representation"],
        reason=FlagReason.false_or_misleading,
        explanation="We did answer, twice.",
    )
    make_notice(review, notifier_name="Prudence Counsel", legal_basis="defamation")

    page = client_as(app, people["moderator"]).get(f"/moderation/reviews/{review.public_id}")
    assert page.status_code == 200
    for secret in (AUTHOR_EMAIL, FLAGGER_EMAIL, REP_EMAIL):
        assert secret not in page_text(page)
    text = visible(page)
    name = moderation_queue.pseudonym(author.id)
    assert name.startswith("Member ") and len(name) == len("Member 3F9A2C")
    assert f"{name}: account 40 days old, 2 reviews" in text
    for secret in (AUTHOR_EMAIL, FLAGGER_EMAIL, REP_EMAIL):
        assert secret not in text
    # The review in full, its text and its response.
    assert NARRATIVE in text and "Answer the people you interview." in text
    assert "Interview" in text  # the stage, not coarsened ("Interviewed")
    assert "We are sorry to hear this." in text
    # Reports with their reasons and explanations, the flaggers only as what they are.
    assert "It names Jane Doe." in text and "We did answer, twice." in text
    assert "From a member" in text
    assert "From a representative of Snorkeldown Analytics" in text
    # The legal notice: the notifier isn't anonymous, so moderators see who sent it.
    assert "Prudence Counsel" in text and "Defamation" in text
    # Revisions, newest first, with what changed.
    assert text.index("Revision 2, by the author") < text.index("Revision 1, by the author")
    assert "The first version." in text


def test_pseudonyms_are_stable_distinct_and_keyed(app):
    assert moderation_queue.pseudonym(7) == moderation_queue.pseudonym(7)
    assert moderation_queue.pseudonym(7) != moderation_queue.pseudonym(8)
    before = moderation_queue.pseudonym(7)
    current_app.config["SECRET_KEY"] = "another-secret"
    assert moderation_queue.pseudonym(7) != before


def test_a_de_linked_review_says_account_deleted(app, people):
    orphan = ReviewFactory(employer_id=people["employer"].id, narrative="Kept after deletion.")
    text = visible(
        client_as(app, people["moderator"]).get(f"/moderation/reviews/{orphan.public_id}")
    )
    assert "Account deleted" in text and "Member " not in text
    assert "There is no account to suspend." in text


def test_review_page_costs_a_fixed_number_of_queries(app, query_counter, people, review):
    client = client_as(app, people["moderator"])
    path = f"/moderation/reviews/{review.public_id}"
    response = make_response(review)
    make_flag(review=review, reporter=people["candidate"])
    make_notice(review)
    few = queries_for_get(query_counter, client, path)
    for n in range(10):
        flagger = UserFactory(verified=True)
        make_flag(review=review, reporter=flagger)
        make_flag(response=response, reporter=flagger)
        make_notice(review)
        ReviewRevisionFactory(
            review_id=review.id,
            number=n + 1,
            source=RevisionSource.author,
            data={"narrative": f"Version {n}"},
        )
        ReviewFactory(
            author=people["author"],
            employer_id=EmployerFactory().id,
        )
    db.session.commit()
    many = queries_for_get(query_counter, client, path)
    assert many == few, f"{few} queries with one of each, {many} with eleven"
