/*
 * The text view: a scrollable text (the model solution), drawn as C when it
 * is a source file.
 */
#include <curses.h>
#include <stdlib.h>
#include <string.h>

#include "ui.h"
#include "util.h"

static void text_draw(struct ui *u)
{
	ui_bar_top(u, u->text_title ? u->text_title : "", NULL);
	char **lines = ui_wrap(u->text ? u->text : "", u->cols - 4, "");
	int n = 0;
	while (lines[n])
		n++;
	int h = u->rows - 3;
	if (u->top > n - h)
		u->top = n - h;
	if (u->top < 0)
		u->top = 0;
	for (int i = 0; i < h && u->top + i < n; i++)
		ui_code(2 + i, 2, u->cols - 4, lines[u->top + i]);
	ui_lines_free(lines);
	ui_bar_keys(u, ui_t(u, "ui.text_keys"));
}

static int text_key(struct ui *u, int ch)
{
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
		u->top += u->rows - 4;
		return UI_REDRAW;
	case KEY_PPAGE:
		u->top -= u->rows - 4;
		return UI_REDRAW;
	case 27:
	case 'q':
	case 'b':
	case KEY_LEFT:
		u->screen = u->back;
		u->top = 0;
		return UI_REDRAW;
	}
	return UI_IGNORED;
}

const struct ui_screen_ops ui_text_ops = { text_draw, text_key };
