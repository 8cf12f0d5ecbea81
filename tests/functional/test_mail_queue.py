"""The outgoing mail queue (DESIGN.md §5 rule 11: no request waits on the mail server, so its
timing says nothing about the account): requests queue, a worker, tick or the end of the response
sends, failures are retried with backoff and given up on, and two senders never send twice."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from extensions import db
from notifications import mail
from notifications.models import OutgoingMail
from tests.conftest import csrf_token, post_form
from timeutils import utcnow

PASSWORD = "correct horse battery"


def _sign_up(client, email: str = "queued@example.org"):
    data = {"email": email, "password": PASSWORD, "password_confirm": PASSWORD, "accept": "y"}
    return post_form(client, "/sign-up", data)


def _queued() -> list[OutgoingMail]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutgoingMail).order_by(OutgoingMail.id)))


def test_in_production_a_request_only_queues_and_send_mail_sends(app_factory):
    app = app_factory(MAIL_SEND_AFTER_RESPONSE=False)
    outbox = app.extensions.setdefault("mail_outbox", [])
    assert _sign_up(app.test_client()).status_code == 200
    assert outbox == []
    [row] = _queued()
    assert row.recipient == "queued@example.org" and row.attempts == 0
    result = app.test_cli_runner().invoke(args=["heardback", "send-mail"])
    assert result.exit_code == 0, result.output
    assert "Emails sent: 1" in result.output
    assert [message["To"] for message in outbox] == ["queued@example.org"]
    assert outbox[0]["Message-ID"] == row.message_id
    assert _queued() == []


def test_tick_delivers_the_queue(app_factory):
    app = app_factory(MAIL_SEND_AFTER_RESPONSE=False)
    outbox = app.extensions.setdefault("mail_outbox", [])
    _sign_up(app.test_client())
    result = app.test_cli_runner().invoke(args=["heardback", "tick"])
    assert result.exit_code == 0, result.output
    assert "Queued emails sent: 1" in result.output
    assert len(outbox) == 1 and _queued() == []


def test_in_development_mail_goes_once_the_response_is_closed(app):
    """MAIL_SEND_AFTER_RESPONSE: the request queues; closing the response (which a server does
    once it has been sent) delivers. A plain client, which doesn't close, shows the order."""
    assert app.config["MAIL_SEND_AFTER_RESPONSE"]
    outbox = app.extensions.setdefault("mail_outbox", [])
    client = FlaskClient(app, use_cookies=True)
    token = csrf_token(client, "/reset-password")
    response = client.post("/reset-password", data={"csrf_token": token, "email": "a@example.org"})
    assert response.status_code == 200
    assert outbox == [] and len(_queued()) == 1
    response.close()
    assert len(outbox) == 1 and _queued() == []


def test_a_rolled_back_action_sends_nothing(app):
    with app.test_request_context():
        mail.send_template("x@example.org", "Never", "email_changed", reset_url="http://x/")
    db.session.rollback()
    assert mail.deliver_due() == (0, 0)
    assert app.extensions.get("mail_outbox", []) == []


def _failing(monkeypatch, error: Exception):
    def refuse(message):
        raise error

    monkeypatch.setattr(mail, "send", refuse)


def test_a_failure_is_retried_with_backoff_and_logged_without_recipient_or_body(
    app, monkeypatch, caplog
):
    with app.test_request_context():
        mail.queue("private.person@example.org", "Your link", "https://secret.example/token")
    db.session.commit()
    _failing(monkeypatch, ConnectionRefusedError("private.person@example.org refused"))
    now = utcnow()
    with caplog.at_level(logging.INFO, logger="notifications.mail"):
        assert mail.deliver_due(now) == (0, 1)
    [row] = _queued()
    assert row.attempts == 1 and row.claimed_at is None
    assert row.next_attempt_at == now + mail.FIRST_RETRY
    assert row.last_error == "ConnectionRefusedError"
    assert "private.person" not in caplog.text and "secret.example" not in caplog.text
    # Not due again before its time; the next failure waits twice as long.
    assert mail.deliver_due(now + timedelta(seconds=30)) == (0, 0)
    later = now + mail.FIRST_RETRY
    assert mail.deliver_due(later) == (0, 1)
    [row] = _queued()
    assert row.attempts == 2 and row.next_attempt_at == later + 2 * mail.FIRST_RETRY
    # Once the server is back, it goes and the row is deleted.
    monkeypatch.undo()
    assert mail.deliver_due(later + timedelta(hours=1)) == (1, 0)
    assert _queued() == []
    assert [message["To"] for message in app.extensions["mail_outbox"]] == [
        "private.person@example.org"
    ]


def test_a_message_is_given_up_after_max_attempts(app, monkeypatch, caplog):
    with app.test_request_context():
        mail.queue("someone@example.org", "Doomed", "body")
    db.session.commit()
    _failing(monkeypatch, OSError("down"))
    moment = utcnow()
    with caplog.at_level(logging.ERROR, logger="notifications.mail"):
        for _ in range(mail.MAX_ATTEMPTS):
            assert mail.deliver_due(moment) == (0, 1)
            moment += mail.LONGEST_RETRY
    assert _queued() == []
    assert "Gave up" in caplog.text and "someone@example.org" not in caplog.text


def test_a_claimed_message_is_left_to_its_sender_until_the_claim_is_stale(app):
    with app.test_request_context():
        row = mail.queue("someone@example.org", "Claimed", "body")
    now = utcnow()
    row.claimed_at = now
    db.session.commit()
    assert mail.deliver_due(now + timedelta(minutes=1)) == (0, 0)
    assert mail.deliver_due(now + mail.CLAIM_TIMEOUT + timedelta(seconds=1)) == (1, 0)


def test_two_senders_at_once_send_each_message_once(app, monkeypatch):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("needs two connections to one database (PostgreSQL)")
    with app.test_request_context():
        for n in range(30):
            mail.queue(f"person{n}@example.org", "Hello", "body")
    db.session.commit()
    sent: list[str] = []
    lock = threading.Lock()

    def slow_send(message):
        threading.Event().wait(0.01)
        with lock:
            sent.append(message["To"])
        return message

    monkeypatch.setattr(mail, "send", slow_send)
    results = []

    def worker():
        with app.app_context():
            results.append(mail.deliver_due())
            db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(sent) == sorted(f"person{n}@example.org" for n in range(30))
    assert sum(done for done, _ in results) == 30
    assert db.session.scalar(select(func.count(OutgoingMail.id))) == 0
