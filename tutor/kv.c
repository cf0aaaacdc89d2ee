/*
 * "key = value" parser (see kv.h).  Values are taken verbatim after the '='
 * with surrounding blanks trimmed; a value may hold "\n" (a newline) and
 * "\\" (a backslash, so that C code can show "\\n").
 */
#include "kv.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static char *trim(char *s, char *end)
{
	while (s < end && isspace((unsigned char)*s))
		s++;
	while (end > s && isspace((unsigned char)end[-1]))
		end--;
	*end = '\0';
	return s;
}

/* Turns "\n" into a newline and "\\" into one backslash, in place. */
static void unescape(char *s)
{
	char *w = s;
	for (char *r = s; *r; r++) {
		if (r[0] == '\\' && r[1] == 'n') {
			*w++ = '\n';
			r++;
		} else if (r[0] == '\\' && r[1] == '\\') {
			*w++ = '\\';
			r++;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
}

int kv_parse(struct kv *kv, const char *path, const char *text, char **err)
{
	memset(kv, 0, sizeof *kv);
	kv->path = xstrdup(path);
	size_t cap = 0;
	int line = 0;
	const char *p = text;
	*err = NULL;
	while (*p) {
		line++;
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char *l = xstrndup(p, len);
		p += len + (nl ? 1 : 0);
		char *s = trim(l, l + len);
		if (*s == '\0' || *s == '#') {
			free(l);
			continue;
		}
		char *eq = strchr(s, '=');
		if (!eq) {
			*err = xasprintf("%s:%d: expected \"key = value\", got \"%s\"", path, line, s);
			free(l);
			kv_free(kv);
			return -1;
		}
		char *key = trim(s, eq);
		char *val = trim(eq + 1, eq + 1 + strlen(eq + 1));
		if (*key == '\0') {
			*err = xasprintf("%s:%d: a line starts with '=' (no key)", path, line);
			free(l);
			kv_free(kv);
			return -1;
		}
		for (char *k = key; *k; k++) {
			if (!isalnum((unsigned char)*k) && !strchr("._-", *k)) {
				*err = xasprintf("%s:%d: invalid character '%c' in key \"%s\"",
						 path, line, *k, key);
				free(l);
				kv_free(kv);
				return -1;
			}
		}
		if (kv->n == cap) {
			cap = cap ? cap * 2 : 16;
			kv->items = xrealloc(kv->items, cap * sizeof *kv->items);
		}
		unescape(val);
		kv->items[kv->n++] = (struct kv_item){ xstrdup(key), xstrdup(val), line };
		free(l);
	}
	return 0;
}

int kv_load(struct kv *kv, const char *path, char **err)
{
	char *text = file_read(path, NULL);
	if (!text) {
		memset(kv, 0, sizeof *kv);
		*err = xasprintf("%s: %s", path, strerror(errno));
		return -1;
	}
	int ret = kv_parse(kv, path, text, err);
	free(text);
	return ret;
}

const struct kv_item *kv_find(const struct kv *kv, const char *key)
{
	for (size_t i = kv->n; i-- > 0;)
		if (!strcmp(kv->items[i].key, key))
			return &kv->items[i];
	return NULL;
}

const char *kv_get(const struct kv *kv, const char *key)
{
	const struct kv_item *it = kv_find(kv, key);
	return it ? it->value : NULL;
}

void kv_free(struct kv *kv)
{
	for (size_t i = 0; i < kv->n; i++) {
		free(kv->items[i].key);
		free(kv->items[i].value);
	}
	free(kv->items);
	free(kv->path);
	memset(kv, 0, sizeof *kv);
}
