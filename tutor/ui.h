/*
 * The ncurses tutor (SPEC §1): a home screen of chapters and exercises, an
 * exercise screen (statement, checks, hints), a quiz screen, a timeline of
 * socket calls and a help screen.  Each screen is a table entry of draw and
 * key functions (ui_<screen>.c); ui.c owns the terminal, the event loop, the
 * background check and the file watch.  Nothing here grades: a check runs as
 * a child `prise check` (job.h), whose JSON result the screens draw.
 */
#ifndef PRISE_UI_H
#define PRISE_UI_H

#include "catalog.h"
#include "job.h"
#include "store.h"

enum ui_screen { SCR_HOME, SCR_EXERCISE, SCR_QUIZ, SCR_TIMELINE, SCR_TEXT, SCR_HELP, SCR_COUNT };

/* Colour pairs and attributes, one table in ui.c (monochrome when NO_COLOR). */
enum ui_style { ST_NORMAL, ST_TITLE, ST_BAR, ST_SELECTED, ST_OK, ST_FAIL, ST_RUN, ST_DIM,
		ST_KEY, ST_CODE, ST_CODEKW, ST_WARN, ST_COUNT };

/* What a key handler asks of the loop. */
enum { UI_IGNORED = 0, UI_REDRAW = 1, UI_QUIT = 2 };

struct ui_opts {
	struct catalog *cat;
	enum lang lang;
	const char *db_path, *user, *workspace;
};

struct ui {
	struct catalog *cat;
	enum lang lang;
	const char *db_path, *user, *workspace;
	char exe[4096];			/* this prise, for background checks */
	struct store *store;
	enum ui_screen screen, back;	/* back: where Esc goes from TEXT / HELP / TIMELINE */
	int rows, cols;
	char *status;			/* one line at the bottom, owned; NULL = the keys */
	/* home */
	int sel, home_top;
	enum ex_status *st;		/* per exercise */
	/* exercise (and quiz) */
	const struct exercise *ex;
	char *file;			/* the workspace file */
	int top;			/* first line shown of the body */
	int show_results;		/* body shows the results, else the statement */
	int check_sel;			/* the check under the cursor in the results */
	struct job job;			/* running, or done (the last result) */
	int job_started, pending;	/* pending: re-check once this one ends */
	int hints_seen;
	long long open_ms;		/* wall clock when the exercise was opened */
	long active_ms, last_activity;	/* time spent, idle gaps capped (monotonic ms) */
	int confirm;			/* waiting for y/n before a reset */
	int watch_fd, watch_wd;
	/* quiz */
	int q, q_cursor, q_done;	/* question index, choice under cursor, answered */
	int q_show_verdict;		/* just answered: scroll the verdict into view */
	unsigned q_ans[64];
	/* text view (solution) */
	char *text;
	char *text_title;
};

/* Runs the tutor until the learner quits; returns an exit status. */
int ui_main(const struct ui_opts *o);

/* ---- for the screens (ui.c) ---- */

/* Learner text (messages.LANG, "ui.*" keys), and an exercise's text. */
const char *ui_t(struct ui *u, const char *key);
const char *ui_x(struct ui *u, const struct exercise *ex, const char *key);

/* Writes s at (y, x), clipped to w columns; pad fills the rest with spaces. */
void ui_put(int y, int x, int w, enum ui_style st, const char *s, int pad);
/* As ui_put, with "…" at the end when s is cut. */
void ui_put_fit(int y, int x, int w, enum ui_style st, const char *s);
/* Writes a line of C at (y, x), clipped to w columns, with keywords and socket calls highlighted. */
void ui_code(int y, int x, int w, const char *line);
/* The title bar (row 0) and the key bar (last row). */
void ui_bar_top(struct ui *u, const char *left, const char *right);
void ui_bar_keys(struct ui *u, const char *keys);
/* Sets the bottom line message (copied). */
void ui_say(struct ui *u, const char *msg);

/* Notes activity on the open exercise (time spent counts up to now). */
void ui_activity(struct ui *u);
/* Records the time spent on the open exercise, if any, and closes the count. */
void ui_leave_exercise(struct ui *u);

/* Opens exercise i of the catalogue (statement, workspace, watch). */
void ui_open_exercise(struct ui *u, int i);
/* Starts a check of the workspace file (or queues one if running). */
void ui_start_check(struct ui *u);
/* Hands the terminal to $VISUAL / $EDITOR on the workspace file. */
void ui_edit(struct ui *u);
/* Re-reads the statuses of the home screen. */
void ui_reload_status(struct ui *u);
/* Shows a text in the text view (takes ownership of both). */
void ui_show_text(struct ui *u, char *title, char *text);

/* Wrapped lines of a text: an array of owned strings, NULL-terminated. */
char **ui_wrap(const char *text, int width, const char *indent);
void ui_lines_free(char **lines);

struct ui_screen_ops {
	void (*draw)(struct ui *u);
	int (*key)(struct ui *u, int ch);
};

extern const struct ui_screen_ops ui_home_ops, ui_exercise_ops, ui_quiz_ops, ui_timeline_ops,
	ui_text_ops, ui_help_ops;

#endif
