/*
 * The progress store: a SQLite file of attempts and hints, versioned with
 * PRAGMA user_version and migrated forward from db/NNN_*.sql.  WAL mode and
 * a busy timeout let a class share one file.  Only prepared statements.
 * A file that is corrupt, foreign or from a newer prise is never written.
 */
#ifndef PRISE_STORE_H
#define PRISE_STORE_H

#include "grader.h"

struct store;

enum ex_status { STATUS_NEW, STATUS_ATTEMPTED, STATUS_PASSED };

/* The default path: $XDG_DATA_HOME/prise/progress.db; caller frees. */
char *store_default_path(void);

/*
 * Opens (creating it mode 0600, with its folder, if missing) and migrates.
 * Returns NULL and a message in *err (caller frees) when the file cannot be
 * used.
 */
struct store *store_open(const char *path, char **err);
void store_close(struct store *s);

/* The schema version this build writes. */
int store_schema_version(void);

/* Records one attempt and its checks.  Returns 0, or -1 with *err. */
int store_add_attempt(struct store *s, const char *user, const struct grade *g, char **err);

/* passed / attempted / new for one user and exercise. */
enum ex_status store_status(struct store *s, const char *user, const char *exercise);
const char *store_status_name(enum ex_status st);

/* Number of hints this user has revealed for the exercise. */
int store_hints_seen(struct store *s, const char *user, const char *exercise);
/* Records that hint `index` (0-based) was revealed.  0 or -1 with *err. */
int store_add_hint(struct store *s, const char *user, const char *exercise, int index,
		   char **err);

/* Records the active time spent on an exercise opened at at_ms.  0 or -1. */
int store_add_session(struct store *s, const char *user, const char *exercise, long long at_ms,
		      long long active_ms, char **err);
/* Records that the model solution was shown.  0 or -1 with *err. */
int store_add_solution_view(struct store *s, const char *user, const char *exercise, char **err);
/* Number of failed attempts of the exercise. */
int store_failed_attempts(struct store *s, const char *user, const char *exercise);

/* An instructor's setting ("solution_policy"), NULL if unset; caller frees. */
char *store_setting(struct store *s, const char *key);
int store_set_setting(struct store *s, const char *key, const char *value, char **err);

/* What the report looks at: NULL for every user / exercise. */
struct store_filter {
	const char *user, *exercise;
	long long since_ms;		/* 0 = from the start */
};

/* One user and one exercise, as the instructor's report shows them. */
struct report_row {
	char *user, *exercise;
	enum ex_status status;
	int attempts, hints, solution_views;
	long long first_pass_ms;	/* 0 = not passed */
	long long last_ms;		/* the last attempt, 0 = none */
	long long time_ms;		/* active time in the tutor */
	char *last_failing_check;	/* first failed required check of the last failed attempt */
};

/*
 * Every (user, exercise) with a record, sorted by user then exercise.
 * Returns 0, or -1 with *err.  Free with store_report_free.
 */
int store_report(struct store *s, const struct store_filter *f, struct report_row **rows,
		 size_t *n, char **err);
void store_report_free(struct report_row *rows, size_t n);

/* One attempt of a learner's history. */
struct history_row {
	long long at_ms, duration_ms;
	int pass, compile_ok;
	char *source;
	char *failed;		/* the failed checks, space-separated */
};

int store_history(struct store *s, const char *user, const char *exercise,
		  struct history_row **rows, size_t *n, char **err);
void store_history_free(struct history_row *rows, size_t n);

/*
 * Export: every record of one user as a JSON object (a portable file).
 * Import: merges such a document; records already there (same uid) are
 * skipped, so importing twice adds nothing.  A malformed document, or a uid
 * already used by a different record, is refused whole: nothing is written.
 * *added counts the new records.  Both return 0, or -1 with *err.
 */
int store_export(struct store *s, const char *user, struct json *j, char **err);
int store_import(struct store *s, const struct jval *doc, int *added, char **err);

#endif
