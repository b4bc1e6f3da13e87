"""The store's feed tables: each learner's subscriptions, and the feed cache all kernels share.

SQL stays in the store: this mixin is part of :class:`plnkit.services.store.Store`, split out to keep modules short.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any

from ..errors import InputError
from ..records import CachedFeed, StoredSubscription, SubscriptionRow
from ._store_file import check_owner

#: A subscription to add: (url, title, folder, html_url), optionally with the date subscribed.
#: Feeds one learner can follow (far above what a teacher reads), so no one can fill a shared server's disk.
MAX_SUBSCRIPTIONS = 1_000

def _now() -> datetime:
    return datetime.now(timezone.utc)


_CACHE_FIELDS = ("final_url", "etag", "last_modified", "feed", "fetched_at", "checked_at", "next_check_at",
                 "failures", "error")


class FeedStoreMixin:
    """Subscriptions and the shared feed cache (mixed into :class:`plnkit.services.store.Store`)."""

    _write: Any
    _read: Any

    def subscribe(self, learner: Any, url: str, title: str = "", folder: str = "",
                  html_url: str | None = None) -> bool:
        """Add (or re-add) a subscription; False when it was already active."""
        return bool(self.subscribe_many(learner, [(url, title, folder, html_url)]))

    def subscribe_many(self, learner: Any, subs: Sequence[SubscriptionRow]) -> list[str]:
        """Add many subscriptions in one transaction; returns the URLs added.

        Each is (url, title, folder, html_url), or with a fifth ``added_at``: when the learner subscribed (a
        restored portfolio, an imported list), dated now when it is ``None``, absent or ahead of now.
        """
        added = []
        now = _now()
        with self._write() as conn:
            check_owner(conn, learner)
            active = conn.execute("SELECT count(*) FROM subscriptions WHERE learner_id = ? AND removed_at IS NULL",
                                  (learner.id,)).fetchone()[0]
            for url, title, folder, html_url, *rest in subs:
                since = min(rest[0], now) if rest and isinstance(rest[0], datetime) and rest[0].tzinfo else now
                row = conn.execute("SELECT removed_at FROM subscriptions WHERE learner_id = ? AND url = ?",
                                   (learner.id, url)).fetchone()
                if row is not None and row[0] is None:
                    continue
                active += 1
                if active > MAX_SUBSCRIPTIONS:
                    raise InputError(f"Nothing was added: you can follow up to {MAX_SUBSCRIPTIONS:,} feeds.")
                conn.execute(
                    "INSERT INTO subscriptions (learner_id, url, title, folder, html_url, added_at) "
                    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (learner_id, url) DO UPDATE SET removed_at = NULL, "
                    "title = excluded.title, folder = excluded.folder, added_at = excluded.added_at",
                    (learner.id, url, title[:300], folder[:300], html_url,
                     since.astimezone(timezone.utc).isoformat()))
                added.append(url)
        return added

    def unsubscribe(self, learner: Any, url: str) -> bool:
        """Mark a subscription removed (kept for the record); False when it was not active."""
        with self._write() as conn:
            cur = conn.execute("UPDATE subscriptions SET removed_at = ? WHERE learner_id = ? AND url = ? "
                               "AND removed_at IS NULL", (_now().isoformat(), learner.id, url))
        return cur.rowcount > 0

    def subscriptions(self, learner: Any) -> list[StoredSubscription]:
        """Active subscriptions, oldest first."""
        with self._read() as conn:
            rows = conn.execute("SELECT url, title, folder, html_url, added_at FROM subscriptions "
                                "WHERE learner_id = ? AND removed_at IS NULL ORDER BY id", (learner.id,)).fetchall()
        return [StoredSubscription(url, title or "", folder or "", html_url, datetime.fromisoformat(added_at))
                for url, title, folder, html_url, added_at in rows]

    def feed_cache(self, url: str) -> CachedFeed | None:
        """What the shared cache holds for a feed address, or ``None`` before anyone asked for it."""
        with self._read() as conn:
            row = conn.execute(f"SELECT {', '.join(_CACHE_FIELDS)} FROM feed_cache WHERE url = ?", (url,)).fetchone()
        return CachedFeed(**dict(zip(_CACHE_FIELDS, row, strict=True))) if row else None

    def claim_feed(self, url: str, now: str, until: str) -> bool:
        """Atomically reserve the right to fetch ``url`` now (so one kernel fetches, the others use the cache)."""
        with self._write() as conn:
            conn.execute("INSERT INTO feed_cache (url) VALUES (?) ON CONFLICT (url) DO NOTHING", (url,))
            cur = conn.execute("UPDATE feed_cache SET next_check_at = ? WHERE url = ? AND "
                               "(next_check_at IS NULL OR next_check_at <= ?)", (until, url, now))
        return cur.rowcount > 0

    def update_feed_cache(self, url: str, **fields: Any) -> None:
        """Set some cache fields for a feed URL."""
        unknown = set(fields) - set(_CACHE_FIELDS)
        if unknown:
            raise ValueError(f"unknown feed cache fields {sorted(unknown)}")
        names = list(fields)
        with self._write() as conn:
            conn.execute("INSERT INTO feed_cache (url) VALUES (?) ON CONFLICT (url) DO NOTHING", (url,))
            conn.execute(f"UPDATE feed_cache SET {', '.join(f'{n} = ?' for n in names)} WHERE url = ?",
                         (*[fields[n] for n in names], url))
