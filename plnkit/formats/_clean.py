"""Allowlist HTML sanitizing for feed content (nh3), stricter than feedparser's own sanitizer.

No script, event handlers, forms, iframes, styles or images (remote images track readers); links only to
http, https and mailto, made absolute, opening in a new tab with ``rel="noopener noreferrer"``.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from urllib.parse import urljoin, urlsplit

TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "cite", "code", "dd", "del", "dl", "dt", "em", "figcaption", "figure",
    "h2", "h3", "h4", "h5", "h6", "hr", "i", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "small",
    "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
})
ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
_DROP_WITH_CONTENT = frozenset({"script", "style", "template", "iframe", "object", "noscript", "svg", "math",
                                "form", "select", "textarea", "button"})


def safe_link(url: object, base: str | None = None) -> str | None:
    """An absolute http(s) URL, or ``None`` for anything else (``javascript:``, ``data:``, garbage)."""
    if not isinstance(url, str) or not url.strip() or len(url) > 4096:
        return None
    absolute = urljoin(base, url.strip()) if base else url.strip()
    parts = urlsplit(absolute)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    if any(ord(c) < 0x20 for c in absolute):
        return None
    return absolute


def _href_filter(base: str | None) -> Callable[[str, str, str], str | None]:
    def keep(tag: str, attribute: str, value: str) -> str | None:
        if tag == "a" and attribute == "href":
            if value.lower().startswith("mailto:"):
                return value
            return safe_link(value, base)
        return value

    return keep


def clean_html(fragment: str, base: str | None = None) -> str:
    """Sanitize an HTML fragment from a feed, resolving relative links against ``base``."""
    import nh3  # imported when feed content is cleaned, not with the page

    return nh3.clean(
        fragment,
        tags=set(TAGS),
        clean_content_tags=set(_DROP_WITH_CONTENT),
        attributes={k: set(v) for k, v in ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer",
        set_tag_attribute_values={"a": {"target": "_blank"}},
        attribute_filter=_href_filter(base),
        strip_comments=True,
    )


def plain_to_html(text: str) -> str:
    """``text/plain`` content as safe HTML paragraphs."""
    paragraphs = [p.strip() for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]
    return "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)


def strip_tags(fragment: str) -> str:
    """The text of an HTML fragment (for titles sent as HTML)."""
    import nh3

    return html.unescape(nh3.clean(fragment, tags=set(), clean_content_tags={"script", "style"})).strip()
