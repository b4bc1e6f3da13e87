"""One store, two engines: the schema (Alembic) on SQLite and PostgreSQL, older files migrating, and a database
server that is down, refuses the password, or restarts in the middle of a session."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from plnkit.errors import StoreError, StoreUnavailableError
from plnkit.services import _store_pg, session
from plnkit.services._migrate import head, write_empty_store
from plnkit.services._schema import SCHEMA_VERSION, revision
from plnkit.services._store_file import EMPTY_STORE
from plnkit.services.store import FOREIGN_DATABASE, NOT_POSTGRESQL, Store
from plnkit.widgets import reflection as reflection_module
from plnkit.widgets.reflection import Reflection

from .conftest import DATA, ROOT, free_port
from .pgserver import PASSWORD, PostgresServer


def eventually(check: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


#: The last schema version whose files were written without Alembic (tests/data/store_v1.sql to store_v7.sql);
#: later ones are Alembic's revisions run on these.
LAST_BEFORE_ALEMBIC = 7


def test_alembic_head_is_the_schema_version_the_store_expects() -> None:
    assert head() == revision(SCHEMA_VERSION)


@pytest.mark.parametrize("version", range(1, LAST_BEFORE_ALEMBIC + 1))
def test_every_earlier_sqlite_file_opens_migrates_and_keeps_its_work(tmp_path: Path, version: int) -> None:
    """Files written by every schema version before Alembic (PRAGMA user_version 1 to 7) open and upgrade."""
    db = tmp_path / "plnkit.sqlite3"
    conn = sqlite3.connect(db)
    conn.executescript((DATA / f"store_v{version}.sql").read_text())
    if version >= 6:  # her latest page, an hour after she joined
        conn.execute("UPDATE page_visits SET opened_at = '2026-09-01T09:00:00+00:00'")
        conn.commit()
    conn.close()
    with Store(db) as s:
        assert s.schema_version == SCHEMA_VERSION
        me = s.learner("local")
        assert [v.value for v in s.answer_history(me, "why-pln/what")] == ["My second thoughts", "My first thoughts"]
        if version >= 2:
            assert s.progress(me) == {"why-pln": "done"}
        if version >= 4:
            assert [p.body for p in s.posts("main")] == ["Hello room"]
        s.set_progress(me, "tools", "done")  # every later table exists now
        s.set_shared(me, "why-pln/what", True)
        s.save_answer(me, "why-pln/what", "third")
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == revision(SCHEMA_VERSION)
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        if version >= 6:  # a visit from before first visits were kept: its learner's joining time stands in
            assert conn.execute("SELECT first_opened_at FROM page_visits").fetchall() == \
                [("2026-09-01T08:00:00+00:00",)]


def _schema(path: Path) -> list[tuple[str, ...]]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name").fetchall()
        stamp = conn.execute("SELECT version_num FROM alembic_version").fetchall()
        version = conn.execute("PRAGMA user_version").fetchone()
    return [*rows, *stamp, version]


def test_the_shipped_empty_database_is_what_alembic_makes_today(tmp_path: Path) -> None:
    """A new file is a copy of plnkit/data/empty-store.sqlite3; after a new revision, remake it with
    ``python -m plnkit.services._migrate``."""
    made = tmp_path / "made.sqlite3"
    write_empty_store(made)
    assert _schema(EMPTY_STORE) == _schema(made)
    with Store(tmp_path / "new" / "plnkit.sqlite3") as new:
        assert new.schema_version == SCHEMA_VERSION and new.learner("local").id == 1
    assert ((tmp_path / "new" / "plnkit.sqlite3").stat().st_mode & 0o777) == 0o600
    assert sorted(p.name for p in (tmp_path / "new").iterdir() if p.name.endswith(".new")) == []  # no spare left


def test_kernels_creating_a_new_file_at_once_all_get_the_same_database(tmp_path: Path) -> None:
    db = tmp_path / "plnkit.sqlite3"
    procs = [subprocess.Popen([sys.executable, "-c", _OPENER, str(db), name], cwd=ROOT, stdin=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for name in ("a", "b", "c", "d")]
    for p in procs:
        assert p.stdin is not None
        p.stdin.write("go\n")
        p.stdin.flush()
    for p in procs:
        assert p.wait(120) == 0, p.stderr.read() if p.stderr else ""
    with Store(db) as s:
        assert [s.latest_answer(s.learner(n), "why-pln/what").value for n in "abcd"] == ["hello"] * 4  # type: ignore[union-attr]


def _columns(store: Store) -> dict[str, list[str]]:
    if store.dialect == "sqlite":
        tables = [r[0] for r in store._conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {t: sorted(r[1] for r in store._conn.execute(f"PRAGMA table_info({t})")) for t in tables}
    rows = store._conn.execute("SELECT table_name, column_name FROM information_schema.columns "
                               "WHERE table_schema = 'public'").fetchall()
    found: dict[str, list[str]] = {}
    for table, column in rows:
        found.setdefault(table, []).append(column)
    return {t: sorted(c) for t, c in found.items()}


def test_both_engines_get_the_same_schema_and_an_old_file_matches_a_new_one(postgres: PostgresServer,
                                                                          tmp_path: Path) -> None:
    old = tmp_path / "old.sqlite3"
    with sqlite3.connect(old) as conn:
        conn.executescript((DATA / "store_v1.sql").read_text())
    with Store(tmp_path / "new.sqlite3") as new, Store(old) as migrated, Store(postgres.empty_database()) as pg:
        assert _columns(new) == _columns(migrated) == _columns(pg)
        assert "answers" in _columns(pg) and "alembic_version" in _columns(pg)


_OPENER = textwrap.dedent("""
    import sys
    from plnkit.services.store import FOREIGN_DATABASE, NOT_POSTGRESQL, Store
    sys.stdin.readline()  # start together
    with Store(sys.argv[1]) as store:
        store.save_answer(store.learner(sys.argv[2]), "why-pln/what", "hello")
""")


def test_kernels_opening_an_empty_postgresql_database_at_once_create_it_once(postgres: PostgresServer) -> None:
    url = postgres.empty_database()
    procs = [subprocess.Popen([sys.executable, "-c", _OPENER, url, name], cwd=ROOT, stdin=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for name in ("a", "b", "c")]
    for p in procs:
        assert p.stdin is not None
        p.stdin.write("go\n")
        p.stdin.flush()
    for p in procs:
        assert p.wait(120) == 0, p.stderr.read() if p.stderr else ""
    with Store(url) as s:
        assert s.schema_version == SCHEMA_VERSION
        assert [s.latest_answer(s.learner(n), "why-pln/what").value for n in "abc"] == ["hello"] * 3  # type: ignore[union-attr]


def test_an_address_that_is_not_postgresqls_is_refused_and_never_becomes_a_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # where a file named after the address would land
    for url in ("postgresql+psycopg://plnkit:s3cret@127.0.0.1:5432/plnkit", "sqlite:///plnkit.sqlite3"):
        monkeypatch.setenv("PLNKIT_DATABASE_URL", url)
        with pytest.raises(StoreError) as refused:
            Store.open_default()
        assert str(refused.value) == NOT_POSTGRESQL and "s3cret" not in str(refused.value)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("foreign", ["4621fec11365", "f460b0348206"])  # JupyterHub 4's and 6's revisions
def test_a_database_holding_another_programs_alembic_tables_is_refused_and_left_as_it_was(
        postgres: PostgresServer, foreign: str) -> None:
    url = postgres.empty_database()
    database = url.rsplit("/", 1)[1]
    postgres.sql("CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY)", database)
    postgres.sql(f"INSERT INTO alembic_version VALUES ('{foreign}')", database)
    with pytest.raises(StoreError) as refused:
        Store(url)
    assert str(refused.value) == FOREIGN_DATABASE
    import psycopg

    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [(foreign,)]
        assert conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall() == \
            [("alembic_version",)]


def test_the_operators_log_has_the_drivers_words_and_never_the_password(
        postgres: PostgresServer, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_store_pg, "_logged", {})
    url = postgres.database()
    caplog.set_level("WARNING", logger="plnkit")
    with pytest.raises(StoreUnavailableError):
        Store(url.replace(PASSWORD, "wr%25ong-s3cret"))
    with pytest.raises(StoreError, match="not set up for the course"):  # psycopg quotes a badly encoded password
        Store(url.replace(PASSWORD, "pa%ss-s3cret"))
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "password authentication failed" in logged and "invalid percent-encoded token" in logged
    assert "s3cret" not in logged and "***" in logged
    with pytest.raises(StoreUnavailableError):
        Store(url.replace(PASSWORD, "wr%25ong-s3cret"))
    assert "\n".join(r.getMessage() for r in caplog.records) == logged  # the same failure: once a minute


def test_text_with_a_nul_byte_is_refused_clearly_on_postgresql_and_nothing_is_lost(store: Store) -> None:
    ana = store.learner("hub:ana", "ana")
    reflection = store.save_answer(ana, "m1/reflect/what", "pasted\x00text")  # JSON keeps it on both engines
    assert store.latest_answer(ana, "m1/reflect/what") == reflection
    if store.dialect == "postgresql":
        with pytest.raises(StoreError, match="invisible character") as refused:
            store.add_post(ana, "main", "ana", "a\x00b", max_per_minute=10, min_gap=0)
        assert "Reload" not in str(refused.value)
    else:  # SQLite keeps it as typed
        store.add_post(ana, "main", "ana", "a\x00b", max_per_minute=10, min_gap=0)
    assert store.add_post(ana, "main", "ana", "after", max_per_minute=10, min_gap=0) is not None  # still usable
    assert [p.body for p in store.posts("main")][-1] == "after"


# --- a database server that fails -------------------------------------------------------------------------


def test_a_wrong_password_or_a_stopped_server_gives_a_clear_message_without_the_password(
        own_postgres: PostgresServer) -> None:
    url = own_postgres.database()
    with pytest.raises(StoreUnavailableError, match="can't be reached") as wrong:
        Store(url.replace(PASSWORD, "not-the-password"))
    assert "not-the-password" not in str(wrong.value) and PASSWORD not in str(wrong.value)
    closed = f"postgresql://postgres:{PASSWORD}@127.0.0.1:{free_port()}/plnkit"
    with pytest.raises(StoreUnavailableError, match="What you typed is still on this page"):
        Store(closed)


def test_a_reflection_typed_while_the_database_is_down_is_saved_once_it_is_back(
        own_postgres: PostgresServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reflection_module, "RETRY_SECONDS", (0.3, 0.6, 1.0))
    url = own_postgres.database()
    store = Store(url)
    session.use(session.Session(store, store.learner("local")))
    try:
        r = Reflection("why-pln/what")
        r.text.value = "Written before the blip."
        r.save()
        assert r.status.text.startswith("Saved at")
        own_postgres.stop()
        try:
            r.text.value = "Written before the blip. And this while the database was down."
            r.save()
            assert "can't be reached" in r.status.text and "Trying again" in r.status.text
            assert r.text.value.endswith("while the database was down.")  # nothing typed is lost
            time.sleep(1.5)  # retries keep failing while it is down, and keep the text
            assert "can't be reached" in r.status.text and r.text.value.endswith("was down.")
        finally:
            own_postgres.start()
        eventually(lambda: r.status.text.startswith("Saved at"))  # the next retry reaches it: no click needed
        with Store(url) as fresh:
            latest = fresh.latest_answer(fresh.learner("local"), "why-pln/what")
        assert latest is not None and latest.value == "Written before the blip. And this while the database was down."
        r.text.value += " And after."
        r.save()  # the same page keeps saving on its new connection
        assert r.status.text.startswith("Saved at")
    finally:
        session.use(None)
        store.close()


def test_a_server_restart_between_saves_costs_the_learner_nothing(own_postgres: PostgresServer) -> None:
    """A restart while nothing is being saved (a stale connection) is reconnected on the next save, silently."""
    with Store(own_postgres.database()) as store:
        me = store.learner("local")
        store.save_answer(me, "k", "before")
        own_postgres.stop()
        own_postgres.start()
        store.save_answer(me, "k", "after")
        assert [v.value for v in store.answer_history(me, "k")] == ["after", "before"]


def test_a_database_user_who_may_not_make_tables_is_told_to_ask_not_to_reload(postgres: PostgresServer) -> None:
    """PostgreSQL 15+: a database's PUBLIC may not create tables in it; granting the database is not enough."""
    name = postgres.empty_database().rsplit("/", 1)[1]
    postgres.sql("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'teacher_only') THEN "
                 "CREATE ROLE teacher_only LOGIN PASSWORD 'pw'; END IF; END $$")
    postgres.sql(f"GRANT ALL PRIVILEGES ON DATABASE {name} TO teacher_only")
    with pytest.raises(StoreError, match="not set up for the course") as refused:
        Store(f"postgresql://teacher_only:pw@127.0.0.1:{postgres.port}/{name}")
    assert "Reload" not in str(refused.value) and "pw@" not in str(refused.value)
