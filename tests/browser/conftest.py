"""Browser tests: the real app on a live server, driven by Debian's Chromium through Playwright.

Every test that takes `page` runs twice, at 1280 px (desktop) and 360 px (a small phone). The page
fixture records console errors, failed requests, server errors and every URL the browser asks for;
a test fails if any of them shows up, or if the browser reaches for a host other than the live
server (DESIGN.md §11: no third-party requests). `assert_accessible` runs axe-core (DESIGN.md §11:
no violations).

Without /usr/bin/chromium these tests are skipped, unless HEARDBACK_REQUIRE_BROWSER=1 (CI), which
turns the skip into a failure.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

import config
from app import create_app
from extensions import db
from scripts.screenshots import CHROMIUM, CHROMIUM_ARGS, WIDTHS
from tests import factories

PROJECT = Path(__file__).resolve().parents[2]
SCREENSHOTS = PROJECT / "test-artifacts" / "screenshots"
HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items):
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.browser)


# --- the live server ---------------------------------------------------------------------------


@dataclass
class LiveServer:
    app: Flask
    base_url: str
    outbox_dir: Path

    def url(self, path: str = "/") -> str:
        return self.base_url + path

    def emails_to(self, address: str) -> list[EmailMessage]:
        """Messages to one address in the outbox, oldest first (file names begin with the time)."""
        from notifications import mail

        with self.app.app_context():  # what a response still being closed has queued
            mail.deliver_due()
        parser = BytesParser(policy=policy.default)
        files = sorted(self.outbox_dir.glob("*.eml"))
        messages = [parser.parsebytes(path.read_bytes()) for path in files]
        return [m for m in messages if m["To"] == address]

    def link_in_newest_email(self, address: str, wait: float = 10.0) -> str:
        # The server's after-response delivery may have claimed the message and still be writing
        # it (deliver_due here then skips it): wait for the file, as a reader waits for mail.
        deadline = time.monotonic() + wait
        while not (emails := self.emails_to(address)) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert emails, f"no email to {address} in {self.outbox_dir}"
        body = emails[-1].get_content()
        links = re.findall(re.escape(self.base_url) + r"/\S+", body)
        assert links, f"no link to {self.base_url} in the newest email to {address}:\n{body}"
        return links[0]


def _hermetic_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Drop variables create_app would read: a developer's DATABASE_URL must not reach it."""
    for name in list(os.environ):
        if (
            name in config.TEST_ENVIRONMENT
            or name in config.RENAMED
            or (name.isupper() and hasattr(config.Config, name))
        ):
            monkeypatch.delenv(name)


def _migrate(database_url: str) -> None:
    """`flask db upgrade` in a child process: Alembic's env.py reconfigures logging with
    fileConfig, which would silence loggers for the rest of the test session if run here."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in config.TEST_ENVIRONMENT and key not in config.RENAMED
    }
    env.update(HEARDBACK_CONFIG="testing", TEST_DATABASE_URL=database_url)
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app:create_app", "db", "upgrade"],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.fail(f"flask db upgrade failed ({done.returncode}):\n{done.stderr[-3000:]}")


@pytest.fixture(scope="session")
def live_server(browser, tmp_path_factory) -> Iterator[LiveServer]:
    """The app as configured for tests, but on a file database, with CSRF on and email written
    to an outbox folder, served by werkzeug on 127.0.0.1 and a port the OS picks."""
    folder = tmp_path_factory.mktemp("live-server")
    database_url = f"sqlite:///{folder / 'heardback.sqlite3'}"
    outbox = folder / "outbox"
    _migrate(database_url)

    class Settings(config.TestConfig):
        SQLALCHEMY_DATABASE_URI = database_url
        MAIL_BACKEND = "outbox"
        MAIL_OUTBOX_DIR = str(outbox)
        WTF_CSRF_ENABLED = True
        RATELIMIT_STORAGE_URI = "memory://"
        RATELIMIT_KEY_PREFIX = f"browser-{uuid.uuid4().hex[:12]}"

    with pytest.MonkeyPatch.context() as monkeypatch:
        _hermetic_environment(monkeypatch)
        app = create_app(Settings)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    base_url = f"http://127.0.0.1:{server.server_port}"
    app.config["SITE_URL"] = base_url
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(app=app, base_url=base_url, outbox_dir=outbox)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def app_context(live_server):
    """The live server's app context, to put data in place (commit before the browser looks)."""
    with live_server.app.app_context():
        factories.bind(db.session)
        yield live_server.app
        db.session.remove()


# --- the browser -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        message = "Debian chromium not installed: apt-get install chromium"
        if os.environ.get("HEARDBACK_REQUIRE_BROWSER") == "1":
            pytest.fail(message + " (HEARDBACK_REQUIRE_BROWSER=1 forbids skipping)")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@dataclass
class Watch:
    """What the browser did while a test ran, checked when the test ends."""

    base_url: str
    requests: list[str] = field(default_factory=list)
    documents: set[str] = field(default_factory=set)
    problems: list[str] = field(default_factory=list)

    def on_request(self, request) -> None:
        self.requests.append(request.url)
        if request.resource_type == "document":
            self.documents.add(request.url)

    def on_response(self, response) -> None:
        if response.status >= 500:
            self.problems.append(f"server error {response.status} for {response.url}")
        elif response.status >= 400 and response.request.resource_type != "document":
            # A 404 or 422 page is what some tests ask for; a missing stylesheet never is.
            self.problems.append(f"{response.status} for {response.url}")

    def on_console(self, message) -> None:
        if message.type != "error":
            return
        url = message.location.get("url", "")
        if message.text.startswith("Failed to load resource") and url in self.documents:
            return  # the page itself answered 4xx on purpose; checked by on_response otherwise
        self.problems.append(f"console error at {url or '?'}: {message.text}")

    def on_page_error(self, error) -> None:
        self.problems.append(f"uncaught exception: {error}")

    def on_request_failed(self, request) -> None:
        # ERR_ABORTED: the page moved on (a click, a goto) before, say, the favicon arrived.
        if request.failure != "net::ERR_ABORTED":
            self.problems.append(f"request failed: {request.url} ({request.failure})")

    def check(self) -> None:
        foreign = [url for url in self.requests if not url.startswith(self.base_url + "/")]
        assert not foreign, "requests to hosts other than the live server:\n" + "\n".join(foreign)
        assert not self.problems, "problems in the browser:\n" + "\n".join(self.problems)


@pytest.fixture(params=list(WIDTHS), ids=lambda width: f"{width}px")
def width(request) -> int:
    return request.param


@pytest.fixture
def page(browser, live_server, width):
    """A fresh browser context (no cookies) at the test's width, watched for problems."""
    context = browser.new_context(
        viewport={"width": width, "height": WIDTHS[width]},
        base_url=live_server.base_url,
        locale="en-GB",
        service_workers="block",
    )
    context.set_default_timeout(10_000)
    watch = Watch(live_server.base_url)
    context.on("request", watch.on_request)
    context.on("response", watch.on_response)
    context.on("requestfailed", watch.on_request_failed)
    page = context.new_page()
    page.on("console", watch.on_console)
    page.on("pageerror", watch.on_page_error)
    try:
        yield page
        watch.check()
    finally:
        context.close()


# --- checks and artifacts ----------------------------------------------------------------------


def axe_violations(page) -> str | None:
    """axe-core's findings on the page as it is now, as a readable report; None if there are none.

    All of axe's default rules run: WCAG 2.0/2.1 A and AA, plus its best practices.
    """
    from axe_playwright_python.sync_playwright import Axe

    violations = Axe().run(page).response["violations"]
    if not violations:
        return None
    width = page.viewport_size["width"] if page.viewport_size else "?"
    lines = [f"{len(violations)} axe violation(s) on {page.url} at {width} px:"]
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        lines.append(f"  {violation['helpUrl']}")
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            lines.append(f"    at {target}")
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            if summary:
                lines.append(f"       {summary}")
    return "\n".join(lines)


def assert_accessible(page) -> None:
    """Fail, listing rule, impact and elements, if axe-core finds any violation on the page."""
    report = axe_violations(page)
    if report:
        pytest.fail(report, pytrace=False)


def save_screenshot(page, name: str, folder: Path = SCREENSHOTS) -> Path:
    """A full-page PNG at the page's current width: <folder>/<name>-<width>.png."""
    folder.mkdir(parents=True, exist_ok=True)
    width = page.viewport_size["width"]
    path = folder / f"{name}-{width}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def save_screenshots(page, name: str, folder: Path = SCREENSHOTS) -> list[Path]:
    """Full-page PNGs of the current page at each of WIDTHS, then back to the original size."""
    original = page.viewport_size
    paths = []
    try:
        for width, height in WIDTHS.items():
            page.set_viewport_size({"width": width, "height": height})
            paths.append(save_screenshot(page, name, folder))
    finally:
        page.set_viewport_size(original)
    return paths
