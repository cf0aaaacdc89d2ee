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
	/*
	 * One snapshot for the three reads: another prise may be creating the
	 * schema right now, and a mix of before and after would look foreign.
	 */
	char *e0 = NULL;
	int snap = exec_sql(db, "BEGIN", &e0) == 0;
	free(e0);
	int bad = pragma_int(db, "PRAGMA application_id", &app) < 0 ||
		  pragma_int(db, "PRAGMA user_version", &version) < 0 ||
		  pragma_int(db, "SELECT count(*) FROM sqlite_master", &tables) < 0;
	/* The reason, before COMMIT (or its failure) replaces it. */
	int code = sqlite3_errcode(db) & 0xff;
	char *why = xstrdup(sqlite3_errmsg(db));
	if (snap) {
		e0 = NULL;
		exec_sql(db, "COMMIT", &e0);
		free(e0);
	}
	if (bad) {
		if (code == SQLITE_NOTADB || code == SQLITE_CORRUPT)
			*err = xasprintf("%s: not a prise database, or damaged (%s); it was left as it is",
					 path, why);
		else
			*err = xasprintf("%s: cannot use the database file (%s): is the disk full,"
					 " or the file or its folder not writable?", path, why);
		free(why);
		return -1;
	}
	free(why);
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
	if (ok && exec_sql(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;", &e) < 0) {
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

/* Runs one INSERT of (uid, user, exercise, at_ms[, extra]) for the small tables. */
static int insert_event(struct store *s, const char *sql, const char *user, const char *exercise,
			long long at_ms, long long extra, int has_extra, char **err)
{
	sqlite3_stmt *st;
	*err = NULL;
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
		*err = xstrdup(sqlite3_errmsg(s->db));
		return -1;
	}
	char *uid = new_uid();
	sqlite3_bind_text(st, 1, uid, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, user, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, exercise, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, at_ms);
	if (has_extra)
		sqlite3_bind_int64(st, 5, extra);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	free(uid);
	if (rc != SQLITE_DONE) {
		*err = xstrdup(sqlite3_errmsg(s->db));
		return -1;
	}
	return 0;
}

int store_add_session(struct store *s, const char *user, const char *exercise, long long at_ms,
		      long long active_ms, char **err)
{
	return insert_event(s, "INSERT INTO sessions (uid, user, exercise, at_ms, active_ms)"
			       " VALUES (?,?,?,?,?)", user, exercise, at_ms, active_ms, 1, err);
}

int store_add_solution_view(struct store *s, const char *user, const char *exercise, char **err)
{
	return insert_event(s, "INSERT INTO solution_views (uid, user, exercise, at_ms)"
			       " VALUES (?,?,?,?)", user, exercise, wall_ms(), 0, 0, err);
}

char *store_setting(struct store *s, const char *key)
{
	sqlite3_stmt *st;
	char *v = NULL;
	if (sqlite3_prepare_v2(s->db, "SELECT value FROM settings WHERE key = ?", -1, &st, NULL) !=
	    SQLITE_OK)
		return NULL;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return v;
}

int store_set_setting(struct store *s, const char *key, const char *value, char **err)
{
	sqlite3_stmt *st;
	*err = NULL;
	if (sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)",
			       -1, &st, NULL) != SQLITE_OK) {
		*err = xstrdup(sqlite3_errmsg(s->db));
		return -1;
	}
	sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		*err = xstrdup(sqlite3_errmsg(s->db));
		return -1;
	}
	return 0;
}

int store_failed_attempts(struct store *s, const char *user, const char *exercise)
{
	sqlite3_stmt *st;
	int n = 0;
	if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM attempts WHERE user = ? AND exercise = ?"
				      " AND verdict = 'fail'", -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(st, 1, user, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, exercise, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* Binds the report's filters: ?1 user, ?2 exercise (NULL = all), ?3 since. */
static void bind_filters(sqlite3_stmt *st, const struct store_filter *f)
{
	if (f->user)
		sqlite3_bind_text(st, 1, f->user, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, 1);
	if (f->exercise)
		sqlite3_bind_text(st, 2, f->exercise, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, 2);
	sqlite3_bind_int64(st, 3, f->since_ms);
}

#define FILTERS " (?1 IS NULL OR user = ?1) AND (?2 IS NULL OR exercise = ?2) AND at_ms >= ?3 "

int store_report(struct store *s, const struct store_filter *f, struct report_row **rows,
		 size_t *n, char **err)
{
	*rows = NULL;
	*n = 0;
	*err = NULL;
	static const char sql[] =
		"WITH a AS (SELECT user, exercise, count(*) AS n,"
		"             min(CASE WHEN verdict = 'pass' THEN at_ms END) AS first_pass,"
		"             max(at_ms) AS last"
		"           FROM attempts WHERE" FILTERS "GROUP BY user, exercise),"
		" h AS (SELECT user, exercise, count(*) AS n FROM hints WHERE" FILTERS
		"       GROUP BY user, exercise),"
		" t AS (SELECT user, exercise, sum(active_ms) AS ms FROM sessions WHERE" FILTERS
		"       GROUP BY user, exercise),"
		" v AS (SELECT user, exercise, count(*) AS n FROM solution_views WHERE" FILTERS
		"       GROUP BY user, exercise),"
		" k AS (SELECT user, exercise FROM a UNION SELECT user, exercise FROM h"
		"       UNION SELECT user, exercise FROM t UNION SELECT user, exercise FROM v)"
		" SELECT k.user, k.exercise, coalesce(a.n, 0), a.first_pass, a.last,"
		"        coalesce(h.n, 0), coalesce(t.ms, 0), coalesce(v.n, 0),"
		"        (SELECT cr.check_id FROM check_results cr WHERE cr.ok = 0 AND cr.required = 1"
		"           AND cr.attempt_id = (SELECT x.id FROM attempts x WHERE x.user = k.user"
		"               AND x.exercise = k.exercise AND x.verdict = 'fail' AND x.at_ms >= ?3"
		"               ORDER BY x.at_ms DESC, x.id DESC LIMIT 1)"
		"           ORDER BY cr.position LIMIT 1)"
		" FROM k LEFT JOIN a USING (user, exercise) LEFT JOIN h USING (user, exercise)"
		"        LEFT JOIN t USING (user, exercise) LEFT JOIN v USING (user, exercise)"
		" ORDER BY k.user, k.exercise";
	/* Without a date, the summary kept by the triggers has every cell ready. */
	static const char summary[] =
		"SELECT user, exercise, attempts, first_pass_ms, last_ms, hints, time_ms,"
		"       solution_views, last_failing_check"
		" FROM progress WHERE (?1 IS NULL OR user = ?1) AND (?2 IS NULL OR exercise = ?2)"
		"   AND ?3 = ?3"
		" ORDER BY user, exercise";
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, f->since_ms ? sql : summary, -1, &st, NULL) != SQLITE_OK) {
		*err = xstrdup(sqlite3_errmsg(s->db));
		return -1;
	}
	bind_filters(st, f);
	size_t cap = 0;
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 256;
			*rows = xrealloc(*rows, cap * sizeof **rows);
		}
		struct report_row *r = &(*rows)[(*n)++];
		memset(r, 0, sizeof *r);
		r->user = xstrdup((const char *)sqlite3_column_text(st, 0));
		r->exercise = xstrdup((const char *)sqlite3_column_text(st, 1));
		r->attempts = sqlite3_column_int(st, 2);
		r->first_pass_ms = sqlite3_column_type(st, 3) == SQLITE_NULL ? 0 : sqlite3_column_int64(st, 3);
		r->last_ms = sqlite3_column_type(st, 4) == SQLITE_NULL ? 0 : sqlite3_column_int64(st, 4);
		r->hints = sqlite3_column_int(st, 5);
		r->time_ms = sqlite3_column_int64(st, 6);
		r->solution_views = sqlite3_column_int(st, 7);
		const unsigned char *lf = sqlite3_column_text(st, 8);
		r->last_failing_check = lf ? xstrdup((const char *)lf) : NULL;
		r->status = r->first_pass_ms ? STATUS_PASSED : r->attempts ? STATUS_ATTEMPTED : STATUS_NEW;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		*err = xstrdup(sqlite3_errmsg(s->db));
		store_report_free(*rows, *n);
		*rows = NULL;
		*n = 0;
		return -1;
	}
	return 0;
}

void store_report_free(struct report_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(rows[i].user);
		free(rows[i].exercise);
		free(rows[i].last_failing_check);
	}
	free(rows);
}

int store_history(struct store *s, const char *user, const char *exercise,
		  struct history_row **rows, size_t *n, char **err)
{
	*rows = NULL;
	*n = 0;
	*err = NULL;
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db,
		"SELECT a.at_ms, a.verdict, a.compile_ok, a.source, a.duration_ms,"
		"       (SELECT group_concat(check_id, ' ') FROM"
		"          (SELECT check_id FROM check_results c WHERE c.attempt_id = a.id AND c.ok = 0"
		"           ORDER BY c.position))"
		" FROM attempts a WHERE a.user = ? AND a.exercise = ? ORDER BY a.at_ms, a.id",
		-1, &st, NULL) != SQLITE_OK) {
		*err = xstrdup(sqlite3_errmsg(s->db));
		return -1;
	}
	sqlite3_bind_text(st, 1, user, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, exercise, -1, SQLITE_TRANSIENT);
	size_t cap = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			*rows = xrealloc(*rows, cap * sizeof **rows);
		}
		struct history_row *h = &(*rows)[(*n)++];
		h->at_ms = sqlite3_column_int64(st, 0);
		h->pass = !strcmp((const char *)sqlite3_column_text(st, 1), "pass");
		h->compile_ok = sqlite3_column_int(st, 2);
		const void *src = sqlite3_column_blob(st, 3);
		int len = sqlite3_column_bytes(st, 3);
		h->source = xstrndup(src ? src : "", (size_t)len);
		h->duration_ms = sqlite3_column_int64(st, 4);
		const unsigned char *f = sqlite3_column_text(st, 5);
		h->failed = xstrdup(f ? (const char *)f : "");
	}
	sqlite3_finalize(st);
	return 0;
}

void store_history_free(struct history_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(rows[i].source);
		free(rows[i].failed);
	}
	free(rows);
}

/* ---- export and import ---- */

#define EXPORT_FORMAT 1

static void json_hex(struct json *j, const char *key, const void *data, size_t n)
{
	struct sbuf b = { 0 };
	const unsigned char *p = data;
	for (size_t i = 0; i < n; i++)
		sbuf_addf(&b, "%02x", p[i]);
	json_kstr(j, key, b.buf ? b.buf : "");
	sbuf_free(&b);
}

/* Column i of the current row as JSON, by its SQLite type. */
static void json_column(struct json *j, sqlite3_stmt *st, int i)
{
	const char *name = sqlite3_column_name(st, i);
	switch (sqlite3_column_type(st, i)) {
	case SQLITE_INTEGER:
		json_kint(j, name, sqlite3_column_int64(st, i));
		break;
	case SQLITE_BLOB:
		json_hex(j, name, sqlite3_column_blob(st, i), (size_t)sqlite3_column_bytes(st, i));
		break;
	case SQLITE_NULL:
		json_key(j, name);
		json_null(j);
		break;
	default:
		json_kstr(j, name, (const char *)sqlite3_column_text(st, i));
	}
}

/* "key": [rows of sql with ?1 = user], each row an object of its columns. */
static int export_table(struct store *s, struct json *j, const char *key, const char *sql,
			const char *user, sqlite3_stmt *checks)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, user, -1, SQLITE_TRANSIENT);
	json_key(j, key);
	json_arr_begin(j);
	while (sqlite3_step(st) == SQLITE_ROW) {
		json_obj_begin(j);
		int ncol = sqlite3_column_count(st);
		/* With checks, column 0 is the attempt's id: not exported. */
		for (int i = checks ? 1 : 0; i < ncol; i++)
			json_column(j, st, i);
		if (checks) {
			sqlite3_reset(checks);
			sqlite3_bind_int64(checks, 1, sqlite3_column_int64(st, 0));
			json_key(j, "checks");
			json_arr_begin(j);
			while (sqlite3_step(checks) == SQLITE_ROW) {
				json_obj_begin(j);
				for (int i = 0; i < sqlite3_column_count(checks); i++)
					json_column(j, checks, i);
				json_obj_end(j);
			}
			json_arr_end(j);
		}
		json_obj_end(j);
	}
	json_arr_end(j);
	sqlite3_finalize(st);
	return 0;
}

int store_export(struct store *s, const char *user, struct json *j, char **err)
{
	*err = NULL;
	sqlite3_stmt *checks;
	if (sqlite3_prepare_v2(s->db, "SELECT position, check_id, required, ok, message"
				      " FROM check_results WHERE attempt_id = ? ORDER BY position",
			       -1, &checks, NULL) != SQLITE_OK) {
		*err = xstrdup(sqlite3_errmsg(s->db));
		return -1;
	}
	json_obj_begin(j);
	json_kint(j, "prise_export", EXPORT_FORMAT);
	json_kint(j, "schema", store_schema_version());
	json_kstr(j, "user", user);
	json_kint(j, "exported_at_ms", wall_ms());
	int rc = export_table(s, j, "attempts",
			      "SELECT id, uid, exercise, at_ms, verdict, compile_ok, compile_output,"
			      " duration_ms, source FROM attempts WHERE user = ?1 ORDER BY at_ms, id",
			      user, checks);
	rc |= export_table(s, j, "hints", "SELECT uid, exercise, at_ms, hint_index FROM hints"
					  " WHERE user = ?1 ORDER BY at_ms, id", user, NULL);
	rc |= export_table(s, j, "sessions", "SELECT uid, exercise, at_ms, active_ms FROM sessions"
					     " WHERE user = ?1 ORDER BY at_ms, id", user, NULL);
	rc |= export_table(s, j, "solution_views", "SELECT uid, exercise, at_ms FROM solution_views"
						   " WHERE user = ?1 ORDER BY at_ms, id", user, NULL);
	json_obj_end(j);
	sqlite3_finalize(checks);
	if (rc) {
		*err = xstrdup(sqlite3_errmsg(s->db));
		return -1;
	}
	return 0;
}

/* Field checks of an imported record; return a message or NULL. */
static const char *need_str(const struct jval *o, const char *k)
{
	const struct jval *v = jval_get(o, k);
	return v && v->type == J_STR && v->len < 1000000 ? NULL : k;
}

static const char *need_int(const struct jval *o, const char *k)
{
	const struct jval *v = jval_get(o, k);
	return v && v->type == J_NUM && v->num >= 0 && v->num < 9e15 && v->num == (long long)v->num
		       ? NULL : k;
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decodes hex into a new buffer; NULL if it is not hex. */
static char *unhex(const char *s, size_t n, size_t *len)
{
	if (n % 2)
		return NULL;
	char *out = xmalloc(n / 2 + 1);
	for (size_t i = 0; i < n; i += 2) {
		int a = hexval(s[i]), b = hexval(s[i + 1]);
		if (a < 0 || b < 0) {
			free(out);
			return NULL;
		}
		out[i / 2] = (char)(a * 16 + b);
	}
	out[n / 2] = '\0';
	*len = n / 2;
	return out;
}

/* Validates the whole document before anything is written. */
static char *import_validate(const struct jval *doc)
{
	if (doc->type != J_OBJ || jval_num(doc, "prise_export", 0) != EXPORT_FORMAT)
		return xstrdup("not a prise export file (no \"prise_export\": 1)");
	if (need_str(doc, "user"))
		return xstrdup("no \"user\"");
	static const struct {
		const char *table;
		const char *strs[4];
		const char *ints[4];
	} shape[] = {
		{ "attempts", { "uid", "exercise", "verdict", "source" },
		  { "at_ms", "compile_ok", "duration_ms", NULL } },
		{ "hints", { "uid", "exercise", NULL, NULL }, { "at_ms", "hint_index", NULL, NULL } },
		{ "sessions", { "uid", "exercise", NULL, NULL }, { "at_ms", "active_ms", NULL, NULL } },
		{ "solution_views", { "uid", "exercise", NULL, NULL }, { "at_ms", NULL, NULL, NULL } },
	};
	for (size_t t = 0; t < sizeof shape / sizeof shape[0]; t++) {
		const struct jval *arr = jval_get(doc, shape[t].table);
		if (!arr)
			continue;
		if (arr->type != J_ARR)
			return xasprintf("\"%s\" is not a list", shape[t].table);
		for (size_t i = 0; i < arr->len; i++) {
			const struct jval *o = &arr->items[i];
			const char *bad = o->type != J_OBJ ? "(not an object)" : NULL;
			for (int k = 0; !bad && k < 4 && shape[t].strs[k]; k++)
				bad = need_str(o, shape[t].strs[k]);
			for (int k = 0; !bad && k < 4 && shape[t].ints[k]; k++)
				bad = need_int(o, shape[t].ints[k]);
			if (!bad && t == 0) {
				const char *v = jval_str(o, "verdict", "");
				if (strcmp(v, "pass") && strcmp(v, "fail"))
					bad = "verdict";
				const struct jval *src = jval_get(o, "source");
				size_t len;
				char *raw = bad ? NULL : unhex(src->str, src->len, &len);
				if (!bad && !raw)
					bad = "source";
				free(raw);
				const struct jval *ch = jval_get(o, "checks");
				if (!bad && ch && ch->type != J_ARR)
					bad = "checks";
				for (size_t c = 0; !bad && ch && c < ch->len; c++) {
					const struct jval *x = &ch->items[c];
					bad = need_int(x, "position") ? "checks" : need_str(x, "check_id") ?
					      "checks" : need_int(x, "ok") ? "checks" : NULL;
				}
			}
			if (bad)
				return xasprintf("%s[%zu]: missing or wrong \"%s\"", shape[t].table, i, bad);
		}
	}
	return NULL;
}

/*
 * Looks a uid up in table: 0 absent, 1 present with the same key fields,
 * -1 present but different (a conflict).
 */
static int uid_state(struct store *s, const char *table, const struct jval *o, const char *user)
{
	char *sql = xasprintf("SELECT user, exercise, at_ms FROM %s WHERE uid = ?", table);
	sqlite3_stmt *st;
	int res = 0;
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, jval_str(o, "uid", ""), -1, SQLITE_TRANSIENT);
		if (sqlite3_step(st) == SQLITE_ROW) {
			int same = !strcmp((const char *)sqlite3_column_text(st, 0), user) &&
				   !strcmp((const char *)sqlite3_column_text(st, 1),
					   jval_str(o, "exercise", "")) &&
				   sqlite3_column_int64(st, 2) == (long long)jval_num(o, "at_ms", -1);
			res = same ? 1 : -1;
		}
		sqlite3_finalize(st);
	}
	free(sql);
	return res;
}

static int import_attempt(struct store *s, const struct jval *o, const char *user)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db,
		"INSERT INTO attempts (uid, user, exercise, at_ms, verdict, compile_ok,"
		" compile_output, duration_ms, source) VALUES (?,?,?,?,?,?,?,?,?)", -1, &st, NULL) !=
	    SQLITE_OK)
		return -1;
	const struct jval *src = jval_get(o, "source");
	size_t len = 0;
	char *raw = unhex(src->str, src->len, &len);
	sqlite3_bind_text(st, 1, jval_str(o, "uid", ""), -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, user, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, jval_str(o, "exercise", ""), -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, (long long)jval_num(o, "at_ms", 0));
	sqlite3_bind_text(st, 5, jval_str(o, "verdict", "fail"), -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 6, (int)jval_num(o, "compile_ok", 0));
	sqlite3_bind_text(st, 7, jval_str(o, "compile_output", ""), -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 8, (long long)jval_num(o, "duration_ms", 0));
	sqlite3_bind_blob(st, 9, raw ? raw : "", (int)len, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	free(raw);
	if (rc != SQLITE_DONE)
		return -1;
	sqlite3_int64 id = sqlite3_last_insert_rowid(s->db);
	const struct jval *ch = jval_get(o, "checks");
	if (!ch)
		return 0;
	if (sqlite3_prepare_v2(s->db, "INSERT INTO check_results (attempt_id, position, check_id,"
				      " required, ok, message) VALUES (?,?,?,?,?,?)", -1, &st, NULL) !=
	    SQLITE_OK)
		return -1;
	for (size_t i = 0; i < ch->len && rc == SQLITE_DONE; i++) {
		const struct jval *x = &ch->items[i];
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int(st, 2, (int)jval_num(x, "position", 0));
		sqlite3_bind_text(st, 3, jval_str(x, "check_id", ""), -1, SQLITE_TRANSIENT);
		sqlite3_bind_int(st, 4, (int)jval_num(x, "required", 1));
		sqlite3_bind_int(st, 5, (int)jval_num(x, "ok", 0));
		sqlite3_bind_text(st, 6, jval_str(x, "message", ""), -1, SQLITE_TRANSIENT);
		rc = sqlite3_step(st);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Inserts one row of a small table (hints, sessions, solution_views). */
static int import_small(struct store *s, const char *table, const struct jval *o,
			const char *user)
{
	const char *sql = !strcmp(table, "hints") ?
		"INSERT OR IGNORE INTO hints (uid, user, exercise, at_ms, hint_index) VALUES (?,?,?,?,?)" :
		!strcmp(table, "sessions") ?
		"INSERT INTO sessions (uid, user, exercise, at_ms, active_ms) VALUES (?,?,?,?,?)" :
		"INSERT INTO solution_views (uid, user, exercise, at_ms) VALUES (?,?,?,?)";
	const char *extra = !strcmp(table, "hints") ? "hint_index" :
			    !strcmp(table, "sessions") ? "active_ms" : NULL;
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, jval_str(o, "uid", ""), -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, user, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, jval_str(o, "exercise", ""), -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, (long long)jval_num(o, "at_ms", 0));
	if (extra)
		sqlite3_bind_int64(st, 5, (long long)jval_num(o, extra, 0));
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int store_import(struct store *s, const struct jval *doc, int *added, char **err)
{
	*added = 0;
	*err = import_validate(doc);
	if (*err)
		return -1;
	const char *user = jval_str(doc, "user", "");
	char *e = NULL;
	if (exec_sql(s->db, "BEGIN IMMEDIATE", &e) < 0) {
		*err = e;
		return -1;
	}
	static const char *const tables[] = { "attempts", "hints", "sessions", "solution_views" };
	int rc = 0;
	for (size_t t = 0; t < 4 && !rc; t++) {
		const struct jval *arr = jval_get(doc, tables[t]);
		for (size_t i = 0; arr && i < arr->len && !rc; i++) {
			const struct jval *o = &arr->items[i];
			int state = uid_state(s, tables[t], o, user);
			if (state < 0) {
				*err = xasprintf("%s[%zu]: record %s is already in the database with other"
						 " contents (another user, exercise or time)", tables[t], i,
						 jval_str(o, "uid", ""));
				rc = -1;
			} else if (state == 0) {
				rc = t == 0 ? import_attempt(s, o, user) : import_small(s, tables[t], o, user);
				if (rc)
					*err = xstrdup(sqlite3_errmsg(s->db));
				else
					*added += sqlite3_changes(s->db) > 0;
			}
		}
	}
	if (rc || exec_sql(s->db, "COMMIT", &e) < 0) {
		if (!*err)
			*err = e ? e : xstrdup(sqlite3_errmsg(s->db));
		else
			free(e);
		e = NULL;
		exec_sql(s->db, "ROLLBACK", &e);
		free(e);
		*added = 0;
		return -1;
	}
	return 0;
}
