/*
 * The command line (SPEC §2).  Commands are a table: each entry names the
 * command, its usage and the function that runs it.  Only this file and the
 * screens print and choose exit codes; the modules below return statuses.
 */
#define _GNU_SOURCE
#include "cli.h"

#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "catalog.h"
#include "grader.h"
#include "json.h"
#include "run.h"
#include "sandbox.h"
#include "store.h"
#include "text.h"
#include "ui.h"
#include "util.h"

enum { EXIT_PASS = 0, EXIT_FAILED = 1, EXIT_USAGE = 2, EXIT_INTERNAL = 3 };

struct cli {
	struct catalog cat;
	enum lang lang;
	char *db_path;
	char *user;
	char *workspace;
	int json;
	int progress_fd;	/* --progress-fd N, else -1 */
	int argc;		/* the command's own arguments, options removed */
	char **argv;
};

struct command {
	const char *name;
	const char *usage;
	int (*run)(struct cli *c);
};

static const char *T(struct cli *c, const char *key)
{
	return catalog_text(&c->cat, NULL, c->lang, key);
}

static const char *X(struct cli *c, const struct exercise *ex, const char *key)
{
	return catalog_text(&c->cat, ex, c->lang, key);
}

static int usage_error(const char *usage)
{
	fprintf(stderr, "usage: prise %s\n", usage);
	return EXIT_USAGE;
}

static const struct exercise *find_exercise(struct cli *c, const char *id)
{
	const struct exercise *ex = catalog_find(&c->cat, id);
	if (!ex) {
		char *msg = catalog_format(T(c, "cli.unknown"), (const char *[]){ id }, 1);
		fprintf(stderr, "prise: %s\n", msg);
		free(msg);
	}
	return ex;
}

static struct store *open_store(struct cli *c)
{
	char *err;
	struct store *s = store_open(c->db_path, &err);
	if (!s) {
		fprintf(stderr, "prise: %s\n", err);
		free(err);
	}
	return s;
}

static char *workspace_file(struct cli *c, const struct exercise *ex)
{
	return xasprintf("%s/%s/%s", c->workspace, ex->id, ex->file);
}

/* Copies the starter into the workspace the first time.  0 or -1. */
static int ensure_workspace(struct cli *c, const struct exercise *ex, char **path)
{
	*path = workspace_file(c, ex);
	if (file_exists(*path))
		return 0;
	char *dir = xasprintf("%s/%s", c->workspace, ex->id);
	char *starter = xasprintf("%s/%s", ex->dir, ex->file);
	size_t len;
	char *text = file_read(starter, &len);
	int ret = -1;
	if (text && mkdir_p(dir, 0755) == 0 && file_write(*path, text, len, 0644) == 0)
		ret = 0;
	free(text);
	free(starter);
	free(dir);
	return ret;
}

static int cmd_list(struct cli *c)
{
	if (c->argc > 0)
		return usage_error("list [--json]");
	struct store *s = open_store(c);
	if (!s)
		return EXIT_INTERNAL;
	if (c->json) {
		struct json j = { 0 };
		json_arr_begin(&j);
		for (size_t i = 0; i < c->cat.n; i++) {
			const struct exercise *ex = &c->cat.ex[i];
			json_obj_begin(&j);
			json_kstr(&j, "id", ex->id);
			json_kint(&j, "chapter", ex->chapter);
			json_kstr(&j, "title", X(c, ex, "title"));
			json_kstr(&j, "kind", catalog_kind_name(ex->kind));
			json_kstr(&j, "status", store_status_name(store_status(s, c->user, ex->id)));
			json_kstr(&j, "slide", X(c, ex, "slide"));
			json_obj_end(&j);
		}
		json_arr_end(&j);
		printf("%s\n", j.out.buf);
		sbuf_free(&j.out);
	} else {
		int chapter = -1;
		for (size_t i = 0; i < c->cat.n; i++) {
			const struct exercise *ex = &c->cat.ex[i];
			if (ex->chapter != chapter) {
				chapter = ex->chapter;
				char *key = xasprintf("chapter.%d", chapter);
				printf("%s%s\n", i ? "\n" : "", T(c, key));
				free(key);
			}
			enum ex_status st = store_status(s, c->user, ex->id);
			char *key = xasprintf("status.%s", store_status_name(st));
			printf("  %-12s %-22s %s\n", T(c, key), ex->id, X(c, ex, "title"));
			free(key);
		}
	}
	store_close(s);
	return EXIT_PASS;
}

static int cmd_show(struct cli *c)
{
	if (c->argc != 1)
		return usage_error("show EX");
	const struct exercise *ex = find_exercise(c, c->argv[0]);
	if (!ex)
		return EXIT_USAGE;
	char *text = catalog_read_lang(ex, "statement", c->lang);
	printf("%s — %s\n\n%s", ex->id, X(c, ex, "title"), text ? text : "");
	if (text && *text && text[strlen(text) - 1] != '\n')
		putchar('\n');
	free(text);
	printf("\n%s\n", X(c, ex, "slide"));
	if (ex->kind == KIND_QUIZ) {
		const struct quiz *qz = &ex->quiz[c->lang];
		for (size_t i = 0; i < qz->n; i++) {
			const struct quiz_question *q = &qz->q[i];
			printf("\n%zu. %s\n", i + 1, q->text);
			for (int k = 0; k < q->nchoices; k++)
				printf("   %c) %s\n", 'a' + k, q->choices[k]);
		}
	}
	{
		char *path;
		if (ensure_workspace(c, ex, &path) == 0) {
			char *msg = catalog_format(T(c, "cli.workspace"), (const char *[]){ path }, 1);
			printf("\n%s\n", msg);
			free(msg);
		}
		free(path);
	}
	return EXIT_PASS;
}

static void print_grade_text(struct cli *c, const struct grade *g)
{
	printf("%s — %s\n", g->ex->id, X(c, g->ex, "title"));
	if (!g->compile.ok) {
		printf("\n%s\n\n%s\n", T(c, "cli.compile_failed"), g->compile_text);
	} else if (g->compile_text && *g->compile_text) {
		printf("\n%s\n%s\n", T(c, "cli.compile_warnings"), g->compile_text);
	}
	for (size_t i = 0; i < g->nchecks; i++) {
		const struct check_result *r = &g->checks[i];
		printf("%s %s%s%s\n", r->ok ? "  ok  " : "  FAIL", r->title,
		       r->required ? "" : " ", r->required ? "" : T(c, "cli.bonus"));
		if (r->message && *r->message && i > 0 && !g->checks[i - 1].ok &&
		    !strcmp(r->message, g->checks[i - 1].message)) {
			printf("         %s\n", T(c, "cli.same_reason"));
		} else if (r->message && *r->message) {
			char *w = text_wrap(r->message, text_term_width(), "         ");
			fputs(w, stdout);
			free(w);
		}
	}
	size_t ok = 0, req = 0;
	for (size_t i = 0; i < g->nchecks; i++)
		if (g->checks[i].required) {
			req++;
			ok += (size_t)g->checks[i].ok;
		}
	char a[32], b[32];
	snprintf(a, sizeof a, "%zu", ok);
	snprintf(b, sizeof b, "%zu", req);
	char *msg = catalog_format(T(c, g->pass ? "cli.pass" : "cli.fail"),
				   (const char *[]){ a, b }, 2);
	printf("\n%s\n", msg);
	free(msg);
}

/* A check stopped by Ctrl-C or kill takes the learner's programs with it. */
static void on_stop_signal(int sig)
{
	run_kill_all();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* With --progress-fd N, each check's start and end as a line on fd N. */
static void progress_line(void *arg, size_t index, const struct check_result *r, int done)
{
	int fd = *(const int *)arg;
	char line[64];
	int n = done ? snprintf(line, sizeof line, "end %zu %d\n", index, r->ok)
		     : snprintf(line, sizeof line, "start %zu\n", index);
	if (write(fd, line, (size_t)n) < 0) {
		/* The reader went away: the verdict still goes to stdout. */
	}
}

static int cmd_check(struct cli *c)
{
	if (c->argc < 1 || c->argc > 2)
		return usage_error("check EX [FILE] [--json]");
	const struct exercise *ex = find_exercise(c, c->argv[0]);
	if (!ex)
		return EXIT_USAGE;
	char *file = c->argc == 2 ? xstrdup(c->argv[1]) : workspace_file(c, ex);
	/* Open the store first: a broken database is said before any work. */
	struct store *s = open_store(c);
	if (!s) {
		free(file);
		return EXIT_INTERNAL;
	}
	int isolated = sandbox_enter();
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	const int stops[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	for (size_t i = 0; i < sizeof stops / sizeof stops[0]; i++)
		sigaction(stops[i], &sa, NULL);
	struct grade g;
	char *err = NULL;
	enum grader_status st = grader_run(&c->cat, ex, file, c->lang, isolated,
					   c->progress_fd >= 0 ? progress_line : NULL,
					   &c->progress_fd, &g, &err);
	int code;
	if (st != GRADER_OK) {
		fprintf(stderr, "prise: %s\n", err);
		code = st == GRADER_BAD_FILE ? EXIT_USAGE : EXIT_INTERNAL;
	} else {
		if (c->json) {
			struct json j = { 0 };
			grade_json(&g, &j);
			printf("%s\n", j.out.buf);
			sbuf_free(&j.out);
		} else {
			print_grade_text(c, &g);
		}
		code = g.pass ? EXIT_PASS : EXIT_FAILED;
		char *serr;
		if (store_add_attempt(s, c->user, &g, &serr) < 0) {
			fprintf(stderr, "prise: %s: %s\n", c->db_path, serr);
			free(serr);
			code = EXIT_INTERNAL;
		}
	}
	free(err);
	grade_free(&g);
	store_close(s);
	free(file);
	return code;
}

static int cmd_hint(struct cli *c)
{
	if (c->argc != 1)
		return usage_error("hint EX");
	const struct exercise *ex = find_exercise(c, c->argv[0]);
	if (!ex)
		return EXIT_USAGE;
	struct store *s = open_store(c);
	if (!s)
		return EXIT_INTERNAL;
	int n;
	char **hints = catalog_hints(ex, c->lang, &n);
	int seen = store_hints_seen(s, c->user, ex->id);
	int code = EXIT_PASS;
	if (seen >= n) {
		printf("%s\n", T(c, "cli.no_more_hints"));
		for (int i = 0; i < n; i++)
			printf("\n[%d/%d]\n%s", i + 1, n, hints[i]);
	} else {
		char *err;
		if (store_add_hint(s, c->user, ex->id, seen, &err) < 0) {
			fprintf(stderr, "prise: %s\n", err);
			free(err);
			code = EXIT_INTERNAL;
		} else {
			printf("[%d/%d]\n%s", seen + 1, n, hints[seen]);
		}
	}
	for (int i = 0; i < n; i++)
		free(hints[i]);
	free(hints);
	store_close(s);
	return code;
}

static int cmd_reset(struct cli *c)
{
	if (c->argc != 1)
		return usage_error("reset EX");
	const struct exercise *ex = find_exercise(c, c->argv[0]);
	if (!ex)
		return EXIT_USAGE;
	char *path = workspace_file(c, ex);
	if (file_exists(path)) {
		/* Never overwrite an older backup, even two resets in one second. */
		char *backup = xasprintf("%s.%ld.bak", path, (long)time(NULL));
		for (int n = 1; file_exists(backup); n++) {
			free(backup);
			backup = xasprintf("%s.%ld-%d.bak", path, (long)time(NULL), n);
		}
		if (rename(path, backup) < 0) {
			fprintf(stderr, "prise: %s: %s\n", path, strerror(errno));
			free(backup);
			free(path);
			return EXIT_INTERNAL;
		}
		char *msg = catalog_format(T(c, "cli.backup"), (const char *[]){ backup }, 1);
		printf("%s\n", msg);
		free(msg);
		free(backup);
	}
	free(path);
	if (ensure_workspace(c, ex, &path) < 0) {
		fprintf(stderr, "prise: %s: %s\n", path, strerror(errno));
		free(path);
		return EXIT_INTERNAL;
	}
	char *msg = catalog_format(T(c, "cli.workspace"), (const char *[]){ path }, 1);
	printf("%s\n", msg);
	free(msg);
	free(path);
	return EXIT_PASS;
}

static int cmd_solution(struct cli *c)
{
	if (c->argc != 1)
		return usage_error("solution EX");
	const struct exercise *ex = find_exercise(c, c->argv[0]);
	if (!ex)
		return EXIT_USAGE;
	struct store *s = open_store(c);
	if (!s)
		return EXIT_INTERNAL;
	enum ex_status st = store_status(s, c->user, ex->id);
	store_close(s);
	if (st != STATUS_PASSED) {
		fprintf(stderr, "prise: %s\n", T(c, "cli.solution_locked"));
		return EXIT_FAILED;
	}
	char *path = catalog_solution_path(&c->cat, ex);
	char *text = path ? file_read(path, NULL) : NULL;
	free(path);
	if (!text) {
		fprintf(stderr, "prise: %s: no model solution\n", ex->id);
		return EXIT_INTERNAL;
	}
	fputs(text, stdout);
	free(text);
	return EXIT_PASS;
}

static const struct command commands[] = {
	{ "list", "list [--json]", cmd_list },
	{ "show", "show EX", cmd_show },
	{ "check", "check EX [FILE] [--json]", cmd_check },
	{ "hint", "hint EX", cmd_hint },
	{ "reset", "reset EX", cmd_reset },
	{ "solution", "solution EX", cmd_solution },
};

static void print_usage(FILE *f)
{
	fputs("usage: prise [--db PATH] [--user NAME] [--lang fr|en] [--workspace DIR] [COMMAND]\n"
	      "commands:\n", f);
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(f, "  prise %s\n", commands[i].usage);
}

static char *default_user(void)
{
	const char *u = getenv("PRISE_USER");
	if (u && *u)
		return xstrdup(u);
	struct passwd *pw = getpwuid(getuid());
	if (pw && pw->pw_name)
		return xstrdup(pw->pw_name);
	u = getenv("USER");
	return xstrdup(u && *u ? u : "student");
}

static char *default_workspace(void)
{
	const char *w = getenv("PRISE_WORKSPACE");
	if (w && *w)
		return xstrdup(w);
	const char *home = getenv("HOME");
	return xasprintf("%s/prise", home && *home ? home : ".");
}

/* Takes the global options out of argv, wherever they are. */
static int parse_options(struct cli *c, int argc, char **argv)
{
	c->argv = xcalloc((size_t)argc + 1, sizeof *c->argv);
	c->argc = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *opts[] = { "--db", "--user", "--lang", "--workspace" };
		char **dest[] = { &c->db_path, &c->user, NULL, &c->workspace };
		int matched = 0;
		for (int k = 0; k < 4 && !matched; k++) {
			size_t n = strlen(opts[k]);
			const char *val = NULL;
			if (!strcmp(a, opts[k])) {
				if (i + 1 >= argc) {
					fprintf(stderr, "prise: %s needs a value\n", opts[k]);
					return -1;
				}
				val = argv[++i];
			} else if (!strncmp(a, opts[k], n) && a[n] == '=') {
				val = a + n + 1;
			} else {
				continue;
			}
			matched = 1;
			if (k == 2) {
				if (lang_parse(val, &c->lang) < 0) {
					fprintf(stderr, "prise: --lang takes fr or en, not \"%s\"\n", val);
					return -1;
				}
			} else {
				free(*dest[k]);
				*dest[k] = xstrdup(val);
			}
		}
		if (matched)
			continue;
		if (!strcmp(a, "--json"))
			c->json = 1;
		else if (!strcmp(a, "--progress-fd") && i + 1 < argc)
			c->progress_fd = atoi(argv[++i]);
		else if (!strcmp(a, "--help") || !strcmp(a, "-h"))
			return 1;
		else if (a[0] == '-' && a[1] == '-') {
			fprintf(stderr, "prise: unknown option %s\n", a);
			return -1;
		} else
			c->argv[c->argc++] = argv[i];
	}
	return 0;
}

int cli_main(int argc, char **argv)
{
	struct cli c;
	memset(&c, 0, sizeof c);
	c.progress_fd = -1;
	c.lang = lang_from_env();
	int p = parse_options(&c, argc, argv);
	if (p != 0) {
		print_usage(p < 0 ? stderr : stdout);
		free(c.argv);
		return p < 0 ? EXIT_USAGE : EXIT_PASS;
	}
	if (!c.db_path) {
		const char *env = getenv("PRISE_DB");
		c.db_path = env && *env ? xstrdup(env) : store_default_path();
	}
	if (!c.user)
		c.user = default_user();
	if (!c.workspace)
		c.workspace = default_workspace();
	int code = EXIT_USAGE;
	if (catalog_load(&c.cat) < 0) {
		fprintf(stderr, "prise: cannot find the exercises (%s); set PRISE_DATA\n",
			strerror(errno));
		code = EXIT_INTERNAL;
		goto out;
	}
	for (size_t i = 0; i < c.cat.nerrors; i++)
		fprintf(stderr, "prise: %s (exercise skipped)\n", c.cat.errors[i]);
	if (c.argc == 0 && !c.json && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO)) {
		struct ui_opts uo = { &c.cat, c.lang, c.db_path, c.user, c.workspace };
		code = ui_main(&uo);
		goto out;
	}
	const char *name = c.argc ? c.argv[0] : "list";
	const struct command *cmd = NULL;
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (!strcmp(commands[i].name, name))
			cmd = &commands[i];
	if (!cmd) {
		fprintf(stderr, "prise: unknown command \"%s\"\n", name);
		print_usage(stderr);
		goto out;
	}
	if (c.argc) {
		c.argc--;
		c.argv++;
		code = cmd->run(&c);
		c.argv--;
	} else {
		code = cmd->run(&c);
	}
out:
	catalog_free(&c.cat);
	free(c.db_path);
	free(c.user);
	free(c.workspace);
	free(c.argv);
	return code;
}
