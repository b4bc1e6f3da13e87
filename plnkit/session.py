"""Who is the learner, and where is their work kept? Decided once per kernel.

Each Voila page load is a new kernel, so this module is the single place that reads the environment:

- under JupyterHub, the hub user (``JUPYTERHUB_USER``);
- in workshop mode (``PLNKIT_WORKSHOP=1``, set by ``plnkit serve --workshop``), the participant named by the
  secret token in the page address (``?learner=...``, which Voila passes to the kernel as ``QUERY_STRING``):
  each participant joins on the start page and gets a personal link, and every course link carries it;
- otherwise the single local learner (a teacher alone at a laptop).

Everything else receives the :class:`Session`.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import threading
from dataclasses import dataclass
from urllib.parse import parse_qs

from . import _log
from .errors import IdentityError, StoreError
from .store import Learner, Store, default_home

LOCAL_LEARNER = "local"
WORKSHOP_ENV = "PLNKIT_WORKSHOP"
TOKEN_PARAM = "learner"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


@dataclass
class Session:
    """The learner of this kernel and the store their work goes to."""

    store: Store
    learner: Learner
    token: str | None = None  # the workshop participant's token, carried by every course link


_lock = threading.Lock()
_session: Session | None = None


def workshop_mode() -> bool:
    """True when the course runs for a room of participants on one server."""
    return os.environ.get(WORKSHOP_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def request_token() -> str | None:
    """The participant token in this page's address, if it is well formed (anything else is ignored)."""
    values = parse_qs(os.environ.get("QUERY_STRING", "")).get(TOKEN_PARAM, [])
    return values[0] if values and _TOKEN.match(values[0]) else None


def new_token() -> str:
    """A fresh, unguessable participant token."""
    return secrets.token_urlsafe(18)


def token_key(token: str) -> str:
    """The learner key for a token (only a hash of the token is stored)."""
    return "ws:" + hashlib.sha256(token.encode("ascii")).hexdigest()[:32]


def learner_key() -> str:
    """The key under which this kernel's learner is stored."""
    hub_user = os.environ.get("JUPYTERHUB_USER", "").strip()
    if hub_user:
        return f"hub:{hub_user}"
    if workshop_mode():
        token = request_token()
        if token is None:
            raise IdentityError("This is a workshop: open the course from your personal link (you get it when "
                                "you join on the start page). Nothing here will be saved until you do.")
        return token_key(token)
    return LOCAL_LEARNER


def current() -> Session:
    """This kernel's session, opened on first use. Raises a :class:`PlnkitError` with a learner-facing message."""
    global _session
    with _lock:
        if _session is None:
            if _log.in_kernel():
                _log.install(default_home())
            key = learner_key()
            store = Store.open_default()
            try:
                learner = store.learner(key)
            except StoreError:
                store.close()
                raise
            _session = Session(store, learner, request_token() if key.startswith("ws:") else None)
        return _session


FACILITATOR_FILE = "facilitator-token"


def facilitator_token(home: os.PathLike[str] | str) -> str:
    """The workshop's facilitator token, created on first use in the data folder (readable by its owner only)."""
    path = os.path.join(os.fspath(home), FACILITATOR_FILE)
    try:
        with open(path, encoding="ascii") as fh:
            token = fh.read().strip()
        if _TOKEN.match(token):
            return token
    except OSError:
        pass
    token = new_token()
    os.makedirs(os.fspath(home), exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(token)
    return token


def is_facilitator(sess: Session | None) -> bool:
    """True when this page was opened with the workshop's facilitator link."""
    if sess is None or not sess.token:
        return False
    path = os.path.join(os.fspath(sess.store.path.parent), FACILITATOR_FILE)
    try:
        with open(path, encoding="ascii") as fh:
            return secrets.compare_digest(fh.read().strip(), sess.token)
    except OSError:
        return False


def link_suffix(sess: Session | None) -> str:
    """What every course link must carry so a workshop participant stays themselves (else nothing)."""
    return f"?{TOKEN_PARAM}={sess.token}" if sess is not None and sess.token else ""


def use(session: Session | None) -> None:
    """Replace this kernel's session (tests, and tools that work on another database)."""
    global _session
    with _lock:
        _session = session
