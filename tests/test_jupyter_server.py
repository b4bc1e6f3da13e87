"""The course inside a real Jupyter server with plnkit's server extension (Binder's and JupyterHub's path): a
course page's kernel is forked from the server's zygote; any other kernel starts the usual way; the setting
turns it off; nothing outlives the server."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from plnkit.services.jupyter_extension import COURSE_NOTEBOOKS, course_page

from .conftest import ROOT, command_line, descendants, free_port, parent_of, wait_for_http

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forking kernels is Linux only")

FLOOR = {"cells": [{"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
                    "source": "import ipywidgets as w\nw.IntSlider(description='Floor')"}],
         "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
         "nbformat": 4, "nbformat_minor": 5}


class JupyterServer:
    def __init__(self, proc: subprocess.Popen[bytes], base: str) -> None:
        self.proc, self.base = proc, base

    def page(self, path: str) -> str:
        with urllib.request.urlopen(f"{self.base}/voila/render/{path}", timeout=180) as r:
            return r.read().decode()

    def kernel_pid(self, kernel_id: str) -> int:
        """The process of a kernel the server started, found by its connection file's name."""
        for pid, _start in descendants(self.proc.pid):
            if f"kernel-{kernel_id}.json" in command_line(pid):
                return pid
        raise AssertionError(f"no process for kernel {kernel_id}")

    def kernels(self) -> list[str]:
        with urllib.request.urlopen(f"{self.base}/api/kernels", timeout=30) as r:
            return [k["id"] for k in json.loads(r.read())]

    def zygotes(self) -> list[int]:
        return [pid for pid, _s in descendants(self.proc.pid) if "plnkit.services._zygote" in command_line(pid)]


@contextmanager
def jupyter_server(root: Path, home: Path, *extra: str) -> Iterator[JupyterServer]:
    port = free_port()
    env = {**os.environ, "PLNKIT_HOME": str(home), "JUPYTER_PATH": str(ROOT / "plnkit" / "data"),
           "JUPYTER_CONFIG_PATH": str(ROOT / "plnkit" / "data" / "jupyter-config")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "server", "--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1",
         "--IdentityProvider.token=", f"--ServerApp.root_dir={root}", *extra,
         *(["--allow-root"] if os.geteuid() == 0 else [])],
        cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    server = JupyterServer(proc, f"http://127.0.0.1:{port}")
    try:
        wait_for_http(f"{server.base}/api", proc)
        yield server
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)  # as Ctrl-C would (twice: no confirmation)
            time.sleep(0.3)
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)


@pytest.fixture
def course_root(tmp_path: Path) -> Path:
    """A server folder as Binder has it: the course in ``course/``, and a notebook of someone else's beside it."""
    root = tmp_path / "root"
    shutil.copytree(ROOT / "course", root / "course", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    (root / "other").mkdir()
    (root / "other" / "floor.ipynb").write_text(json.dumps(FLOOR))
    shutil.copy(root / "other" / "floor.ipynb", root / "course" / "floor.ipynb")  # in the course's folder too
    return root


def test_a_course_page_s_kernel_is_forked_from_the_zygote_and_any_other_kernel_starts_the_usual_way(
        course_root: Path, tmp_path: Path) -> None:
    with jupyter_server(course_root, tmp_path / "home") as server:
        page = server.page("course/01_why_pln.ipynb")
        assert "Connected teaching: the 2010 National Educational Technology Plan" in page
        assert page.count("application/vnd.jupyter.widget-view+json") >= 5 and "Traceback" not in page
        (course_kernel,) = server.kernels()
        zygotes = server.zygotes()
        assert len(zygotes) == 1 and parent_of(zygotes[0]) == server.proc.pid  # started with the server
        course_pid = server.kernel_pid(course_kernel)
        assert parent_of(course_pid) == zygotes[0]
        assert "ipykernel_launcher" in command_line(course_pid)  # shows as a kernel in ps and top

        for other in ("other/floor.ipynb", "course/floor.ipynb"):  # not a course page, wherever it is
            assert "Floor" in server.page(other)
        others = [k for k in server.kernels() if k != course_kernel]
        assert len(others) == 2
        assert all(parent_of(server.kernel_pid(k)) == server.proc.pid for k in others)
        tree = [pid for pid, _s in descendants(server.proc.pid)]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(command_line(pid) for pid in tree):
        time.sleep(0.2)
    assert not [(pid, command_line(pid)) for pid in tree if command_line(pid)], "left running after the server"


def test_the_setting_turns_forking_off_and_every_kernel_starts_the_usual_way(course_root: Path,
                                                                               tmp_path: Path) -> None:
    with jupyter_server(course_root, tmp_path / "home", "--PlnkitExtension.fork_kernels=False") as server:
        page = server.page("course/02_stages.ipynb")
        assert page.count("application/vnd.jupyter.widget-view+json") >= 5 and "Traceback" not in page
        (kernel,) = server.kernels()
        assert parent_of(server.kernel_pid(kernel)) == server.proc.pid
        assert server.zygotes() == []


@pytest.mark.browser
def test_closing_a_course_page_s_tab_shuts_its_kernel_down(course_root: Path, tmp_path: Path, browser: Any) -> None:
    """On Binder every closed tab's kernel stayed until the server ended (a trial: 12 kernels, 880 MB after about
    ten pages): Voila's shutdown on leaving needs the server's _xsrf cookie, which no Voila page set there."""
    with jupyter_server(course_root, tmp_path / "home") as server:
        context = browser.new_context()
        try:
            page = context.new_page()
            page.goto(f"{server.base}/voila/render/course/01_why_pln.ipynb", timeout=120_000)
            page.wait_for_selector(".plnkit-footer.plnkit-loaded", timeout=120_000)
            page.wait_for_function("() => /(?:^|;\\s*)_xsrf=/.test(document.cookie)", timeout=30_000)
            assert len(server.kernels()) == 1
            page.close(run_before_unload=True)
            deadline = time.monotonic() + 30
            while server.kernels() and time.monotonic() < deadline:
                time.sleep(0.3)
            assert server.kernels() == []
        finally:
            context.close()


@pytest.mark.parametrize(("env", "folder", "expected"), [
    ({"VOILA_BASE_URL": "/", "SCRIPT_NAME": "/voila/render/course/03_tools.ipynb"}, "course", True),
    ({"VOILA_BASE_URL": "/user/ana/", "SCRIPT_NAME": "/user/ana/voila/render/00_start.ipynb"}, "course", True),
    ({"VOILA_BASE_URL": "/", "SCRIPT_NAME": "/voila/render/course/facilitator.ipynb"}, "course", True),
    ({"VOILA_BASE_URL": "/", "SCRIPT_NAME": "/voila/render/course/floor.ipynb"}, "course", False),
    ({"VOILA_BASE_URL": "/", "SCRIPT_NAME": "/voila/render/other/03_tools.ipynb"}, "other", False),  # no course
    ({"SCRIPT_NAME": "/voila/render/course/03_tools.ipynb"}, "course", False),  # not Voila: JupyterLab
    ({}, "course", False),
])
def test_only_a_course_page_opened_through_voila_counts_as_a_course_page(tmp_path: Path, env: dict[str, str],
                                                                         folder: str, expected: bool) -> None:
    (tmp_path / "course").mkdir()
    (tmp_path / "other").mkdir()
    for name in COURSE_NOTEBOOKS:
        (tmp_path / "course" / name).write_text("{}")
    (tmp_path / "other" / "03_tools.ipynb").write_text("{}")
    assert course_page(env, str(tmp_path / folder)) is expected
