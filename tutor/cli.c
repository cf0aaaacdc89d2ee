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
#include "policy.h"
#include "report.h"
#include "run.h"
#include "sandbox.h"
#include "store.h"
#include "text.h"
#include "ui.h"
#include "workspace.h"
#include "util.h"

enum { EXIT_PASS = 0, EXIT_FAILED = 1, EXIT_USAGE = 2, EXIT_INTERNAL = 3 };

struct cli {
	struct catalog cat;
	enum lang lang;
	char *db_path;
	char *user;
	char *workspace;
	int json, csv;
	int user_given;		/* --user on the command line (a report filter) */
	char *exercise_opt, *since_opt;	/* report filters */
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
	return workspace_path(c->workspace, ex);
}

/* Copies the starter into the workspace the first time.  0 or -1. */
static int ensure_workspace(struct cli *c, const struct exercise *ex, char **path)
{
	*path = workspace_file(c, ex);
	return workspace_ensure(c->workspace, ex, *path);
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
	/* A program that ends before reading its input must not kill the grader. */
	signal(SIGPIPE, SIG_IGN);
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
	char *backup;
	if (workspace_backup(path, &backup) < 0) {
		fprintf(stderr, "prise: %s: %s\n", path, strerror(errno));
		free(path);
		return EXIT_INTERNAL;
	}
	if (backup) {
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
	const char *why;
	int more;
	if (!policy_allows(s, c->user, ex->id, &why, &more)) {
		char n[16];
		snprintf(n, sizeof n, "%d", more);
		char *msg = catalog_format(T(c, why), (const char *[]){ n }, 1);
		fprintf(stderr, "prise: %s\n", msg);
		free(msg);
		store_close(s);
		return EXIT_FAILED;
	}
	char *path = catalog_solution_path(&c->cat, ex);
	char *text = path ? file_read(path, NULL) : NULL;
	free(path);
	if (!text) {
		fprintf(stderr, "prise: %s: no model solution\n", ex->id);
		store_close(s);
		return EXIT_INTERNAL;
	}
	char *err;
	if (store_add_solution_view(s, c->user, ex->id, &err) < 0) {
		fprintf(stderr, "prise: %s: %s\n", c->db_path, err);
		free(err);
	}
	store_close(s);
	fputs(text, stdout);
	free(text);
	return EXIT_PASS;
}

/* "2026-11-30" or "2026-11-30T14:00" (local time) into Unix milliseconds. */
static int parse_since(const char *s, long long *ms)
{
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	const char *end = strptime(s, "%Y-%m-%d", &tm);
	if (end && (*end == 'T' || *end == ' '))
		end = strptime(end + 1, "%H:%M", &tm);
	if (!end || *end)
		return -1;
	tm.tm_isdst = -1;
	time_t t = mktime(&tm);
	if (t == (time_t)-1)
		return -1;
	*ms = (long long)t * 1000;
	return 0;
}

static int cmd_report(struct cli *c)
{
	if (c->argc != 0 || (c->json && c->csv))
		return usage_error("report [--csv|--json] [--user U] [--exercise EX] [--since YYYY-MM-DD]");
	struct store_filter f = { c->user_given ? c->user : NULL, c->exercise_opt, 0 };
	if (c->since_opt && parse_since(c->since_opt, &f.since_ms) < 0) {
		fprintf(stderr, "prise: --since takes a date, YYYY-MM-DD or YYYY-MM-DDTHH:MM, not \"%s\"\n",
			c->since_opt);
		return EXIT_USAGE;
	}
	if (f.exercise && !find_exercise(c, f.exercise))
		return EXIT_USAGE;
	struct store *s = open_store(c);
	if (!s)
		return EXIT_INTERNAL;
	enum report_format fmt = c->json ? REPORT_JSON : c->csv ? REPORT_CSV : REPORT_TABLE;
	int color = fmt == REPORT_TABLE && isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
	char *err = NULL;
	int r = f.user && f.exercise ?
		report_history(stdout, s, &c->cat, c->lang, f.user, f.exercise, fmt, color, &err) :
		report_print(stdout, s, &c->cat, c->lang, &f, fmt, color, &err);
	store_close(s);
	if (r < 0) {
		fprintf(stderr, "prise: %s: %s\n", c->db_path, err);
		free(err);
		return EXIT_INTERNAL;
	}
	return EXIT_PASS;
}

static int cmd_export(struct cli *c)
{
	if (c->argc != 1)
		return usage_error("export FILE");
	struct store *s = open_store(c);
	if (!s)
		return EXIT_INTERNAL;
	struct json j = { 0 };
	char *err = NULL;
	int r = store_export(s, c->user, &j, &err);
	store_close(s);
	if (r < 0) {
		fprintf(stderr, "prise: %s: %s\n", c->db_path, err);
		free(err);
		sbuf_free(&j.out);
		return EXIT_INTERNAL;
	}
	sbuf_adds(&j.out, "\n");
	/* Written beside, then renamed: a full disk leaves no half file. */
	const char *path = c->argv[0];
	char *tmp = xasprintf("%s.tmp%ld", path, (long)getpid());
	int code = EXIT_PASS;
	if (file_write(tmp, j.out.buf, j.out.len, 0600) < 0 || rename(tmp, path) < 0) {
		fprintf(stderr, "prise: %s: %s\n", path, strerror(errno));
		unlink(tmp);
		code = EXIT_INTERNAL;
	}
	free(tmp);
	sbuf_free(&j.out);
	return code;
}

static int cmd_import(struct cli *c)
{
	if (c->argc < 1)
		return usage_error("import FILE...");
	struct store *s = open_store(c);
	if (!s)
		return EXIT_INTERNAL;
	int code = EXIT_PASS, total = 0;
	for (int i = 0; i < c->argc; i++) {
		const char *path = c->argv[i];
		size_t len;
		char *text = file_read(path, &len);
		if (!text) {
			fprintf(stderr, "prise: %s: %s (not imported)\n", path, strerror(errno));
			code = EXIT_FAILED;
			continue;
		}
		struct jval doc;
		char *err = NULL;
		int added = 0;
		if (json_parse(text, len, &doc, &err) < 0) {
			fprintf(stderr, "prise: %s: not a prise export file: %s (not imported)\n", path, err);
			code = EXIT_FAILED;
		} else {
			if (store_import(s, &doc, &added, &err) < 0) {
				fprintf(stderr, "prise: %s: %s (nothing imported from it)\n", path, err);
				code = EXIT_FAILED;
			}
			jval_free(&doc);
		}
		total += added;
		free(err);
		free(text);
	}
	store_close(s);
	char n[16];
	snprintf(n, sizeof n, "%d", total);
	char *msg = catalog_format(T(c, "cli.imported"), (const char *[]){ n }, 1);
	printf("%s\n", msg);
	free(msg);
	return code;
}

static int cmd_policy(struct cli *c)
{
	if (c->argc != 0 && (c->argc != 2 || strcmp(c->argv[0], "solution"))) {
		fprintf(stderr, "%s\n", T(c, "policy.usage"));
		return EXIT_USAGE;
	}
	char value[32];
	if (c->argc == 2 && policy_parse(c->argv[1], value, sizeof value) < 0) {
		fprintf(stderr, "%s\n", T(c, "policy.usage"));
		return EXIT_USAGE;
	}
	struct store *s = open_store(c);
	if (!s)
		return EXIT_INTERNAL;
	char *err = NULL;
	if (c->argc == 2 && store_set_setting(s, "solution_policy", value, &err) < 0) {
		fprintf(stderr, "prise: %s: %s\n", c->db_path, err);
		free(err);
		store_close(s);
		return EXIT_INTERNAL;
	}
	char *cur = store_setting(s, "solution_policy");
	store_close(s);
	char *msg = catalog_format(T(c, "policy.set"), (const char *[]){ cur ? cur : "after-pass" }, 1);
	printf("%s\n", msg);
	free(msg);
	free(cur);
	return EXIT_PASS;
}

static const struct command commands[] = {
	{ "list", "list [--json]", cmd_list },
	{ "show", "show EX", cmd_show },
	{ "check", "check EX [FILE] [--json]", cmd_check },
	{ "hint", "hint EX", cmd_hint },
	{ "reset", "reset EX", cmd_reset },
	{ "solution", "solution EX", cmd_solution },
	{ "report", "report [--csv|--json] [--user U] [--exercise EX] [--since YYYY-MM-DD]", cmd_report },
	{ "export", "export FILE", cmd_export },
	{ "import", "import FILE...", cmd_import },
	{ "policy", "policy [solution after-pass|after-fails:N|always|never]", cmd_policy },
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
				if (k == 1)
					c->user_given = 1;
			}
		}
		if (matched)
			continue;
		if (!strcmp(a, "--json"))
			c->json = 1;
		else if (!strcmp(a, "--csv"))
			c->csv = 1;
		else if ((!strcmp(a, "--exercise") || !strcmp(a, "--since")) && i + 1 < argc) {
			char **dst = a[2] == 'e' ? &c->exercise_opt : &c->since_opt;
			free(*dst);
			*dst = xstrdup(argv[++i]);
		}
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
	free(c.exercise_opt);
	free(c.since_opt);
	free(c.argv);
	return code;
}
