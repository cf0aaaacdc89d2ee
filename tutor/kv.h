/*
 * "key = value" files: exercise manifests and the per-language text files.
 * Lines starting with '#' and blank lines are skipped; a key may repeat.
 */
#ifndef PRISE_KV_H
#define PRISE_KV_H

#include <stddef.h>

struct kv_item {
	char *key, *value;
	int line;
};

struct kv {
	struct kv_item *items;
	size_t n;
	char *path;
};

/*
 * Parses text (from file `path`, for messages).  Returns 0, or -1 and a
 * message "PATH:LINE: what is wrong" in *err (caller frees).
 */
int kv_parse(struct kv *kv, const char *path, const char *text, char **err);
/* Reads and parses a file; a missing file gives -1 with a message. */
int kv_load(struct kv *kv, const char *path, char **err);
/* The last value of key, or NULL. */
const char *kv_get(const struct kv *kv, const char *key);
/* The item of the last value of key, or NULL. */
const struct kv_item *kv_find(const struct kv *kv, const char *key);
void kv_free(struct kv *kv);

#endif
