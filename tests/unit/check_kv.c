/* kv: the "key = value" files of manifests and texts. */
#include <stdlib.h>
#include <string.h>

#include "kv.h"
#include "suites.h"

START_TEST(keys_values_comments_and_repeats)
{
	struct kv kv;
	char *err = NULL;
	const char *text = "# a comment\n\nid = x\ncheck = a\ncheck = b bonus\n  title =  Hello world  \n";
	ck_assert_int_eq(kv_parse(&kv, "m", text, &err), 0);
	ck_assert_str_eq(kv_get(&kv, "id"), "x");
	ck_assert_str_eq(kv_get(&kv, "check"), "b bonus");
	ck_assert_str_eq(kv_get(&kv, "title"), "Hello world");
	ck_assert_int_eq(kv_find(&kv, "id")->line, 3);
	ck_assert_ptr_null(kv_get(&kv, "missing"));
	kv_free(&kv);
}
END_TEST

static const char *const bad_lines[] = {
	"id x\n",		/* no '=' */
	"= value\n",		/* no key */
};

START_TEST(malformed_line_names_file_and_line)
{
	struct kv kv;
	char *err = NULL;
	char text[64];
	strcpy(text, "ok = 1\n");
	strcat(text, bad_lines[_i]);
	ck_assert_int_eq(kv_parse(&kv, "ex/manifest", text, &err), -1);
	ck_assert_ptr_nonnull(err);
	ck_assert_msg(strncmp(err, "ex/manifest:2:", 14) == 0, "message: %s", err);
	free(err);
}
END_TEST

START_TEST(missing_file_is_an_error)
{
	struct kv kv;
	char *err = NULL;
	ck_assert_int_eq(kv_load(&kv, "/nonexistent/manifest", &err), -1);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/manifest"));
	free(err);
}
END_TEST

Suite *kv_suite(void)
{
	Suite *s = suite_create("kv");
	TCase *tc = tcase_create("parse");
	tcase_add_test(tc, keys_values_comments_and_repeats);
	tcase_add_loop_test(tc, malformed_line_names_file_and_line, 0,
			    (int)(sizeof bad_lines / sizeof bad_lines[0]));
	tcase_add_test(tc, missing_file_is_an_error);
	suite_add_tcase(s, tc);
	return s;
}
