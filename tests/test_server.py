"""The course server's gate, over real HTTP to a real ``plnkit serve`` on loopback."""

from __future__ import annotations

import functools
import gzip
import http.client
import os
import queue
import re
import shutil
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlencode, urlsplit
from urllib.request import HTTPCookieProcessor, HTTPErrorProcessor, HTTPHandler, Request, build_opener, urlopen

import pytest

from plnkit.content import FACILITATOR_NOTEBOOK, MODULES, PAGES
from plnkit.services import session
from plnkit.services.server import CSP
from plnkit.services.store import DB_NAME, Store

from .conftest import ROOT, Server, free_port, kernel_pids, serve, stop

START = PAGES[0].notebook


class NoRedirect(HTTPErrorProcessor):
    def http_response(self, request: Request, response: object) -> object:
        return response

    https_response = http_response


class FromAddress(HTTPHandler):
    """Connects from a given local address: another computer in the room, on loopback (127.0.0.2, ...)."""

    def __init__(self, address: str) -> None:
        super().__init__()
        self.address = address

    def http_open(self, req: Request) -> object:
        return self.do_open(functools.partial(http.client.HTTPConnection, source_address=(self.address, 0)), req)


class Client:
    """A browser-like HTTP client with its own cookies, that reports redirects instead of following them;
    ``address``: the loopback address it connects from (127.0.0.1, the server's own, unless given)."""

    def __init__(self, server: Server, address: str = "") -> None:
        self.server = server
        self.jar = CookieJar()
        self.opener = build_opener(HTTPCookieProcessor(self.jar), NoRedirect(),
                                   *([FromAddress(address)] if address else []))

    def get(self, path: str, **headers: str) -> tuple[int, dict[str, str], str]:
        with self.opener.open(Request(self.server.base + path, headers=headers), timeout=120) as r:
            return r.status, dict(r.headers), r.read().decode("utf-8", "replace")

    def cookie(self, name: str) -> str | None:
        return next((c.value for c in self.jar if c.name == name), None)

    def open_link(self, path_and_query: str) -> tuple[int, dict[str, str], str]:
        """Follow a personal link: the confirmation page, then its "Continue" button (a POST with _xsrf)."""
        status, _, body = self.get(path_and_query)
        assert status == 200 and "Continue as" in body, body[:300]
        token = re.search(r'name="token" value="([^"]+)"', body).group(1)  # type: ignore[union-attr]
        target = re.search(r'name="next" value="([^"]+)"', body).group(1)  # type: ignore[union-attr]
        data = urlencode({"token": token, "next": target, "_xsrf": self.cookie("_xsrf") or ""}).encode()
        with self.opener.open(Request(self.server.base + "/plnkit/open", data=data, method="POST"), timeout=60) as r:
            return r.status, dict(r.headers), r.read().decode("utf-8", "replace")

    def join(self, name: str) -> tuple[int, dict[str, str], str]:
        self.get(self.server.render + START)  # the join page sets the _xsrf cookie
        body = urlencode({"name": name, "_xsrf": self.cookie("_xsrf") or ""}).encode()
        request = Request(self.server.base + "/plnkit/join", data=body, method="POST")
        with self.opener.open(request, timeout=60) as r:
            return r.status, dict(r.headers), r.read().decode("utf-8", "replace")


@pytest.fixture(scope="module")
def workshop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    home = tmp_path_factory.mktemp("gate-home")
    server = serve(home, "--workshop", "--max-pages", "6", "--max-pages-each", "2")
    try:
        yield server
    finally:
        stop(server.proc)


def wait_for_kernels(server: Server, count: int, timeout: float = 30) -> list[int]:
    deadline = time.monotonic() + timeout
    while True:
        pids = kernel_pids(server.proc.pid)
        if len(pids) == count or time.monotonic() > deadline:
            return pids
        time.sleep(0.5)


def test_requests_without_a_valid_link_start_no_kernel(workshop: Server) -> None:
    before = len(kernel_pids(workshop.proc.pid))
    for i in range(20):
        page = (PAGES[i % len(PAGES)].notebook)
        status, headers, body = Client(workshop).get(workshop.render + page + ("?learner=" + "A" * 24 if i % 3 == 0
                                                                               else ""))
        assert status in (200, 403)
        assert "Join the workshop" in body and "kernel" not in body.lower()
        assert headers["Content-Security-Policy"] == CSP and headers["Referrer-Policy"] == "no-referrer"
    time.sleep(2)
    assert len(kernel_pids(workshop.proc.pid)) == before


def test_an_unknown_link_gets_the_message_and_creates_nothing(workshop: Server) -> None:
    status, _, body = Client(workshop).get(f"{workshop.render}{START}?learner={'B' * 24}")
    assert status == 403 and "This link isn&#39;t recognised: check it, or join again." in body
    with Store(workshop.home / DB_NAME) as store:
        assert all(p.name != "" for p in store.participants())
        names_before = [p.name for p in store.participants()]
    Client(workshop).get(f"{workshop.render}{START}?learner={'C' * 24}")
    with Store(workshop.home / DB_NAME) as store:
        assert [p.name for p in store.participants()] == names_before


def test_joining_sets_a_private_cookie_and_takes_the_token_out_of_the_address(workshop: Server) -> None:
    alice = Client(workshop)
    status, headers, _ = alice.join("Alice")
    assert status == 303 and headers["Location"] == workshop.render + START
    cookie = headers["Set-Cookie"]
    assert "plnkit_learner=" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    token = alice.cookie("plnkit_learner")
    assert token
    # The personal link (for another device) asks first, then becomes the cookie there and leaves the address.
    phone = Client(workshop)
    status, headers, _ = phone.open_link(f"{workshop.render}{MODULES[0].notebook}?learner={token}")
    assert status == 303 and headers["Location"] == workshop.render + MODULES[0].notebook
    assert phone.cookie("plnkit_learner") == token
    status, _, body = phone.get(workshop.render + MODULES[0].notebook)
    assert status == 200 and "jupyter-widget" in body and "Join the workshop" not in body


def test_a_join_without_the_form_s_xsrf_value_is_refused(workshop: Server) -> None:
    c = Client(workshop)
    c.get(workshop.render + START)
    request = Request(workshop.base + "/plnkit/join", data=urlencode({"name": "Mallory"}).encode(), method="POST")
    with c.opener.open(request, timeout=60) as r:
        assert r.status == 403
    with Store(workshop.home / DB_NAME) as store:
        assert "Mallory" not in [p.name for p in store.participants()]


def test_no_token_reaches_the_server_log(workshop: Server) -> None:
    secret = "S3cretS3cretS3cretS3cret"
    carol = Client(workshop)
    carol.join("Carol")
    own = carol.cookie("plnkit_learner")
    assert own
    carol.get(f"{workshop.render}missing.ipynb?learner={own}&x={secret}")
    carol.get(f"{workshop.render}missing.ipynb?x={secret}")
    Client(workshop).get(f"{workshop.render}missing.ipynb?learner={secret}")
    Client(workshop).get(f"/voila/nothing-here?learner={secret}&_xsrf=1")
    request = Request(f"{workshop.base}/plnkit/join?learner={secret}", data=b"name=x", method="POST")
    with Client(workshop).opener.open(request, timeout=30) as r:  # refused (no _xsrf): tornado logs such errors
        assert r.status == 403
    Client(workshop).get(f"{workshop.render}{START}?learner={secret}")
    time.sleep(0.5)
    log = (workshop.home / "server.log").read_text(errors="replace")
    assert secret not in log and own not in log
    assert re.search(r"404 GET /voila/nothing-here \d+ms", log)


def test_the_facilitator_link_is_written_to_a_private_file_with_a_usable_address(workshop: Server) -> None:
    link_file = workshop.home / "facilitator-link.txt"
    assert link_file.stat().st_mode & 0o077 == 0
    link = link_file.read_text().strip()
    assert link.startswith("http://localhost:") and "0.0.0.0" not in link and "?learner=" in link
    status, headers, _ = Client(workshop).open_link(workshop.render + START + "?" + urlsplit(link).query)
    assert status == 303 and headers["Location"] == workshop.render + START


def test_a_link_followed_from_another_site_can_t_switch_who_you_are(workshop: Server) -> None:
    vera, eve = Client(workshop), Client(workshop)
    vera.join("Vera")
    eve.join("Eve")
    eves = eve.cookie("plnkit_learner")
    status, _, body = vera.get(f"{workshop.render}{START}?learner={eves}")  # the attacker's link
    assert status == 200 and "Continue as Eve" in body
    assert vera.cookie("plnkit_learner") != eves  # nothing changed without her confirming
    forged = urlencode({"token": eves, "next": workshop.render + START}).encode()  # no _xsrf: another site's form
    with vera.opener.open(Request(workshop.base + "/plnkit/open", data=forged, method="POST"), timeout=60) as r:
        assert r.status == 403
    assert vera.cookie("plnkit_learner") != eves


def test_another_site_can_t_start_kernels_and_no_one_reaches_another_s_kernel(workshop: Server) -> None:
    dan = Client(workshop)
    dan.join("Dan")
    before = len(kernel_pids(workshop.proc.pid))
    for mode in ("no-cors", "cors"):
        status, _, _ = dan.get(workshop.render + MODULES[2].notebook, **{"Sec-Fetch-Site": "cross-site",
                                                                        "Sec-Fetch-Mode": mode,
                                                                        "Sec-Fetch-Dest": "empty"})
        assert status == 403
    assert len(kernel_pids(workshop.proc.pid)) == before
    status, _, body = dan.get(workshop.render + MODULES[2].notebook)
    kernel_id = re.search(r'"kernelId": "([0-9a-f-]{36})"', body).group(1)  # type: ignore[union-attr]
    assert dan.get(f"/api/kernels/{kernel_id}")[0] == 200
    eve = Client(workshop)
    eve.join("Eve Two")
    assert eve.get(f"/api/kernels/{kernel_id}")[0] == 403
    assert Client(workshop).get(f"/api/kernels/{kernel_id}")[0] == 403


def test_the_kernel_caps_hold_with_a_plain_page(workshop: Server) -> None:
    bob = Client(workshop)
    bob.join("Bob")
    for _ in range(2):
        status, _, _ = bob.get(workshop.render + START)
        assert status == 200
    status, headers, body = bob.get(workshop.render + START)
    assert status == 503 and headers["Retry-After"] == "60" and "Close a tab you no longer need" in body
    others = [Client(workshop) for _ in range(3)]
    codes = []
    for n, other in enumerate(others):
        other.join(f"Guest {n}")
        codes += [other.get(workshop.render + START)[0] for _ in range(2)]
    assert codes.count(503) >= 1 and len(kernel_pids(workshop.proc.pid)) <= 6


def test_pages_asked_for_at_the_same_moment_can_t_pass_the_caps(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    server = serve(tmp_path, "--workshop", "--max-pages", "10", "--max-pages-each", "2")
    try:
        fay = Client(server)
        fay.join("Fay")
        with ThreadPoolExecutor(8) as pool:
            codes = list(pool.map(lambda _: fay.get(server.render + START)[0], range(8)))
        assert codes.count(200) == 2 and codes.count(503) == 6, codes
        assert len(kernel_pids(server.proc.pid)) == 2
    finally:
        stop(server.proc)


def test_a_person_opening_tabs_one_after_another_reaches_their_cap(tmp_path: Path) -> None:
    """A participant opening several tabs in quick succession must get as many pages as their cap, not half:
    a trial opening 10 tabs at once was refused at the sixth, "holding 8 pages open for you". A page was
    counted twice while it was being run for its request: as the place its request held and as its kernel."""
    from concurrent.futures import ThreadPoolExecutor

    server = serve(tmp_path, "--workshop", "--max-pages", "20", "--max-pages-each", "3")
    try:
        jo = Client(server)
        jo.join("Jo")
        pages = [START, MODULES[0].notebook, MODULES[1].notebook]
        with ThreadPoolExecutor(len(pages)) as pool:
            asked = []
            for n, notebook in enumerate(pages):  # each asked for once the one before has its kernel, still running
                asked.append(pool.submit(jo.get, server.render + notebook))
                wait_for_kernels(server, n + 1)
            answers = [future.result() for future in asked]
        assert [status for status, _, _ in answers] == [200, 200, 200], [body[:300] for _, _, body in answers]
        status, _, body = jo.get(server.render + MODULES[2].notebook)
        assert status == 503 and "You have 3 course pages open" in body  # the cap still holds, counted right
        # A crashed tab's page makes way at the cap (see the let-go tests), not after the culler's 5 minutes.
        assert "makes way when you try again, once it is 30 seconds old" in body
        # Its one way on asks for the same page again (the course start would be refused just the same).
        assert f'href="{server.render}{MODULES[2].notebook}">Try again</a>' in body
        assert "Back to the course start" not in body
    finally:
        stop(server.proc)


@pytest.mark.parametrize("path", ["/voila/templates/plnkit/static/", "/voila/templates/plnkit/plnkit-page.html",
                                  "/voila/templates/../../../etc/passwd", "/voila/templates/plnkit/static/..%2f..%2fx",
                                  "/voila/templates/plnkit/static/icon.svg%00", "/voila/render/facilitator.ipynb%00",
                                  "/voila/render/00_start.ipynb%0d%0aX-Injected:%20yes", "/voila/render/%2e%2e%5cx"])
def test_odd_addresses_get_a_plain_not_found_and_no_traceback_in_the_log(workshop: Server, path: str) -> None:
    """Anyone on the network could ask for these, without a link: Voila's handlers failed on them with a 500 and
    a traceback in the operator's log each time. None is a course address; the course's own files still load."""
    conn = http.client.HTTPConnection("127.0.0.1", urlsplit(workshop.base).port, timeout=30)
    conn.request("GET", path)
    response = conn.getresponse()
    assert response.status == 404 and "X-Injected" not in dict(response.getheaders())
    conn.close()
    for good in ("/voila/templates/plnkit/static/icon.svg", "/voila/templates/plnkit/static/course.js",
                 "/voila/static/voila.js"):
        assert Client(workshop).get(good)[0] == 200
    assert "Traceback" not in (workshop.home / "server.log").read_text(encoding="utf-8", errors="replace")


@pytest.mark.parametrize("path", ["/", "/voila/tree", "/voila/tree/", "/voila/tree/course"])
def test_the_bare_address_and_voila_s_file_list_lead_to_the_start_page(workshop: Server, path: str) -> None:
    """A trial found the bare address showing Voila's list of every notebook, the facilitator's page included."""
    status, headers, body = Client(workshop).get(path)
    assert status == 302 and headers["Location"] == workshop.render + START
    assert "facilitator" not in body and headers["Content-Security-Policy"] == CSP


def test_a_room_filled_by_others_still_lets_the_facilitator_in(tmp_path: Path) -> None:
    """Joining needs only a name: two people asking for pages they never open can fill the server. The
    facilitator, who can revoke their links and close the workshop, still gets their pages (their own cap holds)."""
    server = serve(tmp_path, "--workshop", "--max-pages", "4", "--max-pages-each", "2")
    try:
        for name in ("Gus", "Hal"):
            guest = Client(server)
            guest.join(name)
            assert [guest.get(server.render + START)[0] for _ in range(2)] == [200, 200]
        late = Client(server)
        late.join("Ida")
        status, _, body = late.get(server.render + START)
        assert status == 503 and "Too many course pages are open on this server" in body
        boss = Client(server)
        boss.open_link(f"{server.render}{START}?learner={session.facilitator_token(server.home)}")
        assert boss.get(server.render + FACILITATOR_NOTEBOOK)[0] == 200
        assert boss.get(server.render + START)[0] == 200
        assert boss.get(server.render + START)[0] == 503  # their own cap of 2 pages
    finally:
        stop(server.proc)


def test_one_computer_can_t_fill_the_room_by_joining_names(tmp_path: Path) -> None:
    """Joining needs only a name, so a script on one computer could join name after name and hold pages it
    never opens. The pages of everyone who joined from one address count together, and so do their joins;
    another computer in the room still gets in."""
    server = serve(tmp_path, "--workshop", "--max-pages", "12", "--max-pages-each", "2",
                   "--max-pages-per-computer", "4")
    try:
        names = iter(f"Bot {n}" for n in range(20))
        for _ in range(2):
            bot = Client(server, "127.0.0.2")
            bot.join(next(names))
            assert [bot.get(server.render + START)[0] for _ in range(2)] == [200, 200]
        third = Client(server, "127.0.0.2")
        third.join(next(names))
        status, headers, body = third.get(server.render + START)
        assert status == 503 and "This computer has 4 course pages open" in body and headers["Retry-After"] == "60"
        codes = []
        for _ in range(4):  # six joins from one computer in ten minutes, then no more
            codes.append(Client(server, "127.0.0.2").join(next(names))[0])
        assert 503 not in codes[:3] and codes[-1] == 503
        status, _, body = Client(server, "127.0.0.2").join(next(names))
        assert status == 503 and "6 people have joined from this computer" in body
        with Store(server.home / DB_NAME) as store:
            assert sum(p.name.startswith("Bot") for p in store.participants()) == 6
        neighbour = Client(server, "127.0.0.3")  # someone else in the room
        assert neighbour.join("Nia")[0] in (200, 303)
        assert neighbour.get(server.render + START)[0] == 200
    finally:
        stop(server.proc)


def test_at_their_cap_a_persons_page_whose_browser_never_connected_is_let_go_for_a_new_one(tmp_path: Path) -> None:
    """A crashed tab, or pages fetched and never opened, must not lock a person out (the facilitator, who can
    close the room, least of all): at their cap, their oldest page without a browser makes way."""
    server = serve(tmp_path, "--workshop", "--max-pages", "10", "--max-pages-each", "2",
                   env={"PLNKIT_LOADING_SECONDS": "2"})
    try:
        boss = Client(server)
        boss.open_link(f"{server.render}{START}?learner={session.facilitator_token(server.home)}")
        assert [boss.get(server.render + START)[0] for _ in range(2)] == [200, 200]
        before = set(wait_for_kernels(server, 2))
        time.sleep(3)  # neither page's browser ever connected
        assert boss.get(server.render + FACILITATOR_NOTEBOOK)[0] == 200
        deadline = time.monotonic() + 30
        while len(kernel_pids(server.proc.pid)) != 2 and time.monotonic() < deadline:
            time.sleep(0.3)
        after = set(kernel_pids(server.proc.pid))
        assert len(after) == 2 and len(before - after) == 1  # one let go, the new one running
    finally:
        stop(server.proc)


def test_a_tab_closed_while_its_page_was_connecting_is_let_go_and_leaves_no_traceback(tmp_path: Path) -> None:
    """A tab closed (or reloaded) while its websocket waits for its busy kernel must still be let go at the
    person's cap: a trial closed tabs during a flood and was refused "You have 8 course pages open" with one
    open, until the closed tabs' kernels were culled minutes later. jupyter_server counted that closed socket as a
    disconnection it had never counted as a connection (-1), and logged a traceback for the handshake."""
    import signal
    import socket

    from websockets.sync.client import connect

    server = serve(tmp_path, "--workshop", "--max-pages", "10", "--max-pages-each", "2",
                   env={"PLNKIT_LOADING_SECONDS": "2"})
    try:
        jo = Client(server)
        jo.join("Jo")
        kernels = []
        for notebook in (START, MODULES[0].notebook):
            status, _, body = jo.get(server.render + notebook)
            assert status == 200
            kernels.append(re.search(r'"kernelId":\s*"([0-9a-f-]{36})"', body).group(1))  # type: ignore[union-attr]
        closed_tab, open_tab = kernels
        cookie = f"{session.COOKIE}={jo.cookie(session.COOKIE)}"
        host, port = urlsplit(server.base).hostname, urlsplit(server.base).port
        channels = "/api/kernels/{}/channels?session_id={}"
        with connect(f"ws://{host}:{port}" + channels.format(open_tab, "open-tab"), open_timeout=60,
                     additional_headers={"Cookie": cookie}):  # this tab stays open and connected
            pids = kernel_pids(server.proc.pid)
            for pid in pids:  # busy kernels: a websocket now waits for its kernel's answer
                os.kill(pid, signal.SIGSTOP)
            try:
                with socket.create_connection((host, port)) as tab:  # a tab that opens its websocket, then closes
                    path = channels.format(closed_tab, "closed-tab")
                    tab.sendall((f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
                                 "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                                 "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                                 f"Cookie: {cookie}\r\n\r\n").encode())
                    time.sleep(2)
                time.sleep(1)
            finally:
                for pid in pids:
                    os.kill(pid, signal.SIGCONT)
            time.sleep(3)  # past the loading time: the closed tab's page is now one whose browser went
            status, _, body = jo.get(server.render + MODULES[1].notebook)
            assert status == 200, body[:300]  # the closed tab's page made way, the open one did not
            assert len(wait_for_kernels(server, 2)) == 2  # the open tab's and the new page's
        log = (server.home / "server.log").read_text()
        assert "let go of a page whose browser is not connected" in log
        assert "Traceback" not in log and "kernel_ws_protocol" not in log
    finally:
        stop(server.proc)


def test_a_page_whose_kernel_ends_while_it_is_made_leaves_one_line_in_the_log(tmp_path: Path) -> None:
    """A tab closed or reloaded while its page is still being run (its kernel shut down), or a kernel that dies
    then, is one short line in the operator's console: Voila wrote a traceback for every cell left (21 from six
    quick reloads in a trial), which reads like the course breaking."""
    server = serve(tmp_path)  # no preheated pool: the page is run for its request, and streamed as it runs
    try:
        host, port = urlsplit(server.base).hostname, urlsplit(server.base).port
        connection = http.client.HTTPConnection(host, port, timeout=120)
        connection.request("GET", server.render + MODULES[1].notebook, headers={"Host": f"{host}:{port}"})
        answer, begun = connection.getresponse(), b""
        while not re.search(rb'"kernelId":\s*"[0-9a-f-]{36}"', begun):  # the page's head names its kernel first
            chunk = answer.read1(4096)
            assert chunk, begun[-500:]
            begun += chunk
        kernel = re.search(rb'"kernelId":\s*"([0-9a-f-]{36})"', begun).group(1).decode()  # type: ignore[union-attr]
        xsrf = re.search(r"_xsrf=([^;]+)", answer.getheader("Set-Cookie") or "").group(1)  # type: ignore[union-attr]
        leaving = http.client.HTTPConnection(host, port, timeout=60)  # what the tab does as it is closed
        leaving.request("POST", f"/voila/api/shutdown/{kernel}", headers={
            "Host": f"{host}:{port}", "Cookie": f"_xsrf={xsrf}", "X-XSRFToken": xsrf, "Content-Length": "0"})
        assert leaving.getresponse().status == 204
        answer.read()
        connection.close()
    finally:
        stop(server.proc)
    log = (server.home / "server.log").read_text()  # all of it, once the server has ended
    assert log.count("a page's kernel ended while the page was being made") == 1, log[-2000:]
    assert "DeadKernelError" not in log and "Error at server while executing cell" not in log, log[-2000:]


@pytest.fixture
def local(tmp_path: Path) -> Iterator[Server]:
    server = serve(tmp_path)
    try:
        yield server
    finally:
        stop(server.proc)


def test_local_mode_refuses_a_rebinding_host(local: Server) -> None:
    port = urlsplit(local.base).port
    before = len(kernel_pids(local.proc.pid))
    for host in ("evil.example", f"evil.example:{port}", "192.168.1.50", "localhost.evil.example"):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", f"/voila/render/{START}", headers={"Host": host})
        response = conn.getresponse()
        assert response.status == 403, host
        conn.close()
    assert len(kernel_pids(local.proc.pid)) == before
    for host in ("localhost", f"localhost:{port}", f"127.0.0.1:{port}"):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.request("GET", "/voila/static/voila.js", headers={"Host": host})
        assert conn.getresponse().status == 200, host
        conn.close()


def test_voila_s_scripts_come_as_one_compressed_file_the_browser_keeps(local: Server) -> None:
    """Voila's 56 chunks in one response (``_chunks``): the address a page names, compressed when the browser
    accepts it, kept for a year (the address changes with the content), not sent again to a browser that has it,
    and behind the same Host check as every other address."""
    status, _, page = Client(local).get(local.render + START)
    assert status == 200
    address = re.search(r'<script src="(/plnkit/voila-chunks\.js\?v=[0-9a-f]{16})"></script>', page)
    assert address, "the page does not load Voila's chunks in one file"
    assert page.index(address.group(0)) < page.index('src="/voila/static/voila.js"')  # before voila.js asks
    port = urlsplit(local.base).port
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", address.group(1), headers={"Accept-Encoding": "gzip, deflate, br"})
    response = conn.getresponse()
    packed = response.read()
    assert response.status == 200 and response.getheader("Content-Encoding") == "gzip"
    assert response.getheader("Content-Type") == "text/javascript; charset=utf-8"
    assert response.getheader("Cache-Control") == "public, max-age=31536000, immutable"
    assert response.getheader("Content-Security-Policy") == CSP
    body = gzip.decompress(packed)
    assert len(packed) < 1_000_000 < 2_000_000 < len(body)  # 2.6 MB of script, about 0.75 MB on the wire
    assert body.count(b"(self.webpackChunk_JUPYTERLAB_CORE_OUTPUT=") == 56
    etag = response.getheader("Etag")
    conn.request("GET", address.group(1), headers={"If-None-Match": etag})
    again = conn.getresponse()
    assert again.status == 304 and again.read() == b""
    conn.request("GET", address.group(1))  # a client that can't decompress gets the plain file
    plain = conn.getresponse()
    assert plain.getheader("Content-Encoding") is None and plain.read() == body
    conn.request("GET", address.group(1), headers={"Host": "evil.example"})
    refused = conn.getresponse()
    assert refused.status == 403
    refused.read()
    conn.close()


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command to make a test certificate")
def test_https_with_a_certificate(tmp_path: Path) -> None:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out",
                    str(cert), "-days", "1", "-subj", "/CN=localhost"], check=True, capture_output=True, timeout=60)
    server = serve(tmp_path, "--certfile", str(cert), "--keyfile", str(key))
    try:
        context = ssl.create_default_context(cafile=str(cert))
        context.check_hostname = False
        conn = http.client.HTTPSConnection("127.0.0.1", urlsplit(server.base).port, timeout=60, context=context)
        conn.request("GET", "/voila/static/voila.js", headers={"Host": "localhost"})
        assert conn.getresponse().status == 200
        conn.close()
    finally:
        stop(server.proc)


@pytest.mark.parametrize("path", ["facilitator.ipynb", "facilitator%2eipynb", "%66acilitator.ipynb",
                                  "%2Ffacilitator.ipynb", "facilitator.ipynb/", "facilitator.ipynb%2F",
                                  "./facilitator.ipynb", "x/../facilitator.ipynb", "facilitator%252eipynb"])
def test_a_participant_can_t_open_the_facilitators_page_however_it_is_spelled(workshop: Server, path: str) -> None:
    ana = Client(workshop)
    ana.join(f"Ana {abs(hash(path)) % 1000}")
    before = len(kernel_pids(workshop.proc.pid))
    status, _, body = ana.get(workshop.render + path)
    assert status in (403, 404), body[:200]
    assert "jupyter-widget" not in body
    time.sleep(1)
    assert len(kernel_pids(workshop.proc.pid)) == before  # refused before any kernel started


def test_the_address_is_printed_once_the_course_answers_and_a_port_in_use_is_said_plainly(tmp_path: Path) -> None:
    """A facilitator follows the printed link at once: it opens (the line came a moment before the port answered).
    A second course started on the same port says why it can't, without a traceback."""
    port = free_port()
    cmd = [sys.executable, "-m", "plnkit.cli", "serve", "--port", str(port), "--preheat", "0", "--workshop"]
    proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, "PLNKIT_HOME": str(tmp_path / "a")},
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, start_new_session=True)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout or ()], daemon=True).start()
    try:
        first = lines.get(timeout=120)
        assert first == f"The course is at http://localhost:{port}/voila/render/{START}\n"
        with urlopen(f"http://127.0.0.1:{port}/voila/static/voila.js", timeout=10) as answer:  # no wait
            assert answer.status == 200
        said = "".join(lines.get(timeout=10) for _ in range(4))
        assert "Learners' work is saved in" in said and "Your facilitator link" in said
        second = subprocess.run([*cmd[:-1]], cwd=ROOT, env={**os.environ, "PLNKIT_HOME": str(tmp_path / "b")},
                                capture_output=True, text=True, timeout=120)
        assert second.returncode == 1 and "The course is at" not in second.stdout
        assert f"The course can't be served at 127.0.0.1, port {port}: the port is in use" in second.stderr
        assert "Traceback" not in second.stderr
    finally:
        stop(proc)
