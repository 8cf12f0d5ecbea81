"""`flask heardback tick`: everything time makes due, in order (DESIGN.md §10). Each domain owns
its step; this module only runs them and reports. Safe to re-run: a late run catches up, a second
run at the same moment does nothing more."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from accounts.services import purge_expired_sessions
from applications import reminders as tracker_reminders
from extensions import db
from notifications import mail
from representatives.notifications import send_due
from reviews import lifecycle, pending
from reviews.lifecycle import ReminderKind
from scoring.stats import needs_daily_refresh, recompute
from timeutils import utcnow

log = logging.getLogger(__name__)


@dataclass
class TickReport:
    """What one run did; a second run at the same moment reports all zeros."""

    published: int = 0
    changes_published: int = 0  # authors' pending changes of published reviews (§5.8)
    presumed_ghosted: int = 0
    ghosted_reminders: int = 0
    timeline_reminders: int = 0
    # Reserved but not sent, released for the next run; and tracker reminders that could not be
    # queued (applications.reminders), tried again next run.
    failed_reminders: int = 0
    # Emails to employers' representatives about newly published reviews
    # (representatives.notifications).
    new_review_emails: int = 0
    failed_new_review_emails: int = 0  # given back for the next run
    # My applications' reminder emails to candidates (applications.reminders), queued.
    application_follow_ups: int = 0
    application_still_in_touch: int = 0
    # Employers whose rows the once-a-day refresh rebuilt. Not part of equality: it reports the
    # day's first run, not a change to any review.
    statistics_rebuilt: int = field(default=0, compare=False)
    sessions_purged: int = field(default=0, compare=False)
    # The mail queue (notifications.mail), delivered at the end of every run.
    queued_emails_sent: int = field(default=0, compare=False)
    queued_emails_failed: int = field(default=0, compare=False)

    def lines(self) -> list[str]:
        lines = [
            f"Published reviews: {self.published}",
            f"Published changes of reviews: {self.changes_published}",
            f"Marked presumed ghosted: {self.presumed_ghosted}",
            f"Presumed-ghosted reminders sent: {self.ghosted_reminders}",
            f"Timeline reminders sent: {self.timeline_reminders}",
        ]
        if self.statistics_rebuilt:
            lines.append(f"Daily statistics refresh: {self.statistics_rebuilt} employers")
            lines.append(f"Expired sign-in sessions deleted: {self.sessions_purged}")
        if self.failed_reminders:
            lines.append(f"Reminders not sent (will be retried next run): {self.failed_reminders}")
        lines.append(f"New-review emails to employers sent: {self.new_review_emails}")
        if self.failed_new_review_emails:
            lines.append(
                "New-review emails not sent (will be retried next run): "
                f"{self.failed_new_review_emails}"
            )
        lines.append(f"Application follow-up reminders queued: {self.application_follow_ups}")
        lines.append(
            f'Application "still in touch?" reminders queued: {self.application_still_in_touch}'
        )
        if self.queued_emails_sent or self.queued_emails_failed:
            lines.append(
                f"Queued emails sent: {self.queued_emails_sent} "
                f"(not sent, will be retried: {self.queued_emails_failed})"
            )
        return lines


def tick(now: datetime | None = None) -> TickReport:
    """Do everything that is due at `now` (naive UTC); commits once per step."""
    now = now or utcnow()
    report = TickReport()

    report.published = lifecycle.publish_due(now)
    db.session.commit()

    # Authors' changes of published reviews whose moment has come (DESIGN.md §5.8).
    report.changes_published = pending.publish_due(now)
    db.session.commit()

    report.presumed_ghosted = lifecycle.mark_presumed_ghosted(now)
    db.session.commit()

    # Once a day: what time changes (ageing weights, open cases, μ, M, F; DESIGN.md §6).
    if needs_daily_refresh(now.date()):
        report.statistics_rebuilt = recompute(now.date())
        db.session.commit()
        # Expired sign-in sessions go too (the privacy page promises it).
        report.sessions_purged = purge_expired_sessions()
        db.session.commit()

    # The ghosted reminder first: a review that is overdue on both counts gets only that one,
    # since the timeline reminder is for cases that aren't presumed ghosted yet.
    for kind in (ReminderKind.ghosted, ReminderKind.timeline):
        reminders = lifecycle.reserve_reminders(kind, now)
        db.session.commit()
        sent, failed = lifecycle.send_reminders(reminders, now)
        if kind is ReminderKind.ghosted:
            report.ghosted_reminders = sent
        else:
            report.timeline_reminders = sent
        report.failed_reminders += failed

    report.new_review_emails, report.failed_new_review_emails = send_due(now)

    # My applications: follow-ups after a promised date, "still in touch?" after a silence.
    # Queued (reserved and queued in one commit each), then delivered with the queue below.
    queued = tracker_reminders.queue_reminders(now)
    report.application_follow_ups = queued.follow_ups
    report.application_still_in_touch = queued.still_in_touch
    report.failed_reminders += queued.failed

    # Mail that requests queued (sign-up links, resets, …), on the wall clock like its queueing.
    report.queued_emails_sent, report.queued_emails_failed = mail.deliver_due()

    log.info("tick: %s", "; ".join(report.lines()))
    return report
