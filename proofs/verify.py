"""Checks a saved email's DKIM signatures (dkimpy) and reads what a proof of contact needs.

Everything here works on the bytes in memory: nothing of the message is logged (dkimpy gets a
logger that drops everything), written anywhere or kept once the caller is done with `Evidence`.
Which signature counts for which employer is decided by proofs.services.
"""

from __future__ import annotations

import email.header
import email.utils
import logging
from dataclasses import dataclass
from datetime import date
from email.parser import BytesHeaderParser
from email.policy import compat32
from enum import Enum

import dkim
from email_validator import EmailNotValidError, validate_email

MAX_MESSAGE_BYTES = 5 * 1024 * 1024

# Key names (DKIM selectors) that mail services give every message of a domain alike. Looking a
# key up tells the domain's DNS that a message signed with it was checked: an employer that gave
# each candidate's mail a key name of its own would learn whose message it was. Keys with these
# names are looked up at once; any other only when the author accepts that risk.
COMMON_SELECTORS = frozenset(
    (
        "google selector1 selector2 s1 s2 s3 k1 k2 k3 key1 key2 default dkim dk mail smtp email"
        " mx sig1 mandrill mte1 zoho zmail protonmail protonmail2 protonmail3 fm1 fm2 fm3 pm"
        " mailjet sendgrid smtpapi m1 scph0220 everlytickey1 everlytickey2"
    ).split()
)
# More signatures than any real message carries: each may cost a DNS query.
MAX_SIGNATURES = 5

_QUIET = logging.getLogger("heardback.proofs.dkim")
_QUIET.addHandler(logging.NullHandler())
_QUIET.propagate = False
_QUIET.disabled = True


class Problem(Enum):
    """Why a message proves nothing; proofs.messages has the words for each."""

    empty = "empty"
    too_large = "too_large"
    not_email = "not_email"
    unsigned = "unsigned"
    key_gone = "key_gone"  # the selector's key is no longer published (rotated)
    expired = "expired"  # x= has passed
    tampered = "tampered"  # the signature doesn't match the message
    dns = "dns"  # the key couldn't be fetched now
    message_id_unsigned = "message_id_unsigned"
    wrong_domain = "wrong_domain"
    free_mail = "free_mail"
    employer_not_named = "employer_not_named"
    no_date = "no_date"
    date_out_of_range = "date_out_of_range"
    reused = "reused"
    unusual_key = "unusual_key"  # a rare key name, not looked up without the author's consent


class ProofError(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.value)
        self.problem = problem


@dataclass(frozen=True)
class Signature:
    """A signature that verified: its signing domain, and what the reuse hash is made of."""

    domain: str
    body_hash: bytes
    signed_headers: frozenset[str]


@dataclass(frozen=True)
class Party:
    name: str  # the display name, possibly empty
    domain: str


@dataclass(frozen=True)
class Evidence:
    signatures: list[Signature]
    sender: Party  # From
    reply_to: list[Party]
    subject: str
    sent_on: date | None
    message_id: str


# A problem about the signature itself ranks above another: the most useful one is reported.
_SIGNATURE_PROBLEMS = [
    Problem.unusual_key,
    Problem.dns,
    Problem.expired,
    Problem.key_gone,
    Problem.tampered,
]


def _party(value: str) -> Party | None:
    name, address = email.utils.parseaddr(value)
    try:
        checked = validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        return None
    return Party(name=_header_text(name).strip(), domain=checked.ascii_domain.lower())


def _sent_on(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return email.utils.parsedate_to_datetime(value).date()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _signature_problem(error: dkim.DKIMException) -> Problem:
    if isinstance(error, dkim.DnsTimeoutError):
        return Problem.dns
    text = str(error)
    if "x= value is past" in text:
        return Problem.expired
    if isinstance(error, dkim.KeyFormatError) and "missing public key" in text:
        return Problem.key_gone
    return Problem.tampered


def _selector(raw: bytes, index: int) -> str | None:
    """The key name of the index-th signature, read without any look-up (None if unreadable)."""
    try:
        prepared = dkim.DKIM(raw, logger=_QUIET).verify_headerprep(index)
    except dkim.DKIMException:
        return None
    if not prepared:
        return None
    return prepared[0][b"s"].decode("ascii", "replace").strip().lower()


def _verify(
    raw: bytes, index: int, dns, unusual_keys: bool
) -> tuple[Signature | None, Problem | None]:
    selector = _selector(raw, index)
    if selector is None:
        return None, Problem.tampered
    if selector not in COMMON_SELECTORS and not unusual_keys:
        return None, Problem.unusual_key
    checker = dkim.DKIM(raw, logger=_QUIET, minkey=1024)
    # dkimpy answers False, not an exception, when the key can't be fetched: the look-up says why.
    lookup: dict[str, Problem] = {}

    def recording(name, timeout=5):
        try:
            record = dns(name, timeout=timeout)
        except dkim.DnsTimeoutError:
            lookup["problem"] = Problem.dns
            raise
        if record is None:
            lookup["problem"] = Problem.key_gone
        return record

    try:
        valid = checker.verify(idx=index, dnsfunc=recording)
    except dkim.DKIMException as error:
        return None, _signature_problem(error)
    if not valid:
        return None, lookup.get("problem", Problem.tampered)
    fields = checker.signature_fields
    signature = Signature(
        domain=fields[b"d"].decode("ascii", "replace").lower().rstrip("."),
        body_hash=fields[b"bh"],
        signed_headers=frozenset(
            name.decode("ascii", "replace") for name in checker.include_headers
        ),
    )
    return signature, None


def read(raw: bytes, dns, *, unusual_keys: bool = False) -> Evidence:
    """The message's verified signatures and sender details, or ProofError.

    `dns(name, timeout=...)` returns a TXT record's bytes or None (dkimpy's interface); it raises
    dkim.DnsTimeoutError when the record can't be fetched now. A signature whose key has a rare
    name is looked up only with `unusual_keys` (COMMON_SELECTORS says why).
    """
    if not raw.strip():
        raise ProofError(Problem.empty)
    if len(raw) > MAX_MESSAGE_BYTES:
        raise ProofError(Problem.too_large)
    headers = BytesHeaderParser(policy=compat32).parsebytes(raw)
    sender = _party(str(headers.get("From", "")))
    if sender is None or headers.defects:
        raise ProofError(Problem.not_email)
    count = sum(1 for name in headers if name.lower() == "dkim-signature")
    if count == 0:
        raise ProofError(Problem.unsigned)
    signatures, problems = [], set()
    for index in range(min(count, MAX_SIGNATURES)):
        signature, problem = _verify(raw, index, dns, unusual_keys)
        if signature:
            signatures.append(signature)
        else:
            problems.add(problem)
    if not signatures:
        raise ProofError(next(item for item in _SIGNATURE_PROBLEMS if item in problems))
    reply_to = [
        party
        for _, address in email.utils.getaddresses(headers.get_all("Reply-To", []))
        if (party := _party(address))
    ]
    return Evidence(
        signatures=signatures,
        sender=sender,
        reply_to=reply_to,
        subject=_header_text(headers.get("Subject")),
        sent_on=_sent_on(headers.get("Date")),
        message_id=str(headers.get("Message-ID", "")).strip().strip("<>").strip().lower(),
    )


def _header_text(value) -> str:
    if value is None:
        return ""
    parts = email.header.decode_header(str(value))
    text = []
    for chunk, charset in parts:
        if isinstance(chunk, bytes):
            chunk = chunk.decode(charset or "ascii", "replace")
        text.append(chunk)
    return "".join(text)
