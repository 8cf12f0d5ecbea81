"""The tracker's CSV export and import (issue 16): the rules, testable without a request.

Export: one row per application, the steps summarised in one column. Every cell goes through the
open data's rule (api.services.csv_cell): text a spreadsheet would run as a formula starts with a
quote, so a note typed (or imported) as `=HYPERLINK(…)` comes back as text.

Import, in three steps, nothing stored before the last:

1. `read_upload`: the uploaded bytes become an Upload (header, rows, notes about the encoding)
   or an ImportRefused whose message says what is wrong (empty, not a CSV, too large, too many
   rows). A 10,000-row file (1.2 MB) is read and refused in about 0.04 s.
2. `guess_mapping`: which column holds which of our fields, from the header names; the user
   checks and changes it on the mapping screen.
3. `preview`: each row read with the mapping, as a Candidate (the values create_application
   takes) or a Problem (its row number and why it can't be read). `import_candidates` creates
   the candidates, marked `imported`, through applications.services.

Between the steps the upload travels in the page as a signed, compressed token bound to the
user (`pack`/`unpack`, valid PACK_MAX_AGE): nothing of the file is kept on the server until
the user confirms, there is no table to clean up, and another member's token is refused.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

from flask import current_app
from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from api.services import csv_cell
from applications import services
from applications.labels import STATUSES, STEP_KINDS
from applications.models import TEXT_LIMITS, Application, ApplicationStatus
from employers import matching
from employers.models import Employer, EmployerAlias
from employers.services import normalize_name
from extensions import db
from reviews.labels import CHANNELS
from reviews.models import ApplicationChannel
from textnorm import clean, has_control_characters
from timeutils import today

# --- limits --------------------------------------------------------------------------------

# A tracker of 2,000 applications with long notes fits in 2 MB; the upload page says so.
MAX_FILE_BYTES = 2 * 1024 * 1024
# An imported application applied longer ago than this gets no "still in touch?" email for the
# silence it was imported in (import_candidates).
IMPORT_SILENCE_KNOWN_DAYS = services.FOLLOW_UP_DAYS
MAX_ROWS = 2000  # rows imported from one file; a longer file is refused whole
MAX_COLUMNS = 40  # columns offered on the mapping screen; the rest are ignored, with a note
# Characters kept per cell: more than any field takes (notes: 4,000), so a longer cell is still
# seen as too long, while the token that carries the file between the steps stays bounded.
CELL_LIMIT = TEXT_LIMITS["notes"] + 1000
HEADER_LIMIT = 60  # characters of a column's name shown on the mapping screen
EMPLOYER_NAME_LIMIT = 200
# Names not found exactly are looked up by similarity (employers.matching.suggest, 10-25 ms each
# with 50,000 employers); past this many a file's other unknown names are reported, not searched.
MAX_FUZZY_NAMES = 150
# The token is the whole upload, compressed; the steps after the upload accept a body this large
# (app.py, LARGE_BODIES). A file whose token would be larger is refused at the upload.
MAX_TOKEN_BYTES = 3 * 1024 * 1024
BODY_LIMIT = MAX_TOKEN_BYTES + 64 * 1024
PACK_MAX_AGE = 2 * 3600  # seconds between the upload and the confirmation
PACK_SALT = "applications.import"
EARLIEST = date(2000, 1, 1)  # as the tracker's form: an older date is a typo

# --- fields ----------------------------------------------------------------------------------

FIELDS = {
    "employer": "Employer",
    "role_title": "Role",
    "applied_on": "Date applied",
    "status": "Status",
    "channel": "How you applied",
    "posting_url": "Link to the posting",
    "notes": "Notes",
}
REQUIRED = ("employer", "role_title")

# Header names, without spaces or punctuation, lower case: an exact name first, then a column
# whose name contains one of the CONTAINS words.
HEADER_NAMES = {
    "employer": {"employer", "company", "companyname", "organisation", "organization", "org"},
    "role_title": {"role", "position", "title", "jobtitle", "job", "positiontitle", "roletitle"},
    "applied_on": {
        "dateapplied",
        "applied",
        "appliedon",
        "applieddate",
        "applicationdate",
        "date",
        "datesubmitted",
        "submitted",
    },
    "status": {"status", "stage", "state", "applicationstatus", "result", "outcome"},
    "channel": {"channel", "source", "howyouapplied", "howapplied", "appliedvia", "via"},
    "posting_url": {"link", "url", "joblink", "joburl", "posting", "postinglink", "jobposting"},
    "notes": {"notes", "note", "comments", "comment", "remarks"},
}
HEADER_CONTAINS = {
    "employer": ("company", "employer", "organi"),
    "role_title": ("position", "role", "jobtitle"),
    "applied_on": ("dateappl", "appliedon", "applicationdate", "applieddate"),
    "status": ("status", "stage"),
    "channel": ("source", "channel"),
    "posting_url": ("url", "link", "posting"),
    "notes": ("note", "comment", "remark"),
}


def _key(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", text.casefold())


# Status words, generously: what trackers and spreadsheets call each of our statuses. A
# rejection and an offer are both decided; silence ("ghosted") is still waiting for an answer.
STATUS_WORDS = {
    ApplicationStatus.to_apply: (
        "to apply|wishlist|wish list|saved|bookmarked|interested|planned|todo|to do|"
        "not applied|not yet applied|draft|later"
    ),
    ApplicationStatus.applied: "applied|submitted|sent|application sent|application submitted",
    ApplicationStatus.in_process: (
        "in process|in progress|interviewing|interview|interviews|screening|phone screen|"
        "phone interview|assessment|assignment|technical test|onsite|on site|final round|"
        "shortlisted|active"
    ),
    ApplicationStatus.waiting: (
        "waiting|ghosted|no response|no reply|no answer|pending|under review|in review|"
        "awaiting response|awaiting|followed up|follow up"
    ),
    ApplicationStatus.decided: (
        "decided|rejected|rejection|declined|turned down|not selected|unsuccessful|no offer|"
        "offer|offered|offer received|accepted|hired|closed|position filled"
    ),
    ApplicationStatus.withdrawn: "withdrawn|withdrew|retracted|cancelled|canceled|not interested",
}
CHANNEL_WORDS = {
    ApplicationChannel.online: (
        "online|applied online|website|company website|careers page|career page|job board|"
        "linkedin|linkedin easy apply|easy apply|indeed|glassdoor|monster|stepstone|xing|"
        "welcome to the jungle|otta|wellfound|angellist|email|e mail|web"
    ),
    ApplicationChannel.referral: "referral|referred|employee referral|friend|network|networking",
    ApplicationChannel.recruiter: "recruiter|headhunter|inmail|recruiter reached out|sourced",
    ApplicationChannel.agency: "agency|recruitment agency|staffing agency|staffing",
    ApplicationChannel.career_fair: "career fair|careers fair|job fair|fair|event|meetup",
    ApplicationChannel.other: "other",
}


def _word_table(words: dict, labels: dict) -> dict:
    table = {}
    for item, phrases in words.items():
        for phrase in phrases.split("|"):
            table[_key(phrase)] = item
    # Our own values and labels, so an export imports back as it was.
    for item, label in labels.items():
        table[_key(item.value)] = item
        table[_key(label)] = item
    return table


STATUS_BY_WORD = _word_table(STATUS_WORDS, STATUSES)
CHANNEL_BY_WORD = _word_table(CHANNEL_WORDS, CHANNELS)

DATE_ORDERS = {"auto": "Guess from the file", "dmy": "day/month/year", "mdy": "month/day/year"}


class ImportRefused(ValueError):
    """A file that can't be imported at all; the message says why, for the page."""


@dataclass
class Upload:
    filename: str
    header: list[str]
    rows: list[tuple[int, list[str]]]  # (row number in the spreadsheet, cells)
    notes: list[str] = field(default_factory=list)


# --- reading the file ----------------------------------------------------------------------

NOT_CSV = (
    "This file isn't a CSV file. In your spreadsheet, choose File → Save as (or Download) → "
    "CSV, and upload that."
)
# What some files that aren't CSV start with, to say what they are.
SIGNATURES = (
    (b"PK\x03\x04", "a workbook (.xlsx or .ods)"),
    (b"\xd0\xcf\x11\xe0", "an old Excel workbook (.xls)"),
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "an image"),
    (b"\xff\xd8\xff", "an image"),
    (b"GIF8", "an image"),
)
DELIMITERS = ",;\t|"
SNIFF_CHARS = 16 * 1024


def read_upload(raw: bytes, filename: str = "") -> Upload:
    """The file's header and rows, or ImportRefused with the reason."""
    if len(raw) > MAX_FILE_BYTES:
        raise ImportRefused(too_large_message())
    if not raw.strip():
        raise ImportRefused("The file is empty. Choose the CSV file of your tracker.")
    text, note = decode(raw)
    header, rows, extra = _records(text)
    notes = [note] if note else []
    return Upload(filename=_filename(filename), header=header, rows=rows, notes=notes + extra)


def too_large_message() -> str:
    return (
        f"This file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB, more than a tracker of "
        f"{MAX_ROWS:,} applications needs. Remove columns you don't need, or split the file, and "
        "upload it again. Nothing was imported."
    )


def decode(raw: bytes) -> tuple[str, str | None]:
    """The file's text and, if it wasn't UTF-8, a note saying how it was read."""
    for signature, what in SIGNATURES:
        if raw.startswith(signature):
            raise ImportRefused(
                f"This file is {what}, not a CSV file. " + NOT_CSV.split(". ", 1)[1]
            )
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = raw.decode("utf-16")
        except UnicodeDecodeError:
            raise ImportRefused(NOT_CSV) from None
        return _plain_text(text), "The file is in UTF-16 (“Unicode text”); it was read as such."
    if b"\x00" in raw:
        raise ImportRefused(NOT_CSV)
    try:
        return _plain_text(raw.decode("utf-8-sig")), None
    except UnicodeDecodeError:
        pass
    try:
        text, name = raw.decode("cp1252"), "Windows-1252 (Western European)"
    except UnicodeDecodeError:
        text, name = raw.decode("latin-1"), "Latin-1 (Western European)"
    return _plain_text(text), (
        f"The file isn't in UTF-8, so it was read as {name}. Check the accented letters below; "
        "if they look wrong, save the file as “CSV UTF-8” and upload it again."
    )


def _plain_text(text: str) -> str:
    """The text, unless it is mostly control characters (a binary file that happens to decode)."""
    sample = text[:4096]
    controls = sum(1 for ch in sample if ch not in "\t\r\n" and unicodedata.category(ch) == "Cc")
    if controls * 20 > len(sample):
        raise ImportRefused(NOT_CSV)
    return text


def _filename(name: str) -> str:
    name = clean(name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if not has_control_characters(ch))
    return name[:80] or "your file"


def _dialect(text: str):
    """The file's delimiter and quoting, from its start: commas, semicolons, tabs or bars."""
    sample = text[:SNIFF_CHARS]
    if len(text) > SNIFF_CHARS and "\n" in sample:
        sample = sample[: sample.rindex("\n")]
    first = next((line for line in sample.splitlines() if line.strip()), "")
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=DELIMITERS)
    except csv.Error:
        dialect = None
    if dialect is not None and dialect.delimiter in first:
        return dialect
    counts = {delimiter: first.count(delimiter) for delimiter in DELIMITERS}
    best = max(counts, key=counts.get)
    return _Delimited(best if counts[best] else ",")


class _Delimited(csv.excel):
    def __init__(self, delimiter: str) -> None:
        super().__init__()
        self.delimiter = delimiter


def _records(text: str) -> tuple[list[str], list[tuple[int, list[str]]], list[str]]:
    reader = csv.reader(io.StringIO(text, newline=""), _dialect(text))
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    notes: list[str] = []
    count = 0
    number = 0
    try:
        for number, record in enumerate(reader, start=1):
            if not any(cell.strip() for cell in record):
                continue
            if header is None:
                header = _header(record, notes)
                continue
            count += 1
            if count <= MAX_ROWS:
                cells = [cell[: CELL_LIMIT + 1] for cell in record[: len(header)]]
                rows.append((number, cells + [""] * (len(header) - len(cells))))
    except csv.Error as error:
        raise ImportRefused(
            f"Row {number + 1} of the file can't be read as CSV ({error}). Save the file from "
            "your spreadsheet as CSV again, and upload that."
        ) from None
    if header is None:
        raise ImportRefused("The file is empty. Choose the CSV file of your tracker.")
    if count == 0:
        raise ImportRefused(
            "The file has a header row but no applications under it. Nothing was imported."
        )
    if count > MAX_ROWS:
        raise ImportRefused(
            f"This file has {count:,} rows; one import takes at most {MAX_ROWS:,}. Split it into "
            f"files of {MAX_ROWS:,} rows or fewer and import them one after the other. Nothing "
            "was imported."
        )
    return header, rows, notes


def _header(record: list[str], notes: list[str]) -> list[str]:
    if len(record) > MAX_COLUMNS:
        notes.append(
            f"The file has {len(record)} columns; only the first {MAX_COLUMNS} are offered below."
        )
        record = record[:MAX_COLUMNS]
    names: list[str] = []
    for index, cell in enumerate(record, start=1):
        name = " ".join(_text(cell).split())[:HEADER_LIMIT] or f"Column {index}"
        name = "".join(ch for ch in name if not has_control_characters(ch)) or f"Column {index}"
        while name in names:
            name = f"{name} ({index})"
        names.append(name)
    return names


# --- the mapping ---------------------------------------------------------------------------


def guess_mapping(header: list[str]) -> dict[str, int | None]:
    """For each of FIELDS, the column (index) its header names suggest, or None."""
    keys = [_key(name) for name in header]
    mapping: dict[str, int | None] = dict.fromkeys(FIELDS)
    used: set[int] = set()
    for name in FIELDS:
        for index, key in enumerate(keys):
            if index not in used and key in HEADER_NAMES[name]:
                mapping[name] = index
                used.add(index)
                break
    for name in FIELDS:
        if mapping[name] is not None:
            continue
        for index, key in enumerate(keys):
            if index not in used and any(word in key for word in HEADER_CONTAINS[name]):
                mapping[name] = index
                used.add(index)
                break
    return mapping


def missing_fields(mapping: dict[str, int | None]) -> list[str]:
    return [name for name in REQUIRED if mapping.get(name) is None]


def samples(upload: Upload, index: int, count: int = 3) -> list[str]:
    """The first few non-empty values of a column, shortened, for the mapping screen."""
    values = []
    for _number, cells in upload.rows:
        value = " ".join(_text(cells[index]).split())
        if value:
            values.append(value if len(value) <= 40 else value[:39] + "…")
        if len(values) == count:
            break
    return values


# --- the preview ---------------------------------------------------------------------------


@dataclass
class Candidate:
    row: int
    employer: Employer
    name_in_file: str
    values: dict

    @property
    def renamed(self) -> bool:
        return normalize_name(self.name_in_file) != self.employer.normalized_name


@dataclass
class Problem:
    row: int
    reasons: list[str]
    employer_name: str = ""
    add_employer: str | None = None  # a name to offer to add (not on HeardBack yet)
    suggestions: list[str] = field(default_factory=list)


@dataclass
class Preview:
    ready: list[Candidate]
    problems: list[Problem]
    notes: list[str]
    date_order: str  # "dmy" or "mdy", as used


def preview(
    upload: Upload,
    mapping: dict[str, int | None],
    user_id: int,
    *,
    date_order: str = "auto",
    may_see: Callable[[Employer], bool] = lambda employer: employer.listed_at is not None,
) -> Preview:
    """Each row read with `mapping`: ready to import, or a problem with its reasons."""
    column = _column_reader(mapping)
    order = date_order if date_order in ("dmy", "mdy") else _guess_order(upload, mapping)
    notes = list(upload.notes)
    if mapping.get("applied_on") is not None and _has_ambiguous_dates(upload, mapping):
        notes.append(_order_note(order, date_order == "auto"))
    names = {" ".join(_text(column(cells, "employer")).split()) for _n, cells in upload.rows}
    found, suggestions, searched_all = _resolve(names - {""}, may_see)
    if not searched_all:
        notes.append(
            f"Only the first {MAX_FUZZY_NAMES} employer names not found exactly were looked up by "
            "similarity; correct the other names (or add the employers) and import again."
        )
    existing = _existing_keys(user_id)
    seen: dict[tuple, int] = {}
    ready: list[Candidate] = []
    problems: list[Problem] = []
    for number, cells in upload.rows:
        name = " ".join(_text(column(cells, "employer")).split())
        values, reasons = _values(cells, column, order)
        employer = found.get(name)
        problem = Problem(row=number, reasons=reasons, employer_name=name)
        if not name:
            reasons.insert(0, "no employer")
        elif len(name) > EMPLOYER_NAME_LIMIT or has_control_characters(name):
            reasons.insert(0, "the employer's name can't be read")
        elif employer is None:
            reasons.insert(0, f"employer “{name}” not found on HeardBack: add it first")
            problem.add_employer = name
            problem.suggestions = suggestions.get(name, [])
        if employer is not None and not reasons:
            key = (employer.id, values["role_title"].casefold(), values["applied_on"])
            if key in existing:
                reasons.append("already in your tracker (same employer, role and date)")
            elif key in seen:
                reasons.append(f"the same application as row {seen[key]}")
            else:
                seen[key] = number
        if reasons:
            problems.append(problem)
        else:
            ready.append(Candidate(row=number, employer=employer, name_in_file=name, values=values))
    return Preview(ready=ready, problems=problems, notes=notes, date_order=order)


def import_candidates(user_id: int, candidates: list[Candidate]) -> list[Application]:
    """Create the applications (marked imported); the caller commits."""
    created = []
    day = today()
    for candidate in candidates:
        application = services.create_application(user_id, candidate.employer, candidate.values)
        application.imported = True
        # A spreadsheet of old applications would otherwise bring one "are they still in
        # touch?" email per row on the next tick: a silence already long when the file came in
        # is taken as known (the candidate just went through it); a new silence still counts.
        applied = application.applied_on
        if applied is not None and (day - applied).days > IMPORT_SILENCE_KNOWN_DAYS:
            application.silence_reminded_for = applied
        created.append(application)
    return created


def _column_reader(mapping: dict[str, int | None]):
    def column(cells: list[str], name: str) -> str:
        index = mapping.get(name)
        return cells[index] if index is not None and index < len(cells) else ""

    return column


def _text(value: str) -> str:
    """A cell as text: NFKC, invisible characters removed, line breaks as LF; a quote that a
    spreadsheet export put before a formula character is dropped (an export of ours imports back
    as it was). The text is stored as it is: nothing in it is ever evaluated."""
    value = clean(value or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if value.startswith("'") and value[1:2] in ("=", "+", "-", "@"):
        value = value[1:]
    return value


def _values(cells: list[str], column, order: str) -> tuple[dict, list[str]]:
    def cell(name: str) -> str:
        return column(cells, name)

    reasons: list[str] = []
    role = " ".join(_text(cell("role_title")).split())
    if not role:
        reasons.append("no role")
    elif len(role) > TEXT_LIMITS["role_title"]:
        reasons.append(f"the role is longer than {TEXT_LIMITS['role_title']} characters")
    elif has_control_characters(role):
        reasons.append("the role contains control characters")

    status = None
    status_text = " ".join(_text(cell("status")).split())
    if status_text:
        status = STATUS_BY_WORD.get(_key(status_text))
        if status is None:
            reasons.append(f"unknown status “{status_text[:40]}”")

    applied_on = None
    date_text = " ".join(_text(cell("applied_on")).split())
    if date_text:
        applied_on, date_reason = parse_date(date_text, order)
        if date_reason:
            reasons.append(date_reason)
    if status is None and not status_text:
        status = ApplicationStatus.applied if applied_on else ApplicationStatus.to_apply
    if (
        status is not None
        and status is not ApplicationStatus.to_apply
        and applied_on is None
        and not date_text
    ):
        reasons.append(f"“{STATUSES[status]}” but no date applied")

    channel = None
    channel_text = " ".join(_text(cell("channel")).split())
    if channel_text:
        # Any other way of applying ("Pigeon post") is "another way", not an error.
        channel = CHANNEL_BY_WORD.get(_key(channel_text), ApplicationChannel.other)

    url, url_reason = _posting_url(_text(cell("posting_url")))
    if url_reason:
        reasons.append(url_reason)

    notes = _text(cell("notes"))
    if len(notes) > TEXT_LIMITS["notes"]:
        reasons.append(f"the notes are longer than {TEXT_LIMITS['notes']:,} characters")
    elif has_control_characters(notes, multiline=True):
        reasons.append("the notes contain control characters")

    values = {
        "role_title": role,
        "status": status,
        "applied_on": applied_on,
        "channel": channel,
        "posting_url": url,
        "notes": notes or None,
    }
    return values, reasons


def _posting_url(text: str) -> tuple[str | None, str | None]:
    if not text:
        return None, None
    if "://" not in text and re.match(r"^www\.[^\s/]+\.[a-z]{2,}(/\S*)?$", text, re.IGNORECASE):
        text = "https://" + text  # "www.example.com/jobs/1", as spreadsheets often shorten it
    try:
        parts = urlsplit(text)
    except ValueError:
        parts = None
    if (
        parts is None
        or parts.scheme.lower() not in ("http", "https")
        or not parts.hostname
        or any(ch.isspace() for ch in text)
        or has_control_characters(text)
    ):
        return None, "the link isn't a web address (http:// or https://)"
    if len(text) > TEXT_LIMITS["posting_url"]:
        return None, f"the link is longer than {TEXT_LIMITS['posting_url']} characters"
    scheme, rest = text.split(":", 1)
    return f"{scheme.lower()}:{rest}", None


# --- dates ---------------------------------------------------------------------------------

_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[T ]\d{1,2}:\d{2}(?::\d{2})?\S*)?$")
_NUMERIC = re.compile(r"^(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})(?: \d{1,2}:\d{2}(?::\d{2})?)?$")
_SERIAL = re.compile(r"^\d{5}(?:\.\d+)?$")  # a spreadsheet's day number, e.g. 46298
_WEEKDAY = re.compile(r"^(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+", re.IGNORECASE)
_ORDINAL = re.compile(r"(\d)(?:st|nd|rd|th)\b", re.IGNORECASE)
_NAMED_FORMATS = ("%b %d %Y", "%B %d %Y", "%d %b %Y", "%d %B %Y", "%b %d %y", "%d %b %y")
SPREADSHEET_EPOCH = date(1899, 12, 30)


def parse_date(text: str, order: str = "dmy") -> tuple[date | None, str | None]:
    """(the date, None) or (None, why it can't be read). `order` settles 03/10/2026."""
    value = _read_date(text.strip(), order)
    if value is None:
        shown = text[:30]
        return None, f"can't read the date “{shown}”"
    if value > today():
        return None, f"the date {value.isoformat()} is in the future"
    if value < EARLIEST:
        return None, f"the date {value.isoformat()} is before {EARLIEST.year}"
    return value, None


def _read_date(text: str, order: str) -> date | None:
    try:
        if match := _ISO.match(text):
            year, month, day = (int(part) for part in match.group(1, 2, 3))
            return date(year, month, day)
        if match := _NUMERIC.match(text):
            first, separator, second, year = match.groups()
            year_number = int(year) + (2000 if len(year) == 2 else 0)
            day_first = separator == "." or order != "mdy"
            day, month = (int(first), int(second)) if day_first else (int(second), int(first))
            return date(year_number, month, day)
        if _SERIAL.match(text):
            number = int(float(text))
            if 36526 <= number <= 73050:  # 2000 to 2099
                return SPREADSHEET_EPOCH + timedelta(days=number)
            return None
    except ValueError:
        return None
    named = _ORDINAL.sub(r"\1", _WEEKDAY.sub("", text))
    named = re.sub(r"\bsept\b", "sep", named, flags=re.IGNORECASE)
    named = " ".join(re.sub(r"[,/-]", " ", named).replace(".", " ").split())
    for pattern in _NAMED_FORMATS:
        try:
            return datetime.strptime(named, pattern).date()
        except ValueError:
            continue
    return None


def _numeric_dates(upload: Upload, mapping: dict[str, int | None]) -> Iterator[tuple[int, int]]:
    index = mapping.get("applied_on")
    if index is None:
        return
    for _number, cells in upload.rows:
        match = _NUMERIC.match(_text(cells[index]) if index < len(cells) else "")
        if match and match.group(2) != ".":
            yield int(match.group(1)), int(match.group(3))


def _guess_order(upload: Upload, mapping: dict[str, int | None]) -> str:
    """Month first only if the file shows it (a 25 in the middle, never in front)."""
    day_first = month_first = False
    for first, second in _numeric_dates(upload, mapping):
        day_first = day_first or first > 12
        month_first = month_first or second > 12
    return "mdy" if month_first and not day_first else "dmy"


def _has_ambiguous_dates(upload: Upload, mapping: dict[str, int | None]) -> bool:
    return any(
        first <= 12 and second <= 12 and first != second
        for first, second in _numeric_dates(upload, mapping)
    )


def _order_note(order: str, guessed: bool) -> str:
    example = "3 October 2026" if order == "dmy" else "10 March 2026"
    how = "guessed from the file" if guessed else "as you chose"
    return (
        f"Dates such as 03/10/2026 are read as {DATE_ORDERS[order]} ({example}), {how}. If "
        "that's wrong, change “Date order” and check again."
    )


# --- employers -----------------------------------------------------------------------------


def _resolve(
    names: set[str], may_see: Callable[[Employer], bool]
) -> tuple[dict[str, Employer], dict[str, list[str]], bool]:
    """The employer of each name: exactly (its name or an alias, normalised; in a few queries),
    else a confident similar one (a strong match with no rival). The suggestions of the others,
    and whether every unknown name could be looked up."""
    by_normal: dict[str, list[str]] = {}
    for name in names:
        if len(name) <= EMPLOYER_NAME_LIMIT and not has_control_characters(name):
            by_normal.setdefault(normalize_name(name), []).append(name)
    by_normal.pop("", None)
    exact = _exact_employers(list(by_normal))
    found: dict[str, Employer] = {}
    unknown: list[str] = []
    for normal, originals in by_normal.items():
        employer = exact.get(normal)
        if employer is not None and may_see(employer):
            found.update(dict.fromkeys(originals, employer))
        else:
            unknown.extend(originals)
    suggestions: dict[str, list[str]] = {}
    unknown.sort()
    for name in unknown[:MAX_FUZZY_NAMES]:
        matches = matching.suggest(name, limit=3)
        strong = [match for match in matches if match.score >= matching.STRONG_MATCH]
        if matches and (matches[0].exact or (len(strong) == 1 and strong[0] is matches[0])):
            found[name] = matches[0].employer
        else:
            suggestions[name] = [match.employer.name for match in matches]
    return found, suggestions, len(unknown) <= MAX_FUZZY_NAMES


def _exact_employers(normals: list[str]) -> dict[str, Employer]:
    found: dict[str, Employer] = {}
    for start in range(0, len(normals), 500):
        chunk = normals[start : start + 500]
        for employer in db.session.scalars(
            select(Employer).where(Employer.normalized_name.in_(chunk))
        ):
            found[employer.normalized_name] = employer
        rows = db.session.execute(
            select(EmployerAlias.normalized_name, Employer)
            .join(Employer, Employer.id == EmployerAlias.employer_id)
            .where(EmployerAlias.normalized_name.in_(chunk))
        )
        for normal, employer in rows:
            found.setdefault(normal, employer)
    return found


def _existing_keys(user_id: int) -> set[tuple]:
    rows = db.session.execute(
        select(Application.employer_id, Application.role_title, Application.applied_on).where(
            Application.user_id == user_id
        )
    )
    return {(employer_id, role.casefold(), applied_on) for employer_id, role, applied_on in rows}


# --- carrying the upload between the steps -------------------------------------------------


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=PACK_SALT)


def pack(upload: Upload, user_id: int) -> str:
    """The upload as a signed, compressed token for the next step's form, bound to `user_id`."""
    token = _serializer().dumps(
        {
            "u": user_id,
            "f": upload.filename,
            "h": upload.header,
            "r": upload.rows,
            "n": upload.notes,
        }
    )
    if len(token) > MAX_TOKEN_BYTES:
        raise ImportRefused(too_large_message())
    return token


def unpack(token: str, user_id: int) -> Upload | None:
    """The upload in a token this user received less than PACK_MAX_AGE ago, else None."""
    if not token or len(token) > MAX_TOKEN_BYTES:
        return None
    try:
        data = _serializer().loads(token, max_age=PACK_MAX_AGE)
    except (BadData, ValueError, TypeError):
        return None
    if not isinstance(data, dict) or data.get("u") != user_id:
        return None
    return Upload(
        filename=data["f"],
        header=data["h"],
        rows=[(number, cells) for number, cells in data["r"]],
        notes=data["n"],
    )


# --- the export ----------------------------------------------------------------------------

EXPORT_COLUMNS = (
    "Employer",
    "Role",
    "Status",
    "Date applied",
    "How you applied",
    "Link to the posting",
    "Notes",
    "Next action",
    "Steps",
)


def step_summary(application: Application) -> str:
    """ "2026-10-03 Interview (promised within 7 days); 2026-10-12 Offer": the steps in one
    cell. Their notes stay out (the account's data export, /me/export, has everything)."""
    parts = []
    for step in application.steps:
        text = f"{step.happened_on.isoformat()} {STEP_KINDS[step.kind]}"
        if step.promised_by is not None:
            text += f" (promised by {step.promised_by.isoformat()})"
        elif step.promised_days is not None:
            days = "day" if step.promised_days == 1 else "days"
            text += f" (promised within {step.promised_days} {days})"
        parts.append(text)
    return "; ".join(parts)


def export_rows(user_id: int) -> list[list]:
    applications = db.session.scalars(
        select(Application)
        .where(Application.user_id == user_id)
        .options(joinedload(Application.employer), selectinload(Application.steps))
    ).all()
    applications = sorted(applications, key=services.sort_key("employer"))
    rows = []
    for application in applications:
        values = [
            application.employer.name,
            application.role_title,
            STATUSES[application.status],
            application.applied_on.isoformat() if application.applied_on else None,
            CHANNELS[application.channel] if application.channel else None,
            application.posting_url,
            application.notes,
            application.next_action_on.isoformat() if application.next_action_on else None,
            step_summary(application),
        ]
        rows.append([csv_cell(value) for value in values])
    return rows


def export_csv(user_id: int) -> str:
    """The whole export (a tracker is at most a few thousand rows): UTF-8 without a BOM."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    writer.writerows(export_rows(user_id))
    return buffer.getvalue()
