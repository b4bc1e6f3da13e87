"""The store's network table: each learner's dated network changes, appended and never rewritten.

SQL stays in the store: this mixin is part of :class:`plnkit.services.store.Store`, split out to keep modules short.
The changes themselves are computed by the pure rules in :mod:`plnkit.rules.network`; :meth:`record_changes`
writes one list of them in one transaction.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any

from ..errors import InputError
from ..records import NetworkEvent as NetworkEvent
from ..rules.network import Change
from ._store_file import check_owner

#: Network changes one learner can record (far above what a teacher makes), so no one can fill the disk.
MAX_NETWORK_EVENTS = 20_000
MAX_NODE_KEY = 200


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _node_key(key: object) -> str:
    if not isinstance(key, str) or not key or len(key) > MAX_NODE_KEY:
        raise InputError(f"That node name is not valid (1-{MAX_NODE_KEY} characters of text).")
    return key


class NetworkStoreMixin:
    """Network events (mixed into :class:`plnkit.services.store.Store`)."""

    _write: Any
    _read: Any

    def record_changes(self, learner: Any, changes: Sequence[Change]) -> list[NetworkEvent]:
        """Append ``changes`` (from :mod:`plnkit.rules.network`) as dated events in one transaction: all or none.

        A change without a time is dated now. Returns the events as stored, in the order given. Raises
        :class:`InputError` past :data:`MAX_NETWORK_EVENTS` (then nothing is written).
        """
        now = _now()
        rows = [((c.at or now).astimezone(timezone.utc), c.action, _node_key(c.node_key),
                 json.dumps(c.data, ensure_ascii=False, allow_nan=False)) for c in changes]
        if not rows:
            return []
        events = []
        with self._write() as conn:
            check_owner(conn, learner)
            self._check_event_quota(conn, learner, len(rows))
            for at, action, key, encoded in rows:
                event_id = conn.execute("INSERT INTO network_events (learner_id, at, action, node_key, data) "
                                        "VALUES (?, ?, ?, ?, ?) RETURNING id",
                                        (learner.id, at.isoformat(), action, key, encoded)).fetchone()[0]
                events.append(NetworkEvent(int(event_id), at, action, key, json.loads(encoded)))
        return events

    def record_event(self, learner: Any, action: str, node_key: str, data: dict[str, Any],
                     *, at: datetime | None = None) -> NetworkEvent:
        """Append one dated network event; history is never rewritten."""
        return self.record_changes(learner, [Change(action, node_key, data, at)])[0]

    def record_events(self, learner: Any, events: list[tuple[datetime, str, str, dict[str, Any]]]) -> int:
        """Append many network events (at, action, node_key, data) in one transaction: all or none."""
        return len(self.record_changes(learner, [Change(action, key, data, at) for at, action, key, data in events]))

    @staticmethod
    def _check_event_quota(conn: Any, learner: Any, adding: int) -> None:
        have = conn.execute("SELECT count(*) FROM network_events WHERE learner_id = ?", (learner.id,)).fetchone()[0]
        if have + adding > MAX_NETWORK_EVENTS:
            raise InputError(f"Not saved: your network history is limited to {MAX_NETWORK_EVENTS:,} changes, and "
                             f"this would make {have + adding:,}.")

    def network_events(self, learner: Any) -> list[NetworkEvent]:
        """All of a learner's network events in time order (restored events slot in where they happened)."""
        with self._read() as conn:
            rows = conn.execute(
                "SELECT id, at, action, node_key, data FROM network_events WHERE learner_id = ? ORDER BY at, id",
                (learner.id,),
            ).fetchall()
        return [NetworkEvent(r[0], datetime.fromisoformat(r[1]), r[2], r[3], json.loads(r[4])) for r in rows]
