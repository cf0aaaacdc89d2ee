/*
 * The solution policy (see policy.h).  An unknown value in the database is
 * read as the strictest policy that still makes sense: after-pass.
 */
#include "policy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int policy_parse(const char *text, char *out, size_t size)
{
	if (!text)
		return -1;
	if (!strcmp(text, "after-pass") || !strcmp(text, "always") || !strcmp(text, "never")) {
		snprintf(out, size, "%s", text);
		return 0;
	}
	char *end;
	if (!strncmp(text, "after-fails:", 12)) {
		long n = strtol(text + 12, &end, 10);
		if (end != text + 12 && !*end && n >= 1 && n <= 1000) {
			snprintf(out, size, "after-fails:%ld", n);
			return 0;
		}
	}
	return -1;
}

int policy_allows(struct store *s, const char *user, const char *exercise, const char **key,
		  int *n)
{
	char *stored = store_setting(s, "solution_policy");
	char p[32];
	if (policy_parse(stored, p, sizeof p) < 0)
		snprintf(p, sizeof p, "after-pass");
	free(stored);
	*n = 0;
	*key = NULL;
	if (!strcmp(p, "always"))
		return 1;
	if (!strcmp(p, "never")) {
		*key = "policy.never";
		return 0;
	}
	if (store_status(s, user, exercise) == STATUS_PASSED)
		return 1;
	if (!strncmp(p, "after-fails:", 12)) {
		int need = atoi(p + 12), failed = store_failed_attempts(s, user, exercise);
		if (failed >= need)
			return 1;
		*n = need - failed;
		*key = "policy.after_fails";
		return 0;
	}
	*key = "policy.after_pass";
	return 0;
}
