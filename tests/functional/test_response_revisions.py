"""Every version of an employer's response is kept and shown to moderators (DESIGN.md §5.10): "the
first version used my full name" can be checked. Representatives and the public see only the current
text. Through the real forms, CSRF on."""

from __future__ import annotations

from sqlalchemy import select

from extensions import db
from responses.models import (
    Response,
    ResponseAction,
    ResponseRevision,
    ResponseStatus,
    RevisionActor,
)
from tests.conftest import page_text, post_form
from tests.functional.test_moderation_queue import (
    client_as,
    make_people,
    make_response,
    make_review,
    visible,
)

FIRST = "Our recruiter Casimir Wolderbeck should have called you back. We apologise."
SECOND = "Our recruiter should have called you back. Come to our Harbour Lane office."


def moderation_url(review, action: str = "") -> str:
    return f"/moderation/reviews/{review.public_id}" + (f"/{action}" if action else "")


def moderate(client, review, action: str, data: dict):
    page = moderation_url(review)
    return post_form(client, moderation_url(review, action), data, page=page)


def respond(client, review, body: str):
    url = f"/employer/reviews/{review.public_id}/response"
    return post_form(client, url, {"body": body, "action": "publish"})


def revisions() -> list[ResponseRevision]:
    db.session.expire_all()
    return list(db.session.scalars(select(ResponseRevision).order_by(ResponseRevision.id)))


def test_every_version_is_kept_and_listed_newest_first_for_moderators(app):
    people = make_people()
    review = make_review(people)
    rep = client_as(app, people["representative"])
    moderator = client_as(app, people["moderator"])

    assert respond(rep, review, FIRST).status_code == 302  # held: it names someone
    assert respond(rep, review, SECOND).status_code == 302  # edited, no name: published
    redact = {"text": "Harbour Lane", "reason": "Locates the office."}
    assert moderate(moderator, review, "response/redact", redact).status_code == 302
    hide = {"guideline": "abusive", "reason": "Checking."}
    assert moderate(moderator, review, "response/hide", hide).status_code == 302
    restore = {"reason": "Fine after all."}
    assert moderate(moderator, review, "response/restore", restore).status_code == 302

    rows = revisions()
    assert [(row.action, row.actor, row.status) for row in rows] == [
        (ResponseAction.held, RevisionActor.representative, ResponseStatus.held),
        (ResponseAction.edited, RevisionActor.representative, ResponseStatus.published),
        (ResponseAction.redacted, RevisionActor.moderator, ResponseStatus.published),
        (ResponseAction.hidden, RevisionActor.moderator, ResponseStatus.hidden),
        (ResponseAction.restored, RevisionActor.moderator, ResponseStatus.published),
    ]
    assert "Casimir Wolderbeck" in rows[0].body  # the first version, as the representative wrote it
    assert "Harbour Lane" in rows[1].body and "Harbour Lane" not in rows[2].body
    (response,) = db.session.scalars(select(Response))
    assert {row.response_id for row in rows} == {response.id}

    page = visible(moderator.get(moderation_url(review)))
    assert "Versions of the response (5)" in page
    listed = page[page.index("Versions of the response") :]
    positions = [
        listed.index(word) for word in ("Restored", "Hidden", "Redacted", "Edited", "Held")
    ]
    assert positions == sorted(positions), "newest first"
    assert "Held by the representative" in listed
    assert "Hidden by the moderator" in listed
    assert "Casimir Wolderbeck" in listed and "Harbour Lane" in listed

    # Nobody else sees the earlier versions: not the public, not the representative.
    public = app.test_client()
    for url in (f"/reviews/{review.public_id}", f"/employers/{people['employer'].slug}"):
        text = page_text(public.get(url))
        assert "Harbour Lane" not in text and "Casimir Wolderbeck" not in text, url
    own = page_text(rep.get(f"/employer/reviews/{review.public_id}/response"))
    assert "Casimir Wolderbeck" not in own and "Harbour Lane" not in own
    assert rep.get(moderation_url(review)).status_code == 403


def test_publishing_a_held_response_is_a_version_by_a_moderator(app):
    people = make_people()
    review = make_review(people)
    response = make_response(review, body="Call us.", status=ResponseStatus.held)
    moderator = client_as(app, people["moderator"])
    assert moderate(moderator, review, "response/publish", {}).status_code == 302
    [row] = revisions()
    assert (row.response_id, row.action, row.actor, row.status, row.body) == (
        response.id,
        ResponseAction.published,
        RevisionActor.moderator,
        ResponseStatus.published,
        "Call us.",
    )


def test_saving_the_same_text_again_adds_no_version(app):
    people = make_people()
    review = make_review(people)
    rep = client_as(app, people["representative"])
    clean = "Thank you, we have changed how we follow up."
    assert respond(rep, review, clean).status_code == 302
    assert respond(rep, review, clean).status_code == 302
    assert [row.action for row in revisions()] == [ResponseAction.created]


def test_a_representative_of_another_employer_sees_no_versions(app):
    people = make_people()
    review = make_review(people)
    assert respond(client_as(app, people["representative"]), review, FIRST).status_code == 302
    other = client_as(app, people["candidate"])
    assert other.get(moderation_url(review)).status_code in (403, 404)


def test_the_versions_go_with_their_review(app):
    """A review deleted (with its author's account, say) takes its response's versions along."""
    people = make_people()
    review = make_review(people)
    rep = client_as(app, people["representative"])
    assert respond(rep, review, "Thank you, we have changed how we follow up.").status_code == 302
    assert len(revisions()) == 1
    db.session.delete(db.session.get(type(review), review.id))
    db.session.commit()
    assert revisions() == []
