"""The methodology page: the parameters in force (or the defaults), a worked example that is the
engine's estimate, the bands with their calibrated ranges and the adversarial benchmark from its
JSON file, the retired composite's benchmark kept, account trust described without its
thresholds, and a fixed number of queries."""

# The page's ranges and formulas use en dashes and minus signs as a reader sees them.
# ruff: noqa: RUF001

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from extensions import db
from scoring import engine, figures, methodology, params
from scoring.models import SiteParameters
from scoring.stats import Inputs, recompute
from tests.conftest import page_text
from tests.factories import EmployerFactory, ReviewFactory, SiteParametersFactory
from tests.unit.test_methodology import adversarial_results
from timeutils import today

SHIPPED_RESULTS = Path(methodology.__file__).with_name("benchmark_results.json")


@pytest.fixture(autouse=True)
def results_file(tmp_path, monkeypatch):
    """Each test reads its own copy of the retired score's results and no adversarial results
    (a test writes them where it needs them), loaded afresh."""
    path = tmp_path / "benchmark_results.json"
    shutil.copy(SHIPPED_RESULTS, path)
    monkeypatch.setattr(methodology, "RESULTS_PATH", path)
    monkeypatch.setattr(methodology, "ADVERSARIAL_PATH", tmp_path / "adversarial_results.json")
    methodology.clear_cache()
    yield path
    methodology.clear_cache()


def section(body: str, name: str) -> str:
    """The HTML of one <section> of the page, by its heading's id."""
    start = body.index(f'<h2 id="{name}">')
    return body[start : body.index("</section>", start)]


def words(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).replace("&#39;", "'").split())


def example_estimate(body: str) -> str:
    match = re.search(r'<strong class="example-score">([^<]+)</strong>', body)
    assert match, "no worked example estimate on the page"
    return match.group(1)


def engine_estimate(inputs: Inputs) -> engine.Estimate:
    """The example employer estimated by scoring.engine directly, with these inputs."""
    day = today()
    pairs = [
        (engine.review_value(facts, day, km_curve=inputs.curve), engine.weight(facts, day))
        for _, facts in methodology.example_facts(day)
    ]
    return engine.estimate(pairs, inputs.mu, inputs.m)


def test_page_shows_the_parameters_in_force(client):
    row = SiteParametersFactory()
    body = page_text(client.get("/methodology"))
    parameters = section(body, "parameters")
    assert "Starting values" not in parameters
    assert '<td class="num">62.3%</td>' in parameters  # μ = 0.6234, in percent
    assert '<td class="num">17.5</td>' in parameters  # M = 17.456
    assert "1,234 published reports" in parameters and "March 2026" in parameters
    assert "2026-03-14" not in parameters  # public dates are months (DESIGN.md §5.2)
    assert '<td class="num">60%</td>' in parameters  # F(30) = 0.6
    assert "half of all candidates have a decision within 20 days" in parameters
    assert f'<td class="num">{round(100 * params.INTERVAL_MASS)}%</td>' in parameters

    # The worked example uses them: the estimate as scoring.engine computes it with this row.
    found = engine_estimate(Inputs.from_row(row))
    assert example_estimate(body) == f"{found.value:.1f}"
    example = words(section(body, "example"))
    assert f"{17.456:.2f} × {0.6234:.3f}" in example  # M·μ in the steps
    assert f"{found.low:.1f}% to {found.high:.1f}%" in example
    verdict = engine.display(found.value, found.sd, 5, 5, established=5)
    said = f"{figures.chance_words(verdict.score)}: {verdict.score}%, {verdict.label}"
    assert said in example


def test_the_page_fails_without_the_parameters_or_the_example(client, monkeypatch):
    """The checks above are not vacuous: a page computed from other inputs doesn't pass them."""
    SiteParametersFactory()
    other = Inputs(0.3, 5.0, 0.09, engine.KMCurve())
    real = methodology.methodology_page

    def wrong_page(day=None):
        page = real(day)
        return methodology.MethodologyPage(
            rules=page.rules,
            parameters=methodology.parameters_in_force(None),
            example=methodology.worked_example(other, today()),
            adversarial=None,
            benchmark=None,
            reproduce=page.reproduce,
        )

    monkeypatch.setattr("pages.routes.methodology_page", wrong_page)
    body = page_text(client.get("/methodology"))
    assert '<td class="num">62.3%</td>' not in section(body, "parameters")
    right = engine_estimate(Inputs.from_row(db.session.get(SiteParameters, 1)))
    assert example_estimate(body) != f"{right.value:.1f}"


def test_new_site_shows_the_defaults(client):
    body = page_text(client.get("/methodology"))
    parameters = section(body, "parameters")
    defaults = Inputs.from_row(None)
    assert "Starting values" in parameters
    assert f'<td class="num">{100 * defaults.mu:.1f}%</td>' in parameters
    assert f'<td class="num">{defaults.m:.1f}</td>' in parameters
    assert f"the floor of {params.M_FLOOR:g} applies" in parameters
    assert example_estimate(body) == f"{engine_estimate(defaults).value:.1f}"
    assert "No decision has been reported on the site yet" in section(body, "example")


def test_the_rules_shown_are_the_new_method(client):
    text = words(page_text(client.get("/methodology")))
    assert "will they get back to me?" in text
    # h per report: heard back, silence (chased answers too), open cases as q.
    assert "Heard back: h = 1." in text
    assert "got a decision only after chasing the employer for it" in text
    assert "Still waiting: h = q" in text
    assert "q = ( F (30) − F ( c )) / (1 − F ( c ))" in text
    assert f"M = max( M̂ , {params.M_FLOOR:g})" in text
    assert "Beta( a , b )" in text
    assert "Wilson interval" in text
    # The retired composite's formula is gone.
    assert "0.6 + 0.25" not in text and "Timeliness" not in text
    for band in engine.Band:
        assert f"{band.value} " in text


@pytest.mark.parametrize("half_life", [730, None])
def test_recency_is_described_as_in_force(client, monkeypatch, half_life):
    monkeypatch.setattr(params, "HALF_LIFE_DAYS", half_life)
    weights = words(section(page_text(client.get("/methodology")), "weights"))
    if half_life:
        assert "loses half its weight every 730 days" in weights
    else:
        assert "Every report counts the same whatever its age" in weights


def test_account_trust_is_described_but_its_thresholds_are_not_published(client):
    weights = words(section(page_text(client.get("/methodology")), "weights"))
    assert "from a new account" in weights and "weighs less" in weights
    assert "together they count for little more than its established reviewers do" in weights
    assert "need reports from several established reviewers" in weights
    assert "We don't publish how old an account must be" in weights
    assert "how long to age them and how many to make" in weights  # and why
    body = page_text(client.get("/methodology"))
    assert f"{params.NEW_ACCOUNT_DAYS} days old" not in body
    assert f"weighs {params.NEW_ACCOUNT_WEIGHT:g}" not in body
    assert "NEW_ACCOUNT" not in body and "ESTABLISHED" not in body


def test_the_presumed_ghosted_day_is_said_to_be_random_within_the_window(client):
    """DESIGN.md §5 rule 8: the page says the mark comes on a secret day after the threshold, in
    the publication delay's window (3-10 days by default), not the day after."""
    text = words(page_text(client.get("/methodology")))
    assert "After 30 days without contact, or 14 days past a promised timeline" in text
    assert "on a day picked at random for each report, 3 to 10 days later" in text
    assert "doesn't give away the date of the last contact" in text


def test_without_adversarial_results_the_bands_have_no_range(client):
    body = page_text(client.get("/methodology"))
    shown = words(section(body, "shown"))
    interval = f"{round(100 * params.INTERVAL_MASS)}% interval"
    assert f"Ghosts the whole {interval} under {params.GHOSTS_BELOW}% not measured yet" in shown
    assert (
        f"Responsive the whole {interval} at or above {params.RESPONSIVE_FROM}% not measured yet"
        in shown
    )
    assert f"shown without a label (“{params.NO_LABEL}”)" in shown
    bench = words(section(body, "benchmark"))
    assert "adversarial benchmark's results are not available on this server" in bench
    assert "bench/score_adversarial.py --write" in bench


def test_adversarial_results_give_the_bands_their_range_and_the_benchmark(client):
    data = adversarial_results()
    data["commit"] = "fedcba9 (with uncommitted changes)"
    methodology.ADVERSARIAL_PATH.write_text(json.dumps(data))
    body = page_text(client.get("/methodology"))
    # Ghosts pooled over both worlds: 40 employers, mean 11%, 8 in 10 between 3% and 21%.
    shown = words(section(body, "shown"))
    assert "Ghosts" in shown
    assert "on average 11%; 8 in 10 between 3% and 21% (40 employers)" in shown
    assert "Responsive" in shown and "not measured yet" in shown
    bench = words(section(body, "benchmark"))
    assert "fedcba9 (with uncommitted changes)" in bench
    assert "unimodal one hump 0.80 / 0.75 / 0.79" in bench
    assert "+4.2" in bench and "-3.1" in bench
    assert "Not met : Each band's 10th percentile" in bench
    assert "Met: Employers pushed by 10 or fewer fake accounts" in bench
    assert "December 2026" in bench and "seeds 1 to 5" in bench


def test_the_retired_scores_benchmark_is_kept_and_labelled(client):
    data = json.loads(SHIPPED_RESULTS.read_text())
    bench = section(page_text(client.get("/methodology")), "benchmark")
    earlier = words(bench[bench.index('<h3 id="earlier-benchmark"') :])
    assert earlier.startswith("Earlier benchmark of the retired composite score")
    assert data["commit"] in earlier
    for key in ("plain_average", "heardback"):
        method = data["methods"][key]
        assert f"{method['spearman']['mean']:.2f}" in earlier
        assert f"{method['fake_shift']['5']['mean']:+.1f}" in earlier
    assert "HeardBack composite score" in earlier


def test_missing_results_do_not_break_the_page(client, results_file):
    results_file.unlink()
    response = client.get("/methodology")
    assert response.status_code == 200
    bench = words(section(page_text(response), "benchmark"))
    assert "earlier benchmark's figures are not available on this server" in bench


def test_query_count_is_fixed(client, query_counter):
    with query_counter() as empty:
        assert client.get("/methodology").status_code == 200
    for number in range(12):
        employer = EmployerFactory()
        for _ in range(number % 4 + 1):
            ReviewFactory(employer_id=employer.id)
    recompute()
    db.session.commit()
    assert db.session.get(SiteParameters, 1) is not None
    with query_counter() as busy:
        assert client.get("/methodology").status_code == 200
    assert len(busy) == len(empty) == 1, busy  # the site_parameters row, nothing else


@pytest.mark.parametrize("margin", [1.5, 2])
def test_the_lists_margin_in_force_is_stated(client, monkeypatch, margin):
    monkeypatch.setattr(params, "LIST_MARGIN_SD", margin)
    text = words(page_text(client.get("/methodology")))
    assert f"the estimate minus {margin:g} standard deviations) must also be above" in text
    assert f"(the estimate plus {margin:g} standard deviations) is below the site-wide" in text


def test_the_page_says_how_verified_contact_is_used(client):
    body = page_text(client.get("/methodology"))
    weights = words(section(body, "weights"))
    assert "Verified contact." in weights
    assert "Fake accounts can't get an employer's signed email" in weights
    assert "it weighs as much as an established account's report" in weights
    assert "isn't counted with the new accounts" in weights
    # What it doesn't do, and why (docs/scoring.md, decision 12).
    assert "is not yet counted as one of the established reviewers" in weights
    assert "make a hidden estimate appear, or give a label, more often" in weights
    summary = words(section(body, "in-short"))
    assert "unless the candidate proved the contact with the employer's own email" in summary
    shown = words(section(body, "shown"))
    assert "proved" not in shown


def test_counting_verified_authors_as_established_would_be_stated(client, monkeypatch):
    monkeypatch.setattr(params, "VERIFIED_ESTABLISHED", True)
    body = page_text(client.get("/methodology"))
    weights = words(section(body, "weights"))
    assert "its author counts among the established reviewers an estimate and the lists need" in (
        weights
    )
    assert "is not yet counted" not in weights
    shown = words(section(body, "shown"))
    assert "more than one of which was established when it wrote or proved the contact" in shown
    assert shown.count("from several established reviewers or reviewers who proved") == 2


def test_without_the_signal_the_page_promises_nothing_for_a_proof(client, monkeypatch):
    monkeypatch.setattr(params, "VERIFIED_FULL_WEIGHT", False)
    monkeypatch.setattr(params, "VERIFIED_ESTABLISHED", False)
    text = words(page_text(client.get("/methodology")))
    assert "Verified contact." not in text and "proved the contact" not in text
    assert "proved their contact" not in text


def test_the_benchmark_shows_what_verified_contact_changes(client):
    data = adversarial_results()
    data["proof_share"] = 0.3
    unimodal = data["summaries"]["unimodal"]
    unimodal["employers_shown"] = {"mean": 86.0, "min": 80.0, "max": 92.0}
    unimodal["unverified"] = {
        **unimodal,
        "employers_shown": {"mean": 65.0, "min": 60.0, "max": 70.0},
        "spearman_shown_heardback": {"mean": 0.7, "min": 0.7, "max": 0.7},
        "attacked_in_top20_k_le_10": {"mean": 0.0, "min": 0.0, "max": 0.0},
        "glowing_shift_shown": {"mean": 5.5, "max_abs": 9.0, "n": 10},
    }
    methodology.ADVERSARIAL_PATH.write_text(json.dumps(data))
    body = page_text(client.get("/methodology"))
    bench = words(section(body, "benchmark"))
    assert "In the simulation 30% of honest candidates attach a proof of contact" in bench
    table = body[body.index('id="caption-verification"') :]
    table = words(table[: table.index("</table>")])
    # The world measured both ways has its row; the other (an older results file) has none.
    assert "unimodal 86 / 65 0.80 / 0.70 0.80 / 0.80 0.4 / 0.0 +4.2 / +5.5 -3.1 / -3.1" in table
    assert "bimodal" not in table


def test_an_older_results_file_shows_no_verification_table(client):
    methodology.ADVERSARIAL_PATH.write_text(json.dumps(adversarial_results()))
    bench = words(section(page_text(client.get("/methodology")), "benchmark"))
    assert "What verified contact changes" not in bench
    assert "unimodal one hump 0.80 / 0.75 / 0.79" in bench
