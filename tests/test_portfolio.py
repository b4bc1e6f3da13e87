"""Taking work away and restoring it (the Binder case): nothing lost, nothing overwritten."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from plnkit.errors import InputError
from plnkit.formats import network as network_file
from plnkit.rules import network
from plnkit.services.session import Session
from plnkit.services.store import Store
from plnkit.widgets.portfolio import Portfolio, export_portfolio, import_portfolio


def fresh(tmp_path: Path, name: str) -> Session:
    s = Store(tmp_path / f"{name}.sqlite3")
    return Session(s, s.learner("local"))


def test_everything_comes_back_in_a_fresh_session(store: Store, tmp_path: Path) -> None:
    me = store.learner("local")
    store.save_answer(me, "why-pln/what", "first draft")
    store.save_answer(me, "why-pln/what", "second draft")
    store.set_progress(me, "why-pln", "done")
    store.record_changes(me, [network.adding(network.make_node("person", "Ana", ring=1))])
    store.subscribe(me, "https://www.cultofpedagogy.com/feed/", "Cult of Pedagogy")
    store.add_bookmarks(me, [{"url": "https://a.example/", "title": "A", "tags": ("x",)}])
    data = Portfolio().export()
    assert data
    elsewhere = fresh(tmp_path, "binder")
    message = import_portfolio(data, elsewhere)
    assert message == ("Restored 1 answer, 1 network change, 1 feed and 1 bookmark. Your progress came back too: "
                       "1 module complete.")
    s2, me2 = elsewhere.store, elsewhere.learner
    assert [v.value for v in s2.answer_history(me2, "why-pln/what")] == ["second draft", "first draft"]
    assert s2.progress(me2) == {"why-pln": "done"}
    assert list(network.replay(elsewhere.store.network_events(elsewhere.learner)).nodes) == ["person:ana"]
    assert s2.subscriptions(me2)[0].title == "Cult of Pedagogy"
    assert s2.bookmarks(me2)[0].tags == ("x",)
    again = import_portfolio(data, elsewhere)
    assert again.startswith("Restored 0 answers, 0 network changes") and "progress" not in again  # idempotent


def test_feed_addresses_in_a_portfolio_are_checked_like_typed_ones(tmp_path: Path) -> None:
    doc = {"format": "plnkit-portfolio", "subscriptions": [
        {"url": "http://169.254.169.254/latest/meta-data/"}, {"url": "file:///etc/passwd"},
        {"url": "https://www.cultofpedagogy.com/feed/", "html_url": "javascript:alert(1)"}]}
    here = fresh(tmp_path, "here")
    import_portfolio(json.dumps(doc).encode(), here)
    subs = here.store.subscriptions(here.learner)
    assert [s.url for s in subs] == ["https://www.cultofpedagogy.com/feed/"] and subs[0].html_url is None


def test_restoring_never_overwrites_work_done_here(store: Store, tmp_path: Path) -> None:
    store.save_answer(store.learner("local"), "why-pln/what", "old machine")
    data = export_portfolio(Session(store, store.learner("local")))
    here = fresh(tmp_path, "here")
    here.store.save_answer(here.learner, "why-pln/what", "written here")
    assert import_portfolio(data, here).endswith("Already done here, so left as they are: 1 exercise.")
    assert here.store.latest_answer(here.learner, "why-pln/what").value == "written here"  # type: ignore[union-attr]


@pytest.mark.parametrize("data,words", [
    (b"not json", "it is damaged, or another kind of file"),
    (b'{"format": "other"}', "not a portfolio"),
    (json.dumps({"format": "plnkit-portfolio", "answers": "oops"}).encode(), "answers are damaged"),
    (json.dumps({"format": "plnkit-portfolio", "network_events": [
        {"at": "2026-01-01T00:00:00+00:00", "action": "add", "node_key": "x", "data": {"type": "alien", "label": "Z"}}
    ]}).encode(), "Unknown kind"),
    (json.dumps({"format": "plnkit-portfolio", "bookmarks": [{"url": "javascript:alert(1)"}]}).encode(), "http"),
])
def test_a_damaged_portfolio_restores_nothing(tmp_path: Path, data: bytes, words: str) -> None:
    here = fresh(tmp_path, "here")
    with pytest.raises(InputError, match=words):
        import_portfolio(data, here)
    assert here.store.latest_answers(here.learner) == {} and here.store.network_events(here.learner) == []


def test_a_learner_erases_their_own_work_after_confirming(store: Store) -> None:
    me = store.learner("local")
    store.save_answer(me, "why-pln/what", "A paragraph only I should keep")
    store.add_bookmarks(me, [{"url": "https://mine.example/"}])
    other = store.learner("someone-else")
    store.save_answer(other, "why-pln/what", "Someone else's answer")
    tool = Portfolio()
    tool.erase_button.click()
    assert "Tick the box" in tool.status.text and store.latest_answers(me)
    tool.erase_confirm.value = True
    tool.erase_button.click()
    assert "erased" in tool.status.text and tool.erase_button.disabled
    assert store._conn.execute("SELECT count(*) FROM answers WHERE learner_id = ?", (me.id,)).fetchone()[0] == 0
    assert store.bookmarks(me) == []
    assert store.latest_answer(other, "why-pln/what").value == "Someone else's answer"  # type: ignore[union-attr]
    if store.path is not None:  # SQLite overwrites what it deleted, on disk and in its log
        data = b"".join(p.read_bytes() for p in store.path.parent.iterdir() if p.name.startswith(store.path.name))
        assert b"A paragraph only I should keep" not in data


def test_bookmarks_with_many_long_tags_import_and_then_restore(store: Store, tmp_path: Path) -> None:
    """A Pinboard-style export (24 tags, one of 59 characters) imports, and the learner's own download restores."""
    from plnkit.formats.bookmarks import MAX_TAGS, read_netscape
    from plnkit.rules.bookmarks import stored_fields

    from .conftest import DATA

    result = read_netscape((DATA / "cases" / "20-netscape-many-tags.html").read_bytes())
    assert len(result.bookmarks) == 1 and len(result.bookmarks[0].tags) == 24
    assert max(len(t) for t in result.bookmarks[0].tags) == 59
    store.add_bookmarks(store.learner("local"), [stored_fields(b) for b in result.bookmarks])
    elsewhere = fresh(tmp_path, "elsewhere")
    assert import_portfolio(export_portfolio(Session(store, store.learner("local"))), elsewhere).endswith(
        "and 1 bookmark.")
    assert elsewhere.store.bookmarks(elsewhere.learner)[0].tags == result.bookmarks[0].tags
    too_many = ",".join(f"t{i}" for i in range(MAX_TAGS + 1))
    over = read_netscape(f'<DT><A HREF="https://a.example/" TAGS="{too_many}">A</A>'.encode())
    assert over.bookmarks == [] and "skipped 1 with more than 100 tags" in over.message


def test_any_bookmark_set_an_import_accepts_restores_unchanged() -> None:
    """Property: whatever a bookmark file import can produce, the learner's own download restores exactly."""
    import tempfile

    from hypothesis import given, settings

    from plnkit.rules.bookmarks import stored_fields

    from .test_bookmarks import bookmark_sets

    def seen(s: Session) -> list[tuple[object, ...]]:
        return sorted((b.url, b.title, b.tags, b.note, b.folder, b.private, b.added_at)
                      for b in s.store.bookmarks(s.learner))

    @settings(max_examples=25, deadline=None)
    @given(bookmark_sets())
    def check(marks: list[object]) -> None:
        with tempfile.TemporaryDirectory() as folder:
            here, elsewhere = fresh(Path(folder), "here"), fresh(Path(folder), "elsewhere")
            here.store.add_bookmarks(here.learner, [stored_fields(b) for b in marks])  # type: ignore[arg-type]
            import_portfolio(export_portfolio(here), elsewhere)
            assert seen(elsewhere) == seen(here)
            here.store.close()
            elsewhere.store.close()

    check()


def test_a_portfolio_saved_again_by_a_text_editor_still_restores(store: Store, tmp_path: Path) -> None:
    store.save_answer(store.learner("local"), "why-pln/what", "Édith’s answer")
    data = export_portfolio(Session(store, store.learner("local")))
    for edited in (b"\xef\xbb\xbf" + data, data.decode().encode("utf-16")):  # Notepad's "UTF-8 with BOM", "Unicode"
        here = fresh(tmp_path, f"here-{len(edited)}")
        assert import_portfolio(edited, here).startswith("Restored 1 answer")
        assert here.store.latest_answer(here.learner, "why-pln/what").value == "Édith’s answer"  # type: ignore[union-attr]


def test_a_network_file_imported_with_old_dates_and_placeholders_exports_and_restores(tmp_path: Path) -> None:
    here = fresh(tmp_path, "here")
    data = (b"label,type,added_at,removed_at\n"
            b"Ana,person,2005-03-01,\n"  # accepted by the network import, so the portfolio must restore it
            b"Bo,community,0,\n"
            b"Cy,tool,2009-06-01T10:00:00+02:00,2012-01-01\n")
    changes = network.importing(network_file.parse_import(data), network.Network(), datetime.now(timezone.utc))
    here.store.record_changes(here.learner, changes)
    elsewhere = fresh(tmp_path, "elsewhere")
    message = import_portfolio(export_portfolio(here), elsewhere)
    assert message == "Restored 0 answers, 4 network changes, 0 feeds and 0 bookmarks."

    def dated(s: Session) -> list[tuple[str, str, datetime]]:
        return [(e.action, e.node_key, e.at) for e in s.store.network_events(s.learner)]

    assert dated(elsewhere) == dated(here)
    assert dated(here)[0] == ("add", "person:ana", datetime(2005, 3, 1, tzinfo=timezone.utc))
    restored = network.replay(elsewhere.store.network_events(elsewhere.learner))
    assert set(restored.nodes) == {"person:ana", "community:bo"} and set(restored.removed) == {"tool:cy"}


def test_subscription_dates_are_stored_exported_and_restored(tmp_path: Path) -> None:
    here = fresh(tmp_path, "here")
    since = datetime(2015, 9, 1, 8, 0, tzinfo=timezone.utc)
    here.store.subscribe_many(here.learner, [("https://a.example/feed", "A", "", None, since),
                                             ("https://b.example/feed", "B", "", None)])
    assert [s.added_at == since for s in here.store.subscriptions(here.learner)] == [True, False]
    doc = json.loads(export_portfolio(here))
    doc["subscriptions"].append({"url": "https://c.example/feed", "added_at": "0"})  # unknown: dated now
    elsewhere = fresh(tmp_path, "elsewhere")
    before = datetime.now(timezone.utc)
    assert "3 feeds" in import_portfolio(json.dumps(doc).encode(), elsewhere)
    subs = {s.url: s.added_at for s in elsewhere.store.subscriptions(elsewhere.learner)}
    assert subs["https://a.example/feed"] == since
    assert subs["https://b.example/feed"] == here.store.subscriptions(here.learner)[1].added_at
    assert subs["https://c.example/feed"] >= before
