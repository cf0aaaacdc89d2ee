/* trace: the lines the stub writes, parsed into events. */
#include <stdlib.h>
#include <string.h>

#include "suites.h"
#include "trace.h"

START_TEST(send_record_is_parsed)
{
	struct trace_ev ev;
	ck_assert_int_eq(trace_parse("X 12 345 send fd=3 tid=13 len=8 inj=cap data=426f6e ret=3 err=0",
				     &ev), 0);
	ck_assert_int_eq(ev.phase, 'X');
	ck_assert_int_eq(ev.pid, 12);
	ck_assert_int_eq(ev.tid, 13);
	ck_assert_str_eq(ev.call, "send");
	ck_assert_int_eq(ev.fd, 3);
	ck_assert_int_eq(ev.len, 8);
	ck_assert_int_eq(ev.ret, 3);
	ck_assert_str_eq(ev.inj, "cap");
	ck_assert_int_eq(ev.datalen, 3);
	ck_assert_int_eq(memcmp(ev.data, "Bon", 3), 0);
	trace_ev_free(&ev);
}
END_TEST

START_TEST(addresses_and_results)
{
	struct trace_ev ev;
	ck_assert_int_eq(trace_parse("X 1 2 connect fd=3 addr=127.0.0.1:31470 ret=-1 err=111", &ev), 0);
	char ip[32];
	int port;
	ck_assert_int_eq(trace_addr_split(ev.addr, ip, sizeof ip, &port), 0);
	ck_assert_str_eq(ip, "127.0.0.1");
	ck_assert_int_eq(port, 31470);
	ck_assert_int_eq(ev.err, 111);
	trace_ev_free(&ev);
	ck_assert_int_eq(trace_parse("R 1 2 fail port 47490", &ev), 0);
	ck_assert_str_eq(ev.text, "fail port 47490");
	trace_ev_free(&ev);
}
END_TEST

static const char *const garbage[] = { "", "hello", "Q 1 2 send", "X 1", "X a b send" };

START_TEST(garbage_is_not_a_record)
{
	struct trace_ev ev;
	ck_assert_int_eq(trace_parse(garbage[_i], &ev), -1);
}
END_TEST

Suite *trace_suite(void)
{
	Suite *s = suite_create("trace");
	TCase *tc = tcase_create("parse");
	tcase_add_test(tc, send_record_is_parsed);
	tcase_add_test(tc, addresses_and_results);
	tcase_add_loop_test(tc, garbage_is_not_a_record, 0,
			    (int)(sizeof garbage / sizeof garbage[0]));
	suite_add_tcase(s, tc);
	return s;
}
