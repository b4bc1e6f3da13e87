"""One plural rule and one way to read a number a learner typed."""

from __future__ import annotations

import re
import tokenize
from datetime import datetime
from pathlib import Path

import pytest

from plnkit.errors import InputError
from plnkit.rules.text import parse_number, plural, short_day_and_clock

PACKAGE = Path(__file__).resolve().parent.parent / "plnkit"


def test_plural_counts_one_and_many() -> None:
    assert plural(1, "exercise") == "1 exercise"
    assert plural(2, "exercise") == "2 exercises"
    assert plural(0, "feed") == "0 feeds"
    assert plural(1_200, "bookmark") == "1,200 bookmarks"
    assert plural(3, "person", "people") == "3 people"
    assert plural(3, "person") == plural(3, "person", "people")  # the course's irregular nouns are known
    assert plural(2, "community") == "2 communities"
    assert plural(1, "more person") == "1 more person"
    assert plural(4, "more person") == "4 more people"  # a phrase: its last word is made plural


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


#: Ways a plural gets written by hand: ``f"{n} item{'s' if n != 1 else ''}"``, ``noun + "s"``,
#: ``f"{n} thing" if n == 1 else f"{n} things"``; and, inside a string, ``file(s)``.
HAND_WRITTEN_PLURALS = re.compile(r"""['"]s['"]\s+if\b|\+\s*['"]s['"]|== 1 else f['"]""")
MAYBE_PLURAL = re.compile(r"(?<!http)\(s\)")


def hand_written_plurals(path: Path) -> list[tuple[int, str]]:
    """(line number, line) for each hand-written plural in a module."""
    lines = path.read_text(encoding="utf-8").splitlines()
    found = {number for number, line in enumerate(lines, 1) if HAND_WRITTEN_PLURALS.search(line)}
    with path.open("rb") as source:
        found |= {token.start[0] for token in tokenize.tokenize(source.readline)
                  if token.type == tokenize.STRING and MAYBE_PLURAL.search(token.string)}
    return [(n, lines[n - 1].strip()) for n in sorted(found)]


def test_every_count_is_worded_by_the_one_plural_helper() -> None:
    helper = PACKAGE / "rules" / "text.py"
    found = [f"{path.relative_to(PACKAGE.parent)}:{n}: {line}" for path in sorted(PACKAGE.rglob("*.py"))
             if path != helper for n, line in hand_written_plurals(path)]
    assert found == [], "use plnkit.rules.text.plural:\n" + "\n".join(found)


def test_the_plural_check_finds_each_hand_written_form(tmp_path: Path) -> None:
    module = tmp_path / "counts.py"
    module.write_text("a = f\"{n} feed{'s' if n != 1 else ''}\"\nb = noun + 's'\nc = 'Saved file(s)'\n"
                      "d = f'{n} tool' if n == 1 else f'{n} tools'\ne = [len(s) for s in 'ab']  # not a plural\n"
                      "f = 'an http(s) address'\n", encoding="utf-8")
    assert [n for n, _line in hand_written_plurals(module)] == [1, 2, 3, 4]


def test_a_date_in_a_list_that_must_fit_a_phone_leaves_out_only_this_years_year() -> None:
    saved = datetime(2026, 12, 3, 14, 2).astimezone()  # 14:02 on this computer's clock
    assert short_day_and_clock(saved, now=datetime(2026, 12, 31, 9, 0).astimezone()) == "3 Dec, 14:02"
    assert short_day_and_clock(saved, now=datetime(2027, 1, 2, 9, 0).astimezone()) == "3 Dec 2026, 14:02"
