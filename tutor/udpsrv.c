/*
 * The reference UDP server of udp-sender and udp-retry (see udpsrv.h): the
 * check's own thread plays the server of a scenario while the program runs,
 * noting each datagram in the run's trace; then the judges read what came
 * and what the trace shows.  A program that waits with alarm(), setitimer() or ualarm()
 * is invisible to the stall detector, so once it has sent a datagram we
 * only wait for its next datagram or its end, each up to the bound; stalls
 * end a scenario only before the first datagram (nothing can legitimately
 * be waited for yet) and after a valid reply.
 */
#define _GNU_SOURCE
#include "udpsrv.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "peer.h"
#include "sandbox.h"
#include "util.h"

#define MAX_SENDS 16
#define SLACK_MS 200		/* waited past a bound, to see the end in the trace */
#define DRAIN_MS 500		/* for datagrams still on their way after the end */

static const char greeting[8] = "Bonjour";	/* with its NUL */

/* The program's sends, from its trace. */
struct sends {
	int n;
	long e_us[MAX_SENDS];	/* entering the call */
	long x_us[MAX_SENDS];	/* returned */
	size_t idx[MAX_SENDS];	/* index of the 'X' record */
};

/* A non-blocking UDP socket bound to ip:port, or -1. */
static int udp_bound(const char *ip, int port)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	struct sockaddr_in a;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	inet_pton(AF_INET, ip, &a.sin_addr);
	if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Holds 127.0.0.1:port so that nobody receives there: a socket bound to it
 * and connected elsewhere matches no datagram from the program, which gets
 * an ICMP "port unreachable" (ECONNREFUSED on a connected socket).
 */
static int udp_refuser(int port)
{
	int fd = peer_udp(port);
	if (fd < 0)
		return -1;
	struct sockaddr_in a;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons(1);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* A random int that no hard-coded, byte-swapped or other value can match. */
static int random_int(const int *avoid, int navoid)
{
	for (;;) {
		int v = (int)peer_random(-2000000000L, 2000000000L);
		int ok = v != 10 && v != 0 && v != (int)htonl((uint32_t)v);
		for (int i = 0; i < navoid && ok; i++)
			ok = v != avoid[i] && v != (int)htonl((uint32_t)avoid[i]);
		if (ok)
			return v;
	}
}

static int is_greeting(const struct udpsrv_dgram *d)
{
	return d->len == sizeof greeting && !memcmp(d->data, greeting, sizeof greeting);
}

static void prog_sends_locked(struct run *r, struct sends *s)
{
	long e = -1;
	s->n = 0;
	for (size_t i = 0; i < r->nev; i++) {
		const struct trace_ev *ev = &r->ev[i];
		if (ev->side != SIDE_PROGRAM || !trace_is_send(ev->call))
			continue;
		if (ev->phase == 'E') {
			e = ev->t_us;
			continue;
		}
		if (ev->phase == 'X' && ev->ret >= 0 && !ev->inj[0]) {
			if (s->n < MAX_SENDS) {
				s->e_us[s->n] = e >= 0 ? e : ev->t_us;
				s->x_us[s->n] = ev->t_us;
				s->idx[s->n] = i;
			}
			s->n++;
		}
		e = -1;
	}
}

static void prog_sends(struct run *r, struct sends *s)
{
	pthread_mutex_lock(&r->mu);
	prog_sends_locked(r, s);
	pthread_mutex_unlock(&r->mu);
}

/* Sends one datagram to the program's port and notes it. */
static void to_program(struct udpsrv_scen *s, int fd, const void *buf, size_t len, int port)
{
	if (fd >= 0)
		peer_sendto(s->r, fd, buf, len, port);
}

/*
 * Keeps this thread on one CPU while it sends a burst: datagrams sent from
 * one CPU go through its loopback queue in order, so the program receives
 * them in the order they were sent.  Returns 0 when the old mask is in *old.
 */
static int pin_cpu(cpu_set_t *old)
{
	int cpu = sched_getcpu();
	if (cpu < 0 || pthread_getaffinity_np(pthread_self(), sizeof *old, old) != 0)
		return -1;
	cpu_set_t one;
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	return pthread_setaffinity_np(pthread_self(), sizeof one, &one) == 0 ? 0 : -1;
}

/* What the server does with datagram i, just received. */
static void serve(struct udpsrv_scen *s, int srv, int st1, int st2, int i, long *tick)
{
	const struct udpsrv_dgram *d = &s->d[i];
	int greet = is_greeting(d);
	switch (s->pol) {
	case UDPSRV_ANSWER:
		if (greet && i >= s->skip) {
			to_program(s, srv, &s->reply, sizeof s->reply, d->port);
			s->replied = 1;
		}
		break;
	case UDPSRV_DUP:
		if (greet) {
			to_program(s, srv, &s->reply, sizeof s->reply, d->port);
			to_program(s, srv, &s->reply, sizeof s->reply, d->port);
			s->replied = 1;
		}
		break;
	case UDPSRV_LATE:
		if (i == 1 && is_greeting(&s->d[0])) {
			to_program(s, srv, &s->reply, sizeof s->reply, s->d[0].port);
			s->replied = 1;
		}
		break;
	case UDPSRV_SIZE:
		if (greet && !s->bad_sent) {
			unsigned char buf[8];
			memcpy(buf, &s->reply, sizeof s->reply);
			memcpy(buf + 4, &s->strange[0], sizeof s->strange[0]);
			to_program(s, srv, buf, s->reply_len, d->port);
			if (s->reply_len < sizeof s->reply)	/* the rest, as a stream would */
				to_program(s, srv, buf + s->reply_len, s->reply_len, d->port);
			s->bad_sent = 1;
		}
		break;
	case UDPSRV_STRANGER:
		if (greet && !s->replied) {
			cpu_set_t old;
			int pinned = pin_cpu(&old) == 0;
			to_program(s, st1, &s->strange[0], sizeof(int), d->port);
			to_program(s, st2, &s->strange[1], sizeof(int), d->port);
			to_program(s, srv, &s->reply, sizeof s->reply, d->port);
			if (pinned)
				pthread_setaffinity_np(pthread_self(), sizeof old, &old);
			s->replied = 1;
		}
		break;
	case UDPSRV_STRANGER_WAIT:
		/* Half a period off the program's own timers, which start with its sends. */
		if (*tick < 0)
			*tick = now_ms() + s->stranger_ms / 2;
		break;
	case UDPSRV_NEVER:
		break;
	}
}

/* Takes every datagram waiting on fd; returns how many. */
static int take(struct udpsrv_scen *s, int fd, int is_srv, int srv, int st1, int st2, long *tick)
{
	int count = 0;
	for (;;) {
		unsigned char buf[2048];
		struct sockaddr_in a;
		socklen_t alen = sizeof a;
		ssize_t n = recvfrom(fd, buf, sizeof buf, MSG_DONTWAIT, (struct sockaddr *)&a, &alen);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return count;
		char addr[64];
		snprintf(addr, sizeof addr, "%s:%u", inet_ntoa(a.sin_addr), ntohs(a.sin_port));
		run_note(s->r, "recvfrom", fd, n, 0, buf, n, addr);
		count++;
		if (!is_srv) {
			s->swapped++;
			continue;
		}
		if (s->nd == UDPSRV_MAX_DGRAMS)
			continue;
		struct udpsrv_dgram *d = &s->d[s->nd];
		d->len = (size_t)n;
		memcpy(d->data, buf, (size_t)n < sizeof d->data ? (size_t)n : sizeof d->data);
		d->port = ntohs(a.sin_port);
		serve(s, srv, st1, st2, s->nd++, tick);
	}
}

/* Where the program waits now: the call of its last record if it is an 'E'. */
static void note_blocked(struct udpsrv_scen *s)
{
	struct run *r = s->r;
	pthread_mutex_lock(&r->mu);
	for (size_t i = r->nev; i-- > 0;) {
		const struct trace_ev *e = &r->ev[i];
		if (e->side != SIDE_PROGRAM)
			continue;
		if (e->phase == 'E') {
			snprintf(s->blocked, sizeof s->blocked, "%s", e->call);
			s->blocked_timed = e->timed;
		}
		break;
	}
	pthread_mutex_unlock(&r->mu);
}

/*
 * Plays the server until the program ends, stalls where nothing can be
 * waited for, sends more datagrams than it may, or overstays a wait.
 */
static void serve_loop(struct udpsrv_scen *s, const struct udpsrv_rules *ru, int srv, int guard,
		       int st1, int st2)
{
	struct run *r = s->r;
	long deadline = now_ms() + WAIT_MS;
	int seen = 0;
	long tick = -1;
	for (;;) {
		struct sends sn;
		pthread_mutex_lock(&r->mu);
		int running = r->end == RUN_RUNNING && !r->collector_done;
		prog_sends_locked(r, &sn);
		/*
		 * Before its first datagram nothing can be waited for; after a
		 * valid reply, nothing more (a wrong-size one may count as lost).
		 */
		int watch = sn.n == 0 || s->replied;
		int stalled = running && watch && run_stalled_locked(r);
		int unsure = r->stall_unsure;
		pthread_mutex_unlock(&r->mu);
		long now = now_ms();
		if (!running) {
			s->ended = 1;
			s->end_us = now_us();
			break;
		}
		if (stalled) {
			s->stalled = 1;
			break;
		}
		if (sn.n > seen) {
			seen = sn.n;
			deadline = now + ru->wait_max_ms + SLACK_MS;
			/* Enough to judge; against a refusal, let it try what it will. */
			if (seen > (s->refused ? MAX_SENDS : ru->max_dgrams))
				break;
		}
		if (s->swapped || now >= deadline)
			break;
		if (tick >= 0 && now >= tick) {
			to_program(s, st1, &s->strange[0], sizeof(int), s->d[0].port);
			tick += s->stranger_ms;
			continue;
		}
		long until = tick >= 0 && tick < deadline ? tick : deadline;
		int timeout = (int)(until - now);
		if (unsure && timeout > RUN_RECHECK_MS)
			timeout = RUN_RECHECK_MS;
		struct pollfd pf[3] = {
			{ .fd = srv, .events = POLLIN },
			{ .fd = guard, .events = POLLIN },
			{ .fd = r->wake[0], .events = POLLIN },
		};
		int n = poll(pf, 3, timeout < 0 ? 0 : timeout);
		if (n < 0 && errno != EINTR)
			break;
		if (n <= 0)
			continue;
		if (pf[2].revents) {
			char buf[256];
			while (read(r->wake[0], buf, sizeof buf) > 0)
				;
		}
		if (pf[0].revents)
			take(s, srv, 1, srv, st1, st2, &tick);
		if (pf[1].revents)
			take(s, guard, 0, srv, st1, st2, &tick);
	}
	if (s->refused)
		return;
	/* Datagrams it sent may still be on their way. */
	long until = now_ms() + DRAIN_MS;
	for (;;) {
		pthread_mutex_lock(&r->mu);
		int inflight = r->prog_sent > r->peer_recv;
		pthread_mutex_unlock(&r->mu);
		long left = until - now_ms();
		if (!inflight || left <= 0)
			break;
		struct pollfd pf[2] = {
			{ .fd = srv, .events = POLLIN },
			{ .fd = guard, .events = POLLIN },
		};
		if (poll(pf, 2, (int)left) <= 0)
			break;
		if (pf[0].revents)
			take(s, srv, 1, -1, -1, -1, &tick);
		if (pf[1].revents)
			take(s, guard, 0, -1, -1, -1, &tick);
	}
}

/*
 * Runs the program as "prog 127.0.0.1 PORT" against the server of s->pol.
 * Returns 0, or -1 with the check failed when it could not start.
 */
int udpsrv_run(struct check *c, const struct udpsrv_rules *ru, struct udpsrv_scen *s)
{
	int srv = -1, guard = -1, st1 = -1, st2 = -1;
	for (int tries = 0; tries < 8 && guard < 0; tries++) {
		s->port = sandbox_port();
		if (s->port <= 0)
			continue;
		srv = s->refused ? udp_refuser(s->port) : peer_udp(s->port);
		if (srv < 0)
			continue;
		guard = peer_udp(peer_swap_port(s->port));
		if (guard < 0)
			close_fd(&srv);
	}
	if (guard < 0) {
		check_fail(c, NULL, "internal.port", NULL);
		return -1;
	}
	if (s->pol == UDPSRV_STRANGER || s->pol == UDPSRV_STRANGER_WAIT) {
		st1 = peer_udp(0);
		st2 = udp_bound("127.0.0.2", s->port);	/* the server's port, another address */
		s->strange_port = st1 >= 0 ? peer_port_of(st1) : -1;
	}
	s->reply = random_int(NULL, 0);
	s->strange[0] = random_int(&s->reply, 1);
	int avoid[2] = { s->reply, s->strange[0] };
	s->strange[1] = random_int(avoid, 2);
	struct spawn sp = {
		.args = { "127.0.0.1", check_str(c, "%d", s->port), NULL },
		.fail = s->fail,
	};
	s->r = check_spawn(c, &sp);
	if (s->r) {
		serve_loop(s, ru, srv, guard, st1, st2);
		if (!s->ended) {
			note_blocked(s);
			run_kill(s->r);
			run_wait_end(s->r, WAIT_MS);
		}
	}
	int fds[4] = { srv, guard, st1, st2 };
	for (int i = 0; i < 4; i++)
		if (fds[i] >= 0) {
			if (s->r)
				peer_close(s->r, fds[i]);
			else
				close(fds[i]);
		}
	return s->r ? 0 : -1;
}

/* The type of the program's first socket (SOCK_DGRAM...), or -1. */
static long socket_type(struct run *r)
{
	long type = -1;
	pthread_mutex_lock(&r->mu);
	for (size_t i = 0; i < r->nev; i++)
		if (r->ev[i].side == SIDE_PROGRAM && r->ev[i].phase == 'X' &&
		    !strcmp(r->ev[i].call, "socket") && r->ev[i].ret >= 0) {
			type = r->ev[i].arg;
			break;
		}
	pthread_mutex_unlock(&r->mu);
	return type;
}

/* Where the program's first datagram went (sendto, or connect then send). */
static const char *first_dest(struct check *c, struct run *r)
{
	const char *dest = NULL, *conn = NULL;
	pthread_mutex_lock(&r->mu);
	for (size_t i = 0; i < r->nev && !dest; i++) {
		const struct trace_ev *e = &r->ev[i];
		if (e->side != SIDE_PROGRAM || e->phase != 'X')
			continue;
		if (!strcmp(e->call, "connect") && e->addr[0])
			conn = check_str(c, "%s", e->addr);
		else if (!strcmp(e->call, "sendto") && e->addr[0])
			dest = check_str(c, "%s", e->addr);
		else if (trace_is_send(e->call))
			dest = conn;
	}
	pthread_mutex_unlock(&r->mu);
	return dest;
}

/*
 * Judges the datagrams the server received; 0 when the first one (every
 * one, all set) was the greeting, else the check failed.
 */
int udpsrv_judge_greeting(struct check *c, struct udpsrv_scen *s, int all)
{
	struct run *r = s->r;
	if (s->nd == 0) {
		const char *dest = first_dest(c, r);
		if (s->swapped)
			check_fail(c, r, "udp.htons", check_str(c, "%d", peer_swap_port(s->port)),
				   check_str(c, "%d", s->port), NULL);
		else if (socket_type(r) == SOCK_STREAM)
			check_fail(c, r, "udp.stream", NULL);
		else if (dest && strcmp(dest, check_str(c, "127.0.0.1:%d", s->port)))
			check_fail(c, r, "udp.elsewhere", dest, check_str(c, "127.0.0.1:%d", s->port),
				   NULL);
		else if (!s->ended && s->blocked[0])
			check_fail(c, r, "udp.recv_first", s->blocked, NULL);
		else if (!s->ended)
			check_fail_stuck(c, r, NULL);
		else if (!check_abnormal(c, r))
			check_fail(c, r, "udp.nodgram", check_stderr_quote(c, r), NULL);
		return -1;
	}
	const struct udpsrv_dgram *d = &s->d[0];
	if (!is_greeting(d)) {
		if (d->len == 7 && !memcmp(d->data, greeting, 7) && s->nd > 1 && s->d[1].len == 1 &&
		    s->d[1].data[0] == '\0')
			check_fail(c, r, "udp.split", NULL);
		else if (d->len == 7 && !memcmp(d->data, greeting, 7))
			check_fail(c, r, "udp.nul", NULL);
		else if (d->len > sizeof greeting && !memcmp(d->data, greeting, sizeof greeting))
			check_fail(c, r, "udp.extra", check_str(c, "%zu", d->len), NULL);
		else if (d->len < sizeof greeting && !memcmp(d->data, greeting, d->len))
			check_fail(c, r, "udp.split", NULL);
		else
			check_fail(c, r, "udp.greeting", check_quote(c, d->data, d->len), NULL);
		return -1;
	}
	for (int i = 1; all && i < s->nd; i++)
		if (!is_greeting(&s->d[i])) {
			check_fail(c, r, "udp.again", check_str(c, "%d", i + 1),
				   check_quote(c, s->d[i].data, s->d[i].len), NULL);
			return -1;
		}
	return 0;
}

/*
 * Finds the "reponse : N" lines of the output: their count, and the value
 * of the first in *n.
 */
static int parse_replies(const char *out, long long *n)
{
	int count = 0;
	for (const char *p = out; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		char *end;
		if (strncmp(p, "reponse : ", 10))
			continue;
		errno = 0;
		long long v = strtoll(p + 10, &end, 10);
		if (end == p + 10 || errno)
			continue;
		while (*end == ' ' || *end == '\r')
			end++;
		if (*end != '\n' && *end != '\0')
			continue;
		if (count++ == 0)
			*n = v;
	}
	return count;
}

/* ms between two trace times, rounded down. */
static long ms_between(long from_us, long to_us)
{
	return (to_us - from_us) / 1000;
}

/*
 * Checks the waits between the program's datagrams: none shorter than
 * wait_min_ms nor longer than wait_max_ms.  0, or -1 and the check failed.
 */
static int judge_gaps(struct check *c, const struct udpsrv_rules *ru, struct udpsrv_scen *s,
		      const struct sends *sn)
{
	int n = sn->n < MAX_SENDS ? sn->n : MAX_SENDS;
	for (int i = 0; i + 1 < n; i++) {
		long lo = ms_between(sn->e_us[i], sn->x_us[i + 1]);
		long hi = ms_between(sn->x_us[i], sn->e_us[i + 1]);
		if (lo < ru->wait_min_ms) {
			check_fail(c, s->r, "udp.gap_short", check_str(c, "%d", i + 1),
				   check_str(c, "%d", i + 2), check_str(c, "%ld", lo), NULL);
			return -1;
		}
		if (hi > ru->wait_max_ms) {
			check_fail(c, s->r, "udp.gap_long", check_str(c, "%d", i + 1),
				   check_str(c, "%d", i + 2), check_str(c, "%ld", hi), NULL);
			return -1;
		}
	}
	return 0;
}

/*
 * Fails for a program that did not end (we killed it: no check_abnormal):
 * where it waited says why.
 */
static void fail_not_ended(struct check *c, struct udpsrv_scen *s, const char *timed_key,
			   const char *untimed_key)
{
	struct run *r = s->r;
	if (s->blocked[0] && (s->blocked_timed || !untimed_key))
		check_fail(c, r, timed_key, s->blocked, NULL);
	else if (s->blocked[0])
		check_fail(c, r, untimed_key, s->blocked, NULL);
	else
		check_fail_stuck(c, r, NULL);
}

/* The program printed a value: judges it against what the server sent. */
static void judge_value(struct check *c, struct udpsrv_scen *s, long long n)
{
	struct run *r = s->r;
	if (n == s->strange[0] && (s->pol == UDPSRV_STRANGER || s->pol == UDPSRV_STRANGER_WAIT))
		check_fail(c, r, "udp.stranger_port", check_str(c, "%lld", n),
			   check_str(c, "%d", s->strange_port), NULL);
	else if (n == s->strange[1] && s->pol == UDPSRV_STRANGER)
		check_fail(c, r, "udp.stranger_ip", check_str(c, "%lld", n),
			   check_str(c, "%d", s->port), NULL);
	else if (s->pol == UDPSRV_STRANGER_WAIT || s->pol == UDPSRV_NEVER)
		check_fail(c, r, "udp.printed", check_str(c, "%lld", n), NULL);
	else if (n == (int)htonl((uint32_t)s->reply))
		check_fail(c, r, "udp.byteorder", check_str(c, "%lld", n),
			   check_str(c, "%d", s->reply), NULL);
	else if (n == 10)
		check_fail(c, r, "udp.hardcoded", check_str(c, "%d", s->reply), NULL);
	else if (n != s->reply)
		check_fail(c, r, "udp.value", check_str(c, "%lld", n), check_str(c, "%d", s->reply),
			   NULL);
}

/* Index of the program's first receive of the server's reply, or -1. */
static long reply_received_at(struct udpsrv_scen *s)
{
	struct run *r = s->r;
	long at = -1;
	pthread_mutex_lock(&r->mu);
	for (size_t i = 0; i < r->nev && at < 0; i++) {
		const struct trace_ev *e = &r->ev[i];
		if (e->side == SIDE_PROGRAM && e->phase == 'X' && trace_is_recv(e->call) &&
		    e->ret == (long)sizeof s->reply && e->datalen >= (int)sizeof s->reply &&
		    !memcmp(e->data, &s->reply, sizeof s->reply))
			at = (long)i;
	}
	pthread_mutex_unlock(&r->mu);
	return at;
}

/*
 * The server answered: the program must print the reply once, send nothing
 * after it received it, and exit 0.
 */
void udpsrv_judge_answered(struct check *c, const struct udpsrv_rules *ru, struct udpsrv_scen *s)
{
	struct run *r = s->r;
	struct sends sn;
	prog_sends(r, &sn);
	if (sn.n > ru->max_dgrams) {
		check_fail(c, r, "udp.too_many", check_str(c, "%d", sn.n), NULL);
		return;
	}
	long at = reply_received_at(s);
	int n = sn.n < MAX_SENDS ? sn.n : MAX_SENDS;
	if (at >= 0 && n > 0 && (long)sn.idx[n - 1] > at) {
		check_fail(c, r, "udp.sent_after", NULL);
		return;
	}
	/*
	 * Waits are judged where the server made the program wait; elsewhere a
	 * datagram sent again only shows that our reply was slow to come.
	 */
	int waited = s->pol == UDPSRV_LATE || (s->pol == UDPSRV_ANSWER && s->skip > 0);
	if (waited && judge_gaps(c, ru, s, &sn) < 0)
		return;
	char *out = check_stdout(r);
	long long v = 0;
	int lines = parse_replies(out, &v);
	if (!s->replied) {
		/* The server was still waiting for another datagram. */
		if (!s->ended)
			fail_not_ended(c, s, "udp.still_waiting", "udp.no_timeout");
		else if (!check_abnormal(c, r) && lines > 0)
			check_fail(c, r, "udp.printed", check_str(c, "%lld", v), NULL);
		else if (!c->failed)
			check_fail(c, r, "udp.gave_up", check_str(c, "%d", sn.n), NULL);
	} else if (!s->ended) {
		if (lines > 0)
			judge_value(c, s, v);
		fail_not_ended(c, s, "udp.wait_more", NULL);
	} else if (check_abnormal(c, r)) {
		/* failed */
	} else if (lines == 0) {
		if (s->pol == UDPSRV_STRANGER && r->status != 0)
			check_fail(c, r, "udp.stopped", check_stderr_quote(c, r), NULL);
		else if (at < 0 && n > 0 && r->status != 0)
			check_fail(c, r, "udp.no_last_wait", check_str(c, "%d", sn.n),
				   check_str(c, "%ld", ms_between(sn.x_us[n - 1], s->end_us)), NULL);
		else
			check_fail(c, r, "udp.output", check_str(c, "%d", s->reply),
				   check_quote(c, out, strlen(out)), NULL);
	} else {
		judge_value(c, s, v);
		if (lines > 1)
			check_fail(c, r, "udp.twice", check_str(c, "%d", lines), NULL);
		else if (r->status != 0)
			check_fail(c, r, "udp.status", check_str(c, "%d", r->status), NULL);
	}
	free(out);
}

/*
 * No reply came: the program must send max_dgrams datagrams, wait after
 * the last one as after the others, then exit non-zero with a message.
 */
void udpsrv_judge_giveup(struct check *c, const struct udpsrv_rules *ru, struct udpsrv_scen *s)
{
	struct run *r = s->r;
	struct sends sn;
	prog_sends(r, &sn);
	char *out = check_stdout(r);
	long long v = 0;
	int lines = parse_replies(out, &v);
	free(out);
	if (lines > 0) {
		judge_value(c, s, v);
		return;
	}
	if (sn.n > ru->max_dgrams) {
		check_fail(c, r, "udp.too_many", check_str(c, "%d", sn.n), NULL);
		return;
	}
	if (judge_gaps(c, ru, s, &sn) < 0)
		return;
	if (!s->ended) {
		fail_not_ended(c, s, "udp.still_waiting", "udp.no_timeout");
		return;
	}
	if (check_abnormal(c, r))
		return;
	if (sn.n == 0)
		return;		/* sent by calls the stub does not see: no timing */
	if (sn.n < ru->max_dgrams) {
		check_fail(c, r, "udp.too_few", check_str(c, "%d", sn.n), NULL);
		return;
	}
	/* The last wait: to its last record if it left it by itself, else to its end. */
	int last = (sn.n < MAX_SENDS ? sn.n : MAX_SENDS) - 1;
	long end_lo = s->end_us;
	pthread_mutex_lock(&r->mu);
	for (size_t i = r->nev; i-- > 0;)
		if (r->ev[i].side == SIDE_PROGRAM) {
			if (r->ev[i].phase == 'X' && i > sn.idx[last])
				end_lo = r->ev[i].t_us;
			break;
		}
	pthread_mutex_unlock(&r->mu);
	long lo = ms_between(sn.e_us[last], end_lo);
	long hi = ms_between(sn.x_us[last], s->end_us);
	char *err = check_stderr(r);
	if (lo < ru->wait_min_ms)
		check_fail(c, r, "udp.too_early", check_str(c, "%ld", lo), check_stderr_quote(c, r),
			   NULL);
	else if (hi > ru->wait_max_ms)
		check_fail(c, r, "udp.too_late", check_str(c, "%ld", hi), NULL);
	else if (r->status == 0)
		check_fail(c, r, "udp.status0", NULL);
	else if (!*err)
		check_fail(c, r, "udp.silent", NULL);
	free(err);
}

/* A wrong-size reply: a message, a non-zero status, nothing printed. */
void udpsrv_judge_bad_size(struct check *c, struct udpsrv_scen *s)
{
	struct run *r = s->r;
	char *out = check_stdout(r);
	long long v = 0;
	int lines = parse_replies(out, &v);
	free(out);
	const char *len = check_str(c, "%zu", s->reply_len);
	if (lines > 0) {
		if (s->reply_len > sizeof(int) && v == s->reply)
			check_fail(c, r, "udp.truncated", len, NULL);
		else if (s->reply_len < sizeof(int))
			check_fail(c, r, "udp.accumulated", len, check_str(c, "%lld", v), NULL);
		else
			check_fail(c, r, "udp.size_printed", len, check_str(c, "%lld", v), NULL);
		return;
	}
	if (!s->ended) {
		fail_not_ended(c, s, "udp.size_wait", NULL);
		return;
	}
	if (check_abnormal(c, r))
		return;
	char *err = check_stderr(r);
	if (r->status == 0)
		check_fail(c, r, "udp.size_status0", len, NULL);
	else if (!*err)
		check_fail(c, r, "udp.size_silent", len, NULL);
	free(err);
}

/* ICMP refusal: a message, a non-zero status, nothing printed, in time. */
void udpsrv_judge_refused(struct check *c, struct udpsrv_scen *s)
{
	struct run *r = s->r;
	if (s->swapped) {
		check_fail(c, r, "udp.htons", check_str(c, "%d", peer_swap_port(s->port)),
			   check_str(c, "%d", s->port), NULL);
		return;
	}
	if (socket_type(r) == SOCK_STREAM) {
		check_fail(c, r, "udp.stream", NULL);
		return;
	}
	char *out = check_stdout(r);
	long long v = 0;
	int lines = parse_replies(out, &v);
	free(out);
	if (lines > 0) {
		check_fail(c, r, "udp.refused_printed", check_str(c, "%lld", v), NULL);
		return;
	}
	if (!s->ended) {
		fail_not_ended(c, s, "udp.refused_wait", NULL);
		return;
	}
	if (check_abnormal(c, r))
		return;
	char *err = check_stderr(r);
	if (r->status == 0)
		check_fail(c, r, "udp.refused_status0", NULL);
	else if (!*err)
		check_fail(c, r, "udp.refused_silent", NULL);
	free(err);
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
 * One run where the first call of each of calls[] fails with errname; the
 * server answers, so that a program waiting with select or poll reaches
 * its recvfrom.  The program must stop with a message naming the call.
 */
static void fail_io(struct check *c, const struct udpsrv_rules *ru, const char *const calls[3],
		    const char *errname, const char *named)
{
	struct udpsrv_scen s = {
		.pol = UDPSRV_ANSWER,
		.fail = check_str(c, "%s:%s:1,%s:%s:1,%s:%s:1", calls[0], errname, calls[1],
				  errname, calls[2], errname),
	};
	if (udpsrv_run(c, ru, &s) < 0)
		return;
	struct run *r = s.r;
	const char *call = injected_call(c, r);
	if (!call)
		return;		/* it never made such a call: nothing to judge */
	char *out = check_stdout(r);
	long long v;
	if (!s.ended || parse_replies(out, &v) > 0) {
		check_fail(c, r, "failcall.went_on", call, errname, NULL);
	} else if (!check_abnormal(c, r)) {
		char *err = check_stderr(r);
		if (r->status == 0)
			check_fail(c, r, "failcall.status0", call, errname, NULL);
		else if (!check_names_call(err, named))
			check_fail(c, r, "failcall.unnamed", call, errname,
				   check_stderr_quote(c, r), NULL);
		free(err);
	}
	free(out);
}

/* Without arguments, then with the IP alone: a usage error both times. */
void udpsrv_check_usage(struct check *c)
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
		check_fail(c, r, "usage.onearg_segv", NULL);
	else
		check_usage_refused(c, r, what);
}

/*
 * A PORT that is not a number 0-65535 is refused like a usage error, before
 * any datagram.  (check_common_bad_port looks for bind/connect/listen, which
 * a client that only calls sendto never makes.)
 */
void udpsrv_check_bad_port(struct check *c)
{
	static const char *const bad[] = { "abc", "70000", "80x" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0] && !c->failed; i++) {
		struct spawn s = { .args = { "127.0.0.1", bad[i], NULL } };
		struct run *r = check_spawn(c, &s);
		if (!r)
			return;
		/* Until it ends or shows that it used the port. */
		static const char *const net[] = { "send", "write", "sendto", "connect", NULL };
		long deadline = now_ms() + WAIT_MS;
		int used = 0;
		for (;;) {
			used = check_made_call(r, net);
			if (used || run_wait_end(r, 0) == 0 || now_ms() >= deadline)
				break;
			struct pollfd pf = { .fd = r->wake[0], .events = POLLIN };
			if (poll(&pf, 1, (int)(deadline - now_ms())) > 0) {
				char buf[256];
				while (read(r->wake[0], buf, sizeof buf) > 0)
					;
			}
		}
		if (used || run_wait_end(r, 0) != 0) {
			check_fail(c, r, "badport.used", bad[i], NULL);
			run_kill(r);
			return;
		}
		check_usage_refused(c, r, check_str(c, "PORT = \"%s\"", bad[i]));
	}
}

/* socket() fails: a message naming it, a non-zero status. */
void udpsrv_check_socket_fail(struct check *c)
{
	int port = -1, fd = -1;
	for (int tries = 0; tries < 8 && fd < 0; tries++) {
		port = sandbox_port();
		fd = port > 0 ? peer_udp(port) : -1;
	}
	if (fd < 0) {
		check_fail(c, NULL, "internal.port", NULL);
		return;
	}
	struct spawn s = { .args = { "127.0.0.1", check_str(c, "%d", port), NULL } };
	check_common_fail_call(c, &s, "socket", "EMFILE");
	close(fd);
}

/* sendto() (or send, write) fails, then recvfrom() (or recv, read). */
void udpsrv_check_io_fail(struct check *c, const struct udpsrv_rules *ru)
{
	static const char *const sends[3] = { "sendto", "send", "write" };
	static const char *const recvs[3] = { "recvfrom", "recv", "read" };
	fail_io(c, ru, sends, "ENETUNREACH", "send");
	if (!c->failed)
		fail_io(c, ru, recvs, "ENOMEM", "recv");
}

