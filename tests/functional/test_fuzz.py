"""Fuzzing every form and every query parameter with hypothesis (DESIGN.md §11).

Each target below is a route: a POST with its form (the fields are read from the WTForms class,
see tests/fuzzing.py) or a GET with its query-string, path or header parameters. Every example
sends hostile values mixed into plausible ones, then checks:

- the answer is below 500, and it is a whole page: a refusal says something, a 422 says what to
  fix, JSON parses;
- no XSS payload that was sent comes back unescaped in HTML or SVG (nor any javascript: link);
- no stored garbage: nothing stored holds control characters or overflows its column; after a
  success, what was stored equals what was typed after the documented normalisation (trimming,
  line breaks as LF, email normal form, the scrubber) and nothing else changed; after anything
  else, nothing changed at all. Pages that show what was stored are fetched and checked too.

Every example starts from the same database rows and session cookies (tests/fuzzing.Snapshot),
so examples can't interfere. HEARDBACK_FUZZ_EXAMPLES sets the number of examples per target
(a few by default; `python bench/fuzz.py` runs 500 each with a random seed).
"""

from __future__ import annotations

import json
import os
from datetime import date, datetime, timedelta

import pytest
from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.forms import (
    ChangeEmailForm,
    ChangePasswordForm,
    DeleteAccountForm,
    ResetPasswordForm,
    ResetRequestForm,
    SignInForm,
    SignUpForm,
)
from accounts.models import Role
from accounts.services import normalize_email
from applications import transfer
from applications.forms import (
    ApplicationForm,
    ImportMappingForm,
    ImportUploadForm,
    RemindersForm,
    StatusForm,
    StepForm,
)
from employers.forms import NewEmployerForm
from employers.models import Employer, Industry, SizeBand
from employers.services import MAX_PAGE, normalize_domain, normalize_name
from extensions import db
from forms import ConfirmForm, clean_text
from moderation.action_forms import (
    HideForm,
    NoteForm,
    ReasonForm,
    RedactForm,
    RedactResponseForm,
    SuspendForm,
)
from moderation.actions import REDACTION_MARK, clean_span
from moderation.bulk_forms import BulkDismissForm, BulkPublishForm
from moderation.flag_forms import FlagForm
from moderation.forms import RefuseClaimForm
from moderation.merge_forms import MergeForm, slug_from
from moderation.models import AuditAction
from moderation.notice_forms import LegalNoticeForm, NoticeAnswerForm
from proofs.forms import DomainDecisionForm, ProofForm
from representatives.claims import parse_address
from representatives.contact_reports import contact_outcomes
from representatives.dashboard_forms import CommitmentForm, EmployerForm, NotifyForm
from representatives.forms import ClaimForm
from representatives.team_forms import InvitationForm, InviteForm, MemberForm
from responses.forms import ResponseForm, normalise_text
from responses.services import prepare as prepare_response
from reviews.contact_forms import ContactAnswerForm
from reviews.fields import FREE_TEXT_FIELDS
from reviews.forms import ReviewForm, parse_month
from reviews.models import Outcome, Stage
from reviews.services import prepare as prepare_review
from tests.conftest import (
    HeardBackTestClient,
    _empty_all_tables,
    _is_sqlite_memory,
    _prepare_schema,
    make_app,
)
from tests.fuzzing import (
    CORPUS,
    DATES,
    NUMBERS,
    PASSWORD,
    Drawn,
    Example,
    Field,
    Fuzzer,
    Site,
    Target,
    Upload,
    emails,
    fuzz_settings,
    past_months,
    recent_dates,
    sized,
    text,
)

EXAMPLES = int(os.environ.get("HEARDBACK_FUZZ_EXAMPLES", "15"))
# bench/fuzz.py sets a seed (and passes it to hypothesis); the suite is derandomized.
SEEDED = bool(os.environ.get("HEARDBACK_FUZZ_SEED"))
STATS = os.environ.get("HEARDBACK_FUZZ_STATS")  # a file each target appends its counts to
# How POST bodies are encoded (tests/fuzzing.BODIES): mostly forms, as browsers send them.
BODIES = ("form", "form", "form", "multipart", "file", "json")

# --- what success stored -----------------------------------------------------------------------


def _user(example: Example, role: str) -> dict:
    return example.changes.after["users"][(example.world.users[role],)]


def _password_is(password_hash: str, password: str | None) -> bool:
    try:
        return PasswordHasher().verify(password_hash, password or "")
    except VerificationError:
        return False


def _one(rows: list[dict], what: str) -> dict:
    assert len(rows) == 1, f"expected one new {what}, got {len(rows)}"
    return rows[0]


def _value(item):
    return item.value if hasattr(item, "value") else item


def _signed_up(example: Example) -> None:
    example.changes.only("users")
    email = normalize_email(example.typed("email").strip())
    new = example.changes.new("users")
    if email in example.world.emails.values():
        assert not new, "a second account for an address that has one"
        return
    user = _one(new, "user")
    assert user["email"] == email
    assert _password_is(user["password_hash"], example.typed("password"))
    assert user["email_verified_at"] is None and _value(user["role"]) == Role.candidate.value


def _signed_in(example: Example) -> None:
    example.changes.only("login_sessions")
    session = _one(example.changes.new("login_sessions"), "session")
    email = normalize_email(example.typed("email").strip())
    role = next(role for role, address in example.world.emails.items() if address == email)
    assert session["user_id"] == example.world.users[role]
    assert example.typed("password") == PASSWORD
    location = example.response.headers["Location"]
    assert location.startswith("/") and not location.startswith("//") and "\\" not in location


def _password_changed(role: str):
    def check(example: Example) -> None:
        example.changes.only("users", "login_sessions")
        assert _password_is(_user(example, role)["password_hash"], example.typed("password"))
        sessions = [
            row
            for row in example.changes.after["login_sessions"].values()
            if row["user_id"] == example.world.users[role]
        ]
        assert len(sessions) == 1, "other sessions survived a password change"

    return check


def _account_deleted(example: Example) -> None:
    author = example.world.users["author"]
    assert [row["id"] for row in example.changes.gone("users")] == [author]
    left = [row for row in example.changes.after["reviews"].values() if row["author_id"] == author]
    assert not left
    kept = [row for _, row in example.changes.changed("reviews") if row["author_id"] is None]
    if example.typed("reviews") == "keep":
        assert not example.changes.gone("reviews") and kept
    else:
        assert example.changes.gone("reviews") and not kept


def _typed_date(example: Example, name: str, pattern: str):
    # DateField and MonthField join the values of a field sent several times.
    return datetime.strptime(" ".join(example.form.getlist(name)), pattern).date()


def _review_as_typed(example: Example, row: dict, author_email: str) -> None:
    typed = example.typed
    assert _value(row["stage"]) == typed("stage")
    assert _value(row["outcome"]) == typed("outcome")
    # The month field also takes "10/2026" or "October 2026" (reviews.forms.parse_month).
    assert row["process_month"] == parse_month(" ".join(example.form.getlist("process_month")))
    assert row["last_contact_on"] == _typed_date(example, "last_contact_on", "%Y-%m-%d")
    for name in ("decision_days", "promised_days", "followups_sent", "followups_answered"):
        if row[name] is not None:
            assert row[name] == int(typed(name).strip()), name
    for name in ("interview_rounds", "hours_invested"):
        raw = (typed(name) or "").strip()
        assert row[name] == (int(raw) if raw else None), name
    assert row["country"] == (typed("country") or None)
    # The form's filters: textnorm.clean (invisible characters gone), then trimming.
    texts = {name: clean_text(typed(name) or "").strip() or None for name in FREE_TEXT_FIELDS}
    author = type("Author", (), {"email": author_email})
    expected = prepare_review(texts, author).values
    for name in FREE_TEXT_FIELDS:
        assert row[name] == expected[name], f"{name}: stored {row[name]!r}, typed {texts[name]!r}"


def _review_written(example: Example) -> None:
    example.changes.only("reviews", "review_revisions", "employer_stats")
    row = _one(example.changes.new("reviews"), "review")
    assert row["author_id"] == example.world.users["candidate"]
    assert row["employer_id"] == example.world["employer_b"]
    _review_as_typed(example, row, example.world.emails["candidate"])
    _one(example.changes.new("review_revisions"), "revision")


def _authored(row: dict) -> dict:
    """A review row as its author last wrote it: a published review's change waits in
    pending_values (DESIGN.md §5.8)."""
    data = row.get("pending_values")
    if data is None:
        return row
    from reviews.pending import from_json

    return {**row, **from_json(json.loads(data) if isinstance(data, str) else data)}


def _review_updated(example: Example) -> None:
    example.changes.only("reviews", "review_revisions", "employer_stats", "contact_reports")
    row = _authored(example.changes.row("reviews", example.world["review_id"]))
    _review_as_typed(example, row, example.world.emails["author"])
    _one(example.changes.new("review_revisions"), "revision")


def _new_review_shown(example: Example) -> list[tuple[str, str]]:
    public_id = example.changes.new("reviews")[0]["public_id"]
    return [
        ("candidate", "/me"),
        ("candidate", f"/reviews/{public_id}"),
        ("moderator", f"/moderation/reviews/{public_id}"),
    ]


def _employer_added(example: Example) -> None:
    example.changes.only("employers", "employer_stats", "employer_domains")
    row = _one(example.changes.new("employers"), "employer")
    name = " ".join(example.typed("name").split())
    assert row["name"] == name
    assert row["normalized_name"] == normalize_name(name)
    assert row["country"] == ((example.typed("country") or "").strip().upper() or None)
    assert _value(row["industry"]) == ((example.typed("industry") or "").strip() or None)
    domains = [item["domain"] for item in example.changes.new("employer_domains")]
    website = (example.typed("website") or "").strip()
    assert domains == ([normalize_domain(website)] if website else [])


def _employer_shown(example: Example) -> list[tuple[str, str]]:
    slug = example.changes.new("employers")[0]["slug"]
    # Unlisted until its first review is published (DESIGN.md §5.8): its creator sees it.
    return [
        ("candidate", f"/employers/{slug}"),
        ("anonymous", "/employers?sort=recent"),
        ("candidate", f"/reviews/new?employer={slug}"),
    ]


def _flagged(what: str):
    def check(example: Example) -> None:
        example.changes.only("flags")
        row = _one(example.changes.new("flags"), "flag")
        assert _value(row["reason"]) == example.typed("reason")
        assert row["explanation"] == normalise_text(example.typed("explanation"))
        assert row["reporter_id"] == example.world.users["candidate"]
        assert (row["review_id"] if what == "review" else row["response_id"]) is not None

    return check


def _moderator_sees(key: str = "review", *, queue: bool = False):
    """The review's moderation page (flags, notices, the audit log's reasons), and the queue."""

    def shown(example: Example) -> list[tuple[str, str]]:
        pages = [("moderator", f"/moderation/reviews/{example.world[key]}")]
        return [*pages, ("moderator", "/moderation")] if queue else pages

    return shown


def _notice_sent(example: Example) -> None:
    example.changes.only("legal_notices")
    row = _one(example.changes.new("legal_notices"), "notice")
    assert row["notifier_name"] == example.typed("name").strip()
    assert row["notifier_email"] == normalize_email(example.typed("email").strip())
    assert row["legal_basis"] == example.typed("legal_basis")
    assert row["explanation"] == normalise_text(example.typed("explanation"))


def _notice_shown(example: Example) -> list[tuple[str, str]]:
    notice = example.changes.new("legal_notices")[0]["id"]
    return [
        ("moderator", f"/moderation/reviews/{example.world['review']}"),
        ("author", f"/me/notices/{notice}"),
    ]


def _notice_answered(example: Example) -> None:
    example.changes.only("legal_notices")
    row = example.changes.row("legal_notices", example.world["notice"])
    assert row["author_answer"] == normalise_text(example.typed("answer"))


def _responded(example: Example) -> None:
    example.changes.only("responses", "response_revisions", "employer_stats")
    row = next(
        row
        for row in example.changes.after["responses"].values()
        if row["review_id"] == example.world["review_id"]
    )
    writer = type("Writer", (), {"email": example.world.emails["rep_a"]})
    typed = normalise_text(clean_text(example.typed("body")))
    assert row["body"] == prepare_response(typed, writer).body


def _claimed(example: Example) -> None:
    example.changes.only("claims")
    row = _one(example.changes.new("claims"), "claim")
    address = parse_address(example.typed("email"))
    assert row["email"] == address.email and row["email_domain"] == address.domain
    assert row["user_id"] == example.world.users["candidate"]


def _became_representative(example: Example) -> None:
    example.changes.only("claims", "representatives")
    row = _one(example.changes.new("representatives"), "representative")
    assert row["user_id"] == example.world.users["candidate"]


def _notify_set(example: Example) -> None:
    example.changes.only("representatives")
    row = example.changes.row("representatives", example.world["rep_a"])
    assert _value(row["notify"]) == example.typed("notify")


def _committed(example: Example) -> None:
    example.changes.only("response_commitments", "employer_stats")
    row = _one(example.changes.new("response_commitments"), "commitment")
    assert row["days"] == int(example.typed("days").strip())


def _invited(example: Example) -> None:
    example.changes.only("representative_invitations")
    row = _one(example.changes.new("representative_invitations"), "invitation")
    assert row["email"] == parse_address(example.typed("email")).email
    assert row["employer_id"] == example.world["employer_a"] and len(row["token_hash"]) == 64


def _colleague_email(world) -> dict[str, Field]:
    local = st.from_regex(r"[a-z][a-z0-9._-]{0,15}", fullmatch=True)
    hosts = ("quibblewick.com", "QUIBBLEWICK.COM", "hr.quibblewick.com", "quibblewick.com.evil.io")
    address = st.builds(lambda name, host: f"{name}@{host}", local, st.sampled_from(hosts))
    return {**_employer_hidden(world), "email": Field(st.one_of(address, emails()), limit=254)}


def _left(example: Example) -> None:
    example.changes.only("representatives")
    row = example.changes.row("representatives", example.world["rep_a"])
    assert row["ended_at"] is not None and _value(row["end_reason"]) == "left"


def _contact_reported(example: Example) -> None:
    example.changes.only("contact_reports")
    row = _one(example.changes.new("contact_reports"), "contact report")
    assert row["review_id"] == example.world["review_id"] and _value(row["status"]) == "pending"


def _contact_answered(example: Example) -> None:
    example.changes.only("contact_reports", "reviews", "review_revisions", "employer_stats")
    review = _authored(example.changes.row("reviews", example.world["contacted_id"]))
    if example.changes.changed("reviews"):
        assert _value(review["outcome"]) == example.typed("outcome")


def _audited(example: Example) -> dict:
    row = _one(example.changes.new("audit_log"), "audit row")
    typed = example.typed("reason")
    expected = normalise_text(typed).strip() if typed is not None else ""
    assert row["reason"] == (expected or None), (row["reason"], typed)
    return row


def _moderated(*tables: str, then=None):
    def check(example: Example) -> None:
        example.changes.only("audit_log", *tables)
        _audited(example)
        if then is not None:
            then(example)

    return check


def _review_redacted(example: Example) -> None:
    field = example.typed("field")
    before = example.changes.before["reviews"][(example.world["review_id"],)][field]
    after = example.changes.row("reviews", example.world["review_id"])[field]
    assert after == before.replace(clean_span(example.typed("text")), REDACTION_MARK)


def _response_redacted(example: Example) -> None:
    before = next(
        row
        for row in example.changes.before["responses"].values()
        if row["review_id"] == example.world["review_id"]
    )
    after = example.changes.after["responses"][(before["id"],)]
    assert after["body"] == before["body"].replace(
        clean_span(example.typed("text")), REDACTION_MARK
    )


def _hidden(example: Example) -> None:
    row = example.changes.row("reviews", example.world["review_id"])
    assert _value(row["status"]) == "hidden"
    assert _value(row["hidden_reason"]) == example.typed("guideline")


def _claim_refused(example: Example) -> None:
    example.changes.only("claims", "audit_log")
    row = example.changes.row("claims", example.world["claim_awaiting"])
    assert row["moderator_note"] == ((example.typed("note") or "").strip() or None)
    assert _one(example.changes.new("audit_log"), "audit row")["reason"] == row["moderator_note"]


def _bulk_fields(item: str, section: str) -> dict[str, Field]:
    return {
        "items": Field(st.just(item), limit=16),
        "origin": Field(st.sampled_from((section, "")), limit=40),
        "next": Field(
            st.sampled_from(
                (
                    "/moderation",
                    f"/moderation?section={section}&page=2",
                    "https://evil.example/moderation",
                    "//evil.example/moderation",
                    "/moderation/../sign-out",
                )
            ),
            limit=200,
        ),
    }


def _bulk_done(*tables: str):
    """A bulk action stores one audit row with the one reason per item done, and nothing else
    than what the items' own actions write (nothing at all when every item was skipped)."""

    def check(example: Example) -> None:
        example.changes.only("audit_log", *tables)
        typed = example.typed("reason")
        expected = normalise_text(typed).strip() if typed is not None else ""
        for row in example.changes.new("audit_log"):
            assert row["reason"] == (expected or None), (row["reason"], typed)

    return check


def _merged(example: Example) -> None:
    source = slug_from(example.typed("source"))
    target = slug_from(example.typed("target"))
    gone = _one(example.changes.gone("employers"), "removed employer")
    assert gone["slug"] == source
    assert any(row["slug"] == target for row in example.changes.after["employers"].values())
    assert any(row["slug"] == source for row in example.changes.new("employer_aliases"))


def _signed_out(example: Example) -> None:
    example.changes.only("login_sessions")
    assert [row["user_id"] for row in example.changes.gone("login_sessions")] == [
        example.world.users["candidate"]
    ]


def _only(*tables: str):
    def check(example: Example) -> None:
        example.changes.only(*tables)

    return check


def _application_added(example: Example) -> None:
    example.changes.only("applications")
    row = _one(example.changes.new("applications"), "application")
    assert row["user_id"] == example.world.users["candidate"]
    assert row["employer_id"] == example.world["employer_b"]
    assert row["role_title"] == clean_text(example.typed("role_title")).strip()


def _tracker_shown(example: Example) -> list[tuple[str, str]]:
    new = example.changes.new("applications")
    application = new[0]["id"] if new else example.world["application"]
    role = "candidate" if new else "author"
    return [(role, "/me/applications"), (role, f"/me/applications/{application}")]


def _application_reminders_set(example: Example) -> None:
    example.changes.only("applications")
    row = example.changes.row("applications", example.world["application"])
    assert row["reminders"] == (example.typed("reminders") == "on")


def _account_reminders_set(example: Example) -> None:
    example.changes.only("users")
    on = example.typed("reminders") == "on"
    assert _user(example, "author")["application_reminders"] == on


# --- field values that need the world ----------------------------------------------------------


def _import_fields(world) -> dict[str, Field]:
    """The import's later steps: the upload token (a real one for the candidate, tampered ones,
    junk) and the column of each field."""
    employer = db.session.get(Employer, world["employer_b"])
    upload = transfer.Upload(
        filename="tracker.csv",
        header=["Company", "Position", "Date Applied", "Status", "Notes"],
        rows=[(2, [employer.name, "Analyst", "2026-01-05", "Interviewing", "=SUM(A1)"])],
    )
    token = transfer.pack(upload, world.users["candidate"])
    columns = ("", "0", "1", "2", "3", "4")
    return {
        "upload": Field(st.sampled_from((token, token, token[:-3] + "xyz", "x")), limit=4000),
        "date_order": Field(st.sampled_from(("auto", "dmy", "mdy")), limit=8),
        "action": Field(st.sampled_from(("confirm", "edit")), limit=10),
        **{
            name: Field(st.sampled_from(columns), limit=4, choices=columns)
            for name in transfer.FIELDS
        },
    }


def _feed_tokens(world) -> dict[str, Field]:
    return {"token": Field(st.one_of(st.sampled_from(("x", "A" * 43)), text(80)), limit=600)}


def _application_fields(world) -> dict[str, Field]:
    """Mostly plausible: a date for most statuses, links that are links."""
    statuses = ("to_apply", "applied", "in_process", "waiting", "decided", "withdrawn")
    links = st.sampled_from(
        ("", "https://jobs.example.com/42", "HTTP://example.org/a?b=c", "javascript:alert(1)")
    )
    return {
        "status": Field(st.sampled_from(statuses), limit=40, choices=statuses),
        "applied_on": Field(recent_dates(), limit=12, extremes=DATES),
        "posting_url": Field(st.one_of(links, text(500)), limit=500),
    }


def _step_fields(world) -> dict[str, Field]:
    return {
        "happened_on": Field(recent_dates(), limit=12, extremes=DATES),
        "promised_days": Field(
            st.sampled_from(("", "", "7", "0", "365")), limit=8, low=0, high=365, extremes=NUMBERS
        ),
        "promised_by": Field(st.sampled_from(("",)), limit=12, extremes=DATES),
    }


def _current_password(world) -> dict[str, Field]:
    return {"current_password": Field(st.sampled_from((PASSWORD, PASSWORD, "wrong password 1")))}


def _action(world) -> dict[str, Field]:
    # Publish most often: it is the path that stores.
    return {"action": Field(st.sampled_from(("publish", "publish", "preview", "edit")), limit=10)}


def _review_fields(world) -> dict[str, Field]:
    """The review form's cross-field rules (DESIGN.md §4) refuse most independent draws; these
    plausible values mostly agree with each other, so that most examples reach the scrubber and
    the database, and the hostile ones still break every rule."""
    stages = tuple(item.value for item in Stage)
    outcomes = tuple(item.value for item in Outcome)
    common = ("waiting", "ghosted", "rejected", "rejected_with_feedback", "withdrew", "offer")
    contact = Field(recent_dates(), limit=12, extremes=DATES)
    return {
        **_action(world),
        "submission_key": Field(st.from_regex(r"[A-Za-z0-9_-]{16,64}", fullmatch=True), limit=64),
        "last_contact_on": contact,
        "stage": Field(st.sampled_from(stages), limit=40, choices=stages),
        "outcome": Field(st.sampled_from(common), limit=40, choices=outcomes),
        "decision_days": Field(st.integers(0, 5).map(str), limit=8, low=0, high=3650),
        "feedback": Field(st.sampled_from(("", "", "", "none", "generic", "specific")), limit=40),
        "followups_answered": Field(st.sampled_from(("", "0")), limit=8, low=0, high=100),
    }


def _edit_fields(world) -> dict[str, Field]:
    month = Field(past_months(), limit=10, extremes=DATES)
    return {**_review_fields(world), "process_month": month}


def _website(world) -> dict[str, Field]:
    host = st.from_regex(r"[a-z][a-z0-9-]{0,15}[a-z0-9]", fullmatch=True)
    tld = st.sampled_from((".com", ".co.uk", ".de", ".io", ".org"))
    domain = st.builds(lambda name, end: name + end, host, tld)
    address = st.one_of(
        domain,
        domain.map(lambda name: f"https://www.{name}/careers?id=1"),
        domain.map(str.upper),
        st.sampled_from(("quibblewick.com", "gmail.com", "bücher.de", "http://[::1]/", "acme")),
    )
    return {"website": Field(st.one_of(st.just(""), address), limit=500)}


def _work_email(world) -> dict[str, Field]:
    local = st.from_regex(r"[a-z][a-z0-9._-]{0,15}", fullmatch=True)
    hosts = (
        "brambleton.co.uk",
        "BRAMBLETON.CO.UK",
        "hr.brambleton.co.uk",
        "brambleton.co.uk.",
        "brambleton.co.uk.evil.io",
        "brambleton.com",
        "gmail.com",
        "xn--brmbleton-x2a.co.uk",
    )
    address = st.builds(lambda name, host: f"{name}@{host}", local, st.sampled_from(hosts))
    return {"email": Field(st.one_of(address, emails()), limit=254)}


def _sign_in_fields(world) -> dict[str, Field]:
    return {
        "email": Field(
            st.one_of(st.sampled_from(sorted(world.emails.values())), emails()), limit=254
        ),
        "password": Field(st.sampled_from((PASSWORD, PASSWORD, "not the password")), limit=200),
    }


def _next(world) -> dict[str, Field]:
    places = (
        "/me",
        "/account",
        "/employers?q=a&page=2",
        "/reviews/new?employer=" + world["slug_b"],
    )
    return {"next": Field(st.one_of(st.sampled_from(places), st.sampled_from(OPEN_REDIRECTS)))}


OPEN_REDIRECTS = (
    "//evil.example/",
    "/\\evil.example",
    "https://evil.example",
    "/%2F%2Fevil.example",
    "javascript:alert(1)",
    "/\t/evil.example",
    "\\\\evil.example",
    "///evil.example",
    "/.//evil.example",
)


def _employer_hidden(world) -> dict[str, Field]:
    return {
        "employer": Field(
            st.sampled_from((world["slug_a"], world["slug_a"], world["slug_b"])), limit=220
        )
    }


def _merge_fields(world) -> dict[str, Field]:
    slugs = (world["slug_a"], world["slug_b"], world["slug_c"], "quibblewick-old")
    addresses = st.sampled_from(slugs).flatmap(
        lambda slug: st.sampled_from(
            (slug, f"http://localhost/employers/{slug}/reviews", f"/employers/{slug}")
        )
    )
    return {"source": Field(addresses, limit=220), "target": Field(addresses, limit=220)}


def _redact_fields(world, body: str) -> dict[str, Field]:
    span = st.tuples(st.integers(0, len(body) - 1), st.integers(1, 60)).map(
        lambda pair: body[pair[0] : pair[0] + pair[1]]
    )
    return {"text": Field(st.one_of(span, text(4000, multiline=True)), limit=4000)}


def _pseudonym(world) -> dict[str, Field]:
    return {
        "pseudonym": Field(
            st.sampled_from((world["pseudonym"], world["pseudonym"], "Member 000000")), limit=40
        )
    }


def _query(**specs: Field):
    return lambda world: specs


def _choices(values) -> Field:
    values = tuple(values)
    return Field(st.sampled_from(("", *values)), limit=40, choices=values)


def _numbers(low: int, high: int) -> Field:
    return Field(st.integers(low, high).map(str), limit=len(str(high)), low=low, high=high)


QUERY = Field(text(200), limit=200)
PAGE = _numbers(1, MAX_PAGE)
COUNTRIES = ("GB", "gb", "DE", "US", "FR", "NL")


def _slugs(world) -> dict[str, Field]:
    slugs = (world["slug_a"], world["slug_b"], "quibblewick-old", "no-such-employer")
    return {"slug": Field(st.sampled_from(slugs), limit=220)}


def _public_ids(world) -> dict[str, Field]:
    ids = (world["review"], world["held"], world["hidden"], "AAAAAAAAAAAA")
    return {"public_id": Field(st.sampled_from(ids), limit=16)}


def _tokens(world) -> dict[str, Field]:
    tokens = [
        world[name]
        for name in ("claim_token", "verify_token", "reset_token", "email_token", "reminder_token")
    ]
    tampered = [token[:-3] + "xyz" for token in tokens]
    return {"token": Field(st.sampled_from(tokens + tampered), limit=600)}


def _ids(world) -> dict[str, Field]:
    return {"id": Field(st.integers(1, 10).map(str), limit=8, low=1, high=10, extremes=NUMBERS)}


def _dashboard_query(world) -> dict[str, Field]:
    page = Field(PAGE.valid, limit=PAGE.limit, low=1, high=MAX_PAGE)
    employer = Field(st.sampled_from((world["slug_a"], world["slug_b"])), limit=220)
    return {"employer": employer, "page": page}


def _junk_query(world) -> dict[str, Field]:
    return {"q": QUERY, "page": PAGE, "utm_source": Field(st.sampled_from(CORPUS + NUMBERS))}


HTTP_DATES = (
    "Mon, 01 Jan 2024 00:00:00 GMT",
    "Fri, 31 Dec 9999 23:59:59 GMT",
    "Thu, 01 Jan 1970 00:00:00 GMT",
    "Sat, 01 Jan 0001 00:00:00 GMT",
    "yesterday",
    "-1",
    "99999999999999999999",
)


def _conditional_headers(world) -> dict[str, Field]:
    etags = st.sampled_from(('W/"abc"', '"abc"', "*", 'W/"' + "x" * 300 + '"', '"a", W/"b"'))
    return {
        "If-None-Match": Field(etags),
        "If-Modified-Since": Field(st.sampled_from(HTTP_DATES)),
        "Accept-Language": Field(st.sampled_from(("en", "de-DE,de;q=0.9", "*", ";q=x"))),
    }


# --- the targets -------------------------------------------------------------------------------


def post(name: str, role: str, path: str, form, **options) -> Target:
    return Target(name=f"POST {name}", role=role, paths=(path,), form=form, **options)


def get(name: str, role: str, *paths: str, **options) -> Target:
    return Target(name=f"GET {name}", role=role, paths=paths, method="GET", done=_never, **options)


def _never(response) -> bool:
    return False


def _status(*codes: int):
    return lambda response: response.status_code in codes


def _contact_form(world):
    return ContactAnswerForm(allowed=contact_outcomes(Stage.interview))


def _form(form_class):
    return lambda world: form_class()


def moderate(action: str, path: str, form_class, *tables: str, seen="review", then=None, **options):
    """A moderator's action on a review, its response, a flag or a notice: the tables it may
    write, and the review's page as the moderator sees it afterwards."""
    return post(
        f"/moderation/reviews/<public_id>/{action}",
        "moderator",
        path,
        _form(form_class),
        stored=_moderated(*tables, then=then),
        shown=_moderator_sees(seen),
        **options,
    )


MODERATION = "/moderation/reviews/{review}"
# What an action on a review, or on its response, may write (its revision, the figures).
REVIEW_ROWS = ("reviews", "review_revisions", "employer_stats", "employer_sketches")
RESPONSE_ROWS = ("responses", "response_revisions", "employer_stats")

TARGETS = [
    # Accounts.
    post(
        "/sign-up", "anonymous", "/sign-up", _form(SignUpForm), done=_status(200), stored=_signed_up
    ),
    post(
        "/sign-in",
        "anonymous",
        "/sign-in",
        _form(SignInForm),
        fields=_sign_in_fields,
        query=_next,
        stored=_signed_in,
    ),
    post(
        "/reset-password",
        "anonymous",
        "/reset-password",
        _form(ResetRequestForm),
        done=_status(200),
    ),
    post(
        "/reset-password/<token>",
        "anonymous",
        "/reset-password/{reset_token}",
        _form(ResetPasswordForm),
        stored=_password_changed("candidate"),
    ),
    post(
        "/account/email",
        "candidate",
        "/account/email",
        _form(ChangeEmailForm),
        fields=_current_password,
    ),
    post(
        "/account/password",
        "candidate",
        "/account/password",
        _form(ChangePasswordForm),
        fields=_current_password,
        stored=_password_changed("candidate"),
    ),
    post(
        "/account/delete",
        "author",
        "/account/delete",
        _form(DeleteAccountForm),
        fields=_current_password,
        stored=_account_deleted,
    ),
    post("/verify-email/resend", "candidate", "/verify-email/resend", _form(ConfirmForm)),
    post("/sign-out", "candidate", "/sign-out", _form(ConfirmForm), stored=_signed_out),
    # Reviews.
    post(
        "/reviews/new",
        "candidate",
        "/reviews/new?employer={slug_b}",
        _form(ReviewForm),
        fields=_review_fields,
        stored=_review_written,
        shown=_new_review_shown,
        viewers=("moderator",),
    ),
    post(
        "/reviews/<public_id>/edit",
        "author",
        "/reviews/{review}/edit",
        _form(ReviewForm),
        fields=_edit_fields,
        stored=_review_updated,
        shown=lambda example: [
            ("author", f"/reviews/{example.world['review']}"),
            ("author", "/me"),
        ],
    ),
    post(
        "/reviews/<public_id>/contact/confirm",
        "author",
        "/reviews/{contacted}/contact/confirm",
        _contact_form,
        stored=_contact_answered,
    ),
    post(
        "/reviews/<public_id>/contact/deny",
        "author",
        "/reviews/{contacted}/contact/deny",
        _form(ConfirmForm),
        stored=_only("contact_reports"),
    ),
    post(
        "/reviews/reminder/<token>",
        "anonymous",
        "/reviews/reminder/{reminder_token}",
        _form(ConfirmForm),
        done=_status(200, 302),
        stored=_only("reviews", "review_revisions", "employer_stats"),
    ),
    post(
        "/employers/new",
        "candidate",
        "/employers/new",
        _form(NewEmployerForm),
        fields=_website,
        stored=_employer_added,
        shown=_employer_shown,
    ),
    # Flags and legal notices.
    post(
        "/reviews/<public_id>/flag",
        "candidate",
        "/reviews/{review}/flag",
        _form(FlagForm),
        stored=_flagged("review"),
        shown=_moderator_sees(queue=True),
        viewers=("moderator",),
    ),
    post(
        "/reviews/<public_id>/response/flag",
        "candidate",
        "/reviews/{review}/response/flag",
        _form(FlagForm),
        stored=_flagged("response"),
        shown=_moderator_sees(queue=True),
        viewers=("moderator",),
    ),
    post(
        "/reviews/<public_id>/legal-notice",
        "anonymous",
        "/reviews/{review}/legal-notice",
        _form(LegalNoticeForm),
        stored=_notice_sent,
        shown=_notice_shown,
        viewers=("moderator", "author"),
    ),
    post(
        "/me/notices/<id>",
        "author",
        "/me/notices/{notice}",
        _form(NoticeAnswerForm),
        stored=_notice_answered,
        shown=_moderator_sees(),
        viewers=("moderator",),
    ),
    # The employer side.
    post(
        "/employer/reviews/<public_id>/response",
        "rep_a",
        "/employer/reviews/{review}/response",
        _form(ResponseForm),
        fields=_action,
        stored=_responded,
        shown=lambda example: [("anonymous", f"/reviews/{example.world['review']}")],
    ),
    post(
        "/employers/<slug>/claim",
        "candidate",
        "/employers/{slug_c}/claim",
        _form(ClaimForm),
        fields=_work_email,
        done=_status(200),
        stored=_claimed,
    ),
    post(
        "/claims/verify/<token>",
        "candidate",
        "/claims/verify/{claim_token}",
        _form(ConfirmForm),
        stored=_became_representative,
    ),
    post(
        "/employer/notifications",
        "rep_a",
        "/employer/notifications",
        _form(NotifyForm),
        fields=_employer_hidden,
        stored=_notify_set,
    ),
    post(
        "/employer/commitment",
        "rep_a",
        "/employer/commitment",
        _form(CommitmentForm),
        fields=_employer_hidden,
        stored=_committed,
    ),
    post(
        "/employer/commitment/withdraw",
        "rep_a",
        "/employer/commitment/withdraw",
        _form(EmployerForm),
        fields=_employer_hidden,
        stored=_only("response_commitments", "employer_stats"),
    ),
    post(
        "/employer/reviews/<public_id>/contacted",
        "rep_a",
        "/employer/reviews/{review}/contacted",
        _form(ConfirmForm),
        stored=_contact_reported,
    ),
    post(
        "/employer/leave/<id>", "rep_a", "/employer/leave/{rep_a}", _form(ConfirmForm), stored=_left
    ),
    # The team page (representatives.team_routes): the world's A has one owner and no colleague,
    # so removing or promoting is refused (409) whatever the id; an invitation is stored.
    post(
        "/employer/team/invite",
        "rep_a",
        "/employer/team/invite",
        _form(InviteForm),
        fields=_colleague_email,
        stored=_invited,
    ),
    post(
        "/employer/team/cancel",
        "rep_a",
        "/employer/team/cancel",
        _form(InvitationForm),
        fields=_employer_hidden,
    ),
    post(
        "/employer/team/remove",
        "rep_a",
        "/employer/team/remove",
        _form(MemberForm),
        fields=_employer_hidden,
    ),
    post(
        "/employer/team/owner",
        "rep_a",
        "/employer/team/owner",
        _form(MemberForm),
        fields=_employer_hidden,
    ),
    post(
        "/employer/invitations/<token>",
        "candidate",
        "/employer/invitations/not-a-real-invitation-token",
        _form(ConfirmForm),
    ),
    get("/employer/team", "rep_a", "/employer/team", query=_dashboard_query),
    # Moderators and admins.
    post(
        "/moderation/claims/<id>/approve",
        "moderator",
        "/moderation/claims/{claim_awaiting}/approve",
        _form(ConfirmForm),
        stored=_only("claims", "employer_domains", "audit_log"),
    ),
    post(
        "/moderation/claims/<id>/refuse",
        "moderator",
        "/moderation/claims/{claim_awaiting}/refuse",
        _form(RefuseClaimForm),
        stored=_claim_refused,
    ),
    # Proof of contact: fuzzed text is never a signed message, so nothing may be stored; a
    # moderator's decision on a domain no proof waits on changes nothing either.
    post("/reviews/<public_id>/proof", "author", "/reviews/{review}/proof", _form(ProofForm)),
    post(
        "/moderation/proof-domains/<slug>/accept",
        "moderator",
        "/moderation/proof-domains/{slug_a}/accept",
        _form(DomainDecisionForm),
    ),
    post(
        "/moderation/proof-domains/<slug>/refuse",
        "moderator",
        "/moderation/proof-domains/{slug_a}/refuse",
        _form(DomainDecisionForm),
    ),
    post(
        "/moderation/representatives/<id>/revoke",
        "admin",
        "/moderation/representatives/{rep_a}/revoke",
        _form(ConfirmForm),
        stored=_only("representatives", "audit_log"),
    ),
    post(
        "/moderation/merge",
        "moderator",
        "/moderation/merge",
        _form(MergeForm),
        fields=_merge_fields,
        stored=_merged,
        shown=lambda example: [("anonymous", f"/employers/{slug_from(example.typed('target'))}")],
    ),
    moderate(
        "publish",
        "/moderation/reviews/{held}/publish",
        NoteForm,
        *REVIEW_ROWS,
        seen="held",
    ),
    moderate(
        "hide",
        MODERATION + "/hide",
        HideForm,
        *REVIEW_ROWS,
        "flags",
        then=_hidden,
    ),
    moderate(
        "restore",
        "/moderation/reviews/{hidden}/restore",
        ReasonForm,
        *REVIEW_ROWS,
        seen="hidden",
    ),
    moderate(
        "redact",
        MODERATION + "/redact",
        RedactForm,
        *REVIEW_ROWS,
        then=_review_redacted,
        fields=lambda world: _redact_fields(world, world.values["narrative"]),
    ),
    moderate(
        "clear-burst",
        "/moderation/reviews/{burst}/clear-burst",
        NoteForm,
        *REVIEW_ROWS,
        seen="burst",
    ),
    moderate(
        "response/publish",
        "/moderation/reviews/{contacted}/response/publish",
        NoteForm,
        *RESPONSE_ROWS,
        seen="contacted",
    ),
    moderate(
        "response/hide",
        MODERATION + "/response/hide",
        HideForm,
        *RESPONSE_ROWS,
        "flags",
    ),
    moderate(
        "response/restore",
        "/moderation/reviews/{burst}/response/restore",
        ReasonForm,
        *RESPONSE_ROWS,
        seen="burst",
    ),
    moderate(
        "response/redact",
        MODERATION + "/response/redact",
        RedactResponseForm,
        *RESPONSE_ROWS,
        then=_response_redacted,
        fields=lambda world: _redact_fields(world, world.values["response"]),
    ),
    moderate("flags/<id>/dismiss", MODERATION + "/flags/{flag}/dismiss", NoteForm, "flags"),
    moderate(
        "notices/<id>/action",
        MODERATION + "/notices/{notice}/action",
        ReasonForm,
        "legal_notices",
        *REVIEW_ROWS,
        "flags",
    ),
    moderate(
        "notices/<id>/reject", MODERATION + "/notices/{notice}/reject", ReasonForm, "legal_notices"
    ),
    # The queue's bulk actions: every ticked item done through its own action, one audit row
    # each (an item that can't be done is skipped); `next` only ever leads back to the queue.
    post(
        "/moderation/bulk/dismiss-reports",
        "moderator",
        "/moderation/bulk/dismiss-reports",
        _form(BulkDismissForm),
        fields=lambda world: _bulk_fields(str(world["flag"]), "flags"),
        stored=_bulk_done("flags"),
        shown=lambda example: [("moderator", "/moderation")],
    ),
    post(
        "/moderation/bulk/publish",
        "moderator",
        "/moderation/bulk/publish",
        _form(BulkPublishForm),
        fields=lambda world: _bulk_fields(world["held"], "held_reviews"),
        stored=_bulk_done(*REVIEW_ROWS),
        shown=lambda example: [("moderator", "/moderation")],
    ),
    moderate(
        "suspend-author",
        MODERATION + "/suspend-author",
        SuspendForm,
        "users",
        "login_sessions",
        fields=_pseudonym,
    ),
    # Lifting a suspension (moderation.suspension_routes): the pseudonym in the path and the
    # reason. The fuzz world has no suspended account, so this reaches the look-up (404); the
    # form's own hostile input is tested in tests/functional/test_suspensions.py.
    post(
        "/moderation/suspensions/<pseudonym>/lift",
        "admin",
        "/moderation/suspensions/{pseudonym}/lift",
        _form(ReasonForm),
        segments=lambda world: {
            "pseudonym": Field(
                st.sampled_from((world["pseudonym"], "Member 000000", "x" * 60)), limit=60
            )
        },
    ),
    get(
        "/moderation/suspensions/<pseudonym>/lift",
        "admin",
        "/moderation/suspensions/{pseudonym}/lift",
        segments=lambda world: {
            "pseudonym": Field(
                st.sampled_from((world["pseudonym"], "Member 000000", "x" * 60, "%00", "..")),
                limit=60,
            )
        },
    ),
    get("/moderation/suspensions", "admin", "/moderation/suspensions", query=_junk_query),
    # My applications (DESIGN.md §12): the owner's private tracker.
    post(
        "/me/applications/new",
        "candidate",
        "/me/applications/new?employer={slug_b}",
        _form(ApplicationForm),
        fields=_application_fields,
        stored=_application_added,
        shown=_tracker_shown,
    ),
    post(
        "/me/applications/<id>/edit",
        "author",
        "/me/applications/{application}/edit",
        _form(ApplicationForm),
        fields=_application_fields,
        stored=_only("applications"),
        shown=_tracker_shown,
    ),
    post(
        "/me/applications/<id>/status",
        "author",
        "/me/applications/{application}/status",
        _form(StatusForm),
        stored=_only("applications"),
        shown=_tracker_shown,
    ),
    post(
        "/me/applications/<id>/delete",
        "author",
        "/me/applications/{application}/delete",
        _form(ConfirmForm),
        stored=_only("applications", "application_steps"),
    ),
    post(
        "/me/applications/<id>/steps/new",
        "author",
        "/me/applications/{application}/steps/new",
        _form(StepForm),
        fields=_step_fields,
        stored=_only("applications", "application_steps"),
        shown=_tracker_shown,
    ),
    post(
        "/me/applications/<id>/steps/<id>/edit",
        "author",
        "/me/applications/{application}/steps/{step}/edit",
        _form(StepForm),
        fields=_step_fields,
        stored=_only("applications", "application_steps"),
        shown=_tracker_shown,
    ),
    post(
        "/me/applications/<id>/steps/<id>/delete",
        "author",
        "/me/applications/{application}/steps/{step}/delete",
        _form(ConfirmForm),
        stored=_only("applications", "application_steps"),
    ),
    post(
        "/me/applications/<id>/reminders",
        "author",
        "/me/applications/{application}/reminders",
        _form(RemindersForm),
        stored=_application_reminders_set,
        shown=_tracker_shown,
    ),
    post(
        "/me/applications/reminders",
        "author",
        "/me/applications/reminders",
        _form(RemindersForm),
        stored=_account_reminders_set,
        shown=_tracker_shown,
    ),
    # The tracker's import, export and calendar feed (applications.transfer_routes).
    post(
        "/me/applications/import", "candidate", "/me/applications/import", _form(ImportUploadForm)
    ),
    post(
        "/me/applications/import/preview",
        "candidate",
        "/me/applications/import/preview",
        _form(ImportMappingForm),
        fields=_import_fields,
    ),
    post(
        "/me/applications/import/confirm",
        "candidate",
        "/me/applications/import/confirm",
        _form(ImportMappingForm),
        fields=_import_fields,
        stored=_only("applications"),
        shown=_tracker_shown,
    ),
    post(
        "/me/applications/calendar/address",
        "author",
        "/me/applications/calendar/address",
        _form(ConfirmForm),
        done=_status(200),
        stored=_only("application_feeds"),
    ),
    post(
        "/me/applications/calendar/off",
        "author",
        "/me/applications/calendar/off",
        _form(ConfirmForm),
        stored=_only("application_feeds"),
    ),
    get(
        "the tracker's import, export and calendar pages",
        "author",
        "/me/applications.csv",
        "/me/applications/import",
        "/me/applications/calendar",
        query=_junk_query,
    ),
    get(
        "<token> in the calendar feed",
        "anonymous",
        "/me/applications/calendar/{token}.ics",
        segments=_feed_tokens,
    ),
    # Query-string parameters.
    get(
        "/employers",
        "anonymous",
        "/employers",
        query=_query(
            q=QUERY,
            industry=_choices(item.value for item in Industry),
            country=_choices(COUNTRIES),
            size=_choices(item.name for item in SizeBand),
            sort=_choices(("reviews", "score", "recent")),
            page=PAGE,
        ),
    ),
    get(
        "/employers/<slug>/reviews",
        "anonymous",
        "/employers/{slug_a}/reviews",
        "/employers/quibblewick-old/reviews",
        query=_query(
            stage=_choices((*(item.value for item in Stage), "early", "interviewed")),
            outcome=_choices(item.value for item in Outcome),
            period=_choices(("12m", "older")),
            verified=_choices(("1",)),
            page=PAGE,
        ),
    ),
    get(
        "/rankings",
        "anonymous",
        "/rankings",
        query=_query(industry=_choices(item.value for item in Industry)),
    ),
    get("/employers/suggest", "anonymous", "/employers/suggest", query=_query(q=QUERY)),
    get("/reviews/new/employer", "candidate", "/reviews/new/employer", query=_query(q=QUERY)),
    get(
        "/employers/new",
        "candidate",
        "/employers/new",
        query=_query(name=Field(text(200), limit=200)),
    ),
    get(
        "/reviews/new",
        "candidate",
        "/reviews/new",
        query=lambda world: {
            "employer": Field(
                st.sampled_from((world["slug_b"], "quibblewick-old", "nope")), limit=220
            )
        },
    ),
    get(
        "/api/v1/employers",
        "anonymous",
        "/api/v1/employers",
        query=_query(
            q=QUERY,
            industry=_choices(item.value for item in Industry),
            country=_choices(COUNTRIES),
            page=PAGE,
            per_page=_numbers(1, 100),
        ),
    ),
    get(
        "/api/v1/employers/<slug>/reviews",
        "anonymous",
        "/api/v1/employers/{slug_a}/reviews",
        "/api/v1/employers/quibblewick-old/reviews",
        query=_query(page=PAGE, per_page=_numbers(1, 100)),
    ),
    get(
        "/employer",
        "rep_a",
        "/employer",
        query=_dashboard_query,
    ),
    get(
        "/employer (the inbox's filters)",
        "rep_a",
        "/employer",
        query=lambda world: (
            _dashboard_query(world)
            | {"state": Field(st.sampled_from(("responded", "ghosted", "waiting")), limit=50)}
        ),
    ),
    get("/employer/reviews.csv", "rep_a", "/employer/reviews.csv", query=_dashboard_query),
    get(
        "/moderation/representatives",
        "admin",
        "/moderation/representatives",
        query=lambda world: {
            "employer": Field(st.sampled_from((world["slug_a"], "quibblewick-old", "")), limit=220)
        },
    ),
    get(
        "/moderation (the queue's filters)",
        "moderator",
        "/moderation",
        "/moderation/next",
        query=lambda world: {
            "section": _choices(("flags", "held_reviews", "resubmitted", "notices", "nope")),
            "employer": Field(st.sampled_from((world["slug_a"], "Quibble", "%_", "")), limit=100),
            "reason": _choices(("hold:link_spam", "flag:spam", "hold:resubmitted", "x:y")),
            "older_than": _numbers(0, 3650),
            "page": PAGE,
            "select": _choices(("flags", "held_reviews", "")),
            "after": Field(st.sampled_from((world["review"], world["held"], "")), limit=16),
        },
    ),
    get("/sign-in", "anonymous", "/sign-in", query=_next),
    get(
        "/me/applications",
        "author",
        "/me/applications",
        query=_query(sort=_choices(("next_action", "employer", "status"))),
    ),
    get(
        "/me/applications/new",
        "candidate",
        "/me/applications/new",
        query=lambda world: {"q": QUERY, **_employer_hidden(world)},
    ),
    # Path parameters.
    get(
        "<slug> in every employer address",
        "candidate",
        "/employers/{slug}",
        "/employers/{slug}/reviews",
        "/employers/{slug}/badge.svg",
        "/employers/{slug}/claim",
        "/api/v1/employers/{slug}",
        "/api/v1/employers/{slug}/reviews",
        segments=_slugs,
    ),
    get(
        "<public_id> in every review address",
        "rep_a",
        "/reviews/{public_id}",
        "/reviews/{public_id}/edit",
        "/reviews/{public_id}/proof",
        "/reviews/{public_id}/flag",
        "/reviews/{public_id}/flag/sent",
        "/reviews/{public_id}/response/flag",
        "/reviews/{public_id}/response/flag/sent",
        "/reviews/{public_id}/legal-notice",
        "/reviews/{public_id}/legal-notice/sent",
        "/employer/reviews/{public_id}/response",
        "/employer/reviews/{public_id}/contacted",
        segments=_public_ids,
    ),
    get(
        "<public_id> in every moderation address",
        "moderator",
        "/moderation/reviews/{public_id}",
        segments=_public_ids,
    ),
    get(
        "<token> in every signed link",
        "candidate",
        "/verify-email/{token}",
        "/account/email/{token}",
        "/reset-password/{token}",
        "/claims/verify/{token}",
        "/employer/invitations/{token}",
        "/reviews/reminder/{token}",
        segments=_tokens,
        # Following a valid link is the change it stands for (confirming an address).
        writes=True,
    ),
    get(
        "<id> in every numbered address",
        "author",
        "/me/notices/{id}",
        "/employer/leave/{id}",
        "/me/applications/{id}",
        "/me/applications/{id}/edit",
        "/me/applications/{id}/steps/new",
        "/me/applications/{application}/steps/{id}/edit",
        segments=_ids,
    ),
    # Pages without parameters, with some anyway; and conditional requests on cached pages.
    get(
        "pages without parameters",
        "candidate",
        "/",
        "/methodology",
        "/guidelines",
        "/privacy",
        "/healthz",
        "/transparency",
        "/account",
        "/account/delete",
        "/me",
        "/me/export",
        "/me/notices",
        "/api/v1/baselines",
        "/api/v1/openapi.json",
        "/api/v1/employers.csv",
        "/static/css/site.css",
        query=_junk_query,
    ),
    get(
        "account pages for visitors", "anonymous", "/sign-up", "/reset-password", query=_junk_query
    ),
    get(
        "moderation pages without parameters",
        "moderator",
        "/moderation",
        "/moderation/claims",
        "/moderation/merge",
        "/moderation/proof-domains",
        query=_junk_query,
    ),
    # The audit log's filters (moderation.audit_forms), on the page and its admins' CSV.
    get(
        "/moderation/audit",
        "admin",
        "/moderation/audit",
        "/moderation/audit.csv",
        query=_query(
            actor=Field(
                st.one_of(st.sampled_from(("Command line", "Moderator 000000")), text(60)),
                limit=60,
            ),
            action=_choices(item.value for item in AuditAction),
            target_type=_choices(("review", "response", "flag", "claim", "employer", "user")),
            target=Field(st.one_of(st.integers(1, 50).map(str), text(40)), limit=40),
            date_from=Field(recent_dates(), limit=10, extremes=DATES),
            date_to=Field(recent_dates(), limit=10, extremes=DATES),
            page=PAGE,
        ),
    ),
    get(
        "conditional requests",
        "anonymous",
        "/",
        "/employers",
        "/employers/{slug_a}",
        "/employers/{slug_a}/reviews",
        "/employers/{slug_a}/badge.svg",
        "/api/v1/employers/{slug_a}",
        "/api/v1/employers.csv",
        "/api/v1/openapi.json",
        "/rankings",
        headers=_conditional_headers,
    ),
]


# --- running them ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def site():
    """One app for every target (each example puts the database and cookies back)."""
    app = make_app(**fuzz_settings())
    app.test_client_class = HeardBackTestClient
    context = app.app_context()
    context.push()
    _prepare_schema(app)
    from tests import factories

    factories.bind(db.session)
    try:
        yield Site(app)
    finally:
        db.session.remove()
        if _is_sqlite_memory(app):
            db.drop_all()
        else:
            _empty_all_tables()
        context.pop()


def _record(stats) -> None:
    if STATS:
        with open(STATS, "a", encoding="utf-8") as file:
            file.write(json.dumps(stats.as_dict()) + "\n")


@pytest.mark.parametrize("target", TARGETS, ids=lambda target: target.name)
def test_fuzz(site, target):
    fuzzer = Fuzzer(site, target)

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=not SEEDED,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
        ],
    )
    @given(fuzzer.requests(BODIES))
    def example(drawn):
        fuzzer.run(drawn)

    try:
        example()
    except BaseException:
        fuzzer.stats.failed = True
        raise
    finally:
        fuzzer.close()
        _record(fuzzer.stats)


def test_every_route_is_fuzzed(site):
    """A route added later fails here until it has a target."""
    adapter = site.app.url_map.bind("localhost")
    covered = set()
    for target in TARGETS:
        for path in target.paths:
            values = {
                **site.world.values,
                "slug": site.world["slug_a"],
                "public_id": site.world["review"],
            }
            values |= {"token": site.world["claim_token"], "id": 1}
            url = path.format(**values).split("?")[0]
            endpoint, _ = adapter.match(url, method=target.method)
            covered.add((endpoint, target.method))
    routes = {
        (rule.endpoint, method)
        for rule in site.app.url_map.iter_rules()
        for method in ("GET", "POST")
        if method in rule.methods
    }
    missing = sorted(f"{method} {endpoint}" for endpoint, method in routes - covered)
    assert not missing, "routes without a fuzz target:\n" + "\n".join(missing)


def test_the_fuzzer_sees_a_5xx(site):
    """The harness itself: a route that fails is reported with its traceback."""
    target = get("a route that breaks", "anonymous", "/employers")
    fuzzer = Fuzzer(site, target)
    original = site.app.view_functions["employers.search"]

    def broken():
        raise RuntimeError("deliberate")

    site.app.view_functions["employers.search"] = broken
    try:
        with pytest.raises(AssertionError, match=r"answered 500(.|\n)*deliberate"):
            fuzzer.run(
                Drawn(form={}, query={}, segments={}, headers={}, csrf="", path="/employers")
            )
    finally:
        site.app.view_functions["employers.search"] = original
        fuzzer.close()
    assert fuzzer.stats.server_errors == 1


def test_the_fuzzer_sees_stored_garbage(site):
    """The harness itself: a control character stored by a request is reported."""
    target = get("a route that stores garbage", "anonymous", "/employers")
    fuzzer = Fuzzer(site, target)
    original = site.app.view_functions["employers.search"]

    def storing():
        from accounts.models import User

        user = db.session.get(User, site.world.users["candidate"])
        # A bell character: garbage every database stores (PostgreSQL refuses NUL outright).
        user.email = "candidate\x07@example.org"
        db.session.commit()
        return site.app.response_class("stored", mimetype="text/plain")

    site.app.view_functions["employers.search"] = storing
    try:
        with pytest.raises(AssertionError, match="control characters"):
            fuzzer.run(
                Drawn(form={}, query={}, segments={}, headers={}, csrf="", path="/employers")
            )
    finally:
        site.app.view_functions["employers.search"] = original
        fuzzer.close()
    assert site.snapshot.changes().tables == []


def test_values_reach_the_limits():
    """The strategies do produce what the docstring promises (checked on a sample)."""
    from hypothesis import find

    long = find(sized(10, 4000), lambda value: len(value) > 3000)
    assert len(long) <= 4000
    assert find(st.sampled_from(CORPUS), lambda value: "<script>" in value)


# --- bugs the fuzzer found, fixed --------------------------------------------------------------

TOO_BIG = ("2147483648", "9" * 20)  # just past PostgreSQL's integer; past SQLite's too
# (method, role, path): one row per route with an <int:id>, for each method it answers.
NUMBERED = [
    (method, role, path)
    for methods, role, path in [
        (("GET", "POST"), "author", "/me/notices/{id}"),
        (("GET", "POST"), "rep_a", "/employer/leave/{id}"),
        (("POST",), "moderator", "/moderation/claims/{id}/approve"),
        (("POST",), "moderator", "/moderation/claims/{id}/refuse"),
        (("POST",), "admin", "/moderation/representatives/{id}/revoke"),
        (("POST",), "moderator", "/moderation/reviews/{review}/flags/{id}/dismiss"),
        (("POST",), "moderator", "/moderation/reviews/{review}/notices/{id}/action"),
        (("POST",), "moderator", "/moderation/reviews/{review}/notices/{id}/reject"),
    ]
    for method in methods
]


@pytest.mark.parametrize("number", TOO_BIG)
@pytest.mark.parametrize(("method", "role", "path"), NUMBERED)
def test_an_id_too_big_for_a_column_is_not_found(site, method, role, path, number):
    """It reached the database, which refused it: a 500 (app.py now bounds <int:...>)."""
    site.reset()
    client, token = site.visitors.client(role)
    url = path.format(id=number, **site.world.values)
    response = client.get(url) if method == "GET" else client.post(url, data={"csrf_token": token})
    assert response.status_code == 404


# --- bugs the fuzzer found, now fixed -----------------------------------------------------------
# Each is reproduced here with the exact input that answered 500 before its fix.


def _target(name: str) -> Target:
    return next(target for target in TARGETS if target.name == name)


def _reproduce(site, target: Target, path: str, form: dict | None = None) -> None:
    fuzzer = Fuzzer(site, target)
    try:
        csrf = "valid" if target.method == "POST" else ""
        fuzzer.run(Drawn(form=form or {}, query={}, segments={}, headers={}, csrf=csrf, path=path))
    finally:
        fuzzer.close()


@pytest.mark.parametrize("last_contact", ["9999-12-31", "9999-12-30"])
def test_a_last_contact_at_the_end_of_time_is_refused(site, last_contact):
    form = {
        "process_month": "2024-01",
        "stage": "interview",
        "outcome": "rejected",
        "last_contact_on": last_contact,
        "decision_days": "5",
        "action": "preview",
    }
    target = _target("POST /reviews/new")
    _reproduce(site, target, target.paths[0], form)


@pytest.mark.parametrize("page", ["²", "³", "①"])
def test_a_dashboard_page_in_superscript_is_the_first_page(site, page):
    target = _target("GET /employer")
    fuzzer = Fuzzer(site, target)
    try:
        drawn = Drawn(
            form={}, query={"page": page}, segments={}, headers={}, csrf="", path="/employer"
        )
        fuzzer.run(drawn)
    finally:
        fuzzer.close()


def test_files_and_json_bodies_are_refused(site):
    """Every form, with a file in each of its fields, then as JSON with numbers and objects."""
    failed = []
    for target in TARGETS:
        if target.method != "POST":
            continue
        fuzzer = Fuzzer(site, target)
        names = sorted(fuzzer.form_specs)
        variants = {
            "file": dict.fromkeys(names, Upload()),
            "json": dict.fromkeys(names, 12345),
        }
        for body, typed in variants.items():
            drawn = Drawn(
                form={}, query={}, segments={}, headers={}, csrf="valid", path=target.paths[0]
            )
            drawn.body, drawn.typed = body, typed
            try:
                fuzzer.run(drawn)
            except AssertionError as error:
                failed.append(str(error).splitlines()[0])
        fuzzer.close()
    assert not failed, "\n".join(failed)


def test_editing_a_review_into_a_taken_month_is_refused(site):
    contact = date.today() - timedelta(days=10)
    form = {
        "process_month": site.world["taken_months"][0],
        "stage": "interview",
        "outcome": "waiting",
        "last_contact_on": contact.isoformat(),
        "action": "publish",
    }
    target = _target("POST /reviews/<public_id>/edit")
    _reproduce(site, target, target.paths[0], form)
