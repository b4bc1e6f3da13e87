"""The course's web server: Voila, with the gate a room needs in front of every page.

``plnkit serve`` runs :class:`CourseServer` (a :class:`voila.app.Voila`) instead of plain ``voila``, adding:

- **Host check** (local mode): only ``localhost``, ``127.0.0.1`` and ``::1`` (or the names given with
  ``--allow-host``) are answered, so a web page the teacher visits cannot reach the course by DNS rebinding.
- **Workshop admission** (``--workshop``): a page request without a valid participant cookie never starts a
  kernel. The join page is plain HTML served here; joining (``POST /plnkit/join``) issues a token, sets it as
  an HttpOnly, SameSite cookie and returns to the start page. A personal link (``?learner=TOKEN``) is checked,
  turned into the cookie, and the token is taken out of the address. Unknown, revoked or closed-workshop links
  get a plain message and create nothing. Voila passes the ``Cookie`` header to the kernel (``HTTP_COOKIE``),
  where :mod:`plnkit.session` checks the token again.
- **Bounded resources:** at most :attr:`CourseServer.max_kernels` kernels, and
  :attr:`CourseServer.max_kernels_per_client` per participant (or per address outside a workshop); past that a
  plain "the room is full" page (503, ``Retry-After``). Voila's own shutdown of a closed tab's kernel works
  (the ``_xsrf`` cookie it needs is set; voila issue 1458).
- **Secrets stay secret:** no query string in the request log; ``Referrer-Policy: no-referrer``; a
  Content-Security-Policy that allows nothing from another host.
- **TLS:** ``--certfile``/``--keyfile``.
"""

from __future__ import annotations

import contextvars
import inspect
import logging
import re
import ssl
import threading
import time
from collections import defaultdict, deque
from typing import Any
from urllib.parse import quote

import tornado.ioloop
import tornado.web
from traitlets import Bool, Int, List, Unicode
from voila.app import Voila

from . import session as _session
from .content import START
from .errors import InputError, PlnkitError
from .store import Store

log = logging.getLogger("plnkit.server")

COOKIE_DAYS = 14
LOCAL_NAMES = ("localhost", "127.0.0.1", "::1")
CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self' ws: wss:; media-src 'self' data:; "
       "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
#: Joins accepted per minute for the whole room (a room of 25 joins in a few minutes; a script can't flood it).
JOINS_PER_MINUTE = 30
#: A kernel whose page has not connected this long after it started is shut down (nobody will use it).
UNOPENED_SECONDS = 180  # longer than a page may take to run (VoilaExecutor.timeout is 120 s)

_client: contextvars.ContextVar[str] = contextvars.ContextVar("plnkit_client", default="")


def check_name(name: object, *, most: int = 50) -> str:
    """A participant's joined name: 1-``most`` printable characters, spaces collapsed, not a role's name.

    ``most`` leaves room for a namesake's number within the backchannel's 60-character names.

    Raises :class:`InputError` for invisible characters, a role's name in any disguise (see
    :func:`plnkit.names.is_reserved`) and a name ending like a namesake's label ("Alice (2)").
    """
    from .names import clean_name

    return clean_name(name, most=most)


def join_participant(store: Store, name: object) -> str:
    """Make a participant called ``name``; returns their secret token (only its hash is stored).

    A name already taken gets a number, once and for good ("Alice", then "Alice (2)"), so everyone in the room
    can tell namesakes apart and a label never moves to someone else.
    """
    from .names import unique_name

    clean = check_name(name)
    if store.workshop_closed():
        raise InputError("This workshop has been closed by its facilitator, so no one can join it now.")
    token = _session.new_token()
    with store.transaction():
        taken = [p.name for p in store.participants()]
        store.learner(_session.token_key(token), unique_name(clean, taken))
    return token


class _Gate:
    """Mixed into every handler: the Host check and the security headers."""

    settings: dict[str, Any]
    request: Any

    def set_default_headers(self) -> None:
        super().set_default_headers()  # type: ignore[misc]
        self.set_header("Referrer-Policy", "no-referrer")  # type: ignore[attr-defined]
        self.set_header("X-Content-Type-Options", "nosniff")  # type: ignore[attr-defined]
        self.set_header("Content-Security-Policy", CSP)  # type: ignore[attr-defined]

    @property
    def content_security_policy(self) -> str:
        return CSP

    def _request_summary(self) -> str:
        """What tornado's own log lines say about a request: never the query string (it can hold a token)."""
        return f"{self.request.method} {quote(self.request.path, safe='/:._-')} ({self.request.remote_ip})"

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        if isinstance(value, tornado.web.HTTPError):
            log.warning("%d %s", value.status_code, self._request_summary())
        else:
            log.error("unexpected error in %s", self._request_summary(), exc_info=(typ, value, tb))

    def prepare(self) -> Any:
        allowed = self.settings.get("plnkit_allowed_hosts")
        if allowed is not None:
            host = re.sub(r":\d+$", "", self.request.host or "").strip("[]").lower()
            if host not in allowed:
                log.warning("refused a request for host %r (not a name this server answers to)", host[:100])
                raise tornado.web.HTTPError(403, reason="Forbidden")
        return super().prepare()  # type: ignore[misc]


class _PageGate(_Gate):
    """Mixed into Voila's page handler: workshop admission and kernel caps, before any kernel starts."""

    async def prepare(self) -> None:
        result = super().prepare()
        if inspect.isawaitable(result):
            await result
        if getattr(self, "_finished", False):
            return
        self.xsrf_token  # type: ignore[attr-defined]  # noqa: B018 - sets the _xsrf cookie tab-close shutdown needs
        server: CourseServer = self.settings["plnkit_server"]
        headers = self.request.headers
        if headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none") and (
                headers.get("Sec-Fetch-Mode") != "navigate" or headers.get("Sec-Fetch-Dest") != "document"):
            # Another site's script or frame asking for a page (each starts a kernel): only a person following
            # a link gets one.
            log.warning("refused a cross-site page request (%s)", headers.get("Sec-Fetch-Mode"))
            raise tornado.web.HTTPError(403)
        client = server.admit(self)  # type: ignore[arg-type]
        problem = server.reserve(client)
        if problem:
            self.set_header("Retry-After", "60")  # type: ignore[attr-defined]
            server.answer_page(self, 503, "The room is full right now", problem)  # type: ignore[arg-type]
            raise tornado.web.Finish()
        _client.set(client)  # read when the kernel starts (same task), to count it against this client
        self._plnkit_client = client

    def on_finish(self) -> None:
        client = getattr(self, "_plnkit_client", None)
        if client:
            self.settings["plnkit_server"].release(client)
        super().on_finish()  # type: ignore[misc]


class _KernelGate(_Gate):
    """Mixed into the kernel API, its websocket and the tab-close shutdown: in a workshop, only the participant
    whose page started a kernel may talk to it (kernel ids are secret too; this does not rely on it)."""

    def prepare(self) -> Any:
        server: CourseServer = self.settings["plnkit_server"]
        if server.workshop:
            match = re.search(r"/([0-9a-f-]{36})(?:/|$)", self.request.path)
            token = self.get_cookie(_session.COOKIE)  # type: ignore[attr-defined]
            owner = "ws:" + _session.token_key(token) if token and _session.well_formed(token) else ""
            if not match or not server.owns(owner, match.group(1)):
                raise tornado.web.HTTPError(403)
        return super().prepare()


class JoinHandler(_Gate, tornado.web.RequestHandler):
    """``POST /plnkit/join``: a name in, a participant cookie out, back to the start page."""

    def post(self) -> None:
        server: CourseServer = self.settings["plnkit_server"]
        if not server.workshop:
            raise tornado.web.HTTPError(404)
        self.check_xsrf_cookie()  # the form's _xsrf value must match this browser's cookie: no cross-site joins
        if not server.join_allowed():
            server.answer_page(self, 503, "Lots of people are joining",
                               "Lots of people are joining at once. Wait a few seconds and try again.")
            return
        try:
            with Store.open_default() as store:
                token = join_participant(store, self.get_body_argument("name", ""))
        except PlnkitError as exc:
            server.join_page(self, 400, str(exc), name=self.get_body_argument("name", "")[:200])
            return
        server.set_participant_cookie(self, token)
        self.redirect(server.start_url, status=303)


class OpenHandler(_Gate, tornado.web.RequestHandler):
    """``POST /plnkit/open``: after the participant confirmed, their personal link becomes this browser's cookie.

    A link followed from another site can't switch a browser to someone else's workspace unseen: the switch
    needs this form's ``_xsrf`` value, which only a page of this server has.
    """

    def post(self) -> None:
        server: CourseServer = self.settings["plnkit_server"]
        if not server.workshop:
            raise tornado.web.HTTPError(404)
        self.check_xsrf_cookie()
        token = self.get_body_argument("token", "")
        target = self.get_body_argument("next", server.start_url)
        if not re.fullmatch(rf"{re.escape(server.base_url)}voila/render/[A-Za-z0-9_.-]+\.ipynb", target):
            target = server.start_url
        if server._valid(token) is None:
            server.join_page(self, 403, _session.UNKNOWN_LINK)
            return
        server.set_participant_cookie(self, token)
        self.redirect(target, status=303)


class SignOutHandler(_Gate, tornado.web.RequestHandler):
    """``POST /plnkit/signout``: this browser forgets the participant (a shared school computer)."""

    def post(self) -> None:
        server: CourseServer = self.settings["plnkit_server"]
        self.check_xsrf_cookie()
        self.clear_cookie(_session.COOKIE, path=server.base_url)
        self.redirect(server.start_url, status=303)


class CourseServer(Voila):
    """Voila with the course's gate (see the module docstring)."""

    name = "plnkit-serve"
    workshop = Bool(False, config=True, help="A room of participants: only issued links open the course.")
    allowed_hosts = List(Unicode(), default_value=None, allow_none=True, config=True,
                         help="Host names to answer to; None answers any (set when serving beyond this computer).")
    max_kernels = Int(80, config=True, help="Kernels (open pages) on the whole server, at most.")
    max_kernels_per_client = Int(8, config=True, help="Kernels one participant (or address) may hold.")
    certfile = Unicode("", config=True, help="TLS certificate (PEM) to serve HTTPS.")
    keyfile = Unicode("", config=True, help="TLS private key (PEM).")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._lock = threading.Lock()
        self._kernels: dict[str, set[str]] = defaultdict(set)
        self._joins: deque[float] = deque()
        self._started: dict[str, float] = {}  # kernels whose page has not connected yet: start time
        self._pending: dict[str, int] = {}  # places held for kernels being started, by client

    # --- set-up -----------------------------------------------------------------------------------------

    @property
    def start_url(self) -> str:
        return f"{self.base_url}voila/render/{START.notebook}"

    def init_settings(self) -> dict[str, Any]:
        settings: dict[str, Any] = super().init_settings()
        settings["plnkit_server"] = self
        hosts = self.allowed_hosts
        settings["plnkit_allowed_hosts"] = None if hosts is None else {h.lower().strip("[]") for h in hosts}
        settings["log_function"] = _log_request
        settings["xsrf_cookie_kwargs"] = {"samesite": "Strict", **({"secure": True} if self.certfile else {})}
        self._count_kernels()
        return settings

    def init_handlers(self) -> list[Any]:
        handlers = [(rf"{self.base_url}plnkit/join", JoinHandler), (rf"{self.base_url}plnkit/open", OpenHandler),
                    (rf"{self.base_url}plnkit/signout", SignOutHandler)]
        for spec in super().init_handlers():
            pattern, cls, *rest = spec
            gate = _PageGate if "render" in pattern else _KernelGate if "kernels" in pattern or "shutdown" in \
                pattern else _Gate
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
                    self._kernels[client].add(str(kernel_id))
            return kernel_id

        manager.start_kernel = start_kernel
        tornado.ioloop.PeriodicCallback(self._cull_unopened, 15_000).start()

    async def _cull_unopened(self) -> None:
        """Shut down kernels whose page never connected within :data:`UNOPENED_SECONDS` (a script or a bot
        fetching pages, a tab closed while loading). Pages that did connect are culled by Voila's own culler
        after their connection has been gone for ``cull_idle_timeout`` (a sleeping laptop gets its minutes)."""
        manager = self.kernel_manager
        now = time.monotonic()
        connections = getattr(manager, "_kernel_connections", {})
        for kernel_id in list(manager.list_kernel_ids()):
            with self._lock:
                started = self._started.get(kernel_id)
                if connections.get(kernel_id, 0) > 0:
                    self._started.pop(kernel_id, None)  # opened by its page: no longer ours to cull
                    continue
            if started is not None and now - started > UNOPENED_SECONDS:
                log.info("shutting down a kernel whose page never connected")
                with self._lock:
                    self._started.pop(kernel_id, None)
                try:
                    result = manager.shutdown_kernel(kernel_id)
                    if inspect.isawaitable(result):
                        await result
                except Exception:  # noqa: BLE001 - it may have gone meanwhile
                    log.debug("kernel %s already gone", kernel_id)

    def listen(self) -> None:
        if self.certfile:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(self.certfile, self.keyfile or None)
            self.app.listen(self.port, self.ip, ssl_options=context)
        else:
            self.app.listen(self.port, self.ip)
        if self.open_browser:
            self.launch_browser()
        self.ioloop = tornado.ioloop.IOLoop.current()
        try:
            self.ioloop.start()
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()

    # --- the gate ---------------------------------------------------------------------------------------

    def reserve(self, client: str) -> str:
        """Hold a place for one more kernel for ``client``: "" when there is room, else what to tell them.

        Places are counted before kernels exist (pages asked for at the same moment can't all slip past the
        caps); the place is released when the page's request ends, by then counted as a running kernel.
        """
        alive = set(self.kernel_manager.list_kernel_ids())
        with self._lock:
            for ids in self._kernels.values():
                ids &= alive
            total = len(alive) + sum(self._pending.values())
            mine = len(self._kernels.get(client, ())) + self._pending.get(client, 0)
            if total >= self.max_kernels:
                problem = ("Too many course pages are open on this server. Close tabs you no longer need, then "
                           "try again in a minute.")
            elif self.workshop and mine >= self.max_kernels_per_client:  # alone at a laptop: one client
                problem = (f"You have {mine} course pages open, the most one person can. Close a tab you no "
                           "longer need, then try again.")
            else:
                self._pending[client] = self._pending.get(client, 0) + 1
                return ""
        log.warning("room full: %d kernels on the server, %d for this client", total, mine)
        return problem

    def owns(self, client: str, kernel_id: str) -> bool:
        """True when ``kernel_id`` was started for ``client``'s page."""
        with self._lock:
            return bool(client) and kernel_id in self._kernels.get(client, ())

    def release(self, client: str) -> None:
        with self._lock:
            left = self._pending.get(client, 0) - 1
            if left > 0:
                self._pending[client] = left
            else:
                self._pending.pop(client, None)

    def join_allowed(self) -> bool:
        now = time.monotonic()
        with self._lock:
            while self._joins and now - self._joins[0] > 60:
                self._joins.popleft()
            if len(self._joins) >= JOINS_PER_MINUTE:
                return False
            self._joins.append(now)
        return True

    def admit(self, handler: tornado.web.RequestHandler) -> str:
        """Who is asking for a page: their client key. Otherwise answers here and raises ``Finish``."""
        if not self.workshop:
            return "ip:" + str(handler.request.remote_ip)
        given = handler.get_query_argument(_session.TOKEN_PARAM, None)
        if given is not None:  # a personal link: check it, then ask before this browser becomes that person
            name = self._valid(given)
            if name is None:
                self.join_page(handler, 403, _session.UNKNOWN_LINK)
                raise tornado.web.Finish()
            self.answer_page(handler, 200, "Open your workspace", "", confirm=(name, given, handler.request.path))
            raise tornado.web.Finish()
        token = handler.get_cookie(_session.COOKIE)
        if token is None:
            self.join_page(handler, 200 if handler.request.path == self.start_url else 403, "")
            raise tornado.web.Finish()
        if self._valid(token) is None:  # the cookie stays: a closed workshop may open again
            self.join_page(handler, 403, _session.UNKNOWN_LINK)
            raise tornado.web.Finish()
        return "ws:" + _session.token_key(token)

    def _valid(self, token: str) -> str | None:
        """The name of the person whose link ``token`` is, if it may open the course now (else None)."""
        if not _session.well_formed(token):
            return None
        try:
            with Store.open_default() as store:
                return _session.admitted(store, _session.token_key(token)).name or "participant"
        except PlnkitError as exc:
            log.info("refused a workshop link: %s", exc)
            return None

    def set_participant_cookie(self, handler: tornado.web.RequestHandler, token: str) -> None:
        handler.set_cookie(_session.COOKIE, token, path=self.base_url, httponly=True, samesite="Lax",
                           secure=bool(self.certfile), expires_days=COOKIE_DAYS)

    # --- plain pages (no kernel) ------------------------------------------------------------------------

    def join_page(self, handler: tornado.web.RequestHandler, status: int, message: str, name: str = "") -> None:
        closed = False
        try:
            with Store.open_default() as store:
                closed = store.workshop_closed()
        except PlnkitError:
            pass
        if closed:
            self.answer_page(handler, 403 if status == 200 else status, "This workshop is closed",
                             "Its facilitator has closed this workshop, so it can't be opened or joined now. "
                             "Everyone's work is kept; ask the facilitator if you need a copy.", closed=True)
            return
        self.answer_page(handler, status, "Join the workshop", message, join=True, name=name)

    def answer_page(self, handler: tornado.web.RequestHandler, status: int, title: str, message: str, *,
                    join: bool = False, confirm: tuple[str, str, str] | None = None, name: str = "",
                    closed: bool = False) -> None:
        env = handler.settings["voila_jinja2_env"]
        handler.set_status(status)
        handler.set_header("Content-Type", "text/html; charset=utf-8")
        handler.set_header("Cache-Control", "no-store")
        handler.finish(env.get_template("plnkit-page.html").render(
            title=title, message=message, join=join, action=f"{self.base_url}plnkit/join", name=name,
            xsrf=handler.xsrf_token.decode("ascii"), start=self.start_url, course=_course_title(),
            confirm=confirm, open_action=f"{self.base_url}plnkit/open", closed=closed))


def _course_title() -> str:
    from .content import COURSE_TITLE

    return COURSE_TITLE


def _log_request(handler: tornado.web.RequestHandler) -> None:
    """The access log without query strings (they can hold a participant's token): method, path, status, time."""
    status = handler.get_status()
    if status < 400 and handler.request.method in ("GET", "HEAD"):
        return  # quiet for normal page loads, as Voila's WARN level is
    level = logging.WARNING if status >= 400 else logging.INFO
    log.log(level, "%d %s %s %.0fms", status, handler.request.method, quote(handler.request.path, safe="/:._-"),
            1000.0 * handler.request.request_time())


def main() -> None:
    """Entry point used by ``plnkit serve`` (``python -m plnkit.server <voila options>``)."""
    logging.basicConfig(level=logging.INFO, format="[plnkit] %(levelname)s | %(message)s")
    CourseServer.launch_instance()


if __name__ == "__main__":
    main()
