"""Dates as other programs write them: one normaliser for feeds, OPML, bookmark files and portfolio restores.

Every reader returns an aware UTC :class:`~datetime.datetime` or ``None`` (unknown), never a confident wrong
date:

- timestamps in seconds, milliseconds, microseconds or nanoseconds since 1970 (bookmark exporters use all
  four); ``0``, negative and implausible ones (before :data:`EARLIEST` or more than a day ahead) are unknown;
- RFC 822 dates (RSS ``pubDate``) with a numeric offset, a zone from RFC 822, or a common abbreviation that
  feedparser reads as UTC (``CEST``, ``BST``, ``JST``, ``AEST``, ...); an abbreviation that is unknown or
  ambiguous (``IST`` is India, Ireland or Israel) makes the date unknown rather than hours wrong;
- ISO 8601 / RFC 3339 dates (Atom, JSON Feed, portfolios); a date without a zone is read as UTC, as feed
  readers do.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_tz
from typing import TypeVar

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
          "SEP", "OCT", "NOV", "DEC", "AM", "PM"}
_ZONE_AT_END = re.compile(r"\s\(?([A-Za-z]{1,5})\)?\s*$")
_NUMERIC_ZONE = re.compile(r"[+-]\d{2}:?\d{2}")
# an offset after the time, as people write it: "+02:00", "GMT+2", "UTC+0530", "UT -4"
_OFFSET_AFTER_TIME = re.compile(r"(\d{1,2}:\d{2}(?::\d{2})?)\s*(?:GMT|UTC|UT)?\s*([+-])(\d{1,2})(?::?(\d{2}))?\s*$",
                                re.IGNORECASE)


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
    """True when ``text`` ends in a zone abbreviation this module doesn't read (so no reader should guess)."""
    match = _ZONE_AT_END.search(text)
    if not match or match.group(1).upper() in ZONES or match.group(1).upper() in _NAMES:
        return False
    return not _NUMERIC_ZONE.search(text[:match.start()].strip().rsplit(" ", 1)[-1])


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


def _rfc822(text: str) -> datetime | None:
    offset = ""  # the zone as +HH:MM when it was given by name
    numeric = _OFFSET_AFTER_TIME.search(text)
    if numeric:
        clock, sign, hours, minutes = numeric.groups()
        text = f"{text[:numeric.start()]}{clock} {sign}{int(hours):02d}{minutes or '00'}"
    match = _ZONE_AT_END.search(text)
    if match and match.group(1).upper() not in _NAMES:
        before = text[:match.start()].strip()
        if _NUMERIC_ZONE.search(before.rsplit(" ", 1)[-1]):  # "+0200 (CEST)": the number is the zone
            text = before
        elif match.group(1).upper() in ZONES:
            hours = ZONES[match.group(1).upper()]
            minutes = round(abs(hours) * 60)
            offset = f"{'-' if hours < 0 else '+'}{minutes // 60:02d}:{minutes % 60:02d}"
            text = f"{before} {offset.replace(':', '')}"
        else:
            return None  # an abbreviation we can't place: unknown beats hours wrong
    parts = parsedate_tz(text)
    if parts is None:
        if not offset:
            return None
        try:  # "2024-05-30 08:57:00 UTC": ISO with a zone name
            return plausible(datetime.fromisoformat(text.rsplit(" ", 1)[0] + offset))
        except ValueError:
            return None
    try:
        moment = datetime(*parts[:6], tzinfo=timezone(timedelta(seconds=parts[9] or 0)))
    except (ValueError, OverflowError):
        return None
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
