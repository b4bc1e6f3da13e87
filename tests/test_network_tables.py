"""The network charts' data tables: what each row says, day by day and connection by connection."""

from __future__ import annotations

from datetime import timedelta

from plnkit.charts import network_tables as tables
from plnkit.rules import network
from plnkit.services.store import NetworkEvent

from .test_netcharts import START, events_for


def presence(i: int, service: str) -> NetworkEvent:
    node = network.presence_node(service, "ana")
    return NetworkEvent(i, START, "add", node.key, {k: v for k, v in node.to_json().items()
                                                    if k not in ("key", "added_at", "removed_at")})


def test_growth_rows_are_the_counts_at_the_end_of_each_day_with_the_stage_confirmed_that_day() -> None:
    events = events_for(4) + [NetworkEvent(9, START + timedelta(days=1), "remove", events_for(1)[0].node_key, {})]
    rows = tables.growth_table(events, [(START + timedelta(days=1), "immersion")])
    assert tables.GROWTH_HEADERS == ["Day", "People", "Communities and spaces", "Websites and blogs", "Tools",
                                     "Stage confirmed"]
    assert rows == [["1 Sep 2026", 1, 1, 1, 1, ""], ["2 Sep 2026", 0, 1, 1, 1, "Immersion"]]


def test_the_learners_own_accounts_are_in_no_table() -> None:
    events = [presence(0, "Mastodon"), presence(1, "Blog"), *events_for(1)]
    assert tables.growth_table(events) == [["1 Sep 2026", 1, 0, 0, 0, ""]]
    assert [row[0] for row in tables.then_and_now_table(events)] == ["person 0"]


def test_balance_rows_list_every_platform_and_the_two_way_share() -> None:
    net = network.replay(events_for(12))
    rows = tables.balance_table(net)
    assert ["By kind", "People", 3] in rows
    assert [r[1] for r in rows if r[0] == "By platform"] == [f"site{i}" for i in range(5)]  # none summed as Other
    assert rows[-1] == ["Two-way", "Connections where you contribute", "50%"]


def test_then_and_now_rows_say_where_each_connection_was_and_is() -> None:
    later = START + timedelta(days=2)
    events = events_for(2) + [NetworkEvent(7, later, "add", "tool:x", {"label": "X", "type": "tool"}),
                              NetworkEvent(8, later, "remove", events_for(1)[0].node_key, {})]
    assert tables.then_and_now_table(events) == [["community 1", "communities and spaces", "Middle", "Middle"],
                                                 ["person 0", "people", "Inner circle", "removed"],
                                                 ["X", "tools", "not yet", "Middle"]]
    assert tables.then_and_now_table([]) == []
