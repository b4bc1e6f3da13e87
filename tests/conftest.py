"""Shared fixtures: temporary stores, a real Voila server on a loopback port, and headless Chromium."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any

import pytest

from plnkit.services import session
from plnkit.services.store import Store

from .feedserver import FeedServer
from .pgserver import PostgresServer

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
ENGINES = ("sqlite", "postgresql")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A real PostgreSQL server on loopback for the whole run (skips where PostgreSQL is not installed)."""
    try:
        server = PostgresServer(free_port())
    except FileNotFoundError as exc:
        pytest.skip(f"{exc}: the store tests ran on SQLite only")
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(scope="module")
def own_postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL server of one test module's own (shared by no other module), which tests stop and start."""
    try:
        server = PostgresServer(free_port())
    except FileNotFoundError as exc:
        pytest.skip(str(exc))
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    """Each store test runs once per database engine: ``"sqlite"`` and ``"postgresql"``."""
    return str(request.param)


@pytest.fixture
def database(engine: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A fresh, empty course database for this test: a SQLite file's path or a PostgreSQL URL."""
    if engine == "postgresql":
        return str(request.getfixturevalue("postgres").database())
    return str(tmp_path / "plnkit.sqlite3")


@pytest.fixture
def store(database: str) -> Iterator[Store]:
    """A fresh store (on each engine), also installed as this process's session."""
    s = Store(database)
    session.use(session.Session(s, s.learner("local")))
    yield s
    session.use(None)
    s.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_http(url: str, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited early with code {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server did not answer at {url}")


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)


class Server:
    """A running course server: its base URL, where course pages live, and its data folder."""

    def __init__(self, proc: subprocess.Popen[bytes], base: str, render: str, home: Path) -> None:
        self.proc, self.base, self.render, self.home = proc, base, render, home

    def page(self, notebook: str) -> str:
        return f"{self.base}{self.render}{notebook}"


#: Lines of a stack dump (``faulthandler``'s) in a server's log: the report shows the stacks on their own.
STACK_LINES = ("  File ", "Thread 0x", "Current thread 0x", "Stack (most recent")

#: Browser console lines that say nothing about a failure (JupyterLab's shared-module version notices).
CONSOLE_NOISE = ("Unsatisfied version", "No satisfying version", "Available versions")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """A failed test says, briefly and most telling first (CI shows only a part of a long report): what its page
    showed, the end of the course server's logs (``plnkit.log``, the kernels'; ``server.log``, the operator's),
    what the browser's console said, and the Python stacks of the server's kernels."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if report.when != "call" or not report.failed:
        return
    funcargs = getattr(item, "funcargs", {})
    shown = list(getattr(item, "plnkit_pages", []))  # pages the test closed, then those still open
    for context in getattr(funcargs.get("browser"), "contexts", []) if "browser" in funcargs else []:
        shown.extend(_shown(pg) for pg in context.pages)
    if shown:
        report.sections.append((f"what the test's pages showed (last {min(len(shown), 3)} of {len(shown)})",
                                "\n\n".join(shown[-3:])))
    console = [line for line in getattr(item, "plnkit_console", []) if not any(n in line for n in CONSOLE_NOISE)]
    if console:
        report.sections.append((f"browser console (last {min(len(console), 20)} messages)", "\n".join(console[-20:])))
    for name, value in funcargs.items():
        log = value.home / "server.log" if isinstance(value, Server) else None
        if log is None or not log.exists():
            continue
        kernels_log = value.home / "plnkit.log"
        tail = kernels_log.read_text(errors="replace").splitlines()[-25:] if kernels_log.exists() else []
        if tail:
            report.sections.append((f"plnkit.log of '{name}' (last {len(tail)} lines)", "\n".join(tail)))
        # Read before this report's stacks are written there; an earlier report's stacks are left out too.
        tail = [line for line in log.read_text(errors="replace").splitlines()
                if not line.startswith(STACK_LINES)][-25:]
        report.sections.append((f"server log of '{name}' (last {len(tail)} lines)", "\n".join(tail)))
        stacks = kernel_stacks(value)
        if stacks:
            report.sections.append((f"Python stacks of the kernels of '{name}' (busy threads)", stacks))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """A test run again after a first failure (``tasks.py test`` reruns a browser test whose page wait timed
    out, once) is not hidden by passing the second time: its first failure is printed here, in full, with what
    its pages showed and the servers' logs. So is each page that reloaded itself because parts of it stayed
    "Loading widget..." (:data:`SELF_RELOADS`), outside the tests that make that happen on purpose."""
    healed = [line for line in SELF_RELOADS if "reloads_itself" not in line.split(": ", 1)[0]]  # not on purpose
    if healed:
        terminalreporter.write_sep("=", f"pages that reloaded themselves, stuck on 'Loading widget...' ({len(healed)})",
                                   yellow=True)
        for line in healed:
            terminalreporter.write_line(line)
    reruns = terminalreporter.stats.get("rerun", [])
    if not reruns:
        return
    terminalreporter.write_sep("=", f"failed once, then run again ({len(reruns)}): the first failure", yellow=True)
    for report in reruns:
        terminalreporter.write_sep("_", report.nodeid)
        terminalreporter.write_line(str(report.longrepr)[-3000:])
        for title, text in report.sections:
            terminalreporter.write_sep("-", title)
            terminalreporter.write_line(text)


def page_text(page: Any, most: int = 1200) -> str:
    """The text a Playwright page shows, whitespace folded, at most ``most`` characters ("" when there is none)."""
    if page is None or not hasattr(page, "locator"):
        return ""
    try:
        return " ".join(page.locator("body").inner_text(timeout=5_000).split())[:most]
    except Exception as exc:  # noqa: BLE001 - closed, crashed: say so
        return f"(could not be read: {type(exc).__name__})"


#: A thread whose innermost frame is here is waiting for work, not doing any.
#: (Innermost in threading.py: a join, an Event or a Condition; in _zygote.py: its watch on the zygote.)
IDLE_FRAMES = ("/selectors.py\"", "/zmq/", "/threading.py\"", "/_zygote.py\"", "/queue.py\"")


def kernel_stacks(server: Server, most: int = 80) -> str:
    """What each kernel of a running server is doing: its threads' Python stacks (it prints them when sent
    ``SIGUSR1``, see ``services/_log.py``, into the server's log), idle threads left out, innermost frames
    first, at most ``most`` lines ("" when no kernel could be asked). Only a kernel that handles the signal is
    sent it (``SigCgt`` in ``/proc``): the signal would end any other."""
    log = server.home / "server.log"
    if server.proc.poll() is not None or not log.exists():
        return ""
    said: list[str] = []
    for pid in kernel_pids(server.proc.pid):
        try:
            status = (Path("/proc") / str(pid) / "status").read_text()
            caught = int(next(line.split()[1] for line in status.splitlines() if line.startswith("SigCgt:")), 16)
            if not caught & (1 << (signal.SIGUSR1 - 1)):
                continue
            size = log.stat().st_size
            os.kill(pid, signal.SIGUSR1)
        except (OSError, StopIteration, ValueError):
            continue
        time.sleep(0.5)  # one kernel at a time, so their stacks are not interleaved
        with open(log, "rb") as f:
            f.seek(size)
            printed = f.read().decode(errors="replace")
        busy = busy_threads(printed)
        waiting = "wait_for_request" in printed
        said.append(f"kernel {pid}: " + ("a preheated kernel waiting for its request" if waiting and not busy
                                         else "idle" if not busy else f"{len(busy)} busy thread(s)"))
        for thread in busy:
            said.extend("  " + line for line in thread[:8])
    return "\n".join(said[:most])


def busy_threads(printed: str) -> list[list[str]]:
    """The threads in a ``faulthandler`` dump that are doing something: each as its header line and frames."""
    threads: list[list[str]] = []
    for line in printed.splitlines():
        if line.startswith(("Thread 0x", "Current thread 0x")):
            threads.append([line])
        elif threads and line.strip().startswith("File "):
            threads[-1].append(line.strip())
    return [t for t in threads if len(t) > 1 and not any(idle in t[1] for idle in IDLE_FRAMES)
            and "wait_for_request" not in "".join(t)]


@pytest.fixture(scope="session")
def feed_server() -> Iterator[FeedServer]:
    """A loopback feed server for the whole session (exempted for the Voila server's kernels)."""
    s = FeedServer().start()
    yield s
    s.stop()


def serve(home: Path, *args: str, env: dict[str, str] | None = None, port: int | None = None) -> Server:
    """Start ``plnkit serve`` with ``args`` on a free loopback port; its output goes to ``home/server.log``.

    Stop it with :func:`stop` (``server.proc``).
    """
    port = port or free_port()
    args = ("--preheat", "0", *args)  # no preheated pool unless a test asks for one (its kernels would count)
    log = open(home / "server.log", "ab")  # noqa: SIM115 - inherited by the server, closed with it
    proc = subprocess.Popen([sys.executable, "-m", "plnkit.cli", "serve", "--port", str(port), *args], cwd=ROOT,
                            env={**os.environ, "PLNKIT_HOME": str(home), **(env or {})}, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    log.close()
    scheme = "https" if "--certfile" in args else "http"
    try:
        wait_for_http(f"http://127.0.0.1:{port}/voila/static/voila.js", proc) if scheme == "http" else \
            wait_for_port(port, proc)
    except BaseException:
        stop(proc)
        raise
    return Server(proc, f"{scheme}://127.0.0.1:{port}", "/voila/render/", home)


def wait_for_port(port: int, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited early with code {proc.returncode}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"nothing listens on port {port}")


def kernel_pids(server_pid: int) -> list[int]:
    """The ipykernel processes a server started: its children, or its zygote's (``services/_zygote.py``)."""
    return [pid for pid, _start in descendants(server_pid) if "ipykernel" in command_line(pid)]


def command_line(pid: int) -> str:
    """A process's command line, its words joined by spaces ("" once it has gone). Linux only."""
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def parent_of(pid: int) -> int | None:
    """A process's parent's id, or None once it has gone. Linux only."""
    found = _parent_and_start(pid)
    return found[0] if found else None


def _parent_and_start(pid: int) -> tuple[int, str] | None:
    """A process's parent id and start time (clock ticks since boot), or None once it is gone (or a zombie)."""
    try:
        fields = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return None if fields[0] in ("Z", "X") else (int(fields[1]), fields[19])


def descendants(pid: int) -> list[tuple[int, str]]:
    """Every process below ``pid`` (children, grandchildren, ...; whatever session they started), as (pid, start
    time) pairs so a pid reused later is never signalled. Linux only (reads /proc)."""
    children: dict[int, list[tuple[int, str]]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            found = _parent_and_start(int(entry.name))
            if found:
                children.setdefault(found[0], []).append((int(entry.name), found[1]))
    tree, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            tree.append(child)
            todo.append(child[0])
    return tree


def stop_tree(proc: subprocess.Popen[bytes], grace: float = 30) -> None:
    """Stop ``proc`` and every process it started, even those in sessions of their own (a hub's proxy and
    single-user servers, their kernels): SIGTERM to ``proc`` first, so it can shut its own down, then SIGTERM
    and, after a few seconds, SIGKILL to whatever of the tree (as it was before) is still running."""
    tree = descendants(proc.pid)
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)

    def alive() -> list[int]:
        return [pid for pid, started in tree if (_parent_and_start(pid) or (0, ""))[1] == started]

    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in alive():
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 5
        while alive() and time.monotonic() < deadline:
            time.sleep(0.1)


@pytest.fixture(scope="session")
def voila(tmp_path_factory: pytest.TempPathFactory, feed_server: FeedServer) -> Iterator[Server]:
    """``plnkit serve`` for real, on a free loopback port, with its own data folder."""
    home = tmp_path_factory.mktemp("voila-home")
    port = free_port()
    env = {**os.environ, "PLNKIT_HOME": str(home), "PLNKIT_FEED_ALLOW": feed_server.allow}
    log = open(home / "server.log", "wb")  # noqa: SIM115 - closed with the server
    proc = subprocess.Popen([sys.executable, "-m", "plnkit.cli", "serve", "--port", str(port)],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_for_http(f"http://127.0.0.1:{port}/", proc)
        yield Server(proc, f"http://127.0.0.1:{port}", "/voila/render/", home)
    finally:
        stop(proc)
        log.close()


def chromium_executable() -> str | None:
    """The system Chromium where present (CI installs Debian's), else Playwright's own (None)."""
    configured = os.environ.get("PLNKIT_CHROMIUM")
    if configured:
        return configured
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_executable(), args=CHROMIUM_ARGS)
        new_context = b.new_context

        def watched_context(*args: Any, **kwargs: Any) -> Any:
            context = new_context(*args, **kwargs)
            _watch(context)
            return context

        b.new_context = watched_context  # type: ignore[method-assign]  # every context a test opens is watched
        yield b
        b.close()


#: What ``course.js`` writes to the console before a page with parts stuck on "Loading widget..." reloads itself,
#: and every such line of the run, with its test: a page that healed itself passes its test, so the end of the
#: run lists them (see :func:`pytest_terminal_summary`) to find what made the parts stick.
SELF_RELOAD = "plnkit: this page reloads itself"
SELF_RELOADS: list[str] = []

#: The test running now (set by :func:`_current_test`): where the browser's watch files what it saw.
_CURRENT: dict[str, pytest.Item | None] = {"item": None}


@pytest.fixture(autouse=True)
def _current_test(request: pytest.FixtureRequest) -> Iterator[None]:
    item = request.node
    item.plnkit_console, item.plnkit_pages = [], []  # type: ignore[attr-defined]
    _CURRENT["item"] = item
    yield
    _CURRENT["item"] = None
    page = sys.modules.get("plnkit.widgets.page")
    for head in list(page._headers) if page is not None else []:  # a test's page headers stop looking with it
        head.close()


def _watch(context: Any) -> None:
    """File what ``context``'s pages say in their consoles, and what they show as the test closes them, with
    the running test (a failed test's report shows both: see :func:`pytest_runtest_makereport`)."""

    def console(line: str) -> None:
        item = _CURRENT["item"]
        if item is not None:
            item.plnkit_console.append(line[:500])  # type: ignore[attr-defined]
            if SELF_RELOAD in line:
                SELF_RELOADS.append(f"{item.nodeid}: {line[:1500]}")

    def new_page(pg: Any) -> None:
        pg.on("console", lambda msg: console(f"{msg.type}: {msg.text}"))
        pg.on("pageerror", lambda exc: console(f"page error: {exc}"))

    context.on("page", new_page)
    close = context.close

    def watched_close(*args: Any, **kwargs: Any) -> Any:
        item = _CURRENT["item"]
        if item is not None:
            item.plnkit_pages.extend(_shown(pg) for pg in context.pages)  # type: ignore[attr-defined]
        return close(*args, **kwargs)

    context.close = watched_close


def _shown(pg: Any) -> str:
    """One line saying which page it was and what it showed."""
    try:
        where = pg.url
    except Exception:  # noqa: BLE001 - closed, crashed
        where = "?"
    return f"{where}\n{page_state(pg)}\n{page_text(pg, most=800)}"


#: What a page's widgets and its kernel connection are doing (a failed test's report: was the page drawn, did
#: its widgets arrive, is it connected, is a change still waiting for the kernel).
PAGE_STATE = """() => {
  const app = window.jupyterapp, manager = app && app.widgetManager, kernel = manager && manager.kernel;
  const models = manager && manager._modelsSync;
  let pending = 0, held = 0;
  if (models && models.forEach) {
    models.forEach((m) => { pending += m._pending_msgs || 0; if (m._msg_buffer) { held++; } });
  }
  const footer = document.querySelector(".plnkit-footer");
  const loaded = footer && footer.classList.contains("plnkit-loaded");
  const banners = [...document.querySelectorAll(".plnkit-lost, .plnkit-offline")].map((b) => b.id);
  return [`document ${document.readyState}`, `footer ${footer ? (loaded ? "loaded" : "drawn, not loaded") :
    "not drawn"}`, `widget views ${document.querySelectorAll(".jupyter-widgets").length}`,
    `models ${models ? models.size : "?"}${manager ? (manager.restoredStatus ? ", restored" : ", not restored") : ""}`,
    `parts still loading ${[...document.querySelectorAll(".jp-OutputArea-output")].filter((out) =>
      out.textContent.trim() === "Loading widget...").length}`,
    `kernel ${kernel ? kernel.connectionStatus + "/" + kernel.status : "?"}`,
    `messages awaiting the kernel ${pending}, models holding changes ${held}`,
    `banners ${banners.join(", ") || "none"}`].join("; ");
}"""


def page_state(pg: Any) -> str:
    """One line of :data:`PAGE_STATE` ("" when the page can't be asked)."""
    try:
        return str(pg.evaluate(PAGE_STATE))
    except Exception as exc:  # noqa: BLE001 - closed, crashed, navigating
        return f"(state unknown: {type(exc).__name__})"


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[Server]:
    """A server of this test's own (no preheated pool), which the test may stop and start again on the same port.

    For a test that kills or stops its server, and for one that adds what it then counts (a person, a bookmark
    file, a finished module): run again after a timeout, such a test would find its first try's work on the
    shared ``voila`` server."""
    home = tmp_path / "home"
    home.mkdir()
    server = serve(home)
    try:
        yield server
    finally:
        stop(server.proc)


@pytest.fixture
def people(browser: Any) -> Iterator[Any]:
    """New browser contexts (each its own cookies: a person at their own laptop), closed after the test."""
    contexts: list[Any] = []

    def person() -> Any:
        context = browser.new_context(viewport={"width": 1200, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(60_000)
        return page

    yield person
    for context in contexts:
        context.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1200, "height": 900})  # type: ignore[attr-defined]
    pg = context.new_page()
    pg.set_default_timeout(60_000)
    yield pg
    context.close()


def run_in_own_loop(make: Callable[[], Coroutine[Any, Any, Any]], timeout: float = 300) -> Any:
    """``asyncio.run(make())`` on a thread of its own, its result returned and its exception raised here: the test
    thread may have an event loop running already (Playwright's, after the browser tests), and ``asyncio.run()``
    refuses to start a second one there."""
    import asyncio

    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = asyncio.run(make())
        except BaseException as exc:  # noqa: BLE001 - raised again in the test's thread
            box["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise AssertionError(f"the event loop's thread did not finish in {timeout:.0f} s")
    if "error" in box:
        raise box["error"]
    return box.get("value")

