/*
 * The sandboxed runner (see run.h).  One collector thread per run drains the
 * program's pipes and watches its exit through a pidfd, so nobody ever sleeps
 * for a fixed time: waiters block on a condition variable (or poll the wake
 * pipe) with a deadline.
 *
 * Between fork and exec the child only makes async-signal-safe calls: the
 * grader runs several programs at once from several threads.
 */
#define _GNU_SOURCE
#include "run.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

#define TRACE_FD_CHILD 63
#define DEFAULT_WALL_MS 10000
#define MAX_TIDS 64
#define SPIN_MAX 2000

struct tid_state {
	long tid;
	int blocked;
	char call[16];		/* the call it entered, when blocked */
	int fd;			/* on that descriptor (-1: select, poll) */
};

/* A connection of the program (returned by accept, or connected). */
struct conn {
	long pid;
	int fd;
	int eof;		/* the program read its end of file */
	int shared;		/* the process forked since: a child holds it too */
};
#define MAX_CONNS 256

/* Per-run state only the collector and stall check touch (under mu). */
struct run_priv {
	struct conn conns[MAX_CONNS];
	int nconns;
	struct sbuf partial;		/* trace bytes after the last newline */
	struct tid_state tids[MAX_TIDS];
	int ntids;
	int stop[2];
	int spin_fd, spin_count;
	long spin_ret;
	char spin_call[16];
};

static struct run_priv *priv_of(struct run *r);

/* A map from run to its private part: kept beside it in one allocation. */
struct run_full {
	struct run pub;
	struct run_priv priv;
};

static struct run_priv *priv_of(struct run *r)
{
	return &((struct run_full *)r)->priv;
}

/* Process groups of the runs alive, for run_kill_all() from a signal handler. */
#define MAX_LIVE 256
static volatile sig_atomic_t live_pgid[MAX_LIVE];

static void live_add(pid_t pg)
{
	for (int i = 0; i < MAX_LIVE; i++)
		if (__sync_bool_compare_and_swap(&live_pgid[i], 0, pg))
			return;
}

static void live_remove(pid_t pg)
{
	for (int i = 0; i < MAX_LIVE; i++)
		if (__sync_bool_compare_and_swap(&live_pgid[i], pg, 0))
			return;
}

void run_kill_all(void)
{
	for (int i = 0; i < MAX_LIVE; i++) {
		pid_t pg = (pid_t)live_pgid[i];
		if (pg > 0)
			kill(-pg, SIGKILL);
	}
}

static void set_rlimit(int res, rlim_t soft, rlim_t hard)
{
	struct rlimit rl = { soft, hard };
	setrlimit(res, &rl);
}

/* Runs in the child between fork and exec: async-signal-safe calls only. */
static void child_exec(const struct run_opts *o, int in_r, int out_w, int err_w,
		       int trace_w, char *const *envp)
{
	setpgid(0, 0);
	/* Should prise itself be killed, the program goes with it. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/*
	 * Move the four ends above every target first: with many runs at once
	 * one of them may itself be numbered 0, 1, 2 or TRACE_FD_CHILD.
	 */
	int src[4] = { in_r, out_w, err_w, trace_w };
	const int dst[4] = { 0, 1, 2, TRACE_FD_CHILD };
	for (int i = 0; i < 4; i++)
		if ((src[i] = fcntl(src[i], F_DUPFD, TRACE_FD_CHILD + 1)) < 0)
			_exit(127);
	for (int i = 0; i < 4; i++)
		if (dup2(src[i], dst[i]) < 0)
			_exit(127);
	/*
	 * stderr opened for reading too, as a terminal is: glibc's perror()
	 * dup()s it with fdopen(..., "w+"), which fails on a write-only pipe
	 * and leaves errno at EINVAL, unlike at the learner's terminal.
	 */
	int rw = open("/proc/self/fd/2", O_RDWR | O_CLOEXEC);
	if (rw >= 0) {
		dup2(rw, 2);
		close(rw);
	}
	syscall(SYS_close_range, 3, TRACE_FD_CHILD - 1, 0);
	syscall(SYS_close_range, TRACE_FD_CHILD + 1, ~0U, 0);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int s = 1; s < NSIG; s++)
		signal(s, SIG_DFL);
	if (o->ignore_sigpipe)
		signal(SIGPIPE, SIG_IGN);
	set_rlimit(RLIMIT_CPU, 4, 5);
	set_rlimit(RLIMIT_AS, 1024UL << 20, 1024UL << 20);
	if (o->nproc)
		set_rlimit(RLIMIT_NPROC, (rlim_t)o->nproc, (rlim_t)o->nproc);
	set_rlimit(RLIMIT_NOFILE, 256, 256);
	set_rlimit(RLIMIT_FSIZE, 16UL << 20, 16UL << 20);
	set_rlimit(RLIMIT_CORE, 0, 0);
	if (o->dir && chdir(o->dir) < 0)
		_exit(127);
	char *const *argv;
	memcpy(&argv, &o->argv, sizeof argv);	/* execve's historical type */
	execve(o->argv[0], argv, envp);
	_exit(127);
}

static char **build_env(const struct run_opts *o)
{
	char **env = xcalloc(16, sizeof *env);
	int n = 0;
	env[n++] = xstrdup("PATH=/usr/local/bin:/usr/bin:/bin");
	env[n++] = xstrdup("LC_ALL=C");
	env[n++] = xasprintf("HOME=%s", o->dir ? o->dir : "/tmp");
	env[n++] = xasprintf("PRISE_TRACE_FD=%d", TRACE_FD_CHILD);
	if (o->cap_send)
		env[n++] = xasprintf("PRISE_CAP_SEND=%d", o->cap_send);
	if (o->cap_recv)
		env[n++] = xasprintf("PRISE_CAP_RECV=%d", o->cap_recv);
	if (o->eintr)
		env[n++] = xasprintf("PRISE_EINTR=%d", o->eintr);
	if (o->fail)
		env[n++] = xasprintf("PRISE_FAIL=%s", o->fail);
	env[n++] = xasprintf("PRISE_MAX_FORKS=%d", o->max_forks >= 0 ? o->max_forks : 64);
	env[n] = NULL;
	return env;
}

static void free_env(char **env)
{
	for (char **e = env; *e; e++)
		free(*e);
	free(env);
}

static void wake_locked(struct run *r)
{
	pthread_cond_broadcast(&r->cond);
	char c = 1;
	ssize_t w = write(r->wake[1], &c, 1);
	(void)w;
}

static void tid_update(struct run_priv *p, const struct trace_ev *ev)
{
	int i;
	for (i = 0; i < p->ntids; i++)
		if (p->tids[i].tid == ev->tid)
			break;
	if (i == p->ntids) {
		if (p->ntids == MAX_TIDS)
			return;
		p->tids[p->ntids++].tid = ev->tid;
	}
	/* connect returns by itself on loopback (accepted or refused). */
	p->tids[i].blocked = ev->phase == 'E' && !ev->timed && strcmp(ev->call, "connect");
	snprintf(p->tids[i].call, sizeof p->tids[i].call, "%s", ev->call);
	p->tids[i].fd = ev->fd;
}

/* A call the stub made fail on purpose; a capped call is a real one. */
static int not_injected(const struct trace_ev *ev)
{
	return !ev->inj[0] || !strcmp(ev->inj, "cap");
}

static struct conn *conn_find(struct run_priv *p, long pid, int fd)
{
	for (int i = 0; i < p->nconns; i++)
		if (p->conns[i].pid == pid && p->conns[i].fd == fd)
			return &p->conns[i];
	return NULL;
}

/*
 * Follows the program's connections: closing one whose end of file it never
 * read consumes the peer's close all the same (it will never read it), so
 * that a program back in accept() after an exchange can be seen waiting;
 * unless the process forked since, when a child still holds it.
 */
static void conn_update_locked(struct run *r, const struct trace_ev *ev)
{
	struct run_priv *p = priv_of(r);
	if (!strcmp(ev->call, "fork") && ev->ret > 0) {
		for (int i = 0; i < p->nconns; i++)
			if (p->conns[i].pid == ev->pid)
				p->conns[i].shared = 1;
		return;
	}
	int opened = (!strcmp(ev->call, "accept") || !strcmp(ev->call, "accept4")) && ev->ret >= 0;
	int connected = !strcmp(ev->call, "connect") && ev->ret == 0;
	if (opened || connected) {
		int fd = opened ? (int)ev->ret : ev->fd;
		struct conn *c = conn_find(p, ev->pid, fd);
		if (!c && p->nconns < MAX_CONNS)
			c = &p->conns[p->nconns++];
		if (c)
			*c = (struct conn){ ev->pid, fd, 0, 0 };
		return;
	}
	struct conn *c = conn_find(p, ev->pid, ev->fd);
	if (!c)
		return;
	if (trace_is_recv(ev->call) && not_injected(ev) && (ev->ret == 0 || ev->err == ECONNRESET)) {
		c->eof = 1;
	} else if (!strcmp(ev->call, "close") && ev->ret == 0) {
		/* A fork parent's close leaves the connection to the child. */
		if (!c->eof && !c->shared)
			r->prog_eofs++;
		*c = p->conns[--p->nconns];
	}
}

static void add_event_locked(struct run *r, struct trace_ev *ev)
{
	if (ev->phase == 'X' && ev->side == SIDE_PROGRAM)
		conn_update_locked(r, ev);
	if (ev->phase == 'X' && ev->side == SIDE_PROGRAM) {
		if (ev->ret > 0 && trace_is_send(ev->call))
			r->prog_sent += ev->ret;
		else if (ev->ret > 0 && trace_is_recv(ev->call))
			r->prog_recv += ev->ret;
		else if (trace_is_recv(ev->call) && not_injected(ev) &&
			 (ev->ret == 0 || ev->err == ECONNRESET))
			r->prog_eofs++;
		else if (ev->ret >= 0 && (!strcmp(ev->call, "accept") || !strcmp(ev->call, "accept4")))
			r->prog_accepts++;
	}
	if (ev->side == SIDE_PROGRAM) {
		struct run_priv *p = priv_of(r);
		tid_update(p, ev);
		/* The same call failing or returning 0 again and again: a spin. */
		/* A non-blocking call that would block is polling, not spinning. */
		if (ev->phase == 'X' && ev->ret <= 0 && not_injected(ev) &&
		    !(ev->ret < 0 && (ev->err == EAGAIN || ev->err == EWOULDBLOCK))) {
			if (ev->fd == p->spin_fd && ev->ret == p->spin_ret &&
			    !strcmp(ev->call, p->spin_call)) {
				if (++p->spin_count == SPIN_MAX && !r->spin) {
					r->spin = 1;
					snprintf(r->spin_call, sizeof r->spin_call, "%s", ev->call);
					kill(-r->pid, SIGKILL);
					kill(r->pid, SIGKILL);
				}
			} else {
				p->spin_fd = ev->fd;
				p->spin_ret = ev->ret;
				snprintf(p->spin_call, sizeof p->spin_call, "%s", ev->call);
				p->spin_count = 1;
			}
		} else if (ev->phase == 'X') {
			p->spin_count = 0;
		}
	}
	/* The driver's verdict is kept whatever the volume before it. */
	if (r->nev >= RUN_TRACE_MAX && ev->phase != 'R') {
		r->dropped++;
		trace_ev_free(ev);
		return;
	}
	if (r->nev == r->evcap) {
		r->evcap = r->evcap ? r->evcap * 2 : 64;
		r->ev = xrealloc(r->ev, r->evcap * sizeof *r->ev);
	}
	r->ev[r->nev++] = *ev;
}

static void trace_bytes_locked(struct run *r, const char *buf, size_t n)
{
	struct run_priv *p = priv_of(r);
	sbuf_add(&p->partial, buf, n);
	char *start = p->partial.buf;
	char *nl;
	while ((nl = memchr(start, '\n', p->partial.len - (size_t)(start - p->partial.buf)))) {
		*nl = '\0';
		struct trace_ev ev;
		if (trace_parse(start, &ev) == 0)
			add_event_locked(r, &ev);
		start = nl + 1;
	}
	size_t rest = p->partial.len - (size_t)(start - p->partial.buf);
	memmove(p->partial.buf, start, rest);
	p->partial.len = rest;
	p->partial.buf[rest] = '\0';
}

/* Reads what is available on fd into the right buffer.  Returns 0 at EOF. */
static int drain_locked(struct run *r, int *fdp)
{
	char buf[16384];
	for (;;) {
		ssize_t n = read(*fdp, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? 1 : 0;
		if (n == 0) {
			close(*fdp);
			*fdp = -1;
			return 0;
		}
		if (*fdp == r->trace_fd) {
			trace_bytes_locked(r, buf, (size_t)n);
		} else {
			struct sbuf *b = *fdp == r->out_fd ? &r->out : &r->err;
			r->out_total += (size_t)n;
			if (b->len < RUN_OUT_MAX)
				sbuf_add(b, buf, b->len + (size_t)n > RUN_OUT_MAX ?
					 RUN_OUT_MAX - b->len : (size_t)n);
			if (r->out_total > RUN_FLOOD_MAX && !r->flooded) {
				r->flooded = 1;
				kill(-r->pid, SIGKILL);
			}
		}
	}
}

static void reap_main_locked(struct run *r)
{
	int st;
	pid_t p = waitpid(r->pid, &st, WNOHANG);
	if (p != r->pid)
		return;
	/* Everything it wrote is in the pipes now: take it before telling. */
	int *fds[] = { &r->out_fd, &r->err_fd, &r->trace_fd };
	for (size_t i = 0; i < 3; i++)
		if (*fds[i] >= 0)
			drain_locked(r, fds[i]);
	if (WIFEXITED(st)) {
		r->end = RUN_EXITED;
		r->status = WEXITSTATUS(st);
	} else {
		r->end = (r->timed_out || r->flooded || r->spin) ? RUN_KILLED : RUN_SIGNALED;
		r->status = WTERMSIG(st);
		if (r->status == SIGXCPU)
			r->cpu_limit = 1;
	}
	if (r->pid_fd >= 0) {
		close(r->pid_fd);
		r->pid_fd = -1;
	}
}

static void *collector(void *arg)
{
	struct run *r = arg;
	struct run_priv *p = priv_of(r);
	int *slots[4] = { &r->out_fd, &r->err_fd, &r->trace_fd, &r->pid_fd };
	for (;;) {
		struct pollfd pf[5];
		int which[5];
		int n = 0;
		pthread_mutex_lock(&r->mu);
		int running = r->end == RUN_RUNNING;
		for (int i = 0; i < 4; i++) {
			if (*slots[i] < 0)
				continue;
			which[n] = i;
			pf[n++] = (struct pollfd){ .fd = *slots[i], .events = POLLIN };
		}
		int have_pidfd = r->pid_fd >= 0;
		pthread_mutex_unlock(&r->mu);
		if (n == 0 && !running)
			break;
		pf[n] = (struct pollfd){ .fd = p->stop[0], .events = POLLIN };
		long left = r->deadline_ms - now_ms();
		int timeout = -1;
		if (running)
			timeout = left > 0 ? (int)left : 0;
		/* Without a pidfd we look at the main process every 10 ms. */
		if (running && !have_pidfd && (timeout < 0 || timeout > 10))
			timeout = 10;
		int k = poll(pf, (nfds_t)n + 1, timeout);
		if (k < 0 && errno != EINTR)
			break;
		if (pf[n].revents)
			break;
		pthread_mutex_lock(&r->mu);
		for (int i = 0; i < n; i++) {
			/* The slot may have been closed while handling another one. */
			if (!pf[i].revents || *slots[which[i]] != pf[i].fd)
				continue;
			if (which[i] == 3)
				reap_main_locked(r);
			else
				drain_locked(r, slots[which[i]]);
		}
		if (r->end == RUN_RUNNING && r->pid_fd < 0)
			reap_main_locked(r);
		if (r->end == RUN_RUNNING && now_ms() >= r->deadline_ms) {
			r->timed_out = 1;
			kill(-r->pid, SIGKILL);
			kill(r->pid, SIGKILL);
		}
		wake_locked(r);
		pthread_mutex_unlock(&r->mu);
	}
	pthread_mutex_lock(&r->mu);
	r->collector_done = 1;
	wake_locked(r);
	pthread_mutex_unlock(&r->mu);
	return NULL;
}

static int set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);
	return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

struct run *run_start(const struct run_opts *o)
{
	int in[2], out[2], err[2], tr[2];
	if (pipe2(in, O_CLOEXEC) < 0)
		return NULL;
	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0 || pipe2(tr, O_CLOEXEC) < 0) {
		int e = errno;
		close(in[0]);
		close(in[1]);
		errno = e;
		return NULL;
	}
	struct run_full *full = xcalloc(1, sizeof *full);
	struct run *r = &full->pub;
	struct run_priv *p = &full->priv;
	if (pipe2(r->wake, O_CLOEXEC | O_NONBLOCK) < 0 || pipe2(p->stop, O_CLOEXEC) < 0)
		return NULL;
	pthread_mutex_init(&r->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&r->cond, &ca);
	pthread_condattr_destroy(&ca);
	char **env = build_env(o);
	r->start_us = now_us();
	r->deadline_ms = now_ms() + (o->wall_ms > 0 ? o->wall_ms : DEFAULT_WALL_MS);
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		free_env(env);
		errno = e;
		return NULL;
	}
	if (pid == 0)
		child_exec(o, in[0], out[1], err[1], tr[1], env);
	free_env(env);
	setpgid(pid, pid);	/* also in the child: whichever runs first */
	live_add(pid);
	close(in[0]);
	close(out[1]);
	close(err[1]);
	close(tr[1]);
	r->pid = pid;
	r->in_fd = in[1];
	r->out_fd = out[0];
	r->err_fd = err[0];
	r->trace_fd = tr[0];
	r->pid_fd = (int)syscall(SYS_pidfd_open, pid, 0);
	set_nonblock(r->out_fd);
	set_nonblock(r->err_fd);
	set_nonblock(r->trace_fd);
	if (o->stdin_data && o->stdin_len) {
		/* Small inputs fit the pipe; larger ones are written by a thread. */
		const char *s = o->stdin_data;
		size_t left = o->stdin_len;
		set_nonblock(r->in_fd);
		while (left > 0) {
			ssize_t w = write(r->in_fd, s, left);
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				break;
			s += w;
			left -= (size_t)w;
		}
	}
	if (!o->keep_stdin)
		run_close_stdin(r);
	pthread_create(&r->collector, NULL, collector, r);
	return r;
}

void run_close_stdin(struct run *r)
{
	pthread_mutex_lock(&r->mu);
	if (r->in_fd >= 0) {
		close(r->in_fd);
		r->in_fd = -1;
	}
	pthread_mutex_unlock(&r->mu);
}

int run_wait_event_locked(struct run *r, long deadline, long step)
{
	long left = deadline - now_ms();
	if (left <= 0)
		return -1;
	if (step > 0 && left > step)
		left = step;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += left / 1000;
	ts.tv_nsec += (left % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_cond_timedwait(&r->cond, &r->mu, &ts);
	return 0;
}

/* Waits for the next event until `deadline`, looking again soon at an unsure stall. */
static int wait_until_locked(struct run *r, long deadline)
{
	return run_wait_event_locked(r, deadline, r->stall_unsure ? RUN_RECHECK_MS : 0);
}

int run_wait_exit(struct run *r, long ms)
{
	long deadline = now_ms() + ms;
	pthread_mutex_lock(&r->mu);
	int ret = -1;
	for (;;) {
		if (r->end != RUN_RUNNING || r->collector_done) {
			ret = 0;
			break;
		}
		if (run_stalled_locked(r)) {
			ret = 1;
			break;
		}
		if (wait_until_locked(r, deadline) < 0)
			break;
	}
	pthread_mutex_unlock(&r->mu);
	return ret;
}

int run_wait_end(struct run *r, long ms)
{
	long deadline = now_ms() + ms;
	pthread_mutex_lock(&r->mu);
	int ret = -1;
	for (;;) {
		if (r->end != RUN_RUNNING || r->collector_done) {
			ret = 0;
			break;
		}
		if (wait_until_locked(r, deadline) < 0)
			break;
	}
	pthread_mutex_unlock(&r->mu);
	return ret;
}

const char *run_blocked_call(struct run *r)
{
	static const char *const calls[] = { "accept", "accept4", "connect", "recv", "read",
					     "recvfrom", "send", "write", "sendto", "select", "poll" };
	const char *res = NULL;
	pthread_mutex_lock(&r->mu);
	for (size_t i = r->nev; i-- > 0;) {
		const struct trace_ev *e = &r->ev[i];
		if (e->side != SIDE_PROGRAM || e->tid != r->pid)
			continue;
		if (e->phase == 'E')
			for (size_t k = 0; k < sizeof calls / sizeof calls[0]; k++)
				if (!strcmp(calls[k], e->call))
					res = calls[k];
		break;
	}
	pthread_mutex_unlock(&r->mu);
	return res;
}

long run_wait_call(struct run *r, const char *call, size_t *from, long ms)
{
	long deadline = now_ms() + ms;
	long found = -1;
	pthread_mutex_lock(&r->mu);
	for (;;) {
		for (size_t i = *from; i < r->nev; i++) {
			if (r->ev[i].side == SIDE_PROGRAM && r->ev[i].phase == 'X' &&
			    !strcmp(r->ev[i].call, call)) {
				found = (long)i;
				*from = i + 1;
				break;
			}
		}
		if (found >= 0 || r->end != RUN_RUNNING || r->collector_done)
			break;
		if (wait_until_locked(r, deadline) < 0)
			break;
	}
	pthread_mutex_unlock(&r->mu);
	return found;
}

int run_wait_line(struct run *r, long ms)
{
	long deadline = now_ms() + ms;
	pthread_mutex_lock(&r->mu);
	int ok;
	for (;;) {
		ok = r->out.len && memchr(r->out.buf, '\n', r->out.len);
		if (ok || r->end != RUN_RUNNING || r->collector_done)
			break;
		if (wait_until_locked(r, deadline) < 0)
			break;
	}
	ok = r->out.len > 0;
	pthread_mutex_unlock(&r->mu);
	return ok ? 0 : -1;
}

/* The system calls a traced call may sleep in (glibc's choice varies). */
static int call_syscall_ok(const char *call, long nr)
{
	static const struct { const char *call; long nr[3]; } map[] = {
		{ "accept", { SYS_accept, SYS_accept4, -1 } },
		{ "accept4", { SYS_accept4, SYS_accept, -1 } },
		{ "recv", { SYS_recvfrom, SYS_recvmsg, -1 } },
		{ "recvfrom", { SYS_recvfrom, SYS_recvmsg, -1 } },
		{ "read", { SYS_read, SYS_recvfrom, -1 } },
		{ "send", { SYS_sendto, SYS_sendmsg, -1 } },
		{ "sendto", { SYS_sendto, SYS_sendmsg, -1 } },
		{ "write", { SYS_write, SYS_sendto, -1 } },
#ifdef SYS_select
		{ "select", { SYS_select, SYS_pselect6, -1 } },
#else
		{ "select", { SYS_pselect6, -1, -1 } },
#endif
#ifdef SYS_poll
		{ "poll", { SYS_poll, SYS_ppoll, -1 } },
#else
		{ "poll", { SYS_ppoll, -1, -1 } },
#endif
	};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (!strcmp(map[i].call, call))
			for (int k = 0; k < 3 && map[i].nr[k] >= 0; k++)
				if (map[i].nr[k] == nr)
					return 1;
	return 0;
}

char run_thread_state(long tid)
{
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
	return paren && paren[1] == ' ' ? paren[2] : 0;
}

/* A thread (or process) that ended takes no part in a stall. */
static int thread_gone(long tid)
{
	char st = run_thread_state(tid);
	return st == 0 || st == 'Z' || st == 'X';
}

int run_thread_syscall(long tid, long *nr, long *arg0)
{
	if (run_thread_state(tid) != 'S')
		return 0;
	char path[64], buf[256];
	snprintf(path, sizeof path, "/proc/%ld/syscall", tid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	char *end, *end2;
	*nr = strtol(buf, &end, 10);
	if (end == buf || *nr < 0)
		return 0;
	*arg0 = strtol(end, &end2, 16);
	if (end2 == end)
		*arg0 = -1;
	return 1;
}

int run_sleeps_in_recv(long tid)
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
	long nr, arg0;
	if (!run_thread_syscall(tid, &nr, &arg0))
		return 0;
	for (size_t i = 0; i < sizeof nrs / sizeof nrs[0]; i++)
		if (nrs[i] == nr)
			return 1;
	return 0;
}

/*
 * Asks the kernel whether thread tid sleeps in a system call that the traced
 * call `call` makes.  The trace alone cannot tell: its "enter" line is
 * written before the call, which may well return at once.
 */
static int thread_sleeps_in(long tid, const char *call, int fd)
{
	long nr, arg0;
	if (!run_thread_syscall(tid, &nr, &arg0) || !call_syscall_ok(call, nr))
		return 0;
	/* On the traced descriptor: not, say, the stub's own write of its trace. */
	return fd < 0 || arg0 == fd;
}

int run_pipe_empty(int fd)
{
	int n = 0;
	return fd < 0 || (ioctl(fd, FIONREAD, &n) == 0 && n == 0);
}

int run_stalled_locked(struct run *r)
{
	struct run_priv *p = priv_of(r);
	r->stall_unsure = 0;
	if (r->end != RUN_RUNNING || p->ntids == 0)
		return 0;
	/* Everything one side gave must have been taken by the other. */
	if (r->prog_sent > r->peer_recv || r->peer_sent > r->prog_recv ||
	    r->peer_connects > r->prog_accepts || r->peer_closes > r->prog_eofs)
		return 0;
	int blocked = 0;
	for (int i = 0; i < p->ntids; i++) {
		if (p->tids[i].blocked)
			blocked++;
		else if (!thread_gone(p->tids[i].tid))
			return 0;
	}
	if (!blocked)
		return 0;
	/* The trace says so; the kernel must agree, else look again soon. */
	for (int i = 0; i < p->ntids; i++)
		if (p->tids[i].blocked && !thread_sleeps_in(p->tids[i].tid, p->tids[i].call, p->tids[i].fd)) {
			r->stall_unsure = 1;
			return 0;
		}
	/*
	 * Every line written before the threads went to sleep is in the pipe
	 * now: read it, and judge again if it held any (the collector may lag).
	 */
	size_t before = r->nev + r->dropped;
	if (r->trace_fd >= 0)
		drain_locked(r, &r->trace_fd);
	if (r->nev + r->dropped != before) {
		r->stall_unsure = 1;
		return 0;
	}
	return 1;
}

void run_note(struct run *r, const char *call, int fd, long ret, int err,
	      const void *data, long datalen, const char *addr)
{
	struct trace_ev ev;
	memset(&ev, 0, sizeof ev);
	ev.phase = 'X';
	ev.side = SIDE_PEER;
	ev.t_us = now_us();
	snprintf(ev.call, sizeof ev.call, "%s", call);
	ev.fd = fd;
	ev.ret = ret;
	ev.err = err;
	ev.len = -1;
	ev.arg = -1;
	if (addr)
		snprintf(ev.addr, sizeof ev.addr, "%s", addr);
	if (data && datalen > 0) {
		ev.datalen = datalen < TRACE_DATA_MAX ? (int)datalen : TRACE_DATA_MAX;
		memcpy(ev.data, data, (size_t)ev.datalen);
	}
	pthread_mutex_lock(&r->mu);
	if (ret > 0 && trace_is_send(call))
		r->peer_sent += ret;
	else if (ret > 0 && trace_is_recv(call))
		r->peer_recv += ret;
	else if (ret == 0 && !strcmp(call, "connect"))
		r->peer_connects++;
	else if (ret == 0 && (!strcmp(call, "close") || !strcmp(call, "shutdown")) && data)
		r->peer_closes++;	/* data marks the end of a connection */
	add_event_locked(r, &ev);
	wake_locked(r);
	pthread_mutex_unlock(&r->mu);
}

void run_kill(struct run *r)
{
	pthread_mutex_lock(&r->mu);
	if (r->end == RUN_RUNNING)
		kill(-r->pid, SIGKILL);
	pthread_mutex_unlock(&r->mu);
	kill(-r->pid, SIGKILL);
}

void run_free(struct run *r)
{
	if (!r)
		return;
	struct run_priv *p = priv_of(r);
	kill(-r->pid, SIGKILL);
	char c = 1;
	ssize_t w = write(p->stop[1], &c, 1);
	(void)w;
	pthread_join(r->collector, NULL);
	/* Reap the main process and every member of the group we adopted. */
	int st;
	if (r->end == RUN_RUNNING)
		waitpid(r->pid, &st, 0);
	for (;;) {
		kill(-r->pid, SIGKILL);
		pid_t q = waitpid(-r->pid, &st, 0);
		if (q < 0 && errno == EINTR)
			continue;
		if (q <= 0)
			break;
	}
	live_remove(r->pid);
	int fds[] = { r->in_fd, r->out_fd, r->err_fd, r->trace_fd, r->pid_fd,
		      r->wake[0], r->wake[1], p->stop[0], p->stop[1] };
	for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	for (size_t i = 0; i < r->nev; i++)
		trace_ev_free(&r->ev[i]);
	free(r->ev);
	sbuf_free(&r->out);
	sbuf_free(&r->err);
	sbuf_free(&p->partial);
	pthread_mutex_destroy(&r->mu);
	pthread_cond_destroy(&r->cond);
	free(r);
}

struct trace_ev *run_events(struct run *r, size_t *n)
{
	pthread_mutex_lock(&r->mu);
	struct trace_ev *copy = xmalloc((r->nev ? r->nev : 1) * sizeof *copy);
	for (size_t i = 0; i < r->nev; i++) {
		copy[i] = r->ev[i];
		copy[i].text = r->ev[i].text ? xstrdup(r->ev[i].text) : NULL;
	}
	*n = r->nev;
	pthread_mutex_unlock(&r->mu);
	/* Insertion sort: stable, and the list is nearly sorted already. */
	for (size_t i = 1; i < *n; i++) {
		struct trace_ev e = copy[i];
		size_t k = i;
		while (k > 0 && copy[k - 1].t_us > e.t_us) {
			copy[k] = copy[k - 1];
			k--;
		}
		copy[k] = e;
	}
	return copy;
}

int run_stop(struct run *r)
{
	pthread_mutex_lock(&r->mu);
	int running = r->end == RUN_RUNNING;
	if (running)
		kill(-r->pid, SIGSTOP);
	pthread_mutex_unlock(&r->mu);
	if (!running)
		return -1;
	/* kill() returns before the stop takes hold: wait until it has. */
	for (long end = now_ms() + 5000; now_ms() < end;) {
		char st = run_thread_state(r->pid);
		if (st == 'T' || st == 't')
			return 0;
		if (st == 0 || st == 'Z' || st == 'X')
			return -1;
		sched_yield();
	}
	return -1;
}
