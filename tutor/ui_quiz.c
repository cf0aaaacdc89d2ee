/*
 * The quiz screen: one question at a time, its choices selectable, the
 * explanation once answered, the score at the end.  The answers go to the
 * workspace answer file, graded and recorded like any check.
 */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui.h"
#include "util.h"

static const struct quiz *quiz_of(struct ui *u)
{
	return &u->ex->quiz[u->lang];
}

/* Number of right letters: one means a single answer (radio buttons). */
static int right_count(const struct quiz_question *q)
{
	int n = 0;
	for (int i = 0; i < q->nchoices; i++)
		n += (q->right >> i) & 1;
	return n;
}

/* Writes "1: b\n2: a,c\n..." to the workspace file and grades it. */
static void submit(struct ui *u)
{
	const struct quiz *qz = quiz_of(u);
	struct sbuf b = { 0 };
	sbuf_adds(&b, "# prise: answers given in the tutor\n");
	for (size_t i = 0; i < qz->n && i < 64; i++) {
		char *l = quiz_letters(u->q_ans[i]);
		sbuf_addf(&b, "%zu: %s\n", i + 1, l);
		free(l);
	}
	if (file_write(u->file, b.buf, b.len, 0644) < 0)
		ui_say(u, u->file);
	else
		ui_start_check(u);
	sbuf_free(&b);
}

/* A line of the quiz body. */
struct qline {
	char *text;
	enum ui_style st;
	int code;
};

static void qadd(struct qline **L, int *n, int *cap, const char *text, enum ui_style st, int code)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 32;
		*L = xrealloc(*L, (size_t)*cap * sizeof **L);
	}
	(*L)[(*n)++] = (struct qline){ xstrdup(text), st, code };
}

static void quiz_draw(struct ui *u)
{
	const struct quiz *qz = quiz_of(u);
	char right[64];
	int at_end = u->q >= (int)qz->n;
	snprintf(right, sizeof right, "%d/%zu", at_end ? (int)qz->n : u->q + 1, qz->n);
	char *left = xasprintf("%s — %s", u->ex->id, ui_x(u, u->ex, "title"));
	ui_bar_top(u, left, right);
	free(left);
	int width = u->cols - 4, y = 2, bottom = u->rows - 2;
	if (at_end) {
		int score = 0;
		for (size_t i = 0; i < qz->n; i++)
			score += u->q_ans[i] == qz->q[i].right;
		char a[16], n[16];
		snprintf(a, sizeof a, "%d", score);
		snprintf(n, sizeof n, "%zu", qz->n);
		char *msg = catalog_format(ui_t(u, "ui.quiz_score"), (const char *[]){ a, n }, 2);
		ui_put(y++, 2, width, score == (int)qz->n ? ST_OK : ST_TITLE, msg, 0);
		free(msg);
		y++;
		for (size_t i = 0; i < qz->n && y < bottom; i++, y++) {
			int ok = u->q_ans[i] == qz->q[i].right;
			char *l = xasprintf("%s %zu. %s", ok ? "✓" : "✗", i + 1, qz->q[i].title);
			ui_put(y, 2, width, ok ? ST_OK : ST_FAIL, l, 0);
			free(l);
		}
		y++;
		if (u->job_started && !u->job.done)
			ui_put(y < bottom ? y : bottom - 1, 2, width, ST_RUN, ui_t(u, "ui.recording"), 0);
		else if (u->job_started && u->job.parsed_ok)
			ui_put(y < bottom ? y : bottom - 1, 2, width, ST_DIM, ui_t(u, "ui.recorded"), 0);
		ui_bar_keys(u, ui_t(u, "ui.quiz_end_keys"));
		return;
	}
	/* The question, its choices and (once answered) the explanation, scrolled. */
	const struct quiz_question *q = &qz->q[u->q];
	struct qline *L = NULL;
	int nl = 0, cap = 0;
	char **lines = ui_wrap(q->text, width, "");
	for (char **l = lines; *l; l++)
		qadd(&L, &nl, &cap, *l, ST_TITLE, (*l)[0] == ' ');
	ui_lines_free(lines);
	qadd(&L, &nl, &cap, "", ST_NORMAL, 0);
	int multi = right_count(q) > 1;
	if (multi) {
		char **ml = ui_wrap(ui_t(u, "ui.quiz_multi"), width, "");
		for (char **l = ml; *l; l++)
			qadd(&L, &nl, &cap, *l, ST_DIM, 0);
		ui_lines_free(ml);
	}
	int cursor_line = 0, head_line = -1;
	for (int k = 0; k < q->nchoices; k++) {
		int chosen = (u->q_ans[u->q] >> k) & 1;
		int is_right = (q->right >> k) & 1;
		const char *box = multi ? (chosen ? "[x]" : "[ ]") : (chosen ? "(•)" : "( )");
		char *l = xasprintf("%s %c) %s", box, 'a' + k, q->choices[k]);
		enum ui_style st = ST_NORMAL;
		if (u->q_done)
			st = is_right ? ST_OK : chosen ? ST_FAIL : ST_DIM;
		if (k == u->q_cursor && !u->q_done) {
			st = ST_SELECTED;
			cursor_line = nl;
		}
		char **wl = ui_wrap(l, width, "");
		for (char **w = wl; *w; w++) {
			char *ind = w == wl ? xstrdup(*w) : xasprintf("        %s", *w);
			qadd(&L, &nl, &cap, ind, st, 0);
			free(ind);
		}
		ui_lines_free(wl);
		free(l);
	}
	if (u->q_done) {
		qadd(&L, &nl, &cap, "", ST_NORMAL, 0);
		int ok = u->q_ans[u->q] == q->right;
		char *rl = quiz_letters(q->right);
		char *head = catalog_format(ui_t(u, ok ? "ui.quiz_right" : "ui.quiz_wrong"),
					    (const char *[]){ rl }, 1);
		head_line = nl;
		qadd(&L, &nl, &cap, head, ok ? ST_OK : ST_FAIL, 0);
		free(head);
		free(rl);
		char **el = ui_wrap(q->explain, width, "");
		for (char **l = el; *l; l++)
			qadd(&L, &nl, &cap, *l, ST_NORMAL, (*l)[0] == ' ');
		ui_lines_free(el);
	}
	int h = bottom - y;
	if (u->q_show_verdict && head_line >= 0) {
		/* The verdict a third of the way down, the choices above it in view. */
		if (head_line >= u->top + h - 2)
			u->top = head_line - h / 3;
		u->q_show_verdict = 0;
	}
	if (!u->q_done && cursor_line >= u->top + h)
		u->top = cursor_line - h + 1;
	if (u->top > nl - h)
		u->top = nl - h;
	if (u->top < 0)
		u->top = 0;
	for (int i = u->top; i < nl && y < bottom; i++, y++) {
		if (L[i].code)
			ui_code(y, 2, width, L[i].text);
		else
			ui_put(y, 2, width, L[i].st, L[i].text, 0);
	}
	if (nl > h) {
		char pos[16];
		snprintf(pos, sizeof pos, "%d%%", 100 * u->top / (nl - h));
		ui_put(u->rows - 2, u->cols - 6, 5, ST_DIM, pos, 0);
	}
	for (int i = 0; i < nl; i++)
		free(L[i].text);
	free(L);
	ui_bar_keys(u, ui_t(u, u->q_done ? "ui.quiz_next_keys" : "ui.quiz_keys"));
}

static int quiz_key(struct ui *u, int ch)
{
	const struct quiz *qz = quiz_of(u);
	if (u->q >= (int)qz->n) {
		if (ch == 'r') {
			u->q = 0;
			u->q_done = 0;
			u->q_cursor = 0;
			memset(u->q_ans, 0, sizeof u->q_ans);
			return UI_REDRAW;
		}
		if (ch == 'q' || ch == 'b' || ch == 27 || ch == '\n' || ch == KEY_LEFT) {
			u->screen = SCR_HOME;
			ui_reload_status(u);
			return UI_REDRAW;
		}
		return ch == '?' ? (u->back = SCR_QUIZ, u->screen = SCR_HELP, UI_REDRAW) : UI_IGNORED;
	}
	const struct quiz_question *q = &qz->q[u->q];
	int multi = right_count(q) > 1;
	switch (ch) {
	case KEY_UP:
	case 'k':
		if (!u->q_done && u->q_cursor > 0)
			u->q_cursor--;
		else if (u->q_done)
			u->top--;
		return UI_REDRAW;
	case KEY_DOWN:
	case 'j':
		if (!u->q_done && u->q_cursor < q->nchoices - 1)
			u->q_cursor++;
		else if (u->q_done)
			u->top++;
		return UI_REDRAW;
	case KEY_NPAGE:
		u->top += u->rows - 5;
		return UI_REDRAW;
	case KEY_PPAGE:
		u->top -= u->rows - 5;
		return UI_REDRAW;
	case ' ':
		if (u->q_done)
			break;
		if (multi)
			u->q_ans[u->q] ^= 1u << u->q_cursor;
		else
			u->q_ans[u->q] = 1u << u->q_cursor;
		return UI_REDRAW;
	case '\n':
	case '\r':
	case KEY_ENTER:
		if (u->q_done) {
			u->q++;
			u->q_done = 0;
			u->q_cursor = 0;
			u->top = 0;
			if (u->q >= (int)qz->n)
				submit(u);
			return UI_REDRAW;
		}
		if (!multi)
			u->q_ans[u->q] = 1u << u->q_cursor;
		if (!u->q_ans[u->q]) {
			ui_say(u, ui_t(u, "ui.quiz_choose"));
			return UI_REDRAW;
		}
		u->q_done = 1;
		u->q_show_verdict = 1;
		return UI_REDRAW;
	case 'L':
		u->lang = u->lang == LANG_FR ? LANG_EN : LANG_FR;
		return UI_REDRAW;
	case '?':
		u->back = SCR_QUIZ;
		u->screen = SCR_HELP;
		return UI_REDRAW;
	case 27:
	case 'q':
	case KEY_LEFT:
		u->screen = SCR_HOME;
		return UI_REDRAW;
	default:
		/* A letter picks its choice ('b' is a choice here, not "back"). */
		if (!u->q_done && ch >= 'a' && ch < 'a' + q->nchoices) {
			u->q_cursor = ch - 'a';
			if (multi)
				u->q_ans[u->q] ^= 1u << u->q_cursor;
			else
				u->q_ans[u->q] = 1u << u->q_cursor;
			return UI_REDRAW;
		}
	}
	return UI_IGNORED;
}

const struct ui_screen_ops ui_quiz_ops = { quiz_draw, quiz_key };
