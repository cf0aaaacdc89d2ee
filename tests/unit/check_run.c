/*
 * run and sandbox: a program under the runner, its output, its end, the
 * limits that stop it, and nothing left of it afterwards.  The programs are
 * small shell scripts, so no compiler is needed here.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "run.h"
#include "sandbox.h"
#include "suites.h"
#include "util.h"

/* bash, not sh: dash cannot redirect to descriptor 63, the trace's. */
static struct run *sh(const char *script, long wall_ms)
{
	const char *argv[] = { "/bin/bash", "-c", script, NULL };
	struct run_opts o = { .argv = argv, .dir = "/tmp", .max_forks = -1, .wall_ms = wall_ms };
	struct run *r = run_start(&o);
	ck_assert_ptr_nonnull(r);
	return r;
}

START_TEST(output_and_exit_status_are_kept)
{
	struct run *r = sh("echo hello; echo oops >&2; exit 3", 5000);
	ck_assert_int_eq(run_wait_exit(r, 5000), 0);
	ck_assert_int_eq(r->end, RUN_EXITED);
	ck_assert_int_eq(r->status, 3);
	ck_assert_int_eq((int)r->out.len, 6);
	ck_assert_int_eq(memcmp(r->out.buf, "hello\n", 6), 0);
	ck_assert_int_eq(memcmp(r->err.buf, "oops\n", 5), 0);
	run_free(r);
}
END_TEST

START_TEST(a_crash_is_told_from_an_exit)
{
	struct run *r = sh("kill -SEGV $$", 5000);
	ck_assert_int_eq(run_wait_exit(r, 5000), 0);
	ck_assert_int_eq(r->end, RUN_SIGNALED);
	ck_assert_int_eq(r->status, SIGSEGV);
	run_free(r);
}
END_TEST

START_TEST(wall_clock_bound_kills_a_program_that_never_ends)
{
	struct run *r = sh("while :; do :; done", 200);
	ck_assert_int_eq(run_wait_exit(r, 10000), 0);
	ck_assert_int_eq(r->end, RUN_KILLED);
	ck_assert(r->timed_out);
	run_free(r);
}
END_TEST

START_TEST(output_flood_is_stopped)
{
	struct run *r = sh("while :; do echo xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; done", 60000);
	ck_assert_int_eq(run_wait_exit(r, 60000), 0);
	ck_assert(r->flooded);
	ck_assert_int_le((int)r->out.len, RUN_OUT_MAX);
	run_free(r);
}
END_TEST

START_TEST(stub_trace_lines_become_events)
{
	struct run *r = sh("echo 'X 1 2 socket fd=3 tid=1 ret=3 err=0' >&63; echo 'not a record' >&63;"
			   "echo 'R 1 3 ok' >&63", 5000);
	ck_assert_int_eq(run_wait_exit(r, 5000), 0);
	size_t n;
	struct trace_ev *ev = run_events(r, &n);
	ck_assert_int_eq((int)n, 2);
	ck_assert_str_eq(ev[0].call, "socket");
	ck_assert_int_eq(ev[0].ret, 3);
	ck_assert_str_eq(ev[1].text, "ok");
	for (size_t i = 0; i < n; i++)
		trace_ev_free(&ev[i]);
	free(ev);
	run_free(r);
}
END_TEST

START_TEST(nothing_survives_the_run)
{
	/* A child in the background, still running when the program exits. */
	struct run *r = sh("sleep 300 & echo $!; exit 0", 5000);
	ck_assert_int_eq(run_wait_exit(r, 5000), 0);
	ck_assert_int_eq(run_wait_line(r, 5000), 0);
	pid_t child = (pid_t)atoi(r->out.buf);
	ck_assert_int_gt(child, 0);
	run_free(r);
	/* SIGKILL takes effect soon, not at once: gone, or a zombie, within 5 s. */
	int gone = 0;
	for (long end = now_ms() + 5000; !gone && now_ms() < end;) {
		char path[64];
		snprintf(path, sizeof path, "/proc/%d/stat", (int)child);
		char *st = file_read(path, NULL);
		gone = !st || strstr(st, ") Z ") != NULL || strstr(st, ") X ") != NULL;
		free(st);
		if (!gone)
			sched_yield();
	}
	ck_assert_msg(gone, "process %d outlived its run", (int)child);
}
END_TEST

START_TEST(ports_are_fresh_and_show_a_missing_htons)
{
	int a = sandbox_port(), b = sandbox_port();
	ck_assert_int_gt(a, 1024);
	ck_assert_int_gt(b, 1024);
	ck_assert_int_ne(a, b);
	ck_assert_int_ne(a >> 8, a & 0xff);
	int swapped = ((a & 0xff) << 8) | (a >> 8);
	ck_assert_int_ge(swapped, 1024);
}
END_TEST

Suite *run_suite(void)
{
	Suite *s = suite_create("run");
	TCase *tc = tcase_create("runner");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, output_and_exit_status_are_kept);
	tcase_add_test(tc, a_crash_is_told_from_an_exit);
	tcase_add_test(tc, wall_clock_bound_kills_a_program_that_never_ends);
	tcase_add_test(tc, output_flood_is_stopped);
	tcase_add_test(tc, stub_trace_lines_become_events);
	tcase_add_test(tc, nothing_survives_the_run);
	tcase_add_test(tc, ports_are_fresh_and_show_a_missing_htons);
	suite_add_tcase(s, tc);
	return s;
}
