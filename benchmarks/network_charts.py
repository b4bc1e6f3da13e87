"""Benchmark for the network charts (issues 9 and 13): build the model and draw all four charts at 40, 500 and
5,000 nodes.

Prints, best of ``--repeat`` (interleaved), the wall-clock and CPU seconds to build the model and draw the four
wide charts as PNG (the issue's measure), and the ratios to its goals: at most 0.4 s for 40 nodes, and at most
3x that (1.2 s) for 5,000. The map is capped at 40 drawn nodes, so drawing must not grow with the node count
beyond the model work. ``page`` is what a learner's page does on every change: each chart wide and narrow,
as PNG, SVG and the phone's PNG (``figure_html``). The machine is shared: compare numbers from one run.

Charts keep each string's measure and bitmap for the process (``plnkit.charts._render``), and a page redraws
mostly the same strings. Each measure is timed three ways:

- ``cold, new server``: those caches emptied before every run, and no shared file: the first chart a new
  server ever draws (matplotlib already imported);
- ``cold, new kernel``: the caches emptied, and the file ``plnkit serve``'s kernels share the course's strings
  in (``_render.SHARED_ENV``) written by one earlier draw: a kernel's first draw on a server that has drawn
  before. The learner's own labels are never in that file, so they are measured and drawn again;
- ``warm``: the caches kept (a page redrawing after a change; the data is the same every run, so this is the
  best case, every string already drawn once).

Usage: python benchmarks/network_charts.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from plnkit.charts import _render  # noqa: E402
from plnkit.charts import network as netcharts  # noqa: E402
from plnkit.charts._figures import figure_html, render  # noqa: E402
from plnkit.rules import network  # noqa: E402
from plnkit.services.store import NetworkEvent  # noqa: E402

GOAL = 0.4  # seconds for all four charts at 40 nodes (issue 13)


def make_events(nodes: int, seed: int = 7) -> list[NetworkEvent]:
    """``nodes`` adds plus one removal in ten, spread over a year."""
    rng = random.Random(seed)
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    events = []
    for i in range(nodes):
        kind = rng.choice(network.TYPES)
        node = network.make_node(kind, f"{kind} {i} {rng.choice(['Ana', 'Ben', '#EduSky', 'Blog'])}",
                                 platform=rng.choice(["Bluesky", "Mastodon", "Blog", "Discord", "LinkedIn"]),
                                 ring=rng.randint(1, 3), direction=rng.choice(network.DIRECTIONS))
        data = node.to_json()
        for k in ("key", "added_at", "removed_at"):
            data.pop(k)
        events.append(NetworkEvent(i, start + timedelta(minutes=105 * i), "add", node.key, data))
    for j, e in enumerate(events[::10]):
        events.append(NetworkEvent(nodes + j, start + timedelta(days=366, minutes=j), "remove", e.node_key, {}))
    return events


def build_and_draw(events: list[NetworkEvent]) -> None:
    """The issue's measure: the model, then the four wide charts as PNG, and their descriptions."""
    net = network.replay(events)
    stages = [(events[0].at, "immersion"), (events[len(events) // 2].at, "evaluation")]
    for fig in (netcharts.network_map(net), netcharts.growth_chart(events, stages), netcharts.balance_chart(net),
                netcharts.then_and_now(events)):
        render(fig)
    netcharts.describe_map(net), netcharts.describe_balance(net), netcharts.describe_growth(events, stages)


def build_and_draw_page(events: list[NetworkEvent]) -> None:
    """What the page does: each chart wide and narrow, to PNG, SVG and the phone's PNG."""
    net = network.replay(events)
    stages = [(events[0].at, "immersion"), (events[len(events) // 2].at, "evaluation")]
    charts = [lambda narrow: netcharts.network_map(net, narrow=narrow),
              lambda narrow: netcharts.growth_chart(events, stages, narrow=narrow),
              lambda narrow: netcharts.balance_chart(net, narrow=narrow),
              lambda narrow: netcharts.then_and_now(events, narrow=narrow)]
    for chart in charts:
        figure_html(chart(False), alt="", description="", filename="x", phone=chart(True))


def best_of(repeat: int, sizes: tuple[int, ...], work: Callable[[list[NetworkEvent]], None],
            data: dict[int, list[NetworkEvent]], cold: str, shared: Path) -> dict[int, tuple[float, float]]:
    """Best wall-clock and CPU seconds of ``work`` per size, the sizes interleaved (the machine is shared);
    ``cold``: "server" or "kernel" empties the text caches before each run ("kernel" with the shared file)."""
    best = {n: (float("inf"), float("inf")) for n in sizes}
    for _ in range(repeat):
        for n in sizes:
            if cold:
                _render.clear_caches()
                os.environ.pop(_render.SHARED_ENV, None)
                if cold == "kernel":
                    os.environ[_render.SHARED_ENV] = str(shared)
            wall, cpu = time.perf_counter(), time.process_time()
            work(data[n])
            took = (time.perf_counter() - wall, time.process_time() - cpu)
            best[n] = (min(best[n][0], took[0]), min(best[n][1], took[1]))
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    sizes = (40, 500, 5000)
    data = {n: make_events(n) for n in sizes}
    build_and_draw(data[40])  # imports matplotlib and warms its font cache: not part of drawing
    with tempfile.TemporaryDirectory() as folder:
        shared = Path(folder) / "chart-text.bin"
        os.environ[_render.SHARED_ENV] = str(shared)
        for n in sizes:  # an earlier kernel of the server drew these pages once
            _render.clear_caches()
            build_and_draw_page(data[n])
        print(f"shared file: {shared.stat().st_size / 1024:.0f} KiB")
        report(args.repeat, sizes, data, shared)


def report(repeat: int, sizes: tuple[int, ...], data: dict[int, list[NetworkEvent]], shared: Path) -> None:
    results = {}
    for label, work, cold in (("four charts", build_and_draw, "server"), ("four charts", build_and_draw, "kernel"),
                              ("four charts", build_and_draw, ""), ("page", build_and_draw_page, "server"),
                              ("page", build_and_draw_page, "kernel"), ("page", build_and_draw_page, "")):
        label = f"{label}, {f'cold, new {cold}' if cold else 'warm'}"
        best = results[label] = best_of(repeat, sizes, work, data, cold, shared)
        for n in sizes:
            print(f"{label:<28} {n:>5} nodes ({len(data[n]):>5} events): {best[n][0]:.3f} s wall, "
                  f"{best[n][1]:.3f} s CPU")
        if work is build_and_draw:
            print(f"  40 nodes: {best[40][0] / GOAL:.2f}x the {GOAL} s goal (CPU {best[40][1] / GOAL:.2f}x); "
                  f"5,000 nodes: {best[5000][0] / GOAL:.2f}x it (goal <= 3x); 5,000 / 40: "
                  f"{best[5000][0] / best[40][0]:.2f}x")
        else:
            four = results[label.replace("page", "four charts")]
            print(f"  page at 40 nodes: {best[40][0] / four[40][0]:.2f}x the four charts; "
                  f"5,000 / 40: {best[5000][0] / best[40][0]:.2f}x")


if __name__ == "__main__":
    main()
