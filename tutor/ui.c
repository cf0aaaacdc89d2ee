/*
 * The tutor's terminal and event loop (see ui.h).  One loop polls the
 * keyboard, the background check's pipes and the inotify watch of the
 * workspace file; signals only set flags (SIGINT, SIGTERM) or restore the
 * terminal before dying (crash signals).  It must never block: a check runs
 * in a child process and its output is read as it comes.
 */
#define _GNU_SOURCE
#include "ui.h"

#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sandbox.h"
#include "text.h"
#include "util.h"
#include "workspace.h"

static const struct ui_screen_ops *const screens[SCR_COUNT] = {
	[SCR_HOME] = &ui_home_ops,
	[SCR_EXERCISE] = &ui_exercise_ops,
	[SCR_QUIZ] = &ui_quiz_ops,
	[SCR_TIMELINE] = &ui_timeline_ops,
	[SCR_TEXT] = &ui_text_ops,
	[SCR_HELP] = &ui_help_ops,
};

/*
 * The styles: a colour pair on the terminal's own background (so dark and
 * light themes both work), and the attribute used without colours.
 */
static const struct {
	short fg;
	attr_t color_attr, mono_attr;
} styles[ST_COUNT] = {
	[ST_NORMAL] = { -1, A_NORMAL, A_NORMAL },
	[ST_TITLE] = { COLOR_CYAN, A_BOLD, A_BOLD },
	[ST_BAR] = { -1, A_REVERSE, A_REVERSE },
	[ST_SELECTED] = { -1, A_REVERSE | A_BOLD, A_REVERSE },
	[ST_OK] = { COLOR_GREEN, A_BOLD, A_BOLD },
	[ST_FAIL] = { COLOR_RED, A_BOLD, A_BOLD | A_UNDERLINE },
	[ST_RUN] = { COLOR_YELLOW, A_BOLD, A_BOLD },
	[ST_DIM] = { -1, A_DIM, A_NORMAL },
	[ST_KEY] = { COLOR_CYAN, A_BOLD | A_REVERSE, A_BOLD | A_REVERSE },
	[ST_CODE] = { COLOR_BLUE, A_NORMAL, A_NORMAL },
	[ST_CODEKW] = { COLOR_MAGENTA, A_BOLD, A_BOLD },
	[ST_WARN] = { COLOR_YELLOW, A_NORMAL, A_BOLD },
};

static int use_color;
static volatile sig_atomic_t stop_flag;
static int winch_pipe[2] = { -1, -1 };	/* SIGWINCH wakes the loop through it */
static struct ui *the_ui;	/* for the crash handler only */

static attr_t style_attr(enum ui_style st)
{
	if (!use_color)
		return styles[st].mono_attr;
	return styles[st].color_attr | (styles[st].fg >= 0 ? COLOR_PAIR(st) : 0);
}

static void on_stop(int sig)
{
	(void)sig;
	stop_flag = 1;
}

/* A resize only queues work for the loop: nothing is drawn from a handler. */
static void on_winch(int sig)
{
	(void)sig;
	int saved = errno;
	char c = 1;
	if (write(winch_pipe[1], &c, 1) < 0) {
		/* The pipe is full: a resize is queued already. */
	}
	errno = saved;
}

/* Reads the terminal's new size and tells curses (which queues KEY_RESIZE). */
static void apply_resize(void)
{
	char buf[64];
	while (read(winch_pipe[0], buf, sizeof buf) > 0)
		;
	struct winsize ws;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
		resizeterm(ws.ws_row, ws.ws_col);
}

/* A crash: give the terminal back before dying, so the shell is usable. */
static void on_crash(int sig)
{
	endwin();
	if (the_ui && the_ui->job_started && !the_ui->job.done && the_ui->job.pid > 0)
		kill(-the_ui->job.pid, SIGKILL);
	signal(sig, SIG_DFL);
	raise(sig);
}

const char *ui_t(struct ui *u, const char *key)
{
	return catalog_text(u->cat, NULL, u->lang, key);
}

const char *ui_x(struct ui *u, const struct exercise *ex, const char *key)
{
	return catalog_text(u->cat, ex, u->lang, key);
}

/* Bytes of s that fit in w columns. */
static size_t fit_bytes(const char *s, int w, int *used)
{
	size_t i = 0, n = strlen(s);
	int col = 0;
	while (i < n) {
		size_t k = 1;
		while (i + k < n && ((unsigned char)s[i + k] & 0xc0) == 0x80)
			k++;
		int cw = text_width(s + i, k);
		if (col + cw > w)
			break;
		col += cw;
		i += k;
	}
	*used = col;
	return i;
}

void ui_put(int y, int x, int w, enum ui_style st, const char *s, int pad)
{
	if (w <= 0 || y < 0 || x < 0)
		return;
	int used;
	size_t n = fit_bytes(s ? s : "", w, &used);
	attr_t a = style_attr(st);
	attron(a);
	mvaddnstr(y, x, s ? s : "", (int)n);
	if (pad)
		for (int i = used; i < w; i++)
			addch(' ');
	attroff(a);
}

void ui_put_fit(int y, int x, int w, enum ui_style st, const char *s)
{
	int used;
	size_t n = fit_bytes(s ? s : "", w, &used);
	if (!s || !s[n] || w < 2) {
		ui_put(y, x, w, st, s, 0);
		return;
	}
	n = fit_bytes(s, w - 1, &used);
	char *cut = xasprintf("%.*s…", (int)n, s);
	ui_put(y, x, w, st, cut, 0);
	free(cut);
}

static int is_word(const char *w, size_t n, const char *const *list)
{
	for (; *list; list++)
		if (strlen(*list) == n && !memcmp(*list, w, n))
			return 1;
	return 0;
}

void ui_code(int y, int x, int w, const char *line)
{
	static const char *const keywords[] = {
		"int", "char", "void", "struct", "return", "if", "else", "for", "while", "do",
		"sizeof", "const", "unsigned", "long", "short", "static", "break", "continue",
		"ssize_t", "size_t", "socklen_t", "switch", "case", "NULL", NULL,
	};
	static const char *const calls[] = {
		"socket", "bind", "listen", "accept", "connect", "send", "recv", "sendto",
		"recvfrom", "close", "shutdown", "select", "poll", "fork", "read", "write",
		"htons", "htonl", "ntohs", "ntohl", "inet_pton", "inet_ntop", "getsockname",
		"setsockopt", "pthread_create", "perror", "printf", "fprintf", "exit", NULL,
	};
	int col = 0;
	const char *p = line;
	while (*p && col < w) {
		size_t n;
		enum ui_style st = ST_NORMAL;
		if (p[0] == '/' && (p[1] == '/' || p[1] == '*')) {
			n = strlen(p);
			st = ST_DIM;
		} else if (*p == '"' || *p == '\'') {
			char q = *p;
			n = 1;
			while (p[n] && p[n] != q)
				n += p[n] == '\\' && p[n + 1] ? 2 : 1;
			if (p[n])
				n++;
			st = ST_OK;
		} else if (*p == '#') {
			n = strcspn(p, " <\"");
			st = ST_CODEKW;
		} else if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '_') {
			n = 0;
			while ((p[n] >= 'a' && p[n] <= 'z') || (p[n] >= 'A' && p[n] <= 'Z') ||
			       (p[n] >= '0' && p[n] <= '9') || p[n] == '_')
				n++;
			st = is_word(p, n, keywords) ? ST_CODEKW : is_word(p, n, calls) ? ST_CODE : ST_NORMAL;
		} else {
			n = 1;
			while ((p[n] & 0xc0) == 0x80)
				n++;
		}
		char *piece = xstrndup(p, n);
		int pw = text_width(piece, n);
		ui_put(y, x + col, w - col, st, piece, 0);
		free(piece);
		col += pw;
		p += n;
	}
}

void ui_bar_top(struct ui *u, const char *left, const char *right)
{
	ui_put(0, 0, u->cols, ST_BAR, "", 1);
	ui_put(0, 1, u->cols - 2, ST_BAR, left, 0);
	if (right) {
		int w = text_width(right, strlen(right));
		if (w < u->cols - 2 - text_width(left, strlen(left)))
			ui_put(0, u->cols - 1 - w, w, ST_BAR, right, 0);
	}
}

void ui_bar_keys(struct ui *u, const char *keys)
{
	int y = u->rows - 1;
	ui_put(y, 0, u->cols, ST_NORMAL, "", 1);
	if (u->status) {
		ui_put(y, 1, u->cols - 2, ST_WARN, u->status, 0);
		return;
	}
	/* "k:label  k:label": keys highlighted, labels plain. */
	struct { char key[32], label[96]; int w; } it[16];
	int n = 0, total = 0;
	for (const char *p = keys; *p && n < 16;) {
		const char *colon = strchr(p, ':');
		const char *sep = strstr(p, "  ");
		if (!colon || (sep && sep < colon))
			break;
		int kl = (int)(colon - p), ll;
		const char *lend = sep ? sep : p + strlen(p);
		ll = (int)(lend - colon - 1);
		snprintf(it[n].key, sizeof it[n].key, "%.*s", kl < 31 ? kl : 31, p);
		snprintf(it[n].label, sizeof it[n].label, "%.*s", ll < 95 ? ll : 95, colon + 1);
		it[n].w = text_width(it[n].key, strlen(it[n].key)) + 1 +
			  text_width(it[n].label, strlen(it[n].label));
		total += it[n].w + 2;
		n++;
		p = sep ? sep + 2 : lend;
	}
	/* Too narrow: drop keys before the last two (help, back), from the end. */
	int keep[16];
	for (int i = 0; i < n; i++)
		keep[i] = 1;
	for (int i = n - 3; i >= 0 && total > u->cols - 2; i--) {
		keep[i] = 0;
		total -= it[i].w + 2;
	}
	int x = 1;
	for (int i = 0; i < n; i++) {
		if (!keep[i] || x + it[i].w > u->cols - 1)
			continue;
		int kw = text_width(it[i].key, strlen(it[i].key));
		ui_put(y, x, kw, ST_KEY, it[i].key, 0);
		ui_put(y, x + kw + 1, it[i].w - kw - 1, ST_NORMAL, it[i].label, 0);
		x += it[i].w + 2;
	}
}

void ui_say(struct ui *u, const char *msg)
{
	free(u->status);
	u->status = msg ? xstrdup(msg) : NULL;
}

char **ui_wrap(const char *text, int width, const char *indent)
{
	char *w = text_wrap(text ? text : "", width, indent);
	size_t n = 0, cap = 16;
	char **lines = xcalloc(cap, sizeof *lines);
	for (char *p = w; *p;) {
		size_t k = strcspn(p, "\n");
		if (n + 2 >= cap) {
			cap *= 2;
			lines = xrealloc(lines, cap * sizeof *lines);
		}
		lines[n++] = xstrndup(p, k);
		p += k;
		if (*p)
			p++;
	}
	lines[n] = NULL;
	free(w);
	return lines;
}

void ui_lines_free(char **lines)
{
	for (char **l = lines; l && *l; l++)
		free(*l);
	free(lines);
}

void ui_reload_status(struct ui *u)
{
	for (size_t i = 0; i < u->cat->n; i++)
		u->st[i] = u->store ? store_status(u->store, u->user, u->cat->ex[i].id) : STATUS_NEW;
}

void ui_show_text(struct ui *u, char *title, char *text)
{
	free(u->text);
	free(u->text_title);
	u->text = text;
	u->text_title = title;
	u->top = 0;
	u->back = u->screen;
	u->screen = SCR_TEXT;
}

/* ---- the workspace file and its watch ---- */

static void watch_stop(struct ui *u)
{
	if (u->watch_fd >= 0)
		close(u->watch_fd);
	u->watch_fd = -1;
	u->watch_wd = -1;
}

/* Watches the folder: editors often save by writing a new file and renaming it. */
static void watch_start(struct ui *u)
{
	watch_stop(u);
	u->watch_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (u->watch_fd < 0)
		return;
	char *dir = xstrdup(u->file);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	u->watch_wd = inotify_add_watch(u->watch_fd, dir, IN_CLOSE_WRITE | IN_MOVED_TO);
	free(dir);
	if (u->watch_wd < 0)
		watch_stop(u);
}

/* True when an event of the watch concerns the workspace file. */
static int watch_read(struct ui *u)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	const char *base = strrchr(u->file, '/');
	base = base ? base + 1 : u->file;
	int hit = 0;
	for (;;) {
		ssize_t n = read(u->watch_fd, buf, sizeof buf);
		if (n <= 0)
			break;
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)(void *)p;
			if (ev->len && !strcmp(ev->name, base))
				hit = 1;
			p += sizeof *ev + ev->len;
		}
	}
	return hit;
}


/* A gap without any key or save longer than this is idle time. */
#define IDLE_MAX_MS (2 * 60 * 1000)

void ui_activity(struct ui *u)
{
	if (!u->ex || !u->last_activity)
		return;
	long now = now_ms(), gap = now - u->last_activity;
	u->active_ms += gap < IDLE_MAX_MS ? gap : IDLE_MAX_MS;
	u->last_activity = now;
}

void ui_leave_exercise(struct ui *u)
{
	if (!u->ex || !u->last_activity)
		return;
	ui_activity(u);
	char *err = NULL;
	if (u->active_ms > 0 &&
	    store_add_session(u->store, u->user, u->ex->id, u->open_ms, u->active_ms, &err) < 0) {
		ui_say(u, err);
		free(err);
	}
	u->last_activity = 0;
	u->active_ms = 0;
}

void ui_open_exercise(struct ui *u, int i)
{
	ui_leave_exercise(u);
	if (u->job_started) {
		job_free(&u->job);
		u->job_started = 0;
		sandbox_sweep();
	}
	u->sel = i;
	u->ex = &u->cat->ex[i];
	free(u->file);
	u->file = workspace_path(u->workspace, u->ex);
	u->top = 0;
	u->show_results = 0;
	u->check_sel = 0;
	u->pending = 0;
	u->hints_seen = u->store ? store_hints_seen(u->store, u->user, u->ex->id) : 0;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	u->open_ms = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	u->active_ms = 0;
	u->last_activity = now_ms();
	if (workspace_ensure(u->workspace, u->ex, u->file) < 0) {
		char *msg = catalog_format(ui_t(u, "ui.no_workspace"), (const char *[]){ u->file }, 1);
		ui_say(u, msg);
		free(msg);
	}
	if (u->ex->kind == KIND_QUIZ) {
		u->q = 0;
		u->q_cursor = 0;
		u->q_done = 0;
		memset(u->q_ans, 0, sizeof u->q_ans);
		watch_stop(u);
		u->screen = SCR_QUIZ;
	} else {
		watch_start(u);
		u->screen = SCR_EXERCISE;
	}
}

void ui_start_check(struct ui *u)
{
	if (u->job_started && !u->job.done) {
		u->pending = 1;
		return;
	}
	if (u->job_started)
		job_free(&u->job);
	const char *opts[] = { "--db", u->db_path, "--user", u->user, "--lang", lang_code(u->lang),
			       "--workspace", u->workspace, NULL };
	u->job_started = 0;
	if (job_start(&u->job, u->exe, opts, u->ex->id, u->file) < 0) {
		ui_say(u, strerror(errno));
		return;
	}
	u->job_started = 1;
	u->pending = 0;
	u->show_results = 1;
	u->top = 0;
	u->check_sel = 0;
	ui_say(u, NULL);
}

/* The job ended: statuses may have changed. */
static void job_finished(struct ui *u)
{
	ui_reload_status(u);
	/* The cursor goes to the first failed check: its timeline is the one wanted. */
	const struct jval *checks = jval_get(&u->job.result, "checks");
	for (size_t i = 0; u->job.parsed_ok && checks && i < checks->len; i++)
		if (!jval_bool(&checks->items[i], "ok", 1)) {
			u->check_sel = (int)i;
			break;
		}
	if (!u->job.parsed_ok) {
		char *msg = xstrdup(u->job.error ? u->job.error : "?");
		msg[strcspn(msg, "\n")] = '\0';
		ui_say(u, msg);
		free(msg);
	} else if (u->ex && u->ex->kind == KIND_QUIZ) {
		ui_say(u, NULL);
	}
	if (u->pending)
		ui_start_check(u);
}

void ui_edit(struct ui *u)
{
	const char *ed = getenv("VISUAL");
	if (!ed || !*ed)
		ed = getenv("EDITOR");
	if (!ed || !*ed)
		ed = access("/usr/bin/editor", X_OK) == 0 ? "/usr/bin/editor" : "vi";
	def_prog_mode();
	endwin();
	pid_t pid = fork();
	if (pid == 0) {
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		/* Through the shell: EDITOR may hold arguments ("code -w"). */
		setenv("PRISE_EDITOR", ed, 1);
		execl("/bin/sh", "sh", "-c", "exec $PRISE_EDITOR \"$1\"", "sh", u->file, (char *)NULL);
		_exit(127);
	}
	int st = 0;
	if (pid > 0) {
		/* The editor owns the terminal: ignore our own Ctrl-C meanwhile. */
		void (*old)(int) = signal(SIGINT, SIG_IGN);
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		signal(SIGINT, old);
	}
	reset_prog_mode();
	clearok(curscr, TRUE);
	refresh();
	if (pid < 0 || !WIFEXITED(st) || WEXITSTATUS(st) == 127) {
		char *msg = catalog_format(ui_t(u, "ui.editor_failed"), (const char *[]){ ed }, 1);
		ui_say(u, msg);
		free(msg);
	}
}

static void draw(struct ui *u)
{
	getmaxyx(stdscr, u->rows, u->cols);
	erase();
	if (u->rows < 10 || u->cols < 40) {
		ui_put(0, 0, u->cols, ST_WARN, ui_t(u, "ui.too_small"), 0);
	} else {
		screens[u->screen]->draw(u);
	}
	refresh();
}

static void init_colors(void)
{
	use_color = has_colors() && !getenv("NO_COLOR");
	if (!use_color)
		return;
	start_color();
	use_default_colors();
	for (int i = 0; i < ST_COUNT; i++)
		if (styles[i].fg >= 0)
			init_pair((short)i, styles[i].fg, -1);
}

int ui_main(const struct ui_opts *o)
{
	struct ui u;
	memset(&u, 0, sizeof u);
	u.cat = o->cat;
	u.lang = o->lang;
	u.db_path = o->db_path;
	u.user = o->user;
	u.workspace = o->workspace;
	u.watch_fd = u.watch_wd = -1;
	ssize_t n = readlink("/proc/self/exe", u.exe, sizeof u.exe - 1);
	if (n <= 0) {
		fprintf(stderr, "prise: cannot find its own binary\n");
		return 3;
	}
	u.exe[n] = '\0';
	char *err = NULL;
	u.store = store_open(u.db_path, &err);
	if (!u.store) {
		fprintf(stderr, "prise: %s\n", err);
		free(err);
		return 3;
	}
	u.st = xcalloc(u.cat->n ? u.cat->n : 1, sizeof *u.st);
	ui_reload_status(&u);
	/* The resume point: the first exercise not passed. */
	for (size_t i = 0; i < u.cat->n; i++)
		if (u.st[i] != STATUS_PASSED) {
			u.sel = (int)i;
			break;
		}
	/* Orphans of a killed check come back to us, to be swept. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	/*
	 * Our own SIGWINCH handler, installed before initscr() so that curses
	 * leaves it to us: the loop polls the pipe and resizes, whatever the
	 * way a signal interrupts poll() in this build.
	 */
	if (pipe2(winch_pipe, O_CLOEXEC | O_NONBLOCK) == 0) {
		sa.sa_handler = on_winch;
		sa.sa_flags = SA_RESTART;
		sigaction(SIGWINCH, &sa, NULL);
		sa.sa_flags = 0;
	}
	sa.sa_handler = on_crash;
	const int crash[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };
	for (size_t i = 0; i < sizeof crash / sizeof crash[0]; i++)
		sigaction(crash[i], &sa, NULL);
	the_ui = &u;

	initscr();
	cbreak();
	noecho();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	init_colors();
	u.screen = SCR_HOME;
	int dirty = 1;
	while (!stop_flag) {
		if (dirty) {
			draw(&u);
			dirty = 0;
		}
		struct pollfd pf[7];
		int np = 0;
		pf[np++] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
		int winch_i = -1;
		if (winch_pipe[0] >= 0) {
			winch_i = np;
			pf[np++] = (struct pollfd){ .fd = winch_pipe[0], .events = POLLIN };
		}
		int jfds[3];
		int nj = u.job_started && !u.job.done ? job_fds(&u.job, jfds) : 0;
		int job_i = np;
		for (int i = 0; i < nj; i++)
			pf[np++] = (struct pollfd){ .fd = jfds[i], .events = POLLIN };
		int watch_i = -1;
		if (u.watch_fd >= 0 && (u.screen == SCR_EXERCISE || u.screen == SCR_TIMELINE)) {
			watch_i = np;
			pf[np++] = (struct pollfd){ .fd = u.watch_fd, .events = POLLIN };
		}
		int r = poll(pf, (nfds_t)np, -1);
		if (r < 0 && errno != EINTR)
			break;
		if (winch_i >= 0 && r > 0 && pf[winch_i].revents) {
			apply_resize();
			dirty = 1;
		}
		if (nj && r > 0) {
			int any = 0;
			for (int i = job_i; i < job_i + nj; i++)
				any |= pf[i].revents != 0;
			if (any) {
				job_read(&u.job);
				if (u.job.done)
					job_finished(&u);
				dirty = 1;
			}
		}
		if (watch_i >= 0 && r > 0 && pf[watch_i].revents && watch_read(&u) &&
		    u.screen == SCR_EXERCISE) {
			ui_activity(&u);
			ui_say(&u, ui_t(&u, "ui.saved"));
			ui_start_check(&u);
			dirty = 1;
		}
		int ch;
		while ((ch = getch()) != ERR) {
			if (ch == KEY_RESIZE) {
				dirty = 1;
				continue;
			}
			if (u.status && ch != KEY_MOUSE) {
				ui_say(&u, NULL);
				dirty = 1;
			}
			if (u.screen != SCR_HOME)
				ui_activity(&u);
			enum ui_screen before = u.screen;
			int res = screens[u.screen]->key(&u, ch);
			if (before != SCR_HOME && u.screen == SCR_HOME)
				ui_leave_exercise(&u);
			if (res == UI_QUIT)
				stop_flag = 1;
			if (res != UI_IGNORED)
				dirty = 1;
		}
	}
	endwin();
	the_ui = NULL;
	if (u.screen != SCR_HOME)
		ui_leave_exercise(&u);
	if (u.job_started)
		job_free(&u.job);
	sandbox_sweep();
	watch_stop(&u);
	store_close(u.store);
	free(u.st);
	free(u.file);
	free(u.status);
	free(u.text);
	free(u.text_title);
	return 0;
}
