"""Laying a chart out by hand: margins in inches from the figure's size and its text's measured size (not
constrained layout, whose tight-bbox pass measures every artist), text placed where it overlaps nothing, and the
legend under the axes. Each chart's ``_place_*`` function uses these; see :mod:`plnkit.charts._figures` for the
sizes and colours.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:  # matplotlib itself is imported when a chart is drawn (a fresh page draws none)
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.legend import Legend
    from matplotlib.text import Text
    from matplotlib.transforms import Bbox


# --- fixed layout: margins from the figure's size and its text's measured size, in inches -----------------

#: Space kept between the figure's edge and anything drawn, and between two axes' text (constrained layout's
#: default padding, which the charts were laid out with before).
EDGE = 3 / 72
GAP = 0.12


def text_size(fig: Figure, text: str, size: float, **style: Any) -> tuple[float, float]:
    """The width and height in inches of ``text`` (several lines too) drawn in ``fig`` at ``size`` points."""
    from matplotlib.text import Text

    label = Text(0, 0, text, fontsize=size, **style)
    label.set_figure(fig)
    box = label.get_window_extent(fig.canvas.get_renderer())  # type: ignore[attr-defined]  # an Agg canvas
    return box.width / fig.dpi, box.height / fig.dpi


def widest(fig: Figure, texts: Sequence[str], size: float) -> float:
    """The width in inches of the widest of ``texts`` (each line of each) at ``size`` points."""
    from matplotlib.font_manager import FontProperties

    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]  # an Agg canvas (see new_figure)
    prop = FontProperties(size=size)
    lines = [line for text in texts for line in text.split("\n") if line]
    return max((renderer.get_text_width_height_descent(line, prop, False)[0] for line in lines), default=0.0) / fig.dpi


def extent(fig: Figure, artist: Any) -> Bbox:
    """An artist's (a title's, a legend's) box in inches from the figure's lower left corner."""
    box = artist.get_window_extent(fig.canvas.get_renderer())  # type: ignore[attr-defined]  # an Agg canvas
    return box.transformed(fig.dpi_scale_trans.inverted())


def title_room(ax: Axes) -> float:
    """Inches the axes' title takes above it (with its pad), or 0 without one."""
    import matplotlib

    titles = [t for t in (ax.title, ax._left_title, ax._right_title) if t.get_text()]  # type: ignore[attr-defined]
    if not titles:
        return 0.0
    fig = cast("Figure", ax.figure)
    return max(extent(fig, t).height for t in titles) + matplotlib.rcParams["axes.titlepad"] / 72


def tick_room(axis: Any) -> float:
    """Inches a tick and its label's pad take beside the axes (ticks outside, as the course's style draws)."""
    import matplotlib

    rc = matplotlib.rcParams
    if axis.axis_name == "x":
        return (rc["xtick.major.size"] + rc["xtick.major.pad"]) / 72
    return (rc["ytick.major.size"] + rc["ytick.major.pad"]) / 72


def tick_labels(axis: Any) -> tuple[list[float], list[str]]:
    """The axis' major tick positions within its view, and their labels, as the axes will draw them: call it
    once the axes are placed (how many ticks fit depends on its length)."""
    lo, hi = sorted(axis.get_view_interval())
    locs = [float(loc) for loc in axis.get_majorticklocs() if lo <= loc <= hi]
    return locs, list(axis.get_major_formatter().format_ticks(locs))


def pin_labels(ax: Axes, ylabel_gap: float | None = None) -> None:
    """Put the axes' axis labels where the chart laid them out: the y axis' label ``ylabel_gap`` inches left of
    the axes (its tick labels' room and its pad), an x axis' label (the charts have none) anywhere.

    Left to itself matplotlib measures every tick label of an axis again, each draw (PNG and SVG), to place its
    label. A chart that calls this also sets its title with ``y=1.0``, which keeps matplotlib from measuring
    the y axis' tick labels to see whether they reach above the axes (they never do).
    """
    if ax.get_xlabel():
        raise ValueError("an x axis label is placed by matplotlib")
    ax.xaxis.set_label_coords(0.5, 0.0)
    if ylabel_gap is not None:
        fig = ax.figure
        ax.yaxis.set_label_coords(-ylabel_gap / (ax.get_position().width * fig.bbox.width / fig.dpi), 0.5)
    elif ax.get_ylabel():
        raise ValueError("a y axis label needs its place")
    else:
        ax.yaxis.set_label_coords(0.0, 0.5)


def set_margins(ax: Axes, left: float, bottom: float, right: float, top: float) -> None:
    """Place ``ax`` with these margins in inches from the figure's edges."""
    fig = ax.figure
    width, height = fig.bbox.width / fig.dpi, fig.bbox.height / fig.dpi
    ax.set_position((left / width, bottom / height, (width - left - right) / width, (height - bottom - top) / height))


def place_text(ax: Axes, text: str, xy: tuple[float, float], spots: Sequence[tuple[float, float, str, str]],
               taken: list[Bbox], inside: Bbox | None = None, **style: Any) -> Text | None:
    """Annotate ``text`` at ``xy`` in the first of ``spots`` (offset in points, ha, va) where it overlaps none of
    ``taken`` and lies ``inside``; add its box to ``taken``. Leave it out (``None``) when no spot is free."""
    return place_text_at(ax, text, [(xy, spot) for spot in spots], taken, inside, **style)


_SHIFT = {"left": 0.0, "bottom": 0.0, "center": 0.5, "right": 1.0, "top": 1.0}


def place_text_at(ax: Axes, text: str, candidates: Sequence[tuple[tuple[float, float], tuple[float, float, str, str]]],
                  taken: list[Bbox], inside: Bbox | None = None, **style: Any) -> Text | None:
    """Like :func:`place_text`, trying each candidate point (data coordinates where the points differ) with its
    spot (offset in points, ha, va) in turn.

    The text is measured once, at the first candidate; every other candidate's box is that box moved and aligned
    by arithmetic (making, measuring and removing an annotation per try was most of a map's drawing time). The
    annotation is then moved to the first free candidate.
    """
    if not candidates:
        return None
    import numpy as np
    from matplotlib.transforms import Bbox

    renderer = ax.figure.canvas.get_renderer()  # type: ignore[attr-defined]  # an Agg canvas (see new_figure)
    xy0, (dx0, dy0, ha0, va0) = candidates[0]
    box = style.pop("bbox", None)  # its patch is made only for a label that is placed: the text alone is measured
    # annotation_clip=False: a placed label lies ``inside`` already; matplotlib would otherwise test whether its
    # point is inside the axes' patch each time the label is measured or drawn.
    label = ax.annotate(text, xy0, xytext=(dx0, dy0), textcoords="offset points", ha=ha0, va=va0,
                        annotation_clip=False, **style)
    first = label.get_window_extent(renderer)
    width, height, scale = first.width, first.height, ax.figure.dpi / 72
    anchor_x, anchor_y = first.x0 + _SHIFT[ha0] * width, first.y0 + _SHIFT[va0] * height
    at0 = ax.transData.transform(xy0)
    # Every candidate's box at once (x0, y0, x1, y1), then tested against every taken box at once: the same
    # test as free_of (touching counts as overlapping), without a Python loop over candidates times boxes.
    points = ax.transData.transform([xy for xy, _spot in candidates]) - at0
    x = anchor_x + np.array([dx - dx0 for _xy, (dx, *_rest) in candidates]) * scale + points[:, 0]
    y = anchor_y + np.array([dy - dy0 for _xy, (_dx, dy, *_rest) in candidates]) * scale + points[:, 1]
    x0 = x - np.array([_SHIFT[ha] for _xy, (_dx, _dy, ha, _va) in candidates]) * width
    y0 = y - np.array([_SHIFT[va] for _xy, (_dx, _dy, _ha, va) in candidates]) * height
    x1, y1 = x0 + width, y0 + height
    free = np.ones(len(candidates), dtype=bool)
    if inside is not None:
        free &= (inside.x0 <= x0) & (x1 <= inside.x1) & (inside.y0 <= y0) & (y1 <= inside.y1)
    if taken:
        boxes = np.array([b.extents for b in taken])
        lo, hi = np.minimum(boxes[:, :2], boxes[:, 2:]), np.maximum(boxes[:, :2], boxes[:, 2:])
        apart = ((hi[:, 0] < x0[:, None]) | (lo[:, 0] > x1[:, None]) | (hi[:, 1] < y0[:, None])
                 | (lo[:, 1] > y1[:, None]))
        free &= apart.all(axis=1)
    if not free.any():
        label.remove()
        return None
    i = int(free.argmax())
    xy, (dx, dy, ha, va) = candidates[i]
    label.xy, label.xyann = xy, (dx, dy)
    label.set(horizontalalignment=ha, verticalalignment=va)
    if box is not None:
        label.set_bbox(box)
    taken.append(Bbox([[x0[i], y0[i]], [x1[i], y1[i]]]))
    return label


def legend_below(fig: Figure, narrow: bool, handles: Sequence[Any] | None = None, wide_cols: int = 4) -> Legend:
    """The figure's legend in a band below the charts: in as many columns as fit the figure's width."""
    for ncols in ((2, 1) if narrow else (wide_cols, 2, 1)):
        legend = fig.legend(handles=handles, loc="outside lower center", frameon=False, ncols=ncols,
                            handlelength=1.5, columnspacing=1.0, handletextpad=0.5)
        if legend.get_window_extent().width <= fig.bbox.width or ncols == 1:  # its padding is in the extent
            break
        legend.remove()
    return legend
