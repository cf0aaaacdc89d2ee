/*
 * Checks of tcp-thread-server (SPEC §4, chapter 4): the line-uppercasing
 * server of tcp-iterative-server, one thread per client.  The protocol is
 * played and judged by tutor/upper.c; this file adds what threads bring: a
 * silent client delays nobody, each client's socket is closed when the
 * client leaves (the descriptors of the server stay few after fifty
 * clients), a failed pthread_create() stops the server.
 *
 * What the threads of the server are doing is read in /proc (the state of
 * each thread, the system call it sleeps in): bounded polling to detect
 * readiness, never a pause that decides a verdict.  (The /proc helpers are
 * those of ex_tcp_fork_server.c.)
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "check.h"
#include "exercises.h"
#include "peer.h"
#include "sandbox.h"
#include "upper.h"
#include "util.h"

#define POLL_MS 10		/* how often /proc is looked at again while waiting */
#define MAX_PROCS 128
#define NSEQ 50			/* clients one after the other */
#define FEW_SOCKETS 10		/* sockets a server may hold after NSEQ clients */

/* ---- /proc: the threads of the run ---- */

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


/* ---- the judging shared by the checks ---- */

/*
 * The server ended while it should serve forever: says why (a crash, an
 * exit...).  Returns 1 when it had ended.
 */
static int judge_ended(struct check *c, struct run *r, const char *what)
{
	if (!run_ended(r))
		return 0;
	run_wait_end(r, WAIT_MS);
	if (!check_abnormal(c, r))
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
 * server has not accepted u and cannot go on by itself (every thread waits
 * for data, a thread or a child: a server that serves one client at a
 * time).  Returns 1 when it gave up so, else 0.
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

/* Why was client `what` not served while an earlier one was connected? */
static void judge_held(struct check *c, struct run *r, const char *what)
{
	struct census cs;
	long self = r->pid;
	census_of(r, &self, 1, &cs);
	const char *made = upper_forked(r);
	if (!made)
		check_fail(c, r, "iterative", what, NULL);
	else if (strcmp(made, "pthread_create"))
		check_fail(c, r, "wrong_kind", what, made, NULL);
	else if (cs.main_nr == SYS_futex)
		check_fail(c, r, "joins", what, NULL);
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
			judge_held(c, r, what);
			return -1;
		}
		if (u->ngot != u->nsent && judge_ended(c, r, what))
			return -1;
		if (upper_judge(c, u, what) < 0)
			return -1;
	}
	return 0;
}

/* Sockets the process holds (entries of /proc/PID/fd that are sockets). */
static int socket_count(long pid)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%ld/fd", pid);
	DIR *d = opendir(path);
	if (!d)
		return -1;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		char fd[320], link[64];
		if (e->d_name[0] == '.')
			continue;
		snprintf(fd, sizeof fd, "%s/%s", path, e->d_name);
		ssize_t k = readlink(fd, link, sizeof link - 1);
		if (k > 0) {
			link[k] = '\0';
			n += !strncmp(link, "socket:", 7);
		}
	}
	closedir(d);
	return n;
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
		if (u->ngot == u->nsent || !judge_ended(c, r, upper_what(c, 1)))
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
	if (u->ngot == u->nsent || !judge_ended(c, r, upper_what(c, 1)))
		upper_judge(c, u, upper_what(c, 1));
	if (!c->failed) {
		len = upper_random_lines(buf, 6, 5, 40);
		upper_exchange(u, buf, len, 0, WAIT_MS);
		if (u->ngot == u->nsent || !judge_ended(c, r, upper_what(c, 1)))
			upper_judge(c, u, upper_what(c, 1));
	}
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
 * trace must show pthread_create().
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
		check_fail(c, r, "nothread", NULL);
	else if (strcmp(made, "pthread_create"))
		check_fail(c, r, "wrong_kind", upper_what(c, 3), made, NULL);
out:
	for (int i = 0; i < 3; i++)
		upper_free(u[i]);
}

/*
 * NSEQ clients one after the other, each one served and seeing the server
 * close its side; then the server holds few sockets (each one was closed,
 * not only shut down).
 */
static void chk_closes(struct check *c)
{
	struct spawn s = { .args = { NULL } };
	int port;
	struct run *r = upper_start(c, &s, &port);
	if (!r || upper_sequence(c, r, port, NSEQ, 1, 0) < 0)
		return;
	int n = socket_count(r->pid);
	if (n > FEW_SOCKETS)
		check_fail(c, r, "fd_leak", check_str(c, "%d", NSEQ), check_str(c, "%d", n), NULL);
}

/* Did the stub make a pthread_create() fail on purpose? */
static int create_failed(struct run *r)
{
	int found = 0;
	pthread_mutex_lock(&r->mu);
	for (size_t i = 0; i < r->nev && !found; i++)
		found = r->ev[i].side == SIDE_PROGRAM && r->ev[i].phase == 'X' &&
			!strcmp(r->ev[i].call, "pthread_create") && !strcmp(r->ev[i].inj, "fail");
	pthread_mutex_unlock(&r->mu);
	return found;
}

/* The server ended, or accepted u and can no longer go on by itself. */
static int ended_or_idle(struct run *r, void *arg)
{
	const struct upper_client *u = arg;
	return run_ended(r) || (accept_index(r, u) >= 0 && quiet(r, 0));
}

/* The first pthread_create() fails: a message naming it, a non-zero status. */
static void chk_thread_fails(struct check *c)
{
	struct spawn s = { .args = { NULL }, .fail = "pthread_create:EAGAIN:1" };
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
	if (!create_failed(r))
		return;		/* it never made a thread: the check "concurrent" says so */
	if (!ended) {
		check_fail(c, r, "failcall.went_on", "pthread_create", "EAGAIN", NULL);
		run_kill(r);
		return;
	}
	if (check_abnormal(c, r))
		return;
	char *err = check_stderr(r);
	if (r->status == 0)
		check_fail(c, r, "failcall.status0", "pthread_create", "EAGAIN", NULL);
	else if (!check_names_call(err, "pthread_create") && !check_mentions(err, "thread"))
		check_fail(c, r, "failcall.unnamed", "pthread_create", "EAGAIN",
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

const struct check_def ex_tcp_thread_server_checks[] = {
	{ "usage", chk_usage },
	{ "upper", chk_upper },
	{ "pieces", chk_pieces },
	{ "short-send", chk_short_send },
	{ "concurrent", chk_concurrent },
	{ "closes", chk_closes },
	{ "thread-fails", chk_thread_fails },
	{ "errors", chk_errors },
	{ "bad-port", chk_bad_port },
	{ NULL, NULL },
};
