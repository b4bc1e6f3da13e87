"""Charts that are the same for every fresh learner, shipped already drawn, so a fresh page never imports matplotlib.

A fresh learner's pages show the empty network charts (modules 1 to 3) and the stage schematic without a
journey (module 2). Drawing them would load matplotlib, numpy and PIL into every page's kernel (about 40 MiB
and half a second) for pictures that never change. They are drawn by the chart functions themselves and kept
in the course template's ``static/charts/`` (:data:`FOLDER`): ``chart-<name>.png`` (wide),
``chart-<name>-phone.png`` and ``chart-<name>.svg``; after changing a chart's look, run
``python -m plnkit.charts._static`` to draw them again (``tests/test_static_charts.py`` fails while a shipped
image differs from what its function draws).

**Addresses, not copies.** In a page Voila serves, the ``<img>`` points at the file Voila serves from the
template (``{VOILA_BASE_URL}voila/templates/plnkit/static/charts/...``; Voila sets ``VOILA_BASE_URL`` in every
kernel it starts, preheated or not, standalone or inside a Jupyter server): the browser fetches it once and
caches it, instead of each page carrying every picture base64-encoded in its widget state (on module 3, four
charts made 259 KB of the page's 419 KB of widget state). Anywhere else (a notebook in JupyterLab, nbval) the
images stay inline data URIs, so the figure never depends on a server.
"""

from __future__ import annotations

import functools
import io
import os
import sys
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from ..rules.network import Network
from ._figures import PHONE_DPI, PNG_DPI, figure_markup

#: The shipped images, inside the course's Voila template (its static files are served at
#: ``voila/templates/plnkit/static/``; ``pyproject.toml`` also installs them where Binder and JupyterHub look).
FOLDER = ("data", "voila", "templates", "plnkit", "static", "charts")
#: Their address below a Voila server's base URL.
URL_PATH = "voila/templates/plnkit/static/charts/"

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def _network_map(narrow: bool) -> Figure:
    from .network import network_map

    return network_map(Network(), narrow=narrow)


def _growth(narrow: bool) -> Figure:
    from .network import growth_chart

    return growth_chart([], narrow=narrow)


def _balance(narrow: bool) -> Figure:
    from .network import balance_chart

    return balance_chart(Network(), narrow=narrow)


def _then_and_now(narrow: bool) -> Figure:
    from .network import then_and_now

    return then_and_now([], narrow=narrow)


def _stage_schematic(narrow: bool) -> Figure:
    from .learner import stage_schematic

    return stage_schematic((), narrow=narrow)


#: Each shipped chart: its name and the function that draws it (``narrow=True``: the phone's version).
DRAWERS: dict[str, Callable[[bool], Figure]] = {
    "network-map": _network_map, "growth": _growth, "balance": _balance, "then-and-now": _then_and_now,
    "stage-schematic": _stage_schematic,
}


def draw(name: str) -> tuple[bytes, bytes, bytes]:
    """Draw chart ``name`` now: its wide PNG, its SVG and its phone PNG (what the shipped files hold).

    The SVG carries no date and fixed element ids, so drawing twice gives the same bytes.
    """
    import matplotlib

    from ._figures import render

    wide, phone = DRAWERS[name](False), DRAWERS[name](True)
    png = render(wide, "png", PNG_DPI, compress=9)  # drawn once and shipped: as small as zlib makes them
    buffer = io.BytesIO()
    with matplotlib.rc_context({"svg.hashsalt": "plnkit"}):
        wide.savefig(buffer, format="svg", metadata={"Date": None})
    return png, buffer.getvalue(), render(phone, "png", PHONE_DPI, compress=9)


def _file(name: str, suffix: str) -> str:
    return f"chart-{name}{suffix}"


@functools.cache
def shipped(name: str) -> tuple[bytes, bytes, bytes]:
    """The shipped wide PNG, SVG and phone PNG of chart ``name`` (a key of :data:`DRAWERS`)."""
    data = resources.files("plnkit")
    for part in FOLDER:
        data = data.joinpath(part)
    return tuple(data.joinpath(_file(name, s)).read_bytes()  # type: ignore[return-value]
                 for s in (".png", ".svg", "-phone.png"))


def served_base() -> str | None:
    """The address the shipped images are served at, ending in ``/`` (``/voila/templates/.../charts/``, below
    the server's base URL), in a kernel Voila started; ``None`` elsewhere (their bytes are then inlined)."""
    base = os.environ.get("VOILA_BASE_URL", "")
    return base.rstrip("/") + "/" + URL_PATH if base.startswith("/") else None


def drawn_html(name: str, *, alt: str, description: str, filename: str, table: str = "") -> str:
    """The ``<figure>`` :func:`~plnkit.charts._figures.figure_html` would make for chart ``name``, from the
    shipped images (no matplotlib): their addresses on the Voila server (:func:`served_base`), or their bytes."""
    base = served_base()
    if base is not None:
        sources = tuple(base + _file(name, s) for s in (".png", ".svg", "-phone.png"))
        return figure_markup(*sources, alt=alt, description=description, filename=filename, table=table)
    png, svg, phone = shipped(name)
    return figure_markup(png, svg, phone, alt=alt, description=description, filename=filename, table=table)


def empty_network_html(charts: str, growth_table: str = "") -> str:
    """A fresh learner's "your network so far" charts, as :class:`~plnkit.widgets.mynetwork.MyNetwork` draws
    them for a network with no events: the map, or (``charts="all"``) all four; ``growth_table`` is the growth
    chart's table (confirmed stages can have rows before any connection)."""
    from .network import describe_balance, describe_growth, describe_map, describe_then_and_now

    parts = [drawn_html("network-map", alt="Map of your network", description=describe_map(Network()),
                        filename="my-pln-map")]
    if charts == "all":
        parts += [
            drawn_html("growth", alt="Growth of your network over time", filename="my-pln-growth",
                       description=describe_growth([]), table=growth_table),
            drawn_html("balance", alt="Balance of your network by kind and platform", filename="my-pln-balance",
                       description=describe_balance(Network())),
            drawn_html("then-and-now", alt="Your network on your first day and today",
                       filename="my-pln-then-and-now", description=describe_then_and_now([])),
        ]
    return "".join(parts)


def write_all(folder: Path) -> list[Path]:
    """Draw every chart of :data:`DRAWERS` into ``folder`` (the package's :data:`FOLDER`); returns the files
    written."""
    written = []
    for name in DRAWERS:
        for suffix, data in zip((".png", ".svg", "-phone.png"), draw(name), strict=True):
            path = folder / _file(name, suffix)
            path.write_bytes(data)
            written.append(path)
    return written


if __name__ == "__main__":  # python -m plnkit.charts._static
    for path in write_all(Path(__file__).resolve().parent.parent.joinpath(*FOLDER)):
        print(path, file=sys.stderr)
