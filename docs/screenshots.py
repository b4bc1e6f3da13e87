"""Regenerate the README's screenshots: every course page at a laptop's width and a phone's, and the
facilitator's page with a small seeded room. Run with ``python3 tasks.py screenshots``.

It starts ``plnkit serve --workshop`` on a free loopback port with a throw-away data folder, fills in a few
exercises the way a learner would, and writes ``docs/screens/<page>-laptop.png`` and ``<page>-phone.png``
(the top of each page, as a visitor first sees it) plus ``docs/facilitator.png``.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

OUT = ROOT / "docs" / "screens"
SIZES = {"laptop": (1366, 900), "phone": (390, 844)}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def seed(home: Path) -> None:
    """A room of four with answers, so the facilitator's page has something to show."""
    from plnkit.content import BENEFITS, STAGES
    from plnkit.services import session
    from plnkit.services.server import join_participant
    from plnkit.services.store import DB_NAME, Store

    session.facilitator_token(home)
    with Store(home / DB_NAME) as store:
        store.set_workshop_setting("title", "PLN workshop, Riverside District")
        store.set_workshop_setting("facilitator_name", "Sam Rivera")
        for i, name in enumerate(("Ana Lima", "Ben Okafor", "Chloé Martin", "Dev Patel")):
            me = store.active_learner(session.token_key(join_participant(store, name)))
            store.save_answer(me, "why-pln/benefit-ratings",
                              {b.key: 1 + (i + j) % 5 for j, b in enumerate(BENEFITS)})
            store.save_answer(me, "stages/confirmed", {"stage": STAGES[i % 3].key, "estimated": None})
            store.save_answer(me, "tools/communities", {"bookmarking:Raindrop.io": "use" if i % 2 else "try"})
            for n in range(2 + i):
                store.record_event(me, "add", f"person:{i}-{n}", {"type": "person", "label": f"Colleague {n}"})
            store.set_progress(me, "why-pln", "done")
            store.record_visit(me, "stages")
            if i == 0:
                store.save_answer(me, "stages/feelings", "Following #edutooters changed how I plan my lessons.")
                store.set_shared(me, "stages/feelings", True)


def main() -> None:
    from playwright.sync_api import sync_playwright

    from plnkit.content import FACILITATOR_NOTEBOOK, PAGES

    home = Path(tempfile.mkdtemp(prefix="plnkit-screens-"))
    seed(home)
    port = free_port()
    env = {**os.environ, "PLNKIT_HOME": str(home)}
    proc = subprocess.Popen([sys.executable, "-m", "plnkit.cli", "serve", "--workshop", "--port", str(port)],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    base = f"http://127.0.0.1:{port}/voila/render/"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/voila/static/voila.js", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        OUT.mkdir(parents=True, exist_ok=True)
        link = (home / "facilitator-link.txt").read_text().strip().replace("localhost", "127.0.0.1")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=os.environ.get("PLNKIT_CHROMIUM") or None)
            for size, (width, height) in SIZES.items():
                context = browser.new_context(viewport={"width": width, "height": height})
                page = context.new_page()
                page.set_default_timeout(120_000)
                page.goto(base + PAGES[0].notebook)
                page.get_by_label("Your name, as others in the room know you").fill("Elena Ruiz")
                page.get_by_role("button", name="Join the workshop").click()
                for spec in PAGES:
                    page.goto(base + spec.notebook)
                    page.wait_for_selector(".plnkit-footer")
                    page.wait_for_timeout(800)
                    page.screenshot(path=str(OUT / f"{spec.notebook[:-6]}-{size}.png"))
                    print("wrote", OUT / f"{spec.notebook[:-6]}-{size}.png")
                context.close()
            context = browser.new_context(viewport={"width": 1280, "height": 1000})
            page = context.new_page()
            page.set_default_timeout(120_000)
            page.goto(link)
            page.get_by_role("button", name="Continue as Facilitator").click()
            page.wait_for_selector(".plnkit-footer")
            page.goto(base + FACILITATOR_NOTEBOOK)
            page.wait_for_selector(".plnkit-dashboard .plnkit-headline")
            page.wait_for_timeout(1500)
            page.screenshot(path=str(ROOT / "docs" / "facilitator.png"))
            print("wrote", ROOT / "docs" / "facilitator.png")
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)


if __name__ == "__main__":
    main()
