/*
 * Fills a progress database for the records benchmark: USERS learners x 20
 * exercises x ATTEMPTS attempts, each with its check results, a small
 * source, a hint per exercise and a session.
 * usage: fill DB USERS ATTEMPTS
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>

#include "store.h"

static const char *const ex[] = {
	"sockets-quiz", "fill-addr", "bind-port", "tcp-server-hello", "tcp-client-hello",
	"send-all", "tcp-sum-client", "framing", "tcp-quiz", "udp-receiver", "udp-sender",
	"udp-retry", "udp-quiz", "udp-iterative-server", "tcp-iterative-server",
	"tcp-fork-server", "tcp-thread-server", "select-server", "chat-server", "multi-quiz",
};

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: fill DB USERS ATTEMPTS\n");
		return 2;
	}
	int users = atoi(argv[2]), attempts = atoi(argv[3]);
	char *err = NULL;
	struct store *s = store_open(argv[1], &err);
	if (!s) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	store_close(s);
	sqlite3 *db;
	sqlite3_open(argv[1], &db);
	sqlite3_exec(db, "PRAGMA synchronous = OFF; BEGIN", NULL, NULL, NULL);
	sqlite3_stmt *a, *c, *h, *t;
	sqlite3_prepare_v2(db, "INSERT INTO attempts (uid, user, exercise, at_ms, verdict, compile_ok,"
			       " compile_output, duration_ms, source) VALUES (?,?,?,?,?,1,'',120,?)",
			   -1, &a, NULL);
	sqlite3_prepare_v2(db, "INSERT INTO check_results (attempt_id, position, check_id, required,"
			       " ok, message) VALUES (?,?,?,1,?,?)", -1, &c, NULL);
	sqlite3_prepare_v2(db, "INSERT INTO hints (uid, user, exercise, at_ms, hint_index)"
			       " VALUES (?,?,?,?,0)", -1, &h, NULL);
	sqlite3_prepare_v2(db, "INSERT INTO sessions (uid, user, exercise, at_ms, active_ms)"
			       " VALUES (?,?,?,?,600000)", -1, &t, NULL);
	static const char src[] = "#include <stdio.h>\nint main(void)\n{\n\treturn 0;\n}\n";
	long n = 0;
	for (int u = 0; u < users; u++) {
		char user[32];
		snprintf(user, sizeof user, "student%04d", u);
		for (int e = 0; e < 20; e++) {
			int passes = (u + e) % 3 != 0;	/* a third of them stuck */
			for (int k = 0; k < attempts; k++, n++) {
				char uid[32];
				snprintf(uid, sizeof uid, "a%ld", n);
				int pass = passes && k == attempts - 1;
				sqlite3_bind_text(a, 1, uid, -1, SQLITE_TRANSIENT);
				sqlite3_bind_text(a, 2, user, -1, SQLITE_TRANSIENT);
				sqlite3_bind_text(a, 3, ex[e], -1, SQLITE_STATIC);
				sqlite3_bind_int64(a, 4, 1764000000000LL + n * 1000);
				sqlite3_bind_text(a, 5, pass ? "pass" : "fail", -1, SQLITE_STATIC);
				sqlite3_bind_blob(a, 6, src, sizeof src - 1, SQLITE_STATIC);
				sqlite3_step(a);
				sqlite3_reset(a);
				sqlite3_int64 id = sqlite3_last_insert_rowid(db);
				for (int q = 0; q < 3; q++) {
					sqlite3_bind_int64(c, 1, id);
					sqlite3_bind_int(c, 2, q);
					sqlite3_bind_text(c, 3, q == 0 ? "usage" : q == 1 ? "hello" : "pieces", -1,
							  SQLITE_STATIC);
					sqlite3_bind_int(c, 4, pass || q < 2);
					sqlite3_bind_text(c, 5, pass || q < 2 ? "" : "one recv", -1, SQLITE_STATIC);
					sqlite3_step(c);
					sqlite3_reset(c);
				}
			}
			char uid[32];
			snprintf(uid, sizeof uid, "h%d.%d", u, e);
			sqlite3_bind_text(h, 1, uid, -1, SQLITE_TRANSIENT);
			sqlite3_bind_text(h, 2, user, -1, SQLITE_TRANSIENT);
			sqlite3_bind_text(h, 3, ex[e], -1, SQLITE_STATIC);
			sqlite3_bind_int64(h, 4, 1764000000000LL);
			sqlite3_step(h);
			sqlite3_reset(h);
			snprintf(uid, sizeof uid, "s%d.%d", u, e);
			sqlite3_bind_text(t, 1, uid, -1, SQLITE_TRANSIENT);
			sqlite3_bind_text(t, 2, user, -1, SQLITE_TRANSIENT);
			sqlite3_bind_text(t, 3, ex[e], -1, SQLITE_STATIC);
			sqlite3_bind_int64(t, 4, 1764000000000LL);
			sqlite3_step(t);
			sqlite3_reset(t);
		}
	}
	sqlite3_finalize(a);
	sqlite3_finalize(c);
	sqlite3_finalize(h);
	sqlite3_finalize(t);
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(db);
	return 0;
}
