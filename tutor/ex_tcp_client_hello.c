/*
 * Checks of tcp-client-hello (SPEC §4, chapter 2): the slides' TCP client.
 * The reference server accepts, expects the 8 bytes "Bonjour\0", answers a
 * random int in host order (never the 10 of the slides, so a hard-coded
 * answer shows) and waits for the client to close.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"
#include "exercises.h"
#include "peer.h"
#include "sandbox.h"
#include "util.h"

static const char greeting[8] = "Bonjour";	/* with its NUL */

struct hello {
	struct run *r;
	int port;
	int lfd, cfd;
	enum peer_io acc, rx;
	unsigned char got[16];
	size_t ngot;
	int reply;
	int waited;		/* run_wait_exit's answer */
	size_t extra;		/* bytes after the greeting */
	unsigned char extra_data[16];
};

/* Opens the reference server's socket on a fresh port. */
static int listen_fresh(struct check *c, int *port)
{
	for (int tries = 0; tries < 5; tries++) {
		*port = sandbox_port();
		int fd = *port > 0 ? peer_listen(*port, 0) : -1;
		if (fd >= 0)
			return fd;
	}
	check_fail(c, NULL, "internal.port", NULL);
	return -1;
}

/* A random reply that no hard-coded or byte-swapped value can match. */
static int random_reply(void)
{
	for (;;) {
		int v = (int)peer_random(-2000000000L, 2000000000L);
		if (v != 10 && v != (int)htonl((uint32_t)v) && v != 0)
			return v;
	}
}

/*
 * Plays the server: accept, read the greeting, answer `reply_bytes` of the
 * int (then close at once when early_close), wait for the client to end.
 */
static int hello_run(struct check *c, struct spawn *s, struct hello *h,
		     size_t reply_bytes, int early_close)
{
	memset(h, 0, sizeof *h);
	h->cfd = -1;
	h->lfd = listen_fresh(c, &h->port);
	if (h->lfd < 0)
		return -1;
	s->args[0] = "127.0.0.1";
	s->args[1] = check_str(c, "%d", h->port);
	s->args[2] = NULL;
	h->r = check_spawn(c, s);
	if (!h->r) {
		close(h->lfd);
		return -1;
	}
	h->acc = peer_accept(h->r, h->lfd, &h->cfd, WAIT_MS);
	if (h->acc == PEER_OK) {
		h->rx = peer_recv(h->r, h->cfd, h->got, sizeof greeting, &h->ngot, 1, WAIT_MS);
		if (h->ngot == sizeof greeting && !memcmp(h->got, greeting, sizeof greeting)) {
			h->reply = random_reply();
			peer_send(h->r, h->cfd, &h->reply, reply_bytes, 0);
			if (early_close) {
				peer_close(h->r, h->cfd);
				h->cfd = -1;
			} else {
				peer_wait_close(h->r, h->cfd, h->extra_data, sizeof h->extra_data,
						&h->extra, WAIT_MS);
			}
		}
	}
	h->waited = run_wait_exit(h->r, WAIT_MS);
	peer_close(h->r, h->cfd);
	peer_close(h->r, h->lfd);
	return 0;
}

/* Did the program connect to the byte-swapped port (no htons)? */
static int connected_swapped(struct run *r, int port)
{
	int swapped = ((port & 0xff) << 8) | (port >> 8), found = 0;
	pthread_mutex_lock(&r->mu);
	for (size_t i = 0; i < r->nev && !found; i++) {
		char ip[64];
		int p;
		if (r->ev[i].side == SIDE_PROGRAM && r->ev[i].phase == 'X' &&
		    !strcmp(r->ev[i].call, "connect") &&
		    trace_addr_split(r->ev[i].addr, ip, sizeof ip, &p) == 0 && p == swapped)
			found = 1;
	}
	pthread_mutex_unlock(&r->mu);
	return found;
}

/* Did a send of the program move fewer bytes than asked (a short send)? */
static int had_short_send(struct run *r)
{
	int found = 0;
	pthread_mutex_lock(&r->mu);
	for (size_t i = 0; i < r->nev && !found; i++)
		if (r->ev[i].side == SIDE_PROGRAM && r->ev[i].phase == 'X' &&
		    trace_is_send(r->ev[i].call) && r->ev[i].ret >= 0 &&
		    r->ev[i].ret < r->ev[i].len)
			found = 1;
	pthread_mutex_unlock(&r->mu);
	return found;
}

/*
 * Finds "reponse : N" in the output.  Returns 1 and sets *n when there,
 * 0 when no such line.
 */
static int parse_reply(const char *out, long long *n)
{
	for (const char *p = out; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		char *end;
		if (strncmp(p, "reponse : ", 10))
			continue;
		errno = 0;
		*n = strtoll(p + 10, &end, 10);
		if (end == p + 10 || errno)
			continue;
		while (*end == ' ' || *end == '\r')
			end++;
		if (*end == '\n' || *end == '\0')
			return 1;
	}
	return 0;
}

/* Judges the whole exchange; each clause that fails says why. */
static void hello_judge(struct check *c, struct hello *h)
{
	struct run *r = h->r;
	if (h->acc != PEER_OK) {
		if (connected_swapped(r, h->port)) {
			int sw = ((h->port & 0xff) << 8) | (h->port >> 8);
			check_fail(c, r, "htons", check_str(c, "%d", sw),
				   check_str(c, "%d", h->port), NULL);
		} else if (!check_abnormal(c, r)) {
			char *err = check_stderr(r);
			check_fail(c, r, "noconnect", check_quote(c, err, strlen(err)), NULL);
			free(err);
		}
		return;
	}
	if (h->ngot != sizeof greeting || memcmp(h->got, greeting, sizeof greeting)) {
		if (h->ngot == 7 && !memcmp(h->got, greeting, 7))
			check_fail(c, r, "nul", NULL);
		else if (h->ngot < sizeof greeting && !memcmp(h->got, greeting, h->ngot) &&
			 had_short_send(r))
			check_fail(c, r, "shortsend", check_str(c, "%zu", h->ngot), NULL);
		else if (!check_abnormal(c, r))
			check_fail(c, r, "greeting", check_quote(c, h->got, h->ngot), NULL);
		return;
	}
	if (h->waited != 0) {
		const char *call = run_blocked_call(r);
		if (call && (!strcmp(call, "recv") || !strcmp(call, "read")))
			check_fail(c, r, "wait_more", NULL);
		else
			check_wait_exit(c, r);
		return;
	}
	if (check_abnormal(c, r))
		return;
	char *out = check_stdout(r);
	long long n;
	if (!parse_reply(out, &n)) {
		check_fail(c, r, "output", check_str(c, "%d", h->reply), check_quote(c, out, strlen(out)),
			   NULL);
	} else if (n != h->reply) {
		if (n == (int)htonl((uint32_t)h->reply))
			check_fail(c, r, "byteorder", check_str(c, "%lld", n),
				   check_str(c, "%d", h->reply), NULL);
		else if (n == 10)
			check_fail(c, r, "hardcoded", check_str(c, "%d", h->reply), NULL);
		else
			check_fail(c, r, "value", check_str(c, "%lld", n), check_str(c, "%d", h->reply),
				   NULL);
	} else if (r->status != 0) {
		check_fail(c, r, "status", check_str(c, "%d", r->status), NULL);
	} else if (h->extra > 0) {
		check_fail(c, r, "extra", check_str(c, "%zu", h->extra),
			   check_quote(c, h->extra_data, h->extra < 16 ? h->extra : 16), NULL);
	}
	free(out);
}

static void chk_usage(struct check *c)
{
	check_common_usage(c);
}

static void chk_hello(struct check *c)
{
	struct spawn s = { .args = { NULL } };
	struct hello h;
	if (hello_run(c, &s, &h, 4, 0) == 0)
		hello_judge(c, &h);
}

static void chk_pieces(struct check *c)
{
	struct spawn s = { .args = { NULL }, .cap_recv = 1 };
	struct hello h;
	if (hello_run(c, &s, &h, 4, 0) == 0)
		hello_judge(c, &h);
}

static void chk_short_send(struct check *c)
{
	struct spawn s = { .args = { NULL }, .cap_send = 3 };
	struct hello h;
	if (hello_run(c, &s, &h, 4, 0) == 0)
		hello_judge(c, &h);
}

static void chk_closes(struct check *c)
{
	struct spawn s = { .args = { NULL } };
	struct hello h;
	if (hello_run(c, &s, &h, 4, 0) < 0)
		return;
	hello_judge(c, &h);
	if (c->failed)
		return;
	/* The connected socket must be closed by close() (or shutdown). */
	int fd = -1, closed = 0;
	struct run *r = h.r;
	pthread_mutex_lock(&r->mu);
	for (size_t i = 0; i < r->nev; i++) {
		const struct trace_ev *e = &r->ev[i];
		if (e->side != SIDE_PROGRAM || e->phase != 'X')
			continue;
		if (!strcmp(e->call, "connect") && e->ret == 0)
			fd = e->fd;
		else if (fd >= 0 && e->fd == fd && e->ret == 0 &&
			 (!strcmp(e->call, "close") || !strcmp(e->call, "shutdown")))
			closed = 1;
	}
	pthread_mutex_unlock(&r->mu);
	if (!closed)
		check_fail(c, r, "noclose", NULL);
}

static void chk_early_close(struct check *c)
{
	struct spawn s = { .args = { NULL } };
	struct hello h;
	if (hello_run(c, &s, &h, 2, 1) < 0)
		return;
	struct run *r = h.r;
	if (h.acc != PEER_OK || h.ngot != sizeof greeting) {
		check_fail(c, r, "needs_hello", NULL);
		return;
	}
	if (h.waited != 0) {
		check_wait_exit(c, r);
		return;
	}
	if (check_abnormal(c, r))
		return;
	char *out = check_stdout(r);
	char *err = check_stderr(r);
	long long n;
	if (parse_reply(out, &n))
		check_fail(c, r, "printed", check_str(c, "%lld", n), NULL);
	else if (r->status == 0)
		check_fail(c, r, "status0", NULL);
	else if (!*err)
		check_fail(c, r, "silent", NULL);
	free(out);
	free(err);
}

static void chk_refused(struct check *c)
{
	int port = sandbox_port();
	if (port < 0) {
		check_fail(c, NULL, "internal.port", NULL);
		return;
	}
	struct spawn s = { .args = { "127.0.0.1", check_str(c, "%d", port), NULL } };
	struct run *r = check_spawn(c, &s);
	if (!r || check_wait_exit(c, r) < 0 || check_abnormal(c, r))
		return;
	char *out = check_stdout(r);
	char *err = check_stderr(r);
	long long n;
	if (parse_reply(out, &n) || r->status == 0)
		check_fail(c, r, "went_on", NULL);
	else if (!check_names_call(err, "connect"))
		check_fail(c, r, "unnamed", check_quote(c, err, strlen(err)), NULL);
	free(out);
	free(err);
}

static void chk_bad_ip(struct check *c)
{
	static const char *const ips[] = { "999.1.1.1", "abc" };
	for (size_t i = 0; i < 2 && !c->failed; i++) {
		int port;
		int lfd = listen_fresh(c, &port);
		if (lfd < 0)
			return;
		struct spawn s = { .args = { ips[i], check_str(c, "%d", port), NULL } };
		struct run *r = check_spawn(c, &s);
		if (!r) {
			close(lfd);
			return;
		}
		int w = run_wait_exit(r, WAIT_MS);
		/* A connection waiting in the queue means it reached our server. */
		struct pollfd pf = { .fd = lfd, .events = POLLIN };
		int reached = poll(&pf, 1, 0) > 0;
		close(lfd);
		if (reached) {
			check_fail(c, r, "connected", ips[i], NULL);
		} else if (w != 0) {
			check_wait_exit(c, r);
		} else if (!check_abnormal(c, r)) {
			char *err = check_stderr(r);
			if (r->status == 0)
				check_fail(c, r, "status0", ips[i], NULL);
			else if (!*err)
				check_fail(c, r, "silent", ips[i], NULL);
			free(err);
		}
	}
}

static void chk_errors(struct check *c)
{
	int port;
	int lfd = listen_fresh(c, &port);
	if (lfd < 0)
		return;
	struct spawn s = { .args = { "127.0.0.1", check_str(c, "%d", port), NULL } };
	check_common_fail_call(c, &s, "socket", "EMFILE");
	close(lfd);
}

static void chk_bad_port(struct check *c)
{
	check_common_bad_port(c, 1, 2, "127.0.0.1");
}

const struct check_def ex_tcp_client_hello_checks[] = {
	{ "usage", chk_usage },
	{ "hello", chk_hello },
	{ "pieces", chk_pieces },
	{ "short-send", chk_short_send },
	{ "closes", chk_closes },
	{ "early-close", chk_early_close },
	{ "refused", chk_refused },
	{ "bad-ip", chk_bad_ip },
	{ "errors", chk_errors },
	{ "bad-port", chk_bad_port },
	{ NULL, NULL },
};
