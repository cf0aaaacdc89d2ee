/* store: attempts and hints kept in SQLite; foreign or damaged files refused untouched. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store.h"
#include "suites.h"
#include "util.h"

static char *tmp_path(const char *name)
{
	char tmpl[] = "/tmp/prise-store-XXXXXX";
	char *dir = mkdtemp(tmpl);
	return xasprintf("%s/%s", dir, name);
}

static void cleanup(char *path)
{
	char *dir = xstrdup(path);
	*strrchr(dir, '/') = '\0';
	rm_rf(dir);
	free(dir);
	free(path);
}

/* A graded attempt with two checks, one failed. */
static void fake_grade(struct grade *g, struct exercise *ex, struct check_result *cr, int pass)
{
	memset(g, 0, sizeof *g);
	memset(ex, 0, sizeof *ex);
	ex->id = (char *)(uintptr_t)"tcp-client-hello";
	g->ex = ex;
	g->pass = pass;
	g->compile.ok = 1;
	g->compile_text = (char *)(uintptr_t)"";
	g->source = (char *)(uintptr_t)"int main(void) { return 0; }\n";
	g->source_len = strlen(g->source);
	cr[0] = (struct check_result){ .id = "hello", .required = 1, .ok = 1,
				       .message = (char *)(uintptr_t)"" };
	cr[1] = (struct check_result){ .id = "pieces", .required = 1, .ok = pass,
				       .message = (char *)(uintptr_t)"one recv" };
	g->checks = cr;
	g->nchecks = 2;
	g->duration_ms = 42;
}

START_TEST(new_database_is_private_and_records_attempts)
{
	char *path = tmp_path("sub/progress.db");
	char *err = NULL;
	struct store *s = store_open(path, &err);
	ck_assert_msg(s != NULL, "%s", err);
	struct stat st;
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	ck_assert_int_eq(store_status(s, "ana", "tcp-client-hello"), STATUS_NEW);
	struct grade g;
	struct exercise ex;
	struct check_result cr[2];
	fake_grade(&g, &ex, cr, 0);
	ck_assert_int_eq(store_add_attempt(s, "ana", &g, &err), 0);
	ck_assert_int_eq(store_status(s, "ana", "tcp-client-hello"), STATUS_ATTEMPTED);
	ck_assert_int_eq(store_status(s, "bob", "tcp-client-hello"), STATUS_NEW);
	fake_grade(&g, &ex, cr, 1);
	ck_assert_int_eq(store_add_attempt(s, "ana", &g, &err), 0);
	ck_assert_int_eq(store_status(s, "ana", "tcp-client-hello"), STATUS_PASSED);
	ck_assert_int_eq(store_hints_seen(s, "ana", "tcp-client-hello"), 0);
	ck_assert_int_eq(store_add_hint(s, "ana", "tcp-client-hello", 0, &err), 0);
	ck_assert_int_eq(store_hints_seen(s, "ana", "tcp-client-hello"), 1);
	store_close(s);
	/* Reopened: everything is still there. */
	s = store_open(path, &err);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(store_status(s, "ana", "tcp-client-hello"), STATUS_PASSED);
	ck_assert_int_eq(store_hints_seen(s, "ana", "tcp-client-hello"), 1);
	store_close(s);
	cleanup(path);
}
END_TEST

static const char not_sqlite[] =
	"this is not a database at all, just some text that is long enough to look like a file";
static const char bad_sqlite[] =
	"SQLite format 3\0garbage garbage garbage garbage garbage garbage garbage";

static const struct {
	const char *content;
	size_t len;
	const char *says;
} foreign[] = {
	{ not_sqlite, sizeof not_sqlite - 1, "not a prise database" },
	{ bad_sqlite, sizeof bad_sqlite - 1, "not a prise database" },
};

START_TEST(foreign_file_is_refused_and_left_as_it_is)
{
	char *path = tmp_path("progress.db");
	file_write(path, foreign[_i].content, foreign[_i].len, 0600);
	char *err = NULL;
	struct store *s = store_open(path, &err);
	ck_assert_ptr_null(s);
	ck_assert_msg(err && strstr(err, foreign[_i].says), "message: %s", err ? err : "(none)");
	size_t len;
	char *after = file_read(path, &len);
	ck_assert_int_eq((int)len, (int)foreign[_i].len);
	ck_assert_int_eq(memcmp(after, foreign[_i].content, len), 0);
	free(after);
	free(err);
	cleanup(path);
}
END_TEST

START_TEST(database_from_a_newer_prise_is_refused)
{
	char *path = tmp_path("progress.db");
	char *err = NULL;
	struct store *s = store_open(path, &err);
	ck_assert_ptr_nonnull(s);
	store_close(s);
	sqlite3 *db;
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	s = store_open(path, &err);
	ck_assert_ptr_null(s);
	ck_assert_msg(strstr(err, "newer prise"), "message: %s", err);
	free(err);
	cleanup(path);
}
END_TEST

extern const char *const store_migrations[];

/* A database left at schema version v (1..current), with one attempt. */
static void make_old_db(const char *path, int v)
{
	sqlite3 *db;
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	for (int i = 0; i < v; i++)
		ck_assert_int_eq(sqlite3_exec(db, store_migrations[i], NULL, NULL, NULL), SQLITE_OK);
	char sql[160];
	snprintf(sql, sizeof sql, "PRAGMA application_id = %d; PRAGMA user_version = %d;",
		 0x50524953, v);
	ck_assert_int_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db,
		"INSERT INTO attempts (uid, user, exercise, at_ms, verdict, compile_ok,"
		" compile_output, duration_ms, source) VALUES"
		" ('u1', 'ana', 'fill-addr', 1, 'pass', 1, '', 10, x'00')", NULL, NULL, NULL),
		SQLITE_OK);
	sqlite3_close(db);
}

START_TEST(every_older_schema_is_migrated_and_keeps_its_records)
{
	int v = _i + 1;
	char *path = tmp_path("old.db");
	make_old_db(path, v);
	char *err = NULL;
	struct store *s = store_open(path, &err);
	ck_assert_msg(s != NULL, "from version %d: %s", v, err);
	ck_assert_int_eq(store_status(s, "ana", "fill-addr"), STATUS_PASSED);
	store_close(s);
	sqlite3 *db;
	sqlite3_open(path, &db);
	sqlite3_stmt *st;
	sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	ck_assert_int_eq(sqlite3_column_int(st, 0), store_schema_version());
	sqlite3_finalize(st);
	sqlite3_close(db);
	cleanup(path);
}
END_TEST

/* Inserts an attempt at a chosen time, with a failed check named fail_id. */
static void raw_attempt(sqlite3 *db, const char *uid, const char *user, long long at,
			const char *verdict, const char *fail_id)
{
	char sql[512];
	snprintf(sql, sizeof sql,
		 "INSERT INTO attempts (uid, user, exercise, at_ms, verdict, compile_ok, compile_output,"
		 " duration_ms, source) VALUES ('%s', '%s', 'tcp-client-hello', %lld, '%s', 1, '', 1, x'00');"
		 "INSERT INTO check_results VALUES (last_insert_rowid(), 0, 'usage', 1, 1, '');"
		 "INSERT INTO check_results SELECT max(id), 1, '%s', 1, %d, 'm' FROM attempts;",
		 uid, user, at, verdict, fail_id, !strcmp(verdict, "pass"));
	ck_assert_int_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
}

/* The summary kept by triggers says what a scan of every attempt says. */
START_TEST(summary_agrees_with_the_attempts)
{
	char *path = tmp_path("sum.db");
	char *err = NULL;
	struct store *s = store_open(path, &err);
	ck_assert_ptr_nonnull(s);
	store_close(s);
	sqlite3 *db;
	sqlite3_open(path, &db);
	/* Out of time order, as after an import of an older machine's records. */
	raw_attempt(db, "u1", "ana", 5000, "fail", "pieces");
	raw_attempt(db, "u2", "ana", 3000, "fail", "hello");
	raw_attempt(db, "u3", "ana", 9000, "pass", "closes");
	raw_attempt(db, "u4", "ana", 7000, "pass", "closes");
	raw_attempt(db, "u5", "bob", 1000, "fail", "refused");
	raw_attempt(db, "u6", "bob", 2000, "fail", "bad-ip");
	raw_attempt(db, "u7", "bob", 1500, "fail", "usage2");
	sqlite3_close(db);
	s = store_open(path, &err);
	store_add_hint(s, "bob", "tcp-client-hello", 0, &err);
	store_add_session(s, "bob", "tcp-client-hello", 1, 4242, &err);
	struct store_filter fast = { NULL, NULL, 0 }, slow = { NULL, NULL, 1 };
	struct report_row *a, *b;
	size_t na, nb;
	ck_assert_int_eq(store_report(s, &fast, &a, &na, &err), 0);
	ck_assert_int_eq(store_report(s, &slow, &b, &nb, &err), 0);
	ck_assert_int_eq((int)na, 2);
	ck_assert_int_eq((int)nb, 2);
	for (size_t i = 0; i < na; i++) {
		ck_assert_str_eq(a[i].user, b[i].user);
		ck_assert_int_eq(a[i].attempts, b[i].attempts);
		ck_assert(a[i].first_pass_ms == b[i].first_pass_ms);
		ck_assert(a[i].last_ms == b[i].last_ms);
		ck_assert_int_eq(a[i].hints, b[i].hints);
		ck_assert(a[i].time_ms == b[i].time_ms);
		ck_assert_str_eq(a[i].last_failing_check ? a[i].last_failing_check : "-",
				 b[i].last_failing_check ? b[i].last_failing_check : "-");
	}
	ck_assert(a[0].first_pass_ms == 7000);
	ck_assert_str_eq(a[0].last_failing_check, "pieces");
	ck_assert_str_eq(a[1].last_failing_check, "bad-ip");
	ck_assert(a[1].time_ms == 4242);
	store_report_free(a, na);
	store_report_free(b, nb);
	store_close(s);
	cleanup(path);
}
END_TEST

Suite *store_suite(void)
{
	Suite *s = suite_create("store");
	TCase *tc = tcase_create("records");
	tcase_add_test(tc, new_database_is_private_and_records_attempts);
	tcase_add_loop_test(tc, foreign_file_is_refused_and_left_as_it_is, 0,
			    (int)(sizeof foreign / sizeof foreign[0]));
	tcase_add_test(tc, database_from_a_newer_prise_is_refused);
	tcase_add_test(tc, summary_agrees_with_the_attempts);
	tcase_add_loop_test(tc, every_older_schema_is_migrated_and_keeps_its_records, 0,
			    store_schema_version());
	suite_add_tcase(s, tc);
	return s;
}
