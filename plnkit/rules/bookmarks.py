"""Rules for the learner's bookmarks: which bookmarks of an import are new, and the fields the store keeps.

Pure functions: nothing here touches a widget, a file or the database. A bookmark is anything shaped like
:class:`plnkit.formats.bookmarks.Bookmark` (its ``url`` already checked and normalised by :mod:`plnkit.rules.urls`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar


class BookmarkLike(Protocol):
    """What a bookmark has: its address, title, tags, note, folder, privacy and when it was saved."""

    @property
    def url(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def tags(self) -> tuple[str, ...]: ...
    @property
    def note(self) -> str: ...
    @property
    def folder(self) -> str: ...
    @property
    def private(self) -> bool: ...
    @property
    def added_at(self) -> datetime | None: ...


B = TypeVar("B", bound=BookmarkLike)


@dataclass(frozen=True)
class Fresh(Generic[B]):
    """The bookmarks of an import to add (``fresh``, in file order) and how many were ``already`` kept."""

    fresh: tuple[B, ...]
    already: int

    @property
    def note(self) -> str:
        """Words for the status line after the import's own message: ``" 3 already in your bookmarks."``."""
        return f" {self.already:,} already in your bookmarks." if self.already else ""


def not_yet_kept(incoming: Sequence[B], kept: Iterable[str]) -> Fresh[B]:
    """The bookmarks of ``incoming`` whose address is not in ``kept`` (the addresses already stored), each address
    once (its first entry: a file may list one twice), and how many distinct addresses were already kept."""
    seen = set(kept)
    already = len({b.url for b in incoming} & seen)
    fresh = []
    for b in incoming:
        if b.url not in seen:
            seen.add(b.url)
            fresh.append(b)
    return Fresh(tuple(fresh), already)


def stored_fields(b: BookmarkLike) -> dict[str, Any]:
    """A bookmark as :meth:`plnkit.services.store.Store.add_bookmarks` takes it."""
    return {"url": b.url, "title": b.title, "tags": b.tags, "note": b.note, "folder": b.folder,
            "private": b.private, "added_at": b.added_at}
