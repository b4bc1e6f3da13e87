"""The reflection exercise: a prompt, a labelled text area, autosave, a Save button and earlier versions."""

from __future__ import annotations

import threading
import weakref
from collections import Counter
from datetime import datetime
from typing import Any

import ipywidgets as w

from ..content import prompt as _prompt
from ..errors import InputError, StoreLockedError, StoreUnavailableError
from ..records import AnswerVersion
from ..rules.answers import MAX_REFLECTION_CHARS as MAX_CHARS
from ..rules.answers import check_reflection
from ..services import session as _session
from ..services._kernel import at_exit
from ._ui import (
    Component,
    Part,
    clock,
    day_and_clock,
    esc,
    guard,
    layout,
    log,
    make,
    mark_saved,
    plural,
    short_day_and_clock,
    word_count,
)

AUTOSAVE_SECONDS = 1.5
#: An explicit Save waits this long before writing. The browser coalesces keystrokes while the kernel is busy
#: and sends button clicks straight away, so the last few characters can arrive just after the click; saving
#: at once would show "Saved" for text that lacks them.
SETTLE_SECONDS = 0.5
HISTORY_SHOWN = 50
#: After a save fails because the database is busy, it is tried again after these pauses (seconds); the
#: learner is told at once, and told again if every retry fails. Their text stays on the page throughout.
RETRY_SECONDS = (2.0, 4.0, 8.0, 16.0, 30.0)
#: Added to "Saved at HH:MM" when another tab or device had saved this answer since this page showed it.
ELSEWHERE = (". Another tab or device had changed this answer since this page showed it: that text is kept "
             "under “Saved versions”.")


#: Reflections with an autosave still waiting (weakly held: a page that has gone lets go of its own).
_waiting: weakref.WeakSet[Reflection] = weakref.WeakSet()


def save_what_waits() -> int:
    """Save, at once, every reflection whose autosave is still waiting; returns how many were saved.

    Run as the kernel's process ends (given to :func:`plnkit.services._kernel.at_exit`): a tab closed a second
    after typing asks Voila to shut its kernel down (the page's own unload beacon), which ends the process
    before the autosave's pause is over; the text was on the server, in the kernel, and only the browser that
    typed it would have kept it.
    """
    saved = 0
    for item in list(_waiting):  # a save's own errors are the guard's (status line and operator's log)
        with item._lock:
            pending, timer, item._timer = item._timer is not None, item._timer, None
        if timer is not None:
            timer.cancel()
        if pending and item._save(force=False) is not None:
            saved += 1
    _waiting.clear()
    return saved


class Reflection(Component):
    """A reflection exercise bound to one answer key in the learner's store.

    Display it as the last expression of a cell. Its initial text is always the latest saved version, so
    a page reload (a new kernel) shows what was saved.
    """

    def __init__(self, key: str, *, question: str | None = None, hints: tuple[str, ...] | None = None,
                 max_chars: int = MAX_CHARS, autosave_seconds: float = AUTOSAVE_SECONDS,
                 settle_seconds: float = SETTLE_SECONDS,
                 session: _session.Session | None = None) -> None:
        super().__init__(session, "plnkit-reflection")
        spec = _prompt(key) if question is None else None
        self.key = key
        self.question = question if question is not None else spec.question  # type: ignore[union-attr]
        self.hints = hints if hints is not None else (spec.hints if spec else ())
        self.max_chars = max_chars
        self.autosave_seconds = autosave_seconds
        self.settle_seconds = settle_seconds
        self._save_requested = False
        self._timer: threading.Timer | None = None
        self._lock = threading.Lock()
        self._saved_text: str | None = None
        self._saved_at: datetime | None = None
        self._retries = 0

        label = f'<span class="plnkit-question">{esc(self.question)}</span>' + "".join(
            f'<span class="plnkit-hint">{esc(h)}</span>' for h in self.hints)
        self.text = make(
            w.Textarea,
            description=label,
            description_allow_html=True,
            placeholder="Type your answer here. It saves as you type.",
            continuous_update=True,
            layout=layout(width="100%"),
            style={"description_width": "initial"},
            classes=("plnkit-answer",),
        )
        self._draft(self.text, key)
        self.words = make(w.HTML)
        self.save_button = make(w.Button, description="Save", tooltip="Save this answer now",
                                button_style="primary")
        self._versions: dict[int, AnswerVersion] = {}
        self._parts_lock = threading.RLock()  # a part being filled may ask for another
        self._history_parts: tuple[w.Dropdown, w.Textarea, w.Button] | None = None
        self._share_box: w.Checkbox | None = None
        # "Saved versions" (every version, the current one too) is closed until the learner opens it: its controls
        # are made only then (or when code asks for them), so a page sends the browser fewer widgets to render
        # before it is usable. They go into a box of its own: replacing an Accordion's child redraws its header,
        # taking keyboard focus from the header the learner just pressed.
        self._history_box = make(w.VBox)
        self.history = make(w.Accordion, children=[self._history_box], titles=("Saved versions",))
        self.history.selected_index = None
        self.history.observe(self._on_open_history, names="selected_index")
        self._answer_row = make(w.HBox, [self.save_button, self.words, self.status.widget],
                                layout=layout(align_items="center", flex_flow="row wrap"))
        self.widget.children = [self.text, self._answer_row, self.history]

        self.text.observe(self._on_change, names="value")
        self.save_button.on_click(self._on_save_click)
        self._update_words()

    # --- parts made when first needed -------------------------------------------------------------------

    history_list = Part[w.Dropdown]("_history", 0, 'The saved versions to pick from (in "Saved versions"), the '
                                                   "current one first.")
    history_text = Part[w.Textarea]("_history", 1, "The text of the picked version, read-only.")
    restore_button = Part[w.Button]("_history", 2, "Makes the picked version the current answer (a new version).")

    def _history(self) -> tuple[w.Dropdown, w.Textarea, w.Button]:
        with self._parts_lock:
            if self._history_parts is None:
                picker = make(w.Dropdown, description="Version", options=[],
                              style={"description_width": "initial"}, layout=layout(width="auto"))
                text = make(w.Textarea, description="Text of that version", disabled=True,
                            layout=layout(width="100%", height="7em"), style={"description_width": "initial"},
                            classes=("plnkit-version-text",))  # read-only, yet as readable as any text (style.css)
                restore = make(w.Button, description="Restore this version",
                               tooltip="Make this version your current answer (a new version is saved)")
                self._history_parts = picker, text, restore
                picker.observe(self._on_pick_version, names="value")
                restore.on_click(self._on_restore)
                self._show_versions()
                self._history_box.children = [picker, text, restore]
            return self._history_parts

    def _on_open_history(self, change: dict[str, Any]) -> None:
        if change["new"] is not None:  # read again: another tab or device may have saved since this page did
            def show() -> None:
                self._refresh_history()  # the list, once: _history shows it when it makes the controls
                self._history()

            guard(self.status, doing="show your saved versions", kept="Your answer is unchanged.")(show)()

    @property
    def share_box(self) -> w.Checkbox:
        """In a workshop, "Share with the room" (off until the participant ticks it; see :meth:`share`); made
        only for a participant, hidden until loading finds one."""
        with self._parts_lock:
            if self._share_box is None:
                box = make(w.Checkbox, description="Share with the room: the facilitator may show my latest saved "
                           "text with my name", value=False, indent=False,
                           layout=w.Layout(width="auto", max_width="100%", display="none"),  # its own: shown later
                           classes=("plnkit-wrap",))
                self._share_box = box
                self.widget.children = [self.text, self._answer_row, box, self.history]
            return self._share_box

    # --- behaviour --------------------------------------------------------------------------------------

    def load(self) -> None:
        """Show the latest saved text, its earlier versions, and (in a workshop) the share box."""
        latest = self._load_version(self.key)  # checked by the reflection's rule (None when it does not fit)
        if latest is not None and not self._fits(latest.value):  # a shorter limit than the rule's
            log.warning("stored answer %r ignored: longer than %d characters", self.key, self.max_chars)
            latest = None
        if self.text.value and (latest is None or self.text.value != latest.value or self._saved_at is not None):
            # Typed (and perhaps already saved) before a preheated page finished loading: the learner's text
            # stays, and saves as typing does; the saved version is never put over it.
            if latest is not None and self._saved_at is None:
                self._saved_text, self._saved_at = latest.value, latest.saved_at
            if self.text.value != self._saved_text:
                self.status.info("Unsaved changes…")
                self._schedule()
            self._update_words()
            self._refresh_history()
            self._load_share()
            return
        if latest is not None:
            self._saved_text, self._saved_at = latest.value, latest.saved_at
            self.text.value = latest.value
            mark_saved(self.text, latest.value)
            self.status.ok(f"Last saved {day_and_clock(latest.saved_at)}")
        else:
            mark_saved(self.text, "")
            self.status.info("Not saved yet")
        self._update_words()
        self._refresh_history()
        self._load_share()

    def _load_share(self) -> None:
        """Offer sharing only to a participant of a room (a workshop or a hub; a facilitator and a lone learner
        have no one to share with); if that can't be read, the box stays hidden."""
        guard(None, doing="offer sharing")(self._offer_share)()

    def _offer_share(self) -> None:
        sess = self._sess()
        if not _session.in_room(sess) or _session.is_facilitator(sess):
            return
        self.share_box.value = sess.store.is_shared(sess.learner, self.key)
        self.share_box.layout.display = "flex"
        self.share_box.observe(self._on_share, names="value")

    def _on_share(self, change: dict[str, Any]) -> None:
        if not getattr(self, "_reverting", False):
            self.share(bool(change["new"]))

    def share(self, shared: bool) -> None:
        """Share this reflection with the room, or stop at once (it leaves the facilitator's page)."""
        @guard(self.status, doing="change sharing", kept="Your answer is unchanged.")
        def run() -> bool:
            sess = self._sess()
            sess.store.set_shared(sess.learner, self.key, shared)
            self.status.ok("Shared with the room." if shared else "No longer shared: it has left the facilitator's "
                           "page.")
            return True

        if run() is None and self.share_box.value == shared:  # not changed: the box shows what is stored
            self._reverting = True
            try:
                self.share_box.value = not shared
            finally:
                self._reverting = False

    def _fits(self, value: object) -> bool:
        try:
            check_reflection(value, max_chars=self.max_chars)
        except InputError:
            return False
        return True

    def _update_words(self) -> None:
        text = self.text.value
        count = word_count(text)
        over = len(text) > self.max_chars
        note = plural(count, "word")
        if over:
            note += f" · {len(text):,} / {self.max_chars:,} characters"
        self.words.value = f'<span class="plnkit-words{" plnkit-over" if over else ""}">{esc(note)}</span>'

    def _on_change(self, change: dict[str, Any]) -> None:
        self._update_words()
        if self.is_loading:  # the saved text being shown, not the learner typing
            return
        if change["new"] != self._saved_text:
            self.status.info("Unsaved changes…")
        self._schedule()

    def _schedule(self, delay: float | None = None) -> None:
        """(Re)start the save timer: ``delay``, else short after an explicit Save and the autosave delay otherwise."""
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
            if delay is None:
                delay = self.settle_seconds if self._save_requested else self.autosave_seconds
            self._timer = threading.Timer(delay, self._on_timer)
            self._timer.daemon = True
            self._timer.start()
            _waiting.add(self)
            at_exit(save_what_waits)

    def _on_timer(self) -> None:
        with self._lock:
            forced, self._save_requested, self._timer = self._save_requested, False, None
        self.save(force=forced)

    def _on_save_click(self, _button: w.Button) -> None:
        with self._lock:
            self._save_requested = True
        self.status.info("Saving…")
        self._schedule()

    def save(self, *, force: bool = False) -> AnswerVersion | None:
        """Save the current text as a new version (unless unchanged); the status says what happened. An autosave
        still waiting is cancelled: this save covers the same text."""
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
        return self._save(force)

    def _save(self, force: bool) -> AnswerVersion | None:
        @guard(self.status, doing="save your answer")
        def run() -> AnswerVersion | None:
            text = check_reflection(self.text.value, max_chars=self.max_chars)
            if text == self._saved_text and self._saved_at is not None:
                if force:  # an explicit Save of unchanged text confirms, without a duplicate version
                    self.status.ok(f"Saved at {clock(self._saved_at)}")
                return None
            # Another tab or device may have saved this answer since this page showed it (two tabs of one page):
            # this text is saved all the same (never lose typing), and the status says where the other one is.
            try:
                sess = self._sess()  # a session opened while the database was down is opened now
                latest = sess.store.latest_answer(sess.learner, self.key)
            except (StoreLockedError, StoreUnavailableError):  # _commit meets it too, and tries again later
                latest = None
            elsewhere = (latest is not None and latest.value not in (self._saved_text or "", text)
                         and self._fits(latest.value))
            # The base says "Saved at HH:MM" only after _done has listed the new version.
            return self._commit(self.key, text, then=lambda version: self._done(version, elsewhere))

        return run()

    def _done(self, version: AnswerVersion, elsewhere: bool = False) -> str | None:
        self._retries = 0
        self._saved_text, self._saved_at = version.value, version.saved_at
        mark_saved(self.text, version.value)
        self._refresh_history()
        return ELSEWHERE if elsewhere else None

    def _save_later(self, error: StoreLockedError | StoreUnavailableError) -> bool:
        self._retry_later(unreachable=isinstance(error, StoreUnavailableError))
        return True

    def _retry_later(self, *, unreachable: bool = False) -> None:
        """The database was busy: say so, and try again with growing pauses until it saves or retries run out.

        A database server that can't be reached (``unreachable``: stopped, restarting, a network blip) is tried
        again every :data:`RETRY_SECONDS` ``[-1]`` seconds for as long as the page is open: the text is saved on
        the first attempt that reaches it.
        """
        if unreachable:
            delay = RETRY_SECONDS[min(self._retries, len(RETRY_SECONDS) - 1)]
            self._retries += 1
            self.status.error(f"Not saved yet: the course database can't be reached just now. Trying again in "
                              f"{delay:g} seconds; your text is safe on this page (and kept in this browser).")
            self._schedule(delay)
            return
        if self._retries >= len(RETRY_SECONDS):
            self._retries = 0
            self.status.error("Not saved: the course database has been busy for over a minute. Your text is "
                              "still here (and kept in this browser); press Save to try again, or tell your "
                              "facilitator.")
            return
        delay = RETRY_SECONDS[self._retries]
        self._retries += 1
        self.status.info(f"Not saved yet: the course database is busy. Trying again in {delay:g} seconds; your "
                         "text is safe here.")
        self._schedule(delay)

    def _refresh_history(self) -> None:
        versions = self._answer_history(self.key, limit=HISTORY_SHOWN)
        self._versions = {v.id: v for v in versions}
        self.history.set_title(0, f"Saved versions ({len(versions)})")  # the current one too
        with self._parts_lock:
            if self._history_parts is not None:
                self._show_versions()

    def _show_versions(self) -> None:
        versions = list(self._versions.values())
        whens = [short_day_and_clock(v.saved_at) for v in versions]  # this year's without the year: fits a phone
        minutes = Counter(whens)  # autosave keeps several versions a minute: those sharing one show their seconds
        options = [(f"{when}{v.saved_at.astimezone().strftime(':%S') if minutes[when] > 1 else ''}"
                    f" · {plural(word_count(str(v.value)), 'word')}{' (latest)' if i == 0 else ''}", v.id)
                   for i, (when, v) in enumerate(zip(whens, versions, strict=True))]
        assert self._history_parts is not None
        picker, _text, restore = self._history_parts
        picker.options = options
        picker.value = options[0][1] if options else None
        restore.disabled = not options

    def _on_pick_version(self, change: dict[str, Any]) -> None:
        version = self._versions.get(change["new"])
        self.history_text.value = str(version.value) if version else ""

    def _on_restore(self, _button: w.Button) -> None:
        version = self._versions.get(self.history_list.value) if self.history_list.value else None
        if version is None:
            return
        self.text.value = str(version.value)
        self.save(force=True)


def reflection(key: str, **kwargs: Any) -> Reflection:
    """A reflection exercise for the prompt saved under ``key`` (see :data:`plnkit.content.PROMPTS`)."""
    return Reflection(key, **kwargs)
