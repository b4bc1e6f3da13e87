"""Run work on the kernel's main thread from a background thread.

In a Jupyter kernel the main thread runs an asyncio event loop that handles every message from the page:
ipywidgets answers the page's ``request_states`` there by iterating over every widget, and creates and
updates widgets there. A widget made, closed or changed on another thread while that loop iterates breaks the
answer (``RuntimeError: dictionary changed size during iteration``): the page never receives its widgets and
stays empty. That happened to about 1 in 40 preheated pages whose visitor connected while the page was being
filled in on a background thread (``benchmarks/room.py``; ``tests/test_kernel_thread.py``).

So a background thread (waiting for a request, polling the store, fetching feeds) does its slow part where it
is and hands the part that touches widgets to :func:`main_thread_caller`'s function.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import logging
import os
import sys
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from ._log import in_kernel

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


#: Messages from the page held while a preheated page is filled in, at most (more are dropped, and logged).
MAX_HELD = 1000
#: Seconds a held message waits at most (the browser gives up on its ``request_states`` after 4 s).
ANSWER_WITHIN = 3.0
#: Seconds after a page answered early is filled in before its widgets are sent again.
RESEND_AFTER = 1.5


def hold_widget_messages() -> HeldWidgetMessages:
    """Hold the page's widget messages (``comm_msg``) from now until the page is filled in, then handle them
    in order: ``with hold_widget_messages() as held: ...`` is wrong (it would release at once); keep the
    returned object and fill the page in inside ``with held:``, on the kernel's main thread, later. Outside a
    kernel it holds nothing.

    Why: a preheated page is drawn before its visitor asks, and filled in with their work once the request has
    arrived (``page.header``). The browser meanwhile asks for every widget's state (ipywidgets'
    ``request_states``) and makes its widget models from the answer. An update the kernel sends while those
    models are being made is dropped by the browser (the model does not listen yet), so a page answered
    half-way through being filled in kept parts of it empty for good: its footer never showed it had loaded
    (CI, pages with many widgets, under load). Held until the page is filled in, the answer holds the learner's
    work whenever the browser asks (within :data:`ANSWER_WITHIN` seconds; see :class:`HeldWidgetMessages`).
    """
    return HeldWidgetMessages()


class HeldWidgetMessages:
    """The page's widget messages, held (see :func:`hold_widget_messages`). Inside ``with held:`` the kernel's
    messages are attributed to the cell that drew the page (not to the browser's last request, which would
    take an update for the answer to its request); on leaving it, the held messages are handled, in order,
    each answer attributed to its request.

    The browser waits 4 s for its answer before it asks for each widget on its own (a slower path, with races
    of its own), so a message is held at most :data:`ANSWER_WITHIN` seconds. A page still being filled in by
    then is answered as it is, and once filled in sends every widget's state again, :data:`RESEND_AFTER` seconds
    later (when the browser has made its copies), so no update made meanwhile is lost.
    """

    def __init__(self) -> None:
        kernelapp = getattr(sys.modules.get("ipykernel"), "kernelapp", None)
        self._kernel: Any = None
        if in_kernel() and kernelapp is not None:
            self._kernel = kernelapp.IPKernelApp.instance().kernel
        handlers = getattr(self._kernel, "shell_handlers", None)
        self._handlers: dict[str, Callable[..., object]] = handlers if isinstance(handlers, dict) else {}
        self._handle = self._handlers.get("comm_msg")
        self._held: list[tuple[object, object, object]] = []
        self._dropped = 0
        self._answered_early = False
        self._timer: asyncio.TimerHandle | None = None
        self._page = self._kernel.get_parent("shell") if self._handle is not None else None  # the drawing cell
        if self._handle is not None:
            self._handlers["comm_msg"] = self._hold

    def _hold(self, stream: object, idents: object, msg: object) -> None:
        if self._timer is None:  # the browser has started asking: it gets its answer in time, filled in or not
            try:
                self._timer = asyncio.get_running_loop().call_later(ANSWER_WITHIN, self._answer_now)
            except RuntimeError:  # no loop here (not a kernel's main thread): held until released
                pass
        if len(self._held) < MAX_HELD:
            self._held.append((stream, idents, msg))
            return
        self._dropped += 1
        if self._dropped == 1:
            logging.getLogger(__name__).warning("a page sent more than %d widget messages before it was filled "
                                                "in; dropping the rest", MAX_HELD)

    def _answer_now(self) -> None:
        if self._handlers.get("comm_msg") == self._hold:
            self._answered_early = True
            logging.getLogger(__name__).info("a page was still being filled in after %.0f s: answering its "
                                             "browser now, and sending its widgets again once filled in",
                                             ANSWER_WITHIN)
            self._release()

    def _as_page(self) -> None:
        if self._kernel is not None and self._page is not None:
            self._kernel.set_parent([], self._page, channel="shell")

    def __enter__(self) -> HeldWidgetMessages:
        self._as_page()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.release()

    def release(self) -> None:
        """The page is filled in: stop holding, and handle what was held (on the kernel's main thread). Safe to
        call twice."""
        if self._timer is not None:
            self._timer.cancel()
        self._release()
        if self._answered_early:
            self._answered_early = False
            try:
                asyncio.get_running_loop().call_later(RESEND_AFTER, _send_every_widget)
            except RuntimeError:
                _send_every_widget()

    def _release(self) -> None:
        if self._handle is None:
            return
        if self._handlers.get("comm_msg") == self._hold:
            self._handlers["comm_msg"] = self._handle
        waiting, self._held = self._held, []
        for stream, idents, msg in waiting:
            self._kernel.set_parent(idents, msg, channel="shell")  # each answer names the request it answers
            try:
                self._handle(stream, idents, msg)
            except Exception:  # noqa: BLE001 - as ipykernel does for a message handler: log it, go on
                logging.getLogger(__name__).exception("a held widget message failed")
        self._as_page()


def _send_every_widget() -> None:
    """Send every widget's whole state to the page again (ipywidgets' own ``send_state``)."""
    try:
        from ipywidgets.widgets.widget import _instances
    except ImportError:
        return
    for widget in list(_instances.values()):
        try:
            widget.send_state()
        except Exception:  # noqa: BLE001 - one closed meanwhile: the others still go
            logging.getLogger(__name__).debug("a widget's state could not be sent again", exc_info=True)


#: Set by ``plnkit serve`` for its kernels: a course page's kernel may end without Python's slow tidy-up.
QUICK_EXIT_ENV = "PLNKIT_QUICK_EXIT"

_quick_exit_installed = False


def exit_quickly_when_served() -> bool:
    """In a kernel ``plnkit serve`` started (:data:`QUICK_EXIT_ENV` is ``1``), end the process as soon as it
    exits: once the kernel has answered its shutdown request and Python starts exiting, flush the log, close the
    store's connections, and ``os._exit(0)``. Returns True when that is installed (once per process).

    Why: a room of 25 opens a kernel per page and shuts one down per page left, 100 in a few minutes on a
    2-core laptop. IPython's own exit clears every namespace and runs a full garbage collection, then Python
    tears every module down: about 0.2 to 0.3 s of CPU per kernel (``py-spy`` of ``benchmarks/room.py``),
    taken from the pages being opened. Nothing of the learner's is in that tidy-up: every answer is saved in
    its own transaction when it is typed, and a save still running when the shutdown request came has finished
    by now (ipykernel stops only between messages). Not installed in anyone's own notebook or kernel.
    """
    global _quick_exit_installed
    if _quick_exit_installed or not in_kernel() or os.environ.get(QUICK_EXIT_ENV) != "1":
        return False
    _quick_exit_installed = True
    atexit.register(_exit_now)  # atexit runs last-registered first: before IPython's own (made at its start)
    return True


def _exit_now() -> None:
    try:
        from . import session

        current = session._session  # this process's learner session, if a page made one
        if current is not None:
            current.store.close_if_idle()  # PostgreSQL sees a goodbye, not a dropped connection
    except Exception:  # noqa: BLE001 - exiting anyway
        pass
    logging.shutdown()
    os._exit(0)
