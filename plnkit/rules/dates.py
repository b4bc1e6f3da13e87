"""Dates as other programs write them: one normaliser for feeds, OPML, bookmark files and portfolio restores.

Every reader returns an aware UTC :class:`~datetime.datetime` or ``None`` (unknown), never a confident wrong
date:

- timestamps in seconds, milliseconds, microseconds or nanoseconds since 1970 (bookmark exporters use all
  four); ``0``, negative and implausible ones (before :data:`EARLIEST` or more than a day ahead) are unknown;
- RFC 822 dates (RSS ``pubDate``) and their relatives (Java's ``Thu May 30 08:57:00 CEST 2024``, a 12-hour
  clock with ``AM``/``PM``) with a numeric offset, a zone from RFC 822, a common abbreviation that feedparser
  reads as UTC (``CEST``, ``BST``, ``JST``, ``AEST``, ...) or a time zone database name (``Europe/Berlin``),
  wherever the zone stands; an abbreviation that is unknown or ambiguous (``IST`` is India, Ireland or Israel)
  or a ``Region/City`` the database lacks makes the date unknown rather than hours wrong;
- ISO 8601 / RFC 3339 dates (Atom, JSON Feed, portfolios); a date without a zone is read as UTC, as feed
  readers do.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, timezone, tzinfo
from email.utils import parsedate_tz
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

T = TypeVar("T")

#: Nothing on the web is older than the web: earlier dates are an exporter's placeholder (0, 1, -1).
EARLIEST = datetime(1991, 1, 1, tzinfo=timezone.utc)
#: Clocks and time zones drift: a date up to this far ahead is kept (as now), beyond it is unknown.
LEEWAY = timedelta(days=1)

#: Zone abbreviations, in hours east of UTC: RFC 822's own and the ones feeds use that feedparser doesn't know.
ZONES: dict[str, float] = {
    "UT": 0, "UTC": 0, "GMT": 0, "Z": 0, "WET": 0,
    "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7,
    "AKST": -9, "AKDT": -8, "HST": -10, "AST": -4, "ADT": -3, "NST": -3.5, "NDT": -2.5,
    "BST": 1, "WEST": 1, "CET": 1, "MET": 1, "MEZ": 1, "CEST": 2, "MEST": 2, "MESZ": 2, "EET": 2, "EEST": 3,
    "MSK": 3, "HKT": 8, "SGT": 8, "AWST": 8, "JST": 9, "KST": 9, "ACST": 9.5, "ACDT": 10.5, "AEST": 10,
    "AEDT": 11, "NZST": 12, "NZDT": 13,
}
_NAMES = {"MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN", "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG",
          "SEP", "OCT", "NOV", "DEC", "MARCH", "APRIL", "JUNE", "JULY", "SEPT", "AM", "PM"}
# a word standing alone (not "30-May-24", not "30th", not the "T" in ISO dates), perhaps in brackets: "(CEST)"
_WORD = re.compile(r"(?<![\w/+-])\(?([A-Za-z]{1,5})\)?(?![\w/])")
# an IANA zone name: "Europe/Berlin", "America/Argentina/Buenos_Aires", "Etc/GMT+2"
_REGION = re.compile(r"(?<![\w/])\(?([A-Za-z][\w.+-]*(?:/[\w.+-]+)+)\)?(?![\w/])")
# a numeric offset standing alone or right after the clock: "+0200", "08:57:00+02:00" (not "2024-05-30")
_NUMERIC_ZONE = re.compile(r"(?:(?<=:\d\d)|(?<![\w:-]))[+-]\d{2}:?\d{2}(?!\d)")
# an offset after the time, as people write it: "+02:00", "GMT+2", "UTC+0530", "UT -4"
_OFFSET_AFTER_TIME = re.compile(r"(\d{1,2}:\d{2}(?::\d{2})?)\s*(?:GMT|UTC|UT)?\s*([+-])(\d{1,2})(?::?(\d{2}))?\s*$",
                                re.IGNORECASE)
# a 12-hour clock: "8:57:00 PM", "8:57 p.m."
_TWELVE_HOUR = re.compile(r"(?<![\d:])(\d{1,2})(:\d{2}(?::\d{2})?)\s*([AaPp])\.?[Mm](?:\.|(?![\w/]))")
#: What :func:`_zone` returns for a zone named but not placeable.
_UNPLACED = object()


def plausible(moment: datetime | None, *, earliest: datetime = EARLIEST, now: datetime | None = None
              ) -> datetime | None:
    """``moment`` in UTC when it lies between ``earliest`` and a day from now (a little ahead becomes now)."""
    if moment is None:
        return None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    now = now or datetime.now(timezone.utc)
    if not earliest <= moment <= now + LEEWAY:
        return None
    return min(moment, now).astimezone(timezone.utc)


def from_timestamp(value: object) -> datetime | None:
    """A Unix timestamp (int, float or digits; s, ms, µs or ns) as a UTC datetime, or ``None`` when unknown."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = value.strip()
        if not re.fullmatch(r"\d{1,20}(\.\d{0,9})?", value):
            return None
    try:
        stamp = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    if not stamp > 0:  # 0, negative, NaN
        return None
    while stamp > 1e11:  # milliseconds (JavaScript), microseconds (Firefox), nanoseconds
        stamp /= 1000
    try:
        return plausible(datetime.fromtimestamp(stamp, tz=timezone.utc))
    except (OverflowError, OSError, ValueError):
        return None


def unknown_zone(text: str) -> bool:
    """True when ``text`` names a zone this module can't place, wherever it stands (so no reader should guess): an
    abbreviation in capitals it doesn't know or that is ambiguous, or a ``Region/City`` the zone database lacks."""
    text = " ".join(text.split())
    text = _clock(text) or text
    if _zone(text) is not _UNPLACED:
        return False
    return bool(_REGION.search(text)) or any(w.group(1).isupper() for w in _words(text))


def parse_date(text: object) -> datetime | None:
    """A date from a feed, file or form (see the module docstring) in UTC, or ``None`` when unknown."""
    if isinstance(text, (int, float)):
        return from_timestamp(text)
    if not isinstance(text, str) or not text.strip() or len(text) > 100:
        return None
    text = " ".join(text.split())
    if text.replace(".", "", 1).isdigit():
        return from_timestamp(text)
    try:
        return plausible(datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00")))
    except ValueError:
        pass
    return _rfc822(text)


def _words(text: str) -> list[re.Match[str]]:
    """The words in a date that are not day or month names (so should be zones)."""
    return [w for w in _WORD.finditer(text) if w.group(1).upper() not in _NAMES]


def _clock(text: str) -> str | None:
    """``text`` with its 12-hour clock as 24-hour (``8:57 PM`` -> ``20:57``); ``None`` for ``13:00 PM``."""
    match = _TWELVE_HOUR.search(text)
    if not match:
        return text
    hour, rest, half = int(match.group(1)), match.group(2), match.group(3).upper()
    if not 1 <= hour <= 12:
        return None
    hour = hour % 12 + (12 if half == "P" else 0)
    return f"{text[:match.start()]}{hour:02d}{rest}{text[match.end():]}"


def _zone(text: str) -> tuple[tzinfo | None, str] | object:
    """The zone ``text`` names wherever it stands, and ``text`` without it: ``(None, text)`` when it names none or
    has a numeric offset (then names are comments: ``+0200 (CEST)``), :data:`_UNPLACED` when it can't be placed."""
    numeric = _NUMERIC_ZONE.search(text)
    zone: tzinfo | None = None
    region = _REGION.search(text)
    if region:
        if not numeric:
            try:
                zone = ZoneInfo(region.group(1))
            except (ZoneInfoNotFoundError, ValueError, OSError):
                return _UNPLACED
        text = f"{text[:region.start()]} {text[region.end():]}"
    words = _words(text)
    for word in reversed(words):
        text = f"{text[:word.start()]} {text[word.end():]}"
    text = " ".join(text.split())
    if numeric or zone is not None:
        return zone, text
    offsets = {ZONES.get(w.group(1).upper()) for w in words}
    if None in offsets or len(offsets) > 1:  # unknown, ambiguous (IST) or contradictory: unknown beats hours wrong
        return _UNPLACED
    if offsets:
        zone = timezone(timedelta(hours=offsets.pop() or 0))
    return zone, text


def _rfc822(text: str) -> datetime | None:
    numeric = _OFFSET_AFTER_TIME.search(text)
    if numeric:
        clock, sign, hours, minutes = numeric.groups()
        text = f"{text[:numeric.start()]}{clock} {sign}{int(hours):02d}{minutes or '00'}"
    clocked = _clock(text)
    found = _zone(clocked) if clocked is not None else _UNPLACED
    if not isinstance(found, tuple):
        return None
    zone, text = found
    naive = not _NUMERIC_ZONE.search(text)  # read in ``zone`` (UTC when none is named)
    parts = parsedate_tz(f"{text} +0000" if naive else text)  # some forms parse only with a zone after the clock
    try:
        if parts is None:  # "2024-05-30 08:57:00 CEST": ISO with a zone name
            moment = datetime.fromisoformat(text)
        else:
            moment = datetime(*parts[:6], tzinfo=None if naive else timezone(timedelta(seconds=parts[9] or 0)))
    except (ValueError, OverflowError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone or timezone.utc)
    return plausible(moment)


def keep_newest(items: Sequence[T], when: Callable[[T], datetime | None], limit: int) -> list[T]:
    """At most ``limit`` of ``items``: the newest by ``when``, in their original order.

    Undated items count as older than every dated one and keep their order among themselves (so a feed without
    dates keeps its first ``limit`` entries, as feeds list newest first).
    """
    if len(items) <= limit:
        return list(items)
    oldest = datetime.min.replace(tzinfo=timezone.utc)
    stamps = [when(item) for item in items]
    ranked = sorted(range(len(items)), key=lambda i: (stamps[i] is not None, stamps[i] or oldest), reverse=True)
    return [items[i] for i in sorted(ranked[:limit])]
