"""The course chrome every page shares: header (title, module n of 3, progress, navigation) and footer.

Links are relative (``02_stages.ipynb``), so they work under ``plnkit serve`` (``/voila/render/02_...``)
and inside a Jupyter server as Binder runs it (``/voila/render/course/02_...``).
"""

from __future__ import annotations

import re
import weakref
from functools import cache
from importlib import resources
from typing import Any

import ipywidgets as w

from ..content import COURSE_TITLE, MODULES, PAGES, Module, module
from ..errors import PlnkitError
from ..services import session as _session
from ._ui import Status, esc, guard

_ITALIC = re.compile(r"\*([^*]+)\*")
_headers: weakref.WeakSet[Header] = weakref.WeakSet()


@cache
def stylesheet() -> str:
    """The course stylesheet (one look for every page): ``data/style.css``, then ``data/keyboard.css`` (focus
    rings and keyboard-only rules)."""
    data = resources.files("plnkit").joinpath("data")
    return "\n".join(data.joinpath(name).read_text(encoding="utf-8") for name in ("style.css", "keyboard.css"))


def _progress(sess: _session.Session | None) -> dict[str, str]:
    if sess is None:
        return {}
    try:
        return sess.store.progress(sess.learner)
    except PlnkitError:
        return {}


def nav_html(page: Module, suffix: str = "") -> str:
    """Start / previous / next links for a page (``suffix`` keeps a workshop participant's link)."""
    q = esc(suffix)
    links = []
    if page.number > 0:
        links.append(f'<a href="{START_NOTEBOOK}{q}">Course start</a>')
    if page.number > 1:
        prev = PAGES[page.number - 1]
        links.append(f'<a href="{prev.notebook}{q}" rel="prev">← Previous: {esc(prev.title)}</a>')
    if page.number < len(PAGES) - 1:
        nxt = PAGES[page.number + 1]
        label = "Begin: " if page.number == 0 else "Next: "
        links.append(f'<a href="{nxt.notebook}{q}" rel="next">{label}{esc(nxt.title)} →</a>')
    return f'<nav class="plnkit-nav" aria-label="Course navigation">{" ".join(links)}</nav>'


START_NOTEBOOK = PAGES[0].notebook


def header_html(page: Module, progress: dict[str, str], suffix: str = "") -> str:
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
        f"{nav_html(page, suffix)}"
        "</header>"
    )


class Header:
    """The page header; it refreshes itself when the learner completes a module."""

    def __init__(self, page: Module, sess: _session.Session | None) -> None:
        self.page = page
        self._session = sess
        self.widget = w.HTML()
        self.refresh()
        _headers.add(self)

    def refresh(self) -> None:
        self.widget.value = header_html(self.page, _progress(self._session), _session.link_suffix(self._session))

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)


def _try_session() -> _session.Session | None:
    try:
        return _session.current()
    except PlnkitError:
        return None


def header(page: str | int) -> Header:
    """The header for a course page (0 is the start page); also records that the module was opened."""
    spec = module(page)
    sess = _try_session()
    if sess is not None:
        try:
            if spec.number > 0:
                sess.store.set_progress(sess.learner, spec.slug, "started")
            sess.store.record_visit(sess.learner, spec.slug)  # where they are, for the facilitator's page
        except PlnkitError:
            pass  # the header still shows; the exercises report storage problems themselves
    return Header(spec, sess)


class Footer:
    """End of a module: mark it complete, then links onward."""

    def __init__(self, page: Module) -> None:
        self.page = page
        self.status = Status()
        self.button = w.Button(description="I've finished this module", button_style="success",
                               tooltip="Mark this module complete in your progress")
        self.button.on_click(self._complete)
        parts: list[w.Widget] = []
        if page.number > 0:
            parts.append(w.HBox([self.button, self.status.widget], layout=w.Layout(align_items="center")))
        sess = _try_session()
        parts.append(w.HTML(nav_html(page, _session.link_suffix(sess))))
        self.widget = w.VBox(parts)
        self.widget.add_class("plnkit-footer")
        if sess is not None and page.number > 0 and _progress(sess).get(page.slug) == "done":
            self.status.ok("You've completed this module.")

    def _complete(self, _button: w.Button) -> None:
        @guard(self.status, doing="record your progress")
        def run() -> None:
            sess = _session.current()
            sess.store.set_progress(sess.learner, self.page.slug, "done")
            self.status.ok("Marked complete. Well done!")
            for head in list(_headers):
                head.refresh()

        run()

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)


def footer(page: str | int) -> Footer:
    """The footer for a course page."""
    return Footer(module(page))


def _saved_in(sess: _session.Session | None, page: Module) -> bool:
    """True once the learner has saved an answer on ``page`` (its answer keys start with its slug)."""
    if sess is None:
        return False
    try:
        return bool(sess.store.latest_answers(sess.learner, page.slug + "/"))
    except PlnkitError:
        return False


def module_list() -> w.HTML:
    """The start page's list of modules, with time estimates and the learner's progress."""
    sess = _try_session()
    progress, q = _progress(sess), esc(_session.link_suffix(sess))
    items = []
    for m in MODULES:
        status = progress.get(m.slug, "")
        if status == "started" and not _saved_in(sess, m):
            status = ""  # opened, nothing saved yet: not "in progress" for the learner
        state = {"done": '<span class="plnkit-done">✓ Completed</span>',
                 "started": "<span>In progress</span>"}.get(status, "")
        items.append(
            f'<li><strong><a href="{m.notebook}{q}">Module {m.number}: {esc(m.title)}</a></strong> '
            f"· about {m.minutes} minutes {state}<br>{esc(m.summary)}</li>"
        )
    return w.HTML(f'<ul class="plnkit-modules" aria-label="Course modules">{"".join(items)}</ul>')


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
        return f'<table class="plnkit-table"><caption>The seed\'s mediums, then and now</caption>' \
               f"<thead>{head}</thead><tbody>{rows}</tbody></table>"
    raise KeyError(f"no facts called {kind!r}")


def facts(kind: str) -> w.HTML:
    """Course facts from :mod:`plnkit.content` as a list or table: benefits, stages, tips, norms, mediums."""
    return w.HTML(_facts_html(kind))


def sources(*keys: str) -> w.HTML:
    """A module's "Sources" list, from :data:`plnkit.content.SOURCES`."""
    from ..content import SOURCES

    rows = "".join("<li>" + _ITALIC.sub(r"<em>\1</em>", esc(SOURCES[k])) + "</li>" for k in keys)
    return w.HTML(f'<ul class="plnkit-sources">{rows}</ul>')
