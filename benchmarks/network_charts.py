"""Benchmark for the network issue: build the model and draw all four charts at 40, 500 and 5,000 nodes.

Prints the time for each size and the ratio 5,000 / 40 (goal: at most 3x): the map is capped at 40 drawn
nodes, so drawing must not grow with the node count beyond the model work.

Usage: python benchmarks/network_charts.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from plnkit.charts import network as netcharts  # noqa: E402
from plnkit.charts._figures import render  # noqa: E402
from plnkit.rules import network  # noqa: E402
from plnkit.services.store import NetworkEvent  # noqa: E402


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
    net = network.replay(events)
    stages = [(events[0].at, "immersion"), (events[len(events) // 2].at, "evaluation")]
    for fig in (netcharts.network_map(net), netcharts.growth_chart(events, stages), netcharts.balance_chart(net),
                netcharts.then_and_now(events)):
        render(fig)
    netcharts.describe_map(net), netcharts.describe_balance(net), netcharts.describe_growth(events, stages)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    sizes = (40, 500, 5000)
    data = {n: make_events(n) for n in sizes}
    best = {n: float("inf") for n in sizes}
    for _ in range(args.repeat):  # interleaved, best of N: the machine is shared and noisy
        for n in sizes:
            t = time.perf_counter()
            build_and_draw(data[n])
            best[n] = min(best[n], time.perf_counter() - t)
    for n in sizes:
        print(f"{n:>5} nodes ({len(data[n]):>5} events): {best[n]:.3f} s")
    print(f"ratio 5,000 / 40: {best[5000] / best[40]:.2f}x (goal <= 3x)")
    print(f"ratio 500 / 40: {best[500] / best[40]:.2f}x")


if __name__ == "__main__":
    main()
