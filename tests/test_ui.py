"""The widget base: load once built (or, deferred, only once the visitor's request has arrived), one save path,
network changes in one transaction, and errors as one line."""

from __future__ import annotations

import ast
import hashlib
import importlib
import inspect
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from plnkit.rules import network
from plnkit.services import session
from plnkit.services.store import Store
from plnkit.widgets import _ui
from plnkit.widgets.backchannel import Backchannel
from plnkit.widgets.exercises import FirstSteps
from plnkit.widgets.page import header
from plnkit.widgets.reflection import Reflection
from plnkit.widgets.toolbox import Communities

KEY = "why-pln/what"
COURSE = Path(__file__).resolve().parent.parent / "course"
WIDGETS = Path(_ui.__file__).parent
#: Widget modules (the base and the upload and download helpers are not exercises).
EXERCISE_MODULES = sorted(p for p in WIDGETS.glob("*.py") if not p.name.startswith("_"))
#: What only the guard (in _ui) may catch: everything, or every error of the course.
BROAD = {"Exception", "BaseException", "PlnkitError"}


@pytest.mark.parametrize("path", EXERCISE_MODULES, ids=lambda p: p.stem)
def test_every_widget_is_a_component(path: Path) -> None:
    module = importlib.import_module(f"plnkit.widgets.{path.stem}")
    classes = [c for _n, c in inspect.getmembers(module, inspect.isclass) if c.__module__ == module.__name__]
    assert [c.__name__ for c in classes if not issubclass(c, _ui.Component)] == []


def _broad_handlers(source: str) -> list[int]:
    """Line numbers of ``except`` clauses that catch everything or every course error."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ExceptHandler):
            caught = node.type.elts if isinstance(node.type, ast.Tuple) else [node.type]
            names = {c.id if isinstance(c, ast.Name) else c.attr if isinstance(c, ast.Attribute) else ""
                     for c in caught if c is not None}
            if node.type is None or names & BROAD:
                lines.append(node.lineno)
    return lines


@pytest.mark.parametrize("path", EXERCISE_MODULES, ids=lambda p: p.stem)
def test_no_widget_catches_errors_by_hand_only_the_guard_does(path: Path) -> None:
    assert _broad_handlers(path.read_text(encoding="utf-8")) == [], f"use _ui.guard in {path.name}"


def test_the_catch_check_sees_each_broad_form() -> None:
    source = ("try:\n    pass\nexcept:\n    pass\ntry:\n    pass\nexcept (KeyError, Exception):\n    pass\n"
              "try:\n    pass\nexcept errors.PlnkitError:\n    pass\ntry:\n    pass\nexcept InputError:\n    pass\n")
    assert _broad_handlers(source) == [3, 7, 11]


@pytest.fixture
def deferred(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """A preheated page: nobody has asked for it yet (reading the data folder now would find the wrong file)."""
    monkeypatch.setenv("PLNKIT_HOME", str(tmp_path / "not-yet"))
    _ui.defer_loading()
    yield
    _ui.load_all()


def test_a_deferred_component_shows_the_visitors_answer_only_after_load_all(store: Store, deferred: None) -> None:
    ana = session.Session(store, store.learner("hub:ana", "ana"))
    store.save_answer(ana.learner, KEY, "Ana's answer")
    session.use(None)  # the kernel is running, but no request has arrived
    first, second, chat = Reflection(KEY), header(1), Backchannel(poll_seconds=3600)
    assert first.text.value == "" and not first.loaded and "plnkit-draft" not in first.text._dom_classes
    assert not chat._thread.is_alive()  # no live updates read the room before anyone asked
    assert (first._learner_id, second._learner_id, chat._learner_id) == (None, None, None)  # nobody resolved yet
    session.use(ana)  # the visitor's request has arrived: now it is known whose page this is
    arrived = time.monotonic()
    assert _ui.load_all() == 3
    assert chat._thread.is_alive() and chat._touched >= arrived  # live from the visit, not from the preheat
    chat.close()
    assert chat.author.value == "ana" and "No posts yet" in chat.stream.value  # a hub user posts as themselves
    assert first.text.value == "Ana's answer" and first.status.text.startswith("Last saved")
    scope = hashlib.sha256(f"learner:{ana.learner.id}".encode()).hexdigest()[:12]
    assert f"plnkit-s-{scope}" in first.text._dom_classes  # her browser drafts are kept under her (id's) name
    assert "plnkit-progress" in second.widget.value and store.progress(ana.learner) == {"why-pln": "started"}
    assert Reflection(KEY).text.value == "Ana's answer"  # after load_all, components load as they are made


def test_load_all_loads_in_creation_order_and_guards_each(store: Store, deferred: None) -> None:
    order: list[str] = []

    class Broken(_ui.Component):
        def load(self) -> None:
            order.append("broken")
            raise RuntimeError("disk on fire")

    class Fine(_ui.Component):
        def load(self) -> None:
            order.append("fine")

    broken, fine = Broken(), Fine()
    assert order == []
    _ui.load_all()
    assert order == ["broken", "fine"] and fine.loaded
    assert broken.status.text == "Sorry, the course could not show your saved work. Reload the page to try again."


def test_loading_restores_without_saving_and_a_save_says_saved_last(store: Store) -> None:
    steps = FirstSteps()
    steps.boxes[next(iter(steps.boxes))].value = True
    assert steps.status.text.startswith("Saved at ") and steps.status.text.endswith("1 of 4 commitments.")
    FirstSteps()  # ticking the saved box while loading is not a new answer
    assert len(store.answer_history(store.learner("local"), FirstSteps.KEY)) == 1


def test_an_answer_and_its_network_changes_are_saved_together(store: Store) -> None:
    tool = Communities()
    tool.choices["community:Discord"].value = "use"
    tool.save_button.click()
    me = store.learner("local")
    assert [(e.action, e.node_key) for e in store.network_events(me)] == [("add", "medium:community:discord")]
    tool.save_button.click()  # saved again, unchanged: a new answer version, no network change
    assert len(store.network_events(me)) == 1 and len(store.answer_history(me, Communities.KEY)) == 2


def test_network_changes_are_all_or_nothing(store: Store) -> None:
    me = store.learner("local")
    good = network.adding(network.make_node("person", "Ana"))
    bad = network.Change("add", "x" * 500, {})
    with pytest.raises(Exception, match="not valid"):
        store.record_changes(me, [good, bad])
    assert store.network_events(me) == []


def test_an_answer_whose_network_change_is_refused_is_not_saved_either(store: Store,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import plnkit.services._store_network as network_table

    monkeypatch.setattr(network_table, "MAX_NETWORK_EVENTS", 0)
    tool = Communities()
    tool.choices["community:Discord"].value = "use"
    tool.save_button.click()
    assert tool.status.text == "Not saved: your network history is limited to 0 changes, and this would make 1."
    assert store.answer_history(store.learner("local"), Communities.KEY) == []  # both kept, or neither
    assert tool.choices["community:Discord"].value == "use"  # what they chose is still on the page


#: Widget models each page may create (measured when set: 00 57, 01 100, 02 149, 03 197; before sharing layouts
#: and styles: 131, 264, 430, 485). The browser fetches and renders every model before the page is interactive.
MODEL_BUDGET = {"00_start": 62, "01_why_pln": 104, "02_stages": 146, "03_tools": 204}


def page_models(notebook: str) -> list[Any]:
    """The widget models made by running a course page's cells in this process, as its kernel would."""
    import json
    import warnings

    import ipywidgets

    _ui._shared.clear()  # a page's kernel starts with no shared layouts
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # Widget.widgets: the registry itself
        before = set(ipywidgets.Widget.widgets)
        namespace: dict[str, Any] = {}
        cells = json.loads((COURSE / f"{notebook}.ipynb").read_text(encoding="utf-8"))["cells"]
        for cell in cells:
            if cell["cell_type"] == "code":
                exec("".join(cell["source"]), namespace)  # noqa: S102 - the course's own one-line calls
        return [m for k, m in ipywidgets.Widget.widgets.items() if k not in before]


@pytest.mark.parametrize("notebook", sorted(MODEL_BUDGET))
def test_each_page_makes_few_widget_models_and_shared_layouts_stay_as_made(store: Store, notebook: str) -> None:
    models = page_models(notebook)
    assert len(models) <= MODEL_BUDGET[notebook]
    for key, model in _ui._shared.items():
        if key[0] == "layout":  # a widget that changed a shared layout would change every widget using it
            made = {k: v for k, v in key[1:] if k in model.keys}  # (Layout ignores names it does not know)
            assert {k: v for k, v in model.get_state().items() if v and not k.startswith("_")} == made


def test_text_typed_before_a_preheated_page_has_loaded_stays_and_is_saved(store: Store, deferred: None) -> None:
    ana = session.Session(store, store.learner("hub:ana"), None, 0.0)
    store.save_answer(ana.learner, KEY, "An older answer")
    session.use(ana)
    early = Reflection(KEY, autosave_seconds=0.05, settle_seconds=0.05)
    early.text.value = "Typed the moment the page appeared"  # before load_all has filled the page in
    _ui.load_all()
    assert early.text.value == "Typed the moment the page appeared"  # the saved version is not put over it
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not early.status.text.startswith("Saved at"):
        time.sleep(0.05)
    assert store.latest_answer(ana.learner, KEY).value == "Typed the moment the page appeared"  # type: ignore[union-attr]


@pytest.mark.parametrize(("progress", "link"), [
    ({}, "Begin: Why create a PLN?"),
    ({"why-pln": "started"}, "Continue: Why create a PLN?"),
    ({"why-pln": "done"}, "Continue: Stages of PLN adoption"),
    ({"why-pln": "done", "stages": "done"}, "Continue: Tools for building your PLN"),
    ({"why-pln": "done", "stages": "done", "tools": "done"}, "Review: Why create a PLN?"),
])
def test_the_start_page_leads_on_to_the_first_module_not_yet_complete(progress: dict[str, str], link: str) -> None:
    """A trial: after finishing module 1, the start page still said "Begin: Why create a PLN?"."""
    from plnkit.content import MODULES, PAGES
    from plnkit.widgets.page import nav_html

    shown = nav_html(PAGES[0], "", progress)
    assert link in shown
    module = next(m for m in MODULES if link.split(": ", 1)[1] in m.title)
    assert f'href="{module.notebook}" rel="next"' in shown
