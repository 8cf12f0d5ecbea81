"""Forms for claiming an employer and leaving it. Dashboard forms live elsewhere."""

from __future__ import annotations

from wtforms import EmailField
from wtforms.validators import DataRequired

from forms import BaseForm, NoControlCharacters, strip_value
from representatives.claims import EMAIL_MAX


class ClaimForm(BaseForm):
    """The work email only. The domain rules need the employer, so they run in the service
    (representatives.claims.check_address) and their message is added to this field."""

    email = EmailField(
        "Your work email address",
        filters=[strip_value],
        validators=[DataRequired("Enter your work email address."), NoControlCharacters()],
        description=(
            "Your address at the employer, like jane.doe@acme.com. Addresses from free or "
            "disposable email services can't be used."
        ),
        render_kw={"autocomplete": "email", "maxlength": EMAIL_MAX, "spellcheck": "false"},
    )
