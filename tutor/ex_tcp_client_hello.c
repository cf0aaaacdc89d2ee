/*
 * Checks of tcp-client-hello (SPEC §4, chapter 2): the slides' TCP client.
 * The reference server accepts, expects the 8 bytes "Bonjour\0", answers a
 * random int in host order (never the 10 of the slides, so a hard-coded
 * answer shows) and waits for the client to close.
 *
 * Every port a check hands to the program is reserved together with its
 * byte-swapped twin (a bound socket that does not listen), so that a client
 * without htons() is refused at once and never reaches another check's
 * server.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "exercises.h"
#include "peer.h"

static const char greeting[8] = "Bonjour";	/* with its NUL */

struct hello {
	struct run *r;
	int port;
	int lfd, guard, cfd;
	enum peer_io acc, rx;
	unsigned char got[16];
	size_t ngot;
	int reply;
	int waited;		/* run_wait_exit's answer */
	const char *blocked;	/* the call it waited in then, or NULL */
	size_t extra;		/* bytes after the greeting */
	unsigned char extra_data[16];
};

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
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
	h->lfd = check_listen_fresh(c, &h->port, 0, &h->guard);
	if (h->lfd < 0)
		return -1;
	s->args[0] = "127.0.0.1";
	s->args[1] = check_str(c, "%d", h->port);
	s->args[2] = NULL;
	h->r = check_spawn(c, s);
	if (!h->r) {
		close_fd(&h->lfd);
		close_fd(&h->guard);
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
	/* Before our close wakes it up: where it waited is the verdict. */
	if (h->waited != 0)
		h->blocked = run_blocked_call(h->r);
	peer_close(h->r, h->cfd);
	peer_close(h->r, h->lfd);
	close_fd(&h->guard);
	return 0;
}

/*
 * After a short send, did the next send start from the beginning of the
 * message again (the pointer not moved by what send returned)?
 */
static int resent_start(struct run *r)
{
	const struct trace_ev *first = NULL;
	int found = 0;
	pthread_mutex_lock(&r->mu);
	for (size_t i = 0; i < r->nev && !found; i++) {
		const struct trace_ev *e = &r->ev[i];
		if (e->side != SIDE_PROGRAM || e->phase != 'X' || !trace_is_send(e->call) ||
		    e->ret <= 0)
			continue;
		if (!first) {
			if (e->ret < e->len && e->datalen > 0 &&
			    !memcmp(e->data, greeting, (size_t)e->datalen))
				first = e;
		} else if (e->fd == first->fd) {
			size_t n = (size_t)(e->datalen < first->datalen ? e->datalen : first->datalen);
			found = n > 0 && !memcmp(e->data, first->data, n);
			break;
		}
	}
	pthread_mutex_unlock(&r->mu);
	return found;
}

/* Bytes the program received on its sockets. */
static long received(struct run *r)
{
	pthread_mutex_lock(&r->mu);
	long n = r->prog_recv;
	pthread_mutex_unlock(&r->mu);
	return n;
}

/* The name of the first call the stub made fail on purpose, or NULL. */
static const char *injected_call(struct check *c, struct run *r)
{
	const char *call = NULL;
	pthread_mutex_lock(&r->mu);
	for (size_t i = 0; i < r->nev && !call; i++)
		if (r->ev[i].side == SIDE_PROGRAM && r->ev[i].phase == 'X' &&
		    !strcmp(r->ev[i].inj, "fail"))
			call = check_str(c, "%s", r->ev[i].call);
	pthread_mutex_unlock(&r->mu);
	return call;
}

/*
 * Did the program go on with the connection after connect() failed: a
 * transfer on the socket whose connect returned -1?
 */
static int used_after_failed_connect(struct run *r)
{
	int fd = -1, found = 0;
	pthread_mutex_lock(&r->mu);
	for (size_t i = 0; i < r->nev && !found; i++) {
		const struct trace_ev *e = &r->ev[i];
		if (e->side != SIDE_PROGRAM)
			continue;
		/* An 'E' record counts too: SIGPIPE may end the send inside. */
		if (!strcmp(e->call, "connect")) {
			if (e->phase == 'X')
				fd = e->ret < 0 ? e->fd : -1;
		} else if (fd >= 0 && e->fd == fd && (e->phase == 'X' || e->phase == 'E') &&
			 (trace_is_send(e->call) || trace_is_recv(e->call)))
			found = 1;
	}
	pthread_mutex_unlock(&r->mu);
	return found;
}

/* Finds "reponse : N" in the output: 1 and *n when there, 0 when not. */
static int parse_reply(const char *out, long long *n)
{
	return check_number_line(out, "reponse : ", " \r", n);
}

/* Judges what the server received; 0 when it was the greeting. */
static int judge_greeting(struct check *c, struct hello *h)
{
	struct run *r = h->r;
	if (h->ngot == sizeof greeting && !memcmp(h->got, greeting, sizeof greeting))
		return 0;
	int prefix = !memcmp(h->got, greeting, h->ngot);
	if (h->ngot == 7 && prefix)
		check_fail(c, r, "nul", NULL);
	else if (check_had_short(r, trace_is_send, 0) && resent_start(r))
		check_fail(c, r, "resend", check_quote(c, h->got, h->ngot), NULL);
	else if (h->ngot < sizeof greeting && prefix && check_had_short(r, trace_is_send, 0))
		check_fail(c, r, "shortsend", check_str(c, "%zu", h->ngot), NULL);
	else if (!check_abnormal(c, r))
		check_fail(c, r, "greeting", check_quote(c, h->got, h->ngot), NULL);
	return -1;
}

/* Judges the whole exchange; each clause that fails says why. */
static void hello_judge(struct check *c, struct hello *h)
{
	struct run *r = h->r;
	if (h->acc != PEER_OK) {
		if (check_connected_to(r, peer_swap_port(h->port))) {
			check_fail(c, r, "htons", check_str(c, "%d", peer_swap_port(h->port)),
				   check_str(c, "%d", h->port), NULL);
		} else if (!check_abnormal(c, r)) {
			check_fail(c, r, "noconnect", check_stderr_quote(c, r), NULL);
		}
		return;
	}
	if (judge_greeting(c, h) < 0)
		return;
	if (h->waited != 0) {
		if (h->blocked && trace_is_recv(h->blocked))
			check_fail(c, r, "wait_more", h->blocked, NULL);
		else
			check_fail_stuck(c, r, h->blocked);
		return;
	}
	if (check_abnormal(c, r))
		return;
	long got = received(r);
	if (got > 0 && got < (long)sizeof(int)) {
		check_fail(c, r, "partial", check_str(c, "%ld", got), NULL);
		return;
	}
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

/* Without arguments, then with the IP alone: a usage error both times. */
static void chk_usage(struct check *c)
{
	check_common_usage(c);
	if (c->failed)
		return;
	struct spawn s = { .args = { "127.0.0.1", NULL } };
	struct run *r = check_spawn(c, &s);
	if (!r || check_wait_exit(c, r) < 0)
		return;
	const char *what = check_str(c, "%s", catalog_text(c->env->cat, c->env->ex, c->env->lang,
							   "usage.onearg"));
	if (r->end == RUN_SIGNALED && r->status == SIGSEGV)
		check_fail(c, r, "onearg_segv", NULL);
	else
		check_usage_refused(c, r, what);
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
	if (!check_closed_connection(h.r))
		check_fail(c, h.r, "noclose", NULL);
}

static void chk_early_close(struct check *c)
{
	struct spawn s = { .args = { NULL } };
	struct hello h;
	if (hello_run(c, &s, &h, 2, 1) < 0)
		return;
	struct run *r = h.r;
	if (h.acc != PEER_OK || h.ngot != sizeof greeting ||
	    memcmp(h.got, greeting, sizeof greeting)) {
		check_fail(c, r, "needs_hello", NULL);
		return;
	}
	if (h.waited != 0) {
		check_fail_stuck(c, r, h.blocked);
		return;
	}
	if (!check_abnormal(c, r))
		check_judge_gave_up(c, r, "reponse : ");
}

static void chk_refused(struct check *c)
{
	int port, guard;
	int held = check_reserve_fresh(c, &port, &guard);
	if (held < 0)
		return;
	struct spawn s = { .args = { "127.0.0.1", check_str(c, "%d", port), NULL } };
	struct run *r = check_spawn(c, &s);
	int w = r ? check_wait_exit(c, r) : -1;
	close(held);
	close(guard);
	if (w < 0)
		return;
	char *out = check_stdout(r);
	char *err = check_stderr(r);
	long long n;
	if (parse_reply(out, &n) || used_after_failed_connect(r)) {
		check_fail(c, r, "went_on", NULL);
	} else if (!check_abnormal(c, r)) {
		if (r->status == 0)
			check_fail(c, r, "status0", NULL);
		else if (!*err)
			check_fail(c, r, "silent", NULL);
		else if (!check_names_call(err, "connect"))
			check_fail(c, r, "unnamed", check_quote(c, err, strlen(err)), NULL);
	}
	free(out);
	free(err);
}

static void chk_bad_ip(struct check *c)
{
	static const char *const ips[] = { "999.1.1.1", "abc" };
	for (size_t i = 0; i < 2 && !c->failed; i++) {
		int port, guard;
		int lfd = check_listen_fresh(c, &port, 0, &guard);
		if (lfd < 0)
			return;
		struct spawn s = { .args = { ips[i], check_str(c, "%d", port), NULL } };
		struct run *r = check_spawn(c, &s);
		if (!r) {
			close(lfd);
			close(guard);
			return;
		}
		/* Any connect() shows the address was used; else wait for the end. */
		size_t from = 0;
		long tried = run_wait_call(r, "connect", &from, WAIT_MS);
		/* A connection waiting in the queue means it reached our server. */
		struct pollfd pf = { .fd = lfd, .events = POLLIN };
		int reached = poll(&pf, 1, 0) > 0;
		if (tried >= 0 || reached) {
			check_fail(c, r, "connected", ips[i], NULL);
			run_kill(r);
		} else if (check_wait_exit(c, r) == 0 && !check_abnormal(c, r)) {
			char *err = check_stderr(r);
			if (r->status == 0)
				check_fail(c, r, "status0", ips[i], NULL);
			else if (!*err)
				check_fail(c, r, "silent", ips[i], NULL);
			free(err);
		}
		close(lfd);
		close(guard);
	}
}

static void chk_errors(struct check *c)
{
	int port, guard;
	int lfd = check_listen_fresh(c, &port, 0, &guard);
	if (lfd < 0)
		return;
	struct spawn s = { .args = { "127.0.0.1", check_str(c, "%d", port), NULL } };
	check_common_fail_call(c, &s, "socket", "EMFILE");
	close(lfd);
	close(guard);
}

/*
 * One run where the first send-like (or recv-like) call on the socket fails
 * with errname: the program must stop with a message naming the call and a
 * non-zero status.  The server accepts and reads what comes, so that a
 * program that goes on is seen waiting at once.
 */
static void fail_transfer(struct check *c, const char *const calls[3], const char *errname,
			  const char *named)
{
	int port, guard;
	int lfd = check_listen_fresh(c, &port, 0, &guard);
	if (lfd < 0)
		return;
	struct spawn s = {
		.args = { "127.0.0.1", check_str(c, "%d", port), NULL },
		.fail = check_str(c, "%s:%s:1,%s:%s:1,%s:%s:1", calls[0], errname, calls[1],
				  errname, calls[2], errname),
	};
	struct run *r = check_spawn(c, &s);
	if (!r) {
		close(lfd);
		close(guard);
		return;
	}
	int cfd = -1;
	if (peer_accept(r, lfd, &cfd, WAIT_MS) == PEER_OK) {
		unsigned char buf[16];
		size_t got;
		/*
		 * The whole exchange is offered, reply included: a client that
		 * waits in poll() or select() before each call must reach its
		 * recv() too, where the injected failure waits for it.
		 */
		if (peer_recv(r, cfd, buf, sizeof greeting, &got, 1, WAIT_MS) == PEER_OK &&
		    got == sizeof greeting) {
			int reply = random_reply();
			peer_send(r, cfd, &reply, sizeof reply, 0);
		}
	}
	int w = run_wait_exit(r, WAIT_MS);
	if (w != 0) {
		/* Still waiting: the end of the connection is its last chance to stop. */
		peer_close(r, cfd);
		cfd = -1;
		w = run_wait_exit(r, WAIT_MS);
	}
	peer_close(r, cfd);
	close(lfd);
	close(guard);
	const char *call = injected_call(c, r);
	if (!call) {
		/* The program never made such a call: nothing to judge here. */
		if (w != 0)
			run_kill(r);
		return;
	}
	char *out = check_stdout(r);
	long long n;
	if (w != 0 || parse_reply(out, &n)) {
		check_fail(c, r, "failcall.went_on", call, errname, NULL);
		run_kill(r);
	} else if (!check_abnormal(c, r)) {
		char *err = check_stderr(r);
		if (r->status == 0)
			check_fail(c, r, "failcall.status0", call, errname, NULL);
		else if (!check_names_call(err, named))
			check_fail(c, r, "failcall.unnamed", call, errname,
				   check_quote(c, err, strlen(err)), NULL);
		free(err);
	}
	free(out);
}

static void chk_io_errors(struct check *c)
{
	static const char *const sends[3] = { "send", "write", "sendto" };
	static const char *const recvs[3] = { "recv", "read", "recvfrom" };
	fail_transfer(c, sends, "EPIPE", "send");
	if (!c->failed)
		fail_transfer(c, recvs, "ECONNRESET", "recv");
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
	{ "io-errors", chk_io_errors },
	{ "bad-port", chk_bad_port },
	{ NULL, NULL },
};
