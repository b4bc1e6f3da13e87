"""People's names as the room sees them: printable, never a role's name in disguise, namesakes numbered.

A name is what a participant types when they join (and, outside a workshop, the backchannel's name box).
Rules here are pure functions used by the join page, the backchannel and the answer rules alike.
"""

from __future__ import annotations

import re
import unicodedata

from ..errors import InputError

#: The longest name shown to the room (a backchannel author), and the longest one may join with: the difference
#: leaves room for a namesake's number ("Alice (12)").
MAX_NAME = 60
MAX_JOIN_NAME = 50
#: Role names no participant may take: compared on a skeleton (letters only, look-alikes folded).
RESERVED = ("facilitator", "thefacilitator", "moderator", "admin", "administrator")
_NUMBERED = re.compile(r"\(\s*\d+\s*\)\s*$")
#: Letters from other scripts that look like Latin ones (Cyrillic, Greek, dotless i, barred l), and digits and
#: marks read as letters ("Faci1itat0r", "Faci|itator"), folded before comparing.
_LOOKALIKES = str.maketrans("аеорсухіјѕԁɑαεορτυνκιΑΒΕΖΗΙΚΜΝΟΡΤΥΧаᴀ" "ıɩǀłƚȷļḷŀ10|!",
                            "aeopcyxijsdaaeoptuvkiabezhikmnoptyxaa" "iillljlllloli")


def skeleton(name: str) -> str:
    """Letters only, compatibility-normalised, case-folded and with look-alike letters folded to Latin."""
    folded = unicodedata.normalize("NFKC", name).casefold().translate(_LOOKALIKES)
    return "".join(ch for ch in unicodedata.normalize("NFKD", folded) if ch.isalpha() and ch.isascii())


def is_reserved(name: str) -> bool:
    """True when ``name`` reads as a role's name ("Facilitator.", "Fаcilitator" with a Cyrillic а, ...)."""
    return skeleton(name) in RESERVED


def clean_name(name: object, *, most: int = MAX_NAME, whose: str = "your") -> str:
    """A name to show to the room, or :class:`InputError` saying what to change. ``whose`` is whose name the
    messages speak of: ``"your"`` (the person typing it) or ``"their"`` (a facilitator adding a participant)."""
    own = whose == "your"
    if not isinstance(name, str):
        raise InputError(f"Type {whose} name (up to {most} characters).")
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cs", "Zl", "Zp") for ch in name):
        raise InputError(f"{whose.capitalize()} name has invisible characters in it: type it again using letters "
                         "and spaces.")
    clean = " ".join(unicodedata.normalize("NFC", name).split())
    if not clean or len(clean) > most:
        raise InputError(f"Type {whose} name (up to {most} characters).")
    if is_reserved(clean):
        raise InputError("That name is kept for the facilitator: " + ("use your own name." if own else
                                                                     "type the participant's own name."))
    if _NUMBERED.search(clean):
        raise InputError("Names can't end with a number in brackets (the course adds those to tell namesakes "
                         f"apart): type just {whose} name.")
    return clean


def account_name(user: str) -> str:
    """How the room sees a sign-in account (a JupyterHub user name): an e-mail address by the part before "@",
    invisible characters dropped, spaces collapsed, at most :data:`MAX_NAME` characters (a longer one is cut and
    ends in "…"). An account that reads as a role's name ("facilitator") is marked as an account, so it never
    passes for the role. ``""`` stays ``""``.
    """
    shown = user.split("@", 1)[0] if "@" in user.strip("@") else user
    shown = "".join(ch for ch in unicodedata.normalize("NFC", shown)
                    if unicodedata.category(ch) not in ("Cc", "Cf", "Co", "Cs", "Zl", "Zp"))
    shown = " ".join(shown.split()) or " ".join(user.split())
    if is_reserved(shown):
        shown += " (account)"
    return shown if len(shown) <= MAX_NAME else shown[:MAX_NAME - 1].rstrip() + "…"


def unique_name(name: str, taken: list[str]) -> str:
    """``name``, or ``name (n)`` with the first free number when someone in ``taken`` already has it."""
    used = {t.casefold() for t in taken}
    if name.casefold() not in used:
        return name
    n = 2
    while f"{name} ({n})".casefold() in used:
        n += 1
    return f"{name} ({n})"


def numbered_from(name: str, taken: list[str]) -> str | None:
    """The name ``name`` was numbered from by :func:`unique_name` ("Dana" for "Dana (2)") when someone in
    ``taken`` has it, else None (``name`` is as typed: :func:`clean_name` refuses a typed number in brackets)."""
    head, sep, tail = name.rpartition(" (")
    if not sep or not tail.endswith(")") or not tail[:-1].isdigit() or int(tail[:-1]) < 2:
        return None
    return head if head.casefold() in {t.casefold() for t in taken} else None


def check_name(name: object, *, whose: str = "your") -> str:
    """A name to join a workshop with (at most :data:`MAX_JOIN_NAME` characters), or :class:`InputError` (its
    messages speak of ``whose`` name: see :func:`clean_name`)."""
    return clean_name(name, most=MAX_JOIN_NAME, whose=whose)
