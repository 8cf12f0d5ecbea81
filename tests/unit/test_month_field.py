"""The review form's month field (issue 18): a month input's "2026-10", and what people type where
the browser shows a plain text box instead, with a message showing the format for anything else."""

from __future__ import annotations

from datetime import date

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import Form
from wtforms.validators import InputRequired

from reviews.forms import MONTH_FORMAT_MESSAGE, FlexibleMonthField, ReviewForm, parse_month

OCTOBER = date(2026, 10, 1)


@pytest.mark.parametrize(
    "typed",
    [
        "2026-10",
        "10/2026",
        "10-2026",
        "10.2026",
        "Oct 2026",
        "October 2026",
        "oct. 2026",
        "OCTOBER 2026",
        "october, 2026",
        "  October   2026 ",
        "10 / 2026",
        "\u00a02026-10\t",
    ],
)
def test_common_forms_of_a_month_are_understood(typed):
    assert parse_month(typed) == OCTOBER


@pytest.mark.parametrize(
    ("typed", "month"),
    [
        ("1/2025", date(2025, 1, 1)),
        ("01/2025", date(2025, 1, 1)),
        ("2025-1", date(2025, 1, 1)),
        ("Sept 2025", date(2025, 9, 1)),
        ("sep 2025", date(2025, 9, 1)),
        ("May 2025", date(2025, 5, 1)),
        ("dec. 1999", date(1999, 12, 1)),
        ("12.2024", date(2024, 12, 1)),
    ],
)
def test_every_month_name_and_number_form(typed, month):
    assert parse_month(typed) == month


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "   ",
        "13/2026",
        "00/2026",
        "0/2026",
        "2026-00",
        "2026-13",
        "2026-1-1",
        "2026-10-01",
        "0000-01",
        "10/26",
        "10/02026",
        "2026/10/1",
        "Octo 2026",
        "Oct",
        "2026",
        "October",
        "Octobre 2026",
        "2026 October",
        "October 2026 October 2026",
        "2026-10 2026-10",  # the same field sent twice, joined
        "x" * 10_000,
        "1" * 41,
        "\uff12\uff10\uff12\uff16-\uff11\uff10",  # full-width digits
        "\u0661\u0660/\u0662\u0660\u0662\u0666",  # Arabic-Indic digits
        "\uff4f\uff43\uff54 2026",  # full-width letters
        "10\u20442026",  # fraction slash
        "<script>alert(1)</script>",
        "' OR 1=1 --",
        "2026-10\x00",
        "Oct\u202e 2026",
        "+2026-10",
        "-10/2026",
        "10/-2026",
        None,
        b"2026-10",
        202610,
    ],
)
def test_anything_else_is_refused(typed):
    assert parse_month(typed) is None


class _MonthForm(Form):
    month = FlexibleMonthField(validators=[InputRequired("Enter the month.")])


def _form(*values: str) -> _MonthForm:
    return _MonthForm(MultiDict([("month", value) for value in values]))


def test_the_field_keeps_the_first_day_of_the_month_typed():
    form = _form("October 2026")
    assert form.validate(), form.errors
    assert form.month.data == OCTOBER


def test_a_refused_value_says_which_format_is_expected_and_is_shown_back():
    form = _form("10/20/2026")
    assert not form.validate()
    assert form.month.errors == [MONTH_FORMAT_MESSAGE]
    assert MONTH_FORMAT_MESSAGE == "Enter the month as 2026-10 (or October 2026)."
    assert "Not a valid date value." not in form.month.errors
    # What was typed stays in the box, to be corrected rather than typed again.
    assert 'value="10/20/2026"' in form.month()


def test_a_blank_month_gets_only_the_required_message():
    form = _form("")
    assert not form.validate()
    assert form.month.errors == ["Enter the month."]


@pytest.mark.parametrize("blank", [" ", "\t\n", "\u00a0"])
def test_a_month_of_spaces_is_refused_not_taken_as_given(blank):
    # InputRequired lets a space through: the field itself must refuse it (else a 500 later).
    form = _form(blank)
    assert not form.validate()
    assert form.month.data is None
    assert form.month.errors == [MONTH_FORMAT_MESSAGE]


def test_a_month_sent_twice_is_refused():
    form = _form("2026-10", "2026-10")
    assert not form.validate()
    assert form.month.errors == [MONTH_FORMAT_MESSAGE]


def test_the_review_form_uses_it_and_its_hint_shows_the_format(app):
    with app.test_request_context(method="POST", data={"process_month": "Oct 2026"}):
        form = ReviewForm(meta={"csrf": False})
        assert isinstance(form.process_month, FlexibleMonthField)
        assert form.process_month.data == OCTOBER
        assert "2026-10" in form.process_month.description
        assert "October 2026" in form.process_month.description
