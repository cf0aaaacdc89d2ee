/*
 * Test driver of fill-addr (SPEC §4, chapter 1), linked with the learner's
 * fill_addr.c and the stub.  argv[1] is one case, "NAME ARG...", whose
 * random values come from the grader (tutor/ex_fill_addr.c).
 *
 * Every call of fill_addr runs in a child process of its own, on a struct
 * filled with garbage (0xA5 bytes) and followed by a guard of garbage, with
 * its stdout and stderr captured: a crash, an endless loop, an exit() or a
 * print is then blamed on the exact input that caused it.
 *
 * Reports once with prise_result(): "ok", or "fail KEY ARG..." where KEY is
 * a message of exercises/fill-addr/checks.LANG.  By convention {1} is the ip
 * and {2} the port as the learner would write them in C ("127.0.0.1",
 * NULL), further arguments follow.  An argument must be one word: a space
 * in it is shown as U+00A0, which looks the same.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "prise_stub.h"

/* The learner's function (SPEC §4). */
int fill_addr(struct sockaddr_in *addr, const char *ip, const char *port);

#define GARBAGE 0xA5
#define GUARD 32
#define CPU_MS 300		/* CPU time after which a call never ends */
#define CALL_MS 4000		/* the same in wall-clock time (a blocked call) */
#define OUT_SHOWN 40		/* bytes of a print quoted in a message */

/* Shared with the child: the struct, then a guard that must stay garbage. */
struct shared {
	union {
		struct sockaddr_in in;
		unsigned char b[sizeof(struct sockaddr_in)];
	} a;
	unsigned char guard[GUARD];
	int ret;
	int done;
};

enum end { END_RETURNED, END_CRASHED, END_LOOPED, END_EXITED };

struct outcome {
	enum end end;
	int sig, status;
	int ret;
	struct sockaddr_in addr;
	unsigned char raw[sizeof(struct sockaddr_in)];
	int overflow;			/* guard bytes changed */
	unsigned char out[OUT_SHOWN];
	size_t nout, printed;		/* bytes kept, bytes printed in all */
};

static struct shared *sh;

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* A ring of small strings for message arguments. */
static char *slot(void)
{
	static char ring[16][256];
	static int next;
	next = (next + 1) % 16;
	return ring[next];
}

/* Appends byte c to a quoted word, escaped as in C (space as U+00A0). */
static size_t quote_byte(char *b, size_t n, size_t cap, unsigned char c)
{
	char tmp[8];
	if (c == ' ')
		snprintf(tmp, sizeof tmp, "\xc2\xa0");
	else if (c == '\n')
		snprintf(tmp, sizeof tmp, "\\n");
	else if (c == '\t')
		snprintf(tmp, sizeof tmp, "\\t");
	else if (c == '"' || c == '\\')
		snprintf(tmp, sizeof tmp, "\\%c", c);
	else if (c < 0x20 || c >= 0x7f)
		snprintf(tmp, sizeof tmp, "\\x%02x", c);
	else
		snprintf(tmp, sizeof tmp, "%c", c);
	size_t k = strlen(tmp);
	if (n + k + 1 < cap) {
		memcpy(b + n, tmp, k);
		n += k;
	}
	b[n] = '\0';
	return n;
}

/* How the learner writes s in C: NULL or a quoted string. */
static const char *disp(const char *s)
{
	if (!s)
		return "NULL";
	char *b = slot();
	size_t n = 0;
	b[n++] = '"';
	for (const char *p = s; *p; p++)
		n = quote_byte(b, n, 250, (unsigned char)*p);
	b[n++] = '"';
	b[n] = '\0';
	return b;
}

static const char *num(long v)
{
	char *b = slot();
	snprintf(b, 256, "%ld", v);
	return b;
}

static const char *dotted(uint32_t s_addr)
{
	char *b = slot();
	struct in_addr a = { .s_addr = s_addr };
	if (!inet_ntop(AF_INET, &a, b, 256))
		snprintf(b, 256, "?");
	return b;
}

static const char *hex(const unsigned char *p, size_t n)
{
	char *b = slot();
	for (size_t i = 0; i < n; i++)
		snprintf(b + 2 * i, 3, "%02x", p[i]);
	return b;
}

static const char *signame(int sig)
{
	switch (sig) {
	case SIGSEGV: return "SIGSEGV";
	case SIGBUS: return "SIGBUS";
	case SIGABRT: return "SIGABRT";
	case SIGFPE: return "SIGFPE";
	case SIGILL: return "SIGILL";
	default: return num(sig);
	}
}

/* Reports "fail KEY ARG..." (NULL-terminated) and ends the driver. */
__attribute__((sentinel, noreturn))
static void fail(const char *key, ...)
{
	char line[1024];
	size_t n = (size_t)snprintf(line, sizeof line, "fail %s", key);
	va_list ap;
	va_start(ap, key);
	for (const char *a; (a = va_arg(ap, const char *)) && n < sizeof line;)
		n += (size_t)snprintf(line + n, sizeof line - n, " %s", a);
	va_end(ap);
	prise_result("%s", line);
	exit(0);
}

__attribute__((noreturn))
static void internal(const char *what)
{
	prise_result("fail driver.internal %s:%d", what, errno);
	exit(0);
}

/* The child: calls fill_addr once and leaves its answer in *sh. */
__attribute__((noreturn))
static void child(int out, const char *ip, const char *port)
{
	dup2(out, 1);
	dup2(out, 2);
	__real_close(out);
	/* An endless loop ends in SIGPROF after CPU_MS of CPU time, whatever the load. */
	struct itimerval it = { .it_value = { .tv_sec = CPU_MS / 1000,
					      .tv_usec = CPU_MS % 1000 * 1000 } };
	setitimer(ITIMER_PROF, &it, NULL);
	struct rlimit rl = { 0, 0 };
	setrlimit(RLIMIT_CORE, &rl);
	int ret = fill_addr(&sh->a.in, ip, port);
	sh->ret = ret;
	sh->done = 1;
	fflush(stdout);
	fflush(stderr);
	_exit(0);
}

/* Runs fill_addr(&garbage, ip, port) in a child and describes what it did. */
static void call(const char *ip, const char *port, struct outcome *o)
{
	memset(o, 0, sizeof *o);
	memset(sh, GARBAGE, sizeof *sh);
	sh->done = 0;
	int p[2];
	if (pipe(p) < 0)
		internal("pipe");
	fflush(NULL);
	pid_t pid = __real_fork();
	if (pid < 0)
		internal("fork");
	if (pid == 0) {
		__real_close(p[0]);
		child(p[1], ip, port);
	}
	__real_close(p[1]);
	long deadline = now_ms() + CALL_MS;
	int killed = 0;
	for (;;) {
		long left = deadline - now_ms();
		if (left <= 0) {
			kill(pid, SIGKILL);
			killed = 1;
			break;
		}
		struct pollfd pf = { .fd = p[0], .events = POLLIN };
		int n = __real_poll(&pf, 1, (int)left);
		if (n < 0 && errno != EINTR)
			internal("poll");
		if (n <= 0)
			continue;
		unsigned char buf[512];
		ssize_t k = __real_read(p[0], buf, sizeof buf);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		for (ssize_t i = 0; i < k && o->nout < OUT_SHOWN; i++)
			o->out[o->nout++] = buf[i];
		o->printed += (size_t)k;
	}
	__real_close(p[0]);
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			internal("waitpid");
	if (killed || (WIFSIGNALED(st) && (WTERMSIG(st) == SIGPROF || WTERMSIG(st) == SIGKILL))) {
		o->end = END_LOOPED;
	} else if (WIFSIGNALED(st)) {
		o->end = END_CRASHED;
		o->sig = WTERMSIG(st);
	} else if (!sh->done) {
		o->end = END_EXITED;
		o->status = WEXITSTATUS(st);
	} else {
		o->end = END_RETURNED;
		o->ret = sh->ret;
		memcpy(&o->addr, &sh->a.in, sizeof o->addr);
		memcpy(o->raw, sh->a.b, sizeof o->raw);
		for (size_t i = 0; i < GUARD; i++)
			if (sh->guard[i] != GARBAGE)
				o->overflow = (int)i + 1;
	}
}

/* Reports a call that did not return (crash, loop, exit). */
static void returned(const char *ip, const char *port, const struct outcome *o)
{
	switch (o->end) {
	case END_RETURNED:
		return;
	case END_CRASHED:
		if (!ip)
			fail("crash_null", disp(ip), disp(port), signame(o->sig), NULL);
		fail("crash", disp(ip), disp(port), signame(o->sig), NULL);
	case END_LOOPED:
		fail("loop", disp(ip), disp(port), NULL);
	case END_EXITED:
		fail("exited", disp(ip), disp(port), num(o->status), NULL);
	}
}

/* A valid input must give 0; refused_key names the mistake when -1. */
static void call_valid(const char *ip, const char *port, const char *refused_key,
		       struct outcome *o)
{
	call(ip, port, o);
	returned(ip, port, o);
	if (o->ret == -1)
		fail(refused_key, disp(ip), disp(port), NULL);
	if (o->ret != 0)
		fail("ret_valid", disp(ip), disp(port), num(o->ret), NULL);
}

/* An invalid input must give -1; accepted_key names the mistake when 0. */
static void call_invalid(const char *ip, const char *port, const char *accepted_key)
{
	struct outcome o;
	call(ip, port, &o);
	returned(ip, port, &o);
	if (o.ret == 0)
		fail(accepted_key, disp(ip), disp(port), NULL);
	if (o.ret != -1)
		fail("ret_invalid", disp(ip), disp(port), num(o.ret), NULL);
}

static int all_garbage(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != GARBAGE)
			return 0;
	return 1;
}

/* Judges sin_port against port value v (the learner's string is port). */
static void judge_port(const char *ip, const char *port, long v, const struct outcome *o)
{
	uint16_t got = o->addr.sin_port;
	if (got == htons((uint16_t)v))
		return;
	if (all_garbage(o->raw + offsetof(struct sockaddr_in, sin_port), 2))
		fail("port_unset", disp(ip), disp(port), NULL);
	if (got == (uint16_t)v)
		fail("htons", disp(ip), disp(port), num(ntohs(got)), NULL);
	if (got == 0)
		fail("port_zero", disp(ip), disp(port), NULL);
	fail("port_value", disp(ip), disp(port), num(ntohs(got)), NULL);
}

/* family PORT: returns 0 and sets AF_INET. */
static void case_family(char **a, int n)
{
	if (n < 1)
		internal("args");
	struct outcome o;
	const char *ip = "127.0.0.1";
	call_valid(ip, a[0], "refused", &o);
	if (o.addr.sin_family == AF_INET)
		return;
	if (all_garbage(o.raw + offsetof(struct sockaddr_in, sin_family), 2))
		fail("family_unset", disp(ip), disp(a[0]), NULL);
	if (o.addr.sin_family == htons(AF_INET))
		fail("family_order", disp(ip), disp(a[0]), num(o.addr.sin_family), NULL);
	fail("family", disp(ip), disp(a[0]), num(o.addr.sin_family), NULL);
}

/* port PORT...: sin_port is htons(PORT). */
static void case_port(char **a, int n)
{
	const char *ip = "127.0.0.1";
	for (int i = 0; i < n; i++) {
		struct outcome o;
		call_valid(ip, a[i], "refused", &o);
		judge_port(ip, a[i], strtol(a[i], NULL, 10), &o);
	}
}

/* address PORT IP...: sin_addr is what inet_pton gives. */
static void case_address(char **a, int n)
{
	for (int i = 1; i < n; i++) {
		const char *ip = a[i];
		struct in_addr want;
		if (inet_pton(AF_INET, ip, &want) != 1)
			internal("ip");
		struct outcome o;
		call_valid(ip, a[0], "refused", &o);
		uint32_t got = o.addr.sin_addr.s_addr;
		if (got == want.s_addr)
			continue;
		if (all_garbage(o.raw + offsetof(struct sockaddr_in, sin_addr), 4))
			fail("addr_unset", disp(ip), disp(a[0]), NULL);
		if (got == 0)
			fail("addr_zero", disp(ip), disp(a[0]), NULL);
		if (got == __builtin_bswap32(want.s_addr))
			fail("addr_order", disp(ip), disp(a[0]), dotted(got), NULL);
		fail("addr_value", disp(ip), disp(a[0]), dotted(got), NULL);
	}
}

/* any PORT: ip == NULL gives INADDR_ANY, family and port as with an ip. */
static void case_any(char **a, int n)
{
	if (n < 1)
		internal("args");
	struct outcome ref, o;
	call_valid("127.0.0.1", a[0], "refused", &ref);
	call(NULL, a[0], &o);
	returned(NULL, a[0], &o);
	if (o.ret == -1)
		fail("refused_null", disp(NULL), disp(a[0]), NULL);
	if (o.ret != 0)
		fail("ret_valid", disp(NULL), disp(a[0]), num(o.ret), NULL);
	uint32_t got = o.addr.sin_addr.s_addr;
	if (all_garbage(o.raw + offsetof(struct sockaddr_in, sin_addr), 4))
		fail("any_unset", disp(NULL), disp(a[0]), NULL);
	if (got != htonl(INADDR_ANY))
		fail("any_value", disp(NULL), disp(a[0]), dotted(got), NULL);
	if (o.addr.sin_family != ref.addr.sin_family)
		fail("any_family", disp(NULL), disp(a[0]), num(o.addr.sin_family),
		     num(ref.addr.sin_family), NULL);
	if (o.addr.sin_port != ref.addr.sin_port)
		fail("any_port", disp(NULL), disp(a[0]), num(ntohs(o.addr.sin_port)),
		     num(ntohs(ref.addr.sin_port)), NULL);
}

/* clears PORT: sin_zero is 0 after a success, nothing written past the end. */
static void case_clears(char **a, int n)
{
	if (n < 1)
		internal("args");
	const char *ips[] = { "127.0.0.1", NULL };
	for (int i = 0; i < 2; i++) {
		struct outcome o;
		call_valid(ips[i], a[0], i ? "refused_null" : "refused", &o);
		const unsigned char *z = o.raw + offsetof(struct sockaddr_in, sin_zero);
		static const unsigned char zero[sizeof o.addr.sin_zero];
		if (memcmp(z, zero, sizeof zero))
			fail("zero", disp(ips[i]), disp(a[0]), hex(z, sizeof zero), NULL);
		if (o.overflow)
			fail("overflow", disp(ips[i]), disp(a[0]), num(o.overflow), NULL);
	}
}

/* range: ports 0 and 65535 accepted, above 65535 refused. */
static void case_range(void)
{
	static const char *const big[] = { "65536", "99999", "123456" };
	const char *ip = "127.0.0.1";
	struct outcome o;
	call_valid(ip, "0", "zero_refused", &o);
	judge_port(ip, "0", 0, &o);
	call_valid(ip, "65535", "max_refused", &o);
	judge_port(ip, "65535", 65535, &o);
	for (size_t i = 0; i < sizeof big / sizeof big[0]; i++)
		call_invalid(ip, big[i], "too_big");
}

/* A port with leading zeros: its decimal value, in either byte order. */
static void leading_zeros(const char *ip, const char *port)
{
	long v = strtol(port, NULL, 10), oct = strtol(port, NULL, 8);
	struct outcome o;
	call(ip, port, &o);
	returned(ip, port, &o);
	if (o.ret == -1)
		fail("leading_refused", disp(ip), disp(port), num(v), NULL);
	if (o.ret != 0)
		fail("ret_valid", disp(ip), disp(port), num(o.ret), NULL);
	uint16_t got = o.addr.sin_port;
	if (got == htons((uint16_t)v) || got == (uint16_t)v)
		return;	/* the byte order is judged by the check "port" */
	if (all_garbage(o.raw + offsetof(struct sockaddr_in, sin_port), 2))
		fail("port_unset", disp(ip), disp(port), NULL);
	if (got == 0)
		fail("port_zero", disp(ip), disp(port), NULL);
	if (got == htons((uint16_t)oct) || got == (uint16_t)oct)
		fail("octal", disp(ip), disp(port), num(v), num(oct), NULL);
	fail("port_value", disp(ip), disp(port), num(ntohs(got)), NULL);
}

/* syntax PORT0: leading zeros accepted; no sign, space, letter, empty, 6th digit. */
static void case_syntax(char **a, int n)
{
	static const struct {
		const char *port, *key;
	} bad[] = {
		{ "80x", "port_trailing" }, { "abc", "port_letters" }, { "", "port_empty" },
		{ "-1", "port_sign" }, { "+80", "port_sign" }, { " 80", "port_space" },
		{ "000080", "port_digits" },
	};
	const char *ip = "127.0.0.1";
	/* The random one first: read as octal, it gives another number. */
	for (int i = 0; i < n; i++)
		leading_zeros(ip, a[i]);
	leading_zeros(ip, "0080");
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		call_invalid(ip, bad[i].port, bad[i].key);
}

/*
 * bad-ip PORT: what inet_pton refuses is refused, the shorthand forms that
 * inet_aton and inet_addr take ("127.1" is 127.0.0.1, "1" is 0.0.0.1) too.
 */
static void case_bad_ip(char **a, int n)
{
	static const struct {
		const char *ip, *key;
	} bad[] = {
		{ "999.1.1.1", "ip_accepted" }, { "abc", "ip_accepted" }, { "", "ip_accepted" },
		{ "127.1", "ip_short" }, { "1", "ip_short" },
	};
	if (n < 1)
		internal("args");
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		call_invalid(bad[i].ip, a[0], bad[i].key);
}

/* silent PORT: no call prints anything, valid or not. */
static void case_silent(char **a, int n)
{
	if (n < 1)
		internal("args");
	const char *calls[][2] = {
		{ "127.0.0.1", a[0] }, { NULL, a[0] }, { "127.0.0.1", "0" },
		{ "127.0.0.1", "80x" }, { "127.0.0.1", "abc" }, { "127.0.0.1", "" },
		{ "127.0.0.1", "-1" }, { "127.0.0.1", "65536" },
		{ "999.1.1.1", a[0] }, { "abc", a[0] }, { "", a[0] },
	};
	for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++) {
		struct outcome o;
		call(calls[i][0], calls[i][1], &o);
		returned(calls[i][0], calls[i][1], &o);
		if (o.printed == 0)
			continue;
		char *q = slot();
		size_t k = 0;
		q[k++] = '"';
		for (size_t j = 0; j < o.nout; j++)
			k = quote_byte(q, k, 240, o.out[j]);
		q[k++] = '"';
		q[k] = '\0';
		if (o.printed > o.nout)
			snprintf(q + k, 256 - k, "...");
		fail("printed", disp(calls[i][0]), disp(calls[i][1]), q, NULL);
	}
}

int main(int argc, char **argv)
{
	if (argc < 2)
		internal("usage");
	sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		internal("mmap");
	char *words[16];
	int n = 0;
	char *save = NULL;
	for (char *t = strtok_r(argv[1], " ", &save); t && n < 16; t = strtok_r(NULL, " ", &save))
		words[n++] = t;
	if (n == 0)
		internal("case");
	const char *name = words[0];
	char **a = words + 1;
	int na = n - 1;
	if (!strcmp(name, "family"))
		case_family(a, na);
	else if (!strcmp(name, "port"))
		case_port(a, na);
	else if (!strcmp(name, "address"))
		case_address(a, na);
	else if (!strcmp(name, "any"))
		case_any(a, na);
	else if (!strcmp(name, "clears"))
		case_clears(a, na);
	else if (!strcmp(name, "range"))
		case_range();
	else if (!strcmp(name, "syntax"))
		case_syntax(a, na);
	else if (!strcmp(name, "bad-ip"))
		case_bad_ip(a, na);
	else if (!strcmp(name, "silent"))
		case_silent(a, na);
	else
		internal(name);
	prise_result("ok");
	return 0;
}
