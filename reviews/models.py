"""Reviews (one candidate's account of one hiring process) and their revisions.

Field for field DESIGN.md §4. The rules that can be checked on one row are CHECK constraints here,
so a bug in a form or a script can't store a review the site would refuse; the rules that need a
clock or other rows (dates not in the future, one live review per 12 months) live in the services.
"""

from __future__ import annotations

import enum
import secrets
from datetime import date, datetime

from sqlalchemy import (
    DDL,
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    event,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from employers.models import Employer
from enum_columns import enum_column, enum_values
from extensions import db, expression_index
from scoring.vocabulary import DECISIONS, Feedback, Outcome, Stage, steps_check_sql
from timeutils import utcnow

__all__ = ["DECISIONS", "Feedback", "Outcome", "Stage"]  # the review vocabulary, re-exported


class RoleCategory(enum.Enum):
    engineering = "engineering"
    data = "data"
    product = "product"
    design = "design"
    marketing = "marketing"
    sales = "sales"
    customer_support = "customer_support"
    operations = "operations"
    finance = "finance"
    people = "people"
    legal = "legal"
    healthcare = "healthcare"
    education = "education"
    research = "research"
    administration = "administration"
    trades = "trades"
    other = "other"


class Seniority(enum.Enum):
    intern = "intern"
    entry = "entry"
    mid = "mid"
    senior = "senior"
    lead = "lead"
    manager = "manager"
    director = "director"
    executive = "executive"


class WorkMode(enum.Enum):
    onsite = "onsite"
    hybrid = "hybrid"
    remote = "remote"


class ApplicationChannel(enum.Enum):
    online = "online"
    referral = "referral"
    recruiter = "recruiter"  # a recruiter reached out
    agency = "agency"
    career_fair = "career_fair"
    other = "other"


class NextSteps(enum.Enum):
    """Were next steps explained at the end of the last contact?"""

    yes_with_date = "yes_with_date"
    yes_vague = "yes_vague"
    no = "no"


class ReviewStatus(enum.Enum):
    held = "held"  # waiting for a moderator (suspected names, link spam, burst cap, ...)
    scheduled = "scheduled"  # passed its checks; public at publish_at (DESIGN.md §5.2)
    published = "published"
    hidden = "hidden"  # hidden by a moderator, with a reason the author is told


class HoldReason(enum.Enum):
    """Why a review waits for a moderator before it can be published (DESIGN.md §5.4, §8)."""

    suspected_name = "suspected_name"
    link_spam = "link_spam"  # several links, or a known spam pattern
    near_duplicate = "near_duplicate"  # word-shingle Jaccard > 0.6 with another review
    direction_burst = "direction_burst"  # part of a window of 3+ reviews far from the estimate
    resubmitted = "resubmitted"  # edited by its author after a moderator hid it


class GuidelineReason(enum.Enum):
    """Why a moderator hid a review or a response (the author is told; DESIGN.md §8)."""

    personal_information = "personal_information"
    not_first_hand = "not_first_hand"
    false_or_misleading = "false_or_misleading"
    abusive = "abusive"
    spam = "spam"
    conflict_of_interest = "conflict_of_interest"
    legal_notice = "legal_notice"
    other = "other"


class RevisionSource(enum.Enum):
    author = "author"
    moderator = "moderator"
    system = "system"


def new_public_id() -> str:
    """A random, non-sequential id for public URLs (about 60 bits)."""
    return secrets.token_urlsafe(9).replace("-", "x").replace("_", "y")[:12]


def _in(column: str, members) -> str:
    return f"{column} IN ({', '.join(repr(member.value) for member in members)})"


_DECISION_SQL = _in("outcome", DECISIONS)

TEXT_LIMITS = {"narrative": 4000, "advice": 1000, "role_title": 120}
# A review's text length as the near-duplicate check compares it; the index below holds it, and
# the query must spell it the same way, with literal zeros (reviews.holds._text_length).
TEXT_LENGTH_SQL = "(coalesce(length(narrative), 0) + coalesce(length(advice), 0))"
HAS_TEXT_SQL = "narrative IS NOT NULL OR advice IS NOT NULL"


class Review(db.Model):
    __tablename__ = "reviews"
    __table_args__ = (
        # DESIGN.md §4: the database backstop for "one live review per author per employer".
        UniqueConstraint(
            "author_id", "employer_id", "process_month", name="uq_reviews_one_per_month"
        ),
        CheckConstraint(f"stage IN ({enum_values(Stage)})", name="stage"),
        CheckConstraint(f"outcome IN ({enum_values(Outcome)})", name="outcome"),
        CheckConstraint(f"status IN ({enum_values(ReviewStatus)})", name="status"),
        CheckConstraint(f"role_category IN ({enum_values(RoleCategory)})", name="role_category"),
        CheckConstraint(f"seniority IN ({enum_values(Seniority)})", name="seniority"),
        CheckConstraint(f"work_mode IN ({enum_values(WorkMode)})", name="work_mode"),
        CheckConstraint(
            f"application_channel IN ({enum_values(ApplicationChannel)})",
            name="application_channel",
        ),
        CheckConstraint(f"next_steps IN ({enum_values(NextSteps)})", name="next_steps"),
        CheckConstraint(f"feedback IN ({enum_values(Feedback)})", name="feedback"),
        CheckConstraint(f"hold_reason IN ({enum_values(HoldReason)})", name="hold_reason"),
        CheckConstraint(
            "(status = 'held') = (hold_reason IS NOT NULL)", name="held_iff_hold_reason"
        ),
        CheckConstraint(f"hidden_reason IN ({enum_values(GuidelineReason)})", name="hidden_reason"),
        CheckConstraint(
            "(status = 'hidden') = (hidden_reason IS NOT NULL)", name="hidden_iff_hidden_reason"
        ),
        CheckConstraint(
            "status != 'scheduled' OR publish_at IS NOT NULL", name="scheduled_has_publish_at"
        ),
        CheckConstraint(
            "status != 'published' OR published_at IS NOT NULL", name="published_has_published_at"
        ),
        CheckConstraint(
            f"pending_hold_reason IN ({enum_values(HoldReason)})", name="pending_hold_reason"
        ),
        # A pending change is either scheduled or held, never both; nothing else without one.
        CheckConstraint(
            "(pending_values IS NULL AND pending_since IS NULL AND pending_publish_at IS NULL"
            " AND pending_hold_reason IS NULL)"
            " OR (pending_values IS NOT NULL AND pending_since IS NOT NULL"
            " AND (pending_publish_at IS NULL) != (pending_hold_reason IS NULL))",
            name="pending_scheduled_or_held",
        ),
        CheckConstraint("last_contact_on >= process_month", name="contact_after_start"),
        # process_month is the first day of its month; the expression differs by database (the
        # migration picks the right one).
        CheckConstraint(
            "strftime('%d', process_month) = '01'", name="process_month_first_day"
        ).ddl_if(dialect="sqlite"),
        CheckConstraint(
            "EXTRACT(DAY FROM process_month) = 1", name="process_month_first_day"
        ).ddl_if(dialect="postgresql"),
        CheckConstraint(
            f"({_DECISION_SQL} AND decision_days IS NOT NULL)"
            f" OR (NOT {_DECISION_SQL} AND decision_days IS NULL)",
            name="decision_days_iff_decision",
        ),
        CheckConstraint(
            "decision_days IS NULL OR (decision_days >= 0 AND decision_days <= 3650)",
            name="decision_days_range",
        ),
        # Whether a decision came only after the candidate chased it is asked about decisions
        # alone (a forced answer counts as silence at that stage, DESIGN.md §6).
        CheckConstraint(
            f"chased_for_decision IS NULL OR {_DECISION_SQL}",
            name="chased_only_for_decision",
        ),
        CheckConstraint(
            "outcome NOT IN ('offer', 'rescinded') OR stage = 'offer'",
            name="offer_outcome_at_offer_stage",
        ),
        # Every step reached, as a mask of stages whose furthest is the stage (scoring.vocabulary).
        # SQLite can't add a CHECK to an existing table without copying it (which would lose its
        # partial and expression indexes), so there the same condition is a pair of triggers
        # (STEPS_TRIGGERS below), on a new database as on a migrated one.
        CheckConstraint(steps_check_sql(), name="steps_within_stage").ddl_if(dialect="postgresql"),
        CheckConstraint(
            "promised_days IS NULL OR (next_steps = 'yes_with_date'"
            " AND promised_days >= 1 AND promised_days <= 365)",
            name="promised_days_with_timeline",
        ),
        CheckConstraint(
            "followups_sent IS NULL OR (followups_sent >= 0 AND followups_sent <= 100)",
            name="followups_sent_range",
        ),
        CheckConstraint(
            "followups_answered IS NULL OR (followups_sent IS NOT NULL"
            " AND followups_answered >= 0 AND followups_answered <= followups_sent)",
            name="followups_answered_within_sent",
        ),
        CheckConstraint(
            "feedback IS NULL"
            " OR (outcome = 'rejected_with_feedback' AND feedback = 'specific')"
            " OR (outcome = 'rejected' AND feedback IN ('none', 'generic'))"
            " OR (outcome IN ('ghosted', 'waiting') AND feedback = 'none')"
            " OR outcome IN ('offer', 'rescinded', 'withdrew')",
            name="feedback_fits_outcome",
        ),
        CheckConstraint(
            "interview_rounds IS NULL OR (interview_rounds >= 0 AND interview_rounds <= 30)",
            name="interview_rounds_range",
        ),
        CheckConstraint(
            "hours_invested IS NULL OR (hours_invested >= 0 AND hours_invested <= 1000)",
            name="hours_invested_range",
        ),
        CheckConstraint(
            "respect_rating IS NULL OR (respect_rating >= 1 AND respect_rating <= 5)",
            name="respect_rating_range",
        ),
        CheckConstraint("country IS NULL OR length(country) = 2", name="country_code"),
        *(
            CheckConstraint(
                f"{column} IS NULL OR length({column}) <= {limit}", name=f"{column}_length"
            )
            for column, limit in TEXT_LIMITS.items()
        ),
        # An employer's published reviews, newest first (its page, its reviews list, its
        # statistics row), and the newest published reviews site-wide (the home page).
        Index("ix_reviews_employer_status", "employer_id", "status", "published_at"),
        Index("ix_reviews_status_published_at", "status", "published_at"),
        # The near-duplicate check's site-wide scope (reviews.holds.near_duplicate_candidates):
        # texts of a similar length submitted in the last 30 days, newest first. Without it
        # every submission read the whole table (268-417 ms at 1M reviews, docs/benchmarks.md).
        expression_index(
            "ix_reviews_recent_texts",
            "created_at",
            text(TEXT_LENGTH_SQL),
            sqlite_where=text(HAS_TEXT_SQL),
            postgresql_where=text(HAS_TEXT_SQL),
        ),
        # The moderation queue (moderation/queue.py): the few published reviews with a burst
        # mark, and the few with a held pending change, found without reading every review.
        # `status` first: with it SQLite prefers these to ix_reviews_status_published_at
        # even without ANALYZE's statistics (which it otherwise needs to see how few rows
        # these partial indexes hold).
        Index(
            "ix_reviews_burst_capped",
            "status",
            "burst_capped_at",
            sqlite_where=text("burst_capped_at IS NOT NULL"),
            postgresql_where=text("burst_capped_at IS NOT NULL"),
        ),
        Index(
            "ix_reviews_pending_held",
            "status",
            "pending_hold_reason",
            sqlite_where=text("pending_hold_reason IS NOT NULL"),
            postgresql_where=text("pending_hold_reason IS NOT NULL"),
        ),
        # The held reviews with every column the queue counts and sorts them by (its reason,
        # when it has waited since), so that its counts and pages read the index, not the rows.
        Index(
            "ix_reviews_held",
            "status",
            "hold_reason",
            "pending_hold_reason",
            "pending_since",
            "author_updated_at",
            "created_at",
            sqlite_where=text("status = 'held'"),
            postgresql_where=text("status = 'held'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(16), unique=True, default=new_public_id)
    # The idempotency key the review form carries (reviews.forms.ReviewForm.submission_key): a
    # retried or doubled POST finds the review the first one created instead of adding another.
    # Random per form, so it says nothing about the author; never shown or exported.
    submission_key: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)
    # The only link to the author (DESIGN.md §5.1); NULL once an account is deleted and its
    # reviews are kept de-linked.
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    # Indexed by ix_reviews_employer_status, whose first column it is.
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id"))

    # Required (DESIGN.md §4).
    process_month: Mapped[date] = mapped_column(Date)  # first day of the month the process began
    stage: Mapped[Stage] = enum_column(Stage)  # the furthest step reached
    # Every step reached, the furthest included (scoring.vocabulary.steps_mask); NULL: not said.
    steps: Mapped[int | None] = mapped_column(SmallInteger)
    outcome: Mapped[Outcome] = enum_column(Outcome)
    last_contact_on: Mapped[date] = mapped_column(Date)  # private; shown as a month
    decision_days: Mapped[int | None] = mapped_column(Integer)
    # For a decision: True if it came only after the candidate chased the employer ("the offer
    # was withdrawn only when I asked"), False if without chasing, NULL if not said (DESIGN.md §6).
    chased_for_decision: Mapped[bool | None] = mapped_column(Boolean)

    # Optional.
    role_category: Mapped[RoleCategory | None] = enum_column(RoleCategory)
    seniority: Mapped[Seniority | None] = enum_column(Seniority)
    role_title: Mapped[str | None] = mapped_column(String(TEXT_LIMITS["role_title"]))
    show_role_title: Mapped[bool] = mapped_column(Boolean, default=False)
    country: Mapped[str | None] = mapped_column(String(2))
    work_mode: Mapped[WorkMode | None] = enum_column(WorkMode)
    application_channel: Mapped[ApplicationChannel | None] = enum_column(ApplicationChannel)
    interview_rounds: Mapped[int | None] = mapped_column(SmallInteger)
    hours_invested: Mapped[int | None] = mapped_column(SmallInteger)
    next_steps: Mapped[NextSteps | None] = enum_column(NextSteps)
    promised_days: Mapped[int | None] = mapped_column(SmallInteger)
    followups_sent: Mapped[int | None] = mapped_column(SmallInteger)
    followups_answered: Mapped[int | None] = mapped_column(SmallInteger)
    feedback: Mapped[Feedback | None] = enum_column(Feedback)
    # "I turned down another offer or job while I waited for them" (DESIGN.md §4's third story).
    turned_down_work: Mapped[bool | None] = mapped_column(Boolean)
    respect_rating: Mapped[int | None] = mapped_column(SmallInteger)
    narrative: Mapped[str | None] = mapped_column(Text)
    advice: Mapped[str | None] = mapped_column(Text)

    # Lifecycle.
    status: Mapped[ReviewStatus] = enum_column(ReviewStatus, default=ReviewStatus.scheduled)
    publish_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    published_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # When the author last changed it; the public sees only the month ("updated March 2026").
    author_updated_at: Mapped[datetime | None] = mapped_column(DateTime)
    hold_reason: Mapped[HoldReason | None] = enum_column(HoldReason)
    # Set by a moderator who hides the review (status hidden); the author is told which rule.
    hidden_reason: Mapped[GuidelineReason | None] = enum_column(GuidelineReason)
    # DESIGN.md §8 burst cap: published and visible, marked "pending moderation", not scored
    # (r = 0) until a moderator clears it (sets this back to NULL).
    burst_capped_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Submitted from a new account: younger than scoring.params.NEW_ACCOUNT_DAYS and with no
    # published review of another employer (reviews.services.is_new_account). Set once, at
    # submission; it lowers the review's weight (scoring.engine.weight) unless the contact is
    # verified, and is never shown.
    new_account: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Public: the author proved the contact with the employer's signed email (proofs/). On a
    # published review it turns on at a random moment, like any public change (§5.8). Trust
    # evidence for the figures, even from a new account (scoring.engine.weighs_in_full,
    # established; scoring.params.VERIFIED_*).
    contact_verified: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Internal, never shown or exported: the author tracked the application in My applications
    # before its outcome was known (applications.sharing), so the report was not chosen after
    # the fact. The reporting-bias correction (scoring.bias) compares these with the rest.
    prospective: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    # Set by `flask heardback tick` (DESIGN.md §3 "presumed ghosted", reminders in §4).
    presumed_ghosted_at: Mapped[datetime | None] = mapped_column(DateTime)
    timeline_reminder_sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    ghosted_reminder_sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    # The author confirmed that the employer got in touch after the review was posted (a
    # representative's contact report, DESIGN.md §7); public as a month.
    employer_followed_up_at: Mapped[datetime | None] = mapped_column(DateTime)

    # DESIGN.md §5.8: an author's edit of a published review waits like a new review. The public
    # row keeps its old values; the new ones (every field in reviews.fields.FIELDS, as JSON)
    # wait here until `tick` applies them at pending_publish_at, or until a moderator clears
    # pending_hold_reason and they are scheduled. pending_since: when the author last changed them.
    pending_values: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))
    pending_publish_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    pending_hold_reason: Mapped[HoldReason | None] = enum_column(HoldReason)
    pending_since: Mapped[datetime | None] = mapped_column(DateTime)

    employer: Mapped[Employer] = relationship()
    # The database deletes the response with its review (ON DELETE CASCADE); the ORM must not
    # try to orphan it first.
    response = relationship(
        "Response",
        back_populates="review",
        uselist=False,
        cascade="save-update, merge, delete",
        passive_deletes=True,
    )
    revisions: Mapped[list[ReviewRevision]] = relationship(
        back_populates="review",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="ReviewRevision.number",
    )

    @property
    def timeline_kept(self) -> bool | None:
        """Derived (DESIGN.md §4): decided within the promised days, when both are known."""
        if self.decision_days is None or self.promised_days is None:
            return None
        return self.decision_days <= self.promised_days

    def __repr__(self) -> str:
        return f"<Review {self.public_id}>"


def steps_triggers_sql() -> list[str]:
    """SQLite's triggers for the steps_within_stage rule (one for INSERT, one for UPDATE): they
    abort the statement, which SQLite reports as a constraint failure (an IntegrityError)."""
    return [
        f"CREATE TRIGGER IF NOT EXISTS reviews_steps_within_stage_{action.lower()}"
        f" BEFORE {action} ON reviews FOR EACH ROW"
        f" WHEN NOT ({steps_check_sql('NEW.steps', 'NEW.stage')})"
        " BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: steps_within_stage'); END"
        for action in ("INSERT", "UPDATE")
    ]


for _statement in steps_triggers_sql():
    event.listen(Review.__table__, "after_create", DDL(_statement).execute_if(dialect="sqlite"))


class ReviewRevision(db.Model):
    """A snapshot of a review after each change, for moderators (DESIGN.md §4)."""

    __tablename__ = "review_revisions"
    __table_args__ = (
        UniqueConstraint("review_id", "number", name="uq_review_revisions_review_number"),
        CheckConstraint(f"source IN ({enum_values(RevisionSource)})", name="source"),
        CheckConstraint("number >= 1", name="number_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    source: Mapped[RevisionSource] = enum_column(RevisionSource)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    data: Mapped[dict] = mapped_column(JSON)

    review: Mapped[Review] = relationship(back_populates="revisions")
