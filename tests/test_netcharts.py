"""Network charts: what is drawn (nodes placed, "+N more", legend, the platform warning), not pixels."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from matplotlib.collections import PathCollection

from plnkit.charts import network as netcharts
from plnkit.charts._layout import placed_texts
from plnkit.charts._map import map_labels
from plnkit.rules import network
from plnkit.services.store import NetworkEvent

START = datetime(2026, 9, 1, tzinfo=timezone.utc)


def events_for(n: int, *, platform: str = "", kinds: tuple[str, ...] = network.TYPES) -> list[NetworkEvent]:
    out = []
    for i in range(n):
        kind = kinds[i % len(kinds)]
        node = network.make_node(kind, f"{kind} {i}", platform=platform or f"site{i % 5}", ring=1 + i % 3,
                                 direction=("consume", "both")[i % 2])
        data = node.to_json()
        for k in ("key", "added_at", "removed_at"):
            data.pop(k)
        out.append(NetworkEvent(i, START + timedelta(hours=i), "add", node.key, data))
    return out


def placed_markers(fig: object) -> int:
    ax = fig.axes[0]  # type: ignore[attr-defined]
    return sum(len(c.get_offsets()) for c in ax.collections if isinstance(c, PathCollection)) - 1  # minus "you"


def test_a_small_network_draws_every_node_with_a_legend() -> None:
    net = network.replay(events_for(8))
    fig = netcharts.network_map(net)
    assert placed_markers(fig) == 8
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend == ["People", "Communities and spaces", "Websites and blogs", "Tools", "You only consume",
                      "Two-way (you contribute)"]
    labels = [t for t, _box in map_labels(fig.axes[0]) if (t.get_gid() or "").startswith("label:")]
    assert len(labels) == 8


def test_a_big_network_draws_forty_and_summarises_the_rest() -> None:
    net = network.replay(events_for(100, kinds=("feed", "person")))
    fig = netcharts.network_map(net)
    assert placed_markers(fig) == 40
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "+30 more feeds, +30 more people" in texts
    labelled = [t for t, _box in map_labels(fig.axes[0]) if (t.get_gid() or "").startswith("label:")]
    assert 10 <= len(labelled) <= 40  # labels that would overlap are left out, not piled up
    assert "The map draws 40" in netcharts.describe_map(net)


def test_labels_do_not_overlap() -> None:
    fig = netcharts.network_map(network.replay(events_for(40)))
    fig.canvas.draw()
    boxes = [box for t, box in map_labels(fig.axes[0]) if (t.get_gid() or "").startswith("label:")]
    assert len(boxes) >= 20
    overlaps = sum(1 for i, a in enumerate(boxes) for b in boxes[i + 1:] if a.overlaps(b))
    assert overlaps <= 2


def test_an_empty_network_shows_a_friendly_start() -> None:
    fig = netcharts.network_map(network.Network())
    assert netcharts.EMPTY_MESSAGE in [t.get_text() for t in fig.axes[0].texts]
    assert "empty so far" in netcharts.describe_map(network.Network())
    for chart in (netcharts.growth_chart([]), netcharts.balance_chart(network.Network()), netcharts.then_and_now([])):
        assert chart.axes[0].texts  # a message, not a blank axis


def test_one_platform_holding_most_of_the_network_is_flagged() -> None:
    net = network.replay(events_for(6, platform="Facebook"))
    warning = netcharts.platform_warning(net)
    assert warning is not None and warning.startswith("6 of your 6 connections (100%) are on Facebook")
    assert netcharts.platform_warning(network.replay(events_for(10))) is None
    assert "By platform" in netcharts.balance_chart(net).axes[1].get_title(loc="left")


def test_growth_shows_removals_and_stage_bands() -> None:
    events = events_for(5)
    events.append(NetworkEvent(99, START + timedelta(days=2), "remove", events[0].node_key, {}))
    series = netcharts.growth_series(events)
    assert series["person"][-1][1] == 1 and [c for _, c in series["person"]] == [1, 2, 1]
    fig = netcharts.growth_chart(events, [(START, "immersion"), (START + timedelta(days=1), "balance")])
    ax = fig.axes[0]
    assert {"Immersion", "Balance"} <= {t.get_text() for t, _box in placed_texts(ax, "bands")}
    assert "removed 1 connection" in netcharts.describe_growth(events)


def test_a_network_made_in_one_sitting_shows_its_minutes_as_steps() -> None:
    """Five connections added over six minutes of a workshop: the axis spans about those minutes (not an hour
    with every step squeezed against its right end), in clock time."""
    from matplotlib.dates import date2num

    events = [NetworkEvent(i, START + timedelta(seconds=90 * i), "add", e.node_key, e.data)
              for i, e in enumerate(events_for(5))]
    ax = netcharts.growth_chart(events).axes[0]
    lo, hi = ax.get_xlim()
    first, last = float(date2num(events[0].at)), float(date2num(events[-1].at))
    assert lo < first and (first - lo) < (last - first)  # the first step is not pressed against the last
    assert (hi - lo) * 24 * 60 < 12  # about ten minutes wide, in minutes
    assert all(":" in label.get_text() for label in ax.get_xticklabels() if label.get_text())


def test_then_and_now_draws_two_maps() -> None:
    events = events_for(3) + [NetworkEvent(50, START + timedelta(days=3), "add", "tool:x",
                                           {"label": "X", "type": "tool"})]
    fig = netcharts.then_and_now(events)
    assert [ax.get_title(loc="left") for ax in fig.axes] == ["Then: 1 Sep 2026 (3)", "Now (4)"]
    assert "had 3 connections; today it has 4: 1 new" in netcharts.describe_then_and_now(events)


def test_links_between_connections_are_drawn() -> None:
    events = events_for(2, kinds=("community",))
    met = network.make_node("person", "Ana", links=[events[0].node_key])
    data = met.to_json()
    for k in ("key", "added_at", "removed_at"):
        data.pop(k)
    events.append(NetworkEvent(9, START + timedelta(days=1), "add", met.key, data))
    fig = netcharts.network_map(network.replay(events))
    assert [ln.get_gid() for ln in fig.axes[0].lines if (ln.get_gid() or "").startswith("link:")] == [
        f"link:person:ana>{events[0].node_key}"]


def test_charts_are_laid_out_without_a_layout_engine_and_everything_fits() -> None:
    """Fixed margins (no constrained layout): every title, tick label, note and legend inside the figure and clear
    of the other axes, wide and narrow, for a small network, one of 20,000 and long platform names."""
    from plnkit.charts._figures import render

    big = events_for(20000)
    long = events_for(12, platform="A platform with a very long name indeed")
    for events in (events_for(12), big, long):
        net = network.replay(events)
        for narrow in (False, True):
            for fig in (netcharts.network_map(net, narrow=narrow), netcharts.growth_chart(events, narrow=narrow),
                        netcharts.balance_chart(net, narrow=narrow), netcharts.then_and_now(events, narrow=narrow)):
                assert fig.get_layout_engine() is None
                render(fig)
                renderer = fig.canvas.get_renderer()
                box = fig.get_tightbbox(renderer)
                width, height = fig.get_size_inches()
                assert box.x0 >= 0 and box.y0 >= 0 and box.x1 <= width and box.y1 <= height
                parts = [ax.get_tightbbox(renderer) for ax in fig.axes] + [lg.get_window_extent(renderer)
                                                                           for lg in fig.legends]
                assert not any(a.overlaps(b) for i, a in enumerate(parts) for b in parts[i + 1:])
