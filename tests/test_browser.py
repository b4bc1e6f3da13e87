"""The course in a real browser: ``plnkit serve`` (Voila) driven by headless Chromium through Playwright."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from plnkit.content import MODULES, PAGES

from .conftest import ROOT, Server, free_port, kernel_pids, serve, stop, wait_for_http

pytestmark = pytest.mark.browser

ERRORS = '[data-mime-type="application/vnd.jupyter.stderr"], .jp-OutputArea-output[data-mime-type*="error"]'


def open_course_page(page: Any, url: str) -> None:
    page.goto(url)
    try:
        page.wait_for_selector(".plnkit-footer.plnkit-loaded")
    except Exception as exc:  # say what the page shows instead (a full room, an error, a page never filled in)
        shown = " ".join(page.locator("body").inner_text().split())[:600]
        raise AssertionError(f"{url} did not finish loading; it shows: {shown}") from exc


def assert_no_error_output(page: Any) -> None:
    assert page.locator(ERRORS).count() == 0, page.locator(ERRORS).all_inner_texts()
    body = page.locator("body").inner_text()
    assert "Traceback" not in body and "There was an error" not in body


@pytest.mark.parametrize("course_page", PAGES, ids=lambda p: p.slug)
def test_every_page_renders_with_the_shared_header_and_no_errors(voila: Server, page: Any, course_page: Any) -> None:
    open_course_page(page, voila.page(course_page.notebook))
    header = page.locator("header.plnkit-header")
    assert course_page.title in header.inner_text()
    where = "Start page" if course_page.number == 0 else f"Module {course_page.number} of 3"
    assert where in header.inner_text()
    assert re.search(r"Progress: \d of 3 modules complete", header.inner_text())
    assert page.locator("textarea").count() >= 1  # every page has a reflection
    body = page.locator("body").inner_text()
    assert "from plnkit" not in body and "reflection(" not in body  # no code shown
    assert_no_error_output(page)


def test_the_start_page_lists_the_modules_with_times(voila: Server, page: Any) -> None:
    open_course_page(page, voila.page(PAGES[0].notebook))
    listing = page.get_by_role("list", name="Course modules")
    for m in MODULES:
        assert f"about {m.minutes} minutes" in listing.inner_text()
        assert listing.get_by_role("link", name=f"Module {m.number}: {m.title}").count() == 1


def test_next_links_walk_through_the_whole_course(voila: Server, page: Any) -> None:
    open_course_page(page, voila.page(PAGES[0].notebook))
    for nxt in MODULES:
        page.locator("header.plnkit-header a[rel=next]").click()
        page.wait_for_url(f"**/{nxt.notebook}")
        page.wait_for_selector(".plnkit-footer.plnkit-loaded")
        assert f"Module {nxt.number} of 3" in page.locator("header.plnkit-header").inner_text()
    page.locator("header.plnkit-header a[rel=prev]").click()
    page.wait_for_url(f"**/{MODULES[1].notebook}")
    page.get_by_role("link", name="Course start").first.click()
    page.wait_for_url(f"**/{PAGES[0].notebook}")


def test_a_reflection_typed_in_the_browser_autosaves_and_survives_a_reload(voila: Server, page: Any) -> None:
    url = voila.page(MODULES[2].notebook)
    open_course_page(page, url)
    box = page.get_by_label("Portable", exact=False).or_(page.locator(".plnkit-reflection textarea")).first
    box.click()
    box.press("Control+A")  # the session's learner may have answered here in an earlier test: type over it
    box.press_sequentially("I would lose my bookmarks. <b>Export</b> them on Friday.", delay=5)
    status = page.locator(".plnkit-reflection .plnkit-status").first
    status.get_by_text(re.compile(r"^Saved at \d\d:\d\d$")).wait_for()  # autosave, pushed from a kernel thread
    page.reload()
    page.wait_for_selector(".plnkit-footer.plnkit-loaded")
    box = page.locator(".plnkit-reflection textarea").first
    assert box.input_value() == "I would lose my bookmarks. <b>Export</b> them on Friday."
    assert page.locator(".plnkit-reflection .plnkit-status").first.inner_text().startswith("Last saved")
    assert page.locator("b", has_text="Export").count() == 0  # the learner's HTML stays text


def test_save_works_from_the_keyboard_and_a_killed_kernel_loses_nothing(tmp_path: Path, page: Any) -> None:
    own = serve(tmp_path)  # its own: killing every kernel of the shared server would disturb the tests after it
    try:
        _save_from_the_keyboard_then_kill(own, page)
    finally:
        stop(own.proc)


def _save_from_the_keyboard_then_kill(voila: Server, page: Any) -> None:
    url = voila.page(MODULES[1].notebook)
    open_course_page(page, url)
    box = page.locator(".plnkit-reflection textarea").first
    box.focus()
    page.keyboard.type("Reading blogs on Sunday evenings.")
    page.keyboard.press("Tab")  # focus moves to the Save button
    page.keyboard.press("Enter")
    page.locator(".plnkit-reflection .plnkit-status").first.get_by_text(re.compile("^Saved at")).wait_for()
    killed = kill_kernels(voila.proc.pid)
    assert killed, "expected at least one kernel process to kill"
    open_course_page(page, url)
    assert page.locator(".plnkit-reflection textarea").first.input_value() == "Reading blogs on Sunday evenings."


def test_finishing_a_module_updates_the_progress_in_the_header(own_server: Server, page: Any) -> None:
    open_course_page(page, own_server.page(MODULES[0].notebook))
    before = int(re.search(r"Progress: (\d)", page.locator("header.plnkit-header").inner_text()).group(1))
    page.get_by_role("button", name="I've finished this module").click()
    page.get_by_text("Marked complete").wait_for()
    header = page.locator("header.plnkit-header")
    header.get_by_text(f"Progress: {before + 1} of 3 modules complete").wait_for()
    open_course_page(page, own_server.page(PAGES[0].notebook))
    assert "Completed" in page.get_by_role("list", name="Course modules").inner_text()


def test_a_start_page_open_in_another_tab_shows_a_module_finished_here(tmp_path: Path, browser: Any) -> None:
    """A teacher keeps the start page open in one tab and finishes module 1 in another: going back to the first
    tab, its list of modules and its header show the module complete without a reload (an open page looks again
    every 20 s; 1 s here)."""
    home = tmp_path / "home"
    home.mkdir()
    server = serve(home, env={"PLNKIT_SIGNIN_CHECK": "1"})
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    try:
        start, module = context.new_page(), context.new_page()
        for tab in (start, module):
            tab.set_default_timeout(60_000)
        open_course_page(start, server.page(PAGES[0].notebook))
        modules = start.get_by_role("list", name="Course modules")
        assert "Completed" not in modules.inner_text()
        open_course_page(module, server.page(MODULES[0].notebook))
        module.get_by_role("button", name="I've finished this module").click()
        module.get_by_text("Marked complete").wait_for()
        modules.get_by_text("Completed").wait_for(timeout=30_000)
        start.locator("header.plnkit-header").get_by_text("Progress: 1 of 3 modules complete").wait_for()
    finally:
        context.close()
        stop(server.proc)


def kill_kernels(server_pid: int) -> list[int]:
    """SIGKILL every ipykernel process started under the server (the harshest way a kernel can die)."""
    killed = kernel_pids(server_pid)
    for pid in killed:
        os.kill(pid, signal.SIGKILL)
    return killed


@pytest.fixture(scope="module")
def jupyter_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Voila inside a Jupyter server, as Binder runs it (pages at /voila/render/course/...)."""
    home = tmp_path_factory.mktemp("binder-home")
    port = free_port()
    # An editable install puts no data files in share/jupyter or etc/jupyter, so point Voila at the course
    # template and the server at plnkit's extension directly (a normal install, as on Binder, puts them there:
    # see test_binder.py).
    env = {**os.environ, "PLNKIT_HOME": str(home), "JUPYTER_PATH": str(ROOT / "plnkit" / "data"),
           "JUPYTER_CONFIG_PATH": str(ROOT / "plnkit" / "data" / "jupyter-config")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyter_server", "--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1",
         "--IdentityProvider.token=", "--ServerApp.password=", f"--ServerApp.root_dir={ROOT}",
         *(["--allow-root"] if os.geteuid() == 0 else [])],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_for_http(f"http://127.0.0.1:{port}/api", proc)
        yield Server(proc, f"http://127.0.0.1:{port}", "/voila/render/course/", home)
    finally:
        stop(proc)


def test_links_also_work_inside_a_jupyter_server_as_on_binder(jupyter_server: Server, page: Any) -> None:
    open_course_page(page, jupyter_server.page(PAGES[0].notebook))
    assert_no_error_output(page)
    assert page.evaluate("() => window.WebSocket.name") == "WatchedWebSocket"  # the course's own script runs
    page.locator("header.plnkit-header a[rel=next]").click()
    page.wait_for_url("**/voila/render/course/01_why_pln.ipynb")
    page.wait_for_selector(".plnkit-footer.plnkit-loaded")
    assert "Module 1 of 3" in page.locator("header.plnkit-header").inner_text()
    assert_no_error_output(page)


def assert_the_shipped_charts_are_served(page: Any, site: str, names: list[str]) -> None:
    """A fresh learner's charts (``plnkit.charts._static``) are files the server at ``site`` (its base URL, such
    as ``http://127.0.0.1:8866/``) serves, not data in the page: each picture loads (the wide one on a laptop, the
    narrow one on a phone) and its downloads are a PNG and an SVG."""
    folder = site + "voila/templates/plnkit/static/charts/"
    figures = page.locator(".plnkit-figure")
    assert figures.count() == len(names)
    for figure, name in zip(figures.all(), names, strict=True):
        img = figure.locator("img")
        assert img.get_attribute("loading") == "lazy"  # fetched as the reader scrolls near it
        img.scroll_into_view_if_needed()
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=img.element_handle())
        narrow = page.viewport_size["width"] <= 760
        assert img.evaluate("img => img.currentSrc") == folder + f"chart-{name}{'-phone' if narrow else ''}.png"
        assert img.evaluate("img => img.naturalWidth") >= (600 if narrow else 800)  # the picture itself, drawn
        download = figure.get_by_role("link", name="PNG")
        response = page.request.get(download.evaluate("a => a.href"))
        assert response.ok and response.body().startswith(b"\x89PNG"), download.get_attribute("href")
        vector = page.request.get(figure.get_by_role("link", name="SVG").evaluate("a => a.href"))
        assert vector.ok and b"<svg" in vector.body() and vector.headers["content-type"].startswith("image/svg")
    inlined = page.evaluate("() => [...document.querySelectorAll('.widget-html-content')]"
                            ".filter(el => el.innerHTML.includes('data:image')).length")
    assert inlined == 0, "a widget still carries a picture inside the page"


def test_a_fresh_learners_charts_are_served_as_files_inside_a_jupyter_server(jupyter_server: Server,
                                                                             page: Any) -> None:
    open_course_page(page, jupyter_server.page(MODULES[2].notebook))
    site = jupyter_server.base + "/"
    assert_the_shipped_charts_are_served(page, site, ["network-map", "growth", "balance", "then-and-now"])
    page.set_viewport_size({"width": 390, "height": 844})
    open_course_page(page, jupyter_server.page(MODULES[1].notebook))
    assert_the_shipped_charts_are_served(page, site, ["stage-schematic", "network-map"])


@pytest.mark.parametrize("where", ["voila", "jupyter_server"])
def test_a_page_loads_no_maths_typesetter_and_only_the_widgets_extensions(
        where: str, request: pytest.FixtureRequest, page: Any) -> None:
    """Voila's MathJax 3 (about 900 KB of script, fetched while the widgets are drawn) never loads: the course
    template points Voila's typesetter at static/no-math.js, which typesets nothing. Of the JupyterLab extensions
    installed here (jupyterlab_pygments among them), only the widgets' own load. Voila's chunks come in one file
    and none is fetched on its own, under ``plnkit serve`` and in a Jupyter server with plnkit's extension
    (``_chunks.CHUNKS`` lists what a page needs: if a new Voila needs others, this names them)."""
    server: Server = request.getfixturevalue(where)
    scripts: list[Any] = []
    page.on("response", lambda response: scripts.append(response) if response.request.resource_type == "script"
            else None)
    open_course_page(page, server.page(PAGES[3].notebook))  # 03 has the most text
    page.wait_for_function("() => window.MathJax && window.MathJax.Hub")  # the stand-in, loaded by Voila
    assert_no_error_output(page)
    assert any("/static/no-math.js" in response.url for response in scripts)
    mathjax3 = [response.url for response in scripts if b"mjx-container" in response.body()]
    assert mathjax3 == [], mathjax3
    assert any(response.url.endswith("/voila/static/voila.js") for response in scripts)
    one_by_one = sorted(response.url.rsplit("/", 1)[1] for response in scripts
                        if re.search(r"/voila/static/\d+\.voila\.js$", response.url))
    joined = [response for response in scripts if "/plnkit/voila-chunks.js?v=" in response.url]
    assert one_by_one == [] and len(joined) == 1 and joined[0].ok, one_by_one  # in a Jupyter server too
    extensions = {response.url.split("/labextensions/", 1)[1].split("/static/", 1)[0]
                  for response in scripts if "/labextensions/" in response.url}
    assert extensions == {"@jupyter-widgets/jupyterlab-manager", "@voila-dashboards/widgets-manager8"}


def test_the_feed_reader_subscribes_refreshes_and_shows_titles_as_text(
        voila: Server, feed_server: Any, page: Any) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    open_course_page(page, voila.page(MODULES[2].notebook))
    page.get_by_label("Feed or blog address").fill(f"{feed_server.base}/feed.xml")
    page.get_by_role("button", name="Subscribe", exact=True).click()
    page.get_by_text("Subscribed to Loopback Teachers' Blog.").wait_for()
    page.get_by_role("button", name="Refresh").click()
    page.get_by_role("link", name="Retrieval practice in Year 9").wait_for()
    entry = page.locator(".plnkit-entry", has_text="Scripts in titles")
    assert '<script>alert("title")</script> Scripts in titles' in entry.inner_text()
    assert page.locator(".plnkit-entries script").count() == 0 and dialogs == []
    link = page.get_by_role("link", name="Retrieval practice in Year 9")
    assert link.get_attribute("href") == f"{feed_server.base}/posts/retrieval"
    assert link.get_attribute("rel") == "noopener noreferrer"
    with page.expect_download() as download:
        page.get_by_role("button", name="Export my feeds (OPML)").click()
        page.get_by_role("link", name=re.compile("Download my-pln-feeds.opml")).click()
    assert download.value.suggested_filename == "my-pln-feeds.opml"
    assert f"{feed_server.base}/feed.xml".encode() in Path(download.value.path()).read_bytes()


def test_benefit_rating_and_stage_finder_work_and_are_restored_after_a_reload(voila: Server, page: Any) -> None:
    from plnkit.content import BENEFITS

    url = voila.page(MODULES[0].notebook)
    open_course_page(page, url)
    for i, b in enumerate(BENEFITS):
        group = page.locator(".widget-radio", has_text=b.statement)
        if i == 0:  # from the keyboard: focus the first option, then arrow keys move the choice
            group.get_by_role("radio").first.focus()
            page.keyboard.press("Space")
            page.keyboard.press("ArrowRight")
            expect_checked = group.get_by_role("radio").nth(1)
            page.wait_for_function("el => el.checked", arg=expect_checked.element_handle())
        else:
            group.get_by_role("radio").nth([4, 2, 0, 3, 1, 2][i - 1]).check()
    page.get_by_role("button", name="Show my profile").click()
    summary = page.locator(".plnkit-summary", has_text="Your strongest areas")
    summary.wait_for()
    assert "Your strongest areas are “connected” and “confident”" in summary.inner_text()
    chart = page.get_by_role("img", name="Bar chart of your seven benefit ratings")
    chart.scroll_into_view_if_needed()  # loaded lazily, as the reader comes near it
    page.wait_for_function("img => img.complete && img.naturalWidth > 300", arg=chart.element_handle())
    assert "Connected 5" in page.locator(".plnkit-description").first.inner_text()

    open_course_page(page, voila.page(MODULES[1].notebook))
    page.locator(".widget-radio", has_text="late at night").get_by_role("radio", name="Agree", exact=True).check()
    page.get_by_label("About how many hours a week").fill("14")
    page.get_by_label("About how many hours a week").press("Enter")
    page.get_by_role("button", name="Estimate my stage").click()
    page.get_by_text("Your answers suggest Stage 3: Know it all.").wait_for()
    page.get_by_role("button", name="Confirm my stage").click()
    page.get_by_text(re.compile("Saved at .*: Know it all.")).wait_for()

    page.reload()
    page.wait_for_selector(".plnkit-footer.plnkit-loaded")
    late = page.locator(".widget-radio", has_text="late at night")
    assert late.get_by_role("radio", name="Agree", exact=True).is_checked()
    assert "You are marked at Know it all" in page.locator(".plnkit-description").first.inner_text()
    open_course_page(page, url)
    page.get_by_role("img", name="Bar chart of your seven benefit ratings").wait_for()
    assert "Your strongest areas are" in page.locator(".plnkit-summary").first.inner_text()
    assert_no_error_output(page)


def test_adding_a_person_through_the_widget_updates_the_map(own_server: Server, page: Any) -> None:
    open_course_page(page, own_server.page(MODULES[0].notebook))
    panel = page.locator(".plnkit-network")
    before = panel.locator(".plnkit-description").first.inner_text()
    panel.get_by_label("Name").fill("Ana López")
    panel.get_by_label("Where (platform)").fill("Bluesky")
    panel.get_by_role("button", name="Add to my network").click()
    panel.get_by_text("Added Ana López.").wait_for()
    page.wait_for_function("old => document.querySelector('.plnkit-network .plnkit-description').textContent !== old",
                           arg=before)
    after = panel.locator(".plnkit-description").first.inner_text()
    assert "1 person" in after and "1 person" not in before
    assert "Ana López" in (panel.locator("table").first.text_content() or "")
    drawn = panel.get_by_role("img", name="Map of your network")
    drawn.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 300", arg=drawn.element_handle())
    open_course_page(page, own_server.page(MODULES[2].notebook))  # module 03 shows the same network, four ways
    assert "Ana López" in (page.locator(".plnkit-network table").first.text_content() or "")
    assert page.get_by_role("img", name="Growth of your network over time").count() == 1


def test_backchannel_posts_reach_another_page_live_as_text_and_deletions_stay_recorded(
        voila: Server, browser: Any) -> None:
    from plnkit.services.store import DB_NAME, Store
    from plnkit.widgets.backchannel import record

    pages = []
    dialogs: list[str] = []
    for _ in range(2):
        context = browser.new_context(viewport={"width": 1200, "height": 900})
        pg = context.new_page()
        pg.set_default_timeout(60_000)
        pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        open_course_page(pg, voila.page(MODULES[0].notebook))
        pages.append(pg)
    a, b = pages
    try:
        channel_a, channel_b = a.locator(".plnkit-backchannel"), b.locator(".plnkit-backchannel")
        assert "Everything is recorded (even when deleted)." in channel_a.locator(".plnkit-norms").inner_text()
        channel_a.get_by_label("Your name").fill("Ana")
        channel_a.get_by_label("Your post").fill("Hello from page A: https://example.org/quiz")
        channel_a.get_by_role("button", name="Post", exact=True).click()
        stream_b = channel_b.locator(".plnkit-stream")
        stream_b.get_by_text("Hello from page A").wait_for(timeout=5_000)  # no reload on page B
        assert stream_b.get_by_role("link", name="https://example.org/quiz").count() == 1

        a.wait_for_timeout(3_200)  # the rate limit asks for 3 seconds between posts
        channel_a.get_by_label("Your post").fill("<img src=x onerror=alert(1)>")
        channel_a.get_by_role("button", name="Post", exact=True).click()
        stream_b.get_by_text("<img src=x onerror=alert(1)>").wait_for(timeout=5_000)
        assert channel_b.locator(".plnkit-stream img").count() == 0 and dialogs == []

        mine = channel_a.get_by_label("Delete one of my posts")
        label = mine.locator("option", has_text="Hello from page A").inner_text()
        mine.select_option(label=label)
        channel_a.get_by_role("button", name="Delete post").click()
        channel_a.get_by_text("stays in the record").wait_for()
        b.wait_for_function("() => !document.querySelector('.plnkit-stream').textContent.includes('Hello from')",
                            timeout=5_000)
        assert "Hello from page A" not in channel_a.locator(".plnkit-stream").inner_text()
        with Store(voila.home / DB_NAME) as store:
            kept = {p.body: p.deleted_at for p in record(store)}
        assert kept["Hello from page A: https://example.org/quiz"] is not None
        assert kept["<img src=x onerror=alert(1)>"] is None
    finally:
        for pg in pages:
            pg.context.close()


def test_a_bookmark_file_imports_through_the_upload_widget_and_exports(own_server: Server, page: Any) -> None:
    from .conftest import DATA

    open_course_page(page, own_server.page(MODULES[2].notebook))
    tool = page.locator(".plnkit-bookmarks")
    with page.expect_file_chooser() as chooser:
        tool.get_by_role("button", name=re.compile("Import a bookmark file")).click()
    chooser.value.set_files(str(DATA / "bookmarks-quirky.html"))
    tool.get_by_text(re.compile("Imported 4 bookmarks; skipped 2")).wait_for()
    assert tool.get_by_role("link", name="Retrieval practice & more").count() == 1
    assert "Cells — Élèves" in tool.inner_text()
    with page.expect_download() as download:
        tool.get_by_role("button", name="Export my bookmarks").click()
        tool.get_by_role("link", name="Download my-pln-bookmarks.html").click()
    assert download.value.suggested_filename == "my-pln-bookmarks.html"
    assert b"Retrieval practice &amp; more" in Path(download.value.path()).read_bytes()


UNLABELLED = """() => {
  const bad = [];
  for (const el of document.querySelectorAll('input, select, textarea, button')) {
    if (el.type === 'hidden' || el.type === 'file' || el.offsetParent === null) continue;
    const named = (el.labels && el.labels.length && [...el.labels].some(l => l.textContent.trim()))
      || (el.getAttribute('aria-label') || '').trim() || (el.title || '').trim()
      || (el.tagName === 'BUTTON' && el.textContent.trim());
    if (!named) bad.push(el.outerHTML.slice(0, 120));
  }
  for (const img of document.querySelectorAll('img')) {
    if (!(img.getAttribute('alt') || '').trim()) bad.push(img.outerHTML.slice(0, 80));
  }
  return bad;
}"""


@pytest.mark.parametrize("course_page", PAGES, ids=lambda p: p.slug)
def test_every_control_and_image_has_a_name(voila: Server, page: Any, course_page: Any) -> None:
    open_course_page(page, voila.page(course_page.notebook))
    assert page.evaluate(UNLABELLED) == []


def test_the_name_check_catches_what_it_should(page: Any) -> None:
    page.set_content('<input id="a"><label>Name <input id="b"></label><button></button><button>Go</button>'
                     '<img src="data:," alt=""><img src="data:," alt="chart">')
    assert len(page.evaluate(UNLABELLED)) == 3  # the bare input, the empty button, the image without alt
