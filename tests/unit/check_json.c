/* json: the writer behind every --json output. */
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "suites.h"

START_TEST(nested_objects_get_their_commas)
{
	struct json j = { 0 };
	json_obj_begin(&j);
	json_kstr(&j, "a", "x");
	json_kint(&j, "n", -3);
	json_key(&j, "list");
	json_arr_begin(&j);
	json_bool(&j, 1);
	json_null(&j);
	json_arr_end(&j);
	json_obj_end(&j);
	char *s = sbuf_take(&j.out);
	ck_assert_str_eq(s, "{\"a\": \"x\", \"n\": -3, \"list\": [true, null]}");
	free(s);
}
END_TEST

START_TEST(strings_are_escaped_and_invalid_utf8_replaced)
{
	struct sbuf b = { 0 };
	const char in[] = "q\"b\\n\n\t\x01 é \xff";
	json_escape(&b, in, sizeof in - 1);
	char *s = sbuf_take(&b);
	ck_assert_str_eq(s, "\"q\\\"b\\\\n\\n\\t\\u0001 é \\ufffd\"");
	free(s);
}
END_TEST

START_TEST(parsed_back_as_written)
{
	struct jval v;
	char *err = NULL;
	const char *text = " {\"id\": \"hello\", \"ok\": false, \"n\": -12.5, \"list\": [1, \"\\u00e9\\n\", null, {}],"
			   " \"emoji\": \"\\ud83d\\ude00\"} ";
	ck_assert_msg(json_parse(text, strlen(text), &v, &err) == 0, "%s", err);
	ck_assert_str_eq(jval_str(&v, "id", ""), "hello");
	ck_assert_int_eq(jval_bool(&v, "ok", 1), 0);
	ck_assert(jval_num(&v, "n", 0) == -12.5);
	const struct jval *l = jval_get(&v, "list");
	ck_assert_int_eq(l->type, J_ARR);
	ck_assert_int_eq((int)l->len, 4);
	ck_assert_str_eq(l->items[1].str, "é\n");
	ck_assert_int_eq(l->items[2].type, J_NULL);
	ck_assert_str_eq(jval_str(&v, "emoji", ""), "\xf0\x9f\x98\x80");
	ck_assert_ptr_null(jval_get(&v, "missing"));
	jval_free(&v);
}
END_TEST

static const char *const bad_json[] = {
	"", "{", "[1,]", "{\"a\" 1}", "{\"a\": 1,}", "\"abc", "tru", "[1] 2", "{1: 2}",
	"\"\\x\"", "[\"a\nb\"]", "-",
	"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
};

START_TEST(malformed_json_is_refused)
{
	struct jval v;
	char *err = NULL;
	ck_assert_int_eq(json_parse(bad_json[_i], strlen(bad_json[_i]), &v, &err), -1);
	ck_assert_ptr_nonnull(err);
	ck_assert_msg(!strncmp(err, "offset ", 7), "%s", err);
	free(err);
}
END_TEST

Suite *json_suite(void)
{
	Suite *s = suite_create("json");
	TCase *tc = tcase_create("write");
	tcase_add_test(tc, nested_objects_get_their_commas);
	tcase_add_test(tc, strings_are_escaped_and_invalid_utf8_replaced);
	tcase_add_test(tc, parsed_back_as_written);
	tcase_add_loop_test(tc, malformed_json_is_refused, 0,
			    (int)(sizeof bad_json / sizeof bad_json[0]));
	suite_add_tcase(s, tc);
	return s;
}
