/*
 * Quizzes (see quiz.h): a line-oriented parser of question files and of
 * learners' answer files.  Both are outside input: every malformed line is
 * reported with its number, nothing is guessed.
 */
#define _GNU_SOURCE
#include "quiz.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Removes trailing blanks (and a '\r') in place. */
static void rstrip(char *s)
{
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = '\0';
}

/* "a) text" or "*a) text": the letter index, or -1. */
static int choice_line(const char *s, int *right, const char **text)
{
	*right = *s == '*';
	if (*right)
		s++;
	if (s[0] < 'a' || s[0] > 'a' + QUIZ_MAX_CHOICES - 1 || s[1] != ')' || s[2] != ' ')
		return -1;
	*text = s + 3;
	return s[0] - 'a';
}

static void add_text(char **dst, const char *line)
{
	char *old = *dst;
	*dst = old ? xasprintf("%s\n%s", old, line) : xstrdup(line);
	free(old);
}

/* Drops trailing empty lines of a text block. */
static void trim_block(char *s)
{
	if (!s)
		return;
	size_t n = strlen(s);
	while (n && s[n - 1] == '\n')
		s[--n] = '\0';
}

void quiz_free(struct quiz *qz)
{
	for (size_t i = 0; i < qz->n; i++) {
		struct quiz_question *q = &qz->q[i];
		free(q->text);
		free(q->title);
		for (int k = 0; k < q->nchoices; k++)
			free(q->choices[k]);
		free(q->explain);
	}
	free(qz->q);
	qz->q = NULL;
	qz->n = 0;
}

/* Checks that a finished question is whole. */
static char *question_done(const struct quiz_question *q, const char *path)
{
	if (!q->text)
		return xasprintf("%s:%d: the question has no text", path, q->line);
	if (q->nchoices < 2)
		return xasprintf("%s:%d: a question needs at least two choices \"a) ...\"", path,
				 q->line);
	if (!q->right)
		return xasprintf("%s:%d: no right choice (mark it \"*a) ...\")", path, q->line);
	if (!q->explain)
		return xasprintf("%s:%d: no explanation (\"-> ...\")", path, q->line);
	return NULL;
}

int quiz_parse(struct quiz *qz, const char *path, const char *text, char **err)
{
	memset(qz, 0, sizeof *qz);
	*err = NULL;
	char *copy = xstrdup(text);
	enum { NONE, QUESTION, CHOICES, EXPLAIN } state = NONE;
	struct quiz_question *q = NULL;
	int lineno = 0;
	for (char *p = copy; p && !*err; lineno++) {
		char *line = p;
		char *nl = strchr(p, '\n');
		if (nl) {
			*nl = '\0';
			p = nl + 1;
		} else {
			p = NULL;
		}
		if (!*line && !p)
			break;
		rstrip(line);
		int ln = lineno + 1;
		if (!strncmp(line, "==", 2)) {
			if (q && (*err = question_done(q, path)))
				break;
			char *end;
			long num = strtol(line + 2, &end, 10);
			while (*end == ' ')
				end++;
			if (end == line + 2 || *end || num != (long)qz->n + 1) {
				*err = xasprintf("%s:%d: expected \"== %zu\"", path, ln, qz->n + 1);
				break;
			}
			qz->q = xrealloc(qz->q, (qz->n + 1) * sizeof *qz->q);
			q = &qz->q[qz->n++];
			memset(q, 0, sizeof *q);
			q->line = ln;
			state = QUESTION;
			continue;
		}
		if (state == NONE) {
			if (*line && line[0] != '#')
				*err = xasprintf("%s:%d: expected \"== 1\" before any text", path, ln);
			continue;
		}
		int right;
		const char *ctext;
		int letter = state == EXPLAIN ? -1 : choice_line(line, &right, &ctext);
		if (letter >= 0) {
			if (letter != q->nchoices) {
				*err = xasprintf("%s:%d: expected choice %c)", path, ln, 'a' + q->nchoices);
				break;
			}
			if (!*ctext) {
				*err = xasprintf("%s:%d: empty choice", path, ln);
				break;
			}
			q->choices[q->nchoices++] = xstrdup(ctext);
			if (right)
				q->right |= 1u << letter;
			state = CHOICES;
		} else if (!strncmp(line, "->", 2) && state == CHOICES) {
			const char *t = line + 2;
			while (*t == ' ')
				t++;
			add_text(&q->explain, t);
			state = EXPLAIN;
		} else if (state == QUESTION) {
			if (*line || q->text)
				add_text(&q->text, line);
		} else if (state == EXPLAIN) {
			add_text(&q->explain, line);
		} else if (*line) {
			*err = xasprintf("%s:%d: after the choices, expected \"-> explanation\"", path, ln);
		}
	}
	if (!*err && q)
		*err = question_done(q, path);
	if (!*err && qz->n == 0)
		*err = xasprintf("%s:1: no question (\"== 1\")", path);
	free(copy);
	if (*err) {
		quiz_free(qz);
		return -1;
	}
	for (size_t i = 0; i < qz->n; i++) {
		trim_block(qz->q[i].text);
		trim_block(qz->q[i].explain);
		qz->q[i].title = xstrndup(qz->q[i].text, strcspn(qz->q[i].text, "\n"));
	}
	return 0;
}

void quiz_answers_free(struct quiz_answers *a)
{
	free(a->answers);
	a->answers = NULL;
	a->n = 0;
}

int quiz_answers_parse(const struct quiz *qz, const char *path, const char *text,
		       struct quiz_answers *a, char **err)
{
	a->n = qz->n;
	a->answers = xcalloc(qz->n ? qz->n : 1, sizeof *a->answers);
	char *seen = xcalloc(qz->n ? qz->n : 1, 1);
	*err = NULL;
	int ln = 0;
	for (const char *p = text; p && *p && !*err;) {
		ln++;
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char *line = xstrndup(p, len);
		p = nl ? nl + 1 : NULL;
		rstrip(line);
		const char *s = line;
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s || *s == '#') {
			free(line);
			continue;
		}
		char *end;
		long num = isdigit((unsigned char)*s) ? strtol(s, &end, 10) : -1;
		if (num < 0 || *end != ':') {
			*err = xasprintf("%s:%d: expected \"N: letters\", e.g. \"3: b\" or \"4: a,c\"",
					 path, ln);
		} else if (num < 1 || (size_t)num > qz->n) {
			*err = xasprintf("%s:%d: there is no question %ld (questions 1 to %zu)", path, ln,
					 num, qz->n);
		} else if (seen[num - 1]) {
			*err = xasprintf("%s:%d: question %ld is answered twice", path, ln, num);
		} else {
			unsigned set = 0;
			const struct quiz_question *q = &qz->q[num - 1];
			for (const char *c = end + 1; *c && !*err; c++) {
				int ch = tolower((unsigned char)*c);
				if (ch == ' ' || ch == ',' || ch == '\t')
					continue;
				if (ch < 'a' || ch >= 'a' + q->nchoices)
					*err = xasprintf("%s:%d: question %ld has choices a to %c, not \"%c\"",
							 path, ln, num, 'a' + q->nchoices - 1, *c);
				else
					set |= 1u << (ch - 'a');
			}
			/* "N:" alone leaves the question unanswered. */
			a->answers[num - 1] = set;
			if (set)
				seen[num - 1] = 1;
		}
		free(line);
	}
	free(seen);
	if (*err) {
		quiz_answers_free(a);
		return -1;
	}
	return 0;
}

char *quiz_letters(unsigned set)
{
	struct sbuf b = { 0 };
	for (int i = 0; i < QUIZ_MAX_CHOICES; i++)
		if (set & (1u << i))
			sbuf_addf(&b, "%s%c", b.len ? ", " : "", 'a' + i);
	return b.len ? sbuf_take(&b) : xstrdup("");
}
