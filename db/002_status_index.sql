-- prise progress records, version 2.
-- The status of an exercise (new / attempted / passed) is read for every
-- exercise at start-up: an index answers it without scanning the attempts.
CREATE INDEX attempts_status ON attempts (user, exercise, verdict);
