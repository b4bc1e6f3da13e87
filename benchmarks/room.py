"""A room of 25 under ``plnkit serve --workshop`` (preheated): join, four pages, a reflection on each, close.

Participants arrive over ``--arrive`` seconds (default 60), each joins through the real join flow (the join page,
its form, the cookie), then opens 00_start, 01_why_pln, 02_stages and 03_tools in turn, saves the page's first
reflection (waiting until the server confirms it saved) and goes on, as a tab does: the page it leaves has its
kernel shut down (Voila's tab-close request). At the end half the participants close their tab properly and
half just vanish (a crashed browser, a closed laptop): their kernels must be culled as dropped pages.

**The client.** Each participant is a Python client that speaks what the page's own script speaks: HTTP with a
cookie jar for the pages and forms, then the kernel websocket (``/api/kernels/<id>/channels``, Jupyter's JSON
messages) to fetch the page's widgets (``jupyter.widget.control``: ``request_states``) and to type into the
reflection (a widget ``update`` of the textarea's ``value``). Not Chromium, because 25 Chromium pages on a
2-core machine measure the browsers' JavaScript, not the server: one Voila page costs Chromium about a second of
CPU to start, so 100 of them within a minute or two saturate both cores by themselves.
``benchmarks/preheat.py`` measures the same pages in Chromium, one at a time.

**Time to interactive** here is from the page request to its widgets' state received over the kernel websocket
with the learner's work in place (the footer, loaded last, carries ``plnkit-loaded``): the moment a browser could
draw the page as this participant's. Its p50 and p95 under load are given as ratios to one participant alone
(measured first, on the same server, with a ready pool). The goal: p95 at most 3x.

It prints: reflections stored of 100 (each participant's own text under their own name; none mixed up), p50/p95
ratios, peak kernels and their total memory (resident set size of the server's kernel processes, sampled every
0.5 s) against 2 per participant, and kernels still alive 2 minutes after every tab closed (goal: only the
preheated pool). ``--keep-dropped`` (default here 60 s; the server's default is 300) is passed to the server so
that vanished participants' kernels go within those 2 minutes.

    .venv/bin/python benchmarks/room.py [--people 25] [--arrive 60] [--think 3] [--preheat 2] [--keep-dropped 60]

Everything runs on loopback. The default run takes about 6 to 8 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from urllib.request import HTTPCookieProcessor, Request, build_opener

sys.path.insert(0, str(Path(__file__).resolve().parent))
from preheat import PAGES, Running, course_server  # noqa: E402 - a script beside this one

from plnkit.cli import WORKSHOP_PREHEAT  # noqa: E402

HTML_TIMEOUT = 300


@dataclass
class Visit:
    notebook: str
    seconds: float = 0.0  # time to interactive
    saved: bool = False
    error: str = ""


@dataclass
class Person:
    name: str
    visits: list[Visit] = field(default_factory=list)
    texts: dict[str, str] = field(default_factory=dict)  # answer key -> the text this person saved


class Client:
    """One participant: a cookie jar, and the kernel websocket of the page they have open."""

    def __init__(self, server: Running) -> None:
        self.server = server
        self.jar = CookieJar()
        self.http = build_opener(HTTPCookieProcessor(self.jar))
        self.ws: Any = None
        self.kernel_id = ""

    def cookie(self, name: str) -> str:
        return next((c.value or "" for c in self.jar if c.name == name), "")

    def cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)

    def get(self, path: str) -> str:
        with self.http.open(Request(self.server.base + path, headers={"Sec-Fetch-Site": "same-origin"}),
                            timeout=HTML_TIMEOUT) as response:
            return str(response.read().decode("utf-8", "replace"))

    def join(self, name: str) -> str:
        """The join page, its form; the server's redirect to the start page is followed (it is the first page)."""
        self.get(f"/voila/render/{PAGES[0]}")
        body = urlencode({"name": name, "_xsrf": self.cookie("_xsrf")}).encode()
        with self.http.open(Request(self.server.base + "/plnkit/join", data=body, method="POST"),
                            timeout=HTML_TIMEOUT) as response:
            return str(response.read().decode("utf-8", "replace"))

    def connect(self, html: str) -> dict[str, Any]:
        """Connect to the page's kernel and fetch its widgets' states (what the page's widget manager does)."""
        from websockets.sync.client import connect

        match = re.search(r'"kernelId":\s*"([0-9a-f-]{36})"', html)
        if not match:
            raise RuntimeError("no kernel in the page: " + re.sub(r"\s+", " ", html)[-300:])
        self.kernel_id = match.group(1)
        url = self.server.base.replace("http", "ws", 1) + f"/api/kernels/{self.kernel_id}/channels?session_id=" \
            + uuid.uuid4().hex
        self.ws = connect(url, additional_headers={"Cookie": self.cookie_header()}, open_timeout=60,
                          max_size=64 << 20, ping_interval=None).__enter__()
        control = uuid.uuid4().hex
        self.send("comm_open", {"comm_id": control, "target_name": "jupyter.widget.control", "data": {}},
                  metadata={"version": "1.0.0"})  # ipywidgets' control protocol
        self.send("comm_msg", {"comm_id": control, "data": {"method": "request_states"}})
        updates: list[dict[str, Any]] = []  # widget updates sent while the states were being gathered

        def reply(m: dict[str, Any]) -> bool:
            if m["msg_type"] == "comm_msg" and m["content"].get("data", {}).get("method") == "update":
                updates.append(m)
            return bool(m["msg_type"] == "comm_msg" and m["content"].get("comm_id") == control)

        message = self.receive(reply)
        states: dict[str, Any] = dict(message["content"]["data"]["states"])
        # A preheated page is drawn before the visitor's request and fills itself in after it: interactive is
        # when the footer (loaded last) says every part shows this learner's work.
        while True:
            for update in updates:
                model = states.get(update["content"]["comm_id"])
                if model is not None:
                    model["state"].update(update["content"]["data"].get("state", {}))
            updates.clear()
            if any("plnkit-loaded" in v["state"].get("_dom_classes", []) for v in states.values()):
                return states
            updates.append(self.receive(lambda m: m["msg_type"] == "comm_msg"
                                        and m["content"].get("data", {}).get("method") == "update"))

    def send(self, msg_type: str, content: dict[str, Any], metadata: dict[str, Any] | None = None) -> None:
        header = {"msg_id": uuid.uuid4().hex, "username": "", "session": uuid.uuid4().hex, "msg_type": msg_type,
                  "version": "5.3", "date": datetime.now(timezone.utc).isoformat()}
        self.ws.send(json.dumps({"header": header, "parent_header": {}, "metadata": metadata or {}, "content": content,
                                 "channel": "shell", "buffers": []}))

    def receive(self, wanted: Any, timeout: float = HTML_TIMEOUT) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no answer from the kernel")
            raw = self.ws.recv(timeout=left)
            if isinstance(raw, bytes):
                continue  # binary frames carry widget buffers: none needed here
            message = json.loads(raw)
            message["msg_type"] = message.get("header", {}).get("msg_type", "")
            if wanted(message):
                return dict(message)

    def type_reflection(self, states: dict[str, Any], text: str) -> str:
        """Type ``text`` into the page's first reflection and wait until the server says it is saved."""
        model_id, classes = next((k, v["state"].get("_dom_classes", [])) for k, v in states.items()
                                 if v.get("model_name") == "TextareaModel"
                                 and "plnkit-answer" in v["state"].get("_dom_classes", []))
        key = next(c[len("plnkit-k-"):] for c in classes if c.startswith("plnkit-k-"))
        key = re.sub(r"\.([0-9a-f]+)\.", lambda m: chr(int(m.group(1), 16)), key)
        self.send("comm_msg", {"comm_id": model_id, "data": {"method": "update", "state": {"value": text},
                                                            "buffer_paths": []}})
        before = {c for c in classes if c.startswith("plnkit-saved-")}  # what the server held when the page opened
        self.receive(lambda m: m["msg_type"] == "comm_msg" and m["content"].get("comm_id") == model_id
                     and any(str(c).startswith("plnkit-saved-") and c not in before for c in
                             m["content"]["data"].get("state", {}).get("_dom_classes", [])), timeout=120)
        return key

    def leave(self, properly: bool = True) -> None:
        """Leave the page: a tab's unload asks Voila to shut its kernel down; a crashed one just drops."""
        if self.ws is not None:
            self.ws.close()
            self.ws = None
        if properly and self.kernel_id:
            request = Request(f"{self.server.base}/voila/api/shutdown/{self.kernel_id}", data=b"", method="POST",
                              headers={"X-XSRFToken": self.cookie("_xsrf")})
            try:
                self.http.open(request, timeout=60).close()
            except OSError:
                pass
        self.kernel_id = ""


def visit(client: Client, person: Person, notebook: str, html: str | None, start: float, text: str) -> None:
    record = Visit(notebook)
    person.visits.append(record)
    try:
        page = html if html is not None else client.get(f"/voila/render/{notebook}")
        states = client.connect(page)
        record.seconds = time.perf_counter() - start
        key = client.type_reflection(states, text)
        person.texts[key] = text
        record.saved = True
    except Exception as exc:  # noqa: BLE001 - a benchmark reports what went wrong and goes on
        record.error = f"{type(exc).__name__}: {exc} (kernel {client.kernel_id})"[:240]


def participant(server: Running, person: Person, delay: float, think: float, vanish: bool) -> None:
    time.sleep(delay)
    client = Client(server)
    for index, notebook in enumerate(PAGES):
        text = f"{person.name} on {notebook}: my own words, {uuid.uuid4().hex[:8]}."
        start = time.perf_counter()
        try:
            html = client.join(person.name) if index == 0 else None
        except Exception as exc:  # noqa: BLE001
            person.visits.append(Visit(notebook, error=f"join: {exc}"[:200]))
            return
        visit(client, person, notebook, html, start, text)
        time.sleep(think * random.uniform(0.5, 1.5))
        client.leave(properly=index < len(PAGES) - 1 or not vanish)


class Sampler(threading.Thread):
    """Samples the server's kernel processes (count, total resident memory) every 0.5 s, and the CPU time of
    the server process itself (Voila's one Python thread: every page, websocket message and preheated page's
    HTML passes through it), so a run can tell a busy server from busy kernels."""

    def __init__(self, server_pid: int) -> None:
        super().__init__(daemon=True)
        self.server_pid = server_pid
        self.peak_count = 0
        self.peak_mb = 0.0
        self.running = True
        self.began = (time.monotonic(), cpu_seconds(server_pid))
        self.busiest = 0.0  # the server's highest share of one core over 5 s

    def run(self) -> None:
        window = [self.began]
        while self.running:
            count, mb = kernels(self.server_pid)
            self.peak_count, self.peak_mb = max(self.peak_count, count), max(self.peak_mb, mb)
            window.append((time.monotonic(), cpu_seconds(self.server_pid)))
            while window[-1][0] - window[0][0] > 5:
                first = window.pop(0)
                self.busiest = max(self.busiest, (window[-1][1] - first[1]) / (window[-1][0] - first[0]))
            time.sleep(0.5)

    def server_share(self) -> float:
        """The server process's CPU time since the sampler was made, as a share of one core."""
        began, cpu = self.began
        return (cpu_seconds(self.server_pid) - cpu) / (time.monotonic() - began)


def cpu_seconds(pid: int) -> float:
    """User plus system CPU seconds of process ``pid`` (its own threads, not its children)."""
    import os

    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def kernels(server_pid: int) -> tuple[int, float]:
    """How many kernels ``server_pid`` runs, and their total resident memory in MB: its ``ipykernel`` children,
    and the children of its zygote (kernels forked from one warm process, ``plnkit/services/_zygote.py``)."""
    procs: dict[int, tuple[int, bytes, int]] = {}  # pid: (parent pid, command line, resident kB)
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes()
            status = (proc / "status").read_text()
        except OSError:
            continue
        ppid = int(re.search(r"^PPid:\s+(\d+)", status, re.M).group(1))  # type: ignore[union-attr]
        rss = re.search(r"^VmRSS:\s+(\d+)", status, re.M)
        procs[int(proc.name)] = (ppid, cmdline, int(rss.group(1)) if rss else 0)
    zygotes = {pid for pid, (ppid, cmd, _) in procs.items() if ppid == server_pid and b"_zygote" in cmd}
    found = [kb for pid, (ppid, cmd, kb) in procs.items()
             if ppid in zygotes or ppid == server_pid and b"ipykernel" in cmd]
    return len(found), sum(found) / 1024


def stored(home: Path, people: list[Person]) -> tuple[int, int]:
    """(answers stored as each participant typed them, answers found under someone else's name)."""
    texts = {(p.name, key): text for p in people for key, text in p.texts.items()}
    owner = {text: name for (name, _key), text in texts.items()}
    good = mixed = 0
    with sqlite3.connect(f"file:{home / 'plnkit.sqlite3'}?mode=ro", uri=True) as db:
        rows = db.execute("SELECT l.name, a.key, a.value FROM answers a JOIN learners l ON l.id = a.learner_id "
                          "WHERE a.id IN (SELECT max(id) FROM answers GROUP BY learner_id, key)").fetchall()
    for name, key, value in rows:
        try:
            value = json.loads(value)
        except ValueError:
            pass
        if texts.get((name, key)) == value:
            good += 1
        elif value in owner and owner[value] != name:
            mixed += 1
    return good, mixed


def alone(server: Running, rounds: int) -> list[float]:
    """Times to interactive of one participant with the room empty (a preheated kernel ready for each page)."""
    person = Person("Solo")
    for round_ in range(rounds):
        client = Client(server)
        for index, notebook in enumerate(PAGES):
            server.wait_ready(notebook)
            start = time.perf_counter()
            html = client.join(f"Solo {round_ + 1}") if index == 0 else None
            visit(client, person, notebook, html, start, f"solo {round_} {notebook}")
            client.leave()
            time.sleep(2)
    bad = [v.error for v in person.visits if v.error]
    if bad:
        print("alone: " + "; ".join(bad), file=sys.stderr)
    return [v.seconds for v in person.visits if not v.error]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=25)
    parser.add_argument("--arrive", type=float, default=60, help="seconds over which people arrive (default 60)")
    parser.add_argument("--think", type=float, default=3, help="seconds on a page after saving (default 3, +-50%%)")
    parser.add_argument("--preheat", type=int, default=WORKSHOP_PREHEAT,
                        help=f"the server's pool per page (default {WORKSHOP_PREHEAT}, plnkit serve --workshop's)")
    parser.add_argument("--keep-dropped", type=int, default=60, help="the server's --keep-dropped (default 60 s)")
    parser.add_argument("--after", type=float, default=120, help="seconds to wait after the last tab (default 120)")
    args = parser.parse_args(argv)
    random.seed(13)

    with tempfile.TemporaryDirectory(prefix="plnkit-room-") as tmp, \
            course_server(Path(tmp), "--workshop", "--preheat", str(args.preheat), "--keep-dropped",
                          str(args.keep_dropped)) as server:
        home = Path(tmp)
        solo = alone(server, 1)
        base = statistics.median(solo)
        print(f"one participant alone: median time to interactive {base:.2f} s over {len(solo)} pages")

        people = [Person(f"Participant {i + 1:02d}") for i in range(args.people)]
        sampler = Sampler(server.proc.pid)
        sampler.start()
        began = time.monotonic()
        threads = [threading.Thread(target=participant, args=(server, p, args.arrive * i / max(1, args.people - 1),
                                                              args.think, i % 2 == 1))
                   for i, p in enumerate(people)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        took = time.monotonic() - began
        server_share = sampler.server_share()
        closed = time.monotonic()
        while time.monotonic() - closed < args.after:
            time.sleep(1)
        sampler.running = False
        left, left_mb = kernels(server.proc.pid)
        good, mixed = stored(home, people)
        one_kernel = _one_kernel_mb(server)
        if any(v.error for p in people for v in p.visits):  # keep the server's logs to see why
            import shutil

            keep = Path(tempfile.gettempdir()) / "plnkit-room-logs"
            shutil.rmtree(keep, ignore_errors=True)
            keep.mkdir()
            for log in home.glob("*.log"):
                shutil.copy(log, keep / log.name)

    visits = [v for p in people for v in p.visits]
    errors = [v.error for v in visits if v.error]
    times = [v.seconds for v in visits if not v.error]
    pool = args.preheat * len(PAGES)
    print(f"room: {args.people} participants arriving over {args.arrive:.0f} s, {len(visits)} page visits in "
          f"{took:.0f} s, {len(errors)} failed")
    for error in sorted(set(errors))[:5]:
        print(f"  failed: {error}")
    if errors:
        print(f"  (the server's logs are in {Path(tempfile.gettempdir()) / 'plnkit-room-logs'})")
    print(f"reflections stored: {good} of {args.people * len(PAGES)}; found under someone else's name: {mixed}")
    if times:
        p50, p95 = statistics.median(times), percentile(times, 0.95)
        print(f"time to interactive under load: p50 {p50:.2f} s = {p50 / base:.2f}x alone, p95 {p95:.2f} s = "
              f"{p95 / base:.2f}x alone (goal: p95 at most 3x)")
        slowest = sorted((v for v in visits if not v.error), key=lambda v: v.seconds, reverse=True)[:8]
        print("  slowest visits: " + ", ".join(f"{v.notebook[:2]} {v.seconds:.2f} s" for v in slowest))
    print(f"the server process (Voila): {server_share:.0%} of one core while the room worked, at most "
          f"{sampler.busiest:.0%} over 5 s (2 cores here)")
    print(f"peak kernels: {sampler.peak_count} (goal: at most 2 per participant, {2 * args.people}, "
          f"plus the pool of {pool}); peak kernel memory {sampler.peak_mb:.0f} MB "
          f"(one course kernel at rest: about {one_kernel:.0f} MB; {2 * args.people} x that = "
          f"{2 * args.people * one_kernel:.0f} MB)")
    print(f"kernels alive {args.after:.0f} s after every tab closed: {left} ({left_mb:.0f} MB; the pool is {pool}; "
          f"half the tabs vanished without closing, server --keep-dropped {args.keep_dropped})")
    return 0


def _one_kernel_mb(server: Running) -> float:
    """The resident memory of one waiting pool kernel (a course page run up to its learner), in MB."""
    count, mb = kernels(server.proc.pid)
    return mb / count if count else 0.0


if __name__ == "__main__":
    raise SystemExit(main())
