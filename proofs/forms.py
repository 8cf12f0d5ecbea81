"""The proof form: a saved message (.eml) or its pasted source.

The file comes from request.files (proofs.routes): BaseForm reads the submitted text fields only.
The pasted source is not checked for control characters like other text: it is never stored or
shown, and real messages contain some (ISO-2022-JP mail has escape sequences).
"""

from __future__ import annotations

from wtforms import BooleanField, HiddenField, TextAreaField
from wtforms.validators import DataRequired, Length

from forms import BaseForm, NoControlCharacters


class ProofForm(BaseForm):
    source = TextAreaField(
        "Or paste the message's source",
        description="Everything from the first header line to the end of the message.",
        render_kw={"rows": 8, "spellcheck": "false", "autocomplete": "off"},
    )
    unusual_keys = BooleanField(
        "Check it anyway: I accept that the employer could notice that this message was checked"
    )


class DomainDecisionForm(BaseForm):
    """Attach, or not, a proof's signing domain to the employer named in the URL."""

    domain = HiddenField(
        validators=[DataRequired(), Length(max=253), NoControlCharacters()],
        filters=[lambda value: value.strip().lower() if isinstance(value, str) else value],
    )
