"""Binder's recipe, done the way repo2docker does it (no Docker engine here): a fresh environment from
``binder/requirements.txt``, then ``binder/postBuild``, then a Jupyter server with Voila serving the course at
``/voila/render/course/...``."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import urllib.request
import venv
from pathlib import Path

import pytest

from .conftest import ROOT, command_line, descendants, free_port, parent_of, stop, wait_for_http

BINDER = ROOT / "binder"


def test_binder_pins_the_same_widget_stack_as_the_package() -> None:
    pins = dict(re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)$", (BINDER / "requirements.txt").read_text(), re.M))
    pyproject = (ROOT / "pyproject.toml").read_text()
    for name in ("voila", "ipywidgets", "jupyterlab_widgets"):
        assert f'"{name}=={pins[name]}"' in pyproject, f"{name} differs between binder/ and pyproject.toml"
    assert "plnkit" not in pins
    # postBuild installs plnkit without dependencies: each one must be pinned here (without setproctitle, every
    # course kernel on Binder looked like the warm process it was forked from in ps and top)
    block = re.search(r"^dependencies = \[(.*?)^\]", pyproject, re.M | re.S)
    assert block
    wanted = {re.match(r"[A-Za-z0-9_.-]+", d).group(0)  # type: ignore[union-attr]
              for d in re.findall(r'^\s*"([^"]+)"', block.group(1), re.M)}
    normal = {n.lower().replace("_", "-") for n in pins}
    assert len(wanted) >= 10 and {n for n in wanted if n.lower().replace("_", "-") not in normal} == set()
    assert re.fullmatch(r"python-3\.1[0-9]\s*", (BINDER / "runtime.txt").read_text())


@pytest.mark.skipif(sys.platform == "win32", reason="postBuild is a bash script, as on Binder")
def test_the_binder_recipe_builds_and_serves_the_course(tmp_path: Path) -> None:
    env_dir = tmp_path / "binder-env"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    bin_dir = env_dir / "bin"
    pip = [str(bin_dir / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, "-r", str(BINDER / "requirements.txt")], check=True, cwd=ROOT, timeout=900)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "VIRTUAL_ENV": str(env_dir),
           "PLNKIT_HOME": str(tmp_path / "home")}
    subprocess.run(["bash", str(BINDER / "postBuild")], check=True, cwd=ROOT, env=env, timeout=600)
    port = free_port()
    proc = subprocess.Popen(
        [str(bin_dir / "jupyter"), "server", "--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1",
         "--IdentityProvider.token=", f"--ServerApp.root_dir={ROOT}", *(["--allow-root"] if os.geteuid() == 0 else [])],
        cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_for_http(f"http://127.0.0.1:{port}/api", proc)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/voila/render/course/01_why_pln.ipynb", timeout=120) as r:
            page = r.read().decode()
        assert "Connected teaching: the 2010 National Educational Technology Plan" in page
        assert page.count("application/vnd.jupyter.widget-view+json") >= 5  # the plnkit cells ran
        assert "Traceback" not in page and "There was an error" not in page
        assert "/voila/templates/plnkit/static/course.js" in page  # the course template, installed with plnkit
        # plnkit's server extension, enabled by the config file installed with it: Voila's scripts in one file
        chunks = re.search(r'<script src="/(plnkit/voila-chunks\.js\?v=[0-9a-f]{16})"></script>', page)
        assert chunks, "plnkit's Jupyter server extension is not enabled"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/{chunks.group(1)}", timeout=60) as r:
            assert r.read().count(b"(self.webpackChunk_JUPYTERLAB_CORE_OUTPUT=") == 56
        # and the page's kernel was forked from the extension's warm process (its provisioner's entry point is
        # registered by the install postBuild made, not only by an editable one)
        below = [pid for pid, _start in descendants(proc.pid)]
        zygotes = [pid for pid in below if "plnkit.services._zygote" in command_line(pid)]
        assert len(zygotes) == 1
        assert [pid for pid in below if "ipykernel_launcher" in command_line(pid) and parent_of(pid) == zygotes[0]]
    finally:
        stop(proc)
