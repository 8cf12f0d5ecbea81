"""Forms of the moderators' actions on a review (DESIGN.md §8). What is acted on comes from the
URL; the forms carry only the moderator's decision and reason.

Several of these forms share one page, so templates give their fields distinct ids
(`field(form.reason, id_=...)`); the field names stay plain, which is what the browser posts.
"""

from __future__ import annotations

from wtforms import BooleanField, HiddenField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, Optional

from forms import BaseForm, NoControlCharacters
from moderation.actions import GUIDELINES, REDACTABLE
from moderation.suspensions import DEFAULT_REASON as DEFAULT_SUSPENSION_REASON
from moderation.suspensions import REASONS as SUSPENSION_REASONS
from responses.forms import normalise_text

REASON_MAX = 500  # the audit log's reason column holds more; a reason is a sentence or two
SPAN_MAX = 4000  # the longest text a review or response holds


def _reason_field(required: bool, label: str) -> TextAreaField:
    first = (
        DataRequired("Give a reason: it goes in the audit log with your action.")
        if required
        else Optional()
    )
    return TextAreaField(
        label,
        filters=[normalise_text],
        validators=[
            first,
            Length(
                max=REASON_MAX,
                message=f"Keep the reason to {REASON_MAX} characters (it has %(length)d now).",
            ),
            NoControlCharacters(multiline=True),
        ],
        render_kw={"rows": 2, "maxlength": REASON_MAX},
    )


def _span_field() -> TextAreaField:
    return TextAreaField(
        "Exact text to remove",
        filters=[normalise_text],
        validators=[
            DataRequired("Paste the exact text to remove."),
            Length(
                max=SPAN_MAX,
                message=f"That is longer than any review text ({SPAN_MAX:,} characters).",
            ),
            NoControlCharacters(multiline=True),
        ],
        description="Copied exactly from the text above. Every occurrence becomes "
        "“[removed by a moderator]”; the original stays on record for moderators.",
        render_kw={"rows": 2, "maxlength": SPAN_MAX},
    )


class NoteForm(BaseForm):
    """A one-button action with an optional reason for the audit log."""

    reason = _reason_field(False, "Reason for the audit log (optional)")


class ReasonForm(BaseForm):
    """An action that needs a reason in the audit log."""

    reason = _reason_field(True, "Reason for the audit log")


class RestoreForm(ReasonForm):
    """Restoring a hidden review or response; the moderator says whether the hide was a mistake
    (moderation.transparency then leaves it out of the published figures)."""

    mistake = BooleanField(
        "The hide was a mistake",
        description="Tick if it should never have been hidden: the hide then isn't counted in "
        "the transparency figures. Leave it if the problem was fixed (for example redacted).",
    )


class HideForm(ReasonForm):
    guideline = SelectField(
        "Guideline broken",
        choices=[SelectChoice("", "Choose a guideline")]
        + [SelectChoice(reason.value, label) for reason, (label, _) in GUIDELINES.items()],
        validators=[
            InputRequired("Choose the guideline it breaks: the author is told which."),
            AnyOf(
                [reason.value for reason in GUIDELINES],
                message="Choose one of the guidelines listed: the author is told which.",
            ),
        ],
        # AnyOf above says what went wrong in words.
        validate_choice=False,
        description="The author is emailed this guideline and a link to edit and resubmit; "
        "not your reason, nor who reported it.",
    )


class RedactForm(ReasonForm):
    field = SelectField(
        "Remove from",
        choices=[SelectChoice(name, label) for name, label in REDACTABLE.items()],
        validators=[
            InputRequired("Choose where the text is."),
            AnyOf(list(REDACTABLE), message="Choose the narrative or the advice."),
        ],
        validate_choice=False,
    )
    text = _span_field()


class RedactResponseForm(ReasonForm):
    text = _span_field()


class SuspendForm(ReasonForm):
    # The category the account's owner is emailed (moderation.suspensions.REASONS); the reason
    # below stays in the audit log. Absent (an older page): the default category.
    category = SelectField(
        "Reason the member is told",
        choices=[SelectChoice(key, label) for key, (label, _) in SUSPENSION_REASONS.items()],
        default=DEFAULT_SUSPENSION_REASON,
        validators=[
            Optional(),
            AnyOf(list(SUSPENSION_REASONS), message="Choose one of the reasons listed."),
        ],
        validate_choice=False,
        description="Emailed to the member with the address to appeal to; your reason isn't.",
    )
    # The pseudonym the page showed: if the review's account changed meanwhile (deleted,
    # de-linked), the suspension is refused rather than landing on someone else.
    pseudonym = HiddenField(validators=[DataRequired(), Length(max=40), NoControlCharacters()])
