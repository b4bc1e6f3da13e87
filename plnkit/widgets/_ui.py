"""The widget base and small helpers shared by every widget: escaping, status lines, and the guard that keeps
tracebacks away.

:class:`Component` is the one base of every exercise. Its life is always the same:

1. **construct**: build empty controls (no store access);
2. **load**: :meth:`Component.load` fills them from the store, guarded, once construction is complete; or,
   after :func:`defer_loading` (a preheated kernel, whose page runs before anyone asks for it), when
   :func:`load_all` is called once the visitor's request has arrived;
3. **save**: :meth:`Component._commit` checks a value by its rule, saves it, redraws, and says "Saved at HH:MM"
   last; network changes computed by :mod:`plnkit.rules.network` go to :meth:`Component._record`, one
   transaction;
4. every callback is wrapped in :func:`guard`.
"""

from __future__ import annotations

import functools
import html
import logging
import re
import threading
import weakref
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

import ipywidgets as w

from ..errors import PlnkitError, SignInStopped
from ..rules.text import clock as clock
from ..rules.text import day as day
from ..rules.text import day_and_clock as day_and_clock
from ..rules.text import esc as esc
from ..rules.text import plural as plural
from ..rules.text import short_day_and_clock as short_day_and_clock
from ..rules.text import word_count as word_count
from ..services import _log
from ._controls import Part as Part
from ._controls import _shared as _shared  # tests clear it: a page's kernel starts with none
from ._controls import draft_field as draft_field
from ._controls import keep_choice as keep_choice
from ._controls import layout as layout
from ._controls import make as make
from ._controls import mark_saved as mark_saved
from ._controls import text_hash as text_hash
from ._files import download_link as download_link
from ._files import on_upload as on_upload
from ._files import upload_bytes as upload_bytes
from ._files import upload_control as upload_control

if TYPE_CHECKING:
    from ..errors import StoreLockedError, StoreUnavailableError
    from ..records import AnswerVersion, NetworkEvent
    from ..rules.network import Change, Network

log = logging.getLogger("plnkit")
_log.kernel_setup()  # before any widget can log: the learner's page must never receive a traceback
F = TypeVar("F", bound=Callable[..., Any])

class Status:
    """A one-line status (saved, not saved, errors), announced politely to screen readers."""

    def __init__(self) -> None:
        self.widget = make(w.HTML, layout={"min_height": "1.6em"}, classes=("plnkit-status",))

    def ok(self, text: str) -> None:
        self._set("ok", text)

    def info(self, text: str) -> None:
        self._set("info", text)

    def error(self, text: str) -> None:
        self._set("error", text)

    def signed_out(self, text: str) -> None:
        """An error that stops the whole page saving (:class:`~plnkit.errors.SignInStopped`): ``course.js`` also
        says it across the top of the page, for a learner reading or typing elsewhere on it, until the page's
        sign-in works again (:func:`signed_in_again`: a reopened workshop) or this line says something else."""
        self.widget.value = (f'<span class="plnkit-status-error plnkit-signed-out" role="status">{esc(text)}'
                             "</span>")
        _signed_out.add(self)

    @property
    def text(self) -> str:
        return re.sub(r"<[^>]+>", "", html.unescape(self.widget.value))

    def _set(self, kind: str, text: str) -> None:
        self.widget.value = f'<span class="plnkit-status-{kind}" role="status">{esc(text)}</span>'
        _signed_out.discard(self)


#: The status lines on this page saying that its sign-in stopped.
_signed_out: weakref.WeakSet[Status] = weakref.WeakSet()
SIGNED_IN_AGAIN = "This page saves again (your facilitator reopened the workshop): press Save to save what is here."


def signed_in_again() -> None:
    """The page's sign-in works again (the page header found it so): every status line that said it had stopped
    says how to save what the refused action left here."""
    for status in list(_signed_out):
        status.info(SIGNED_IN_AGAIN)


def guard(status: Status | None, *, doing: str = "do that", kept: str = "What you typed is still here; try again.",
          say: Callable[[str], None] | None = None) -> Callable[[F], F]:
    """Run a widget callback so the learner sees a message, never a traceback; the one place a widget catches
    errors (``tests/test_ui.py`` checks that no other widget code does). The wrapped call returns ``None`` when
    it failed.

    Known errors (:class:`PlnkitError`) show their own message; anything else is logged for the facilitator
    and the learner is told what is safe (``kept``, e.g. that nothing they typed was lost). The message goes to
    ``say`` when given (a warning in place of the component), else to ``status``'s line; with neither (``None``),
    nothing is shown: for a part of the page that shows without the learner's data, or a background refresh that
    tries again on its next tick.
    """
    show = say or (status.error if status is not None else None)

    def decorate(fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return fn(*args, **kwargs)
            except SignInStopped as exc:
                if say is None and status is not None:
                    status.signed_out(str(exc))
                elif show is not None:
                    show(str(exc))
            except PlnkitError as exc:
                if show is not None:
                    show(str(exc))
            except Exception:
                log.exception("unexpected error in %s", fn.__qualname__)
                if show is not None:
                    show(f"Sorry, the course could not {doing}. {kept}")
            return None

        return wrapper  # type: ignore[return-value]

    return decorate


#: Components created while loading is deferred, in creation order (``None``: not deferred).
_pending: list[Component] | None = None
_pending_lock = threading.Lock()


def defer_loading() -> None:
    """From now on, components do not read the store when they are made: they wait for :func:`load_all`.

    For a page that runs before its visitor has asked for it (a preheated Voila kernel): no learner's data
    may be read until the request has arrived (``voila.utils.wait_for_request()``).
    """
    global _pending
    with _pending_lock:
        if _pending is None:
            _pending = []


def load_all() -> int:
    """Load every component made since :func:`defer_loading`, in the order they were made, each guarded (a
    failure shows in that component's status line). Loading is no longer deferred afterwards. Returns how
    many were loaded."""
    global _pending
    with _pending_lock:
        pending, _pending = _pending or [], None
    for component in pending:
        component.load_now()
    return len(pending)


class _LoadsWhenBuilt(type):
    """Calls :meth:`Component._built` once the most derived ``__init__`` has finished."""

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        component = super().__call__(*args, **kwargs)
        component._built()
        return component


class Component(metaclass=_LoadsWhenBuilt):
    """Base of every exercise widget: the learner's session, a status line, a box to display, and one way to
    load, save, record network changes and guard errors (see the module's docstring).

    Subclasses build empty controls in ``__init__`` and fill them in :meth:`load`. Display a component as the
    last expression of a cell; its box is what the page shows.
    """

    #: What loading does, for the status line when it fails ("Sorry, the course could not ...").
    loading = "show your saved work"

    def __init__(self, session: Any = None, *css: str) -> None:
        self._session = session
        self._identity_error: Exception | None = None
        self._learner_id: int | None = None
        self._drafts: list[tuple[w.Widget, str, bool]] = []
        #: True while :meth:`load` runs (observers that save skip the values it sets).
        self.is_loading = False
        #: True once :meth:`load` has run.
        self.loaded = False
        self.status = Status()
        self.widget = make(w.VBox, classes=("plnkit-exercise", *css))

    # --- load -------------------------------------------------------------------------------------------

    def load(self) -> None:
        """Fill the controls from the store (called once, after construction or by :func:`load_all`)."""

    def _built(self) -> None:
        with _pending_lock:
            if _pending is not None:
                _pending.append(self)
                return
        self.load_now()

    def load_now(self) -> None:
        """Run :meth:`load` now, guarded: a locked or damaged file or a bad link shows in the status line."""
        self.is_loading = True
        try:
            guard(self.status, doing=self.loading, kept="Reload the page to try again.")(self._load_steps)()
        finally:
            self.is_loading = False
            self.loaded = True

    def _load_steps(self) -> None:
        drafts, self._drafts = self._drafts, []
        for field, key, by_button in drafts:
            draft_field(field, key, self._draft_scope(), by_button=by_button)
        self.load()

    def _draft(self, field: w.Widget, key: str, *, by_button: bool = False) -> None:
        """Let the page keep unsaved text of ``field`` in the browser (see :func:`draft_field`), under this
        learner's scope, which is known only once loading starts. ``by_button``: saved by a button, not as typed."""
        self._drafts.append((field, key, by_button))

    # --- the learner ------------------------------------------------------------------------------------

    def _sess(self) -> Any:
        """The learner's session, checked again on every use (a reissued link or closed workshop stops saving).

        A widget belongs to the learner it first resolved to: one opened without a valid link stays without one,
        and a change of the process's session never makes it save into someone else's work.
        """
        from ..errors import IdentityError
        from ..services import session as _session

        if self._session is not None:
            return self._session
        if self._identity_error is not None:
            raise self._identity_error
        try:
            sess = _session.current()
        except IdentityError as exc:
            if self._learner_id is None:
                self._identity_error = exc
            raise
        if self._learner_id is None:
            self._learner_id = sess.learner.id
        elif sess.learner.id != self._learner_id:
            raise SignInStopped("This page was opened for someone else, so nothing more is saved from it. "
                                "Open your own link.")
        return sess

    # --- answers ----------------------------------------------------------------------------------------

    def _load_answer(self, key: str) -> Any:
        """The learner's latest answer under ``key``, or ``None`` when there is none or it does not fit its rule
        (a damaged or hand-edited value shows as an empty exercise; the operator's log says why)."""
        version = self._load_version(key)
        return version.value if version else None

    def _load_version(self, key: str) -> AnswerVersion | None:
        """Like :meth:`_load_answer`, with when it was saved: the latest ``AnswerVersion`` (its value checked by
        the rule for ``key``), or ``None``."""
        from dataclasses import replace

        from ..rules.answers import stored_answer

        sess = self._sess()
        version = sess.store.latest_answer(sess.learner, key)
        value = stored_answer(key, version.value) if version else None
        return replace(version, value=value) if version is not None and value is not None else None

    def _answer_history(self, key: str, *, limit: int | None = None) -> list[AnswerVersion]:
        """The last ``limit`` (all) saved versions of ``key``, newest first, less any that do not fit its rule."""
        from dataclasses import replace

        from ..rules.answers import stored_answer

        sess = self._sess()
        checked = [replace(v, value=stored_answer(key, v.value))
                   for v in sess.store.answer_history(sess.learner, key, limit=limit)]
        return [v for v in checked if v.value is not None]

    def _save_answer(self, key: str, value: Any) -> AnswerVersion:
        """Check ``value`` by the rule for ``key`` and save it; returns the stored ``AnswerVersion``."""
        from ..rules.answers import check_answer

        sess = self._sess()
        return sess.store.save_answer(sess.learner, key, check_answer(key, value))

    def _commit(self, key: str, value: Any, *, changes: Callable[[Network], Sequence[Change]] | None = None,
                then: Callable[[AnswerVersion], str | None] | None = None) -> AnswerVersion | None:
        """The one save path: check ``value`` by its rule and save it, with the network ``changes`` it implies (a
        function of the network as it stands) in the same transaction, so both are kept or neither; ``then``
        redraws and may return words to add; the status line says "Saved at HH:MM" last, once everything is in
        place.

        A database that is busy or can't be reached raises (the guard says so), unless :meth:`_save_later` takes
        the value to try again: then nothing is saved yet and this returns ``None``.
        """
        from ..errors import StoreLockedError, StoreUnavailableError

        try:
            with self._together():
                version = self._save_answer(key, value)
                if changes is not None:
                    self._record(changes(self._network()))
        except (StoreLockedError, StoreUnavailableError) as exc:
            if self._save_later(exc):
                return None
            raise
        note = then(version) if then is not None else None
        self._saved(version.saved_at, note or "")
        return version

    def _save_later(self, error: StoreLockedError | StoreUnavailableError) -> bool:
        """Called when a save found the database busy or out of reach; True when this component will try the
        save again itself (saying so in its status line). The base does not: the error reaches the guard, and the
        learner presses Save again."""
        return False

    def _together(self) -> AbstractContextManager[Any]:
        """One transaction for several store calls (an answer or a bookmark and its network changes)."""
        return self._sess().store.transaction()

    def _saved(self, moment: datetime, note: str = "") -> None:
        """Say "Saved at HH:MM" (with ``note``, such as ``": 3 of 5 commitments."``)."""
        self.status.ok(f"Saved at {clock(moment)}{note}")

    # --- the network ------------------------------------------------------------------------------------

    def _network_events(self) -> list[NetworkEvent]:
        sess = self._sess()
        return list(sess.store.network_events(sess.learner))

    def _network(self) -> Network:
        """The learner's network as it stands now."""
        from ..rules.network import replay

        return replay(self._network_events())

    def _record(self, changes: Sequence[Change]) -> list[NetworkEvent]:
        """Write network changes (from :mod:`plnkit.rules.network`) in one transaction: all or none."""
        if not changes:
            return []
        sess = self._sess()
        return list(sess.store.record_changes(sess.learner, changes))

    def _record_sites(self, touched: Sequence[str]) -> list[NetworkEvent]:
        """Keep one network node per site the learner follows or bookmarks, for the addresses just added or
        removed (``touched``); see :func:`plnkit.rules.network.site_changes`."""
        from ..rules.network import site_changes

        sess = self._sess()
        feeds = [(s.url, s.title or "") for s in sess.store.subscriptions(sess.learner)]
        marks = [b.url for b in sess.store.bookmarks(sess.learner)]
        return self._record(site_changes(self._network(), touched, feeds=feeds, bookmarks=marks))

    # --- the page ---------------------------------------------------------------------------------------

    def _draft_scope(self) -> str:
        """A short fingerprint of the learner, so browser drafts of two people on one browser stay apart.

        Made from the learner's id in the store, which stays theirs when the facilitator reissues their link (the
        key changes): text typed on a page whose link was just replaced is offered back on the new link's page.
        """
        import hashlib

        try:
            ident = f"learner:{self._sess().learner.id}"
        except PlnkitError:
            ident = "nobody"
        return hashlib.sha256(ident.encode("utf-8")).hexdigest()[:12]

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        """The page shows the component's box (ipywidgets' view of it). Its plain-text form names the component:
        ipywidgets' own spells out every control of the box, children and all, only to keep 110 characters."""
        box = self.widget
        if box.comm is None or box._view_name is None:  # closed: what ipywidgets shows for it
            return {"text/plain": repr(box)}
        return {"text/plain": f"{type(self).__name__}()",
                "application/vnd.jupyter.widget-view+json": {"version_major": 2, "version_minor": 0,
                                                             "model_id": box._model_id}}
