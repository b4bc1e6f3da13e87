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


def test_a_live_part_s_updates_run_on_the_loop_s_thread_until_it_pauses_or_is_stopped(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The backchannel, the facilitator's room and a workshop page's link check change widgets every few seconds:
    each change is made on the kernel's main thread, never on the thread that waits between them."""
    from plnkit.services import _kernel

    monkeypatch.setattr(_kernel, "in_kernel", lambda: True)  # this test's loop stands in for the kernel's
    seen: dict[str, Any] = {"paused": [], "stopped": []}

    async def main() -> None:
        loop_thread = threading.get_ident()
        pause, stop = threading.Event(), threading.Event()

        def pausing() -> bool:  # a live part that pauses after its third update (a quiet spell)
            seen["paused"].append(threading.get_ident())
            return len(seen["paused"]) < 3

        def stopped() -> None:  # one that goes on until its page goes
            seen["stopped"].append(threading.get_ident())
            if len(seen["stopped"]) == 2:
                stop.set()

        first = _kernel.every_on_main(0.01, pausing, pause, "test-pausing")
        second = _kernel.every_on_main(0.01, stopped, stop, "test-stopped")
        await asyncio.to_thread(first.join, 10)
        await asyncio.to_thread(second.join, 10)
        seen["loop"] = loop_thread
        seen["alive"] = first.is_alive() or second.is_alive()

    run_in_own_loop(main)
    assert not seen["alive"] and len(seen["paused"]) == 3 and len(seen["stopped"]) == 2
    assert set(seen["paused"]) | set(seen["stopped"]) == {seen["loop"]}


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
            while answered < asked:  # each answer holds up to 3,000 widgets: slow on a busy 2-core machine
                msg = kc.get_iopub_msg(timeout=90)
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


class PreheatedCoursePage:
    """A kernel that has drawn :data:`COURSE_PAGE` as a pool kernel does, and waits for its visitor's request
    (``arrive()`` hands it over); ``ask(method, comm_id)`` sends what a browser sends; ``replies(...)`` collects
    the kernel's comm messages."""

    def __init__(self, tmp_path: Path) -> None:
        from websockets.sync.server import serve as ws_serve

        self._go = threading.Event()

        def hand_over(ws: Any) -> None:
            self._go.wait(60)
            ws.send(json.dumps({"QUERY_STRING": "", "HTTP_COOKIE": ""}))

        self._server = ws_serve(hand_over, "127.0.0.1", 0)
        port = self._server.socket.getsockname()[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        env = {**os.environ, "PLNKIT_HOME": str(tmp_path), "VOILA_PREHEAT": "True", "VOILA_KERNEL_ID": "k-2",
               "PLNKIT_QUERY_URL": f"ws://127.0.0.1:{port}/plnkit/query/secret",
               "VOILA_BASE_URL": "/"}  # as Voila sets it for every kernel it starts (services/_announce.py)
        self.km, self.kc = start_new_kernel(env=env)
        printed: list[str] = []
        self.kc.execute_interactive(COURSE_PAGE, timeout=60, output_hook=lambda m: printed.append(
            m["content"]["text"]) if m["msg_type"] == "stream" and m["content"]["name"] == "stdout" else None)
        self.footer_id, self.reflection_id = "".join(printed).split()
        self.control = uuid.uuid4().hex
        self.kc.shell_channel.send(self.kc.session.msg("comm_open", {
            "comm_id": self.control, "target_name": "jupyter.widget.control", "data": {}},
            metadata={"version": "1.0.0"}))

    def ask(self, method: str, comm_id: str) -> dict[str, Any]:
        msg = self.kc.session.msg("comm_msg", {"comm_id": comm_id, "data": {"method": method}})
        self.kc.shell_channel.send(msg)
        return msg

    def arrive(self) -> None:
        self._go.set()

    def replies(self, seconds: float, until: Any) -> list[dict[str, Any]]:
        """The kernel's comm messages for up to ``seconds``, or until ``until(those so far)`` is true."""
        found: list[dict[str, Any]] = []
        deadline = time.monotonic() + seconds
        while not until(found) and time.monotonic() < deadline:
            try:
                msg = self.kc.get_iopub_msg(timeout=max(0.1, deadline - time.monotonic()))
            except Exception:  # noqa: BLE001 - queue.Empty: nothing more came
                break
            if msg["msg_type"] == "comm_msg":
                found.append(msg)
        return found

    def close(self) -> None:
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)
        self._server.shutdown()


def answering(requests: list[dict[str, Any]]) -> Any:
    ids = {r["header"]["msg_id"] for r in requests}
    return lambda found: ids <= {m["parent_header"].get("msg_id") for m in found}


def test_a_preheated_page_filled_in_while_the_browser_builds_its_widgets_sends_them_again(tmp_path: Path) -> None:
    """The browser builds its copy of each widget from the answer to request_states, and drops an update that
    arrives while it does. A page filled in after that answer sends what it changed again, whole, a moment
    later: the footer says the page has loaded even in a browser that lost the first update."""
    page = PreheatedCoursePage(tmp_path)

    def footer_whole_and_loaded(found: list[dict[str, Any]]) -> bool:
        return any(m["content"]["comm_id"] == page.footer_id and "_model_name" in m["content"]["data"].get(
            "state", {}) and "plnkit-loaded" in m["content"]["data"]["state"]["_dom_classes"] for m in found)

    try:
        every = page.ask("request_states", page.control)  # the browser asks before the visitor's request is in
        first = page.replies(30, answering([every]))
        page.arrive()
        later = page.replies(30, footer_whole_and_loaded)
    finally:
        page.close()
    states = next(m for m in first if m["content"]["data"].get("method") == "update_states")["content"]["data"]
    assert "plnkit-loaded" not in states["states"][page.footer_id]["state"]["_dom_classes"]  # not filled in yet
    assert page.reflection_id in states["states"]
    assert footer_whole_and_loaded(later)


def test_a_preheated_page_whose_request_arrives_as_the_browser_asks_answers_with_the_page_filled_in(
        tmp_path: Path) -> None:
    """On a loaded server the visitor's request can reach the kernel after the browser has opened the widget
    control channel. The kernel waits a moment for it there and fills the page in before it answers, so the
    browser's first copy of every widget is the filled-in one: nothing rests on an update it might drop."""
    page = PreheatedCoursePage(tmp_path)  # the browser has opened the control channel; the request isn't in
    try:
        threading.Timer(0.3, page.arrive).start()  # it arrives a moment later, on its way as the browser asks
        every = page.ask("request_states", page.control)
        first = page.replies(30, answering([every]))
    finally:
        page.close()
    states = next(m for m in first if m["content"]["data"].get("method") == "update_states")["content"]["data"]
    assert "plnkit-loaded" in states["states"][page.footer_id]["state"]["_dom_classes"]
    assert page.reflection_id in states["states"]
    # filled in before the answer, and held back until then: no update of the footer went ahead of it
    assert not any(m["content"]["comm_id"] == page.footer_id for m in first)
