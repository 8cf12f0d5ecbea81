"""Forms of the queue's bulk actions (moderation.bulk): the items ticked on the page and one
reason for all of them."""

from __future__ import annotations

import re

from wtforms import Field, HiddenField
from wtforms.validators import Length, Optional, ValidationError

from forms import NoControlCharacters
from moderation.action_forms import ReasonForm
from moderation.bulk import BULK_MAX

_FLAG_ID = re.compile(r"[0-9]{1,9}")  # below any database's integer limit
_PUBLIC_ID = re.compile(r"[A-Za-z0-9]{1,16}")


class TickedField(Field):
    """The values of the checkboxes ticked (several fields of one name), as sent."""

    def process_formdata(self, valuelist):
        self.data = [value for value in valuelist if isinstance(value, str)]

    def _value(self):
        return ""


def _ticked(pattern: re.Pattern, what: str):
    def check(form, field):
        values = field.data or []
        if not values:
            raise ValidationError(f"Tick at least one {what} in the list.")
        if len(values) > BULK_MAX:
            raise ValidationError(f"Tick at most {BULK_MAX} at once.")
        if not all(pattern.fullmatch(value) for value in values):
            raise ValidationError(
                "That selection isn't one this page offers. Reload the queue and tick again."
            )

    return check


class _BulkForm(ReasonForm):
    # Which section's form was sent, so a refusal shows beside it.
    origin = HiddenField(validators=[Optional(), Length(max=40), NoControlCharacters()])


class BulkDismissForm(_BulkForm):
    items = TickedField("Reports", validators=[_ticked(_FLAG_ID, "report")])

    @property
    def flag_ids(self) -> list[int]:
        return [int(value) for value in self.items.data]


class BulkPublishForm(_BulkForm):
    items = TickedField("Reviews", validators=[_ticked(_PUBLIC_ID, "review")])
