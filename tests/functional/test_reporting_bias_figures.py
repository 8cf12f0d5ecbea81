"""The reporting-bias correction through the database (scoring.bias, scoring.stats; DESIGN.md §6
and §12; docs/scoring.md, decision 13): the daily refresh measures B from prospective reports,
every employer's estimate uses it, `recompute` still equals the incremental rows, with no
prospective report nothing changes, and the methodology page says what is in force."""

from __future__ import annotations

import json
import math
import re
from datetime import date, timedelta

from sqlalchemy import update

from employers.models import EmployerStats, Industry
from extensions import db
from representatives.dashboard import quarterly_trend
from reviews.lifecycle import publish_due
from reviews.models import Outcome, Review, ReviewStatus, Stage
from scoring import methodology, params
from scoring.models import SiteParameters
from scoring.stats import current_inputs, recompute, refresh_site_parameters
from tests.conftest import page_text
from tests.factories import EmployerFactory, ReviewFactory
from timeutils import utcnow

TODAY = date.today()


def _review(employer, outcome, *, prospective=False, scheduled=False, days_ago=60):
    contact = TODAY - timedelta(days=days_ago)
    return ReviewFactory(
        employer_id=employer.id,
        outcome=outcome,
        stage=Stage.interview,
        decision_days=5 if outcome is Outcome.rejected else None,
        process_month=(contact - timedelta(days=10)).replace(day=1),
        last_contact_on=contact,
        prospective=prospective,
        status=ReviewStatus.scheduled if scheduled else ReviewStatus.published,
        publish_at=utcnow() - timedelta(hours=1) if scheduled else None,
    )


def _site(prospective: bool) -> tuple[list, list[int]]:
    """Ten employers: 60 reports that may be prospective (half silent) and 120 retrospective ones
    (two thirds silent), so B = (80.5 / 40.5) / (30.5 / 30.5) ≈ 2 when they are. Returns the
    employers and the ids of the 60."""
    employers = [EmployerFactory(industry=Industry.software) for _ in range(10)]
    tracked = []
    for number, employer in enumerate(employers):
        for index in range(6):
            outcome = Outcome.ghosted if index % 2 else Outcome.rejected
            review = _review(employer, outcome, prospective=prospective, days_ago=40 + index)
            tracked.append(review.id)
        for index in range(12):
            outcome = Outcome.rejected if index % 3 == 0 else Outcome.ghosted
            _review(employer, outcome, days_ago=50 + number + index)
    db.session.commit()
    return employers, tracked


def _scores(employers) -> dict[int, float]:
    db.session.expire_all()
    return {employer.id: db.session.get(EmployerStats, employer.id).score for employer in employers}


def _row(employer) -> dict:
    db.session.expire_all()
    stats = db.session.get(EmployerStats, employer.id)
    return {
        column.name: getattr(stats, column.name)
        for column in EmployerStats.__table__.columns
        if column.name != "updated_at"
    }


def _same(left: dict, right: dict) -> None:
    assert left.keys() == right.keys()
    for key in left:
        a, b = left[key], right[key]
        if isinstance(a, float) and isinstance(b, float):
            assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9), key
        else:
            assert a == b, key


def _stored_bias() -> dict:
    db.session.expire_all()
    return db.session.get(SiteParameters, 1).baselines["reporting_bias"]


def test_prospective_reports_raise_the_hear_back_estimate(app, monkeypatch):
    monkeypatch.setattr(params, "BIAS_PER_INDUSTRY", True)  # the switch works (not in force)
    employers, tracked = _site(prospective=False)
    recompute()
    db.session.commit()
    assert not _stored_bias()["site"]["applied"]  # no prospective report: no correction
    mu_before = db.session.get(SiteParameters, 1).mu
    before = _scores(employers)

    # The same reports, six of each employer's tracked before the outcome was known.
    db.session.execute(update(Review).where(Review.id.in_(tracked)).values(prospective=True))
    db.session.commit()

    recompute()
    db.session.commit()
    stored = _stored_bias()
    site = stored["site"]
    assert site["applied"] and site["prospective"] == 60 and site["retrospective"] == 120
    assert site["value"] == round((80.5 / 40.5) / (30.5 / 30.5), 4)
    assert site["low"] < site["value"] < site["high"]
    # Silence reported after the fact weighs less: the site's figure and every estimate rise.
    assert db.session.get(SiteParameters, 1).mu > mu_before
    after = _scores(employers)
    assert all(after[key] > before[key] for key in before)
    # Ten software employers have 60 prospective reports: with factors per industry, the
    # industry gets its own (the same counts here, so the same value).
    assert stored["industries"]["software"]["value"] == site["value"]


def test_factors_per_industry_are_not_in_force(app):
    _site(prospective=True)
    recompute()
    db.session.commit()
    stored = _stored_bias()
    assert stored["site"]["applied"] and stored["industries"] == {}


def test_with_no_prospective_report_nothing_changes(app, monkeypatch):
    employers, _ = _site(prospective=False)
    monkeypatch.setattr(params, "BIAS_CORRECTION", False)
    recompute()
    db.session.commit()
    without = {employer.id: _row(employer) for employer in employers}
    mu_without = db.session.get(SiteParameters, 1).mu
    monkeypatch.setattr(params, "BIAS_CORRECTION", True)
    recompute()
    db.session.commit()
    for employer in employers:
        assert _row(employer) == without[employer.id]  # bit for bit
    assert db.session.get(SiteParameters, 1).mu == mu_without


def test_below_the_threshold_nothing_changes(app, monkeypatch):
    employers, _ = _site(prospective=True)
    monkeypatch.setattr(params, "BIAS_MIN_PROSPECTIVE", 61)
    monkeypatch.setattr(params, "BIAS_MIN_PROSPECTIVE_INDUSTRY", 61)
    recompute()
    db.session.commit()
    stored = _stored_bias()
    assert not stored["site"]["applied"] and stored["site"]["prospective"] == 60
    assert stored["industries"] == {}
    few = _scores(employers)
    monkeypatch.setattr(params, "BIAS_CORRECTION", False)
    recompute()
    db.session.commit()
    assert _scores(employers) == few


def test_recompute_equals_the_incremental_refresh_with_the_correction(app):
    employers, _ = _site(prospective=True)
    refresh_site_parameters()  # B measured, held fixed from here on
    db.session.commit()
    assert _stored_bias()["site"]["applied"]
    # New reports, prospective or not, published one transaction at a time.
    for number, employer in enumerate(employers):
        _review(employer, Outcome.ghosted, scheduled=True, days_ago=35 + number)
        _review(employer, Outcome.ghosted, prospective=True, scheduled=True, days_ago=36)
        _review(employer, Outcome.rejected, scheduled=True, days_ago=37)
        _review(employer, Outcome.waiting, scheduled=True, days_ago=5)
    db.session.commit()
    publish_due(utcnow())
    db.session.commit()
    incremental = {employer.id: _row(employer) for employer in employers}
    recompute(refresh_parameters=False)
    db.session.commit()
    for employer in employers:
        _same(_row(employer), incremental[employer.id])


def _section(body: str) -> str:
    start = body.index('<h2 id="reporting-bias">')
    text = body[start : body.index("</section>", start)]
    return " ".join(re.sub(r"<[^>]+>", " ", text).split())


def test_the_methodology_page_says_there_is_no_correction_yet(client, app):
    _site(prospective=False)
    recompute()
    db.session.commit()
    text = _section(page_text(client.get("/methodology")))
    assert "Not in force yet: no correction" in text
    assert f"from {params.BIAS_MIN_PROSPECTIVE} on" in text
    assert "There are 0 prospective reports" in text


def test_the_methodology_page_shows_the_factor_in_force(client, app, monkeypatch, tmp_path):
    monkeypatch.setattr(params, "BIAS_PER_INDUSTRY", True)
    monkeypatch.setattr(methodology, "BIAS_RESULTS_PATH", tmp_path / "none.json")
    methodology.clear_cache()
    _site(prospective=True)
    recompute()
    db.session.commit()
    text = _section(page_text(client.get("/methodology")))
    value = (80.5 / 40.5) / (30.5 / 30.5)
    assert "The reporting-bias factor in force" in text
    assert f"about {value:.2f} times as often" in text
    assert "Not in force yet" not in text
    # Software has its own factor; the site's rests on the same 60 and 120 reports.
    assert "Software & internet" in text
    assert re.search(rf"{value:.2f} \d\.\d\d to \d\.\d\d 60 120", text)


def test_prospective_status_is_not_on_public_pages(client, app):
    employers, _ = _site(prospective=True)
    recompute()
    db.session.commit()
    response = client.get(f"/employers/{employers[0].slug}")
    assert response.status_code == 200
    assert "prospective" not in response.get_data(as_text=True).lower()
    api = client.get(f"/api/v1/employers/{employers[0].slug}")
    assert api.status_code == 200
    assert "prospective" not in api.get_data(as_text=True).lower()


def test_the_methodology_page_summarises_the_benchmark(client, app, monkeypatch, tmp_path):
    cell = {"bias_mu": -12.0, "rho": 0.5, "factor": 1.0}
    world = {
        "label": "twice",
        "share": 0.2,
        "none": cell,
        "set": {**cell, "bias_mu": -4.5, "rho": 0.55, "factor": 1.87},
    }
    path = tmp_path / "reporting_bias_results.json"
    path.write_text(
        json.dumps(
            {
                "command": ".venv/bin/python bench/reporting_bias.py --write",
                "run": "2026-12-06 20:00 UTC",
                "employers": 250,
                "worlds": [world],
            }
        )
    )
    monkeypatch.setattr(methodology, "BIAS_RESULTS_PATH", path)
    methodology.clear_cache()
    text = _section(page_text(client.get("/methodology")))
    methodology.clear_cache()
    assert "simulated sites of 250 employers" in text and "December 2026" in text
    assert "twice 20% -12.0 -4.5 0.50 0.55 1.87" in text
    assert "bench/reporting_bias.py --write" in text


def test_the_dashboards_quarterly_trend_is_corrected_too(app):
    """A representative's trend uses the same B as the public figures, so the dashboard never
    tells a different story than the employer page."""
    employers, tracked = _site(prospective=False)
    recompute()
    db.session.commit()
    employer = employers[0]
    before = [quarter.score for quarter in quarterly_trend(employer, current_inputs(), TODAY)]
    db.session.execute(update(Review).where(Review.id.in_(tracked)).values(prospective=True))
    db.session.commit()
    recompute()
    db.session.commit()
    inputs = current_inputs()
    assert inputs.bias_for("software") > 1
    after = [quarter.score for quarter in quarterly_trend(employer, inputs, TODAY)]
    shown = [(old, new) for old, new in zip(before, after, strict=True) if old is not None]
    assert shown and all(new > old for old, new in shown)
