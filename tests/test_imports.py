"""A page's kernel stays light: importing plnkit, or what a course page imports, loads no heavy library.

Each check runs in a fresh interpreter (this test process has long since imported everything).
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

import plnkit
from plnkit.services.store import DB_NAME, Store

ROOT = Path(__file__).resolve().parent.parent
COURSE = ROOT / "course"
#: Libraries a page loads only when it uses them: heavy ones, and the parsers of files and pages a learner may
#: import or fetch (HTML for a bookmark file or a web page, XML for an OPML list), which each add to every page's
#: start inside a Jupyter server.
HEAVY = ("matplotlib", "numpy", "PIL", "feedparser", "nh3", "sqlalchemy", "alembic", "psycopg", "html.parser",
         "defusedxml", "xml.etree.ElementTree")


def loaded_after(code: str, home: Path, *, database: bool = True) -> list[str]:
    """The heavy libraries in ``sys.modules`` after running ``code`` in a fresh interpreter, with ``home`` as its
    data folder; ``database``: that folder holds the course database already (``plnkit serve`` makes it before
    any page opens)."""
    if database and not (home / DB_NAME).exists():
        Store(home / DB_NAME).close()
    probe = f"{code}\nimport json, sys\nprint(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    out = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True, cwd=ROOT,
                         env={**os.environ, "PYTHONPATH": str(ROOT), "PLNKIT_HOME": str(home)}).stdout
    return list(json.loads(out.splitlines()[-1]))


def import_cell(notebook: Path) -> str:
    """The notebook's first code cell: its imports."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return "".join(next(c for c in cells if c["cell_type"] == "code")["source"])


def test_import_plnkit_loads_no_heavy_library(tmp_path: Path) -> None:
    assert loaded_after("import plnkit", tmp_path) == []


@pytest.mark.parametrize("notebook", sorted(COURSE.glob("*.ipynb")), ids=lambda p: p.stem)
def test_a_notebooks_import_cell_loads_no_heavy_library(notebook: Path, tmp_path: Path) -> None:
    cell = import_cell(notebook)
    assert cell.startswith("from plnkit import")
    assert loaded_after(cell, tmp_path) == []


def test_every_public_name_is_there_and_importing_all_of_them_stays_light(tmp_path: Path) -> None:
    names = ", ".join(n for n in plnkit.__all__ if n != "__version__")
    assert loaded_after(f"from plnkit import {names}", tmp_path) == []
    assert set(plnkit.__all__) <= set(dir(plnkit))


def code_cells(notebook: Path) -> str:
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")


@pytest.mark.parametrize("notebook", sorted(COURSE.glob("0*.ipynb")), ids=lambda p: p.stem)
def test_a_fresh_learners_whole_page_loads_no_heavy_library(notebook: Path, tmp_path: Path) -> None:
    """Every cell of the page, as its kernel runs them for a fresh learner on a server whose database exists
    (``plnkit serve`` creates it before the first page): the empty network charts and the stage schematic are
    shipped drawn (plnkit.charts._static), so nothing imports matplotlib, and no page imports SQLAlchemy."""
    assert loaded_after(code_cells(notebook), tmp_path) == []


def test_only_upgrading_an_older_database_loads_sqlalchemy(tmp_path: Path) -> None:
    opened = "from plnkit.services.store import Store\nStore.open_default().close()"
    assert loaded_after(opened, tmp_path, database=False) == []  # a new file is a copy of the shipped empty one
    old = tmp_path / "old"
    old.mkdir()
    with sqlite3.connect(old / DB_NAME) as conn:
        conn.executescript((Path(__file__).parent / "data" / "store_v1.sql").read_text())
    assert loaded_after(opened, old, database=False) == ["sqlalchemy", "alembic"]  # Alembic upgrades it
    assert loaded_after(opened, old) == []  # and from then on, nothing


def test_drawing_a_chart_loads_matplotlib(tmp_path: Path) -> None:
    code = ("import sys\nfrom plnkit.charts.learner import stage_schematic\n"
            "assert 'matplotlib' not in sys.modules\nstage_schematic()")
    assert "matplotlib" in loaded_after(code, tmp_path)


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        plnkit.nothing_here  # noqa: B018
    from plnkit import header

    assert plnkit.header is header


def test_the_facilitator_adding_a_participant_loads_no_server_code(tmp_path: Path) -> None:
    """A trial: the facilitator's first "Make their personal link" took 3.6-7 s with nothing shown, later ones
    0.3 s. That first press imported the server's handlers, and Voila with them (2 s of imports alone), into the
    page's kernel; the join rule now lives with the session."""
    code = ("from plnkit.services import session\nfrom plnkit.services.store import Store\n"
            "import plnkit.widgets.workshop\n"
            f"store = Store({str(tmp_path / DB_NAME)!r})\n"
            "session.join_participant(store, 'Ana', whose='their')\nimport sys\n"
            "print([m for m in ('voila', 'tornado.web', 'jupyter_server') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, cwd=ROOT,
                         env={**os.environ, "PYTHONPATH": str(ROOT), "PLNKIT_HOME": str(tmp_path)}).stdout
    assert out.splitlines()[-1] == "[]"
