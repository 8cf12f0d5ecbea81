"""The methodology page: the parameters in force (or the defaults), a worked example that is the
engine's score, the benchmark's figures from its JSON file, and a fixed number of queries."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from extensions import db
from scoring import engine, methodology
from scoring.models import SiteParameters
from scoring.stats import Inputs, recompute
from tests.conftest import page_text
from tests.factories import EmployerFactory, ReviewFactory, SiteParametersFactory
from tests.functional.test_pages import count_queries
from timeutils import today

SHIPPED_RESULTS = Path(methodology.__file__).with_name("benchmark_results.json")


@pytest.fixture(autouse=True)
def results_file(tmp_path, monkeypatch):
    """Each test reads its own copy of the benchmark's results, loaded afresh."""
    path = tmp_path / "benchmark_results.json"
    shutil.copy(SHIPPED_RESULTS, path)
    monkeypatch.setattr(methodology, "RESULTS_PATH", path)
    methodology.load_benchmark.cache_clear()
    yield path
    methodology.load_benchmark.cache_clear()


def add_site_parameters(**changes) -> SiteParameters:
    return SiteParametersFactory(**changes)


def section(body: str, name: str) -> str:
    """The HTML of one <section> of the page, by its heading's id."""
    start = body.index(f'<h2 id="{name}">')
    return body[start : body.index("</section>", start)]


def example_score(body: str) -> str:
    match = re.search(r'<strong class="example-score">([^<]+)</strong>', body)
    assert match, "no worked example score on the page"
    return match.group(1)


def engine_score(inputs: Inputs) -> tuple[float, float]:
    """The example employer scored by scoring.engine directly, with these inputs."""
    day = today()
    pairs = [
        (
            engine.review_value(
                facts, day, km_curve=inputs.curve, mean_decided_value=inputs.mean_decided_value
            ),
            engine.weight(facts, day),
        )
        for _, facts in methodology.example_facts(day)
    ]
    return engine.shrunk_score(pairs, inputs.mu, inputs.m, inputs.within_variance)


def test_page_shows_the_parameters_in_force(client):
    row = add_site_parameters()
    body = page_text(client.get("/methodology"))
    parameters = section(body, "parameters")
    assert "Starting values" not in parameters
    assert '<td class="num">62.3</td>' in parameters  # μ = 0.6234, on the 0-100 scale
    assert '<td class="num">17.5</td>' in parameters  # M = 17.456
    assert '<td class="num">0.079</td>' in parameters  # σ² = 0.0789
    assert "1,234 published reports" in parameters and "March 2026" in parameters
    assert "2026-03-14" not in parameters  # public dates are months (DESIGN.md §5.2)
    assert "lies 28 points" in parameters  # 100·√0.0789 = 28.1
    assert '<td class="num">60%</td>' in parameters  # F(30) = 0.6
    assert "half of all candidates have a decision within 20 days" in parameters

    # The worked example uses them: S as scoring.engine computes it with this row.
    score, sd = engine_score(Inputs.from_row(row))
    assert example_score(body) == f"{score:.1f}"
    example = section(body, "example")
    assert f"{17.456:.1f} × {0.6234:.3f}" in example  # noqa: RUF001 (M·μ in the steps)
    verdict = engine.display(score, sd, 4, 4)
    assert f"{verdict.score} ± {verdict.sd}: {verdict.label}" in example


def test_new_site_shows_the_defaults(client):
    body = page_text(client.get("/methodology"))
    parameters = section(body, "parameters")
    defaults = Inputs.from_row(None)
    assert "Starting values" in parameters
    assert f'<td class="num">{100 * defaults.mu:.1f}</td>' in parameters
    assert f'<td class="num">{defaults.m:.1f}</td>' in parameters
    assert f'<td class="num">{defaults.within_variance:.3f}</td>' in parameters
    assert "the floor of 10 applies" in parameters
    score, _ = engine_score(defaults)
    assert example_score(body) == f"{score:.1f}"
    assert "No decision has been reported on the site yet" in section(body, "example")


def test_rules_shown_are_the_params(client):
    body = page_text(client.get("/methodology"))
    assert "0.6 + 0.25 · <var>T</var> + 0.15 · <var>Q</var>" in body
    assert "2<sup>−age / 730</sup>" in body  # noqa: RUF001
    assert "max(<var>M̂</var>, 10)" in body
    for band, shown in (("Responsive", "75 to 100"), ("Mixed", "50 to 74"), ("Ghosts", "under 25")):
        assert f'<th scope="row">{band}</th><td>{shown}</td>' in body


def test_the_presumed_ghosted_day_is_said_to_be_random_within_the_window(client):
    """DESIGN.md §5 rule 8: the page says the mark comes on a secret day after the threshold, in
    the publication delay's window (3-10 days by default), not the day after."""
    text = " ".join(re.sub(r"<[^>]+>", " ", page_text(client.get("/methodology"))).split())
    assert "After 30 days without contact, or 14 days past a promised timeline" in text
    assert "on a day picked at random for each report, 3 to 10 days later" in text
    assert "doesn't give away the date of the last contact" in text.replace("&#39;", "'")


def test_benchmark_figures_come_from_the_json(client, results_file):
    data = json.loads(results_file.read_text())
    data["commit"] = "fedcba9 (with uncommitted changes)"
    data["command"] = ".venv/bin/python bench/score_accuracy.py --runs 7"
    data["methods"]["heardback"]["spearman"]["mean"] = 0.7777
    data["methods"]["plain_average"]["false_shaming"]["mean"] = 0.333
    data["methods"]["plain_average"]["fake_shift"]["5"]["mean"] = 27.25
    results_file.write_text(json.dumps(data))

    bench = section(page_text(client.get("/methodology")), "benchmark")
    assert "fedcba9 (with uncommitted changes)" in bench
    assert "<code>.venv/bin/python bench/score_accuracy.py --runs 7</code>" in bench
    assert "Spearman ρ 0.78 against" in bench  # noqa: RUF001
    assert "against 33% when a plain average ranks everyone" in bench
    assert "+27.2" in bench  # the fakes table, to one decimal (27.25 rounds to even)
    assert "not available" not in bench


def test_shipped_benchmark_results_are_shown(client):
    data = json.loads(SHIPPED_RESULTS.read_text())
    bench = section(page_text(client.get("/methodology")), "benchmark")
    assert data["commit"] in bench and data["command"] in bench
    for key in ("plain_average", "heardback"):
        method = data["methods"][key]
        assert f"{method['spearman']['mean']:.2f}" in bench
        assert f"{method['fake_shift']['5']['mean']:+.1f}" in bench


def test_missing_results_do_not_break_the_page(client, results_file):
    results_file.unlink()
    response = client.get("/methodology")
    assert response.status_code == 200
    bench = section(page_text(response), "benchmark")
    assert "not available on this server" in bench
    assert ".venv/bin/python bench/score_accuracy.py" in bench


def test_query_count_is_fixed(client):
    with count_queries() as empty:
        assert client.get("/methodology").status_code == 200
    for number in range(12):
        employer = EmployerFactory()
        for _ in range(number % 4 + 1):
            ReviewFactory(employer_id=employer.id)
    recompute()
    db.session.commit()
    assert db.session.get(SiteParameters, 1) is not None
    with count_queries() as busy:
        assert client.get("/methodology").status_code == 200
    assert len(busy) == len(empty) == 1, busy  # the site_parameters row, nothing else
