"""A preheated kernel's visitor: waiting for the page's request, and filling the page in once it is here.

Voila's preheated kernels (``plnkit serve`` keeps a pool per course page) run the page before anyone asks for it,
so the request's cookie and query string are not in the environment yet. :func:`wait_for_request` blocks until
the server hands them over (see :mod:`plnkit.services._preheat`); :func:`after_request` fills a page in with the
visitor's work once they are here. :mod:`plnkit.services.session` re-exports these: read who the learner is
there.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable

from . import _announce, _log
from ._kernel import main_thread_caller
from .store import default_home

log = logging.getLogger(__name__)

#: Set to "True" by Voila in a kernel started for its preheated pool (before any request).
PREHEAT_ENV = "VOILA_PREHEAT"
#: Where ``plnkit serve`` tells its pool kernels to wait for their request (see ``services/_preheat.py``).
QUERY_URL_ENV = "PLNKIT_QUERY_URL"
#: Seconds the kernel waits, when the browser asks for the page's widgets, for a request that hasn't reached it
#: yet (the server hands it over before it sends the page, so it is on its way). The browser gives up on its
#: ``request_states`` after 4 s, so this, plus filling the page in, must stay well below that.
ASKED_BEFORE_REQUEST_WAIT = 1.0

#: Filling a page in that takes longer than this is noted in ``plnkit.log`` (the browser's patience is 4 s).
SLOW_FILL_SECONDS = 2.0

_request_lock = threading.Lock()
_request_seen = False
_arrived = threading.Event()


def preheated() -> bool:
    """True in a preheated kernel whose page has not been asked for yet (nothing about the visitor is known)."""
    return os.environ.get(PREHEAT_ENV, "False") == "True" and not _request_seen


def wait_for_request() -> None:
    """In a preheated kernel, block until its page is requested and the request's details are in ``os.environ``
    (``QUERY_STRING``, ``HTTP_COOKIE``, ``VOILA_REQUEST_URL``, ...). Returns at once anywhere else, and on every
    later call. Thread-safe.

    The same protocol as :func:`voila.utils.wait_for_request` (Voila hands the details to the kernel over a
    websocket), at the secret address ``plnkit serve`` gives its pool kernels (``PLNKIT_QUERY_URL``; Voila's own
    under plain ``voila --preheat_kernel``), but it never writes to the page (Voila's warns there, with the
    address) and it reconnects after a dropped connection instead of going on without the visitor. A preheated
    kernel whose server has gone is ended by ipykernel's parent check.
    """
    global _request_seen
    with _request_lock:
        if not preheated():
            return
        if _log.in_kernel():
            _log.install(default_home())  # before anything is logged: a kernel's stderr is the learner's page
        url = os.environ.get(QUERY_URL_ENV) or _voila_query_url()
        details = _fetch_request(f"{url}/{os.environ.get('VOILA_KERNEL_ID', '')}")
        for key, value in details.items():
            if isinstance(key, str) and isinstance(value, str):
                os.environ[key] = value
        _request_seen = True
        os.environ[PREHEAT_ENV] = "False"
        _arrived.set()


def _voila_query_url() -> str:
    protocol = os.environ.get("VOILA_WS_PROTOCOL", "ws")
    host, port = os.environ.get("VOILA_APP_IP", "127.0.0.1"), os.environ.get("VOILA_APP_PORT", "8866")
    base = os.environ.get("VOILA_WS_BASE_URL", os.environ.get("VOILA_SERVER_URL", "/"))
    return f"{protocol}://{host}:{port}{base}voila/query"


def _fetch_request(url: str) -> dict[str, object]:
    """The request's details, from the server's websocket for this kernel (retried until they arrive)."""
    import asyncio
    import json

    import websockets

    async def fetch() -> dict[str, object]:
        delay = 0.5
        while True:
            try:
                async with websockets.connect(url, open_timeout=10, ping_interval=None, max_size=1 << 20) as ws:
                    message = await ws.recv()
                details = json.loads(message)
                if isinstance(details, dict):
                    return details
                raise ValueError("not an object")
            except Exception as exc:  # noqa: BLE001 - dropped, refused, malformed: try again, say so in the log
                log.warning("waiting for this preheated page's request: %s", type(exc).__name__)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10.0)

    result: dict[str, object] = {}

    def run() -> None:  # the kernel's own event loop is busy running this cell: use a loop of our own
        result.update(asyncio.run(fetch()))

    thread = threading.Thread(target=run, name="plnkit-wait-for-request", daemon=True)
    thread.start()
    thread.join()
    return result


def after_request(load: Callable[[], object]) -> threading.Thread | None:
    """Run ``load`` once, on the kernel's main thread (the thread that calls this; see
    :mod:`plnkit.services._kernel`: widgets made on another thread can break the page's widgets as it connects),
    as soon as this preheated kernel's request has arrived: a background thread waits for it.

    And at the latest before the browser is sent the page's widgets: when its widget manager asks for them
    (:func:`plnkit.services._announce.before_widgets_sent`) and the request is here, or arrives within
    :data:`ASKED_BEFORE_REQUEST_WAIT` seconds, ``load`` runs there and then, so the browser's first copy of every
    widget shows the learner's work. (Filled in just after that answer instead, its changes reach a browser
    still building its copies, which drops them: parts of the page, the footer last, stayed empty. That
    happened when the kernel got its request late, on a loaded server.)

    For a page that builds itself before the request and fills in the learner's data after it. Returns the
    waiting thread (it ends once ``load`` has run), or ``None`` (and runs nothing) when the request is already
    here (not preheated): then load now. Errors in ``load`` go to the operator's log (``_log``), never to the page.
    """
    if not preheated():
        return None
    on_main = main_thread_caller()
    done = False

    def once(when: str) -> None:  # on the main thread only, so no lock
        nonlocal done
        if done:
            return
        done = True
        began = time.monotonic()
        try:
            load()
        except Exception:  # noqa: BLE001 - the page's own thread: it must go on answering the browser
            log.exception("filling in a preheated page failed")
        took = time.monotonic() - began
        (log.info if took > SLOW_FILL_SECONDS else log.debug)("this preheated page was filled in %s, in %.1f s",
                                                               when, took)

    def before_widgets_sent() -> None:
        if _arrived.wait(ASKED_BEFORE_REQUEST_WAIT):
            once("as its browser asked for its widgets")
        else:
            log.info("a browser asked for a preheated page's widgets before its request arrived (waited %.0f s); "
                     "what the page fills in is sent again once it has", ASKED_BEFORE_REQUEST_WAIT)

    def run() -> None:
        try:
            wait_for_request()
            on_main(lambda: once("once its request arrived"))
        except Exception:  # noqa: BLE001 - a background thread: nowhere else for it to go
            log.exception("filling in a preheated page failed")

    _announce.before_widgets_sent(before_widgets_sent)
    thread = threading.Thread(target=run, name="plnkit-after-request", daemon=True)
    thread.start()
    return thread
