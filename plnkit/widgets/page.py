"""The course chrome every page shares: header (title, module n of 3, progress, navigation) and footer.

Links are relative (``02_stages.ipynb``), so they work under ``plnkit serve`` (``/voila/render/02_...``)
and inside a Jupyter server as Binder runs it (``/voila/render/course/02_...``).
"""

from __future__ import annotations

import re
import threading
import weakref
from collections.abc import Mapping
from functools import cache
from importlib import resources

import ipywidgets as w

from ..content import COURSE_TITLE, MODULES, PAGES, Module, module
from ..records import Progress
from ..rules.progress import module_state
from ..services import _announce, _signin
from ..services import session as _session
from ..services._kernel import every_on_main, exit_quickly_when_served, keep_no_history, resent_after_loading
from ._ui import Component, defer_loading, esc, guard, layout, load_all, make, signed_in_again

_ITALIC = re.compile(r"\*([^*]+)\*")
_headers: weakref.WeakSet[Header] = weakref.WeakSet()
_module_lists: weakref.WeakSet[_ModuleList] = weakref.WeakSet()


def refresh_progress() -> None:
    """Show the learner's progress again wherever this page shows it (its header, the start page's module list):
    after a module is marked complete, or work is restored from a portfolio file."""
    for head in list(_headers):
        head.refresh()
    for modules in list(_module_lists):
        modules.refresh()


@cache
def stylesheet() -> str:
    """The course stylesheet (one look for every page): ``data/style.css``, then ``data/keyboard.css`` (focus
    rings and keyboard-only rules)."""
    data = resources.files("plnkit").joinpath("data")
    return "\n".join(data.joinpath(name).read_text(encoding="utf-8") for name in ("style.css", "keyboard.css"))


def _progress(sess: _session.Session | None) -> Progress:
    if sess is None:
        return Progress()
    return guard(None, doing="read your progress")(sess.store.progress)(sess.learner) or Progress()


def nav_html(page: Module, suffix: str = "", progress: Mapping[str, str] | None = None) -> str:
    """Start / previous / next links for a page (``suffix`` keeps a workshop participant's link). On the start
    page, given the learner's ``progress``, the way on is the first module not yet complete ("Begin", or
    "Continue" once one is started or done; "Review" module 1 when all are)."""
    q = esc(suffix)
    links = []
    if page.number > 0:
        links.append(f'<a href="{START_NOTEBOOK}{q}">Course start</a>')
    if page.number > 1:
        prev = PAGES[page.number - 1]
        links.append(f'<a href="{prev.notebook}{q}" rel="prev">← Previous: {esc(prev.title)}</a>')
    if page.number == 0:
        progress = progress or {}
        todo = [m for m in MODULES if progress.get(m.slug) != "done"]
        nxt = todo[0] if todo else MODULES[0]
        label = "Review: " if not todo else "Continue: " if any(progress.get(m.slug) for m in MODULES) else "Begin: "
        links.append(f'<a href="{nxt.notebook}{q}" rel="next">{label}{esc(nxt.title)} →</a>')
    elif page.number < len(PAGES) - 1:
        nxt = PAGES[page.number + 1]
        links.append(f'<a href="{nxt.notebook}{q}" rel="next">Next: {esc(nxt.title)} →</a>')
    return f'<nav class="plnkit-nav" aria-label="Course navigation">{" ".join(links)}</nav>'


START_NOTEBOOK = PAGES[0].notebook


def header_html(page: Module, progress: Mapping[str, str], suffix: str = "") -> str:
    """The header markup for ``page`` given the learner's progress."""
    done = sum(1 for m in MODULES if progress.get(m.slug) == "done")
    where = "Start page" if page.number == 0 else f"Module {page.number} of {len(MODULES)}"
    return (
        f"<style>{stylesheet()}</style>"
        '<header class="plnkit-header" role="banner">'
        f'<p class="plnkit-course">{esc(COURSE_TITLE)}</p>'
        f'<h1 class="plnkit-title">{esc(page.title)}</h1>'
        '<div class="plnkit-meta">'
        f'<span class="plnkit-where">{where}</span>'
        f'<span>About {page.minutes} minutes</span>'
        f'<span class="plnkit-progress"><label>Progress: {done} of {len(MODULES)} modules complete '
        f'<progress value="{done}" max="{len(MODULES)}" aria-label="{done} of {len(MODULES)} modules '
        'complete"></progress></label></span>'
        "</div>"
        f"{nav_html(page, suffix, progress)}"
        "</header>"
    )


class _PagePart(Component):
    """A part of every page (header, footer, module list): it shows without a learner, and with one it adds
    their progress and keeps their workshop link in every address."""

    def __init__(self, session: _session.Session | None = None) -> None:
        super().__init__(session)
        self.learner_session: _session.Session | None = None

    def _try_sess(self) -> _session.Session | None:
        """The learner's session, or ``None``: the part shows without one (the exercises say what is wrong)."""
        return guard(None, doing="find your work")(self._sess)()


class Header(_PagePart):
    """The page header; it records that the page was opened, and refreshes itself when the learner completes
    a module, here or in another tab or on another device."""

    def __init__(self, page: Module, sess: _session.Session | None = None) -> None:
        super().__init__(sess)
        self.page = page
        self.widget = make(w.HTML, header_html(page, {}))
        self.widget._plnkit_part = self  # kept as long as its widget is: refresh_progress holds it weakly
        self._watching = threading.Thread(target=lambda: None)  # started once loaded
        self._stop_watching = threading.Event()
        self._shown: Progress | None = None  # the progress the header shows
        self._signed_out = False  # the header says the page's sign-in has stopped

    def load(self) -> None:
        sess = self.learner_session = self._try_sess()
        if sess is not None:  # the header shows even if this fails: the exercises report storage problems
            guard(None, doing="record your visit")(self._visited)(sess)
        self.refresh()
        _headers.add(self)
        if sess is not None and not self._watching.is_alive():
            # Every sign_in_check_seconds (20 s) an open page looks again: at its workshop link, so a page only
            # being read learns too that it stopped saving, and that it saves again once a closed workshop
            # reopens (see check_sign_in), and at the learner's progress, so a start page left open in one tab
            # shows a module finished in another.
            self._watching = every_on_main(_signin.sign_in_check_seconds(), self._look_again,
                                           self._stop_watching, "plnkit-page-watch")

    def _look_again(self) -> bool:
        sess = self.learner_session
        if sess is not None and sess.token and not self.check_sign_in():
            return True  # and look again: a closed workshop may reopen
        if sess is not None:
            now = guard(None, doing="read your progress")(sess.store.progress)(sess.learner)
            if now is not None and now != self._shown:  # None: out of reach just now, the next look tells
                refresh_progress()  # this header, and the start page's list of modules
        return True

    def check_sign_in(self) -> bool:
        """True while this page's workshop link works. Otherwise the header carries the reason, marked
        ``plnkit-signed-out`` (hidden), and ``course.js`` says it across the top of the page, as it does when a
        save is refused for it; once the link works again (a reopened workshop), the mark goes, with the banner,
        and every status line that said a save was refused says how to save now (:func:`signed_in_again`)."""
        problem = _signin.sign_in_stopped()
        if problem:
            self._signed_out = True
            self.widget.value = (header_html(self.page, _progress(self.learner_session),
                                             _session.link_suffix(self.learner_session))
                                 + f'<p class="plnkit-signed-out" hidden>{esc(problem)}</p>')
        elif self._signed_out:  # it works again (a reopened workshop): the page says so, and course.js's banner goes
            self._signed_out = False
            self.refresh()
            signed_in_again()
        return not problem

    def close(self) -> None:
        """Stop checking the link (the page is going)."""
        self._stop_watching.set()

    def _visited(self, sess: _session.Session) -> None:
        if self.page.number > 0:
            sess.store.set_progress(sess.learner, self.page.slug, "started")
        sess.store.record_visit(sess.learner, self.page.slug)  # where they are, for the facilitator's page

    def refresh(self) -> None:
        sess = self.learner_session
        self._shown = _progress(sess)
        self.widget.value = header_html(self.page, self._shown, _session.link_suffix(sess))


def header(page: str | int) -> Header:
    """The header for a course page (0 is the start page); also records that the module was opened.

    The first call on every page. In a preheated kernel (the page runs before anyone has asked for it, see
    :func:`plnkit.services.session.preheated`) it makes every component of the page wait (``defer_loading``)
    and fills them all in on a background thread once the visitor's request has arrived and been admitted
    (``after_request(load_all)``), so the page itself is ready before the request and no learner's data is read
    before it. What filling it in changed is sent to the browser again a moment later
    (:func:`plnkit.services._kernel.resent_after_loading`), so the browser's copy of every widget shows it.
    """
    exit_quickly_when_served()
    keep_no_history()
    _announce.announce_widgets_on_request()
    if _session.preheated():
        defer_loading()
        def load() -> None:
            with resent_after_loading():  # the browser may have been making its copies of them meanwhile
                load_all()

        _session.after_request(load)
    return Header(module(page))


class Footer(_PagePart):
    """End of a module: mark it complete, then links onward."""

    def __init__(self, page: Module, sess: _session.Session | None = None) -> None:
        super().__init__(sess)
        self.page = page
        self.button = make(w.Button, description="I've finished this module", button_style="success",
                           tooltip="Mark this module complete in your progress")
        self.button.on_click(self._complete)
        self.nav = make(w.HTML, nav_html(page))
        parts: list[w.Widget] = []
        if page.number > 0:
            parts.append(make(w.HBox, [self.button, self.status.widget], layout=layout(align_items="center")))
        self.widget = make(w.VBox, [*parts, self.nav], classes=("plnkit-footer",))

    def load(self) -> None:
        try:
            sess = self.learner_session = self._try_sess()
            self.nav.value = nav_html(self.page, _session.link_suffix(sess), _progress(sess))
            if sess is not None and self.page.number > 0 and _progress(sess).get(self.page.slug) == "done":
                self.status.ok("You've completed this module.")
        finally:
            # The footer is made last, so it loads last: from here on every part of the page shows the learner's
            # own work (in a preheated kernel that happens after the request, see :func:`header`).
            self.widget.add_class("plnkit-loaded")

    def _complete(self, _button: w.Button) -> None:
        @guard(self.status, doing="record your progress")
        def run() -> None:
            sess = self._sess()
            sess.store.set_progress(sess.learner, self.page.slug, "done")
            refresh_progress()  # the header first: it says so by the time the message does
            self.status.ok("Marked complete. Well done!")

        run()


def footer(page: str | int) -> Footer:
    """The footer for a course page."""
    return Footer(module(page))


def _saved_in(sess: _session.Session | None, page: Module) -> bool:
    """True once the learner has saved an answer on ``page`` (its answer keys start with its slug)."""
    if sess is None:
        return False
    return bool(guard(None, doing="read your answers")(sess.store.latest_answers)(sess.learner, page.slug + "/"))


class _ModuleList(_PagePart):
    def __init__(self) -> None:
        super().__init__()
        self.widget = make(w.HTML, _modules_html(None))
        self.widget._plnkit_part = self  # kept as long as its widget is: refresh_progress holds it weakly

    def load(self) -> None:
        self.learner_session = self._try_sess()
        self.refresh()
        _module_lists.add(self)

    def refresh(self) -> None:
        self.widget.value = _modules_html(self.learner_session)


def module_list() -> w.HTML:
    """The start page's list of modules, with time estimates and the learner's progress."""
    return _ModuleList().widget


def _modules_html(sess: _session.Session | None) -> str:
    progress, q = _progress(sess), esc(_session.link_suffix(sess))
    items = []
    for m in MODULES:
        status = progress.get(m.slug)
        status = module_state(status, status == "started" and _saved_in(sess, m))
        state = {"done": '<span class="plnkit-done">✓ Completed</span>',
                 "started": "<span>In progress</span>"}.get(status, "")
        items.append(
            f'<li><strong><a href="{m.notebook}{q}">Module {m.number}: {esc(m.title)}</a></strong> '
            f"· about {m.minutes} minutes{' · ' + state if state else ''}<br>{esc(m.summary)}</li>"
        )
    return f'<ul class="plnkit-modules" aria-label="Course modules">{"".join(items)}</ul>'


def _facts_html(kind: str) -> str:
    from .. import content as c

    if kind == "benefits":
        rows = "".join(f"<li><strong>{esc(b.name)}</strong>: {esc(b.meaning)}</li>" for b in c.BENEFITS)
        return f'<ol class="plnkit-facts">{rows}</ol>'
    if kind == "stages":
        rows = "".join(
            f"<li><strong>Stage {s.number}: {esc(s.name)}.</strong> {esc(s.summary)}"
            f"<br><em>Signs:</em> {esc(' '.join(s.signs))}</li>"
            for s in c.STAGES
        )
        return f'<ol class="plnkit-facts">{rows}</ol>'
    if kind == "tips":
        rows = "".join(f"<li>{esc(t.text)}</li>" for t in c.TIPS)
        return f'<ol class="plnkit-facts">{rows}</ol>'
    if kind == "norms":
        rows = "".join(f"<li><strong>{esc(n)}</strong></li>" for n in c.BACKCHANNEL_NORMS)
        return f'<ul class="plnkit-facts">{rows}</ul><p>{esc(c.BACKCHANNEL_PURPOSE)}</p>'
    if kind == "mediums":
        head = "<tr><th scope='col'>Medium</th><th scope='col'>In plain English</th>" \
               "<th scope='col'>In 2010</th><th scope='col'>What happened</th><th scope='col'>Today</th></tr>"
        rows = "".join(
            f"<tr><th scope='row'>{esc(m.name)}</th><td>{esc(m.in_plain_english)}</td><td>{esc(m.then)}</td>"
            f"<td>{esc(m.what_happened)}</td><td>{esc(', '.join(m.today))}</td></tr>"
            for m in c.MEDIUMS
        )
        # On a phone the table scrolls sideways in its own box: the hint says so (it shows only there), and the
        # page's script lets the box take keyboard focus then, so arrow keys scroll it.
        return '<p class="plnkit-scroll-hint" aria-hidden="true">Five columns: scroll the table sideways to see ' \
               "them all.</p>" \
               f'<table class="plnkit-table"><caption>Kinds of tools on the 2010 wiki page, then and now</caption>' \
               f"<thead>{head}</thead><tbody>{rows}</tbody></table>"
    raise KeyError(f"no facts called {kind!r}")


def facts(kind: str) -> w.HTML:
    """Course facts from :mod:`plnkit.content` as a list or table: benefits, stages, tips, norms, mediums."""
    return make(w.HTML, _facts_html(kind))


def sources(*keys: str) -> w.HTML:
    """A module's "Sources" list, from :data:`plnkit.content.SOURCES`."""
    from ..content import SOURCES

    rows = "".join("<li>" + _ITALIC.sub(r"<em>\1</em>", esc(SOURCES[k])) + "</li>" for k in keys)
    return make(w.HTML, f'<ul class="plnkit-sources">{rows}</ul>')
