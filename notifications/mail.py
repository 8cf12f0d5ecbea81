"""Outgoing email through one of three backends, chosen by MAIL_BACKEND.

- `outbox` (the default outside production): each message is written to instance/outbox/ as an
  .eml file and its subject and body are logged, so a developer can follow links without a mail
  server. The recipient is not logged (DESIGN.md §5.1: no log line names a user).
- `smtp`: sent through MAIL_SERVER/MAIL_PORT with optional STARTTLS/SSL and login.
- `memory`: kept in `app.extensions["mail_outbox"]` for tests.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import current_app, render_template

from timeutils import utcnow

log = logging.getLogger(__name__)


def build_message(to: str, subject: str, text: str) -> EmailMessage:
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_DEFAULT_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="heardback.invalid")
    message.set_content(text)
    return message


def send_template(to: str, subject: str, template: str, **context) -> EmailMessage:
    """Render templates/email/<template>.txt and send it."""
    text = render_template(f"email/{template}.txt", **context)
    return send(build_message(to, subject, text))


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
    path.write_bytes(bytes(message))
    log.info("Email %r written to %s\n%s", message["Subject"], path, message.get_content().strip())


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
