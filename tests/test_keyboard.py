"""Every control works by keyboard the way the platform's own controls do (real Voila + Chromium).

Radio groups are one Tab stop each, named by their statement, with arrows that stay inside the group
(``course.js`` section 5); every exercise on every page can be completed with the keyboard alone; and every
control the keyboard reaches shows a clearly visible focus ring (``plnkit/data/keyboard.css``).

The tests drive the page with ``page.keyboard`` only: no clicks, no ``fill()`` or ``check()``. Locators are
used to find out where the focus is and what the page shows, never to act.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from plnkit.content import BENEFITS, MEDIUMS, MODULES, PAGES, STAGE_STATEMENTS, TIPS
from plnkit.services.store import Store

from .conftest import Server, serve, stop
from .test_browser import assert_no_error_output, open_course_page

pytestmark = pytest.mark.browser

#: No page of the course has this many Tab stops; a control not reached by then is not reachable.
MAX_PRESSES = 400
HAS_FOCUS = "el => el === document.activeElement || el.contains(document.activeElement)"
#: The checked choice of every radio group on the page, in page order (-1: none checked).
CHECKED = """() => [...document.querySelectorAll('.widget-radio-box')].map(
  box => [...box.querySelectorAll('input[type=radio]')].findIndex(input => input.checked))"""
#: Where the focus is: the index of its radio group (-1: not in one), and its choice in that group.
WHERE = """() => {
  const el = document.activeElement, box = el && el.closest('.widget-radio-box');
  if (!box) return [-1, -1];
  return [[...document.querySelectorAll('.widget-radio-box')].indexOf(box),
          [...box.querySelectorAll('input[type=radio]')].indexOf(el)];
}"""

#: Every widget's changes have reached the kernel: ipywidgets sends a widget's first change at once but holds the
#: next change of the same widget until the kernel has answered the first (``window.jupyterapp`` is Voila's
#: application; ``_pending_msgs`` and ``_msg_buffer`` are ipywidgets' own). A button pressed meanwhile used to
#: overtake the held change; course.js now holds the press back instead, so the tests press at once, as a
#: learner does. Used only to set a scene before the kernel is made busy on purpose.
CAUGHT_UP = """() => [...window.jupyterapp.widgetManager._modelsSync.values()].every(
  model => !model._pending_msgs && !model._msg_buffer)"""


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory, feed_server: Any) -> Iterator[Server]:
    """A course server of this file's own, so the answers typed here meet no other test's."""
    home = tmp_path_factory.mktemp("keyboard-home")
    server = serve(home, env={"PLNKIT_FEED_ALLOW": feed_server.allow})
    try:
        yield server
    finally:
        stop(server.proc)


def saved(home: Path, key: str) -> Any:
    with Store(home / "plnkit.sqlite3") as store:
        version = store.latest_answer(store.learner("local"), key)
    return None if version is None else version.value


def has_focus(target: Any) -> bool:
    return bool(target.evaluate(HAS_FOCUS))


def tab_to(page: Any, target: Any, *, back: bool = False) -> int:
    """Press Tab (Shift+Tab when ``back``) until the focus is on or inside ``target``; return how many presses."""
    target.wait_for()
    if has_focus(target):
        return 0
    key = "Shift+Tab" if back else "Tab"
    for presses in range(1, MAX_PRESSES + 1):
        page.keyboard.press(key)
        if has_focus(target):
            return presses
    raise AssertionError(f"{MAX_PRESSES} presses of {key} never reached {target}")


def type_into(page: Any, target: Any, text: str) -> None:
    """Tab to a text field, replace what it holds with ``text``, as a learner would."""
    tab_to(page, target)
    page.keyboard.press("Control+A")
    page.keyboard.type(text)


def choose(page: Any, choice: int) -> None:
    """In the radio group that has the focus, move the choice to ``choice`` (0-based) with the arrow keys."""
    group, at = page.evaluate(WHERE)
    assert group >= 0, "the focus is not in a radio group"
    current = page.evaluate(CHECKED)[group]
    if current < 0:  # nothing chosen yet: Space chooses the radio that has the focus
        page.keyboard.press("Space")
        current = at
    size = page.evaluate("g => document.querySelectorAll('.widget-radio-box')[g].querySelectorAll('input').length",
                         group)
    for _ in range((choice - current) % size):
        page.keyboard.press("ArrowRight")
    assert page.evaluate(CHECKED)[group] == choice


def pick_option(page: Any, select: Any, label: str) -> None:
    """Tab to a dropdown and move its choice with the arrow keys until it shows ``label``."""
    tab_to(page, select)
    texts = select.evaluate("s => [...s.options].map(o => o.text.replace(/\\u00a0/g, ' '))")  # ipywidgets: nbsp
    current = select.evaluate("s => s.selectedIndex")
    assert label in texts, texts
    wanted = texts.index(label)
    key = "ArrowDown" if wanted > current else "ArrowUp"
    for _ in range(abs(wanted - current)):
        page.keyboard.press(key)
    assert select.evaluate("s => s.options[s.selectedIndex].text.replace(/\\u00a0/g, ' ')") == label


def press_button(page: Any, name: str | re.Pattern[str], *, scope: Any = None) -> None:
    """Tab to the button called ``name`` and press Enter (at once: course.js sends the press after every change
    made before it)."""
    tab_to(page, (scope or page).get_by_role("button", name=name, exact=True))
    page.keyboard.press("Enter")


# --- (a) radio groups -----------------------------------------------------------------------------------


def test_a_radio_group_is_one_tab_stop_named_by_its_statement_and_arrows_stay_inside_it(
        course: Server, page: Any) -> None:
    open_course_page(page, course.page(MODULES[0].notebook))
    groups = [page.get_by_role("radiogroup", name=b.statement, exact=True) for b in BENEFITS]
    for group in groups:  # the statement is the group's accessible name
        assert group.count() == 1 and group.get_by_role("radio").count() == 5
    assert page.evaluate(CHECKED) == [-1] * 7  # nothing rated yet

    tab_to(page, groups[0])
    stops = [page.evaluate(WHERE)[0]]
    profile = page.get_by_role("button", name="Show my profile")
    while not has_focus(profile) and len(stops) <= 20:
        page.keyboard.press("Tab")
        stops.append(page.evaluate(WHERE)[0])
    assert stops == [0, 1, 2, 3, 4, 5, 6, -1]  # 7 stops for 7 statements, then the button
    for i in reversed(range(7)):  # and one stop each on the way back
        page.keyboard.press("Shift+Tab")
        assert page.evaluate(WHERE)[0] == i

    # In the first group (nothing chosen yet), Space chooses the focused choice; the arrows then choose and wrap
    # inside the group, and never touch the next statement.
    group, at = page.evaluate(WHERE)
    assert group == 0 and page.evaluate(CHECKED) == [-1] * 7
    page.keyboard.press("Space")
    assert page.evaluate(CHECKED) == [at] + [-1] * 6
    choose(page, 4)  # the last choice, "5 · Very much like me"
    moves = [("ArrowRight", 0), ("ArrowRight", 1), ("ArrowLeft", 0), ("ArrowLeft", 4), ("ArrowDown", 0),
             ("ArrowUp", 4), ("ArrowLeft", 3)]
    for key, expected in moves:
        page.keyboard.press(key)
        assert page.evaluate(WHERE) == [0, expected], key
        assert page.evaluate(CHECKED) == [expected] + [-1] * 6, key

    ratings = [4, 2, 5, 1, 3, 5, 2]  # 1-5; the first is already 4
    for group, rating in zip(groups[1:], ratings[1:], strict=True):
        page.keyboard.press("Tab")
        assert has_focus(group)
        choose(page, rating - 1)
    page.keyboard.press("Tab")
    assert has_focus(profile)
    page.keyboard.press("Enter")
    page.locator(".plnkit-summary", has_text="Your strongest areas").wait_for()
    # What the arrows chose is what the kernel holds, and what it saved.
    assert saved(course.home, "why-pln/benefit-ratings") == {b.key: r for b, r in zip(BENEFITS, ratings, strict=True)}

    # After a reload the kernel sets every group's value (ipywidgets redraws the inputs): still one stop each,
    # and the stop is the chosen rating.
    open_course_page(page, course.page(MODULES[0].notebook))
    page.get_by_role("img", name="Bar chart of your seven benefit ratings").wait_for()
    tab_to(page, groups[0])
    assert page.evaluate(WHERE) == [0, ratings[0] - 1]
    for i in range(1, 7):
        page.keyboard.press("Tab")
        assert page.evaluate(WHERE) == [i, ratings[i] - 1]
    page.keyboard.press("Tab")
    assert has_focus(profile)


# --- (b) every exercise by keyboard alone ---------------------------------------------------------------


def test_the_start_page_by_keyboard(course: Server, page: Any) -> None:
    open_course_page(page, course.page(PAGES[0].notebook))
    box = page.locator(".plnkit-reflection").first
    type_into(page, box.locator(".plnkit-answer textarea"), "To find two colleagues who teach physics.")
    press_button(page, "Save", scope=box)
    box.locator(".plnkit-status").get_by_text(re.compile("^Saved at")).wait_for()
    assert saved(course.home, "start/hopes") == "To find two colleagues who teach physics."

    # The "Saved versions" section opens from the keyboard (course.js makes its header a button).
    header = box.locator(".jupyter-widget-Collapse-header")
    tab_to(page, header)
    assert header.get_attribute("role") == "button" and header.get_attribute("aria-expanded") == "false"
    page.keyboard.press("Enter")
    version = box.get_by_label("Version", exact=True)
    version.wait_for()  # made when the section first opens
    # The header keeps the focus the press gave it (its controls are not drawn by redrawing the section), so the
    # next Tab goes into the section, not back to the top of the page.
    assert has_focus(header) and header.get_attribute("aria-expanded") == "true"
    assert tab_to(page, version) == 1
    tab_to(page, header, back=True)
    page.keyboard.press("Space")
    assert header.get_attribute("aria-expanded") == "false"
    assert box.get_by_label("Version", exact=True).is_hidden()
    assert_no_error_output(page)


def test_module_1_by_keyboard(course: Server, page: Any) -> None:
    open_course_page(page, course.page(MODULES[0].notebook))
    channel = page.locator(".plnkit-backchannel")
    type_into(page, channel.get_by_label("Your name"), "Kim")
    type_into(page, channel.get_by_label("Your post"), "Typed without a mouse.")
    press_button(page, "Post", scope=channel)
    channel.locator(".plnkit-stream").get_by_text("Typed without a mouse.").wait_for()

    ratings = [3, 3, 4, 2, 5, 1, 4]
    for benefit, rating in zip(BENEFITS, ratings, strict=True):
        tab_to(page, page.get_by_role("radiogroup", name=benefit.statement, exact=True))
        choose(page, rating - 1)
    earlier = saved(course.home, "why-pln/benefit-ratings")  # then the new profile says what changed
    press_button(page, "Show my profile")
    page.locator(".plnkit-summary", has_text="Since last time" if earlier else "Your strongest areas").wait_for()
    assert saved(course.home, "why-pln/benefit-ratings") == {b.key: r for b, r in zip(BENEFITS, ratings, strict=True)}
    # The profile chart's data, as a table, and its downloads: reached and opened from the keyboard too.
    data = page.locator(".plnkit-figure .plnkit-data").first
    tab_to(page, data.locator("summary"))
    page.keyboard.press("Enter")
    assert data.evaluate("d => d.open") and data.locator("table").is_visible()
    tab_to(page, page.locator(".plnkit-figure .plnkit-downloads a").first)

    grow = page.get_by_label("The one benefit I will grow first")
    pick_option(page, grow, BENEFITS[2].name)
    press_button(page, "Save my choice")
    page.get_by_text(f"you will grow “{BENEFITS[2].name}” first").wait_for()
    assert saved(course.home, "why-pln/grow-first") == BENEFITS[2].key

    what = page.locator(".plnkit-reflection").first
    type_into(page, what.locator(".plnkit-answer textarea"), "Mostly from colleagues down the corridor.")
    press_button(page, "Save", scope=what)
    what.locator(".plnkit-status").get_by_text(re.compile("^Saved at")).wait_for()
    assert_no_error_output(page)


def test_module_2_by_keyboard(course: Server, page: Any) -> None:
    open_course_page(page, course.page(MODULES[1].notebook))
    agree, not_sure, disagree = 2, 1, 0
    answers = [{"evaluation": agree, "know-it-all": not_sure}.get(s.stage, disagree) for s in STAGE_STATEMENTS]
    groups = [page.get_by_role("radiogroup", name=s.text, exact=True) for s in STAGE_STATEMENTS]
    tab_to(page, groups[0])
    before = page.evaluate(CHECKED)
    assert len(before) == len(STAGE_STATEMENTS) and page.evaluate(WHERE) == [0, before[0]]  # the stop: "Not sure"
    for _ in range(4):  # Disagree, Not sure, Agree: Agree + ArrowRight wraps to Disagree, in the same statement
        page.keyboard.press("ArrowRight")
        assert page.evaluate(WHERE)[0] == 0 and page.evaluate(CHECKED)[1:] == before[1:]
    for group, answer in zip(groups, answers, strict=True):
        tab_to(page, group)
        choose(page, answer)
    type_into(page, page.get_by_label("About how many hours a week"), "4")
    type_into(page, page.get_by_label("In how many networks, groups or spaces"), "3")
    press_button(page, "Estimate my stage")
    estimate = page.get_by_text(re.compile(r"Your answers suggest Stage \d: "))
    estimate.wait_for()
    stage = re.search(r"Stage \d: ([^.]+)\.", estimate.inner_text()).group(1)
    found = saved(course.home, "stages/finder")
    assert found["hours"] == 4 and found["spaces"] == 3
    assert list(found["agreement"].values()) == [a - 1 for a in answers]  # Disagree -1, Not sure 0, Agree 1
    press_button(page, "Confirm my stage")
    page.get_by_text(re.compile(f"Saved at .*: {re.escape(stage)}\\.")).wait_for()

    first = page.get_by_role("checkbox", name=re.compile(re.escape(TIPS[0].text)))
    tab_to(page, first)
    page.keyboard.press("Space")
    page.get_by_text(re.compile(f"Saved at .*: 1 of {len(TIPS)} commitments")).wait_for()
    assert saved(course.home, "stages/first-steps") == [TIPS[0].key]

    planner = page.locator(".plnkit-exercise", has=page.get_by_role("button", name="Check and save my plan"))
    type_into(page, planner.get_by_label("Network or activity 1"), "Mastodon")
    type_into(page, planner.get_by_label("Minutes a week (1)"), "90")
    type_into(page, planner.get_by_label("One boundary I will keep"), "No notifications after 8 pm")
    press_button(page, "Check and save my plan")
    planner.get_by_text("Your plan: 90 minutes a week (about 1.5 hours).").wait_for()

    description = page.locator(".plnkit-reflection").first
    type_into(page, description.locator(".plnkit-answer textarea"), "I joined a science teachers' group last term.")
    press_button(page, "Save", scope=description)
    description.locator(".plnkit-status").get_by_text(re.compile("^Saved at")).wait_for()
    assert_no_error_output(page)


def test_module_3_by_keyboard(course: Server, page: Any, feed_server: Any) -> None:
    open_course_page(page, course.page(MODULES[2].notebook))
    type_into(page, page.get_by_label("Service 1"), "Mastodon")
    type_into(page, page.get_by_label("Username 1", exact=True), "@ms_rivera")
    identity = page.locator(".plnkit-exercise", has=page.get_by_role("button", name="Check my usernames"))
    press_button(page, "Check my usernames")
    identity.locator(".plnkit-status").get_by_text(re.compile("^Saved at")).wait_for()
    assert saved(course.home, "tools/identity") == [["Mastodon", "@ms_rivera"]]

    tool = page.locator(".plnkit-bookmarks")
    type_into(page, tool.get_by_label("Address"), "https://example.org/keyboard-only")
    type_into(page, tool.get_by_label("Title"), "Keyboard-only teaching notes")
    type_into(page, tool.get_by_label("Tags (comma-separated)"), "access, keyboard")
    press_button(page, "Add bookmark", scope=tool)
    tool.get_by_text("Added “Keyboard-only teaching notes”.").wait_for()
    assert tool.get_by_role("link", name="Keyboard-only teaching notes").count() == 1
    with page.expect_file_chooser() as chooser:  # the upload button opens the file chooser from the keyboard
        press_button(page, re.compile("Import a bookmark file"), scope=tool)
    assert chooser.value is not None

    pick_option(page, page.get_by_label(MEDIUMS[0].today[0], exact=True), "I use it")
    press_button(page, "Save my choices")
    page.get_by_text(re.compile(r"Saved at .*: 1 in use, 0 to try\.")).wait_for()

    type_into(page, page.get_by_label("Feed or blog address"), f"{feed_server.base}/feed.xml")
    press_button(page, "Subscribe")
    page.get_by_text("Subscribed to Loopback Teachers' Blog.").wait_for()

    panel = page.locator(".plnkit-network")
    pick_option(page, panel.get_by_label("Kind", exact=True), "A community or space")
    type_into(page, panel.get_by_label("Name", exact=True), "Keyboard Teachers")
    type_into(page, panel.get_by_label("Where (platform)"), "Discord")
    press_button(page, "Add to my network", scope=panel)
    panel.get_by_text("Added Keyboard Teachers.").wait_for()
    page.wait_for_function("() => document.querySelector('.plnkit-network table')?.textContent"
                           ".includes('Keyboard Teachers')")

    portable = page.locator(".plnkit-reflection").first
    type_into(page, portable.locator(".plnkit-answer textarea"), "My bookmarks: I would export them first.")
    press_button(page, "Save", scope=portable)
    portable.locator(".plnkit-status").get_by_text(re.compile("^Saved at")).wait_for()
    assert_no_error_output(page)


# --- (c) focus rings ------------------------------------------------------------------------------------

#: The focused element's kind, its outline as the browser draws it, and the first ancestor that cuts the ring
#: off (ipywidgets' boxes hide or scroll what overflows them; an ancestor that really scrolls is skipped).
RING = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  if (el.hasAttribute('data-ring-seen')) return {again: true};
  el.setAttribute('data-ring-seen', '');
  const s = getComputedStyle(el), r = el.getBoundingClientRect();
  const kind = el.tagName.toLowerCase() + (el.tagName === 'INPUT' ? '[' + el.type + ']' : '')
    + (el.getAttribute('role') ? '/' + el.getAttribute('role') : '');
  const reach = parseFloat(s.outlineOffset) + parseFloat(s.outlineWidth);
  let clippedBy = null;
  for (let a = el.parentElement; a && a !== document.documentElement && !clippedBy; a = a.parentElement) {
    const as = getComputedStyle(a);
    if (as.overflowX === 'visible' && as.overflowY === 'visible') continue;
    const ar = a.getBoundingClientRect();
    const scrollsX = a.scrollWidth > a.clientWidth + 1, scrollsY = a.scrollHeight > a.clientHeight + 1;
    const cut = (!scrollsX && (r.left - reach < ar.left + parseFloat(as.borderLeftWidth) - 0.5
                               || r.right + reach > ar.right - parseFloat(as.borderRightWidth) + 0.5))
             || (!scrollsY && (r.top - reach < ar.top + parseFloat(as.borderTopWidth) - 0.5
                               || r.bottom + reach > ar.bottom - parseFloat(as.borderBottomWidth) + 0.5));
    if (cut) clippedBy = a.className.toString().slice(0, 80);
  }
  return {kind, style: s.outlineStyle, width: parseFloat(s.outlineWidth), color: s.outlineColor, clippedBy,
          what: (el.getAttribute('aria-label') || el.textContent || el.name || '').trim().slice(0, 50)};
}"""


@pytest.mark.parametrize("course_page", PAGES, ids=lambda p: p.slug)
def test_every_control_the_keyboard_reaches_shows_a_clear_focus_ring(
        course: Server, page: Any, course_page: Any) -> None:
    open_course_page(page, course.page(course_page.notebook))
    seen: dict[str, int] = {}
    for _ in range(MAX_PRESSES):
        page.keyboard.press("Tab")
        ring = page.evaluate(RING)
        if ring is None or ring.get("again"):
            break  # the focus has left the page, or come round again
        assert ring["style"] != "none" and ring["width"] >= 2, ring
        assert not re.search(r"rgba\(.*, 0\)$", ring["color"]) and ring["color"] != "transparent", ring
        assert ring["clippedBy"] is None, ring  # the whole ring shows
        seen[ring["kind"]] = seen.get(ring["kind"], 0) + 1
    else:
        raise AssertionError(f"the focus never left the page after {MAX_PRESSES} presses")
    assert {"a", "button", "textarea"} <= set(seen), seen
    if course_page.number == 1:  # the widest mix: text boxes, dropdowns, radios, buttons, links
        assert {"input[text]", "select", "input[radio]", "div/button"} <= set(seen), seen
        assert seen["input[radio]"] == len(BENEFITS), seen  # one stop per statement
    if course_page.number == 2:
        assert {"input[text]", "input[checkbox]", "input[radio]"} <= set(seen), seen  # numbers are typed as text


def test_a_button_pressed_right_after_quick_choices_acts_on_what_the_page_shows(tmp_path: Path, page: Any) -> None:
    """A teacher who rates with the arrow keys and presses "Show my profile" at once, or types a name and presses
    Enter at once, gets what the page shows. ipywidgets holds a widget's next change back until the kernel has
    answered its last one, and sends a button press at once: while the kernel was busy (drawing a chart, or a
    room's worth of pages on one laptop), the press overtook the last choices and the kernel saved ratings the
    page no longer showed. course.js now sends a widget's event after the changes made before it. Nothing here
    waits for the kernel between keys."""
    server = serve(tmp_path)
    try:
        open_course_page(page, server.page(MODULES[0].notebook))
        network = page.locator(".plnkit-network").first
        name = network.get_by_label("Name", exact=True)
        type_into(page, name, "Kim")
        page.wait_for_function(CAUGHT_UP)
        tab_to(page, page.get_by_role("radiogroup", name=BENEFITS[0].statement, exact=True))
        # "Add to my network" pressed by script (the focus stays put): the kernel is busy drawing the map now
        network.get_by_role("button", name="Add to my network").evaluate("button => button.click()")
        for moves in (1, 2, 3, 4, 2, 3, 2):  # as fast as keys go
            page.keyboard.press("Space")
            for _ in range(moves):
                page.keyboard.press("ArrowRight")
            page.keyboard.press("Tab")
        page.keyboard.press("Enter")  # the Tab after the last statement reached "Show my profile"
        page.locator(".plnkit-summary", has_text="Your strongest areas").wait_for()
        network.get_by_text("Added Kim.").wait_for()
        shown = page.evaluate(CHECKED)[:7]
        assert shown == [1, 2, 3, 4, 2, 3, 2]
        assert saved(server.home, "why-pln/benefit-ratings") == {b.key: c + 1 for b, c in zip(BENEFITS, shown,
                                                                                              strict=True)}

        # Enter in "Name" adds the connection: with the whole name typed, not its first letters.
        page.get_by_role("button", name="Show my profile").click()  # the kernel redraws the profile chart
        name.focus()
        page.keyboard.type("Ana Lopez from the district science team")
        page.keyboard.press("Enter")
        network.get_by_text("Added Ana Lopez from the district science team.").wait_for()
    finally:
        stop(server.proc)
