/*
 * The compiler driver: builds a learner's file with the course's cc command,
 * linked against the stub socket layer (and a test driver for function
 * exercises), and recognises the classic mistakes in gcc's output.
 */
#ifndef PRISE_COMPILE_H
#define PRISE_COMPILE_H

#include "catalog.h"

#define COMPILE_MAX_HINTS 8

struct compile_result {
	int ok;			/* an executable was produced */
	char *output;		/* gcc's own lines (owned) */
	const char *hints[COMPILE_MAX_HINTS];	/* message keys, e.g. "compile.sockaddr" */
	int nhints;
	long ms;
};

/*
 * Compiles src into the executable out.  Returns 0 when gcc could be run
 * (res->ok says whether it compiled), -1 with errno if not.
 */
int compile_run(const struct catalog *c, const struct exercise *ex, const char *src,
		const char *out, struct compile_result *res);
void compile_result_free(struct compile_result *res);

/* Finds the classic mistakes in gcc output; fills res->hints. */
void compile_explain(const struct exercise *ex, struct compile_result *res);

/* The cc command line as text, for the benchmark; caller frees. */
char *compile_command(const struct catalog *c, const struct exercise *ex,
		      const char *src, const char *out, int with_stub);

#endif
