/*
 * Checks of send-all (SPEC §4, chapter 2): the functions send_all and
 * recv_all of send_all.c, the answer to the slide's question "si res vaut
 * 1024, que s'est-il produit ?".  Each check runs one case of the driver
 * (exercises/send-all/driver.c) on a socketpair, with the stub settings
 * that make the clause visible: a byte cap of 7 for short transfers (never
 * pauses), EINTR on every 3rd transfer, an injected ECONNRESET.  The driver
 * chooses random data and lengths and names the mistake; this file only
 * picks the stub settings.
 */
#include "check.h"
#include "exercises.h"
#include "trace.h"

#define CAP 7		/* bytes per transfer when a cap applies */
#define EINTR_EVERY 3	/* the driver's 3rd message starts with an EINTR */

/* The 2nd send-like call, whatever the learner calls it, fails. */
#define SEND_FAIL "send:ECONNRESET:2,write:ECONNRESET:2,sendto:ECONNRESET:2"
/* The 1st receive-like call fails (MSG_WAITALL makes a single one). */
#define RECV_FAIL "recv:ECONNRESET:1,read:ECONNRESET:1,recvfrom:ECONNRESET:1"

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

static void chk_send_basic(struct check *c)
{
	run_case(c, "send-basic", 0, 0, 0, NULL);
}

static void chk_send_short(struct check *c)
{
	run_case(c, "send-short", CAP, 0, 0, NULL);
}

static void chk_send_eintr(struct check *c)
{
	run_case(c, "send-eintr", CAP, 0, EINTR_EVERY, NULL);
}

static void chk_send_closed(struct check *c)
{
	run_case(c, "send-closed", 0, 0, 0, NULL);
}

static void chk_send_error(struct check *c)
{
	run_case(c, "send-error", CAP, 0, 0, SEND_FAIL);
	check_forget_unreachable(c, trace_is_send);
}

static void chk_recv_basic(struct check *c)
{
	run_case(c, "recv-basic", 0, 0, 0, NULL);
}

static void chk_recv_pieces(struct check *c)
{
	run_case(c, "recv-pieces", 0, CAP, 0, NULL);
}

static void chk_recv_eintr(struct check *c)
{
	run_case(c, "recv-eintr", 0, CAP, EINTR_EVERY, NULL);
}

static void chk_recv_exact(struct check *c)
{
	run_case(c, "recv-exact", 0, CAP, 0, NULL);
}

static void chk_recv_early_close(struct check *c)
{
	/*
	 * No cap here: the stub's spin detection skips capped calls, so a loop
	 * that ignores recv() == 0 would only end at the time limit (pieces are
	 * recv-pieces' business).
	 */
	run_case(c, "recv-early-close", 0, 0, 0, NULL);
}

static void chk_recv_closed(struct check *c)
{
	run_case(c, "recv-closed", 0, 0, 0, NULL);
}

static void chk_recv_error(struct check *c)
{
	run_case(c, "recv-error", 0, CAP, 0, RECV_FAIL);
	check_forget_unreachable(c, trace_is_recv);
}

static void chk_zero_len(struct check *c)
{
	run_case(c, "zero-len", 0, 0, 0, NULL);
}

const struct check_def ex_send_all_checks[] = {
	{ "send-basic", chk_send_basic },
	{ "send-short", chk_send_short },
	{ "send-eintr", chk_send_eintr },
	{ "send-closed", chk_send_closed },
	{ "send-error", chk_send_error },
	{ "recv-basic", chk_recv_basic },
	{ "recv-pieces", chk_recv_pieces },
	{ "recv-eintr", chk_recv_eintr },
	{ "recv-exact", chk_recv_exact },
	{ "recv-early-close", chk_recv_early_close },
	{ "recv-closed", chk_recv_closed },
	{ "recv-error", chk_recv_error },
	{ "zero-len", chk_zero_len },
	{ NULL, NULL },
};
