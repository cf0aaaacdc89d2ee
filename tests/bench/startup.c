/*
 * Start-up of the tutor: the time from starting `prise` in a terminal (a
 * pseudo-terminal of 80x24) to its first complete screen, with a database of
 * 100,000 attempts.  Prints the median of RUNS starts.
 * usage: startup PRISE DB [RUNS]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "store.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* 100,000 attempts: 50 users x 20 exercises x 100, ana among them. */
static int fill(const char *path)
{
	char *err = NULL;
	struct store *s = store_open(path, &err);
	if (!s) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	store_close(s);
	sqlite3 *db;
	if (sqlite3_open(path, &db) != SQLITE_OK)
		return -1;
	sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
	sqlite3_stmt *st;
	sqlite3_prepare_v2(db,
		"INSERT INTO attempts (uid, user, exercise, at_ms, verdict, compile_ok,"
		" compile_output, duration_ms, source) VALUES (?, ?, ?, ?, ?, 1, '', 100, 'int main;')",
		-1, &st, NULL);
	static const char *const ex[] = {
		"sockets-quiz", "fill-addr", "bind-port", "tcp-server-hello", "tcp-client-hello",
		"send-all", "tcp-sum-client", "framing", "tcp-quiz", "udp-receiver", "udp-sender",
		"udp-retry", "udp-quiz", "udp-iterative-server", "tcp-iterative-server",
		"tcp-fork-server", "tcp-thread-server", "select-server", "chat-server", "multi-quiz",
	};
	long n = 0;
	for (int u = 0; u < 50; u++)
		for (int e = 0; e < 20; e++)
			for (int a = 0; a < 100; a++, n++) {
				char uid[32], user[32];
				snprintf(uid, sizeof uid, "b%ld", n);
				snprintf(user, sizeof user, u == 0 ? "ana" : "user%d", u);
				sqlite3_bind_text(st, 1, uid, -1, SQLITE_TRANSIENT);
				sqlite3_bind_text(st, 2, user, -1, SQLITE_TRANSIENT);
				sqlite3_bind_text(st, 3, ex[e], -1, SQLITE_STATIC);
				sqlite3_bind_int64(st, 4, 1700000000000LL + n);
				sqlite3_bind_text(st, 5, a == 99 && e % 2 ? "pass" : "fail", -1, SQLITE_STATIC);
				sqlite3_step(st);
				sqlite3_reset(st);
			}
	sqlite3_finalize(st);
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(db);
	return 0;
}

/* One start: milliseconds until the key bar of the home screen is drawn. */
static double one(const char *prise, const char *db)
{
	struct winsize ws = { .ws_row = 24, .ws_col = 80 };
	int master;
	double t0 = now();
	pid_t pid = forkpty(&master, NULL, NULL, &ws);
	if (pid == 0) {
		setenv("PRISE_DB", db, 1);
		setenv("PRISE_USER", "ana", 1);
		setenv("PRISE_LANG", "en", 1);
		setenv("TERM", "xterm", 1);
		execl(prise, prise, (char *)NULL);
		_exit(127);
	}
	char buf[65536];
	size_t len = 0;
	double t = -1;
	while (t < 0) {
		struct pollfd pf = { .fd = master, .events = POLLIN };
		if (poll(&pf, 1, 5000) <= 0)
			break;
		ssize_t n = read(master, buf + len, sizeof buf - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
		/* The last thing drawn is the key bar. */
		if (strstr(buf, "quit"))
			t = now() - t0;
		if (len > sizeof buf - 1024)
			len = 0;
	}
	if (write(master, "q", 1) < 0)
		kill(pid, SIGTERM);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	close(master);
	return t;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: startup PRISE DB [RUNS]\n");
		return 2;
	}
	int runs = argc > 3 ? atoi(argv[3]) : 21;
	unlink(argv[2]);
	if (fill(argv[2]) < 0)
		return 1;
	double *t = calloc((size_t)runs, sizeof *t);
	for (int i = 0; i < runs; i++)
		t[i] = one(argv[1], argv[2]);
	qsort(t, (size_t)runs, sizeof *t, cmp);
	printf("start-up to the first screen, 100,000 attempts: median %.1f ms (min %.1f, max %.1f, %d runs)\n",
	       t[runs / 2], t[0], t[runs - 1], runs);
	free(t);
	return 0;
}
