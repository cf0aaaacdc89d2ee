/*
 * Checks of tcp-fork-server (SPEC §4, chapter 4): the line-uppercasing
 * server of tcp-iterative-server, one process per client.  The protocol is
 * played and judged by tutor/upper.c; this file adds what fork() brings: a
 * silent client delays nobody, the parent closes each client's socket, the
 * child the listening one, no child stays a zombie, a SIGCHLD that
 * interrupts accept() does not stop the server, a failed fork() does.
 *
 * What the processes of the server are doing is read in /proc (the state
 * of each thread, the system call it sleeps in, the descriptors a process
 * holds).  That is bounded polling to detect readiness ("the parent waits
 * in accept again", "the child has ended"), never a pause that decides a
 * verdict; the stub's trace says which process made which call.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <limits.h>
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
#include "upper.h"
#include "util.h"

#define POLL_MS 10		/* how often /proc is looked at again while waiting */
#define ZOMBIE_MS 1500		/* a zombie may last this long (SPEC: about 1 s) */
#define MAX_PROCS 128
#define NCLIENTS 3		/* clients served at once in the closing checks */

/* ---- /proc: the processes and threads of the run ---- */

/* Zombie children of pid. */
static int zombies_of(long pid)
{
	int n = upper_zombies((pid_t)pid);
	return n < 0 ? 0 : n;
}

/* The server's main thread sleeps in a system call (a signal would interrupt it). */
static int main_asleep(struct run *r, void *arg)
{
	(void)arg;
	struct upper_census cs;
	long self = r->pid;
	upper_census_of(r, &self, 1, &cs);
	return cs.main_doing >= UPPER_TIMED && cs.main_nr >= 0;
}

/* ---- the trace: who accepted, forked, closed what ---- */

struct after_accept {
	const struct upper_client *u;
	long child;		/* the pid fork() returned after that accept, or -1 */
};

/*
 * Has the process that accepted u forked, or gone on to its next blocking
 * call (so that a fork would be in the trace)?  Sets a->child.
 */
static int accept_settled(struct run *r, void *arg)
{
	struct after_accept *a = arg;
	long i = upper_accept_index(r, a->u);
	if (i < 0)
		return 0;
	int settled = 0;
	a->child = -1;
	pthread_mutex_lock(&r->mu);
	long pid = r->ev[i].pid;
	for (size_t k = (size_t)i + 1; k < r->nev && !settled; k++) {
		const struct trace_ev *e = &r->ev[k];
		if (e->side != SIDE_PROGRAM || e->pid != pid || e->tid != r->ev[i].tid)
			continue;
		if (e->phase == 'X' && !strcmp(e->call, "fork") && e->ret > 0) {
			a->child = e->ret;
			settled = 1;
		} else if (e->phase == 'E') {
			settled = 1;
		}
	}
	pthread_mutex_unlock(&r->mu);
	return settled;
}

/*
 * The child forked for client u (its process serves u), or -1 when the
 * server did not fork for it.  Waits until the parent is in its next call.
 */
static long child_of(struct run *r, const struct upper_client *u)
{
	struct after_accept a = { .u = u, .child = -1 };
	upper_wait_until(r, accept_settled, &a, WAIT_MS);
	return a.child;
}

/*
 * Has the process that accepted a->u gone on to its next blocking call (an
 * accept for the next client)?  By then it closed what it meant to close.
 */
static int parent_moved_on(struct run *r, void *arg)
{
	struct after_accept *a = arg;
	long i = upper_accept_index(r, a->u);
	if (i < 0)
		return 0;
	int moved = 0;
	pthread_mutex_lock(&r->mu);
	for (size_t k = (size_t)i + 1; k < r->nev && !moved; k++) {
		const struct trace_ev *e = &r->ev[k];
		moved = e->side == SIDE_PROGRAM && e->pid == r->ev[i].pid && e->tid == r->ev[i].tid &&
			e->phase == 'E';
	}
	pthread_mutex_unlock(&r->mu);
	return moved;
}

/* The fd of the server's listen(), or -1. */
static int listen_fd(struct run *r)
{
	int fd = -1;
	pthread_mutex_lock(&r->mu);
	for (size_t i = 0; i < r->nev && fd < 0; i++) {
		const struct trace_ev *e = &r->ev[i];
		if (e->side == SIDE_PROGRAM && e->phase == 'X' && e->pid == r->pid &&
		    !strcmp(e->call, "listen") && e->ret == 0)
			fd = e->fd;
	}
	pthread_mutex_unlock(&r->mu);
	return fd;
}

/* Did process pid close fd after trace index `from`? */
static int closed_by(struct run *r, long pid, int fd, long from)
{
	int found = 0;
	pthread_mutex_lock(&r->mu);
	for (size_t i = from < 0 ? 0 : (size_t)from; i < r->nev && !found; i++) {
		const struct trace_ev *e = &r->ev[i];
		found = e->side == SIDE_PROGRAM && e->phase == 'X' && e->pid == pid &&
			e->fd == fd && e->ret == 0 && !strcmp(e->call, "close");
	}
	pthread_mutex_unlock(&r->mu);
	return found;
}

/* The pid and tid of the event at index i. */
static long event_pid(struct run *r, long i)
{
	pthread_mutex_lock(&r->mu);
	long pid = r->ev[i].pid;
	pthread_mutex_unlock(&r->mu);
	return pid;
}

/* Did the server's accept() fail with EINTR? */
static int accept_interrupted(struct run *r)
{
	int found = 0;
	pthread_mutex_lock(&r->mu);
	for (size_t i = 0; i < r->nev && !found; i++) {
		const struct trace_ev *e = &r->ev[i];
		found = e->side == SIDE_PROGRAM && e->phase == 'X' && e->pid == r->pid &&
			(!strcmp(e->call, "accept") || !strcmp(e->call, "accept4")) &&
			e->ret < 0 && e->err == EINTR;
	}
	pthread_mutex_unlock(&r->mu);
	return found;
}

/* The inode of the socket process pid holds as fd, or 0. */
static unsigned long fd_inode(long pid, int fd)
{
	char path[64], link[64];
	snprintf(path, sizeof path, "/proc/%ld/fd/%d", pid, fd);
	ssize_t n = readlink(path, link, sizeof link - 1);
	if (n <= 0)
		return 0;
	link[n] = '\0';
	unsigned long ino = 0;
	if (sscanf(link, "socket:[%lu]", &ino) != 1)
		return 0;
	return ino;
}

/* Does process pid hold the socket of that inode? */
static int holds_inode(long pid, unsigned long ino)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%ld/fd", pid);
	DIR *d = opendir(path);
	if (!d)
		return 0;
	int found = 0;
	struct dirent *e;
	while (!found && (e = readdir(d))) {
		char *end;
		long fd = strtol(e->d_name, &end, 10);
		if (!*end && fd >= 0 && fd <= INT_MAX)
			found = fd_inode(pid, (int)fd) == ino;
	}
	closedir(d);
	return found;
}

/* ---- the judging shared by the checks ---- */

static const char *stderr_quote(struct check *c, struct run *r)
{
	char *err = check_stderr(r);
	const char *q = check_quote(c, err, strlen(err));
	free(err);
	return q;
}

/*
 * The server ended while it should serve forever: says why (accept
 * interrupted by SIGCHLD, a crash...).  Returns 1 when it had ended.
 */
static int judge_ended(struct check *c, struct run *r, const char *what)
{
	if (!upper_run_ended(r))
		return 0;
	run_wait_end(r, WAIT_MS);
	if (accept_interrupted(r))
		check_fail(c, r, "accept_eintr", what, stderr_quote(c, r), NULL);
	else if (!check_abnormal(c, r))
		check_fail(c, r, "upper.ended", what, check_str(c, "%d", r->status), NULL);
	return 1;
}

/* Connects client n, or fails the check.  NULL then. */
static struct upper_client *connect_client(struct check *c, struct run *r, int port, int n)
{
	struct upper_client *u = upper_connect(r, port);
	if (u)
		return u;
	const char *what = upper_what(c, n);
	if (!judge_ended(c, r, what))
		check_fail(c, r, "upper.noconnect", what, check_str(c, "%s", strerror(errno)), NULL);
	return NULL;
}

/* Why was client `what` not served while the others held their connections? */
static void judge_held(struct check *c, struct run *r, const char *what, const char *want)
{
	struct upper_census cs;
	long self = r->pid;
	upper_census_of(r, &self, 1, &cs);
	const char *made = upper_forked(r);
	if (!made)
		check_fail(c, r, "iterative", what, NULL);
	else if (strcmp(made, want))
		check_fail(c, r, "wrong_kind", what, made, want, NULL);
	else if (cs.main_nr == SYS_wait4 || cs.main_nr == SYS_waitid)
		check_fail(c, r, "waits_child", what, NULL);
	else
		check_fail(c, r, "upper.held", what, "?", NULL);
}

/* Client u sends `lines` random lines, one at a time, each answered in full. */
static int serve_lines(struct check *c, struct run *r, struct upper_client *u, int n,
		       int lines)
{
	const char *what = upper_what(c, n);
	for (int i = 0; i < lines; i++) {
		char line[64];
		size_t len = (size_t)peer_random(8, (long)sizeof line);
		upper_random_line(line, len);
		upper_send(u, line, len, 0);
		if (upper_recv_or_held(r, u)) {
			judge_held(c, r, what, "fork");
			return -1;
		}
		if (u->ngot != u->nsent && judge_ended(c, r, what))
			return -1;
		if (upper_judge(c, u, what) < 0)
			return -1;
	}
	return 0;
}

/* ---- the checks ---- */

static void chk_usage(struct check *c)
{
	check_common_usage(c);
}

/* One client, lines of every length, one at a time. */
static void chk_upper(struct check *c)
{
	struct spawn s = { .args = { NULL } };
	int port;
	struct run *r = upper_start(c, &s, &port);
	if (!r)
		return;
	struct upper_client *u = connect_client(c, r, port, 1);
	if (!u)
		return;
	static const size_t lens[] = { 1, 2, 17, 80, 300, UPPER_LINE_MAX };
	char line[UPPER_LINE_MAX];
	for (size_t i = 0; i < sizeof lens / sizeof lens[0] && !c->failed; i++) {
		upper_random_line(line, lens[i]);
		upper_exchange(u, line, lens[i], 0, WAIT_MS);
		if (u->ngot != u->nsent && judge_ended(c, r, upper_what(c, 1)))
			break;
		upper_judge(c, u, upper_what(c, 1));
	}
	upper_free(u);
}

/* Lines cut in pieces, several lines at once, and recv() capped to 3 bytes. */
static void chk_pieces(struct check *c)
{
	struct spawn s = { .args = { NULL }, .cap_recv = 3 };
	int port;
	struct run *r = upper_start(c, &s, &port);
	if (!r)
		return;
	struct upper_client *u = connect_client(c, r, port, 1);
	if (!u)
		return;
	char buf[8 * 100];
	size_t len = upper_random_lines(buf, 3, 20, 100);
	upper_exchange(u, buf, len, 7, WAIT_MS);
	if (u->ngot != u->nsent && judge_ended(c, r, upper_what(c, 1)))
		goto out;
	if (upper_judge(c, u, upper_what(c, 1)) < 0)
		goto out;
	len = upper_random_lines(buf, 6, 5, 40);
	upper_exchange(u, buf, len, 0, WAIT_MS);
	if (u->ngot != u->nsent && judge_ended(c, r, upper_what(c, 1)))
		goto out;
	upper_judge(c, u, upper_what(c, 1));
out:
	upper_free(u);
}

/* send() moves at most 2 bytes at a time: the rest must follow. */
static void chk_short_send(struct check *c)
{
	struct spawn s = { .args = { NULL }, .cap_send = 2 };
	int port;
	struct run *r = upper_start(c, &s, &port);
	if (!r)
		return;
	struct upper_client *u = connect_client(c, r, port, 1);
	if (!u)
		return;
	char line[200];
	for (int i = 0; i < 3 && !c->failed; i++) {
		size_t len = (size_t)peer_random(50, (long)sizeof line);
		upper_random_line(line, len);
		upper_exchange(u, line, len, 0, WAIT_MS);
		if (u->ngot == u->nsent || !judge_ended(c, r, upper_what(c, 1)))
			upper_judge(c, u, upper_what(c, 1));
	}
	upper_free(u);
}

/*
 * Client 1 connects and sends nothing, client 2 sends half a line, then
 * client 3 must be served in full; then 2 and 1 are served too, and the
 * trace must show fork().
 */
static void chk_concurrent(struct check *c)
{
	struct spawn s = { .args = { NULL } };
	int port;
	struct run *r = upper_start(c, &s, &port);
	if (!r)
		return;
	struct upper_client *u[3] = { NULL, NULL, NULL };
	char half[64];
	for (int i = 0; i < 3; i++)
		if (!(u[i] = connect_client(c, r, port, i + 1)))
			goto out;
	upper_random_line(half, 30);
	upper_send(u[1], half, 12, 0);
	if (serve_lines(c, r, u[2], 3, 3) < 0)
		goto out;
	/* The two that waited are served too. */
	upper_exchange(u[1], half + 12, 18, 0, WAIT_MS);
	if (u[1]->ngot != u[1]->nsent && judge_ended(c, r, upper_what(c, 2)))
		goto out;
	if (upper_judge(c, u[1], upper_what(c, 2)) < 0)
		goto out;
	if (serve_lines(c, r, u[0], 1, 2) < 0)
		goto out;
	upper_trace_flush(r);
	const char *made = upper_forked(r);
	if (!made)
		check_fail(c, r, "nofork", NULL);
	else if (strcmp(made, "fork"))
		check_fail(c, r, "wrong_kind", upper_what(c, 3), made, "fork", NULL);
out:
	for (int i = 0; i < 3; i++)
		upper_free(u[i]);
}

/* Receives what is there on u's socket; 1 at the end of the connection. */
static int drain_eof(struct run *r, struct upper_client *u, int *eof)
{
	for (;;) {
		unsigned char buf[4096];
		ssize_t n = recv(u->fd, buf, sizeof buf, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		int e = errno;
		run_note(r, "recv", u->fd, n, n < 0 ? e : 0, buf, n, NULL);
		if (n <= 0) {
			*eof = n == 0 || e == ECONNRESET;
			return 1;
		}
		size_t room = UPPER_STREAM_MAX - u->ngot, k = (size_t)n < room ? (size_t)n : room;
		memcpy(u->got + u->ngot, buf, k);
		u->ngot += k;
	}
}

/*
 * Ends client u as upper_finish does (shutdown, then the server must close
 * its side), but goes on waiting while a child may still close it after
 * the parent ended.  PEER_CLOSED when the server closed, PEER_STALL when
 * nobody of the server can close it any more.  Our socket is closed then.
 */
static enum peer_io finish_client(struct run *r, struct upper_client *u)
{
	int ret = shutdown(u->fd, SHUT_WR);
	run_note(r, "shutdown", u->fd, ret, ret < 0 ? errno : 0, "", 0, NULL);
	long deadline = now_ms() + WAIT_MS;
	enum peer_io io = PEER_TIMEOUT;
	int eof = 0;
	while (now_ms() < deadline) {
		if (drain_eof(r, u, &eof)) {
			io = eof ? PEER_CLOSED : PEER_ERROR;
			break;
		}
		if (upper_quiet(r, UPPER_QUIET_SETTLED)) {
			io = drain_eof(r, u, &eof) ? (eof ? PEER_CLOSED : PEER_ERROR) : PEER_STALL;
			break;
		}
		struct pollfd pf = { .fd = u->fd, .events = POLLIN };
		poll(&pf, 1, POLL_MS);
	}
	ret = close(u->fd);
	run_note(r, "close", u->fd, ret, 0, NULL, 0, NULL);
	u->fd = -1;
	return io;
}

/* NCLIENTS clients connected and served at once; 0, or -1 if the check failed. */
static int serve_together(struct check *c, struct run *r, int port, struct upper_client **u)
{
	for (int i = 0; i < NCLIENTS; i++)
		if (!(u[i] = connect_client(c, r, port, i + 1)))
			return -1;
	for (int i = 0; i < NCLIENTS; i++)
		if (serve_lines(c, r, u[i], i + 1, 2) < 0)
			return -1;
	return 0;
}

/*
 * With NCLIENTS clients served at once, the parent holds none of their
 * sockets; then each client ends and sees the server close its side.
 */
static void chk_closes_client(struct check *c)
{
	struct spawn s = { .args = { NULL } };
	int port;
	struct run *r = upper_start(c, &s, &port);
	if (!r)
		return;
	struct upper_client *u[NCLIENTS] = { NULL };
	if (serve_together(c, r, port, u) < 0)
		goto out;
	struct after_accept last = { .u = u[NCLIENTS - 1], .child = -1 };
	upper_wait_until(r, parent_moved_on, &last, WAIT_MS);
	int kept = 0, forked = 0;
	for (int i = 0; i < NCLIENTS; i++) {
		long at = upper_accept_index(r, u[i]);
		if (at < 0 || event_pid(r, at) != r->pid)
			continue;
		if (child_of(r, u[i]) > 0)
			forked++;
		long pid;
		int fd = upper_server_fd(u[i], &pid);
		if (fd >= 0 && !closed_by(r, r->pid, fd, at) && fd_inode(r->pid, fd))
			kept++;
	}
	if (forked && kept) {
		check_fail(c, r, "parent_keeps", check_str(c, "%d", kept),
			   check_str(c, "%d", NCLIENTS), NULL);
		goto out;
	}
	for (int i = 0; i < NCLIENTS && !c->failed; i++) {
		enum peer_io io = finish_client(r, u[i]);
		const char *what = upper_what(c, i + 1);
		if (upper_judge(c, u[i], what) < 0 || io == PEER_CLOSED)
			continue;
		if (io == PEER_STALL)
			check_fail(c, r, "upper.noclose", what, "recv", NULL);
		else
			check_fail(c, r, "upper.noclose_hang", what, NULL);
	}
out:
	for (int i = 0; i < NCLIENTS; i++)
		upper_free(u[i]);
}

struct holders {
	long pid[MAX_PROCS];
	int n;
};

/* Every holder has ended, or waits with nothing left to do. */
static int holders_done(struct run *r, void *arg)
{
	struct holders *h = arg;
	long alive[MAX_PROCS];
	int n = 0;
	for (int i = 0; i < h->n; i++)
		if (!upper_proc_dead(h->pid[i], r->pid))
			alive[n++] = h->pid[i];
	if (!n)
		return 1;
	/* Settled first: a holder that had its end of file is awake now. */
	if (!upper_settled(r))
		return 0;
	struct upper_census cs;
	upper_census_of(r, alive, n, &cs);
	return cs.n[UPPER_RUNS] == 0 && cs.n[UPPER_TIMED] == 0;
}

/*
 * NCLIENTS clients served at once: every process of the server but the
 * parent that holds the listening socket must close it (the trace shows
 * the close, by that process) before it ends.
 */
static void chk_closes_listen(struct check *c)
{
	struct spawn s = { .args = { NULL } };
	int port;
	struct run *r = upper_start(c, &s, &port);
	if (!r)
		return;
	struct upper_client *u[NCLIENTS] = { NULL };
	if (serve_together(c, r, port, u) < 0)
		goto out;
	int lfd = listen_fd(r);
	unsigned long ino = lfd >= 0 ? fd_inode(r->pid, lfd) : 0;
	if (!ino)
		goto out;
	long pids[MAX_PROCS];
	int n = upper_group_pids(r->pid, pids, MAX_PROCS);
	struct holders h = { .n = 0 };
	for (int i = 0; i < n; i++)
		if (pids[i] != r->pid && holds_inode(pids[i], ino))
			h.pid[h.n++] = pids[i];
	if (!h.n)
		goto out;
	for (int i = 0; i < NCLIENTS; i++) {
		upper_free(u[i]);
		u[i] = NULL;
	}
	upper_wait_until(r, holders_done, &h, WAIT_MS);
	upper_trace_flush(r);
	int kept = 0;
	for (int i = 0; i < h.n; i++)
		kept += !closed_by(r, h.pid[i], lfd, 0);
	if (kept)
		check_fail(c, r, "child_keeps_listen", check_str(c, "%d", kept),
			   check_str(c, "%d", h.n), NULL);
out:
	for (int i = 0; i < NCLIENTS; i++)
		upper_free(u[i]);
}

struct child_end {
	long pid;
};

/* The child has ended, or it waits with nothing left to do (it never will). */
static int child_ended_or_stuck(struct run *r, void *arg)
{
	struct child_end *ce = arg;
	if (upper_proc_dead(ce->pid, r->pid))
		return 1;
	struct upper_census cs;
	upper_census_of(r, &ce->pid, 1, &cs);
	return cs.n[UPPER_RUNS] == 0 && cs.n[UPPER_TIMED] == 0 && upper_quiet(r, UPPER_QUIET_SETTLED);
}

/*
 * Client n is served by a child; then, with the parent asleep (so that a
 * SIGCHLD interrupts its call), the client leaves and its child must end.
 * Returns the child's pid (0 when the server did not fork for it), or -1
 * when the check failed.
 */
static long serve_and_leave(struct check *c, struct run *r, int port, int n)
{
	struct upper_client *u = connect_client(c, r, port, n);
	if (!u)
		return -1;
	if (serve_lines(c, r, u, n, 2) < 0) {
		upper_free(u);
		return -1;
	}
	long child = child_of(r, u);
	upper_wait_until(r, main_asleep, NULL, WAIT_MS);
	upper_free(u);
	if (child <= 0)
		return 0;
	struct child_end ce = { child };
	upper_wait_until(r, child_ended_or_stuck, &ce, WAIT_MS);
	if (!upper_proc_dead(child, r->pid)) {
		if (!judge_ended(c, r, upper_what(c, n + 1)))
			check_fail(c, r, "child_lives", upper_what(c, n), NULL);
		return -1;
	}
	return child;
}

/* No zombie child left, or the server can no longer reap one. */
static int reaped_or_stuck(struct run *r, void *arg)
{
	(void)arg;
	return zombies_of(r->pid) == 0 || upper_quiet(r, UPPER_QUIET_SETTLED);
}

/*
 * Clients one after the other; within ZOMBIE_MS of a client's child ending,
 * the server has no zombie child left.
 */
static void chk_zombies(struct check *c)
{
	struct spawn s = { .args = { NULL } };
	int port;
	struct run *r = upper_start(c, &s, &port);
	if (!r)
		return;
	for (int n = 1; n <= 3 && !c->failed; n++) {
		long child = serve_and_leave(c, r, port, n);
		if (child <= 0)
			return;
		upper_wait_until(r, reaped_or_stuck, NULL, ZOMBIE_MS);
		if (judge_ended(c, r, upper_what(c, n + 1)))
			return;
		int z = zombies_of(r->pid);
		if (z > 0)
			check_fail(c, r, "zombie", upper_what(c, n), check_str(c, "%d", z), NULL);
	}
}

/*
 * Client 1 leaves while the parent sleeps in accept(): the SIGCHLD of its
 * child's end interrupts the call (EINTR when the handler has no
 * SA_RESTART).  The server must go on: client 2 is served.
 */
static void chk_sigchld(struct check *c)
{
	struct spawn s = { .args = { NULL } };
	int port;
	struct run *r = upper_start(c, &s, &port);
	if (!r)
		return;
	if (serve_and_leave(c, r, port, 1) < 0)
		return;
	/* The parent has handled the signal: it sleeps again, or it ended. */
	upper_wait_until(r, main_asleep, NULL, WAIT_MS);
	if (judge_ended(c, r, upper_what(c, 2)))
		return;
	struct upper_client *u = connect_client(c, r, port, 2);
	if (!u)
		return;
	serve_lines(c, r, u, 2, 2);
	upper_free(u);
}

/* Did the stub make a fork() fail on purpose? */
static int fork_failed(struct run *r)
{
	int found = 0;
	pthread_mutex_lock(&r->mu);
	for (size_t i = 0; i < r->nev && !found; i++)
		found = r->ev[i].side == SIDE_PROGRAM && r->ev[i].phase == 'X' &&
			!strcmp(r->ev[i].call, "fork") && !strcmp(r->ev[i].inj, "fail");
	pthread_mutex_unlock(&r->mu);
	return found;
}

/* The server ended, or accepted u and can no longer go on by itself. */
static int ended_or_idle(struct run *r, void *arg)
{
	const struct upper_client *u = arg;
	return upper_run_ended(r) || (upper_accept_index(r, u) >= 0 && upper_quiet(r, 0));
}

/* The first fork() fails: a message naming it, a non-zero status. */
static void chk_fork_fails(struct check *c)
{
	struct spawn s = { .args = { NULL }, .fail = "fork:EAGAIN:1" };
	int port;
	struct run *r = upper_start(c, &s, &port);
	if (!r)
		return;
	struct upper_client *u = connect_client(c, r, port, 1);
	if (!u)
		return;
	char line[40];
	upper_random_line(line, sizeof line);
	upper_send(u, line, sizeof line, 0);
	upper_wait_until(r, ended_or_idle, u, WAIT_MS);
	int ended = upper_run_ended(r) && run_wait_end(r, WAIT_MS) == 0;
	upper_free(u);
	upper_trace_flush(r);
	if (!fork_failed(r))
		return;		/* it never forked: the check "concurrent" says so */
	if (!ended) {
		check_fail(c, r, "failcall.went_on", "fork", "EAGAIN", NULL);
		run_kill(r);
		return;
	}
	if (check_abnormal(c, r))
		return;
	char *err = check_stderr(r);
	if (r->status == 0)
		check_fail(c, r, "failcall.status0", "fork", "EAGAIN", NULL);
	else if (!check_names_call(err, "fork"))
		check_fail(c, r, "failcall.unnamed", "fork", "EAGAIN",
			   check_quote(c, err, strlen(err)), NULL);
	free(err);
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

static void chk_bad_port(struct check *c)
{
	check_common_bad_port(c, 0, 1, NULL);
}

const struct check_def ex_tcp_fork_server_checks[] = {
	{ "usage", chk_usage },
	{ "upper", chk_upper },
	{ "pieces", chk_pieces },
	{ "short-send", chk_short_send },
	{ "concurrent", chk_concurrent },
	{ "closes-client", chk_closes_client },
	{ "closes-listen", chk_closes_listen },
	{ "zombies", chk_zombies },
	{ "sigchld", chk_sigchld },
	{ "fork-fails", chk_fork_fails },
	{ "errors", chk_errors },
	{ "bad-port", chk_bad_port },
	{ NULL, NULL },
};
