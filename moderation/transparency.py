"""Transparency (DESIGN.md §8): how many reviews were removed and why, per employer and site-wide.

Employers can't buy or request a removal; a review goes only when a moderator finds that it
breaks a guideline, and that is recorded. These figures make the record public:

- `removed_counts(employer_id)`: the employer's hidden reviews by guideline reason (one query), for
  templates/moderation/_removed_counts.html on the employer page;
- `monthly_report(today)`: the site-wide figures by month for /transparency (six queries; one
  reads the window's hide and restore rows, a few thousand a year, to count each target once).

Where the figures come from:
- moderator actions (hide, restore, publish after a hold, redact, suspend, merge) from the audit
  log; a hide row names its guideline in `details["guideline"]` (moderation.actions; anything
  else is counted as "other"), while its `reason` is the moderator's own note, never shown;
- hidden reviews and responses (`hidden_counts`): each counts once, in the month and under the
  guideline of its latest hide in the window, so a review hidden twice under two guidelines is
  one hidden review, under the later one (the rule it was last found to break). A hide that a
  moderator reversed as a mistake doesn't count: the restore row says so in
  `details["mistake"]` (moderation.actions.restore_review, since issue 17). Older restores didn't
  record it and are taken as not mistaken, so their hides still count: the page would rather
  over-state removals than hide one, and the "restored" column shows that they came back;
- flags and legal notices from their own tables: received by the month they were sent, dismissed,
  actioned or rejected by the month they were resolved. They go with their review if its author
  deletes it, so an older month can lose a few.

Public pages show months, never dates (DESIGN.md §5.2).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import extract, func, select

from extensions import db
from moderation.models import AuditAction, AuditLog, Flag, FlagStatus, LegalNotice, NoticeStatus
from reviews.models import GuidelineReason, Review, ReviewStatus
from timeutils import month_label

MONTHS = 12  # /transparency covers the current month and the 11 before it

# How a reason reads in "2 reviews removed by moderators: 1 personal information, 1 spam".
GUIDELINE_LABELS = {
    GuidelineReason.personal_information: "personal information",
    GuidelineReason.not_first_hand: "not a first-hand experience",
    GuidelineReason.false_or_misleading: "false or misleading",
    GuidelineReason.abusive: "abusive",
    GuidelineReason.spam: "spam",
    GuidelineReason.conflict_of_interest: "conflict of interest",
    GuidelineReason.legal_notice: "upheld legal notice",
    GuidelineReason.other: "other guideline",
}


# --- per employer ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RemovedCounts:
    total: int
    # (label, count), most frequent first; reasons with no removal are left out.
    by_reason: tuple[tuple[str, int], ...] = ()

    @property
    def summary(self) -> str:
        """ "2 reviews removed by moderators: 1 personal information, 1 spam" or "No review has
        been removed"."""
        if not self.total:
            return "No review has been removed"
        noun = "review" if self.total == 1 else "reviews"
        reasons = ", ".join(f"{count} {label}" for label, count in self.by_reason)
        return f"{self.total} {noun} removed by moderators: {reasons}"


def removed_counts(employer_id: int) -> RemovedCounts:
    """The employer's hidden reviews, counted by guideline reason (one query)."""
    rows = db.session.execute(
        select(Review.hidden_reason, func.count())
        .where(Review.employer_id == employer_id, Review.status == ReviewStatus.hidden)
        .group_by(Review.hidden_reason)
    ).all()
    counts = Counter({reason or GuidelineReason.other: number for reason, number in rows})
    order = list(GuidelineReason)
    by_reason = sorted(counts.items(), key=lambda item: (-item[1], order.index(item[0])))
    return RemovedCounts(
        total=sum(counts.values()),
        by_reason=tuple((GUIDELINE_LABELS[reason], number) for reason, number in by_reason),
    )


# --- site-wide, by month -----------------------------------------------------------------------

# The columns of the page's tables, in order: (key, heading).
ACTION_COLUMNS = (
    ("reviews_hidden", "Reviews hidden"),
    ("responses_hidden", "Employer responses hidden"),
    ("restored", "Restored after review"),
    ("published_after_hold", "Published after a hold"),
    ("redacted", "Passages redacted"),
    ("suspended", "Accounts suspended"),
    ("merged", "Duplicate employers merged"),
)
REPORT_COLUMNS = (
    ("flags_received", "Reports received"),
    ("flags_dismissed", "Reports dismissed"),
    ("flags_actioned", "Reports acted on"),
    ("notices_received", "Legal notices received"),
    ("notices_actioned", "Legal notices acted on"),
    ("notices_rejected", "Legal notices rejected"),
)
REASON_COLUMNS = tuple(
    (reason.value, label.capitalize()) for reason, label in GUIDELINE_LABELS.items()
)

_ACTION_KEYS = {
    AuditAction.restore: "restored",
    AuditAction.publish: "published_after_hold",
    AuditAction.redact: "redacted",
    AuditAction.suspend_user: "suspended",
    AuditAction.merge_employers: "merged",
}
_HIDDEN_KEYS = {"review": "reviews_hidden", "response": "responses_hidden"}
_GUIDELINE_VALUES = frozenset(reason.value for reason in GuidelineReason)


@dataclass
class MonthFigures:
    month: date  # its first day
    counts: Counter = field(default_factory=Counter)  # column key -> number
    hidden_by_reason: Counter = field(default_factory=Counter)  # GuidelineReason value -> number

    @property
    def label(self) -> str:
        return month_label(self.month)


@dataclass(frozen=True)
class MonthlyReport:
    months: list[MonthFigures]  # newest first
    totals: Counter
    hidden_totals: Counter

    @property
    def first(self) -> str:
        return self.months[-1].label

    @property
    def last(self) -> str:
        return self.months[0].label


def _month_starts(today: date, count: int = MONTHS) -> list[date]:
    year, month = today.year, today.month
    starts = []
    for _ in range(count):
        starts.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return starts


def _by_month(column, *group, since: datetime, where=()):
    """Rows of (year, month, *group, count) for rows whose `column` falls on or after `since`."""
    year, month = extract("year", column), extract("month", column)
    return db.session.execute(
        select(year, month, *group, func.count())
        .where(column >= since, *where)
        .group_by(year, month, *group)
    ).all()


def counted_hides(since: datetime) -> list[tuple[datetime, str, str | None]]:
    """(when, target type, guideline) of each hidden review or response to count from `since`:
    per target, its latest hide there that no restore reversed as a mistake (one query).

    Hides and restores of one target alternate (a hidden review can't be hidden again, only a
    hidden one restored), so a restore reverses the latest hide before it."""
    rows = db.session.execute(
        select(
            AuditLog.target_type,
            AuditLog.target_id,
            AuditLog.action,
            AuditLog.created_at,
            AuditLog.details,
        )
        .where(
            AuditLog.created_at >= since,
            AuditLog.action.in_((AuditAction.hide, AuditAction.restore)),
            AuditLog.target_type.in_(tuple(_HIDDEN_KEYS)),
        )
        .order_by(AuditLog.target_type, AuditLog.target_id, AuditLog.id)
    ).all()
    standing: dict[tuple[str, int], list[tuple[datetime, str | None]]] = {}
    for target_type, target_id, action, created_at, details in rows:
        hides = standing.setdefault((target_type, target_id), [])
        details = details or {}
        if action is AuditAction.hide:
            hides.append((created_at, details.get("guideline")))
        elif details.get("mistake") is True and hides:
            hides.pop()
    return [
        (hides[-1][0], target_type, hides[-1][1])
        for (target_type, _), hides in standing.items()
        if hides
    ]


def monthly_report(today: date) -> MonthlyReport:
    """The moderation figures of the last MONTHS months, the current one first (six queries)."""
    starts = _month_starts(today)
    months = {(start.year, start.month): MonthFigures(start) for start in starts}
    since = datetime.combine(starts[-1], datetime.min.time())

    def add(year, month, key: str, number: int) -> MonthFigures | None:
        figures = months.get((int(year), int(month)))
        if figures is not None:
            figures.counts[key] += number
        return figures

    for year, month, action, number in _by_month(
        AuditLog.created_at,
        AuditLog.action,
        since=since,
        where=(AuditLog.action.in_(tuple(_ACTION_KEYS)),),
    ):
        add(year, month, _ACTION_KEYS[action], number)
    for when, target_type, reason in counted_hides(since):
        figures = add(when.year, when.month, _HIDDEN_KEYS[target_type], 1)
        if figures is not None:
            reason = reason if reason in _GUIDELINE_VALUES else GuidelineReason.other.value
            figures.hidden_by_reason[reason] += 1

    for year, month, number in _by_month(Flag.created_at, since=since):
        add(year, month, "flags_received", number)
    for year, month, status, number in _by_month(
        Flag.resolved_at, Flag.status, since=since, where=(Flag.status != FlagStatus.open,)
    ):
        add(year, month, f"flags_{status.value}", number)

    for year, month, number in _by_month(LegalNotice.created_at, since=since):
        add(year, month, "notices_received", number)
    for year, month, status, number in _by_month(
        LegalNotice.resolved_at,
        LegalNotice.status,
        since=since,
        where=(LegalNotice.status != NoticeStatus.open,),
    ):
        add(year, month, f"notices_{status.value}", number)

    ordered = [months[(start.year, start.month)] for start in starts]
    totals: Counter = Counter()
    hidden_totals: Counter = Counter()
    for figures in ordered:
        totals.update(figures.counts)
        hidden_totals.update(figures.hidden_by_reason)
    return MonthlyReport(months=ordered, totals=totals, hidden_totals=hidden_totals)
