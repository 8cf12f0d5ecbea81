"""Numbers a page explains come from the rule that applies them, never from the template."""

from __future__ import annotations

import pytest

from extensions import db
from reviews.models import HoldReason, ReviewStatus
from templating import LIMITS, in_words
from tests.conftest import page_text
from tests.functional.test_moderation_queue import client_as, make_people, make_review


@pytest.mark.parametrize(
    ("number", "words"), [(0, "zero"), (3, "three"), (5, "five"), (10, "ten"), (11, "11")]
)
def test_small_counts_are_written_as_words(number, words):
    assert in_words(number) == words


def test_the_moderators_publish_hint_states_the_configured_window(app_factory):
    app = app_factory(REVIEW_PUBLISH_DELAY_MIN_HOURS=48, REVIEW_PUBLISH_DELAY_MAX_HOURS=96)
    people = make_people()
    review = make_review(people)
    review.status, review.hold_reason, review.publish_at = (
        ReviewStatus.held,
        HoldReason.link_spam,
        None,
    )
    db.session.commit()
    page = page_text(
        client_as(app, people["moderator"]).get(f"/moderation/reviews/{review.public_id}")
    )
    assert "random moment 2 to 4 days after it was written" in page
    assert "3 to 10 days" not in page


def test_the_review_form_states_the_small_employer_threshold(app, monkeypatch):
    """The role details hint follows the disclosure rule's threshold."""
    monkeypatch.setitem(LIMITS, "small_employer_reviews", 7)
    people = make_people()
    client = client_as(app, people["candidate"])
    page = page_text(client.get(f"/reviews/new?employer={people['employer'].slug}"))
    assert "once at least seven people have reviewed this employer" in page
