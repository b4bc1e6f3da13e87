"""Showing a matplotlib Figure in a page: a PNG with alt text, a text description, a data table, downloads.

Figures are made with ``matplotlib.figure.Figure`` (never pyplot), so nothing is kept in a global registry:
once rendered here, a figure is garbage like any other object and memory does not grow per re-submit.

**Readable on every screen.** A chart is drawn twice: a wide figure (at most :data:`WIDE_WIDTH` inches, shown
at 110 dpi) and a narrow, taller one (:data:`PHONE_WIDTH` inches) that a ``<picture>`` swaps in on screens up
to :data:`PHONE_MAX_PX` wide. Text is never smaller than :data:`SMALL` points, which on a 390 px phone (a
320 px column) and on a 761 px tablet (a 691 px column) is still at least 11 px on screen.

**Text a chart can draw.** Charts show names learners typed; :func:`drawable` drops what the chart font has no
glyph for (emoji, pictographs), so "#EduSky 🦋" is drawn as "#EduSky" instead of an empty box. The data
table beside every chart keeps the full name.
"""

from __future__ import annotations

import base64
import functools
import io
import os
import textwrap
import unicodedata
from collections.abc import Sequence
from datetime import datetime
from types import ModuleType
from typing import TYPE_CHECKING

from ..rules.text import esc

if TYPE_CHECKING:  # matplotlib itself is imported when a chart is drawn (a fresh page draws none)
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.transforms import Bbox

#: Okabe-Ito: distinguishable with the common colour-vision deficiencies.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
INK = "#1d2b36"
MUTED = "#4a5a66"

#: Font sizes in points: no text in a chart is smaller than SMALL.
SMALL, BODY, TITLE = 9.5, 10.0, 11.0
#: The wide figure: its PNG is at most 880 px wide, so on a laptop it shows at its own size.
WIDE_WIDTH, PNG_DPI = 8.0, 110
#: The narrow figure for phones: 3.6 in at 180 dpi (648 px: sharp on a 2x phone), scaled to the column.
PHONE_WIDTH, PHONE_DPI = 3.6, 180
#: Screens up to this many CSS pixels wide get the narrow figure.
PHONE_MAX_PX = 760


@functools.cache
def _matplotlib() -> ModuleType:
    """matplotlib, imported and set up in the course's style once, when the first chart is drawn."""
    import matplotlib

    # Learner and feed text is drawn in charts (network labels, platforms): matplotlib would read "$...$" in it
    # as math and fail on bad math. The course draws no math, so every text in this process is drawn literally.
    matplotlib.rcParams["text.parse_math"] = False
    matplotlib.rcParams.update({"font.size": BODY, "axes.titlesize": TITLE, "axes.labelsize": BODY,
                                "xtick.labelsize": SMALL, "ytick.labelsize": SMALL, "legend.fontsize": SMALL,
                                "figure.titlesize": TITLE})
    return matplotlib


def new_figure(width: float = WIDE_WIDTH, height: float = 4.0, dpi: float | None = None, *,
               fixed: bool = False) -> Figure:
    """A figure in the course's style (no pyplot state). The first call imports matplotlib.

    It is laid out by constrained layout, or with ``fixed`` by the chart itself (see :mod:`._layout`): the
    chart knows its text and sizes, so the axes are placed once, with no tight-bbox pass over every artist.

    It is made at ``dpi``: by default the resolution its PNG is rendered at (:data:`PHONE_DPI` for the phone's
    width, else :data:`PNG_DPI`), so text measured to lay it out and place labels is measured (and hinted) as it
    is drawn, once, rather than again at another resolution.
    """
    _matplotlib()
    from matplotlib.figure import Figure

    from ._render import canvas_class, load_shared

    load_shared()  # the course's strings as the server's other kernels measured and drew them (once per process)
    if dpi is None:
        dpi = PHONE_DPI if width == PHONE_WIDTH else PNG_DPI
    fig = Figure(figsize=(width, height), dpi=dpi, layout=None if fixed else "constrained")
    canvas_class()(fig)  # Agg, its text measured and rasterised once per process (see _render)
    fig.patch.set_facecolor("white")
    return fig


def freeze_layout(fig: Figure) -> None:
    """Lay the figure out now and keep it: labels placed afterwards are measured where they will be drawn, and
    saving it (PNG, SVG) does not lay it out again.

    Only the layout engine runs (not a whole draw), then each axes applies its aspect ratio (the maps'
    ``"equal"``), which is all that data-to-screen transforms depend on.
    """
    engine = fig.get_layout_engine()
    if engine is not None:
        engine.execute(fig)
    for ax in fig.axes:
        ax.apply_aspect()
    fig.set_layout_engine(None)  # none at all ("none" keeps a placeholder, and saving then draws twice)


def render(fig: Figure, fmt: str = "png", dpi: float = PNG_DPI, *, compress: int = 3) -> bytes:
    """The figure as PNG (at ``dpi`` dots per inch) or SVG bytes; ``fmt`` is ``"png"`` or ``"svg"``.

    A figure still under constrained layout is laid out once here, at the resolution it is drawn at (text is
    hinted per pixel), and keeps that layout: saving it again (the SVG after the PNG) draws it just once.
    ``compress`` is the PNG's zlib level: 3 for a page's live charts, 9 for the shipped ones.
    """
    if fig.get_layout_engine() is not None:  # laid out at the resolution it is drawn at: text hints per pixel
        if fmt == "png":
            fig.set_dpi(dpi)
        freeze_layout(fig)
    buffer = io.BytesIO()
    if fmt == "png":  # zlib level 3 (PIL's default is 6): a drawn network's PNG 3% larger, encoded in less time
        fig.savefig(buffer, format="png", dpi=dpi, pil_kwargs={"compress_level": compress})
    else:
        fig.savefig(buffer, format=fmt)
    from ._render import save_shared

    save_shared()  # what this draw measured or drew for the first time, for the server's other kernels
    return buffer.getvalue()


# --- text a chart can draw ------------------------------------------------------------------------------

# Joiners and presentation selectors only make sense between emoji; they draw nothing of their own.
_JOINERS = {0x200D, 0xFE0E, 0xFE0F, 0x20E3}


@functools.lru_cache(maxsize=1)
def _chart_font() -> object:
    from matplotlib.font_manager import FontProperties, findfont, get_font

    return get_font(findfont(FontProperties(family=_matplotlib().rcParams["font.family"])))


@functools.lru_cache(maxsize=4096)
def has_glyph(char: str) -> bool:
    """Whether the charts' font draws ``char`` (a space or a letter it has), rather than an empty box."""
    if char == " ":
        return True
    if ord(char) in _JOINERS or unicodedata.category(char)[0] in "CZ":  # controls, format, odd spaces
        return False
    return bool(_chart_font().get_char_index(ord(char)))  # type: ignore[attr-defined]


def _invisible(char: str) -> bool:
    return ord(char) in _JOINERS or unicodedata.category(char) == "Cf" or 0x1F3FB <= ord(char) <= 0x1F3FF


def drawable(text: str, empty: str = "") -> str:
    """``text`` without the characters the chart font lacks (emoji, pictographs), spaces tidied.

    ``"#EduSky 🦋"`` becomes ``"#EduSky"``; text with nothing drawable left becomes ``empty``.
    """
    kept = "".join(ch if has_glyph(ch) else "" if _invisible(ch) else " "
                   for ch in unicodedata.normalize("NFC", str(text)))
    return " ".join(kept.split()) or empty


def shorten(text: str, most: int) -> str:
    """Drawable text cut to ``most`` characters with an ellipsis (the data table has the whole of it)."""
    text = drawable(text)
    return text if len(text) <= most else text[: most - 1].rstrip() + "…"


def wrap_label(text: str, width: int, lines: int = 2, empty: str = "(no name)") -> str:
    """Drawable text on at most ``lines`` lines of ``width`` characters, the last ending in "…" if cut."""
    rows = textwrap.wrap(drawable(text, empty), width)
    if len(rows) > lines:
        rows = [*rows[: lines - 1], shorten(" ".join(rows[lines - 1:]), width)]
    return "\n".join(rows)


# --- HTML -----------------------------------------------------------------------------------------------


def table_html(headers: Sequence[str], rows: Sequence[Sequence[object]], caption: str) -> str:
    """A data table (the chart's numbers, for screen readers and for checking)."""
    head = "".join(f'<th scope="col">{esc(h)}</th>' for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>" for row in rows)
    return (f'<table class="plnkit-table"><caption>{esc(caption)}</caption><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table>")


def figure_html(fig: Figure, *, alt: str, description: str, filename: str, table: str = "",
                phone: Figure | None = None) -> str:
    """A ``<figure>`` with the chart, its description, an optional data table, and PNG/SVG downloads.

    With ``phone`` (the same chart drawn narrow), screens up to :data:`PHONE_MAX_PX` wide show that one.
    """
    png, svg = render(fig, "png"), render(fig, "svg")
    fig.clear()
    small = None
    if phone is not None:
        small = render(phone, "png", PHONE_DPI)
        phone.clear()
    return figure_markup(png, svg, small, alt=alt, description=description, filename=filename, table=table)


def figure_markup(png: bytes | str, svg: bytes | str, phone_png: bytes | str | None, *, alt: str, description: str,
                  filename: str, table: str = "") -> str:
    """The ``<figure>`` of :func:`figure_html` from images already rendered (PNG, SVG and the phone's PNG): each
    given as its bytes (inlined as a data URI) or as the address it is served at (a ``str``, used as it is)."""
    wide = _source(png, "image/png")
    # Fetched and decoded as the reader scrolls near it, not while the page is being drawn: a page's charts are
    # below its exercises (module 3's four, far below the fold), and the browser's time goes to the widgets first.
    img = f'<img src="{esc(wide)}" alt="{esc(alt)}" loading="lazy" decoding="async">'
    if phone_png is not None:
        small = _source(phone_png, "image/png")
        img = f'<picture><source media="(max-width: {PHONE_MAX_PX}px)" srcset="{esc(small)}">{img}</picture>'
    details = (f'<details class="plnkit-data"><summary>Show the data as a table</summary>{table}</details>'
               if table else "")
    return (f'<figure class="plnkit-figure">{img}'
            f'<figcaption class="plnkit-description">{esc(description)}</figcaption>{details}'
            f'<p class="plnkit-downloads">Download: <a download="{esc(filename)}.png" '
            f'href="{esc(wide)}" aria-label="PNG: {esc(alt)}">PNG</a> · <a download="{esc(filename)}.svg" '
            f'href="{esc(_source(svg, "image/svg+xml"))}" aria-label="SVG: {esc(alt)}">SVG</a></p></figure>')


def _source(image: bytes | str, mime: str) -> str:
    """An image's address: a served one as it is, bytes as a base64 data URI."""
    return image if isinstance(image, str) else f"data:{mime};base64,{base64.b64encode(image).decode('ascii')}"


# --- layout helpers shared by the charts ----------------------------------------------------------------


_DAY = "%#d" if os.name == "nt" else "%-d"  # the day without a leading zero, as in "9 Nov 2026"


def date_axis(ax: Axes, narrow: bool = False) -> None:
    """Dates on the x axis in the reader's time zone: "29 Nov", or "17:25" within a day, never "29 17:25"."""
    from matplotlib.dates import MINUTELY, AutoDateLocator, ConciseDateFormatter

    tz = datetime.now().astimezone().tzinfo
    locator = AutoDateLocator(tz=tz, minticks=2, maxticks=5 if narrow else 8)
    locator.intervald[MINUTELY] = [1, 2, 5, 10, 15, 20, 30, 45]
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(
        locator, tz=tz, formats=["%Y", "%b", f"{_DAY} %b", "%H:%M", "%H:%M", "%S.%f"],
        zero_formats=["", "%Y", "%b", f"{_DAY} %b", "%H:%M", "%H:%M"], show_offset=True,
        offset_formats=["", "%Y", "%b %Y", f"{_DAY} %b %Y", f"{_DAY} %b %Y", f"{_DAY} %b %Y %H:%M"]))


def no_axes(ax: Axes) -> None:
    """Turn the axes' frame and ticks off, and keep matplotlib from measuring ticks nobody sees.

    ``axis("off")`` alone still lays out both axes' tick labels whenever the title is placed or the figure laid
    out, which was a third of a map's drawing time.
    """
    ax.axis("off")
    ax.xaxis.set_visible(False)
    ax.yaxis.set_visible(False)


def marker_box(ax: Axes, x: float, y: float, size: float) -> Bbox:
    """The screen box of a scatter marker of area ``size`` (points²) at data (x, y)."""
    from matplotlib.transforms import Bbox

    cx, cy = ax.transData.transform((x, y))
    half = (size ** 0.5) / 2 * ax.figure.dpi / 72
    return Bbox([[cx - half, cy - half], [cx + half, cy + half]])


def sized_figure(narrow: bool, height: float, phone_height: float, *, fixed: bool = False) -> Figure:
    """A wide figure ``height`` inches tall, or the phone's narrow one ``phone_height`` inches tall (``fixed``:
    laid out by the chart, see :func:`new_figure`)."""
    return (new_figure(PHONE_WIDTH, phone_height, fixed=fixed) if narrow
            else new_figure(WIDE_WIDTH, height, fixed=fixed))
