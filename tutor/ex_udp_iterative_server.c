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
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "check.h"
#include "exercises.h"
#include "peer.h"
#include "sandbox.h"
#include "util.h"

#define MSG_MAX 1024		/* the largest datagram a client sends */
#define MAX_CLIENTS 8

static const char merci[5] = { 'M', 'e', 'r', 'c', 'i' };

static int swap16(int port)
{
	return ((port & 0xff) << 8) | (port >> 8);
}

/* ---- UDP peer helpers (candidates for tutor/peer.c) ---- */

/*
 * A peer UDP socket on 127.0.0.1 at a port the system picks, with
 * IP_RECVERR: an ICMP "port unreachable" for one of its datagrams makes its
 * next receive fail with ECONNREFUSED, so a datagram nobody receives is
 * known at once.  The port's two bytes differ.  Returns the fd or -1.
 */
static int udp_peer(void)
{
	for (int tries = 0; tries < 8; tries++) {
		int fd = peer_udp(0);
		if (fd < 0)
			return -1;
		/* Its two bytes differ, so that a reply to the swapped port shows. */
		int port = peer_port_of(fd);
		if (port > 0 && swap16(port) != port) {
			int one = 1;
			setsockopt(fd, IPPROTO_IP, IP_RECVERR, &one, sizeof one);
			return fd;
		}
		close(fd);
	}
	return -1;
}

/* Sends one datagram to ip:port (a loopback address) and notes it. */
static void udp_send(struct run *r, int fd, const void *buf, size_t len, const char *ip, int port)
{
	struct sockaddr_in a;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	inet_pton(AF_INET, ip, &a.sin_addr);
	ssize_t w;
	do
		w = sendto(fd, buf, len, MSG_NOSIGNAL, (struct sockaddr *)&a, sizeof a);
	while (w < 0 && errno == EINTR);
	int e = errno;
	char addr[64];
	snprintf(addr, sizeof addr, "%s:%d", ip, port);
	run_note(r, "sendto", fd, w, w < 0 ? e : 0, buf, w, addr);
}

/* Empties the error queue of a socket with IP_RECVERR (else POLLERR stays). */
static void drain_errqueue(int fd)
{
	char buf[64], ctl[512];
	for (int i = 0; i < 16; i++) {
		struct iovec v = { buf, sizeof buf };
		struct msghdr m = { .msg_iov = &v, .msg_iovlen = 1, .msg_control = ctl,
				    .msg_controllen = sizeof ctl };
		if (recvmsg(fd, &m, MSG_ERRQUEUE | MSG_DONTWAIT) < 0)
			break;
	}
}

/* Reads /proc/TID/stat: is the thread asleep in a receive-like system call? */
static int sleeps_in_recv(long tid)
{
	static const long nrs[] = {
		SYS_recvfrom, SYS_read, SYS_recvmsg, SYS_recvmmsg, SYS_pselect6, SYS_ppoll,
		SYS_epoll_pwait,
#ifdef SYS_select
		SYS_select,
#endif
#ifdef SYS_poll
		SYS_poll,
#endif
#ifdef SYS_epoll_wait
		SYS_epoll_wait,
#endif
	};
	char path[64], buf[512];
	snprintf(path, sizeof path, "/proc/%ld/stat", tid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	const char *paren = strrchr(buf, ')');
	if (!paren || paren[1] != ' ' || paren[2] != 'S')
		return 0;
	snprintf(path, sizeof path, "/proc/%ld/syscall", tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	char *end;
	long nr = strtol(buf, &end, 10);
	if (end == buf)
		return 0;
	for (size_t i = 0; i < sizeof nrs / sizeof nrs[0]; i++)
		if (nrs[i] == nr)
			return 1;
	return 0;
}

enum wr {
	WR_OK,		/* a datagram came to the peer socket */
	WR_DEST,	/* the program sent its reply elsewhere (or its sendto failed) */
	WR_NOREPLY,	/* it received the datagram and waits again without replying */
	WR_REFUSED,	/* the peer's datagram reached no socket (ICMP) */
	WR_ENDED,	/* the program ended without sending to the peer */
	WR_STALL,	/* it waits in a call, nothing in flight */
	WR_TIMEOUT,
};

/* Where the program sent a datagram that was not for the peer. */
struct dest {
	char call[16];
	char addr[64];	/* "ip:port", "" when unknown */
	long ret;
	int err;
};

/* The destination of a send-like event: its own address or its socket's connect(). */
static void dest_of_locked(struct run *r, size_t i, char *addr, size_t len)
{
	const struct trace_ev *e = &r->ev[i];
	snprintf(addr, len, "%s", e->addr);
	if (e->addr[0])
		return;
	for (size_t k = i; k-- > 0;) {
		const struct trace_ev *p = &r->ev[k];
		if (p->side == SIDE_PROGRAM && p->phase == 'X' && p->fd == e->fd &&
		    !strcmp(p->call, "connect")) {
			if (p->ret == 0)
				snprintf(addr, len, "%s", p->addr);
			return;
		}
	}
}

struct waiter {
	size_t scan;		/* next trace event to look at */
	long t0;		/* events of the program before this time are older */
	int unanswered;		/* datagrams the program received, not answered yet */
	int to_peer;		/* datagrams the trace shows sent to fd's port */
	int got;		/* datagrams received on fd */
	long noreply_tid;	/* thread that may wait again without replying, or 0 */
};

/*
 * Reads the program's new trace events.  ports[] are the peer ports a reply
 * may go to; myport is the one of the socket waited on.  Returns WR_DEST
 * (and fills *bad) when a datagram went elsewhere, else -1.  Call with
 * r->mu held.
 */
static int scan_locked(struct run *r, struct waiter *w, const int *ports, int nports, int myport,
		       struct dest *bad)
{
	for (; w->scan < r->nev; w->scan++) {
		const struct trace_ev *e = &r->ev[w->scan];
		/* The trace may come late: what happened before is not ours. */
		if (e->side != SIDE_PROGRAM || !strcmp(e->inj, "fail") || e->t_us < w->t0)
			continue;
		if (e->phase == 'E') {
			if (trace_is_recv(e->call) || !strcmp(e->call, "select") ||
			    !strcmp(e->call, "poll"))
				w->noreply_tid = w->unanswered > 0 ? e->tid : 0;
			continue;
		}
		if (e->phase != 'X')
			continue;
		w->noreply_tid = 0;
		if (trace_is_recv(e->call) && e->ret >= 0) {
			w->unanswered++;
		} else if (trace_is_send(e->call)) {
			char addr[64], ip[64];
			int port = -1;
			dest_of_locked(r, w->scan, addr, sizeof addr);
			int known = trace_addr_split(addr, ip, sizeof ip, &port) == 0;
			int ours = 0;
			for (int k = 0; k < nports; k++)
				ours |= known && port == ports[k] && !strcmp(ip, "127.0.0.1");
			if (e->ret < 0 || !ours) {
				snprintf(bad->call, sizeof bad->call, "%s", e->call);
				snprintf(bad->addr, sizeof bad->addr, "%s", addr);
				bad->ret = e->ret;
				bad->err = e->err;
				return WR_DEST;
			}
			if (port == myport)
				w->to_peer++;
			w->unanswered = 0;
		}
	}
	return -1;
}

/*
 * Waits for one datagram on the peer socket fd (port myport), at most ms,
 * reading the trace as it comes (see the top of the file).  The datagram
 * goes to buf (cap bytes kept, *got its length).
 */
static enum wr wait_reply(struct run *r, int fd, int myport, const int *ports, int nports,
			  struct waiter *w, void *buf, size_t cap, size_t *got, struct dest *bad,
			  long ms)
{
	long deadline = now_ms() + ms;
	*got = 0;
	for (;;) {
		struct sockaddr_in a;
		socklen_t alen = sizeof a;
		ssize_t n = recvfrom(fd, buf, cap, MSG_DONTWAIT | MSG_TRUNC, (struct sockaddr *)&a,
				     &alen);
		if (n >= 0) {
			char addr[64];
			snprintf(addr, sizeof addr, "%s:%u", inet_ntoa(a.sin_addr), ntohs(a.sin_port));
			long kept = (size_t)n < cap ? (long)n : (long)cap;
			run_note(r, "recvfrom", fd, n, 0, buf, kept, addr);
			*got = (size_t)n;
			w->got++;
			return WR_OK;
		}
		if (errno == ECONNREFUSED) {
			drain_errqueue(fd);
			run_note(r, "recvfrom", fd, -1, ECONNREFUSED, NULL, 0, NULL);
			return WR_REFUSED;
		}
		char tmp[256];
		while (read(r->wake[0], tmp, sizeof tmp) > 0)
			;
		long recheck = -1;
		pthread_mutex_lock(&r->mu);
		int s = scan_locked(r, w, ports, nports, myport, bad);
		int ended = r->end != RUN_RUNNING || r->collector_done;
		int stalled = !ended && run_stalled_locked(r);
		int unsure = r->stall_unsure;
		long tid = w->noreply_tid;
		int pending = w->to_peer > w->got;
		pthread_mutex_unlock(&r->mu);
		if (s == WR_DEST)
			return WR_DEST;
		/* A datagram the trace shows on its way to us will come. */
		if (!pending) {
			if (tid && sleeps_in_recv(tid))
				return WR_NOREPLY;
			if (tid || unsure)
				recheck = RUN_RECHECK_MS;
			if (ended)
				return WR_ENDED;
			if (stalled)
				return WR_STALL;
		}
		long left = deadline - now_ms();
		if (left <= 0)
			return WR_TIMEOUT;
		if (recheck > 0 && recheck < left)
			left = recheck;
		struct pollfd pf[2] = {
			{ .fd = fd, .events = POLLIN },
			{ .fd = r->wake[0], .events = POLLIN },
		};
		poll(pf, ended ? 1 : 2, (int)left);
	}
}

/* ---- The server and its clients ---- */

struct srv {
	struct run *r;
	int port;		/* PORT given to the program */
	long bind_ev;		/* the program's bind, -1 if none */
	long bind_ret;
	int bind_err;
	char bind_ip[64];
	int bind_port;
	int ports[MAX_CLIENTS];	/* the clients' ports, in order */
	int nclients;
	int served;		/* clients that got their reply */
};

struct client {
	int fd, port;
	size_t len;		/* bytes sent */
	size_t scan0;		/* first trace event after its datagram */
	struct waiter w;
	enum wr st;
	struct dest bad;
	unsigned char got[64];
	size_t ngot;
	char stuck[16];
};

/* Starts the server on a fresh port and waits for its bind(). */
static int srv_start(struct check *c, struct srv *x)
{
	memset(x, 0, sizeof *x);
	x->bind_ev = -1;
	x->port = sandbox_port();
	if (x->port < 0) {
		check_fail(c, NULL, "internal.port", NULL);
		return -1;
	}
	struct spawn s = { .args = { check_str(c, "%d", x->port), NULL } };
	x->r = check_spawn(c, &s);
	if (!x->r)
		return -1;
	size_t from = 0;
	x->bind_ev = run_wait_call(x->r, "bind", &from, WAIT_MS);
	if (x->bind_ev >= 0) {
		pthread_mutex_lock(&x->r->mu);
		const struct trace_ev *e = &x->r->ev[x->bind_ev];
		x->bind_ret = e->ret;
		x->bind_err = e->err;
		if (trace_addr_split(e->addr, x->bind_ip, sizeof x->bind_ip, &x->bind_port) < 0) {
			x->bind_ip[0] = '\0';
			x->bind_port = -1;
		}
		pthread_mutex_unlock(&x->r->mu);
	}
	return 0;
}

static const char *stderr_quote(struct check *c, struct run *r)
{
	char *err = check_stderr(r);
	const char *q = check_quote(c, err, strlen(err));
	free(err);
	return q;
}

/*
 * Can a datagram to 127.0.0.1:PORT reach the server?  Fails the check with
 * the reason and returns -1 if not.
 */
static int judge_reach(struct check *c, struct srv *x)
{
	struct run *r = x->r;
	if (x->bind_ev < 0) {
		if (check_abnormal(c, r))
			return -1;
		pthread_mutex_lock(&r->mu);
		int ended = r->end != RUN_RUNNING;
		int status = r->status;
		pthread_mutex_unlock(&r->mu);
		if (ended) {
			check_fail(c, r, "nobind", check_str(c, "%d", status), stderr_quote(c, r), NULL);
		} else {
			const char *call = run_blocked_call(r);
			if (call)
				check_fail(c, r, "nobind_blocked", call, NULL);
			else
				check_fail(c, r, "nobind_hang", NULL);
			run_kill(r);
		}
		return -1;
	}
	const char *want = check_str(c, "%d", x->port);
	if (x->bind_port >= 0 && x->bind_port != x->port) {
		const char *got = check_str(c, "%d", x->bind_port);
		check_fail(c, r, x->bind_port == swap16(x->port) ? "htons" : "port", got, want, NULL);
		return -1;
	}
	if (x->bind_ret < 0) {
		check_fail(c, r, "bind_failed", check_str(c, "%s", strerror(x->bind_err)),
			   stderr_quote(c, r), NULL);
		return -1;
	}
	if (strcmp(x->bind_ip, "0.0.0.0") && strcmp(x->bind_ip, "127.0.0.1")) {
		check_fail(c, r, "address", check_str(c, "%s", x->bind_ip), NULL);
		return -1;
	}
	return 0;
}

/* A new client socket; -1 and the check failed if none could be made. */
static int client_open(struct check *c, struct srv *x, struct client *k)
{
	memset(k, 0, sizeof *k);
	k->fd = x->nclients < MAX_CLIENTS ? udp_peer() : -1;
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
	udp_send(x->r, k->fd, data, len, "127.0.0.1", x->port);
}

/*
 * The client waits for its reply.  ports[] are the clients a reply may go
 * to now (those waiting, and one that left without reading its reply).
 */
static enum wr client_wait(struct srv *x, struct client *k, const int *ports, int nports)
{
	k->st = wait_reply(x->r, k->fd, k->port, ports, nports, &k->w, k->got, sizeof k->got,
			   &k->ngot, &k->bad, WAIT_MS);
	if (k->st == WR_OK) {
		x->served++;
	} else if (k->st == WR_NOREPLY || k->st == WR_STALL || k->st == WR_TIMEOUT) {
		const char *call = run_blocked_call(x->r);
		snprintf(k->stuck, sizeof k->stuck, "%s", call ? call : "");
	}
	return k->st;
}

/* Sends sig to the server's process group while it runs (stop, continue). */
static void srv_signal(struct srv *x, int sig)
{
	pthread_mutex_lock(&x->r->mu);
	if (x->r->end == RUN_RUNNING)
		kill(-x->r->pid, sig);
	pthread_mutex_unlock(&x->r->mu);
}

/* Has the collector parsed every trace line written so far?  r->mu held. */
static int trace_caught_up(struct run *r)
{
	int n = 0;
	return r->trace_fd < 0 || (ioctl(r->trace_fd, FIONREAD, &n) == 0 && n == 0);
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
		if (sleeps_in_recv(r->pid)) {
			/* Asleep, it writes no more: the pipe empty means all parsed. */
			pthread_mutex_lock(&r->mu);
			int synced = trace_caught_up(r);
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
			   check_str(c, "%d", x->served), stderr_quote(c, r), NULL);
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
	else if (port == swap16(k->port) && k->port != swap16(k->port))
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
	case WR_OK:
		break;
	case WR_DEST:
		judge_dest(c, x, k);
		return -1;
	case WR_REFUSED:
		check_fail(c, r, "refused", check_str(c, "%d", x->port), n, NULL);
		return -1;
	case WR_NOREPLY:
		check_fail(c, r, "noreply_blocked", len, k->stuck[0] ? k->stuck : "recvfrom", n,
			   NULL);
		return -1;
	case WR_STALL:
		check_fail(c, r, "run.blocked", k->stuck[0] ? k->stuck : "?", NULL);
		return -1;
	case WR_TIMEOUT:
		check_fail(c, r, "run.hang", NULL);
		return -1;
	case WR_ENDED:
		if (!check_abnormal(c, r))
			check_fail(c, r, "ended", check_str(c, "%d", r->status), n, len,
				   stderr_quote(c, r), NULL);
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
			struct dest bad;
			size_t nmore;
			k.w.unanswered = 0;
			pthread_mutex_lock(&x.r->mu);
			scan_locked(x.r, &k.w, &k.port, 1, k.port, &bad);
			int pending = k.w.to_peer > k.w.got;
			pthread_mutex_unlock(&x.r->mu);
			if (pending && wait_reply(x.r, k.fd, k.port, &k.port, 1, &k.w, more,
						  sizeof more, &nmore, &bad, WAIT_MS) == WR_OK)
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
	if (k.st == WR_OK) {
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
	if (next.st == WR_ENDED && icmp_reported(c, &x, gone.scan0)) {
		client_close(&x, &next);
		return;
	}
	judge_reply(c, &x, &next, 0);
	client_close(&x, &next);
}

static void chk_errors(struct check *c)
{
	int port = sandbox_port();
	if (port < 0) {
		check_fail(c, NULL, "internal.port", NULL);
		return;
	}
	struct spawn s = { .args = { check_str(c, "%d", port), NULL } };
	check_common_fail_call(c, &s, "socket", "EMFILE");
}

/* A UDP socket bound on 0.0.0.0:port (no SO_REUSEADDR), or -1. */
static int hold_port(int port)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	struct sockaddr_in a;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_ANY);
	if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Another socket holds PORT (and its byte-swapped twin, so that a server
 * without htons meets the same refusal): bind() fails for real with
 * EADDRINUSE; the server must say so and exit non-zero.
 */
static void chk_busy_port(struct check *c)
{
	int port = -1, held = -1;
	for (int tries = 0; tries < 8 && held < 0; tries++) {
		port = sandbox_port();
		if (port > 0)
			held = hold_port(port);
	}
	if (held < 0) {
		check_fail(c, NULL, "internal.port", NULL);
		return;
	}
	int twin = hold_port(swap16(port));
	const char *p = check_str(c, "%d", port);
	struct spawn s = { .args = { p, NULL } };
	struct run *r = check_spawn(c, &s);
	int w = r ? run_wait_exit(r, WAIT_MS) : -1;
	close(held);
	if (twin >= 0)
		close(twin);
	if (!r)
		return;
	if (w != 0) {
		const char *call = run_blocked_call(r);
		check_fail(c, r, "went_on", p, call ? call : "?", NULL);
		run_kill(r);
		return;
	}
	if (check_abnormal(c, r))
		return;
	char *err = check_stderr(r);
	if (r->status == 0)
		check_fail(c, r, "status0", p, NULL);
	else if (!check_names_call(err, "bind"))
		check_fail(c, r, "unnamed", p, check_quote(c, err, strlen(err)), NULL);
	free(err);
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
	{ "errors", chk_errors },
	{ "busy-port", chk_busy_port },
	{ "bad-port", chk_bad_port },
	{ NULL, NULL },
};
