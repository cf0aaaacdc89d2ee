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

/* Waits for the program to end (at most WAIT_MS); fails "run.hang" if not. */
int check_wait_exit(struct check *c, struct run *r);

/* Program stdout / stderr so far (the run's lock is taken). */
char *check_stdout(struct run *r);
char *check_stderr(struct run *r);

/* True if s contains word, ignoring case. */
int check_mentions(const char *s, const char *word);

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

/* True if an error message names the call (or a word meaning it). */
int check_names_call(const char *err, const char *call);

#endif
