"""Social bookmarks: checking what a learner types, and the Netscape bookmark file format.

The Netscape format is what Diigo, Delicious, Pinboard and every browser export::

    <DT><A HREF="https://..." ADD_DATE="1700000000" PRIVATE="0" TAGS="science,year 9">Title</A>
    <DD>An optional note

``<DT>`` and ``<DD>`` are never closed and folders are ``<H3>`` followed by a nested ``<DL>``, so the parser is
lenient (it walks tags with :class:`html.parser.HTMLParser`), and reads what browsers read:

- the file is decoded like every upload (:mod:`plnkit.formats.text`: BOM, ``META`` charset, UTF-8,
  windows-1252);
- attribute values are unescaped by the HTML rule for attributes, so ``HREF="...&copy=1&not=2"`` keeps
  ``&copy=`` (Python's parser alone would make it ``©=``);
- dates come from ``ADD_DATE`` or any name other exporters use (:data:`DATE_ATTRIBUTES`), in seconds,
  milliseconds or microseconds, through :mod:`plnkit.rules.dates` (0 or implausible: unknown);
- addresses are normalised and checked by :mod:`plnkit.rules.urls`, the rule typing and restoring use, and
  every field is cut to the limits restoring checks, so what imports also restores.

An import is all or nothing: a file over the caps, or with no bookmarks at all, imports nothing; entries whose
address is not http(s), or with too many tags, are skipped and counted.
"""

from __future__ import annotations

import html
import html.entities
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from ..errors import InputError
from ..rules.dates import parse_date
from ..rules.text import plural
from ..rules.urls import check_address
from .text import decode

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_BOOKMARKS = 10_000
MAX_TITLE = 300
MAX_NOTE = 2_000
MAX_FOLDER = 300
#: Tag limits, the same for typing, importing and restoring (bookmark managers such as Pinboard and Diigo export
#: dozens of tags per bookmark, some long).
MAX_TAG = 100
MAX_TAGS = 100
FOLDER_SEP = " / "
#: Where exporters put the date a bookmark was saved (attribute names in lower case, as read): Netscape and
#: browsers, Firefox's JSON names, Pocket, Raindrop, Pinboard (``time``) and others; the first plausible one wins (a
#: modification date only when there is no other).
DATE_ATTRIBUTES = ("add_date", "date_added", "dateadded", "time_added", "created", "created_at", "datecreated",
                   "date_created", "date", "time", "last_modified", "lastmodified", "datemodified", "date_modified",
                   "modified", "updated")


@dataclass(frozen=True)
class Bookmark:
    """A bookmark: an http(s) URL, title, tags, note, folder, privacy and the date it was saved."""

    url: str
    title: str = ""
    tags: tuple[str, ...] = ()
    note: str = ""
    folder: str = ""
    private: bool = True
    added_at: datetime | None = None


def split_tags(text: object) -> tuple[str, ...]:
    """Tags from ``"science, year 9,Science"``: comma-separated, trimmed, duplicates (any case) dropped."""
    if not isinstance(text, str):
        return ()
    seen: dict[str, str] = {}
    for raw in text.split(","):
        tag = " ".join(raw.split())
        if tag and tag.lower() not in seen:
            seen[tag.lower()] = tag
    return tuple(seen.values())


def check_tags(tags: tuple[str, ...]) -> tuple[str, ...]:
    """Tags within the limits every entry point uses (typed, imported, restored), or InputError."""
    if len(tags) > MAX_TAGS or any(len(t) > MAX_TAG for t in tags):
        raise InputError(f"Use at most {MAX_TAGS} tags, each under {MAX_TAG} characters.")
    return tags


def clean_note(text: str) -> str:
    """A note as kept: each line's spaces collapsed, blank lines at the ends dropped, at most :data:`MAX_NOTE`."""
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return "\n".join(lines).strip()[:MAX_NOTE].rstrip()


def check_bookmark(url: object, title: object = "", tags: object = "", note: object = "",
                   private: object = True) -> Bookmark:
    """Validate a bookmark typed by the learner; InputError says what to fix."""
    address = check_address(url, "bookmark")
    for value, name, limit in ((title, "title", MAX_TITLE), (note, "note", MAX_NOTE)):
        if not isinstance(value, str) or len(value) > limit:
            raise InputError(f"The {name} must be text under {limit:,} characters.")
    tag_list = check_tags(split_tags(tags) if isinstance(tags, str) else tuple(str(t) for t in tags))  # type: ignore[attr-defined]
    clean_title = " ".join(str(title).split()) or address
    return Bookmark(address, clean_title[:MAX_TITLE].rstrip(), tag_list, clean_note(str(note)), "",
                    bool(private is True))


def bookmark_from_file(url: object, title: object = "", tags: object = (), note: object = "", folder: object = "",
                       private: object = True, added_at: object = None) -> Bookmark:
    """A bookmark read from a file, by the rules every file entry point shares (bookmark import, portfolio
    restore): the address normalised and checked as typing does, tags within the typing limits, title, note and
    folder cut to their limits (an empty title becomes the address), the date read by
    :func:`plnkit.rules.dates.parse_date` (unknown when implausible). Raises :class:`InputError` for the address
    or the tags.
    """
    address = check_address(url, "bookmark")
    title, note, folder = (_CONTROLS.sub("", v) if isinstance(v, str) else v for v in (title, note, folder))
    if isinstance(tags, str):
        tags = _CONTROLS.sub("", tags)
    elif isinstance(tags, (list, tuple)):
        tags = [_CONTROLS.sub("", str(t)) for t in tags]
    tag_list = check_tags(split_tags(tags) if isinstance(tags, str) else
                          split_tags(",".join(str(t) for t in tags)) if isinstance(tags, (list, tuple)) else ())
    clean_title = (" ".join(title.split()) if isinstance(title, str) else "") or address
    note_text = clean_note(note) if isinstance(note, str) else ""
    clean_folder = FOLDER_SEP.join(" ".join(p.split()) for p in folder.split(FOLDER_SEP) if p.strip()) \
        if isinstance(folder, str) else ""
    moment = added_at if isinstance(added_at, datetime) else parse_date(added_at)
    return Bookmark(address, clean_title[:MAX_TITLE].rstrip(), tag_list, note_text, clean_folder[:MAX_FOLDER].rstrip(),
                    private is not False and private != 0, moment)


def matches(bookmark: Bookmark, *, tag: str | None = None, text: str = "") -> bool:
    """True when a bookmark has ``tag`` (any case) and contains ``text`` in its title, URL, note or tags."""
    if tag and tag.lower() not in (t.lower() for t in bookmark.tags):
        return False
    needle = text.strip().lower()
    if not needle:
        return True
    haystack = " ".join([bookmark.title, bookmark.url, bookmark.note, *bookmark.tags]).lower()
    return needle in haystack


def tag_counts(bookmarks: Iterable[Bookmark]) -> list[tuple[str, int]]:
    """Every tag with how many bookmarks carry it, most used first."""
    counts: Counter[str] = Counter()
    names: dict[str, str] = {}
    for b in bookmarks:
        for t in b.tags:
            counts[t.lower()] += 1
            names.setdefault(t.lower(), t)
    return [(names[k], n) for k, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


# --- Netscape bookmark files ----------------------------------------------------------------------------


@dataclass
class ImportResult:
    """Bookmarks read from a file, and how many entries were skipped (not http or https)."""

    bookmarks: list[Bookmark] = field(default_factory=list)
    skipped: int = 0
    too_many_tags: int = 0  # also skipped: over MAX_TAGS tags, or a tag over MAX_TAG characters

    @property
    def message(self) -> str:
        n = len(self.bookmarks)
        text = f"Imported {plural(n, 'bookmark')}"
        if self.skipped:
            text += (f"; skipped {self.skipped:,} that {'was' if self.skipped == 1 else 'were'} not a web address "
                     "(such as javascript: or browser-internal links)")
        if self.too_many_tags:
            text += (f"; skipped {self.too_many_tags:,} with more than {MAX_TAGS} tags or a tag over {MAX_TAG} "
                     "characters")
        return text + "."


_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")  # no file format carries these
_CHARREF = re.compile(r"&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[A-Za-z][A-Za-z0-9]*;?)")


def unescape_attribute(value: str) -> str:
    """An attribute value unescaped as browsers do it (HTML's rule for attributes, not for text).

    A named reference without ``;`` followed by ``=`` stays as written, so ``?q=1&copy=2`` keeps ``&copy=2``;
    ``&amp;``, ``&#38;`` and ``&eacute;`` are read.
    """

    def one(match: re.Match[str]) -> str:
        ref = match.group(1)
        if ref.startswith("#"):
            return html.unescape(match.group(0))
        if ref.endswith(";"):
            return html.entities.html5.get(ref, match.group(0))
        if ref in html.entities.html5 and value[match.end():match.end() + 1] != "=":
            return html.entities.html5[ref]  # a legacy name such as "&amp" with nothing after it
        return match.group(0)

    return _CHARREF.sub(one, value)


def read_netscape(data: bytes) -> ImportResult:
    """Parse a Netscape bookmark file; raises InputError (importing nothing) when it can't be used."""
    if not isinstance(data, (bytes, bytearray)):
        raise InputError("That upload could not be read.")
    if len(data) > MAX_FILE_BYTES:
        raise InputError(f"That file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB, so nothing was imported.")
    text = decode(bytes(data), hint="Export the bookmarks again from your browser, Diigo or Pinboard.").text
    from ._netscape import NetscapeParser  # html.parser, loaded when a file is imported

    parser = NetscapeParser()
    parser.feed(text)
    parser.close()
    result = parser.result
    if not result.bookmarks and not result.skipped and not result.too_many_tags:
        raise InputError("No bookmarks were found in that file. Export an HTML bookmark file from your browser, "
                         "Diigo or Pinboard and try again.")
    return result


def write_netscape(bookmarks: Sequence[Bookmark], title: str = "Bookmarks") -> bytes:
    """A Netscape bookmark file (folders as nested lists) that browsers, Diigo and Pinboard import.

    :func:`read_netscape` reads every set of bookmarks this writes back unchanged (control characters, which no
    bookmark file carries, are left out).
    """
    bookmarks = [Bookmark(b.url, _CONTROLS.sub("", b.title), tuple(_CONTROLS.sub("", t) for t in b.tags),
                          _CONTROLS.sub("", b.note), _CONTROLS.sub("", b.folder), b.private, b.added_at)
                 for b in bookmarks]
    lines = ["<!DOCTYPE NETSCAPE-Bookmark-file-1>",
             '<META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=UTF-8">',
             f"<TITLE>{html.escape(title)}</TITLE>", f"<H1>{html.escape(title)}</H1>", "<DL><p>"]
    open_path: list[str] = []
    for b in sorted(bookmarks, key=lambda b: b.folder):
        path = [p for p in b.folder.split(FOLDER_SEP) if p] if b.folder else []
        common = 0
        while common < min(len(path), len(open_path)) and path[common] == open_path[common]:
            common += 1
        for _ in range(len(open_path) - common):
            lines.append("    " * len(open_path) + "</DL><p>")
            open_path.pop()
        for name in path[common:]:
            indent = "    " * (len(open_path) + 1)
            lines += [f"{indent}<DT><H3>{html.escape(name)}</H3>", f"{indent}<DL><p>"]
            open_path.append(name)
        indent = "    " * (len(open_path) + 1)
        added = f' ADD_DATE="{int(b.added_at.timestamp())}"' if b.added_at else ""
        tags = ",".join(t.replace(",", " ") for t in b.tags)
        lines.append(f'{indent}<DT><A HREF="{html.escape(b.url)}"{added} PRIVATE="{1 if b.private else 0}" '
                     f'TAGS="{html.escape(tags)}">{html.escape(b.title)}</A>')
        if b.note:
            lines.append(f"{indent}<DD>{'<BR>'.join(html.escape(line) for line in b.note.splitlines())}")
    for depth in range(len(open_path), 0, -1):
        lines.append("    " * depth + "</DL><p>")
    lines.append("</DL><p>")
    return ("\n".join(lines) + "\n").encode("utf-8")
