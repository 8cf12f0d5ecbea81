"""Account trust (DESIGN.md §6 "Fakes cannot buy a list").

A review submitted from a new account (younger than NEW_ACCOUNT_DAYS, no published review of
another employer) is marked `new_account` once, at submission. It weighs less in the estimate,
does not count as an established reviewer for the lists, and is the only kind the burst cap and
the direction-burst hold look at. The mark is never shown anywhere.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select

from api.services import employer_detail
from employers import browse
from employers.models import Employer
from extensions import db
from reviews import holds
from reviews.models import Outcome, Review, ReviewStatus, Stage
from reviews.services import Prepared, is_new_account, submit
from scoring import params
from scoring.stats import recompute
from tests.conftest import make_app, page_text
from tests.factories import EmployerFactory, ReviewFactory, UserFactory
from timeutils import month_start, utcnow

TODAY = date.today()
START = month_start(TODAY - timedelta(days=60))


def _values(**changes) -> dict:
    values = {
        "process_month": START,
        "stage": Stage.interview,
        "outcome": Outcome.ghosted,
        "last_contact_on": START + timedelta(days=10),
    }
    values.update(changes)
    return values


def _account(days_old: int):
    created = utcnow() - timedelta(days=days_old)
    return UserFactory(verified=True, created_at=created, password_changed_at=created)


# --- the mark ---------------------------------------------------------------------------------


def test_a_fresh_account_is_new_and_an_old_one_is_not(app):
    employer = EmployerFactory()
    fresh = submit(_account(0), employer, Prepared(_values(), {}, ()))
    almost = submit(_account(params.NEW_ACCOUNT_DAYS - 1), employer, Prepared(_values(), {}, ()))
    old = submit(_account(params.NEW_ACCOUNT_DAYS + 1), employer, Prepared(_values(), {}, ()))
    db.session.commit()
    assert (fresh.new_account, almost.new_account, old.new_account) == (True, True, False)


def test_a_published_review_of_another_employer_makes_a_young_account_established(app):
    author = _account(3)
    here, elsewhere = EmployerFactory(), EmployerFactory()
    # A scheduled (not yet published) review elsewhere is not enough: a farm could queue one.
    ReviewFactory(
        author=author,
        employer_id=elsewhere.id,
        status=ReviewStatus.scheduled,
        publish_at=utcnow() + timedelta(days=3),
    )
    db.session.commit()
    assert is_new_account(author, here, utcnow())
    # Nor is a published review of the same employer (one live review each anyway).
    ReviewFactory(author=author, employer_id=here.id)
    db.session.commit()
    assert is_new_account(author, here, utcnow())
    ReviewFactory(author=author, employer_id=elsewhere.id, process_month=month_start(TODAY))
    db.session.commit()
    assert not is_new_account(author, here, utcnow())


# --- what the mark does ------------------------------------------------------------------------


def _reviews(employer, outcome, count, *, new_account, **fields):
    for _ in range(count):
        ReviewFactory(
            author=UserFactory(),
            employer_id=employer.id,
            outcome=outcome,
            stage=Stage.offer if outcome is Outcome.offer else Stage.interview,
            decision_days=2 if outcome is Outcome.offer else None,
            new_account=new_account,
            **fields,
        )


def test_new_accounts_move_an_estimate_less_than_established_ones(app):
    # The same ghosting employer, alone and with the same five glowing reviews from new or from
    # established accounts: the new ones move it less than half as far.
    alone = EmployerFactory()
    _reviews(alone, Outcome.ghosted, 4, new_account=False)
    moved = {}
    for kind in (True, False):
        employer = EmployerFactory()
        _reviews(employer, Outcome.ghosted, 4, new_account=False)
        _reviews(employer, Outcome.offer, 5, new_account=kind)
        moved[kind] = employer
    db.session.commit()
    recompute()
    db.session.expire_all()
    base, new, established = alone.stats.score, moved[True].stats, moved[False].stats
    assert 0 < new.score - base < (established.score - base) / 2
    assert new.established_authors == 4
    assert established.established_authors == 9


def _praise(name: str, count: int, *, new_account: bool):
    """`count` glowing reviews from distinct accounts, spread over months."""
    employer = EmployerFactory(name=name)
    for months in range(count):
        contact = TODAY - timedelta(days=20 + 12 * months)
        ReviewFactory(
            author=UserFactory(),
            employer_id=employer.id,
            outcome=Outcome.offer,
            stage=Stage.offer,
            decision_days=2,
            process_month=month_start(contact - timedelta(days=10)),
            last_contact_on=contact,
            new_account=new_account,
        )
    return employer


def test_the_lists_need_established_reviewers(app, monkeypatch):
    # The same praise, from established accounts and from new ones, with enough weight either
    # way once the cap on new accounts' weight is off (30 x 0.25 = 7.5 >= 5): only the
    # established praise reaches the list, so nothing but the established-reviewer rule keeps
    # the other off it.
    # The newcomers' employer has just enough established reviewers for its figure to be shown
    # (MIN_ESTABLISHED_AUTHORS_SHOWN), fewer than the lists need.
    monkeypatch.setattr(params, "NEW_ACCOUNT_CAP", None)
    established = _praise("Praised By Regulars", 12, new_account=False)
    fresh = _praise("Praised By Newcomers", 30, new_account=True)
    few = params.MIN_ESTABLISHED_AUTHORS_SHOWN
    assert few < params.MIN_ESTABLISHED_AUTHORS_LISTS
    _reviews(fresh, Outcome.offer, few, new_account=False)
    for _ in range(8):  # a site mean well below both
        _reviews(EmployerFactory(), Outcome.ghosted, 3, new_account=False)
    db.session.commit()
    recompute()
    db.session.expire_all()
    assert fresh.stats.weight_sum >= params.MIN_N_MOST_RESPONSIVE
    assert fresh.stats.shown_score is not None and fresh.stats.established_authors == few
    assert established.stats.established_authors == 12
    listed = [row.employer.name for row in browse.most_responsive()]
    assert "Praised By Regulars" in listed
    assert "Praised By Newcomers" not in listed


def test_thirty_new_accounts_weigh_as_one_report_where_no_established_reviewer_wrote(app):
    fresh = _praise("Praised By Newcomers", 30, new_account=True)
    mixed = _praise("Praised By Both", 30, new_account=True)
    _reviews(mixed, Outcome.ghosted, 2, new_account=False)
    db.session.commit()
    recompute()
    db.session.expire_all()
    # 30 x 0.25 = 7.5, capped at NEW_ACCOUNT_CAP (1); beside two established reviews, 1 + 2.
    assert fresh.stats.weight_sum == pytest.approx(params.NEW_ACCOUNT_CAP)
    assert mixed.stats.weight_sum == pytest.approx(2 + (params.NEW_ACCOUNT_CAP + 2))


def test_the_burst_cap_counts_only_new_accounts_reviews(app):
    employer = EmployerFactory()
    now = utcnow()
    # Three established reviews published this week: an ordinary busy week, never capped.
    for _ in range(3):
        review = ReviewFactory(author=UserFactory(), employer_id=employer.id, published_at=now)
        assert not holds.apply_burst_cap(review, now)
    # New accounts: the cap (its floor for an employer with no history) holds the one over it.
    capped = []
    for _ in range(holds.CAP_FLOOR + 1):
        review = ReviewFactory(
            author=UserFactory(), employer_id=employer.id, published_at=now, new_account=True
        )
        db.session.flush()
        capped.append(holds.apply_burst_cap(review, now))
        db.session.flush()
    assert capped == [False] * holds.CAP_FLOOR + [True]


# --- the migration -----------------------------------------------------------------------------


@pytest.mark.filterwarnings(
    "ignore:Skipped unsupported reflection of expression-based index:sqlalchemy.exc.SAWarning"
)
def test_the_migration_marks_existing_reviews_by_the_same_rule(tmp_path):
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'trust.sqlite3'}")
    with app.app_context():
        upgrade()
        now = utcnow()
        old, fresh, returning = (
            UserFactory(created_at=now - timedelta(days=400)),
            UserFactory(created_at=now - timedelta(days=2)),
            UserFactory(created_at=now - timedelta(days=5)),
        )
        a, b = EmployerFactory(), EmployerFactory()
        by_old = ReviewFactory(author=old, employer_id=a.id, created_at=now).id
        by_fresh = ReviewFactory(author=fresh, employer_id=a.id, created_at=now).id
        first = ReviewFactory(
            author=returning,
            employer_id=b.id,
            created_at=now - timedelta(days=4),
            published_at=now - timedelta(days=1),
        ).id
        second = ReviewFactory(author=returning, employer_id=a.id, created_at=now).id
        deleted = ReviewFactory(author=None, employer_id=a.id, created_at=now).id
        db.session.commit()
        db.session.remove()
        downgrade(revision="eb2b6bfbbb8e")
        columns = {column["name"] for column in inspect(db.engine).get_columns("reviews")}
        assert "new_account" not in columns
        upgrade()
        marks = dict(db.session.execute(select(Review.id, Review.new_account)).tuples().all())
        db.session.commit()
        assert marks == {
            by_old: False,
            by_fresh: True,
            first: True,  # nothing published elsewhere before it
            second: False,  # the first was published before the second was written
            deleted: False,  # no account to judge
        }
        stats_columns = {c["name"] for c in inspect(db.engine).get_columns("employer_stats")}
        assert "established_authors" in stats_columns
        db.session.remove()
        db.engine.dispose()


def test_fresh_accounts_alone_cannot_make_a_figure_appear(app, client):
    """An employer with one established reviewer and a campaign of fresh accounts shows no figure
    (DESIGN.md §6: one real review and a few puppets must not make a score); the page says
    why; one more established reviewer shows it, on the page and in the score sort."""
    employer = _praise("Quibble Campaign Target", 10, new_account=True)
    _reviews(employer, Outcome.ghosted, 1, new_account=False)
    db.session.commit()
    recompute()
    db.session.commit()  # the pages and the API read it from their own sessions
    db.session.expire_all()
    assert employer.stats.scored_authors == 11 and employer.stats.established_authors == 1
    assert employer.stats.shown_score is None
    score = employer.stats.score
    assert score is not None  # estimated, not shown
    text = page_text(client.get(f"/employers/{employer.slug}"))
    assert "No estimate yet" in text
    assert (
        f"at least {params.MIN_DISTINCT_AUTHORS_SHOWN} different candidates, "
        "more than one of them from an established account" in text
    )
    # No estimate anywhere: the period table shows the counts only (a dash for the chance).
    assert 'class="chance-figure"' not in text and 'class="chance-number"' not in text
    assert f"<td>{score:.0f}%</td>" not in text
    assert "<td>\u2013</td>" in text
    (row,) = [
        r
        for r in browse.search(browse.SearchFilters(sort="score")).rows
        if r.employer.id == employer.id
    ]
    assert not row.verdict.shown
    # Nor in the API: counts, no estimate (headline or period).
    with app.test_request_context():
        api = employer_detail(db.session.get(Employer, employer.id))
    assert api["score"]["score"] is None
    assert api["figures"]["headline"]["heard"] == 10
    assert not {"estimate", "low", "high"} & set(api["figures"]["headline"])
    assert all(cell["score"] is None for cell in api["figures"]["periods"].values())

    _reviews(employer, Outcome.ghosted, params.MIN_ESTABLISHED_AUTHORS_SHOWN - 1, new_account=False)
    db.session.commit()
    recompute()
    db.session.commit()  # the pages and the API read it from their own sessions
    db.session.expire_all()
    assert employer.stats.shown_score is not None
    text = page_text(client.get(f"/employers/{employer.slug}"))
    assert "No estimate yet" not in text
    assert 'class="chance-figure"' in text
    with app.test_request_context():
        api = employer_detail(db.session.get(Employer, employer.id))
    assert api["figures"]["headline"]["estimate"] == round(employer.stats.score, 2)
