"""Forms of the representative's dashboard: notification setting, response commitment.

Each names its employer in a hidden `employer` field (the slug); the view resolves it through the
user's own representations, so a slug they don't represent is refused (403) before anything else.
"""

from __future__ import annotations

from wtforms import HiddenField, IntegerField, RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, InputRequired, Length, NumberRange

from forms import BaseForm, NoControlCharacters
from representatives.commitments import COMMITMENT_MAX_DAYS, COMMITMENT_MIN_DAYS
from representatives.models import Notify

NOTIFY_CHOICES = {
    Notify.weekly: (
        "Weekly digest",
        "At most one email a week, listing the reviews published since the last one.",
    ),
    Notify.immediate: ("Each new review", "An email as soon as a review is published."),
    Notify.off: ("No emails", "New reviews appear on this dashboard only."),
}


class EmployerForm(BaseForm):
    """A one-button action on the employer named by the hidden field (withdrawing a commitment)."""

    employer = HiddenField(validators=[InputRequired(), Length(max=220), NoControlCharacters()])


class NotifyForm(EmployerForm):
    notify = RadioField(
        "Email me about new reviews",
        choices=[SelectChoice(item.value, label) for item, (label, _) in NOTIFY_CHOICES.items()],
        # The message below is clearer than WTForms' "Not a valid choice".
        validate_choice=False,
        validators=[
            InputRequired(message="Choose how often we email you about new reviews."),
            AnyOf(
                [item.value for item in Notify],
                message="Choose one of: a weekly digest, an email for each review, or no emails.",
            ),
        ],
    )

    @property
    def value(self) -> Notify:
        return Notify(self.notify.data)


class CommitmentForm(EmployerForm):
    days = IntegerField(
        "We answer every interviewed candidate within",
        description=(
            f"A number of days from {COMMITMENT_MIN_DAYS} to {COMMITMENT_MAX_DAYS}, counted from "
            "the candidate's last contact with you."
        ),
        validators=[
            InputRequired(message="Enter a number of days."),
            NumberRange(
                min=COMMITMENT_MIN_DAYS,
                max=COMMITMENT_MAX_DAYS,
                message=(
                    f"Choose a number of days from {COMMITMENT_MIN_DAYS} to {COMMITMENT_MAX_DAYS}."
                ),
            ),
        ],
    )
