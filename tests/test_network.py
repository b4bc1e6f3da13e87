"""The network model: events replayed, removals kept, the changes each exercise implies, export and import,
absurd input refused."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from plnkit.errors import InputError
from plnkit.formats import network as network_file
from plnkit.rules import network
from plnkit.services.store import Store

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)


def record(store: Store, *changes: network.Change, key: str = "local") -> None:
    store.record_changes(store.learner(key), list(changes))


def mine(store: Store) -> network.Network:
    return network.replay(store.network_events(store.learner("local")))


def test_events_replayed_give_the_same_network(store: Store) -> None:
    me = store.learner("local")
    ana = network.make_node("person", "Ana López", platform="Bluesky", ring=1, direction="both")
    record(store, network.adding(ana), network.adding(network.make_node("community", "#EduSky", platform="Bluesky")))
    record(store, network.removing(ana.key))
    record(store, network.adding(network.make_node("tool", "Diigo", value="cognitive")))
    net = network.replay(store.network_events(me))
    assert sorted(net.nodes) == ["community:edusky", "tool:diigo"]
    assert net.removed[ana.key].label == "Ana López" and net.removed[ana.key].removed_at
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
    record(store, network.adding(network.make_node("person", "Ana, the \"science\" lead", platform="Mastodon",
                                                   ring=1, direction="both", value="social")),
           network.adding(network.make_node("feed", "Cult of Pedagogy", platform="www.cultofpedagogy.com")))
    record(store, network.removing("feed:cult-of-pedagogy"))
    before = mine(store)
    data = network_file.export_json(before) if fmt == "json" else network_file.export_csv(before)
    other = Store(tmp_path / "other.sqlite3")  # type: ignore[operator]
    them = other.learner("local")
    changes = network.importing(network_file.parse_import(data), network.Network(), NOW)
    other.record_changes(them, changes)
    after = network.replay(other.network_events(them))
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
    (b"\x00\x01\x02\x00\x00\x03" * 40, "isn't text"),
    (b"My notes from the workshop: follow Ana on Bluesky.\n", "no connections in it"),  # a plain text file
    (b'{"format": "plnkit-network", "nodes": []}', "no connections in it"),
])
def test_a_bad_import_names_the_problem_and_imports_nothing(store: Store, data: bytes, words: str) -> None:
    with pytest.raises(InputError, match=words):
        network_file.parse_import(data)
    assert store.network_events(store.learner("local")) == []


@pytest.mark.parametrize("data", [
    "label;type;platform\nRenée Dupré;person;Mastodon\nÉcole ouverte;community;\n".encode("cp1252"),
    "sep=;\nlabel;type;platform\nRenée Dupré;person;Mastodon\nÉcole ouverte;community;\n".encode(),
    "label,type,platform\nRenée Dupré,person,Mastodon\nÉcole ouverte,community,\n".encode("utf-16"),
], ids=["semicolons-windows-1252", "excel-sep-line", "utf-16-bom"])
def test_a_spreadsheet_of_ones_own_imports_whatever_its_delimiter_and_encoding(data: bytes) -> None:
    nodes = network_file.parse_import(data)
    assert [(n.label, n.type, n.platform) for n in nodes] == [("Renée Dupré", "person", "Mastodon"),
                                                              ("École ouverte", "community", "")]


def test_sync_adds_changes_and_removes_only_under_its_prefix() -> None:
    net = network.Network()
    diigo = network.medium_node("bookmarking:Diigo", "try")
    ana = network.make_node("person", "Ana")
    net.nodes = {diigo.key: diigo, ana.key: ana}
    discord = network.medium_node("community:Discord", "use")
    changes = network.sync(net, network.MEDIUM, [network.medium_node("bookmarking:Diigo", "use"), discord])
    assert [(c.action, c.node_key, c.data.get("ring")) for c in changes] == [
        ("add", "medium:bookmarking:diigo", 2), ("add", "medium:community:discord", 2)]  # Diigo moved closer
    assert network.sync(net, network.MEDIUM, [diigo]) == []  # nothing to change, nothing recorded
    assert [(c.action, c.node_key) for c in network.sync(net, network.MEDIUM, [])] == [
        ("remove", "medium:bookmarking:diigo")]  # Ana, outside the prefix, stays


def test_presences_are_kept_apart_from_connections() -> None:
    me = network.presence_node("Mastodon", "@ana@mastodon.social")
    assert me.key == "presence:mastodon" and me.label == "Me on Mastodon (@ana@mastodon.social)"
    events = [_event(1, c) for c in network.sync(network.Network(), network.PRESENCE, [me])]
    net = network.replay(events)
    assert list(net.presences) == ["presence:mastodon"] and net.nodes == {} and net.removed == {}
    assert network.connection_events(events) == []  # the growth chart does not count them
    gone = network.replay([*events, _event(2, network.sync(net, network.PRESENCE, [])[0])])
    assert gone.presences == {}


def test_a_site_is_one_node_whether_followed_or_bookmarked() -> None:
    net = network.Network()
    feed = ("https://www.cultofpedagogy.com/feed/", "Cult of Pedagogy")
    bookmark = "https://cultofpedagogy.com/pod/episode-1/"
    (add,) = network.site_changes(net, [bookmark], feeds=[], bookmarks=[bookmark])
    assert (add.node_key, add.data["label"], add.data["ring"]) == ("site:cultofpedagogy.com", "cultofpedagogy.com", 3)
    net = network.replay([_event(1, add)])
    (named,) = network.site_changes(net, [feed[0]], feeds=[feed], bookmarks=[bookmark])
    assert (named.node_key, named.data["label"], named.data["ring"]) == ("site:cultofpedagogy.com",
                                                                         "Cult of Pedagogy", 2)
    net = network.replay([_event(1, add), _event(2, named)])
    assert network.site_changes(net, [bookmark], feeds=[feed], bookmarks=[]) == []  # the feed keeps it
    (gone,) = network.site_changes(net, [feed[0]], feeds=[], bookmarks=[])
    assert (gone.action, gone.node_key) == ("remove", "site:cultofpedagogy.com")


def test_a_feed_recorded_the_old_way_is_its_site() -> None:
    old = network.make_node("feed", "Edutopia", key="feed:https://www.edutopia.org/rss.xml")
    site = network.make_node("feed", "edutopia.org", key="site:edutopia.org", ring=3)
    net = network.replay([_event(1, network.adding(old)), _event(2, network.adding(site))])
    assert list(net.nodes) == ["site:edutopia.org"]  # a bookmark and a feed of one site: one node
    changes = network.site_changes(net, ["https://www.edutopia.org/rss.xml"], feeds=[], bookmarks=[])
    assert [(c.action, c.node_key) for c in changes] == [("remove", "site:edutopia.org")]
    by_hand = network.make_node("feed", "Cult of Pedagogy")  # a feed the learner typed in: kept as it is
    assert list(network.replay([_event(1, network.adding(by_hand))]).nodes) == ["feed:cult-of-pedagogy"]


def test_importing_skips_what_the_learner_had_and_keeps_dates() -> None:
    had = network.make_node("tool", "Diigo")
    net = network.replay([_event(1, network.adding(had))])
    earlier = NOW - timedelta(days=3)
    new = network.make_node("person", "Bo")
    dropped = network.make_node("person", "Cy")
    from dataclasses import replace

    changes = network.importing([had, replace(new, added_at=earlier), replace(dropped, removed_at=NOW)], net, NOW)
    assert [(c.action, c.node_key, c.at) for c in changes] == [
        ("add", "person:bo", earlier), ("add", "person:cy", NOW), ("remove", "person:cy", NOW)]


def _event(n: int, change: network.Change) -> object:
    from plnkit.services.store import NetworkEvent

    return NetworkEvent(n, change.at or NOW + timedelta(minutes=n), change.action, change.node_key, change.data)



def test_dates_in_an_imported_file_are_read_as_everywhere_or_left_unknown() -> None:
    data = (b"label,type,added_at,removed_at\n"
            b"Ana,person,2005-03-01,\n"  # before the course: a spreadsheet's own history
            b"Bo,person,0,0\n"  # an exporter's placeholders: unknown, and not removed
            b"Cy,person,last spring,\n"
            b"Di,person,\"Thu, 30 May 2024 08:57:00 CEST\",1717052220\n"  # RFC 822 with a zone; a timestamp
            b"Ed,person,2199-01-01,\n")  # impossible: unknown
    nodes = {n.label: n for n in network_file.parse_import(data)}
    assert nodes["Ana"].added_at == datetime(2005, 3, 1, tzinfo=timezone.utc)
    assert [nodes[k].added_at for k in ("Bo", "Cy", "Ed")] == [None, None, None] and nodes["Bo"].removed_at is None
    assert nodes["Di"].added_at == nodes["Di"].removed_at == datetime(2024, 5, 30, 6, 57, tzinfo=timezone.utc)
    changes = network.importing(list(nodes.values()), network.Network(), NOW)
    assert {c.node_key: c.at for c in changes if c.action == "add"}["person:bo"] == NOW  # unknown: dated on import


def test_a_connection_dropped_before_its_unknown_add_date_is_still_dropped(store: Store) -> None:
    data = b"label,type,added_at,removed_at\nAna,person,,2024-05-30\n"
    changes = network.importing(network_file.parse_import(data), network.Network(), NOW)
    assert [(c.action, c.at) for c in changes] == [("add", datetime(2024, 5, 30, tzinfo=timezone.utc)),
                                                  ("remove", datetime(2024, 5, 30, tzinfo=timezone.utc))]
    record(store, *changes)
    assert list(mine(store).removed) == ["person:ana"] and not mine(store).nodes


def test_a_connection_typed_in_again_is_refused_with_its_name() -> None:
    ana = network.make_node("person", "Ana López")
    current = network.replay([])
    assert network.adding_new(ana, current) == network.adding(ana)
    current.nodes[ana.key] = ana
    with pytest.raises(InputError, match="Ana López is already in your network."):
        network.adding_new(ana, current)


def test_names_in_any_script_or_told_apart_by_symbols_are_different_connections() -> None:
    """A key kept only a-z and 0-9: every Cyrillic, Greek, Hebrew or Chinese name, and every emoji, became
    "item", and "C++" and "C#" the same "c", so the second was refused as "already in your network" and an import
    of four such names kept one while saying it imported four."""
    names = ["Иван Петров", "Γιώργος", "שלום עולם", "王伟", "🦋", "C++", "C#", "Жёлтый"]
    current = network.Network()
    for name in names:
        node = network.make_node("person", name)
        change = network.adding_new(node, current)  # not refused: none of the others is this one
        current.nodes[change.node_key] = node
    assert len(current.nodes) == len(names)
    csv = "label,type\nИван,person\nΓιώργος,person\n王伟,person\nЖёлтый дракон,person\n".encode()
    changes = network.importing(network_file.parse_import(csv), network.Network(), NOW)
    assert len({c.node_key for c in changes}) == 4
    # Names in a-z keep the keys they always had: stored networks and files still match.
    assert [network.make_node("person", n).key for n in ("Ms. Jones", "O'Brien", "#EduSky", "@ana_b", "feed 1")] == [
        "person:ms-jones", "person:o-brien", "person:edusky", "person:ana-b", "person:feed-1"]


def test_a_connection_stored_under_its_old_key_is_still_already_there() -> None:
    """Stored before keys kept other scripts and symbols: typing or importing the same name again finds it."""
    old = network.make_node("person", "Ana López", key="person:ana-l-pez")
    current = network.Network(nodes={old.key: old})
    with pytest.raises(InputError, match="ana lópez is already in your network."):
        network.adding_new(network.make_node("person", "ana lópez"), current)
    assert network.importing([network.make_node("person", "Ana López")], current, NOW) == []
    # A different name that happened to share that old key is a different connection.
    assert network.adding_new(network.make_node("person", "Ana Lápez"), current).action == "add"


def test_a_network_holds_at_most_so_many_connections_typed_in_or_imported(monkeypatch: pytest.MonkeyPatch) -> None:
    """Imports were capped per file, not in all: two files made a network of 10,000 whose page took 20 s to draw
    on every change. The cap is on the network; an import says how many it left out, and nothing else is lost."""
    monkeypatch.setattr(network, "MAX_CONNECTIONS", 3)
    had = network.make_node("person", "Ana")
    current = network.Network(nodes={had.key: had})
    rows = "label,type\nAna,person\n" + "".join(f"Guest {i},person\n" for i in range(5))
    nodes = network_file.parse_import(rows.encode())
    changes = network.importing(nodes, current, NOW)
    assert [c.node_key for c in changes] == ["person:guest-0", "person:guest-1"]  # 1 + 2 = 3
    assert network.left_out(nodes, current, changes) == 3  # Guest 2, 3 and 4; Ana was there already
    assert "3 more were not imported: a network holds at most 3 connections here." == network.full_message(3)
    for change in changes:
        current.nodes[change.node_key] = network.make_node("person", change.data["label"])
    with pytest.raises(InputError, match="already has 3 connections, the most it can hold here: remove some"):
        network.adding_new(network.make_node("person", "Bo"), current)


def test_direction_marks_and_control_characters_never_reach_a_connection_s_name() -> None:
    node = network.make_node("person", "Ana\u202eevil\u0007 \u2066x\u2069", platform="Blue\u200fsky\n")
    assert (node.label, node.platform) == ("Ana evil x", "Blue sky")
    assert network.make_node("person", "👩🏽\u200d🏫 Kim").label == "👩🏽\u200d🏫 Kim"  # an emoji's joiner stays
    with pytest.raises(InputError, match="Give the connection a name"):
        network.make_node("person", "\u202e\u0000")
