"""factory_boy factories for the models, with traits for the common states."""

from __future__ import annotations

from datetime import date, timedelta

import factory
from factory.alchemy import SQLAlchemyModelFactory

from accounts.models import LoginSession, User
from accounts.services import hash_password
from applications.models import Application, ApplicationStatus, ApplicationStep, StepKind
from employers.models import Employer, EmployerAlias, EmployerDomain, EmployerStats, Industry
from employers.services import normalize_name
from extensions import db
from moderation.models import (
    AuditAction,
    AuditLog,
    Flag,
    FlagReason,
    FlagStatus,
    LegalNotice,
    NoticeStatus,
)
from notifications.models import OutgoingMail
from proofs.models import ContactProof, ProofKind, ProofStatus
from representatives.models import (
    Claim,
    ClaimStatus,
    ContactReport,
    ContactStatus,
    EndReason,
    Representative,
    ResponseCommitment,
)
from responses.models import (
    Response,
    ResponseAction,
    ResponseRevision,
    ResponseStatus,
    RevisionActor,
)
from reviews.models import (
    GuidelineReason,
    Outcome,
    Review,
    ReviewRevision,
    ReviewStatus,
    RevisionSource,
    Stage,
)
from scoring.models import SiteParameters
from timeutils import month_start, utcnow

_FACTORIES: list[type[SQLAlchemyModelFactory]] = []


def bind(session) -> None:
    for factory_class in _FACTORIES:
        factory_class._meta.sqlalchemy_session = session


def registered(cls):
    _FACTORIES.append(cls)
    return cls


class BaseFactory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_persistence = "commit"


@registered
class UserFactory(BaseFactory):
    class Meta:
        model = User

    class Params:
        password = "correct horse battery"
        verified = factory.Trait(email_verified_at=factory.LazyFunction(utcnow))
        suspended = factory.Trait(suspended_at=factory.LazyFunction(utcnow))

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    password_hash = factory.LazyAttribute(lambda o: hash_password(o.password))
    password_changed_at = factory.LazyFunction(utcnow)


@registered
class EmployerFactory(BaseFactory):
    class Meta:
        model = Employer

    name = factory.Sequence(lambda n: f"Quibblewick Widgets {n}")
    normalized_name = factory.LazyAttribute(lambda o: normalize_name(o.name))
    slug = factory.Sequence(lambda n: f"quibblewick-widgets-{n}")
    industry = Industry.software
    country = "GB"
    stats = factory.LazyFunction(EmployerStats)
    # Listed (public) by default; `EmployerFactory(unlisted=True)` is one a user just added
    # that has no published review yet (DESIGN.md §5.8).
    listed_at = factory.LazyFunction(utcnow)

    class Params:
        unlisted = factory.Trait(listed_at=None)


@registered
class ReviewFactory(BaseFactory):
    author = None
    author_id = factory.LazyAttribute(lambda o: o.author.id if o.author else None)
    employer_id = factory.LazyAttribute(lambda o: EmployerFactory().id)
    process_month = factory.LazyFunction(lambda: month_start(date.today() - timedelta(days=60)))
    stage = Stage.interview
    outcome = Outcome.ghosted
    last_contact_on = factory.LazyAttribute(lambda o: o.process_month + timedelta(days=10))
    decision_days = None
    status = ReviewStatus.published
    published_at = factory.LazyAttribute(
        lambda o: utcnow() if o.status is ReviewStatus.published else None
    )
    hidden_reason = factory.LazyAttribute(
        lambda o: GuidelineReason.other if o.status is ReviewStatus.hidden else None
    )

    class Meta:
        model = Review
        exclude = ("author",)


@registered
class SiteParametersFactory(BaseFactory):
    """The single row of the score's site-wide inputs, with distinctive values."""

    class Meta:
        model = SiteParameters

    id = 1
    mu = 0.6234
    m = 17.456
    within_variance = 0.0789
    km_times = factory.LazyFunction(lambda: [5, 10, 20])
    km_cumulative = factory.LazyFunction(lambda: [0.2, 0.4, 0.6])
    km_observations = 50
    km_events = 30
    review_count = 1234
    baselines = None
    computed_on = date(2026, 3, 14)


@registered
class LoginSessionFactory(BaseFactory):
    class Meta:
        model = LoginSession

    user_id = factory.LazyAttribute(lambda o: UserFactory(verified=True).id)
    token_hash = factory.Sequence(lambda n: f"{n:064x}")
    expires_at = factory.LazyFunction(lambda: utcnow() + timedelta(days=30))


@registered
class EmployerAliasFactory(BaseFactory):
    class Meta:
        model = EmployerAlias

    employer_id = factory.LazyAttribute(lambda o: EmployerFactory().id)
    name = factory.Sequence(lambda n: f"Quibblewick Gadgets {n}")
    normalized_name = factory.LazyAttribute(lambda o: normalize_name(o.name))
    slug = None  # set only for an old slug kept after a merge


@registered
class EmployerDomainFactory(BaseFactory):
    class Meta:
        model = EmployerDomain

    employer_id = factory.LazyAttribute(lambda o: EmployerFactory().id)
    domain = factory.Sequence(lambda n: f"quibblewick-{n}.example")


@registered
class EmployerStatsFactory(BaseFactory):
    """A statistics row of its own: for an employer made with `EmployerFactory(stats=None)`."""

    class Meta:
        model = EmployerStats

    employer_id = factory.LazyAttribute(lambda o: EmployerFactory(stats=None).id)


@registered
class ReviewRevisionFactory(BaseFactory):
    class Meta:
        model = ReviewRevision

    review_id = factory.LazyAttribute(lambda o: ReviewFactory().id)
    number = 1
    source = RevisionSource.author
    data = factory.LazyFunction(dict)


@registered
class ResponseFactory(BaseFactory):
    """A published response, by default to a new review; its employer is the review's."""

    class Meta:
        model = Response
        exclude = ("review",)

    class Params:
        hidden = factory.Trait(status=ResponseStatus.hidden, hidden_reason=GuidelineReason.other)

    review = None
    review_id = factory.LazyAttribute(lambda o: (o.review or ReviewFactory()).id)
    employer_id = factory.LazyAttribute(lambda o: db.session.get(Review, o.review_id).employer_id)
    body = "Thank you for telling us; we have changed how we follow up."
    status = ResponseStatus.published


@registered
class ResponseRevisionFactory(BaseFactory):
    class Meta:
        model = ResponseRevision

    response_id = factory.LazyAttribute(lambda o: ResponseFactory().id)
    body = "Thank you for telling us; we have changed how we follow up."
    status = ResponseStatus.published
    action = ResponseAction.created
    actor = RevisionActor.representative


@registered
class ClaimFactory(BaseFactory):
    """A claim whose link was emailed; `ClaimFactory(awaiting=True)` waits for a moderator (no
    known domain), `ClaimFactory(approved=True)` was followed."""

    class Meta:
        model = Claim

    class Params:
        awaiting = factory.Trait(status=ClaimStatus.awaiting_moderator, nonce=None, emailed_at=None)
        approved = factory.Trait(
            status=ClaimStatus.approved,
            email=None,
            nonce=None,
            decided_at=factory.LazyFunction(utcnow),
        )

    user_id = factory.LazyAttribute(lambda o: UserFactory(verified=True).id)
    employer_id = factory.LazyAttribute(lambda o: EmployerFactory().id)
    email = factory.Sequence(lambda n: f"hiring{n}@quibblewick.example")
    email_domain = factory.LazyAttribute(
        lambda o: (o.email or "@quibblewick.example").split("@")[1]
    )
    status = ClaimStatus.emailed
    nonce = factory.Sequence(lambda n: f"nonce{n:027d}")
    emailed_at = factory.LazyFunction(utcnow)


@registered
class RepresentativeFactory(BaseFactory):
    """A live representative; `RepresentativeFactory(left=True)` or `(revoked=True)` has ended."""

    class Meta:
        model = Representative

    class Params:
        left = factory.Trait(ended_at=factory.LazyFunction(utcnow), end_reason=EndReason.left)
        revoked = factory.Trait(ended_at=factory.LazyFunction(utcnow), end_reason=EndReason.revoked)

    user_id = factory.LazyAttribute(lambda o: UserFactory(verified=True).id)
    employer_id = factory.LazyAttribute(lambda o: EmployerFactory().id)


@registered
class ResponseCommitmentFactory(BaseFactory):
    class Meta:
        model = ResponseCommitment

    class Params:
        withdrawn = factory.Trait(withdrawn_at=factory.LazyFunction(utcnow))

    employer_id = factory.LazyAttribute(lambda o: EmployerFactory().id)
    days = 14


@registered
class ContactReportFactory(BaseFactory):
    """A pending "we have now contacted this candidate"; `confirmed=True` or `denied=True` has
    the author's answer."""

    class Meta:
        model = ContactReport

    class Params:
        confirmed = factory.Trait(
            status=ContactStatus.confirmed, answered_at=factory.LazyFunction(utcnow)
        )
        denied = factory.Trait(
            status=ContactStatus.denied, answered_at=factory.LazyFunction(utcnow)
        )

    review_id = factory.LazyAttribute(lambda o: ReviewFactory(outcome=Outcome.waiting).id)
    representative_id = None
    status = ContactStatus.pending


@registered
class FlagFactory(BaseFactory):
    """An open flag on a review (pass `response_id` and `review_id=None` for a response's)."""

    class Meta:
        model = Flag

    class Params:
        dismissed = factory.Trait(
            status=FlagStatus.dismissed, resolved_at=factory.LazyFunction(utcnow)
        )

    review_id = factory.LazyAttribute(lambda o: ReviewFactory().id)
    response_id = None
    reporter_id = factory.LazyAttribute(lambda o: UserFactory(verified=True).id)
    reason = FlagReason.false_or_misleading
    explanation = "This does not match what happened to me."
    status = FlagStatus.open


@registered
class LegalNoticeFactory(BaseFactory):
    class Meta:
        model = LegalNotice

    review_id = factory.LazyAttribute(lambda o: ReviewFactory().id)
    notifier_name = "Ottoline Briggs"
    notifier_email = factory.Sequence(lambda n: f"notifier{n}@lawfirm.example")
    legal_basis = "Defamation"
    explanation = "The review states as fact something that did not happen."
    status = NoticeStatus.open


@registered
class AuditLogFactory(BaseFactory):
    class Meta:
        model = AuditLog

    actor_id = None
    action = AuditAction.hide
    target_type = "review"
    target_id = factory.LazyAttribute(lambda o: ReviewFactory().id)
    reason = "Names a recruiter."


@registered
class OutgoingMailFactory(BaseFactory):
    class Meta:
        model = OutgoingMail

    recipient = factory.Sequence(lambda n: f"user{n}@example.org")
    subject = "Your review on HeardBack"
    body = "Your review is now public."
    message_id = factory.Sequence(lambda n: f"<{n}@heardback.test>")


@registered
class ContactProofFactory(BaseFactory):
    """A verified proof of contact signed by the employer's own domain."""

    class Meta:
        model = ContactProof

    review_id = factory.LazyAttribute(lambda o: ReviewFactory().id)
    status = ProofStatus.verified
    kind = ProofKind.own_domain
    signing_domain = "quibblewick.example"
    sending_system = None
    message_month = factory.LazyFunction(lambda: month_start(date.today()))
    fingerprint = factory.Sequence(lambda n: f"{n:064x}")


@registered
class ApplicationFactory(BaseFactory):
    """A tracked application (private to its owner), applied ten days ago."""

    class Meta:
        model = Application

    user_id = factory.LazyAttribute(lambda o: UserFactory().id)
    employer_id = factory.LazyAttribute(lambda o: EmployerFactory().id)
    role_title = "Data analyst"
    status = ApplicationStatus.applied
    applied_on = factory.LazyFunction(lambda: date.today() - timedelta(days=10))
    next_action_on = factory.LazyAttribute(
        lambda o: o.applied_on + timedelta(days=14) if o.applied_on else None
    )


@registered
class ApplicationStepFactory(BaseFactory):
    """An interview three days ago, with an answer promised within a week."""

    class Meta:
        model = ApplicationStep

    application_id = factory.LazyAttribute(lambda o: ApplicationFactory().id)
    kind = StepKind.interview
    happened_on = factory.LazyFunction(lambda: date.today() - timedelta(days=3))
    promised_days = 7
