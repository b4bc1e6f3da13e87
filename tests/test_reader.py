"""The feed reader widget, driven in-process against a loopback feed server and a real store file."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator

import pytest

from plnkit.content import STARTER_FEEDS
from plnkit.errors import FeedConnectionError, HostNotFoundError
from plnkit.formats.feeds import read_opml
from plnkit.rules import network
from plnkit.rules.feedstatus import LATER, OFFLINE
from plnkit.services._net import Resolver
from plnkit.services.feedcache import FeedResult, refresh_one
from plnkit.services.store import Store
from plnkit.widgets.reader import FeedReader

from .feedserver import FeedServer
from .test_reflection import eventually


@pytest.fixture(scope="module")
def server() -> Iterator[FeedServer]:
    s = FeedServer().start()
    yield s
    s.stop()


def subscribed(store: Store) -> list[str]:
    return [s.url for s in store.subscriptions(store.learner("local"))]


def mine(store: Store) -> network.Network:
    return network.replay(store.network_events(store.learner("local")))


def test_subscribe_refresh_and_read(server: FeedServer, store: Store) -> None:
    reader = FeedReader(allow=server.allow)
    reader.url.value = f"{server.base}/feed.xml"
    reader.subscribe_button.click()
    assert reader.status.text == "Subscribed to Loopback Teachers' Blog."
    assert "Retrieval practice in Year 9" in reader.entries.value  # its posts show without a Refresh
    assert subscribed(store) == [f"{server.base}/feed.xml"]
    node = mine(store).nodes["site:127.0.0.1"]  # it joined the learner's network, as its site
    assert (node.label, node.type) == ("Loopback Teachers' Blog", "feed")
    reader.refresh_button.click()
    eventually(lambda: reader.status.text.startswith("Updated"))
    assert "Retrieval practice in Year 9" in reader.entries.value
    assert "&lt;script&gt;alert(&quot;title&quot;)&lt;/script&gt;" in reader.entries.value  # title shown as text
    assert "<script" not in reader.entries.value
    assert reader.progress.value == reader.progress.max == 1


def names(known: dict[str, str]) -> Resolver:
    """A resolver whose name lookups know only ``known`` (no request leaves this computer)."""
    def lookup(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
        if host in known:
            return [ipaddress.ip_address(known[host])]
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")  # what Linux and macOS say offline

    return Resolver(lookup)


ONLINE = {"example.com": "93.184.215.14", "wikipedia.org": "185.15.58.224"}  # only the well-known names
BLOG = "https://blog.example-teacher.org/feed/"


def test_a_feed_added_offline_is_saved_for_the_next_refresh(store: Store) -> None:
    reader = FeedReader(resolver=names({}))  # no name is found at all: this computer is offline
    assert reader.subscribe(BLOG)
    assert reader.status.text == f"Subscribed to {BLOG}. {OFFLINE}"
    assert "spelling" not in reader.status.text and subscribed(store) == [BLOG]
    starter = STARTER_FEEDS[1]
    reader.starter.value = starter.url
    reader.starter_button.click()
    assert reader.status.text == f"Subscribed to {starter.title}. {OFFLINE}"


def test_a_misspelt_name_while_online_is_refused_with_check_the_spelling(store: Store) -> None:
    reader = FeedReader(resolver=names(ONLINE))
    reader.url.value = "blog.exmaple-teacher.org/feed/"
    reader.subscribe_button.click()
    assert reader.status.text == ("Couldn't find a site called blog.exmaple-teacher.org. Check the spelling of the "
                                  "address.")
    assert subscribed(store) == [] and reader.url.value == "blog.exmaple-teacher.org/feed/"  # kept to correct


def test_a_feed_another_page_found_offline_is_saved_from_the_cache(store: Store) -> None:
    assert refresh_one(store, BLOG, resolver=names({})).offline  # another page, a moment ago, while offline
    reader = FeedReader(resolver=names(ONLINE))  # asked now, the name would not be found: the cache answers
    assert reader.subscribe(BLOG)
    assert reader.status.text == f"Subscribed to {BLOG}. {OFFLINE}" and subscribed(store) == [BLOG]


def test_a_feed_another_page_found_down_is_saved_from_the_cache(store: Store) -> None:
    from .conftest import free_port

    url = f"http://127.0.0.1:{free_port()}/feed.xml"  # nothing listens there, as when a site is down
    allow = url.split("/")[2]
    first = refresh_one(store, url, allow=allow)
    assert "The site may be down" in str(first.error)
    reader = FeedReader(allow=allow)
    assert reader.subscribe(url)
    assert reader.status.text == f"Subscribed to {url}. {LATER}" and subscribed(store) == [url]


def test_a_page_offers_its_feed(server: FeedServer, store: Store) -> None:
    reader = FeedReader(allow=server.allow)
    reader.subscribe(f"{server.base}/page")
    assert reader.status.text == f"That page is not a feed: did you mean its feed at {server.base}/feed.xml?"
    assert reader.suggestion_button.layout.display == "flex" and subscribed(store) == []
    reader.suggestion_button.click()
    assert subscribed(store) == [f"{server.base}/feed.xml"]


def test_a_page_linking_its_feed_in_the_feed_scheme_offers_it_as_http(server: FeedServer, store: Store) -> None:
    reader = FeedReader(allow=server.allow)
    reader.subscribe(f"{server.base}/page-feed-scheme")  # <link ... href="feed://127.0.0.1:port/feed.xml">
    assert reader.status.text == f"That page is not a feed: did you mean its feed at {server.base}/feed.xml?"
    reader.suggestion_button.click()
    assert subscribed(store) == [f"{server.base}/feed.xml"]


@pytest.mark.parametrize("url,words", [
    ("file:///etc/passwd", "only fetches http"), ("http://169.254.169.254/", "private network"),
    ("not a url", "a space"), ("x" * 5000, "too long"),
])
def test_bad_addresses_get_a_message_and_nothing_is_saved(store: Store, url: str, words: str) -> None:
    reader = FeedReader()
    reader.subscribe(url)
    assert words in reader.status.text and subscribed(store) == []


def test_a_failing_feed_shows_its_own_error_while_the_others_show(server: FeedServer, store: Store) -> None:
    reader = FeedReader(allow=server.allow)
    reader.subscribe(f"{server.base}/feed.xml")
    reader.subscribe(f"{server.base}/real-rss.xml")
    server.broken.add("/real-rss.xml")
    try:
        store.update_feed_cache(f"{server.base}/real-rss.xml", next_check_at=None)
        reader.start_refresh().join()  # type: ignore[union-attr]
    finally:
        server.broken.discard("/real-rss.xml")
    assert "Retrieval practice in Year 9" in reader.entries.value
    assert "Thomas Honeyman" in reader.problems.value and "error 503" in reader.problems.value
    assert reader.status.text == "Updated. 1 feed could not be read (see below)."


def test_offline_on_a_first_run_shows_labelled_samples(store: Store) -> None:
    reader = FeedReader()
    offline = FeedConnectionError("The course can't reach the internet right now.", offline=True)
    reader.show([FeedResult("https://a.example/feed", None, offline)], {})
    assert "Sample entries." in reader.entries.value and "retrieval practice" in reader.entries.value
    assert reader.status.text.startswith("The course can't reach the internet")


def test_export_then_import_round_trips(server: FeedServer, store: Store, tmp_path: object) -> None:
    reader = FeedReader(allow=server.allow)
    reader.subscribe(f"{server.base}/feed.xml")
    data = reader.export()
    assert "download=\"my-pln-feeds.opml\"" in reader.download.value
    assert [s.url for s in read_opml(data, allow=server.allow)] == [f"{server.base}/feed.xml"]
    assert read_opml(data).skipped == 1  # without the exemption, a loopback address is refused
    other = Store(tmp_path / "other.sqlite3")  # type: ignore[operator]
    from plnkit.services.session import Session

    elsewhere = FeedReader(allow=server.allow, session=Session(other, other.learner("local")))
    elsewhere.import_opml({"name": "my.opml", "content": memoryview(data)})
    assert elsewhere.status.text == "Imported 1 feed."
    assert [s.url for s in other.subscriptions(other.learner("local"))] == [f"{server.base}/feed.xml"]
    first = store.subscriptions(store.learner("local"))[0].added_at
    assert f'created="{first.strftime("%a, %d %b %Y %H:%M:%S")}'.encode() in data  # when the learner subscribed
    other.close()


def test_an_imported_list_keeps_the_dates_other_readers_wrote(store: Store) -> None:
    opml = (b'<opml version="2.0"><body><outline text="Ms L" xmlUrl="https://teacher.example/feed" '
            b'created="Tue, 03 Mar 2020 09:15:00 GMT"/></body></opml>')
    FeedReader().import_opml({"name": "from-another-reader.opml", "content": memoryview(opml)})
    [sub] = store.subscriptions(store.learner("local"))
    assert sub.added_at.isoformat() == "2020-03-03T09:15:00+00:00"


def test_a_broken_opml_upload_imports_nothing(store: Store) -> None:
    reader = FeedReader()
    reader.import_opml({"name": "x.opml", "content": memoryview(b"<opml><body><outline xmlUrl='https://a.example/'")})
    assert "damaged" in reader.status.text and subscribed(store) == []
    reader.import_opml({"name": "x.opml", "content": memoryview(b" " * (5 * 1024 * 1024 + 1))})
    assert "larger than 5 MB" in reader.status.text


def test_removing_a_feed_removes_its_connection_and_history_keeps_it(server: FeedServer, store: Store) -> None:
    reader = FeedReader(allow=server.allow)
    reader.subscribe(f"{server.base}/feed.xml")
    reader.unsubscribe(f"{server.base}/feed.xml")
    assert subscribed(store) == []
    assert reader.status.text == "Removed, and its connection left your network (its history keeps it)."
    net = mine(store)
    assert "site:127.0.0.1" in net.removed and not net.nodes


def test_a_feed_and_a_bookmark_of_one_site_are_one_node(server: FeedServer, store: Store) -> None:
    from plnkit.widgets.toolbox import BookmarkManager

    marks = BookmarkManager()
    marks.url.value, marks.title.value = f"{server.base}/page", "A post I liked"
    marks.add_button.click()
    reader = FeedReader(allow=server.allow)
    reader.subscribe(f"{server.base}/feed.xml")
    net = mine(store)
    assert list(net.nodes) == ["site:127.0.0.1"] and net.nodes["site:127.0.0.1"].label == "Loopback Teachers' Blog"
    reader.unsubscribe(f"{server.base}/feed.xml")  # still bookmarked: still in the network, named by its host
    assert mine(store).nodes["site:127.0.0.1"].label == "127.0.0.1"


def test_an_unreachable_feed_is_saved_to_fetch_on_the_next_refresh(store: Store) -> None:
    from .conftest import free_port

    port = free_port()  # nothing listens there: the connection is refused, as when a site is down
    reader = FeedReader(allow=f"127.0.0.1:{port}")
    reader.subscribe(f"http://127.0.0.1:{port}/feed.xml")
    assert reader.status.text == (f"Subscribed to http://127.0.0.1:{port}/feed.xml. It couldn't be fetched just "
                                  "now; it will be fetched on the next Refresh.")
    assert subscribed(store) == [f"http://127.0.0.1:{port}/feed.xml"]


def test_a_starter_blog_never_gets_check_the_spelling(store: Store) -> None:
    from datetime import datetime, timedelta, timezone

    from plnkit.content import STARTER_FEEDS

    starter = STARTER_FEEDS[0]
    # Another page fetched it a moment ago and the name did not resolve (this computer had lost its network):
    later = (datetime.now(timezone.utc) + timedelta(minutes=10)).isoformat()
    store.update_feed_cache(starter.url, next_check_at=later,
                            error="Couldn't find a site called x. Check the spelling of the address.")
    reader = FeedReader()
    reader.starter.value = starter.url
    reader.starter_button.click()
    assert reader.status.text == (f"Subscribed to {starter.title}. It couldn't be fetched just now; it will be "
                                  "fetched on the next Refresh.")
    assert "spelling" not in reader.status.text and subscribed(store) == [starter.url]
    not_found = HostNotFoundError("Couldn't find a site called www.cultofpedagogy.com. Check the spelling of the "
                                  "address.")
    reader.show([FeedResult(starter.url, None, not_found)], {starter.url: starter.title})
    assert starter.title in reader.problems.value and "spelling" not in reader.problems.value


def test_every_feed_unreachable_at_once_reads_as_offline_and_shows_what_was_saved(store: Store) -> None:
    from plnkit.formats.feeds import Entry, Feed

    cached = Feed("https://a.example/feed", "Saved blog", None, (Entry("Saved post", None, None, "<p>x</p>"),))
    reader = FeedReader()
    reader.show([FeedResult("https://a.example/feed", cached, HostNotFoundError("Couldn't find a.example.")),
                 FeedResult("https://b.example/feed", None, HostNotFoundError("Couldn't find b.example."))], {})
    assert reader.status.text.startswith("The course can't reach the internet")
    assert "Saved post" in reader.entries.value and "Sample entries" not in reader.entries.value
    one = FeedReader()
    one.show([FeedResult("https://typo.example/feed", None, HostNotFoundError("Couldn't find typo.example."))], {})
    assert not one.status.text.startswith("The course can't reach the internet")  # one bad name is just a typo
