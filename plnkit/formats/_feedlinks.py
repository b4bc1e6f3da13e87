"""The feed links a web page advertises, read when a learner's address is a page rather than a feed
(:func:`.feeds.feed_links`): a course page that fetches no web page never loads :mod:`html.parser`."""

from __future__ import annotations

from html.parser import HTMLParser


class FeedLinks(HTMLParser):
    """Collects ``<link rel="alternate" type="application/rss+xml" href>`` from a web page."""

    TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json", "application/json")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "link":
            return
        a = {k.lower(): (v or "") for k, v in attrs}
        if "alternate" in a.get("rel", "").lower().split() and a.get("type", "").lower().strip() in self.TYPES:
            if a.get("href"):
                self.found.append(a["href"])
