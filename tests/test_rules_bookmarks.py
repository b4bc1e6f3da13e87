"""The bookmark rules: which bookmarks of an import are new, and what the store keeps of one."""

from __future__ import annotations

from datetime import datetime, timezone

from plnkit.formats.bookmarks import Bookmark
from plnkit.rules.bookmarks import not_yet_kept, stored_fields


def test_an_import_adds_each_new_address_once_and_counts_those_already_kept() -> None:
    incoming = [Bookmark("https://a.example/"), Bookmark("https://b.example/", "B"),
                Bookmark("https://b.example/", "B again"), Bookmark("https://c.example/")]
    new = not_yet_kept(incoming, ["https://c.example/", "https://z.example/"])
    assert [(b.url, b.title) for b in new.fresh] == [("https://a.example/", ""), ("https://b.example/", "B")]
    assert new.already == 1 and new.note == " 1 already in your bookmarks."
    assert not_yet_kept(incoming, []).note == ""


def test_the_store_keeps_every_field_of_a_bookmark() -> None:
    when = datetime(2026, 9, 1, tzinfo=timezone.utc)
    b = Bookmark("https://a.example/", "A", ("science",), "note", "Folder", False, when)
    assert stored_fields(b) == {"url": "https://a.example/", "title": "A", "tags": ("science",), "note": "note",
                                "folder": "Folder", "private": False, "added_at": when}
