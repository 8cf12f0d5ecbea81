"""The flag form: a reason and an explanation, in plain words (DESIGN.md §8).

What is flagged comes from the URL, never from the form.
"""

from __future__ import annotations

from wtforms import RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length

from forms import BaseForm, NoControlCharacters
from moderation.models import EXPLANATION_LIMIT, FlagReason
from responses.forms import normalise_text

# Labels and help, in the order the form lists them.
REASONS = {
    FlagReason.personal_information: (
        "Personal information about someone",
        "A name, contact details or anything else that identifies a person.",
    ),
    FlagReason.false_or_misleading: (
        "False or misleading",
        "It describes something that didn't happen, or presents it in a misleading way.",
    ),
    FlagReason.abusive: ("Abusive", "Insults, threats, harassment or hateful language."),
    FlagReason.spam: ("Spam", "Advertising, links, or text that isn't about a hiring process."),
    FlagReason.conflict_of_interest: (
        "Conflict of interest",
        "Written by someone with a stake in the employer, such as an employee or a competitor.",
    ),
    FlagReason.other: ("Something else", "Another problem with the guidelines: explain below."),
}


class FlagForm(BaseForm):
    reason = RadioField(
        "What is the problem?",
        choices=[SelectChoice(reason.value, label) for reason, (label, _) in REASONS.items()],
        validators=[
            InputRequired("Choose the reason that fits best."),
            AnyOf(
                [reason.value for reason in REASONS],
                message="Choose one of the reasons listed.",
            ),
        ],
        # AnyOf above says what went wrong in words; WTForms' own check only says "Not a valid
        # choice".
        validate_choice=False,
    )
    explanation = TextAreaField(
        "Tell the moderators more",
        filters=[normalise_text],
        validators=[
            DataRequired("Explain what is wrong, so a moderator knows what to look for."),
            Length(
                max=EXPLANATION_LIMIT,
                message=f"Keep the explanation to {EXPLANATION_LIMIT:,} characters "
                "(it has %(length)d now).",
            ),
            NoControlCharacters(multiline=True),
        ],
        description="Only moderators read this. Say which part is the problem and why.",
        render_kw={"rows": 5, "maxlength": EXPLANATION_LIMIT},
    )

    @property
    def reason_value(self) -> FlagReason:
        return FlagReason(self.reason.data)
