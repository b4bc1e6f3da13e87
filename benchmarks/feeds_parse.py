"""Benchmark 3 of the feed issue: parse + sanitize vs feedparser's defaults, over a folder of real feeds.

Prints the ratio feedparser-default time / ours (goal: at least 3x), checks that the same entries are found,
and that no script, event handler, form or javascript: link is left in what we produce. feedparser's
default is timed in a fresh interpreter that never imports plnkit, so plnkit's SAX driver can't help it.

Usage: python benchmarks/feeds_parse.py PATH_TO_FEEDS_FOLDER [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from plnkit.errors import FeedError  # noqa: E402
from plnkit.formats.feeds import MAX_ENTRIES, parse_feed  # noqa: E402

URL = "https://example.org/feed"
DEFAULT = """
import io, json, sys, time
import feedparser
files = json.loads(sys.argv[1]); repeat = int(sys.argv[2])
bodies = [open(f, "rb").read() for f in files]
best = float("inf")
for _ in range(repeat):
    t = time.perf_counter()
    counts = [len(feedparser.parse(io.BytesIO(b), response_headers={"content-location": sys.argv[3]}).entries)
              for b in bodies]
    best = min(best, time.perf_counter() - t)
print(json.dumps({"seconds": best, "counts": counts}))
"""


class Audit(HTMLParser):
    """Counts what must never survive sanitizing."""

    BAD_TAGS = {"script", "form", "input", "iframe", "object", "embed", "style", "img", "svg", "button"}

    def __init__(self) -> None:
        super().__init__()
        self.problems = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.BAD_TAGS:
            self.problems += 1
        for name, value in attrs:
            if name.startswith("on") or name == "style":
                self.problems += 1
            if name in ("href", "src") and not (value or "").lower().startswith(("http://", "https://", "mailto:")):
                self.problems += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    files = sorted(p for p in args.folder.iterdir() if p.suffix in (".xml", ".rss", ".atom"))
    bodies = [p.read_bytes() for p in files]

    best = float("inf")
    for _ in range(args.repeat):
        t = time.perf_counter()
        feeds = []
        for body in bodies:
            try:
                feeds.append(parse_feed(body, URL))
            except FeedError:
                feeds.append(None)
        best = min(best, time.perf_counter() - t)
    out = subprocess.run([sys.executable, "-c", DEFAULT, json.dumps([str(f) for f in files]), str(args.repeat), URL],
                         capture_output=True, text=True, check=True)
    default = json.loads(out.stdout)

    ours_counts = [len(f.entries) if f else 0 for f in feeds]
    pairs = zip(files, ours_counts, default["counts"], strict=True)
    different = [f.name for f, a, b in pairs if a != min(b, MAX_ENTRIES)]
    audit = Audit()
    bad_links = 0
    for feed in feeds:
        for e in feed.entries if feed else ():
            audit.feed(e.summary_html)
            bad_links += bool(e.link) and not e.link.startswith(("http://", "https://"))  # type: ignore[union-attr]
    size = sum(map(len, bodies)) / 1e6
    print(f"feeds: {len(files)}, entries: {sum(ours_counts)}, {size:.1f} MB, best of {args.repeat}")
    print(f"feedparser default: {default['seconds']:.3f} s; plnkit parse+clean: {best:.3f} s")
    print(f"ratio default / ours: {default['seconds'] / best:.2f}x (goal >= 3x)")
    print(f"feeds with a different entry count: {len(different)} {different}")
    print(f"script, handler, form, image or non-http link left: {audit.problems + bad_links} (goal 0)")


if __name__ == "__main__":
    main()
