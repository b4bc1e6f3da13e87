"""Open a page in headless Chromium, time it to interactive, and read its kernel's memory.

Shared by the page benchmarks (``pages.py`` here, ``preheat.py`` for ``plnkit serve`` with preheated kernels):

- :func:`start_voila` / :func:`start_jupyter_server` start a server on a free loopback port, in its own process
  group, serving one folder (:class:`Server`); :func:`stop` ends it and everything it started.
- :func:`open_page` loads one page in a fresh browser context and returns a :class:`PageRun`: seconds from the
  request to *interactive* (every widget of the page rendered: :data:`RENDERED_JS`), and the VmRSS of the
  kernel the page started, in MiB.
- :func:`floor_notebook` writes the one-slider floor notebook (``import ipywidgets as w; w.IntSlider()``).

Only loopback addresses are used. Times are wall-clock on a shared machine: compare ratios from one run.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

VENV_BIN = Path(sys.executable).parent
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]

#: True once the page is interactive: the whole page has arrived (every cell ran) and Voila has connected to the
#: kernel and replaced every widget output (a ``<script type="application/vnd.jupyter.widget-view+json">``)
#: with its rendered widget view.
RENDERED_JS = """() => document.readyState !== 'loading'
  && !document.querySelector('script[type="application/vnd.jupyter.widget-view+json"]')
  && document.querySelectorAll('.jp-OutputArea-output .jupyter-widgets').length > 0"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    """A running server: its process, base URL, the path prefix pages are rendered under, and its token."""

    proc: subprocess.Popen[bytes]
    base: str
    render: str = "/voila/render/"
    token: str = ""
    kernels_seen: set[int] = field(default_factory=set)

    def url(self, notebook: str) -> str:
        query = f"?token={self.token}" if self.token else ""
        return f"{self.base}{self.render}{notebook}{query}"


def _wait_for_http(url: str, proc: subprocess.Popen[bytes], timeout: float = 90) -> None:
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


def _popen(args: list[str], root: Path, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with open(log, "ab") as out:
        return subprocess.Popen(args, cwd=root, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)


#: Standalone Voila refuses a page's own kernel shutdown ("'_xsrf' argument missing", voila issue 1458), so
#: kernels would pile up over a benchmark; with this setting the page can shut its kernel down when measured.
NO_XSRF = '--Voila.tornado_settings={"disable_check_xsrf": True}'


def start_voila(root: Path, env: dict[str, str], log: Path, *extra: str) -> Server:
    """Plain ``voila ROOT`` (standalone, directory mode) on a free loopback port (see :data:`NO_XSRF`)."""
    port = free_port()
    proc = _popen([str(VENV_BIN / "voila"), str(root), "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1",
                   NO_XSRF, *extra], root, env, log)
    server = Server(proc, f"http://127.0.0.1:{port}")
    try:
        _wait_for_http(f"{server.base}/voila/static/voila.js", proc)
    except BaseException:
        stop(server)
        raise
    return server


def start_jupyter_server(root: Path, env: dict[str, str], log: Path, *extra: str) -> Server:
    """``jupyter server`` with the Voila server extension (as on Binder or JupyterHub), token-protected.

    The extension is enabled by Voila's own installed config (``jupyter_server_config.d/voila.json``).
    """
    port, token = free_port(), secrets.token_hex(16)
    proc = _popen([str(VENV_BIN / "jupyter"), "server", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
                   f"--ServerApp.root_dir={root}", f"--IdentityProvider.token={token}",
                   *(["--allow-root"] if os.geteuid() == 0 else []), *extra], root, env, log)
    server = Server(proc, f"http://127.0.0.1:{port}", token=token)
    try:
        _wait_for_http(f"{server.base}/api/status?token={token}", proc)
    except BaseException:
        stop(server)
        raise
    return server


def stop(server: Server) -> None:
    """End the server's process group (the server and the kernels it started)."""
    proc = server.proc
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)
    for pid in server.kernels_seen:  # kernels run in their own session: end any that outlived the server
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def kernel_pids(server_pid: int) -> dict[int, str]:
    """The ipykernel processes a server started (its children, or its zygote's: ``plnkit/services/_zygote.py``),
    found by parent id, with their kernel ids."""
    parents: dict[int, int] = {}
    cmdlines: dict[int, str] = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdlines[int(proc.name)] = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            parents[int(proc.name)] = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
    below, todo = set(), [server_pid]
    while todo:
        parent = todo.pop()
        for pid, ppid in parents.items():
            if ppid == parent and pid not in below:
                below.add(pid)
                todo.append(pid)
    found: dict[int, str] = {}
    for pid in below:
        if "ipykernel" in cmdlines.get(pid, ""):
            match = re.search(r"kernel-([0-9a-f-]{36})\.json", cmdlines[pid])
            found[pid] = match.group(1) if match else ""
    return found


def rss_mib(pid: int) -> float:
    """A process's resident memory (VmRSS) in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def kernel_modules(pid: int) -> int:
    """How many Python shared objects a kernel has mapped (a rough count of what it imported that is native)."""
    maps = Path(f"/proc/{pid}/maps").read_text()
    return len({line.split()[-1] for line in maps.splitlines() if line.endswith(".so") or ".so." in line})


@dataclass
class PageRun:
    """One page load: seconds to interactive, and the RSS of the page's kernel in MiB once rendered."""

    seconds: float
    rss_mib: float


_SHUTDOWN_JS = """async (id) => (await fetch('/api/kernels/' + id, {method: 'DELETE'})).status"""


def shutdown_kernel(server: Server, kernel_id: str, pid: int, page: Any = None) -> None:
    """Shut a kernel down through the server's API (with the token, or from the page itself) and wait for it."""
    if server.token:
        request = urllib.request.Request(f"{server.base}/api/kernels/{kernel_id}", method="DELETE",
                                         headers={"Authorization": f"token {server.token}"})
        with urllib.request.urlopen(request, timeout=20):
            pass
    elif page is not None:
        status = page.evaluate(_SHUTDOWN_JS, kernel_id)
        if status != 204:
            raise RuntimeError(f"kernel shutdown answered {status}")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and Path(f"/proc/{pid}").exists():
        time.sleep(0.1)


def open_page(browser: Any, server: Server, notebook: str, timeout_s: float = 120,
              settle_s: float = 0.5) -> PageRun:
    """Load ``notebook`` in a fresh browser context, wait until every widget is rendered, read its kernel's RSS.

    Returns the seconds from the request to interactive and the kernel's VmRSS (MiB) ``settle_s`` after it.
    The page's kernel is shut down afterwards, so kernels never pile up. Raises ``RuntimeError`` when the page
    started no kernel, and Playwright's ``TimeoutError`` when it is not interactive within ``timeout_s``.
    """
    before = set(kernel_pids(server.proc.pid))
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    try:
        page = context.new_page()
        page.set_default_timeout(timeout_s * 1000)
        start = time.perf_counter()
        page.goto(server.url(notebook), wait_until="commit")  # "load" may wait on fonts
        page.wait_for_function(RENDERED_JS, polling=50)
        seconds = time.perf_counter() - start
        time.sleep(settle_s)
        fresh = {pid: kid for pid, kid in kernel_pids(server.proc.pid).items() if pid not in before}
        if not fresh:
            raise RuntimeError(f"{notebook}: no new kernel found")
        pid, kernel_id = max(fresh.items())
        server.kernels_seen.add(pid)
        rss = rss_mib(pid)
        shutdown_kernel(server, kernel_id, pid, page)
    finally:
        context.close()
    return PageRun(seconds, rss)


def floor_notebook(folder: Path, name: str = "floor.ipynb", template: str | None = "plnkit") -> Path:
    """Write the one-slider floor notebook into ``folder`` (never the repository) and return its path.

    It uses the course pages' Voila ``template`` (the same page script and styles), so a ratio to the floor
    measures what the notebook adds, not the template.
    """
    cell = {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
            "source": "import ipywidgets as w\nw.IntSlider()"}
    metadata: dict[str, Any] = {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}}
    if template:
        metadata["voila"] = {"template": template}
    nb = {"cells": [cell], "metadata": metadata, "nbformat": 4, "nbformat_minor": 5}
    path = folder / name
    path.write_text(json.dumps(nb))
    return path


def launch_chromium(playwright: Any, executable: str | None = None) -> Any:
    """Headless Chromium (the system one from ``PLNKIT_CHROMIUM`` or /usr/bin/chromium when present)."""
    executable = executable or os.environ.get("PLNKIT_CHROMIUM") or (
        "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    return playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
