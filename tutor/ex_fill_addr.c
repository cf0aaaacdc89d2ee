/*
 * Checks of fill-addr (SPEC §4, chapter 1): the learner's
 * fill_addr(addr, ip, port) runs under exercises/fill-addr/driver.c, which
 * calls it on a struct full of garbage, one call per child process, and
 * judges the struct and the return value.  Each check draws the random
 * values (ports, addresses) a hard-coded answer could not match and hands
 * them to the driver as its case, "NAME ARG...".  Nothing is sent on any
 * network: the addresses are only parsed.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "exercises.h"
#include "peer.h"

#define GARBAGE_PORT 0xA5A5	/* sin_port left as the driver's garbage */

/*
 * A port above 1024 whose two bytes differ (so a missing htons shows) and
 * that is none of the ports in avoid[0..n).
 */
static long random_port(const long *avoid, int n)
{
	for (;;) {
		long p = peer_random(1025, 65535);
		int clash = (p & 0xff) == (p >> 8) || p == GARBAGE_PORT;
		for (int i = 0; i < n; i++)
			clash |= p == avoid[i];
		if (!clash)
			return p;
	}
}

/* A random address 10.a.b.c whose byte-swapped form differs from it. */
static const char *random_ip10(struct check *c)
{
	for (;;) {
		long a = peer_random(0, 255), b = peer_random(0, 255), d = peer_random(1, 254);
		if (!(d == 10 && a == b))
			return check_str(c, "10.%ld.%ld.%ld", a, b, d);
	}
}

/*
 * "0dddd" with digits 1-7: its decimal value and its octal reading differ
 * in either byte order, so a port read as octal (strtol base 0) shows.
 */
static const char *random_octal_port(struct check *c)
{
	for (;;) {
		char s[8] = "0";
		for (int i = 1; i <= 4; i++)
			s[i] = (char)('0' + peer_random(1, 7));
		s[5] = '\0';
		int v = (int)strtol(s, NULL, 10), o = (int)strtol(s, NULL, 8);
		if (v != o && v != peer_swap_port(o) && peer_swap_port(v) != o &&
		    peer_swap_port(v) != peer_swap_port(o))
			return check_str(c, "%s", s);
	}
}

static void run_case(struct check *c, const char *name)
{
	struct spawn s = { .args = { NULL } };
	check_driver(c, &s, name);
}

static void chk_family(struct check *c)
{
	run_case(c, check_str(c, "family %ld", random_port(NULL, 0)));
}

static void chk_port(struct check *c)
{
	long p[3];
	for (int i = 0; i < 3; i++)
		p[i] = random_port(p, i);
	run_case(c, check_str(c, "port %ld %ld %ld", p[0], p[1], p[2]));
}

static void chk_address(struct check *c)
{
	run_case(c, check_str(c, "address %ld 127.0.0.1 %s 192.168.%ld.%ld", random_port(NULL, 0),
			      random_ip10(c), peer_random(0, 255), peer_random(1, 254)));
}

static void chk_any(struct check *c)
{
	run_case(c, check_str(c, "any %ld", random_port(NULL, 0)));
}

static void chk_clears(struct check *c)
{
	run_case(c, check_str(c, "clears %ld", random_port(NULL, 0)));
}

static void chk_range(struct check *c)
{
	run_case(c, "range");
}

static void chk_syntax(struct check *c)
{
	run_case(c, check_str(c, "syntax %s", random_octal_port(c)));
}

static void chk_bad_ip(struct check *c)
{
	run_case(c, check_str(c, "bad-ip %ld", random_port(NULL, 0)));
}

static void chk_silent(struct check *c)
{
	run_case(c, check_str(c, "silent %ld", random_port(NULL, 0)));
}

const struct check_def ex_fill_addr_checks[] = {
	{ "family", chk_family },
	{ "port", chk_port },
	{ "address", chk_address },
	{ "any", chk_any },
	{ "clears", chk_clears },
	{ "port-range", chk_range },
	{ "port-syntax", chk_syntax },
	{ "bad-ip", chk_bad_ip },
	{ "silent", chk_silent },
	{ NULL, NULL },
};
