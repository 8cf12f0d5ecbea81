"""The outbox mail backend: .eml files in instance/outbox and a log line without the recipient."""

from __future__ import annotations

import email
import logging

from notifications import mail


def test_outbox_backend_writes_eml_and_logs_without_recipient(app_factory, tmp_path, caplog):
    app = app_factory(MAIL_BACKEND="outbox", MAIL_OUTBOX_DIR=str(tmp_path / "outbox"))
    with app.test_request_context(), caplog.at_level(logging.INFO, logger="notifications.mail"):
        mail.send(
            mail.build_message(
                "someone.private@example.org", "Hello there", "Body with https://x.test/link"
            )
        )
    files = list((tmp_path / "outbox").glob("*.eml"))
    assert len(files) == 1
    message = email.message_from_bytes(files[0].read_bytes())
    assert message["To"] == "someone.private@example.org"
    assert message["Subject"] == "Hello there"
    assert "https://x.test/link" in caplog.text
    assert "someone.private@example.org" not in caplog.text


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
    import socket

    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    received = []

    class Collect(Message):
        def handle_message(self, message):
            received.append(message)

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Collect(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
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
    finally:
        controller.stop()
    assert len(received) == 1
    assert received[0]["To"] == "smtp@example.org"
    assert "/verify-email/" in received[0].get_payload(decode=True).decode()
