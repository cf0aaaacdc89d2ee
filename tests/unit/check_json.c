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

Suite *json_suite(void)
{
	Suite *s = suite_create("json");
	TCase *tc = tcase_create("write");
	tcase_add_test(tc, nested_objects_get_their_commas);
	tcase_add_test(tc, strings_are_escaped_and_invalid_utf8_replaced);
	suite_add_tcase(s, tc);
	return s;
}
