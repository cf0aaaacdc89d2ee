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

/* ---- reading ---- */

enum jtype { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };

struct jval {
	enum jtype type;
	int b;			/* J_BOOL */
	double num;		/* J_NUM */
	char *str;		/* J_STR (NUL-terminated; may hold \0 from \u0000) */
	size_t len;		/* J_STR length; J_ARR / J_OBJ item count */
	struct jval *items;	/* J_ARR, J_OBJ values */
	char **keys;		/* J_OBJ keys */
};

/*
 * Parses one JSON value (and nothing after it but white space).  Returns 0
 * and a tree in *out (free with jval_free), or -1 with a message "offset N:
 * what" in *err (caller frees).  Depth is bounded.
 */
int json_parse(const char *text, size_t n, struct jval *out, char **err);
void jval_free(struct jval *v);

/* The value of key in an object, or NULL (also when v is not an object). */
const struct jval *jval_get(const struct jval *v, const char *key);
/* Shorthands: the string / number / bool of key, or dflt. */
const char *jval_str(const struct jval *v, const char *key, const char *dflt);
double jval_num(const struct jval *v, const char *key, double dflt);
int jval_bool(const struct jval *v, const char *key, int dflt);

#endif
