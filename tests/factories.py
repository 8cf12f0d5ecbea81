"""factory_boy factories for the models, with traits for the common states."""

from __future__ import annotations

from datetime import date, timedelta

import factory
from factory.alchemy import SQLAlchemyModelFactory

from accounts.models import User
from accounts.services import hash_password
from employers.models import Employer, EmployerStats, Industry
from employers.services import normalize_name
from reviews.models import GuidelineReason, Outcome, Review, ReviewStatus, Stage
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
