/*
 * Checks of tcp-thread-server (SPEC §4, chapter 4): the line-uppercasing
 * server of tcp-iterative-server, one thread per client.  The protocol is
 * played and judged by tutor/upper.c; this file adds what threads bring: a
 * silent client delays nobody, each client's socket is closed when the
 * client leaves (the descriptors of the server stay few after fifty
 * clients), a failed pthread_create() stops the server.
 *
 * What the threads of the server are doing is read in /proc (the state of
 * each thread, the system call it sleeps in): bounded polling to detect
 * readiness, never a pause that decides a verdict.  (The /proc helpers are
 * those of upper.c.)
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "check.h"
#include "exercises.h"
#include "peer.h"
#include "sandbox.h"
#include "upper.h"
#include "util.h"

#define NSEQ 50			/* clients one after the other */
#define FEW_SOCKETS 10		/* sockets a server may hold after NSEQ clients */

/* ---- the judging shared by the checks ---- */

/*
 * The server ended while it should serve forever: says why (a crash, an
 * exit...).  Returns 1 when it had ended.
 */
static int judge_ended(struct check *c, struct run *r, const char *what)
{
	if (!upper_run_ended(r))
		return 0;
	run_wait_end(r, WAIT_MS);
	if (!check_abnormal(c, r))
		check_fail(c, r, "upper.ended", what, check_str(c, "%d", r->status), NULL);
	return 1;
}

/* Connects client n, or fails the check.  NULL then. */
static struct upper_client *connect_client(struct check *c, struct run *r, int port, int n)
{
	struct upper_client *u = upper_connect(r, port);
	if (u)
		return u;
	const char *what = upper_what(c, n);
	if (!judge_ended(c, r, what))
		check_fail(c, r, "upper.noconnect", what, check_str(c, "%s", strerror(errno)), NULL);
	return NULL;
}

/* Why was client `what` not served while an earlier one was connected? */
static void judge_held(struct check *c, struct run *r, const char *what)
{
	struct upper_census cs;
	long self = r->pid;
	upper_census_of(r, &self, 1, &cs);
	const char *made = upper_forked(r);
	if (!made)
		check_fail(c, r, "iterative", what, NULL);
	else if (strcmp(made, "pthread_create"))
		check_fail(c, r, "wrong_kind", what, made, NULL);
	else if (cs.main_nr == SYS_futex)
		check_fail(c, r, "joins", what, NULL);
	else
		check_fail(c, r, "upper.held", what, "?", NULL);
}

/* Client u sends `lines` random lines, one at a time, each answered in full. */
static int serve_lines(struct check *c, struct run *r, struct upper_client *u, int n,
		       int lines)
{
	const char *what = upper_what(c, n);
	for (int i = 0; i < lines; i++) {
		char line[64];
		size_t len = (size_t)peer_random(8, (long)sizeof line);
		upper_random_line(line, len);
		upper_send(u, line, len, 0);
		if (upper_recv_or_held(r, u)) {
			judge_held(c, r, what);
			return -1;
		}
		if (u->ngot != u->nsent && judge_ended(c, r, what))
			return -1;
		if (upper_judge(c, u, what) < 0)
			return -1;
	}
	return 0;
}

/* Sockets the process holds (entries of /proc/PID/fd that are sockets). */
static int socket_count(long pid)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%ld/fd", pid);
	DIR *d = opendir(path);
	if (!d)
		return -1;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		char fd[320], link[64];
		if (e->d_name[0] == '.')
			continue;
		snprintf(fd, sizeof fd, "%s/%s", path, e->d_name);
		ssize_t k = readlink(fd, link, sizeof link - 1);
		if (k > 0) {
			link[k] = '\0';
			n += !strncmp(link, "socket:", 7);
		}
	}
	closedir(d);
	return n;
}

/* ---- the checks ---- */

static void chk_usage(struct check *c)
{
	check_common_usage(c);
}

/* One client, lines of every length, one at a time. */
static void chk_upper(struct check *c)
{
	struct spawn s = { .args = { NULL } };
	int port;
	struct run *r = upper_start(c, &s, &port);
	if (!r)
		return;
	struct upper_client *u = connect_client(c, r, port, 1);
	if (!u)
		return;
	static const size_t lens[] = { 1, 2, 17, 80, 300, UPPER_LINE_MAX };
	char line[UPPER_LINE_MAX];
	for (size_t i = 0; i < sizeof lens / sizeof lens[0] && !c->failed; i++) {
		upper_random_line(line, lens[i]);
		upper_exchange(u, line, lens[i], 0, WAIT_MS);
		if (u->ngot == u->nsent || !judge_ended(c, r, upper_what(c, 1)))
			upper_judge(c, u, upper_what(c, 1));
	}
	upper_free(u);
}

/* Lines cut in pieces, several lines at once, and recv() capped to 3 bytes. */
static void chk_pieces(struct check *c)
{
	struct spawn s = { .args = { NULL }, .cap_recv = 3 };
	int port;
	struct run *r = upper_start(c, &s, &port);
	if (!r)
		return;
	struct upper_client *u = connect_client(c, r, port, 1);
	if (!u)
		return;
	char buf[8 * 100];
	size_t len = upper_random_lines(buf, 3, 20, 100);
	upper_exchange(u, buf, len, 7, WAIT_MS);
	if (u->ngot == u->nsent || !judge_ended(c, r, upper_what(c, 1)))
		upper_judge(c, u, upper_what(c, 1));
	if (!c->failed) {
		len = upper_random_lines(buf, 6, 5, 40);
		upper_exchange(u, buf, len, 0, WAIT_MS);
		if (u->ngot == u->nsent || !judge_ended(c, r, upper_what(c, 1)))
			upper_judge(c, u, upper_what(c, 1));
	}
	upper_free(u);
}

/* send() moves at most 2 bytes at a time: the rest must follow. */
static void chk_short_send(struct check *c)
{
	struct spawn s = { .args = { NULL }, .cap_send = 2 };
	int port;
	struct run *r = upper_start(c, &s, &port);
	if (!r)
		return;
	struct upper_client *u = connect_client(c, r, port, 1);
	if (!u)
		return;
	char line[200];
	for (int i = 0; i < 3 && !c->failed; i++) {
		size_t len = (size_t)peer_random(50, (long)sizeof line);
		upper_random_line(line, len);
		upper_exchange(u, line, len, 0, WAIT_MS);
		if (u->ngot == u->nsent || !judge_ended(c, r, upper_what(c, 1)))
			upper_judge(c, u, upper_what(c, 1));
	}
	upper_free(u);
}

/*
 * Client 1 connects and sends nothing, client 2 sends half a line, then
 * client 3 must be served in full; then 2 and 1 are served too, and the
 * trace must show pthread_create().
 */
static void chk_concurrent(struct check *c)
{
	struct spawn s = { .args = { NULL } };
	int port;
	struct run *r = upper_start(c, &s, &port);
	if (!r)
		return;
	struct upper_client *u[3] = { NULL, NULL, NULL };
	char half[64];
	for (int i = 0; i < 3; i++)
		if (!(u[i] = connect_client(c, r, port, i + 1)))
			goto out;
	upper_random_line(half, 30);
	upper_send(u[1], half, 12, 0);
	if (serve_lines(c, r, u[2], 3, 3) < 0)
		goto out;
	/* The two that waited are served too. */
	upper_exchange(u[1], half + 12, 18, 0, WAIT_MS);
	if (u[1]->ngot != u[1]->nsent && judge_ended(c, r, upper_what(c, 2)))
		goto out;
	if (upper_judge(c, u[1], upper_what(c, 2)) < 0)
		goto out;
	if (serve_lines(c, r, u[0], 1, 2) < 0)
		goto out;
	upper_trace_flush(r);
	const char *made = upper_forked(r);
	if (!made)
		check_fail(c, r, "nothread", NULL);
	else if (strcmp(made, "pthread_create"))
		check_fail(c, r, "wrong_kind", upper_what(c, 3), made, NULL);
out:
	for (int i = 0; i < 3; i++)
		upper_free(u[i]);
}

/*
 * NSEQ clients one after the other, each one served and seeing the server
 * close its side; then the server holds few sockets (each one was closed,
 * not only shut down).
 */
static void chk_closes(struct check *c)
{
	struct spawn s = { .args = { NULL } };
	int port;
	struct run *r = upper_start(c, &s, &port);
	if (!r || upper_sequence(c, r, port, NSEQ, 1, 0) < 0)
		return;
	int n = socket_count(r->pid);
	if (n > FEW_SOCKETS)
		check_fail(c, r, "fd_leak", check_str(c, "%d", NSEQ), check_str(c, "%d", n), NULL);
}

/* Did the stub make a pthread_create() fail on purpose? */
static int create_failed(struct run *r)
{
	int found = 0;
	pthread_mutex_lock(&r->mu);
	for (size_t i = 0; i < r->nev && !found; i++)
		found = r->ev[i].side == SIDE_PROGRAM && r->ev[i].phase == 'X' &&
			!strcmp(r->ev[i].call, "pthread_create") && !strcmp(r->ev[i].inj, "fail");
	pthread_mutex_unlock(&r->mu);
	return found;
}

/* The server ended, or accepted u and can no longer go on by itself. */
static int ended_or_idle(struct run *r, void *arg)
{
	const struct upper_client *u = arg;
	return upper_run_ended(r) || (upper_accept_index(r, u) >= 0 && upper_quiet(r, 0));
}

/* The first pthread_create() fails: a message naming it, a non-zero status. */
static void chk_thread_fails(struct check *c)
{
	struct spawn s = { .args = { NULL }, .fail = "pthread_create:EAGAIN:1" };
	int port;
	struct run *r = upper_start(c, &s, &port);
	if (!r)
		return;
	struct upper_client *u = connect_client(c, r, port, 1);
	if (!u)
		return;
	char line[40];
	upper_random_line(line, sizeof line);
	upper_send(u, line, sizeof line, 0);
	upper_wait_until(r, ended_or_idle, u, WAIT_MS);
	int ended = upper_run_ended(r) && run_wait_end(r, WAIT_MS) == 0;
	upper_free(u);
	upper_trace_flush(r);
	if (!create_failed(r))
		return;		/* it never made a thread: the check "concurrent" says so */
	if (!ended) {
		check_fail(c, r, "failcall.went_on", "pthread_create", "EAGAIN", NULL);
		run_kill(r);
		return;
	}
	if (check_abnormal(c, r))
		return;
	char *err = check_stderr(r);
	if (r->status == 0)
		check_fail(c, r, "failcall.status0", "pthread_create", "EAGAIN", NULL);
	else if (!check_names_call(err, "pthread_create") && !check_mentions(err, "thread"))
		check_fail(c, r, "failcall.unnamed", "pthread_create", "EAGAIN",
			   check_quote(c, err, strlen(err)), NULL);
	free(err);
}

static void chk_errors(struct check *c)
{
	static const char *const calls[][2] = {
		{ "socket", "EMFILE" },
		{ "bind", "EADDRINUSE" },
		{ "listen", "EADDRINUSE" },
	};
	for (size_t i = 0; i < 3 && !c->failed; i++) {
		int port = sandbox_port();
		if (port < 0) {
			check_fail(c, NULL, "internal.port", NULL);
			return;
		}
		struct spawn s = { .args = { check_str(c, "%d", port), NULL } };
		check_common_fail_call(c, &s, calls[i][0], calls[i][1]);
	}
}

static void chk_bad_port(struct check *c)
{
	check_common_bad_port(c, 0, 1, NULL);
}

const struct check_def ex_tcp_thread_server_checks[] = {
	{ "usage", chk_usage },
	{ "upper", chk_upper },
	{ "pieces", chk_pieces },
	{ "short-send", chk_short_send },
	{ "concurrent", chk_concurrent },
	{ "closes", chk_closes },
	{ "thread-fails", chk_thread_fails },
	{ "errors", chk_errors },
	{ "bad-port", chk_bad_port },
	{ NULL, NULL },
};
