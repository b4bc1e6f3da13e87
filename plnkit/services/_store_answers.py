"""The store's answers and progress: every saved version of every answer, and each module's status.

SQL stays in the store: this mixin is part of :class:`plnkit.services.store.Store`, split out to keep modules short.
Answers are an append-only history (``save_answer`` always inserts a version); progress is one row per module.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from ..errors import InputError
from ..records import AnswerVersion, LatestAnswers, Learner, Progress
from ._store_file import check_owner

MAX_KEY_LENGTH = 200
MAX_VALUE_CHARS = 1_000_000
#: Per-learner quotas, far above what a teacher reaches, so one participant cannot fill a shared server's disk.
MAX_VERSIONS_PER_ANSWER = 2_000  # past this the oldest versions of that answer are dropped; the newest stay
MAX_ANSWER_KEYS = 200
#: ``LIMIT`` for "no limit", in the SQL both engines accept.
ALL_ROWS = 2**62


def _now() -> datetime:
    return datetime.now(timezone.utc)


class AnswersStoreMixin:
    """Answers (append-only versions) and module progress."""

    _write: Any
    _read: Any

    # --- answers ----------------------------------------------------------------------------------------

    def save_answer(self, learner: Learner, key: str, value: Any, *, saved_at: datetime | None = None) -> AnswerVersion:
        """Append a new version of an answer; returns it once it is committed to disk.

        ``saved_at`` keeps the original time when a learner restores work exported elsewhere.
        """
        key = check_key(key, "answer")
        try:
            encoded = json.dumps(value, ensure_ascii=False, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise InputError("That answer can't be saved: it is not plain text, numbers or lists.") from exc
        if len(encoded) > MAX_VALUE_CHARS:
            raise InputError(f"That answer is too long to save (over {MAX_VALUE_CHARS:,} characters).")
        saved_at = saved_at or _now()
        with self._write() as conn:
            check_owner(conn, learner)
            versions = conn.execute("SELECT count(*) FROM answers WHERE learner_id = ? AND key = ?",
                                    (learner.id, key)).fetchone()[0]
            if not versions and conn.execute("SELECT count(DISTINCT key) FROM answers WHERE learner_id = ?",
                                             (learner.id,)).fetchone()[0] >= MAX_ANSWER_KEYS:
                raise InputError(f"Not saved: you already have {MAX_ANSWER_KEYS} different answers, the most the "
                                 "course keeps for one person.")
            answer_id = conn.execute(
                "INSERT INTO answers (learner_id, key, value, saved_at) VALUES (?, ?, ?, ?) RETURNING id",
                (learner.id, key, encoded, saved_at.isoformat()),
            ).fetchone()[0]
            if versions >= MAX_VERSIONS_PER_ANSWER:  # keep the newest versions; the oldest go
                conn.execute("DELETE FROM answers WHERE id IN (SELECT id FROM answers WHERE learner_id = ? AND key = ? "
                             "ORDER BY id LIMIT ?)", (learner.id, key, versions + 1 - MAX_VERSIONS_PER_ANSWER))
        return AnswerVersion(answer_id, key, json.loads(encoded), saved_at)

    def latest_answer(self, learner: Learner, key: str) -> AnswerVersion | None:
        """The most recent version of an answer, or ``None`` when it was never saved."""
        with self._read() as conn:
            row = conn.execute(
                "SELECT id, key, value, saved_at FROM answers WHERE learner_id = ? AND key = ? "
                "ORDER BY id DESC LIMIT 1",
                (learner.id, key),
            ).fetchone()
        return _answer(row) if row else None

    def answer_history(self, learner: Learner, key: str, *, limit: int | None = None) -> list[AnswerVersion]:
        """Every saved version of an answer, newest first."""
        with self._read() as conn:
            rows = conn.execute(
                "SELECT id, key, value, saved_at FROM answers WHERE learner_id = ? AND key = ? "
                "ORDER BY id DESC LIMIT ?",
                (learner.id, key, ALL_ROWS if limit is None else limit),
            ).fetchall()
        return [_answer(row) for row in rows]

    def latest_answers(self, learner: Learner, prefix: str = "") -> LatestAnswers:
        """The latest version of every answer whose key starts with ``prefix``."""
        with self._read() as conn:
            rows = conn.execute(
                "SELECT a.id, a.key, a.value, a.saved_at FROM answers a "
                "JOIN (SELECT MAX(id) AS id FROM answers WHERE learner_id = ? AND substr(key, 1, ?) = ? "
                "GROUP BY key) latest ON latest.id = a.id ORDER BY a.key",
                (learner.id, len(prefix), prefix),
            ).fetchall()
        return LatestAnswers({row[1]: _answer(row) for row in rows})

    # --- progress ---------------------------------------------------------------------------------------

    def set_progress(self, learner: Learner, module: str, status: str) -> None:
        """Record a module's status (``"started"`` or ``"done"``); ``done`` is never downgraded."""
        if status not in ("started", "done"):
            raise ValueError(f"unknown progress status {status!r}")
        with self._write() as conn:
            check_owner(conn, learner)
            conn.execute(
                "INSERT INTO progress (learner_id, module, status, updated_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (learner_id, module) DO UPDATE SET status = excluded.status, "
                "updated_at = excluded.updated_at WHERE progress.status != 'done'",
                (learner.id, check_key(module, "module"), status, _now().isoformat()),
            )

    def progress(self, learner: Learner) -> Progress:
        """Each module's status for this learner (modules never opened are absent)."""
        with self._read() as conn:
            rows = conn.execute(
                "SELECT module, status FROM progress WHERE learner_id = ?", (learner.id,)
            ).fetchall()
        return Progress(dict(rows))


def check_key(key: object, what: str) -> str:
    if not isinstance(key, str) or not key or len(key) > MAX_KEY_LENGTH:
        raise InputError(f"That {what} name is not valid (1-{MAX_KEY_LENGTH} characters of text).")
    return key


def _answer(row: tuple[Any, ...]) -> AnswerVersion:
    return AnswerVersion(row[0], row[1], json.loads(row[2]), datetime.fromisoformat(row[3]))
