/*
 * The instructor's report (see report.h).  The table is a heatmap: one row
 * per learner, one column per exercise, and a total row that says which
 * exercise holds the class back.  Learners without a record of an exercise
 * show it as new.
 */
#define _GNU_SOURCE
#include "report.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json.h"
#include "text.h"
#include "util.h"

/* The columns: catalogue exercises (filtered), then ids only the records know. */
struct grid {
	const char **users;
	size_t nusers;
	const char **ex;
	size_t nex;
	struct report_row **cell;	/* nusers * nex, NULL = new */
};

static int find_str(const char *const *list, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(list[i], s))
			return (int)i;
	return -1;
}

static void grid_build(struct grid *g, const struct catalog *cat, const struct store_filter *f,
		       struct report_row *rows, size_t n)
{
	memset(g, 0, sizeof *g);
	g->ex = xcalloc(cat->n + n + 1, sizeof *g->ex);
	for (size_t i = 0; i < cat->n; i++)
		if (!f->exercise || !strcmp(f->exercise, cat->ex[i].id))
			g->ex[g->nex++] = cat->ex[i].id;
	g->users = xcalloc(n + 1, sizeof *g->users);
	int *ui = xcalloc(n + 1, sizeof *ui), *ei = xcalloc(n + 1, sizeof *ei);
	/* Rows come sorted by user: a new user is a change from the row before. */
	for (size_t i = 0; i < n; i++) {
		if (!g->nusers || strcmp(g->users[g->nusers - 1], rows[i].user))
			g->users[g->nusers++] = rows[i].user;
		ui[i] = (int)g->nusers - 1;
		int e = i && !strcmp(rows[i - 1].exercise, rows[i].exercise) ? ei[i - 1] :
			find_str(g->ex, g->nex, rows[i].exercise);
		if (e < 0) {
			e = (int)g->nex;
			g->ex[g->nex++] = rows[i].exercise;
		}
		ei[i] = e;
	}
	if (f->user && g->nusers == 0)
		g->users[g->nusers++] = f->user;
	g->cell = xcalloc(g->nusers * g->nex + 1, sizeof *g->cell);
	for (size_t i = 0; i < n; i++)
		g->cell[(size_t)ui[i] * g->nex + (size_t)ei[i]] = &rows[i];
	free(ui);
	free(ei);
}

static void grid_free(struct grid *g)
{
	free(g->users);
	free(g->ex);
	free(g->cell);
}

static void iso_time(char *buf, size_t size, long long ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	localtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%d %H:%M", &tm);
}

static const char *status_name(const struct report_row *r)
{
	return store_status_name(r ? r->status : STATUS_NEW);
}

static void print_json(FILE *out, const struct grid *g)
{
	struct json j = { 0 };
	json_arr_begin(&j);
	for (size_t u = 0; u < g->nusers; u++)
		for (size_t e = 0; e < g->nex; e++) {
			const struct report_row *r = g->cell[u * g->nex + e];
			json_obj_begin(&j);
			json_kstr(&j, "user", g->users[u]);
			json_kstr(&j, "exercise", g->ex[e]);
			json_kstr(&j, "status", status_name(r));
			json_kint(&j, "attempts", r ? r->attempts : 0);
			json_kint(&j, "hints", r ? r->hints : 0);
			json_key(&j, "first_pass");
			if (r && r->first_pass_ms) {
				char t[32];
				iso_time(t, sizeof t, r->first_pass_ms);
				json_str(&j, t);
			} else {
				json_null(&j);
			}
			json_kint(&j, "time_spent_s", r ? r->time_ms / 1000 : 0);
			json_key(&j, "last_failing_check");
			if (r && r->last_failing_check && r->status != STATUS_PASSED)
				json_str(&j, r->last_failing_check);
			else
				json_null(&j);
			json_kint(&j, "solution_views", r ? r->solution_views : 0);
			json_obj_end(&j);
		}
	json_arr_end(&j);
	fprintf(out, "%s\n", j.out.buf);
	sbuf_free(&j.out);
}

/* A CSV field: quoted when it holds a comma, a quote or a newline. */
static void csv_field(FILE *out, const char *s, int last)
{
	if (strpbrk(s, ",\"\n\r")) {
		fputc('"', out);
		for (const char *p = s; *p; p++) {
			if (*p == '"')
				fputc('"', out);
			fputc(*p, out);
		}
		fputc('"', out);
	} else {
		fputs(s, out);
	}
	fputc(last ? '\n' : ',', out);
}

static void print_csv(FILE *out, const struct grid *g)
{
	fputs("user,exercise,status,attempts,hints,first_pass,time_spent_s,last_failing_check,"
	      "solution_views\n", out);
	for (size_t u = 0; u < g->nusers; u++)
		for (size_t e = 0; e < g->nex; e++) {
			const struct report_row *r = g->cell[u * g->nex + e];
			char a[24], h[24], t[32] = "", s[24], v[24];
			snprintf(a, sizeof a, "%d", r ? r->attempts : 0);
			snprintf(h, sizeof h, "%d", r ? r->hints : 0);
			if (r && r->first_pass_ms)
				iso_time(t, sizeof t, r->first_pass_ms);
			snprintf(s, sizeof s, "%lld", r ? r->time_ms / 1000 : 0);
			snprintf(v, sizeof v, "%d", r ? r->solution_views : 0);
			csv_field(out, g->users[u], 0);
			csv_field(out, g->ex[e], 0);
			csv_field(out, status_name(r), 0);
			csv_field(out, a, 0);
			csv_field(out, h, 0);
			csv_field(out, t, 0);
			csv_field(out, s, 0);
			csv_field(out, r && r->last_failing_check && r->status != STATUS_PASSED ?
				  r->last_failing_check : "", 0);
			csv_field(out, v, 1);
		}
}

#define C_RESET "\033[0m"
#define C_GREEN "\033[32m"
#define C_YELLOW "\033[33m"
#define C_RED "\033[31;1m"
#define C_DIM "\033[2m"
#define C_BOLD "\033[1m"

/* "stuck": attempted, not passed, after this many attempts. */
#define STUCK_ATTEMPTS 3

static void print_table(FILE *out, const struct grid *g, const struct catalog *cat,
			enum lang lang, int color)
{
	const char *reset = color ? C_RESET : "";
	int uw = 8;
	for (size_t u = 0; u < g->nusers; u++) {
		int w = text_width(g->users[u], strlen(g->users[u]));
		if (w > uw)
			uw = w < 20 ? w : 20;
	}
	/* Column heads are numbers; the legend below names them. */
	fprintf(out, "%-*s", uw + 1, "");
	for (size_t e = 0; e < g->nex; e++)
		fprintf(out, "%3zu", e + 1);
	fprintf(out, "   %s\n", catalog_text(cat, NULL, lang, "report.passed_col"));
	int *passed = xcalloc(g->nex + 1, sizeof *passed);
	int *stuck = xcalloc(g->nex + 1, sizeof *stuck);
	int *tried = xcalloc(g->nex + 1, sizeof *tried);
	for (size_t u = 0; u < g->nusers; u++) {
		int w = text_width(g->users[u], strlen(g->users[u]));
		fprintf(out, "%s%*s ", g->users[u], uw - w > 0 ? uw - w : 0, "");
		int np = 0;
		for (size_t e = 0; e < g->nex; e++) {
			const struct report_row *r = g->cell[u * g->nex + e];
			if (!r || r->status == STATUS_NEW) {
				fprintf(out, "  %s·%s", color ? C_DIM : "", reset);
			} else if (r->status == STATUS_PASSED) {
				fprintf(out, "  %s✓%s", color ? C_GREEN : "", reset);
				passed[e]++;
				np++;
			} else {
				int s = r->attempts >= STUCK_ATTEMPTS;
				stuck[e] += s;
				fprintf(out, "%s%3d%s", color ? (s ? C_RED : C_YELLOW) : "",
					r->attempts > 99 ? 99 : r->attempts, reset);
			}
			if (r && r->status != STATUS_NEW)
				tried[e]++;
		}
		fprintf(out, "   %d/%zu\n", np, g->nex);
	}
	/* Totals: passed per exercise, and who is stuck. */
	fprintf(out, "%-*s", uw + 1, catalog_text(cat, NULL, lang, "report.passed_row"));
	for (size_t e = 0; e < g->nex; e++)
		fprintf(out, "%3d", passed[e]);
	fputc('\n', out);
	fprintf(out, "%-*s", uw + 1, catalog_text(cat, NULL, lang, "report.stuck_row"));
	size_t worst = 0;
	for (size_t e = 0; e < g->nex; e++) {
		fprintf(out, "%s%3d%s", color && stuck[e] ? C_RED : "", stuck[e], reset);
		if (stuck[e] > stuck[worst] ||
		    (stuck[e] == stuck[worst] && tried[e] - passed[e] > tried[worst] - passed[worst]))
			worst = e;
	}
	fputs("\n\n", out);
	for (size_t e = 0; e < g->nex; e++) {
		const struct exercise *ex = catalog_find(cat, g->ex[e]);
		fprintf(out, "%3zu %-22s %s\n", e + 1, g->ex[e],
			ex ? catalog_text(cat, ex, lang, "title") : "");
	}
	int blocked = g->nex ? tried[worst] - passed[worst] : 0;
	if (g->nex && blocked > 0) {
		char a[24], b[24];
		snprintf(a, sizeof a, "%d", blocked);
		snprintf(b, sizeof b, "%zu", g->nusers);
		char *msg = catalog_format(catalog_text(cat, NULL, lang, "report.blocks"),
					   (const char *[]){ g->ex[worst], a, b }, 3);
		fprintf(out, "\n%s%s%s\n", color ? C_BOLD : "", msg, reset);
		free(msg);
	}
	fprintf(out, "\n%s\n", catalog_text(cat, NULL, lang, "report.legend"));
	free(passed);
	free(stuck);
	free(tried);
}

int report_print(FILE *out, struct store *s, const struct catalog *cat, enum lang lang,
		 const struct store_filter *f, enum report_format fmt, int color, char **err)
{
	struct report_row *rows;
	size_t n;
	if (store_report(s, f, &rows, &n, err) < 0)
		return -1;
	struct grid g;
	grid_build(&g, cat, f, rows, n);
	if (fmt == REPORT_JSON)
		print_json(out, &g);
	else if (fmt == REPORT_CSV)
		print_csv(out, &g);
	else if (g.nusers == 0)
		fprintf(out, "%s\n", catalog_text(cat, NULL, lang, "report.empty"));
	else
		print_table(out, &g, cat, lang, color);
	grid_free(&g);
	store_report_free(rows, n);
	return 0;
}

/* Splits text into lines (pointers into a copy); caller frees both. */
static char **split_lines(const char *text, char **copy, size_t *n)
{
	*copy = xstrdup(text);
	size_t cap = 64;
	char **l = xcalloc(cap, sizeof *l);
	*n = 0;
	for (char *p = *copy; *p;) {
		if (*n == cap) {
			cap *= 2;
			l = xrealloc(l, cap * sizeof *l);
		}
		l[(*n)++] = p;
		char *nl = strchr(p, '\n');
		if (!nl)
			break;
		*nl = '\0';
		p = nl + 1;
	}
	return l;
}

char *report_diff(const char *a, const char *b)
{
	char *ca, *cb;
	size_t na, nb;
	char **la = split_lines(a, &ca, &na), **lb = split_lines(b, &cb, &nb);
	struct sbuf out = { 0 };
	/* Longest common subsequence of lines; sources are small. */
	if (na > 4000 || nb > 4000) {
		sbuf_adds(&out, "(too long to compare)\n");
	} else {
		size_t w = nb + 1;
		unsigned short *lcs = xcalloc((na + 1) * w, sizeof *lcs);
		for (size_t i = na; i-- > 0;)
			for (size_t j = nb; j-- > 0;)
				lcs[i * w + j] = !strcmp(la[i], lb[j]) ? lcs[(i + 1) * w + j + 1] + 1 :
						 lcs[(i + 1) * w + j] > lcs[i * w + j + 1] ?
						 lcs[(i + 1) * w + j] : lcs[i * w + j + 1];
		size_t i = 0, j = 0;
		while (i < na || j < nb) {
			if (i < na && j < nb && !strcmp(la[i], lb[j])) {
				i++, j++;
			} else if (j < nb && (i == na || lcs[i * w + j + 1] >= lcs[(i + 1) * w + j])) {
				sbuf_addf(&out, "+ %s\n", lb[j++]);
			} else {
				sbuf_addf(&out, "- %s\n", la[i++]);
			}
		}
		free(lcs);
	}
	free(la);
	free(lb);
	free(ca);
	free(cb);
	return out.len ? sbuf_take(&out) : xstrdup("");
}

int report_history(FILE *out, struct store *s, const struct catalog *cat, enum lang lang,
		   const char *user, const char *exercise, enum report_format fmt, int color,
		   char **err)
{
	struct history_row *h;
	size_t n;
	if (store_history(s, user, exercise, &h, &n, err) < 0)
		return -1;
	const char *reset = color ? C_RESET : "";
	if (fmt == REPORT_JSON) {
		struct json j = { 0 };
		json_arr_begin(&j);
		for (size_t i = 0; i < n; i++) {
			char t[32];
			iso_time(t, sizeof t, h[i].at_ms);
			json_obj_begin(&j);
			json_kstr(&j, "user", user);
			json_kstr(&j, "exercise", exercise);
			json_kstr(&j, "time", t);
			json_kstr(&j, "verdict", h[i].pass ? "pass" : "fail");
			json_kbool(&j, "compile_ok", h[i].compile_ok);
			json_kstr(&j, "failed_checks", h[i].failed);
			json_kstr(&j, "source", h[i].source);
			json_obj_end(&j);
		}
		json_arr_end(&j);
		fprintf(out, "%s\n", j.out.buf);
		sbuf_free(&j.out);
	} else if (fmt == REPORT_CSV) {
		fputs("user,exercise,time,verdict,compile_ok,failed_checks\n", out);
		for (size_t i = 0; i < n; i++) {
			char t[32];
			iso_time(t, sizeof t, h[i].at_ms);
			csv_field(out, user, 0);
			csv_field(out, exercise, 0);
			csv_field(out, t, 0);
			csv_field(out, h[i].pass ? "pass" : "fail", 0);
			csv_field(out, h[i].compile_ok ? "1" : "0", 0);
			csv_field(out, h[i].failed, 1);
		}
	} else if (n == 0) {
		fprintf(out, "%s\n", catalog_text(cat, NULL, lang, "report.empty"));
	} else {
		for (size_t i = 0; i < n; i++) {
			char t[32];
			iso_time(t, sizeof t, h[i].at_ms);
			fprintf(out, "%s#%zu  %s  %s%s%s", color ? C_BOLD : "", i + 1, t,
				h[i].pass ? (color ? C_GREEN : "") : (color ? C_RED : ""),
				h[i].pass ? "pass" : !h[i].compile_ok ? "does not compile" : "fail", reset);
			if (*h[i].failed)
				fprintf(out, "  (%s)", h[i].failed);
			fputc('\n', out);
			if (i == 0) {
				fprintf(out, "%s\n", h[i].source);
			} else {
				char *d = report_diff(h[i - 1].source, h[i].source);
				if (*d) {
					for (char *p = d; *p;) {
						size_t k = strcspn(p, "\n");
						const char *c = !color ? "" : *p == '+' ? C_GREEN : C_RED;
						fprintf(out, "%s%.*s%s\n", c, (int)k, p, reset);
						p += k + (p[k] == '\n');
					}
				} else {
					fprintf(out, "%s\n", catalog_text(cat, NULL, lang, "report.same_source"));
				}
				free(d);
			}
			fputc('\n', out);
		}
	}
	store_history_free(h, n);
	return 0;
}
