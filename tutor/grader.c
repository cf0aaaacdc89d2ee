/*
 * The grader (see grader.h).  Each check runs in a thread of its own: the
 * checks only wait on sockets and pipes, so running them side by side makes
 * a whole check cost little more than its slowest scenario.
 */
#define _GNU_SOURCE
#include "grader.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "sandbox.h"
#include "util.h"

struct job {
	struct check chk;
	check_fn fn;
	struct check_result *res;
	size_t index;
	grader_progress progress;
	void *arg;
	pthread_mutex_t *mu;
	pthread_t thread;
};

static void *job_main(void *p)
{
	struct job *j = p;
	long t0 = now_ms();
	j->fn(&j->chk);
	for (int i = 0; i < j->chk.nruns; i++) {
		/* A check that failed without naming a run keeps the last trace. */
		if (!j->chk.trace && i == j->chk.nruns - 1)
			j->chk.trace = run_events(j->chk.runs[i], &j->chk.ntrace);
		run_free(j->chk.runs[i]);
	}
	j->res->ok = !j->chk.failed;
	j->res->message = j->chk.message ? j->chk.message : xstrdup("");
	j->res->trace = j->chk.trace;
	j->res->ntrace = j->chk.ntrace;
	j->res->ms = now_ms() - t0;
	for (int i = 0; i < j->chk.nstrs; i++)
		free(j->chk.strs[i]);
	if (j->progress) {
		pthread_mutex_lock(j->mu);
		j->progress(j->arg, j->index, j->res, 1);
		pthread_mutex_unlock(j->mu);
	}
	return NULL;
}

static char *compile_text(const struct catalog *cat, enum lang lang,
			  const struct compile_result *cr)
{
	struct sbuf b = { 0 };
	sbuf_adds(&b, cr->output);
	for (int i = 0; i < cr->nhints; i++) {
		if (b.len && b.buf[b.len - 1] != '\n')
			sbuf_adds(&b, "\n");
		sbuf_addf(&b, "%s%s\n", b.len ? "\n" : "", catalog_text(cat, NULL, lang, cr->hints[i]));
	}
	return sbuf_take(&b);
}

/*
 * A quiz: each question is a check, right when the answer has exactly the
 * right letters; its message is the explanation, with both answers when
 * wrong.
 */
static enum grader_status grade_quiz(const struct catalog *cat, const struct exercise *ex,
				     const char *file, enum lang lang, struct grade *g, char **err)
{
	struct quiz_answers a;
	if (quiz_answers_parse(&ex->quiz[LANG_EN], file, g->source, &a, err) < 0)
		return GRADER_BAD_FILE;
	const struct quiz *qz = &ex->quiz[lang];
	g->compile.ok = 1;
	g->compile.output = xstrdup("");
	g->compile_text = xstrdup("");
	g->nchecks = qz->n;
	g->checks = xcalloc(qz->n ? qz->n : 1, sizeof *g->checks);
	g->pass = 1;
	for (size_t i = 0; i < qz->n; i++) {
		const struct quiz_question *q = &qz->q[i];
		struct check_result *r = &g->checks[i];
		r->id = ex->checks[i].id;
		r->title = q->title;
		r->required = 1;
		r->ok = a.answers[i] == q->right;
		g->pass &= r->ok;
		char *yours = quiz_letters(a.answers[i]);
		char *right = quiz_letters(q->right);
		const char *args[] = { yours, right, q->explain };
		const char *key = r->ok ? "quiz.right" : a.answers[i] ? "quiz.wrong" : "quiz.unanswered";
		r->message = catalog_format(catalog_text(cat, NULL, lang, key), args, 3);
		free(yours);
		free(right);
	}
	quiz_answers_free(&a);
	return GRADER_OK;
}

enum grader_status grader_run(const struct catalog *cat, const struct exercise *ex,
			      const char *file, enum lang lang, int isolated,
			      grader_progress progress, void *arg,
			      struct grade *g, char **err)
{
	memset(g, 0, sizeof *g);
	g->ex = ex;
	long t0 = now_ms();
	*err = NULL;
	g->source = file_read(file, &g->source_len);
	if (!g->source) {
		*err = xasprintf("%s: %s", file, strerror(errno));
		return GRADER_BAD_FILE;
	}
	if (ex->kind == KIND_QUIZ) {
		enum grader_status st = grade_quiz(cat, ex, file, lang, g, err);
		g->duration_ms = now_ms() - t0;
		return st;
	}
	/* Every check must exist before anything runs. */
	for (size_t i = 0; i < ex->nchecks; i++) {
		if (!checks_find(ex->id, ex->checks[i].id)) {
			*err = xasprintf("%s:%d: unknown check \"%s\"", ex->manifest,
					 ex->checks[i].line, ex->checks[i].id);
			return GRADER_INTERNAL;
		}
	}
	const char *tmp = getenv("TMPDIR");
	char *scratch = xasprintf("%s/prise-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(scratch)) {
		*err = xasprintf("%s: %s", scratch, strerror(errno));
		free(scratch);
		return GRADER_INTERNAL;
	}
	char *prog = xasprintf("%s/prog", scratch);
	char *src = realpath(file, NULL);
	if (compile_run(cat, ex, src ? src : file, prog, &g->compile) < 0) {
		*err = xasprintf("cc: %s (is gcc installed?)", strerror(errno));
		free(src);
		free(prog);
		rm_rf(scratch);
		free(scratch);
		return GRADER_INTERNAL;
	}
	free(src);
	g->compile_text = compile_text(cat, lang, &g->compile);
	if (g->compile.ok) {
		struct check_env env = {
			.cat = cat, .ex = ex, .lang = lang, .prog = prog,
			.scratch = scratch, .isolated = isolated,
		};
		g->nchecks = ex->nchecks;
		g->checks = xcalloc(g->nchecks, sizeof *g->checks);
		struct job *jobs = xcalloc(g->nchecks, sizeof *jobs);
		pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
		for (size_t i = 0; i < g->nchecks; i++) {
			struct check_result *r = &g->checks[i];
			r->id = ex->checks[i].id;
			r->required = ex->checks[i].required;
			char *key = xasprintf("%s.title", r->id);
			const char *title = catalog_text(cat, ex, lang, key);
			r->title = title == key ? r->id : title;	/* key is freed */
			free(key);
			jobs[i] = (struct job){
				.chk = { .env = &env, .spec = &ex->checks[i] },
				.fn = checks_find(ex->id, r->id),
				.res = r, .index = i, .progress = progress, .arg = arg, .mu = &mu,
			};
			if (progress)
				progress(arg, i, r, 0);
		}
		for (size_t i = 0; i < g->nchecks; i++)
			if (pthread_create(&jobs[i].thread, NULL, job_main, &jobs[i]) != 0)
				job_main(&jobs[i]), jobs[i].thread = 0;
		for (size_t i = 0; i < g->nchecks; i++)
			if (jobs[i].thread)
				pthread_join(jobs[i].thread, NULL);
		free(jobs);
		sandbox_sweep();
	}
	g->pass = g->compile.ok;
	for (size_t i = 0; i < g->nchecks; i++)
		if (g->checks[i].required && !g->checks[i].ok)
			g->pass = 0;
	rm_rf(scratch);
	free(scratch);
	free(prog);
	g->duration_ms = now_ms() - t0;
	return GRADER_OK;
}

void grade_free(struct grade *g)
{
	for (size_t i = 0; i < g->nchecks; i++) {
		free(g->checks[i].message);
		for (size_t k = 0; k < g->checks[i].ntrace; k++)
			trace_ev_free(&g->checks[i].trace[k]);
		free(g->checks[i].trace);
	}
	free(g->checks);
	compile_result_free(&g->compile);
	free(g->compile_text);
	free(g->source);
	memset(g, 0, sizeof *g);
}

void grade_json(const struct grade *g, struct json *j)
{
	json_obj_begin(j);
	json_kstr(j, "exercise", g->ex->id);
	json_kstr(j, "verdict", g->pass ? "pass" : "fail");
	json_key(j, "compile");
	json_obj_begin(j);
	json_kbool(j, "ok", g->compile.ok);
	json_kstr(j, "output", g->compile_text ? g->compile_text : "");
	json_obj_end(j);
	json_key(j, "checks");
	json_arr_begin(j);
	for (size_t i = 0; i < g->nchecks; i++) {
		const struct check_result *r = &g->checks[i];
		json_obj_begin(j);
		json_kstr(j, "id", r->id);
		json_kstr(j, "title", r->title);
		json_kbool(j, "required", r->required);
		json_kbool(j, "ok", r->ok);
		json_kstr(j, "message", r->message ? r->message : "");
		json_key(j, "trace");
		json_arr_begin(j);
		for (size_t k = 0; k < r->ntrace; k++)
			trace_ev_json(j, &r->trace[k]);
		json_arr_end(j);
		json_obj_end(j);
	}
	json_arr_end(j);
	json_kint(j, "duration_ms", g->duration_ms);
	json_obj_end(j);
}
