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

from .conftest import ROOT, free_port, stop, wait_for_http

BINDER = ROOT / "binder"


def test_binder_pins_the_same_widget_stack_as_the_package() -> None:
    pins = dict(re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)$", (BINDER / "requirements.txt").read_text(), re.M))
    pyproject = (ROOT / "pyproject.toml").read_text()
    for name in ("voila", "ipywidgets", "jupyterlab_widgets"):
        assert f'"{name}=={pins[name]}"' in pyproject, f"{name} differs between binder/ and pyproject.toml"
    assert "plnkit" not in pins
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
    finally:
        stop(proc)
