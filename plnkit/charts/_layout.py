"""Laying a chart out by hand: margins in inches from the figure's size and its text's measured size (not
constrained layout, whose tight-bbox pass measures every artist), text placed where it overlaps nothing, and the
legend under the axes. Each chart's ``_place_*`` function uses these; see :mod:`plnkit.charts._figures` for the
sizes and colours.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:  # matplotlib itself is imported when a chart is drawn (a fresh page draws none)
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.legend import Legend
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


_SHIFT = {"left": 0.0, "bottom": 0.0, "center": 0.5, "right": 1.0, "top": 1.0}

#: A spot to try for a text: its offset from the point in points (x, y), and its alignment (ha, va).
Spot = tuple[float, float, str, str]


@dataclass(frozen=True)
class PlacedText:
    """One text a :class:`TextLayer` draws: ``xy`` in the layer's coordinates (data, by default), moved by
    ``offset`` points and aligned by ``ha``/``va`` to it; ``gid`` names it (an SVG group)."""

    text: str
    xy: tuple[float, float]
    offset: tuple[float, float]
    ha: str
    va: str
    gid: str | None = None

    def get_text(self) -> str:
        return self.text

    def get_gid(self) -> str | None:
        return self.gid


class Taken:
    """Boxes already drawn on (display pixels), that a text placed by :class:`TextLayer <_text_layer_class>`
    must not overlap: kept as one array, so each text is tested against all of them at once."""

    def __init__(self, boxes: Sequence[Bbox] = ()) -> None:
        import numpy as np

        self.extents = np.array([b.extents for b in boxes], dtype=float).reshape(-1, 4)

    def add(self, x0: float, y0: float, x1: float, y1: float) -> None:
        import numpy as np

        self.extents = np.vstack([self.extents, [x0, y0, x1, y1]])

    def __len__(self) -> int:
        return len(self.extents)


def placed_texts(ax: Axes, *layers: str) -> list[tuple[PlacedText, Bbox]]:
    """The texts the :class:`TextLayer <_text_layer_class>` artists on ``ax`` placed (those whose gid is one of
    ``layers``, or all), each with its box in display pixels at the figure's resolution."""
    cls = _text_layer_class()
    return [placed for layer in ax.artists if isinstance(layer, cls) and (not layers or layer.get_gid() in layers)
            for placed in layer.boxes()]


def text_layer(ax: Axes, *, size: float, color: str, zorder: float, box: dict[str, float] | None = None,
               transform: Any = None, **font: Any) -> Any:
    """A new :class:`TextLayer <_text_layer_class>` on ``ax``: texts at ``size`` points in ``color``, drawn at
    ``zorder``; ``box``: a white background (``pad`` in font sizes, ``alpha``); ``transform``: what the texts'
    points are in (data coordinates by default); ``font``: more ``FontProperties`` (``style``, ``weight``)."""
    return _text_layer_class()(ax, size=size, color=color, zorder=zorder, box=box, transform=transform, **font)


@functools.cache
def _text_layer_class() -> type[Any]:
    """The class, made on first use (matplotlib loads lazily; see :mod:`._figures`)."""
    from matplotlib.artist import Artist
    from matplotlib.colors import to_rgba
    from matplotlib.font_manager import FontProperties
    from matplotlib.patches import BoxStyle
    from matplotlib.transforms import Bbox, IdentityTransform

    class TextLayer(Artist):
        """Short texts in one style placed where they overlap nothing, drawn by one artist.

        A network map names up to 40 connections and its rings; as one ``Annotation`` each, making, measuring
        and drawing them was half of drawing a map (their patches, transforms and layout per text, per draw).
        Here each text is measured with the canvas' renderer (its measures are kept per string, see
        :mod:`._render`), placed by arithmetic, and drawn as a background box (``box``: ``pad`` in font sizes,
        ``alpha``) and the text, in one pass. A text's box is its width by its line's height (the font's
        ascent and descent, as matplotlib lays a line out); ``ax.texts`` does not list them: :attr:`placed`
        does, and :meth:`boxes` gives where they are drawn.
        """

        def __init__(self, ax: Axes, *, size: float, color: str, zorder: float, box: dict[str, float] | None = None,
                     transform: Any = None, **font: Any) -> None:
            super().__init__()
            self.axes = ax
            self.set_figure(ax.figure)
            self.set_transform(ax.transData if transform is None else transform)
            self.set_zorder(zorder)
            self.set_clip_on(False)  # placed inside the axes already; a box's padding may touch its edge
            self.prop = FontProperties(size=size, **font)
            self.color = to_rgba(color)
            self.box = box
            self.placed: list[PlacedText] = []
            ax.add_artist(self)

        def _size(self, renderer: Any, text: str) -> tuple[float, float, float]:
            """The text's width, its line's height and descent, in the renderer's pixels: from the bitmap it is
            drawn with on the course's canvas (``_render.text_box``), else as the renderer measures it (SVG)."""
            measure = getattr(renderer, "text_box", None)
            if measure is not None:
                width, height, descent = measure(text, self.prop)
            else:
                width, height, descent = renderer.get_text_width_height_descent(text, self.prop, False)
            _w, line, line_descent = renderer.get_text_width_height_descent("lp", self.prop, False)
            descent = max(descent, line_descent)
            return width, max(height - descent, line - line_descent) + descent, descent

        def _corner(self, renderer: Any, item: PlacedText, width: float, height: float) -> tuple[float, float]:
            x, y = self.get_transform().transform(item.xy)
            scale = renderer.points_to_pixels(1.0)
            return (x + item.offset[0] * scale - _SHIFT[item.ha] * width,
                    y + item.offset[1] * scale - _SHIFT[item.va] * height)

        def place(self, text: str, candidates: Sequence[tuple[tuple[float, float], Spot]], taken: Taken,
                  inside: Bbox | None = None, gid: str | None = None) -> PlacedText | None:
            """Add ``text`` at the first candidate point (in the layer's coordinates) and spot (offset in points,
            ha, va) where it overlaps none of ``taken`` (touching counts) and lies ``inside``; add its box to
            ``taken``. Returns what was placed, or ``None`` (left out) when no candidate is free.

            Call it once the figure is laid out (:func:`._figures.freeze_layout`): boxes are in display pixels.
            """
            if not candidates:
                return None
            import numpy as np

            renderer = self.figure.canvas.get_renderer()  # type: ignore[attr-defined]  # an Agg canvas
            width, height, _descent = self._size(renderer, text)
            scale = renderer.points_to_pixels(1.0)
            points = self.get_transform().transform([xy for xy, _spot in candidates])
            x0 = points[:, 0] + np.array([dx * scale - _SHIFT[ha] * width for _xy, (dx, _dy, ha, _va) in candidates])
            y0 = points[:, 1] + np.array([dy * scale - _SHIFT[va] * height for _xy, (_dx, dy, _ha, va) in candidates])
            x1, y1 = x0 + width, y0 + height
            free = np.ones(len(candidates), dtype=bool)
            if inside is not None:
                free &= (inside.x0 <= x0) & (x1 <= inside.x1) & (inside.y0 <= y0) & (y1 <= inside.y1)
            if len(taken):
                boxes = taken.extents
                lo, hi = np.minimum(boxes[:, :2], boxes[:, 2:]), np.maximum(boxes[:, :2], boxes[:, 2:])
                apart = ((hi[:, 0] < x0[:, None]) | (lo[:, 0] > x1[:, None]) | (hi[:, 1] < y0[:, None])
                         | (lo[:, 1] > y1[:, None]))
                free &= apart.all(axis=1)
            if not free.any():
                return None
            i = int(free.argmax())
            xy, (dx, dy, ha, va) = candidates[i]
            item = PlacedText(text, (float(xy[0]), float(xy[1])), (float(dx), float(dy)), ha, va, gid)
            self.placed.append(item)
            taken.add(x0[i], y0[i], x1[i], y1[i])
            self.stale = True
            return item

        def boxes(self, renderer: Any = None) -> list[tuple[PlacedText, Bbox]]:
            """Each placed text with its box in display pixels (the text's, not its background's padding)."""
            renderer = renderer or self.figure.canvas.get_renderer()  # type: ignore[attr-defined]
            out = []
            for item in self.placed:
                width, height, _descent = self._size(renderer, item.text)
                x0, y0 = self._corner(renderer, item, width, height)
                out.append((item, Bbox.from_bounds(x0, y0, width, height)))
            return out

        def get_window_extent(self, renderer: Any = None) -> Bbox:
            boxes = [box for _item, box in self.boxes(renderer)]
            return Bbox.union(boxes) if boxes else Bbox.null()

        def draw(self, renderer: Any) -> None:
            if not self.get_visible() or not self.placed:
                return
            style: Any = BoxStyle("round", pad=self.box["pad"]) if self.box else None  # a Round: a path maker
            size = renderer.points_to_pixels(self.prop.get_size_in_points())
            renderer.open_group("texts", self.get_gid())
            for item in self.placed:
                width, height, descent = self._size(renderer, item.text)
                x0, y0 = self._corner(renderer, item, width, height)
                renderer.open_group("text", item.gid)
                if style is not None:
                    gc = renderer.new_gc()
                    gc.set_linewidth(0)
                    gc.set_foreground((0, 0, 0, 0), isRGBA=True)
                    renderer.draw_path(gc, style(x0, y0, width, height, size), IdentityTransform(),
                                       (1.0, 1.0, 1.0, self.box.get("alpha", 1.0)))  # type: ignore[union-attr]
                    gc.restore()
                gc = renderer.new_gc()
                gc.set_foreground(self.color, isRGBA=True)
                baseline = y0 + descent  # up from the bottom; renderers that flip y take it down from the top
                if renderer.flipy():
                    baseline = renderer.get_canvas_width_height()[1] - baseline
                renderer.draw_text(gc, x0, baseline, item.text, self.prop, 0.0, ismath=False)
                gc.restore()
                renderer.close_group("text")
            renderer.close_group("texts")
            self.stale = False

    return TextLayer


def legend_below(fig: Figure, narrow: bool, handles: Sequence[Any] | None = None, wide_cols: int = 4) -> Legend:
    """The figure's legend in a band below the charts: in as many columns as fit the figure's width."""
    for ncols in ((2, 1) if narrow else (wide_cols, 2, 1)):
        legend = fig.legend(handles=handles, loc="outside lower center", frameon=False, ncols=ncols,
                            handlelength=1.5, columnspacing=1.0, handletextpad=0.5)
        if legend.get_window_extent().width <= fig.bbox.width or ncols == 1:  # its padding is in the extent
            break
        legend.remove()
    return legend
