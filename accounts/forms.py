"""Account forms. Messages say what to do, next to the field they're about."""

from __future__ import annotations

from disposable_email_domains import blocklist
from wtforms import BooleanField, EmailField, PasswordField, RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, ValidationError

from accounts.services import normalize_email
from forms import BaseForm, NoControlCharacters, strip_value

EMAIL_MAX = 254
PASSWORD_MIN = 10
PASSWORD_MAX = 200


class EmailAddress:
    """Validates and normalises an email address (email-validator), storing the normal form."""

    def __call__(self, form, field) -> None:
        if not field.data:
            return
        if len(field.data) > EMAIL_MAX:
            raise ValidationError(f"An email address can be at most {EMAIL_MAX} characters.")
        try:
            field.data = normalize_email(field.data)
        except ValueError:
            raise ValidationError("Enter a valid email address, like name@example.com.") from None


def email_field(label: str = "Email address", extra: list | None = None) -> EmailField:
    return EmailField(
        label,
        filters=[strip_value],
        validators=[
            DataRequired("Enter your email address."),
            NoControlCharacters(),
            EmailAddress(),
            *(extra or []),
        ],
        render_kw={"autocomplete": "email", "maxlength": EMAIL_MAX, "spellcheck": "false"},
    )


def new_password_field(label: str = "Password") -> PasswordField:
    return PasswordField(
        label,
        validators=[
            InputRequired("Choose a password."),
            Length(
                min=PASSWORD_MIN,
                max=PASSWORD_MAX,
                message=f"Use between {PASSWORD_MIN} and {PASSWORD_MAX} characters.",
            ),
            NoControlCharacters(),
        ],
        description=f"At least {PASSWORD_MIN} characters. A few unrelated words work well.",
        render_kw={"autocomplete": "new-password", "maxlength": PASSWORD_MAX},
    )


def confirm_password_field(other: str, label: str = "Repeat the password") -> PasswordField:
    return PasswordField(
        label,
        validators=[
            InputRequired("Type the password again."),
            EqualTo(other, message="The two passwords don't match. Type them again."),
        ],
        render_kw={"autocomplete": "new-password", "maxlength": PASSWORD_MAX},
    )


def current_password_field(label: str = "Current password") -> PasswordField:
    return PasswordField(
        label,
        validators=[
            InputRequired("Enter your current password."),
            Length(max=PASSWORD_MAX, message="That password is too long."),
        ],
        render_kw={"autocomplete": "current-password", "maxlength": PASSWORD_MAX},
    )


class NotDisposable:
    """Refuse throwaway addresses (DESIGN.md §8: fake accounts must cost something)."""

    def __call__(self, form, field) -> None:
        domain = (field.data or "").rsplit("@", 1)[-1]
        if domain and is_disposable(domain):
            raise ValidationError(
                "Addresses from disposable email services can't be used. Use an address you "
                "will keep: we only ever send you links and reminders."
            )


def is_disposable(domain: str) -> bool:
    parts = domain.lower().split(".")
    # mail.mailinator.com counts as mailinator.com
    return any(".".join(parts[index:]) in blocklist for index in range(len(parts) - 1))


class PasswordNotEmail:
    def __call__(self, form, field) -> None:
        email = getattr(form, "email", None)
        if email is not None and field.data and email.data and field.data.lower() == email.data:
            raise ValidationError("Don't use your email address as your password.")


class SignUpForm(BaseForm):
    email = email_field(extra=[NotDisposable()])
    password = new_password_field()
    password_confirm = confirm_password_field("password")
    accept = BooleanField(
        "I have read the guidelines and will describe roles, not name people.",
        validators=[DataRequired("Please confirm you have read the guidelines.")],
    )

    def validate_password(self, field) -> None:
        PasswordNotEmail()(self, field)


class SignInForm(BaseForm):
    email = email_field()
    password = PasswordField(
        "Password",
        validators=[
            InputRequired("Enter your password."),
            Length(max=PASSWORD_MAX, message="That password is too long."),
        ],
        render_kw={"autocomplete": "current-password", "maxlength": PASSWORD_MAX},
    )


class ResetRequestForm(BaseForm):
    email = email_field()


class ResetPasswordForm(BaseForm):
    password = new_password_field("New password")
    password_confirm = confirm_password_field("password", "Repeat the new password")


class ChangePasswordForm(BaseForm):
    current_password = current_password_field()
    password = new_password_field("New password")
    password_confirm = confirm_password_field("password", "Repeat the new password")


class ChangeEmailForm(BaseForm):
    email = email_field("New email address", extra=[NotDisposable()])
    current_password = current_password_field()


class DeleteAccountForm(BaseForm):
    reviews = RadioField(
        "What should happen to your reviews?",
        choices=[
            SelectChoice("delete", "Delete them too."),
            SelectChoice(
                "keep",
                "Keep them on HeardBack, anonymous and no longer linked to any account "
                "(you won't be able to edit them).",
            ),
        ],
        validators=[InputRequired("Choose what happens to your reviews.")],
    )
    current_password = current_password_field("Your password")
    confirm = BooleanField(
        "I understand this can't be undone.",
        validators=[DataRequired("Tick the box to confirm you want to delete your account.")],
    )
