"""Module 01's rules: reading the benefit self-rating."""

from __future__ import annotations

import pytest

from plnkit.content import BENEFITS
from plnkit.errors import InputError
from plnkit.rules.benefits import changes, check_ratings, profile_summary

KEYS = [b.key for b in BENEFITS]


def rated(*values: int) -> dict[str, int]:
    return dict(zip(KEYS, values, strict=True))


def test_the_two_strongest_and_two_weakest_are_named_in_plain_words() -> None:
    p = profile_summary(rated(2, 5, 3, 1, 4, 2, 3))
    assert [b.key for b in p.strongest] == ["connected", "confident"]
    assert [b.key for b in p.weakest] == ["model", "aware"]
    assert p.summary.startswith("Your strongest areas are “connected” and “confident”.")
    assert "“a model for students” and “more aware”" in p.summary


def test_ties_keep_the_seeds_order() -> None:
    p = profile_summary(rated(4, 4, 4, 2, 2, 2, 3))
    assert [b.key for b in p.strongest] == ["aware", "connected"]
    assert [b.key for b in p.weakest] == ["model", "confident"]


def test_an_area_is_never_both_strongest_and_weakest() -> None:
    p = profile_summary(rated(5, 1, 1, 1, 1, 1, 1))
    assert [b.key for b in p.strongest] == ["aware"] and [b.key for b in p.weakest] == ["connected", "empowered"]
    assert p.summary.startswith("Your strongest area is “more aware”.")


@pytest.mark.parametrize("level", [1, 3, 5])
def test_all_the_same_rating_says_nothing_stands_out(level: int) -> None:
    p = profile_summary(rated(*[level] * 7))
    assert p.flat and not p.strongest and not p.weakest
    assert f"You rated every statement {level}" in p.summary


@pytest.mark.parametrize("bad,words", [
    ({"aware": 3}, "not rated yet"),
    ({**rated(3, 3, 3, 3, 3, 3, 3), "aware": 6}, "1 to 5"),
    ({**rated(3, 3, 3, 3, 3, 3, 3), "aware": 0}, "1 to 5"),
    ({**rated(3, 3, 3, 3, 3, 3, 3), "aware": "5"}, "1 to 5"),
    ({**rated(3, 3, 3, 3, 3, 3, 3), "aware": True}, "1 to 5"),
    ({**rated(3, 3, 3, 3, 3, 3, 3), "<script>": 3}, "doesn't have"),
])
def test_bad_ratings_get_a_clear_message(bad: dict[str, object], words: str) -> None:
    with pytest.raises(InputError, match=words):
        check_ratings(bad)


def test_changes_list_what_moved_biggest_first() -> None:
    before, after = rated(1, 2, 3, 3, 3, 3, 3), rated(2, 5, 3, 3, 3, 3, 3)
    assert changes(before, after) == ["Connected: 2 → 5 (up 3)", "More aware: 1 → 2 (up 1)"]
    assert changes(after, after) == ["Your ratings are the same as last time."]
