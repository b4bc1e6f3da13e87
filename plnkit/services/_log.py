"""Where unexpected errors go: the operator's log, never the learner's page.

Inside a kernel, ``sys.stderr`` is forwarded to the learner's browser, so a default logging setup would show
tracebacks to learners and hide them from the person running the server. :func:`install` sends the
``plnkit`` loggers to ``$PLNKIT_HOME/plnkit.log`` (readable by its owner only) and to the server's console
(through the copy of the kernel's original standard error that ipykernel keeps: the standard error a kernel
writes to is forwarded to the page). There too, a kernel prints every thread's Python stack on ``SIGUSR1``
(``kill -USR1 <kernel pid>``), for a page that seems stuck.

The warnings of the kernel's widget messaging go the same way (:data:`LIBRARY_LOGGERS`): "No such comm" means
the page sent something (a button pressed) to a widget the kernel doesn't have, and Python's last-resort
handler would have written it to the learner's page instead. (Not the copy ipykernel 7 logs while a browser
connects: see :func:`_only_real_comm_warnings`.)
"""

from __future__ import annotations

import faulthandler
import logging
import os
import signal
import sys
import threading
from pathlib import Path

LOG_NAME = "plnkit.log"
#: What ``plnkit serve`` has to tell the operator (the course's address, where work is kept, a workshop's
#: facilitator link), handed to the server in the environment: the server prints it on its console once it
#: listens, and takes it out of the environment before any kernel starts (``server.CourseServer``).
READY_MESSAGE_ENV = "PLNKIT_READY_MESSAGE"
FORMAT = "%(asctime)s %(levelname)s %(name)s [pid %(process)d] %(message)s"

#: Loggers of the libraries a page's widgets speak through (``comm``, ipykernel's comm manager): their warnings
#: and errors go where plnkit's do, not to the page.
LIBRARY_LOGGERS = ("Comm", "ipykernel.comm")

_lock = threading.Lock()
_installed: set[str] = set()


def install(home: Path | None = None) -> None:
    """Route ``plnkit`` logging to the server console and, once ``home`` is known, to its log file (0600)."""
    logger = logging.getLogger("plnkit")
    with _lock:
        if "console" not in _installed:
            # ipykernel forwards the process's own stderr (fd 2) to the page as well, so the server console is
            # reached through the copy of the original fd it keeps. A kernel that doesn't capture fd 2 (ipykernel
            # doesn't under pytest, or where it can't) still writes it to the server console: that, then.
            original = getattr(sys.stderr, "_original_stdstream_copy", None)
            stream = (os.fdopen(os.dup(original), "w", buffering=1) if isinstance(original, int)
                      else sys.__stderr__ if in_kernel() else None)
            if stream is not None:
                console = logging.StreamHandler(stream)
                console.setFormatter(logging.Formatter(FORMAT))
                console.setLevel(logging.WARNING)
                for each in _routed():
                    each.addHandler(console)
                if hasattr(signal, "SIGUSR1"):  # not on Windows
                    faulthandler.register(signal.SIGUSR1, file=stream, all_threads=True)
            logger.setLevel(logging.INFO)
            logging.getLogger("Comm").addFilter(_only_real_comm_warnings)
            for each in _routed():
                each.propagate = False  # the root logger's last resort writes to sys.stderr: the learner's page
            _installed.add("console")
        if home is not None and "file" not in _installed:
            path = Path(home) / LOG_NAME
            try:
                if not path.parent.is_dir():
                    path.parent.mkdir(parents=True, mode=0o700)
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))
                handler = logging.FileHandler(path, encoding="utf-8")
            except OSError:
                return  # a read-only folder: the console still has it
            handler.setFormatter(logging.Formatter(FORMAT))
            for each in _routed():
                each.addHandler(handler)
            _installed.add("file")


#: The thread on which ipykernel 7 reads a browser's messages before handing them to the kernel's main thread.
SHELL_CHANNEL_THREAD = "Shell channel"


def _only_real_comm_warnings(record: logging.LogRecord) -> bool:
    """Drop the "No such comm" that ipykernel 7 logs on its shell channel thread when a browser opens a comm
    and at once writes to it: that thread looks the comm up only to choose where to send the message, before the
    main thread has handled the open. The message still arrives; were the comm truly missing, the main thread
    logs it again, and that one is kept (seen on every page as it connected: it hid the warnings that matter)."""
    return not (record.threadName == SHELL_CHANNEL_THREAD and record.getMessage().startswith("No such comm"))


def _routed() -> list[logging.Logger]:
    """The loggers :func:`install` routes: ``plnkit``'s and :data:`LIBRARY_LOGGERS`."""
    return [logging.getLogger(name) for name in ("plnkit", *LIBRARY_LOGGERS)]


def in_kernel() -> bool:
    """True inside a running Jupyter kernel (a course page), where stderr reaches the learner's browser.

    False in a process that has only imported ipykernel (a test, or ``plnkit serve``'s zygote, which imports
    everything a kernel needs before any kernel exists: see :mod:`plnkit.services._zygote`).
    """
    kernelapp = getattr(sys.modules.get("ipykernel"), "kernelapp", None)
    return kernelapp is not None and bool(kernelapp.IPKernelApp.initialized())


def started_by_voila() -> bool:
    """True in a course page's kernel that Voila started: :func:`in_kernel`, and ``VOILA_BASE_URL`` (which Voila
    sets for every kernel it starts, to the server's base URL, beginning with ``/``) is set. False in someone's
    own notebook or console, where a browser listens to the kernel all along, and outside a kernel.

    (:func:`plnkit.charts._static.served_base` reads the same variable, below this layer.)
    """
    return in_kernel() and os.environ.get("VOILA_BASE_URL", "").startswith("/")


def kernel_setup() -> None:
    """What plnkit does once in a course page's kernel, at import (or, in a kernel forked from the zygote, as
    soon as the kernel exists): log to the operator, never to the page, and refuse browser-made widgets."""
    if in_kernel():
        install()
        refuse_browser_widgets()


def refuse_browser_widgets() -> None:
    """Stop a page from creating widgets in its kernel (a browser ``comm_open`` to ``jupyter.widget``).

    Voila lets widget messages through from the browser, and each widget a page asks for lives in the kernel:
    a script could grow a kernel by hundreds of megabytes a minute. The course creates every widget in the
    kernel, so the browser never needs to; such a request is closed at once and logged.
    """
    try:
        import ipywidgets  # noqa: F401 - it registers its own target when imported: ours must come after it
        from comm import get_comm_manager

        manager = get_comm_manager()
    except Exception:  # noqa: BLE001 - outside a kernel there is nothing to protect
        return

    def refuse(comm: object, _msg: object) -> None:
        logging.getLogger("plnkit").warning("refused a widget the browser asked this kernel to create")
        close = getattr(comm, "close", None)
        if callable(close):
            close()

    manager.register_target("jupyter.widget", refuse)
