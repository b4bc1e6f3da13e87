"""Module 03's working tools as thin widgets: one identity, social bookmarks, communities and mediums.

Each thing the learner adds becomes a dated node in their network (see :mod:`plnkit.rules.network`).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import ipywidgets as w

from ..content import MEDIUMS
from ..errors import InputError, PlnkitError
from ..formats.bookmarks import (
    Bookmark,
    check_bookmark,
    matches,
    read_netscape,
    tag_counts,
    write_netscape,
)
from ..rules import network
from ..rules.identity import check_identity, check_presences
from ..services import session as _session
from ._ui import Component, day_and_clock, download_link, esc, guard, on_upload, upload_bytes

_WIDE = {"description_width": "initial"}
SERVICES = ["Bluesky", "Mastodon", "LinkedIn", "Blog", "Email", "Diigo", "Pinboard", "Discord", "Facebook",
            "Padlet", "YouTube"]
SPACES = {"bluesky", "mastodon", "linkedin", "discord", "facebook", "slack", "threads", "x", "twitter"}


# --- identity -------------------------------------------------------------------------------------------


class IdentityCheck(Component):
    """List presences (service and username); see which usernames differ and a consistent choice."""

    KEY = "tools/identity"
    ROWS = 6

    def __init__(self, session: _session.Session | None = None) -> None:
        super().__init__(session)
        self.services = [w.Combobox(description=f"Service {i + 1}", options=SERVICES, placeholder="e.g. Mastodon",
                                    ensure_option=False, style=_WIDE) for i in range(self.ROWS)]
        self.usernames = [w.Text(description="Username", placeholder="e.g. @ms_rivera", style=_WIDE)
                          for _ in range(self.ROWS)]
        self.check = w.Button(description="Check my usernames", button_style="primary")
        self.result = w.HTML()
        rows = [w.HBox([s, u], layout=w.Layout(flex_flow="row wrap")) for s, u in zip(self.services, self.usernames,
                                                                                         strict=True)]
        self.widget.children = [*rows, w.HBox([self.check, self.status.widget],
                                              layout=w.Layout(align_items="center")), self.result]
        self.check.on_click(lambda _b: self.run_check())
        try:
            saved = self._load_answer(self.KEY)
            for i, (service, username) in enumerate((saved or [])[: self.ROWS]):
                self.services[i].value, self.usernames[i].value = service, username
            if saved:
                self._show(check_presences(saved))
        except PlnkitError as exc:
            self.status.error(str(exc))

    def _show(self, presences: list[Any]) -> None:
        report = check_identity(presences)
        items = "".join(f"<li>{esc(f.message)}</li>" for f in report.findings)
        self.result.value = (f'<div class="plnkit-summary" role="status"><p>{esc(report.summary)}</p>'
                             + (f"<ul>{items}</ul>" if items else "") + "</div>")

    def run_check(self) -> None:
        @guard(self.status, doing="check your usernames")
        def run() -> None:
            presences = check_presences([(s.value, u.value) for s, u in zip(self.services, self.usernames,
                                                                              strict=True)])
            sess = self._sess()
            saved_at = self._save_answer(self.KEY, [[p.service, p.username] for p in presences]).saved_at
            current = network.current(sess)
            wanted = {}
            for p in presences:
                kind = "community" if p.service.lower() in SPACES else "tool"
                node = network.make_node(kind, f"Me on {p.service}"[: network.MAX_LABEL], platform=p.service,
                                         ring=1, direction="both", value="identity",
                                         key=f"presence:{p.service.lower()}")
                wanted[node.key] = node
            for key, node in wanted.items():
                if key not in current.nodes:
                    network.add(node, sess)
            for key in current.nodes:
                if key.startswith("presence:") and key not in wanted:
                    network.remove(key, sess)
            self._show(presences)
            self.status.ok(f"Saved at {day_and_clock(saved_at)}")

        run()


# --- bookmarks ------------------------------------------------------------------------------------------


def _as_bookmark(stored: Any) -> Bookmark:
    return Bookmark(stored.url, stored.title, stored.tags, stored.note, stored.folder, stored.private,
                    stored.added_at)


def _source_nodes(bookmarks: list[Bookmark], sess: _session.Session) -> int:
    """Each new site the learner bookmarks from becomes a source in their network."""
    current = network.current(sess)
    added = 0
    for host in dict.fromkeys((urlsplit(b.url).hostname or "").removeprefix("www.") for b in bookmarks):
        key = f"site:{host}"
        if host and key not in current.nodes:
            network.add(network.make_node("feed", host[: network.MAX_LABEL], platform=host[: network.MAX_LABEL],
                                          ring=3, key=key), sess)
            added += 1
    return added


class BookmarkManager(Component):
    """Add, find, import and export bookmarks (Netscape format, as Diigo, Pinboard and browsers use)."""

    SHOWN = 50
    MAX_UPLOAD = 5 * 1024 * 1024

    def __init__(self, session: _session.Session | None = None) -> None:
        super().__init__(session)
        self.url = w.Text(description="Address", placeholder="https://", style=_WIDE, layout=w.Layout(width="100%"))
        self.title = w.Text(description="Title", style=_WIDE, layout=w.Layout(width="100%"))
        self.tags = w.Text(description="Tags (comma-separated)", placeholder="e.g. science, year 9", style=_WIDE)
        self.note = w.Textarea(description="Note", style=_WIDE, layout=w.Layout(width="100%", height="3.5em"))
        self.shared = w.Checkbox(description="Share it with others (public)", value=False, indent=False)
        self.add_button = w.Button(description="Add bookmark", button_style="primary")
        self.filter_tag = w.Dropdown(description="Filter by tag", options=[("All tags", "")], value="", style=_WIDE)
        self.search = w.Text(description="Search", placeholder="words in the title, note or address",
                             continuous_update=False, style=_WIDE)
        self.listing = w.HTML()
        self.overview = w.HTML()
        self.upload = w.FileUpload(accept=".html,.htm", multiple=False, description="Import a bookmark file",
                                   layout=w.Layout(width="auto"))
        self.export_button = w.Button(description="Export my bookmarks", layout=w.Layout(width="auto"))
        self.download = w.HTML()
        self.widget.children = [
            self.url, self.title, self.tags, self.note, self.shared,
            w.HBox([self.add_button, self.status.widget], layout=w.Layout(align_items="center")),
            w.HBox([self.filter_tag, self.search], layout=w.Layout(flex_flow="row wrap")),
            self.overview, self.listing,
            w.HBox([self.upload, self.export_button], layout=w.Layout(flex_flow="row wrap")), self.download,
        ]
        self.widget.add_class("plnkit-bookmarks")
        self.add_button.on_click(lambda _b: self.add())
        self.filter_tag.observe(lambda _c: self.show(), names="value")
        self.search.observe(lambda _c: self.show(), names="value")
        on_upload(self.upload, self.import_file, max_bytes=self.MAX_UPLOAD)
        self.export_button.on_click(lambda _b: self.export())
        guard(self.status, doing="show your bookmarks")(self.show)()

    def _all(self) -> list[Bookmark]:
        sess = self._sess()
        return [_as_bookmark(b) for b in sess.store.bookmarks(sess.learner)]

    def show(self) -> None:
        """List bookmarks matching the tag filter and search, and the tag overview."""
        everything = self._all()
        counts = tag_counts(everything)
        options = [("All tags", "")] + [(f"{t} ({n})", t) for t, n in counts]
        current = self.filter_tag.value if self.filter_tag.value in [v for _, v in options] else ""
        self.filter_tag.options = options
        self.filter_tag.value = current
        search = self.search.value if isinstance(self.search.value, str) else ""
        found = [b for b in everything if matches(b, tag=current or None, text=search[:200])]
        self.overview.value = ("<p class='plnkit-tags'>Your tags: " + ", ".join(f"{esc(t)} ({n})" for t, n in counts)
                               + "</p>") if counts else ""
        rows = []
        for b in found[: self.SHOWN]:
            tags = f" · <em>{esc(', '.join(b.tags))}</em>" if b.tags else ""
            note = f"<br><span class='plnkit-note'>{esc(b.note)}</span>" if b.note else ""
            where = f" · {esc(b.folder)}" if b.folder else ""
            rows.append(f'<li><a href="{esc(b.url)}" target="_blank" rel="noopener noreferrer">{esc(b.title)}</a> '
                        f"<small>{'private' if b.private else 'shared'}{where}{tags}</small>{note}</li>")
        more = f"<p>… and {len(found) - self.SHOWN:,} more.</p>" if len(found) > self.SHOWN else ""
        self.listing.value = (f'<p>{len(found):,} of {len(everything):,} bookmarks</p><ul class="plnkit-bookmark-list">'
                              f'{"".join(rows)}</ul>{more}') if everything else \
            '<p class="plnkit-empty">No bookmarks yet.</p>'

    def add(self) -> None:
        @guard(self.status, doing="add that bookmark")
        def run() -> None:
            b = check_bookmark(self.url.value, self.title.value, self.tags.value, self.note.value,
                               private=not self.shared.value)
            sess = self._sess()
            if not sess.store.add_bookmarks(sess.learner, [vars_of(b)]):
                raise InputError(f"{b.url} is already in your bookmarks.")
            _source_nodes([b], sess)
            self.url.value = self.title.value = self.tags.value = self.note.value = ""
            self.show()
            self.status.ok(f"Added “{b.title}”.")

        run()

    def import_file(self, upload: Any) -> None:
        """Import a Netscape bookmark file: everything in it, or nothing."""

        @guard(self.status, doing="import that file")
        def run() -> None:
            result = read_netscape(upload_bytes(upload, self.MAX_UPLOAD))
            sess = self._sess()
            added = sess.store.add_bookmarks(sess.learner, [vars_of(b) for b in result.bookmarks])
            _source_nodes(result.bookmarks, sess)
            already = len({b.url for b in result.bookmarks}) - added
            self.show()  # the list first: the status line is the signal that everything is in place
            self.status.ok(result.message + (f" {already:,} were already in your bookmarks, so they were not added "
                                             "again." if already else ""))

        run()

    def export(self) -> bytes:
        """Offer every bookmark as a Netscape bookmark file download."""
        data = write_netscape(self._all(), "My PLN bookmarks")
        self.download.value = download_link("my-pln-bookmarks.html", "text/html", data, auto=True)
        return data


def vars_of(b: Bookmark) -> dict[str, Any]:
    return {"url": b.url, "title": b.title, "tags": b.tags, "note": b.note, "folder": b.folder,
            "private": b.private, "added_at": b.added_at}


# --- communities and mediums ----------------------------------------------------------------------------

STATUS_OPTIONS = [("—", ""), ("I use it", "use"), ("I'll try it", "try")]
_KIND = {"backchannel": "tool", "bookmarking": "tool", "community": "community", "feeds": "tool",
         "microblog": "community", "explainers": "feed"}


class Communities(Component):
    """The mediums then and now; the learner marks what they use or will try, and each becomes a node."""

    KEY = "tools/communities"

    def __init__(self, session: _session.Session | None = None) -> None:
        super().__init__(session)
        self.choices: dict[str, w.Dropdown] = {}
        sections: list[w.Widget] = []
        for m in MEDIUMS:
            sections.append(w.HTML(f"<h4>{esc(m.name)}</h4><p>{esc(m.in_plain_english)}</p><p><small>In 2010: "
                                   f"{esc(m.then)}. {esc(m.what_happened)}</small></p>"))
            row = []
            for tool in m.today:
                key = f"{m.key}:{tool}"
                self.choices[key] = w.Dropdown(description=tool, options=STATUS_OPTIONS, value="", style=_WIDE,
                                               layout=w.Layout(width="auto"))
                row.append(self.choices[key])
            sections.append(w.HBox(row, layout=w.Layout(flex_flow="row wrap", gap="0.4rem 1.2rem")))
        self.save_button = w.Button(description="Save my choices", button_style="primary")
        self.widget.children = [*sections, w.HBox([self.save_button, self.status.widget],
                                                  layout=w.Layout(align_items="center"))]
        self.save_button.on_click(lambda _b: self.save())
        try:
            saved = self._load_answer(self.KEY)
            for key, value in (saved or {}).items():
                if key in self.choices and value in ("use", "try"):
                    self.choices[key].value = value
        except PlnkitError as exc:
            self.status.error(str(exc))

    def save(self) -> None:
        @guard(self.status, doing="save your choices")
        def run() -> None:
            chosen = {k: d.value for k, d in self.choices.items() if d.value in ("use", "try")}
            sess = self._sess()
            saved_at = self._save_answer(self.KEY, chosen).saved_at
            current = network.current(sess)
            for key, value in chosen.items():
                medium, tool = key.split(":", 1)
                node_key = f"medium:{key.lower()}"
                if node_key not in current.nodes:
                    network.add(network.make_node(_KIND[medium], tool, platform=tool, key=node_key,
                                                  ring=2 if value == "use" else 3), sess)
            for node_key in current.nodes:
                if node_key.startswith("medium:") and node_key.removeprefix("medium:") not in {
                        k.lower() for k in chosen}:
                    network.remove(node_key, sess)
            n_use = sum(1 for v in chosen.values() if v == "use")
            self.status.ok(f"Saved at {day_and_clock(saved_at)}: {n_use} in use, {len(chosen) - n_use} to try.")

        run()


def identity_check(**kwargs: Any) -> IdentityCheck:
    """Module 03's username consistency check."""
    return IdentityCheck(**kwargs)


def bookmark_manager(**kwargs: Any) -> BookmarkManager:
    """Module 03's social bookmarking tool."""
    return BookmarkManager(**kwargs)


def communities(**kwargs: Any) -> Communities:
    """Module 03's catalogue of mediums and communities."""
    return Communities(**kwargs)
