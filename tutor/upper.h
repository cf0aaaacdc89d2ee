/*
 * The line-uppercasing protocol of chapter 4 (SPEC §4: tcp-iterative-server,
 * tcp-fork-server, tcp-thread-server, select-server): for each line a client
 * sends (1 to 1024 bytes, '\n' included), the server sends back the line with
 * a-z in uppercase and every other byte unchanged; when the client closes,
 * the server closes its socket and goes on.  Only the bytes sent back count:
 * a server may answer a line piece by piece, before its '\n' has come.
 *
 * This module is a reference client on top of peer.h (connect, send lines in
 * chosen pieces, receive the reply, judge it) and the scenarios the servers
 * share (start and wait for listen, clients in sequence, a client that holds
 * a connection, an abrupt disconnect, descriptors of the server).
 *
 * Judging calls check_fail() with keys "upper.*" that every exercise using
 * this module defines in its checks.LANG (see the list at the end), so the
 * diagnoses can speak of that exercise's design.
 */
#ifndef PRISE_UPPER_H
#define PRISE_UPPER_H

#include <stddef.h>
#include <sys/types.h>

#include "check.h"
#include "peer.h"
#include "run.h"

#define UPPER_LINE_MAX 1024		/* longest line, '\n' included */
#define UPPER_STREAM_MAX (64 * 1024)	/* bytes one client sends in a check, at most */

/* What a correct server sends back for byte c. */
unsigned char upper_byte(unsigned char c);

/* out[i] = upper_byte(in[i]) for len bytes (out may be in). */
void upper_expect(const void *in, size_t len, void *out);

/*
 * A random line of exactly len bytes (1 <= len <= UPPER_LINE_MAX), the last
 * one '\n', no other '\n' and no NUL: lowercase and uppercase letters,
 * digits, punctuation (including the bytes next to the letters: '`', '{',
 * '@', '['), spaces and UTF-8 accented letters (bytes >= 0x80, which must
 * come back unchanged).  From 4 bytes on it holds a lowercase letter; from
 * 12 bytes on, 'a', 'z', '`', '{' and an accented letter (a wrong range
 * always shows).
 */
void upper_random_line(char *buf, size_t len);

/*
 * n random lines of lengths in [lo, hi] one after the other into buf (which
 * holds at least n * hi bytes); the first one at least 16 bytes long (or hi
 * if less), so it holds every byte upper_random_line promises.  Returns the
 * total length.
 */
size_t upper_random_lines(char *buf, int n, size_t lo, size_t hi);

/* One reference client. */
struct upper_client {
	struct run *r;
	int fd;			/* our socket, -1 once closed */
	int port;		/* its local port: the address the server's accept shows */
	int id;			/* 1, 2...: the order of connection, for messages */
	unsigned char *sent;	/* every byte sent so far (UPPER_STREAM_MAX) */
	size_t nsent;
	unsigned char *got;	/* every byte received so far (UPPER_STREAM_MAX) */
	size_t ngot;
	enum peer_io io;	/* outcome of the last receive or finish */
	int err;		/* errno when io is PEER_ERROR (or a reset) */
	int eof;		/* the server closed the connection */
	const char *blocked;	/* the call the server was seen stuck in, or NULL */
	struct upper_client *hold;	/* see upper_recv */
	int held;		/* upper_recv gave up: the server is stuck on hold */
};

/*
 * Connects a client to 127.0.0.1:port (the program's listen must have
 * returned).  NULL with errno set when the connection failed.
 */
struct upper_client *upper_connect(struct run *r, int port);

/*
 * upper_connect, or NULL with the check failed: the server ended (key
 * upper.ended, upper.sigpipe...) or refused (upper.noconnect).
 */
struct upper_client *upper_connect_check(struct check *c, struct run *r, int port,
					  const char *what);

/* Sends len bytes in pieces of at most piece bytes (0: all at once). */
enum peer_io upper_send(struct upper_client *u, const void *buf, size_t len, size_t piece);

/*
 * Receives until the reply covers every byte sent (ngot == nsent), the
 * server closed, stalled, ended, or ms ran out.  It also gives up early
 * (io = PEER_STALL, u->blocked = the call) when the server's process that
 * serves u, with a single thread, is seen asleep waiting for input (its
 * last trace record the 'E' of select, poll, accept or a receive, and the
 * kernel agrees) after it received every byte u sent, ending with a '\n',
 * and everything it sent u has come: its reply is complete for now, even
 * while other clients' bytes are in flight.  When u->hold is set (another
 * client, connected, that waits), it gives up too as soon as the server is
 * seen asleep in a receive on hold's connection after it received all
 * hold's bytes (u->held = 1): a server that should not be delayed by hold
 * is.  Sets u->io and returns it.
 */
enum peer_io upper_recv(struct upper_client *u, long ms);

/*
 * Is the server, one process with one thread, asleep in a receive on u's
 * connection after it received every byte u sent?  (It waits for u.)
 */
int upper_server_waits_on(const struct upper_client *u);

/*
 * Waits, without sending, until the server closes u's connection
 * (PEER_CLOSED), or is seen waiting for u (PEER_STALL with u->held = 1, see
 * upper_server_waits_on), or ends, stalls otherwise, or ms runs out.  Bytes
 * that come are added to got.  Sets u->io and returns it.
 */
enum peer_io upper_await(struct upper_client *u, long ms);

/* upper_send then upper_recv. */
enum peer_io upper_exchange(struct upper_client *u, const void *buf, size_t len,
			    size_t piece, long ms);

/*
 * Ends the client as the course's clients do: shutdown(SHUT_WR), then waits
 * for the server to close the connection (bytes that still come are added
 * to got).  PEER_CLOSED when the server closed; PEER_STALL at once (with
 * u->blocked) when the server read the end of file and went back to waiting
 * without closing.  Then closes our socket.
 */
enum peer_io upper_finish(struct upper_client *u, long ms);

/* An abrupt disconnect: SO_LINGER 0 then close, so the server gets a RST. */
void upper_reset(struct upper_client *u);

/*
 * Closes the socket if open and frees the client (NULL is fine).  After the
 * server closed the connection (u->eof), our close is no news to it.
 */
void upper_free(struct upper_client *u);

/*
 * The fd the server's accept() returned for this client (matched by the
 * client's port in the accept record), or -1 if the trace has none; *pid is
 * set to the process that accepted it.
 */
int upper_server_fd(const struct upper_client *u, long *pid);

/* Did the server close (or shut down) the fd it accepted for this client? */
int upper_server_closed(const struct upper_client *u);

/*
 * Compares the reply so far with the uppercase of what was sent.  Returns 0
 * when every byte sent came back right (ngot == nsent); else fails the check
 * with a diagnosis (keys below) and returns -1.  what names the scenario in
 * the message ({1} of every key), e.g. "the second client".
 */
int upper_judge(struct check *c, struct upper_client *u, const char *what);

/*
 * Starts the program with PORT = a fresh port as args[0] (the other fields of
 * *s are kept) and waits for its listen().  Returns the run with *port set,
 * or NULL when the check failed (no port, no listen: keys upper.nolisten*,
 * upper.listen_failed).
 */
struct run *upper_start(struct check *c, struct spawn *s, int *port);

/*
 * n distinct random line lengths in [lo, hi] (hi - lo >= n), longest first:
 * the bytes a long line leaves in a buffer show in the next one.
 */
void upper_distinct_lens(size_t *lens, int n, size_t lo, size_t hi);

/*
 * Starts the program (upper_start with *s), connects one client, sends it n
 * random lines of the given lengths one at a time, each in pieces of at most
 * piece bytes (0: at once), judging each reply, then finishes (the server
 * must close).  Returns 0, or -1 with the check failed.
 */
int upper_lines(struct check *c, struct spawn *s, const size_t *lens, int n, size_t piece);

/*
 * Starts the program, connects one client that sends 8 lines in a single
 * send(), then 8 shorter ones, judging each reply, then finishes.
 */
int upper_batch(struct check *c, struct spawn *s);

/*
 * Serves client u: `lines` random lines in one send(), their reply, then the
 * end (the server must close).  Returns 0, or -1 with the check failed.
 */
int upper_serve(struct check *c, struct upper_client *u, const char *what, int lines);

/* "client N" in the learner's language (key upper.what.client, {1} = n). */
const char *upper_what(struct check *c, int n);

/*
 * Scenario: n clients one after the other; each sends `lines` random lines
 * of 2 to 60 bytes, all in one send() or in pieces of at most piece bytes,
 * waits for the whole reply, then finishes (shutdown, and the server must
 * close).  Returns 0, or -1 with the check failed.
 */
int upper_sequence(struct check *c, struct run *r, int port, int n, int lines, size_t piece);

/*
 * Scenario: a first client connects and sends hold_bytes bytes of a line
 * (0: nothing) and waits; then a second client sends lines and must get its
 * whole reply while the first still holds its connection; then the first
 * completes its line and must get its reply too.  Returns 0 or -1 (failed,
 * key upper.held when the second client was delayed).
 */
int upper_held(struct check *c, struct run *r, int port, size_t hold_bytes);

/*
 * Scenario: two clients connect and are served a line each; then the first
 * sends many lines and resets its connection (RST) before reading the
 * replies, and the second must go on being served.  Returns 0 or -1.
 * *conclusive is set to 1 when the server was seen writing to the reset
 * connection (so a server that neither ignores SIGPIPE nor sends with
 * MSG_NOSIGNAL would have died); else the scenario is tried again, up to
 * three times, with more lines.  Then a new client must be served.  Start
 * the program with a small cap_recv (16) so that the reset comes while it
 * still has lines to answer.
 */
int upper_abrupt(struct check *c, struct run *r, int port, int *conclusive);

/*
 * Reads /proc/PID/<name> into buf (cap bytes, NUL added); returns the
 * length, or -1 when it cannot be read.
 */
ssize_t upper_proc_read(long pid, const char *name, char *buf, size_t cap);

/* Threads of process pid (/proc/PID/status), or -1 when unreadable. */
int upper_proc_threads(long pid);

/*
 * The system call process pid sleeps in (*nr) and its first argument
 * (*arg0), from /proc/PID/syscall.  Returns 0, or -1 when it runs (its
 * state is not S) or cannot be read.
 */
int upper_proc_syscall(long pid, long *nr, long *arg0);

/* Entries in /proc/PID/fd, or -1 when unreadable. */
int upper_fd_count(pid_t pid);

/*
 * Waits (at most ms) until the program's main process holds at most limit
 * descriptors.  Returns the last count, or -1 when /proc cannot tell.
 */
int upper_fds_settle(struct run *r, int limit, long ms);

/* Children of pid in state Z (zombies), or -1 when /proc is unreadable. */
int upper_zombies(pid_t pid);

/* Did a process or thread of the run call fork() or pthread_create()? */
const char *upper_forked(struct run *r);

/*
 * What the server's processes and threads are doing, read in /proc (state,
 * system call and its arguments) and in the trace: bounded polling to
 * detect readiness, never a pause that decides a verdict.
 */

/* The processes of process group pgid (the run's) not yet ended, up to max. */
int upper_group_pids(long pgid, long *pids, int max);

/*
 * Has process pid of the run's group pgid ended (a zombie, or gone)?  A pid
 * outside the group is another process that reused the number.
 */
int upper_proc_dead(long pid, long pgid);

/* What a thread is doing, as far as the kernel and the trace tell. */
enum upper_doing {
	UPPER_GONE,	/* ended */
	UPPER_RUNS,	/* runnable, or in a call we cannot judge */
	UPPER_TIMED,	/* waits with a time-out: it goes on by itself */
	UPPER_ACCEPT,	/* waits for a connection (accept, or select/poll without time-out) */
	UPPER_STUCK,	/* waits for data, a child, a lock or a signal */
};

/* How many threads of the processes do each thing. */
struct upper_census {
	int n[UPPER_STUCK + 1];
	int main_doing;		/* the server's main thread (an enum upper_doing) */
	long main_nr;		/* the system call it sleeps in, or -1 */
};

/*
 * Fills *cs with what every thread of the npids processes pids does
 * (main_doing: UPPER_GONE and main_nr -1 when the server's main thread,
 * r->pid, is not among them).
 */
void upper_census_of(struct run *r, const long *pids, int npids, struct upper_census *cs);

/* Has the run ended (or its collector stopped)? */
int upper_run_ended(struct run *r);

/*
 * Waits until the collector has parsed every trace record the program
 * wrote so far (the pipe holds no unread byte), at most WAIT_MS: before
 * judging that a call is missing from the trace.
 */
void upper_trace_flush(struct run *r);

typedef int (*upper_cond_fn)(struct run *r, void *arg);

/*
 * Waits until cond holds, looking again at every event of the run and every
 * 10 ms (what /proc shows brings no event), at most ms.  Returns 1 when it
 * holds, 0 when the time ran out or the run ended first.
 */
int upper_wait_until(struct run *r, upper_cond_fn cond, void *arg, long ms);

/*
 * Everything is delivered: every byte one side sent was received by the
 * other, every connection of ours accepted, every close of ours seen by
 * the program as an end of file (the kernel may still be delivering what
 * the trace does not show yet).  The ends of file are counted from the
 * program's receives alone: a parent that closes its copy of a client's
 * socket after fork() has seen no end of file.  Returns 1 or 0.
 */
int upper_settled(struct run *r);

enum { UPPER_QUIET_SETTLED = 1, UPPER_QUIET_NO_ACCEPT = 2 };

/*
 * Nobody can go on by himself: every thread of the run waits (for data, a
 * connection, a child) without a time-out, on two looks in a row with no
 * new event between.  UPPER_QUIET_SETTLED in how: and nothing is on its way
 * to the program (upper_settled).  UPPER_QUIET_NO_ACCEPT: a thread waiting
 * for a connection counts as able to go on (one of ours may not have
 * reached its queue yet).  Returns 1 or 0.
 */
int upper_quiet(struct run *r, int how);

/* Index in r->ev of the program's accept() that returned u's connection, or -1. */
long upper_accept_index(struct run *r, const struct upper_client *u);

/*
 * Receives u's reply like upper_recv (at most WAIT_MS), and also gives up
 * as soon as the server has not accepted u and cannot go on by itself
 * (every thread of every process waits for data, a child or a lock: a
 * server that serves one client at a time).  Returns 1 when it gave up so,
 * else 0.
 */
int upper_recv_or_held(struct run *r, struct upper_client *u);

/*
 * Keys of the diagnoses, with their arguments ({1} is always `what`):
 *   upper.noreply         {2} what was sent: nothing came back
 *   upper.noreply_blocked {2} sent, {3} the call the server waits in
 *   upper.short           {2} bytes came of {3} expected, {4} a quote of them
 *   upper.short_blocked   same, {5} the call the server waits in
 *   upper.closed          the server closed after {2} of {3} bytes
 *   upper.reset           the connection was reset after {2} of {3} bytes
 *   upper.shortsend       a send moved {2} of {3} bytes, the rest never came
 *   upper.extra           {2} bytes more than the server received, {3} a quote
 *   upper.nonl            the '\n' ending line {2} did not come back
 *   upper.lost            {2} bytes left out from column {3} of line {4}
 *   upper.lower           column {2}: {3} left lowercase, line {4}, {5} the
 *                         bytes around (a quote)
 *   upper.high            column {2}: {3} (>= 0x80) became {4}, line {5}, {6}
 *                         the bytes around
 *   upper.changed         column {2}: {3}, not a-z, became {4}, line {5}, {6}
 *   upper.wrong           column {2}: {3} expected, {4} came, line {5}, {6}
 *   upper.ended           the server ended with status {2}, {3} its stderr
 *   upper.sigpipe         the server was killed by SIGPIPE
 *   upper.noconnect       the connection failed ({2}: strerror)
 *   upper.noclose         the client closed; the server kept the connection
 *                         open and waits in {2}()
 *   upper.noclose_hang    same, the server is not in a socket call
 *   upper.held            not served while another client held a half line;
 *                         the server waits in {2}() for that other client
 *   upper.what.client     "client {1}", the `what` the scenarios pass
 * and, from upper_start (no `what`):
 *   upper.nolisten        ended with status {1} before listen ({2}: stderr)
 *   upper.nolisten_blocked  waits in {1}() and never listened
 *   upper.nolisten_hang     never listened
 *   upper.listen_failed   listen() failed ({1}: stderr)
 *   upper.htons           bound port {1}, the byte-swapped {2}
 *   upper.port            bound port {1}, not {2}
 */

#endif
