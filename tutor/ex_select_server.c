/*
 * Checks of select-server (SPEC §4, chapter 4): the line-uppercasing
 * protocol of upper.h, every client served at once by one process with one
 * thread, with select() or poll().  Each check starts the server on a fresh
 * port, waits for its listen(), drives reference clients (several at once
 * where it matters) and judges the bytes they get back; the server runs
 * forever and is killed at the end.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "exercises.h"
#include "peer.h"
#include "sandbox.h"
#include "upper.h"
#include "util.h"

static void chk_usage(struct check *c)
{
	check_common_usage(c);
}

static void chk_one_client(struct check *c)
{
	struct spawn s = { .args = { NULL } };
	size_t lens[5];
	upper_distinct_lens(lens, 5, 16, 200);
	upper_lines(c, &s, lens, 5, 0);
}

static void chk_pieces(struct check *c)
{
	struct spawn s = { .args = { NULL }, .cap_recv = 3 };
	size_t lens[4];
	upper_distinct_lens(lens, 4, 16, 80);
	/* No length a multiple of 3: some recv() of each line gets fewer bytes. */
	for (int i = 0; i < 4; i++)
		if (lens[i] % 3 == 0)
			lens[i] += i == 0 ? 1 : -1;
	upper_lines(c, &s, lens, 4, 5);
}

static void chk_batch(struct check *c)
{
	struct spawn s = { .args = { NULL } };
	upper_batch(c, &s);
}

/* A first client holds hold_bytes of a line while a second must be served. */
static void held(struct check *c, size_t hold_bytes)
{
	struct spawn s = { .args = { NULL } };
	int port;
	struct run *r = upper_start(c, &s, &port);
	if (r)
		upper_held(c, r, port, hold_bytes);
}

static void chk_silent(struct check *c)
{
	held(c, 0);
}

static void chk_half_line(struct check *c)
{
	held(c, (size_t)peer_random(5, 12));
}

#define NMIX 4

/*
 * Four clients connected at once send their two lines in three pieces each,
 * in turn, every piece ending inside a line (lines of 30 to 50 bytes): each
 * must get its own lines back, whatever the others sent in between.  Small
 * receives make every line come in several recv() calls.
 */
static void chk_interleaved(struct check *c)
{
	struct spawn s = { .args = { NULL }, .cap_recv = 7 };
	int port;
	struct run *r = upper_start(c, &s, &port);
	if (!r)
		return;
	struct upper_client *u[NMIX] = { NULL };
	const char *what[NMIX];
	char lines[NMIX][2 * 60];
	size_t len[NMIX];
	for (int k = 0; k < NMIX && !c->failed; k++) {
		what[k] = upper_what(c, k + 1);
		u[k] = upper_connect_check(c, r, port, what[k]);
		len[k] = upper_random_lines(lines[k], 2, 30, 50);
	}
	/* Three pieces each, in turn: the last piece of a client ends its lines. */
	for (int p = 0; p < 3 && !c->failed; p++)
		for (int k = 0; k < NMIX; k++) {
			size_t a = len[k] * (size_t)p / 3, b = len[k] * (size_t)(p + 1) / 3;
			upper_send(u[k], lines[k] + a, b - a, 0);
		}
	/* A server stuck on another client's socket is seen at once. */
	for (int k = 0; k < NMIX && !c->failed; k++) {
		u[k]->hold = u[k ? 0 : 1];
		upper_recv(u[k], WAIT_MS);
		u[k]->hold = NULL;
		upper_judge(c, u[k], what[k]);
	}
	for (int k = 0; k < NMIX && !c->failed; k++) {
		enum peer_io end = upper_finish(u[k], WAIT_MS);
		if (upper_judge(c, u[k], what[k]) == 0 && end != PEER_CLOSED)
			check_fail(c, r, u[k]->blocked ? "upper.noclose" : "upper.noclose_hang",
				   what[k], u[k]->blocked, NULL);
	}
	for (int k = 0; k < NMIX; k++)
		upper_free(u[k]);
}

/* Two clients connected at once, served; then no fork, no thread in the trace. */
static void chk_one_process(struct check *c)
{
	struct spawn s = { .args = { NULL } };
	int port;
	struct run *r = upper_start(c, &s, &port);
	if (!r)
		return;
	const char *w1 = upper_what(c, 1), *w2 = upper_what(c, 2);
	struct upper_client *u = upper_connect_check(c, r, port, w1);
	struct upper_client *v = u ? upper_connect_check(c, r, port, w2) : NULL;
	if (!u || !v) {
		/* The check failed already. */
	} else if ((v->hold = u, upper_serve(c, v, w2, 2) == 0) && upper_serve(c, u, w1, 2) == 0) {
		const char *call = upper_forked(r);
		if (call)
			check_fail(c, r, !strcmp(call, "fork") ? "forked" : "threaded", NULL);
	}
	upper_free(u);
	upper_free(v);
}

static void chk_abrupt(struct check *c)
{
	/* Small receives: the reset comes while the server still has lines to answer. */
	struct spawn s = { .args = { NULL }, .cap_recv = 16 };
	int port;
	struct run *r = upper_start(c, &s, &port);
	int conclusive;
	if (r)
		upper_abrupt(c, r, port, &conclusive);
}

#define NROUND 10
#define NAT_ONCE 5

/*
 * Fifty clients, five at a time (within the slides' listen(dS, 7) backlog
 * even before the server accepts any): each sends a line, gets it back and
 * leaves.  Then the server holds no more descriptors than before the first.
 */
static void chk_fifty(struct check *c)
{
	struct spawn s = { .args = { NULL } };
	int port;
	struct run *r = upper_start(c, &s, &port);
	if (!r)
		return;
	int base = upper_fd_count(r->pid);
	for (int round = 0; round < NROUND && !c->failed; round++) {
		struct upper_client *u[NAT_ONCE] = { NULL };
		const char *what[NAT_ONCE];
		for (int k = 0; k < NAT_ONCE && !c->failed; k++) {
			what[k] = upper_what(c, round * NAT_ONCE + k + 1);
			u[k] = upper_connect_check(c, r, port, what[k]);
		}
		for (int k = 0; k < NAT_ONCE && !c->failed; k++) {
			char line[60];
			size_t len = (size_t)peer_random(16, 50);
			upper_random_line(line, len);
			upper_send(u[k], line, len, 0);
		}
		for (int k = 0; k < NAT_ONCE && !c->failed; k++) {
			u[k]->hold = u[k ? 0 : 1];
			upper_recv(u[k], WAIT_MS);
			u[k]->hold = NULL;
			upper_judge(c, u[k], what[k]);
		}
		for (int k = 0; k < NAT_ONCE && !c->failed; k++) {
			enum peer_io end = upper_finish(u[k], WAIT_MS);
			if (upper_judge(c, u[k], what[k]) == 0 && end != PEER_CLOSED)
				check_fail(c, r, u[k]->blocked ? "upper.noclose" : "upper.noclose_hang",
					   what[k], u[k]->blocked, NULL);
		}
		for (int k = 0; k < NAT_ONCE; k++)
			upper_free(u[k]);
	}
	if (c->failed || base < 0)
		return;
	/* Two more than at the start are tolerated; a leak grows with each client. */
	int n = upper_fds_settle(r, base + 2, 1000);
	if (n > base + 2)
		check_fail(c, r, "fd_leak", check_str(c, "%d", n - base), NULL);
}

static void chk_short_send(struct check *c)
{
	struct spawn s = { .args = { NULL }, .cap_send = 3 };
	size_t lens[4];
	upper_distinct_lens(lens, 4, 20, 70);
	upper_lines(c, &s, lens, 4, 0);
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

/* Did the server end?  Then fails went_down with its status. */
static int went_down(struct check *c, struct run *r)
{
	pthread_mutex_lock(&r->mu);
	int ended = r->end != RUN_RUNNING || r->collector_done;
	int status = r->status;
	pthread_mutex_unlock(&r->mu);
	if (ended && !check_abnormal(c, r))
		check_fail(c, r, "went_down", check_str(c, "%d", status), NULL);
	return ended;
}

/*
 * The first accept() fails with ECONNABORTED, then the first receive (on
 * the first client) with ECONNRESET: that client is over, the server goes
 * on and serves the next one.  A server that reads again later is fine
 * too: the first client is then served.
 */
static void chk_client_error(struct check *c)
{
	struct spawn s = {
		.args = { NULL },
		.fail = "accept:ECONNABORTED:1,accept4:ECONNABORTED:1,recv:ECONNRESET:1,"
			"read:ECONNRESET:1,recvfrom:ECONNRESET:1",
	};
	int port;
	struct run *r = upper_start(c, &s, &port);
	if (!r)
		return;
	const char *w1 = upper_what(c, 1), *w2 = upper_what(c, 2);
	struct upper_client *u = upper_connect(r, port);
	if (!u) {
		if (!went_down(c, r))
			check_fail(c, r, "upper.noconnect", w1, check_str(c, "%s", strerror(errno)),
				   NULL);
		return;
	}
	/*
	 * Client 1's line meets the failure: the server drops it at once, or
	 * serves it (neither is judged: a short wait is enough).
	 */
	char line[40];
	size_t len = (size_t)peer_random(16, 39);
	upper_random_line(line, len);
	upper_exchange(u, line, len, 0, 1000);
	upper_free(u);
	struct upper_client *v = upper_connect(r, port);
	if (!v) {
		int e = errno;
		run_wait_end(r, 1000);
		if (!went_down(c, r))
			check_fail(c, r, "upper.noconnect", w2, check_str(c, "%s", strerror(e)), NULL);
	} else {
		upper_serve(c, v, w2, 3);
	}
	upper_free(v);
}

static void chk_bad_port(struct check *c)
{
	check_common_bad_port(c, 0, 1, NULL);
}

const struct check_def ex_select_server_checks[] = {
	{ "usage", chk_usage },
	{ "one-client", chk_one_client },
	{ "pieces", chk_pieces },
	{ "batch", chk_batch },
	{ "silent", chk_silent },
	{ "half-line", chk_half_line },
	{ "interleaved", chk_interleaved },
	{ "one-process", chk_one_process },
	{ "abrupt", chk_abrupt },
	{ "fifty", chk_fifty },
	{ "short-send", chk_short_send },
	{ "errors", chk_errors },
	{ "client-error", chk_client_error },
	{ "bad-port", chk_bad_port },
	{ NULL, NULL },
};
