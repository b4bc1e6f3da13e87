"""Who is the learner, and where is their work kept? Decided once per kernel.

Each Voila page load is a new kernel, so this module is the single place that reads the environment:

- under JupyterHub, the hub user (``JUPYTERHUB_USER``), signed in by the hub; whether they are a facilitator comes
  from the hub's configuration (:func:`hub_facilitator`);
- in workshop mode (``PLNKIT_WORKSHOP=1``, set by ``plnkit serve --workshop``), the participant named by the
  secret token in their HttpOnly cookie (the course server passes the ``Cookie`` header to the kernel as
  ``HTTP_COOKIE``; see :mod:`plnkit.services.server`) or, failing that, in the page address (``?learner=...``, which
  Voila passes as ``QUERY_STRING``). Only a link that was issued, is not revoked, and belongs to an open
  workshop is accepted: anything else is an :class:`IdentityError` and creates nothing;
- otherwise the single local learner (a teacher alone at a laptop).

**Preheated kernels** (``plnkit serve`` keeps a pool per course page) run the page before anyone asks for it, so
the request's cookie and query string are not in the environment yet. :func:`current` therefore first waits
for the request (:func:`wait_for_request`): a page's learner, and so every answer shown, is read only after
the request arrived, and after the server's gate admitted it. :func:`after_request` runs a function once the
request is there, for pages that fill themselves in later (both from :mod:`plnkit.services._request`).

Everything else receives the :class:`Session`.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs

from ..errors import IdentityError, InputError, SignInStopped, StoreError
from ..rules.names import account_name, check_name, unique_name
from . import _log
from ._request import PREHEAT_ENV, QUERY_URL_ENV, after_request, preheated, wait_for_request  # noqa: F401 - shown here
from .store import Learner, Store, default_home

LOCAL_LEARNER = "local"
WORKSHOP_ENV = "PLNKIT_WORKSHOP"
TOKEN_PARAM = "learner"
COOKIE = "plnkit_learner"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
#: Set by JupyterHub in every single-user server (and so in its kernels): the signed-in hub user.
HUB_USER_ENV = "JUPYTERHUB_USER"
#: Hub user names who are facilitators, separated by commas or spaces (the hub config passes it to every server).
FACILITATORS_ENV = "PLNKIT_FACILITATORS"
#: A hub group whose members are facilitators (needs :data:`HUB_GROUPS_ENV`, see :func:`hub_facilitator`).
FACILITATOR_GROUP_ENV = "PLNKIT_FACILITATOR_GROUP"
#: The hub groups of this server's user, separated by commas, set per user by the hub config's ``pre_spawn_hook``.
HUB_GROUPS_ENV = "PLNKIT_HUB_GROUPS"
HUB_PREFIX = "hub:"


@dataclass
class Session:
    """The learner of this kernel and the store their work goes to."""

    store: Store
    learner: Learner
    token: str | None = None  # the workshop participant's token, carried by every course link
    checked_at: float = 0.0  # when a workshop link was last confirmed as still valid (time.monotonic)


#: A workshop page's background work re-checks its link this often (a reissue, a close or an erase stops a page
#: only being read too: one indexed query); what the person does (the kernel's main thread) every
#: :data:`ACTION_RECHECK_SECONDS` (components loading together share one), so nothing saves after it stopped.
RECHECK_SECONDS = 5.0
ACTION_RECHECK_SECONDS = 0.5


_lock = threading.Lock()
_session: Session | None = None
def workshop_mode() -> bool:
    """True when the course runs for a room of participants on one server."""
    return os.environ.get(WORKSHOP_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def well_formed(token: object) -> bool:
    """True for a string that could be a token (the shape only; whether it was issued is the store's to say)."""
    return isinstance(token, str) and bool(_TOKEN.match(token))


def cookie_token(cookie_header: str) -> str | None:
    """The participant token in a ``Cookie`` header, if it is well formed.

    Read with tornado's parser, as the server's gate reads it (browsers' own rules): another site's cookie on the
    same host or domain with a space or a lone quote in it (``other=hello world``) must not hide the course's,
    as it does from ``http.cookies.SimpleCookie``, which stops at the first value it can't parse.
    """
    from tornado.httputil import parse_cookie

    value = parse_cookie(cookie_header).get(COOKIE)
    return value if well_formed(value) else None


def request_token() -> str | None:
    """The participant token of this page's request: its cookie, else its address (well formed, or None)."""
    from_cookie = cookie_token(os.environ.get("HTTP_COOKIE", ""))
    if from_cookie:
        return from_cookie
    values = parse_qs(os.environ.get("QUERY_STRING", "")).get(TOKEN_PARAM, [])
    return values[0] if values and well_formed(values[0]) else None


def new_token() -> str:
    """A fresh, unguessable participant token."""
    return secrets.token_urlsafe(18)


def token_key(token: str) -> str:
    """The learner key for a token (only a hash of the token is stored)."""
    return "ws:" + hashlib.sha256(token.encode("ascii")).hexdigest()[:32]


def hub_user() -> str:
    """The signed-in JupyterHub user of this server (``JUPYTERHUB_USER``), or ``""`` when not under a hub."""
    return os.environ.get(HUB_USER_ENV, "").strip()


def _names(value: str) -> set[str]:
    return {part for part in re.split(r"[,\s]+", value.strip()) if part}


def hub_facilitator(user: str | None = None) -> bool:
    """True when the hub user ``user`` (default: this server's) is one of the course's facilitators.

    Read from the environment the hub config gives each single-user server: the user is named in
    ``PLNKIT_FACILITATORS`` (``"ana,ben"``), or ``PLNKIT_FACILITATOR_GROUP`` names a hub group listed in
    ``PLNKIT_HUB_GROUPS`` (the user's groups, which the hub's ``pre_spawn_hook`` sets at spawn time; see
    ``deploy/jupyterhub_config.py``). Names are compared exactly, as the hub spells them. A configured group
    without the groups passed refuses (and says so in the operator's log): it fails closed. False outside a hub.
    """
    user = hub_user() if user is None else user.strip()
    if not user:
        return False
    if user in _names(os.environ.get(FACILITATORS_ENV, "")):
        return True
    group = os.environ.get(FACILITATOR_GROUP_ENV, "").strip()
    if not group:
        return False
    if HUB_GROUPS_ENV not in os.environ:
        logging.getLogger(__name__).warning(
            "%s is %r but the hub did not pass %s to this server: add the pre_spawn_hook from "
            "deploy/jupyterhub_config.py to the hub's config", FACILITATOR_GROUP_ENV, group, HUB_GROUPS_ENV)
        return False
    return group in {g.strip() for g in os.environ[HUB_GROUPS_ENV].split(",")}


def learner_key() -> str:
    """The key under which this kernel's learner is stored."""
    user = hub_user()
    if user:
        return HUB_PREFIX + user
    if workshop_mode():
        token = request_token()
        if token is None:
            raise IdentityError(NO_LINK)
        return token_key(token)
    return LOCAL_LEARNER


NO_LINK = ("This is a workshop: open the course from your personal link (you get it when you join on the start "
           "page). Nothing here will be saved until you do.")
UNKNOWN_LINK = ("This link isn't recognised: check it, or join again. If your facilitator has given you a new "
                "link, open that one.")
#: An open page whose link stopped working while it was open (reissued, or the participant erased).
LINK_REPLACED = ("This page's sign-in has stopped working: your facilitator may have given you a new personal link, "
                 "or erased your work here. Nothing more is saved from this page, but what you type here stays in "
                 "this browser: if you have a new link, open it and it is offered back to you there.")


def current() -> Session:
    """This kernel's session, opened on first use. Raises a :class:`PlnkitError` with a learner-facing message."""
    global _session
    wait_for_request()  # a preheated kernel: nothing about the visitor is known before their request
    with _lock:
        if _session is None:
            if _log.in_kernel():
                _log.install(default_home())
            key = learner_key()
            store = Store.open_default()
            try:
                learner = (admitted(store, key) if key.startswith("ws:")
                           else store.learner(key, account_name(hub_user())))
            except (StoreError, IdentityError):
                store.close()
                raise
            _session = Session(store, learner, request_token() if key.startswith("ws:") else None,
                               time.monotonic())
            return _session
        sess = _session
    # The link is checked again outside this module's lock: the check reads the store, whose lock a save on the
    # main thread may hold while it asks for the session (a live backchannel re-checking on its thread would
    # otherwise wait for that save while the save waits for it, and the page would freeze).
    every = ACTION_RECHECK_SECONDS if threading.current_thread() is threading.main_thread() else RECHECK_SECONDS
    if sess.token and time.monotonic() - sess.checked_at > min(every, RECHECK_SECONDS):
        try:
            admitted(sess.store, sess.learner.key)
        except IdentityError as exc:
            if str(exc) == UNKNOWN_LINK:
                raise SignInStopped(LINK_REPLACED) from exc
            raise SignInStopped(f"{exc} Nothing more is saved from this page.") from exc
        sess.checked_at = time.monotonic()
    return sess


def admitted(store: Store, key: str) -> Learner:
    """The workshop participant (or facilitator) for ``key``: an issued, unrevoked link of an open workshop.

    Raises :class:`IdentityError` otherwise, creating nothing. The facilitator's own learner record is made
    on first use, as their link is issued by ``plnkit serve`` rather than by joining.
    """
    fac = facilitator_token(store.home, create=False)
    if fac and secrets.compare_digest(token_key(fac), key):
        return store.learner(key, "Facilitator")
    learner = store.active_learner(key)
    if learner is None or store.workshop_closed():
        raise IdentityError(UNKNOWN_LINK if learner is None else "This workshop has been closed by its "
                            "facilitator, so this link no longer opens it. Your work is kept.")
    return learner


FACILITATOR_FILE = "facilitator-token"


def facilitator_token(home: os.PathLike[str] | str, *, create: bool = True) -> str | None:
    """The workshop's facilitator token, created on first use in the data folder (readable by its owner only).

    With ``create=False``, ``None`` when there is none yet.
    """
    path = os.path.join(os.fspath(home), FACILITATOR_FILE)
    try:
        with open(path, encoding="ascii") as fh:
            token = fh.read().strip()
        if _TOKEN.match(token):
            return token
    except OSError:
        pass
    if not create:
        return None
    token = new_token()
    from ._store_file import make_folder

    make_folder(Path(home) / FACILITATOR_FILE)  # a new data folder is readable by its owner only (0700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(token)
    return token


def in_room(sess: Session | None) -> bool:
    """True when the learner is one of a room: a workshop participant (or its facilitator), or a hub user."""
    return sess is not None and (bool(sess.token) or sess.learner.key.startswith(HUB_PREFIX))


def is_facilitator(sess: Session | None) -> bool:
    """True when this page was opened with the workshop's facilitator link, or by a hub user the hub's
    configuration names as a facilitator (:func:`hub_facilitator`)."""
    if sess is not None and sess.learner.key.startswith(HUB_PREFIX):
        return hub_facilitator(sess.learner.key[len(HUB_PREFIX):])
    if sess is None or not sess.token:
        return False
    path = os.path.join(os.fspath(sess.store.home), FACILITATOR_FILE)
    try:
        with open(path, encoding="ascii") as fh:
            return secrets.compare_digest(fh.read().strip(), sess.token)
    except OSError:
        return False


def link_suffix(sess: Session | None) -> str:
    """What every course link must carry so a workshop participant stays themselves.

    Nothing when the participant's cookie carries them (as under ``plnkit serve --workshop``); the token
    only when this page was opened from a link without a cookie (then every link must keep it).
    """
    if sess is None or not sess.token or cookie_token(os.environ.get("HTTP_COOKIE", "")) == sess.token:
        return ""
    return f"?{TOKEN_PARAM}={sess.token}"


def use(session: Session | None) -> None:
    """Replace this kernel's session (tests, and tools that work on another database)."""
    global _session
    with _lock:
        _session = session


def join_participant(store: Store, name: object, *, whose: str = "your") -> str:
    """Make a participant called ``name``; returns their secret token (only its hash is stored).

    A name already taken gets a number, once and for good ("Alice", then "Alice (2)"), so everyone in the room
    can tell namesakes apart and a label never moves to someone else. A refused name raises
    :class:`InputError`, speaking of ``whose`` name (``"their"`` when the facilitator adds someone). Used by
    the join page (the server) and by the facilitator's "Make their personal link" (a kernel): it lives here,
    not with the server's handlers, so a kernel doesn't import Voila for it (2 s on the first press).
    """
    clean = check_name(name, whose=whose)
    if store.workshop_closed():
        raise InputError("This workshop has been closed by its facilitator, so no one can join it now.")
    token = new_token()
    with store.transaction():
        taken = [p.name for p in store.participants()]
        store.learner(token_key(token), unique_name(clean, taken))
    return token
