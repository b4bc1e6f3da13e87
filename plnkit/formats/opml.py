"""OPML import and export: the subscription list format Feedly, Inoreader and NetNewsWire exchange.

Any ``outline`` with an ``xmlUrl`` is a subscription; outlines without one are folders (nesting is kept).
Imports are decoded like every uploaded text file (:mod:`plnkit.formats.text`), parsed with defusedxml (no
entity expansion, no DTDs), capped in size and count, and every address is normalised and checked like a typed
one (:mod:`plnkit.rules.urls`: ``feed://`` forms become http(s)). Only the address, title, site link, folder and
the date subscribed (:data:`DATE_ATTRIBUTES`) are read: a file can never set how or where the course fetches.

Lenient where other readers are: a raw ``&``, an HTML entity such as ``&nbsp;`` or a stray control character
is repaired; a file still not well-formed imports every outline that can be read on its own, and counts the
ones that can't (:attr:`OPMLImport.damaged`).
"""

from __future__ import annotations

import html.entities
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import format_datetime
from typing import TYPE_CHECKING, Any

from ..errors import FeedError, InputError, OPMLError
from ..rules.dates import parse_date
from ..rules.text import plural
from ..rules.urls import ALLOW_ENV, acceptable_feed_url, exemptions, feed_address, same_address_key, web_address_or_none
from .text import decode

if TYPE_CHECKING:  # the XML libraries load when a list is read or written, not with every page that lists feeds
    from xml.etree.ElementTree import Element

MAX_OPML_BYTES = 5 * 1024 * 1024
MAX_OUTLINES = 5_000
MAX_TITLE = 300
FOLDER_SEP = " / "
#: Where an outline says when it was subscribed to (lower case, as read): OPML 2.0's ``created``, and the names
#: some readers write; the first plausible date wins (:func:`plnkit.rules.dates.parse_date`).
DATE_ATTRIBUTES = ("created", "datecreated", "dateadded", "date_added", "added")

__all__ = ["FOLDER_SEP", "MAX_OPML_BYTES", "MAX_OUTLINES", "OPMLImport", "Subscription", "acceptable_feed_url",
           "read_opml", "write_opml"]


@dataclass(frozen=True)
class Subscription:
    """A feed the learner follows."""

    url: str
    title: str = ""
    folder: str = ""  # nested folders joined with " / "
    html_url: str | None = None
    added_at: datetime | None = None  # when the learner subscribed, where the file says (unknown otherwise)


class OPMLImport(list[Subscription]):
    """The subscriptions read from a file (a list), plus what was left out and why.

    ``skipped``: addresses the course won't fetch; ``duplicates``: the same feed twice; ``damaged``: outlines
    too damaged to read (only in a file that was not well-formed).
    """

    def __init__(self, items: Iterable[Subscription] = (), skipped: int = 0, duplicates: int = 0,
                 damaged: int = 0) -> None:
        super().__init__(items)
        self.skipped = skipped
        self.duplicates = duplicates
        self.damaged = damaged

    @property
    def message(self) -> str:
        parts = [f"Imported {plural(len(self), 'feed')}"]
        if self.duplicates:
            parts.append(f"{plural(self.duplicates, 'duplicate')} merged")
        if self.skipped:
            parts.append(f"{self.skipped} skipped (addresses the course won't fetch: not http or https, or on a "
                         "private network)")
        if self.damaged:
            parts.append(f"{self.damaged} skipped (damaged in the file)")
        return ", ".join(parts) + "."


_XML_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")  # not allowed in XML 1.0
_REFERENCE = re.compile(r"&(#[0-9]+;|#[xX][0-9a-fA-F]+;|[A-Za-z][A-Za-z0-9]*;)?")
_OUTLINE_TAG = re.compile(r"<(/?)outline\b([^<>]*)(>|(?=<)|$)", re.IGNORECASE)


def _reference(match: re.Match[str]) -> str:
    ref = match.group(1)
    if ref is None:
        return "&amp;"  # a raw "&", as in "?a=1&b=2"
    if ref.startswith("#") or ref[:-1] in ("amp", "lt", "gt", "quot", "apos"):
        return match.group(0)
    char = html.entities.html5.get(ref)
    return "".join(f"&#{ord(c)};" for c in char) if char else "&amp;" + ref


def repair(text: str) -> str:
    """``text`` with the faults other readers forgive made well-formed: raw ``&``, HTML entities, control chars."""
    return _REFERENCE.sub(_reference, _XML_CHARS.sub("", text))


def _walk(node: Element, folders: tuple[str, ...]) -> Iterator[tuple[dict[str, str], tuple[str, ...]]]:
    for child in node:
        if not isinstance(child.tag, str) or child.tag.lower() != "outline":
            continue
        attrs = {k.lower(): v for k, v in child.attrib.items()}
        yield attrs, folders
        if not attrs.get("xmlurl", "").strip() and len(child):
            yield from _walk(child, (*folders, _label(attrs).replace(FOLDER_SEP, " ") or "Untitled folder"))


def _label(attrs: dict[str, str]) -> str:
    return " ".join((attrs.get("title") or attrs.get("text") or "").split())[:MAX_TITLE].rstrip()


def _parse(text: str) -> Element:
    """``text`` parsed by defusedxml (no DTDs, no entities); raises ``xml.etree.ElementTree.ParseError`` when it
    is not well-formed, :class:`OPMLError` when it uses what defusedxml refuses."""
    import defusedxml.ElementTree as safe_et
    from defusedxml import DefusedXmlException

    try:
        return safe_et.fromstring(text, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise OPMLError("That file contains XML features the course refuses (a DTD or entities), so nothing "
                        "was imported.") from exc


def _salvage(text: str) -> tuple[list[tuple[dict[str, str], tuple[str, ...]]], int]:
    """Outlines read one tag at a time from a file that is not well-formed, and how many could not be read."""
    from xml.etree.ElementTree import ParseError

    found: list[tuple[dict[str, str], tuple[str, ...]]] = []
    stack: list[str | None] = []  # open outlines: a folder's name, or None for an outline that isn't one
    damaged = 0
    for match in _OUTLINE_TAG.finditer(text):
        if match.group(1):
            if stack:
                stack.pop()
            continue
        body = match.group(2).rstrip()
        closed = body.endswith("/")
        try:
            if not match.group(3):  # the tag never ends (a "<" inside it, or the file stops)
                raise ParseError("unfinished tag")
            element = _parse(f"<outline {repair(body.rstrip('/'))}/>")
            attrs = {k.lower(): v for k, v in element.attrib.items()}
        except (ParseError, ValueError):
            attrs = {}
            if "xmlurl" in body.lower():  # a feed (they have no children, so nothing to close)
                damaged += 1
                continue
        folders = tuple(f for f in stack if f)
        if attrs:
            found.append((attrs, folders))
        if not closed:
            is_folder = not attrs.get("xmlurl", "").strip()
            stack.append((_label(attrs).replace(FOLDER_SEP, " ") or "Untitled folder") if is_folder else None)
    return found, damaged


def _added(attrs: dict[str, str]) -> datetime | None:
    """When an outline says it was subscribed to: the first plausible date of :data:`DATE_ATTRIBUTES`."""
    for name in DATE_ATTRIBUTES:
        moment = parse_date(attrs.get(name))
        if moment is not None:
            return moment
    return None


def read_opml(data: bytes, *, allow: str | Iterable[str] | None = None) -> OPMLImport:
    """Read subscriptions from OPML bytes (see the module docstring).

    ``allow`` is the same exemption list :func:`plnkit.services.feedcache.fetch_feed` takes. Raises
    :class:`OPMLError` (importing nothing) when the file is too large, has too many entries, uses a DTD, or is
    not an OPML list at all.
    """
    from xml.etree.ElementTree import ParseError

    allowed = exemptions(allow, os.environ.get(ALLOW_ENV))
    if not isinstance(data, (bytes, bytearray)):
        raise OPMLError("That file could not be read as OPML.")
    if len(data) > MAX_OPML_BYTES:
        raise OPMLError(f"That file is larger than {MAX_OPML_BYTES // (1024 * 1024)} MB, so nothing was imported.")
    try:
        text = decode(bytes(data), hint="Export the list again from your feed reader.").text
    except InputError as exc:
        raise OPMLError(f"{exc}".replace("That file isn't text", "That file isn't an OPML list")) from exc
    damaged = 0
    try:
        root = _parse(text)
    except ParseError:
        try:
            root = _parse(repair(text))
        except ParseError:
            root = None
    if root is not None:
        if not isinstance(root.tag, str) or root.tag.lower() != "opml" or root.find("body") is None:
            raise OPMLError("That file is not an OPML subscription list, so nothing was imported.")
        outlines = list(_walk(root.find("body"), ()))  # type: ignore[arg-type]
    elif re.search(r"<opml\b", text[:4096], re.IGNORECASE) and re.search(r"<body\b", text, re.IGNORECASE):
        outlines, damaged = _salvage(text)
    else:
        raise OPMLError("That file is not valid OPML (the XML is damaged), so nothing was imported.")
    if len(outlines) + damaged > MAX_OUTLINES:
        raise OPMLError(f"That file lists more than {MAX_OUTLINES:,} entries, so nothing was imported.")
    found: dict[str, Subscription] = {}
    skipped = duplicates = 0
    for attrs, folders in outlines:
        raw = (attrs.get("xmlurl") or "").strip()
        if not raw:
            continue
        try:
            url = feed_address(raw, allowed)
        except FeedError:
            skipped += 1
            continue
        key = same_address_key(url)
        if key in found:
            duplicates += 1
            continue
        label = _label(attrs)
        found[key] = Subscription(url, "" if label in (raw, url) else label, FOLDER_SEP.join(folders)[:MAX_TITLE],
                                  web_address_or_none(attrs.get("htmlurl")), _added(attrs))
    return OPMLImport(found.values(), skipped, duplicates, damaged)


def _as_subscription(item: Any) -> Subscription:
    if isinstance(item, Subscription):
        return item
    if isinstance(item, str):
        return Subscription(item)
    if isinstance(item, dict):
        return Subscription(str(item["url"]), str(item.get("title") or ""), str(item.get("folder") or ""),
                            item.get("html_url"), item.get("added_at"))
    return Subscription(str(item.url), str(getattr(item, "title", "")), str(getattr(item, "folder", "")),
                        getattr(item, "html_url", None), getattr(item, "added_at", None))


def write_opml(subscriptions: Iterable[Any], *, title: str = "My PLN feeds") -> bytes:
    """OPML 2.0 bytes for ``subscriptions`` (Subscription objects, dicts or URLs), folders as nested outlines.

    :func:`read_opml` reads every list this writes back unchanged (characters XML can't hold are left out, and a
    subscription's ``added_at`` is kept to the second).
    """
    from xml.etree.ElementTree import Element, SubElement, tostring

    root = Element("opml", version="2.0")
    head = SubElement(root, "head")
    SubElement(head, "title").text = _XML_CHARS.sub("", title)
    SubElement(head, "dateCreated").text = datetime.now(timezone.utc).strftime("%a, %d %b %Y %H:%M:%S GMT")
    body = SubElement(root, "body")
    folders: dict[tuple[str, ...], Element] = {(): body}
    for sub in map(_as_subscription, subscriptions):
        clean = _XML_CHARS.sub
        sub = Subscription(clean("", sub.url), clean("", sub.title), clean("", sub.folder),
                           clean("", sub.html_url) if sub.html_url else None, sub.added_at)
        path = tuple(p for p in sub.folder.split(FOLDER_SEP) if p) if sub.folder else ()
        for depth in range(1, len(path) + 1):
            if path[:depth] not in folders:
                folders[path[:depth]] = SubElement(folders[path[:depth - 1]], "outline", text=path[depth - 1],
                                                   title=path[depth - 1])
        attrs = {"type": "rss", "text": sub.title or sub.url, "xmlUrl": sub.url}  # OPML requires text
        if sub.title:
            attrs["title"] = sub.title
        if sub.html_url:
            attrs["htmlUrl"] = sub.html_url
        if isinstance(sub.added_at, datetime):  # OPML 2.0's outline date, RFC 822 (to the second)
            attrs["created"] = format_datetime(sub.added_at.astimezone(timezone.utc), usegmt=True)
        SubElement(folders[path], "outline", attrs)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(root, encoding="utf-8", xml_declaration=False)
