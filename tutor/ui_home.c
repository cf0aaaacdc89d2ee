/*
 * The home screen: the chapters (slide sections) with a progress bar each,
 * their exercises with their status, overall progress in the title bar; the
 * exercise to resume is selected when the tutor starts.
 */
#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui.h"
#include "util.h"

/* One row of the list: a chapter heading (ex < 0) or an exercise. */
struct row {
	int chapter, ex;
};

static int build_rows(struct ui *u, struct row *rows, int max)
{
	int n = 0, chapter = -1;
	for (size_t i = 0; i < u->cat->n && n < max - 1; i++) {
		if (u->cat->ex[i].chapter != chapter) {
			chapter = u->cat->ex[i].chapter;
			rows[n++] = (struct row){ chapter, -1 };
		}
		rows[n++] = (struct row){ chapter, (int)i };
	}
	return n;
}

/* "[#####-----] 3/8" into buf. */
static void progress_bar(char *buf, size_t size, int done, int total, int width)
{
	int fill = total ? done * width / total : 0;
	size_t k = 0;
	buf[k++] = '[';
	for (int i = 0; i < width && k + 4 < size; i++) {
		const char *glyph = i < fill ? "█" : "·";
		size_t gl = strlen(glyph);
		memcpy(buf + k, glyph, gl);
		k += gl;
	}
	snprintf(buf + k, size - k, "] %d/%d", done, total);
}

static void home_draw(struct ui *u)
{
	int passed = 0;
	for (size_t i = 0; i < u->cat->n; i++)
		passed += u->st[i] == STATUS_PASSED;
	char right[512];
	char bar[256];
	progress_bar(bar, sizeof bar, passed, (int)u->cat->n, 10);
	snprintf(right, sizeof right, "%s  %s", u->user, bar);
	ui_bar_top(u, ui_t(u, "ui.home_title"), right);

	struct row rows[256];
	int n = build_rows(u, rows, 256);
	int height = u->rows - 3;
	/* The selected exercise's row, kept in view. */
	int selrow = 0;
	for (int i = 0; i < n; i++)
		if (rows[i].ex == u->sel)
			selrow = i;
	if (selrow - 1 < u->home_top)
		u->home_top = selrow > 0 ? selrow - 1 : 0;
	if (selrow >= u->home_top + height)
		u->home_top = selrow - height + 1;
	/* Past 100 columns the list stays readable rather than stretched. */
	int cols = u->cols < 100 ? u->cols : 100;
	int y = 2;
	for (int i = u->home_top; i < n && y < u->rows - 1; i++, y++) {
		const struct row *r = &rows[i];
		if (r->ex < 0) {
			int done = 0, total = 0;
			for (size_t k = 0; k < u->cat->n; k++)
				if (u->cat->ex[k].chapter == r->chapter) {
					total++;
					done += u->st[k] == STATUS_PASSED;
				}
			char key[32];
			snprintf(key, sizeof key, "chapter.%d", r->chapter);
			progress_bar(bar, sizeof bar, done, total, 8);
			int bw = 8 + 8;
			ui_put(y, 1, cols - bw - 3, ST_TITLE, ui_t(u, key), 0);
			ui_put(y, cols - bw - 1, bw, done == total ? ST_OK : ST_DIM, bar, 0);
			continue;
		}
		const struct exercise *e = &u->cat->ex[r->ex];
		enum ex_status st = u->st[r->ex];
		const char *mark = st == STATUS_PASSED ? "✓" : st == STATUS_ATTEMPTED ? "•" : " ";
		char key[32];
		snprintf(key, sizeof key, "status.%s", store_status_name(st));
		char kind[32];
		snprintf(kind, sizeof kind, "kind.%s", catalog_kind_name(e->kind));
		int sel = r->ex == u->sel;
		enum ui_style base = sel ? ST_SELECTED : ST_NORMAL;
		ui_put(y, 0, cols, base, "", 1);
		ui_put(y, 3, 2, sel ? base : st == STATUS_PASSED ? ST_OK : ST_RUN, mark, 0);
		int title_w = cols - 6 - 12 - 10;
		ui_put_fit(y, 5, title_w, base, ui_x(u, e, "title"));
		ui_put(y, cols - 22, 10, sel ? base : ST_DIM, ui_t(u, kind), 0);
		ui_put(y, cols - 12, 11, sel ? base : st == STATUS_PASSED ? ST_OK : ST_DIM,
		       ui_t(u, key), 0);
	}
	ui_bar_keys(u, ui_t(u, "ui.home_keys"));
}

static int home_key(struct ui *u, int ch)
{
	int n = (int)u->cat->n;
	switch (ch) {
	case KEY_UP:
	case 'k':
		if (u->sel > 0)
			u->sel--;
		return UI_REDRAW;
	case KEY_DOWN:
	case 'j':
		if (u->sel < n - 1)
			u->sel++;
		return UI_REDRAW;
	case KEY_HOME:
	case 'g':
		u->sel = 0;
		return UI_REDRAW;
	case KEY_END:
	case 'G':
		u->sel = n - 1;
		return UI_REDRAW;
	case KEY_NPAGE:
		u->sel = u->sel + 10 < n ? u->sel + 10 : n - 1;
		return UI_REDRAW;
	case KEY_PPAGE:
		u->sel = u->sel > 10 ? u->sel - 10 : 0;
		return UI_REDRAW;
	case '\n':
	case '\r':
	case KEY_ENTER:
	case KEY_RIGHT:
	case 'l':
		if (n > 0)
			ui_open_exercise(u, u->sel);
		return UI_REDRAW;
	case 'L':
		u->lang = u->lang == LANG_FR ? LANG_EN : LANG_FR;
		return UI_REDRAW;
	case '?':
		u->back = SCR_HOME;
		u->screen = SCR_HELP;
		return UI_REDRAW;
	case 'q':
	case 'Q':
		return UI_QUIT;
	}
	return UI_IGNORED;
}

const struct ui_screen_ops ui_home_ops = { home_draw, home_key };
