"""Forms of the notice-and-action procedure (DESIGN.md §8): the public legal-notice form and the
author's answer. The review comes from the URL, never from the form."""

from __future__ import annotations

from wtforms import BooleanField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length

from accounts.forms import email_field
from forms import BaseForm, NoControlCharacters, strip_value
from moderation.models import EXPLANATION_LIMIT
from moderation.notices import LEGAL_BASES
from responses.forms import normalise_text

NAME_LIMIT = 200  # LegalNotice.notifier_name


def _explanation_length() -> Length:
    return Length(
        max=EXPLANATION_LIMIT,
        message=f"Keep it to {EXPLANATION_LIMIT:,} characters (it has %(length)d now).",
    )


class LegalNoticeForm(BaseForm):
    name = StringField(
        "Your name",
        filters=[strip_value],
        validators=[
            DataRequired("Enter your name, or the name of the organisation you act for."),
            Length(max=NAME_LIMIT, message=f"Keep your name to {NAME_LIMIT} characters."),
            NoControlCharacters(),
        ],
        description=(
            "Only HeardBack's moderators see it. The review's author is not told who you are."
        ),
        render_kw={"autocomplete": "name", "maxlength": NAME_LIMIT},
    )
    email = email_field("Your email address")
    legal_basis = RadioField(
        "Which law does the review break?",
        choices=[SelectChoice(key, label) for key, (label, _) in LEGAL_BASES.items()],
        validators=[
            InputRequired("Choose the legal reason that fits best."),
            AnyOf(list(LEGAL_BASES), message="Choose one of the legal reasons listed."),
        ],
        validate_choice=False,
    )
    explanation = TextAreaField(
        "Explain the problem",
        filters=[normalise_text],
        validators=[
            DataRequired("Explain which part of the review is unlawful, and why."),
            _explanation_length(),
            NoControlCharacters(multiline=True),
        ],
        description=(
            "Quote the passage and say why it is unlawful. The moderators read this, and the "
            "review's author is sent it too, with any names, email addresses, phone numbers and "
            "links removed."
        ),
        render_kw={"rows": 8, "maxlength": EXPLANATION_LIMIT},
    )
    declaration = BooleanField(
        "I believe in good faith that the information in this notice is accurate and complete.",
        validators=[DataRequired("Tick the declaration to send the notice.")],
    )

    @property
    def email_value(self) -> str:
        return self.email.data


class NoticeAnswerForm(BaseForm):
    answer = TextAreaField(
        "Your answer",
        filters=[normalise_text],
        validators=[
            DataRequired("Write your answer, or leave this page to answer later."),
            _explanation_length(),
            NoControlCharacters(multiline=True),
        ],
        description=(
            "Only HeardBack's moderators read it: not the person who sent the notice, and not the "
            "employer. Don't include your name or contact details."
        ),
        render_kw={"rows": 8, "maxlength": EXPLANATION_LIMIT},
    )
