"""The course installed from a wheel, away from the repository: ``pip wheel .`` builds it, ``pip install`` puts it
in a fresh virtual environment, and ``plnkit serve`` run from an empty folder serves every page of the course
from the wheel's own notebooks and template, rendered in headless Chromium."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from plnkit.content import FACILITATOR_NOTEBOOK, PAGES, page_title

from .conftest import ROOT, Server, free_port, stop, wait_for_http
from .test_browser import assert_no_error_output, open_course_page

pytestmark = pytest.mark.browser

TEMPLATE = ROOT / "plnkit" / "data" / "voila" / "templates" / "plnkit"
#: What setuptools reads to build the wheel; everything else (tests, docs, caches, .venv) stays behind.
BUILD_INPUTS = shutil.ignore_patterns(".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".*_cache",
                                      "test-artifacts", "tests", "docs", "benchmarks", "binder")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``pip wheel . --no-deps`` on a copy of the repository (setuptools writes build/ and *.egg-info into the
    folder it builds, and the checkout stays as it is)."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "plnkit-src"
    shutil.copytree(ROOT, source, ignore=BUILD_INPUTS)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--disable-pip-version-check", "--no-deps",
                    "-w", str(work / "dist"), str(source)], check=True, cwd=work, timeout=600)
    (built,) = (work / "dist").glob("plnkit-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A fresh virtual environment with the wheel installed; returns the environment to run its ``plnkit`` in.

    plnkit itself comes only from the wheel, installed into the empty environment with no ``PYTHONPATH`` (pip
    would skip a wheel whose version it already sees installed, such as this checkout's). Its dependencies are
    not downloaded again: afterwards, a ``.pth`` file adds this test run's site-packages after the new
    environment's own (a ``.pth`` file there, such as an editable install's, is not run from a path added this
    way), and ``JUPYTER_PATH`` names this run's Jupyter data (Voila's base templates, the widgets' front-end),
    which pip would otherwise have put in the new prefix.
    """
    env_dir = tmp_path_factory.mktemp("wheel-venv") / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "JUPYTER_PATH")}
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                               check=True, capture_output=True, text=True, env=env, timeout=60).stdout.strip())
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps", "--no-index",
                    "--disable-pip-version-check", str(wheel)], check=True, cwd=env_dir, env=env, timeout=300)
    (site / "plnkit-test-dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    return {**env, "VIRTUAL_ENV": str(env_dir), "PATH": f"{env_dir / 'bin'}{os.pathsep}{env['PATH']}",
            "JUPYTER_PATH": str(Path(sys.prefix) / "share" / "jupyter")}


@pytest.fixture(scope="module")
def wheel_server(installed: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The installed ``plnkit serve``, started from an empty folder (no course/ in sight), with a fresh PLNKIT_HOME."""
    empty = tmp_path_factory.mktemp("empty-folder")
    home = tmp_path_factory.mktemp("wheel-home")
    port = free_port()
    log = open(home / "server.log", "wb")  # noqa: SIM115 - closed with the server
    proc = subprocess.Popen([shutil.which("plnkit", path=installed["PATH"]) or "plnkit", "serve", "--port", str(port),
                             "--preheat", "0"], cwd=empty, env={**installed, "PLNKIT_HOME": str(home)}, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        try:
            wait_for_http(f"http://127.0.0.1:{port}/voila/static/voila.js", proc)
        except RuntimeError as exc:
            raise RuntimeError(f"{exc}; its output:\n{(home / 'server.log').read_text()}") from exc
        yield Server(proc, f"http://127.0.0.1:{port}", "/voila/render/", home)
    finally:
        stop(proc)
        log.close()


def test_the_wheel_holds_the_course_notebooks_and_the_voila_template(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for notebook in [*(p.notebook for p in PAGES), FACILITATOR_NOTEBOOK]:
        assert f"plnkit/course/{notebook}" in names
    data = next(n.split("/data/", 1)[0] for n in names if n.endswith(".data/data/share/jupyter/voila/templates/"
                                                                     "plnkit/conf.json"))
    for path in sorted(p for p in TEMPLATE.rglob("*") if p.is_file()):
        rel = path.relative_to(TEMPLATE).as_posix()
        assert f"plnkit/data/voila/templates/plnkit/{rel}" in names  # for plnkit serve (JUPYTER_PATH)
        assert f"{data}/data/share/jupyter/voila/templates/plnkit/{rel}" in names  # for Binder and JupyterHub
    assert {n.split("/")[0] for n in names} == {"plnkit", data, data.replace(".data", ".dist-info")}
    assert f"{data}/data/etc/jupyter/jupyter_server_config.d/plnkit.json" in names  # plnkit's server extension
    migrations = ROOT / "plnkit" / "services" / "migrations"
    for path in [migrations / "env.py", *sorted((migrations / "versions").glob("*.py"))]:  # a new store needs them
        assert f"plnkit/services/migrations/{path.relative_to(migrations).as_posix()}" in names
    assert "plnkit/data/empty-store.sqlite3" in names  # what a new course file is copied from


def test_the_installed_plnkit_is_the_wheels_and_serves_its_own_notebooks(installed: dict[str, str],
                                                                         tmp_path: Path) -> None:
    env_dir = Path(installed["VIRTUAL_ENV"])
    found = subprocess.run(["python", "-c", "import plnkit; print(plnkit.__file__)"], cwd=tmp_path, env=installed,
                           capture_output=True, text=True, timeout=60, check=True).stdout.strip()
    assert Path(found).is_relative_to(env_dir)
    out = subprocess.run(["plnkit", "course-path"], cwd=tmp_path, env=installed, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    course = Path(out.stdout.strip())
    assert course.is_relative_to(env_dir) and course.name == "course" and course.parent.name == "plnkit"
    for notebook in [*(p.notebook for p in PAGES), FACILITATOR_NOTEBOOK]:
        assert (course / notebook).read_bytes() == (ROOT / "course" / notebook).read_bytes()


@pytest.mark.parametrize("course_page", PAGES, ids=lambda p: p.slug)
def test_every_page_of_the_installed_course_renders(wheel_server: Server, page: Any, course_page: Any) -> None:
    open_course_page(page, wheel_server.page(course_page.notebook))
    assert course_page.title in page.locator("header.plnkit-header").inner_text()
    assert page.title() == page_title(course_page)
    assert page.locator("textarea").count() >= 1  # every page has a reflection: its plnkit cells ran
    assert_no_error_output(page)
