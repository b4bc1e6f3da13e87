"""Run work on the kernel's main thread from a background thread.

In a Jupyter kernel the main thread runs an asyncio event loop that handles every message from the page:
ipywidgets answers the page's ``request_states`` there by iterating over every widget, and creates and
updates widgets there. A widget made, closed or changed on another thread while that loop iterates breaks the
answer (``RuntimeError: dictionary changed size during iteration``): the page never receives its widgets and
stays empty. That happened to about 1 in 40 preheated pages whose visitor connected while the page was being
filled in on a background thread (``benchmarks/room.py``; ``tests/test_kernel_thread.py``).

So a background thread does its slow part where it is and hands the part that touches widgets to
:func:`main_thread_caller`'s function: a preheated page waiting for its request (``_request.after_request``), and
every live part of a page, which updates itself every few seconds (:func:`every_on_main`). Two threads still
change only values of widgets that exist, where they are: a reflection's autosave (its text box and status
line) and the feed reader's refresh (its progress bar and entries); handing their saves and fetches over is
left for later (a save may wait for a locked database, which the page's main thread must not).
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import contextlib
import logging
import os
import threading
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from ._log import in_kernel, started_by_voila

T = TypeVar("T")


def main_thread_caller() -> Callable[[Callable[[], T]], T]:
    """A function ``call(fn)`` that runs ``fn()`` on the event loop running in *this* thread and returns its
    result (or raises its exception), waiting for it, from any thread.

    Call it on the kernel's main thread (a notebook cell, or code a cell calls): the loop is the kernel's. Outside
    a kernel (tests, scripts: a loop there may belong to something else, such as Playwright's, which runs only
    while its own calls do), where this thread runs no event loop, and on the loop's own thread, ``call(fn)``
    simply runs ``fn()``. Raises :class:`RuntimeError` when the loop has been closed (the kernel is shutting down).
    """
    loop: asyncio.AbstractEventLoop | None = None
    if in_kernel():
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
    owner = threading.get_ident()

    def call(fn: Callable[[], T]) -> T:
        if loop is None or threading.get_ident() == owner or not loop.is_running():
            return fn()
        done: concurrent.futures.Future[T] = concurrent.futures.Future()

        def run() -> None:
            if not done.set_running_or_notify_cancel():
                return
            try:
                done.set_result(fn())
            except BaseException as exc:  # noqa: BLE001 - handed back to the waiting thread
                done.set_exception(exc)

        loop.call_soon_threadsafe(run)
        return done.result()

    return call


def every_on_main(seconds: float, tick: Callable[[], object], stop: threading.Event, name: str) -> threading.Thread:
    """Call ``tick()`` every ``seconds`` on the kernel's main thread (call this there: a component's ``load``, a
    button's handler), from a started daemon thread, named ``name``, that only waits. It ends when ``stop`` is
    set, when ``tick`` returns ``False`` (a live page pausing after a quiet spell), or as the kernel shuts down
    (its event loop closed). Outside a kernel ``tick`` runs on that thread. Returns the thread.

    For every live part of a page (the backchannel, the facilitator's room, a workshop link's check): what it
    changes is changed where ipywidgets answers the browser (see the module's docstring).
    """
    on_main = main_thread_caller()

    def run() -> None:
        while not stop.wait(seconds):
            try:
                if on_main(tick) is False:
                    return
            except RuntimeError:  # the loop has closed: the kernel is shutting down
                return

    thread = threading.Thread(target=run, daemon=True, name=name)
    thread.start()
    return thread


#: Seconds after a preheated page is filled in before what that changed is sent to the browser again
#: (``PLNKIT_RESEND_AFTER`` overrides it: the tests lengthen it, to type into a page before that happens).
RESEND_AFTER = 1.5
RESEND_AFTER_ENV = "PLNKIT_RESEND_AFTER"
#: When it is sent again, in multiples of :data:`RESEND_AFTER`: a browser on a loaded computer may still be
#: building its copies of the page's widgets at the first.
RESENDS = (1, 4)


def _resend_after() -> float:
    try:
        return max(0.0, float(os.environ.get(RESEND_AFTER_ENV, RESEND_AFTER)))
    except ValueError:
        return RESEND_AFTER


@contextlib.contextmanager
def resent_after_loading() -> Iterator[None]:
    """Fill a preheated page in inside ``with resent_after_loading():`` (on the kernel's main thread): every
    widget the block changed (or made) is sent to the browser again, whole, :data:`RESEND_AFTER` seconds later
    and again four times that later (:data:`RESENDS`), unless the learner has changed it meanwhile. Outside a
    kernel's event loop it only runs the block.

    Why: the browser builds its copy of every widget from the kernel's answer to ``request_states``, and an
    update that arrives while a copy is still being made is dropped (its comm has no listener yet). A page
    filled in while the browser was doing that kept those parts empty for good: a saved reflection not shown,
    a footer that never said the page had loaded (the "hasn't finished" stall CI hit on 01 and 03, pages with
    many widgets, under load). Sent again once the browser has its copies, every part shows the learner's work.
    (Holding the browser's request until the page was filled in was tried first: the browser gives up on it
    after 4 s and asks widget by widget, which failed in other ways.)

    Both sends, the first and the second, never overwrite what the learner has typed meanwhile: they go as
    ipywidgets' ``echo_update`` messages (:func:`send_unless_edited`), which the browser applies to every value
    except one the learner has changed there and the kernel has not yet confirmed. Sent as plain updates, the
    saved answer landed in a text box the learner had just cleared and begun typing in (their first words gone,
    the rest appended to the old answer): a browser trial on a phone found that.
    """
    try:
        loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop() if in_kernel() else None
    except RuntimeError:
        loop = None
    if loop is None:
        yield
        return
    from ipywidgets.widgets.widget import Widget, _instances

    # What the block changes is what it sends (or makes): noted as it goes, so filling a page in costs one
    # get_state() per widget it changed, not two passes over every widget of the page (which delayed the page).
    existed, touched = set(_instances), set()
    send_state = Widget.send_state

    def noting(widget: Any, key: Any = None) -> None:
        touched.add(widget.model_id)
        send_unless_edited(widget, key)

    Widget.send_state = noting
    try:
        yield
    finally:
        Widget.send_state = send_state
    changed: dict[str, object] = {}
    for key in touched | (set(_instances) - existed):
        try:
            changed[key] = _instances[key].get_state()
        except Exception:  # noqa: BLE001 - closed meanwhile: left out
            continue
    if changed:
        for times in RESENDS:
            loop.call_later(times * _resend_after(), _send_again, changed)


def send_unless_edited(widget: Any, key: Any = None) -> None:
    """Send ``widget``'s state (all of it, or the trait name or names in ``key``) to the browser as ipywidgets 8
    does (``Widget.send_state``), but as an ``echo_update`` message instead of an ``update``.

    The browser applies an ``echo_update`` like an update, except for a trait whose own change it has sent and
    the kernel has not yet echoed back: the message belongs to an older state of that trait, so the browser keeps
    its own value (``@jupyter-widgets/base`` ``WidgetModel._handle_comm_msg``, ``_expectedEchoMsgIds``). A kernel
    that fills a text box in while the learner types there thus never puts its text over theirs; their change
    reaches the kernel next, and the kernel's copy then matches the page again.
    """
    from ipywidgets.widgets.widget import _remove_buffers

    state = widget.get_state(key=key)
    if not state:
        return
    lock = widget._property_lock
    if lock:  # a change from the browser is being applied: keep ipywidgets' record of it current, as it does
        for name, value in state.items():
            if name in lock:
                lock[name] = value
    state, buffer_paths, buffers = _remove_buffers(state)
    widget._send({"method": "echo_update", "state": state, "buffer_paths": buffer_paths}, buffers=buffers)


def _send_again(changed: dict[str, object]) -> None:
    """Send each widget in ``changed`` whole (:func:`send_unless_edited`) if it still has that state."""
    from ipywidgets.widgets.widget import _instances

    for key, state in changed.items():
        widget = _instances.get(key)
        try:
            if widget is not None and widget.get_state() == state:  # the learner hasn't changed it since
                send_unless_edited(widget)
        except Exception:  # noqa: BLE001 - closed meanwhile: the others still go
            logging.getLogger(__name__).debug("a widget's state could not be sent again", exc_info=True)


#: Set by ``plnkit serve`` for its kernels: a course page's kernel may end without Python's slow tidy-up.
QUICK_EXIT_ENV = "PLNKIT_QUICK_EXIT"

_quick_exit_installed = False
_at_exit: list[Callable[[], object]] = []


def at_exit(fn: Callable[[], object]) -> None:
    """Run ``fn()`` once as this process ends, before the store's connections close: a learner's work still
    waiting to be saved (see ``widgets/reflection.py``). Under :func:`exit_quickly_when_served` too, which ends
    the process before Python's other ``atexit`` functions. Errors go to the operator's log."""
    if fn not in _at_exit:
        _at_exit.append(fn)


@atexit.register
def _run_at_exit() -> None:
    while _at_exit:
        fn = _at_exit.pop(0)
        try:
            fn()
        except Exception:  # noqa: BLE001 - ending anyway: the next one still runs
            logging.getLogger("plnkit").exception("saving what waited as the kernel ended failed")


def exit_quickly_when_served() -> bool:
    """In a kernel ``plnkit serve`` started (:data:`QUICK_EXIT_ENV` is ``1``), end the process as soon as it
    exits: once the kernel has answered its shutdown request and Python starts exiting, flush the log, close the
    store's connections, and ``os._exit(0)``. Returns True when that is installed (once per process).

    Why: a room of 25 opens a kernel per page and shuts one down per page left, 100 in a few minutes on a
    2-core laptop. IPython's own exit clears every namespace and runs a full garbage collection, then Python
    tears every module down: about 0.2 to 0.3 s of CPU per kernel (``py-spy`` of ``benchmarks/room.py``),
    taken from the pages being opened. Nothing of the learner's is in that tidy-up: every answer is saved in
    its own transaction, a save still running when the shutdown request came has finished by now (ipykernel
    stops only between messages), and what :func:`at_exit` was given (an autosave still waiting) runs first.
    Not installed in anyone's own notebook or kernel.
    """
    global _quick_exit_installed
    if _quick_exit_installed or not in_kernel() or os.environ.get(QUICK_EXIT_ENV) != "1":
        return False
    _quick_exit_installed = True
    atexit.register(_exit_now)  # atexit runs last-registered first: before IPython's own (made at its start)
    return True


def _exit_now() -> None:
    _run_at_exit()
    try:
        from . import session

        current = session._session  # this process's learner session, if a page made one
        if current is not None:
            current.store.close_if_idle()  # PostgreSQL sees a goodbye, not a dropped connection
    except Exception:  # noqa: BLE001 - exiting anyway
        pass
    logging.shutdown()
    os._exit(0)


def keep_no_history() -> bool:
    """In a kernel Voila started (it sets ``VOILA_BASE_URL``, see :mod:`plnkit.charts._static`), stop IPython
    writing each cell to its input history (``~/.ipython/profile_default/history.sqlite``, one SQLite write
    and commit per cell on IPython's saving thread). Returns True when it did.

    A course page's cells are the course's, run once by Voila: no one will ever recall them with the up arrow,
    and on a page of 14 cells those writes took about 2 ms a cell from the page's start (``benchmarks/pages.py``
    inside a Jupyter server, where no kernel is preheated). Anyone's own notebook or console keeps its history.
    """
    if not started_by_voila():
        return False
    from IPython import get_ipython

    shell = get_ipython()
    history = getattr(shell, "history_manager", None)
    if history is None:
        return False
    history.enabled = False  # its saving thread then writes nothing (IPython's ``only_when_enabled``)
    return True
