/*
 * Checks of framing (SPEC §4, chapter 2): the functions send_msg and
 * recv_msg of framing.c, the answer to the slide's question "à qui revient
 * la responsabilité de définir les limites des messages ?" -- the
 * application's: a 4-byte length in network order, then the bytes.  Each
 * check runs one case of the driver (exercises/framing/driver.c) on
 * socketpairs, with the stub settings that make its clause visible: byte
 * caps for short transfers (never pauses), EINTR on every 2nd transfer,
 * an injected ECONNRESET on the 1st or the 2nd transfer.  The driver draws
 * random contents and lengths and names the mistake; this file only picks
 * the stub settings.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "exercises.h"
#include "trace.h"
#include "util.h"

#define CAP_SPLIT 3	/* splits the 4 bytes of a length in two */
#define CAP_LONG 1021	/* short transfers of a 70000-byte message */
#define CAP_BYTE 1	/* one byte a call */
#define CAP_SHORT 7	/* short transfers that keep a length whole */
#define EINTR_EVERY 2
/*
 * A message above 65535 bytes moved a byte per call (a correct, if slow,
 * style) takes 70000 calls through the stub: seconds on a loaded machine.
 * Such runs get a longer bound than WAIT_MS.
 */
#define LONG_WAIT_MS (6 * WAIT_MS)

/* The 1st or 2nd send-like (receive-like) call fails, whatever its name. */
static const char send_fail_1[] = "send:ECONNRESET:1,write:ECONNRESET:1,sendto:ECONNRESET:1";
static const char send_fail_2[] = "send:ECONNRESET:2,write:ECONNRESET:2,sendto:ECONNRESET:2";
static const char recv_fail_1[] = "recv:ECONNRESET:1,read:ECONNRESET:1,recvfrom:ECONNRESET:1";
static const char recv_fail_2[] = "recv:ECONNRESET:2,read:ECONNRESET:2,recvfrom:ECONNRESET:2";

static void run_case(struct check *c, const char *name, int cap_send, int cap_recv,
		     int eintr, const char *fail)
{
	struct spawn s = {
		.args = { NULL },
		.cap_send = cap_send,
		.cap_recv = cap_recv,
		.eintr = eintr,
		.fail = fail,
		.ignore_sigpipe = 1,
	};
	check_driver(c, &s, name);
}

/*
 * check_driver() with a bound of its own on the run (it waits WAIT_MS):
 * the same verdicts, from the driver's last result line.
 */
static void run_long_case(struct check *c, const char *name, int cap_send, int cap_recv)
{
	struct spawn s = {
		.args = { name, NULL },
		.cap_send = cap_send,
		.cap_recv = cap_recv,
		.ignore_sigpipe = 1,
		.wall_ms = LONG_WAIT_MS + WAIT_MS,
	};
	struct run *r = check_spawn(c, &s);
	if (!r)
		return;
	if (run_wait_exit(r, LONG_WAIT_MS) != 0) {
		const char *call = run_blocked_call(r);
		if (call)
			check_fail(c, r, "run.blocked", call, NULL);
		else
			check_fail(c, r, "run.hang", NULL);
		run_kill(r);
		return;
	}
	if (check_abnormal(c, r))
		return;
	char *last = NULL;
	pthread_mutex_lock(&r->mu);
	for (size_t i = r->nev; i-- > 0 && !last;)
		if (r->ev[i].phase == 'R' && r->ev[i].text)
			last = xstrdup(r->ev[i].text);
	pthread_mutex_unlock(&r->mu);
	if (!last) {
		check_fail(c, r, "driver.noresult", check_str(c, "%d", r->status), NULL);
		return;
	}
	/* "ok", or "fail KEY ARG...": at most 9 arguments, as check_driver. */
	const char *w[11] = { NULL };
	int n = 0;
	for (char *save = NULL, *t = strtok_r(last, " ", &save); t && n < 11;
	     t = strtok_r(NULL, " ", &save))
		w[n++] = check_str(c, "%s", t);
	free(last);
	if (n == 1 && !strcmp(w[0], "ok"))
		return;
	if (n >= 2 && !strcmp(w[0], "fail"))
		check_fail(c, r, w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8], w[9], w[10],
			   NULL);
	else
		check_fail(c, r, "driver.noresult", check_str(c, "%d", r->status), NULL);
}

/* Did the program make any wrapped transfer of that kind? */
static int made_transfer(struct run *r, int (*is_kind)(const char *))
{
	int found = 0;
	pthread_mutex_lock(&r->mu);
	for (size_t i = 0; i < r->nev && !found; i++)
		if (r->ev[i].side == SIDE_PROGRAM && r->ev[i].phase == 'X' &&
		    is_kind(r->ev[i].call))
			found = 1;
	pthread_mutex_unlock(&r->mu);
	return found;
}

/*
 * Forgets the driver's verdict when the injected failure could not reach
 * the learner's code: it moved its bytes with calls the stub does not wrap
 * (sendmsg, writev, recvmsg...).  Only a verdict the driver gave is
 * forgotten, never a crash or a hang.  Returns 1 when it forgot one.
 */
static int unless_unreachable(struct check *c, int (*is_kind)(const char *))
{
	if (!c->failed || c->nruns == 0)
		return 0;
	struct run *r = c->runs[c->nruns - 1];
	if (r->end != RUN_EXITED || r->status != 0 || made_transfer(r, is_kind))
		return 0;
	free(c->message);
	c->message = NULL;
	for (size_t i = 0; i < c->ntrace; i++)
		trace_ev_free(&c->trace[i]);
	free(c->trace);
	c->trace = NULL;
	c->ntrace = 0;
	c->failed = 0;
	return 1;
}

/*
 * One case with an injected failure.  When the failure could not reach the
 * learner's calls, the function must at least work on a sound socket (a
 * function that does nothing and returns -1 passes no check).
 */
static int failure_case(struct check *c, const char *name, const char *fail,
			int (*is_kind)(const char *), const char *works)
{
	run_case(c, name, 0, 0, 0, fail);
	if (unless_unreachable(c, is_kind))
		run_case(c, works, 0, 0, 0, NULL);
	return !c->failed;
}

/* Small messages under a cap of 3, then (another run) 70000 bytes. */
static void chk_round_trip(struct check *c)
{
	run_case(c, "round-trip", CAP_SPLIT, CAP_SPLIT, 0, NULL);
	if (!c->failed)
		run_long_case(c, "round-trip-long", CAP_LONG, CAP_LONG);
}

static void chk_network_order(struct check *c)
{
	run_long_case(c, "network-order", 0, 0);
}

static void chk_empty(struct check *c)
{
	run_case(c, "empty", 0, 0, 0, NULL);
}

static void chk_recv_pieces(struct check *c)
{
	run_case(c, "recv-pieces", 0, CAP_BYTE, 0, NULL);
}

static void chk_one_segment(struct check *c)
{
	run_case(c, "one-segment", 0, 0, 0, NULL);
}

static void chk_clean_close(struct check *c)
{
	run_case(c, "clean-close", 0, 0, 0, NULL);
}

/*
 * No cap in the three EPROTO checks: the stub's spin detection skips
 * capped calls, so a loop that ignores recv() == 0 would only end at the
 * time limit.
 */
static void chk_eproto_length(struct check *c)
{
	run_case(c, "eproto-length", 0, 0, 0, NULL);
}

static void chk_eproto_payload(struct check *c)
{
	run_case(c, "eproto-payload", 0, 0, 0, NULL);
}

static void chk_eproto_discard(struct check *c)
{
	run_case(c, "eproto-discard", 0, 0, 0, NULL);
}

static void chk_emsgsize(struct check *c)
{
	run_case(c, "emsgsize", 0, CAP_SHORT, 0, NULL);
}

static void chk_eintr(struct check *c)
{
	run_case(c, "eintr", CAP_SHORT, CAP_SHORT, EINTR_EVERY, NULL);
}

static void chk_send_closed(struct check *c)
{
	run_case(c, "send-closed", 0, 0, 0, NULL);
}

/* The first send() fails, then (another run) the second. */
static void chk_send_error(struct check *c)
{
	if (failure_case(c, "send-error-first", send_fail_1, trace_is_send, "send-works"))
		failure_case(c, "send-error-second", send_fail_2, trace_is_send, "send-works");
}

static void chk_recv_error(struct check *c)
{
	if (failure_case(c, "recv-error-first", recv_fail_1, trace_is_recv, "recv-works"))
		failure_case(c, "recv-error-second", recv_fail_2, trace_is_recv, "recv-works");
}

const struct check_def ex_framing_checks[] = {
	{ "round-trip", chk_round_trip },
	{ "network-order", chk_network_order },
	{ "empty", chk_empty },
	{ "recv-pieces", chk_recv_pieces },
	{ "one-segment", chk_one_segment },
	{ "clean-close", chk_clean_close },
	{ "eproto-length", chk_eproto_length },
	{ "eproto-payload", chk_eproto_payload },
	{ "eproto-discard", chk_eproto_discard },
	{ "emsgsize", chk_emsgsize },
	{ "eintr", chk_eintr },
	{ "send-closed", chk_send_closed },
	{ "send-error", chk_send_error },
	{ "recv-error", chk_recv_error },
	{ NULL, NULL },
};
