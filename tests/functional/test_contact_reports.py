"""Closing the loop (DESIGN.md §7): a representative says "we have now contacted this
candidate", the author confirms or denies it on /me, and a confirmation updates the review."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from employers.models import EmployerStats
from extensions import db
from representatives.models import ContactReport, ContactStatus, EndReason, Representative
from reviews.models import Feedback, Outcome, Review, ReviewStatus, Stage
from scoring.stats import refresh_employer
from tests.conftest import links_in, page_text, path_of, post_form, publish_pending_change
from tests.factories import (
    ContactReportFactory,
    EmployerFactory,
    RepresentativeFactory,
    ReviewFactory,
    UserFactory,
)
from tests.functional.test_dashboard import PASSWORD
from timeutils import month_start, utcnow

AUTHOR_EMAIL = "marigold.thistlewaite@example.org"
REP_EMAIL = "talent@fennimore.example"
CONTACT = date.today() - timedelta(days=45)


@pytest.fixture
def employer(app):
    return EmployerFactory(name="Fennimore Ceramics")


@pytest.fixture
def candidate(app):
    return UserFactory(email=AUTHOR_EMAIL, password=PASSWORD, verified=True)


@pytest.fixture
def representative(employer):
    user = UserFactory(email=REP_EMAIL, password=PASSWORD, verified=True)
    return RepresentativeFactory(user_id=user.id, employer_id=employer.id)


def open_case(employer, author, **values) -> Review:
    """A published review, waiting and presumed ghosted (45 days without a reply)."""
    values.setdefault("stage", Stage.final)
    values.setdefault("outcome", Outcome.waiting)
    values.setdefault("feedback", Feedback.none)
    values.setdefault("process_month", month_start(CONTACT))
    values.setdefault("last_contact_on", CONTACT)
    if values["outcome"] is Outcome.waiting:
        values.setdefault("presumed_ghosted_at", utcnow())
    review = ReviewFactory(author=author, employer_id=employer.id, **values)
    refresh_employer(employer.id)
    db.session.commit()
    return review


def reports(review) -> list[ContactReport]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(ContactReport).where(ContactReport.review_id == review.id).order_by("id")
        )
    )


def fresh(review) -> Review:
    db.session.expire_all()
    return db.session.get(Review, review.id)


def say_contacted(client, review):
    url = f"/employer/reviews/{review.public_id}/contacted"
    return post_form(client, url)


def ask(client, auth, review, outbox=None):
    """As the representative: say the candidate was contacted; then sign out."""
    auth.sign_in(REP_EMAIL, PASSWORD)
    response = say_contacted(client, review)
    auth.sign_out()
    return response


# --- the representative's side -----------------------------------------------------------------


def test_the_confirm_page_says_what_will_happen(client, auth, employer, candidate, representative):
    review = open_case(employer, candidate)
    auth.sign_in(REP_EMAIL, PASSWORD)

    response = client.get(f"/employer/reviews/{review.public_id}/contacted")

    text = page_text(response)
    assert response.status_code == 200
    assert "We will ask its author whether you contacted them" in text
    assert "Nothing changes until they confirm" in text
    assert reports(review) == []
    assert AUTHOR_EMAIL not in text


def test_saying_contacted_asks_the_author_by_email_only(
    client, auth, outbox, employer, candidate, representative
):
    review = open_case(employer, candidate)
    auth.sign_in(REP_EMAIL, PASSWORD)
    outbox.clear()

    response = say_contacted(client, review)

    assert response.status_code == 302
    [report] = reports(review)
    assert report.status is ContactStatus.pending
    assert report.representative_id == representative.id
    assert fresh(review).outcome is Outcome.waiting  # nothing changes yet
    [message] = outbox
    assert message["To"] == AUTHOR_EMAIL
    assert message.as_string().count(AUTHOR_EMAIL) == 1
    assert REP_EMAIL not in message.as_string()
    body = message.get_content()
    assert "Fennimore Ceramics" in body
    assert review.process_month.strftime("%B %Y") in body
    assert [path_of(link) for link in links_in(message)] == ["/me"]
    assert CONTACT.isoformat() not in body
    # The dashboard now says it was asked, without a second button.
    dashboard = page_text(client.get("/employer"))
    assert "they have been asked to confirm" in dashboard
    assert f"/employer/reviews/{review.public_id}/contacted" not in dashboard


def test_a_second_report_on_the_same_review_is_refused(
    client, auth, outbox, employer, candidate, representative
):
    review = open_case(employer, candidate)
    auth.sign_in(REP_EMAIL, PASSWORD)
    say_contacted(client, review)
    outbox.clear()

    response = say_contacted(client, review)

    assert response.status_code == 409
    assert "You have already told us you contacted this candidate" in page_text(response)
    assert len(reports(review)) == 1
    assert outbox == []


@pytest.mark.parametrize(
    "values",
    [
        {"outcome": Outcome.rejected, "decision_days": 4},
        {"outcome": Outcome.offer, "stage": Stage.offer, "decision_days": 2},
        {"outcome": Outcome.withdrew},
    ],
)
def test_not_allowed_on_a_decided_review(client, auth, employer, candidate, representative, values):
    review = open_case(employer, candidate, **values)
    auth.sign_in(REP_EMAIL, PASSWORD)

    shown = client.get(f"/employer/reviews/{review.public_id}/contacted")
    response = say_contacted(client, review)

    assert "isn't an open or unanswered case" in page_text(shown)
    assert response.status_code == 409
    assert reports(review) == []


def test_allowed_on_a_review_that_says_ghosted(client, auth, employer, candidate, representative):
    review = open_case(employer, candidate, outcome=Outcome.ghosted)
    auth.sign_in(REP_EMAIL, PASSWORD)
    assert say_contacted(client, review).status_code == 302
    assert [report.status for report in reports(review)] == [ContactStatus.pending]


def test_not_allowed_on_an_unpublished_review(client, auth, employer, candidate, representative):
    review = open_case(employer, candidate, status=ReviewStatus.scheduled, publish_at=utcnow())
    auth.sign_in(REP_EMAIL, PASSWORD)
    assert client.get(f"/employer/reviews/{review.public_id}/contacted").status_code == 404
    assert reports(review) == []


def test_a_representative_of_another_employer_cannot_report(client, auth, employer, candidate):
    review = open_case(employer, candidate)
    other = EmployerFactory(name="Quillby Paper")
    their_review = open_case(other, UserFactory(verified=True))
    user = UserFactory(email="people@quillby.example", password=PASSWORD, verified=True)
    RepresentativeFactory(user_id=user.id, employer_id=other.id)
    auth.sign_in(user.email, PASSWORD)

    # Employer A's review in the URL, employer B's in the form body: still A's review.
    shown = client.get(f"/employer/reviews/{review.public_id}/contacted")
    posted = post_form(
        client,
        f"/employer/reviews/{review.public_id}/contacted",
        {"employer": other.slug, "public_id": their_review.public_id},
        page="/employer",
    )

    assert shown.status_code == 403
    assert posted.status_code == 403
    assert reports(review) == [] and reports(their_review) == []


def test_a_signed_in_candidate_who_represents_nobody_cannot_report(
    client, auth, employer, candidate
):
    review = open_case(employer, candidate)
    UserFactory(email="nosy@example.org", password=PASSWORD, verified=True)
    auth.sign_in("nosy@example.org", PASSWORD)
    assert say_contacted(client, review).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client, employer, candidate):
    review = open_case(employer, candidate)
    response = client.get(f"/employer/reviews/{review.public_id}/contacted")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_saying_contacted_needs_a_csrf_token(client, auth, employer, candidate, representative):
    review = open_case(employer, candidate)
    auth.sign_in(REP_EMAIL, PASSWORD)
    response = client.post(f"/employer/reviews/{review.public_id}/contacted")
    assert response.status_code == 400
    assert reports(review) == []


def test_a_representative_who_left_cannot_report(client, auth, employer, candidate, representative):
    review = open_case(employer, candidate)
    live = db.session.get(Representative, representative.id)
    live.ended_at = utcnow()
    live.end_reason = EndReason.left
    db.session.commit()
    auth.sign_in(REP_EMAIL, PASSWORD)
    assert say_contacted(client, review).status_code == 403


# --- the author's side -------------------------------------------------------------------------


def test_the_author_sees_the_report_on_me(client, auth, employer, candidate, representative):
    review = open_case(employer, candidate)
    ask(client, auth, review)
    auth.sign_in(AUTHOR_EMAIL, PASSWORD)

    response = client.get("/me")
    text = page_text(response)

    assert "Employers that say they contacted you" in text
    assert f"Fennimore Ceramics: the process that started in {review.process_month:%B %Y}" in text
    html = response.get_data(as_text=True)
    assert f"/reviews/{review.public_id}/contact/confirm" in html
    assert f"/reviews/{review.public_id}/contact/deny" in html
    # Stage "final": an offer can't be chosen (CHECK offer_outcome_at_offer_stage).
    assert 'value="offer"' not in html
    assert 'value="rejected_with_feedback"' in html and 'value="rejected"' in html
    assert REP_EMAIL not in text


def _counts(employer):
    db.session.expire_all()
    stats = db.session.get(EmployerStats, employer.id)
    return stats.ghosted_count, stats.decided_count, stats.waiting_count


def test_confirming_updates_the_review_and_the_figures(
    client, auth, employer, candidate, representative
):
    review = open_case(employer, candidate)
    revisions = len(review.revisions)
    assert _counts(employer) == (1, 0, 0)
    ask(client, auth, review)
    auth.sign_in(AUTHOR_EMAIL, PASSWORD)

    response = post_form(
        client,
        f"/reviews/{review.public_id}/contact/confirm",
        {"outcome": "rejected_with_feedback"},
        page="/me",
    )

    assert response.status_code == 302 and response.headers["Location"] == "/me"
    review = fresh(review)
    # Nothing public changes at the confirmation (DESIGN.md §5.8): the change waits.
    assert review.outcome is Outcome.waiting and review.employer_followed_up_at is None
    assert review.pending_publish_at > utcnow() + timedelta(hours=71)
    assert _counts(employer) == (1, 0, 0)
    publish_pending_change(review)
    review = fresh(review)
    assert review.outcome is Outcome.rejected_with_feedback
    assert review.decision_days == (date.today() - CONTACT).days
    assert review.feedback is Feedback.specific
    assert review.last_contact_on == CONTACT
    assert review.presumed_ghosted_at is None
    assert review.employer_followed_up_at is not None
    assert review.status is ReviewStatus.published
    assert [report.status for report in reports(review)] == [ContactStatus.confirmed]
    assert len(review.revisions) == revisions + 1
    assert review.revisions[-1].data["outcome"] == "rejected_with_feedback"
    # The statistics row changed in the same transaction: a decision instead of silence.
    assert _counts(employer) == (0, 1, 0)
    text = page_text(client.get("/me"))
    assert "Your review now says “Turned down, with a reason”" in text
    assert "Employers that say they contacted you" not in text


def test_confirming_a_template_no_keeps_feedback_consistent(
    client, auth, employer, candidate, representative
):
    review = open_case(employer, candidate, outcome=Outcome.ghosted)
    ask(client, auth, review)
    auth.sign_in(AUTHOR_EMAIL, PASSWORD)

    post_form(
        client, f"/reviews/{review.public_id}/contact/confirm", {"outcome": "rejected"}, page="/me"
    )

    publish_pending_change(fresh(review))
    review = fresh(review)
    assert review.outcome is Outcome.rejected
    assert review.feedback is Feedback.none
    assert review.decision_days == (date.today() - CONTACT).days


def test_an_offer_can_be_confirmed_only_at_the_offer_stage(
    client, auth, employer, candidate, representative
):
    interview = open_case(employer, candidate, stage=Stage.interview)
    at_offer = open_case(
        employer,
        candidate,
        stage=Stage.offer,
        process_month=month_start(month_start(CONTACT) - timedelta(days=1)),
    )
    for review in (interview, at_offer):
        ask(client, auth, review)
    auth.sign_in(AUTHOR_EMAIL, PASSWORD)

    refused = post_form(
        client, f"/reviews/{interview.public_id}/contact/confirm", {"outcome": "offer"}, page="/me"
    )
    accepted = post_form(
        client, f"/reviews/{at_offer.public_id}/contact/confirm", {"outcome": "offer"}, page="/me"
    )

    assert refused.status_code == 302 and accepted.status_code == 302
    assert fresh(interview).pending_values is None
    publish_pending_change(fresh(at_offer))
    assert fresh(interview).outcome is Outcome.waiting
    assert [report.status for report in reports(interview)] == [ContactStatus.pending]
    assert fresh(at_offer).outcome is Outcome.offer
    assert fresh(at_offer).employer_followed_up_at is not None


@pytest.mark.parametrize("value", ["", "ghosted", "waiting", "withdrew", "nonsense"])
def test_a_confirmation_needs_a_decision_it_allows(
    client, auth, employer, candidate, representative, value
):
    review = open_case(employer, candidate)
    ask(client, auth, review)
    auth.sign_in(AUTHOR_EMAIL, PASSWORD)

    response = post_form(
        client, f"/reviews/{review.public_id}/contact/confirm", {"outcome": value}, page="/me"
    )

    assert response.status_code == 302
    assert "Choose" in page_text(client.get("/me"))
    assert fresh(review).outcome is Outcome.waiting
    assert [report.status for report in reports(review)] == [ContactStatus.pending]


def test_denying_leaves_the_review_unchanged(client, auth, employer, candidate, representative):
    review = open_case(employer, candidate)
    before = (review.outcome, review.decision_days, len(review.revisions))
    ask(client, auth, review)
    auth.sign_in(AUTHOR_EMAIL, PASSWORD)

    response = post_form(client, f"/reviews/{review.public_id}/contact/deny", page="/me")

    assert response.status_code == 302
    review = fresh(review)
    assert (review.outcome, review.decision_days, len(review.revisions)) == before
    assert review.employer_followed_up_at is None
    [report] = reports(review)
    assert report.status is ContactStatus.denied and report.answered_at is not None
    assert "Your review stays as it is." in page_text(client.get("/me"))

    # The employer can't ask again at once; to them it looks as if the author hasn't answered.
    auth.sign_out()
    auth.sign_in(REP_EMAIL, PASSWORD)
    assert "they have been asked to confirm" in page_text(client.get("/employer"))
    assert say_contacted(client, review).status_code == 409


def test_only_the_author_can_answer(client, auth, employer, candidate, representative):
    review = open_case(employer, candidate)
    ask(client, auth, review)
    UserFactory(email="someone.else@example.org", password=PASSWORD, verified=True)

    for email in ("someone.else@example.org", REP_EMAIL):
        auth.sign_in(email, PASSWORD)
        confirm = post_form(
            client,
            f"/reviews/{review.public_id}/contact/confirm",
            {"outcome": "rejected"},
            page="/me",
        )
        deny = post_form(client, f"/reviews/{review.public_id}/contact/deny", page="/me")
        assert confirm.status_code == 403 and deny.status_code == 403
        auth.sign_out()
    missing = post_form(client, "/reviews/nosuchreview/contact/deny", page="/sign-in")

    assert missing.status_code in (302, 404)  # signed out: sent to sign in first
    assert fresh(review).outcome is Outcome.waiting
    assert [report.status for report in reports(review)] == [ContactStatus.pending]


def test_an_unknown_review_is_not_found(client, auth, candidate):
    auth.sign_in(AUTHOR_EMAIL, PASSWORD)
    response = post_form(client, "/reviews/nosuchreview/contact/deny", page="/me")
    assert response.status_code == 404


def test_answering_needs_a_csrf_token(client, auth, employer, candidate, representative):
    review = open_case(employer, candidate)
    ask(client, auth, review)
    auth.sign_in(AUTHOR_EMAIL, PASSWORD)
    for action, data in (("confirm", {"outcome": "rejected"}), ("deny", {})):
        response = client.post(f"/reviews/{review.public_id}/contact/{action}", data=data)
        assert response.status_code == 400
    assert [report.status for report in reports(review)] == [ContactStatus.pending]


def test_a_review_decided_meanwhile_withdraws_the_report(
    client, auth, employer, candidate, representative
):
    review = open_case(employer, candidate)
    ask(client, auth, review)
    # The author updated the review themselves before answering.
    changed = fresh(review)
    changed.outcome = Outcome.rejected
    changed.decision_days = 10
    changed.presumed_ghosted_at = None
    db.session.commit()
    auth.sign_in(AUTHOR_EMAIL, PASSWORD)

    assert "Employers that say they contacted you" not in page_text(client.get("/me"))
    response = post_form(
        client,
        f"/reviews/{review.public_id}/contact/confirm",
        {"outcome": "rejected"},
        page="/me",
    )

    assert response.status_code == 302
    assert "nothing left to confirm" in page_text(client.get("/me"))
    assert [report.status for report in reports(review)] == [ContactStatus.withdrawn]
    review = fresh(review)
    assert review.decision_days == 10 and review.employer_followed_up_at is None


def test_a_second_answer_changes_nothing(client, auth, employer, candidate, representative):
    review = open_case(employer, candidate)
    ask(client, auth, review)
    auth.sign_in(AUTHOR_EMAIL, PASSWORD)
    url = f"/reviews/{review.public_id}/contact/confirm"
    post_form(client, url, {"outcome": "rejected"}, page="/me")
    revisions = len(fresh(review).revisions)

    again = post_form(client, f"/reviews/{review.public_id}/contact/deny", page="/me")

    assert again.status_code == 302
    assert len(fresh(review).revisions) == revisions
    assert [report.status for report in reports(review)] == [ContactStatus.confirmed]


def test_the_author_is_never_named_to_the_employer(
    client, auth, outbox, employer, candidate, representative
):
    review = open_case(employer, candidate, narrative="Three interviews, then silence.")
    auth.sign_in(REP_EMAIL, PASSWORD)
    pages = [
        client.get(f"/employer/reviews/{review.public_id}/contacted"),
        say_contacted(client, review),
        client.get("/employer"),
    ]
    text = "\n".join(page_text(page) for page in pages)
    assert "Three interviews, then silence." in text
    assert AUTHOR_EMAIL not in text and "marigold" not in text.lower()
    assert CONTACT.isoformat() not in text
    # Saying so changed nothing about the review.
    assert fresh(review).outcome is Outcome.waiting


def test_an_author_deciding_the_case_withdraws_a_pending_report(app):
    """The author updates the review to a decision before answering: the report is withdrawn."""
    from reviews import services as review_services
    from reviews.services import Prepared
    from tests.factories import EmployerFactory, ReviewFactory, UserFactory

    employer = EmployerFactory()
    author = UserFactory(verified=True)
    review = ReviewFactory(
        author=author,
        employer_id=employer.id,
        outcome=Outcome.waiting,
        last_contact_on=date.today() - timedelta(days=5),
    )
    rep = RepresentativeFactory(user_id=UserFactory(verified=True).id, employer_id=employer.id)
    report = ContactReportFactory(review_id=review.id, representative_id=rep.id)

    values = {"outcome": Outcome.rejected, "decision_days": 4, "feedback": None}
    review_services.update(review, author, Prepared(values))
    db.session.commit()
    # Withdrawn when the decision becomes public, not at the edit (the representative would see
    # the report's state change at once).
    assert db.session.get(ContactReport, report.id).status is ContactStatus.pending
    publish_pending_change(review)
    assert db.session.get(ContactReport, report.id).status is ContactStatus.withdrawn
