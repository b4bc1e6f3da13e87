"""Showing a matplotlib Figure in a page: a PNG with alt text, a text description, a data table, downloads.

Figures are made with ``matplotlib.figure.Figure`` (never pyplot), so nothing is kept in a global registry:
once rendered here, a figure is garbage like any other object and memory does not grow per re-submit.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ._ui import esc

#: Okabe-Ito: distinguishable with the common colour-vision deficiencies.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
INK = "#1d2b36"
MUTED = "#4a5a66"


# Learner and feed text is drawn in charts (network labels, platforms): matplotlib would read "$...$" in it as
# math and fail on bad math. The course draws no math, so every text in this process is drawn literally.
matplotlib.rcParams["text.parse_math"] = False


def new_figure(width: float = 7.5, height: float = 4.0) -> Figure:
    """A figure in the course's style (no pyplot state)."""
    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)  # a real canvas, so text extents can be measured while laying out labels
    fig.patch.set_facecolor("white")
    return fig


def render(fig: Figure, fmt: str = "png") -> bytes:
    """The figure as PNG or SVG bytes."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt, dpi=110 if fmt == "png" else None)
    return buffer.getvalue()


def table_html(headers: Sequence[str], rows: Sequence[Sequence[object]], caption: str) -> str:
    """A data table (the chart's numbers, for screen readers and for checking)."""
    head = "".join(f'<th scope="col">{esc(h)}</th>' for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>" for row in rows)
    return (f'<table class="plnkit-table"><caption>{esc(caption)}</caption><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table>")


def figure_html(fig: Figure, *, alt: str, description: str, filename: str, table: str = "") -> str:
    """A ``<figure>`` with the chart, its description, an optional data table, and PNG/SVG downloads."""
    png = base64.b64encode(render(fig, "png")).decode("ascii")
    svg = base64.b64encode(render(fig, "svg")).decode("ascii")
    fig.clear()
    details = (f'<details class="plnkit-data"><summary>Show the data as a table</summary>{table}</details>'
               if table else "")
    return (f'<figure class="plnkit-figure"><img src="data:image/png;base64,{png}" alt="{esc(alt)}">'
            f'<figcaption class="plnkit-description">{esc(description)}</figcaption>{details}'
            f'<p class="plnkit-downloads">Download: <a download="{esc(filename)}.png" '
            f'href="data:image/png;base64,{png}">PNG</a> · <a download="{esc(filename)}.svg" '
            f'href="data:image/svg+xml;base64,{svg}">SVG</a></p></figure>')
