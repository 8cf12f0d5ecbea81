"""Users and their sign-in sessions."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, DateTime, ForeignKey, Integer, String, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from accounts.roles import Role
from enum_columns import enum_column, enum_values
from extensions import db
from timeutils import utcnow


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(f"role IN ({enum_values(Role)})", name="role"),
        CheckConstraint("email = lower(email)", name="email_lowercase"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = enum_column(Role, default=Role.candidate)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    email_verified_at: Mapped[datetime | None] = mapped_column(DateTime)
    suspended_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Times this account offered a proof of contact another review already used (proofs/),
    # shown to moderators beside its pseudonym.
    proof_reuse_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # My applications: the global off switch of its reminder emails (applications.reminders).
    application_reminders: Mapped[bool] = mapped_column(
        Boolean, default=True, server_default=true()
    )
    # Changes whenever the password does, so a reset link can be used once only.
    password_changed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    sessions: Mapped[list[LoginSession]] = relationship(
        back_populates="user", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def is_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def is_suspended(self) -> bool:
        return self.suspended_at is not None

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return not self.is_suspended

    def __repr__(self) -> str:
        return f"<User {self.id}>"


class LoginSession(db.Model):
    """One signed-in browser. The cookie holds a random token; the table holds its hash.

    Deleting the row ends that session even if someone kept a copy of the cookie, which is how
    sign-out, password changes and suspensions take effect. No IP or user agent is kept.
    """

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime, index=True)

    user: Mapped[User] = relationship(back_populates="sessions")
