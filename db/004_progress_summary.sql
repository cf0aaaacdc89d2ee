-- prise progress records, version 4.
-- One row per learner and exercise, kept up to date by triggers, so that the
-- report of a whole class reads one row per cell instead of every attempt.

CREATE TABLE progress (
    user               TEXT    NOT NULL,
    exercise           TEXT    NOT NULL,
    attempts           INTEGER NOT NULL DEFAULT 0,
    first_pass_ms      INTEGER,
    last_ms            INTEGER,
    last_fail_id       INTEGER,            -- the last failed attempt (by time)
    last_fail_ms       INTEGER,
    last_failing_check TEXT,               -- its first failed required check
    hints              INTEGER NOT NULL DEFAULT 0,
    time_ms            INTEGER NOT NULL DEFAULT 0,
    solution_views     INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (user, exercise)
) WITHOUT ROWID;

CREATE TRIGGER progress_attempt AFTER INSERT ON attempts BEGIN
    INSERT INTO progress (user, exercise) VALUES (NEW.user, NEW.exercise)
        ON CONFLICT DO NOTHING;
    UPDATE progress SET
        attempts = attempts + 1,
        first_pass_ms = CASE WHEN NEW.verdict = 'pass'
                              AND (first_pass_ms IS NULL OR NEW.at_ms < first_pass_ms)
                             THEN NEW.at_ms ELSE first_pass_ms END,
        last_ms = CASE WHEN last_ms IS NULL OR NEW.at_ms > last_ms THEN NEW.at_ms ELSE last_ms END,
        last_failing_check = CASE WHEN NEW.verdict = 'fail'
                                   AND (last_fail_ms IS NULL OR NEW.at_ms >= last_fail_ms)
                                  THEN NULL ELSE last_failing_check END,
        last_fail_id = CASE WHEN NEW.verdict = 'fail'
                             AND (last_fail_ms IS NULL OR NEW.at_ms >= last_fail_ms)
                            THEN NEW.id ELSE last_fail_id END,
        last_fail_ms = CASE WHEN NEW.verdict = 'fail'
                             AND (last_fail_ms IS NULL OR NEW.at_ms >= last_fail_ms)
                            THEN NEW.at_ms ELSE last_fail_ms END
    WHERE user = NEW.user AND exercise = NEW.exercise;
END;

-- Check results come in position order: the first failed required one stays.
CREATE TRIGGER progress_check AFTER INSERT ON check_results
WHEN NEW.ok = 0 AND NEW.required = 1 BEGIN
    UPDATE progress SET last_failing_check = NEW.check_id
    WHERE last_fail_id = NEW.attempt_id AND last_failing_check IS NULL
      AND (user, exercise) = (SELECT user, exercise FROM attempts WHERE id = NEW.attempt_id);
END;

CREATE TRIGGER progress_hint AFTER INSERT ON hints BEGIN
    INSERT INTO progress (user, exercise, hints) VALUES (NEW.user, NEW.exercise, 1)
        ON CONFLICT DO UPDATE SET hints = hints + 1;
END;

CREATE TRIGGER progress_session AFTER INSERT ON sessions BEGIN
    INSERT INTO progress (user, exercise, time_ms) VALUES (NEW.user, NEW.exercise, NEW.active_ms)
        ON CONFLICT DO UPDATE SET time_ms = time_ms + excluded.time_ms;
END;

CREATE TRIGGER progress_solution AFTER INSERT ON solution_views BEGIN
    INSERT INTO progress (user, exercise, solution_views) VALUES (NEW.user, NEW.exercise, 1)
        ON CONFLICT DO UPDATE SET solution_views = solution_views + 1;
END;

-- The records already there.
INSERT INTO progress (user, exercise, attempts, first_pass_ms, last_ms)
    SELECT user, exercise, count(*), min(CASE WHEN verdict = 'pass' THEN at_ms END), max(at_ms)
    FROM attempts GROUP BY user, exercise;
UPDATE progress SET last_fail_id = (
        SELECT id FROM attempts a WHERE a.user = progress.user AND a.exercise = progress.exercise
          AND a.verdict = 'fail' ORDER BY a.at_ms DESC, a.id DESC LIMIT 1);
UPDATE progress SET
    last_fail_ms = (SELECT at_ms FROM attempts WHERE id = progress.last_fail_id),
    last_failing_check = (SELECT check_id FROM check_results c
                          WHERE c.attempt_id = progress.last_fail_id AND c.ok = 0 AND c.required = 1
                          ORDER BY c.position LIMIT 1)
    WHERE last_fail_id IS NOT NULL;
INSERT INTO progress (user, exercise, hints)
    SELECT user, exercise, count(*) FROM hints GROUP BY user, exercise
    ON CONFLICT DO UPDATE SET hints = excluded.hints;
INSERT INTO progress (user, exercise, time_ms)
    SELECT user, exercise, sum(active_ms) FROM sessions GROUP BY user, exercise
    ON CONFLICT DO UPDATE SET time_ms = excluded.time_ms;
INSERT INTO progress (user, exercise, solution_views)
    SELECT user, exercise, count(*) FROM solution_views GROUP BY user, exercise
    ON CONFLICT DO UPDATE SET solution_views = excluded.solution_views;
