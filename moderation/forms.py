"""Moderators' forms. One-button actions (approve a claim, revoke a representative) use
forms.ConfirmForm."""

from __future__ import annotations

from wtforms import TextAreaField
from wtforms.validators import Length, Optional

from forms import BaseForm, NoControlCharacters, strip_value
from representatives.claims import NOTE_MAX


class RefuseClaimForm(BaseForm):
    note = TextAreaField(
        "Note to the claimant (optional)",
        filters=[strip_value],
        validators=[
            Optional(),
            Length(max=NOTE_MAX, message=f"Keep the note to {NOTE_MAX} characters or fewer."),
            NoControlCharacters(multiline=True),
        ],
        description="Sent to the claimant by email with the refusal, e.g. what would convince you.",
        render_kw={"rows": 2, "maxlength": NOTE_MAX},
    )
