"""Course kernels forked from one warm process instead of started from nothing.

A new kernel imports ipykernel, IPython, jupyter_client, pyzmq, ipywidgets and plnkit before it runs a page: about
half a second of CPU per page (``py-spy`` of ``benchmarks/room.py``), taken, in a room of 25 opening a hundred pages
on a 2-core laptop, from the pages being opened. So ``plnkit serve`` starts one helper, the **zygote** (``python -m
plnkit.services._zygote``), which imports all of that once and waits. Each course kernel is a ``fork()`` of it: the
child has every module loaded (copy-on-write), sets up the environment, folder, session and signals the server asked
for, and runs ipykernel's entry point with the server's command line, as ``python -m ipykernel_launcher`` would.

- **Server side:** :class:`ForkProvisioner` (a ``LocalProvisioner``) asks :class:`Zygote` for the kernel; a command
  it doesn't recognise (another kernel or Python), a zygote that has died or doesn't answer within
  :data:`ANSWER_SECONDS` falls back to the usual start, said once in the operator's log. A zygote that died (the
  out-of-memory killer's pick, a ``kill``) is replaced for later kernels, at most :data:`RESTARTS_PER_HOUR` an hour.
- **The kernel is not the server's child** (the zygote's): :class:`ForkedProcess` follows it through a Linux ``pidfd``
  (or ``kill(pid, 0)``) and signals its process group as ``LocalProvisioner`` does. The kernel watches the server in
  turn (:func:`_end_with`, instead of ipykernel's parent check, which would watch the zygote): it ends with the
  server, and outlives a zygote that has died. The zygote ends with the server too (its socket closes), and ignores
  ``SIGCHLD``, so ended kernels leave no zombies.
- **What the zygote holds:** modules only. It makes no thread, event loop, ZeroMQ context, database connection or
  learner session before forking (:func:`warm` checks that it runs a single thread).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from jupyter_client.connect import KernelConnectionInfo
from jupyter_client.provisioning import LocalProvisioner

log = logging.getLogger("plnkit.services.server")

#: How long the server waits for the zygote to answer a fork request before starting the kernel the usual way.
ANSWER_SECONDS = 10.0
#: What the zygote imports before forking (a forked kernel then imports none of it: about 0.1 s of CPU per page):
#: what every page's kernel imports, the formats a page imports only when used, and (in :func:`warm`) every
#: component module a page's import cell names (plnkit's export table).
WARM_MODULES = ("setproctitle", "ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.comm", "ipywidgets", "plnkit",
                "plnkit.widgets", "plnkit.widgets.page", "plnkit.services.session", "plnkit.services.store",
                "plnkit.formats._evidence_record", "plnkit.formats.portfolio", "plnkit.services.feedcache",
                "plnkit.formats._sax", "plnkit.formats._netscape", "plnkit.formats._feedlinks")
LAUNCHER = ("-m", "ipykernel_launcher")
#: How many times an hour a zygote that has died is replaced; past that, kernels start the usual way.
RESTARTS_PER_HOUR = 3


class ZygoteError(RuntimeError):
    """The zygote could not fork a kernel (it has ended, or did not answer in time)."""


class Zygote:
    """The server's handle on its zygote process: :meth:`fork` a kernel from it.

    Thread-safe. :meth:`shared` gives the one of this process (``plnkit serve`` starts it with :meth:`start_shared`).
    """

    _shared: Zygote | None = None
    _shared_lock = threading.Lock()
    _restarts: list[float] = []  # when the shared zygote was replaced (time.monotonic), in the last hour

    def __init__(self, python: str = sys.executable, env: dict[str, str] | None = None) -> None:
        self.python = python
        self._lock = threading.Lock()
        self._warned = False
        self._sock, theirs = socket.socketpair()
        with theirs:  # requests and answers go over this; the zygote's output is the server's console
            self.proc = subprocess.Popen([python, "-m", "plnkit.services._zygote", str(theirs.fileno())],
                                         stdin=subprocess.DEVNULL, pass_fds=[theirs.fileno()],
                                         env=env if env is not None else os.environ.copy())
        self._sock.settimeout(ANSWER_SECONDS)
        self._answers = self._sock.makefile("rb")

    @classmethod
    def shared(cls) -> Zygote | None:
        return cls._shared

    @classmethod
    def start_shared(cls) -> Zygote:
        """Start this process's zygote (once): ``plnkit serve`` calls it before its first kernel."""
        with cls._shared_lock:
            if cls._shared is None or not cls._shared.alive():
                cls._shared = cls()
            return cls._shared

    @classmethod
    def replace_dead(cls) -> Zygote | None:
        """Replace this process's zygote if it has died (the new one warms up while this kernel starts the usual
        way), at most :data:`RESTARTS_PER_HOUR` times an hour. Returns the zygote now shared, or None."""
        with cls._shared_lock:
            old = cls._shared
            if old is None or old.alive():
                return old
            now = time.monotonic()
            cls._restarts[:] = [t for t in cls._restarts if now - t < 3600]
            if len(cls._restarts) >= RESTARTS_PER_HOUR:
                return None
            cls._restarts.append(now)
            old.stop()
            cls._shared = cls(old.python)
            log.warning("the zygote ended (exit code %s): started a new one for the next kernels", old.proc.returncode)
            return cls._shared

    @classmethod
    def stop_shared(cls) -> None:
        with cls._shared_lock:
            if cls._shared is not None:
                cls._shared.stop()
                cls._shared = None

    def alive(self) -> bool:
        return self.proc.poll() is None

    def can_run(self, cmd: list[str]) -> bool:
        """True for the command of an ipykernel kernel of this zygote's Python (what it can stand in for)."""
        return len(cmd) >= 3 and tuple(cmd[1:3]) == LAUNCHER and os.path.realpath(cmd[0]) == os.path.realpath(
            self.python) and self.alive()

    def fork(self, cmd: list[str], env: dict[str, str], cwd: str) -> int:
        """Fork a kernel that runs ``cmd`` (``python -m ipykernel_launcher ARGS``) with ``env`` in ``cwd``.

        Returns its process id, the leader of a new session. Raises :class:`ZygoteError` when the zygote has
        ended or did not answer in :data:`ANSWER_SECONDS`.
        """
        request = json.dumps({"argv": list(cmd[3:]), "env": env, "cwd": cwd}).encode() + b"\n"
        with self._lock:
            if not self.alive():
                raise ZygoteError("the zygote has ended")
            try:
                self._sock.sendall(request)
                answer = json.loads(self._answers.readline() or b"{}")
            except TimeoutError as exc:
                self.proc.kill()  # a late answer would be taken for the next request's
                raise ZygoteError("the zygote did not answer") from exc
            except (OSError, ValueError) as exc:
                raise ZygoteError(f"the zygote could not be asked: {exc}") from exc
            if not isinstance(answer.get("pid"), int):
                raise ZygoteError(str(answer.get("error") or "the zygote has ended"))
            return int(answer["pid"])

    def stop(self) -> None:
        """End the zygote (its kernels end too: their parent check sees it go)."""
        with contextlib.suppress(OSError):
            self._answers.close()
            self._sock.close()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def fell_back(self, why: str) -> None:
        if not self._warned:
            self._warned = True
            log.warning("starting kernels the usual way (slower): %s", why)


class ForkedProcess:
    """A kernel forked by the zygote, with the part of :class:`subprocess.Popen`'s interface that
    ``LocalProvisioner`` uses (``pid``, ``poll``, ``wait``, ``send_signal``, ``terminate``, ``kill``)."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None
        self._signal = 0
        try:
            self._fd: int | None = os.pidfd_open(pid)
        except (AttributeError, OSError):  # not Linux 5.3+, or it has ended already
            self._fd = None

    def poll(self) -> int | None:
        if self.returncode is not None:
            return self.returncode
        ended = bool(select.select([self._fd], [], [], 0)[0]) if self._fd is not None else not _exists(self.pid)
        if ended:
            self.returncode = -self._signal if self._signal else 0  # its real status went to the zygote
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(f"kernel {self.pid}", timeout or 0)
            time.sleep(0.02)
        return int(self.returncode or 0)

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            self._signal = signum
            os.kill(self.pid, signum)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


def _exists(pid: int) -> bool:  # where there is no pidfd
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True


class ForkProvisioner(LocalProvisioner):
    """``LocalProvisioner`` that forks the kernel from this server's :class:`Zygote` when it can."""

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> KernelConnectionInfo:
        zygote = Zygote.shared()
        if zygote is None or not zygote.can_run(cmd):
            if zygote is not None:
                zygote.fell_back("the zygote has ended" if not zygote.alive() else "a kernel it can't run")
                Zygote.replace_dead()  # when it has died: for the kernels after this one
            return await super().launch_kernel(cmd, **kwargs)
        env = dict(kwargs.get("env") or os.environ)
        env["JPY_PARENT_PID"] = str(os.getpid())  # as jupyter_client's launcher sets it: the kernel's watch
        cwd = str(kwargs.get("cwd") or Path.cwd())
        try:  # off the server's event loop: a zygote still warming up must not stall every page
            pid = await asyncio.get_running_loop().run_in_executor(None, zygote.fork, cmd, env, cwd)
        except ZygoteError as exc:
            zygote.fell_back(str(exc))
            return await super().launch_kernel(cmd, **kwargs)
        self.process = ForkedProcess(pid)  # type: ignore[assignment]
        self.pid = pid
        self.pgid = pid  # the child made itself a session (and process group) leader
        self.cwd = cwd
        return self.connection_info


# --- the zygote process ------------------------------------------------------------------------------------


def warm() -> None:
    """Import what every course kernel imports, then freeze it for the garbage collector (so forked kernels
    share those pages instead of copying them when a collection touches them)."""
    import gc
    import importlib

    import plnkit

    for name in [*WARM_MODULES, *sorted({"plnkit" + module for module in plnkit._EXPORTS.values()})]:
        try:
            importlib.import_module(name)
        except ImportError:
            if name == "setproctitle":  # optional (see _set_title)
                continue
            raise
    if threading.active_count() != 1:  # a thread would not survive fork(): nothing here may start one
        raise RuntimeError(f"the zygote started threads: {threading.enumerate()}")
    from ipykernel import ipkernel

    if getattr(ipkernel, "_comm_manager", None) is not None:  # each kernel must make its own
        raise RuntimeError("the zygote made a comm manager")
    gc.collect()
    gc.freeze()


def _child(request: dict[str, Any], channel: socket.socket) -> None:
    """In the forked kernel: become what ``python -m ipykernel_launcher ARGS`` would have been, then run it."""
    code = 1
    try:
        os.close(channel.detach())  # the zygote's, not the kernel's (its file objects see it closed)
        os.setsid()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.close(devnull)
        _set_title([sys.executable, "-m", "ipykernel_launcher", *request["argv"]])  # before the environment
        os.environ.clear()  # changes (setproctitle finds the memory it may use through it)
        os.environ.update({str(k): str(v) for k, v in request["env"].items()})
        os.chdir(request["cwd"])
        if sys.path and sys.path[0] == _started_in:  # python -m puts its folder first: the kernel's, not ours
            sys.path[0] = os.getcwd()
        # ipykernel's parent check would watch the zygote, ending every page with it: off (1: "PID 1, never goes
        # away"; 0 prints a banner on the operator's console per kernel); the kernel watches the server instead.
        server = int(os.environ.get("JPY_PARENT_PID") or 0)
        sys.argv = ["ipykernel_launcher", *request["argv"], "--IPKernelApp.parent_handle=1"]
        _end_with(server)
        _run_kernel()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:  # noqa: BLE001 - reported on the server's console, as a failed kernel start would be
        import traceback

        traceback.print_exc()
    finally:
        try:
            import atexit

            atexit._run_exitfuncs()  # ipykernel's and ours (a quick exit ends here)
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def _end_with(pid: int) -> None:
    """End this kernel as soon as process ``pid`` (the server that asked for it) has ended, as ipykernel ends
    a kernel whose parent has gone. Watched on a daemon thread, through a Linux ``pidfd`` (or once a second)."""
    if pid <= 1:
        return

    def watch() -> None:
        try:
            fd: int | None = os.pidfd_open(pid)
        except (AttributeError, OSError):  # an old kernel, or the server has gone already
            fd = None
        if fd is not None:
            select.select([fd], [], [])  # readable once the process has ended
        else:
            while _exists(pid):
                time.sleep(1)
        os._exit(1)

    threading.Thread(target=watch, name="plnkit-server-watch", daemon=True).start()


def _set_title(argv: list[str]) -> None:
    """Show the kernel as ``python -m ipykernel_launcher -f ...kernel-<id>.json`` in ``ps``, ``top`` and
    ``/proc/<pid>/cmdline``, as a kernel started the usual way shows (not as the zygote it was forked from)."""
    try:
        import setproctitle
    except ImportError:  # a plain install without it still works; its kernels just look like the zygote
        return
    setproctitle.setproctitle(" ".join(argv))


def _run_kernel() -> None:
    """``ipykernel_launcher``'s ``launch_new_instance()``, with what the warm modules do at import in a kernel
    done once the kernel exists (they were imported before there was one)."""
    import ipywidgets
    from ipykernel import kernelapp

    from . import _log

    app = kernelapp.IPKernelApp.instance()
    app.initialize()
    ipywidgets.register_comm_target()  # ipywidgets does this at import, when imported inside a kernel
    _log.kernel_setup()  # plnkit's own (after ipywidgets': it replaces one of its targets)
    app.start()


_started_in = os.getcwd()  # the zygote's folder (python -m put it first on sys.path)


def main(fd: int) -> None:
    """The zygote: warm up, then fork a kernel for each request line on socket ``fd`` until the server closes it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the server; the zygote ends with its socket
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # ended kernels are reaped by the system: no zombies
    channel = socket.socket(fileno=fd)
    requests, answers = channel.makefile("rb"), channel.makefile("wb")
    try:
        warm()
    except Exception as exc:  # noqa: BLE001 - the server falls back to starting kernels the usual way
        answers.write(json.dumps({"error": f"the zygote could not warm up: {exc!r}"}).encode() + b"\n")
        answers.flush()
        raise
    for line in requests:
        try:
            request = json.loads(line)
        except ValueError:
            continue
        try:
            pid = os.fork()
        except OSError as exc:
            answers.write(json.dumps({"error": f"fork failed: {exc}"}).encode() + b"\n")
            answers.flush()
            continue
        if pid == 0:
            _child(request, channel)
        answers.write(json.dumps({"pid": pid}).encode() + b"\n")
        answers.flush()


if __name__ == "__main__":
    main(int(sys.argv[1]))
