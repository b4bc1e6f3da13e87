"""Who is the learner, and where is their work kept? Decided once per kernel.

Each Voila page load is a new kernel, so this module is the single place that reads the environment:
the JupyterHub user when present, otherwise the single local learner. Everything else receives the
:class:`Session`.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass

from .errors import StoreError
from .store import Learner, Store

LOCAL_LEARNER = "local"


@dataclass
class Session:
    """The learner of this kernel and the store their work goes to."""

    store: Store
    learner: Learner


_lock = threading.Lock()
_session: Session | None = None


def learner_key() -> str:
    """The key under which this kernel's learner is stored."""
    hub_user = os.environ.get("JUPYTERHUB_USER", "").strip()
    return f"hub:{hub_user}" if hub_user else LOCAL_LEARNER


def current() -> Session:
    """This kernel's session, opened on first use. Raises :class:`StoreError` with a learner-facing message."""
    global _session
    with _lock:
        if _session is None:
            store = Store.open_default()
            try:
                learner = store.learner(learner_key())
            except StoreError:
                store.close()
                raise
            _session = Session(store, learner)
        return _session


def use(session: Session | None) -> None:
    """Replace this kernel's session (tests, and tools that work on another database)."""
    global _session
    with _lock:
        _session = session
