"""Quasi-identifiers and small counts (DESIGN.md §5 rules 3, 8, 9).

At an employer with fewer than five published reviews, a card's details that together single a
candidate out are coarsened or withheld, the same way on every surface: the employer page, the
list of reviews, the review's own page, the API, the representative's dashboard and emails, and
the CSV export. Decision days are always the chart's buckets; a decision recorded through a
contact report shows no day count. Baselines from fewer than five reviewers are dropped where
they are computed, so the API and the page agree.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from employers.models import Employer, Industry
from extensions import db
from operations.tick import tick
from representatives.models import Notify
from reviews.models import (
    ApplicationChannel,
    Feedback,
    NextSteps,
    Outcome,
    Review,
    ReviewStatus,
    Stage,
)
from scoring.stats import recompute
from tests.conftest import page_text
from tests.factories import EmployerFactory, RepresentativeFactory, ReviewFactory, UserFactory
from tests.functional.test_api import checked, load_spec
from tests.functional.test_dashboard import signed_in_representative
from timeutils import month_start, utcnow

CONTACT = date.today() - timedelta(days=40)
# What the distinctive review says exactly, which a small employer's cards must not show.
EXACT = (
    "Offer withdrawn",
    "rescinded",
    "Interview rounds",
    "Hours invested",
    "Someone referred me",
    "3 sent",
    "12 days",
    "10 days",
)
# What every surface shows of it instead.
COARSE = (
    "Turned down, no reason",
    "8 to 14 days after last contact",
    "within 8 to 14 days (missed)",
    "followed up, no answer",
)


def distinctive(employer, **changes) -> Review:
    """A withdrawn offer 12 days after the last contact, with every detail a candidate gives."""
    values = {
        "author": UserFactory(),
        "employer_id": employer.id,
        "stage": Stage.offer,
        "outcome": Outcome.rescinded,
        "feedback": Feedback.none,
        "decision_days": 12,
        "next_steps": NextSteps.yes_with_date,
        "promised_days": 10,
        "followups_sent": 3,
        "followups_answered": 0,
        "interview_rounds": 4,
        "hours_invested": 17,
        "application_channel": ApplicationChannel.referral,
        "process_month": month_start(CONTACT),
        "last_contact_on": CONTACT,
    }
    values.update(changes)
    return ReviewFactory(**values)


def others(employer, count: int, outcome=Outcome.ghosted, **values) -> list[Review]:
    return [
        ReviewFactory(
            author=UserFactory(),
            employer_id=employer.id,
            outcome=outcome,
            decision_days=3 if outcome is Outcome.rejected else None,
            **values,
        )
        for _ in range(count)
    ]


def rebuild():
    recompute()
    db.session.commit()


def surfaces(client, auth, employer, review) -> dict[str, str]:
    """Every public rendering of the review (and the representative's), as text."""
    found = {
        "employer page": page_text(client.get(f"/employers/{employer.slug}")),
        "reviews list": page_text(client.get(f"/employers/{employer.slug}/reviews")),
        "review page": page_text(client.get(f"/reviews/{review.public_id}")),
        "CSV": client.get("/api/v1/employers.csv").get_data(as_text=True),
    }
    body = checked(client, load_spec(), f"/api/v1/employers/{employer.slug}/reviews").get_json()
    [item] = [entry for entry in body["reviews"] if entry["public_id"] == review.public_id]
    found["API"] = json.dumps(item, ensure_ascii=False)
    signed_in_representative(auth, employer)
    found["dashboard"] = page_text(client.get("/employer"))
    auth.sign_out()
    return found


# --- point 6: quasi-identifiers at a small employer ------------------------------------------


def test_a_small_employer_shows_the_same_coarse_card_everywhere(client, auth):
    employer = EmployerFactory(name="Thornquist Glassworks")
    review = distinctive(employer)
    others(employer, 1)
    rebuild()

    for surface, text in surfaces(client, auth, employer, review).items():
        for exact in EXACT:
            assert exact not in text, f"{surface} shows {exact!r}"
        if surface != "CSV":  # employers' figures only, no review details
            for coarse in COARSE:
                assert coarse in text, f"{surface} lacks {coarse!r}"


def test_the_api_item_carries_the_folded_outcome_and_coarse_details(client):
    employer = EmployerFactory()
    review = distinctive(employer, feedback=Feedback.specific)
    rebuild()
    body = checked(client, load_spec(), f"/api/v1/employers/{employer.slug}/reviews").get_json()
    [item] = body["reviews"]
    assert item["public_id"] == review.public_id
    assert item["coarse"] is True
    assert item["outcome"] == "rejected_with_feedback"  # a no with a reason; not the offer stage
    details = {entry["label"]: entry["value"] for entry in item["details"]}
    assert details == {
        "Decision": "8 to 14 days after last contact",
        "Promised an answer": "within 8 to 14 days (missed)",
        "Follow-ups": "followed up, no answer",
        "Feedback": "Specific",
    }


def test_from_five_reviews_the_details_show_but_decision_days_stay_bucketed(client, auth):
    employer = EmployerFactory(name="Umberleigh Optics")
    review = distinctive(employer)
    others(employer, 4)
    rebuild()

    for surface, text in surfaces(client, auth, employer, review).items():
        if surface == "CSV":
            continue
        assert "12 days" not in text, surface
        assert "8 to 14 days after last contact" in text, surface
        for detail in ("Offer withdrawn", "Someone referred me", "3 sent, 0 answered", "17"):
            assert detail in text, f"{surface} lacks {detail!r}"


def test_a_confirmed_contact_report_shows_no_day_count_anywhere(client, auth):
    # The decision days of a confirmation are today minus the last contact (45 here): shown,
    # even as a bucket, they would tell the employer the candidate's last-contact date.
    employer = EmployerFactory(name="Vellacott Tiles")
    contact = date.today() - timedelta(days=45)
    review = ReviewFactory(
        author=UserFactory(),
        employer_id=employer.id,
        stage=Stage.final,
        outcome=Outcome.rejected,
        feedback=Feedback.none,
        decision_days=45,
        next_steps=NextSteps.yes_with_date,
        promised_days=30,
        process_month=month_start(contact),
        last_contact_on=contact,
        employer_followed_up_at=utcnow(),
    )
    others(employer, 5, outcome=Outcome.rejected)
    rebuild()

    found = surfaces(client, auth, employer, review)
    # Random public ids (in links, in the API) may hold "45" by chance: they are not day counts.
    public_ids = list(db.session.scalars(select(Review.public_id)))
    for surface, text in found.items():
        if surface == "CSV":
            continue
        assert "31 to 60 days after last contact" not in text, surface
        for public_id in public_ids:
            text = text.replace(public_id, "")
        assert "45" not in text.replace(employer.name, ""), surface
        assert "(missed)" not in text and "(kept)" not in text, surface
    item = json.loads(found["API"])
    assert "Decision" not in {entry["label"] for entry in item["details"]}
    # Nor in the employer's "days to a decision" chart and range, page or API.
    db.session.expire_all()
    days = db.session.get(Employer, employer.id).stats.figures["days_to_decision"]
    assert {b["label"]: b["count"] for b in days["buckets"]}["31 to 60 days"] == 0
    assert days["max"] is not None and days["max"] < 31
    api = client.get(f"/api/v1/employers/{employer.slug}").get_data(as_text=True)
    assert '{"count":0,"label":"31 to 60 days"}' in api and '"decisions":5' in api


def test_new_review_emails_fold_a_withdrawn_offer_at_a_small_employer(app, outbox):
    employer = EmployerFactory(name="Wexcombe Pottery")
    user = UserFactory(email="hiring@wexcombe.example", verified=True)
    RepresentativeFactory(
        user_id=user.id,
        employer_id=employer.id,
        notify=Notify.immediate,
        created_at=utcnow() - timedelta(days=30),
    )
    distinctive(
        employer,
        status=ReviewStatus.scheduled,
        published_at=None,
        publish_at=utcnow() - timedelta(hours=1),
    )
    db.session.commit()
    outbox.clear()
    tick()
    [message] = [m for m in outbox if m["To"] == "hiring@wexcombe.example"]
    body = message.get_content()
    assert "Turned down, no reason" in body
    assert "Offer withdrawn" not in body
    assert "Interviewed" in body


def test_the_outcome_filter_does_not_reveal_a_withdrawn_offer_at_a_small_employer(client):
    employer = EmployerFactory()
    review = distinctive(employer)
    rejected = others(employer, 1, outcome=Outcome.rejected)[0]
    others(employer, 1)
    rebuild()
    url = f"/employers/{employer.slug}/reviews"

    listed = client.get(f"{url}?outcome=rejected").get_data(as_text=True)
    assert review.public_id in listed and rejected.public_id in listed
    page = client.get(f"{url}?outcome=rescinded")
    text = page_text(page)
    assert "a withdrawn offer is shown as a rejection" in text
    assert page.get_data(as_text=True).count("/flag") == 3  # every review: no filter applied
    assert 'value="rescinded"' not in page.get_data(as_text=True)


def test_the_outcome_filter_keeps_withdrawn_offers_apart_from_five_reviews(client):
    employer = EmployerFactory()
    review = distinctive(employer)
    others(employer, 4, outcome=Outcome.rejected)
    rebuild()
    url = f"/employers/{employer.slug}/reviews"
    html = client.get(f"{url}?outcome=rescinded").get_data(as_text=True)
    assert review.public_id in html and html.count("/flag") == 1
    assert review.public_id not in client.get(f"{url}?outcome=rejected").get_data(as_text=True)


# --- point 7: small counts where the figure is computed --------------------------------------


def _industry_employers(industry: Industry, reviewers: int) -> list:
    employers = [EmployerFactory(industry=industry) for _ in range(reviewers)]
    for number, employer in enumerate(employers):
        outcome = Outcome.rejected if number % 2 == 0 else Outcome.ghosted
        others(employer, 1, outcome=outcome)
    return employers


@pytest.mark.parametrize(("reviewers", "shown"), [(4, False), (5, True), (6, True)])
def test_the_api_and_the_page_agree_on_an_industry_baseline(client, reviewers, shown):
    employers = _industry_employers(Industry.energy, reviewers)
    rebuild()
    baselines = checked(client, load_spec(), "/api/v1/baselines").get_json()["baselines"]
    industry = baselines["industries"].get("energy")
    text = page_text(client.get(f"/employers/{employers[0].slug}"))

    assert (industry is not None) is shown
    assert ("Energy & utilities:" in text) is shown
    if shown:
        percent = round(100 * industry["hear_back"])
        assert f"Energy & utilities: {percent}%" in text
        assert industry["authors"] >= 5


def test_baselines_and_priors_from_fewer_than_five_reviewers_are_not_stored(client):
    _industry_employers(Industry.telecom, 3)
    rebuild()
    baselines = checked(client, load_spec(), "/api/v1/baselines").get_json()["baselines"]
    assert baselines["industries"] == {}
    assert baselines["site"] is None
    assert baselines["priors"] == {}
    # The same in the stored row, so no other reader can show them either.
    from scoring.models import SiteParameters

    row = db.session.get(SiteParameters, 1)
    assert row.baselines["industries"] == {} and row.baselines["priors"] == {}


def test_a_row_stored_before_the_rule_is_filtered_when_read(client):
    from scoring.models import SiteParameters

    _industry_employers(Industry.media, 6)
    rebuild()
    row = db.session.get(SiteParameters, 1)
    row.baselines = {
        **row.baselines,
        "industries": {**row.baselines["industries"], "retail": {"authors": 2, "score": 12.0}},
    }
    db.session.commit()
    baselines = checked(client, load_spec(), "/api/v1/baselines").get_json()["baselines"]
    assert "retail" not in baselines["industries"]
    assert "media" in baselines["industries"]
