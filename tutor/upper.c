/*
 * The line-uppercasing protocol of chapter 4 (see upper.h): a reference
 * client, its judge, and the scenarios the servers share.
 */
#define _GNU_SOURCE
#include "upper.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "catalog.h"
#include "sandbox.h"
#include "trace.h"
#include "util.h"

/* How often a client waiting for its reply looks at a held server. */
#define HOLD_LOOK_MS 30
#define POLL_MS 10		/* how often /proc is looked at again while waiting */
#define MAX_PROCS 128

unsigned char upper_byte(unsigned char c)
{
	return c >= 'a' && c <= 'z' ? (unsigned char)(c - 'a' + 'A') : c;
}

void upper_expect(const void *in, size_t len, void *out)
{
	const unsigned char *p = in;
	unsigned char *q = out;
	for (size_t i = 0; i < len; i++)
		q[i] = upper_byte(p[i]);
}

/* UTF-8 accented letters: both bytes are >= 0x80 and must come back as is. */
static const char *const accents[] = {
	"\xc3\xa9", "\xc3\xa8", "\xc3\xa0", "\xc3\xa7", "\xc3\xb9", "\xc3\xaa",
	"\xc3\x89", "\xc3\xb4", "\xc5\x93", "\xc3\xa2", "\xc3\xae", "\xc3\xbb",
};
static const char punct[] = " !,.;:?-_'`{}[]@~|()\"#%&*+/<=>^$\t";

void upper_random_line(char *buf, size_t len)
{
	if (len == 0)
		return;
	size_t body = len - 1;
	size_t i = 0;
	while (i < body) {
		long k = peer_random(0, 99);
		if (k < 8 && i + 1 < body) {
			const char *a = accents[peer_random(0, sizeof accents / sizeof accents[0] - 1)];
			buf[i++] = a[0];
			buf[i++] = a[1];
		} else if (k < 55) {
			buf[i++] = (char)peer_random('a', 'z');
		} else if (k < 70) {
			buf[i++] = (char)peer_random('A', 'Z');
		} else if (k < 80) {
			buf[i++] = (char)peer_random('0', '9');
		} else {
			buf[i++] = punct[peer_random(0, (long)sizeof punct - 2)];
		}
	}
	buf[body] = '\n';
	/*
	 * The promised bytes, at distinct random places: the letters at both
	 * ends of a-z and their neighbours, so that an off-by-one range shows.
	 */
	if (len >= 12) {
		/* Five distinct two-byte slots among the body's. */
		static const char edges[] = "az`{";
		size_t slots[UPPER_LINE_MAX / 2];
		size_t nslots = body / 2;
		for (size_t k = 0; k < nslots; k++)
			slots[k] = k;
		for (size_t k = 0; k < 5; k++) {
			size_t j = k + (size_t)peer_random(0, (long)(nslots - k - 1));
			size_t t = slots[k];
			slots[k] = slots[j];
			slots[j] = t;
		}
		for (int k = 0; k < 4; k++) {
			buf[2 * slots[k]] = edges[k];
			buf[2 * slots[k] + 1] = (char)peer_random('A', 'Z');
		}
		buf[2 * slots[4]] = accents[0][0];
		buf[2 * slots[4] + 1] = accents[0][1];
		return;
	}
	int lower = 0;
	for (size_t k = 0; k < body; k++) {
		unsigned char ch = (unsigned char)buf[k];
		lower |= ch >= 'a' && ch <= 'z';
	}
	if (len >= 4 && !lower) {
		for (size_t k = 0; k < body; k++)
			if ((unsigned char)buf[k] < 0x80) {
				buf[k] = (char)peer_random('a', 'z');
				break;
			}
	}
}

size_t upper_random_lines(char *buf, int n, size_t lo, size_t hi)
{
	size_t total = 0;
	for (int i = 0; i < n; i++) {
		/* The first line is long enough to hold every promised byte. */
		size_t min = i == 0 && lo < 16 ? (hi < 16 ? hi : 16) : lo;
		size_t len = (size_t)peer_random((long)min, (long)hi);
		upper_random_line(buf + total, len);
		total += len;
	}
	return total;
}

/* ---- the client ---- */

static atomic_int client_count;	/* numbers the clients (messages only) */

struct upper_client *upper_connect(struct run *r, int port)
{
	int fd = peer_connect(r, port);
	if (fd < 0)
		return NULL;
	struct upper_client *u = xcalloc(1, sizeof *u);
	u->r = r;
	u->fd = fd;
	u->port = peer_port_of(fd);
	u->id = ++client_count;
	u->sent = xmalloc(UPPER_STREAM_MAX);
	u->got = xmalloc(UPPER_STREAM_MAX);
	u->io = PEER_OK;
	return u;
}

enum peer_io upper_send(struct upper_client *u, const void *buf, size_t len, size_t piece)
{
	if (u->fd < 0)
		return PEER_CLOSED;
	if (len > UPPER_STREAM_MAX - u->nsent)
		len = UPPER_STREAM_MAX - u->nsent;
	memcpy(u->sent + u->nsent, buf, len);
	u->nsent += len;
	enum peer_io s = peer_send(u->r, u->fd, buf, len, piece);
	if (s != PEER_OK)
		u->err = errno;
	return s;
}

ssize_t upper_proc_read(long pid, const char *name, char *buf, size_t cap)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%ld/%s", pid, name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, cap - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return n;
}

static char proc_state(long pid)
{
	char buf[512];
	if (upper_proc_read(pid, "stat", buf, sizeof buf) <= 0)
		return 0;
	const char *paren = strrchr(buf, ')');
	return paren && paren[1] == ' ' ? paren[2] : 0;
}

int upper_proc_threads(long pid)
{
	char buf[2048];
	if (upper_proc_read(pid, "status", buf, sizeof buf) <= 0)
		return -1;
	const char *t = strstr(buf, "\nThreads:");
	return t ? atoi(t + 9) : -1;
}

int upper_proc_syscall(long pid, long *nr, long *arg0)
{
	char buf[256];
	if (proc_state(pid) != 'S' || upper_proc_read(pid, "syscall", buf, sizeof buf) <= 0)
		return -1;
	char *end;
	*nr = strtol(buf, &end, 10);
	if (end == buf)
		return -1;
	*arg0 = strtol(end, NULL, 0);
	return 0;
}

/* Waits for the next change of the run (a trace event...), at most ms. */
static void wait_event_locked(struct run *r, long ms)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);	/* the clock of r->cond */
	ts.tv_nsec += ms * 1000000L;
	ts.tv_sec += ts.tv_nsec / 1000000000L;
	ts.tv_nsec %= 1000000000L;
	pthread_cond_timedwait(&r->cond, &r->mu, &ts);
}

/* What one connection looks like on the server's side of the trace. */
struct conn_stats {
	int found;
	long pid;		/* the process that accepted it */
	int fd;			/* the fd accept returned */
	long rx, tx;		/* bytes received and sent on it by the server */
	int short_send;		/* a send moved fewer bytes than asked */
	long short_ret, short_len;
	int closed;		/* closed (or shut down) by a process that held it */
	int send_err;		/* a send on it failed for real (EPIPE, ECONNRESET) */
	int recv_err;		/* a receive on it failed for real */
	int saw_eof;		/* a receive on it returned 0 */
	long io_pid;		/* the process that moved its bytes last */
};

#define MAX_KIDS 8

/* Scans the trace for the server's side of client u.  Call with r->mu held. */
static void conn_stats_locked(const struct upper_client *u, struct conn_stats *st)
{
	struct run *r = u->r;
	memset(st, 0, sizeof *st);
	st->fd = -1;
	size_t ai = 0;
	for (size_t i = 0; i < r->nev; i++) {
		const struct trace_ev *e = &r->ev[i];
		char ip[64];
		int p;
		if (e->side != SIDE_PROGRAM || e->phase != 'X' || e->ret < 0 ||
		    (strcmp(e->call, "accept") && strcmp(e->call, "accept4")))
			continue;
		if (trace_addr_split(e->addr, ip, sizeof ip, &p) == 0 && p == u->port) {
			st->found = 1;
			st->pid = e->pid;
			st->fd = (int)e->ret;
			ai = i;
		}
	}
	if (!st->found)
		return;
	st->io_pid = st->pid;
	long kids[MAX_KIDS];
	int kid_open[MAX_KIDS];
	int nkids = 0, parent_open = 1;
	for (size_t i = ai + 1; i < r->nev; i++) {
		const struct trace_ev *e = &r->ev[i];
		if (e->side != SIDE_PROGRAM || e->phase != 'X')
			continue;
		int k = -1;
		for (int j = 0; j < nkids; j++)
			if (kids[j] == e->pid)
				k = j;
		int owner = (e->pid == st->pid && parent_open) || (k >= 0 && kid_open[k]);
		if (!owner)
			continue;
		if (e->pid == st->pid && !strcmp(e->call, "fork") && e->ret > 0 && nkids < MAX_KIDS) {
			kids[nkids] = e->ret;
			kid_open[nkids++] = 1;
			continue;
		}
		if (e->fd != st->fd)
			continue;
		if (trace_is_recv(e->call) || trace_is_send(e->call))
			st->io_pid = e->pid;
		if (trace_is_recv(e->call)) {
			if (e->ret > 0)
				st->rx += e->ret;
			else if (e->ret == 0)
				st->saw_eof = 1;
			else if (e->ret < 0 && !e->inj[0] && e->err != EINTR && e->err != EAGAIN)
				st->recv_err = 1;
		} else if (trace_is_send(e->call)) {
			if (e->ret > 0)
				st->tx += e->ret;
			if (e->ret >= 0 && e->len >= 0 && e->ret < e->len) {
				st->short_send = 1;
				st->short_ret = e->ret;
				st->short_len = e->len;
			}
			if (e->ret < 0 && !e->inj[0] && e->err != EINTR && e->err != EAGAIN)
				st->send_err = 1;
		} else if ((!strcmp(e->call, "close") || !strcmp(e->call, "shutdown")) &&
			   e->ret == 0) {
			st->closed = 1;
			if (!strcmp(e->call, "close")) {
				if (k >= 0)
					kid_open[k] = 0;
				else
					parent_open = 0;
			}
		}
	}
}

static void conn_stats(const struct upper_client *u, struct conn_stats *st)
{
	pthread_mutex_lock(&u->r->mu);
	conn_stats_locked(u, st);
	pthread_mutex_unlock(&u->r->mu);
}

/*
 * Waits (at most ms) until the trace shows the server sent at least n bytes
 * on u's connection: the bytes we hold were sent before their record.
 */
static void conn_stats_wait(const struct upper_client *u, struct conn_stats *st, size_t n,
			    long ms)
{
	struct run *r = u->r;
	long deadline = now_ms() + ms;
	pthread_mutex_lock(&r->mu);
	for (;;) {
		conn_stats_locked(u, st);
		if (st->tx >= (long)n || r->end != RUN_RUNNING || r->collector_done)
			break;
		long left = deadline - now_ms();
		if (left <= 0)
			break;
		wait_event_locked(r, left > 20 ? 20 : left);
	}
	pthread_mutex_unlock(&r->mu);
}

int upper_server_fd(const struct upper_client *u, long *pid)
{
	struct conn_stats st;
	conn_stats(u, &st);
	if (pid)
		*pid = st.found ? st.pid : -1;
	return st.found ? st.fd : -1;
}

int upper_server_closed(const struct upper_client *u)
{
	struct conn_stats st;
	conn_stats(u, &st);
	return st.found && st.closed;
}

/* Is nr a system call that waits for input (a wrapped one, seen as 'E')? */
static int waits_for_input(long nr)
{
	static const long calls[] = {
#ifdef SYS_select
		SYS_select,
#endif
#ifdef SYS_poll
		SYS_poll,
#endif
		SYS_pselect6, SYS_ppoll, SYS_accept, SYS_accept4, SYS_read, SYS_recvfrom,
		SYS_recvmsg,
	};
	for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++)
		if (calls[i] == nr)
			return 1;
	return 0;
}

/*
 * Is process pid, with a single thread, asleep waiting for input, and has
 * the trace all it did before (its last record is the 'E' of that wait)?
 * Then everything it sent is in the trace, and it will send nothing more
 * until new input comes.  Returns the call it waits in, or NULL.
 */
static const char *idle_process(struct run *r, long pid)
{
	if (pid <= 0 || upper_proc_threads(pid) != 1)
		return NULL;
	static const char *const calls[] = { "select", "poll", "accept", "accept4", "recv",
					     "read", "recvfrom" };
	const char *call = NULL;
	pthread_mutex_lock(&r->mu);
	for (size_t i = r->nev; i-- > 0;) {
		const struct trace_ev *e = &r->ev[i];
		if (e->side != SIDE_PROGRAM || e->pid != pid)
			continue;
		if (e->phase == 'E')
			for (size_t k = 0; k < sizeof calls / sizeof calls[0]; k++)
				if (!strcmp(e->call, calls[k]))
					call = calls[k];
		break;
	}
	pthread_mutex_unlock(&r->mu);
	long nr, arg0;
	if (!call || upper_proc_syscall(pid, &nr, &arg0) < 0 || !waits_for_input(nr))
		return NULL;
	/* The kernel may lag behind the record: look at the trace once more. */
	pthread_mutex_lock(&r->mu);
	const struct trace_ev *last = NULL;
	for (size_t i = r->nev; i-- > 0 && !last;)
		if (r->ev[i].side == SIDE_PROGRAM && r->ev[i].pid == pid)
			last = &r->ev[i];
	int same = last && last->phase == 'E' && !strcmp(last->call, call);
	pthread_mutex_unlock(&r->mu);
	return same ? call : NULL;
}

/*
 * Has the server said its last word to u for now: it received every byte u
 * sent (ending with a '\n'), everything it sent u has come, and it waits
 * for input?  Returns the call it waits in, or NULL.
 */
static const char *reply_final(const struct upper_client *u)
{
	struct conn_stats st;
	conn_stats(u, &st);
	if (!st.found || u->nsent == 0 || u->sent[u->nsent - 1] != '\n' ||
	    st.rx < (long)u->nsent || st.tx > (long)u->ngot)
		return NULL;
	const char *call = idle_process(u->r, st.io_pid);
	if (!call)
		return NULL;
	/* Nothing recorded since: the counts above still hold. */
	conn_stats(u, &st);
	return st.tx > (long)u->ngot ? NULL : call;
}

/*
 * Has the server read u's end of file and gone back to waiting without
 * closing the connection?  Returns the call it waits in, or NULL.
 */
static const char *kept_open(const struct upper_client *u)
{
	struct conn_stats st;
	conn_stats(u, &st);
	if (!st.found || !st.saw_eof || st.closed)
		return NULL;
	const char *call = idle_process(u->r, st.io_pid);
	if (!call)
		return NULL;
	conn_stats(u, &st);
	return st.closed ? NULL : call;
}

/*
 * Is the server, one process with one thread, asleep in a receive on the
 * connection of h after it received every byte h sent?  Then it waits for
 * h and for nobody else.
 */
static int stuck_on(const struct upper_client *h)
{
	struct run *r = h->r;
	struct conn_stats st;
	conn_stats(h, &st);
	if (!st.found || st.pid != (long)r->pid || st.closed || st.rx < (long)h->nsent)
		return 0;
	if (upper_proc_threads(r->pid) != 1)
		return 0;
	long nr, fd;
	if (upper_proc_syscall(r->pid, &nr, &fd) < 0 || fd != st.fd)
		return 0;
	return nr == SYS_read || nr == SYS_recvfrom || nr == SYS_recvmsg || nr == SYS_readv;
}

enum peer_io upper_recv(struct upper_client *u, long ms)
{
	long deadline = now_ms() + ms;
	u->held = 0;
	if (u->fd < 0)
		return u->io = PEER_CLOSED;
	while (u->ngot < u->nsent) {
		long left = deadline - now_ms();
		if (left <= 0)
			return u->io = PEER_TIMEOUT;
		long slice = left > HOLD_LOOK_MS ? HOLD_LOOK_MS : left;
		size_t got = 0;
		enum peer_io s = peer_recv(u->r, u->fd, u->got + u->ngot, u->nsent - u->ngot, &got,
					   0, slice);
		int e = errno;
		u->ngot += got;
		if (s == PEER_OK)
			continue;
		if (s == PEER_TIMEOUT) {
			/* No stall seen (other clients' bytes may be in flight): look. */
			if (u->hold && stuck_on(u->hold)) {
				u->held = 1;
				u->blocked = run_blocked_call(u->r);
				if (!u->blocked)
					u->blocked = "recv";
				return u->io = PEER_STALL;
			}
			const char *call = got == 0 ? reply_final(u) : NULL;
			if (call) {
				u->blocked = call;
				return u->io = PEER_STALL;
			}
			continue;
		}
		if (s == PEER_CLOSED) {
			u->eof = 1;
			u->err = got == 0 && e == ECONNRESET ? ECONNRESET : 0;
		} else if (s == PEER_ERROR) {
			u->err = e;
		} else if (s == PEER_STALL || s == PEER_TIMEOUT) {
			u->blocked = run_blocked_call(u->r);
		}
		return u->io = s;
	}
	return u->io = PEER_OK;
}

int upper_server_waits_on(const struct upper_client *u)
{
	return stuck_on(u);
}

enum peer_io upper_await(struct upper_client *u, long ms)
{
	long deadline = now_ms() + ms;
	u->held = 0;
	if (u->fd < 0)
		return u->io = PEER_CLOSED;
	for (;;) {
		long left = deadline - now_ms();
		if (left <= 0)
			return u->io = PEER_TIMEOUT;
		size_t room = UPPER_STREAM_MAX - u->ngot, extra = 0;
		enum peer_io s = peer_wait_close(u->r, u->fd, u->got + u->ngot, room, &extra,
						 left > HOLD_LOOK_MS ? HOLD_LOOK_MS : left);
		int e = errno;
		u->ngot += extra < room ? extra : room;
		if (s == PEER_TIMEOUT) {
			if (stuck_on(u)) {
				u->held = 1;
				return u->io = PEER_STALL;
			}
			continue;
		}
		if (s == PEER_CLOSED)
			u->eof = 1;
		else if (s == PEER_ERROR)
			u->err = e;
		else if (s == PEER_STALL)
			u->held = stuck_on(u);
		return u->io = s;
	}
}

enum peer_io upper_exchange(struct upper_client *u, const void *buf, size_t len,
			    size_t piece, long ms)
{
	enum peer_io s = upper_send(u, buf, len, piece);
	if (s != PEER_OK && s != PEER_CLOSED)
		return u->io = s;
	return upper_recv(u, ms);
}

/* Closes our socket without counting it as a new end of file. */
static void close_quiet(struct upper_client *u)
{
	if (u->fd < 0)
		return;
	int ret = close(u->fd);
	run_note(u->r, "close", u->fd, ret, 0, NULL, 0, NULL);
	u->fd = -1;
}

enum peer_io upper_finish(struct upper_client *u, long ms)
{
	if (u->fd < 0)
		return u->io;
	int ret = shutdown(u->fd, SHUT_WR);
	/* An end of file the server will read, unless it closed first. */
	run_note(u->r, "shutdown", u->fd, ret, ret < 0 ? errno : 0, u->eof ? NULL : "", 0, NULL);
	long deadline = now_ms() + ms;
	enum peer_io s;
	int e;
	for (;;) {
		long left = deadline - now_ms();
		size_t room = UPPER_STREAM_MAX - u->ngot, extra = 0;
		s = peer_wait_close(u->r, u->fd, u->got + u->ngot, room, &extra,
				    left > HOLD_LOOK_MS ? HOLD_LOOK_MS : left);
		e = errno;
		u->ngot += extra < room ? extra : room;
		if (s != PEER_TIMEOUT || now_ms() >= deadline)
			break;
		/* The server read our end of file and waits again, without closing. */
		const char *call = extra == 0 ? kept_open(u) : NULL;
		if (call) {
			u->blocked = call;
			close_quiet(u);
			return u->io = PEER_STALL;
		}
	}
	if (s == PEER_CLOSED)
		u->eof = 1;
	else if (s == PEER_STALL || s == PEER_TIMEOUT)
		u->blocked = run_blocked_call(u->r);
	else if (s == PEER_ERROR)
		u->err = e;
	close_quiet(u);
	return u->io = s;
}

void upper_reset(struct upper_client *u)
{
	if (u->fd < 0)
		return;
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	setsockopt(u->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	int ret = close(u->fd);
	run_note(u->r, "close", u->fd, ret, 0, "", 0, NULL);
	u->fd = -1;
}

void upper_free(struct upper_client *u)
{
	if (!u)
		return;
	if (u->eof)
		close_quiet(u);
	else if (u->fd >= 0)
		peer_close(u->r, u->fd);
	free(u->sent);
	free(u->got);
	free(u);
}

/* ---- judging ---- */

/* One byte as the learner would write it in C: 'a', '\n', '\xc3'. */
static const char *byte_quote(struct check *c, unsigned char ch)
{
	if (ch == '\n')
		return check_str(c, "'\\n'");
	if (ch == '\t')
		return check_str(c, "'\\t'");
	if (ch == '\'' || ch == '\\')
		return check_str(c, "'\\%c'", ch);
	if (ch >= 0x20 && ch < 0x7f)
		return check_str(c, "'%c'", ch);
	return check_str(c, "'\\x%02x'", ch);
}

/* The line of the stream that holds byte i: its start and length. */
static void line_of(const unsigned char *s, size_t n, size_t i, size_t *start, size_t *len)
{
	size_t a = i;
	while (a > 0 && s[a - 1] != '\n')
		a--;
	size_t b = i;
	while (b < n && s[b] != '\n')
		b++;
	*start = a;
	*len = (b < n ? b + 1 : b) - a;
}

static int line_number(const unsigned char *s, size_t i)
{
	int n = 1;
	for (size_t k = 0; k < i; k++)
		n += s[k] == '\n';
	return n;
}

/*
 * Is got what we expect with some of the '\n' left out (and something
 * missing)?  Returns the index of the first '\n' left out, plus one, or 0.
 */
static size_t without_newlines(const unsigned char *want, size_t nwant,
			       const unsigned char *got, size_t ngot)
{
	size_t i = 0, j = 0, first = 0;
	while (j < ngot && i < nwant) {
		if (want[i] == got[j]) {
			i++;
			j++;
		} else if (want[i] == '\n') {
			if (!first)
				first = i + 1;
			i++;
		} else {
			return 0;
		}
	}
	while (i < nwant && want[i] == '\n') {
		if (!first)
			first = i + 1;
		i++;
	}
	return j == ngot && i == nwant ? first : 0;
}

/*
 * Did the reply leave bytes out at i: does what came from i on match what
 * was expected some bytes later?  Returns how many were skipped, or 0.
 */
static size_t skipped(const unsigned char *want, size_t nwant, const unsigned char *got,
		      size_t ngot, size_t i)
{
	size_t avail = ngot - i;
	/* A few bytes dropped: two that follow show it; more need a longer match. */
	for (size_t j = i + 1; j < nwant; j++) {
		size_t m = j - i <= 3 ? 2 : 6;
		if (m > avail || j + m > nwant)
			break;
		if (!memcmp(want + j, got + i, m))
			return j - i;
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

/* The server ended: how, in the learner's terms.  Returns -1 (failed). */
static int judge_ended(struct check *c, struct run *r, const char *what)
{
	run_wait_end(r, WAIT_MS);
	pthread_mutex_lock(&r->mu);
	enum run_end end = r->end;
	int status = r->status;
	pthread_mutex_unlock(&r->mu);
	if (end == RUN_SIGNALED && status == SIGPIPE)
		check_fail(c, r, "upper.sigpipe", what, NULL);
	else if (!check_abnormal(c, r))
		check_fail(c, r, "upper.ended", what, check_str(c, "%d", status),
			   stderr_quote(c, r), NULL);
	return -1;
}

static int server_ended(struct run *r)
{
	pthread_mutex_lock(&r->mu);
	int ended = r->end != RUN_RUNNING || r->collector_done;
	pthread_mutex_unlock(&r->mu);
	return ended;
}

int upper_judge(struct check *c, struct upper_client *u, const char *what)
{
	struct run *r = u->r;
	size_t n = u->ngot < u->nsent ? u->ngot : u->nsent;
	unsigned char *want = xmalloc(u->nsent + 1);
	upper_expect(u->sent, u->nsent, want);
	size_t i = 0;
	while (i < n && u->got[i] == want[i])
		i++;
	int mismatch = i < n;
	size_t nl;
	if (!mismatch && u->ngot == u->nsent) {
		free(want);
		return 0;
	}
	struct conn_stats st;
	conn_stats_wait(u, &st, u->ngot, 1000);
	size_t qa = mismatch ? i : n;
	size_t ql = u->ngot - qa < 24 ? u->ngot - qa : 24;
	if (st.found && st.tx > st.rx) {
		check_fail(c, r, "upper.extra", what, check_str(c, "%ld", st.tx - st.rx),
			   check_quote(c, u->got + qa, ql), NULL);
	} else if (!mismatch && u->ngot > u->nsent) {
		check_fail(c, r, "upper.extra", what, check_str(c, "%zu", u->ngot - u->nsent),
			   check_quote(c, u->got + qa, ql), NULL);
	} else if (st.found && st.short_send && st.tx < st.rx &&
		   !(mismatch && u->got[i] == u->sent[i] && u->sent[i] >= 'a' && u->sent[i] <= 'z')) {
		check_fail(c, r, "upper.shortsend", what, check_str(c, "%ld", st.short_ret),
			   check_str(c, "%ld", st.short_len), NULL);
	} else if (mismatch) {
		unsigned char s = u->sent[i], g = u->got[i];
		size_t ls, ll;
		line_of(u->sent, u->nsent, i, &ls, &ll);
		const char *col = check_str(c, "%zu", i - ls + 1);
		/* The bytes around, within the line: where to look. */
		size_t ca = i - ls > 10 ? i - 10 : ls;
		size_t cb = ls + ll - i > 11 ? i + 11 : ls + ll;
		const char *line = check_quote(c, u->sent + ca, cb - ca);
		const char *lno = check_str(c, "%d", line_number(u->sent, i));
		size_t skip = skipped(want, u->nsent, u->got, u->ngot, i);
		if (s == '\n' && i + 1 < u->nsent && g == want[i + 1])
			check_fail(c, r, "upper.nonl", what, lno, NULL);
		else if (skip > 0)
			check_fail(c, r, "upper.lost", what, check_str(c, "%zu", skip), col, lno, NULL);
		else if (s >= 'a' && s <= 'z' && g == s)
			check_fail(c, r, "upper.lower", what, col, byte_quote(c, s), lno, line, NULL);
		else if (s >= 0x80 && (g == (unsigned char)(s - 32) || g == (s ^ 0x20)))
			check_fail(c, r, "upper.high", what, col, byte_quote(c, s), byte_quote(c, g),
				   lno, line, NULL);
		else if ((s < 'a' || s > 'z') && g != s && s != '\n' &&
			 (g == (unsigned char)(s - 32) || g == (unsigned char)toupper(s) ||
			  g == (unsigned char)(s & ~0x20)))
			check_fail(c, r, "upper.changed", what, col, byte_quote(c, s), byte_quote(c, g),
				   lno, line, NULL);
		else
			check_fail(c, r, "upper.wrong", what, col, byte_quote(c, want[i]),
				   byte_quote(c, g), lno, line, NULL);
	} else if (u->ngot > 0 && (nl = without_newlines(want, u->nsent, u->got, u->ngot))) {
		check_fail(c, r, "upper.nonl", what,
			   check_str(c, "%d", line_number(u->sent, nl - 1)), NULL);
	} else if (u->io == PEER_ENDED || server_ended(r) ||
		   ((u->io == PEER_CLOSED || u->io == PEER_ERROR) && run_wait_exit(r, 500) == 0)) {
		/* A connection closed by a server that was ending is its end. */
		judge_ended(c, r, what);
	} else if (u->io == PEER_CLOSED && u->err == ECONNRESET) {
		check_fail(c, r, "upper.reset", what, check_str(c, "%zu", u->ngot),
			   check_str(c, "%zu", u->nsent), NULL);
	} else if (u->io == PEER_CLOSED || u->io == PEER_ERROR) {
		check_fail(c, r, "upper.closed", what, check_str(c, "%zu", u->ngot),
			   check_str(c, "%zu", u->nsent), NULL);
	} else if (u->held) {
		check_fail(c, r, "upper.held", what, u->blocked, NULL);
	} else {
		const char *sent = check_quote(c, u->sent, u->nsent);
		const char *call = u->blocked;
		if (u->ngot == 0)
			check_fail(c, r, call ? "upper.noreply_blocked" : "upper.noreply", what, sent,
				   call, NULL);
		else
			check_fail(c, r, call ? "upper.short_blocked" : "upper.short", what,
				   check_str(c, "%zu", u->ngot), check_str(c, "%zu", u->nsent),
				   check_quote(c, u->got, u->ngot), call, NULL);
	}
	free(want);
	return -1;
}

/* ---- scenarios ---- */

const char *upper_what(struct check *c, int n)
{
	const char *tmpl = catalog_text(c->env->cat, c->env->ex, c->env->lang,
					"upper.what.client");
	const char *num = check_str(c, "%d", n);
	char *s = catalog_format(tmpl, &num, 1);
	const char *w = check_str(c, "%s", s);
	free(s);
	return w;
}


/* The port of the program's last successful bind (else its last bind), or -1. */
static int bound_port(struct run *r)
{
	int port = -1, ok = 0;
	pthread_mutex_lock(&r->mu);
	for (size_t i = 0; i < r->nev; i++) {
		const struct trace_ev *e = &r->ev[i];
		char ip[64];
		int p;
		if (e->side != SIDE_PROGRAM || e->phase != 'X' || strcmp(e->call, "bind") ||
		    trace_addr_split(e->addr, ip, sizeof ip, &p) < 0)
			continue;
		if (e->ret == 0 || !ok) {
			port = p;
			ok = e->ret == 0;
		}
	}
	pthread_mutex_unlock(&r->mu);
	return port;
}

struct run *upper_start(struct check *c, struct spawn *s, int *port)
{
	*port = sandbox_port();
	if (*port < 0) {
		check_fail(c, NULL, "internal.port", NULL);
		return NULL;
	}
	s->args[0] = check_str(c, "%d", *port);
	struct run *r = check_spawn(c, s);
	if (!r)
		return NULL;
	size_t from = 0;
	long li = run_wait_call(r, "listen", &from, WAIT_MS);
	if (li < 0) {
		if (check_abnormal(c, r))
			return NULL;
		if (server_ended(r)) {
			check_fail(c, r, "upper.nolisten", check_str(c, "%d", r->status),
				   stderr_quote(c, r), NULL);
		} else {
			const char *call = run_blocked_call(r);
			check_fail(c, r, call ? "upper.nolisten_blocked" : "upper.nolisten_hang", call,
				   NULL);
			run_kill(r);
		}
		return NULL;
	}
	pthread_mutex_lock(&r->mu);
	long ret = r->ev[li].ret;
	pthread_mutex_unlock(&r->mu);
	if (ret < 0) {
		check_fail(c, r, "upper.listen_failed", stderr_quote(c, r), NULL);
		return NULL;
	}
	int bound = bound_port(r);
	if (bound >= 0 && bound != *port) {
		int swapped = ((*port & 0xff) << 8) | (*port >> 8);
		check_fail(c, r, bound == swapped ? "upper.htons" : "upper.port",
			   check_str(c, "%d", bound), check_str(c, "%d", *port), NULL);
		return NULL;
	}
	return r;
}

struct upper_client *upper_connect_check(struct check *c, struct run *r, int port,
					  const char *what)
{
	struct upper_client *u = upper_connect(r, port);
	if (u)
		return u;
	int e = errno;
	/* Refused: the listening socket is gone, the server is likely ending. */
	if (e == ECONNREFUSED)
		run_wait_end(r, 1000);
	if (server_ended(r))
		judge_ended(c, r, what);
	else
		check_fail(c, r, "upper.noconnect", what, check_str(c, "%s", strerror(e)), NULL);
	return NULL;
}

/* Finishes u and judges the end: nothing more, and the server closed. */
static int finish_and_judge(struct check *c, struct upper_client *u, const char *what)
{
	enum peer_io s = upper_finish(u, WAIT_MS);
	if (upper_judge(c, u, what) < 0)
		return -1;
	if (s == PEER_CLOSED)
		return 0;
	if (s == PEER_ENDED || server_ended(u->r))
		return judge_ended(c, u->r, what);
	check_fail(c, u->r, u->blocked ? "upper.noclose" : "upper.noclose_hang", what, u->blocked,
		   NULL);
	return -1;
}

void upper_distinct_lens(size_t *lens, int n, size_t lo, size_t hi)
{
	for (int i = 0; i < n; i++) {
		int dup;
		do {
			lens[i] = (size_t)peer_random((long)lo, (long)hi);
			dup = 0;
			for (int k = 0; k < i; k++)
				dup |= lens[k] == lens[i];
		} while (dup);
	}
	for (int i = 0; i + 1 < n; i++)
		for (int k = i + 1; k < n; k++)
			if (lens[k] > lens[i]) {
				size_t t = lens[i];
				lens[i] = lens[k];
				lens[k] = t;
			}
}

/* Connects the first client of a check; NULL with the check failed. */
static struct upper_client *first_client(struct check *c, struct spawn *s, const char *what)
{
	int port;
	struct run *r = upper_start(c, s, &port);
	if (!r)
		return NULL;
	return upper_connect_check(c, r, port, what);
}

int upper_lines(struct check *c, struct spawn *s, const size_t *lens, int n, size_t piece)
{
	const char *what = upper_what(c, 1);
	struct upper_client *u = first_client(c, s, what);
	if (!u)
		return -1;
	char line[UPPER_LINE_MAX];
	int ret = 0;
	for (int i = 0; i < n && ret == 0; i++) {
		size_t len = lens[i] > UPPER_LINE_MAX ? UPPER_LINE_MAX : lens[i];
		upper_random_line(line, len);
		upper_exchange(u, line, len, piece, WAIT_MS);
		ret = upper_judge(c, u, what);
	}
	if (ret == 0)
		ret = finish_and_judge(c, u, what);
	upper_free(u);
	return ret;
}

int upper_batch(struct check *c, struct spawn *s)
{
	const char *what = upper_what(c, 1);
	struct upper_client *u = first_client(c, s, what);
	if (!u)
		return -1;
	char buf[8 * 60];
	int ret = 0;
	/* The second batch is the shorter: what the first leaves in a buffer shows. */
	for (int round = 0; round < 2 && ret == 0; round++) {
		size_t len = round == 0 ? upper_random_lines(buf, 8, 40, 60)
					: upper_random_lines(buf, 8, 2, 30);
		upper_exchange(u, buf, len, 0, WAIT_MS);
		ret = upper_judge(c, u, what);
	}
	if (ret == 0)
		ret = finish_and_judge(c, u, what);
	upper_free(u);
	return ret;
}

int upper_serve(struct check *c, struct upper_client *u, const char *what, int lines)
{
	char *buf = xmalloc((size_t)lines * 60);
	size_t len = upper_random_lines(buf, lines, 2, 60);
	upper_exchange(u, buf, len, 0, WAIT_MS);
	free(buf);
	if (upper_judge(c, u, what) < 0)
		return -1;
	return finish_and_judge(c, u, what);
}

int upper_sequence(struct check *c, struct run *r, int port, int n, int lines, size_t piece)
{
	char *buf = xmalloc((size_t)lines * 60);
	int ret = 0;
	for (int k = 1; k <= n && ret == 0; k++) {
		const char *what = upper_what(c, k);
		struct upper_client *u = upper_connect_check(c, r, port, what);
		if (!u) {
			ret = -1;
			break;
		}
		size_t len = upper_random_lines(buf, lines, 2, 60);
		upper_exchange(u, buf, len, piece, WAIT_MS);
		if (upper_judge(c, u, what) < 0 || finish_and_judge(c, u, what) < 0)
			ret = -1;
		upper_free(u);
	}
	free(buf);
	return ret;
}

int upper_held(struct check *c, struct run *r, int port, size_t hold_bytes)
{
	char line[UPPER_LINE_MAX];
	char lines[6 * 60];
	size_t len = hold_bytes + (size_t)peer_random(8, 30);
	if (len > UPPER_LINE_MAX)
		len = UPPER_LINE_MAX;
	upper_random_line(line, len);
	const char *w1 = upper_what(c, 1), *w2 = upper_what(c, 2);
	struct upper_client *h = upper_connect_check(c, r, port, w1);
	if (!h)
		return -1;
	int ret = -1;
	struct upper_client *u = NULL;
	if (hold_bytes > 0 && upper_send(h, line, hold_bytes, 0) != PEER_OK) {
		upper_judge(c, h, w1);
		goto out;
	}
	u = upper_connect_check(c, r, port, w2);
	if (!u)
		goto out;
	u->hold = h;
	size_t n = upper_random_lines(lines, 3, 2, 60);
	upper_exchange(u, lines, n, 0, WAIT_MS);
	if (upper_judge(c, u, w2) < 0)
		goto out;
	u->hold = NULL;
	/* The first client completes its line: it must be answered too. */
	upper_exchange(h, line + hold_bytes, len - hold_bytes, 0, WAIT_MS);
	if (upper_judge(c, h, w1) < 0)
		goto out;
	if (finish_and_judge(c, u, w2) < 0 || finish_and_judge(c, h, w1) < 0)
		goto out;
	ret = 0;
out:
	upper_free(u);
	upper_free(h);
	return ret;
}

int upper_abrupt(struct check *c, struct run *r, int port, int *conclusive)
{
	*conclusive = 0;
	char line[64];
	size_t cap = 32 * 1024;
	char *batch = xmalloc(cap);
	int ret = 0;
	for (int attempt = 0; attempt < 3 && !*conclusive && ret == 0; attempt++) {
		const char *w1 = upper_what(c, 1 + 2 * attempt), *w2 = upper_what(c, 2 + 2 * attempt);
		struct upper_client *x = upper_connect_check(c, r, port, w1);
		struct upper_client *y = x ? upper_connect_check(c, r, port, w2) : NULL;
		if (!y) {
			upper_free(x);
			ret = -1;
			break;
		}
		/* Both served once: the server holds both connections. */
		for (int k = 0; k < 2 && ret == 0; k++) {
			struct upper_client *u = k ? y : x;
			size_t n = (size_t)peer_random(20, 40);
			upper_random_line(line, n);
			u->hold = k ? x : NULL;		/* a server stuck on x shows */
			upper_exchange(u, line, n, 0, WAIT_MS);
			u->hold = NULL;
			ret = upper_judge(c, u, k ? w2 : w1);
		}
		if (ret == 0) {
			/* Many lines, then a reset before reading any reply. */
			size_t want = (size_t)4096 << attempt;
			size_t len = upper_random_lines(batch, (int)(want / 40), 20, 60);
			peer_send(r, x->fd, batch, len, 0);
			upper_reset(x);
			/* The other client goes on as if nothing happened. */
			len = upper_random_lines(batch, 3, 2, 60);
			upper_exchange(y, batch, len, 0, WAIT_MS);
			if (upper_judge(c, y, w2) < 0 || finish_and_judge(c, y, w2) < 0)
				ret = -1;
			struct conn_stats st;
			conn_stats(x, &st);
			*conclusive = st.send_err;
		}
		upper_free(y);
		upper_free(x);
	}
	free(batch);
	if (ret < 0)
		return ret;
	/* And a new client after all that: the server is still there. */
	const char *w = upper_what(c, 7);
	struct upper_client *z = upper_connect_check(c, r, port, w);
	ret = z ? upper_serve(c, z, w, 2) : -1;
	upper_free(z);
	return ret;
}

int upper_fd_count(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%ld/fd", (long)pid);
	DIR *d = opendir(path);
	if (!d)
		return -1;
	int n = 0;
	struct dirent *de;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

int upper_fds_settle(struct run *r, int limit, long ms)
{
	long deadline = now_ms() + ms;
	for (;;) {
		int n = upper_fd_count(r->pid);
		long left = deadline - now_ms();
		if (n < 0 || n <= limit || left <= 0)
			return n;
		/* A close may be under way: look again at the next event, or soon. */
		pthread_mutex_lock(&r->mu);
		wait_event_locked(r, left > 20 ? 20 : left);
		pthread_mutex_unlock(&r->mu);
	}
}

int upper_zombies(pid_t pid)
{
	DIR *d = opendir("/proc");
	if (!d)
		return -1;
	int n = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		char buf[512];
		if (upper_proc_read(atol(de->d_name), "stat", buf, sizeof buf) <= 0)
			continue;
		const char *paren = strrchr(buf, ')');
		char state;
		long ppid;
		if (paren && sscanf(paren + 1, " %c %ld", &state, &ppid) == 2 && ppid == (long)pid &&
		    state == 'Z')
			n++;
	}
	closedir(d);
	return n;
}

const char *upper_forked(struct run *r)
{
	const char *call = NULL;
	/* Every record written so far, parsed: the call's line comes after it returns. */
	upper_trace_flush(r);
	pthread_mutex_lock(&r->mu);
	for (size_t i = 0; i < r->nev && !call; i++) {
		const struct trace_ev *e = &r->ev[i];
		if (e->side != SIDE_PROGRAM || e->phase != 'X')
			continue;
		if (!strcmp(e->call, "fork"))
			call = "fork";
		else if (!strcmp(e->call, "pthread_create"))
			call = "pthread_create";
	}
	pthread_mutex_unlock(&r->mu);
	/* Its record may not even be written yet: the kernel knows the threads. */
	if (!call && !upper_run_ended(r) && upper_proc_threads(r->pid) > 1)
		call = "pthread_create";
	return call;
}

/* ---- what the server's processes and threads are doing (/proc, the trace) ---- */

struct pstat {
	char state;
	long ppid, pgrp;
};

static int read_small(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, cap - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

/* Parses a stat file (after the command's closing parenthesis). */
static int stat_file(const char *path, struct pstat *st)
{
	char buf[512];
	if (read_small(path, buf, sizeof buf) < 0)
		return -1;
	const char *p = strrchr(buf, ')');
	if (!p || sscanf(p + 1, " %c %ld %ld", &st->state, &st->ppid, &st->pgrp) != 3)
		return -1;
	return 0;
}

static int proc_stat(long pid, struct pstat *st)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%ld/stat", pid);
	return stat_file(path, st);
}

int upper_group_pids(long pgid, long *pids, int max)
{
	DIR *d = opendir("/proc");
	if (!d)
		return 0;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)) && n < max) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);
		struct pstat st;
		if (*end || pid <= 0 || proc_stat(pid, &st) < 0)
			continue;
		if (st.pgrp == pgid && st.state != 'Z' && st.state != 'X')
			pids[n++] = pid;
	}
	closedir(d);
	return n;
}

int upper_proc_dead(long pid, long pgid)
{
	struct pstat st;
	return proc_stat(pid, &st) < 0 || st.state == 'Z' || st.state == 'X' || st.pgrp != pgid;
}

/* The system call a thread sleeps in, with its arguments; -1 if none. */
static long task_syscall(long pid, long tid, unsigned long args[6])
{
	char path[96], buf[256];
	snprintf(path, sizeof path, "/proc/%ld/task/%ld/syscall", pid, tid);
	if (read_small(path, buf, sizeof buf) < 0)
		return -1;
	char *p = buf, *end;
	long nr = strtol(p, &end, 10);
	if (end == p || nr < 0)
		return -1;
	p = end;
	for (int i = 0; i < 6; i++) {
		args[i] = strtoul(p, &end, 16);
		p = end;
	}
	return nr;
}

/* Did the thread's last call enter with a time-out (SO_RCVTIMEO...)? */
static int last_call_timed(struct run *r, long tid)
{
	int timed = 0;
	pthread_mutex_lock(&r->mu);
	for (size_t i = r->nev; i-- > 0;) {
		const struct trace_ev *e = &r->ev[i];
		if (e->side == SIDE_PROGRAM && e->tid == tid) {
			timed = e->phase == 'E' && e->timed;
			break;
		}
	}
	pthread_mutex_unlock(&r->mu);
	return timed;
}

static enum upper_doing task_doing(struct run *r, long pid, long tid)
{
	char path[96];
	struct pstat st;
	snprintf(path, sizeof path, "/proc/%ld/task/%ld/stat", pid, tid);
	if (stat_file(path, &st) < 0 || st.state == 'Z' || st.state == 'X')
		return UPPER_GONE;
	if (st.state != 'S')
		return UPPER_RUNS;
	unsigned long a[6];
	long nr = task_syscall(pid, tid, a);
	if (nr < 0)
		return UPPER_RUNS;
	if (last_call_timed(r, tid))
		return UPPER_TIMED;
	switch (nr) {
	case SYS_read:
	case SYS_recvfrom:
	case SYS_recvmsg:
	case SYS_wait4:
	case SYS_waitid:
	case SYS_rt_sigsuspend:
#ifdef SYS_pause
	case SYS_pause:
#endif
		return UPPER_STUCK;
	case SYS_futex:
		return a[3] ? UPPER_TIMED : UPPER_STUCK;
	case SYS_accept:
	case SYS_accept4:
		return UPPER_ACCEPT;
#ifdef SYS_poll
	case SYS_poll:
		return (int)a[2] < 0 ? UPPER_ACCEPT : UPPER_TIMED;
#endif
	case SYS_ppoll:
		return a[2] ? UPPER_TIMED : UPPER_ACCEPT;
#ifdef SYS_select
	case SYS_select:
		return a[4] ? UPPER_TIMED : UPPER_ACCEPT;
#endif
	case SYS_pselect6:
		return a[4] ? UPPER_TIMED : UPPER_ACCEPT;
#ifdef SYS_epoll_wait
	case SYS_epoll_wait:
		return (int)a[3] < 0 ? UPPER_ACCEPT : UPPER_TIMED;
#endif
	case SYS_epoll_pwait:
		return (int)a[3] < 0 ? UPPER_ACCEPT : UPPER_TIMED;
	default:
		return UPPER_TIMED;
	}
}

void upper_census_of(struct run *r, const long *pids, int npids, struct upper_census *cs)
{
	memset(cs, 0, sizeof *cs);
	cs->main_doing = UPPER_GONE;
	cs->main_nr = -1;
	for (int i = 0; i < npids; i++) {
		char path[64];
		snprintf(path, sizeof path, "/proc/%ld/task", pids[i]);
		DIR *d = opendir(path);
		if (!d)
			continue;
		struct dirent *e;
		while ((e = readdir(d))) {
			char *end;
			long tid = strtol(e->d_name, &end, 10);
			if (*end || tid <= 0)
				continue;
			enum upper_doing k = task_doing(r, pids[i], tid);
			cs->n[k]++;
			if (tid == r->pid) {
				unsigned long a[6];
				cs->main_doing = (int)k;
				cs->main_nr = task_syscall(pids[i], tid, a);
			}
		}
		closedir(d);
	}
}

/* Every process of the run (the server and its children). */
static void census_run(struct run *r, struct upper_census *cs)
{
	long pids[MAX_PROCS];
	int n = upper_group_pids(r->pid, pids, MAX_PROCS);
	upper_census_of(r, pids, n, cs);
}

int upper_run_ended(struct run *r)
{
	pthread_mutex_lock(&r->mu);
	int ended = r->end != RUN_RUNNING || r->collector_done;
	pthread_mutex_unlock(&r->mu);
	return ended;
}

/* Waits for an event of the run, at most ms. */
static void wait_event(struct run *r, long ms)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_nsec += ms * 1000000L;
	ts.tv_sec += ts.tv_nsec / 1000000000L;
	ts.tv_nsec %= 1000000000L;
	pthread_mutex_lock(&r->mu);
	if (r->end == RUN_RUNNING && !r->collector_done)
		pthread_cond_timedwait(&r->cond, &r->mu, &ts);
	pthread_mutex_unlock(&r->mu);
}

void upper_trace_flush(struct run *r)
{
	long deadline = now_ms() + WAIT_MS;
	for (;;) {
		pthread_mutex_lock(&r->mu);
		int fd = r->trace_fd, unread = 0;
		if (fd >= 0 && ioctl(fd, FIONREAD, &unread) < 0)
			unread = 0;
		pthread_mutex_unlock(&r->mu);
		if (unread == 0 || now_ms() >= deadline)
			return;
		wait_event(r, 1);
	}
}

int upper_wait_until(struct run *r, upper_cond_fn cond, void *arg, long ms)
{
	long deadline = now_ms() + ms;
	for (;;) {
		if (cond(r, arg))
			return 1;
		if (upper_run_ended(r))
			return cond(r, arg);
		long left = deadline - now_ms();
		if (left <= 0)
			return 0;
		wait_event(r, left < POLL_MS ? left : POLL_MS);
	}
}

int upper_settled(struct run *r)
{
	pthread_mutex_lock(&r->mu);
	long eofs = 0;
	for (size_t i = 0; i < r->nev; i++) {
		const struct trace_ev *e = &r->ev[i];
		eofs += e->side == SIDE_PROGRAM && e->phase == 'X' && trace_is_recv(e->call) &&
			!e->inj[0] && (e->ret == 0 || (e->ret < 0 && e->err == ECONNRESET));
	}
	int ok = r->prog_sent <= r->peer_recv && r->peer_sent <= r->prog_recv &&
		 r->peer_connects <= r->prog_accepts && r->peer_closes <= eofs;
	pthread_mutex_unlock(&r->mu);
	return ok;
}

/* One look of upper_quiet. */
static int quiet_once(struct run *r, int how)
{
	if ((how & UPPER_QUIET_SETTLED) && !upper_settled(r))
		return 0;
	struct upper_census cs;
	census_run(r, &cs);
	return cs.n[UPPER_RUNS] == 0 && cs.n[UPPER_TIMED] == 0 &&
	       !((how & UPPER_QUIET_NO_ACCEPT) && cs.n[UPPER_ACCEPT]) &&
	       cs.n[UPPER_ACCEPT] + cs.n[UPPER_STUCK] > 0;
}

int upper_quiet(struct run *r, int how)
{
	pthread_mutex_lock(&r->mu);
	size_t before = r->nev;
	pthread_mutex_unlock(&r->mu);
	if (!quiet_once(r, how))
		return 0;
	wait_event(r, RUN_RECHECK_MS);
	pthread_mutex_lock(&r->mu);
	size_t after = r->nev;
	pthread_mutex_unlock(&r->mu);
	return before == after && quiet_once(r, how);
}

long upper_accept_index(struct run *r, const struct upper_client *u)
{
	char want[32];
	snprintf(want, sizeof want, "127.0.0.1:%d", u->port);
	long found = -1;
	pthread_mutex_lock(&r->mu);
	for (size_t i = 0; i < r->nev && found < 0; i++) {
		const struct trace_ev *e = &r->ev[i];
		if (e->side == SIDE_PROGRAM && e->phase == 'X' && e->ret >= 0 &&
		    (!strcmp(e->call, "accept") || !strcmp(e->call, "accept4")) &&
		    !strcmp(e->addr, want))
			found = (long)i;
	}
	pthread_mutex_unlock(&r->mu);
	return found;
}

int upper_recv_or_held(struct run *r, struct upper_client *u)
{
	long deadline = now_ms() + WAIT_MS;
	while (u->ngot < u->nsent) {
		long left = deadline - now_ms();
		if (left <= 0)
			break;
		enum peer_io io = upper_recv(u, left < 4 * POLL_MS ? left : 4 * POLL_MS);
		if (io != PEER_TIMEOUT)
			break;
		if (upper_accept_index(r, u) < 0 && upper_quiet(r, UPPER_QUIET_NO_ACCEPT)) {
			upper_trace_flush(r);
			if (upper_accept_index(r, u) < 0)
				return 1;
		}
	}
	return 0;
}
