"""Nothing a learner types is lost: a dead kernel, a restarted server, an oversized upload (real Voila + Chromium).

The page's own script (``plnkit/data/voila/templates/plnkit/static/course.js``) shows a banner when the page
loses its kernel, keeps unsaved text in the browser, offers it back after a reload, and refuses a file that is
too large before sending it.
"""

from __future__ import annotations

import os
import re
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from plnkit.content import MODULES, PAGES
from plnkit.services.store import Store

from .conftest import Server, serve, stop
from .test_browser import kill_kernels, open_course_page

pytestmark = pytest.mark.browser

BANNER = "#plnkit-lost[role=alert]"
#: The banner must be up within 5 s of the loss; tests wait a little longer so a loaded CI machine can't flake.
BANNER_WAIT_MS = 15_000


def saved_answer(home: Path, key: str) -> str | None:
    with Store(home / "plnkit.sqlite3") as store:
        version = store.latest_answer(store.learner("local"), key)
    return None if version is None else str(version.value)


def reflection(page: Any, index: int = 0) -> tuple[Any, Any]:
    box = page.locator(".plnkit-reflection").nth(index)
    return box.locator(".plnkit-answer textarea"), box.locator(".plnkit-status")


def open_and_save(page: Any, url: str, text: str) -> tuple[Any, Any]:
    """Open a page, type ``text`` into its first reflection and wait until the server has saved it.

    A box that already shows ``text`` holds it saved (a page shows the learner's saved answer): typing it again
    changes nothing and no "Saved at" would come. That happens when a test is run again on the shared server
    (``tasks.py test`` runs a browser test again once after a timeout)."""
    open_course_page(page, url)
    area, status = reflection(page)
    if area.input_value() != text:
        area.fill(text)
        status.get_by_text(re.compile("^Saved at")).wait_for()
    return area, status


def put_it_back_and_see_it_saved(page: Any, url: str, text: str) -> None:
    open_course_page(page, url)
    offer = page.get_by_role("group", name="Unsaved text from earlier")
    offer.wait_for()
    assert text in offer.inner_text()
    offer.get_by_role("button", name="Put it back").click()
    area, status = reflection(page)
    assert area.input_value().endswith(text)
    status.get_by_text(re.compile(r"^Saved at \d\d:\d\d$")).wait_for()


def test_a_killed_kernel_shows_the_banner_and_the_text_typed_after_it_comes_back(own_server: Server,
                                                                                  page: Any) -> None:
    url = own_server.page(MODULES[0].notebook)
    area, status = open_and_save(page, url, "Saved before the crash.")
    assert page.locator(BANNER).count() == 0
    assert kill_kernels(own_server.proc.pid)
    page.locator(BANNER).wait_for(timeout=BANNER_WAIT_MS)
    assert "lost its connection" in page.locator(BANNER).inner_text()
    area.press_sequentially(" Typed after the crash.", delay=5)
    assert status.inner_text().startswith("Not saved")  # no "Saved" for text the server never got
    assert saved_answer(own_server.home, "why-pln/what") == "Saved before the crash."
    put_it_back_and_see_it_saved(page, url, "Typed after the crash.")
    assert saved_answer(own_server.home, "why-pln/what") == "Saved before the crash. Typed after the crash."


def test_a_restarted_server_shows_the_banner_and_nothing_typed_is_lost(own_server: Server, page: Any) -> None:
    url = own_server.page(PAGES[0].notebook)
    area, status = open_and_save(page, url, "Before the restart.")
    stop(own_server.proc)
    page.locator(BANNER).wait_for(timeout=BANNER_WAIT_MS)
    area.fill("Before the restart, and a paragraph written while the server was down.")
    page.locator(".plnkit-reflection").first.get_by_role("button", name="Save", exact=True).click()
    assert status.inner_text().startswith("Not")
    own_server.proc = serve(own_server.home, port=int(own_server.base.rsplit(":", 1)[1])).proc
    put_it_back_and_see_it_saved(page, url, "a paragraph written while the server was down.")
    assert saved_answer(own_server.home, "start/hopes") == ("Before the restart, and a paragraph written while the "
                                                            "server was down.")


def test_a_frozen_server_is_noticed_and_the_text_saves_once_it_answers(own_server: Server, page: Any) -> None:
    """A server that stops answering without closing the connection (frozen, overloaded, or a connection stalled
    after a laptop slept): a trial's page kept saying "Saved at" for a minute over text the server never got."""
    url = own_server.page(MODULES[0].notebook)
    area, status = open_and_save(page, url, "Saved before the freeze.")
    os.kill(own_server.proc.pid, signal.SIGSTOP)
    try:
        text = "Saved before the freeze. Typed while the server was frozen."
        area.fill(text)
        notice = page.get_by_role("status").filter(has_text="The course isn't answering right now.")
        notice.wait_for(timeout=30_000)
        assert "reload the page: it will offer your text back" in notice.inner_text()
        assert status.inner_text().startswith("Not saved yet: the course isn't answering")
    finally:
        os.kill(own_server.proc.pid, signal.SIGCONT)
    notice.wait_for(state="detached", timeout=30_000)
    status.get_by_text(re.compile("^Saved at")).wait_for()
    assert saved_answer(own_server.home, "why-pln/what") == text


def test_a_button_pressed_while_the_server_is_frozen_says_so_and_is_done_once_it_answers(own_server: Server,
                                                                                         page: Any) -> None:
    """"Nothing happened when I pressed it": a press the course doesn't answer for 15 seconds gets the same
    notice as unsaved typing, and is carried out when the server answers again."""
    open_course_page(page, own_server.page(MODULES[0].notebook))
    os.kill(own_server.proc.pid, signal.SIGSTOP)
    try:
        page.get_by_role("button", name="I've finished this module").click()
        notice = page.get_by_role("status").filter(has_text="The course isn't answering right now.")
        notice.wait_for(timeout=30_000)
        assert "as is what you pressed" in notice.inner_text()
    finally:
        os.kill(own_server.proc.pid, signal.SIGCONT)
    page.get_by_text("Marked complete").wait_for()
    notice.wait_for(state="detached", timeout=30_000)


def test_going_offline_says_typing_is_safe_and_the_text_saves_once_back(voila: Server, page: Any) -> None:
    url = voila.page(MODULES[0].notebook)
    area, status = open_and_save(page, url, "Typed before the Wi-Fi dropped.")
    page.context.set_offline(True)
    notice = page.get_by_role("status").filter(has_text="You're offline.")
    notice.wait_for()
    assert "your text stays on this page" in notice.inner_text()
    # The notice is fixed across the top of the window: the page moves down by its height, so it covers nothing.
    height = notice.evaluate("box => box.offsetHeight")
    assert height > 0 and page.evaluate("() => getComputedStyle(document.body).paddingTop") == f"{height}px"
    area.fill("Typed while offline, every word of it.")
    # The status line under the box no longer says "Saved at ..." about text the server doesn't have.
    status.get_by_text(re.compile("^Not saved yet: you're offline")).wait_for()
    page.context.set_offline(False)
    notice.wait_for(state="detached")
    assert page.evaluate("() => document.body.style.paddingTop") == ""
    text = "Typed while offline, every word of it."
    for _ in range(300):  # saved on the server
        if saved_answer(voila.home, "why-pln/what") == text:
            break
        page.wait_for_timeout(200)
    assert saved_answer(voila.home, "why-pln/what") == text
    status.get_by_text(re.compile("^Saved at")).wait_for()
    assert "Not saved" not in status.inner_text()
    assert page.locator(BANNER).count() == 0
    page.reload()
    page.wait_for_selector(".plnkit-footer.plnkit-loaded")
    assert reflection(page)[0].input_value() == "Typed while offline, every word of it."



def test_offline_a_post_waiting_for_its_button_says_to_send_it_and_the_note_goes_once_back(
        voila: Server, page: Any) -> None:
    # A post is sent by its button, never as it is typed: "saved once the connection is back" was untrue for it,
    # and "you're offline" stayed after the connection came back (a browser trial found both).
    open_course_page(page, voila.page(MODULES[0].notebook))
    post = page.locator(".plnkit-backchannel").first
    page.context.set_offline(True)
    page.get_by_role("status").filter(has_text="You're offline.").wait_for()
    post.get_by_label("Your post").fill("Written on the train, sent later.")
    note = post.locator(".plnkit-status").get_by_text(re.compile("^You're offline. Your text is kept in this "
                                                                  "browser: once the connection is back, save or "
                                                                  "send it with its button"))
    note.wait_for()
    assert "saved once the connection is back" not in post.locator(".plnkit-status").inner_text()
    page.context.set_offline(False)
    note.wait_for(state="detached")
    assert "offline" not in post.locator(".plnkit-status").inner_text()
    assert post.get_by_label("Your post").input_value() == "Written on the train, sent later."  # still there

def test_saved_text_is_not_offered_again_and_a_discarded_draft_stays_gone(voila: Server, page: Any) -> None:
    url = voila.page(MODULES[2].notebook)
    area, status = open_and_save(page, url, "Everything here reached the server.")
    open_course_page(page, url)
    page.wait_for_timeout(1000)  # the script checks drafts shortly after the widgets render
    assert page.get_by_role("group", name="Unsaved text from earlier").count() == 0
    # A draft the server never confirmed (as if the tab had died), then discarded: gone for good.
    page.evaluate("""() => {
        const cls = [...document.querySelector('.plnkit-reflection .plnkit-draft').classList];
        const part = (p) => cls.find((c) => c.startsWith(p)).slice(p.length);
        localStorage.setItem(`plnkit:draft:${part('plnkit-s-')}:${part('plnkit-k-')}`,
                             JSON.stringify({text: 'A lost draft', at: Date.now()}));
    }""")
    open_course_page(page, url)
    offer = page.get_by_role("group", name="Unsaved text from earlier")
    offer.get_by_role("button", name="Discard it").click()
    assert offer.count() == 0
    open_course_page(page, url)
    page.wait_for_timeout(1000)
    assert page.get_by_role("group", name="Unsaved text from earlier").count() == 0
    assert reflection(page)[0].input_value() == "Everything here reached the server."


#: Writes a draft into this browser's storage for the page's first reflection, as a tab that closed before the
#: server had the text leaves it (course.js keeps drafts under plnkit:draft:<scope>:<answer key>).
PLANT_A_DRAFT = """(text) => {
  const cls = [...document.querySelector('.plnkit-reflection .plnkit-draft').classList];
  const part = (p) => cls.find((c) => c.startsWith(p)).slice(p.length);
  localStorage.setItem(`plnkit:draft:${part('plnkit-s-')}:${part('plnkit-k-')}`,
                       JSON.stringify({text, at: Date.now(), page: location.pathname}));
}"""


def test_typing_before_choosing_keeps_the_offered_text_until_the_learner_chooses(own_server: Server,
                                                                                 page: Any) -> None:
    """A trial: a paragraph typed just before a tab closed was offered back; the teacher clicked into the box and
    typed first, and the offer vanished with the paragraph. Now the offer stays, across reloads, until they press
    "Put it back" or "Discard it"."""
    url = own_server.page(MODULES[0].notebook)
    area, status = open_and_save(page, url, "Saved base.")
    lost = "Saved base. A paragraph from a tab that closed."
    page.evaluate(PLANT_A_DRAFT, lost)
    open_course_page(page, url)
    offer = page.get_by_role("group", name="Unsaved text from earlier")
    offer.wait_for()
    area, status = reflection(page)
    area.click()
    area.press("End")
    area.press_sequentially(" More words.", delay=5)
    status.get_by_text(re.compile("^Saved at")).wait_for()
    page.wait_for_timeout(1000)  # the script looks again after every change to the page
    assert offer.count() == 1 and lost in offer.inner_text()
    open_course_page(page, url)
    assert reflection(page)[0].input_value() == "Saved base. More words."
    offer.wait_for()
    assert offer.count() == 1 and lost in offer.inner_text()
    offer.get_by_role("button", name="Put it back").click()
    area, status = reflection(page)
    assert area.input_value() == lost
    status.get_by_text(re.compile("^Saved at")).wait_for()
    assert saved_answer(own_server.home, "why-pln/what") == lost
    open_course_page(page, url)
    page.wait_for_timeout(1000)
    assert page.get_by_role("group", name="Unsaved text from earlier").count() == 0

def test_two_tabs_typing_offline_in_one_answer_both_have_their_text_offered_back(own_server: Server,
                                                                               browser: Any) -> None:
    """A trial: two tabs of one page, offline, each typed in the same reflection; the second tab's text took the
    first one's place in the browser's keeping, and the first was lost. Now both are offered back."""
    url = own_server.page(MODULES[1].notebook)
    context = browser.new_context()
    try:
        first, second = context.new_page(), context.new_page()
        for tab in (first, second):
            tab.set_default_timeout(60_000)
            open_course_page(tab, url)
        context.set_offline(True)
        for tab, words in ((first, "Typed in the first tab, offline."), (second, "Typed in the second tab.")):
            area, status = reflection(tab)
            area.fill(words)
            status.get_by_text(re.compile("^Not saved yet: you're offline")).wait_for()
        first.close()  # closed while still offline (with its unload handlers the close would not wait)
        second.close()
        context.set_offline(False)
        again = context.new_page()
        again.set_default_timeout(60_000)
        open_course_page(again, url)
        offers = again.get_by_role("group", name="Unsaved text from earlier")
        offers.first.wait_for()
        again.wait_for_timeout(1000)
        shown = " ".join(offers.all_inner_texts())
        assert "Typed in the first tab, offline." in shown and "Typed in the second tab." in shown, shown
    finally:
        context.close()


def test_putting_text_back_over_unsaved_typing_offers_that_typing_in_turn(own_server: Server, page: Any) -> None:
    """A trial: "Put it back" replaced text typed since the page opened, without a word. Text the server has is
    under "Saved versions" (the offer says so); text it doesn't have yet is offered back in its turn."""
    url = own_server.page(MODULES[0].notebook)
    open_and_save(page, url, "Saved base.")
    page.evaluate(PLANT_A_DRAFT, "Saved base. From a tab that closed.")
    open_course_page(page, url)
    offer = page.get_by_role("group", name="Unsaved text from earlier")
    offer.wait_for()
    assert "replaces what the box holds now" in offer.inner_text()
    page.context.set_offline(True)
    area, status = reflection(page)
    area.fill("Saved base. Typed offline before choosing.")
    status.get_by_text(re.compile("^Not saved yet: you're offline")).wait_for()
    offer.filter(has_text="From a tab that closed.").get_by_role("button", name="Put it back").click()
    assert area.input_value() == "Saved base. From a tab that closed."
    turn = page.get_by_role("group", name="Unsaved text from earlier").filter(has_text="Typed offline before")
    turn.wait_for()
    page.context.set_offline(False)
    status.get_by_text(re.compile("^Saved at")).wait_for()
    turn.get_by_role("button", name="Put it back").click()
    assert area.input_value() == "Saved base. Typed offline before choosing."

def test_text_typed_just_before_the_tab_closed_is_saved_on_the_server(own_server: Server, browser: Any) -> None:
    """A trial: text typed a second before a tab closed stayed only in that browser (the page's kernel ended before
    its autosave's pause was over). The kernel now saves what waits as it ends, so another device has it too."""
    url = own_server.page(MODULES[0].notebook)
    context = browser.new_context()
    try:
        page = context.new_page()
        page.set_default_timeout(60_000)
        area, status = open_and_save(page, url, "Saved first.")
        area.press("End")
        area.press_sequentially(" Typed just before closing the tab.", delay=5)
        page.wait_for_timeout(200)  # the last keystroke reaches the kernel; its autosave waits 1.5 s
        page.close(run_before_unload=True)
        text = "Saved first. Typed just before closing the tab."
        for _ in range(150):
            if saved_answer(own_server.home, "why-pln/what") == text:
                break
            time.sleep(0.2)
        assert saved_answer(own_server.home, "why-pln/what") == text
    finally:
        context.close()

def test_an_answer_over_the_limit_is_refused_whole_and_offered_back_whole_after_a_reload(voila: Server,
                                                                                         page: Any) -> None:
    """A teacher pastes a long document into a reflection: it is refused with the reason, and after a reload (or
    a crash) the whole text comes back when asked for, none of it cut, still refused until it is shortened."""
    url = voila.page(MODULES[0].notebook)
    area, status = open_and_save(page, url, "A short answer that saved.")
    long = " ".join(f"Paragraph {i}: what my network gave me this week." for i in range(420))
    assert len(long) > 20_000
    area.fill(long)
    status.get_by_text(re.compile(r"^Not saved: your answer is [\d,]+ characters, over the 10,000 limit")).wait_for()
    assert "Nothing you typed was cut." in status.inner_text()
    assert area.input_value() == long
    open_course_page(page, url)
    area, status = reflection(page)
    assert area.input_value() == "A short answer that saved."  # what the server holds
    offer = page.get_by_role("group", name="Unsaved text from earlier")
    offer.wait_for()
    assert "Paragraph 0: what my network gave me" in offer.inner_text()
    offer.get_by_role("button", name="Put it back").click()
    assert area.input_value() == long  # all of it
    status.get_by_text(re.compile("^Not saved: your answer is")).wait_for()
    assert saved_answer(voila.home, "why-pln/what") == "A short answer that saved."


def test_a_sent_backchannel_post_is_not_offered_back_after_a_reload(voila: Server, page: Any) -> None:
    url = voila.page(MODULES[0].notebook)
    open_course_page(page, url)
    page.get_by_label("Your name").fill("Dana")
    page.get_by_label("Your post").fill("This post went out to the room.")
    page.get_by_role("button", name="Post", exact=True).click()
    page.locator(".plnkit-post").filter(has_text="This post went out to the room.").wait_for()
    assert page.get_by_label("Your post").input_value() == ""
    page.wait_for_timeout(1000)  # the script looks at drafts shortly after the page changes
    open_course_page(page, url)
    page.wait_for_timeout(1000)
    assert page.get_by_role("group", name="Unsaved text from earlier").count() == 0


def test_an_upload_over_the_limit_gets_a_message_and_keeps_the_connection(voila: Server, page: Any,
                                                                          tmp_path: Path) -> None:
    big = tmp_path / "my-pln-course-work.json"
    big.write_bytes(b'{"format": "plnkit-portfolio", "answers": []' + b" " * (11 * 1024 * 1024) + b"}")
    open_course_page(page, voila.page(PAGES[0].notebook))
    with page.expect_file_chooser() as chooser:
        page.locator(".widget-upload").first.click()
    chooser.value.set_files(str(big))
    message = page.get_by_text(re.compile(r"That file is 11\.0 MB; files here can be at most 8 MB"))
    message.wait_for()
    area, status = reflection(page)
    area.fill("Still connected after the refused upload.")
    status.get_by_text(re.compile("^Saved at")).wait_for()
    assert page.locator(BANNER).count() == 0


STALLED = "#plnkit-stalled[role=alert]"


def test_a_page_that_never_shows_the_learner_s_work_says_so_and_offers_a_reload(tmp_path: Path, browser: Any) -> None:
    """A page drawn whose footer is never filled in (a kernel that never read the learner) says so after 30 s,
    instead of staying empty; a page that did fill in never does."""
    import shutil

    import nbformat

    from plnkit.cli import course_dir

    course = tmp_path / "course"
    shutil.copytree(course_dir(), course)
    stuck = nbformat.v4.new_notebook()
    stuck.cells = [nbformat.v4.new_code_cell("import ipywidgets as w\nfooter = w.VBox([w.HTML('The end')])\n"
                                             "footer.add_class('plnkit-footer')\nfooter")]
    nbformat.write(stuck, course / "zz_stuck.ipynb")
    home = tmp_path / "home"
    home.mkdir()
    server = serve(home, "--course", str(course))
    context = browser.new_context()
    try:
        fine, stalled = context.new_page(), context.new_page()
        open_course_page(fine, server.page(MODULES[0].notebook))
        stalled.goto(server.page("zz_stuck.ipynb"))
        stalled.wait_for_selector(".plnkit-footer")
        assert stalled.locator(STALLED).count() == 0  # not at once: filling in may take a moment
        stalled.locator(STALLED).wait_for(timeout=60_000)
        text = stalled.locator(STALLED).inner_text()
        assert "hasn't finished showing your work" in text and "Nothing you saved is lost" in text
        reload = stalled.locator(STALLED).get_by_role("button", name="Reload the page")
        reload.focus()
        stalled.keyboard.press("Enter")  # a keyboard reload, like the lost-connection banner's
        stalled.wait_for_selector(".plnkit-footer")
        assert stalled.locator(STALLED).count() == 0  # a fresh page view: the wait starts again
        assert fine.locator(STALLED).count() == 0 and fine.locator(BANNER).count() == 0
    finally:
        context.close()
        stop(server.proc)


def test_a_page_whose_widgets_never_arrive_says_so_and_its_reload_brings_them(voila: Server, page: Any) -> None:
    """A page whose kernel never answers its browser shows its text with "Loading widget..." where every
    exercise goes: after 30 s it says so, with a reload, instead of waiting for ever; reloaded, it works."""
    url = voila.page(PAGES[1].notebook)
    channels = re.compile(r"/api/kernels/[^/]+/channels")
    broken = [True]
    # While broken, the kernel's websocket opens and nothing ever comes; after, it reaches the server as usual.
    page.route_web_socket(channels, lambda ws: None if broken[0] else ws.connect_to_server())
    page.goto(url)
    page.get_by_text("Loading widget...").first.wait_for()
    assert page.locator(STALLED).count() == 0  # not at once: a loaded server may take a while
    page.locator(STALLED).wait_for(timeout=60_000)
    text = page.locator(STALLED).inner_text()
    assert "hasn't finished showing your work" in text and "Nothing you saved is lost" in text
    broken[0] = False
    page.locator(STALLED).get_by_role("button", name="Reload the page").click()
    page.wait_for_selector(".plnkit-footer.plnkit-loaded")
    assert page.locator(STALLED).count() == 0 and page.get_by_text("Loading widget...").count() == 0


#: Adds, to a page's first ``broken`` loads in this tab, one widget output whose model the kernel never had: what
#: the browser shows when it built its copies of the widgets while the kernel was changing them ("Error displaying
#: widget: model not found"). Added as the document is parsed, before Voila renders the outputs. (Changing the
#: response with ``route`` instead makes Chromium treat the page as a public one and block its loopback websocket.)
BREAK_A_PART = """(broken) => document.addEventListener("DOMContentLoaded", () => {
  if (!location.pathname.includes("/voila/render/")) { return; }
  const seen = Number(sessionStorage.getItem("test:loads") || 0) + 1;
  sessionStorage.setItem("test:loads", String(seen));
  if (seen > broken) { return; }
  const first = document.querySelector('script[type="application/vnd.voila.cell-output+json"]');
  const bogus = document.createElement("script");
  bogus.type = "application/vnd.voila.cell-output+json";
  bogus.textContent = JSON.stringify({data: {"application/vnd.jupyter.widget-view+json":
    {model_id: "0".repeat(32), version_major: 2, version_minor: 0}, "text/plain": "HTML()"},
    metadata: {}, output_type: "display_data"});
  first.parentElement.insertBefore(bogus, first);
})"""


#: Adds, to a page's first ``stuck`` loads in this tab, one output that stays "Loading widget...", what the widget
#: renderer shows until it has drawn its part: CI saw a page whose kernel was connected and idle, with every model
#: made, keep 16 of its parts (the footer among them) so for a minute. The cause inside the widget manager is not
#: known (it has not happened outside CI), so this gives the page the symptom, on the real page and kernel.
STICK_A_PART = """(stuck) => document.addEventListener("DOMContentLoaded", () => {
  if (!location.pathname.includes("/voila/render/")) { return; }
  const seen = Number(sessionStorage.getItem("test:loads") || 0) + 1;
  sessionStorage.setItem("test:loads", String(seen));
  if (seen > stuck) { return; }
  const part = document.createElement("div");
  part.className = "jp-OutputArea-output";
  part.textContent = "Loading widget...";
  document.querySelector("script[type='application/vnd.voila.cell-output+json']").parentElement.appendChild(part);
})"""


def _break_a_part(context: Any, url: str, broken_loads: int, script: str = BREAK_A_PART) -> list[str]:
    """Break one part of the first ``broken_loads`` loads of ``url`` in ``context`` (``script``,
    :data:`BREAK_A_PART` or :data:`STICK_A_PART`); returns the list each load of ``url`` is appended to."""
    loads: list[str] = []
    context.add_init_script(f"({script})({broken_loads})")
    context.on("request", lambda request: loads.append(request.url) if request.url == url else None)
    return loads


def test_a_page_with_a_part_the_browser_could_not_build_reloads_itself_once(voila: Server, browser: Any) -> None:
    """A page showing "Error displaying widget: model not found" (seen under load in CI: the learner's work never
    appeared) reloads itself at once and then shows everything; when the reload is broken too, it says so at once
    rather than reloading for ever."""
    url = voila.page(MODULES[1].notebook)
    context = browser.new_context()
    try:
        page = context.new_page()
        loads = _break_a_part(context, url, broken_loads=1)
        page.goto(url)
        page.wait_for_function("() => sessionStorage.getItem('test:loads') === '2'")  # it reloaded itself
        # Up to 90 s: in a full run this reload once coincided with the shared server culling ~20 dropped pages
        # at once, and took over 30 s (an open problem of its own, noted on issue 13); what this test proves is
        # that one reload heals the page.
        page.wait_for_selector(".plnkit-footer.plnkit-loaded", timeout=90_000)
        page.wait_for_timeout(2000)  # the watch looks every second: a broken part would be seen by now
        assert len(loads) == 2, loads
        assert page.get_by_text("Error displaying widget").count() == 0
        assert page.locator(STALLED).count() == 0 and page.locator(BANNER).count() == 0
    finally:
        context.close()
    context = browser.new_context()
    try:
        page = context.new_page()
        loads = _break_a_part(context, url, broken_loads=99)
        page.goto(url)
        page.locator(STALLED).wait_for(timeout=25_000)  # at once after the one reload, not after 30 s
        page.wait_for_timeout(3000)
        assert len(loads) == 2, loads  # one reload, no loop
        text = page.locator(STALLED).inner_text()
        assert "hasn't finished showing your work" in text and "Nothing you saved is lost" in text
    finally:
        context.close()


def test_a_page_with_a_part_that_never_finishes_loading_reloads_itself_once(voila: Server, browser: Any) -> None:
    """A page still showing "Loading widget..." for a part 10 s after its kernel connected and sent the widgets
    (seen in CI: the footer and 15 other parts never drawn, so the page never said it had loaded) reloads itself
    once, saying in the console which part was stuck; when the reload is stuck too, it says so on the page."""
    url = voila.page(MODULES[2].notebook)
    context = browser.new_context()
    try:
        page = context.new_page()
        said: list[str] = []
        page.on("console", lambda message: said.append(message.text))
        loads = _break_a_part(context, url, broken_loads=1, script=STICK_A_PART)
        page.goto(url)
        page.wait_for_function("() => sessionStorage.getItem('test:loads') === '2'", timeout=90_000)
        page.wait_for_selector(".plnkit-footer.plnkit-loaded")
        assert page.get_by_text("Loading widget...").count() == 0
        assert len(loads) == 2, loads
        assert any(text.startswith("plnkit: this page reloads itself: 1 part(s) still loading") for text in said), \
            said
        assert page.locator(STALLED).count() == 0 and page.locator(BANNER).count() == 0
    finally:
        context.close()
    context = browser.new_context()
    try:
        page = context.new_page()
        loads = _break_a_part(context, url, broken_loads=99, script=STICK_A_PART)
        page.goto(url)
        page.locator(STALLED).wait_for(timeout=90_000)
        page.wait_for_timeout(3000)
        assert len(loads) == 2, loads  # one reload, no loop
        assert "hasn't finished showing your work" in page.locator(STALLED).inner_text()
    finally:
        context.close()
