"""The course's web server: Voila, with the gate a room needs in front of every page.

``plnkit serve`` runs :class:`CourseServer` (a :class:`voila.app.Voila`) instead of plain ``voila``, adding:

- **Host check** (local mode): only ``localhost``, ``127.0.0.1`` and ``::1`` (or the names given with
  ``--allow-host``) are answered, so a web page the teacher visits cannot reach the course by DNS rebinding.
- **Workshop admission** (``--workshop``): a page request without a valid participant cookie never starts a
  kernel. The join page is plain HTML served here; joining (``POST /plnkit/join``) issues a token, sets it as
  an HttpOnly, SameSite cookie and returns to the start page. A personal link (``?learner=TOKEN``) is checked,
  turned into the cookie once the person confirms who they are about to be (a browser that is already theirs is
  not asked), and the token is taken out of the address. Unknown, revoked or closed-workshop links
  get a plain message and create nothing. Voila passes the ``Cookie`` header to the kernel (``HTTP_COOKIE``),
  where :mod:`plnkit.services.session` checks the token again.
- **Bounded resources:** at most :attr:`CourseServer.max_kernels` kernels, and
  :attr:`CourseServer.max_kernels_per_client` per participant (or per address outside a workshop); past that a
  plain "Too many pages open right now" page that says which limit (503, ``Retry-After``). Voila's own shutdown
  of a closed tab's kernel works (the ``_xsrf`` cookie it needs is set; voila issue 1458).
- **Secrets stay secret:** no query string in the request log; ``Referrer-Policy: no-referrer``; a
  Content-Security-Policy that allows nothing from another host.
- **TLS:** ``--certfile``/``--keyfile``.
- **Preheated kernels** (``--preheat_kernel``, a pool per course page): see :mod:`plnkit.services._preheat` for
  what is guarded (the request's details reach only the waiting kernel; pool kernels are not culled as pages
  that never connected; a kernel taken from the pool counts against its visitor).
"""

from __future__ import annotations

import errno
import inspect
import logging
import os
import secrets
import ssl
import sys
import threading
import time
import uuid
from collections import defaultdict, deque
from pathlib import Path
from typing import Any

import tornado.ioloop
import tornado.web
import tornado.websocket
from jupyter_server.services.kernels.kernelmanager import ServerKernelManager
from traitlets import Bool, Int, List, Unicode
from voila import __version__ as voila_version
from voila.app import Voila

from ..charts._render import SHARED_ENV
from ..content import START
from ._admission import AdmissionMixin
from ._chunks import ROUTE as CHUNKS_ROUTE
from ._chunks import Bundle, ChunksHandler, build_bundle
from ._gate import (
    CSP,
    UNOPENED_SECONDS,
    JoinHandler,
    OpenHandler,
    SignOutHandler,
    _client,
    _Gate,
    _KernelGate,
    _KernelSocketGate,
    _log_request,
    _PageGate,
    check_name,
    join_participant,
)
from ._kernel import QUICK_EXIT_ENV
from ._log import READY_MESSAGE_ENV
from ._preheat import QUERY_ROUTE, QUERY_URL_ENV, NoQuery, PoolWatch, QueryHandler
from ._templates import GLOBALS, share_compiled_templates
from ._zygote import ForkProvisioner, Zygote
from .store import Store, default_home

__all__ = ["CSP", "CourseServer", "check_name", "join_participant", "main"]

log = logging.getLogger("plnkit.services.server")

#: IPython settings for the course's kernels: no input history (the cells are the course's, not the learner's,
#: and every kernel would write one shared SQLite file at each cell and at exit). The output cache stays: it
#: is what keeps a page's displayed parts alive (the header is displayed and otherwise only weakly held).
KERNEL_ARGUMENTS = ("--HistoryManager.enabled=False",)

class CourseKernelManager(ServerKernelManager):
    """One course page's kernel: Jupyter server's, started with :data:`KERNEL_ARGUMENTS`."""

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        return list(super().format_kernel_cmd([*(extra_arguments or ()), *KERNEL_ARGUMENTS]))

    #: How many times this kernel's process was launched (more than 1: it was restarted, its page's widgets gone).
    launches = 0

    async def _async_pre_start_kernel(self, **kw: Any) -> Any:
        self.launches += 1
        # Forked from the server's zygote when there is one (see _zygote), unless the kernel names its own way.
        if self.provisioner is None and Zygote.shared() is not None \
                and "kernel_provisioner" not in getattr(self.kernel_spec, "metadata", {}):
            self.kernel_id = self.kernel_id or kw.pop("kernel_id", str(uuid.uuid4()))
            self.provisioner = ForkProvisioner(kernel_id=self.kernel_id, kernel_spec=self.kernel_spec, parent=self)
        return await super()._async_pre_start_kernel(**kw)


class CourseServer(AdmissionMixin, Voila):
    """Voila with the course's gate (see the module docstring)."""

    name = "plnkit-serve"
    workshop = Bool(False, config=True, help="A room of participants: only issued links open the course.")
    allowed_hosts = List(Unicode(), default_value=None, allow_none=True, config=True,
                         help="Host names to answer to; None answers any (set when serving beyond this computer).")
    max_kernels = Int(80, config=True, help="Kernels (open pages) on the whole server, at most. Preheated kernels "
                      "waiting in their pool are refilled only while the total is below it.")
    max_kernels_per_client = Int(8, config=True, help="Kernels one participant (or address) may hold.")
    max_kernels_per_address = Int(24, config=True, help="In a workshop, kernels the participants asking from one "
                                  "address (a shared classroom computer) may hold together; 127.0.0.1 is not "
                                  "counted (a reverse proxy's).")
    dropped_seconds = Int(300, config=True, help="A page whose browser connection has been gone this long is shut "
                          "down, however busy its kernel (a crashed browser, a laptop asleep).")
    preheat_max_age = Int(1800, config=True, help="A preheated kernel that has waited this long in the pool is "
                          "replaced (its page waits for a visitor inside a cell, which VoilaExecutor.timeout "
                          "bounds: keep this below it).")
    fork_kernels = Bool(sys.platform.startswith("linux"), config=True, help="Fork course kernels from one warm "
                        "process (see _zygote) instead of starting each from nothing (Linux only: macOS "
                        "libraries are not safe to fork, and Windows has no fork).")
    certfile = Unicode("", config=True, help="TLS certificate (PEM) to serve HTTPS.")
    keyfile = Unicode("", config=True, help="TLS private key (PEM).")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._lock = threading.Lock()
        self._kernels: dict[str, set[str]] = defaultdict(set)
        self._joins: deque[float] = deque()
        self._address_joins: dict[str, deque[float]] = {}
        self._addresses: dict[str, str] = {}
        self._started: dict[str, float] = {}  # kernels whose page has not connected yet: start time
        self._gone: dict[str, float] = {}  # kernels whose page connected and then went away: since when
        self._pending: dict[str, int] = {}  # places held for kernels being started, by client
        self._store: Store | None = None
        self.pool: PoolWatch | None = None  # the preheated kernels' bookkeeping, when preheating
        self._query_secret = secrets.token_urlsafe(24)
        self._chunks: Bundle | None = None
        self._ready_message = os.environ.pop(READY_MESSAGE_ENV, "")  # printed once listening; kept from kernels

    # --- set-up -----------------------------------------------------------------------------------------

    @property
    def start_url(self) -> str:
        return f"{self.base_url}voila/render/{START.notebook}"

    def init_settings(self) -> dict[str, Any]:
        if self.voila_configuration.preheat_kernel:
            if self.certfile:
                raise ValueError("Preheated kernels can't be used with --certfile (a kernel could not check the "
                                 "server's certificate when it fetches its request): turn preheating off.")
            # Pool kernels copy this environment when they start (in the kernel manager made just below).
            os.environ[QUERY_URL_ENV] = self.query_url()
        os.environ[QUICK_EXIT_ENV] = "1"  # this server's kernels may skip Python's tidy-up at exit (see _kernel)
        # Its kernels share the course's chart text (charts/_render); an operator may point it elsewhere, or set
        # it empty for none.
        os.environ.setdefault(SHARED_ENV, str(default_home() / "cache" / "chart-text.bin"))
        share_compiled_templates()
        self._chunks = build_bundle(self.static_paths, voila_version)
        if self._chunks is not None:
            GLOBALS["plnkit_voila_chunks"] = self._chunks.path
        if self.fork_kernels:
            Zygote.start_shared()  # after the environment above: the kernels forked from it start with it
        settings: dict[str, Any] = super().init_settings()
        settings["plnkit_server"] = self
        ended = _PageEndedWhileMade()
        for handler in {*logging.getLogger().handlers, *self.log.handlers}:
            handler.addFilter(ended)
        hosts = self.allowed_hosts
        settings["plnkit_allowed_hosts"] = None if hosts is None else {h.lower().strip("[]") for h in hosts}
        settings["log_function"] = _log_request
        settings["xsrf_cookie_kwargs"] = {"samesite": "Strict", **({"secure": True} if self.certfile else {})}
        self._count_kernels()
        self._trust_course()
        return settings

    def _trust_course(self) -> None:
        """Sign the course's own notebooks for this server's life (an in-memory signature store), so the
        console does not warn "Notebook ... is not trusted" on every page open. The operator who serves a
        course trusts it, as ``jupyter trust`` would, without writing to their signature database."""
        notary = getattr(self.contents_manager, "notary", None)
        if notary is None:
            return
        import nbformat

        for path in sorted(Path(self.root_dir).glob("*.ipynb")):
            try:
                notary.sign(nbformat.read(path, as_version=4))
            except Exception:  # noqa: BLE001 - an unreadable notebook gets Voila's own error page later
                log.warning("could not read %s to trust it", path.name)

    def init_handlers(self) -> list[Any]:
        handlers: list[Any] = [(rf"{self.base_url}plnkit/join", JoinHandler),
                               (rf"{self.base_url}plnkit/open", OpenHandler),
                               (rf"{self.base_url}plnkit/signout", SignOutHandler)]
        if self.pool is not None:
            handlers.append((rf"{self.base_url}{QUERY_ROUTE}", QueryHandler))
        if self._chunks is not None:
            handlers.append((rf"{self.base_url}{CHUNKS_ROUTE}", ChunksHandler, {"bundle": self._chunks}))
        for spec in super().init_handlers():
            pattern, cls, *rest = spec
            if "voila/query" in pattern:  # checks no token: replaced by QueryHandler
                handlers.append((pattern, NoQuery))
                continue
            if cls.__name__.endswith("TreeHandler"):  # Voila's file list (every notebook, the facilitator's too)
                handlers.append((pattern, type("ToStartPage", (_Gate, tornado.web.RedirectHandler), {}),
                                 {"url": self.start_url, "permanent": False}))
                continue
            gate = _PageGate if "render" in pattern else \
                _KernelSocketGate if "kernels" in pattern and issubclass(cls, tornado.websocket.WebSocketHandler) else \
                _KernelGate if "kernels" in pattern or "shutdown" in pattern else _Gate
            handlers.append((pattern, type(cls.__name__, (gate, cls), {}), *rest))
        return handlers

    def _count_kernels(self) -> None:
        """Wrap the kernel manager's start so each new kernel is counted against the client that asked."""
        manager = self.kernel_manager
        start = manager.start_kernel

        async def start_kernel(*args: Any, **kwargs: Any) -> Any:
            kernel_id = start(*args, **kwargs)
            if inspect.isawaitable(kernel_id):
                kernel_id = await kernel_id
            client = _client.get()
            with self._lock:
                self._started[str(kernel_id)] = time.monotonic()
                if client:
                    self._count_kernel(client, str(kernel_id))
            return kernel_id

        manager.start_kernel = start_kernel
        connect = getattr(manager, "notify_connect", None)
        if callable(connect):
            def notify_connect(kernel_id: str) -> None:
                connect(kernel_id)
                with self._lock:  # its page has connected: from now on it is culled as a dropped page, if at all
                    self._started.pop(str(kernel_id), None)

            manager.notify_connect = notify_connect
        cull = getattr(manager, "cull_kernel_if_idle", None)
        if callable(cull):
            async def cull_kernel_if_idle(kernel_id: str) -> None:
                # Voila's idle culler counts a page's kernel as idle since it last ran. A preheated kernel that
                # waited in the pool is handed to a page long after that, and would be culled in the seconds
                # before the browser connects: the page then never loads. A kernel whose page has not
                # connected yet is culled by _cull_unopened instead (after UNOPENED_SECONDS).
                with self._lock:
                    if str(kernel_id) in self._started:
                        return
                result = cull(kernel_id)
                if inspect.isawaitable(result):
                    await result

            manager.cull_kernel_if_idle = cull_kernel_if_idle
        if PoolWatch.applies(manager):
            self.pool = PoolWatch(manager, max_age=self.preheat_max_age, has_room=self._has_room,
                                  on_handout=self._handed_out, shut_down=self._shut_down)
        tornado.ioloop.PeriodicCallback(self._cull_unopened, 15_000).start()

    def query_url(self) -> str:
        """Where a preheated kernel waits for its request (this server's secret in the path; see ``_preheat``)."""
        host = self.ip if self.ip not in ("", "0.0.0.0", "localhost", "::") else "127.0.0.1" if self.ip != "::" \
            else "::1"
        host = f"[{host}]" if ":" in host else host
        return f"ws://{host}:{self.port}{self.base_url}plnkit/query/{self._query_secret}"

    def query_secret_matches(self, given: str) -> bool:
        return secrets.compare_digest(given.encode(), self._query_secret.encode())

    def _has_room(self) -> bool:
        """True when one more kernel fits under :attr:`max_kernels` (pool refills wait otherwise)."""
        alive = len(self.kernel_manager.list_kernel_ids())
        with self._lock:
            return alive + sum(self._pending.values()) < self.max_kernels

    def _handed_out(self, kernel_id: str) -> None:
        """A preheated kernel was given to the page being requested: from now on it is that visitor's page."""
        client = _client.get()
        with self._lock:
            self._started[kernel_id] = time.monotonic()  # its page must connect, as a new kernel's must
            if client:
                self._count_kernel(client, kernel_id)

    async def _cull_unopened(self) -> None:
        """Shut down kernels whose page never connected within :data:`UNOPENED_SECONDS` (a script or a bot
        fetching pages, a tab closed while loading), and kernels whose page connected but whose connection has
        been gone for :attr:`dropped_seconds` (a sleeping laptop gets its minutes; a crashed browser's live page
        does not run on for ever). Voila's own idle culler also runs, for quiet pages."""
        manager = self.kernel_manager
        now = time.monotonic()
        connections = getattr(manager, "_kernel_connections", None)
        if not isinstance(connections, dict):
            return  # this jupyter_server doesn't count connections: leave culling to Voila's own culler
        if self.pool is not None:
            await self.pool.tend()
        alive = set(manager.list_kernel_ids())
        waiting = self.pool.waiting() if self.pool is not None else set()
        for kernel_id in list(self._gone):
            if kernel_id not in alive or kernel_id in waiting:
                self._gone.pop(kernel_id, None)
        for kernel_id in alive - waiting:  # a kernel waiting in the preheated pool has no page yet: not culled
            with self._lock:
                started = self._started.get(kernel_id)
                if connections.get(kernel_id, 0) > 0:
                    self._started.pop(kernel_id, None)  # opened by its page: no longer ours to cull
                    self._gone.pop(kernel_id, None)
                    continue
                if started is None:  # its page connected once and has gone: a crash, a quit browser, a sleep
                    gone = self._gone.setdefault(kernel_id, now)
            if started is None:
                # Voila's idle culler spares a kernel that keeps itself busy (a live page polling the room), so
                # a page whose browser vanished is shut down here once its connection has been gone long enough.
                if now - gone <= self.dropped_seconds:
                    continue
                log.info("shutting down a kernel whose page has been disconnected for %d s", now - gone)
            elif now - started > UNOPENED_SECONDS:
                log.info("shutting down a kernel whose page never connected")
            else:
                continue
            with self._lock:
                self._started.pop(kernel_id, None)
                self._gone.pop(kernel_id, None)
            await self._shut_down(kernel_id)

    def listen(self) -> None:
        try:
            if self.certfile:
                context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
                context.load_cert_chain(self.certfile, self.keyfile or None)
                self.app.listen(self.port, self.ip, ssl_options=context)
            else:
                self.app.listen(self.port, self.ip)
        except OSError as exc:
            reason = _LISTEN_PROBLEMS.get(exc.errno or 0)
            if reason is None:
                raise
            print(f"The course can't be served at {self.ip}, port {self.port}: {reason}", file=sys.stderr, flush=True)
            self.exit(1)
        if self._ready_message:
            print(self._ready_message, flush=True)  # now a link followed at once opens
        if self.open_browser:
            self.launch_browser()
        self.ioloop = tornado.ioloop.IOLoop.current()
        try:
            self.ioloop.start()
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()


#: What the operator is told when the server can't listen (``errno`` -> the reason and what to do).
_LISTEN_PROBLEMS = {
    errno.EADDRINUSE: "the port is in use (is the course running already? Stop it, or choose a port with --port).",
    errno.EACCES: "permission denied (ports below 1024 need administrator rights: choose another with --port).",
    errno.EADDRNOTAVAIL: "this computer has no such address (check --host; 0.0.0.0 means all of them).",
}


class _PageEndedWhileMade(logging.Filter):
    """One short line, not a traceback per cell, when a page's kernel ends while Voila is still running the page
    for its request: a tab closed or reloaded while loading (``course.js`` shuts its kernel down), or a kernel
    that died. Voila logged "Kernel died while waiting for execute reply" and a ``DeadKernelError`` traceback
    for every cell left: 21 tracebacks from six quick reloads (a browser trial), alarming in a facilitator's
    console for something harmless. Installed on the server's log handlers (``init_settings``)."""

    SAID = "a page's kernel ended while the page was being made (its tab was closed or reloaded, or the kernel stopped)"

    def __init__(self) -> None:
        super().__init__()
        self._last = -60.0

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if type(exc).__name__ != "DeadKernelError" and record.getMessage() != \
                "Kernel died while waiting for execute reply.":
            return True
        now = time.monotonic()
        if now - self._last < 30:  # the same page's other cells, each found dead in turn
            return False
        self._last = now
        record.msg, record.args, record.exc_info, record.exc_text = self.SAID, (), None, None
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


def main() -> None:
    """Entry point used by ``plnkit serve`` (``python -m plnkit.services.server <voila options>``)."""
    # Stamped like Jupyter's own lines ("[I 2026-12-02 17:07:35.538 ServerApp]"), so the two read as one story.
    logging.basicConfig(level=logging.INFO, format="[plnkit] %(asctime)s %(levelname)s | %(message)s")
    CourseServer.launch_instance()


if __name__ == "__main__":
    main()
