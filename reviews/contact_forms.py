"""The author's answer to an employer's "we have now contacted this candidate" (DESIGN.md §7)."""

from __future__ import annotations

from wtforms import RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, ValidationError

from forms import BaseForm
from reviews.labels import OUTCOMES
from reviews.models import Outcome

# What the author may say the employer decided (representatives.contact_reports.contact_outcomes
# picks the ones the review's stage allows).
ANSWERS = (Outcome.offer, Outcome.rejected_with_feedback, Outcome.rejected)


class ContactAnswerForm(BaseForm):
    outcome = RadioField(
        "What did they tell you?",
        choices=[SelectChoice(outcome.value, OUTCOMES[outcome][0]) for outcome in ANSWERS],
        validate_choice=False,  # validate_outcome says why, in words
        validators=[InputRequired(message="Choose what they told you.")],
    )

    def __init__(self, *args, allowed: list[Outcome], **kwargs):
        super().__init__(*args, **kwargs)
        self.allowed = allowed

    def validate_outcome(self, field) -> None:
        if field.data not in {outcome.value for outcome in self.allowed}:
            labels = " or ".join(f"“{OUTCOMES[outcome][0]}”" for outcome in self.allowed)
            raise ValidationError(f"Choose {labels}.")

    @property
    def value(self) -> Outcome:
        return Outcome(self.outcome.data)
