"""A decision heard only after the candidate chased it: a forced answer counts as silence at
that stage (DESIGN.md §6), so the review must say whether the candidate had to chase it.

Review.chased_for_decision: True "only after I chased them", False "without my asking", NULL not
said; only for a decision (CHECK). The form asks it beside the decision days and, like them,
ignores it for any other outcome; the card says "Heard only after chasing them" where other
quasi-identifiers are shown (DESIGN.md §5.9: not below five published reviews), on every surface.
"""

from __future__ import annotations

import json
import re
from datetime import date, timedelta

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select
from sqlalchemy import text as sql
from sqlalchemy.exc import IntegrityError

from accounts.export import export_data
from extensions import db
from moderation.queue import describe, review_facts
from reviews.disclosure import CHASED_LABEL, CHASED_TEXT, disclose
from reviews.fields import FIELDS
from reviews.forms import ReviewForm
from reviews.models import Outcome, Review, ReviewRevision, ReviewStatus, Stage
from reviews.services import Prepared, update
from scoring.stats import facts_from_review
from tests.conftest import csrf_token, make_app, page_text, post_form, publish_pending_change
from tests.factories import EmployerFactory, ReviewFactory, UserFactory
from tests.functional.test_api import checked, load_spec
from tests.functional.test_disclosure import others, rebuild, surfaces
from timeutils import month_start, utcnow

TODAY = date.today()
START = (TODAY - timedelta(days=75)).replace(day=1)
CONTACT = START + timedelta(days=20)

# A withdrawn offer the candidate learned of only by chasing: the case that motivated the question.
CHASED_OFFER = {
    "process_month": START.strftime("%Y-%m"),
    "stage": "offer",
    "outcome": "rescinded",
    "last_contact_on": CONTACT.isoformat(),
    "decision_days": "20",
    "chased_for_decision": "chased",
}
NARRATIVE = "They said it must have been a mistake, three weeks after I asked. " * 5
QUESTION = "Did they tell you before you chased them?"
CHASED_ANSWER = "No, I only heard after I chased them"
TOLD_ANSWER = "Yes, they told me without my asking"


@pytest.fixture
def employer(app):
    return EmployerFactory(name="Quillon Brassworks", slug="quillon-brassworks")


def _url(employer) -> str:
    return f"/reviews/new?employer={employer.slug}"


def _send(client, url, data, action):
    return post_form(client, url, {**data, "action": action})


def _reviews() -> list[Review]:
    db.session.expire_all()
    return list(db.session.scalars(select(Review)))


# --- the database ------------------------------------------------------------------------------


@pytest.mark.parametrize("outcome", [Outcome.ghosted, Outcome.waiting, Outcome.withdrew])
@pytest.mark.parametrize("chased", [True, False])
def test_the_database_refuses_an_answer_without_a_decision(app, outcome, chased):
    with pytest.raises(IntegrityError, match="chased_only_for_decision"):
        ReviewFactory(outcome=outcome, chased_for_decision=chased)
    db.session.rollback()


@pytest.mark.parametrize(
    "outcome", [Outcome.offer, Outcome.rejected_with_feedback, Outcome.rejected, Outcome.rescinded]
)
@pytest.mark.parametrize("chased", [True, False, None])
def test_a_decision_takes_any_answer(app, outcome, chased):
    review = ReviewFactory(
        outcome=outcome,
        stage=Stage.offer,
        decision_days=3,
        chased_for_decision=chased,
    )
    db.session.expire_all()
    assert db.session.get(Review, review.id).chased_for_decision is chased


# --- the form ----------------------------------------------------------------------------------


def test_the_form_asks_beside_the_decision_days_and_the_help_texts_no_longer_overlap(
    client, signed_in, employer
):
    body = page_text(client.get(_url(employer)))
    assert QUESTION in body
    for text in (CHASED_ANSWER, TOLD_ANSWER, "Not saying", "the offer was withdrawn only"):
        assert text in body
    # Shown and hidden with the decision days (static/js/review-form.js), everything shown
    # without JavaScript.
    block = re.search(r'<div data-show-when="outcome"[^>]*>(.*?)</div>\s*</fieldset>', body, re.S)
    assert block and 'name="chased_for_decision"' in block.group(1)
    assert 'name="decision_days"' in block.group(1)
    # "Ghosted" is no decision even when chased; a decision that had to be chased is that
    # decision plus the answer, and counts as silence.
    ghosted = re.search(r'id="outcome-\d-help">([^<]*never told you a decision[^<]*)<', body)
    rescinded = re.search(r'id="outcome-\d-help">([^<]*explicitly taken back[^<]*)<', body)
    assert ghosted and rescinded
    assert "even when you chased them" in ghosted.group(1)
    assert "is that decision" in ghosted.group(1) and "silence" in ghosted.group(1)
    assert "chased them" in rescinded.group(1) and "silence" in rescinded.group(1)
    # Nothing chosen yet: "not saying" is.
    assert re.search(r'<input checked id="chased_for_decision-2"[^>]*value=""', body)


@pytest.mark.parametrize(
    ("answer", "stored"), [("chased", True), ("told", False), ("", None), (None, None)]
)
def test_a_decision_keeps_the_answer(client, signed_in, employer, answer, stored):
    data = {**CHASED_OFFER, "chased_for_decision": answer}
    if answer is None:
        del data["chased_for_decision"]  # an older page without the question
    response = _send(client, _url(employer), data, "publish")
    assert response.status_code == 302, page_text(response)
    (review,) = _reviews()
    assert review.outcome is Outcome.rescinded and review.chased_for_decision is stored
    (revision,) = review.revisions
    assert revision.data["chased_for_decision"] is stored


def test_the_preview_carries_the_answer_to_publication(client, signed_in, employer):
    response = _send(client, _url(employer), CHASED_OFFER, "preview")
    assert response.status_code == 200
    carried = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', response.text))
    assert carried["chased_for_decision"] == "chased"
    assert _reviews() == []
    _send(client, _url(employer), carried, "publish")
    (review,) = _reviews()
    assert review.chased_for_decision is True


@pytest.mark.parametrize("outcome", ["ghosted", "waiting", "withdrew"])
def test_an_answer_with_no_decision_is_ignored_like_the_decision_days(
    client, signed_in, employer, outcome
):
    # Without JavaScript the question is on the page whatever the outcome: an answer left in it
    # never blocks the review, and is not stored (the CHECK would refuse it).
    data = {**CHASED_OFFER, "stage": "interview", "outcome": outcome, "narrative": NARRATIVE}
    preview = _send(client, _url(employer), data, "preview")
    assert preview.status_code == 200
    assert CHASED_TEXT not in page_text(preview)
    assert 'name="chased_for_decision" value="chased"' in preview.text  # still carried
    response = _send(client, _url(employer), data, "publish")
    assert response.status_code == 302
    (review,) = _reviews()
    assert review.outcome is Outcome(outcome)
    assert review.chased_for_decision is None and review.decision_days is None


def test_an_answer_stays_selected_when_another_field_is_wrong(client, signed_in, employer):
    data = {**CHASED_OFFER, "followups_sent": "1", "followups_answered": "3"}
    data["narrative"] = NARRATIVE
    response = _send(client, _url(employer), data, "preview")
    assert response.status_code == 422
    checked_chased = r'<input[^>]* checked id="chased_for_decision-1"[^>]*value="chased"'
    assert re.search(checked_chased, response.text)
    assert NARRATIVE.strip() in page_text(response)


@pytest.mark.parametrize(
    "value",
    [
        "true",
        "1",
        "yes",
        "Chased",
        "<script>alert(1)</script>",
        "' OR 1=1; --",
        "\x00",
        "\u202e",
        "9" * 400,
        "x" * 100_000,
        "🙂" * 50,
    ],
)
@pytest.mark.parametrize("outcome", ["rescinded", "ghosted"])
def test_a_hostile_answer_is_a_message_not_a_500(client, signed_in, employer, value, outcome):
    stage = "offer" if outcome == "rescinded" else "interview"
    data = {**CHASED_OFFER, "outcome": outcome, "stage": stage, "chased_for_decision": value}
    data["narrative"] = NARRATIVE
    token = csrf_token(client, _url(employer))
    for action in ("preview", "publish"):
        response = client.post(_url(employer), data={**data, "action": action, "csrf_token": token})
        assert response.status_code == 422, (value, action)
        body = page_text(response)
        assert "Choose one of the answers listed here." in body
        assert NARRATIVE.strip() in body  # what was typed is kept
        assert "<script>alert(1)</script>" not in response.text
    assert _reviews() == []


def test_the_edit_form_shows_the_stored_answer(client, signed_in, employer):
    review = ReviewFactory(
        author=signed_in,
        employer_id=employer.id,
        stage=Stage.offer,
        outcome=Outcome.rescinded,
        decision_days=20,
        chased_for_decision=False,
    )
    body = client.get(f"/reviews/{review.public_id}/edit").text
    assert re.search(r'<input checked id="chased_for_decision-0"[^>]*value="told"', body)
    assert ReviewForm.data_from({"chased_for_decision": True})["chased_for_decision"] == "chased"
    assert ReviewForm.data_from({"chased_for_decision": None})["chased_for_decision"] == ""


# --- the card, the API and the k-rule (DESIGN.md §5.9) ------------------------------------------


def _chased_review(employer, chased=True) -> Review:
    return ReviewFactory(
        author=UserFactory(),
        employer_id=employer.id,
        stage=Stage.offer,
        outcome=Outcome.rescinded,
        decision_days=20,
        chased_for_decision=chased,
        process_month=month_start(CONTACT),
        last_contact_on=CONTACT,
    )


def test_from_five_reviews_every_surface_says_heard_only_after_chasing(client, auth):
    employer = EmployerFactory(name="Rundlewick Ceramics")
    review = _chased_review(employer)
    others(employer, 4)
    rebuild()
    for surface, text in surfaces(client, auth, employer, review).items():
        if surface == "CSV":  # employers' figures only, no review details
            assert CHASED_TEXT not in text
            continue
        assert CHASED_TEXT in text, surface


def test_below_five_reviews_no_surface_says_it(client, auth):
    employer = EmployerFactory(name="Sallowmere Forge")
    review = _chased_review(employer)
    others(employer, 3)
    rebuild()
    for surface, text in surfaces(client, auth, employer, review).items():
        assert CHASED_TEXT not in text, surface
        assert "Chasing" not in text, surface


def test_the_api_gives_it_as_a_card_detail(client):
    employer = EmployerFactory()
    review = _chased_review(employer)
    others(employer, 4)
    rebuild()
    body = checked(client, load_spec(), f"/api/v1/employers/{employer.slug}/reviews").get_json()
    [item] = [entry for entry in body["reviews"] if entry["public_id"] == review.public_id]
    assert {"label": CHASED_LABEL, "value": CHASED_TEXT} in item["details"]
    assert "chased" not in json.dumps(
        [entry for entry in body["reviews"] if entry["public_id"] != review.public_id]
    )


@pytest.mark.parametrize("chased", [False, None])
def test_told_without_chasing_or_not_said_shows_nothing(client, chased):
    employer = EmployerFactory()
    _chased_review(employer, chased=chased)
    others(employer, 4)
    rebuild()
    assert CHASED_TEXT not in page_text(client.get(f"/employers/{employer.slug}/reviews"))


def test_disclose_applies_the_rule_where_the_details_are_computed():
    values = {
        "stage": Stage.offer,
        "outcome": Outcome.offer,
        "decision_days": 2,
        "chased_for_decision": True,
        "last_contact_on": CONTACT,
    }
    assert (CHASED_LABEL, CHASED_TEXT) in disclose(values, 5).details
    assert (CHASED_LABEL, CHASED_TEXT) not in disclose(values, 4).details
    # Never for a non-decision, whatever a caller passes.
    ghosted = {**values, "outcome": Outcome.ghosted, "decision_days": None}
    assert (CHASED_LABEL, CHASED_TEXT) not in disclose(ghosted, 50).details


# --- revisions, pending changes, moderators, the author's export, the score --------------------


@pytest.fixture
def author(app):
    user = UserFactory(verified=True, email="chaser@example.org")
    user.created_at = utcnow() - timedelta(days=100)
    db.session.commit()
    return user


def test_a_published_reviews_answer_waits_as_a_pending_change(author):
    review = ReviewFactory(
        author=author, employer_id=EmployerFactory().id, stage=Stage.offer, outcome=Outcome.waiting
    )
    update(
        review,
        author,
        Prepared({"outcome": Outcome.rescinded, "decision_days": 9, "chased_for_decision": True}),
    )
    db.session.commit()
    assert review.chased_for_decision is None  # the public row waits (DESIGN.md §5.8)
    assert review.pending_values["chased_for_decision"] is True
    assert review.revisions[-1].data["chased_for_decision"] is True
    publish_pending_change(review)
    assert review.chased_for_decision is True and review.outcome is Outcome.rescinded


def test_a_pending_change_to_no_decision_drops_the_answer(author):
    review = ReviewFactory(
        author=author,
        employer_id=EmployerFactory().id,
        stage=Stage.offer,
        outcome=Outcome.rescinded,
        decision_days=9,
        chased_for_decision=True,
    )
    update(review, author, Prepared({"outcome": Outcome.ghosted}))
    db.session.commit()
    assert review.pending_values["chased_for_decision"] is None
    publish_pending_change(review)
    assert review.outcome is Outcome.ghosted and review.chased_for_decision is None


def test_an_unpublished_reviews_change_to_no_decision_drops_the_answer(author):
    review = ReviewFactory(
        author=author,
        employer_id=EmployerFactory().id,
        stage=Stage.offer,
        outcome=Outcome.rescinded,
        decision_days=9,
        chased_for_decision=False,
        status=ReviewStatus.scheduled,
        publish_at=utcnow() + timedelta(days=3),
    )
    update(review, author, Prepared({"outcome": Outcome.withdrew}))
    db.session.commit()
    assert review.outcome is Outcome.withdrew and review.chased_for_decision is None
    numbers = db.session.scalars(
        select(ReviewRevision.data).where(ReviewRevision.review_id == review.id)
    ).all()
    assert numbers[-1]["chased_for_decision"] is None


def test_moderators_the_export_and_the_score_see_it(author):
    review = _chased_review(EmployerFactory())
    review.author_id = author.id
    db.session.commit()
    assert "chased_for_decision" in FIELDS
    facts = dict(review_facts(review))
    assert facts["Told before they chased the employer"] == CHASED_ANSWER
    assert describe("chased_for_decision", False) == TOLD_ANSWER
    assert describe("chased_for_decision", None) == "—"
    [exported] = export_data(author)["reviews"]
    assert exported["chased_for_decision"] is True
    assert facts_from_review(review, TODAY).chased is True
    review.chased_for_decision = False
    assert facts_from_review(review, TODAY).chased is False


# --- the migration -----------------------------------------------------------------------------


@pytest.mark.filterwarnings(
    "ignore:Skipped unsupported reflection of expression-based index:sqlalchemy.exc.SAWarning"
)
def test_the_migration_adds_the_column_and_its_check_and_keeps_existing_reviews(tmp_path):
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'chased.sqlite3'}")
    with app.app_context():
        # Rows written with today's models, then the schema goes back to before the column and
        # up again, so the migration meets existing reviews (SQLite rebuilds the table).
        upgrade()
        decided = ReviewFactory(
            stage=Stage.offer, outcome=Outcome.rescinded, decision_days=4, narrative="Kept."
        ).id
        ghosted = ReviewFactory(outcome=Outcome.ghosted).id
        db.session.commit()
        db.session.remove()
        downgrade(revision="d4a8e6b2c9f1")
        columns = {column["name"] for column in inspect(db.engine).get_columns("reviews")}
        assert "chased_for_decision" not in columns
        upgrade()
        checks = {check["name"] for check in inspect(db.engine).get_check_constraints("reviews")}
        assert "ck_reviews_chased_only_for_decision" in checks
        indexes = set(
            db.session.execute(sql("SELECT name FROM sqlite_master WHERE type = 'index'")).scalars()
        )
        assert "ix_reviews_recent_texts" in indexes  # the batch rebuild dropped it; put back
        rows = db.session.execute(
            select(Review.id, Review.chased_for_decision, Review.narrative).order_by(Review.id)
        ).all()
        assert [tuple(row) for row in rows] == [(decided, None, "Kept."), (ghosted, None, None)]
        db.session.execute(
            sql("UPDATE reviews SET chased_for_decision = true WHERE id = :id"), {"id": decided}
        )
        with pytest.raises(IntegrityError, match="chased_only_for_decision"):
            db.session.execute(
                sql("UPDATE reviews SET chased_for_decision = false WHERE id = :id"),
                {"id": ghosted},
            )
        db.session.rollback()
        db.session.remove()
        db.engine.dispose()
