"""Course content is defined once, covers the seed page, and the notebooks use it (and stay thin)."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest

from plnkit import content
from plnkit.widgets.page import _facts_html, module_list

from .conftest import ROOT

COURSE = ROOT / "course"
NOTEBOOKS = [COURSE / p.notebook for p in content.PAGES]


def cells(notebook: Path, kind: str) -> list[str]:
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == kind]


def test_the_seeds_facts_are_all_there() -> None:
    assert [b.key for b in content.BENEFITS] == ["aware", "connected", "empowered", "model", "confident",
                                                 "community", "learner"]
    assert [s.name for s in content.STAGES] == ["Immersion", "Evaluation", "Know it all", "Perspective", "Balance"]
    assert content.BACKCHANNEL_NORMS == ("Be professional.", "Be thoughtful.",
                                         "Everything is recorded (even when deleted).")
    assert {t.key for t in content.TIPS} >= {"same-username", "one-email", "give-and-take", "start-slowly"}
    then = " ".join(m.then for m in content.MEDIUMS)
    for named in ("Delicious", "Diigo", "Ning", "Common Craft", "TodaysMeet"):
        assert named in then


def test_the_course_has_a_start_page_and_three_modules_on_disk() -> None:
    on_disk = sorted(p.name for p in COURSE.glob("*.ipynb"))
    assert on_disk == sorted([*(p.notebook for p in content.PAGES), content.FACILITATOR_NOTEBOOK])
    assert [m.notebook for m in content.MODULES] == ["01_why_pln.ipynb", "02_stages.ipynb", "03_tools.ipynb"]


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_every_prompt_and_fact_a_notebook_uses_is_defined(notebook: Path) -> None:
    code = "\n".join(cells(notebook, "code"))
    for key in re.findall(r'reflection\("([^"]+)"\)', code):
        assert key in content.PROMPTS
    for kind in re.findall(r'facts\("([^"]+)"\)', code):
        assert _facts_html(kind)
    for keys in re.findall(r"sources\(([^)]*)\)", code):
        for key in re.findall(r'"([^"]+)"', keys):
            assert key in content.SOURCES


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_notebooks_are_thin_cleared_and_open_with_the_shared_header(notebook: Path) -> None:
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    code_cells = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(not c["outputs"] and c["execution_count"] is None for c in code_cells)
    first = "".join(code_cells[0]["source"])
    assert re.search(r"^header\(\d\)$", first, re.M), "every page starts with the shared header"
    assert re.search(r"^footer\(\d\)$", "".join(code_cells[-1]["source"]), re.M)
    for c in code_cells:
        src = "".join(c["source"])
        assert not re.search(r"^\s*(def|class|for|while|with)\b", src, re.M), f"logic belongs in plnkit: {src}"


@pytest.mark.parametrize("page", content.PAGES, ids=lambda p: p.slug)
def test_about_n_minutes_covers_at_least_the_reading_time(page: content.Module) -> None:
    notebook = COURSE / page.notebook
    words = sum(len(text.split()) for text in cells(notebook, "markdown"))
    code = "\n".join(cells(notebook, "code"))
    for kind in re.findall(r'facts\("([^"]+)"\)', code):
        words += len(re.sub(r"<[^>]+>", " ", _facts_html(kind)).split())
    reading = math.ceil(words / content.READING_WORDS_PER_MINUTE)
    exercises = len(re.findall(r"reflection\(", code)) * 2
    assert reading + exercises <= page.minutes <= 3 * (reading + exercises) + 30


def test_the_start_page_lists_each_module_with_its_link_and_time(store: object) -> None:
    html = module_list().value
    for m in content.MODULES:
        assert f'href="{m.notebook}"' in html and f"about {m.minutes} minutes" in html


@pytest.mark.parametrize("page", content.PAGES, ids=lambda p: p.slug)
def test_every_page_has_a_tab_title_in_the_course_s_words(page: content.Module) -> None:
    nb = json.loads((COURSE / page.notebook).read_text(encoding="utf-8"))
    assert nb["metadata"]["title"] == content.page_title(page)


def test_a_module_is_in_progress_only_once_something_is_saved(store: object) -> None:
    from plnkit.services import session
    from plnkit.widgets.page import header

    header(1)  # opening module 1
    assert "In progress" not in module_list().value
    sess = session.current()
    sess.store.save_answer(sess.learner, "why-pln/what", "A first thought")
    html = module_list().value
    assert html.count("In progress") == 1 and html.index("In progress") < html.index(content.MODULES[1].notebook)
    assert f"about {content.MODULES[0].minutes} minutes · <span>In progress</span>" in html  # not run together
