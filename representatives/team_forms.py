"""Forms of the team page (/employer/team): inviting a colleague, cancelling an invitation,
removing a member and making a colleague an owner.

Each names its employer in a hidden `employer` field (the slug); the view resolves it through the
signed-in user's own representations and lets owners only through. The domain rules of an
invitation need the employer, so they run in the service (representatives.team.invite) and its
message is added to the email field.
"""

from __future__ import annotations

from wtforms import EmailField, IntegerField
from wtforms.validators import DataRequired, InputRequired, NumberRange

from forms import NoControlCharacters, strip_value
from representatives.claims import EMAIL_MAX
from representatives.dashboard_forms import EmployerForm

# Ids are positive and fit a 32-bit integer column on PostgreSQL.
ID_MAX = 2**31 - 1


class InviteForm(EmployerForm):
    email = EmailField(
        "Your colleague's work email address",
        filters=[strip_value],
        validators=[
            DataRequired("Enter your colleague's work email address."),
            NoControlCharacters(),
        ],
        render_kw={"autocomplete": "off", "maxlength": EMAIL_MAX, "spellcheck": "false"},
    )


def _id_field(label: str, missing: str) -> IntegerField:
    return IntegerField(
        label,
        validators=[
            InputRequired(message=missing),
            NumberRange(min=1, max=ID_MAX, message=missing),
        ],
    )


class InvitationForm(EmployerForm):
    """Cancel one invitation (its id in a hidden field)."""

    invitation = _id_field("Invitation", "Choose an invitation from the list.")


class MemberForm(EmployerForm):
    """Remove a member, or make a colleague an owner (their representation's id)."""

    representative = _id_field("Team member", "Choose someone from the team list.")
