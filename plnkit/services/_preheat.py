"""Preheated kernels under ``plnkit serve``: a pool of kernels per course page, started and run before anyone asks.

Voila (``--preheat_kernel``) keeps ``pool_size`` kernels per notebook that have already executed it. When a page
is requested, the handler takes one from the pool and hands the request's details (query string, the ``Cookie``
header, ...) to the waiting kernel over a websocket, ``/voila/query/<kernel id>``. That websocket checks nothing:
whoever connects first with a kernel id receives the next visitor's cookie. So under :class:`CourseServer`:

- Voila's own ``/voila/query/...`` route answers 404, and the request's details go only to
  ``/plnkit/query/<secret>/<kernel id>``: the secret is made per server start and reaches kernels in their
  environment (:data:`QUERY_URL_ENV`, read by :func:`plnkit.services.session.wait_for_request`), so no browser
  can connect; only a kernel still waiting in the pool may, from this machine, once.
- The details are delivered once, then forgotten (Voila caches them for ever).
- ``VOILA_REQUEST_URL`` travels with them (Voila gives it to the *next* pool kernel instead: the previous
  visitor's address).
- :class:`PoolWatch` tells the culler which kernels are waiting in the pool (they have no page, and must not be
  shut down as "never opened" or "dropped"), counts a kernel against the visitor it is handed to (the caps, and
  the workshop's "only your own kernel" rule), refills the pool only while the server has room, and replaces a
  kernel that has waited in the pool for :attr:`PoolWatch.max_age` seconds.

The page's learner is read only after the request arrives: the gate has admitted it (workshop token checked)
before the handler takes a kernel from the pool, and the kernel checks the token again.
"""

from __future__ import annotations

import asyncio
import contextvars
import ipaddress
import logging
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any

import tornado.web
from voila.request_info_handler import RequestInfoSocketHandler

log = logging.getLogger("plnkit.services.server")

#: The environment variable that gives a kernel the address to wait for its request at (secret included).
QUERY_URL_ENV = "PLNKIT_QUERY_URL"
#: The URL pattern (under the base URL) of the gated websocket: secret, then kernel id.
QUERY_ROUTE = r"plnkit/query/(?P<secret>[A-Za-z0-9_-]{20,64})/(?P<kernel_id>\w+-\w+-\w+-\w+-\w+)"

#: The address of the page a kernel is being taken from the pool for (set by the page gate, same task).
request_url: contextvars.ContextVar[str] = contextvars.ContextVar("plnkit_request_url", default="")


class PoolWatch:
    """Bookkeeping of one server's preheated kernels, wrapped around Voila's ``VoilaKernelManager``.

    ``has_room()`` says whether one more kernel fits the server's cap (pool refills wait otherwise);
    ``on_handout(kernel_id)`` is called with each kernel taken from the pool, in the request's task;
    ``shut_down(kernel_id)`` (a coroutine function) ends a pool kernel that died, was restarted or waited too long:
    the server's own, which the culler uses too.
    """

    def __init__(self, manager: Any, *, max_age: float, has_room: Callable[[], bool],
                 on_handout: Callable[[str], None], shut_down: Callable[[str], Awaitable[None]]) -> None:
        self.manager = manager
        self.max_age = max_age
        self._has_room = has_room
        self._on_handout = on_handout
        self._shutdown = shut_down
        self._lock = threading.Lock()
        self._handed: set[str] = set()  # preheated kernels given to a page (no longer the pool's)
        self._born: dict[str, float] = {}  # pool kernel id: when it was first seen waiting
        self._extra: dict[str, dict[str, str]] = {}  # kernel id: request details Voila leaves out
        self._at_cap: set[str | None] = set()  # pools whose refill waits for room (logged once)
        self._pids: dict[str, int] = {}  # pool kernel id: the process that ran its page (seen when it connected)
        self._fill = manager.fill_if_needed
        self._take = manager.get_rendered_notebook
        self._size = manager.get_pool_size
        manager.fill_if_needed = self._fill_if_room
        manager.get_rendered_notebook = self._get_rendered_notebook
        manager.get_pool_size = self._get_pool_size

    @staticmethod
    def applies(manager: Any) -> bool:
        """True when ``manager`` keeps pools (Voila started with ``preheat_kernel``)."""
        return isinstance(getattr(manager, "_pools", None), dict) and hasattr(manager, "get_rendered_notebook")

    # --- what is in the pool -------------------------------------------------------------------------------

    def notebooks(self) -> list[str]:
        """The notebooks that have a pool (the course pages not on the deny list)."""
        return list(self.manager._pools)

    def waiting(self) -> set[str]:
        """Ids of the kernels started for the pool and not yet given to a page."""
        ids: set[str] = set()
        for data in list(getattr(self.manager, "notebook_data", {}).values()):
            ids.update(data.get("kernel_ids", ()))
        with self._lock:
            return ids - self._handed

    def is_waiting(self, kernel_id: str) -> bool:
        return kernel_id in self.waiting()

    def _process(self, kernel_id: str) -> tuple[int | None, bool]:
        """The kernel's process id (None when not known), and whether it still runs (False once it is gone)."""
        km = getattr(self.manager, "_kernels", {}).get(kernel_id)
        if km is None:
            return None, False
        provisioner = getattr(km, "provisioner", None)
        process = getattr(provisioner, "process", None)  # a local process (other provisioners: not known)
        pid = getattr(provisioner, "pid", None)
        running = process is None or not hasattr(process, "poll") or process.poll() is None
        return (pid if isinstance(pid, int) else None), running

    def connected(self, kernel_id: str) -> None:
        """A pool kernel came for its request: remember which process ran its page."""
        pid, _running = self._process(kernel_id)
        if pid is not None:
            with self._lock:
                self._pids[kernel_id] = pid
        if kernel_id in self.waiting():
            notebook = self.manager._get_notebook_from_kernel(kernel_id)
            log.info("a preheated page is ready: %s (%s)", notebook, short(kernel_id))
        else:
            log.debug("a preheated kernel (%s) came for its request after its page was asked for", short(kernel_id))

    def _broken(self, kernel_id: str) -> bool:
        """True for a pool kernel that died, or was restarted (its page's imports and widgets are gone)."""
        pid, running = self._process(kernel_id)
        with self._lock:
            seen = self._pids.get(kernel_id)
        restarted = getattr(getattr(self.manager, "_kernels", {}).get(kernel_id), "launches", 1) > 1
        return not running or restarted or (seen is not None and pid != seen)

    def _get_pool_size(self, notebook_name: str) -> int:
        """Voila asks this before taking a kernel: drop dead or restarted ones first, so none is handed out."""
        pool = self.manager._pools.get(notebook_name, [])
        dropped = []
        for task in list(pool):
            if not task.done():
                continue
            failed = task.cancelled() or task.exception() is not None
            kernel_id = None if failed else str(task.result().get("kernel_id"))
            if kernel_id is None or self._broken(kernel_id):
                pool.remove(task)
                if kernel_id is not None:
                    dropped.append(kernel_id)
        for kernel_id in dropped:
            log.warning("a preheated kernel of %s died while waiting; replacing it", notebook_name)
            asyncio.ensure_future(self._shutdown(kernel_id))
        if dropped:
            self._fill_if_room(delay=0, notebook_name=notebook_name)
        return int(self._size(notebook_name))

    def _withdraw(self, kernel_id: str) -> bool:
        """Take a waiting kernel out of its pool, so it can't be handed out; False when it was not waiting."""
        for pool in self.manager._pools.values():
            for task in list(pool):
                if task.done() and not task.cancelled() and task.exception() is None \
                        and str(task.result().get("kernel_id")) == kernel_id:
                    pool.remove(task)
                    return True
        return False

    # --- taking and refilling ------------------------------------------------------------------------------

    async def _get_rendered_notebook(self, notebook_name: str, extra_kernel_env_variables: dict[str, str] | None
                                     = None, **kwargs: Any) -> Any:
        # The next pool kernel must not start with this visitor's address in its environment: pass none.
        render_task, rendered_cache, kernel_id = await self._take(notebook_name, extra_kernel_env_variables={},
                                                                  **kwargs)
        kernel_id = str(kernel_id)
        for _ in range(3):  # one that died, or was restarted, while its page ran: its widgets are gone
            if not self._broken(kernel_id):
                break
            log.warning("a preheated kernel of %s died while its page ran; taking another", notebook_name)
            asyncio.ensure_future(self._shutdown(kernel_id))
            render_task, rendered_cache, kernel_id = await self._take(notebook_name, extra_kernel_env_variables={},
                                                                      **kwargs)
            kernel_id = str(kernel_id)
        with self._lock:
            self._handed.add(kernel_id)
            self._born.pop(kernel_id, None)
            url = request_url.get()
            if url:
                self._extra[kernel_id] = {"VOILA_REQUEST_URL": url}
        self._on_handout(kernel_id)
        log.info("a page was given a preheated kernel (%s): %s, %s", notebook_name, short(kernel_id),
                 "waiting" if kernel_id in RequestInfoSocketHandler._waiters else "still starting")
        return render_task, rendered_cache, kernel_id

    def _fill_if_room(self, delay: float | None = None, notebook_name: str | None = None,
                      extra_kernel_env_variables: dict[str, str] | None = None, **kwargs: Any) -> None:
        if not self._has_room():
            if notebook_name not in self._at_cap:  # once, when it starts (tend asks again every 15 s)
                self._at_cap.add(notebook_name)
                log.info("not refilling the preheated pool of %s: the server is at its cap", notebook_name)
            return
        self._at_cap.discard(notebook_name)
        self._fill(delay=delay, notebook_name=notebook_name, extra_kernel_env_variables={}, **kwargs)

    def request_details(self, kernel_id: str) -> dict[str, str]:
        """The details Voila leaves out of what it hands to ``kernel_id`` (once; then forgotten)."""
        with self._lock:
            return self._extra.pop(kernel_id, {})

    async def tend(self) -> None:
        """Forget kernels that are gone, replace pool kernels that waited :attr:`max_age`, and top pools up."""
        alive = set(self.manager.list_kernel_ids())
        now = time.monotonic()
        waiting = self.waiting() & alive
        with self._lock:
            self._handed &= alive
            for kernel_id in list(self._extra):
                if kernel_id not in alive:
                    self._extra.pop(kernel_id, None)
            for kernel_id in list(self._born):
                if kernel_id not in waiting:
                    self._born.pop(kernel_id, None)
            for kernel_id in list(self._pids):
                if kernel_id not in waiting:
                    self._pids.pop(kernel_id, None)
            for kernel_id in list(RequestInfoSocketHandler._cache):
                if kernel_id not in alive:  # a page asked for, whose kernel died before it came for its request
                    RequestInfoSocketHandler._cache.pop(kernel_id, None)
            old = [k for k in waiting if now - self._born.setdefault(k, now) > self.max_age]
        # Out of the pool first, all at once (no await in between): a visitor who asks while the first of them
        # shuts down must not be handed one that is about to go.
        old = [kernel_id for kernel_id in old if self._withdraw(kernel_id)]
        for kernel_id in old:
            log.info("replacing a preheated kernel that waited %d s", self.max_age)
            await self._shutdown(kernel_id)
        for notebook in self.notebooks():
            self._get_pool_size(notebook)  # drops dead ones
            self._fill_if_room(delay=0, notebook_name=notebook)


def short(kernel_id: str) -> str:
    """The first 8 characters of a kernel id: enough to follow one kernel through the log, not to reach it."""
    return f"kernel {kernel_id[:8]}"


class QueryHandler(RequestInfoSocketHandler):
    """The request's details for a waiting pool kernel, at ``/plnkit/query/<secret>/<kernel id>``.

    Refused (403, before the websocket opens) unless the secret is this server's, the connection comes from
    this machine, the kernel is waiting in the pool, and no other connection waits for it already.
    """

    def _request_summary(self) -> str:
        return f"websocket for a preheated kernel ({self.request.remote_ip})"  # never the path: it holds the secret

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        if isinstance(value, tornado.web.HTTPError):
            log.warning("%d %s", value.status_code, self._request_summary())
        else:
            log.error("unexpected error in %s", self._request_summary(), exc_info=(typ, value, tb))

    async def get(self, *args: Any, **kwargs: Any) -> None:
        server = self.settings["plnkit_server"]
        secret, kernel_id = self.path_kwargs.get("secret", ""), self.path_kwargs.get("kernel_id", "")
        watch: PoolWatch | None = server.pool
        try:
            local = ipaddress.ip_address(str(self.request.remote_ip)).is_loopback
        except ValueError:
            local = False
        if (watch is None or not server.query_secret_matches(secret) or not local
                or kernel_id in RequestInfoSocketHandler._waiters or not watch.is_waiting(kernel_id)
                and kernel_id not in RequestInfoSocketHandler._cache):
            raise tornado.web.HTTPError(403)
        await super().get(*args, **kwargs)

    def open(self, *args: Any, **kwargs: Any) -> None:
        kernel_id = self.path_kwargs.get("kernel_id", "")
        RequestInfoSocketHandler._waiters[kernel_id] = self
        watch: PoolWatch | None = self.settings["plnkit_server"].pool
        if watch is not None:
            watch.connected(kernel_id)
        cached = RequestInfoSocketHandler._cache.pop(kernel_id, None)
        if cached is not None:  # the page was asked for before its kernel got here
            self.write_message(cached)

    def write_message(self, message: Any, binary: bool = False) -> Any:
        server = self.settings["plnkit_server"]
        kernel_id = self.path_kwargs.get("kernel_id", "")
        if isinstance(message, dict) and server.pool is not None:
            message = {**message, **server.pool.request_details(kernel_id)}
        result = super().write_message(message, binary)
        log.debug("the request went to its preheated %s", short(kernel_id))
        # Delivered: nobody else may have it (Voila would keep serving it to any later connection).
        RequestInfoSocketHandler._cache.pop(kernel_id, None)
        asyncio.get_event_loop().call_later(5, self._close_quietly)
        return result

    def on_close(self) -> None:
        # Voila's own on_close removes the last waiter in its dict when this one is not there (replaced by a
        # second connection for the same kernel): another page's kernel would then never get its request.
        kernel_id = self.path_kwargs.get("kernel_id", "")
        log.debug("the request socket of %s closed", short(kernel_id))
        if RequestInfoSocketHandler._waiters.get(kernel_id) is self:
            del RequestInfoSocketHandler._waiters[kernel_id]

    def _close_quietly(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001 - the kernel may have closed it first
            pass


class NoQuery(tornado.web.RequestHandler):
    """Voila's own ``/voila/query/<kernel id>``: not served (it would hand anyone a visitor's request)."""

    def get(self, *args: Any, **kwargs: Any) -> None:
        raise tornado.web.HTTPError(404)
