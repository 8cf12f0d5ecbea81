"""My applications' CSV export and import (issue 16): what is exported, and an import that reads
hostile files calmly, says what it can't read and why, and stores nothing until confirmed.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import time
from datetime import date, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from applications import transfer
from applications.models import Application, ApplicationStatus, StepKind
from extensions import db
from reviews.models import ApplicationChannel
from tests.conftest import csrf_token, page_text
from tests.factories import (
    ApplicationFactory,
    ApplicationStepFactory,
    EmployerFactory,
    UserFactory,
)

PASSWORD = "correct horse battery"
IMPORT = "/me/applications/import"
PREVIEW = "/me/applications/import/preview"
CONFIRM = "/me/applications/import/confirm"
UPLOAD_TOKEN = re.compile(r'name="upload" type="hidden" value="([^"]*)"')
HEADER = ["Company", "Position", "Date Applied", "Status", "Link", "Notes"]
MAPPED = {
    "employer": "0",
    "role_title": "1",
    "applied_on": "2",
    "status": "3",
    "channel": "",
    "posting_url": "4",
    "notes": "5",
    "date_order": "auto",
}


def shown(response) -> str:
    """What a reader sees: the page's text without its tags, spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", page_text(response)).split())


def count(*where) -> int:
    return db.session.scalar(select(func.count()).select_from(Application).where(*where))


def csv_bytes(rows, header=HEADER, delimiter=",", encoding="utf-8") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def upload(client, raw: bytes, filename: str = "tracker.csv"):
    token = csrf_token(client, IMPORT)
    return client.post(
        IMPORT,
        data={"csrf_token": token, "file": (io.BytesIO(raw), filename)},
        content_type="multipart/form-data",
    )


def token_of(response) -> str:
    found = UPLOAD_TOKEN.search(response.get_data(as_text=True))
    assert found, shown(response)[:2000]
    return found.group(1)


def guessed(response) -> dict[str, str]:
    """The columns the mapping page chose for each field (the selected options)."""
    body = response.get_data(as_text=True)
    chosen = {}
    for name in (*transfer.FIELDS, "date_order"):
        select_html = re.search(rf'<select[^>]*name="{name}".*?</select>', body, re.S).group(0)
        found = re.search(
            r'<option selected value="([^"]*)"|<option value="([^"]*)" selected', select_html
        )
        chosen[name] = next(group for group in found.groups() if group is not None) if found else ""
    return chosen


def step(client, url: str, token: str, **mapping):
    data = {**MAPPED, **mapping, "upload": token, "csrf_token": csrf_token(client, IMPORT)}
    return client.post(url, data=data)


@pytest.fixture
def employers(app):
    return {
        "quill": EmployerFactory(name="Quillfeather Analytics", slug="quillfeather-analytics"),
        "bramble": EmployerFactory(name="Bramblecote Logistics", slug="bramblecote-logistics"),
    }


# --- export ------------------------------------------------------------------------------------


def test_the_export_lists_my_applications_with_their_steps(client, signed_in, employers):
    application = ApplicationFactory(
        user_id=signed_in.id,
        employer_id=employers["quill"].id,
        role_title="Data analyst",
        applied_on=date(2026, 9, 20),
        channel=ApplicationChannel.referral,
        posting_url="https://jobs.example.com/42",
        notes="Line one\nline two",
    )
    ApplicationStepFactory(
        application_id=application.id, happened_on=date(2026, 10, 3), promised_days=7
    )
    ApplicationStepFactory(
        application_id=application.id,
        kind=StepKind.offer,
        happened_on=date(2026, 10, 12),
        promised_days=None,
    )
    ApplicationFactory(role_title="Someone else's secret role")  # another member's

    response = client.get("/me/applications.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Cache-Control"] == "no-store"
    disposition = response.headers["Content-Disposition"]
    assert f'filename="heardback-applications-{date.today().isoformat()}.csv"' in disposition
    raw = response.get_data()
    assert not raw.startswith(codecs.BOM_UTF8)
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8"))))
    assert rows[0] == list(transfer.EXPORT_COLUMNS)
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["Employer"] == "Quillfeather Analytics"
    assert row["Role"] == "Data analyst"
    assert row["Status"] == "Applied"
    assert row["Date applied"] == "2026-09-20"
    assert row["How you applied"] == "Someone referred me"
    assert row["Link to the posting"] == "https://jobs.example.com/42"
    assert row["Notes"] == "Line one\nline two"
    assert row["Steps"] == "2026-10-03 Interview (promised within 7 days); 2026-10-12 Offer"
    assert "Someone else's secret role" not in raw.decode()


def test_the_export_neutralises_formulas(client, signed_in, employers):
    for role in ('=HYPERLINK("http://evil.example","x")', "+cmd|' /C calc'!A0", "@SUM(A1)"):
        ApplicationFactory(user_id=signed_in.id, employer_id=employers["quill"].id, role_title=role)
    ApplicationFactory(
        user_id=signed_in.id,
        employer_id=employers["bramble"].id,
        role_title="Analyst",
        notes="-2+3",
    )
    rows = list(csv.reader(io.StringIO(client.get("/me/applications.csv").get_data(as_text=True))))
    cells = [cell for row in rows[1:] for cell in row]
    assert '\'=HYPERLINK("http://evil.example","x")' in cells
    assert "'+cmd|' /C calc'!A0" in cells and "'@SUM(A1)" in cells and "'-2+3" in cells
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]


def test_the_export_needs_sign_in(client):
    response = client.get("/me/applications.csv")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_an_empty_export_has_the_header(client, signed_in):
    text = client.get("/me/applications.csv").get_data(as_text=True)
    assert text == ",".join(transfer.EXPORT_COLUMNS) + "\r\n"


# --- import: the happy path --------------------------------------------------------------------


def test_import_maps_previews_and_imports_only_when_confirmed(client, signed_in, employers):
    raw = csv_bytes(
        [
            ["Quillfeather Analytics", "Data analyst", "2026-10-03", "Interviewing", "", "Met Ana"],
            ["Bramblecote Logistics", "Planner", "03/11/2026", "Rejected", "", ""],
            ["bramblecote logistics ltd", "Buyer", "Oct 3, 2026", "Ghosted", "", ""],
            ["Quillfeather Analytics", "Engineer", "", "Wishlist", "", ""],
            ["Quillfeather Analytics", "Lead", "2026-09-01", "Offer", "https://x.example/1", ""],
            ["", "", "", "", "", ""],  # a blank row is skipped
        ]
    )
    mapping_page = upload(client, raw)
    assert mapping_page.status_code == 200
    text = shown(mapping_page)
    assert "Match the columns" in text and "tracker.csv" in text and "5 rows" in text
    assert guessed(mapping_page) == {**MAPPED, "posting_url": "4"}  # from the header names
    assert count() == 0

    token = token_of(mapping_page)
    preview = step(client, PREVIEW, token)
    assert preview.status_code == 200
    text = shown(preview)
    assert "5 rows ready to import" in text
    assert "Nothing is imported until you confirm" in text
    assert count() == 0  # still nothing

    done = step(client, CONFIRM, token, action="confirm")
    assert done.status_code == 302 and done.headers["Location"].endswith("/me/applications")
    assert "5 applications imported." in shown(client.get("/me/applications"))
    rows = {
        item.role_title: item
        for item in db.session.scalars(
            select(Application).where(Application.user_id == signed_in.id)
        )
    }
    assert all(item.imported for item in rows.values())
    assert rows["Data analyst"].status is ApplicationStatus.in_process
    assert rows["Data analyst"].applied_on == date(2026, 10, 3)
    assert rows["Data analyst"].notes == "Met Ana"
    assert rows["Planner"].status is ApplicationStatus.decided
    assert rows["Planner"].applied_on == date(2026, 11, 3)  # day first, as the page said
    assert rows["Buyer"].status is ApplicationStatus.waiting
    assert rows["Buyer"].employer_id == employers["bramble"].id  # "… Ltd" is the same employer
    assert rows["Engineer"].status is ApplicationStatus.to_apply
    assert rows["Engineer"].applied_on is None
    assert rows["Lead"].posting_url == "https://x.example/1"
    assert rows["Data analyst"].next_action_on == date(2026, 10, 17)  # the tracker's own rule


def test_confirming_twice_or_importing_again_adds_nothing_twice(client, signed_in, employers):
    raw = csv_bytes([["Quillfeather Analytics", "Data analyst", "2026-10-03", "Applied", "", ""]])
    token = token_of(upload(client, raw))
    assert step(client, CONFIRM, token).status_code == 302
    again = step(client, CONFIRM, token)
    assert again.status_code == 422
    text = shown(again)
    assert "Already in your tracker" in text and "nothing was imported" in text
    assert count() == 1


def test_rows_that_cant_be_read_are_listed_with_their_reason(client, signed_in, employers):
    raw = csv_bytes(
        [
            ["", "Analyst", "2026-10-03", "Applied", "", ""],
            ["Quillfeather Analytics", "Analyst", "2026-10-03", "Sleeping", "", ""],
            ["Quillfeather Analytics", "Analyst", "31/31/2026", "Applied", "", ""],
            ["Quillfeather Analytics", "R" * 121, "2026-10-03", "Applied", "", ""],
            ["Quillfeather Analytics", "Analyst", "2026-10-04", "", "javascript:alert(1)", ""],
            ["Zyxwvut Nonexistent Holdings", "Analyst", "2026-10-03", "Applied", "", ""],
            ["Quillfeather Analytics", "", "2026-10-05", "Applied", "", ""],
            ["Quillfeather Analytics", "Analyst", "", "Applied", "", ""],
            ["Quillfeather Analytics", "Analyst", "2099-01-01", "Applied", "", ""],
            ["Quillfeather Analytics", "Analyst", "2026-10-06", "Applied", "", "N" * 4001],
            ["Quillfeather Analytics", "Fine", "2026-10-07", "Applied", "www.example.com/job", ""],
        ]
    )
    token = token_of(upload(client, raw))
    preview = step(client, PREVIEW, token)
    text = shown(preview)
    assert "1 row ready to import" in text and "10 rows that can't be read" in text
    for reason in (
        "No employer",
        "Unknown status “Sleeping”",
        "Can't read the date “31/31/2026”",
        "The role is longer than 120 characters",
        "The link isn't a web address",
        "Employer “Zyxwvut Nonexistent Holdings” not found on HeardBack: add it first",
        "No role",
        "“Applied” but no date applied",
        "The date 2099-01-01 is in the future",
        "The notes are longer than 4,000 characters",
    ):
        assert reason in text, reason
    assert "/employers/new?name=Zyxwvut+Nonexistent+Holdings&amp;then=application" in (
        preview.get_data(as_text=True)
    )
    assert step(client, CONFIRM, token).status_code == 302
    imported = db.session.scalar(select(Application))
    assert count() == 1 and imported.posting_url == "https://www.example.com/job"


def test_a_close_spelling_finds_the_employer_and_says_so(client, signed_in, employers):
    raw = csv_bytes([["Quillfeather Analytcs", "Analyst", "2026-10-03", "Applied", "", ""]])
    text = shown(step(client, PREVIEW, token_of(upload(client, raw))))
    assert "1 row ready to import" in text
    assert "(“Quillfeather Analytcs” in your file)" in text


def test_an_unlisted_employer_someone_else_added_is_not_revealed(client, signed_in):
    EmployerFactory(name="Hushhush Startup", slug="hushhush-startup", unlisted=True)
    raw = csv_bytes([["Hushhush Startup", "Analyst", "2026-10-03", "Applied", "", ""]])
    text = shown(step(client, PREVIEW, token_of(upload(client, raw))))
    assert "not found on HeardBack: add it first" in text


def test_semicolons_and_month_first_dates(client, signed_in, employers):
    header = ["Employer", "Job title", "Applied on", "Stage", "Source", "Comments"]
    raw = csv_bytes(
        [
            ["Quillfeather Analytics", "Analyst", "10/25/2026", "Applied", "LinkedIn", "a; b"],
            ["Bramblecote Logistics", "Planner", "11/03/2026", "Applied", "Referral", ""],
        ],
        header=header,
        delimiter=";",
    )
    mapping = upload(client, raw)
    token = token_of(mapping)
    columns = guessed(mapping)
    assert columns == {**MAPPED, "channel": "4", "posting_url": ""}
    preview = step(client, PREVIEW, token, **columns)
    text = shown(preview)
    assert "2 rows ready to import" in text
    assert "read as month/day/year (10 March 2026), guessed from the file" in text
    step(client, CONFIRM, token, **columns)
    planner = db.session.scalar(select(Application).where(Application.role_title == "Planner"))
    assert planner.applied_on == date(2026, 11, 3)
    assert planner.channel is ApplicationChannel.referral
    analyst = db.session.scalar(select(Application).where(Application.role_title == "Analyst"))
    assert analyst.channel is ApplicationChannel.online and analyst.notes == "a; b"


def test_the_date_order_can_be_chosen(client, signed_in, employers):
    raw = csv_bytes([["Quillfeather Analytics", "Analyst", "03/10/2026", "Applied", "", ""]])
    token = token_of(upload(client, raw))
    text = shown(step(client, PREVIEW, token))
    assert "read as day/month/year (3 October 2026), guessed from the file" in text
    step(client, CONFIRM, token, date_order="mdy")
    assert db.session.scalar(select(Application.applied_on)) == date(2026, 3, 10)


def test_an_export_imports_back_as_it_was(client, signed_in, employers):
    ApplicationFactory(
        user_id=signed_in.id,
        employer_id=employers["quill"].id,
        role_title='=HYPERLINK("http://evil.example","x")',
        status=ApplicationStatus.waiting,
        applied_on=date(2026, 9, 1),
        channel=ApplicationChannel.agency,
        notes="+cmd|' /C calc'!A0",
    )
    exported = client.get("/me/applications.csv").get_data()
    db.session.execute(Application.__table__.delete())
    db.session.commit()
    mapping = upload(client, exported, "heardback-applications.csv")
    token = token_of(mapping)
    columns = guessed(mapping)
    assert columns == {
        "employer": "0",
        "role_title": "1",
        "status": "2",
        "applied_on": "3",
        "channel": "4",
        "posting_url": "5",
        "notes": "6",
        "date_order": "auto",
    }
    assert step(client, CONFIRM, token, **columns).status_code == 302
    back = db.session.scalar(select(Application))
    assert back.role_title == '=HYPERLINK("http://evil.example","x")'
    assert back.notes == "+cmd|' /C calc'!A0"
    assert back.status is ApplicationStatus.waiting and back.channel is ApplicationChannel.agency


# --- import: hostile files ---------------------------------------------------------------------


def test_formulas_are_kept_as_text(client, signed_in, employers):
    raw = csv_bytes(
        [
            [
                *("Quillfeather Analytics", '=HYPERLINK("http://evil.example","Click")'),
                *("2026-10-03", "Applied", "", "@SUM(A1:A9)"),
            ],
            ["Bramblecote Logistics", "+cmd|' /C calc'!A0", "2026-10-03", "Applied", "", "-1+1"],
        ]
    )
    token = token_of(upload(client, raw))
    preview = step(client, PREVIEW, token)
    assert "2 rows ready to import" in shown(preview)
    assert '<a href="http://evil.example"' not in preview.get_data(as_text=True)
    step(client, CONFIRM, token)
    roles = set(db.session.scalars(select(Application.role_title)))
    assert roles == {'=HYPERLINK("http://evil.example","Click")', "+cmd|' /C calc'!A0"}
    assert set(db.session.scalars(select(Application.notes))) == {"@SUM(A1:A9)", "-1+1"}
    exported = client.get("/me/applications.csv").get_data(as_text=True)
    assert "'=HYPERLINK" in exported and "'@SUM" in exported and "'+cmd" in exported


def test_a_windows_1252_file_is_read_with_a_note(client, signed_in, app):
    EmployerFactory(name="Société Générale Café", slug="societe-generale-cafe")
    raw = csv_bytes(
        [["Société Générale Café", "Développeur", "2026-10-03", "Applied", "", "Très bien"]],
        encoding="cp1252",
    )
    mapping = upload(client, raw)
    assert mapping.status_code == 200
    assert "read as Windows-1252" in shown(mapping)
    token = token_of(mapping)
    step(client, CONFIRM, token)
    assert db.session.scalar(select(Application.role_title)) == "Développeur"


def test_a_utf16_file_is_read(client, signed_in, employers):
    text = "Company\tPosition\tDate Applied\nQuillfeather Analytics\tAnalyst\t2026-10-03\n"
    mapping = upload(client, text.encode("utf-16"))
    assert mapping.status_code == 200
    assert "UTF-16" in shown(mapping)
    token = token_of(mapping)
    assert step(client, CONFIRM, token, status="", posting_url="", notes="").status_code == 302
    assert count() == 1


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4, "is an image, not a CSV"),
        (b"PK\x03\x04" + b"\x00" * 200, "is a workbook (.xlsx or .ods), not a CSV"),
        (b"\x01\x02\x03\x04\x05\x06\x07\x08" * 100, "isn't a CSV file"),
        (b"Company,Position\x00\nAcme,Analyst\n", "isn't a CSV file"),
        (b"", "The file is empty"),
        (b"   \r\n\r\n", "The file is empty"),
        (b"Company,Position,Date Applied\r\n", "a header row but no applications under it"),
    ],
)
def test_files_that_cant_be_imported_say_why(client, signed_in, raw, message):
    response = upload(client, raw)
    assert response.status_code == 422
    text = shown(response)
    assert message in text
    assert "Import your applications" in text  # the upload page again, not an error page
    assert count() == 0


def test_no_file_chosen(client, signed_in):
    token = csrf_token(client, IMPORT)
    response = client.post(IMPORT, data={"csrf_token": token}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Choose the CSV file of your tracker" in shown(response)


def test_ten_thousand_rows_are_refused_quickly_with_a_message(client, signed_in, employers):
    rows = [
        ["Quillfeather Analytics", f"Role {n}", "2026-10-03", "Applied", "", "note"]
        for n in range(10_000)
    ]
    raw = csv_bytes(rows)
    started = time.perf_counter()
    response = upload(client, raw)
    elapsed = time.perf_counter() - started
    assert response.status_code == 422
    text = shown(response)
    assert "This file has 10,000 rows; one import takes at most 2,000" in text
    assert "Nothing was imported" in text
    assert count() == 0
    assert elapsed < 5  # about 0.05 s to read on a busy 2-core machine


def test_the_largest_file_allowed_is_read(client, signed_in, employers):
    rows = [
        ["Quillfeather Analytics", f"Role {n}", "2026-10-03", "Applied", "", "x" * 200]
        for n in range(transfer.MAX_ROWS)
    ]
    token = token_of(upload(client, csv_bytes(rows)))
    text = shown(step(client, PREVIEW, token))
    assert "2,000 rows ready to import" in text


def test_a_file_over_5_mb_is_told_so_in_the_page(client, signed_in):
    raw = b"Company,Position\r\n" + b"Acme,Analyst\r\n" * (6 * 1024 * 1024 // 14)
    assert len(raw) > 5 * 1024 * 1024
    response = upload(client, raw)
    assert response.status_code == 413
    text = shown(response)
    assert "This file is larger than 2 MB" in text and "Import your applications" in text
    assert count() == 0


def test_a_file_just_over_the_limit_is_told_so_in_the_page(client, signed_in):
    raw = b"Company,Position\r\n" + b"Acme,Analyst\r\n" * (transfer.MAX_FILE_BYTES // 14 + 10)
    response = upload(client, raw)
    assert response.status_code == 422
    assert "This file is larger than 2 MB" in shown(response)


def test_other_tracker_pages_keep_the_ordinary_413(client, signed_in, employers):
    token = csrf_token(client, IMPORT)
    response = client.post(
        "/me/applications/new?employer=quillfeather-analytics",
        data={"csrf_token": token, "notes": "x" * (2 * 1024 * 1024)},
    )
    assert response.status_code == 413
    assert "That was too much to send at once" in shown(response)


def test_oversized_cells(client, signed_in, employers):
    huge = csv_bytes([["Quillfeather Analytics", "Analyst", "2026-10-03", "", "", "n" * 200_000]])
    response = upload(client, huge)
    assert response.status_code == 422
    assert "can't be read as CSV" in shown(response)

    long_cells = csv_bytes(
        [["Quillfeather Analytics" * 20, "Analyst", "2026-10-03", "", "", "n" * 20_000]]
    )
    token = token_of(upload(client, long_cells))
    text = shown(step(client, PREVIEW, token))
    assert "The employer's name can't be read" in text
    assert "the notes are longer than 4,000 characters" in text
    assert count() == 0


def test_control_characters_in_cells_are_reasons(client, signed_in, employers):
    raw = csv_bytes([["Quillfeather Analytics", "Ana\x07lyst", "2026-10-03", "", "", "x\x1by"]])
    text = shown(step(client, PREVIEW, token_of(upload(client, raw))))
    assert "the role contains control characters" in text.lower()
    assert "the notes contain control characters" in text


def test_missing_columns_are_asked_for_on_the_mapping_screen(client, signed_in, employers):
    raw = csv_bytes([["x", "y"]], header=["Foo", "Bar"])
    mapping = upload(client, raw)
    assert mapping.status_code == 200
    token = token_of(mapping)
    response = step(client, PREVIEW, token, employer="", role_title="", applied_on="", status="")
    assert response.status_code == 422
    text = shown(response)
    assert "Choose the column that holds the employer: it is needed." in text
    assert "Choose the column that holds the role: it is needed." in text
    assert count() == 0


def test_a_column_that_doesnt_exist_is_refused(client, signed_in, employers):
    raw = csv_bytes([["Quillfeather Analytics", "Analyst", "2026-10-03", "", "", ""]])
    token = token_of(upload(client, raw))
    response = step(client, PREVIEW, token, notes="99")
    assert response.status_code == 422
    assert count() == 0


def test_changing_the_columns_goes_back_to_the_mapping(client, signed_in, employers):
    raw = csv_bytes([["Quillfeather Analytics", "Analyst", "2026-10-03", "", "", ""]])
    token = token_of(upload(client, raw))
    response = step(client, PREVIEW, token, action="edit")
    assert response.status_code == 200 and "Match the columns" in shown(response)


# --- import: whose it is -----------------------------------------------------------------------


def test_a_post_without_csrf_token_is_refused(client, signed_in, employers):
    raw = csv_bytes([["Quillfeather Analytics", "Analyst", "2026-10-03", "", "", ""]])
    response = client.post(
        IMPORT, data={"file": (io.BytesIO(raw), "t.csv")}, content_type="multipart/form-data"
    )
    assert response.status_code == 400 and "security token" in shown(response)
    token = token_of(upload(client, raw))
    response = client.post(CONFIRM, data={**MAPPED, "upload": token})
    assert response.status_code == 400 and "security token" in shown(response)
    assert count() == 0


def test_another_member_cant_use_my_import(app, client, auth, signed_in, employers):
    raw = csv_bytes([["Quillfeather Analytics", "Secret role", "2026-10-03", "", "", "Secret"]])
    token = token_of(upload(client, raw))
    auth.sign_out()
    UserFactory(email="other@example.org", password=PASSWORD, verified=True)
    assert auth.sign_in("other@example.org", PASSWORD).status_code == 302
    for url in (PREVIEW, CONFIRM):
        response = step(client, url, token)
        assert response.status_code == 400
        text = shown(response)
        assert "Upload the file again" in text and "Secret role" not in text
    assert count() == 0


def test_a_tampered_or_old_token_is_refused(client, signed_in, employers, app):
    raw = csv_bytes([["Quillfeather Analytics", "Analyst", "2026-10-03", "", "", ""]])
    token = token_of(upload(client, raw))
    assert step(client, CONFIRM, token[:-4] + "AAAA").status_code == 400
    assert step(client, CONFIRM, "").status_code == 400
    with time_machine.travel(timedelta(seconds=transfer.PACK_MAX_AGE + 60), tick=True):
        assert step(client, CONFIRM, token).status_code == 400
    assert count() == 0


def test_the_import_pages_need_sign_in(client):
    for method, url in (("GET", IMPORT), ("POST", IMPORT), ("POST", PREVIEW), ("POST", CONFIRM)):
        response = client.open(url, method=method, data={})
        assert response.status_code in (302, 400), (method, url)
        if response.status_code == 302:
            assert "/sign-in" in response.headers["Location"]


# --- the rules, without a request --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "order", "expected"),
    [
        ("2026-10-03", "dmy", date(2026, 10, 3)),
        ("2026/10/03", "dmy", date(2026, 10, 3)),
        ("2026-10-03T09:30:00Z", "dmy", date(2026, 10, 3)),
        ("03/10/2026", "dmy", date(2026, 10, 3)),
        ("03/10/2026", "mdy", date(2026, 3, 10)),
        ("3.10.2026", "mdy", date(2026, 10, 3)),  # dots: day first everywhere
        ("03-10-26", "dmy", date(2026, 10, 3)),
        ("Oct 3, 2026", "dmy", date(2026, 10, 3)),
        ("October 3rd, 2026", "dmy", date(2026, 10, 3)),
        ("3 Oct 2026", "mdy", date(2026, 10, 3)),
        ("Sat, 3 October 2026", "dmy", date(2026, 10, 3)),
        ("3-Sept-2026", "dmy", date(2026, 9, 3)),
        ("46298", "dmy", date(2026, 10, 3)),  # a spreadsheet's day number
    ],
)
def test_dates_are_read_generously(text, order, expected):
    assert transfer.parse_date(text, order) == (expected, None)


@pytest.mark.parametrize("text", ["31/31/2026", "yesterday", "2026-02-30", "12345", "1/2"])
def test_dates_that_cant_be_read(text):
    value, reason = transfer.parse_date(text)
    assert value is None and reason.startswith("can't read the date")


@pytest.mark.parametrize(
    ("word", "status"),
    [
        ("Applied", ApplicationStatus.applied),
        ("Interviewing", ApplicationStatus.in_process),
        ("Rejected", ApplicationStatus.decided),
        ("Offer", ApplicationStatus.decided),
        ("GHOSTED", ApplicationStatus.waiting),
        ("Withdrawn", ApplicationStatus.withdrawn),
        ("Wishlist", ApplicationStatus.to_apply),
        ("To apply", ApplicationStatus.to_apply),
        ("Waiting for an answer", ApplicationStatus.waiting),
        ("in_process", ApplicationStatus.in_process),
    ],
)
def test_status_words(word, status):
    assert transfer.STATUS_BY_WORD[transfer._key(word)] is status


def test_the_mapping_is_guessed_from_header_names():
    header = ["Date Applied", "Company Name", "Position", "Status", "Job Link", "Notes", "Source"]
    assert transfer.guess_mapping(header) == {
        "employer": 1,
        "role_title": 2,
        "applied_on": 0,
        "status": 3,
        "channel": 6,
        "posting_url": 4,
        "notes": 5,
    }
    assert transfer.missing_fields(transfer.guess_mapping(["Foo", "Bar"])) == [
        "employer",
        "role_title",
    ]


def test_reading_ten_thousand_rows_is_fast():
    rows = [
        [f"Employer {n}", "Analyst", "2026-10-03", "Applied", "", "note"] for n in range(10_000)
    ]
    raw = csv_bytes(rows)
    started = time.perf_counter()
    with pytest.raises(transfer.ImportRefused, match="10,000 rows"):
        transfer.read_upload(raw)
    assert time.perf_counter() - started < 2
