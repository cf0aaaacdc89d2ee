/*
 * The instructor's report (SPEC §5): per user and exercise, status,
 * attempts, first pass, time spent, hints, last failing check; as a heatmap
 * table for the terminal, CSV or JSON; and one learner's attempt history
 * with what changed between attempts.  Reads the store, writes to a FILE.
 */
#ifndef PRISE_REPORT_H
#define PRISE_REPORT_H

#include <stdio.h>

#include "catalog.h"
#include "store.h"

enum report_format { REPORT_TABLE, REPORT_CSV, REPORT_JSON };

/*
 * Prints the report of the records matching f, exercises in course order.
 * color: ANSI colours in the table.  Returns 0, or -1 with *err.
 */
int report_print(FILE *out, struct store *s, const struct catalog *cat, enum lang lang,
		 const struct store_filter *f, enum report_format fmt, int color, char **err);

/* One learner's attempts at one exercise, their failed checks, sources and diffs. */
int report_history(FILE *out, struct store *s, const struct catalog *cat, enum lang lang,
		   const char *user, const char *exercise, enum report_format fmt, int color,
		   char **err);

/* Lines of b that are not in a ("+ ") and of a not in b ("- "), in order; caller frees. */
char *report_diff(const char *a, const char *b);

#endif
