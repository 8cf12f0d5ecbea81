"""Write benchmark: submitting a review, and the statistics-row update (DESIGN.md §11).

    .venv/bin/python bench/writes.py [--no-postgres] [--reviews 1000000]
        [--submissions 300] [--refresh-runs 50]

On each database (a SQLite file in a temporary folder; a PostgreSQL database of its own,
heardback_bench_<random>, dropped afterwards):

1. `flask db upgrade`, then the demo-data generator (`--reviews` reviews over reviews/20
   employers, the §11 data set by default), one employer with 10,000 published reviews and one
   with 10, then `flask heardback recompute`; on PostgreSQL, then `VACUUM ANALYZE` (what
   autovacuum, off on this machine, would do after the load).
2. Review submission over HTTP: two gunicorn workers on loopback (production settings, Redis
   rate-limit storage under a key prefix of this run, limits raised so they never refuse), each
   request timed inside the worker by a WSGI wrapper around the app (bench.writes:server_app)
   that also counts its SQL statements. Every submission is a POST of the review form with
   action=publish by a signed-in account of its own (accounts and sign-in sessions inserted in
   bulk beforehand, so no password is hashed), at an employer drawn in proportion to its number
   of reviews, with a narrative of its own. Then edits of published reviews at the 10- and the
   10,000-review employer: the write that recomputes the statistics row in its transaction.
3. `scoring.stats.refresh_employer` in-process at both employers, with its SQL statements: the
   row rebuilt from every review, and a change made public by the tick (`reviews.pending.apply`,
   folded into the employer's running sums).
4. pyinstrument profiles (in-process) of a few submissions and of the refresh at 10,000 reviews.

The table is printed and written to docs/benchmarks.md (section "writes").
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import os
import random
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import quote, urlencode

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import report  # noqa: E402

TARGET_P95_MS = 50  # DESIGN.md §11: submitting a review, excluding password hashing
POSTGRES_SERVER = "postgresql://postgres@127.0.0.1:5432"
REDIS_URL = "redis://127.0.0.1:6379/0"
SECRET_KEY = "bench-writes-" + "k" * 40
USER_AGENT = "heardback-bench-writes/1"
WARMUP = 20  # submissions before the timed ones (both workers compile templates, fill pools)
PROFILED_SUBMISSIONS = 30
PROFILED_REFRESHES = 5
BIG, SMALL = 10_000, 10  # published reviews of the two employers whose row is refreshed
EDITS = 50  # edits of published reviews at each of them
# Far above anything the benchmark sends: rate limits are checked (and cost what they cost) but
# never refuse.
UNLIMITED = "1000000 per minute"
# Timing waits (up to QUIET_PATIENCE seconds) until the machine is less busy than this.
QUIET_BUSY = 0.3
QUIET_PATIENCE = 300
SERVER_TIME_HEADER = "X-Bench-Server-Ms"
QUERIES_HEADER = "X-Bench-Queries"
CPU_TIME_HEADER = "X-Bench-Cpu-Ms"


# --- the server side: the app with per-request timing (gunicorn 'bench.writes:server_app()') ----


class QueryCounter:
    """SQL statements sent to the database (SQLAlchemy's before_cursor_execute)."""

    def __init__(self):
        self.count = 0

    def __call__(self, *_args, **_kwargs):
        self.count += 1


def count_queries(app) -> QueryCounter:
    from sqlalchemy import event

    from extensions import db

    counter = QueryCounter()
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", counter)
    return counter


def server_app():
    """The app from the environment, each response carrying its time in the worker and its SQL
    statement count. Timed from the request's arrival at the app until its body is complete and
    the request context is torn down (Flask tears down before returning the body)."""
    from app import create_app

    app = create_app()
    counter = count_queries(app)
    inner = app.wsgi_app

    def timed(environ, start_response):
        counter.count = 0
        started, cpu_started = time.perf_counter(), time.thread_time()
        captured: list = []

        def capture(status, headers, exc_info=None):
            captured[:] = [status, headers, exc_info]
            return lambda _data: None

        body = inner(environ, capture)
        try:
            chunks = list(body)
        finally:
            if hasattr(body, "close"):
                body.close()
        elapsed = (time.perf_counter() - started) * 1000
        cpu = (time.thread_time() - cpu_started) * 1000
        status, headers, exc_info = captured
        headers = [
            *headers,
            (SERVER_TIME_HEADER, f"{elapsed:.3f}"),
            (CPU_TIME_HEADER, f"{cpu:.3f}"),
            (QUERIES_HEADER, str(counter.count)),
        ]
        start_response(status, headers, exc_info)
        return chunks

    app.wsgi_app = timed
    return app


# --- text: narratives of their own, so the near-duplicate check has nothing to find ------------

SUBJECTS = (
    "the recruiter",
    "the hiring manager",
    "their coordinator",
    "the interview panel",
    "someone in talent acquisition",
    "the team lead",
    "their scheduler",
    "the second interviewer",
    "the agency",
    "the people team",
    "the department head",
    "the technical reviewer",
)
DID = (
    "said I would hear back",
    "promised a decision",
    "asked for two references",
    "scheduled a technical call",
    "moved the interview twice",
    "sent a short take-home task",
    "replied to my first follow-up",
    "never answered my second email",
    "explained the salary band clearly",
    "wanted to move quickly",
    "asked me to present a case study",
    "went completely quiet",
    "sent a template rejection",
    "shared detailed notes on my exercise",
    "apologised for the delay",
    "confirmed the start date options",
    "asked about my notice period",
    "cancelled the onsite visit",
    "introduced the rest of the squad",
    "checked my availability for a final chat",
    "described the benefits in detail",
    "mentioned a hiring freeze",
    "sent a calendar invitation with the wrong time",
    "gave me a realistic picture of the workload",
)
WHEN = (
    "after {n} days",
    "within a week",
    "on the same afternoon",
    "two weeks later",
    "at the end of the month",
    "before the final round",
    "without any explanation",
    "during the second interview",
    "the following morning",
    "after {n} working days",
    "once the budget was approved",
    "just before a public holiday",
    "about {n} weeks in",
    "over a video call",
    "by text message",
)
I_DID = (
    "followed up politely",
    "prepared for about {n} hours",
    "travelled {n} kilometres to the office",
    "completed the assignment over a weekend",
    "checked the applicant portal every day",
    "turned down another process to wait",
    "rewrote my portfolio summary",
    "sent a thank-you note",
    "asked for an update on the timeline",
    "took a day off work for the visit",
    "answered a long questionnaire",
    "recorded a short video introduction",
)
FEELING = (
    "disorganised",
    "respectful",
    "slow",
    "transparent",
    "chaotic",
    "friendly",
    "rushed",
    "thorough",
    "cold",
    "professional",
    "confusing",
    "encouraging",
)
ADVICE_DO = (
    "tell candidates when a role is paused",
    "send a short note even when the answer is no",
    "keep the promised timeline or explain the delay",
    "share the interview format in advance",
    "limit take-home tasks to a few hours",
    "give feedback after an assignment",
    "answer follow-up emails within a few days",
    "close the loop with everyone who interviewed",
)
ROLE_TITLES = (
    "data analyst",
    "backend developer",
    "account executive",
    "registered nurse",
    "product designer",
    "warehouse supervisor",
    "financial controller",
    "customer success specialist",
)
FIRST_NAMES = "olivia liam amara noah sofia mateo yuki ethan leila oscar priya lucas".split()
LAST_NAMES = "okafor lindqvist moreau tanaka novak fernandes kowalski haddad brennan".split()


def _clause(rng: random.Random, phrases) -> str:
    return rng.choice(phrases).format(n=rng.randint(2, 40))


def narrative(rng: random.Random) -> str:
    """A first-hand-sounding story of 3 to 14 sentences, different each time."""
    sentences = []
    for _ in range(rng.randint(3, 14)):
        kind = rng.random()
        if kind < 0.55:
            text = f"{rng.choice(SUBJECTS)} {_clause(rng, DID)} {_clause(rng, WHEN)}"
        elif kind < 0.85:
            text = f"I {_clause(rng, I_DID)} {_clause(rng, WHEN)}"
        else:
            first, second = rng.sample(FEELING, 2)
            text = f"overall the process felt {first} and {second}"
        sentences.append(text[0].upper() + text[1:] + ".")
    return " ".join(sentences)


def advice(rng: random.Random) -> str:
    return " ".join(f"Please {rng.choice(ADVICE_DO)}." for _ in range(rng.randint(1, 3)))


# --- the review form ----------------------------------------------------------------------------


def form_fields(values: dict) -> dict:
    """Review values (enums or their strings, dates, None) as the review form posts them: the
    form's own conversion (ReviewForm.data_from: the steps as boxes, the yes/no radios), then
    dates and checkboxes as a browser sends them. Post with urlencode(..., doseq=True)."""
    from reviews.forms import ReviewForm

    fields = {}
    for name, value in ReviewForm.data_from(values).items():
        if value is None or value is False or value == [] or value == "":
            continue
        if name == "process_month":
            value = value.strftime("%Y-%m")
        elif isinstance(value, date):
            value = value.isoformat()
        elif value is True:
            value = "y"
        fields[name] = value if isinstance(value, list) else str(value)
    return fields


def new_review_values(count: int, seed: int) -> list[dict]:
    """Realistic structured answers (the demo generator's mix), each with a narrative of its
    own, a third with advice and a third with a job title."""
    from demo.generator import DemoGenerator
    from reviews.fields import FIELDS
    from timeutils import today

    generator = DemoGenerator(
        employers=1, reviews=count, seed=f"bench-writes-{seed}", today=today()
    )
    generator.employer_rows()
    rows = generator.review_rows([0], list(range(generator.pool_size)))
    rng = random.Random(f"bench-writes-text-{seed}")
    values = []
    for row in rows:
        item = {name: row.get(name) for name in FIELDS}
        item["narrative"] = narrative(rng)
        item["advice"] = advice(rng) if rng.random() < 1 / 3 else None
        if rng.random() < 1 / 3:
            item["role_title"] = rng.choice(ROLE_TITLES)
            item["show_role_title"] = rng.random() < 0.5
        values.append(item)
    return values


# --- setting up a database ----------------------------------------------------------------------


def run_flask(args: list[str], database_url: str) -> str:
    env = {
        **os.environ,
        "FLASK_APP": "app:create_app",
        "HEARDBACK_CONFIG": "development",
        "DATABASE_URL": database_url,
        "SECRET_KEY": SECRET_KEY,
        "LOG_LEVEL": "WARNING",
    }
    result = subprocess.run(
        [sys.executable, "-m", "flask", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""


def load_data(database_url: str, reviews: int) -> dict[str, float]:
    """Migrate and fill the database; returns the seconds each step took."""
    seconds = {}
    steps = [
        ("migrate", ["db", "upgrade"]),
        ("demo data", _demo(max(1, reviews // 20), reviews, 1)),
        (f"{BIG:,}-review employer", _demo(1, BIG, 2)),
        (f"{SMALL}-review employer", _demo(1, SMALL, 3)),
        ("recompute", ["heardback", "recompute"]),
    ]
    for label, command in steps:
        started = time.perf_counter()
        summary = run_flask(command, database_url)
        seconds[label] = time.perf_counter() - started
        print(f"  {label}: {seconds[label]:.1f} s  {summary[:150]}", flush=True)
    if database_url.startswith("postgresql"):
        # What autovacuum does after a bulk load (it is off on this machine): without it the
        # planner has no statistics of the new rows and every index-only count visits the table.
        import psycopg

        started = time.perf_counter()
        with psycopg.connect(database_url, autocommit=True) as connection:
            connection.execute("VACUUM ANALYZE")
        seconds["vacuum"] = time.perf_counter() - started
        print(f"  vacuum: {seconds['vacuum']:.1f} s", flush=True)
    return seconds


def _demo(employers: int, reviews: int, seed: int) -> list[str]:
    return [
        "heardback",
        "demo-data",
        "--employers",
        str(employers),
        "--reviews",
        str(reviews),
        "--seed",
        str(seed),
    ]


def app_settings(database_url: str, redis_prefix: str) -> dict[str, str]:
    """Production settings for the server (and the in-process app): Redis rate-limit storage
    under this run's prefix, limits out of the way, email never sent."""
    return {
        "HEARDBACK_CONFIG": "production",
        "DATABASE_URL": database_url,
        "SECRET_KEY": SECRET_KEY,
        "REDIS_URL": REDIS_URL,
        "RATELIMIT_KEY_PREFIX": redis_prefix,
        "RATELIMIT_REVIEW": UNLIMITED,
        "RATELIMIT_SIGN_IN": UNLIMITED,
        "RATELIMIT_SIGN_IN_PER_EMAIL": UNLIMITED,
        "RATELIMIT_SIGN_IN_PER_EMAIL_ALL_CLIENTS": UNLIMITED,
        "MAIL_BACKEND": "outbox",
        "MAIL_OUTBOX_DIR": tempfile.gettempdir(),
        "LOG_LEVEL": "WARNING",
    }


def in_process_app(settings: dict[str, str]):
    from app import create_app
    from config import ProductionConfig
    from extensions import limiter

    overrides = {
        "SQLALCHEMY_DATABASE_URI": settings["DATABASE_URL"],
        **{
            key: value
            for key, value in settings.items()
            if key not in ("HEARDBACK_CONFIG", "DATABASE_URL")
        },
    }
    limiter._key_prefix = None  # each app counts under its own prefix (tests/conftest.py)
    return create_app({**vars_of(ProductionConfig), **overrides})


def vars_of(config_class) -> dict:
    return {name: getattr(config_class, name) for name in dir(config_class) if name.isupper()}


@dataclass
class Writer:
    """A signed-in account and the request it will send."""

    cookie: str
    path: str
    payload: bytes


@dataclass
class Plan:
    warmup: list[Writer]
    submissions: list[Writer]
    profiled: list[Writer]
    edits_small: list[Writer]
    edits_big: list[Writer]
    big_id: int
    small_id: int
    busiest_id: int  # the demo set's busiest employer (the §11 data set's realistic maximum)
    target_counts: list[int]
    bench_user_ids: list[int] = field(default_factory=list)


def signed_in(app, users) -> dict[int, tuple[str, str]]:
    """Sign-in sessions inserted directly (no password hashed): user id -> (cookie, CSRF token),
    as the sign-in form and the form page would have left them in the browser."""
    from flask import g, session
    from flask_login import login_user
    from flask_wtf.csrf import generate_csrf
    from sqlalchemy import insert

    from accounts.models import LoginSession
    from accounts.services import SESSION_KEY
    from extensions import db
    from timeutils import utcnow

    now = utcnow()
    tokens = {user.id: secrets.token_urlsafe(32) for user in users}
    db.session.execute(
        insert(LoginSession),
        [
            {
                "user_id": user_id,
                "token_hash": hashlib.sha256(token.encode()).hexdigest(),
                "created_at": now,
                "expires_at": now + timedelta(days=30),
            }
            for user_id, token in tokens.items()
        ],
    )
    serializer = app.session_interface.get_signing_serializer(app)
    cookie_name = app.config["SESSION_COOKIE_NAME"]
    found = {}
    for user in users:
        with app.test_request_context("/", headers={"User-Agent": USER_AGENT}):
            session.permanent = True
            session[SESSION_KEY] = tokens[user.id]
            login_user(user)
            # The caller's app context (and its g) outlives this request context: without
            # this, generate_csrf would hand every account the first one's cached token.
            g.pop(app.config["WTF_CSRF_FIELD_NAME"], None)
            csrf = generate_csrf()
            found[user.id] = (f"{cookie_name}={serializer.dumps(dict(session))}", csrf)
    return found


def create_accounts(count: int, run: str) -> list[int]:
    from sqlalchemy import insert, select

    from accounts.models import User
    from extensions import db
    from timeutils import utcnow

    created = utcnow() - timedelta(days=40)
    rows = [
        {
            "email": f"{FIRST_NAMES[i % 12]}.{LAST_NAMES[i % 9]}{i}-{run}@example.invalid",
            "password_hash": "!bench-account-no-password",
            "role": "candidate",
            "created_at": created,
            "email_verified_at": created,
            "password_changed_at": created,
        }
        for i in range(count)
    ]
    db.session.execute(insert(User), rows)
    return list(
        db.session.scalars(
            select(User.id).where(User.email.like(f"%-{run}@example.invalid")).order_by(User.id)
        )
    )


def prepare(app, submissions: int, seed: int) -> Plan:
    """Accounts, sessions and request bodies for every write the benchmark sends."""
    from sqlalchemy import select

    from accounts.models import User
    from employers.models import Employer, EmployerStats
    from extensions import db
    from reviews.fields import values_of
    from reviews.models import Review, ReviewStatus

    rng = random.Random(seed)
    with app.app_context():
        # The last two employers loaded: the 10,000-review one, then the 10-review one.
        big_id, small_id = sorted(
            db.session.scalars(select(Employer.id).order_by(Employer.id.desc()).limit(2))
        )
        # Where new reviews land: employers in proportion to their reviews (the demo set only).
        rows = db.session.execute(
            select(Employer.id, Employer.slug, EmployerStats.review_count)
            .join(EmployerStats, EmployerStats.employer_id == Employer.id)
            .where(EmployerStats.review_count > 0, Employer.id < min(small_id, big_id))
        ).all()
        busiest_id = max(rows, key=lambda row: row.review_count).id
        total = WARMUP + submissions + PROFILED_SUBMISSIONS
        targets = rng.choices(rows, weights=[row.review_count for row in rows], k=total)
        run = uuid.uuid4().hex[:8]
        user_ids = create_accounts(total, run)
        users = list(
            db.session.scalars(select(User).where(User.id.in_(user_ids)).order_by(User.id))
        )
        sessions = signed_in(app, users)
        writers = []
        for user, target, values in zip(
            users, targets, new_review_values(total, seed), strict=True
        ):
            cookie, csrf = sessions[user.id]
            body = {
                **form_fields(values),
                # The form's idempotency key, as the form page would have made it.
                "submission_key": secrets.token_urlsafe(24),
                "action": "publish",
                "csrf_token": csrf,
            }
            path = f"/reviews/new?employer={quote(target.slug)}"
            writers.append(Writer(cookie, path, urlencode(body, doseq=True).encode()))

        def edits(employer_id: int) -> list[Writer]:
            reviews = list(
                db.session.scalars(
                    select(Review)
                    .where(
                        Review.employer_id == employer_id, Review.status == ReviewStatus.published
                    )
                    .order_by(Review.id)
                )
            )
            chosen = rng.sample(reviews, min(EDITS, len(reviews)))
            authors = {review.author_id for review in chosen}
            sessions = signed_in(
                app, list(db.session.scalars(select(User).where(User.id.in_(authors))))
            )
            text_rng = random.Random(f"edits-{employer_id}-{seed}")
            found = []
            for number in range(EDITS):
                review = chosen[number % len(chosen)]
                cookie, csrf = sessions[review.author_id]
                values = {**values_of(review), "narrative": narrative(text_rng)}
                body = {**form_fields(values), "action": "publish", "csrf_token": csrf}
                found.append(
                    Writer(
                        cookie,
                        f"/reviews/{review.public_id}/edit",
                        urlencode(body, doseq=True).encode(),
                    )
                )
            return found

        plan = Plan(
            warmup=writers[:WARMUP],
            submissions=writers[WARMUP : WARMUP + submissions],
            profiled=writers[WARMUP + submissions :],
            edits_small=edits(small_id),
            edits_big=edits(big_id),
            big_id=big_id,
            small_id=small_id,
            busiest_id=busiest_id,
            target_counts=[row.review_count for row in targets[WARMUP : WARMUP + submissions]],
            bench_user_ids=user_ids,
        )
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return plan


# --- the HTTP part ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """Two gunicorn workers on loopback (the §11 machine has two cores)."""

    def __init__(self, settings: dict[str, str]):
        self.port = free_port()
        self.log = Path(tempfile.gettempdir()) / f"bench-writes-gunicorn-{self.port}.log"
        # The worker keeps its own copy of the file descriptor.
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "--workers",
                    "2",
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "--chdir",
                    str(ROOT),
                    # Its control socket has one default path for every gunicorn of the user.
                    "--no-control-socket",
                    "bench.writes:server_app()",
                ],
                cwd=ROOT,
                env={**os.environ, **settings},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self._wait_until_ready()

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {self.log}")
            try:
                status, _ = request(self.port, "GET", "/healthz")
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer within 60 s; see {self.log}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def request(
    port: int, method: str, path: str, body: bytes | None = None, cookie: str | None = None
):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"User-Agent": USER_AGENT}
    if cookie:
        headers["Cookie"] = cookie
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        content = response.read()
        return response.status, (response, content)
    finally:
        connection.close()


@dataclass
class Timings:
    server_ms: list[float] = field(default_factory=list)
    client_ms: list[float] = field(default_factory=list)
    cpu_ms: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    busy: float = float("nan")  # share of the machine's CPU busy meanwhile (this run included)


def send(port: int, writers: list[Writer]) -> Timings:
    """POST each write in turn; a write succeeded if it redirects to the author's page."""
    timings = Timings()
    before = cpu_sample()
    for writer in writers:
        started = time.perf_counter()
        status, (response, content) = request(
            port, "POST", writer.path, writer.payload, writer.cookie
        )
        timings.client_ms.append((time.perf_counter() - started) * 1000)
        timings.server_ms.append(float(response.getheader(SERVER_TIME_HEADER, "nan")))
        timings.cpu_ms.append(float(response.getheader(CPU_TIME_HEADER, "nan")))
        timings.queries.append(int(response.getheader(QUERIES_HEADER, "-1")))
        if status != 302 or not (response.getheader("Location") or "").endswith("/me"):
            timings.failures.append(f"{status} {writer.path}: {content[:300]!r}")
    timings.busy = busy_since(before)
    return timings


def cpu_sample() -> tuple[int, int]:
    """(all, idle + iowait) CPU ticks of the machine so far (/proc/stat), or (0, 0)."""
    try:
        values = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    except (OSError, ValueError):
        return 0, 0
    return sum(values[:8]), values[3] + values[4]


def busy_since(before: tuple[int, int]) -> float:
    """The share of the machine's CPU time that was busy since a cpu_sample()."""
    total_after, idle_after = cpu_sample()
    total = total_after - before[0]
    return 1 - (idle_after - before[1]) / total if total > 0 else float("nan")


def cpu_busy(seconds: float = 3.0) -> float:
    before = cpu_sample()
    time.sleep(seconds)
    return busy_since(before)


def wait_for_quiet(what: str) -> float:
    """Wait (a while) for other work on the machine to finish before timing: the figures are
    for this app on an otherwise idle two-core machine. Returns the busy share found."""
    deadline = time.monotonic() + QUIET_PATIENCE
    busy = cpu_busy()
    while busy > QUIET_BUSY and time.monotonic() < deadline:
        print(f"  waiting for the machine to quieten before {what}: {busy:.0%} busy", flush=True)
        busy = cpu_busy(10)
    return busy


# --- in-process measurements --------------------------------------------------------------------


def outcome_counts(app, user_ids: list[int]) -> Counter:
    from sqlalchemy import func, select

    from extensions import db
    from reviews.models import Review

    with app.app_context():
        rows = db.session.execute(
            select(Review.status, Review.hold_reason, func.count())
            .where(Review.author_id.in_(user_ids))
            .group_by(Review.status, Review.hold_reason)
        ).all()
        db.session.remove()
    counts = Counter()
    for status, reason, number in rows:
        label = status.value if reason is None else f"{status.value} ({reason.value})"
        counts[label] += number
    return counts


@dataclass
class RefreshResult:
    published: int
    timings_ms: list[float]
    queries: int


def time_refresh(app, counter: QueryCounter, employer_id: int, runs: int) -> RefreshResult:
    """refresh_employer + the flush that writes the row, one transaction per run (committed
    outside the timing), after two untimed runs."""
    from scoring.stats import refresh_employer

    return _timed(app, counter, employer_id, runs, lambda run: refresh_employer(employer_id))


def time_publication(app, counter: QueryCounter, employer_id: int, runs: int) -> RefreshResult:
    """The tick making one author's change public at the employer (reviews.pending.apply: the
    change written and folded into the statistics row's running sums, scoring.sketch) and the
    flush, one transaction per run (committed outside the timing), after two untimed runs, each
    run another review; the change is "turned down other work", flipped."""
    from sqlalchemy import select

    from extensions import db
    from reviews import pending
    from reviews.models import Review, ReviewStatus
    from timeutils import utcnow

    with app.app_context():
        ids = list(
            db.session.scalars(
                select(Review.id)
                .where(Review.employer_id == employer_id, Review.status == ReviewStatus.published)
                .order_by(Review.id)
                .limit(runs + 2)
            )
        )
        db.session.remove()
    reviews = {}

    def prepare(run: int):
        review = db.session.get(Review, ids[run % len(ids)])
        reviews[run] = (review, {"turned_down_work": not review.turned_down_work})

    def publish(run: int):
        pending.apply([reviews.pop(run)], utcnow())

    return _timed(app, counter, employer_id, runs, publish, prepare)


def _timed(app, counter: QueryCounter, employer_id: int, runs: int, work, prepare=None):
    """work(run) and the flush, timed with their SQL statements, in a transaction of its own
    (its commit not timed), runs + 2 times; the first two untimed. prepare(run), if given, runs
    first, untimed."""
    from sqlalchemy import func, select

    from extensions import db
    from reviews.models import Review, ReviewStatus

    timings, queries = [], set()
    with app.app_context():
        published = db.session.scalar(
            select(func.count()).where(
                Review.employer_id == employer_id, Review.status == ReviewStatus.published
            )
        )
        db.session.commit()
        for run in range(runs + 2):
            if prepare is not None:
                prepare(run)
            counter.count = 0
            started = time.perf_counter()
            work(run)
            db.session.flush()
            elapsed = (time.perf_counter() - started) * 1000
            queries.add(counter.count)
            db.session.commit()
            if run >= 2:
                timings.append(elapsed)
        db.session.remove()
    if len(queries) != 1:
        print(f"  note: statement counts varied: {sorted(queries)}")
    return RefreshResult(published, timings, max(queries))


def profile(work) -> tuple[object, float]:
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.0005)
    started = time.perf_counter()
    profiler.start()
    work()
    profiler.stop()
    return profiler, time.perf_counter() - started


def profile_submissions(app, writers: list[Writer]):
    """The same POSTs through the Flask test client, under pyinstrument."""

    def work():
        for writer in writers:
            # Production cookies are Secure, which the test client's jar keeps off plain http:
            # the cookie goes in the header, as the HTTP client sends it.
            client = app.test_client(use_cookies=False)
            response = client.post(
                writer.path,
                data=writer.payload,
                content_type="application/x-www-form-urlencoded",
                headers={"User-Agent": USER_AGENT, "Cookie": writer.cookie},
                # Plain http as to gunicorn (production's https default would add Flask-WTF's
                # Referer check, which this request doesn't carry).
                base_url="http://localhost",
            )
            if response.status_code != 302:
                print(f"  profiled submission answered {response.status_code}")

    return profile(work)


@dataclass
class SlowestSelect:
    statement: str
    ms: float
    plan: str


def capture_statements(app) -> list[tuple[str, object]]:
    """Every statement (and its parameters) sent from now on, in order."""
    from sqlalchemy import event

    from extensions import db

    captured: list[tuple[str, object]] = []

    def record(_conn, _cursor, statement, parameters, _context, _executemany):
        captured.append((statement, parameters))

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", record)
    return captured


def slowest_select(app, statements: list[tuple[str, object]]) -> SlowestSelect | None:
    """Re-run each SELECT of one submission alone (rows fetched) and explain the slowest."""
    from extensions import db

    timed = []
    with app.app_context(), db.engine.connect() as connection:
        for statement, parameters in statements:
            if not statement.lstrip().upper().startswith("SELECT"):
                continue
            started = time.perf_counter()
            connection.exec_driver_sql(statement, parameters).fetchall()
            timed.append(((time.perf_counter() - started) * 1000, statement, parameters))
        if not timed:
            return None
        elapsed, statement, parameters = max(timed, key=lambda item: item[0])
        if connection.dialect.name == "sqlite":
            rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
            plan = "; ".join(str(row[-1]) for row in rows)
        else:
            rows = connection.exec_driver_sql("EXPLAIN " + statement, parameters)
            plan = "; ".join(" ".join(str(row[0]).split()) for row in rows)
        connection.rollback()
    return SlowestSelect(" ".join(statement.split()), elapsed, plan)


def profile_refresh(app, employer_id: int):
    from extensions import db
    from scoring.stats import refresh_employer

    def work():
        for _ in range(PROFILED_REFRESHES):
            refresh_employer(employer_id)
            db.session.flush()
            db.session.rollback()

    with app.app_context():
        result = profile(work)
        db.session.remove()
    return result


def hotspots(profiler, limit: int = 6) -> tuple[list[tuple[str, float]], list[tuple[str, float]]]:
    """(time by package as shares of the total, the project's functions by inclusive share)."""
    root = profiler.last_session.root_frame()
    if root is None or root.time <= 0:
        return [], []
    total = root.time
    by_package: dict[str, float] = defaultdict(float)
    inclusive: dict[str, float] = defaultdict(float)
    venv = str(ROOT / ".venv")

    def walk(frame, active: frozenset) -> None:
        path = frame.file_path or ""
        project = path.startswith(str(ROOT)) and not path.startswith(venv)
        if project:
            relative = Path(path).relative_to(ROOT)
            package = relative.parts[0].removesuffix(".py")
            key = f"{'.'.join(relative.with_suffix('').parts)}.{frame.function}"
            if key not in active and package != "bench":
                inclusive[key] += frame.time
                active = active | {key}
            by_package[f"{package} (app)" if package != "bench" else "bench"] += (
                frame.total_self_time
            )
        elif "site-packages" in path:
            by_package[path.split("site-packages/", 1)[1].split("/", 1)[0]] += frame.total_self_time
        elif path == "<built-in>" and frame.function.startswith(("Cursor.", "Connection.")):
            # sqlite3's C calls: the database's own work, done in this process.
            by_package["sqlite3 (the database, in-process)"] += frame.total_self_time
        elif path:
            by_package["Python stdlib / C"] += frame.total_self_time
        for child in frame.children:
            walk(child, active)

    walk(root, frozenset())
    shares = sorted(((name, t / total) for name, t in by_package.items()), key=lambda x: -x[1])
    functions = sorted(((name, t / total) for name, t in inclusive.items()), key=lambda x: -x[1])
    # The outermost frames (the view, the test client) are 100%: keep what says where time goes.
    functions = [(name, share) for name, share in functions if share < 0.97]
    return shares[:limit], functions[: limit * 2]


# --- one database -------------------------------------------------------------------------------


@dataclass
class Result:
    label: str
    load_seconds: dict[str, float]
    submissions: Timings
    outcomes: Counter
    target_counts: list[int]
    edits_small: Timings
    edits_big: Timings
    refresh_small: RefreshResult
    refresh_busiest: RefreshResult
    refresh_big: RefreshResult
    publish_small: RefreshResult
    publish_big: RefreshResult
    submission_profile: tuple
    refresh_profile: tuple
    profiled_submission_ms: float
    slowest: SlowestSelect | None
    quiet: tuple[float, float]  # busy share of the machine before the HTTP writes, refreshes


def measure(label: str, database_url: str, options, redis_prefix: str) -> Result:
    print(f"{label}: loading {options.reviews:,} demo reviews", flush=True)
    load_seconds = load_data(database_url, options.reviews)
    settings = app_settings(database_url, redis_prefix)
    app = in_process_app(settings)
    plan = prepare(app, options.submissions, seed=7)
    server = Server(settings)
    try:
        send(server.port, plan.warmup)
        quiet_before_http = wait_for_quiet("the HTTP writes")
        submissions = send(server.port, plan.submissions)
        print(f"  submissions: {summary(submissions)}", flush=True)
        edits_small = send(server.port, plan.edits_small)
        edits_big = send(server.port, plan.edits_big)
        print(
            f"  edits at {SMALL}: {summary(edits_small)}\n  edits at {BIG:,}: {summary(edits_big)}"
        )
    finally:
        server.stop()
    for timings in (submissions, edits_small, edits_big):
        for failure in timings.failures[:3]:
            print(f"  FAILED: {failure}")
    outcomes = outcome_counts(app, plan.bench_user_ids[WARMUP : WARMUP + options.submissions])
    print(f"  outcomes: {dict(outcomes)}")
    counter = count_queries(app)
    quiet_before_refresh = wait_for_quiet("the refreshes")
    refresh_small = time_refresh(app, counter, plan.small_id, options.refresh_runs)
    refresh_busiest = time_refresh(app, counter, plan.busiest_id, options.refresh_runs)
    refresh_big = time_refresh(app, counter, plan.big_id, options.refresh_runs)
    publish_small = time_publication(app, counter, plan.small_id, options.refresh_runs)
    publish_big = time_publication(app, counter, plan.big_id, options.refresh_runs)
    for name, found in (
        ("small", refresh_small),
        ("busiest demo", refresh_busiest),
        ("big", refresh_big),
        ("publication of a change, small", publish_small),
        ("publication of a change, big", publish_big),
    ):
        print(
            f"  refresh {name} ({found.published:,} published): p50"
            f" {report.percentile(found.timings_ms, 50):.1f} ms, p95"
            f" {report.percentile(found.timings_ms, 95):.1f} ms, {found.queries} queries"
        )
    captured = capture_statements(app)
    submission_profiler, seconds = profile_submissions(app, plan.profiled[:-1])
    del captured[:]
    profile_submissions(app, plan.profiled[-1:])
    slowest = slowest_select(app, list(captured))
    del captured[:]
    refresh_profiler, _ = profile_refresh(app, plan.big_id)
    print(submission_profiler.output_text(color=False, unicode=False, show_all=False)[:6000])
    print(refresh_profiler.output_text(color=False, unicode=False, show_all=False)[:6000])
    with app.app_context():
        from extensions import db

        db.engine.dispose()
    return Result(
        label,
        load_seconds,
        submissions,
        outcomes,
        plan.target_counts,
        edits_small,
        edits_big,
        refresh_small,
        refresh_busiest,
        refresh_big,
        publish_small,
        publish_big,
        hotspots(submission_profiler),
        hotspots(refresh_profiler),
        seconds * 1000 / max(1, len(plan.profiled) - 1),
        slowest,
        (quiet_before_http, quiet_before_refresh),
    )


def summary(timings: Timings) -> str:
    values = timings.server_ms
    return (
        f"n={len(values)} p50 {report.percentile(values, 50):.1f} ms, p95"
        f" {report.percentile(values, 95):.1f} ms, max {max(values):.1f} ms,"
        f" {median_int(timings.queries)} queries, {len(timings.failures)} failed"
    )


def median_int(values: list[int]) -> int:
    return int(report.percentile([float(v) for v in values], 50))


# --- databases ----------------------------------------------------------------------------------


def sqlite_database(folder: Path) -> str:
    return f"sqlite:///{folder / 'heardback.sqlite3'}"


def create_postgres() -> tuple[str, str]:
    import psycopg

    name = f"heardback_bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return name, f"{POSTGRES_SERVER}/{name}"


def drop_postgres(name: str) -> None:
    import psycopg

    if not name.startswith("heardback_bench_"):
        raise ValueError(name)
    with psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def clear_redis(prefix: str) -> int:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=f"*{prefix}*", count=1000))
    if keys:
        client.delete(*keys)
    return len(keys)


# --- the report ---------------------------------------------------------------------------------


def ms(value: float) -> str:
    return f"{value:.1f}"


def timing_row(label: str, what: str, timings: Timings, target: bool) -> list[object]:
    values = timings.server_ms
    p95 = report.percentile(values, 95)
    verdict = ("met" if p95 <= TARGET_P95_MS else "**missed**") if target else "(no target)"
    return [
        label,
        what,
        len(values),
        ms(report.percentile(values, 50)),
        ms(p95),
        ms(report.percentile(values, 99)),
        ms(max(values)),
        ms(report.percentile(timings.client_ms, 50)),
        " / ".join(ms(report.percentile(timings.cpu_ms, share)) for share in (50, 95)),
        f"{median_int(timings.queries)} ({min(timings.queries)}-{max(timings.queries)})",
        verdict,
    ]


def render(results: list[Result], options, wall_seconds: float) -> str:
    rows, refresh_rows, outcome_lines, profile_lines = [], [], [], []
    publication_rows = []
    for result in results:
        counts = sorted(result.target_counts)
        rows.append(
            timing_row(
                result.label,
                f"new review, employers drawn by review count (median"
                f" {counts[len(counts) // 2]}, max {counts[-1]} reviews)",
                result.submissions,
                True,
            )
        )
        rows.append(
            timing_row(
                result.label,
                f"edit of a published review, employer with {result.refresh_small.published}",
                result.edits_small,
                False,
            )
        )
        rows.append(
            timing_row(
                result.label,
                f"edit of a published review, employer with {result.refresh_big.published:,}",
                result.edits_big,
                False,
            )
        )
        for found in (result.publish_small, result.publish_big):
            publication_rows.append(
                [
                    result.label,
                    f"{found.published:,}",
                    len(found.timings_ms),
                    ms(report.percentile(found.timings_ms, 50)),
                    ms(report.percentile(found.timings_ms, 95)),
                    ms(max(found.timings_ms)),
                    found.queries,
                    "≤ 20 ms" if found is result.publish_big else "",
                ]
            )
        for found in (result.refresh_small, result.refresh_busiest, result.refresh_big):
            refresh_rows.append(
                [
                    result.label,
                    f"{found.published:,}",
                    len(found.timings_ms),
                    ms(report.percentile(found.timings_ms, 50)),
                    ms(report.percentile(found.timings_ms, 95)),
                    ms(max(found.timings_ms)),
                    found.queries,
                ]
            )
        total = sum(result.outcomes.values())
        outcome_lines.append(
            f"- {result.label}: "
            + ", ".join(f"{label} {number}" for label, number in result.outcomes.most_common())
            + f" (of {total}); failed requests: {len(result.submissions.failures)}"
            + f" submissions, {len(result.edits_small.failures) + len(result.edits_big.failures)}"
            f" edits. Machine CPU busy: {result.quiet[0]:.0%} just before the timed writes,"
            f" {result.submissions.busy:.0%} during the submissions (the client and one worker"
            f" alone keep about half of the two cores busy), {result.quiet[1]:.0%} before the"
            " refreshes. Data loaded in "
            + ", ".join(f"{name} {seconds:.0f} s" for name, seconds in result.load_seconds.items())
            + "."
        )
        for title, (packages, functions) in (
            (
                f"{PROFILED_SUBMISSIONS - 1} submissions in-process (test client,"
                f" {result.profiled_submission_ms:.1f} ms each under the profiler)",
                result.submission_profile,
            ),
            (f"{PROFILED_REFRESHES} refreshes at {BIG:,} reviews", result.refresh_profile),
        ):
            profile_lines.append(
                f"- {result.label}, {title}: self time by package "
                + ", ".join(f"{name} {share:.0%}" for name, share in packages)
                + "; heaviest app functions (inclusive) "
                + ", ".join(f"`{name}` {share:.0%}" for name, share in functions)
                + "."
            )
        if result.slowest is not None:
            slowest = result.slowest
            profile_lines.append(
                f"- {result.label}, the slowest SELECT of one more submission, re-run alone:"
                f" {slowest.ms:.0f} ms, `{slowest.statement[:400]}`; plan: `{slowest.plan[:400]}`."
            )
    return "\n".join(
        [
            "## Writes: submitting a review, updating the statistics row",
            "",
            report.header(),
            f"Data: the demo-data generator at {options.reviews:,} reviews over"
            f" {max(1, options.reviews // 20):,} employers, plus one employer with {BIG:,}"
            f" published reviews and one with {SMALL}, then `recompute`. Server: gunicorn, 2 sync"
            " workers on loopback, production settings (Redis rate-limit storage, limits raised"
            " so they never refuse); each request timed inside the worker by a WSGI wrapper"
            " (`bench.writes:server_app`) from arrival at the app to the end of its teardown, and"
            " its SQL statements counted (before_cursor_execute). Client: one request at a time"
            f" over a new connection; {WARMUP} untimed submissions first. Each submission is a"
            " POST of the review form with action=publish by an account of its own, signed in"
            " beforehand (sessions inserted directly: no password hashing), with the demo"
            " generator's mix of answers and a narrative of its own (a third with advice, a third"
            " with a job title), at an employer drawn in proportion to its reviews. Edits: POSTs"
            " of the edit form (new narrative, action=publish) by the authors of published"
            " reviews; they store the change as pending (DESIGN.md §5.8), which the tick makes"
            " public later (timed below).",
            "",
            f"Target (DESIGN.md §11): submitting a review p95 ≤ {TARGET_P95_MS} ms excluding"
            " password hashing.",
            "",
            report.table(
                [
                    "database",
                    "write",
                    "n",
                    "p50 ms",
                    "p95 ms",
                    "p99 ms",
                    "max ms",
                    "client p50 ms",
                    "worker CPU p50 / p95 ms",
                    "SQL statements, median (range)",
                    "target",
                ],
                rows,
            ),
            "What became of the timed submissions (automatic holds, DESIGN.md §8):",
            "",
            *outcome_lines,
            "",
            f"`scoring.stats.refresh_employer(employer_id)` and the flush that writes the row,"
            f" in-process, {options.refresh_runs} runs each after two untimed ones, each its own"
            " transaction (its commit not timed):",
            "",
            report.table(
                [
                    "database",
                    "published reviews",
                    "n",
                    "p50 ms",
                    "p95 ms",
                    "max ms",
                    "SQL statements",
                ],
                refresh_rows,
            ),
            "A change made public: the tick's `reviews.pending.apply` of one author's change"
            " (the change written, then folded into the employer's running sums,"
            " scoring.sketch, and the row written) and the flush, in-process,"
            f" {options.refresh_runs} runs each after two untimed ones, each its own transaction"
            " and another review (its commit not timed). This is what an edit costs now: the"
            " edit itself only stores the change as pending (DESIGN.md §5.8); the rebuild above"
            " runs only for the day's first change at an employer below"
            " `scoring.stats.SKETCH_KEPT_FROM` reviews, or after a change it was not told of:",
            "",
            report.table(
                [
                    "database",
                    "published reviews",
                    "n",
                    "p50 ms",
                    "p95 ms",
                    "max ms",
                    "SQL statements",
                    "target (issue 19)",
                ],
                publication_rows,
            ),
            "Profiles (pyinstrument, in-process):",
            "",
            *profile_lines,
            "",
            "### What limits it",
            "",
            limits(results),
            "",
            f"Wall time of the whole run: {wall_seconds / 60:.1f} min.",
        ]
    )


def _share(functions: list[tuple[str, float]], name: str) -> float:
    return dict(functions).get(name, 0.0)


def limits(results: list[Result]) -> str:
    """What limits each write, from this run's profiles and figures (the reasoning is in
    reviews/holds.py and scoring/stats.py; the numbers are this run's)."""
    if not results:
        return ""
    p50 = report.percentile
    near = []
    for result in results:
        share = _share(result.submission_profile[1], "reviews.holds.near_duplicate_candidates")
        rest = result.profiled_submission_ms * (1 - share)
        near.append(
            f"{result.label} {share:.0%} (the rest of a submission: about {rest:.0f} ms under"
            " the profiler)"
        )
    refresh = []
    for result in results:
        big = result.refresh_big
        figures = _share(result.refresh_profile[1], "scoring.stats.sketch_of")
        facts = _share(result.refresh_profile[1], "scoring.stats.facts_from_row")
        refresh.append(
            f"{result.label}: p50 {p50(result.refresh_small.timings_ms, 50):.1f} ms at"
            f" {result.refresh_small.published}, {p50(result.refresh_busiest.timings_ms, 50):.0f}"
            f" ms at {result.refresh_busiest.published:,} (the demo set's busiest employer),"
            f" {p50(big.timings_ms, 50):.0f} ms at {big.published:,}, about"
            f" {p50(big.timings_ms, 50) * 1000 / max(1, big.published):.0f} µs a review;"
            f" {figures:.0%} of it in `scoring.stats.sketch_of` (each review's contribution),"
            f" {facts:.0%} building"
            " `ReviewFacts`, most of the rest reading the rows"
        )
    publications = "; ".join(
        f"{result.label} p50 {p50(result.publish_small.timings_ms, 50):.1f} ms at"
        f" {result.publish_small.published}, {p50(result.publish_big.timings_ms, 50):.1f} ms"
        f" (p95 {p50(result.publish_big.timings_ms, 95):.1f}) at"
        f" {result.publish_big.published:,}"
        for result in results
    )
    edits = ", ".join(
        f"{result.label} {p50(result.edits_big.server_ms, 50):.0f} ms" for result in results
    )
    return "\n\n".join(
        [
            "**Submitting a review.** Share of a submission's time in"
            " `reviews.holds.near_duplicate_candidates`: " + "; ".join(near) + ". Nearly all of"
            " it is the database running one of its four queries, the site-wide one (reviews"
            " with a text of comparable length submitted in the last 30 days, `ORDER BY id DESC"
            " LIMIT 1000`). Nothing ends that scan at the 30-day bound: `reviews.created_at` has"
            " no index, so SQLite walks the primary key backwards over the whole table (`SCAN"
            " reviews`) and PostgreSQL runs a parallel sequential scan with a top-N sort, unless"
            " 1,000 matching texts turn up first. With the length window that is the usual case,"
            " so the check costs in proportion to the whole site, not to the employer or the"
            " last 30 days (the slowest query above). Proposed: a partial index on"
            " `reviews (created_at, coalesce(length(narrative), 0) + coalesce(length(advice), 0))`"
            " where a text is present, the site-wide query ordered by `created_at DESC`, and the"
            " zeros of the length expression written as SQL literals rather than bound"
            " parameters (SQLite matches an indexed expression only then). The rest of a"
            " submission is spread over the other candidate queries, comparing the candidates'"
            " shingles in Python (it grows with the number of candidates, up to 1,600; the"
            " benchmark's narratives come from a small grammar and share more long words than"
            " real ones, so its word prefilter skips fewer of them than it would on real text),"
            " the direction-burst check, the form and the scrubber.",
            "**Updating the statistics row.** Rebuilt, `refresh_employer` reads every published"
            " review of the employer, computes each one's contribution to the running sums"
            " (scoring.sketch) and reads the figures from their totals: " + "; ".join(refresh) + "."
            " That is what a moderator's action costs, and the day's first change at an employer"
            " whose sketch the daily rebuild did not keep (below `SKETCH_KEPT_FROM` reviews). A"
            " change the tick makes public folds into the sums instead: " + publications + ". A"
            " new review is scheduled and folded in when the tick publishes it"
            " (`reviews.lifecycle.refresh_published`); an edit of a published review stores the"
            " change as pending, and the tick makes it public (DESIGN.md §5.8): the edit's own"
            f" request at {BIG:,} reviews took p50 " + edits + ".",
            "This machine is shared: other jobs ran during parts of this run (CPU busy shares"
            " above), which inflates wall-clock times; the worker CPU column is the figure they"
            " disturb least.",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--reviews", type=int, default=1_000_000, help="demo reviews to load")
    parser.add_argument("--submissions", type=int, default=300, help="timed submissions")
    parser.add_argument("--refresh-runs", type=int, default=50, help="timed refreshes each")
    options = parser.parse_args()
    started = time.perf_counter()
    redis_prefix = f"heardback-bench-writes-{uuid.uuid4().hex[:12]}"
    results = []
    folder = Path(tempfile.mkdtemp(prefix="heardback-bench-writes-"))
    try:
        results.append(measure("SQLite", sqlite_database(folder), options, redis_prefix))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if not options.no_postgres:
        name, url = create_postgres()
        try:
            results.append(measure("PostgreSQL", url, options, redis_prefix))
        finally:
            drop_postgres(name)
    removed = clear_redis(redis_prefix)
    print(f"Removed {removed} rate-limit keys of this run from Redis.")
    body = render(results, options, time.perf_counter() - started)
    print(body)
    path = report.write_section("benchmarks.md", "writes", body, title="Benchmarks")
    print(f"Written to {path}")


if __name__ == "__main__":
    main()
