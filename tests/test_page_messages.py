"""What a course page's kernel sends while Voila runs it, in a real kernel (no preheating: as inside a Jupyter
server, where the page waits for every cell), and what its browser receives when it asks for the widgets.

Every message is handled by the kernel and by the server (twice: Voila's executor and the server's activity
watch), so a page's time grows with their number (``benchmarks/pages.py``). In a kernel Voila started, widgets say
nothing until the page's browser asks for them (``plnkit.services._announce``); then the browser receives them all
in one message, and from then on every change. Elsewhere (someone's own notebook) widgets are announced as made,
and a control's look (its CSS classes) is part of the message that makes it.
"""

from __future__ import annotations

import json
import os
import queue
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from jupyter_client.manager import start_new_kernel

ROOT = Path(__file__).resolve().parent.parent
#: Classes that depend on the learner, known only once the page loads their work.
LEARNER_MARKS = ("plnkit-k-", "plnkit-s-", "plnkit-draft", "plnkit-saved-", "plnkit-loaded")


def start(tmp_path: Path, *, voila: bool) -> tuple[Any, Any]:
    env = {**os.environ, "PLNKIT_HOME": str(tmp_path), "IPYTHONDIR": str(tmp_path / "ip")}
    env.pop("VOILA_BASE_URL", None)
    if voila:
        env["VOILA_BASE_URL"] = "/"  # what Voila sets in every kernel it starts
    return start_new_kernel(env=env)


def run_cells(kc: Any, notebook: str) -> list[dict]:
    """Run the notebook's code cells as Voila does; every IOPub message the kernel sent meanwhile."""
    cells = ["".join(c["source"]) for c in json.loads((ROOT / "course" / notebook).read_text())["cells"]
             if c["cell_type"] == "code"]
    sent: list[dict] = []
    for source in cells:
        reply = kc.execute_interactive(source, timeout=120, output_hook=sent.append)
        assert reply["content"]["status"] == "ok", source
    return sent


def run_page(notebook: str, tmp_path: Path, *, voila: bool = True) -> list[dict]:
    km, kc = start(tmp_path, voila=voila)
    try:
        return run_cells(kc, notebook)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def browser_message(kc: Any, msg_type: str, content: dict, version: str) -> None:
    """Send what a page's widget manager sends on the kernel's shell channel."""
    kc.shell_channel.send(kc.session.msg(msg_type, content, metadata={"version": version}))


def messages_until(kc: Any, found: Callable[[dict], bool], timeout: float = 30) -> list[dict]:
    seen: list[dict] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            msg = kc.get_iopub_msg(timeout=1)
        except queue.Empty:
            continue
        seen.append(msg)
        if found(msg):
            return seen
    raise AssertionError(f"not seen in {timeout} s: {[(m['msg_type'], m['content']) for m in seen][-5:]}")


def test_a_page_voila_runs_says_nothing_of_its_widgets_until_its_browser_asks_then_all_and_every_change(
        tmp_path: Path) -> None:
    km, kc = start(tmp_path, voila=True)
    try:
        sent = run_cells(kc, "02_stages.ipynb")
        views = [m["content"]["data"]["application/vnd.jupyter.widget-view+json"]["model_id"] for m in sent
                 if m["msg_type"] == "execute_result"]
        assert len(views) >= 10  # each cell's output names its widget (the page shows those)
        assert [m for m in sent if m["msg_type"].startswith("comm_")] == []

        # The page connects: its widget manager opens the control channel and asks for every widget.
        control = uuid.uuid4().hex
        browser_message(kc, "comm_open", {"comm_id": control, "target_name": "jupyter.widget.control",
                                          "data": {}}, "1.0.0")
        browser_message(kc, "comm_msg", {"comm_id": control, "data": {"method": "request_states"}}, "1.0.0")
        reply = messages_until(kc, lambda m: m["msg_type"] == "comm_msg"
                               and m["content"]["data"].get("method") == "update_states")[-1]
        states = reply["content"]["data"]["states"]
        assert set(views) <= set(states) and len(states) > 100  # every widget, in one message
        answer = next(k for k, v in states.items() if v["model_name"] == "TextareaModel"
                      and "plnkit-answer" in v["state"]["_dom_classes"])

        # The learner types: the kernel hears the page's copy of the widget, and its answer reaches the page.
        browser_message(kc, "comm_msg", {"comm_id": answer, "data": {
            "method": "update", "state": {"value": "What happened: a parent emailed me."}, "buffer_paths": []}},
            "2.1.0")
        said = messages_until(kc, lambda m: m["msg_type"] == "comm_msg" and "Saved at" in str(
            m["content"]["data"].get("state", {}).get("value", "")), timeout=60)
        assert any("6 words" in str(m["content"].get("data", {}).get("state", {}).get("value", "")) for m in said)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


@pytest.mark.parametrize("notebook", ["02_stages.ipynb", "03_tools.ipynb"])
def test_a_page_s_controls_carry_their_look_in_the_message_that_makes_them(tmp_path: Path, notebook: str) -> None:
    sent = run_page(notebook, tmp_path, voila=False)  # announced as made, as in someone's own notebook
    classes: dict[str, tuple[str, ...]] = {}
    late: list[str] = []
    for msg in sent:
        data = msg["content"].get("data", {})
        if msg["msg_type"] == "comm_open":
            classes[msg["content"]["comm_id"]] = tuple(data.get("state", {}).get("_dom_classes", ()))
        elif msg["msg_type"] == "comm_msg" and "_dom_classes" in data.get("state", {}):
            before = classes.get(msg["content"]["comm_id"], ())
            added = [c for c in data["state"]["_dom_classes"] if c not in before]
            late += [c for c in added if not c.startswith(LEARNER_MARKS)]
            classes[msg["content"]["comm_id"]] = tuple(data["state"]["_dom_classes"])
    opened = [m for m in sent if m["msg_type"] == "comm_open"]
    assert any("plnkit-exercise" in c for c in classes.values())  # the exercises' look arrived
    assert late == [], f"classes sent after the control was made: {late}"
    assert len(opened) > 50  # the page really ran (a failed import sends nothing)


def test_a_page_s_outputs_name_their_component_in_plain_text(tmp_path: Path) -> None:
    """Each cell's output is the widget view (what the page shows) and a short plain-text name, not ipywidgets'
    description of every control inside."""
    results = [m["content"]["data"] for m in run_page("02_stages.ipynb", tmp_path)
               if m["msg_type"] == "execute_result"]
    views = [r for r in results if "application/vnd.jupyter.widget-view+json" in r]
    assert len(views) == len(results) >= 10
    assert "Reflection()" in [r["text/plain"] for r in results]
    assert all(len(r["text/plain"]) <= 111 for r in results)
