/*
 * The progress store (see store.h).  A prise database is recognised by its
 * application_id; an empty file is initialised, anything else is refused.
 */
#define _GNU_SOURCE
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

#define APP_ID 0x50524953	/* "PRIS" */

extern const char *const store_migrations[];

struct store {
	sqlite3 *db;
};

char *store_default_path(void)
{
	const char *xdg = getenv("XDG_DATA_HOME");
	if (xdg && *xdg == '/')
		return xasprintf("%s/prise/progress.db", xdg);
	const char *home = getenv("HOME");
	return xasprintf("%s/.local/share/prise/progress.db", home && *home ? home : ".");
}

int store_schema_version(void)
{
	int n = 0;
	while (store_migrations[n])
		n++;
	return n;
}

static int pragma_int(sqlite3 *db, const char *sql, int *out)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

static int exec_sql(sqlite3 *db, const char *sql, char **err)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		*err = xstrdup(msg ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

/* Brings the schema to the current version, one transaction per step. */
static int migrate(sqlite3 *db, const char *path, char **err)
{
	int app = 0, version = 0, tables = 0;
	if (pragma_int(db, "PRAGMA application_id", &app) < 0 ||
	    pragma_int(db, "PRAGMA user_version", &version) < 0 ||
	    pragma_int(db, "SELECT count(*) FROM sqlite_master", &tables) < 0) {
		*err = xasprintf("%s: not a prise database, or damaged (%s); it was left as it is",
				 path, sqlite3_errmsg(db));
		return -1;
	}
	if (app != APP_ID && (tables > 0 || version > 0)) {
		*err = xasprintf("%s: this SQLite file belongs to another program; prise will not touch it",
				 path);
		return -1;
	}
	int target = store_schema_version();
	if (version > target) {
		*err = xasprintf("%s: written by a newer prise (schema %d, this one knows %d); update prise",
				 path, version, target);
		return -1;
	}
	for (int v = version; v < target; v++) {
		char *e = NULL;
		if (exec_sql(db, "BEGIN IMMEDIATE", &e) < 0) {
			*err = xasprintf("%s: %s", path, e);
			free(e);
			return -1;
		}
		/* Another process may have migrated while we waited. */
		int now = 0;
		pragma_int(db, "PRAGMA user_version", &now);
		if (now > v) {
			exec_sql(db, "COMMIT", &e);
			v = now - 1;
			continue;
		}
		char *set = xasprintf("PRAGMA application_id = %d; PRAGMA user_version = %d;",
				      APP_ID, v + 1);
		if (exec_sql(db, store_migrations[v], &e) < 0 || exec_sql(db, set, &e) < 0 ||
		    exec_sql(db, "COMMIT", &e) < 0) {
			*err = xasprintf("%s: migration to schema %d failed: %s", path, v + 1, e);
			free(e);
			free(set);
			exec_sql(db, "ROLLBACK", &e);
			return -1;
		}
		free(set);
	}
	return 0;
}

struct store *store_open(const char *path, char **err)
{
	*err = NULL;
	char *dir = xstrdup(path);
	if (mkdir_p(dirname(dir), 0700) < 0) {
		*err = xasprintf("%s: %s", path, strerror(errno));
		free(dir);
		return NULL;
	}
	free(dir);
	/* Create the file ourselves so that it is private from the start. */
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 && errno != EACCES && errno != EROFS) {
		*err = xasprintf("%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fd >= 0)
		close(fd);
	sqlite3 *db;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		*err = xasprintf("%s: %s", path, sqlite3_errmsg(db));
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_busy_timeout(db, 10000);
	char *e = NULL;
	int ok = migrate(db, path, err) == 0;
	if (ok && exec_sql(db, "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON;", &e) < 0) {
		*err = xasprintf("%s: %s", path, e);
		free(e);
		ok = 0;
	}
	if (!ok) {
		sqlite3_close(db);
		return NULL;
	}
	struct store *s = xcalloc(1, sizeof *s);
	s->db = db;
	return s;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	sqlite3_close(s->db);
	free(s);
}

static char *new_uid(void)
{
	unsigned char b[16];
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, b, sizeof b) : -1;
	if (fd >= 0)
		close(fd);
	if (n != (ssize_t)sizeof b) {
		long t = now_us() ^ (long)getpid();
		for (size_t i = 0; i < sizeof b; i++)
			b[i] = (unsigned char)(t >> (i % 8 * 8)) ^ (unsigned char)rand();
	}
	struct sbuf s = { 0 };
	for (size_t i = 0; i < sizeof b; i++)
		sbuf_addf(&s, "%02x", b[i]);
	return sbuf_take(&s);
}

static long long wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int store_add_attempt(struct store *s, const char *user, const struct grade *g, char **err)
{
	*err = NULL;
	char *e = NULL;
	if (exec_sql(s->db, "BEGIN IMMEDIATE", &e) < 0) {
		*err = e;
		return -1;
	}
	sqlite3_stmt *st = NULL;
	char *uid = new_uid();
	int rc = sqlite3_prepare_v2(s->db,
		"INSERT INTO attempts (uid, user, exercise, at_ms, verdict, compile_ok,"
		" compile_output, duration_ms, source) VALUES (?,?,?,?,?,?,?,?,?)", -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(st, 1, uid, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, user, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 3, g->ex->id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 4, wall_ms());
		sqlite3_bind_text(st, 5, g->pass ? "pass" : "fail", -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 6, g->compile.ok);
		sqlite3_bind_text(st, 7, g->compile_text ? g->compile_text : "", -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 8, g->duration_ms);
		sqlite3_bind_blob(st, 9, g->source ? g->source : "", (int)g->source_len, SQLITE_TRANSIENT);
		rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
	}
	sqlite3_finalize(st);
	free(uid);
	sqlite3_int64 id = sqlite3_last_insert_rowid(s->db);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(s->db,
			"INSERT INTO check_results (attempt_id, position, check_id, required, ok, message)"
			" VALUES (?,?,?,?,?,?)", -1, &st, NULL);
	for (size_t i = 0; rc == SQLITE_OK && i < g->nchecks; i++) {
		const struct check_result *r = &g->checks[i];
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int(st, 2, (int)i);
		sqlite3_bind_text(st, 3, r->id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int(st, 4, r->required);
		sqlite3_bind_int(st, 5, r->ok);
		sqlite3_bind_text(st, 6, r->message ? r->message : "", -1, SQLITE_TRANSIENT);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = SQLITE_ERROR;
	}
	if (rc == SQLITE_OK)
		sqlite3_finalize(st);
	if (rc != SQLITE_OK || exec_sql(s->db, "COMMIT", &e) < 0) {
		*err = e ? e : xstrdup(sqlite3_errmsg(s->db));
		if (rc != SQLITE_OK)
			sqlite3_finalize(st);
		exec_sql(s->db, "ROLLBACK", &e);
		free(e);
		return -1;
	}
	return 0;
}

enum ex_status store_status(struct store *s, const char *user, const char *exercise)
{
	sqlite3_stmt *st;
	enum ex_status res = STATUS_NEW;
	/* Two index look-ups (attempts_status), whatever the number of attempts. */
	if (sqlite3_prepare_v2(s->db,
		"SELECT EXISTS (SELECT 1 FROM attempts WHERE user = ?1 AND exercise = ?2"
		"               AND verdict = 'pass'),"
		"       EXISTS (SELECT 1 FROM attempts WHERE user = ?1 AND exercise = ?2)",
		-1, &st, NULL) != SQLITE_OK)
		return res;
	sqlite3_bind_text(st, 1, user, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, exercise, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW) {
		if (sqlite3_column_int(st, 0))
			res = STATUS_PASSED;
		else if (sqlite3_column_int(st, 1))
			res = STATUS_ATTEMPTED;
	}
	sqlite3_finalize(st);
	return res;
}

const char *store_status_name(enum ex_status st)
{
	static const char *const names[] = { "new", "attempted", "passed" };
	return names[st];
}

int store_hints_seen(struct store *s, const char *user, const char *exercise)
{
	sqlite3_stmt *st;
	int n = 0;
	if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM hints WHERE user = ? AND exercise = ?",
			       -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(st, 1, user, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, exercise, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

int store_add_hint(struct store *s, const char *user, const char *exercise, int index, char **err)
{
	sqlite3_stmt *st;
	*err = NULL;
	if (sqlite3_prepare_v2(s->db,
		"INSERT OR IGNORE INTO hints (uid, user, exercise, at_ms, hint_index) VALUES (?,?,?,?,?)",
		-1, &st, NULL) != SQLITE_OK) {
		*err = xstrdup(sqlite3_errmsg(s->db));
		return -1;
	}
	char *uid = new_uid();
	sqlite3_bind_text(st, 1, uid, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, user, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, exercise, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, wall_ms());
	sqlite3_bind_int(st, 5, index);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	free(uid);
	if (rc != SQLITE_DONE) {
		*err = xstrdup(sqlite3_errmsg(s->db));
		return -1;
	}
	return 0;
}
