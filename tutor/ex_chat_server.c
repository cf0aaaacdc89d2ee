/*
 * Checks of chat-server (SPEC §4, chapter 4): the capstone of slides §5,
 * one process and one thread serving every client with select() or poll().
 * Every complete line a client sends must reach, unchanged, every other
 * client the server had accepted before the line arrived, and never come
 * back to its sender.
 *
 * Each check starts the server on a fresh port, waits for its listen(),
 * connects reference clients and, before any line a client must receive is
 * sent, waits until the trace shows the server's accept() of that client
 * (matched by the client's port): a client the server has not accepted yet
 * is owed nothing.  Every client knows the exact stream it must receive
 * (the lines of the others, in the order they were sent, since each line is
 * sent only once the previous ones have been received), reads all of it,
 * and reads whatever else comes, so an echo or a stray byte shows at once.
 *
 * A wrong server must not cost the whole bound: besides the run's own stall
 * detection (every byte taken, the server asleep), a server with one thread
 * is looked at in /proc: asleep in recv() on a client that has nothing more
 * to say, asleep in accept() while lines wait, or asleep in select()/poll()
 * while the kernel holds data (or a connection) for a socket it does not
 * watch.  None of these can happen to a correct server; each is seen twice,
 * with no trace event between, before it counts.
 *
 * The abrupt-disconnect check stops the server (SIGSTOP) while one client
 * resets its connection and another sends many lines at once, then lets it
 * go on: the server then relays those lines to the reset client before it
 * reads the reset, so a server that does not handle SIGPIPE dies of it on
 * the second send, every time.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "exercises.h"
#include "peer.h"
#include "sandbox.h"
#include "upper.h"
#include "util.h"

#define CHAT_MAX 64			/* clients of one check */
#define CHAT_STREAM (64 * 1024)		/* bytes one client sends or receives, at most */
#define LOOK_MS 20			/* a receive's slice before we look at the server */
#define CONFIRM_MS 40			/* a stuck server is seen twice, this far apart */
#define DRAIN_ROOM 2048			/* unexpected bytes read at once */

/* A line in a client's expected stream: where, how long, who sent it. */
struct seg {
	size_t off, len;
	int from;
};

struct cl {
	int fd, port, id;
	int live;			/* accepted by the server and still connected */
	unsigned char *sent;		/* every byte it sent */
	size_t nsent;
	size_t line_start;		/* where its unfinished line begins in sent */
	unsigned char *want;		/* what it must receive */
	size_t nwant;
	unsigned char *got;		/* what it received */
	size_t ngot, checked;
	struct seg *segs;
	int nsegs, capsegs;
	enum peer_io io;
	int err;
};

struct chat {
	struct check *c;
	struct run *r;
	int port;
	struct cl *cl[CHAT_MAX];
	int n;
};

/* ---- /proc ---- */

/* The inode of the socket behind fd of pid, or 0. */
static unsigned long fd_inode(long pid, long fd)
{
	char path[64], link[64];
	snprintf(path, sizeof path, "/proc/%ld/fd/%ld", pid, fd);
	ssize_t n = readlink(path, link, sizeof link - 1);
	if (n <= 0)
		return 0;
	link[n] = '\0';
	unsigned long ino = 0;
	return sscanf(link, "socket:[%lu]", &ino) == 1 ? ino : 0;
}

/* One TCP socket of /proc/net/tcp{,6}. */
struct tcp_ent {
	int lport, rport, state;
	unsigned long rxq, ino;
};

#define TCP_ESTABLISHED_ST 0x01
#define TCP_CLOSE_WAIT_ST 0x08
#define TCP_LISTEN_ST 0x0a
#define TCP_MAX_ENT 512

/* Reads the sockets of our network namespace; returns how many. */
static int tcp_table(struct tcp_ent *t, int max)
{
	static const char *const files[] = { "/proc/net/tcp", "/proc/net/tcp6" };
	int n = 0;
	for (int f = 0; f < 2; f++) {
		FILE *fp = fopen(files[f], "re");
		if (!fp)
			continue;
		char line[512];
		if (!fgets(line, sizeof line, fp)) {
			fclose(fp);
			continue;
		}
		while (n < max && fgets(line, sizeof line, fp)) {
			unsigned lp, rp, st;
			unsigned long txq, rxq, ino;
			if (sscanf(line, " %*d: %*[0-9A-Fa-f]:%x %*[0-9A-Fa-f]:%x %x %lx:%lx %*x:%*x %*x %*u %*d %lu",
				   &lp, &rp, &st, &txq, &rxq, &ino) == 6)
				t[n++] = (struct tcp_ent){ (int)lp, (int)rp, (int)st, rxq, ino };
		}
		fclose(fp);
	}
	return n;
}

/* The server's side of the connection of the client on cport, or NULL. */
static const struct tcp_ent *tcp_conn(const struct tcp_ent *t, int n, int sport, int cport)
{
	for (int i = 0; i < n; i++)
		if (t[i].lport == sport && t[i].rport == cport &&
		    (t[i].state == TCP_ESTABLISHED_ST || t[i].state == TCP_CLOSE_WAIT_ST))
			return &t[i];
	return NULL;
}

/* ---- the server's side of a connection, from the trace ---- */

struct srv_conn {
	int found;
	int fd;
	long rx;		/* bytes the server received on it */
};

static int is_accept(const char *call)
{
	return !strcmp(call, "accept") || !strcmp(call, "accept4");
}

/* Call with r->mu held. */
static void srv_conn_locked(struct run *r, int port, struct srv_conn *st)
{
	memset(st, 0, sizeof *st);
	st->fd = -1;
	size_t ai = 0;
	long pid = 0;
	for (size_t i = 0; i < r->nev; i++) {
		const struct trace_ev *e = &r->ev[i];
		char ip[64];
		int p;
		if (e->side == SIDE_PROGRAM && e->phase == 'X' && e->ret >= 0 && is_accept(e->call) &&
		    trace_addr_split(e->addr, ip, sizeof ip, &p) == 0 && p == port) {
			st->found = 1;
			st->fd = (int)e->ret;
			pid = e->pid;
			ai = i;
		}
	}
	if (!st->found)
		return;
	for (size_t i = ai + 1; i < r->nev; i++) {
		const struct trace_ev *e = &r->ev[i];
		if (e->side != SIDE_PROGRAM || e->phase != 'X' || e->pid != pid || e->fd != st->fd)
			continue;
		if (!strcmp(e->call, "close") && e->ret == 0)
			break;
		if (trace_is_recv(e->call) && e->ret > 0)
			st->rx += e->ret;
	}
}

static void srv_conn(struct run *r, int port, struct srv_conn *st)
{
	pthread_mutex_lock(&r->mu);
	srv_conn_locked(r, port, st);
	pthread_mutex_unlock(&r->mu);
}

static int server_ended(struct run *r)
{
	pthread_mutex_lock(&r->mu);
	int ended = r->end != RUN_RUNNING || r->collector_done;
	pthread_mutex_unlock(&r->mu);
	return ended;
}

static size_t trace_len(struct run *r)
{
	pthread_mutex_lock(&r->mu);
	size_t n = r->nev + r->dropped;
	pthread_mutex_unlock(&r->mu);
	return n;
}

/* Waits for the next trace event or a short while (at most ms). */
static void wait_event(struct run *r, long ms)
{
	pthread_mutex_lock(&r->mu);
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_nsec += ms * 1000000L;
	ts.tv_sec += ts.tv_nsec / 1000000000L;
	ts.tv_nsec %= 1000000000L;
	if (r->end == RUN_RUNNING && !r->collector_done)
		pthread_cond_timedwait(&r->cond, &r->mu, &ts);
	pthread_mutex_unlock(&r->mu);
}

/* ---- clients ---- */

static const char *who(struct chat *x, int k)
{
	return upper_what(x->c, x->cl[k]->id);
}

static const char *stderr_quote(struct check *c, struct run *r)
{
	char *err = check_stderr(r);
	const char *q = check_quote(c, err, strlen(err));
	free(err);
	return q;
}

/* The server ended: SIGPIPE, a crash, or an exit.  Returns -1. */
static int judge_ended(struct chat *x)
{
	struct check *c = x->c;
	struct run *r = x->r;
	run_wait_end(r, WAIT_MS);
	pthread_mutex_lock(&r->mu);
	enum run_end end = r->end;
	int status = r->status;
	pthread_mutex_unlock(&r->mu);
	if (end == RUN_SIGNALED && status == SIGPIPE)
		check_fail(c, r, "sigpipe", NULL);
	else if (!check_abnormal(c, r))
		check_fail(c, r, "ended", check_str(c, "%d", status), stderr_quote(c, r), NULL);
	return -1;
}

/* Does a process have pid as its parent? */
static int has_child(long pid)
{
	DIR *d = opendir("/proc");
	if (!d)
		return 0;
	int found = 0;
	struct dirent *de;
	while (!found && (de = readdir(d))) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		char buf[512];
		if (upper_proc_read(atol(de->d_name), "stat", buf, sizeof buf) <= 0)
			continue;
		const char *paren = strrchr(buf, ')');
		char state;
		long ppid;
		found = paren && sscanf(paren + 1, " %c %ld", &state, &ppid) == 2 && ppid == pid;
	}
	closedir(d);
	return found;
}

/*
 * "fork" or "pthread_create" when the server has more than one process or
 * thread: the trace says so, or the kernel does (the trace record of the
 * call is written after it returns, maybe late), else NULL.
 */
static const char *server_forked(struct run *r)
{
	const char *call = upper_forked(r);
	if (call)
		return call;
	if (server_ended(r))
		return NULL;
	if (upper_proc_threads(r->pid) > 1)
		return "pthread_create";
	return has_child(r->pid) ? "fork" : NULL;
}

/*
 * A server that forked or started threads cannot share its clients the way
 * this exercise asks: say so rather than what followed.  1 if it failed.
 */
static int judge_forked(struct chat *x)
{
	const char *call = server_forked(x->r);
	if (!call)
		return 0;
	check_fail(x->c, x->r, "forked", call, NULL);
	return 1;
}

/* What the server is stuck on, read from /proc. */
enum stuck_kind { STUCK_NONE, STUCK_RECV, STUCK_ACCEPT, STUCK_UNWATCHED, STUCK_LISTENER };

struct stuck {
	enum stuck_kind kind;
	int k;			/* the client concerned, -1 if none */
	long nr;
};

static int nr_is_recv(long nr)
{
	return nr == SYS_read || nr == SYS_recvfrom || nr == SYS_recvmsg || nr == SYS_readv;
}

static int nr_is_accept(long nr)
{
	return nr == SYS_accept || nr == SYS_accept4;
}

static int nr_is_wait(long nr)
{
#ifdef SYS_select
	if (nr == SYS_select)
		return 1;
#endif
#ifdef SYS_poll
	if (nr == SYS_poll)
		return 1;
#endif
	return nr == SYS_pselect6 || nr == SYS_ppoll;
}

/*
 * Looks once at a server of one thread: asleep in a receive on a client
 * that has nothing queued (it waits for that client alone), in accept()
 * (when accepting is not what we wait for), or in select()/poll() while the
 * kernel holds bytes of a client (or, for_accept, a connection) it would
 * have returned for.
 */
static void look(struct chat *x, struct stuck *s, int for_accept)
{
	s->kind = STUCK_NONE;
	s->k = -1;
	long pid = x->r->pid, nr, arg0;
	if (upper_proc_threads(pid) != 1 || upper_proc_syscall(pid, &nr, &arg0) < 0)
		return;
	s->nr = nr;
	static __thread struct tcp_ent t[TCP_MAX_ENT];
	int n = tcp_table(t, TCP_MAX_ENT);
	if (nr_is_recv(nr)) {
		unsigned long ino = fd_inode(pid, arg0);
		for (int i = 0; ino && i < n; i++) {
			if (t[i].ino != ino || t[i].lport != x->port || t[i].rxq != 0)
				continue;
			for (int k = 0; k < x->n; k++)
				if (x->cl[k]->live && x->cl[k]->port == t[i].rport) {
					s->kind = STUCK_RECV;
					s->k = k;
				}
		}
		return;
	}
	if (nr_is_accept(nr)) {
		if (!for_accept)
			s->kind = STUCK_ACCEPT;
		return;
	}
	if (!nr_is_wait(nr))
		return;
	if (for_accept) {
		for (int i = 0; i < n; i++)
			if (t[i].state == TCP_LISTEN_ST && t[i].lport == x->port && t[i].rxq > 0)
				s->kind = STUCK_LISTENER;
		/* A client's unread bytes are judged once the accept is done. */
		return;
	}
	for (int k = 0; k < x->n; k++) {
		if (!x->cl[k]->live)
			continue;
		const struct tcp_ent *e = tcp_conn(t, n, x->port, x->cl[k]->port);
		if (e && e->rxq > 0) {
			s->kind = STUCK_UNWATCHED;
			s->k = k;
			return;
		}
	}
}

/* The same stuck state seen twice, CONFIRM_MS apart, nothing traced between. */
struct watch {
	struct stuck prev;
	long since;
	size_t nev;
};

static int stuck_confirmed(struct chat *x, struct watch *w, int for_accept)
{
	struct stuck cur;
	look(x, &cur, for_accept);
	size_t nev = trace_len(x->r);
	if (cur.kind == STUCK_NONE) {
		w->prev.kind = STUCK_NONE;
		return 0;
	}
	if (cur.kind == w->prev.kind && cur.k == w->prev.k && cur.nr == w->prev.nr &&
	    nev == w->nev) {
		if (now_ms() - w->since >= CONFIRM_MS)
			return 1;
		return 0;
	}
	w->prev = cur;
	w->since = now_ms();
	w->nev = nev;
	return 0;
}

static const char *nr_name(long nr)
{
	if (nr_is_recv(nr))
		return nr == SYS_read ? "read" : "recv";
	if (nr_is_accept(nr))
		return "accept";
#ifdef SYS_select
	if (nr == SYS_select)
		return "select";
#endif
	return nr == SYS_pselect6 ? "select" : "poll";
}

/* Waits for the server's accept() of client k.  0, or -1 with the check failed. */
static int wait_accepted(struct chat *x, int k)
{
	struct check *c = x->c;
	struct run *r = x->r;
	struct cl *u = x->cl[k];
	struct watch w = { .prev = { .kind = STUCK_NONE } };
	long deadline = now_ms() + WAIT_MS;
	for (;;) {
		struct srv_conn st;
		srv_conn(r, u->port, &st);
		if (st.found) {
			u->live = 1;
			return 0;
		}
		if (server_ended(r))
			return judge_ended(x);
		if (stuck_confirmed(x, &w, 1)) {
			if (judge_forked(x))
				return -1;
			if (w.prev.kind == STUCK_LISTENER)
				check_fail(c, r, "listener_unwatched", who(x, k), nr_name(w.prev.nr), NULL);
			else
				check_fail(c, r, "held_accept", who(x, w.prev.k), who(x, k),
					   nr_name(w.prev.nr), NULL);
			return -1;
		}
		if (now_ms() >= deadline) {
			if (judge_forked(x))
				return -1;
			const char *call = run_blocked_call(r);
			check_fail(c, r, call ? "noaccept" : "noaccept_hang", who(x, k), call, NULL);
			return -1;
		}
		wait_event(r, LOOK_MS);
	}
}

static struct cl *cl_new(int id)
{
	struct cl *u = xcalloc(1, sizeof *u);
	u->fd = -1;
	u->id = id;
	u->sent = xmalloc(CHAT_STREAM);
	u->want = xmalloc(CHAT_STREAM);
	u->got = xmalloc(CHAT_STREAM + DRAIN_ROOM);
	return u;
}

/* Connects a new client and waits for its accept.  Its index, or -1. */
static int chat_join(struct chat *x)
{
	struct check *c = x->c;
	if (x->n == CHAT_MAX) {
		check_fail(c, NULL, "internal.runs", NULL);
		return -1;
	}
	int k = x->n;
	struct cl *u = cl_new(k + 1);
	x->cl[x->n++] = u;
	u->fd = peer_connect(x->r, x->port);
	if (u->fd < 0) {
		int e = errno;
		if (e == ECONNREFUSED)
			run_wait_end(x->r, 1000);
		if (server_ended(x->r))
			return judge_ended(x);
		check_fail(c, x->r, "noconnect", who(x, k), check_str(c, "%s", strerror(e)), NULL);
		return -1;
	}
	u->port = peer_port_of(u->fd);
	return wait_accepted(x, k) < 0 ? -1 : k;
}

/* Starts the server and connects n clients.  0, or -1 with the check failed. */
static int chat_start(struct chat *x, struct check *c, struct spawn *s, int n)
{
	memset(x, 0, sizeof *x);
	x->c = c;
	x->r = upper_start(c, s, &x->port);
	if (!x->r)
		return -1;
	for (int i = 0; i < n; i++)
		if (chat_join(x) < 0)
			return -1;
	return 0;
}

static void chat_free(struct chat *x)
{
	for (int k = 0; k < x->n; k++) {
		struct cl *u = x->cl[k];
		if (u->fd >= 0)
			peer_close(x->r, u->fd);
		free(u->sent);
		free(u->want);
		free(u->got);
		free(u->segs);
		free(u);
	}
	x->n = 0;
}

static void owe(struct cl *u, const unsigned char *line, size_t len, int from)
{
	if (len > CHAT_STREAM - u->nwant)
		len = CHAT_STREAM - u->nwant;
	if (u->nsegs == u->capsegs) {
		u->capsegs = u->capsegs ? 2 * u->capsegs : 16;
		u->segs = xrealloc(u->segs, (size_t)u->capsegs * sizeof *u->segs);
	}
	u->segs[u->nsegs++] = (struct seg){ u->nwant, len, from };
	memcpy(u->want + u->nwant, line, len);
	u->nwant += len;
}

/*
 * Client k sends len bytes (in pieces of at most piece bytes); every line
 * they complete is owed to every other client the server has accepted.
 */
static int chat_say(struct chat *x, int k, const void *buf, size_t len, size_t piece)
{
	struct cl *u = x->cl[k];
	if (len > CHAT_STREAM - u->nsent)
		len = CHAT_STREAM - u->nsent;
	size_t from = u->nsent;
	memcpy(u->sent + u->nsent, buf, len);
	u->nsent += len;
	for (size_t i = from; i < u->nsent; i++) {
		if (u->sent[i] != '\n')
			continue;
		for (int j = 0; j < x->n; j++)
			if (j != k && x->cl[j]->live)
				owe(x->cl[j], u->sent + u->line_start, i + 1 - u->line_start, k);
		u->line_start = i + 1;
	}
	enum peer_io s = peer_send(x->r, u->fd, buf, len, piece);
	if (s == PEER_OK)
		return 0;
	if (s == PEER_ENDED || server_ended(x->r))
		return judge_ended(x);
	check_fail(x->c, x->r, "send_failed", who(x, k), check_str(x->c, "%s", strerror(errno)),
		   NULL);
	return -1;
}

/* Client k leaves: a normal close, or a reset (SO_LINGER 0, then close). */
static void chat_leave(struct chat *x, int k, int reset)
{
	struct cl *u = x->cl[k];
	if (u->fd < 0)
		return;
	if (reset) {
		struct linger lg = { .l_onoff = 1, .l_linger = 0 };
		setsockopt(u->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
		int ret = close(u->fd);
		run_note(x->r, "close", u->fd, ret, 0, "", 0, NULL);
	} else {
		peer_close(x->r, u->fd);
	}
	u->fd = -1;
	u->live = 0;
}

/* ---- judging what a client received ---- */

/* The line of u's expected stream that holds byte i, or -1. */
static int seg_at(const struct cl *u, size_t i)
{
	for (int s = 0; s < u->nsegs; s++)
		if (i >= u->segs[s].off && i < u->segs[s].off + u->segs[s].len)
			return s;
	return -1;
}

/* Does got (n bytes) start like data (len bytes), over at least min(len, 4)? */
static int starts_like(const unsigned char *got, size_t n, const unsigned char *data, size_t len)
{
	size_t m = n < len ? n : len;
	size_t need = len < 4 ? len : 4;
	return m >= need && m > 0 && !memcmp(got, data, m);
}

/* A complete line client k sent that got starts like, or NULL. */
static const unsigned char *own_line(const struct cl *u, const unsigned char *got, size_t n,
				     size_t *len)
{
	size_t a = 0;
	for (size_t i = 0; i < u->line_start; i++) {
		if (u->sent[i] != '\n')
			continue;
		if (starts_like(got, n, u->sent + a, i + 1 - a)) {
			*len = i + 1 - a;
			return u->sent + a;
		}
		a = i + 1;
	}
	return NULL;
}

/* Reads what more may come to client k, a little while, for the diagnosis. */
static void read_more(struct chat *x, int k, size_t room)
{
	struct cl *u = x->cl[k];
	if (u->fd < 0)
		return;
	size_t cap = CHAT_STREAM + DRAIN_ROOM - u->ngot;
	if (room > cap)
		room = cap;
	size_t g = 0;
	peer_recv(x->r, u->fd, u->got + u->ngot, room, &g, 0, 300);
	u->ngot += g;
}

static void *find_bytes(const unsigned char *hay, size_t n, const unsigned char *needle, size_t m)
{
	return m ? memmem(hay, n, needle, m) : NULL;
}

/*
 * A send of the server to client port that moved fewer bytes than asked
 * and ended at byte pos of what that client received: the rest of it never
 * followed (a loop sends the rest next).  1 with *ret, *len set, else 0.
 */
static int short_send_at(struct run *r, int port, size_t pos, long *ret, long *len)
{
	int found = 0;
	pthread_mutex_lock(&r->mu);
	struct srv_conn st;
	srv_conn_locked(r, port, &st);
	size_t ai = 0;
	for (size_t i = 0; st.found && i < r->nev; i++) {
		const struct trace_ev *e = &r->ev[i];
		char ip[64];
		int p;
		if (e->side == SIDE_PROGRAM && e->phase == 'X' && e->ret == st.fd && is_accept(e->call) &&
		    trace_addr_split(e->addr, ip, sizeof ip, &p) == 0 && p == port)
			ai = i;
	}
	size_t cum = 0;
	for (size_t i = ai + 1; st.found && i < r->nev && !found; i++) {
		const struct trace_ev *e = &r->ev[i];
		if (e->side != SIDE_PROGRAM || e->phase != 'X' || e->fd != st.fd)
			continue;
		if (!strcmp(e->call, "close") && e->ret == 0)
			break;
		if (!trace_is_send(e->call) || e->ret <= 0)
			continue;
		cum += (size_t)e->ret;
		if (e->len >= 0 && e->ret < e->len && cum == pos) {
			*ret = e->ret;
			*len = e->len;
			found = 1;
		}
	}
	pthread_mutex_unlock(&r->mu);
	return found;
}

/* Did the server send exactly these bytes (an unfinished line) in one call? */
static int sent_alone(struct run *r, const unsigned char *data, size_t len)
{
	int found = 0;
	size_t m = len < TRACE_DATA_MAX ? len : TRACE_DATA_MAX;
	pthread_mutex_lock(&r->mu);
	for (size_t i = 0; i < r->nev && !found; i++) {
		const struct trace_ev *e = &r->ev[i];
		found = e->side == SIDE_PROGRAM && e->phase == 'X' && trace_is_send(e->call) &&
			e->ret == (long)len && e->datalen >= (int)m && !memcmp(e->data, data, m);
	}
	pthread_mutex_unlock(&r->mu);
	return found;
}

static size_t min_size(size_t a, size_t b)
{
	return a < b ? a : b;
}

/* Client k received a byte it should not have at i.  Fails; returns -1. */
static int judge_mismatch(struct chat *x, int k, size_t i)
{
	struct check *c = x->c;
	struct run *r = x->r;
	struct cl *u = x->cl[k];
	int s = seg_at(u, i);
	const struct seg *sg = s >= 0 ? &u->segs[s] : NULL;
	if (judge_forked(x))
		return -1;
	read_more(x, k, sg ? sg->len + 128 : DRAIN_ROOM);
	const unsigned char *g = u->got + i;
	size_t ng = u->ngot - i;
	long sret, slen;
	if (short_send_at(r, u->port, i, &sret, &slen)) {
		check_fail(c, r, "shortsend", who(x, k), check_str(c, "%ld", sret),
			   check_str(c, "%ld", slen), NULL);
		return -1;
	}
	size_t olen = 0;
	const unsigned char *own = own_line(u, g, ng, &olen);
	if (own) {
		check_fail(c, r, "echo", who(x, k), check_quote(c, own, olen), NULL);
		return -1;
	}
	if (i > 0 && g[0] == '\0' && u->got[i - 1] == '\n') {
		int p = seg_at(u, i - 1);
		check_fail(c, r, "nul", who(x, k), who(x, p >= 0 ? u->segs[p].from : k), NULL);
		return -1;
	}
	for (int j = 0; j < x->n; j++) {
		/* The unfinished line of a client (k itself included) came first. */
		const struct cl *h = x->cl[j];
		size_t plen = h->nsent - h->line_start;
		const unsigned char *part = h->sent + h->line_start;
		if (plen == 0 || ng == 0 || (!sg && j == k) || memcmp(g, part, min_size(ng, plen)))
			continue;
		const char *pq = check_quote(c, part, plen);
		if (j != k && sent_alone(r, part, plen))
			check_fail(c, r, "piece", who(x, k), who(x, j), pq, NULL);
		else
			check_fail(c, r, "mixed", who(x, k), who(x, sg ? sg->from : j), pq, who(x, j),
				   NULL);
		return -1;
	}
	if (!sg) {
		check_fail(c, r, "unexpected", who(x, k), check_quote(c, g, ng), NULL);
		return -1;
	}
	const unsigned char *line = u->want + sg->off;
	const char *from = who(x, sg->from);
	const char *lq = check_quote(c, line, sg->len);
	const unsigned char *at = u->got + sg->off;
	size_t nat = u->ngot - sg->off;
	const char *gq = check_quote(c, at, min_size(nat, sg->len));
	if (u->want[i] == '\n' && ng > 0 && i + 1 < u->nwant && g[0] == u->want[i + 1]) {
		check_fail(c, r, "nonl", who(x, k), from, lq, NULL);
		return -1;
	}
	if (u->want[i] >= 'a' && u->want[i] <= 'z' && g[0] == u->want[i] - 'a' + 'A') {
		check_fail(c, r, "uppercase", who(x, k), from, lq, gq, NULL);
		return -1;
	}
	for (int p = 0; p < s; p++) {
		const struct seg *q = &u->segs[p];
		if (i == sg->off && starts_like(g, ng, u->want + q->off, q->len)) {
			check_fail(c, r, "again", who(x, k), check_quote(c, u->want + q->off, q->len),
				   NULL);
			return -1;
		}
	}
	/* Only the end of the line came: its start was lost. */
	for (size_t j = i - sg->off + 1; i == sg->off && j < sg->len; j++) {
		if (ng >= sg->len - j && !memcmp(g, line + j, sg->len - j)) {
			check_fail(c, r, "tail", who(x, k), from, lq,
				   check_quote(c, g, sg->len - j), NULL);
			return -1;
		}
	}
	const unsigned char *found = find_bytes(at, nat, line, sg->len);
	if (found && found > at) {
		check_fail(c, r, "prefixed", who(x, k), from, check_quote(c, at, (size_t)(found - at)),
			   lq, NULL);
		return -1;
	}
	check_fail(c, r, "wrong", who(x, k), from, lq, gq, NULL);
	return -1;
}

/* Another client (not k) that received the same line of the same sender, or -1. */
static int got_same(struct chat *x, int k, const struct seg *sg)
{
	const unsigned char *line = x->cl[k]->want + sg->off;
	for (int j = 0; j < x->n; j++) {
		const struct cl *v = x->cl[j];
		if (j == k || j == sg->from || !v->want)
			continue;
		for (int q = 0; q < v->nsegs; q++) {
			const struct seg *t = &v->segs[q];
			if (t->from == sg->from && t->len == sg->len && v->ngot >= t->off + t->len &&
			    !memcmp(v->want + t->off, line, t->len))
				return j;
		}
	}
	return -1;
}

/* Client k did not receive all it is owed.  Fails; returns -1. */
static int judge_short(struct chat *x, int k)
{
	struct check *c = x->c;
	struct run *r = x->r;
	struct cl *u = x->cl[k];
	if (u->io == PEER_ENDED || server_ended(r))
		return judge_ended(x);
	if (judge_forked(x))
		return -1;
	int s = seg_at(u, u->ngot);
	const struct seg *sg = &u->segs[s < 0 ? u->nsegs - 1 : s];
	struct cl *f = x->cl[sg->from];
	const char *lq = check_quote(c, u->want + sg->off, sg->len);
	struct srv_conn sf;
	srv_conn(r, f->port, &sf);
	const char *call = run_blocked_call(r);
	long sret, slen;
	int j;
	if (u->io == PEER_CLOSED || u->io == PEER_ERROR) {
		check_fail(c, r, u->err == ECONNRESET ? "reset" : "closed", who(x, k), who(x, sg->from),
			   lq, NULL);
	} else if (short_send_at(r, u->port, u->ngot, &sret, &slen)) {
		check_fail(c, r, "shortsend", who(x, k), check_str(c, "%ld", sret),
			   check_str(c, "%ld", slen), NULL);
	} else if (sf.found && sf.rx < (long)f->nsent) {
		check_fail(c, r, call ? "unread" : "unread_hang", who(x, sg->from), who(x, k), lq, call,
			   NULL);
	} else if (u->ngot > sg->off) {
		check_fail(c, r, "partial", who(x, k), who(x, sg->from),
			   check_str(c, "%zu", u->ngot - sg->off), check_str(c, "%zu", sg->len), lq,
			   NULL);
	} else if ((j = got_same(x, k, sg)) >= 0) {
		check_fail(c, r, "norelay_some", who(x, sg->from), who(x, k), lq, who(x, j), NULL);
	} else {
		check_fail(c, r, call ? "norelay" : "norelay_hang", who(x, sg->from), who(x, k), lq,
			   call, NULL);
	}
	return -1;
}

/* The server was seen stuck while client k waited.  Fails; returns -1. */
static int judge_stuck(struct chat *x, const struct stuck *s, int k)
{
	struct check *c = x->c;
	struct run *r = x->r;
	struct cl *u = x->cl[k];
	int sgi = seg_at(u, u->ngot);
	const struct seg *sg = &u->segs[sgi < 0 ? u->nsegs - 1 : sgi];
	const char *call = nr_name(s->nr);
	if (judge_forked(x))
		return -1;
	if (s->kind == STUCK_RECV) {
		const struct cl *h = x->cl[s->k];
		size_t plen = h->nsent - h->line_start;
		if (plen > 0)
			check_fail(c, r, "held", who(x, s->k), who(x, sg->from), who(x, k), call,
				   check_quote(c, h->sent + h->line_start, plen), NULL);
		else
			check_fail(c, r, "held_silent", who(x, s->k), who(x, sg->from), who(x, k), call,
				   NULL);
	} else if (s->kind == STUCK_ACCEPT) {
		check_fail(c, r, "accept_blocks", who(x, sg->from), who(x, k), NULL);
	} else {
		check_fail(c, r, "unwatched", who(x, s->k), call, NULL);
	}
	return -1;
}

/* Compares what client k received so far; -1 (failed) on a wrong byte. */
static int check_got(struct chat *x, int k)
{
	struct cl *u = x->cl[k];
	for (; u->checked < u->ngot; u->checked++)
		if (u->checked >= u->nwant || u->got[u->checked] != u->want[u->checked])
			return judge_mismatch(x, k, u->checked);
	return 0;
}

/*
 * Every live client receives what it is owed, and nothing else.  0, or -1
 * with the check failed.
 */
static int chat_collect(struct chat *x)
{
	struct run *r = x->r;
	struct watch w = { .prev = { .kind = STUCK_NONE } };
	long deadline = now_ms() + WAIT_MS;
	for (;;) {
		int first_short = -1;
		for (int k = 0; k < x->n; k++) {
			struct cl *u = x->cl[k];
			if (!u->live)
				continue;
			int owed = u->ngot < u->nwant;
			size_t want = owed ? u->nwant - u->ngot : DRAIN_ROOM;
			size_t g = 0;
			enum peer_io s = peer_recv(r, u->fd, u->got + u->ngot, want, &g, 0,
						   owed ? LOOK_MS : 0);
			int e = errno;
			u->ngot += g;
			if (check_got(x, k) < 0)
				return -1;
			if (s == PEER_CLOSED || s == PEER_ERROR) {
				u->io = s;
				u->err = s == PEER_ERROR || g == 0 ? e : 0;
				if (server_ended(r))
					return judge_ended(x);
				if (!owed) {
					/* Closed while owed nothing: it is owed a future line. */
					check_fail(x->c, r, u->err == ECONNRESET ? "reset_idle" : "closed_idle",
						   who(x, k), NULL);
					return -1;
				}
				return judge_short(x, k);
			}
			if (s == PEER_ENDED)
				return judge_ended(x);
			if (u->ngot < u->nwant) {
				if (s == PEER_STALL) {
					u->io = s;
					return judge_short(x, k);
				}
				if (first_short < 0)
					first_short = k;
			}
		}
		if (first_short < 0)
			return 0;
		if (stuck_confirmed(x, &w, 0))
			return judge_stuck(x, &w.prev, first_short);
		if (now_ms() >= deadline) {
			x->cl[first_short]->io = PEER_TIMEOUT;
			return judge_short(x, first_short);
		}
	}
}

/* Client k says a line of len random bytes ('\n' last), in pieces. */
static int say_line(struct chat *x, int k, size_t len, size_t piece)
{
	char line[UPPER_LINE_MAX];
	upper_random_line(line, len);
	return chat_say(x, k, line, len, piece);
}

/* Client k says a line, and every other client must receive it. */
static int say_collect(struct chat *x, int k, size_t len, size_t piece)
{
	if (say_line(x, k, len, piece) < 0)
		return -1;
	return chat_collect(x);
}

static size_t rand_len(long lo, long hi)
{
	return (size_t)peer_random(lo, hi);
}

/* Waits until the server has received every byte client k sent (bounded). */
static void wait_server_rx(struct chat *x, int k)
{
	struct run *r = x->r;
	struct cl *u = x->cl[k];
	long deadline = now_ms() + WAIT_MS;
	while (now_ms() < deadline && !server_ended(r)) {
		struct srv_conn st;
		pthread_mutex_lock(&r->mu);
		srv_conn_locked(r, u->port, &st);
		int stalled = run_stalled_locked(r);
		pthread_mutex_unlock(&r->mu);
		if (st.rx >= (long)u->nsent || stalled)
			return;
		wait_event(r, LOOK_MS);
	}
}

/*
 * Waits (bounded) until the server has seen client k leave: a receive on its
 * socket returned 0 or -1, or it closed it; or the server stalled or ended.
 */
static void wait_server_read_end(struct chat *x, int k)
{
	struct run *r = x->r;
	int port = x->cl[k]->port;
	long deadline = now_ms() + WAIT_MS;
	while (now_ms() < deadline) {
		int seen = 0;
		pthread_mutex_lock(&r->mu);
		struct srv_conn st;
		srv_conn_locked(r, port, &st);
		long pid = r->pid;
		size_t start = 0;
		for (size_t i = 0; st.found && i < r->nev; i++) {
			const struct trace_ev *e = &r->ev[i];
			char ip[64];
			int p;
			if (e->side != SIDE_PROGRAM || e->phase != 'X')
				continue;
			if (is_accept(e->call) && e->ret == st.fd &&
			    trace_addr_split(e->addr, ip, sizeof ip, &p) == 0 && p == port)
				start = i;
			else if (start && e->pid == pid && e->fd == st.fd &&
				 ((trace_is_recv(e->call) && e->ret <= 0 && !e->inj[0]) ||
				  !strcmp(e->call, "close")))
				seen = 1;
		}
		int done = seen || !st.found || run_stalled_locked(r) || r->end != RUN_RUNNING ||
			   r->collector_done;
		pthread_mutex_unlock(&r->mu);
		if (done)
			return;
		wait_event(r, LOOK_MS);
	}
}

/* ---- the checks ---- */

static void chk_usage(struct check *c)
{
	check_common_usage(c);
}

/* Two clients: lines both ways, each to the other only. */
static void chk_two_clients(struct check *c)
{
	struct spawn s = { .args = { NULL } };
	struct chat x;
	if (chat_start(&x, c, &s, 2) == 0) {
		for (int i = 0; i < 6 && !c->failed; i++)
			say_collect(&x, i % 2, rand_len(5, 100), 0);
	}
	chat_free(&x);
}

static void chk_three_clients(struct check *c)
{
	struct spawn s = { .args = { NULL } };
	struct chat x;
	if (chat_start(&x, c, &s, 3) == 0) {
		static const int order[] = { 0, 1, 2, 0, 2, 1 };
		for (size_t i = 0; i < sizeof order / sizeof order[0] && !c->failed; i++)
			say_collect(&x, order[i], rand_len(5, 100), 0);
	}
	chat_free(&x);
}

/* The server's recv() returns at most 3 bytes; lines come in pieces of 5. */
static void chk_pieces(struct check *c)
{
	struct spawn s = { .args = { NULL }, .cap_recv = 3 };
	struct chat x;
	if (chat_start(&x, c, &s, 3) == 0) {
		static const int order[] = { 0, 0, 1, 2, 1 };
		for (size_t i = 0; i < sizeof order / sizeof order[0] && !c->failed; i++)
			say_collect(&x, order[i], rand_len(12, 90), 5);
	}
	chat_free(&x);
}

/* Several lines in one send(): each is relayed. */
static void chk_batch(struct check *c)
{
	struct spawn s = { .args = { NULL } };
	struct chat x;
	if (chat_start(&x, c, &s, 3) == 0) {
		char buf[8 * 60];
		for (int k = 0; k < 3 && !c->failed; k++) {
			size_t len = upper_random_lines(buf, 6, 2, 60);
			if (chat_say(&x, k, buf, len, 0) == 0)
				chat_collect(&x);
		}
	}
	chat_free(&x);
}

/*
 * Client 1 sends half a line and waits; clients 2 and 3 go on chatting
 * (client 1 receives their lines too), then client 1 ends its line.
 */
static void chk_half_line(struct check *c)
{
	struct spawn s = { .args = { NULL } };
	struct chat x;
	if (chat_start(&x, c, &s, 3) == 0 && say_collect(&x, 1, rand_len(5, 40), 0) == 0) {
		char line[UPPER_LINE_MAX];
		size_t len = rand_len(20, 60), half = len / 2;
		upper_random_line(line, len);
		if (chat_say(&x, 0, line, half, 0) == 0) {
			wait_server_rx(&x, 0);
			if (say_collect(&x, 1, rand_len(5, 60), 0) == 0 &&
			    say_collect(&x, 2, rand_len(5, 60), 0) == 0 &&
			    chat_say(&x, 0, line + half, len - half, 0) == 0 && chat_collect(&x) == 0)
				say_collect(&x, 2, rand_len(5, 60), 0);
		}
	}
	chat_free(&x);
}

/* The server's send() moves at most 3 bytes: relayed lines still arrive whole. */
static void chk_short_send(struct check *c)
{
	struct spawn s = { .args = { NULL }, .cap_send = 3 };
	struct chat x;
	if (chat_start(&x, c, &s, 3) == 0) {
		static const int order[] = { 0, 1, 2, 0 };
		for (size_t i = 0; i < sizeof order / sizeof order[0] && !c->failed; i++)
			say_collect(&x, order[i], rand_len(10, 80), 0);
	}
	chat_free(&x);
}

/* Waits (bounded) until the kernel shows what we want of the server's sockets. */
static void wait_kernel(struct chat *x, int reset_port, int data_port, unsigned long bytes)
{
	static __thread struct tcp_ent t[TCP_MAX_ENT];
	long deadline = now_ms() + 1000;
	while (now_ms() < deadline) {
		int n = tcp_table(t, TCP_MAX_ENT);
		const struct tcp_ent *gone = tcp_conn(t, n, x->port, reset_port);
		const struct tcp_ent *data = tcp_conn(t, n, x->port, data_port);
		if (!gone && (!data || data->rxq >= bytes))
			return;
		struct timespec ts = { 0, 2 * 1000000L };
		nanosleep(&ts, NULL);
	}
}

/*
 * Client 2 resets its connection while the server is stopped, and client 1
 * sends many lines at once: when the server goes on, it relays them to the
 * reset connection before it reads the reset.  The others must go on.
 */
static void chk_abrupt(struct check *c)
{
	struct spawn s = { .args = { NULL } };
	struct chat x;
	if (chat_start(&x, c, &s, 3) < 0 || say_collect(&x, 0, rand_len(5, 40), 0) < 0 ||
	    say_collect(&x, 1, rand_len(5, 40), 0) < 0) {
		chat_free(&x);
		return;
	}
	char buf[24 * 40];
	size_t len = upper_random_lines(buf, 24, 10, 40);
	run_stop(x.r);
	chat_leave(&x, 1, 1);
	int ok = chat_say(&x, 0, buf, len, 0) == 0;
	if (ok)
		wait_kernel(&x, x.cl[1]->port, x.cl[0]->port, len);
	kill(-x.r->pid, SIGCONT);
	if (!ok || chat_collect(&x) < 0 || say_collect(&x, 2, rand_len(5, 60), 0) < 0) {
		chat_free(&x);
		return;
	}
	/*
	 * Then a client resets while the server is idle: its recv() fails with
	 * ECONNRESET (the sends above took that error instead).
	 */
	int k = chat_join(&x);
	if (k >= 0 && say_collect(&x, k, rand_len(5, 60), 0) == 0) {
		chat_leave(&x, k, 1);
		wait_server_read_end(&x, k);
		if (chat_join(&x) >= 0 && say_collect(&x, 0, rand_len(5, 60), 0) == 0)
			say_collect(&x, x.n - 1, rand_len(5, 60), 0);
	}
	chat_free(&x);
}

/* One process, one thread: no fork(), no pthread_create(). */
static void chk_one_process(struct check *c)
{
	struct spawn s = { .args = { NULL } };
	struct chat x;
	int ok = chat_start(&x, c, &s, 2) == 0;
	const char *call = x.r ? server_forked(x.r) : NULL;
	if (call) {
		check_fail(c, x.r, "forked", call, NULL);
	} else if (ok && say_collect(&x, 0, rand_len(5, 60), 0) == 0 &&
		   say_collect(&x, 1, rand_len(5, 60), 0) == 0) {
		call = server_forked(x.r);
		if (call)
			check_fail(c, x.r, "forked", call, NULL);
	}
	chat_free(&x);
}

/*
 * Waits until the server holds at most limit descriptors, or it stalls
 * (then it has handled every end of connection); the last count, or -1.
 */
static int fds_settle(struct run *r, int limit)
{
	long deadline = now_ms() + 2000;
	for (;;) {
		int n = upper_fd_count(r->pid);
		if (n < 0 || n <= limit || now_ms() >= deadline)
			return n;
		pthread_mutex_lock(&r->mu);
		int stalled = run_stalled_locked(r);
		pthread_mutex_unlock(&r->mu);
		if (stalled)
			return upper_fd_count(r->pid);
		wait_event(r, LOOK_MS);
	}
}

/* Fifty clients come, say a line, and go: the server's descriptors stay few. */
static void chk_fds(struct check *c)
{
	struct spawn s = { .args = { NULL } };
	struct chat x;
	if (chat_start(&x, c, &s, 1) < 0) {
		chat_free(&x);
		return;
	}
	int base = upper_fd_count(x.r->pid);
	for (int i = 0; i < 50 && !c->failed; i++) {
		int k = chat_join(&x);
		if (k < 0 || say_collect(&x, k, rand_len(3, 30), 0) < 0)
			break;
		chat_leave(&x, k, 0);
		/*
		 * The next one comes once the server has seen this one leave:
		 * a line relayed to a client that left would come back as a
		 * reset, which is the business of the check abrupt.
		 */
		wait_server_read_end(&x, k);
		/* Its buffers are no longer needed. */
		free(x.cl[k]->want);
		free(x.cl[k]->got);
		x.cl[k]->want = x.cl[k]->got = NULL;
		x.cl[k]->nwant = x.cl[k]->ngot = 0;
		if (x.n == CHAT_MAX - 1)
			break;
	}
	if (!c->failed && base >= 0) {
		int n = fds_settle(x.r, base + 2);
		if (n > base + 2 && !judge_forked(&x))
			check_fail(c, x.r, "leak", check_str(c, "%d", n - base), NULL);
	}
	chat_free(&x);
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

/* The first accept() fails (ECONNABORTED): that client is lost, not the server. */
static void chk_accept_error(struct check *c)
{
	struct spawn s = {
		.args = { NULL },
		.fail = "accept:ECONNABORTED:1,accept4:ECONNABORTED:1",
	};
	struct chat x;
	if (chat_start(&x, c, &s, 2) == 0 && say_collect(&x, 0, rand_len(5, 60), 0) == 0)
		say_collect(&x, 1, rand_len(5, 60), 0);
	chat_free(&x);
}

static void chk_bad_port(struct check *c)
{
	check_common_bad_port(c, 0, 1, NULL);
}

const struct check_def ex_chat_server_checks[] = {
	{ "usage", chk_usage },
	{ "two-clients", chk_two_clients },
	{ "three-clients", chk_three_clients },
	{ "pieces", chk_pieces },
	{ "batch", chk_batch },
	{ "half-line", chk_half_line },
	{ "short-send", chk_short_send },
	{ "abrupt", chk_abrupt },
	{ "one-process", chk_one_process },
	{ "fds", chk_fds },
	{ "errors", chk_errors },
	{ "accept-error", chk_accept_error },
	{ "bad-port", chk_bad_port },
	{ NULL, NULL },
};
