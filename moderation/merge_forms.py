"""The merge form: which employer goes into which, and a confirmation (DESIGN.md §7)."""

from __future__ import annotations

from urllib.parse import urlsplit

from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, Length

from forms import BaseForm, NoControlCharacters, strip_value

SLUG_LIMIT = 220  # Employer.slug


def slug_from(value):
    """A slug, also from a pasted address: "https://…/employers/acme-ltd/reviews" -> "acme-ltd"."""
    if not isinstance(value, str):
        return value
    value = value.strip()
    path = urlsplit(value).path if "://" in value else value
    parts = [part for part in path.split("/") if part]
    if "employers" in parts and parts.index("employers") + 1 < len(parts):
        return parts[parts.index("employers") + 1]
    return parts[0] if len(parts) == 1 else value


def _slug_field(label: str, description: str) -> StringField:
    return StringField(
        label,
        filters=[strip_value, slug_from],
        validators=[
            DataRequired("Enter the employer's address on HeardBack, or the last part of it."),
            Length(
                max=SLUG_LIMIT, message=f"An employer's address is at most {SLUG_LIMIT} characters."
            ),
            NoControlCharacters(),
        ],
        description=description,
        render_kw={"maxlength": 2000, "spellcheck": "false", "autocomplete": "off"},
    )


class MergeForm(BaseForm):
    source = _slug_field(
        "The duplicate (it will be removed)",
        "Its slug, e.g. acme-ltd, or its page's address. Its reviews, aliases, domains and "
        "representatives move; its address then redirects.",
    )
    target = _slug_field(
        "The employer to keep",
        "Its slug or page address. It keeps its name and gains everything above.",
    )
    confirm = BooleanField(
        "I have checked that these are the same employer. The merge can't be undone.",
        validators=[DataRequired("Tick the box to confirm the merge.")],
    )
