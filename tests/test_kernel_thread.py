"""Widgets are made on the kernel's main thread, even when a background thread decides when (services/_kernel)."""

from __future__ import annotations

import asyncio
import json
import os
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from jupyter_client.manager import start_new_kernel

from plnkit.services._kernel import main_thread_caller

from .conftest import run_in_own_loop


def test_work_handed_over_from_a_thread_runs_on_the_loop_s_thread_and_its_result_comes_back(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from plnkit.services import _kernel

    monkeypatch.setattr(_kernel, "in_kernel", lambda: True)  # this test's loop stands in for the kernel's
    seen: dict[str, Any] = {}

    async def main() -> None:
        call = main_thread_caller()
        loop_thread = threading.get_ident()

        def worker() -> None:
            seen["result"] = call(lambda: threading.get_ident())
            try:
                call(lambda: 1 / 0)
            except ZeroDivisionError as exc:
                seen["error"] = exc

        thread = threading.Thread(target=worker)
        thread.start()
        await asyncio.to_thread(thread.join)
        seen["loop"] = loop_thread
        seen["on_loop_thread"] = call(lambda: threading.get_ident())  # the loop's own thread: run at once

    run_in_own_loop(main)
    assert seen["result"] == seen["loop"] == seen["on_loop_thread"]
    assert isinstance(seen["error"], ZeroDivisionError)


def test_without_an_event_loop_or_outside_a_kernel_the_work_runs_where_it_is_asked_for() -> None:
    def ran_on(call: Any) -> bool:
        ran: list[int] = []
        thread = threading.Thread(target=lambda: ran.append(call(lambda: threading.get_ident())))
        thread.start()
        thread.join(10)
        return ran == [thread.ident]

    assert ran_on(main_thread_caller())

    async def outside_a_kernel() -> bool:  # a loop that is not a kernel's (Playwright's, in browser tests)
        return await asyncio.to_thread(ran_on, main_thread_caller())

    assert run_in_own_loop(outside_a_kernel)


# A preheated page whose request arrives while its visitor's browser asks for the page's widgets: the page
# fills itself in (here: 3,000 new widgets, a page at its largest) while the kernel answers request_states.
PAGE = """
import ipywidgets as w
from plnkit.services import session
made = []
def load():
    for i in range(3000):
        made.append(w.HTML(str(i)))
waiting = session.after_request(load)
print("PREHEATED" if waiting is not None else "NOT PREHEATED")
"""


def test_a_preheated_page_filling_itself_in_still_answers_every_request_for_its_widgets(tmp_path: Path) -> None:
    from websockets.sync.server import serve as ws_serve

    go = threading.Event()

    def hand_over(ws: Any) -> None:  # the server's side of the request hand-over (services/_preheat)
        go.wait(60)
        ws.send(json.dumps({"QUERY_STRING": "", "HTTP_COOKIE": ""}))

    with ws_serve(hand_over, "127.0.0.1", 0) as server:
        port = server.socket.getsockname()[1]
        threading.Thread(target=server.serve_forever, daemon=True).start()
        env = {**os.environ, "PLNKIT_HOME": str(tmp_path), "VOILA_PREHEAT": "True", "VOILA_KERNEL_ID": "k-1",
               "PLNKIT_QUERY_URL": f"ws://127.0.0.1:{port}/plnkit/query/secret"}
        km, kc = start_new_kernel(env=env)
        stdout: list[str] = []
        stderr: list[str] = []

        def output(msg: dict[str, Any]) -> None:
            if msg["msg_type"] == "stream":
                (stdout if msg["content"]["name"] == "stdout" else stderr).append(msg["content"]["text"])

        try:
            kc.execute_interactive(PAGE, timeout=60, output_hook=output)
            assert "".join(stdout).strip() == "PREHEATED"
            control = uuid.uuid4().hex
            kc.shell_channel.send(kc.session.msg("comm_open", {"comm_id": control, "target_name":
                                                               "jupyter.widget.control", "data": {}},
                                                 metadata={"version": "1.0.0"}))
            go.set()  # the visitor's request arrives: the page starts filling itself in
            asked = 0
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and asked < 40:  # the browser asks while that happens
                kc.shell_channel.send(kc.session.msg("comm_msg", {"comm_id": control,
                                                                  "data": {"method": "request_states"}}))
                asked += 1
                time.sleep(0.05)
            answered = 0
            while answered < asked:
                msg = kc.get_iopub_msg(timeout=30)
                output(msg)
                content = msg["content"]
                if msg["msg_type"] == "comm_msg" and content.get("comm_id") == control \
                        and content["data"].get("method") == "update_states":
                    answered += 1
            count: list[str] = []
            kc.execute_interactive("waiting.join(60); print(len(made))", timeout=60,
                                   output_hook=lambda m: count.append(m["content"]["text"])
                                   if m["msg_type"] == "stream" and m["content"]["name"] == "stdout" else None)
        finally:
            kc.stop_channels()
            km.shutdown_kernel(now=True)
            server.shutdown()
    assert answered == asked  # every request for the page's widgets was answered: none left the page empty
    assert "".join(count).strip() == "3000"
    # Nothing went wrong on the page's stderr. ipykernel 7 itself prints "No such comm" for a comm message that
    # reaches it while the kernel is busy, and answers it all the same (seen with a plain kernel and sleep(2)).
    problems = [line for line in "".join(stderr).splitlines() if line and not line.startswith("No such comm: ")]
    assert problems == []


# A course page, preheated: drawn now, filled in with the learner's work once the visitor's request arrives.
COURSE_PAGE = """
from plnkit import footer, header, reflection
h = header(1)
r = reflection("why-pln/what")
f = footer(1)
print(f.widget.model_id, r.widget.model_id)
"""


def test_a_browser_that_asks_for_a_preheated_page_s_widgets_early_gets_them_filled_in(tmp_path: Path) -> None:
    """The browser's copy of each widget is made from the answer to request_states; an update sent while the
    browser makes it is lost. So the answer waits until the page is filled in, and shows it loaded."""
    from websockets.sync.server import serve as ws_serve

    go = threading.Event()

    def hand_over(ws: Any) -> None:
        go.wait(60)
        ws.send(json.dumps({"QUERY_STRING": "", "HTTP_COOKIE": ""}))

    def answers_to(kc: Any, requests: list[dict[str, Any]], seconds: float) -> list[dict[str, Any]]:
        """The kernel's answers (comm messages) to ``requests``, as they come, for up to ``seconds``."""
        ids = {r["header"]["msg_id"] for r in requests}
        found: list[dict[str, Any]] = []
        deadline = time.monotonic() + seconds
        while len(found) < len(ids) and time.monotonic() < deadline:
            try:
                msg = kc.get_iopub_msg(timeout=max(0.1, deadline - time.monotonic()))
            except Exception:  # noqa: BLE001 - queue.Empty: nothing more came
                break
            if msg["msg_type"] == "comm_msg" and msg["parent_header"].get("msg_id") in ids:
                found.append(msg)
        return found

    with ws_serve(hand_over, "127.0.0.1", 0) as server:
        port = server.socket.getsockname()[1]
        threading.Thread(target=server.serve_forever, daemon=True).start()
        env = {**os.environ, "PLNKIT_HOME": str(tmp_path), "VOILA_PREHEAT": "True", "VOILA_KERNEL_ID": "k-2",
               "PLNKIT_QUERY_URL": f"ws://127.0.0.1:{port}/plnkit/query/secret"}
        km, kc = start_new_kernel(env=env)
        printed: list[str] = []
        try:
            kc.execute_interactive(COURSE_PAGE, timeout=60, output_hook=lambda m: printed.append(
                m["content"]["text"]) if m["msg_type"] == "stream" and m["content"]["name"] == "stdout" else None)
            footer_id, reflection_id = "".join(printed).split()
            control = uuid.uuid4().hex
            kc.shell_channel.send(kc.session.msg("comm_open", {"comm_id": control, "target_name":
                                                               "jupyter.widget.control", "data": {}},
                                                 metadata={"version": "1.0.0"}))
            # The browser asks before the request has reached the kernel (all of its widgets, then, having
            # waited 4 s, each one's own state): nothing is answered yet.
            every = kc.session.msg("comm_msg", {"comm_id": control, "data": {"method": "request_states"}})
            one = kc.session.msg("comm_msg", {"comm_id": footer_id, "data": {"method": "request_state"}})
            kc.shell_channel.send(every)
            kc.shell_channel.send(one)
            early = answers_to(kc, [every, one], 3)
            go.set()
            answers = answers_to(kc, [every, one], 30)
        finally:
            kc.stop_channels()
            km.shutdown_kernel(now=True)
            server.shutdown()
    assert early == []
    everything = next(m for m in answers if m["content"]["data"]["method"] == "update_states")
    states = everything["content"]["data"]["states"]
    assert "plnkit-loaded" in states[footer_id]["state"]["_dom_classes"]  # the page shows it has loaded
    assert reflection_id in states
    own = next(m for m in answers if m["parent_header"]["msg_id"] == one["header"]["msg_id"])  # as the browser
    assert own["content"]["data"]["method"] == "update"  # matches the answer to its request
    assert "plnkit-loaded" in own["content"]["data"]["state"]["_dom_classes"]
