"""OPML import and export: folders kept, bad entries counted, nothing partial, round trips."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from plnkit.errors import OPMLError
from plnkit.formats.feeds import Subscription, read_opml, write_opml

FEEDLY = b"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="1.0"><head><title>Feedly export</title></head><body>
<outline text="Education" title="Education">
  <outline type="rss" text="Cult of Pedagogy" title="Cult of Pedagogy" xmlUrl="https://www.cultofpedagogy.com/feed/"
           htmlUrl="https://www.cultofpedagogy.com" fetchInterval="1" customHeader="X-Evil: 1"/>
  <outline text="Science"><outline type="rss" text="Sci Ed" xmlUrl="https://sci.example/feed"/></outline>
</outline>
<outline type="rss" text="Top level" xmlUrl="https://top.example/rss"/>
<outline type="rss" text="Again" xmlUrl="https://TOP.example/rss"/>
<outline type="rss" text="Local file" xmlUrl="file:///etc/passwd"/>
<outline type="rss" text="Metadata" xmlUrl="http://169.254.169.254/latest"/>
<outline type="rss" text="Script" xmlUrl="javascript:alert(1)"/>
<outline type="rss" text="Local" xmlUrl="http://localhost:8080/feed"/>
</body></opml>"""


def test_a_feedly_export_imports_with_folders_and_counts_what_was_skipped() -> None:
    result = read_opml(FEEDLY)
    assert [(s.url, s.folder) for s in result] == [
        ("https://www.cultofpedagogy.com/feed/", "Education"),
        ("https://sci.example/feed", "Education / Science"),
        ("https://top.example/rss", ""),
    ]
    assert result[0].title == "Cult of Pedagogy" and result[0].html_url == "https://www.cultofpedagogy.com/"
    assert result.skipped == 4 and result.duplicates == 1
    assert result.message == ("Imported 3 feeds, 1 duplicate merged, "
                              "4 skipped (addresses the course won't fetch: not http or https, or on a private "
                              "network).")


def test_only_address_title_link_folder_and_date_are_read() -> None:
    assert set(Subscription.__dataclass_fields__) == {"url", "title", "folder", "html_url", "added_at"}


@pytest.mark.parametrize("attr,expected", [
    ('created="Mon, 14 Mar 2011 07:06:40 GMT"', datetime(2011, 3, 14, 7, 6, 40, tzinfo=timezone.utc)),  # OPML 2.0
    ('dateCreated="2011-03-14T07:06:40Z"', datetime(2011, 3, 14, 7, 6, 40, tzinfo=timezone.utc)),
    ('dateAdded="1300086400000"', datetime(2011, 3, 14, 7, 6, 40, tzinfo=timezone.utc)),  # milliseconds
    ('created="0" dateAdded="1300086400"', datetime(2011, 3, 14, 7, 6, 40, tzinfo=timezone.utc)),
    ('created="0"', None), ('created="not a date"', None), ("", None),
])
def test_the_date_an_outline_was_subscribed_is_read_from_any_name_readers_use(attr: str,
                                                                               expected: datetime | None) -> None:
    data = f'<opml version="2.0"><body><outline xmlUrl="https://a.example/feed" {attr}/></body></opml>'.encode()
    assert read_opml(data)[0].added_at == expected


def test_an_exported_subscription_date_imports_to_the_second() -> None:
    when = datetime(2024, 5, 30, 6, 57, 12, 345678, tzinfo=timezone.utc)
    data = write_opml([Subscription("https://a.example/feed", "A", "", None, when)])
    assert b'created="Thu, 30 May 2024 06:57:12 GMT"' in data
    assert read_opml(data)[0].added_at == when.replace(microsecond=0)


def test_export_then_import_gives_the_same_subscriptions_and_folders() -> None:
    subs = [Subscription("https://a.example/feed", "A & B <blog>", "Maths / Year 9", "https://a.example/"),
            Subscription("https://b.example/rss", "Bé", ""),
            Subscription("https://c.example/atom", "C", "Maths")]
    again = read_opml(write_opml(subs))
    assert sorted(again, key=lambda s: s.url) == sorted(subs, key=lambda s: s.url)
    assert again.skipped == 0


def test_write_accepts_plain_urls_and_dicts() -> None:
    again = read_opml(write_opml(["https://a.example/feed", {"url": "https://b.example/rss", "title": "B"}]))
    assert [s.url for s in again] == ["https://a.example/feed", "https://b.example/rss"]


@pytest.mark.parametrize("data,words", [
    (b"<rss><channel><title>x</ti", "damaged"),
    (b"<html><body>hello</body></html>", "not an OPML"),
    (b"""<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>
<opml><body><outline text="&lol2;" xmlUrl="https://a.example/"/></body></opml>""", "DTD"),
    (b"not xml at all", "damaged"),
])
def test_a_bad_file_imports_nothing_and_says_why(data: bytes, words: str) -> None:
    with pytest.raises(OPMLError, match=words):
        read_opml(data)


def test_size_and_count_caps() -> None:
    too_many = b"<opml><body>" + b'<outline xmlUrl="https://a.example/%d"/>' * 5001 + b"</body></opml>"
    with pytest.raises(OPMLError, match="more than 5,000"):
        read_opml(too_many)
    with pytest.raises(OPMLError, match="larger than 5 MB"):
        read_opml(b"<opml>" + b" " * (5 * 1024 * 1024 + 1) + b"</opml>")


# --- property: our own exports always re-import unchanged ----------------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from plnkit.rules.urls import normalize  # noqa: E402

_LABEL = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
_HOST = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?(\.[a-z0-9]{1,8})*\.[a-z]{2,6}", fullmatch=True)
_PATH = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp"), blacklist_characters="#"),
                max_size=30)


@st.composite
def web_addresses(draw: st.DrawFn) -> str:
    scheme = draw(st.sampled_from(["http", "https"]))
    port = draw(st.sampled_from(["", ":8080"]))
    return normalize(f"{scheme}://{draw(_HOST)}{port}/{draw(_PATH)}")


def _title(text: str) -> str:
    import re

    return " ".join(re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", "", text).split())[:300].rstrip()


@st.composite
def subscription_lists(draw: st.DrawFn) -> list[Subscription]:
    urls = draw(st.lists(web_addresses(), max_size=8, unique_by=lambda u: u.lower()))
    folders = [" / ".join(f for f in (_title(p).replace(" / ", " ") for p in parts) if f)
               for parts in draw(st.lists(st.lists(_LABEL, max_size=3), min_size=len(urls), max_size=len(urls)))]
    subs = []
    for url, folder in zip(urls, folders, strict=True):
        title = _title(draw(_LABEL))
        subs.append(Subscription(url, "" if title == url else title, folder,
                                 draw(st.one_of(st.none(), web_addresses()))))
    return subs


@settings(max_examples=100, deadline=None)
@given(subscription_lists())
def test_any_subscription_list_survives_export_then_import_unchanged(subs: list[Subscription]) -> None:
    again = read_opml(write_opml(subs))
    assert sorted(again, key=lambda s: s.url) == sorted(subs, key=lambda s: s.url)
    assert again.skipped == again.duplicates == again.damaged == 0


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(web_addresses(), st.text(max_size=30), st.text(max_size=30)), max_size=6))
def test_any_text_at_all_still_re_imports(rows: list[tuple[str, str, str]]) -> None:
    again = read_opml(write_opml([Subscription(u, t, f) for u, t, f in rows]))
    assert again.damaged == again.skipped == 0 and len(again) + again.duplicates == len(rows)
