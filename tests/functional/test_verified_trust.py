"""Verified contact as trust evidence (DESIGN.md §6 "Fakes cannot buy a list", §12 proof of
contact), through the statistics rows and the real lists.

A review with `contact_verified` weighs like an established account's review even from a new
account, and is not capped with the new accounts' reviews (scoring.params.VERIFIED_FULL_WEIGHT):
a campaign of fresh accounts cannot get the employer's signed email, so it can't outrank
candidates who proved their contact. Counting a verified author as an established reviewer
(VERIFIED_ESTABLISHED) was measured and is off (docs/scoring.md, decision 12).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from accounts.models import User
from employers import browse
from employers.models import EmployerStats
from extensions import db
from proofs.services import show_mark
from reviews.models import DECISIONS, Outcome, ReviewStatus, Stage
from scoring import params
from scoring.stats import recompute, refresh_site_parameters
from tests.conftest import publish_pending_change
from tests.factories import EmployerFactory, ReviewFactory, UserFactory
from timeutils import month_start, utcnow

TODAY = date.today()


def _reports(employer, count, *, outcome=Outcome.offer, new_account=True, verified=False):
    """`count` reviews from distinct accounts, a fortnight apart (spread over months)."""
    made = []
    for number in range(count):
        contact = TODAY - timedelta(days=20 + 14 * number)
        made.append(
            ReviewFactory(
                author=UserFactory(),
                employer_id=employer.id,
                outcome=outcome,
                stage=Stage.offer if outcome is Outcome.offer else Stage.interview,
                decision_days=2 if outcome in DECISIONS else None,
                process_month=month_start(contact - timedelta(days=10)),
                last_contact_on=contact,
                new_account=new_account,
                contact_verified=verified,
            )
        )
    return made


def _regulars(employer):
    """Three established reviewers, two heard back: enough for a figure and the lists."""
    _reports(employer, 2, new_account=False)
    _reports(employer, 1, outcome=Outcome.ghosted, new_account=False)


def _rescore():
    recompute()
    db.session.commit()
    db.session.expire_all()


def _ranked(*employers) -> list[int]:
    """The employers' ids in the order of the "Highest score" sort."""
    ids = {employer.id for employer in employers}
    rows = browse.search(browse.SearchFilters(sort="score")).rows
    return [row.employer.id for row in rows if row.employer.id in ids]


def test_a_campaign_of_fresh_accounts_does_not_outrank_verified_reviews(app, monkeypatch):
    proved = EmployerFactory(name="Proved By Candidates")
    _regulars(proved)
    _reports(proved, 6, verified=True)
    campaign = EmployerFactory(name="Praised By A Campaign")
    _regulars(campaign)
    _reports(campaign, 15)  # fresh accounts, no proof
    for _ in range(8):  # a site mean well below both
        _reports(EmployerFactory(), 3, outcome=Outcome.ghosted, new_account=False)
    db.session.commit()
    _rescore()
    assert proved.stats.weight_sum == pytest.approx(3 + 6)
    assert proved.stats.score > campaign.stats.score
    assert _ranked(proved, campaign) == [proved.id, campaign.id]
    listed = [row.employer.id for row in browse.most_responsive()]
    assert proved.id in listed
    assert campaign.id not in listed or listed.index(proved.id) < listed.index(campaign.id)

    # The same reports without the signal: the proved praise weighs as fresh accounts' does,
    # and the bigger campaign outranks it.
    monkeypatch.setattr(params, "VERIFIED_FULL_WEIGHT", False)
    _rescore()
    assert proved.stats.score < campaign.stats.score
    assert _ranked(proved, campaign) == [campaign.id, proved.id]


def test_a_verified_review_from_a_new_account_weighs_in_full(app, monkeypatch):
    employer = EmployerFactory()
    _reports(employer, 1, outcome=Outcome.ghosted, new_account=False)
    _reports(employer, 2, outcome=Outcome.ghosted, verified=True)
    unproved = EmployerFactory()
    _reports(unproved, 1, outcome=Outcome.ghosted, new_account=False)
    _reports(unproved, 2, outcome=Outcome.ghosted)
    db.session.commit()
    _rescore()
    assert employer.stats.weight_sum == pytest.approx(3)
    assert unproved.stats.weight_sum == pytest.approx(1 + 2 * params.NEW_ACCOUNT_WEIGHT)
    # Not established reviewers (decision 12): one established account is too few for a figure.
    assert employer.stats.established_authors == unproved.stats.established_authors == 1
    assert employer.stats.shown_score is None
    # The measured alternative still works: with it, the proved authors make the figure appear.
    monkeypatch.setattr(params, "VERIFIED_ESTABLISHED", True)
    _rescore()
    assert employer.stats.established_authors == 3 and employer.stats.shown_score is not None
    assert unproved.stats.established_authors == 1 and unproved.stats.shown_score is None


def test_verified_reviews_do_not_raise_what_a_campaign_may_weigh(app):
    employer = EmployerFactory()
    _reports(employer, 30)  # fresh accounts, no proof
    _reports(employer, 2, outcome=Outcome.ghosted, verified=True)
    db.session.commit()
    _rescore()
    # The two proved reports weigh 1 each; the thirty fresh ones together NEW_ACCOUNT_CAP, as
    # where nobody established wrote.
    assert employer.stats.weight_sum == pytest.approx(2 + params.NEW_ACCOUNT_CAP)


def test_a_proof_published_later_updates_the_row_as_recompute_does(app):
    """The mark on a published review comes as a pending change (proofs.services.show_mark);
    publishing it refreshes the employer's row, and a rebuild from scratch agrees."""
    employer = EmployerFactory()
    _regulars(employer)
    late = _reports(employer, 2, outcome=Outcome.rejected)
    refresh_site_parameters()
    recompute(refresh_parameters=False)
    db.session.commit()
    assert employer.stats.weight_sum == pytest.approx(3 + 2 * params.NEW_ACCOUNT_WEIGHT)
    for review in late:
        show_mark(review, db.session.get(User, review.author_id), utcnow())
        db.session.commit()
        assert review.status is ReviewStatus.published and not review.contact_verified
        publish_pending_change(review)
    incremental = _row(employer.id)
    assert incremental["weight_sum"] == pytest.approx(5)
    recompute(refresh_parameters=False)
    db.session.commit()
    rebuilt = _row(employer.id)
    assert rebuilt.keys() == incremental.keys()
    for key, value in incremental.items():
        if isinstance(value, float):
            assert rebuilt[key] == pytest.approx(value, rel=1e-9, abs=1e-9), key
        else:
            assert rebuilt[key] == value, key


def _row(employer_id: int) -> dict:
    db.session.expire_all()
    stats = db.session.get(EmployerStats, employer_id)
    return {
        column.name: getattr(stats, column.name)
        for column in EmployerStats.__table__.columns
        if column.name != "updated_at"
    }
