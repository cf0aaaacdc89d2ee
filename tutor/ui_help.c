/*
 * The help screen: every key of every screen, from the messages table.
 */
#include <curses.h>
#include <stdlib.h>

#include "ui.h"
#include "util.h"

static void help_draw(struct ui *u)
{
	ui_bar_top(u, ui_t(u, "ui.help_title"), NULL);
	/* The table holds one line per key; "\\n" separates them. */
	struct sbuf b = { 0 };
	for (const char *p = ui_t(u, "ui.help"); *p; p++) {
		if (p[0] == '\\' && p[1] == 'n') {
			sbuf_adds(&b, "\n");
			p++;
		} else {
			sbuf_add(&b, p, 1);
		}
	}
	char **lines = ui_wrap(b.buf ? b.buf : "", u->cols - 4, "");
	sbuf_free(&b);
	int y = 2;
	for (char **l = lines; *l && y < u->rows - 1; l++, y++) {
		/* "key   what it does": keys in bold, headings in the title style. */
		enum ui_style st = (*l)[0] && (*l)[0] != ' ' ? ST_TITLE : ST_NORMAL;
		ui_put(y, 2, u->cols - 4, st, *l, 0);
	}
	ui_lines_free(lines);
	ui_bar_keys(u, ui_t(u, "ui.text_keys"));
}

static int help_key(struct ui *u, int ch)
{
	(void)ch;
	u->screen = u->back;
	return UI_REDRAW;
}

const struct ui_screen_ops ui_help_ops = { help_draw, help_key };
