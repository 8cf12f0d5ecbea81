"""Scrub review free text of contact details and names (DESIGN.md §5.4).

Emails, phone numbers, URLs, social handles and the names the author gave elsewhere in the form
are replaced by PLACEHOLDER. Text that only *looks* like a person's name ("Mr Smith", "recruiter
Jane Doe") is left in place and reported, so the caller can hold the review for a moderator.

Every detector reads fold(clean(text)) (textnorm): zero-width and other invisible characters are
gone and Cyrillic or Greek lookalike letters read as Latin, so "ja\u200bne@x.com" or a name typed
with a Cyrillic "\u0430" is found like the plain one. Names are recognised with a list of
first and last names from many countries (reviews.names).

Pure Python, no app needed. Every pattern is bounded or anchored so that hostile input can't make
a regex backtrack for long: the scrubber runs on every submit and every preview.
"""

from __future__ import annotations

import bisect
import dataclasses
import re
from collections.abc import Iterable
from dataclasses import dataclass

import phonenumbers

from reviews import names as name_lists
from textnorm import clean, fold

PLACEHOLDER = "[removed]"

# Phone numbers written without a country code are read as these countries' (DESIGN.md §5.4);
# numbers written with "+" are found whatever the region.
DEFAULT_PHONE_REGIONS = ("US", "GB")
# Fewer digits than this is a count, a year or a salary, not a phone number.
MIN_PHONE_DIGITS = 7
# A name the author gave shorter than this would remove ordinary words ("Al", "Jo").
MIN_KNOWN_NAME_LETTERS = 3
# Scrubbing repeats until nothing more goes (see scrub); more passes than this never happen in
# real text, and the cap keeps hostile text from making many.
MAX_PASSES = 4


@dataclass(frozen=True)
class Removal:
    kind: str  # "email" | "phone" | "url" | "handle" | "name"
    original: str  # the text that was removed, exactly as typed
    # A name of the writer's own (from their account): the preview says "Your name", not "A name".
    own: bool = False


@dataclass(frozen=True)
class ScrubResult:
    text: str  # the text with each removal replaced by PLACEHOLDER
    removals: tuple[Removal, ...] = ()  # in order of appearance
    # Text that looks like a person's name: NOT replaced; it holds the review for a moderator.
    suspected_names: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.removals)


# A candidate removal: (start, end, kind) in the original text.
_Span = tuple[int, int, str]


def scrub(
    text: str | None,
    *,
    known_names: Iterable[str] = (),
    own_names: Iterable[str] = (),
    not_names: Iterable[str] = (),
    region: str | None = None,
) -> ScrubResult:
    """Replace contact details and known names by PLACEHOLDER; report what looks like a name.

    `known_names` and `own_names` are removed wherever they appear (own_names are the writer's
    own, reported as such); `not_names` are words never taken for a person's name (the
    employer's name and aliases in its own response: "Thanks from the Acme team").
    """
    if not text:
        return ScrubResult("")
    own_names = list(own_names or ())
    names = _known_names_pattern([*own_names, *(known_names or ())])
    current = clean(text)
    removals: list[tuple[int, Removal]] = []  # (where its placeholder starts in current, what)
    # A removal changes its neighbours' context ("jane@acme.co@m" leaves "[removed]@m"), so scrub
    # again until nothing more goes: the result is then stable under scrubbing. Each pass turns
    # some text into placeholders, which are never touched again; the cap bounds the time.
    for _ in range(MAX_PASSES):
        spans = _removable_spans(current, names, region)
        if not spans:
            break
        current, removals = _replace(current, spans, removals)
    own = _name_keys(own_names)
    return ScrubResult(
        current,
        tuple(_mark_own(removal, own) for _, removal in removals),
        tuple(suspected_names(current, not_names=not_names)),
    )


def _name_keys(names: Iterable[str]) -> frozenset[str]:
    return frozenset(key for name in names if isinstance(name, str) for key in _tokens_key(name))


def _tokens_key(name: str) -> list[str]:
    return [t.casefold() for t in re.split(r"[^\w'\u2019]+", fold(clean(name))) if t]


def _mark_own(removal: Removal, own: frozenset[str]) -> Removal:
    if removal.kind != "name" or not own:
        return removal
    tokens = _tokens_key(removal.original)
    if tokens and all(token in own for token in tokens):
        return dataclasses.replace(removal, own=True)
    return removal


def _removable_spans(text: str, names: re.Pattern[str] | None, region: str | None) -> list[_Span]:
    # Detectors read a copy in which placeholders are blanked out (same length, so the offsets
    # hold): "[removed]" is never touched and never joins its neighbours into a match.
    # fold(): lookalike letters read as Latin ones, one for one, so the offsets still hold.
    guarded = fold(text.replace(PLACEHOLDER, " " * len(PLACEHOLDER)))
    spans = [
        *_email_spans(guarded),
        *_url_spans(guarded),
        *_handle_spans(guarded),
        *_phone_spans(guarded, region),
        *_known_name_spans(guarded, names),
    ]
    return _non_overlapping(spans, _placeholder_spans(text))


def _replace(
    text: str, spans: list[_Span], earlier: list[tuple[int, Removal]]
) -> tuple[str, list[tuple[int, Removal]]]:
    """Put a placeholder over each span; keep every removal's position, old and new, in order."""
    pieces: list[str] = []
    removals: list[tuple[int, Removal]] = []
    pending = iter(earlier)
    upcoming = next(pending, None)
    position = shift = 0  # shift: how far text at `position` moves in the new text
    for start, end, kind in spans:
        while upcoming and upcoming[0] < start:
            removals.append((upcoming[0] + shift, upcoming[1]))
            upcoming = next(pending, None)
        pieces += [text[position:start], PLACEHOLDER]
        removals.append((start + shift, Removal(kind, text[start:end])))
        shift += len(PLACEHOLDER) - (end - start)
        position = end
    pieces.append(text[position:])
    while upcoming:
        removals.append((upcoming[0] + shift, upcoming[1]))
        upcoming = next(pending, None)
    return "".join(pieces), removals


def names_from_email(email: str | None) -> list[str]:
    """Name-like tokens of an address's local part: "jane.doe-smith@x.org" -> Jane, Doe, Smith."""
    if not email:
        return []
    if "@" in email:
        local = email.rpartition("@")[0]
    else:  # spelled out: "jane dot doe at acme dot com", "jane [at] acme [dot] com"
        parts = _SPELLED_AT.split(email, maxsplit=1)
        if len(parts) < 2:
            return []
        local = parts[0]
    names: list[str] = []
    for token in re.split(r"[^\w]|[\d_]", local):
        if len(token) < MIN_KNOWN_NAME_LETTERS or token.casefold() in _GENERIC_MAILBOX_WORDS:
            continue
        if token.casefold() == "dot":
            continue
        name = token[:1].upper() + token[1:].lower()
        if name not in names:
            names.append(name)
    return names


def _placeholder_spans(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in re.finditer(re.escape(PLACEHOLDER), text)]


def _non_overlapping(spans: list[_Span], protected: list[tuple[int, int]]) -> list[_Span]:
    """Earliest first, the longer of two that start together; nothing overlapping a placeholder."""
    kept: list[_Span] = []
    reach = 0
    protected_ends = [p_end for _, p_end in protected]  # sorted: placeholders don't overlap
    for start, end, kind in sorted(spans, key=lambda span: (span[0], -span[1])):
        if start < reach or start >= end:
            continue
        nearest = bisect.bisect_right(protected_ends, start)  # first placeholder ending after start
        if nearest < len(protected) and protected[nearest][0] < end:
            continue
        kept.append((start, end, kind))
        reach = end
    return kept


# --- emails ------------------------------------------------------------------------------------

# The local part starts a run (the lookbehind) and is bounded, so a long run of address-like
# characters is scanned once, not once per starting position.
_LOCAL = r"(?<![\w.%+\-])(?P<local>[\w%+\-][\w.%+\-]{0,63})"
_LABEL = r"[^\W_][\w\-]{0,62}"
_BRACKET_AT = r"[ \t]*[\[({<][ \t]*(?i:at|@)[ \t]*[\])}>][ \t]*"
_BRACKET_DOT = r"[ \t]*[\[({<][ \t]*(?i:dot|\.)[ \t]*[\])}>][ \t]*"
_WORD_DOT = r"[ \t]+(?i:dot)[ \t]+"
_ANY_DOT = rf"(?:\.|{_BRACKET_DOT}|{_WORD_DOT})"
_SPELLED_TLDS = r"(?i:com|org|net|edu|gov|io|co|uk|ai|me|de|fr|info|biz|dev|app)"

# "jane dot doe" before the "at": a local part spelled out too.
_SPELLED_LOCAL = rf"{_LOCAL}(?P<more>(?:(?:{_BRACKET_DOT}|{_WORD_DOT})[\w%+\-]{{1,63}}){{0,3}})"
_SPELLED_AT = re.compile(rf"{_BRACKET_AT}|[ \t]+(?i:at)[ \t]+")

# jane.doe@acme.com, jane(at)acme.com, jane [at] acme [dot] com, jobs@acme (no TLD)
_EMAIL = re.compile(
    rf"{_SPELLED_LOCAL}(?:@|{_BRACKET_AT})"
    rf"{_LABEL}(?P<tld>(?:{_ANY_DOT}{_LABEL}){{0,6}}{_ANY_DOT}[^\W\d_]{{2,24}})?(?![\w\-])"
)
# jane at acme dot com, jane dot doe at acme dot com: "at" spelled out, so only with a
# familiar TLD. The whole address goes as one "[removed]".
_SPELLED_EMAIL = re.compile(
    rf"{_SPELLED_LOCAL}[ \t]+(?i:at)[ \t]+(?P<domain>{_LABEL}"
    rf"(?:{_ANY_DOT}{_LABEL}){{0,4}}"
    rf"{_ANY_DOT}{_SPELLED_TLDS})(?![\w\-])"
)
# "I applied at acme dot com": the word before "at" is English, only the domain goes.
_NOT_A_MAILBOX = frozenset(
    """
    a am an and apply applied applying are be been being careers directly emailed even
    i interview interviewed is it job jobs just look looked looking me mail online only
    position role site still them there us was we website were work worked working write
    wrote you
    """.split()
)


def _email_spans(text: str) -> list[_Span]:
    spans: list[_Span] = []
    for match in _EMAIL.finditer(text):
        # "jane(at)acme" without a TLD could be "I was (at) home"; "jobs@acme" is an address.
        if "@" in match.group() or match.group("tld"):
            spans.append((match.start(), match.end(), "email"))
    for match in _SPELLED_EMAIL.finditer(text):
        if not match.group("more") and match.group("local").casefold() in _NOT_A_MAILBOX:
            spans.append((match.start("domain"), match.end(), "url"))
        else:
            spans.append((match.start(), match.end(), "email"))
    return spans


# --- URLs --------------------------------------------------------------------------------------

_URL_CHARS = r"[^\s<>\"'\[\]{}|\\^`]"
_SCHEME_URL = re.compile(rf"(?i:\b(?:https?|ftp)://){_URL_CHARS}+")
_WWW_URL = re.compile(rf"(?<![\w.\-])(?i:www\d{{0,3}})\.[^\W_]{_URL_CHARS}*")
_BARE_URL = re.compile(
    r"(?<![\w@.\-/])(?P<host>(?:[^\W_][\w\-]{0,62}\.){1,6}(?P<tld>[^\W\d_]{2,24}))(?![\w\-])"
    rf"(?P<rest>(?::\d{{1,5}})?(?:[/?#]{_URL_CHARS}*)?)"
)
# Bare domains count with these TLDs; any other TLD only with a path ("snorkel.example/jobs").
# Two-letter TLDs that are English words ("in", "it", "to", "no", "at", "so") are left out so
# that "logged in.it was" isn't a domain.
_COMMON_TLDS = frozenset(
    """
    com net org edu gov mil int info biz io co ai app dev me ly uk us ca au nz ie de fr nl es pt
    ch se dk fi pl cz eu jp cn kr sg hk tv fm gg xyz tech cloud jobs careers career agency studio
    ventures capital solutions services systems software network health
    """.split()
)
# "Node.js/React", "resume.pdf": file extensions, not TLDs, even with a path after them.
_FILE_EXTENSIONS = frozenset(
    """
    js ts jsx tsx mjs py rb php java kt cs cpp rs go md txt pdf doc docx xls xlsx ppt pptx csv
    json xml yaml yml html htm css scss sh exe zip png jpg jpeg gif svg mp4 mov
    """.split()
)
# Technology names that happen to be domains.
_TECH_NAMES = frozenset({"asp.net", "ado.net", "vb.net", "socket.io", "dot.net"})
# Job boards and companies known by their domain ("applied on Indeed.com") identify nobody.
# Only the bare domain is kept: with a path ("linkedin.com/in/jdoe") it is removed.
_WELL_KNOWN_DOMAINS = frozenset(
    """
    indeed.com linkedin.com glassdoor.com glassdoor.co.uk monster.com ziprecruiter.com dice.com
    otta.com wellfound.com angel.co hired.com reed.co.uk totaljobs.com seek.com.au xing.com
    stepstone.de booking.com amazon.com salesforce.com hotels.com expedia.com github.com
    """.split()
)
_TRAILING_PUNCTUATION = ".,;:!?'\")]}>*_~"


def _url_spans(text: str) -> list[_Span]:
    spans = [
        (m.start(), m.start() + len(_trim_url(m.group())), "url")
        for pattern in (_SCHEME_URL, _WWW_URL)
        for m in pattern.finditer(text)
    ]
    for match in _BARE_URL.finditer(text):
        if _is_bare_domain(match.group("host"), match.group("tld"), match.group("rest")):
            spans.append((match.start(), match.start() + len(_trim_url(match.group())), "url"))
    return spans


def _is_bare_domain(host: str, tld: str, rest: str) -> bool:
    host_key = host.casefold()
    if host_key in _TECH_NAMES:
        return False
    has_path = len(rest.rstrip(_TRAILING_PUNCTUATION)) > 1
    if not has_path and host_key in _WELL_KNOWN_DOMAINS:
        return False
    if tld.casefold() in _COMMON_TLDS:
        # "...waited a week.Then" / "Contact us.Me": a capitalised word after a missing space.
        return has_path or not (tld[0].isupper() and tld[1:].islower())
    return has_path and tld.casefold() not in _FILE_EXTENSIONS


def _trim_url(url: str) -> str:
    """Drop the sentence's punctuation from the end, keeping a ")" that closes one in the URL."""
    while url and url[-1] in _TRAILING_PUNCTUATION:
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break
        url = url[:-1]
    return url


# --- handles -----------------------------------------------------------------------------------

# @janedoe, @jane_doe99, @jane.doe; not an email (the lookbehind), not "@ 3pm" nor "@3pm".
_HANDLE = re.compile(r"(?<![\w@.+\-])@[^\W\d][\w.]{0,38}")


def _handle_spans(text: str) -> list[_Span]:
    spans: list[_Span] = []
    for match in _HANDLE.finditer(text):
        handle = match.group().rstrip(".")
        if len(handle) > 1:
            spans.append((match.start(), match.start() + len(handle), "handle"))
    return spans


# --- phone numbers -----------------------------------------------------------------------------

_DATE = re.compile(r"\d{1,4}([./\-])\d{1,2}\1\d{1,4}")
_YEAR_RANGE = re.compile(r"(?:19|20)\d\d\s*[\-\u2013\u2014/]\s*(?:19|20)\d\d")
_NUMBER_RANGE = re.compile(r"(\d+)\s*[\-\u2013\u2014]\s*(\d+)")
_MONEY_BEFORE = re.compile(r"[$£€¥₹]\s*$|(?i:usd|gbp|eur|cad|aud)\s*$")
_MONEY_AFTER = re.compile(
    r"\s*(?:%|(?i:k|usd|gbp|eur|cad|aud|dollars|pounds|euros|per|p\.?a\.?|a year|salary)(?!\w))"
)


def _phone_spans(text: str, region: str | None) -> list[_Span]:
    regions = DEFAULT_PHONE_REGIONS
    if region and region.upper() in phonenumbers.SUPPORTED_REGIONS:
        regions = (region.upper(),)
    spans: list[_Span] = []
    for each in regions:
        matcher = phonenumbers.PhoneNumberMatcher(
            text, each, leniency=phonenumbers.Leniency.POSSIBLE
        )
        for match in matcher:
            start, raw = match.start, match.raw_string
            if raw.startswith("(") and ")" not in raw:
                start, raw = start + 1, raw[1:]  # "(+44 20 7946 0958)": the bracket is the text's
            if _looks_like_phone(raw, text, start, match.end):
                spans.append((start, match.end, "phone"))
    return spans


def _looks_like_phone(raw: str, text: str, start: int, end: int) -> bool:
    if sum(ch.isdigit() for ch in raw) < MIN_PHONE_DIGITS:
        return False
    if _DATE.fullmatch(raw) or _YEAR_RANGE.fullmatch(raw):
        return False
    number_range = _NUMBER_RANGE.fullmatch(raw)
    if number_range and all(part.endswith("00") for part in number_range.groups()):
        return False  # "85000-95000": a salary band
    before = text[max(0, start - 5) : start]
    return not (_MONEY_BEFORE.search(before) or _MONEY_AFTER.match(text, end))


# --- names the author gave ---------------------------------------------------------------------

# Names that are also ordinary words are removed only where capitalised: a "Will" in the form
# shouldn't remove every "will" in the review.
_NAMES_THAT_ARE_WORDS = frozenset(
    """
    amber april art august bill chase daisy dawn don earl eve faith frank gene grace guy hazel
    holly hope hunter iris ivy jack jade joy june lily mark max may page pat pearl penny ray rob
    rose ruby sky sue summer will
    """.split()
)


def _known_names_pattern(known_names: Iterable[str]) -> re.Pattern[str] | None:
    phrases: set[str] = set()
    for name in known_names or ():
        if not isinstance(name, str):
            continue
        tokens = [t for t in re.split(r"[^\w'\u2019]+", name) if t]
        phrases.update(t for t in tokens if sum(ch.isalpha() for ch in t) >= MIN_KNOWN_NAME_LETTERS)
        if len(tokens) > 1:
            phrases.add(" ".join(tokens))
    if not phrases:
        return None
    ordered = sorted(phrases, key=len, reverse=True)  # "Jane Doe" before "Jane"
    alternatives = "|".join(r"[\s\-.]+".join(map(re.escape, p.split(" "))) for p in ordered)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def _known_name_spans(text: str, names: re.Pattern[str] | None) -> list[_Span]:
    if names is None:
        return []
    spans: list[_Span] = []
    for match in names.finditer(text):
        found = match.group()
        if found.casefold() in _NAMES_THAT_ARE_WORDS and not found[0].isupper():
            continue
        spans.append((match.start(), match.end(), "name"))
    return spans


# --- text that looks like a name ---------------------------------------------------------------

# A word starting with a letter; atomic, so a long word is scanned once.
_WORD = r"(?<![\w'\u2019\-])(?>[^\W\d_][\w'\u2019\-]*)"
_GAP = r"[ \t\u00a0]+"
_HONORIFIC = re.compile(
    r"(?<![\w.])(?:Mr|Mrs|Ms|Mx|Miss|Dr|Prof|Professor|Sir|Dame|Mme|Mlle|Herr|Frau)\.?"
    rf"{_GAP}(?P<n1>{_WORD})(?:{_GAP}(?P<n2>{_WORD}))?"
)
_ROLES = (
    r"recruiters?|interviewers?|managers?|coordinators?|sourcers?|contacts?|founders?"
    r"|co-?founders?|directors?|supervisors?|boss|engineers?|developers?|designers?|lead"
    r"|partners?|representatives?|rep|assistants?|colleagues?|panell?ists?|person|lady|guy"
    r"|woman|man|gentleman|ceo|cto|cfo|coo|vp"
)
_ROLE_THEN_NAME = re.compile(
    rf"(?<![\w\-])(?i:{_ROLES})(?P<sep>[ \t]*[,:\-\u2013\u2014][ \t]*|{_GAP})"
    rf"(?P<n1>{_WORD})(?:{_GAP}(?P<n2>{_WORD}))?"
)
_NAMED = re.compile(
    r"(?:(?<![\w'\u2019])(?P<before>(?>[\w'\u2019]+))[ \t]+)?"
    r"(?<![\w\-])(?P<kw>(?i:named|name[ \t]+(?:is|was)|names[ \t]+(?:are|were)|goes[ \t]+by"
    r"|called))"
    rf"{_GAP}(?P<n1>{_WORD})(?:{_GAP}(?P<n2>{_WORD}))?"
)
_FROM_TEAM = re.compile(
    rf"(?P<n1>{_WORD})(?:{_GAP}(?P<n2>{_WORD}))?{_GAP}from{_GAP}(?:the{_GAP})?"
    r"(?:HR|TA|(?i:human[ \t]+resources|recruiting|recruitment|talent|people[ \t]+ops"
    r"|people[ \t]+team|hiring[ \t]+team|recruiting[ \t]+team))(?!\w)"
)
# "a guy called Tom", "she is called Tom"; but "I called Acme" is a phone call.
_CALLED_AFTER = frozenset(
    """
    someone somebody guy woman man lady person girl boy gentleman chap fellow bloke is was 's
    recruiter manager interviewer contact coordinator director engineer
    """.split()
)


# Salutations and thanks: "Hi Casey", "Dear Casey,", "Thanks, Casey", "We are sorry, Priya Raman."
_GREETING = re.compile(
    r"(?<![\w'\u2019])(?P<kw>(?i:good[ \t]+(?:morning|afternoon|evening)|many[ \t]+thanks"
    r"|thank[ \t]+you|best[ \t]+(?:wishes|regards)|kind[ \t]+regards|warm[ \t]+regards"
    r"|hi|hello|hey|hiya|dear|greetings|welcome|attn|attention|thanks|sorry|apologies"
    r"|congratulations|congrats|cheers|regards|best|sincerely|yours))"
    r"(?P<sep>[ \t]*[,:!\-\u2013\u2014][ \t]*(?:\n[ \t]*)?|[ \t]*\n[ \t]*|[ \t]+)"
    rf"(?:(?P<init>[A-Z])\.{_GAP})?(?P<n1>{_WORD})(?:{_GAP}(?:[A-Z]\.?{_GAP})?(?P<n2>{_WORD}))?"
)
_SALUTATIONS = frozenset(
    "hi hello hey hiya dear greetings welcome attn attention good morning afternoon evening".split()
)
_SIGN_OFFS = frozenset("best regards wishes kind warm sincerely yours cheers".split())
# A name word, then a capital initial: "Casey J." (not "Plan B." unless Plan were a name).
_INITIAL_AFTER = re.compile(r"[ \t]+(?P<initial>[A-Z])\.(?!\w)")
# A capital initial, then a name: "J. Smith", "J Smith" is too often something else.
_INITIAL_BEFORE = re.compile(r"(?<![\w.'\u2019\-])[A-Z]\.[ \t]?$")
# "Sanne de Vries", "Maximilian von Berg": a name particle between two name words.
_PARTICLE = re.compile(
    r"[ \t]+(?:de|da|di|do|du|del|della|der|den|des|dos|das|van|von|ter|le|la|bin|binti|al|el)"
    r"(?:[ \t]+(?:der|den|la|los|las))?[ \t]+(?=[A-Z])"
)
_WORD_PATTERN = re.compile(_WORD)
# After "Casey J." a sentence goes on in lower case ("Casey J. promised..."), unlike "Plan B. We".
_GOES_ON = re.compile(r"[ \t]+[a-z]")


def suspected_names(text: str, *, not_names: Iterable[str] = ()) -> list[str]:
    """Text that looks like a person's name, in order of appearance, each once.

    The patterns read fold(clean(text)); what is reported is the matching stretch of `text`.
    """
    text = clean(text)
    folded = fold(text)
    ignored = _name_keys(not_names)
    found: list[tuple[int, int]] = []
    for match in _HONORIFIC.finditer(folded):
        names = _leading_names(match, ignored)
        if names:
            found.append((match.start(), names[-1].end))
    for match in _ROLE_THEN_NAME.finditer(folded):
        names = _leading_names(match, ignored)
        # "Recruiter: Lovely person" is a label; "Recruiter: Jane Doe" names someone.
        if len(names) >= (2 if ":" in match.group("sep") else 1):
            found.append((names[0].start, names[-1].end))
    for match in _NAMED.finditer(folded):
        before = (match.group("before") or "").casefold()
        called_ok = before in _CALLED_AFTER or before.endswith(("'s", "\u2019s"))
        if match.group("kw").casefold() == "called" and not called_ok:
            continue
        names = _leading_names(match, ignored)
        if names:
            found.append((names[0].start, names[-1].end))
    for match in _FROM_TEAM.finditer(folded):
        names = _trailing_names(match, ignored)
        if names:
            found.append((names[0].start, names[-1].end))
    found += _greeting_spans(folded, ignored)
    found += _listed_name_spans(folded, ignored)
    return list(dict.fromkeys(text[start:end] for start, end in sorted(found)))


def _greeting_spans(text: str, ignored: frozenset[str]) -> list[tuple[int, int]]:
    spans = []
    for match in _GREETING.finditer(text):
        kw = match.group("kw").casefold().split()
        sep = match.group("sep")
        punctuated = bool(re.search(r"[,:!\-\u2013\u2014\n]", sep))
        if kw[0] in _SIGN_OFFS and kw[-1] in _SIGN_OFFS and not punctuated:
            continue  # "Best practices", "Cheers Acme on": a sign-off is followed by a comma
        names = _leading_names(match, ignored)
        first = match.group("n1")
        if not names and _is_listed_lowercase(first, ignored):
            # "hi casey": a listed first name after a greeting, even in lower case.
            names = [_Word(match.start("n1"), match.end("n1"))]
        if not names:
            continue
        listed = any(_is_listed(text[w.start : w.end]) for w in names)
        # "Thanks Acme for...": after thanks or sorry without a comma, only a listed name (or
        # two name words) counts; after "Hi" or "Dear", or "Thanks," any name word does.
        strong = listed or len(names) > 1 or match.group("init")
        if kw[0] in _SALUTATIONS or punctuated or strong:
            start = match.start("init") if match.group("init") else names[0].start
            spans.append((start, names[-1].end))
    return spans


def _listed_name_spans(text: str, ignored: frozenset[str]) -> list[tuple[int, int]]:
    """ "First Last" where either part is a listed name; "J. Smith"; "Casey J."."""
    words = [(m.start(), _trimmed_end(m), m.group()) for m in _WORD_PATTERN.finditer(text)]
    spans = []
    for index, (start, end, word) in enumerate(words):
        word = text[start:end]
        if not _is_name_word(word, ignored):
            continue
        listed = _is_listed(word)
        following = words[index + 1] if index + 1 < len(words) else None
        gap = text[end : following[0]] if following else ""
        if following and re.fullmatch(r"[ \t\u00a0]+", gap):
            other = text[following[0] : following[1]]
            if _is_name_word(other, ignored) and (listed or _is_listed(other)):
                spans.append((start, following[1]))
                continue
        particle = _PARTICLE.match(text, end)
        surname = _WORD_PATTERN.match(text, particle.end()) if particle else None
        if (
            surname
            and _is_name_word(surname.group(), ignored)
            and (listed or _is_listed(surname.group()))
        ):
            spans.append((start, _trimmed_end(surname)))
            continue
        initial = _INITIAL_AFTER.match(text, end)
        if initial and (listed or _GOES_ON.match(text, initial.end())):
            spans.append((start, initial.end()))
        elif listed:
            before = _INITIAL_BEFORE.search(text[max(0, start - 4) : start])
            if before:
                spans.append((start - len(before.group()), end))
    return spans


def _trimmed_end(match: re.Match[str]) -> int:
    return match.start() + len(re.sub(r"(?:['\u2019]s?|-)+$", "", match.group()))


def _is_listed(word: str) -> bool:
    return name_lists.is_known_name(word)


def _is_listed_lowercase(word: str, ignored: frozenset[str]) -> bool:
    return (
        word.islower()
        and word.casefold() not in _NOT_NAMES
        and word.casefold() not in ignored
        and name_lists.is_first_name(word)
    )


@dataclass(frozen=True)
class _Word:
    start: int
    end: int


def _words(match: re.Match[str], ignored: frozenset[str]) -> list[tuple[_Word, bool]]:
    words = []
    for group in ("n1", "n2"):
        if match.group(group) is None:
            continue
        start = match.start(group)
        word = match.group(group)
        # "Baker's" and "Baker," name Baker.
        trimmed = re.sub(r"(?:['\u2019]s?|-)+$", "", word)
        words.append((_Word(start, start + len(trimmed)), _is_name_word(trimmed, ignored)))
    return words


def _leading_names(match: re.Match[str], ignored: frozenset[str]) -> list[_Word]:
    names = []
    for word, is_name in _words(match, ignored):
        if not is_name:
            break
        names.append(word)
    return names


def _trailing_names(match: re.Match[str], ignored: frozenset[str]) -> list[_Word]:
    names = []
    for word, is_name in reversed(_words(match, ignored)):
        if not is_name:
            break
        names.insert(0, word)
    return names


def _is_name_word(word: str, ignored: frozenset[str] = frozenset()) -> bool:
    """Capitalised (José, Zoë, O'Brien), not an acronym (HR, CEO), not a common word, not one
    of the words the caller says are no one's name."""
    return (
        len(word) >= 2
        and word[0].isupper()
        and not word.isupper()
        and not any(ch.isdigit() for ch in word)
        and word.casefold() not in _NOT_NAMES
        and word.casefold() not in ignored
    )


_GENERIC_MAILBOX_WORDS = frozenset(
    """
    info mail email contact contacts jobs job hello hey careers career recruiting recruitment
    recruiter talent hiring apply applications application admin support team office people
    sales enquiries inquiries noreply reply donotreply the and work personal private home
    """.split()
)

# Capitalised words that are not people's names: sentence starters, days and months, job and
# team words, and the products and companies that come up in hiring stories.
_NOT_NAMES = frozenset(
    """
    i a an the and but or so then than that this these those there here they them their we our
    us you your he him his she her it its my me mine who whom whose what which when where why how
    if as at by for from in into of on onto to up with without after before during while since
    until about above below over under again also just only still even never always often
    sometimes later soon finally eventually next last first second third final overall however
    meanwhile afterwards instead otherwise anyway though although because yes no not nobody
    someone somebody everyone everybody anyone anybody nothing something everything none one two
    three four five six seven eight nine ten all both each every few many most other some such
    same another any hi hello hey dear thanks thank regards cheers best sincerely kind please
    sorry okay ok well oh great good bad nice very really quite
    monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs fri
    sat sun january february march april may june july august september october november
    december jan feb mar apr jun jul aug sep sept oct nov dec today tomorrow yesterday tonight
    weekend week month year christmas easter thanksgiving new
    recruiter recruiters recruiting recruitment manager managers hiring interviewer interviewers
    interview interviews engineer engineers engineering developer developers development designer
    design director directors lead leads senior junior staff principal head chief officer
    assistant associate analyst consultant specialist coordinator partner partners executive
    representative rep administrator architect founder founders cofounder co-founder boss
    colleague colleagues supervisor sourcer sourcers panellist panelist lady guy woman man
    gentleman person scientist product project program programme
    marketing sales operations ops finance data software support customer success people talent
    acquisition human resources office technical tech intern internship graduate apprentice role
    position job jobs opening team teams department dept group division company corp inc ltd llc
    gmbh plc org platform payments infrastructure growth mobile backend frontend fullstack
    security research legal compliance risk analytics quality qa devops sre cloud web app apps
    api core services service systems system solutions network business strategy brand content
    communications community creative digital editorial enterprise global internal international
    local national regional remote hybrid onsite contract permanent temporary full part time
    round rounds screen screening call calls meeting meetings email emails message messages
    update updates reply replies response responses feedback offer offers rejection process
    application applications candidate candidates panel task assessment test
    challenge exercise presentation onboarding contact contacts form portal website site careers
    ceo cto cfo coo cio cmo vp svp evp hr ta pm uk usa eu asap faq phd mba
    zoom slack google linkedin microsoft amazon apple meta facebook twitter instagram
    tiktok youtube whatsapp telegram signal skype webex meet hangouts gmail outlook calendly
    indeed glassdoor workday greenhouse lever taleo ashby hackerrank codility leetcode coderpad
    codesignal github gitlab jira confluence notion excel word powerpoint sheets docs drive
    python java javascript typescript react angular vue node go rust ruby rails kotlin swift
    scala php perl sql postgres mysql aws azure gcp kubernetes docker linux windows mac ios
    android salesforce sap oracle ibm intel nvidia netflix uber airbnb stripe shopify spotify
    english french german spanish dutch italian chinese japanese indian american british
    european london paris berlin york
    san santa sao los las st saint fort port mount lake hong kong rio costa buenos sri lanka
    applicant applicants sir madam folks friends reviewer reviewers author world aboard
    north south east west africa america asia europe puerto city
    culture fit master scrum basic visual agile
    """.split()
)
