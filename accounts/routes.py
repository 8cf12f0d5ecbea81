"""Account views: validate the form, call a service, commit, then redirect or render."""

from __future__ import annotations

from functools import wraps

from flask import (
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user

from accounts import bp, services
from accounts.export import export_json
from accounts.forms import (
    ChangeEmailForm,
    ChangePasswordForm,
    DeleteAccountForm,
    ResetPasswordForm,
    ResetRequestForm,
    SignInForm,
    SignUpForm,
)
from accounts.services import TokenError, normalize_email
from extensions import db, limiter, login_manager
from forms import ConfirmForm
from security import client_address, is_safe_next, pseudonymous

# Set on a successful sign-in: a signed digest of the account's email, nothing else.
DEVICE_COOKIE = "hb_device"

TOKEN_MESSAGES = {
    TokenError.expired: "That link has expired. Ask for a new one below.",
    TokenError.invalid: "That link isn't valid. Check you copied all of it, or ask for a new one.",
    TokenError.used: "That link has already been used. Ask for a new one if you still need it.",
}

login_manager.login_view = "accounts.sign_in"
login_manager.login_message = "Please sign in to continue."
login_manager.login_message_category = "info"
login_manager.user_loader(services.load_user)


def _limit(setting: str):
    return lambda: current_app.config[setting]


def _sign_in_email() -> str:
    raw = request.form.get("email", "")[:300]
    try:
        return normalize_email(raw)
    except ValueError:
        return raw.strip().lower()


def _email_key() -> str:
    """Rate-limit key for the email a sign-in names (an HMAC, like the address keys)."""
    return "email:" + pseudonymous(_sign_in_email())


def _email_client_key() -> str:
    """Rate-limit key for the email a sign-in names *from this client*: guesses from elsewhere
    don't use up the attempts of the owner's own connection, so a stranger can't lock the owner
    out by failing on purpose."""
    return "email-client:" + pseudonymous(f"{_sign_in_email()}|{client_address()}")


def _known_device() -> bool:
    """A browser that has signed in to this account before skips the all-clients ceiling."""
    return services.is_known_device(request.cookies.get(DEVICE_COOKIE), _sign_in_email())


def _failed(response) -> bool:
    """Only failed sign-ins count toward the per-email limits (success redirects)."""
    return response.status_code != 302


def writes_on_get(view):
    """For GET views that change data (signed links): take SQLite's write lock up front."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        g.db_write = True
        return view(*args, **kwargs)

    return wrapper


def _signed_in_elsewhere():
    if current_user.is_authenticated:
        return redirect(url_for("accounts.account"))
    return None


def _after_link() -> str:
    return url_for("accounts.account" if current_user.is_authenticated else "accounts.sign_in")


def _remember_device(response, user) -> None:
    config = current_app.config
    response.set_cookie(
        DEVICE_COOKIE,
        services.device_token(user),
        max_age=services.DEVICE_MAX_AGE,
        path=url_for("accounts.sign_in"),  # sent to the sign-in form only
        secure=config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
    )


def _sign_in(user) -> None:
    services.start_session(user)
    login_user(user)


# --- sign-up, verification ---------------------------------------------------------------------


@bp.route("/sign-up", methods=["GET", "POST"])
@limiter.limit(_limit("RATELIMIT_SIGN_UP"), methods=["POST"])
def sign_up():
    if redirect_response := _signed_in_elsewhere():
        return redirect_response
    form = SignUpForm()
    if form.validate_on_submit():
        services.sign_up(form.email.data, form.password.data)
        db.session.commit()
        services.remember_sign_up(form.email.data)
        return render_template("accounts/check_inbox.html", email=form.email.data, reason="sign-up")
    return render_template("accounts/sign_up.html", form=form), 200 if not form.errors else 422


@bp.get("/verify-email/<token>")
@writes_on_get
def verify_email(token: str):
    result = services.verify_email(token)
    if result.error:
        db.session.rollback()
        return render_template(
            "accounts/link_problem.html",
            message=TOKEN_MESSAGES[result.error],
            resend=current_user.is_authenticated,
            form=ConfirmForm(),
        ), 400
    user = result.user
    if result.already:
        # The link signs in once at most: used again, it only says so.
        db.session.commit()
        flash("Your email address was already confirmed.", "info")
        return redirect(_after_link())
    if current_user.is_authenticated and current_user.id != user.id:
        # Never switch accounts behind the user's back.
        db.session.commit()
        flash(
            "Thanks, that email address is confirmed. It belongs to another account than the "
            f"one you're signed in to ({current_user.email}): sign out, then sign in with it to "
            "use it.",
            "info",
        )
        return redirect(url_for("accounts.account"))
    signs_in = not user.is_suspended and services.signed_up_here(user)
    if not current_user.is_authenticated and signs_in:
        _sign_in(user)
        db.session.commit()
        flash("Thanks, your email address is confirmed. You're signed in.", "success")
        response = redirect(url_for("pages.home"))
        _remember_device(response, user)
        return response
    db.session.commit()
    if current_user.is_authenticated:
        flash("Thanks, your email address is confirmed.", "success")
    else:
        flash("Thanks, your email address is confirmed. Sign in to continue.", "success")
    return redirect(_after_link())


@bp.post("/verify-email/resend")
@login_required
@limiter.limit(_limit("RATELIMIT_RESET"))
def resend_verification():
    if ConfirmForm().validate_on_submit():
        if current_user.is_verified:
            flash("Your email address is already confirmed.", "info")
        else:
            services.send_verification(current_user)
            db.session.commit()
            flash(f"We've sent a new confirmation link to {current_user.email}.", "success")
    return redirect(url_for("accounts.account"))


# --- sign-in, sign-out -------------------------------------------------------------------------


@bp.route("/sign-in", methods=["GET", "POST"])
@limiter.limit(_limit("RATELIMIT_SIGN_IN"), methods=["POST"])
@limiter.limit(
    _limit("RATELIMIT_SIGN_IN_PER_EMAIL"),
    methods=["POST"],
    key_func=_email_client_key,
    deduct_when=_failed,
)
@limiter.limit(
    _limit("RATELIMIT_SIGN_IN_PER_EMAIL_ALL_CLIENTS"),
    methods=["POST"],
    key_func=_email_key,
    deduct_when=_failed,
    exempt_when=_known_device,
)
def sign_in():
    if redirect_response := _signed_in_elsewhere():
        return redirect_response
    form = SignInForm()
    next_path = request.values.get("next")
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None and user.is_suspended:
            form.form_errors.append(
                "This account is suspended. Write to the moderators at "
                f"{current_app.config['MODERATION_CONTACT']} if you think this is a mistake."
            )
        elif user is not None:
            _sign_in(user)
            db.session.commit()
            flash("You're signed in.", "success")
            response = redirect(next_path if is_safe_next(next_path) else url_for("pages.home"))
            _remember_device(response, user)
            return response
        else:
            db.session.rollback()
            form.form_errors.append(
                "That email and password don't match an account. Check both, or reset your "
                "password."
            )
    status = 422 if form.errors or form.form_errors else 200
    return render_template(
        "accounts/sign_in.html",
        form=form,
        next=next_path if is_safe_next(next_path) else None,
    ), status


@bp.post("/sign-out")
def sign_out():
    if ConfirmForm().validate_on_submit():
        services.end_session()
        logout_user()
        db.session.commit()
        flash("You're signed out.", "info")
    return redirect(url_for("pages.home"))


# --- password reset ----------------------------------------------------------------------------


@bp.route("/reset-password", methods=["GET", "POST"])
@limiter.limit(_limit("RATELIMIT_RESET"), methods=["POST"])
def reset_request():
    form = ResetRequestForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        db.session.commit()
        return render_template("accounts/check_inbox.html", email=form.email.data, reason="reset")
    return render_template("accounts/reset_request.html", form=form), 422 if form.errors else 200


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@limiter.limit(_limit("RATELIMIT_RESET"), methods=["POST"])
def reset_password(token: str):
    user = services.user_for_reset(token)
    if isinstance(user, TokenError):
        return render_template(
            "accounts/link_problem.html",
            message=TOKEN_MESSAGES[user],
            reset=True,
        ), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        services.reset_password(user, form.password.data)
        logout_user()
        _sign_in(user)
        db.session.commit()
        flash("Your password is changed, and every other session is signed out.", "success")
        return redirect(url_for("accounts.account"))
    return render_template("accounts/reset_password.html", form=form), 422 if form.errors else 200


# --- account settings --------------------------------------------------------------------------


def _account_page(status: int = 200, **forms):
    forms.setdefault("password_form", ChangePasswordForm(formdata=None))
    forms.setdefault("email_form", ChangeEmailForm(formdata=None))
    return render_template("accounts/account.html", resend_form=ConfirmForm(), **forms), status


@bp.get("/account")
@login_required
def account():
    return _account_page()


@bp.post("/account/password")
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if services.check_password(current_user, form.current_password.data):
            user = current_user._get_current_object()
            services.change_password(user, form.password.data)
            _sign_in(user)
            db.session.commit()
            flash(
                "Your password is changed. Other browsers signed in to your account are now "
                "signed out.",
                "success",
            )
            return redirect(url_for("accounts.account"))
        form.current_password.errors.append("That isn't your current password.")
    return _account_page(422, password_form=form)


@bp.post("/account/email")
@login_required
def change_email():
    form = ChangeEmailForm()
    if form.validate_on_submit():
        if not services.check_password(current_user, form.current_password.data):
            form.current_password.errors.append("That isn't your current password.")
        elif form.email.data == current_user.email:
            form.email.errors.append("That is already your email address.")
        else:
            services.request_email_change(current_user, form.email.data)
            db.session.commit()
            flash(
                f"We've sent a confirmation link to {form.email.data}. Your address changes "
                "when you follow it.",
                "success",
            )
            return redirect(url_for("accounts.account"))
    return _account_page(422, email_form=form)


@bp.get("/account/email/<token>")
@writes_on_get
def confirm_email_change(token: str):
    user = services.confirm_email_change(token)
    if isinstance(user, TokenError):
        db.session.rollback()
        return render_template("accounts/link_problem.html", message=TOKEN_MESSAGES[user]), 400
    db.session.commit()
    flash("Your email address is changed.", "success")
    return redirect(_after_link())


@bp.get("/me/export")
@login_required
def export():
    """All of the user's data as a JSON download (DESIGN.md §5.7; accounts/export.py)."""
    body, filename = export_json(current_user._get_current_object())
    response = current_app.response_class(body, mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/account/delete", methods=["GET", "POST"])
@login_required
def delete_account():
    form = DeleteAccountForm()
    if form.validate_on_submit():
        if services.check_password(current_user, form.current_password.data):
            user = current_user._get_current_object()
            logout_user()
            services.delete_account(user, keep_reviews=form.reviews.data == "keep")
            services.end_session()
            db.session.commit()
            flash("Your account is deleted.", "info")
            return redirect(url_for("pages.home"))
        form.current_password.errors.append("That isn't your password.")
    return render_template("accounts/delete.html", form=form), 422 if form.errors else 200
