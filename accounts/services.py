"""Account rules: sign-up, sign-in, sessions, signed links, and account changes.

The functions take values, do their work in the session and leave the commit to the caller.
Answers that a visitor sees never depend on whether an email is registered (no enumeration):
the differences go into the email sent to that address instead.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from enum import Enum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from flask import current_app, session, url_for
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from accounts.models import LoginSession, Role, User
from extensions import db
from notifications import mail
from reviews.models import Review, ReviewStatus
from scoring.stats import refresh_employers
from timeutils import utcnow

SESSION_KEY = "sid"


# --- passwords ---------------------------------------------------------------------------------


def normalize_email(value: str) -> str:
    """Validated, normalised and lower-cased, or ValueError with a message for the page."""
    try:
        result = validate_email(value, check_deliverability=False)
    except EmailNotValidError as error:
        raise ValueError(str(error)) from None
    return result.normalized.lower()


def password_hasher() -> PasswordHasher:
    """argon2id with the configured cost (config.py: OWASP's 19 MiB, 2 passes, 1 lane)."""
    config = current_app.config
    return PasswordHasher(
        time_cost=config.get("ARGON2_TIME_COST", 2),
        memory_cost=config.get("ARGON2_MEMORY_COST", 19456),
        parallelism=config.get("ARGON2_PARALLELISM", 1),
    )


def hash_password(password: str) -> str:
    return password_hasher().hash(password)


def check_password(user: User | None, password: str) -> bool:
    """True if the password is the user's. Costs one hash either way, so timing tells nothing."""
    hasher = password_hasher()
    if user is None:
        _verify_quietly(hasher, _dummy_hash(), password)
        return False
    if not _verify_quietly(hasher, user.password_hash, password):
        return False
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    return True


def _verify_quietly(hasher: PasswordHasher, hashed: str, password: str) -> bool:
    try:
        return hasher.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False


def _dummy_hash() -> str:
    cache = current_app.extensions.setdefault("heardback", {})
    if "dummy_hash" not in cache:
        cache["dummy_hash"] = password_hasher().hash(secrets.token_hex(16))
    return cache["dummy_hash"]


def set_password(user: User, password: str) -> None:
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()


# --- known devices ------------------------------------------------------------------------------

# A browser that signed in to an account keeps a cookie proving it, for a year; it exempts that
# browser from the per-email ceiling across all clients, so strangers' guesses can't lock the
# owner out (accounts.routes.sign_in).
DEVICE_MAX_AGE = 365 * 24 * 3600


def _device_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="known-device")


def _device_digest(email: str) -> str:
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, b"known-device:" + email.encode(), hashlib.sha256).hexdigest()[:32]


def device_token(user: User) -> str:
    return _device_serializer().dumps(_device_digest(user.email))


def is_known_device(token: str | None, email: str) -> bool:
    if not token or len(token) > 200:
        return False
    try:
        digest = _device_serializer().loads(token, max_age=DEVICE_MAX_AGE)
    except BadSignature:  # SignatureExpired included
        return False
    return isinstance(digest, str) and hmac.compare_digest(digest, _device_digest(email))


# --- signed links ------------------------------------------------------------------------------


class Purpose(Enum):
    """What a signed link is for; each has its own salt so one can't stand in for another."""

    verify_email = "verify-email"
    reset_password = "reset-password"  # noqa: S105 (a salt name, not a password)
    change_email = "change-email"
    claim = "claim-representative"  # read by representatives.claims (lifetime CLAIM_LINK_HOURS)


MAX_AGE_SETTING = {
    Purpose.verify_email: "EMAIL_VERIFY_MAX_AGE",
    Purpose.reset_password: "PASSWORD_RESET_MAX_AGE",
    Purpose.change_email: "EMAIL_CHANGE_MAX_AGE",
}


# The emails that carry one of these links: subject, template, the link's endpoint, and the unit
# the email states the link's lifetime in.
LINK_EMAILS = {
    Purpose.verify_email: (
        "Confirm your email address for HeardBack",
        "verify_email",
        "accounts.verify_email",
        "hours",
    ),
    Purpose.reset_password: (
        "Reset your HeardBack password",
        "reset_password",
        "accounts.reset_password",
        "minutes",
    ),
    Purpose.change_email: (
        "Confirm your new email address for HeardBack",
        "change_email",
        "accounts.confirm_email_change",
        "hours",
    ),
}
SECONDS_PER = {"minutes": 60, "hours": 3600}


class TokenError(Enum):
    expired = "expired"
    invalid = "invalid"
    used = "used"


def _serializer(purpose: Purpose) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=purpose.value)


def make_token(purpose: Purpose, payload: dict) -> str:
    return _serializer(purpose).dumps(payload)


def read_token(purpose: Purpose, token: str) -> dict | TokenError:
    max_age = current_app.config[MAX_AGE_SETTING[purpose]]
    try:
        payload = _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired:
        return TokenError.expired
    except BadSignature:
        return TokenError.invalid
    return payload if isinstance(payload, dict) else TokenError.invalid


def _token_user(purpose: Purpose, token: str) -> tuple[User, dict] | TokenError:
    """The account a link's token names, with the token's payload; `invalid` if the account is
    gone. What else the payload must match (an address, a password stamp) is the caller's."""
    payload = read_token(purpose, token)
    if isinstance(payload, TokenError):
        return payload
    user = db.session.get(User, payload.get("uid"))
    if user is None:
        return TokenError.invalid
    return user, payload


def _password_stamp(user) -> str:  # a User, or a row (id, password_hash, password_changed_at)
    """Changes whenever the password does, which makes a reset link single-use."""
    if isinstance(user, User):
        user = (user.id, user.password_hash, user.password_changed_at)
    material = f"{user[1]}|{user[2].isoformat()}"
    return hashlib.sha256(material.encode()).hexdigest()[:20]


def absolute_url(endpoint: str, **values) -> str:
    return current_app.config["SITE_URL"].rstrip("/") + url_for(endpoint, **values)


# --- sign-up and verification ------------------------------------------------------------------


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email))


def sign_up(email: str, password: str) -> int | None:
    """Create an unverified account and queue a verification link; returns the new account's id.

    If the address already has an account, nothing changes and its owner gets an email saying
    so. Both paths do the same work (one hash, one row written, one signed token, one queued
    email) so that neither the page nor its timing tells whether the address has an account.
    """
    password_hash = hash_password(password)
    now = utcnow()
    insert = (sqlite_insert if db.session.get_bind().dialect.name == "sqlite" else pg_insert)(User)
    # An upsert that writes the row either way: a new account, or the existing row's email set
    # to itself (an INSERT that did nothing would be measurably quicker). The stored hash says
    # which: a fresh hash has a fresh salt. Also covers the same address signing up a moment ago.
    user_id, stored_hash = db.session.execute(
        insert.values(
            email=email,
            password_hash=password_hash,
            role=Role.candidate,
            created_at=now,
            password_changed_at=now,
        )
        .on_conflict_do_update(index_elements=[User.email], set_={"email": insert.excluded.email})
        .returning(User.id, User.password_hash)
    ).one()
    token = make_token(Purpose.verify_email, {"uid": user_id, "email": email})
    if stored_hash != password_hash:
        mail.send_template(
            email,
            "Someone tried to sign up with your email address",
            "account_exists",
            sign_in_url=absolute_url("accounts.sign_in"),
            reset_url=absolute_url("accounts.reset_request"),
        )
        return None
    _send_link(Purpose.verify_email, email, token)
    return user_id


def send_verification(user: User) -> None:
    token = make_token(Purpose.verify_email, {"uid": user.id, "email": user.email})
    _send_link(Purpose.verify_email, user.email, token)


def _send_link(purpose: Purpose, to: str, token: str) -> None:
    """Email `to` the link that carries `token`, and how long it works (MAX_AGE_SETTING)."""
    subject, template, endpoint, unit = LINK_EMAILS[purpose]
    seconds = current_app.config[MAX_AGE_SETTING[purpose]]
    mail.send_template(
        to,
        subject,
        template,
        link_url=absolute_url(endpoint, token=token),
        lifetime=f"{seconds // SECONDS_PER[unit]} {unit}",
    )


# The browser that signed up keeps a keyed digest of the address in its session (not the address),
# set whether or not the address already had an account, so the response tells nothing. The
# verification link opened in that browser signs the new account in; opened elsewhere (another
# browser, or someone who was sent the link to sign them in to a stranger's account), it only
# confirms the address and asks for the password.
SIGNED_UP_KEY = "signed_up"


def _signed_up_digest(email: str) -> str:
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, b"signed-up:" + email.encode(), hashlib.sha256).hexdigest()[:32]


def remember_sign_up(email: str) -> None:
    session[SIGNED_UP_KEY] = _signed_up_digest(email)


def signed_up_here(user: User) -> bool:
    stored = session.get(SIGNED_UP_KEY)
    return isinstance(stored, str) and hmac.compare_digest(stored, _signed_up_digest(user.email))


@dataclass(frozen=True)
class VerifyResult:
    user: User | None
    error: TokenError | None = None
    already: bool = False


def verify_email(token: str) -> VerifyResult:
    found = _token_user(Purpose.verify_email, token)
    if isinstance(found, TokenError):
        return VerifyResult(None, found)
    user, payload = found
    if user.email != payload.get("email"):
        return VerifyResult(None, TokenError.invalid)
    if user.is_verified:
        return VerifyResult(user, already=True)
    user.email_verified_at = utcnow()
    return VerifyResult(user)


# --- sign-in sessions --------------------------------------------------------------------------


def authenticate(email: str, password: str) -> User | None:
    """The account whose email and password these are, or None.

    A known and an unknown address cost the same: one single-row SELECT of two plain columns and
    one hash verification; the account is loaded (an ORM object, measurably slower to build)
    only once the password has matched (tests/functional/test_account_timing.py).
    """
    # Always exactly one row (scalar subqueries), so the driver and the ORM do the same work
    # whether or not the address has an account; an unknown one gets the dummy hash.
    account = select(User.id, User.password_hash).where(User.email == email).subquery()
    user_id, password_hash = db.session.execute(
        select(
            select(account.c.id).scalar_subquery(),
            func.coalesce(select(account.c.password_hash).scalar_subquery(), _dummy_hash()),
        )
    ).one()
    hasher = password_hasher()
    if not _verify_quietly(hasher, password_hash, password) or user_id is None:
        return None
    user = db.session.get(User, user_id)
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(user: User) -> None:
    """Record a new signed-in browser and put its token in the (signed) session cookie."""
    token = secrets.token_urlsafe(32)
    lifetime = current_app.config["PERMANENT_SESSION_LIFETIME"]
    db.session.add(
        LoginSession(user=user, token_hash=_token_hash(token), expires_at=utcnow() + lifetime)
    )
    session.clear()  # a fresh session on sign-in (no fixation)
    session.permanent = True
    session[SESSION_KEY] = token


def end_session() -> None:
    token = session.get(SESSION_KEY)
    if token:
        db.session.execute(
            delete(LoginSession).where(LoginSession.token_hash == _token_hash(token))
        )
    session.clear()


def end_all_sessions(user: User) -> None:
    """Sign the user out everywhere (password change, suspension, account changes)."""
    db.session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))


def load_user(user_id: str) -> User | None:
    """Flask-Login's loader: the user only if this browser's session record is still live."""
    token = session.get(SESSION_KEY)
    if not token or not user_id.isdigit():
        return None
    return db.session.scalar(
        select(User)
        .join(LoginSession, LoginSession.user_id == User.id)
        .where(
            User.id == int(user_id),
            LoginSession.token_hash == _token_hash(token),
            LoginSession.expires_at > utcnow(),
        )
    )


def purge_expired_sessions() -> int:
    result = db.session.execute(delete(LoginSession).where(LoginSession.expires_at <= utcnow()))
    return result.rowcount or 0


# --- password reset ----------------------------------------------------------------------------


def request_password_reset(email: str) -> None:
    """Queue a single-use reset link if the address has an account, else a "no account" email.

    The visitor is told nothing either way, and both paths do the same work (one look-up of
    plain columns, one signed token, one queued email), so the response time doesn't tell either.
    """
    user = db.session.execute(
        select(User.id, User.password_hash, User.password_changed_at).where(User.email == email)
    ).first()
    # A token either way, from the same kind of row: signing it is most of the work the
    # registered path does.
    row = user if user is not None else (0, _dummy_hash(), utcnow())
    token = make_token(Purpose.reset_password, {"uid": row[0], "stamp": _password_stamp(row)})
    if user is None:
        mail.send_template(
            email,
            "Resetting a HeardBack password",
            "no_account",
            reset_url=absolute_url("accounts.reset_request"),
            sign_up_url=absolute_url("accounts.sign_up"),
        )
        return
    _send_link(Purpose.reset_password, email, token)


def user_for_reset(token: str) -> User | TokenError:
    found = _token_user(Purpose.reset_password, token)
    if isinstance(found, TokenError):
        return found
    user, payload = found
    if payload.get("stamp") != _password_stamp(user):
        return TokenError.used
    return user


def reset_password(user: User, password: str) -> None:
    set_password(user, password)
    # Following the link proves the address; sign out everywhere, as after any password change.
    if not user.is_verified:
        user.email_verified_at = utcnow()
    end_all_sessions(user)


# --- account settings --------------------------------------------------------------------------


def change_password(user: User, new_password: str) -> None:
    """Set a new password and end every session; the caller starts a fresh one for this browser."""
    set_password(user, new_password)
    end_all_sessions(user)


def request_email_change(user: User, new_email: str) -> None:
    """Send a confirmation link to the new address; the change happens when it is followed."""
    if new_email == user.email:
        return
    if find_user(new_email) is not None:
        mail.send_template(
            new_email,
            "Someone tried to move a HeardBack account to your address",
            "email_taken",
            sign_in_url=absolute_url("accounts.sign_in"),
        )
        return
    token = make_token(Purpose.change_email, {"uid": user.id, "old": user.email, "new": new_email})
    _send_link(Purpose.change_email, new_email, token)


def confirm_email_change(token: str) -> User | TokenError:
    found = _token_user(Purpose.change_email, token)
    if isinstance(found, TokenError):
        return found
    user, payload = found
    if user.email != payload.get("old"):
        return TokenError.used
    new_email = payload.get("new")
    if not isinstance(new_email, str) or find_user(new_email) is not None:
        return TokenError.used
    old_email = user.email
    user.email = new_email
    user.email_verified_at = utcnow()
    db.session.flush()
    mail.send_template(
        old_email,
        "Your HeardBack email address was changed",
        "email_changed",
        reset_url=absolute_url("accounts.reset_request"),
    )
    return user


def delete_account(user: User, keep_reviews: bool) -> None:
    """Delete the account; its reviews are deleted or kept with no link to anyone (DESIGN §5.7)."""
    affected = set(
        db.session.scalars(
            select(Review.employer_id).where(
                Review.author_id == user.id, Review.status == ReviewStatus.published
            )
        )
    )
    if keep_reviews:
        db.session.execute(update(Review).where(Review.author_id == user.id).values(author_id=None))
    else:
        for review in db.session.scalars(select(Review).where(Review.author_id == user.id)):
            db.session.delete(review)
    end_all_sessions(user)
    db.session.delete(user)
    # The employers' rows change with their reviews (counts, distinct authors), in this transaction.
    refresh_employers(affected)


def suspend(user: User) -> None:
    user.suspended_at = utcnow()
    end_all_sessions(user)
