"""One plural rule and one way to read a number a learner typed."""

from __future__ import annotations

import pytest

from plnkit.errors import InputError
from plnkit.rules.text import parse_number, plural


def test_plural_counts_one_and_many() -> None:
    assert plural(1, "exercise") == "1 exercise"
    assert plural(2, "exercise") == "2 exercises"
    assert plural(0, "feed") == "0 feeds"
    assert plural(1_200, "bookmark") == "1,200 bookmarks"
    assert plural(3, "person", "people") == "3 people"


@pytest.mark.parametrize("typed,number", [("14", 14), (" 2.5 ", 2.5), ("", 0), ("1,200", 1200), (".5", 0.5),
                                          (7, 7)])
def test_numbers_typed_in_digits_are_read(typed: object, number: float) -> None:
    assert parse_number(typed, "hours a week") == number


@pytest.mark.parametrize("typed,words", [
    ("ten", "The hours a week must be a number: “ten” isn't one. Type it in digits, such as 2.5."),
    ("1e400", "“1e400” isn't one"),
    ("nan", "“nan” isn't one"),
    (True, "must be a number"),
    (None, "must be a number"),
])
def test_anything_else_says_so(typed: object, words: str) -> None:
    with pytest.raises(InputError, match=words.replace(".", r"\.")):
        parse_number(typed, "hours a week")


def test_whole_numbers_and_ranges() -> None:
    assert parse_number("3", "spaces", whole=True) == 3
    with pytest.raises(InputError, match="must be a whole number"):
        parse_number("2.5", "spaces", whole=True)
    with pytest.raises(InputError, match="can't be less than 0"):
        parse_number("-1", "spaces", lowest=0)
    with pytest.raises(InputError, match="can't be more than 168"):
        parse_number("200", "hours", highest=168)
