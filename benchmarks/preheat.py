"""Time to interactive of each course page under ``plnkit serve`` with preheated kernels, against the floor.

The floor is a one-slider notebook (``import ipywidgets as w; w.IntSlider()``) served by plain ``voila``: no
course page can open faster than Voila opens that. For reference, the same slider is also served by plain
``voila`` with one preheated kernel (what preheating alone gives). Each course page (00_start, 01_why_pln,
02_stages, 03_tools) is opened under ``plnkit serve --preheat N`` (a fresh data folder: a fresh learner), once a
preheated kernel waits for it. Every visit is a new headless Chromium context (no cache, no cookies). Time to
interactive is from navigation to the page's last widget drawn (the slider; the course's footer), which Voila
draws only once the page's kernel is connected.

The three servers run side by side and are visited in rounds (floor, preheated slider, 00, 01, 02, 03, then
again), so a change in the shared machine's speed during the run reaches every column alike. Prints medians of
``--runs`` rounds (default 5), each page's ratio to the floor (the goal: at most 0.8), and every run.

    .venv/bin/python benchmarks/preheat.py [--runs 5] [--preheat 1]

Everything runs on loopback ports; servers are stopped at the end. The machine is shared and noisy, so the
ratios (measured in one run) mean more than the seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["00_start.ipynb", "01_why_pln.ipynb", "02_stages.ipynb", "03_tools.ipynb"]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
SLIDER = {"cells": [{"cell_type": "code", "execution_count": None, "id": "slider", "metadata": {}, "outputs": [],
                     "source": "import ipywidgets as w\nw.IntSlider()"}],
          "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
          "nbformat": 4, "nbformat_minor": 5}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Running:
    """A server process started in its own session, with its output in ``log``."""

    def __init__(self, proc: subprocess.Popen[bytes], base: str, log: Path) -> None:
        self.proc, self.base, self.log = proc, base, log

    def log_count(self, pattern: str) -> int:
        return len(re.findall(pattern, self.log.read_text(encoding="utf-8", errors="replace")))

    def ready(self, notebook: str) -> int:
        return self.log_count(rf"a preheated page is ready: {re.escape(notebook)}")

    def given(self, notebook: str) -> int:
        return self.log_count(rf"a page was given a preheated kernel \({re.escape(notebook)}\)")

    def wait_ready(self, notebook: str, timeout: float = 180) -> bool:
        """Wait until a preheated kernel of ``notebook`` waits for a visitor (False if none came in time)."""
        deadline = time.monotonic() + timeout
        while self.ready(notebook) <= self.given(notebook):
            if time.monotonic() > deadline:
                return False
            time.sleep(0.2)
        return True


@contextmanager
def server(cmd: list[str], folder: Path, env: dict[str, str], probe: str) -> Iterator[Running]:
    """Run ``cmd`` (which must listen on the port in ``probe``) until the block ends."""
    log = folder / "server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=folder, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited: {log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(probe, timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        yield Running(proc, probe.split("/voila/")[0], log)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)


def plain_voila(folder: Path, *, preheat: bool = False) -> Any:
    """Plain ``voila`` serving the one-slider notebook: its defaults (the floor), or with one preheated kernel
    (``preheat``: what preheating alone gives)."""
    (folder / "slider.ipynb").write_text(json.dumps(SLIDER), encoding="utf-8")
    port = free_port()
    cmd = [sys.executable, "-m", "voila", "slider.ipynb", f"--port={port}", "--no-browser", "--Voila.ip=127.0.0.1"]
    if preheat:
        cmd += ["--preheat_kernel=True", "--pool_size=1"]
    else:
        # Plain Voila's own shutdown of a closed page's kernel fails (its beacon is refused: 403, no _xsrf cookie),
        # so its culler ends each visit's kernel instead: later rounds don't run beside earlier rounds' kernels.
        cmd += ["--MappingKernelManager.cull_idle_timeout=8", "--MappingKernelManager.cull_interval=4"]
    return server(cmd, folder, dict(os.environ), f"http://127.0.0.1:{port}/voila/static/voila.js")


def course_server(folder: Path, *args: str) -> Any:
    """``plnkit serve`` of this checkout with ``args``, its data in ``folder`` (a fresh learner)."""
    port = free_port()
    env = {**os.environ, "PLNKIT_HOME": str(folder), "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "plnkit.cli", "serve", "--port", str(port), *args]
    return server(cmd, folder, env, f"http://127.0.0.1:{port}/voila/static/voila.js")


def time_to_interactive(browser: Any, url: str, selector: str) -> float:
    """Seconds from navigation to ``selector`` drawn, in a new context (no cache, no cookies)."""
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    try:
        page = context.new_page()
        page.set_default_timeout(180_000)
        start = time.perf_counter()
        page.goto(url, wait_until="commit")
        page.wait_for_selector(selector, state="visible")
        seconds = time.perf_counter() - start
        # Close the tab as a visitor does (its beforeunload asks the server to shut the page's kernel down), so
        # kernels of earlier visits don't pile up and slow later rounds.
        page.close(run_before_unload=True)
        return seconds
    finally:
        context.close()


def launch(playwright: Any, chromium: str | None) -> Any:
    return playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)


def chromium_path() -> str | None:
    return os.environ.get("PLNKIT_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


def settle(course: Running, preheat: int) -> None:
    """Wait until every course page's pool is full again (a refill runs a whole page: it must not overlap the
    next visit, to whichever server), then a moment more for the previous page's kernel to shut down."""
    for notebook in PAGES if preheat else ():
        if not course.wait_ready(notebook):
            print(f"  (no preheated {notebook} came within 3 minutes)", file=sys.stderr)
    time.sleep(2)


def visit_course_page(browser: Any, course: Running, notebook: str, preheat: int) -> float:
    """One visit to ``notebook`` under ``plnkit serve`` once every pool is full (if ``preheat``)."""
    settle(course, preheat)
    before = course.given(notebook)
    seconds = time_to_interactive(browser, f"{course.base}/voila/render/{notebook}", ".plnkit-footer.plnkit-loaded")
    if preheat and course.given(notebook) == before:
        print(f"  ({notebook} was not given a preheated kernel)", file=sys.stderr)
    return seconds


def measure(browser: Any, runs: int, preheat: int) -> dict[str, list[float]]:
    """Times to interactive, in rounds: each round visits the floor, the preheated slider and every course page
    once, so a change in the machine's speed during the run (it is shared) reaches every column alike."""
    times: dict[str, list[float]] = {"floor": [], "slider": [], **{notebook: [] for notebook in PAGES}}
    with tempfile.TemporaryDirectory(prefix="plnkit-preheat-") as tmp:
        root = Path(tmp)
        for name in ("floor", "slider", "course"):
            (root / name).mkdir()
        with plain_voila(root / "floor") as floor_server, plain_voila(root / "slider", preheat=True) as slider_server, \
                course_server(root / "course", "--preheat", str(preheat)) as course:
            if preheat:
                course.wait_ready(PAGES[0])
            # warm-up (not counted): each server's first page
            time_to_interactive(browser, f"{floor_server.base}/", ".widget-slider")
            time_to_interactive(browser, f"{slider_server.base}/", ".widget-slider")
            visit_course_page(browser, course, PAGES[0], preheat)
            for _ in range(runs):
                settle(course, preheat)
                times["floor"].append(time_to_interactive(browser, f"{floor_server.base}/", ".widget-slider"))
                time.sleep(4)  # the slider's pool refilled (Voila's fill_delay is 1 s; a slider kernel starts in ~1 s)
                times["slider"].append(time_to_interactive(browser, f"{slider_server.base}/", ".widget-slider"))
                for notebook in PAGES:
                    times[notebook].append(visit_course_page(browser, course, notebook, preheat))
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="rounds: visits per page (median; default 5)")
    parser.add_argument("--preheat", type=int, default=1, help="pool size per page (default 1, as plnkit serve)")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright, chromium_path())
        try:
            times = measure(browser, args.runs, args.preheat)
        finally:
            browser.close()
    base = statistics.median(times["floor"])
    print(f"floor: one slider under plain voila, median of {args.runs}: {base:.2f} s "
          f"(runs: {', '.join(f'{t:.2f}' for t in times['floor'])})")
    slider = statistics.median(times["slider"])
    print(f"the same slider with a preheated kernel (plain voila): {slider:.2f} s, {slider / base:.2f}x the floor")
    print(f"{'page':<18}{'plnkit serve':>13}{'x floor':>9}   runs")
    for notebook in PAGES:
        median = statistics.median(times[notebook])
        print(f"{notebook:<18}{median:>12.2f}s{median / base:>9.2f}   {', '.join(f'{t:.2f}' for t in times[notebook])}")
    worst = max(statistics.median(times[notebook]) for notebook in PAGES) / base
    print(f"slowest page: {worst:.2f}x the floor (goal: at most 0.8x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
