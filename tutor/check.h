/*
 * What a check sees and can do.  A check is a function that drives one or
 * more runs of the learner's program against reference peers and, when a
 * clause of the exercise is broken, calls check_fail() with a message key of
 * the exercise (text.LANG, "CHECK.KEY") or a common one (messages.LANG).
 * The first failure is kept; a check that never fails passes.
 *
 * Every exercise's checks live in one file, tutor/ex_<id>.c, as a table of
 * struct check_def; tutor/checks.c lists the tables.
 */
#ifndef PRISE_CHECK_H
#define PRISE_CHECK_H

#include <stddef.h>

#include "catalog.h"
#include "run.h"

/* The bounds every wait uses: only a wrong program ever reaches them. */
#define WAIT_MS 5000
#define CHECK_MAX_RUNS 8
#define CHECK_MAX_STRS 32

struct check_env {
	const struct catalog *cat;
	const struct exercise *ex;
	enum lang lang;
	const char *prog;	/* the compiled program */
	const char *scratch;	/* a folder for the runs */
	int isolated;		/* private network namespace */
};

struct check {
	const struct check_env *env;
	const struct ex_check *spec;
	int failed;
	char *message;			/* localized, owned */
	struct trace_ev *trace;		/* of the run that decided, owned */
	size_t ntrace;
	struct run *runs[CHECK_MAX_RUNS];
	int nruns;
	char *strs[CHECK_MAX_STRS];	/* strings made by check_str() */
	int nstrs;
	long ms;
};

typedef void (*check_fn)(struct check *c);

struct check_def {
	const char *id;
	check_fn run;
};

/* From tutor/checks.c: the implementation of a check, or NULL. */
check_fn checks_find(const char *exercise, const char *check);

/* How to start the program for one scenario. */
struct spawn {
	const char *args[8];		/* after argv[0], NULL-terminated */
	const char *input;		/* stdin, may be NULL */
	size_t input_len;
	int keep_stdin;
	int cap_send, cap_recv, eintr;
	const char *fail;
	int ignore_sigpipe;
	long wall_ms;
};

/* Starts the learner's program; NULL (and the check failed) if impossible. */
struct run *check_spawn(struct check *c, const struct spawn *s);

/*
 * Fails the check with message key (looked up as "<check-id>.<key>" in the
 * exercise, then as "<key>" in the exercise and common messages), whose
 * {1}, {2}... are replaced by the following strings (NULL-terminated).
 * Keeps only the first failure.  The trace of run r (may be NULL) is kept.
 */
void check_fail(struct check *c, struct run *r, const char *key, ...)
	__attribute__((sentinel));

/* A string that lives as long as the check (for message arguments). */
const char *check_str(struct check *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Quotes up to 60 bytes of data as the learner would write them in C. */
const char *check_quote(struct check *c, const void *data, size_t len);

/*
 * If the run ended abnormally (crash, time-out, CPU, output flood, could not
 * start), fails the check with the matching common message and returns 1.
 */
int check_abnormal(struct check *c, struct run *r);

/*
 * Waits for the program to end (at most WAIT_MS).  Returns 0 when it ended,
 * else -1 with the check failed as check_fail_stuck says.
 */
int check_wait_exit(struct check *c, struct run *r);

/*
 * The program did not end: fails the check with "run.blocked" ({1} = call,
 * the call it waits in) or, when call is NULL, "run.hang"; then kills it.
 */
void check_fail_stuck(struct check *c, struct run *r, const char *call);

/* Program stdout / stderr so far (the run's lock is taken).  Caller frees. */
char *check_stdout(struct run *r);
char *check_stderr(struct run *r);

/* Program stdout so far, NUL bytes included: *len bytes, then a NUL.  Caller frees. */
char *check_stdout_bytes(struct run *r, size_t *len);

/* check_quote of the program's stderr so far (lives as long as the check). */
const char *check_stderr_quote(struct check *c, struct run *r);

/*
 * Finds the first line of out that is prefix, a decimal number, then only
 * bytes of trail (e.g. " \r") before its end.  Returns 1 with the number in
 * *n, or 0 when there is no such line.
 */
int check_number_line(const char *out, const char *prefix, const char *trail, long long *n);

/*
 * Finds the first line of out (len bytes, NULs allowed) that starts with
 * prefix.  Returns 1 with *text, *n the rest of that line without its final
 * '\r' and spaces; 0 when there is none.
 */
int check_find_line(const char *out, size_t len, const char *prefix, const char **text,
		    size_t *n);

/* True if s contains word, ignoring case. */
int check_mentions(const char *s, const char *word);

/*
 * What the trace shows (each takes the run's lock).  Has the program made
 * (entered or returned) any of calls (NULL-terminated)?
 */
int check_made_call(struct run *r, const char *const *calls);

/* Did a connect() of the program return after trying port (any address)? */
int check_connected_to(struct run *r, int port);

/*
 * Did a returned call of that kind (is_kind: trace_is_send, trace_is_recv)
 * move fewer bytes than asked, and at least min?
 */
int check_had_short(struct run *r, int (*is_kind)(const char *call), long min);

/*
 * Did the program close (close or shutdown, returning 0) the socket of its
 * last successful connect()?
 */
int check_closed_connection(struct run *r);

/*
 * The program never made the call the check waited for (its listen, its
 * bind...).  Unless it ended abnormally (check_abnormal), fails the check
 * with the exercise's key when it ended ({1} its status, {2} its stderr),
 * else with key_blocked ({1} the call it waits in) or key_hang, and kills it.
 */
void check_fail_no_call(struct check *c, struct run *r, const char *key);

/* The program's first bind(), as its trace shows it. */
struct check_bind {
	long ev;		/* its index in the trace, -1 if none came */
	long ret;
	int err;
	char ip[64];		/* "" and port -1 when the address is no ip:port */
	int port;
};

/* Waits (at most WAIT_MS) for the program's first returned bind() and reads it. */
void check_wait_bind(struct run *r, struct check_bind *b);

/*
 * Judges that bind against PORT = port.  Fails the check and returns -1 when
 * the program never bound (check_fail_no_call with key "nobind"), bound
 * another port (keys of the exercise: "htons" when it is the byte-swapped
 * port, else "port"; {1} bound, {2} port) or its bind failed (bind_failed,
 * {1} strerror, {2} stderr).  Returns 0 otherwise: the address is the
 * caller's business.
 */
int check_judge_bind(struct check *c, struct run *r, const struct check_bind *b, int port);

/*
 * Ports for the runs: each of these fails the check with "internal.port"
 * when there is none.  A fresh port (sandbox_port), or -1.
 */
int check_fresh_port(struct check *c);

/*
 * A reference TCP server's listener at a fresh port *port, on 127.0.0.1 (on
 * every address when any is set).  With twin non-NULL the byte-swapped port
 * is held too (peer_reserve), its socket in *twin, so that a client without
 * htons() is refused at once and never reaches another check's server.
 * Returns the listener, or -1.  The caller closes the sockets.
 */
int check_listen_fresh(struct check *c, int *port, int any, int *twin);

/*
 * A fresh port *port where nobody listens, held (peer_reserve) so that a
 * connection there is refused and nobody else takes it, and its byte-swapped
 * twin held in *twin (may be NULL).  Returns the socket that holds the port,
 * or -1.  The caller closes the sockets.
 */
int check_reserve_fresh(struct check *c, int *port, int *twin);

/*
 * A client that had to give up (its server closed too early), once it has
 * ended normally: it must print no line "prefix N" (else the exercise's key
 * "printed", {1} = N), exit with a non-zero status ("status0") and say why
 * on stderr ("silent").
 */
void check_judge_gave_up(struct check *c, struct run *r, const char *prefix);

/*
 * Waits for the run to end: it must have exited with a non-zero status and
 * a message on stderr.  Returns 1 when so; else 0 with the check failed
 * (check_wait_exit, check_abnormal, or "usage.status0" / "usage.silent"
 * with {1} = what, the case in the learner's words).
 */
int check_usage_refused(struct check *c, struct run *r, const char *what);

/* Common checks shared by the program exercises. */
/* Wrong argument count: usage on stderr and a non-zero status. */
void check_common_usage(struct check *c);
/* A PORT that is not a number 0-65535 is refused like a usage error. */
void check_common_bad_port(struct check *c, int port_arg_index, int nargs,
			   const char *ip);

/*
 * Makes the first call of `call` fail with errname (e.g. "socket", "EMFILE"):
 * the program must end with a non-zero status and a message naming the call.
 */
void check_common_fail_call(struct check *c, const struct spawn *base, const char *call,
			    const char *errname);

/* check_common_fail_call for a program started as `prog PORT` with a fresh port. */
void check_common_fail_port(struct check *c, const char *call, const char *errname);

/*
 * A UDP program started as `prog PORT` while other sockets hold PORT and its
 * byte-swapped twin on 0.0.0.0: bind() fails for real with EADDRINUSE; the
 * program must exit with a non-zero status and a message naming bind.  Keys
 * of the exercise: went_on ({1} PORT, {2} the call it waits in, or "?"),
 * status0 ({1} PORT), unnamed ({1} PORT, {2} stderr).
 */
void check_common_busy_udp(struct check *c);

/*
 * Function exercises: runs the learner's code linked with the exercise's
 * driver (exercises/<id>/driver.c) as `prog CASE`, with the stub settings of
 * base (args ignored), and judges the driver's verdict: its result lines
 * (prise_result) "ok" or "fail KEY ARG...", where KEY is a message of the
 * exercise ("<check>.KEY" or "KEY") and each ARG fills {1}, {2}...  A crash,
 * a hang, or no result line fails the check with a common message.  Returns
 * 0 when the driver said ok, -1 otherwise.
 */
int check_driver(struct check *c, const struct spawn *base, const char *case_name);

/*
 * After check_driver with an injected failure: when the check failed on the
 * driver's verdict (the run exited 0) but the learner's code made no
 * returned call of that kind (is_kind: trace_is_send, trace_is_recv), the
 * failure could not reach it (it used sendmsg, writev...): forgets the
 * failure, message and trace, and returns 1.  A crash or a hang is never
 * forgotten.  Returns 0 otherwise.
 */
int check_forget_unreachable(struct check *c, int (*is_kind)(const char *call));

/* True if an error message names the call (or a word meaning it). */
int check_names_call(const char *err, const char *call);

#endif
