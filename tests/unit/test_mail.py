"""The outbox mail backend: .eml files in instance/outbox and a log line without the recipient."""

from __future__ import annotations

import email
import logging
from pathlib import Path

from notifications import mail

LONG_LINK = "https://x.test/reset-password/" + "Ab3_-" * 30  # longer than a 78-column line


def test_outbox_backend_writes_eml_and_logs_one_line_without_recipient_or_body(
    app_factory, tmp_path, caplog
):
    app = app_factory(MAIL_BACKEND="outbox", MAIL_OUTBOX_DIR=str(tmp_path / "outbox"))
    with app.test_request_context(), caplog.at_level(logging.INFO, logger="notifications.mail"):
        mail.send(
            mail.build_message(
                "someone.private@example.org", "Hello there", f"Body with {LONG_LINK}\nBye"
            )
        )
    files = list((tmp_path / "outbox").glob("*.eml"))
    assert len(files) == 1
    raw = files[0].read_bytes()
    message = email.message_from_bytes(raw)
    assert message["To"] == "someone.private@example.org"
    assert message["Subject"] == "Hello there"
    # One line: subject, size and file; no recipient, and no body with its live link.
    assert len(caplog.records) == 1
    line = caplog.records[0].getMessage()
    assert "Hello there" in line and f"{len(raw)} bytes" in line and files[0].name in line
    assert "\n" not in line
    assert "x.test" not in caplog.text and "Body with" not in caplog.text
    assert "someone.private@example.org" not in caplog.text


def test_text_bodies_are_not_quoted_printable_so_links_stay_whole(app):
    """A link longer than a line stays on one line of the raw message (no "=" soft breaks)."""
    with app.test_request_context():
        plain = bytes(mail.build_message("a@example.org", "s", f"Open {LONG_LINK}\n"))
        accented = bytes(mail.build_message("a@example.org", "s", f"Désolé: {LONG_LINK}\n"))
    assert b"Content-Transfer-Encoding: 7bit" in plain
    assert b"Content-Transfer-Encoding: 8bit" in accented
    for raw in (plain, accented):
        assert LONG_LINK.encode() in raw


def test_an_outbox_reader_never_sees_a_message_half_written(app_factory, tmp_path, monkeypatch):
    """While the bytes are written no .eml is there yet; afterwards the whole one, and nothing
    else (the browser tests read the outbox while the server may still be delivering)."""
    outbox = tmp_path / "outbox"
    app = app_factory(MAIL_BACKEND="outbox", MAIL_OUTBOX_DIR=str(outbox))
    seen_while_writing = []
    write_bytes = Path.write_bytes

    def watched(path, data):
        write_bytes(path, data[: len(data) // 2])  # the write half done: what does a reader see?
        seen_while_writing.append(sorted(p.name for p in outbox.glob("*.eml")))
        return write_bytes(path, data)

    monkeypatch.setattr(Path, "write_bytes", watched)
    with app.test_request_context():
        mail.send(mail.build_message("a@example.org", "Hello", f"Open {LONG_LINK}\n"))
    assert seen_while_writing == [[]]
    files = sorted(p.name for p in outbox.iterdir())
    assert len(files) == 1 and files[0].endswith(".eml")
    assert LONG_LINK in email.message_from_bytes((outbox / files[0]).read_bytes()).get_payload()


def test_outbox_defaults_to_instance_folder(app_factory):
    app = app_factory(MAIL_BACKEND="outbox")
    with app.app_context():
        assert mail.outbox_dir().parent.as_posix() == app.instance_path


def test_unknown_backend_is_an_error(app_factory):
    import pytest

    app = app_factory(MAIL_BACKEND="pigeon")
    with app.app_context(), pytest.raises(RuntimeError, match="MAIL_BACKEND"):
        mail.send(mail.build_message("a@example.org", "s", "t"))


def test_smtp_backend_delivers_through_a_real_server(app_factory):
    """Sign-up mail through an SMTP server on loopback (aiosmtpd), as production sends it."""
    from tests.helpers import smtp_server

    with smtp_server() as (port, received):
        app = app_factory(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
        client = app.test_client()
        from tests.conftest import post_form

        password = "correct horse battery"
        response = post_form(
            client,
            "/sign-up",
            {
                "email": "smtp@example.org",
                "password": password,
                "password_confirm": password,
                "accept": "y",
            },
        )
        assert response.status_code == 200
    assert len(received) == 1
    assert received[0]["To"] == "smtp@example.org"
    assert "/verify-email/" in received[0].get_payload(decode=True).decode()
