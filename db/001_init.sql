-- prise progress records, version 1.
-- Every attempt, with each check's result; hints revealed.
-- uid columns make records portable: importing a record twice adds nothing.

CREATE TABLE attempts (
    id             INTEGER PRIMARY KEY,
    uid            TEXT    NOT NULL UNIQUE,
    user           TEXT    NOT NULL,
    exercise       TEXT    NOT NULL,
    at_ms          INTEGER NOT NULL,   -- Unix time, milliseconds
    verdict        TEXT    NOT NULL CHECK (verdict IN ('pass', 'fail')),
    compile_ok     INTEGER NOT NULL,
    compile_output TEXT    NOT NULL,
    duration_ms    INTEGER NOT NULL,
    source         BLOB    NOT NULL
);
CREATE INDEX attempts_by_user ON attempts (user, exercise, at_ms);
CREATE INDEX attempts_by_exercise ON attempts (exercise, user);

CREATE TABLE check_results (
    attempt_id INTEGER NOT NULL REFERENCES attempts (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    check_id   TEXT    NOT NULL,
    required   INTEGER NOT NULL,
    ok         INTEGER NOT NULL,
    message    TEXT    NOT NULL,
    PRIMARY KEY (attempt_id, position)
);

CREATE TABLE hints (
    id         INTEGER PRIMARY KEY,
    uid        TEXT    NOT NULL UNIQUE,
    user       TEXT    NOT NULL,
    exercise   TEXT    NOT NULL,
    at_ms      INTEGER NOT NULL,
    hint_index INTEGER NOT NULL,
    UNIQUE (user, exercise, hint_index)
);
