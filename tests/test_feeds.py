"""Fetching and reading feeds over real HTTP from a loopback server, and cleaning what they contain."""

from __future__ import annotations

import ipaddress
import re
import time
from collections.abc import Iterator
from datetime import datetime, timezone

import pytest

from plnkit.errors import (
    FeedConnectionError,
    FeedError,
    FeedHTTPError,
    FeedParseError,
    FeedTimeoutError,
    FeedTooLargeError,
    NotAFeedError,
    PrivateAddressError,
    TooManyRedirectsError,
)
from plnkit.formats import feeds
from plnkit.formats.feeds import parse_feed
from plnkit.services.feedcache import fetch_feed

from .conftest import DATA
from .feedserver import HOSTILE, FeedServer


@pytest.fixture(scope="module")
def server() -> Iterator[FeedServer]:
    s = FeedServer().start()
    yield s
    s.stop()


def test_a_feed_is_fetched_parsed_and_made_safe(server: FeedServer) -> None:
    feed = fetch_feed(f"{server.base}/feed.xml", allow=server.allow)
    assert feed.title == "Loopback Teachers' Blog"
    first = feed.entries[0]
    assert first.title == "Retrieval practice in Year 9"
    assert first.link == f"{server.base}/posts/retrieval"  # relative link resolved against the site
    assert first.published == datetime(2026, 11, 3, 9, 30, tzinfo=timezone.utc)
    assert f'href="{server.base}/posts/quiz"' in first.summary_html
    assert 'rel="noopener noreferrer"' in first.summary_html
    assert feed.entries[1].published is None
    assert server.agents[-1].startswith("plnkit/")


def test_a_title_holding_script_stays_text(server: FeedServer) -> None:
    feed = fetch_feed(f"{server.base}/feed.xml", allow=server.allow)
    assert feed.entries[1].title == '<script>alert("title")</script> Scripts in titles'


def test_the_public_api_refuses_the_loopback_server_without_an_exemption(server: FeedServer) -> None:
    with pytest.raises(PrivateAddressError):
        fetch_feed(f"{server.base}/feed.xml")


def test_the_exemption_can_come_from_the_environment(server: FeedServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLNKIT_FEED_ALLOW", server.allow)
    assert fetch_feed(f"{server.base}/feed.xml").title == "Loopback Teachers' Blog"


def test_the_connection_goes_to_the_checked_address_with_the_sites_name(server: FeedServer) -> None:
    def dns(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
        return [ipaddress.ip_address("127.0.0.1")]

    feed = fetch_feed(f"http://blog.example:{server.port}/feed.xml", allow=server.allow, resolver=dns)
    assert feed.entries and server.hosts[-1] == f"blog.example:{server.port}"


@pytest.mark.parametrize("path,error,words", [
    ("/404", FeedHTTPError, "not found (error 404)"),
    ("/500", FeedHTTPError, "had a problem (error 500)"),
    ("/loop", TooManyRedirectsError, "loop"),
    ("/hop/1", TooManyRedirectsError, "more than 5"),
    ("/json", NotAFeedError, "data (JSON), not a feed"),
    ("/garbage", FeedParseError, "didn't return a feed"),
    ("/page-no-feed", NotAFeedError, "doesn't link to one"),
])
def test_failures_raise_feed_errors_with_plain_messages(server: FeedServer, path: str, error: type, words: str) -> None:
    with pytest.raises(error) as info:
        fetch_feed(server.base + path, allow=server.allow)
    assert isinstance(info.value, FeedError) and words in str(info.value)
    assert "Traceback" not in str(info.value) and "\n" not in str(info.value)


def test_a_429_carries_retry_after(server: FeedServer) -> None:
    with pytest.raises(FeedHTTPError) as info:
        fetch_feed(f"{server.base}/429", allow=server.allow)
    assert info.value.status == 429 and info.value.retry_after == 3600


def test_a_web_page_suggests_the_feed_it_links_to(server: FeedServer) -> None:
    with pytest.raises(NotAFeedError) as info:
        fetch_feed(f"{server.base}/page", allow=server.allow)
    assert info.value.suggestion == f"{server.base}/feed.xml"
    assert str(info.value) == f"That page is not a feed: did you mean its feed at {server.base}/feed.xml?"


def test_redirects_are_followed_and_each_hop_checked(server: FeedServer) -> None:
    assert fetch_feed(f"{server.base}/moved", allow=server.allow).title == "Loopback Teachers' Blog"
    other = FeedServer().start()
    try:
        server.redirect_target = f"{other.base}/feed.xml"  # another loopback port, not exempted
        with pytest.raises(PrivateAddressError):
            fetch_feed(f"{server.base}/to-elsewhere", allow=server.allow)
        assert other.hits["/feed.xml"] == 0
        server.redirect_target = "http://10.1.2.3/feed.xml"
        with pytest.raises(PrivateAddressError):
            fetch_feed(f"{server.base}/to-elsewhere", allow=server.allow)
        server.redirect_target = "file:///etc/passwd"
        with pytest.raises(FeedError, match="only fetches http"):
            fetch_feed(f"{server.base}/to-elsewhere", allow=server.allow)
    finally:
        other.stop()


def test_a_server_that_never_answers_times_out(server: FeedServer) -> None:
    start = time.monotonic()
    with pytest.raises(FeedTimeoutError, match="took too long"):
        fetch_feed(f"{server.base}/slow", allow=server.allow, read_timeout=1, deadline=3)
    assert time.monotonic() - start < 30  # the server would take 60 s: the timeout, not the server, ended it


def test_the_overall_deadline_holds_against_a_one_byte_a_second_server(server: FeedServer) -> None:
    start = time.monotonic()
    with pytest.raises(FeedTimeoutError):
        fetch_feed(f"{server.base}/drip", allow=server.allow, read_timeout=5, deadline=2.5)
    # Each byte arrives well within the read timeout, so only the deadline can stop it; the whole body would
    # take several minutes at one byte a second.
    assert time.monotonic() - start < 30


def test_a_gzip_bomb_is_stopped_at_the_cap_after_decompression(server: FeedServer) -> None:
    with pytest.raises(FeedTooLargeError, match="larger than 10 MB"):
        fetch_feed(f"{server.base}/bomb", allow=server.allow)


def test_gzip_is_decoded(server: FeedServer) -> None:
    assert fetch_feed(f"{server.base}/gzip.xml", allow=server.allow).entries


def test_a_50_mb_body_is_cut_off(server: FeedServer) -> None:
    with pytest.raises(FeedTooLargeError):
        fetch_feed(f"{server.base}/huge", allow=server.allow)


def test_a_closed_port_says_the_site_could_not_be_reached() -> None:
    from .conftest import free_port

    port = free_port()
    with pytest.raises(FeedConnectionError, match="Couldn't connect"):
        fetch_feed(f"http://127.0.0.1:{port}/feed.xml", allow=f"127.0.0.1:{port}")


def test_non_utf8_feeds_are_decoded(server: FeedServer) -> None:
    feed = fetch_feed(f"{server.base}/latin1.xml", allow=server.allow)
    assert feed.title == "Café pédagogique" and feed.entries[0].title == "Élèves et enseignants"


def test_malformed_xml_yields_what_can_be_read(server: FeedServer) -> None:
    feed = fetch_feed(f"{server.base}/malformed.xml", allow=server.allow)
    assert feed.title == "Broken"


def test_real_rss_atom_and_json_feeds_parse(server: FeedServer) -> None:
    rss = fetch_feed(f"{server.base}/real-rss.xml", allow=server.allow)
    atom = fetch_feed(f"{server.base}/real-atom.xml", allow=server.allow)
    jsonfeed = fetch_feed(f"{server.base}/jsonfeed", allow=server.allow)
    assert rss.title == "Thomas Honeyman" and len(rss.entries) > 3
    assert atom.title == "Logits and Coffee" and atom.entries
    assert len(jsonfeed.entries) == 3
    for feed in (rss, atom, jsonfeed):
        for e in feed.entries:
            assert e.link is None or e.link.startswith(("http://", "https://"))
            assert e.published is None or e.published.tzinfo is not None


def test_hostile_content_is_cleaned() -> None:
    feed = parse_feed(HOSTILE, "http://127.0.0.1/hostile.xml")
    bad, data = feed.entries
    html = bad.summary_html
    assert bad.link is None and data.link is None  # javascript: and data: links dropped
    for forbidden in ("<script", "onclick", "onmouseover", "onload", "<img", "<form", "<input", "<iframe",
                      "javascript:", "data:text", "style=", "<svg", "<object", "tracker.example"):
        assert forbidden not in html, forbidden
    assert 'href="http://ok.example/page"' in html and 'href="mailto:teacher@example.org"' in html
    assert all('rel="noopener noreferrer"' in a for a in re.findall(r"<a [^>]*>", html))


def test_text_plain_summaries_are_escaped() -> None:
    from .feedserver import ATOM_PLAIN

    entry = parse_feed(ATOM_PLAIN, "https://example.org/feed").entries[0]
    assert entry.summary_html == "<p>Use &lt;b&gt; tags &amp; see.</p>"


def test_feed_links_are_found_in_pages() -> None:
    page = b'<html><head><link rel="alternate" type="application/atom+xml" href="https://x.example/atom">' \
           b'<link rel="alternate" type="application/rss+xml" href="javascript:alert(1)"></head></html>'
    assert feeds.feed_links(page, "https://x.example/") == ["https://x.example/atom"]


def test_a_pages_feed_links_are_normalised_as_the_feed_box_does() -> None:
    from plnkit.rules.urls import MAX_FEED_URL, check_address

    hrefs = ["feed://X.Example/rss", "feed:https://x.example/atom", " /feed.xml ", "//cdn.example/feed",
             "https://teacher:secret@x.example/private", "https://x.example/" + "a" * MAX_FEED_URL]
    page = "".join(f'<link rel="alternate" type="application/rss+xml" href="{h}">' for h in hrefs).encode()
    found = feeds.feed_links(page, "https://x.example/blog/")
    assert found == ["http://x.example/rss", "https://x.example/atom", "https://x.example/feed.xml",
                     "https://cdn.example/feed"]  # what the feed box refuses (a password, too long) is not offered
    assert all(check_address(link, "feed") == link for link in found)


def test_the_real_corpus_sample_is_clean() -> None:
    feed = parse_feed((DATA / "real-rss.xml").read_bytes(), "https://thomashoneyman.com/index.xml")
    for e in feed.entries:
        assert "<script" not in e.summary_html and "javascript:" not in e.summary_html


def test_the_buffered_sax_driver_changes_nothing_but_speed() -> None:
    import feedparser.api

    from plnkit.formats import _sax

    body = (DATA / "real-rss.xml").read_bytes()
    buffered = parse_feed(body, "https://thomashoneyman.com/index.xml")
    assert feedparser.api.PREFERRED_XML_PARSERS[0] == _sax.__name__
    feedparser.api.PREFERRED_XML_PARSERS.remove(_sax.__name__)
    try:
        standard = parse_feed(body, "https://thomashoneyman.com/index.xml")
    finally:
        _sax.install()
    assert buffered == standard and len(buffered.entries) > 3


def test_proxy_variables_are_ignored(server: FeedServer, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")  # nothing listens there: a proxy would fail
    assert fetch_feed(f"{server.base}/feed.xml", allow=server.allow).entries


def test_any_2xx_answer_carries_the_feed(server: FeedServer) -> None:
    assert fetch_feed(f"{server.base}/203", allow=server.allow).title == "Loopback Teachers' Blog"
