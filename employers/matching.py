"""Typo-tolerant employer suggestions (DESIGN.md §7): "acme corporatoin" finds "Acme, Inc.".

Two steps, so the cost doesn't grow with the number of employers:

1. Candidates come from SQL, two queries (employer names, and aliases), each with a LIMIT: names
   that contain the first three letters of a query word, or the last three of one of its longer
   words (so a typo at the start of a word is forgiven too). Each query ranks its candidates
   (exact match, starts with the query, how many keys met, closeness in length), so the LIMIT
   keeps the likeliest when a common word matches thousands.
2. rapidfuzz scores the candidates against the normalised query; those at or above
   SUGGEST_THRESHOLD are kept, an exact normalised match first, then by score. A third query loads
   the few chosen employers with their statistics rows.

Limits, by design: a name is found only if it contains the first (or, for longer words, the
last) three letters of a query word; a word with typos at both ends and no other word to go on
isn't found, and only the first two words of a query (and its longest) make keys. The keys are
LIKE '%abc%' patterns, so each query is one pass over the names inside the database (over the
unique index on normalized_name on SQLite), not an index look-up: with the demo data's 50,000
employers, suggest() took 10-25 ms on SQLite and 13-28 ms on PostgreSQL on a busy 2-core machine.
On PostgreSQL a pg_trgm GIN index on the normalised names would make exactly these three-letter
patterns indexed.
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz, process
from sqlalchemy import ColumnElement, case, func, literal, or_, select
from sqlalchemy.orm import contains_eager

from employers import services
from employers.models import Employer, EmployerAlias, EmployerStats, listed
from employers.services import LEGAL_SUFFIXES, normalize_name
from extensions import db

# Scores are 0-100. At or above SUGGEST_THRESHOLD a name is offered as a suggestion; at or above
# STRONG_MATCH the new-employer form asks "did you mean ...?" before creating a near-duplicate.
SUGGEST_THRESHOLD = 70
STRONG_MATCH = 90
# A name that merely contains the query ("Acme" in "Acme Widgets") is a good suggestion while the
# user types, but not evidence of a duplicate, so containment scores at most this much.
CONTAINS_WEIGHT = 0.85

# Candidates fetched per query (employers, aliases); scoring a few hundred short strings with
# rapidfuzz takes well under a millisecond.
CANDIDATE_LIMIT = 200
PREFIX_LENGTH = 3  # letters from the start (or end) of a query word that a candidate must contain
# Each key is a pass over every name (3-5 ms per 50,000 names), so there are at most three: the
# first letters of the first two query words, then the last letters of the longest words.
MAX_QUERY_WORDS = 2
MAX_KEYS = 3
MAX_QUERY_LENGTH = 200

# Misspelt legal suffixes ("corporatoin", "limted") are dropped from the end of a query. Only words
# of four letters or more: a typo in "co" or "sa" could be anything.
FUZZY_SUFFIXES = sorted(word for word in LEGAL_SUFFIXES if len(word) >= 4)
FUZZY_SUFFIX_SCORE = 85


@dataclass(frozen=True)
class Match:
    employer: Employer
    score: float  # 0-100
    matched_name: str  # the employer's name, or the alias that matched
    exact: bool = False  # the normalised query equals the normalised name or alias

    @property
    def via_alias(self) -> bool:
        return self.matched_name != self.employer.name


def strip_fuzzy_suffixes(normalized: str) -> str:
    """Drop trailing words that look like a misspelt legal suffix: "acme corporatoin" -> "acme"."""
    words = normalized.split()
    while len(words) > 1 and (
        words[-1] in LEGAL_SUFFIXES
        or (
            len(words[-1]) >= 4
            and process.extractOne(
                words[-1], FUZZY_SUFFIXES, scorer=fuzz.ratio, score_cutoff=FUZZY_SUFFIX_SCORE
            )
        )
    ):
        words.pop()
    return " ".join(words)


def query_forms(query: str) -> tuple[str, ...]:
    """The forms of a query to compare names with: normalised, and without misspelt suffixes.

    Both are kept because a real word can look like a suffix ("Peace Corps" is not "Peace").
    """
    normalized = normalize_name(query[:MAX_QUERY_LENGTH])
    core = strip_fuzzy_suffixes(normalized)
    return (core,) if core == normalized else (core, normalized)


def score(query: str, name: str) -> float:
    """How alike a normalised query and a normalised name are, 0-100.

    Whole-name similarity (typos, word order) counts in full. A name that merely begins, at one
    of its words, with something like the query ("acme" in "acme widgets", "widgets" in "zurich
    widgets": how people type into an autocomplete), or that has all the query's words, counts
    at most CONTAINS_WEIGHT.
    """
    if not query or not name:
        return 0.0
    whole = max(fuzz.ratio(query, name), fuzz.token_sort_ratio(query, name))
    contained = CONTAINS_WEIGHT * max(
        _word_prefix_ratio(query, name), fuzz.token_set_ratio(query, name)
    )
    return round(max(whole, contained), 1)


def _word_prefix_ratio(query: str, name: str, max_words: int = 12) -> float:
    """The best similarity of the query to a piece of the name as long as the query that starts
    where one of the name's words starts."""
    best = 0.0
    start = 0
    for _ in range(max_words):
        best = max(best, fuzz.ratio(query, name[start : start + len(query)]))
        space = name.find(" ", start)
        if space < 0:
            break
        start = space + 1
    return best


def suggest(query: str, limit: int = 8) -> list[Match]:
    """Employers whose name or alias is like the query, best first, in three SQL queries.

    An exact match after normalising comes first whatever the scores. Each employer appears once,
    under whichever of its names matched best.
    """
    forms = tuple(form for form in query_forms(query) if form)
    if not forms or limit <= 0:
        return []

    best: dict[int, _Scored] = {}
    for row in _candidate_rows(forms):
        exact = row.normalized in forms
        value = 100.0 if exact else max(score(form, row.normalized) for form in forms)
        if value < SUGGEST_THRESHOLD:
            continue
        scored = _Scored(row, value, exact)
        current = best.get(row.employer_id)
        if current is None or scored.rank(forms) < current.rank(forms):
            best[row.employer_id] = scored
    chosen = sorted(best.values(), key=lambda scored: scored.rank(forms))[:limit]
    employers = _load_employers([scored.row.employer_id for scored in chosen])
    return [
        Match(
            employer=employers[scored.row.employer_id],
            score=scored.score,
            matched_name=scored.row.name,
            exact=scored.exact,
        )
        for scored in chosen
        if scored.row.employer_id in employers  # deleted between the queries
    ]


def duplicates(name: str, *, similar: bool = True) -> tuple[Employer | None, list[Match]]:
    """What stands in the way of adding an employer called `name`.

    (the employer whose name or alias is the same once normalised, []) if there is one: always a
    duplicate. Otherwise (None, the employers whose names are at least STRONG_MATCH alike), which
    the user may declare different; `similar=False` once they have.
    """
    existing = services.find_by_name(name)
    if existing is not None:
        return existing, []
    if not similar:
        return None, []
    return None, [match for match in suggest(name) if match.score >= STRONG_MATCH]


@dataclass(frozen=True)
class _Candidate:
    employer_id: int
    name: str
    normalized: str
    reviews: int
    via_alias: bool


@dataclass(frozen=True)
class _Scored:
    row: _Candidate
    score: float
    exact: bool

    def rank(self, forms: tuple[str, ...]) -> tuple:
        return (
            not self.exact,
            -self.score,
            not self.row.normalized.startswith(forms[0]),
            -self.row.reviews,
            # The employer's own name before an alias of equal merit, then alphabetical.
            self.row.via_alias,
            self.row.normalized,
        )


def _candidate_rows(forms: tuple[str, ...]) -> list[_Candidate]:
    """Names and aliases worth scoring, as plain rows (two queries, each LIMITed)."""
    rows = []
    for model, employer_id, via_alias in (
        (Employer, Employer.id, False),
        (EmployerAlias, EmployerAlias.employer_id, True),
    ):
        # The search reads only ids and normalised names (the unique index on normalized_name
        # holds both, so the scan needn't touch the table); names and review counts (a
        # tie-breaker) are joined to the few rows kept, not to the thousands a common word
        # can match.
        kept = _candidate_query(select(model.id), model.normalized_name, forms).subquery()
        statement = (
            select(
                employer_id,
                model.name,
                model.normalized_name,
                func.coalesce(EmployerStats.review_count, 0),
            )
            .join(kept, kept.c.id == model.id)
            .outerjoin(EmployerStats, EmployerStats.employer_id == employer_id)
        )
        rows += [_Candidate(*row, via_alias=via_alias) for row in db.session.execute(statement)]
    return rows


def _load_employers(ids: list[int]) -> dict[int, Employer]:
    """The chosen employers with their statistics rows (one query)."""
    if not ids:
        return {}
    employers = db.session.scalars(
        select(Employer)
        .outerjoin(EmployerStats)
        .options(contains_eager(Employer.stats))
        # Unlisted employers (no published review yet, DESIGN.md §5.8) are suggested to nobody;
        # adding one under the same name still finds it (services.find_by_name).
        .where(Employer.id.in_(ids), listed())
    )
    return {employer.id: employer for employer in employers}


def _candidate_query(statement, column, forms: tuple[str, ...]):
    """The statement narrowed to names meeting any candidate key, likeliest first, LIMITed.

    Every key costs a pass over all the names (about 3 ms per 50,000 on SQLite, whatever the
    pattern), so there are at most MAX_KEYS; the ranking expressions run only on rows that match.
    """
    core = forms[0]
    keys = _keys(column, core)
    exact = column.in_(forms)
    starts = or_(*(column.like(_escape(form) + "%", escape=LIKE_ESCAPE) for form in forms))
    order = [case((exact, 0), else_=1), case((starts, 0), else_=1)]
    if len(keys) > 1:
        order.append(sum((case((key, 1), else_=0) for key in keys), literal(0)).desc())
    order += [func.abs(func.length(column) - len(core)), column]
    # An exact match always meets the first key (it contains the query's first letters).
    return statement.where(or_(*keys)).order_by(*order).limit(CANDIDATE_LIMIT)


def _keys(column, core: str) -> list[ColumnElement[bool]]:
    """Conditions a candidate name may meet: it contains the first letters of a query word, or
    the last letters of one of the query's longer words (which forgives a typo at the start of a
    word)."""
    words = list(dict.fromkeys(word for word in core.split() if len(word) >= 2))
    if not words:
        return [column.like(_escape(core) + "%", escape=LIKE_ESCAPE)]
    pieces = [word[:PREFIX_LENGTH] for word in words[:MAX_QUERY_WORDS]]
    longest = sorted((word for word in words if len(word) > PREFIX_LENGTH + 1), key=len)
    pieces += [word[-PREFIX_LENGTH:] for word in reversed(longest)]
    pieces = list(dict.fromkeys(pieces))[:MAX_KEYS]
    return [column.like("%" + _escape(piece) + "%", escape=LIKE_ESCAPE) for piece in pieces]


# Normalised names have no punctuation, so "/" never occurs in them: a safe LIKE escape character
# on every database (a backslash means different things in different SQL dialects).
LIKE_ESCAPE = "/"


def _escape(text: str) -> str:
    """LIKE wildcards in a normalised name are literal characters ("_" survives normalising)."""
    for special in (LIKE_ESCAPE, "%", "_"):
        text = text.replace(special, LIKE_ESCAPE + special)
    return text
