"""Social bookmarks: checking what a learner types, and the Netscape bookmark file format.

The Netscape format is what Diigo, Delicious, Pinboard and every browser export::

    <DT><A HREF="https://..." ADD_DATE="1700000000" PRIVATE="0" TAGS="science,year 9">Title</A>
    <DD>An optional note

``<DT>`` and ``<DD>`` are never closed and folders are ``<H3>`` followed by a nested ``<DL>``, so the parser is
lenient (it walks tags with :class:`html.parser.HTMLParser`). An import is all or nothing: a file over the
caps, or with no bookmarks at all, imports nothing; entries whose address is not http(s) are skipped and
counted.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from html.parser import HTMLParser

from ..errors import FeedError, InputError
from ..services._net import check_url

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_BOOKMARKS = 10_000
MAX_TITLE = 300
MAX_NOTE = 2_000
#: Tag limits, the same for typing, importing and restoring (bookmark managers such as Pinboard and Diigo export
#: dozens of tags per bookmark, some long).
MAX_TAG = 100
MAX_TAGS = 100
FOLDER_SEP = " / "


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


def check_bookmark(url: object, title: object = "", tags: object = "", note: object = "",
                   private: object = True) -> Bookmark:
    """Validate a bookmark typed by the learner; InputError says what to fix."""
    try:
        check_url(url)
    except FeedError as exc:
        raise InputError(str(exc).replace("the course only fetches", "bookmarks must be")) from None
    for value, name, limit in ((title, "title", MAX_TITLE), (note, "note", MAX_NOTE)):
        if not isinstance(value, str) or len(value) > limit:
            raise InputError(f"The {name} must be text under {limit:,} characters.")
    tag_list = check_tags(split_tags(tags) if isinstance(tags, str) else tuple(str(t) for t in tags))  # type: ignore[attr-defined]
    clean_title = " ".join(str(title).split()) or str(url).strip()
    return Bookmark(str(url).strip(), clean_title[:MAX_TITLE], tag_list, str(note).strip(), "", bool(private is True))


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
        text = f"Imported {n:,} bookmark{'s' if n != 1 else ''}"
        if self.skipped:
            text += (f"; skipped {self.skipped:,} that {'was' if self.skipped == 1 else 'were'} not a web address "
                     "(such as javascript: or browser-internal links)")
        if self.too_many_tags:
            text += (f"; skipped {self.too_many_tags:,} with more than {MAX_TAGS} tags or a tag over {MAX_TAG} "
                     "characters")
        return text + "."


def _date(value: str | None) -> datetime | None:
    if not value or not value.strip().isdigit():
        return None
    stamp = int(value.strip())
    while stamp > 10**11:  # milliseconds or microseconds (some exporters)
        stamp //= 1000
    try:
        return datetime.fromtimestamp(stamp, tz=timezone.utc)
    except (OverflowError, OSError, ValueError):
        return None


class _NetscapeParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.result = ImportResult()
        self.folders: list[str] = []
        self.pending_folder: str | None = None
        self.in_h3 = False
        self.h3_text: list[str] = []
        self.link: dict[str, str | None] | None = None
        self.link_text: list[str] = []
        self.note_for: int | None = None  # index of the bookmark a <DD> note belongs to
        self.note_text: list[str] = []
        self.entries = 0
        self.last_was_bookmark = False

    def _end_note(self) -> None:
        if self.note_for is not None:
            note = " ".join("".join(self.note_text).split())[:MAX_NOTE]
            old = self.result.bookmarks[self.note_for]
            self.result.bookmarks[self.note_for] = Bookmark(old.url, old.title, old.tags, note, old.folder,
                                                            old.private, old.added_at)
        self.note_for, self.note_text = None, []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.link is not None and tag in ("dt", "dd", "dl", "h3", "a"):
            self._add_link()  # an <A> left unclosed
        if tag in ("dt", "dl", "h3", "a"):
            self._end_note()
        if tag == "h3":
            self.in_h3, self.h3_text = True, []
        elif tag == "dl":
            self.folders.append(self.pending_folder or "")
            self.pending_folder = None
        elif tag == "a":
            self.link = {k.lower(): v for k, v in attrs}
            self.link_text = []
        elif tag == "dd" and self.result.bookmarks and self.note_for is None and self.last_was_bookmark:
            self.note_for, self.note_text = len(self.result.bookmarks) - 1, []

    def handle_endtag(self, tag: str) -> None:
        if tag == "h3" and self.in_h3:
            self.in_h3 = False
            self.pending_folder = " ".join("".join(self.h3_text).split()).replace(FOLDER_SEP, " ") or "Untitled"
            self.last_was_bookmark = False
        elif tag == "dl":
            self._end_note()
            if self.folders:
                self.folders.pop()
            self.last_was_bookmark = False
        elif tag == "a" and self.link is not None:
            self._add_link()

    def handle_data(self, data: str) -> None:
        if self.in_h3:
            self.h3_text.append(data)
        elif self.link is not None:
            self.link_text.append(data)
        elif self.note_for is not None:
            self.note_text.append(data)

    def _add_link(self) -> None:
        attrs, self.link = self.link or {}, None
        self.entries += 1
        if self.entries > MAX_BOOKMARKS:
            raise InputError(f"That file has more than {MAX_BOOKMARKS:,} bookmarks, so nothing was imported.")
        url = (attrs.get("href") or "").strip()
        try:
            check_url(url)
        except FeedError:
            self.result.skipped += 1
            self.last_was_bookmark = False
            return
        try:
            tags = check_tags(split_tags(attrs.get("tags") or ""))  # the rule restore applies too
        except InputError:
            self.result.too_many_tags += 1
            self.last_was_bookmark = False
            return
        title = " ".join("".join(self.link_text).split())[:MAX_TITLE] or url
        private = (attrs.get("private") or "1").strip() != "0"
        folder = FOLDER_SEP.join(f for f in self.folders if f)
        self.result.bookmarks.append(Bookmark(url, title, tags, "", folder, private, _date(attrs.get("add_date"))))
        self.last_was_bookmark = True

    def close(self) -> None:
        super().close()
        if self.link is not None:  # an <A> never closed at the end of the file
            self._add_link()
        self._end_note()


def read_netscape(data: bytes) -> ImportResult:
    """Parse a Netscape bookmark file; raises InputError (importing nothing) when it can't be used."""
    if not isinstance(data, (bytes, bytearray)):
        raise InputError("That upload could not be read.")
    if len(data) > MAX_FILE_BYTES:
        raise InputError(f"That file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB, so nothing was imported.")
    if b"\x00" in data[:4096]:
        raise InputError("That file is not a bookmark file (it isn't text), so nothing was imported.")
    text = bytes(data).decode("utf-8", errors="replace").lstrip("\ufeff")
    parser = _NetscapeParser()
    parser.feed(text)
    parser.close()
    result = parser.result
    if not result.bookmarks and not result.skipped and not result.too_many_tags:
        raise InputError("No bookmarks were found in that file. Export an HTML bookmark file from your browser, "
                         "Diigo or Pinboard and try again.")
    return result


def write_netscape(bookmarks: Sequence[Bookmark], title: str = "Bookmarks") -> bytes:
    """A Netscape bookmark file (folders as nested lists) that browsers, Diigo and Pinboard import."""
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
            lines.append(f"{indent}<DD>{html.escape(b.note)}")
    for depth in range(len(open_path), 0, -1):
        lines.append("    " * depth + "</DL><p>")
    lines.append("</DL><p>")
    return ("\n".join(lines) + "\n").encode("utf-8")
