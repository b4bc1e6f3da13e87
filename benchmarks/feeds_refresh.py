"""Benchmarks 1 and 2 of the feed issue: concurrent refresh, then revalidation.

50 feeds on separate loopback ports, each response delayed 300 ms. Prints, from one run:
  - refresh time / slowest single response   (goal: at most 2x)
  - sequential feedparser.parse(url) / ours  (goal: at least 15x)
  - body bytes downloaded by a second refresh of the unchanged feeds (goal: 0, all 304)

Usage: python benchmarks/feeds_refresh.py [--feeds 50] [--delay 0.3]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import feedparser

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from plnkit.services.feedcache import refresh  # noqa: E402
from plnkit.services.store import Store  # noqa: E402
from tests.feedserver import FeedServer  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--feeds", type=int, default=50)
    parser.add_argument("--delay", type=float, default=0.3)
    args = parser.parse_args()

    servers = [FeedServer(delay=args.delay).start() for _ in range(args.feeds)]
    urls = [f"{s.base}/feed.xml" for s in servers]
    allow = [s.allow for s in servers]
    try:
        with tempfile.TemporaryDirectory() as tmp:
            store = Store(Path(tmp) / "bench.sqlite3")

            singles = []
            for url in urls[:5]:  # the slowest single response, measured the same way
                t = time.perf_counter()
                refresh(store, [url], allow=allow, min_interval=timedelta(0))
                singles.append(time.perf_counter() - t)
            slowest = max(singles)
            for s in servers:
                s.feed_version += 1  # so the timed refresh downloads every body again

            t = time.perf_counter()
            results = refresh(store, urls, allow=allow, min_interval=timedelta(0))
            ours = time.perf_counter() - t
            assert all(r.feed is not None and r.error is None for r in results), "a feed failed"

            t = time.perf_counter()
            for url in urls:
                parsed = feedparser.parse(url)
                assert parsed.entries
            sequential = time.perf_counter() - t

            before = sum(s.body_bytes for s in servers)
            again = refresh(store, urls, allow=allow, min_interval=timedelta(0))
            body = sum(s.body_bytes for s in servers) - before
            not_modified = sum(1 for r in again if r.not_modified)
            store.close()
    finally:
        for s in servers:
            s.stop()

    print(f"feeds: {args.feeds}, server delay: {args.delay * 1000:.0f} ms")
    print(f"refresh of all feeds: {ours:.3f} s; slowest single response: {slowest:.3f} s")
    print(f"ratio refresh / slowest single: {ours / slowest:.2f}x (goal <= 2x)")
    print(f"sequential feedparser.parse: {sequential:.3f} s")
    print(f"ratio sequential / ours: {sequential / ours:.1f}x (goal >= 15x)")
    print(f"revalidation: {not_modified}/{args.feeds} answered 304, body bytes downloaded: {body} (goal 0)")


if __name__ == "__main__":
    main()
