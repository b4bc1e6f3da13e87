"""The store on PostgreSQL (``PLNKIT_DATABASE_URL=postgresql://...``), through psycopg 3.

The store's SQL is written once, in the subset SQLite and PostgreSQL share, with SQLite's ``?`` placeholders;
:class:`PgConnection` passes it to psycopg with ``%s`` ones, and maps the one function the two name differently
(``group_concat`` is PostgreSQL's ``string_agg``). Writers are serialised as SQLite serialises them (one write
transaction at a time, see :meth:`PgConnection.begin_write`), so the store's rules hold on both engines
unchanged.

Failures of the server (down, a wrong password, a dropped connection) become :class:`StoreUnavailableError`
with a message for the learner; the operator's log gets the driver's own words.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
import time
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

from ..errors import StoreError, StoreLockedError, StoreUnavailableError
from ._migrate import WRITE_LOCK_KEY

URL_SCHEMES = ("postgresql", "postgres")
#: Seconds to wait for the server to answer a connection attempt (a stopped server fails at once).
CONNECT_TIMEOUT = 5

UNAVAILABLE = ("The course database can't be reached just now. What you typed is still on this page: a "
               "reflection saves itself once the database is back, and anything else can be sent again in a "
               "moment. If this lasts, tell your facilitator.")
MISCONFIGURED = ("The course database is not set up for the course (its server refused what the course asked), so "
                 "nothing can be saved yet. What you typed is still on this page. Tell your facilitator: the "
                 "server's log says what to change.")
NUL_TEXT = ("Not saved: the text has an invisible character in it (a NUL byte, sometimes pasted from another "
            "program) that the course database can't keep. What you typed is still here: remove that character "
            "(retype the part you pasted) and try again.")
#: The same failure is written to the operator's log at most once in this many seconds (a page retries often).
LOG_EVERY = 60.0
ERASED = ("Your work on this server has been erased (by you or by the facilitator), so nothing more is saved "
          "from this page.")


def is_url(target: str) -> bool:
    """Whether ``target`` names a PostgreSQL database (``postgresql://`` or ``postgres://``) rather than a file."""
    return target.split("://", 1)[0].lower() in URL_SCHEMES and "://" in target


def redact(url: str) -> str:
    """``url`` without its password, for messages and logs (``postgresql://ana:***@db/plnkit``)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = f"{parts.username or ''}:***@{parts.netloc.rpartition('@')[2]}"  # host:port as written, even if odd
    return urlunsplit(parts._replace(netloc=netloc))


def scrub(text: str, url: str) -> str:
    """``text`` (a driver's message) with the password of ``url`` replaced by ``***``, as written and decoded."""
    try:
        password = urlsplit(url).password
    except ValueError:
        password = None
    for secret in {password, unquote(password or "")} - {None, ""}:
        assert secret is not None
        text = text.replace(secret, "***")
    return text


_logged: dict[str, float] = {}
_logged_lock = threading.Lock()


def report(exc: BaseException, url: str) -> None:
    """Write the driver's own words about a failure to the operator's log (password hidden; the same failure at
    most once a minute). The learner's page gets :func:`classify`'s sentence instead."""
    line = f"PostgreSQL ({redact(url)}): {type(exc).__name__}: {scrub(str(exc).strip(), url)}"
    now = time.monotonic()
    with _logged_lock:
        if now - _logged.get(line, -LOG_EVERY) < LOG_EVERY:
            return
        _logged[line] = now
    logging.getLogger(__name__).warning("%s", line)


@functools.lru_cache(maxsize=512)
def _translate(sql: str) -> str:
    sql = sql.replace("%", "%%").replace("?", "%s")
    return re.sub(r"\bgroup_concat\(", "string_agg(", sql)


class PgConnection:
    """A psycopg connection in autocommit mode that runs the store's SQL (``?`` placeholders) and its explicit
    ``BEGIN``/``COMMIT``/``ROLLBACK``, like the store's sqlite3 connection does.

    Raises :class:`StoreUnavailableError` when the server can't be reached or refuses the login.
    """

    dialect = "postgresql"

    def __init__(self, url: str, busy_timeout: float) -> None:
        import psycopg

        self._psycopg = psycopg
        try:
            self._conn = psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT,
                                         application_name="plnkit")
            # A writer waits for the write lock at most busy_timeout seconds, like SQLite's busy timeout.
            self._conn.execute(f"SET lock_timeout = {int(busy_timeout * 1000)}")
        except psycopg.Error as exc:
            raise classify(exc, url) from exc

    def execute(self, sql: str, params: Any = ()) -> Any:
        return self._conn.execute(_translate(sql), params or None)

    def executemany(self, sql: str, rows: Any) -> Any:
        cur = self._conn.cursor()
        cur.executemany(_translate(sql), rows)
        return cur

    def begin_write(self) -> None:
        """Start a write transaction holding the store's write lock (waits for other writers, then proceeds)."""
        self._conn.execute("BEGIN")
        self._conn.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK_KEY,))

    @property
    def in_transaction(self) -> bool:
        return bool(self._conn.info.transaction_status != self._psycopg.pq.TransactionStatus.IDLE)

    @property
    def broken(self) -> bool:
        """True once the connection is lost (the next use reconnects)."""
        return bool(self._conn.broken or self._conn.closed)

    def close(self) -> None:
        self._conn.close()


def errors() -> tuple[type[BaseException], ...]:
    """The driver's error classes (psycopg is imported only for a PostgreSQL store)."""
    import psycopg

    return (psycopg.Error,)


def classify(exc: BaseException, url: str | None = None) -> StoreError:
    """Turn a psycopg error into the one-line message a learner can act on (and, given the database's ``url``,
    write the driver's own words to the operator's log, password hidden)."""
    import psycopg
    from psycopg import errors as pgerrors

    if url is not None:
        report(exc, url)
    if isinstance(exc, psycopg.DataError) and "NUL" in str(exc):
        return StoreError(NUL_TEXT)
    if isinstance(exc, pgerrors.ForeignKeyViolation):
        return StoreError(ERASED)
    if isinstance(exc, (pgerrors.LockNotAvailable, pgerrors.DeadlockDetected, pgerrors.SerializationFailure)):
        return StoreLockedError("Not saved: the course database is busy with another page. Wait a moment and "
                                "save again.")
    if isinstance(exc, (psycopg.OperationalError, psycopg.InterfaceError)):
        return StoreUnavailableError(UNAVAILABLE)
    if isinstance(exc, pgerrors.InsufficientPrivilege) or (  # no right to make tables; or a malformed URL
            isinstance(exc, psycopg.ProgrammingError) and getattr(exc, "sqlstate", None) is None):
        return StoreError(MISCONFIGURED)
    return StoreError(f"Your course data could not be used ({type(exc).__name__}). Reload the page; if it "
                      "persists, ask your facilitator.")
