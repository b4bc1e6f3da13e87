"""Bookmarks: typed input, and the Netscape format with the quirks real exports have."""

from __future__ import annotations

import pytest

from plnkit.errors import InputError
from plnkit.formats.bookmarks import (
    MAX_TAGS,
    Bookmark,
    check_bookmark,
    matches,
    read_netscape,
    split_tags,
    tag_counts,
    write_netscape,
)

from .conftest import DATA


def quirky() -> list[Bookmark]:
    return read_netscape((DATA / "bookmarks-quirky.html").read_bytes()).bookmarks


def test_folders_tags_dates_and_notes_are_kept_through_quirks() -> None:
    result = read_netscape((DATA / "bookmarks-quirky.html").read_bytes())
    by_url = {b.url: b for b in result.bookmarks}
    first = by_url["https://www.cultofpedagogy.com/retrieval/"]
    assert first.title == "Retrieval practice & more" and first.folder == "Science"
    assert first.tags == ("retrieval practice", "year 9", "Science")  # TAGS with spaces, comma-separated
    assert first.note == "Start each lesson with 3 questions." and first.private is False
    assert first.added_at is not None and first.added_at.year == 2023
    nested = by_url["https://example.org/cells"]
    assert nested.folder == "Science / Year 9" and nested.title == "Cells — Élèves" and nested.added_at is None
    assert by_url["https://example.org/no-date"].title == "No date, unclosed"  # an <A> never closed
    assert by_url["https://example.org/ms"].note == "Multi-line note here"
    assert by_url["https://example.org/ms"].added_at.year == 2023  # type: ignore[union-attr]  # milliseconds
    assert result.skipped == 2  # javascript: and place:
    assert result.message == ("Imported 4 bookmarks; skipped 2 that were not a web address (such as javascript: "
                              "or browser-internal links).")


def test_export_then_import_gives_the_same_bookmarks() -> None:
    original = quirky()
    again = read_netscape(write_netscape(original)).bookmarks
    assert sorted(again, key=lambda b: b.url) == sorted(original, key=lambda b: b.url)


def test_hostile_titles_and_notes_are_escaped_in_the_export() -> None:
    data = write_netscape([Bookmark("https://a.example/?q=1&r=2", "<script>x</script>", ("a,b",), "<b>note</b>")])
    assert b"<script>" not in data and b"&lt;script&gt;" in data and b'HREF="https://a.example/?q=1&amp;r=2"' in data
    back = read_netscape(data).bookmarks[0]
    assert back.title == "<script>x</script>" and back.tags == ("a b",) and back.url == "https://a.example/?q=1&r=2"


@pytest.mark.parametrize("data,words", [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "isn't text"),
    (b"<html><body>Just a page</body></html>", "No bookmarks were found"),
    (b"x" * (5 * 1024 * 1024 + 1), "larger than 5 MB"),
    (b"<DL>" + b'<DT><A HREF="https://a.example/">a</A>' * 10_001, "more than 10,000"),
])
def test_a_bad_file_gives_a_clear_message(data: bytes, words: str) -> None:
    with pytest.raises(InputError, match=words):
        read_netscape(data)


def test_only_javascript_links_still_reports_what_was_skipped() -> None:
    result = read_netscape(b'<DL><DT><A HREF="javascript:alert(1)">x</A></DL>')
    assert result.bookmarks == [] and result.skipped == 1


@pytest.mark.parametrize("url,words", [("javascript:alert(1)", "not javascript:"), ("ftp://x.example/", "not ftp:"),
                                       ("etc/passwd", "not a web address"), ("", "Please type a web address")])
def test_typed_bookmarks_need_web_addresses(url: str, words: str) -> None:
    with pytest.raises(InputError, match=words) as info:
        check_bookmark(url)
    assert "http" in str(info.value) and "fetch" not in str(info.value)  # a bookmark is not fetched


def test_typed_bookmarks_are_normalised_like_imported_ones() -> None:
    assert check_bookmark("www.Example.org").url == "https://www.example.org/"
    assert check_bookmark(" feed://example.org/x ").url == "http://example.org/x"
    long = "https://maps.example/#" + "x" * 5000  # longer than any feed address: a bookmark may be long
    assert check_bookmark(long).url == long and len(check_bookmark(long).title) == 300
    with pytest.raises(InputError, match="password"):
        check_bookmark("https://me:secret@intranet.example/")
    assert check_bookmark("http://10.0.0.5/timetable").url == "http://10.0.0.5/timetable"  # never fetched


def test_typed_bookmark_limits_and_defaults() -> None:
    b = check_bookmark("https://a.example/", "", " science ,Year 9,science", "n")
    assert b.title == "https://a.example/" and b.tags == ("science", "Year 9") and b.private
    with pytest.raises(InputError, match=f"at most {MAX_TAGS} tags"):  # the same limit as import and restore
        check_bookmark("https://a.example/", tags=",".join(f"t{i}" for i in range(MAX_TAGS + 1)))
    with pytest.raises(InputError, match="note"):
        check_bookmark("https://a.example/", note="x" * 2001)


def test_filter_search_and_tag_overview() -> None:
    items = quirky()
    assert [b.url for b in items if matches(b, tag="SCIENCE")] == ["https://www.cultofpedagogy.com/retrieval/"]
    assert [b.url for b in items if matches(b, text="élèves")] == ["https://example.org/cells"]
    assert tag_counts(items)[:2] == [("biology", 1), ("retrieval practice", 1)]
    assert split_tags(None) == ()


# --- property: our own exports always re-import unchanged ----------------------------------------------------

from datetime import datetime, timezone  # noqa: E402

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from plnkit.formats.bookmarks import bookmark_from_file  # noqa: E402

from .test_opml import web_addresses  # noqa: E402

_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=60)
_NOW = int(datetime.now(timezone.utc).timestamp())


@st.composite
def bookmark_sets(draw: st.DrawFn) -> list[Bookmark]:
    urls = draw(st.lists(web_addresses(), max_size=8, unique=True))
    marks = []
    for url in urls:
        stamp = draw(st.one_of(st.none(), st.integers(662_688_000, _NOW)))
        folder = " / ".join(draw(st.lists(_TEXT, max_size=3)))
        tags = draw(st.lists(st.text(max_size=20), max_size=6))
        # what any entry point keeps: normalised and cut by the rule import and restore share
        marks.append(bookmark_from_file(url, draw(_TEXT), tags, draw(_TEXT), folder,
                                        draw(st.booleans()), stamp and datetime.fromtimestamp(stamp, timezone.utc)))
    return marks


@settings(max_examples=100, deadline=None)
@given(bookmark_sets())
def test_any_bookmark_set_survives_export_then_import_unchanged(marks: list[Bookmark]) -> None:
    again = read_netscape(write_netscape(marks)) if marks else None
    if again is None:
        return
    assert sorted(again.bookmarks, key=lambda b: b.url) == sorted(marks, key=lambda b: b.url)
    assert again.skipped == again.too_many_tags == 0


@pytest.mark.parametrize("attr", ['dateCreated="1300000000"', 'DATE_CREATED="1300000000"', 'date="2011-03-13"',
                                  'time="2011-03-13T07:06:40Z"', 'dateModified="1300000000000"',
                                  'modified="1300000000"', 'updated="Sun, 13 Mar 2011 07:06:40 GMT"'])
def test_a_bookmark_date_under_any_name_other_exporters_use_is_read(attr: str) -> None:
    mark = read_netscape(f'<DL><DT><A HREF="https://example.org/" {attr}>B</A></DL>'.encode()).bookmarks[0]
    assert mark.added_at is not None and (mark.added_at.year, mark.added_at.month, mark.added_at.day) == (2011, 3, 13)


def test_a_saved_date_wins_over_a_modified_one_and_counts_are_worded_once() -> None:
    result = read_netscape(b'<DL><DT><A HREF="https://example.org/" updated="1400000000" dateCreated="1300000000">'
                           b"B</A></DL>")
    assert result.bookmarks[0].added_at.year == 2011  # type: ignore[union-attr]
    assert result.message == "Imported 1 bookmark."
