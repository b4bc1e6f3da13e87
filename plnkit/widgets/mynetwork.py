"""“Your network so far”: add a person, space, feed or tool, see the charts update, export and import."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import ipywidgets as w

from ..charts._static import empty_network_html
from ..charts.network_tables import (
    BALANCE_HEADERS,
    GROWTH_HEADERS,
    THEN_AND_NOW_HEADERS,
    balance_table,
    growth_table,
    then_and_now_table,
)
from ..formats import network as network_file
from ..rules import network
from ..rules.network import Network
from ..rules.text import plural
from ..services import session as _session
from ._ui import Component, download_link, esc, guard, layout, make, on_upload, upload_bytes, upload_control

_WIDE = {"description_width": "initial"}
RINGS = [("Inner circle: I rely on them", 1), ("Middle: I turn to them sometimes", 2),
         ("Outer: I keep an eye on them", 3)]
DIRECTIONS = [(label, key) for key, label in network.DIRECTION_LABELS.items()]
VALUES = [(label, key) for key, label in network.VALUE_LABELS.items()]
KINDS = [("A person", "person"), ("A community or space", "community"), ("A website or blog", "feed"),
         ("A tool", "tool")]


class MyNetwork(Component):
    """The learner's network: a small form to add to it, and its charts (the map, or all four)."""

    def __init__(self, charts: str = "map", *, session: _session.Session | None = None) -> None:
        if charts not in ("map", "all"):
            raise ValueError("charts is 'map' or 'all'")
        super().__init__(session, "plnkit-network")
        self.charts = charts
        self.kind = make(w.Dropdown, description="Kind", options=KINDS, value="person", style=_WIDE)
        self.label = make(w.Text, description="Name", placeholder="e.g. Ana Lopez",
                          style=_WIDE)
        self.platform = make(w.Text, description="Where (platform)", placeholder="e.g. Bluesky or a blog",
                             style=_WIDE)
        self.ring = make(w.Dropdown, description="How close", options=RINGS, value=2, style=_WIDE)
        self.direction = make(w.Dropdown, description="Direction", options=DIRECTIONS, value="consume", style=_WIDE)
        self.value = make(w.Dropdown, description="What it brings you", options=VALUES, value="cognitive",
                          style=_WIDE)
        self.link = make(w.Dropdown, description="Met through (optional)", options=[("—", "")], value="",
                         style=_WIDE)
        self.add_button = make(w.Button, description="Add to my network", button_style="primary")
        self.remove_list = make(w.Dropdown, description="Remove a connection", options=[], value=None,
                                style=_WIDE)
        self.remove_button = make(w.Button, description="Remove")
        self.view = make(w.HTML)
        self.export_button = make(w.Button, description="Export my network (JSON and CSV)",
                                  layout=layout(width="auto"))
        self.download = make(w.HTML)
        self.upload = upload_control("Import a network file", ".json,.csv", max_bytes=network_file.MAX_IMPORT_BYTES)
        form = make(w.VBox, [make(w.HBox, [self.kind, self.label], layout=layout(flex_flow="row wrap")),
                             make(w.HBox, [self.platform, self.ring], layout=layout(flex_flow="row wrap")),
                             make(w.HBox, [self.direction, self.value], layout=layout(flex_flow="row wrap")),
                             self.link,
                             make(w.HBox, [self.add_button, self.status.widget], layout=layout(align_items="center"))])
        self.widget.children = [form, self.view, make(w.HBox, [self.remove_list, self.remove_button]),
                                 make(w.HBox, [self.export_button, self.upload], layout=layout(flex_flow="row wrap")),
                                 self.download]
        self.add_button.on_click(lambda _b: self.add())
        self.label.on_submit(lambda _t: self.add())
        self.remove_button.on_click(lambda _b: self.remove())
        self.export_button.on_click(lambda _b: self.export())
        on_upload(self.upload, self.import_file, max_bytes=network_file.MAX_IMPORT_BYTES)

    loading = "draw your network"

    def load(self) -> None:
        self.draw()

    def add(self) -> None:
        @guard(self.status, doing="add that connection")
        def run() -> None:
            current = self._network()
            links = [self.link.value] if self.link.value in current.nodes else []
            node = network.make_node(self.kind.value, self.label.value, platform=self.platform.value,
                                     ring=self.ring.value, direction=self.direction.value, value=self.value.value,
                                     links=links)
            self._record([network.adding_new(node, current)])
            self.label.value = ""
            self.status.ok(f"Added {node.label}.")
            self._draw_after_save(f"Added {node.label}")

        run()

    def remove(self) -> None:
        @guard(self.status, doing="remove that connection")
        def run() -> None:
            key = self.remove_list.value
            current = self._network()
            if key not in current.nodes:
                self.status.error("Choose a connection to remove.")
                return
            self._record([network.removing(key)])
            self.status.ok(f"Removed {current.nodes[key].label}. It stays in your history.")
            self._draw_after_save(f"Removed {current.nodes[key].label}")

        run()

    def _draw_after_save(self, done: str) -> None:
        """Redraw after a change that is already saved: a drawing failure must not read as a failed save."""
        guard(None, say=lambda _error: self.status.error(
            f"{done} (saved), but the charts could not be drawn. Reload the page to see them."))(self.draw)()

    def draw(self) -> None:
        """Redraw the charts from the store (every kernel reads the same events)."""
        from ..charts._figures import figure_html, table_html
        from ..charts.network import (
            MAP_HEADERS,
            balance_chart,
            describe_balance,
            describe_growth,
            describe_map,
            describe_then_and_now,
            growth_chart,
            map_table,
            network_map,
            platform_warning,
            then_and_now,
        )

        sess = self._sess()
        every = sess.store.network_events(sess.learner)
        net = network.replay(every)
        events = network.connection_events(every)  # the learner's own presences are not connections
        choices = [(n.label, n.key) for n in sorted(net.nodes.values(), key=lambda n: n.label.lower())]
        self.remove_list.options = choices
        self.remove_list.value = None
        self.link.options = [("—", ""), *choices]
        self.link.value = ""
        if not events:  # a fresh learner's charts are everyone's: shipped drawn, so the page loads no matplotlib
            rows = growth_table([], self._confirmed_stages()) if self.charts == "all" else []
            empty = empty_network_html(self.charts, _table(GROWTH_HEADERS, rows, "Your network, day by day"))
            self.view.value = (presences_html(net) if net.presences else "") + empty
            return
        table = table_html(MAP_HEADERS, map_table(net), "Your connections") if net.nodes else ""
        parts = [figure_html(network_map(net), alt="Map of your network", description=describe_map(net),
                             filename="my-pln-map", table=table, phone=network_map(net, narrow=True))]
        warning = platform_warning(net)
        if warning:
            parts.insert(0, f'<p class="plnkit-warning" role="note">{esc(warning)}</p>')
        if net.presences:
            parts.insert(0, presences_html(net))
        if self.charts == "all":
            stages = self._confirmed_stages()
            parts.append(figure_html(
                growth_chart(events, stages), alt="Growth of your network over time", filename="my-pln-growth",
                description=describe_growth(events, stages), phone=growth_chart(events, stages, narrow=True),
                table=_table(GROWTH_HEADERS, growth_table(events, stages), "Your network, day by day")))
            parts.append(figure_html(
                balance_chart(net), alt="Balance of your network by kind and platform", filename="my-pln-balance",
                description=describe_balance(net), phone=balance_chart(net, narrow=True),
                table=_table(BALANCE_HEADERS, balance_table(net), "Your network by kind and platform")))
            parts.append(figure_html(
                then_and_now(events), alt="Your network on your first day and today", filename="my-pln-then-and-now",
                description=describe_then_and_now(events), phone=then_and_now(events, narrow=True),
                table=_table(THEN_AND_NOW_HEADERS, then_and_now_table(events), "Then and now")))
        self.view.value = "".join(parts)

    def _confirmed_stages(self) -> list[tuple[datetime, str]]:
        """The stages the learner confirmed, oldest first: ``(when, stage key)``."""
        return [(v.saved_at, v.value["stage"]) for v in reversed(self._answer_history("stages/confirmed"))]

    def export(self) -> tuple[bytes, bytes]:
        """Offer the network as JSON and CSV downloads."""
        net = self._network()
        data_json, data_csv = network_file.export_json(net), network_file.export_csv(net)
        self.download.value = (download_link("my-pln-network.json", "application/json", data_json) + " · "
                               + download_link("my-pln-network.csv", "text/csv", data_csv))
        return data_json, data_csv

    def import_file(self, upload: Any) -> None:
        @guard(self.status, doing="import that file")
        def run() -> None:
            nodes = network_file.parse_import(upload_bytes(upload, network_file.MAX_IMPORT_BYTES))
            current = self._network()
            changes = network.importing(nodes, current, datetime.now(timezone.utc))
            self._record(changes)
            fresh = sum(1 for c in changes if c.action == "add")
            over = network.left_out(nodes, current, changes)
            skipped = len(nodes) - fresh - over
            self.status.ok(f"Imported {plural(fresh, 'connection')}" + (f"; {skipped} you already had." if skipped
                                                                         else ".")
                           + (f" {network.full_message(over)}" if over else ""))
            self._draw_after_save(f"Imported {plural(fresh, 'connection')}")

        run()


def presences_html(net: Network) -> str:
    """The learner's own accounts (from the identity check): where they are, not connections."""
    names = ", ".join(esc(n.label.removeprefix("Me on ")) for n in net.presences.values())
    return (f'<p class="plnkit-presences">Where you are ({plural(len(net.presences), "presence")}, from your '
            f"username check): {names}.</p>")


def _table(headers: list[str], rows: list[list[object]], caption: str) -> str:
    """A chart's data table, or nothing while the chart has no data (it then says so in words)."""
    from ..charts._figures import table_html

    return table_html(headers, rows, caption) if rows else ""


def my_network(charts: str = "map", **kwargs: Any) -> MyNetwork:
    """"Your network so far": the map (``charts="map"``) or all four charts (``charts="all"``)."""
    return MyNetwork(charts, **kwargs)

