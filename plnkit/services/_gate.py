"""The gate in front of every request of the course server: headers, Host check, workshop admission, and the
small pages and forms served without a kernel (join, confirm a personal link, sign out).

:class:`plnkit.services.server.CourseServer` mixes these into Voila's handlers; see its module for the whole picture.
"""

from __future__ import annotations

import contextvars
import inspect
import logging
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote

import tornado.web

from ..errors import PlnkitError
from ..rules.names import check_name  # noqa: F401 - re-exported by server.py
from . import session as _session
from ._preheat import request_url
from .session import join_participant

if TYPE_CHECKING:
    from .server import CourseServer

log = logging.getLogger("plnkit.services.server")

COOKIE_DAYS = 14
CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self' ws: wss:; media-src 'self' data:; "
       "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
#: Joins accepted per minute for the whole room (a room of 25 joins in a few minutes; a script can't flood it).
JOINS_PER_MINUTE = 30
#: Joins accepted from one address in 10 minutes (a shared classroom computer; a script on one machine can't fill
#: the room with names).
JOINS_PER_ADDRESS = 6
#: A kernel whose page has not connected this long after it started is shut down (nobody will use it).
UNOPENED_SECONDS = 180  # longer than a page may take to run (VoilaExecutor.timeout is 120 s)

_client: contextvars.ContextVar[str] = contextvars.ContextVar("plnkit_client", default="")


class Place:
    """The place a page request holds under the caps (:meth:`AdmissionMixin.reserve`) until its kernel is counted
    against ``client`` or, without one (a refused or failed page), until the request ends: counted once, never
    as both a place and a kernel."""

    __slots__ = ("client", "held")

    def __init__(self, client: str) -> None:
        self.client, self.held = client, True


_place: contextvars.ContextVar[Place | None] = contextvars.ContextVar("plnkit_place", default=None)


#: Control characters or a ".." segment anywhere in a decoded path; a template file outside a template's static/.
_ODD_PATH = re.compile(r"[\x00-\x1f\x7f\\]|(^|/)\.\.(/|$)")
_STATIC = re.compile(r"/voila/templates/[A-Za-z0-9_.-]+/static/[A-Za-z0-9_.-][A-Za-z0-9_./-]*$")


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
        return f"{self.request.method} {_shown_path(self.request.path)} ({self.request.remote_ip})"

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
        path = self.request.path
        for _ in range(3):  # decoded as a handler would read it (%2f, %00, and %25-hidden forms of them)
            path = unquote(path)
        if _ODD_PATH.search(path) or ("/voila/templates/" in path and not _STATIC.search(path)):
            # No course address has these: Voila's template files would fail on them with a traceback in the
            # operator's log, for anyone on the network to repeat. A plain 404, one line in the log (answered
            # here: the handlers' own error pages need what their prepare() has not set up yet).
            log.warning("404 %s (no course address looks like this)", self._request_summary())
            self.set_status(404)  # type: ignore[attr-defined]
            self.set_header("Content-Type", "text/plain; charset=utf-8")  # type: ignore[attr-defined]
            self.finish("Not found.")  # type: ignore[attr-defined]
            raise tornado.web.Finish()
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
        problem = server.reserve(client, str(self.request.remote_ip))
        if problem:
            self.set_header("Retry-After", "60")  # type: ignore[attr-defined]
            server.answer_page(self, 503, "Too many pages open right now", problem,  # type: ignore[arg-type]
                               retry=True)
            raise tornado.web.Finish()
        _client.set(client)  # read when the kernel starts (same task), to count it against this client
        self._plnkit_place = place = Place(client)
        _place.set(place)  # given up there, as the kernel is counted
        request_url.set(self.request.full_url())  # handed, under preheat, to this page's kernel only

    def on_finish(self) -> None:
        place = getattr(self, "_plnkit_place", None)
        if place is not None:
            self.settings["plnkit_server"].release(place)
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
                # Answered here, not raised: jupyter_server's error page would log a traceback per refusal,
                # and anyone who can reach the server could fill the log with them.
                self.set_status(403)  # type: ignore[attr-defined]
                self.finish("403: Forbidden")  # type: ignore[attr-defined]
                return None
        return super().prepare()


class _KernelSocketGate(_KernelGate):
    """Mixed into the kernel websocket (``/api/kernels/<id>/channels``): the kernel gate, and a browser that goes
    while its websocket is still being set up is handled, not counted.

    jupyter_server waits for the kernel's ``kernel_info`` reply before it accepts a websocket (seconds, while the
    kernel is busy). A tab closed or reloaded meanwhile closes the socket then: jupyter_server counted that as a
    disconnection although it had never counted the connection, leaving the kernel's connection count at -1 (a
    page that connected later then counted 0 while connected, so the server took it for a dropped page, and a
    closed tab's page was never let go at a person's cap: a trial was refused "You have 8 course pages open" with
    one open), then went on with the handshake and failed with a traceback in the log
    (``'NoneType' object has no attribute 'kernel_ws_protocol'``).
    """

    _plnkit_opened = False  # open() has begun: jupyter_server counts the connection there, and tears it down
    _plnkit_gone = False  # the browser went before that

    async def pre_get(self) -> None:
        await super().pre_get()  # type: ignore[misc]
        if self._plnkit_gone:  # the browser went while the kernel was asked: end here, nothing was counted
            self._forget_connection()
            raise tornado.web.Finish()

    async def open(self, *args: Any, **kwargs: Any) -> None:
        if self._plnkit_gone:
            self._forget_connection()
            return
        self._plnkit_opened = True
        await super().open(*args, **kwargs)  # type: ignore[misc]

    def on_close(self) -> None:
        if self._plnkit_opened:
            super().on_close()  # type: ignore[misc]  # jupyter_server's own teardown, counted down
        else:
            self._plnkit_gone = True  # ended by pre_get or open, where it is being set up

    def _forget_connection(self) -> None:
        """Undo what setting up the connection did before it was counted: its session's registration, and the
        channel it asked the kernel on (jupyter_server's own teardown would count a disconnection)."""
        connection, self.connection = getattr(self, "connection", None), None
        if connection is None:
            return
        sessions = getattr(connection, "_open_sessions", {})
        if sessions.get(connection.session_key) is self:
            sessions.pop(connection.session_key, None)
        channel = getattr(connection, "kernel_info_channel", None)
        if channel is not None and not channel.closed():
            channel.close()


class JoinHandler(_Gate, tornado.web.RequestHandler):
    """``POST /plnkit/join``: a name in, a participant cookie out, back to the start page."""

    def post(self) -> None:
        server: CourseServer = self.settings["plnkit_server"]
        if not server.workshop:
            raise tornado.web.HTTPError(404)
        self.check_xsrf_cookie()  # the form's _xsrf value must match this browser's cookie: no cross-site joins
        refused = server.join_allowed(str(self.request.remote_ip))
        if refused:
            self.set_header("Retry-After", "60")
            server.answer_page(self, 503, "Too many joins right now", refused)
            return
        try:
            with server.store() as store:
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


_KERNEL_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)


_HAND_OVER = re.compile(r"^/plnkit/query/[^/]*")


def _shown_path(path: str) -> str:
    """A request path as the log shows it: quoted, and without kernel ids or the hand-over's secret (a console
    may be projected, and those are what the request hand-over to a preheated kernel trusts)."""
    return _KERNEL_ID.sub("<kernel>", _HAND_OVER.sub("/plnkit/query/<secret>", quote(path, safe="/:._-")))


def _log_request(handler: tornado.web.RequestHandler) -> None:
    """The access log without query strings (they can hold a participant's token): method, path, status, time."""
    status = handler.get_status()
    if status < 400 and handler.request.method in ("GET", "HEAD"):
        return  # quiet for normal page loads, as Voila's WARN level is
    level = logging.WARNING if status >= 400 else logging.INFO
    log.log(level, "%d %s %s %.0fms", status, handler.request.method, _shown_path(handler.request.path),
            1000.0 * handler.request.request_time())
