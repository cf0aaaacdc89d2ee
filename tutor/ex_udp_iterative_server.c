/*
 * Checks of udp-iterative-server (SPEC §4, chapter 4): the slides'
 * iterative UDP server, "while(1){ recvfrom 'adrX'; sendto 'adrX' }".
 * Reference clients, UDP sockets on 127.0.0.1 at ports the system picks,
 * send datagrams of 0 to 1024 bytes; each must get "Merci" (5 bytes, no
 * NUL) at its own port, and the server must still be there for the next
 * one.  The server runs forever: the run is killed at the end of the check.
 *
 * Nothing is decided from a pause.  Before sending, a check waits for the
 * server's bind() in the trace (a missing htons shows there as the
 * byte-swapped port).  While a client waits for its reply the check reads
 * the trace: a reply sent elsewhere is seen at its sendto(), a server that
 * went back to recvfrom() without replying is seen asleep there (the
 * kernel confirms), and each client socket has IP_RECVERR so that a
 * datagram no socket took comes back at once as ECONNREFUSED.
 *
 * Only the check "merci" judges the bytes of the reply; the others ask that
 * a reply come to the right port, so that each clause fails on its own.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"
#include "exercises.h"
#include "peer.h"
#include "util.h"

#define MSG_MAX 1024		/* the largest datagram a client sends */
#define MAX_CLIENTS 8

static const char merci[5] = { 'M', 'e', 'r', 'c', 'i' };

struct srv {
	struct run *r;
	int port;		/* PORT given to the program */
	struct check_bind bind;	/* the program's bind */
	int ports[MAX_CLIENTS];	/* the clients' ports, in order */
	int nclients;
	int served;		/* clients that got their reply */
};

struct client {
	int fd, port;
	size_t len;		/* bytes sent */
	size_t scan0;		/* first trace event after its datagram */
	struct peer_waiter w;
	enum peer_reply st;
	struct peer_dest bad;
	unsigned char got[64];
	size_t ngot;
	char stuck[16];
};

/*
 * Starts the server on a fresh port, with the stub's failures `fail` (may
 * be NULL), and waits for its bind().
 */
static int srv_start_fail(struct check *c, struct srv *x, const char *fail)
{
	memset(x, 0, sizeof *x);
	x->bind.ev = -1;
	x->port = check_fresh_port(c);
	if (x->port < 0)
		return -1;
	struct spawn s = { .args = { check_str(c, "%d", x->port), NULL }, .fail = fail };
	x->r = check_spawn(c, &s);
	if (!x->r)
		return -1;
	check_wait_bind(x->r, &x->bind);
	return 0;
}

static int srv_start(struct check *c, struct srv *x)
{
	return srv_start_fail(c, x, NULL);
}

/*
 * Can a datagram to 127.0.0.1:PORT reach the server?  Fails the check with
 * the reason and returns -1 if not.
 */
static int judge_reach(struct check *c, struct srv *x)
{
	if (check_judge_bind(c, x->r, &x->bind, x->port) < 0)
		return -1;
	/* All interfaces ([::] takes IPv4 too, by default), or loopback itself. */
	if (strcmp(x->bind.ip, "0.0.0.0") && strcmp(x->bind.ip, "[::]") &&
	    strcmp(x->bind.ip, "127.0.0.1")) {
		check_fail(c, x->r, "address", check_str(c, "%s", x->bind.ip), NULL);
		return -1;
	}
	return 0;
}

/* A new client socket; -1 and the check failed if none could be made. */
static int client_open(struct check *c, struct srv *x, struct client *k)
{
	memset(k, 0, sizeof *k);
	k->fd = x->nclients < MAX_CLIENTS ? peer_udp_recverr() : -1;
	if (k->fd < 0) {
		check_fail(c, NULL, "internal.port", NULL);
		return -1;
	}
	k->port = peer_port_of(k->fd);
	x->ports[x->nclients++] = k->port;
	return 0;
}

/* The client sends len bytes of data (its waiter starts reading the trace here). */
static void client_send(struct srv *x, struct client *k, const void *data, size_t len)
{
	pthread_mutex_lock(&x->r->mu);
	k->w.scan = k->scan0 = x->r->nev;
	pthread_mutex_unlock(&x->r->mu);
	k->w.t0 = now_us();
	k->len = len;
	peer_sendto_ip(x->r, k->fd, data, len, "127.0.0.1", x->port);
}

/*
 * The client waits for its reply.  ports[] are the clients a reply may go
 * to now (those waiting, and one that left without reading its reply).
 */
static enum peer_reply client_wait(struct srv *x, struct client *k, const int *ports, int nports)
{
	k->st = peer_wait_reply(x->r, k->fd, k->port, ports, nports, &k->w, k->got, sizeof k->got,
				&k->ngot, &k->bad, WAIT_MS);
	if (k->st == PEER_REPLY_OK) {
		x->served++;
	} else if (k->st == PEER_REPLY_NONE || k->st == PEER_REPLY_STALL ||
		   k->st == PEER_REPLY_TIMEOUT) {
		const char *call = run_blocked_call(x->r);
		snprintf(k->stuck, sizeof k->stuck, "%s", call ? call : "");
	}
	return k->st;
}

/* Sends sig to the server's process group while it runs (stop, continue). */
static void srv_signal(struct srv *x, int sig)
{
	if (sig == SIGSTOP) {
		run_stop(x->r);	/* and the stop has taken hold */
		return;
	}
	pthread_mutex_lock(&x->r->mu);
	if (x->r->end == RUN_RUNNING)
		kill(-x->r->pid, sig);
	pthread_mutex_unlock(&x->r->mu);
}

/*
 * Waits until the server is asleep in a receive (recvfrom, select...), that
 * is ready for the next request, as the kernel says, and the trace holds
 * everything it did until then; at most WAIT_MS, then goes on anyway.
 * Returns -1 when the server has ended.
 */
static int wait_idle(struct srv *x)
{
	struct run *r = x->r;
	long deadline = now_ms() + WAIT_MS;
	for (;;) {
		pthread_mutex_lock(&r->mu);
		int ended = r->end != RUN_RUNNING || r->collector_done;
		pthread_mutex_unlock(&r->mu);
		if (ended)
			return -1;
		if (run_sleeps_in_recv(r->pid)) {
			/* Asleep, it writes no more: the pipe empty means all parsed. */
			pthread_mutex_lock(&r->mu);
			int synced = run_pipe_empty(r->trace_fd);
			pthread_mutex_unlock(&r->mu);
			if (synced)
				return 0;
		}
		long left = deadline - now_ms();
		if (left <= 0)
			return 0;
		struct pollfd pf = { .fd = r->wake[0], .events = POLLIN };
		poll(&pf, 1, (int)(left < RUN_RECHECK_MS ? left : RUN_RECHECK_MS));
		char tmp[256];
		while (read(r->wake[0], tmp, sizeof tmp) > 0)
			;
	}
}

/* The server ended before a new client came: fails the check, returns -1. */
static int judge_gone(struct check *c, struct srv *x)
{
	struct run *r = x->r;
	if (!check_abnormal(c, r))
		check_fail(c, r, "gone", check_str(c, "%d", r->status),
			   check_str(c, "%d", x->served), check_stderr_quote(c, r), NULL);
	return -1;
}

static void client_close(struct srv *x, struct client *k)
{
	if (k->fd >= 0)
		peer_close(x->r, k->fd);
	k->fd = -1;
}

/* random letters into buf (no NUL is sent: a datagram needs none). */
static void random_letters(char *buf, size_t n)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = (char)peer_random('a', 'z');
}

/* Was the port one of an earlier client's? */
static int earlier_client(const struct srv *x, const struct client *k, int port)
{
	for (int i = 0; i < x->nclients; i++)
		if (x->ports[i] == port && port != k->port)
			return 1;
	return 0;
}

/* Where a reply went instead of the client's port. */
static void judge_dest(struct check *c, struct srv *x, struct client *k)
{
	struct run *r = x->r;
	char ip[64];
	int port = -1;
	const char *sender = check_str(c, "127.0.0.1:%d", k->port);
	const char *call = check_str(c, "%s", k->bad.call);
	int ipv4 = trace_addr_split(k->bad.addr, ip, sizeof ip, &port) == 0;
	if (k->bad.ret < 0 && !ipv4) {
		check_fail(c, r, "send_noaddr", call, sender, NULL);
		return;
	}
	if (k->bad.ret < 0 && k->bad.err == ECONNREFUSED) {
		check_fail(c, r, "econnrefused", call, NULL);
		return;
	}
	if (k->bad.ret < 0) {
		check_fail(c, r, "send_failed", call, check_str(c, "%s", k->bad.addr),
			   check_str(c, "%s", strerror(k->bad.err)), sender, NULL);
		return;
	}
	if (!ipv4) {
		check_fail(c, r, "dest_unknown", call, sender, NULL);
		return;
	}
	const char *where = check_str(c, "%s", k->bad.addr);
	if (port == x->port)
		check_fail(c, r, "own_port", where, sender, NULL);
	else if (earlier_client(x, k, port))
		check_fail(c, r, "old_client", where, sender, NULL);
	else if (port == peer_swap_port(k->port) && k->port != peer_swap_port(k->port))
		check_fail(c, r, "dest_swapped", where, sender, NULL);
	else
		check_fail(c, r, "dest", where, sender, NULL);
}

/*
 * The client's reply: a datagram at its port (strict: exactly "Merci").
 * `what` describes the datagram the client sent, for the messages.
 * Returns 0 when it came.
 */
static int judge_reply(struct check *c, struct srv *x, struct client *k, int strict)
{
	struct run *r = x->r;
	const char *n = check_str(c, "%d", x->served);
	const char *len = check_str(c, "%zu", k->len);
	switch (k->st) {
	case PEER_REPLY_OK:
		break;
	case PEER_REPLY_DEST:
		judge_dest(c, x, k);
		return -1;
	case PEER_REPLY_REFUSED:
		check_fail(c, r, "refused", check_str(c, "%d", x->port), n, NULL);
		return -1;
	case PEER_REPLY_NONE:
		check_fail(c, r, "noreply_blocked", len, k->stuck[0] ? k->stuck : "recvfrom", n,
			   NULL);
		return -1;
	case PEER_REPLY_STALL:
		check_fail(c, r, "run.blocked", k->stuck[0] ? k->stuck : "?", NULL);
		return -1;
	case PEER_REPLY_TIMEOUT:
		check_fail(c, r, "run.hang", NULL);
		return -1;
	case PEER_REPLY_ENDED:
		if (!check_abnormal(c, r))
			check_fail(c, r, "ended", check_str(c, "%d", r->status), n, len,
				   check_stderr_quote(c, r), NULL);
		return -1;
	}
	if (!strict || (k->ngot == sizeof merci && !memcmp(k->got, merci, sizeof merci)))
		return 0;
	size_t shown_len = k->ngot < sizeof k->got ? k->ngot : sizeof k->got;
	const char *shown = check_quote(c, k->got, shown_len);
	if (k->ngot == 6 && !memcmp(k->got, "Merci", 6))
		check_fail(c, r, "nul", NULL);
	else if (k->ngot > 5 && !memcmp(k->got, merci, 5))
		check_fail(c, r, "longer", check_str(c, "%zu", k->ngot), shown, NULL);
	else
		check_fail(c, r, "reply", check_str(c, "%zu", k->ngot), shown, NULL);
	return -1;
}

/*
 * One client in turn, once the server waits for it: sends len bytes,
 * waits for its reply, closes.  Returns 0 when the reply came.
 */
static int one_client(struct check *c, struct srv *x, const void *data, size_t len, int strict)
{
	if (wait_idle(x) < 0)
		return judge_gone(c, x);
	struct client k;
	if (client_open(c, x, &k) < 0)
		return -1;
	client_send(x, &k, data, len);
	client_wait(x, &k, &k.port, 1);
	int ret = judge_reply(c, x, &k, strict);
	client_close(x, &k);
	return ret;
}

/* Starts the server and checks it can be reached: 0 when it can. */
static int srv_ready(struct check *c, struct srv *x)
{
	if (srv_start(c, x) < 0)
		return -1;
	return judge_reach(c, x);
}

static void chk_usage(struct check *c)
{
	check_common_usage(c);
}

/* "Merci", 5 bytes, to the client's port, then nothing more. */
static void chk_merci(struct check *c)
{
	struct srv x;
	if (srv_ready(c, &x) < 0)
		return;
	char data[64];
	size_t len = (size_t)peer_random(5, 40);
	random_letters(data, len);
	struct client k;
	if (client_open(c, &x, &k) < 0)
		return;
	client_send(&x, &k, data, len);
	client_wait(&x, &k, &k.port, 1);
	if (judge_reply(c, &x, &k, 1) == 0) {
		/*
		 * Nothing else may come.  Once the server waits for the next
		 * request, what it sent is in our socket (or on its way, as
		 * the trace shows).
		 */
		wait_idle(&x);
		unsigned char more[64];
		ssize_t n = recv(k.fd, more, sizeof more, MSG_DONTWAIT);
		if (n < 0) {
			struct peer_dest bad;
			size_t nmore;
			k.w.unanswered = 0;
			pthread_mutex_lock(&x.r->mu);
			peer_reply_scan_locked(x.r, &k.w, &k.port, 1, k.port, &bad);
			int pending = k.w.to_peer > k.w.got;
			pthread_mutex_unlock(&x.r->mu);
			if (pending && peer_wait_reply(x.r, k.fd, k.port, &k.port, 1, &k.w, more,
						       sizeof more, &nmore, &bad,
						       WAIT_MS) == PEER_REPLY_OK)
				n = (ssize_t)nmore;
		} else {
			run_note(x.r, "recv", k.fd, n, 0, more, n, NULL);
		}
		if (n >= 0)
			check_fail(c, x.r, "extra",
				   check_quote(c, more, (size_t)n < sizeof more ? (size_t)n : sizeof more),
				   NULL);
	}
	client_close(&x, &k);
}

/*
 * Four clients in turn, each from its own port, then two at once: both
 * datagrams wait in the server's socket before it reads either (it is
 * stopped meanwhile).  Each reply must go to its own sender.
 */
static void chk_several(struct check *c)
{
	struct srv x;
	if (srv_ready(c, &x) < 0)
		return;
	char data[64];
	for (int i = 0; i < 4 && !c->failed; i++) {
		size_t len = (size_t)peer_random(1, 60);
		random_letters(data, len);
		one_client(c, &x, data, len, 0);
	}
	if (c->failed)
		return;
	if (wait_idle(&x) < 0) {
		judge_gone(c, &x);
		return;
	}
	struct client a, b;
	if (client_open(c, &x, &a) < 0)
		return;
	if (client_open(c, &x, &b) < 0) {
		client_close(&x, &a);
		return;
	}
	int both[2] = { a.port, b.port };
	srv_signal(&x, SIGSTOP);
	random_letters(data, 10);
	client_send(&x, &a, data, 10);
	random_letters(data, 12);
	client_send(&x, &b, data, 12);
	srv_signal(&x, SIGCONT);
	client_wait(&x, &a, both, 2);
	if (judge_reply(c, &x, &a, 0) == 0) {
		client_wait(&x, &b, both, 2);
		judge_reply(c, &x, &b, 0);
	}
	client_close(&x, &a);
	client_close(&x, &b);
}

/* An empty datagram is a request too; the server goes on after it. */
static void chk_empty(struct check *c)
{
	struct srv x;
	if (srv_ready(c, &x) < 0)
		return;
	if (one_client(c, &x, "", 0, 0) < 0)
		return;
	char data[16];
	random_letters(data, 8);
	one_client(c, &x, data, 8, 0);
}

/*
 * The program's first receive after trace event `from` and time t0: bytes
 * asked and got (left as they are when the trace shows none: the server
 * used a call the stub does not see).  Call once the server is idle.
 */
static void trace_receive(struct run *r, size_t from, long t0, long *asked, long *got,
			  char *call, size_t len)
{
	pthread_mutex_lock(&r->mu);
	for (size_t i = from; i < r->nev; i++) {
		const struct trace_ev *e = &r->ev[i];
		if (e->side == SIDE_PROGRAM && e->phase == 'X' && e->t_us >= t0 &&
		    trace_is_recv(e->call) && e->ret >= 0) {
			*asked = e->len;
			*got = e->ret;
			snprintf(call, len, "%s", e->call);
			break;
		}
	}
	pthread_mutex_unlock(&r->mu);
}

/* The largest datagram, received whole; the server goes on after it. */
static void chk_big(struct check *c)
{
	struct srv x;
	if (srv_ready(c, &x) < 0)
		return;
	static char data[MSG_MAX];
	random_letters(data, sizeof data);
	if (wait_idle(&x) < 0) {
		judge_gone(c, &x);
		return;
	}
	struct client k;
	if (client_open(c, &x, &k) < 0)
		return;
	client_send(&x, &k, data, sizeof data);
	client_wait(&x, &k, &k.port, 1);
	/* The server's receive of it, as the trace shows it. */
	long asked = -1, got = -1;
	char call[16] = "recvfrom";
	struct run *r = x.r;
	if (k.st == PEER_REPLY_OK) {
		wait_idle(&x);
		trace_receive(r, k.scan0, k.w.t0, &asked, &got, call, sizeof call);
	}
	if (got >= 0 && got < MSG_MAX && got == asked)
		check_fail(c, r, "truncated", call, check_str(c, "%ld", asked), NULL);
	else if (judge_reply(c, &x, &k, 0) == 0) {
		random_letters(data, 8);
		one_client(c, &x, data, 8, 0);
	}
	client_close(&x, &k);
}

/*
 * After the server ended: did one of its calls since trace event `from`
 * fail with ECONNREFUSED (the ICMP of a lost reply)?  Fails the check then.
 */
static int icmp_reported(struct check *c, struct srv *x, size_t from)
{
	struct run *r = x->r;
	if (check_abnormal(c, r))
		return 1;
	char failed[16] = "";
	pthread_mutex_lock(&r->mu);
	for (size_t i = from; i < r->nev && !failed[0]; i++) {
		const struct trace_ev *e = &r->ev[i];
		if (e->side == SIDE_PROGRAM && e->phase == 'X' && e->ret < 0 &&
		    e->err == ECONNREFUSED && strcmp(e->inj, "fail"))
			snprintf(failed, sizeof failed, "%s", e->call);
	}
	pthread_mutex_unlock(&r->mu);
	if (failed[0])
		check_fail(c, r, "econnrefused", check_str(c, "%s", failed), NULL);
	return failed[0] != 0;
}

/*
 * A client that does not read its reply: it sends, then closes its socket
 * before the server can answer (the server is stopped meanwhile, so the
 * order is certain).  The reply meets a closed port: an ICMP "port
 * unreachable" comes back, which only a connected UDP socket reports (as
 * ECONNREFUSED on its next call).  The next client must be served.
 */
static void chk_unread(struct check *c)
{
	struct srv x;
	if (srv_ready(c, &x) < 0)
		return;
	char data[16];
	random_letters(data, 6);
	if (one_client(c, &x, data, 6, 0) < 0)
		return;
	struct client gone, next;
	if (client_open(c, &x, &gone) < 0)
		return;
	/* Opened before `gone` closes, so that it cannot get gone's port. */
	if (client_open(c, &x, &next) < 0) {
		client_close(&x, &gone);
		return;
	}
	int ports[2] = { next.port, gone.port };
	srv_signal(&x, SIGSTOP);
	random_letters(data, 7);
	client_send(&x, &gone, data, 7);
	client_close(&x, &gone);
	srv_signal(&x, SIGCONT);
	/* The server replies to the closed port, then waits again (or not). */
	if (wait_idle(&x) < 0) {
		if (!icmp_reported(c, &x, gone.scan0))
			judge_gone(c, &x);
		client_close(&x, &next);
		return;
	}
	random_letters(data, 9);
	client_send(&x, &next, data, 9);
	client_wait(&x, &next, ports, 2);
	if (next.st == PEER_REPLY_ENDED && icmp_reported(c, &x, gone.scan0)) {
		client_close(&x, &next);
		return;
	}
	judge_reply(c, &x, &next, 0);
	client_close(&x, &next);
}

/*
 * The last failure the stub injected since trace event `from`: its call
 * and errno name in *call, *err.  Returns 0 when there was none.
 */
static int last_injected(struct check *c, struct run *r, size_t from, const char **call,
			 const char **err)
{
	int found = 0;
	pthread_mutex_lock(&r->mu);
	for (size_t i = from; i < r->nev; i++) {
		const struct trace_ev *e = &r->ev[i];
		if (e->side == SIDE_PROGRAM && e->phase == 'X' && !strcmp(e->inj, "fail")) {
			*call = check_str(c, "%s", e->call);
			*err = e->err == EINTR ? "EINTR" : "ENOBUFS";
			found = 1;
		}
	}
	pthread_mutex_unlock(&r->mu);
	return found;
}

/*
 * Has the server ended?  Then, when a failure we injected came before,
 * fails the check naming it and returns 1; when none came, the server
 * ended for another reason, which other checks judge: returns -1 without
 * failing.  Returns 0 while it runs.
 */
static int ended_after_failure(struct check *c, struct srv *x)
{
	struct run *r = x->r;
	pthread_mutex_lock(&r->mu);
	int ended = r->end != RUN_RUNNING || r->collector_done;
	pthread_mutex_unlock(&r->mu);
	if (!ended)
		return 0;
	const char *call = "sendto", *err = "ENOBUFS";
	if (!last_injected(c, r, 0, &call, &err))
		return -1;
	if (!check_abnormal(c, r)) {
		pthread_mutex_lock(&r->mu);
		int status = r->status;
		pthread_mutex_unlock(&r->mu);
		check_fail(c, r, strcmp(err, "EINTR") ? "down_send" : "down_eintr", call,
			   check_str(c, "%d", status), check_str(c, "%d", x->served),
			   check_stderr_quote(c, r), NULL);
	}
	return 1;
}

/*
 * One request's failure ends that request only (SPEC §4: "a failure on one
 * client's socket ... ends that client and the server goes on").  The stub
 * makes the server's 2nd sendto() fail with ENOBUFS (the reply to client B
 * is lost) and its 3rd recvfrom() fail at once with EINTR (as a signal
 * would, before client C writes); the server must still be there for C.
 *
 * Only the survival is judged here: client A, served before any failure,
 * shows that the server serves at all; when it does not (it cannot be
 * reached, it ends after one request...) or the failures never come (it
 * replies some other way), other checks say why and this one has nothing
 * to judge.  Where the replies go is the business of the other checks too.
 * A server that tries its sendto() again after the failure is fine.
 */
#define CLIENT_ERROR_FAIL "sendto:ENOBUFS:2,recvfrom:EINTR:3"

/*
 * One client of chk_client_error: sends a datagram, waits for the reply (or
 * for the server to wait again), closes.  Returns 0 when the server went
 * on (it replied to the client, or waits for the next request); else -1,
 * with the check failed when a failure we injected came before and the
 * server ended or got stuck.
 */
static int survives(struct check *c, struct srv *x)
{
	struct client k;
	if (client_open(c, x, &k) < 0)
		return -1;
	char data[64];
	size_t len = (size_t)peer_random(1, 60);
	random_letters(data, len);
	client_send(x, &k, data, len);
	client_wait(x, &k, &k.port, 1);
	client_close(x, &k);
	const char *call, *err;
	switch (k.st) {
	case PEER_REPLY_OK:
	case PEER_REPLY_NONE:
		break;
	case PEER_REPLY_DEST:
		/* Replies that go elsewhere are judged by the other checks. */
		return -1;
	case PEER_REPLY_ENDED:
		ended_after_failure(c, x);
		return -1;
	case PEER_REPLY_REFUSED:
	case PEER_REPLY_STALL:
	case PEER_REPLY_TIMEOUT:
		if (last_injected(c, x->r, 0, &call, &err))
			judge_reply(c, x, &k, 0);
		return -1;
	}
	if (wait_idle(x) < 0) {
		ended_after_failure(c, x);
		return -1;
	}
	return 0;
}

static void chk_client_error(struct check *c)
{
	struct srv x;
	if (srv_start_fail(c, &x, CLIENT_ERROR_FAIL) < 0)
		return;
	if (wait_idle(&x) < 0) {
		ended_after_failure(c, &x);
		return;
	}
	/* A: no failure yet.  B: its reply fails, then a receive is interrupted. */
	if (survives(c, &x) < 0 || survives(c, &x) < 0)
		return;
	const char *call, *err;
	if (!last_injected(c, x.r, 0, &call, &err))
		return;
	/* C: the server goes on. */
	survives(c, &x);
}

static void chk_errors(struct check *c)
{
	check_common_fail_port(c, "socket", "EMFILE");
}

static void chk_bad_port(struct check *c)
{
	check_common_bad_port(c, 0, 1, NULL);
}

const struct check_def ex_udp_iterative_server_checks[] = {
	{ "usage", chk_usage },
	{ "merci", chk_merci },
	{ "several", chk_several },
	{ "empty", chk_empty },
	{ "big", chk_big },
	{ "unread", chk_unread },
	{ "client-error", chk_client_error },
	{ "errors", chk_errors },
	{ "busy-port", check_common_busy_udp },
	{ "bad-port", chk_bad_port },
	{ NULL, NULL },
};
