/*
 * Checks of tcp-iterative-server (SPEC §4, chapter 4): the slides'
 * iterative TCP server, serving the line-uppercasing protocol of upper.h to
 * one client after the other.  Each check starts the server on a fresh port,
 * waits for its listen(), drives reference clients and judges the bytes
 * they get back; the server runs forever and is killed at the end.
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

static void chk_longest(struct check *c)
{
	struct spawn s = { .args = { NULL } };
	size_t lens[3] = { UPPER_LINE_MAX, (size_t)peer_random(16, 40), UPPER_LINE_MAX };
	upper_lines(c, &s, lens, 3, 0);
}

static void chk_sequence(struct check *c)
{
	struct spawn s = { .args = { NULL } };
	int port;
	struct run *r = upper_start(c, &s, &port);
	if (r)
		upper_sequence(c, r, port, 3, 3, 0);
}

/* Accepted fds of the run that no close() followed (in the same process). */
static int unclosed_accepts(struct run *r, int *shut)
{
	int open = 0;
	*shut = 0;
	pthread_mutex_lock(&r->mu);
	for (size_t i = 0; i < r->nev; i++) {
		const struct trace_ev *a = &r->ev[i];
		if (a->side != SIDE_PROGRAM || a->phase != 'X' || a->ret < 0 ||
		    (strcmp(a->call, "accept") && strcmp(a->call, "accept4")))
			continue;
		int closed = 0;
		for (size_t k = i + 1; k < r->nev && !closed; k++) {
			const struct trace_ev *e = &r->ev[k];
			if (e->side != SIDE_PROGRAM || e->phase != 'X' || e->pid != a->pid ||
			    e->fd != (int)a->ret || e->ret != 0)
				continue;
			if (!strcmp(e->call, "close"))
				closed = 1;
			else if (!strcmp(e->call, "shutdown"))
				*shut = 1;
		}
		open += !closed;
	}
	pthread_mutex_unlock(&r->mu);
	return open;
}

static void chk_closes(struct check *c)
{
	struct spawn s = { .args = { NULL } };
	int port;
	struct run *r = upper_start(c, &s, &port);
	if (!r)
		return;
	int base = upper_fd_count(r->pid);
	if (upper_sequence(c, r, port, 3, 2, 0) < 0)
		return;
	int shut;
	int unclosed = unclosed_accepts(r, &shut);
	/* One more than at the start is tolerated; a leak grows with each client. */
	int n = base >= 0 ? upper_fds_settle(r, base + 1, 1000) : -1;
	int extra = n >= 0 ? n - base : unclosed;
	if (n >= 0 ? n <= base + 1 : unclosed == 0)
		return;
	check_fail(c, r, shut ? "shutdown_only" : "noclose", check_str(c, "%d", extra), NULL);
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

/* The name and errno of the last call the stub made fail on purpose. */
static int last_injected(struct check *c, struct run *r, const char **call, const char **err)
{
	int found = 0;
	pthread_mutex_lock(&r->mu);
	for (size_t i = 0; i < r->nev; i++) {
		const struct trace_ev *e = &r->ev[i];
		if (e->side == SIDE_PROGRAM && e->phase == 'X' && !strcmp(e->inj, "fail")) {
			*call = check_str(c, "%s", e->call);
			*err = e->err == ECONNRESET ? "ECONNRESET" : "ECONNABORTED";
			found = 1;
		}
	}
	pthread_mutex_unlock(&r->mu);
	return found;
}

/* Did the server end?  Then fails went_down naming the failure we made. */
static int went_down(struct check *c, struct run *r)
{
	pthread_mutex_lock(&r->mu);
	int ended = r->end != RUN_RUNNING || r->collector_done;
	int status = r->status;
	pthread_mutex_unlock(&r->mu);
	if (!ended)
		return 0;
	const char *call = "accept", *err = "ECONNABORTED";
	last_injected(c, r, &call, &err);
	if (!check_abnormal(c, r))
		check_fail(c, r, "went_down", call, err, check_str(c, "%d", status), NULL);
	return 1;
}

/*
 * The first accept() fails with ECONNABORTED, then the first receive (on
 * the first client) with ECONNRESET: that client is over, the server goes
 * on and serves the next one.  A server that tries the receive again is
 * fine too: the first client is then served.
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
	/* Client 1 sends nothing: the server closes it, or waits for it. */
	enum peer_io s1 = upper_await(u, WAIT_MS);
	if (s1 == PEER_STALL && u->held && upper_serve(c, u, w1, 3) < 0) {
		upper_free(u);
		return;
	}
	upper_free(u);
	if (went_down(c, r))
		return;
	struct upper_client *v = upper_connect(r, port);
	if (!v && errno == ECONNREFUSED)
		run_wait_end(r, 1000);
	if (went_down(c, r)) {
		upper_free(v);
		return;
	}
	if (!v)
		check_fail(c, r, "upper.noconnect", w2, check_str(c, "%s", strerror(errno)), NULL);
	else
		upper_serve(c, v, w2, 3);
	upper_free(v);
}

static void chk_bad_port(struct check *c)
{
	check_common_bad_port(c, 0, 1, NULL);
}

const struct check_def ex_tcp_iterative_server_checks[] = {
	{ "usage", chk_usage },
	{ "one-client", chk_one_client },
	{ "pieces", chk_pieces },
	{ "batch", chk_batch },
	{ "longest", chk_longest },
	{ "sequence", chk_sequence },
	{ "closes", chk_closes },
	{ "short-send", chk_short_send },
	{ "errors", chk_errors },
	{ "client-error", chk_client_error },
	{ "bad-port", chk_bad_port },
	{ NULL, NULL },
};
