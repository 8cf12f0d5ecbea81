"""An employer's team of representatives: owners invite colleagues by work email, and manage who
is on the team (issue 17). Plain functions; the caller commits.

- An invitation goes to an address on one of the employer's known domains (the same domain rules
  as a claim, representatives.claims.check_address). Its link carries a random token of which
  only the SHA-256 is kept; it works once, for INVITATION_DAYS days, and any owner may cancel it.
- Accepting proves control of the invited address: the signed-in account's verified email must be
  that address. A reviewer of the employer, or a suspended account, can't accept.
- Anonymity (DESIGN.md §5): nothing an owner sees depends on whether the invited address has an
  account or wrote a review. A refusal at acceptance is told to the invitee only and changes
  nothing, so the owner sees the invitation as unanswered until it expires.
- An employer keeps at least one owner: the last owner can neither be removed nor leave while
  anyone else is on the team (an owner alone may leave: then nobody is left to manage).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from accounts.models import User
from accounts.services import absolute_url
from employers.models import Employer
from extensions import db
from notifications import mail
from representatives import claims
from representatives.access import LAST_OWNER, owners_locked, representation_for
from representatives.models import (
    EndReason,
    Invitation,
    Representative,
    RepresentativeRole,
)

INVITATION_DAYS = 7
# Open invitations an employer may have at once: enough for a recruiting team, not a mailing list.
MAX_OPEN_INVITATIONS = 20
# Invitations an employer may send a day (each is an email to someone at the employer).
MAX_INVITATIONS_PER_DAY = 30
TOKEN_BYTES = 32
TOKEN_MAX = 200  # longer than any token we send

# One message for every link that can't be used (expired, used, cancelled, unknown), so that a
# link tells nothing about the invitation it was for.
LINK_PROBLEM = (
    "This invitation link can't be used: it may have expired (links work for "
    f"{INVITATION_DAYS} days), been used already, or been cancelled. Ask an owner of the "
    "employer's page on HeardBack to invite you again."
)


class TeamError(ValueError):
    """A team action that can't go ahead; the message says why, for the page."""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


# --- what an owner sees ------------------------------------------------------------------------


@dataclass(frozen=True)
class Member:
    representative: Representative
    email: str
    is_owner: bool
    is_you: bool


@dataclass(frozen=True)
class OpenInvitation:
    invitation: Invitation
    expired: bool


@dataclass(frozen=True)
class Team:
    employer: Employer
    members: list[Member]
    invitations: list[OpenInvitation]
    domains: list[str]

    @property
    def owner_count(self) -> int:
        return sum(1 for member in self.members if member.is_owner)


def live_team(employer_id: int) -> list[Representative]:
    return list(
        db.session.scalars(
            select(Representative)
            .options(joinedload(Representative.user))
            .where(Representative.employer_id == employer_id, Representative.ended_at.is_(None))
            .order_by(Representative.created_at, Representative.id)
        )
    )


def open_invitations(employer_id: int) -> list[Invitation]:
    return list(
        db.session.scalars(
            select(Invitation)
            .where(
                Invitation.employer_id == employer_id,
                Invitation.accepted_at.is_(None),
                Invitation.cancelled_at.is_(None),
            )
            .order_by(Invitation.created_at, Invitation.id)
        )
    )


def team(owner: Representative, now: datetime) -> Team:
    employer = owner.employer
    members = [
        Member(
            representative=item,
            email=item.user.email,
            is_owner=item.is_owner,
            is_you=item.id == owner.id,
        )
        for item in live_team(employer.id)
    ]
    # Owners first, then colleagues, each by seniority.
    members.sort(key=lambda member: (not member.is_owner, member.representative.created_at))
    return Team(
        employer=employer,
        members=members,
        invitations=[
            OpenInvitation(item, expired=item.expires_at <= now)
            for item in open_invitations(employer.id)
        ],
        domains=sorted(item.domain for item in employer.domains),
    )


# --- inviting ----------------------------------------------------------------------------------


def _live_representative_with_email(employer_id: int, email: str) -> bool:
    return (
        db.session.scalar(
            select(Representative.id)
            .join(User, User.id == Representative.user_id)
            .where(
                Representative.employer_id == employer_id,
                Representative.ended_at.is_(None),
                func.lower(User.email) == email,
            )
            .limit(1)
        )
        is not None
    )


def invite(owner: Representative, raw_email: str, now: datetime) -> tuple[Invitation, str]:
    """Record an invitation and email its link; (the invitation, the address). TeamError if the
    address can't be invited. Looks at no account but the team's own (no enumeration)."""
    _require_owner(owner)
    employer = owner.employer
    if not employer.domains:
        raise TeamError(
            f"HeardBack knows no email domain of {employer.name} yet, so colleagues can't be "
            "invited by work email. Ask the moderators to add your employer's domain."
        )
    try:
        address, _ = claims.check_address(raw_email, employer)
    except claims.ClaimError as error:
        raise TeamError(str(error)) from None
    if _live_representative_with_email(employer.id, address.email):
        raise TeamError(f"{address.email} already represents {employer.name} on HeardBack.")
    waiting = [item for item in open_invitations(employer.id) if item.email == address.email]
    for item in waiting:
        if item.expires_at > now:
            raise TeamError(
                f"An invitation to {address.email} is already waiting for an answer. To send a "
                "new link, cancel that invitation in the list first."
            )
        item.cancelled_at = now  # an expired one leaves the one-open-invitation index
    if sum(1 for item in open_invitations(employer.id) if item.cancelled_at is None) >= (
        MAX_OPEN_INVITATIONS
    ):
        raise TeamError(
            f"{employer.name} has {MAX_OPEN_INVITATIONS} invitations waiting for an answer. "
            "Cancel some before inviting more colleagues."
        )
    sent_today = db.session.scalar(
        select(func.count(Invitation.id)).where(
            Invitation.employer_id == employer.id, Invitation.created_at > now - timedelta(days=1)
        )
    )
    if sent_today >= MAX_INVITATIONS_PER_DAY:
        raise TeamError(
            f"{employer.name} has sent {MAX_INVITATIONS_PER_DAY} invitations in the last 24 "
            "hours, the most a day allows. Please invite more colleagues tomorrow."
        )
    db.session.flush()
    token = secrets.token_urlsafe(TOKEN_BYTES)
    invitation = Invitation(
        employer_id=employer.id,
        invited_by_id=owner.user_id,
        email=address.email,
        email_domain=address.domain,
        token_hash=token_hash(token),
        created_at=now,
        expires_at=now + timedelta(days=INVITATION_DAYS),
    )
    db.session.add(invitation)
    db.session.flush()
    mail.send_template(
        address.email,
        f"You are invited to represent {employer.name} on HeardBack",
        "representative_invitation",
        employer_name=employer.name,
        accept_url=absolute_url("representatives.invitation", token=token),
        days=INVITATION_DAYS,
    )
    return invitation, address.email


def cancel(owner: Representative, invitation_id: int, now: datetime) -> Invitation:
    _require_owner(owner)
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.employer_id != owner.employer_id:
        raise TeamError("That invitation isn't one of your team's.")
    if invitation.accepted_at is not None:
        raise TeamError(f"{invitation.email} has already accepted the invitation.")
    if invitation.cancelled_at is None:
        invitation.cancelled_at = now
    return invitation


# --- following the link ------------------------------------------------------------------------


def find_invitation(token: str, now: datetime) -> Invitation | None:
    """The open, unexpired invitation a token is for, or None (whatever the reason)."""
    if not token or len(token) > TOKEN_MAX:
        return None
    invitation = db.session.scalar(
        select(Invitation)
        .options(joinedload(Invitation.employer))
        .where(Invitation.token_hash == token_hash(token))
    )
    if (
        invitation is None
        or invitation.accepted_at is not None
        or invitation.cancelled_at is not None
        or invitation.expires_at <= now
    ):
        return None
    return invitation


def _same_address(user: User, invited: str) -> bool:
    try:
        return claims.parse_address(user.email).email == invited
    except claims.ClaimError:
        return user.email.lower() == invited


def acceptance_refusal(invitation: Invitation, user: User) -> str | None:
    """Why this account can't accept the invitation (told to the invitee only), or None."""
    employer = invitation.employer
    if user.is_suspended:
        return "This account is suspended, so it can't represent an employer."
    if not user.is_verified or not _same_address(user, invitation.email):
        return (
            f"This invitation was sent to {invitation.email}, and only an account whose "
            "confirmed email address is that one can accept it: that is how HeardBack knows the "
            "address is yours. Sign in with that account, or create one with that address and "
            "confirm it, then open the link again. (You are signed in as "
            f"{user.email}{'' if user.is_verified else ', not yet confirmed'}.)"
        )
    if representation_for(user.id, employer.id) is not None:
        return f"You already represent {employer.name} on HeardBack."
    if claims.has_reviewed(user.id, employer.id):
        return str(claims.ReviewerConflict(employer))
    return None


def accept(invitation: Invitation, user: User, now: datetime) -> Representative:
    """The invitee becomes a colleague; the link stops working. TeamError if they can't."""
    refusal = acceptance_refusal(invitation, user)
    if refusal is not None:
        raise TeamError(refusal)
    invitation.accepted_at = now
    representative = Representative(
        user_id=user.id,
        employer_id=invitation.employer_id,
        role=RepresentativeRole.colleague,
        invitation_id=invitation.id,
        created_at=now,
    )
    db.session.add(representative)
    db.session.flush()
    return representative


# --- managing the team -------------------------------------------------------------------------


def _require_owner(representative: Representative) -> None:
    if not representative.is_live or not representative.is_owner:
        raise TeamError("Only the owners of an employer's page manage its team.")


def _member(owner: Representative, representative_id: int) -> Representative:
    member = db.session.get(Representative, representative_id)
    if member is None or member.employer_id != owner.employer_id or not member.is_live:
        raise TeamError("That person isn't on your team any more.")
    return member


def remove(owner: Representative, representative_id: int, now: datetime) -> Representative:
    """End a team member's representation (revoked; leaving if it is the owner themselves)."""
    _require_owner(owner)
    member = _member(owner, representative_id)
    if member.is_owner:
        owners = owners_locked(owner.employer_id)
        if len(owners) <= 1:
            raise TeamError(LAST_OWNER.format(name=owner.employer.name))
    member.ended_at = now
    member.end_reason = EndReason.left if member.id == owner.id else EndReason.revoked
    if member.id != owner.id:
        employer = owner.employer
        mail.send_template(
            member.user.email,
            f"You no longer represent {employer.name} on HeardBack",
            "representative_removed",
            employer_name=employer.name,
        )
    return member


def make_owner(owner: Representative, representative_id: int) -> Representative:
    _require_owner(owner)
    member = _member(owner, representative_id)
    member.role = RepresentativeRole.owner
    return member
