-- A course database as version 4 of the schema wrote it (frozen: never edit).
CREATE TABLE answers (
        id INTEGER PRIMARY KEY,
        learner_id INTEGER NOT NULL REFERENCES learners(id),
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        saved_at TEXT NOT NULL
    );
INSERT INTO "answers" VALUES(1,1,'why-pln/what','"My first thoughts"','2026-09-01T08:05:00+00:00');
INSERT INTO "answers" VALUES(2,1,'why-pln/what','"My second thoughts"','2026-09-02T08:05:00+00:00');
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
INSERT INTO "backchannel_posts" VALUES(1,'main',1,'Dana','Hello room','2026-09-01T08:00:00+00:00',NULL,NULL);
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
INSERT INTO "bookmarks" VALUES(1,1,'https://example.org/a','A page','["pln"]','read later','',0,'2026-09-01T08:00:00+00:00',NULL);
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
INSERT INTO "feed_cache" VALUES('https://example.org/feed.xml',NULL,NULL,NULL,NULL,NULL,NULL,NULL,0,NULL);
CREATE TABLE learners (
        id INTEGER PRIMARY KEY,
        key TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL
    );
INSERT INTO "learners" VALUES(1,'local','','2026-09-01T08:00:00+00:00');
CREATE TABLE network_events (
        id INTEGER PRIMARY KEY,
        learner_id INTEGER NOT NULL REFERENCES learners(id),
        at TEXT NOT NULL,
        action TEXT NOT NULL,
        node_key TEXT NOT NULL,
        data TEXT NOT NULL
    );
INSERT INTO "network_events" VALUES(1,1,'2026-09-01T08:00:00+00:00','add','person:ana','{"kind": "person", "label": "Ana"}');
CREATE TABLE progress (
        learner_id INTEGER NOT NULL REFERENCES learners(id),
        module TEXT NOT NULL,
        status TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (learner_id, module)
    );
INSERT INTO "progress" VALUES(1,'why-pln','done','2026-09-01T08:00:00+00:00');
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
INSERT INTO "subscriptions" VALUES(1,1,'https://example.org/feed.xml','Example','Blogs','https://example.org/','2026-09-01T08:00:00+00:00',NULL);
CREATE INDEX answers_by_key ON answers (learner_id, key, id);
CREATE INDEX network_events_by_learner ON network_events (learner_id, id);
CREATE INDEX bookmarks_by_learner ON bookmarks (learner_id, id);
CREATE INDEX backchannel_by_room ON backchannel_posts (room, id);
PRAGMA user_version = 4;
