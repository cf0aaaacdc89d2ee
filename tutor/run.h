/*
 * The sandboxed runner: starts one learner program in a scratch directory,
 * in its own process group, under resource limits and a wall-clock bound,
 * with pipes on its standard streams and on the stub's trace descriptor.  A
 * collector thread drains those pipes as they fill, parses the trace and
 * wakes whoever waits.  run_free() kills everything the program started.
 *
 * Reference peers note their own calls here too (run_note), so that the
 * trace holds both sides of every exchange, in time order.
 */
#ifndef PRISE_RUN_H
#define PRISE_RUN_H

#include <pthread.h>
#include <stddef.h>
#include <sys/types.h>

#include "trace.h"

#define RUN_OUT_MAX (64 * 1024)		/* bytes of stdout/stderr kept */
#define RUN_FLOOD_MAX (4 * 1024 * 1024)	/* bytes after which the program is killed */
#define RUN_TRACE_MAX 20000		/* events kept */
#define RUN_RECHECK_MS 5		/* re-look at a stall the kernel did not confirm */

struct run_opts {
	const char *const *argv;	/* argv[0] is the program path */
	const char *dir;		/* working directory */
	const char *stdin_data;		/* written to stdin, may be NULL */
	size_t stdin_len;
	int keep_stdin;			/* leave stdin open after stdin_data */
	int cap_send, cap_recv;		/* stub byte caps, 0 = none */
	int eintr;			/* every K-th transfer fails with EINTR, 0 = never */
	const char *fail;		/* "call:ERRNO:nth,..." or NULL */
	int max_forks;			/* -1 = no limit from the stub */
	int ignore_sigpipe;
	long wall_ms;			/* killed after this long; 0 = default */
	int nproc;			/* RLIMIT_NPROC, 0 = none (only counts inside a user namespace) */
};

enum run_end {
	RUN_RUNNING,
	RUN_EXITED,	/* normal exit, see status */
	RUN_SIGNALED,	/* killed by a signal of its own (crash) */
	RUN_KILLED,	/* killed by us: wall clock, flood */
};

struct run {
	pthread_mutex_t mu;
	pthread_cond_t cond;
	pid_t pid;
	int in_fd;			/* our end of stdin, -1 once closed */
	int out_fd, err_fd, trace_fd, pid_fd;
	int wake[2];			/* written on every change, for pollers */
	struct sbuf out, err;
	size_t out_total;
	struct trace_ev *ev;
	size_t nev, evcap, dropped;
	enum run_end end;
	int status;			/* exit code, or signal number */
	int timed_out, flooded, cpu_limit;
	int stall_unsure;		/* the trace says stalled, the kernel not yet */
	int spin;			/* killed: the same call kept returning 0 or -1 */
	char spin_call[16];
	long start_us;
	long deadline_ms;
	/* Bytes moved on stream/datagram sockets, for stall detection. */
	long prog_sent, prog_recv, peer_sent, peer_recv;
	long prog_accepts, peer_connects, prog_eofs, peer_closes;
	int collector_done;
	pthread_t collector;
};

/*
 * Starts the program.  Returns NULL with errno set when it cannot (the
 * caller reports an internal error).
 */
struct run *run_start(const struct run_opts *o);

/* Closes our end of the program's stdin (EOF for the program). */
void run_close_stdin(struct run *r);

/*
 * Waits until the program has ended, at most ms.  Returns 0 if it ended, 1
 * if it can no longer make progress by itself (see run_stalled_locked), -1
 * when the time ran out.
 */
int run_wait_exit(struct run *r, long ms);

/*
 * Waits until the program has ended, at most ms, even while it waits in a
 * call (for a program whose waits end by themselves: alarm, a time-out
 * option the stub cannot see).  0 if it ended, -1 when the time ran out.
 */
int run_wait_end(struct run *r, long ms);

/* The call the main thread is blocked in ("recv", "accept"...), or NULL. */
const char *run_blocked_call(struct run *r);

/*
 * Waits for a returned ('X') call named `call` by the program, at index
 * >= *from, at most ms.  Returns its index (and sets *from past it), or -1 if
 * the program ended or the time ran out.
 */
long run_wait_call(struct run *r, const char *call, size_t *from, long ms);

/* Waits until stdout holds a complete line (or the program ended). */
int run_wait_line(struct run *r, long ms);

/*
 * True when the program can make no progress by itself: every thread we saw
 * is inside a blocking call (the kernel confirms it sleeps there) and no byte
 * is in flight either way.  When only the kernel disagrees, sets
 * r->stall_unsure: the caller should look again after a short wait
 * (RUN_RECHECK_MS), since no new event may come to wake it.  Call with
 * r->mu held.
 */
int run_stalled_locked(struct run *r);

/*
 * Waits on r->cond for the next change of the run, at most until `deadline`
 * (now_ms() time) and, when step > 0, at most step ms: what the kernel says
 * of the program changes without any event.  Returns 0, or -1 (without
 * waiting) once the deadline has passed.  Call with r->mu held.
 */
int run_wait_event_locked(struct run *r, long deadline, long step);

/* The state letter of /proc/TID/stat ('S' asleep, 'R', 'Z'...), or 0 if unreadable. */
char run_thread_state(long tid);

/*
 * When thread (or process) tid sleeps (state 'S') in a system call: returns 1
 * with its number in *nr and its first argument in *arg0 (-1 when none is
 * shown).  Returns 0 when it does not, or /proc cannot tell.
 */
int run_thread_syscall(long tid, long *nr, long *arg0);

/*
 * True when thread tid sleeps in a receive-like system call (recvfrom, read,
 * recvmsg, recvmmsg, select, poll, epoll_wait and their variants), as the
 * kernel says: it waits for something to come.
 */
int run_sleeps_in_recv(long tid);

/*
 * True when no byte waits in pipe fd (or fd is -1).  On r->out_fd, r->err_fd
 * or r->trace_fd, with r->mu held: the run holds all the program wrote there
 * so far.  On r->in_fd: the program took all its input so far.
 */
int run_pipe_empty(int fd);

/*
 * Records a call made by a reference peer.  For "close" and "shutdown" of
 * a connection (not of a listening socket), pass data = "" (non-NULL): the
 * program will see an end of file, which stall detection waits for.
 */
void run_note(struct run *r, const char *call, int fd, long ret, int err,
	      const void *data, long datalen, const char *addr);

/* Counts bytes a peer moved (also done by run_note for send/recv). */

/* Kills every process of the run, reaps them, joins the collector, frees. */
void run_free(struct run *r);

/*
 * Stops the program's process group (SIGSTOP) and waits until the kernel
 * shows its main process stopped: after that, nothing it does can race with
 * what a check arranges before run_cont().  0, or -1 if it had ended.
 */
int run_stop(struct run *r);

/* Kills the whole process group now (the run stays readable). */
void run_kill(struct run *r);

/*
 * Kills the process group of every run not yet freed.  Async-signal-safe:
 * for the handler of SIGINT / SIGTERM / SIGHUP of a prise that is stopped
 * in the middle of a check.
 */
void run_kill_all(void);

/* A copy of the events, sorted by time, for a report.  Caller frees. */
struct trace_ev *run_events(struct run *r, size_t *n);

#endif
