-- A course database as version 1 of the schema wrote it (frozen: never edit).
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
INSERT INTO learners VALUES (1, 'local', '', '2026-09-01T08:00:00+00:00');
INSERT INTO answers VALUES (1, 1, 'why-pln/what', '"My first thoughts"', '2026-09-01T08:05:00+00:00');
INSERT INTO answers VALUES (2, 1, 'why-pln/what', '"My second thoughts"', '2026-09-02T08:05:00+00:00');
PRAGMA user_version = 1;
