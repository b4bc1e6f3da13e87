"""The feed reader widget, driven in-process against a loopback feed server and a real store file."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from plnkit.errors import FeedConnectionError
from plnkit.formats.feeds import read_opml
from plnkit.rules import network
from plnkit.services.feedcache import FeedResult
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
    return [s["url"] for s in store.subscriptions(store.learner("local"))]


def test_subscribe_refresh_and_read(server: FeedServer, store: Store) -> None:
    reader = FeedReader(allow=server.allow)
    reader.url.value = f"{server.base}/feed.xml"
    reader.subscribe_button.click()
    assert reader.status.text == "Subscribed to Loopback Teachers' Blog."
    assert subscribed(store) == [f"{server.base}/feed.xml"]
    assert "feed:" + f"{server.base}/feed.xml" in network.current().nodes  # it joined the learner's network
    reader.refresh_button.click()
    eventually(lambda: reader.status.text.startswith("Updated"))
    assert "Retrieval practice in Year 9" in reader.entries.value
    assert "&lt;script&gt;alert(&quot;title&quot;)&lt;/script&gt;" in reader.entries.value  # title shown as text
    assert "<script" not in reader.entries.value
    assert reader.progress.value == reader.progress.max == 1


def test_a_page_offers_its_feed(server: FeedServer, store: Store) -> None:
    reader = FeedReader(allow=server.allow)
    reader.subscribe(f"{server.base}/page")
    assert reader.status.text == f"That page is not a feed: did you mean its feed at {server.base}/feed.xml?"
    assert reader.suggestion_button.layout.display == "flex" and subscribed(store) == []
    reader.suggestion_button.click()
    assert subscribed(store) == [f"{server.base}/feed.xml"]


@pytest.mark.parametrize("url,words", [
    ("file:///etc/passwd", "only fetches http"), ("http://169.254.169.254/", "private network"),
    ("not a url", "spaces"), ("x" * 5000, "too long"),
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
    assert reader.status.text.startswith("You seem to be offline")


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
    assert [s["url"] for s in other.subscriptions(other.learner("local"))] == [f"{server.base}/feed.xml"]
    other.close()


def test_a_broken_opml_upload_imports_nothing(store: Store) -> None:
    reader = FeedReader()
    reader.import_opml({"name": "x.opml", "content": memoryview(b"<opml><body><outline xmlUrl='https://a.example/'")})
    assert "damaged" in reader.status.text and subscribed(store) == []
    reader.import_opml({"name": "x.opml", "content": memoryview(b" " * (5 * 1024 * 1024 + 1))})
    assert "larger than 5 MB" in reader.status.text


def test_removing_a_feed_keeps_it_in_history(server: FeedServer, store: Store) -> None:
    reader = FeedReader(allow=server.allow)
    reader.subscribe(f"{server.base}/feed.xml")
    reader.unsubscribe(f"{server.base}/feed.xml")
    assert subscribed(store) == []
    net = network.current()
    assert f"feed:{server.base}/feed.xml" in net.removed and not net.nodes


def test_every_feed_unreachable_at_once_reads_as_offline_and_shows_what_was_saved(store: Store) -> None:
    from plnkit.errors import HostNotFoundError
    from plnkit.formats.feeds import Entry, Feed

    cached = Feed("https://a.example/feed", "Saved blog", None, (Entry("Saved post", None, None, "<p>x</p>"),))
    reader = FeedReader()
    reader.show([FeedResult("https://a.example/feed", cached, HostNotFoundError("Couldn't find a.example.")),
                 FeedResult("https://b.example/feed", None, HostNotFoundError("Couldn't find b.example."))], {})
    assert reader.status.text.startswith("You seem to be offline")
    assert "Saved post" in reader.entries.value and "Sample entries" not in reader.entries.value
    one = FeedReader()
    one.show([FeedResult("https://typo.example/feed", None, HostNotFoundError("Couldn't find typo.example."))], {})
    assert not one.status.text.startswith("You seem to be offline")  # one bad name is just a typo
