-- prise progress records, version 3.
-- Time spent on each exercise (from the tutor's screens, idle time left
-- out), solution views, and the instructor's settings (the solution policy).

CREATE TABLE sessions (
    id         INTEGER PRIMARY KEY,
    uid        TEXT    NOT NULL UNIQUE,
    user       TEXT    NOT NULL,
    exercise   TEXT    NOT NULL,
    at_ms      INTEGER NOT NULL,   -- when the exercise was opened
    active_ms  INTEGER NOT NULL CHECK (active_ms >= 0)
);
CREATE INDEX sessions_by_user ON sessions (user, exercise);

CREATE TABLE solution_views (
    id         INTEGER PRIMARY KEY,
    uid        TEXT    NOT NULL UNIQUE,
    user       TEXT    NOT NULL,
    exercise   TEXT    NOT NULL,
    at_ms      INTEGER NOT NULL
);
CREATE INDEX solution_views_by_user ON solution_views (user, exercise);

CREATE TABLE settings (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL
);
INSERT INTO settings (key, value) VALUES ('solution_policy', 'after-pass');

-- The last attempt of each kind is found without a scan (report).
DROP INDEX attempts_status;
CREATE INDEX attempts_last ON attempts (user, exercise, verdict, at_ms);
