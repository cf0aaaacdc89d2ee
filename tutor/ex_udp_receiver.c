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
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "check.h"
#include "exercises.h"
#include "peer.h"
#include "sandbox.h"
#include "util.h"

#define MSG_MAX 20		/* bytes the program accepts, NUL included */

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

/* ---- The exchange ---- */

struct xchg {
	struct run *r;
	int port;		/* PORT given to the program */
	const char *to_ip;	/* where the peer sends: 127.0.0.1 or 127.0.0.2 */
	char word[MSG_MAX + 8];
	size_t nsend;		/* bytes of the datagram, NUL included */
	long bind_ev;		/* the program's bind, -1 if none */
	long bind_ret;
	int bind_err;
	char bind_ip[64];
	int bind_port;
	int pfd, pport;		/* the peer socket and its port */
	enum wr st;
	struct waiter w;
	struct dest bad;
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
	x->bind_ev = -1;
	x->ended_wait = 2;
	x->port = sandbox_port();
	if (x->port < 0) {
		check_fail(c, NULL, "internal.port", NULL);
		return -1;
	}
	s->args[0] = check_str(c, "%d", x->port);
	s->args[1] = NULL;
	x->r = check_spawn(c, s);
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

/* Could the peer's datagram reach the bound socket? */
static int reachable(const struct xchg *x)
{
	return x->bind_ev >= 0 && x->bind_ret == 0 && x->bind_port == x->port &&
	       (!strcmp(x->bind_ip, "0.0.0.0") || !strcmp(x->bind_ip, x->to_ip));
}

/* Sends the word from a fresh peer socket and waits for the reply. */
static void xchg_talk(struct check *c, struct xchg *x)
{
	struct run *r = x->r;
	x->pfd = udp_peer();
	if (x->pfd < 0) {
		check_fail(c, NULL, "internal.port", NULL);
		return;
	}
	x->pport = peer_port_of(x->pfd);
	pthread_mutex_lock(&r->mu);
	x->w.scan = x->scan0 = r->nev;
	pthread_mutex_unlock(&r->mu);
	x->w.t0 = now_us();
	udp_send(r, x->pfd, x->word, x->nsend, x->to_ip, x->port);
	x->st = wait_reply(r, x->pfd, x->pport, &x->pport, 1, &x->w, x->got, sizeof x->got,
			   &x->ngot, &x->bad, WAIT_MS);
	if (x->st == WR_NOREPLY || x->st == WR_STALL || x->st == WR_TIMEOUT) {
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
		if (x->st == WR_OK || x->st == WR_DEST)
			xchg_end(x);
	}
	return c->failed ? -1 : 0;
}

static const char *stderr_quote(struct check *c, struct run *r)
{
	char *err = check_stderr(r);
	const char *q = check_quote(c, err, strlen(err));
	free(err);
	return q;
}

/*
 * The bind: fails the check and returns -1 when the peer's datagram could
 * not reach the program (no bind, failed, wrong port or address).
 */
static int judge_reach(struct check *c, struct xchg *x)
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
	if (!reachable(x)) {
		check_fail(c, r, "not_any", check_str(c, "%s", x->bind_ip), x->to_ip, NULL);
		return -1;
	}
	return 0;
}

/* A copy of the program's stdout so far, NUL bytes included; *len is set. */
static char *stdout_bytes(struct run *r, size_t *len)
{
	pthread_mutex_lock(&r->mu);
	*len = r->out.len;
	char *s = xmalloc(*len + 1);
	if (*len)
		memcpy(s, r->out.buf, *len);
	s[*len] = '\0';
	pthread_mutex_unlock(&r->mu);
	return s;
}

/*
 * Finds the first line "recu : <text>" in out (len bytes); sets *text and
 * *n to <text> without a final '\r' or spaces.  Returns 1 when there.
 */
static int find_recu(const char *out, size_t len, const char **text, size_t *n)
{
	const char *end = out + len;
	for (const char *p = out; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		if ((size_t)(eol - p) >= 7 && !memcmp(p, "recu : ", 7)) {
			const char *s = p + 7;
			size_t k = (size_t)(eol - s);
			while (k > 0 && (s[k - 1] == '\r' || s[k - 1] == ' '))
				k--;
			*text = s;
			*n = k;
			return 1;
		}
		p = eol + 1;
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
	if (x->st == WR_REFUSED) {
		check_fail(c, r, "refused", x->to_ip, check_str(c, "%d", x->port), NULL);
		return;
	}
	size_t outlen, n;
	char *out = stdout_bytes(r, &outlen);
	const char *rest;
	size_t wlen = strlen(x->word);
	if (!find_recu(out, outlen, &rest, &n)) {
		if (truncated(x))
			fail_truncated(c, x);
		else if (x->st == WR_NOREPLY && x->rx_seen)
			check_fail(c, r, "wait_more", check_str(c, "%zu", x->nsend), x->stuck, NULL);
		else if (x->st == WR_STALL || x->st == WR_NOREPLY)
			check_fail(c, r, x->rx_seen ? "run.blocked" : "norecv", x->stuck, NULL);
		else if (x->st == WR_TIMEOUT)
			check_fail(c, r, "run.hang", NULL);
		else if (check_abnormal(c, r))
			;
		else if (!outlen)
			check_fail(c, r, "noprint", check_str(c, "%d", r->status), stderr_quote(c, r),
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
	else if (port == swap16(x->pport) && x->pport != swap16(x->pport))
		check_fail(c, r, "dest_swapped", where, sender, NULL);
	else
		check_fail(c, r, "dest", where, sender, NULL);
}

/* The reply: the 4 bytes of the int 10 in host order, at the peer's port. */
static void judge_reply(struct check *c, struct xchg *x)
{
	struct run *r = x->r;
	switch (x->st) {
	case WR_OK:
		break;
	case WR_DEST:
		judge_dest(c, x);
		return;
	case WR_REFUSED:
		check_fail(c, r, "refused", x->to_ip, check_str(c, "%d", x->port), NULL);
		return;
	case WR_NOREPLY:
	case WR_STALL:
		if (x->stuck[0])
			check_fail(c, r, "noreply_blocked", x->stuck, NULL);
		else
			check_fail(c, r, "run.hang", NULL);
		return;
	case WR_TIMEOUT:
		check_fail(c, r, "run.hang", NULL);
		return;
	case WR_ENDED:
		if (!check_abnormal(c, r))
			check_fail(c, r, "noreply", check_str(c, "%d", r->status), stderr_quote(c, r),
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
		check_fail(c, r, "status", check_str(c, "%d", r->status), stderr_quote(c, r), NULL);
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
		if (strcmp(x.bind_ip, "0.0.0.0") != 0)
			check_fail(c, x.r, "not_any", check_str(c, "%s", x.bind_ip), x.to_ip, NULL);
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
	if (x.st != WR_OK || x.ended_wait != 0) {
		check_fail(c, r, "needs_hello", NULL);
		if (x.ended_wait != 0)
			run_kill(r);
		xchg_free(&x);
		return;
	}
	int fd, closed = 0;
	pthread_mutex_lock(&r->mu);
	fd = r->ev[x.bind_ev].fd;
	for (size_t i = (size_t)x.bind_ev; i < r->nev && !closed; i++) {
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
 * Another socket holds PORT (and its byte-swapped twin, so that a program
 * without htons meets the same refusal): bind() fails for real with
 * EADDRINUSE; the program must say so and exit non-zero.
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

const struct check_def ex_udp_receiver_checks[] = {
	{ "usage", chk_usage },
	{ "hello", chk_hello },
	{ "longest", chk_longest },
	{ "any-address", chk_any_address },
	{ "closes", chk_closes },
	{ "errors", chk_errors },
	{ "busy-port", chk_busy_port },
	{ "bad-port", chk_bad_port },
	{ NULL, NULL },
};
