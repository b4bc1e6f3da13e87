"""The facilitator's page in real browsers: a shared reflection appears live, unsharing takes it away at once."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import pytest

from plnkit.content import FACILITATOR_NOTEBOOK, MODULES

from .conftest import Server, kernel_pids, serve, stop
from .test_browser import open_course_page
from .test_workshop_browser import follow_link, join, save_reflection

pytestmark = pytest.mark.browser

TEXT = "Our school's Mastodon list <b>changed</b> my Tuesday planning"


@pytest.fixture(scope="module")
def room(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    home = tmp_path_factory.mktemp("room-page-home")
    server = serve(home, "--workshop")
    try:
        yield server
    finally:
        stop(server.proc)


def test_a_shared_reflection_appears_on_the_facilitators_page_and_unsharing_removes_it(
        room: Server, people: Any) -> None:
    ana = people()
    join(ana, room, "Ana")
    open_course_page(ana, room.page(MODULES[0].notebook))
    save_reflection(ana, TEXT)
    # A participant can't open the facilitator's page: the server refuses it before any kernel starts.
    refused = ana.goto(room.page(FACILITATOR_NOTEBOOK))
    assert refused is not None and refused.status == 403
    assert "This page is for the facilitator" in ana.locator("h1").inner_text()

    boss = people()
    follow_link(boss, (room.home / "facilitator-link.txt").read_text().strip().replace("localhost", "127.0.0.1"),
                "Facilitator")
    boss.goto(room.page(FACILITATOR_NOTEBOOK))
    boss.wait_for_selector(".plnkit-dashboard .plnkit-table")
    who = boss.locator(".plnkit-dashboard table").first
    assert "Ana" in who.inner_text() and "Module 1" in who.inner_text()
    assert "No shared reflections yet" in boss.locator(".plnkit-dashboard").inner_text()
    assert TEXT not in boss.locator("body").inner_text()  # saved, not shared: never shown
    # On a phone the table scrolls in its own box, and its heading wraps to the screen, all of it in view.
    boss.set_viewport_size({"width": 390, "height": 844})
    heading = who.locator("caption")
    assert "Who is here" in heading.inner_text()
    box = heading.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    boss.set_viewport_size({"width": 1280, "height": 800})

    ana.go_back()
    open_course_page(ana, room.page(MODULES[0].notebook))
    share = ana.locator(".plnkit-reflection").first.get_by_label(re.compile(r"^Share with the room"))
    assert not share.is_checked()  # off by default
    share.check()
    ana.locator(".plnkit-reflection").first.get_by_text("Shared with the room.").wait_for()
    shared = boss.locator(".plnkit-shared").filter(has_text=TEXT)
    shared.wait_for(timeout=30_000)  # the page refreshes itself
    assert "Ana" in shared.inner_text() and boss.locator(".plnkit-shared b").count() == 0  # text, not markup

    share.uncheck()
    ana.locator(".plnkit-reflection").first.get_by_text(re.compile("No longer shared")).wait_for()
    shared.wait_for(state="detached", timeout=30_000)
    assert TEXT not in boss.locator("body").inner_text()


def test_a_live_page_whose_browser_vanished_is_shut_down(tmp_path_factory: pytest.TempPathFactory,
                                                         browser: Any) -> None:
    """The facilitator's page polls the room, so Voila never sees its kernel idle: a crashed browser's page
    must still go once its connection has been gone for --keep-dropped seconds, or the facilitator is locked
    out by their own dead tabs ("You have 8 course pages open")."""
    home = tmp_path_factory.mktemp("dropped-home")
    server = serve(home, "--workshop", "--keep-dropped", "20")
    try:
        context = browser.new_context()
        context.route("**/api/shutdown/**", lambda route: route.abort())  # no goodbye: as when a browser crashes
        boss = context.new_page()
        boss.set_default_timeout(60_000)
        follow_link(boss, (home / "facilitator-link.txt").read_text().strip().replace("localhost", "127.0.0.1"),
                    "Facilitator")
        boss.goto(server.page(FACILITATOR_NOTEBOOK))
        boss.wait_for_selector(".plnkit-dashboard .plnkit-headline")
        before = set(kernel_pids(server.proc.pid))
        assert len(before) == 2  # the start page and the facilitator's page
        context.close()  # no beforeunload, no shutdown request: the connections just drop
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and set(kernel_pids(server.proc.pid)) & before:
            time.sleep(2)
        assert not set(kernel_pids(server.proc.pid)) & before, "the dropped pages' kernels are still running"
    finally:
        stop(server.proc)
