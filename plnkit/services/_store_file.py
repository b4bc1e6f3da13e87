"""The store's data file: created private, never re-created over an empty or foreign file, opened read-only
when it can't be written, and SQLite's errors turned into one-line messages a learner can act on."""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path
from typing import Any

from ..errors import StoreCorruptError, StoreError, StoreLockedError, StoreReadOnlyError

SQLITE_MAGIC = b"SQLite format 3\x00"
#: An empty course database at the newest schema, made by Alembic (``python -m plnkit.services._migrate``
#: remakes it; ``tests/test_database.py`` checks it matches): a new file is a copy, so no page imports Alembic.
EMPTY_STORE = Path(__file__).resolve().parent.parent / "data" / "empty-store.sqlite3"


def read_only_error(path: Path) -> StoreReadOnlyError:
    return StoreReadOnlyError(
        f"Your work can't be saved because {path.parent} can't be written to (what you saved before is still "
        "shown). Set PLNKIT_HOME to a folder you can write to, or ask your facilitator."
    )


def corrupt_error(path: Path, what: str) -> StoreCorruptError:
    return StoreCorruptError(
        f"Your course data file ({path}) {what}, so the course did not touch it and nothing was saved. "
        "Move it aside (or restore it from a backup) or set PLNKIT_HOME to another folder, then reload the page."
    )


def classify(exc: sqlite3.Error, path: Path) -> StoreError:
    """Turn an sqlite3 error into the one-line message a learner can act on."""
    text = str(exc).lower()
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return corrupt_error(path, "is damaged or is not a course database")
    if "readonly" in text or "read-only" in text or "unable to open" in text or "permission" in text:
        return read_only_error(path)
    if "foreign key" in text:  # the learner's row is gone: their work was erased while this page was open
        return StoreError("Your work on this server has been erased (by you or by the facilitator), so nothing "
                          "more is saved from this page.")
    if "locked" in text or "busy" in text:
        return StoreLockedError(
            "Not saved: the course database is busy with another page. Wait a moment and save again."
        )
    return StoreError(f"Your course data could not be used ({exc}). Reload the page; if it persists, "
                      "ask your facilitator.")


def make_folder(path: Path) -> None:
    """Create the data folder (0700) if it is missing; an existing folder is left as it is."""
    folder = path.parent
    if folder.is_dir():
        return
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)  # learners' work: readable by its owner only
        folder.chmod(0o700)
    except OSError as exc:
        raise StoreReadOnlyError(
            f"Your work can't be saved because the folder {folder} can't be created. "
            "Set PLNKIT_HOME to a folder you can write to."
        ) from exc


def check_existing_file(path: Path) -> None:
    """Refuse, without touching it, a file that exists but is empty or not a database (never re-create it).

    A missing file is created at the newest schema (:func:`create_new_store`), readable by its owner only.
    """
    try:
        with open(path, "rb") as fh:
            head = fh.read(len(SQLITE_MAGIC))
    except FileNotFoundError:
        create_new_store(path)
        return
    except OSError as exc:
        raise read_only_error(path) from exc
    if not head:
        raise corrupt_error(path, "is empty (0 bytes: perhaps a failed copy or a full disk)")
    if head != SQLITE_MAGIC:
        raise corrupt_error(path, "is damaged or is not a course database")


def create_new_store(path: Path) -> None:
    """Create the database as a copy of :data:`EMPTY_STORE`, readable by its owner only, in one step: the copy
    is written beside it and linked into place, so another kernel never sees a half-made file, and when two
    create it at once the first one's stays. Where that can't be done (no copy shipped, no hard links), an empty
    file is made instead and Alembic creates the schema on connecting.
    """
    try:
        data = EMPTY_STORE.read_bytes()
    except OSError:
        create_private_file(path)
        return
    spare = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.new")
    try:
        fd = os.open(spare, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(spare, path)
        except FileExistsError:
            pass  # another kernel made it first: use theirs
        except OSError:
            create_private_file(path)  # a filesystem without hard links
    except OSError:
        pass  # a read-only folder: connecting says so in the learner's words
    finally:
        try:
            os.unlink(spare)
        except OSError:
            pass


def create_private_file(path: Path) -> None:
    """Create the database file readable by its owner only (SQLite gives its -wal and -shm the same mode)."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass  # another kernel created it first
    except OSError:
        pass  # a read-only folder: connecting says so in the learner's words


def connect(path: Path, busy_timeout: float, uri_mode: str = "") -> sqlite3.Connection:
    """A connection to ``path`` (``uri_mode`` such as ``mode=ro`` opens it through a URI)."""
    target: str | Path = f"{path.resolve().as_uri()}?{uri_mode}" if uri_mode else path
    return sqlite3.connect(target, timeout=busy_timeout, isolation_level=None, check_same_thread=False,
                           uri=bool(uri_mode))


def open_read_only(path: Path, busy_timeout: float, schema_version: int) -> sqlite3.Connection:
    """Open a database that can't be written, so the learner's work still shows (the store refuses writes).

    Raises :class:`StoreReadOnlyError` when even that fails, or the file has an older schema (which can't be
    migrated in place).
    """
    last: sqlite3.Error | None = None
    for mode in ("mode=ro", "immutable=1"):
        try:
            conn = connect(path, busy_timeout, mode)
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            conn.execute("SELECT count(*) FROM learners").fetchone()
        except sqlite3.Error as exc:
            last = exc
            continue
        if version != schema_version:
            conn.close()
            raise read_only_error(path)
        return conn
    raise read_only_error(path) from last


def check_owner(conn: sqlite3.Connection, learner: Any) -> None:
    """Refuse a write for a learner whose work was erased (their row is now a tombstone) or who is unknown."""
    row = conn.execute("SELECT key FROM learners WHERE id = ?", (learner.id,)).fetchone()
    if row is None or row[0] != learner.key:
        raise StoreError("Your work on this server has been erased (by you or by the facilitator), so nothing "
                         "more is saved from this page.")
