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
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
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
#include "upper.h"
#include "util.h"

#define POLL_MS 10		/* how often /proc is looked at again while waiting */
#define ZOMBIE_MS 1500		/* a zombie may last this long (SPEC: about 1 s) */
#define MAX_PROCS 128
#define NCLIENTS 3		/* clients served at once in the closing checks */

/* ---- /proc: the processes and threads of the run ---- */

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

/*
 * Has process pid of the run's group pgid ended (a zombie, or gone)?  A pid
 * outside the group is another process that reused the number.
 */
static int proc_dead(long pid, long pgid)
{
	struct pstat st;
	return proc_stat(pid, &st) < 0 || st.state == 'Z' || st.state == 'X' || st.pgrp != pgid;
}

/* The processes of process group pgid (the run's), up to max. */
static int group_pids(long pgid, long *pids, int max)
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

/* Zombie children of pid. */
static int zombies_of(long pid)
{
	int n = upper_zombies((pid_t)pid);
	return n < 0 ? 0 : n;
}

/* What a thread is doing, as far as the kernel and the trace tell. */
enum doing {
	DO_GONE,	/* ended */
	DO_RUNS,	/* runnable, or in a call we cannot judge */
	DO_TIMED,	/* waits with a time-out: it goes on by itself */
	DO_ACCEPT,	/* waits for a connection (accept, or select/poll without time-out) */
	DO_STUCK,	/* waits for data, a child, a lock or a signal */
};

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

static enum doing task_doing(struct run *r, long pid, long tid)
{
	char path[96];
	struct pstat st;
	snprintf(path, sizeof path, "/proc/%ld/task/%ld/stat", pid, tid);
	if (stat_file(path, &st) < 0 || st.state == 'Z' || st.state == 'X')
		return DO_GONE;
	if (st.state != 'S')
		return DO_RUNS;
	unsigned long a[6];
	long nr = task_syscall(pid, tid, a);
	if (nr < 0)
		return DO_RUNS;
	if (last_call_timed(r, tid))
		return DO_TIMED;
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
		return DO_STUCK;
	case SYS_futex:
		return a[3] ? DO_TIMED : DO_STUCK;
	case SYS_accept:
	case SYS_accept4:
		return DO_ACCEPT;
#ifdef SYS_poll
	case SYS_poll:
		return (int)a[2] < 0 ? DO_ACCEPT : DO_TIMED;
#endif
	case SYS_ppoll:
		return a[2] ? DO_TIMED : DO_ACCEPT;
#ifdef SYS_select
	case SYS_select:
		return a[4] ? DO_TIMED : DO_ACCEPT;
#endif
	case SYS_pselect6:
		return a[4] ? DO_TIMED : DO_ACCEPT;
#ifdef SYS_epoll_wait
	case SYS_epoll_wait:
		return (int)a[3] < 0 ? DO_ACCEPT : DO_TIMED;
#endif
	case SYS_epoll_pwait:
		return (int)a[3] < 0 ? DO_ACCEPT : DO_TIMED;
	default:
		return DO_TIMED;
	}
}

/* How many threads of the processes do each thing. */
struct census {
	int n[DO_STUCK + 1];
	int main_doing;		/* the server's main thread */
	long main_nr;		/* the system call it sleeps in, or -1 */
};

static void census_of(struct run *r, const long *pids, int npids, struct census *cs)
{
	memset(cs, 0, sizeof *cs);
	cs->main_doing = DO_GONE;
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
			enum doing k = task_doing(r, pids[i], tid);
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
static void census_run(struct run *r, struct census *cs)
{
	long pids[MAX_PROCS];
	int n = group_pids(r->pid, pids, MAX_PROCS);
	census_of(r, pids, n, cs);
}

static int run_ended(struct run *r)
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

/*
 * Waits until the collector has parsed every trace record the program
 * wrote so far (the pipe holds no unread byte), at most WAIT_MS: before
 * judging that a call is missing from the trace.
 */
static void trace_flush(struct run *r)
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

typedef int (*cond_fn)(struct run *r, void *arg);

/*
 * Waits until cond holds, looking again at every event of the run and every
 * POLL_MS (what /proc shows brings no event), at most ms.  Returns 1 when
 * it holds, 0 when the time ran out or the run ended first.
 */
static int wait_until(struct run *r, cond_fn cond, void *arg, long ms)
{
	long deadline = now_ms() + ms;
	for (;;) {
		if (cond(r, arg))
			return 1;
		if (run_ended(r))
			return cond(r, arg);
		long left = deadline - now_ms();
		if (left <= 0)
			return 0;
		wait_event(r, left < POLL_MS ? left : POLL_MS);
	}
}

/*
 * Everything is delivered: every byte one side sent was received by the
 * other, every connection of ours accepted, every close of ours seen by
 * the program as an end of file (the kernel may still be delivering what
 * the trace does not show yet).  The ends of file are counted here from
 * the program's receives alone: a parent that closes its copy of a
 * client's socket after fork() has seen no end of file.
 */
static int settled(struct run *r)
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

enum { QUIET_SETTLED = 1, QUIET_NO_ACCEPT = 2 };

/*
 * Nobody can go on by himself: every thread of the run waits (for data, a
 * connection, a child) without a time-out, on two looks in a row with no
 * new event between.  QUIET_SETTLED: and nothing is on its way to the
 * program.  QUIET_NO_ACCEPT: a thread waiting for a connection counts as
 * able to go on (one of ours may not have reached its queue yet).
 */
static int quiet_once(struct run *r, int how)
{
	if ((how & QUIET_SETTLED) && !settled(r))
		return 0;
	struct census cs;
	census_run(r, &cs);
	return cs.n[DO_RUNS] == 0 && cs.n[DO_TIMED] == 0 &&
	       !((how & QUIET_NO_ACCEPT) && cs.n[DO_ACCEPT]) &&
	       cs.n[DO_ACCEPT] + cs.n[DO_STUCK] > 0;
}

static int quiet(struct run *r, int how)
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

/* The server's main thread sleeps in a system call (a signal would interrupt it). */
static int main_asleep(struct run *r, void *arg)
{
	(void)arg;
	struct census cs;
	long self = r->pid;
	census_of(r, &self, 1, &cs);
	return cs.main_doing >= DO_TIMED && cs.main_nr >= 0;
}

/* ---- the trace: who accepted, forked, closed what ---- */

/* Index of the program's accept() that returned u's connection, or -1. */
static long accept_index(struct run *r, const struct upper_client *u)
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
	long i = accept_index(r, a->u);
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
	wait_until(r, accept_settled, &a, WAIT_MS);
	return a.child;
}

/*
 * Has the process that accepted a->u gone on to its next blocking call (an
 * accept for the next client)?  By then it closed what it meant to close.
 */
static int parent_moved_on(struct run *r, void *arg)
{
	struct after_accept *a = arg;
	long i = accept_index(r, a->u);
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
	if (!run_ended(r))
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

/*
 * Receives u's reply like upper_recv, and also gives up as soon as the
 * server has not accepted u and cannot go on by itself (every thread of
 * every process waits for data, a child or a lock: a server that serves
 * one client at a time).  Returns 1 when it gave up so, else 0.
 */
static int recv_or_held(struct run *r, struct upper_client *u)
{
	long deadline = now_ms() + WAIT_MS;
	while (u->ngot < u->nsent) {
		long left = deadline - now_ms();
		if (left <= 0)
			break;
		enum peer_io io = upper_recv(u, left < 4 * POLL_MS ? left : 4 * POLL_MS);
		if (io != PEER_TIMEOUT)
			break;
		if (accept_index(r, u) < 0 && quiet(r, QUIET_NO_ACCEPT)) {
			trace_flush(r);
			if (accept_index(r, u) < 0)
				return 1;
		}
	}
	return 0;
}

/* Why was client `what` not served while the others held their connections? */
static void judge_held(struct check *c, struct run *r, const char *what, const char *want)
{
	struct census cs;
	long self = r->pid;
	census_of(r, &self, 1, &cs);
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
		if (recv_or_held(r, u)) {
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
	trace_flush(r);
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
		if (quiet(r, QUIET_SETTLED)) {
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
	wait_until(r, parent_moved_on, &last, WAIT_MS);
	int kept = 0, forked = 0;
	for (int i = 0; i < NCLIENTS; i++) {
		long at = accept_index(r, u[i]);
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
		if (!proc_dead(h->pid[i], r->pid))
			alive[n++] = h->pid[i];
	if (!n)
		return 1;
	/* Settled first: a holder that had its end of file is awake now. */
	if (!settled(r))
		return 0;
	struct census cs;
	census_of(r, alive, n, &cs);
	return cs.n[DO_RUNS] == 0 && cs.n[DO_TIMED] == 0;
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
	int n = group_pids(r->pid, pids, MAX_PROCS);
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
	wait_until(r, holders_done, &h, WAIT_MS);
	trace_flush(r);
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
	if (proc_dead(ce->pid, r->pid))
		return 1;
	struct census cs;
	census_of(r, &ce->pid, 1, &cs);
	return cs.n[DO_RUNS] == 0 && cs.n[DO_TIMED] == 0 && quiet(r, QUIET_SETTLED);
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
	wait_until(r, main_asleep, NULL, WAIT_MS);
	upper_free(u);
	if (child <= 0)
		return 0;
	struct child_end ce = { child };
	wait_until(r, child_ended_or_stuck, &ce, WAIT_MS);
	if (!proc_dead(child, r->pid)) {
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
	return zombies_of(r->pid) == 0 || quiet(r, QUIET_SETTLED);
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
		wait_until(r, reaped_or_stuck, NULL, ZOMBIE_MS);
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
	wait_until(r, main_asleep, NULL, WAIT_MS);
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
	return run_ended(r) || (accept_index(r, u) >= 0 && quiet(r, 0));
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
	wait_until(r, ended_or_idle, u, WAIT_MS);
	int ended = run_ended(r) && run_wait_end(r, WAIT_MS) == 0;
	upper_free(u);
	trace_flush(r);
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
