"""Bring a course database to the newest schema with Alembic (SQLAlchemy's migration tool), on either engine.

Imported only when a database is behind (an older release's file, an empty PostgreSQL database; a new SQLite
file is a copy of the empty one this module's ``write_empty_store`` made, see ``_store_file.create_new_store``):
SQLAlchemy costs about 0.2 s and 30 MB, and every open course page is a kernel of its own, so the store's daily
queries run on the driver itself (sqlite3, or psycopg through :mod:`plnkit.services._store_pg`).

Concurrency: several kernels may open a new database at once. All of one upgrade runs in one transaction that
first takes the database's write lock (SQLite ``BEGIN IMMEDIATE``; PostgreSQL ``pg_advisory_xact_lock``), so the
others wait, then find it current. SQLite and PostgreSQL both roll back DDL with the transaction, so a failed
upgrade leaves the database as it was.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ._schema import SCHEMA_VERSION, revision

SCRIPTS = Path(__file__).resolve().parent / "migrations"
#: The key of PostgreSQL's advisory lock that serialises the course store's writers (and its upgrades).
WRITE_LOCK_KEY = 0x706C6E6B  # "plnk"


def upgrade(*, sqlite_path: Path | None = None, postgresql_url: str | None = None, busy_timeout: float = 10.0,
            legacy_version: int = 0) -> None:
    """Upgrade one database (give exactly one of ``sqlite_path``, ``postgresql_url``) to the newest schema.

    ``legacy_version`` is a SQLite file's ``PRAGMA user_version`` (1 to 7) from before it carried Alembic's
    ``alembic_version`` table: it is stamped at that revision first, so only the later steps run.
    Raises SQLAlchemy's or the driver's errors; :class:`plnkit.services.store.Store` turns them into messages.
    """
    import sqlalchemy as sa
    from alembic import command
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext

    config = Config()
    config.set_main_option("script_location", str(SCRIPTS))
    if sqlite_path is not None:
        engine = sa.create_engine(f"sqlite:///{sqlite_path}", poolclass=sa.pool.NullPool,
                                  connect_args={"isolation_level": None, "timeout": busy_timeout})

        @sa.event.listens_for(engine, "begin")
        def begin_immediate(conn: Any) -> None:  # SQLAlchemy's documented recipe for SQLite transactions
            conn.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        assert postgresql_url is not None
        engine = sa.create_engine(sqlalchemy_url(postgresql_url), poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITE_LOCK_KEY})
            config.attributes["connection"] = conn
            current = MigrationContext.configure(conn).get_current_revision()
            if current is None and legacy_version:
                command.stamp(config, revision(legacy_version))
            command.upgrade(config, revision(SCHEMA_VERSION))
            if engine.dialect.name == "sqlite":
                conn.exec_driver_sql(f"PRAGMA user_version = {SCHEMA_VERSION}")
    finally:
        engine.dispose()


def sqlalchemy_url(url: str) -> str:
    """``postgresql://...`` as SQLAlchemy names the psycopg 3 driver (``postgresql+psycopg://...``)."""
    scheme, rest = url.split("://", 1)
    return f"postgresql+psycopg://{rest}" if scheme in ("postgres", "postgresql") else url


def head() -> str:
    """Alembic's head revision in :data:`SCRIPTS` (for the test that it matches ``SCHEMA_VERSION``)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(SCRIPTS))
    found = ScriptDirectory.from_config(config).get_current_head()
    assert found is not None
    return found


def write_empty_store(target: Path) -> None:
    """Make the shipped empty database (``plnkit/data/empty-store.sqlite3``) at ``target``: a new file that
    Alembic upgrades to the newest schema, compacted. Run ``python -m plnkit.services._migrate`` after adding a
    revision."""
    import sqlite3
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "empty.sqlite3"
        sqlite3.connect(path).close()
        upgrade(sqlite_path=path)
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("VACUUM")
        conn.close()
        target.write_bytes(path.read_bytes())


if __name__ == "__main__":
    from ._store_file import EMPTY_STORE

    write_empty_store(EMPTY_STORE)
    print(f"wrote {EMPTY_STORE}")
