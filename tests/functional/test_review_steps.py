"""Issue 18's review fields: every step reached and "I turned down other work while waiting",
through the real form (invalid and hostile values too), the database rule, the cards' small-count
rule, and the employer page's figures (steps, what waiting cost, how long the whole process took).
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from extensions import db
from reviews.models import Outcome, Review, Stage
from scoring.stats import recompute
from scoring.vocabulary import steps_mask, steps_of
from tests.conftest import page_text, post_form
from tests.factories import EmployerFactory, ReviewFactory, UserFactory

TODAY = date.today()
START = (TODAY - timedelta(days=75)).replace(day=1)
BASE = {
    "process_month": START.strftime("%Y-%m"),
    "stage": "references",
    "outcome": "waiting",
    "last_contact_on": (START + timedelta(days=20)).isoformat(),
    "narrative": "A screening call, two interviews and a writing exercise.",
}


@pytest.fixture
def employer(app):
    return EmployerFactory(name="Quillbright Logistics", slug="quillbright-logistics")


def _publish(client, employer, data, url=None):
    url = url or f"/reviews/new?employer={employer.slug}"
    return post_form(client, url, {**data, "action": "publish"})


def _review_of(user) -> Review | None:
    db.session.expire_all()
    return db.session.scalar(select(Review).where(Review.author_id == user.id))


def _checked(body: str, name: str) -> list[str]:
    return re.findall(rf'<input[^>]*\bchecked\b[^>]*name="{name}"[^>]*value="(\w*)"', body)


# --- the form ----------------------------------------------------------------------------------


def test_ticked_steps_are_kept_with_the_furthest(client, signed_in, employer):
    data = {**BASE, "steps": ["screen", "interview", "assignment"]}
    assert _publish(client, employer, data).status_code == 302
    review = _review_of(signed_in)
    assert steps_of(review.steps) == [
        Stage.screen,
        Stage.interview,
        Stage.assignment,
        Stage.references,
    ]


def test_no_step_ticked_is_not_said(client, signed_in, employer):
    assert _publish(client, employer, BASE).status_code == 302
    assert _review_of(signed_in).steps is None


def test_a_step_after_the_furthest_is_explained_and_nothing_is_lost(client, signed_in, employer):
    data = {**BASE, "stage": "interview", "steps": ["screen", "references"]}
    response = _publish(client, employer, data)
    assert response.status_code == 422
    body = page_text(response)
    assert "You ticked References, which comes after the furthest step you chose" in body
    # The summary links to the first box; what was typed and ticked is all still there.
    assert 'href="#steps-0"' in body
    assert sorted(_checked(body, "steps")) == ["references", "screen"]
    assert BASE["narrative"] in body
    assert _review_of(signed_in) is None


@pytest.mark.parametrize(
    "value",
    ["applied", "nonsense", "<script>alert(1)</script>", "x" * 20_000, "interview\x00"],
)
def test_hostile_steps_get_a_message_not_a_500(client, signed_in, employer, value):
    response = _publish(client, employer, {**BASE, "steps": ["screen", value]})
    assert response.status_code == 422
    body = page_text(response)
    assert "Tick steps from the list shown here." in body
    assert "<script>alert(1)</script>" not in response.get_data(as_text=True)
    assert BASE["narrative"] in body and _checked(body, "steps") == ["screen"]
    assert _review_of(signed_in) is None


def test_the_same_step_twice_counts_once(client, signed_in, employer):
    assert _publish(client, employer, {**BASE, "steps": ["screen"] * 300}).status_code == 302
    assert steps_of(_review_of(signed_in).steps) == [Stage.screen, Stage.references]


@pytest.mark.parametrize(("choice", "stored"), [("yes", True), ("no", False), ("", None)])
def test_turned_down_work_answers(client, signed_in, employer, choice, stored):
    assert _publish(client, employer, {**BASE, "turned_down_work": choice}).status_code == 302
    assert _review_of(signed_in).turned_down_work is stored


@pytest.mark.parametrize("value", ["maybe", "1", "<b>yes</b>", "y" * 5000])
def test_hostile_turned_down_answers_get_a_message(client, signed_in, employer, value):
    response = _publish(client, employer, {**BASE, "turned_down_work": value})
    assert response.status_code == 422
    body = page_text(response)
    assert "Choose one of the answers listed here." in body
    assert 'href="#turned_down_work-0"' in body and BASE["narrative"] in body
    assert _review_of(signed_in) is None


def test_the_edit_form_starts_from_the_steps_and_the_answer(client, signed_in, employer):
    _publish(
        client, employer, {**BASE, "steps": ["screen", "assignment"], "turned_down_work": "yes"}
    )
    review = _review_of(signed_in)
    body = client.get(f"/reviews/{review.public_id}/edit").get_data(as_text=True)
    # The furthest step is the stage's radio button; the boxes hold the others.
    assert sorted(_checked(body, "steps")) == ["assignment", "screen"]
    assert _checked(body, "turned_down_work") == ["yes"]
    assert _checked(body, "stage") == ["references"]


# --- the database's rule -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stage", "steps"),
    [
        (Stage.interview, steps_mask([Stage.screen])),  # the furthest step is missing
        (Stage.interview, steps_mask([Stage.interview, Stage.final])),  # a step past it
        (Stage.screen, 0),
        (Stage.offer, 128),
        (Stage.applied, -1),
    ],
)
def test_steps_that_disagree_with_the_stage_are_refused_by_the_database(app, stage, steps):
    employer = EmployerFactory()
    with pytest.raises(IntegrityError):
        ReviewFactory(employer_id=employer.id, stage=stage, outcome=Outcome.waiting, steps=steps)
    db.session.rollback()


def test_an_update_that_breaks_the_rule_is_refused_too(app):
    employer = EmployerFactory()
    review = ReviewFactory(
        employer_id=employer.id,
        stage=Stage.final,
        outcome=Outcome.waiting,
        steps=steps_mask([Stage.screen, Stage.final]),
    )
    db.session.commit()
    with pytest.raises(IntegrityError):
        db.session.execute(update(Review).where(Review.id == review.id).values(stage="interview"))
        db.session.flush()
    db.session.rollback()


# --- cards and the employer page ---------------------------------------------------------------


def _published(employer, outcome=Outcome.rejected, stage=Stage.final, **extra):
    contact = extra.pop("contact", TODAY - timedelta(days=40))
    decided = outcome in (Outcome.rejected, Outcome.offer, Outcome.rescinded)
    extra.setdefault("decision_days", 6 if decided else None)
    extra.setdefault("process_month", (contact - timedelta(days=20)).replace(day=1))
    return ReviewFactory(
        author=UserFactory(),
        employer_id=employer.id,
        outcome=outcome,
        stage=stage,
        last_contact_on=contact,
        **extra,
    )


def _page(client, employer) -> str:
    recompute()
    db.session.commit()
    response = client.get(f"/employers/{employer.slug}")
    assert response.status_code == 200
    return " ".join(re.sub(r"<[^>]+>", " ", page_text(response)).split())


def test_cards_show_steps_and_turned_down_work_only_from_five_reviews(client):
    employer = EmployerFactory()
    steps = steps_mask([Stage.screen, Stage.assignment, Stage.final])
    _published(employer, steps=steps, turned_down_work=True)
    for _ in range(3):
        _published(employer)
    text = _page(client, employer)
    # Four reviews: a detail that could single a candidate out is withheld (DESIGN.md §5.9).
    assert "Screening call, assignment, final round" not in text
    assert "Turned down other work while waiting" not in text
    _published(employer)
    text = _page(client, employer)
    assert "Steps Screening call, assignment, final round" in text
    assert "While waiting Turned down other work while waiting" in text


def test_turned_down_work_is_counted_from_five_candidates(client):
    employer = EmployerFactory(name="Brindlewick Foods")
    for _ in range(4):
        _published(employer, Outcome.ghosted, turned_down_work=True)
    for _ in range(4):
        _published(employer, turned_down_work=False)
    assert "turned down other work" not in _page(client, employer)
    _published(employer, Outcome.ghosted, turned_down_work=True)
    text = _page(client, employer)
    assert "5 candidates turned down other work while waiting to hear from Brindlewick Foods" in (
        text
    )
    csv = client.get("/api/v1/employers.csv").get_data(as_text=True).splitlines()
    header, *rows = [line.split(",") for line in csv]
    (row,) = [row for row in rows if employer.slug in row]
    assert row[header.index("turned_down_work_candidates")] == "5"


def test_steps_are_shown_from_five_candidates_each(client):
    employer = EmployerFactory()
    for with_assignment in (True, True, True, False, False, False):
        stages = [Stage.interview, Stage.final]
        if with_assignment:
            stages.append(Stage.assignment)
        _published(employer, steps=steps_mask(stages))
    text = _page(client, employer)
    assert "What the process involved" in text
    assert "Of 6 reports that listed every step" in text
    assert "Interview 6 of 6 reports" in text and "Final round 6 of 6 reports" in text
    # Only 3 candidates went through an assignment: no bar for it, in the section's own HTML.
    html_ = page_text(client.get(f"/employers/{employer.slug}"))
    section = re.search(r'<section aria-labelledby="steps-heading">(.*?)</section>', html_, re.S)
    assert "Final round" in section.group(1) and "Assignment" not in section.group(1)


def test_process_length_buckets_and_a_lone_slow_process_is_not_shown_apart(client):
    employer = EmployerFactory()
    month = (TODAY - timedelta(days=400)).replace(day=1)
    quick = {"process_month": month, "contact": month + timedelta(days=15), "decision_days": 5}
    slow = {"process_month": month, "contact": month + timedelta(days=100), "decision_days": 10}
    for _ in range(5):
        _published(employer, **quick)
    _published(employer, **slow)
    # One slow process would be one candidate's: it is merged, and one range is no chart.
    assert "How long the whole process took" not in _page(client, employer)
    for _ in range(4):
        _published(employer, **slow)
    text = _page(client, employer)
    assert "How long the whole process took" in text
    assert "for 10 reports with a decision" in text
    assert "Under 1 month 5 reports" in text and "3 to 6 months 5 reports" in text


def test_the_methodology_page_explains_the_counts(client):
    text = page_text(client.get("/methodology"))
    assert "Counts beside the estimate" in text
    assert "counted from the middle of its month" in text
