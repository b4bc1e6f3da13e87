"""The feed reader exercise in module 03: subscribe, refresh with a progress bar, read, import and export OPML."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from importlib import resources
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from ..content import STARTER_FEEDS
from ..formats.feeds import Entry, Feed, Subscription, parse_feed, read_opml, write_opml
from ..rules.feedstatus import problem, refresh_summary, seems_offline, starter_feed, subscribing
from ..rules.text import plural
from ..rules.urls import IPAddress, check_address, same_address_key
from ..services import session as _session
from ._ui import (
    Component,
    day_and_clock,
    download_link,
    esc,
    guard,
    layout,
    make,
    on_upload,
    upload_bytes,
    upload_control,
)

if TYPE_CHECKING:  # fetching (urllib3) is imported on the first subscribe or refresh, not by every page
    from ..services.feedcache import FeedResult

ENTRIES_SHOWN = 30
SUMMARY_CHARS = 1200
MAX_UPLOAD_BYTES = 5 * 1024 * 1024


def sample_feed() -> Feed:
    """Bundled sample entries, shown on a first run without a network (clearly labelled as samples)."""
    body = resources.files("plnkit").joinpath("data/sample-feed.xml").read_bytes()
    return parse_feed(body, "https://example.org/plnkit-sample-feed")


def _short(summary_html: str) -> str:
    if len(summary_html) <= SUMMARY_CHARS:
        return summary_html
    import nh3

    # Cutting markup can leave a tag open; a second allowlist pass closes it.

    return nh3.clean(summary_html[:SUMMARY_CHARS], tags={"p", "a", "em", "strong", "b", "i", "br", "ul", "ol", "li",
                                                           "code", "blockquote"},
                     link_rel="noopener noreferrer") + " …"


def entries_html(results: Iterable[tuple[str, Entry]], *, sample: bool = False) -> str:
    """The merged, newest-first list of entries as safe HTML (titles and sources escaped)."""
    items = sorted(results, key=lambda pair: pair[1].published or datetime.min.replace(tzinfo=timezone.utc),
                   reverse=True)[:ENTRIES_SHOWN]
    if not items:
        return ('<p class="plnkit-empty">No entries to show yet. Press Refresh to fetch the latest posts of the '
                "blogs you follow (subscribe to one first if you follow none).</p>")
    parts = []
    if sample:
        parts.append('<p class="plnkit-sample" role="note"><strong>Sample entries.</strong> The course is offline, '
                     "so these are examples bundled with it, not live posts.</p>")
    for source, e in items:
        title = esc(e.title)
        heading = (f'<a href="{esc(e.link)}" target="_blank" rel="noopener noreferrer">{title}</a>'
                   if e.link else title)
        when = f" · {day_and_clock(e.published)}" if e.published else ""
        parts.append(f'<article class="plnkit-entry"><h4>{heading}</h4><p class="plnkit-entry-meta">{esc(source)}'
                     f'{when}</p><div class="plnkit-entry-summary">{_short(e.summary_html)}</div></article>')
    return "".join(parts)


def problems_html(results: Iterable[FeedResult], titles: dict[str, str]) -> str:
    """One plain-language line per feed that failed."""
    rows = [f"<li><strong>{esc(titles.get(r.url) or r.url)}</strong>: "
            f"{esc(problem(r, starter=starter_feed(r.url) is not None))}</li>" for r in results if r.error is not None]
    return f'<ul class="plnkit-problems" aria-label="Feeds with problems">{"".join(rows)}</ul>' if rows else ""


class FeedReader(Component):
    """Subscribe to feeds, refresh them all at once, and read the latest entries."""

    def __init__(self, *, allow: str | Iterable[str] | None = None, session: _session.Session | None = None,
                 resolver: Callable[[str, int], list[IPAddress]] | None = None) -> None:
        super().__init__(session, "plnkit-reader")
        self.allow = allow
        self.resolver = resolver  # site names to addresses (None: the system's); tests pass a stand-in
        self.url = make(w.Text, description="Feed or blog address", placeholder="https://example.org/feed",
                        style={"description_width": "initial"}, layout=layout(width="100%"))
        self.subscribe_button = make(w.Button, description="Subscribe", button_style="primary")
        self.suggestion_button = make(w.Button, description="Subscribe to that feed",
                                      layout=w.Layout(display="none", width="auto"))
        self._suggestion: str | None = None
        self.starter = make(w.Dropdown, description="Or pick a starter blog",
                            options=[(f.title, f.url) for f in STARTER_FEEDS],
                            style={"description_width": "initial"}, layout=layout(width="auto"))
        self.starter_button = make(w.Button, description="Add this blog")
        self.subs = make(w.VBox, classes=("plnkit-subscriptions",))
        self.refresh_button = make(w.Button, description="Refresh", button_style="primary",
                                   tooltip="Fetch the latest entries from every feed")
        self.progress = make(w.IntProgress, value=0, min=0, max=1, description="Fetching",
                             layout=w.Layout(visibility="hidden"))
        self.problems = make(w.HTML)
        self.entries = make(w.HTML, entries_html([]), classes=("plnkit-entries",))
        self._shown: list[tuple[str, Entry]] = []  # (source, entry) pairs the list shows (live ones only)
        self.export_button = make(w.Button, description="Export my feeds (OPML)",
                                  layout=layout(width="auto"))
        self.download = make(w.HTML)
        self.upload = upload_control("Import OPML", ".opml,.xml,text/xml,application/xml", max_bytes=MAX_UPLOAD_BYTES)
        self._busy = threading.Lock()

        self.widget.children = [
            make(w.HBox, [self.url, self.subscribe_button], layout=layout(align_items="flex-end")),
            self.suggestion_button,
            make(w.HBox, [self.starter, self.starter_button], layout=layout(flex_flow="row wrap")),
            self.status.widget,
            make(w.HTML, "<h4>Your subscriptions</h4>"), self.subs,
            make(w.HBox, [self.refresh_button, self.progress], layout=layout(align_items="center")),
            self.problems, self.entries,
            make(w.HTML, "<h4>Take your feeds with you</h4><p>OPML is the file every feed reader (Feedly, Inoreader, "
                         "NetNewsWire) imports and exports.</p>"),
            make(w.HBox, [self.export_button, self.upload], layout=layout(flex_flow="row wrap")), self.download,
        ]
        self.subscribe_button.on_click(lambda _b: self.subscribe(self.url.value))
        self.url.on_submit(lambda _t: self.subscribe(self.url.value))
        self.suggestion_button.on_click(lambda _b: self.subscribe(self._suggestion or ""))
        self.starter_button.on_click(lambda _b: self.subscribe(self.starter.value or ""))
        self.refresh_button.on_click(lambda _b: self.start_refresh())
        self.export_button.on_click(lambda _b: self.export())
        on_upload(self.upload, self.import_opml, max_bytes=MAX_UPLOAD_BYTES)

    loading = "show your subscriptions"

    def load(self) -> None:
        self._show_subscriptions()

    # --- subscriptions ----------------------------------------------------------------------------------

    def _show_subscriptions(self) -> None:
        sess = self._sess()
        subs = sess.store.subscriptions(sess.learner)
        rows: list[w.Widget] = []
        for sub in subs:
            remove = make(w.Button, description="Remove", tooltip=f"Unsubscribe from {sub.url}",
                          layout=layout(width="auto"))
            remove.on_click(lambda _b, url=sub.url: self.unsubscribe(url))
            label = esc(sub.title or sub.url)
            name = make(w.HTML, f'<span class="plnkit-sub">{label}<br><small>{esc(sub.url)}</small></span>')
            rows.append(make(w.HBox, [name, remove],
                             layout=layout(justify_content="space-between", align_items="center")))
        if not rows:
            rows.append(make(w.HTML, '<p class="plnkit-empty">No subscriptions yet.</p>'))
        self.subs.children = rows

    def subscribe(self, url: object) -> bool:
        """Check and subscribe to a feed address; the status line says what happened."""
        self.suggestion_button.layout.display = "none"

        @guard(self.status, doing="subscribe to that feed")
        def run() -> bool:
            text = check_address(url, "feed")  # normalised as import and restore do: www.x.org, feed://
            sess = self._sess()
            key = same_address_key(text)
            followed = next((s for s in sess.store.subscriptions(sess.learner) if same_address_key(s.url) == key), None)
            if followed is not None:  # said at once, without fetching it again
                self.status.info(f"You already follow {followed.title or followed.url}.")
                return False
            self.status.info("Checking that feed…")
            from ..services.feedcache import refresh_one

            result = refresh_one(sess.store, text, allow=self.allow, resolver=self.resolver)
            starter = starter_feed(text)
            decision = subscribing(result, starter=starter is not None)
            if decision.suggestion:
                self._suggestion = decision.suggestion
                self.suggestion_button.description = "Subscribe to that feed"
                self.suggestion_button.layout.display = "flex"
            if not decision.save and decision.error is not None:
                raise decision.error
            title = result.feed.title if result.feed else starter.title if starter else ""
            with self._together():
                if not sess.store.subscribe(sess.learner, text, title, "", result.feed.link if result.feed else None):
                    self.status.info(f"You already follow {title or text}.")
                    return False
                self._record_sites([text])
            self.url.value = ""
            self._show_subscriptions()
            if result.feed is not None and result.feed.entries:  # just fetched: its posts show at once
                self._shown = [*self._shown, *((title or text, e) for e in result.feed.entries)]
                self.entries.value = entries_html(self._shown)
            self.status.ok(f"Subscribed to {title or text}." + (f" {decision.note}" if decision.note else ""))
            return True

        return bool(run())

    def unsubscribe(self, url: str) -> None:
        @guard(self.status, doing="remove that feed")
        def run() -> None:
            sess = self._sess()
            with self._together():
                removed = sess.store.unsubscribe(sess.learner, url)
                if removed:
                    self._record_sites([url])
            self._show_subscriptions()
            if removed:
                self.status.ok("Removed, and its connection left your network (its history keeps it).")

        run()

    # --- refreshing -------------------------------------------------------------------------------------

    def start_refresh(self) -> threading.Thread | None:
        """Refresh every subscription in a background thread (the page stays responsive)."""
        if not self._busy.acquire(blocking=False):
            return None
        thread = threading.Thread(target=self._refresh_all, daemon=True)
        thread.start()
        return thread

    def _refresh_all(self) -> None:
        try:
            self._refresh_guarded()
        finally:
            self.refresh_button.disabled = False
            self.progress.layout.visibility = "hidden"
            self._busy.release()

    def _refresh_guarded(self) -> None:
        @guard(self.status, doing="refresh your feeds")
        def run() -> None:
            sess = self._sess()
            subs = sess.store.subscriptions(sess.learner)
            if not subs:
                self.status.info("Subscribe to a feed first, then press Refresh.")
                return
            self.refresh_button.disabled = True
            self.progress.max, self.progress.value = len(subs), 0
            self.progress.layout.visibility = "visible"
            self.status.info(f"Fetching {plural(len(subs), 'feed')}…")

            def tick(_r: FeedResult, done: int, _total: int) -> None:
                self.progress.value = done

            from ..services.feedcache import refresh

            results = refresh(sess.store, [s.url for s in subs], allow=self.allow, on_result=tick,
                              resolver=self.resolver)
            self.show(results, {s.url: s.title for s in subs})

        run()

    def show(self, results: list[FeedResult], titles: dict[str, str]) -> None:
        """Render refresh results: entries from every feed that has some, and a line per feed that failed."""
        pairs = [((r.feed.title if r.feed else titles.get(r.url, r.url)), e) for r in results if r.feed
                 for e in r.feed.entries]
        offline = seems_offline(results)
        if offline and not pairs:
            sample = sample_feed()
            self.entries.value = entries_html([(sample.title, e) for e in sample.entries], sample=True)
        else:
            self._shown = pairs
            self.entries.value = entries_html(pairs)
        self.problems.value = problems_html(results, titles)
        kind, text = refresh_summary(results)
        {"ok": self.status.ok, "info": self.status.info}.get(kind, self.status.error)(text)

    # --- OPML -------------------------------------------------------------------------------------------

    def export(self) -> bytes:
        """Offer the learner's subscriptions as an OPML download; returns the bytes."""
        sess = self._sess()
        subs = [Subscription(s.url, s.title, s.folder, s.html_url, added_at=s.added_at)
                for s in sess.store.subscriptions(sess.learner)]
        data = write_opml(subs)
        count = plural(len(subs), "feed")
        self.download.value = download_link("my-pln-feeds.opml", "text/x-opml", data,
                                            f"Download my-pln-feeds.opml ({count})", auto=True)
        return data

    def import_opml(self, upload: Any) -> None:
        """Import an uploaded OPML file: all its feeds or, on a fatal problem, none."""

        @guard(self.status, doing="import that file")
        def run() -> None:
            result = read_opml(upload_bytes(upload, MAX_UPLOAD_BYTES), allow=self.allow)
            sess = self._sess()
            with self._together():
                added = sess.store.subscribe_many(sess.learner, [(s.url, s.title, s.folder, s.html_url,
                                                                  s.added_at) for s in result])
                self._record_sites(added)
            self._show_subscriptions()
            already = len(result) - len(added)
            extra = f" {already} you already followed." if already else ""
            self.status.ok(result.message + extra)

        run()


def feed_reader(**kwargs: Any) -> FeedReader:
    """The module 03 feed reader."""
    return FeedReader(**kwargs)
