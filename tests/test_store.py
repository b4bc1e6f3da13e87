"""The learner store: append-only history, concurrent kernels, migrations, and damaged or locked files."""

from __future__ import annotations

import ctypes
import dataclasses
import hashlib
import inspect
import os
import sqlite3
import stat
import subprocess
import sys
import tempfile
import textwrap
import threading
import types
import typing
from datetime import datetime, timezone
from pathlib import Path

import pytest

from plnkit import records
from plnkit.errors import InputError, StoreCorruptError, StoreError, StoreLockedError
from plnkit.services.store import SCHEMA_VERSION, Store, default_home

from .conftest import DATA, ROOT


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_saving_keeps_every_version_and_shows_the_latest(store: Store) -> None:
    me = store.learner("local")
    for text in ("first", "second", "third"):
        store.save_answer(me, "why-pln/what", text)
    latest = store.latest_answer(me, "why-pln/what")
    assert latest is not None and latest.value == "third"
    assert [v.value for v in store.answer_history(me, "why-pln/what")] == ["third", "second", "first"]
    assert [v.value for v in store.answer_history(me, "why-pln/what", limit=2)] == ["third", "second"]


def test_learners_never_see_each_others_answers(store: Store) -> None:
    ana, ben = store.learner("hub:ana"), store.learner("hub:ben")
    store.save_answer(ana, "why-pln/what", "Ana's private note")
    assert store.latest_answer(ben, "why-pln/what") is None
    assert store.answer_history(ben, "why-pln/what") == []
    assert store.latest_answers(ben) == {}


def test_answers_of_every_kind_round_trip(store: Store) -> None:
    me = store.learner("local")
    values = {"r": "ünïcödé ✓ <b>", "rating": {"aware": 4, "connected": 2}, "list": ["a", "b"], "n": 3}
    for key, value in values.items():
        store.save_answer(me, f"k/{key}", value)
    assert {k: v.value for k, v in store.latest_answers(me, "k/").items()} == {f"k/{k}": v for k, v in values.items()}


def test_a_value_that_is_not_data_is_refused_with_a_message(store: Store) -> None:
    me = store.learner("local")
    with pytest.raises(InputError, match="can't be saved"):
        store.save_answer(me, "k", object())
    with pytest.raises(InputError):
        store.save_answer(me, "x" * 500, "text")
    assert store.latest_answers(me) == {}


def test_progress_is_recorded_and_done_is_never_downgraded(store: Store) -> None:
    me = store.learner("local")
    store.set_progress(me, "why-pln", "started")
    store.set_progress(me, "why-pln", "done")
    store.set_progress(me, "why-pln", "started")  # reopening a finished module
    store.set_progress(me, "stages", "started")
    assert store.progress(me) == {"why-pln": "done", "stages": "started"}
    assert store.progress(me).done("why-pln") and not store.progress(me).done("stages")
    with pytest.raises(TypeError):
        store.progress(me)["stages"] = "done"  # type: ignore[index]  # a record: read-only


def _is_record(kind: object) -> bool:
    return isinstance(kind, type) and kind.__module__ == records.__name__ and dataclasses.is_dataclass(kind)


def _returns_no_bare_rows(kind: object) -> bool:
    """True for a record, a plain value, or a list of either (``X | None`` of those); never a dict or tuple."""
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin in (types.UnionType, typing.Union):
        return all(_returns_no_bare_rows(a) for a in args)
    if origin is list:
        return _returns_no_bare_rows(args[0])
    return kind in (int, str, bool, type(None)) or _is_record(kind)


def test_every_public_store_method_hands_out_records_not_rows() -> None:
    wrong = {}
    for name, method in inspect.getmembers(Store, inspect.isfunction):
        if name.startswith("_") or name in ("transaction", "open_default"):  # the store itself, as a context
            continue
        kind = typing.get_type_hints(method)["return"]
        if not _returns_no_bare_rows(kind):
            wrong[name] = kind
    assert wrong == {}
    assert not _returns_no_bare_rows(dict[str, str]) and not _returns_no_bare_rows(list[tuple[str, int]])


def test_network_events_are_appended_in_order(store: Store) -> None:
    me = store.learner("local")
    store.record_event(me, "add", "person:ana", {"label": "Ana", "type": "person"})
    store.record_event(me, "remove", "person:ana", {})
    events = store.network_events(me)
    assert [(e.action, e.node_key) for e in events] == [("add", "person:ana"), ("remove", "person:ana")]
    assert events[0].data["label"] == "Ana" and events[0].at.tzinfo is not None


def test_plnkit_home_chooses_the_data_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PLNKIT_HOME", str(tmp_path / "course-data"))
    assert default_home() == tmp_path / "course-data"
    with Store.open_default() as s:
        assert s.path == tmp_path / "course-data" / "plnkit.sqlite3"
    assert (tmp_path / "course-data" / "plnkit.sqlite3").is_file()
    monkeypatch.delenv("PLNKIT_HOME")
    assert default_home() == Path.home() / ".plnkit"


_WRITER = textwrap.dedent("""
    import sys
    from plnkit.services.store import Store
    store = Store(sys.argv[1])
    me = store.learner("local")
    sys.stdout.write("ready\\n"); sys.stdout.flush()
    sys.stdin.readline()  # start together
    for i in range(int(sys.argv[3])):
        store.save_answer(me, "why-pln/what", f"{sys.argv[2]}-{i}")
""")


def test_two_processes_saving_at_once_lose_nothing(database: str) -> None:
    db = database
    Store(db).close()
    procs = [subprocess.Popen([sys.executable, "-c", _WRITER, str(db), name, "500"], cwd=ROOT,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) for name in ("a", "b")]
    for p in procs:
        assert p.stdout is not None and p.stdout.readline().strip() == "ready"
    for p in procs:
        assert p.stdin is not None
        p.stdin.write("go\n")
        p.stdin.flush()
    for p in procs:
        assert p.wait(120) == 0
    with Store(db) as s:
        values = [v.value for v in s.answer_history(s.learner("local"), "why-pln/what")]
    assert len(values) == 1000
    assert set(values) == {f"{n}-{i}" for n in "ab" for i in range(500)}
    # each writer's own saves stay in the order it made them
    for name in "ab":
        mine = [int(v.split("-")[1]) for v in reversed(values) if v.startswith(name)]
        assert mine == list(range(500))


def test_threads_sharing_one_store_lose_nothing(store: Store) -> None:
    me = store.learner("local")

    def write(tag: str) -> None:
        for i in range(100):
            store.save_answer(me, "k", f"{tag}{i}")

    threads = [threading.Thread(target=write, args=(t,)) for t in "xyz"]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(store.answer_history(me, "k")) == 300


def test_an_older_database_migrates_and_keeps_its_answers(tmp_path: Path) -> None:
    db = tmp_path / "plnkit.sqlite3"
    conn = sqlite3.connect(db)
    conn.executescript((DATA / "store_v1.sql").read_text())
    conn.close()
    with Store(db) as s:
        assert s.schema_version == SCHEMA_VERSION > 1
        me = s.learner("local")
        assert [v.value for v in s.answer_history(me, "why-pln/what")] == ["My second thoughts", "My first thoughts"]
        s.set_progress(me, "why-pln", "done")  # tables from later versions now exist
        s.save_answer(me, "why-pln/what", "third")
    with Store(db) as s:  # reopening an up-to-date database changes nothing
        assert s.schema_version == SCHEMA_VERSION
        assert s.latest_answer(s.learner("local"), "why-pln/what").value == "third"  # type: ignore[union-attr]


def test_a_database_from_a_newer_course_is_refused_untouched(tmp_path: Path) -> None:
    db = tmp_path / "plnkit.sqlite3"
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.close()
    before = digest(db)
    with pytest.raises(StoreError, match="newer version"):
        Store(db)
    assert digest(db) == before


NOT_DATABASES = [b"this is my lesson plan, not a database\n" * 50, b"SQLite format 3\x00" + b"\xff" * 4000]


@pytest.mark.parametrize("content", NOT_DATABASES, ids=["text-file", "damaged-header"])
def test_a_file_that_is_not_a_database_gives_a_clear_message_and_is_left_alone(tmp_path: Path, content: bytes) -> None:
    db = tmp_path / "plnkit.sqlite3"
    db.write_bytes(content)
    with pytest.raises(StoreCorruptError) as info:
        Store(db)
    message = str(info.value)
    assert "damaged" in message and "PLNKIT_HOME" in message and "\n" not in message
    assert db.read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plnkit.sqlite3"]


def _without_root_powers() -> None:
    """Run as root but subject to file permissions, like any teacher's account (drops CAP_DAC_*)."""
    if os.geteuid() == 0:
        libc = ctypes.CDLL(None, use_errno=True)
        for cap in (1, 2, 3):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER
            if libc.prctl(24, cap, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
                raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


_READ_ONLY_PROBE = textwrap.dedent("""
    import sys
    from plnkit.errors import StoreReadOnlyError
    from plnkit.services.store import Store
    shown = None
    try:
        store = Store(sys.argv[1])
        latest = store.latest_answer(store.learner("local"), "why-pln/what")
        shown = latest.value if latest else None
        store.save_answer(store.learner("local"), "why-pln/what", "new text")
    except StoreReadOnlyError as exc:
        print("MESSAGE:" + str(exc))
    else:
        print("SAVED")
    print("SHOWN:" + repr(shown))
""")


@pytest.mark.skipif(sys.platform != "linux", reason="drops Linux capabilities to act as a normal user")
@pytest.mark.parametrize("existing", [False, True], ids=["new-database", "existing-database"])
def test_a_read_only_folder_gives_a_clear_message_and_changes_nothing(existing: bool) -> None:
    try:
        subprocess.run([sys.executable, "-c", "pass"], preexec_fn=_without_root_powers, check=True, timeout=60)
    except (subprocess.SubprocessError, OSError):  # root without CAP_SETPCAP can't give up writing anywhere
        pytest.skip("this root account cannot drop CAP_DAC_OVERRIDE, so no folder is read-only to it")
    folder = Path(tempfile.mkdtemp(prefix="plnkit-ro-"))
    try:
        db = folder / "plnkit.sqlite3"
        if existing:
            with Store(db) as s:
                s.save_answer(s.learner("local"), "why-pln/what", "kept safe")
        before = {p.name: digest(p) for p in folder.iterdir()}
        folder.chmod(0o555)
        for p in folder.iterdir():
            p.chmod(0o444)
        out = subprocess.run([sys.executable, "-c", _READ_ONLY_PROBE, str(db)], cwd=ROOT, capture_output=True,
                             text=True, preexec_fn=_without_root_powers, timeout=60)
        assert out.stdout.startswith("MESSAGE:"), out.stdout + out.stderr
        assert "can't be saved" in out.stdout and "PLNKIT_HOME" in out.stdout
        # The work already in the file still shows (opened read-only), so the learner sees what they wrote.
        assert out.stdout.splitlines()[-1] == ("SHOWN:'kept safe'" if existing else "SHOWN:None")
        assert {p.name: digest(p) for p in folder.iterdir()} == before
    finally:
        folder.chmod(0o755)
        for p in folder.iterdir():
            p.chmod(0o644)
        for p in folder.iterdir():
            p.unlink()
        folder.rmdir()


def test_a_database_locked_too_long_says_wait_and_retry(tmp_path: Path) -> None:
    db = tmp_path / "plnkit.sqlite3"
    with Store(db) as s:
        s.save_answer(s.learner("local"), "k", "before the lock")
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        waiting = Store(db, busy_timeout=0.2)
        with pytest.raises(StoreLockedError, match="busy.*save again"):
            waiting.save_answer(waiting.learner("local"), "k", "during the lock")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert [v.value for v in waiting.answer_history(waiting.learner("local"), "k")] == ["before the lock"]
    waiting.save_answer(waiting.learner("local"), "k", "after the lock")  # the same store works once it clears
    assert waiting.latest_answer(waiting.learner("local"), "k").value == "after the lock"  # type: ignore[union-attr]
    waiting.close()


def test_an_empty_data_file_is_refused_never_re_created(tmp_path: Path) -> None:
    db = tmp_path / "plnkit.sqlite3"
    db.write_bytes(b"")  # a failed copy, or a full disk
    with pytest.raises(StoreCorruptError, match="is empty") as info:
        Store(db)
    assert "PLNKIT_HOME" in str(info.value) and "\n" not in str(info.value)
    assert db.read_bytes() == b""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plnkit.sqlite3"]


def test_another_programs_database_is_refused_and_left_alone(tmp_path: Path) -> None:
    db = tmp_path / "plnkit.sqlite3"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE gradebook (student TEXT, mark INTEGER)")
    conn.execute("INSERT INTO gradebook VALUES ('Sam', 9)")
    conn.commit()
    conn.close()
    before = digest(db)
    with pytest.raises(StoreCorruptError, match="another program"):
        Store(db)
    assert digest(db) == before


def test_the_data_folder_and_files_are_private_to_their_owner(tmp_path: Path) -> None:
    home = tmp_path / "new-home"
    with Store(home / "plnkit.sqlite3") as s:
        s.save_answer(s.learner("local"), "why-pln/what", "private")
        modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in home.iterdir()}
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    assert modes["plnkit.sqlite3"] == 0o600 and modes.get("plnkit.sqlite3-wal", 0o600) == 0o600
    assert all(mode & 0o077 == 0 for mode in modes.values()), modes


def test_a_transaction_writes_everything_or_nothing(store: Store) -> None:
    me = store.learner("local")
    with pytest.raises(InputError):
        with store.transaction():
            store.save_answer(me, "why-pln/what", "first")
            store.add_bookmarks(me, [{"url": "https://a.example/"}])
            store.save_answer(me, "x" * 500, "a key too long: refused")
    assert store.latest_answers(me) == {} and store.bookmarks(me) == []
    with store.transaction():
        store.save_answer(me, "why-pln/what", "first")
        store.add_bookmarks(me, [{"url": "https://a.example/"}])
    assert store.latest_answer(me, "why-pln/what").value == "first"  # type: ignore[union-attr]


def test_one_learner_cannot_grow_the_database_without_bound(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    import plnkit.services._store_answers as store_module
    import plnkit.services._store_social as social

    me = store.learner("local")
    marks = [{"url": f"https://site{i}.example/"} for i in range(6)]
    assert store.add_bookmarks(me, marks) == 6
    assert store.add_bookmarks(me, marks) == 0  # importing the same file again adds nothing
    monkeypatch.setattr(social, "MAX_BOOKMARKS", 8)
    with pytest.raises(InputError, match="up to 8 bookmarks"):
        store.add_bookmarks(me, [{"url": f"https://more{i}.example/"} for i in range(3)])
    assert len(store.bookmarks(me)) == 6
    monkeypatch.setattr(store_module, "MAX_VERSIONS_PER_ANSWER", 3)
    for n in range(5):
        store.save_answer(me, "why-pln/what", f"version {n}")
    assert [v.value for v in store.answer_history(me, "why-pln/what")] == ["version 4", "version 3", "version 2"]
    monkeypatch.setattr(store_module, "MAX_ANSWER_KEYS", 2)
    store.save_answer(me, "why-pln/so-what", "a second answer")
    with pytest.raises(InputError, match="2 different answers"):
        store.save_answer(me, "why-pln/now-what", "a third")
    import plnkit.services._store_network as network_table

    monkeypatch.setattr(network_table, "MAX_NETWORK_EVENTS", 2)
    store.record_events(me, [(datetime.now(timezone.utc), "remove", "a", {})] * 2)
    with pytest.raises(InputError, match="limited to 2 changes"):
        store.record_event(me, "remove", "b", {})


def test_the_rooms_connections_leave_out_each_learners_own_accounts(store: Store) -> None:
    from plnkit.rules import network

    ana = store.learner("ws:" + "a" * 32, "Ana")
    store.record_changes(ana, [network.adding(network.presence_node("Mastodon", "@ana")),
                               network.adding(network.make_node("person", "Bo"))])
    assert [c.learner_id for c in store.room_snapshot().connections] == [ana.id]  # Bo only
