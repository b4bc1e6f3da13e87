"""What a course page's kernel sends while Voila runs it, in a real kernel (no preheating: as inside a Jupyter
server, where the page waits for every cell).

Every message is handled by the kernel, by the server (twice: Voila's executor and the server's activity watch)
and later by the browser, so a page's time grows with their number (``benchmarks/pages.py``). A control's look
(its CSS classes) is part of the message that creates it; only what depends on the learner (the marks of a browser
draft, what was last saved, the page having loaded) is sent afterwards.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from jupyter_client.manager import start_new_kernel

ROOT = Path(__file__).resolve().parent.parent
#: Classes that depend on the learner, known only once the page loads their work.
LEARNER_MARKS = ("plnkit-k-", "plnkit-s-", "plnkit-draft", "plnkit-saved-", "plnkit-loaded")


def run_page(notebook: str, tmp_path: Path) -> list[dict]:
    cells = ["".join(c["source"]) for c in json.loads((ROOT / "course" / notebook).read_text())["cells"]
             if c["cell_type"] == "code"]
    env = {**os.environ, "PLNKIT_HOME": str(tmp_path), "VOILA_BASE_URL": "/", "IPYTHONDIR": str(tmp_path / "ip")}
    km, kc = start_new_kernel(env=env)
    sent: list[dict] = []
    try:
        for source in cells:
            reply = kc.execute_interactive(source, timeout=120, output_hook=sent.append)
            assert reply["content"]["status"] == "ok", source
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    return sent


@pytest.mark.parametrize("notebook", ["02_stages.ipynb", "03_tools.ipynb"])
def test_a_page_s_controls_carry_their_look_in_the_message_that_makes_them(tmp_path: Path, notebook: str) -> None:
    sent = run_page(notebook, tmp_path)
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
