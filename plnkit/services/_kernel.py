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
    work whenever the browser asks. A browser that waits more than 4 s for that answer asks for each widget's
    state instead (``request_state``): those are held and answered the same way.
    """
    return HeldWidgetMessages()


class HeldWidgetMessages:
    """The page's widget messages, held (see :func:`hold_widget_messages`). Inside ``with held:`` the kernel's
    messages are attributed to the cell that drew the page (not to the browser's last request, which would
    take an update for the answer to its request); on leaving it, the held messages are handled, in order,
    each answer attributed to its request."""

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
        self._page = self._kernel.get_parent("shell") if self._handle is not None else None  # the drawing cell
        if self._handle is not None:
            self._handlers["comm_msg"] = self._hold

    def _hold(self, stream: object, idents: object, msg: object) -> None:
        if len(self._held) < MAX_HELD:
            self._held.append((stream, idents, msg))
            return
        self._dropped += 1
        if self._dropped == 1:
            logging.getLogger(__name__).warning("a page sent more than %d widget messages before it was filled "
                                                "in; dropping the rest", MAX_HELD)

    def _as_page(self) -> None:
        if self._kernel is not None and self._page is not None:
            self._kernel.set_parent([], self._page, channel="shell")

    def __enter__(self) -> HeldWidgetMessages:
        self._as_page()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.release()

    def release(self) -> None:
        """Stop holding, and handle what was held (on the kernel's main thread). Safe to call twice."""
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
