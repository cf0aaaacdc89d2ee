/*
 * The parsers of outside input (manifests and texts, quiz and answer files,
 * trace lines, imported JSON) on mangled input: random bytes, truncations,
 * flipped characters of good input.  None may crash or leak (run under
 * ASan by make asan); a fixed seed keeps the cases the same every run.
 */
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "kv.h"
#include "quiz.h"
#include "suites.h"
#include "trace.h"

#define ROUNDS 3000

static unsigned long long seed = 0x9e3779b97f4a7c15ULL;

static unsigned rnd(void)
{
	seed ^= seed >> 12;
	seed ^= seed << 25;
	seed ^= seed >> 27;
	return (unsigned)((seed * 2685821657736338717ULL) >> 33);
}

/* A mangled copy of good (NUL-terminated, may hold NULs inside: *len). */
static char *mangle(const char *good, size_t *len)
{
	size_t n = strlen(good);
	char *s = malloc(n + 64);
	memcpy(s, good, n);
	switch (rnd() % 4) {
	case 0:		/* truncate */
		n = n ? rnd() % n : 0;
		break;
	case 1:		/* flip some bytes */
		for (int k = 0, m = 1 + (int)(rnd() % 8); k < m && n; k++)
			s[rnd() % n] = (char)(rnd() % 256);
		break;
	case 2:		/* insert structure characters */
		for (int k = 0, m = 1 + (int)(rnd() % 8); k < m && n; k++)
			s[rnd() % n] = "{}[]\":,=\\\n*)-a0"[rnd() % 16];
		break;
	default:	/* random bytes */
		n = rnd() % 60;
		for (size_t i = 0; i < n; i++)
			s[i] = (char)(rnd() % 256);
	}
	s[n] = '\0';
	*len = n;
	return s;
}

static const char quiz_good[] = "== 1\nQ?\n    code\na) x\n*b) y\n-> because\n== 2\nR\n*a) u\n*b) v\n-> e\n";
static const char json_good[] = "{\"prise_export\": 1, \"user\": \"ana\", \"attempts\": [{\"uid\": \"x\", "
				"\"at_ms\": 12, \"checks\": [{\"ok\": 1, \"message\": \"\\u00e9\\ud83d\\ude00\"}]}], "
				"\"n\": -1.5e3, \"b\": [true, false, null]}";
static const char kv_good[] = "# c\nid = x\ncheck = a bonus\ntitle = T \\n U\n";
static const char trace_good[] = "X 12 345 send fd=3 tid=13 len=8 inj=cap addr=127.0.0.1:80 data=426f6e ret=3 err=0";

START_TEST(parsers_survive_mangled_input)
{
	/* The good inputs themselves parse: the mangling starts from valid text. */
	struct quiz q0;
	struct jval v0;
	struct kv k0;
	struct trace_ev t0;
	char *e0 = NULL;
	ck_assert_int_eq(quiz_parse(&q0, "q", quiz_good, &e0), 0);
	quiz_free(&q0);
	ck_assert_int_eq(json_parse(json_good, strlen(json_good), &v0, &e0), 0);
	jval_free(&v0);
	ck_assert_int_eq(kv_parse(&k0, "m", kv_good, &e0), 0);
	kv_free(&k0);
	ck_assert_int_eq(trace_parse(trace_good, &t0), 0);
	trace_ev_free(&t0);
	for (int i = 0; i < ROUNDS; i++) {
		size_t n;
		char *s = mangle(quiz_good, &n);
		struct quiz qz;
		char *err = NULL;
		if (quiz_parse(&qz, "q", s, &err) == 0) {
			struct quiz_answers a;
			char *e2 = NULL;
			if (quiz_answers_parse(&qz, "a", s, &a, &e2) == 0)
				quiz_answers_free(&a);
			free(e2);
			quiz_free(&qz);
		}
		free(err);
		free(s);

		s = mangle(json_good, &n);
		struct jval v;
		err = NULL;
		if (json_parse(s, n, &v, &err) == 0)
			jval_free(&v);
		free(err);
		free(s);

		s = mangle(kv_good, &n);
		struct kv kv;
		err = NULL;
		if (kv_parse(&kv, "m", s, &err) == 0)
			kv_free(&kv);
		free(err);
		free(s);

		s = mangle(trace_good, &n);
		struct trace_ev ev;
		if (trace_parse(s, &ev) == 0)
			trace_ev_free(&ev);
		free(s);
	}
	/* Reaching here without a crash (or, under ASan, a memory error) is the test. */
}
END_TEST

Suite *fuzz_suite(void)
{
	Suite *s = suite_create("fuzz");
	TCase *tc = tcase_create("parsers");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, parsers_survive_mangled_input);
	suite_add_tcase(s, tc);
	return s;
}
