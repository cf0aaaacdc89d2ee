/* The suites of the unit test runner, one per module. */
#ifndef PRISE_SUITES_H
#define PRISE_SUITES_H

#include <check.h>

Suite *kv_suite(void);
Suite *json_suite(void);
Suite *trace_suite(void);
Suite *catalog_suite(void);
Suite *compile_suite(void);
Suite *store_suite(void);
Suite *run_suite(void);
Suite *quiz_suite(void);
Suite *fuzz_suite(void);
Suite *text_suite(void);
Suite *exercises_suite(void);

/* The build folder under test ($PRISE_TEST_B, default "build"). */
const char *test_build_dir(void);

#endif
