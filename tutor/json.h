/*
 * A small JSON writer into a string buffer, and a string escaper.  Commas are
 * placed automatically; the caller nests begin/end calls correctly.
 */
#ifndef PRISE_JSON_H
#define PRISE_JSON_H

#include <stddef.h>

#include "util.h"

#define JSON_DEPTH 32

struct json {
	struct sbuf out;
	int depth;
	int count[JSON_DEPTH];	/* items written at each depth */
	int after_key;
};

void json_obj_begin(struct json *j);
void json_obj_end(struct json *j);
void json_arr_begin(struct json *j);
void json_arr_end(struct json *j);
void json_key(struct json *j, const char *key);
void json_str(struct json *j, const char *s);
void json_strn(struct json *j, const char *s, size_t n);
void json_int(struct json *j, long long v);
void json_bool(struct json *j, int v);
void json_null(struct json *j);
/* Shorthands for "key": value inside an object. */
void json_kstr(struct json *j, const char *key, const char *s);
void json_kint(struct json *j, const char *key, long long v);
void json_kbool(struct json *j, const char *key, int v);

/* Appends s as a quoted JSON string (invalid UTF-8 becomes U+FFFD). */
void json_escape(struct sbuf *b, const char *s, size_t n);

#endif
