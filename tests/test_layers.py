"""The package's layers, checked: each folder imports only from the layers below it, and rules do no I/O.

Run ``python3 tasks.py layers`` (or ``python -m tests.test_layers``) to print which plnkit modules each module
imports, layer by layer.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "plnkit"

#: What each layer may import from inside plnkit, besides the modules at the top that every layer may use: the
#: order is rules < charts < formats < services < widgets (README, "How it is built").
ALLOWED = {
    "rules": {"rules"},
    "charts": {"charts", "rules"},
    "formats": {"formats", "rules", "charts"},
    "services": {"services", "formats", "charts", "rules"},
    "widgets": {"widgets", "services", "formats", "charts", "rules"},
}
#: Imports that still go the wrong way, each to be removed (never added to): the learner's record, certificate and
#: portfolio read the store through a Session, and fetching a feed lives beside parsing it.
KNOWN_CROSSINGS = {
    ("plnkit.formats.evidence", "plnkit.services.session"),
    ("plnkit.formats._evidence_record", "plnkit.services.session"),
    ("plnkit.formats.portfolio", "plnkit.services.session"),
}
#: Libraries that read or write the world (files, sockets, databases, the page, the screen): never in a rule.
#: (``logging`` is allowed: a rule may tell the operator's log that a stored value did not fit.)
IO_LIBRARIES = {"sqlite3", "socket", "urllib3", "http", "ipywidgets", "matplotlib", "tornado", "subprocess",
                "feedparser", "nh3", "voila", "jupyter_server", "threading", "pathlib", "shutil", "os"}
#: Top-level modules every layer may import: the error tree, the course's content and the stored records.
SHARED = {"errors", "content", "records"}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> tuple[set[str], set[str]]:
    """(plnkit modules, outside top-level packages) that ``path`` imports anywhere in its code."""
    me = module_name(path)
    package = me.split(".") if path.name == "__init__.py" else me.split(".")[:-1]
    inside: set[str] = set()
    outside: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                (inside if alias.name.startswith("plnkit") else outside).add(alias.name.split(".")[0]
                                                                             if not alias.name.startswith("plnkit")
                                                                             else alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            if target.startswith("plnkit"):
                for alias in node.names:
                    full = f"{target}.{alias.name}"
                    inside.add(full if (PACKAGE.parent / (full.replace(".", "/") + ".py")).exists()
                               or (PACKAGE.parent / full.replace(".", "/")).is_dir() else target)
            else:
                outside.add(target.split(".")[0])
    return inside, outside


def layer_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and parts[1] in ALLOWED) else ""


MODULES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", [p for p in MODULES if layer_of(module_name(p))],
                         ids=lambda p: module_name(p))
def test_each_layer_imports_only_the_layers_below_it(path: Path) -> None:
    me = layer_of(module_name(path))
    inside, _ = imports_of(path)
    wrong = sorted(m for m in inside if layer_of(m) and layer_of(m) not in ALLOWED[me]
                   and (module_name(path), m) not in KNOWN_CROSSINGS)
    wrong += sorted(m for m in inside if not layer_of(m) and m.split(".")[-1] not in SHARED and m != "plnkit")
    assert not wrong, f"{module_name(path)} ({me}) imports {wrong}"


@pytest.mark.parametrize("path", [p for p in MODULES if layer_of(module_name(p)) == "rules"],
                         ids=lambda p: module_name(p))
def test_rules_do_no_io(path: Path) -> None:
    _, outside = imports_of(path)
    assert not outside & IO_LIBRARIES, f"{module_name(path)} imports {sorted(outside & IO_LIBRARIES)}"


def test_every_known_crossing_still_exists() -> None:
    """A crossing removed from the code is removed from the list too, so the list only shrinks."""
    found = {(module_name(p), m) for p in MODULES for m in imports_of(p)[0]}
    assert KNOWN_CROSSINGS - found == set()


def test_nothing_below_the_widgets_imports_a_widget() -> None:
    offenders = [module_name(p) for p in MODULES if layer_of(module_name(p)) not in ("widgets", "")
                 and any(layer_of(m) == "widgets" for m in imports_of(p)[0])]
    assert offenders == []


#: A module past this many lines is asking to be split (STYLE.md: one module per concern).
MAX_LINES = 400


def test_every_module_is_under_400_lines() -> None:
    long = {module_name(p): n for p in MODULES if (n := len(p.read_text(encoding="utf-8").splitlines())) >= MAX_LINES}
    assert long == {}


def main() -> None:
    """Print each layer's modules and the plnkit modules each imports."""
    current = None
    for path in MODULES:
        name = module_name(path)
        layer = layer_of(name) or "(top level)"
        if layer != current:
            print(f"\n{layer}")
            current = layer
        inside, _ = imports_of(path)
        short = sorted(m.removeprefix("plnkit.") for m in inside if m != name)
        print(f"  {name.removeprefix('plnkit.'):28} -> {', '.join(short) or '-'}")


if __name__ == "__main__":
    main()
