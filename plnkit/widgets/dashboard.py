"""The facilitator's page: the room at a glance, live, safe to project.

Opened with the facilitator's link only (anyone else sees one sentence, and under ``plnkit serve`` the
server refuses the page before a kernel starts). Under JupyterHub the room is every hub user sharing the store,
and the page opens for the hub users the hub's configuration names as facilitators
(:func:`plnkit.services.session.hub_facilitator`); anyone else sees one sentence and nothing is read.

It shows who is here and who may be stuck, the room's
aggregates (withheld below :data:`plnkit.rules.room.MIN_GROUP` contributors), the reflections participants chose
to share, the backchannel record with moderation (hide a post, mute a participant), the workshop report,
importing a Binder participant's portfolio file, and checking a certificate's code. Nothing a participant
did not share is ever shown: reflections are only counted.

It refreshes itself: a background thread reads a one-query fingerprint of the room every
:data:`POLL_SECONDS` and re-reads the room (:data:`plnkit.services._store_room.SNAPSHOT_QUERIES` queries) only when
something changed, or every :data:`FULL_SECONDS` so "last active" and "may be stuck" stay true. After
:data:`LIVE_SECONDS` without anything done on the page it pauses, like the backchannel.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import ipywidgets as w

from ..content import MODULES
from ..records import Fingerprint, RecordedPost, RoomSnapshot
from ..rules import room
from ..services import session as _session
from ..services._kernel import every_on_main
from ._dashboard_actions import DEFAULT_TITLE, RoomActions
from ._ui import Component, Status, day_and_clock, esc, guard, keep_choice, on_upload, plural
from .backchannel import LIVE_SECONDS, ROOM
from .workshop import FacilitatorTools

POLL_SECONDS = 2.0
FULL_SECONDS = 60.0
NOT_HERE = ("This page is for the workshop's facilitator: open it from the facilitator's link. Your own work is on "
            "the course pages.")
NOT_WORKSHOP = ("The facilitator's page works when the course runs as a workshop: start it with "
                "“plnkit serve --workshop” and open this page from the facilitator's link it prints.")
NOT_HUB_FACILITATOR = ("This page is for the course's facilitators, and your hub account ({user}) is not one of "
                       "them. If it should be, ask whoever runs this JupyterHub to add you. Your own work is on the "
                       "course pages.")


def page_header() -> str:
    """The page's header in the course's look (the course stylesheet, title, and a link back to the start)."""
    from ..content import COURSE_TITLE, START
    from .page import stylesheet

    return (f"<style>{stylesheet()}</style>"
            '<header class="plnkit-header" role="banner">'
            f'<p class="plnkit-course">{esc(COURSE_TITLE)}</p><h1 class="plnkit-title">The room: facilitator\'s page'
            '</h1><div class="plnkit-meta"><span>Safe to project: it shows no answer a participant has not shared'
            f'</span></div><nav class="plnkit-nav" aria-label="Course navigation"><a href="{START.notebook}">Course '
            "start</a></nav></header>")


class FacilitatorPage(RoomActions, Component):
    """The facilitator's page (see the module docstring)."""

    def __init__(self, *, poll_seconds: float = POLL_SECONDS, live_seconds: float = LIVE_SECONDS,
                 session: _session.Session | None = None) -> None:
        super().__init__(session, "plnkit-dashboard")
        self.allowed = False
        self._stop = threading.Event()
        self._top = top = w.HTML(page_header())
        self.widget.children = [top]
        wide = {"description_width": "initial"}
        self.headline = w.HTML()
        self.title = w.Text(description="Workshop title", style=wide, layout=w.Layout(width="auto", max_width="100%"))
        self.facilitator_name = w.Text(description="Your name (on certificates)", style=wide,
                                       layout=w.Layout(width="auto", max_width="100%"))
        self.save_details = w.Button(description="Save details")
        self.people = w.HTML()
        self.tools: FacilitatorTools | None = None  # made once the facilitator is known (see :meth:`load`)
        self.manage = w.Accordion(children=[w.VBox()])  # closed: nothing destructive on the projector
        self.manage.set_title(0, "Manage the room: reissue a link, erase work, close the workshop")
        self.manage.selected_index = None
        self.details_note = w.HTML()
        self.import_status = Status()
        self.moderation_status, self.report_status, self.details_status = Status(), Status(), Status()
        self.aggregates = w.HTML()
        self.shared = w.HTML()
        self.record = w.HTML()
        self.posts = w.Dropdown(description="Post", options=[], value=None, style=wide,
                                layout=w.Layout(width="auto", min_width="18em", max_width="100%"))
        self.hide_button = w.Button(description="Hide this post", tooltip="It leaves every stream; the record keeps it")
        self.members = w.Dropdown(description="Participant", options=[], value=None, style=wide,
                                  layout=w.Layout(width="auto", min_width="18em", max_width="100%"))
        self.mute_button = w.Button(description="Mute in the backchannel",
                                    tooltip="They can still read; their posts are refused for the rest of the session")
        self.unmute_button = w.Button(description="Let them post again")
        self.export_button = w.Button(description="Export the record (CSV)")
        self.report_button = w.Button(description="Make the workshop report (zip)", button_style="primary")
        self.downloads = w.HTML()
        self.import_name = w.Text(description="Their name", placeholder="as it should appear in the report",
                                  style=wide, layout=w.Layout(width="26em", max_width="100%"))
        self.import_upload = w.FileUpload(description="Import their portfolio file", accept=".json",
                                          multiple=False)
        self.code = w.Text(description="Certificate code", placeholder="PLN-XXXX-XXXX-XXXX", style=wide,
                           layout=w.Layout(width="auto", max_width="100%"))
        self.verify_button = w.Button(description="Check the code")
        self.verdict = w.HTML()
        self.resume_button = w.Button(description="Resume live updates", layout=w.Layout(display="none"))
        row = w.Layout(flex_flow="row wrap", align_items="center")
        self._page = [
            top, self.headline, self.details_note, self.status.widget, self.resume_button,
            w.HTML('<h2 id="who">Who is here</h2>'), self.people, self.manage,
            w.HTML('<h2 id="room">The room</h2>'), self.aggregates,
            w.HTML('<h2 id="shared">Shared reflections</h2>'), self.shared,
            w.HTML('<h2 id="backchannel">Backchannel</h2>'), self.record,
            w.HBox([self.posts, self.hide_button], layout=row),
            w.HBox([self.members, self.mute_button, self.unmute_button], layout=row), self.moderation_status.widget,
            w.HTML('<h2 id="report">Workshop report and evidence</h2><p>The report is one zip: a page with '
                   "everything above (no private answer) and CSV files of progress, ratings and stages.</p>"),
            w.HBox([self.report_button, self.export_button], layout=row), self.report_status.widget, self.downloads,
            w.HTML("<h3>A participant who worked on Binder</h3><p>They can send you their portfolio file (“Take "
                   "your work with you” on the start page): type their name, then import the file, and their work "
                   "counts in the report.</p>"),
            w.HBox([self.import_name, self.import_upload], layout=row), self.import_status.widget,
            w.HTML("<h3>Check a certificate</h3><p>Type the code printed on a certificate of completion issued "
                   "on this server.</p>"),
            w.HBox([self.code, self.verify_button], layout=row), self.verdict,
            w.HTML('<h3 id="details">Workshop details</h3><p>Your name and the workshop\'s title appear on '
                   "participants' certificates.</p>"),
            w.HBox([self.title, self.facilitator_name, self.save_details], layout=row), self.details_status.widget,
        ]
        for button in (self.save_details, self.hide_button, self.mute_button, self.unmute_button, self.export_button,
                       self.report_button, self.verify_button):
            button.on_click(lambda _b: self._touch())  # any press counts as someone at the page
        self.save_details.on_click(lambda _b: self.save_settings())
        self.hide_button.on_click(lambda _b: self.hide())
        self.mute_button.on_click(lambda _b: self.mute(True))
        self.unmute_button.on_click(lambda _b: self.mute(False))
        self.export_button.on_click(lambda _b: self.export_record())
        self.report_button.on_click(lambda _b: self.make_report())
        self.verify_button.on_click(lambda _b: self.verify())
        self.resume_button.on_click(lambda _b: self.resume())
        on_upload(self.import_upload, self.import_portfolio, max_bytes=_portfolio_max())
        self._lock = threading.Lock()
        self._seen: Fingerprint | None = None
        self._full_at = 0.0
        self._charts: dict[str, tuple[object, str]] = {}
        self._every, self._live_seconds = poll_seconds, live_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=lambda: None)  # started once loaded
        self._touched = time.monotonic()
        for field in (self.title, self.facilitator_name, self.posts, self.members, self.code, self.import_name):
            field.observe(lambda _c: self._touch(), names="value")

    loading = "read the room"

    def load(self) -> None:
        """Show the page to the facilitator only (anyone else gets one sentence), then keep it live."""
        user = _session.hub_user()
        if user and not _session.hub_facilitator(user):  # decided before the store is opened: nothing is read
            return self._refuse(NOT_HUB_FACILITATOR.format(user=user))
        if not _session.workshop_mode() and not user:
            return self._refuse(NOT_WORKSHOP)
        sess = guard(None, doing=self.loading, kept="Reload the page to try again.", say=self._refuse)(self._sess)()
        if sess is None:
            return None
        if not _session.is_facilitator(sess):
            return self._refuse(NOT_HERE)
        self.allowed = True
        page = self._page
        if user:  # the hub signs people in: no links to reissue, no workshop to close (the hub's admin has users)
            page = [part for part in page if part is not self.manage]
        else:
            self.tools = FacilitatorTools(sess, intro=False)
            self.manage.children = [self.tools.widget]
        self.widget.children = page  # the page begins with its header (self._top)
        self.title.value = sess.store.workshop_setting("title", DEFAULT_TITLE)
        self.facilitator_name.value = sess.store.workshop_setting("facilitator_name")
        self.refresh(force=True)
        self._touch()  # the quiet-spell clock starts once the room is on screen
        self._start()

    def _refuse(self, why: str) -> None:
        self.widget.children = [self._top, w.HTML(f'<p class="plnkit-warning" role="note">{esc(why)}</p>')]

    # --- live updates -----------------------------------------------------------------------------------

    def _touch(self) -> None:
        self._touched = time.monotonic()

    def _start(self) -> None:
        self._stop = threading.Event()
        self._thread = every_on_main(self._every, self._tick, self._stop, "plnkit-room")

    def close(self) -> None:
        """Stop the background refresh."""
        self._stop.set()

    def resume(self) -> None:
        self._touch()
        self.resume_button.layout.display = "none"
        guard(self.status, doing="read the room")(self.refresh)(True)
        self.status.info("Live updates are on.")
        if not self._thread.is_alive():
            self._start()

    def _tick(self) -> bool:
        """One live update (on the kernel's main thread, :func:`~plnkit.services._kernel.every_on_main`); False,
        and the Resume button, once the page has been quiet too long."""
        if time.monotonic() - self._touched > self._live_seconds:
            # Paused, the page can't see a participant unshare: nothing shared stays on the projector.
            self.shared.value = ('<p class="plnkit-empty">Shared reflections are hidden while live updates '
                                 "are paused, so nothing a participant has since unshared stays on screen. "
                                 "Press Resume to show them again.</p>")
            self.resume_button.layout.display = "flex"
            self.status.info("Live updates paused after a quiet spell. Press Resume to catch up.")
            return False
        guard(None, doing="read the room")(self.refresh)()  # a locked database: try again next tick
        return True

    def refresh(self, force: bool = False) -> bool:
        """Re-read the room when anything changed (or a minute passed); True when the page was redrawn."""
        if not self.allowed:
            return False
        with self._lock:
            sess = self._sess()  # re-checks the facilitator's link: a closed page stops here
            store = sess.store
            version = store.room_version()
            if not force and version == self._seen and time.monotonic() - self._full_at < FULL_SECONDS:
                return False
            snapshot = self.snapshot()
            record = store.post_record(ROOM)
            self._draw(snapshot, record)
            self._seen, self._full_at = version, time.monotonic()
            return True

    def snapshot(self) -> RoomSnapshot:
        """The room; a workshop's facilitator is not one of it, a hub's facilitator (a teacher on the hub, doing
        the course too) is."""
        sess = self._sess()
        hub = sess.learner.key.startswith(_session.HUB_PREFIX)
        return sess.store.room_snapshot(exclude=None if hub else sess.learner.id, tracked=room.TRACKED,
                                        prompts=room.COUNTED)

    def _draw(self, snapshot: RoomSnapshot, record: list[RecordedPost]) -> None:
        from ..charts.room import aggregate_html, people_html, record_html, shared_html

        people = room.people(snapshot)
        numbers = room.counts(people)
        done = " · ".join(f"Module {m.number} complete: {numbers[f'module {m.number} complete']}" for m in MODULES)
        waiting = f" ({numbers['not here yet']} more added, not here yet)" if numbers["not here yet"] else ""
        self.headline.value = (f'<p class="plnkit-headline"><strong>{plural(numbers["participants"], "participant")}'
                               f"</strong>{waiting} · may be stuck: {numbers['stuck']} · {done} · updated "
                               f"{esc(day_and_clock(snapshot.taken_at))}</p>")
        self.people.value = people_html(people)
        parts = []
        for agg in room.aggregates(snapshot):
            cached = self._charts.get(agg.key)
            if cached is None or cached[0] != (agg.rows, agg.description):
                cached = ((agg.rows, agg.description), aggregate_html(agg))
                self._charts[agg.key] = cached
            parts.append(cached[1])
        self.aggregates.value = "".join(parts)
        self.shared.value = shared_html(snapshot)
        self.record.value = record_html(record)
        keep_choice(self.posts, [(f"{p.post.created_at.astimezone():%H:%M} · {r_name(p)}: {p.post.body[:50]}",
                                   p.post.id) for p in reversed(record) if p.post.deleted_at is None])
        me = self._sess().learner.id
        keep_choice(self.members, [(p.name + (" (muted)" if p.muted else ""), p.id) for p in people
                                    if not p.imported and p.id != me])
        if self.tools is not None:  # joined, arrived, imported, erased; closed or reopened in another tab
            self.tools.refresh()
        named = bool(self._sess().store.workshop_setting("facilitator_name"))
        self.details_note.value = "" if named else (
            '<p class="plnkit-warning" role="note">Certificates will say “issued by the facilitator of '
            f"{esc(self.title.value or DEFAULT_TITLE)}”. Add your name under "
            '<a href="#details">Workshop details</a> at the end of this page.</p>')


def r_name(p: RecordedPost) -> str:
    return p.post.author if p.post.author == p.poster else f"{p.post.author} ({p.poster})"


def _portfolio_max() -> int:
    from .portfolio import MAX_BYTES

    return MAX_BYTES


def facilitator_page(**kwargs: Any) -> FacilitatorPage:
    """The facilitator's page (shows one sentence to anyone but the workshop's facilitator)."""
    return FacilitatorPage(**kwargs)
