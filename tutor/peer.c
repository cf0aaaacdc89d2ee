/*
 * Reference peers (see peer.h).  Every wait polls the peer socket together
 * with the run's wake pipe, so the peer notices at once when the program
 * ends or stalls; nothing here sleeps for a fixed time.
 */
#define _GNU_SOURCE
#include "peer.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util.h"

static void loopback(struct sockaddr_in *a, int port, int any)
{
	memset(a, 0, sizeof *a);
	a->sin_family = AF_INET;
	a->sin_port = htons((uint16_t)port);
	a->sin_addr.s_addr = htonl(any ? INADDR_ANY : INADDR_LOOPBACK);
}

int peer_listen(int port, int any)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	struct sockaddr_in a;
	loopback(&a, port, any);
	if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 16) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int peer_reserve(int port, int type, int any)
{
	int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	struct sockaddr_in a;
	loopback(&a, port, any);
	if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int peer_swap_port(int port)
{
	return ((port & 0xff) << 8) | ((port >> 8) & 0xff);
}

/* Drains the wake pipe; returns what the program is doing now. */
static enum peer_io program_state(struct run *r)
{
	char buf[256];
	while (read(r->wake[0], buf, sizeof buf) > 0)
		;
	pthread_mutex_lock(&r->mu);
	enum peer_io s = PEER_OK;
	if (r->end != RUN_RUNNING || r->collector_done)
		s = PEER_ENDED;
	else if (run_stalled_locked(r))
		s = PEER_STALL;
	pthread_mutex_unlock(&r->mu);
	return s;
}

/*
 * Waits until fd is ready for `events`, the program stalls or ends, or the
 * deadline passes.  PEER_OK means fd is ready.
 */
static enum peer_io wait_fd(struct run *r, int fd, short events, long deadline)
{
	for (;;) {
		struct pollfd pf[2] = {
			{ .fd = fd, .events = events },
			{ .fd = r->wake[0], .events = POLLIN },
		};
		long left = deadline - now_ms();
		if (left <= 0)
			return PEER_TIMEOUT;
		pthread_mutex_lock(&r->mu);
		if (r->stall_unsure && left > RUN_RECHECK_MS)
			left = RUN_RECHECK_MS;
		pthread_mutex_unlock(&r->mu);
		int n = poll(pf, 2, (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return PEER_ERROR;
		if (pf[0].revents)
			return PEER_OK;
		if (pf[1].revents || n == 0) {
			enum peer_io s = program_state(r);
			if (s == PEER_OK)
				continue;
			/* Data may still be there from before the end: look once more. */
			struct pollfd again = { .fd = fd, .events = events };
			if (poll(&again, 1, 0) > 0)
				return PEER_OK;
			return s;
		}
	}
}

enum peer_io peer_accept(struct run *r, int lfd, int *fd, long ms)
{
	long deadline = now_ms() + ms;
	*fd = -1;
	for (;;) {
		enum peer_io s = wait_fd(r, lfd, POLLIN, deadline);
		if (s != PEER_OK)
			return s;
		struct sockaddr_in a;
		socklen_t len = sizeof a;
		int c = accept4(lfd, (struct sockaddr *)&a, &len, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (c < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (c < 0)
			return PEER_ERROR;
		char addr[64];
		snprintf(addr, sizeof addr, "%s:%u", inet_ntoa(a.sin_addr), ntohs(a.sin_port));
		run_note(r, "accept", lfd, c, 0, NULL, 0, addr);
		int one = 1;
		setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		*fd = c;
		return PEER_OK;
	}
}

int peer_connect(struct run *r, int port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	struct sockaddr_in a;
	loopback(&a, port, 0);
	char addr[64];
	snprintf(addr, sizeof addr, "127.0.0.1:%d", port);
	int ret;
	do
		ret = connect(fd, (struct sockaddr *)&a, sizeof a);
	while (ret < 0 && errno == EINTR);
	int e = errno;
	run_note(r, "connect", fd, ret, ret < 0 ? e : 0, NULL, 0, addr);
	if (ret < 0) {
		close(fd);
		errno = e;
		return -1;
	}
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return fd;
}

enum peer_io peer_send(struct run *r, int fd, const void *buf, size_t len, size_t piece)
{
	const char *p = buf;
	long deadline = now_ms() + 5000;
	while (len > 0) {
		size_t n = piece && piece < len ? piece : len;
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN) {
			enum peer_io s = wait_fd(r, fd, POLLOUT, deadline);
			if (s != PEER_OK)
				return s;
			continue;
		}
		int e = errno;
		run_note(r, "send", fd, w, w < 0 ? e : 0, p, w, NULL);
		if (w < 0) {
			errno = e;
			return e == EPIPE || e == ECONNRESET ? PEER_CLOSED : PEER_ERROR;
		}
		p += w;
		len -= (size_t)w;
	}
	return PEER_OK;
}

enum peer_io peer_recv(struct run *r, int fd, void *buf, size_t want, size_t *got,
		       int stop_nul, long ms)
{
	long deadline = now_ms() + ms;
	char *p = buf;
	*got = 0;
	while (*got < want) {
		ssize_t n = recv(fd, p + *got, want - *got, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			enum peer_io s = wait_fd(r, fd, POLLIN, deadline);
			if (s != PEER_OK)
				return s;
			continue;
		}
		int e = errno;
		run_note(r, "recv", fd, n, n < 0 ? e : 0, p + *got, n, NULL);
		if (n < 0) {
			errno = e;
			return e == ECONNRESET ? PEER_CLOSED : PEER_ERROR;
		}
		if (n == 0)
			return PEER_CLOSED;
		int nul = stop_nul && memchr(p + *got, '\0', (size_t)n);
		*got += (size_t)n;
		if (nul)
			break;
	}
	return PEER_OK;
}

enum peer_io peer_wait_close(struct run *r, int fd, void *buf, size_t cap,
			     size_t *extra, long ms)
{
	long deadline = now_ms() + ms;
	*extra = 0;
	for (;;) {
		char tmp[4096];
		ssize_t n = recv(fd, tmp, sizeof tmp, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			enum peer_io s = wait_fd(r, fd, POLLIN, deadline);
			if (s != PEER_OK)
				return s;
			continue;
		}
		int e = errno;
		run_note(r, "recv", fd, n, n < 0 ? e : 0, tmp, n, NULL);
		if (n < 0)
			return e == ECONNRESET ? PEER_CLOSED : PEER_ERROR;
		if (n == 0)
			return PEER_CLOSED;
		if (buf && *extra < cap)
			memcpy((char *)buf + *extra, tmp,
			       (size_t)n < cap - *extra ? (size_t)n : cap - *extra);
		*extra += (size_t)n;
	}
}

void peer_close(struct run *r, int fd)
{
	if (fd < 0)
		return;
	int listening = 0, type = 0;
	socklen_t len = sizeof listening;
	getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len);
	len = sizeof type;
	getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len);
	int ret = close(fd);
	/* Only the end of a connection is an end of file for the program. */
	int conn_end = type == SOCK_STREAM && !listening;
	run_note(r, "close", fd, ret, 0, conn_end ? "" : NULL, 0, NULL);
}

int peer_udp(int port)
{
	return peer_reserve(port, SOCK_DGRAM | SOCK_NONBLOCK, 0);
}

int peer_port_of(int fd)
{
	struct sockaddr_in a;
	socklen_t len = sizeof a;
	if (getsockname(fd, (struct sockaddr *)&a, &len) < 0)
		return -1;
	return ntohs(a.sin_port);
}

enum peer_io peer_sendto(struct run *r, int fd, const void *buf, size_t len, int port)
{
	return peer_sendto_ip(r, fd, buf, len, "127.0.0.1", port);
}

enum peer_io peer_sendto_ip(struct run *r, int fd, const void *buf, size_t len, const char *ip,
			    int port)
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
	errno = e;
	return w < 0 ? PEER_ERROR : PEER_OK;
}

enum peer_io peer_recvfrom(struct run *r, int fd, void *buf, size_t cap, size_t *got,
			   int *from_port, long ms)
{
	long deadline = now_ms() + ms;
	*got = 0;
	for (;;) {
		struct sockaddr_in a;
		socklen_t alen = sizeof a;
		ssize_t n = recvfrom(fd, buf, cap, MSG_DONTWAIT, (struct sockaddr *)&a, &alen);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == ECONNREFUSED)) {
			enum peer_io s = wait_fd(r, fd, POLLIN, deadline);
			if (s != PEER_OK)
				return s;
			continue;
		}
		int e = errno;
		char addr[64] = "";
		if (n >= 0)
			snprintf(addr, sizeof addr, "%s:%u", inet_ntoa(a.sin_addr), ntohs(a.sin_port));
		run_note(r, "recvfrom", fd, n, n < 0 ? e : 0, buf, n, addr);
		if (n < 0) {
			errno = e;
			return PEER_ERROR;
		}
		*got = (size_t)n;
		if (from_port)
			*from_port = ntohs(a.sin_port);
		return PEER_OK;
	}
}

int peer_udp_recverr(void)
{
	for (int tries = 0; tries < 8; tries++) {
		int fd = peer_udp(0);
		if (fd < 0)
			return -1;
		/* Its two bytes differ, so that a reply to the swapped port shows. */
		int port = peer_port_of(fd);
		if (port > 0 && peer_swap_port(port) != port) {
			int one = 1;
			setsockopt(fd, IPPROTO_IP, IP_RECVERR, &one, sizeof one);
			return fd;
		}
		close(fd);
	}
	return -1;
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

int peer_reply_scan_locked(struct run *r, struct peer_waiter *w, const int *ports, int nports,
			   int myport, struct peer_dest *bad)
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
				return 1;
			}
			if (port == myport)
				w->to_peer++;
			w->unanswered = 0;
		}
	}
	return 0;
}

enum peer_reply peer_wait_reply(struct run *r, int fd, int myport, const int *ports, int nports,
				struct peer_waiter *w, void *buf, size_t cap, size_t *got,
				struct peer_dest *bad, long ms)
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
			return PEER_REPLY_OK;
		}
		if (errno == ECONNREFUSED) {
			drain_errqueue(fd);
			run_note(r, "recvfrom", fd, -1, ECONNREFUSED, NULL, 0, NULL);
			return PEER_REPLY_REFUSED;
		}
		char tmp[256];
		while (read(r->wake[0], tmp, sizeof tmp) > 0)
			;
		long recheck = -1;
		pthread_mutex_lock(&r->mu);
		int elsewhere = peer_reply_scan_locked(r, w, ports, nports, myport, bad);
		int ended = r->end != RUN_RUNNING || r->collector_done;
		int stalled = !ended && run_stalled_locked(r);
		int unsure = r->stall_unsure;
		long tid = w->noreply_tid;
		int pending = w->to_peer > w->got;
		pthread_mutex_unlock(&r->mu);
		if (elsewhere)
			return PEER_REPLY_DEST;
		/* A datagram the trace shows on its way to us will come. */
		if (!pending) {
			if (tid && run_sleeps_in_recv(tid))
				return PEER_REPLY_NONE;
			if (tid || unsure)
				recheck = RUN_RECHECK_MS;
			if (ended)
				return PEER_REPLY_ENDED;
			if (stalled)
				return PEER_REPLY_STALL;
		}
		long left = deadline - now_ms();
		if (left <= 0)
			return PEER_REPLY_TIMEOUT;
		if (recheck > 0 && recheck < left)
			left = recheck;
		struct pollfd pf[2] = {
			{ .fd = fd, .events = POLLIN },
			{ .fd = r->wake[0], .events = POLLIN },
		};
		poll(pf, ended ? 1 : 2, (int)left);
	}
}

static pthread_mutex_t rnd_mu = PTHREAD_MUTEX_INITIALIZER;
static unsigned long long rnd_state;

long peer_random(long lo, long hi)
{
	pthread_mutex_lock(&rnd_mu);
	if (!rnd_state)
		rnd_state = (unsigned long long)now_us() * 6364136223846793005ULL ^ (unsigned long long)getpid();
	/* xorshift64* */
	rnd_state ^= rnd_state >> 12;
	rnd_state ^= rnd_state << 25;
	rnd_state ^= rnd_state >> 27;
	unsigned long long v = rnd_state * 2685821657736338717ULL;
	pthread_mutex_unlock(&rnd_mu);
	return lo + (long)(v % (unsigned long long)(hi - lo + 1));
}

void peer_random_word(char *buf, size_t n)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = (char)peer_random('a', 'z');
	buf[n] = '\0';
}
