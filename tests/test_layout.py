"""Nothing is cut off at a phone's width (390 px) or a laptop's (1366 px), on every page, before and after the
exercises are filled in: no control or text runs past the screen (a wide table scrolls in its own box), no
label or button ends in "…", no dropdown is narrower than its choice, no text box too narrow to type in."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from plnkit.content import MODULES, PAGES

from .conftest import ROOT, Server, serve, stop
from .test_browser import open_course_page

pytestmark = pytest.mark.browser
CUT_OFF = (ROOT / "tests" / "js" / "cut_off.js").read_text(encoding="utf-8")
WIDTHS = {"phone": (390, 844), "laptop": (1366, 900)}
LONG = ("A long answer, with a very-long-word-that-does-not-break-anywhere-at-all-on-a-small-phone-screen, "
        "to see that text wraps instead of running off the page. ") * 3


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server of its own: the long answers typed here must not reach other tests' learner."""
    server = serve(tmp_path_factory.mktemp("layout-home"))
    try:
        yield server
    finally:
        stop(server.proc)


@pytest.fixture(params=list(WIDTHS), ids=list(WIDTHS))
def sized(request: pytest.FixtureRequest, browser: Any) -> Iterator[Any]:
    width, height = WIDTHS[request.param]
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(60_000)
    yield page
    context.close()


#: For each reflection: how far its question's left edge is from its text box's (CSS px).
QUESTION_OFFSETS = """() => [...document.querySelectorAll('.plnkit-reflection .widget-textarea')].map(box =>
  box.querySelector(':scope > .widget-label').getBoundingClientRect().left
  - box.querySelector('textarea').getBoundingClientRect().left)"""


def cut_off(page: Any) -> list[str]:
    page.wait_for_timeout(600)  # layout settles after the last widget message
    return list(page.evaluate(CUT_OFF))


def fill_in(page: Any, number: int) -> None:
    """Do the page's exercises the way a learner would, with long text where text goes."""
    for area in page.locator(".plnkit-reflection .plnkit-answer textarea").all()[:2]:
        area.fill(LONG)
    if number == 1:
        for group in page.locator(".plnkit-rating .widget-radio-box").all():
            group.locator("label").nth(3).click()
        page.get_by_role("button", name="Show my profile").click()
        page.get_by_role("button", name="Save my choice").wait_for()
    if number == 2:
        page.get_by_label("About how many hours a week do you spend on your networks?").fill("6")
        page.get_by_label("In how many networks, groups or spaces are you active?").fill("4")
        page.get_by_role("button", name="Estimate my stage").click()
        page.get_by_role("button", name="Confirm my stage").click()
        page.get_by_label("One boundary I will keep").fill(LONG[:150])
        page.get_by_role("button", name="Check and save my plan").click()
    if number == 3:
        page.get_by_label("Username 1", exact=True).fill("@a_very_long_username_for_a_teacher_on_every_service")
        page.get_by_role("button", name="Check my usernames").click()
        page.get_by_label("Address", exact=True).fill("https://example.org/" + "long-path/" * 12)
        page.get_by_label("Title", exact=True).fill(LONG[:140])
        page.get_by_role("button", name="Add bookmark").click()
        page.get_by_label("Feed or blog address").fill("http://127.0.0.1:9/not-a-feed")
        page.get_by_role("button", name="Subscribe", exact=True).click()
    if number >= 1:
        page.get_by_label("Name", exact=True).last.fill("#EduSky 🦋 " + "Colleagues" * 3)
        page.get_by_role("button", name="Add to my network").click()
    page.locator(".plnkit-status").get_by_text("Saved", exact=False).first.wait_for()


@pytest.mark.parametrize("spec", PAGES, ids=lambda p: p.slug)
def test_nothing_is_cut_off_before_or_after_the_exercises(course: Server, sized: Any, spec: Any) -> None:
    open_course_page(sized, course.page(spec.notebook))
    assert cut_off(sized) == [], f"{spec.notebook} as first opened"
    # Each reflection's question starts where its text box starts (it sat centred above a wide box).
    offsets = sized.evaluate(QUESTION_OFFSETS)
    assert offsets and all(abs(x) <= 2 for x in offsets), offsets
    fill_in(sized, spec.number)
    sized.wait_for_timeout(1500)  # statuses and charts arrive
    assert cut_off(sized) == [], f"{spec.notebook} after the exercises"
    # A saved answer's versions: the longest label (a date with seconds, the word count, "(latest)") fits.
    box = sized.locator(".plnkit-reflection").first
    header = box.locator(".jupyter-widget-Collapse-header")
    header.get_by_text(re.compile(r"Saved versions \([1-9]")).wait_for()  # saved here, or by the other width
    header.click()
    box.get_by_label("Version", exact=True).wait_for()
    assert cut_off(sized) == [], f"{spec.notebook} with a reflection's saved versions open"


def test_the_facilitators_page_is_not_cut_off(tmp_path_factory: pytest.TempPathFactory, browser: Any) -> None:
    from plnkit.content import FACILITATOR_NOTEBOOK

    from .test_room import seed
    from .test_workshop_browser import follow_link

    home = tmp_path_factory.mktemp("layout-room")
    seed(home, ("Ana Lima", "Ben Okafor", "Chloé Martin-Dubois de la Fontaine"))
    server = serve(home, "--workshop")
    try:
        for width, height in WIDTHS.values():
            context = browser.new_context(viewport={"width": width, "height": height})
            try:
                boss = context.new_page()
                boss.set_default_timeout(60_000)
                follow_link(boss, (home / "facilitator-link.txt").read_text().strip().replace("localhost",
                                                                                              "127.0.0.1"),
                            "Facilitator")
                boss.goto(server.page(FACILITATOR_NOTEBOOK))
                boss.wait_for_selector(".plnkit-dashboard .plnkit-aggregate img")
                assert cut_off(boss) == [], f"the facilitator's page at {width} px"
            finally:
                context.close()
    finally:
        stop(server.proc)


def test_on_a_phone_the_wide_mediums_table_says_it_scrolls_and_scrolls_from_the_keyboard(course: Server,
                                                                                          browser: Any) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 740})
    try:
        page = context.new_page()
        page.set_default_timeout(60_000)
        open_course_page(page, course.page(PAGES[3].notebook))
        caption = page.get_by_text("Kinds of tools on the 2010 wiki page, then and now")
        table = page.locator("table.plnkit-table", has=caption)
        hint = page.get_by_text("scroll the table sideways")
        assert hint.is_visible()
        width = table.evaluate("t => [t.scrollWidth, t.clientWidth]")
        assert width[0] > width[1], width  # it is wider than the phone: the hint is needed
        table.focus()  # reachable with Tab, and the arrow keys scroll it
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")
        page.wait_for_function("t => t.scrollLeft > 0", arg=table.element_handle())
        page.set_viewport_size({"width": 1366, "height": 900})
        assert not hint.is_visible()  # on a laptop the table fits and says nothing...
        page.wait_for_function("t => !t.hasAttribute('tabindex')", arg=table.element_handle())  # ...nor is a Tab stop
    finally:
        context.close()


def test_a_long_name_in_the_backchannel_wraps_inside_its_post_on_a_phone(course: Server, browser: Any) -> None:
    """A trial: a 50-letter name with no spaces ran 794 px wide out of its 306 px post on a phone, and the
    stream scrolled sideways. The name breaks instead, like a long word in a post."""
    context = browser.new_context(viewport=dict(zip(("width", "height"), WIDTHS["phone"], strict=True)))
    try:
        page = context.new_page()
        page.set_default_timeout(60_000)
        open_course_page(page, course.page(MODULES[0].notebook))
        channel = page.locator(".plnkit-backchannel")
        channel.get_by_label("Your name").fill("W" * 50)
        channel.get_by_label("Your post").fill("Hello from a phone.")
        channel.get_by_role("button", name="Post", exact=True).click()
        post = channel.locator(".plnkit-post", has_text="Hello from a phone.")
        post.wait_for()
        sizes = post.evaluate("p => [p.scrollWidth, p.clientWidth, p.parentElement.scrollWidth, "
                              "p.parentElement.clientWidth]")
        assert sizes[0] <= sizes[1] + 1 and sizes[2] <= sizes[3] + 1, sizes
    finally:
        context.close()
