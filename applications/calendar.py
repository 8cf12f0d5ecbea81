"""The iCal feed of follow-up dates (issue 16), behind a secret, revocable address.

The address holds a random token; only its SHA-256 is stored (ApplicationFeed.token_hash), so
the address is shown once, when it is made, and a copy of the database can't be used to read
anyone's feed. Making a new address replaces the hash (the old address stops working); turning
the feed off deletes it. A token is looked up by its hash, an indexed equality: nothing about a
wrong token leaks through timing beyond what a random 256-bit value already makes useless.

What a feed shows, and nothing more: one all-day event per open application with a next action
(applications.services.next_action_on), "Follow up: <role> at <employer>", the promised date
from its latest step if there is one, and a link to the application's page (which needs the
owner's sign-in). No notes, no link to the posting, no channel, no step notes: a calendar is
often shared or synced to third parties, and the feed must say no more than the reminder needs.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from flask import current_app
from icalendar import Calendar, Event, vDuration
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from applications import services
from applications.labels import STEP_KINDS
from applications.models import Application, ApplicationFeed
from extensions import db
from timeutils import utcnow

TOKEN_BYTES = 32  # 256 bits; token_urlsafe makes 43 characters of them
TOKEN_MAX_LENGTH = 64  # a longer token in a URL is not looked up
PRODUCT_ID = "-//HeardBack//My applications//EN"
CALENDAR_NAME = "HeardBack: follow-ups"
# Calendar apps poll a subscribed feed; this asks them to do so a few times a day at most.
REFRESH_INTERVAL = timedelta(hours=6)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def feed_of(user_id: int) -> ApplicationFeed | None:
    return db.session.get(ApplicationFeed, user_id)


def new_address(user_id: int) -> str:
    """Turn the feed on, or replace its address (the old one stops working). Returns the token,
    which is not stored anywhere: the page shows it once. The caller commits."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    feed = feed_of(user_id)
    if feed is None:
        feed = ApplicationFeed(user_id=user_id)
        db.session.add(feed)
    feed.token_hash = token_hash(token)
    feed.created_at = utcnow()
    return token


def turn_off(user_id: int) -> bool:
    """Delete the feed (its address stops working); False if it was off. The caller commits."""
    feed = feed_of(user_id)
    if feed is None:
        return False
    db.session.delete(feed)
    return True


def owner_of(token: str) -> int | None:
    """The user whose feed has this token, or None (unknown, revoked or malformed alike)."""
    if not token or len(token) > TOKEN_MAX_LENGTH or not token.isascii():
        return None
    return db.session.scalar(
        select(ApplicationFeed.user_id).where(ApplicationFeed.token_hash == token_hash(token))
    )


def event_uid(application_id: int) -> str:
    """Stable for an application, and telling nothing of its id (ids count the site's rows)."""
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, f"application-feed:{application_id}".encode(), hashlib.sha256)
    return f"{digest.hexdigest()[:32]}@heardback"


def follow_ups(user_id: int) -> list[Application]:
    """The user's open applications with a next action, soonest first (two queries)."""
    applications = db.session.scalars(
        select(Application)
        .where(
            Application.user_id == user_id,
            Application.next_action_on.is_not(None),
            Application.status.in_(services.OPEN),
        )
        .options(joinedload(Application.employer), selectinload(Application.steps))
        .order_by(Application.next_action_on, Application.id)
    ).all()
    return list(applications)


def description(application: Application) -> str:
    if application.steps:
        latest = max(application.steps, key=lambda step: (step.happened_on, step.id))
        promised = services.promised_on(latest)
        step = f"{STEP_KINDS[latest.kind]} on {latest.happened_on.isoformat()}"
        if promised is not None:
            return f"They promised an answer by {promised.isoformat()} ({step})."
        return f"No news since the last step ({step}): time to follow up."
    applied = application.applied_on.isoformat() if application.applied_on else "?"
    return f"No news since you applied on {applied}: time to follow up."


def calendar_bytes(user_id: int, page_url) -> bytes:
    """The feed: an iCalendar document (RFC 5545). `page_url(application)` is the absolute
    address of an application's page."""
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", CALENDAR_NAME)
    calendar.add("refresh-interval", REFRESH_INTERVAL, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH_INTERVAL).to_ical().decode())
    for application in follow_ups(user_id):
        event = Event()
        event.add("uid", event_uid(application.id))
        event.add("dtstamp", application.updated_at)
        event.add("dtstart", application.next_action_on)
        event.add("dtend", application.next_action_on + timedelta(days=1))
        event.add("summary", f"Follow up: {application.role_title} at {application.employer.name}")
        event.add("description", description(application))
        event.add("url", page_url(application))
        event.add("transp", "TRANSPARENT")  # a reminder, not a busy slot
        calendar.add_component(event)
    return calendar.to_ical()
