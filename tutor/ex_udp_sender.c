/*
 * Checks of udp-sender (SPEC §4, chapter 3): the slides' Prog 1.  The
 * reference server, a UDP socket on 127.0.0.1, expects one datagram of the
 * 8 bytes "Bonjour\0" and then answers a random int in host order (never
 * the 10 of the slides), or answers badly, or never answers; strangers
 * (another port, another address) may send datagrams too.
 *
 * Timing is read from the program's own trace: a wait runs from the send
 * of the datagram (its 'E' record for the lower bound, its 'X' record for
 * the upper one) to the end of the program (its last record when it left
 * its wait by itself, the moment we saw it end otherwise).  The lower bound
 * allows 100 ms for a timer armed just before the send (alarm(2) then
 * sendto); the upper bound allows 500 ms over the 3 s of the statement for
 * the load of the machine (waking up, exiting, our noticing it), none of
 * which the learner can be blamed for.  Every realistic mistake (no
 * time-out, 0, a few ms, 1 s, 5 s, a wait started again) is far outside.
 *
 * A program that waits with alarm() is invisible to the stall detector, so
 * once it has sent its datagram we only wait for it to end, up to the
 * bound; stalls end a scenario only before the first datagram (nothing
 * could legitimately be waited for yet) and after a valid reply.
 *
 * The server and the judges are tutor/udpsrv.c, shared with
 * tutor/ex_udp_retry.c; this file only says how long each wait must be and
 * which scenarios to play.
 */
#include "check.h"
#include "exercises.h"
#include "udpsrv.h"

/* How the program must wait for its reply (see the top comment). */
static const struct udpsrv_rules rules = { 1, 1900, 3500 };

static void chk_usage(struct check *c)
{
	udpsrv_check_usage(c);
}

static void chk_hello(struct check *c)
{
	struct udpsrv_scen s = { .pol = UDPSRV_ANSWER };
	if (udpsrv_run(c, &rules, &s) == 0 && udpsrv_judge_greeting(c, &s, 0) == 0)
		udpsrv_judge_answered(c, &rules, &s);
}

static void chk_timeout(struct check *c)
{
	struct udpsrv_scen s = { .pol = UDPSRV_NEVER };
	if (udpsrv_run(c, &rules, &s) == 0 && udpsrv_judge_greeting(c, &s, 0) == 0)
		udpsrv_judge_giveup(c, &rules, &s);
}

static void chk_short_reply(struct check *c)
{
	struct udpsrv_scen s = { .pol = UDPSRV_SIZE, .reply_len = 2 };
	if (udpsrv_run(c, &rules, &s) == 0 && udpsrv_judge_greeting(c, &s, 0) == 0)
		udpsrv_judge_bad_size(c, &s);
}

static void chk_long_reply(struct check *c)
{
	struct udpsrv_scen s = { .pol = UDPSRV_SIZE, .reply_len = 8 };
	if (udpsrv_run(c, &rules, &s) == 0 && udpsrv_judge_greeting(c, &s, 0) == 0)
		udpsrv_judge_bad_size(c, &s);
}

static void chk_refused(struct check *c)
{
	struct udpsrv_scen s = { .pol = UDPSRV_NEVER, .refused = 1 };
	if (udpsrv_run(c, &rules, &s) == 0)
		udpsrv_judge_refused(c, &s);
}

static void chk_errors(struct check *c)
{
	udpsrv_check_socket_fail(c);
}

static void chk_io_errors(struct check *c)
{
	udpsrv_check_io_fail(c, &rules);
}

static void chk_bad_port(struct check *c)
{
	udpsrv_check_bad_port(c);
}

static void chk_stranger(struct check *c)
{
	struct udpsrv_scen s = { .pol = UDPSRV_STRANGER };
	if (udpsrv_run(c, &rules, &s) == 0 && udpsrv_judge_greeting(c, &s, 0) == 0)
		udpsrv_judge_answered(c, &rules, &s);
}

static void chk_stranger_wait(struct check *c)
{
	struct udpsrv_scen s = { .pol = UDPSRV_STRANGER_WAIT, .stranger_ms = 250 };
	if (udpsrv_run(c, &rules, &s) == 0 && udpsrv_judge_greeting(c, &s, 0) == 0)
		udpsrv_judge_giveup(c, &rules, &s);
}

const struct check_def ex_udp_sender_checks[] = {
	{ "usage", chk_usage },
	{ "hello", chk_hello },
	{ "timeout", chk_timeout },
	{ "short-reply", chk_short_reply },
	{ "long-reply", chk_long_reply },
	{ "refused", chk_refused },
	{ "errors", chk_errors },
	{ "io-errors", chk_io_errors },
	{ "bad-port", chk_bad_port },
	{ "stranger", chk_stranger },
	{ "stranger-wait", chk_stranger_wait },
	{ NULL, NULL },
};
