"""OPML import and export: the subscription list format Feedly, Inoreader and NetNewsWire exchange.

Any ``outline`` with an ``xmlUrl`` is a subscription; outlines without one are folders (nesting is kept).
Imports are parsed with defusedxml (no entity expansion, no DTDs), capped in size and count, and every
address is checked like a typed one. Only the address, title, site link and folder are read: a file can
never set how or where the course fetches.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from xml.etree.ElementTree import Element, SubElement, tostring

import defusedxml.ElementTree as safe_et
from defusedxml import DefusedXmlException

from ..errors import FeedError, OPMLError
from ..services._net import Exemption, check_url, exemptions, is_public, public_url
from ._clean import safe_link

MAX_OPML_BYTES = 5 * 1024 * 1024
MAX_OUTLINES = 5_000
FOLDER_SEP = " / "


@dataclass(frozen=True)
class Subscription:
    """A feed the learner follows."""

    url: str
    title: str = ""
    folder: str = ""  # nested folders joined with " / "
    html_url: str | None = None


class OPMLImport(list[Subscription]):
    """The subscriptions read from a file (a list), plus how many entries were skipped and why."""

    def __init__(self, items: Iterable[Subscription] = (), skipped: int = 0, duplicates: int = 0) -> None:
        super().__init__(items)
        self.skipped = skipped
        self.duplicates = duplicates

    @property
    def message(self) -> str:
        parts = [f"Imported {len(self)} feed{'s' if len(self) != 1 else ''}"]
        if self.duplicates:
            parts.append(f"{self.duplicates} duplicate{'s' if self.duplicates != 1 else ''} merged")
        if self.skipped:
            parts.append(f"{self.skipped} skipped (not a web address the course will fetch)")
        return ", ".join(parts) + "."


def acceptable_feed_url(url: str, allowed: tuple[Exemption, ...] = ()) -> bool:
    """The checks a typed URL gets before any network use; names are resolved (and checked) when fetched."""
    try:
        _scheme, host, port, _path = check_url(url)
    except FeedError:
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host.lower() != "localhost" and not host.lower().endswith(".localhost")
    return is_public(address) or any(e.covers(address, port) for e in allowed)


def read_opml(data: bytes, *, allow: str | Iterable[str] | None = None) -> OPMLImport:
    """Read subscriptions from OPML bytes; raises :class:`OPMLError` (importing nothing) on a fatal problem.

    ``allow`` is the same exemption list :func:`plnkit.formats.feeds.fetch_feed` takes.
    """
    allowed = exemptions(allow)
    if not isinstance(data, (bytes, bytearray)):
        raise OPMLError("That file could not be read as OPML.")
    if len(data) > MAX_OPML_BYTES:
        raise OPMLError(f"That file is larger than {MAX_OPML_BYTES // (1024 * 1024)} MB, so nothing was imported.")
    try:
        root = safe_et.fromstring(bytes(data), forbid_dtd=True)
    except DefusedXmlException as exc:
        raise OPMLError("That file contains XML features the course refuses (a DTD or entities), so nothing "
                        "was imported.") from exc
    except Exception as exc:  # ParseError and friends: not well-formed XML
        raise OPMLError("That file is not valid OPML (the XML is damaged), so nothing was imported.") from exc
    if root.tag.lower() != "opml" or root.find("body") is None:
        raise OPMLError("That file is not an OPML subscription list, so nothing was imported.")
    outlines = sum(1 for _ in root.iter("outline"))
    if outlines > MAX_OUTLINES:
        raise OPMLError(f"That file lists more than {MAX_OUTLINES:,} entries, so nothing was "
                        "imported.")
    found: dict[str, Subscription] = {}
    skipped = duplicates = 0

    def walk(node: Element, folders: tuple[str, ...]) -> None:
        nonlocal skipped, duplicates
        for child in node.findall("outline"):
            url = (child.get("xmlUrl") or child.get("xmlurl") or "").strip()
            label = " ".join((child.get("title") or child.get("text") or "").split())[:300]
            if url:
                if not acceptable_feed_url(url, allowed):
                    skipped += 1
                    continue
                key = public_url(url)
                if key in found:
                    duplicates += 1
                    continue
                found[key] = Subscription(url, label, FOLDER_SEP.join(folders),
                                          safe_link(child.get("htmlUrl") or child.get("htmlurl")))
            elif len(child):
                walk(child, (*folders, label.replace(FOLDER_SEP, " ") or "Untitled folder"))

    walk(root.find("body"), ())
    return OPMLImport(found.values(), skipped, duplicates)


def _as_subscription(item: Any) -> Subscription:
    if isinstance(item, Subscription):
        return item
    if isinstance(item, str):
        return Subscription(item)
    if isinstance(item, dict):
        return Subscription(str(item["url"]), str(item.get("title", "")), str(item.get("folder", "")),
                            item.get("html_url"))
    return Subscription(str(item.url), str(getattr(item, "title", "")), str(getattr(item, "folder", "")),
                        getattr(item, "html_url", None))


def write_opml(subscriptions: Iterable[Any], *, title: str = "My PLN feeds") -> bytes:
    """OPML 2.0 bytes for ``subscriptions`` (Subscription objects, dicts or URLs), folders as nested outlines."""
    root = Element("opml", version="2.0")
    head = SubElement(root, "head")
    SubElement(head, "title").text = title
    SubElement(head, "dateCreated").text = datetime.now(timezone.utc).strftime("%a, %d %b %Y %H:%M:%S GMT")
    body = SubElement(root, "body")
    folders: dict[tuple[str, ...], Element] = {(): body}
    for sub in map(_as_subscription, subscriptions):
        path = tuple(p for p in sub.folder.split(FOLDER_SEP) if p) if sub.folder else ()
        for depth in range(1, len(path) + 1):
            if path[:depth] not in folders:
                folders[path[:depth]] = SubElement(folders[path[:depth - 1]], "outline", text=path[depth - 1],
                                                   title=path[depth - 1])
        attrs = {"type": "rss", "text": sub.title or sub.url, "title": sub.title or sub.url, "xmlUrl": sub.url}
        if sub.html_url:
            attrs["htmlUrl"] = sub.html_url
        SubElement(folders[path], "outline", attrs)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(root, encoding="utf-8", xml_declaration=False)
