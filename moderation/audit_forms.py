"""The audit log's filters (/moderation/audit): a GET form, so it has no CSRF token (it changes
nothing). A value that can't be used is answered beside its field and left out of the filter;
the others still apply."""

from __future__ import annotations

from datetime import date

from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, Length, Optional, ValidationError

from forms import BaseForm, NoControlCharacters, strip_value
from moderation.audit_log import ACTION_LABELS, COMMAND_LINE, TARGET_TYPES

ACTOR_MAX = 60
TARGET_MAX = 40
TARGET_ID_MAX = 2**31 - 1
DATE_HINT = "A date as YYYY-MM-DD, e.g. 2026-03-01 (UTC)."


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


class DateText:
    """A date typed as YYYY-MM-DD (the date picker sends that), with a message that says so."""

    def __call__(self, form, field) -> None:
        if field.data and _date(field.data) is None:
            raise ValidationError(f"“{field.data}” isn't a date we can read. {DATE_HINT}")


class AuditFilterForm(BaseForm):
    class Meta:
        csrf = False  # a filter: nothing changes

    actor = StringField(
        "Who acted",
        filters=[strip_value],
        description=(
            f"A moderator's or admin's label as the log shows it (e.g. “Moderator 7C21A0”), "
            f"or “{COMMAND_LINE}”."
        ),
        validators=[
            Optional(),
            Length(max=ACTOR_MAX, message=f"Keep this to {ACTOR_MAX} characters or fewer."),
            NoControlCharacters(),
        ],
        render_kw={"maxlength": ACTOR_MAX, "list": "known-actors", "autocomplete": "off"},
    )
    action = SelectField(
        "Action",
        choices=[
            SelectChoice("", "Any action"),
            *(SelectChoice(action.value, label) for action, label in ACTION_LABELS.items()),
        ],
        validate_choice=False,
        validators=[
            Optional(),
            AnyOf(
                [action.value for action in ACTION_LABELS],
                message="Choose one of the actions listed.",
            ),
        ],
    )
    target_type = SelectField(
        "Acted on",
        choices=[
            SelectChoice("", "Anything"),
            *(SelectChoice(value, label) for value, label in TARGET_TYPES.items()),
        ],
        validate_choice=False,
        validators=[
            Optional(),
            AnyOf(list(TARGET_TYPES), message="Choose one of the kinds listed."),
        ],
    )
    target = StringField(
        "Its number, or an account's pseudonym",
        filters=[strip_value],
        description=(
            "With a kind chosen: a number (e.g. a report's), or “Member 3F9A2C” for an account."
        ),
        validators=[
            Optional(),
            Length(max=TARGET_MAX, message=f"Keep this to {TARGET_MAX} characters or fewer."),
            NoControlCharacters(),
        ],
        render_kw={"maxlength": TARGET_MAX, "autocomplete": "off"},
    )
    date_from = StringField(
        "From",
        filters=[strip_value],
        description=DATE_HINT,
        validators=[Optional(), Length(max=10, message=DATE_HINT), DateText()],
        render_kw={"type": "date"},
    )
    date_to = StringField(
        "To (inclusive)",
        filters=[strip_value],
        description=DATE_HINT,
        validators=[Optional(), Length(max=10, message=DATE_HINT), DateText()],
        render_kw={"type": "date"},
    )

    def validate_target(self, field) -> None:
        if not field.data:
            return
        kind = self.target_type.data
        if kind not in TARGET_TYPES:
            raise ValidationError("Choose what kind of thing was acted on, then its number.")
        if kind == "user":
            if field.data.isascii() and field.data.isdigit():
                raise ValidationError(
                    "Accounts are found by their pseudonym (e.g. “Member 3F9A2C”), not a number."
                )
            return
        if not (field.data.isascii() and field.data.isdigit()) or not (
            1 <= int(field.data) <= TARGET_ID_MAX
        ):
            raise ValidationError("Give a whole number, e.g. 42.")

    def validate_date_to(self, field) -> None:
        start, end = _date(self.date_from.data or ""), _date(field.data or "")
        if start and end and end < start:
            raise ValidationError("The end date is before the start date.")

    # What the valid fields ask for.

    def value(self, name: str) -> str:
        field = getattr(self, name)
        data = field.data.strip() if isinstance(field.data, str) else ""
        return data if not field.errors else ""

    def day(self, name: str) -> date | None:
        return _date(self.value(name))
