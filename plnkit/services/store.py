"""The learner store: one database that keeps every learner's work, on SQLite or PostgreSQL.

SQLite (a file under ``PLNKIT_HOME``) is the default, for a laptop, Binder or one server for a room;
``PLNKIT_DATABASE_URL=postgresql://...`` selects PostgreSQL, which every user of a JupyterHub shares.

Answers are an append-only history: :meth:`Store.save_answer` always inserts a new version, the latest version
is what the learner sees, and :meth:`Store.answer_history` lists them all. Several kernels (one per open page)
write at the same time without losing a write: every write is its own short transaction that takes the
database's write lock first (SQLite in WAL mode with a busy timeout and ``BEGIN IMMEDIATE``; PostgreSQL an
advisory lock, see :mod:`plnkit.services._store_pg`), committed before the call returns.

The schema is Alembic's (``migrations/``) and upgrades itself when an older database is opened
(:mod:`plnkit.services._migrate`). The SQL is one copy for both engines and lives in this module and its
``_store_*`` mixins; the rest of the package never sees a cursor.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..errors import StoreError, StoreReadOnlyError
from ..records import AnswerVersion as AnswerVersion
from ..records import Learner as Learner
from . import _store_pg as _pg
from ._schema import SCHEMA_VERSION, version_of
from ._store_answers import ALL_ROWS as ALL_ROWS
from ._store_answers import MAX_KEY_LENGTH as MAX_KEY_LENGTH
from ._store_answers import AnswersStoreMixin, check_key
from ._store_feeds import FeedStoreMixin
from ._store_file import (
    check_existing_file,
    classify,
    connect,
    corrupt_error,
    make_folder,
    open_read_only,
    read_only_error,
)
from ._store_network import MAX_NETWORK_EVENTS as MAX_NETWORK_EVENTS
from ._store_network import NetworkEvent as NetworkEvent
from ._store_network import NetworkStoreMixin
from ._store_room import RoomStoreMixin
from ._store_social import SocialStoreMixin
from ._store_workshop import WorkshopStoreMixin

DB_NAME = "plnkit.sqlite3"
#: Names a PostgreSQL database to use instead of the SQLite file (``postgresql://user:password@host:5432/db``).
DATABASE_URL_ENV = "PLNKIT_DATABASE_URL"
NOT_POSTGRESQL = (f"The course database can't be opened: {DATABASE_URL_ENV} must be a PostgreSQL address "
                  "(postgresql://user:password@host:5432/dbname). Ask whoever runs this server to correct it.")
FOREIGN_DATABASE = ("The course database can't be used: it holds another program's tables (its alembic_version is "
                    "not the course's). Ask whoever runs this server to give the course a database of its own.")


def default_home() -> Path:
    """The data folder: ``$PLNKIT_HOME`` when set, otherwise ``~/.plnkit``."""
    env = os.environ.get("PLNKIT_HOME", "").strip()
    return Path(env).expanduser() if env else Path.home() / ".plnkit"


def _now() -> datetime:
    return datetime.now(timezone.utc)


class Store(AnswersStoreMixin, FeedStoreMixin, SocialStoreMixin, WorkshopStoreMixin, RoomStoreMixin, NetworkStoreMixin):
    """A connection to one course database file.

    Safe to share between the threads of one kernel (autosave timers, background refresh); every method
    is a complete transaction. Everything it returns is a frozen record (:class:`Learner`,
    :class:`AnswerVersion`, :class:`NetworkEvent`, ...) or a list or mapping of them.
    """

    def __init__(self, target: str | os.PathLike[str], *, busy_timeout: float = 10.0) -> None:
        """Open the database ``target``: a SQLite file's path, or a ``postgresql://user:password@host/db`` URL.

        A missing file (or an empty PostgreSQL database) is created at the newest schema; an older one is
        migrated. Raises a :class:`StoreError` subclass with a message for the learner.
        """
        self.url: str | None = None
        self.path: Path | None = None
        self._lock = threading.RLock()
        self._depth = 0  # nesting of write transactions (see :meth:`transaction`)
        self._busy_timeout = busy_timeout
        #: True when the file can only be read (a read-only folder or file): work shows, saves say why not.
        self.read_only = False
        text = os.fspath(target)
        self._conn: Any
        if "://" in text and not _pg.is_url(text):  # never a file: an address the operator mistyped
            raise StoreError(NOT_POSTGRESQL)
        if _pg.is_url(text):
            #: ``"sqlite"`` or ``"postgresql"``.
            self.dialect = "postgresql"
            #: The PostgreSQL URL (``None`` for a file).
            self.url = text
            #: The SQLite file (``None`` on PostgreSQL).
            self.path = None
            #: The folder for this store's side files (the facilitator's token): the file's folder, or
            #: ``PLNKIT_HOME`` on PostgreSQL.
            self.home = default_home()
            self._errors = _pg.errors()
            self._conn = _pg.PgConnection(text, busy_timeout)
            try:
                self._prepare_postgresql(text)
            except BaseException:
                self._conn.close()
                raise
            return
        self.dialect = "sqlite"
        path = self.path = Path(text)
        self.home = path.parent
        self._errors = (sqlite3.Error,)
        make_folder(path)
        check_existing_file(path)
        try:
            self._conn = connect(path, busy_timeout)
        except sqlite3.Error as exc:
            raise classify(exc, path) from exc
        try:
            self._prepare()
        except StoreReadOnlyError:
            self._conn.close()
            if not path.is_file() or self.read_only:
                raise
            self._conn, self.read_only = open_read_only(path, busy_timeout, SCHEMA_VERSION), True
        except StoreError:
            self._conn.close()
            raise
        except sqlite3.Error as exc:
            self._conn.close()
            error = classify(exc, path)
            if not isinstance(error, StoreReadOnlyError) or not path.is_file():
                raise error from exc
            self._conn, self.read_only = open_read_only(path, busy_timeout, SCHEMA_VERSION), True

    @classmethod
    def open_default(cls) -> Store:
        """Open (creating when needed) the course database: ``$PLNKIT_DATABASE_URL`` when it is set (PostgreSQL,
        shared by every user of a JupyterHub), otherwise the SQLite file under :func:`default_home`."""
        url = os.environ.get(DATABASE_URL_ENV, "").strip()
        return cls(url if url else default_home() / DB_NAME)

    def __repr__(self) -> str:
        where = _pg.redact(self.url) if self.url else str(self.path)
        return f"<Store {where}>"

    # --- plumbing ---------------------------------------------------------------------------------------

    def _classify(self, exc: BaseException) -> StoreError:
        if self.dialect == "postgresql":
            assert self.url is not None
            return _pg.classify(getattr(exc, "orig", None) or exc, self.url)
        assert self.path is not None and isinstance(exc, sqlite3.Error)
        return classify(exc, self.path)

    def _newer_schema(self) -> StoreError:
        where = f"Your course data file ({self.path})" if self.path else "The course database"
        return StoreError(f"{where} was written by a newer version of the course. Update plnkit "
                          "(pip install -U plnkit) and reload the page.")

    def _prepare(self) -> None:
        conn = self._conn
        assert self.path is not None
        # Reading the header first: a file that is not a database fails here, before anything is written.
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version == 0 and conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
            raise corrupt_error(self.path, "is a database of another program, not the course's")
        if version > SCHEMA_VERSION:
            raise self._newer_schema()
        if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
            conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA synchronous=NORMAL")  # with WAL: durable across a process kill
        if version < SCHEMA_VERSION or not conn.execute(
                "SELECT count(*) FROM sqlite_master WHERE name = 'alembic_version'").fetchone()[0]:
            self._upgrade(sqlite_path=self.path, legacy_version=version)  # a file from before Alembic is stamped

    def _prepare_postgresql(self, url: str) -> None:
        revision_id = self._postgresql_revision()
        version = version_of(revision_id)
        if revision_id is not None and version is None:
            raise StoreError(FOREIGN_DATABASE)
        if version is not None and version > SCHEMA_VERSION:
            raise self._newer_schema()
        if version is None or version < SCHEMA_VERSION:
            self._upgrade(postgresql_url=url)

    def _postgresql_version(self) -> int | None:
        return version_of(self._postgresql_revision())

    def _postgresql_revision(self) -> str | None:
        """The Alembic revision in the database's ``alembic_version`` (``None``: no such table, or no row)."""
        with self._read() as conn:
            if conn.execute("SELECT to_regclass('alembic_version')").fetchone()[0] is None:
                return None
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        return str(row[0]) if row else None

    def _upgrade(self, **where: Any) -> None:
        """Migrate with Alembic (see :mod:`plnkit.services._migrate`); errors become the store's messages."""
        from ._migrate import upgrade

        try:
            upgrade(busy_timeout=self._busy_timeout, **where)
        except StoreError:
            raise
        except Exception as exc:
            orig = getattr(exc, "orig", None) or exc
            if isinstance(orig, self._errors):
                raise self._classify(orig) from exc
            raise

    @contextmanager
    def transaction(self) -> Iterator[Store]:
        """Group several writes into one transaction: all of them are committed, or none (on any error).

        Inside it, every write method of this store joins the outer transaction.
        """
        with self._write():
            yield self

    @contextmanager
    def _write(self) -> Iterator[Any]:
        """One write transaction holding the database's write lock up front (SQLite ``BEGIN IMMEDIATE``, a
        PostgreSQL advisory lock), so concurrent writers queue, not fail."""
        with self._lock:
            if self.read_only:
                assert self.path is not None
                raise read_only_error(self.path)
            if self._depth:  # inside transaction(): the outer one commits or rolls back
                self._depth += 1
                try:
                    yield self._conn
                finally:
                    self._depth -= 1
                return
            self._depth = 1
            try:
                self._begin()
                try:
                    yield self._conn
                except BaseException:
                    self._conn.execute("ROLLBACK")
                    raise
                self._conn.execute("COMMIT")
            except self._errors as exc:
                self._abandon()
                raise self._classify(exc) from exc
            finally:
                self._depth = 0

    def _begin(self) -> None:
        if self.dialect == "sqlite":
            self._conn.execute("BEGIN IMMEDIATE")
            return
        if self._conn.broken:
            self._reconnect()
        try:
            self._conn.begin_write()
        except self._errors:
            if not self._conn.broken:
                raise
            self._reconnect()  # the server restarted since the last use: nothing was sent, so begin again
            self._conn.begin_write()

    def _reconnect(self) -> None:
        assert self.url is not None
        old, self._conn = self._conn, None
        try:
            old.close()
        except Exception:  # noqa: BLE001 - a lost connection may fail to close; it is gone either way
            pass
        try:
            self._conn = _pg.PgConnection(self.url, self._busy_timeout)
        except StoreError:
            self._conn = old  # still broken: the next use tries again
            raise

    def _abandon(self) -> None:
        """After a failed write: roll back what is left of it, unless the connection itself is gone."""
        try:
            if not getattr(self._conn, "broken", False) and self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
        except self._errors:
            pass

    @contextmanager
    def _read(self) -> Iterator[Any]:
        with self._lock:
            if self.dialect == "postgresql" and self._conn.broken:
                self._reconnect()
            try:
                yield self._conn
            except self._errors as exc:
                raise self._classify(exc) from exc

    def close(self) -> None:
        """Close the connection; further calls fail."""
        with self._lock:
            self._conn.close()

    def close_if_idle(self) -> bool:
        """Close the connection unless another thread is using it right now (then leave it: the process is about
        to end, and must not wait). True when closed."""
        if not self._lock.acquire(blocking=False):
            return False
        try:
            self._conn.close()
            return True
        finally:
            self._lock.release()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        """The schema version of the open database (Alembic's revision ``"0007"`` is version 7)."""
        if self.dialect == "postgresql":
            return self._postgresql_version() or 0
        with self._read() as conn:
            return int(conn.execute("PRAGMA user_version").fetchone()[0])

    # --- learners ---------------------------------------------------------------------------------------

    def learner(self, key: str, name: str = "") -> Learner:
        """The learner stored under ``key``, created on first use with ``name`` (which also names a stored learner
        who has none yet, such as a hub user first seen before hub users were named)."""
        key = check_key(key, "learner")
        with self._read() as conn:  # most page loads find the learner: no write lock needed
            row = conn.execute("SELECT id, key, name FROM learners WHERE key = ?", (key,)).fetchone()
        if row is not None and (row[2] or not name):
            return Learner(*row)
        if row is not None:
            with self._write() as conn:
                conn.execute("UPDATE learners SET name = ? WHERE id = ? AND name = ''", (name[:200], row[0]))
            return Learner(row[0], row[1], name[:200])
        with self._write() as conn:
            conn.execute(
                "INSERT INTO learners (key, name, created_at) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING",
                (key, name[:200], _now().isoformat()),
            )
            row = conn.execute("SELECT id, key, name FROM learners WHERE key = ?", (key,)).fetchone()
        return Learner(*row)
