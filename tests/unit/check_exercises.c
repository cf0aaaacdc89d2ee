/*
 * The grader on every exercise: each model solution passes every check, and
 * each wrong program of tests/wrong/<id>/ fails exactly the checks its first
 * line names ("/" "* expect: fail CHECK... *" "/" or "expect: compile-error";
 * for a quiz, wrong answer files NAME.txt whose first line is
 * "# expect: fail q2 q5").
 * Every check of every manifest must be rejected by at least one of them.
 * PRISE_TEST_ONLY=ID limits these tests to one exercise.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "grader.h"
#include "sandbox.h"
#include "suites.h"
#include "util.h"

#define MAX_CASES 2048

struct wrong {
	char *exercise;
	char *path;
	int compile_error;
	char *fails;		/* " a b c " */
};

static struct catalog cat;
static int cat_loaded;
static const char *only;
static const struct exercise *solved[64];
static int nsolved;
static struct wrong wrongs[MAX_CASES];
static int nwrongs;
/* The cases of this runner's shard: indices into solved[] and wrongs[]. */
static int mine_solved[64], nmine_solved;
static int mine[MAX_CASES], nmine;

const char *test_build_dir(void)
{
	const char *b = getenv("PRISE_TEST_B");
	return b && *b ? b : "build";
}

static void load_catalog(void)
{
	if (cat_loaded)
		return;
	cat_loaded = 1;
	if (catalog_load_from(&cat, ".", test_build_dir()) < 0)
		return;
	only = getenv("PRISE_TEST_ONLY");
	if (only && !*only)
		only = NULL;
}

/* Reads the expectation on the first line of a wrong program. */
static int read_expect(struct wrong *w)
{
	char *text = file_read(w->path, NULL);
	if (!text)
		return -1;
	char *nl = strchr(text, '\n');
	if (nl)
		*nl = '\0';
	int ok = 0;
	const char *p = strstr(text, "expect:");
	if (p) {
		p += 7;
		while (*p == ' ')
			p++;
		if (!strncmp(p, "compile-error", 13)) {
			w->compile_error = 1;
			ok = 1;
		} else if (!strncmp(p, "fail ", 5)) {
			char *list = xstrdup(p + 5);
			char *end = strstr(list, "*/");
			if (end)
				*end = '\0';
			w->fails = xasprintf(" %s ", list);
			free(list);
			ok = 1;
		}
	}
	free(text);
	return ok ? 0 : -1;
}

/* PRISE_TEST_SHARD=K/N: this runner takes every N-th case from the K-th. */
static int shard_k, shard_n = 1;

static int in_shard(int i)
{
	return i % shard_n == shard_k;
}

static void collect(void)
{
	load_catalog();
	const char *sh = getenv("PRISE_TEST_SHARD");
	if (sh && sscanf(sh, "%d/%d", &shard_k, &shard_n) != 2)
		shard_k = 0, shard_n = 1;
	if (shard_n < 1 || shard_k < 0 || shard_k >= shard_n)
		shard_k = 0, shard_n = 1;
	int seen = 0;
	for (size_t i = 0; i < cat.n; i++) {
		const struct exercise *e = &cat.ex[i];
		if (only && strcmp(only, e->id))
			continue;
		if (nsolved < 64) {
			if (in_shard(nsolved))
				mine_solved[nmine_solved++] = nsolved;
			solved[nsolved++] = e;
		}
		char *dir = xasprintf("tests/wrong/%s", e->id);
		DIR *d = opendir(dir);
		struct dirent *de;
		while (d && (de = readdir(d))) {
			size_t n = strlen(de->d_name);
			const char *ext = e->kind == KIND_QUIZ ? ".txt" : ".c";
			size_t el = strlen(ext);
			if (n <= el || strcmp(de->d_name + n - el, ext) || nwrongs == MAX_CASES)
				continue;
			if (in_shard(seen++))
				mine[nmine++] = nwrongs;
			struct wrong *w = &wrongs[nwrongs];
			w->exercise = e->id;
			w->path = xasprintf("%s/%s", dir, de->d_name);
			if (read_expect(w) < 0)
				w->fails = NULL;	/* reported by the test itself */
			nwrongs++;
		}
		if (d)
			closedir(d);
		free(dir);
	}
}

static void grade(const struct exercise *e, const char *file, struct grade *g)
{
	int isolated = sandbox_enter();
	char *err = NULL;
	enum grader_status st = grader_run(&cat, e, file, LANG_EN, isolated, NULL, NULL, g, &err);
	ck_assert_msg(st == GRADER_OK, "%s: %s", file, err ? err : "?");
}

START_TEST(model_solution_passes_every_check)
{
	const struct exercise *e = solved[mine_solved[_i]];
	char *sol = catalog_solution_path(&cat, e);
	ck_assert_msg(sol != NULL, "%s has no model solution", e->id);
	struct grade g;
	grade(e, sol, &g);
	ck_assert_msg(g.compile.ok, "%s does not compile:\n%s", sol, g.compile_text);
	for (size_t i = 0; i < g.nchecks; i++)
		ck_assert_msg(g.checks[i].ok, "%s: check %s failed: %s", sol, g.checks[i].id,
			      g.checks[i].message);
	ck_assert(g.pass);
	grade_free(&g);
	free(sol);
}
END_TEST

START_TEST(wrong_program_fails_exactly_its_checks)
{
	const struct wrong *w = &wrongs[mine[_i]];
	ck_assert_msg(w->fails || w->compile_error,
		      "%s: the first line must say \"expect: fail CHECK...\" or \"expect: compile-error\"",
		      w->path);
	const struct exercise *e = catalog_find(&cat, w->exercise);
	struct grade g;
	grade(e, w->path, &g);
	if (w->compile_error) {
		ck_assert_msg(!g.compile.ok, "%s compiled", w->path);
		ck_assert(!g.pass);
		grade_free(&g);
		return;
	}
	ck_assert_msg(g.compile.ok, "%s does not compile:\n%s", w->path, g.compile_text);
	struct sbuf bad = { 0 };
	int required_failed = 0;
	for (size_t i = 0; i < g.nchecks; i++) {
		char *word = xasprintf(" %s ", g.checks[i].id);
		int expected = strstr(w->fails, word) != NULL;
		free(word);
		if (!g.checks[i].ok && g.checks[i].required)
			required_failed = 1;
		if (expected && g.checks[i].ok)
			sbuf_addf(&bad, "\n  %s passed, expected to fail", g.checks[i].id);
		else if (!expected && !g.checks[i].ok)
			sbuf_addf(&bad, "\n  %s failed: %s", g.checks[i].id, g.checks[i].message);
		else if (!g.checks[i].ok && !*g.checks[i].message)
			sbuf_addf(&bad, "\n  %s failed without a message", g.checks[i].id);
	}
	ck_assert_msg(bad.len == 0, "%s:%s", w->path, bad.buf);
	ck_assert_int_eq(g.pass, !required_failed);
	sbuf_free(&bad);
	grade_free(&g);
}
END_TEST

/* Every check is proved by a wrong program that it rejects. */
START_TEST(every_check_rejects_some_wrong_program)
{
	const struct exercise *e = solved[_i];
	for (size_t k = 0; k < e->nchecks; k++) {
		char *word = xasprintf(" %s ", e->checks[k].id);
		int found = 0;
		for (int i = 0; i < nwrongs && !found; i++)
			found = !strcmp(wrongs[i].exercise, e->id) && wrongs[i].fails &&
				strstr(wrongs[i].fails, word);
		ck_assert_msg(found, "%s: no wrong program in tests/wrong/%s/ is rejected by check %s",
			      e->id, e->id, e->checks[k].id);
		free(word);
	}
}
END_TEST

Suite *exercises_suite(void)
{
	collect();
	Suite *s = suite_create("exercises");
	TCase *tc = tcase_create("solutions");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, model_solution_passes_every_check, 0, nmine_solved);
	/* Coverage looks at every wrong program: the first shard does it. */
	tcase_add_loop_test(tc, every_check_rejects_some_wrong_program, 0, shard_k == 0 ? nsolved : 0);
	suite_add_tcase(s, tc);
	tc = tcase_create("wrong programs");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, wrong_program_fails_exactly_its_checks, 0, nmine);
	suite_add_tcase(s, tc);
	return s;
}
