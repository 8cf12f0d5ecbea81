"""Hypothesis fuzzing of every form and query parameter (DESIGN.md §11): the machinery
behind tests/functional/test_fuzz.py (which lists the targets and what each must store) and
bench/fuzz.py (which runs it with 500 examples per target).

- values: hostile inputs (arbitrary unicode with control characters, NUL and bidi overrides,
  overlong text, numbers out of range, wrong types, missing and duplicated fields, invalid UTF-8,
  files and JSON where a form was expected, an XSS and SQL-injection corpus) mixed into plausible
  ones, so that most examples reach the code behind the first check. The fields of each form are
  read from its WTForms class, so a field added later is fuzzed without a change here;
- the world: an employer of each kind, a review in each state, a user of each role and the signed
  links, built with the factories, and a signed-in client per role;
- the harness: every example starts from the same rows and cookies (Snapshot, Visitors), sends
  one request (Fuzzer) and checks the answer (check_page), that nothing stored is garbage
  (garbage) and what changed (Changes, for the targets' own checks).
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from io import BytesIO
from urllib.parse import quote, urlencode

from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy import text as sql
from werkzeug.datastructures import MultiDict
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    IntegerField,
    MonthField,
    PasswordField,
    RadioField,
    SelectField,
    TextAreaField,
)
from wtforms.validators import AnyOf, DataRequired, EqualTo, InputRequired, Length, NumberRange

from accounts import services as accounts
from accounts.models import Role
from config import TestConfig
from employers.services import normalize_name
from extensions import db
from moderation.queue import pseudonym
from notifications.mail import deliver_due
from representatives import claims
from representatives.models import ContactStatus
from responses.models import ResponseStatus
from reviews.lifecycle import Answer, ReminderKind, reminder_token
from reviews.models import GuidelineReason, HoldReason, Outcome, ReviewStatus, Stage
from tests.factories import (
    ApplicationFactory,
    ApplicationStepFactory,
    ClaimFactory,
    ContactReportFactory,
    EmployerAliasFactory,
    EmployerDomainFactory,
    EmployerFactory,
    RepresentativeFactory,
    ResponseFactory,
    ReviewFactory,
    SiteParametersFactory,
    UserFactory,
)
from tests.helpers import report_review
from textnorm import has_control_characters
from timeutils import month_start, utcnow

PASSWORD = "correct horse battery"

# --- values ------------------------------------------------------------------------------------


class Missing:
    """A field left out of the request."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING = Missing()


@dataclass(frozen=True)
class Upload:
    """A file where text was expected: the request goes as multipart/form-data."""

    content: bytes = b"\x89PNG\r\n\x1a\n<script>alert(1)</script>\x00"
    filename: str = "../../etc/passwd"


# Markup that would run if a page printed it unescaped. The check is that none of these appears
# as sent in an HTML or SVG response.
XSS = (
    "<script>alert(1)</script>",
    '"><script>alert(document.cookie)</script>',
    "'><img src=x onerror=alert(1)>",
    "<svg/onload=alert(1)>",
    "</textarea><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    '<iframe src="javascript:alert(1)"></iframe>',
    '<a href="javascript:alert(1)">click</a>',
    "<scr<script>ipt>alert(1)</script>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<div style="background:url(javascript:alert(1))">',
    "<!--<script>alert(1)//-->",
)
# Text that must come back as typed: nothing here may reach SQL as code.
SQL = (
    "' OR '1'='1",
    "' OR 1=1 --",
    "'; DROP TABLE reviews; --",
    '" OR ""="',
    "admin'--",
    "' UNION SELECT email, password_hash FROM users --",
    "1; SELECT pg_sleep(5); --",
    "%",
    "_",
    "\\",
    "%%' AND '%'='",
    "\\'; --",
    "$1",
    ":name",
    "?",
    "%s",
    "%(x)s",
)
# Template and format syntax, escapes already escaped, and unicode that changes under
# normalisation, case mapping or bidi rendering.
ODD = (
    "{{ 7*7 }}",
    "{% print 7*7 %}",
    "${7*7}",
    "{0.__class__}",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;script&#62;",
    "javascript:alert(1)",
    "../../etc/passwd",
    "NULL",
    "None",
    "undefined",
    "[]",
    "{}",
    "ﷺ",
    "İstanbul",
    "ß" * 3,
    "ﬃ",
    "Ⅻ ½ ²",
    "\uff1cscript\uff1ealert(1)\uff1c/script\uff1e",
    "e\u0301" * 5,
    "\u200f\u05e9\u05dc\u05d5\u05dd\u200f",
    "\u200d\u200c\u00ad\ufeff",
    "\u2028\u2029",
    "🙂" * 4,
    "\U0001d573\U0001d58a\U0001d586\U0001d597\U0001d589",
    "\U000e0041",
)
CORPUS = XSS + SQL + ODD

CONTROL = ("\x00", "\x01", "\x07", "\x1b", "\x7f", "\x85", "\x0b", "\x0c", "\u202e", "\u2066")
# Percent-escapes of invalid UTF-8: a lone byte, an overlong "/", a UTF-8 encoded surrogate,
# Latin-1, a code point beyond U+10FFFF.
BAD_BYTES = (b"\xff", b"\xc0\xaf", b"\xed\xa0\x80", b"caf\xe9", b"\xf4\x90\x80\x80")
NUMBERS = (
    "-1",
    "0",
    "1e3",
    "1.5",
    "0x1F",
    "NaN",
    "inf",
    "-0",
    "+7",
    " 7 ",
    "007",
    "1_000",
    "9" * 40,
    "٣",
    "²",
    "\uff10",
    "Ⅻ",
)
DATES = (
    "2024-02-30",
    "9999-12-31",
    "0001-01-01",
    "0000-00-00",
    "2024-13-01",
    "+2024-01-01",
    "2024-1-1",
    "\uff12\uff10\uff12\uff14-\uff10\uff11-\uff10\uff11",
    "2024-01-01T00:00",
    "1900-01-01",
    "3000-01-01",
    "99999-01-01",
    "9999-12",
    "0001-01",
    "2024-00",
    "2024-13",
)
BOOLEANS = ("n", "false", "0", "off", "yes", "Y", "True", "on")
BLANKS = ("", " ", "\t\r\n ", "\u00a0", "\u200b", "\u3000")

_BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
ANY_CHAR = st.characters(codec="utf-8")  # everything a request can carry, NUL included
PLAIN_CHAR = st.characters(codec="utf-8", exclude_categories=("Cc", "Cs"), exclude_characters=_BIDI)


def _repeat(unit: str, length: int) -> str:
    return (unit * (length // len(unit) + 1))[:length]


def sized(low: int, high: int) -> st.SearchStrategy[str]:
    """Text of a length from low to high, cheap to draw even when long."""
    return st.builds(_repeat, st.text(PLAIN_CHAR, min_size=1, max_size=6), st.integers(low, high))


def _embedded() -> st.SearchStrategy[str]:
    return st.builds(
        "".join,
        st.tuples(
            st.text(PLAIN_CHAR, max_size=12),
            st.sampled_from(CORPUS),
            st.text(PLAIN_CHAR, max_size=12),
        ),
    )


def _lines() -> st.SearchStrategy[str]:
    return st.builds(
        lambda parts, newline: newline.join(parts),
        st.lists(
            st.one_of(st.text(PLAIN_CHAR, max_size=30), st.sampled_from(CORPUS)),
            min_size=2,
            max_size=6,
        ),
        st.sampled_from(("\n", "\r\n", "\r", "\n\n")),
    )


def text(limit: int, *, multiline: bool = False, low: int = 1) -> st.SearchStrategy[str]:
    """Plausible text for a field of at most `limit` characters: any printable unicode, the
    corpus, the corpus inside other text, and text right at the limit."""
    parts = [
        st.text(PLAIN_CHAR, min_size=low, max_size=max(low, min(limit, 40))),
        st.sampled_from(CORPUS),
        _embedded(),
        sized(max(low, limit - 2), limit),
    ]
    if multiline:
        parts.append(_lines())
    return st.one_of(parts)


def emails() -> st.SearchStrategy[str]:
    local = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._+-]{0,20}", fullmatch=True)
    domain = st.sampled_from(
        ("example.org", "Example.ORG", "exämple.org", "mail.co.uk", "xn--bcher-kva.de", "b.example")
    )
    return st.one_of(
        st.builds(lambda a, b: f"{a}@{b}", local, domain),
        st.sampled_from(("josé@exämple.org", "x@mailinator.com", "o'brien@example.org")),
    )


def past_months() -> st.SearchStrategy[str]:
    """A month from 2 to 36 months ago, as a month input sends it ("2025-01")."""
    start = month_start(date.today())
    return st.integers(2, 36).map(lambda back: _months_back(start, back).strftime("%Y-%m"))


def recent_dates() -> st.SearchStrategy[str]:
    """A date 6 to 40 days ago: after any month past_months gives, with room for a decision."""
    return st.integers(6, 40).map(lambda back: (date.today() - timedelta(days=back)).isoformat())


def _months_back(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Field:
    """How to fuzz one request field: `valid` values pass its own rules; the rest is derived."""

    valid: st.SearchStrategy
    limit: int = 200
    choices: tuple[str, ...] = ()
    low: int | None = None
    high: int | None = None
    same_as: str | None = None  # a confirmation field: valid means equal to that field
    extremes: tuple[str, ...] = ()  # edge values of the field's own kind (dates, numbers...)
    # Values to leave out: only to steer around a known bug until it is fixed (each use names
    # the xfail test that reproduces the bug).
    avoid: Callable[[object], bool] | None = None


def _with_control(draw_text: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.builds(
        lambda before, char, after: f"{before}{char}{after}",
        draw_text,
        st.sampled_from(CONTROL),
        draw_text,
    )


def hostile(spec: Field) -> st.SearchStrategy:
    """Values the field must refuse, or accept without harm: every kind, for every field."""
    short = st.text(PLAIN_CHAR, max_size=10)
    parts = [
        st.just(MISSING),
        st.sampled_from(BLANKS),
        _with_control(short),
        st.text(ANY_CHAR, max_size=30),
        st.sampled_from(CORPUS),
        sized(spec.limit + 1, 4 * spec.limit + 8),
        st.sampled_from(NUMBERS + DATES + BOOLEANS),
        st.builds(lambda before, raw: before.encode() + raw, short, st.sampled_from(BAD_BYTES)),
        st.lists(st.one_of(spec.valid, short), min_size=2, max_size=3),
    ]
    if spec.extremes:
        parts.append(st.sampled_from(spec.extremes))
    if spec.choices:
        parts.append(
            st.sampled_from(spec.choices).flatmap(
                lambda value: st.sampled_from(
                    (value.upper(), f" {value} ", f"{value}\x00", value * 50, f"Enum.{value}")
                )
            )
        )
    if spec.low is not None and spec.high is not None:
        parts.append(
            st.sampled_from(
                (str(spec.low - 1), str(spec.high + 1), str(-spec.high), str(spec.high * 10**6))
            )
        )
    strategy = st.one_of(parts)
    return strategy if spec.avoid is None else strategy.filter(lambda value: not spec.avoid(value))


def _choices(form_field) -> tuple[str, ...]:
    values = []
    for choice in form_field.choices or ():
        value = choice.value if hasattr(choice, "value") else choice[0]
        values.append("" if value is None else str(value))
    for validator in form_field.validators:
        if isinstance(validator, AnyOf):
            values.extend(str(value) for value in validator.values)
    return tuple(dict.fromkeys(values))


def spec_of(form_field) -> Field:
    """The fuzzing spec of a WTForms field, from its type and validators."""
    validators = form_field.validators
    length = next((v for v in validators if isinstance(v, Length)), None)
    limit = length.max if length is not None and length.max > 0 else 200
    low = max(length.min, 0) if length is not None else 0
    required = any(isinstance(v, DataRequired | InputRequired) for v in validators)
    for validator in validators:
        if isinstance(validator, EqualTo):
            return Field(st.nothing(), limit=limit, same_as=validator.fieldname)
    if isinstance(form_field, BooleanField):
        valid = st.just("y") if required else st.sampled_from(("y", MISSING))
        return Field(valid, extremes=BOOLEANS)
    if isinstance(form_field, RadioField | SelectField):
        choices = _choices(form_field)
        return Field(st.sampled_from(choices or ("",)), limit=40, choices=choices)
    if isinstance(form_field, IntegerField):
        bounds = next((v for v in validators if isinstance(v, NumberRange)), None)
        first = int(bounds.min) if bounds is not None and bounds.min is not None else 0
        last = int(bounds.max) if bounds is not None and bounds.max is not None else 10**6
        numbers = st.integers(first, last).map(str)
        valid = numbers if required else st.one_of(numbers, st.just(""))
        return Field(valid, limit=8, low=first, high=last, extremes=NUMBERS)
    if isinstance(form_field, MonthField):
        return Field(past_months(), limit=10, extremes=DATES)
    if isinstance(form_field, DateField):
        return Field(recent_dates(), limit=12, extremes=DATES)
    if isinstance(form_field, EmailField):
        return Field(emails(), limit=limit)
    if isinstance(form_field, PasswordField):
        return Field(st.text(PLAIN_CHAR, min_size=max(low, 10), max_size=40), limit=limit)
    multiline = isinstance(form_field, TextAreaField)
    return Field(text(limit, multiline=multiline, low=max(low, 1)), limit=limit)


def specs_of(form) -> dict[str, Field]:
    return {f.name: spec_of(f) for f in form if f.name != "csrf_token"}


EXTRA_FIELD = st.tuples(
    st.sampled_from(("id", "author_id", "role", "status", "employer_id", "🙂")),
    st.one_of(st.sampled_from(CORPUS), st.text(ANY_CHAR)),
)


def fields_data(specs: dict[str, Field], extra_fields: bool = True) -> st.SearchStrategy[dict]:
    """Plausible values for every field, with up to three of them hostile (and sometimes a field
    the form doesn't have). Shrinks towards a valid request.

    Every strategy is built here, once: building them while drawing costs more than the request.
    """
    names = sorted(specs, key=lambda name: (specs[name].same_as is not None, name))
    chosen = st.sets(st.sampled_from(names), max_size=min(3, len(names))) if names else st.just(())
    hostiles = {name: hostile(spec) for name, spec in specs.items()}
    valids = {
        name: spec.valid
        if spec.avoid is None
        else spec.valid.filter(lambda v, s=spec: not s.avoid(v))
        for name, spec in specs.items()
    }
    extra = st.one_of(st.none(), st.none(), st.none(), EXTRA_FIELD) if extra_fields else st.none()

    @st.composite
    def draw_fields(draw) -> dict:
        hostile_names = draw(chosen)
        data: dict = {}
        for name in names:
            spec = specs[name]
            if name in hostile_names:
                value = draw(hostiles[name])
            elif spec.same_as is not None:
                value = data.get(spec.same_as, MISSING)
            else:
                value = draw(valids[name])
            if value is not MISSING:
                data[name] = value
        added = draw(extra)
        if added is not None:
            data.setdefault(*added)
        return data

    return draw_fields()


# --- requests ----------------------------------------------------------------------------------


def pairs(data: dict) -> list[tuple[str, object]]:
    """(name, value) pairs, a list value standing for a field sent several times."""
    result = []
    for name, value in data.items():
        for item in value if isinstance(value, list) else [value]:
            if item is not MISSING:
                result.append((name, item))
    return result


def urlencoded(items: list[tuple[str, object]]) -> str:
    """Form or query encoding that can carry invalid UTF-8 (bytes values go as they are)."""
    return urlencode([(name, value) for name, value in items if not isinstance(value, Upload)])


def multipart(items: list[tuple[str, object]]) -> MultiDict:
    data = MultiDict()
    for name, value in items:
        if isinstance(value, Upload):
            data.add(name, (BytesIO(value.content), value.filename))
        else:
            data.add(name, value.decode("latin-1") if isinstance(value, bytes) else value)
    return data


def received(items: list[tuple[str, object]], *, as_multipart: bool = False) -> MultiDict:
    """The form as the app reads it: the same encoding parsed by Werkzeug."""
    if as_multipart:
        builder = EnvironBuilder(method="POST", data=multipart(items))
    else:
        builder = EnvironBuilder(
            method="POST",
            data=urlencoded(items),
            content_type="application/x-www-form-urlencoded",
        )
    return Request(builder.get_environ()).form


def strings_in(items: list[tuple[str, object]]) -> Iterator[str]:
    for name, value in items:
        yield name
        if isinstance(value, str):
            yield value
        elif isinstance(value, bytes):
            yield value.decode("utf-8", "replace")


def path_value(value) -> str:
    """A drawn value as one path segment."""
    if isinstance(value, bytes):
        return quote(value, safe="")
    if isinstance(value, list):
        value = value[0] if value else ""
    if isinstance(value, Upload | Missing):
        value = ""
    return quote(str(value), safe="")


def payloads_in(sent: Iterator[str]) -> set[str]:
    """The XSS corpus entries inside what was sent (each must never come back unescaped)."""
    found = set()
    for value in sent:
        found.update(payload for payload in XSS if payload in value)
    return found


_TAG = re.compile(r"<[^>]*>")


def visible_text(html: str) -> str:
    return " ".join(_TAG.sub(" ", html).split())


# --- the world ---------------------------------------------------------------------------------

ROLES = ("anonymous", "candidate", "author", "rep_a", "rep_b", "moderator", "admin")
NARRATIVE = (
    "After the final round the recruiter said we would hear within a week. I followed up twice "
    "by email and heard nothing."
)
ADVICE = "Tell candidates when a role is filled."
RESPONSE = "We are sorry: the role was paused and we failed to tell the finalists."


@dataclass
class World:
    """Ids, slugs and signed links of the objects every target needs (built by build_world)."""

    emails: dict[str, str]
    users: dict[str, int]
    values: dict[str, object] = field(default_factory=dict)

    def __getitem__(self, name: str):
        return self.values[name]


def _link_in(outbox: list, marker: str) -> str:
    for message in reversed(outbox):
        for link in re.findall(r"https?://\S+", message.get_content()):
            if marker in link:
                return link.rsplit("/", 1)[1]
    raise AssertionError(f"no {marker} link was sent")


def build_world(app) -> World:
    """Employers A (reviewed, represented, with a domain), B (no domain) and C (a domain, for
    claims); the author's reviews in every state; users of every role; the signed links."""

    password_hash = accounts.hash_password(PASSWORD)
    roles = {
        "candidate": Role.candidate,
        "author": Role.candidate,
        "rep_a": Role.candidate,
        "rep_b": Role.candidate,
        "moderator": Role.moderator,
        "admin": Role.admin,
        "newcomer": Role.candidate,
    }
    users = {
        name: UserFactory(
            email=f"{name.replace('_', '.')}@example.org",
            password_hash=password_hash,
            role=role,
            email_verified_at=None if name == "newcomer" else utcnow(),
        )
        for name, role in roles.items()
    }
    names = {"a": "Quibblewick Widgets", "b": "Fenwright Logistics", "c": "Brambleton Bakery"}
    employers = {
        key: EmployerFactory(name=name, normalized_name=normalize_name(name), slug=slug)
        for key, name in names.items()
        for slug in [name.lower().replace(" ", "-")]
    }
    a, b, c = employers["a"], employers["b"], employers["c"]
    EmployerDomainFactory(employer_id=a.id, domain="quibblewick.com")
    EmployerDomainFactory(employer_id=c.id, domain="brambleton.co.uk")
    EmployerAliasFactory(
        employer_id=a.id,
        name="Quibblewick Old",
        normalized_name="quibblewick old",
        slug="quibblewick-old",
    )
    SiteParametersFactory()
    author = users["author"]
    contact = date.today() - timedelta(days=40)

    def review(employer, months_back: int, **values):
        month = _months_back(month_start(contact), months_back)
        return ReviewFactory(
            author=author,
            employer_id=employer.id,
            process_month=month,
            last_contact_on=max(contact, month),
            narrative=NARRATIVE,
            advice=ADVICE,
            **values,
        )

    main = review(a, 0, stage=Stage.final, outcome=Outcome.waiting)
    contacted = review(a, 1, stage=Stage.interview, outcome=Outcome.ghosted)
    held = review(
        a, 2, status=ReviewStatus.held, hold_reason=HoldReason.suspected_name, published_at=None
    )
    hidden = review(b, 0, status=ReviewStatus.hidden, hidden_reason=GuidelineReason.abusive)
    burst = review(b, 1, burst_capped_at=utcnow())
    rep_a = RepresentativeFactory(user_id=users["rep_a"].id, employer_id=a.id)
    RepresentativeFactory(user_id=users["rep_b"].id, employer_id=b.id)
    ResponseFactory(review_id=main.id, employer_id=a.id, body=RESPONSE)
    ResponseFactory(
        review_id=contacted.id, employer_id=a.id, body=RESPONSE, status=ResponseStatus.held
    )
    ResponseFactory(
        review_id=burst.id,
        employer_id=b.id,
        body=RESPONSE,
        status=ResponseStatus.hidden,
        hidden_reason=GuidelineReason.spam,
    )
    ContactReportFactory(
        review_id=contacted.id,
        representative_id=rep_a.id,
        status=ContactStatus.pending,
        created_at=utcnow(),
    )
    awaiting = ClaimFactory(
        awaiting=True,
        user_id=users["candidate"].id,
        employer_id=b.id,
        email="someone@fenwright.de",
        email_domain="fenwright.de",
    )
    # Emailed below, through the service, so that the link carries a real nonce.
    emailed = ClaimFactory(
        user_id=users["candidate"].id,
        employer_id=c.id,
        email="jane@brambleton.co.uk",
        email_domain="brambleton.co.uk",
        nonce=None,
        emailed_at=None,
    )
    flag, notice = report_review(main, users["rep_b"])
    # The author's private tracker (DESIGN.md §12): one application with a step.
    application = ApplicationFactory(
        user_id=author.id, employer_id=a.id, notes="Private tracker note", role_title="Analyst"
    )
    step = ApplicationStepFactory(application_id=application.id, note="Private step note")

    outbox = app.extensions.setdefault("mail_outbox", [])
    with app.test_request_context():
        claims.send_link(emailed, c)
        accounts.send_verification(users["newcomer"])
        accounts.request_password_reset(users["candidate"].email)
        accounts.request_email_change(users["author"], "author.new@example.org")
        db.session.commit()
        deliver_due()  # the services queue their emails (notifications.mail)
        tokens = {
            "claim_token": _link_in(outbox, "/claims/verify/"),
            "verify_token": _link_in(outbox, "/verify-email/"),
            "reset_token": _link_in(outbox, "/reset-password/"),
            "email_token": _link_in(outbox, "/account/email/"),
            "reminder_token": reminder_token(main.public_id, Answer.nothing, ReminderKind.timeline),
        }
        author_pseudonym = pseudonym(author.id)
    outbox.clear()
    return World(
        emails={name: user.email for name, user in users.items()},
        users={name: user.id for name, user in users.items()},
        values={
            "slug_a": a.slug,
            "slug_b": b.slug,
            "slug_c": c.slug,
            "employer_a": a.id,
            "employer_b": b.id,
            "review": main.public_id,
            "review_id": main.id,
            "contacted": contacted.public_id,
            "contacted_id": contacted.id,
            "held": held.public_id,
            "hidden": hidden.public_id,
            "burst": burst.public_id,
            "rep_a": rep_a.id,
            "claim_awaiting": awaiting.id,
            "claim_emailed": emailed.id,
            "flag": flag.id,
            "notice": notice.id,
            "pseudonym": author_pseudonym,
            "application": application.id,
            "step": step.id,
            "narrative": NARRATIVE,
            "taken_months": tuple(
                item.process_month.strftime("%Y-%m") for item in (contacted, held)
            ),
            "response": RESPONSE,
            **tokens,
        },
    )


def fuzz_settings() -> dict[str, object]:
    """App settings for fuzzing: every rate limit out of reach (the fuzzer sends thousands of
    requests, and a 429 would stop it reaching the code it is fuzzing; the limits have tests of
    their own), and signed links that outlive a long benchmark run. The limits stay enabled, so
    their key functions still see every hostile value."""
    limits = {
        name: "1000000 per minute"
        for name in dir(TestConfig)
        if name.startswith("RATELIMIT_")
        and isinstance(getattr(TestConfig, name), str)
        and " per " in getattr(TestConfig, name)
    }
    return {**limits, "PASSWORD_RESET_MAX_AGE": 7 * 24 * 3600}


# --- the database before and after an example --------------------------------------------------


def _rows() -> dict[str, dict[tuple, dict]]:
    db.session.rollback()
    rows = {}
    for table in db.metadata.sorted_tables:
        key = [column.name for column in table.primary_key.columns]
        rows[table.name] = {
            tuple(row[name] for name in key): dict(row)
            for row in db.session.execute(table.select()).mappings()
        }
    db.session.rollback()
    return rows


@dataclass
class Changes:
    """What an example changed in the database, table by table."""

    before: dict[str, dict[tuple, dict]]
    after: dict[str, dict[tuple, dict]]

    @property
    def tables(self) -> list[str]:
        return [name for name in self.after if self.after[name] != self.before[name]]

    def new(self, table: str) -> list[dict]:
        return [row for key, row in self.after[table].items() if key not in self.before[table]]

    def gone(self, table: str) -> list[dict]:
        return [row for key, row in self.before[table].items() if key not in self.after[table]]

    def changed(self, table: str) -> list[tuple[dict, dict]]:
        before = self.before[table]
        return [
            (before[key], row)
            for key, row in self.after[table].items()
            if key in before and before[key] != row
        ]

    def row(self, table: str, key: int) -> dict | None:
        return self.after[table].get((key,))

    def only(self, *tables: str) -> None:
        others = sorted(set(self.tables) - set(tables))
        assert not others, f"unexpected changes in {others}: {self.describe(others)}"

    def describe(self, tables: list[str] | None = None) -> str:
        lines = []
        for table in tables if tables is not None else self.tables:
            lines += [f"{table} +{row!r}" for row in self.new(table)]
            lines += [f"{table} -{row!r}" for row in self.gone(table)]
            for old, new in self.changed(table):
                diff = {name: (old[name], new[name]) for name in new if old[name] != new[name]}
                lines.append(f"{table} ~{diff!r}")
        return "\n".join(line[:600] for line in lines)

    def __bool__(self) -> bool:
        return bool(self.tables)


class Snapshot:
    """Every row of every table: compared with after each example, and put back (rows and ids)
    so that examples can't interfere. Works on SQLite and PostgreSQL alike."""

    def __init__(self) -> None:
        self.rows = _rows()

    def changes(self) -> Changes:
        return Changes(self.rows, _rows())

    def restore(self, changed: list[str] | None = None) -> None:
        """Put back the tables that changed (all of them if None), and every table that refers
        to one of them: deleting a row may have cascaded there."""
        db.session.rollback()
        tables = _with_referrers(changed)
        for table in reversed(tables):
            db.session.execute(table.delete())
        for table in tables:
            # Generated columns (e.g. employer_stats.shown_score) compute themselves.
            columns = [column.name for column in table.columns if column.computed is None]
            rows = [{name: row[name] for name in columns} for row in self.rows[table.name].values()]
            if rows:
                db.session.execute(table.insert(), rows)
        if db.engine.dialect.name == "postgresql":
            _catch_up_sequences(tables)
        db.session.commit()
        db.session.expire_all()


def _with_referrers(names: list[str] | None) -> list:
    tables = db.metadata.sorted_tables
    if names is None:
        return tables
    wanted, grew = set(names), True
    while grew:
        grew = False
        for table in tables:
            if table.name not in wanted and any(
                key.column.table.name in wanted for key in table.foreign_keys
            ):
                wanted.add(table.name)
                grew = True
    return [table for table in tables if table.name in wanted]


def _catch_up_sequences(tables: list) -> None:
    """Rows put back with their ids leave PostgreSQL's sequences behind them."""
    for table in tables:
        key = list(table.primary_key.columns)
        if len(key) == 1 and key[0].autoincrement in (True, "auto") and not key[0].foreign_keys:
            highest = db.session.scalar(select(func.max(key[0])))
            if highest:
                db.session.execute(
                    sql("SELECT setval(pg_get_serial_sequence(:t, :c), :v)"),
                    {"t": table.name, "c": key[0].name, "v": highest},
                )


def garbage(changes: Changes) -> list[str]:
    """Stored values no form should ever let through: control characters (tab and line breaks
    aside) and bidi overrides anywhere, including inside JSON, and text longer than its column
    (SQLite doesn't enforce VARCHAR lengths)."""
    problems = []
    for table in db.metadata.sorted_tables:
        if table.name not in changes.tables:
            continue
        rows = changes.new(table.name) + [new for _, new in changes.changed(table.name)]
        for row in rows:
            for column in table.columns:
                value = row[column.name]
                for where, item in _strings(column.name, value):
                    if has_control_characters(item, multiline=True):
                        problems.append(f"{table.name}.{where} has control characters: {item!r}")
                length = getattr(column.type, "length", None)
                if isinstance(value, str) and length and len(value) > length:
                    problems.append(f"{table.name}.{column.name} is {len(value)} > {length} long")
    return problems


def _strings(where: str, value) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(f"{where}.{key}", key)
            yield from _strings(f"{where}.{key}", item)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _strings(f"{where}[{index}]", item)


# --- targets and examples ----------------------------------------------------------------------


def no_fields(world: World) -> dict[str, Field]:
    return {}


def redirected(response) -> bool:
    return response.status_code in (302, 303)


@dataclass
class Example:
    """One request the fuzzer sent and what came of it, for a target's checks."""

    world: World
    form: MultiDict  # as the app parsed it
    query: MultiDict
    response: object
    changes: Changes

    def typed(self, name: str) -> str | None:
        """The value a form field reads (WTForms takes the first of several)."""
        values = self.form.getlist(name)
        return values[0] if values else None


def stores_nothing(example: Example) -> None:
    example.changes.only()


def shows_nothing(example: Example) -> list[tuple[str, str]]:
    return []


@dataclass(frozen=True)
class Target:
    """A route and the parameters to fuzz on it.

    `paths` are templates over the world's values ("/reviews/{review}/flag"), one drawn per
    example; `segments` names the values to fuzz instead. `form` builds the WTForms form whose
    fields are fuzzed (their specs are read from it); `fields` adds fields it doesn't declare or
    overrides a spec with values that need the world. `done` says whether a response is a
    success; after one, `stored` checks what was stored (it receives the Example) and `shown`
    lists (role, path) pages that show it, which are fetched and checked too. After anything
    else, nothing may have changed (unless `writes`).
    """

    name: str
    role: str
    paths: tuple[str, ...]
    method: str = "POST"
    form: Callable[[World], object] | None = None
    fields: Callable[[World], dict[str, Field]] = no_fields
    query: Callable[[World], dict[str, Field]] = no_fields
    segments: Callable[[World], dict[str, Field]] = no_fields
    headers: Callable[[World], dict[str, Field]] = no_fields
    done: Callable[[object], bool] = redirected
    stored: Callable[[Example], None] = stores_nothing
    shown: Callable[[Example], list[tuple[str, str]]] = shows_nothing
    viewers: tuple[str, ...] = ()
    writes: bool = False

    @property
    def roles(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((self.role, *self.viewers)))


@dataclass
class Drawn:
    form: dict
    query: dict
    segments: dict
    headers: dict
    csrf: str  # "valid", "missing" or "forged"
    path: str  # one of the target's path templates
    body: str = "form"  # see BODIES
    typed: dict = field(default_factory=dict)  # "file": fields sent as files; "json": JSON values


# How a POST's fields travel. A browser sends "form" or "multipart"; "file" puts a file where a
# field was, "json" sends a JSON object (with the CSRF token in a header) whose values may be
# numbers, lists, objects or null. Flask-WTF reads all four.
BODIES = ("form", "multipart", "file", "json")
JSON_JUNK = st.one_of(
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
    st.lists(st.one_of(st.integers(), st.text(max_size=5), st.none()), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


def json_value(value):
    if isinstance(value, bytes):
        return value.decode("latin-1")
    if isinstance(value, list):
        return [json_value(item) for item in value if item is not MISSING]
    return value


# --- signed-in clients -------------------------------------------------------------------------

_CSRF = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)


def _csrf_token(client, path: str) -> str:
    body = client.get(path).get_data(as_text=True)
    found = _CSRF.search(body)
    assert found, f"no csrf_token on {path}"
    return next(group for group in found.groups() if group)


class Visitors:
    """A test client per role, signed in through the real form, with its CSRF token; its session
    cookie is put back before each example (the session records are in the snapshot)."""

    def __init__(self, app, world: World, roles: tuple[str, ...]):
        self.cookie_name = app.config["SESSION_COOKIE_NAME"]
        self.clients = {}
        for role in roles:
            client = app.test_client()
            if role != "anonymous":
                token = _csrf_token(client, "/sign-in")
                response = client.post(
                    "/sign-in",
                    data={"email": world.emails[role], "password": PASSWORD, "csrf_token": token},
                )
                assert response.status_code == 302, f"{role} could not sign in"
            token = _csrf_token(client, "/sign-in" if role == "anonymous" else "/account")
            cookie = client.get_cookie(self.cookie_name)
            self.clients[role] = (client, token, cookie.value if cookie else None)

    def client(self, role: str):
        client, token, _ = self.clients[role]
        return client, token

    def reset(self) -> None:
        for client, _, cookie in self.clients.values():
            if cookie is None:
                client.delete_cookie(self.cookie_name)
            else:
                client.set_cookie(self.cookie_name, cookie)


# --- running examples --------------------------------------------------------------------------

ERROR_MARKERS = ('class="field-error"', 'class="form-errors"', 'role="alert"')
_SCRIPT_URL = re.compile(r"""(?:href|src|action|formaction)\s*=\s*["']?\s*javascript:""", re.I)


def check_page(response, payloads: set[str], where: str) -> None:
    """Whatever a response is, it is whole and harmless: no sent markup comes back unescaped; a
    refusal is a page that says something (and a 422 says what to fix); JSON parses."""
    status, mimetype = response.status_code, response.mimetype
    body = response.get_data(as_text=True)
    if mimetype in ("text/html", "image/svg+xml"):
        for payload in payloads:
            assert payload not in body, f"{where}: {payload!r} is in the page unescaped"
        assert not _SCRIPT_URL.search(body), f"{where}: a javascript: address in the page"
    if mimetype == "text/html" and (status == 200 or 400 <= status < 500):
        assert "</html>" in body, f"{where}: answered {status} with a partial page"
        main = body.split("<main", 1)[-1].split("</main>", 1)[0]
        assert len(visible_text(main)) >= 20, f"{where}: answered {status} with an empty page"
        if status == 422:
            assert any(marker in body for marker in ERROR_MARKERS), (
                f"{where}: answered 422 without saying what is wrong"
            )
    if mimetype == "application/json":
        data = json.loads(body)
        if status >= 400:
            assert isinstance(data, dict) and "error" in data, f"{where}: {status} without error"


class ErrorLog(logging.Handler):
    """The tracebacks the app logged during one request, for the failure message."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.setFormatter(logging.Formatter("%(name)s: %(message)s"))
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(self.format(record))

    def text(self) -> str:
        return "\n".join(self.records) or "(nothing logged)"


@dataclass
class Stats:
    """What one target's run saw (bench/fuzz.py tabulates these)."""

    target: str
    examples: int = 0
    statuses: Counter = field(default_factory=Counter)
    server_errors: int = 0
    stored: int = 0
    seconds: float = 0.0
    failed: bool = False

    def as_dict(self) -> dict:
        return {
            "target": self.target,
            "examples": self.examples,
            "statuses": {str(code): count for code, count in sorted(self.statuses.items())},
            "max_status": max(self.statuses, default=0),
            "server_errors": self.server_errors,
            "stored": self.stored,
            "seconds": round(self.seconds, 2),
            "failed": self.failed,
        }


def _header_value(value) -> str:
    """A drawn value as an HTTP server would hand it on: UTF-8 bytes read as Latin-1, without the
    CR, LF and NUL no server lets through."""
    if isinstance(value, list):
        value = value[0] if value else ""
    if isinstance(value, Upload | Missing):
        value = ""
    raw = value if isinstance(value, bytes) else str(value).encode()
    return raw.decode("latin-1").translate({13: None, 10: None, 0: None})


class Site:
    """The app with its world, a signed-in client for every role and the snapshot, shared by the
    targets: each example puts the rows and the cookies back, so sharing is safe and saves
    building the world and signing in for every target."""

    def __init__(self, app):
        self.app = app
        self.world = build_world(app)
        self.visitors = Visitors(app, self.world, ROLES)
        self.snapshot = Snapshot()

    def reset(self) -> None:
        self.snapshot.restore()
        self.visitors.reset()
        self.app.extensions.setdefault("mail_outbox", []).clear()


class Fuzzer:
    """One target on the shared site: `requests()` is the strategy and `run()` sends one drawn
    request and checks everything about its outcome."""

    def __init__(self, site: Site, target: Target):
        self.site, self.app, self.target = site, site.app, target
        self.world, self.visitors, self.snapshot = site.world, site.visitors, site.snapshot
        with self.app.test_request_context():
            form = target.form(self.world) if target.form is not None else None
            self.form_specs = specs_of(form) if form is not None else {}
        self.form_specs.update(target.fields(self.world))
        self.segment_specs = target.segments(self.world)
        self.stats = Stats(target.name)
        self.errors = ErrorLog()
        logging.getLogger().addHandler(self.errors)
        site.reset()

    def close(self) -> None:
        logging.getLogger().removeHandler(self.errors)

    def requests(self, bodies: tuple[str, ...] = ("form", "form", "form", "multipart")):
        """The strategy: a whole request. `bodies` are the encodings a POST may use (BODIES)."""
        target, world = self.target, self.world
        posting = target.method == "POST"
        form = fields_data(self.form_specs) if posting else st.just({})
        query = fields_data(target.query(world))
        segments = fields_data(self.segment_specs, extra_fields=False)
        headers = fields_data(target.headers(world), extra_fields=False)
        csrf = st.sampled_from(("valid",) * 8 + ("missing", "forged")) if posting else st.just("")
        path = st.sampled_from(target.paths)
        body = st.sampled_from(bodies) if posting else st.just("form")
        names = st.sampled_from(sorted(self.form_specs) or ["junk"])
        files = st.sets(names, min_size=1).map(lambda chosen: dict.fromkeys(chosen, Upload()))
        junk = st.dictionaries(names, JSON_JUNK, max_size=3)

        @st.composite
        def draw(draw):
            drawn = Drawn(
                form=draw(form),
                query=draw(query),
                segments=draw(segments),
                headers=draw(headers),
                csrf=draw(csrf),
                path=draw(path),
                body=draw(body),
            )
            if drawn.body == "file":
                drawn.typed = draw(files)
            elif drawn.body == "json":
                drawn.typed = draw(junk)
            return drawn

        return draw()

    def run(self, drawn: Drawn) -> None:
        started = time.perf_counter()
        self.stats.examples += 1
        self._changed: list[str] | None = None  # None: unknown, put everything back
        try:
            self._run(drawn)
        finally:
            if self._changed is None or self._changed:
                self.snapshot.restore(self._changed)
            self.visitors.reset()
            self.app.extensions.setdefault("mail_outbox", []).clear()
            self.stats.seconds += time.perf_counter() - started

    def _send(self, drawn: Drawn):
        """Send the drawn request. Returns (response, the fields as sent, the form as the app
        reads it, a description for messages)."""
        target = self.target
        client, token = self.visitors.client(target.role)
        segments = dict.fromkeys(self.segment_specs, "")  # a segment left out: empty
        segments.update({name: path_value(value) for name, value in drawn.segments.items()})
        path = drawn.path.format(**{**self.world.values, **segments})
        items = pairs(drawn.form)
        csrf = {"valid": token, "forged": token[::-1]}.get(drawn.csrf)
        path, _, fixed = path.partition("?")
        query = "&".join(part for part in (fixed, urlencoded(pairs(drawn.query))) if part)
        headers = {name: _header_value(value) for name, value in drawn.headers.items()}
        where = f"{target.method} {path}" + (f"?{query}" if query else "")
        where += f" ({drawn.body})" if target.method == "POST" else ""
        self.errors.records.clear()
        send = {"path": path, "query_string": query, "headers": headers}
        if target.method == "GET":
            return client.get(**send), items, MultiDict(), where
        if drawn.body == "json":
            payload = {name: json_value(value) for name, value in drawn.form.items()}
            payload.update(drawn.typed)
            if csrf:
                headers["X-CSRFToken"] = csrf
            response = client.post(**send, json=payload)
            return response, items, MultiDict(payload), where
        if csrf:
            items.append(("csrf_token", csrf))
        if drawn.body == "form":
            response = client.post(
                **send, data=urlencoded(items), content_type="application/x-www-form-urlencoded"
            )
            return response, items, received(items), where
        files = [(name, upload) for name, upload in drawn.typed.items()]
        kept = [(name, value) for name, value in items if name not in drawn.typed]
        response = client.post(**send, data=multipart(kept + files))
        return response, items, received(kept, as_multipart=True), where

    def _run(self, drawn: Drawn) -> None:
        target = self.target
        response, items, form, where = self._send(drawn)
        status = response.status_code
        self.stats.statuses[status] += 1
        if status >= 500:
            self.stats.server_errors += 1
        assert status < 500, f"{where} answered {status}\n{self.errors.text()}"
        sent = items + pairs(drawn.query) + pairs(drawn.segments)
        payloads = payloads_in(strings_in(sent))
        check_page(response, payloads, where)
        changes = self.snapshot.changes()
        self._changed = changes.tables
        problems = garbage(changes)
        assert not problems, f"{where} stored garbage:\n" + "\n".join(problems)
        query = Request(EnvironBuilder(query_string=urlencoded(pairs(drawn.query))).get_environ())
        example = Example(self.world, form, query.args, response, changes)
        if not target.done(response):
            assert target.writes or not changes, (
                f"{where} answered {status} but changed:\n{changes.describe()}"
            )
            return
        if changes:
            self.stats.stored += 1
        if drawn.body != "json":  # what a JSON value "typed" means is up to the app
            target.stored(example)
        pages = target.shown(example)
        for role, page in pages:
            client, _ = self.visitors.client(role)
            shown = client.get(page)
            assert shown.status_code == 200, f"GET {page} as {role}: {shown.status_code}"
            check_page(shown, payloads, f"GET {page} as {role} after {where}")
        if pages:
            self._changed = None  # in case a page wrote something, put everything back
            assert _rows() == changes.after, f"showing what {where} stored changed the database"
