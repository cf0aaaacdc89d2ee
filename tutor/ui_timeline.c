/*
 * The timeline: the socket calls of the learner's program and of the
 * reference peer of one check, in two columns and in time order, with the
 * bytes that crossed, like the slides' "Principe (illustré avec deux
 * programmes)".  The step where a failed check went wrong is marked: the
 * call the program was still waiting in, else its last call.
 */
#define _GNU_SOURCE
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui.h"
#include "util.h"

/* The check shown: the one selected on the exercise screen. */
static const struct jval *current_check(struct ui *u)
{
	const struct jval *checks = jval_get(&u->job.result, "checks");
	if (!checks || checks->type != J_ARR || checks->len == 0)
		return NULL;
	int i = u->check_sel < (int)checks->len ? u->check_sel : 0;
	return &checks->items[i];
}

/* One event as the learner would write the call. */
static char *describe(const struct jval *ev)
{
	const char *call = jval_str(ev, "call", "?");
	if (!strcmp(call, "result"))
		return xasprintf("test: %s", jval_str(ev, "result", ""));
	int enter = !strcmp(jval_str(ev, "phase", ""), "enter");
	struct sbuf b = { 0 };
	sbuf_addf(&b, "%s(", call);
	const struct jval *fd = jval_get(ev, "fd");
	if (fd)
		sbuf_addf(&b, "%d", (int)fd->num);
	const char *addr = jval_str(ev, "addr", NULL);
	if (addr)
		sbuf_addf(&b, "%s%s", fd ? ", " : "", addr);
	const char *data = jval_str(ev, "data", NULL);
	if (data)
		sbuf_addf(&b, "%s\"%s\"", fd || addr ? ", " : "", data);
	sbuf_adds(&b, ")");
	if (enter) {
		sbuf_adds(&b, " …");
	} else {
		long ret = (long)jval_num(ev, "ret", 0);
		sbuf_addf(&b, " = %ld", ret);
		if (ret < 0) {
			int e = (int)jval_num(ev, "errno", 0);
			const char *name = strerrorname_np(e);
			sbuf_addf(&b, " %s", name ? name : "");
		}
	}
	const char *inj = jval_str(ev, "injected", NULL);
	if (inj)
		sbuf_addf(&b, " [%s]", inj);
	return sbuf_take(&b);
}

static void timeline_draw(struct ui *u)
{
	const struct jval *c = current_check(u);
	char *left = xasprintf("%s — %s", ui_t(u, "ui.timeline"),
			       c ? jval_str(c, "title", "") : "");
	ui_bar_top(u, left, NULL);
	free(left);
	int width = u->cols - 2;
	int y = 2;
	if (!c) {
		ui_put(y, 2, width, ST_DIM, ui_t(u, "ui.no_result"), 0);
		ui_bar_keys(u, ui_t(u, "ui.timeline_keys"));
		return;
	}
	int ok = jval_bool(c, "ok", 0);
	const char *msg = jval_str(c, "message", "");
	int ymax = u->rows - 2;
	if (*msg) {
		char **ml = ui_wrap(msg, width - 2, "");
		for (char **l = ml; *l && y < 6; l++, y++)
			ui_put(y, 2, width - 2, ok ? ST_DIM : ST_FAIL, *l, 0);
		ui_lines_free(ml);
		y++;
	}
	int tcol = 9, half = (u->cols - tcol - 2) / 2;
	ui_put(y, tcol, half - 1, ST_TITLE, ui_t(u, "ui.your_program"), 0);
	ui_put(y, tcol + half + 1, half - 1, ST_TITLE, ui_t(u, "ui.peer"), 0);
	y++;
	const struct jval *tr = jval_get(c, "trace");
	int n = tr && tr->type == J_ARR ? (int)tr->len : 0;
	/* The events drawn: returns, and an "enter" only when nothing returned after it. */
	int *shown = xcalloc((size_t)(n ? n : 1), sizeof *shown);
	int ns = 0, mark = -1;
	long t0 = n ? (long)jval_num(&tr->items[0], "t_us", 0) : 0;
	for (int i = 0; i < n; i++) {
		const struct jval *ev = &tr->items[i];
		int prog = !strcmp(jval_str(ev, "side", ""), "program");
		if (!strcmp(jval_str(ev, "phase", ""), "enter")) {
			long pid = (long)jval_num(ev, "pid", 0);
			const char *call = jval_str(ev, "call", "");
			int returned = 0;
			for (int k = i + 1; k < n && !returned; k++)
				returned = (long)jval_num(&tr->items[k], "pid", -1) == pid &&
					   !strcmp(jval_str(&tr->items[k], "call", ""), call);
			if (returned)
				continue;
		}
		shown[ns++] = i;
		if (prog)
			mark = i;
	}
	int rows = ymax - y;
	if (u->top > ns - rows)
		u->top = ns - rows;
	if (u->top < 0)
		u->top = 0;
	for (int s = u->top; s < ns && y < ymax; s++, y++) {
		const struct jval *ev = &tr->items[shown[s]];
		int prog = !strcmp(jval_str(ev, "side", ""), "program");
		char when[32];
		snprintf(when, sizeof when, "%7.1f", ((long)jval_num(ev, "t_us", 0) - t0) / 1000.0);
		ui_put(y, 0, tcol - 1, ST_DIM, when, 0);
		char *d = describe(ev);
		int x = prog ? tcol : tcol + half + 1;
		enum ui_style st = prog ? ST_NORMAL : ST_CODE;
		if (shown[s] == mark && !ok) {
			st = ST_FAIL;
			ui_put(y, x - 1, 1, ST_FAIL, "▶", 0);
		}
		ui_put(y, x, half - 1, st, d, 0);
		free(d);
	}
	if (ns == 0)
		ui_put(y, tcol, width - tcol, ST_DIM, ui_t(u, "ui.no_calls"), 0);
	free(shown);
	ui_bar_keys(u, ui_t(u, "ui.timeline_keys"));
}

static int timeline_key(struct ui *u, int ch)
{
	const struct jval *checks = jval_get(&u->job.result, "checks");
	int n = checks ? (int)checks->len : 0;
	switch (ch) {
	case KEY_UP:
	case 'k':
		u->top--;
		return UI_REDRAW;
	case KEY_DOWN:
	case 'j':
		u->top++;
		return UI_REDRAW;
	case KEY_NPAGE:
	case ' ':
		u->top += u->rows - 10;
		return UI_REDRAW;
	case KEY_PPAGE:
		u->top -= u->rows - 10;
		return UI_REDRAW;
	case KEY_RIGHT:
	case 'n':
		if (u->check_sel < n - 1)
			u->check_sel++;
		u->top = 0;
		return UI_REDRAW;
	case KEY_LEFT:
	case 'p':
		if (u->check_sel > 0)
			u->check_sel--;
		u->top = 0;
		return UI_REDRAW;
	case '?':
		u->back = SCR_TIMELINE;
		u->screen = SCR_HELP;
		return UI_REDRAW;
	case 27:
	case 'q':
	case 'b':
	case 't':
		u->screen = SCR_EXERCISE;
		u->top = 0;
		return UI_REDRAW;
	}
	return UI_IGNORED;
}

const struct ui_screen_ops ui_timeline_ops = { timeline_draw, timeline_key };
