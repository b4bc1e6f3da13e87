"""Preheated kernels under ``plnkit serve`` (``services/_preheat.py``), in real servers and headless Chromium.

A preheated page has run before anyone asked for it, so these tests prove that what it shows is read after the
request: each learner sees only their own answers (in a workshop too), an answer saved after the page was
preheated is there, a page still works when the pool is empty, and the gate's refusals hold.
"""

from __future__ import annotations

import os
import re
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from plnkit.content import FACILITATOR_NOTEBOOK, MODULES, PAGES

from .conftest import Server, kernel_pids, serve, stop
from .test_browser import assert_the_shipped_charts_are_served, open_course_page
from .test_workshop_browser import join

pytestmark = pytest.mark.browser

START = PAGES[0].notebook
MODULE = MODULES[0].notebook


def log_count(server: Server, pattern: str) -> int:
    text = (server.home / "server.log").read_text(encoding="utf-8", errors="replace")
    return len(re.findall(pattern, text))


def ready(server: Server, notebook: str) -> int:
    """How many preheated kernels of ``notebook`` have come for their request (each one is ready once)."""
    return log_count(server, rf"a preheated page is ready: {re.escape(notebook)}")


def given(server: Server, notebook: str) -> int:
    """How many pages of ``notebook`` were given a preheated kernel."""
    return log_count(server, rf"a page was given a preheated kernel \({re.escape(notebook)}\)")


def wait_ready(server: Server, notebook: str, count: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while ready(server, notebook) < count:
        assert time.monotonic() < deadline, f"no preheated {notebook} became ready ({count} expected)"
        time.sleep(0.3)


def open_preheated(page: Any, server: Server, notebook: str) -> None:
    """Open ``notebook`` once a preheated kernel waits for it, and check the page was given that kernel."""
    before = given(server, notebook)
    wait_ready(server, notebook, before + 1)
    open_course_page(page, server.page(notebook))
    assert given(server, notebook) == before + 1, "the page was not given a preheated kernel"


def new_page(context: Any) -> Any:
    """A page of ``context`` that waits up to a minute (a page opened on a server still filling its pools)."""
    page = context.new_page()
    page.set_default_timeout(60_000)
    return page


def reflection_text(page: Any) -> str:
    return str(page.locator(".plnkit-reflection .plnkit-answer textarea").first.input_value())


def save_reflection(page: Any, text: str) -> None:
    box = page.locator(".plnkit-reflection").first
    box.locator(".plnkit-answer textarea").fill(text)
    box.locator(".plnkit-status").get_by_text(re.compile(r"^Saved at")).wait_for()


@pytest.fixture(scope="module")
def room(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = serve(tmp_path_factory.mktemp("preheat-room"), "--workshop", "--preheat", "1")
    try:
        yield server
    finally:
        stop(server.proc)


def test_two_participants_each_see_only_their_own_answers_on_preheated_pages(room: Server, people: Any) -> None:
    ana, bob = people(), people()
    wait_ready(room, START, 1)
    join(ana, room, "Ana")
    assert given(room, START) == 1  # the start page she joined on was preheated
    wait_ready(room, START, 2)
    join(bob, room, "Bob")
    assert given(room, START) == 2
    assert "Welcome, Ana" in ana.locator(".plnkit-join").inner_text()
    assert "Welcome, Bob" in bob.locator(".plnkit-join").inner_text()
    # The personal link is built from this request's own address (Voila hands a pool kernel the previous one's).
    link = bob.locator(".plnkit-join a").first.get_attribute("href") or ""
    assert link.startswith(room.base + room.render + START + "?learner=")

    open_preheated(ana, room, MODULE)
    assert reflection_text(ana) == ""
    save_reflection(ana, "Ana: I follow three science teachers.")
    open_preheated(bob, room, MODULE)  # preheated before Ana saved; read after Bob's request
    assert reflection_text(bob) == ""
    save_reflection(bob, "Bob: mostly podcasts.")
    open_preheated(ana, room, MODULE)
    assert reflection_text(ana) == "Ana: I follow three science teachers."
    open_preheated(bob, room, MODULE)
    assert reflection_text(bob) == "Bob: mostly podcasts."
    assert "Ana" not in bob.locator("body").inner_text().replace("Analys", "")


def test_a_new_participants_preheated_pages_show_the_charts_as_files_the_gate_lets_through(
        room: Server, people: Any) -> None:
    cy = people()
    wait_ready(room, START, 1)
    join(cy, room, "Cy")
    open_preheated(cy, room, MODULES[2].notebook)
    assert_the_shipped_charts_are_served(cy, room.base + "/", ["network-map", "growth", "balance", "then-and-now"])
    cy.set_viewport_size({"width": 390, "height": 844})
    open_preheated(cy, room, MODULES[1].notebook)
    assert_the_shipped_charts_are_served(cy, room.base + "/", ["stage-schematic", "network-map"])


def test_the_facilitator_page_and_the_request_hand_over_stay_closed(room: Server, people: Any) -> None:
    cy = people()
    wait_ready(room, START, given(room, START) + 1)
    join(cy, room, "Cy")
    response = cy.goto(room.page(FACILITATOR_NOTEBOOK))
    assert response is not None and response.status == 403
    assert "This page is for the facilitator" in cy.locator("body").inner_text()

    # Voila's own hand-over (it checks no token) is not served at all.
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{room.base}/voila/query/{uuid.uuid4()}", timeout=30)
    assert refused.value.code == 404
    # Ours needs the server's secret, and a kernel that is waiting in the pool with no one connected for it yet:
    # with the right secret (read from a kernel's environment, as only this machine's user could), every kernel of
    # the server is refused, pool kernels because each is already waiting, pages' kernels because they are not.
    for course_page in PAGES:  # every pool kernel has run its page and waits for its request
        wait_ready(room, course_page.notebook, given(room, course_page.notebook) + 1)
    kernels = _kernels(room)
    assert kernels, "the server has no kernels"
    secret_url = next(url for _, url in kernels if url)
    for kernel_id, _ in kernels:
        assert _websocket_status(f"{secret_url}/{kernel_id}") == 403
        assert _websocket_status(f"{secret_url[:-4]}AAAA/{kernel_id}") == 403
    # ... and the pool still serves the next participant as themselves.
    open_preheated(cy, room, MODULE)
    assert reflection_text(cy) == ""
    assert "Welcome" not in cy.locator("body").inner_text() or "Cy" in cy.locator("body").inner_text()


def _kernels(server: Server) -> list[tuple[str, str]]:
    """(kernel id, the query URL its environment started with) for each kernel of the server, from /proc.

    A kernel forked from the server's zygote shows the environment the zygote was started with (it then sets
    its own in-process), so the URL is read from the zygote when the kernel's own shows none."""
    def started_with(pid: int) -> str:
        try:
            environ = (Path(f"/proc/{pid}") / "environ").read_bytes().decode(errors="replace").split("\0")
        except OSError:
            return ""
        return next((e.split("=", 1)[1] for e in environ if e.startswith("PLNKIT_QUERY_URL=")), "")

    found = []
    for pid in kernel_pids(server.proc.pid):
        try:
            cmdline = (Path(f"/proc/{pid}") / "cmdline").read_bytes().decode()
            parent = int((Path(f"/proc/{pid}") / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError):
            continue
        match = re.search(r"kernel-([0-9a-f-]{36})\.json", cmdline)
        if match:
            found.append((match.group(1), started_with(pid) or started_with(parent)))
    return found


def _websocket_status(url: str) -> int:
    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect

    try:
        with connect(url, open_timeout=30):
            return 101
    except InvalidStatus as exc:
        return int(exc.response.status_code)


def test_an_answer_saved_after_the_page_was_preheated_is_shown(tmp_path: Path, browser: Any) -> None:
    server = serve(tmp_path, "--preheat", "1")
    context = browser.new_context()
    try:
        first = context.new_page()
        first.set_default_timeout(60_000)
        open_preheated(first, server, MODULE)
        wait_ready(server, MODULE, 2)  # the next page of this module has run and waits...
        save_reflection(first, "Saved while the next page was waiting.")  # ... when this is saved
        second = context.new_page()
        second.set_default_timeout(60_000)
        open_preheated(second, server, MODULE)
        assert reflection_text(second) == "Saved while the next page was waiting."
    finally:
        context.close()
        stop(server.proc)


def test_a_page_works_when_the_pool_is_empty(tmp_path: Path, browser: Any) -> None:
    # Four pages' pools fill the server's four places: a kernel taken from one is not replaced.
    server = serve(tmp_path, "--workshop", "--preheat", "1", "--max-pages", "4")
    context = browser.new_context()
    try:
        page = context.new_page()
        page.set_default_timeout(60_000)
        wait_ready(server, START, 1)
        join(page, server, "Dee")
        assert given(server, START) == 1
        save_reflection(page, "Dee hopes to find a maths network.")
        open_course_page(page, server.page(START))
        assert given(server, START) == 1, "the start page's pool was refilled past the server's cap"
        assert log_count(server, r"not refilling the preheated pool of 00_start") >= 1
        assert reflection_text(page) == "Dee hopes to find a maths network."
        assert "Welcome, Dee" in page.locator(".plnkit-join").inner_text()
    finally:
        context.close()
        stop(server.proc)


def test_serve_preheats_course_pages_but_never_the_facilitator_s_or_over_tls(tmp_path: Path) -> None:
    from plnkit import cli

    hot = cli.voila_command(tmp_path, host="127.0.0.1", port=1, open_browser=False, preheat=2)
    assert "--preheat_kernel=True" in hot and "--pool_size=2" in hot
    assert f"--VoilaKernelManager.preheat_denylist={FACILITATOR_NOTEBOOK}" in hot
    for cold in (cli.voila_command(tmp_path, host="127.0.0.1", port=1, open_browser=False, preheat=0),
                 cli.voila_command(tmp_path, host="127.0.0.1", port=1, open_browser=False, certfile="c.pem",
                                   keyfile="k.pem")):
        assert not any(a.startswith("--") and ("preheat" in a or "pool_size" in a) for a in cold)
        assert "--VoilaExecutor.timeout=120" in cold
    # Voila fills every pool before the server counts kernels: the pools never start more than --max-pages.
    fits = cli.voila_command(tmp_path, host="127.0.0.1", port=1, open_browser=False, preheat=5, max_pages=9)
    assert f"--pool_size={9 // len(PAGES)}" in fits
    none = cli.voila_command(tmp_path, host="127.0.0.1", port=1, open_browser=False, preheat=2, max_pages=2)
    assert not any("preheat_kernel" in a or "pool_size" in a for a in none)


def test_the_hand_over_secret_and_kernel_ids_never_reach_the_log() -> None:
    from plnkit.services._gate import _shown_path

    kernel = str(uuid.uuid4())
    shown = _shown_path(f"/plnkit/query/KTZoG-UzjBNpq5pVIQUX_GQUnJl0RBUK/{kernel}")
    assert "KTZoG" not in shown and kernel not in shown and shown == "/plnkit/query/<secret>/<kernel>"
    assert _shown_path(f"/api/kernels/{kernel}/channels") == "/api/kernels/<kernel>/channels"


def test_a_kernel_replaced_for_age_is_taken_out_of_its_pool_before_anyone_can_be_given_it() -> None:
    from concurrent.futures import Future

    from plnkit.services._preheat import PoolWatch

    class Manager:  # the parts of Voila's kernel manager the pool bookkeeping uses
        def __init__(self) -> None:
            self._pools: dict[str, list[Any]] = {"00_start.ipynb": []}
            self.fill_if_needed = self.get_rendered_notebook = self.get_pool_size = lambda *a, **k: None

    manager = Manager()
    started: Future[dict[str, str]] = Future()  # a pool entry: a finished start with its kernel id
    started.set_result({"kernel_id": "k1"})
    manager._pools["00_start.ipynb"].append(started)
    async def shut_down(_kernel_id: str) -> None:
        return None

    watch = PoolWatch(manager, max_age=0, has_room=lambda: True, on_handout=lambda _k: None, shut_down=shut_down)
    assert watch._withdraw("k1") and not watch._withdraw("k1") and manager._pools["00_start.ipynb"] == []


def test_a_preheated_kernel_reads_its_request_once_and_retries_a_dropped_hand_over(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import json
    import threading

    from websockets.sync.server import serve as ws_serve

    from plnkit.services import session as sess

    calls: list[str] = []

    def handler(ws: Any) -> None:
        calls.append(ws.request.path)
        if len(calls) == 1:
            ws.close()  # a dropped first connection: the kernel must come back rather than go on without it
            return
        ws.send(json.dumps({"QUERY_STRING": "a=1", "HTTP_COOKIE": "plnkit_learner=x", "SCRIPT_NAME": "/p"}))

    with ws_serve(handler, "127.0.0.1", 0) as server:
        port = server.socket.getsockname()[1]
        threading.Thread(target=server.serve_forever, daemon=True).start()
        from plnkit.services import _request

        monkeypatch.setattr(_request, "_request_seen", False)
        monkeypatch.setattr(_request, "_arrived", threading.Event())
        for name in ("QUERY_STRING", "HTTP_COOKIE", "SCRIPT_NAME"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv(sess.PREHEAT_ENV, "True")
        monkeypatch.setenv(sess.QUERY_URL_ENV, f"ws://127.0.0.1:{port}/plnkit/query/secret")
        monkeypatch.setenv("VOILA_KERNEL_ID", "k-1")
        assert sess.preheated()
        loaded: list[str] = []
        thread = sess.after_request(lambda: loaded.append(os.environ["QUERY_STRING"]))
        assert thread is not None
        thread.join(60)
        assert loaded == ["a=1"] and os.environ["HTTP_COOKIE"] == "plnkit_learner=x"
        assert not sess.preheated() and calls == ["/plnkit/query/secret/k-1"] * 2
        sess.wait_for_request()  # once only: returns at once
        assert len(calls) == 2 and sess.after_request(lambda: None) is None
        server.shutdown()


def test_kernels_waiting_in_the_pool_are_not_culled_as_dropped_pages(tmp_path: Path, browser: Any) -> None:
    server = serve(tmp_path, "--preheat", "1", "--keep-dropped", "5")
    context = browser.new_context()
    try:
        for course_page in PAGES:
            wait_ready(server, course_page.notebook, 1)
        waiting = set(kernel_pids(server.proc.pid))
        assert len(waiting) == len(PAGES)
        time.sleep(50)  # three rounds of the culler, each well past --keep-dropped: a page-less kernel would go
        assert set(kernel_pids(server.proc.pid)) == waiting
        assert log_count(server, r"shutting down a kernel") == 0
        open_preheated(new_page(context), server, MODULE)
    finally:
        context.close()
        stop(server.proc)


def test_a_kernel_that_waited_in_the_pool_is_not_culled_before_its_page_connects(tmp_path: Path,
                                                                                browser: Any) -> None:
    """A preheated kernel has been idle since it ran its page; Voila spares it while it is in the pool. Handed to
    a page, it used to be culled as idle in the seconds before the browser connected, and the page stayed on
    "Loading widget..." for good (a full test run caught it). The page's own request is given a kernel here
    and its browser never connects: the kernel stays through several rounds of the idle culler (the server
    shuts an unopened page down only after UNOPENED_SECONDS), and the next page opened that way loads."""
    server = serve(tmp_path, "--preheat", "1", "--keep-dropped", "4")  # idle culler: 4 s, every 2 s
    context = browser.new_context()
    try:
        wait_ready(server, MODULE, 1)
        time.sleep(8)  # idle in the pool for twice the idle timeout
        before = set(kernel_pids(server.proc.pid))
        with urllib.request.urlopen(server.page(MODULE), timeout=60) as answer:  # a page asked for, never opened
            assert answer.status == 200 and b"<html" in answer.read().lower()
        assert given(server, MODULE) == 1
        time.sleep(10)  # five rounds of the idle culler
        assert before <= set(kernel_pids(server.proc.pid)), "the page's kernel was shut down before it connected"
        assert log_count(server, r"Culling 'idle' kernel") == 0
        wait_ready(server, MODULE, 2)
        time.sleep(8)
        open_preheated(new_page(context), server, MODULE)
    finally:
        context.close()
        stop(server.proc)


def test_text_typed_as_a_preheated_page_sends_its_answers_again_is_never_overwritten(tmp_path: Path,
                                                                                      browser: Any) -> None:
    # A preheated page is filled in once its request arrives, and what that changed is sent to the browser again
    # a moment later (services/_kernel.py). A learner who clears the shown answer and types meanwhile must keep
    # every word. The kernel's second send is made to come while the learner's first keystrokes are still on their
    # way to the kernel (held here, as a busy kernel or a slow network holds them): the browser must keep its text.
    resend = 6.0
    server = serve(tmp_path, "--preheat", "1", env={"PLNKIT_RESEND_AFTER": str(resend)})
    context = browser.new_context()
    old = "My old answer names three colleagues."
    new = "New words: a maths teacher in Leeds."
    try:
        first = new_page(context)
        open_preheated(first, server, MODULE)
        save_reflection(first, old)
        first.close()

        held: list[Any] = []
        hold = {"on": False, "old_sent_again": False}

        def route(ws: Any) -> None:
            kernel = ws.connect_to_server()

            def to_kernel(message: Any) -> None:
                if hold["on"]:
                    held.append((kernel, message))
                else:
                    kernel.send(message)

            def to_page(message: Any) -> None:
                if hold["on"] and old in (message if isinstance(message, str) else message.decode("utf-8", "replace")):
                    hold["old_sent_again"] = True
                ws.send(message)

            ws.on_message(to_kernel)
            kernel.on_message(to_page)

        page = new_page(context)
        page.route_web_socket(re.compile(r"/channels"), route)
        open_preheated(page, server, MODULE)
        box = page.locator(".plnkit-reflection").first
        field = box.locator(".plnkit-answer textarea")
        assert field.input_value() == old
        hold["on"] = True  # the learner's keystrokes now wait on the way to the kernel
        field.fill("")
        field.press_sequentially(new)
        deadline = time.monotonic() + resend + 20
        while not hold["old_sent_again"]:
            assert time.monotonic() < deadline, "the kernel never sent the filled-in answer again"
            page.wait_for_timeout(200)
        page.wait_for_timeout(1000)  # the browser has handled it
        assert field.input_value() == new, "the answer sent again was put over the learner's typing"
        assert held, "none of the learner's keystrokes was held back"
        hold["on"] = False
        for kernel, message in held:  # they reach the kernel now, in order
            kernel.send(message)
        box.locator(".plnkit-status").get_by_text(re.compile(r"^Saved at")).wait_for()
        assert field.input_value() == new
        page.reload()
        page.wait_for_selector(".plnkit-footer.plnkit-loaded")
        assert page.locator(".plnkit-reflection .plnkit-answer textarea").first.input_value() == new
    finally:
        context.close()
        stop(server.proc)

