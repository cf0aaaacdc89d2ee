/*
 * A check running in the background: the tutor's screens start
 * `prise check EX FILE --json --progress-fd 3` as a child process (so the
 * screen process never enters a namespace nor runs threads), read the
 * progress lines as they come ("start I" / "end I OK") and, at the end, the
 * JSON result.  Plain C, no curses: the screens poll job_fds() with their
 * input and call job_read() when one is ready.
 */
#ifndef PRISE_JOB_H
#define PRISE_JOB_H

#include <sys/types.h>

#include "json.h"
#include "util.h"

#define JOB_MAX_CHECKS 64

enum job_check_state { JOB_WAITING, JOB_RUNNING, JOB_DONE_OK, JOB_DONE_FAIL };

struct job {
	pid_t pid;
	int out_fd, prog_fd;		/* -1 once at end of file */
	struct sbuf out, prog, err;
	int err_fd;
	enum job_check_state state[JOB_MAX_CHECKS];
	int done;			/* the child ended and was reaped */
	int status;			/* its exit status (SPEC §2: 0, 1, 2, 3) */
	struct jval result;		/* the JSON result when parsed_ok */
	int parsed_ok;
	char *error;			/* what went wrong when not parsed_ok (owned) */
};

/*
 * Starts a check: exe is the prise binary, opts its global options (e.g.
 * "--db", "x", ..., NULL-terminated).  Returns 0, or -1 with errno.
 */
int job_start(struct job *j, const char *exe, const char *const *opts, const char *exercise,
	      const char *file);

/* The descriptors to poll for reading (up to 3), returns how many. */
int job_fds(const struct job *j, int *fds);

/* Reads what is ready; when everything is in, reaps and parses.  Never blocks. */
void job_read(struct job *j);

/* Kills the child (if running) and frees everything. */
void job_free(struct job *j);

#endif
