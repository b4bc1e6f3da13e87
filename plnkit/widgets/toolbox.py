"""Module 03's working tools as thin widgets: one identity, social bookmarks, communities and mediums.

Each thing the learner adds changes their network through the rules in :mod:`plnkit.rules.network`: their
own accounts become presences, each bookmarked site one node, each medium they use or try one node.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import ipywidgets as w

from ..content import MEDIUMS
from ..errors import InputError
from ..formats.bookmarks import (
    Bookmark,
    check_bookmark,
    matches,
    read_netscape,
    tag_counts,
    write_netscape,
)
from ..rules import network
from ..rules.bookmarks import not_yet_kept, stored_fields
from ..rules.identity import check_identity, check_presences
from ..rules.text import plural
from ..services import session as _session
from ._ui import Component, download_link, esc, guard, layout, make, on_upload, upload_bytes, upload_control

_WIDE = {"description_width": "initial"}
SERVICES = ["Bluesky", "Mastodon", "LinkedIn", "Blog", "Email", "Diigo", "Pinboard", "Discord", "Facebook",
            "Padlet", "YouTube"]


# --- identity -------------------------------------------------------------------------------------------


class IdentityCheck(Component):
    """List presences (service and username); see which usernames differ and a consistent choice."""

    KEY = "tools/identity"
    ROWS = 6

    def __init__(self, session: _session.Session | None = None) -> None:
        super().__init__(session)
        self.services = [make(w.Combobox, description=f"Service {i + 1}", options=SERVICES,
                              placeholder="e.g. Mastodon", ensure_option=False, style=_WIDE) for i in range(self.ROWS)]
        self.usernames = [make(w.Text, description=f"Username {i + 1}", placeholder="e.g. @ms_rivera", style=_WIDE)
                          for i in range(self.ROWS)]
        self.check = make(w.Button, description="Check my usernames", button_style="primary")
        self.result = make(w.HTML)
        rows = [make(w.HBox, [s, u], layout=layout(flex_flow="row wrap"))
                for s, u in zip(self.services, self.usernames, strict=True)]
        self.widget.children = [*rows, make(w.HBox, [self.check, self.status.widget],
                                            layout=layout(align_items="center")), self.result]
        self.check.on_click(lambda _b: self.run_check())

    def load(self) -> None:
        saved = self._load_answer(self.KEY)
        for i, (service, username) in enumerate((saved or [])[: self.ROWS]):
            self.services[i].value, self.usernames[i].value = service, username
        if saved:
            self._show(check_presences(saved))

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
            wanted = [network.presence_node(p.service, p.username) for p in presences]
            self._commit(self.KEY, [[p.service, p.username] for p in presences],
                         changes=lambda net: network.sync(net, network.PRESENCE, wanted),
                         then=lambda _v: self._show(presences))

        run()


# --- bookmarks ------------------------------------------------------------------------------------------


def _as_bookmark(stored: Any) -> Bookmark:
    return Bookmark(stored.url, stored.title, stored.tags, stored.note, stored.folder, stored.private,
                    stored.added_at)


class BookmarkManager(Component):
    """Add, edit, delete, find, import and export bookmarks (Netscape format, as Diigo, Pinboard and browsers
    use). Search filters as the learner types."""

    SHOWN = 50
    MAX_UPLOAD = 5 * 1024 * 1024

    def __init__(self, session: _session.Session | None = None) -> None:
        super().__init__(session, "plnkit-bookmarks")
        self.url = make(w.Text, description="Address", placeholder="https://", style=_WIDE,
                        layout=layout(width="100%"))
        self.title = make(w.Text, description="Title", style=_WIDE, layout=layout(width="100%"))
        self.tags = make(w.Text, description="Tags (comma-separated)", placeholder="e.g. science, year 9", style=_WIDE)
        self.note = make(w.Textarea, description="Note", style=_WIDE, layout=layout(width="100%", height="3.5em"))
        self.shared = make(w.Checkbox, description="Public when exported (Diigo and Pinboard show it to others)",
                           value=False, indent=False)
        self.add_button = make(w.Button, description="Add bookmark", button_style="primary")
        self.cancel_button = make(w.Button, description="Cancel editing",
                                  layout=w.Layout(display="none", width="auto"))  # its own: it shows when editing
        self.filter_tag = make(w.Dropdown, description="Filter by tag", options=[("All tags", "")], value="",
                               style=_WIDE)
        self.search = make(w.Text, description="Search", placeholder="title, note or address",
                           continuous_update=True, style=_WIDE)
        self.listing = make(w.HTML)
        self.overview = make(w.HTML)
        self.chosen = make(w.Dropdown, description="Change a bookmark", options=[], value=None, style=_WIDE,
                           layout=layout(width="auto", max_width="100%"))
        self.edit_button = make(w.Button, description="Edit", layout=layout(width="auto"))
        self.delete_button = make(w.Button, description="Delete", layout=layout(width="auto"))
        self.upload = upload_control("Import a bookmark file", ".html,.htm", max_bytes=self.MAX_UPLOAD)
        self.export_button = make(w.Button, description="Export my bookmarks", layout=layout(width="auto"))
        self.download = make(w.HTML)
        self._editing: int | None = None
        self._stored: dict[int, Any] = {}
        self.widget.children = [
            self.url, self.title, self.tags, self.note, self.shared,
            make(w.HBox, [self.add_button, self.cancel_button, self.status.widget],
                 layout=layout(align_items="center", flex_flow="row wrap")),
            make(w.HBox, [self.filter_tag, self.search], layout=layout(flex_flow="row wrap")),
            self.overview, self.listing,
            make(w.HBox, [self.chosen, self.edit_button, self.delete_button], layout=layout(flex_flow="row wrap")),
            make(w.HBox, [self.upload, self.export_button], layout=layout(flex_flow="row wrap")), self.download,
        ]
        self.add_button.on_click(lambda _b: self.add())
        self.cancel_button.on_click(lambda _b: self._stop_editing())
        self.edit_button.on_click(lambda _b: self.edit())
        self.delete_button.on_click(lambda _b: self.delete())
        self.filter_tag.observe(lambda _c: self._show_guarded(), names="value")
        self.search.observe(lambda _c: self._show_guarded(), names="value")
        on_upload(self.upload, self.import_file, max_bytes=self.MAX_UPLOAD)
        self.export_button.on_click(lambda _b: self.export())

    loading = "show your bookmarks"

    def load(self) -> None:
        self.show()

    def _all(self) -> list[Any]:
        sess = self._sess()
        stored = sess.store.bookmarks(sess.learner)
        self._stored = {b.id: b for b in stored}
        return stored

    def _show_guarded(self) -> None:
        if self.loaded:  # a keystroke in the search box filters what was read, without reading it again
            guard(self.status, doing="show your bookmarks")(self.show)(reread=False)

    def show(self, *, reread: bool = True) -> None:
        """List bookmarks matching the tag filter and search (a line when nothing does), and the tag overview."""
        stored = self._all() if reread else list(self._stored.values())
        everything = [_as_bookmark(b) for b in stored]
        counts = tag_counts(everything)
        options = [("All tags", "")] + [(f"{t} ({n})", t) for t, n in counts]
        current = self.filter_tag.value if self.filter_tag.value in [v for _, v in options] else ""
        self.filter_tag.options = options
        self.filter_tag.value = current
        search = self.search.value if isinstance(self.search.value, str) else ""
        found = [(s, b) for s, b in zip(stored, everything, strict=True)
                 if matches(b, tag=current or None, text=search[:200])]
        self.overview.value = ("<p class='plnkit-tags'>Your tags: " + ", ".join(f"{esc(t)} ({n})" for t, n in counts)
                               + "</p>") if counts else ""
        rows = []
        for _s, b in found[: self.SHOWN]:
            tags = f" · <em>{esc(', '.join(b.tags))}</em>" if b.tags else ""
            note = f"<br><span class='plnkit-note'>{esc(b.note)}</span>" if b.note else ""
            where = f" · {esc(b.folder)}" if b.folder else ""
            rows.append(f'<li><a href="{esc(b.url)}" target="_blank" rel="noopener noreferrer">{esc(b.title)}</a> '
                        f"<small>{'private' if b.private else 'public when exported'}{where}{tags}</small>{note}</li>")
        more = f"<p>… and {len(found) - self.SHOWN:,} more.</p>" if len(found) > self.SHOWN else ""
        if not everything:
            self.listing.value = '<p class="plnkit-empty">No bookmarks yet.</p>'
        elif not found:
            self.listing.value = (f'<p class="plnkit-empty" role="status">Nothing matches “{esc(search.strip())}”'
                                  f'{f" tagged {esc(current)}" if current else ""} in your '
                                  f'{plural(len(everything), "bookmark")}.</p>' if search.strip() else
                                  f'<p class="plnkit-empty" role="status">No bookmarks are tagged {esc(current)}.</p>')
        else:
            self.listing.value = (f'<p>{len(found):,} of {plural(len(everything), "bookmark")}</p>'
                                  f'<ul class="plnkit-bookmark-list">{"".join(rows)}</ul>{more}')
        choices = [(b.title[:80] or b.url[:80], s.id) for s, b in found[: self.SHOWN]]
        keep = self.chosen.value if self.chosen.value in [v for _, v in choices] else None
        self.chosen.options = choices
        self.chosen.value = keep

    def add(self) -> None:
        """Add the bookmark in the form (or, while editing one, save the changes to it)."""

        @guard(self.status, doing="save that bookmark")
        def run() -> None:
            b = check_bookmark(self.url.value, self.title.value, self.tags.value, self.note.value,
                               private=not self.shared.value)
            sess = self._sess()
            editing = self._stored.get(self._editing) if self._editing is not None else None
            with self._together():
                if editing is not None:
                    if sess.store.update_bookmark(sess.learner, editing.id, b) is None:
                        raise InputError("That bookmark is no longer there (deleted on another page?), so nothing "
                                         "was changed.")
                    self._record_sites([editing.url, b.url])
                    done = f"Saved your changes to “{b.title}”."
                else:
                    if not sess.store.add_bookmarks(sess.learner, [stored_fields(b)]):
                        raise InputError(f"{b.url} is already in your bookmarks.")
                    self._record_sites([b.url])
                    done = f"Added “{b.title}”."
            self._stop_editing()
            self.show()
            self.status.ok(done)

        run()

    def edit(self) -> None:
        """Put the chosen bookmark in the form; Save changes stores it, Cancel editing leaves it as it was."""
        chosen = self._stored.get(self.chosen.value) if self.chosen.value is not None else None
        if chosen is None:
            self.status.error("Choose a bookmark to edit first.")
            return
        self._editing = chosen.id
        self.url.value, self.title.value, self.note.value = chosen.url, chosen.title, chosen.note
        self.tags.value, self.shared.value = ", ".join(chosen.tags), not chosen.private
        self.add_button.description = "Save changes"
        self.cancel_button.layout.display = "flex"
        self.status.info(f"Editing “{chosen.title}”: change it above, then press Save changes.")

    def _stop_editing(self) -> None:
        self._editing = None
        self.title.value = self.tags.value = self.note.value = self.url.value = ""
        self.add_button.description = "Add bookmark"
        self.cancel_button.layout.display = "none"

    def delete(self) -> None:
        """Delete the chosen bookmark (the site leaves the network when nothing else of it is kept)."""

        @guard(self.status, doing="delete that bookmark")
        def run() -> None:
            chosen = self._stored.get(self.chosen.value) if self.chosen.value is not None else None
            if chosen is None:
                self.status.error("Choose a bookmark to delete first.")
                return
            sess = self._sess()
            with self._together():
                if sess.store.remove_bookmark(sess.learner, chosen.id):
                    self._record_sites([chosen.url])
            if self._editing == chosen.id:
                self._stop_editing()
            self.show()
            self.status.ok(f"Deleted “{chosen.title}”.")

        run()

    def import_file(self, upload: Any) -> None:
        """Import a Netscape bookmark file: everything in it, or nothing; bookmarks already kept are not added
        twice (the status line counts them)."""

        @guard(self.status, doing="import that file")
        def run() -> None:
            result = read_netscape(upload_bytes(upload, self.MAX_UPLOAD))
            sess = self._sess()
            with self._together():
                new = not_yet_kept(result.bookmarks, (b.url for b in sess.store.bookmarks(sess.learner)))
                sess.store.add_bookmarks(sess.learner, [stored_fields(b) for b in new.fresh])
                self._record_sites([b.url for b in new.fresh])
            self.show()  # the list first: the status line is the signal that everything is in place
            self.status.ok(replace(result, bookmarks=list(new.fresh)).message + new.note)

        run()

    def export(self) -> bytes:
        """Offer every bookmark as a Netscape bookmark file download."""
        data = write_netscape([_as_bookmark(b) for b in self._all()], "My PLN bookmarks")
        self.download.value = download_link("my-pln-bookmarks.html", "text/html", data, auto=True)
        return data


# --- communities and mediums ----------------------------------------------------------------------------

STATUS_OPTIONS = [("—", ""), ("I use it", "use"), ("I'll try it", "try")]


class Communities(Component):
    """The mediums then and now; the learner marks what they use or will try, and each becomes a node."""

    KEY = "tools/communities"

    def __init__(self, session: _session.Session | None = None) -> None:
        super().__init__(session)
        self.choices: dict[str, w.Dropdown] = {}
        sections: list[w.Widget] = []
        for m in MEDIUMS:
            sections.append(make(w.HTML, f"<h4>{esc(m.name)}</h4><p>{esc(m.in_plain_english)}</p><p><small>In 2010: "
                                         f"{esc(m.then)}. {esc(m.what_happened)}</small></p>"))
            row = []
            for tool in m.today:
                key = f"{m.key}:{tool}"
                self.choices[key] = make(w.Dropdown, description=tool, options=STATUS_OPTIONS, value="", style=_WIDE,
                                         layout=layout(width="auto"))
                row.append(self.choices[key])
            sections.append(make(w.HBox, row, layout=layout(flex_flow="row wrap", gap="0.4rem 1.2rem")))
        self.save_button = make(w.Button, description="Save my choices", button_style="primary")
        self.widget.children = [*sections, make(w.HBox, [self.save_button, self.status.widget],
                                                layout=layout(align_items="center"))]
        self.save_button.on_click(lambda _b: self.save())

    def load(self) -> None:
        saved = self._load_answer(self.KEY)
        for key, value in (saved or {}).items():
            if key in self.choices and value in ("use", "try"):
                self.choices[key].value = value

    def save(self) -> None:
        @guard(self.status, doing="save your choices")
        def run() -> None:
            chosen = {k: d.value for k, d in self.choices.items() if d.value in ("use", "try")}
            wanted = [network.medium_node(k, v) for k, v in chosen.items()]
            n_use = sum(1 for v in chosen.values() if v == "use")
            self._commit(self.KEY, chosen, changes=lambda net: network.sync(net, network.MEDIUM, wanted),
                         then=lambda _v: f": {n_use} in use, {len(chosen) - n_use} to try.")

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
