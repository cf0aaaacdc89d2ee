/* text: display widths and wrapping, in columns, French spacing kept. */
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "suites.h"
#include "text.h"

static void utf8_locale(void)
{
	if (!setlocale(LC_ALL, "C.UTF-8"))
		setlocale(LC_ALL, "");
}

START_TEST(accents_are_one_column)
{
	utf8_locale();
	ck_assert_int_eq(text_width("reçu", strlen("reçu")), 4);
	ck_assert_int_eq(text_width("«", strlen("«")), 1);
}
END_TEST

START_TEST(words_wrap_at_the_width)
{
	utf8_locale();
	char *w = text_wrap("un deux trois quatre cinq six sept", 14, "> ");
	ck_assert_str_eq(w, "> un deux\n> trois quatre\n> cinq six\n> sept\n");
	free(w);
}
END_TEST

START_TEST(code_lines_are_kept_whole)
{
	utf8_locale();
	char *w = text_wrap("Le code :\n    int dS = socket(PF_INET, SOCK_STREAM, 0);", 20, "");
	ck_assert_str_eq(w, "Le code :\n    int dS = socket(PF_INET, SOCK_STREAM, 0);\n");
	free(w);
}
END_TEST

START_TEST(french_spacing_never_breaks)
{
	utf8_locale();
	/* The break may not fall between « and its word, nor before : or ». */
	char *w = text_wrap("abcdefghij « mot » fin : oui", 14, "");
	ck_assert_msg(!strstr(w, "«\n") && !strstr(w, "\n»") && !strstr(w, "\n:"), "got:\n%s", w);
	free(w);
}
END_TEST

Suite *text_suite(void)
{
	Suite *s = suite_create("text");
	TCase *tc = tcase_create("wrap");
	tcase_add_test(tc, accents_are_one_column);
	tcase_add_test(tc, words_wrap_at_the_width);
	tcase_add_test(tc, code_lines_are_kept_whole);
	tcase_add_test(tc, french_spacing_never_breaks);
	suite_add_tcase(s, tc);
	return s;
}
