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
import threading
from collections.abc import Callable
from typing import TypeVar

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
