"""DESIGN.md §5 rule 8: an employer a user adds is public only from its first published review (its
creator is its likeliest first reviewer, so its appearance would point at them). Until then it is
unknown to every public page and API (404 like an unknown slug), except to the session that added it
and to moderators."""

from __future__ import annotations

from datetime import timedelta

import pytest

from accounts.models import Role
from employers import services
from employers.models import Employer
from extensions import db
from operations.tick import tick
from reviews.models import Outcome, ReviewStatus
from tests.conftest import Auth, post_form
from tests.factories import EmployerFactory, ReviewFactory, UserFactory
from timeutils import utcnow

PASSWORD = "correct horse battery"
NAME = "Glimmerquay Instruments"
SLUG = "glimmerquay-instruments"


def signed_in(app, email: str, **values):
    UserFactory(email=email, password=PASSWORD, verified=True, **values)
    client = app.test_client()
    assert Auth(client, None).sign_in(email, PASSWORD).status_code == 302
    return client


@pytest.fixture
def added(app):
    """Added by a user through the form (the creator's client is returned with it)."""
    EmployerFactory(name="Brackenfold Textiles", slug="brackenfold-textiles")
    creator = signed_in(app, "adder@example.org")
    response = post_form(creator, "/employers/new", {"name": NAME, "industry": "software"})
    assert response.status_code == 302
    employer = db.session.scalar(db.select(Employer).where(Employer.slug == SLUG))
    assert employer.listed_at is None
    return employer, creator


PAGES = [
    f"/employers/{SLUG}",
    f"/employers/{SLUG}/reviews",
    f"/employers/{SLUG}/badge.svg",
    f"/api/v1/employers/{SLUG}",
    f"/api/v1/employers/{SLUG}/reviews",
]


@pytest.mark.parametrize("url", PAGES)
def test_an_unlisted_employer_is_unknown_to_the_public(app, added, url):
    anonymous = app.test_client()
    response = anonymous.get(url)
    unknown = anonymous.get(url.replace(SLUG, "glimmerquay-instrumentz"))
    assert response.status_code == unknown.status_code == 404
    assert response.get_data() == unknown.get_data().replace(b"instrumentz", b"instruments")


def test_no_list_search_or_export_shows_an_unlisted_employer(app, added):
    anonymous = app.test_client()
    for url in (
        "/employers",
        f"/employers?q={NAME}",
        "/employers/suggest?q=glimmerq",
        f"/api/v1/employers?q={NAME}",
        "/api/v1/employers",
        "/api/v1/employers.csv",
        "/rankings",
        "/",
    ):
        # The slug: a search page echoes the name typed.
        assert SLUG not in anonymous.get(url).get_data(as_text=True), url
    assert anonymous.get("/api/v1/baselines").json["employer_count"] == 1
    assert services.site_counts().employers == 1


def test_adding_an_employer_moves_no_public_etag(app):
    EmployerFactory(name="Brackenfold Textiles", slug="brackenfold-textiles")
    db.session.commit()
    anonymous = app.test_client()
    urls = ("/", "/employers", "/api/v1/employers", "/api/v1/employers.csv", "/api/v1/baselines")
    before = {url: anonymous.get(url).headers.get("ETag") for url in urls}
    creator = signed_in(app, "adder@example.org")
    post_form(creator, "/employers/new", {"name": NAME, "industry": "software"})
    after = {url: anonymous.get(url).headers.get("ETag") for url in urls}
    assert before == after


def test_its_creator_and_moderators_see_it_others_dont(app, added):
    _employer, creator = added
    assert creator.get(f"/employers/{SLUG}").status_code == 200
    assert creator.get(f"/reviews/new?employer={SLUG}").status_code == 200
    moderator = signed_in(app, "mod@example.org", role=Role.moderator)
    assert moderator.get(f"/employers/{SLUG}").status_code == 200
    assert NAME in moderator.get("/moderation").get_data(as_text=True)
    other = signed_in(app, "other@example.org")
    assert other.get(f"/employers/{SLUG}").status_code == 404
    assert other.get(f"/reviews/new?employer={SLUG}").status_code == 404
    assert other.get(f"/employers/{SLUG}/claim").status_code == 404


def test_its_first_published_review_lists_it(app, added):
    employer, _creator = added
    ReviewFactory(
        employer_id=employer.id,
        author=UserFactory(verified=True),
        outcome=Outcome.ghosted,
        status=ReviewStatus.scheduled,
        publish_at=utcnow() - timedelta(minutes=1),
    )
    db.session.commit()
    report = tick()
    assert report.published == 1
    db.session.expire_all()
    assert db.session.get(Employer, employer.id).listed_at is not None
    anonymous = app.test_client()
    assert anonymous.get(f"/employers/{SLUG}").status_code == 200
    assert NAME in anonymous.get(f"/api/v1/employers?q={NAME}").get_data(as_text=True)
    assert NAME in anonymous.get("/api/v1/employers.csv").get_data(as_text=True)


def test_the_factory_lists_by_default(app):
    assert EmployerFactory().listed_at is not None
    assert EmployerFactory(unlisted=True).listed_at is None


def test_merging_a_listed_employer_into_an_unlisted_one_lists_it(app):
    from moderation.merge import merge_employers

    source = EmployerFactory(name="Glimmerquay Ltd", slug="glimmerquay-ltd")
    target = EmployerFactory(name=NAME, slug=SLUG, unlisted=True)
    db.session.commit()
    merge_employers(source, target, None)
    db.session.commit()
    assert db.session.get(Employer, target.id).listed_at is not None


@pytest.mark.usefixtures("added")
def test_adding_it_again_answers_as_adding_a_new_one_would(app):
    """A recruiter adding its own employer by name learns nothing: no "already here", the same
    redirect and message as for the first adder, and the page visible to them from then on."""
    first_adder = signed_in(app, "adder2@example.org")
    other = signed_in(app, "recruiter@example.org")
    assert other.get(f"/employers/{SLUG}").status_code == 404
    # A form with another mistake shows that mistake, not the unlisted employer.
    response = post_form(other, "/employers/new", {"name": NAME, "website": "not a website"})
    assert response.status_code == 422
    assert f"/employers/{SLUG}" not in response.get_data(as_text=True)
    assert "already" not in response.get_data(as_text=True).lower()

    response = post_form(other, "/employers/new", {"name": NAME, "industry": "software"})
    new_name = "Quillbrook Ceramics"
    fresh = post_form(first_adder, "/employers/new", {"name": new_name, "industry": "software"})
    assert response.status_code == fresh.status_code == 302
    assert response.headers["Location"] == f"/reviews/new?employer={SLUG}"
    assert fresh.headers["Location"] == "/reviews/new?employer=quillbrook-ceramics"
    shown = other.get(response.headers["Location"]).get_data(as_text=True)
    shown_fresh = first_adder.get(fresh.headers["Location"]).get_data(as_text=True)
    assert f"{NAME} is added. Now tell us about your application." in shown
    assert f"{new_name} is added. Now tell us about your application." in shown_fresh
    assert other.get(f"/employers/{SLUG}").status_code == 200
    same_name = db.select(db.func.count(Employer.id)).where(Employer.name == NAME)
    assert db.session.scalar(same_name) == 1


def test_its_website_does_not_name_it_either(app):
    """Another name with the unlisted employer's website: no "already the website of", the
    same answer as adding, and no second employer (the domain is unique)."""
    creator = signed_in(app, "adder3@example.org")
    data = {"name": "Zorbulex Optics", "industry": "software", "website": "zorbulex.com"}
    assert post_form(creator, "/employers/new", data).status_code == 302
    other = signed_in(app, "recruiter3@example.org")
    renamed = {**data, "name": "Zorbulex Lens Works", "different": "y"}
    response = post_form(other, "/employers/new", renamed)
    assert response.status_code == 302
    assert response.headers["Location"] == "/reviews/new?employer=zorbulex-optics"
    assert db.session.scalar(db.select(db.func.count(Employer.id))) == 1


def test_a_failed_csrf_check_tells_nothing_about_an_unlisted_slug(app, added):
    """The review form's CSRF recovery shows the form for a known employer: for an unlisted one
    it answers as for an unknown slug."""
    app.config["WTF_CSRF_ENABLED"] = True
    stranger = app.test_client()
    unlisted = stranger.post(f"/reviews/new?employer={SLUG}", data={"narrative": "x"})
    unknown = stranger.post("/reviews/new?employer=no-such-employer", data={"narrative": "x"})
    assert unlisted.status_code == unknown.status_code
    assert NAME not in unlisted.get_data(as_text=True)
