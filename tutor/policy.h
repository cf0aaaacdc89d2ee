/*
 * The instructor's solution policy, stored with the records (settings
 * "solution_policy"): when may a learner see the model solution?
 *   after-pass       once the exercise is passed (the default)
 *   after-fails:N    once passed, or after N failed attempts
 *   always, never
 */
#ifndef PRISE_POLICY_H
#define PRISE_POLICY_H

#include "store.h"

/* Parses a policy; returns 0 (normalised text in out, ≥ 32 bytes) or -1. */
int policy_parse(const char *text, char *out, size_t size);

/*
 * May user see the solution of exercise?  Returns 1 or 0; when 0, *key is the
 * message key that says why ("policy.after_pass", "policy.after_fails" with
 * *n the attempts still needed, "policy.never").
 */
int policy_allows(struct store *s, const char *user, const char *exercise, const char **key,
		  int *n);

#endif
