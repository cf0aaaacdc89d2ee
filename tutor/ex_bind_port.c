/*
 * Checks of bind-port (SPEC §4, chapter 1): a TCP socket named on all
 * interfaces at PORT, the port read back with getsockname and printed, the
 * socket kept until standard input is closed.
 *
 * The program spends its life waiting on its standard input, which the stub
 * does not trace (stdin is no socket).  So "it is waiting now" is asked of
 * the kernel (/proc/PID/stat and /proc/PID/syscall), and "everything it
 * wrote so far has been collected" of the pipes (FIONREAD), both under the
 * run's lock, where the collector drains them: a verdict never rests on a
 * pause.  Whether the port is really held is proved by binding it ourselves
 * (without SO_REUSEADDR, which makes any bound socket a conflict).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
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
#include "util.h"

/* What a line typed on the program's stdin looks like (not its end). */
static const char typed_line[] = "bonjour\n";

/* Reads after the end of input that only a loop ignoring read()'s 0 makes. */
#define EOF_SPIN_READS 2000

enum settle { SETTLE_ENDED, SETTLE_WAITING, SETTLE_TIMEOUT };

/* The socket the program named, as its trace shows it. */
struct bound {
	int fd;			/* -1: no successful bind */
	int type;		/* SOCK_STREAM, SOCK_DGRAM... or -1 if unknown */
	char ip[64];
	int port;		/* as bound (0: the system chose), -1 if not AF_INET */
	int gs_port;		/* from the last getsockname on fd after bind, -1 if none */
	int gs_before;		/* a getsockname on fd before bind read this port, else -1 */
	int bind_calls;		/* successful or not */
	int bind_err;		/* errno of the last failed bind, 0 if none */
	int closed;		/* a close of fd returned 0 */
};

/* Could a program sleeping in this call be waiting for its standard input? */
static int reads_stdin(long nr, long arg0)
{
	if (nr == SYS_read || nr == SYS_readv || nr == SYS_pread64)
		return arg0 == 0;
	static const long waits[] = {
#ifdef SYS_poll
		SYS_poll,
#endif
#ifdef SYS_select
		SYS_select,
#endif
#ifdef SYS_epoll_wait
		SYS_epoll_wait,
#endif
		SYS_ppoll, SYS_pselect6, SYS_epoll_pwait,
	};
	for (size_t i = 0; i < sizeof waits / sizeof waits[0]; i++)
		if (nr == waits[i])
			return 1;
	return 0;
}

static int program_called_locked(struct run *r)
{
	for (size_t i = 0; i < r->nev; i++)
		if (r->ev[i].side == SIDE_PROGRAM)
			return 1;
	return 0;
}

/*
 * Waits until the program has ended, or sleeps after its first socket call
 * with all it wrote collected.  With typed set, a program sleeping in a read
 * of its stdin counts only once it has taken what we typed (a program that
 * sleeps elsewhere counts at once: it does not read).  At most ms.
 */
static enum settle settle(struct run *r, int typed, long ms, int *stdin_left)
{
	long deadline = now_ms() + ms;
	enum settle res = SETTLE_TIMEOUT;
	pthread_mutex_lock(&r->mu);
	for (;;) {
		if (r->end != RUN_RUNNING || r->collector_done) {
			res = SETTLE_ENDED;
			break;
		}
		long nr, arg0;
		/* Asleep before and after we read its call: it sleeps in that one. */
		if (program_called_locked(r) && run_thread_syscall(r->pid, &nr, &arg0) &&
		    run_thread_state(r->pid) == 'S' && run_pipe_empty(r->out_fd) &&
		    run_pipe_empty(r->err_fd) && run_pipe_empty(r->trace_fd)) {
			int left = !run_pipe_empty(r->in_fd);
			if (!typed || !left || !reads_stdin(nr, arg0)) {
				if (stdin_left)
					*stdin_left = left;
				res = SETTLE_WAITING;
				break;
			}
		}
		if (run_wait_event_locked(r, deadline, RUN_RECHECK_MS) < 0)
			break;
	}
	pthread_mutex_unlock(&r->mu);
	return res;
}

/* The count of read-like system calls the process made, or -1. */
static long proc_reads(pid_t pid)
{
	char path[64], buf[512];
	snprintf(path, sizeof path, "/proc/%d/io", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	const char *p = strstr(buf, "syscr: ");
	return p ? strtol(p + 7, NULL, 10) : -1;
}

/*
 * Waits at most ms for the program to end after its stdin was closed.
 * Returns 0 when it ended, 1 when it keeps calling read() (each returns 0 at
 * the end of input, it never stops), -1 when the time ran out.
 */
static int wait_exit_after_eof(struct run *r, long ms)
{
	long deadline = now_ms() + ms;
	long base = proc_reads(r->pid);
	int res = -1;
	pthread_mutex_lock(&r->mu);
	for (;;) {
		if (r->end != RUN_RUNNING || r->collector_done) {
			res = 0;
			break;
		}
		long reads = base >= 0 ? proc_reads(r->pid) : -1;
		if (reads >= 0 && reads - base > EOF_SPIN_READS) {
			res = 1;
			break;
		}
		if (run_wait_event_locked(r, deadline, RUN_RECHECK_MS) < 0)
			break;
	}
	pthread_mutex_unlock(&r->mu);
	return res;
}

/* Reads the program's naming of its socket from the trace. */
static void find_bound(struct run *r, struct bound *b)
{
	memset(b, 0, sizeof *b);
	b->fd = -1;
	b->type = -1;
	b->gs_port = -1;
	b->gs_before = -1;
	int types[256], gs_by_fd[256];
	for (int i = 0; i < 256; i++)
		types[i] = gs_by_fd[i] = -1;
	pthread_mutex_lock(&r->mu);
	for (size_t i = 0; i < r->nev; i++) {
		const struct trace_ev *e = &r->ev[i];
		if (e->side != SIDE_PROGRAM || e->phase != 'X')
			continue;
		if (!strcmp(e->call, "socket") && e->ret >= 0 && e->ret < 256) {
			types[e->ret] = (int)e->arg;
		} else if (!strcmp(e->call, "bind")) {
			b->bind_calls++;
			int port;
			char ip[64];
			if (e->ret != 0) {
				b->bind_err = e->err;
				continue;
			}
			int known = e->fd >= 0 && e->fd < 256;
			b->fd = e->fd;
			b->type = known ? types[e->fd] : -1;
			b->gs_before = known ? gs_by_fd[e->fd] : -1;
			b->gs_port = -1;
			b->closed = 0;
			/* "family0" and the like: not an AF_INET (or AF_INET6) address. */
			if (trace_addr_split(e->addr, ip, sizeof ip, &port) == 0) {
				snprintf(b->ip, sizeof b->ip, "%s", ip);
				b->port = port;
			} else {
				snprintf(b->ip, sizeof b->ip, "%s", e->addr);
				b->port = -1;
			}
		} else if (!strcmp(e->call, "getsockname") && e->ret == 0) {
			int port;
			char ip[64];
			if (trace_addr_split(e->addr, ip, sizeof ip, &port) < 0)
				continue;
			if (e->fd == b->fd && b->fd >= 0)
				b->gs_port = port;
			else if (e->fd >= 0 && e->fd < 256)
				gs_by_fd[e->fd] = port;
		} else if (!strcmp(e->call, "close") && e->ret == 0 && b->fd >= 0 &&
			   e->fd == b->fd) {
			b->closed = 1;
		}
	}
	pthread_mutex_unlock(&r->mu);
}

static int is_any(const char *ip)
{
	return !strcmp(ip, "0.0.0.0") || !strcmp(ip, "[::]");
}

/* Binds port on 0.0.0.0 for a moment, without SO_REUSEADDR: 0 or an errno. */
static int bind_probe(int port, int type)
{
	int fd = peer_reserve(port, type, 1);
	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

/*
 * Does the program hold port?  We try to bind it ourselves (TCP, or UDP
 * for a UDP socket) and note the attempt in the trace.  Returns 1 when the
 * port is held (EADDRINUSE), 0 when it was free, -1 when we cannot tell.
 */
static int port_held(struct run *r, int port, int type)
{
	int err = bind_probe(port, type == SOCK_DGRAM ? SOCK_DGRAM : SOCK_STREAM);
	char addr[32];
	snprintf(addr, sizeof addr, "0.0.0.0:%d", port);
	run_note(r, "bind", -1, err ? -1 : 0, err, NULL, 0, addr);
	if (!err)
		return 0;
	return err == EADDRINUSE ? 1 : -1;
}

/* The first port the kernel hands out for bind(0) or connect. */
static int ephemeral_low(void)
{
	int lo = 32768;
	FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "re");
	if (f) {
		if (fscanf(f, "%d", &lo) != 1)
			lo = 32768;
		fclose(f);
	}
	return lo;
}

/*
 * A fresh port for the program to bind, whose byte-swapped twin (what a
 * program without htons binds) is free too, both below the kernel's
 * ephemeral range so that no bind(0) or connect of another check takes
 * them meanwhile.  -1 (and the check failed) if there is none.
 */
static int fresh_port(struct check *c)
{
	int lo = ephemeral_low(), port = -1;
	for (int tries = 0; tries < 200; tries++) {
		int p = sandbox_port();
		if (p < 0)
			break;
		port = p;
		int twin = peer_swap_port(p);
		if (p < lo && twin < lo && bind_probe(twin, SOCK_STREAM) == 0)
			return p;
	}
	if (port < 0)
		check_fail(c, NULL, "internal.port", NULL);
	return port;
}

/* Finds a line "port N" in the output; 1 and *n when there. */
static int parse_port_line(const char *out, long long *n)
{
	return check_number_line(out, "port ", " \r\t", n);
}

/* Writes what a user would type on the program's stdin; never SIGPIPEs us. */
static void type_line(struct run *r)
{
	sigset_t pipe_set, old;
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	pthread_mutex_lock(&r->mu);
	ssize_t w = r->in_fd >= 0 ? write(r->in_fd, typed_line, sizeof typed_line - 1) : 0;
	pthread_mutex_unlock(&r->mu);
	int err = errno;
	if (w > 0)
		run_note(r, "stdin", 0, w, 0, typed_line, w, NULL);
	if (w < 0 && err == EPIPE) {
		struct timespec zero = { 0, 0 };
		sigtimedwait(&pipe_set, NULL, &zero);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/* Starts `prog PORT` with stdin left open and waits for it to settle. */
static struct run *start_port(struct check *c, const char *port, enum settle *st)
{
	struct spawn s = { .args = { port, NULL }, .keep_stdin = 1 };
	struct run *r = check_spawn(c, &s);
	if (r)
		*st = settle(r, 0, WAIT_MS, NULL);
	return r;
}

/* The trace clauses of the naming: a TCP socket named on all interfaces at want. */
static int judge_naming(struct check *c, struct run *r, const struct bound *b, int want)
{
	if (b->fd < 0) {
		if (b->bind_calls)
			check_fail(c, r, "bindfailed", strerrorname_np(b->bind_err) ?
				   strerrorname_np(b->bind_err) : check_str(c, "%d", b->bind_err),
				   check_str(c, "%d", want), NULL);
		else
			check_fail(c, r, "nobind", NULL);
		return -1;
	}
	if (b->type != SOCK_STREAM && b->type != -1) {
		check_fail(c, r, "notstream", NULL);
		return -1;
	}
	if (b->port < 0) {
		const char *fam = strncmp(b->ip, "family", 6) ? b->ip : b->ip + 6;
		check_fail(c, r, "family", check_str(c, "%s", fam), NULL);
		return -1;
	}
	if (b->port != want) {
		if (b->port == peer_swap_port(want))
			check_fail(c, r, "htons", check_str(c, "%d", b->port),
				   check_str(c, "%d", want), NULL);
		else
			check_fail(c, r, "wrongport", check_str(c, "%d", b->port),
				   check_str(c, "%d", want), NULL);
		return -1;
	}
	if (!is_any(b->ip)) {
		check_fail(c, r, "notany", check_str(c, "%s", b->ip), NULL);
		return -1;
	}
	return 0;
}

/*
 * The printed line: "port N" with N = real, the port actually bound; `given`
 * is the PORT argument, for the diagnosis of a program that prints it back.
 */
static int judge_line(struct check *c, struct run *r, const struct bound *b, enum settle st,
		      int real, int given)
{
	char *out = check_stdout(r);
	char *err = check_stderr(r);
	long long n;
	int ok = -1;
	if (!parse_port_line(out, &n)) {
		long long dummy;
		if (!*out && parse_port_line(err, &dummy))
			check_fail(c, r, "stderr_line", NULL);
		else if (!*out && st == SETTLE_WAITING)
			check_fail(c, r, "unflushed", check_str(c, "%d", real), NULL);
		else
			check_fail(c, r, "output", check_str(c, "%d", real),
				   check_quote(c, out, strlen(out)), NULL);
	} else if (n != real) {
		if (n == 0 && b->gs_before == 0)
			check_fail(c, r, "before_bind", NULL);
		else if (n == peer_swap_port(real))
			check_fail(c, r, "ntohs", check_str(c, "%lld", n), check_str(c, "%d", real),
				   NULL);
		else if (n == given)
			check_fail(c, r, "printed_arg", check_str(c, "%lld", n),
				   check_str(c, "%d", real), NULL);
		else
			check_fail(c, r, "value", check_str(c, "%lld", n), check_str(c, "%d", real),
				   NULL);
	} else {
		ok = 0;
	}
	free(out);
	free(err);
	return ok;
}

static void chk_usage(struct check *c)
{
	check_common_usage(c);
}

static void chk_port(struct check *c)
{
	int port = fresh_port(c);
	if (port < 0)
		return;
	enum settle st;
	struct run *r = start_port(c, check_str(c, "%d", port), &st);
	if (!r)
		return;
	if (st == SETTLE_TIMEOUT) {
		check_fail_stuck(c, r, run_blocked_call(r));
		return;
	}
	if (st == SETTLE_ENDED && check_abnormal(c, r))
		return;
	struct bound b;
	find_bound(r, &b);
	if (judge_naming(c, r, &b, port) < 0 || judge_line(c, r, &b, st, port, -1) < 0)
		return;
	/* Still running: the port must really be held, on every address. */
	if (st == SETTLE_WAITING && port_held(r, port, b.type) == 0)
		check_fail(c, r, "notbound", check_str(c, "%d", port), NULL);
	run_kill(r);
}

static void chk_port_zero(struct check *c)
{
	enum settle st;
	struct run *r = start_port(c, "0", &st);
	if (!r)
		return;
	if (st == SETTLE_TIMEOUT) {
		check_fail_stuck(c, r, run_blocked_call(r));
		return;
	}
	if (st == SETTLE_ENDED && check_abnormal(c, r))
		return;
	struct bound b;
	find_bound(r, &b);
	if (b.fd < 0 && !b.bind_calls && st == SETTLE_ENDED && r->status != 0) {
		check_fail(c, r, "refused", check_stderr_quote(c, r), NULL);
		return;
	}
	/* The address and the type are the check "port"'s business. */
	if (b.fd < 0) {
		judge_naming(c, r, &b, 0);
		return;
	}
	if (b.port > 0) {
		check_fail(c, r, "wrongport", check_str(c, "%d", b.port), NULL);
		return;
	}
	if (b.gs_port < 0) {
		check_fail(c, r, b.gs_before >= 0 ? "before_bind" : "nogetsockname", NULL);
		return;
	}
	if (b.gs_port == 0) {
		check_fail(c, r, "before_bind", NULL);
		return;
	}
	judge_line(c, r, &b, st, b.gs_port, 0);
	run_kill(r);
}

static void chk_stdin(struct check *c)
{
	int port = fresh_port(c);
	if (port < 0)
		return;
	enum settle st;
	struct run *r = start_port(c, check_str(c, "%d", port), &st);
	if (!r)
		return;
	if (st == SETTLE_TIMEOUT) {
		check_fail_stuck(c, r, run_blocked_call(r));
		return;
	}
	if (st == SETTLE_ENDED && check_abnormal(c, r))
		return;
	struct bound b;
	find_bound(r, &b);
	int held = b.port > 0 ? b.port : b.gs_port;
	if (b.fd < 0 || held <= 0) {
		check_fail(c, r, "needs_port", NULL);
		return;
	}
	if (st == SETTLE_ENDED) {
		check_fail(c, r, "nowait", check_str(c, "%d", r->status), NULL);
		return;
	}
	if (port_held(r, held, b.type) == 0) {
		check_fail(c, r, "notbound", check_str(c, "%d", held), NULL);
		return;
	}
	/* A line typed is not the end of the input. */
	type_line(r);
	int left = 0;
	st = settle(r, 1, WAIT_MS, &left);
	if (st == SETTLE_ENDED) {
		if (!check_abnormal(c, r))
			check_fail(c, r, "first_line", NULL);
		return;
	}
	if (st == SETTLE_TIMEOUT || left) {
		const char *call = run_blocked_call(r);
		if (call)
			check_fail(c, r, "run.blocked", call, NULL);
		else if (st == SETTLE_WAITING || !run_pipe_empty(r->in_fd))
			check_fail(c, r, "noread", NULL);
		else
			check_fail(c, r, "run.hang", NULL);
		run_kill(r);
		return;
	}
	if (port_held(r, held, b.type) == 0) {
		check_fail(c, r, "notbound", check_str(c, "%d", held), NULL);
		return;
	}
	/* The end of the input: close the socket, exit 0. */
	run_close_stdin(r);
	run_note(r, "stdin-eof", 0, 0, 0, NULL, 0, NULL);
	int w = wait_exit_after_eof(r, WAIT_MS);
	if (w != 0) {
		const char *call = run_blocked_call(r);
		if (w == 1)
			check_fail(c, r, "eof_spin", NULL);
		else if (call)
			check_fail(c, r, "run.blocked", call, NULL);
		else
			check_fail(c, r, "noexit", NULL);
		run_kill(r);
		return;
	}
	if (check_abnormal(c, r))
		return;
	find_bound(r, &b);
	if (r->status != 0)
		check_fail(c, r, "status", check_str(c, "%d", r->status), NULL);
	else if (!b.closed)
		check_fail(c, r, "noclose", NULL);
}

static void chk_busy(struct check *c)
{
	int port;
	int lfd = check_listen_fresh(c, &port, 1, NULL);
	if (lfd < 0)
		return;
	const char *ps = check_str(c, "%d", port);
	enum settle st;
	struct run *r = start_port(c, ps, &st);
	if (!r) {
		close(lfd);
		return;
	}
	struct bound b;
	find_bound(r, &b);
	if (st == SETTLE_TIMEOUT) {
		check_fail_stuck(c, r, run_blocked_call(r));
	} else if (st == SETTLE_ENDED && check_abnormal(c, r)) {
		/* failed */
	} else if (!b.bind_calls) {
		check_fail(c, r, "nobind", NULL);
	} else if (b.fd >= 0) {
		/* Named anyway: not at PORT, or not in a way that meets our listener. */
		if (judge_naming(c, r, &b, port) == 0)
			check_fail(c, r, "went_on", ps, NULL);
	} else if (st == SETTLE_WAITING) {
		check_fail(c, r, "went_on", ps, NULL);
	} else {
		char *err = check_stderr(r);
		if (r->status == 0)
			check_fail(c, r, "status0", ps, NULL);
		else if (!*err)
			check_fail(c, r, "silent", ps, NULL);
		else if (!check_names_call(err, "bind"))
			check_fail(c, r, "unnamed", ps, check_quote(c, err, strlen(err)), NULL);
		free(err);
	}
	run_kill(r);
	close(lfd);
}

static void chk_errors(struct check *c)
{
	/* stdin closed: a program that went on does not wait for it. */
	check_common_fail_port(c, "socket", "EMFILE");
}

/*
 * check_common_bad_port, but judged as soon as the program settles: a
 * program that takes "abc" for a port waits on its stdin, not in a socket
 * call, so waiting for its end would cost the whole bound.
 */
static void chk_bad_port(struct check *c)
{
	static const char *const bad[] = { "abc", "70000", "80x" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0] && !c->failed; i++) {
		enum settle st;
		struct run *r = start_port(c, bad[i], &st);
		if (!r)
			return;
		struct bound b;
		find_bound(r, &b);
		if (b.bind_calls || st != SETTLE_ENDED) {
			check_fail(c, r, "badport.used", bad[i], NULL);
			run_kill(r);
			return;
		}
		check_usage_refused(c, r, check_str(c, "PORT = \"%s\"", bad[i]));
	}
}

const struct check_def ex_bind_port_checks[] = {
	{ "usage", chk_usage },
	{ "port", chk_port },
	{ "port-zero", chk_port_zero },
	{ "stdin", chk_stdin },
	{ "busy", chk_busy },
	{ "errors", chk_errors },
	{ "bad-port", chk_bad_port },
	{ NULL, NULL },
};
