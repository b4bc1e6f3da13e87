"""Kernels forked from ``plnkit serve``'s zygote (``plnkit/services/_zygote.py``): real processes, real kernels.

A forked kernel must be indistinguishable from one started the usual way for everything but its start-up
time: its own environment and folder, widgets that work (and browser-made widgets refused), interrupts,
shutdown without a zombie left behind, a visible ``ipykernel`` command line, and no kernel outliving the server.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from jupyter_client import AsyncKernelManager
from jupyter_client.provisioning import LocalProvisioner

import plnkit
from plnkit.services import _zygote
from plnkit.services._zygote import ForkedProcess, ForkProvisioner, Zygote

from .conftest import ROOT, descendants, free_port, kernel_pids, run_in_own_loop, wait_for_port


@pytest.fixture
def zygote() -> Iterator[Zygote]:
    made = Zygote.start_shared()
    try:
        yield made
    finally:
        Zygote.stop_shared()


def _manager(env: dict[str, str], cwd: Path) -> tuple[AsyncKernelManager, dict[str, Any]]:
    km = AsyncKernelManager(kernel_name="python3")
    km.kernel_id = str(uuid.uuid4())
    km.provisioner = ForkProvisioner(kernel_id=km.kernel_id, kernel_spec=km.kernel_spec, parent=km)
    return km, {"env": {**os.environ, **env}, "cwd": str(cwd)}


async def _run(km: AsyncKernelManager, code: str, timeout: float = 60) -> tuple[str, dict[str, Any]]:
    """Execute ``code``; (what it printed, the execute reply's content)."""
    client = km.client()
    client.start_channels()
    try:
        await client.wait_for_ready(timeout=timeout)
        printed: list[str] = []
        reply = await client.execute_interactive(
            code, timeout=timeout,
            output_hook=lambda m: printed.append(m["content"].get("text", "")) if m["msg_type"] == "stream" else None)
        return "".join(printed), reply["content"]
    finally:
        client.stop_channels()


@asynccontextmanager
async def _kernel_and_client(cwd: Path) -> AsyncIterator[tuple[AsyncKernelManager, Any]]:
    """A forked kernel in ``cwd`` and a client ready to talk to it; both ended afterwards."""
    km, kwargs = _manager({}, cwd)
    await km.start_kernel(**kwargs)
    client = km.client()
    client.start_channels()
    try:
        await client.wait_for_ready(timeout=60)
        yield km, client
    finally:
        client.stop_channels()
        await km.shutdown_kernel(now=True)


def _provisioner(km: AsyncKernelManager) -> LocalProvisioner:
    assert isinstance(km.provisioner, LocalProvisioner)  # ForkProvisioner is one
    return km.provisioner


def _cmdline(pid: int) -> str:
    return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()


def test_a_forked_kernel_has_its_own_environment_and_folder_and_shows_as_a_kernel(zygote: Zygote,
                                                                                 tmp_path: Path) -> None:
    async def main() -> None:
        kernels = []
        for name in ("ana", "ben"):
            folder = tmp_path / name
            folder.mkdir()
            km, kwargs = _manager({"PLNKIT_TEST_WHO": name}, folder)
            await km.start_kernel(**kwargs)
            kernels.append((name, folder, km))
        try:
            for name, folder, km in kernels:
                printed, reply = await _run(km, "import os, sys\nprint(os.environ['PLNKIT_TEST_WHO'], os.getcwd(), "
                                                "os.getppid(), sys.path[0])")
                assert reply["status"] == "ok"
                who, cwd, parent, first_path = printed.split()
                assert (who, Path(cwd)) == (name, folder)
                assert Path(first_path) == folder  # a module beside the notebook imports, as in any kernel
                process = _provisioner(km).process
                assert isinstance(process, ForkedProcess)  # forked, not started the usual way
                assert int(parent) == zygote.proc.pid
                # ps, top and the operator's tools see a kernel, with its id, as for any other kernel
                assert f"ipykernel_launcher -f {km.connection_file}" in _cmdline(process.pid)
        finally:
            for _name, _folder, km in kernels:
                await km.shutdown_kernel(now=True)

    run_in_own_loop(main)


def test_widgets_work_in_a_forked_kernel_and_the_browser_still_cannot_make_them(zygote: Zygote,
                                                                                tmp_path: Path) -> None:
    async def main() -> None:
        async with _kernel_and_client(tmp_path) as (_km, client):
            await client.execute_interactive("import ipywidgets as w\nslider = w.IntSlider(value=7)", timeout=60)
            # What a page's widget manager does: ask for every widget's state (ipywidgets' control comm).
            control = uuid.uuid4().hex
            client.shell_channel.send(client.session.msg("comm_open", {
                "comm_id": control, "target_name": "jupyter.widget.control", "data": {}},
                metadata={"version": "1.0.0"}))  # ipywidgets' control protocol
            client.shell_channel.send(client.session.msg("comm_msg", {
                "comm_id": control, "data": {"method": "request_states"}}))
            # What a hostile script would do: ask the kernel to make a widget.
            made = uuid.uuid4().hex
            client.shell_channel.send(client.session.msg("comm_open", {
                "comm_id": made, "target_name": "jupyter.widget",
                "data": {"state": {"_model_name": "IntSliderModel"}, "buffer_paths": []}}))
            states, closed = None, False
            deadline = time.monotonic() + 60
            while (states is None or not closed) and time.monotonic() < deadline:
                msg = await client.get_iopub_msg(timeout=60)
                content = msg["content"]
                if msg["msg_type"] == "comm_msg" and content.get("comm_id") == control:
                    states = content["data"]["states"]
                if msg["msg_type"] == "comm_close" and content.get("comm_id") == made:
                    closed = True
            assert states is not None, "the kernel never answered the page's request for its widgets"
            assert any(s["state"].get("value") == 7 for s in states.values())
            assert closed, "a widget the browser asked for was not refused"

    run_in_own_loop(main)


def test_a_forked_kernel_can_be_interrupted_and_shut_down_leaving_no_process(zygote: Zygote,
                                                                             tmp_path: Path) -> None:
    async def main() -> None:
        km, kwargs = _manager({}, tmp_path)
        await km.start_kernel(**kwargs)
        pid = _provisioner(km).pid
        client = km.client()
        client.start_channels()
        try:
            await client.wait_for_ready(timeout=60)
            msg_id = client.execute("import time\ntime.sleep(120)")
            await asyncio.sleep(1)
            await km.interrupt_kernel()
            while True:
                reply = await client.get_shell_msg(timeout=30)
                if reply["parent_header"].get("msg_id") == msg_id:
                    break
            assert reply["content"]["status"] == "error"
            assert reply["content"]["ename"] == "KeyboardInterrupt"
        finally:
            client.stop_channels()
        await km.shutdown_kernel()  # a polite shutdown request, as Voila's tab-close sends
        assert not await km.is_alive()
        assert not Path(f"/proc/{pid}").exists(), "the kernel's process (or a zombie) is still there"

    run_in_own_loop(main)


def test_when_the_zygote_has_gone_kernels_start_the_usual_way_and_a_new_one_is_started(
        tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Zygote, "_restarts", [])
    zygote = Zygote.start_shared()
    zygote.proc.kill()
    zygote.proc.wait()

    async def main() -> None:
        km, kwargs = _manager({}, tmp_path)
        await km.start_kernel(**kwargs)
        try:
            printed, reply = await _run(km, "import os\nprint(os.getppid())")
            assert reply["status"] == "ok"
            assert int(printed) == os.getpid()  # started by this process, as jupyter_client would
            assert not isinstance(_provisioner(km).process, ForkedProcess)
        finally:
            await km.shutdown_kernel(now=True)

    async def forked_again() -> None:
        km, kwargs = _manager({}, tmp_path)
        await km.start_kernel(**kwargs)
        try:
            _printed, reply = await _run(km, "print(1)")
            assert reply["status"] == "ok"
            assert isinstance(_provisioner(km).process, ForkedProcess)  # from the new zygote
        finally:
            await km.shutdown_kernel(now=True)

    try:
        with caplog.at_level(logging.WARNING, logger="plnkit.services.server"):
            run_in_own_loop(main)
            assert "starting kernels the usual way" in caplog.text
            # A new zygote was started for the kernels after that one.
            assert "the zygote ended (exit code -9): started a new one" in caplog.text
            replacement = Zygote.shared()
            assert replacement is not None and replacement is not zygote and replacement.alive()
            run_in_own_loop(forked_again)
    finally:
        Zygote.stop_shared()


def test_a_zygote_that_keeps_dying_is_replaced_a_few_times_an_hour_then_no_more(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Zygote, "_restarts", [])
    started = []
    try:
        for _ in range(_zygote.RESTARTS_PER_HOUR + 2):
            zygote = Zygote.start_shared() if not started else Zygote.shared()
            assert zygote is not None
            zygote.proc.kill()
            zygote.proc.wait()
            started.append(Zygote.replace_dead())
        assert all(z is not None for z in started[:_zygote.RESTARTS_PER_HOUR])
        assert started[_zygote.RESTARTS_PER_HOUR:] == [None, None]  # kernels start the usual way from then on
    finally:
        Zygote.stop_shared()


def test_a_process_that_only_imports_ipykernel_is_not_taken_for_a_kernel() -> None:
    # The zygote imports ipykernel before any kernel exists: plnkit must not set a kernel up there.
    code = ("import ipykernel.kernelapp, plnkit\nfrom plnkit.services import _log\n"
            "import comm\nprint(_log.in_kernel(), 'jupyter.widget' in comm.get_comm_manager().targets)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_a_served_courses_kernels_keep_no_history_and_end_with_the_server(tmp_path: Path) -> None:
    port = free_port()
    ipython_dir = tmp_path / "ipython"
    env = {**os.environ, "PLNKIT_HOME": str(tmp_path / "home"), "IPYTHONDIR": str(ipython_dir),
           "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen([sys.executable, "-m", "plnkit.cli", "serve", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_for_port(port, server)
        deadline = time.monotonic() + 120
        while len(kernel_pids(server.pid)) < 4 and time.monotonic() < deadline:  # the preheated pool, one a page
            time.sleep(0.5)
        kernels = kernel_pids(server.pid)
        assert len(kernels) >= 4
        everything = [pid for pid, _start in descendants(server.pid)]
        assert not list(ipython_dir.rglob("history.sqlite")), "a course kernel wrote an IPython history file"
        server.kill()  # the harshest end: no chance to shut anything down
        server.wait()
        deadline = time.monotonic() + 30
        while any(Path(f"/proc/{pid}").exists() for pid in everything) and time.monotonic() < deadline:
            time.sleep(0.5)
        left = [_cmdline(pid) for pid in everything if Path(f"/proc/{pid}").exists()]
        assert not left, f"still running after the server was killed: {left}"
    finally:
        if server.poll() is None:
            server.kill()
        for pid, _start in descendants(server.pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def test_only_a_served_course_kernel_skips_pythons_tidy_up_at_exit(zygote: Zygote, tmp_path: Path) -> None:
    code = "from plnkit.services._kernel import exit_quickly_when_served\nprint(exit_quickly_when_served())"

    async def main() -> None:
        for env, expected in (({}, "False"), ({"PLNKIT_QUICK_EXIT": "1"}, "True")):
            km, kwargs = _manager(env, tmp_path)
            if not env:
                kwargs["env"].pop("PLNKIT_QUICK_EXIT", None)  # as in a kernel that plnkit serve did not start
            await km.start_kernel(**kwargs)
            pid = _provisioner(km).pid
            printed, _reply = await _run(km, code)
            assert printed.strip() == expected  # someone's own notebook keeps IPython's exit (its history)
            await km.shutdown_kernel()  # polite: the kernel answers, then ends at once
            assert not Path(f"/proc/{pid}").exists()

    run_in_own_loop(main)


def test_the_zygote_loads_no_heavy_library() -> None:
    # Every kernel forked from it carries what it imported: a page that draws no chart must not carry matplotlib.
    code = ("from plnkit.services import _zygote\n_zygote.warm()\nimport sys\n"
            "print(*[m for m in ('matplotlib', 'feedparser', 'nh3', 'sqlalchemy', 'alembic', 'psycopg') "
            "if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.strip() == ""


def test_the_zygote_has_imported_every_module_a_page_s_import_cell_names() -> None:
    # So a preheated page's kernel runs its page without importing them again (CPU a room's refills all paid).
    code = ("from plnkit.services import _zygote\n_zygote.warm()\nimport sys, plnkit\n"
            "print(*sorted({m for m in plnkit._EXPORTS.values() if 'plnkit' + m not in sys.modules}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.strip() == ""
    assert ".widgets.reader" in plnkit._EXPORTS.values()  # the table names the component modules


def test_an_open_page_s_kernel_outlives_a_zygote_that_died(tmp_path: Path) -> None:
    zygote = Zygote.start_shared()

    async def main() -> None:
        km, kwargs = _manager({}, tmp_path)
        await km.start_kernel(**kwargs)
        try:
            printed, _reply = await _run(km, "x = 41\nprint('ready')")
            assert printed.strip() == "ready"
            zygote.proc.kill()  # the OOM killer, or an operator, picks the zygote
            zygote.proc.wait()
            await asyncio.sleep(3)  # ipykernel's own parent check would have ended the kernel within a second
            printed, reply = await _run(km, "print(x + 1)")  # the page's state is still there
            assert reply["status"] == "ok" and printed.strip() == "42"
        finally:
            await km.shutdown_kernel(now=True)

    try:
        run_in_own_loop(main)
    finally:
        Zygote.stop_shared()
