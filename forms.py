"""Form pieces shared by every domain: the base form and input hygiene.

Every text a user sends is checked for control characters before any rule or query sees it:
PostgreSQL refuses NUL in text, and invisible characters have no place in names or emails.
"""

from __future__ import annotations

from flask import request
from flask_wtf import FlaskForm
from flask_wtf.form import _Auto, _is_submitted  # Flask-WTF's own sentinel and test
from wtforms import Field
from wtforms.validators import ValidationError

from textnorm import clean, has_control_characters


class NoControlCharacters:
    """Refuse NUL, other control characters and bidi overrides, with a message that says so."""

    def __init__(self, multiline: bool = False):
        self.multiline = multiline

    def __call__(self, form: FlaskForm, field: Field) -> None:
        if isinstance(field.data, str) and has_control_characters(
            field.data, multiline=self.multiline
        ):
            raise ValidationError(
                "This contains invisible control characters. Retype it without pasting, "
                "or remove anything that isn't ordinary text."
            )


def clean_text(value):
    """Free text as stored: NFKC, invisible format characters removed (textnorm.clean;
    DESIGN.md §5.10). First in a field's filters, so every validator and the scrubber see what
    will be kept."""
    return clean(value) if isinstance(value, str) else value


def strip_value(value):
    return value.strip() if isinstance(value, str) else value


class BaseForm(FlaskForm):
    """The project's form base. Subclasses put NoControlCharacters on every text field."""

    class Meta:
        def wrap_formdata(self, form, formdata):
            """Fields come from the submitted form only. Flask-WTF also reads uploaded files and
            JSON bodies into fields, which then hold a file or a number where every validator
            expects text (a 500, found by tests/functional/test_fuzz.py); HeardBack has no
            upload and no JSON form, so those bodies are simply empty forms."""
            if formdata is _Auto:
                return request.form if _is_submitted() else None
            return formdata


class ConfirmForm(BaseForm):
    """A form with no fields: a CSRF-protected button for a one-click action (STYLE.md)."""
