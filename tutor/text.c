/*
 * Display widths and wrapping (see text.h).  Widths come from mbrtowc and
 * wcwidth, so the locale must be set (setlocale) for accents to count as one
 * column; under the C locale every byte counts one.
 */
#define _GNU_SOURCE
#include "text.h"

#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <wchar.h>

#include "util.h"

/* Length in bytes of the character at s (at least 1), its width in *w. */
static size_t char_len(const char *s, size_t n, int *w)
{
	mbstate_t st;
	memset(&st, 0, sizeof st);
	wchar_t wc;
	size_t k = mbrtowc(&wc, s, n, &st);
	if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
		*w = 1;
		return 1;
	}
	int cw = wcwidth(wc);
	*w = cw < 0 ? 1 : cw;
	return k;
}

int text_width(const char *s, size_t n)
{
	int total = 0;
	for (size_t i = 0; i < n;) {
		int w;
		i += char_len(s + i, n - i, &w);
		total += w;
	}
	return total;
}

/*
 * May a line break at the space s[i]?  Not inside French spacing: before
 * ":", ";", "?", "!", "»" or after "«", the space holds its neighbours.
 */
static int can_break(const char *s, size_t n, size_t i)
{
	if (i + 1 < n && strchr(":;?!", s[i + 1]) && s[i + 1])
		return 0;
	if (i + 2 < n && (unsigned char)s[i + 1] == 0xc2 && (unsigned char)s[i + 2] == 0xbb)
		return 0;	/* » */
	if (i >= 2 && (unsigned char)s[i - 2] == 0xc2 && (unsigned char)s[i - 1] == 0xab)
		return 0;	/* « */
	return 1;
}

/* Appends one paragraph (no newline inside), wrapped. */
static void wrap_line(struct sbuf *b, const char *s, size_t n, int width, const char *indent)
{
	int avail = width - text_width(indent, strlen(indent));
	if (avail < 10)
		avail = 10;
	if (n == 0 || s[0] == ' ' || s[0] == '\t') {
		sbuf_adds(b, indent);
		sbuf_add(b, s, n);
		sbuf_adds(b, "\n");
		return;
	}
	size_t i = 0;
	while (i < n) {
		while (i < n && s[i] == ' ')
			i++;
		if (i >= n)
			break;
		/* Take as many words as fit; at least part of one. */
		size_t end = i, last_break = 0;
		int col = 0;
		while (end < n) {
			int w;
			size_t k = char_len(s + end, n - end, &w);
			if (col + w > avail)
				break;
			col += w;
			end += k;
			if (end < n && s[end] == ' ' && can_break(s, n, end))
				last_break = end;
		}
		if (end < n && last_break > i)
			end = last_break;
		else if (end == i)
			end = i + 1;
		sbuf_adds(b, indent);
		sbuf_add(b, s + i, end - i);
		sbuf_adds(b, "\n");
		i = end;
	}
}

char *text_wrap(const char *text, int width, const char *indent)
{
	struct sbuf b = { 0 };
	const char *p = text;
	while (*p) {
		size_t n = strcspn(p, "\n");
		wrap_line(&b, p, n, width, indent);
		p += n;
		if (*p == '\n')
			p++;
	}
	return b.len ? sbuf_take(&b) : xstrdup("");
}

int text_term_width(void)
{
	struct winsize ws;
	if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20)
		return ws.ws_col;
	return 80;
}
