"""Employer forms: adding an employer nobody has reviewed yet."""

from __future__ import annotations

from wtforms import BooleanField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError

from employers import access, services
from employers.models import Industry
from forms import BaseForm, NoControlCharacters, strip_value

NAME_MIN = 2
NAME_MAX = 200
# Room for a pasted web address with a path ("https://www.acme.com/careers/jobs?id=…"); only the
# host name is kept.
WEBSITE_MAX = 500


class EmployerName:
    """A name a person could look up: it has a letter and a sensible normalised form."""

    def __call__(self, form, field) -> None:
        if not field.data:
            return
        normalized = services.normalize_name(field.data)
        if not any(ch.isalpha() for ch in normalized):
            raise ValidationError("An employer's name needs at least one letter.")
        # Unicode compatibility forms can expand ("ﷺ" is 18 letters once decomposed).
        if len(normalized) > NAME_MAX:
            raise ValidationError(f"Use at most {NAME_MAX} characters.")


class WebsiteDomain:
    """A web address reduced to its host name ("https://www.acme.com/jobs" -> "acme.com").

    Free-mail and disposable-address domains are refused: they belong to no employer.
    """

    def __call__(self, form, field) -> None:
        if not field.data or field.errors:
            return
        try:
            domain = services.normalize_domain(field.data)
        except services.DomainError as error:
            raise ValidationError(str(error)) from None
        refusal = services.domain_refusal(domain)
        if refusal:
            raise ValidationError(refusal)
        field.data = domain


class InChoices:
    """The submitted value is one of the field's choices (a friendlier message than WTForms')."""

    def __init__(self, message: str):
        self.message = message

    def __call__(self, form, field) -> None:
        if field.data not in {choice.value for choice in field.choices}:
            raise ValidationError(self.message)


NOT_SURE = SelectChoice("", "Not sure")


def industry_choices() -> list[SelectChoice]:
    return [NOT_SURE, *(SelectChoice(industry.value, industry.label) for industry in Industry)]


def country_choices() -> list[SelectChoice]:
    return [NOT_SURE, *(SelectChoice(code, name) for code, name in services.country_choices())]


class NewEmployerForm(BaseForm):
    name = StringField(
        "Employer name",
        filters=[strip_value],
        validators=[
            DataRequired("Enter the employer's name."),
            NoControlCharacters(),
            Length(
                min=NAME_MIN,
                max=NAME_MAX,
                message=f"Use between {NAME_MIN} and {NAME_MAX} characters.",
            ),
            EmployerName(),
        ],
        description="As the employer calls itself, e.g. “Acme Corporation”.",
        render_kw={"maxlength": NAME_MAX, "autocomplete": "organization"},
    )
    website = StringField(
        "Website (optional)",
        filters=[strip_value],
        validators=[
            NoControlCharacters(),
            Length(max=WEBSITE_MAX, message="That web address is too long. Enter just acme.com."),
            WebsiteDomain(),
        ],
        description=(
            "The employer's own web address, like acme.com. It lets people who work there "
            "speak for the employer later."
        ),
        render_kw={
            "maxlength": WEBSITE_MAX,
            "inputmode": "url",
            "autocapitalize": "none",
            "spellcheck": "false",
        },
    )
    industry = SelectField(
        "Industry (optional)",
        choices=industry_choices(),
        default="",
        filters=[strip_value],
        validate_choice=False,
        validators=[NoControlCharacters(), InChoices("Choose an industry from the list.")],
    )
    country = SelectField(
        "Country (optional)",
        choices=country_choices(),
        default="",
        filters=[strip_value],
        validate_choice=False,
        validators=[NoControlCharacters(), InChoices("Choose a country from the list.")],
        description="Where the employer is based. If it is in several countries, the one you "
        "applied in.",
    )
    different = BooleanField("No, this is a different employer: add it as a new one.")

    # Set by validate_website when the domain is already another employer's.
    domain_owner = None

    def validate_website(self, field) -> None:
        if not field.data or field.errors:
            return
        owner = services.employer_for_domain(field.data)
        if owner is not None:
            self.domain_owner = owner
            # An unlisted owner (§5.8) is not named: employers.routes.new answers as if this
            # user were adding it.
            if access.may_see(owner):
                raise ValidationError(f"{field.data} is already the website of {owner.name}.")

    @property
    def industry_value(self) -> Industry | None:
        return Industry(self.industry.data) if self.industry.data else None
