"""The response form: one text, nothing else.

The review and the employer come from the URL and the representative's account, never from the
form, so a hidden field can't point a response at another employer's review: a representative of
employer A can do nothing for employer B.
"""

from __future__ import annotations

from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from forms import BaseForm, NoControlCharacters, clean_text
from responses.models import BODY_LIMIT


def normalise_text(value):
    """Browsers send line breaks as CRLF: count them as one character, as the text box does."""
    if not isinstance(value, str):
        return value
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()


class ResponseForm(BaseForm):
    body = TextAreaField(
        "Your response",
        filters=[clean_text, normalise_text],
        validators=[
            DataRequired("Write your response, or leave this page to answer later."),
            Length(
                max=BODY_LIMIT,
                message=f"Keep the response to {BODY_LIMIT:,} characters (it has %(length)d now).",
            ),
            NoControlCharacters(multiline=True),
        ],
        description=(
            "Shown publicly under the review, as your organisation's reply. Describe roles, not "
            "people: emails, phone numbers and links are removed automatically, and a text that "
            "seems to name someone waits for a moderator."
        ),
        render_kw={"rows": 8, "maxlength": BODY_LIMIT},
    )
