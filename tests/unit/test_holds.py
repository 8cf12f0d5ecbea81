"""The automatic-hold detectors and the burst-cap arithmetic (DESIGN.md §8), as plain functions."""

from __future__ import annotations

import random

import pytest

from reviews.holds import (
    NEAR_DUPLICATE_MIN_WORDS,
    burst_cap,
    expected_reviews,
    folded,
    free_text,
    is_direction_burst,
    is_link_spam,
    is_near_duplicate,
    jaccard,
    required_words,
    shingles,
    shingles_of,
    spam_phrases,
    url_count,
    words,
)
from reviews.scrubber import Removal, scrub

# Distinct words, so that every run of three is a shingle of its own.
SHARED = (
    "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november"
).split()
TAIL_A = "oscar papa quebec romeo".split()
TAIL_B = "sierra tango uniform victor".split()


def text(*parts: list[str]) -> str:
    return " ".join(word for part in parts for word in part)


# --- words and shingles ------------------------------------------------------------------------


def test_words_are_lowercased_without_punctuation():
    assert words("Don't WAIT -- they'll ghost you, (really)!") == [
        "dont",
        "wait",
        "theyll",
        "ghost",
        "you",
        "really",
    ]
    assert words("") == [] and words(None) == []
    assert words("It\u2019s a \u201cwork_sample\u201d\u2014two hours\u2026") == [
        "its",
        "a",
        "work",
        "sample",
        "two",
        "hours",
    ]


def test_shingles_are_runs_of_three_words():
    twelve = text(SHARED[:12])
    found = shingles(twelve)
    assert len(found) == 10
    assert ("alpha", "bravo", "charlie") in found
    assert ("juliet", "kilo", "lima") in found
    # Punctuation and case don't make a new shingle.
    assert shingles(twelve.upper().replace(" ", ", ")) == found


def test_short_texts_have_no_shingles_and_are_never_duplicates():
    eleven = text(SHARED[: NEAR_DUPLICATE_MIN_WORDS - 1])
    assert shingles(eleven) == frozenset()
    assert not is_near_duplicate(shingles(eleven), shingles(eleven))
    twelve = text(SHARED[:NEAR_DUPLICATE_MIN_WORDS])
    assert is_near_duplicate(shingles(twelve), shingles(twelve))


# --- Jaccard -----------------------------------------------------------------------------------


def test_jaccard_by_hand():
    a = frozenset({("a", "b", "c"), ("b", "c", "d"), ("c", "d", "e")})
    b = frozenset({("b", "c", "d"), ("c", "d", "e"), ("d", "e", "f")})
    assert jaccard(a, b) == 2 / 4
    assert jaccard(a, a) == 1.0
    assert jaccard(a, frozenset()) == 0.0


def test_exactly_point_six_is_not_a_near_duplicate():
    # 14 shared words give 12 shared shingles; 4 more words on each side give 4 shingles each
    # (two of them straddle the join): 12 / (12 + 4 + 4) = 0.6 exactly.
    a = shingles(text(SHARED, TAIL_A))
    b = shingles(text(SHARED, TAIL_B))
    assert (len(a), len(b), len(a & b)) == (16, 16, 12)
    assert jaccard(a, b) == 0.6
    assert not is_near_duplicate(a, b)


def test_just_above_point_six_is_a_near_duplicate():
    # One word fewer on one side: 12 / (12 + 4 + 3) = 0.63.
    a = shingles(text(SHARED, TAIL_A))
    b = shingles(text(SHARED, TAIL_B[:3]))
    assert jaccard(a, b) == 12 / 19
    assert is_near_duplicate(a, b)


def test_near_duplicate_agrees_with_jaccard_on_random_sets():
    rng = random.Random(6)
    for _ in range(2000):
        a = frozenset(rng.sample(range(40), rng.randint(1, 30)))
        b = frozenset(rng.sample(range(40), rng.randint(1, 30)))
        assert is_near_duplicate(a, b) == (jaccard(a, b) > 0.6)


def test_a_lightly_edited_copy_is_a_near_duplicate_and_a_different_story_is_not():
    original = (
        "Had a phone screen and then a two hour technical interview with the team. They said "
        "I would hear back within a week. I followed up twice and never heard anything again."
    )
    copied = original.replace("two hour", "three hour").replace("twice", "three times")
    different = (
        "Applied online for a data role. The recruiter called the next day, the interview was "
        "well organised and they sent a rejection with specific feedback within five days."
    )
    assert is_near_duplicate(shingles(original), shingles(copied))
    assert not is_near_duplicate(shingles(original), shingles(different))


def test_every_near_duplicate_has_a_required_word():
    """The prefilter never skips a real near-duplicate: random edits of random texts."""
    rng = random.Random(8)
    vocabulary = [f"w{i}" * rng.randint(1, 4) for i in range(60)]
    checked = 0
    for _ in range(3000):
        original = [rng.choice(vocabulary) for _ in range(rng.randint(12, 60))]
        edited = list(original)
        for _ in range(rng.randint(0, 6)):
            position = rng.randrange(len(edited))
            if rng.random() < 0.5:
                edited[position] = rng.choice(vocabulary)
            else:
                del edited[position]
        mine = shingles_of(original)
        theirs = shingles_of(edited)
        if is_near_duplicate(mine, theirs):
            checked += 1
            needed = required_words(original, mine)
            assert any(word in folded(" ".join(edited)) for word in needed)
    assert checked > 500


def test_required_words_cover_forty_percent_of_the_shingles():
    found = words(text(SHARED, TAIL_A))
    mine = shingles_of(found)
    needed = required_words(found, mine)
    covered = {shingle for shingle in mine if set(shingle) & set(needed)}
    assert len(covered) >= 0.4 * len(mine)
    assert len(needed) < len(set(found))  # not every word: most texts are skipped unread


def test_free_text_joins_narrative_and_advice():
    assert free_text("story", "advice") == "story\nadvice"
    assert free_text(None, "advice") == "advice"
    assert free_text(None, None) == ""


# --- link spam ---------------------------------------------------------------------------------


def test_two_removed_links_are_link_spam_and_one_is_not():
    two = scrub("Great place! See https://cheap-jobs.example/offer and www.deals.example/now")
    one = scrub("They sent me to https://careers.example/apply and never replied.")
    assert url_count({"narrative": two.removals}) == 2
    assert is_link_spam([two.text], {"narrative": two.removals})
    assert not is_link_spam([one.text], {"narrative": one.removals})


def test_links_are_counted_over_every_field_and_other_removals_are_not():
    removals = {
        "narrative": (Removal("url", "a.example/x"), Removal("email", "hr@a.example")),
        "advice": (Removal("url", "b.example/y"),),
    }
    assert url_count(removals) == 2
    assert url_count({"narrative": (Removal("email", "x@y.example"),) * 3}) == 0


@pytest.mark.parametrize(
    "spam",
    [
        "Use PROMO CODE heardback10 for a discount",
        "buy\nnow before it is gone",
        "The best online casino with free spins",
        "Join our crypto giveaway today",
        "Guaranteed returns every week",
    ],
)
def test_spam_phrases_hold(spam):
    assert spam_phrases(spam)
    assert is_link_spam([spam], {})


@pytest.mark.parametrize(
    "honest",
    [
        "I interviewed at a crypto exchange for a backend role and they ghosted me.",
        "The casino's HR team never called back after the second interview.",
        "They asked me to buy a new laptop for the assignment, now that I think of it.",
        "The recruiter said to use the code from the email to book a slot.",
        "Promotion prospects were discussed in the final round.",
    ],
)
def test_industry_words_alone_are_not_spam(honest):
    assert spam_phrases(honest) == []
    assert not is_link_spam([honest], {})


# --- direction burst ---------------------------------------------------------------------------


def test_fewer_than_three_reviews_are_never_a_burst():
    assert not is_direction_burst([1.0, 1.0], 0.2, 0.01, 0.09)


def test_a_window_far_from_the_estimate_is_a_burst():
    # SD = sqrt(0.05^2 + 0.03/3) = sqrt(0.0125) = 0.112; 2 SD = 0.224.
    assert is_direction_burst([1.0, 1.0, 1.0], 0.5, 0.05, 0.03)
    assert is_direction_burst([0.0, 0.0, 0.0], 0.5, 0.05, 0.03)
    assert not is_direction_burst([0.7, 0.7, 0.7], 0.5, 0.05, 0.03)  # 0.2 away
    assert not is_direction_burst([1.0, 0.0, 0.6], 0.5, 0.05, 0.03)


def test_the_windows_own_spread_counts_at_a_large_employer():
    # A large employer's estimate is precise (SD 1.3 points); fourteen honest reviews 6 points
    # off its score are ordinary sampling noise (their mean varies by about 8 points), not a
    # burst. Fourteen reviews 40 points off are.
    honest = [0.56] * 14
    assert not is_direction_burst(honest, 0.5, 0.013, 0.09)
    assert is_direction_burst([0.9] * 14, 0.5, 0.013, 0.09)


# --- burst cap ---------------------------------------------------------------------------------


def test_expected_is_the_last_years_reviews_scaled_to_fourteen_days():
    assert expected_reviews(0) == 0
    assert expected_reviews(365) == 14
    assert expected_reviews(73) == pytest.approx(2.8)


@pytest.mark.parametrize(
    ("reviews_last_year", "cap"),
    [
        (0, 3),  # expected 0: the floor
        (1, 3),  # ceil(0.077) = 1, floor 3
        (39, 3),  # 2 x 1.496 = 2.99 -> 3
        (40, 4),  # 2 x 1.534 = 3.07 -> rounds up to 4
        (73, 6),  # expected 2.8 -> ceil(5.6) = 6
        (365, 28),  # expected 14 -> exactly 28, not 29
        (366, 29),  # 28.08 -> 29
        (730, 56),
    ],
)
def test_burst_cap_arithmetic(reviews_last_year, cap):
    assert burst_cap(reviews_last_year) == cap
