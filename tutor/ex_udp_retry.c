/*
 * Checks of udp-retry (SPEC §4, chapter 3): udp-sender made reliable by
 * sending again.  The reference server, a UDP socket on 127.0.0.1, expects
 * datagrams of the 8 bytes "Bonjour\0"; it drops the first k of them (k
 * random, 1 to 4) and answers the next one with a random int in host order,
 * or never answers, or answers the 1st datagram only once the 2nd has come
 * (a late reply to an earlier datagram counts), or answers twice, or with a
 * wrong size; strangers (another port, another address) may send datagrams
 * too.
 *
 * Datagrams are counted in the program's trace (its sendto/send/write
 * records), and each wait is measured there: from a send's 'E' record to
 * the next send's 'X' record for the lower bound (250 ms), from a send's
 * 'X' record to the next send's 'E' record for the upper one (600 ms, plus
 * 250 ms for the load of the machine: the program's waking up is not the
 * learner's doing).  After the 5th datagram the wait runs to the end of the
 * program (its last record when it left its wait by itself, the moment we
 * saw it end otherwise).  A timer armed just before the send may make a
 * 300 ms wait look a little shorter, never below 250 ms; every realistic
 * mistake (no wait, 3 ms, 2 s, 3 s, a wait started again by each stranger)
 * is far outside.
 *
 * A program that waits with setitimer() or ualarm() is invisible to the
 * stall detector, so once it has sent a datagram we only wait for its next
 * datagram or its end, each up to the bound; stalls end a scenario only
 * before the first datagram and after a valid reply.
 *
 * The server and the judges are tutor/udpsrv.c, shared with
 * tutor/ex_udp_sender.c; this file only says how long each wait must be and
 * which scenarios to play.
 */
#include "check.h"
#include "exercises.h"
#include "peer.h"
#include "udpsrv.h"

/* How the program must wait for its reply (see the top comment). */
static const struct udpsrv_rules rules = { 5, 250, 850 };

static void chk_usage(struct check *c)
{
	udpsrv_check_usage(c);
}

static void chk_hello(struct check *c)
{
	struct udpsrv_scen s = { .pol = UDPSRV_ANSWER };
	if (udpsrv_run(c, &rules, &s) == 0 && udpsrv_judge_greeting(c, &s, 1) == 0)
		udpsrv_judge_answered(c, &rules, &s);
}

/* k random from 1 to 3, then always 4: the reply to the 5th datagram counts too. */
static void chk_lost(struct check *c)
{
	int skips[2] = { (int)peer_random(1, 3), 4 };
	for (int i = 0; i < 2 && !c->failed; i++) {
		struct udpsrv_scen s = { .pol = UDPSRV_ANSWER, .skip = skips[i] };
		if (udpsrv_run(c, &rules, &s) == 0 && udpsrv_judge_greeting(c, &s, 1) == 0)
			udpsrv_judge_answered(c, &rules, &s);
	}
}

static void chk_never(struct check *c)
{
	struct udpsrv_scen s = { .pol = UDPSRV_NEVER };
	if (udpsrv_run(c, &rules, &s) == 0 && udpsrv_judge_greeting(c, &s, 1) == 0)
		udpsrv_judge_giveup(c, &rules, &s);
}

static void chk_late(struct check *c)
{
	struct udpsrv_scen s = { .pol = UDPSRV_LATE };
	if (udpsrv_run(c, &rules, &s) < 0 || udpsrv_judge_greeting(c, &s, 1) < 0)
		return;
	/* The reply went to the socket of the 1st datagram. */
	for (int i = 1; i < s.nd; i++)
		if (s.d[i].port != s.d[0].port) {
			check_fail(c, s.r, "newsocket", check_str(c, "%d", s.d[0].port),
				   check_str(c, "%d", s.d[i].port), NULL);
			return;
		}
	udpsrv_judge_answered(c, &rules, &s);
}

static void chk_duplicates(struct check *c)
{
	struct udpsrv_scen s = { .pol = UDPSRV_DUP };
	if (udpsrv_run(c, &rules, &s) == 0 && udpsrv_judge_greeting(c, &s, 1) == 0)
		udpsrv_judge_answered(c, &rules, &s);
}

static void chk_bad_size(struct check *c)
{
	static const size_t sizes[] = { 2, 8 };
	for (size_t i = 0; i < 2 && !c->failed; i++) {
		struct udpsrv_scen s = { .pol = UDPSRV_SIZE, .reply_len = sizes[i] };
		if (udpsrv_run(c, &rules, &s) == 0 && udpsrv_judge_greeting(c, &s, 1) == 0)
			udpsrv_judge_bad_size(c, &s);
	}
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
	if (udpsrv_run(c, &rules, &s) == 0 && udpsrv_judge_greeting(c, &s, 1) == 0)
		udpsrv_judge_answered(c, &rules, &s);
}

static void chk_stranger_wait(struct check *c)
{
	struct udpsrv_scen s = { .pol = UDPSRV_STRANGER_WAIT, .stranger_ms = 100 };
	if (udpsrv_run(c, &rules, &s) == 0 && udpsrv_judge_greeting(c, &s, 1) == 0)
		udpsrv_judge_giveup(c, &rules, &s);
}

const struct check_def ex_udp_retry_checks[] = {
	{ "usage", chk_usage },
	{ "hello", chk_hello },
	{ "lost", chk_lost },
	{ "never", chk_never },
	{ "late", chk_late },
	{ "duplicates", chk_duplicates },
	{ "bad-size", chk_bad_size },
	{ "refused", chk_refused },
	{ "errors", chk_errors },
	{ "io-errors", chk_io_errors },
	{ "bad-port", chk_bad_port },
	{ "stranger", chk_stranger },
	{ "stranger-wait", chk_stranger_wait },
	{ NULL, NULL },
};
