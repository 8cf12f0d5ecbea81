"""Outgoing email: queued in the caller's transaction, sent after the request through a backend.

`send_template` renders an email and queues it (notifications.models.OutgoingMail); the caller
commits. `deliver_due` sends what is due and is run by `flask heardback send-mail [--loop]` (a
worker), by `tick`, and, where MAIL_SEND_AFTER_RESPONSE is on (development, tests), right after
the response that queued mail has gone to the browser. No request waits for a mail server, so an
account action answers in the same time whether or not the address has an account (DESIGN.md §5.11).
The tick's own emails (reminders, representatives' notifications) go out at once through
`send_template_now`, since the tick is no request and handles their failures itself.

Backends, chosen by MAIL_BACKEND:
- `outbox` (the default outside production): each message is written to instance/outbox/ as an
  .eml file and one line is logged (subject, size, file). Neither the recipient (DESIGN.md §5.1:
  no log line names a user) nor the body (it holds live sign-in and reset links) is logged.
- `smtp`: sent through MAIL_SERVER/MAIL_PORT with optional STARTTLS/SSL and login.
- `memory`: kept in `app.extensions["mail_outbox"]` for tests.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from flask import Flask, Response, current_app, g, has_app_context, render_template
from sqlalchemy import delete, or_, select, update

from extensions import db
from notifications.models import OutgoingMail
from timeutils import utcnow

log = logging.getLogger(__name__)

# A failed message is retried after 1, 2, 4, … minutes (capped at a day) and dropped after
# MAX_ATTEMPTS tries, about a day and a half of mail-server outage.
MAX_ATTEMPTS = 12
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(days=1)
# A row claimed longer ago than this belongs to a sender that died; another may take it.
CLAIM_TIMEOUT = timedelta(minutes=10)
BATCH_SIZE = 50


def build_message(
    to: str, subject: str, text: str, *, message_id: str | None = None, date: datetime | None = None
) -> EmailMessage:
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_DEFAULT_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime((date or utcnow()).replace(microsecond=0), usegmt=False)
    message["Message-ID"] = message_id or make_msgid(domain="heardback.invalid")
    message.set_content(text, cte=_transfer_encoding(text))
    return message


# SMTP's limit on a line of a message (RFC 5322 §2.1.1: 998 characters before CRLF).
SMTP_LINE_LIMIT = 998


def _transfer_encoding(text: str) -> str:
    """7bit/8bit, not quoted-printable: QP folds lines over 76 characters with a soft break ("=")
    that can fall inside a link's token, so a link copied out of the raw .eml in instance/outbox
    (or a plain-text view) fails. Every SMTP server met today announces 8BITMIME (RFC 6152), and
    smtplib sends it as is; an .eml in 8bit stays readable, where base64 would not. Only a line
    longer than SMTP allows (none of our templates writes one) falls back to quoted-printable."""
    if any(len(line.encode()) > SMTP_LINE_LIMIT for line in text.splitlines()):
        return "quoted-printable"
    return "7bit" if text.isascii() else "8bit"


def send_template(to: str, subject: str, template: str, **context) -> None:
    """Render templates/email/<template>.txt and queue it; the caller commits."""
    text = render_template(f"email/{template}.txt", **context)
    queue(to, subject, text)


def send_template_now(to: str, subject: str, template: str, **context) -> EmailMessage:
    """Render and send at once, for the tick's own emails (it retries failures itself)."""
    text = render_template(f"email/{template}.txt", **context)
    return send(build_message(to, subject, text))


def queue(to: str, subject: str, text: str) -> OutgoingMail:
    now = utcnow()
    row = OutgoingMail(
        recipient=to,
        subject=subject,
        body=text,
        message_id=make_msgid(domain="heardback.invalid"),
        created_at=now,
        next_attempt_at=now,
        attempts=0,
    )
    db.session.add(row)
    g.mail_queued = True
    return row


def deliver_due(now: datetime | None = None) -> tuple[int, int]:
    """Send every queued message that is due; returns (sent, failed). Commits per message.

    Each row is claimed by a guarded UPDATE that only one sender can win, so two workers (or a
    worker and a request's after-response delivery) never send the same message twice.
    """
    now = now or utcnow()
    sent = failed = 0
    last = 0
    while True:
        ids = list(
            db.session.scalars(
                select(OutgoingMail.id)
                .where(OutgoingMail.id > last, *_due(now))
                .order_by(OutgoingMail.id)
                .limit(BATCH_SIZE)
            )
        )
        db.session.commit()  # ends the read; nothing is held while the mail server is talked to
        if not ids:
            return sent, failed
        last = ids[-1]
        for mail_id in ids:
            row = _claim(mail_id, now)
            if row is None:
                continue
            if _deliver(row, now):
                sent += 1
            else:
                failed += 1


def _due(now: datetime) -> tuple:
    return (
        OutgoingMail.next_attempt_at <= now,
        or_(OutgoingMail.claimed_at.is_(None), OutgoingMail.claimed_at < now - CLAIM_TIMEOUT),
    )


def _claim(mail_id: int, now: datetime) -> OutgoingMail | None:
    claimed = db.session.scalar(
        update(OutgoingMail)
        .where(OutgoingMail.id == mail_id, *_due(now))
        .values(claimed_at=now, attempts=OutgoingMail.attempts + 1)
        .returning(OutgoingMail.id)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if claimed is None:
        return None
    row = db.session.get(OutgoingMail, mail_id, populate_existing=True)
    db.session.commit()
    return row


def _deliver(row: OutgoingMail, now: datetime) -> bool:
    try:
        send(
            build_message(
                row.recipient, row.subject, row.body, message_id=row.message_id, date=row.created_at
            )
        )
    except Exception as error:
        _failed(row, error, now)
        return False
    db.session.execute(delete(OutgoingMail).where(OutgoingMail.id == row.id))
    db.session.commit()
    return True


def _failed(row: OutgoingMail, error: Exception, now: datetime) -> None:
    # Neither the recipient nor the body is logged (DESIGN.md §5.1; the body holds live links).
    name = type(error).__name__
    if row.attempts >= MAX_ATTEMPTS:
        log.error(
            "Gave up on email %d (%r) after %d attempts: %s",
            row.id,
            row.subject,
            row.attempts,
            name,
        )
        db.session.execute(delete(OutgoingMail).where(OutgoingMail.id == row.id))
    else:
        wait = min(FIRST_RETRY * 2 ** (row.attempts - 1), LONGEST_RETRY)
        log.warning(
            "Could not send email %d (attempt %d, %s); retrying in %s",
            row.id,
            row.attempts,
            name,
            wait,
        )
        db.session.execute(
            update(OutgoingMail)
            .where(OutgoingMail.id == row.id)
            .values(claimed_at=None, next_attempt_at=now + wait, last_error=name[:200])
            .execution_options(synchronize_session=False)
        )
    db.session.commit()


def _deliver_after_response(response: Response) -> Response:
    """Where MAIL_SEND_AFTER_RESPONSE is on, send this request's mail once the response is out."""
    if g.pop("mail_queued", False) and current_app.config.get("MAIL_SEND_AFTER_RESPONSE"):
        app = current_app._get_current_object()

        def deliver() -> None:
            if has_app_context():
                # Only under a test that keeps an app context pushed: its session is the one
                # to use (an in-memory SQLite database has a single connection).
                deliver_due()
                return
            with app.app_context():
                try:
                    deliver_due()
                finally:
                    db.session.remove()

        response.call_on_close(deliver)
    return response


def init_app(app: Flask) -> None:
    app.after_request(_deliver_after_response)


def send(message: EmailMessage) -> EmailMessage:
    backend = current_app.config["MAIL_BACKEND"]
    if backend == "memory":
        current_app.extensions.setdefault("mail_outbox", []).append(message)
    elif backend == "outbox":
        _write_outbox(message)
    elif backend == "smtp":
        _send_smtp(message)
    else:
        raise RuntimeError(f"Unknown MAIL_BACKEND {backend!r}: use outbox, smtp or memory")
    return message


def outbox_dir() -> Path:
    configured = current_app.config.get("MAIL_OUTBOX_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "outbox"


def _write_outbox(message: EmailMessage) -> None:
    folder = outbox_dir()
    folder.mkdir(parents=True, exist_ok=True)
    stamp = utcnow().strftime("%Y%m%dT%H%M%S%f")
    message_id = message["Message-ID"].strip("<>").split("@")[0][-12:]
    path = folder / f"{stamp}-{message_id}.eml"
    data = bytes(message)
    # Written under another name, then renamed: whoever reads the outbox (a developer, the
    # browser tests while the server is still delivering) sees a whole .eml or none.
    partial = path.with_suffix(".eml.partial")
    partial.write_bytes(data)
    partial.replace(path)
    log.info("Email %r (%d bytes) written to %s", message["Subject"], len(data), path)


def _send_smtp(message: EmailMessage) -> None:
    config = current_app.config
    host, port = config["MAIL_SERVER"], config["MAIL_PORT"]
    if config["MAIL_USE_SSL"]:
        client: smtplib.SMTP = smtplib.SMTP_SSL(
            host, port, timeout=10, context=ssl.create_default_context()
        )
    else:
        client = smtplib.SMTP(host, port, timeout=10)
    with client:
        if config["MAIL_USE_TLS"] and not config["MAIL_USE_SSL"]:
            client.starttls(context=ssl.create_default_context())
        if config["MAIL_USERNAME"]:
            client.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        client.send_message(message)
