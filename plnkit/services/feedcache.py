"""Refreshing many feeds at once through the shared cache in the store.

All kernels on a server share one cache: a feed is fetched at most once per :data:`MIN_INTERVAL` whoever asks
(the first kernel claims it; the others read the cache), with conditional GET (ETag / Last-Modified) so an
unchanged feed costs the publisher no body bytes. Errors back off exponentially and ``Retry-After`` is
honoured. Fetches run in a bounded thread pool with a small per-host limit, so one slow or broken feed never
holds up the others.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlsplit

from .. import errors as _errors
from ..errors import FeedConnectionError, FeedError, FeedHTTPError, HostNotFoundError, NotAFeedError, PlnkitError
from ..formats.feeds import Feed, parse_feed
from ..records import CachedFeed
from ._net import Response, fetch
from .store import Store

MIN_INTERVAL = timedelta(minutes=15)
MAX_BACKOFF = timedelta(hours=6)
MAX_RETRY_AFTER = timedelta(hours=24)
MAX_WORKERS = 64
PER_HOST = 2


def fetch_feed(url: str, *, allow: str | Iterable[str] | None = None, **options: Any) -> Feed:
    """Fetch and parse one feed, without the cache. ``allow`` exempts addresses (``"127.0.0.1:8123"``,
    ``"10.0.0.0/8"``); ``options`` go to :func:`plnkit.services._net.fetch`. Raises a :class:`FeedError`."""
    return parse_response(fetch(url, allow=allow, **options))


def parse_response(response: Response) -> Feed:
    """Parse a finished fetch (200) into a :class:`Feed`."""
    return parse_feed(response.body, response.url, content_type=response.headers.get("content-type", ""))


@dataclass(frozen=True)
class FeedResult:
    """What a refresh produced for one URL: a feed (fresh or cached) and/or the error that occurred."""

    url: str
    feed: Feed | None
    error: FeedError | None = None
    network: bool = False  # a request was made
    not_modified: bool = False  # the server answered 304
    body_bytes: int = 0  # decoded body bytes downloaded

    @property
    def offline(self) -> bool:
        return isinstance(self.error, FeedConnectionError) and self.error.offline

    @property
    def unreachable(self) -> bool:
        """The site could not be reached at all (as when the whole network is down)."""
        return isinstance(self.error, (FeedConnectionError, HostNotFoundError))


def _now() -> datetime:
    return datetime.now(timezone.utc)


def backoff(failures: int) -> timedelta:
    """How long to wait after ``failures`` consecutive errors: 5 minutes, doubling, at most 6 hours."""
    return min(MAX_BACKOFF, timedelta(minutes=5) * (2 ** max(0, failures - 1)))


_KINDS = {name: kind for name, kind in vars(_errors).items()
          if isinstance(kind, type) and issubclass(kind, FeedError)}


def error_text(error: FeedError) -> str:
    """How the cache keeps an error: JSON with its kind and details (offline, status, suggestion), so a page that
    reads the cache decides as the page that fetched did."""
    record: dict[str, Any] = {"kind": type(error).__name__, "message": str(error)}
    if isinstance(error, FeedConnectionError):
        record["offline"] = error.offline
    elif isinstance(error, FeedHTTPError):
        record.update(status=error.status, retry_after=error.retry_after)
    elif isinstance(error, NotAFeedError):
        record["suggestion"] = error.suggestion
    return json.dumps(record)


def cached_error(text: str) -> FeedError:
    """The error :func:`error_text` kept, rebuilt as its own kind (a plain message, as older caches held, is a
    :class:`FeedError`)."""
    try:
        record = json.loads(text)
        kind, message = _KINDS[record["kind"]], str(record["message"])
        if issubclass(kind, FeedConnectionError):
            return kind(message, offline=record.get("offline") is True)
        if issubclass(kind, FeedHTTPError):
            retry = record.get("retry_after")
            return kind(message, status=int(record["status"]),
                        retry_after=float(retry) if isinstance(retry, (int, float)) else None)
        if issubclass(kind, NotAFeedError):
            suggestion = record.get("suggestion")
            return kind(message, suggestion=suggestion if isinstance(suggestion, str) else None)
        return kind(message)
    except (ValueError, TypeError, KeyError):
        return FeedError(text)


class _HostLimits:
    def __init__(self, per_host: int) -> None:
        self.per_host = per_host
        self._lock = threading.Lock()
        self._sems: dict[str, threading.Semaphore] = {}

    def get(self, url: str) -> threading.Semaphore:
        parts = urlsplit(url)
        key = f"{parts.hostname}:{parts.port or parts.scheme}"
        with self._lock:
            return self._sems.setdefault(key, threading.Semaphore(self.per_host))


def refresh_one(store: Store, url: str, *, allow: str | Iterable[str] | None = None,
                min_interval: timedelta = MIN_INTERVAL, limits: _HostLimits | None = None,
                **fetch_options: Any) -> FeedResult:
    """Bring one feed up to date through the shared cache."""
    now = _now()
    cache = store.feed_cache(url) or CachedFeed()
    cached = Feed.from_json(json.loads(cache.feed)) if cache.feed else None
    if not store.claim_feed(url, now.isoformat(), (now + min_interval).isoformat()):
        error = cached_error(cache.error) if cache.error else None
        return FeedResult(url, cached, error)
    semaphore = (limits or _HostLimits(PER_HOST)).get(url)
    try:
        with semaphore:
            response = fetch(url, allow=allow, etag=cache.etag, last_modified=cache.last_modified,
                             **fetch_options)
        validators = {"etag": response.headers.get("etag") or cache.etag,
                      "last_modified": response.headers.get("last-modified") or cache.last_modified}
        if response.not_modified and cached is not None:
            store.update_feed_cache(url, checked_at=now.isoformat(), failures=0, error=None, **validators)
            return FeedResult(url, cached, network=True, not_modified=True)
        feed = parse_response(response)
        store.update_feed_cache(url, feed=json.dumps(feed.to_json()), final_url=response.url,
                                fetched_at=now.isoformat(), checked_at=now.isoformat(), failures=0, error=None,
                                **validators)
        return FeedResult(url, feed, network=True, body_bytes=len(response.body))
    except FeedError as exc:
        failures = int(cache.failures or 0) + 1
        wait = backoff(failures)
        if isinstance(exc, FeedHTTPError) and exc.retry_after is not None:
            wait = min(MAX_RETRY_AFTER, max(wait, timedelta(seconds=exc.retry_after)))
        try:
            store.update_feed_cache(url, failures=failures, error=error_text(exc), checked_at=now.isoformat(),
                                    next_check_at=(now + wait).isoformat())
        except PlnkitError:
            pass  # the learner still sees the feed's own error
        return FeedResult(url, cached, exc, network=True)


def refresh(store: Store, urls: Iterable[str], *, allow: str | Iterable[str] | None = None,
            min_interval: timedelta = MIN_INTERVAL, max_workers: int = MAX_WORKERS, per_host: int = PER_HOST,
            on_result: Callable[[FeedResult, int, int], None] | None = None,
            **fetch_options: Any) -> list[FeedResult]:
    """Refresh many feeds concurrently; results come back in the order of ``urls``.

    ``on_result(result, done, total)`` is called as each feed finishes (for a progress bar).
    """
    unique = list(dict.fromkeys(urls))
    if not unique:
        return []
    limits = _HostLimits(per_host)
    results: dict[str, FeedResult] = {}
    with ThreadPoolExecutor(max_workers=min(max_workers, len(unique)), thread_name_prefix="plnkit-feed") as pool:
        futures = {pool.submit(refresh_one, store, url, allow=allow, min_interval=min_interval, limits=limits,
                               **fetch_options): url for url in unique}
        for done, future in enumerate(as_completed(futures), start=1):
            url = futures[future]
            try:
                result = future.result()
            except Exception as exc:  # a bug must not take down the other feeds
                result = FeedResult(url, None, FeedError(f"That feed could not be refreshed ({type(exc).__name__})."))
            results[url] = result
            if on_result is not None:
                on_result(result, done, len(unique))
    return [results[url] for url in unique]
