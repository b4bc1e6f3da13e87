"""The shared feed cache: one fetch per interval whoever asks, 304s, back-off, and no feed holding up others."""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest

from plnkit.errors import (
    FeedConnectionError,
    FeedError,
    FeedHTTPError,
    FeedTimeoutError,
    HostNotFoundError,
    NotAFeedError,
)
from plnkit.services._net import Resolver
from plnkit.services.feedcache import FeedResult, backoff, cached_error, error_text, refresh
from plnkit.services.store import Store

from .feedserver import FeedServer


@pytest.fixture
def server() -> Iterator[FeedServer]:
    s = FeedServer().start()
    yield s
    s.stop()


def test_one_popular_feed_is_fetched_once_for_everyone(server: FeedServer, store: Store, database: str) -> None:
    url = f"{server.base}/feed.xml"
    first = refresh(store, [url], allow=server.allow)[0]
    assert first.network and first.feed is not None and first.feed.entries
    other_kernel = Store(database)  # another participant's page, same server
    again = refresh(other_kernel, [url], allow=server.allow)[0]
    assert not again.network and again.feed == first.feed
    assert server.hits["/feed.xml"] == 1
    other_kernel.close()


def test_an_unchanged_feed_costs_no_body_bytes_and_keeps_its_validators(server: FeedServer, store: Store) -> None:
    url = f"{server.base}/feed.xml"
    refresh(store, [url], allow=server.allow, min_interval=timedelta(0))
    sent = server.body_bytes
    second = refresh(store, [url], allow=server.allow, min_interval=timedelta(0))[0]
    assert second.not_modified and second.body_bytes == 0 and server.body_bytes == sent
    assert second.feed is not None and second.feed.entries  # the cached entries are still shown
    cache = store.feed_cache(url)
    assert cache is not None and cache.etag == '"v1"' and cache.last_modified
    server.feed_version = 2
    third = refresh(store, [url], allow=server.allow, min_interval=timedelta(0))[0]
    assert third.network and not third.not_modified and store.feed_cache(url).etag == '"v2"'  # type: ignore[union-attr]


def test_errors_back_off_and_keep_the_last_good_entries(server: FeedServer, store: Store) -> None:
    url = f"{server.base}/feed.xml"
    good = refresh(store, [url], allow=server.allow, min_interval=timedelta(0))[0]
    server.broken.add("/feed.xml")
    failed = refresh(store, [url], allow=server.allow, min_interval=timedelta(0))[0]
    assert isinstance(failed.error, FeedHTTPError) and "error 503" in str(failed.error)
    assert failed.feed == good.feed
    cache = store.feed_cache(url)
    assert cache is not None and cache.failures == 1
    wait = datetime.fromisoformat(cache.next_check_at) - datetime.now(timezone.utc)
    assert timedelta(minutes=4) < wait <= timedelta(minutes=5)
    hits = server.hits["/feed.xml"]
    backed_off = refresh(store, [url], allow=server.allow, min_interval=timedelta(0))[0]
    assert server.hits["/feed.xml"] == hits and "error 503" in str(backed_off.error)
    assert backoff(1) == timedelta(minutes=5) and backoff(3) == timedelta(minutes=20)
    assert backoff(20) == timedelta(hours=6)


def test_retry_after_is_honoured(server: FeedServer, store: Store) -> None:
    url = f"{server.base}/429"
    refresh(store, [url], allow=server.allow, min_interval=timedelta(0))
    cache = store.feed_cache(url)
    assert cache is not None
    wait = datetime.fromisoformat(cache.next_check_at) - datetime.now(timezone.utc)
    assert timedelta(minutes=59) < wait <= timedelta(hours=1)  # Retry-After: 3600, longer than the back-off


def test_one_slow_feed_never_holds_up_the_others(server: FeedServer, store: Store) -> None:
    finished: list[tuple[str, float]] = []
    start = time.monotonic()

    def note(result: FeedResult, done: int, total: int) -> None:
        finished.append((result.url.rsplit("/", 1)[1], time.monotonic() - start))

    urls = [f"{server.base}/slow", f"{server.base}/feed.xml", f"{server.base}/real-rss.xml", f"{server.base}/404"]
    results = refresh(store, urls, allow=server.allow, read_timeout=10, deadline=10, on_result=note)
    assert [r.url for r in results] == urls  # results in the order asked
    assert [name for name, _ in finished][-1] == "slow"
    assert all(t < 8 for name, t in finished if name != "slow")  # the slow one takes its full 10 s
    assert results[1].feed is not None and results[3].error is not None and results[0].error is not None


@pytest.mark.parametrize("error", [
    FeedConnectionError("The course can't reach the internet right now.", offline=True),
    FeedConnectionError("Couldn't connect to blog.example. The site may be down; try again later."),
    FeedTimeoutError("That site took too long to answer."),
    HostNotFoundError("Couldn't find a site called blgo.example. Check the spelling of the address."),
    FeedHTTPError("That site asked the course to slow down (error 429).", status=429, retry_after=3600.0),
    NotAFeedError("That page is not a feed: did you mean its feed at https://blog.example/feed?",
                  suggestion="https://blog.example/feed"),
])
def test_an_error_read_back_from_the_cache_is_the_same_kind_of_error(error: FeedError) -> None:
    again = cached_error(error_text(error))
    assert type(again) is type(error) and str(again) == str(error)
    assert vars(again) == vars(error)  # offline, status, retry_after, suggestion


def test_a_message_kept_by_an_older_version_reads_as_a_plain_feed_error() -> None:
    for text in ("Couldn't connect to blog.example.", "{not json", '{"kind": "SystemExit", "message": "x"}', "[]"):
        again = cached_error(text)
        assert type(again) is FeedError and str(again) == text


def test_a_computer_that_was_offline_for_one_page_is_offline_for_the_next(store: Store, database: str) -> None:
    def no_names(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")  # as for every name when offline

    url = "https://blog.example-teacher.org/feed/"
    first = refresh(store, [url], resolver=Resolver(no_names))[0]
    assert first.offline
    other_kernel = Store(database)
    again = refresh(other_kernel, [url])[0]  # read from the cache: no lookup is made
    assert not again.network and again.offline and "can't reach the internet" in str(again.error)
    other_kernel.close()
