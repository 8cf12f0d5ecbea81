"""The outgoing mail queue: one row per email waiting to be sent.

Views queue mail in their own transaction (so a rolled-back action sends nothing) and never talk
to the mail server: a request that sends an email answers in the same time as one that doesn't,
which is what keeps "does this address have an account?" from showing in response times.
`notifications.mail.deliver_due` sends the rows and deletes each one once the server took it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from extensions import db
from timeutils import utcnow


class OutgoingMail(db.Model):
    __tablename__ = "outgoing_mail"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    # Kept from the queueing, so a retried message is the same message to the recipient.
    message_id: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # The error's class name only: an SMTP error's text can quote the recipient (DESIGN.md §5.1).
    last_error: Mapped[str | None] = mapped_column(String(200))
    # Set by the worker that is sending the row; a claim older than CLAIM_TIMEOUT is abandoned.
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime)

    def __repr__(self) -> str:
        return f"<OutgoingMail {self.id}>"
