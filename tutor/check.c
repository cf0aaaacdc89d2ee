/*
 * The check context (see check.h): starting runs, failing with a message
 * from the exercise's text, and the checks every program exercise shares
 * (usage line, a PORT that is not a number).
 */
#define _GNU_SOURCE
#include "check.h"

#include <ctype.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int check_wait_exit(struct check *c, struct run *r)
{
	int w = run_wait_exit(r, WAIT_MS);
	if (w == 0)
		return 0;
	const char *call = run_blocked_call(r);
	if (call)
		check_fail(c, r, "run.blocked", call, NULL);
	else
		check_fail(c, r, "run.hang", NULL);
	run_kill(r);
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

int check_mentions(const char *s, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = s; *p; p++)
		if (strncasecmp(p, word, n) == 0)
			return 1;
	return 0;
}

/* Has the program made any of the calls (NULL-terminated list)? */
static int made_call(struct run *r, const char *const *calls)
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

/* The run must have exited with a non-zero status and a message on stderr. */
static int refused(struct check *c, struct run *r, const char *what)
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
	refused(c, r, check_str(c, "%s", catalog_text(c->env->cat, NULL, c->env->lang,
						       "usage.noargs")));
}

void check_common_bad_port(struct check *c, int port_arg_index, int nargs, const char *ip)
{
	static const char *const bad[] = { "abc", "70000", "80x" };
	static const char *const net[] = { "bind", "connect", "listen", NULL };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0] && !c->failed; i++) {
		struct spawn s = { .args = { NULL } };
		for (int k = 0; k < nargs; k++)
			s.args[k] = k == port_arg_index ? bad[i] : ip;
		s.keep_stdin = 1;
		struct run *r = check_spawn(c, &s);
		if (!r)
			return;
		int w = run_wait_exit(r, WAIT_MS);
		if (made_call(r, net)) {
			check_fail(c, r, "badport.used", bad[i], NULL);
			run_kill(r);
			return;
		}
		if (w != 0) {
			check_fail(c, r, "badport.used", bad[i], NULL);
			run_kill(r);
			return;
		}
		refused(c, r, check_str(c, "PORT = \"%s\"", bad[i]));
	}
}

/* Words that count as naming a call in an error message. */
static int names_call(const char *err, const char *call)
{
	static const struct { const char *call; const char *words[4]; } syn[] = {
		{ "connect", { "connect", "connexion", "connection", NULL } },
		{ "recv", { "recv", "read", "récep", "receiv" } },
		{ "send", { "send", "write", "envoi", NULL } },
		{ "inet_pton", { "inet_pton", "address", "adresse", " ip" } },
		{ "bind", { "bind", "nommage", "nommer", "naming" } },
	};
	if (check_mentions(err, call))
		return 1;
	for (size_t i = 0; i < sizeof syn / sizeof syn[0]; i++)
		if (!strcmp(syn[i].call, call))
			for (int k = 0; k < 4 && syn[i].words[k]; k++)
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
