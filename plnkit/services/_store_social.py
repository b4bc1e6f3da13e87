"""The store's social tables: each learner's bookmarks, and the backchannel shared by a whole server.

SQL stays in the store: this mixin is part of :class:`plnkit.services.store.Store`, split out to keep modules short.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

from ..errors import InputError
from ..records import Fingerprint as Fingerprint
from ..records import Post as Post
from ..records import RecordedPost as RecordedPost
from ..records import StoredBookmark as StoredBookmark
from ._store_file import check_owner

#: A learner's bookmarks are capped far above what a teacher keeps, so no one can fill a shared server's disk.
MAX_BOOKMARKS = 10_000

def _now() -> datetime:
    return datetime.now(timezone.utc)


_BOOKMARK_COLUMNS = "id, url, title, tags, note, folder, private, added_at"
_POST_COLUMNS = "id, room, learner_id, author, body, created_at, deleted_at, deleted_by"


def _bookmark(row: tuple[Any, ...]) -> StoredBookmark:
    return StoredBookmark(row[0], row[1], row[2], tuple(json.loads(row[3])), row[4], row[5], bool(row[6]),
                          datetime.fromisoformat(row[7]))


def _post(row: tuple[Any, ...]) -> Post:
    return Post(row[0], row[1], row[2], row[3], row[4], datetime.fromisoformat(row[5]),
                datetime.fromisoformat(row[6]) if row[6] else None, row[7])


class SocialStoreMixin:
    """Bookmarks and backchannel (mixed into :class:`plnkit.services.store.Store`)."""

    _write: Any
    _read: Any

    # --- bookmarks --------------------------------------------------------------------------------------

    def add_bookmarks(self, learner: Any, items: list[dict[str, Any]]) -> int:
        """Add bookmarks (url, title, tags, note, folder, private, added_at) in one transaction: all or none.

        A URL already among the learner's bookmarks (or twice in ``items``) is skipped; returns how many were
        added. Raises :class:`InputError` when the learner would pass :data:`MAX_BOOKMARKS`.
        """
        with self._write() as conn:
            check_owner(conn, learner)
            have = {r[0] for r in conn.execute("SELECT url FROM bookmarks WHERE learner_id = ? AND removed_at IS "
                                               "NULL", (learner.id,))}
            rows = []
            for b in items:
                if b["url"] in have:
                    continue
                have.add(b["url"])
                rows.append((learner.id, b["url"], b.get("title", ""),
                             json.dumps(list(b.get("tags", ())), ensure_ascii=False), b.get("note", ""),
                             b.get("folder", ""), 1 if b.get("private", True) else 0,
                             (b.get("added_at") or _now()).isoformat()))
            if len(have) > MAX_BOOKMARKS:
                raise InputError(f"Nothing was added: you can keep up to {MAX_BOOKMARKS:,} bookmarks, and this "
                                 f"would make {len(have):,}.")
            conn.executemany("INSERT INTO bookmarks (learner_id, url, title, tags, note, folder, private, added_at) "
                             "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
        return len(rows)

    def bookmarks(self, learner: Any) -> list[StoredBookmark]:
        """A learner's bookmarks (never anyone else's), newest first."""
        with self._read() as conn:
            rows = conn.execute(f"SELECT {_BOOKMARK_COLUMNS} FROM bookmarks WHERE learner_id = ? AND removed_at IS "
                                "NULL ORDER BY added_at DESC, id DESC", (learner.id,)).fetchall()
        return [_bookmark(r) for r in rows]

    def update_bookmark(self, learner: Any, bookmark_id: int, item: Any) -> StoredBookmark | None:
        """Change one of the learner's bookmarks to ``item`` (url, title, tags, note, private; a checked
        :class:`plnkit.formats.bookmarks.Bookmark`); its folder and date stay. Returns it as stored, or ``None``
        when it is not theirs or was removed. Raises :class:`InputError` when another of their bookmarks already
        has the new address.
        """
        with self._write() as conn:
            check_owner(conn, learner)
            clash = conn.execute("SELECT 1 FROM bookmarks WHERE learner_id = ? AND url = ? AND id != ? AND "
                                 "removed_at IS NULL", (learner.id, item.url, bookmark_id)).fetchone()
            if clash:
                raise InputError(f"{item.url} is already in your bookmarks, so this one was not changed.")
            conn.execute("UPDATE bookmarks SET url = ?, title = ?, tags = ?, note = ?, private = ? WHERE id = ? AND "
                         "learner_id = ? AND removed_at IS NULL",
                         (item.url, item.title, json.dumps(list(item.tags), ensure_ascii=False), item.note,
                          1 if item.private else 0, bookmark_id, learner.id))
            row = conn.execute(f"SELECT {_BOOKMARK_COLUMNS} FROM bookmarks WHERE id = ? AND learner_id = ? AND "
                               "removed_at IS NULL", (bookmark_id, learner.id)).fetchone()
        return _bookmark(row) if row else None

    def remove_bookmark(self, learner: Any, bookmark_id: int) -> bool:
        """Remove one of the learner's bookmarks (kept, marked removed)."""
        with self._write() as conn:
            cur = conn.execute("UPDATE bookmarks SET removed_at = ? WHERE id = ? AND learner_id = ? AND removed_at "
                               "IS NULL", (_now().isoformat(), bookmark_id, learner.id))
        return cur.rowcount > 0

    # --- backchannel ------------------------------------------------------------------------------------

    def add_post(self, learner: Any, room: str, author: str, body: str, *, max_per_minute: int,
                 min_gap: float, max_room_per_minute: int = 1_000_000) -> Post | None:
        """Append a post unless the learner or the room is over its rate limit (then ``None``).

        Both limits are checked inside the write lock, so concurrent kernels can't slip past them. Raises
        :class:`InputError` when the facilitator has muted the learner.
        """
        now = _now()
        with self._write() as conn:
            check_owner(conn, learner)
            if conn.execute("SELECT muted_at FROM learners WHERE id = ?", (learner.id,)).fetchone()[0]:
                raise InputError("The facilitator has paused your posting for this session. Your text is still "
                                 "here; you can still read the backchannel.")
            room_recent = conn.execute("SELECT count(*) FROM backchannel_posts WHERE room = ? AND created_at > ?",
                                       (room, (now - timedelta(minutes=1)).isoformat())).fetchone()[0]
            if room_recent >= max_room_per_minute:
                return None
            recent = conn.execute("SELECT created_at FROM backchannel_posts WHERE learner_id = ? AND created_at > ? "
                                  "ORDER BY id DESC", (learner.id, (now - timedelta(minutes=1)).isoformat())).fetchall()
            if len(recent) >= max_per_minute or (recent and (now - datetime.fromisoformat(recent[0][0]))
                                                 .total_seconds() < min_gap):
                return None
            post_id = conn.execute("INSERT INTO backchannel_posts (room, learner_id, author, body, created_at) "
                                   "VALUES (?, ?, ?, ?, ?) RETURNING id",
                                   (room, learner.id, author, body, now.isoformat())).fetchone()[0]
        return Post(int(post_id or 0), room, learner.id, author, body, now)

    def posts(self, room: str, *, limit: int = 100, include_deleted: bool = False) -> list[Post]:
        """The room's posts, oldest first (the latest ``limit``)."""
        where = "" if include_deleted else " AND deleted_at IS NULL"
        with self._read() as conn:
            rows = conn.execute(f"SELECT {_POST_COLUMNS} FROM backchannel_posts WHERE room = ?{where} "
                                "ORDER BY id DESC LIMIT ?", (room, limit)).fetchall()
        return [_post(r) for r in reversed(rows)]

    def post_record(self, room: str) -> list[RecordedPost]:
        """Every post in a room, oldest first, deleted ones included: the facilitator's record."""
        with self._read() as conn:
            rows = conn.execute(
                f"SELECT {', '.join('p.' + c.strip() for c in _POST_COLUMNS.split(','))}, l.name, "
                "CASE WHEN p.deleted_by IS NULL THEN NULL WHEN p.deleted_by = p.learner_id THEN 'author' "
                "ELSE 'facilitator' END FROM backchannel_posts p JOIN learners l ON l.id = p.learner_id "
                "WHERE p.room = ? ORDER BY p.id", (room,)).fetchall()
        return [RecordedPost(_post(r[:8]), r[8] or "(erased)", r[9] if r[6] else None) for r in rows]

    def delete_post(self, learner: Any, post_id: int, *, moderator: bool = False) -> bool:
        """Mark a post deleted if ``learner`` wrote it (or is the moderator); it stays in the record."""
        with self._write() as conn:
            cur = conn.execute("UPDATE backchannel_posts SET deleted_at = ?, deleted_by = ? WHERE id = ? AND "
                               "(learner_id = ? OR ? = 1) AND deleted_at IS NULL",
                               (_now().isoformat(), learner.id, post_id, learner.id, 1 if moderator else 0))
        return cur.rowcount > 0

    def backchannel_version(self, room: str) -> Fingerprint:
        """A cheap fingerprint of a room (its latest post and its deletions) for background refresh."""
        with self._read() as conn:
            row = conn.execute("SELECT COALESCE(MAX(id), 0), COUNT(deleted_at) FROM backchannel_posts WHERE room = ?",
                               (room,)).fetchone()
        return Fingerprint(f"{int(row[0])}:{int(row[1])}")
