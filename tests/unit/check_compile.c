/* compile: gcc's output, and the classic mistakes explained. */
#include <stdlib.h>
#include <string.h>

#include "compile.h"
#include "suites.h"
#include "util.h"

static const struct {
	const char *gcc;	/* a line gcc prints */
	const char *hint;	/* the explanation it must bring */
} cases[] = {
	{ "client.c:12:5: error: 'sockaddr' undeclared (first use in this function)",
	  "compile.sockaddr" },
	{ "client.c:9:3: error: implicit declaration of function 'htons' [-Wimplicit-function-declaration]",
	  "compile.arpa" },
	{ "client.c:4:22: error: storage size of 'addr' isn't known", "compile.netinet" },
	{ "/usr/bin/ld: crt1.o: in function `_start': undefined reference to `main'",
	  "compile.no_main" },
	{ "client.c:7:10: error: expected ';' before 'return'", "compile.semicolon" },
};

START_TEST(classic_mistake_is_explained)
{
	struct compile_result r = { 0 };
	r.output = xstrdup(cases[_i].gcc);
	compile_explain(NULL, &r);
	int found = 0;
	for (int i = 0; i < r.nhints; i++)
		found |= !strcmp(r.hints[i], cases[_i].hint);
	ck_assert_msg(found, "no %s for: %s", cases[_i].hint, cases[_i].gcc);
	free(r.output);
}
END_TEST

START_TEST(one_explanation_per_mistake)
{
	struct compile_result r = { 0 };
	r.output = xstrdup("a.c:1: error: 'sockaddr' undeclared\na.c:2: error: 'sockaddr' undeclared\n"
			   "a.c:3: error: unknown type name 'sockaddr'\n");
	compile_explain(NULL, &r);
	ck_assert_int_eq(r.nhints, 1);
	free(r.output);
}
END_TEST

Suite *compile_suite(void)
{
	Suite *s = suite_create("compile");
	TCase *tc = tcase_create("explain");
	tcase_add_loop_test(tc, classic_mistake_is_explained, 0,
			    (int)(sizeof cases / sizeof cases[0]));
	tcase_add_test(tc, one_explanation_per_mistake);
	suite_add_tcase(s, tc);
	return s;
}
