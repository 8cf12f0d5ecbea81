"""Typo-tolerant employer suggestions (employers.matching, DESIGN.md §7)."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from employers import matching, services
from extensions import db
from tests.factories import EmployerAliasFactory
from timeutils import utcnow


@pytest.fixture(autouse=True)
def _listed(monkeypatch):
    """Suggestions offer listed employers only (DESIGN.md §5.8): these have published reviews."""
    add = services.create_employer

    def create_listed(*args, **kwargs):
        employer = add(*args, **kwargs)
        employer.listed_at = utcnow()
        return employer

    monkeypatch.setattr(services, "create_employer", create_listed)


def test_an_unlisted_employer_is_never_suggested(app):
    services.create_employer("Quibblewick").listed_at = None
    db.session.commit()
    assert matching.suggest("Quibblewick") == []


@pytest.fixture
def acme(app):
    employer = services.create_employer("Acme Corporation")
    # Names near it that must not outrank it.
    for name in ["Acme Widgets", "Acne Studios", "Acmeson Logistics", "Fizzlebrook Logistics"]:
        services.create_employer(name)
    db.session.commit()
    return employer


def names(matches) -> list[str]:
    return [match.employer.name for match in matches]


@pytest.mark.parametrize(
    "query",
    [
        "Acme Corp",
        "ACME, Inc.",
        "acme corporatoin",
        "acme",
        "Acme Corp.",
        "Acme Corporation",
        "  ACME   corporation  ltd ",
        "Acme Limted",
    ],
)
def test_the_issues_examples_suggest_the_same_employer_first(acme, query):
    matches = matching.suggest(query)
    assert matches[0].employer == acme
    assert matches[0].exact and matches[0].score == 100
    assert matches[0].matched_name == "Acme Corporation"


def test_the_same_when_the_employer_was_added_as_acme_inc(app):
    employer = services.create_employer("ACME, Inc.")
    db.session.commit()
    for query in ["Acme Corp", "acme corporatoin", "Acme Corporation", "acme"]:
        assert names(matching.suggest(query))[:1] == ["ACME, Inc."], query
    assert matching.suggest("acme")[0].employer == employer


@pytest.mark.parametrize(
    "query", ["Fizzlebrook", "Zebra Bank", "the", "zz", "corporation", "Inc", "Microsoft"]
)
def test_unrelated_names_are_not_suggested(acme, query):
    assert "Acme Corporation" not in names(matching.suggest(query))


def test_a_name_that_only_contains_the_query_is_a_suggestion_not_a_strong_match(acme):
    widgets = next(m for m in matching.suggest("acme") if m.employer.name == "Acme Widgets")
    assert matching.SUGGEST_THRESHOLD <= widgets.score < matching.STRONG_MATCH


def test_accents_and_legal_forms_are_ignored(app):
    services.create_employer("Zürich Widgets GmbH")
    db.session.commit()
    for query in ["zurich widgets", "Zurich Widgets AG", "ZÜRICH-WIDGETS", "zurich"]:
        assert names(matching.suggest(query))[:1] == ["Zürich Widgets GmbH"], query
    assert matching.suggest("zurich widgets")[0].exact


@pytest.mark.parametrize(
    ("query", "strong"),
    [
        ("Quiblewick", True),  # a letter missing in the middle
        ("Quibbelwick", True),  # two letters swapped
        ("Quibblewik", True),  # the last letter missing
        ("Qiublewick", False),  # a typo in the first letters: found through the word's end
        ("quibblewick widgets", False),  # an extra word: contained, not the same name
    ],
)
def test_typos(app, query, strong):
    services.create_employer("Quibblewick")
    services.create_employer("Snorkeldown Analytics")
    db.session.commit()
    matches = matching.suggest(query)
    assert names(matches)[:1] == ["Quibblewick"]
    assert (matches[0].score >= matching.STRONG_MATCH) == strong


def test_typos_in_a_two_word_name(app):
    services.create_employer("Snorkeldown Analytics")
    services.create_employer("Snorkeldown Bank")
    db.session.commit()
    matches = matching.suggest("snorkeldwn analitics")
    assert names(matches)[0] == "Snorkeldown Analytics"
    assert matches[0].score >= matching.STRONG_MATCH


def test_word_order_does_not_matter(app):
    services.create_employer("Widgets of Zurich")
    db.session.commit()
    assert names(matching.suggest("zurich widgets of")) == ["Widgets of Zurich"]


def _add_alias(employer, name: str) -> None:
    EmployerAliasFactory(
        employer_id=employer.id, name=name, normalized_name=services.normalize_name(name)
    )


def test_aliases_find_their_employer(app):
    initrode = services.create_employer("Initrode")
    _add_alias(initrode, "Initech Holdings Ltd")
    db.session.commit()
    matches = matching.suggest("initech holdings")
    assert len(matches) == 1
    assert matches[0].employer == initrode
    assert matches[0].matched_name == "Initech Holdings Ltd"
    assert matches[0].exact and matches[0].via_alias
    # A typo in the alias is forgiven too.
    assert names(matching.suggest("initeck holdings")) == ["Initrode"]


def test_an_employer_appears_once_when_its_name_and_alias_both_match(app):
    employer = services.create_employer("Globex Corporation")
    _add_alias(employer, "Globex Industries")
    matches = matching.suggest("globex")
    assert names(matches) == ["Globex Corporation"]
    assert matches[0].matched_name == "Globex Corporation"


def test_exact_match_comes_first_then_score_then_reviews(app):
    quiet = services.create_employer("Snorkel")
    busy = services.create_employer("Snorkel Widgets")
    busier = services.create_employer("Snorkel Bank")
    busy.stats.review_count = 5
    busier.stats.review_count = 50
    db.session.commit()
    matches = matching.suggest("snorkel")
    assert [m.employer for m in matches] == [quiet, busier, busy]


def test_limit(app):
    for number in range(12):
        services.create_employer(f"Wobblewick Widgets {number}")
    db.session.commit()
    assert len(matching.suggest("wobblewick widgets")) == 8
    assert len(matching.suggest("wobblewick widgets", limit=3)) == 3
    assert matching.suggest("wobblewick widgets", limit=0) == []


def test_the_best_candidate_survives_the_sql_limit(app):
    """More names share the query's first letters than the candidate LIMIT keeps: the ranking in
    SQL must still keep the one the user means."""
    for number in range(matching.CANDIDATE_LIMIT + 50):
        services.create_employer(f"Quibblewick Widgets {number}")
    services.create_employer("Quibblewick Logistics")
    db.session.commit()
    assert names(matching.suggest("quiblewick logistcs"))[0] == "Quibblewick Logistics"
    assert names(matching.suggest("Quibblewick Logistics Ltd"))[0] == "Quibblewick Logistics"


@pytest.mark.parametrize(
    ("normalized", "stripped"),
    [
        ("acme corporatoin", "acme"),
        ("acme limted", "acme"),
        ("acme incorporatd", "acme"),
        ("acme widgets gmbh", "acme widgets"),
        ("acme", "acme"),
        ("corporation", "corporation"),  # a name that is only a suffix keeps it
        ("acme co", "acme"),
        ("acme cop", "acme cop"),  # short words are only dropped when exact
        ("united", "united"),
    ],
)
def test_misspelt_legal_suffixes_are_dropped_from_the_query(normalized, stripped):
    assert matching.strip_fuzzy_suffixes(normalized) == stripped


def test_a_word_that_looks_like_a_suffix_is_still_compared_in_full(app):
    services.create_employer("Peace Corps")
    services.create_employer("Peace Bakery")
    db.session.commit()
    assert matching.query_forms("Peace Corps") == ("peace", "peace corps")
    matches = matching.suggest("peace corps")
    assert names(matches)[0] == "Peace Corps" and matches[0].exact


def test_like_wildcards_in_the_query_are_literal(app):
    services.create_employer("Alpha Widgets")
    services.create_employer("Beta Foundry")
    db.session.commit()
    for query in ["%", "%%", "_", "__", "___", "_%_", "\\", "/%", "/_"]:
        assert matching.suggest(query) == [], query


@pytest.mark.parametrize(
    "query",
    [
        "",
        "   ",
        "\x00",
        "acme\x00corp",
        "a" * 5000,
        "acme " * 1000,
        "🙂🙂🙂",
        "acme 🙂",
        "\u202eacme",
        "'; DROP TABLE employers; --",
        "<script>alert(1)</script>",
        "株式会社テスト",
        "ﷺ" * 50,
    ],
)
def test_hostile_queries_are_harmless(acme, query):
    matches = matching.suggest(query)
    assert isinstance(matches, list)
    assert all(0 <= match.score <= 100 for match in matches)


def test_at_most_three_queries_whatever_the_number_of_employers(app):
    def queries_for(query: str) -> int:
        statements = []

        def record(conn, cursor, statement, *args):
            if not statement.startswith(("PRAGMA", "BEGIN", "SAVEPOINT", "RELEASE")):
                statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", record)
        try:
            matching.suggest(query)
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
        return len(statements)

    services.create_employer("Quibblewick Widgets")
    db.session.commit()
    few = queries_for("quibblewick")
    for number in range(30):
        services.create_employer(f"Quibblewick Widgets {number}")
        _add_alias(services.create_employer(f"Fizzlewick {number}"), f"Quibblewick Old {number}")
    db.session.commit()
    many = queries_for("quibblewick")
    assert few == many <= 3
    assert queries_for("no such employer anywhere") <= 2  # nothing to load


def test_scores():
    assert matching.score("acme", "acme") == 100
    assert matching.score("quiblewick widgets", "quibblewick widgets") >= matching.STRONG_MATCH
    assert matching.score("acme", "acme widgets") == 85
    assert matching.score("widgets", "zurich widgets") == 85
    assert matching.score("the", "blitherbottom apps") < matching.SUGGEST_THRESHOLD
    assert matching.score("", "acme") == 0


def test_duplicates(acme):
    assert matching.duplicates("ACME, Inc.") == (acme, [])
    assert matching.duplicates("ACME, Inc.", similar=False) == (acme, [])
    existing, similar = matching.duplicates("Acme Corporatoin")  # not the same normalised name
    assert existing is None and [m.employer for m in similar] == [acme]
    assert matching.duplicates("Acme Corporatoin", similar=False) == (None, [])
    # "Acme Widgets" is known and one letter away: a near-duplicate to confirm.
    existing, similar = matching.duplicates("Acme Widgetz")
    assert existing is None and names(similar) == ["Acme Widgets"]
    assert matching.duplicates("Zebrafish Trading") == (None, [])
