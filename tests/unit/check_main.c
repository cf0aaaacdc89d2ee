/*
 * The unit test runner: one suite per module, each from its check_<module>.c.
 * Fork mode stays on, so a test that crashes cannot take the others down.
 * PRISE_TEST_ONLY=ID limits the exercise tests to one exercise.
 */
#include <check.h>
#include <stdlib.h>

#include "suites.h"

int main(void)
{
	SRunner *sr = srunner_create(kv_suite());
	srunner_add_suite(sr, json_suite());
	srunner_add_suite(sr, trace_suite());
	srunner_add_suite(sr, catalog_suite());
	srunner_add_suite(sr, compile_suite());
	srunner_add_suite(sr, store_suite());
	srunner_add_suite(sr, run_suite());
	srunner_add_suite(sr, quiz_suite());
	srunner_add_suite(sr, fuzz_suite());
	srunner_add_suite(sr, text_suite());
	srunner_add_suite(sr, exercises_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
