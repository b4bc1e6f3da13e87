"""The store's workshop tables: who joined, whose link still works, whether the workshop is open, and erasure.

SQL stays in the store: this mixin is part of :class:`plnkit.services.store.Store`, split out to keep modules short.
A participant is a learner whose key is ``ws:`` plus a hash of their secret token (see :mod:`plnkit.services.session`);
reissuing a link gives the same learner a new key, so the old link stops working and the work stays.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timezone
from typing import Any

from ..records import Learner
from ..records import Participant as Participant

WORKSHOP_PREFIX = "ws:"
#: The key prefix of a participant made from a Binder participant's portfolio file (no link, no pages).
IMPORTED_PREFIX = WORKSHOP_PREFIX + "imported:"
#: A JupyterHub user's key prefix (see :mod:`plnkit.services.session`): everyone on one hub is one room.
HUB_PREFIX = "hub:"
#: SQL true for a learner of the room: a workshop participant (imported ones included) or a hub user.
IN_ROOM = f"(substr(key, 1, 3) = '{WORKSHOP_PREFIX}' OR substr(key, 1, 4) = '{HUB_PREFIX}')"
#: Every table that holds one learner's rows (column ``learner_id``), erased with the learner.
_LEARNER_TABLES = ("answers", "progress", "network_events", "subscriptions", "bookmarks", "backchannel_posts",
                   "shared_answers", "page_visits", "certificates")


class WorkshopStoreMixin:
    """Participants, link revocation, the workshop's open/closed state, and erasure."""

    _write: Any
    _read: Any
    dialect: str

    def active_learner(self, key: str) -> Learner | None:
        """The learner whose link (``key``) still works, or ``None`` (never creates one)."""
        with self._read() as conn:
            row = conn.execute("SELECT id, key, name FROM learners WHERE key = ? AND revoked_at IS NULL",
                               (key,)).fetchone()
        return Learner(*row) if row else None

    def participants(self) -> list[Participant]:
        """Every participant who joined (and was not erased), in joining order. ``arrived`` as the room's rule
        has it (:func:`plnkit.rules.room.arrived`): a course page opened (every save is made on one, which
        records its visit first), an answer, or work from a portfolio file."""
        with self._read() as conn:
            # Joined: their first course page (for someone added ahead of time, when they arrived), else when added.
            rows = conn.execute("SELECT id, name, COALESCE((SELECT first_opened_at FROM page_visits v WHERE "
                                "v.learner_id = learners.id), created_at), EXISTS (SELECT 1 FROM page_visits v WHERE "
                                "v.learner_id = learners.id) OR EXISTS (SELECT 1 FROM answers a WHERE "
                                "a.learner_id = learners.id) OR substr(key, 1, ?) = ? FROM learners "
                                "WHERE substr(key, 1, 3) = ? ORDER BY id",
                                (len(IMPORTED_PREFIX), IMPORTED_PREFIX, WORKSHOP_PREFIX)).fetchall()
        return [Participant(r[0], r[1], datetime.fromisoformat(r[2]), bool(r[3])) for r in rows]

    def reissue(self, learner_id: int, new_key: str) -> bool:
        """Give a participant a new key (link): the old one stops working, their work stays with them."""
        with self._write() as conn:
            cur = conn.execute("UPDATE learners SET key = ?, revoked_at = NULL WHERE id = ? AND substr(key, 1, 3) = ?",
                               (new_key, learner_id, WORKSHOP_PREFIX))
        return cur.rowcount > 0

    def workshop_closed(self) -> bool:
        """True once the facilitator has closed the workshop (every participant link stops working)."""
        with self._read() as conn:
            row = conn.execute("SELECT value FROM workshop_settings WHERE name = 'closed_at'").fetchone()
        return row is not None

    def set_workshop_closed(self, closed: bool) -> None:
        """Close the workshop (participant links stop working; the work stays) or open it again."""
        with self._write() as conn:
            if closed:
                conn.execute("INSERT INTO workshop_settings (name, value) VALUES ('closed_at', ?) "
                             "ON CONFLICT (name) DO NOTHING", (datetime.now(timezone.utc).isoformat(),))
            else:
                conn.execute("DELETE FROM workshop_settings WHERE name = 'closed_at'")

    def erase_learner(self, learner_id: int) -> None:
        """Delete everything a learner stored (answers, network, feeds, bookmarks, posts) and their name.

        The rows are overwritten in the file (``secure_delete``) and the write-ahead log is emptied, so the
        work is gone from the disk, not just hidden. The learner's row stays as a nameless tombstone so its id
        is never given to anyone else (a page still open for the erased learner can't reach a newcomer's
        work), and every later write for it is refused.
        """
        self._erase(f"SELECT id FROM learners WHERE id = {int(learner_id)}")

    def erase_workshop_except(self, keep: int) -> int:
        """Delete every participant but learner ``keep`` (the facilitator) and their work; returns how many."""
        count = len([p for p in self.participants() if p.id != keep])
        self._erase(f"SELECT id FROM learners WHERE substr(key, 1, 3) = '{WORKSHOP_PREFIX}' AND id != {int(keep)}")
        return count

    def _erase(self, who: str) -> None:
        # SQLite overwrites the deleted rows on disk (secure_delete) and empties its write-ahead log afterwards;
        # PostgreSQL's autovacuum reclaims them (an operator wanting them overwritten runs VACUUM FULL).
        sqlite = self.dialect == "sqlite"
        if sqlite:
            with self._read() as conn:
                conn.execute("PRAGMA secure_delete = ON")
        try:
            with self._write() as conn:
                for table in _LEARNER_TABLES:
                    conn.execute(f"DELETE FROM {table} WHERE learner_id IN ({who})")  # noqa: S608 - fixed names
                conn.execute(f"UPDATE backchannel_posts SET deleted_by = NULL WHERE deleted_by IN ({who})")
                conn.execute(f"UPDATE learners SET key = 'erased:' || id || ':' || ?, name = '', "
                             f"muted_at = NULL, revoked_at = ? WHERE id IN ({who})",
                             (secrets.token_hex(8), datetime.now(timezone.utc).isoformat()))
            if sqlite:
                with self._read() as conn:
                    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            if sqlite:
                with self._read() as conn:
                    conn.execute("PRAGMA secure_delete = OFF")
