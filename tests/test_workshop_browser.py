"""A workshop room in real browsers: join, stay yourself on every page, links that are issued, closed tabs."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from plnkit.content import MODULES, PAGES
from plnkit.services.store import DB_NAME, Store

from .conftest import Server, kernel_pids, serve, stop
from .test_browser import open_course_page

pytestmark = pytest.mark.browser

START = PAGES[0].notebook


@pytest.fixture(scope="module")
def room(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    home = tmp_path_factory.mktemp("room-home")
    server = serve(home, "--workshop", env={"PLNKIT_SIGNIN_CHECK": "2"})  # pages check their link every 2 s
    try:
        yield server
    finally:
        stop(server.proc)


def join(page: Any, room: Server, name: str) -> None:
    page.goto(room.page(START))
    page.get_by_label("Your name, as others in the room know you").fill(name)
    page.get_by_role("button", name="Join the workshop").click()
    page.wait_for_url(room.page(START))
    page.wait_for_selector(".plnkit-footer.plnkit-loaded")


def follow_link(page: Any, url: str, name: str) -> None:
    """Open a personal link: the server asks who you are about to be, then the course opens as that person."""
    page.goto(url)
    page.get_by_role("button", name=f"Continue as {name}").click()
    page.wait_for_selector(".plnkit-footer.plnkit-loaded")
    assert "learner=" not in page.url


def save_reflection(page: Any, text: str) -> None:
    box = page.locator(".plnkit-reflection").first
    box.locator(".plnkit-answer textarea").fill(text)
    box.locator(".plnkit-status").get_by_text(re.compile(r"^Saved at")).wait_for()


def test_a_participant_joins_stays_themselves_on_every_link_and_nothing_leaves_loopback(
        room: Server, people: Any) -> None:
    ana = people()
    hosts: set[str] = set()
    ana.on("request", lambda request: hosts.add(urlsplit(request.url).hostname or request.url[:20]))
    failed: list[str] = []  # nothing the pages ask for is missing (a favicon, a stylesheet, a script)
    ana.on("response", lambda response: response.status >= 400 and failed.append(f"{response.status} {response.url}"))
    join(ana, room, "Ana")
    icon = ana.evaluate("() => document.querySelector('link[rel=icon]').href")  # the course's, in the tab
    answer = ana.request.get(icon)
    assert answer.status == 200 and answer.headers["content-type"].startswith("image/svg+xml")
    assert "learner=" not in ana.url  # the secret lives in an HttpOnly cookie, not in the address or history
    assert "Welcome, Ana" in ana.locator(".plnkit-join").inner_text()
    body = ana.locator("body").inner_text()
    assert "Nothing here will be saved" not in body
    save_reflection(ana, "What I hope for, written right after joining.")
    ana.reload()
    ana.wait_for_selector(".plnkit-footer.plnkit-loaded")
    assert ana.locator(".plnkit-reflection .plnkit-answer textarea").first.input_value() == \
        "What I hope for, written right after joining."
    # Every course link on every page keeps her: the header's Begin, the module list, next, previous, start.
    ana.get_by_role("list", name="Course modules").get_by_role("link", name=re.compile("Module 2")).click()
    ana.wait_for_url(f"**/{MODULES[1].notebook}")
    ana.wait_for_selector(".plnkit-footer.plnkit-loaded")
    for page in (MODULES[1], MODULES[2], MODULES[0]):
        if page is not MODULES[1]:
            open_course_page(ana, room.page(page.notebook))
        save_reflection(ana, f"Ana on {page.slug}.")
    for link in ana.locator("a[href$='.ipynb']").all():
        assert "learner=" not in (link.get_attribute("href") or "")
    ana.locator("header.plnkit-header a[rel=next]").click()
    ana.wait_for_url(f"**/{MODULES[1].notebook}")
    ana.wait_for_selector(".plnkit-footer.plnkit-loaded")
    assert ana.locator(".plnkit-reflection .plnkit-answer textarea").first.input_value() == "Ana on stages."
    ana.get_by_role("link", name="Course start").first.click()
    ana.wait_for_url(f"**/{START}")
    ana.wait_for_selector(".plnkit-footer.plnkit-loaded")
    assert "Welcome, Ana" in ana.locator(".plnkit-join").inner_text()
    assert hosts == {"127.0.0.1"}, hosts  # no CDN, no font service: nothing leaves the room's server
    assert failed == []


def test_two_alices_are_told_apart_and_no_one_posts_as_the_facilitator(room: Server, people: Any) -> None:
    first, second = people(), people()
    join(first, room, "Alice")
    join(second, room, "alice")
    open_course_page(second, room.page(MODULES[0].notebook))
    author = second.get_by_label("Your name")
    assert author.is_disabled() and re.fullmatch(r"alice \(\d\)", author.input_value())
    second.get_by_label("Your post").fill("Hello from the second Alice")
    second.get_by_role("button", name="Post", exact=True).click()
    post = second.locator(".plnkit-post").filter(has_text="Hello from the second Alice")
    post.wait_for()
    assert re.match(r"alice \(\d\)", post.locator(".plnkit-post-meta").inner_text())
    assert "facilitator" not in post.inner_text().lower()
    assert first.locator(".plnkit-reflection .plnkit-answer textarea").first.input_value() == ""


def test_only_issued_links_open_the_course(room: Server, people: Any) -> None:
    ben = people()
    join(ben, room, "Ben")
    link = ben.locator(".plnkit-join a").first.get_attribute("href")
    assert link and "learner=" in link
    # The personal link on a second device opens Ben's work, and leaves the address at once.
    tablet = people()
    follow_link(tablet, link, "Ben")
    assert "Welcome, Ben" in tablet.locator(".plnkit-join").inner_text()
    # Following his own link again, to another page, in a browser that is already his: no question asked.
    tablet.goto(link.replace(START, MODULES[1].notebook))
    tablet.wait_for_selector(".plnkit-footer.plnkit-loaded")
    assert "learner=" not in tablet.url and tablet.url.endswith(MODULES[1].notebook)
    assert tablet.get_by_role("button", name="Continue as Ben").count() == 0
    # A mistyped link gets the message and creates nothing.
    stranger = people()
    stranger.goto(room.page(f"{START}?learner={'Z' * 24}"))
    assert "This link isn't recognised: check it, or join again." in stranger.locator("[role=alert]").inner_text()
    assert stranger.locator(".jupyter-widgets").count() == 0
    # The facilitator reissues Ben's link: the old one stops working (cookie too); the new one brings his work.
    boss, new_link = reissue(people(), room, "Ben")
    assert new_link and new_link != link
    tablet.reload()
    stale = tablet.locator("[role=alert]").inner_text()
    assert "sign-in to the workshop has stopped working" in stale and "new personal link" in stale
    follow_link(tablet, new_link, "Ben")
    # His old link, or a mistyped one, in a browser signed in as him: no join form (a second, empty Ben), but
    # a way back to his own work.
    tablet.goto(link)
    assert "isn't recognised" in tablet.locator("[role=alert]").inner_text()
    assert tablet.get_by_role("button", name="Join the workshop").count() == 0
    tablet.get_by_role("link", name="Continue as Ben").click()
    tablet.wait_for_selector(".plnkit-footer.plnkit-loaded")
    assert "Welcome, Ben" in tablet.locator(".plnkit-join").inner_text() and "learner=" not in tablet.url
    assert "Welcome, Ben" in tablet.locator(".plnkit-join").inner_text()
    # Ben's link opened in a browser that is someone else's (Eve's) still asks before switching it.
    eve = people()
    join(eve, room, "Eve")
    eve.goto(new_link)
    eve.get_by_role("button", name="Continue as Ben").wait_for()
    # Closing the workshop stops every participant link; reopening brings them back.
    boss.get_by_role("button", name="Close the workshop", exact=True).click()
    boss.get_by_role("button", name="Yes, close the workshop").click()  # it asked first: the room is locked out
    boss.get_by_text("Workshop closed").wait_for()
    tablet.reload()
    assert "This workshop is closed" in tablet.locator("h1").inner_text()
    boss.get_by_role("button", name="Reopen the workshop").click()
    boss.get_by_text("Workshop reopened").wait_for()
    tablet.reload()
    tablet.wait_for_selector(".plnkit-footer.plnkit-loaded")


def test_a_page_only_being_read_says_across_its_top_that_it_stopped_saving(room: Server, people: Any) -> None:
    """No save, no click: a participant reading module 3 still learns their link was reissued (the header checks
    it in the background), in the same banner a refused save brings."""
    noor = people()
    join(noor, room, "Noor")
    open_course_page(noor, room.page(MODULES[2].notebook))
    time.sleep(3)  # a check has passed: the link still works, no banner
    assert noor.locator("#plnkit-signed-out").count() == 0
    reissue(people(), room, "Noor")
    top = noor.locator("#plnkit-signed-out[role=alert]")
    top.wait_for(timeout=20_000)
    assert "This page has stopped saving." in top.inner_text() and "new personal link" in top.inner_text()
    assert noor.locator(".plnkit-status-error").count() == 0  # nothing was refused: no field had to say so


def test_a_page_open_while_the_workshop_closes_and_reopens_drops_its_banner_and_saves_again(
        room: Server, people: Any) -> None:
    """A trial found open pages still saying "This workshop has been closed" minutes after it reopened."""
    omar = people()
    join(omar, room, "Omar")
    top = omar.locator("#plnkit-signed-out[role=alert]")
    with Store(room.home / DB_NAME) as store:  # as the facilitator's Close does
        store.set_workshop_closed(True)
    try:
        top.wait_for(timeout=20_000)
        assert "This page has stopped saving." in top.inner_text() and "closed" in top.inner_text()
    finally:
        with Store(room.home / DB_NAME) as store:
            store.set_workshop_closed(False)
    top.wait_for(state="detached", timeout=20_000)
    save_reflection(omar, "Saved once the workshop reopened.")


def test_quick_reloads_of_a_loading_page_do_not_use_up_a_participant_s_places(room: Server, people: Any) -> None:
    """A participant who reloads a page again and again before it has loaded (an impatient click, a slow
    network) is never shut out: each page left while loading gives its kernel back (``course.js``). Twelve
    reloads are more than the eight pages one participant may hold."""
    rel = people()
    join(rel, room, "Rel")
    # Each load is left before its kernel connects: Voila's script, which connects it (and would shut it down
    # on leaving), never arrives, as when a reload comes while it is still on its way.
    rel.route("**/voila/static/voila.js", lambda route: route.abort())
    for _ in range(12):
        rel.goto(room.page(MODULES[1].notebook), wait_until="domcontentloaded")
        assert rel.locator("#jupyter-config-data").count() == 1, rel.locator("body").inner_text()[:300]
    rel.unroute("**/voila/static/voila.js")
    open_course_page(rel, room.page(MODULES[1].notebook))
    assert "too many pages open" not in rel.locator("body").inner_text().lower()


def test_text_typed_after_the_facilitator_reissued_the_link_is_offered_back_on_the_new_link(
        room: Server, people: Any) -> None:
    dana = people()
    join(dana, room, "Dana")
    open_course_page(dana, room.page(MODULES[0].notebook))
    save_reflection(dana, "Saved before the reissue.")
    _boss, new_link = reissue(people(), room, "Dana")
    time.sleep(6)  # past the page's re-check of its link (session.RECHECK_SECONDS)
    box = dana.locator(".plnkit-reflection").first
    box.locator(".plnkit-answer textarea").fill("Typed after the reissue, not lost.")
    status = box.locator(".plnkit-status")
    status.get_by_text(re.compile("sign-in has stopped working")).wait_for()
    assert "new personal link" in status.inner_text() and "offered back" in status.inner_text()
    # Said across the top as well, for someone reading elsewhere on the page (no reload button: it wouldn't help).
    top = dana.locator("#plnkit-signed-out[role=alert]")
    top.wait_for()
    assert "This page has stopped saving." in top.inner_text() and "new personal link" in top.inner_text()
    assert top.get_by_role("button").count() == 0
    follow_link(dana, new_link, "Dana")  # the new link opens the start page: it says where her text waits
    note = dana.get_by_role("note").filter(has_text="isn't saved on the course server yet")
    note.wait_for()
    # Named as the start page lists the module (not by the footer's "Begin: ..."), and no "?." at the end.
    name = f"Module {MODULES[0].number}: {MODULES[0].title}"
    assert " ".join(note.inner_text().split()).endswith(f"put it back: {name}"), note.inner_text()
    note.get_by_role("link", name=name, exact=True).click()
    dana.wait_for_selector(".plnkit-footer.plnkit-loaded")
    assert dana.url.split("?")[0].endswith(MODULES[0].notebook)
    offer = dana.get_by_role("group", name="Unsaved text from earlier")
    offer.wait_for()
    assert "Typed after the reissue, not lost." in offer.inner_text()
    offer.get_by_role("button", name="Put it back").click()
    box.locator(".plnkit-status").get_by_text(re.compile(r"^Saved at")).wait_for()
    assert box.locator(".plnkit-answer textarea").input_value().endswith("Typed after the reissue, not lost.")



def test_a_participant_the_facilitator_added_ahead_of_time_opens_the_course_from_their_link(
        room: Server, people: Any) -> None:
    boss = people()
    follow_link(boss, (room.home / "facilitator-link.txt").read_text().strip().replace("localhost", "127.0.0.1"),
                "Facilitator")
    boss.get_by_label("New participant's name").fill("Gus Early")
    boss.get_by_label("New participant's name").press("Enter")  # Enter adds, as the button does
    boss.get_by_text("Added Gus Early.").wait_for()
    link = boss.locator(".plnkit-facilitator .plnkit-secret a")
    assert not link.is_visible()  # folded until asked for: the page may be on the projector
    boss.get_by_text("Show Gus Early's personal link").click()
    href = link.get_attribute("href")
    assert href and "learner=" in href
    gus = people()
    follow_link(gus, href, "Gus Early")
    assert "Welcome, Gus Early" in gus.locator(".plnkit-join").inner_text()

def reissue(boss: Any, room: Server, name: str) -> tuple[Any, str | None]:
    """The facilitator (in the page ``boss``) reissues ``name``'s link; returns their page and the new link."""
    follow_link(boss, (room.home / "facilitator-link.txt").read_text().strip().replace("localhost", "127.0.0.1"),
                "Facilitator")
    boss.wait_for_selector(".plnkit-facilitator")
    boss.get_by_label("Participant", exact=True).select_option(index=_option_index(boss, name))
    boss.get_by_role("button", name="Reissue their link").click()
    boss.get_by_text(f"Link reissued for {name}: their old link no longer works.").wait_for()
    # The facilitator's page may be on the projector: the link shows only when asked for (from the keyboard too).
    link = boss.locator(".plnkit-facilitator .plnkit-secret a")
    assert not link.is_visible(), "the new personal link is on screen before the facilitator asked for it"
    boss.locator(".plnkit-facilitator .plnkit-secret summary").focus()
    boss.keyboard.press("Enter")
    link.wait_for()
    href = link.get_attribute("href")
    assert href and link.inner_text() == href  # the whole link, on its own line: no full stop to copy with it
    return boss, href


def _option_index(page: Any, name: str) -> int:
    chooser = page.get_by_label("Participant", exact=True)
    labels = chooser.evaluate("select => [...select.options].map(o => o.textContent)")
    return next(i for i, label in enumerate(labels) if label.replace("\xa0", " ").startswith(f"{name} ("))


def test_a_closed_tab_s_kernel_is_shut_down(room: Server, people: Any) -> None:
    cara = people()
    join(cara, room, "Cara")
    open_course_page(cara, room.page(MODULES[2].notebook))
    before = set(kernel_pids(room.proc.pid))
    cara.close(run_before_unload=True)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and len(set(kernel_pids(room.proc.pid)) & before) == len(before):
        time.sleep(1)
    assert len(set(kernel_pids(room.proc.pid)) & before) < len(before), "no kernel was shut down within 90 s"


def test_signing_out_on_a_shared_computer_and_coming_back_with_the_link(room: Server, people: Any) -> None:
    dana = people()
    join(dana, room, "Dana")
    save_reflection(dana, "Dana's hopes")
    link = dana.locator(".plnkit-join a").first.get_attribute("href")
    assert link and link.startswith(room.base)  # a full address, usable when copied as text
    dana.get_by_role("button", name="Sign out of this browser").click()
    dana.get_by_role("heading", name="Join the workshop").wait_for()
    dana.goto(room.page(MODULES[0].notebook))
    assert dana.get_by_role("heading", name="Join the workshop").count() == 1  # nobody is signed in here now
    follow_link(dana, link, "Dana")
    assert dana.locator(".plnkit-reflection .plnkit-answer textarea").first.input_value() == "Dana's hopes"
