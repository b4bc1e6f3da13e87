"""Live RSS, Atom and JSON feeds, read and cleaned before anyone sees them.

``parse_feed(body, url)`` parses fetched bytes with feedparser (never a user's string: feedparser would read
local files) and sanitizes every summary with an allowlist (:mod:`plnkit.formats._clean`); the bytes come from
:func:`plnkit.services.feedcache.fetch_feed` (:mod:`plnkit.services._net`: private addresses refused, deadlines,
size cap). Every refusal or failure raises a :class:`FeedError` subclass whose ``str()`` is the plain-language
message shown to the learner.

Dates are read by :mod:`plnkit.rules.dates` (feedparser would read ``CEST`` as UTC: a confident wrong time), and
of a feed longer than :data:`MAX_ENTRIES` the newest entries are kept, whatever order the feed lists them in.
"""

from __future__ import annotations

import calendar
import io
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urljoin

from ..errors import (
    FeedConnectionError,
    FeedError,
    FeedHTTPError,
    FeedParseError,
    FeedTimeoutError,
    FeedTooLargeError,
    FeedURLError,
    HostNotFoundError,
    NotAFeedError,
    OPMLError,
    PrivateAddressError,
    TooManyRedirectsError,
)
from ..rules.dates import keep_newest, parse_date, plausible, unknown_zone
from ..rules.urls import check_address
from ._clean import clean_html, plain_to_html, safe_link, strip_tags
from .opml import Subscription, read_opml, write_opml

MAX_TITLE = 300
MAX_ENTRIES = 200

__all__ = [
    "Entry", "Feed", "FeedConnectionError", "FeedError", "FeedHTTPError", "FeedParseError", "FeedTimeoutError",
    "FeedTooLargeError", "FeedURLError", "HostNotFoundError", "NotAFeedError", "OPMLError", "PrivateAddressError",
    "Subscription", "TooManyRedirectsError", "parse_feed", "read_opml", "write_opml",
]


@dataclass(frozen=True)
class Entry:
    """One item of a feed, safe to show: plain-text title, http(s) link or None, aware date, clean HTML."""

    title: str
    link: str | None
    published: datetime | None
    summary_html: str
    id: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"title": self.title, "link": self.link, "id": self.id, "summary_html": self.summary_html,
                "published": self.published.isoformat() if self.published else None}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Entry:
        published = datetime.fromisoformat(data["published"]) if data.get("published") else None
        return cls(data["title"], data.get("link"), published, data["summary_html"], data.get("id", ""))


@dataclass(frozen=True)
class Feed:
    """A parsed, sanitized feed."""

    url: str  # where it was fetched from (after redirects)
    title: str
    link: str | None = None  # the site's home page
    entries: tuple[Entry, ...] = field(default_factory=tuple)

    def to_json(self) -> dict[str, Any]:
        return {"url": self.url, "title": self.title, "link": self.link, "entries": [e.to_json() for e in self.entries]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Feed:
        return cls(data["url"], data["title"], data.get("link"),
                   tuple(Entry.from_json(e) for e in data.get("entries", [])))


def parse_feed(body: bytes, url: str, *, content_type: str = "") -> Feed:
    """Parse feed bytes (RSS, Atom or JSON Feed) fetched from ``url``; links resolve against ``url``."""
    stripped = body.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped[:1] in (b"{", b"[") or "json" in content_type.lower():
        return _parse_json_feed(stripped, url)
    from . import _sax  # expat's SAX reader, and feedparser: only once a feed is parsed (most pages parse none)

    parsed = _sax.feedparser().parse(
        io.BytesIO(body),
        response_headers={"content-location": url, "content-type": content_type or "application/xml"},
        sanitize_html=False,
        resolve_relative_uris=False,
    )
    if not parsed.get("version") and not parsed.entries:
        if _looks_like_html(stripped, content_type):
            raise _not_a_feed(stripped, url)
        raise FeedParseError("That address didn't return a feed the course can read (it is not valid RSS or Atom).")
    meta = parsed.feed
    base = safe_link(meta.get("link"), url) or url
    entries = tuple(_entry(e, base) for e in keep_newest(parsed.entries, _published, MAX_ENTRIES))
    title = _text(meta.get("title", ""), meta.get("title_detail")) or _host(url)
    return Feed(url, title[:MAX_TITLE], safe_link(meta.get("link"), url), entries)


def _text(value: str, detail: Any) -> str:
    kind = (detail or {}).get("type", "text/plain") if isinstance(detail, dict) else "text/plain"
    text = strip_tags(value) if "html" in kind else value
    return " ".join(text.split())


def _entry(e: Any, base: str) -> Entry:
    link = safe_link(e.get("link"), base)
    summary, detail = e.get("summary", ""), e.get("summary_detail") or {}
    if not summary and e.get("content"):
        summary, detail = e.content[0].get("value", ""), e.content[0]
    if (detail.get("type") or "text/html") == "text/plain":
        summary_html = plain_to_html(summary)
    else:
        summary_html = clean_html(summary, base=link or base)
    published = _published(e)
    title = _text(e.get("title", ""), e.get("title_detail")) or "(untitled)"
    return Entry(title[:MAX_TITLE], link, published, summary_html, str(e.get("id", ""))[:500])


def _published(e: Any) -> datetime | None:
    """The entry's date by :func:`plnkit.rules.dates.parse_date`; feedparser's reading only for forms it doesn't
    know, and never when the date ends in a zone nobody can place."""
    for name in ("published", "updated", "created"):
        raw = e.get(name)
        if not isinstance(raw, str) or not raw.strip():
            continue
        moment = parse_date(raw)
        if moment is None and not unknown_zone(raw) and e.get(f"{name}_parsed"):
            moment = plausible(datetime.fromtimestamp(calendar.timegm(e[f"{name}_parsed"]), tz=timezone.utc))
        if moment is not None:
            return moment
    return None


def _parse_json_feed(body: bytes, url: str) -> Feed:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise FeedParseError("That address returned damaged data, not a feed the course can read.") from exc
    if not isinstance(data, dict) or not str(data.get("version", "")).startswith("https://jsonfeed.org/version/"):
        raise NotAFeedError("That address returned data (JSON), not a feed. Check you have the feed's address.")
    home = safe_link(data.get("home_page_url"), url)
    entries = []
    items = [i for i in data.get("items") or [] if isinstance(i, dict)] if isinstance(data.get("items"), list) else []
    for item in keep_newest(items, _json_date, MAX_ENTRIES):
        link = safe_link(item.get("url"), home or url)
        summary_text, content_html = item.get("summary"), item.get("content_html")
        if isinstance(summary_text, str) and summary_text:  # JSON Feed summaries are plain text
            summary = plain_to_html(summary_text)
        elif isinstance(content_html, str):
            summary = clean_html(content_html, base=link or url)
        else:
            summary = plain_to_html(str(item.get("content_text") or ""))
        published = _json_date(item)
        title = " ".join(str(item.get("title") or "").split()) or "(untitled)"
        entries.append(Entry(title[:MAX_TITLE], link, published, summary, str(item.get("id", ""))[:500]))
    title = " ".join(str(data.get("title") or "").split()) or _host(url)
    return Feed(url, title[:MAX_TITLE], home, tuple(entries))


def _json_date(item: dict[str, Any]) -> datetime | None:
    return parse_date(item.get("date_published")) or parse_date(item.get("date_modified"))


def _host(url: str) -> str:
    match = re.match(r"https?://([^/:?#]+)", url)
    return match.group(1) if match else url


def _looks_like_html(body: bytes, content_type: str) -> bool:
    head = body[:1024].lower()
    return "html" in content_type.lower() or b"<html" in head or b"<!doctype html" in head


def _feed_link(href: str, page_url: str) -> str | None:
    """A page's feed link as the feed box would take it (:func:`plnkit.rules.urls.check_address`), or None."""
    try:
        return check_address(urljoin(page_url, href.strip()), "feed")
    except (FeedURLError, ValueError):
        return None


def feed_links(page: bytes, url: str) -> list[str]:
    """Feed addresses a web page advertises, made absolute and normalised as typed addresses are (``feed://``
    forms read as http), keeping only those the course would fetch."""
    from ._feedlinks import FeedLinks  # html.parser, loaded when a page is not a feed

    parser = FeedLinks()
    try:
        parser.feed(page[:2_000_000].decode("utf-8", errors="replace"))
    except Exception:  # HTMLParser is lenient; a truly broken page just yields no links
        pass
    links = [_feed_link(href, url) for href in parser.found]
    return [link for link in dict.fromkeys(links) if link]


def _not_a_feed(page: bytes, url: str) -> NotAFeedError:
    links = feed_links(page, url)
    if links:
        return NotAFeedError(f"That page is not a feed: did you mean its feed at {links[0]}?", suggestion=links[0])
    return NotAFeedError("That page is a web page, not a feed, and it doesn't link to one. Look on the site for "
                         "an RSS or feed link.")
