"""The radial network map drawn on an axes: the learner at the centre, rings by closeness, colour and shape by
type; labels placed where they overlap nothing (see :func:`label_map`). Used by the map and by then-and-now."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from textwrap import fill
from typing import TYPE_CHECKING

from ..rules.network import TYPE_LABELS, TYPES, Network, Node
from ..rules.text import plural
from . import _figures, _layout
from ._figures import BODY, INK, MUTED, PALETTE, SMALL, shorten
from ._render import keep_private

if TYPE_CHECKING:  # matplotlib is imported when a chart is drawn (see _figures.new_figure)
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.patches import Circle
    from matplotlib.transforms import Bbox

MAX_DRAWN = 40
LABEL_CHARS = 18
NODE_SIZE = 110
RING_RADIUS = {1: 1.0, 2: 2.0, 3: 3.0}
# Colour and shape by type: never colour alone.
STYLE = {"person": (PALETTE[0], "o"), "community": (PALETTE[1], "s"), "feed": (PALETTE[2], "^"),
         "tool": (PALETTE[3], "D")}
def drawn_nodes(net: Network, limit: int = MAX_DRAWN) -> tuple[list[Node], Counter[str]]:
    """The nodes the map draws (inner rings first, then the most recent) and how many of each type are left out."""
    nodes = sorted(net.nodes.values(), key=lambda n: (n.ring, -(n.added_at.timestamp() if n.added_at else 0)))
    shown = nodes[:limit]
    hidden = Counter(n.type for n in nodes[limit:])
    return shown, hidden


def draw_map(ax: Axes, net: Network, title: str = "Your network") -> list[tuple[Node, float, float, float]]:
    """Draw the radial map on ``ax`` (labels come later, see :func:`label_map`); returns the nodes placed."""
    from matplotlib.collections import LineCollection

    shown, hidden = drawn_nodes(net)
    ax.set_aspect("equal")
    _figures.no_axes(ax)
    for radius in RING_RADIUS.values():  # inside the limits set below: no data limits to update (add_patch's)
        ax.add_artist(_circle(radius))
    _markers(ax, [(0, 0)], 500, INK, "o", zorder=5)
    ax.annotate("you", (0, 0), ha="center", va="center", color="white", fontsize=BODY, weight="bold", zorder=6,
                annotation_clip=False)
    # Spread each ring's nodes evenly, grouped by type so the sectors read as people / spaces / feeds / tools.
    by_ring: dict[int, list[Node]] = {1: [], 2: [], 3: []}
    for node in sorted(shown, key=lambda n: (TYPES.index(n.type), n.label.lower())):
        by_ring[node.ring].append(node)
    placed: list[tuple[Node, float, float, float]] = []
    for ring, nodes in by_ring.items():
        offset = 0.35 * ring
        for i, node in enumerate(nodes):
            angle = offset + 2 * math.pi * i / max(1, len(nodes))
            r = RING_RADIUS[ring]
            placed.append((node, r * math.cos(angle), r * math.sin(angle), angle))
    # One artist per kind of spoke and per kind of node (not one per connection): far less to lay out and draw.
    for dashed in (True, False):
        spokes = [[(0, 0), (x, y)] for node, x, y, _a in placed if (node.direction == "consume") == dashed]
        if spokes:
            ax.add_collection(LineCollection(spokes, colors="#9bb3bb", linewidths=1, zorder=1,
                                             linestyles="--" if dashed else "-"), autolim=False)
    for kind in TYPES:
        points = [(x, y) for node, x, y, _a in placed if node.type == kind]
        if points:
            colour, marker = STYLE[kind]
            _markers(ax, points, NODE_SIZE, colour, marker, edgecolor="white", linewidth=0.8, zorder=4)
    where = {node.key: (x, y) for node, x, y, _a in placed}
    for node, x, y, _a in placed:  # links between connections: a person met in a community, a feed's author
        for other in node.links:
            if other in where:
                ax.plot([x, where[other][0]], [y, where[other][1]], color=MUTED, linewidth=0.8, linestyle=":",
                        zorder=2, gid=f"link:{node.key}>{other}")
    ax.set_xlim(-3.6, 3.6)
    ax.set_ylim(-3.3, 3.3)
    if hidden:
        more = fill(", ".join(f"+{plural(n, 'more ' + k)}" for k, n in sorted(hidden.items())), 40)
        keep_private([more])  # the learner's counts: not in the kernels' shared text file
        ax.annotate(more, (0.5, 0), xycoords="axes fraction", ha="center", va="top", fontsize=SMALL,
                    color=MUTED, style="italic", gid="more")
    if title != "Your network":
        keep_private([title])  # then-and-now's: the learner's first day and counts
    ax.set_title(title, loc="left", fontsize=BODY, color=INK, y=1.0)  # y: no tick labels to clear above it
    return placed


def label_map(ax: Axes, placed: list[tuple[Node, float, float, float]], most: int = LABEL_CHARS) -> None:
    """Name the rings and the nodes without overlap: a label goes to the first free spot around its node, or
    is left out rather than cover another label or a node. Call it once the figure is laid out.

    Every connection is still named, in full and with any emoji, in the chart's data table.
    """
    inside = ax.get_window_extent()
    taken = _layout.Taken([_figures.marker_box(ax, x, y, NODE_SIZE) for _n, x, y, _a in placed]
                          + [_figures.marker_box(ax, 0, 0, 500)]
                          + [t.get_window_extent() for t in ax.texts if t.get_text()])
    rings = _layout.text_layer(ax, size=SMALL, color=MUTED, zorder=3, box={"pad": 0.1})
    rings.set_gid("rings")
    for ring, radius in RING_RADIUS.items():  # each ring's name on its line, or just inside, clear of everything
        around = [((r * math.cos(math.radians(a)), r * math.sin(math.radians(a))), (0.0, 0.0, "center", "center"))
                  for r in (radius, radius - 0.42) for a in range(90, 450, 5)]
        rings.place(("inner", "middle", "outer")[ring - 1], around, taken, inside, gid=f"ring:{ring}")
    labels = _layout.text_layer(ax, size=SMALL, color=INK, zorder=6, box={"pad": 0.1, "alpha": 0.85})
    labels.set_gid("labels")
    for node, x, y, angle in placed:
        spots: list[_layout.Spot] = [(7, 0, "left", "center"), (-7, 0, "right", "center"), (0, 7, "center", "bottom"),
                                     (0, -7, "center", "top")]
        if math.cos(angle) < 0:
            spots[0], spots[1] = spots[1], spots[0]
        if label := shorten(node.label, most):
            keep_private((node.label, label))  # a learner's words: never in the kernels' shared text file
            labels.place(label, [((x, y), spot) for spot in spots], taken, inside, gid=f"label:{node.key}")


def map_labels(ax: Axes) -> list[tuple[_layout.PlacedText, Bbox]]:
    """The ring names and connections' labels :func:`label_map` placed on ``ax``, with their boxes in display
    pixels (as drawn at the figure's resolution)."""
    return _layout.placed_texts(ax, "rings", "labels")


def place_maps(fig: Figure, axes: Sequence[Axes], stacked: bool = False, legend_right: bool = False) -> None:
    """Place the maps' axes side by side (or ``stacked``) in what the figure's legend leaves free (beside it, or
    above it), each with room for its title above and its "+N more" note below; each map then keeps its aspect
    ratio, centred in its box (:func:`plnkit.charts._figures.freeze_layout`)."""
    width, height = fig.get_size_inches()
    left, right, top, bottom = _layout.EDGE, _layout.EDGE, _layout.EDGE, _layout.EDGE
    if fig.legends:
        legend = _layout.extent(fig, fig.legends[0])
        if legend_right:
            right = width - legend.x0 + _layout.GAP
        else:
            bottom = legend.y1 + _layout.GAP
    above = [_layout.title_room(ax) for ax in axes]
    below = [sum(_layout.extent(fig, t).height for t in ax.texts if t.get_gid() == "more") for ax in axes]
    if stacked:
        each = (height - top - bottom - sum(above) - sum(below) - _layout.GAP * (len(axes) - 1)) / len(axes)
        y = height - top
        for ax, title, note in zip(axes, above, below, strict=True):
            y -= title + each
            _layout.set_margins(ax, left, y, right, height - y - each)
            y -= note + _layout.GAP
    else:
        each = (width - left - right - _layout.GAP * (len(axes) - 1)) / len(axes)
        for i, ax in enumerate(axes):
            x = left + i * (each + _layout.GAP)
            _layout.set_margins(ax, x, bottom + max(below), width - x - each, top + max(above))


def _markers(ax: Axes, points: Sequence[tuple[float, float]], size: float, colour: str, marker: str, *,
             zorder: float, edgecolor: str = "face", linewidth: float | None = None) -> None:
    """Markers of area ``size`` (points²) at data ``points``, as ``ax.scatter`` draws them, made directly: the
    map sets its limits itself, so none of scatter's colour parsing and data limits (a fifth of a map's making)."""
    import matplotlib
    from matplotlib.collections import PathCollection
    from matplotlib.markers import MarkerStyle
    from matplotlib.transforms import IdentityTransform

    if linewidth is None:  # scatter's default
        linewidth = matplotlib.rcParams["lines.linewidth"]
    style = MarkerStyle(marker)
    markers = PathCollection([style.get_path().transformed(style.get_transform())], sizes=[size], offsets=points,
                             offset_transform=ax.transData, facecolors=colour, edgecolors=edgecolor,
                             linewidths=linewidth, zorder=zorder)
    markers.set_transform(IdentityTransform())  # the marker's path in points (sizes), at each data offset
    ax.add_collection(markers, autolim=False)


def _circle(radius: float) -> Circle:
    from matplotlib.patches import Circle

    return Circle((0, 0), radius, fill=False, color="#dde7ea", linewidth=1)


def map_legend(fig: Figure, net: Network, narrow: bool = False) -> None:
    from matplotlib.lines import Line2D

    types = [t for t in TYPES if any(n.type == t for n in net.nodes.values())] or list(TYPES)
    handles = [Line2D([], [], linestyle="none", marker=STYLE[t][1], color=STYLE[t][0], markersize=8,
                      label=TYPE_LABELS[t].capitalize()) for t in types]
    handles += [Line2D([], [], color="#9bb3bb", linestyle="--", label="You only consume"),
                Line2D([], [], color="#9bb3bb", linestyle="-", label="Two-way (you contribute)")]
    if narrow:
        _layout.legend_below(fig, narrow, handles, 3)
    else:
        fig.legend(handles=handles, loc="outside right center", frameon=False)


def empty_figure(fig: Figure, message: str) -> Figure:
    ax = fig.add_subplot()
    _figures.no_axes(ax)
    ax.scatter([0], [0], s=500, color=INK)
    ax.annotate("you", (0, 0), ha="center", va="center", color="white", fontsize=BODY, weight="bold")
    ax.annotate(message, (0, -0.6), ha="center", va="top", fontsize=BODY, color=MUTED, wrap=True)
    ax.set_xlim(-3, 3)
    ax.set_ylim(-1.5, 1)
    return fig
