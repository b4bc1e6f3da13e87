"""The store's schema version. The schema itself is the Alembic revisions in ``migrations/versions/``, one per
version, written once for SQLite and PostgreSQL alike (see :mod:`plnkit.services._migrate`)."""

from __future__ import annotations

#: The newest schema: revision ``f"{SCHEMA_VERSION:04d}"`` is Alembic's head (a test checks they agree). A SQLite
#: file also carries it as ``PRAGMA user_version``, so a kernel can see that a file is current without Alembic.
SCHEMA_VERSION = 8


def revision(version: int) -> str:
    """The Alembic revision id of schema ``version`` (``7`` -> ``"0007"``)."""
    return f"{version:04d}"


def version_of(revision_id: str | None) -> int | None:
    """The schema version of an Alembic revision id (``"0007"`` -> ``7``); ``None`` for none or a foreign id (another
    program's Alembic revision, such as JupyterHub's ``"4621fec11365"``, is not the course's)."""
    if revision_id is None or len(revision_id) != 4 or not revision_id.isdigit():
        return None
    return int(revision_id)
