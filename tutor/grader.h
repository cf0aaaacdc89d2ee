/*
 * The grader: compile the learner's file, run every check of the exercise
 * (independent checks in parallel), and decide the verdict.  It returns plain
 * data; the command line, the store and the screens read it.
 */
#ifndef PRISE_GRADER_H
#define PRISE_GRADER_H

#include <stddef.h>

#include "catalog.h"
#include "compile.h"
#include "json.h"
#include "trace.h"

struct check_result {
	const char *id;		/* from the manifest */
	const char *title;	/* localized, from the catalogue */
	int required;
	int ok;
	char *message;		/* localized diagnosis, "" when ok */
	struct trace_ev *trace;
	size_t ntrace;
	long ms;
};

struct grade {
	const struct exercise *ex;
	int pass;
	struct compile_result compile;
	char *compile_text;	/* gcc's lines and the explanations, localized */
	struct check_result *checks;
	size_t nchecks;
	long duration_ms;
	char *source;		/* the submitted file, as read */
	size_t source_len;
};

enum grader_status {
	GRADER_OK = 0,		/* graded: see grade->pass */
	GRADER_BAD_FILE = -1,	/* unreadable FILE (exit 2) */
	GRADER_INTERNAL = -2,	/* cannot compile or run at all (exit 3) */
};

/* Called as each check starts (done = 0) and ends (done = 1). */
typedef void (*grader_progress)(void *arg, size_t index, const struct check_result *r,
				int done);

/*
 * Grades file for ex.  isolated tells whether sandbox_enter() succeeded.
 * On GRADER_BAD_FILE and GRADER_INTERNAL, *err holds a message (caller
 * frees).  The grade must be freed with grade_free in every case.
 */
enum grader_status grader_run(const struct catalog *cat, const struct exercise *ex,
			      const char *file, enum lang lang, int isolated,
			      grader_progress progress, void *arg,
			      struct grade *g, char **err);
void grade_free(struct grade *g);

/* The SPEC §2 JSON object of a grade. */
void grade_json(const struct grade *g, struct json *j);

#endif
