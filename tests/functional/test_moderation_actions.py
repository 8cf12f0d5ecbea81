"""Moderators' actions (DESIGN.md §8): publish, hide (the author told which rule, with a link to
edit and resubmit), redact a span (the original kept in the revisions), restore, clear the burst
mark, the same for responses, dismiss a flag, decide a legal notice, suspend the author. Each
writes one audit-log row; only moderators and admins can take them, so a representative can't get
a review hidden (DESIGN.md §8). Through the real forms, CSRF on."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from accounts.models import Role
from employers.models import EmployerStats
from extensions import db
from moderation.audit import AuditLogIsAppendOnly
from moderation.models import (
    AuditAction,
    AuditLog,
    Flag,
    FlagReason,
    FlagStatus,
    NoticeStatus,
)
from moderation.queue import pseudonym
from responses.models import ResponseStatus
from reviews.fields import record_revision
from reviews.models import (
    GuidelineReason,
    HoldReason,
    Outcome,
    Review,
    ReviewRevision,
    ReviewStatus,
    RevisionSource,
    Stage,
)
from scoring.stats import refresh_employer
from tests.conftest import csrf_token, page_text, post_form
from tests.factories import ClaimFactory, RepresentativeFactory, ReviewFactory, UserFactory
from tests.functional.test_moderation_queue import (
    AUTHOR_EMAIL,
    FLAGGER_EMAIL,
    NARRATIVE,
    REP_EMAIL,
    client_as,
    days_ago,
    make_flag,
    make_notice,
    make_people,
    make_response,
    make_review,
    visible,
)

MARK = "[removed by a moderator]"
HIDE = {"guideline": "personal_information", "reason": "Names the recruiter in full."}


def url(review, action: str) -> str:
    return f"/moderation/reviews/{review.public_id}/{action}"


def page_of(review) -> str:
    return f"/moderation/reviews/{review.public_id}"


def act(client, review, action: str, data: dict | None = None):
    return post_form(client, url(review, action), data or {}, page=page_of(review))


def audit_rows() -> list[AuditLog]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditLog).order_by(AuditLog.id)))


def fresh(instance):
    db.session.refresh(instance)
    return instance


def review_count(employer) -> int:
    db.session.expire_all()
    return db.session.get(EmployerStats, employer.id).review_count


def assert_one_row(action, actor, target_type, target_id, reason=None) -> AuditLog:
    (row,) = audit_rows()
    assert (row.action, row.actor_id, row.target_type, row.target_id) == (
        action,
        actor.id,
        target_type,
        target_id,
    )
    assert row.reason == reason
    return row


@pytest.fixture
def people(app):
    return make_people()


@pytest.fixture
def review(people):
    return make_review(people)


@pytest.fixture
def moderator_client(app, people):
    return client_as(app, people["moderator"])


# --- publish -----------------------------------------------------------------------------------


def _held(people, created_days_ago: float, **values):
    return ReviewFactory(
        author=people["author"],
        employer_id=people["employer"].id,
        status=ReviewStatus.held,
        hold_reason=HoldReason.suspected_name,
        created_at=days_ago(created_days_ago),
        narrative="The hiring manager said they would call.",
        **values,
    )


def test_publishing_a_fresh_held_review_schedules_it_from_when_it_was_written(
    app, people, moderator_client
):
    held = _held(people, created_days_ago=0.5)
    written = held.created_at
    response = act(moderator_client, held, "publish", {"reason": "No name in it, just a role."})
    assert response.status_code == 302
    held = fresh(held)
    assert held.status is ReviewStatus.scheduled and held.hold_reason is None
    delay = held.publish_at - written
    assert timedelta(hours=72) <= delay <= timedelta(hours=240)
    row = assert_one_row(
        AuditAction.publish, people["moderator"], "review", held.id, "No name in it, just a role."
    )
    assert row.details["hold_reason"] == "suspected_name"
    text = visible(moderator_client.get(page_of(held)))
    assert "becomes public at its scheduled moment" in text and "Scheduled" in text


def test_publishing_a_review_held_past_its_delay_publishes_it_at_once(
    app, people, moderator_client
):
    held = _held(people, created_days_ago=20)
    before = review_count(people["employer"])
    assert act(moderator_client, held, "publish").status_code == 302
    held = fresh(held)
    assert held.status is ReviewStatus.published and held.published_at is not None
    assert review_count(people["employer"]) == before + 1
    assert app.test_client().get(f"/reviews/{held.public_id}").status_code == 200
    assert_one_row(AuditAction.publish, people["moderator"], "review", held.id)


def test_only_held_reviews_can_be_published(app, people, review, moderator_client):
    response = act(moderator_client, review, "publish")
    assert response.status_code == 409
    assert "Only a held review can be published" in page_text(response)
    assert audit_rows() == []


# --- hide, and the author's resubmission -------------------------------------------------------


def test_hide_upholds_the_reports_tells_the_author_and_leaves_every_public_page(
    app, people, review, moderator_client, outbox
):
    employer = people["employer"]
    refresh_employer(employer.id)
    db.session.commit()
    member_flag = make_flag(review=review, reporter=people["candidate"])
    rep_flag = make_flag(
        review=review, reporter=people["representative"], representative=people["representation"]
    )
    public = app.test_client()
    assert NARRATIVE in page_text(public.get(f"/employers/{employer.slug}"))

    response = act(moderator_client, review, "hide", HIDE)
    assert response.status_code == 302
    review = fresh(review)
    assert review.status is ReviewStatus.hidden
    assert review.hidden_reason is GuidelineReason.personal_information
    for flag in (member_flag, rep_flag):
        flag = fresh(flag)
        assert flag.status is FlagStatus.actioned and flag.resolved_at is not None
    row = assert_one_row(AuditAction.hide, people["moderator"], "review", review.id, HIDE["reason"])
    assert row.details == {"guideline": "personal_information", "previous_status": "published"}
    assert review_count(employer) == 0

    # The author is told which rule, with the link to edit and resubmit; nothing else.
    (message,) = outbox
    assert message["To"] == AUTHOR_EMAIL
    body = message.get_content()
    assert "Personal information" in body
    assert f"http://localhost/reviews/{review.public_id}/edit" in body
    for leak in (FLAGGER_EMAIL, REP_EMAIL, "representative", "report", "flag", HIDE["reason"]):
        assert leak not in body

    # Gone from the public pages.
    public = app.test_client()
    assert public.get(f"/reviews/{review.public_id}").status_code == 404
    for path in (
        f"/employers/{employer.slug}",
        f"/employers/{employer.slug}/reviews",
        f"/api/v1/employers/{employer.slug}/reviews",
        "/",
    ):
        assert NARRATIVE not in page_text(public.get(path)), path


def test_the_author_edits_a_hidden_review_and_it_is_checked_again(
    app, people, review, moderator_client, outbox
):
    assert act(moderator_client, review, "hide", HIDE).status_code == 302
    author = client_as(app, people["author"])
    edit = f"/reviews/{review.public_id}/edit"
    assert author.get(edit).status_code == 200
    data = {
        "process_month": review.process_month.strftime("%Y-%m"),
        "stage": "interview",
        "outcome": "ghosted",
        "last_contact_on": review.last_contact_on.isoformat(),
        "narrative": "Three interviews and a presentation, then the recruiter stopped answering.",
        "action": "publish",
    }
    response = post_form(author, edit, data)
    assert response.status_code == 302, page_text(response)
    review = fresh(review)
    # It waits for a moderator: the automatic checks alone can't undo a moderator's decision.
    assert review.status is ReviewStatus.held and review.hidden_reason is None
    assert review.hold_reason is HoldReason.resubmitted
    queue = visible(moderator_client.get("/moderation"))
    assert "Resubmitted after a moderator hid them 1" in queue
    # Another edit while it waits keeps it waiting.
    data["narrative"] += " They never wrote."
    assert post_form(author, edit, data).status_code == 302
    assert fresh(review).hold_reason is HoldReason.resubmitted
    # A moderator publishes it again.
    assert act(moderator_client, review, "publish", {}).status_code == 302
    assert fresh(review).status in (ReviewStatus.published, ReviewStatus.scheduled)


def test_a_hidden_review_resubmitted_with_a_name_is_held(app, people, moderator_client):
    hidden = ReviewFactory(
        author=people["author"],
        employer_id=people["employer"].id,
        status=ReviewStatus.hidden,
        hidden_reason=GuidelineReason.personal_information,
    )
    author = client_as(app, people["author"])
    data = {
        "process_month": hidden.process_month.strftime("%Y-%m"),
        "stage": "interview",
        "outcome": "ghosted",
        "last_contact_on": hidden.last_contact_on.isoformat(),
        "narrative": "The recruiter Mr Smith said he would call me back on Friday.",
        "action": "publish",
    }
    post_form(author, f"/reviews/{hidden.public_id}/edit", data)
    hidden = fresh(hidden)
    assert hidden.status is ReviewStatus.held and hidden.hidden_reason is None
    assert hidden.hold_reason is HoldReason.suspected_name


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({**HIDE, "guideline": "bribery"}, "Choose one of the guidelines listed"),
        ({"reason": "x"}, "Choose the guideline it breaks"),
        ({**HIDE, "reason": ""}, "Give a reason"),
        ({**HIDE, "reason": "   "}, "Give a reason"),
        ({**HIDE, "reason": "x" * 10_000}, "Keep the reason to 500 characters"),
        ({**HIDE, "reason": "bad\x00reason"}, "invisible control characters"),
        ({**HIDE, "reason": "bidi \u202e trick"}, "invisible control characters"),
    ],
)
def test_bad_input_on_hide_is_explained(app, people, review, moderator_client, data, message):
    response = act(moderator_client, review, "hide", data)
    assert response.status_code == 422
    assert message in page_text(response)
    assert fresh(review).status is ReviewStatus.published
    assert audit_rows() == []


def test_hiding_twice_is_refused_politely(app, people, review, moderator_client):
    act(moderator_client, review, "hide", HIDE)
    # The page no longer offers "hide"; a stale form posted anyway:
    token = csrf_token(moderator_client, page_of(review))
    response = moderator_client.post(url(review, "hide"), data={**HIDE, "csrf_token": token})
    assert response.status_code == 409
    assert "already hidden" in page_text(response)
    assert len(audit_rows()) == 1


# --- restore -----------------------------------------------------------------------------------


def test_restore_brings_a_hidden_review_back(app, people, review, moderator_client):
    employer = people["employer"]
    act(moderator_client, review, "hide", HIDE)
    assert review_count(employer) == 0
    response = act(moderator_client, review, "restore", {"reason": "The name was the company's."})
    assert response.status_code == 302
    review = fresh(review)
    assert review.status is ReviewStatus.published and review.hidden_reason is None
    assert review_count(employer) == 1
    rows = audit_rows()
    assert [row.action for row in rows] == [AuditAction.hide, AuditAction.restore]
    assert rows[1].reason == "The name was the company's."
    assert rows[1].actor_id == people["moderator"].id and rows[1].target_id == review.id
    assert NARRATIVE in page_text(app.test_client().get(f"/reviews/{review.public_id}"))


def test_restore_needs_a_reason_and_a_hidden_review(app, people, review, moderator_client):
    assert act(moderator_client, review, "restore", {"reason": ""}).status_code == 422
    response = act(moderator_client, review, "restore", {"reason": "Why not."})
    assert response.status_code == 409 and "isn't hidden" in page_text(response)
    assert audit_rows() == []


# --- redaction ---------------------------------------------------------------------------------


def test_redaction_keeps_the_original_in_revisions_and_removes_it_from_public_pages(
    app, people, review, moderator_client
):
    employer = people["employer"]
    response = act(
        moderator_client,
        review,
        "redact",
        {"field": "narrative", "text": "Jane Doe", "reason": "A person's name."},
    )
    assert response.status_code == 302
    review = fresh(review)
    assert review.narrative == NARRATIVE.replace("Jane Doe", MARK)
    revisions = list(
        db.session.scalars(
            select(ReviewRevision)
            .where(ReviewRevision.review_id == review.id)
            .order_by(ReviewRevision.number)
        )
    )
    assert [revision.source for revision in revisions] == [
        RevisionSource.system,
        RevisionSource.moderator,
    ]
    assert revisions[0].data["narrative"] == NARRATIVE
    assert revisions[1].data["narrative"] == review.narrative
    row = assert_one_row(
        AuditAction.redact, people["moderator"], "review", review.id, "A person's name."
    )
    assert row.details == {"field": "narrative", "occurrences": 1, "revision": 2}

    public = app.test_client()
    assert MARK in page_text(public.get(f"/reviews/{review.public_id}"))
    for path in (
        f"/reviews/{review.public_id}",
        f"/employers/{employer.slug}",
        f"/employers/{employer.slug}/reviews",
        f"/api/v1/employers/{employer.slug}/reviews",
        "/",
    ):
        assert "Jane Doe" not in page_text(public.get(path)), path
    # Moderators still see the original, in the revisions.
    assert "Jane Doe" in page_text(moderator_client.get(page_of(review)))


def test_redaction_after_an_authors_revision_adds_only_the_moderators(
    app, people, review, moderator_client
):
    record_revision(review, RevisionSource.author)
    db.session.commit()
    act(moderator_client, review, "redact", {"field": "advice", "text": "Answer", "reason": "r"})
    sources = db.session.scalars(
        select(ReviewRevision.source)
        .where(ReviewRevision.review_id == review.id)
        .order_by(ReviewRevision.number)
    ).all()
    assert sources == [RevisionSource.author, RevisionSource.moderator]
    assert fresh(review).advice == f"{MARK} the people you interview."


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"field": "narrative", "text": "John Smith"}, "exact text isn't in"),
        ({"field": "advice", "text": "Jane Doe"}, "exact text isn't in"),
        ({"field": "narrative", "text": ""}, "Paste the exact text to remove"),
        ({"field": "narrative", "text": "Jane\x00Doe"}, "invisible control characters"),
        ({"field": "narrative", "text": "J" * 5000}, "longer than any review text"),
        ({"field": "role_title", "text": "Jane Doe"}, "Choose the narrative or the advice"),
        ({"field": "narrative", "text": "Jane Doe", "reason": ""}, "Give a reason"),
    ],
)
def test_bad_input_on_redaction_is_explained(app, people, review, moderator_client, data, message):
    response = act(moderator_client, review, "redact", {"reason": "A name.", **data})
    assert response.status_code == 422
    assert message in page_text(response)
    assert fresh(review).narrative == NARRATIVE
    assert audit_rows() == []


def test_redaction_that_would_overflow_the_limit_is_refused(app, people, moderator_client):
    full = ReviewFactory(
        author=people["author"], employer_id=people["employer"].id, advice="a" * 1000
    )
    response = act(
        moderator_client, full, "redact", {"field": "advice", "text": "a", "reason": "r"}
    )
    assert response.status_code == 422
    assert "longer than its limit" in page_text(response)
    assert fresh(full).advice == "a" * 1000


# --- the burst cap -----------------------------------------------------------------------------


def test_clearing_the_burst_mark_changes_the_employers_score(app, people, moderator_client):
    employer = people["employer"]
    for _ in range(3):
        ReviewFactory(
            author=UserFactory(verified=True),
            employer_id=employer.id,
            stage=Stage.final,
            outcome=Outcome.ghosted,
        )
    capped = ReviewFactory(
        author=people["author"],
        employer_id=employer.id,
        stage=Stage.offer,
        outcome=Outcome.offer,
        decision_days=3,
        burst_capped_at=days_ago(2),
    )
    refresh_employer(employer.id)
    db.session.commit()
    before = db.session.get(EmployerStats, employer.id)
    scored_before, score_before = before.scored_reviews, before.score
    assert "Pending moderation: over the burst cap 1" in visible(
        moderator_client.get("/moderation")
    )

    response = act(moderator_client, capped, "clear-burst", {"reason": "Genuine, checked."})
    assert response.status_code == 302
    assert fresh(capped).burst_capped_at is None
    db.session.expire_all()
    after = db.session.get(EmployerStats, employer.id)
    assert after.scored_reviews == scored_before + 1
    assert after.score > score_before
    row = assert_one_row(
        AuditAction.clear_burst, people["moderator"], "review", capped.id, "Genuine, checked."
    )
    assert "marked_at" in row.details
    assert "Pending moderation: over the burst cap 0" in visible(
        moderator_client.get("/moderation")
    )
    again = act(moderator_client, capped, "clear-burst")
    assert again.status_code == 409 and "isn't marked" in page_text(again)


# --- responses ---------------------------------------------------------------------------------


def test_response_publish_hide_restore(app, people, review, moderator_client, outbox):
    response = make_response(review, body="Call us.", status=ResponseStatus.held)
    assert act(moderator_client, review, "response/publish").status_code == 302
    assert fresh(response).status is ResponseStatus.published
    (message,) = outbox  # the review's author hears the employer responded
    assert message["To"] == AUTHOR_EMAIL and "responded" in message["Subject"]
    assert "Call us." in page_text(app.test_client().get(f"/reviews/{review.public_id}"))

    flag = make_flag(response=response, reporter=people["candidate"])
    hide = {"guideline": "abusive", "reason": "Insults the candidate."}
    assert act(moderator_client, review, "response/hide", hide).status_code == 302
    response = fresh(response)
    assert response.status is ResponseStatus.hidden
    assert response.hidden_reason is GuidelineReason.abusive
    assert fresh(flag).status is FlagStatus.actioned
    assert "Call us." not in page_text(app.test_client().get(f"/reviews/{review.public_id}"))
    assert fresh(review).status is ReviewStatus.published  # the review is untouched

    assert act(moderator_client, review, "response/restore", {"reason": "Read again: fair."})
    response = fresh(response)
    assert response.status is ResponseStatus.published and response.hidden_reason is None

    rows = audit_rows()
    assert [(row.action, row.target_type, row.target_id) for row in rows] == [
        (AuditAction.publish, "response", response.id),
        (AuditAction.hide, "response", response.id),
        (AuditAction.restore, "response", response.id),
    ]
    assert rows[1].reason == "Insults the candidate."
    assert rows[1].details["guideline"] == "abusive"
    assert {row.actor_id for row in rows} == {people["moderator"].id}


def test_response_redaction_keeps_the_original_for_moderators(
    app, people, review, moderator_client
):
    response = make_response(review, body="Ask Joe Bloggs in HR. Joe Bloggs answers everyone.")
    result = act(
        moderator_client, review, "response/redact", {"text": "Joe Bloggs", "reason": "A name."}
    )
    assert result.status_code == 302
    assert fresh(response).body == f"Ask {MARK} in HR. {MARK} answers everyone."
    row = assert_one_row(
        AuditAction.redact, people["moderator"], "response", response.id, "A name."
    )
    assert row.details == {"field": "body", "occurrences": 2, "removed": "Joe Bloggs"}
    assert "Joe Bloggs" not in page_text(app.test_client().get(f"/reviews/{review.public_id}"))
    missing = act(moderator_client, review, "response/redact", {"text": "Nobody", "reason": "r"})
    assert missing.status_code == 422 and "exact text isn't in" in page_text(missing)


def test_response_actions_without_a_response_are_404(app, people, review, moderator_client):
    assert act(moderator_client, review, "response/publish").status_code == 404


# --- flags -------------------------------------------------------------------------------------


def test_dismissing_a_flag_changes_nothing_else(app, people, review, moderator_client):
    flag = make_flag(review=review, reporter=people["candidate"], reason=FlagReason.spam)
    path = f"flags/{flag.id}/dismiss"
    response = act(moderator_client, review, path, {"reason": "Not spam: a real story."})
    assert response.status_code == 302
    flag = fresh(flag)
    assert flag.status is FlagStatus.dismissed and flag.resolved_at is not None
    assert fresh(review).status is ReviewStatus.published
    assert_one_row(
        AuditAction.dismiss_flag, people["moderator"], "flag", flag.id, "Not spam: a real story."
    )
    again = act(moderator_client, review, path)
    assert again.status_code == 409 and "already handled" in page_text(again)
    other = ReviewFactory(employer_id=people["employer"].id)
    assert act(moderator_client, other, path).status_code == 404


# --- legal notices -----------------------------------------------------------------------------


def test_upholding_a_legal_notice_hides_the_review(app, people, review, moderator_client, outbox):
    notice = make_notice(review)
    path = f"notices/{notice.id}/action"
    assert act(moderator_client, review, path, {"reason": "Defamatory claim."}).status_code == 302
    notice, review = fresh(notice), fresh(review)
    assert notice.status is NoticeStatus.actioned and notice.resolved_at is not None
    assert review.status is ReviewStatus.hidden
    assert review.hidden_reason is GuidelineReason.legal_notice
    row = assert_one_row(
        AuditAction.hide, people["moderator"], "review", review.id, "Defamatory claim."
    )
    assert row.details["notice_id"] == notice.id
    assert outbox[-1]["To"] == AUTHOR_EMAIL and "Legal notice" in outbox[-1].get_content()
    assert "counsel" not in outbox[-1].get_content().lower()


def test_rejecting_a_legal_notice_leaves_the_review(app, people, review, moderator_client):
    notice = make_notice(review)
    path = f"notices/{notice.id}/reject"
    assert act(moderator_client, review, path, {"reason": ""}).status_code == 422
    assert act(moderator_client, review, path, {"reason": "Opinion, not fact."}).status_code == 302
    assert fresh(notice).status is NoticeStatus.rejected
    assert fresh(review).status is ReviewStatus.published
    row = assert_one_row(
        AuditAction.legal_notice,
        people["moderator"],
        "legal_notice",
        notice.id,
        "Opinion, not fact.",
    )
    assert row.details == {"decision": "rejected", "review_id": review.id}
    assert act(moderator_client, review, path, {"reason": "again"}).status_code == 409


# --- suspending the author ---------------------------------------------------------------------


def _signed_in(client) -> bool:
    return client.get("/account").status_code == 200


def test_suspending_the_author_ends_their_sessions(app, people, review, moderator_client):
    author = people["author"]
    author_browser = client_as(app, author)
    captured = author_browser.get_cookie("session").value
    assert _signed_in(author_browser)

    name = pseudonym(author.id)
    response = act(
        moderator_client, review, "suspend-author", {"pseudonym": name, "reason": "Sock puppets."}
    )
    assert response.status_code == 302
    assert fresh(author).suspended_at is not None
    replay = app.test_client()
    replay.set_cookie("session", captured)
    assert not _signed_in(replay)
    assert not _signed_in(author_browser)
    assert_one_row(
        AuditAction.suspend_user, people["moderator"], "user", author.id, "Sock puppets."
    )
    text = page_text(moderator_client.get(page_of(review)))
    assert f"{name} is suspended" in text and AUTHOR_EMAIL not in text


def test_suspension_rules(app, people):
    employer = people["employer"]
    moderator, admin = people["moderator"], people["admin"]
    other_moderator = UserFactory(role=Role.moderator, verified=True)
    by_moderator = ReviewFactory(author=other_moderator, employer_id=employer.id)
    by_admin = ReviewFactory(author=admin, employer_id=employer.id)

    def suspend(actor, target, reason="Abuse."):
        return act(
            client_as(app, actor),
            target,
            "suspend-author",
            {"pseudonym": pseudonym(target.author_id), "reason": reason},
        )

    refused = suspend(moderator, by_moderator)
    assert refused.status_code == 409 and "Only an admin" in page_text(refused)
    assert fresh(other_moderator).suspended_at is None
    mine = suspend(admin, by_admin)
    assert mine.status_code == 409 and "your own account" in page_text(mine)
    assert suspend(admin, by_moderator).status_code == 302
    assert fresh(other_moderator).suspended_at is not None
    # A stale page (the pseudonym shown isn't the review's author's) is refused.
    candidate_review = ReviewFactory(author=people["candidate"], employer_id=employer.id)
    stale = act(
        client_as(app, admin),
        candidate_review,
        "suspend-author",
        {"pseudonym": pseudonym(admin.id), "reason": "r"},
    )
    assert stale.status_code == 409 and "Reload" in page_text(stale)
    assert fresh(people["candidate"]).suspended_at is None


# --- who may act -------------------------------------------------------------------------------


def _every_action(review, flag, notice) -> list[tuple[str, dict]]:
    reason = {"reason": "Because."}
    return [
        ("publish", reason),
        ("hide", HIDE),
        ("restore", reason),
        ("redact", {"field": "narrative", "text": "Jane Doe", **reason}),
        ("clear-burst", reason),
        ("response/publish", reason),
        ("response/hide", HIDE),
        ("response/restore", reason),
        ("response/redact", {"text": "Thank", **reason}),
        (f"flags/{flag.id}/dismiss", reason),
        (f"notices/{notice.id}/action", reason),
        (f"notices/{notice.id}/reject", reason),
        ("suspend-author", {"pseudonym": pseudonym(review.author_id), **reason}),
    ]


@pytest.mark.parametrize("role", ["anonymous", "candidate", "representative"])
def test_only_moderators_reach_the_actions(app, people, review, role):
    """Employers cannot get a review removed (DESIGN.md §8): a representative can't get a review
    hidden without a moderator. Their flag
    stays a flag; every action they post is refused, and nothing changes."""
    make_response(review)
    user = None if role == "anonymous" else people[role]
    client = client_as(app, user)
    if role == "representative":
        flagged = post_form(
            client,
            f"/reviews/{review.public_id}/flag",
            {"reason": "false_or_misleading", "explanation": "This never happened."},
        )
        assert flagged.status_code == 302
    flag = db.session.scalar(select(Flag)) or make_flag(review=review, reporter=people["candidate"])
    notice = make_notice(review)
    token = csrf_token(client, "/sign-in" if user is None else "/account")  # valid here
    for action, data in _every_action(review, flag, notice):
        response = client.post(url(review, action), data={**data, "csrf_token": token})
        if role == "anonymous":
            assert response.status_code == 302, action
            assert "/sign-in" in response.headers["Location"]
        else:
            assert response.status_code == 403, action
    review = fresh(review)
    assert review.status is ReviewStatus.published and review.narrative == NARRATIVE
    assert fresh(flag).status is FlagStatus.open
    assert fresh(notice).status is NoticeStatus.open
    assert fresh(people["author"]).suspended_at is None
    assert audit_rows() == []


@pytest.mark.parametrize("role", ["moderator", "admin"])
def test_moderators_and_admins_can_act(app, people, review, role):
    client = client_as(app, people[role])
    assert act(client, review, "hide", HIDE).status_code == 302
    assert act(client, review, "restore", {"reason": "Back."}).status_code == 302
    assert [row.actor_id for row in audit_rows()] == [people[role].id] * 2


def test_no_moderator_acts_on_their_own_review_or_their_own_employer(app, people):
    employer = people["employer"]
    moderator = people["moderator"]
    own = ReviewFactory(author=moderator, employer_id=employer.id)
    client = client_as(app, moderator)
    refused = act(client, own, "hide", HIDE)
    assert refused.status_code == 409 and "your own review" in page_text(refused)
    RepresentativeFactory(user_id=moderator.id, employer_id=employer.id)
    other = ReviewFactory(author=people["candidate"], employer_id=employer.id)
    refused = act(client, other, "hide", HIDE)
    assert refused.status_code == 409 and "You represent this employer" in page_text(refused)
    assert fresh(other).status is ReviewStatus.published
    assert audit_rows() == []


def test_an_action_without_a_csrf_token_is_refused(app, people, review, moderator_client):
    response = moderator_client.post(url(review, "hide"), data=HIDE)
    assert response.status_code == 400
    assert fresh(review).status is ReviewStatus.published
    assert audit_rows() == []


def test_the_audit_log_cannot_be_rewritten(app, people, review, moderator_client):
    act(moderator_client, review, "hide", HIDE)
    (row,) = audit_rows()
    row.reason = "Something else."
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.get(AuditLog, row.id))
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.flush()
    db.session.rollback()
    assert db.session.scalar(select(func.count(AuditLog.id))) == 1


# --- claims decided by moderators are audited too ----------------------------------------------


def test_claim_decisions_and_revocations_write_audit_rows(app, people, outbox):
    employer = people["employer"]
    claimants = [UserFactory(verified=True) for _ in range(2)]
    claims = [
        ClaimFactory(
            awaiting=True,
            user_id=claimant.id,
            employer_id=employer.id,
            email=f"someone@{domain}",
            email_domain=domain,
        )
        for claimant, domain in zip(claimants, ("snorkel.example", "other.example"), strict=True)
    ]
    moderator = client_as(app, people["moderator"])
    post_form(moderator, f"/moderation/claims/{claims[0].id}/approve", page="/moderation/claims")
    post_form(
        moderator,
        f"/moderation/claims/{claims[1].id}/refuse",
        {"note": "Not the employer's domain."},
        page="/moderation/claims",
    )
    admin = client_as(app, people["admin"])
    representation = people["representation"]
    post_form(
        admin,
        f"/moderation/representatives/{representation.id}/revoke",
        page=f"/moderation/representatives?employer={employer.slug}",
    )
    rows = audit_rows()
    assert [(row.action, row.target_type, row.target_id) for row in rows] == [
        (AuditAction.approve_claim, "claim", claims[0].id),
        (AuditAction.refuse_claim, "claim", claims[1].id),
        (AuditAction.revoke_representative, "representative", representation.id),
    ]
    assert rows[0].details["domain"] == "snorkel.example"
    assert rows[1].reason == "Not the employer's domain."
    assert [row.actor_id for row in rows] == [people["moderator"].id] * 2 + [people["admin"].id]


def test_review_page_after_actions_never_shows_the_authors_email(
    app, people, review, moderator_client
):
    make_response(review)
    make_flag(review=review, reporter=people["candidate"])
    act(moderator_client, review, "hide", HIDE)
    act(moderator_client, review, "restore", {"reason": "ok"})
    act(moderator_client, review, "redact", {"field": "narrative", "text": "Jane", "reason": "r"})
    for path in (page_of(review), "/moderation"):
        body = page_text(moderator_client.get(path))
        for secret in (AUTHOR_EMAIL, FLAGGER_EMAIL, REP_EMAIL):
            assert secret not in body, (path, secret)
    assert db.session.scalar(select(func.count(Review.id))) == 1
