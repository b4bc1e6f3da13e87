"""The "your network so far" widget, driven in-process."""

from __future__ import annotations

from plnkit.rules import network
from plnkit.services.store import Store
from plnkit.widgets.mynetwork import MyNetwork
from plnkit.widgets.toolbox import IdentityCheck


def add(store: Store, node: network.Node) -> None:
    store.record_changes(store.learner("local"), [network.adding(node)])


def mine(store: Store) -> network.Network:
    return network.replay(store.network_events(store.learner("local")))


def test_adding_a_person_updates_the_map_and_can_be_removed(store: Store) -> None:
    view = MyNetwork()
    assert "empty so far" in view.view.value
    view.kind.value, view.label.value, view.platform.value, view.ring.value = "person", "Ana López", "Bluesky", 1
    view.add_button.click()
    assert view.status.text == "Added Ana López."
    assert "Map of your network: 1 connection (1 person)." in view.view.value
    assert "Ana López" in view.view.value  # the data table
    view.label.value = "Ana López"
    view.add_button.click()
    assert view.status.text == "Ana López is already in your network."
    view.remove_list.value = "person:ana-lópez"
    view.remove_button.click()
    assert "stays in your history" in view.status.text and "empty so far" in view.view.value


def test_a_ten_thousand_character_label_is_refused(store: Store) -> None:
    view = MyNetwork()
    view.label.value = "x" * 10_000
    view.add_button.click()
    assert view.status.text == "That name is 10,000 characters; keep it under 120."
    assert mine(store).nodes == {}


def test_module_three_shows_all_four_charts(store: Store) -> None:
    for i, platform in enumerate(["Facebook", "Facebook", "Facebook", "Blog"]):
        add(store, network.make_node("community", f"Group {i}", platform=platform))
    view = MyNetwork("all")
    for alt in ("Map of your network", "Growth of your network over time",
                "Balance of your network by kind and platform", "Your network on your first day and today"):
        assert f'alt="{alt}"' in view.view.value
    assert "3 of your 4 connections (75%) are on Facebook" in view.view.value
    # every chart: a phone-sized picture, a description and its data table
    assert view.view.value.count("<picture>") == 4 and view.view.value.count("plnkit-description") == 4
    for caption in ("Your connections", "Your network, day by day", "Your network by kind and platform",
                    "Then and now"):
        assert f"<caption>{caption}</caption>" in view.view.value


def test_a_name_with_emoji_keeps_it_in_the_table(store: Store) -> None:
    add(store, network.make_node("community", "#EduSky 🦋", platform="Bluesky"))
    value = MyNetwork("all").view.value
    assert "<td>#EduSky 🦋</td>" in value and value.count("<table") == 4


def test_export_and_import_through_the_widget(store: Store, tmp_path: object) -> None:
    add(store, network.make_node("tool", "Diigo"))
    data_json, data_csv = MyNetwork().export()
    other = Store(tmp_path / "other.sqlite3")  # type: ignore[operator]
    from plnkit.services.session import Session

    view = MyNetwork(session=Session(other, other.learner("local")))
    view.import_file({"name": "n.csv", "content": memoryview(data_csv)})
    assert view.status.text == "Imported 1 connection."
    view.import_file({"name": "n.json", "content": memoryview(data_json)})
    assert view.status.text == "Imported 0 connections; 1 you already had."
    view.import_file({"name": "bad.csv", "content": memoryview(b"label,type\nX,alien\n")})
    assert view.status.text.startswith("Row 1: Unknown kind")
    other.close()


def test_a_person_can_be_linked_to_the_community_where_they_were_met(store: Store) -> None:
    add(store, network.make_node("community", "#EduSky", platform="Bluesky"))
    view = MyNetwork()
    view.label.value, view.link.value = "Ana", "community:edusky"
    view.add_button.click()
    assert mine(store).nodes["person:ana"].links == ("community:edusky",)
    assert ("#EduSky", "community:edusky") in view.link.options


def test_the_learners_own_accounts_show_as_presences_not_connections(store: Store) -> None:
    check = IdentityCheck()
    check.services[0].value, check.usernames[0].value = "Mastodon", "@ana@mastodon.social"
    check.check.click()
    view = MyNetwork("all")
    assert "Where you are (1 presence, from your username check): Mastodon (@ana@mastodon.social)." in view.view.value
    assert "empty so far" in view.view.value  # the map: no inner-circle, two-way connection to herself
    assert view.remove_list.options == ()


def test_an_import_into_a_full_network_says_what_it_left_out(store: Store, monkeypatch: object) -> None:
    monkeypatch.setattr(network, "MAX_CONNECTIONS", 2)  # type: ignore[attr-defined]
    add(store, network.make_node("tool", "Diigo"))
    view = MyNetwork()
    rows = b"label,type\nDiigo,tool\nAna,person\nBo,person\nCy,person\n"
    view.import_file({"name": "n.csv", "content": memoryview(rows)})
    assert view.status.text == ("Imported 1 connection; 1 you already had. 2 more were not imported: a network "
                                "holds at most 2 connections here.")
    assert sorted(mine(store).nodes) == ["person:ana", "tool:diigo"]
