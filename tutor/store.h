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

#endif
