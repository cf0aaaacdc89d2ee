/*
 * The exercise catalogue (see catalog.h).  A manifest is a kv file:
 *
 *   id = tcp-client-hello       must match the folder name
 *   chapter = 2                 slide section order (1..4)
 *   order = 2                   place within the chapter
 *   kind = program              program | function | quiz
 *   file = client.c             the learner's file
 *   args = IP PORT              (programs) the arguments, for usage text
 *   cflags = -pthread           (optional) extra compiler flags
 *   check = usage               a check, in report order
 *   check = bad-port bonus      "bonus": reported, never blocks a pass
 */
#define _GNU_SOURCE
#include "catalog.h"

#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

#ifndef PRISE_DATADIR
#define PRISE_DATADIR "/usr/local/share/prise"
#endif
#ifndef PRISE_LIBDIR
#define PRISE_LIBDIR "/usr/local/lib/prise"
#endif

static const char *const lang_codes[LANG_COUNT] = { "en", "fr" };
static const char *const kind_names[] = { "program", "function", "quiz" };

const char *lang_code(enum lang l)
{
	return lang_codes[l];
}

int lang_parse(const char *s, enum lang *out)
{
	for (int i = 0; i < LANG_COUNT; i++)
		if (s && !strcmp(s, lang_codes[i])) {
			*out = (enum lang)i;
			return 0;
		}
	return -1;
}

enum lang lang_from_env(void)
{
	enum lang l;
	const char *p = getenv("PRISE_LANG");
	if (p && lang_parse(p, &l) == 0)
		return l;
	const char *vars[] = { "LC_ALL", "LANG" };
	for (size_t i = 0; i < 2; i++) {
		const char *v = getenv(vars[i]);
		if (v && *v)
			return strncmp(v, "fr", 2) == 0 ? LANG_FR : LANG_EN;
	}
	return LANG_EN;
}

const char *catalog_kind_name(enum ex_kind k)
{
	return kind_names[k];
}

static void add_error(struct catalog *c, char *msg)
{
	c->errors = xrealloc(c->errors, (c->nerrors + 1) * sizeof *c->errors);
	c->errors[c->nerrors++] = msg;
}

static void exercise_free(struct exercise *e)
{
	free(e->id);
	free(e->dir);
	free(e->manifest);
	free(e->file);
	free(e->args);
	free(e->cflags);
	for (size_t i = 0; i < e->nchecks; i++)
		free(e->checks[i].id);
	free(e->checks);
	for (int l = 0; l < LANG_COUNT; l++) {
		kv_free(&e->text[l]);
		quiz_free(&e->quiz[l]);
	}
	memset(e, 0, sizeof *e);
}

static int parse_int(const char *s, int *out)
{
	char *end;
	errno = 0;
	long v = s ? strtol(s, &end, 10) : 0;
	if (!s || !*s || *end || errno || v < 0 || v > 1000)
		return -1;
	*out = (int)v;
	return 0;
}

/*
 * Loads quiz.LANG of a quiz exercise; its questions become its checks q1,
 * q2...  Both languages must ask the same questions with the same answers.
 * Returns NULL or an error message.
 */
static char *quiz_load(struct exercise *e)
{
	char *err = NULL;
	for (int l = 0; l < LANG_COUNT && !err; l++) {
		char *path = xasprintf("%s/quiz.%s", e->dir, lang_codes[l]);
		char *text = file_read(path, NULL);
		if (!text && l != LANG_EN) {
			free(path);
			path = xasprintf("%s/quiz.en", e->dir);
			text = file_read(path, NULL);
		}
		if (!text)
			err = xasprintf("%s: %s", path, strerror(errno));
		else
			quiz_parse(&e->quiz[l], path, text, &err);
		if (!err && l != LANG_EN) {
			const struct quiz *a = &e->quiz[LANG_EN], *b = &e->quiz[l];
			if (a->n != b->n)
				err = xasprintf("%s:1: %zu questions, but quiz.en has %zu", path, b->n, a->n);
			for (size_t i = 0; !err && i < a->n; i++)
				if (a->q[i].nchoices != b->q[i].nchoices || a->q[i].right != b->q[i].right)
					err = xasprintf("%s:%d: question %zu has other choices or answers than in quiz.en",
							path, b->q[i].line, i + 1);
		}
		free(text);
		free(path);
	}
	if (err)
		return err;
	if (e->nchecks) {
		return xasprintf("%s:%d: a quiz has no \"check =\" lines: its questions are its checks",
				 e->manifest, e->checks[0].line);
	}
	e->nchecks = e->quiz[LANG_EN].n;
	e->checks = xcalloc(e->nchecks, sizeof *e->checks);
	for (size_t i = 0; i < e->nchecks; i++)
		e->checks[i] = (struct ex_check){ xasprintf("q%zu", i + 1), 1,
						  e->quiz[LANG_EN].q[i].line };
	return NULL;
}

/* Fills e from its manifest; returns NULL or an error message. */
static char *exercise_load(struct exercise *e, const char *dir, const char *name)
{
	memset(e, 0, sizeof *e);
	e->dir = xstrdup(dir);
	e->manifest = xasprintf("%s/manifest", dir);
	struct kv m;
	char *err;
	if (kv_load(&m, e->manifest, &err) < 0)
		return err;
	const char *req[] = { "id", "chapter", "order", "kind", "file" };
	for (size_t i = 0; i < sizeof req / sizeof req[0]; i++) {
		if (!kv_get(&m, req[i])) {
			err = xasprintf("%s:1: missing \"%s = ...\"", e->manifest, req[i]);
			kv_free(&m);
			return err;
		}
	}
	err = NULL;
	const struct kv_item *it;
	e->id = xstrdup(kv_get(&m, "id"));
	if (strcmp(e->id, name) != 0) {
		it = kv_find(&m, "id");
		err = xasprintf("%s:%d: id \"%s\" differs from the folder name \"%s\"",
				e->manifest, it->line, e->id, name);
	}
	if (!err && parse_int(kv_get(&m, "chapter"), &e->chapter) < 0) {
		it = kv_find(&m, "chapter");
		err = xasprintf("%s:%d: chapter must be a number", e->manifest, it->line);
	}
	if (!err && parse_int(kv_get(&m, "order"), &e->order) < 0) {
		it = kv_find(&m, "order");
		err = xasprintf("%s:%d: order must be a number", e->manifest, it->line);
	}
	if (!err) {
		const char *k = kv_get(&m, "kind");
		size_t i;
		for (i = 0; i < 3 && strcmp(k, kind_names[i]); i++)
			;
		if (i == 3) {
			it = kv_find(&m, "kind");
			err = xasprintf("%s:%d: kind must be program, function or quiz, not \"%s\"",
					e->manifest, it->line, k);
		}
		e->kind = (enum ex_kind)i;
	}
	e->file = xstrdup(kv_get(&m, "file"));
	if (!err && (strchr(e->file, '/') || e->file[0] == '.' || !*e->file)) {
		it = kv_find(&m, "file");
		err = xasprintf("%s:%d: file must be a plain file name", e->manifest, it->line);
	}
	e->args = xstrdup(kv_get(&m, "args") ? kv_get(&m, "args") : "");
	e->cflags = xstrdup(kv_get(&m, "cflags") ? kv_get(&m, "cflags") : "");
	for (size_t i = 0; i < m.n && !err; i++) {
		if (strcmp(m.items[i].key, "check"))
			continue;
		char *v = m.items[i].value;
		char id[64], extra[64] = "";
		int n = sscanf(v, "%63s %63s", id, extra);
		if (n < 1 || (n == 2 && strcmp(extra, "bonus"))) {
			err = xasprintf("%s:%d: expected \"check = ID\" or \"check = ID bonus\"",
					e->manifest, m.items[i].line);
			break;
		}
		e->checks = xrealloc(e->checks, (e->nchecks + 1) * sizeof *e->checks);
		e->checks[e->nchecks++] = (struct ex_check){ xstrdup(id), n == 1, m.items[i].line };
	}
	kv_free(&m);
	for (int l = 0; l < LANG_COUNT && !err; l++) {
		char *path = xasprintf("%s/text.%s", dir, lang_codes[l]);
		if (kv_load(&e->text[l], path, &err) < 0 && l == LANG_FR && !file_exists(path)) {
			/* A missing translation falls back to English. */
			free(err);
			err = NULL;
		}
		free(path);
		/* checks.LANG: the checks' titles and diagnoses, merged in. */
		path = xasprintf("%s/checks.%s", dir, lang_codes[l]);
		struct kv more;
		if (!err && file_exists(path) && kv_load(&more, path, &err) == 0) {
			struct kv *t = &e->text[l];
			t->items = xrealloc(t->items, (t->n + more.n + 1) * sizeof *t->items);
			memcpy(t->items + t->n, more.items, more.n * sizeof *more.items);
			t->n += more.n;
			free(more.items);
			free(more.path);
		}
		free(path);
	}
	if (!err && e->kind == KIND_QUIZ)
		err = quiz_load(e);
	return err;
}

static int ex_cmp(const void *a, const void *b)
{
	const struct exercise *x = a, *y = b;
	if (x->chapter != y->chapter)
		return x->chapter - y->chapter;
	if (x->order != y->order)
		return x->order - y->order;
	return strcmp(x->id, y->id);
}

int catalog_load_from(struct catalog *c, const char *datadir, const char *libdir)
{
	memset(c, 0, sizeof *c);
	c->datadir = xstrdup(datadir);
	c->libdir = xstrdup(libdir);
	char *exdir = xasprintf("%s/exercises", datadir);
	DIR *d = opendir(exdir);
	if (!d) {
		int e = errno;
		free(exdir);
		errno = e;
		return -1;
	}
	for (int l = 0; l < LANG_COUNT; l++) {
		char *path = xasprintf("%s/messages.%s", exdir, lang_codes[l]);
		char *err;
		if (kv_load(&c->common[l], path, &err) < 0)
			add_error(c, err);
		free(path);
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || de->d_name[0] == '_')
			continue;
		char *dir = xasprintf("%s/%s", exdir, de->d_name);
		char *manifest = xasprintf("%s/manifest", dir);
		if (file_exists(manifest)) {
			struct exercise e;
			char *err = exercise_load(&e, dir, de->d_name);
			if (err) {
				add_error(c, err);
				exercise_free(&e);
			} else {
				c->ex = xrealloc(c->ex, (c->n + 1) * sizeof *c->ex);
				c->ex[c->n++] = e;
			}
		}
		free(manifest);
		free(dir);
	}
	closedir(d);
	free(exdir);
	if (c->n)
		qsort(c->ex, c->n, sizeof *c->ex, ex_cmp);
	return 0;
}

int catalog_load(struct catalog *c)
{
	const char *env = getenv("PRISE_DATA");
	if (env && *env) {
		char *lib = xasprintf("%s/build", env);
		int r = catalog_load_from(c, env, lib);
		free(lib);
		return r;
	}
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n > 0) {
		exe[n] = '\0';
		char *bindir = dirname(exe);	/* build/ or build/asan/ in the source tree */
		char *stub = xasprintf("%s/stub.o", bindir);
		int has_stub = file_exists(stub);
		free(stub);
		const char *ups[] = { "..", "../.." };
		for (size_t i = 0; has_stub && i < 2; i++) {
			char *top = xasprintf("%s/%s", bindir, ups[i]);
			char *probe = xasprintf("%s/exercises/messages.en", top);
			int in_tree = file_exists(probe);
			free(probe);
			if (in_tree) {
				char *real = realpath(top, NULL);
				char *realbin = realpath(bindir, NULL);
				int r = catalog_load_from(c, real ? real : top, realbin ? realbin : bindir);
				free(real);
				free(realbin);
				free(top);
				return r;
			}
			free(top);
		}
		/* Installed: PREFIX/bin/prise beside PREFIX/share/prise (any PREFIX). */
		char *share = xasprintf("%s/../share/prise", bindir);
		char *probe = xasprintf("%s/exercises/messages.en", share);
		char *lib = xasprintf("%s/../lib/prise", bindir);
		int r = -2;
		if (file_exists(probe)) {
			char *real = realpath(share, NULL);
			char *reallib = realpath(lib, NULL);
			r = catalog_load_from(c, real ? real : share, reallib ? reallib : lib);
			free(real);
			free(reallib);
		}
		free(share);
		free(probe);
		free(lib);
		if (r != -2)
			return r;
	}
	return catalog_load_from(c, PRISE_DATADIR, PRISE_LIBDIR);
}

void catalog_free(struct catalog *c)
{
	for (size_t i = 0; i < c->n; i++)
		exercise_free(&c->ex[i]);
	free(c->ex);
	for (size_t i = 0; i < c->nerrors; i++)
		free(c->errors[i]);
	free(c->errors);
	for (int l = 0; l < LANG_COUNT; l++)
		kv_free(&c->common[l]);
	free(c->datadir);
	free(c->libdir);
	memset(c, 0, sizeof *c);
}

const struct exercise *catalog_find(const struct catalog *c, const char *id)
{
	for (size_t i = 0; i < c->n; i++)
		if (!strcmp(c->ex[i].id, id))
			return &c->ex[i];
	return NULL;
}

const char *catalog_text(const struct catalog *c, const struct exercise *ex,
			 enum lang lang, const char *key)
{
	const char *v = NULL;
	if (ex && !(v = kv_get(&ex->text[lang], key)))
		v = kv_get(&ex->text[LANG_EN], key);
	if (!v && !(v = kv_get(&c->common[lang], key)))
		v = kv_get(&c->common[LANG_EN], key);
	return v ? v : key;
}

char *catalog_read_lang(const struct exercise *ex, const char *name, enum lang lang)
{
	char *path = xasprintf("%s/%s.%s", ex->dir, name, lang_codes[lang]);
	char *text = file_read(path, NULL);
	free(path);
	if (!text && lang != LANG_EN)
		return catalog_read_lang(ex, name, LANG_EN);
	return text;
}

char *catalog_solution_path(const struct catalog *c, const struct exercise *ex)
{
	char *p = xasprintf("%s/solutions/%s/%s", c->datadir, ex->id, ex->file);
	if (!file_exists(p)) {
		free(p);
		return NULL;
	}
	return p;
}

char *catalog_format(const char *tmpl, const char *const *args, int n)
{
	struct sbuf b = { 0 };
	for (const char *p = tmpl; *p; p++) {
		if (p[0] == '{' && p[1] >= '1' && p[1] <= '9' && p[2] == '}') {
			int i = p[1] - '1';
			sbuf_adds(&b, i < n && args[i] ? args[i] : "?");
			p += 2;
		} else {
			sbuf_add(&b, p, 1);
		}
	}
	return sbuf_take(&b);
}

char **catalog_hints(const struct exercise *ex, enum lang lang, int *n)
{
	char *text = catalog_read_lang(ex, "hints", lang);
	char **out = xcalloc(1, sizeof *out);
	*n = 0;
	struct sbuf cur = { 0 };
	for (const char *p = text ? text : ""; ; ) {
		size_t len = strcspn(p, "\n");
		int sep = len == 3 && !strncmp(p, "---", 3);
		if (!sep && *p) {
			sbuf_add(&cur, p, len);
			sbuf_adds(&cur, "\n");
		}
		if (sep || !*p) {
			/* A block of blank lines is no hint. */
			int blank = 1;
			for (size_t i = 0; i < cur.len; i++)
				blank &= cur.buf[i] == '\n' || cur.buf[i] == ' ';
			if (!blank) {
				size_t start = 0;
				while (start < cur.len && cur.buf[start] == '\n')
					start++;
				out = xrealloc(out, (size_t)(*n + 2) * sizeof *out);
				out[(*n)++] = xstrdup(cur.buf + start);
				out[*n] = NULL;
			}
			sbuf_free(&cur);
			if (!*p)
				break;
		}
		p += len;
		if (*p == '\n')
			p++;
	}
	free(text);
	return out;
}
