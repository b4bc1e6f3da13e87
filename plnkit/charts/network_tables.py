"""The data tables beside the network charts (growth, balance, then and now): every row in full, names with their
emoji and every platform, also what a chart sums up or leaves out. The map's table is
:func:`plnkit.charts.network.map_table`.

Plain functions of the learner's events or network; each returns ``list[list[object]]`` rows for the ``*_HEADERS``
beside it (counts as ``int``, the two-way share as a percentage string). No matplotlib here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime

from ..content import STAGES
from ..records import NetworkEvent
from ..rules.network import TYPE_LABELS, TYPES, Network, replay
from ..rules.text import day

STAGE_NAMES = {s.key: s.name for s in STAGES}
RING_NAMES = {1: "Inner circle", 2: "Middle", 3: "Outer"}

GROWTH_HEADERS = ["Day", *[TYPE_LABELS[t].capitalize() for t in TYPES], "Stage confirmed"]


def growth_table(events: Sequence[NetworkEvent], stages: Sequence[tuple[datetime, str]] = ()) -> list[list[object]]:
    """Rows for the growth chart's table: the connections of each kind at the end of every day with a change, and
    the stage confirmed that day (``stages``: ``(when, stage key)``, oldest first)."""
    from .network import growth_series

    changes = sorted([(at, kind, count) for kind, points in growth_series(events).items() for at, count in points]
                     + [(at, "stage", STAGE_NAMES.get(key, key)) for at, key in stages], key=lambda c: c[0])
    rows: dict[str, list[object]] = {}
    last: dict[str, object] = {**dict.fromkeys(TYPES, 0), "stage": ""}
    for at, kind, value in changes:
        if day(at) not in rows:
            last["stage"] = ""
        last[kind] = value
        rows[day(at)] = [day(at), *[last[t] for t in (*TYPES, "stage")]]
    return list(rows.values())


BALANCE_HEADERS = ["Chart", "Kind or platform", "Connections"]


def balance_table(net: Network) -> list[list[object]]:
    """Rows for the balance chart's table (every platform, also those the chart sums up as "Other")."""
    from .network import two_way_share

    counts = Counter(n.type for n in net.nodes.values())
    platforms = Counter(n.platform.strip() or "(no platform)" for n in net.nodes.values())
    return ([["By kind", TYPE_LABELS[t].capitalize(), counts[t]] for t in TYPES if counts[t]]
            + [["By platform", p, c] for p, c in platforms.most_common()]
            + [["Two-way", "Connections where you contribute", f"{two_way_share(net):.0%}"]])


THEN_AND_NOW_HEADERS = ["Name", "Kind", "On your first day", "Today"]


def then_and_now_table(events: Sequence[NetworkEvent]) -> list[list[object]]:
    """Rows for then-and-now: every connection of either map, where it was on the first day and where it is now
    (the learner's own accounts are not connections)."""
    from .network import first_visit

    end = first_visit(events)
    if end is None:
        return []
    then, now = replay(events, until=end), replay(events)  # replay keeps the learner's own accounts apart
    both = {**then.nodes, **now.nodes}
    return [[n.label, TYPE_LABELS[n.type], RING_NAMES[then.nodes[k].ring] if k in then.nodes else "not yet",
             RING_NAMES[now.nodes[k].ring] if k in now.nodes else "removed"]
            for k, n in sorted(both.items(), key=lambda item: item[1].label.lower())]
