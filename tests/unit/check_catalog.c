/* catalog: exercises found in course order; a bad manifest is reported with its line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "catalog.h"
#include "suites.h"
#include "util.h"

/* The twenty exercises of SPEC §4, in course order. */
static const char *const course_order[] = {
	"sockets-quiz", "fill-addr", "bind-port",
	"tcp-server-hello", "tcp-client-hello", "send-all", "tcp-sum-client", "framing", "tcp-quiz",
	"udp-receiver", "udp-sender", "udp-retry", "udp-quiz",
	"udp-iterative-server", "tcp-iterative-server", "tcp-fork-server", "tcp-thread-server",
	"select-server", "chat-server", "multi-quiz",
};

START_TEST(source_tree_lists_exercises_in_course_order)
{
	struct catalog c;
	ck_assert_int_eq(catalog_load_from(&c, ".", test_build_dir()), 0);
	for (size_t i = 0; i < c.nerrors; i++)
		fprintf(stderr, "%s\n", c.errors[i]);
	ck_assert_int_eq((int)c.nerrors, 0);
	size_t want = sizeof course_order / sizeof course_order[0];
	ck_assert_int_eq((int)c.n, (int)want);
	for (size_t i = 0; i < c.n; i++)
		ck_assert_msg(!strcmp(c.ex[i].id, course_order[i]), "place %zu: %s, expected %s", i + 1,
			      c.ex[i].id, course_order[i]);
	catalog_free(&c);
}
END_TEST

START_TEST(every_exercise_has_texts_in_both_languages)
{
	struct catalog c;
	ck_assert_int_eq(catalog_load_from(&c, ".", test_build_dir()), 0);
	static const char *const files[] = { "statement", "hints" };
	for (size_t i = 0; i < c.n; i++) {
		const struct exercise *e = &c.ex[i];
		for (int l = 0; l < LANG_COUNT; l++) {
			for (size_t f = 0; f < 2; f++) {
				char *p = xasprintf("%s/%s.%s", e->dir, files[f], lang_code((enum lang)l));
				ck_assert_msg(file_exists(p), "missing %s", p);
				free(p);
			}
			ck_assert_msg(kv_get(&e->text[l], "title"), "%s: no title in %s", e->id,
				      lang_code((enum lang)l));
			ck_assert_msg(kv_get(&e->text[l], "slide"), "%s: no slide in %s", e->id,
				      lang_code((enum lang)l));
			for (size_t k = 0; e->kind != KIND_QUIZ && k < e->nchecks; k++) {
				char *key = xasprintf("%s.title", e->checks[k].id);
				ck_assert_msg(kv_get(&e->text[l], key), "%s: no %s in %s", e->id, key,
					      lang_code((enum lang)l));
				free(key);
			}
		}
		if (e->kind != KIND_QUIZ) {
			char *starter = xasprintf("%s/%s", e->dir, e->file);
			ck_assert_msg(file_exists(starter), "missing starter %s", starter);
			free(starter);
			char *sol = catalog_solution_path(&c, e);
			ck_assert_msg(sol != NULL, "%s: no model solution", e->id);
			free(sol);
		}
	}
	catalog_free(&c);
}
END_TEST

/* Every message key of one language exists in the other. */
START_TEST(french_and_english_have_the_same_keys)
{
	struct catalog c;
	ck_assert_int_eq(catalog_load_from(&c, ".", test_build_dir()), 0);
	for (size_t i = 0; i <= c.n; i++) {
		const struct kv *t = i < c.n ? c.ex[i].text : c.common;
		for (int l = 0; l < LANG_COUNT; l++)
			for (size_t k = 0; k < t[l].n; k++)
				ck_assert_msg(kv_get(&t[1 - l], t[l].items[k].key),
					      "%s: \"%s\" has no %s translation",
					      i < c.n ? c.ex[i].id : "messages", t[l].items[k].key,
					      lang_code((enum lang)(1 - l)));
	}
	catalog_free(&c);
}
END_TEST

/* A data folder holding one exercise whose manifest is `text`. */
static char *fake_tree(const char *text)
{
	char tmpl[] = "/tmp/prise-cat-XXXXXX";
	char *top = xstrdup(mkdtemp(tmpl));
	char *p = xasprintf("%s/exercises/bad", top);
	mkdir_p(p, 0755);
	free(p);
	p = xasprintf("%s/exercises/messages.en", top);
	file_write(p, "x = y\n", 6, 0644);
	free(p);
	p = xasprintf("%s/exercises/messages.fr", top);
	file_write(p, "x = y\n", 6, 0644);
	free(p);
	p = xasprintf("%s/exercises/bad/manifest", top);
	file_write(p, text, strlen(text), 0644);
	free(p);
	p = xasprintf("%s/exercises/bad/text.en", top);
	file_write(p, "title = T\n", 10, 0644);
	free(p);
	return top;
}

static const struct {
	const char *manifest;
	const char *where;	/* expected start of the message, after the folder */
} bad[] = {
	{ "id = bad\nchapter = 2\norder = 1\nkind = program\nfile = a.c\ncheck = a b c\n",
	  "/exercises/bad/manifest:6:" },
	{ "id = bad\nchapter = two\norder = 1\nkind = program\nfile = a.c\n",
	  "/exercises/bad/manifest:2:" },
	{ "id = bad\nchapter = 2\norder = 1\nkind = game\nfile = a.c\n",
	  "/exercises/bad/manifest:4:" },
	{ "id = other\nchapter = 2\norder = 1\nkind = quiz\nfile = a.c\n",
	  "/exercises/bad/manifest:1:" },
	{ "id = bad\nchapter = 2\norder = 1\nkind = quiz\nfile = ../a.c\n",
	  "/exercises/bad/manifest:5:" },
	{ "id = bad\nchapter 2\n", "/exercises/bad/manifest:2:" },
};

START_TEST(malformed_manifest_is_reported_with_file_and_line)
{
	char *top = fake_tree(bad[_i].manifest);
	struct catalog c;
	ck_assert_int_eq(catalog_load_from(&c, top, "/nonexistent"), 0);
	ck_assert_int_eq((int)c.n, 0);
	ck_assert_int_eq((int)c.nerrors, 1);
	char *want = xasprintf("%s%s", top, bad[_i].where);
	ck_assert_msg(strncmp(c.errors[0], want, strlen(want)) == 0, "got \"%s\", want \"%s...\"",
		      c.errors[0], want);
	free(want);
	catalog_free(&c);
	rm_rf(top);
	free(top);
}
END_TEST

START_TEST(placeholders_are_filled)
{
	const char *args[] = { "47490", "31470" };
	char *s = catalog_format("bound {1}, not {2}: {3}", args, 2);
	ck_assert_str_eq(s, "bound 47490, not 31470: ?");
	free(s);
}
END_TEST

Suite *catalog_suite(void)
{
	Suite *s = suite_create("catalog");
	TCase *tc = tcase_create("load");
	tcase_add_test(tc, source_tree_lists_exercises_in_course_order);
	tcase_add_test(tc, every_exercise_has_texts_in_both_languages);
	tcase_add_test(tc, french_and_english_have_the_same_keys);
	tcase_add_loop_test(tc, malformed_manifest_is_reported_with_file_and_line, 0,
			    (int)(sizeof bad / sizeof bad[0]));
	tcase_add_test(tc, placeholders_are_filled);
	suite_add_tcase(s, tc);
	return s;
}
