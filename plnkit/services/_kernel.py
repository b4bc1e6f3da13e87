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
import concurrent.futures
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
