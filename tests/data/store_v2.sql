-- A course database as version 2 of the schema wrote it (frozen: never edit).
CREATE TABLE answers (
        id INTEGER PRIMARY KEY,
        learner_id INTEGER NOT NULL REFERENCES learners(id),
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        saved_at TEXT NOT NULL
    );
INSERT INTO "answers" VALUES(1,1,'why-pln/what','"My first thoughts"','2026-09-01T08:05:00+00:00');
INSERT INTO "answers" VALUES(2,1,'why-pln/what','"My second thoughts"','2026-09-02T08:05:00+00:00');
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
CREATE INDEX answers_by_key ON answers (learner_id, key, id);
CREATE INDEX network_events_by_learner ON network_events (learner_id, id);
PRAGMA user_version = 2;
