"""The server's admission: who may open a page (a workshop link, its cookie, the facilitator's page), the caps on
kernels per server and per client, the join rate, and the plain pages served without a kernel (join, unknown link,
full room, closed workshop).

A mixin of :class:`plnkit.services.server.CourseServer`, split out to keep modules short; the request handlers
that call it are in :mod:`plnkit.services._gate`, and the server's module docstring has the whole picture.
"""

from __future__ import annotations

import inspect
import ipaddress
import logging
import os
import posixpath
import secrets
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote, urlencode

import tornado.ioloop
import tornado.web

from ..content import FACILITATOR_NOTEBOOK
from ..errors import PlnkitError, StoreError
from . import session as _session
from ._gate import COOKIE_DAYS, JOINS_PER_ADDRESS, JOINS_PER_MINUTE, Place, _place
from .store import Store, default_home

log = logging.getLogger("plnkit.services.server")  # one log for the whole server

#: A page whose browser has not connected for this long after its kernel started may be let go for a new page
#: of the same person at their cap (a page still loading is left alone); ``PLNKIT_LOADING_SECONDS`` overrides it.
LOADING_SECONDS = 30


def _loading_seconds() -> float:
    try:
        return float(os.environ.get("PLNKIT_LOADING_SECONDS", LOADING_SECONDS))
    except ValueError:
        return LOADING_SECONDS

#: A link that was mistyped or replaced, opened in a browser still signed in as a participant.
UNKNOWN_LINK_SIGNED_IN = ("This link isn't recognised: it may be mistyped, or an old link your facilitator has "
                          "since replaced.")
#: A browser whose sign-in (cookie) stopped working: the link was reissued, or the participant erased.
STALE_SIGN_IN = ("This browser's sign-in to the workshop has stopped working: your facilitator has either given "
                 "you a new personal link or erased your work here. If you have a new link, open it to carry on "
                 "with your own work (joining again starts a new, empty one); otherwise join again to start afresh.")


class AdmissionMixin:
    """The gate's decisions and plain pages; the server holds the state they share (see its ``__init__``)."""

    workshop: bool
    max_kernels: int
    max_kernels_per_client: int
    dropped_seconds: int
    certfile: str
    base_url: str
    kernel_manager: Any
    pool: Any
    _lock: threading.Lock
    _kernels: dict[str, set[str]]
    _pending: dict[str, int]
    _joins: deque[float]
    _store: Store | None
    max_kernels_per_address: int
    _address_joins: dict[str, deque[float]]
    _addresses: dict[str, str]  # client key: the address it last asked from (workshop participants)
    _started: dict[str, float]  # kernel id: when it was started for a page not yet connected (time.monotonic)
    _gone: dict[str, float]  # kernel id: when its page's connection went

    if TYPE_CHECKING:  # the server's own property: declared here for the type checker only
        @property
        def start_url(self) -> str: ...

    # --- the gate ---------------------------------------------------------------------------------------

    def reserve(self, client: str, address: str = "") -> str:
        """Hold a place for one more kernel for ``client`` (asking from IP ``address``): "" when there is room,
        else what to tell them.

        Places are counted before kernels exist (pages asked for at the same moment can't all slip past the
        caps); the place is given up as the page's kernel is counted against ``client`` (:meth:`_count_kernel`),
        or when the page's request ends without one (:meth:`release`): a page is never counted twice. In a
        workshop a participant at their own cap first lets go of their own page whose browser is not connected
        (a crashed or closed tab the course did not hear about, a page fetched and never opened), oldest first;
        and the pages of every participant asking from one address (not 127.0.0.1: a reverse proxy's) count
        against :attr:`max_kernels_per_address`, so one machine can't take the whole room by joining names.
        """
        alive = set(self.kernel_manager.list_kernel_ids())
        waiting = self.pool.waiting() if self.pool is not None else set()  # the pool uses only spare places
        facilitator = self._facilitator_client(client)
        let_go: str | None = None
        with self._lock:
            for ids in self._kernels.values():
                ids &= alive
            if self.workshop and client.startswith("ws:") and _counted(address):
                self._addresses[client] = address
            total = len(alive - waiting) + sum(self._pending.values())
            mine = len(self._kernels.get(client, ())) + self._pending.get(client, 0)
            if self.workshop and mine >= self.max_kernels_per_client:
                let_go = self._unconnected(client)
                if let_go is not None:  # counted as gone now: its shutdown follows
                    self._kernels[client].discard(let_go)
                    mine, total = mine - 1, total - 1
            here = sum(len(self._kernels.get(c, ())) + self._pending.get(c, 0)
                       for c, a in self._addresses.items() if a == address) if _counted(address) else 0
            if total >= self.max_kernels and not facilitator:  # who can close the room
                problem = ("Too many course pages are open on this server. Close tabs you no longer need, then "
                           "try again in a minute.")
            elif (self.workshop and not facilitator and _counted(address)
                    and here >= self.max_kernels_per_address):
                problem = (f"This computer has {here} course pages open, for everyone who joined from it: the most "
                           "one computer can. Close tabs you no longer need, then try again in a minute.")
            elif self.workshop and mine >= self.max_kernels_per_client:  # alone at a laptop: one client
                problem = (f"You have {mine} course pages open, the most one person can. Close a tab you no "
                           "longer need, then try again. (A tab that closed without the course noticing, as when "
                           "a browser crashes, makes way when you try again, once it is "
                           f"{round(_loading_seconds())} seconds old.)")
            else:
                self._pending[client] = self._pending.get(client, 0) + 1
                problem = ""
        if let_go is not None:
            log.info("let go of a page whose browser is not connected, for a new page of the same person")
            self._shut_down_later(let_go)
        if problem:
            log.warning("room full: %d kernels on the server, %d for this client, %d from its address", total,
                        mine, here)
        return problem

    def _unconnected(self, client: str) -> str | None:
        """The oldest of ``client``'s kernels whose page is not connected now and has not just started (a
        page still loading is left alone); None when every one is connected. Call with ``_lock`` held."""
        connections = getattr(self.kernel_manager, "_kernel_connections", None)
        if not isinstance(connections, dict):
            return None
        now = time.monotonic()
        started, gone = self._started, self._gone
        candidates = [(gone.get(k, started.get(k, 0.0)), k) for k in self._kernels.get(client, ())
                      if connections.get(k, 0) <= 0 and now - started.get(k, 0.0) > _loading_seconds()]
        return min(candidates)[1] if candidates else None

    def _shut_down_later(self, kernel_id: str) -> None:
        tornado.ioloop.IOLoop.current().spawn_callback(self._shut_down, kernel_id)

    async def _shut_down(self, kernel_id: str) -> None:
        """Shut ``kernel_id`` down (a page let go of, or culled); nothing when it has gone meanwhile."""
        try:
            result = self.kernel_manager.shutdown_kernel(kernel_id)
            if inspect.isawaitable(result):
                await result
        except Exception:  # noqa: BLE001 - it may have gone meanwhile
            log.debug("kernel %s already gone", kernel_id)

    def owns(self, client: str, kernel_id: str) -> bool:
        """True when ``kernel_id`` was started for ``client``'s page."""
        with self._lock:
            return bool(client) and kernel_id in self._kernels.get(client, ())

    def _count_kernel(self, client: str, kernel_id: str) -> None:
        """Count ``kernel_id`` as ``client``'s page, in place of the place its request held (the request's own,
        from the context it runs in). Call with ``_lock`` held."""
        self._kernels[client].add(kernel_id)
        place = _place.get()
        if place is not None and place.held and place.client == client:
            self._give_up(place)

    def release(self, place: Place) -> None:
        """A page request has ended: give up its place, unless its kernel took it over."""
        with self._lock:
            if place.held:
                self._give_up(place)

    def _give_up(self, place: Place) -> None:  # with _lock held
        place.held = False
        left = self._pending.get(place.client, 0) - 1
        if left > 0:
            self._pending[place.client] = left
        else:
            self._pending.pop(place.client, None)

    def join_allowed(self, address: str = "") -> str:
        """"" when one more participant may join now (from IP ``address``), else what to tell them: at most
        :data:`JOINS_PER_MINUTE` for the whole room, and :data:`JOINS_PER_ADDRESS` in 10 minutes from one
        address (a shared classroom computer is enough; 127.0.0.1, a reverse proxy's, is not counted)."""
        now = time.monotonic()
        with self._lock:
            while self._joins and now - self._joins[0] > 60:
                self._joins.popleft()
            if len(self._joins) >= JOINS_PER_MINUTE:
                return "Lots of people are joining at once. Wait a few seconds and try again."
            mine = self._address_joins.setdefault(address, deque()) if _counted(address) else deque()
            while mine and now - mine[0] > 600:
                mine.popleft()
            if len(mine) >= JOINS_PER_ADDRESS:
                return (f"{JOINS_PER_ADDRESS} people have joined from this computer in the last few minutes, the "
                        "most one computer can. If you joined before, open your personal link instead; or ask "
                        "your facilitator to add you.")
            mine.append(now)
            self._joins.append(now)
        return ""

    def admit(self, handler: tornado.web.RequestHandler) -> str:
        """Who is asking for a page: their client key. Otherwise answers here and raises ``Finish``."""
        if not self.workshop:
            return "ip:" + str(handler.request.remote_ip)
        given = handler.get_query_argument(_session.TOKEN_PARAM, None)
        if given is not None:  # a personal link: check it, then ask before this browser becomes that person
            name = self._valid(given)
            current = handler.get_cookie(_session.COOKIE) or ""
            if name is None:
                mine = self._valid(current) if current else None
                if mine is None:
                    self.join_page(handler, 403, _session.UNKNOWN_LINK)
                else:  # joining again would make them a second, empty participant: offer their own work
                    self.answer_page(handler, 403, "This link isn't recognised", UNKNOWN_LINK_SIGNED_IN,
                                     signed_in=(mine, _without_token(handler.request)))
                raise tornado.web.Finish()
            if secrets.compare_digest(current.encode("utf-8"), given.encode("utf-8")):  # already them here
                handler.set_header("Cache-Control", "no-store")
                handler.redirect(_without_token(handler.request), status=303)  # the secret out of the address
                raise tornado.web.Finish()
            self.answer_page(handler, 200, "Open your workspace", "", confirm=(name, given, handler.request.path))
            raise tornado.web.Finish()
        token = handler.get_cookie(_session.COOKIE)
        if token is None:
            self.join_page(handler, 200 if handler.request.path == self.start_url else 403, "")
            raise tornado.web.Finish()
        if self._valid(token) is None:  # the cookie stays: a closed workshop may open again
            self.join_page(handler, 403, STALE_SIGN_IN)
            raise tornado.web.Finish()
        if _names_notebook(handler.request.path, FACILITATOR_NOTEBOOK) and not self._is_facilitator(token):
            self.answer_page(handler, 403, "This page is for the facilitator",
                             "It shows the whole room, so only the workshop's facilitator link opens it. Your own "
                             "work is on the course pages.")
            raise tornado.web.Finish()
        return "ws:" + _session.token_key(token)

    def _facilitator_client(self, client: str) -> bool:
        """True for the facilitator's client key: a room filled by others (pages asked for and never opened) must
        not lock out the one person who can revoke links and close the workshop. Their own cap still holds."""
        if not self.workshop or not client.startswith("ws:"):
            return False
        fac = _session.facilitator_token(default_home(), create=False)
        return bool(fac) and secrets.compare_digest(client.encode(), f"ws:{_session.token_key(fac or '')}".encode())

    def _is_facilitator(self, token: str) -> bool:
        fac = _session.facilitator_token(default_home(), create=False)
        return bool(fac) and secrets.compare_digest(fac or "", token)

    def _valid(self, token: str) -> str | None:
        """The name of the person whose link ``token`` is, if it may open the course now (else None)."""
        if not _session.well_formed(token):
            return None
        try:
            with self.store() as store:
                return _session.admitted(store, _session.token_key(token)).name or "participant"
        except PlnkitError as exc:
            log.info("refused a workshop link: %s", exc)
            return None

    def set_participant_cookie(self, handler: tornado.web.RequestHandler, token: str) -> None:
        handler.set_cookie(_session.COOKIE, token, path=self.base_url, httponly=True, samesite="Lax",
                           secure=bool(self.certfile), expires_days=COOKIE_DAYS)

    @contextmanager
    def store(self) -> Iterator[Store]:
        """The server's own connection to the course database, opened once and reused by every request.

        A failure closes it, so the next request opens it afresh (a database fixed meanwhile works again).
        """
        if self._store is None:
            self._store = Store.open_default()
        try:
            yield self._store
        except StoreError:
            self._store.close()
            self._store = None
            raise

    # --- plain pages (no kernel) ------------------------------------------------------------------------

    def join_page(self, handler: tornado.web.RequestHandler, status: int, message: str, name: str = "") -> None:
        closed = False
        try:
            with self.store() as store:
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
                    closed: bool = False, signed_in: tuple[str, str] | None = None, retry: bool = False) -> None:
        """A plain page (no kernel). ``confirm``: (name, token, next path) of a personal link to confirm;
        ``signed_in``: (name, address) of the participant this browser is signed in as, offered to continue;
        ``retry``: offer to ask for the same page again (a page refused for now), not the course start, which
        would be refused too."""
        env = handler.settings["voila_jinja2_env"]
        handler.set_status(status)
        handler.set_header("Content-Type", "text/html; charset=utf-8")
        handler.set_header("Cache-Control", "no-store")
        handler.finish(env.get_template("plnkit-page.html").render(
            title=title, message=message, join=join, action=f"{self.base_url}plnkit/join", name=name,
            xsrf=handler.xsrf_token.decode("ascii"), start=self.start_url, course=_course_title(),
            confirm=confirm, open_action=f"{self.base_url}plnkit/open", closed=closed, signed_in=signed_in,
            retry=_without_token(handler.request) if retry else "",
            icon=f"{self.base_url}voila/templates/plnkit/static/icon.svg"))


def _counted(address: str) -> bool:
    """True for an address whose pages and joins are counted together: any but this machine's own loopback
    address (a reverse proxy's: behind one, every request comes from it) and an unknown one."""
    try:
        return str(ipaddress.ip_address(address.split("%", 1)[0])) not in ("127.0.0.1", "::1", "::ffff:127.0.0.1")
    except ValueError:
        return False


def _without_token(request: Any) -> str:
    """The request's path and query string without the personal link's token (``?learner=``); a path on this
    server, never ``//host/...`` (which a browser would read as another site)."""
    kept = [(k, v) for k, v in parse_qsl(request.query, keep_blank_values=True) if k != _session.TOKEN_PARAM]
    return "/" + request.path.lstrip("/") + (f"?{urlencode(kept)}" if kept else "")


def _names_notebook(path: str, notebook: str) -> bool:
    """True when a request path resolves to ``notebook`` as Voila reads it (decoded, normalised, any slashes)."""
    previous = None
    while previous != path:  # decode until stable: %252e and friends can't hide the name
        previous, path = path, unquote(path)
    parts = [p for p in posixpath.normpath("/" + path.replace("\\", "/")).split("/") if p]
    return bool(parts) and parts[-1].casefold() == notebook.casefold()


def _course_title() -> str:
    from ..content import COURSE_TITLE

    return COURSE_TITLE
