"""The store's room tables: shared reflections, where each participant is, muting, certificates, and the
facilitator's snapshot of the whole room.

SQL stays in the store: this mixin is part of :class:`plnkit.services.store.Store`, split out to keep modules short.
The snapshot is read in a fixed, small number of queries (:data:`SNAPSHOT_QUERIES`) whatever the room's
size, and it never reads a reflection's text unless its author shared it.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from ..records import Certificate as Certificate
from ..records import Connection as Connection
from ..records import ImportedParticipant as ImportedParticipant
from ..records import Member as Member
from ..records import RoomSnapshot as RoomSnapshot
from ..records import SharedAnswer as SharedAnswer
from ..records import TrackedAnswer as TrackedAnswer
from ._store_file import check_owner
from ._store_social import Fingerprint
from ._store_workshop import IMPORTED_PREFIX, IN_ROOM

if TYPE_CHECKING:
    pass

#: A participant added by the facilitator from a portfolio file (a Binder participant's work): their key is
#: this prefix plus a hash of the file, never a working link (the row is revoked from the start).
#: Certificates one learner may hold (a new name or date makes a new one; the same facts return the latest).
MAX_CERTIFICATES = 20
#: How many queries :meth:`RoomStoreMixin.room_snapshot` makes, whatever the number of participants.
SNAPSHOT_QUERIES = 6


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _when(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _marks(n: int) -> str:
    return ", ".join("?" * n)


class RoomStoreMixin:
    """Sharing, page visits, muting, certificates and the room snapshot (mixed into the Store)."""

    _write: Any
    _read: Any

    # --- what a participant does ------------------------------------------------------------------------

    def set_shared(self, learner: Any, key: str, shared: bool) -> None:
        """Share an answer with the room (its latest text shows on the facilitator's page) or stop sharing."""
        with self._write() as conn:
            check_owner(conn, learner)
            if shared:
                conn.execute("INSERT INTO shared_answers (learner_id, key, shared_at) VALUES (?, ?, ?) "
                             "ON CONFLICT (learner_id, key) DO NOTHING", (learner.id, key, _now().isoformat()))
            else:
                conn.execute("DELETE FROM shared_answers WHERE learner_id = ? AND key = ?", (learner.id, key))

    def is_shared(self, learner: Any, key: str) -> bool:
        """True when the learner shares this answer with the room."""
        with self._read() as conn:
            return conn.execute("SELECT 1 FROM shared_answers WHERE learner_id = ? AND key = ?",
                                (learner.id, key)).fetchone() is not None

    def record_visit(self, learner: Any, page: str) -> None:
        """Note that the learner has just opened course page ``page`` (a slug): where they are, since when."""
        with self._write() as conn:
            check_owner(conn, learner)
            now = _now().isoformat()  # first_opened_at stays as the first visit left it
            conn.execute("INSERT INTO page_visits (learner_id, page, opened_at, first_opened_at) VALUES (?, ?, ?, ?) "
                         "ON CONFLICT (learner_id) DO UPDATE SET page = excluded.page, opened_at = excluded.opened_at",
                         (learner.id, page[:100], now, now))

    # --- the facilitator --------------------------------------------------------------------------------

    def set_muted(self, learner_id: int, muted: bool) -> bool:
        """Stop a participant posting in the backchannel (until unmuted), or let them post again."""
        with self._write() as conn:
            cur = conn.execute(f"UPDATE learners SET muted_at = ? WHERE id = ? AND {IN_ROOM}",
                               (_now().isoformat() if muted else None, learner_id))
        return cur.rowcount > 0

    def learner_name(self, learner_id: int) -> str:
        """The name a learner joined with ("" when erased or unknown)."""
        with self._read() as conn:
            row = conn.execute("SELECT name FROM learners WHERE id = ?", (learner_id,)).fetchone()
        return str(row[0]) if row else ""

    def is_muted(self, learner: Any) -> bool:
        with self._read() as conn:
            row = conn.execute("SELECT muted_at FROM learners WHERE id = ?", (learner.id,)).fetchone()
        return bool(row and row[0])

    def workshop_setting(self, name: str, default: str = "") -> str:
        """A workshop setting (``title``, ``facilitator_name``), or ``default``."""
        with self._read() as conn:
            row = conn.execute("SELECT value FROM workshop_settings WHERE name = ?", (name,)).fetchone()
        return str(row[0]) if row else default

    def set_workshop_setting(self, name: str, value: str) -> None:
        with self._write() as conn:
            conn.execute("INSERT INTO workshop_settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE "
                         "SET value = excluded.value", (name, value))

    def imported_participant(self, digest: str, name: str) -> ImportedParticipant:
        """The participant made from a portfolio file with hash ``digest``; True when newly made.

        Their link never works (the row is revoked): they exist so their work counts in the room's report.
        """
        from .store import Learner

        key = IMPORTED_PREFIX + digest
        with self._write() as conn:
            cur = conn.execute("INSERT INTO learners (key, name, created_at, revoked_at) VALUES (?, ?, ?, ?) "
                               "ON CONFLICT (key) DO NOTHING", (key, name[:200], _now().isoformat(),
                                                                _now().isoformat()))
            row = conn.execute("SELECT id, key, name FROM learners WHERE key = ?", (key,)).fetchone()
        return ImportedParticipant(Learner(*row), cur.rowcount > 0)

    # --- certificates -----------------------------------------------------------------------------------

    def issue_certificate(self, learner: Any, code: str, facts: dict[str, Any]) -> Certificate:
        """Store a certificate under its verification ``code`` (the learner's earlier ones stay valid).

        When the learner's latest certificate states the same ``facts``, that one is returned instead (pressing
        the button again issues nothing new). Raises :class:`InputError` past :data:`MAX_CERTIFICATES`.
        """
        now = _now()
        encoded = json.dumps(facts, ensure_ascii=False, sort_keys=True)
        with self._write() as conn:
            check_owner(conn, learner)
            rows = conn.execute("SELECT code, issued_at, facts FROM certificates WHERE learner_id = ? ORDER BY "
                                "issued_at DESC", (learner.id,)).fetchall()
            if rows and json.dumps(json.loads(rows[0][2]), ensure_ascii=False, sort_keys=True) == encoded:
                return Certificate(rows[0][0], learner.id, datetime.fromisoformat(rows[0][1]), json.loads(rows[0][2]))
            if len(rows) >= MAX_CERTIFICATES:
                raise InputError(f"You already have {MAX_CERTIFICATES} certificates, the most the course issues to "
                                 "one person. Download one you have.")
            conn.execute("INSERT INTO certificates (code, learner_id, issued_at, facts) VALUES (?, ?, ?, ?)",
                         (code, learner.id, now.isoformat(), encoded))
        return Certificate(code, learner.id, now, facts)

    def certificates(self, learner: Any) -> list[Certificate]:
        """The learner's certificates, newest first."""
        with self._read() as conn:
            rows = conn.execute("SELECT code, learner_id, issued_at, facts FROM certificates WHERE learner_id = ? "
                                "ORDER BY issued_at DESC", (learner.id,)).fetchall()
        return [Certificate(r[0], r[1], datetime.fromisoformat(r[2]), json.loads(r[3])) for r in rows]

    def certificate(self, code: str) -> Certificate | None:
        """The certificate issued under ``code`` on this server, or ``None``."""
        with self._read() as conn:
            row = conn.execute("SELECT code, learner_id, issued_at, facts FROM certificates WHERE code = ?",
                               (code,)).fetchone()
        return Certificate(row[0], row[1], datetime.fromisoformat(row[2]), json.loads(row[3])) if row else None

    # --- the room at a glance ---------------------------------------------------------------------------

    def room_version(self) -> Fingerprint:
        """A cheap fingerprint of everything the facilitator's page shows (one query)."""
        with self._read() as conn:
            row = tuple(conn.execute(
                "SELECT (SELECT COALESCE(MAX(id), 0) FROM answers), (SELECT COALESCE(MAX(id), 0) FROM network_events),"
                " (SELECT COUNT(*) || ':' || COALESCE(MAX(shared_at), '') FROM shared_answers),"
                " (SELECT COUNT(*) || ':' || COUNT(revoked_at) || ':' || COUNT(muted_at) || ':' || "
                "  group_concat(name, '|') FROM learners),"
                " (SELECT COALESCE(MAX(opened_at), '') FROM page_visits),"
                " (SELECT COUNT(*) || ':' || COALESCE(MAX(updated_at), '') FROM progress),"
                " (SELECT COALESCE(MAX(id), 0) || ':' || COUNT(deleted_at) FROM backchannel_posts)").fetchone())
        return Fingerprint(json.dumps(row))

    def room_snapshot(self, *, exclude: int | None = None, tracked: tuple[str, ...] = (),
                      prompts: tuple[str, ...] = ()) -> RoomSnapshot:
        """The room at this moment, in :data:`SNAPSHOT_QUERIES` queries.

        The room is every named workshop participant (imported ones included) and every named hub user.

        ``exclude`` is the facilitator's own learner id; ``tracked`` the answer keys whose first and latest
        values are read (ratings, stages, communities; never reflections); ``prompts`` the reflection keys
        to count (their text is read only for shared ones).
        """
        who = (f"SELECT id FROM learners WHERE {IN_ROOM} AND name != '' "
               f"AND id != {int(exclude if exclude is not None else -1)}")
        with self._read() as conn:
            member_rows = conn.execute(
                "SELECT l.id, l.name, COALESCE(v.first_opened_at, l.created_at), l.key, l.muted_at, v.page, "
                "v.opened_at, "
                "(SELECT MAX(saved_at) FROM answers a WHERE a.learner_id = l.id), "
                "(SELECT MAX(at) FROM network_events e WHERE e.learner_id = l.id), "
                "(SELECT MAX(created_at) FROM backchannel_posts p WHERE p.learner_id = l.id) "
                f"FROM learners l LEFT JOIN page_visits v ON v.learner_id = l.id WHERE l.id IN ({who}) "
                "ORDER BY l.id").fetchall()
            progress_rows = conn.execute(f"SELECT learner_id, module, status FROM progress WHERE learner_id IN "
                                         f"({who})").fetchall()
            answer_rows = conn.execute(
                "SELECT g.learner_id, g.key, f.value, a.value, g.n, f.saved_at, a.saved_at FROM "
                "(SELECT learner_id, key, MIN(id) AS first, MAX(id) AS last, COUNT(*) AS n FROM answers "
                f"WHERE key IN ({_marks(len(tracked))}) AND learner_id IN ({who}) GROUP BY learner_id, key) g "
                "JOIN answers a ON a.id = g.last JOIN answers f ON f.id = g.first ORDER BY g.learner_id, g.key",
                tracked).fetchall() if tracked else []
            reflection_rows = conn.execute(
                "SELECT a.key, COUNT(*) FROM answers a JOIN (SELECT MAX(id) AS id FROM answers WHERE key IN "
                f"({_marks(len(prompts))}) AND learner_id IN ({who}) GROUP BY learner_id, key) latest "
                "ON latest.id = a.id WHERE a.value != '\"\"' GROUP BY a.key", prompts).fetchall() if prompts else []
            connection_rows = conn.execute(
                "SELECT e.learner_id, MIN(CASE WHEN e.action = 'add' THEN e.at END), "
                "(SELECT action || ' ' || at FROM network_events x WHERE x.learner_id = e.learner_id AND "
                " x.node_key = e.node_key ORDER BY x.at DESC, x.id DESC LIMIT 1) "
                f"FROM network_events e WHERE e.learner_id IN ({who}) AND substr(e.node_key, 1, 9) != 'presence:' "
                "GROUP BY e.learner_id, e.node_key").fetchall()  # a learner's own accounts are not connections
            shared_rows = conn.execute(
                "SELECT s.learner_id, l.name, s.key, a.value, a.saved_at, s.shared_at FROM shared_answers s "
                "JOIN learners l ON l.id = s.learner_id JOIN answers a ON a.id = (SELECT MAX(id) FROM answers "
                f"WHERE learner_id = s.learner_id AND key = s.key) WHERE s.learner_id IN ({who}) "
                "ORDER BY s.key, s.shared_at").fetchall()
        progress: dict[int, dict[str, str]] = {}
        for learner_id, module, status in progress_rows:
            progress.setdefault(learner_id, {})[module] = status
        members = []
        for r in member_rows:
            saved = [t for t in (r[7], r[8], r[9]) if t]
            members.append(Member(r[0], r[1], datetime.fromisoformat(r[2]), r[3].startswith(IMPORTED_PREFIX),
                                  bool(r[4]), r[5], _when(r[6]), max(map(datetime.fromisoformat, saved), default=None),
                                  progress.get(r[0], {})))
        answers = [TrackedAnswer(r[0], r[1], json.loads(r[2]), json.loads(r[3]), r[4], datetime.fromisoformat(r[5]),
                                 datetime.fromisoformat(r[6])) for r in answer_rows]
        connections = []
        for learner_id, first_add, last in connection_rows:
            if not first_add or not last:
                continue
            action, _, at = last.partition(" ")
            connections.append(Connection(learner_id, datetime.fromisoformat(first_add),
                                          datetime.fromisoformat(at) if action == "remove" else None))
        shared = [SharedAnswer(r[0], r[1], r[2], json.loads(r[3]), datetime.fromisoformat(r[4]),
                               datetime.fromisoformat(r[5])) for r in shared_rows]
        return RoomSnapshot(_now(), members, answers, {k: int(n) for k, n in reflection_rows}, connections,
                            [s for s in shared if isinstance(s.text, str) and s.text.strip()])
