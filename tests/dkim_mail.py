"""Signed mail for the proof-of-contact tests: real DKIM signatures (dkimpy) with generated RSA
and Ed25519 keys, and a DNS stand-in that serves their public keys (app.extensions["dkim_dns"])."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import date, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

import dkim
import nacl.signing
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


@dataclass
class Key:
    private: bytes
    record: bytes  # the DNS TXT record
    algorithm: bytes


def rsa_key(bits: int = 2048) -> Key:
    private = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    public = private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return Key(pem, b"v=DKIM1; k=rsa; p=" + base64.b64encode(public), b"rsa-sha256")


def ed25519_key() -> Key:
    signing = nacl.signing.SigningKey.generate()
    public = base64.b64encode(bytes(signing.verify_key))
    return Key(
        base64.b64encode(bytes(signing)), b"v=DKIM1; k=ed25519; p=" + public, b"ed25519-sha256"
    )


@dataclass
class FakeDns:
    """TXT records by name; `down` makes every query time out."""

    records: dict[str, bytes] = field(default_factory=dict)
    down: bool = False
    queries: list[str] = field(default_factory=list)

    def publish(self, selector: str, domain: str, key: Key) -> None:
        self.records[f"{selector}._domainkey.{domain}."] = key.record

    def __call__(self, name, timeout=5):
        name = name.decode() if isinstance(name, bytes) else name
        self.queries.append(name)
        if self.down:
            raise dkim.DnsTimeoutError("timed out")
        return self.records.get(name if name.endswith(".") else name + ".")


def message(
    *,
    sender: str = "Acme Recruiting <jobs@acme.example>",
    subject: str = "Your application",
    sent: datetime | date | None = None,
    body: str = "Thank you for applying. We will be in touch.\n",
    reply_to: str | None = None,
    to: str = "candidate@mail.example",
    message_id: str | None = None,
    extra_headers: dict[str, str] | None = None,
) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = to
    mail["Subject"] = subject
    when = sent or datetime.now()
    if isinstance(when, date) and not isinstance(when, datetime):
        when = datetime(when.year, when.month, when.day, 10, 0)
    mail["Date"] = format_datetime(when.astimezone())
    mail["Message-ID"] = message_id or make_msgid(domain="mx.acme.example")
    if reply_to:
        mail["Reply-To"] = reply_to
    for name, value in (extra_headers or {}).items():
        mail[name] = value
    mail.set_content(body)
    return mail


SIGNED = [b"from", b"to", b"subject", b"date", b"message-id", b"reply-to"]


def sign(
    mail: EmailMessage | bytes,
    domain: str,
    key: Key,
    selector: str = "s1",
    headers: list[bytes] | None = None,
) -> bytes:
    raw = (
        mail if isinstance(mail, bytes) else mail.as_bytes(policy=mail.policy.clone(linesep="\r\n"))
    )
    signature = dkim.sign(
        raw,
        selector.encode(),
        domain.encode(),
        key.private,
        signature_algorithm=key.algorithm,
        include_headers=headers or SIGNED,
    )
    return signature + raw
