/*
 * A small JSON writer.  Output is compact, one object per call site, and
 * always valid UTF-8 whatever bytes a learner's program printed.
 */
#include "json.h"

#include <string.h>

static void json_sep(struct json *j)
{
	if (j->after_key) {
		j->after_key = 0;
		return;
	}
	if (j->count[j->depth]++ > 0)
		sbuf_adds(&j->out, ", ");
}

static void json_open(struct json *j, char c)
{
	json_sep(j);
	sbuf_add(&j->out, &c, 1);
	if (j->depth < JSON_DEPTH - 1)
		j->depth++;
	j->count[j->depth] = 0;
}

static void json_close(struct json *j, char c)
{
	sbuf_add(&j->out, &c, 1);
	if (j->depth > 0)
		j->depth--;
}

void json_obj_begin(struct json *j) { json_open(j, '{'); }
void json_obj_end(struct json *j) { json_close(j, '}'); }
void json_arr_begin(struct json *j) { json_open(j, '['); }
void json_arr_end(struct json *j) { json_close(j, ']'); }

void json_key(struct json *j, const char *key)
{
	json_sep(j);
	json_escape(&j->out, key, strlen(key));
	sbuf_adds(&j->out, ": ");
	j->after_key = 1;
}

/* Length of a valid UTF-8 sequence at s (at most n bytes), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len;
	unsigned min;
	unsigned cp;
	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) {
		len = 2; min = 0x80; cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3; min = 0x800; cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4; min = 0x10000; cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

void json_escape(struct sbuf *b, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	sbuf_add(b, "\"", 1);
	for (size_t i = 0; i < n;) {
		unsigned char c = s[i];
		if (c == '"' || c == '\\') {
			sbuf_add(b, "\\", 1);
			sbuf_add(b, &s[i], 1);
			i++;
		} else if (c == '\n') {
			sbuf_adds(b, "\\n");
			i++;
		} else if (c == '\t') {
			sbuf_adds(b, "\\t");
			i++;
		} else if (c == '\r') {
			sbuf_adds(b, "\\r");
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			sbuf_addf(b, "\\u%04x", c);
			i++;
		} else {
			size_t l = utf8_len(s + i, n - i);
			if (l == 0) {
				sbuf_adds(b, "\\ufffd");
				i++;
			} else {
				sbuf_add(b, s + i, l);
				i += l;
			}
		}
	}
	sbuf_add(b, "\"", 1);
}

void json_strn(struct json *j, const char *s, size_t n)
{
	json_sep(j);
	json_escape(&j->out, s, n);
}

void json_str(struct json *j, const char *s)
{
	if (!s) {
		json_null(j);
		return;
	}
	json_strn(j, s, strlen(s));
}

void json_int(struct json *j, long long v)
{
	json_sep(j);
	sbuf_addf(&j->out, "%lld", v);
}

void json_bool(struct json *j, int v)
{
	json_sep(j);
	sbuf_adds(&j->out, v ? "true" : "false");
}

void json_null(struct json *j)
{
	json_sep(j);
	sbuf_adds(&j->out, "null");
}

void json_kstr(struct json *j, const char *key, const char *s)
{
	json_key(j, key);
	json_str(j, s);
}

void json_kint(struct json *j, const char *key, long long v)
{
	json_key(j, key);
	json_int(j, v);
}

void json_kbool(struct json *j, const char *key, int v)
{
	json_key(j, key);
	json_bool(j, v);
}
