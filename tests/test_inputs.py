"""Inputs as people really have them (issue 12): the shared cases through the entry point a user would use, and
other variants of each kind of fault (web addresses, uploaded text, dates, handles, HTTP bodies)."""

from __future__ import annotations

import codecs
import gzip
import unicodedata
import zlib
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from plnkit.errors import FeedConnectionError, FeedError, FeedTooLargeError, FeedURLError, InputError
from plnkit.formats.bookmarks import read_netscape
from plnkit.formats.feeds import parse_feed
from plnkit.formats.opml import read_opml
from plnkit.formats.portfolio import export_portfolio, import_portfolio
from plnkit.formats.text import decode, read_csv
from plnkit.rules.dates import from_timestamp, keep_newest, parse_date
from plnkit.rules.identity import check_identity, check_presences
from plnkit.rules.urls import check_address, normalize
from plnkit.services.feedcache import fetch_feed
from plnkit.services.session import Session
from plnkit.services.store import Store

from .conftest import DATA
from .feedserver import FeedServer

CASES = DATA / "cases"
UTC = timezone.utc


class CaseServer(FeedServer):
    """The loopback feed server, plus routes that serve a body with exactly the headers a test gives."""

    def __init__(self) -> None:
        super().__init__()
        self.routes: dict[str, tuple[bytes, dict[str, str]]] = {}

    def serve(self, path: str, body: bytes, **headers: str) -> str:
        self.routes[path] = (body, {k.replace("_", "-"): v for k, v in headers.items()})
        return self.base + path

    def route(self, h: BaseHTTPRequestHandler) -> None:
        if h.path in self.routes:
            body, headers = self.routes[h.path]
            self.send(h, 200, body, headers=headers)
        else:
            super().route(h)


@pytest.fixture(scope="module")
def web() -> Iterator[CaseServer]:
    server = CaseServer().start()
    yield server
    server.stop()


def fresh(tmp_path: Path, name: str) -> Session:
    s = Store(tmp_path / f"{name}.sqlite3")
    return Session(s, s.learner("local"))


# --- HTTP bodies: a readable body is read whatever Content-Encoding says (cases 01 and 03) ---------------


def test_01_a_plain_body_declared_gzip_reads(web: CaseServer) -> None:
    url = web.serve("/01", (CASES / "01-gzip-declared-plain.xml").read_bytes(), Content_Encoding="gzip")
    feed = fetch_feed(url, allow=web.allow)
    assert feed.title == "Parish Podcast" and len(feed.entries) == 1


@pytest.mark.parametrize("label", ["aws-chunked", "UTF-8"])
def test_03_an_unknown_or_non_compression_label_reads(web: CaseServer, label: str) -> None:
    url = web.serve(f"/03-{label}", (CASES / "03-bogus-content-encoding.xml").read_bytes(), Content_Encoding=label)
    feed = fetch_feed(url, allow=web.allow)
    assert feed.title == "Static Blog" and len(feed.entries) == 1


RSS = (CASES / "01-gzip-declared-plain.xml").read_bytes()
RAW_DEFLATE = zlib.compressobj(wbits=-zlib.MAX_WBITS)


@pytest.mark.parametrize("body,label", [
    (RSS, "deflate"), (RSS, "br"), (RSS, "x-unknown"), (RSS, "gzip, identity"),
    (gzip.compress(RSS), "identity"), (gzip.compress(RSS), ""), (gzip.compress(RSS), "deflate"),
    (zlib.compress(RSS), "deflate"), (RAW_DEFLATE.compress(RSS) + RAW_DEFLATE.flush(), "deflate"),
    (gzip.compress(RSS[:100]) + gzip.compress(RSS[100:]), "gzip"),  # two gzip members, as some servers append
    (codecs.BOM_UTF8 + RSS, "gzip"),
    (gzip.compress(gzip.compress(RSS)), "gzip"), (gzip.compress(gzip.compress(RSS)), "gzip, gzip"),  # twice
    (gzip.compress(zlib.compress(RSS)), "gzip"), (gzip.compress(gzip.compress(gzip.compress(RSS))), ""),
    (zlib.compress(RSS), "identity"), (zlib.compress(RSS), ""), (zlib.compress(RSS), "aws-chunked"),
])
def test_other_encodings_declared_wrong_still_read(web: CaseServer, body: bytes, label: str) -> None:
    headers = {"Content_Encoding": label} if label else {}
    url = web.serve(f"/variant-{abs(hash((body, label)))}", body, **headers)
    assert fetch_feed(url, allow=web.allow).title == "Parish Podcast"


def test_the_size_cap_holds_whatever_the_body_is_declared_as(web: CaseServer) -> None:
    bomb = gzip.compress(b" " * (3 * 1024 * 1024))
    for label in ("identity", "aws-chunked", "deflate"):
        url = web.serve(f"/bomb-{label}", bomb, Content_Encoding=label)
        with pytest.raises(FeedTooLargeError, match="larger than 1 MB"):
            fetch_feed(url, allow=web.allow, max_bytes=1024 * 1024)


def test_the_size_cap_holds_for_a_bomb_compressed_twice(web: CaseServer) -> None:
    bomb = gzip.compress(gzip.compress(b" " * (3 * 1024 * 1024)))
    for label in ("gzip", "gzip, gzip", "identity"):
        url = web.serve(f"/bomb-twice-{label.replace(', ', '-')}", bomb, Content_Encoding=label)
        with pytest.raises(FeedTooLargeError, match="larger than 1 MB"):
            fetch_feed(url, allow=web.allow, max_bytes=1024 * 1024)


def test_an_unreadable_body_still_says_why(web: CaseServer) -> None:
    with pytest.raises(FeedConnectionError, match=r"can't read \(br\)"):
        fetch_feed(web.serve("/br", b"\x8b\x05\x80\x03\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d",
                             Content_Encoding="br"), allow=web.allow)
    with pytest.raises(FeedConnectionError, match="damaged"):
        fetch_feed(web.serve("/bad-gzip", b"\x1f\x8b\x08\x00" + b"\xff" * 40, Content_Encoding="gzip"),
                   allow=web.allow)


# --- caps keep the newest (case 05) ----------------------------------------------------------------------


def test_05_a_long_feed_listed_oldest_first_keeps_its_newest_items(web: CaseServer) -> None:
    feed = fetch_feed(web.serve("/05", (CASES / "05-oldest-first-205-items.xml").read_bytes()), allow=web.allow)
    titles = {e.title for e in feed.entries}
    assert len(feed.entries) == 200 and "Lesson 205" in titles and "Lesson 5" not in titles and "Lesson 6" in titles


def test_a_json_feed_listed_oldest_first_keeps_its_newest_items() -> None:
    items = ",".join(f'{{"id": "{i}", "title": "Item {i}", "date_published": "2024-01-01T00:00:00Z"}}'
                     if i == 0 else
                     f'{{"id": "{i}", "title": "Item {i}", "date_published": "2024-{1 + i // 28:02d}-{1 + i % 28:02d}'
                     f'T08:00:00+00:00"}}' for i in range(0, 250))
    body = f'{{"version": "https://jsonfeed.org/version/1.1", "title": "J", "items": [{items}]}}'.encode()
    titles = [e.title for e in parse_feed(body, "https://example.org/feed.json").entries]
    assert len(titles) == 200 and "Item 249" in titles and "Item 49" not in titles
    assert titles == sorted(titles, key=lambda t: int(t.split()[1]))  # the feed's own order among the kept


def test_undated_items_keep_the_feeds_first_ones() -> None:
    assert keep_newest(list(range(10)), lambda _i: None, 3) == [0, 1, 2]


# --- dates (case 06) ---------------------------------------------------------------------------------------


def test_06_cest_is_read_as_two_hours_ahead_of_utc(web: CaseServer) -> None:
    feed = fetch_feed(web.serve("/06", (CASES / "06-cest-timezone.xml").read_bytes()), allow=web.allow)
    assert feed.entries[0].published == datetime(2024, 5, 30, 6, 57, tzinfo=UTC)


@pytest.mark.parametrize("text,expected", [
    ("Thu, 30 May 2024 08:57:00 EDT", datetime(2024, 5, 30, 12, 57, tzinfo=UTC)),
    ("Thu, 30 May 2024 08:57:00 BST", datetime(2024, 5, 30, 7, 57, tzinfo=UTC)),
    ("Thu, 30 May 2024 08:57:00 JST", datetime(2024, 5, 29, 23, 57, tzinfo=UTC)),
    ("Thu, 30 May 2024 08:57:00 AEST", datetime(2024, 5, 29, 22, 57, tzinfo=UTC)),
    ("Thu, 30 May 2024 08:57:00 +0200 (CEST)", datetime(2024, 5, 30, 6, 57, tzinfo=UTC)),
    ("Thu, 30 May 2024 08:57:00 GMT+2", datetime(2024, 5, 30, 6, 57, tzinfo=UTC)),  # as people write it
    ("30 May 2024 08:57:00 +02:00", datetime(2024, 5, 30, 6, 57, tzinfo=UTC)),
    ("Thu, 30 May 2024 08:57:00 UTC-04:00", datetime(2024, 5, 30, 12, 57, tzinfo=UTC)),
    ("Thursday, 30-May-24 08:57:00 CEST", datetime(2024, 5, 30, 6, 57, tzinfo=UTC)),
    ("Thu, 30 May 2024 08:57:00 IST", None),  # India, Ireland or Israel: unknown beats hours wrong
    ("Thu, 30 May 2024 08:57:00 XYZ", None),
    ("2024-05-30T08:57:00+02:00", datetime(2024, 5, 30, 6, 57, tzinfo=UTC)),
    ("2024-05-30", datetime(2024, 5, 30, tzinfo=UTC)),
    ("2024-05-30 08:57:00 CEST", datetime(2024, 5, 30, 6, 57, tzinfo=UTC)),
    ("Thu, 30 May 2124 08:57:00 GMT", None),  # far future
    ("Mon, 01 Jan 1900 00:00:00 GMT", None),
    ("0", None), ("-86400", None), ("not a date", None), ("", None),
])
def test_dates_are_read_right_or_not_at_all(text: str, expected: datetime | None) -> None:
    assert parse_date(text) == expected


def test_an_unknown_zone_in_a_feed_is_no_date_rather_than_a_wrong_one() -> None:
    rss = (CASES / "06-cest-timezone.xml").read_bytes()
    feed = parse_feed(rss.replace(b"CEST", b"IST"), "https://example.org/")
    assert feed.entries[0].published is None
    feed = parse_feed(rss.replace(b"Thu, 30 May 2024 08:57:00 CEST", b"2024-05-30T08:57:00+02:00"),
                      "https://example.org/")
    assert feed.entries[0].published == datetime(2024, 5, 30, 6, 57, tzinfo=UTC)


@pytest.mark.parametrize("stamp,expected", [
    (1700000000, datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)), (1700000000123, datetime(2023, 11, 14, 22, 13, 20,
                                                                                            123000, tzinfo=UTC)),
    (1700000000123456, datetime(2023, 11, 14, 22, 13, 20, 123456, tzinfo=UTC)), (0, None), (-1, None), (1, None),
    (4102444800, None),  # 2100
])
def test_timestamps_in_every_unit_and_nonsense_as_unknown(stamp: int, expected: datetime | None) -> None:
    assert from_timestamp(stamp) == expected


BOOKMARK = '<DL><DT><A HREF="https://example.org/{n}" {attr}>B</A></DL>'


@pytest.mark.parametrize("attr,year", [
    ('ADD_DATE="1300000000"', 2011), ('LAST_MODIFIED="1300000000"', 2011), ('dateAdded="1300000000000000"', 2011),
    ('created="2011-03-13T07:06:40Z"', 2011), ('time_added="1300000000"', 2011), ('ADD_DATE="1300000000000"', 2011),
    ('ADD_DATE="0"', None), ('ADD_DATE="-1"', None), ('ADD_DATE="99999999999"', None), ('ADD_DATE=""', None),
    ('ADD_DATE="0" LAST_MODIFIED="1300000000"', 2011),
])
def test_bookmark_dates_come_from_every_attribute_exporters_use(attr: str, year: int | None) -> None:
    mark = read_netscape(BOOKMARK.format(n=1, attr=attr).encode()).bookmarks[0]
    assert (mark.added_at.year if mark.added_at else None) == year


# --- web addresses (case 09): one normaliser for typing, OPML import and restore --------------------------


def test_09_feed_scheme_addresses_import_as_http(tmp_path: Path) -> None:
    result = read_opml((CASES / "09-opml-feed-scheme.opml").read_bytes())
    assert [s.url for s in result] == ["http://example.org/labnotes.xml", "https://example.net/trips/feed/",
                                       "https://example.com/feed.xml"]
    assert result.skipped == 0 and result[0].folder == "Science"


TYPED = ["feed:http://example.org/a.xml", "FEED://Example.org/b.xml", "feed:https://example.org/c",
         "feeds://example.org/d", "www.example.org/e.rss", "example.org:8080/f", "  https://EXAMPLE.org  ",
         "<https://example.org/g>", "“https://example.org/h”", "itpc://example.org/podcast.xml", "javascript:alert(1)", "ftp://example.org/x",
         "etc/passwd", "http://127.0.0.1/feed", "http://localhost/feed", "https://user:pw@example.org/feed",
         "http://exa mple.org/", "https://example.org:99999/", "data:text/xml,<rss/>"]


def test_typing_importing_and_restoring_accept_and_refuse_the_same_addresses(tmp_path: Path) -> None:
    def typed(text: str) -> str | None:
        try:
            from plnkit.rules.urls import feed_address

            return feed_address(check_address(text, "feed"))
        except FeedError:
            return None

    expected = {t: typed(t) for t in TYPED}
    assert expected["feed:http://example.org/a.xml"] == "http://example.org/a.xml"
    assert expected["FEED://Example.org/b.xml"] == "http://example.org/b.xml"
    assert expected["www.example.org/e.rss"] == "https://www.example.org/e.rss"
    assert expected["  https://EXAMPLE.org  "] == "https://example.org/"
    assert sum(v is not None for v in expected.values()) == 10
    outlines = "".join(f'<outline text="{i}" xmlUrl="{t.replace("&", "&amp;").replace("<", "&lt;")}"/>'
                       for i, t in enumerate(TYPED))
    imported = read_opml(f"<opml><body>{outlines}</body></opml>".encode())
    assert [s.url for s in imported] == [v for v in expected.values() if v]
    assert imported.skipped == len(TYPED) - 10
    here = fresh(tmp_path, "here")
    doc = {"format": "plnkit-portfolio", "subscriptions": [{"url": t} for t in TYPED]}
    import json

    message = import_portfolio(json.dumps(doc).encode(), here)
    assert [s.url for s in here.store.subscriptions(here.learner)] == [v for v in expected.values() if v]
    assert message.endswith("Left out, as the course won't fetch their addresses: 9 feeds.")


def test_feed_refusals_speak_of_feeds_and_bookmark_refusals_of_bookmarks() -> None:
    with pytest.raises(FeedURLError, match="only fetches http"):
        check_address("ftp://example.org/", "feed")
    with pytest.raises(InputError, match="Bookmarks must start with http") as info:
        check_address("ftp://example.org/", "bookmark")
    assert not isinstance(info.value, FeedError) and "fetch" not in str(info.value)
    with pytest.raises(FeedURLError, match="too long to be a feed address"):
        check_address("https://example.org/" + "x" * 3000, "feed")
    assert check_address("https://example.org/" + "x" * 3000, "bookmark").endswith("x")


@pytest.mark.parametrize("text", ["www.example.org", "feed://A.example/x", "HTTPS://a.example", "example.org:81/",
                                  "https://a.example/p?q=1&r=2#frag", "javascript:x", ""])
def test_normalising_twice_changes_nothing(text: str) -> None:
    assert normalize(normalize(text)) == normalize(text)


# --- one malformed character imports what it can (case 10) -------------------------------------------------


def test_10_a_raw_ampersand_in_opml_imports_every_feed() -> None:
    result = read_opml((CASES / "10-opml-unescaped-ampersand.opml").read_bytes())
    assert [s.url for s in result] == ["https://example.org/brief.xml",
                                       "http://example.net/rss.aspx?tabid=12&moduleid=34&maxcount=25",
                                       "https://example.com/maths.xml"]
    assert result[0].html_url == "https://example.org/?emc=rss&partner=rss" and result.message == "Imported 3 feeds."


def test_html_entities_and_control_characters_in_opml_are_forgiven() -> None:
    data = (b'<?xml version="1.0"?><opml><body><outline text="Caf&eacute;&nbsp;p&eacute;dago\x01" '
            b'xmlUrl="https://example.org/f"/></body></opml>')
    assert [s.title for s in read_opml(data)] == ["Café pédago"]  # a no-break space is a space in a title


def test_a_damaged_opml_imports_the_clean_outlines_and_counts_the_rest() -> None:
    data = b"""<opml version="2.0"><body><outline text="News">
<outline text="Broken" xmlUrl="https://a.example/feed" title="a < b"/>
<outline text="Fine" xmlUrl="https://b.example/feed"/></outline>
<outline text="Also fine" xmlUrl="https://c.example/feed"/>
<outline text="Cut off" xmlUrl="https://d.exa"""
    result = read_opml(data)
    assert [(s.url, s.folder) for s in result] == [("https://b.example/feed", "News"), ("https://c.example/feed", "")]
    assert result.damaged == 2 and result.message == "Imported 2 feeds, 2 skipped (damaged in the file)."


def test_an_opml_in_windows_1252_or_mislabelled_reads_right() -> None:
    body = '<opml><body><outline text="Français – élèves" xmlUrl="https://example.org/f"/></body></opml>'
    declared = ('<?xml version="1.0" encoding="windows-1252"?>' + body).encode("cp1252")
    lying = ('<?xml version="1.0" encoding="UTF-8"?>' + body).encode("cp1252")
    utf16 = ('<?xml version="1.0" encoding="UTF-16"?>' + body).encode("utf-16")
    for data in (declared, lying, utf16):
        assert [s.title for s in read_opml(data)] == ["Français – élèves"]


# --- bookmark files: attributes as browsers read them, any charset (cases 13 and 14) ----------------------


def test_13_legacy_entity_names_in_addresses_are_kept_as_written() -> None:
    marks = read_netscape((CASES / "13-netscape-legacy-entity-in-href.html").read_bytes()).bookmarks
    assert [b.url for b in marks] == ["https://maps.example.org/?z=13&center=51.09%2C14.34&loc=1",
                                      "https://example.org/search?q=owls&copy=1&not=2&para=3&sect=4"]


def test_real_references_in_attributes_are_still_read() -> None:
    data = b'<DT><A HREF="https://a.example/?a=1&amp;b=2&#38;c=3&copy;&eacute;" TAGS="r&amp;d,caf&eacute;">x</A>'
    mark = read_netscape(data).bookmarks[0]
    assert mark.url == "https://a.example/?a=1&b=2&c=3©é" and mark.tags == ("r&d", "café")


def test_14_a_windows_1252_bookmark_file_reads_right() -> None:
    mark = read_netscape((CASES / "14-netscape-windows-1252.html").read_bytes()).bookmarks[0]
    assert mark.folder == "Français" and mark.title == "Dictées – élèves de 6ème"


FILE = ('<!DOCTYPE NETSCAPE-Bookmark-file-1>\n{meta}<DL><p><DT><H3>Français</H3><DL><p>'
        '<DT><A HREF="https://example.org/d" ADD_DATE="1300000000">Dictées – élèves</A></DL><p></DL><p>')
META_1252 = '<META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=ISO-8859-1">\n'
META_UTF8 = '<meta charset="utf-8">\n'


@pytest.mark.parametrize("data", [
    FILE.format(meta="").encode("utf-16"),  # UTF-16 with a byte-order mark (Windows "Unicode")
    FILE.format(meta="").encode("utf-16-le"),  # ... and without one
    codecs.BOM_UTF8 + FILE.format(meta="").encode(),
    FILE.format(meta=META_1252).encode("cp1252"),  # ISO-8859-1 declared means windows-1252 (the dash)
    FILE.format(meta=META_1252).encode("utf-8"),  # declared ISO-8859-1 but saved as UTF-8
    FILE.format(meta=META_UTF8).encode("cp1252"),  # declared UTF-8 but saved as windows-1252
    FILE.format(meta="").encode("cp1252"),  # nothing declared, windows-1252
])
def test_bookmark_files_in_any_encoding_read_right(data: bytes) -> None:
    mark = read_netscape(data).bookmarks[0]
    assert (mark.folder, mark.title) == ("Français", "Dictées – élèves")


def test_a_utf8_file_with_one_damaged_byte_keeps_the_rest_right() -> None:
    data = FILE.format(meta="").encode().replace(b"<H1>", b"").replace("élèves".encode(), "élèves\xff".encode()[:-2]
                                                                        + b"\xff")
    mark = read_netscape(data).bookmarks[0]
    assert mark.folder == "Français" and mark.title.startswith("Dictées – élè")


# --- uploaded CSV ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("data", [
    "label;type;ring\nAna Lopez;person;1\nCafé pédagogique;community;2\n".encode("cp1252"),  # European Excel
    "sep=;\nlabel;type;ring\nAna Lopez;person;1\nCafé pédagogique;community;2\n".encode(),
    "label\ttype\tring\nAna Lopez\tperson\t1\nCafé pédagogique\tcommunity\t2\n".encode("utf-16"),  # "Unicode text"
    codecs.BOM_UTF8 + b"label,type,ring\r\nAna Lopez,person,1\r\n\"Caf\xc3\xa9 p\xc3\xa9dagogique\",community,2\r\n",
])
def test_csv_files_from_spreadsheets_read_whatever_their_delimiter_and_encoding(data: bytes) -> None:
    rows = read_csv(data)
    assert [(r["label"], r["type"], r["ring"]) for r in rows] == [("Ana Lopez", "person", "1"),
                                                                   ("Café pédagogique", "community", "2")]


def test_a_file_that_is_not_text_says_save_it_as_csv_utf8() -> None:
    with pytest.raises(InputError, match="Save it as CSV UTF-8"):
        read_csv(b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00" * 20)  # an .xlsx (a zip)
    assert decode(b"plain").text == "plain"


# --- each entry point accepts what the others restore (case 20) ---------------------------------------------


def _restore_bookmarks_from(data: bytes, tmp_path: Path) -> tuple[list[object], list[object]]:
    from plnkit.rules.bookmarks import stored_fields

    here = fresh(tmp_path, "here")
    result = read_netscape(data)
    here.store.add_bookmarks(here.learner, [stored_fields(b) for b in result.bookmarks])
    elsewhere = fresh(tmp_path, "elsewhere")
    message = import_portfolio(export_portfolio(here), elsewhere)
    assert message.endswith(f"and {len(result.bookmarks)} bookmark{'s' if len(result.bookmarks) != 1 else ''}.")

    def seen(s: Session) -> list[object]:
        return sorted((b.url, b.title, b.tags, b.note, b.folder, b.private, b.added_at)
                      for b in s.store.bookmarks(s.learner))

    return seen(here), seen(elsewhere)


def test_20_many_long_tags_import_and_then_restore(tmp_path: Path) -> None:
    mark = read_netscape((CASES / "20-netscape-many-tags.html").read_bytes()).bookmarks[0]
    assert len(mark.tags) == 24 and max(map(len, mark.tags)) == 59
    before, after = _restore_bookmarks_from((CASES / "20-netscape-many-tags.html").read_bytes(), tmp_path)
    assert before == after


def test_long_untitled_old_and_oddly_foldered_bookmarks_import_and_then_restore(tmp_path: Path) -> None:
    long = "https://maps.example/#" + "x" * 4000
    data = (f'<DL><DT><H3>{"Folder " * 80}</H3><DL><DT><A HREF="{long}" ADD_DATE="1104537600"></A>'
            f'<DD>{"note " * 500}</DL><DT><A HREF="https://a.example/" ADD_DATE="1">Epoch one</A></DL>').encode()
    before, after = _restore_bookmarks_from(data, tmp_path)
    assert before == after and len(before) == 2
    assert any(b[0] == long and b[6] == datetime(2005, 1, 1, tzinfo=UTC) for b in before)  # from Delicious days


# --- handles (case 21) -------------------------------------------------------------------------------------


def test_21_profile_links_are_the_same_name() -> None:
    rows = [tuple(line.split("\t")) for line in (CASES / "21-identity-profile-urls.txt").read_text().splitlines()
            if line and not line.startswith("#")]
    report = check_identity(check_presences(rows))
    assert len(rows) == 5 and report.consistent and report.suggestion == "ana"


@pytest.mark.parametrize("typed", ["@ana@mastodon.social", "https://bsky.app/profile/ana.bsky.social", "ana",
                                   unicodedata.normalize("NFD", "ana"), "https://www.linkedin.com/in/ana/",
                                   "x.com/ana", "https://ana.substack.com/", "ana@school.example.org"])
def test_other_ways_of_writing_a_handle_are_the_same_name(typed: str) -> None:
    assert check_identity(check_presences([("Mastodon", "https://mastodon.social/@ana"), ("Other", typed)])).consistent


def test_names_are_compared_after_unicode_normalisation_and_case_folding() -> None:
    nfc, nfd = unicodedata.normalize("NFC", "Ána"), unicodedata.normalize("NFD", "Ána")
    assert nfc != nfd
    assert check_identity(check_presences([("A", nfc), ("B", nfd)])).consistent
    report = check_identity(check_presences([("A", "ana"), ("B", "ana"), ("C", "ANA")]))
    assert [f.difference for f in report.findings] == ["case"] and report.suggestion == "ana"
    assert check_identity(check_presences([("A", "ms.rivera"), ("B", "msrivera")])).findings[0].difference == \
        "separators"  # a dotted name that is not a domain stays a name


def test_a_restored_portfolio_keeps_dates_within_a_day(tmp_path: Path) -> None:
    here = fresh(tmp_path, "here")
    soon = datetime.now(UTC) + timedelta(hours=3)
    doc = {"format": "plnkit-portfolio", "bookmarks": [
        {"url": "www.example.org", "added_at": soon.isoformat()}, {"url": "https://b.example/", "added_at": "junk"}]}
    import json

    import_portfolio(json.dumps(doc).encode(), here)
    marks = {b.url: b for b in here.store.bookmarks(here.learner)}
    assert set(marks) == {"https://www.example.org/", "https://b.example/"}
    assert all(b.added_at <= datetime.now(UTC) for b in marks.values())


# --- properties: whatever arrives, a clear message or a value, never a traceback ------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from plnkit.errors import OPMLError  # noqa: E402

_TYPED = st.one_of(st.text(max_size=60),
                   st.from_regex(r"[\"<“ ]{0,2}(feed:|FEED://|https?://|www\.|//)?[\w.\[\]:@%/?#&=-]{0,40}[\">” ]{0,2}",
                                 fullmatch=True))


@settings(max_examples=300, deadline=None)
@given(_TYPED)
def test_any_typed_address_is_accepted_normalised_or_refused_with_a_message(text: str) -> None:
    assert normalize(normalize(text)) == normalize(text)
    for kind in ("feed", "bookmark"):
        try:
            url = check_address(text, kind)  # type: ignore[arg-type]
        except (FeedURLError, InputError) as exc:
            assert str(exc).endswith(".") and "Traceback" not in str(exc)
        else:
            assert check_address(url, kind) == url  # type: ignore[arg-type]


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300) | st.text(max_size=200).map(lambda t: f"<opml><body>{t}".encode()))
def test_any_upload_imports_or_says_why(data: bytes) -> None:
    try:
        read_opml(data)
    except OPMLError as exc:
        assert str(exc).endswith(".")
    try:
        read_netscape(data)
    except InputError as exc:
        assert str(exc).endswith(".")


def test_a_broken_address_in_a_file_is_skipped_not_fatal() -> None:
    assert read_opml(b'<opml><body><outline xmlUrl="http://[::1"/><outline xmlUrl="https://a.example/"/>'
                     b"</body></opml>").skipped == 1
    assert read_netscape(b'<DT><A HREF="http://[::1">x</A><DT><A HREF="https://a.example/">y</A>').skipped == 1
