/*
 * The check context (see check.h): starting runs, failing with a message
 * from the exercise's text, reading what the program printed and what its
 * trace shows, fresh ports for the reference servers, and the checks every
 * program exercise shares (usage line, a PORT that is not a number, a call
 * that fails, a busy port).
 */
#define _GNU_SOURCE
#include "check.h"

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "peer.h"
#include "sandbox.h"
#include "util.h"

struct run *check_spawn(struct check *c, const struct spawn *s)
{
	const char *argv[10];
	int n = 0;
	argv[n++] = c->env->prog;
	for (int i = 0; i < 8 && s->args[i]; i++)
		argv[n++] = s->args[i];
	argv[n] = NULL;
	struct run_opts o = {
		.argv = argv,
		.dir = c->env->scratch,
		.stdin_data = s->input,
		.stdin_len = s->input ? (s->input_len ? s->input_len : strlen(s->input)) : 0,
		.keep_stdin = s->keep_stdin,
		.cap_send = s->cap_send,
		.cap_recv = s->cap_recv,
		.eintr = s->eintr,
		.fail = s->fail,
		.max_forks = 64,
		.ignore_sigpipe = s->ignore_sigpipe,
		.wall_ms = s->wall_ms ? s->wall_ms : 3 * WAIT_MS,
		.nproc = c->env->isolated ? 256 : 0,
	};
	if (c->nruns == CHECK_MAX_RUNS) {
		check_fail(c, NULL, "internal.runs", NULL);
		return NULL;
	}
	struct run *r = run_start(&o);
	if (!r) {
		check_fail(c, NULL, "run.exec", NULL);
		return NULL;
	}
	c->runs[c->nruns++] = r;
	return r;
}

/* The message for key: "<check>.<key>" in the exercise, then "<key>". */
static const char *lookup(struct check *c, const char *key)
{
	const struct exercise *ex = c->env->ex;
	char *full = xasprintf("%s.%s", c->spec->id, key);
	const char *v = kv_get(&ex->text[c->env->lang], full);
	if (!v)
		v = kv_get(&ex->text[LANG_EN], full);
	free(full);
	return v ? v : catalog_text(c->env->cat, ex, c->env->lang, key);
}

void check_fail(struct check *c, struct run *r, const char *key, ...)
{
	if (c->failed)
		return;
	c->failed = 1;
	const char *args[9];
	int n = 0;
	va_list ap;
	va_start(ap, key);
	const char *a;
	while (n < 9 && (a = va_arg(ap, const char *)))
		args[n++] = a;
	va_end(ap);
	c->message = catalog_format(lookup(c, key), args, n);
	if (r) {
		free(c->trace);
		c->trace = run_events(r, &c->ntrace);
	}
}

const char *check_str(struct check *c, const char *fmt, ...)
{
	struct sbuf b = { 0 };
	va_list ap;
	va_start(ap, fmt);
	sbuf_vaddf(&b, fmt, ap);
	va_end(ap);
	char *s = sbuf_take(&b);
	if (c->nstrs == CHECK_MAX_STRS) {
		/* Recycle the oldest: messages use few strings at a time. */
		free(c->strs[0]);
		memmove(c->strs, c->strs + 1, (CHECK_MAX_STRS - 1) * sizeof *c->strs);
		c->nstrs--;
	}
	c->strs[c->nstrs++] = s;
	return s;
}

/* Length of the valid UTF-8 character at p (2 to 4 bytes), or 0. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	size_t k = p[0] >= 0xf0 ? 4 : p[0] >= 0xe0 ? 3 : 2;
	if (k > n)
		return 0;
	for (size_t i = 1; i < k; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return k;
}

const char *check_quote(struct check *c, const void *data, size_t len)
{
	struct sbuf b = { 0 };
	const unsigned char *p = data;
	size_t n = len < 60 ? len : 60;
	sbuf_adds(&b, "\"");
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = p[i];
		if (ch == '\0')
			sbuf_adds(&b, "\\0");
		else if (ch == '\n')
			sbuf_adds(&b, "\\n");
		else if (ch == '"' || ch == '\\')
			sbuf_addf(&b, "\\%c", ch);
		else if (ch >= 0x20 && ch < 0x7f)
			sbuf_add(&b, &ch, 1);
		else if (ch >= 0xc2 && ch <= 0xf4 && utf8_len(p + i, n - i) > 0) {
			/* Accents in a French message stay readable. */
			size_t k = utf8_len(p + i, n - i);
			sbuf_add(&b, p + i, k);
			i += k - 1;
		} else
			sbuf_addf(&b, "\\x%02x", ch);
	}
	sbuf_adds(&b, len > n ? "\"..." : "\"");
	const char *s = check_str(c, "%s", b.buf);
	sbuf_free(&b);
	return s;
}

int check_abnormal(struct check *c, struct run *r)
{
	pthread_mutex_lock(&r->mu);
	enum run_end end = r->end;
	int status = r->status, timed_out = r->timed_out, flooded = r->flooded;
	int spin = r->spin;
	char spin_call[16];
	snprintf(spin_call, sizeof spin_call, "%s", r->spin_call);
	int errlen = (int)r->err.len;
	pthread_mutex_unlock(&r->mu);
	if (spin) {
		check_fail(c, r, "run.spin", check_str(c, "%s", spin_call), NULL);
		return 1;
	}
	if (end == RUN_KILLED || timed_out) {
		check_fail(c, r, flooded ? "run.flood" : "run.timeout", NULL);
		return 1;
	}
	if (end == RUN_SIGNALED) {
		const char *key = status == SIGSEGV ? "run.segv" :
				  status == SIGXCPU ? "run.cpu" :
				  status == SIGPIPE ? "run.sigpipe" :
				  status == SIGABRT ? "run.abort" : "run.crash";
		check_fail(c, r, key, check_str(c, "%s", strsignal(status)), NULL);
		return 1;
	}
	if (end == RUN_EXITED && status == 127 && errlen == 0) {
		check_fail(c, r, "run.exec", NULL);
		return 1;
	}
	return 0;
}

void check_fail_stuck(struct check *c, struct run *r, const char *call)
{
	if (call)
		check_fail(c, r, "run.blocked", call, NULL);
	else
		check_fail(c, r, "run.hang", NULL);
	run_kill(r);
}

int check_wait_exit(struct check *c, struct run *r)
{
	int w = run_wait_exit(r, WAIT_MS);
	if (w == 0)
		return 0;
	check_fail_stuck(c, r, run_blocked_call(r));
	return -1;
}

static char *copy_buf(struct run *r, struct sbuf *b)
{
	pthread_mutex_lock(&r->mu);
	char *s = xstrndup(b->buf ? b->buf : "", b->len);
	pthread_mutex_unlock(&r->mu);
	return s;
}

char *check_stdout(struct run *r)
{
	return copy_buf(r, &r->out);
}

char *check_stderr(struct run *r)
{
	return copy_buf(r, &r->err);
}

char *check_stdout_bytes(struct run *r, size_t *len)
{
	pthread_mutex_lock(&r->mu);
	*len = r->out.len;
	char *s = xmalloc(*len + 1);
	if (*len)
		memcpy(s, r->out.buf, *len);
	s[*len] = '\0';
	pthread_mutex_unlock(&r->mu);
	return s;
}

const char *check_stderr_quote(struct check *c, struct run *r)
{
	char *err = check_stderr(r);
	const char *q = check_quote(c, err, strlen(err));
	free(err);
	return q;
}

int check_number_line(const char *out, const char *prefix, const char *trail, long long *n)
{
	size_t k = strlen(prefix);
	for (const char *p = out; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		char *end;
		if (strncmp(p, prefix, k))
			continue;
		errno = 0;
		*n = strtoll(p + k, &end, 10);
		if (end == p + k || errno)
			continue;
		while (*end && strchr(trail, *end))
			end++;
		if (*end == '\n' || *end == '\0')
			return 1;
	}
	return 0;
}

int check_find_line(const char *out, size_t len, const char *prefix, const char **text,
		    size_t *n)
{
	size_t k = strlen(prefix);
	const char *end = out + len;
	for (const char *p = out; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		if ((size_t)(eol - p) >= k && !memcmp(p, prefix, k)) {
			const char *s = p + k;
			size_t m = (size_t)(eol - s);
			while (m > 0 && (s[m - 1] == '\r' || s[m - 1] == ' '))
				m--;
			*text = s;
			*n = m;
			return 1;
		}
		p = eol + 1;
	}
	return 0;
}

int check_mentions(const char *s, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = s; *p; p++)
		if (strncasecmp(p, word, n) == 0)
			return 1;
	return 0;
}

int check_made_call(struct run *r, const char *const *calls)
{
	int found = 0;
	pthread_mutex_lock(&r->mu);
	for (size_t i = 0; i < r->nev && !found; i++)
		for (const char *const *k = calls; *k; k++)
			if (r->ev[i].side == SIDE_PROGRAM && !strcmp(r->ev[i].call, *k))
				found = 1;
	pthread_mutex_unlock(&r->mu);
	return found;
}

int check_connected_to(struct run *r, int port)
{
	int found = 0;
	pthread_mutex_lock(&r->mu);
	for (size_t i = 0; i < r->nev && !found; i++) {
		char ip[64];
		int p;
		if (r->ev[i].side == SIDE_PROGRAM && r->ev[i].phase == 'X' &&
		    !strcmp(r->ev[i].call, "connect") &&
		    trace_addr_split(r->ev[i].addr, ip, sizeof ip, &p) == 0 && p == port)
			found = 1;
	}
	pthread_mutex_unlock(&r->mu);
	return found;
}

int check_had_short(struct run *r, int (*is_kind)(const char *call), long min)
{
	int found = 0;
	pthread_mutex_lock(&r->mu);
	for (size_t i = 0; i < r->nev && !found; i++)
		if (r->ev[i].side == SIDE_PROGRAM && r->ev[i].phase == 'X' &&
		    is_kind(r->ev[i].call) && r->ev[i].ret >= min && r->ev[i].ret < r->ev[i].len)
			found = 1;
	pthread_mutex_unlock(&r->mu);
	return found;
}

int check_closed_connection(struct run *r)
{
	int fd = -1, closed = 0;
	pthread_mutex_lock(&r->mu);
	for (size_t i = 0; i < r->nev; i++) {
		const struct trace_ev *e = &r->ev[i];
		if (e->side != SIDE_PROGRAM || e->phase != 'X')
			continue;
		if (!strcmp(e->call, "connect") && e->ret == 0)
			fd = e->fd;
		else if (fd >= 0 && e->fd == fd && e->ret == 0 &&
			 (!strcmp(e->call, "close") || !strcmp(e->call, "shutdown")))
			closed = 1;
	}
	pthread_mutex_unlock(&r->mu);
	return closed;
}

int check_fresh_port(struct check *c)
{
	int port = sandbox_port();
	if (port < 0)
		check_fail(c, NULL, "internal.port", NULL);
	return port;
}

/*
 * A fresh port held by a socket of ours: a listener (on every address when
 * any is set) or, when listening is 0, a reserved socket; with twin set, the
 * byte-swapped port reserved too.
 */
static int fresh_held(struct check *c, int *port, int listening, int any, int *twin)
{
	for (int tries = 0; tries < 8; tries++) {
		*port = sandbox_port();
		if (*port <= 0)
			continue;
		int fd = listening ? peer_listen(*port, any) : peer_reserve(*port, SOCK_STREAM, 0);
		if (fd < 0)
			continue;
		if (!twin)
			return fd;
		*twin = peer_reserve(peer_swap_port(*port), SOCK_STREAM, 0);
		if (*twin >= 0)
			return fd;
		close(fd);
	}
	check_fail(c, NULL, "internal.port", NULL);
	return -1;
}

int check_listen_fresh(struct check *c, int *port, int any, int *twin)
{
	return fresh_held(c, port, 1, any, twin);
}

int check_reserve_fresh(struct check *c, int *port, int *twin)
{
	return fresh_held(c, port, 0, 0, twin);
}

void check_judge_gave_up(struct check *c, struct run *r, const char *prefix)
{
	char *out = check_stdout(r);
	char *err = check_stderr(r);
	long long n;
	if (check_number_line(out, prefix, " \r", &n))
		check_fail(c, r, "printed", check_str(c, "%lld", n), NULL);
	else if (r->status == 0)
		check_fail(c, r, "status0", NULL);
	else if (!*err)
		check_fail(c, r, "silent", NULL);
	free(out);
	free(err);
}

int check_usage_refused(struct check *c, struct run *r, const char *what)
{
	if (check_wait_exit(c, r) < 0 || check_abnormal(c, r))
		return 0;
	char *err = check_stderr(r);
	int ok = 1;
	if (r->status == 0) {
		check_fail(c, r, "usage.status0", what, NULL);
		ok = 0;
	} else if (!*err) {
		check_fail(c, r, "usage.silent", what, NULL);
		ok = 0;
	}
	free(err);
	return ok;
}

void check_common_usage(struct check *c)
{
	struct spawn s = { .args = { NULL } };
	struct run *r = check_spawn(c, &s);
	if (!r)
		return;
	int w = run_wait_exit(r, WAIT_MS);
	if (w == 0 && r->end == RUN_SIGNALED && r->status == SIGSEGV) {
		check_fail(c, r, "usage.segv", NULL);
		return;
	}
	check_usage_refused(c, r, check_str(c, "%s", catalog_text(c->env->cat, NULL, c->env->lang,
								   "usage.noargs")));
}

void check_common_bad_port(struct check *c, int port_arg_index, int nargs, const char *ip)
{
	static const char *const bad[] = { "abc", "70000", "80x" };
	/* Any use of the port: a UDP client only calls sendto. */
	static const char *const net[] = { "bind", "connect", "listen", "sendto", NULL };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0] && !c->failed; i++) {
		struct spawn s = { .args = { NULL } };
		for (int k = 0; k < nargs; k++)
			s.args[k] = k == port_arg_index ? bad[i] : ip;
		s.keep_stdin = 1;
		struct run *r = check_spawn(c, &s);
		if (!r)
			return;
		int w = run_wait_exit(r, WAIT_MS);
		if (check_made_call(r, net)) {
			check_fail(c, r, "badport.used", bad[i], NULL);
			run_kill(r);
			return;
		}
		if (w != 0) {
			check_fail(c, r, "badport.used", bad[i], NULL);
			run_kill(r);
			return;
		}
		check_usage_refused(c, r, check_str(c, "PORT = \"%s\"", bad[i]));
	}
}

/* Words that count as naming a call in an error message. */
static int names_call(const char *err, const char *call)
{
	/* What a learner writes in English or French for each call. */
	static const struct { const char *call; const char *words[10]; } syn[] = {
		{ "connect", { "connect", "connexion", "connection", NULL } },
		{ "recv", { "recv", "read", "récep", "recep", "receiv", "recev", "reçu", "lecture",
			    "lire", NULL } },
		{ "send", { "send", "write", "envoi", "envoy", "émission", "emission", "écri",
			    "ecri", NULL } },
		{ "inet_pton", { "inet_pton", "address", "adresse", " ip", NULL } },
		{ "bind", { "bind", "nommage", "nommer", "naming", NULL } },
		{ "accept", { "accept", NULL } },
		{ "listen", { "listen", "écoute", "ecoute", NULL } },
	};
	if (check_mentions(err, call))
		return 1;
	for (size_t i = 0; i < sizeof syn / sizeof syn[0]; i++)
		if (!strcmp(syn[i].call, call))
			for (int k = 0; k < 10 && syn[i].words[k]; k++)
				if (check_mentions(err, syn[i].words[k]))
					return 1;
	return 0;
}

int check_names_call(const char *err, const char *call)
{
	return names_call(err, call);
}

void check_common_fail_call(struct check *c, const struct spawn *base, const char *call,
			    const char *errname)
{
	struct spawn s = *base;
	s.fail = check_str(c, "%s:%s:1", call, errname);
	struct run *r = check_spawn(c, &s);
	if (!r)
		return;
	int w = run_wait_exit(r, WAIT_MS);
	if (w != 0) {
		check_fail(c, r, "failcall.went_on", call, errname, NULL);
		run_kill(r);
		return;
	}
	if (check_abnormal(c, r))
		return;
	char *err = check_stderr(r);
	if (r->status == 0)
		check_fail(c, r, "failcall.status0", call, errname, NULL);
	else if (!names_call(err, call))
		check_fail(c, r, "failcall.unnamed", call, errname, check_quote(c, err, strlen(err)), NULL);
	free(err);
}

void check_common_fail_port(struct check *c, const char *call, const char *errname)
{
	int port = check_fresh_port(c);
	if (port < 0)
		return;
	struct spawn s = { .args = { check_str(c, "%d", port), NULL } };
	check_common_fail_call(c, &s, call, errname);
}

void check_common_busy_udp(struct check *c)
{
	int port = -1, held = -1;
	for (int tries = 0; tries < 8 && held < 0; tries++) {
		port = sandbox_port();
		if (port > 0)
			held = peer_reserve(port, SOCK_DGRAM, 1);
	}
	if (held < 0) {
		check_fail(c, NULL, "internal.port", NULL);
		return;
	}
	int twin = peer_reserve(peer_swap_port(port), SOCK_DGRAM, 1);
	const char *p = check_str(c, "%d", port);
	struct spawn s = { .args = { p, NULL } };
	struct run *r = check_spawn(c, &s);
	int w = r ? run_wait_exit(r, WAIT_MS) : -1;
	close(held);
	if (twin >= 0)
		close(twin);
	if (!r)
		return;
	if (w != 0) {
		const char *call = run_blocked_call(r);
		check_fail(c, r, "went_on", p, call ? call : "?", NULL);
		run_kill(r);
		return;
	}
	if (check_abnormal(c, r))
		return;
	char *err = check_stderr(r);
	if (r->status == 0)
		check_fail(c, r, "status0", p, NULL);
	else if (!names_call(err, "bind"))
		check_fail(c, r, "unnamed", p, check_quote(c, err, strlen(err)), NULL);
	free(err);
}

void check_fail_no_call(struct check *c, struct run *r, const char *key)
{
	if (check_abnormal(c, r))
		return;
	pthread_mutex_lock(&r->mu);
	int ended = r->end != RUN_RUNNING;
	int status = r->status;
	pthread_mutex_unlock(&r->mu);
	if (ended) {
		check_fail(c, r, key, check_str(c, "%d", status), check_stderr_quote(c, r), NULL);
		return;
	}
	const char *call = run_blocked_call(r);
	check_fail(c, r, check_str(c, "%s_%s", key, call ? "blocked" : "hang"), call, NULL);
	run_kill(r);
}

void check_wait_bind(struct run *r, struct check_bind *b)
{
	memset(b, 0, sizeof *b);
	size_t from = 0;
	b->ev = run_wait_call(r, "bind", &from, WAIT_MS);
	if (b->ev < 0)
		return;
	pthread_mutex_lock(&r->mu);
	const struct trace_ev *e = &r->ev[b->ev];
	b->ret = e->ret;
	b->err = e->err;
	if (trace_addr_split(e->addr, b->ip, sizeof b->ip, &b->port) < 0) {
		b->ip[0] = '\0';
		b->port = -1;
	}
	pthread_mutex_unlock(&r->mu);
}

int check_judge_bind(struct check *c, struct run *r, const struct check_bind *b, int port)
{
	if (b->ev < 0) {
		check_fail_no_call(c, r, "nobind");
		return -1;
	}
	const char *want = check_str(c, "%d", port);
	if (b->port >= 0 && b->port != port) {
		const char *got = check_str(c, "%d", b->port);
		check_fail(c, r, b->port == peer_swap_port(port) ? "htons" : "port", got, want, NULL);
		return -1;
	}
	if (b->ret < 0) {
		check_fail(c, r, "bind_failed", check_str(c, "%s", strerror(b->err)),
			   check_stderr_quote(c, r), NULL);
		return -1;
	}
	return 0;
}

/* Splits a driver's "fail KEY ARG..." into words (at most 9 arguments). */
static int split_words(char *line, char **w, int max)
{
	int n = 0;
	for (char *save = NULL, *t = strtok_r(line, " ", &save); t && n < max;
	     t = strtok_r(NULL, " ", &save))
		w[n++] = t;
	return n;
}

int check_driver(struct check *c, const struct spawn *base, const char *case_name)
{
	struct spawn s = *base;
	memset(s.args, 0, sizeof s.args);
	s.args[0] = case_name;
	s.ignore_sigpipe = 1;
	struct run *r = check_spawn(c, &s);
	if (!r)
		return -1;
	if (check_wait_exit(c, r) < 0 || check_abnormal(c, r))
		return -1;
	/* The last result line decides. */
	char *last = NULL;
	pthread_mutex_lock(&r->mu);
	for (size_t i = r->nev; i-- > 0;)
		if (r->ev[i].phase == 'R' && r->ev[i].text) {
			last = xstrdup(r->ev[i].text);
			break;
		}
	pthread_mutex_unlock(&r->mu);
	if (!last) {
		check_fail(c, r, "driver.noresult", check_str(c, "%d", r->status), NULL);
		return -1;
	}
	int ret = 0;
	if (strcmp(last, "ok") != 0) {
		char *w[11];
		int n = split_words(last, w, 11);
		const char *a[9] = { NULL };
		for (int i = 2; i < n; i++)
			a[i - 2] = check_str(c, "%s", w[i]);
		if (n >= 2 && !strcmp(w[0], "fail"))
			check_fail(c, r, w[1], a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7],
				   a[8], NULL);
		else
			check_fail(c, r, "driver.noresult", check_str(c, "%d", r->status), NULL);
		ret = -1;
	}
	free(last);
	return ret;
}

/* Did the program make a returned call of that kind? */
static int made_kind(struct run *r, int (*is_kind)(const char *call))
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

int check_forget_unreachable(struct check *c, int (*is_kind)(const char *call))
{
	if (!c->failed || c->nruns == 0)
		return 0;
	struct run *r = c->runs[c->nruns - 1];
	if (r->end != RUN_EXITED || r->status != 0 || made_kind(r, is_kind))
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
