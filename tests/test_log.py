"""Unexpected errors reach the operator's log, never the learner's page (in a real kernel, as Voila runs one)."""

from __future__ import annotations

import os
import stat
import textwrap
from pathlib import Path
from typing import Any

import pytest
from jupyter_client.manager import start_new_kernel

CODE = textwrap.dedent("""
    from plnkit.services import session
    from plnkit.widgets._ui import Status, guard
    session.current()  # opens the learner's store (and the log beside it)
    status = Status()

    @guard(status, doing="save your answer")
    def callback():
        raise RuntimeError("disk on fire")

    callback()
    print("STATUS:" + status.text)
""")


def collect_streams(streams: dict[str, str]) -> Any:
    """An ``output_hook`` that appends what a cell prints to ``streams["stdout"]`` / ``streams["stderr"]`` (what the
    learner's page would show)."""
    def hook(msg: dict[str, Any]) -> None:
        if msg["msg_type"] == "stream":
            streams[msg["content"]["name"]] += msg["content"]["text"]
    return hook


def run_in_kernel(code: str, home: Path) -> tuple[dict[str, Any], dict[str, str]]:
    """Run ``code`` as one cell in a new real kernel whose data folder is ``home``: the execute reply, and what
    the cell printed ({"stdout": ..., "stderr": ...}). The kernel is shut down after."""
    km, kc = start_new_kernel(env={**os.environ, "PLNKIT_HOME": str(home)})
    streams = {"stdout": "", "stderr": ""}
    try:
        reply = kc.execute_interactive(code, timeout=60, output_hook=collect_streams(streams))
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    return reply, streams


def test_an_unexpected_error_goes_to_the_log_file_and_the_learner_sees_one_sentence(tmp_path: Path) -> None:
    reply, streams = run_in_kernel(CODE, tmp_path)
    assert reply["content"]["status"] == "ok"
    assert "STATUS:Sorry, the course could not save your answer. What you typed is still here; try again." \
        in streams["stdout"]
    assert streams["stderr"] == ""  # a kernel's stderr is shown in the learner's browser
    log = tmp_path / "plnkit.log"
    text = log.read_text()
    assert "unexpected error in" in text and "RuntimeError: disk on fire" in text and "Traceback" in text
    assert stat.S_IMODE(log.stat().st_mode) == 0o600


@pytest.mark.parametrize("setup,created", [("import plnkit, ipywidgets", 0), ("import ipywidgets", 20)],
                         ids=["course-kernel", "plain-kernel-for-comparison"])
def test_a_page_cannot_create_widgets_in_its_kernel(tmp_path: Path, setup: str, created: int) -> None:
    """A browser may send comm_open to jupyter.widget (Voila lets it through); the course's kernels refuse it."""
    import uuid

    km, kc = start_new_kernel(env={**os.environ, "PLNKIT_HOME": str(tmp_path)})
    try:
        kc.execute_interactive(f"{setup}; import warnings; warnings.simplefilter('ignore'); "
                               "before = len(ipywidgets.Widget.widgets)", timeout=60)
        for _ in range(20):
            state = {"_model_name": "TextareaModel", "_model_module": "@jupyter-widgets/controls",
                     "_model_module_version": "2.0.0", "_view_name": "TextareaView", "_view_module":
                     "@jupyter-widgets/controls", "_view_module_version": "2.0.0", "value": "x" * 100_000}
            msg = kc.session.msg("comm_open", {"comm_id": uuid.uuid4().hex, "target_name": "jupyter.widget",
                                               "data": {"state": state, "buffer_paths": []}},
                                 metadata={"version": "2.1.0"})  # the widget protocol the browser speaks
            kc.shell_channel.send(msg)
        out: list[str] = []
        kc.execute_interactive("print(len(ipywidgets.Widget.widgets) - before)", timeout=60,
                               output_hook=lambda m: out.append(m["content"].get("text", ""))
                               if m["msg_type"] == "stream" and m["content"]["name"] == "stdout" else None)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    assert "".join(out).strip() == str(created)


@pytest.mark.parametrize("voila,kept", [(True, False), (False, True)], ids=["page-voila-serves", "own-notebook"])
def test_a_course_page_s_cells_stay_out_of_ipython_s_history_file(tmp_path: Path, voila: bool, kept: bool) -> None:
    """Voila runs a page's cells once; IPython would write each to ~/.ipython's history database (a disk write
    per cell while the page waits). Someone's own notebook that shows a course header keeps its history."""
    import sqlite3
    import time

    ipython_dir = tmp_path / "ipython"
    env = {**os.environ, "PLNKIT_HOME": str(tmp_path), "IPYTHONDIR": str(ipython_dir)}
    env.pop("VOILA_BASE_URL", None)
    if voila:
        env["VOILA_BASE_URL"] = "/"  # what Voila sets in every kernel it starts
    km, kc = start_new_kernel(env=env)
    try:
        kc.execute_interactive("import warnings; warnings.simplefilter('ignore')\n"
                               "from plnkit import header\nheader(0)", timeout=60)
        for n in range(3):
            kc.execute_interactive(f"after_the_header_{n} = {n}", timeout=60)
        time.sleep(0.5)  # IPython's saving thread writes each cell as it is run
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=False)
    with sqlite3.connect(ipython_dir / "profile_default" / "history.sqlite") as db:
        sources = [row[0] for row in db.execute("SELECT source_raw FROM history")]
    assert any("after_the_header_" in s for s in sources) is kept


def test_a_stuck_page_s_kernel_prints_its_stacks_to_the_operator_on_sigusr1_and_runs_on(tmp_path: Path) -> None:
    """``kill -USR1 <kernel pid>`` shows where every thread of a course kernel is (the server's console), for a
    page that seems stuck; the learner's page sees nothing, and the kernel goes on."""
    import signal
    import time

    console = tmp_path / "console.txt"
    with open(console, "wb") as err:
        km, kc = start_new_kernel(env={**os.environ, "PLNKIT_HOME": str(tmp_path)}, stderr=err)
    streams = {"stdout": "", "stderr": ""}

    def run(code: str) -> None:
        kc.execute_interactive(code, timeout=60, output_hook=collect_streams(streams))

    try:
        run("from plnkit.services import session\nsession.current()\nprint('opened')")
        os.kill(km.provisioner.pid, signal.SIGUSR1)  # type: ignore[union-attr]
        deadline = time.monotonic() + 30
        while "File " not in console.read_text(errors="replace") and time.monotonic() < deadline:
            time.sleep(0.2)
        run("print('still here')")
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    stacks = console.read_text(errors="replace")
    assert "Thread 0x" in stacks and "File " in stacks and "ipykernel" in stacks
    assert "still here" in streams["stdout"]
    assert streams["stderr"] == ""


def test_a_press_on_a_widget_the_kernel_does_not_have_is_logged_for_the_operator_not_shown_on_the_page(
        tmp_path: Path) -> None:
    """A browser's message for a widget its kernel doesn't have is dropped by the comm library with a warning
    ("No such comm"): the operator's log says so (a button press that did nothing is then explained), and the
    learner's page, where Python's last-resort handler would have written it, shows nothing. The lookup ipykernel
    7 makes on its shell channel thread as a browser connects, which warns the same way, is not logged."""
    code = textwrap.dedent("""
        import comm
        from plnkit.services import session
        session.current()  # a course page opens the learner's store, and the log beside it
        comm.get_comm_manager().comm_msg(None, None, {"content": {"comm_id": "a-widget-it-never-had", "data": {}}})
        import threading  # ipykernel 7's shell channel thread looks up a comm whose open it has not handled yet
        peek = threading.Thread(target=comm.get_comm_manager().get_comm, args=("a-comm-being-opened",),
                                name="Shell channel")
        peek.start(); peek.join()
        print("done")
    """)
    reply, streams = run_in_kernel(code, tmp_path)
    assert reply["content"]["status"] == "ok" and "done" in streams["stdout"]
    assert streams["stderr"] == ""
    logged = (tmp_path / "plnkit.log").read_text()
    assert "No such comm: a-widget-it-never-had" in logged
    assert "a-comm-being-opened" not in logged  # seen as every page connects: noise that hid the real ones
