"""The Netscape bookmark file's parser, loaded when a file is imported (:func:`.bookmarks.read_netscape`): a
course page that imports nothing never loads :mod:`html.parser`."""

from __future__ import annotations

import re
from datetime import datetime
from html.parser import HTMLParser

from ..errors import InputError
from ..rules.dates import parse_date
from ..rules.urls import check_address
from .bookmarks import (
    DATE_ATTRIBUTES,
    FOLDER_SEP,
    MAX_BOOKMARKS,
    MAX_FOLDER,
    ImportResult,
    bookmark_from_file,
    unescape_attribute,
)


def _date(attrs: dict[str, str | None]) -> datetime | None:
    for name in DATE_ATTRIBUTES:
        moment = parse_date(attrs.get(name))
        if moment is not None:
            return moment
    return None


_BREAK = "\x00"  # stands for a <BR> inside a note while it is read (no file text holds a NUL)
_ATTRIBUTE = re.compile(r"""([^\s"'<>/=]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s>]+))?""")


def _attributes(tag_text: str) -> dict[str, str | None]:
    inner = tag_text.strip("<>").rstrip("/")
    inner = inner.split(None, 1)[1] if len(inner.split(None, 1)) > 1 else ""
    found: dict[str, str | None] = {}
    for match in _ATTRIBUTE.finditer(inner):
        name, raw = match.group(1).lower(), match.group(2)
        if raw is not None and raw[:1] in ("'", '"'):
            raw = raw[1:-1]
        found.setdefault(name, None if raw is None else unescape_attribute(raw))
    return found


class NetscapeParser(HTMLParser):
    """Reads a Netscape bookmark file's tags into :attr:`result` (see :func:`.bookmarks.read_netscape`)."""

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
            old = self.result.bookmarks[self.note_for]
            lines = "".join(self.note_text).split(_BREAK)  # line breaks come from <BR>; the file's own are spaces
            note = "\n".join(" ".join(line.split()) for line in lines)
            self.result.bookmarks[self.note_for] = bookmark_from_file(old.url, old.title, old.tags, note, old.folder,
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
            raw = self.get_starttag_text()
            self.link = _attributes(raw) if raw else {k.lower(): v for k, v in attrs}
            self.link_text = []
        elif tag == "br" and self.note_for is not None:
            self.note_text.append(_BREAK)
        elif tag == "dd" and self.result.bookmarks and self.note_for is None and self.last_was_bookmark:
            self.note_for, self.note_text = len(self.result.bookmarks) - 1, []

    def handle_endtag(self, tag: str) -> None:
        if tag == "h3" and self.in_h3:
            self.in_h3 = False
            name = " ".join("".join(self.h3_text).split()).replace(FOLDER_SEP, " ")[:MAX_FOLDER]
            self.pending_folder = name or "Untitled"
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
        try:
            check_address(attrs.get("href") or "", "bookmark")
        except InputError:
            self.result.skipped += 1
            self.last_was_bookmark = False
            return
        try:
            private = (attrs.get("private") or "1").strip() != "0"
            folder = FOLDER_SEP.join(f for f in self.folders if f)
            bookmark = bookmark_from_file(attrs.get("href"), "".join(self.link_text), attrs.get("tags") or "", "",
                                          folder, private, _date(attrs))
        except InputError:  # the tags: the rule typing and restoring apply too
            self.result.too_many_tags += 1
            self.last_was_bookmark = False
            return
        self.result.bookmarks.append(bookmark)
        self.last_was_bookmark = True

    def close(self) -> None:
        super().close()
        if self.link is not None:  # an <A> never closed at the end of the file
            self._add_link()
        self._end_note()
