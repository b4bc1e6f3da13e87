"""Charts of the learner's network: map, growth, balance, then-and-now.

Each chart takes a :class:`plnkit.rules.network.Network` (or its events) and returns a matplotlib Figure
(``narrow=True``: the phone's version); a ``describe_*`` function gives the text description (the data tables
are built in :mod:`plnkit.widgets.mynetwork`). The map draws at most :data:`MAX_DRAWN` nodes and summarises the
rest, so drawing costs the same for 40 nodes or 5,000; labels that would overlap are left out (the table names
every connection).

Each chart lays itself out (``_place_*``, :func:`plnkit.charts._map.place_maps`): margins in inches from the
figure's size and its measured text (titles, tick labels, legend), not constrained layout, whose tight-bbox pass
measured every artist; an empty chart (shipped pre-drawn) keeps constrained layout.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from ..content import STAGES
from ..records import NetworkEvent
from ..rules.network import (
    DIRECTION_LABELS,
    TYPE_LABELS,
    TYPE_NOUNS,
    TYPES,
    VALUE_LABELS,
    Network,
    connection_events,
    replay,
)
from ..rules.text import day, plural
from . import _figures, _layout
from ._figures import BODY, INK, MUTED, PALETTE, SMALL, shorten
from ._map import LABEL_CHARS, STYLE, draw_map, drawn_nodes, label_map, map_legend, place_maps
from ._map import MAX_DRAWN as MAX_DRAWN  # the map's constants, where they were before the map had a module
from ._map import NODE_SIZE as NODE_SIZE
from ._map import empty_figure as _empty
from ._render import keep_private

if TYPE_CHECKING:  # matplotlib is imported when a chart is drawn (see _figures.new_figure)
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.legend import Legend

EMPTY_MESSAGE = "Your network starts here. Add the first person, space, feed or tool you learn from."


def network_map(net: Network, *, narrow: bool = False) -> Figure:
    """The learner at the centre, rings by closeness, colour and shape by type, dashed consume-only links.

    ``narrow`` draws it for a phone: the legend below the map, shorter labels.
    """
    fig = _figures.sized_figure(narrow, 6.0, 5.8, fixed=bool(net.nodes))
    if not net.nodes:
        return _empty(fig, EMPTY_MESSAGE)
    ax = fig.add_subplot()
    placed = draw_map(ax, net)
    map_legend(fig, net, narrow)
    place_maps(fig, [ax], legend_right=not narrow)
    _figures.freeze_layout(fig)
    label_map(ax, placed, 14 if narrow else LABEL_CHARS)
    return fig


def describe_map(net: Network) -> str:
    """The map in words."""
    if not net.nodes:
        return "Your network map is empty so far: just you at the centre."
    counts = Counter(n.type for n in net.nodes.values())
    parts = [plural(counts[t], TYPE_NOUNS[t]) for t in TYPES if counts[t]]
    inner = [n.label for n in net.nodes.values() if n.ring == 1]
    shown, hidden = drawn_nodes(net)
    total = len(net.nodes)
    text = f"Map of your network: {plural(total, 'connection')} ({', '.join(parts)})."
    if inner:
        text += f" Inner circle: {', '.join(sorted(inner)[:10])}{' and more' if len(inner) > 10 else ''}."
    two_way = sum(1 for n in net.nodes.values() if n.direction != "consume")
    text += f" {two_way} of them are two-way."
    if hidden:
        text += f" The map draws {len(shown)}; the rest are summarised."
    return text


def map_table(net: Network) -> list[list[object]]:
    """Rows for the map's data table."""
    return [[n.label, TYPE_LABELS[n.type], n.platform, n.ring, DIRECTION_LABELS.get(n.direction, n.direction),
             VALUE_LABELS.get(n.value, n.value), day(n.added_at) if n.added_at else ""]
            for n in sorted(net.nodes.values(), key=lambda n: (n.ring, n.label.lower()))]


MAP_HEADERS = ["Name", "Kind", "Platform", "Closeness (1 inner)", "Direction", "Value", "Added"]


# --- growth ---------------------------------------------------------------------------------------------


def growth_series(events: Sequence[NetworkEvent]) -> dict[str, list[tuple[datetime, int]]]:
    """Cumulative active connections per type after each event that changed it.

    The learner's own accounts (presences, from the identity check) are where they are, not connections: their
    events are left out (:func:`plnkit.rules.network.connection_events`).
    """
    active: dict[str, str] = {}
    counts = Counter[str]()
    series: dict[str, list[tuple[datetime, int]]] = {t: [] for t in TYPES}
    for e in connection_events(events):
        kind = None
        if e.action == "add" and e.node_key not in active:
            kind = e.data.get("type")
            if kind not in TYPES:
                continue
            active[e.node_key] = kind
            counts[kind] += 1
        elif e.action == "remove" and e.node_key in active:
            kind = active.pop(e.node_key)
            counts[kind] -= 1
        if kind:
            series[kind].append((e.at, counts[kind]))
    return series


STAGE_NAMES = {s.key: s.name for s in STAGES}
HOUR = 1 / 24  # in matplotlib's date units (days)


def stage_bands(stages: Sequence[tuple[datetime, str]]) -> list[tuple[datetime, str]]:
    """The confirmed stages with repeats merged: confirming Know it all twice in a row is one band."""
    return [(at, key) for i, (at, key) in enumerate(stages) if i == 0 or stages[i - 1][1] != key]


def growth_chart(events: Sequence[NetworkEvent], stages: Sequence[tuple[datetime, str]] = (), *,
                 narrow: bool = False) -> Figure:
    """Cumulative connections by type over time; removals show as drops; confirmed stages as shaded bands."""
    from matplotlib.dates import date2num
    from matplotlib.ticker import MaxNLocator

    series = growth_series(events)
    fig = _figures.sized_figure(narrow, 4.2, 4.6, fixed=any(series.values()))
    if not any(series.values()):
        return _empty(fig, "Your growth chart starts with your first connection.")
    ax = fig.add_subplot()
    end = max(points[-1][0] for points in series.values() if points)
    bands = stage_bands(stages)
    for i, (start, _key) in enumerate(bands):
        stop = bands[i + 1][0] if i + 1 < len(bands) else max(end, start)
        ax.axvspan(float(date2num(start)), float(date2num(stop)), color=PALETTE[4], alpha=0.12 + 0.08 * (i % 2),
                   linewidth=0)
    for kind, points in series.items():
        if not points:
            continue
        colour, marker = STYLE[kind]
        xs = date2num([p[0] for p in points] + [end])  # one conversion for the whole series, not one per point
        ys = [p[1] for p in points] + [points[-1][1]]
        ax.step(xs, ys, where="post", color=colour, linewidth=2, label=TYPE_LABELS[kind].capitalize())
        drops = [i for i in range(1, len(points)) if points[i][1] < points[i - 1][1]]
        if drops:
            ax.scatter(xs[drops], [points[i][1] for i in drops], marker="x", color=colour, s=30, zorder=4)
    top = max(p[1] for points in series.values() for p in points)
    ax.set_ylim(0, top * 1.25 + (2 if bands else 0.5))  # headroom: the stage names sit above the lines
    last = float(date2num(end))
    span = last - float(date2num(min(points[0][0] for points in series.values() if points)))
    if span < HOUR:
        # A network made in one sitting (a workshop): the clock in minutes, not its seconds, and just wider than
        # the sitting, so five minutes of additions are steps, not one stroke at the end of an hour.
        width = max(span * 1.25, 10 * HOUR / 60)
        ax.set_xlim(last - width, last + width / 20)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    _figures.date_axis(ax, narrow)
    ax.set_ylabel("Connections", color=INK)
    ax.spines[["top", "right"]].set_visible(False)
    legend = _layout.legend_below(fig, narrow)
    ax.set_title("How your network has grown\n(× marks a removal)" if narrow else
                 "How your network has grown (× marks a removal)", loc="left", fontsize=BODY, color=INK, y=1.0)
    _place_growth(fig, ax, legend)
    _figures.freeze_layout(fig)
    taken = _layout.Taken()  # each stage's name at its band's start, in the first of three rows that is free
    names = _layout.text_layer(ax, size=SMALL, color=MUTED, zorder=3, transform=ax.get_xaxis_transform())
    names.set_gid("bands")  # x in dates, y in the axes' height
    for start, key in bands:
        at = (float(date2num(start)), 1.0)
        names.place(STAGE_NAMES.get(key, key), [(at, (3, -3 - 13 * row, "left", "top")) for row in range(3)], taken,
                    ax.get_window_extent(), gid=f"band:{key}")
    return fig


def _place_growth(fig: Figure, ax: Axes, legend: Legend) -> None:
    """Margins for the growth chart: its title above; the y axis' label and tick labels (as wide as the count's
    digits) on the left; the dates, their year below them and the legend under the axes; a date's label at the
    right end kept inside the figure."""
    from ._layout import EDGE, set_margins, text_size, tick_labels, tick_room, title_room, widest

    width, _height = fig.get_size_inches()
    line = text_size(fig, "0", SMALL)[1]
    top = EDGE + title_room(ax)
    bottom = _layout.extent(fig, legend).y1 + EDGE + line + tick_room(ax.xaxis)
    set_margins(ax, 1.0, bottom, EDGE, top)  # the height decides how many y ticks fit: the width does not
    _locs, labels = tick_labels(ax.yaxis)
    left = (EDGE + _layout.extent(fig, ax.yaxis.label).width + ax.yaxis.labelpad / 72 + widest(fig, labels, SMALL)
            + tick_room(ax.yaxis))
    xlocs, xlabels = tick_labels(ax.xaxis)  # dates: how many fit does not depend on the width
    offset = ax.xaxis.get_major_formatter().get_offset()
    if offset:  # the year (or month) below the dates, at the right
        bottom += text_size(fig, offset, SMALL)[1] + 3 / 72
    right = EDGE
    lo, hi = ax.get_xlim()
    for loc, label in zip(xlocs, xlabels, strict=True):  # a date's label centred on a tick near the right end
        share = (loc - lo) / (hi - lo)
        if share > 0:
            half = widest(fig, [label], SMALL) / 2
            right = max(right, width - left - (width - EDGE - half - left) / share)
    set_margins(ax, left, bottom, right, top)
    _layout.pin_labels(ax, left - EDGE - _layout.extent(fig, ax.yaxis.label).width)


def describe_growth(events: Sequence[NetworkEvent], stages: Sequence[tuple[datetime, str]] = ()) -> str:
    series = growth_series(events)
    if not any(series.values()):
        return "No connections yet, so there is no growth to show."
    parts = [plural(points[-1][1], TYPE_NOUNS[kind]) for kind, points in series.items() if points]
    removed = sum(1 for e in connection_events(events) if e.action == "remove")
    first = min(points[0][0] for points in series.values() if points)
    text = (f"Line chart of your connections by kind over time. Since {day(first)} your network has grown to "
            f"{', '.join(parts)}.")
    if removed:
        text += f" You removed {plural(removed, 'connection')} along the way (marked ×)."
    if bands := stage_bands(stages):
        text += " Shaded bands show the stages you confirmed: " + ", ".join(
            f"{STAGE_NAMES.get(k, k)} from {day(at)}" for at, k in bands) + "."
    return text


# --- balance --------------------------------------------------------------------------------------------


def platform_warning(net: Network) -> str | None:
    """A plain-words warning when more than half the network sits on one platform."""
    platforms = Counter(n.platform.strip().lower() for n in net.nodes.values() if n.platform.strip())
    total = len(net.nodes)
    if total < 2 or not platforms:
        return None
    name, count = platforms.most_common(1)[0]
    if count * 2 <= total:
        return None
    shown = next(n.platform for n in net.nodes.values() if n.platform.strip().lower() == name)
    return (f"{count} of your {total} connections ({count / total:.0%}) are on {shown}. If it closed or changed, "
            "you'd lose most of your network: add a few connections elsewhere, and export what you can.")


def two_way_share(net: Network) -> float:
    """The share of connections where the learner contributes, not only consumes."""
    if not net.nodes:
        return 0.0
    return sum(1 for n in net.nodes.values() if n.direction != "consume") / len(net.nodes)


def platform_bars(net: Network, top: int = 8) -> list[tuple[str, int]]:
    """The platform bars of the balance chart, largest first: the ``top`` platforms, then "Other (N platforms)"."""
    platforms = Counter(n.platform.strip() or "(no platform)" for n in net.nodes.values())
    common = platforms.most_common(top)
    rest = platforms.most_common()[top:]
    other = [(f"Other ({plural(len(rest), 'platform')})", sum(c for _, c in rest))] if rest else []
    return common + other


def balance_chart(net: Network, top: int = 8, *, narrow: bool = False) -> Figure:
    """Counts by type and by platform, and the share of two-way connections."""
    fig = _figures.sized_figure(narrow, 4.0, 6.4, fixed=bool(net.nodes))
    if not net.nodes:
        return _empty(fig, "Balance appears once you have a few connections.")
    left, right = fig.subplots(2, 1, height_ratios=[1, 2]) if narrow else fig.subplots(1, 2, width_ratios=[1, 1.4])
    counts = Counter(n.type for n in net.nodes.values())
    kinds = [t for t in TYPES if counts[t]]
    left.barh([TYPE_LABELS[t].capitalize() for t in kinds][::-1], [counts[t] for t in kinds][::-1],
              color=[STYLE[t][0] for t in kinds][::-1])
    left.set_title("By kind", loc="left", fontsize=BODY, color=INK, y=1.0)
    bars = platform_bars(net, top)
    warn = platform_warning(net)
    colours = [PALETTE[5] if warn and i == 0 else "#9bb3bb" for i in range(len(bars))]
    labels = [_figures.wrap_label(p, 16) if narrow else shorten(p, 24) or "(no name)" for p, _ in bars]
    keep_private([*(p for p, _ in bars), *labels])  # the learner's platform names: never in the shared file
    right.barh(range(len(bars))[::-1], [c for _, c in bars], color=colours, tick_label=labels)
    right.set_title(f"By platform{chr(10) if narrow else ' · '}two-way: {two_way_share(net):.0%}", loc="left",
                    fontsize=BODY, color=INK, y=1.0)
    for ax in (left, right):
        ax.spines[["top", "right"]].set_visible(False)
    _place_balance(fig, left, right, narrow)
    return fig


def _place_balance(fig: Figure, left: Axes, right: Axes, narrow: bool) -> None:
    """Margins for the balance chart's two bar charts (beside each other, or the kinds above the platforms on a
    phone, both starting at one left edge): each one's title above it, its bar names on its left, its counts
    below; a count's label at the right end of an axes (centred on its tick) kept clear of what is beside it."""
    from matplotlib.ticker import MaxNLocator

    from ._layout import EDGE, GAP, set_margins, text_size, tick_labels, tick_room, title_room, widest

    width, height = fig.get_size_inches()
    names = [widest(fig, tick_labels(ax.yaxis)[1], SMALL) + tick_room(ax.yaxis)
             for ax in (left, right)]
    # The widest count label is no wider than the axis' top whole number (every digit is as wide as the others).
    halves = [widest(fig, [str(int(ax.get_xlim()[1]))], SMALL) / 2 for ax in (left, right)]
    below = text_size(fig, "0", SMALL)[1] + tick_room(left.xaxis)
    if narrow:
        edge = EDGE + max(names)
        room = height - 2 * EDGE - title_room(left) - title_room(right) - 2 * below - GAP
        y = height - EDGE - title_room(left) - room / 3
        set_margins(left, edge, y, max(EDGE, halves[0]), height - y - room / 3)
        set_margins(right, edge, EDGE + below, max(EDGE, halves[1]), height - y + below + GAP + title_room(right))
    else:
        room = width - EDGE - sum(names) - halves[0] - GAP - max(EDGE, halves[1])
        top = EDGE + max(title_room(left), title_room(right))
        x = EDGE + names[0] + room / 2.4
        set_margins(left, EDGE + names[0], EDGE + below, width - x, top)
        set_margins(right, x + halves[0] + GAP + names[1], EDGE + below, max(EDGE, halves[1]), top)
    for ax, half in zip((left, right), halves, strict=True):  # as many counts as fit, each an em apart
        _layout.pin_labels(ax)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=max(1, min(10, int(ax.get_position().width * width
                                                                      / (2 * half + SMALL / 72)))), integer=True))


def describe_balance(net: Network) -> str:
    if not net.nodes:
        return "No connections yet."
    counts = Counter(n.type for n in net.nodes.values())
    kinds = ", ".join(plural(counts[t], TYPE_NOUNS[t]) for t in TYPES if counts[t])
    text = (f"Two bar charts. By kind: {kinds}. By platform: "
            f"{', '.join(f'{p} {c}' for p, c in platform_bars(net))}. {two_way_share(net):.0%} of your "
            "connections are two-way (you give as well as take).")
    warn = platform_warning(net)
    return f"{text} {warn}" if warn else text


# --- then and now ---------------------------------------------------------------------------------------


def first_visit(events: Sequence[NetworkEvent]) -> datetime | None:
    """The end of the day of the learner's first connection (their own accounts are not connections)."""
    connections = connection_events(events)
    if not connections:
        return None
    first = connections[0].at
    return first.replace(hour=23, minute=59, second=59, microsecond=999999)


_last_replay: list[tuple[tuple[NetworkEvent, ...], Network]] = []


def _replayed(events: Sequence[NetworkEvent]) -> Network:
    """``replay(events)``, kept for the same event objects: a page draws then-and-now wide, then narrow, then
    describes it, and at 5,000 events each replay is a tenth of a second. Charts never change a network."""
    key = tuple(events)
    if _last_replay and len(_last_replay[0][0]) == len(key) and all(
            a is b for a, b in zip(_last_replay[0][0], key, strict=True)):
        return _last_replay[0][1]
    net = replay(key)
    _last_replay[:] = [(key, net)]
    return net


def then_and_now(events: Sequence[NetworkEvent], *, narrow: bool = False) -> Figure:
    """The map as it was at the learner's first visit beside the map today (above it, on a phone)."""
    end = first_visit(events)
    fig = _figures.sized_figure(narrow, 5.0, 8.6, fixed=end is not None)
    if end is None:
        return _empty(fig, "Then and now appears once you have started your network.")
    then, now = replay(events, until=end), _replayed(events)
    axes = fig.subplots(2, 1) if narrow else fig.subplots(1, 2)
    placed = [draw_map(axes[0], then, f"Then: {day(end)} ({len(then.nodes)})"),
              draw_map(axes[1], now, f"Now ({len(now.nodes)})")]
    map_legend(fig, now, narrow=True)
    place_maps(fig, axes, stacked=narrow)
    _figures.freeze_layout(fig)
    for ax, nodes in zip(axes, placed, strict=True):
        label_map(ax, nodes, 14)
    return fig


def describe_then_and_now(events: Sequence[NetworkEvent]) -> str:
    end = first_visit(events)
    if end is None:
        return "No connections yet."
    then, now = replay(events, until=end), _replayed(events)
    added = len(set(now.nodes) - set(then.nodes))
    dropped = len(set(then.nodes) - set(now.nodes))
    return (f"Two maps side by side. On your first day ({day(end)}) your network had "
            f"{plural(len(then.nodes), 'connection')}; today it has {len(now.nodes)}: {added} new and {dropped} "
            "no longer in it.")
