"""Module 03's tools driven in-process: identity, bookmarks and communities feed the network."""

from __future__ import annotations

from pathlib import Path

from plnkit.formats.bookmarks import read_netscape
from plnkit.rules import network
from plnkit.services.session import Session
from plnkit.services.store import Store
from plnkit.widgets.toolbox import BookmarkManager, Communities, IdentityCheck

from .conftest import DATA


def mine(store: Store, key: str = "local") -> network.Network:
    """The learner's network as the map draws it."""
    return network.replay(store.network_events(store.learner(key)))


def test_identity_check_reports_and_each_account_is_a_presence_not_a_connection(store: Store) -> None:
    tool = IdentityCheck()
    tool.services[0].value, tool.usernames[0].value = "Bluesky", "msrivera"
    tool.services[1].value, tool.usernames[1].value = "Mastodon", "@MsRivera@mastodon.social"
    tool.check.click()
    assert "1 of your 2 usernames differ" in tool.result.value and "capital letters" in tool.result.value
    assert tool.status.text.startswith("Saved at")
    net = mine(store)
    assert set(net.presences) == {"presence:bluesky", "presence:mastodon"}
    assert net.presences["presence:bluesky"].label == "Me on Bluesky (msrivera)"
    assert net.nodes == {}  # their own accounts are not inner-circle two-way connections
    tool.usernames[1].value = tool.services[1].value = ""
    tool.check.click()
    assert set(mine(store).presences) == {"presence:bluesky"}
    assert IdentityCheck().usernames[0].value == "msrivera"  # restored on a new page


def test_bookmarks_add_filter_and_a_shared_source(store: Store) -> None:
    tool = BookmarkManager()
    tool.url.value, tool.title.value = "https://www.edutopia.org/article", "Edutopia piece"
    tool.tags.value = "pd, ideas"
    tool.add_button.click()
    assert tool.status.text == "Added “Edutopia piece”." and "1 of 1 bookmark" in tool.listing.value
    assert "site:edutopia.org" in mine(store).nodes
    tool.url.value = "javascript:alert(1)"
    tool.add_button.click()
    assert "http" in tool.status.text and "1 of 1 bookmark" in tool.listing.value
    tool.filter_tag.value = "pd"
    assert "Edutopia piece" in tool.listing.value


def test_search_filters_as_you_type_and_says_when_nothing_matches(store: Store) -> None:
    tool = BookmarkManager()
    for url, title in [("https://a.example/1", "Retrieval practice"), ("https://b.example/2", "Rubrics")]:
        tool.url.value, tool.title.value = url, title
        tool.add_button.click()
    assert tool.search.continuous_update  # every keystroke reaches the kernel
    tool.search.value = "r"
    assert "2 of 2 bookmarks" in tool.listing.value
    tool.search.value = "ret"
    assert "1 of 2 bookmarks" in tool.listing.value and "Rubrics" not in tool.listing.value
    tool.search.value = "retz"
    assert "Nothing matches “retz” in your 2 bookmarks." in tool.listing.value
    tool.search.value = ""
    assert "2 of 2 bookmarks" in tool.listing.value


def test_a_bookmark_can_be_edited_and_deleted(store: Store) -> None:
    tool = BookmarkManager()
    tool.url.value, tool.title.value, tool.tags.value = "https://www.edutopia.org/a", "Edutopia", "pd"
    tool.add_button.click()
    tool.chosen.value = store.bookmarks(store.learner("local"))[0].id
    tool.edit_button.click()
    assert tool.url.value == "https://www.edutopia.org/a" and tool.add_button.description == "Save changes"
    tool.title.value, tool.tags.value = "Edutopia on feedback", "pd, feedback"
    tool.add_button.click()
    assert tool.status.text == "Saved your changes to “Edutopia on feedback”."
    (kept,) = store.bookmarks(store.learner("local"))
    assert (kept.title, kept.tags) == ("Edutopia on feedback", ("pd", "feedback"))
    assert tool.add_button.description == "Add bookmark" and tool.url.value == ""
    tool.chosen.value = kept.id
    tool.delete_button.click()
    assert tool.status.text == "Deleted “Edutopia on feedback”." and "No bookmarks yet" in tool.listing.value
    assert "site:edutopia.org" in mine(store).removed  # the site left the network; its history stays


def test_import_then_export_through_the_widget(store: Store, tmp_path: Path) -> None:
    tool = BookmarkManager()
    tool.import_file({"name": "b.html", "content": memoryview((DATA / "bookmarks-quirky.html").read_bytes())})
    assert tool.status.text.startswith("Imported 4 bookmarks; skipped 2")
    data = tool.export()
    assert 'download="my-pln-bookmarks.html"' in tool.download.value
    assert len(read_netscape(data).bookmarks) == 4
    other = Store(tmp_path / "elsewhere.sqlite3")
    elsewhere = BookmarkManager(session=Session(other, other.learner("local")))
    elsewhere.import_file({"name": "b.html", "content": memoryview(data)})
    assert elsewhere.status.text == "Imported 4 bookmarks."
    elsewhere.import_file({"name": "b.html", "content": memoryview(data)})
    assert elsewhere.status.text == "Imported 0 bookmarks. 4 already in your bookmarks."
    assert len(other.bookmarks(other.learner("local"))) == 4  # nothing duplicated
    other.close()


def test_a_bad_bookmark_file_imports_nothing(store: Store) -> None:
    tool = BookmarkManager()
    tool.import_file({"name": "x.html", "content": memoryview(b"<html>nothing</html>")})
    assert tool.status.text.startswith("No bookmarks were found")
    assert store.bookmarks(store.learner("local")) == []


def test_learners_never_see_each_others_bookmarks(store: Store) -> None:
    ana = Session(store, store.learner("hub:ana"))
    ben = Session(store, store.learner("hub:ben"))
    a = BookmarkManager(session=ana)
    a.url.value = "https://private.example/ana"
    a.add_button.click()
    assert "private.example" not in BookmarkManager(session=ben).listing.value


def test_communities_become_nodes_and_can_be_dropped(store: Store) -> None:
    tool = Communities()
    tool.choices["community:Discord"].value = "use"
    tool.choices["bookmarking:Diigo"].value = "try"
    tool.save_button.click()
    assert tool.status.text.endswith("1 in use, 1 to try.")
    nodes = mine(store).nodes
    assert nodes["medium:community:discord"].type == "community" and nodes["medium:bookmarking:diigo"].ring == 3
    tool.choices["bookmarking:Diigo"].value = "use"  # now used: closer
    tool.save_button.click()
    assert mine(store).nodes["medium:bookmarking:diigo"].ring == 2
    tool.choices["bookmarking:Diigo"].value = ""
    tool.save_button.click()
    assert "medium:bookmarking:diigo" in mine(store).removed
    assert Communities().choices["community:Discord"].value == "use"


def test_re_importing_a_file_adds_only_what_is_new_and_says_how_many_were_there(store: Store) -> None:
    from plnkit.formats.bookmarks import Bookmark, write_netscape

    five = [Bookmark(f"https://site{i}.example/", f"Site {i}") for i in range(5)]
    tool = BookmarkManager()
    tool.import_file({"name": "a.html", "content": memoryview(write_netscape(five))})
    six = write_netscape([*five, Bookmark("https://new.example/", "New one")])
    tool.import_file({"name": "b.html", "content": memoryview(six)})
    assert tool.status.text == "Imported 1 bookmark. 5 already in your bookmarks."
    assert len(store.bookmarks(store.learner("local"))) == 6 and "6 of 6 bookmarks" in tool.listing.value
