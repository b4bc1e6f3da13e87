"""The store's schema, as a list of migrations (SQL stays with the store; this file only holds its text)."""

from __future__ import annotations

# Each entry moves the schema from version i to i + 1. Never edit a released step: add a new one.
MIGRATIONS: tuple[str, ...] = (
    # 1: learners and their answers
    """
    CREATE TABLE learners (
        id INTEGER PRIMARY KEY,
        key TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL
    );
    CREATE TABLE answers (
        id INTEGER PRIMARY KEY,
        learner_id INTEGER NOT NULL REFERENCES learners(id),
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        saved_at TEXT NOT NULL
    );
    CREATE INDEX answers_by_key ON answers (learner_id, key, id);
    """,
    # 2: module progress and the learner's network (dated events)
    """
    CREATE TABLE progress (
        learner_id INTEGER NOT NULL REFERENCES learners(id),
        module TEXT NOT NULL,
        status TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (learner_id, module)
    );
    CREATE TABLE network_events (
        id INTEGER PRIMARY KEY,
        learner_id INTEGER NOT NULL REFERENCES learners(id),
        at TEXT NOT NULL,
        action TEXT NOT NULL,
        node_key TEXT NOT NULL,
        data TEXT NOT NULL
    );
    CREATE INDEX network_events_by_learner ON network_events (learner_id, id);
    """,
    # 3: feed subscriptions, and the feed cache every kernel on the server shares
    """
    CREATE TABLE subscriptions (
        id INTEGER PRIMARY KEY,
        learner_id INTEGER NOT NULL REFERENCES learners(id),
        url TEXT NOT NULL,
        title TEXT NOT NULL DEFAULT '',
        folder TEXT NOT NULL DEFAULT '',
        html_url TEXT,
        added_at TEXT NOT NULL,
        removed_at TEXT,
        UNIQUE (learner_id, url)
    );
    CREATE TABLE feed_cache (
        url TEXT PRIMARY KEY,
        final_url TEXT,
        etag TEXT,
        last_modified TEXT,
        feed TEXT,
        fetched_at TEXT,
        checked_at TEXT,
        next_check_at TEXT,
        failures INTEGER NOT NULL DEFAULT 0,
        error TEXT
    );
    """,
    # 4: social bookmarks, and the backchannel every participant on the server shares
    """
    CREATE TABLE bookmarks (
        id INTEGER PRIMARY KEY,
        learner_id INTEGER NOT NULL REFERENCES learners(id),
        url TEXT NOT NULL,
        title TEXT NOT NULL DEFAULT '',
        tags TEXT NOT NULL DEFAULT '[]',
        note TEXT NOT NULL DEFAULT '',
        folder TEXT NOT NULL DEFAULT '',
        private INTEGER NOT NULL DEFAULT 1,
        added_at TEXT NOT NULL,
        removed_at TEXT
    );
    CREATE INDEX bookmarks_by_learner ON bookmarks (learner_id, id);
    CREATE TABLE backchannel_posts (
        id INTEGER PRIMARY KEY,
        room TEXT NOT NULL,
        learner_id INTEGER NOT NULL REFERENCES learners(id),
        author TEXT NOT NULL,
        body TEXT NOT NULL,
        created_at TEXT NOT NULL,
        deleted_at TEXT,
        deleted_by INTEGER
    );
    CREATE INDEX backchannel_by_room ON backchannel_posts (room, id);
    """,
    # 5: workshop admission: a participant's link can be revoked (reissued), and the workshop closed
    """
    ALTER TABLE learners ADD COLUMN revoked_at TEXT;
    CREATE TABLE workshop_settings (
        name TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    """,
    # 6: the facilitator's view of the room: shared reflections, where each participant is, muting, certificates
    """
    ALTER TABLE learners ADD COLUMN muted_at TEXT;
    CREATE TABLE shared_answers (
        learner_id INTEGER NOT NULL REFERENCES learners(id),
        key TEXT NOT NULL,
        shared_at TEXT NOT NULL,
        PRIMARY KEY (learner_id, key)
    );
    CREATE TABLE page_visits (
        learner_id INTEGER PRIMARY KEY REFERENCES learners(id),
        page TEXT NOT NULL,
        opened_at TEXT NOT NULL
    );
    CREATE TABLE certificates (
        code TEXT PRIMARY KEY,
        learner_id INTEGER NOT NULL REFERENCES learners(id),
        issued_at TEXT NOT NULL,
        facts TEXT NOT NULL
    );
    CREATE INDEX certificates_by_learner ON certificates (learner_id);
    """,
    # 7: the facilitator's page finds each connection's latest change by index, whatever a network's size
    """
    CREATE INDEX network_events_by_node ON network_events (learner_id, node_key, at, id);
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)
