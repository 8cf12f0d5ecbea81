"""What a request to the tracker may contain, and what it is told when it is wrong."""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import urlsplit

from wtforms import HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields import DateField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from applications.labels import STATUSES, STEP_KINDS
from applications.models import (
    PROMISE_MAX_DAYS,
    TEXT_LIMITS,
    ApplicationStatus,
    StepKind,
)
from applications.transfer import DATE_ORDERS, FIELDS, REQUIRED
from forms import BaseForm, NoControlCharacters, clean_text, strip_value
from reviews.labels import CHANNELS
from reviews.models import ApplicationChannel
from timeutils import today

# No tracked date is older than this: a typo ("0202"), not an application.
EARLIEST = date(2000, 1, 1)
TEXT_FILTERS = (clean_text, strip_value)
STATUS_CHOICES = [SelectChoice(status.value, label) for status, label in STATUSES.items()]


def _empty_none(value):
    return value or None


def _lower_scheme(url: str | None) -> str | None:
    """ "HTTPS://…" as "https://…": the column's CHECK compares the scheme case-sensitively on
    PostgreSQL."""
    if not url:
        return None
    scheme, rest = url.split(":", 1)
    return f"{scheme.lower()}:{rest}"


def _not_future(field) -> None:
    if field.data is not None and field.data > today():
        raise ValidationError("This date is in the future. Enter the day it happened.")
    if field.data is not None and field.data < EARLIEST:
        raise ValidationError(f"Enter a date after {EARLIEST.year}.")


class ApplicationForm(BaseForm):
    role_title = StringField(
        "Role",
        description="The job title as the posting gave it.",
        filters=TEXT_FILTERS,
        validators=[
            InputRequired("Enter the role you applied for."),
            NoControlCharacters(),
            Length(
                max=TEXT_LIMITS["role_title"], message="Keep the role under %(max)d characters."
            ),
        ],
    )
    status = SelectField("Status", choices=STATUS_CHOICES, default="applied")
    applied_on = DateField(
        "Date applied",
        description="Leave it empty for an application you haven't sent yet (status “To apply”).",
        validators=[Optional()],
    )
    channel = SelectField(
        "How you applied",
        choices=[
            SelectChoice("", "Not saying"),
            *(SelectChoice(item.value, label) for item, label in CHANNELS.items()),
        ],
        default="",
    )
    posting_url = StringField(
        "Link to the job posting",
        filters=TEXT_FILTERS,
        validators=[
            Optional(),
            NoControlCharacters(),
            Length(
                max=TEXT_LIMITS["posting_url"], message="Keep the link under %(max)d characters."
            ),
        ],
    )
    notes = TextAreaField(
        "Private notes",
        description="Only you see these.",
        filters=TEXT_FILTERS,
        validators=[
            NoControlCharacters(multiline=True),
            Length(max=TEXT_LIMITS["notes"], message="Keep your notes under %(max)d characters."),
        ],
    )

    def validate_applied_on(self, field) -> None:
        _not_future(field)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # Optional() stops a field's own validators when it is empty, so this rule across two
        # fields is checked here.
        applied = self.applied_on
        if (
            applied.data is None
            and not applied.errors
            and not self.status.errors
            and self.status.data != ApplicationStatus.to_apply.value
        ):
            applied.errors = [
                *applied.errors,
                "Enter the date you applied, or set the status to “To apply”.",
            ]
            return False
        return valid

    def validate_posting_url(self, field) -> None:
        if not field.data:
            return
        try:
            parts = urlsplit(field.data)
        except ValueError:
            parts = None
        if (
            parts is None
            or parts.scheme.lower() not in ("http", "https")
            or not parts.hostname
            or any(char.isspace() for char in field.data)
        ):
            raise ValidationError("Enter a web address starting with https:// or http://.")

    @property
    def values(self) -> dict:
        return {
            "role_title": self.role_title.data,
            "status": ApplicationStatus(self.status.data),
            "applied_on": self.applied_on.data,
            "channel": ApplicationChannel(self.channel.data) if self.channel.data else None,
            "posting_url": _lower_scheme(self.posting_url.data),
            "notes": _empty_none(self.notes.data),
        }

    @classmethod
    def data_from(cls, application) -> dict:
        return {
            "role_title": application.role_title,
            "status": application.status.value,
            "applied_on": application.applied_on,
            "channel": application.channel.value if application.channel else "",
            "posting_url": application.posting_url or "",
            "notes": application.notes or "",
        }


class StatusForm(BaseForm):
    status = SelectField("Status", choices=STATUS_CHOICES)


class StepForm(BaseForm):
    kind = SelectField(
        "What happened",
        choices=[SelectChoice(kind.value, label) for kind, label in STEP_KINDS.items()],
    )
    happened_on = DateField("Date", validators=[InputRequired("Enter the date it happened.")])
    promised_days = IntegerField(
        "They promised an answer within (days)",
        description="For example 7 for “we'll get back to you within a week”.",
        validators=[
            Optional(),
            NumberRange(
                min=0,
                max=PROMISE_MAX_DAYS,
                message="Enter a number of days from %(min)s to %(max)s.",
            ),
        ],
    )
    promised_by = DateField(
        "…or by this date",
        description="Fill in one of the two, or neither.",
        validators=[Optional()],
    )
    note = TextAreaField(
        "Note",
        filters=TEXT_FILTERS,
        validators=[
            NoControlCharacters(multiline=True),
            Length(max=TEXT_LIMITS["step_note"], message="Keep the note under %(max)d characters."),
        ],
    )

    def validate_happened_on(self, field) -> None:
        _not_future(field)

    def validate_promised_by(self, field) -> None:
        if field.data is None:
            return
        if self.promised_days.data is not None:
            raise ValidationError("Give either a number of days or a date, not both.")
        happened = None if self.happened_on.errors else self.happened_on.data
        if happened is not None and field.data < happened:
            raise ValidationError("The promised date can't be before the step itself.")
        if happened is not None and field.data > happened + timedelta(days=PROMISE_MAX_DAYS):
            raise ValidationError(f"Enter a date within {PROMISE_MAX_DAYS} days of the step.")
        if field.data < EARLIEST:
            raise ValidationError(f"Enter a date after {EARLIEST.year}.")

    @property
    def values(self) -> dict:
        return {
            "kind": StepKind(self.kind.data),
            "happened_on": self.happened_on.data,
            "promised_days": self.promised_days.data,
            "promised_by": self.promised_by.data,
            "note": _empty_none(self.note.data),
        }

    @classmethod
    def data_from(cls, step) -> dict:
        return {
            "kind": step.kind.value,
            "happened_on": step.happened_on,
            "promised_days": step.promised_days,
            "promised_by": step.promised_by,
            "note": step.note or "",
        }


class RemindersForm(BaseForm):
    """A reminders switch (applications.reminders): the button says which way it turns."""

    reminders = SelectField(
        "Reminders", choices=[SelectChoice("on", "On"), SelectChoice("off", "Off")]
    )

    @property
    def on(self) -> bool:
        return self.reminders.data == "on"


# --- import (applications.transfer): the file comes from request.files, see transfer_routes ---


class ImportUploadForm(BaseForm):
    """The upload step: a CSRF token; the file itself is read from request.files."""


def _column_choices(header: list[str]) -> list[SelectChoice]:
    return [
        SelectChoice("", "— not in the file —"),
        *(SelectChoice(str(index), name) for index, name in enumerate(header)),
    ]


class ImportMappingForm(BaseForm):
    """Which column holds which field; the upload travels along as a signed token."""

    upload = HiddenField(validators=[InputRequired()])
    date_order = SelectField(
        "Date order",
        description="How dates such as 03/10/2026 are written in your file.",
        choices=[SelectChoice(value, label) for value, label in DATE_ORDERS.items()],
        default="auto",
    )

    @classmethod
    def for_header(cls, header: list[str], **kwargs) -> ImportMappingForm:
        """The form with one select per field (FIELDS), offering the file's columns."""

        class Mapping(cls):
            pass

        for name, label in FIELDS.items():
            required = name in REQUIRED
            setattr(
                Mapping,
                name,
                SelectField(
                    label + (" (required)" if required else ""),
                    choices=_column_choices(header),
                    default="",
                ),
            )
        return Mapping(**kwargs)

    def mapping(self) -> dict[str, int | None]:
        return {
            name: int(getattr(self, name).data) if getattr(self, name).data else None
            for name in FIELDS
        }

    def fields(self):
        return [getattr(self, name) for name in FIELDS]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for name in REQUIRED:
            chosen = getattr(self, name)
            if not chosen.errors and not chosen.data:
                chosen.errors = [
                    *chosen.errors,
                    f"Choose the column that holds the {FIELDS[name].lower()}: it is needed.",
                ]
                valid = False
        return valid
