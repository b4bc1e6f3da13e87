"""How the course words counts, dates and times, reads numbers typed as text, and escapes text for markup: one
rule for each, used on every page, chart and file.

Pure functions: nothing here touches a widget, a file or the database.
"""

from __future__ import annotations

import html
import math
import re
from datetime import datetime

from ..errors import InputError

_WORD = re.compile(r"\S+")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")


#: Plurals the ``+s`` rule gets wrong, by the noun's last word.
IRREGULAR = {"person": "people", "community": "communities", "activity": "activities"}


def plural(n: int, noun: str, plural_form: str | None = None) -> str:
    """``1 exercise``, ``2 exercises``, ``1,200 bookmarks``, ``3 more people``: the course's one way to word a count.

    ``noun`` is singular and may be a phrase (its last word is made plural). Irregular nouns the course uses are in
    :data:`IRREGULAR`; ``plural_form`` gives any other noun's plural in full.
    """
    if n == 1:
        return f"{n:,} {noun}"
    if plural_form is None:
        head, _, last = noun.rpartition(" ")
        plural_form = f"{head} {IRREGULAR[last]}" if head and last in IRREGULAR else IRREGULAR.get(noun, f"{noun}s")
    return f"{n:,} {plural_form}"


def parse_number(text: object, what: str, *, whole: bool = False, lowest: float | None = None,
                 highest: float | None = None) -> float:
    """The number in ``text`` (what a learner typed into a number field), checked against its range.

    ``what`` names the field in the message (``"hours a week"``). ``whole=True`` accepts whole numbers only.
    A blank field is 0. Raises :class:`InputError` with a sentence the learner can act on: ``"ten"`` is not a
    number, ``-3`` is below ``lowest`` (when given), ``2.5`` is not whole. Returns a ``float`` (an ``int`` value when
    ``whole``).
    """
    if isinstance(text, bool):
        raise InputError(f"The {what} must be a number.")
    if isinstance(text, (int, float)):
        value = float(text)
        shown = str(text)
    elif isinstance(text, str):
        shown = " ".join(text.split())[:40]
        cleaned = shown.replace(",", "") if re.fullmatch(r"[\d,]+(\.\d*)?", shown) else shown
        if not cleaned:
            return 0
        if not _NUMBER.fullmatch(cleaned):
            example = "3" if whole else "2.5"
            raise InputError(f"The {what} must be a number: “{shown}” isn't one. Type it in digits, such as "
                             f"{example}.")
        value = float(cleaned)
    else:
        raise InputError(f"The {what} must be a number.")
    if not math.isfinite(value):
        raise InputError(f"The {what} must be an ordinary number.")
    if whole and value != int(value):
        raise InputError(f"The {what} must be a whole number: “{shown}” isn't one.")
    if lowest is not None and value < lowest:
        raise InputError(f"The {what} can't be less than {lowest:g}.")
    if highest is not None and value > highest:
        raise InputError(f"The {what} can't be more than {highest:g}.")
    return int(value) if whole else value


def esc(text: object) -> str:
    """HTML-escape anything (learner or feed text) before it goes into markup."""
    return html.escape(str(text), quote=True)


def word_count(text: str) -> int:
    """Words as a reader counts them: runs of non-space characters."""
    return len(_WORD.findall(text))


def clock(moment: datetime) -> str:
    """A local wall-clock time such as ``14:02``."""
    return moment.astimezone().strftime("%H:%M")


def day(moment: datetime) -> str:
    """A local date such as ``28 Nov 2026`` (the course's one date format, with :func:`day_and_clock`)."""
    local = moment.astimezone()
    return f"{local.day} {local:%b %Y}"


def day_and_clock(moment: datetime) -> str:
    """A local date and time such as ``28 Nov 2026, 14:02``."""
    local = moment.astimezone()
    return f"{local.day} {local:%b %Y, %H:%M}"


def short_day_and_clock(moment: datetime, now: datetime | None = None) -> str:
    """:func:`day_and_clock` without the year when ``moment`` falls in the local year of ``now`` (default: the
    current time), as a mail client lists its messages: ``28 Nov, 14:02``, but ``28 Nov 2025, 14:02``. For lists
    that must fit a phone's width (a reflection's saved versions)."""
    local = moment.astimezone()
    if local.year != (now or datetime.now(local.tzinfo)).astimezone().year:
        return day_and_clock(moment)
    return f"{local.day} {local:%b, %H:%M}"
