/* quiz: question files and answer files, both outside input. */
#include <stdlib.h>
#include <string.h>

#include "quiz.h"
#include "suites.h"

static const char good[] =
	"# a comment before the first question\n"
	"== 1\n"
	"Que fait le code suivant ?\n"
	"    int dS = socket(PF_INET, SOCK_STREAM, 0);\n"
	"a) une socket UDP\n"
	"*b) une socket TCP\n"
	"-> SOCK_STREAM: TCP.\n"
	"Second line.\n"
	"\n"
	"== 2\n"
	"Which are true?\n"
	"*a) one\n"
	"b) two\n"
	"*c) three\n"
	"-> Because.\n";

START_TEST(questions_choices_and_explanations)
{
	struct quiz qz;
	char *err = NULL;
	ck_assert_msg(quiz_parse(&qz, "quiz.fr", good, &err) == 0, "%s", err);
	ck_assert_int_eq((int)qz.n, 2);
	ck_assert_str_eq(qz.q[0].text, "Que fait le code suivant ?\n    int dS = socket(PF_INET, SOCK_STREAM, 0);");
	ck_assert_str_eq(qz.q[0].title, "Que fait le code suivant ?");
	ck_assert_int_eq(qz.q[0].nchoices, 2);
	ck_assert_str_eq(qz.q[0].choices[1], "une socket TCP");
	ck_assert_uint_eq(qz.q[0].right, 2u);
	ck_assert_str_eq(qz.q[0].explain, "SOCK_STREAM: TCP.\nSecond line.");
	ck_assert_uint_eq(qz.q[1].right, 5u);
	quiz_free(&qz);
}
END_TEST

static const struct {
	const char *text;
	const char *where;
} bad[] = {
	{ "== 2\nQ\na) x\n*b) y\n-> e\n", "q:1:" },
	{ "== 1\nQ\na) x\nb) y\n-> e\n", "q:1:" },			/* no right choice */
	{ "== 1\nQ\na) x\n*c) y\n-> e\n", "q:4:" },			/* letters out of order */
	{ "== 1\nQ\n*a) x\nb) y\n", "q:1:" },				/* no explanation */
	{ "== 1\nQ\n*a) x\nb) y\nstray text\n-> e\n", "q:5:" },
	{ "text before\n== 1\n", "q:1:" },
	{ "", "q:1:" },
};

START_TEST(malformed_quiz_is_reported_with_its_line)
{
	struct quiz qz;
	char *err = NULL;
	ck_assert_int_eq(quiz_parse(&qz, "q", bad[_i].text, &err), -1);
	ck_assert_msg(err && !strncmp(err, bad[_i].where, strlen(bad[_i].where)), "case %d: %s",
		      _i, err ? err : "(none)");
	free(err);
}
END_TEST

START_TEST(answers_are_read_in_any_order_and_case)
{
	struct quiz qz;
	char *err = NULL;
	ck_assert_int_eq(quiz_parse(&qz, "q", good, &err), 0);
	struct quiz_answers a;
	ck_assert_msg(quiz_answers_parse(&qz, "ans", "# mine\n2: A, c\n\n1:b\n", &a, &err) == 0,
		      "%s", err);
	ck_assert_uint_eq(a.answers[0], 2u);
	ck_assert_uint_eq(a.answers[1], 5u);
	quiz_answers_free(&a);
	ck_assert_int_eq(quiz_answers_parse(&qz, "ans", "1:\n", &a, &err), 0);
	ck_assert_uint_eq(a.answers[0], 0u);
	ck_assert_uint_eq(a.answers[1], 0u);
	quiz_answers_free(&a);
	char *l = quiz_letters(5u);
	ck_assert_str_eq(l, "a, c");
	free(l);
	quiz_free(&qz);
}
END_TEST

static const struct {
	const char *text;
	const char *where;
} bad_answers[] = {
	{ "1 b\n", "ans:1:" },
	{ "\n3: a\n", "ans:2:" },	/* no question 3 */
	{ "1: c\n", "ans:1:" },		/* question 1 has a and b only */
	{ "1: a\n1: b\n", "ans:2:" },	/* twice */
	{ "one: a\n", "ans:1:" },
};

START_TEST(malformed_answer_file_is_reported_with_its_line)
{
	struct quiz qz;
	char *err = NULL;
	ck_assert_int_eq(quiz_parse(&qz, "q", good, &err), 0);
	struct quiz_answers a;
	ck_assert_int_eq(quiz_answers_parse(&qz, "ans", bad_answers[_i].text, &a, &err), -1);
	ck_assert_msg(err && !strncmp(err, bad_answers[_i].where, strlen(bad_answers[_i].where)),
		      "case %d: %s", _i, err ? err : "(none)");
	free(err);
	quiz_free(&qz);
}
END_TEST

Suite *quiz_suite(void)
{
	Suite *s = suite_create("quiz");
	TCase *tc = tcase_create("parse");
	tcase_add_test(tc, questions_choices_and_explanations);
	tcase_add_loop_test(tc, malformed_quiz_is_reported_with_its_line, 0,
			    (int)(sizeof bad / sizeof bad[0]));
	tcase_add_test(tc, answers_are_read_in_any_order_and_case);
	tcase_add_loop_test(tc, malformed_answer_file_is_reported_with_its_line, 0,
			    (int)(sizeof bad_answers / sizeof bad_answers[0]));
	suite_add_tcase(s, tc);
	return s;
}
