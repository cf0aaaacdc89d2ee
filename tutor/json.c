/*
 * A small JSON writer and reader.  Output is compact, one object per call
 * site, and always valid UTF-8 whatever bytes a learner's program printed.
 * The reader takes outside input (imported records, a check's output): it
 * never trusts lengths or depth.
 */
#include "json.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

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

/* ---- reading ---- */

#define JSON_MAX_DEPTH 64

struct jparser {
	const char *s;
	size_t n, i;
	char *err;
	int depth;
};

static void jerr(struct jparser *p, const char *what)
{
	if (!p->err)
		p->err = xasprintf("offset %zu: %s", p->i, what);
}

static void jskip(struct jparser *p)
{
	while (p->i < p->n && (p->s[p->i] == ' ' || p->s[p->i] == '\t' || p->s[p->i] == '\n' ||
			       p->s[p->i] == '\r'))
		p->i++;
}

static int jlit(struct jparser *p, const char *lit)
{
	size_t k = strlen(lit);
	if (p->n - p->i < k || memcmp(p->s + p->i, lit, k))
		return 0;
	p->i += k;
	return 1;
}

static int hex4(struct jparser *p, unsigned *out)
{
	if (p->n - p->i < 4)
		return -1;
	unsigned v = 0;
	for (int k = 0; k < 4; k++) {
		char c = p->s[p->i++];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

static void put_utf8(struct sbuf *b, unsigned cp)
{
	char u[4];
	size_t k;
	if (cp < 0x80) {
		u[0] = (char)cp;
		k = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3f));
		k = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		k = 3;
	} else {
		u[0] = (char)(0xf0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		k = 4;
	}
	sbuf_add(b, u, k);
}

/* A string after its opening quote; returns it (owned) or NULL. */
static char *jstring(struct jparser *p, size_t *len)
{
	struct sbuf b = { 0 };
	sbuf_add(&b, "", 0);
	for (;;) {
		if (p->i >= p->n) {
			jerr(p, "unterminated string");
			break;
		}
		unsigned char c = (unsigned char)p->s[p->i++];
		if (c == '"') {
			*len = b.len;
			return sbuf_take(&b);
		}
		if (c < 0x20) {
			jerr(p, "control character in a string");
			break;
		}
		if (c != '\\') {
			sbuf_add(&b, &c, 1);
			continue;
		}
		if (p->i >= p->n) {
			jerr(p, "unterminated escape");
			break;
		}
		char e = p->s[p->i++];
		const char *simple = strchr("\"\\/bfnrt", e);
		if (simple && e) {
			static const char out[] = "\"\\/\b\f\n\r\t";
			sbuf_add(&b, &out[simple - "\"\\/bfnrt"], 1);
			continue;
		}
		unsigned cp;
		if (e != 'u' || hex4(p, &cp) < 0) {
			jerr(p, "bad escape");
			break;
		}
		if (cp >= 0xd800 && cp < 0xdc00) {
			unsigned lo;
			if (p->n - p->i >= 6 && p->s[p->i] == '\\' && p->s[p->i + 1] == 'u') {
				p->i += 2;
				if (hex4(p, &lo) == 0 && lo >= 0xdc00 && lo < 0xe000)
					cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				else
					cp = 0xfffd;
			} else {
				cp = 0xfffd;
			}
		} else if (cp >= 0xdc00 && cp < 0xe000) {
			cp = 0xfffd;
		}
		put_utf8(&b, cp);
	}
	sbuf_free(&b);
	return NULL;
}

static int jvalue(struct jparser *p, struct jval *v);

static int jcontainer(struct jparser *p, struct jval *v, int obj)
{
	char close = obj ? '}' : ']';
	v->type = obj ? J_OBJ : J_ARR;
	if (++p->depth > JSON_MAX_DEPTH) {
		jerr(p, "nested too deep");
		return -1;
	}
	jskip(p);
	if (p->i < p->n && p->s[p->i] == close) {
		p->i++;
		p->depth--;
		return 0;
	}
	size_t cap = 0;
	for (;;) {
		jskip(p);
		char *key = NULL;
		if (obj) {
			size_t kl;
			if (p->i >= p->n || p->s[p->i] != '"') {
				jerr(p, "expected a key");
				return -1;
			}
			p->i++;
			if (!(key = jstring(p, &kl)))
				return -1;
			jskip(p);
			if (p->i >= p->n || p->s[p->i] != ':') {
				free(key);
				jerr(p, "expected ':'");
				return -1;
			}
			p->i++;
		}
		if (v->len == cap) {
			cap = cap ? cap * 2 : 4;
			v->items = xrealloc(v->items, cap * sizeof *v->items);
			if (obj)
				v->keys = xrealloc(v->keys, cap * sizeof *v->keys);
		}
		memset(&v->items[v->len], 0, sizeof v->items[0]);
		if (obj)
			v->keys[v->len] = key;
		v->len++;
		if (jvalue(p, &v->items[v->len - 1]) < 0)
			return -1;
		jskip(p);
		if (p->i < p->n && p->s[p->i] == ',') {
			p->i++;
			continue;
		}
		if (p->i < p->n && p->s[p->i] == close) {
			p->i++;
			p->depth--;
			return 0;
		}
		jerr(p, obj ? "expected ',' or '}'" : "expected ',' or ']'");
		return -1;
	}
}

static int jvalue(struct jparser *p, struct jval *v)
{
	memset(v, 0, sizeof *v);
	jskip(p);
	if (p->i >= p->n) {
		jerr(p, "unexpected end");
		return -1;
	}
	char c = p->s[p->i];
	if (c == '{' || c == '[') {
		p->i++;
		return jcontainer(p, v, c == '{');
	}
	if (c == '"') {
		p->i++;
		v->type = J_STR;
		v->str = jstring(p, &v->len);
		return v->str ? 0 : -1;
	}
	if (jlit(p, "true") || jlit(p, "false")) {
		v->type = J_BOOL;
		v->b = c == 't';
		return 0;
	}
	if (jlit(p, "null")) {
		v->type = J_NULL;
		return 0;
	}
	if (c == '-' || (c >= '0' && c <= '9')) {
		size_t start = p->i;
		if (p->s[p->i] == '-')
			p->i++;
		while (p->i < p->n && strchr("0123456789.eE+-", p->s[p->i]))
			p->i++;
		char buf[64];
		size_t k = p->i - start;
		if (k == 0 || k >= sizeof buf) {
			jerr(p, "bad number");
			return -1;
		}
		memcpy(buf, p->s + start, k);
		buf[k] = '\0';
		char *end;
		v->type = J_NUM;
		v->num = strtod(buf, &end);
		if (*end) {
			jerr(p, "bad number");
			return -1;
		}
		return 0;
	}
	jerr(p, "unexpected character");
	return -1;
}

void jval_free(struct jval *v)
{
	if (!v)
		return;
	for (size_t i = 0; (v->type == J_ARR || v->type == J_OBJ) && i < v->len; i++) {
		jval_free(&v->items[i]);
		if (v->type == J_OBJ)
			free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
	free(v->str);
	memset(v, 0, sizeof *v);
}

int json_parse(const char *text, size_t n, struct jval *out, char **err)
{
	struct jparser p = { .s = text, .n = n };
	*err = NULL;
	int r = jvalue(&p, out);
	if (r == 0) {
		jskip(&p);
		if (p.i != p.n) {
			jerr(&p, "text after the value");
			r = -1;
		}
	}
	if (r < 0) {
		jval_free(out);
		*err = p.err ? p.err : xstrdup("invalid JSON");
		return -1;
	}
	return 0;
}

const struct jval *jval_get(const struct jval *v, const char *key)
{
	if (!v || v->type != J_OBJ)
		return NULL;
	for (size_t i = 0; i < v->len; i++)
		if (v->keys[i] && !strcmp(v->keys[i], key))
			return &v->items[i];
	return NULL;
}

const char *jval_str(const struct jval *v, const char *key, const char *dflt)
{
	const struct jval *x = jval_get(v, key);
	return x && x->type == J_STR ? x->str : dflt;
}

double jval_num(const struct jval *v, const char *key, double dflt)
{
	const struct jval *x = jval_get(v, key);
	return x && x->type == J_NUM ? x->num : dflt;
}

int jval_bool(const struct jval *v, const char *key, int dflt)
{
	const struct jval *x = jval_get(v, key);
	return x && x->type == J_BOOL ? x->b : dflt;
}
