/*
 * The exercise screen: the statement with the slide it comes from and the
 * hints revealed so far, or the results of the last check: one line per
 * check as it starts and ends, the diagnosis under each failure, gcc's lines
 * when the file does not compile.  Tab switches between the two.
 */
#include <curses.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"
#include "ui.h"
#include "workspace.h"
#include "util.h"

/* A line of the body, with how to draw it and the check it belongs to. */
struct line {
	char *text;
	enum ui_style st;
	int code;		/* draw as C */
	int check;		/* index of its check, or -1 */
};

struct body {
	struct line *l;
	int n, cap;
};

static void add(struct body *b, const char *text, enum ui_style st, int code, int check)
{
	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 64;
		b->l = xrealloc(b->l, (size_t)b->cap * sizeof *b->l);
	}
	b->l[b->n++] = (struct line){ xstrdup(text), st, code, check };
}

/* Adds a wrapped text; lines starting with spaces (code) are drawn as C. */
static void add_text(struct body *b, const char *text, int width, const char *indent,
		     enum ui_style st, int check)
{
	char **lines = ui_wrap(text, width, indent);
	for (char **l = lines; *l; l++) {
		size_t ind = strlen(indent);
		int code = strlen(*l) > ind && ((*l)[ind] == ' ') && st == ST_NORMAL;
		add(b, *l, st, code, check);
	}
	ui_lines_free(lines);
}

static void body_free(struct body *b)
{
	for (int i = 0; i < b->n; i++)
		free(b->l[i].text);
	free(b->l);
}

/* Hint k (0-based) of the exercise, or NULL; *count: how many there are. */
static char *nth_hint(const struct exercise *ex, enum lang lang, int k, int *count)
{
	char **hints = catalog_hints(ex, lang, count);
	char *res = k < *count ? xstrdup(hints[k]) : NULL;
	for (int i = 0; i < *count; i++)
		free(hints[i]);
	free(hints);
	return res;
}

static void statement_body(struct ui *u, struct body *b, int width)
{
	add(b, ui_x(u, u->ex, "slide"), ST_DIM, 0, -1);
	add(b, "", ST_NORMAL, 0, -1);
	char *text = catalog_read_lang(u->ex, "statement", u->lang);
	add_text(b, text ? text : "", width, "", ST_NORMAL, -1);
	free(text);
	for (int k = 0; k < u->hints_seen; k++) {
		int count;
		char *h = nth_hint(u->ex, u->lang, k, &count);
		if (!h)
			break;
		char head[96];
		snprintf(head, sizeof head, "%s %d/%d", ui_t(u, "ui.hint"), k + 1, count);
		add(b, "", ST_NORMAL, 0, -1);
		add(b, head, ST_TITLE, 0, -1);
		add_text(b, h, width, "", ST_NORMAL, -1);
		free(h);
	}
	add(b, "", ST_NORMAL, 0, -1);
	char *msg = catalog_format(ui_t(u, "cli.workspace"), (const char *[]){ u->file }, 1);
	add(b, msg, ST_DIM, 0, -1);
	free(msg);
}

/* The title of check i, from the result when there is one. */
static const char *check_title(struct ui *u, const struct jval *checks, int i, char *buf,
			       size_t size)
{
	if (checks && i < (int)checks->len)
		return jval_str(&checks->items[i], "title", "");
	if (u->ex->kind == KIND_QUIZ)
		return u->ex->quiz[u->lang].q[i].title;
	snprintf(buf, size, "%s.title", u->ex->checks[i].id);
	return ui_x(u, u->ex, buf);
}

static void results_body(struct ui *u, struct body *b, int width)
{
	if (!u->job_started) {
		add_text(b, ui_t(u, "ui.no_result"), width, "", ST_DIM, -1);
		return;
	}
	const struct job *j = &u->job;
	const struct jval *res = j->parsed_ok ? &j->result : NULL;
	const struct jval *comp = jval_get(res, "compile");
	if (j->done && !res) {
		add_text(b, j->error ? j->error : "?", width, "", ST_FAIL, -1);
		return;
	}
	if (comp && !jval_bool(comp, "ok", 1)) {
		add(b, ui_t(u, "cli.compile_failed"), ST_FAIL, 0, -1);
		add(b, "", ST_NORMAL, 0, -1);
		add_text(b, jval_str(comp, "output", ""), width, "", ST_NORMAL, -1);
		return;
	}
	const char *warnings = comp ? jval_str(comp, "output", "") : "";
	if (*warnings) {
		add(b, ui_t(u, "cli.compile_warnings"), ST_WARN, 0, -1);
		add_text(b, warnings, width, "  ", ST_DIM, -1);
		add(b, "", ST_NORMAL, 0, -1);
	}
	const struct jval *checks = jval_get(res, "checks");
	int n = (int)u->ex->nchecks;
	const char *prev_msg = NULL;
	int passed = 0, required = 0;
	for (int i = 0; i < n && i < JOB_MAX_CHECKS; i++) {
		const struct jval *c = checks && i < (int)checks->len ? &checks->items[i] : NULL;
		enum job_check_state s = j->state[i];
		if (c)
			s = jval_bool(c, "ok", 0) ? JOB_DONE_OK : JOB_DONE_FAIL;
		const char *glyph = s == JOB_DONE_OK ? "✓" : s == JOB_DONE_FAIL ? "✗" :
				    s == JOB_RUNNING ? "…" : "·";
		enum ui_style st = s == JOB_DONE_OK ? ST_OK : s == JOB_DONE_FAIL ? ST_FAIL :
				   s == JOB_RUNNING ? ST_RUN : ST_DIM;
		int req = u->ex->checks[i].required;
		if (req) {
			required++;
			passed += s == JOB_DONE_OK;
		}
		char buf[128];
		char *line = xasprintf("%s %s%s%s", glyph, check_title(u, checks, i, buf, sizeof buf),
				       req ? "" : " ", req ? "" : ui_t(u, "cli.bonus"));
		add(b, line, st, 0, i);
		free(line);
		const char *msg = c ? jval_str(c, "message", "") : "";
		if (*msg) {
			if (s == JOB_DONE_FAIL && prev_msg && !strcmp(prev_msg, msg))
				add_text(b, ui_t(u, "cli.same_reason"), width, "    ", ST_DIM, i);
			else
				add_text(b, msg, width, "    ", ST_NORMAL, i);
		}
		prev_msg = s == JOB_DONE_FAIL ? msg : NULL;
	}
	add(b, "", ST_NORMAL, 0, -1);
	if (res) {
		char a[16], c2[16];
		snprintf(a, sizeof a, "%d", passed);
		snprintf(c2, sizeof c2, "%d", required);
		int pass = !strcmp(jval_str(res, "verdict", ""), "pass");
		char *v = catalog_format(ui_t(u, pass ? "cli.pass" : "cli.fail"),
					 (const char *[]){ a, c2 }, 2);
		add(b, v, pass ? ST_OK : ST_FAIL, 0, -1);
		free(v);
	} else {
		add(b, ui_t(u, "ui.checking"), ST_RUN, 0, -1);
	}
}

static void build(struct ui *u, struct body *b, int width)
{
	if (u->show_results)
		results_body(u, b, width);
	else
		statement_body(u, b, width);
}

static int body_height(struct ui *u)
{
	return u->rows - 4;
}

static void exercise_draw(struct ui *u)
{
	char *left = xasprintf("%s — %s", u->ex->id, ui_x(u, u->ex, "title"));
	/* The right of the bar says where the last check stands. */
	char tab[160];
	const char *view = ui_t(u, u->show_results ? "ui.tab_results" : "ui.tab_statement");
	if (u->job_started && u->job.parsed_ok) {
		int pass = !strcmp(jval_str(&u->job.result, "verdict", ""), "pass");
		snprintf(tab, sizeof tab, "%s %s  %s", pass ? "✓" : "✗",
			 ui_t(u, pass ? "ui.passed" : "ui.not_yet"), view);
	} else if (u->job_started && !u->job.done) {
		snprintf(tab, sizeof tab, "%s  %s", ui_t(u, "ui.checking"), view);
	} else {
		snprintf(tab, sizeof tab, "%s", view);
	}
	ui_bar_top(u, left, tab);
	free(left);
	struct body b = { 0 };
	int width = u->cols - 4;
	build(u, &b, width);
	int h = body_height(u);
	if (u->top > b.n - h)
		u->top = b.n - h;
	if (u->top < 0)
		u->top = 0;
	for (int i = 0; i < h && u->top + i < b.n; i++) {
		const struct line *l = &b.l[u->top + i];
		int y = 2 + i;
		int sel = u->show_results && l->check == u->check_sel && l->check >= 0 &&
			  (u->top + i == 0 || b.l[u->top + i - 1].check != l->check || l->st != ST_NORMAL);
		if (sel && l->st != ST_NORMAL && l->st != ST_DIM)
			ui_put(y, 1, 1, ST_SELECTED, "▌", 0);
		if (l->code)
			ui_code(y, 2, width, l->text);
		else
			ui_put_fit(y, 2, width, l->st, l->text);
	}
	if (b.n > h) {
		char pos[32];
		snprintf(pos, sizeof pos, "%d%%", b.n - h > 0 ? 100 * u->top / (b.n - h) : 100);
		ui_put(u->rows - 2, u->cols - 6, 5, ST_DIM, pos, 0);
	}
	body_free(&b);
	ui_bar_keys(u, ui_t(u, "ui.exercise_keys"));
}

/* Scrolls so that the selected check's first line is in view. */
static void follow_selection(struct ui *u)
{
	struct body b = { 0 };
	build(u, &b, u->cols - 4);
	for (int i = 0; i < b.n; i++)
		if (b.l[i].check == u->check_sel) {
			if (i < u->top)
				u->top = i;
			if (i >= u->top + body_height(u) - 2)
				u->top = i - body_height(u) + 3;
			break;
		}
	body_free(&b);
}

static void reveal_hint(struct ui *u)
{
	int count;
	char *h = nth_hint(u->ex, u->lang, u->hints_seen, &count);
	if (!h) {
		ui_say(u, ui_t(u, count ? "ui.no_more_hints" : "ui.no_hints"));
		return;
	}
	free(h);
	char *err = NULL;
	if (store_add_hint(u->store, u->user, u->ex->id, u->hints_seen, &err) < 0) {
		ui_say(u, err);
		free(err);
	}
	u->hints_seen++;
	u->show_results = 0;
	u->top = 1 << 20;	/* the end, where the hint is */
}

static void show_solution(struct ui *u)
{
	const char *why;
	int more;
	if (!policy_allows(u->store, u->user, u->ex->id, &why, &more)) {
		char n[16];
		snprintf(n, sizeof n, "%d", more);
		char *msg = catalog_format(ui_t(u, why), (const char *[]){ n }, 1);
		ui_say(u, msg);
		free(msg);
		return;
	}
	char *path = catalog_solution_path(u->cat, u->ex);
	char *text = path ? file_read(path, NULL) : NULL;
	free(path);
	if (!text) {
		ui_say(u, ui_t(u, "ui.no_solution"));
		return;
	}
	char *err = NULL;
	if (store_add_solution_view(u->store, u->user, u->ex->id, &err) < 0) {
		ui_say(u, err);
		free(err);
	}
	ui_show_text(u, xasprintf("%s — %s", u->ex->id, ui_t(u, "ui.solution")), text);
}

static void reset_file(struct ui *u)
{
	char *backup;
	if (workspace_backup(u->file, &backup) < 0) {
		ui_say(u, strerror(errno));
		return;
	}
	ui_open_exercise(u, u->sel);
	if (backup) {
		char *msg = catalog_format(ui_t(u, "cli.backup"), (const char *[]){ backup }, 1);
		ui_say(u, msg);
		free(msg);
		free(backup);
	}
}

static int exercise_key(struct ui *u, int ch)
{
	if (u->confirm) {
		u->confirm = 0;
		ui_say(u, NULL);
		if (ch == 'y' || ch == 'Y' || ch == 'o' || ch == 'O')
			reset_file(u);
		return UI_REDRAW;
	}
	int h = body_height(u);
	switch (ch) {
	case KEY_UP:
	case 'k':
		if (u->show_results && u->check_sel > 0) {
			u->check_sel--;
			follow_selection(u);
		} else if (!u->show_results) {
			u->top--;
		}
		return UI_REDRAW;
	case KEY_DOWN:
	case 'j':
		if (u->show_results && u->check_sel < (int)u->ex->nchecks - 1) {
			u->check_sel++;
			follow_selection(u);
		} else if (!u->show_results) {
			u->top++;
		}
		return UI_REDRAW;
	case KEY_NPAGE:
	case ' ':
		u->top += h - 1;
		return UI_REDRAW;
	case KEY_PPAGE:
		u->top -= h - 1;
		return UI_REDRAW;
	case '\t':
		u->show_results = !u->show_results;
		u->top = 0;
		return UI_REDRAW;
	case 'e':
		ui_edit(u);
		return UI_REDRAW;
	case 'c':
		ui_start_check(u);
		return UI_REDRAW;
	case 'h':
		reveal_hint(u);
		return UI_REDRAW;
	case 't':
	case '\n':
	case KEY_ENTER:
		if (u->job_started && u->job.parsed_ok) {
			u->back = SCR_EXERCISE;
			u->screen = SCR_TIMELINE;
			u->top = 0;
		} else {
			ui_say(u, ui_t(u, "ui.no_result"));
		}
		return UI_REDRAW;
	case 's':
		show_solution(u);
		return UI_REDRAW;
	case 'r':
		u->confirm = 1;
		ui_say(u, ui_t(u, "ui.confirm_reset"));
		return UI_REDRAW;
	case 'L':
		u->lang = u->lang == LANG_FR ? LANG_EN : LANG_FR;
		return UI_REDRAW;
	case '?':
		u->back = SCR_EXERCISE;
		u->screen = SCR_HELP;
		return UI_REDRAW;
	case 27:
	case 'b':
	case 'q':
	case KEY_LEFT:
	case KEY_BACKSPACE:
		u->screen = SCR_HOME;
		ui_reload_status(u);
		return UI_REDRAW;
	}
	return UI_IGNORED;
}

const struct ui_screen_ops ui_exercise_ops = { exercise_draw, exercise_key };
