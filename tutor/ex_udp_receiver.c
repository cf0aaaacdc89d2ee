/*
 * Checks of udp-receiver (SPEC §4, chapter 3): the slides' Prog 2.  The
 * program binds PORT on all interfaces; the reference peer, a UDP socket on
 * 127.0.0.1 at a port the system picks, sends one datagram holding a random
 * word and its NUL (never "Bonjour"), and waits for the int 10 in host order
 * at its own port; the program then closes its socket and exits 0.
 *
 * Nothing is decided from a pause.  Before sending, the check waits for the
 * program's bind() in the trace (a missing htons shows there as the
 * byte-swapped port).  While it waits for the reply it reads the trace: a
 * reply sent elsewhere than to the peer is seen at the sendto() that sent
 * it, a program that went back to recvfrom() without replying is seen
 * asleep there (the kernel confirms), and the peer socket has IP_RECVERR so
 * that a datagram nobody was bound to receive comes back at once as
 * ECONNREFUSED.  A datagram is never split by the stub: no byte cap here.
 * The words are random but of fixed lengths (12 letters, 19 for the
 * longest, 10), so that a buffer too small is rejected every time.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"
#include "exercises.h"
#include "peer.h"
#include "util.h"

#define MSG_MAX 20		/* bytes the program accepts, NUL included */

struct xchg {
	struct run *r;
	int port;		/* PORT given to the program */
	const char *to_ip;	/* where the peer sends: 127.0.0.1 or 127.0.0.2 */
	char word[MSG_MAX + 8];
	size_t nsend;		/* bytes of the datagram, NUL included */
	struct check_bind bind;	/* the program's bind */
	int pfd, pport;		/* the peer socket and its port */
	enum peer_reply st;
	struct peer_waiter w;
	struct peer_dest bad;
	unsigned char got[64];
	size_t ngot;
	size_t scan0;		/* first trace event after the peer's datagram */
	int rx_seen;		/* the program's receive of it is in the trace */
	long rx_len, rx_ret;	/* that receive: bytes asked, bytes got */
	char rx_call[16];
	char stuck[16];		/* where it waited when the peer gave up */
	int ended_wait;		/* run_wait_exit after the reply, 2 = not waited yet */
	size_t extra;		/* datagrams after the reply */
};

/* Starts the program on a fresh port, waits for its bind(). */
static int xchg_start(struct check *c, struct spawn *s, struct xchg *x)
{
	x->pfd = -1;
	x->bind.ev = -1;
	x->ended_wait = 2;
	x->port = check_fresh_port(c);
	if (x->port < 0)
		return -1;
	s->args[0] = check_str(c, "%d", x->port);
	s->args[1] = NULL;
	x->r = check_spawn(c, s);
	if (!x->r)
		return -1;
	check_wait_bind(x->r, &x->bind);
	return 0;
}

/* All interfaces: 0.0.0.0, or [::] (an IPv6 socket takes IPv4 too, by default). */
static int any_address(const char *ip)
{
	return !strcmp(ip, "0.0.0.0") || !strcmp(ip, "[::]");
}

/* Could the peer's datagram reach the bound socket? */
static int reachable(const struct xchg *x)
{
	return x->bind.ev >= 0 && x->bind.ret == 0 && x->bind.port == x->port &&
	       (any_address(x->bind.ip) || !strcmp(x->bind.ip, x->to_ip));
}

/* Sends the word from a fresh peer socket and waits for the reply. */
static void xchg_talk(struct check *c, struct xchg *x)
{
	struct run *r = x->r;
	x->pfd = peer_udp_recverr();
	if (x->pfd < 0) {
		check_fail(c, NULL, "internal.port", NULL);
		return;
	}
	x->pport = peer_port_of(x->pfd);
	pthread_mutex_lock(&r->mu);
	x->w.scan = x->scan0 = r->nev;
	pthread_mutex_unlock(&r->mu);
	x->w.t0 = now_us();
	peer_sendto_ip(r, x->pfd, x->word, x->nsend, x->to_ip, x->port);
	x->st = peer_wait_reply(r, x->pfd, x->pport, &x->pport, 1, &x->w, x->got, sizeof x->got,
				&x->ngot, &x->bad, WAIT_MS);
	if (x->st == PEER_REPLY_NONE || x->st == PEER_REPLY_STALL || x->st == PEER_REPLY_TIMEOUT) {
		const char *call = run_blocked_call(r);
		snprintf(x->stuck, sizeof x->stuck, "%s", call ? call : "");
	}
}

/* Waits for the end after the reply; counts datagrams that came after it. */
static void xchg_end(struct xchg *x)
{
	if (x->ended_wait != 2)
		return;
	x->ended_wait = run_wait_exit(x->r, WAIT_MS);
	if (x->ended_wait != 0) {
		const char *call = run_blocked_call(x->r);
		snprintf(x->stuck, sizeof x->stuck, "%s", call ? call : "");
		return;
	}
	/* The trace shows what it sent: the datagrams are ours to read. */
	for (;;) {
		unsigned char buf[64];
		ssize_t n = recv(x->pfd, buf, sizeof buf, MSG_DONTWAIT);
		if (n < 0)
			break;
		run_note(x->r, "recv", x->pfd, n, 0, buf, n, NULL);
		x->extra++;
	}
}

static void xchg_free(struct xchg *x)
{
	if (x->pfd >= 0 && x->r)
		peer_close(x->r, x->pfd);
	x->pfd = -1;
}

/* Runs the whole exchange: start, bind, datagram, reply. */
static int xchg_run(struct check *c, struct spawn *s, struct xchg *x, size_t letters,
		    const char *to_ip)
{
	memset(x, 0, sizeof *x);
	peer_random_word(x->word, letters);
	x->nsend = letters + 1;
	x->to_ip = to_ip;
	if (xchg_start(c, s, x) < 0)
		return -1;
	if (reachable(x)) {
		xchg_talk(c, x);
		/* Its output may still be in stdio's buffer: let it end first. */
		if (x->st == PEER_REPLY_OK || x->st == PEER_REPLY_DEST)
			xchg_end(x);
	}
	return c->failed ? -1 : 0;
}

/*
 * The bind: fails the check and returns -1 when the peer's datagram could
 * not reach the program (no bind, failed, wrong port or address).
 */
static int judge_reach(struct check *c, struct xchg *x)
{
	if (check_judge_bind(c, x->r, &x->bind, x->port) < 0)
		return -1;
	if (!reachable(x)) {
		check_fail(c, x->r, "not_any", check_str(c, "%s", x->bind.ip), x->to_ip, NULL);
		return -1;
	}
	return 0;
}

/*
 * Finds the program's first receive after the peer's datagram.  Called once
 * the program has ended or waits, when the trace holds everything it did.
 */
static void find_rx(struct xchg *x)
{
	struct run *r = x->r;
	pthread_mutex_lock(&r->mu);
	for (size_t i = x->scan0; i < r->nev && !x->rx_seen; i++) {
		const struct trace_ev *e = &r->ev[i];
		if (e->side != SIDE_PROGRAM || e->phase != 'X' || !trace_is_recv(e->call) ||
		    e->ret < 0 || e->t_us < x->w.t0)
			continue;
		x->rx_seen = 1;
		x->rx_len = e->len;
		x->rx_ret = e->ret;
		snprintf(x->rx_call, sizeof x->rx_call, "%s", e->call);
	}
	pthread_mutex_unlock(&r->mu);
}

/* Did the program's receive keep less than the datagram (a buffer too small)? */
static int truncated(struct xchg *x)
{
	find_rx(x);
	return x->rx_seen && x->rx_ret == x->rx_len && x->rx_len < (long)x->nsend;
}

static void fail_truncated(struct check *c, struct xchg *x)
{
	check_fail(c, x->r, "buffer", check_str(c, "%ld", x->rx_len), check_str(c, "%zu", x->nsend),
		   x->rx_call, NULL);
}

/* The line "recu : <word>" must be on stdout. */
static void judge_string(struct check *c, struct xchg *x)
{
	struct run *r = x->r;
	if (x->st == PEER_REPLY_REFUSED) {
		check_fail(c, r, "refused", x->to_ip, check_str(c, "%d", x->port), NULL);
		return;
	}
	size_t outlen, n;
	char *out = check_stdout_bytes(r, &outlen);
	const char *rest;
	size_t wlen = strlen(x->word);
	if (!check_find_line(out, outlen, "recu : ", &rest, &n)) {
		if (truncated(x))
			fail_truncated(c, x);
		else if (x->st == PEER_REPLY_NONE && x->rx_seen)
			check_fail(c, r, "wait_more", check_str(c, "%zu", x->nsend), x->stuck, NULL);
		else if (x->st == PEER_REPLY_STALL || x->st == PEER_REPLY_NONE)
			check_fail(c, r, x->rx_seen ? "run.blocked" : "norecv", x->stuck, NULL);
		else if (x->st == PEER_REPLY_TIMEOUT)
			check_fail(c, r, "run.hang", NULL);
		else if (check_abnormal(c, r))
			;
		else if (!outlen)
			check_fail(c, r, "noprint", check_str(c, "%d", r->status), check_stderr_quote(c, r),
				   NULL);
		else
			check_fail(c, r, "output", x->word, check_quote(c, out, outlen), NULL);
		free(out);
		return;
	}
	if (n == wlen && !memcmp(rest, x->word, wlen)) {
		free(out);
		return;
	}
	const char *shown = check_quote(c, rest, n);
	if (truncated(x))
		fail_truncated(c, x);
	else if (n == 7 && !memcmp(rest, "Bonjour", 7))
		check_fail(c, r, "hardcoded", x->word, NULL);
	else if (n > wlen && !memcmp(rest, x->word, wlen))
		check_fail(c, r, "garbage", shown, x->word, NULL);
	else
		check_fail(c, r, "wrong_string", shown, x->word, NULL);
	free(out);
}

/* Where a reply went instead of the peer's port. */
static void judge_dest(struct check *c, struct xchg *x)
{
	struct run *r = x->r;
	char ip[64];
	int port = -1;
	const char *sender = check_str(c, "127.0.0.1:%d", x->pport);
	const char *call = check_str(c, "%s", x->bad.call);
	int ipv4 = trace_addr_split(x->bad.addr, ip, sizeof ip, &port) == 0;
	if (x->bad.ret < 0 && !ipv4) {
		check_fail(c, r, "send_noaddr", call, sender, NULL);
		return;
	}
	if (x->bad.ret < 0) {
		check_fail(c, r, "send_failed", call, check_str(c, "%s", x->bad.addr),
			   check_str(c, "%s", strerror(x->bad.err)), sender, NULL);
		return;
	}
	if (!ipv4) {
		check_fail(c, r, "dest_unknown", call, sender, NULL);
		return;
	}
	const char *where = check_str(c, "%s", x->bad.addr);
	if (port == x->port)
		check_fail(c, r, "own_port", where, sender, NULL);
	else if (port == peer_swap_port(x->pport) && x->pport != peer_swap_port(x->pport))
		check_fail(c, r, "dest_swapped", where, sender, NULL);
	else
		check_fail(c, r, "dest", where, sender, NULL);
}

/* The reply: the 4 bytes of the int 10 in host order, at the peer's port. */
static void judge_reply(struct check *c, struct xchg *x)
{
	struct run *r = x->r;
	switch (x->st) {
	case PEER_REPLY_OK:
		break;
	case PEER_REPLY_DEST:
		judge_dest(c, x);
		return;
	case PEER_REPLY_REFUSED:
		check_fail(c, r, "refused", x->to_ip, check_str(c, "%d", x->port), NULL);
		return;
	case PEER_REPLY_NONE:
	case PEER_REPLY_STALL:
		if (x->stuck[0])
			check_fail(c, r, "noreply_blocked", x->stuck, NULL);
		else
			check_fail(c, r, "run.hang", NULL);
		return;
	case PEER_REPLY_TIMEOUT:
		check_fail(c, r, "run.hang", NULL);
		return;
	case PEER_REPLY_ENDED:
		if (!check_abnormal(c, r))
			check_fail(c, r, "noreply", check_str(c, "%d", r->status), check_stderr_quote(c, r),
				   NULL);
		return;
	}
	int ten = 10;
	uint32_t ten_net = htonl(10);
	const char *shown = check_quote(c, x->got, x->ngot < sizeof x->got ? x->ngot : sizeof x->got);
	if (x->ngot == 4 && !memcmp(x->got, &ten, 4))
		return;
	if (x->ngot == 4 && !memcmp(x->got, &ten_net, 4)) {
		check_fail(c, r, "byteorder", NULL);
	} else if (x->ngot >= 2 && x->ngot <= 3 && !memcmp(x->got, "10", 2)) {
		check_fail(c, r, "text", shown, NULL);
	} else if (x->ngot != 4) {
		check_fail(c, r, "size", check_str(c, "%zu", x->ngot), shown, NULL);
	} else {
		int v;
		memcpy(&v, x->got, sizeof v);
		check_fail(c, r, "value", check_str(c, "%d", v), shown, NULL);
	}
}

/* After the reply: one datagram only, then the end with status 0. */
static void judge_end(struct check *c, struct xchg *x)
{
	struct run *r = x->r;
	xchg_end(x);
	if (x->ended_wait != 0) {
		if (x->stuck[0] && trace_is_recv(x->stuck))
			check_fail(c, r, "one_datagram", x->stuck, NULL);
		else if (x->stuck[0])
			check_fail(c, r, "run.blocked", x->stuck, NULL);
		else
			check_fail(c, r, "run.hang", NULL);
		run_kill(r);
		return;
	}
	if (check_abnormal(c, r))
		return;
	if (x->extra > 0)
		check_fail(c, r, "extra", check_str(c, "%zu", x->extra), NULL);
	else if (r->status != 0)
		check_fail(c, r, "status", check_str(c, "%d", r->status), check_stderr_quote(c, r), NULL);
}

static void chk_usage(struct check *c)
{
	check_common_usage(c);
}

static void chk_hello(struct check *c)
{
	struct spawn s = { .args = { NULL } };
	struct xchg x;
	if (xchg_run(c, &s, &x, 12, "127.0.0.1") == 0 && judge_reach(c, &x) == 0) {
		judge_string(c, &x);
		if (!c->failed)
			judge_reply(c, &x);
		if (!c->failed)
			judge_end(c, &x);
	}
	xchg_free(&x);
}

static void chk_longest(struct check *c)
{
	struct spawn s = { .args = { NULL } };
	struct xchg x;
	if (xchg_run(c, &s, &x, MSG_MAX - 1, "127.0.0.1") == 0 && judge_reach(c, &x) == 0)
		judge_string(c, &x);
	xchg_free(&x);
}

static void chk_any_address(struct check *c)
{
	struct spawn s = { .args = { NULL } };
	struct xchg x;
	if (xchg_run(c, &s, &x, 10, "127.0.0.2") == 0 &&
	    judge_reach(c, &x) == 0) {
		if (!any_address(x.bind.ip))
			check_fail(c, x.r, "not_any", check_str(c, "%s", x.bind.ip), x.to_ip, NULL);
		else
			judge_string(c, &x);
		if (!c->failed)
			judge_reply(c, &x);
	}
	xchg_free(&x);
}

static void chk_closes(struct check *c)
{
	struct spawn s = { .args = { NULL } };
	struct xchg x;
	if (xchg_run(c, &s, &x, 12, "127.0.0.1") < 0 ||
	    judge_reach(c, &x) < 0) {
		xchg_free(&x);
		return;
	}
	struct run *r = x.r;
	xchg_end(&x);
	if (x.st != PEER_REPLY_OK || x.ended_wait != 0) {
		check_fail(c, r, "needs_hello", NULL);
		if (x.ended_wait != 0)
			run_kill(r);
		xchg_free(&x);
		return;
	}
	int fd, closed = 0;
	pthread_mutex_lock(&r->mu);
	fd = r->ev[x.bind.ev].fd;
	for (size_t i = (size_t)x.bind.ev; i < r->nev && !closed; i++) {
		const struct trace_ev *e = &r->ev[i];
		closed = e->side == SIDE_PROGRAM && e->phase == 'X' && e->fd == fd && e->ret == 0 &&
			 (!strcmp(e->call, "close") || !strcmp(e->call, "shutdown"));
	}
	pthread_mutex_unlock(&r->mu);
	if (!closed)
		check_fail(c, r, "noclose", NULL);
	xchg_free(&x);
}

static void chk_errors(struct check *c)
{
	check_common_fail_port(c, "socket", "EMFILE");
}

static void chk_bad_port(struct check *c)
{
	check_common_bad_port(c, 0, 1, NULL);
}

const struct check_def ex_udp_receiver_checks[] = {
	{ "usage", chk_usage },
	{ "hello", chk_hello },
	{ "longest", chk_longest },
	{ "any-address", chk_any_address },
	{ "closes", chk_closes },
	{ "errors", chk_errors },
	{ "busy-port", check_common_busy_udp },
	{ "bad-port", chk_bad_port },
	{ NULL, NULL },
};
