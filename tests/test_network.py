"""The network model: events replayed, removals kept, export and import, absurd input refused."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from plnkit.errors import InputError
from plnkit.rules import network
from plnkit.services.store import Store


def test_events_replayed_give_the_same_network(store: Store) -> None:
    me = store.learner("local")
    ana = network.add(network.make_node("person", "Ana López", platform="Bluesky", ring=1, direction="both"))
    network.add(network.make_node("community", "#EduSky", platform="Bluesky"))
    network.remove(ana.key)
    network.add(network.make_node("tool", "Diigo", value="cognitive"))
    net = network.replay(store.network_events(me))
    assert sorted(net.nodes) == ["community:edusky", "tool:diigo"]
    assert net.removed["person:ana-l-pez"].label == "Ana López" and net.removed["person:ana-l-pez"].removed_at
    assert network.replay(store.network_events(me)) == net  # replaying again gives the same network
    assert len(store.network_events(me)) == 4  # the removal was appended, nothing rewritten


def test_replay_until_shows_the_network_as_it_was(store: Store) -> None:
    me = store.learner("local")
    start = datetime(2026, 9, 1, tzinfo=timezone.utc)
    store.record_event(me, "add", "person:a", {"label": "A", "type": "person"}, at=start)
    store.record_event(me, "add", "person:b", {"label": "B", "type": "person"}, at=start + timedelta(days=5))
    assert list(network.replay(store.network_events(me), until=start + timedelta(days=1)).nodes) == ["person:a"]


@pytest.mark.parametrize("kwargs,words", [
    ({"type": "person", "label": "x" * 10_000}, "10,000 characters"),
    ({"type": "alien", "label": "Zork"}, "Unknown kind"),
    ({"type": "person", "label": "   "}, "Give the connection a name"),
    ({"type": "person", "label": "Ana", "ring": 7}, "Closeness"),
    ({"type": "person", "label": "Ana", "ring": True}, "Closeness"),
    ({"type": "person", "label": "Ana", "direction": "sideways"}, "Direction"),
    ({"type": "person", "label": "Ana", "value": "money"}, "value"),
    ({"type": "person", "label": 42}, "Give the connection a name"),
])
def test_absurd_input_gets_a_clear_message(kwargs: dict[str, object], words: str) -> None:
    kind = kwargs.pop("type")
    label = kwargs.pop("label")
    with pytest.raises(InputError, match=words):
        network.make_node(kind, label, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_export_then_import_round_trips(store: Store, tmp_path: object, fmt: str) -> None:
    network.add(network.make_node("person", "Ana, the \"science\" lead", platform="Mastodon", ring=1,
                                  direction="both", value="social"))
    network.add(network.make_node("feed", "Cult of Pedagogy", platform="www.cultofpedagogy.com"))
    network.remove("feed:cult-of-pedagogy")
    before = network.current()
    data = network.export_json(before) if fmt == "json" else network.export_csv(before)
    other = Store(tmp_path / "other.sqlite3")  # type: ignore[operator]
    from plnkit.services.session import Session

    elsewhere = Session(other, other.learner("local"))
    network.import_nodes(network.parse_import(data), elsewhere)
    after = network.current(elsewhere)
    assert after.nodes.keys() == before.nodes.keys() and after.removed.keys() == before.removed.keys()
    for key, node in before.nodes.items():
        assert after.nodes[key] == node
    assert after.removed["feed:cult-of-pedagogy"].removed_at == before.removed["feed:cult-of-pedagogy"].removed_at
    other.close()


@pytest.mark.parametrize("data,words", [
    (b'{"format": "something else", "nodes": []}', "not a network exported"),
    (b"{broken", "damaged"),
    (b"name,kind\nAna,person\n", "'label' and 'type'"),
    (b"label,type\nAna,person\nBob,alien\n", "Row 2: Unknown kind"),
    (b"label,type,ring\nAna,person,far\n", "Row 1: closeness"),
    (b"\xff\xfe\x00bad", "not a text file"),
])
def test_a_bad_import_names_the_problem_and_imports_nothing(store: Store, data: bytes, words: str) -> None:
    with pytest.raises(InputError, match=words):
        network.parse_import(data)
    assert store.network_events(store.learner("local")) == []
