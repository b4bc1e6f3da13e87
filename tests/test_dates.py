"""The one date normaliser (plnkit.rules.dates): zones read wherever a program writes them, or the date is unknown.

Dates are checked through :func:`parse_date` and through a feed (:func:`plnkit.formats.feeds.parse_feed`), where
feedparser's own reading of the same text would be 08:57 UTC, confidently wrong."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from plnkit.formats.feeds import parse_feed
from plnkit.rules.dates import parse_date, unknown_zone

UTC = timezone.utc
AT_0657 = datetime(2024, 5, 30, 6, 57, tzinfo=UTC)  # 08:57 in Berlin's summer

ZONES_ANYWHERE = [
    ("Thu May 30 08:57:00 CEST 2024", AT_0657),  # Java's Date.toString
    ("Thu, 30 May 2024 8:57:00 AM CEST", AT_0657),
    ("Thu, 30 May 2024 8:57:00 PM CEST", datetime(2024, 5, 30, 18, 57, tzinfo=UTC)),
    ("Thu, 30 May 2024 12:30 a.m. EDT", datetime(2024, 5, 30, 4, 30, tzinfo=UTC)),
    ("Thu, 30 May 2024 08:57:00 Europe/Berlin", AT_0657),
    ("Tue, 30 Jan 2024 08:57:00 Europe/Berlin", datetime(2024, 1, 30, 7, 57, tzinfo=UTC)),  # winter: +01:00
    ("Thu, 30 May 2024 08:57:00 (Europe/Berlin)", AT_0657),
    ("2024-05-30 08:57:00 Europe/Berlin", AT_0657),
    ("Thu, 30 May 2024 08:57:00 America/New_York", datetime(2024, 5, 30, 12, 57, tzinfo=UTC)),
    ("Thu May 30 08:57:00 UTC 2024", datetime(2024, 5, 30, 8, 57, tzinfo=UTC)),
    ("Thu, 30 May 2024 08:57:00 +0200 (Europe/Berlin)", AT_0657),  # the number is the zone, the name a comment
    ("2024-05-30 8:57 PM", datetime(2024, 5, 30, 20, 57, tzinfo=UTC)),
]
UNPLACEABLE = [
    "Thu May 30 08:57:00 IST 2024",  # India, Ireland or Israel
    "Thu May 30 08:57:00 XYZ 2024",
    "Thu, 30 May 2024 08:57:00 Mars/Olympus",
    "Thu, 30 May 2024 08:57:00 Etc/../passwd",
    "Thu, 30 May 2024 08:57:00 CEST EST",  # two zones that disagree
]


@pytest.mark.parametrize("text,expected", ZONES_ANYWHERE)
def test_a_zone_is_read_wherever_it_stands(text: str, expected: datetime) -> None:
    assert parse_date(text) == expected
    assert not unknown_zone(text)


@pytest.mark.parametrize("text", UNPLACEABLE)
def test_a_zone_nobody_can_place_makes_the_date_unknown(text: str) -> None:
    assert parse_date(text) is None
    assert unknown_zone(text)


def test_an_impossible_twelve_hour_clock_is_not_a_date() -> None:
    assert parse_date("Thu, 30 May 2024 13:30 PM") is None


def _rss(date: str) -> bytes:
    return (f"<rss version='2.0'><channel><title>T</title><link>https://example.org/</link><item><title>A</title>"
            f"<link>https://example.org/a</link><pubDate>{date}</pubDate></item></channel></rss>").encode()


@pytest.mark.parametrize("text,expected", ZONES_ANYWHERE + [(text, None) for text in UNPLACEABLE])
def test_a_feed_dated_with_a_zone_anywhere_is_read_right_or_undated(text: str, expected: datetime | None) -> None:
    assert parse_feed(_rss(text), "https://example.org/feed").entries[0].published == expected
