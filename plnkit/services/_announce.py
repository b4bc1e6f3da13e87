"""A course page's widgets reach its browser in one message, when the browser asks for them.

Voila runs a page's cells before the page's browser connects to the kernel: inside a Jupyter server (Binder,
JupyterHub) while the learner waits, in a preheated kernel before anyone asks. Each widget a cell makes is
announced on the kernel's IOPub channel as it is made (a ``comm_open`` with its whole state, then a
``comm_msg`` for each change), yet no browser is listening: the one reader is the server, which decodes every
message twice (Voila's executor, which keeps nothing of them but Output widgets, and its own activity watch) on
its one thread while the page waits for the next cell. That was about 2 ms a message, some 270 messages on
module 3 (``benchmarks/pages.py``, ``py-spy`` of the server). When the browser does connect, ipywidgets sends it
every widget's current state in one message anyway (``request_states`` on ``jupyter.widget.control``; Voila
renders nothing from the earlier messages).

:func:`announce_widgets_on_request` makes every widget made from then on register its comm in the kernel, so
what the browser sends reaches it, without announcing it, and holds back its changes, until a browser opens
the widget control channel; from then on every widget speaks as usual. Output widgets are announced as usual
(Voila's executor captures their output from those messages). What :func:`before_widgets_sent` was given runs
first, there, on the kernel's main thread: a preheated page fills itself in then if it hasn't yet
(:func:`plnkit.services._request.after_request`), so the browser's first copy of every widget is the filled-in one.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from ._log import started_by_voila

log = logging.getLogger("plnkit")
CONTROL_TARGET = "jupyter.widget.control"

_lock = threading.Lock()
_installed = False
_quiet = False
_before: list[Callable[[], object]] = []


def quiet() -> bool:
    """True while widgets are held back: installed, and no browser has opened the widget control channel yet."""
    return _quiet


def before_widgets_sent(fn: Callable[[], object]) -> None:
    """Run ``fn()`` on the kernel's main thread each time a browser opens the widget control channel, before it is
    sent any widget (while widgets are still held back), in the order given. Only where
    :func:`announce_widgets_on_request` is installed; an error in ``fn`` goes to the operator's log."""
    with _lock:
        _before.append(fn)


def announce_widgets_on_request() -> bool:
    """In a kernel Voila started (it sets ``VOILA_BASE_URL``), hold back widget messages until a browser asks
    for the widgets (see the module's docstring). Returns True when installed (once per kernel); False in any
    other process, such as someone's own notebook, where a browser is listening all along."""
    global _installed, _quiet
    if not started_by_voila():
        return False
    import comm
    import ipywidgets  # noqa: F401 - it registers the control channel's handler, which ours wraps
    from ipykernel.kernelbase import Kernel

    with _lock:
        if _installed:
            return False
        manager = comm.get_comm_manager()
        answer = manager.targets.get(CONTROL_TARGET)
        if answer is None:  # an ipywidgets without the control channel: its browser needs every message
            return False
        create = comm.create_comm

        def create_comm(*args: Any, **kwargs: Any) -> Any:
            data = kwargs.get("data")
            state = data.get("state") if isinstance(data, dict) else None  # a browser's message may be anything
            if (not _quiet or kwargs.get("target_name") != "jupyter.widget" or not isinstance(state, dict)
                    or state.get("_model_name") == "OutputModel"):
                return create(*args, **kwargs)
            made = create(*args, **{**kwargs, "primary": False})  # not announced: only registered
            manager.register_comm(made)
            if getattr(made, "kernel", False) is None:  # ipykernel sets it as a comm first sends, and ipywidgets
                made.kernel = Kernel.instance()  # type: ignore[attr-defined]  # sends nothing without it
            publish = made.publish_msg

            def publish_msg(*a: Any, **k: Any) -> None:
                if not _quiet:
                    publish(*a, **k)

            made.publish_msg = publish_msg  # type: ignore[method-assign]  # this comm only
            return made

        def control_opened(channel: Any, msg: Any) -> Any:
            with _lock:
                before = list(_before)
            for fn in before:
                try:
                    fn()
                except Exception:  # noqa: BLE001 - the browser still gets its widgets
                    log.exception("getting a page ready for its browser failed")
            _speak()
            return answer(channel, msg)

        comm.create_comm = create_comm
        manager.register_target(CONTROL_TARGET, control_opened)
        _installed = _quiet = True
    return True


def _speak() -> None:
    global _quiet
    with _lock:
        if _quiet:
            log.debug("a browser asked for the page's widgets: they speak from now on")
        _quiet = False
