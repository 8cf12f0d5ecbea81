"""Load test with a client-side ledger, optionally with a fault injected (DESIGN.md §11).

    .venv/bin/python bench/load.py --database sqlite [--workers 2] [--clients 50] [--duration 60]
        [--fault none|postgres-restart|worker-kill|redis-stop] [--employers 2000] [--reviews 20000]

A fresh database (a SQLite file, or a new PostgreSQL database on --postgres) is migrated and filled
by the demo-data generator; load accounts are added (one candidate per client, five of them
representatives of busy employers). gunicorn serves the app on loopback with --workers sync
workers and Redis for rate limits. Each client is a thread with its own session that, for
--duration seconds, reads (90%: home, search, employer page, reviews list, API, rankings) or writes
(10%: review submissions, flags, responses, sign-out and sign-in again).

Every acknowledged write goes into the client's ledger: a review submission when the server
redirects to "Your reviews", a flag when it redirects to "sent", a response when it redirects after
publishing. A submission that fails (connection lost, 5xx) is retried with the same idempotency
key, as a browser's retry would be. Afterwards the database is checked against the ledger: every
acknowledged review present exactly once (by its key), every acknowledged flag and response present,
no review without its first revision (a partial write). The table goes into docs/reliability.md.

Faults: `postgres-restart` restarts the PostgreSQL cluster a third of the way in; `worker-kill`
SIGKILLs a random gunicorn worker every few seconds; `redis-stop` shuts Redis down for the middle
third (its documented behaviour: rate limits fail open to each process's memory).
"""

from __future__ import annotations

import argparse
import functools
import http.cookiejar
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import Counter, defaultdict
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.report import header, percentile, table, write_section  # noqa: E402

PASSWORD = "load test password 1"  # noqa: S105 - the load accounts' shared password
POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
REDIS = "redis://127.0.0.1:6379/0"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
KEY = re.compile(r'name="submission_key"[^>]*value="([^"]+)"')
REPRESENTATIVES = 5
SIGNED_IN_READS = 0.2  # share of reads sent with the session cookie
# Generous limits: every client comes from 127.0.0.1, so per-address limits would throttle the
# whole test as one user. The limits still run (through Redis), which is what is exercised.
LIMITS = {
    "RATELIMIT_SIGN_IN": "100000 per minute",
    "RATELIMIT_SIGN_IN_PER_EMAIL": "100000 per minute",
    "RATELIMIT_SIGN_IN_PER_EMAIL_ALL_CLIENTS": "100000 per minute",
    "RATELIMIT_REVIEW": "100000 per minute",
    "RATELIMIT_FLAG": "100000 per minute",
    "RATELIMIT_API": "100000 per minute",
}
NARRATIVE_WORDS = (
    "recruiter screen panel onsite silence promised timeline feedback offer manager call email "
    "week reply assignment references chased twice nothing decision polite template rejection "
    "interviewers friendly waited month portal status update hiring freeze budget role closed"
).split()


# --- the database ----------------------------------------------------------------------------


def flask(args: list[str], env: dict) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "-m", "flask", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if result.returncode:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return result


@contextmanager
def database(kind: str, folder: Path, admin_url: str):
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'load.sqlite3'}"
        return
    from sqlalchemy import create_engine, text

    name = f"heardback_load_{uuid.uuid4().hex[:8]}"
    engine = create_engine(
        admin_url.replace("postgresql://", "postgresql+psycopg://", 1),
        isolation_level="AUTOCOMMIT",
    )
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.rsplit("/", 1)[0] + "/" + name
    finally:
        for _ in range(10):
            try:
                with engine.connect() as connection:
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                break
            except Exception:  # the server may still be restarting after a fault
                time.sleep(2)
        engine.dispose()


@dataclass
class Seed:
    slugs: list[str]
    queries: list[str]
    review_ids: list[str]  # published reviews anyone may flag
    writers: list[str]  # emails, one per client
    represented: dict[str, list[str]]  # representative email -> their employer's review ids
    employer_slugs: list[str]  # employers to review (not the representatives')


CHEAP_HASHING = {"ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 1024, "ARGON2_PARALLELISM": 1}


def seed(database_url: str, clients: int, cheap_hashing: bool = False) -> Seed:
    """Load accounts and the pools the clients draw from, straight into the database."""
    from app import create_app

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": database_url, **(CHEAP_HASHING if cheap_hashing else {})}
    )
    with app.app_context():
        from sqlalchemy import select

        from accounts.models import User
        from accounts.services import hash_password
        from employers.models import Employer, EmployerStats
        from extensions import db
        from representatives.models import Representative
        from reviews.models import Review, ReviewStatus

        hashed = hash_password(PASSWORD)
        joined = datetime.now(UTC).replace(tzinfo=None) - timedelta(days=90)
        writers = [f"load-{index}-{uuid.uuid4().hex[:6]}@example.org" for index in range(clients)]
        users = [
            User(email=email, password_hash=hashed, created_at=joined, email_verified_at=joined)
            for email in writers
        ]
        db.session.add_all(users)
        db.session.flush()
        busy = db.session.execute(
            select(Employer.id, Employer.slug)
            .join(EmployerStats)
            .order_by(EmployerStats.review_count.desc(), Employer.id)
            .limit(400)
        ).all()
        represented = {}
        for user, (employer_id, _slug) in zip(users[:REPRESENTATIVES], busy, strict=False):
            db.session.add(Representative(user_id=user.id, employer_id=employer_id))
            represented[user.email] = list(
                db.session.scalars(
                    select(Review.public_id).where(
                        Review.employer_id == employer_id,
                        Review.status == ReviewStatus.published,
                    )
                )
            )
        db.session.commit()
        own = {employer_id for employer_id, _ in busy[:REPRESENTATIVES]}
        names = db.session.scalars(select(Employer.name).limit(300)).all()
        review_ids = db.session.scalars(
            select(Review.public_id)
            .where(Review.status == ReviewStatus.published)
            .order_by(Review.id.desc())
            .limit(3000)
        ).all()
        result = Seed(
            slugs=[slug for _, slug in busy[:200]],
            queries=sorted({name.split()[0][:6].lower() for name in names}),
            review_ids=list(review_ids),
            writers=writers,
            represented=represented,
            employer_slugs=[slug for employer_id, slug in busy if employer_id not in own],
        )
        db.session.remove()
        db.engine.dispose()
    return result


# --- the server ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_env(database_url: str, folder: Path, redis_url: str) -> dict:
    """The servers' environment; `redis_url` "memory://" runs without Redis (each process its
    own limits and page store)."""
    inherited = {name: value for name, value in os.environ.items() if name != "REDIS_URL"}
    shared = {"REDIS_URL": redis_url} if redis_url.startswith("redis") else {}
    return {
        **inherited,
        **shared,
        "FLASK_APP": "app:create_app",
        "HEARDBACK_CONFIG": "development",
        "DATABASE_URL": database_url,
        "RATELIMIT_KEY_PREFIX": f"load-{uuid.uuid4().hex[:8]}",
        "SECRET_KEY": "load-test-" + "k" * 40,
        "MAIL_OUTBOX_DIR": str(folder / "outbox"),
        "SITE_URL": "http://127.0.0.1",
        "LOG_LEVEL": "WARNING",
        **LIMITS,
    }


@contextmanager
def gunicorn(
    env: dict,
    workers: int,
    port: int,
    log: Path,
    extra: Sequence[str] = (),
    root: Path = ROOT,
    application: str = "app:create_app(serving=True)",
):
    """gunicorn serving the app; `extra`: more options (a worker class, threads, --preload);
    `root`: the checkout it serves from (bench/before_after.py: an earlier commit's worktree)."""
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--timeout",
        "60",
        "--backlog",
        "2048",
        *extra,
        application,
    ]
    with log.open("w") as output:
        process = subprocess.Popen(command, cwd=root, env=env, stdout=output, stderr=output)
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
                    break
                except (OSError, urllib.error.URLError):
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError("gunicorn did not start:\n" + log.read_text()) from None
                    time.sleep(0.3)
            yield process
        finally:
            process.terminate()
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()


def worker_pids(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children")
    try:
        return [int(pid) for pid in children.read_text().split()]
    except OSError:
        return []


def pss_mb(pid: int) -> float:
    """Proportional set size: the process's private pages plus its share of pages it shares with
    others (a page shared by 5 workers counts 1/5 in each), so the PSS of all of a server's
    processes adds up to what the server really holds, unlike RSS."""
    try:
        match = re.search(r"^Pss:\s*(\d+) kB", Path(f"/proc/{pid}/smaps_rollup").read_text(), re.M)
    except OSError:
        return 0.0
    return int(match.group(1)) / 1024 if match else 0.0


def rss_mb(pid: int) -> float:
    try:
        match = re.search(r"VmRSS:\s*(\d+) kB", Path(f"/proc/{pid}/status").read_text())
    except OSError:
        return 0.0
    return int(match.group(1)) / 1024 if match else 0.0


# --- the clients -----------------------------------------------------------------------------


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@dataclass
class Outcome:
    kind: str
    status: int  # 0: no answer (connection refused or reset, timeout)
    seconds: float


@dataclass
class Ledger:
    reviews: list[str] = field(default_factory=list)  # acknowledged submission keys
    flags: list[tuple[str, str]] = field(default_factory=list)  # (email, review public id)
    responses: list[str] = field(default_factory=list)  # review public ids
    retries: int = 0
    gave_up: int = 0  # submissions never acknowledged after every retry


class Client:
    def __init__(
        self, base: str, email: str, seed_data: Seed, rng: random.Random, write_share: float
    ):
        self.base, self.email, self.seed, self.rng = base, email, seed_data, rng
        self.write_share = write_share
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect()
        )
        # Most readers of a public site are not signed in: reads go without the session cookie,
        # except a share SIGNED_IN_READS of them (the signed-in pages are rendered every time).
        self.anonymous = urllib.request.build_opener(NoRedirect())
        self.outcomes: list[Outcome] = []
        self.ledger = Ledger()
        self.todo = list(seed_data.employer_slugs)
        rng.shuffle(self.todo)
        self.responded: set[str] = set()

    # one request, measured
    def request(
        self, kind: str, path: str, form: dict | None = None, anonymous: bool = False
    ) -> tuple[int, str, str]:
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        opener = self.anonymous if anonymous else self.opener
        started = time.perf_counter()
        status, body, location = 0, "", ""
        try:
            with opener.open(self.base + path, data=data, timeout=30) as response:
                status, body = response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as error:
            status = error.code
            location = error.headers.get("Location", "")
            body = error.read().decode("utf-8", "replace")
        except (OSError, urllib.error.URLError):
            status = 0
        self.outcomes.append(Outcome(kind, status, time.perf_counter() - started))
        return status, body, location

    def sign_in(self) -> bool:
        status, body, _ = self.request("sign-in form", "/sign-in")
        token = CSRF.search(body)
        if status != 200 or not token:
            return False
        status, _, _ = self.request(
            "sign-in",
            "/sign-in",
            {"csrf_token": token.group(1), "email": self.email, "password": PASSWORD},
        )
        return status == 302

    def read(self) -> None:
        rng, seed_data = self.rng, self.seed
        slug = rng.choice(seed_data.slugs)
        choice = rng.random()
        anonymous = rng.random() >= SIGNED_IN_READS
        request = functools.partial(self.request, anonymous=anonymous)
        if choice < 0.15:
            request("home", "/")
        elif choice < 0.35:
            request("search", "/employers?q=" + urllib.parse.quote(rng.choice(seed_data.queries)))
        elif choice < 0.70:
            request("employer page", f"/employers/{slug}")
        elif choice < 0.85:
            request("reviews list", f"/employers/{slug}/reviews")
        elif choice < 0.95:
            request("api", f"/api/v1/employers/{slug}")
        else:
            request("rankings", "/rankings")

    def write(self) -> None:
        choice = self.rng.random()
        if self.email in self.seed.represented:
            if choice < 0.7:
                self.respond()
            else:
                self.cycle_session()
        elif choice < 0.6:
            self.submit_review()
        elif choice < 0.85:
            self.flag()
        else:
            self.cycle_session()

    def cycle_session(self) -> None:
        _, body, _ = self.request("me", "/me")
        token = CSRF.search(body)
        if token:
            self.request("sign-out", "/sign-out", {"csrf_token": token.group(1)})
        self.sign_in()

    def submit_review(self) -> None:
        if not self.todo:
            return
        slug = self.todo.pop()
        status, body, _ = self.request("review form", f"/reviews/new?employer={slug}")
        token, key = CSRF.search(body), KEY.search(body)
        if status != 200 or not token or not key:
            return
        month = date.today().replace(day=1) - timedelta(days=self.rng.randint(40, 300))
        contact = month.replace(day=1) + timedelta(days=self.rng.randint(5, 25))
        outcome = self.rng.choice(["ghosted", "waiting", "rejected", "offer"])
        form = {
            "csrf_token": token.group(1),
            "submission_key": key.group(1),
            "action": "publish",
            "process_month": month.strftime("%Y-%m"),
            # An offer is reached at the "offer" stage (the form refuses anything else).
            "stage": "offer"
            if outcome == "offer"
            else self.rng.choice(["applied", "screen", "interview", "final"]),
            "outcome": outcome,
            "last_contact_on": contact.isoformat(),
            "narrative": " ".join(self.rng.choices(NARRATIVE_WORDS, k=40)),
        }
        if outcome in ("rejected", "offer"):
            form["decision_days"] = str(self.rng.randint(1, 40))
        for attempt in range(8):
            status, _, location = self.request(
                "review submit", f"/reviews/new?employer={slug}", form
            )
            if status == 302 and location.endswith("/me"):
                self.ledger.reviews.append(key.group(1))
                return
            if status in (0, 500, 502, 503, 504):
                self.ledger.retries += 1
                time.sleep(min(0.25 * 2**attempt, 4))
                continue
            return  # refused for a reason of its own (a 4xx): not acknowledged, not retried
        self.ledger.gave_up += 1

    def flag(self) -> None:
        public_id = self.rng.choice(self.seed.review_ids)
        status, body, _ = self.request("flag form", f"/reviews/{public_id}/flag")
        token = CSRF.search(body)
        if status != 200 or not token or 'name="reason"' not in body:
            return
        form = {
            "csrf_token": token.group(1),
            "reason": "other",
            "explanation": "Load test flag: please ignore. " + uuid.uuid4().hex[:8],
        }
        status, _, location = self.request("flag", f"/reviews/{public_id}/flag", form)
        if status == 302 and "/flag/sent" in location:
            self.ledger.flags.append((self.email, public_id))

    def respond(self) -> None:
        choices = [
            public_id
            for public_id in self.seed.represented[self.email]
            if public_id not in self.responded
        ]
        if not choices:
            return
        public_id = self.rng.choice(choices)
        self.responded.add(public_id)
        path = f"/employer/reviews/{public_id}/response"
        status, body, _ = self.request("response form", path)
        token = CSRF.search(body)
        if status != 200 or not token:
            return
        body_text = (
            "Thank you for telling us. We have changed how we reply to candidates. "
            + (uuid.uuid4().hex[:8])
        )
        form = {"csrf_token": token.group(1), "action": "publish", "body": body_text}
        status, _, _ = self.request("response", path, form)
        if status == 302:
            self.ledger.responses.append(public_id)

    def run(self, deadline: float) -> None:
        self.sign_in()
        while time.monotonic() < deadline:
            if self.rng.random() >= self.write_share:
                self.read()
            else:
                self.write()


# --- faults ----------------------------------------------------------------------------------


def postgres_cluster() -> tuple[str, str]:
    version = sorted(
        os.listdir("/etc/postgresql"), key=lambda name: [int(p) for p in name.split(".")]
    )[-1]
    return version, "main"


def run_fault(fault: str, server: subprocess.Popen, duration: float, events: list[str]) -> None:
    started = time.monotonic()

    def at(fraction: float) -> None:
        time.sleep(max(0.0, started + duration * fraction - time.monotonic()))

    def note(text: str) -> None:
        events.append(f"{time.monotonic() - started:5.1f} s: {text}")

    if fault == "postgres-restart":
        at(1 / 3)
        version, cluster = postgres_cluster()
        note("PostgreSQL restart begins")
        subprocess.run(
            [
                "pg_ctlcluster",
                "--skip-systemctl-redirect",
                version,
                cluster,
                "restart",
                "-m",
                "fast",
            ],
            check=True,
            capture_output=True,
        )
        note("PostgreSQL accepting connections again")
    elif fault == "worker-kill":
        at(0.15)
        while time.monotonic() < started + duration * 0.85:
            pids = worker_pids(server.pid)
            if pids:
                victim = random.choice(pids)
                os.kill(victim, signal.SIGKILL)
                note(f"SIGKILL worker {victim}")
            time.sleep(4)
    elif fault == "redis-stop":
        at(1 / 3)
        subprocess.run(["redis-cli", "-h", "127.0.0.1", "shutdown", "nosave"], capture_output=True)
        note("Redis stopped")
        at(2 / 3)
        subprocess.run(
            [
                "redis-server",
                "--daemonize",
                "yes",
                "--bind",
                "127.0.0.1",
                "-::1",
                "--port",
                "6379",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                "/var/lib/redis",
                "--logfile",
                "/var/log/redis/ci.log",
            ],
            check=True,
            capture_output=True,
        )
        note("Redis started again")


# --- checking the ledger ---------------------------------------------------------------------


@dataclass
class Check:
    acknowledged: int
    found_once: int
    missing: int
    duplicated: int
    unacknowledged_stored: int
    partial_reviews: int
    flags_acknowledged: int
    flags_missing: int
    responses_acknowledged: int
    responses_missing: int


def check(database_url: str, ledgers: list[Ledger], writers: list[str]) -> Check:
    from sqlalchemy import create_engine, text

    url = database_url.replace("postgresql://", "postgresql+psycopg://", 1)
    engine = create_engine(url)
    keys = [key for ledger in ledgers for key in ledger.reviews]
    flags = {flag for ledger in ledgers for flag in ledger.flags}
    responses = {public_id for ledger in ledgers for public_id in ledger.responses}
    with engine.connect() as connection:
        stored = Counter(
            dict(
                connection.execute(
                    text(
                        "SELECT r.submission_key, count(*) FROM reviews r JOIN users u"
                        " ON u.id = r.author_id WHERE u.email LIKE 'load-%'"
                        " GROUP BY r.submission_key"
                    )
                ).all()
            )
        )
        partial = connection.execute(
            text(
                "SELECT count(*) FROM reviews r JOIN users u ON u.id = r.author_id"
                " WHERE u.email LIKE 'load-%' AND NOT EXISTS"
                " (SELECT 1 FROM review_revisions v WHERE v.review_id = r.id)"
            )
        ).scalar_one()
        stored_flags = set(
            tuple(row)
            for row in connection.execute(
                text(
                    "SELECT u.email, r.public_id FROM flags f JOIN users u ON u.id = f.reporter_id"
                    " JOIN reviews r ON r.id = f.review_id WHERE u.email LIKE 'load-%'"
                )
            )
        )
        stored_responses = set(
            connection.execute(
                text("SELECT r.public_id FROM responses p JOIN reviews r ON r.id = p.review_id")
            ).scalars()
        )
    engine.dispose()
    acknowledged = Counter(keys)
    return Check(
        acknowledged=len(keys),
        found_once=sum(1 for key in acknowledged if stored.get(key) == 1),
        missing=sum(1 for key in acknowledged if not stored.get(key)),
        duplicated=sum(1 for key in acknowledged if stored.get(key, 0) > 1)
        + sum(count - 1 for count in acknowledged.values() if count > 1),
        unacknowledged_stored=sum(
            count for key, count in stored.items() if key not in acknowledged
        ),
        partial_reviews=partial,
        flags_acknowledged=len(flags),
        flags_missing=len(flags - {(email, public_id) for email, public_id in stored_flags}),
        responses_acknowledged=len(responses),
        responses_missing=len(responses - stored_responses),
    )


# --- one run ---------------------------------------------------------------------------------


@dataclass
class Result:
    database: str
    workers: int
    clients: int
    duration: float
    fault: str
    outcomes: list[Outcome]
    check: Check
    ledgers: list[Ledger]
    events: list[str]
    worker_rss_mb: float


def run(options: argparse.Namespace) -> Result:
    folder = Path(tempfile.mkdtemp(prefix="heardback-load-"))
    try:
        with database(options.database, folder, options.postgres) as url:
            env = server_env(url, folder, options.redis)
            flask(["db", "upgrade"], {**env, "HEARDBACK_CONFIG": "development"})
            if options.reviews:
                flask(
                    [
                        "heardback",
                        "demo-data",
                        "--employers",
                        str(options.employers),
                        "--reviews",
                        str(options.reviews),
                        "--seed",
                        "7",
                    ],
                    env,
                )
                flask(["heardback", "recompute"], env)
            if options.cheap_hashing:
                env.update({name: str(value) for name, value in CHEAP_HASHING.items()})
            seed_data = seed(url, options.clients, options.cheap_hashing)
            port = free_port()
            with gunicorn(env, options.workers, port, folder / "gunicorn.log") as server:
                base = f"http://127.0.0.1:{port}"
                clients = [
                    Client(base, email, seed_data, random.Random(index), options.write_share)
                    for index, email in enumerate(seed_data.writers)
                ]
                deadline = time.monotonic() + options.duration
                threads = [
                    threading.Thread(target=client.run, args=(deadline,), daemon=True)
                    for client in clients
                ]
                events: list[str] = []
                fault = threading.Thread(
                    target=run_fault, args=(options.fault, server, options.duration, events)
                )
                peak = {"rss": 0.0}
                sampling = threading.Event()

                def sample() -> None:
                    while not sampling.wait(1.0):
                        for pid in worker_pids(server.pid):
                            peak["rss"] = max(peak["rss"], rss_mb(pid))

                sampler = threading.Thread(target=sample, daemon=True)
                started = time.monotonic()
                for thread in [*threads, fault, sampler]:
                    thread.start()
                for thread in [*threads, fault]:
                    thread.join(options.duration + 120)
                sampling.set()
                elapsed = time.monotonic() - started
            result_check = check(url, [client.ledger for client in clients], seed_data.writers)
            if options.keep_log:
                shutil.copy(folder / "gunicorn.log", options.keep_log)
            return Result(
                database=options.database,
                workers=options.workers,
                clients=options.clients,
                duration=elapsed,
                fault=options.fault,
                outcomes=[outcome for client in clients for outcome in client.outcomes],
                check=result_check,
                ledgers=[client.ledger for client in clients],
                events=events,
                worker_rss_mb=peak["rss"],
            )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# --- the report ------------------------------------------------------------------------------


def summary(result: Result) -> str:
    outcomes = result.outcomes
    statuses = Counter(outcome.status for outcome in outcomes)
    by_kind: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        by_kind[outcome.kind].append(outcome)
    rows = []
    for kind in sorted(by_kind, key=lambda name: -len(by_kind[name])):
        items = by_kind[kind]
        times = [item.seconds * 1000 for item in items]
        rows.append(
            [
                kind,
                len(items),
                f"{percentile(times, 50):.0f}",
                f"{percentile(times, 95):.0f}",
                f"{percentile(times, 99):.0f}",
                sum(1 for item in items if 400 <= item.status < 500),
                sum(1 for item in items if item.status >= 500),
                sum(1 for item in items if item.status == 0),
            ]
        )
    writes = {
        "sign-in",
        "sign-out",
        "review submit",
        "flag",
        "response",
    }
    write_count = sum(len(by_kind[kind]) for kind in writes if kind in by_kind)
    check_ = result.check
    ledger_rows = [
        ["reviews acknowledged", check_.acknowledged],
        ["… found exactly once", check_.found_once],
        ["… missing", check_.missing],
        ["… duplicated", check_.duplicated],
        ["stored but never acknowledged (answer lost)", check_.unacknowledged_stored],
        ["reviews without their first revision (partial)", check_.partial_reviews],
        ["submission retries (same key)", sum(ledger.retries for ledger in result.ledgers)],
        ["submissions given up after 8 tries", sum(ledger.gave_up for ledger in result.ledgers)],
        ["flags acknowledged / missing", f"{check_.flags_acknowledged} / {check_.flags_missing}"],
        [
            "responses acknowledged / missing",
            f"{check_.responses_acknowledged} / {check_.responses_missing}",
        ],
    ]
    status_line = ", ".join(
        f"{'no answer' if status == 0 else status}: {count}"
        for status, count in sorted(statuses.items())
    )
    rate = len(outcomes) / result.duration
    share = 100 * write_count / max(1, len(outcomes))
    text = (
        f"{len(outcomes)} requests in {result.duration:.0f} s ({rate:.0f} per second),"
        f" {write_count} of them writes ({share:.0f}% of requests; each write also reads its"
        f" form). Statuses: {status_line}. Peak worker RSS"
        f" {result.worker_rss_mb:.0f} MB.\n\n"
        + table(["request", "count", "p50 ms", "p95 ms", "p99 ms", "4xx", "5xx", "no answer"], rows)
        + "\n"
        + table(["ledger check", "value"], ledger_rows)
    )
    if result.events:
        text += "\nFault timeline: " + "; ".join(result.events) + ".\n"
    return text


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--workers", type=int)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument(
        "--fault", choices=["none", "postgres-restart", "worker-kill", "redis-stop"], default="none"
    )
    parser.add_argument("--employers", type=int, default=2000)
    parser.add_argument("--reviews", type=int, default=20000)
    parser.add_argument("--postgres", default=POSTGRES)
    parser.add_argument("--redis", default=REDIS)
    parser.add_argument("--keep-log", type=Path)
    parser.add_argument("--write-share", type=float, default=0.1)
    parser.add_argument(
        "--cheap-hashing",
        action="store_true",
        help="argon2 at the test suite's cost instead of production's (sign-ins cost less)",
    )
    parser.add_argument("--no-write", action="store_true", help="don't write docs/reliability.md")
    return parser


def options_for(arguments: list[str] | None = None, **overrides) -> argparse.Namespace:
    """The command line's options (tests/functional/test_load_ledger.py sets its own)."""
    command_line = parser()
    options = command_line.parse_args(arguments)
    vars(options).update(overrides)
    if options.workers is None:
        options.workers = 2 if options.database == "sqlite" else 4
    if options.fault == "postgres-restart" and options.database != "postgres":
        command_line.error("--fault postgres-restart needs --database postgres")
    return options


def main() -> None:
    options = options_for()

    result = run(options)
    text = summary(result)
    print(text)
    if not options.no_write:
        label = "SQLite" if options.database == "sqlite" else "PostgreSQL"
        title = f"### {label}, {options.workers} workers, {options.clients} clients, " + (
            "no fault" if options.fault == "none" else f"fault: {options.fault}"
        )
        path = write_section(
            "reliability.md",
            f"load-{options.database}-{options.fault}",
            f"{title}\n\n{header()}\n{text}",
            title="Reliability",
        )
        print(f"Written to {path.relative_to(ROOT)}")
    check_ = result.check
    failed = (
        check_.missing
        or check_.duplicated
        or check_.partial_reviews
        or (check_.flags_missing or check_.responses_missing)
    )
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
